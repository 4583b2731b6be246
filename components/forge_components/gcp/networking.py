"""The GCP network of one stack: a custom-mode VPC with regional subnets and private services.

What it creates, in the stack's region:

* a custom-mode VPC network (no auto-created subnets, regional dynamic routing);
* two regional subnets, both with Private Google Access and VPC flow logs: `workloads`, where
  Cloud Run services and jobs take their addresses through Direct VPC egress, and
  `instances`, for Compute Engine VMs (a self-managed broker or database);
* Private Service Access: an allocated internal range (`VPC_PEERING`) and the
  `servicenetworking.googleapis.com` peering, through which Cloud SQL and Memorystore for
  Redis get private IPs only;
* a Cloud Router and Cloud NAT for the two subnets (automatic NAT IPs, errors logged);
* least-privilege firewall rules: every ingress and every egress denied (and logged) at the
  lowest priority, then two allows by network tag: HTTPS out for the workloads (Google APIs
  through Private Google Access, the internet through NAT) and the data ports to the Private
  Service Access range for the data services' clients only.

Direct VPC egress, not a Serverless VPC Access connector: Cloud Run instances take addresses
from `workloads` themselves, so there are no connector VMs to run and pay for while idle,
throughput is higher (Google: "Use Direct VPC egress for faster network egress throughput",
https://cloud.google.com/run/docs/configuring/networking-best-practices), and the network tags
the firewall rules target are set on the Cloud Run revision itself (`vpc_access.
network_interfaces[].tags`). What it costs, per
https://cloud.google.com/run/docs/configuring/vpc-direct-vpc: connection set-up can lag a
minute or more at instance start (a startup probe that tests egress is recommended, and a
cold start behind Cloud NAT can take 30 seconds or more longer); instances draw addresses from
the subnet, so it is sized for the services' maximum instances (`workloads_cidr`, a /20 by
default); network tags cannot select Cloud Run in ingress rules, so rules that must name
Cloud Run as a source use the whole `workloads` range; firewall rule logging does not report
Direct VPC egress traffic. For Cloud NAT and these egress rules to govern a Cloud Run service's
internet traffic, the service's `vpc_access.egress` must be ALL_TRAFFIC; with
PRIVATE_RANGES_ONLY that traffic leaves Google's own way and NAT on `workloads` only costs.
"""

import dataclasses
import ipaddress
from typing import NotRequired, TypedDict

import pulumi
import pulumi_gcp as gcp

from forge_components.common import child_opts
from forge_components.gcp.labels import resource_labels
from forge_components.gcp.limits import (
    AUTONAME_SUFFIX,
    FLOW_LOG_INTERVALS,
    RESOURCE_NAME,
    RESOURCE_NAME_MAX,
    SERVICE_NETWORKING,
)

COMPONENT = "forge-gcp:index:Networking"
ANYWHERE_IPV4 = "0.0.0.0/0"
#: The longest suffix the component appends to its name for a child ("-allow-egress-https").
_LONGEST_CHILD_SUFFIX = len("-allow-egress-https")
#: Priorities of the rules: the explicit deny-all rules sit just above the implied rules
#: (65535) so that every allow (1000) overrides them; the Firewall docstring of pulumi_gcp
#: 10.2 says lower values win and DENY beats ALLOW at equal priority.
DENY_ALL_PRIORITY = 65534
ALLOW_PRIORITY = 1000
#: The PostgreSQL port Cloud SQL serves on its private IP.
POSTGRES_PORT = 5432


class NetworkingArgs(TypedDict):
    """The inputs of a GCP `Networking` component."""

    region: str
    """The region of the subnets, the router and Cloud NAT, e.g. "europe-west1". Required."""
    workloads_cidr: NotRequired[str]
    """The `workloads` subnet's range: Cloud Run services and jobs take one address per
    instance from it (Direct VPC egress), so size it for their maximum instances together.
    Defaults to "10.10.0.0/20"."""
    instances_cidr: NotRequired[str]
    """The `instances` subnet's range, for Compute Engine VMs. Defaults to "10.10.16.0/24"."""
    private_service_access_cidr: NotRequired[str]
    """The range allocated to Private Service Access, out of which Cloud SQL and Memorystore
    get their private IPs; it must not overlap the subnets. Defaults to "10.20.0.0/16"."""
    cloud_nat: NotRequired[bool]
    """A Cloud Router and Cloud NAT give both subnets outbound internet access. Without it only
    Google APIs (Private Google Access) and the VPC are reachable. Defaults to True."""
    flow_logs_sampling: NotRequired[float]
    """The share of flows VPC flow logs report, above 0 and at most 1. Defaults to 0.5."""
    flow_logs_interval: NotRequired[str]
    """The flow log aggregation interval (one of `limits.FLOW_LOG_INTERVALS`). Defaults to
    "INTERVAL_5_SEC"."""
    workload_tag: NotRequired[str]
    """The network tag every workload carries (Cloud Run's `network_interfaces.tags`, VMs'
    tags): it may send HTTPS anywhere. Defaults to "forge-workload"."""
    data_client_tag: NotRequired[str]
    """The network tag of the data services' clients (api, worker): only it may reach the
    Private Service Access range, on `data_ports`. Defaults to "forge-data-client"."""
    data_ports: NotRequired[list[int]]
    """The TCP ports the data clients may open to the whole Private Service Access range
    (the GCP `Cache` adds its own rule for its endpoint and port). Defaults to [5432]
    (PostgreSQL)."""
    labels: NotRequired[dict[str, str]]
    """Labels added to every labelable child (lower-case keys and values). Defaults to {}."""


