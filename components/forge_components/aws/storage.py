"""Private S3 buckets: encrypted, versioned, TLS-only, never public, with lifecycle rules.

`PrivateBucket` is the one way this project creates a bucket; `Storage` makes one per purpose
(reports, exports, backups by default) and an access-log bucket that receives every bucket's
S3 server access logs (under `s3/<purpose>/`) and the load balancers' access logs (under
`alb/`). S3 allows a single bucket policy per bucket, so callers that need to grant access (the
CDN's Origin Access Control, the log delivery services) pass their statements in
`PrivateBucketArgs.extra_policy_statements` rather than creating a second `BucketPolicy`.

The access-log bucket is always SSE-S3: load balancer access logs support no other server-side
encryption ("The only server-side encryption option that's supported is Amazon S3-managed keys
(SSE-S3)",
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html),
nor do S3 server access logs ("Default server-side encryption with AWS Key Management Service
(AWS KMS) keys (SSE-KMS) is not supported",
https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html). It
logs nothing itself: S3 advises that a target bucket should not have server access logging on.
"""

import dataclasses
import re
from collections.abc import Callable
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from forge_components.aws.limits import (
    ACCESS_LOG_RETENTION_DAYS,
    ELB_LOG_DELIVERY_ACCOUNTS,
    ELB_LOG_DELIVERY_SERVICE,
    S3_LOG_DELIVERY_SERVICE,
)
from forge_components.aws.tags import resource_tags
from forge_components.common import child_opts

BUCKET_COMPONENT = "forge-aws:index:PrivateBucket"
STORAGE_COMPONENT = "forge-aws:index:Storage"

_PURPOSE = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")

#: Storage classes an object can be read from with a plain GET, in milliseconds: what a
#: lifecycle rule may move the objects of a bucket the apps read to. Objects in GLACIER
#: (Flexible Retrieval) or DEEP_ARCHIVE must be restored first; a GET fails with
#: InvalidObjectState. Source:
#: https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-class-intro.html#sc-glacier
READABLE_STORAGE_CLASSES = ("GLACIER_IR", "STANDARD_IA")
#: Archive classes (restore before read): only for the "backups" purpose.
ARCHIVE_STORAGE_CLASSES = ("GLACIER", "DEEP_ARCHIVE")
#: The purpose whose objects may go to an archive class (restores are planned, not online).
ARCHIVE_PURPOSE = "backups"
#: S3 refuses a transition to STANDARD_IA earlier than 30 days after creation. Source:
#: https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html
STANDARD_IA_MIN_DAYS = 30
#: The child purpose of the access-log bucket (a storage purpose may not use it).
ACCESS_LOG_PURPOSE = "access-logs"
#: Where S3 server access logs go in the access-log bucket: `s3/<purpose>/`.
S3_ACCESS_LOG_PREFIX = "s3"
#: A load balancer's access-log prefix: lower-case letters, digits, hyphens and inner slashes,
#: never containing `AWSLogs` (ELB adds that part itself and refuses a prefix holding it).
_LOG_PREFIX = re.compile(r"^[a-z0-9](?:[a-z0-9/-]*[a-z0-9])?$")


def _check_transition(component: str, storage_class: str, days: int | None) -> None:
    """Reject a storage class S3 lifecycle rules do not offer here, or too early for it."""
    allowed = (*READABLE_STORAGE_CLASSES, *ARCHIVE_STORAGE_CLASSES)
    if storage_class not in allowed:
        raise ValueError(f"{component}: transition storage class must be one of "
                         f"{list(allowed)}; got {storage_class!r}")
    if storage_class == "STANDARD_IA" and days is not None and days < STANDARD_IA_MIN_DAYS:
        raise ValueError(f"{component}: S3 moves objects to STANDARD_IA no earlier than "
                         f"{STANDARD_IA_MIN_DAYS} days after creation; got {days}")


def _positive(component: str, field: str, value: int | None) -> None:
    """Reject a day count below 1 (None skips the rule)."""
    if value is not None and value < 1:
        raise ValueError(f"{component}: {field} must be at least 1 day, or None to skip "
                         f"the rule; got {value}")


