"""The `cloud: azure` branch of the stack configuration: `AzureSettings`.

Its sections are flat `forge-infra:` keys of an Azure stack file (`forge-infra:network`,
`forge-infra:database`, `forge-infra:cache`, `forge-infra:streaming`, `forge-infra:storage`,
`forge-infra:cdn`) plus the provider's own namespace (`azure-native:location`, and the
`azure-native:` provider settings such as `subscriptionId`, which the provider reads from the
stack itself in a real run). Choices and bounds come from `forge_components.azure.limits`, the
module the components check their args against, so a value accepted here never fails inside a
component. Imports no cloud SDK.
"""

from __future__ import annotations

import datetime
import ipaddress
import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Literal, cast

from pydantic import Field, field_validator

from forge_components.azure.limits import (
    AMR_RDB_FREQUENCIES,
    AMR_REFUSED_SKU_PREFIXES,
    AMR_SKUS,
    BACKUP_RETENTION_DAYS,
    BLOB_SOFT_DELETE_DAYS,
    BUDGET_MAX_NOTIFICATIONS,
    BUDGET_THRESHOLD_PERCENT,
    CONTAINER_APP_NAME,
    CONTAINER_APP_NAME_MAX,
    CONTAINER_APPS_MAX_REPLICAS,
    CONTAINER_APPS_MIN_PREFIX,
    DEFAULT_POSTGRES_MAJOR,
    EVENTHUB_CAPACITIES,
    EVENTHUB_MAX_HUBS,
    EVENTHUB_MAX_PARTITIONS,
    EVENTHUB_MAX_RETENTION_DAYS,
    EVENTHUB_NAME,
    EVENTHUB_REFUSED_SKUS,
    EVENTHUB_SKUS,
    FRONT_DOOR_SKUS,
    GEO_REDUNDANT_STORAGE_SKUS,
    KEY_VAULT_NAME,
    NAT_IDLE_TIMEOUT_MINUTES,
    PAIRED_REGIONS,
    POSTGRES_END_OF_STANDARD_SUPPORT,
    POSTGRES_MAJORS,
    REGIONS,
    REGIONS_WITH_ZONES,
    RESOURCE_GROUP_NAME,
    SKU_TIERS,
    STORAGE_SIZES_GB,
    STORAGE_SKUS,
    STORAGE_SKUS_WITHOUT_ARCHIVE,
    TIER_MINIMUM_DAYS,
    container_apps_size_problem,
)
from forge_components.common import standard_tag_keys
from forge_infra.model.config import (
    NAMESPACE,
    NEUTRAL_SECRET_REF,
    CloudSettings,
    DrMode,
    Rule,
    StackConfig,
    Strict,
    decode_secure,
    describe,
    dotted,
    policy_rule,
    problem,
)

#: The azure-native provider's own settings a stack may set under `azure-native:` besides
#: `location` (the provider reads them from the stack's config in a real run). Source: the
#: arguments of pulumi_azure_native 3.x `Provider` (provider.py), in the config's camelCase.
AZURE_PROVIDER_SETTINGS = frozenset({
    "auxiliaryTenantIds", "clientCertificatePassword", "clientCertificatePath", "clientId",
    "clientSecret", "disableInstanceDiscovery", "disablePulumiPartnerId", "environment",
    "metadataHost", "msiEndpoint", "oidcRequestToken", "oidcRequestUrl", "oidcToken",
    "oidcTokenFilePath", "partnerId", "subscriptionId", "tenantId",
    "useDefaultAzureCredential", "useMsi", "useOidc",
})
#: A GUID as Entra ID and Azure subscriptions spell them.
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
#: A Key Vault secret reference a service may name: the secret's URI, without a version
#: (Container Apps then follows the newest version). Source:
#: https://learn.microsoft.com/azure/container-apps/manage-secrets ("Reference secret from Key
#: Vault": `https://<vault>.vault.azure.net/secrets/<name>`).
KEY_VAULT_SECRET_URI = re.compile(
    r"^https://[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]\.vault\.azure\.net/secrets/"
    r"[0-9a-zA-Z-]{1,127}$")
#: The days of blob and container soft delete prod keeps at least: a week to notice a
#: deletion (the storage default).
PROD_MIN_SOFT_DELETE_DAYS = 7
#: An Azure DNS zone name.
DNS_ZONE_NAME = re.compile(r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
#: A placeholder GUID: all zeros (the shipped stack files' Entra administrator).
PLACEHOLDER_GUID = "00000000-0000-0000-0000-000000000000"


def front_door_sku(tier: str) -> str:
    """The Front Door SKU of a tier (`Premium` -> `Premium_AzureFrontDoor`)."""
    return f"{tier}_AzureFrontDoor"


def _private_cidr(value: str) -> str:
    try:
        network = ipaddress.IPv4Network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"not a valid IPv4 network CIDR ({exc})") from None
    if not network.is_private:
        raise ValueError("must be a private (RFC 1918) range")
    return value


