"""The AWS network of one stack: a three-tier VPC across availability zones.

Tiers, per availability zone: a public subnet (load balancers, NAT gateways), a private subnet
(compute, egress through NAT) and an isolated database subnet (no route to the internet at
all). Every VPC gets flow logs to CloudWatch, an S3 gateway endpoint for the private and
database tiers, its default security group stripped of every rule, and the security groups the
compute workloads run in (egress only; the compute component adds the load balancer's ingress,
the data services admit the groups of their clients): the shared application group (EKS nodes,
and so every pod on them) and/or one group per named service (ECS tasks).
"""

import dataclasses
import json
import re
from collections.abc import Sequence
from typing import NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from forge_components.aws.iam import account_id, service_trust_policy
from forge_components.aws.limits import LOG_RETENTION_DAYS, NatGatewayStrategy
from forge_components.aws.tags import resource_tags
from forge_components.common import child_opts
from forge_components.subnets import MAX_AZS, plan_subnets

COMPONENT = "forge-aws:index:Networking"


ANYWHERE_IPV4 = "0.0.0.0/0"
#: A service name that can be part of a child's name (and so of an AWS resource name).
_SERVICE_NAME = re.compile(r"^[a-z][a-z0-9-]{0,31}$")


class NetworkingArgs(TypedDict):
    """The inputs of a `Networking` component."""

    cidr_block: str
    """The VPC's IPv4 CIDR, e.g. "10.0.0.0/16". Required."""
    az_count: NotRequired[int]
    """How many availability zones to spread each tier over (1..6). When `availability_zones`
    is set it must equal their number. Defaults to 3."""
    availability_zones: NotRequired[list[str]]
    """Pinned availability zone names; unset looks up the region's available zones and takes
    the first `az_count`. Defaults to unset (looked up)."""
    subnet_prefixes: NotRequired[dict[str, int]]
    """Subnet prefix length per tier ("public", "private", "database"), overriding the sizes of
    `forge_components.subnets.default_prefixes`. Defaults to unset (the default sizes)."""
    nat_gateway_strategy: NotRequired[NatGatewayStrategy]
    """How private subnets reach the internet: no NAT, one shared NAT, or one NAT per AZ.
    Defaults to NatGatewayStrategy.SINGLE."""
    flow_logs_retention_days: NotRequired[int]
    """Retention of the VPC flow log group, in days (a value CloudWatch accepts). Defaults to
    30."""
    eks_cluster_name: NotRequired[str]
    """When set, tag the public and private subnets for this EKS cluster's load balancer
    discovery (`kubernetes.io/cluster/<name>=shared` and the elb/internal-elb role tags).
    Defaults to unset (no Kubernetes tags)."""
    app_security_group: NotRequired[bool]
    """Create the shared application security group (`app_security_group_id`), egress only:
    the group EKS nodes run in, so every pod on them shares it. Defaults to True."""
    service_names: NotRequired[list[str]]
    """Services that get a security group of their own (`service_security_group_ids`), egress
    only, so that each source is admitted by name: the load balancer admits to the services it
    routes to, the data services admit only their clients. ECS tasks run in them. Names are
    lower-case letters, digits and hyphens (1..32, starting with a letter), unique, not "app".
    Defaults to [] (none)."""
    log_kms_key_arn: NotRequired[pulumi.Input[str]]
    """A customer-managed KMS key for the flow log group (its policy must let CloudWatch Logs
    use it, e.g. `LogKey`'s); unset keeps CloudWatch Logs' own encryption. Defaults to
    unset."""
    tags: NotRequired[dict[str, str]]
    """Tags added to every taggable child (the provider's default tags come on top). Defaults to
    {}."""


