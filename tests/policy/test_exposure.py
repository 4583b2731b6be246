"""The exposure rules: the real stacks pass, and each way of breaking a rule is reported with its
exact message, the same by the offline engine and the policy pack (`both`)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from forge_infra.plan.model import Plan, PlanResource
from forge_infra.policy.registry import rule_by_id
from forge_infra.policy.rules import exposure
from forge_infra.policy.rules.exposure import RULES, TRUST_CONDITION_EXEMPT
from tests.policy.harness import both, mutated, with_resource
from tests.policy.plans import PLATFORMS, STACKS, stack_plan

SUBNET = "aws:ec2/subnet:Subnet"
ROUTE = "aws:ec2/route:Route"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
RDS_SUBNET_GROUP = "aws:rds/subnetGroup:SubnetGroup"
CACHE_SUBNET_GROUP = "aws:elasticache/subnetGroup:SubnetGroup"
MSK = "aws:msk/cluster:Cluster"
INSTANCE = "aws:ec2/instance:Instance"
ENI = "aws:ec2/networkInterface:NetworkInterface"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
BUCKET = "aws:s3/bucket:Bucket"
PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
EKS = "aws:eks/cluster:Cluster"
ECS_SERVICE = "aws:ecs/service:Service"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
WEB_ACL_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
K8S_INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"

ADMIN = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "Everything", "Effect": "Allow", "Action": "*", "Resource": "*"}]})


# -- helpers -------------------------------------------------------------------------------


def resource(plan: Plan, type_: str, name: str) -> PlanResource:
    """The one resource of `type_` named `name`."""
    found = [r for r in plan.resources if r.type == type_ and r.name == name]
    assert len(found) == 1, (type_, name, len(found))
    return found[0]


def changed(plan: Plan, type_: str, name: str,
            change: Callable[[PlanResource], None]) -> tuple[Plan, str]:
    """A copy of `plan` with one resource changed by `change` (props and dependencies)."""
    copied = copy.deepcopy(plan)
    target = resource(copied, type_, name)
    change(target)
    return copied, target.urn


def without(plan: Plan, type_: str, name: str) -> Plan:
    """A copy of `plan` without one resource."""
    copied = copy.deepcopy(plan)
    copied.resources.remove(resource(copied, type_, name))
    return copied


def move_to(plan: Plan, key: str, subnet_names: list[str], *, ids_known: bool = True,
            ) -> Callable[[PlanResource], None]:
    """A change putting a resource's `key` (a list of subnet ids) on other subnets, its
    dependencies following, as the engine records them; with `ids_known=False` the ids are
    `[unknown]`, as in a preview of subnets still to be created."""
    subnets = [resource(plan, SUBNET, n) for n in subnet_names]

    def change(target: PlanResource) -> None:
        old = set(target.property_dependencies.get(key, []))
        target.props[key] = [s.id if ids_known else "[unknown]" for s in subnets]
        target.dependencies = [d for d in target.dependencies if d not in old] + [
            s.urn for s in subnets]
        target.property_dependencies[key] = [s.urn for s in subnets]
    return change


def igw_id(plan: Plan) -> str:
    """The stack's internet gateway id (as its routes name it)."""
    return str(next(r.id for r in plan.resources
                    if r.type == "aws:ec2/internetGateway:InternetGateway"))


def public_reasons(plan: Plan, subnet: str) -> list[str]:
    """The two reasons a public subnet of the real network is public."""
    env = subnet.split("-")[1]
    return [f"{subnet}: mapPublicIpOnLaunch is true",
            f"{subnet}: its route table forge-{env}-network-public routes 0.0.0.0/0 to "
            f"internet gateway {igw_id(plan)}"]


# -- the real stacks -----------------------------------------------------------------------


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_the_real_stacks_pass(rule: Any, stack: str, platform: str) -> None:
    assert both(rule, stack_plan(stack, platform)) == []


def test_every_rule_checks_something_in_the_real_stacks() -> None:
    """The passes above are not vacuous: each rule has resources to check in some stack."""
    present = {r.type for s in STACKS for p in PLATFORMS for r in stack_plan(s, p).resources}
    present.add(K8S_INGRESS)  # rendered by the EKS platform release
    for rule in RULES:
        if not any(t.startswith(("aws:", "kubernetes:")) for t in rule.checks):
            continue  # another cloud's rule: its own stacks' tests check it
        assert present & set(rule.checks), rule.id


