"""The Azure network of one stack: a resource group, a VNet with delegated subnets, NAT,
least-privilege NSGs, private DNS zones and VNet flow logs.

What it creates, in the stack's region:

* a resource group for the stack (or it uses the one given as `resource_group_name`);
* a VNet with three subnets, none with default outbound access:
  `apps`, delegated to `Microsoft.App/environments` (a Container Apps workload-profiles
  environment; at least a /27, fixed once the environment exists), with the NAT gateway;
  `database`, delegated to `Microsoft.DBforPostgreSQL/flexibleServers` (PostgreSQL flexible
  server with VNet integration), with the `Microsoft.Storage` service endpoint (the server's
  backups and WAL reach Azure Storage over the backbone; the delegated subnet of Microsoft's
  flexible-server samples carries it); `private-endpoints`, where the private endpoints of the other
  data services (Azure Managed Redis, Blob storage, Key Vault) take their addresses, with
  network policies on so that its NSG applies to them;
* a Standard NAT gateway with one static Standard public IP on `apps` (the workloads'
  outbound internet; Container Apps supports NAT egress only in a workload-profiles
  environment: https://learn.microsoft.com/azure/container-apps/networking);
* one NSG per subnet: each admits only what its subnet serves (the apps' ingress from the
  internet on 80/443 when asked, or, for an internal environment, HTTPS from
  `apps_internal_client_cidrs` on 443 and the edge proxy's 31443, and Azure's load balancer;
  PostgreSQL on its port from `apps`; the private endpoints' ports from `apps`) and denies
  every other inbound flow at priority 4096, above Azure's default allow-VNet rule; `apps`
  may open only those data ports inside the VNet (plus its own subnet), the internet through
  NAT; every subnet may always reach Azure's platform address 168.63.129.16 (DNS, the
  load balancer's probes, the VM agent), allowed explicitly above the deny because the
  `VirtualNetwork` tag the deny names includes it;
* private DNS zones linked to the VNet (no auto-registration): the flexible server's
  VNet-integration zone (`<name>.private.postgres.database.azure.com`, which must end with
  `.postgres.database.azure.com`) and the private-endpoint zones `privatelink.redis.azure.net`,
  `privatelink.blob.core.windows.net`, `privatelink.vaultcore.azure.net` and
  `privatelink.servicebus.windows.net` (Event Hubs)
  (https://learn.microsoft.com/azure/private-link/private-endpoint-dns);
* a virtual network flow log (JSON version 2) on the region's Network Watcher when a storage
  account for the logs is given. NSG flow logs are not used: none can be created since
  2025-06-30 and they retire on 2027-09-30
  (https://learn.microsoft.com/azure/network-watcher/nsg-flow-logs-rest).

Why flow logs need `flow_logs_storage_account_id` (bring-your-own, else skipped): a flow log
writes to a storage account in the VNet's region, which is the Storage component's to own
(its encryption, lifecycle and access rules); and it lives on the Network Watcher Azure creates
per subscription and region (`NetworkWatcher_<region>` in `NetworkWatcherRG`), which one stack
must not create or delete for every other. The `azure` target passes the log account.

What the NSGs cannot do: every container app of an environment shares `apps`, so the
network cannot tell the data services' clients (api, worker) from gateway and ui, as the AWS
security groups and GCP network tags do; the data services' own authentication (Entra ID
roles, Key Vault RBAC) carries that distinction on Azure.
"""

import dataclasses
import ipaddress
from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import network, privatedns, resources

from forge_components.azure.limits import (
    CONTAINER_APPS_DELEGATION,
    CONTAINER_APPS_MIN_PREFIX,
    FLOW_LOG_FORMAT_VERSION,
    NAT_GATEWAY_SKU,
    NAT_IDLE_TIMEOUT_MINUTES,
    NETWORK_WATCHER_NAME,
    NETWORK_WATCHER_RESOURCE_GROUP,
    POSTGRES_DELEGATION,
    POSTGRES_VNET_ZONE_SUFFIX,
    PRIVATELINK_ZONES,
    REGION_NAME,
    RESOURCE_GROUP_NAME,
)
from forge_components.azure.tags import resource_tags
from forge_components.common import child_opts