@dataclasses.dataclass(frozen=True)
class _Settings:
    """`NetworkingArgs` with every default applied (the host passes a plain dict)."""

    cidr_block: str
    az_count: int = 3
    availability_zones: list[str] | None = None
    subnet_prefixes: dict[str, int] | None = None
    nat_gateway_strategy: NatGatewayStrategy = NatGatewayStrategy.SINGLE
    flow_logs_retention_days: int = 30
    eks_cluster_name: str | None = None
    app_security_group: bool = True
    service_names: list[str] = dataclasses.field(default_factory=list)
    log_kms_key_arn: pulumi.Input[str] | None = None
    tags: dict[str, str] = dataclasses.field(default_factory=dict)


def _settings(args: NetworkingArgs) -> _Settings:
    """Apply the defaults and reject inconsistent arguments before any resource is declared."""
    s = _Settings(**args)
    if not 1 <= s.az_count <= MAX_AZS:
        raise ValueError(f"Networking: az_count must be 1..{MAX_AZS}, got {s.az_count}")
    if s.availability_zones is not None:
        zones = list(s.availability_zones)
        if len(zones) != s.az_count:
            raise ValueError(
                f"Networking: availability_zones names {len(zones)} zones but az_count is "
                f"{s.az_count}; set az_count to the number of pinned zones")
        if len(set(zones)) != len(zones):
            raise ValueError(f"Networking: availability_zones has duplicates: {zones}")
    if s.flow_logs_retention_days not in LOG_RETENTION_DAYS:
        raise ValueError(
            f"Networking: flow_logs_retention_days={s.flow_logs_retention_days} is not a "
            f"CloudWatch retention period; use one of {list(LOG_RETENTION_DAYS)}")
    names = list(s.service_names)
    bad = [n for n in names if not isinstance(n, str) or not _SERVICE_NAME.match(n) or n == "app"]
    if bad:
        raise ValueError(
            f"Networking: service_names {bad} are not allowed; a service name is 1..32 "
            "lower-case letters, digits and hyphens starting with a letter, and not 'app' "
            "(the shared application group's name)")
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"Networking: service_names has duplicates: {duplicates}")
    try:
        strategy = NatGatewayStrategy(s.nat_gateway_strategy)
    except ValueError:
        raise ValueError(
            f"Networking: nat_gateway_strategy={s.nat_gateway_strategy!r} is not one of "
            f"{[m.value for m in NatGatewayStrategy]}") from None
    return dataclasses.replace(s, nat_gateway_strategy=strategy)


def _first_zones(names: list[str], count: int) -> list[str]:
    """The first `count` zone names, or an error saying the region has too few."""
    if len(names) < count:
        raise ValueError(f"Networking: az_count is {count} but the region has only "
                         f"{len(names)} available zones: {names}")
    return list(names[:count])


def _zone_at(zones: pulumi.Output[list[str]], index: int) -> pulumi.Output[str]:
    """The zone name at `index` of a looked-up list."""
    return zones.apply(lambda names: names[index])


