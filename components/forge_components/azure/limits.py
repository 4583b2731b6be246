"""The Azure components' choices and limits, defined once, with their sources.

The components validate their args against these; the `azure` target's settings model will
build its constraints from the same names when it exists. This module imports no cloud SDK.
Where a value comes from pulumi_azure_native, it is the installed 3.29.0 (API versions named
per block); `tests/components/azure/test_limits_cache_storage.py` checks these tuples against
the SDK's own enums, so an SDK upgrade that changes them fails a test.

Entries marked "(not retrieved)" cite the Microsoft page that states the fact, but that page
was not among the stored copies read when the entry was written (2026-12-02): the value is
the widely documented one; confirm it before relying on it. Every other entry was read in the
cited page or in the SDK source.
"""

import re

# -- Azure Managed Redis (Microsoft.Cache/redisEnterprise) ----------------------------------
#
# Which service: Azure Managed Redis (AMR), not Azure Cache for Redis. Microsoft retires every
# Azure Cache for Redis SKU: Enterprise and Enterprise Flash on 2027-03-31, Basic, Standard and
# Premium on 2028-09-30, and directs customers to Azure Managed Redis, GA since 2025-05
# (https://learn.microsoft.com/azure/azure-cache-for-redis/retirement-faq, as digested from
# https://learn.microsoft.com/azure/azure-cache-for-redis/cache-whats-new;
# /work/shared/reference/gcp-azure-notes.md "Redis"; versions.yaml `azure-redis`).
# pulumi_azure_native 3.29.0's `redisenterprise` module is on the GA API 2025-07-01.

#: The AMR SKUs the Cache component builds: the Balanced (4:1 memory to vCPU), Memory
#: Optimized (8:1) and Compute Optimized (2:1) tiers
#: (https://learn.microsoft.com/azure/redis/plan-tiers-and-capacity), as pulumi_azure_native
#: 3.29.0 `redisenterprise.SkuName` lists them.
AMR_SKUS: tuple[str, ...] = (
    "Balanced_B0", "Balanced_B1", "Balanced_B3", "Balanced_B5", "Balanced_B10",
    "Balanced_B20", "Balanced_B50", "Balanced_B100", "Balanced_B150", "Balanced_B250",
    "Balanced_B350", "Balanced_B500", "Balanced_B700", "Balanced_B1000",
    "MemoryOptimized_M10", "MemoryOptimized_M20", "MemoryOptimized_M50",
    "MemoryOptimized_M100", "MemoryOptimized_M150", "MemoryOptimized_M250",
    "MemoryOptimized_M350", "MemoryOptimized_M500", "MemoryOptimized_M700",
    "MemoryOptimized_M1000", "MemoryOptimized_M1500", "MemoryOptimized_M2000",
    "ComputeOptimized_X3", "ComputeOptimized_X5", "ComputeOptimized_X10",
    "ComputeOptimized_X20", "ComputeOptimized_X50", "ComputeOptimized_X100",
    "ComputeOptimized_X150", "ComputeOptimized_X250", "ComputeOptimized_X350",
    "ComputeOptimized_X500", "ComputeOptimized_X700")
#: SKU prefixes of the same SDK enum that are refused, and why: the Enterprise and Enterprise
#: Flash SKUs are Azure Cache for Redis Enterprise, retiring on 2027-03-31 (retirement FAQ
#: above); Flash Optimized keeps most data on NVMe with fewer modules and features
#: (https://learn.microsoft.com/azure/redis/plan-tiers-and-capacity) and is not a tier this
#: component sizes for.
AMR_REFUSED_SKU_PREFIXES: dict[str, str] = {
    "Enterprise_": "Azure Cache for Redis Enterprise, retiring on 2027-03-31",
    "EnterpriseFlash_": "Azure Cache for Redis Enterprise Flash, retiring on 2027-03-31",
    "FlashOptimized_": "Flash Optimized (NVMe-backed, fewer features): not built here",
}
#: The default SKU: Balanced_B0, the smallest AMR SKU, to which Microsoft's migration mapping
#: takes Azure Cache for Redis Standard C0
#: (https://learn.microsoft.com/azure/redis/migrate/migrate-basic-standard-premium-overview,
#: quoted in https://github.com/microsoft/simplechat/pull/1438).
AMR_DEFAULT_SKU = "Balanced_B0"
#: A cluster name: 1-60 characters, letters, digits and hyphens, no leading, trailing or
#: consecutive hyphens. Source: pulumi_azure_native 3.29.0 `redisenterprise.RedisEnterprise`
#: `cluster_name` docstring.
AMR_CLUSTER_NAME_MAX = 60
AMR_CLUSTER_NAME = re.compile(r"[A-Za-z0-9]+(-[A-Za-z0-9]+)*")
#: The one database of a cluster is named "default" (ARM path `.../redisEnterprise/<cluster>/
#: databases/default`): Microsoft's Get-AzRedisEnterpriseCacheDatabase example lists it as
#: `default` (https://learn.microsoft.com/powershell/module/az.redisenterprisecache/get-azredisenterprisecachedatabase),
#: and Pulumi's database examples create it under that name on port 10000
#: (https://www.pulumi.com/registry/packages/azure/api-docs/redis/enterprisedatabase/).
AMR_DATABASE_NAME = "default"
#: The TLS port AMR serves on (host `<name>.<region>.redis.azure.net`). Source:
#: https://learn.microsoft.com/azure/redis/architecture ("port 10000"); the SDK's `port` is
#: "Specified at create time. Defaults to an available port", so the component sets it.
AMR_TLS_PORT = 10000
#: The minimum TLS version: "1.2". pulumi_azure_native 3.29.0 `redisenterprise.TlsVersion`:
#: "TLS 1.0 and TLS 1.1 are now completely obsolete -- you cannot use them".
AMR_MINIMUM_TLS = "1.2"
#: Clustering policies. SDK `redisenterprise.ClusteringPolicy`: OSSCluster "requires all
#: clients to support redis clustering"; EnterpriseCluster "uses only the classic redis
#: protocol" (one endpoint, any client); NoCluster for non-clustered instances. Only a
#: NoCluster policy may be changed later ("If the value is OSSCluster or EnterpriseCluster, it
#: cannot be updated without deleting the database").
AMR_CLUSTERING_POLICIES: tuple[str, ...] = ("EnterpriseCluster", "OSSCluster", "NoCluster")
#: Eviction policies. SDK `redisenterprise.EvictionPolicy` ("default is VolatileLRU").
AMR_EVICTION_POLICIES: tuple[str, ...] = (
    "AllKeysLFU", "AllKeysLRU", "AllKeysRandom", "VolatileLRU", "VolatileLFU", "VolatileTTL",
    "VolatileRandom", "NoEviction")
