"""Operability rules: standard tags (own or the providers' default tags), log retention, access
logs on load balancers, the EKS Ingress's ALB and the CDN. Both paths, exact messages."""

from __future__ import annotations

import json
from typing import Any

import pytest

from forge_infra.plan.model import Plan
from forge_infra.policy.registry import rule_by_id
from forge_infra.policy.rules import operability
from forge_infra.policy.rules.operability import aws_taggable_types
from tests.conftest import ROOT
from tests.helpers import is_taggable
from tests.policy.harness import both, mutated, with_resource
from tests.policy.plans import PLATFORMS, STACKS, stack_plan

LB = "aws:lb/loadBalancer:LoadBalancer"
CDN = "aws:cloudfront/distribution:Distribution"
PROVIDER = "pulumi:providers:aws"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
RDS = "aws:rds/instance:Instance"
ATTRIBUTES = "alb.ingress.kubernetes.io/load-balancer-attributes"

CDN_ADVISORY = ("no loggingConfig bucket and no ACCESS_LOGS log delivery: the CDN's requests "
                "are not logged")


@pytest.mark.parametrize("rule_id", [r.id for r in operability.RULES
                                     if r.id != "aws-cloudfront-access-logs"])
@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_real_stacks_pass(rule_id: str, stack: str, platform: str) -> None:
    assert both(rule_by_id(rule_id), stack_plan(stack, platform)) == []


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_cdns_missing_access_logs_are_the_one_documented_advisory(
        stack: str, platform: str) -> None:
    plan = stack_plan(stack, platform)
    rule = rule_by_id("aws-cloudfront-access-logs")
    assert rule.severity == "advisory"
    cdns = [r.urn for r in plan.resources if r.type == CDN]
    assert both(rule, plan) == [(urn, CDN_ADVISORY) for urn in cdns]
    assert bool(cdns) == (stack == "prod")
    security = (ROOT / "docs/SECURITY.md").read_text(encoding="utf-8")
    assert "**CloudFront standard logs: not enabled.**" in security


# -- standard tags ---------------------------------------------------------------------------


def test_the_taggable_types_data_matches_the_installed_sdk() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "generate_aws_taggable", ROOT / "scripts/generate_aws_taggable.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.main(["--check"]) == 0
    taggable = set(aws_taggable_types())
    types = {r.type for s in STACKS for p in PLATFORMS for r in stack_plan(s, p).resources
             if r.type.startswith("aws:")}
    assert {t for t in types if t in taggable} == {t for t in types if is_taggable(t)}
    assert "aws:s3/bucketVersioning:BucketVersioning" not in taggable
    assert RDS in taggable


def _without_provider_tag(plan: Plan, key: str) -> Plan:
    providers = [r for r in plan.resources if r.type == PROVIDER]
    default_tags = json.loads(providers[0].props["defaultTags"])
    del default_tags["tags"][key]
    providers[0].props["defaultTags"] = json.dumps(default_tags)
    return plan


def test_a_tag_the_providers_set_by_default_counts() -> None:
    rule = rule_by_id("aws-resource-standard-tags")
    plan, urn = mutated(stack_plan("prod", "ecs"), RDS, lambda p: p["tags"].pop("managed-by"))
    assert both(rule, plan) == []
    # Only when every AWS provider of the stack sets it (the CDN's us-east-1 one too).
    plan = _without_provider_tag(plan, "managed-by")
    assert both(rule, plan) == [
        (urn, "missing standard tags managed-by (tags: Name, app, component, cost-center, "
              "environment; not in every AWS provider's defaultTags either)")]


def test_a_resource_without_tags_in_a_stack_without_providers() -> None:
    plan, _ = mutated(stack_plan("dev", "ecs"), RDS, lambda p: p.pop("tags"))
    plan.resources = [r for r in plan.resources if r.type != PROVIDER]
    urn = next(r.urn for r in plan.resources if r.type == RDS)
    assert both(rule_by_id("aws-resource-standard-tags"), plan) == [
        (urn, "missing standard tags app, environment, managed-by (tags: none; not in every AWS "
              "provider's defaultTags either)")]


def test_an_auto_scaling_groups_tag_list_counts() -> None:
    group = "aws:autoscaling/group:Group"
    tags = [{"key": "app", "value": "forge", "propagateAtLaunch": True},
            {"key": "environment", "value": "dev", "propagateAtLaunch": True}]
    plan, urn = with_resource(stack_plan("dev", "ecs"), group, "asg", {"tags": tags})
    plan.resources = [r for r in plan.resources if r.type != PROVIDER]
    assert both(rule_by_id("aws-resource-standard-tags"), plan) == [
        (urn, "missing standard tags managed-by (tags: app, environment; not in every AWS "
              "provider's defaultTags either)")]


def test_a_type_that_takes_no_tags_is_not_checked() -> None:
    plan, _ = with_resource(stack_plan("dev", "ecs"), "aws:ec2/route:Route", "r", {})
    plan.resources = [r for r in plan.resources if r.type != PROVIDER]
    assert both(rule_by_id("aws-resource-standard-tags"), plan) == []


