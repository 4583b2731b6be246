"""Tests of the AWS Networking component, run under the shared offline mocks.

What these tests do not prove: that AWS accepts the layout (quotas, zone capacity, API-side
validation) or that traffic really flows; only that the program asks AWS for what it should.
"""

import json
import re
from typing import Any

import pulumi
import pytest

from forge_components.aws.networking import (
    COMPONENT,
    NatGatewayStrategy,
    Networking,
    NetworkingArgs,
    _first_zones,
)
from forge_components.contracts import NetworkingOutputs
from forge_components.subnets import SubnetLayoutError, plan_subnets
from forge_infra.plan.recorder import RecordedResource, Recording
from tests.components.aws.conftest import assert_component_schema
from tests.helpers import assert_all_tagged, run_mocked

SUBNET = "aws:ec2/subnet:Subnet"
ROUTE = "aws:ec2/route:Route"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
NAT = "aws:ec2/natGateway:NatGateway"
EIP = "aws:ec2/eip:Eip"
VPC = "aws:ec2/vpc:Vpc"
IGW = "aws:ec2/internetGateway:InternetGateway"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
LEGACY_SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
LOG_KEY = "arn:aws:kms:us-east-1:123456789012:key/0000-logs"

OUTPUTS = ("network_id", "vpc_cidr", "zones", "public_subnet_ids", "private_subnet_ids",
           "database_subnet_ids", "app_security_group_id", "service_security_group_ids",
           "nat_gateway_ids",
           "public_route_table_id", "private_route_table_ids", "database_route_table_id",
           "default_security_group_id", "flow_log_group_name")


class Built:
    """A recorded Networking run: the recording, the component and its resolved outputs."""

    def __init__(self, recording: Recording, component: Networking) -> None:
        self.recording = recording
        self.component = component
        self.outputs: dict[str, Any] = recording.exports
        self.urn = recording.one(COMPONENT).urn

    def subnets(self, tier: str) -> list[RecordedResource]:
        """The subnets of one tier, in AZ order (by their `-<n>` name suffix)."""
        found = [r for r in self.recording.of_type(SUBNET) if r.inputs["tags"].get("tier") == tier]
        return sorted(found, key=lambda r: int(r.name.rsplit("-", 1)[1]))

    def by_id(self, type_token: str) -> dict[str, RecordedResource]:
        """The resources of a type keyed by their provider id."""
        return {r.resource_id: r for r in self.recording.of_type(type_token)}

    def route_table(self, name: str) -> RecordedResource:
        return self.recording.one(ROUTE_TABLE, name)

    def routes_of(self, table: RecordedResource) -> list[RecordedResource]:
        return [r for r in self.recording.of_type(ROUTE)
                if r.inputs["routeTableId"] == table.resource_id]

    def table_of_subnet(self, subnet: RecordedResource) -> RecordedResource:
        """The route table the subnet is associated with (exactly one)."""
        tables = self.by_id(ROUTE_TABLE)
        found = [tables[a.inputs["routeTableId"]] for a in self.recording.of_type(ASSOCIATION)
                 if a.inputs["subnetId"] == subnet.resource_id]
        assert len(found) == 1, f"{subnet.urn} has {len(found)} route table associations"
        return found[0]


def build(region: str = "us-east-1", **kwargs: Any) -> Built:
    """Declare one Networking named "net" under the mocks and export every output."""
    kwargs.setdefault("cidr_block", "10.0.0.0/16")
    kwargs = {key: value for key, value in kwargs.items() if value is not None}
    holder: dict[str, Networking] = {}

    def program() -> None:
        net = Networking("net", NetworkingArgs(**kwargs))
        holder["net"] = net
        for output in OUTPUTS:
            pulumi.export(output, getattr(net, output))

    recording = run_mocked(program, region=region)
    return Built(recording, holder["net"])