#: RDB snapshot frequencies. SDK `redisenterprise.RdbFrequency`.
AMR_RDB_FREQUENCIES: tuple[str, ...] = ("1h", "6h", "12h")
#: The only access policy an Entra ID principal can be assigned. SDK
#: `redisenterprise.AccessPolicyAssignment` `access_policy_name`: 'Only "default" policy is
#: supported for now.'
AMR_ACCESS_POLICY = "default"
#: Private Link: the cluster's sub-resource (group id) and its private DNS zone. Source:
#: "Azure Private Endpoint private DNS zone values",
#: https://learn.microsoft.com/azure/private-link/private-endpoint-dns (Microsoft.Cache/
#: redisEnterprise, sub-resource redisEnterprise, zone privatelink.redis.azure.net; not
#: privatelink.redis.cache.windows.net, which is Azure Cache for Redis).
AMR_PRIVATE_LINK_GROUP = "redisEnterprise"
AMR_PRIVATE_DNS_ZONE = "privatelink.redis.azure.net"

# -- Storage accounts (Microsoft.Storage, API 2024-01-01 in pulumi_azure_native 3.29.0) ------

#: A storage account name: 3-24 lower-case letters and digits, unique across Azure. Source:
#: pulumi_azure_native 3.29.0 `storage.StorageAccount` `account_name` docstring, and
#: https://learn.microsoft.com/azure/storage/common/storage-account-overview#storage-account-name
STORAGE_ACCOUNT_NAME = re.compile(r"[a-z0-9]{3,24}")
STORAGE_ACCOUNT_NAME_MAX = 24
#: A container name: 3-63 characters, lower-case letters, digits and single hyphens, a letter
#: or digit first. Source: `storage.BlobContainer` `container_name` docstring.
CONTAINER_NAME = re.compile(r"[a-z0-9](-?[a-z0-9]){2,62}")
#: The minimum TLS version the component sets: TLS1_2 (`storage.MinimumTlsVersion` offers
#: TLS1_0..TLS1_3). Azure Storage stopped accepting TLS 1.0/1.1 on 2026-02-03
#: (https://learn.microsoft.com/azure/storage/common/transport-layer-security-configure-minimum-version;
#: /work/shared/reference/gcp-azure-notes.md "Storage accounts").
STORAGE_MINIMUM_TLS: tuple[str, ...] = ("TLS1_2", "TLS1_3")
#: Redundancy SKUs a StorageV2 account with blob lifecycle tiering can use. Source: SDK
#: `storage.SkuName`; https://learn.microsoft.com/azure/storage/common/storage-redundancy.
#: Archive is not supported on ZRS, GZRS or RA-GZRS accounts
#: (https://learn.microsoft.com/azure/storage/blobs/access-tiers-overview; the stored copy of
#: that page was not retrieved here, the same limit is restated by Veeam's "Limitations for
#: Archive Tier", https://helpcenter.veeam.com/docs/backup/vsphere/limitations_archive_tier.html):
#: the component refuses an archive purpose on them.
STORAGE_SKUS: tuple[str, ...] = (
    "Standard_LRS", "Standard_GRS", "Standard_RAGRS", "Standard_ZRS", "Standard_GZRS",
    "Standard_RAGZRS")
STORAGE_SKUS_WITHOUT_ARCHIVE: frozenset[str] = frozenset(
    {"Standard_ZRS", "Standard_GZRS", "Standard_RAGZRS"})
