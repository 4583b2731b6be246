"""The Redis-protocol cache on Azure: Azure Managed Redis, private, TLS only.

Which service: Azure Managed Redis (AMR, ARM type Microsoft.Cache/redisEnterprise,
`pulumi_azure_native.redisenterprise` on the GA API 2025-07-01), not Azure Cache for Redis
(`redis.Redis`), which Microsoft retires in every tier (Enterprise and Enterprise Flash on
2027-03-31, Basic/Standard/Premium on 2028-09-30; `limits` names the sources). AMR is the
successor Microsoft points to, and the only Azure Redis offering not on a retirement clock.

What it creates:

* the cluster: a Balanced, Memory Optimized or Compute Optimized SKU (`limits.AMR_SKUS`;
  the retiring Enterprise SKUs are refused), minimum TLS 1.2, public network access disabled,
  high availability (a replica on a second node; zone redundant in regions with availability
  zones, https://learn.microsoft.com/azure/reliability/reliability-managed-redis) when asked,
  and Pulumi `protect` when asked;
* its one database ("default"): client protocol Encrypted (TLS; there is no plaintext port),
  port 10000, a clustering policy (EnterpriseCluster by default: one endpoint that any Redis
  client can use), an eviction policy and RDB persistence when asked;
* a private endpoint in the given subnet for the cluster's `redisEnterprise` sub-resource, and
  its private DNS zone group in the given `privatelink.redis.azure.net` zone, so the cluster's
  host name resolves to the endpoint's private IP inside the VNet;
* authentication, one knob (`auth_mode`):

  - "access-key" (default): the database's access keys are on, and the primary key is kept in
    the given Key Vault as a secret; `client_principal_ids` get Key Vault Secrets User on that
    secret alone. This is what the cache contract (`CacheOutputs.auth_token_secret_id`, "the
    secret holding the AUTH token (or access key) as its whole value") and the program expect:
    the services get `REDIS_AUTH_TOKEN` by reference and send it with AUTH, as on AWS and GCP.
  - "entra-id": access keys are disabled and `client_principal_ids` get the database's
    "default" access policy. Microsoft recommends Entra ID and disabling access keys
    (https://learn.microsoft.com/azure/redis/entra-for-authentication), but a client must then
    fetch an Entra token itself, refresh it before expiry and re-send AUTH (same page), which
    the platform's services do not do today. There is no AUTH secret: `auth_token_secret_id`
    is "", and a stack using this mode must not hand `REDIS_AUTH_TOKEN` to the services.
    Switching modes later disconnects every client (same page).
"""

import dataclasses
import re
from typing import Any, NotRequired, TypedDict

import pulumi
from pulumi_azure_native import authorization, redisenterprise

from forge_components.azure.limits import (
    AMR_ACCESS_POLICY,
    AMR_CLUSTER_NAME_MAX,
    AMR_CLUSTERING_POLICIES,
    AMR_DATABASE_NAME,
    AMR_DEFAULT_SKU,
    AMR_EVICTION_POLICIES,
    AMR_MINIMUM_TLS,
    AMR_PRIVATE_LINK_GROUP,
    AMR_RDB_FREQUENCIES,
    AMR_REFUSED_SKU_PREFIXES,
    AMR_SKUS,
    AMR_TLS_PORT,
    KEY_VAULT_SECRETS_USER,
)
from forge_components.azure.networking import private_endpoint
from forge_components.azure.secrets import whole_value_secret
from forge_components.common import child_opts

COMPONENT = "forge-azure:index:Cache"
#: The authentication modes (`CacheArgs.auth_mode`).
AUTH_MODES: tuple[str, ...] = ("access-key", "entra-id")
#: What azure-native's auto-naming appends to a name it generates ("-" and 7 characters).
AUTONAME_SUFFIX = 8
_CLUSTER_SUFFIX = "-redis"
_NAME = re.compile(r"[a-z]([a-z0-9]|-(?!-))*[a-z0-9]")


