"""The Azure Networking component under the offline mocks: delegated subnets, NAT on the
workloads only, least-privilege NSGs, private DNS zones linked to the VNet, VNet flow logs.

What these tests do not prove: that Azure accepts the layout (quotas, the region's zones, the
Network Watcher existing), or that Container Apps runs with these NSG rules; only that the
program asks for what it should.
"""

from typing import Any

import pulumi
import pytest

from forge_components.azure.networking import (
    Networking,
    NetworkingArgs,
    validate_networking_args,
)
from forge_components.contracts import NetworkingOutputs
from forge_infra.plan.recorder import RecordedResource, Recording
from tests.components.azure.conftest import (
    REGION,
    SUBSCRIPTION,
    assert_azure_component_schema,
    run_azure,
)

VNET = "azure-native:network:VirtualNetwork"
SUBNET = "azure-native:network:Subnet"
NSG = "azure-native:network:NetworkSecurityGroup"
NAT = "azure-native:network:NatGateway"
PIP = "azure-native:network:PublicIPAddress"
ZONE = "azure-native:privatedns:PrivateZone"
LINK = "azure-native:privatedns:VirtualNetworkLink"
FLOW_LOG = "azure-native:network:FlowLog"
GROUP = "azure-native:resources:ResourceGroup"
OUTPUT_NAMES = {"network_id", "network_name", "resource_group_name", "location", "zones",
                "public_subnet_ids", "private_subnet_ids", "subnet_ids", "apps_subnet_id",
                "apps_subnet_cidr", "database_subnet_id", "private_endpoints_subnet_id",
                "nat_gateway_id", "nat_public_ip", "postgres_private_dns_zone_id",
                "private_dns_zone_ids", "flow_log_id"}
STORAGE = (f"/subscriptions/{SUBSCRIPTION}/resourceGroups/logs/providers/"
           "Microsoft.Storage/storageAccounts/forgelogs")


def build(**overrides: Any) -> Recording:
    """A Networking "net" in `REGION`, its outputs exported."""
    def program() -> None:
        net = Networking("net", NetworkingArgs(**({"location": REGION} | overrides)))
        for key in OUTPUT_NAMES:
            pulumi.export(key, getattr(net, key))
    return run_azure(program)


def subnet(rec: Recording, tier: str) -> RecordedResource:
    return rec.one(SUBNET, f"net-{tier}")


def rules(rec: Recording, tier: str) -> dict[str, dict[str, Any]]:
    nsg = rec.one(NSG, f"net-{tier}-nsg")
    return {rule["name"]: rule for rule in nsg.inputs["securityRules"]}


def test_the_schema_serves_the_contract_and_every_output():
    assert_azure_component_schema(Networking, NetworkingOutputs, OUTPUT_NAMES)


def test_a_resource_group_per_stack_and_arm_ids_in_it():
    rec = build()
    group = rec.one(GROUP)
    assert group.inputs["location"] == REGION, group.urn
    vnet = rec.one(VNET)
    rg = group.outputs["name"]
    assert vnet.inputs["resourceGroupName"] == rg, vnet.urn
    assert rec.exports["network_id"] == (
        f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{rg}/providers/Microsoft.Network/"
        f"virtualNetworks/{vnet.outputs['name']}")
    assert subnet(rec, "apps").resource_id == (
        f"{rec.exports['network_id']}/subnets/{subnet(rec, 'apps').outputs['name']}")
    assert rec.exports["resource_group_name"] == rg


def test_a_given_resource_group_is_used_and_none_is_created():
    rec = build(resource_group_name="platform-rg")
    assert rec.of_type(GROUP) == []
    assert {r.inputs["resourceGroupName"] for r in rec.resources
            if r.type in (VNET, SUBNET, NSG, NAT, PIP, ZONE, LINK)} == {"platform-rg"}


