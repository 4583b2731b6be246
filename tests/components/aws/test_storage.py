"""Tests of the AWS PrivateBucket and Storage components, run under the shared offline mocks.

What these tests do not prove: that S3 accepts the configuration (bucket-name availability,
lifecycle-rule validation, KMS key permissions); only that the program asks for it.
"""

import json
import warnings
from typing import Any

import pulumi
import pulumi_aws
import pytest

from forge_components.aws.storage import (
    BUCKET_COMPONENT,
    STORAGE_COMPONENT,
    PrivateBucket,
    PrivateBucketArgs,
    Storage,
    StorageArgs,
)
from forge_components.contracts import StorageOutputs
from forge_infra.plan.recorder import RecordedResource, Recording
from forge_infra.program import build
from tests.components.aws.conftest import assert_component_schema
from tests.conftest import stack_config
from tests.helpers import assert_all_tagged, run_mocked

BUCKET = "aws:s3/bucket:Bucket"
PUBLIC_ACCESS = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
ENCRYPTION = ("aws:s3/bucketServerSideEncryptionConfiguration:"
              "BucketServerSideEncryptionConfiguration")
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
POLICY = "aws:s3/bucketPolicy:BucketPolicy"

# Loading pulumi_aws.s3 warns about the deprecated *V2 types it defines (none is used here);
# filter exactly that import-time noise, by its origin, so the suite's "error" filter does not
# break the module half-way through its import. (Belongs in pyproject's filterwarnings.)
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=r".*V2 has been deprecated in favor of ",
                            category=DeprecationWarning, module=r"pulumi_aws\.s3\.\w+_v2$")
    _ = pulumi_aws.s3.Bucket

KMS_KEY = "arn:aws:kms:us-east-1:123456789012:key/0f0e0d0c-0b0a-0908-0706-050403020100"

TLS_DENY_CONDITION = {"Bool": {"aws:SecureTransport": "false"}}


def build_bucket(**kwargs: Any) -> tuple[Recording, RecordedResource]:
    """One PrivateBucket named "data"; returns the recording and its s3.Bucket."""

    def program() -> None:
        bucket = PrivateBucket("data", PrivateBucketArgs(**kwargs))
        pulumi.export("bucket_name", bucket.bucket_name)
        pulumi.export("bucket_arn", bucket.bucket_arn)
        pulumi.export("bucket_regional_domain_name", bucket.bucket_regional_domain_name)

    recording = run_mocked(program)
    return recording, recording.one(BUCKET, "data")


def build_storage(**kwargs: Any) -> tuple[Recording, Storage]:
    """One Storage named "st"; exports its outputs."""
    holder: dict[str, Storage] = {}

    def program() -> None:
        storage = Storage("st", StorageArgs(**kwargs))
        holder["storage"] = storage
        pulumi.export("bucket_names", storage.bucket_names)
        pulumi.export("bucket_arns", storage.bucket_arns)
        for purpose in ("reports", "exports", "backups"):
            value = getattr(storage, f"{purpose}_bucket_name")
            if value is not None:
                pulumi.export(f"{purpose}_bucket_name", value)

    recording = run_mocked(program)
    return recording, holder["storage"]


def config_of(recording: Recording, type_token: str, bucket: RecordedResource) -> RecordedResource:
    """The single configuration resource of `type_token` attached to `bucket`."""
    found = [r for r in recording.of_type(type_token) if r.inputs["bucket"] == bucket.resource_id]
    assert len(found) == 1, f"{bucket.urn} has {len(found)} {type_token}"
    return found[0]


def statements_of(recording: Recording, bucket: RecordedResource) -> list[dict[str, Any]]:
    policy = config_of(recording, POLICY, bucket)
    document = json.loads(policy.inputs["policy"])
    assert document["Version"] == "2012-10-17", policy.urn
    return document["Statement"]


def tls_deny(bucket: RecordedResource) -> dict[str, Any]:
    arn = bucket.outputs["arn"]
    return {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*",
            "Action": "s3:*", "Resource": [arn, f"{arn}/*"], "Condition": TLS_DENY_CONDITION}


# -- PrivateBucket -------------------------------------------------------------------------------

