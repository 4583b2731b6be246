"""The GCP Storage component under the offline mocks: private buckets, the lifecycle per
purpose, CMEK and exact IAM grants.

What these tests do not prove: that the bucket names are free (they are global), that the key
is in the buckets' location, or that an organisation policy allows the buckets; only that the
program asks for what it should.
"""

from typing import Any

import pulumi
import pytest

from forge_components.contracts import StorageOutputs
from forge_components.gcp.storage import Storage, StorageArgs, validate_storage_args
from forge_infra.plan.recorder import RecordedResource, Recording
from tests.components.gcp.conftest import PROJECT, REGION, assert_gcp_component_schema, run_gcp

BUCKET = "gcp:storage/bucket:Bucket"
BUCKET_MEMBER = "gcp:storage/bucketIAMMember:BucketIAMMember"
KEY_MEMBER = "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember"
OUTPUT_NAMES = {"bucket_names", "bucket_urls", "storage_service_agent"}
KEY = f"projects/{PROJECT}/locations/{REGION}/keyRings/forge/cryptoKeys/storage"
AGENT = "service-123456789012@gs-project-accounts.iam.gserviceaccount.com"
API_SA = "serviceAccount:forge-api@forge-offline-plan.iam.gserviceaccount.com"
WORKER_SA = "serviceAccount:forge-worker@forge-offline-plan.iam.gserviceaccount.com"


def build(**overrides: Any) -> Recording:
    """One Storage named "files" in `REGION`, its outputs exported under their own names."""
    def program() -> None:
        storage = Storage("files", StorageArgs(**({"location": REGION} | overrides)))
        for key in OUTPUT_NAMES:
            pulumi.export(key, getattr(storage, key))
    return run_gcp(program)


def bucket(rec: Recording, purpose: str) -> RecordedResource:
    return rec.one(BUCKET, f"files-{purpose}")


def storage_classes(resource: RecordedResource) -> list[str]:
    return [rule["action"].get("storageClass", rule["action"]["type"])
            for rule in resource.inputs["lifecycleRules"]]


def test_the_schema_serves_the_contract_and_every_output():
    assert_gcp_component_schema(Storage, StorageOutputs, OUTPUT_NAMES)


def test_every_bucket_is_private_uniform_versioned_and_regional():
    rec = build()
    assert sorted(b.name for b in rec.of_type(BUCKET)) == [
        "files-backups", "files-exports", "files-reports"]
    for resource in rec.of_type(BUCKET):
        inputs, urn = resource.inputs, resource.urn
        assert inputs["uniformBucketLevelAccess"] is True, urn
        assert inputs["publicAccessPrevention"] == "enforced", urn
        assert inputs["versioning"] == {"enabled": True}, urn
        assert inputs["location"] == REGION, urn
        assert inputs["storageClass"] == "STANDARD", urn
        assert inputs["softDeletePolicy"] == {"retentionDurationSeconds": 604800}, urn
        assert inputs["forceDestroy"] is False, urn
        assert "encryption" not in inputs, urn
        assert "website" not in inputs and "cors" not in inputs, urn
        assert inputs["labels"]["component"] == "forge-gcp-storage", urn


def test_the_apps_buckets_go_to_nearline_only_and_backups_on_to_archive():
    rec = build()
    for purpose in ("reports", "exports"):
        assert storage_classes(bucket(rec, purpose)) == ["NEARLINE", "Delete"], purpose
    assert storage_classes(bucket(rec, "backups")) == ["NEARLINE", "ARCHIVE", "Delete"]
    rules = bucket(rec, "backups").inputs["lifecycleRules"]
    assert rules[0]["condition"] == {"age": 30, "matchesStorageClasses": ["STANDARD"],
                                     "withState": "LIVE"}
    assert rules[1]["condition"] == {"age": 180, "matchesStorageClasses": ["NEARLINE"],
                                     "withState": "LIVE"}
    assert rules[2]["condition"] == {"daysSinceNoncurrentTime": 90, "withState": "ARCHIVED"}


def test_without_versioning_no_bucket_versions_and_no_noncurrent_rule_remains():
    rec = build(versioning=False)
    for resource in rec.of_type(BUCKET):
        assert resource.inputs["versioning"] == {"enabled": False}, resource.urn
        assert "Delete" not in storage_classes(resource), resource.urn
        assert resource.inputs["publicAccessPrevention"] == "enforced", resource.urn
    assert storage_classes(bucket(rec, "backups")) == ["NEARLINE", "ARCHIVE"]
    assert storage_classes(bucket(build(), "backups")) == ["NEARLINE", "ARCHIVE", "Delete"]


def test_no_bucket_the_apps_read_ever_reaches_archive():
    rec = build(buckets=["reports", "exports", "backups", "audit"],
                archive_purposes=["backups", "audit"])
    for purpose in ("reports", "exports"):
        assert "ARCHIVE" not in storage_classes(bucket(rec, purpose)), purpose
    assert "ARCHIVE" in storage_classes(bucket(rec, "audit"))