@pytest.mark.parametrize("platform", PLATFORMS)
def test_prod_without_the_cdn_puts_the_web_acl_on_the_alb_or_the_ingress(platform: str) -> None:
    plan = stack_plan("prod", platform, cdn={"enabled": False})
    assert both(rule_by_id("aws-cloudfront-waf-attached"), plan) == []


# -- databases, caches, brokers in private subnets -----------------------------------------


def test_a_public_database() -> None:
    plan, urn = mutated(stack_plan("prod", "ecs"), "aws:rds/instance:Instance",
                        lambda p: p.update(publiclyAccessible=True))
    assert both(rule_by_id("aws-rds-not-public"), plan) == [
        (urn, "publiclyAccessible is true: the database has a public address")]


def test_a_db_subnet_group_on_public_subnets_by_known_ids() -> None:
    base = stack_plan("prod", "ecs")
    plan, urn = changed(base, RDS_SUBNET_GROUP, "forge-prod-db-subnets",
                        move_to(base, "subnetIds", ["forge-prod-network-public-1",
                                                    "forge-prod-network-database-2"]))
    assert both(rule_by_id("aws-rds-private-subnets"), plan) == sorted(
        (urn, f"subnetIds includes a public subnet, {reason}")
        for reason in public_reasons(base, "forge-prod-network-public-1"))


def test_a_db_subnet_group_on_public_subnets_followed_through_dependencies() -> None:
    base = stack_plan("prod", "ecs")
    plan, urn = changed(base, RDS_SUBNET_GROUP, "forge-prod-db-subnets",
                        move_to(base, "subnetIds", ["forge-prod-network-public-2",
                                                    "forge-prod-network-database-2"],
                                ids_known=False))
    assert both(rule_by_id("aws-rds-private-subnets"), plan) == sorted(
        (urn, f"subnetIds includes a public subnet, {reason}")
        for reason in public_reasons(base, "forge-prod-network-public-2"))


def test_unknown_subnets_without_dependencies_are_not_reported() -> None:
    def unknown(target: PlanResource) -> None:
        target.props["subnetIds"] = ["[unknown]", "[unknown]"]
        target.dependencies = []
    plan, _ = changed(stack_plan("prod", "ecs"), RDS_SUBNET_GROUP, "forge-prod-db-subnets",
                      unknown)
    assert both(rule_by_id("aws-rds-private-subnets"), plan) == []


def test_a_route_to_the_internet_gateway_makes_a_subnet_public() -> None:
    """The private subnet's NAT route turned into an internet gateway route: public, even
    though mapPublicIpOnLaunch stays false."""
    base = stack_plan("prod", "ecs")
    igw = resource(base, "aws:ec2/internetGateway:InternetGateway", "forge-prod-network-igw")

    def to_igw(route: PlanResource) -> None:
        del route.props["natGatewayId"]
        route.props["gatewayId"] = igw.id
        route.dependencies = [d for d in route.dependencies if "natGateway" not in d] + [
            igw.urn]
    plan, _ = changed(base, ROUTE, "forge-prod-network-private-1-nat", to_igw)
    group = resource(plan, CACHE_SUBNET_GROUP, "forge-prod-cache-subnets")
    assert both(rule_by_id("aws-elasticache-private-subnets"), plan) == [
        (group.urn, "subnetIds includes a public subnet, forge-prod-network-private-1: its "
                    "route table forge-prod-network-private-1 routes 0.0.0.0/0 to internet "
                    f"gateway {igw.id}")]


def test_an_unknown_gateway_counts_when_the_route_depends_on_the_internet_gateway() -> None:
    base = stack_plan("prod", "ecs")
    igw = resource(base, "aws:ec2/internetGateway:InternetGateway", "forge-prod-network-igw")

    def to_unknown_igw(route: PlanResource) -> None:
        del route.props["natGatewayId"]
        route.props["gatewayId"] = "[unknown]"
        route.props["routeTableId"] = "[unknown]"
        route.dependencies = [d for d in route.dependencies if "natGateway" not in d] + [
            igw.urn]
    plan, _ = changed(base, ROUTE, "forge-prod-network-private-1-nat", to_unknown_igw)
    group = resource(plan, CACHE_SUBNET_GROUP, "forge-prod-cache-subnets")
    assert both(rule_by_id("aws-elasticache-private-subnets"), plan) == [
        (group.urn, "subnetIds includes a public subnet, forge-prod-network-private-1: its "
                    "route table forge-prod-network-private-1 routes 0.0.0.0/0 to internet "
                    "gateway forge-prod-network-igw")]