class NetworkSettings(Strict):
    """The resource group, the VNet and its subnets."""

    resource_group: str | None = None
    """An existing resource group to deploy into; unset creates one named
    `<app>-<stack>-network-rg` plus a random suffix."""
    address_space: str = "10.30.0.0/16"
    """The VNet's address space (private, RFC 1918)."""
    apps_subnet: str = "10.30.0.0/23"
    """The Container Apps environment's subnet, delegated to Microsoft.App/environments: a /27
    or larger, fixed once the environment exists."""
    database_subnet: str = "10.30.2.0/26"
    """The PostgreSQL flexible server's delegated subnet."""
    private_endpoints_subnet: str = "10.30.3.0/26"
    """The private endpoints' subnet (Key Vault, Managed Redis, Blob storage, Event Hubs)."""
    nat_idle_timeout_minutes: int = Field(default=4, ge=NAT_IDLE_TIMEOUT_MINUTES[0],
                                          le=NAT_IDLE_TIMEOUT_MINUTES[1])
    """The NAT gateway's TCP idle timeout, minutes."""
    flow_logs_retention_days: int = Field(default=30, ge=0, le=365)
    """Days the VNet flow logs are kept in the storage account (0 keeps them forever)."""

    @field_validator("address_space", "apps_subnet", "database_subnet",
                     "private_endpoints_subnet")
    @classmethod
    def _cidr(cls, value: str) -> str:
        return _private_cidr(value)

    @field_validator("resource_group")
    @classmethod
    def _group_name(cls, value: str | None) -> str | None:
        if value is not None and not RESOURCE_GROUP_NAME.fullmatch(value):
            raise ValueError("not a resource group name: 1-90 letters, digits, '-', '_', '.', "
                             "'(' or ')', not ending with '.'")
        return value


class EntraAdminSettings(Strict):
    """The flexible server's Microsoft Entra administrator (who creates the services' roles)."""

    object_id: str = Field(pattern=GUID.pattern, json_schema_extra={
        "pattern_help": "a GUID (the group's, user's or service principal's object id)"})
    """The principal's object id (`az ad group show --group NAME --query id`)."""
    principal_name: str = Field(min_length=1, max_length=256)
    """Its display name (a group's or service principal's name, or a user's UPN)."""
    principal_type: Literal["group", "user", "servicePrincipal"] = "group"
    """`group` (operators), `user` or `servicePrincipal`."""


class DatabaseSettings(Strict):
    """PostgreSQL: Azure Database for PostgreSQL flexible server, private access only."""

    version: str = DEFAULT_POSTGRES_MAJOR
    """The PostgreSQL major: one of the versions table's majors in standard support today
    (forge_components.azure.limits.POSTGRES_END_OF_STANDARD_SUPPORT)."""
    sku_tier: Literal["Burstable", "GeneralPurpose", "MemoryOptimized"] = "GeneralPurpose"
    """The compute tier; zone-redundant HA is not offered on Burstable."""
    sku_name: str = "Standard_D2ds_v5"
    """A compute size of that tier: Burstable Standard_B*ms/s, GeneralPurpose Standard_D*ds_v*,
    MemoryOptimized Standard_E*ds_v*."""
    storage_gb: int = 32
    """Premium SSD size, GiB: 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384 or 32767
    (grows automatically)."""
    backup_retention_days: int = Field(default=7, ge=BACKUP_RETENTION_DAYS[0],
                                       le=BACKUP_RETENTION_DAYS[1])
    """Days of backups and point-in-time restore (7..35)."""
    geo_redundant_backup: bool = False
    """Backups copied to the paired region (required in prod); chosen at creation only."""
    high_availability: bool = False
    """Zone-redundant HA: a standby in another zone (required in prod; not on Burstable)."""
    timescaledb: bool = False
    """Allow-list and preload TimescaleDB (Apache-2 edition) through the server parameters
    `azure.extensions` and `shared_preload_libraries`."""
    delete_lock: bool = False
    """A CanNotDelete lock on the server and its Key Vault (required in prod)."""
    name: str = Field(default="forge", pattern=r"^[a-z][a-z0-9_]{0,62}$")
    """The application database's name."""
    admin_username: str = Field(default="forge_admin", pattern=r"^[a-z][a-z0-9_]{0,62}$")
    """The password administrator's login (its password is generated and kept in Key Vault)."""
    app_username: str = Field(default="forge_app", pattern=r"^[a-z][a-z0-9_]{0,62}$")
    """The role the services log in as with Entra ID."""
    entra_admin: EntraAdminSettings
    """The server's Microsoft Entra administrator: `object_id`, `principal_name`,
    `principal_type` (required)."""
    key_vault_name: str | None = None
    """The Key Vault of the database's administrator credentials, the cache's access key and
    the app's secrets: 3-24 letters, digits and dashes, unique across Azure. Unset:
    `<app>-<stack>-kv` (shortened to 24 characters)."""

    @field_validator("key_vault_name")
    @classmethod
    def _vault_name(cls, value: str | None) -> str | None:
        if value is not None and not KEY_VAULT_NAME.fullmatch(value):
            raise ValueError("a Key Vault name is 3-24 letters, digits and dashes, a letter "
                             "first, no '--', not ending with a dash")
        return value

    @field_validator("storage_gb")
    @classmethod
    def _storage(cls, value: int) -> int:
        if value not in STORAGE_SIZES_GB:
            raise ValueError(f"flexible server offers {', '.join(map(str, STORAGE_SIZES_GB))} GiB")
        return value


class CacheSettings(Strict):
    """Azure Managed Redis (not the retiring Azure Cache for Redis)."""

    sku: str = "Balanced_B0"
    """An Azure Managed Redis SKU: Balanced_B0..B1000, MemoryOptimized_M10..M2000 or
    ComputeOptimized_X3..X700."""
    high_availability: bool = False
    """A replica on a second node, zone-redundant where the region has zones (required in
    prod)."""
    persistence: str | None = None
    """RDB snapshot frequency: 1h, 6h or 12h; unset keeps no persistence."""

    @field_validator("sku")
    @classmethod
    def _sku(cls, value: str) -> str:
        for prefix, why in AMR_REFUSED_SKU_PREFIXES.items():
            if value.startswith(prefix):
                raise ValueError(f"{value} is {why}; use an Azure Managed Redis SKU such as "
                                 "Balanced_B0")
        if value not in AMR_SKUS:
            raise ValueError(f"not an Azure Managed Redis SKU; allowed: {', '.join(AMR_SKUS)}")
        return value

    @field_validator("persistence")
    @classmethod
    def _frequency(cls, value: str | None) -> str | None:
        if value is not None and value not in AMR_RDB_FREQUENCIES:
            raise ValueError(f"allowed: {', '.join(AMR_RDB_FREQUENCIES)} (or unset: no "
                             "persistence)")
        return value


