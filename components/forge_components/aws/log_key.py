"""The stack's CloudWatch Logs key: one customer-managed KMS key for every log group.

CloudWatch Logs encrypts a log group with a customer-managed key only when the key's policy
lets the regional CloudWatch Logs service principal use it
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html). `LogKey`
creates that key once per stack, before any component that creates a log group, and the
components take its ARN as `log_kms_key_arn` (bring-your-own, like every supporting resource).

The key policy is `forge_components.aws.kms.key_policy` with the CloudWatch Logs statement
(`kms.cloudwatch_logs_statement`): the account administers the key through IAM, and CloudWatch
Logs may use it only for the log groups of the account in the key's region. Writers
(the VPC flow logs role, the ECS execution roles, ElastiCache's log delivery) need no KMS
permission of their own: CloudWatch Logs encrypts what they put.
"""

from typing import NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from forge_components.aws.iam import account_id, partition
from forge_components.aws.kms import cloudwatch_logs_statement, kms_key
from forge_components.aws.tags import resource_tags

COMPONENT = "forge-aws:index:LogKey"
#: KMS alias names: at most 256 characters including the `alias/` prefix.
ALIAS_MAX = 250


class LogKeyArgs(TypedDict):
    """Arguments of `LogKey`."""

    region: NotRequired[pulumi.Input[str]]
    """The region whose CloudWatch Logs service may use the key (the key's own region); unset
    asks the provider. Defaults to unset."""
    protect: NotRequired[bool]
    """Pulumi `protect` on the key: deleting it makes every log event it encrypted
    unreadable. Defaults to False."""
    tags: NotRequired[dict[str, str]]
    """Tags added to the key. Defaults to {}."""


class LogKey(pulumi.ComponentResource):
    """A customer-managed KMS key that CloudWatch Logs may use for the account's log groups.

    Rotation on, a 30-day deletion window, an explicit key policy and an alias
    `alias/<name>`.
    """

    key_arn: pulumi.Output[str]
    """The key's ARN: the `log_kms_key_arn` of the components that create log groups."""
    key_id: pulumi.Output[str]
    """The key's id."""
    alias_name: pulumi.Output[str]
    """The key's alias (`alias/<name>`)."""

    def __init__(self, name: str, args: LogKeyArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        unknown = sorted(set(args) - set(LogKeyArgs.__annotations__))
        if unknown:
            raise ValueError(f"LogKey: unknown args {unknown}; allowed: "
                             f"{sorted(LogKeyArgs.__annotations__)}")
        super().__init__(COMPONENT, name, None, opts)
        invoke_opts = pulumi.InvokeOutputOptions(parent=self)
        region = args.get("region")
        region_name: pulumi.Input[str] = (
            region if region is not None else aws.get_region_output(opts=invoke_opts).region)
        alias = name[:ALIAS_MAX].rstrip("-")
        key_name = f"{name}-key"
        key = kms_key(
            self, key_name,
            description=f"forge {name}: CloudWatch Logs log groups of the stack",
            tags=resource_tags(key_name, COMPONENT, args.get("tags") or {}),
            alias=alias,
            protect=bool(args.get("protect", False)),
            extra_statements=[cloudwatch_logs_statement(region_name, account_id(self),
                                                        partition(self))])
        self.key_arn = key.arn
        self.key_id = key.key_id
        self.alias_name = pulumi.Output.from_input(f"alias/{alias}")
        self.register_outputs({
            "key_arn": self.key_arn,
            "key_id": self.key_id,
            "alias_name": self.alias_name,
        })
