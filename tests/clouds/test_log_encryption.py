"""The stacks' CloudWatch Logs log groups are encrypted with the stack's LogKey (issue 8: the
scanner's log-group encryption), read from the whole program of each stack file as planned.

What these tests do not prove: that KMS and CloudWatch Logs accept the key policy at apply
time; only that the program asks for the statement AWS documents
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html).
"""

from __future__ import annotations

import json

import pytest

from forge_infra.plan import Plan, run_plan
from forge_infra.plan.model import PlanResource
from tests.conftest import ROOT, STACKS

KEY = "aws:kms/key:Key"
ALIAS = "aws:kms/alias:Alias"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
LOG_KEY_COMPONENT = "forge-aws:index:LogKey"

#: Components whose log groups are not wired to the stack's key (none since the EKS control
#: plane's and MSK's broker log groups take it too). The test below fails as soon as one of
#: them is wired, so that it is taken off this set and checked too.
NOT_YET_WIRED: frozenset[str] = frozenset()


@pytest.fixture(scope="module")
def plans() -> dict[str, Plan]:
    return {stack: run_plan(stack, ROOT) for stack in STACKS}


def log_key(plan: Plan) -> PlanResource:
    keys = [r for r in plan.resources if r.type == KEY and r.component == LOG_KEY_COMPONENT]
    assert len(keys) == 1, [r.urn for r in keys]
    return keys[0]


@pytest.mark.parametrize("stack", STACKS)
def test_every_wired_log_group_carries_the_stacks_log_key(plans, stack: str) -> None:
    plan = plans[stack]
    key_arn = log_key(plan).outputs["arn"]
    groups = [r for r in plan.resources if r.type == LOG_GROUP]
    assert groups
    missing = [r for r in groups if r.props.get("kmsKeyId") is None]
    unencrypted = {r.component for r in missing}
    assert unencrypted <= NOT_YET_WIRED, (
        f"{stack}: log groups without a key: "
        f"{[r.urn for r in missing if r.component not in NOT_YET_WIRED]}")
    present = {r.component for r in groups} & NOT_YET_WIRED
    assert unencrypted == present, (
        f"{stack}: {sorted(present - unencrypted)} now encrypt their log groups: take them off "
        "NOT_YET_WIRED so that the key they use is checked below")
    for group in groups:
        if group.component in NOT_YET_WIRED:
            continue
        assert group.props["kmsKeyId"] == key_arn, group.urn


def test_the_wired_log_groups_are_every_components(plans) -> None:
    """Guards the test above against passing on a stack with fewer log groups than expected."""
    wired = {stack: sorted(r.name for r in plans[stack].resources
                           if r.type == LOG_GROUP and r.component not in NOT_YET_WIRED)
             for stack in STACKS}
    assert wired == {
        "dev": ["forge-dev-api-logs", "forge-dev-cache-slow-log", "forge-dev-db-bootstrap",
                "forge-dev-db-postgresql-log", "forge-dev-db-upgrade-log",
                "forge-dev-gateway-logs", "forge-dev-network-flow-logs", "forge-dev-ui-logs",
                "forge-dev-worker-logs"],
        "staging": ["forge-staging-cache-slow-log", "forge-staging-db-bootstrap",
                    "forge-staging-db-postgresql-log", "forge-staging-db-upgrade-log",
                    "forge-staging-eks-cluster-logs", "forge-staging-network-flow-logs"],
        "prod": ["forge-prod-cache-slow-log", "forge-prod-db-bootstrap",
                 "forge-prod-db-postgresql-log", "forge-prod-db-upgrade-log",
                 "forge-prod-eks-cluster-logs", "forge-prod-network-flow-logs",
                 "forge-prod-stream-broker-logs"],
    }


@pytest.mark.parametrize("stack", STACKS)
def test_the_log_key_policy_grants_cloudwatch_logs_the_accounts_log_groups_only(
        plans, stack: str) -> None:
    key = log_key(plans[stack])
    assert json.loads(key.props["policy"]) == {"Version": "2012-10-17", "Statement": [
        {"Sid": "AccountAdministersKeyThroughIam", "Effect": "Allow",
         "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*",
         "Resource": "*"},
        {"Sid": "CloudWatchLogsEncryptsTheAccountsLogGroups", "Effect": "Allow",
         "Principal": {"Service": "logs.us-east-1.amazonaws.com"},
         "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                    "kms:Describe*"],
         "Resource": "*",
         "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn":
                                   "arn:aws:logs:us-east-1:123456789012:log-group:*"}}},
    ]}, key.urn
    assert key.props["enableKeyRotation"] is True, key.urn


@pytest.mark.parametrize(("stack", "protected"), [("dev", False), ("staging", False),
                                                  ("prod", True)])
def test_prod_protects_the_log_key_and_not_its_alias(plans, stack: str, protected: bool) -> None:
    plan = plans[stack]
    key = log_key(plan)
    assert key.protect is protected, key.urn
    alias = next(r for r in plan.resources if r.type == ALIAS and r.component == LOG_KEY_COMPONENT)
    assert alias.props["name"] == f"alias/forge-{stack}-logs", alias.urn
    assert alias.protect is False, alias.urn


@pytest.mark.parametrize("stack", STACKS)
def test_the_log_key_exists_before_any_log_group(plans, stack: str) -> None:
    """Every encrypted log group depends on the key (Pulumi creates the key first)."""
    plan = plans[stack]
    key = log_key(plan)
    for group in plan.resources:
        if group.type == LOG_GROUP and group.props.get("kmsKeyId"):
            assert key.urn in group.property_dependencies.get("kmsKeyId", []), group.urn
