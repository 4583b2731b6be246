"""Cross-region backup: an AWS Backup plan that copies every recovery point to a second region.

`CrossRegionBackup` is the `backup` mode of a stack's disaster recovery (`forge-infra:dr`):

* a backup vault in the stack's region and one in the recovery region, each encrypted with its
  own customer-managed KMS key (a vault's key must be in the vault's region);
* a backup plan whose rule runs on `schedule` (a cron expression), keeps recovery points
  `retention_days` in the stack's region, and copies each one to the recovery region's vault,
  kept `dr_retention_days` there
  (https://docs.aws.amazon.com/aws-backup/latest/devguide/cross-region-backup.html);
* a selection naming the protected resources by ARN: the RDS instance (or the TimescaleDB
  data volume on EC2) and the S3 buckets the app cannot rebuild. AWS Backup backs up RDS, EBS
  and S3 (versioning must be on, as every forge-infra bucket has it) and copies them across
  regions (https://docs.aws.amazon.com/aws-backup/latest/devguide/backup-feature-availability.html);
* the role AWS Backup assumes, with the AWS managed policies for backing up and restoring
  those resource types
  (https://docs.aws.amazon.com/aws-backup/latest/devguide/iam-service-roles.html).

The recovery region's resources use a provider of their own (`dr_region`, with the stack's
other provider settings), created by the component as `Cdn` creates its us-east-1 provider.
"""

import dataclasses
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from forge_components.aws.iam import managed_policy_arn, partition, service_trust_policy
from forge_components.aws.kms import kms_key
from forge_components.aws.tags import resource_tags
from forge_components.common import child_opts, physical_name

COMPONENT = "forge-aws:index:CrossRegionBackup"
#: The AWS managed policies of AWS Backup's service role: back up and restore (RDS, EBS, ...)
#: and the S3 ones, which the first two do not cover
#: (https://docs.aws.amazon.com/aws-backup/latest/devguide/security-iam-awsmanpol.html).
BACKUP_ROLE_POLICIES = (
    "service-role/AWSBackupServiceRolePolicyForBackup",
    "service-role/AWSBackupServiceRolePolicyForRestores",
    "AWSBackupServiceRolePolicyForS3Backup",
    "AWSBackupServiceRolePolicyForS3Restore",
)
#: AWS Backup's name limits: vault, plan, rule and selection names are at most 50 characters
#: (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_CreateBackupVault.html,
#: API_CreateBackupPlan.html, API_CreateBackupSelection.html).
NAME_MAX = 50
#: Retention bounds forge-infra accepts, in days: at least a day; at most ten years.
RETENTION_DAYS = (1, 3650)


class CrossRegionBackupArgs(TypedDict):
    """Arguments of `CrossRegionBackup`."""

    dr_region: str
    """The recovery region the recovery points are copied to (not the stack's region)."""
    resource_arns: pulumi.Input[list[str]]
    """The ARNs of the resources to back up (RDS instances, EBS volumes, S3 buckets)."""
    schedule: str
    """When the plan runs: an AWS Backup cron expression, e.g. `cron(0 */4 * * ? *)`."""
    retention_days: NotRequired[int]
    """Days a recovery point is kept in the stack's region. Defaults to 7."""
    dr_retention_days: NotRequired[int]
    """Days a copy is kept in the recovery region. Defaults to 7."""
    provider_settings: NotRequired[dict[str, Any]]
    """The stack's AWS provider settings besides the region (profile, assumeRoles, ...), for
    the recovery region's provider. Defaults to {}."""
    default_tags: NotRequired[dict[str, str]]
    """The default tags of the recovery region's provider (the stack's). Defaults to {}."""
    protect: NotRequired[bool]
    """Pulumi `protect` on the vaults and their keys. Defaults to False."""
    tags: NotRequired[dict[str, str]]
    """Tags added to every resource. Defaults to {}."""


@dataclasses.dataclass(frozen=True)
class _Settings:
    dr_region: str
    resource_arns: pulumi.Input[list[str]]
    schedule: str
    retention_days: int = 7
    dr_retention_days: int = 7
    provider_settings: dict[str, Any] = dataclasses.field(default_factory=dict)
    default_tags: dict[str, str] = dataclasses.field(default_factory=dict)
    protect: bool = False
    tags: dict[str, str] = dataclasses.field(default_factory=dict)


