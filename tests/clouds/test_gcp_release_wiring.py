"""`forge-infra:rollout` on GCP under the offline mocks: a canary stack's Cloud Run services
start with 100% to their latest revision and leave their traffic to `forge-infra release`
(Pulumi ignores it); a rolling stack's do not; the stack exports what the release needs.

What these tests do not prove: that Cloud Run gives a later revision no traffic once the split
is pinned (Cloud Run's documented behaviour, cited in forge_components.gcp.compute), nor that
the Pulumi engine honours `ignore_changes` against a live service.
"""

from __future__ import annotations

from functools import cache

import pytest
from click.testing import CliRunner

from forge_infra.cli import main
from forge_infra.config import load_stack_file
from forge_infra.plan.recorder import Recording
from forge_infra.program import build
from tests.conftest import ROOT
from tests.helpers import run_mocked

SERVICE = "gcp:cloudrunv2/service:Service"
POOL = "gcp:cloudrunv2/workerPool:WorkerPool"
JOB = "gcp:cloudrunv2/job:Job"


@cache
def planned(stack: str) -> Recording:
    config = load_stack_file(stack, ROOT)
    return run_mocked(lambda: build(config), stack=stack, region=config.region)


def test_gcp_prod_services_start_on_latest_and_leave_the_traffic_to_the_release() -> None:
    rec = planned("gcp-prod")
    services = rec.of_type(SERVICE)
    assert sorted(s.name for s in services) == [
        "forge-gcp-prod-api", "forge-gcp-prod-gateway", "forge-gcp-prod-ui"]
    for service in services:
        assert service.inputs["traffics"] == [
            {"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST", "percent": 100}], service.urn
        assert service.ignore_changes == ["traffics"], service.urn
    for other in [*rec.of_type(POOL), *rec.of_type(JOB)]:
        assert "traffics" not in other.inputs and other.ignore_changes == [], other.urn


def test_gcp_dev_rolls_and_pulumi_keeps_the_traffic() -> None:
    for service in planned("gcp-dev").of_type(SERVICE):
        assert "traffics" not in service.inputs, service.urn
        assert service.ignore_changes == [], service.urn


@pytest.mark.parametrize(("stack", "hold"), [("gcp-prod", 3 * (10 + 3)), ("gcp-dev", 0)])
def test_the_stack_exports_its_release_targets_and_hold(stack: str, hold: int) -> None:
    rec = planned(stack)
    config = load_stack_file(stack, ROOT)
    assert rec.exports["release_hold_minutes"] == hold
    targets = rec.exports["release_targets"]
    assert targets["project"] == config.target.project  # type: ignore[attr-defined]
    assert targets["region"] == config.region
    names = {s.name: s.outputs["name"] for s in rec.of_type(SERVICE)}
    assert targets["services"] == {
        key: names[f"forge-{stack}-{key}"] for key in ("gateway", "api", "ui")}


def test_release_dry_run_prints_gcp_prods_schedule() -> None:
    result = CliRunner().invoke(main, ["release", "-C", str(ROOT), "--stack", "gcp-prod",
                                       "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "gcp-prod: canary: the new revision takes 5% -> 50% -> 100% of the traffic, each step "
        "held 10 min (+3 min for the metrics to arrive)",
        "gcp-prod: rolls back when the new revision answers over 5% 5xx in each of 3 "
        "consecutive one-minute periods, or stops being ready",
        "gcp-prod: at most 39 min of steps once the new revision is ready (each step 13 min)"]
