"""Which services can reach the data services, computed from what the plan asks AWS and
Kubernetes for (issue 8, item 12).

On ECS the answer comes from the planned security groups: a path exists when a source task's
group has an egress rule to the destination and the destination's group has an ingress rule
from the source, both covering the port. On EKS it comes from the chart as Helm renders it in
the plan: the NetworkPolicies that select a service's pods, enforced because the vpc-cni
add-on turns on its network policy agent (`enableNetworkPolicy`).

What these tests do not prove: that AWS and the VPC CNI enforce the rules as documented
(security groups: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html;
network policies: https://docs.aws.amazon.com/eks/latest/userguide/cni-network-policy.html),
nor anything about pods outside the chart (docs/SECURITY.md, "Network isolation of the data
services", lists those limits).
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any

import pytest

from forge_components.contracts import DATA_SERVICE_CLIENTS, SERVICE_NAMES
from forge_infra.plan import Plan, run_plan
from forge_infra.plan.model import PlanResource
from tests.conftest import ROOT

SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
LEGACY_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SUBNET = "aws:ec2/subnet:Subnet"
RDS = "aws:rds/instance:Instance"
RDS_SUBNETS = "aws:rds/subnetGroup:SubnetGroup"
CACHE = "aws:elasticache/replicationGroup:ReplicationGroup"
CACHE_SUBNETS = "aws:elasticache/subnetGroup:SubnetGroup"
ECS_SERVICE = "aws:ecs/service:Service"
ADDON = "aws:eks/addon:Addon"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
RELEASE = "kubernetes:helm.sh/v3:Release"
POSTGRES, REDIS = 5432, 6379
EKS_STACKS = ("staging", "prod")


@pytest.fixture(scope="module")
def plans() -> dict[str, Plan]:
    return {stack: run_plan(stack, ROOT) for stack in ("dev", *EKS_STACKS)}


def of_type(plan: Plan, type_token: str) -> list[PlanResource]:
    return [r for r in plan.resources if r.type == type_token]


def one(plan: Plan, type_token: str) -> PlanResource:
    found = of_type(plan, type_token)
    assert len(found) == 1, [r.urn for r in found]
    return found[0]


def subnet_cidrs(plan: Plan, subnet_ids: list[str]) -> list[ipaddress.IPv4Network]:
    by_id = {r.id: r for r in of_type(plan, SUBNET)}
    return [ipaddress.ip_network(by_id[i].props["cidrBlock"]) for i in subnet_ids]


# -- ECS: security groups ------------------------------------------------------------------------


def _covers(rule: dict[str, Any], port: int) -> bool:
    """Whether a security group rule covers TCP `port` ("-1" is every protocol and port)."""
    if rule["ipProtocol"] == "-1":
        return True
    return rule["ipProtocol"] in ("tcp", "6") and rule["fromPort"] <= port <= rule["toPort"]


def _peer(rule: dict[str, Any], groups: set[str],
          cidrs: list[ipaddress.IPv4Network]) -> bool:
    """Whether a rule's peer is one of `groups`, or an IPv4 CIDR overlapping one of `cidrs`
    (the VPC is IPv4 only, so an IPv6 peer is never a task or a data service)."""
    assert "referencedPrefixListId" not in rule, rule
    if rule.get("referencedSecurityGroupId") is not None:
        return rule["referencedSecurityGroupId"] in groups
    cidr = rule.get("cidrIpv4")
    return cidr is not None and any(ipaddress.ip_network(cidr).overlaps(c) for c in cidrs)


def sg_path(plan: Plan, sources: set[str], source_cidrs: list[ipaddress.IPv4Network],
            destinations: set[str], destination_cidrs: list[ipaddress.IPv4Network],
            port: int) -> bool:
    """A TCP path on `port` from tasks in `sources` to an ENI in `destinations`."""
    egress = [r.props for r in of_type(plan, EGRESS)]
    ingress = [r.props for r in of_type(plan, INGRESS)]
    out = any(r["securityGroupId"] in sources and _covers(r, port)
              and _peer(r, destinations, destination_cidrs) for r in egress)
    into = any(r["securityGroupId"] in destinations and _covers(r, port)
               and _peer(r, sources, source_cidrs) for r in ingress)
    return out and into


def test_sg_rules_are_all_standalone_rules(plans) -> None:
    """The reachability below reads the standalone rule resources: nothing else may add one."""
    plan = plans["dev"]
    assert of_type(plan, LEGACY_RULE) == []
    for sg in of_type(plan, SG):
        assert not sg.props.get("ingress") and not sg.props.get("egress"), sg.urn


@pytest.mark.parametrize(("data_service", "port"), [("database", POSTGRES), ("cache", REDIS)])
def test_on_ecs_only_the_data_service_clients_reach_the_data_services(
        plans, data_service: str, port: int) -> None:
    plan = plans["dev"]
    if data_service == "database":
        groups = set(one(plan, RDS).props["vpcSecurityGroupIds"])
        cidrs = subnet_cidrs(plan, one(plan, RDS_SUBNETS).props["subnetIds"])
    else:
        groups = set(one(plan, CACHE).props["securityGroupIds"])
        cidrs = subnet_cidrs(plan, one(plan, CACHE_SUBNETS).props["subnetIds"])
    services = {r.name.removeprefix("forge-dev-"): r for r in of_type(plan, ECS_SERVICE)}
    assert sorted(services) == sorted(SERVICE_NAMES)
    reach = {}
    for name, service in services.items():
        network = service.props["networkConfiguration"]
        reach[name] = sg_path(plan, set(network["securityGroups"]),
                              subnet_cidrs(plan, network["subnets"]), groups, cidrs, port)
    assert reach == {name: name in DATA_SERVICE_CLIENTS for name in SERVICE_NAMES}, reach


def test_on_ecs_each_service_has_its_own_group_and_there_is_no_shared_one(plans) -> None:
    plan = plans["dev"]
    groups = {r.name: r.id for r in of_type(plan, SG)}
    assert "forge-dev-network-app" not in groups
    tasks = {r.name.removeprefix("forge-dev-"): r.props["networkConfiguration"]["securityGroups"]
             for r in of_type(plan, ECS_SERVICE)}
    assert tasks == {name: [groups[f"forge-dev-network-{name}"]] for name in SERVICE_NAMES}
    database = set(one(plan, RDS).props["vpcSecurityGroupIds"])
    admitted = {r.props["referencedSecurityGroupId"] for r in of_type(plan, INGRESS)
                if r.props["securityGroupId"] in database}
    # Besides the clients: the database's own role bootstrap function (docs/SECURITY.md,
    # "Database credentials"), which runs once per change with the master credentials.
    assert admitted == {groups[f"forge-dev-network-{name}"] for name in DATA_SERVICE_CLIENTS} | {
        groups["forge-dev-db-bootstrap-sg"]}


# -- EKS: the chart's NetworkPolicies ------------------------------------------------------------


def _objects(plan: Plan, kind: str) -> list[dict[str, Any]]:
    release = next(r for r in of_type(plan, RELEASE) if r.helm and r.helm.rendered)
    assert release.helm is not None
    return [o.object for o in release.helm.objects if o.kind == kind]


def _selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    assert set(selector) <= {"matchLabels"}, f"selector not understood here: {selector}"
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())


def _port_matches(ports: list[dict[str, Any]] | None, port: int) -> bool:
    if not ports:
        return True
    return any(p.get("protocol", "TCP") == "TCP"
               and (p.get("port") is None or p["port"] <= port <= p.get("endPort", p["port"]))
               for p in ports)


def _peer_reaches(peer: dict[str, Any], cidrs: list[ipaddress.IPv4Network]) -> bool:
    """A NetworkPolicy peer covers an address in `cidrs` (pod and namespace selectors match
    pods only, never the ENI of an RDS instance or a cache node)."""
    block = peer.get("ipBlock")
    if block is None:
        return False
    allowed = ipaddress.ip_network(block["cidr"])
    excepted = [ipaddress.ip_network(e) for e in block.get("except", [])]
    return any(allowed.overlaps(c) and not any(c.subnet_of(e) for e in excepted
                                               if e.version == c.version) for c in cidrs)


def pod_egress_reaches(plan: Plan, service: str, cidrs: list[ipaddress.IPv4Network],
                       port: int) -> bool:
    """Kubernetes' rule: a pod no Egress policy selects may send anywhere; a selected pod only
    where one of the selecting policies' egress rules allows."""
    # A service behind the ALB is an Argo Rollout when the stack releases by canary (prod).
    deployment = next(d for d in [*_objects(plan, "Deployment"), *_objects(plan, "Rollout")]
                      if d["metadata"]["labels"]["app.kubernetes.io/component"] == service)
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    selecting = [p["spec"] for p in _objects(plan, "NetworkPolicy")
                 if "Egress" in p["spec"].get("policyTypes", [])
                 and _selects(p["spec"]["podSelector"], labels)]
    if not selecting:
        return True
    return any(_port_matches(rule.get("ports"), port)
               and (not rule.get("to") or any(_peer_reaches(peer, cidrs) for peer in rule["to"]))
               for spec in selecting for rule in spec.get("egress") or [])