class StreamingSettings(Strict):
    """The Kafka-compatible event stream: an Event Hubs namespace's Kafka endpoint, or none."""

    engine: Literal["eventhubs", "none"] = "eventhubs"
    """`eventhubs` (an Event Hubs namespace, Kafka endpoint on 9093, the services log in with
    their managed identities) or `none`."""
    sku: str = "Standard"
    """The namespace's tier: Standard or Premium (Basic has no Kafka endpoint)."""
    capacity: int = Field(default=1, ge=1)
    """Throughput units (Standard, 1..20) or processing units (Premium: 1, 2, 4 or 8)."""
    topics: tuple[str, ...] = ("events",)
    """The event hubs (Kafka topics) to create (Standard: 10 at most)."""
    partitions: int = Field(default=2, ge=1)
    """Partitions per topic (Standard 32 at most, Premium 100); fixed once created on
    Standard."""
    retention_days: int = Field(default=1, ge=1)
    """Days an event is kept (Standard 7 at most, Premium 90)."""

    @field_validator("sku")
    @classmethod
    def _kafka_tier(cls, value: str) -> str:
        if value in EVENTHUB_REFUSED_SKUS:
            raise ValueError(f"{EVENTHUB_REFUSED_SKUS[value]}; allowed: "
                             f"{', '.join(EVENTHUB_SKUS)}")
        if value not in EVENTHUB_SKUS:
            raise ValueError(f"allowed: {', '.join(EVENTHUB_SKUS)}")
        return value

    @field_validator("topics")
    @classmethod
    def _topic_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [t for t in value if not EVENTHUB_NAME.fullmatch(t)]
        if bad:
            raise ValueError(f"{bad}: an event hub name is 1-256 letters, digits, '.', '_' or "
                             "'-', a letter or digit first and last")
        repeated = sorted({t for t in value if value.count(t) > 1})
        if repeated:
            raise ValueError(f"repeats {repeated}")
        return value


class StorageSettings(Strict):
    """The storage account and its reports, exports and backups containers."""

    sku: str = "Standard_LRS"
    """The redundancy SKU: Standard_LRS, Standard_GRS, Standard_RAGRS, Standard_ZRS,
    Standard_GZRS or Standard_RAGZRS (the zone-redundant ones take no Archive tier)."""
    soft_delete_days: int = Field(default=7, ge=BLOB_SOFT_DELETE_DAYS[0],
                                  le=BLOB_SOFT_DELETE_DAYS[1])
    """Days a deleted or overwritten blob stays recoverable (prod: at least 7)."""
    container_soft_delete_days: int = Field(default=7, ge=BLOB_SOFT_DELETE_DAYS[0],
                                            le=BLOB_SOFT_DELETE_DAYS[1])
    """Days a deleted container stays recoverable (prod: at least 7)."""
    cool_after_days: int = Field(default=30, ge=1, le=3650)
    """Days after the last change before a blob moves to Cool."""
    archive_after_days: int = Field(default=180, ge=1, le=3650)
    """Days before a backups blob moves on to Archive (never the app-read reports and
    exports)."""
    noncurrent_version_expiration_days: int = Field(default=90, ge=1, le=3650)
    """Days before a previous blob version is deleted."""

    @field_validator("sku")
    @classmethod
    def _sku(cls, value: str) -> str:
        if value not in STORAGE_SKUS:
            raise ValueError(f"allowed: {', '.join(STORAGE_SKUS)}")
        return value


class CdnSettings(Strict):
    """Azure Front Door (Standard or Premium) in front of the app."""

    enabled: bool = False
    """Put Front Door in front of the app's public services (required in prod)."""
    tier: str = "Standard"
    """`Standard`, or `Premium`, which always puts a WAF policy with Microsoft's managed rule
    sets (Prevention mode) on the endpoint and every custom domain (required in prod)."""
    dns_zone: str | None = None
    """The Azure DNS zone that holds `app.domain`: Front Door's validation TXT and CNAME
    records are written there. Unset: create them by hand where the domain's DNS lives."""
    dns_zone_resource_group: str | None = None
    """The DNS zone's resource group (required with dns_zone)."""

    @field_validator("tier")
    @classmethod
    def _tier(cls, value: str) -> str:
        if front_door_sku(value) not in FRONT_DOOR_SKUS:
            raise ValueError("allowed: " + ", ".join(
                sku.removesuffix("_AzureFrontDoor") for sku in FRONT_DOOR_SKUS))
        return value

    @field_validator("dns_zone")
    @classmethod
    def _zone_name(cls, value: str | None) -> str | None:
        if value is not None and not DNS_ZONE_NAME.fullmatch(value):
            raise ValueError("must be a lower-case DNS zone name such as example.com")
        return value


