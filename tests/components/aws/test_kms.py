"""The one KMS key helper under the offline mocks: rotation, deletion window, policy, alias.

What these tests do not prove: that KMS accepts the policy (it refuses one that would lock the
account out, which the account-root statement prevents), only what the helper asks for.
"""

import json
from typing import Any

import pulumi

from forge_components.aws.kms import DELETION_WINDOW_DAYS, cloudwatch_logs_statement, kms_key
from forge_infra.plan.recorder import Recording
from tests.helpers import run_mocked

KEY = "aws:kms/key:Key"
ALIAS = "aws:kms/alias:Alias"
ROOT_STATEMENT = {
    "Sid": "AccountAdministersKeyThroughIam", "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"}


class _Owner(pulumi.ComponentResource):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__("forge-aws:index:Owner", "owner")
        kms_key(self, "owner-key", description="test key", tags={"Name": "owner-key"},
                **kwargs)
        self.register_outputs({})


def build(**kwargs: Any) -> Recording:
    """One component owning one key made by the helper."""
    return run_mocked(lambda: _Owner(**kwargs))


def test_key_has_rotation_window_and_explicit_policy() -> None:
    key = build().one(KEY, "owner-key")
    assert key.inputs["enableKeyRotation"] is True, key.urn
    assert key.inputs["deletionWindowInDays"] == DELETION_WINDOW_DAYS == 30, key.urn
    assert key.inputs["description"] == "test key", key.urn
    assert key.inputs["tags"] == {"Name": "owner-key"}, key.urn
    assert json.loads(key.inputs["policy"]) == {
        "Version": "2012-10-17", "Statement": [ROOT_STATEMENT]}, key.urn
    assert key.parent is not None and key.parent.endswith("Owner::owner"), key.urn
    assert not key.protect, key.urn


def test_no_alias_unless_asked() -> None:
    assert build().of_type(ALIAS) == []


def test_alias_points_at_the_key() -> None:
    rec = build(alias="forge-db", protect=True)
    alias = rec.one(ALIAS, "owner-key-alias")
    key = rec.one(KEY, "owner-key")
    assert alias.inputs["name"] == "alias/forge-db", alias.urn
    assert alias.inputs["targetKeyId"] == key.outputs["keyId"], alias.urn
    assert key.protect, key.urn
    assert not alias.protect, alias.urn


def test_extra_statements_follow_the_root_statement() -> None:
    extra = {"Sid": "Logs", "Effect": "Allow", "Principal": {"Service": "logs.amazonaws.com"},
             "Action": ["kms:Encrypt*", "kms:Decrypt*"], "Resource": "*"}
    key = build(extra_statements=[extra]).one(KEY, "owner-key")
    assert json.loads(key.inputs["policy"])["Statement"] == [ROOT_STATEMENT, extra], key.urn


def test_cloudwatch_logs_statement_is_the_documented_one_for_the_accounts_log_groups() -> None:
    """https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html,
    narrowed from the account's logs resources to its log groups."""
    statement = run_mocked(lambda: pulumi.export("statement", cloudwatch_logs_statement(
        "eu-west-1", "210987654321", "aws"))).exports["statement"]
    assert statement == {
        "Sid": "CloudWatchLogsEncryptsTheAccountsLogGroups",
        "Effect": "Allow",
        "Principal": {"Service": "logs.eu-west-1.amazonaws.com"},
        "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                   "kms:Describe*"],
        "Resource": "*",
        "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn":
                                  "arn:aws:logs:eu-west-1:210987654321:log-group:*"}},
    }