def _settings(args: CrossRegionBackupArgs) -> _Settings:
    unknown = sorted(set(args) - set(CrossRegionBackupArgs.__annotations__))
    if unknown:
        raise ValueError(f"CrossRegionBackup: unknown args {unknown}; allowed: "
                         f"{sorted(CrossRegionBackupArgs.__annotations__)}")
    settings = _Settings(**args)
    for field in ("retention_days", "dr_retention_days"):
        value = getattr(settings, field)
        if not RETENTION_DAYS[0] <= value <= RETENTION_DAYS[1]:
            raise ValueError(f"CrossRegionBackup: {field} {value} is outside "
                             f"{RETENTION_DAYS[0]}..{RETENTION_DAYS[1]} days")
    if not settings.schedule.startswith("cron(") or not settings.schedule.endswith(")"):
        raise ValueError(f"CrossRegionBackup: schedule {settings.schedule!r} is not an AWS "
                         "Backup cron expression such as cron(0 */4 * * ? *)")
    return settings


class CrossRegionBackup(pulumi.ComponentResource):
    """Scheduled AWS Backup recovery points, copied to a second region's vault."""

    vault_arn: pulumi.Output[str]
    """The stack region's backup vault."""
    dr_vault_arn: pulumi.Output[str]
    """The recovery region's backup vault (the copies)."""
    plan_id: pulumi.Output[str]
    """The backup plan's id."""
    dr_region: pulumi.Output[str]
    """The recovery region."""

    def __init__(self, name: str, args: CrossRegionBackupArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        s = _settings(args)
        super().__init__(COMPONENT, name, None, opts)

        def tags(child: str) -> dict[str, str]:
            return resource_tags(child, COMPONENT, s.tags)

        dr_provider = aws.Provider(
            f"{name}-{s.dr_region}",
            region=s.dr_region,
            default_tags=aws.ProviderDefaultTagsArgs(tags=dict(s.default_tags)),
            **s.provider_settings,
            opts=child_opts(self))
        in_dr = pulumi.ResourceOptions(provider=dr_provider)

        key = kms_key(self, f"{name}-vault-key", description=f"forge {name}: backup vault",
                      tags=tags(f"{name}-vault-key"), protect=s.protect)
        dr_key = kms_key(self, f"{name}-dr-vault-key",
                         description=f"forge {name}: recovery-region backup vault",
                         tags=tags(f"{name}-dr-vault-key"), protect=s.protect,
                         provider=dr_provider)
        vault = aws.backup.Vault(
            f"{name}-vault", name=physical_name(name, "vault", NAME_MAX),
            kms_key_arn=key.arn,
            tags=tags(f"{name}-vault"), opts=child_opts(self, protect=s.protect))
        dr_vault = aws.backup.Vault(
            f"{name}-dr-vault", name=physical_name(name, "dr-vault", NAME_MAX),
            kms_key_arn=dr_key.arn,
            tags=tags(f"{name}-dr-vault"),
            opts=pulumi.ResourceOptions.merge(child_opts(self, protect=s.protect), in_dr))

        role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=service_trust_policy("backup.amazonaws.com"),
            tags=tags(f"{name}-role"), opts=child_opts(self))
        part = partition(self)
        for policy in BACKUP_ROLE_POLICIES:
            aws.iam.RolePolicyAttachment(
                f"{name}-role-{policy.rsplit('/', 1)[-1]}", role=role.name,
                policy_arn=managed_policy_arn(part, policy), opts=child_opts(self))

        plan = aws.backup.Plan(
            f"{name}-plan", name=physical_name(name, "plan", NAME_MAX),
            rules=[aws.backup.PlanRuleArgs(
                rule_name=physical_name(name, f"to-{s.dr_region}", NAME_MAX),
                target_vault_name=vault.name,
                schedule=s.schedule,
                lifecycle=aws.backup.PlanRuleLifecycleArgs(delete_after=s.retention_days),
                copy_actions=[aws.backup.PlanRuleCopyActionArgs(
                    destination_vault_arn=dr_vault.arn,
                    lifecycle=aws.backup.PlanRuleCopyActionLifecycleArgs(
                        delete_after=s.dr_retention_days))],
            )],
            tags=tags(f"{name}-plan"), opts=child_opts(self))
        aws.backup.Selection(
            f"{name}-selection", name=physical_name(name, "selection", NAME_MAX), plan_id=plan.id,
            iam_role_arn=role.arn, resources=s.resource_arns, opts=child_opts(self))

        self.vault_arn = vault.arn
        self.dr_vault_arn = dr_vault.arn
        self.plan_id = plan.id
        self.dr_region = pulumi.Output.from_input(s.dr_region)
        self.register_outputs({"vault_arn": self.vault_arn, "dr_vault_arn": self.dr_vault_arn,
                               "plan_id": self.plan_id, "dr_region": self.dr_region})
