"""Application secrets in AWS Secrets Manager, from values the stack keeps encrypted."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import pulumi
import pulumi_aws as aws

from forge_components.common import child_opts, resource_tags

TYPE_TOKEN = "forge-aws:index:AppSecrets"


@dataclasses.dataclass
class AppSecretsArgs:
    """Inputs of `AppSecrets`."""

    values: Mapping[str, pulumi.Input[str]]
    """Secret name -> value; values are wrapped as Pulumi secrets before use. Required."""
    name_prefix: str = "forge"
    """Prefix of the secrets' names in Secrets Manager (`<prefix>/<name>`). Defaults to "forge"."""
    kms_key_arn: pulumi.Input[str] | None = None
    """Customer-managed KMS key; None uses the account's aws/secretsmanager key.
    Defaults to None."""
    recovery_window_days: int = 30
    """Days a deleted secret can still be restored (7..30; 0 deletes at once).
    Defaults to 30."""
    tags: Mapping[str, str] = dataclasses.field(default_factory=dict)
    """Tags added to every secret. Defaults to {}."""


class AppSecrets(pulumi.ComponentResource):
    """One Secrets Manager secret per application secret; services reference them by ARN.

    The values reach the provider only as Pulumi secrets, so they are encrypted in the state
    and masked in every output, log and offline plan.
    """

    secret_arns: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: AppSecretsArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        self.secret_arns = {}
        for key in sorted(args.values):
            child = f"{name}-{key.replace('_', '-')}"
            secret = aws.secretsmanager.Secret(
                child,
                name=f"{args.name_prefix}/{key}",
                description=f"forge-infra application secret {key}",
                kms_key_id=args.kms_key_arn,
                recovery_window_in_days=args.recovery_window_days,
                tags=resource_tags(child, TYPE_TOKEN, args.tags),
                opts=child_opts(self))
            aws.secretsmanager.SecretVersion(
                f"{child}-value",
                secret_id=secret.id,
                secret_string=pulumi.Output.secret(args.values[key]),
                opts=child_opts(self))
            self.secret_arns[key] = secret.arn
        self.register_outputs({"secret_arns": self.secret_arns})
