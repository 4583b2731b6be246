"""pulumi_azure_native (token package `azure-native`): ARM ids and the client configuration.

Small on purpose until the Azure target exists: every resource gets an Azure Resource Manager
id in its resource group (`/subscriptions/<sub>/resourceGroups/<rg>/providers/<namespace>/
<type>/<name>`) and its `name`; the client-config function answers. Everything else echoes its
inputs; unknown functions raise.

The types the Cache and Storage components use (`_DATA_TYPES`) get the provider's own ARM path
(child resources under their parent's path, e.g. `.../redisEnterprise/<cluster>/databases/
default`) and the outputs later resources consume: the AMR cluster's host name
(`<name>.<region>.redis.azure.net`), the database's port, a private endpoint's private IP,
a Key Vault secret's URI (never its value), a storage account's blob endpoint, role
assignments under their scope, and the database's access keys (listDatabaseKeys).

What they do not prove: that Azure accepts the request (quotas, a SKU in a region, a name
already taken), only the format of what it would return.
"""

from __future__ import annotations

from typing import Any

from forge_infra.plan.mocks.base import MockContext, ProviderPackageMocks, stable_hex

DEFAULT_SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000"
DEFAULT_TENANT_ID = "11111111-1111-1111-1111-111111111111"
RESOURCE_GROUP = "azure-native:resources:ResourceGroup"

# -- Cache and Storage component types (branch az-cache-store) -------------------------------
#: ARM path under the resource group's `providers/` of each type, by token, and the input that
#: holds the resource's own name: `{name}` is that name, other fields are inputs (camelCase).
_DATA_TYPES: dict[str, tuple[str, str]] = {
    "azure-native:redisenterprise:RedisEnterprise": (
        "clusterName", "Microsoft.Cache/redisEnterprise/{name}"),
    "azure-native:redisenterprise:Database": (
        "databaseName", "Microsoft.Cache/redisEnterprise/{clusterName}/databases/{name}"),
    "azure-native:redisenterprise:AccessPolicyAssignment": (
        "accessPolicyAssignmentName",
        "Microsoft.Cache/redisEnterprise/{clusterName}/databases/{databaseName}/"
        "accessPolicyAssignments/{name}"),
    "azure-native:network:PrivateEndpoint": (
        "privateEndpointName", "Microsoft.Network/privateEndpoints/{name}"),
    "azure-native:network:PrivateDnsZoneGroup": (
        "privateDnsZoneGroupName",
        "Microsoft.Network/privateEndpoints/{privateEndpointName}/privateDnsZoneGroups/{name}"),
    "azure-native:keyvault:Secret": (
        "secretName", "Microsoft.KeyVault/vaults/{vaultName}/secrets/{name}"),
    "azure-native:storage:StorageAccount": (
        "accountName", "Microsoft.Storage/storageAccounts/{name}"),
    "azure-native:storage:BlobServiceProperties": (
        "blobServicesName", "Microsoft.Storage/storageAccounts/{accountName}/blobServices/{name}"),
    "azure-native:storage:BlobContainer": (
        "containerName",
        "Microsoft.Storage/storageAccounts/{accountName}/blobServices/default/containers/{name}"),
    "azure-native:storage:ManagementPolicy": (
        "managementPolicyName",
        "Microsoft.Storage/storageAccounts/{accountName}/managementPolicies/{name}"),
}
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
#: The types whose ids the mocks give in the provider's own format.
KNOWN_DATA_TYPES: frozenset[str] = frozenset({*_DATA_TYPES, ROLE_ASSIGNMENT})


