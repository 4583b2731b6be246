"""Object storage on GCP: one private Cloud Storage bucket per purpose.

Every bucket has uniform bucket-level access (IAM only, no object ACLs) and public access
prevention "enforced" (set explicitly: the provider's default "inherited" enforces only under
the organisation policy; pulumi_gcp 10.2 `storage.Bucket(public_access_prevention=...)`),
object versioning (unless `versioning` is off), soft delete, and a lifecycle:

* current objects move to Nearline after `nearline_after_days` (at least Nearline's 30-day
  minimum storage duration);
* in the purposes named in `archive_purposes` only (backups by default), they move on to
  Archive after `archive_after_days` (at least 30 days after the Nearline move: Nearline's
  minimum storage duration). A purpose the apps read (`app_read_purposes`: reports and exports
  by default) is refused in `archive_purposes`: Archive bills a retrieval fee on every read and
  has a 365-day minimum storage duration
  (https://cloud.google.com/storage/docs/storage-classes);
* noncurrent versions are deleted `noncurrent_version_expiration_days` after they became
  noncurrent.

A Cloud KMS key (CMEK) encrypts every bucket when `kms_key_name` is set; the project's Cloud
Storage service agent (looked up with `storage.get_project_service_account`) is then granted
`roles/cloudkms.cryptoKeyEncrypterDecrypter` on that key alone, as pulumi_gcp's own example of
that function does. Access is granted per bucket to the members named in `readers`
(`roles/storage.objectViewer`) and `writers` (`roles/storage.objectCreator`), nothing else.
"""

import dataclasses
import re
from typing import NotRequired, TypedDict

import pulumi
import pulumi_gcp as gcp

from forge_components.common import child_opts
from forge_components.gcp.labels import resource_labels
from forge_components.gcp.limits import (
    AUTONAME_SUFFIX,
    BUCKET_NAME_MAX,
    RESOURCE_NAME,
    SOFT_DELETE_DAYS,
    STORAGE_CLASS_MINIMUM_DAYS,
)

COMPONENT = "forge-gcp:index:Storage"
#: Read objects (storage.objects.get, storage.objects.list) and create them
#: (storage.objects.create): the predefined Cloud Storage roles, as listed by the client
#: library's StorageRoles
#: (https://cloud.google.com/java/docs/reference/google-cloud-storage/latest/com.google.cloud.storage.StorageRoles).
READER_ROLE = "roles/storage.objectViewer"
WRITER_ROLE = "roles/storage.objectCreator"
#: The role that lets Cloud Storage's service agent encrypt and decrypt with a CMEK (pulumi_gcp
#: 10.2 `storage.get_project_service_account` example; "Use customer-managed encryption keys",
#: https://cloud.google.com/storage/docs/encryption/using-customer-managed-keys).
KMS_ROLE = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
_PURPOSE = re.compile(r"[a-z][a-z0-9-]{0,19}")


class StorageArgs(TypedDict):
    """The inputs of the GCP `Storage` component."""

    location: str
    """The buckets' location, a region such as "europe-west1". Required."""
    buckets: NotRequired[list[str]]
    """The purposes to create one private bucket for (a lower-case letter, then lower-case
    letters, digits or hyphens, 20 at most). Defaults to ["reports", "exports", "backups"]."""
    app_read_purposes: NotRequired[list[str]]
    """The purposes the apps read: never moved to Archive. Defaults to ["reports",
    "exports"]."""
    archive_purposes: NotRequired[list[str]]
    """The purposes whose objects move on to Archive after `archive_after_days`; none of
    `app_read_purposes`. Defaults to ["backups"]."""
    nearline_after_days: NotRequired[int]
    """Days before current objects move to Nearline (30 or more: Nearline's minimum storage
    duration). Defaults to 30."""
    archive_after_days: NotRequired[int]
    """Days before current objects of `archive_purposes` move to Archive (more than
    `nearline_after_days` plus Nearline's 30-day minimum). Defaults to 180."""
    noncurrent_version_expiration_days: NotRequired[int]
    """Days after an object version became noncurrent before it is deleted. Defaults to 90."""
    soft_delete_days: NotRequired[int]
    """Days deleted objects stay recoverable (soft delete), 7..90. Defaults to 7."""
    kms_key_name: NotRequired[pulumi.Input[str]]
    """A Cloud KMS key (CMEK) for every bucket, in the buckets' location; the Cloud Storage
    service agent is granted encrypt/decrypt on it. Unset uses Google-managed encryption.
    Defaults to unset."""
    readers: NotRequired[dict[str, list[pulumi.Input[str]]]]
    """IAM members granted `roles/storage.objectViewer`, per purpose. Defaults to {}."""
    writers: NotRequired[dict[str, list[pulumi.Input[str]]]]
    """IAM members granted `roles/storage.objectCreator`, per purpose. Defaults to {}."""
    versioning: NotRequired[bool]
    """Object versioning: an overwritten or deleted object stays recoverable as a noncurrent
    version until the lifecycle deletes it (`noncurrent_version_expiration_days`). Turn it off
    only where nothing needs recovering (a dev stack). Defaults to True."""
    force_destroy: NotRequired[bool]
    """Let `pulumi destroy` delete buckets that still hold objects. Defaults to False."""
    protect: NotRequired[bool]
    """Pulumi `protect` on every bucket (prod). Defaults to False."""
    labels: NotRequired[dict[str, str]]
    """Labels on every bucket (plus `purpose`). Defaults to {}."""