def test_subnets_are_delegated_as_each_service_needs():
    rec = build()
    apps, database, endpoints = (subnet(rec, t) for t in ("apps", "database",
                                                           "private-endpoints"))
    assert apps.inputs["addressPrefix"] == "10.30.0.0/23", apps.urn
    assert [d["serviceName"] for d in apps.inputs["delegations"]] == [
        "Microsoft.App/environments"], apps.urn
    assert [d["serviceName"] for d in database.inputs["delegations"]] == [
        "Microsoft.DBforPostgreSQL/flexibleServers"], database.urn
    assert "delegations" not in endpoints.inputs, endpoints.urn
    assert database.inputs["serviceEndpoints"] == [{"service": "Microsoft.Storage"}]
    assert "serviceEndpoints" not in apps.inputs and "serviceEndpoints" not in endpoints.inputs
    assert endpoints.inputs["privateEndpointNetworkPolicies"] == "Enabled", endpoints.urn
    for s in (apps, database, endpoints):
        assert s.inputs["defaultOutboundAccess"] is False, s.urn
    assert rec.exports["subnet_ids"] == [s.resource_id for s in (apps, database, endpoints)]
    assert rec.exports["private_subnet_ids"] == [apps.resource_id]
    assert rec.exports["public_subnet_ids"] == []
    assert rec.exports["zones"] == ["1", "2", "3"]


def test_the_nat_gateway_with_its_static_ip_serves_the_apps_subnet_only():
    rec = build()
    nat, pip = rec.one(NAT), rec.one(PIP)
    assert nat.inputs["sku"] == {"name": "Standard"}, nat.urn
    assert nat.inputs["publicIpAddresses"] == [{"id": pip.resource_id}], nat.urn
    assert (pip.inputs["sku"], pip.inputs["publicIPAllocationMethod"]) == (
        {"name": "Standard", "tier": "Regional"}, "Static"), pip.urn
    assert subnet(rec, "apps").inputs["natGateway"] == {"id": nat.resource_id}
    for tier in ("database", "private-endpoints"):
        assert "natGateway" not in subnet(rec, tier).inputs, tier
    assert rec.exports["nat_public_ip"] == pip.outputs["ipAddress"]
    assert rec.exports["nat_gateway_id"] == nat.resource_id


def test_without_nat_there_is_no_gateway_and_no_public_ip():
    rec = build(nat_gateway=False)
    assert rec.of_type(NAT) == [] and rec.of_type(PIP) == []
    assert "natGateway" not in subnet(rec, "apps").inputs
    assert (rec.exports["nat_gateway_id"], rec.exports["nat_public_ip"]) == ("", "")


def test_each_subnet_has_its_own_nsg():
    rec = build()
    for tier in ("apps", "database", "private-endpoints"):
        nsg = rec.one(NSG, f"net-{tier}-nsg")
        assert subnet(rec, tier).inputs["networkSecurityGroup"] == {"id": nsg.resource_id}


def test_the_database_admits_only_postgres_from_the_apps_and_its_own_subnet():
    r = rules(build(), "database")
    assert sorted(r) == ["allow-azure-load-balancer", "allow-azure-platform-outbound",
                         "allow-database-subnet-inbound", "allow-database-subnet-outbound",
                         "allow-postgres-from-apps", "deny-all-inbound", "deny-vnet-outbound"]
    pg = r["allow-postgres-from-apps"]
    assert (pg["direction"], pg["access"], pg["protocol"], pg["sourceAddressPrefix"],
            pg["destinationAddressPrefix"], pg["destinationPortRange"], pg["priority"]) == (
        "Inbound", "Allow", "Tcp", "10.30.0.0/23", "10.30.2.0/26", "5432", 100)
    deny = r["deny-all-inbound"]
    assert (deny["access"], deny["sourceAddressPrefix"], deny["destinationPortRange"],
            deny["protocol"], deny["priority"]) == ("Deny", "*", "*", "*", 4096)
    assert all(rule["sourceAddressPrefix"] != "Internet" for rule in r.values())


def test_the_private_endpoints_admit_only_their_ports_from_the_apps():
    r = rules(build(), "private-endpoints")
    assert sorted(r) == ["allow-azure-platform-outbound", "allow-data-ports-from-apps",
                         "deny-all-inbound", "deny-vnet-outbound"]
    allow = r["allow-data-ports-from-apps"]
    assert (allow["sourceAddressPrefix"], allow["destinationAddressPrefix"],
            allow["destinationPortRanges"]) == ("10.30.0.0/23", "10.30.3.0/26",
                                                ["443", "9093", "10000"])