def _uuid(*parts: str) -> str:
    """A deterministic UUID-shaped string (role assignment names are GUIDs)."""
    h = stable_hex(*parts, length=32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def private_ip(*parts: str) -> str:
    """A deterministic private IP in 10.0.0.0/16, past Azure's reserved first four."""
    n = int(stable_hex(*parts, length=6), 16) % (65536 - 8) + 4
    return f"10.0.{n // 256}.{n % 256}"


class AzureNativeMocks(ProviderPackageMocks):
    """Deterministic stand-ins for the Azure Native provider."""

    package = "azure-native"

    def __init__(self, context: MockContext,
                 subscription_id: str = DEFAULT_SUBSCRIPTION_ID) -> None:
        super().__init__(context)
        self.subscription_id = subscription_id
        self.functions["azure-native:authorization:getClientConfig"] = self._client_config
        self._add_data_types()

    def _name(self, type_token: str, name: str, inputs: dict[str, Any]) -> str:
        keys: tuple[str, ...] = ("resourceGroupName",) if type_token == RESOURCE_GROUP else ()
        if type_token in _DATA_TYPES:
            keys = (_DATA_TYPES[type_token][0],)
        elif type_token == ROLE_ASSIGNMENT:
            return str(inputs.get("roleAssignmentName") or _uuid(type_token, name))
        for key in (*keys, "resourceName", "name"):
            value = inputs.get(key)
            if isinstance(value, str) and value:
                return value
        return f"{name}{stable_hex(type_token, name, length=8)}"

    def resource_id(self, type_token: str, name: str, inputs: dict[str, Any]) -> str:
        """The ARM id; the provider namespace and type are derived from the token."""
        own = self._name(type_token, name, inputs)
        base = f"/subscriptions/{self.subscription_id}/resourceGroups"
        if type_token == RESOURCE_GROUP:
            return f"{base}/{own}"
        if type_token == ROLE_ASSIGNMENT:
            scope = str(inputs.get("scope") or f"/subscriptions/{self.subscription_id}")
            return f"{scope}/providers/Microsoft.Authorization/roleAssignments/{own}"
        if type_token in _DATA_TYPES:
            values = {k: str(v) for k, v in inputs.items() if isinstance(v, str)}
            path = _DATA_TYPES[type_token][1].format_map({**values, "name": own})
            group = inputs.get("resourceGroupName") or "unknown"
            return f"{base}/{group}/providers/{path}"
        module, kind = type_token.split(":")[1:]
        group = inputs.get("resourceGroupName") or "unknown"
        collection = kind[0].lower() + kind[1:] + "s"
        return f"{base}/{group}/providers/Microsoft.{module.capitalize()}/{collection}/{own}"

    def new_resource(self, type_token: str, name: str,
                     inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Echo the inputs, with the ARM `name` and the location."""
        resource_id, outputs = super().new_resource(type_token, name, inputs)
        outputs.setdefault("name", self._name(type_token, name, inputs))
        outputs.setdefault("location", inputs.get("location") or self.context.region)
        return resource_id, outputs

    def _client_config(self, _args: dict[str, Any]) -> dict[str, Any]:
        return {"clientId": "22222222-2222-2222-2222-222222222222",
                "objectId": "33333333-3333-3333-3333-333333333333",
                "subscriptionId": self.subscription_id, "tenantId": DEFAULT_TENANT_ID}

    # -- Cache and Storage component types (branch az-cache-store) ---------------------------

    def _add_data_types(self) -> None:
        self.functions["azure-native:redisenterprise:listDatabaseKeys"] = self._database_keys
        self.resources.update({
            "azure-native:redisenterprise:RedisEnterprise": self._redis_cluster,
            "azure-native:redisenterprise:Database": self._redis_database,
            "azure-native:network:PrivateEndpoint": self._private_endpoint,
            "azure-native:keyvault:Secret": self._key_vault_secret,
            "azure-native:storage:StorageAccount": self._storage_account,
        })

    def _location(self, inputs: dict[str, Any]) -> str:
        return str(inputs.get("location") or self.context.region)

    def _redis_cluster(self, name: str, inputs: dict[str, Any], _id: str) -> dict[str, Any]:
        own = self._name("azure-native:redisenterprise:RedisEnterprise", name, inputs)
        return {"hostName": f"{own}.{self._location(inputs)}.redis.azure.net",
                "provisioningState": "Succeeded", "resourceState": "Running"}

    def _redis_database(self, _name: str, inputs: dict[str, Any], _id: str) -> dict[str, Any]:
        return {"port": inputs.get("port") or 10000, "provisioningState": "Succeeded"}

    def _private_endpoint(self, name: str, inputs: dict[str, Any],
                          resource_id: str) -> dict[str, Any]:
        own = self._name("azure-native:network:PrivateEndpoint", name, inputs)
        group = resource_id.split("/providers/")[0]
        nic = f"{group}/providers/Microsoft.Network/networkInterfaces/{own}.nic"
        return {"customDnsConfigs": [{"ipAddresses": [private_ip(resource_id)]}],
                "networkInterfaces": [{"id": nic}], "provisioningState": "Succeeded"}

    def _key_vault_secret(self, name: str, inputs: dict[str, Any],
                          _id: str) -> dict[str, Any]:
        own = self._name("azure-native:keyvault:Secret", name, inputs)
        uri = f"https://{inputs.get('vaultName')}.vault.azure.net/secrets/{own}"
        properties = {k: v for k, v in dict(inputs.get("properties") or {}).items()
                      if k != "value"}  # the API never returns a secret's value
        return {"properties": {**properties, "secretUri": uri,
                               "secretUriWithVersion": f"{uri}/{stable_hex(uri, length=32)}"}}

    def _storage_account(self, name: str, inputs: dict[str, Any], _id: str) -> dict[str, Any]:
        own = self._name("azure-native:storage:StorageAccount", name, inputs)
        outputs: dict[str, Any] = {"primaryEndpoints": {
            service: f"https://{own}.{service}.core.windows.net/"
            for service in ("blob", "dfs", "file", "queue", "table", "web")},
            "provisioningState": "Succeeded"}
        identity = inputs.get("identity")
        if isinstance(identity, dict) and identity.get("userAssignedIdentities"):
            # The input lists the identities' ids; the API answers a map id -> identity.
            outputs["identity"] = {**identity, "userAssignedIdentities": {
                ident: {"principalId": _uuid("principal", ident),
                        "clientId": _uuid("client", ident)}
                for ident in identity["userAssignedIdentities"]}}
        return outputs

    def _database_keys(self, args: dict[str, Any]) -> dict[str, Any]:
        cluster = str(args.get("clusterName"))
        return {"primaryKey": stable_hex("primary", cluster, length=44),
                "secondaryKey": stable_hex("secondary", cluster, length=44)}
