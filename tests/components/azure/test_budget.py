"""The Azure Budget component (a Consumption budget) under the offline mocks: monthly, at the
stack's resource group or the subscription, one e-mail notification per actual and forecast
threshold, the start date kept once created, and the budget contract.

What these tests do not prove: that Azure accepts the start date in the month it runs, or that
the e-mails arrive; only what the program asks for.
"""

from typing import Any

import pulumi
import pytest

from forge_components.azure.budget import Budget, BudgetArgs, validate_budget_args
from forge_components.contracts import BudgetOutputs
from forge_infra.plan.mocks.azure_native import KNOWN_TYPES
from forge_infra.plan.recorder import Recording
from tests.components.azure.cache_storage_support import (
    RG,
    RG_ID,
    SUB,
    assert_azure_component_schema,
    run_azure,
)

BUDGET = "azure-native:consumption:Budget"
OUTPUT_NAMES = {"budget_name", "budget_id", "scope"}
EMAILS = ["finops@example.com", "oncall@example.com"]


def _args(**overrides: Any) -> BudgetArgs:
    base: dict[str, Any] = {"amount": 500.0, "start_date": "2026-12-01",
                            "resource_group_name": RG, "alert_emails": EMAILS}
    return BudgetArgs(**(base | overrides))  # type: ignore[typeddict-item]


def build(**overrides: Any) -> Recording:
    """One Budget named "costs", its outputs exported under their own names."""
    def program() -> None:
        budget = Budget("costs", _args(**overrides))
        for key in OUTPUT_NAMES:
            pulumi.export(key, getattr(budget, key))
    return run_azure(program)


def _notification(kind: str, percent: int) -> dict[str, Any]:
    return {"enabled": True, "operator": "GreaterThan", "threshold": float(percent),
            "thresholdType": kind, "contactEmails": EMAILS}


def test_the_schema_serves_the_contract_and_every_output() -> None:
    assert_azure_component_schema(Budget, BudgetOutputs, OUTPUT_NAMES)


def test_a_monthly_cost_budget_on_the_resource_group_alerts_at_each_threshold() -> None:
    rec = build()
    budget = rec.one(BUDGET, "costs-monthly")
    inputs = budget.inputs
    assert inputs["scope"] == RG_ID, budget.urn
    assert inputs["budgetName"] == "costs-monthly"
    assert inputs["amount"] == 500.0
    assert inputs["category"] == "Cost"
    assert inputs["timeGrain"] == "Monthly"
    assert inputs["timePeriod"] == {"startDate": "2026-12-01T00:00:00Z"}
    assert inputs["notifications"] == {
        "Actual_GreaterThan_80_Percent": _notification("Actual", 80),
        "Actual_GreaterThan_100_Percent": _notification("Actual", 100),
        "Forecasted_GreaterThan_100_Percent": _notification("Forecasted", 100),
    }
    assert budget.ignore_changes == ["timePeriod"]
    assert budget.resource_id == f"{RG_ID}/providers/Microsoft.Consumption/budgets/costs-monthly"
    assert rec.exports == {"budget_name": "costs-monthly", "budget_id": budget.resource_id,
                           "scope": RG_ID}


def test_without_a_resource_group_the_budget_counts_the_subscription() -> None:
    rec = build(resource_group_name=None)
    assert rec.one(BUDGET).inputs["scope"] == f"/subscriptions/{SUB}"


def test_the_thresholds_come_from_the_args() -> None:
    rec = build(thresholds_percent=[50, 90, 120], forecast_thresholds_percent=[100, 150])
    assert sorted(rec.one(BUDGET).inputs["notifications"]) == [
        "Actual_GreaterThan_120_Percent", "Actual_GreaterThan_50_Percent",
        "Actual_GreaterThan_90_Percent", "Forecasted_GreaterThan_100_Percent",
        "Forecasted_GreaterThan_150_Percent"]


def test_no_addresses_no_notifications() -> None:
    rec = build(alert_emails=[])
    assert "notifications" not in rec.one(BUDGET).inputs


@pytest.mark.parametrize(("overrides", "message"), [
    ({"amount": 0}, "Budget: amount must be above 0, got 0"),
    ({"start_date": "2026-12-02"},
     "Budget: start_date '2026-12-02' must be the first day of a month, 'YYYY-MM-01', on or "
     "after 2017-06-01"),
    ({"start_date": "2017-05-01"},
     "Budget: start_date '2017-05-01' must be the first day of a month, 'YYYY-MM-01', on or "
     "after 2017-06-01"),
    ({"alert_emails": ["finops"]}, "Budget: alert_emails are not e-mail addresses: ['finops']"),
    ({"alert_emails": EMAILS + EMAILS[:1]}, "Budget: alert_emails repeat an address"),
    ({"thresholds_percent": [0, 80]},
     "Budget: thresholds_percent must be above 0 and at most 1000, got [0]"),
    ({"forecast_thresholds_percent": [1001]},
     "Budget: forecast_thresholds_percent must be above 0 and at most 1000, got [1001]"),
    ({"thresholds_percent": [80, 80]}, "Budget: thresholds_percent repeat a threshold: [80, 80]"),
    ({"thresholds_percent": [50, 80, 100, 120, 150]},
     "Budget: thresholds_percent and forecast_thresholds_percent make 6 notifications; a "
     "budget takes at most 5"),
    ({"resource_group_name": "bad/name"},
     "Budget: resource_group_name 'bad/name' is not a resource group name"),
])
def test_invalid_args_are_refused_with_the_field_and_what_is_allowed(
        overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as error:
        validate_budget_args("costs", _args(**overrides))
    assert str(error.value) == message


@pytest.mark.parametrize("name", ["Costs", "costs-", "co--sts", "1costs", "c" * 56])
def test_names_are_refused_with_the_rule(name: str) -> None:
    with pytest.raises(ValueError, match=r"^Budget: name "):
        validate_budget_args(name, _args())


def test_the_offline_mocks_answer_every_type_with_an_arm_id() -> None:
    rec = build()
    used = {r.type for r in rec.resources if r.custom}
    assert used <= KNOWN_TYPES, sorted(used - KNOWN_TYPES)
    for resource in rec.resources:
        if resource.custom:
            assert str(resource.resource_id).startswith("/subscriptions/"), resource.urn