@dataclasses.dataclass(frozen=True)
class _Settings:
    """`NetworkingArgs` with every default applied (the host passes a plain dict)."""

    region: str
    workloads_cidr: str = "10.10.0.0/20"
    instances_cidr: str = "10.10.16.0/24"
    private_service_access_cidr: str = "10.20.0.0/16"
    cloud_nat: bool = True
    flow_logs_sampling: float = 0.5
    flow_logs_interval: str = "INTERVAL_5_SEC"
    workload_tag: str = "forge-workload"
    data_client_tag: str = "forge-data-client"
    data_ports: list[int] = dataclasses.field(default_factory=lambda: [POSTGRES_PORT])
    labels: dict[str, str] = dataclasses.field(default_factory=dict)


def _fail(message: str) -> ValueError:
    return ValueError(f"Networking: {message}")


def _private_network(field: str, value: str) -> ipaddress.IPv4Network:
    try:
        network = ipaddress.IPv4Network(value, strict=True)
    except ValueError as error:
        raise _fail(f"{field} {value!r} is not an IPv4 CIDR block: {error}") from None
    if not network.is_private:
        raise _fail(f"{field} {value!r} is not a private (RFC 1918) range")
    return network


def validate_networking_args(name: str, args: NetworkingArgs) -> _Settings:
    """The args with defaults applied, checked; a ValueError names the field and what is allowed.

    Pure (no Pulumi calls): the configuration can run the same checks.
    """
    s = _Settings(**args)
    longest = RESOURCE_NAME_MAX - AUTONAME_SUFFIX - _LONGEST_CHILD_SUFFIX
    if not RESOURCE_NAME.fullmatch(name) or len(name) > longest:
        raise _fail(f"name {name!r} must be a GCP resource name (a lower-case letter, then "
                    f"lower-case letters, digits or dashes, not ending with a dash) of at most "
                    f"{longest} characters, so that every child's auto-name fits 63")
    if not RESOURCE_NAME.fullmatch(s.region):
        raise _fail(f"region {s.region!r} is not a region name such as 'europe-west1'")
    ranges = {field: _private_network(field, getattr(s, field))
              for field in ("workloads_cidr", "instances_cidr", "private_service_access_cidr")}
    fields = list(ranges)
    for i, first in enumerate(fields):
        for second in fields[i + 1:]:
            if ranges[first].overlaps(ranges[second]):
                raise _fail(f"{first} {ranges[first]} overlaps {second} {ranges[second]}")
    if not 0 < s.flow_logs_sampling <= 1:
        raise _fail(f"flow_logs_sampling must be above 0 and at most 1, got "
                    f"{s.flow_logs_sampling}: VPC flow logs stay on")
    if s.flow_logs_interval not in FLOW_LOG_INTERVALS:
        raise _fail(f"flow_logs_interval {s.flow_logs_interval!r} is not one of "
                    f"{list(FLOW_LOG_INTERVALS)}")
    for field in ("workload_tag", "data_client_tag"):
        tag = getattr(s, field)
        if not RESOURCE_NAME.fullmatch(tag):
            raise _fail(f"{field} {tag!r} is not a network tag (lower-case letters, digits and "
                        "dashes, a letter first, 63 at most)")
    if s.workload_tag == s.data_client_tag:
        raise _fail("workload_tag and data_client_tag must differ: only the data clients may "
                    "reach the data services")
    ports = list(s.data_ports)
    if not ports or any(not isinstance(p, int) or not 1 <= p <= 65535 for p in ports):
        raise _fail(f"data_ports must list TCP ports (1..65535), got {ports}")
    if len(set(ports)) != len(ports):
        raise _fail(f"data_ports has duplicates: {ports}")
    resource_labels(COMPONENT, s.labels)
    return s