def test_an_inline_route_to_the_internet_gateway_makes_a_subnet_public() -> None:
    base = stack_plan("prod", "ecs")
    igw = resource(base, "aws:ec2/internetGateway:InternetGateway", "forge-prod-network-igw")
    plan, _ = changed(base, ROUTE_TABLE, "forge-prod-network-private-2", lambda t: t.props.update(
        routes=[{"cidrBlock": "0.0.0.0/0", "gatewayId": igw.id}]))
    group = resource(plan, CACHE_SUBNET_GROUP, "forge-prod-cache-subnets")
    assert both(rule_by_id("aws-elasticache-private-subnets"), plan) == [
        (group.urn, "subnetIds includes a public subnet, forge-prod-network-private-2: its "
                    "route table forge-prod-network-private-2 routes 0.0.0.0/0 to internet "
                    f"gateway {igw.id}")]


def test_a_subnet_without_an_association_uses_the_vpcs_main_route_table() -> None:
    """The private subnet's association removed: it falls back to the VPC's main route
    table, here a managed default route table with a route to the internet gateway."""
    base = without(stack_plan("dev", "ecs"), ASSOCIATION, "forge-dev-network-private-2")
    igw = resource(base, "aws:ec2/internetGateway:InternetGateway", "forge-dev-network-igw")
    vpc = resource(base, "aws:ec2/vpc:Vpc", "forge-dev-network-vpc")
    plan, _ = with_resource(base, "aws:ec2/defaultRouteTable:DefaultRouteTable", "main", {
        "defaultRouteTableId": "rtb-main", "routes": [
            {"cidrBlock": "0.0.0.0/0", "gatewayId": igw.id}]})
    resource(plan, "aws:ec2/defaultRouteTable:DefaultRouteTable", "main").dependencies = [
        vpc.urn]
    group = resource(plan, CACHE_SUBNET_GROUP, "forge-dev-cache-subnets")
    assert both(rule_by_id("aws-elasticache-private-subnets"), plan) == [
        (group.urn, "subnetIds includes a public subnet, forge-dev-network-private-2: it has no "
                    "route table association, and the VPC's main route table main routes "
                    f"0.0.0.0/0 to internet gateway {igw.id}")]
    # Without the route, the main route table keeps the subnet private.
    base_main, _ = with_resource(base, "aws:ec2/defaultRouteTable:DefaultRouteTable", "main",
                                 {"defaultRouteTableId": "rtb-main", "routes": []})
    assert both(rule_by_id("aws-elasticache-private-subnets"), base_main) == []


def test_a_cache_subnet_group_on_a_public_subnet() -> None:
    base = stack_plan("staging", "eks")
    plan, urn = changed(base, CACHE_SUBNET_GROUP, "forge-staging-cache-subnets",
                        move_to(base, "subnetIds", ["forge-staging-network-public-1"]))
    assert both(rule_by_id("aws-elasticache-private-subnets"), plan) == sorted(
        (urn, f"subnetIds includes a public subnet, {reason}")
        for reason in public_reasons(base, "forge-staging-network-public-1"))


def test_msk_brokers_in_a_public_subnet() -> None:
    base = stack_plan("prod", "eks")

    def move(target: PlanResource) -> None:
        public = resource(base, SUBNET, "forge-prod-network-public-3")
        target.props["brokerNodeGroupInfo"]["clientSubnets"][2] = public.id
        target.dependencies.append(public.urn)
    plan, urn = changed(base, MSK, "forge-prod-stream-kafka", move)
    assert both(rule_by_id("aws-msk-private-subnets"), plan) == sorted(
        (urn, f"brokerNodeGroupInfo.clientSubnets includes a public subnet, {reason}")
        for reason in public_reasons(base, "forge-prod-network-public-3"))


def test_msk_with_public_access() -> None:
    plan, urn = mutated(stack_plan("prod", "ecs"), MSK, lambda p: p["brokerNodeGroupInfo"].update(
        connectivityInfo={"publicAccess": {"type": "SERVICE_PROVIDED_EIPS"}}))
    assert both(rule_by_id("aws-msk-not-public"), plan) == [
        (urn, "brokerNodeGroupInfo.connectivityInfo.publicAccess.type is "
              "'SERVICE_PROVIDED_EIPS': the brokers have public addresses")]


