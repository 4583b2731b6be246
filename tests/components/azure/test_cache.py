"""The Azure Cache component (Azure Managed Redis) under the offline mocks: TLS only, no public
network access, a private endpoint with its DNS zone group, HA when asked, the access key in
Key Vault (or Entra ID only) and exact grants.

What these tests do not prove: that the SKU is offered in the region, that the zone is linked
to the VNet, or that a client can reach the endpoint; only that the program asks Azure for what
it should.
"""

from typing import Any

import pulumi
import pytest

from forge_components.azure.cache import Cache, CacheArgs, validate_cache_args
from forge_components.azure.limits import (
    AMR_CLUSTER_NAME,
    AMR_SKUS,
    KEY_VAULT_SECRETS_USER,
)
from forge_components.contracts import CacheOutputs
from forge_infra.plan.recorder import SECRET_MASK, Recording
from tests.components.azure.cache_storage_support import (
    API_PRINCIPAL,
    ARM_ID_PREFIX,
    LOCATION,
    PE_SUBNET_ID,
    REDIS_ZONE_ID,
    RG,
    WORKER_PRINCIPAL,
    assert_azure_component_schema,
    role_definition_id,
    run_azure,
)

CLUSTER = "azure-native:redisenterprise:RedisEnterprise"
DATABASE = "azure-native:redisenterprise:Database"
POLICY = "azure-native:redisenterprise:AccessPolicyAssignment"
ENDPOINT = "azure-native:network:PrivateEndpoint"
ZONE_GROUP = "azure-native:network:PrivateDnsZoneGroup"
SECRET = "azure-native:keyvault:Secret"
ROLE = "azure-native:authorization:RoleAssignment"
OUTPUT_NAMES = {"host", "port", "auth_token_secret_id", "cluster_id", "cluster_name",
                "auth_mode", "private_endpoint_id", "private_ip_address"}
VAULT = "forge-kv"


def _args(**overrides: Any) -> CacheArgs:
    base: dict[str, Any] = {
        "resource_group_name": RG, "location": LOCATION,
        "private_endpoint_subnet_id": PE_SUBNET_ID, "private_dns_zone_id": REDIS_ZONE_ID,
        "key_vault_name": VAULT}
    return CacheArgs(**(base | overrides))  # type: ignore[typeddict-item]


def build(**overrides: Any) -> Recording:
    """One Cache named "cache", its outputs exported under their own names."""
    def program() -> None:
        cache = Cache("cache", _args(**overrides))
        for key in OUTPUT_NAMES:
            pulumi.export(key, getattr(cache, key))
    return run_azure(program)


def test_the_schema_serves_the_contract_and_every_output():
    assert_azure_component_schema(Cache, CacheOutputs, OUTPUT_NAMES)


def test_the_cluster_is_tls_1_2_private_and_on_an_amr_sku():
    rec = build()
    cluster = rec.one(CLUSTER, "cache-redis")
    inputs = cluster.inputs
    assert inputs["minimumTlsVersion"] == "1.2", cluster.urn
    assert inputs["publicNetworkAccess"] == "Disabled", cluster.urn
    assert inputs["sku"] == {"name": "Balanced_B0"}, cluster.urn
    assert inputs["location"] == LOCATION and inputs["resourceGroupName"] == RG
    assert inputs["tags"] == {"component": "forge-azure-cache"}
    assert cluster.protect is False
    assert cluster.resource_id.startswith(
        f"{ARM_ID_PREFIX}{RG}/providers/Microsoft.Cache/redisEnterprise/")


def test_the_database_speaks_tls_only_on_port_10000():
    rec = build()
    database = rec.one(DATABASE, "cache-db")
    inputs = database.inputs
    assert inputs["clientProtocol"] == "Encrypted", database.urn
    assert inputs["port"] == 10000, database.urn
    assert inputs["databaseName"] == "default"
    assert inputs["clusterName"] == rec.one(CLUSTER).outputs["name"]
    assert inputs["clusteringPolicy"] == "EnterpriseCluster"
    assert inputs["evictionPolicy"] == "VolatileLRU"
    assert inputs["persistence"] == {"aofEnabled": False, "rdbEnabled": False}
    assert database.resource_id == f"{rec.one(CLUSTER).resource_id}/databases/default"
    assert rec.exports["port"] == 10000


