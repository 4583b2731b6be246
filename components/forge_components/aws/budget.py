"""A monthly AWS cost budget with e-mail alerts on actual and forecast spend, and a Cost Anomaly
Detection monitor with a daily e-mail subscription.

Budget notifications fire on a percentage of the limit (`thresholds_percent`) or on fixed
amounts (`thresholds_usd`, e.g. the design plan's $500 and $1000). The anomaly monitor watches
the costs of the tags in `tag_filter` (a CUSTOM monitor) or, without tags, the account's
services (a DIMENSIONAL monitor on SERVICE): AWS limits how many service monitors an account
holds, so stacks sharing an account should set `tag_filter` (docs/COST.md, "Budget as code").
Sources: https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_AnomalyMonitor.html
and API_AnomalySubscription.html (threshold expression on ANOMALY_TOTAL_IMPACT_ABSOLUTE).
"""

import dataclasses
import json
from typing import NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from forge_components.aws.limits import BUDGET_MAX_EMAIL_SUBSCRIBERS, BUDGET_MAX_NOTIFICATIONS
from forge_components.aws.tags import resource_tags
from forge_components.common import child_opts

TYPE_TOKEN = "forge-aws:index:Budget"


class BudgetArgs(TypedDict):
    """Inputs of `Budget`."""

    monthly_limit_usd: float
    """The monthly cost limit in USD (above 0). Required."""
    alert_emails: NotRequired[list[str]]
    """Who is e-mailed when a threshold is crossed (at most 10); no notifications when empty.
    Defaults to []."""
    thresholds_percent: NotRequired[list[int]]
    """Alert on actual spend at each of these percentages of the limit (at most 9, each above
    0), and on forecast spend at 100%. Defaults to [80, 100]."""
    thresholds_usd: NotRequired[list[float]]
    """Alert on actual spend reaching each of these amounts in USD, whatever the limit (each
    above 0; they count against the same 10 notifications). Defaults to []."""
    anomaly_threshold_usd: NotRequired[float]
    """Create a Cost Anomaly Detection monitor and, when `alert_emails` is not empty, a daily
    e-mail subscription for anomalies whose total impact reaches this many USD (above 0); 0
    creates neither. Defaults to 100."""
    tag_filter: NotRequired[dict[str, str]]
    """Count only costs carrying these tags (cost-allocation tags must be activated);
    empty counts the whole account. Defaults to {}."""
    tags: NotRequired[dict[str, str]]
    """Tags on the budget. Defaults to {}."""


@dataclasses.dataclass(frozen=True)
class _Settings:
    """`BudgetArgs` with every default applied (the host passes a plain dict)."""

    monthly_limit_usd: float
    alert_emails: list[str] = dataclasses.field(default_factory=list)
    thresholds_percent: list[int] = dataclasses.field(default_factory=lambda: [80, 100])
    thresholds_usd: list[float] = dataclasses.field(default_factory=list)
    anomaly_threshold_usd: float = 100.0
    tag_filter: dict[str, str] = dataclasses.field(default_factory=dict)
    tags: dict[str, str] = dataclasses.field(default_factory=dict)


def _settings(args: BudgetArgs) -> _Settings:
    """The args with defaults applied, checked against the AWS Budgets limits."""
    s = _Settings(**args)
    if not s.monthly_limit_usd > 0:
        raise ValueError(f"Budget: monthly_limit_usd must be above 0, got {s.monthly_limit_usd}")
    if len(s.alert_emails) > BUDGET_MAX_EMAIL_SUBSCRIBERS:
        raise ValueError(f"Budget: alert_emails lists {len(s.alert_emails)} addresses; a "
                         f"notification allows at most {BUDGET_MAX_EMAIL_SUBSCRIBERS}")
    if len(s.thresholds_percent) + len(s.thresholds_usd) > BUDGET_MAX_NOTIFICATIONS - 1:
        amounts = f" and thresholds_usd {len(s.thresholds_usd)}" if s.thresholds_usd else ""
        raise ValueError(
            f"Budget: thresholds_percent lists {len(s.thresholds_percent)} thresholds{amounts}; "
            f"at most {BUDGET_MAX_NOTIFICATIONS - 1} fit next to the forecast alert "
            f"({BUDGET_MAX_NOTIFICATIONS} notifications per budget)")
    low = [p for p in s.thresholds_percent if p <= 0]
    if low:
        raise ValueError(f"Budget: thresholds_percent must be above 0, got {low}")
    low_usd = [a for a in s.thresholds_usd if a <= 0]
    if low_usd:
        raise ValueError(f"Budget: thresholds_usd must be above 0, got {low_usd}")
    if s.anomaly_threshold_usd < 0:
        raise ValueError(f"Budget: anomaly_threshold_usd must be 0 (no monitor) or above, got "
                         f"{s.anomaly_threshold_usd}")
    return s