def test_a_redpanda_broker_whose_network_interface_is_in_a_public_subnet() -> None:
    base = stack_plan("dev", "ecs")
    plan, _ = changed(base, ENI, "forge-dev-stream-broker-1-eni", lambda eni: (
        eni.props.update(subnetId=resource(base, SUBNET, "forge-dev-network-public-1").id)))
    broker = resource(plan, INSTANCE, "forge-dev-stream-broker-1")
    assert both(rule_by_id("aws-ec2-private-subnet"), plan) == sorted(
        (broker.urn, f"network interface forge-dev-stream-broker-1-eni is in a public subnet, "
                     f"{reason}") for reason in public_reasons(base, "forge-dev-network-public-1"))


def test_an_instance_launched_in_a_public_subnet() -> None:
    base = stack_plan("dev", "ecs")

    def launch_in_public(instance: PlanResource) -> None:
        public = resource(base, SUBNET, "forge-dev-network-public-2")
        del instance.props["primaryNetworkInterface"]
        instance.props["subnetId"] = public.id
        instance.dependencies.append(public.urn)
    plan, urn = changed(base, INSTANCE, "forge-dev-stream-broker-1", launch_in_public)
    assert both(rule_by_id("aws-ec2-private-subnet"), plan) == sorted(
        (urn, f"subnetId is a public subnet, {reason}")
        for reason in public_reasons(base, "forge-dev-network-public-2"))


def test_eks_nodes_in_a_public_subnet() -> None:
    base = stack_plan("prod", "eks")
    plan, urn = changed(base, NODE_GROUP, "forge-prod-eks-nodes",
                        move_to(base, "subnetIds", ["forge-prod-network-private-1",
                                                    "forge-prod-network-public-2"]))
    assert both(rule_by_id("aws-ec2-private-subnet"), plan) == sorted(
        (urn, f"subnetIds includes a public subnet, {reason}")
        for reason in public_reasons(base, "forge-prod-network-public-2"))


# -- security groups -----------------------------------------------------------------------

WORLD_RULE = "aws-ec2-no-world-ingress"


def test_world_ingress_to_a_database_port() -> None:
    def open_to_world(props: dict[str, Any]) -> None:
        del props["referencedSecurityGroupId"]
        props["cidrIpv4"] = "0.0.0.0/0"
    plan, urn = changed(stack_plan("prod", "ecs"), INGRESS_RULE, "forge-prod-db-ingress-1",
                        lambda r: open_to_world(r.props))
    assert both(rule_by_id(WORLD_RULE), plan) == [
        (urn, "ingress from 0.0.0.0/0 to tcp port 5432: only a load balancer may take traffic "
              "from the internet, on ports 80 and 443")]


def test_world_ingress_on_443_to_a_group_no_load_balancer_uses() -> None:
    def open_to_world(props: dict[str, Any]) -> None:
        del props["referencedSecurityGroupId"]
        props.update(cidrIpv6="::/0", fromPort=443, toPort=443)
    plan, urn = changed(stack_plan("prod", "ecs"), INGRESS_RULE, "forge-prod-db-ingress-1",
                        lambda r: open_to_world(r.props))
    assert both(rule_by_id(WORLD_RULE), plan) == [
        (urn, "ingress from ::/0 to tcp port 443 on a security group no load balancer uses")]


def test_the_load_balancer_open_on_another_port() -> None:
    plan, urn = changed(stack_plan("dev", "ecs"), INGRESS_RULE, "forge-dev-alb-in-80-ipv6",
                        lambda r: r.props.update(ipProtocol="-1", fromPort=None, toPort=None))
    assert both(rule_by_id(WORLD_RULE), plan) == [
        (urn, "ingress from ::/0 to all traffic: only a load balancer may take traffic from the "
              "internet, on ports 80 and 443")]


def test_an_unknown_group_on_443_is_not_reported() -> None:
    def unknown(target: PlanResource) -> None:
        target.props["securityGroupId"] = "[unknown]"
        target.dependencies = []
    plan, _ = changed(stack_plan("dev", "ecs"), INGRESS_RULE, "forge-dev-alb-in-443-ipv4",
                      unknown)
    assert both(rule_by_id(WORLD_RULE), plan) == []


