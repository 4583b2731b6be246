"""The GCP pricer (`forge_infra.cost.gcp`) over plans of every GCP component wired as a stack
wires them (tests/policy/plans.py `gcp_plan`): coverage, the price table's sources, and the
figures of each rule.

What these tests do not prove: that Google bills exactly these figures (list prices of
us-central1, the usage profile's traffic; docs/COST.md says which prices are unverified).
"""

from __future__ import annotations

import ast
import dataclasses

import pytest

from forge_infra.cost import estimate
from forge_infra.cost.gcp import FREE, NOT_PRICED, PRICED
from forge_infra.cost.prices import load_table
from forge_infra.model.config import UsageSettings
from forge_infra.plan.mocks.gcp import KNOWN_TYPES
from forge_infra.plan.model import CostEstimate, Plan
from tests.conftest import ROOT
from tests.policy.plans import gcp_plan

PLANS = (("prod", "managed"), ("dev", "redpanda"))


def lines(cost: CostEstimate, item_start: str) -> list[float]:
    """The monthly figures of the lines whose item starts with `item_start`."""
    return [line.monthly for line in cost.lines if line.item.startswith(item_start)]


@pytest.fixture(scope="module", params=PLANS, ids=["-".join(p) for p in PLANS])
def plan(request: pytest.FixtureRequest) -> Plan:
    return gcp_plan(*request.param)


def test_the_three_lists_are_disjoint_and_cover_every_type_the_mocks_know() -> None:
    priced, free, not_priced = set(PRICED), set(FREE), set(NOT_PRICED)
    assert not priced & free, priced & free
    assert not priced & not_priced, priced & not_priced
    assert not free & not_priced, free & not_priced
    gcp_types = priced | free | not_priced
    assert sorted(KNOWN_TYPES - gcp_types) == []


def test_every_resource_of_a_gcp_plan_is_priced_free_or_explicitly_not_priced(plan: Plan) -> None:
    classified = set(PRICED) | set(FREE) | set(NOT_PRICED)
    assert sorted(set(plan.type_counts()) - classified) == []
    cost = estimate(plan)
    assert [c.urn for c in cost.coverage if "has no pricing rule" in c.reason] == []
    accounted = {line.urn for line in cost.lines} | {c.urn for c in cost.coverage}
    assert [r.urn for r in plan.custom_resources() if r.urn not in accounted] == []


def test_totals_add_up_and_every_line_is_quantity_times_price(plan: Plan) -> None:
    cost = estimate(plan)
    assert cost.region == "us-central1"
    assert cost.price_table.startswith("gcp us-central1 list prices")
    for line in cost.lines:
        assert line.monthly == pytest.approx(line.quantity * line.unit_price, abs=0.006), line
    assert cost.monthly_total == pytest.approx(cost.fixed_total + cost.usage_total, abs=0.006)
    assert cost.monthly_total == pytest.approx(sum(x.monthly for x in cost.lines), abs=0.006)


def test_every_price_names_its_source_and_every_unverified_one_says_why() -> None:
    table = load_table("gcp")
    assert table.region == "us-central1" and table.hours_per_month == 730
    for price in table.prices.values():
        assert price.source.startswith("https://"), price.key
        assert price.basis in ("official", "infracost", "derived", "memory", "third_party"), (
            price.key)
        assert price.verified == (price.basis != "memory"), price.key
        assert bool(price.unverified) != price.verified, price.key


def test_every_price_key_a_rule_uses_is_in_the_table() -> None:
    used = set()
    for plan_args in PLANS:
        used |= {line.price for line in estimate(gcp_plan(*plan_args)).lines}
    assert sorted(used - set(load_table("gcp").prices)) == []


def test_cloud_sql_regional_is_twice_zonal_per_vcpu_memory_and_storage() -> None:
    prod, dev = estimate(gcp_plan("prod", "managed")), estimate(gcp_plan("dev", "redpanda"))
    # db-custom-2-7680: 2 vCPU and 7.5 GB; prod REGIONAL with 50 GB, dev ZONAL with 20 GB
    assert lines(dev, "db-custom-2-7680 zonal: 2 vCPU") == [pytest.approx(2 * 730 * 0.0413,
                                                                          abs=0.01)]
    assert lines(prod, "db-custom-2-7680 regional (HA): 2 vCPU") == [
        pytest.approx(2 * 730 * 0.0826, abs=0.01)]
    assert lines(prod, "db-custom-2-7680 regional (HA): 7.5 GB memory") == [
        pytest.approx(7.5 * 730 * 0.014, abs=0.01)]
    assert lines(prod, "SSD storage, 50 GB regional") == [17.0]
    assert lines(dev, "SSD storage, 20 GB zonal") == [3.4]
    reasons = [c.reason for c in prod.coverage if c.type.endswith("DatabaseInstance")]
    assert reasons == ["backup storage: its size is the data the database holds, unknown "
                       "offline"]


def test_memorystore_by_tier_and_capacity_tier() -> None:
    prod, dev = estimate(gcp_plan("prod", "managed")), estimate(gcp_plan("dev", "redpanda"))
    assert lines(prod, "Memorystore for Redis STANDARD_HA, 1 GB (M1)") == [46.72]
    assert lines(dev, "Memorystore for Redis BASIC, 1 GB (M1)") == [35.77]