class AzureSettings(CloudSettings):
    """Everything an Azure stack sets besides the neutral keys (`cloud: azure`)."""

    internal_fields: ClassVar[frozenset[str]] = frozenset({"cloud", "location",
                                                           "azure_provider"})
    #: The provider's credentials: set them with `pulumi config set --secret`, never in plain
    #: text in the stack file.
    secret_keys: ClassVar[frozenset[str]] = frozenset({
        "azure-native:clientSecret", "azure-native:clientCertificatePassword",
        "azure-native:oidcToken", "azure-native:oidcRequestToken"})
    #: `forge-infra:dr` on Azure: PostgreSQL's geo-redundant backups and the storage
    #: account's geo-replication to the location's paired region (`backup`), plus a VNet there
    #: ready for the geo-restore (`pilot_light`); docs/DISASTER_RECOVERY.md, "Azure".
    dr_modes: ClassVar[tuple[str, ...]] = ("backup", "pilot_light")

    cloud: Literal["azure"]
    location: str = Field(pattern=r"^[a-z][a-z0-9]{2,30}$")
    """`azure-native:location`: the region of every regional resource (e.g. `westeurope`),
    one of forge_components.azure.limits.REGIONS."""
    azure_provider: dict[str, Any] = {}
    """The stack's other `azure-native:` settings (subscriptionId, tenantId, useOidc, ...),
    which the provider reads from the stack's config."""
    network: NetworkSettings = NetworkSettings()
    """The resource group, the VNet and its subnets."""
    database: DatabaseSettings
    """PostgreSQL flexible server (required: its Entra administrator)."""
    cache: CacheSettings = CacheSettings()
    """Azure Managed Redis."""
    streaming: StreamingSettings = StreamingSettings()
    """Event Hubs' Kafka endpoint, or none."""
    storage: StorageSettings = StorageSettings()
    """The storage account."""
    cdn: CdnSettings = CdnSettings()
    """Azure Front Door."""

    def region_name(self) -> str:
        """The stack's Azure location."""
        return self.location

    def api_is_public(self) -> bool:
        """The api keeps internal ingress: it is reached through the gateway."""
        return False

    def cdn_enabled(self) -> bool:
        """Whether Front Door fronts the app's domain."""
        return self.cdn.enabled

    @classmethod
    def from_provider_config(cls, namespace: str, values: Mapping[str, Any],
                             ) -> tuple[dict[str, Any], list[str]]:
        """`azure-native:location` -> location; the other provider settings ->
        azure_provider."""
        raw: dict[str, Any] = {}
        problems: list[str] = []
        provider: dict[str, Any] = {}
        for key, value in values.items():
            full_key = f"{namespace}:{key}"
            if key == "location":
                raw["location"] = value
            elif key not in AZURE_PROVIDER_SETTINGS:
                problems.append(f"{full_key}: not an azure-native provider setting; allowed: "
                                f"location, {', '.join(sorted(AZURE_PROVIDER_SETTINGS))}")
            else:
                provider[key] = decode_secure(value, full_key)
        if provider:
            raw["azure_provider"] = provider
        return raw, problems

    @classmethod
    def key_path(cls, loc: Sequence[str]) -> str:
        """`location` is `azure-native:location`; everything else lives under
        `forge-infra:`."""
        if loc and loc[0] == "location":
            return "azure-native:location"
        if loc and loc[0] == "azure_provider":
            return f"azure-native:{dotted(loc[1:])}"
        return f"{NAMESPACE}:{dotted(loc)}"

    @classmethod
    def rules(cls) -> Sequence[Rule]:
        """The Azure rules across keys, each with the sections it reads."""
        return AZURE_RULES

    def warnings(self, config: StackConfig) -> list[str]:
        """Placeholder values the stack file still holds (plan warnings)."""
        return placeholder_warnings(config)


def _azure(config: StackConfig) -> AzureSettings:
    return cast(AzureSettings, config.target)


def key_vault_name(config: StackConfig) -> str:
    """The stack's Key Vault name: `database.key_vault_name`, or `<app>-<stack>-kv` cut to
    the 24 characters a vault name may have (without a trailing dash)."""
    given = _azure(config).database.key_vault_name
    if given is not None:
        return given
    prefix = config.resource_prefix[:21].rstrip("-")
    return f"{prefix}-kv"


def dr_enabled(config: StackConfig) -> bool:
    """Whether `forge-infra:dr` copies the stack's data to the paired region."""
    return config.dr.mode is not DrMode.NONE


def geo_redundant_backup(config: StackConfig) -> bool:
    """`database.geo_redundant_backup` as written, else on with `forge-infra:dr` (the
    database's copy in the paired region), else off."""
    db = _azure(config).database
    if "geo_redundant_backup" in db.model_fields_set:
        return db.geo_redundant_backup
    return dr_enabled(config) or db.geo_redundant_backup


#: The storage account's redundancy with `forge-infra:dr` when `storage.sku` is not written:
#: geo-redundant, copied asynchronously to the paired region.
DR_DEFAULT_STORAGE_SKU = "Standard_GRS"


def storage_sku(config: StackConfig) -> str:
    """`storage.sku` as written, else Standard_GRS with `forge-infra:dr`, else the default."""
    st = _azure(config).storage
    if "sku" in st.model_fields_set or not dr_enabled(config):
        return st.sku
    return DR_DEFAULT_STORAGE_SKU


# -- rules across keys ----------------------------------------------------------------------


def _location_rules(config: StackConfig) -> list[str]:
    location = _azure(config).location
    if location in REGIONS:
        return []
    return [f"azure-native:location: got {location!r}; not a public Azure region this project "
            f"deploys to; allowed (forge_components.azure.limits.REGIONS, from "
            f"https://learn.microsoft.com/azure/reliability/regions-list): "
            f"{', '.join(sorted(REGIONS))}"]


def _network_rules(config: StackConfig) -> list[str]:
    net = _azure(config).network
    space = ipaddress.IPv4Network(net.address_space)
    subnets = {key: ipaddress.IPv4Network(getattr(net, key))
               for key in ("apps_subnet", "database_subnet", "private_endpoints_subnet")}
    problems = []
    for key, subnet in subnets.items():
        if not subnet.subnet_of(space):
            problems.append(problem(f"network.{key}", f"{subnet} is not inside "
                                    f"network.address_space {space}"))
    keys = list(subnets)
    for i, first in enumerate(keys):
        for second in keys[i + 1:]:
            if subnets[first].overlaps(subnets[second]):
                problems.append(problem(f"network.{second}", f"{subnets[second]} overlaps "
                                        f"network.{first} {subnets[first]}"))
    if subnets["apps_subnet"].prefixlen > CONTAINER_APPS_MIN_PREFIX:
        problems.append(problem("network.apps_subnet", f"{subnets['apps_subnet']} is smaller "
                                f"than the /{CONTAINER_APPS_MIN_PREFIX} a Container Apps "
                                "workload-profiles environment needs"))
    return problems