COMPONENT = "forge-azure:index:Networking"
POSTGRES_PORT = 5432
#: The ports of the services behind the private endpoints: HTTPS (Blob storage, Key Vault,
#: Event Hubs' management and AMQP over WebSockets), Azure Managed Redis's TLS port
#: (https://learn.microsoft.com/azure/redis/architecture) and Event Hubs' Kafka endpoint
#: (9093, https://learn.microsoft.com/azure/event-hubs/azure-event-hubs-apache-kafka-overview).
PRIVATE_ENDPOINT_PORTS = (443, 9093, 10000)
#: The service endpoint of the database subnet (see `Networking`).
STORAGE_SERVICE_ENDPOINT = "Microsoft.Storage"
#: The explicit deny rules sit at the lowest custom priority, so every allow above them wins
#: and Azure's default rules (65000+, which allow all VNet traffic) never apply.
DENY_PRIORITY = 4096
#: Azure's platform address (DNS, DHCP, the VM agent's WireServer, load-balancer health
#: probes): "It is allowed by the default network security group rule. We recommend that you
#: allow this IP address ... in both inbound and outbound directions"; WireServer needs at
#: least 80, 443 and 32526 (articles/virtual-network/what-is-ip-address-168-63-129-16.md,
#: https://learn.microsoft.com/azure/virtual-network/what-is-ip-address-168-63-129-16), and
#: "Don't explicitly deny the Azure DNS address 168.63.129.16 in the outgoing NSG rules. If
#: you do, your Container Apps environment doesn't function"
#: (articles/container-apps/firewall-integration.md, 2026-04-01,
#: https://learn.microsoft.com/azure/container-apps/firewall-integration). The
#: `VirtualNetwork` service tag of the deny rule includes "the virtual IP address of the host"
#: (https://learn.microsoft.com/azure/virtual-network/service-tags-overview), so it is
#: allowed explicitly, every port and protocol, just above the deny.
AZURE_PLATFORM_IP = "168.63.129.16/32"
PLATFORM_ALLOW_PRIORITY = 4000
#: An internal workload-profiles environment's inbound path from clients in the VNet: "Your
#: client IPs -> Your container app's subnet, 443, 31443 ... 31443 is the port on which the
#: Container Apps environment edge proxy responds to the HTTPS traffic. It's behind the
#: internal load balancer" (firewall-integration.md, Inbound, workload profile environment).
#: HTTPS only: the apps' ingress does not allow insecure connections, so 80/31080 stay shut.
INTERNAL_INGRESS_PORTS = ("443", "31443")
#: The subnets, in the order of `subnet_ids`.
SUBNET_TIERS = ("apps", "database", "private-endpoints")
#: The `subnet` join action a delegation grants the service (the action Microsoft's examples
#: delegate with).
_JOIN_ACTION = "Microsoft.Network/virtualNetworks/subnets/join/action"