#: Minimum days a blob is billed in each online-or-offline tier a lifecycle rule may move it
#: to (moving or deleting it earlier bills the rest): Cool 30, Cold 90, Archive 180; an
#: archived blob is offline and must be rehydrated (hours) before it can be read. Sources:
#: `BlockBlobTier` (https://learn.microsoft.com/javascript/api/@azure/storage-blob/blockblobtier),
#: https://learn.microsoft.com/azure/storage/blobs/access-tiers-overview, and "Rehydrate blob
#: data from the archive tier" (https://learn.microsoft.com/azure/storage/blobs/archive-rehydrate-overview).
TIER_MINIMUM_DAYS: dict[str, int] = {"Cool": 30, "Cold": 90, "Archive": 180}
#: Blob and container soft delete: 1..365 days. Source: SDK `storage.DeleteRetentionPolicyArgs`
#: `days` ("The minimum specified value can be 1 and the maximum value can be 365").
BLOB_SOFT_DELETE_DAYS = (1, 365)
#: Private Link for the blob service: sub-resource `blob`, zone
#: privatelink.blob.core.windows.net (https://learn.microsoft.com/azure/private-link/private-endpoint-dns).
BLOB_PRIVATE_LINK_GROUP = "blob"
BLOB_PRIVATE_DNS_ZONE = "privatelink.blob.core.windows.net"

# -- Built-in role definitions (Azure RBAC) ---------------------------------------------------
#
# Source: "Azure built-in roles",
# https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/storage and
# https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/security. A role
# definition id is `/subscriptions/<sub>/providers/Microsoft.Authorization/roleDefinitions/<guid>`.