@pytest.mark.parametrize("az_count", [1, 2, 3, 4])
def test_one_subnet_per_tier_per_az(az_count: int) -> None:
    built = build(az_count=az_count)
    assert len(built.recording.of_type(SUBNET)) == 3 * az_count
    for tier in ("public", "private", "database"):
        subnets = built.subnets(tier)
        assert [s.name for s in subnets] == [f"net-{tier}-{i + 1}" for i in range(az_count)], (
            f"{tier}: {[s.urn for s in subnets]}")
        assert built.outputs[f"{tier}_subnet_ids"] == [s.resource_id for s in subnets]
    azs = built.outputs["zones"]
    assert len(azs) == az_count
    for tier in ("public", "private", "database"):
        assert [s.inputs["availabilityZone"] for s in built.subnets(tier)] == azs, tier


@pytest.mark.parametrize(("cidr", "az_count", "prefixes"), [
    ("10.0.0.0/16", 3, None),
    ("10.20.0.0/20", 2, None),
    ("172.16.0.0/16", 3, {"public": 24, "private": 20, "database": 24}),
])
def test_subnet_cidrs_are_plan_subnets_output(cidr: str, az_count: int,
                                              prefixes: dict[str, int] | None) -> None:
    built = build(cidr_block=cidr, az_count=az_count, subnet_prefixes=prefixes)
    expected = plan_subnets(cidr, az_count, prefixes)
    for tier in ("public", "private", "database"):
        got = [s.inputs["cidrBlock"] for s in built.subnets(tier)]
        assert got == list(expected.tier(tier)), f"{tier}: {got} != {expected.tier(tier)}"
    vpc = built.recording.one(VPC)
    assert vpc.inputs["cidrBlock"] == cidr, vpc.urn
    assert built.outputs["vpc_cidr"] == cidr


def test_layout_that_does_not_fit_fails_before_any_subnet() -> None:
    with pytest.raises(SubnetLayoutError, match="need"):
        build(cidr_block="10.0.0.0/24", az_count=3,
              subnet_prefixes={"public": 26, "private": 26, "database": 26})


def test_vpc_has_dns_support_and_hostnames() -> None:
    vpc = build().recording.one(VPC)
    assert vpc.inputs["enableDnsSupport"] is True, vpc.urn
    assert vpc.inputs["enableDnsHostnames"] is True, vpc.urn


def test_only_public_subnets_map_public_ips() -> None:
    built = build()
    for subnet in built.subnets("public"):
        assert subnet.inputs["mapPublicIpOnLaunch"] is True, subnet.urn
    for tier in ("private", "database"):
        for subnet in built.subnets(tier):
            # Explicitly False, not merely absent.
            assert subnet.inputs.get("mapPublicIpOnLaunch", "absent") is False, subnet.urn


def test_public_subnets_route_to_the_internet_gateway() -> None:
    built = build()
    igw = built.recording.one(IGW)
    public = built.route_table("net-public")
    routes = built.routes_of(public)
    assert [(r.inputs["destinationCidrBlock"], r.inputs.get("gatewayId")) for r in routes] == [
        ("0.0.0.0/0", igw.resource_id)], public.urn
    for subnet in built.subnets("public"):
        assert built.table_of_subnet(subnet).urn == public.urn, subnet.urn
    assert built.outputs["public_route_table_id"] == public.resource_id


@pytest.mark.parametrize("strategy", list(NatGatewayStrategy))
def test_database_subnets_have_no_route_out(strategy: NatGatewayStrategy) -> None:
    built = build(nat_gateway_strategy=strategy)
    database = built.route_table("net-database")
    assert "routes" not in database.inputs or database.inputs["routes"] == [], database.urn
    assert built.routes_of(database) == [], database.urn
    for subnet in built.subnets("database"):
        assert built.table_of_subnet(subnet).urn == database.urn, subnet.urn
    assert built.outputs["database_route_table_id"] == database.resource_id