class NetworkingArgs(TypedDict):
    """The inputs of an Azure `Networking` component."""

    location: str
    """The Azure region of the resource group and the network, e.g. "westeurope". Required."""
    resource_group_name: NotRequired[pulumi.Input[str]]
    """An existing resource group to create everything in; unset creates one for the stack.
    Defaults to unset (a new resource group)."""
    address_space: NotRequired[str]
    """The VNet's address space. Defaults to "10.30.0.0/16"."""
    apps_subnet_cidr: NotRequired[str]
    """The Container Apps environment's subnet (a /27 or larger; its size is fixed once the
    environment exists, so leave room for the replicas). Defaults to "10.30.0.0/23"."""
    database_subnet_cidr: NotRequired[str]
    """The PostgreSQL flexible server's delegated subnet. Defaults to "10.30.2.0/26"."""
    private_endpoints_subnet_cidr: NotRequired[str]
    """The private endpoints' subnet. Defaults to "10.30.3.0/26"."""
    zones: NotRequired[list[str]]
    """The region's availability zones the services may use (zone-redundant HA); [] in a
    region without availability zones. Defaults to ["1", "2", "3"]."""
    nat_gateway: NotRequired[bool]
    """A NAT gateway with a static public IP gives `apps` outbound internet access. Without it
    the apps have none (no subnet has default outbound access). Defaults to True."""
    nat_idle_timeout_minutes: NotRequired[int]
    """The NAT gateway's TCP idle timeout, 4..120 minutes. Defaults to 4."""
    apps_ingress_from_internet: NotRequired[bool]
    """`apps` admits HTTP and HTTPS (80, 443) from the internet: an external Container Apps
    environment. Off for an internal environment reached only inside the VNet, whose clients
    are `apps_internal_client_cidrs`. Defaults to True."""
    apps_internal_client_cidrs: NotRequired[list[str]]
    """With `apps_ingress_from_internet` off, the private ranges whose clients may call the
    internal environment over HTTPS (443 and the edge proxy's 31443); refused with it on.
    Defaults to [address_space]."""
    postgres_dns_zone_name: NotRequired[str]
    """The flexible server's private DNS zone (VNet integration); it must end with
    ".postgres.database.azure.com". Defaults to "<name>.private.postgres.database.azure.com"."""
    flow_logs_storage_account_id: NotRequired[pulumi.Input[str]]
    """The resource id of a storage account in the same region that receives the VNet flow
    logs; unset skips flow logs. Defaults to unset."""
    flow_logs_retention_days: NotRequired[int]
    """Days the flow logs are kept in that account (0 keeps them forever). Defaults to 30."""
    network_watcher_name: NotRequired[str]
    """The region's Network Watcher the flow log belongs to. Defaults to
    "NetworkWatcher_<location>" (the one Azure creates)."""
    network_watcher_resource_group_name: NotRequired[str]
    """The Network Watcher's resource group (where the flow log is created). Defaults to
    "NetworkWatcherRG"."""
    tags: NotRequired[dict[str, str]]
    """Tags added to every taggable child. Defaults to {}."""


@dataclasses.dataclass(frozen=True)
class _Settings:
    """`NetworkingArgs` with every default applied (the host passes a plain dict)."""

    location: str
    resource_group_name: pulumi.Input[str] | None = None
    address_space: str = "10.30.0.0/16"
    apps_subnet_cidr: str = "10.30.0.0/23"
    database_subnet_cidr: str = "10.30.2.0/26"
    private_endpoints_subnet_cidr: str = "10.30.3.0/26"
    zones: list[str] = dataclasses.field(default_factory=lambda: ["1", "2", "3"])
    nat_gateway: bool = True
    nat_idle_timeout_minutes: int = 4
    apps_ingress_from_internet: bool = True
    apps_internal_client_cidrs: list[str] | None = None
    postgres_dns_zone_name: str | None = None
    flow_logs_storage_account_id: pulumi.Input[str] | None = None
    flow_logs_retention_days: int = 30
    network_watcher_name: str | None = None
    network_watcher_resource_group_name: str = NETWORK_WATCHER_RESOURCE_GROUP
    tags: dict[str, str] = dataclasses.field(default_factory=dict)


def _fail(message: str) -> ValueError:
    return ValueError(f"Networking: {message}")


def _private_network(field: str, value: str) -> ipaddress.IPv4Network:
    try:
        net = ipaddress.IPv4Network(value, strict=True)
    except ValueError as error:
        raise _fail(f"{field} {value!r} is not an IPv4 CIDR block: {error}") from None
    if not net.is_private:
        raise _fail(f"{field} {value!r} is not a private (RFC 1918) range")
    return net