#: Storage Blob Data Reader: read and list containers and blobs.
STORAGE_BLOB_DATA_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
#: Storage Blob Data Contributor: read, write and delete containers and blobs.
STORAGE_BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
#: Key Vault Secrets User: read secret contents (Key Vault in Azure RBAC mode).
KEY_VAULT_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"
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
#: endpoints (Azure Managed Redis, Blob storage, Key Vault, an Event Hubs namespace). Source:
#: "Azure Private Endpoint private DNS zone values",
#: https://learn.microsoft.com/azure/private-link/private-endpoint-dns (Event Hubs:
#: Microsoft.EventHub/namespaces, sub-resource namespace, privatelink.servicebus.windows.net)
PRIVATELINK_ZONES: dict[str, str] = {
    "redis": "privatelink.redis.azure.net",
    "blob": "privatelink.blob.core.windows.net",
    "vault": "privatelink.vaultcore.azure.net",
    "servicebus": "privatelink.servicebus.windows.net",
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

# -- regions (the `azure` target's `azure-native:location`) ----------------------------------
#
# Source: "Azure regions list", https://learn.microsoft.com/azure/reliability/regions-list
# (programmatic names and the "Availability zones" column, read 2026-12-02 through stored
# copies of that page and of https://learn.microsoft.com/azure/reliability/availability-zones-service-support).
# Only regions of the public cloud (AzureCloud) open to every subscription are listed; the
# access-restricted regions (e.g. germanynorth, norwaywest, switzerlandwest, francesouth) and
# the sovereign clouds (Azure Government, Azure operated by 21Vianet) are not, since a stack
# there needs an access request or another cloud environment this project does not configure.
# A region Microsoft opens later is refused until it is added here with its source.

#: Public regions with three availability zones: zone-redundant PostgreSQL HA, zone-redundant
#: Managed Redis and Container Apps zone redundancy are possible there.
REGIONS_WITH_ZONES: frozenset[str] = frozenset({
    "australiaeast", "austriaeast", "belgiumcentral", "brazilsouth", "canadacentral",
    "centralindia", "centralus", "chilecentral", "eastasia", "eastus", "eastus2",
    "francecentral", "germanywestcentral", "indonesiacentral", "israelcentral", "italynorth",
    "japaneast", "japanwest", "koreacentral", "malaysiawest", "mexicocentral",
    "newzealandnorth", "northeurope", "norwayeast", "polandcentral", "qatarcentral",
    "southafricanorth", "southcentralus", "southeastasia", "spaincentral", "swedencentral",
    "switzerlandnorth", "uaenorth", "uksouth", "westeurope", "westus2", "westus3",
})
#: Public regions without availability zones: a stack may run there, but nothing in it can
#: be zone-redundant.
REGIONS_WITHOUT_ZONES: frozenset[str] = frozenset({
    "australiasoutheast", "canadaeast", "koreasouth", "northcentralus", "southindia",
    "ukwest", "westcentralus", "westindia", "westus",
})
#: Every region the target deploys to.
REGIONS: frozenset[str] = REGIONS_WITH_ZONES | REGIONS_WITHOUT_ZONES
#: Each region's paired region (its secondary): where geo-redundant storage (GRS, RA-GRS,
#: GZRS, RA-GZRS) and PostgreSQL flexible server's geo-redundant backups copy to, and where
#: Key Vault replicates a vault's contents. From Microsoft's "Azure regional pairs" table
#: (https://learn.microsoft.com/azure/reliability/cross-region-replication-azure, page dated
#: 2022-12-12, read 2026-12-02 in MicrosoftDocs/azure-docs
#: articles/reliability/cross-region-replication-azure.md): pairs run both ways except where
#: the page says otherwise: West India -> South India (South India -> Central India), Brazil
#: South -> South Central US (South Central US -> North Central US), West US 3 -> East US
#: (East US -> West US). A region absent here has no pair in that table (Qatar Central, Poland
#: Central, Israel Central, Italy North, Austria East, Spain Central are listed as unpaired;
#: the newer regions are not in it). Pairs marked "*" there (Germany North, Norway West, ...)
#: are access-restricted regions, available on request.
PAIRED_REGIONS: dict[str, str] = {
    "eastasia": "southeastasia", "southeastasia": "eastasia",
    "australiaeast": "australiasoutheast", "australiasoutheast": "australiaeast",
    "australiacentral": "australiacentral2", "australiacentral2": "australiacentral",
    "brazilsouth": "southcentralus", "brazilsoutheast": "brazilsouth",
    "canadacentral": "canadaeast", "canadaeast": "canadacentral",
    "northeurope": "westeurope", "westeurope": "northeurope",
    "francecentral": "francesouth", "francesouth": "francecentral",
    "germanywestcentral": "germanynorth", "germanynorth": "germanywestcentral",
    "centralindia": "southindia", "southindia": "centralindia", "westindia": "southindia",
    "japaneast": "japanwest", "japanwest": "japaneast",
    "koreacentral": "koreasouth", "koreasouth": "koreacentral",
    "eastus": "westus", "westus": "eastus",
    "eastus2": "centralus", "centralus": "eastus2",
    "northcentralus": "southcentralus", "southcentralus": "northcentralus",
    "westus2": "westcentralus", "westcentralus": "westus2",
    "westus3": "eastus",
    "norwayeast": "norwaywest", "norwaywest": "norwayeast",
    "southafricanorth": "southafricawest", "southafricawest": "southafricanorth",
    "swedencentral": "swedensouth", "swedensouth": "swedencentral",
    "switzerlandnorth": "switzerlandwest", "switzerlandwest": "switzerlandnorth",
    "ukwest": "uksouth", "uksouth": "ukwest",
    "uaenorth": "uaecentral", "uaecentral": "uaenorth",
}
#: Storage redundancy SKUs that copy the account to the paired region (GRS and GZRS, with or
#: without read access there): https://learn.microsoft.com/azure/storage/common/storage-redundancy
#: ("Redundancy in a secondary region", read 2026-12-02).
GEO_REDUNDANT_STORAGE_SKUS: tuple[str, ...] = (
    "Standard_GRS", "Standard_RAGRS", "Standard_GZRS", "Standard_RAGZRS")

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
#: End of standard support of each PostgreSQL major `POSTGRES_MAJORS` lists (the date after
#: which Azure bills extended support and a new server on that major is no longer a default
#: to ship). Source: https://learn.microsoft.com/azure/postgresql/configure-maintain/concepts-version-policy
#: as recorded in /work/shared/reference versions.yaml `azure-postgresql-flexible`
#: (source_as_of 2026-08; read 2026-12-02). 18 is left out: its GA is not confirmed there.
POSTGRES_END_OF_STANDARD_SUPPORT: dict[str, str] = {
    "15": "2027-11-11",
    "16": "2028-11-09",
    "17": "2029-11-08",
}
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
KEY_VAULT_SOFT_DELETE_DAYS = (7, 90)
#: Built-in role ids (the same in every tenant). Source:
#: https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/security
#: (not retrieved).
KEY_VAULT_SECRETS_USER_ROLE = "4633458b-17de-408a-b874-0445c86b69e6"
#: Flexible server names: 3-63 lower-case letters, digits and hyphens, not starting or ending
#: with a hyphen. Source:
#: https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules
#: (not retrieved).
POSTGRES_SERVER_NAME = re.compile(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]")

# -- Event Hubs with the Kafka endpoint (Microsoft.EventHub, API 2024-01-01 in
#    pulumi_azure_native 3.29.0 `eventhub`) ------------------------------------------------

#: The namespace SKUs the Streaming component builds: the Kafka endpoint exists on Standard,
#: Premium and Dedicated, not Basic (https://learn.microsoft.com/azure/event-hubs/azure-event-hubs-kafka-overview;
#: /work/shared/reference/gcp-azure-notes.md "Event Hubs as the Kafka endpoint"); Dedicated is
#: a cluster (`eventhub.Cluster`), not a namespace SKU. SDK `eventhub.SkuName`: Basic, Standard,
#: Premium. Private endpoints are not supported on Basic either
#: (https://learn.microsoft.com/azure/event-hubs/private-link-service, "Important points").
EVENTHUB_SKUS: tuple[str, ...] = ("Standard", "Premium")
EVENTHUB_REFUSED_SKUS: dict[str, str] = {
    "Basic": "Event Hubs Basic has no Kafka endpoint and no private endpoints",
}
#: Capacity a namespace may be created with: throughput units on Standard (SDK
#: `eventhub.SkuArgs.capacity`: "0 to 20 throughput units" for Basic or Standard) and
#: processing units on Premium (the SDK says "0 to 10 premium units"; Microsoft's Premium page
#: sells 1, 2, 4, 8 and 16 PUs, https://learn.microsoft.com/azure/event-hubs/event-hubs-premium-overview,
#: not retrieved: the component accepts the values both sources allow).
EVENTHUB_CAPACITIES: dict[str, tuple[int, ...]] = {
    "Standard": tuple(range(1, 21)),
    "Premium": (1, 2, 4, 8),
}
#: Retention of an event hub, days: at most 7 on Standard, 90 on Premium and Dedicated. Source:
#: "What is the maximum retention period for events?",
#: https://learn.microsoft.com/azure/event-hubs/event-hubs-faq
EVENTHUB_MAX_RETENTION_DAYS: dict[str, int] = {"Standard": 7, "Premium": 90}
#: Partitions per event hub: 1..32 on Standard (SDK `eventhub.EventHub.partition_count`:
#: "allowed values are from 1 to 32"), 1..100 on Premium
#: (https://learn.microsoft.com/azure/event-hubs/event-hubs-quotas, not retrieved).
EVENTHUB_MAX_PARTITIONS: dict[str, int] = {"Standard": 32, "Premium": 100}
#: Event hubs per namespace: 10 on Standard, 100 per processing unit on Premium. Source:
#: https://learn.microsoft.com/azure/event-hubs/event-hubs-quotas (not retrieved; a stored
#: third-party copy says 100 for Standard, so the stricter value is kept).
EVENTHUB_MAX_HUBS: dict[str, int] = {"Standard": 10, "Premium": 100}
#: A namespace name: 6-50 letters, digits and hyphens, a letter first, a letter or digit last;
#: it is the host name `<name>.servicebus.windows.net`, unique across Azure. Source:
#: https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules
#: (Microsoft.EventHub, not retrieved).
EVENTHUB_NAMESPACE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]{4,48}[A-Za-z0-9]")
EVENTHUB_NAMESPACE_NAME_MAX = 50
#: An event hub (Kafka topic) name: 1-256 letters, digits, periods, hyphens and underscores,
#: starting and ending with a letter or digit (same source, not retrieved).
EVENTHUB_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]{0,254}[A-Za-z0-9])?")
#: The Kafka endpoint: `<namespace>.servicebus.windows.net:9093`, SASL_SSL only; SAS clients
#: log in with SASL PLAIN as `$ConnectionString` with the connection string as the password;
#: Entra ID clients use OAUTHBEARER with a token for `https://<namespace>.servicebus.windows.net`.
#: Sources: https://learn.microsoft.com/azure/event-hubs/azure-event-hubs-kafka-overview
#: ("Shared Access Signature (SAS)", "OAuth 2.0"), the Kafka client settings quoted in
#: https://secure.jadeworld.com/developer-centre/JADE2022/OnlineDocumentation/content/resources/eventstreaming/chapter3/sectionazurekafkasender.htm,
#: and https://learn.microsoft.com/azure/event-hubs/authorize-access-azure-active-directory
#: (the token resource for Kafka clients). The brokers present certificates of public CAs.
EVENTHUB_KAFKA_PORT = 9093
EVENTHUB_KAFKA_SAS_USERNAME = "$ConnectionString"
#: The minimum TLS version the component sets. SDK `eventhub.TlsVersion`: "1.0", "1.1", "1.2".
EVENTHUB_MINIMUM_TLS = "1.2"
#: The SAS rights the clients' shared access rule holds: send and receive, never Manage.
#: SDK `eventhub.AccessRights`: Manage, Send, Listen.
EVENTHUB_CLIENT_RIGHTS: tuple[str, ...] = ("Listen", "Send")
#: Private Link: the namespace's sub-resource and zone. Source:
#: https://learn.microsoft.com/azure/private-link/private-endpoint-dns (Microsoft.EventHub/
#: namespaces, sub-resource `namespace`, zone privatelink.servicebus.windows.net;
#: gcp-azure-notes.md "Private DNS zones").
EVENTHUB_PRIVATE_LINK_GROUP = "namespace"
EVENTHUB_PRIVATE_DNS_ZONE = "privatelink.servicebus.windows.net"
#: Built-in roles for Entra ID clients. Source: "Azure built-in roles",
#: https://learn.microsoft.com/azure/role-based-access-control/built-in-roles (Analytics:
#: Azure Event Hubs Data Receiver, Azure Event Hubs Data Sender), read in the MicrosoftDocs
#: built-in-roles tables on 2026-12-02.
EVENTHUBS_DATA_SENDER = "2b629674-e913-4c01-ae53-ef4638d8f975"
EVENTHUBS_DATA_RECEIVER = "a638d3c7-ab3a-418d-83e6-5f17a39d4fde"