class PrivateBucketArgs(TypedDict):
    """The inputs of a `PrivateBucket` component."""

    tags: NotRequired[dict[str, str]]
    """Tags added to every taggable child. Defaults to {}."""
    kms_key_arn: NotRequired[pulumi.Input[str]]
    """A KMS key to encrypt objects with (SSE-KMS, with an S3 bucket key to cut KMS requests);
    unset uses S3-managed keys (SSE-S3, AES256). Defaults to unset (SSE-S3)."""
    versioning: NotRequired[bool]
    """Keep every version of every object. Defaults to True."""
    transition_days: NotRequired[int | None]
    """Move current object versions to `transition_storage_class` this many days after
    creation; None keeps them in STANDARD. Defaults to 90."""
    transition_storage_class: NotRequired[str]
    """Where the lifecycle moves current versions: GLACIER_IR or STANDARD_IA keep objects
    readable by a plain GET; GLACIER or DEEP_ARCHIVE need a restore before any read, so only
    for backups. Defaults to "GLACIER_IR"."""
    noncurrent_version_expiration_days: NotRequired[int | None]
    """Delete noncurrent versions this many days after they are superseded (only when
    `versioning` is on); None keeps them forever. Defaults to 90."""
    abort_incomplete_multipart_days: NotRequired[int | None]
    """Abort multipart uploads left incomplete this many days; None never aborts them.
    Defaults to 7."""
    expiration_days: NotRequired[int | None]
    """Expire (delete, or with `versioning` turn noncurrent) current objects this many days
    after creation, for buckets whose objects have a fixed lifetime such as logs; None keeps
    them. Defaults to None."""
    access_log_bucket_name: NotRequired[pulumi.Input[str] | None]
    """A bucket (same account and region, policy admitting `logging.s3.amazonaws.com`) that
    receives this bucket's S3 server access logs under `access_log_prefix`; unset logs nothing.
    Defaults to unset."""
    access_log_prefix: NotRequired[str]
    """The key prefix of this bucket's server access logs in `access_log_bucket_name`.
    Defaults to "s3/<name>/"."""
    force_destroy: NotRequired[bool]
    """Let `pulumi destroy` delete a bucket that still holds objects. Defaults to False."""
    protect: NotRequired[bool]
    """Set Pulumi's `protect` on the bucket itself (prod), so no update or destroy can delete
    it. Defaults to False."""
    extra_policy_statements: NotRequired[list[pulumi.Input[dict[str, Any]]]]
    """IAM policy statements, in IAM JSON form (`Effect`, `Principal`, `Action`, `Resource`,
    ...), merged into the bucket's single policy after the TLS-only deny. Defaults to []
    (no statement beyond the deny)."""


@dataclasses.dataclass(frozen=True)
class _BucketSettings:
    """`PrivateBucketArgs` with every default applied (the host passes a plain dict)."""

    tags: dict[str, str] = dataclasses.field(default_factory=dict)
    kms_key_arn: pulumi.Input[str] | None = None
    versioning: bool = True
    transition_days: int | None = 90
    transition_storage_class: str = "GLACIER_IR"
    noncurrent_version_expiration_days: int | None = 90
    abort_incomplete_multipart_days: int | None = 7
    expiration_days: int | None = None
    access_log_bucket_name: pulumi.Input[str] | None = None
    access_log_prefix: str | None = None
    force_destroy: bool = False
    protect: bool = False
    extra_policy_statements: list[pulumi.Input[dict[str, Any]]] = dataclasses.field(
        default_factory=list)


