"""pulumi_azure_native (token package `azure-native`): ARM ids and the client configuration.

Small on purpose until the Azure target exists: every resource gets an Azure Resource Manager
id in its resource group (`/subscriptions/<sub>/resourceGroups/<rg>/providers/<namespace>/
<type>/<name>`) and its `name`; the client-config function answers. Everything else echoes its
inputs; unknown functions raise.

The types the Cache and Storage components use get the provider's own ARM paths too (child
resources under their parent's path, e.g. `.../redisEnterprise/<cluster>/databases/default`)
and the outputs later resources consume: the Azure Managed Redis cluster's host name
(`<name>.<region>.redis.azure.net`), the database's port, a storage account's endpoints and
identities, and the database's access keys (`listDatabaseKeys`). What the mocks do not prove:
that Azure accepts the request (quotas, a SKU in a region, a name already taken), only the
format of what it would return.
"""

from __future__ import annotations

import ipaddress
import uuid
from typing import Any

from forge_infra.plan.mocks.base import MockContext, ProviderPackageMocks, stable_hex

DEFAULT_SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000"
DEFAULT_TENANT_ID = "11111111-1111-1111-1111-111111111111"
RESOURCE_GROUP = "azure-native:resources:ResourceGroup"

# -- networking and PostgreSQL flexible server (forge_components.azure networking, database) --
#: Each type's ARM id under its resource group, `{name}` its own name and `{<input>}` the
#: named inputs (parents' names), and the input key that carries its own name. Source: the
#: types' resource ids in the Azure REST API reference (https://learn.microsoft.com/rest/api/).
ARM_PATHS: dict[str, tuple[str, str]] = {
    "azure-native:network:VirtualNetwork": (
        "Microsoft.Network/virtualNetworks/{name}", "virtualNetworkName"),
    "azure-native:network:Subnet": (
        "Microsoft.Network/virtualNetworks/{virtualNetworkName}/subnets/{name}", "subnetName"),
    "azure-native:network:NetworkSecurityGroup": (
        "Microsoft.Network/networkSecurityGroups/{name}", "networkSecurityGroupName"),
    "azure-native:network:NatGateway": (
        "Microsoft.Network/natGateways/{name}", "natGatewayName"),
    "azure-native:network:PublicIPAddress": (
        "Microsoft.Network/publicIPAddresses/{name}", "publicIpAddressName"),
    "azure-native:network:FlowLog": (
        "Microsoft.Network/networkWatchers/{networkWatcherName}/flowLogs/{name}", "flowLogName"),
    "azure-native:network:PrivateEndpoint": (
        "Microsoft.Network/privateEndpoints/{name}", "privateEndpointName"),
    "azure-native:network:PrivateDnsZoneGroup": (
        "Microsoft.Network/privateEndpoints/{privateEndpointName}/privateDnsZoneGroups/{name}",
        "privateDnsZoneGroupName"),
    "azure-native:privatedns:PrivateZone": (
        "Microsoft.Network/privateDnsZones/{name}", "privateZoneName"),
    "azure-native:privatedns:VirtualNetworkLink": (
        "Microsoft.Network/privateDnsZones/{privateZoneName}/virtualNetworkLinks/{name}",
        "virtualNetworkLinkName"),
    "azure-native:dbforpostgresql:Server": (
        "Microsoft.DBforPostgreSQL/flexibleServers/{name}", "serverName"),
    "azure-native:dbforpostgresql:Configuration": (
        "Microsoft.DBforPostgreSQL/flexibleServers/{serverName}/configurations/{name}",
        "configurationName"),
    "azure-native:dbforpostgresql:Database": (
        "Microsoft.DBforPostgreSQL/flexibleServers/{serverName}/databases/{name}",
        "databaseName"),
    "azure-native:dbforpostgresql:AdministratorsMicrosoftEntra": (
        "Microsoft.DBforPostgreSQL/flexibleServers/{serverName}/administrators/{name}",
        "objectId"),
    "azure-native:keyvault:Vault": ("Microsoft.KeyVault/vaults/{name}", "vaultName"),
    "azure-native:keyvault:Secret": (
        "Microsoft.KeyVault/vaults/{vaultName}/secrets/{name}", "secretName"),
    # -- Azure Managed Redis and Storage (forge_components.azure cache, storage) --
    "azure-native:redisenterprise:RedisEnterprise": (
        "Microsoft.Cache/redisEnterprise/{name}", "clusterName"),
    "azure-native:redisenterprise:Database": (
        "Microsoft.Cache/redisEnterprise/{clusterName}/databases/{name}", "databaseName"),
    "azure-native:redisenterprise:AccessPolicyAssignment": (
        "Microsoft.Cache/redisEnterprise/{clusterName}/databases/{databaseName}/"
        "accessPolicyAssignments/{name}", "accessPolicyAssignmentName"),
    "azure-native:storage:StorageAccount": (
        "Microsoft.Storage/storageAccounts/{name}", "accountName"),
    "azure-native:storage:BlobServiceProperties": (
        "Microsoft.Storage/storageAccounts/{accountName}/blobServices/{name}",
        "blobServicesName"),
    "azure-native:storage:BlobContainer": (
        "Microsoft.Storage/storageAccounts/{accountName}/blobServices/default/containers/{name}",
        "containerName"),
    "azure-native:storage:ManagementPolicy": (
        "Microsoft.Storage/storageAccounts/{accountName}/managementPolicies/{name}",
        "managementPolicyName"),
    # -- eventhub, cdn (Front Door), dns, consumption (forge_components.azure streaming, cdn,
    #    budget). Sources: the REST API reference of each type (https://learn.microsoft.com/
    #    rest/api/eventhub/, /rest/api/frontdoor/, /rest/api/dns/, /rest/api/consumption/).
    "azure-native:eventhub:Namespace": (
        "Microsoft.EventHub/namespaces/{name}", "namespaceName"),
    "azure-native:eventhub:EventHub": (
        "Microsoft.EventHub/namespaces/{namespaceName}/eventhubs/{name}", "eventHubName"),
    "azure-native:eventhub:NamespaceAuthorizationRule": (
        "Microsoft.EventHub/namespaces/{namespaceName}/authorizationRules/{name}",
        "authorizationRuleName"),
    "azure-native:cdn:Profile": ("Microsoft.Cdn/profiles/{name}", "profileName"),
    "azure-native:cdn:AFDEndpoint": (
        "Microsoft.Cdn/profiles/{profileName}/afdEndpoints/{name}", "endpointName"),
    "azure-native:cdn:AFDOriginGroup": (
        "Microsoft.Cdn/profiles/{profileName}/originGroups/{name}", "originGroupName"),
    "azure-native:cdn:AFDOrigin": (
        "Microsoft.Cdn/profiles/{profileName}/originGroups/{originGroupName}/origins/{name}",
        "originName"),
    "azure-native:cdn:Route": (
        "Microsoft.Cdn/profiles/{profileName}/afdEndpoints/{endpointName}/routes/{name}",
        "routeName"),
    "azure-native:cdn:AFDCustomDomain": (
        "Microsoft.Cdn/profiles/{profileName}/customDomains/{name}", "customDomainName"),
    "azure-native:cdn:SecurityPolicy": (
        "Microsoft.Cdn/profiles/{profileName}/securityPolicies/{name}", "securityPolicyName"),
    "azure-native:frontdoor:Policy": (
        "Microsoft.Network/frontDoorWebApplicationFirewallPolicies/{name}", "policyName"),
    "azure-native:dns:RecordSet": (
        "Microsoft.Network/dnsZones/{zoneName}/{recordType}/{name}", "relativeRecordSetName"),
    # -- app (Container Apps), operationalinsights, managedidentity (forge_components.azure
    # compute) --
    "azure-native:app:ManagedEnvironment": (
        "Microsoft.App/managedEnvironments/{name}", "environmentName"),
    "azure-native:app:ContainerApp": ("Microsoft.App/containerApps/{name}", "containerAppName"),
    "azure-native:app:Job": ("Microsoft.App/jobs/{name}", "jobName"),
    "azure-native:operationalinsights:Workspace": (
        "Microsoft.OperationalInsights/workspaces/{name}", "workspaceName"),
    "azure-native:managedidentity:UserAssignedIdentity": (
        "Microsoft.ManagedIdentity/userAssignedIdentities/{name}", "resourceName"),
}
#: Types whose id hangs under the `scope` they are created at (a subscription or a resource
#: group), with their path under it and the input that carries their own name.
SCOPED_PATHS: dict[str, tuple[str, str]] = {
    "azure-native:consumption:Budget": ("Microsoft.Consumption/budgets/{name}", "budgetName"),
}
#: Types whose id hangs under another resource (`scope`, or the resource a lock names).
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
RESOURCE_LOCK = "azure-native:authorization:ManagementLockByScope"
# -- app (Container Apps), operationalinsights, managedidentity: the diagnostic setting hangs
# under the resource it reads (`resourceUri`), named by its `name` input. Source: the
# diagnostic settings REST API, https://learn.microsoft.com/rest/api/monitor/diagnostic-settings
DIAGNOSTIC_SETTING = "azure-native:monitor:DiagnosticSetting"
#: Every type given an id in Azure's own format (the others fall back to a derived one).
KNOWN_TYPES: frozenset[str] = frozenset({*ARM_PATHS, *SCOPED_PATHS, RESOURCE_GROUP,
                                         ROLE_ASSIGNMENT, RESOURCE_LOCK,
                                         DIAGNOSTIC_SETTING})