def test_high_availability_only_when_asked():
    assert rec_cluster(build())["highAvailability"] == "Disabled"
    assert rec_cluster(build(high_availability=True))["highAvailability"] == "Enabled"


def rec_cluster(rec: Recording) -> dict[str, Any]:
    return rec.one(CLUSTER).inputs


def test_a_private_endpoint_in_the_given_subnet_with_the_redis_zone_group():
    rec = build()
    cluster, endpoint = rec.one(CLUSTER), rec.one(ENDPOINT, "cache-pe")
    assert endpoint.inputs["subnet"]["id"] == PE_SUBNET_ID, endpoint.urn
    assert endpoint.inputs["privateLinkServiceConnections"] == [{
        "name": "cache-redis", "privateLinkServiceId": cluster.resource_id,
        "groupIds": ["redisEnterprise"]}]
    assert "manualPrivateLinkServiceConnections" not in endpoint.inputs
    group = rec.one(ZONE_GROUP, "cache-pe-dns")
    assert group.inputs["privateEndpointName"] == endpoint.outputs["name"]
    assert group.inputs["privateDnsZoneConfigs"] == [
        {"name": "redis", "privateDnsZoneId": REDIS_ZONE_ID}]
    assert rec.exports["private_endpoint_id"] == endpoint.resource_id
    assert rec.exports["private_ip_address"].startswith("10.")
    assert rec.exports["host"] == f"{cluster.outputs['name']}.{LOCATION}.redis.azure.net"


def test_the_access_key_goes_to_key_vault_as_a_secret_read_by_the_clients_only():
    rec = build(client_principal_ids=[API_PRINCIPAL, WORKER_PRINCIPAL])
    assert rec.one(DATABASE).inputs["accessKeysAuthentication"] == "Enabled"
    secret = rec.one(SECRET, "cache-access-key")
    assert secret.inputs["vaultName"] == VAULT and secret.inputs["resourceGroupName"] == RG
    assert secret.inputs["secretName"] == "cache-redis-access-key"
    assert secret.inputs["properties"] == SECRET_MASK, "the key is a Pulumi secret"
    assert "properties" in secret.additional_secret_outputs
    uri = f"https://{VAULT}.vault.azure.net/secrets/cache-redis-access-key"
    assert rec.exports["auth_token_secret_id"] == uri
    assert rec.exports["auth_mode"] == "access-key"
    grants = sorted((g.inputs["scope"], g.inputs["roleDefinitionId"], g.inputs["principalId"],
                     g.inputs["principalType"]) for g in rec.of_type(ROLE))
    role = role_definition_id(KEY_VAULT_SECRETS_USER)
    assert grants == [(secret.resource_id, role, API_PRINCIPAL, "ServicePrincipal"),
                      (secret.resource_id, role, WORKER_PRINCIPAL, "ServicePrincipal")]
    assert rec.of_type(POLICY) == []


def test_no_key_secret_grant_without_clients():
    rec = build()
    assert rec.of_type(ROLE) == [] and len(rec.of_type(SECRET)) == 1


def test_the_key_vault_may_live_in_another_resource_group():
    rec = build(key_vault_resource_group_name="forge-secrets")
    assert rec.one(SECRET).inputs["resourceGroupName"] == "forge-secrets"


def test_entra_id_disables_access_keys_and_assigns_exactly_the_clients():
    rec = build(auth_mode="entra-id", key_vault_name=None,
                client_principal_ids=[API_PRINCIPAL, WORKER_PRINCIPAL])
    database = rec.one(DATABASE)
    assert database.inputs["accessKeysAuthentication"] == "Disabled", database.urn
    assignments = sorted((a.inputs["accessPolicyName"], a.inputs["user"]["objectId"],
                          a.inputs["databaseName"], a.inputs["clusterName"])
                         for a in rec.of_type(POLICY))
    cluster_name = rec.one(CLUSTER).outputs["name"]
    assert assignments == [("default", API_PRINCIPAL, "default", cluster_name),
                           ("default", WORKER_PRINCIPAL, "default", cluster_name)]
    assert rec.of_type(SECRET) == [] and rec.of_type(ROLE) == []
    assert rec.exports["auth_token_secret_id"] == ""
    assert rec.exports["auth_mode"] == "entra-id"