def _postgres_version_problem(version: str, today: datetime.date) -> str | None:
    end = POSTGRES_END_OF_STANDARD_SUPPORT.get(version)
    allowed = ", ".join(v for v in POSTGRES_MAJORS
                        if v in POSTGRES_END_OF_STANDARD_SUPPORT
                        and datetime.date.fromisoformat(POSTGRES_END_OF_STANDARD_SUPPORT[v])
                        >= today)
    if end is None or version not in POSTGRES_MAJORS:
        return (f"got {describe(version)}; not a PostgreSQL major this project builds on "
                f"flexible server; allowed: {allowed}")
    if datetime.date.fromisoformat(end) < today:
        return (f"got {version!r}, whose standard support ended on {end} (Azure then bills "
                f"extended support); allowed: {allowed}")
    return None


def _database_rules(config: StackConfig) -> list[str]:
    azure = _azure(config)
    db = azure.database
    problems = []
    refusal = _postgres_version_problem(db.version, datetime.date.today())
    if refusal:
        problems.append(problem("database.version", refusal))
    if not SKU_TIERS[db.sku_tier].fullmatch(db.sku_name):
        problems.append(problem("database.sku_name", f"got {db.sku_name!r}, not a {db.sku_tier} "
                                "size; allowed: Burstable Standard_B*ms or Standard_B*s (e.g. "
                                "Standard_B1ms), GeneralPurpose Standard_D*ds_v* (e.g. "
                                "Standard_D2ds_v5), MemoryOptimized Standard_E*ds_v* (e.g. "
                                "Standard_E2ds_v5)"))
    if db.high_availability and db.sku_tier == "Burstable":
        problems.append(problem("database.high_availability", "zone-redundant HA is not "
                                "offered on the Burstable tier; set database.sku_tier to "
                                "GeneralPurpose or MemoryOptimized"))
    if db.high_availability and azure.location in REGIONS and (
            azure.location not in REGIONS_WITH_ZONES):
        problems.append(problem("database.high_availability", f"{azure.location} has no "
                                "availability zones, so zone-redundant HA is impossible there; "
                                f"regions with zones: {', '.join(sorted(REGIONS_WITH_ZONES))}"))
    if db.app_username == db.admin_username:
        problems.append(problem("database.app_username", f"got {db.app_username!r}, the "
                                "administrator's name; the services never log in as the "
                                "administrator: choose another role name"))
    for key in ("admin_username", "app_username"):
        value = getattr(db, key)
        if value.startswith(("pg_", "azure")) or value in (
                "postgres", "admin", "administrator", "root", "guest", "public"):
            problems.append(problem(f"database.{key}", f"got {value!r}; flexible server "
                                    "reserves postgres, admin, administrator, root, guest, "
                                    "public and names starting with pg_ or azure"))
    return problems


def _streaming_rules(config: StackConfig) -> list[str]:
    stream = _azure(config).streaming
    problems: list[str] = []
    if stream.engine == "none":
        return problems
    sku = stream.sku
    capacities = EVENTHUB_CAPACITIES[sku]
    if stream.capacity not in capacities:
        problems.append(problem("streaming.capacity", f"got {stream.capacity}; a {sku} "
                                f"namespace takes {capacities[0]}..{capacities[-1]} units"
                                if sku == "Standard" else
                                f"got {stream.capacity}; a {sku} namespace takes "
                                f"{', '.join(map(str, capacities))} processing units"))
    for key, limit in (("partitions", EVENTHUB_MAX_PARTITIONS[sku]),
                       ("retention_days", EVENTHUB_MAX_RETENTION_DAYS[sku])):
        if getattr(stream, key) > limit:
            problems.append(problem(f"streaming.{key}", f"got {getattr(stream, key)}; a {sku} "
                                    f"namespace allows at most {limit}"))
    if not stream.topics:
        problems.append(problem("streaming.topics", "is empty; list at least one topic (or "
                                "set streaming.engine: none)"))
    elif len(stream.topics) > EVENTHUB_MAX_HUBS[sku]:
        problems.append(problem("streaming.topics", f"lists {len(stream.topics)}; a {sku} "
                                f"namespace holds at most {EVENTHUB_MAX_HUBS[sku]} event hubs"))
    return problems


def _storage_rules(config: StackConfig) -> list[str]:
    st = _azure(config).storage
    problems = []
    if st.sku in STORAGE_SKUS_WITHOUT_ARCHIVE:
        problems.append(problem("storage.sku", f"got {st.sku}; the backups container moves to "
                                "Archive, which zone-redundant accounts (ZRS, GZRS, RA-GZRS) do "
                                "not offer; use Standard_LRS, Standard_GRS or Standard_RAGRS"))
    least = st.cool_after_days + TIER_MINIMUM_DAYS["Cool"]
    if st.archive_after_days < least:
        problems.append(problem("storage.archive_after_days", f"got {st.archive_after_days}; "
                                f"a blob stays in Cool at least {TIER_MINIMUM_DAYS['Cool']} days "
                                f"(storage.cool_after_days {st.cool_after_days} + 30): set at "
                                f"least {least}"))
    return problems


