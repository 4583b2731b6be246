"""Cross-region copies of Cloud Storage buckets: the buckets' half of `forge-infra:dr` on GCP.

`CrossRegionBackup` creates, for each source bucket it is given, a private copy bucket in
`dr_region` and a Storage Transfer Service job (`storage.TransferJob`, pulumi_gcp 10.2) that
copies the source into it every `interval_hours`:

* the copy bucket is like the source: uniform bucket-level access, public access prevention
  "enforced", object versioning as the source has it (so an object the source overwrites keeps
  its earlier version in the copy until `noncurrent_version_expiration_days`), soft delete, a
  move to Nearline after `nearline_after_days`, Google-managed encryption (the stack refuses a
  CMEK source: its copy would need a key in the recovery region, which forge-infra does not
  declare), Pulumi `protect` when asked, and the label `dr-copy-of: <purpose>`;
* the job is a scheduled batch transfer (`transfer_spec` with `gcs_data_source` and
  `gcs_data_sink`; `schedule.repeat_interval`, which "may not be less than 1 hour", pulumi_gcp
  10.2 `TransferJobScheduleArgs`). It copies what is new or changed since the last run
  (`overwrite_when: DIFFERENT`) and never deletes from the copy what the source deleted
  (`delete_objects_unique_in_sink: false`): a deletion or a ransomware wipe of the source does
  not reach the copy. The first run is the day after the job is created (a `schedule_start_date`
  in the past: "the transfer will run for the first time on the following day"), at
  `start_hour_utc`;
* the transfer runs as the project's Storage Transfer Service agent
  (`storage.get_transfer_project_service_account`), granted, on each source bucket,
  `roles/storage.objectViewer` (objects.get, objects.list) and `roles/storage.legacyBucketReader`
  (buckets.get), and on each copy bucket `roles/storage.legacyBucketWriter` (buckets.get,
  objects.list, objects.create, objects.delete): the permissions Storage Transfer Service asks
  for on a Cloud Storage source and sink
  (https://cloud.google.com/storage-transfer/docs/source-cloud-storage and
  https://cloud.google.com/storage-transfer/docs/sink-cloud-storage; the roles' permissions from
  the client library's StorageRoles; read 2026-12-02). Each job depends on its grants.

Why a scheduled transfer rather than event-driven replication: it copies the objects that
exist when it starts (replication copies only later changes), it needs no Pub/Sub
notification, and its interval is the recovery point the stack file states
(`dr.backup_interval_hours`), the same cadence as the database's daily backups.
"""

import dataclasses
import re
from typing import NotRequired, TypedDict

import pulumi
import pulumi_gcp as gcp

from forge_components.common import child_opts
from forge_components.gcp.labels import resource_labels
from forge_components.gcp.limits import RESOURCE_NAME, SOFT_DELETE_DAYS
from forge_components.gcp.storage import nearline_rule, noncurrent_expiry_rule

COMPONENT = "forge-gcp:index:CrossRegionBackup"
#: What the Storage Transfer Service agent needs on a Cloud Storage source and sink (module
#: docstring).
SOURCE_ROLES: tuple[str, ...] = ("roles/storage.objectViewer",
                                 "roles/storage.legacyBucketReader")
SINK_ROLE = "roles/storage.legacyBucketWriter"
#: The label naming the purpose a copy bucket holds (GCP labels are lower-case).
COPY_LABEL = "dr-copy-of"
#: A fixed first day in the past, so the job's schedule never changes between updates: the
#: first run is the day after creation (pulumi_gcp 10.2 `TransferJobScheduleArgs.
#: schedule_start_date`).
SCHEDULE_START = (2026, 1, 1)
#: Storage Transfer Service's shortest repeat interval, hours (pulumi_gcp 10.2
#: `TransferJobScheduleArgs.repeat_interval`: "may not be less than 1 hour").
MIN_INTERVAL_HOURS = 1
_PURPOSE = re.compile(r"[a-z][a-z0-9-]{0,19}")


