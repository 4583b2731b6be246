"""The GCP CrossRegionBackup component under the offline mocks: a private copy bucket per
source in the recovery region, a scheduled Storage Transfer job per copy, the transfer agent's
exact grants, and the refusals of its args.

What these tests do not prove: that Storage Transfer Service runs the jobs on schedule or that
the agent's grants suffice on a real project; only what the program asks for.
"""

from typing import Any

import pulumi
import pytest

from forge_components.gcp.backup import (
    CrossRegionBackup,
    CrossRegionBackupArgs,
    validate_backup_args,
)
from forge_infra.plan.mocks.gcp import KNOWN_TYPES
from forge_infra.plan.recorder import Recording
from tests.components.gcp.conftest import assert_gcp_component_schema, run_gcp

BUCKET = "gcp:storage/bucket:Bucket"
JOB = "gcp:storage/transferJob:TransferJob"
MEMBER = "gcp:storage/bucketIAMMember:BucketIAMMember"
OUTPUTS = {"dr_region", "copy_bucket_names", "transfer_job_names", "transfer_service_agent"}
AGENT = "project-123456789012@storage-transfer-service.iam.gserviceaccount.com"


def build(**overrides: Any) -> Recording:
    def program() -> None:
        args: dict[str, Any] = {"dr_region": "europe-west4",
                                "source_buckets": {"reports": "shop-reports",
                                                   "exports": "shop-exports"}}
        backup = CrossRegionBackup("dr", CrossRegionBackupArgs(**(args | overrides)))  # type: ignore[typeddict-item]
        for key in OUTPUTS:
            pulumi.export(key, getattr(backup, key))
    return run_gcp(program)


def test_the_schema_serves_every_output() -> None:
    assert_gcp_component_schema(CrossRegionBackup, None, OUTPUTS)


def test_one_private_copy_and_one_job_per_source() -> None:
    rec = build(interval_hours=6, versioning=False, protect=True)
    copies = {b.name: b for b in rec.of_type(BUCKET)}
    assert sorted(copies) == ["dr-exports", "dr-reports"]
    for bucket in copies.values():
        assert bucket.inputs["location"] == "europe-west4", bucket.urn
        assert bucket.inputs["publicAccessPrevention"] == "enforced", bucket.urn
        assert bucket.inputs["versioning"] == {"enabled": False}, bucket.urn
        assert bucket.protect is True, bucket.urn
        # Without versioning there are no superseded versions to expire: Nearline only.
        assert [r["action"]["type"] for r in bucket.inputs["lifecycleRules"]] == [
            "SetStorageClass"], bucket.urn
    jobs = {j.name: j.inputs for j in rec.of_type(JOB)}
    assert jobs["dr-reports"]["transferSpec"]["gcsDataSource"] == {"bucketName": "shop-reports"}
    assert jobs["dr-reports"]["transferSpec"]["gcsDataSink"] == {
        "bucketName": copies["dr-reports"].outputs["name"]}
    assert jobs["dr-exports"]["schedule"]["repeatInterval"] == "21600s"
    assert jobs["dr-exports"]["schedule"]["startTimeOfDay"] == {
        "hours": 4, "minutes": 0, "seconds": 0, "nanos": 0}
    assert rec.exports["transfer_service_agent"] == AGENT
    assert rec.exports["transfer_job_names"]["reports"].startswith("transferJobs/")


def test_the_agent_reads_the_sources_and_writes_the_copies_only() -> None:
    rec = build()
    copies = {b.outputs["name"] for b in rec.of_type(BUCKET)}
    grants = sorted((m.inputs["bucket"] in copies, m.inputs["bucket"], m.inputs["role"])
                    for m in rec.of_type(MEMBER))
    assert all(m.inputs["member"] == f"serviceAccount:{AGENT}" for m in rec.of_type(MEMBER))
    assert [(is_copy, role) for is_copy, _, role in grants] == [
        (False, "roles/storage.legacyBucketReader"), (False, "roles/storage.objectViewer"),
        (False, "roles/storage.legacyBucketReader"), (False, "roles/storage.objectViewer"),
        (True, "roles/storage.legacyBucketWriter"), (True, "roles/storage.legacyBucketWriter")]
    assert {r.type for r in rec.resources if r.custom} - KNOWN_TYPES == set()


@pytest.mark.parametrize(("overrides", "message"), [
    ({"source_buckets": {}}, "source_buckets must name at least one bucket"),
    ({"dr_region": "Europe West"}, "dr_region 'Europe West' is not a region name"),
    ({"interval_hours": 0}, "interval_hours must be 1 or more (Storage Transfer Service's "
                            "shortest repeat interval), got 0"),
    ({"soft_delete_days": 3}, "soft_delete_days must be between 7 and 90, got 3"),
])
def test_bad_args_are_refused_naming_the_field(overrides: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {"dr_region": "europe-west4", "source_buckets": {"reports": "b"}}
    with pytest.raises(ValueError) as error:
        validate_backup_args(CrossRegionBackupArgs(**(args | overrides)))  # type: ignore[typeddict-item]
    assert str(error.value).startswith(f"CrossRegionBackup: {message}")