# -- Azure Front Door Standard/Premium (Microsoft.Cdn AFD*, API 2025-06-01, and the Front Door
#    WAF policy Microsoft.Network/FrontDoorWebApplicationFirewallPolicies, API 2025-11-01, in
#    pulumi_azure_native 3.29.0 `cdn` and `frontdoor`) ---------------------------------------
#
# Which service: Front Door Standard/Premium, never Front Door (classic) (`network:FrontDoor`
# / `frontdoor.FrontDoor`: no new domains or managed certificates since 2025-08-15, retired on
# 2027-03-31) nor Azure CDN Standard from Microsoft (classic) (`cdn.Endpoint`, `cdn.Origin`:
# no new instances since 2025-10-01, retired on 2027-09-30). Sources:
# https://learn.microsoft.com/azure/frontdoor/classic-overview,
# https://learn.microsoft.com/azure/cdn/cdn-pop-list-api (gcp-azure-notes.md "Azure Front
# Door Standard/Premium"). `cdn.Policy` is the classic CDN's WAF policy, not Front Door's.

#: The profile SKUs (SDK `cdn.SkuName` and `frontdoor.SkuName`; the WAF policy's SKU must be
#: the profile's). Managed WAF rule sets (Default Rule Set, Bot Manager) need Premium; Standard
#: takes custom rules only. Source: "Managed rules are supported only by Azure Front Door
#: Premium", https://learn.microsoft.com/azure/frontdoor/web-application-firewall, and
#: https://learn.microsoft.com/azure/web-application-firewall/afds/waf-front-door-custom-rules-powershell
FRONT_DOOR_SKUS: tuple[str, ...] = ("Standard_AzureFrontDoor", "Premium_AzureFrontDoor")
FRONT_DOOR_PREMIUM = "Premium_AzureFrontDoor"
#: How the Container Apps behind Front Door admit Front Door only (read 2026-12-02):
#: * Premium: a Private Link origin to the Container Apps environment, sub-resource (group id)
#:   `managedEnvironments`, with the environment's public network access disabled; Front
#:   Door's private endpoint connection must then be approved on the environment. "Private
#:   link isn't supported for origins in an AFD profile with SKU Standard_AzureFrontDoor";
#:   workload-profiles environments only. Sources: MicrosoftDocs/azure-docs
#:   articles/container-apps/how-to-integrate-with-azure-front-door.md
#:   (https://learn.microsoft.com/azure/container-apps/how-to-integrate-with-azure-front-door)
#:   and articles/container-apps/afd-aca-custom-vnet-private-link.md (custom VNet, internal
#:   virtual IP, public network access disabled).
#: * Standard: no network-level way. Container Apps' IP ingress restrictions take IPv4 CIDR
#:   ranges only (`ipAddressRange`), no service tag such as `AzureFrontDoor.Backend`, and the
#:   Front Door backend ranges are shared by every Front Door profile anyway; the app must
#:   reject requests whose `X-Azure-FDID` header is not its profile's Front Door id. Sources:
#:   articles/container-apps/ip-restrictions.md
#:   (https://learn.microsoft.com/azure/container-apps/ip-restrictions) and
#:   https://learn.microsoft.com/azure/frontdoor/origin-security ("Public IP address-based
#:   origins": IP filtering plus the X-Azure-FDID header check, used together).
FRONT_DOOR_PRIVATE_LINK_GROUP = "managedEnvironments"
#: The variable the fronted apps read their Front Door id from, to compare with the
#: `X-Azure-FDID` request header (forge-infra's own name).
FRONT_DOOR_ID_VARIABLE = "FRONT_DOOR_ID"
#: The managed rule sets the Premium WAF policy runs, with their versions: the Default Rule
#: Set 2.1 (https://learn.microsoft.com/azure/web-application-firewall/afds/waf-front-door-drs,
#: "DRS 2.1"; not retrieved, the version is the one Microsoft's DRS rule-group page and the
#: stored AzureWAF-Learning module describe) and the Bot Manager rule set 1.1 (Microsoft's
#: PowerShell example shows 1.0 and advises the most recent version,
#: https://learn.microsoft.com/azure/web-application-firewall/afds/waf-front-door-policy-configure-bot-protection;
#: 1.1 was read in published Premium WAF configurations, not in a retrieved Microsoft page:
#: confirm with `az network front-door waf-policy managed-rule-definition list`). The rule
#: set's action is Block: with anomaly scoring (DRS 2.x) a request is blocked once its score
#: reaches the threshold.
FRONT_DOOR_WAF_RULE_SETS: dict[str, str] = {
    "Microsoft_DefaultRuleSet": "2.1",
    "Microsoft_BotManagerRuleSet": "1.1",
}
#: WAF policy modes (SDK `frontdoor.PolicyMode`). Prevention blocks; Detection only logs.
FRONT_DOOR_WAF_MODES: tuple[str, ...] = ("Prevention", "Detection")
#: A Front Door WAF policy name: letters and digits only, a letter first, at most 128
#: characters (azure-native's auto-name would add a dash). Source:
#: https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules
#: (Microsoft.Network/frontDoorWebApplicationFirewallPolicies; not retrieved).
FRONT_DOOR_WAF_POLICY_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]{0,127}")
#: Custom domains: HTTPS with a Front Door managed certificate and the predefined TLS policy
#: TLS12_2023 (minimum TLS 1.2, only GCM ciphers); TLS 1.0/1.1 minimums are refused since
#: 2025-03-01. Source: https://learn.microsoft.com/azure/frontdoor/standard-premium/tls-policy;
#: SDK `cdn.AfdCertificateType`, `cdn.AfdCipherSuiteSetType`, `cdn.AfdMinimumTlsVersion`.
FRONT_DOOR_CERTIFICATE_TYPE = "ManagedCertificate"
FRONT_DOOR_TLS_POLICY = "TLS12_2023"
FRONT_DOOR_MINIMUM_TLS = "TLS12"
#: Domain validation: a TXT record `_dnsauth.<subdomain>` holding the custom domain's
#: validation token, then a CNAME from the domain to the endpoint's host name. An apex domain
#: cannot carry a CNAME (it needs an Azure DNS alias record): the component refuses it. Source:
#: https://learn.microsoft.com/azure/frontdoor/standard-premium/how-to-add-custom-domain and
#: https://learn.microsoft.com/azure/frontdoor/apex-domain (gcp-azure-notes.md).
FRONT_DOOR_VALIDATION_PREFIX = "_dnsauth"
#: An endpoint's host name: `<endpoint>-<hash>.z01.azurefd.net` (the hash from the label
#: reuse scope, SDK `cdn.AutoGeneratedDomainNameLabelScope`; TenantReuse keeps the same
#: host name when the endpoint is recreated in the tenant). Source:
#: https://learn.microsoft.com/azure/frontdoor/endpoint (not retrieved).
FRONT_DOOR_LABEL_SCOPE = "TenantReuse"