def test_an_unknown_group_id_is_followed_through_dependencies() -> None:
    """In a preview the group id is `[unknown]`: the rule's dependency on its group decides.
    The ALB's group passes on 443; the database's group, which no load balancer uses, fails."""
    base = stack_plan("dev", "ecs")
    db_group = resource(base, SG, "forge-dev-db-sg")

    def unknown(target: PlanResource) -> None:
        target.props["securityGroupId"] = "[unknown]"
    plan, _ = changed(base, INGRESS_RULE, "forge-dev-alb-in-443-ipv4", unknown)
    assert both(rule_by_id(WORLD_RULE), plan) == []

    def on_the_database(target: PlanResource) -> None:
        target.props["securityGroupId"] = "[unknown]"
        target.dependencies = [db_group.urn]
    plan, urn = changed(base, INGRESS_RULE, "forge-dev-alb-in-443-ipv4", on_the_database)
    assert both(rule_by_id(WORLD_RULE), plan) == [
        (urn, "ingress from 0.0.0.0/0 to tcp port 443 on a security group no load balancer "
              "uses")]


def test_inline_ingress_of_a_security_group() -> None:
    plan, urn = changed(stack_plan("staging", "ecs"), SG, "forge-staging-network-api",
                        lambda g: g.props.update(ingress=[
                            {"cidrBlocks": ["10.0.0.0/8", "0.0.0.0/0"], "fromPort": 22,
                             "toPort": 22, "protocol": "tcp"},
                            {"ipv6CidrBlocks": ["::/0"], "fromPort": 443, "toPort": 443,
                             "protocol": "tcp"}]))
    assert both(rule_by_id(WORLD_RULE), plan) == [
        (urn, "ingress from 0.0.0.0/0 to tcp port 22: only a load balancer may take traffic "
              "from the internet, on ports 80 and 443"),
        (urn, "ingress from ::/0 to tcp port 443 on a security group no load balancer uses")]


def test_a_security_group_rule_found_by_the_load_balancers_group_id() -> None:
    """A rule naming the ALB's group by id (no dependency recorded): 443 passes, 8443 fails."""
    base = stack_plan("prod", "ecs")
    alb_group = resource(base, "aws:lb/loadBalancer:LoadBalancer",
                         "forge-prod-alb").props["securityGroups"][0]
    props = {"type": "ingress", "cidrBlocks": ["0.0.0.0/0"], "protocol": "tcp",
             "fromPort": 443, "toPort": 443, "securityGroupId": alb_group}
    plan, _ = with_resource(base, SG_RULE, "alb-https", props)
    assert both(rule_by_id(WORLD_RULE), plan) == []
    plan, urn = with_resource(base, SG_RULE, "alb-alt", {**props, "fromPort": 8443,
                                                          "toPort": 8443})
    assert both(rule_by_id(WORLD_RULE), plan) == [
        (urn, "ingress from 0.0.0.0/0 to tcp port 8443: only a load balancer may take traffic "
              "from the internet, on ports 80 and 443")]
    plan, urn = with_resource(base, SG_RULE, "elsewhere", {**props, "securityGroupId": "sg-0"})
    assert both(rule_by_id(WORLD_RULE), plan) == [
        (urn, "ingress from 0.0.0.0/0 to tcp port 443 on a security group no load balancer "
              "uses")]


# -- buckets -------------------------------------------------------------------------------


def test_a_bucket_without_a_public_access_block() -> None:
    base = stack_plan("prod", "ecs")
    plan = without(base, PAB, "forge-prod-storage-exports-public-access")
    bucket = resource(plan, BUCKET, "forge-prod-storage-exports")
    assert both(rule_by_id("aws-s3-public-access-blocked"), plan) == [
        (bucket.urn, f"no {PAB} names this bucket: public ACLs and public bucket policies are "
                     "not blocked")]


def test_a_public_access_block_with_a_flag_off_or_unset() -> None:
    def loosen(block: PlanResource) -> None:
        block.props["blockPublicPolicy"] = False
        del block.props["restrictPublicBuckets"]
    plan, urn = changed(stack_plan("dev", "eks"), PAB,
                        "forge-dev-storage-backups-public-access", loosen)
    assert both(rule_by_id("aws-s3-public-access-blocked"), plan) == [
        (urn, "blockPublicPolicy is False"),
        (urn, "restrictPublicBuckets is unset (the provider's default is false)")]


# -- the EKS API ---------------------------------------------------------------------------

EKS_RULE = "aws-eks-api-not-public"


