"""A monthly Azure cost budget for one stack, with e-mail alerts on actual and forecast spend.

What it creates: one Consumption budget (`consumption.Budget`, API 2024-08-01 in
pulumi_azure_native 3.29.0; not `costmanagement.Budget` as well, the same ARM type under
another module) at the stack's resource group, or at the subscription when no resource group
is given:

* category Cost, time grain Monthly, the amount in the billing account's currency;
* one notification on actual cost at each of `thresholds_percent` and one on forecast cost at
  each of `forecast_thresholds_percent` (80 and 100 actual, 100 forecast by default, as the AWS
  and GCP budgets do), each e-mailing `alert_emails`; a budget takes at most five
  notifications and thresholds of 0..1000 percent (`limits.BUDGET_MAX_NOTIFICATIONS`,
  `BUDGET_THRESHOLD_PERCENT`). Without `alert_emails` the budget has no notification (Azure
  needs a contact for each at these scopes).

Budgets alert; they never stop spending. The start date must be the first day of a month, not
in a past month and at most twelve months ahead, when the budget is created; Azure keeps it,
so later runs ignore changes to it (a stack created in another month passes another date
without replacing the budget).
"""

import dataclasses
import re
from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import authorization, consumption

from forge_components.azure.limits import (
    BUDGET_MAX_NOTIFICATIONS,
    BUDGET_THRESHOLD_PERCENT,
    RESOURCE_GROUP_NAME,
)
from forge_components.common import child_opts

COMPONENT = "forge-azure:index:Budget"
_NAME = re.compile(r"[a-z]([a-z0-9]|-(?!-))*[a-z0-9]")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_START_DATE = re.compile(r"(20[1-9][0-9])-(0[1-9]|1[0-2])-01")
#: Budgets exist from June 2017 (SDK `consumption.Budget.time_period`: "on or after June 1,
#: 2017").
_EARLIEST_START = "2017-06-01"
#: Budget names: letters, digits, '-' and '_' (the component's `<name>-monthly`), at most 63.
_BUDGET_NAME_MAX = 63
_SUFFIX = "-monthly"


class BudgetArgs(TypedDict):
    """Inputs of the Azure `Budget`."""

    amount: float
    """The monthly amount, in the billing account's currency (above 0). Required."""
    start_date: str
    """The first day of the month the budget starts ("YYYY-MM-01"): not a past month and at
    most twelve months ahead when it is created; later changes are ignored. Required."""
    resource_group_name: NotRequired[pulumi.Input[str]]
    """Count only this resource group's costs (the stack's); unset counts the whole
    subscription. Defaults to unset (the subscription)."""
    alert_emails: NotRequired[list[str]]
    """Who is e-mailed when a threshold is crossed; none creates no notification. Defaults to
    []."""
    thresholds_percent: NotRequired[list[int]]
    """Alert on actual cost at each of these percentages of the amount (above 0, at most
    1000). Defaults to [80, 100]."""
    forecast_thresholds_percent: NotRequired[list[int]]
    """Alert on forecast cost at each of these percentages (above 0, at most 1000); together
    with `thresholds_percent` at most 5. Defaults to [100]."""


@dataclasses.dataclass(frozen=True)
class _Settings:
    """`BudgetArgs` with every default applied (the host passes a plain dict)."""

    amount: float
    start_date: str
    resource_group_name: pulumi.Input[str] | None = None
    alert_emails: list[str] = dataclasses.field(default_factory=list)
    thresholds_percent: list[int] = dataclasses.field(default_factory=lambda: [80, 100])
    forecast_thresholds_percent: list[int] = dataclasses.field(default_factory=lambda: [100])


def _fail(message: str) -> ValueError:
    return ValueError(f"Budget: {message}")


