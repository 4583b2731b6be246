"""`forge-infra:dr` on GCP: the config's refusals (exact lines), and under the offline mocks the
database's backup location, the buckets' copies with their Storage Transfer jobs and grants,
the recovery region's network (pilot_light), and the exports the recovery forecast reads.

What these tests do not prove: that Cloud SQL stores the backups in the recovery region, that
Storage Transfer Service runs the jobs on their schedule, or that a restore works; only what
the program asks Google for (docs/DISASTER_RECOVERY.md, "GCP", says what is documented).
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

import pytest
import yaml

from forge_infra.config import ConfigError, config_from_mapping
from forge_infra.plan.recorder import RecordedResource, Recording
from forge_infra.program import build
from tests.conftest import ROOT
from tests.helpers import run_mocked

SQL = "gcp:sql/databaseInstance:DatabaseInstance"
BUCKET = "gcp:storage/bucket:Bucket"
JOB = "gcp:storage/transferJob:TransferJob"
MEMBER = "gcp:storage/bucketIAMMember:BucketIAMMember"
NETWORK = "gcp:compute/network:Network"
SUBNET = "gcp:compute/subnetwork:Subnetwork"
ADDRESS = "gcp:compute/globalAddress:GlobalAddress"
PEERING = "gcp:servicenetworking/connection:Connection"
AGENT = ("serviceAccount:project-123456789012@storage-transfer-service.iam.gserviceaccount."
         "com")
PURPOSES = ("backups", "exports", "reports")


def values(stack: str, dr: dict[str, Any] | None = None) -> dict[str, Any]:
    document = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())
    config = copy.deepcopy(document["config"])
    if dr is not None:
        config["forge-infra:dr"] = dr
    return config


def problems(config: dict[str, Any], stack: str = "gcp-prod") -> list[str]:
    with pytest.raises(ConfigError) as info:
        config_from_mapping(config, stack=stack, source=f"Pulumi.{stack}.yaml")
    return [p for p in info.value.problems if "dr." in p or "kms_key_name" in p]


@pytest.mark.parametrize(("dr", "expected"), [
    ({"mode": "backup"},
     "forge-infra:dr.region: required with dr.mode backup: the recovery region, another GCP "
     "region where Cloud Run runs"),
    ({"mode": "pilot_light", "region": "europe-west1"},
     "forge-infra:dr.region: got 'europe-west1', the stack's own region (gcp:region); a "
     "recovery region must survive the loss of the stack's"),
    ({"region": "europe-west4"},
     "forge-infra:dr.region: got 'europe-west4' with dr.mode none; set dr.mode to backup or "
     "pilot_light, or remove dr.region"),
    ({"mode": "backup", "region": "europe-west4", "backup_interval_hours": 12},
     "forge-infra:dr.backup_interval_hours: got 12; Cloud SQL's automated backups run once a "
     "day (hourly schedules are enhanced backups, which do not restore across regions); "
     "allowed: 24"),
    ({"mode": "backup", "region": "europe-west4", "dr_retention_days": 30},
     "forge-infra:dr.dr_retention_days: GCP keeps its recovery points in dr.region only: "
     "Cloud SQL keeps database.backup_retention_days daily backups there and the bucket copies "
     "keep every object (superseded versions for storage.noncurrent_version_expiration_days); "
     "remove the key"),
])
def test_bad_dr_settings_are_refused_naming_the_key(dr: dict[str, Any], expected: str) -> None:
    assert problems(values("gcp-prod", dr)) == [expected]


def test_an_unknown_region_is_refused_naming_the_allowed_ones() -> None:
    found = problems(values("gcp-prod", {"mode": "backup", "region": "mars-west1"}))
    assert len(found) == 1
    assert found[0].startswith(
        "forge-infra:dr.region: got 'mars-west1'; not a GCP region where the stack can be "
        "rebuilt (Cloud Run runs there: https://cloud.google.com/run/docs/locations); allowed: ")
    allowed = found[0].rsplit("allowed: ", 1)[1].split(", ")
    assert "europe-west4" in allowed and "europe-west1" not in allowed


def test_a_mode_outside_the_enum_is_refused() -> None:
    with pytest.raises(ConfigError) as info:
        config_from_mapping(values("gcp-prod", {"mode": "warm_standby",
                                                "region": "europe-west4"}),
                            stack="gcp-prod", source="Pulumi.gcp-prod.yaml")
    assert any(p.startswith("forge-infra:dr.mode: got 'warm_standby'")
               for p in info.value.problems), info.value.problems


def test_cmek_with_dr_is_refused() -> None:
    config = values("gcp-prod")
    key = "projects/forge-gcp-prod-000000/locations/europe-west1/keyRings/r/cryptoKeys/k"
    config["forge-infra:storage"]["kms_key_name"] = key
    assert problems(config) == [
        "forge-infra:storage.kms_key_name: set with dr.mode backup: the copies in the recovery "
        "region would need a Cloud KMS key of that region, which forge-infra does not declare; "
        "use Google-managed encryption or dr.mode none"]


# -- the resources, from the stack file --------------------------------------------------


@cache
def planned(stack: str, mode: str | None = None) -> Recording:
    raw = values(stack) if mode is None else values(
        stack, {"mode": mode, "region": "europe-west4"})
    config = config_from_mapping(raw, stack=stack, source=f"Pulumi.{stack}.yaml")
    return run_mocked(lambda: build(config), stack=stack, region=config.region)


def by_name(rec: Recording, type_token: str) -> dict[str, RecordedResource]:
    return {r.name: r for r in rec.of_type(type_token)}


def test_gcp_prod_stores_its_database_backups_in_the_recovery_region() -> None:
    sql = planned("gcp-prod").one(SQL)
    backups = sql.inputs["settings"]["backupConfiguration"]
    assert backups["location"] == "europe-west4", sql.urn
    assert backups["enabled"] is True and backups["pointInTimeRecoveryEnabled"] is True


def test_gcp_dev_keeps_its_backups_in_its_region_and_copies_nothing() -> None:
    rec = planned("gcp-dev")
    assert rec.one(SQL).inputs["settings"]["backupConfiguration"]["location"] == "europe-west1"
    assert rec.of_type(JOB) == []
    assert all(b.inputs["location"] == "europe-west1" for b in rec.of_type(BUCKET))
    assert not any(key.startswith("dr_") for key in rec.exports)


def test_each_bucket_is_copied_daily_to_a_private_versioned_bucket_in_the_recovery_region(
        ) -> None:
    rec = planned("gcp-prod")
    buckets = by_name(rec, BUCKET)
    jobs = by_name(rec, JOB)
    assert sorted(jobs) == [f"forge-gcp-prod-dr-{p}" for p in PURPOSES]
    for purpose in PURPOSES:
        source = buckets[f"forge-gcp-prod-storage-{purpose}"]
        copy_ = buckets[f"forge-gcp-prod-dr-{purpose}"]
        assert source.inputs["location"] == "europe-west1"
        assert copy_.inputs["location"] == "europe-west4", copy_.urn
        assert copy_.inputs["publicAccessPrevention"] == "enforced", copy_.urn
        assert copy_.inputs["uniformBucketLevelAccess"] is True, copy_.urn
        assert copy_.inputs["versioning"] == source.inputs["versioning"] == {"enabled": True}
        assert copy_.inputs["softDeletePolicy"] == source.inputs["softDeletePolicy"]
        assert "encryption" not in copy_.inputs and "encryption" not in source.inputs
        assert copy_.inputs["labels"]["dr-copy-of"] == purpose, copy_.urn
        assert copy_.protect is True and copy_.inputs["forceDestroy"] is False, copy_.urn
        spec = jobs[f"forge-gcp-prod-dr-{purpose}"].inputs
        assert spec["transferSpec"] == {
            "gcsDataSource": {"bucketName": source.outputs["name"]},
            "gcsDataSink": {"bucketName": copy_.outputs["name"]},
            "transferOptions": {"overwriteWhen": "DIFFERENT",
                                "deleteObjectsUniqueInSink": False,
                                "deleteObjectsFromSourceAfterTransfer": False}}
        assert spec["schedule"]["repeatInterval"] == "86400s"
        assert spec["schedule"]["scheduleStartDate"] == {"year": 2026, "month": 1, "day": 1}
        assert spec["status"] == "ENABLED" and spec["project"] == "forge-gcp-prod-000000"


def test_the_transfer_agent_gets_exactly_its_grants_before_each_job_runs() -> None:
    rec = planned("gcp-prod")
    buckets = {r.outputs["name"]: r.name for r in rec.of_type(BUCKET)}
    agent_grants = sorted((buckets[m.inputs["bucket"]], m.inputs["role"])
                          for m in rec.of_type(MEMBER) if m.inputs["member"] == AGENT)
    expected = sorted([(f"forge-gcp-prod-storage-{p}", role) for p in PURPOSES
                       for role in ("roles/storage.objectViewer",
                                    "roles/storage.legacyBucketReader")]
                      + [(f"forge-gcp-prod-dr-{p}", "roles/storage.legacyBucketWriter")
                         for p in PURPOSES])
    assert agent_grants == expected
    members = by_name(rec, MEMBER)
    for job in rec.of_type(JOB):
        purpose = job.name.rsplit("-", 1)[-1]
        needed = {members[f"forge-gcp-prod-dr-{purpose}-source-objectviewer"].urn,
                  members[f"forge-gcp-prod-dr-{purpose}-source-legacybucketreader"].urn,
                  members[f"forge-gcp-prod-dr-{purpose}-sink-writer"].urn}
        assert needed <= set(job.dependencies), job.urn


def test_backup_mode_exports_the_recovery_contract() -> None:
    exports = planned("gcp-prod").exports
    assert exports["dr_region"] == "europe-west4"
    assert exports["dr_database_backup_location"] == "europe-west4"
    assert (exports["dr_rto_target_hours"], exports["dr_rpo_target_hours"],
            exports["dr_declaration_minutes"]) == (4.0, 30.0, 30)
    assert sorted(exports["dr_bucket_names"]) == list(PURPOSES)
    assert all(name.startswith("transferJobs/")
               for name in exports["dr_transfer_job_names"].values())
    assert "dr_network_id" not in exports


def test_pilot_light_also_stands_up_the_network_in_the_recovery_region() -> None:
    rec = planned("gcp-prod", "pilot_light")
    networks = by_name(rec, NETWORK)
    assert sorted(networks) == ["forge-gcp-prod-dr-network-vpc", "forge-gcp-prod-network-vpc"]
    dr_subnets = [s for s in rec.of_type(SUBNET) if s.name.startswith("forge-gcp-prod-dr-")]
    main_subnets = [s for s in rec.of_type(SUBNET) if not s.name.startswith("forge-gcp-prod-dr-")]
    assert {s.inputs["region"] for s in dr_subnets} == {"europe-west4"}
    assert sorted(s.inputs["ipCidrRange"] for s in dr_subnets) == sorted(
        s.inputs["ipCidrRange"] for s in main_subnets) == ["10.30.0.0/20", "10.30.16.0/24"]
    ranges = [a for a in rec.of_type(ADDRESS) if a.name.startswith("forge-gcp-prod-dr-")]
    assert [(a.inputs["address"], a.inputs["prefixLength"]) for a in ranges] == [
        ("10.40.0.0", 16)]
    assert len([p for p in rec.of_type(PEERING)
                if p.name.startswith("forge-gcp-prod-dr-")]) == 1
    exports = rec.exports
    assert exports["dr_network_id"] == networks["forge-gcp-prod-dr-network-vpc"].outputs[
        "selfLink"]
    assert exports["dr_region"] == "europe-west4" and len(rec.of_type(JOB)) == 3