@pytest.mark.parametrize(("vpc_config", "message"), [
    ({"endpointPublicAccess": True, "publicAccessCidrs": ["198.51.100.0/24", "0.0.0.0/0"]},
     "vpcConfig.endpointPublicAccess is true and publicAccessCidrs includes 0.0.0.0/0: the "
     "Kubernetes API is open to the internet"),
    ({"endpointPublicAccess": True},
     "vpcConfig.endpointPublicAccess is true and publicAccessCidrs is unset (EKS then allows "
     "0.0.0.0/0): the Kubernetes API is open to the internet"),
    ({},
     "vpcConfig.endpointPublicAccess is unset (the default is true) and publicAccessCidrs is "
     "unset (EKS then allows 0.0.0.0/0): the Kubernetes API is open to the internet"),
])
def test_an_eks_api_open_to_the_world(vpc_config: dict[str, Any], message: str) -> None:
    def reconfigure(props: dict[str, Any]) -> None:
        config = props["vpcConfig"]
        for key in ("endpointPublicAccess", "publicAccessCidrs"):
            config.pop(key, None)
        config.update(vpc_config)
    plan, urn = mutated(stack_plan("prod", "eks"), EKS, reconfigure)
    assert both(rule_by_id(EKS_RULE), plan) == [(urn, message)]


def test_a_private_only_eks_api_passes() -> None:
    plan, _ = mutated(stack_plan("staging", "eks"), EKS, lambda p: p["vpcConfig"].update(
        endpointPublicAccess=False, publicAccessCidrs=["0.0.0.0/0"]))
    assert both(rule_by_id(EKS_RULE), plan) == []


# -- IMDSv2 and public addresses -----------------------------------------------------------

IMDS_RULE = "aws-ec2-imdsv2-required"


def test_a_launch_template_allowing_imdsv1() -> None:
    base = stack_plan("prod", "eks")
    plan, urn = mutated(base, LAUNCH_TEMPLATE,
                        lambda p: p["metadataOptions"].update(httpTokens="optional"))
    assert both(rule_by_id(IMDS_RULE), plan) == [
        (urn, "metadataOptions.httpTokens is 'optional': IMDSv1 is allowed")]
    plan, urn = mutated(base, LAUNCH_TEMPLATE, lambda p: p.pop("metadataOptions"))
    assert both(rule_by_id(IMDS_RULE), plan) == [
        (urn, "metadataOptions.httpTokens is unset (the provider's default is 'optional'): "
              "IMDSv1 is allowed")]
    plan, _ = mutated(base, LAUNCH_TEMPLATE, lambda p: p["metadataOptions"].update(
        httpEndpoint="disabled", httpTokens="optional"))
    assert both(rule_by_id(IMDS_RULE), plan) == []


def test_an_instance_without_http_tokens() -> None:
    plan, urn = mutated(stack_plan("dev", "ecs"), INSTANCE,
                        lambda p: p["metadataOptions"].pop("httpTokens"))
    assert both(rule_by_id(IMDS_RULE), plan) == [
        (urn, "metadataOptions.httpTokens is unset: the instance then takes the AMI's and the "
              "account's defaults, which allow IMDSv1 unless both require v2")]


def test_a_task_with_a_public_ip() -> None:
    plan, urn = mutated(stack_plan("staging", "ecs"), ECS_SERVICE,
                        lambda p: p["networkConfiguration"].update(assignPublicIp=True))
    assert both(rule_by_id("aws-ecs-no-public-ip"), plan) == [
        (urn, "networkConfiguration.assignPublicIp is true: every task gets a public IP "
              "address")]


def test_instances_and_nodes_with_a_public_ip() -> None:
    rule = rule_by_id("aws-ec2-no-public-ip")
    plan, urn = mutated(stack_plan("dev", "ecs"), INSTANCE,
                        lambda p: p.update(associatePublicIpAddress=True))
    assert both(rule, plan) == [
        (urn, "associatePublicIpAddress is true: the instance gets a public IP address")]
    plan, urn = mutated(stack_plan("prod", "eks"), LAUNCH_TEMPLATE, lambda p: p.update(
        networkInterfaces=[{"associatePublicIpAddress": "true", "deviceIndex": 0}]))
    assert both(rule, plan) == [
        (urn, "networkInterfaces.0.associatePublicIpAddress is true: every instance launched "
              "from the template gets a public IP address")]


# -- IAM -----------------------------------------------------------------------------------

ADMIN_RULE = "aws-iam-no-admin-statement"


def test_a_role_policy_allowing_everything() -> None:
    plan, urn = changed(stack_plan("prod", "ecs"), ROLE_POLICY, "forge-prod-api-task-policy",
                        lambda r: r.props.update(policy=ADMIN))
    assert both(rule_by_id(ADMIN_RULE), plan) == [
        (urn, 'policy: statement Everything allows Action "*" on Resource "*"')]