# -- Consumption budgets (Microsoft.Consumption/budgets, API 2024-08-01 in
#    pulumi_azure_native 3.29.0 `consumption`) ------------------------------------------------

#: A budget has at most five notifications; each threshold is a percentage of the amount,
#: 0..1000, Actual or Forecasted (SDK `consumption.ThresholdType`), with the operator
#: GreaterThan or GreaterThanOrEqualTo for a cost budget. The start date is the first of a
#: month: not in a past time-grain period and at most twelve months ahead. At subscription or
#: resource-group scope a notification needs a contact e-mail or a contact group. Source:
#: pulumi_azure_native 3.29.0 `consumption.Budget` (`notifications`, `time_period`) and
#: `consumption.NotificationArgs` docstrings. `costmanagement.Budget` is the same ARM type
#: under another module: use one, never both (gcp-azure-notes.md "Consumption budgets").
BUDGET_MAX_NOTIFICATIONS = 5
BUDGET_THRESHOLD_PERCENT = (0, 1000)
BUDGET_TIME_GRAINS: tuple[str, ...] = ("Monthly", "Quarterly", "Annually")

# -- Container Apps (Microsoft.App, pulumi_azure_native 3.29.0 `app`: API 2025-02-02-preview) --

#: The CPU/memory combinations a container app (or job) may request on the Consumption
#: workload profile of a workload-profiles environment: the total of its containers must be
#: one row, 0.25 to 4 vCPU in steps of 0.25 with twice as many GiB of memory. As neutral sizes:
#: millicores -> MiB (1 GiB = 1024 MiB). Source: "Containers in Azure Container Apps",
#: section "Allocations", https://learn.microsoft.com/azure/container-apps/containers#allocations
#: (MicrosoftDocs/azure-docs articles/container-apps/containers.md, read 2026-12-02: the
#: "Consumption workload profile" column lists 0.25/0.5Gi .. 4.0/8.0Gi; the Consumption-only
#: (legacy) environment stops at 2.0/4.0Gi and is not built here).
CONTAINER_APPS_CPU_MEMORY_MIB: dict[int, int] = {
    millicores: millicores * 2 * 1024 // 1000 for millicores in range(250, 4001, 250)}
#: The workload profile every app and job runs on: the Consumption profile every
#: workload-profiles environment has, by the name and type Microsoft's examples give it
#: (`New-AzContainerAppWorkloadProfileObject -Name "Consumption" -Type "Consumption"`,
#: https://learn.microsoft.com/powershell/module/az.app/new-azcontainerappworkloadprofileobject;
#: "Workload profiles in Azure Container Apps",
#: https://learn.microsoft.com/azure/container-apps/workload-profiles-overview).
CONTAINER_APPS_WORKLOAD_PROFILE = "Consumption"
#: A container app or job name: lower-case letters, digits and hyphens, a letter first, a
#: letter or digit last, no "--", at most 32 characters. Source: the Container Apps API's own
#: validation message, "Invalid Container App name ... A name must consist of lower case
#: alphanumeric characters or '-', start with an alphabetic character, and end with an
#: alphanumeric character and cannot have '--'. The length must not be more than 32
#: characters." (quoted in https://github.com/MicrosoftDocs/azure-docs/issues/95762).
CONTAINER_APP_NAME = re.compile(r"[a-z](?!.*--)([a-z0-9-]{0,30}[a-z0-9])?")
CONTAINER_APP_NAME_MAX = 32
#: A Container Apps secret name (`configuration.secrets[].name`, what `secretRef` names).
#: The API accepts lower-case letters, digits, "-" and ".", a letter or digit first and last
#: ("ContainerAppInvalidSecretName ... A value must consist of lower case alphanumeric
#: characters, '-' or '.', and must start and end with an alphanumeric character. The length
#: must not be more than 63 characters.", quoted in
#: https://github.com/microsoft/azure-container-apps/issues/495; a later message says 253,
#: https://github.com/Azure/container-apps-deploy-action/issues/116). The component derives
#: names of letters, digits and "-" within the stricter 63.
CONTAINER_APPS_SECRET_NAME = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
#: Replicas per revision: min 0.., max 1..1000 ("Maximum replicas configurable are 300 in
#: Azure portal and 1000 in Azure CLI"). Source: "Quotas for Azure Container Apps",
#: https://learn.microsoft.com/azure/container-apps/quotas (docs.azure.cn copy read 2026-12-02).
CONTAINER_APPS_MAX_REPLICAS = 1000
#: The CPU scale rule: a custom rule of KEDA's `cpu` scaler, metadata `type: Utilization` and
#: `value` (the target average utilisation, percent). KEDA's CPU scaler cannot scale to zero
#: without another, non-CPU scaler, so an app scaled on CPU keeps at least one replica.
#: Sources: "Set scaling rules in Azure Container Apps", section "Custom" (any ScaledObject
#: KEDA scaler), https://learn.microsoft.com/azure/container-apps/scale-app; KEDA's CPU scaler,
#: https://keda.sh/docs/2.15/scalers/cpu/ (trigger `type: cpu`, metadata `type: Utilization`,
#: `value`; "can scale to 0 only when user defines at least one additional scaler which is not
#: CPU or Memory").
CONTAINER_APPS_CPU_SCALER = "cpu"
CONTAINER_APPS_CPU_METRIC = "Utilization"
#: Probe bounds of `app.ContainerAppProbeArgs` (pulumi_azure_native 3.29.0 docstrings):
#: failure_threshold 1..10, period_seconds 1..240, timeout_seconds 1..240,
#: initial_delay_seconds 1..60.
PROBE_FAILURE_THRESHOLD_MAX = 10
PROBE_PERIOD_SECONDS_MAX = 240
PROBE_INITIAL_DELAY_SECONDS = (1, 60)
#: The environment's application logs go to Azure Monitor (`appLogsConfiguration.destination`
#: "azure-monitor"), which routes them through a diagnostic setting, instead of
#: "log-analytics", which needs the workspace's shared key in the environment's configuration.
#: Source: pulumi_azure_native 3.29.0 `app.AppLogsConfigurationArgs` ("Logs destination, can be
#: 'log-analytics', 'azure-monitor' or 'none'"; `LogAnalyticsConfigurationArgs.shared_key`);
#: "Log storage and monitoring options in Azure Container Apps",
#: https://learn.microsoft.com/azure/container-apps/log-options
CONTAINER_APPS_LOG_DESTINATION = "azure-monitor"
#: The environment's resource log categories (console and system logs). Source: "Supported
#: logs for Microsoft.App/managedEnvironments",
#: https://learn.microsoft.com/azure/azure-monitor/reference/supported-logs/microsoft-app-managedenvironments-logs
#: (read 2026-12-02; the Spring and session-pool categories are for features not used here).
CONTAINER_APPS_LOG_CATEGORIES: tuple[str, ...] = (
    "ContainerAppConsoleLogs", "ContainerAppSystemLogs")
#: Log Analytics workspace: the pay-as-you-go SKU `PerGB2018` (pulumi_azure_native 3.29.0
#: `operationalinsights.WorkspaceSkuNameEnum`) and its interactive retention, 30 days (the
#: default, included in the ingestion price) to 730 (two years). Source: "Manage data
#: retention in a Log Analytics workspace",
#: https://learn.microsoft.com/azure/azure-monitor/logs/data-retention-configure (docs.azure.cn
#: copy read 2026-12-02).
LOG_ANALYTICS_SKU = "PerGB2018"
LOG_RETENTION_DAYS = (30, 730)
#: A Key Vault secret's identifier as Container Apps references it (`keyVaultUrl`):
#: `https://<vault>.vault.azure.net/secrets/<name>` (the latest version, picked up within 30
#: minutes of a change) or `.../secrets/<name>/<version>`. Sources: "Manage secrets in Azure
#: Container Apps", section "Key Vault secret URI and secret rotation",
#: https://learn.microsoft.com/azure/container-apps/manage-secrets (read 2026-12-02); the
#: vault DNS suffixes of the sovereign clouds and the name rules (vault 3-24 characters,
#: secret 1-127 letters, digits and dashes, version 32 hex digits):
#: https://learn.microsoft.com/azure/key-vault/general/about-keys-secrets-certificates
#: (not retrieved).
KEY_VAULT_SECRET_URI = re.compile(
    r"https://(?P<vault>[A-Za-z0-9-]{3,24})\.(?:vault\.azure\.net|vault\.azure\.cn|"
    r"vault\.usgovcloudapi\.net)(?::443)?/secrets/(?P<name>[A-Za-z0-9-]{1,127})"
    r"(?:/(?P<version>[0-9a-fA-F]{32}))?/?")
#: AcrPull: pull images from a container registry (given to each app's identity only when a
#: registry is given). Source: "Azure built-in roles for Containers",
#: https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/containers
#: (not retrieved).
ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d"


def container_apps_size_problem(cpu_millicores: int, memory_mib: int) -> str | None:
    """Why a Container Apps Consumption workload profile cannot run a container of this
    neutral size, or None when it can.

    Pure: the Azure Compute component and the stack configuration call it alike; the message
    names the size and the allowed combinations (`CONTAINER_APPS_CPU_MEMORY_MIB`).
    """
    allowed = ", ".join(f"{cpu / 1000:g} vCPU with {mib} MiB"
                        for cpu, mib in CONTAINER_APPS_CPU_MEMORY_MIB.items())
    size = f"cpu {cpu_millicores / 1000:g} vCPU ({cpu_millicores} millicores)"
    if cpu_millicores not in CONTAINER_APPS_CPU_MEMORY_MIB:
        return (f"{size} is not a Container Apps CPU allocation (0.25 to 4 vCPU in steps of "
                f"0.25); allowed: {allowed}")
    expected = CONTAINER_APPS_CPU_MEMORY_MIB[cpu_millicores]
    if memory_mib != expected:
        return (f"{size} with memory {memory_mib} MiB: Container Apps gives "
                f"{cpu_millicores / 1000:g} vCPU exactly {expected} MiB "
                f"({expected / 1024:g} GiB); allowed: {allowed}")
    return None
