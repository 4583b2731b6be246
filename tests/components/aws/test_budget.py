"""The Budget component under the offline mocks: the exact notifications and filters.

What these tests do not prove: that AWS delivers the e-mails or that the cost-allocation tags
are activated in the account; only what the component asks for.
"""

import json
from typing import Any

import pulumi
import pytest

from forge_components.aws.budget import TYPE_TOKEN, Budget, BudgetArgs
from forge_infra.plan.recorder import RecordedResource
from tests.components.aws.conftest import assert_component_schema
from tests.helpers import assert_all_tagged, run_mocked

BUDGET = "aws:budgets/budget:Budget"
EMAILS = ["ops@example.com", "finance@example.com"]


def build(**overrides: Any) -> tuple[RecordedResource, dict[str, Any]]:
    """One Budget named "forge-dev-budget"; returns its aws budget and the exports."""
    values: dict[str, Any] = {"monthly_limit_usd": 500.0}

    def program() -> None:
        budget = Budget("forge-dev-budget", BudgetArgs(**(values | overrides)))
        pulumi.export("budget_name", budget.budget_name)

    rec = run_mocked(program)
    assert_all_tagged(rec, TYPE_TOKEN)
    return rec.one(BUDGET, "forge-dev-budget-monthly"), rec.exports


def _notification(kind: str, threshold: float) -> dict[str, Any]:
    return {"comparisonOperator": "GREATER_THAN", "notificationType": kind,
            "threshold": threshold, "thresholdType": "PERCENTAGE",
            "subscriberEmailAddresses": EMAILS}


def test_monthly_cost_budget_in_usd() -> None:
    budget, exports = build()
    assert budget.inputs["name"] == "forge-dev-budget-monthly", budget.urn
    assert budget.inputs["budgetType"] == "COST", budget.urn
    assert budget.inputs["timeUnit"] == "MONTHLY", budget.urn
    assert budget.inputs["limitAmount"] == "500.00", budget.urn
    assert budget.inputs["limitUnit"] == "USD", budget.urn
    assert "notifications" not in budget.inputs, budget.urn
    assert "costFilters" not in budget.inputs, budget.urn
    assert exports["budget_name"] == "forge-dev-budget-monthly"


def test_default_notifications_actual_80_and_100_then_forecast_100() -> None:
    budget, _ = build(alert_emails=EMAILS)
    assert budget.inputs["notifications"] == [
        _notification("ACTUAL", 80.0), _notification("ACTUAL", 100.0),
        _notification("FORECASTED", 100.0)], budget.urn


def test_custom_thresholds_and_tag_filter() -> None:
    budget, _ = build(alert_emails=EMAILS, thresholds_percent=[50, 90, 120],
                      tag_filter={"environment": "dev", "app": "forge"},
                      monthly_limit_usd=1234.5)
    assert budget.inputs["limitAmount"] == "1234.50", budget.urn
    assert budget.inputs["notifications"] == [
        _notification("ACTUAL", 50.0), _notification("ACTUAL", 90.0),
        _notification("ACTUAL", 120.0), _notification("FORECASTED", 100.0)], budget.urn
    assert budget.inputs["costFilters"] == [
        {"name": "TagKeyValue", "values": ["user:app$forge", "user:environment$dev"]}], (
        budget.urn)


@pytest.mark.parametrize(("overrides", "message"), [
    ({"monthly_limit_usd": 0.0}, r"^Budget: monthly_limit_usd must be above 0, got 0\.0$"),
    ({"alert_emails": [f"a{i}@example.com" for i in range(11)]},
     "^Budget: alert_emails lists 11 addresses; a notification allows at most 10$"),
    ({"thresholds_percent": list(range(10, 110, 10))},
     r"^Budget: thresholds_percent lists 10 thresholds; at most 9 fit next to the forecast "
     r"alert \(10 notifications per budget\)$"),
    ({"thresholds_percent": [0, 80]}, r"^Budget: thresholds_percent must be above 0, got \[0\]$"),
    ({"thresholds_usd": [-5.0]}, r"^Budget: thresholds_usd must be above 0, got \[-5\.0\]$"),
    ({"thresholds_percent": [80, 100], "thresholds_usd": [float(i) for i in range(1, 9)]},
     r"^Budget: thresholds_percent lists 2 thresholds and thresholds_usd 8; at most 9 fit"),
])
def test_limits_of_aws_budgets_are_refused(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build(**overrides)


def test_schema() -> None:
    assert_component_schema(Budget, None, {"budget_name", "anomaly_monitor_arn"})


MONITOR = "aws:costexplorer/anomalyMonitor:AnomalyMonitor"
SUBSCRIPTION = "aws:costexplorer/anomalySubscription:AnomalySubscription"


def _record(**overrides: Any) -> Any:
    values: dict[str, Any] = {"monthly_limit_usd": 500.0} | overrides
    rec = run_mocked(lambda: Budget("forge-dev-budget", BudgetArgs(**values)))
    assert_all_tagged(rec, TYPE_TOKEN)
    return rec


def test_fixed_amount_alerts_at_500_and_1000_usd() -> None:
    budget, _ = build(alert_emails=EMAILS, thresholds_percent=[100],
                      thresholds_usd=[500.0, 1000.0])
    absolute = [{"comparisonOperator": "GREATER_THAN", "notificationType": "ACTUAL",
                 "threshold": amount, "thresholdType": "ABSOLUTE_VALUE",
                 "subscriberEmailAddresses": EMAILS} for amount in (500.0, 1000.0)]
    assert budget.inputs["notifications"] == [
        _notification("ACTUAL", 100.0), *absolute, _notification("FORECASTED", 100.0)], (
        budget.urn)


def test_anomaly_monitor_on_services_and_daily_subscription_at_the_threshold() -> None:
    rec = _record(alert_emails=EMAILS, anomaly_threshold_usd=75.0)
    monitor = rec.one(MONITOR, "forge-dev-budget-anomalies")
    assert (monitor.inputs["monitorType"], monitor.inputs["monitorDimension"]) == (
        "DIMENSIONAL", "SERVICE"), monitor.urn
    subscription = rec.one(SUBSCRIPTION, "forge-dev-budget-anomaly-alerts")
    assert subscription.inputs["frequency"] == "DAILY", subscription.urn
    assert subscription.inputs["subscribers"] == [
        {"type": "EMAIL", "address": address} for address in EMAILS], subscription.urn
    assert subscription.inputs["thresholdExpression"] == {"dimension": {
        "key": "ANOMALY_TOTAL_IMPACT_ABSOLUTE", "matchOptions": ["GREATER_THAN_OR_EQUAL"],
        "values": ["75"]}}, subscription.urn
    assert monitor.urn in subscription.dependencies, subscription.urn


def test_anomaly_monitor_on_the_tagged_costs_without_subscribers_and_none_at_0() -> None:
    rec = _record(tag_filter={"environment": "dev"})
    monitor = rec.one(MONITOR)
    assert monitor.inputs["monitorType"] == "CUSTOM", monitor.urn
    assert json.loads(monitor.inputs["monitorSpecification"]) == {
        "Tags": {"Key": "environment", "MatchOptions": ["EQUALS"], "Values": ["dev"]}}
    assert rec.of_type(SUBSCRIPTION) == []
    assert _record(anomaly_threshold_usd=0.0).of_type(MONITOR) == []