def test_a_deny_everything_statement_passes() -> None:
    deny = ADMIN.replace('"Allow"', '"Deny"')
    plan, _ = changed(stack_plan("prod", "ecs"), ROLE_POLICY, "forge-prod-api-task-policy",
                      lambda r: r.props.update(policy=deny))
    assert both(rule_by_id(ADMIN_RULE), plan) == []


def test_an_inline_role_policy_and_an_administrator_attachment() -> None:
    document = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"},
        {"Effect": "Allow", "Action": ["*"], "Resource": ["*"]}]}
    plan, urn = changed(stack_plan("dev", "eks"), ROLE, "forge-dev-eks-node-role",
                        lambda r: r.props.update(inlinePolicies=[
                            {"name": "debug", "policy": json.dumps(document)}]))
    assert both(rule_by_id(ADMIN_RULE), plan) == [
        (urn, 'inline policy debug: statement 1 allows Action "*" on Resource "*"')]
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    plan, urn = changed(stack_plan("dev", "eks"), ATTACHMENT, "forge-dev-eks-node-ssm",
                        lambda r: r.props.update(policyArn=admin))
    assert both(rule_by_id(ADMIN_RULE), plan) == [
        (urn, f"policyArn is {admin}: AdministratorAccess allows every action on every "
              "resource")]


TRUST_RULE = "aws-iam-role-trust-conditions"


def _trust(role: PlanResource) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(role.props["assumeRolePolicy"])
    return document


def test_a_service_role_without_a_source_condition() -> None:
    def drop_condition(role: PlanResource) -> None:
        document = _trust(role)
        del document["Statement"][0]["Condition"]
        role.props["assumeRolePolicy"] = json.dumps(document)
    for stack, platform, name, service in (
            ("prod", "ecs", "forge-prod-api-task", "ecs-tasks.amazonaws.com"),
            ("prod", "eks", "forge-prod-eks-cluster-role", "eks.amazonaws.com"),
            ("dev", "ecs", "forge-dev-db-bootstrap", "lambda.amazonaws.com")):
        plan, urn = changed(stack_plan(stack, platform), ROLE, name, drop_condition)
        assert both(rule_by_id(TRUST_RULE), plan) == [
            (urn, f"statement 0 trusts {service} without an aws:SourceAccount or aws:SourceArn "
                  "condition")], name


def test_source_arn_alone_is_enough() -> None:
    def arn_only(role: PlanResource) -> None:
        document = _trust(role)
        del document["Statement"][0]["Condition"]["StringEquals"]
        role.props["assumeRolePolicy"] = json.dumps(document)
    plan, _ = changed(stack_plan("prod", "ecs"), ROLE, "forge-prod-api-task", arn_only)
    assert both(rule_by_id(TRUST_RULE), plan) == []


