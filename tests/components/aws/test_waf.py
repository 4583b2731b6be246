"""Tests of the AWS Waf component, run under the shared offline mocks.

What these tests do not prove: that AWS WAF accepts the web ACL (capacity units, the managed
rule groups' availability in the region), nor that it blocks anything; only what the program
asks for.
"""

from typing import Any

import pulumi
import pytest

from forge_components.aws.limits import (
    WAF_MANAGED_RULE_GROUPS,
    WAF_REQUESTS_PER_MILLION_USD,
    WafScope,
    waf_monthly_fixed_usd,
)
from forge_components.aws.waf import COMPONENT, Waf, WafArgs
from forge_infra.plan.recorder import RecordedResource, Recording
from tests.components.aws.conftest import assert_component_schema
from tests.helpers import assert_all_tagged, run_mocked

WEB_ACL = "aws:wafv2/webAcl:WebAcl"


def build(region: str = "us-east-1", **kwargs: Any) -> tuple[Recording, RecordedResource]:
    """One Waf named "edge"; exports its outputs; returns the recording and the web ACL."""

    def program() -> None:
        waf = Waf("edge", WafArgs(**kwargs))
        for output in ("web_acl_arn", "web_acl_id", "scope", "monthly_fixed_cost_usd"):
            pulumi.export(output, getattr(waf, output))

    recording = run_mocked(program, region=region)
    return recording, recording.one(WEB_ACL, "edge-web-acl")


def visibility(metric: str) -> dict[str, Any]:
    return {"cloudwatchMetricsEnabled": True, "metricName": metric,
            "sampledRequestsEnabled": True}


def managed(group: str, priority: int) -> dict[str, Any]:
    return {"name": group, "priority": priority, "overrideAction": {"none": {}},
            "statement": {"managedRuleGroupStatement": {"name": group, "vendorName": "AWS"}},
            "visibilityConfig": visibility(f"edge-{group}")}


def rate_rule(limit: int) -> dict[str, Any]:
    return {"name": "rate-limit-per-ip", "priority": 0, "action": {"block": {}},
            "statement": {"rateBasedStatement": {"limit": limit, "aggregateKeyType": "IP",
                                                 "evaluationWindowSec": 300}},
            "visibilityConfig": visibility("edge-rate-limit-per-ip")}


def test_default_web_acl_allows_by_default_with_three_managed_groups_and_a_rate_limit() -> None:
    recording, acl = build()
    assert acl.inputs["scope"] == "REGIONAL", acl.urn
    assert "region" not in acl.inputs, acl.urn  # the provider's region
    assert acl.inputs["defaultAction"] == {"allow": {}}, acl.urn
    assert acl.inputs["visibilityConfig"] == visibility("edge"), acl.urn
    assert acl.inputs["rules"] == [
        rate_rule(2000),
        managed("AWSManagedRulesAmazonIpReputationList", 1),
        managed("AWSManagedRulesCommonRuleSet", 2),
        managed("AWSManagedRulesKnownBadInputsRuleSet", 3),
    ], acl.urn
    assert recording.exports == {
        "web_acl_arn": acl.outputs["arn"], "web_acl_id": acl.resource_id,
        "scope": "REGIONAL", "monthly_fixed_cost_usd": 9.0}
    assert acl.outputs["arn"].startswith("arn:aws:wafv2:us-east-1:123456789012:regional/"), (
        acl.outputs["arn"])
    root = recording.one(COMPONENT, "edge")
    assert acl.parent == root.urn
    assert len(recording.resources) == 2
    assert_all_tagged(recording, COMPONENT)


def test_cloudfront_scope_is_created_in_us_east_1_whatever_the_stack_region() -> None:
    recording, acl = build(region="eu-west-1", scope=WafScope.CLOUDFRONT)
    assert acl.inputs["scope"] == "CLOUDFRONT", acl.urn
    assert acl.inputs["region"] == "us-east-1", acl.urn
    assert acl.outputs["arn"].startswith("arn:aws:wafv2:us-east-1:123456789012:global/"), (
        acl.outputs["arn"])
    assert recording.exports["scope"] == "CLOUDFRONT"


def test_rule_groups_and_rate_limit_follow_the_args_and_the_price_counts_them() -> None:
    groups = ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesSQLiRuleSet"]
    recording, acl = build(managed_rule_groups=groups, rate_limit_per_5min=500)
    assert acl.inputs["rules"] == [rate_rule(500), managed(groups[0], 1),
                                   managed(groups[1], 2)], acl.urn
    # $5 the web ACL, $1 each rule: the rate rule and two groups.
    assert recording.exports["monthly_fixed_cost_usd"] == 8.0


def test_price_table() -> None:
    assert waf_monthly_fixed_usd(0) == 5.0
    assert waf_monthly_fixed_usd(4) == 9.0
    assert WAF_REQUESTS_PER_MILLION_USD == 0.6


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"scope": "GLOBAL"}, "WafArgs: scope must be one of ['REGIONAL', 'CLOUDFRONT']; got "
                          "'GLOBAL'"),
    ({"managed_rule_groups": ["AWSManagedRulesBotControlRuleSet"]},
     "WafArgs: managed_rule_groups: unknown rule groups ['AWSManagedRulesBotControlRuleSet']; "
     "allowed (the free AWS managed rule groups): "
     f"{', '.join(sorted(WAF_MANAGED_RULE_GROUPS))}"),
    ({"managed_rule_groups": ["AWSManagedRulesCommonRuleSet"] * 2},
     "WafArgs: managed_rule_groups: repeats ['AWSManagedRulesCommonRuleSet']"),
    ({"rate_limit_per_5min": 9}, "WafArgs: rate_limit_per_5min must be 10..2000000000; got 9"),
    ({"rate_limit_per_5min": 2_000_000_001},
     "WafArgs: rate_limit_per_5min must be 10..2000000000; got 2000000001"),
    ({"rate_limit": 100}, "WafArgs: unknown fields ['rate_limit']"),
])
def test_rejects_what_waf_would_refuse(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as raised:
        build(**kwargs)
    assert str(raised.value) == message


def test_the_analyzer_infers_the_interface() -> None:
    assert_component_schema(Waf, None, {"web_acl_arn", "web_acl_id", "scope",
                                        "monthly_fixed_cost_usd"})