def validate_networking_args(name: str, args: NetworkingArgs) -> _Settings:
    """The args with defaults applied, checked; a ValueError names the field and what is
    allowed. Pure (no Pulumi calls): the configuration can run the same checks."""
    s = _Settings(**args)
    if not REGION_NAME.fullmatch(s.location):
        raise _fail(f"location {s.location!r} is not an Azure region name such as "
                    "'westeurope'")
    if isinstance(s.resource_group_name, str) and not RESOURCE_GROUP_NAME.fullmatch(
            s.resource_group_name):
        raise _fail(f"resource_group_name {s.resource_group_name!r} is not a resource group "
                    "name (1-90 letters, digits, '-', '_', '.', '(' or ')', not ending with '.')")
    space = _private_network("address_space", s.address_space)
    subnets = {field: _private_network(field, getattr(s, field))
               for field in ("apps_subnet_cidr", "database_subnet_cidr",
                             "private_endpoints_subnet_cidr")}
    for field, subnet in subnets.items():
        if not subnet.subnet_of(space):
            raise _fail(f"{field} {subnet} is not inside address_space {space}")
    fields = list(subnets)
    for i, first in enumerate(fields):
        for second in fields[i + 1:]:
            if subnets[first].overlaps(subnets[second]):
                raise _fail(f"{first} {subnets[first]} overlaps {second} {subnets[second]}")
    if subnets["apps_subnet_cidr"].prefixlen > CONTAINER_APPS_MIN_PREFIX:
        raise _fail(f"apps_subnet_cidr {s.apps_subnet_cidr} is smaller than the /"
                    f"{CONTAINER_APPS_MIN_PREFIX} a Container Apps workload-profiles environment "
                    "needs")
    if any(zone not in ("1", "2", "3") for zone in s.zones) or len(
            set(s.zones)) != len(s.zones):
        raise _fail(f"zones must list distinct availability zones among '1', '2', '3' (none "
                    f"in a region without zones), got {s.zones}")
    low, high = NAT_IDLE_TIMEOUT_MINUTES
    if not low <= s.nat_idle_timeout_minutes <= high:
        raise _fail(f"nat_idle_timeout_minutes must be between {low} and {high}, got "
                    f"{s.nat_idle_timeout_minutes}")
    zone = postgres_zone_name(name, s)
    if not zone.endswith(POSTGRES_VNET_ZONE_SUFFIX) or zone == POSTGRES_VNET_ZONE_SUFFIX[1:]:
        raise _fail(f"postgres_dns_zone_name {zone!r} must end with "
                    f"'{POSTGRES_VNET_ZONE_SUFFIX}' (VNet integration)")
    if zone.startswith("privatelink."):
        raise _fail(f"postgres_dns_zone_name {zone!r} is the private-endpoint zone; a "
                    "VNet-integrated server needs its own zone")
    if s.apps_internal_client_cidrs is not None:
        if s.apps_ingress_from_internet:
            raise _fail("apps_internal_client_cidrs is for an internal environment; it is "
                        "refused with apps_ingress_from_internet on")
        if not s.apps_internal_client_cidrs:
            raise _fail("apps_internal_client_cidrs is empty: an internal environment "
                        "would have no clients")
        for cidr in s.apps_internal_client_cidrs:
            _private_network("apps_internal_client_cidrs", cidr)
    if not 0 <= s.flow_logs_retention_days <= 365:
        raise _fail(f"flow_logs_retention_days must be 0 (forever) to 365, got "
                    f"{s.flow_logs_retention_days}")
    resource_tags(COMPONENT, s.tags)
    return s


def postgres_zone_name(name: str, s: _Settings) -> str:
    """The flexible server's VNet-integration private DNS zone."""
    return s.postgres_dns_zone_name or f"{name}.private.postgres.database.azure.com"


def _rule(name: str, priority: int, direction: str, access: str, *, source: str | list[str],
          destination: str, ports: list[str], protocol: str = "Tcp",
          description: str) -> network.SecurityRuleArgs:
    many = len(ports) > 1
    sources = [source] if isinstance(source, str) else source
    return network.SecurityRuleArgs(
        name=name, priority=priority, direction=direction, access=access, protocol=protocol,
        source_address_prefix=sources[0] if len(sources) == 1 else None,
        source_address_prefixes=sources if len(sources) > 1 else None,
        source_port_range="*",
        destination_address_prefix=destination,
        destination_port_range=None if many else ports[0],
        destination_port_ranges=ports if many else None,
        description=description)