class CacheArgs(TypedDict):
    """Arguments of the Azure `Cache`. Defaults are safe: private, TLS only, no public
    network access."""

    resource_group_name: pulumi.Input[str]
    """The resource group of the cluster and its private endpoint. Required."""
    location: str
    """The Azure region, e.g. "westeurope". Required."""
    private_endpoint_subnet_id: pulumi.Input[str]
    """The subnet the private endpoint takes its IP from (`Networking`'s private-endpoint
    subnet). Required."""
    private_dns_zone_id: pulumi.Input[str]
    """The private DNS zone `privatelink.redis.azure.net` (its ARM id), linked to the VNet:
    the endpoint's DNS zone group registers the cluster's record in it. Required."""
    sku_name: NotRequired[str]
    """The AMR SKU, one of `limits.AMR_SKUS` (Balanced_*, MemoryOptimized_*,
    ComputeOptimized_*). Defaults to "Balanced_B0"."""
    high_availability: NotRequired[bool]
    """Replicate the data set to a second node (zone redundant in regions with zones), for
    prod; off, the data set is not replicated. Defaults to False."""
    clustering_policy: NotRequired[str]
    """EnterpriseCluster (one endpoint, any client), OSSCluster (cluster-aware clients only)
    or NoCluster; only NoCluster can be changed later. Defaults to "EnterpriseCluster"."""
    eviction_policy: NotRequired[str]
    """The eviction policy, one of `limits.AMR_EVICTION_POLICIES`. Defaults to
    "VolatileLRU"."""
    rdb_frequency: NotRequired[str | None]
    """RDB persistence snapshot frequency ("1h", "6h" or "12h"); None keeps no persistence.
    Defaults to None."""
    auth_mode: NotRequired[str]
    """"access-key" (the access key in Key Vault, `auth_token_secret_id` names it) or
    "entra-id" (access keys disabled, `client_principal_ids` get the "default" access policy,
    `auth_token_secret_id` is ""). Defaults to "access-key"."""
    key_vault_name: NotRequired[pulumi.Input[str]]
    """The Key Vault (Azure RBAC mode) the access key is stored in; required with
    "access-key", refused with "entra-id". Defaults to unset."""
    key_vault_resource_group_name: NotRequired[pulumi.Input[str]]
    """The Key Vault's resource group. Defaults to `resource_group_name`."""
    client_principal_ids: NotRequired[list[pulumi.Input[str]]]
    """Object ids of the clients' managed identities: Key Vault Secrets User on the access-key
    secret ("access-key") or the database's "default" access policy ("entra-id"). Defaults
    to [] (none)."""
    protect: NotRequired[bool]
    """Pulumi `protect` on the cluster and its database. Defaults to False."""
    tags: NotRequired[dict[str, str]]
    """Tags on every child that takes tags (plus `component`). Defaults to {}."""


@dataclasses.dataclass(frozen=True)
class _Settings:
    """`CacheArgs` with every default applied (the host passes a plain dict)."""

    resource_group_name: pulumi.Input[str]
    location: str
    private_endpoint_subnet_id: pulumi.Input[str]
    private_dns_zone_id: pulumi.Input[str]
    sku_name: str = AMR_DEFAULT_SKU
    high_availability: bool = False
    clustering_policy: str = "EnterpriseCluster"
    eviction_policy: str = "VolatileLRU"
    rdb_frequency: str | None = None
    auth_mode: str = "access-key"
    key_vault_name: pulumi.Input[str] | None = None
    key_vault_resource_group_name: pulumi.Input[str] | None = None
    client_principal_ids: list[pulumi.Input[str]] = dataclasses.field(default_factory=list)
    protect: bool = False
    tags: dict[str, str] = dataclasses.field(default_factory=dict)


def _fail(message: str) -> ValueError:
    return ValueError(f"Cache: {message}")


