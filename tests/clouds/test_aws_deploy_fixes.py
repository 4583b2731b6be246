"""Issue 8 fixes as the stacks wire them: each test runs the whole program of a stack file
under the offline mocks and reads what the engine would receive.

What these tests do not prove: that AWS accepts the inputs; only that the program asks for
what the AWS documentation (cited in the components) says works.
"""

from __future__ import annotations

from typing import Any

import pytest

from forge_infra.plan.recorder import Recording
from forge_infra.program import build
from tests.conftest import STACKS, stack_config
from tests.helpers import run_mocked

BUCKET = "aws:s3/bucket:Bucket"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"


def build_stack(stack: str, **overrides: Any) -> Recording:
    """The recording of one stack file's program, with `overrides` on its config."""
    config = stack_config(stack, **overrides)
    return run_mocked(lambda: build(config), stack=stack)


@pytest.fixture(scope="module")
def recordings() -> dict[str, Recording]:
    return {stack: build_stack(stack) for stack in STACKS}


@pytest.mark.parametrize("stack", STACKS)
def test_no_stack_archives_the_objects_its_apps_read(recordings, stack: str) -> None:
    recording = recordings[stack]
    by_id = {b.resource_id: b for b in recording.of_type(BUCKET)}
    seen = set()
    for lifecycle in recording.of_type(LIFECYCLE):
        bucket = by_id[lifecycle.inputs["bucket"]]
        classes = [t["storageClass"] for rule in lifecycle.inputs["rules"]
                   for t in rule.get("transitions", [])]
        purpose = bucket.inputs["tags"].get("purpose")
        if purpose in ("reports", "exports", "backups"):
            seen.add(purpose)
            assert classes == ["GLACIER_IR"], f"{bucket.urn} transitions to {classes}"
        else:
            assert not {"GLACIER", "DEEP_ARCHIVE"} & set(classes), (
                f"{bucket.urn} transitions to {classes}")
    assert seen == {"reports", "exports", "backups"}, seen