def test_bucket_outputs_and_safe_bucket_inputs() -> None:
    recording, bucket = build_bucket()
    assert bucket.inputs["forceDestroy"] is False, bucket.urn
    for legacy in ("acl", "policy", "versioning", "serverSideEncryptionConfiguration",
                   "lifecycleRules", "website"):
        assert legacy not in bucket.inputs, f"{bucket.urn} uses the inline {legacy}"
    assert recording.exports == {
        "bucket_name": bucket.resource_id,
        "bucket_arn": bucket.outputs["arn"],
        "bucket_regional_domain_name": bucket.outputs["bucketRegionalDomainName"],
    }


def test_public_access_is_blocked_on_all_four_flags() -> None:
    recording, bucket = build_bucket()
    block = config_of(recording, PUBLIC_ACCESS, bucket)
    for flag in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                 "restrictPublicBuckets"):
        assert block.inputs[flag] is True, f"{block.urn} {flag}={block.inputs.get(flag)}"


def test_object_ownership_is_enforced_to_the_bucket_owner() -> None:
    recording, bucket = build_bucket()
    ownership = config_of(recording, OWNERSHIP, bucket)
    assert ownership.inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}, ownership.urn


def test_default_encryption_is_sse_s3() -> None:
    recording, bucket = build_bucket()
    encryption = config_of(recording, ENCRYPTION, bucket)
    assert encryption.inputs["rules"] == [
        {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}], encryption.urn


def test_kms_key_gives_sse_kms_with_a_bucket_key() -> None:
    recording, bucket = build_bucket(kms_key_arn=KMS_KEY)
    encryption = config_of(recording, ENCRYPTION, bucket)
    assert encryption.inputs["rules"] == [{
        "applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms",
                                               "kmsMasterKeyId": KMS_KEY},
        "bucketKeyEnabled": True,
    }], encryption.urn


def test_versioning_is_enabled_by_default() -> None:
    recording, bucket = build_bucket()
    versioning = config_of(recording, VERSIONING, bucket)
    assert versioning.inputs["versioningConfiguration"] == {"status": "Enabled"}, versioning.urn
    lifecycle = config_of(recording, LIFECYCLE, bucket)
    assert versioning.urn in lifecycle.dependencies, lifecycle.urn


def test_versioning_off_drops_versioning_and_noncurrent_rule() -> None:
    recording, bucket = build_bucket(versioning=False)
    assert recording.of_type(VERSIONING) == []
    lifecycle = config_of(recording, LIFECYCLE, bucket)
    ids = [rule["id"] for rule in lifecycle.inputs["rules"]]
    assert ids == ["transition-to-glacier-ir", "abort-incomplete-multipart-uploads"], lifecycle.urn


@pytest.mark.parametrize(("glacier", "noncurrent", "multipart"), [(90, 90, 7), (30, 365, 1)])
def test_lifecycle_rules(glacier: int, noncurrent: int, multipart: int) -> None:
    recording, bucket = build_bucket(transition_days=glacier,
                                     noncurrent_version_expiration_days=noncurrent,
                                     abort_incomplete_multipart_days=multipart)
    lifecycle = config_of(recording, LIFECYCLE, bucket)
    assert lifecycle.inputs["rules"] == [
        {"id": "transition-to-glacier-ir", "status": "Enabled", "filter": {},
         "transitions": [{"days": glacier, "storageClass": "GLACIER_IR"}]},
        {"id": "expire-noncurrent-versions", "status": "Enabled", "filter": {},
         "noncurrentVersionExpiration": {"noncurrentDays": noncurrent}},
        {"id": "abort-incomplete-multipart-uploads", "status": "Enabled", "filter": {},
         "abortIncompleteMultipartUpload": {"daysAfterInitiation": multipart}},
    ], lifecycle.urn


def test_lifecycle_rules_can_be_skipped() -> None:
    recording, bucket = build_bucket(transition_days=None)
    lifecycle = config_of(recording, LIFECYCLE, bucket)
    assert [rule["id"] for rule in lifecycle.inputs["rules"]] == [
        "expire-noncurrent-versions", "abort-incomplete-multipart-uploads"], lifecycle.urn
    recording, _ = build_bucket(transition_days=None, versioning=False,
                                abort_incomplete_multipart_days=None)
    assert recording.of_type(LIFECYCLE) == []


def test_day_counts_must_be_positive() -> None:
    with pytest.raises(ValueError, match=r"^PrivateBucket: transition_days must be at "
                                         r"least 1 day, or None to skip the rule; got 0$"):
        build_bucket(transition_days=0)