def validate_cache_args(name: str, args: CacheArgs) -> _Settings:
    """The args with defaults applied, checked; a ValueError names the field and what is
    allowed. Pure (no Pulumi calls)."""
    s = _Settings(**args)
    longest = AMR_CLUSTER_NAME_MAX - AUTONAME_SUFFIX - len(_CLUSTER_SUFFIX)
    if not _NAME.fullmatch(name) or len(name) > longest:
        raise _fail(f"name {name!r} must be lower-case letters, digits and single dashes (a "
                    f"letter first, no dash last), at most {longest} characters so that the "
                    f"cluster name fits AMR's {AMR_CLUSTER_NAME_MAX}")
    for prefix, why in AMR_REFUSED_SKU_PREFIXES.items():
        if s.sku_name.startswith(prefix):
            raise _fail(f"sku_name {s.sku_name!r} is {why}; use Azure Managed Redis "
                        "(Balanced_*, MemoryOptimized_* or ComputeOptimized_*)")
    if s.sku_name not in AMR_SKUS:
        raise _fail(f"sku_name {s.sku_name!r} is not an Azure Managed Redis SKU (Balanced_B0.."
                    "Balanced_B1000, MemoryOptimized_M10..M2000, ComputeOptimized_X3..X700)")
    if s.clustering_policy not in AMR_CLUSTERING_POLICIES:
        raise _fail(f"clustering_policy {s.clustering_policy!r} is not one of "
                    f"{list(AMR_CLUSTERING_POLICIES)}")
    if s.eviction_policy not in AMR_EVICTION_POLICIES:
        raise _fail(f"eviction_policy {s.eviction_policy!r} is not one of "
                    f"{list(AMR_EVICTION_POLICIES)}")
    if s.rdb_frequency is not None and s.rdb_frequency not in AMR_RDB_FREQUENCIES:
        raise _fail(f"rdb_frequency {s.rdb_frequency!r} is not one of "
                    f"{list(AMR_RDB_FREQUENCIES)} (or None for no persistence)")
    if s.auth_mode not in AUTH_MODES:
        raise _fail(f"auth_mode {s.auth_mode!r} is not one of {list(AUTH_MODES)}")
    if s.auth_mode == "access-key" and s.key_vault_name is None:
        raise _fail("auth_mode 'access-key' needs key_vault_name: the access key is kept in "
                    "Key Vault, never in plain outputs")
    if s.auth_mode == "entra-id" and (s.key_vault_name is not None
                                      or s.key_vault_resource_group_name is not None):
        raise _fail("auth_mode 'entra-id' stores no access key: key_vault_name and "
                    "key_vault_resource_group_name are refused with it")
    return s


def _tags(tags: dict[str, str]) -> dict[str, str]:
    return {**tags, "component": "forge-azure-cache"}


def _first_private_ip(configs: Any) -> str:
    """The private endpoint's first private IP (from its custom DNS configs)."""
    for config in configs or []:
        addresses = config.get("ip_addresses") if isinstance(config, dict) else (
            config.ip_addresses)
        if addresses:
            return str(addresses[0])
    return ""


