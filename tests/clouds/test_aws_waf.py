"""The WAF web ACL as the stacks configure and wire it (issue 8): `forge-infra:waf` reaches the
web ACL, the ACL reaches CloudFront or the ECS load balancer, prod refuses to run without one,
and a plan warns when nothing is associated with it.

What these tests do not prove: that AWS WAF accepts the web ACL or blocks anything; only what
the program asks for.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from forge_components.aws.limits import WAF_MANAGED_RULE_GROUPS
from forge_infra.clouds.aws.settings import AwsSettings
from forge_infra.config import ConfigError, config_from_mapping
from forge_infra.plan.recorder import Recording
from forge_infra.program import build
from tests.conftest import ROOT, stack_config
from tests.helpers import run_mocked

WEB_ACL = "aws:wafv2/webAcl:WebAcl"
ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"
DEFAULT_GROUPS = ["AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesCommonRuleSet",
                  "AWSManagedRulesKnownBadInputsRuleSet"]


def values_of(stack: str, **sections: dict[str, Any]) -> dict[str, Any]:
    """Pulumi.<stack>.yaml's config with keys of `forge-infra:<section>` blocks replaced."""
    values = copy.deepcopy(yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"])
    for section, keys in sections.items():
        values.setdefault(f"forge-infra:{section}", {}).update(keys)
    return values


def problems_of(values: dict[str, Any], stack: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        config_from_mapping(values, stack=stack, source=f"Pulumi.{stack}.yaml")
    assert f"Pulumi.{stack}.yaml" in str(info.value), str(info.value)
    return info.value.problems


def settings_of(values: dict[str, Any], stack: str) -> AwsSettings:
    config = config_from_mapping(values, stack=stack, source=f"Pulumi.{stack}.yaml")
    assert isinstance(config.target, AwsSettings)
    return config.target


def record(stack: str, **overrides: object) -> Recording:
    config = stack_config(stack, **overrides)
    return run_mocked(lambda: build(config), stack=stack)


# -- configuration ---------------------------------------------------------------------------


def test_prod_refuses_to_run_without_a_web_acl() -> None:
    assert problems_of(values_of("prod", waf={"enabled": False}), "prod") == [
        "forge-infra:waf.enabled: prod requires a WAF web ACL in front of the app (set true; "
        "$9.00/month fixed with waf.rule_groups, plus $0.60 per million requests) "
        "[policy rule aws-cloudfront-waf-attached]"]


def test_the_defaults_are_the_three_groups_and_2000_requests() -> None:
    waf = settings_of(values_of("dev"), "dev").waf
    assert waf.enabled is False
    assert list(waf.rule_groups) == DEFAULT_GROUPS
    assert waf.rate_limit_per_5min == 2000
    assert waf.monthly_fixed_usd() == 9.0


def test_unknown_or_repeated_rule_groups_are_refused_with_the_allowed_names() -> None:
    values = values_of("dev", waf={"rule_groups": ["AWSManagedRulesBotControlRuleSet"]})
    assert problems_of(values, "dev") == [
        'forge-infra:waf.rule_groups: got ["AWSManagedRulesBotControlRuleSet"]; unknown rule '
        "groups ['AWSManagedRulesBotControlRuleSet']; allowed (the free AWS managed rule "
        f"groups): {', '.join(sorted(WAF_MANAGED_RULE_GROUPS))}"]
    values = values_of("dev", waf={"rule_groups": ["AWSManagedRulesSQLiRuleSet"] * 2})
    assert problems_of(values, "dev") == [
        'forge-infra:waf.rule_groups: got ["AWSManagedRulesSQLiRuleSet", '
        '"AWSManagedRulesSQLiRuleSet"]; repeats [\'AWSManagedRulesSQLiRuleSet\']']


@pytest.mark.parametrize("limit", [9, 2_000_000_001])
def test_the_rate_limit_is_bounded_as_waf_bounds_it(limit: int) -> None:
    problems = problems_of(values_of("dev", waf={"rate_limit_per_5min": limit}), "dev")
    assert [p.split(": ", 1)[0] for p in problems] == ["forge-infra:waf.rate_limit_per_5min"]


def test_a_web_acl_is_never_a_plan_warning() -> None:
    """On EKS without the CDN the Ingress carries the ACL (see the wiring test below)."""
    for config in (stack_config("staging", waf={"enabled": True}), stack_config("prod"),
                   stack_config("dev", waf={"enabled": True})):
        assert not any(w.startswith("forge-infra:waf") for w in config.target.warnings(config))


# -- wiring ------------------------------------------------------------------------------------


def test_prod_puts_a_cloudfront_web_acl_in_us_east_1_on_the_distribution() -> None:
    recording = record("prod")
    acl = recording.one(WEB_ACL, "forge-prod-waf-web-acl")
    assert acl.inputs["scope"] == "CLOUDFRONT", acl.urn
    assert acl.inputs["region"] == "us-east-1", acl.urn
    assert [r["name"] for r in acl.inputs["rules"]] == ["rate-limit-per-ip", *DEFAULT_GROUPS]
    assert acl.inputs["rules"][0]["statement"]["rateBasedStatement"]["limit"] == 2000
    distribution = recording.one(DISTRIBUTION)
    assert distribution.inputs["webAclId"] == acl.outputs["arn"], distribution.urn
    assert recording.of_type(ASSOCIATION) == []
    assert recording.exports["waf_web_acl_arn"] == acl.outputs["arn"]
    assert recording.exports["waf_monthly_fixed_usd"] == 9.0


def test_on_ecs_without_the_cdn_the_regional_web_acl_guards_the_load_balancer() -> None:
    groups = ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesSQLiRuleSet"]
    recording = record("dev", waf={"enabled": True, "rule_groups": groups,
                                   "rate_limit_per_5min": 300})
    acl = recording.one(WEB_ACL, "forge-dev-waf-web-acl")
    assert acl.inputs["scope"] == "REGIONAL", acl.urn
    assert "region" not in acl.inputs, acl.urn
    assert [r["name"] for r in acl.inputs["rules"]] == ["rate-limit-per-ip", *groups]
    assert acl.inputs["rules"][0]["statement"]["rateBasedStatement"]["limit"] == 300
    association = recording.one(ASSOCIATION)
    assert association.inputs == {"resourceArn": recording.one(LOAD_BALANCER).outputs["arn"],
                                  "webAclArn": acl.outputs["arn"]}, association.urn
    assert recording.exports["waf_monthly_fixed_usd"] == 8.0


def test_on_ecs_behind_the_cdn_only_cloudfront_gets_the_web_acl() -> None:
    recording = record("prod", platform="ecs")
    acl = recording.one(WEB_ACL)
    assert acl.inputs["scope"] == "CLOUDFRONT", acl.urn
    assert recording.one(DISTRIBUTION).inputs["webAclId"] == acl.outputs["arn"]
    assert recording.of_type(ASSOCIATION) == []


@pytest.mark.parametrize("stack", ["dev", "staging"])
def test_stacks_without_waf_declare_no_web_acl(stack: str) -> None:
    recording = record(stack)
    assert recording.of_type(WEB_ACL) == [] and recording.of_type(ASSOCIATION) == []
    assert "waf_web_acl_arn" not in recording.exports


def test_on_eks_without_the_cdn_the_ingress_carries_the_web_acl_and_the_access_logs() -> None:
    """The controller's ALB gets the regional ACL and logs to the access-log bucket under alb/,
    through the Ingress annotations as Helm renders the platform chart in the plan."""
    from forge_infra.plan.engine import run_plan

    plan = run_plan("staging", ROOT, config=stack_config("staging", waf={"enabled": True}))
    acl = next(r for r in plan.resources if r.type == WEB_ACL)
    assert acl.inputs["scope"] == "REGIONAL", acl.urn
    bucket = plan.outputs["access_log_bucket_name"]
    release = next(r for r in plan.helm_releases()
                   if r.helm is not None and r.helm.chart.endswith("forge-platform"))
    assert release.helm is not None and release.helm.rendered, release.urn
    ingress = next(o.object for o in release.helm.objects if o.kind == "Ingress")
    annotations = ingress["metadata"]["annotations"]
    assert annotations["alb.ingress.kubernetes.io/wafv2-acl-arn"] == acl.outputs["arn"]
    assert annotations["alb.ingress.kubernetes.io/load-balancer-attributes"] == (
        f"access_logs.s3.enabled=true,access_logs.s3.bucket={bucket},access_logs.s3.prefix=alb")
    # Without the web ACL the Ingress names none; the access logs stay.
    plain = run_plan("staging", ROOT)
    release = next(r for r in plain.helm_releases()
                   if r.helm is not None and r.helm.chart.endswith("forge-platform"))
    assert release.helm is not None
    ingress = next(o.object for o in release.helm.objects if o.kind == "Ingress")
    annotations = ingress["metadata"]["annotations"]
    assert "alb.ingress.kubernetes.io/wafv2-acl-arn" not in annotations
    assert "alb.ingress.kubernetes.io/load-balancer-attributes" in annotations
