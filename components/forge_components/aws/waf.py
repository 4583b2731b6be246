"""A WAF (v2) web ACL: AWS managed rule groups and a per-IP rate limit in front of the app.

`Waf` creates one web ACL that allows what no rule blocks:

- a rate-based rule (priority 0) that blocks an IP address sending more than
  `rate_limit_per_5min` requests in 5 minutes;
- the AWS managed rule groups named in `managed_rule_groups` (priorities 1..n, in that order),
  each with its own actions (`override_action: none`). By default the Amazon IP reputation
  list, the Core rule set (CRS) and Known bad inputs;
- CloudWatch metrics and sampled requests on, for the web ACL and for every rule.

Scope: `REGIONAL` for an Application Load Balancer (associate it with
`aws.wafv2.WebAclAssociation`, e.g. `EcsComputeArgs.web_acl_arn`, or on EKS the Ingress
annotation `alb.ingress.kubernetes.io/wafv2-acl-arn`), `CLOUDFRONT` for a distribution (its
`web_acl_id`, e.g. `CdnArgs.web_acl_id`). A CLOUDFRONT web ACL must be created in us-east-1
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-wafv2-webacl.html#cfn-wafv2-webacl-scope):
the component sets the resource's own `region` to us-east-1 (pulumi-aws 7's per-resource region
override, https://hashicorp.github.io/terraform-provider-aws/enhanced-region-support), so the
caller's provider, with its credentials and assumed roles, manages it and no second provider is
needed.

The fixed monthly price (`monthly_fixed_cost_usd`) is the web ACL plus one rule price per rule
and per managed rule group (`limits.waf_monthly_fixed_usd`); requests are billed on top,
`limits.WAF_REQUESTS_PER_MILLION_USD` per million.
"""

import dataclasses
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from forge_components.aws.limits import (
    WAF_CLOUDFRONT_REGION,
    WAF_DEFAULT_RATE_LIMIT,
    WAF_DEFAULT_RULE_GROUPS,
    WAF_RATE_LIMIT,
    WafScope,
    waf_monthly_fixed_usd,
    waf_rule_groups_problem,
)
from forge_components.aws.tags import resource_tags
from forge_components.common import child_opts

COMPONENT = "forge-aws:index:Waf"

#: The name (and metric name suffix) of the rate-based rule.
RATE_LIMIT_RULE = "rate-limit-per-ip"
#: The vendor of every managed rule group the component uses.
MANAGED_RULE_VENDOR = "AWS"
#: The rate-based rule's evaluation window, seconds (the "per 5 minutes" of the limit).
RATE_WINDOW_SECONDS = 300


class WafArgs(TypedDict):
    """The inputs of a `Waf` component."""

    scope: NotRequired[WafScope]
    """REGIONAL (an Application Load Balancer, in the provider's region) or CLOUDFRONT (a
    distribution; created in us-east-1). Defaults to WafScope.REGIONAL."""
    managed_rule_groups: NotRequired[list[str]]
    """AWS managed rule groups (vendor AWS) to evaluate, in this order; free groups only (see
    `limits.WAF_MANAGED_RULE_GROUPS`). Defaults to ["AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"]."""
    rate_limit_per_5min: NotRequired[int]
    """Requests one IP address may send in 5 minutes before the rate-based rule blocks it
    (10..2,000,000,000). Defaults to 2000."""
    tags: NotRequired[dict[str, str]]
    """Tags added to the web ACL. Defaults to {}."""


@dataclasses.dataclass(frozen=True)
class _Settings:
    """`WafArgs` with every default applied and every rule checked."""

    scope: WafScope = WafScope.REGIONAL
    managed_rule_groups: tuple[str, ...] = WAF_DEFAULT_RULE_GROUPS
    rate_limit_per_5min: int = WAF_DEFAULT_RATE_LIMIT
    tags: dict[str, str] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_args(cls, args: WafArgs) -> "_Settings":
        """Apply the defaults to `args` and reject what AWS WAF would refuse."""
        values: dict[str, Any] = dict(args)
        unknown = sorted(set(values) - {f.name for f in dataclasses.fields(cls)})
        if unknown:
            raise ValueError(f"WafArgs: unknown fields {unknown}")
        if "scope" in values:
            try:
                values["scope"] = WafScope(values["scope"])
            except ValueError:
                raise ValueError(f"WafArgs: scope must be one of "
                                 f"{[s.value for s in WafScope]}; got {values['scope']!r}"
                                 ) from None
        if "managed_rule_groups" in values:
            values["managed_rule_groups"] = tuple(values["managed_rule_groups"])
        settings = cls(**values)
        groups_problem = waf_rule_groups_problem(settings.managed_rule_groups)
        if groups_problem is not None:
            raise ValueError(f"WafArgs: managed_rule_groups: {groups_problem}")
        low, high = WAF_RATE_LIMIT
        if not low <= settings.rate_limit_per_5min <= high:
            raise ValueError(f"WafArgs: rate_limit_per_5min must be {low}..{high}; got "
                             f"{settings.rate_limit_per_5min}")
        return settings