# -- log retention ---------------------------------------------------------------------------


def test_log_group_without_retention() -> None:
    plan, urn = mutated(stack_plan("dev", "eks"), "aws:cloudwatch/logGroup:LogGroup",
                        lambda p: p.pop("retentionInDays"))
    assert both(rule_by_id("aws-logs-retention-set"), plan) == [
        (urn, "retentionInDays is not set: the log group keeps every event forever")]


# -- load balancer access logs ---------------------------------------------------------------


@pytest.mark.parametrize(("change", "value"), [
    (lambda p: p["accessLogs"].update(enabled=False), False),
    (lambda p: p["accessLogs"].pop("enabled"), None),
    (lambda p: p.pop("accessLogs"), None),
])
def test_load_balancer_access_logs_in_prod(change: Any, value: bool | None) -> None:
    rule = rule_by_id("aws-lb-access-logs")
    plan, urn = mutated(stack_plan("prod", "ecs"), LB, change)
    assert both(rule, plan) == [
        (urn, f"accessLogs.enabled is {value!r}: the load balancer's requests are not logged "
              "(false is the default, even with a bucket)")]
    dev, _ = mutated(stack_plan("dev", "ecs"), LB, change)
    assert both(rule, dev) == []


def test_a_gateway_load_balancer_has_no_access_logs() -> None:
    plan, _ = mutated(stack_plan("prod", "ecs"), LB, lambda p: p.update(
        loadBalancerType="gateway", accessLogs=None))
    assert both(rule_by_id("aws-lb-access-logs"), plan) == []


def _ingress(ingress_class: str | None, attributes: str | None) -> dict[str, Any]:
    annotations = {ATTRIBUTES: attributes} if attributes is not None else {}
    spec: dict[str, Any] = {"rules": []}
    if ingress_class:
        spec["ingressClassName"] = ingress_class
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": "extra", "namespace": "forge", "annotations": annotations},
            "spec": spec}


@pytest.mark.parametrize(("ingress_class", "attributes", "message"), [
    ("alb", None, f"annotation {ATTRIBUTES} is None: the ALB the controller creates does not "
                  "log requests (access_logs.s3.enabled=true is missing)"),
    ("alb", "access_logs.s3.enabled=false,access_logs.s3.bucket=b",
     f"annotation {ATTRIBUTES} is 'access_logs.s3.enabled=false,access_logs.s3.bucket=b': the "
     "ALB the controller creates does not log requests (access_logs.s3.enabled=true is "
     "missing)"),
    ("alb", "idle_timeout.timeout_seconds=60, access_logs.s3.enabled=true", None),
    ("nginx", None, None),
])
def test_an_alb_ingress_logs_requests_in_prod(ingress_class: str, attributes: str | None,
                                              message: str | None) -> None:
    plan, urn = with_resource(stack_plan("prod", "eks"), INGRESS, "extra",
                              _ingress(ingress_class, attributes))
    assert both(rule_by_id("k8s-ingress-alb-access-logs"), plan) == (
        [(urn, message)] if message else [])


def test_the_charts_ingress_logs_to_the_access_log_bucket() -> None:
    from forge_infra.policy.engine import plan_stack_view

    [ingress] = plan_stack_view(stack_plan("prod", "eks")).of_type(INGRESS)
    assert "access_logs.s3.enabled=true" in ingress.props["metadata"]["annotations"][ATTRIBUTES]


# -- CDN access logs -------------------------------------------------------------------------


def test_cdn_legacy_logging_to_a_bucket_passes() -> None:
    plan, _ = mutated(stack_plan("prod", "ecs"), CDN, lambda p: p.update(
        loggingConfig={"bucket": "logs.s3.amazonaws.com", "prefix": "cdn/"}))
    assert both(rule_by_id("aws-cloudfront-access-logs"), plan) == []


def _with_dependent(plan: Plan, resource_type: str, name: str, props: dict[str, Any],
                    on: str) -> tuple[Plan, str]:
    plan, urn = with_resource(plan, resource_type, name, props)
    plan.resources[-1].dependencies = [on]
    return plan, urn


def test_cdn_standard_logging_v2_passes_with_a_source_and_a_delivery() -> None:
    rule = rule_by_id("aws-cloudfront-access-logs")
    base = stack_plan("prod", "eks")
    cdn = next(r.urn for r in base.resources if r.type == CDN)
    with_source, source = _with_dependent(
        base, "aws:cloudwatch/logDeliverySource:LogDeliverySource", "cdn-logs",
        {"name": "cdn-logs", "logType": "ACCESS_LOGS", "resourceArn": "[unknown]"}, cdn)
    # A source alone delivers nothing.
    assert both(rule, with_source) == [(cdn, CDN_ADVISORY)]
    plan, _ = _with_dependent(with_source, "aws:cloudwatch/logDelivery:LogDelivery",
                              "cdn-logs-delivery", {"deliverySourceName": "[unknown]",
                                                    "deliveryDestinationArn": "[unknown]"},
                              source)
    assert both(rule, plan) == []
