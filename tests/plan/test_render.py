"""The plan tree at a glance: the key size of each sized resource, and values cut only past
the terminal's width."""

from __future__ import annotations

import io
from typing import Any

import pytest

from forge_infra.plan.model import Plan, PlanResource, ResourceOptions
from forge_infra.plan.render import WIDTH, output_width, render_plan, resource_size

STACK = "urn:pulumi:dev::forge-infra::"


def resource(type_: str, props: dict[str, Any], name: str = "r",
             parent: str | None = None) -> PlanResource:
    return PlanResource(urn=f"{STACK}{type_}::{name}", type=type_, name=name,
                        custom=not type_.startswith("forge-"), component=None, parent=parent,
                        dependencies=[], property_dependencies={}, props=props,
                        opts=ResourceOptions(), outputs={})


@pytest.mark.parametrize(("type_", "props", "size"), [
    ("aws:rds/instance:Instance", {"instanceClass": "db.t4g.micro"}, "db.t4g.micro"),
    ("aws:elasticache/replicationGroup:ReplicationGroup",
     {"nodeType": "cache.t4g.small", "numCacheClusters": 2}, "cache.t4g.small, 2 nodes"),
    ("aws:elasticache/replicationGroup:ReplicationGroup",
     {"nodeType": "cache.r7g.large", "numNodeGroups": 3, "replicasPerNodeGroup": 1},
     "cache.r7g.large, 3 shards of 2 nodes"),
    ("aws:msk/cluster:Cluster", {"brokerNodeGroupInfo": {"instanceType": "kafka.m7g.large"},
                                 "numberOfBrokerNodes": 3}, "kafka.m7g.large, 3 brokers"),
    ("aws:eks/nodeGroup:NodeGroup", {"instanceTypes": ["m6i.xlarge"], "scalingConfig": {
        "minSize": 3, "maxSize": 9, "desiredSize": 3}}, "m6i.xlarge 3..9"),
    ("aws:ecs/taskDefinition:TaskDefinition", {"cpu": "512", "memory": "1024"},
     "0.5 vCPU/1024 MiB"),
    ("aws:ecs/service:Service", {"desiredCount": 3}, "3 tasks"),
    ("aws:ecs/service:Service", {"desiredCount": 1}, "1 task"),
    ("aws:ec2/instance:Instance", {"instanceType": "t3.small"}, "t3.small"),
    ("aws:ebs/volume:Volume", {"size": 100, "type": "gp3"}, "100 GiB gp3"),
    ("aws:lambda/function:Function", {"memorySize": 256}, "256 MiB"),
    ("aws:rds/instance:Instance", {"instanceClass": "[unknown]"}, None),
    ("aws:ec2/vpc:Vpc", {"cidrBlock": "10.0.0.0/16"}, None),
])
def test_the_key_size_of_each_sized_type(type_: str, props: dict[str, Any],
                                         size: str | None) -> None:
    assert resource_size(resource(type_, props)) == size


def _plan(value: str) -> Plan:
    component = resource("forge-aws:index:EcsCompute", {}, "forge-dev-compute")
    services = [resource("aws:ecs/service:Service", {"desiredCount": n}, f"svc-{i}",
                         parent=component.urn) for i, n in enumerate((1, 1, 2))]
    return Plan(project="forge-infra", stack="dev", cloud="aws", platform="ecs",
                resources=[component, *services], outputs={"long": value})


def render(plan: Plan) -> str:
    out = io.StringIO()
    render_plan(plan, out, color=False)
    return out.getvalue()


def test_the_tree_shows_sizes_grouped_by_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    assert "aws:ecs:Service x3 (1 task x2, 2 tasks)" in render(_plan("v"))


@pytest.mark.parametrize(("columns", "width"), [(None, WIDTH), ("80", WIDTH), ("160", 160),
                                                ("wide", WIDTH)])
def test_the_width_is_at_least_100_and_follows_a_wider_terminal(
        monkeypatch: pytest.MonkeyPatch, columns: str | None, width: int) -> None:
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    assert output_width(io.StringIO()) == width


def test_values_are_not_cut_on_a_wider_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    value = "x" * 140
    monkeypatch.setenv("COLUMNS", "200")
    assert value in render(_plan(value))
    monkeypatch.delenv("COLUMNS")
    narrow = render(_plan(value))
    assert value not in narrow and "x" * 50 + "..." in narrow
    assert max(len(line) for line in narrow.splitlines()) <= WIDTH