def test_bucket_policy_denies_insecure_transport_only() -> None:
    recording, bucket = build_bucket()
    assert statements_of(recording, bucket) == [tls_deny(bucket)]
    policy = config_of(recording, POLICY, bucket)
    block = config_of(recording, PUBLIC_ACCESS, bucket)
    assert block.urn in policy.dependencies, f"{policy.urn} does not wait for {block.urn}"


def test_extra_statements_are_merged_into_the_one_policy() -> None:
    distribution_arn = "arn:aws:cloudfront::123456789012:distribution/E2EXAMPLE"

    def program() -> None:
        # A statement built from Outputs, the way the CDN passes its Origin Access Control grant.
        source = PrivateBucket("data", PrivateBucketArgs())
        PrivateBucket("site", PrivateBucketArgs(extra_policy_statements=[{
            "Sid": "AllowCloudFront",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": pulumi.Output.concat(source.bucket_arn, "/*"),
            "Condition": {"StringEquals": {"AWS:SourceArn": pulumi.Output.from_input(
                distribution_arn)}},
        }]))

    recording = run_mocked(program)
    data = recording.one(BUCKET, "data")
    site = recording.one(BUCKET, "site")
    assert len(recording.of_type(POLICY)) == 2
    assert statements_of(recording, site) == [tls_deny(site), {
        "Sid": "AllowCloudFront",
        "Effect": "Allow",
        "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Action": "s3:GetObject",
        "Resource": f"{data.outputs['arn']}/*",
        "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}},
    }]
    assert statements_of(recording, data) == [tls_deny(data)]


@pytest.mark.parametrize("protect", [False, True])
def test_protect_only_on_the_bucket(protect: bool) -> None:
    recording, bucket = build_bucket(protect=protect)
    assert bucket.protect is protect, bucket.urn
    others = [r for r in recording.resources if r.urn != bucket.urn]
    assert len(others) == 7
    for resource in others:
        assert resource.protect is False, f"{resource.urn} is protected"


def test_every_child_is_parented_and_tagged() -> None:
    recording, bucket = build_bucket(tags={"team": "data"})
    component = recording.one(BUCKET_COMPONENT, "data")
    others = [r for r in recording.resources if r.urn != component.urn]
    assert len(others) == 7
    for resource in others:
        assert resource.parent == component.urn, f"{resource.urn} parent {resource.parent}"
    checked = assert_all_tagged(recording, BUCKET_COMPONENT)
    assert [r.urn for r in checked] == [bucket.urn]
    assert bucket.inputs["tags"] == {"Name": "data", "team": "data",
                                     "component": BUCKET_COMPONENT}, bucket.urn


# -- Storage -------------------------------------------------------------------------------------

def test_storage_without_access_logs_creates_three_private_buckets() -> None:
    recording, storage = build_storage(access_logs=False)
    root = recording.one(STORAGE_COMPONENT, "st")
    components = recording.of_type(BUCKET_COMPONENT)
    assert sorted(c.name for c in components) == ["st-backups", "st-exports", "st-reports"]
    for component in components:
        assert component.parent == root.urn, component.urn
    buckets = {r.name: r for r in recording.of_type(BUCKET)}
    assert sorted(buckets) == ["st-backups", "st-exports", "st-reports"]
    by_urn = recording.by_urn()
    for name, bucket in buckets.items():
        assert by_urn[bucket.parent].name == name, bucket.urn
        assert bucket.inputs["tags"]["purpose"] == name.removeprefix("st-"), bucket.urn
        assert statements_of(recording, bucket) == [tls_deny(bucket)]
        assert config_of(recording, VERSIONING, bucket).inputs["versioningConfiguration"] == {
            "status": "Enabled"}
    names = {p: buckets[f"st-{p}"].resource_id for p in ("reports", "exports", "backups")}
    assert recording.exports["bucket_names"] == names
    assert recording.exports["bucket_arns"] == {
        p: buckets[f"st-{p}"].outputs["arn"] for p in ("reports", "exports", "backups")}
    for purpose, bucket_name in names.items():
        assert recording.exports[f"{purpose}_bucket_name"] == bucket_name, purpose
    assert sorted(storage._buckets) == ["backups", "exports", "reports"]
    assert len(recording.children_of(root.urn)) == len(recording.resources) - 1
    assert len(recording.resources) == 1 + 3 * 8


def test_storage_passes_settings_to_every_bucket() -> None:
    recording, _ = build_storage(kms_key_arn=KMS_KEY, transition_days=30,
                                 noncurrent_version_expiration_days=60, force_destroy=True,
                                 protect=True, tags={"team": "data"}, access_logs=False)
    buckets = recording.of_type(BUCKET)
    assert len(buckets) == 3
    for bucket in buckets:
        assert bucket.protect is True, bucket.urn
        assert bucket.inputs["forceDestroy"] is True, bucket.urn
        assert bucket.inputs["tags"]["team"] == "data", bucket.urn
        rule = config_of(recording, ENCRYPTION, bucket).inputs["rules"][0]
        assert rule["applyServerSideEncryptionByDefault"] == {
            "sseAlgorithm": "aws:kms", "kmsMasterKeyId": KMS_KEY}, bucket.urn
        rules = {r["id"]: r for r in config_of(recording, LIFECYCLE, bucket).inputs["rules"]}
        assert rules["transition-to-glacier-ir"]["transitions"] == [
            {"days": 30, "storageClass": "GLACIER_IR"}], bucket.urn
        assert rules["expire-noncurrent-versions"]["noncurrentVersionExpiration"] == {
            "noncurrentDays": 60}, bucket.urn
    unprotected = [r for r in recording.resources if r.type != BUCKET]
    assert len(unprotected) == 1 + 3 + 3 * 6  # Storage, 3 PrivateBuckets, 6 configs each
    for resource in unprotected:
        assert resource.protect is False, f"{resource.urn} is protected"
    assert_all_tagged(recording, BUCKET_COMPONENT)


def test_storage_with_custom_purposes() -> None:
    recording, storage = build_storage(buckets=["media"], access_logs=False)
    assert [b.name for b in recording.of_type(BUCKET)] == ["st-media"]
    assert storage.reports_bucket_name is None
    assert storage.exports_bucket_name is None
    assert storage.backups_bucket_name is None
    assert recording.exports["bucket_names"] == {
        "media": recording.one(BUCKET, "st-media").resource_id}
    assert "reports_bucket_name" not in recording.exports


@pytest.mark.parametrize(("buckets", "message"), [
    ([], "^Storage: buckets must name at least one purpose$"),
    (["reports", "reports"], r"^Storage: buckets has duplicate purposes: \['reports'\]$"),
    (["Reports"], r"^Storage: bucket purposes must be lower-case letters, digits and inner "
                  r"hyphens: \['Reports'\]$"),
])
def test_storage_rejects_bad_purposes(buckets: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_storage(buckets=buckets)


def test_schemas_and_contract() -> None:
    assert_component_schema(PrivateBucket, None,
                            {"bucket_name", "bucket_arn", "bucket_regional_domain_name"})
    assert_component_schema(Storage, StorageOutputs, {
        "bucket_names", "bucket_arns", "reports_bucket_name", "exports_bucket_name",
        "backups_bucket_name", "access_log_bucket_name", "access_log_bucket_arn"})


def _transitions(recording: Recording) -> dict[str, list[dict[str, Any]]]:
    """The lifecycle transitions of each purpose's bucket, by bucket resource name."""
    found = {}
    for bucket in recording.of_type(BUCKET):
        if bucket.name == "st-access-logs":
            continue
        rules = config_of(recording, LIFECYCLE, bucket).inputs["rules"]
        found[bucket.name] = [t for r in rules for t in r.get("transitions", [])]
    return found


def test_buckets_the_apps_read_never_transition_to_an_archive_class() -> None:
    recording, _ = build_storage()
    transitions = _transitions(recording)
    assert transitions == {
        "st-reports": [{"days": 90, "storageClass": "GLACIER_IR"}],
        "st-exports": [{"days": 90, "storageClass": "GLACIER_IR"}],
        "st-backups": [{"days": 90, "storageClass": "GLACIER_IR"}],
    }, transitions


def test_backups_alone_may_be_archived() -> None:
    recording, _ = build_storage(transition_storage_classes={
        "backups": "DEEP_ARCHIVE", "exports": "STANDARD_IA"})
    transitions = _transitions(recording)
    assert transitions == {
        "st-reports": [{"days": 90, "storageClass": "GLACIER_IR"}],
        "st-exports": [{"days": 90, "storageClass": "STANDARD_IA"}],
        "st-backups": [{"days": 90, "storageClass": "DEEP_ARCHIVE"}],
    }, transitions
    ids = [r["id"] for r in config_of(recording, LIFECYCLE, recording.one(
        BUCKET, "st-backups")).inputs["rules"]]
    assert ids[0] == "transition-to-deep-archive", ids


@pytest.mark.parametrize("archive", ["GLACIER", "DEEP_ARCHIVE"])
@pytest.mark.parametrize("purpose", ["reports", "exports"])
def test_storage_refuses_archiving_what_the_apps_read(purpose: str, archive: str) -> None:
    with pytest.raises(ValueError) as raised:
        build_storage(transition_storage_classes={purpose: archive})
    assert str(raised.value) == (
        f"Storage: transition_storage_classes[{purpose!r}] is {archive}, where a GET fails "
        f"until the object is restored; the apps read {purpose!r}, so use one of "
        "['GLACIER_IR', 'STANDARD_IA'] (GLACIER/DEEP_ARCHIVE only for 'backups')")


def test_storage_refuses_a_class_for_a_purpose_without_a_bucket() -> None:
    with pytest.raises(ValueError) as raised:
        build_storage(buckets=["reports"], transition_storage_classes={"backups": "GLACIER"})
    assert str(raised.value) == ("Storage: transition_storage_classes names purposes without "
                                 "a bucket: ['backups']")


@pytest.mark.parametrize(("overrides", "message"), [
    ({"transition_storage_class": "GLACIER_FLEXIBLE"},
     "PrivateBucket: transition storage class must be one of ['GLACIER_IR', 'STANDARD_IA', "
     "'GLACIER', 'DEEP_ARCHIVE']; got 'GLACIER_FLEXIBLE'"),
    ({"transition_storage_class": "STANDARD_IA", "transition_days": 29},
     "PrivateBucket: S3 moves objects to STANDARD_IA no earlier than 30 days after creation; "
     "got 29"),
])
def test_bucket_refuses_transitions_s3_refuses(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as raised:
        build_bucket(**overrides)
    assert str(raised.value) == message


def test_standard_ia_at_thirty_days_is_accepted() -> None:
    recording, bucket = build_bucket(transition_storage_class="STANDARD_IA", transition_days=30)
    rules = config_of(recording, LIFECYCLE, bucket).inputs["rules"]
    assert rules[0] == {"id": "transition-to-standard-ia", "status": "Enabled", "filter": {},
                        "transitions": [{"days": 30, "storageClass": "STANDARD_IA"}]}, bucket.urn


ABORT_RULE = {"id": "abort-incomplete-multipart-uploads", "status": "Enabled", "filter": {},
              "abortIncompleteMultipartUpload": {"daysAfterInitiation": 7}}


@pytest.mark.parametrize("overrides", [
    {},
    {"transition_days": None, "noncurrent_version_expiration_days": None},
])
def test_storage_aborts_incomplete_multipart_uploads_on_every_bucket(
        overrides: dict[str, Any]) -> None:
    """The scanner's "lifecycle aborts incomplete multipart uploads", after 7 days, on each
    purpose's bucket, even when every other lifecycle rule is turned off."""
    recording, _ = build_storage(**overrides)
    buckets = recording.of_type(BUCKET)
    assert len(buckets) == 4  # the three purposes and the access-log bucket
    for bucket in buckets:
        rules = config_of(recording, LIFECYCLE, bucket).inputs["rules"]
        assert [r for r in rules if "abortIncompleteMultipartUpload" in r] == [ABORT_RULE], (
            bucket.urn)


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_every_bucket_of_every_stack_aborts_incomplete_multipart_uploads(stack: str) -> None:
    """Every S3 bucket the real program declares (storage purposes, CDN assets, whatever comes
    next) has one lifecycle configuration with the 7-day abort rule."""
    recording = run_mocked(lambda: build(stack_config(stack)), stack=stack)
    buckets = recording.of_type(BUCKET)
    assert len(buckets) >= 3, stack
    for bucket in buckets:
        rules = config_of(recording, LIFECYCLE, bucket).inputs["rules"]
        assert [r for r in rules if "abortIncompleteMultipartUpload" in r] == [ABORT_RULE], (
            bucket.urn)


# -- access logs (issue 8: the scanner's S3 server access logs and load balancer logs) -----------

ACCOUNT = "123456789012"
LOGGING = "aws:s3/bucketLogging:BucketLogging"


def test_bucket_sends_server_access_logs_only_when_given_a_target() -> None:
    recording, bucket = build_bucket()
    assert recording.of_type(LOGGING) == []
    recording, bucket = build_bucket(access_log_bucket_name="forge-logs",
                                     access_log_prefix="s3/data/")
    logging = config_of(recording, LOGGING, bucket)
    assert logging.inputs == {"bucket": bucket.resource_id, "targetBucket": "forge-logs",
                              "targetPrefix": "s3/data/"}, logging.urn
    assert logging.parent == recording.one(BUCKET_COMPONENT, "data").urn, logging.urn


def test_bucket_expiration_rule_deletes_objects_after_the_given_days() -> None:
    recording, bucket = build_bucket(expiration_days=30)
    rules = config_of(recording, LIFECYCLE, bucket).inputs["rules"]
    assert [r for r in rules if "expiration" in r] == [{
        "id": "expire-objects", "status": "Enabled", "filter": {},
        "expiration": {"days": 30}}], bucket.urn
    recording, bucket = build_bucket()
    rules = config_of(recording, LIFECYCLE, bucket).inputs["rules"]
    assert [r for r in rules if "expiration" in r] == [], bucket.urn


def test_storage_access_log_bucket_is_sse_s3_versioned_and_expires_its_logs() -> None:
    """SSE-S3 even when the data buckets use a KMS key: ALB access logs and S3 server access
    logs accept no other default encryption."""
    recording, storage = build_storage(kms_key_arn=KMS_KEY, access_log_retention_days=400,
                                       noncurrent_version_expiration_days=30, protect=True)
    log = recording.one(BUCKET, "st-access-logs")
    assert log.protect is True, log.urn
    assert log.inputs["tags"]["purpose"] == "access-logs", log.urn
    rule = config_of(recording, ENCRYPTION, log).inputs["rules"][0]
    assert rule == {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}, log.urn
    assert config_of(recording, VERSIONING, log).inputs["versioningConfiguration"] == {
        "status": "Enabled"}, log.urn
    assert config_of(recording, PUBLIC_ACCESS, log).inputs["restrictPublicBuckets"] is True
    assert config_of(recording, OWNERSHIP, log).inputs["rule"] == {
        "objectOwnership": "BucketOwnerEnforced"}, log.urn
    rules = config_of(recording, LIFECYCLE, log).inputs["rules"]
    assert rules == [
        {"id": "expire-noncurrent-versions", "status": "Enabled", "filter": {},
         "noncurrentVersionExpiration": {"noncurrentDays": 30}},
        ABORT_RULE,
        {"id": "expire-objects", "status": "Enabled", "filter": {},
         "expiration": {"days": 400}},
    ], log.urn
    # The log bucket does not log to itself.
    assert [r for r in recording.of_type(LOGGING) if r.inputs["bucket"] == log.resource_id] == []
    assert storage.access_log_bucket_name is not None


def test_every_storage_bucket_logs_to_its_own_prefix_of_the_log_bucket() -> None:
    recording, _ = build_storage()
    log = recording.one(BUCKET, "st-access-logs")
    for purpose in ("reports", "exports", "backups"):
        bucket = recording.one(BUCKET, f"st-{purpose}")
        logging = config_of(recording, LOGGING, bucket)
        assert logging.inputs == {"bucket": bucket.resource_id,
                                  "targetBucket": log.resource_id,
                                  "targetPrefix": f"s3/{purpose}/"}, logging.urn
    assert len(recording.of_type(LOGGING)) == 3


def _log_statements(recording: Recording) -> dict[str, dict[str, Any]]:
    log = recording.one(BUCKET, "st-access-logs")
    statements = statements_of(recording, log)
    assert statements[0] == tls_deny(log)
    return {s["Sid"]: s for s in statements[1:]}


def test_log_bucket_policy_admits_s3_log_delivery_from_its_sources_only() -> None:
    extra = "arn:aws:s3:::forge-test-cdn-assets"
    recording, _ = build_storage(access_log_source_bucket_arns=[extra])
    log_arn = recording.one(BUCKET, "st-access-logs").outputs["arn"]
    sources = [recording.one(BUCKET, f"st-{p}").outputs["arn"]
               for p in ("reports", "exports", "backups")] + [extra]
    assert _log_statements(recording)["S3ServerAccessLogsDelivery"] == {
        "Sid": "S3ServerAccessLogsDelivery", "Effect": "Allow",
        "Principal": {"Service": "logging.s3.amazonaws.com"},
        "Action": "s3:PutObject", "Resource": f"{log_arn}/s3/*",
        "Condition": {"ArnLike": {"aws:SourceArn": sources},
                      "StringEquals": {"aws:SourceAccount": ACCOUNT}}}


def test_log_bucket_admits_the_elb_account_of_a_region_launched_before_august_2022() -> None:
    recording, _ = build_storage()  # the mocks' region: us-east-1
    log_arn = recording.one(BUCKET, "st-access-logs").outputs["arn"]
    assert _log_statements(recording)["ElbAccessLogsDelivery"] == {
        "Sid": "ElbAccessLogsDelivery", "Effect": "Allow",
        "Principal": {"Service": "logdelivery.elasticloadbalancing.amazonaws.com",
                      "AWS": "arn:aws:iam::127311923021:root"},
        "Action": "s3:PutObject", "Resource": f"{log_arn}/alb/AWSLogs/{ACCOUNT}/*"}


def test_log_bucket_admits_only_the_log_delivery_service_in_a_newer_region() -> None:
    """Asia Pacific (Melbourne) has no ELB account in the list: the service principal alone."""
    def program() -> None:
        Storage("st", StorageArgs(load_balancer_log_prefix="lb/web"))

    recording = run_mocked(program, region="ap-southeast-4")
    log_arn = recording.one(BUCKET, "st-access-logs").outputs["arn"]
    statement = _log_statements(recording)["ElbAccessLogsDelivery"]
    assert statement["Principal"] == {
        "Service": "logdelivery.elasticloadbalancing.amazonaws.com"}
    assert statement["Resource"] == f"{log_arn}/lb/web/AWSLogs/{ACCOUNT}/*"


def test_log_bucket_without_a_load_balancer_prefix_admits_no_elb_delivery() -> None:
    recording, _ = build_storage(load_balancer_log_prefix=None)
    assert sorted(_log_statements(recording)) == ["S3ServerAccessLogsDelivery"]


@pytest.mark.parametrize(("overrides", "message"), [
    ({"buckets": ["access-logs"]}, "Storage: the purpose 'access-logs' is the access-log "
                                   "bucket's; name the bucket otherwise"),
    ({"access_log_retention_days": 0}, "Storage: access_log_retention_days must be 1..3650; "
                                       "got 0"),
    ({"load_balancer_log_prefix": "alb/AWSLogs"},
     "Storage: load_balancer_log_prefix must be lower-case letters, digits, hyphens and inner "
     "single slashes (ELB adds AWSLogs/ itself); got 'alb/AWSLogs'"),
    ({"load_balancer_log_prefix": "alb/"},
     "Storage: load_balancer_log_prefix must be lower-case letters, digits, hyphens and inner "
     "single slashes (ELB adds AWSLogs/ itself); got 'alb/'"),
])
def test_storage_refuses_bad_access_log_settings(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as raised:
        build_storage(**overrides)
    assert str(raised.value) == message


def test_whatever_takes_the_log_bucket_name_waits_for_its_policy() -> None:
    """ELB checks its grant (a test object) when access logs are turned on: the name the ALB
    and every BucketLogging get carries the log bucket policy as a dependency."""
    def program() -> None:
        storage = Storage("st", StorageArgs())
        assert storage.access_log_bucket_name is not None
        pulumi_aws.s3.BucketLogging("consumer", bucket="forge-test-other",
                                    target_bucket=storage.access_log_bucket_name,
                                    target_prefix="s3/other/")

    recording = run_mocked(program)
    log = recording.one(BUCKET, "st-access-logs")
    policy = config_of(recording, POLICY, log)
    consumer = recording.one(LOGGING, "consumer")
    assert policy.urn in consumer.property_dependencies["targetBucket"], consumer.urn
    for purpose in ("reports", "exports", "backups"):
        logging = config_of(recording, LOGGING, recording.one(BUCKET, f"st-{purpose}"))
        assert policy.urn in logging.property_dependencies["targetBucket"], logging.urn