def test_the_apps_take_web_traffic_from_the_internet_only_when_asked():
    external = rules(build(), "apps")
    web = external["allow-http-https-inbound"]
    assert (web["sourceAddressPrefix"], web["destinationPortRanges"], web["access"]) == (
        "Internet", ["80", "443"], "Allow")
    assert "allow-vnet-clients-https-inbound" not in external
    internal = rules(build(apps_ingress_from_internet=False), "apps")
    assert "allow-http-https-inbound" not in internal
    assert all(rule.get("sourceAddressPrefix") != "Internet" for rule in internal.values())
    # inside the VNet the apps reach only their own subnet and the data ports
    outbound = {n: (r["destinationAddressPrefix"], r.get("destinationPortRange"),
                    r.get("destinationPortRanges"), r["access"])
                for n, r in internal.items() if r["direction"] == "Outbound"}
    assert outbound == {
        "allow-apps-subnet-outbound": ("10.30.0.0/23", "*", None, "Allow"),
        "allow-postgres-outbound": ("10.30.2.0/26", "5432", None, "Allow"),
        "allow-private-endpoints-outbound": ("10.30.3.0/26", None, ["443", "9093", "10000"],
                                             "Allow"),
        "allow-azure-platform-outbound": ("168.63.129.16/32", "*", None, "Allow"),
        "deny-vnet-outbound": ("VirtualNetwork", "*", None, "Deny"),
    }


def test_an_internal_environment_admits_https_from_the_vnet_on_the_documented_ports() -> None:
    """Microsoft's inbound rule for a workload-profiles environment reached through the VNet:
    client IPs to the apps subnet on 443 and the edge proxy's 31443. Removing it leaves an
    internal environment with no way in (the deny at 4096 overrides AllowVnetInBound)."""
    rule = rules(build(apps_ingress_from_internet=False), "apps")[
        "allow-vnet-clients-https-inbound"]
    assert (rule["direction"], rule["access"], rule["protocol"], rule["sourceAddressPrefix"],
            rule["destinationAddressPrefix"], rule["destinationPortRanges"],
            rule["priority"]) == ("Inbound", "Allow", "Tcp", "10.30.0.0/16", "10.30.0.0/23",
                                  ["443", "31443"], 100)
    assert rule["priority"] < 4096
    given = rules(build(apps_ingress_from_internet=False,
                        apps_internal_client_cidrs=["10.30.0.0/16", "192.168.10.0/24"]),
                  "apps")["allow-vnet-clients-https-inbound"]
    assert given["sourceAddressPrefixes"] == ["10.30.0.0/16", "192.168.10.0/24"]
    assert "sourceAddressPrefix" not in given


@pytest.mark.parametrize("tier", ["apps", "database", "private-endpoints"])
def test_the_azure_platform_address_is_allowed_out_above_the_vnet_deny(tier: str) -> None:
    """168.63.129.16 (Azure DNS, probes, the VM agent) is in the VirtualNetwork tag the deny
    names; an explicit allow with a smaller priority number must win over it."""
    r = rules(build(), tier)
    allow, deny = r["allow-azure-platform-outbound"], r["deny-vnet-outbound"]
    assert (allow["direction"], allow["access"], allow["protocol"],
            allow["destinationAddressPrefix"], allow["destinationPortRange"]) == (
        "Outbound", "Allow", "*", "168.63.129.16/32", "*"), tier
    assert allow["priority"] < deny["priority"] == 4096, tier
    outbound_priorities = [x["priority"] for x in r.values() if x["direction"] == "Outbound"]
    assert len(set(outbound_priorities)) == len(outbound_priorities), tier


