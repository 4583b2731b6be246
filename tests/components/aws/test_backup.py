"""Tests of the AWS CrossRegionBackup component (forge-infra:dr) under the offline mocks.

What these tests do not prove: that AWS Backup runs the plan or completes a copy; only that
the plan, its copy rule, the vaults in their regions, the selection and the role are declared
as AWS Backup's documentation describes.
"""

import json
from typing import Any

import pulumi
import pytest

from forge_components.aws.backup import (
    BACKUP_ROLE_POLICIES,
    COMPONENT,
    NAME_MAX,
    CrossRegionBackup,
    CrossRegionBackupArgs,
)
from forge_infra.plan.recorder import Recording
from tests.components.aws.conftest import assert_component_schema
from tests.helpers import run_mocked

RDS_ARN = "arn:aws:rds:us-east-1:123456789012:db:forge-prod-db"
BUCKET_ARN = "arn:aws:s3:::forge-prod-backups"


def build(name: str = "forge-prod-dr", **overrides: Any) -> Recording:
    """One CrossRegionBackup copying to us-west-2 every 4 hours, its outputs exported."""
    args: dict[str, Any] = {"dr_region": "us-west-2", "resource_arns": [RDS_ARN, BUCKET_ARN],
                            "schedule": "cron(0 */4 * * ? *)", "retention_days": 14,
                            "dr_retention_days": 21, "tags": {"app": "forge"}}
    args.update(overrides)

    def program() -> None:
        backup = CrossRegionBackup(name, CrossRegionBackupArgs(**args))  # type: ignore[typeddict-item]
        for output in ("vault_arn", "dr_vault_arn", "plan_id", "dr_region"):
            pulumi.export(output, getattr(backup, output))

    return run_mocked(program)


def test_the_rule_keeps_points_here_and_copies_each_to_the_recovery_vault() -> None:
    rec = build()
    plan = rec.one("aws:backup/plan:Plan")
    (rule,) = plan.inputs["rules"]
    assert rule["schedule"] == "cron(0 */4 * * ? *)"
    assert rule["lifecycle"] == {"deleteAfter": 14}
    (copy,) = rule["copyActions"]
    assert copy["lifecycle"] == {"deleteAfter": 21}
    dr_vault = rec.one("aws:backup/vault:Vault", "forge-prod-dr-dr-vault")
    assert copy["destinationVaultArn"] == dr_vault.outputs["arn"]
    vault = rec.one("aws:backup/vault:Vault", "forge-prod-dr-vault")
    assert rule["targetVaultName"] == vault.outputs["name"]


def test_the_recovery_vault_and_its_key_live_in_the_recovery_region() -> None:
    rec = build()
    (provider,) = [r for r in rec.of_type("pulumi:providers:aws")
                   if r.inputs.get("region") == "us-west-2"]
    dr_vault = rec.one("aws:backup/vault:Vault", "forge-prod-dr-dr-vault")
    dr_key = rec.one("aws:kms/key:Key", "forge-prod-dr-dr-vault-key")
    assert dr_vault.provider == provider.urn and dr_key.provider == provider.urn
    vault = rec.one("aws:backup/vault:Vault", "forge-prod-dr-vault")
    key = rec.one("aws:kms/key:Key", "forge-prod-dr-vault-key")
    assert vault.provider != provider.urn and key.provider != provider.urn
    assert dr_vault.inputs["kmsKeyArn"] == dr_key.outputs["arn"]
    assert vault.inputs["kmsKeyArn"] == key.outputs["arn"]
    assert key.inputs["enableKeyRotation"] is True and dr_key.inputs["enableKeyRotation"] is True


def test_the_selection_names_exactly_the_resources_given() -> None:
    rec = build()
    selection = rec.one("aws:backup/selection:Selection")
    assert selection.inputs["resources"] == [RDS_ARN, BUCKET_ARN]
    assert selection.inputs["planId"] == rec.one("aws:backup/plan:Plan").resource_id
    role = rec.one("aws:iam/role:Role")
    assert selection.inputs["iamRoleArn"] == role.outputs["arn"]


def test_the_role_is_assumed_by_aws_backup_with_its_managed_policies_only() -> None:
    rec = build()
    role = rec.one("aws:iam/role:Role")
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust["Statement"] == [{"Effect": "Allow",
                                   "Principal": {"Service": "backup.amazonaws.com"},
                                   "Action": "sts:AssumeRole"}]
    attached = sorted(a.inputs["policyArn"] for a in
                      rec.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment"))
    assert attached == sorted(f"arn:aws:iam::aws:policy/{p}" for p in BACKUP_ROLE_POLICIES)
    assert not rec.of_type("aws:iam/rolePolicy:RolePolicy")


def test_names_fit_aws_backups_limit() -> None:
    long = "forge-a-very-long-application-name-prod-dr"
    rec = build(name=long)
    names = [r.inputs["name"] for t in ("aws:backup/vault:Vault", "aws:backup/plan:Plan",
                                         "aws:backup/selection:Selection") for r in rec.of_type(t)]
    names += [rule["ruleName"] for rule in rec.one("aws:backup/plan:Plan").inputs["rules"]]
    assert names and all(len(n) <= NAME_MAX and not n.endswith("-") for n in names), names


@pytest.mark.parametrize(("overrides", "message"), [
    ({"retention_days": 0}, "retention_days 0 is outside 1..3650"),
    ({"schedule": "rate(4 hours)"}, "not an AWS Backup cron expression"),
    ({"surprise": True}, "field 'surprise' is not a field of CrossRegionBackupArgs"),
])
def test_bad_args_are_refused(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(Exception, match=message.replace("[", r"\[").replace("(", r"\(")):
        build(**overrides)


def test_schema() -> None:
    assert_component_schema(CrossRegionBackup, None,
                            {"vault_arn", "dr_vault_arn", "plan_id", "dr_region"})
    assert COMPONENT == "forge-aws:index:CrossRegionBackup"