def validate_budget_args(name: str, args: BudgetArgs) -> _Settings:
    """The args with defaults applied, checked; a ValueError names the field and what is
    allowed. Pure (no Pulumi calls, no clock)."""
    s = _Settings(**args)
    if not _NAME.fullmatch(name) or len(name) + len(_SUFFIX) > _BUDGET_NAME_MAX:
        raise _fail(f"name {name!r} must be lower-case letters, digits and single dashes (a "
                    f"letter first, no dash last), at most {_BUDGET_NAME_MAX - len(_SUFFIX)} "
                    "characters")
    if not s.amount > 0:
        raise _fail(f"amount must be above 0, got {s.amount}")
    if not _START_DATE.fullmatch(s.start_date) or s.start_date < _EARLIEST_START:
        raise _fail(f"start_date {s.start_date!r} must be the first day of a month, "
                    f"'YYYY-MM-01', on or after {_EARLIEST_START}")
    if isinstance(s.resource_group_name, str) and not RESOURCE_GROUP_NAME.fullmatch(
            s.resource_group_name):
        raise _fail(f"resource_group_name {s.resource_group_name!r} is not a resource group "
                    "name")
    bad = [e for e in s.alert_emails if not _EMAIL.fullmatch(e)]
    if bad:
        raise _fail(f"alert_emails are not e-mail addresses: {bad}")
    if len(set(s.alert_emails)) != len(s.alert_emails):
        raise _fail("alert_emails repeat an address")
    low, high = BUDGET_THRESHOLD_PERCENT
    for field in ("thresholds_percent", "forecast_thresholds_percent"):
        values: list[int] = getattr(s, field)
        outside = [p for p in values if not low < p <= high]
        if outside:
            raise _fail(f"{field} must be above {low} and at most {high}, got {outside}")
        if len(set(values)) != len(values):
            raise _fail(f"{field} repeat a threshold: {values}")
    count = len(s.thresholds_percent) + len(s.forecast_thresholds_percent)
    if s.alert_emails and count > BUDGET_MAX_NOTIFICATIONS:
        raise _fail(f"thresholds_percent and forecast_thresholds_percent make {count} "
                    f"notifications; a budget takes at most {BUDGET_MAX_NOTIFICATIONS}")
    return s


def notifications(s: _Settings) -> dict[str, consumption.NotificationArgs]:
    """The budget's notifications by key (`<Actual|Forecasted>_GreaterThan_<p>_Percent`, the
    form of Microsoft's examples); none without `alert_emails`."""
    if not s.alert_emails:
        return {}
    return {f"{kind}_GreaterThan_{percent}_Percent": consumption.NotificationArgs(
        enabled=True,
        operator=consumption.OperatorType.GREATER_THAN,
        threshold=float(percent),
        threshold_type=kind,
        contact_emails=list(s.alert_emails))
        for kind, percents in (("Actual", s.thresholds_percent),
                               ("Forecasted", s.forecast_thresholds_percent))
        for percent in percents}


class Budget(pulumi.ComponentResource):
    """A monthly Consumption budget on the stack's resource group (or subscription), e-mailing
    on actual and forecast cost before the money is spent."""

    budget_name: pulumi.Output[str]
    """The budget's name."""
    budget_id: pulumi.Output[str]
    """The budget's ARM id (under its scope)."""
    scope: pulumi.Output[str]
    """The scope the budget counts: the resource group's or the subscription's ARM id."""

    def __init__(self, name: str, args: BudgetArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, opts)
        s = validate_budget_args(name, args)
        client = authorization.get_client_config_output(
            opts=pulumi.InvokeOutputOptions(parent=self))
        subscription = client.subscription_id.apply(lambda sub: f"/subscriptions/{sub}")
        scope: pulumi.Output[str] = (
            subscription if s.resource_group_name is None else
            pulumi.Output.concat(subscription, "/resourceGroups/", s.resource_group_name))
        budget = consumption.Budget(
            f"{name}{_SUFFIX}",
            budget_name=f"{name}{_SUFFIX}",
            scope=scope,
            amount=s.amount,
            category=consumption.CategoryType.COST,
            time_grain=consumption.TimeGrainType.MONTHLY,
            time_period=consumption.BudgetTimePeriodArgs(start_date=f"{s.start_date}T00:00:00Z"),
            notifications=notifications(s) or None,
            # The start date only counts at creation (Azure refuses a past month then).
            opts=child_opts(self, ignore_changes=["timePeriod"]))

        self.budget_name = budget.name
        self.budget_id = budget.id
        self.scope = scope
        self.register_outputs({"budget_name": self.budget_name, "budget_id": self.budget_id,
                               "scope": self.scope})