def _cdn_rules(config: StackConfig) -> list[str]:
    cdn = _azure(config).cdn
    problems = []
    if cdn.enabled and not config.app.domain:
        problems.append(problem("cdn.enabled", "Front Door serves app.domain as its custom "
                                "domain (managed certificate): set app.domain"))
    if config.app.domain and not cdn.enabled:
        problems.append(problem("app.domain", f"{config.app.domain} would be served by nothing: "
                                "on Azure the app's domain is Front Door's custom domain (the "
                                "container apps answer on their own azurecontainerapps.io "
                                "names); set cdn.enabled: true or remove app.domain"))
    if (cdn.dns_zone is None) != (cdn.dns_zone_resource_group is None):
        problems.append(problem("cdn.dns_zone_resource_group", "cdn.dns_zone and "
                                "cdn.dns_zone_resource_group go together"))
    domain = config.app.domain
    if cdn.dns_zone is not None and domain is not None and not (
            domain == cdn.dns_zone or domain.endswith(f".{cdn.dns_zone}")):
        problems.append(problem("cdn.dns_zone", f"{cdn.dns_zone} does not hold app.domain "
                                f"{domain}"))
    if cdn.dns_zone is not None and domain == cdn.dns_zone:
        problems.append(problem("cdn.dns_zone", f"app.domain {domain} is the zone's apex, "
                                "which cannot carry Front Door's CNAME; use the parent zone "
                                "or serve a subdomain"))
    return problems


def _service_size_rules(config: StackConfig) -> list[str]:
    problems = []
    for name, svc in config.services.items():
        refusal = container_apps_size_problem(svc.cpu_millicores, svc.memory)
        if refusal:
            problems.append(problem(f"services.{name}.cpu", refusal))
        scaling = svc.autoscaling
        if scaling is not None and scaling.max > CONTAINER_APPS_MAX_REPLICAS:
            problems.append(problem(f"services.{name}.autoscaling.max", f"got {scaling.max}; "
                                    f"a container app scales to {CONTAINER_APPS_MAX_REPLICAS} "
                                    "replicas at most"))
    return problems


def _derived_name_rules(config: StackConfig) -> list[str]:
    """The container apps and the migration job are named `<app>-<stack>-<service>` and
    `<app>-<stack>-migrate`: each a Container Apps name."""
    prefix = config.resource_prefix
    problems = []
    for suffix in (*(n for n, _ in config.services.items()), "migrate"):
        name = f"{prefix}-{suffix}"
        if len(name) > CONTAINER_APP_NAME_MAX or not CONTAINER_APP_NAME.fullmatch(name):
            problems.append(problem("app.name", f"{config.app.name!r} with the stack name "
                                    f"{config.stack!r} makes the container app name {name!r}; "
                                    f"Container Apps allows at most {CONTAINER_APP_NAME_MAX} "
                                    "lower-case letters, digits and single hyphens: shorten "
                                    "the stack name or app.name"))
            break
    vault = key_vault_name(config)
    if not KEY_VAULT_NAME.fullmatch(vault):
        problems.append(problem("database.key_vault_name", f"the derived Key Vault name "
                                f"{vault!r} is not a Key Vault name (3-24 letters, digits and "
                                "dashes, a letter first, no '--'); set one"))
    return problems


def _secret_reference_rules(config: StackConfig) -> list[str]:
    problems = []
    for name, svc in config.services.items():
        for env_name, ref in svc.secrets.items():
            path = f"services.{name}.secrets.{env_name}"
            if ref == "database" or ref.startswith("database:"):
                problems.append(problem(path, f"got {describe(ref)}; the database's "
                                        "administrator credentials never reach the services: "
                                        "api and worker log in as database.app_username with "
                                        "Entra ID (DATABASE_AUTH=iam); remove this entry"))
            elif not (NEUTRAL_SECRET_REF.fullmatch(ref) or KEY_VAULT_SECRET_URI.fullmatch(ref)):
                problems.append(problem(path, f"got {describe(ref)}; unknown secret reference; "
                                        "allowed: cache, app:<name>, or a Key Vault secret URI "
                                        "(https://<vault>.vault.azure.net/secrets/<name>)"))
    return problems


def _tag_rules(config: StackConfig) -> list[str]:
    problems = []
    owned = set(standard_tag_keys()) | {"component"}
    for key, value in config.tags.items():
        path = f"tags.{key}"
        if key in owned:
            problems.append(problem(path, f"forge-infra sets the {key!r} tag itself "
                                    f"({', '.join(sorted(owned))}); choose another key"))
        elif len(key) > 512 or set("<>%&\\?/") & set(key) or len(value) > 256:
            problems.append(problem(path, "Azure tag names are 1-512 characters without "
                                    "<>%&\\?/ and values at most 256 characters"))
    return problems


def _budget_recipient_rules(config: StackConfig) -> list[str]:
    if not config.budget.alert_emails:
        return [problem("budget.alert_emails", "is empty, so the budget's alerts would notify "
                        "nobody; list at least one e-mail address")]
    return []


#: The forecast notifications the Budget component sends besides the actual-cost ones (its
#: default: 100% of the limit, forecast).
FORECAST_THRESHOLDS_PERCENT = (100,)


def budget_thresholds_percent(config: StackConfig) -> list[int]:
    """The actual-cost thresholds of the Consumption budget: `budget.alert_thresholds_percent`
    plus each of `budget.alert_amounts_usd` as a whole percentage of the monthly limit
    (Consumption budgets take percentages only), sorted, without repeats."""
    budget = config.budget
    amounts = [round(amount / budget.monthly_limit_usd * 100)
               for amount in budget.alert_amounts_usd]
    return sorted({*budget.alert_thresholds_percent, *amounts})