def test_the_exempt_services_are_sourced_and_pass_without_a_condition() -> None:
    assert set(TRUST_CONDITION_EXEMPT) == {
        "ec2.amazonaws.com", "dlm.amazonaws.com", "ecs.amazonaws.com", "backup.amazonaws.com"}
    for url in TRUST_CONDITION_EXEMPT.values():
        assert url.startswith("https://docs.aws.amazon.com/"), url
    document = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": sorted(TRUST_CONDITION_EXEMPT)},
         "Action": "sts:AssumeRole"}]}
    plan, _ = with_resource(stack_plan("dev", "ecs"), ROLE, "snapshots",
                            {"assumeRolePolicy": json.dumps(document)})
    assert both(rule_by_id(TRUST_RULE), plan) == []
    # The node role and the Redpanda brokers' role trust EC2 without a condition, and pass.
    node_role = resource(stack_plan("prod", "eks"), ROLE, "forge-prod-eks-node-role")
    assert _trust(node_role)["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}
    assert "Condition" not in _trust(node_role)["Statement"][0]


def test_an_irsa_role_without_its_audience_or_subject() -> None:
    base = stack_plan("prod", "eks")
    role = resource(base, ROLE, "forge-prod-eks-sa-api")
    issuer = _trust(role)["Statement"][0]["Principal"]["Federated"].split(":oidc-provider/")[1]

    def keep_only(claim: str) -> Callable[[PlanResource], None]:
        def change(target: PlanResource) -> None:
            document = _trust(target)
            condition = document["Statement"][0]["Condition"]["StringEquals"]
            document["Statement"][0]["Condition"]["StringEquals"] = {
                k: v for k, v in condition.items() if k.endswith(f":{claim}")}
            target.props["assumeRolePolicy"] = json.dumps(document)
        return change
    plan, urn = changed(base, ROLE, "forge-prod-eks-sa-api", keep_only("sub"))
    assert both(rule_by_id(TRUST_RULE), plan) == [
        (urn, f"statement 0 trusts the OIDC provider {issuer} without a :aud condition")]
    plan, urn = changed(base, ROLE, "forge-prod-eks-sa-api", keep_only("aud"))
    assert both(rule_by_id(TRUST_RULE), plan) == [
        (urn, f"statement 0 trusts the OIDC provider {issuer} without a :sub condition")]


# -- a web ACL in front of the app (prod) --------------------------------------------------

WAF_RULE = "aws-cloudfront-waf-attached"
ALB = "aws:lb/loadBalancer:LoadBalancer"


def test_a_distribution_without_a_web_acl() -> None:
    """Without it the distribution is reported, and the ALB it fronted is no longer covered."""
    base = stack_plan("prod", "ecs")
    plan, urn = mutated(base, DISTRIBUTION, lambda p: p.pop("webAclId"))
    alb = resource(plan, ALB, "forge-prod-alb")
    assert both(rule_by_id(WAF_RULE), plan) == sorted([
        (urn, "webAclId is unset: no web ACL filters what the distribution forwards to the app"),
        (alb.urn, "an internet-facing application load balancer with no web ACL: no "
                  f"{WEB_ACL_ASSOCIATION} names it and no CloudFront distribution with a "
                  "webAclId has it as its origin")])


def test_the_rule_applies_in_prod_only() -> None:
    plan, _ = mutated(stack_plan("staging", "ecs"), "aws:lb/loadBalancer:LoadBalancer",
                      lambda p: p.update(internal=False))
    assert both(rule_by_id(WAF_RULE), plan) == []


def test_an_alb_without_its_web_acl_association() -> None:
    base = stack_plan("prod", "ecs", cdn={"enabled": False})
    plan = without(base, WEB_ACL_ASSOCIATION, "forge-prod-alb-waf")
    alb = resource(plan, ALB, "forge-prod-alb")
    assert both(rule_by_id(WAF_RULE), plan) == [
        (alb.urn, "an internet-facing application load balancer with no web ACL: no "
                  f"{WEB_ACL_ASSOCIATION} names it and no CloudFront distribution with a "
                  "webAclId has it as its origin")]
    internal, _ = changed(plan, ALB, "forge-prod-alb", lambda r: r.props.update(internal=True))
    assert both(rule_by_id(WAF_RULE), internal) == []


def _ingress(host: str, annotations: dict[str, str]) -> dict[str, Any]:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": "extra", "namespace": "forge", "annotations": {
                "alb.ingress.kubernetes.io/scheme": "internet-facing", **annotations}},
            "spec": {"ingressClassName": "alb", "rules": [{"host": host}]}}


def test_an_internet_facing_ingress_needs_a_web_acl() -> None:
    base = stack_plan("prod", "eks", cdn={"enabled": False})
    plan, urn = with_resource(base, K8S_INGRESS, "extra", _ingress("admin.forge.example.com", {}))
    assert both(rule_by_id(WAF_RULE), plan) == [
        (urn, "an internet-facing ALB with no alb.ingress.kubernetes.io/wafv2-acl-arn "
              "annotation, and no CloudFront distribution with a webAclId in front of its "
              "hosts (admin.forge.example.com)")]
    acl = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/extra/1"
    plan, _ = with_resource(base, K8S_INGRESS, "extra", _ingress(
        "admin.forge.example.com", {"alb.ingress.kubernetes.io/wafv2-acl-arn": acl}))
    assert both(rule_by_id(WAF_RULE), plan) == []


def test_an_ingress_behind_the_protected_distribution_passes() -> None:
    """Prod on EKS: the CDN (with the web ACL) has the Ingress's host as its origin."""
    base = stack_plan("prod", "eks")
    origins = {o["domainName"] for o in resource(
        base, DISTRIBUTION, "forge-prod-cdn-distribution").props["origins"]}
    assert "gateway.forge.example.com" in origins
    plan, _ = with_resource(base, K8S_INGRESS, "extra", _ingress("gateway.forge.example.com", {}))
    assert both(rule_by_id(WAF_RULE), plan) == []


def test_the_module_keeps_one_rule_per_id() -> None:
    assert len({r.id for r in exposure.RULES}) == len(exposure.RULES)
