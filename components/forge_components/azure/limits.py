"""The Azure components' choices and limits, defined once, with their sources.

The components validate their args against these; the `azure` target's settings model will
build its constraints from the same names when it exists. This module imports no cloud SDK.

Entries marked "(not retrieved)" cite the Microsoft page that states the fact, but that page
was not among the stored copies read when the entry was written (2026-12-02): the value is
the widely documented one; confirm it before relying on it. Every other entry was read in the
cited page or in the SDK source.
"""

import re

# -- networking -----------------------------------------------------------------------------

#: A Container Apps environment (workload profiles, the default type) needs a dedicated subnet
#: delegated to `Microsoft.App/environments`, at least a /27; the consumption-only (legacy)
#: type needs a /23 and has no NAT gateway egress. The size is fixed once the environment
#: exists. Source: "Environment selection", https://learn.microsoft.com/azure/container-apps/networking
CONTAINER_APPS_DELEGATION = "Microsoft.App/environments"
CONTAINER_APPS_MIN_PREFIX = 27
#: PostgreSQL flexible server with VNet integration ("private access") needs a subnet delegated
#: to `Microsoft.DBforPostgreSQL/flexibleServers`, used by flexible servers only. Source:
#: https://learn.microsoft.com/azure/postgresql/flexible-server/concepts-networking-private
#: ("Virtual network concepts": delegated subnet; not retrieved), pulumi_azure_native 3.29
#: `dbforpostgresql.NetworkArgs.delegated_subnet_resource_id`, and the same delegation in the
#: flexible-server samples of the azurerm and Pulumi Azure Classic docs.
POSTGRES_DELEGATION = "Microsoft.DBforPostgreSQL/flexibleServers"
#: The private DNS zone of a VNet-integrated flexible server: a zone whose name ends with
#: `.postgres.database.azure.com` (Microsoft's examples use `<name>.private.postgres.database.
#: azure.com`); the private-endpoint zone `privatelink.postgres.database.azure.com` serves
#: only servers reached through a private endpoint. Sources: "Use a private DNS zone",
#: https://learn.microsoft.com/azure/postgresql/flexible-server/concepts-networking-private
#: (not retrieved; the azurerm and Pulumi samples name their zones
#: `example.postgres.database.azure.com`); the privatelink zone:
#: https://learn.microsoft.com/azure/private-link/private-endpoint-dns (gcp-azure-notes.md)
POSTGRES_VNET_ZONE_SUFFIX = ".postgres.database.azure.com"
#: Private-endpoint DNS zones of the data services the stack reaches through private
#: endpoints (Azure Managed Redis, Blob storage, Key Vault). Source: "Azure Private Endpoint
#: private DNS zone values", https://learn.microsoft.com/azure/private-link/private-endpoint-dns
PRIVATELINK_ZONES: dict[str, str] = {
    "redis": "privatelink.redis.azure.net",
    "blob": "privatelink.blob.core.windows.net",
    "vault": "privatelink.vaultcore.azure.net",
}
#: The only NAT gateway SKU of the network API pulumi_azure_native 3.29 uses (2024-05-01:
#: `network.NatGatewaySkuName` has `Standard` only; StandardV2 needs a newer API) with its
#: Standard, static public IP. Sources: pulumi_azure_native 3.29 `network._enums`;
#: https://learn.microsoft.com/azure/nat-gateway/nat-overview
NAT_GATEWAY_SKU = "Standard"
#: NAT gateway idle timeout, minutes: 4 (default) to 120. Source:
#: https://learn.microsoft.com/azure/nat-gateway/nat-gateway-resource ("TCP idle timeout")
#: (not retrieved).
NAT_IDLE_TIMEOUT_MINUTES = (4, 120)
#: NSG rule priorities: 100..4096, lower wins; the default rules (65000+) allow VNet-to-VNet
#: and load balancer traffic, which the components override with an explicit deny at 4096.
#: Source: https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview
#: (not retrieved).
NSG_PRIORITY_RANGE = (100, 4096)
#: NSG flow logs: no new ones since 2025-06-30, retired on 2027-09-30; Microsoft recommends
#: virtual network flow logs, created on the region's Network Watcher (which Azure creates as
#: `NetworkWatcher_<region>` in `NetworkWatcherRG` unless it was turned off). Sources:
#: https://learn.microsoft.com/azure/network-watcher/nsg-flow-logs-rest (retirement notice);
#: https://learn.microsoft.com/azure/network-watcher/vnet-flow-logs-terraform
NETWORK_WATCHER_RESOURCE_GROUP = "NetworkWatcherRG"
NETWORK_WATCHER_NAME = "NetworkWatcher_{region}"
#: Flow log format: JSON version 2 (adds flow state and bytes); traffic analytics intervals
#: 10 or 60 minutes. Source: pulumi_azure_native 3.29 `network.FlowLogFormatParametersArgs`,
#: `TrafficAnalyticsConfigurationPropertiesArgs.traffic_analytics_interval`, and
#: https://learn.microsoft.com/azure/network-watcher/vnet-flow-logs-overview
FLOW_LOG_FORMAT_VERSION = 2
TRAFFIC_ANALYTICS_INTERVALS: tuple[int, ...] = (10, 60)
#: An Azure region's programmatic name ("westeurope", "eastus2").
REGION_NAME = re.compile(r"[a-z][a-z0-9]{2,30}")
#: A resource group name: 1-90 letters, digits, `-`, `_`, `.`, `(`, `)`, not ending with `.`.
#: Source: https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules
#: (not retrieved).
RESOURCE_GROUP_NAME = re.compile(r"[-\w.()]{0,89}[-\w()]")

