"""The rule framework: ids, both paths agreeing, waivers, environments."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest

from forge_infra.policy import RULES, Waiver, evaluate
from forge_infra.policy.registry import rule_by_id
from forge_infra.policy.rule import Rule
from tests.policy.harness import both, mutated
from tests.policy.plans import stack_plan

RDS = "aws:rds/instance:Instance"


def test_rule_ids_follow_the_naming_scheme() -> None:
    with pytest.raises(ValueError, match="use <cloud>-<service>-<rule>"):
        Rule(id="RDS_ENCRYPTED", severity="mandatory", category="encryption", rationale="r",
             remediation="r", checks={RDS: lambda r, c: iter(())})
    assert len({r.id for r in RULES}) == len(RULES)


def test_a_violation_is_reported_the_same_on_both_paths() -> None:
    plan, urn = mutated(stack_plan("prod", "ecs"), RDS,
                        lambda p: p.update(storageEncrypted=False))
    rule = rule_by_id("aws-rds-storage-encrypted")
    assert both(rule, plan) == [(urn, "storageEncrypted is False: the database's storage is "
                                      "not encrypted")]


def test_a_prod_rule_does_not_apply_in_dev() -> None:
    rule = rule_by_id("aws-rds-backup-retention")
    plan, urn = mutated(stack_plan("dev", "ecs"), RDS,
                        lambda p: p.update(backupRetentionPeriod=1))
    assert both(rule, plan) == []
    plan, urn = mutated(stack_plan("prod", "ecs"), RDS,
                        lambda p: p.update(backupRetentionPeriod=1))
    assert both(rule, plan) == [(urn, "backupRetentionPeriod is 1: keep at least 7 days of "
                                      "automated backups")]


def test_waivers_mark_findings_and_expire() -> None:
    plan, urn = mutated(stack_plan("prod", "ecs"), RDS,
                        lambda p: p.update(storageEncrypted=False))
    today = datetime.date(2026, 12, 2)
    waiver = Waiver("aws-rds-storage-encrypted", RDS, "migrating", datetime.date(2026, 12, 31))
    findings = [f for f in evaluate(plan, waivers=[waiver], today=today)
                if f.rule == "aws-rds-storage-encrypted"]
    assert [(f.urn, f.waived, f.waiver_reason) for f in findings] == [(urn, True, "migrating")]

    expired = evaluate(plan, waivers=[waiver], today=datetime.date(2027, 1, 1))
    assert [(f.rule, f.severity, f.waived) for f in expired if f.rule.startswith("any-policy")
            or f.rule == "aws-rds-storage-encrypted"] == [
        ("any-policy-waiver-expired", "mandatory", False),
        ("aws-rds-storage-encrypted", "mandatory", False)]

    unused = evaluate(stack_plan("prod", "ecs"), waivers=[waiver], today=today)
    assert [f.rule for f in unused if f.rule.startswith("any-policy")] == [
        "any-policy-waiver-unused"]


def test_both_paths_see_the_same_rendered_kubernetes_objects() -> None:
    from forge_infra.policy.engine import plan_stack_view
    from forge_infra.policy.pack import engine_resource, render_releases
    from tests.policy.harness import _engine_props

    plan = stack_plan("prod", "eks")
    offline_objects = plan_stack_view(plan).kubernetes_objects()
    assert len(offline_objects) > 20
    resources = []
    for r in plan.resources:
        view = engine_resource(r)
        view.props = _engine_props(r)
        resources.append(view)
    engine_objects = render_releases(resources)
    assert [(o.resource_type, o.name) for o in engine_objects] == [
        (o.resource_type, o.name) for o in offline_objects]


def test_a_kubernetes_rule_checks_a_directly_declared_object_on_both_paths() -> None:
    from tests.policy.harness import with_resource

    plan, urn = with_resource(stack_plan("prod", "eks"), "kubernetes:apps/v1:Deployment",
                              "debug", {"apiVersion": "apps/v1", "kind": "Deployment",
                                        "metadata": {"name": "debug", "namespace": "forge"},
                                        "spec": {"template": {"spec": {
                                            "hostNetwork": True, "containers": []}}}})
    assert both(rule_by_id("k8s-pod-no-host-namespaces"), plan) == [
        (urn, "hostNetwork is true: the pod shares the node's namespace")]


def test_the_pack_checks_kubernetes_kinds_in_a_stack_validation() -> None:
    """A rule on Kubernetes kinds must be a stack rule (the pack renders a release's objects
    only in its stack validation), and every registered one is registered as such."""
    from pulumi_policy import ResourceValidationPolicy, StackValidationPolicy

    from forge_infra.policy.pack import policies

    def check(resource: object, context: object) -> Iterator[str]:
        return iter(())

    with pytest.raises(ValueError, match="a rule on Kubernetes objects is a stack rule"):
        Rule(id="k8s-test-rule", severity="advisory", category="kubernetes", rationale="r",
             remediation="r", checks={"kubernetes:apps/v1:Deployment": check})
    on_objects = Rule(id="k8s-test-rule", severity="advisory", category="kubernetes",
                      rationale="r", remediation="r",
                      checks={"kubernetes:apps/v1:Deployment": check}, scope="stack")
    on_resources = Rule(id="aws-test-rule", severity="advisory", category="encryption",
                        rationale="r", remediation="r", checks={RDS: check})
    stack_policy, resource_policy = policies([on_objects, on_resources])
    assert isinstance(stack_policy, StackValidationPolicy)
    assert isinstance(resource_policy, ResourceValidationPolicy)