class Cache(pulumi.ComponentResource):
    """Azure Managed Redis behind a private endpoint: TLS 1.2+ only, no public network access,
    high availability when asked, the access key in Key Vault (or Entra ID only)."""

    host: pulumi.Output[str]
    """The cluster's host name (`<name>.<region>.redis.azure.net`), resolving to the private
    endpoint's IP inside the VNet."""
    port: pulumi.Output[int]
    """The database's TLS port (10000)."""
    auth_token_secret_id: pulumi.Output[str]
    """The Key Vault secret (versionless URI) holding the access key as its whole value; ""
    with auth_mode "entra-id"."""
    cluster_id: pulumi.Output[str]
    """The cluster's ARM id."""
    cluster_name: pulumi.Output[str]
    """The cluster's name."""
    auth_mode: pulumi.Output[str]
    """"access-key" or "entra-id"."""
    private_endpoint_id: pulumi.Output[str]
    """The private endpoint's ARM id."""
    private_ip_address: pulumi.Output[str]
    """The private endpoint's IP in the subnet."""

    def __init__(self, name: str, args: CacheArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, opts)
        s = validate_cache_args(name, args)
        tags = _tags(s.tags)

        cluster = redisenterprise.RedisEnterprise(
            f"{name}{_CLUSTER_SUFFIX}",
            resource_group_name=s.resource_group_name,
            location=s.location,
            sku=redisenterprise.SkuArgs(name=s.sku_name),
            minimum_tls_version=AMR_MINIMUM_TLS,
            public_network_access="Disabled",
            high_availability="Enabled" if s.high_availability else "Disabled",
            tags=tags,
            opts=child_opts(self, protect=s.protect))
        persistence = (
            redisenterprise.PersistenceArgs(aof_enabled=False, rdb_enabled=False)
            if s.rdb_frequency is None else
            redisenterprise.PersistenceArgs(aof_enabled=False, rdb_enabled=True,
                                            rdb_frequency=s.rdb_frequency))
        database = redisenterprise.Database(
            f"{name}-db",
            resource_group_name=s.resource_group_name,
            cluster_name=cluster.name,
            database_name=AMR_DATABASE_NAME,
            client_protocol="Encrypted",
            port=AMR_TLS_PORT,
            clustering_policy=s.clustering_policy,
            eviction_policy=s.eviction_policy,
            persistence=persistence,
            access_keys_authentication=(
                "Enabled" if s.auth_mode == "access-key" else "Disabled"),
            opts=child_opts(self, protect=s.protect))

        endpoint = private_endpoint(
            self, f"{name}-pe", resource_group_name=s.resource_group_name, location=s.location,
            subnet_id=s.private_endpoint_subnet_id, target_id=cluster.id,
            group_id=AMR_PRIVATE_LINK_GROUP, connection_name=f"{name}-redis",
            dns_zone_id=s.private_dns_zone_id, dns_config_name="redis", tags=tags)

        secret_id: pulumi.Output[str] = pulumi.Output.from_input("")
        if s.auth_mode == "access-key":
            assert s.key_vault_name is not None
            keys = redisenterprise.list_database_keys_output(
                cluster_name=cluster.name,
                database_name=database.name,
                resource_group_name=s.resource_group_name,
                opts=pulumi.InvokeOutputOptions(parent=self))
            secret, secret_id = whole_value_secret(
                f"{name}-access-key",
                resource_group_name=(s.key_vault_resource_group_name
                                     or s.resource_group_name),
                vault_name=s.key_vault_name,
                secret_name=f"{name}-redis-access-key",
                value=keys.primary_key,
                tags=tags,
                opts=child_opts(self))
            if s.client_principal_ids:
                client = authorization.get_client_config_output(
                    opts=pulumi.InvokeOutputOptions(parent=self))
                role = client.subscription_id.apply(
                    lambda sub: f"/subscriptions/{sub}/providers/Microsoft.Authorization/"
                                f"roleDefinitions/{KEY_VAULT_SECRETS_USER}")
                for i, principal in enumerate(s.client_principal_ids):
                    authorization.RoleAssignment(
                        f"{name}-access-key-reader-{i + 1}",
                        scope=secret.id,
                        role_definition_id=role,
                        principal_id=principal,
                        principal_type="ServicePrincipal",
                        description=f"forge {name}: read the cache's access key",
                        opts=child_opts(self))
        else:
            for i, principal in enumerate(s.client_principal_ids):
                redisenterprise.AccessPolicyAssignment(
                    f"{name}-client-{i + 1}",
                    resource_group_name=s.resource_group_name,
                    cluster_name=cluster.name,
                    database_name=database.name,
                    access_policy_name=AMR_ACCESS_POLICY,
                    user=redisenterprise.AccessPolicyAssignmentPropertiesUserArgs(
                        object_id=principal),
                    opts=child_opts(self))

        self.host = cluster.host_name
        self.port = database.port.apply(lambda p: int(p or AMR_TLS_PORT))
        self.auth_token_secret_id = secret_id
        self.cluster_id = cluster.id
        self.cluster_name = cluster.name
        self.auth_mode = pulumi.Output.from_input(s.auth_mode)
        self.private_endpoint_id = endpoint.id
        self.private_ip_address = endpoint.custom_dns_configs.apply(_first_private_ip)
        self.register_outputs({
            "host": self.host,
            "port": self.port,
            "auth_token_secret_id": self.auth_token_secret_id,
            "cluster_id": self.cluster_id,
            "cluster_name": self.cluster_name,
            "auth_mode": self.auth_mode,
            "private_endpoint_id": self.private_endpoint_id,
            "private_ip_address": self.private_ip_address,
        })