def _budget_rules(config: StackConfig) -> list[str]:
    budget = config.budget
    problems = []
    low, high = BUDGET_THRESHOLD_PERCENT
    for amount in budget.alert_amounts_usd:
        percent = round(amount / budget.monthly_limit_usd * 100)
        if not low < percent <= high:
            problems.append(problem("budget.alert_amounts_usd", f"{amount:g} USD is {percent}% "
                                    f"of budget.monthly_limit_usd {budget.monthly_limit_usd:g}; "
                                    f"an Azure budget alerts at {low + 1}..{high}% of its "
                                    "amount"))
    most = BUDGET_MAX_NOTIFICATIONS - len(FORECAST_THRESHOLDS_PERCENT)
    thresholds = budget_thresholds_percent(config)
    if len(thresholds) > most:
        problems.append(problem("budget.alert_thresholds_percent", f"with "
                                "budget.alert_amounts_usd as percentages of the limit makes "
                                f"{len(thresholds)} thresholds ({thresholds}); an Azure budget "
                                f"takes {BUDGET_MAX_NOTIFICATIONS} notifications, so at most "
                                f"{most} next to the forecast alert"))
    if "anomaly_threshold_usd" in budget.model_fields_set:
        problems.append(problem("budget.anomaly_threshold_usd", "AWS Cost Anomaly Detection "
                                "only; an Azure stack has no anomaly alert: remove the key"))
    return problems


# -- prod rules (each also a policy rule over the plan) ---------------------------------------


def _prod_database_rules(config: StackConfig) -> list[str]:
    db = _azure(config).database
    if not config.is_prod:
        return []
    problems = []
    if not db.high_availability:
        problems.append(problem("database.high_availability", "prod requires zone-redundant "
                                "HA (set true, on GeneralPurpose or MemoryOptimized)"
                                + policy_rule("azure-postgres-zone-redundant-ha")))
    if not geo_redundant_backup(config):
        problems.append(problem("database.geo_redundant_backup", "prod requires geo-redundant "
                                "backups (set true; Azure accepts it only when the server is "
                                "created)" + policy_rule("azure-postgres-geo-backup")))
    if not db.delete_lock:
        problems.append(problem("database.delete_lock", "prod requires a CanNotDelete lock on "
                                "the database (set true)" + policy_rule("azure-resource-lock")))
    return problems


def _prod_cache_rules(config: StackConfig) -> list[str]:
    if config.is_prod and not _azure(config).cache.high_availability:
        return [problem("cache.high_availability", "prod requires a replicated Managed Redis "
                        "(set true)" + policy_rule("azure-redis-ha"))]
    return []


def _prod_cdn_rules(config: StackConfig) -> list[str]:
    cdn = _azure(config).cdn
    if config.is_prod and not (cdn.enabled and cdn.tier == "Premium"):
        return [problem("cdn.tier", "prod requires Front Door Premium, whose WAF (managed rule "
                        "sets, Prevention) guards the app (set cdn.enabled: true and cdn.tier: "
                        f"Premium; got enabled {str(cdn.enabled).lower()}, tier {cdn.tier})"
                        + policy_rule("azure-frontdoor-waf"))]
    return []


def _prod_storage_rules(config: StackConfig) -> list[str]:
    st = _azure(config).storage
    problems: list[str] = []
    if not config.is_prod:
        return problems
    for key in ("soft_delete_days", "container_soft_delete_days"):
        days = getattr(st, key)
        if days < PROD_MIN_SOFT_DELETE_DAYS:
            problems.append(problem(f"storage.{key}", f"prod keeps deleted blobs and containers "
                                    f"recoverable at least {PROD_MIN_SOFT_DELETE_DAYS} days; got "
                                    f"{days}" + policy_rule("azure-storage-soft-delete")))
    return problems


def _rollout_rules(config: StackConfig) -> list[str]:
    """What a Container Apps release cannot take.

    `forge-infra release` steps a canary or blue/green release over the revision traffic
    weights of each app with ingress (forge_infra.clouds.azure.release) and stops it on the
    new revision's 5xx share or when it stops being ready (healthy, running). Container Apps
    reports a revision's health (`healthState`), not a count of load-balancer targets failing
    their health checks (https://learn.microsoft.com/azure/container-apps/revisions, read
    2026-12-02), so `alarms.unhealthy_targets` has no signal to watch there: written, it is
    refused rather than silently ignored.
    """
    rollout = config.rollout
    if rollout.strategy == "rolling" or "unhealthy_targets" not in rollout.alarms.model_fields_set:
        return []
    return [problem("rollout.alarms.unhealthy_targets", (
        f"got {rollout.alarms.unhealthy_targets}; Container Apps reports a revision's health, "
        "not a count of unhealthy targets: a release on cloud azure stops when the new "
        "revision is no longer healthy and running, or on alarms.http_5xx_percent; remove "
        "the key"))]