def security_rules(s: _Settings) -> dict[str, list[network.SecurityRuleArgs]]:
    """Each subnet's NSG rules, by tier."""
    apps, db, pe = s.apps_subnet_cidr, s.database_subnet_cidr, s.private_endpoints_subnet_cidr
    pe_ports = [str(p) for p in PRIVATE_ENDPOINT_PORTS]
    deny_in = _rule("deny-all-inbound", DENY_PRIORITY, "Inbound", "Deny", source="*",
                    destination="*", ports=["*"], protocol="*",
                    description="forge: nothing else in (overrides AllowVnetInBound)")
    deny_vnet_out = _rule("deny-vnet-outbound", DENY_PRIORITY, "Outbound", "Deny",
                          source="*", destination="VirtualNetwork", ports=["*"], protocol="*",
                          description="forge: no other flow inside the VNet")
    platform_out = _rule("allow-azure-platform-outbound", PLATFORM_ALLOW_PRIORITY, "Outbound",
                         "Allow", source="*", destination=AZURE_PLATFORM_IP, ports=["*"],
                         protocol="*",
                         description="forge: Azure DNS, probes, VM agent (168.63.129.16)")
    lb_in = _rule("allow-azure-load-balancer", 110, "Inbound", "Allow",
                  source="AzureLoadBalancer", destination="*", ports=["*"], protocol="*",
                  description="forge: Azure's health probes")
    apps_rules = [
        _rule("allow-apps-subnet-inbound", 120, "Inbound", "Allow", source=apps,
              destination=apps, ports=["*"], protocol="*",
              description="forge: the environment's own traffic"),
        lb_in,
        _rule("allow-apps-subnet-outbound", 100, "Outbound", "Allow", source=apps,
              destination=apps, ports=["*"], protocol="*",
              description="forge: the environment's own traffic"),
        _rule("allow-postgres-outbound", 110, "Outbound", "Allow", source=apps, destination=db,
              ports=[str(POSTGRES_PORT)], description="forge: PostgreSQL"),
        _rule("allow-private-endpoints-outbound", 120, "Outbound", "Allow", source=apps,
              destination=pe, ports=pe_ports,
              description="forge: Key Vault, Blob storage (443), Event Hubs Kafka (9093), "
                          "Managed Redis (10000)"),
        platform_out, deny_in, deny_vnet_out,
    ]
    if s.apps_ingress_from_internet:
        apps_rules.insert(0, _rule(
            "allow-http-https-inbound", 100, "Inbound", "Allow", source="Internet",
            destination=apps, ports=["80", "443"],
            description="forge: the external environment's ingress"))
    else:
        apps_rules.insert(0, _rule(
            "allow-vnet-clients-https-inbound", 100, "Inbound", "Allow",
            source=list(s.apps_internal_client_cidrs or [s.address_space]), destination=apps,
            ports=list(INTERNAL_INGRESS_PORTS),
            description="forge: the internal environment's HTTPS ingress (443, edge proxy "
                        "31443)"))
    database_rules = [
        _rule("allow-postgres-from-apps", 100, "Inbound", "Allow", source=apps, destination=db,
              ports=[str(POSTGRES_PORT)], description="forge: PostgreSQL from the apps"),
        lb_in,
        _rule("allow-database-subnet-inbound", 120, "Inbound", "Allow", source=db,
              destination=db, ports=["*"], protocol="*",
              description="forge: the server and its HA standby"),
        _rule("allow-database-subnet-outbound", 100, "Outbound", "Allow", source=db,
              destination=db, ports=["*"], protocol="*",
              description="forge: the server and its HA standby"),
        platform_out, deny_in, deny_vnet_out,
    ]
    endpoint_rules = [
        _rule("allow-data-ports-from-apps", 100, "Inbound", "Allow", source=apps,
              destination=pe, ports=pe_ports, description="forge: the apps reach the endpoints"),
        platform_out, deny_in, deny_vnet_out,
    ]
    return {"apps": apps_rules, "database": database_rules,
            "private-endpoints": endpoint_rules}