class CrossRegionBackupArgs(TypedDict):
    """Arguments of the GCP `CrossRegionBackup`. Defaults are safe: private copies, versioned,
    deletions never propagated."""

    dr_region: str
    """The recovery region the copies live in, e.g. "europe-west4". Required."""
    source_buckets: dict[str, pulumi.Input[str]]
    """The bucket name to copy, per purpose (e.g. {"reports": ...}). Required."""
    interval_hours: NotRequired[int]
    """Hours between two transfers (at least 1). Defaults to 24."""
    start_hour_utc: NotRequired[int]
    """The hour (UTC) of the day's first transfer. Defaults to 4."""
    versioning: NotRequired[bool]
    """Object versioning on the copies (as on the sources). Defaults to True."""
    nearline_after_days: NotRequired[int]
    """Days before copied objects move to Nearline (30 or more). Defaults to 30."""
    noncurrent_version_expiration_days: NotRequired[int]
    """Days after which superseded versions in the copies are deleted. Defaults to 90."""
    soft_delete_days: NotRequired[int]
    """Days deleted objects stay recoverable in the copies (7..90). Defaults to 7."""
    force_destroy: NotRequired[bool]
    """Let `pulumi destroy` delete non-empty copy buckets. Defaults to False."""
    protect: NotRequired[bool]
    """Pulumi `protect` on the copy buckets. Defaults to False."""
    project: NotRequired[pulumi.Input[str] | None]
    """The project of the transfer jobs; unset uses the provider's. Defaults to unset."""
    labels: NotRequired[dict[str, str]]
    """Labels on the copy buckets (plus `dr-copy-of`). Defaults to {}."""


@dataclasses.dataclass(frozen=True)
class _Settings:
    dr_region: str
    source_buckets: dict[str, pulumi.Input[str]]
    interval_hours: int = 24
    start_hour_utc: int = 4
    versioning: bool = True
    nearline_after_days: int = 30
    noncurrent_version_expiration_days: int = 90
    soft_delete_days: int = 7
    force_destroy: bool = False
    protect: bool = False
    project: pulumi.Input[str] | None = None
    labels: dict[str, str] = dataclasses.field(default_factory=dict)


def _fail(message: str) -> ValueError:
    return ValueError(f"CrossRegionBackup: {message}")


def validate_backup_args(args: CrossRegionBackupArgs) -> _Settings:
    """The args with defaults applied, checked; a ValueError names the field and what is
    allowed. Pure (no Pulumi calls)."""
    s = _Settings(**args)
    if not RESOURCE_NAME.fullmatch(s.dr_region):
        raise _fail(f"dr_region {s.dr_region!r} is not a region name such as 'europe-west4'")
    if not s.source_buckets:
        raise _fail("source_buckets must name at least one bucket")
    bad = sorted(p for p in s.source_buckets if not _PURPOSE.fullmatch(p))
    if bad:
        raise _fail(f"source_buckets purposes {bad} must be a lower-case letter, then up to 19 "
                    "lower-case letters, digits or dashes")
    if s.interval_hours < MIN_INTERVAL_HOURS:
        raise _fail(f"interval_hours must be {MIN_INTERVAL_HOURS} or more (Storage Transfer "
                    f"Service's shortest repeat interval), got {s.interval_hours}")
    if not 0 <= s.start_hour_utc <= 23:
        raise _fail(f"start_hour_utc must be 0..23, got {s.start_hour_utc}")
    if s.nearline_after_days < 30:
        raise _fail(f"nearline_after_days must be 30 or more (Nearline's minimum storage "
                    f"duration), got {s.nearline_after_days}")
    if s.noncurrent_version_expiration_days < 1:
        raise _fail("noncurrent_version_expiration_days must be 1 or more, got "
                    f"{s.noncurrent_version_expiration_days}")
    low, high = SOFT_DELETE_DAYS
    if not low <= s.soft_delete_days <= high:
        raise _fail(f"soft_delete_days must be between {low} and {high}, got "
                    f"{s.soft_delete_days}")
    resource_labels(COMPONENT, s.labels)
    return s


def _lifecycle(s: _Settings) -> list[gcp.storage.BucketLifecycleRuleArgs]:
    rules = [nearline_rule(s.nearline_after_days)]
    if s.versioning:
        rules.append(noncurrent_expiry_rule(s.noncurrent_version_expiration_days))
    return rules


