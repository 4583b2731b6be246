"""The recovery forecast's rules on small plans built by hand: a recovery point read from the
plan's props, and a copy in the recovery region found from the resource that declares it."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from forge_infra.plan import recovery
from forge_infra.plan.model import CustomTimeouts, Plan, PlanResource, ResourceOptions

DB = "cloud:db/instance:Instance"
CACHE = "cloud:cache/instance:Instance"
JOB = "cloud:copy/job:Job"


def resource(name: str, type_token: str, props: dict[str, Any]) -> PlanResource:
    return PlanResource(
        urn=f"urn:pulumi:s::p::{type_token}::{name}", type=type_token, name=name, custom=True,
        component=None, parent=None, dependencies=[], property_dependencies={}, props=props,
        opts=ResourceOptions(custom_timeouts=CustomTimeouts()), outputs={})


@pytest.fixture
def assumptions(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    data = copy.deepcopy(recovery.load_assumptions())
    data["in_region"] = {
        DB: {"service": "db", "rpo_minutes": 5, "rto_minutes": [30, 60], "path": "pitr",
             "source": "s"},
        CACHE: {"service": "cache", "rpo_minutes": None, "rto_minutes": [10, 20],
                "path": "reload", "source": "s",
                "rpo_from": {"path": "persistence.period", "minutes": {"6h": 360}}}}
    data["region_loss"]["copies"] = {
        DB: {"evidence": {"type": JOB, "path": "target.region", "equals": "$dr_region"},
             "rpo_minutes": 60, "path": "restore the copy in {dr_region}", "source": "docs"}}
    data["region_loss"]["rebuilt_types"] = {CACHE: "re-created empty"}
    monkeypatch.setattr(recovery, "load_assumptions", lambda: data)
    return data


def plan(*resources: PlanResource, dr_region: str | None = None) -> Plan:
    outputs: dict[str, Any] = {} if dr_region is None else {"dr_region": dr_region,
                                                            "dr_rpo_target_hours": 2}
    return Plan(project="p", stack="s", cloud="cloud", platform=None,
                resources=list(resources), outputs=outputs)


def test_the_in_region_point_is_read_from_the_props(assumptions: dict[str, Any]) -> None:
    forecast = recovery.forecast_recovery(plan(
        resource("db", DB, {}), resource("cache", CACHE, {"persistence": {"period": "6h"}})))
    assert {s.service: s.rpo_minutes for s in forecast.in_region} == {"db": 5.0,
                                                                      "cache": 360.0}
    without = recovery.forecast_recovery(plan(resource("cache", CACHE, {})))
    assert without.in_region[0].rpo_minutes is None


def test_a_copy_is_found_from_the_resource_that_declares_it(
        assumptions: dict[str, Any]) -> None:
    copied = recovery.forecast_recovery(plan(
        resource("db", DB, {}), resource("cache", CACHE, {}),
        resource("job", JOB, {"target": {"region": "west-2"}}), dr_region="west-2"))
    rows = {s.service: s for s in copied.region_loss}
    assert rows["db"].rpo_minutes == 60.0
    assert rows["db"].path.startswith("restore the copy in west-2, into the stack re-created")
    assert rows["cache"].rpo_minutes is None and rows["cache"].rto_high_minutes is not None
    assert copied.meets_targets

    elsewhere = recovery.forecast_recovery(plan(
        resource("db", DB, {}), resource("job", JOB, {"target": {"region": "east-9"}}),
        dr_region="west-2"))
    assert elsewhere.region_loss[0].rto_high_minutes is None
    assert not elsewhere.meets_targets


def test_a_copy_beyond_the_rpo_target_misses_it(assumptions: dict[str, Any]) -> None:
    assumptions["region_loss"]["copies"][DB]["rpo_minutes"] = 180
    forecast = recovery.forecast_recovery(plan(
        resource("db", DB, {}), resource("job", JOB, {"target": {"region": "west-2"}}),
        dr_region="west-2"))
    assert not forecast.meets_targets


@pytest.mark.parametrize(("stack", "expected"), [
    ("gcp-prod", {"PostgreSQL (Cloud SQL)": 1680.0, "Object storage (Cloud Storage)": 1500.0}),
    ("azure-prod", {"PostgreSQL (flexible server)": 60.0, "Object storage (Blob Storage)": 15.0}),
])
def test_the_gcp_and_azure_prod_stacks_copy_their_data_to_the_recovery_region(
        stack: str, expected: dict[str, float]) -> None:
    """The stack file's `forge-infra:dr` reaches the resources the forecast finds: each
    protected service has a recovery point in the recovery region, within the targets."""
    from forge_infra.plan.engine import run_plan
    from tests.conftest import ROOT

    forecast = recovery.forecast_recovery(run_plan(stack, ROOT))
    points = {s.service: s.rpo_minutes for s in forecast.region_loss if s.service in expected}
    assert points == expected
    assert forecast.meets_targets