def test_private_dns_zones_for_every_data_service_linked_without_registration():
    rec = build()
    zones = {z.name: z.inputs["privateZoneName"] for z in rec.of_type(ZONE)}
    assert zones == {
        "net-postgres-zone": "net.private.postgres.database.azure.com",
        "net-redis-zone": "privatelink.redis.azure.net",
        "net-blob-zone": "privatelink.blob.core.windows.net",
        "net-vault-zone": "privatelink.vaultcore.azure.net",
        "net-servicebus-zone": "privatelink.servicebus.windows.net",
    }
    vnet = rec.one(VNET)
    links = rec.of_type(LINK)
    assert sorted(link.name for link in links) == sorted(f"{z}-link" for z in zones)
    for link in links:
        assert link.inputs["virtualNetwork"] == {"id": vnet.resource_id}, link.urn
        assert link.inputs["registrationEnabled"] is False, link.urn
        zone = rec.one(ZONE, link.name.removesuffix("-link"))
        assert link.inputs["privateZoneName"] == zone.outputs["name"], link.urn
    assert rec.exports["postgres_private_dns_zone_id"].endswith(
        "/providers/Microsoft.Network/privateDnsZones/net.private.postgres.database.azure.com")
    assert sorted(rec.exports["private_dns_zone_ids"]) == ["blob", "redis", "servicebus", "vault"]


def test_vnet_flow_logs_on_the_regions_network_watcher_when_given_a_storage_account():
    rec = build(flow_logs_storage_account_id=STORAGE, flow_logs_retention_days=90)
    flow = rec.one(FLOW_LOG)
    assert flow.inputs["targetResourceId"] == rec.one(VNET).resource_id, flow.urn
    assert flow.inputs["storageId"] == STORAGE, flow.urn
    assert (flow.inputs["resourceGroupName"], flow.inputs["networkWatcherName"]) == (
        "NetworkWatcherRG", f"NetworkWatcher_{REGION}"), flow.urn
    assert flow.inputs["format"] == {"type": "JSON", "version": 2}, flow.urn
    assert flow.inputs["retentionPolicy"] == {"enabled": True, "days": 90}, flow.urn
    assert flow.inputs["enabled"] is True, flow.urn
    assert rec.exports["flow_log_id"] == flow.resource_id
    assert "/networkWatchers/NetworkWatcher_westeurope/flowLogs/" in flow.resource_id


def test_no_storage_account_no_flow_log():
    rec = build()
    assert rec.of_type(FLOW_LOG) == []
    assert rec.exports["flow_log_id"] == ""


@pytest.mark.parametrize(("overrides", "message"), [
    ({"apps_subnet_cidr": "10.30.0.0/28"},
     "apps_subnet_cidr 10.30.0.0/28 is smaller than the /27"),
    ({"database_subnet_cidr": "10.30.1.0/26"},
     "apps_subnet_cidr 10.30.0.0/23 overlaps database_subnet_cidr 10.30.1.0/26"),
    ({"private_endpoints_subnet_cidr": "10.31.0.0/26"},
     "private_endpoints_subnet_cidr 10.31.0.0/26 is not inside address_space 10.30.0.0/16"),
    ({"address_space": "8.8.0.0/16"}, "address_space '8.8.0.0/16' is not a private"),
    ({"postgres_dns_zone_name": "privatelink.postgres.database.azure.com"},
     "is the private-endpoint zone"),
    ({"postgres_dns_zone_name": "db.example.com"},
     "must end with '.postgres.database.azure.com'"),
    ({"nat_idle_timeout_minutes": 121}, "nat_idle_timeout_minutes must be between 4 and 120"),
    ({"zones": ["1", "4"]}, "zones must list distinct availability zones"),
    ({"location": "West Europe"}, "location 'West Europe' is not an Azure region name"),
    ({"apps_internal_client_cidrs": ["10.30.0.0/16"]},
     "apps_internal_client_cidrs is for an internal environment; it is refused with "
     "apps_ingress_from_internet on"),
    ({"apps_ingress_from_internet": False, "apps_internal_client_cidrs": []},
     "apps_internal_client_cidrs is empty"),
    ({"apps_ingress_from_internet": False, "apps_internal_client_cidrs": ["0.0.0.0/0"]},
     "apps_internal_client_cidrs '0.0.0.0/0' is not a private"),
])
def test_invalid_args_are_refused_naming_the_field(overrides, message):
    with pytest.raises(ValueError, match="Networking: ") as error:
        validate_networking_args("net", NetworkingArgs(**({"location": REGION} | overrides)))
    assert message in str(error.value)