@pytest.mark.parametrize(("strategy", "nat_count"), [
    (NatGatewayStrategy.NONE, 0),
    (NatGatewayStrategy.SINGLE, 1),
    (NatGatewayStrategy.ONE_PER_AZ, 3),
])
def test_nat_gateways_per_strategy(strategy: NatGatewayStrategy, nat_count: int) -> None:
    built = build(az_count=3, nat_gateway_strategy=strategy)
    nats = built.recording.of_type(NAT)
    assert len(nats) == nat_count, [n.urn for n in nats]
    assert len(built.recording.of_type(EIP)) == nat_count
    eips = built.by_id(EIP)
    public_ids = [s.resource_id for s in built.subnets("public")]
    for i, nat in enumerate(sorted(nats, key=lambda n: n.name)):
        assert nat.inputs["subnetId"] == public_ids[i], nat.urn
        assert nat.inputs["connectivityType"] == "public", nat.urn
        assert nat.inputs["allocationId"] in eips, nat.urn
        assert eips[nat.inputs["allocationId"]].inputs["domain"] == "vpc"
    assert sorted(built.outputs["nat_gateway_ids"]) == sorted(n.resource_id for n in nats)

    private_tables = [built.route_table(f"net-private-{i + 1}") for i in range(3)]
    assert built.outputs["private_route_table_ids"] == [t.resource_id for t in private_tables]
    nat_ids = {n.resource_id for n in nats}
    for table in private_tables:
        routes = built.routes_of(table)
        if strategy is NatGatewayStrategy.NONE:
            assert routes == [], f"{table.urn} routes out with no NAT: {routes}"
            continue
        assert len(routes) == 1, table.urn
        assert routes[0].inputs["destinationCidrBlock"] == "0.0.0.0/0", routes[0].urn
        assert routes[0].inputs["natGatewayId"] in nat_ids, routes[0].urn
        assert "gatewayId" not in routes[0].inputs, routes[0].urn
    # Only the public table reaches the internet gateway.
    igw_routes = [r for r in built.recording.of_type(ROUTE) if r.inputs.get("gatewayId")]
    assert len(igw_routes) == 1, [r.urn for r in igw_routes]


@pytest.mark.parametrize("strategy", [NatGatewayStrategy.SINGLE, NatGatewayStrategy.ONE_PER_AZ])
def test_each_private_subnet_uses_the_right_nat(strategy: NatGatewayStrategy) -> None:
    built = build(az_count=3, nat_gateway_strategy=strategy)
    nats = built.by_id(NAT)
    subnets = built.by_id(SUBNET)
    used = set()
    for subnet in built.subnets("private"):
        table = built.table_of_subnet(subnet)
        assert table.name == subnet.name, f"{subnet.urn} shares {table.urn}"
        (route,) = built.routes_of(table)
        nat = nats[route.inputs["natGatewayId"]]
        nat_az = subnets[nat.inputs["subnetId"]].inputs["availabilityZone"]
        used.add(nat.urn)
        if strategy is NatGatewayStrategy.ONE_PER_AZ:
            assert nat_az == subnet.inputs["availabilityZone"], (
                f"{table.urn} routes {subnet.inputs['availabilityZone']} through {nat.urn} "
                f"in {nat_az}")
    assert len(used) == (3 if strategy is NatGatewayStrategy.ONE_PER_AZ else 1), used


def test_strategy_accepts_its_string_value() -> None:
    built = build(nat_gateway_strategy="per_az", az_count=2)
    assert len(built.recording.of_type(NAT)) == 2


def test_pinned_availability_zones_are_used_in_order() -> None:
    pinned = ["eu-west-1c", "eu-west-1a"]
    built = build(region="eu-west-1", az_count=2, availability_zones=pinned)
    assert built.outputs["zones"] == pinned
    for tier in ("public", "private", "database"):
        assert [s.inputs["availabilityZone"] for s in built.subnets(tier)] == pinned, tier


def test_availability_zones_are_looked_up_when_not_pinned() -> None:
    built = build(region="eu-west-1", az_count=2)
    # The mocks answer getAvailabilityZones with <region>a..f; the first az_count are used.
    assert built.outputs["zones"] == ["eu-west-1a", "eu-west-1b"]
    assert [s.inputs["availabilityZone"] for s in built.subnets("private")] == [
        "eu-west-1a", "eu-west-1b"]


def test_pinned_zone_count_must_match_az_count() -> None:
    with pytest.raises(ValueError, match="availability_zones names 2 zones but az_count is 3"):
        build(availability_zones=["us-east-1a", "us-east-1b"], az_count=3)