@dataclasses.dataclass(frozen=True)
class _Settings:
    """`StorageArgs` with every default applied (the host passes a plain dict)."""

    location: str
    buckets: list[str] = dataclasses.field(
        default_factory=lambda: ["reports", "exports", "backups"])
    app_read_purposes: list[str] = dataclasses.field(
        default_factory=lambda: ["reports", "exports"])
    archive_purposes: list[str] = dataclasses.field(default_factory=lambda: ["backups"])
    nearline_after_days: int = 30
    archive_after_days: int = 180
    noncurrent_version_expiration_days: int = 90
    soft_delete_days: int = 7
    kms_key_name: pulumi.Input[str] | None = None
    readers: dict[str, list[pulumi.Input[str]]] = dataclasses.field(default_factory=dict)
    writers: dict[str, list[pulumi.Input[str]]] = dataclasses.field(default_factory=dict)
    versioning: bool = True
    force_destroy: bool = False
    protect: bool = False
    labels: dict[str, str] = dataclasses.field(default_factory=dict)


def _fail(message: str) -> ValueError:
    return ValueError(f"Storage: {message}")


def validate_storage_args(name: str, args: StorageArgs) -> _Settings:
    """The args with defaults applied, checked; a ValueError names the field and what is
    allowed. Pure (no Pulumi calls)."""
    s = _Settings(**args)
    if not RESOURCE_NAME.fullmatch(s.location):
        raise _fail(f"location {s.location!r} is not a region such as 'europe-west1'")
    purposes = list(s.buckets)
    if not purposes:
        raise _fail("buckets must name at least one purpose")
    bad = [p for p in purposes if not _PURPOSE.fullmatch(p)]
    if bad:
        raise _fail(f"buckets {bad} are not purposes (a lower-case letter, then lower-case "
                    "letters, digits or hyphens, 20 at most)")
    if len(set(purposes)) != len(purposes):
        raise _fail(f"buckets has duplicates: {purposes}")
    longest = max(len(p) for p in purposes)
    limit = BUCKET_NAME_MAX - AUTONAME_SUFFIX - longest - 1
    if not RESOURCE_NAME.fullmatch(name) or len(name) > limit:
        raise _fail(f"name {name!r} must be lower-case letters, digits and dashes (a letter "
                    f"first), at most {limit} characters so that '<name>-<purpose>' and the "
                    f"auto-name suffix fit a bucket name's {BUCKET_NAME_MAX}")
    unknown = sorted(set(s.archive_purposes) - set(purposes))
    if unknown:
        raise _fail(f"archive_purposes {unknown} are not among buckets {purposes}")
    read_archived = sorted(set(s.archive_purposes) & set(s.app_read_purposes))
    if read_archived:
        raise _fail(f"archive_purposes {read_archived} are read by the apps "
                    "(app_read_purposes): Archive bills a retrieval fee on every read and a "
                    "365-day minimum storage duration; leave them in Nearline")
    nearline = STORAGE_CLASS_MINIMUM_DAYS["NEARLINE"]
    if s.nearline_after_days < nearline:
        raise _fail(f"nearline_after_days must be {nearline} or more (Nearline's minimum "
                    f"storage duration), got {s.nearline_after_days}")
    if s.archive_after_days < s.nearline_after_days + nearline:
        raise _fail(f"archive_after_days ({s.archive_after_days}) must be at least "
                    f"nearline_after_days + {nearline} ({s.nearline_after_days + nearline}): "
                    "an object leaving Nearline earlier is billed its minimum duration")
    if s.noncurrent_version_expiration_days < 1:
        raise _fail("noncurrent_version_expiration_days must be 1 or more, got "
                    f"{s.noncurrent_version_expiration_days}")
    low, high = SOFT_DELETE_DAYS
    if not low <= s.soft_delete_days <= high:
        raise _fail(f"soft_delete_days must be between {low} and {high}, got "
                    f"{s.soft_delete_days}")
    for field in ("readers", "writers"):
        unknown = sorted(set(getattr(s, field)) - set(purposes))
        if unknown:
            raise _fail(f"{field} names {unknown}, which are not among buckets {purposes}")
    resource_labels(COMPONENT, s.labels)
    return s


