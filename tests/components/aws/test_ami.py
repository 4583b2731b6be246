"""The one AMI lookup: Canonical's owner id, the Ubuntu name filter, the architecture.

What these tests do not prove: that an image matching the filters exists in a region today.
"""

from typing import Any

import pulumi
import pytest

from forge_components.aws.ami import (
    CANONICAL_OWNER_ID,
    AmiArchitecture,
    ubuntu_ami,
    ubuntu_image_name,
)
from forge_infra.plan.mocks import ProviderMocks
from forge_infra.plan.recorder import run_under_mocks


class _RecordingCalls(ProviderMocks):
    """The shared mocks, keeping the arguments of every getAmi call."""

    def __init__(self) -> None:
        super().__init__()
        self.ami_calls: list[dict[str, Any]] = []

    def call(self, args: pulumi.runtime.MockCallArgs) -> Any:
        if args.token == "aws:ec2/getAmi:getAmi":
            self.ami_calls.append(dict(args.args))
        return super().call(args)


class _Owner(pulumi.ComponentResource):
    def __init__(self, architecture: AmiArchitecture) -> None:
        super().__init__("forge-aws:index:Owner", "owner")
        pulumi.export("ami", ubuntu_ami(self, architecture=architecture))
        self.register_outputs({})


@pytest.mark.parametrize(("architecture", "name_arch"), [
    (AmiArchitecture.X86_64, "amd64"), (AmiArchitecture.ARM64, "arm64")])
def test_lookup_is_canonicals_newest_ubuntu(architecture: AmiArchitecture,
                                            name_arch: str) -> None:
    mocks = _RecordingCalls()
    rec = run_under_mocks(lambda: _Owner(architecture), project="p", stack="s", mocks=mocks)
    assert len(mocks.ami_calls) == 1, mocks.ami_calls
    call = mocks.ami_calls[0]
    assert call["owners"] == ["099720109477"] == [CANONICAL_OWNER_ID], call
    assert call["mostRecent"] is True, call
    assert call["filters"] == [
        {"name": "name",
         "values": [f"ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-{name_arch}-server-*"]},
        {"name": "architecture", "values": [architecture.value]},
        {"name": "virtualization-type", "values": ["hvm"]},
    ], call
    assert str(rec.exports["ami"]).startswith("ami-"), rec.exports


def test_image_name_of_the_default_release() -> None:
    assert ubuntu_image_name() == "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*"


def test_unknown_release_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^ubuntu_image_name: release '18\.04' is not one of "
                                         r"22\.04$"):
        ubuntu_image_name("18.04")
