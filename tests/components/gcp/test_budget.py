"""The GCP Budget component under the offline mocks: the budget on the billing account scoped
to the project, threshold rules at the given percentages and the forecast, e-mail channels
linked through the all-updates rule.

What these tests do not prove: that the billing account exists or that the caller may create
budgets on it (the provider needs a billing project with user credentials); only that the
program asks for what it should.
"""

from typing import Any

import pulumi
import pytest

from forge_components.contracts import BudgetOutputs
from forge_components.gcp.budget import Budget, BudgetArgs, validate_budget_args
from forge_infra.plan.mocks.gcp import KNOWN_TYPES
from forge_infra.plan.recorder import RecordedResource, Recording
from tests.components.gcp.conftest import assert_gcp_component_schema, run_gcp

BUDGET = "gcp:billing/budget:Budget"
CHANNEL = "gcp:monitoring/notificationChannel:NotificationChannel"
ACCOUNT = "01ABCD-23EF45-6789AB"
OUTPUT_NAMES = {"budget_name", "notification_channel_ids"}
BASE: dict[str, Any] = {"billing_account": ACCOUNT, "project_number": "123456789012",
                        "monthly_limit": 500.0}


def build(**overrides: Any) -> Recording:
    """A Budget "costs", its outputs exported."""
    def program() -> None:
        budget = Budget("costs", BudgetArgs(**(BASE | overrides)))  # type: ignore[typeddict-item]
        for key in OUTPUT_NAMES:
            pulumi.export(key, getattr(budget, key))
    return run_gcp(program)


def budget(rec: Recording) -> RecordedResource:
    return rec.one(BUDGET, "costs-monthly")


def test_the_schema_serves_the_contract_and_every_output():
    assert_gcp_component_schema(Budget, BudgetOutputs, OUTPUT_NAMES)


def test_the_budget_is_on_the_billing_account_and_counts_the_project_only():
    rec = build(monthly_limit=1234.5)
    inputs = budget(rec).inputs
    assert inputs["billingAccount"] == ACCOUNT
    assert inputs["budgetFilter"] == {
        "projects": ["projects/123456789012"], "calendarPeriod": "MONTH",
        "creditTypesTreatment": "INCLUDE_ALL_CREDITS"}
    assert inputs["amount"] == {"specifiedAmount": {
        "currencyCode": "USD", "units": "1234", "nanos": 500_000_000}}
    assert rec.exports["budget_name"].startswith(f"billingAccounts/{ACCOUNT}/budgets/")


def test_a_label_pair_narrows_the_filter():
    inputs = budget(build(label_filter={"stack": "prod"})).inputs
    assert inputs["budgetFilter"]["labels"] == {"stack": "prod"}


@pytest.mark.parametrize(("percents", "expected"), [
    ([80, 100], [0.8, 1.0]), ([50, 90, 120], [0.5, 0.9, 1.2])])
def test_threshold_rules_at_the_percentages_and_the_forecast(percents, expected):
    rules = budget(build(thresholds_percent=percents)).inputs["thresholdRules"]
    assert rules == [{"thresholdPercent": p, "spendBasis": "CURRENT_SPEND"} for p in expected] + [
        {"thresholdPercent": 1.0, "spendBasis": "FORECASTED_SPEND"}]


def test_one_email_channel_per_address_linked_through_the_all_updates_rule():
    emails = ["finops@example.com", "oncall@example.com"]
    rec = build(alert_emails=emails)
    channels = sorted(rec.of_type(CHANNEL), key=lambda c: c.name)
    assert [c.name for c in channels] == ["costs-email-1", "costs-email-2"]
    assert [(c.inputs["type"], c.inputs["labels"]) for c in channels] == [
        ("email", {"email_address": e}) for e in emails]
    names = [c.outputs["name"] for c in channels]
    for name in names:
        assert name.startswith("projects/forge-offline-plan/notificationChannels/"), name
    rule = budget(rec).inputs["allUpdatesRule"]
    assert rule == {"monitoringNotificationChannels": names,
                    "disableDefaultIamRecipients": False}
    assert rec.exports["notification_channel_ids"] == names
    for channel in channels:
        assert channel.urn in budget(rec).dependencies, channel.urn


def test_no_address_no_channel_and_no_rule():
    rec = build()
    assert rec.of_type(CHANNEL) == []
    assert "allUpdatesRule" not in budget(rec).inputs
    assert rec.exports["notification_channel_ids"] == []


def test_the_mocks_give_provider_format_ids():
    rec = build(alert_emails=["a@example.com"])
    used = {r.type for r in rec.resources if r.custom and r.type.startswith("gcp:")}
    assert used - KNOWN_TYPES == set()
    assert budget(rec).resource_id == budget(rec).outputs["name"]


@pytest.mark.parametrize(("overrides", "message"), [
    ({"billing_account": "123"}, "billing_account"),
    ({"project_number": "my-project"}, "project_number"),
    ({"monthly_limit": 0}, "monthly_limit"),
    ({"alert_emails": [f"a{i}@example.com" for i in range(6)]}, "at most 5"),
    ({"alert_emails": ["not-an-address"]}, "not e-mail addresses"),
    ({"thresholds_percent": [0, 50]}, "above 0"),
    ({"label_filter": {"a": "b", "c": "d"}}, "single label"),
    ({"currency_code": "usd"}, "ISO 4217"),
])
def test_bad_args_are_refused_with_the_field(overrides, message):
    with pytest.raises(ValueError, match=message):
        validate_budget_args("costs", BudgetArgs(**(BASE | overrides)))  # type: ignore[typeddict-item]
