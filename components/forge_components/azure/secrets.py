"""Key Vault secrets whose whole value a runtime reads (Container Apps reads a secret whole).

`whole_value_secret` is the one way the Azure components and target keep a generated value
(a Redis access key, an Event Hubs connection string, an app secret) in Key Vault: the value
goes in as a secret output, `properties` (which carries it back) is marked secret, and the
secret's URI, the reference the services receive, comes out unmarked since it is no secret.
"""

from typing import NamedTuple

import pulumi
from pulumi_azure_native import keyvault


class WholeValueSecret(NamedTuple):
    """A Key Vault secret and the URI the services reference it by."""

    resource: keyvault.Secret
    """The secret (the scope of its readers' role assignments)."""
    uri: pulumi.Output[str]
    """Its URI, unmarked: a reference, not the value."""


def whole_value_secret(name: str, *, resource_group_name: pulumi.Input[str],
                       vault_name: pulumi.Input[str], secret_name: str,
                       value: pulumi.Input[str], tags: dict[str, str],
                       opts: pulumi.ResourceOptions) -> WholeValueSecret:
    """Declare the Key Vault secret `name` holding `value` as plain text, with its URI."""
    secret = keyvault.Secret(
        name,
        resource_group_name=resource_group_name,
        vault_name=vault_name,
        secret_name=secret_name,
        properties=keyvault.SecretPropertiesArgs(
            value=pulumi.Output.secret(value), content_type="text/plain"),
        tags=tags,
        opts=pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(additional_secret_outputs=["properties"])))
    # The URI is no secret, but `properties` carried the value in: unmark it.
    return WholeValueSecret(
        secret, pulumi.Output.unsecret(secret.properties.apply(lambda p: str(p.secret_uri))))
