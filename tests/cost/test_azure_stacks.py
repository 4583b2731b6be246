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


def test_prod_data_tier_in_eastus_by_hand(plans: dict[str, Plan]) -> None:
    """azure-prod in eastus: GP_Standard_D2ds_v5 with zone-redundant HA, 2 x 730 h x $0.178 =
    $259.88, and 2 x 128 GB x $0.115 = $29.44; Event Hubs Standard with 2 TUs, 2 x 730 x $0.03
    = $43.80, and 3M events x $0.028 per 1M = $0.08. Managed Redis Balanced_B1 and the GRS
    account stay not priced, naming the region."""
    cost = plans["azure-prod"].cost
    assert cost is not None and cost.region == "eastus"
    lines = {(line.urn.rsplit("::", 1)[-1], line.item): line.monthly for line in cost.lines}
    assert {key: value for key, value in lines.items()
            if key[0] in ("forge-azure-prod-db-server", "forge-azure-prod-stream-kafka")} == {
        ("forge-azure-prod-db-server",
         "GP_Standard_D2ds_v5 compute x 2 (ZoneRedundant HA: primary and standby)"): 259.88,
        ("forge-azure-prod-db-server",
         "storage, 128 GB x 2 (ZoneRedundant HA: primary and standby)"): 29.44,
        ("forge-azure-prod-stream-kafka", "Event Hubs Standard, 2 throughput unit(s)"): 43.80,
        ("forge-azure-prod-stream-kafka",
         "Event Hubs ingress events (usage profile: one event per call), per 1M"): 0.08}
    unpriced = {c.urn.rsplit("::", 1)[-1]: c.reason for c in cost.coverage
                if c.status == "not_priced"}
    assert "no sourced price in the azure table for eastus ('managed_redis.Balanced_B1.ha" \
           ".cluster')" in unpriced["forge-azure-prod-cache-redis"]
    assert unpriced["forge-azure-prod-storage-account"] == (
        "Blob storage Standard_GRS Hot: no sourced price in the azure table for eastus "
        "('blob.hot.grs.storage')")
    assert "forge-azure-prod-db-server" not in unpriced
    assert "forge-azure-prod-stream-kafka" not in unpriced
