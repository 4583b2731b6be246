"""A rule written against pulumi-policy's PolicyResource runs on the offline plan unchanged."""

from __future__ import annotations

from typing import Any

import pytest

from forge_infra.plan import Plan, run_plan
from forge_infra.plan.policy_view import (
    policy_resources,
    resource_validation_args,
    stack_validation_args,
)
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def prod() -> Plan:
    return run_plan("prod", ROOT)


# -- rules as a policy pack would write them (pulumi_policy's field names only) ---------------


def rds_in_its_subnet_group(args: Any, report_violation: Any) -> None:
    """Stack rule: each RDS instance is protected, encrypted, inside a Database component, and
    takes its subnet group name from a SubnetGroup resource."""
    for resource in args.resources:
        if resource.resource_type != "aws:rds/instance:Instance":
            continue
        if not resource.opts.protect:
            report_violation("not protected", resource.urn)
        if resource.props.get("storageEncrypted") is not True:
            report_violation("storage not encrypted", resource.urn)
        if resource.parent is None or resource.parent.resource_type != "forge-aws:index:Database":
            report_violation("not inside a Database component", resource.urn)
        sources = resource.property_dependencies.get("dbSubnetGroupName", [])
        if [s.resource_type for s in sources] != ["aws:rds/subnetGroup:SubnetGroup"]:
            report_violation(f"subnet group from {[s.urn for s in sources]}", resource.urn)
        if resource.opts.custom_timeouts.create_seconds < 0:
            report_violation("negative timeout", resource.urn)


def kubernetes_objects_use_an_explicit_provider(args: Any, report_violation: Any) -> None:
    """Resource rule: every kubernetes resource names its provider instance (a cluster)."""
    if args.resource_type.startswith("kubernetes:") and (
            args.provider is None or args.provider.resource_type != "pulumi:providers:kubernetes"):
        report_violation(f"{args.name} uses the default kubernetes provider")


def test_a_stack_rule_runs_on_the_plan(prod) -> None:
    violations: list[tuple[str, str | None]] = []
    args = stack_validation_args(prod, config={"x": 1})
    rds_in_its_subnet_group(args, lambda message, urn=None: violations.append((message, urn)))
    assert violations == []
    assert args.get_config() == {"x": 1}
    instances = [r for r in args.resources if r.resource_type == "aws:rds/instance:Instance"]
    assert len(instances) == 1, [r.urn for r in instances]


def test_a_stack_rule_reports_a_broken_resource(prod) -> None:
    instance = next(r for r in prod.resources if r.type == "aws:rds/instance:Instance")
    instance.opts.protect = False
    try:
        violations: list[tuple[str, str | None]] = []
        rds_in_its_subnet_group(stack_validation_args(prod),
                                lambda message, urn=None: violations.append((message, urn)))
    finally:
        instance.opts.protect = True
    assert violations == [("not protected", instance.urn)]


def test_a_resource_rule_runs_on_every_resource(prod) -> None:
    messages: list[str] = []
    for args in resource_validation_args(prod):
        kubernetes_objects_use_an_explicit_provider(
            args, lambda message, urn=None: messages.append(message))
    assert messages == []
    kinds = sum(1 for a in resource_validation_args(prod)
                if a.resource_type.startswith("kubernetes:"))
    # 7 namespaces, 7 releases (Argo Rollouts among them: prod's canary), the ClusterSecretStore
    assert kinds == 15


def test_links_are_the_resources_themselves(prod) -> None:
    views = {v.urn: v for v in policy_resources(prod)}
    for resource in prod.resources:
        view = views[resource.urn]
        assert (view.parent.urn if view.parent else None) == resource.parent, resource.urn
        assert [d.urn for d in view.dependencies] == resource.dependencies, resource.urn
        assert {k: [d.urn for d in v] for k, v in view.property_dependencies.items()} == (
            resource.property_dependencies), resource.urn
        assert view.props is resource.props and view.name == resource.name, resource.urn
        assert view.opts.parent == resource.parent, resource.urn
        assert (view.provider.urn if view.provider else None) == resource.provider, resource.urn