def test_managed_kafka_in_data_compute_units() -> None:
    cost = estimate(gcp_plan("prod", "managed"))
    # 3 vCPU x 0.6 DCU + 3 GiB x 0.1 DCU = 2.1 DCU x $0.09 x 730 h = $137.97
    assert sum(lines(cost, "Managed Kafka compute")) == pytest.approx(2.1 * 0.09 * 730,
                                                                      abs=0.01)


def test_redpanda_brokers_their_boot_and_data_disks() -> None:
    cost = estimate(gcp_plan("dev", "redpanda"))
    assert lines(cost, "e2-standard-2 instance") == [48.91] * 3
    assert lines(cost, "persistent disk: pd-balanced, 100 GB") == [10.0] * 3
    assert lines(cost, "boot disk: pd-balanced, 20 GB") == [2.0] * 3


def test_cloud_run_minimum_instances_idle_and_the_worker_pool_instance_based() -> None:
    cost = estimate(gcp_plan("prod", "managed"))
    # three request-based services at 2 minimum instances of 1 vCPU / 0.5 GiB
    assert lines(cost, "2 idle minimum instance(s) x 1 vCPU") == [
        pytest.approx(2 * 730 * 3600 * 0.0000025, abs=0.01)] * 3
    # the worker pool: 2 manual instances, always allocated
    assert lines(cost, "worker pool vCPU, 1 x 2 instances") == [
        pytest.approx(2 * 730 * 3600 * 0.000018, abs=0.01)]
    not_priced = sorted(c.urn.rsplit("::", 1)[-1] for c in cost.coverage
                        if c.reason.startswith("time serving requests"))
    assert not_priced == ["forge-api", "forge-gateway", "forge-ui"]


def test_the_edge_forwarding_rules_armor_and_egress() -> None:
    prod, dev = estimate(gcp_plan("prod", "managed")), estimate(gcp_plan("dev", "redpanda"))
    # two forwarding rules (HTTPS, HTTP redirect): one rate for the project's first five
    assert lines(prod, "forwarding rules: the first 5") == [18.25]
    assert lines(prod, "Cloud Armor policy") == [5.0]
    assert lines(prod, "Cloud Armor rules (10)") == [10.0]
    assert lines(dev, "Cloud Armor") == []
    # 3M requests x 100 KB = 286.1 GiB, half through the ui's Cloud CDN, half to the internet
    assert lines(prod, "Cloud CDN cache egress") == [pytest.approx(143.05 * 0.08, abs=0.01)]
    assert lines(prod, "internet egress") == [pytest.approx(143.05 * 0.12, abs=0.01)]


def test_usage_profile_drives_the_usage_lines() -> None:
    plan = gcp_plan("prod", "managed")
    more = estimate(plan, usage=UsageSettings(log_gb_per_month=110, nat_gb_per_month=400))
    assert lines(more, "log ingestion") == [pytest.approx(20 * 0.5, abs=0.01)] * 3
    assert lines(more, "NAT data processed") == [18.0]
    assert lines(estimate(plan), "log ingestion") == []  # 10 GB: within the free 50 GiB


def test_a_region_without_its_own_entries_is_not_priced_at_us_central1_rates() -> None:
    cost = estimate(gcp_plan("prod", "managed"), region="asia-northeast1")
    regional = [c for c in cost.coverage if "covers us-central1 only" in c.reason]
    assert regional, "regional lines were priced outside the table's region"
    assert {line.price.split(".")[0] for line in cost.lines} <= {"lb", "cdn", "armor",
                                                                 "secretmanager"}


def test_europe_west1_takes_its_own_entries() -> None:
    """The GCP stacks run in europe-west1: its entries (`KEY@europe-west1`) price it, and a
    line priced that way is not labelled as a factor of us-central1's price."""
    plan = gcp_plan("prod", "managed")
    cost = estimate(plan, region="europe-west1")
    assert [c.reason for c in cost.coverage if "covers us-central1 only" in c.reason] == []
    assert lines(cost, "db-custom-2-7680 regional (HA): 2 vCPU") == [
        pytest.approx(2 * 730 * 0.0908, abs=0.01)]
    assert not [line.item for line in cost.lines if "price x" in line.item]
    assert cost.price_table == ("gcp us-central1 list prices as of 2026-12-02, priced for "
                                "europe-west1")
    table = load_table("gcp")
    for key, price in table.prices.items():
        base, _, region = key.partition("@")
        assert region == ("" if price.region in ("us-central1", "global") else price.region), key
        if region:
            assert base in table.prices and table.prices[base].unit == price.unit, key


def test_the_gcp_pricer_imports_no_cloud_sdk() -> None:
    tree = ast.parse((ROOT / "src/forge_infra/cost/gcp.py").read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {a.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for a in node.names}
    assert not [m for m in imported if m and m.startswith(("pulumi", "forge_components"))]


def test_a_plan_of_another_cloud_is_untouched_by_the_gcp_rules() -> None:
    plan = dataclasses.replace(gcp_plan("dev", "redpanda"), cloud="oci")
    cost = estimate(plan)
    assert cost.lines == [] and {c.status for c in cost.coverage} == {"not_priced"}