# -- PostgreSQL flexible server -------------------------------------------------------------

#: The PostgreSQL majors the Database component builds: in standard support on 2026-12-02 and
#: creatable, per /work/shared/reference versions.yaml (azure-postgresql-flexible, from
#: https://learn.microsoft.com/azure/postgresql/configure-maintain/concepts-version-policy:
#: 14's standard support ends 2026-12-11, 18's GA is unconfirmed) and present in
#: pulumi_azure_native 3.29 `dbforpostgresql.PostgresMajorVersion`.
POSTGRES_MAJORS: tuple[str, ...] = ("15", "16", "17")
DEFAULT_POSTGRES_MAJOR = "17"
#: Compute tiers and their SKU names (`Standard_B1ms` Burstable, `Standard_D2ds_v5`
#: GeneralPurpose, `Standard_E2ds_v5` MemoryOptimized). High availability is not offered on
#: Burstable. Sources: pulumi_azure_native 3.29 `dbforpostgresql.SkuTier`;
#: https://learn.microsoft.com/azure/postgresql/flexible-server/concepts-compute and
#: https://learn.microsoft.com/azure/postgresql/flexible-server/concepts-high-availability
#: ("not supported in the Burstable tier") (not retrieved; the tier names are the SDK's).
SKU_TIERS: dict[str, re.Pattern[str]] = {
    "Burstable": re.compile(r"Standard_B[0-9]+(ms|s)"),
    "GeneralPurpose": re.compile(r"Standard_D[0-9]+(ds|ads|s)_v[3-6]"),
    "MemoryOptimized": re.compile(r"Standard_E[0-9]+(ds|ads|s)_v[3-6]"),
}
#: Backup retention: 7 to 35 days. Geo-redundant backup can only be chosen when the server is
#: created. Source: https://learn.microsoft.com/azure/postgresql/flexible-server/concepts-backup-restore
#: (not retrieved; the creation-only rule is also in gcp-azure-notes.md).
BACKUP_RETENTION_DAYS = (7, 35)
#: Premium SSD storage sizes a server can have, GiB. Source:
#: https://learn.microsoft.com/azure/postgresql/flexible-server/concepts-storage (not retrieved).
STORAGE_SIZES_GB: tuple[int, ...] = (32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384,
                                     32767)
#: TimescaleDB (Apache-2 edition) is offered on flexible server: allow-list it in the server
#: parameter `azure.extensions` and preload it through `shared_preload_libraries` (a static
#: parameter: the server must restart), then `CREATE EXTENSION timescaledb`. Sources:
#: https://learn.microsoft.com/azure/postgresql/extensions/how-to-allow-extensions,
#: https://learn.microsoft.com/azure/postgresql/extensions/how-to-load-libraries,
#: https://learn.microsoft.com/azure/postgresql/extensions/concepts-extensions-versions
TIMESCALEDB = "timescaledb"
#: The libraries `shared_preload_libraries` keeps beside timescaledb when the component sets it
#: (setting the parameter replaces the whole list): query statistics and pg_cron, both in the
#: parameter's allowed values. The parameter's default on a new server could not be confirmed
#: from stored documentation: check it with `az postgres flexible-server parameter show --name
#: shared_preload_libraries` and pass the Database's `preload_libraries` to keep it. timescaledb
#: goes first in the list (extensions hooking the planner load in order). Source:
#: https://learn.microsoft.com/azure/postgresql/extensions/how-to-load-libraries
DEFAULT_PRELOAD_LIBRARIES: tuple[str, ...] = ("pg_cron", "pg_stat_statements")
#: TLS: flexible server accepts TLS 1.2 and later (`ssl_min_protocol_version`) and requires
#: TLS when `require_secure_transport` is on. Source:
#: https://learn.microsoft.com/azure/postgresql/security/security-tls (not retrieved).
TLS_MIN_PROTOCOL_VERSIONS: tuple[str, ...] = ("TLSv1.2", "TLSv1.3")

# -- Key Vault ------------------------------------------------------------------------------

#: Key Vault names: 3-24 characters, letters, digits and dashes, a letter first, no
#: consecutive dashes, globally unique. Source:
#: https://learn.microsoft.com/azure/key-vault/general/about-keys-secrets-certificates
#: (not retrieved).
KEY_VAULT_NAME = re.compile(r"[a-zA-Z](?!.*--)[a-zA-Z0-9-]{1,22}[a-zA-Z0-9]")
#: Soft-deleted vaults and secrets are kept 7..90 days. Source:
#: https://learn.microsoft.com/azure/key-vault/general/soft-delete-overview (not retrieved).
SOFT_DELETE_DAYS = (7, 90)
#: Built-in role ids (the same in every tenant). Source:
#: https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/security
#: (not retrieved).
KEY_VAULT_SECRETS_USER_ROLE = "4633458b-17de-408a-b874-0445c86b69e6"
#: Flexible server names: 3-63 lower-case letters, digits and hyphens, not starting or ending
#: with a hyphen. Source:
#: https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules
#: (not retrieved).
POSTGRES_SERVER_NAME = re.compile(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]")