def test_sizing_clustering_eviction_persistence_and_protect_come_from_the_args():
    rec = build(sku_name="MemoryOptimized_M10", clustering_policy="OSSCluster",
                eviction_policy="NoEviction", rdb_frequency="6h", protect=True,
                tags={"team": "data"})
    cluster, database = rec.one(CLUSTER), rec.one(DATABASE)
    assert cluster.inputs["sku"] == {"name": "MemoryOptimized_M10"}
    assert cluster.inputs["tags"] == {"team": "data", "component": "forge-azure-cache"}
    assert database.inputs["clusteringPolicy"] == "OSSCluster"
    assert database.inputs["evictionPolicy"] == "NoEviction"
    assert database.inputs["persistence"] == {"aofEnabled": False, "rdbEnabled": True,
                                              "rdbFrequency": "6h"}
    assert cluster.protect is True and database.protect is True
    assert rec.one(ENDPOINT).protect is False


def test_every_resource_id_is_an_arm_id_in_the_resource_group():
    rec = build(client_principal_ids=[API_PRINCIPAL])
    for resource in rec.resources:
        if resource.custom:
            assert resource.resource_id.startswith(f"{ARM_ID_PREFIX}{RG}/providers/"), (
                resource.urn, resource.resource_id)


def test_the_cluster_names_the_component_can_produce_fit_amr():
    longest = "c" * 46
    validate_cache_args(longest, _args())
    assert AMR_CLUSTER_NAME.fullmatch(f"{longest}-redis0123abcd")
    assert len(f"{longest}-redis0123abcd") <= 60


def test_every_amr_sku_is_accepted():
    for sku in AMR_SKUS:
        validate_cache_args("cache", _args(sku_name=sku))


@pytest.mark.parametrize(("overrides", "message"), [
    ({"sku_name": "Enterprise_E10"},
     "Cache: sku_name 'Enterprise_E10' is Azure Cache for Redis Enterprise, retiring on "
     "2027-03-31; use Azure Managed Redis (Balanced_*, MemoryOptimized_* or "
     "ComputeOptimized_*)"),
    ({"sku_name": "EnterpriseFlash_F300"},
     "Cache: sku_name 'EnterpriseFlash_F300' is Azure Cache for Redis Enterprise Flash, "
     "retiring on 2027-03-31; use Azure Managed Redis (Balanced_*, MemoryOptimized_* or "
     "ComputeOptimized_*)"),
    ({"sku_name": "Standard_C1"},
     "Cache: sku_name 'Standard_C1' is not an Azure Managed Redis SKU (Balanced_B0..Balanced_"
     "B1000, MemoryOptimized_M10..M2000, ComputeOptimized_X3..X700)"),
    ({"clustering_policy": "Cluster"},
     "Cache: clustering_policy 'Cluster' is not one of ['EnterpriseCluster', 'OSSCluster', "
     "'NoCluster']"),
    ({"rdb_frequency": "24h"},
     "Cache: rdb_frequency '24h' is not one of ['1h', '6h', '12h'] (or None for no "
     "persistence)"),
    ({"auth_mode": "password"},
     "Cache: auth_mode 'password' is not one of ['access-key', 'entra-id']"),
    ({"key_vault_name": None},
     "Cache: auth_mode 'access-key' needs key_vault_name: the access key is kept in Key "
     "Vault, never in plain outputs"),
    ({"auth_mode": "entra-id"},
     "Cache: auth_mode 'entra-id' stores no access key: key_vault_name and "
     "key_vault_resource_group_name are refused with it"),
])
def test_invalid_args_are_refused_with_the_field_and_what_is_allowed(overrides, message):
    with pytest.raises(ValueError) as error:
        validate_cache_args("cache", _args(**overrides))
    assert str(error.value) == message


@pytest.mark.parametrize("name", ["Cache", "cache-", "ca--che", "1cache", "c" * 47])
def test_names_azure_would_refuse_are_refused(name):
    with pytest.raises(ValueError, match=r"^Cache: name "):
        validate_cache_args(name, _args())
