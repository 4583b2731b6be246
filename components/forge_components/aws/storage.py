"""Private S3 buckets: encrypted, versioned, TLS-only, never public, with lifecycle rules.

`PrivateBucket` is the one way this project creates a bucket; `Storage` makes one per purpose
(reports, exports, backups by default). S3 allows a single bucket policy per bucket, so callers
that need to grant access (the CDN's Origin Access Control, for instance) pass their statements
in `PrivateBucketArgs.extra_policy_statements` rather than creating a second `BucketPolicy`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from forge_components.common import child_opts, resource_tags

BUCKET_COMPONENT = "forge-aws:index:PrivateBucket"
STORAGE_COMPONENT = "forge-aws:index:Storage"

_PURPOSE = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")


def _positive(field: str, value: int | None) -> None:
    """Reject a day count below 1 (None means the rule is skipped)."""
    if value is not None and value < 1:
        raise ValueError(f"{field} must be at least 1 day or None, got {value}")


@dataclasses.dataclass
class PrivateBucketArgs:
    """The inputs of a `PrivateBucket` component."""

    tags: Mapping[str, str] = dataclasses.field(default_factory=dict)
    """Tags added to every taggable child. Defaults to {}."""
    kms_key_arn: pulumi.Input[str] | None = None
    """A KMS key to encrypt objects with (SSE-KMS, with an S3 bucket key to cut KMS requests);
    None uses S3-managed keys (SSE-S3, AES256). Defaults to None."""
    versioning: bool = True
    """Keep every version of every object. Defaults to True."""
    glacier_transition_days: int | None = 90
    """Move current object versions to GLACIER this many days after creation; None keeps them
    in STANDARD. Defaults to 90."""
    noncurrent_version_expiration_days: int | None = 90
    """Delete noncurrent versions this many days after they are superseded (only when
    `versioning` is on); None keeps them forever. Defaults to 90."""
    abort_incomplete_multipart_days: int | None = 7
    """Abort multipart uploads left incomplete this many days; None never aborts them.
    Defaults to 7."""
    force_destroy: bool = False
    """Let `pulumi destroy` delete a bucket that still holds objects. Defaults to False."""
    protect: bool = False
    """Set Pulumi's `protect` on the bucket itself (prod), so no update or destroy can delete
    it. Defaults to False."""
    extra_policy_statements: Sequence[pulumi.Input[dict[str, Any]]] = ()
    """IAM policy statements, in IAM JSON form (`Effect`, `Principal`, `Action`, `Resource`,
    ...), merged into the bucket's single policy after the TLS-only deny. Defaults to []
    (no statement beyond the deny)."""


class PrivateBucket(pulumi.ComponentResource):
    """An S3 bucket no one can make public, encrypted at rest and reachable only over TLS."""

    bucket_name: pulumi.Output[str]
    bucket_arn: pulumi.Output[str]
    bucket_regional_domain_name: pulumi.Output[str]
    bucket: aws.s3.Bucket

    def __init__(self, name: str, args: PrivateBucketArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(BUCKET_COMPONENT, name, None, opts)
        _positive("glacier_transition_days", args.glacier_transition_days)
        _positive("noncurrent_version_expiration_days", args.noncurrent_version_expiration_days)
        _positive("abort_incomplete_multipart_days", args.abort_incomplete_multipart_days)

        def tags(child: str) -> dict[str, str]:
            return resource_tags(child, BUCKET_COMPONENT, args.tags)

        bucket = aws.s3.Bucket(name, force_destroy=args.force_destroy, tags=tags(name),
                               opts=child_opts(self, protect=args.protect))
        self.bucket = bucket

        public_access = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access", bucket=bucket.id, block_public_acls=True,
            block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True,
            opts=child_opts(self))
        ownership = aws.s3.BucketOwnershipControls(
            f"{name}-ownership", bucket=bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=child_opts(self))

        if args.kms_key_arn is not None:
            encryption = aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                apply_server_side_encryption_by_default=aws.s3.
                BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                    sse_algorithm="aws:kms", kms_master_key_id=args.kms_key_arn),
                bucket_key_enabled=True)
        else:
            encryption = aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                apply_server_side_encryption_by_default=aws.s3.
                BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                    sse_algorithm="AES256"))
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption", bucket=bucket.id, rules=[encryption], opts=child_opts(self))

        versioning: aws.s3.BucketVersioning | None = None
        if args.versioning:
            versioning = aws.s3.BucketVersioning(
                f"{name}-versioning", bucket=bucket.id,
                versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(
                    status="Enabled"),
                opts=child_opts(self))

        rules: list[aws.s3.BucketLifecycleConfigurationRuleArgs] = []
        if args.glacier_transition_days is not None:
            rules.append(aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="transition-to-glacier", status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(),
                transitions=[aws.s3.BucketLifecycleConfigurationRuleTransitionArgs(
                    days=args.glacier_transition_days, storage_class="GLACIER")]))
        if args.versioning and args.noncurrent_version_expiration_days is not None:
            rules.append(aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="expire-noncurrent-versions", status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(),
                noncurrent_version_expiration=(
                    aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                        noncurrent_days=args.noncurrent_version_expiration_days))))
        if args.abort_incomplete_multipart_days is not None:
            rules.append(aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="abort-incomplete-multipart-uploads", status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(),
                abort_incomplete_multipart_upload=(
                    aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                        days_after_initiation=args.abort_incomplete_multipart_days))))
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
        aws.s3.BucketPolicy(
            f"{name}-policy", bucket=bucket.id,
            policy=pulumi.Output.json_dumps({
                "Version": "2012-10-17",
                "Statement": [deny_insecure_transport, *args.extra_policy_statements],
            }),
            opts=child_opts(self, depends_on=[public_access, ownership]))

        self.bucket_name = bucket.id
        self.bucket_arn = bucket.arn
        self.bucket_regional_domain_name = bucket.bucket_regional_domain_name
        self.register_outputs({
            "bucket_name": self.bucket_name,
            "bucket_arn": self.bucket_arn,
            "bucket_regional_domain_name": self.bucket_regional_domain_name,
        })


@dataclasses.dataclass
class StorageArgs:
    """The inputs of a `Storage` component."""

    tags: Mapping[str, str] = dataclasses.field(default_factory=dict)
    """Tags added to every taggable child. Defaults to {}."""
    buckets: Sequence[str] = ("reports", "exports", "backups")
    """The purposes to create one private bucket for (lower-case letters, digits, hyphens).
    Defaults to ("reports", "exports", "backups")."""
    kms_key_arn: pulumi.Input[str] | None = None
    """A KMS key for SSE-KMS on every bucket; None uses SSE-S3 (AES256). Defaults to None."""
    glacier_transition_days: int | None = 90
    """Days before current versions move to GLACIER; None never moves them. Defaults to 90."""
    noncurrent_version_expiration_days: int | None = 90
    """Days before noncurrent versions are deleted; None keeps them. Defaults to 90."""
    force_destroy: bool = False
    """Let `pulumi destroy` delete buckets that still hold objects. Defaults to False."""
    protect: bool = False
    """Set Pulumi's `protect` on every bucket (prod). Defaults to False."""