def private_endpoint(parent: pulumi.Resource, resource_name: str, *,
                     resource_group_name: pulumi.Input[str], location: pulumi.Input[str],
                     subnet_id: pulumi.Input[str], target_id: pulumi.Input[str],
                     group_id: str, connection_name: str, dns_zone_id: pulumi.Input[str],
                     dns_config_name: str | None = None,
                     tags: pulumi.Input[dict[str, str]] | None = None) -> network.PrivateEndpoint:
    """A private endpoint in `subnet_id` to the `group_id` sub-resource of `target_id`, with
    the DNS zone group (`default`, one config, `dns_config_name` or the group's name) that
    registers its private
    IP in the private DNS zone `dns_zone_id` (https://learn.microsoft.com/azure/private-link/
    private-endpoint-dns). The zone group is `<resource_name>-dns`."""
    endpoint = network.PrivateEndpoint(
        resource_name,
        resource_group_name=resource_group_name,
        location=location,
        subnet=network.SubnetArgs(id=subnet_id),
        private_link_service_connections=[network.PrivateLinkServiceConnectionArgs(
            name=connection_name, private_link_service_id=target_id, group_ids=[group_id])],
        tags=tags,
        opts=child_opts(parent))
    network.PrivateDnsZoneGroup(
        f"{resource_name}-dns",
        resource_group_name=resource_group_name,
        private_endpoint_name=endpoint.name,
        private_dns_zone_group_name="default",
        private_dns_zone_configs=[network.PrivateDnsZoneConfigArgs(
            name=dns_config_name or group_id, private_dns_zone_id=dns_zone_id)],
        opts=child_opts(parent))
    return endpoint


