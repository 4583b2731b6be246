"""A monthly GCP billing budget for one stack's project, with e-mail alerts.

What it creates:

* one Cloud Monitoring e-mail notification channel per address
  (`monitoring.NotificationChannel`, type "email", the address in the `email_address` label);
* a Cloud Billing budget (`billing.Budget`) on the billing account, counting only the stack's
  project (`budget_filter.projects`, in the `projects/<number>` form the API takes) and, when
  given, one label pair (the filter takes "a single label and value pair"); a threshold rule on
  current spend at each of `thresholds_percent` and one on forecast spend at 100% (as the AWS
  Budget does); the channels linked through `all_updates_rule.monitoring_notification_channels`
  (at most 5, `limits.BUDGET_MAX_NOTIFICATION_CHANNELS`).

Sources: pulumi_gcp 10.2 `billing.Budget` and `billing.BudgetThresholdRuleArgs`
(`threshold_percent` is 1.0-based, "0.5 = 50%"; `spend_basis` CURRENT_SPEND or
FORECASTED_SPEND), `monitoring.NotificationChannel`; budgets alert and never cap spend
(https://cloud.google.com/billing/docs/how-to/budgets). With user credentials the provider
needs `billing_project` and `user_project_override` set, or the Billing Budget API answers 403
(pulumi_gcp 10.2 `billing.Budget` docstring): a provider setting, not this component's.
"""

import dataclasses
import re
from typing import NotRequired, TypedDict

import pulumi
import pulumi_gcp as gcp

from forge_components.common import child_opts
from forge_components.gcp.labels import resource_labels
from forge_components.gcp.limits import (
    BILLING_ACCOUNT_ID,
    BUDGET_MAX_NOTIFICATION_CHANNELS,
    RESOURCE_NAME,
)

COMPONENT = "forge-gcp:index:Budget"
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_CURRENCY = re.compile(r"[A-Z]{3}")


class BudgetArgs(TypedDict):
    """Inputs of the GCP `Budget`."""

    billing_account: str
    """The billing account's id (`XXXXXX-XXXXXX-XXXXXX`) the budget belongs to. Required."""
    project_number: pulumi.Input[str]
    """The number (not the id) of the project whose costs count. Required."""
    monthly_limit: float
    """The monthly amount, in `currency_code` (above 0). Required."""
    currency_code: NotRequired[str]
    """ISO 4217 code of the amount; it must be the billing account's currency ("If specified
    when creating a budget, it must match the currency of the billing account", Budget API
    `BudgetAmount.specified_amount`). Defaults to "USD"."""
    alert_emails: NotRequired[list[str]]
    """Who is e-mailed (one notification channel each, at most 5) when a threshold is crossed;
    none leaves only the billing account's default recipients. Defaults to []."""
    thresholds_percent: NotRequired[list[int]]
    """Alert on current spend at each of these percentages of the amount (each above 0), and
    on forecast spend at 100%. Defaults to [80, 100]."""
    label_filter: NotRequired[dict[str, str]]
    """Count only costs of resources carrying this label (one key and value at most); empty
    counts the whole project. Defaults to {}."""
    labels: NotRequired[dict[str, str]]
    """User labels on the notification channels. Defaults to {}."""


@dataclasses.dataclass(frozen=True)
class _Settings:
    """`BudgetArgs` with every default applied (the host passes a plain dict)."""

    billing_account: str
    project_number: pulumi.Input[str]
    monthly_limit: float
    currency_code: str = "USD"
    alert_emails: list[str] = dataclasses.field(default_factory=list)
    thresholds_percent: list[int] = dataclasses.field(default_factory=lambda: [80, 100])
    label_filter: dict[str, str] = dataclasses.field(default_factory=dict)
    labels: dict[str, str] = dataclasses.field(default_factory=dict)


def _fail(message: str) -> ValueError:
    return ValueError(f"Budget: {message}")