class Storage(pulumi.ComponentResource):
    """The platform's object storage: one `PrivateBucket` per purpose."""

    bucket_names: pulumi.Output[dict[str, str]]
    bucket_arns: pulumi.Output[dict[str, str]]
    reports_bucket_name: pulumi.Output[str] | None
    exports_bucket_name: pulumi.Output[str] | None
    backups_bucket_name: pulumi.Output[str] | None
    buckets: dict[str, PrivateBucket]

    def __init__(self, name: str, args: StorageArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(STORAGE_COMPONENT, name, None, opts)
        purposes = list(args.buckets)
        if not purposes:
            raise ValueError("buckets must name at least one purpose")
        duplicates = sorted({p for p in purposes if purposes.count(p) > 1})
        if duplicates:
            raise ValueError(f"buckets has duplicate purposes: {duplicates}")
        invalid = [p for p in purposes if not _PURPOSE.match(p)]
        if invalid:
            raise ValueError(f"bucket purposes must be lower-case letters, digits and inner "
                             f"hyphens: {invalid}")

        self.buckets = {
            purpose: PrivateBucket(
                f"{name}-{purpose}",
                PrivateBucketArgs(
                    tags={**dict(args.tags), "purpose": purpose},
                    kms_key_arn=args.kms_key_arn,
                    glacier_transition_days=args.glacier_transition_days,
                    noncurrent_version_expiration_days=args.noncurrent_version_expiration_days,
                    force_destroy=args.force_destroy,
                    protect=args.protect),
                opts=child_opts(self))
            for purpose in purposes
        }
        self.bucket_names = pulumi.Output.all(
            **{p: b.bucket_name for p, b in self.buckets.items()}).apply(dict)
        self.bucket_arns = pulumi.Output.all(
            **{p: b.bucket_arn for p, b in self.buckets.items()}).apply(dict)

        def name_of(purpose: str) -> pulumi.Output[str] | None:
            bucket = self.buckets.get(purpose)
            return bucket.bucket_name if bucket else None

        self.reports_bucket_name = name_of("reports")
        self.exports_bucket_name = name_of("exports")
        self.backups_bucket_name = name_of("backups")
        self.register_outputs({
            "bucket_names": self.bucket_names,
            "bucket_arns": self.bucket_arns,
            "reports_bucket_name": self.reports_bucket_name,
            "exports_bucket_name": self.exports_bucket_name,
            "backups_bucket_name": self.backups_bucket_name,
        })