def test_lifecycle_days_come_from_the_args():
    rec = build(nearline_after_days=60, archive_after_days=400,
                noncurrent_version_expiration_days=30, soft_delete_days=30)
    rules = bucket(rec, "backups").inputs["lifecycleRules"]
    assert [r["condition"].get("age") for r in rules[:2]] == [60, 400]
    assert rules[2]["condition"]["daysSinceNoncurrentTime"] == 30
    assert bucket(rec, "backups").inputs["softDeletePolicy"] == {
        "retentionDurationSeconds": 30 * 86400}


def test_cmek_encrypts_every_bucket_and_grants_only_the_storage_agent_on_the_key():
    rec = build(kms_key_name=KEY)
    for resource in rec.of_type(BUCKET):
        assert resource.inputs["encryption"] == {"defaultKmsKeyName": KEY}, resource.urn
    grants = rec.of_type(KEY_MEMBER)
    assert [(g.inputs["cryptoKeyId"], g.inputs["role"], g.inputs["member"]) for g in grants] == [
        (KEY, "roles/cloudkms.cryptoKeyEncrypterDecrypter", f"serviceAccount:{AGENT}")]
    for resource in rec.of_type(BUCKET):
        assert grants[0].urn in resource.dependencies, resource.urn
    assert rec.exports["storage_service_agent"] == AGENT


def test_without_cmek_no_key_grant():
    rec = build()
    assert rec.of_type(KEY_MEMBER) == []
    assert rec.exports["storage_service_agent"] == ""


def test_iam_grants_are_exactly_the_named_members_per_bucket():
    rec = build(readers={"reports": [API_SA]}, writers={"exports": [WORKER_SA]})
    grants = sorted((g.inputs["bucket"], g.inputs["role"], g.inputs["member"])
                    for g in rec.of_type(BUCKET_MEMBER))
    assert grants == [
        (bucket(rec, "exports").outputs["name"], "roles/storage.objectCreator", WORKER_SA),
        (bucket(rec, "reports").outputs["name"], "roles/storage.objectViewer", API_SA)]
    assert all(not g.inputs["member"].startswith(("allUsers", "allAuthenticatedUsers"))
               for g in rec.of_type(BUCKET_MEMBER))


def test_protect_and_labels():
    rec = build(protect=True, labels={"team": "data"})
    for resource in rec.of_type(BUCKET):
        assert resource.protect is True, resource.urn
        purpose = resource.name.removeprefix("files-")
        assert resource.inputs["labels"] == {"team": "data", "component": "forge-gcp-storage",
                                             "purpose": purpose}, resource.urn


def test_outputs_name_each_purposes_bucket_and_url():
    rec = build()
    names = {purpose: bucket(rec, purpose).outputs["name"]
             for purpose in ("reports", "exports", "backups")}
    assert rec.exports["bucket_names"] == names
    assert rec.exports["bucket_urls"] == {p: f"gs://{n}" for p, n in names.items()}


def _args(**overrides: Any) -> StorageArgs:
    return StorageArgs(**({"location": REGION} | overrides))


@pytest.mark.parametrize(("overrides", "message"), [
    ({"archive_purposes": ["backups", "reports"]},
     "Storage: archive_purposes ['reports'] are read by the apps (app_read_purposes): Archive "
     "bills a retrieval fee on every read and a 365-day minimum storage duration; leave them in "
     "Nearline"),
    ({"archive_purposes": ["logs"]},
     "Storage: archive_purposes ['logs'] are not among buckets ['reports', 'exports', "
     "'backups']"),
    ({"nearline_after_days": 10},
     "Storage: nearline_after_days must be 30 or more (Nearline's minimum storage duration), "
     "got 10"),
    ({"archive_after_days": 45},
     "Storage: archive_after_days (45) must be at least nearline_after_days + 30 (60): an "
     "object leaving Nearline earlier is billed its minimum duration"),
    ({"soft_delete_days": 3}, "Storage: soft_delete_days must be between 7 and 90, got 3"),
    ({"buckets": ["Reports"]},
     "Storage: buckets ['Reports'] are not purposes (a lower-case letter, then lower-case "
     "letters, digits or hyphens, 20 at most)"),
    ({"buckets": []}, "Storage: buckets must name at least one purpose"),
    ({"readers": {"logs": ["user:a@example.com"]}},
     "Storage: readers names ['logs'], which are not among buckets ['reports', 'exports', "
     "'backups']"),
    ({"noncurrent_version_expiration_days": 0},
     "Storage: noncurrent_version_expiration_days must be 1 or more, got 0"),
])
def test_invalid_args_are_refused_with_the_field_and_what_is_allowed(overrides, message):
    with pytest.raises(ValueError) as error:
        validate_storage_args("files", _args(**overrides))
    assert str(error.value) == message


def test_a_name_too_long_for_a_bucket_name_is_refused():
    with pytest.raises(ValueError, match=r"at most 47 characters"):
        validate_storage_args("f" * 48, _args())
    validate_storage_args("f" * 47, _args())
