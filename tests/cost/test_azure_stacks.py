"""The estimate of the Azure stacks (Pulumi.azure-dev.yaml, Pulumi.azure-prod.yaml): every
resource priced, free or not priced with its reason, totals that add up, and the figures
docs/COST.md states.

What these tests do not prove: that Azure bills exactly these figures (list prices, some not
re-verified, and the usage profile's traffic are assumptions, docs/COST.md, "Azure").
"""

from __future__ import annotations

import pytest

from forge_infra.cost.azure import FREE, NOT_PRICED, PRICED
from forge_infra.plan import Plan, run_plan
from tests.conftest import ROOT

AZURE_STACKS = ("azure-dev", "azure-prod")


@pytest.fixture(scope="module")
def plans() -> dict[str, Plan]:
    return {stack: run_plan(stack, ROOT) for stack in AZURE_STACKS}


def test_every_type_is_priced_free_or_not_priced_with_its_reason(
        plans: dict[str, Plan]) -> None:
    classified = set(PRICED) | set(FREE) | set(NOT_PRICED)
    for stack, plan in plans.items():
        assert plan.cloud == "azure"
        assert sorted(set(plan.type_counts()) - classified) == [], stack
        assert plan.cost is not None
        assert not [c for c in plan.cost.coverage if "has no pricing rule" in c.reason], stack
        accounted = ({line.urn for line in plan.cost.lines}
                     | {c.urn for c in plan.cost.coverage})
        assert [r.urn for r in plan.custom_resources() if r.urn not in accounted] == [], stack


def test_totals_add_up_and_every_line_is_quantity_times_price(plans: dict[str, Plan]) -> None:
    for stack, plan in plans.items():
        cost = plan.cost
        assert cost is not None and cost.lines, stack
        for line in cost.lines:
            assert line.monthly == pytest.approx(line.quantity * line.unit_price, abs=0.006), (
                stack, line)
        assert cost.monthly_total == pytest.approx(cost.fixed_total + cost.usage_total,
                                                   abs=0.006), stack


def test_docs_cost_md_states_each_azure_stacks_estimate(plans: dict[str, Plan]) -> None:
    text = (ROOT / "docs" / "COST.md").read_text()
    for stack, plan in plans.items():
        cost = plan.cost
        assert cost is not None and cost.budget is not None
        row = (f"| {stack} | ${cost.fixed_total:,.2f} | ${cost.usage_total:,.2f} | "
               f"${cost.monthly_total:,.2f} | ${cost.ceiling_total:,.2f} | ${cost.budget:,.2f} |")
        assert row in text, f"docs/COST.md is stale for {stack}: expected {row}"