class CrossRegionBackup(pulumi.ComponentResource):
    """Copies of Cloud Storage buckets in a recovery region, refreshed by Storage Transfer
    Service every `interval_hours` (see the module docstring)."""

    dr_region: pulumi.Output[str]
    """The recovery region of the copies."""
    copy_bucket_names: pulumi.Output[dict[str, str]]
    """The copy bucket of each purpose."""
    transfer_job_names: pulumi.Output[dict[str, str]]
    """The transfer job (`transferJobs/...`) filling each purpose's copy."""
    transfer_service_agent: pulumi.Output[str]
    """The Storage Transfer Service agent the jobs run as."""

    def __init__(self, name: str, args: CrossRegionBackupArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, opts)
        s = validate_backup_args(args)
        agent = gcp.storage.get_transfer_project_service_account_output(
            project=s.project, opts=pulumi.InvokeOutputOptions(parent=self))
        year, month, day = SCHEDULE_START

        copies: dict[str, gcp.storage.Bucket] = {}
        jobs: dict[str, gcp.storage.TransferJob] = {}
        for purpose, source in sorted(s.source_buckets.items()):
            grants: list[pulumi.Resource] = []
            for role in SOURCE_ROLES:
                grants.append(gcp.storage.BucketIAMMember(
                    f"{name}-{purpose}-source-{role.rsplit('.', 1)[-1].lower()}",
                    bucket=source, role=role, member=agent.member, opts=child_opts(self)))
            copy = gcp.storage.Bucket(
                f"{name}-{purpose}",
                location=s.dr_region,
                storage_class="STANDARD",
                uniform_bucket_level_access=True,
                public_access_prevention="enforced",
                versioning=gcp.storage.BucketVersioningArgs(enabled=s.versioning),
                soft_delete_policy=gcp.storage.BucketSoftDeletePolicyArgs(
                    retention_duration_seconds=s.soft_delete_days * 86400),
                lifecycle_rules=_lifecycle(s),
                force_destroy=s.force_destroy,
                labels=resource_labels(COMPONENT, s.labels, {COPY_LABEL: purpose}),
                opts=child_opts(self, protect=s.protect))
            copies[purpose] = copy
            grants.append(gcp.storage.BucketIAMMember(
                f"{name}-{purpose}-sink-writer",
                bucket=copy.name, role=SINK_ROLE, member=agent.member, opts=child_opts(self)))
            jobs[purpose] = gcp.storage.TransferJob(
                f"{name}-{purpose}",
                description=f"forge-infra dr: {purpose} to {s.dr_region} every "
                            f"{s.interval_hours} h ({name})",
                project=s.project,
                transfer_spec=gcp.storage.TransferJobTransferSpecArgs(
                    gcs_data_source=gcp.storage.TransferJobTransferSpecGcsDataSourceArgs(
                        bucket_name=source),
                    gcs_data_sink=gcp.storage.TransferJobTransferSpecGcsDataSinkArgs(
                        bucket_name=copy.name),
                    transfer_options=gcp.storage.TransferJobTransferSpecTransferOptionsArgs(
                        overwrite_when="DIFFERENT",
                        delete_objects_unique_in_sink=False,
                        delete_objects_from_source_after_transfer=False),
                ),
                schedule=gcp.storage.TransferJobScheduleArgs(
                    schedule_start_date=gcp.storage.TransferJobScheduleScheduleStartDateArgs(
                        year=year, month=month, day=day),
                    start_time_of_day=gcp.storage.TransferJobScheduleStartTimeOfDayArgs(
                        hours=s.start_hour_utc, minutes=0, seconds=0, nanos=0),
                    repeat_interval=f"{s.interval_hours * 3600}s",
                ),
                status="ENABLED",
                opts=child_opts(self, depends_on=grants))

        self.dr_region = pulumi.Output.from_input(s.dr_region)
        self.copy_bucket_names = pulumi.Output.all(
            **{purpose: bucket.name for purpose, bucket in copies.items()}).apply(dict)
        self.transfer_job_names = pulumi.Output.all(
            **{purpose: job.name for purpose, job in jobs.items()}).apply(dict)
        self.transfer_service_agent = agent.email
        self.register_outputs({
            "dr_region": self.dr_region,
            "copy_bucket_names": self.copy_bucket_names,
            "transfer_job_names": self.transfer_job_names,
            "transfer_service_agent": self.transfer_service_agent,
        })
