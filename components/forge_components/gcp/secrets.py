"""What every GCP component's Secret Manager secrets share, and the application's secrets.

`regional_replication` is the replication every secret of the components uses; `AppSecrets`
keeps the stack's `forge-infra:secrets` in Secret Manager.
"""

import dataclasses
import re
from typing import NotRequired, TypedDict

import pulumi
import pulumi_gcp as gcp

from forge_components.common import child_opts
from forge_components.gcp.labels import resource_labels
from forge_components.gcp.limits import SECRET_ID


def regional_replication(region: pulumi.Input[str]) -> gcp.secretmanager.SecretReplicationArgs:
    """User-managed replication with one replica in `region`: a secret's payload stays in the
    stack's region, beside the service it belongs to (Secret Manager's `automatic` policy would
    replicate it to any region; https://cloud.google.com/secret-manager/docs/choosing-replication)."""
    return gcp.secretmanager.SecretReplicationArgs(
        user_managed=gcp.secretmanager.SecretReplicationUserManagedArgs(
            replicas=[gcp.secretmanager.SecretReplicationUserManagedReplicaArgs(
                location=region)]))


COMPONENT = "forge-gcp:index:AppSecrets"


class AppSecretsArgs(TypedDict):
    """Inputs of the GCP `AppSecrets`."""

    region: str
    """The one region every secret's payload is replicated in. Required."""
    values: dict[str, pulumi.Input[str]]
    """Secret name -> value; values are wrapped as Pulumi secrets before use. Each name (a
    lower-case letter, then lower-case letters, digits or `_`) becomes the secret id
    `<name_prefix>-<name with _ as ->`. Required."""
    name_prefix: NotRequired[str]
    """The prefix of the secret ids. Defaults to "forge"."""
    labels: NotRequired[dict[str, str]]
    """Labels on every secret (lower-case keys and values). Defaults to {}."""


@dataclasses.dataclass(frozen=True)
class _Settings:
    """`AppSecretsArgs` with every default applied (the host passes a plain dict)."""

    region: str
    values: dict[str, pulumi.Input[str]]
    name_prefix: str = "forge"
    labels: dict[str, str] = dataclasses.field(default_factory=dict)


_NAME = re.compile(r"[a-z][a-z0-9_]*")


def validate_app_secrets_args(args: AppSecretsArgs) -> _Settings:
    """The args with defaults applied, checked; a ValueError names the field and what is
    allowed. Pure (no Pulumi calls)."""
    s = _Settings(**args)
    bad = sorted(k for k in s.values if not _NAME.fullmatch(k))
    if bad:
        raise ValueError(f"AppSecrets: names {bad} must be a lower-case letter, then lower-case "
                         "letters, digits or '_'")
    for key in s.values:
        secret_id = secret_id_of(s.name_prefix, key)
        if not SECRET_ID.fullmatch(secret_id):
            raise ValueError(f"AppSecrets: {secret_id!r} is not a Secret Manager secret id "
                             "(1-255 letters, digits, '_' or '-')")
    resource_labels(COMPONENT, s.labels)
    return s


def secret_id_of(prefix: str, key: str) -> str:
    """The Secret Manager secret id of application secret `key`."""
    return f"{prefix}-{key.replace('_', '-')}"


class AppSecrets(pulumi.ComponentResource):
    """One Secret Manager secret per application secret, replicated in one region; services
    reference them by resource name (their whole value), never by value.

    The values reach the provider only as Pulumi secrets, so they are encrypted in the state
    and masked in every output, log and offline plan. Nobody is granted access here: the
    Compute component grants `roles/secretmanager.secretAccessor` on exactly the secrets each
    service references.
    """

    secret_ids: pulumi.Output[dict[str, str]]
    """Each application secret's resource name (`projects/<project>/secrets/<id>`), by name."""

    def __init__(self, name: str, args: AppSecretsArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, opts)
        s = validate_app_secrets_args(args)
        ids: dict[str, pulumi.Output[str]] = {}
        for key, value in sorted(s.values.items()):
            secret = gcp.secretmanager.Secret(
                f"{name}-{key}",
                secret_id=secret_id_of(s.name_prefix, key),
                replication=regional_replication(s.region),
                labels=resource_labels(COMPONENT, s.labels),
                opts=child_opts(self))
            gcp.secretmanager.SecretVersion(
                f"{name}-{key}",
                secret=secret.id,
                secret_data=pulumi.Output.secret(value),
                opts=child_opts(self))
            ids[key] = secret.id
        self.secret_ids = pulumi.Output.all(**ids).apply(dict)
        self.register_outputs({"secret_ids": self.secret_ids})
