"""A monthly AWS cost budget with e-mail alerts on actual and forecast spend."""

import dataclasses
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
    if len(s.thresholds_percent) > BUDGET_MAX_NOTIFICATIONS - 1:
        raise ValueError(
            f"Budget: thresholds_percent lists {len(s.thresholds_percent)} thresholds; at most "
            f"{BUDGET_MAX_NOTIFICATIONS - 1} fit next to the forecast alert "
            f"({BUDGET_MAX_NOTIFICATIONS} notifications per budget)")
    low = [p for p in s.thresholds_percent if p <= 0]
    if low:
        raise ValueError(f"Budget: thresholds_percent must be above 0, got {low}")
    return s


class Budget(pulumi.ComponentResource):
    """An AWS Budgets cost budget for one stack, alerting before the money is spent."""

    budget_name: pulumi.Output[str]
    """The budget's name (`<name>-monthly`)."""

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
        self.register_outputs({"budget_name": self.budget_name})