def _visibility(metric_name: str) -> aws.wafv2.WebAclRuleVisibilityConfigArgs:
    """CloudWatch metrics and sampled requests on, under `metric_name`."""
    return aws.wafv2.WebAclRuleVisibilityConfigArgs(
        cloudwatch_metrics_enabled=True, metric_name=metric_name, sampled_requests_enabled=True)


class Waf(pulumi.ComponentResource):
    """A web ACL with AWS managed rule groups and a per-IP rate limit."""

    web_acl_arn: pulumi.Output[str]
    """The web ACL's ARN (a distribution's `web_acl_id`, a `WebAclAssociation`'s
    `web_acl_arn`, the EKS Ingress annotation `alb.ingress.kubernetes.io/wafv2-acl-arn`)."""
    web_acl_id: pulumi.Output[str]
    """The web ACL's id."""
    scope: pulumi.Output[str]
    """REGIONAL or CLOUDFRONT."""
    monthly_fixed_cost_usd: pulumi.Output[float]
    """The fixed monthly list price in USD: the web ACL and each of its rules and rule groups
    (requests are billed on top, $0.60 per million)."""

    def __init__(self, name: str, args: WafArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        cfg = _Settings.from_args(args)
        super().__init__(COMPONENT, name, None, opts)

        rules = [aws.wafv2.WebAclRuleArgs(
            name=RATE_LIMIT_RULE,
            priority=0,
            action=aws.wafv2.WebAclRuleActionArgs(block=aws.wafv2.WebAclRuleActionBlockArgs()),
            statement=aws.wafv2.WebAclRuleStatementArgs(
                rate_based_statement=aws.wafv2.WebAclRuleStatementRateBasedStatementArgs(
                    limit=cfg.rate_limit_per_5min, aggregate_key_type="IP",
                    evaluation_window_sec=RATE_WINDOW_SECONDS)),
            visibility_config=_visibility(f"{name}-{RATE_LIMIT_RULE}"))]
        for priority, group in enumerate(cfg.managed_rule_groups, start=1):
            rules.append(aws.wafv2.WebAclRuleArgs(
                name=group,
                priority=priority,
                override_action=aws.wafv2.WebAclRuleOverrideActionArgs(
                    none=aws.wafv2.WebAclRuleOverrideActionNoneArgs()),
                statement=aws.wafv2.WebAclRuleStatementArgs(
                    managed_rule_group_statement=(
                        aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs(
                            name=group, vendor_name=MANAGED_RULE_VENDOR))),
                visibility_config=_visibility(f"{name}-{group}")))

        acl_name = f"{name}-web-acl"
        web_acl = aws.wafv2.WebAcl(
            acl_name,
            scope=cfg.scope.value,
            region=WAF_CLOUDFRONT_REGION if cfg.scope is WafScope.CLOUDFRONT else None,
            description=f"{name}: AWS managed rule groups and a per-IP rate limit",
            default_action=aws.wafv2.WebAclDefaultActionArgs(
                allow=aws.wafv2.WebAclDefaultActionAllowArgs()),
            rules=rules,
            visibility_config=aws.wafv2.WebAclVisibilityConfigArgs(
                cloudwatch_metrics_enabled=True, metric_name=name,
                sampled_requests_enabled=True),
            tags=resource_tags(acl_name, COMPONENT, cfg.tags),
            opts=child_opts(self))

        self.web_acl_arn = web_acl.arn
        self.web_acl_id = web_acl.id
        self.scope = pulumi.Output.from_input(cfg.scope.value)
        self.monthly_fixed_cost_usd = pulumi.Output.from_input(
            waf_monthly_fixed_usd(len(rules)))
        self.register_outputs({
            "web_acl_arn": self.web_acl_arn,
            "web_acl_id": self.web_acl_id,
            "scope": self.scope,
            "monthly_fixed_cost_usd": self.monthly_fixed_cost_usd,
        })