def test_more_zones_than_the_region_has_fails() -> None:
    # Checked on the pure helper: a program failing inside apply() under the mocks leaves
    # pending registrations that fail the next run in the same process.
    assert _first_zones(["us-east-1a", "us-east-1b", "us-east-1c"], 2) == [
        "us-east-1a", "us-east-1b"]
    with pytest.raises(ValueError, match="az_count is 3 but the region has only 2 available"):
        _first_zones(["us-east-1a", "us-east-1b"], 3)


def test_default_security_group_is_stripped_of_rules() -> None:
    built = build()
    default = built.recording.one(DEFAULT_SG)
    vpc = built.recording.one(VPC)
    assert default.inputs["vpcId"] == vpc.resource_id, default.urn
    assert default.inputs["ingress"] == [], default.urn
    assert default.inputs["egress"] == [], default.urn
    rules = [r for t in (INGRESS, EGRESS) for r in built.recording.of_type(t)
             if r.inputs["securityGroupId"] == default.resource_id]
    assert rules == [], [r.urn for r in rules]
    assert built.outputs["default_security_group_id"] == default.resource_id


def test_app_security_group_has_egress_only() -> None:
    built = build()
    app = built.recording.one(SG, "net-app")
    assert app.inputs["vpcId"] == built.recording.one(VPC).resource_id, app.urn
    assert not app.inputs.get("ingress"), f"{app.urn} has inline ingress"
    assert not app.inputs.get("egress"), f"{app.urn} has inline egress"
    # No ingress at all here (compute adds the load balancer's), let alone from 0.0.0.0/0.
    assert built.recording.of_type(INGRESS) == []
    assert built.recording.of_type(LEGACY_SG_RULE) == []
    (egress,) = built.recording.of_type(EGRESS)
    assert egress.inputs["securityGroupId"] == app.resource_id, egress.urn
    assert egress.inputs["ipProtocol"] == "-1", egress.urn
    assert egress.inputs["cidrIpv4"] == "0.0.0.0/0", egress.urn
    assert built.outputs["app_security_group_id"] == app.resource_id
    assert built.outputs["service_security_group_ids"] == {}


def test_each_named_service_gets_its_own_egress_only_group() -> None:
    built = build(service_names=["gateway", "api"], app_security_group=False)
    rec = built.recording
    vpc = rec.one(VPC)
    assert [sg.name for sg in rec.of_type(SG)] == ["net-gateway", "net-api"]
    groups = {name: rec.one(SG, f"net-{name}") for name in ("gateway", "api")}
    for name, sg in groups.items():
        assert sg.inputs["vpcId"] == vpc.resource_id, sg.urn
        assert not sg.inputs.get("ingress") and not sg.inputs.get("egress"), sg.urn
        (egress,) = [r for r in rec.of_type(EGRESS)
                     if r.inputs["securityGroupId"] == sg.resource_id]
        assert egress.name == f"net-{name}-egress", egress.urn
        inputs = {k: v for k, v in egress.inputs.items() if k not in ("tags", "description")}
        assert inputs == {"securityGroupId": sg.resource_id, "ipProtocol": "-1",
                          "cidrIpv4": "0.0.0.0/0"}, egress.urn
    assert rec.of_type(INGRESS) == []
    assert len(rec.of_type(EGRESS)) == 2
    assert built.outputs["service_security_group_ids"] == {
        name: sg.resource_id for name, sg in groups.items()}
    assert built.outputs["app_security_group_id"] is None