def network_after_peering(network_id: pulumi.Input[str],
                          connection_id: pulumi.Input[str]) -> pulumi.Output[str]:
    """`network_id`, carrying the Private Service Access connection as a dependency: a Cloud
    SQL or Memorystore instance that asks for a private IP in the peered range must be created
    after the peering, and the dependency is not inferred (pulumi_gcp's DatabaseInstance docs;
    its PRIVATE_SERVICE_ACCESS Redis example)."""
    return pulumi.Output.all(network_id, connection_id).apply(lambda v: str(v[0]))


class Networking(pulumi.ComponentResource):
    """A custom-mode VPC with regional subnets, Private Service Access, Cloud NAT and
    least-privilege firewall rules."""

    network_id: pulumi.Output[str]
    """The VPC network's self link."""
    network_name: pulumi.Output[str]
    """The VPC network's name."""
    region: pulumi.Output[str]
    """The region of the subnets, router and NAT."""
    zones: pulumi.Output[list[str]]
    """The zones of the region the regional subnets span, in order."""
    public_subnet_ids: pulumi.Output[list[str]]
    """Always empty: GCP's global external Application Load Balancer needs no subnet."""
    private_subnet_ids: pulumi.Output[list[str]]
    """The subnets' ids, `workloads` then `instances` (both with NAT when `cloud_nat`)."""
    workloads_subnet_id: pulumi.Output[str]
    """The `workloads` subnet's id (Cloud Run Direct VPC egress)."""
    workloads_subnet_cidr: pulumi.Output[str]
    """The `workloads` subnet's range."""
    instances_subnet_id: pulumi.Output[str]
    """The `instances` subnet's id (Compute Engine VMs)."""
    private_service_access_range_name: pulumi.Output[str]
    """The name of the range allocated to Private Service Access."""
    private_service_access_cidr: pulumi.Output[str]
    """The range allocated to Private Service Access (where Cloud SQL and Memorystore get
    their private IPs)."""
    private_service_access_connection_id: pulumi.Output[str]
    """The Service Networking peering's id: pass it to the data services so they are created
    after the peering exists."""
    router_name: pulumi.Output[str]
    """The Cloud Router's name; "" without Cloud NAT."""
    nat_name: pulumi.Output[str]
    """The Cloud NAT's name; "" without Cloud NAT."""
    workload_tag: pulumi.Output[str]
    """The network tag every workload carries (HTTPS out)."""
    data_client_tag: pulumi.Output[str]
    """The network tag of the data services' clients (the data ports to the PSA range)."""

    def __init__(self, name: str, args: NetworkingArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, opts)
        s = validate_networking_args(name, args)

        network = gcp.compute.Network(
            f"{name}-vpc",
            auto_create_subnetworks=False,
            routing_mode="REGIONAL",
            description=f"forge {name}: the stack's VPC",
            opts=child_opts(self))

        log_config = gcp.compute.SubnetworkLogConfigArgs(
            aggregation_interval=s.flow_logs_interval,
            flow_sampling=s.flow_logs_sampling,
            metadata="INCLUDE_ALL_METADATA")

        def subnet(tier: str, cidr: str, description: str) -> gcp.compute.Subnetwork:
            return gcp.compute.Subnetwork(
                f"{name}-{tier}",
                network=network.id,
                region=s.region,
                ip_cidr_range=cidr,
                private_ip_google_access=True,
                stack_type="IPV4_ONLY",
                log_config=log_config,
                description=f"forge {name}: {description}",
                opts=child_opts(self))

        workloads = subnet("workloads", s.workloads_cidr,
                           "Cloud Run services and jobs (Direct VPC egress)")
        instances = subnet("instances", s.instances_cidr, "Compute Engine VMs")

        # -- Private Service Access: Cloud SQL and Memorystore for Redis get private IPs only.
        # https://cloud.google.com/vpc/docs/configure-private-services-access
        psa_network = ipaddress.IPv4Network(s.private_service_access_cidr)
        psa_range = gcp.compute.GlobalAddress(
            f"{name}-psa",
            purpose="VPC_PEERING",
            address_type="INTERNAL",
            address=str(psa_network.network_address),
            prefix_length=psa_network.prefixlen,
            network=network.id,
            description=f"forge {name}: Private Service Access (Cloud SQL, Memorystore)",
            labels=resource_labels(COMPONENT, s.labels),
            opts=child_opts(self))
        psa = gcp.servicenetworking.Connection(
            f"{name}-psa",
            network=network.id,
            service=SERVICE_NETWORKING,
            reserved_peering_ranges=[psa_range.name],
            opts=child_opts(self))

        # -- Cloud Router + Cloud NAT for both subnets.
        router: gcp.compute.Router | None = None
        nat: gcp.compute.RouterNat | None = None
        if s.cloud_nat:
            router = gcp.compute.Router(
                f"{name}-router",
                network=network.id,
                region=s.region,
                description=f"forge {name}: Cloud NAT's router",
                opts=child_opts(self))
            nat = gcp.compute.RouterNat(
                f"{name}-nat",
                router=router.name,
                region=s.region,
                nat_ip_allocate_option="AUTO_ONLY",
                source_subnetwork_ip_ranges_to_nat="LIST_OF_SUBNETWORKS",
                subnetworks=[
                    gcp.compute.RouterNatSubnetworkArgs(
                        name=sub.self_link, source_ip_ranges_to_nats=["ALL_IP_RANGES"])
                    for sub in (workloads, instances)],
                log_config=gcp.compute.RouterNatLogConfigArgs(enable=True, filter="ERRORS_ONLY"),
                opts=child_opts(self))

        # -- firewall: deny everything, then allow by tag.
        firewall_logs = gcp.compute.FirewallLogConfigArgs(metadata="INCLUDE_ALL_METADATA")
        gcp.compute.Firewall(
            f"{name}-deny-all-ingress",
            network=network.id,
            direction="INGRESS",
            priority=DENY_ALL_PRIORITY,
            source_ranges=[ANYWHERE_IPV4],
            denies=[gcp.compute.FirewallDenyArgs(protocol="all")],
            log_config=firewall_logs,
            description="forge: no ingress from anywhere (explicit and logged)",
            opts=child_opts(self))
        gcp.compute.Firewall(
            f"{name}-deny-all-egress",
            network=network.id,
            direction="EGRESS",
            priority=DENY_ALL_PRIORITY,
            destination_ranges=[ANYWHERE_IPV4],
            denies=[gcp.compute.FirewallDenyArgs(protocol="all")],
            log_config=firewall_logs,
            description="forge: no egress but what a rule below allows",
            opts=child_opts(self))
        gcp.compute.Firewall(
            f"{name}-allow-egress-https",
            network=network.id,
            direction="EGRESS",
            priority=ALLOW_PRIORITY,
            destination_ranges=[ANYWHERE_IPV4],
            target_tags=[s.workload_tag],
            allows=[gcp.compute.FirewallAllowArgs(protocol="tcp", ports=["443"])],
            log_config=firewall_logs,
            description="forge: workloads send HTTPS (Google APIs, NAT to the internet)",
            opts=child_opts(self))
        gcp.compute.Firewall(
            f"{name}-allow-egress-data",
            network=network.id,
            direction="EGRESS",
            priority=ALLOW_PRIORITY,
            destination_ranges=[s.private_service_access_cidr],
            target_tags=[s.data_client_tag],
            allows=[gcp.compute.FirewallAllowArgs(
                protocol="tcp", ports=[str(p) for p in s.data_ports])],
            log_config=firewall_logs,
            description="forge: data clients reach the private services' ports",
            opts=child_opts(self))

        zones = gcp.compute.get_zones_output(
            region=s.region, status="UP", opts=pulumi.InvokeOutputOptions(parent=self))

        self.network_id = network.self_link
        self.network_name = network.name
        self.region = pulumi.Output.from_input(s.region)
        self.zones = zones.names.apply(lambda names: sorted(names))
        self.public_subnet_ids = pulumi.Output.from_input([])
        self.private_subnet_ids = pulumi.Output.all(workloads.id, instances.id).apply(list)
        self.workloads_subnet_id = workloads.id
        self.workloads_subnet_cidr = workloads.ip_cidr_range
        self.instances_subnet_id = instances.id
        self.private_service_access_range_name = psa_range.name
        self.private_service_access_cidr = pulumi.Output.from_input(
            s.private_service_access_cidr)
        self.private_service_access_connection_id = psa.id
        self.router_name = router.name if router is not None else pulumi.Output.from_input("")
        self.nat_name = nat.name if nat is not None else pulumi.Output.from_input("")
        self.workload_tag = pulumi.Output.from_input(s.workload_tag)
        self.data_client_tag = pulumi.Output.from_input(s.data_client_tag)
        self.register_outputs({
            "network_id": self.network_id,
            "network_name": self.network_name,
            "region": self.region,
            "zones": self.zones,
            "public_subnet_ids": self.public_subnet_ids,
            "private_subnet_ids": self.private_subnet_ids,
            "workloads_subnet_id": self.workloads_subnet_id,
            "workloads_subnet_cidr": self.workloads_subnet_cidr,
            "instances_subnet_id": self.instances_subnet_id,
            "private_service_access_range_name": self.private_service_access_range_name,
            "private_service_access_cidr": self.private_service_access_cidr,
            "private_service_access_connection_id": self.private_service_access_connection_id,
            "router_name": self.router_name,
            "nat_name": self.nat_name,
            "workload_tag": self.workload_tag,
            "data_client_tag": self.data_client_tag,
        })