@pytest.mark.parametrize("stack", EKS_STACKS)
def test_on_eks_the_vpc_cni_enforces_network_policies(plans, stack: str) -> None:
    addon = next(a for a in of_type(plans[stack], ADDON) if a.props["addonName"] == "vpc-cni")
    assert json.loads(addon.props["configurationValues"])["enableNetworkPolicy"] == "true", \
        addon.urn


@pytest.mark.parametrize("stack", EKS_STACKS)
@pytest.mark.parametrize(("data_service", "port"), [("database", POSTGRES), ("cache", REDIS)])
def test_on_eks_only_the_data_service_clients_pods_reach_the_data_services(
        plans, stack: str, data_service: str, port: int) -> None:
    plan = plans[stack]
    subnets = (one(plan, RDS_SUBNETS) if data_service == "database"
               else one(plan, CACHE_SUBNETS)).props["subnetIds"]
    cidrs = subnet_cidrs(plan, subnets)
    reach = {name: pod_egress_reaches(plan, name, cidrs, port) for name in SERVICE_NAMES}
    assert reach == {name: name in DATA_SERVICE_CLIENTS for name in SERVICE_NAMES}, reach


@pytest.mark.parametrize("stack", EKS_STACKS)
def test_on_eks_the_data_services_admit_the_nodes_group_only(plans, stack: str) -> None:
    """The limit the NetworkPolicies work within: at the security-group level every node (and
    so every pod and host-network process on it) is admitted; docs/SECURITY.md says so."""
    plan = plans[stack]
    template = one(plan, LAUNCH_TEMPLATE)
    app = next(r.id for r in of_type(plan, SG) if r.name == f"forge-{stack}-network-app")
    assert app in template.props["vpcSecurityGroupIds"], template.urn
    database = set(one(plan, RDS).props["vpcSecurityGroupIds"])
    admitted = [r.props for r in of_type(plan, INGRESS) if r.props["securityGroupId"] in database]
    bootstrap = next(r.id for r in of_type(plan, SG) if r.name == f"forge-{stack}-db-bootstrap-sg")
    assert sorted((r["referencedSecurityGroupId"], r["fromPort"]) for r in admitted) == sorted([
        (app, POSTGRES), (bootstrap, POSTGRES)])