class Networking(pulumi.ComponentResource):
    """A resource group and VNet with delegated subnets, a NAT gateway, least-privilege NSGs,
    private DNS zones for the data services and VNet flow logs."""

    network_id: pulumi.Output[str]
    """The VNet's resource id."""
    network_name: pulumi.Output[str]
    """The VNet's name."""
    resource_group_name: pulumi.Output[str]
    """The resource group everything is in."""
    location: pulumi.Output[str]
    """The region."""
    zones: pulumi.Output[list[str]]
    """The availability zones the services may use, in order."""
    public_subnet_ids: pulumi.Output[list[str]]
    """Always empty: Azure's load balancers and Front Door need no public subnet."""
    private_subnet_ids: pulumi.Output[list[str]]
    """The workload subnets with outbound internet through NAT: `apps`."""
    subnet_ids: pulumi.Output[list[str]]
    """Every subnet's id: `apps`, `database`, `private-endpoints`."""
    apps_subnet_id: pulumi.Output[str]
    """The Container Apps environment's subnet (delegated to Microsoft.App/environments)."""
    apps_subnet_cidr: pulumi.Output[str]
    """The `apps` subnet's range."""
    database_subnet_id: pulumi.Output[str]
    """The PostgreSQL flexible server's subnet (delegated to
    Microsoft.DBforPostgreSQL/flexibleServers)."""
    private_endpoints_subnet_id: pulumi.Output[str]
    """The private endpoints' subnet."""
    nat_gateway_id: pulumi.Output[str]
    """The NAT gateway's id; "" without NAT."""
    nat_public_ip: pulumi.Output[str]
    """The apps' outbound public IP address; "" without NAT."""
    postgres_private_dns_zone_id: pulumi.Output[str]
    """The flexible server's VNet-integration private DNS zone id."""
    private_dns_zone_ids: pulumi.Output[dict[str, str]]
    """The private-endpoint DNS zones' ids by service: "redis", "blob", "vault",
    "servicebus"."""
    flow_log_id: pulumi.Output[str]
    """The VNet flow log's id; "" when flow logs are skipped."""

    def __init__(self, name: str, args: NetworkingArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, opts)
        s = validate_networking_args(name, args)
        tags = resource_tags(COMPONENT, s.tags)

        group_name: pulumi.Input[str]
        if s.resource_group_name is None:
            group = resources.ResourceGroup(
                f"{name}-rg", location=s.location, tags=tags, opts=child_opts(self))
            group_name = group.name
        else:
            group_name = s.resource_group_name

        vnet = network.VirtualNetwork(
            f"{name}-vnet",
            resource_group_name=group_name,
            location=s.location,
            address_space=network.AddressSpaceArgs(address_prefixes=[s.address_space]),
            tags=tags,
            opts=child_opts(self))

        nsgs = {
            tier: network.NetworkSecurityGroup(
                f"{name}-{tier}-nsg",
                resource_group_name=group_name,
                location=s.location,
                security_rules=rules,
                tags=tags,
                opts=child_opts(self))
            for tier, rules in security_rules(s).items()}

        nat: network.NatGateway | None = None
        nat_ip: network.PublicIPAddress | None = None
        if s.nat_gateway:
            nat_ip = network.PublicIPAddress(
                f"{name}-nat-ip",
                resource_group_name=group_name,
                location=s.location,
                sku=network.PublicIPAddressSkuArgs(name="Standard", tier="Regional"),
                public_ip_allocation_method="Static",
                public_ip_address_version="IPv4",
                tags=tags,
                opts=child_opts(self))
            nat = network.NatGateway(
                f"{name}-nat",
                resource_group_name=group_name,
                location=s.location,
                sku=network.NatGatewaySkuArgs(name=NAT_GATEWAY_SKU),
                idle_timeout_in_minutes=s.nat_idle_timeout_minutes,
                public_ip_addresses=[network.SubResourceArgs(id=nat_ip.id)],
                tags=tags,
                opts=child_opts(self))

        def delegation(service: str) -> list[network.DelegationArgs]:
            return [network.DelegationArgs(name=service.replace("/", "."), service_name=service,
                                           actions=[_JOIN_ACTION])]

        # Subnets are created one after another: Azure refuses concurrent changes to one VNet.
        apps = network.Subnet(
            f"{name}-apps",
            resource_group_name=group_name,
            virtual_network_name=vnet.name,
            address_prefix=s.apps_subnet_cidr,
            delegations=delegation(CONTAINER_APPS_DELEGATION),
            network_security_group=network.NetworkSecurityGroupArgs(id=nsgs["apps"].id),
            nat_gateway=network.SubResourceArgs(id=nat.id) if nat is not None else None,
            default_outbound_access=False,
            opts=child_opts(self))
        database = network.Subnet(
            f"{name}-database",
            resource_group_name=group_name,
            virtual_network_name=vnet.name,
            address_prefix=s.database_subnet_cidr,
            delegations=delegation(POSTGRES_DELEGATION),
            network_security_group=network.NetworkSecurityGroupArgs(id=nsgs["database"].id),
            # The server reaches Azure Storage (backups, WAL) over the backbone with no
            # default outbound access: the Storage service endpoint Microsoft's flexible-server
            # samples put on the delegated subnet.
            service_endpoints=[network.ServiceEndpointPropertiesFormatArgs(
                service=STORAGE_SERVICE_ENDPOINT)],
            default_outbound_access=False,
            opts=child_opts(self, depends_on=[apps]))
        endpoints = network.Subnet(
            f"{name}-private-endpoints",
            resource_group_name=group_name,
            virtual_network_name=vnet.name,
            address_prefix=s.private_endpoints_subnet_cidr,
            network_security_group=network.NetworkSecurityGroupArgs(
                id=nsgs["private-endpoints"].id),
            # NSGs apply to private endpoints only with network policies on.
            # https://learn.microsoft.com/azure/private-link/disable-private-endpoint-network-policy
            private_endpoint_network_policies="Enabled",
            default_outbound_access=False,
            opts=child_opts(self, depends_on=[database]))

        def zone(key: str, zone_name: str) -> privatedns.PrivateZone:
            private_zone = privatedns.PrivateZone(
                f"{name}-{key}-zone",
                resource_group_name=group_name,
                private_zone_name=zone_name,
                location="global",
                tags=tags,
                opts=child_opts(self))
            privatedns.VirtualNetworkLink(
                f"{name}-{key}-zone-link",
                resource_group_name=group_name,
                private_zone_name=private_zone.name,
                virtual_network=privatedns.SubResourceArgs(id=vnet.id),
                registration_enabled=False,
                location="global",
                tags=tags,
                opts=child_opts(self))
            return private_zone

        postgres_zone = zone("postgres", postgres_zone_name(name, s))
        endpoint_zones = {key: zone(key, zone_name)
                          for key, zone_name in PRIVATELINK_ZONES.items()}

        flow_log: network.FlowLog | None = None
        if s.flow_logs_storage_account_id is not None:
            flow_log = network.FlowLog(
                f"{name}-vnet-flow-log",
                resource_group_name=s.network_watcher_resource_group_name,
                network_watcher_name=(s.network_watcher_name
                                      or NETWORK_WATCHER_NAME.format(region=s.location)),
                location=s.location,
                target_resource_id=vnet.id,
                storage_id=s.flow_logs_storage_account_id,
                enabled=True,
                format=network.FlowLogFormatParametersArgs(
                    type="JSON", version=FLOW_LOG_FORMAT_VERSION),
                retention_policy=network.RetentionPolicyParametersArgs(
                    enabled=s.flow_logs_retention_days > 0, days=s.flow_logs_retention_days),
                tags=tags,
                opts=child_opts(self))

        empty = pulumi.Output.from_input("")
        self.network_id = vnet.id
        self.network_name = vnet.name
        self.resource_group_name = pulumi.Output.from_input(group_name)
        self.location = pulumi.Output.from_input(s.location)
        self.zones = pulumi.Output.from_input(list(s.zones))
        self.public_subnet_ids = pulumi.Output.from_input([])
        self.private_subnet_ids = apps.id.apply(lambda subnet_id: [subnet_id])
        self.subnet_ids = pulumi.Output.all(apps.id, database.id, endpoints.id).apply(list)
        self.apps_subnet_id = apps.id
        self.apps_subnet_cidr = pulumi.Output.from_input(s.apps_subnet_cidr)
        self.database_subnet_id = database.id
        self.private_endpoints_subnet_id = endpoints.id
        self.nat_gateway_id = nat.id if nat is not None else empty
        self.nat_public_ip = (nat_ip.ip_address.apply(lambda ip: ip or "")
                              if nat_ip is not None else empty)
        self.postgres_private_dns_zone_id = postgres_zone.id
        self.private_dns_zone_ids = pulumi.Output.all(
            **{key: z.id for key, z in endpoint_zones.items()}).apply(dict)
        self.flow_log_id = flow_log.id if flow_log is not None else empty
        self.register_outputs({
            "network_id": self.network_id,
            "network_name": self.network_name,
            "resource_group_name": self.resource_group_name,
            "location": self.location,
            "zones": self.zones,
            "public_subnet_ids": self.public_subnet_ids,
            "private_subnet_ids": self.private_subnet_ids,
            "subnet_ids": self.subnet_ids,
            "apps_subnet_id": self.apps_subnet_id,
            "apps_subnet_cidr": self.apps_subnet_cidr,
            "database_subnet_id": self.database_subnet_id,
            "private_endpoints_subnet_id": self.private_endpoints_subnet_id,
            "nat_gateway_id": self.nat_gateway_id,
            "nat_public_ip": self.nat_public_ip,
            "postgres_private_dns_zone_id": self.postgres_private_dns_zone_id,
            "private_dns_zone_ids": self.private_dns_zone_ids,
            "flow_log_id": self.flow_log_id,
        })
