"""A monthly AWS cost budget with e-mail alerts on actual and forecast spend."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import pulumi
import pulumi_aws as aws

from forge_components.common import child_opts, resource_tags

TYPE_TOKEN = "forge-aws:index:Budget"


@dataclasses.dataclass
class BudgetArgs:
    """Inputs of `Budget`."""

    monthly_limit_usd: float
    """The monthly cost limit in USD. Required."""
    alert_emails: Sequence[str] = ()
    """Who is e-mailed when a threshold is crossed; no notifications when empty.
    Defaults to ()."""
    thresholds_percent: Sequence[int] = (80, 100)
    """Alert on actual spend at each of these percentages of the limit, and on forecast spend
    at 100%. Defaults to (80, 100)."""
    tag_filter: Mapping[str, str] = dataclasses.field(default_factory=dict)
    """Count only costs carrying these tags (cost-allocation tags must be activated);
    empty counts the whole account. Defaults to {}."""
    tags: Mapping[str, str] = dataclasses.field(default_factory=dict)
    """Tags on the budget. Defaults to {}."""


class Budget(pulumi.ComponentResource):
    """An AWS Budgets cost budget for one stack, alerting before the money is spent."""

    budget_name: pulumi.Output[str]

    def __init__(self, name: str, args: BudgetArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        notifications = []
        if args.alert_emails:
            notifications = [
                aws.budgets.BudgetNotificationArgs(
                    comparison_operator="GREATER_THAN", notification_type="ACTUAL",
                    threshold=float(percent), threshold_type="PERCENTAGE",
                    subscriber_email_addresses=list(args.alert_emails))
                for percent in args.thresholds_percent
            ] + [aws.budgets.BudgetNotificationArgs(
                comparison_operator="GREATER_THAN", notification_type="FORECASTED",
                threshold=100.0, threshold_type="PERCENTAGE",
                subscriber_email_addresses=list(args.alert_emails))]
        cost_filters = [
            aws.budgets.BudgetCostFilterArgs(name="TagKeyValue",
                                             values=[f"user:{k}${v}" for k, v in
                                                     sorted(args.tag_filter.items())])
        ] if args.tag_filter else None
        budget = aws.budgets.Budget(
            f"{name}-monthly",
            name=f"{name}-monthly",
            budget_type="COST",
            time_unit="MONTHLY",
            limit_amount=f"{args.monthly_limit_usd:.2f}",
            limit_unit="USD",
            cost_filters=cost_filters,
            notifications=notifications or None,
            tags=resource_tags(f"{name}-monthly", TYPE_TOKEN, args.tags),
            opts=child_opts(self))
        self.budget_name = budget.name
        self.register_outputs({"budget_name": self.budget_name})