def _dr_rules(config: StackConfig) -> list[str]:
    """What `forge-infra:dr` can mean on Azure: copies to the location's paired region.

    PostgreSQL flexible server copies its geo-redundant backups "to a geo-paired region"
    only, as its snapshots and WAL are taken ("up to one hour of delay"), and the choice is
    made "only at the time of server creation"
    (https://learn.microsoft.com/azure/postgresql/flexible-server/concepts-backup-restore,
    read 2026-12-02); geo-redundant storage copies the account to the paired region
    (https://learn.microsoft.com/azure/storage/common/storage-redundancy). Neither takes a
    schedule or a retention of its own: the copy keeps `database.backup_retention_days`.
    """
    azure = _azure(config)
    dr = config.dr
    if dr.mode is DrMode.NONE:
        return ([problem("dr.region", f"got {dr.region!r} with dr.mode none; set dr.mode to "
                         "backup or pilot_light, or remove dr.region")]
                if dr.region is not None else [])
    problems: list[str] = []
    pair = PAIRED_REGIONS.get(azure.location)
    if pair is None:
        problems.append(problem("dr.mode", f"got {dr.mode.value}, but {azure.location} "
                                "(azure-native:location) has no paired region in Microsoft's "
                                "table (forge_components.azure.limits.PAIRED_REGIONS): "
                                "PostgreSQL's geo-redundant backups and geo-redundant storage "
                                "copy only to the paired region; run the stack in a paired "
                                "region or set dr.mode none"))
    elif dr.region is None:
        problems.append(problem("dr.region", f"required with dr.mode {dr.mode.value}: the "
                                f"paired region of {azure.location}, {pair}"))
    elif dr.region != pair:
        problems.append(problem("dr.region", f"got {dr.region!r}; PostgreSQL's geo-redundant "
                                "backups and the storage account's geo-replication copy only "
                                f"to the paired region of {azure.location}; allowed: {pair}"))
    elif dr.mode is DrMode.PILOT_LIGHT and pair not in REGIONS:
        problems.append(problem("dr.mode", f"pilot_light builds a VNet in {pair}, which is "
                                "not among the regions forge-infra deploys to "
                                "(forge_components.azure.limits.REGIONS; Microsoft lists it "
                                "as access-restricted, on request); use dr.mode backup"))
    for key, why in (
            ("backup_interval_hours", "PostgreSQL copies its backups and WAL to the paired "
             "region as they are taken (up to one hour behind), on no schedule of its own"),
            ("retention_days", "the geo-redundant copy keeps the server's own backups: set "
             "database.backup_retention_days"),
            ("dr_retention_days", "the paired region's copy is kept as long as the server's "
             "backups: set database.backup_retention_days")):
        if key in dr.model_fields_set:
            problems.append(problem(f"dr.{key}", f"got {getattr(dr, key)}; has no meaning on "
                                    f"Azure: {why}; remove the key"))
    db = azure.database
    if "geo_redundant_backup" in db.model_fields_set and not db.geo_redundant_backup:
        problems.append(problem("database.geo_redundant_backup", f"got false with dr.mode "
                                f"{dr.mode.value}: the database's copy in the paired region is "
                                "its geo-redundant backup (set true, or remove the key; it is "
                                "chosen when the server is created: on an existing server it "
                                "means a new server restored from a backup)"))
    st = azure.storage
    if "sku" in st.model_fields_set and st.sku not in GEO_REDUNDANT_STORAGE_SKUS:
        problems.append(problem("storage.sku", f"got {st.sku} with dr.mode {dr.mode.value}: "
                                "the reports, exports and backups reach the paired region only "
                                "with geo-redundant storage; allowed: "
                                f"{', '.join(GEO_REDUNDANT_STORAGE_SKUS)} (or remove the key: "
                                f"{DR_DEFAULT_STORAGE_SKU})"))
    return problems


AZURE_RULES: tuple[Rule, ...] = (
    Rule(("rollout",), _rollout_rules),
    Rule(("dr", "location", "database", "storage"), _dr_rules),
    Rule(("location",), _location_rules),
    Rule(("network",), _network_rules),
    Rule(("database", "location"), _database_rules),
    Rule(("streaming",), _streaming_rules),
    Rule(("storage",), _storage_rules),
    Rule(("cdn", "app"), _cdn_rules),
    Rule(("services",), _secret_reference_rules),
    Rule(("services",), _service_size_rules),
    Rule(("app", "database"), _derived_name_rules),
    Rule(("tags",), _tag_rules),
    Rule(("budget",), _budget_recipient_rules),
    Rule(("budget",), _budget_rules),
    Rule(("environment", "database"), _prod_database_rules),
    Rule(("environment", "cache"), _prod_cache_rules),
    Rule(("environment", "cdn"), _prod_cdn_rules),
    Rule(("environment", "storage"), _prod_storage_rules),
)


# -- placeholders (plan warnings) -----------------------------------------------------------


#: Second-level domains reserved for documentation by RFC 2606 section 3
#: (https://www.rfc-editor.org/rfc/rfc2606#section-3), and the reserved top-level domains of
#: its section 2: the example values of the shipped stack files.
RESERVED_EXAMPLE_DOMAINS = ("example.com", "example.net", "example.org")
RESERVED_TLDS = ("test", "example", "invalid", "localhost")


def is_placeholder_domain(name: str) -> bool:
    """Whether `name` is an RFC 2606 reserved name (example.com/.net/.org or below, or under
    .test, .example, .invalid, .localhost)."""
    name = name.lower().rstrip(".")
    return (any(name == d or name.endswith(f".{d}") for d in RESERVED_EXAMPLE_DOMAINS)
            or name.rsplit(".", 1)[-1] in RESERVED_TLDS)


def placeholder_warnings(config: StackConfig) -> list[str]:
    """A warning per key that still holds an example value: the Entra administrator's
    all-zero object id, an RFC 2606 app.domain, Azure DNS zone or alert e-mail address."""
    azure = _azure(config)
    found = []
    admin = azure.database.entra_admin
    if admin.object_id == PLACEHOLDER_GUID:
        found.append(problem("database.entra_admin.object_id", f"{admin.object_id} is a "
                             "placeholder; replace it with the object id of the Entra group "
                             "that administers the database (az ad group show --group "
                             f"{admin.principal_name} --query id -o tsv)"))
    domain = config.app.domain
    if domain is not None and is_placeholder_domain(domain):
        found.append(problem("app.domain", f"{domain} is a reserved example name (RFC 2606); "
                             "replace it with the DNS name the app will serve"))
    zone = azure.cdn.dns_zone
    if zone is not None and is_placeholder_domain(zone):
        found.append(problem("cdn.dns_zone", f"{zone} is a reserved example name (RFC 2606); "
                             "replace it with the Azure DNS zone that holds app.domain (az "
                             "network dns zone list -o table)"))
    emails = [e for e in config.budget.alert_emails
              if is_placeholder_domain(e.rpartition("@")[2])]
    if emails:
        found.append(problem("budget.alert_emails", f"{', '.join(emails)} "
                             f"{'is' if len(emails) == 1 else 'are'} at a reserved example "
                             "domain (RFC 2606); replace with the mailboxes that must receive "
                             "the budget alerts"))
    return found