#: The types the Cache and Storage components use (tests/components/azure).
KNOWN_DATA_TYPES: frozenset[str] = frozenset({
    "azure-native:redisenterprise:RedisEnterprise", "azure-native:redisenterprise:Database",
    "azure-native:redisenterprise:AccessPolicyAssignment",
    "azure-native:network:PrivateEndpoint", "azure-native:network:PrivateDnsZoneGroup",
    "azure-native:keyvault:Secret", "azure-native:storage:StorageAccount",
    "azure-native:storage:BlobServiceProperties", "azure-native:storage:BlobContainer",
    "azure-native:storage:ManagementPolicy", ROLE_ASSIGNMENT})


class AzureNativeMocks(ProviderPackageMocks):
    """Deterministic stand-ins for the Azure Native provider."""

    package = "azure-native"

    def __init__(self, context: MockContext,
                 subscription_id: str = DEFAULT_SUBSCRIPTION_ID) -> None:
        super().__init__(context)
        self.subscription_id = subscription_id
        self.functions["azure-native:authorization:getClientConfig"] = self._client_config
        self.functions["azure-native:redisenterprise:listDatabaseKeys"] = self._database_keys
        self.functions["azure-native:eventhub:listNamespaceKeys"] = self._namespace_keys

    def _name(self, type_token: str, name: str, inputs: dict[str, Any]) -> str:
        keys: tuple[str, ...] = ("resourceGroupName",) if type_token == RESOURCE_GROUP else ()
        if type_token in ARM_PATHS:
            keys = (ARM_PATHS[type_token][1],)
        elif type_token in SCOPED_PATHS:
            keys = (SCOPED_PATHS[type_token][1],)
        elif type_token == DIAGNOSTIC_SETTING:
            keys = ("name",)
        elif type_token in (ROLE_ASSIGNMENT, RESOURCE_LOCK):
            keys = ("roleAssignmentName" if type_token == ROLE_ASSIGNMENT else "lockName",)
            value = inputs.get(keys[0])
            return value if isinstance(value, str) and value else (
                f"{name}{stable_hex(type_token, name, length=8)}")
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
        group = inputs.get("resourceGroupName") or "unknown"
        if type_token in ARM_PATHS:
            path = ARM_PATHS[type_token][0].format_map(
                {**{k: v for k, v in inputs.items() if isinstance(v, str)}, "name": own})
            return f"{base}/{group}/providers/{path}"
        if type_token in SCOPED_PATHS:
            path = SCOPED_PATHS[type_token][0].format(name=own)
            return f"{inputs.get('scope')}/providers/{path}"
        if type_token == ROLE_ASSIGNMENT:
            guid = inputs.get("roleAssignmentName") or _guid(name, str(inputs.get("scope")))
            return f"{inputs.get('scope')}/providers/Microsoft.Authorization/roleAssignments/{guid}"
        if type_token == RESOURCE_LOCK:
            return f"{inputs.get('scope')}/providers/Microsoft.Authorization/locks/{own}"
        if type_token == DIAGNOSTIC_SETTING:
            return (f"{inputs.get('resourceUri')}/providers/Microsoft.Insights/"
                    f"diagnosticSettings/{own}")
        module, kind = type_token.split(":")[1:]
        collection = kind[0].lower() + kind[1:] + "s"
        return f"{base}/{group}/providers/Microsoft.{module.capitalize()}/{collection}/{own}"

    def new_resource(self, type_token: str, name: str,
                     inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Echo the inputs, with the ARM `name` and the location."""
        resource_id, outputs = super().new_resource(type_token, name, inputs)
        outputs.setdefault("name", self._name(type_token, name, inputs))
        outputs.setdefault("location", inputs.get("location") or self.context.region)
        outputs.update(self._computed(type_token, resource_id, outputs))
        return resource_id, outputs

    def _computed(self, type_token: str, resource_id: str,
                  outputs: dict[str, Any]) -> dict[str, Any]:
        """What Azure computes for the types the components read back: addresses, FQDNs,
        URIs."""
        own = outputs["name"]
        if type_token == "azure-native:network:PublicIPAddress":
            return {"ipAddress": _address("20.0.0.0/8", resource_id)}
        if type_token == "azure-native:dbforpostgresql:Server":
            return {"fullyQualifiedDomainName": f"{own}.postgres.database.azure.com",
                    "state": "Ready"}
        if type_token == "azure-native:keyvault:Vault":
            properties = dict(outputs.get("properties") or {})
            properties["vaultUri"] = f"https://{own}.vault.azure.net/"
            return {"properties": properties}
        if type_token == "azure-native:keyvault:Secret":
            vault = outputs.get("vaultName")
            properties = dict(outputs.get("properties") or {})
            properties.pop("value", None)  # Azure never returns it
            uri = f"https://{vault}.vault.azure.net/secrets/{own}"
            properties.update({"secretUri": uri,
                               "secretUriWithVersion": f"{uri}/{stable_hex(resource_id)}"})
            return {"properties": properties}
        if type_token == "azure-native:network:PrivateEndpoint":
            # A private IP of the VNet (the subnet's range is not known here) per connection's
            # group, and the endpoint's network interface.
            groups = [g for c in outputs.get("privateLinkServiceConnections") or []
                      for g in c.get("groupIds") or []]
            return {"customDnsConfigs": [
                        {"ipAddresses": [_address("10.0.0.0/8", f"{resource_id}/{group}")]}
                        for group in groups],
                    "networkInterfaces": [{"id": f"{resource_id}.nic"}]}
        if type_token == "azure-native:authorization:RoleAssignment":
            return {"name": resource_id.rsplit("/", 1)[-1]}
        if type_token == "azure-native:redisenterprise:RedisEnterprise":
            return {"hostName": f"{own}.{outputs['location']}.redis.azure.net",
                    "provisioningState": "Succeeded", "resourceState": "Running"}
        if type_token == "azure-native:redisenterprise:Database":
            return {"port": outputs.get("port") or 10000, "provisioningState": "Succeeded"}
        if type_token == "azure-native:storage:StorageAccount":
            return self._storage_account(own, outputs)
        if type_token in CONTAINER_APPS_TYPES:
            return _container_apps_computed(type_token, resource_id, outputs)
        return self._edge(type_token, resource_id, own)

    def _edge(self, type_token: str, resource_id: str, own: str) -> dict[str, Any]:
        """What Azure computes for the Event Hubs, Front Door and DNS types: the namespace's
        endpoint, the profile's Front Door id (X-Azure-FDID), the endpoint's host name
        (`<endpoint>-<hash>.z01.azurefd.net`), a custom domain's DNS TXT validation token, a
        record set's FQDN."""
        if type_token == "azure-native:eventhub:Namespace":
            return {"serviceBusEndpoint": f"https://{own}.servicebus.windows.net:443/",
                    "status": "Active", "provisioningState": "Succeeded"}
        if type_token == "azure-native:cdn:Profile":
            return {"frontDoorId": _guid("front-door", resource_id),
                    "provisioningState": "Succeeded", "resourceState": "Active"}
        if type_token == "azure-native:cdn:AFDEndpoint":
            return {"hostName": f"{own}-{stable_hex(resource_id, length=16)}.z01.azurefd.net",
                    "provisioningState": "Succeeded", "deploymentStatus": "Succeeded"}
        if type_token == "azure-native:cdn:AFDCustomDomain":
            return {"validationProperties": {
                        "validationToken": stable_hex("validation", resource_id, length=32),
                        "expirationDate": "2027-01-01T00:00:00+00:00"},
                    "domainValidationState": "Pending", "provisioningState": "Succeeded"}
        if type_token == "azure-native:dns:RecordSet":
            return {"fqdn": f"{own}.{resource_id.split('/dnsZones/')[1].split('/')[0]}."}
        return {}

    def _storage_account(self, own: str, outputs: dict[str, Any]) -> dict[str, Any]:
        """A storage account's endpoints, and its user-assigned identities as the API answers
        them (a map id -> principal and client ids; the input lists the ids)."""
        computed: dict[str, Any] = {"primaryEndpoints": {
            service: f"https://{own}.{service}.core.windows.net/"
            for service in ("blob", "dfs", "file", "queue", "table", "web")},
            "provisioningState": "Succeeded"}
        identity = outputs.get("identity")
        if isinstance(identity, dict) and identity.get("userAssignedIdentities"):
            computed["identity"] = {**identity, "userAssignedIdentities": {
                ident: {"principalId": _guid("principal", ident),
                        "clientId": _guid("client", ident)}
                for ident in identity["userAssignedIdentities"]}}
        return computed

    def _database_keys(self, args: dict[str, Any]) -> dict[str, Any]:
        cluster = str(args.get("clusterName"))
        return {"primaryKey": stable_hex("primary", cluster, length=44),
                "secondaryKey": stable_hex("secondary", cluster, length=44)}

    def _namespace_keys(self, args: dict[str, Any]) -> dict[str, Any]:
        namespace, rule = str(args.get("namespaceName")), str(args.get("authorizationRuleName"))
        endpoint = f"Endpoint=sb://{namespace}.servicebus.windows.net/;SharedAccessKeyName={rule}"
        primary = stable_hex("primary", namespace, rule, length=44)
        secondary = stable_hex("secondary", namespace, rule, length=44)
        return {"keyName": rule, "primaryKey": primary, "secondaryKey": secondary,
                "primaryConnectionString": f"{endpoint};SharedAccessKey={primary}",
                "secondaryConnectionString": f"{endpoint};SharedAccessKey={secondary}"}

    def _client_config(self, _args: dict[str, Any]) -> dict[str, Any]:
        return {"clientId": "22222222-2222-2222-2222-222222222222",
                "objectId": "33333333-3333-3333-3333-333333333333",
                "subscriptionId": self.subscription_id, "tenantId": DEFAULT_TENANT_ID}


def _guid(*parts: str) -> str:
    """A stable GUID (role assignment names are GUIDs)."""
    return str(uuid.UUID(stable_hex(*parts, length=32)))


def _address(cidr: str, seed: str) -> str:
    """A stable address inside `cidr`."""
    network = ipaddress.IPv4Network(cidr)
    offset = int(stable_hex(seed, length=8), 16) % (network.num_addresses - 2) + 1
    return str(network.network_address + offset)


# -- app (Container Apps), operationalinsights, managedidentity ------------------------------
#: The types of the Container Apps compute (forge_components.azure.compute) whose outputs the
#: mocks compute.
CONTAINER_APPS_TYPES: frozenset[str] = frozenset({
    "azure-native:app:ManagedEnvironment", "azure-native:app:ContainerApp",
    "azure-native:app:Job", "azure-native:operationalinsights:Workspace",
    "azure-native:managedidentity:UserAssignedIdentity"})


def environment_default_domain(environment_id: str, location: str) -> str:
    """An environment's default domain in Azure's form, `<unique>.<region>.azurecontainerapps.io`
    (Azure's unique part is two words and a hex suffix; a hex string stands in for it)."""
    return f"env-{stable_hex(environment_id, length=8)}.{location}.azurecontainerapps.io"


def _container_apps_computed(type_token: str, resource_id: str,
                             outputs: dict[str, Any]) -> dict[str, Any]:
    """What Azure computes for the Container Apps compute's types: the environment's default
    domain and static IP (public in an external environment, private in an internal one), an
    app's ingress FQDN (`<app>.<domain>`, `<app>.internal.<domain>` for internal ingress,
    https://learn.microsoft.com/azure/container-apps/ingress-overview), an identity's principal,
    client and tenant ids, a workspace's customer id; apps and jobs list their user-assigned
    identities as the API answers them (a map id -> principal and client ids)."""
    own = outputs["name"]
    identities: dict[str, Any] = {}
    identity = outputs.get("identity")
    if type_token in ("azure-native:app:ContainerApp", "azure-native:app:Job") and isinstance(
            identity, dict) and identity.get("userAssignedIdentities"):
        identities["identity"] = {**identity, "userAssignedIdentities": {
            ident: {"principalId": _guid("principal", ident), "clientId": _guid("client", ident)}
            for ident in identity["userAssignedIdentities"]}}
    if type_token == "azure-native:app:Job":
        return {**identities, "provisioningState": "Succeeded"}
    if type_token == "azure-native:app:ManagedEnvironment":
        internal = bool((outputs.get("vnetConfiguration") or {}).get("internal"))
        return {"defaultDomain": environment_default_domain(resource_id, outputs["location"]),
                "staticIp": _address("10.0.0.0/8" if internal else "20.0.0.0/8", resource_id),
                "provisioningState": "Succeeded"}
    if type_token == "azure-native:app:ContainerApp":
        environment = outputs.get("environmentId") or outputs.get("managedEnvironmentId")
        domain = environment_default_domain(str(environment), outputs["location"])
        configuration = dict(outputs.get("configuration") or {})
        ingress = configuration.get("ingress")
        computed: dict[str, Any] = {
            **identities, "provisioningState": "Succeeded",
            "latestRevisionName": f"{own}--{stable_hex(resource_id, length=7)}"}
        if isinstance(ingress, dict):
            prefix = "" if ingress.get("external") else "internal."
            configuration["ingress"] = {**ingress, "fqdn": f"{own}.{prefix}{domain}"}
            computed["configuration"] = configuration
            computed["latestRevisionFqdn"] = f"{computed['latestRevisionName']}.{prefix}{domain}"
        else:
            computed["latestRevisionFqdn"] = ""
        return computed
    if type_token == "azure-native:managedidentity:UserAssignedIdentity":
        return {"principalId": _guid("principal", resource_id),
                "clientId": _guid("client", resource_id), "tenantId": DEFAULT_TENANT_ID}
    if type_token == "azure-native:operationalinsights:Workspace":
        return {"customerId": _guid("workspace", resource_id), "provisioningState": "Succeeded"}
    return {}
