"""`forge-infra:rollout` reaches the ECS services of a real stack (small-ecs: canary [5, 100],
10-minute bakes), and a rolling stack (dev) declares none of the canary's resources.

Under mocks only: this proves what ECS is asked for, not that it shifts or rolls back.
"""

from __future__ import annotations

import pytest

from forge_infra.plan import Plan, run_plan
from tests.conftest import ROOT

SERVICE = "aws:ecs/service:Service"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
ROUTED = ("gateway", "api", "ui")


@pytest.fixture(scope="module")
def small_ecs() -> Plan:
    return run_plan("small-ecs", ROOT)


def test_the_stacks_canary_reaches_every_routed_service(small_ecs: Plan) -> None:
    services = {r.name: r for r in small_ecs.resources if r.type == SERVICE}
    alarms = {r.name: r for r in small_ecs.resources if r.type == ALARM}
    for name in ROUTED:
        service = services[f"forge-small-ecs-{name}"]
        assert service.props["deploymentConfiguration"] == {
            "strategy": "CANARY", "bakeTimeInMinutes": "10",
            "canaryConfiguration": {"canaryPercent": 5.0, "canaryBakeTimeInMinutes": "10"},
        }, service.urn
        names = service.props["alarms"]["alarmNames"]
        assert service.props["alarms"]["rollback"] is True, service.urn
        assert len(names) == 4, service.urn
        for color in ("blue", "green"):
            rate = alarms[f"forge-small-ecs-{name}-{color}-5xx"]
            assert rate.props["threshold"] == 5.0 and rate.props["evaluationPeriods"] == 3
            assert rate.outputs["name"] in names, rate.urn
    worker = services["forge-small-ecs-worker"]
    assert "deploymentConfiguration" not in worker.props, worker.urn


def test_a_rolling_stack_has_no_release_alarms_or_green_groups() -> None:
    dev = run_plan("dev", ROOT)
    assert [r.name for r in dev.resources if r.type == ALARM
            and r.name.endswith(("-5xx", "-unhealthy"))] == []
    assert [r.name for r in dev.resources if r.type == TARGET_GROUP
            and r.name.endswith("-green")] == []
