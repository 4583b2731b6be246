"""`forge-infra:rollout` of a real Azure stack reaches its container apps: azure-prod's canary
puts the gateway, api and ui in multiple revision mode with all traffic to the latest
revision at creation and the weights left to `forge-infra release`; azure-dev (rolling) keeps
single revision mode and Pulumi owns its traffic. The exports the release reads are checked
against the apps they name.

Under mocks only: this proves what Azure is asked for, not that it splits traffic, nor that
a `pulumi up --refresh` keeps the weights the release set (docs/DEPLOYMENT.md says how).
"""

from __future__ import annotations

import pytest

from forge_infra.plan import Plan, run_plan
from forge_infra.plan.model import PlanResource
from tests.conftest import ROOT

APP = "azure-native:app:ContainerApp"
INGRESS_SERVICES = ("gateway", "api", "ui")


@pytest.fixture(scope="module")
def plans() -> dict[str, Plan]:
    return {stack: run_plan(stack, ROOT) for stack in ("azure-dev", "azure-prod")}


def apps(plan: Plan, stack: str) -> dict[str, PlanResource]:
    found = {r.name.removeprefix(f"forge-{stack}-"): r for r in plan.resources if r.type == APP}
    assert sorted(found) == ["api", "gateway", "ui", "worker"], sorted(found)
    return found


def test_azure_prod_canary_puts_the_ingress_apps_in_multiple_mode(plans: dict[str, Plan]
                                                                  ) -> None:
    found = apps(plans["azure-prod"], "azure-prod")
    for service in INGRESS_SERVICES:
        app = found[service]
        configuration = app.props["configuration"]
        assert configuration["activeRevisionsMode"] == "Multiple", app
        assert configuration["ingress"]["traffic"] == [{"latestRevision": True, "weight": 100}]
        assert app.opts.ignore_changes == ["configuration.ingress.traffic"]
    worker = found["worker"]
    assert worker.props["configuration"]["activeRevisionsMode"] == "Single"
    assert worker.opts.ignore_changes == []


def test_azure_dev_rolling_keeps_single_mode_and_owns_its_traffic(plans: dict[str, Plan]
                                                                  ) -> None:
    for service, app in apps(plans["azure-dev"], "azure-dev").items():
        assert app.props["configuration"]["activeRevisionsMode"] == "Single", service
        assert app.opts.ignore_changes == [], service


def test_the_release_exports_name_the_ingress_apps(plans: dict[str, Plan]) -> None:
    plan = plans["azure-prod"]
    found = apps(plan, "azure-prod")
    targets = plan.outputs["release_targets"]
    assert targets["resource_group"] == plan.outputs["resource_group_name"]
    assert list(targets["services"]) == ["gateway", "api", "ui"]
    for service, entry in targets["services"].items():
        app = found[service]
        assert entry == {"app": f"forge-azure-prod-{service}",
                         "resource_id": app.id}
        assert entry["resource_id"].endswith(
            f"/providers/Microsoft.App/containerApps/forge-azure-prod-{service}")
    # 3 steps x (10 min bake + 5 min of Azure Monitor delay)
    assert plan.outputs["release_hold_minutes"] == 45
    assert plans["azure-dev"].outputs["release_hold_minutes"] == 0
