"""The offline mocks answer every Azure type the Cache and Storage components use with the
provider's own ids and outputs (forge_infra.plan.mocks.azure_native), so a plan shows ARM ids,
host names and private IPs, never a generic stand-in."""

import ipaddress

from forge_components.azure.cache import Cache, CacheArgs
from forge_components.azure.storage import Storage, StorageArgs
from forge_infra.plan.mocks.azure_native import KNOWN_DATA_TYPES, AzureNativeMocks
from forge_infra.plan.mocks.base import MockContext
from tests.components.azure.cache_storage_support import (
    API_PRINCIPAL,
    BLOB_ZONE_ID,
    LOCATION,
    PE_SUBNET_ID,
    REDIS_ZONE_ID,
    RG,
    run_azure,
)


def both() -> None:
    Cache("cache", CacheArgs(
        resource_group_name=RG, location=LOCATION, private_endpoint_subnet_id=PE_SUBNET_ID,
        private_dns_zone_id=REDIS_ZONE_ID, key_vault_name="forge-kv",
        client_principal_ids=[API_PRINCIPAL]))
    Cache("entra", CacheArgs(
        resource_group_name=RG, location=LOCATION, private_endpoint_subnet_id=PE_SUBNET_ID,
        private_dns_zone_id=REDIS_ZONE_ID, auth_mode="entra-id",
        client_principal_ids=[API_PRINCIPAL]))
    Storage("files", StorageArgs(
        resource_group_name=RG, location=LOCATION, private_endpoint_subnet_id=PE_SUBNET_ID,
        blob_private_dns_zone_id=BLOB_ZONE_ID, readers={"reports": [API_PRINCIPAL]}))


def test_every_azure_type_of_the_components_gets_a_provider_format_id():
    rec = run_azure(both)
    used = {r.type for r in rec.resources if r.custom and r.type.startswith("azure-native:")}
    assert used == set(KNOWN_DATA_TYPES), sorted(used ^ set(KNOWN_DATA_TYPES))


def test_endpoints_get_private_ips_and_secrets_never_echo_their_value():
    rec = run_azure(both)
    for endpoint in rec.of_type("azure-native:network:PrivateEndpoint"):
        ip = endpoint.outputs["customDnsConfigs"][0]["ipAddresses"][0]
        assert ipaddress.ip_address(ip).is_private, (endpoint.urn, ip)
        assert endpoint.outputs["networkInterfaces"][0]["id"].startswith("/subscriptions/")
    mocks = AzureNativeMocks(MockContext(region=LOCATION))
    secret_id, outputs = mocks.new_resource(
        "azure-native:keyvault:Secret", "s",
        {"resourceGroupName": RG, "vaultName": "forge-kv", "secretName": "key",
         "properties": {"value": "hunter2", "contentType": "text/plain"}})
    assert secret_id.endswith(f"/resourceGroups/{RG}/providers/Microsoft.KeyVault/vaults/"
                              "forge-kv/secrets/key")
    assert outputs["properties"]["secretUri"] == "https://forge-kv.vault.azure.net/secrets/key"
    assert "value" not in outputs["properties"]
