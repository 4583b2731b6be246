"""Application secrets in AWS Secrets Manager, from values the stack keeps encrypted."""

import dataclasses
from typing import NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from forge_components.aws.limits import SECRET_RECOVERY_WINDOW_DAYS
from forge_components.aws.tags import resource_tags
from forge_components.common import child_opts

TYPE_TOKEN = "forge-aws:index:AppSecrets"


class AppSecretsArgs(TypedDict):
    """Inputs of `AppSecrets`."""

    values: dict[str, pulumi.Input[str]]
    """Secret name -> value; values are wrapped as Pulumi secrets before use. Required."""
    name_prefix: NotRequired[str]
    """Prefix of the secrets' names in Secrets Manager: each is `<prefix>/<name>-` plus a
    unique suffix chosen at creation (services find them by ARN). Defaults to "forge"."""
    kms_key_arn: NotRequired[pulumi.Input[str]]
    """Customer-managed KMS key; unset uses the account's aws/secretsmanager key.
    Defaults to unset (the AWS-managed key)."""
    recovery_window_days: NotRequired[int]
    """Days a deleted secret can still be restored (7..30). Defaults to 30."""
    tags: NotRequired[dict[str, str]]
    """Tags added to every secret. Defaults to {}."""


@dataclasses.dataclass(frozen=True)
class _Settings:
    """`AppSecretsArgs` with every default applied (the host passes a plain dict)."""

    values: dict[str, pulumi.Input[str]]
    name_prefix: str = "forge"
    kms_key_arn: pulumi.Input[str] | None = None
    recovery_window_days: int = 30
    tags: dict[str, str] = dataclasses.field(default_factory=dict)


def _settings(args: AppSecretsArgs) -> _Settings:
    """The args with defaults applied; a recovery window AWS refuses is refused here."""
    s = _Settings(**args)
    low, high = SECRET_RECOVERY_WINDOW_DAYS
    if not low <= s.recovery_window_days <= high:
        raise ValueError(f"AppSecrets: recovery_window_days must be between {low} and {high}, "
                         f"got {s.recovery_window_days}")
    return s


class AppSecrets(pulumi.ComponentResource):
    """One Secrets Manager secret per application secret; services reference them by ARN.

    The values reach the provider only as Pulumi secrets, so they are encrypted in the state
    and masked in every output, log and offline plan.
    """

    secret_arns: pulumi.Output[dict[str, str]]
    """The ARN of each secret, by its name in `values`."""

    def __init__(self, name: str, args: AppSecretsArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        s = _settings(args)
        self._secret_arns: dict[str, pulumi.Output[str]] = {}
        for key in sorted(s.values):
            child = f"{name}-{key.replace('_', '-')}"
            # A deleted secret keeps its name for the recovery window (7..30 days), so a fixed
            # name would make a destroy-and-recreate fail; the provider appends a unique
            # suffix to the prefix at creation and keeps that name in the state afterwards.
            # https://docs.aws.amazon.com/secretsmanager/latest/userguide/manage_delete-secret.html
            secret = aws.secretsmanager.Secret(
                child,
                name_prefix=f"{s.name_prefix}/{key}-",
                description=f"forge-infra application secret {key}",
                kms_key_id=s.kms_key_arn,
                recovery_window_in_days=s.recovery_window_days,
                tags=resource_tags(child, TYPE_TOKEN, s.tags),
                opts=child_opts(self))
            aws.secretsmanager.SecretVersion(
                f"{child}-value",
                secret_id=secret.id,
                secret_string=pulumi.Output.secret(s.values[key]),
                opts=child_opts(self))
            self._secret_arns[key] = secret.arn
        self.secret_arns = pulumi.Output.all(**self._secret_arns).apply(dict)
        self.register_outputs({"secret_arns": self.secret_arns})

    def secret_arn(self, key: str) -> pulumi.Output[str]:
        """The ARN of the secret named `key` in `values` (KeyError for another name)."""
        return self._secret_arns[key]