def validate_budget_args(name: str, args: BudgetArgs) -> _Settings:
    """The args with defaults applied, checked; a ValueError names the field and what is
    allowed. Pure (no Pulumi calls)."""
    s = _Settings(**args)
    if not RESOURCE_NAME.fullmatch(name):
        raise _fail(f"name {name!r} must be lower-case letters, digits and dashes")
    if not BILLING_ACCOUNT_ID.fullmatch(s.billing_account):
        raise _fail(f"billing_account {s.billing_account!r} is not a billing account id "
                    "(XXXXXX-XXXXXX-XXXXXX)")
    if isinstance(s.project_number, str) and not s.project_number.isdigit():
        raise _fail(f"project_number {s.project_number!r} must be the project's number, "
                    "not its id")
    if not s.monthly_limit > 0:
        raise _fail(f"monthly_limit must be above 0, got {s.monthly_limit}")
    if not _CURRENCY.fullmatch(s.currency_code):
        raise _fail(f"currency_code {s.currency_code!r} is not an ISO 4217 code")
    if len(s.alert_emails) > BUDGET_MAX_NOTIFICATION_CHANNELS:
        raise _fail(f"alert_emails lists {len(s.alert_emails)} addresses; a budget takes at "
                    f"most {BUDGET_MAX_NOTIFICATION_CHANNELS} notification channels")
    bad = [e for e in s.alert_emails if not _EMAIL.fullmatch(e)]
    if bad:
        raise _fail(f"alert_emails are not e-mail addresses: {bad}")
    if len(set(s.alert_emails)) != len(s.alert_emails):
        raise _fail("alert_emails repeat an address")
    low = [p for p in s.thresholds_percent if p <= 0]
    if low:
        raise _fail(f"thresholds_percent must be above 0, got {low}")
    if len(s.label_filter) > 1:
        raise _fail("label_filter takes a single label and value pair")
    resource_labels(COMPONENT, s.label_filter)
    resource_labels(COMPONENT, s.labels)
    return s


def _amount(limit: float) -> tuple[str, int]:
    """A decimal amount as the API's whole `units` (a string) and `nanos`."""
    units = int(limit)
    return str(units), round((limit - units) * 1_000_000_000)


class Budget(pulumi.ComponentResource):
    """A Cloud Billing budget on one project's costs, e-mailing through Cloud Monitoring
    notification channels before the money is spent."""

    budget_name: pulumi.Output[str]
    """The budget's resource name (`billingAccounts/<account>/budgets/<id>`)."""
    notification_channel_ids: pulumi.Output[list[str]]
    """The e-mail notification channels' resource names, in `alert_emails` order."""

    def __init__(self, name: str, args: BudgetArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, opts)
        s = validate_budget_args(name, args)
        labels = resource_labels(COMPONENT, s.labels)

        channels = [gcp.monitoring.NotificationChannel(
            f"{name}-email-{i + 1}",
            type="email",
            display_name=f"forge {name} budget: {address}",
            labels={"email_address": address},
            user_labels=labels,
            opts=child_opts(self)) for i, address in enumerate(s.alert_emails)]

        units, nanos = _amount(s.monthly_limit)
        rules = [gcp.billing.BudgetThresholdRuleArgs(
            threshold_percent=percent / 100, spend_basis="CURRENT_SPEND")
            for percent in s.thresholds_percent]
        rules.append(gcp.billing.BudgetThresholdRuleArgs(
            threshold_percent=1.0, spend_basis="FORECASTED_SPEND"))
        budget = gcp.billing.Budget(
            f"{name}-monthly",
            billing_account=s.billing_account,
            display_name=f"{name}-monthly",
            budget_filter=gcp.billing.BudgetBudgetFilterArgs(
                projects=[pulumi.Output.concat("projects/", s.project_number)],
                labels=dict(s.label_filter) or None,
                calendar_period="MONTH",
                credit_types_treatment="INCLUDE_ALL_CREDITS"),
            amount=gcp.billing.BudgetAmountArgs(
                specified_amount=gcp.billing.BudgetAmountSpecifiedAmountArgs(
                    currency_code=s.currency_code, units=units, nanos=nanos)),
            threshold_rules=rules,
            all_updates_rule=gcp.billing.BudgetAllUpdatesRuleArgs(
                monitoring_notification_channels=[c.name for c in channels],
                disable_default_iam_recipients=False,
            ) if channels else None,
            opts=child_opts(self))

        self.budget_name = budget.name
        self.notification_channel_ids = pulumi.Output.all(*[c.name for c in channels]).apply(
            lambda names: [str(n) for n in names])
        self.register_outputs({"budget_name": self.budget_name,
                               "notification_channel_ids": self.notification_channel_ids})