@pytest.mark.parametrize(("names", "message"), [
    (["api", "api"], "Networking: service_names has duplicates: ['api']"),
    (["api", "app"], "Networking: service_names ['app'] are not allowed; a service name is "
                     "1..32 lower-case letters, digits and hyphens starting with a letter, and "
                     "not 'app' (the shared application group's name)"),
    (["Api", "1ui", "a" * 33], "Networking: service_names ['Api', '1ui', '" + "a" * 33 + "'] "
                               "are not allowed"),
])
def test_service_names_are_checked_before_any_resource(names: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        build(service_names=names)


def test_flow_log_group_is_encrypted_with_the_given_key() -> None:
    log_group = build(log_kms_key_arn=LOG_KEY).recording.one(LOG_GROUP)
    assert log_group.inputs["kmsKeyId"] == LOG_KEY, log_group.urn
    unencrypted = build().recording.one(LOG_GROUP)
    assert "kmsKeyId" not in unencrypted.inputs, unencrypted.urn


@pytest.mark.parametrize("retention", [30, 365])
def test_flow_logs_capture_all_traffic_to_a_retained_log_group(retention: int) -> None:
    built = build(flow_logs_retention_days=retention)
    rec = built.recording
    flow_log = rec.one(FLOW_LOG)
    log_group = rec.one(LOG_GROUP)
    role = rec.one(ROLE)
    policy = rec.one(ROLE_POLICY)
    assert flow_log.inputs["trafficType"] == "ALL", flow_log.urn
    assert flow_log.inputs["vpcId"] == rec.one(VPC).resource_id, flow_log.urn
    assert flow_log.inputs["logDestinationType"] == "cloud-watch-logs", flow_log.urn
    assert flow_log.inputs["logDestination"] == log_group.outputs["arn"], flow_log.urn
    assert flow_log.inputs["iamRoleArn"] == role.outputs["arn"], flow_log.urn
    assert policy.urn in flow_log.dependencies, f"{flow_log.urn} may start before its policy"
    assert log_group.inputs["retentionInDays"] == retention, log_group.urn
    assert built.outputs["flow_log_group_name"] == log_group.outputs["name"]
    assert built.outputs["flow_log_group_name"].startswith("/aws/vpc-flow-logs/net-")

    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust["Statement"] == [{
        "Effect": "Allow",
        "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}},
    }], role.urn
    assert policy.inputs["role"] == role.resource_id, policy.urn
    statements = json.loads(policy.inputs["policy"])["Statement"]
    arn = log_group.outputs["arn"]
    assert statements == [
        {"Effect": "Allow",
         "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
         "Resource": [arn, f"{arn}:*"]},
        {"Effect": "Allow", "Action": "logs:DescribeLogGroups", "Resource": "*"},
    ], policy.urn


def test_flow_log_retention_must_be_a_cloudwatch_period() -> None:
    with pytest.raises(ValueError, match="flow_logs_retention_days=45 is not a CloudWatch"):
        build(flow_logs_retention_days=45)


def test_s3_gateway_endpoint_serves_private_and_database_tables() -> None:
    built = build(region="eu-central-1", az_count=2)
    endpoint = built.recording.one(ENDPOINT)
    assert endpoint.inputs["vpcEndpointType"] == "Gateway", endpoint.urn
    assert endpoint.inputs["serviceName"] == "com.amazonaws.eu-central-1.s3", endpoint.urn
    expected = [built.route_table(f"net-private-{i + 1}").resource_id for i in range(2)]
    expected.append(built.route_table("net-database").resource_id)
    assert endpoint.inputs["routeTableIds"] == expected, endpoint.urn
    assert built.route_table("net-public").resource_id not in endpoint.inputs["routeTableIds"]


def test_eks_tags_on_public_and_private_subnets() -> None:
    built = build(eks_cluster_name="forge-prod")
    cluster_tag = "kubernetes.io/cluster/forge-prod"
    for subnet in built.subnets("public"):
        tags = subnet.inputs["tags"]
        assert tags.get(cluster_tag) == "shared", subnet.urn
        assert tags.get("kubernetes.io/role/elb") == "1", subnet.urn
        assert "kubernetes.io/role/internal-elb" not in tags, subnet.urn
    for subnet in built.subnets("private"):
        tags = subnet.inputs["tags"]
        assert tags.get(cluster_tag) == "shared", subnet.urn
        assert tags.get("kubernetes.io/role/internal-elb") == "1", subnet.urn
        assert "kubernetes.io/role/elb" not in tags, subnet.urn
    for subnet in built.subnets("database"):
        assert not [k for k in subnet.inputs["tags"] if k.startswith("kubernetes.io/")], (
            subnet.urn)


def test_no_kubernetes_tags_without_a_cluster() -> None:
    built = build()
    for subnet in built.recording.of_type(SUBNET):
        assert not [k for k in subnet.inputs["tags"] if k.startswith("kubernetes.io/")], (
            subnet.urn)


def test_every_child_is_parented_to_the_component() -> None:
    built = build(nat_gateway_strategy=NatGatewayStrategy.ONE_PER_AZ)
    rec = built.recording
    others = [r for r in rec.resources if r.urn != built.urn]
    assert len(others) > 40
    for resource in others:
        assert resource.parent == built.urn, f"{resource.urn} parent {resource.parent}"
    assert len(rec.children_of(built.urn)) == len(others)
    assert rec.one(COMPONENT).parent == rec.stack_urn


def test_every_taggable_child_is_tagged() -> None:
    built = build(tags={"team": "platform"}, nat_gateway_strategy=NatGatewayStrategy.SINGLE)
    checked = assert_all_tagged(built.recording, COMPONENT)
    assert len(checked) >= 20
    for resource in checked:
        tags = resource.inputs["tags"]
        assert tags["team"] == "platform", resource.urn
        assert tags["Name"] == resource.name, resource.urn


def test_resource_names_snapshot() -> None:
    """The (type, name) pairs of a two-AZ, single-NAT network: a rename changes URNs."""
    built = build(az_count=2, nat_gateway_strategy=NatGatewayStrategy.SINGLE)
    pairs = sorted((r.type.rsplit(":", 1)[1], r.name) for r in built.recording.resources)
    assert pairs == sorted([
        ("Networking", "net"),
        ("Vpc", "net-vpc"), ("InternetGateway", "net-igw"),
        ("Subnet", "net-public-1"), ("Subnet", "net-public-2"),
        ("Subnet", "net-private-1"), ("Subnet", "net-private-2"),
        ("Subnet", "net-database-1"), ("Subnet", "net-database-2"),
        ("RouteTable", "net-public"), ("Route", "net-public-internet"),
        ("RouteTableAssociation", "net-public-1"), ("RouteTableAssociation", "net-public-2"),
        ("Eip", "net-nat-1"), ("NatGateway", "net-nat-1"),
        ("RouteTable", "net-private-1"), ("RouteTable", "net-private-2"),
        ("Route", "net-private-1-nat"), ("Route", "net-private-2-nat"),
        ("RouteTableAssociation", "net-private-1"), ("RouteTableAssociation", "net-private-2"),
        ("RouteTable", "net-database"),
        ("RouteTableAssociation", "net-database-1"), ("RouteTableAssociation", "net-database-2"),
        ("VpcEndpoint", "net-s3"),
        ("DefaultSecurityGroup", "net-default"), ("SecurityGroup", "net-app"),
        ("SecurityGroupEgressRule", "net-app-egress"),
        ("LogGroup", "net-flow-logs"), ("Role", "net-flow-logs"),
        ("RolePolicy", "net-flow-logs"), ("FlowLog", "net-flow-logs"),
    ])


def test_schema_and_contract() -> None:
    assert_component_schema(Networking, NetworkingOutputs, set(OUTPUTS))


def test_outputs_name_the_vpc_and_zones() -> None:
    built = build(az_count=2)
    vpc = built.recording.one(VPC)
    assert built.outputs["network_id"] == vpc.resource_id, vpc.urn
    assert built.outputs["zones"] == ["us-east-1a", "us-east-1b"], vpc.urn


def test_az_count_outside_the_layout_slots_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^Networking: az_count must be 1\.\.6, got 7$"):
        build(az_count=7)


def test_unknown_strategy_is_refused_with_the_allowed_values() -> None:
    with pytest.raises(ValueError, match=r"^Networking: nat_gateway_strategy='two' is not one "
                                         r"of \['none', 'single', 'per_az'\]$"):
        build(nat_gateway_strategy="two")


def test_zone_lookup_skips_local_and_wavelength_zones() -> None:
    # The mocks list a Local Zone and a Wavelength Zone right after <region>a, as an account
    # opted in to them sees; only standard zones may carry the tiers.
    built = build(region="us-east-1", az_count=3)
    assert built.outputs["zones"] == ["us-east-1a", "us-east-1b", "us-east-1c"]
    for tier in ("public", "private", "database"):
        subnets = built.subnets(tier)
        assert [s.inputs["availabilityZone"] for s in subnets] == [
            "us-east-1a", "us-east-1b", "us-east-1c"], [s.urn for s in subnets]