class PrivateBucket(pulumi.ComponentResource):
    """An S3 bucket no one can make public, encrypted at rest and reachable only over TLS."""

    bucket_name: pulumi.Output[str]
    """The bucket's name."""
    bucket_arn: pulumi.Output[str]
    """The bucket's ARN."""
    bucket_regional_domain_name: pulumi.Output[str]
    """The bucket's regional domain name (a CloudFront S3 origin)."""

    def __init__(self, name: str, args: PrivateBucketArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(BUCKET_COMPONENT, name, None, opts)
        s = _BucketSettings(**args)
        for field in ("transition_days", "noncurrent_version_expiration_days",
                      "abort_incomplete_multipart_days", "expiration_days"):
            _positive("PrivateBucket", field, getattr(s, field))
        _check_transition("PrivateBucket", s.transition_storage_class, s.transition_days)

        def tags(child: str) -> dict[str, str]:
            return resource_tags(child, BUCKET_COMPONENT, s.tags)

        bucket = aws.s3.Bucket(name, force_destroy=s.force_destroy, tags=tags(name),
                               opts=child_opts(self, protect=s.protect))
        self._bucket = bucket

        public_access = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access", bucket=bucket.id, block_public_acls=True,
            block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True,
            opts=child_opts(self))
        ownership = aws.s3.BucketOwnershipControls(
            f"{name}-ownership", bucket=bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=child_opts(self))

        if s.kms_key_arn is not None:
            encryption = aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                apply_server_side_encryption_by_default=aws.s3.
                BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                    sse_algorithm="aws:kms", kms_master_key_id=s.kms_key_arn),
                bucket_key_enabled=True)
        else:
            encryption = aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                apply_server_side_encryption_by_default=aws.s3.
                BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                    sse_algorithm="AES256"))
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption", bucket=bucket.id, rules=[encryption], opts=child_opts(self))

        versioning: aws.s3.BucketVersioning | None = None
        if s.versioning:
            versioning = aws.s3.BucketVersioning(
                f"{name}-versioning", bucket=bucket.id,
                versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(
                    status="Enabled"),
                opts=child_opts(self))

        rules: list[aws.s3.BucketLifecycleConfigurationRuleArgs] = []
        if s.transition_days is not None:
            rules.append(aws.s3.BucketLifecycleConfigurationRuleArgs(
                id=f"transition-to-{s.transition_storage_class.lower().replace('_', '-')}",
                status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(),
                transitions=[aws.s3.BucketLifecycleConfigurationRuleTransitionArgs(
                    days=s.transition_days, storage_class=s.transition_storage_class)]))
        if s.versioning and s.noncurrent_version_expiration_days is not None:
            rules.append(aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="expire-noncurrent-versions", status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(),
                noncurrent_version_expiration=(
                    aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                        noncurrent_days=s.noncurrent_version_expiration_days))))
        if s.abort_incomplete_multipart_days is not None:
            # Parts of an upload never completed are billed until aborted; S3 aborts them this
            # many days after initiation, for uploads started before or after the rule. Source:
            # https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpu-abort-incomplete-mpu-lifecycle-config.html
            rules.append(aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="abort-incomplete-multipart-uploads", status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(),
                abort_incomplete_multipart_upload=(
                    aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                        days_after_initiation=s.abort_incomplete_multipart_days))))
        if s.expiration_days is not None:
            rules.append(aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="expire-objects", status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(),
                expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(
                    days=s.expiration_days)))
        if rules:
            aws.s3.BucketLifecycleConfiguration(
                f"{name}-lifecycle", bucket=bucket.id, rules=rules,
                opts=child_opts(self, depends_on=[versioning] if versioning else None))

        deny_insecure_transport = {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [bucket.arn, pulumi.Output.concat(bucket.arn, "/*")],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
        self._policy = aws.s3.BucketPolicy(
            f"{name}-policy", bucket=bucket.id,
            policy=pulumi.Output.json_dumps({
                "Version": "2012-10-17",
                "Statement": [deny_insecure_transport, *s.extra_policy_statements],
            }),
            opts=child_opts(self, depends_on=[public_access, ownership]))

        if s.access_log_bucket_name is not None:
            aws.s3.BucketLogging(
                f"{name}-access-logging", bucket=bucket.id,
                target_bucket=s.access_log_bucket_name,
                target_prefix=s.access_log_prefix or f"{S3_ACCESS_LOG_PREFIX}/{name}/",
                opts=child_opts(self))

        self.bucket_name = bucket.id
        self.bucket_arn = bucket.arn
        self.bucket_regional_domain_name = bucket.bucket_regional_domain_name
        self.register_outputs({
            "bucket_name": self.bucket_name,
            "bucket_arn": self.bucket_arn,
            "bucket_regional_domain_name": self.bucket_regional_domain_name,
        })


class StorageArgs(TypedDict):
    """The inputs of a `Storage` component."""

    tags: NotRequired[dict[str, str]]
    """Tags added to every taggable child. Defaults to {}."""
    buckets: NotRequired[list[str]]
    """The purposes to create one private bucket for (lower-case letters, digits, hyphens).
    Defaults to ["reports", "exports", "backups"]."""
    kms_key_arn: NotRequired[pulumi.Input[str]]
    """A KMS key for SSE-KMS on every bucket; unset uses SSE-S3 (AES256). Defaults to unset
    (SSE-S3)."""
    transition_days: NotRequired[int | None]
    """Days before current versions move to their purpose's transition storage class; None
    never moves them. Defaults to 90."""
    transition_storage_classes: NotRequired[dict[str, str]]
    """The lifecycle's target storage class per purpose; a purpose not named gets GLACIER_IR
    (readable with a plain GET). GLACIER and DEEP_ARCHIVE are accepted for "backups" only:
    the apps read reports and exports, and a GET on an archived object fails. Defaults to {}
    (GLACIER_IR for every bucket)."""
    noncurrent_version_expiration_days: NotRequired[int | None]
    """Days before noncurrent versions are deleted; None keeps them. Defaults to 90."""
    force_destroy: NotRequired[bool]
    """Let `pulumi destroy` delete buckets that still hold objects. Defaults to False."""
    protect: NotRequired[bool]
    """Set Pulumi's `protect` on every bucket (prod). Defaults to False."""
    access_logs: NotRequired[bool]
    """Create the access-log bucket (SSE-S3, versioned, TLS-only, objects expiring after
    `access_log_retention_days`) and send every bucket's S3 server access logs to it under
    `s3/<purpose>/`. Defaults to True."""
    access_log_retention_days: NotRequired[int]
    """Days the access-log bucket keeps a log object (1..3650). Defaults to 365."""
    load_balancer_log_prefix: NotRequired[str | None]
    """The prefix under which the access-log bucket admits Elastic Load Balancing access logs
    (`<prefix>/AWSLogs/<account>/...`: give the load balancer the same prefix); None admits
    none. Defaults to "alb"."""
    access_log_source_bucket_arns: NotRequired[list[pulumi.Input[str]]]
    """Further buckets of this account and region, outside this component (e.g. the CDN's
    assets bucket), that may write S3 server access logs to the access-log bucket under
    `s3/`. Defaults to []."""


@dataclasses.dataclass(frozen=True)
class _StorageSettings:
    """`StorageArgs` with every default applied (the host passes a plain dict)."""

    tags: dict[str, str] = dataclasses.field(default_factory=dict)
    buckets: list[str] = dataclasses.field(
        default_factory=lambda: ["reports", "exports", "backups"])
    kms_key_arn: pulumi.Input[str] | None = None
    transition_days: int | None = 90
    transition_storage_classes: dict[str, str] = dataclasses.field(default_factory=dict)
    noncurrent_version_expiration_days: int | None = 90
    force_destroy: bool = False
    protect: bool = False
    access_logs: bool = True
    access_log_retention_days: int = 365
    load_balancer_log_prefix: str | None = "alb"
    access_log_source_bucket_arns: list[pulumi.Input[str]] = dataclasses.field(
        default_factory=list)


def _elb_log_principal(region: str, partition: str) -> dict[str, str]:
    """Who delivers load balancer access logs in `region`: the log delivery service, plus the
    region's Elastic Load Balancing account where AWS documents one
    (`limits.ELB_LOG_DELIVERY_ACCOUNTS`)."""
    principal = {"Service": ELB_LOG_DELIVERY_SERVICE}
    account = ELB_LOG_DELIVERY_ACCOUNTS.get(region)
    if account is not None:
        principal["AWS"] = f"arn:{partition}:iam::{account}:root"
    return principal


class Storage(pulumi.ComponentResource):
    """The platform's object storage: one `PrivateBucket` per purpose."""

    _resolve_log_sources: Callable[[pulumi.Output[list[str]]], None]

    bucket_names: pulumi.Output[dict[str, str]]
    """The bucket name of each purpose."""
    bucket_arns: pulumi.Output[dict[str, str]]
    """The bucket ARN of each purpose."""
    reports_bucket_name: pulumi.Output[str] | None
    """The "reports" bucket's name; None without that purpose."""
    exports_bucket_name: pulumi.Output[str] | None
    """The "exports" bucket's name; None without that purpose."""
    backups_bucket_name: pulumi.Output[str] | None
    """The "backups" bucket's name; None without that purpose."""
    access_log_bucket_name: pulumi.Output[str] | None
    """The access-log bucket's name (a load balancer's `access_logs` bucket), known once the
    bucket's policy is in place; None without `access_logs`."""
    access_log_bucket_arn: pulumi.Output[str] | None
    """The access-log bucket's ARN; None without `access_logs`."""

    def __init__(self, name: str, args: StorageArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(STORAGE_COMPONENT, name, None, opts)
        s = _StorageSettings(**args)
        purposes = list(s.buckets)
        if not purposes:
            raise ValueError("Storage: buckets must name at least one purpose")
        duplicates = sorted({p for p in purposes if purposes.count(p) > 1})
        if duplicates:
            raise ValueError(f"Storage: buckets has duplicate purposes: {duplicates}")
        invalid = [p for p in purposes if not _PURPOSE.match(p)]
        if invalid:
            raise ValueError(f"Storage: bucket purposes must be lower-case letters, digits "
                             f"and inner hyphens: {invalid}")
        unknown = sorted(set(s.transition_storage_classes) - set(purposes))
        if unknown:
            raise ValueError(f"Storage: transition_storage_classes names purposes without a "
                             f"bucket: {unknown}")
        for purpose, storage_class in sorted(s.transition_storage_classes.items()):
            if storage_class in ARCHIVE_STORAGE_CLASSES and purpose != ARCHIVE_PURPOSE:
                raise ValueError(
                    f"Storage: transition_storage_classes[{purpose!r}] is {storage_class}, "
                    f"where a GET fails until the object is restored; the apps read "
                    f"{purpose!r}, so use one of {list(READABLE_STORAGE_CLASSES)} "
                    f"({'/'.join(ARCHIVE_STORAGE_CLASSES)} only for {ARCHIVE_PURPOSE!r})")

        if s.access_logs and ACCESS_LOG_PURPOSE in purposes:
            raise ValueError(f"Storage: the purpose {ACCESS_LOG_PURPOSE!r} is the access-log "
                             "bucket's; name the bucket otherwise")
        low, high = ACCESS_LOG_RETENTION_DAYS
        if not low <= s.access_log_retention_days <= high:
            raise ValueError(f"Storage: access_log_retention_days must be {low}..{high}; got "
                             f"{s.access_log_retention_days}")
        prefix = s.load_balancer_log_prefix
        if prefix is not None and (not _LOG_PREFIX.match(prefix) or "AWSLogs" in prefix
                                   or "//" in prefix):
            raise ValueError("Storage: load_balancer_log_prefix must be lower-case letters, "
                             "digits, hyphens and inner single slashes (ELB adds AWSLogs/ "
                             f"itself); got {prefix!r}")

        log_bucket = self._access_log_bucket(name, s) if s.access_logs else None
        # The log bucket's name resolves once its policy exists: ELB writes a test object when
        # a load balancer's access logs are turned on and fails without the grant, so whatever
        # takes this name (the ALB, every BucketLogging) waits for the policy.
        log_name = (pulumi.Output.all(log_bucket.bucket_name, log_bucket._policy.id).apply(
            lambda values: str(values[0])) if log_bucket is not None else None)

        bucket_args: PrivateBucketArgs = {
            "transition_days": s.transition_days,
            "noncurrent_version_expiration_days": s.noncurrent_version_expiration_days,
            "force_destroy": s.force_destroy,
            "protect": s.protect}
        if s.kms_key_arn is not None:
            bucket_args["kms_key_arn"] = s.kms_key_arn
        self._buckets = {
            purpose: PrivateBucket(
                f"{name}-{purpose}",
                PrivateBucketArgs(
                    **bucket_args, tags={**s.tags, "purpose": purpose},
                    transition_storage_class=s.transition_storage_classes.get(
                        purpose, READABLE_STORAGE_CLASSES[0]),
                    **({"access_log_bucket_name": log_name,
                        "access_log_prefix": f"{S3_ACCESS_LOG_PREFIX}/{purpose}/"}
                       if log_name is not None else {})),
                opts=child_opts(self))
            for purpose in purposes
        }
        if log_bucket is not None:
            self._resolve_log_sources(pulumi.Output.all(
                *(b.bucket_arn for b in self._buckets.values()),
                *s.access_log_source_bucket_arns).apply(list))
        self.bucket_names = pulumi.Output.all(
            **{p: b.bucket_name for p, b in self._buckets.items()}).apply(dict)
        self.bucket_arns = pulumi.Output.all(
            **{p: b.bucket_arn for p, b in self._buckets.items()}).apply(dict)

        def name_of(purpose: str) -> pulumi.Output[str] | None:
            bucket = self._buckets.get(purpose)
            return bucket.bucket_name if bucket else None

        self.reports_bucket_name = name_of("reports")
        self.exports_bucket_name = name_of("exports")
        self.backups_bucket_name = name_of("backups")
        self.access_log_bucket_name = log_name
        self.access_log_bucket_arn = log_bucket.bucket_arn if log_bucket else None
        self.register_outputs({
            "bucket_names": self.bucket_names,
            "bucket_arns": self.bucket_arns,
            "reports_bucket_name": self.reports_bucket_name,
            "exports_bucket_name": self.exports_bucket_name,
            "backups_bucket_name": self.backups_bucket_name,
            "access_log_bucket_name": self.access_log_bucket_name,
            "access_log_bucket_arn": self.access_log_bucket_arn,
        })

    def _access_log_bucket(self, name: str, s: _StorageSettings) -> PrivateBucket:
        """The access-log bucket; its policy admits S3 server access logs from the source
        buckets (resolved once they exist, `_resolve_log_sources`) and load balancer logs."""
        invoke = pulumi.InvokeOutputOptions(parent=self)
        account = aws.get_caller_identity_output(opts=invoke).account_id
        partition = aws.get_partition_output(opts=invoke).partition
        region = aws.get_region_output(opts=invoke).region
        # The statements name the log bucket itself and the buckets that log to it, which are
        # created after it: deferred outputs carry both ARNs to the single bucket policy.
        log_arn: pulumi.Output[str]
        resolve_log_arn: Callable[[pulumi.Output[str]], None]
        sources: pulumi.Output[list[str]]
        log_arn, resolve_log_arn = pulumi.deferred_output()
        sources, self._resolve_log_sources = pulumi.deferred_output()
        statements: list[pulumi.Input[dict[str, Any]]] = [{
            # https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html#grant-log-delivery-permissions-bucket-policy
            "Sid": "S3ServerAccessLogsDelivery",
            "Effect": "Allow",
            "Principal": {"Service": S3_LOG_DELIVERY_SERVICE},
            "Action": "s3:PutObject",
            "Resource": pulumi.Output.concat(log_arn, f"/{S3_ACCESS_LOG_PREFIX}/*"),
            "Condition": {"ArnLike": {"aws:SourceArn": sources},
                          "StringEquals": {"aws:SourceAccount": account}},
        }]
        if s.load_balancer_log_prefix is not None:
            # https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html#attach-bucket-policy
            statements.append({
                "Sid": "ElbAccessLogsDelivery",
                "Effect": "Allow",
                "Principal": pulumi.Output.all(region, partition).apply(
                    lambda values: _elb_log_principal(values[0], values[1])),
                "Action": "s3:PutObject",
                "Resource": pulumi.Output.concat(
                    log_arn, f"/{s.load_balancer_log_prefix}/AWSLogs/", account, "/*"),
            })
        bucket = PrivateBucket(
            f"{name}-{ACCESS_LOG_PURPOSE}",
            PrivateBucketArgs(
                tags={**s.tags, "purpose": ACCESS_LOG_PURPOSE},
                versioning=True,
                transition_days=None,
                noncurrent_version_expiration_days=s.noncurrent_version_expiration_days,
                expiration_days=s.access_log_retention_days,
                force_destroy=s.force_destroy,
                protect=s.protect,
                extra_policy_statements=statements),
            opts=child_opts(self))
        resolve_log_arn(bucket.bucket_arn)
        return bucket
