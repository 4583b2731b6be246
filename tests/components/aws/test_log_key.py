"""Tests of the AWS LogKey component (the stack's CloudWatch Logs key) under the offline mocks.

What these tests do not prove: that KMS accepts the policy or that CloudWatch Logs can use the
key at apply time; only that the key policy is the one AWS documents
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html).
"""

import json
from typing import Any

import pulumi
import pytest

from forge_components.aws.kms import DELETION_WINDOW_DAYS
from forge_components.aws.log_key import COMPONENT, LogKey, LogKeyArgs
from forge_infra.plan.recorder import Recording
from tests.components.aws.conftest import assert_component_schema
from tests.helpers import run_mocked

KEY = "aws:kms/key:Key"
ALIAS = "aws:kms/alias:Alias"
OUTPUTS = ("key_arn", "key_id", "alias_name")


def build(region: str = "us-east-1", **kwargs: Any) -> Recording:
    """One LogKey named "forge-prod-logs", its outputs exported."""
    def program() -> None:
        key = LogKey("forge-prod-logs", LogKeyArgs(**kwargs))
        for output in OUTPUTS:
            pulumi.export(output, getattr(key, output))

    return run_mocked(program, region=region)


def logs_statement(region: str, account: str = "123456789012") -> dict[str, Any]:
    return {
        "Sid": "CloudWatchLogsEncryptsTheAccountsLogGroups",
        "Effect": "Allow",
        "Principal": {"Service": f"logs.{region}.amazonaws.com"},
        "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                   "kms:Describe*"],
        "Resource": "*",
        "Condition": {"ArnLike": {
            "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{region}:{account}:log-group:*"}},
    }


ROOT = {"Sid": "AccountAdministersKeyThroughIam", "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*",
        "Resource": "*"}


@pytest.mark.parametrize("region", ["us-east-1", "eu-central-1"])
def test_key_policy_is_the_account_root_and_the_regional_cloudwatch_logs_statement(
        region: str) -> None:
    rec = build(region=region)
    key = rec.one(KEY, "forge-prod-logs-key")
    assert json.loads(key.inputs["policy"]) == {
        "Version": "2012-10-17", "Statement": [ROOT, logs_statement(region)]}, key.urn
    assert key.inputs["enableKeyRotation"] is True, key.urn
    assert key.inputs["deletionWindowInDays"] == DELETION_WINDOW_DAYS, key.urn


def test_a_given_region_names_the_service_principal_and_the_log_group_arns() -> None:
    rec = run_mocked(lambda: LogKey("k", LogKeyArgs(region="ap-south-1")))
    statement = json.loads(rec.one(KEY).inputs["policy"])["Statement"][1]
    assert statement == logs_statement("ap-south-1")


def test_alias_outputs_and_protection() -> None:
    rec = build(protect=True, tags={"team": "platform"})
    key = rec.one(KEY, "forge-prod-logs-key")
    alias = rec.one(ALIAS, "forge-prod-logs-key-alias")
    assert key.protect and not alias.protect, key.urn
    assert alias.inputs["name"] == "alias/forge-prod-logs", alias.urn
    assert alias.inputs["targetKeyId"] == key.outputs["keyId"], alias.urn
    assert key.inputs["tags"] == {"Name": "forge-prod-logs-key", "team": "platform",
                                  "component": COMPONENT}, key.urn
    assert rec.exports == {"key_arn": key.outputs["arn"], "key_id": key.outputs["keyId"],
                           "alias_name": "alias/forge-prod-logs"}
    assert not build().one(KEY).protect


def test_unknown_args_are_refused_before_any_resource() -> None:
    with pytest.raises(ValueError, match=r"LogKey: unknown args \['retention'\]; allowed: "
                                         r"\['protect', 'region', 'tags'\]"):
        run_mocked(lambda: LogKey("k", LogKeyArgs(retention=30)))  # type: ignore[typeddict-unknown-key]


def test_schema() -> None:
    assert_component_schema(LogKey, None, set(OUTPUTS))