def lifecycle_rules(s: _Settings, purpose: str) -> list[gcp.storage.BucketLifecycleRuleArgs]:
    """The purpose's lifecycle: Nearline, Archive for archive purposes, old versions deleted
    (with versioning on: without it there are none)."""
    rules = [nearline_rule(s.nearline_after_days)]
    if purpose in s.archive_purposes:
        rules.append(gcp.storage.BucketLifecycleRuleArgs(
            action=gcp.storage.BucketLifecycleRuleActionArgs(
                type="SetStorageClass", storage_class="ARCHIVE"),
            condition=gcp.storage.BucketLifecycleRuleConditionArgs(
                age=s.archive_after_days, matches_storage_classes=["NEARLINE"],
                with_state="LIVE")))
    if not s.versioning:
        return rules
    rules.append(noncurrent_expiry_rule(s.noncurrent_version_expiration_days))
    return rules


def nearline_rule(after_days: int) -> gcp.storage.BucketLifecycleRuleArgs:
    """Live Standard objects move to Nearline `after_days` after their creation."""
    return gcp.storage.BucketLifecycleRuleArgs(
        action=gcp.storage.BucketLifecycleRuleActionArgs(
            type="SetStorageClass", storage_class="NEARLINE"),
        condition=gcp.storage.BucketLifecycleRuleConditionArgs(
            age=after_days, matches_storage_classes=["STANDARD"], with_state="LIVE"))


def noncurrent_expiry_rule(days: int) -> gcp.storage.BucketLifecycleRuleArgs:
    """Noncurrent (superseded) versions are deleted `days` after they became noncurrent."""
    return gcp.storage.BucketLifecycleRuleArgs(
        action=gcp.storage.BucketLifecycleRuleActionArgs(type="Delete"),
        condition=gcp.storage.BucketLifecycleRuleConditionArgs(
            days_since_noncurrent_time=days, with_state="ARCHIVED"))


class Storage(pulumi.ComponentResource):
    """Private Cloud Storage buckets: uniform access, public access prevention enforced,
    versioning, lifecycle to Nearline (and Archive where the apps never read), CMEK when
    asked."""

    bucket_names: pulumi.Output[dict[str, str]]
    """The bucket name of each purpose."""
    bucket_urls: pulumi.Output[dict[str, str]]
    """The `gs://` URL of each purpose's bucket."""
    storage_service_agent: pulumi.Output[str]
    """The Cloud Storage service agent granted the CMEK; "" without `kms_key_name`."""

    def __init__(self, name: str, args: StorageArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, opts)
        s = validate_storage_args(name, args)

        depends: list[pulumi.Resource] = []
        agent: pulumi.Output[str] = pulumi.Output.from_input("")
        encryption = None
        if s.kms_key_name is not None:
            account = gcp.storage.get_project_service_account_output(
                opts=pulumi.InvokeOutputOptions(parent=self))
            agent = account.email_address
            depends.append(gcp.kms.CryptoKeyIAMMember(
                f"{name}-storage-kms",
                crypto_key_id=s.kms_key_name,
                role=KMS_ROLE,
                member=account.member,
                opts=child_opts(self)))
            encryption = gcp.storage.BucketEncryptionArgs(default_kms_key_name=s.kms_key_name)

        buckets: dict[str, gcp.storage.Bucket] = {}
        for purpose in s.buckets:
            bucket = gcp.storage.Bucket(
                f"{name}-{purpose}",
                location=s.location,
                storage_class="STANDARD",
                uniform_bucket_level_access=True,
                public_access_prevention="enforced",
                versioning=gcp.storage.BucketVersioningArgs(enabled=s.versioning),
                soft_delete_policy=gcp.storage.BucketSoftDeletePolicyArgs(
                    retention_duration_seconds=s.soft_delete_days * 86400),
                lifecycle_rules=lifecycle_rules(s, purpose),
                encryption=encryption,
                force_destroy=s.force_destroy,
                labels=resource_labels(COMPONENT, s.labels, {"purpose": purpose}),
                opts=child_opts(self, protect=s.protect, depends_on=depends or None))
            buckets[purpose] = bucket
            for role, grants in ((READER_ROLE, s.readers), (WRITER_ROLE, s.writers)):
                kind = "reader" if role == READER_ROLE else "writer"
                for i, member in enumerate(grants.get(purpose, [])):
                    gcp.storage.BucketIAMMember(
                        f"{name}-{purpose}-{kind}-{i + 1}",
                        bucket=bucket.name,
                        role=role,
                        member=member,
                        opts=child_opts(self))

        self.bucket_names = pulumi.Output.all(
            **{purpose: bucket.name for purpose, bucket in buckets.items()}).apply(dict)
        self.bucket_urls = pulumi.Output.all(
            **{purpose: bucket.url for purpose, bucket in buckets.items()}).apply(dict)
        self.storage_service_agent = agent
        self.register_outputs({
            "bucket_names": self.bucket_names,
            "bucket_urls": self.bucket_urls,
            "storage_service_agent": self.storage_service_agent,
        })