class Networking(pulumi.ComponentResource):
    """A VPC with public, private and isolated database subnets in each availability zone."""

    network_id: pulumi.Output[str]
    """The VPC's id."""
    vpc_cidr: pulumi.Output[str]
    """The VPC's IPv4 CIDR."""
    zones: pulumi.Output[list[str]]
    """The availability zones the subnets span, in subnet order."""
    public_subnet_ids: pulumi.Output[list[str]]
    """The public subnets (load balancers, NAT gateways), one per zone."""
    private_subnet_ids: pulumi.Output[list[str]]
    """The private subnets (workloads, egress through NAT), one per zone."""
    database_subnet_ids: pulumi.Output[list[str]]
    """The isolated database subnets (no route out of the VPC), one per zone."""
    app_security_group_id: pulumi.Output[str] | None
    """The shared application security group (egress only; EKS nodes run in it); None when
    `app_security_group` is False."""
    service_security_group_ids: pulumi.Output[dict[str, str]]
    """The security group of each service in `service_names` (egress only), by name; {} when
    none is named."""
    nat_gateway_ids: pulumi.Output[list[str]]
    """The NAT gateways, per the strategy (empty for none)."""
    public_route_table_id: pulumi.Output[str]
    """The public tier's route table."""
    private_route_table_ids: pulumi.Output[list[str]]
    """The private tier's route tables, one per zone."""
    database_route_table_id: pulumi.Output[str]
    """The database tier's route table (local routes only)."""
    default_security_group_id: pulumi.Output[str]
    """The VPC's default security group, adopted with no rules."""
    flow_log_group_name: pulumi.Output[str]
    """The CloudWatch log group receiving the VPC flow logs."""

    def __init__(self, name: str, args: NetworkingArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, opts)
        s = _settings(args)
        strategy = NatGatewayStrategy(s.nat_gateway_strategy)
        count = s.az_count
        layout = plan_subnets(s.cidr_block, count,
                              dict(s.subnet_prefixes) if s.subnet_prefixes else None)
        invoke_opts = pulumi.InvokeOutputOptions(parent=self)

        def tags(child: str, specific: dict[str, str] | None = None) -> dict[str, str]:
            return resource_tags(child, COMPONENT, s.tags, specific)

        # -- availability zones: pinned, or the region's first `count` available ones.
        if s.availability_zones is not None:
            pinned = list(s.availability_zones)
            azs: pulumi.Output[list[str]] = pulumi.Output.from_input(pinned)
            zone_of = [pulumi.Output.from_input(zone) for zone in pinned]
        else:
            # Standard AZs only: a Local or Wavelength Zone the account opted in to is listed
            # too, and lacks services the tiers need (NAT gateways, RDS, ElastiCache, MSK).
            # Filter names and values:
            # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeAvailabilityZones.html
            looked_up = aws.get_availability_zones_output(
                state="available",
                filters=[
                    aws.GetAvailabilityZonesFilterArgs(
                        name="opt-in-status", values=["opt-in-not-required"]),
                    aws.GetAvailabilityZonesFilterArgs(
                        name="zone-type", values=["availability-zone"]),
                ],
                opts=invoke_opts)
            azs = looked_up.names.apply(lambda names: _first_zones(list(names), count))
            zone_of = [_zone_at(azs, i) for i in range(count)]

        # -- the VPC and its internet gateway.
        vpc_name = f"{name}-vpc"
        vpc = aws.ec2.Vpc(vpc_name, cidr_block=layout.vpc_cidr, enable_dns_support=True,
                          enable_dns_hostnames=True, tags=tags(vpc_name),
                          opts=child_opts(self))
        igw_name = f"{name}-igw"
        igw = aws.ec2.InternetGateway(igw_name, vpc_id=vpc.id, tags=tags(igw_name),
                                      opts=child_opts(self))

        # -- subnets, one per AZ per tier.
        eks: dict[str, dict[str, str]] = {"public": {}, "private": {}, "database": {}}
        if s.eks_cluster_name:
            cluster_tag = {f"kubernetes.io/cluster/{s.eks_cluster_name}": "shared"}
            eks["public"] = {**cluster_tag, "kubernetes.io/role/elb": "1"}
            eks["private"] = {**cluster_tag, "kubernetes.io/role/internal-elb": "1"}

        def subnets(tier: str, public: bool) -> list[aws.ec2.Subnet]:
            created = []
            for i, cidr in enumerate(layout.tier(tier)):
                child = f"{name}-{tier}-{i + 1}"
                created.append(aws.ec2.Subnet(
                    child, vpc_id=vpc.id, cidr_block=cidr, availability_zone=zone_of[i],
                    map_public_ip_on_launch=public,
                    tags=tags(child, {"tier": tier, **eks[tier]}),
                    opts=child_opts(self)))
            return created

        public_subnets = subnets("public", public=True)
        private_subnets = subnets("private", public=False)
        database_subnets = subnets("database", public=False)

        # -- public routing: one table, default route to the internet gateway.
        public_rt_name = f"{name}-public"
        public_rt = aws.ec2.RouteTable(public_rt_name, vpc_id=vpc.id,
                                       tags=tags(public_rt_name, {"tier": "public"}),
                                       opts=child_opts(self))
        aws.ec2.Route(f"{name}-public-internet", route_table_id=public_rt.id,
                      destination_cidr_block=ANYWHERE_IPV4, gateway_id=igw.id,
                      opts=child_opts(self))
        for i, subnet in enumerate(public_subnets):
            aws.ec2.RouteTableAssociation(f"{name}-public-{i + 1}", subnet_id=subnet.id,
                                          route_table_id=public_rt.id, opts=child_opts(self))

        # -- NAT gateways, in the public subnets, per strategy.
        nat_count = {NatGatewayStrategy.NONE: 0, NatGatewayStrategy.SINGLE: 1,
                     NatGatewayStrategy.ONE_PER_AZ: count}[strategy]
        nat_gateways: list[aws.ec2.NatGateway] = []
        for i in range(nat_count):
            nat_name = f"{name}-nat-{i + 1}"
            eip = aws.ec2.Eip(nat_name, domain="vpc", tags=tags(nat_name),
                              opts=child_opts(self, depends_on=[igw]))
            nat_gateways.append(aws.ec2.NatGateway(
                nat_name, allocation_id=eip.allocation_id, subnet_id=public_subnets[i].id,
                connectivity_type="public", tags=tags(nat_name),
                opts=child_opts(self, depends_on=[igw])))

        # -- private routing: one table per AZ, default route to that AZ's NAT (or the one).
        private_rts: list[aws.ec2.RouteTable] = []
        for i, subnet in enumerate(private_subnets):
            rt_name = f"{name}-private-{i + 1}"
            rt = aws.ec2.RouteTable(rt_name, vpc_id=vpc.id, tags=tags(rt_name, {"tier": "private"}),
                                    opts=child_opts(self))
            private_rts.append(rt)
            if nat_gateways:
                per_az = strategy is NatGatewayStrategy.ONE_PER_AZ
                nat = nat_gateways[i] if per_az else nat_gateways[0]
                aws.ec2.Route(f"{name}-private-{i + 1}-nat", route_table_id=rt.id,
                              destination_cidr_block=ANYWHERE_IPV4, nat_gateway_id=nat.id,
                              opts=child_opts(self))
            aws.ec2.RouteTableAssociation(rt_name, subnet_id=subnet.id, route_table_id=rt.id,
                                          opts=child_opts(self))

        # -- database routing: one table with local routes only.
        database_rt_name = f"{name}-database"
        database_rt = aws.ec2.RouteTable(database_rt_name, vpc_id=vpc.id,
                                         tags=tags(database_rt_name, {"tier": "database"}),
                                         opts=child_opts(self))
        for i, subnet in enumerate(database_subnets):
            aws.ec2.RouteTableAssociation(f"{name}-database-{i + 1}", subnet_id=subnet.id,
                                          route_table_id=database_rt.id, opts=child_opts(self))

        # -- S3 gateway endpoint for the tiers without direct internet access.
        region = aws.get_region_output(opts=invoke_opts).region
        endpoint_name = f"{name}-s3"
        aws.ec2.VpcEndpoint(
            endpoint_name, vpc_id=vpc.id, vpc_endpoint_type="Gateway",
            service_name=region.apply(lambda r: f"com.amazonaws.{r}.s3"),
            route_table_ids=[rt.id for rt in private_rts] + [database_rt.id],
            tags=tags(endpoint_name), opts=child_opts(self))

        # -- security groups: the default one adopted with no rules, and the workloads' ones:
        # egress only; ingress is granted per source by other components.
        default_sg_name = f"{name}-default"
        default_sg = aws.ec2.DefaultSecurityGroup(
            default_sg_name, vpc_id=vpc.id, ingress=[], egress=[],
            tags=tags(default_sg_name), opts=child_opts(self))

        def workload_group(group: str, description: str) -> aws.ec2.SecurityGroup:
            sg_name = f"{name}-{group}"
            sg = aws.ec2.SecurityGroup(sg_name, vpc_id=vpc.id, description=description,
                                       tags=tags(sg_name), opts=child_opts(self))
            aws.vpc.SecurityGroupEgressRule(
                f"{sg_name}-egress", security_group_id=sg.id, ip_protocol="-1",
                cidr_ipv4=ANYWHERE_IPV4,
                description="Outbound to AWS APIs and the internet via NAT",
                tags=tags(f"{sg_name}-egress"), opts=child_opts(self))
            return sg

        app_sg = (workload_group(
            "app", "Compute workloads; ingress is granted per source by other components")
            if s.app_security_group else None)
        service_sgs = {
            service: workload_group(
                service, f"Service {service}; ingress is granted per source by other components")
            for service in s.service_names}

        # -- flow logs: ALL traffic to a CloudWatch log group, via a role only the service assumes.
        flow_name = f"{name}-flow-logs"
        log_group = aws.cloudwatch.LogGroup(
            flow_name, name_prefix=f"/aws/vpc-flow-logs/{name}-",
            retention_in_days=s.flow_logs_retention_days, kms_key_id=s.log_kms_key_arn,
            tags=tags(flow_name), opts=child_opts(self))
        role = aws.iam.Role(
            flow_name,
            description=f"Lets VPC Flow Logs write {name}'s flow logs to CloudWatch Logs",
            assume_role_policy=service_trust_policy("vpc-flow-logs.amazonaws.com",
                                                    account_id=account_id(self)),
            tags=tags(flow_name), opts=child_opts(self))
        role_policy = aws.iam.RolePolicy(
            flow_name, role=role.id,
            policy=log_group.arn.apply(lambda arn: json.dumps({
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow",
                     "Action": ["logs:CreateLogStream", "logs:PutLogEvents",
                                "logs:DescribeLogStreams"],
                     "Resource": [arn, f"{arn}:*"]},
                    {"Effect": "Allow", "Action": "logs:DescribeLogGroups", "Resource": "*"},
                ],
            })),
            opts=child_opts(self))
        aws.ec2.FlowLog(
            flow_name, vpc_id=vpc.id, traffic_type="ALL", log_destination_type="cloud-watch-logs",
            log_destination=log_group.arn, iam_role_arn=role.arn, tags=tags(flow_name),
            opts=child_opts(self, depends_on=[role_policy]))

        # -- outputs.
        def ids(resources: Sequence[pulumi.CustomResource]) -> pulumi.Output[list[str]]:
            return pulumi.Output.all(*[r.id for r in resources]).apply(list)

        self.network_id = vpc.id
        self.vpc_cidr = vpc.cidr_block
        self.zones = azs
        self.public_subnet_ids = ids(public_subnets)
        self.private_subnet_ids = ids(private_subnets)
        self.database_subnet_ids = ids(database_subnets)
        self.app_security_group_id = app_sg.id if app_sg is not None else None
        self.service_security_group_ids = pulumi.Output.all(
            **{service: sg.id for service, sg in service_sgs.items()}).apply(dict)
        self.nat_gateway_ids = ids(nat_gateways)
        self.public_route_table_id = public_rt.id
        self.private_route_table_ids = ids(private_rts)
        self.database_route_table_id = database_rt.id
        self.default_security_group_id = default_sg.id
        self.flow_log_group_name = log_group.name
        self.register_outputs({
            "network_id": self.network_id,
            "vpc_cidr": self.vpc_cidr,
            "zones": self.zones,
            "public_subnet_ids": self.public_subnet_ids,
            "private_subnet_ids": self.private_subnet_ids,
            "database_subnet_ids": self.database_subnet_ids,
            "app_security_group_id": self.app_security_group_id,
            "service_security_group_ids": self.service_security_group_ids,
            "nat_gateway_ids": self.nat_gateway_ids,
            "public_route_table_id": self.public_route_table_id,
            "private_route_table_ids": self.private_route_table_ids,
            "database_route_table_id": self.database_route_table_id,
            "default_security_group_id": self.default_security_group_id,
            "flow_log_group_name": self.flow_log_group_name,
        })