class Budget(pulumi.ComponentResource):
    """An AWS Budgets cost budget for one stack, alerting before the money is spent."""

    budget_name: pulumi.Output[str]
    """The budget's name (`<name>-monthly`)."""
    anomaly_monitor_arn: pulumi.Output[str] | None
    """The Cost Anomaly Detection monitor's ARN; None when `anomaly_threshold_usd` is 0."""

    def __init__(self, name: str, args: BudgetArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        s = _settings(args)
        notifications = []
        if s.alert_emails:
            notifications = [
                aws.budgets.BudgetNotificationArgs(
                    comparison_operator="GREATER_THAN", notification_type="ACTUAL",
                    threshold=float(percent), threshold_type="PERCENTAGE",
                    subscriber_email_addresses=list(s.alert_emails))
                for percent in s.thresholds_percent
            ] + [
                aws.budgets.BudgetNotificationArgs(
                    comparison_operator="GREATER_THAN", notification_type="ACTUAL",
                    threshold=float(amount), threshold_type="ABSOLUTE_VALUE",
                    subscriber_email_addresses=list(s.alert_emails))
                for amount in s.thresholds_usd
            ] + [aws.budgets.BudgetNotificationArgs(
                comparison_operator="GREATER_THAN", notification_type="FORECASTED",
                threshold=100.0, threshold_type="PERCENTAGE",
                subscriber_email_addresses=list(s.alert_emails))]
        cost_filters = [
            aws.budgets.BudgetCostFilterArgs(name="TagKeyValue",
                                             values=[f"user:{k}${v}" for k, v in
                                                     sorted(s.tag_filter.items())])
        ] if s.tag_filter else None
        budget = aws.budgets.Budget(
            f"{name}-monthly",
            name=f"{name}-monthly",
            budget_type="COST",
            time_unit="MONTHLY",
            limit_amount=f"{s.monthly_limit_usd:.2f}",
            limit_unit="USD",
            cost_filters=cost_filters,
            notifications=notifications or None,
            tags=resource_tags(f"{name}-monthly", TYPE_TOKEN, s.tags),
            opts=child_opts(self))
        self.budget_name = budget.name
        self.anomaly_monitor_arn = None
        if s.anomaly_threshold_usd > 0:
            self.anomaly_monitor_arn = self._anomaly_detection(name, s)
        self.register_outputs({"budget_name": self.budget_name,
                               "anomaly_monitor_arn": self.anomaly_monitor_arn})

    def _anomaly_detection(self, name: str, s: _Settings) -> pulumi.Output[str]:
        """The anomaly monitor (on the tagged costs, else the account's services) and its
        daily e-mail subscription."""
        if s.tag_filter:
            tags = [{"Tags": {"Key": k, "Values": [v], "MatchOptions": ["EQUALS"]}}
                    for k, v in sorted(s.tag_filter.items())]
            spec = json.dumps(tags[0] if len(tags) == 1 else {"And": tags}, sort_keys=True)
            monitor = aws.costexplorer.AnomalyMonitor(
                f"{name}-anomalies", name=f"{name}-anomalies", monitor_type="CUSTOM",
                monitor_specification=spec,
                tags=resource_tags(f"{name}-anomalies", TYPE_TOKEN, s.tags),
                opts=child_opts(self))
        else:
            monitor = aws.costexplorer.AnomalyMonitor(
                f"{name}-anomalies", name=f"{name}-anomalies", monitor_type="DIMENSIONAL",
                monitor_dimension="SERVICE",
                tags=resource_tags(f"{name}-anomalies", TYPE_TOKEN, s.tags),
                opts=child_opts(self))
        if s.alert_emails:
            aws.costexplorer.AnomalySubscription(
                f"{name}-anomaly-alerts", name=f"{name}-anomaly-alerts", frequency="DAILY",
                monitor_arn_lists=[monitor.arn],
                subscribers=[aws.costexplorer.AnomalySubscriptionSubscriberArgs(
                    type="EMAIL", address=address) for address in s.alert_emails],
                threshold_expression=aws.costexplorer.AnomalySubscriptionThresholdExpressionArgs(
                    dimension=aws.costexplorer.AnomalySubscriptionThresholdExpressionDimensionArgs(
                        key="ANOMALY_TOTAL_IMPACT_ABSOLUTE",
                        match_options=["GREATER_THAN_OR_EQUAL"],
                        values=[f"{s.anomaly_threshold_usd:g}"])),
                tags=resource_tags(f"{name}-anomaly-alerts", TYPE_TOKEN, s.tags),
                opts=child_opts(self))
        return monitor.arn
