"""The documentation's code runs: the library example of docs/COMPONENTS.md, under mocks."""

from __future__ import annotations

import re

from tests.conftest import ROOT
from tests.helpers import run_mocked


def _python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


def test_components_example_builds_a_protected_multi_az_database() -> None:
    example = _python_blocks((ROOT / "docs" / "COMPONENTS.md").read_text())[0]
    recording = run_mocked(lambda: exec(compile(example, "COMPONENTS.md", "exec"), {}))
    rds = recording.one("aws:rds/instance:Instance")
    assert rds.inputs["multiAz"] is True and rds.protect is True
    assert rds.inputs["deletionProtection"] is True
    assert rds.inputs["backupRetentionPeriod"] == 14
    assert recording.one("aws:ec2/vpc:Vpc").inputs["cidrBlock"] == "10.40.0.0/16"
    assert set(recording.exports) == {"database_host", "database_credentials_secret_id",
                                      "database_user", "database_connect_arn"}
    assert recording.exports["database_user"] == "forge_app"
    assert recording.exports["database_connect_arn"].endswith(
        f":dbuser:{rds.outputs['resourceId']}/forge_app")
    function = recording.one("aws:lambda/function:Function")
    # In AZ order (the subnets' names end in their index), not in registration order, which
    # depends on when each subnet's AZ lookup resolved.
    private = [s.resource_id for s in sorted(recording.of_type("aws:ec2/subnet:Subnet"),
                                             key=lambda s: s.name)
               if s.name.startswith("analytics-private-")]
    assert function.inputs["vpcConfig"]["subnetIds"] == private, function.urn
    assert rds.inputs["tags"]["team"] == "analytics"
