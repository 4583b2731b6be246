"""The one KMS key helper of the AWS components: rotation on, an explicit key policy, an alias.

The key policy is written out instead of left to AWS's implicit default, so a plan and a
policy rule can read it: the account administers and uses the key through IAM (the statement
of AWS's default key policy,
https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam),
plus any statement the caller adds for a service principal, such as
`cloudwatch_logs_statement` for a key that encrypts CloudWatch Logs log groups.
"""

from typing import Any

import pulumi
import pulumi_aws as aws

from forge_components.aws.iam import account_id, partition
from forge_components.common import child_opts

#: Days a scheduled key deletion waits (the maximum, 7..30): a key deleted by mistake can be
#: restored for a month, and the data it encrypts with it.
DELETION_WINDOW_DAYS = 30


def account_root_statement(account: pulumi.Input[str],
                           partition_name: pulumi.Input[str]) -> dict[str, Any]:
    """The key-policy statement that lets the account's IAM policies grant use of the key."""
    return {
        "Sid": "AccountAdministersKeyThroughIam",
        "Effect": "Allow",
        "Principal": {"AWS": pulumi.Output.concat("arn:", partition_name, ":iam::", account,
                                                  ":root")},
        "Action": "kms:*",
        "Resource": "*",
    }


#: Where the CloudWatch Logs statement comes from (read 2026-12): "Step 2: Set permissions on
#: the key", the variant that limits the key to the account's log groups in one region.
CLOUDWATCH_LOGS_KEY_POLICY_SOURCE = (
    "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html")


def cloudwatch_logs_statement(region: pulumi.Input[str], account: pulumi.Input[str],
                              partition_name: pulumi.Input[str]) -> dict[str, Any]:
    """The key-policy statement letting CloudWatch Logs use the key for the account's log groups.

    As `CLOUDWATCH_LOGS_KEY_POLICY_SOURCE` documents it: the regional service principal
    `logs.<region>.amazonaws.com`, the actions `kms:Encrypt*`, `kms:Decrypt*`,
    `kms:ReEncrypt*`, `kms:GenerateDataKey*` and `kms:Describe*`, and an `ArnLike` condition on
    the encryption context CloudWatch Logs sends (`kms:EncryptionContext:aws:logs:arn`, the
    ARN of the log group), narrowed from AWS's example (`arn:aws:logs:<region>:<account>:*`)
    to the log groups of that account and region (`...:log-group:*`).
    """
    return {
        "Sid": "CloudWatchLogsEncryptsTheAccountsLogGroups",
        "Effect": "Allow",
        "Principal": {"Service": pulumi.Output.concat("logs.", region, ".amazonaws.com")},
        "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                   "kms:Describe*"],
        "Resource": "*",
        "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": pulumi.Output.concat(
            "arn:", partition_name, ":logs:", region, ":", account, ":log-group:*")}},
    }


def key_policy(account: pulumi.Input[str], partition_name: pulumi.Input[str],
               extra_statements: list[dict[str, Any]] | None = None) -> pulumi.Output[str]:
    """The key policy (JSON): the account-root statement, then `extra_statements` in order."""
    return pulumi.Output.json_dumps({
        "Version": "2012-10-17",
        "Statement": [account_root_statement(account, partition_name),
                      *(extra_statements or [])],
    })


def kms_key(parent: pulumi.Resource, child_name: str, *, description: str,
            tags: dict[str, str], alias: str | None = None, protect: bool = False,
            extra_statements: list[dict[str, Any]] | None = None,
            provider: aws.Provider | None = None) -> aws.kms.Key:
    """A symmetric customer-managed key named `child_name`, child of `parent`.

    Rotation is on, deletion waits `DELETION_WINDOW_DAYS`, the policy is `key_policy(...)` for
    the account `parent`'s provider resolves to. With `alias` (without the `alias/` prefix) an
    `aws.kms.Alias` named `<child_name>-alias` points at the key. `protect` protects the key
    (never the alias, which can be recreated). `provider` creates both with another provider
    than `parent`'s (a key in another region).
    """
    opts = child_opts(parent, protect=protect)
    alias_opts = child_opts(parent)
    if provider is not None:
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(provider=provider))
        alias_opts = pulumi.ResourceOptions.merge(alias_opts,
                                                  pulumi.ResourceOptions(provider=provider))
    key = aws.kms.Key(
        child_name,
        description=description,
        enable_key_rotation=True,
        deletion_window_in_days=DELETION_WINDOW_DAYS,
        policy=key_policy(account_id(parent), partition(parent), extra_statements),
        tags=tags,
        opts=opts)
    if alias is not None:
        aws.kms.Alias(
            f"{child_name}-alias",
            name=f"alias/{alias}",
            target_key_id=key.key_id,
            opts=alias_opts)
    return key
