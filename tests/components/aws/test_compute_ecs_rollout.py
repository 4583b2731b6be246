"""Progressive delivery on ECS: native CANARY / LINEAR / BLUE_GREEN behind the ALB, the green
target groups, the role ECS assumes, and the alarms that stop and roll back a release.

What these tests do not prove: that ECS accepts the layout or really shifts traffic and rolls
back; only that the program asks ECS for the strategy, steps, bake times, target groups,
listener rules, role and alarms the stack's rollout names, with the rollback switched on.
"""

import json
from typing import Any

import pytest

from forge_components.aws.compute_ecs import (
    FIVE_XX_RATE_EXPRESSION,
    LOAD_BALANCER_ROLE_POLICY,
    EcsCompute,
)
from forge_components.aws.limits import EcsTrafficShape, ecs_traffic_shape
from forge_components.contracts import RolloutSpec
from tests.components.aws.conftest import DOMAIN
from tests.components.aws.test_compute_ecs import (
    ALL,
    LB,
    LISTENER,
    NAME,
    ROLE,
    RULE,
    SERVED,
    SERVICE,
    TARGET_GROUP,
    build,
    make_args,
    named,
)
from tests.helpers import run_mocked

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"


def rollout(strategy: str = "canary", steps: list[int] | None = None, bake: int = 10,
            **alarms: Any) -> RolloutSpec:
    """A rollout spec with the stack defaults' alarm thresholds unless given."""
    return RolloutSpec(
        strategy=strategy, steps=[5, 100] if steps is None else steps, bake_minutes=bake,
        http_5xx_percent=alarms.get("http_5xx_percent", 5.0),
        evaluation_minutes=alarms.get("evaluation_minutes", 3),
        unhealthy_targets=alarms.get("unhealthy_targets", 1))


@pytest.fixture
def canary_run(services, worker_statements):
    recording, ignored = build(make_args(services, worker_statements, rollout=rollout()))
    return recording, ignored


@pytest.mark.parametrize(("steps", "shape"), [
    ([100], EcsTrafficShape("BLUE_GREEN", None)),
    ([5, 100], EcsTrafficShape("CANARY", 5.0)),
    ([50, 100], EcsTrafficShape("CANARY", 50.0)),
    ([25, 50, 75, 100], EcsTrafficShape("LINEAR", 25.0)),
    ([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], EcsTrafficShape("LINEAR", 10.0)),
    ([5, 50, 100], None),
    ([20, 40, 100], None),
    ([2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34, 36, 38, 40, 42, 44, 46,
      48, 50, 52, 54, 56, 58, 60, 62, 64, 66, 68, 70, 72, 74, 76, 78, 80, 82, 84, 86, 88, 90,
      92, 94, 96, 98, 100], None),
])
def test_ecs_runs_one_step_canaries_and_equal_steps_only(steps, shape):
    assert ecs_traffic_shape(steps) == shape


def test_canary_sets_the_native_strategy_steps_and_bakes(canary_run):
    recording, _ = canary_run
    for name in SERVED:
        service = named(recording, SERVICE, name)
        assert service.inputs["deploymentConfiguration"] == {
            "strategy": "CANARY", "bakeTimeInMinutes": "10",
            "canaryConfiguration": {"canaryPercent": 5.0, "canaryBakeTimeInMinutes": "10"},
        }, service.urn
        # The circuit breaker stays on beside the alarms.
        assert service.inputs["deploymentCircuitBreaker"] == {
            "enable": True, "rollback": True}, service.urn


def test_linear_and_blue_green_map_to_their_native_strategies(services, worker_statements):
    recording, _ = build(make_args(services, worker_statements,
                                   rollout=rollout(steps=[25, 50, 75, 100], bake=4)))
    assert named(recording, SERVICE, "api").inputs["deploymentConfiguration"] == {
        "strategy": "LINEAR", "bakeTimeInMinutes": "4",
        "linearConfiguration": {"stepPercent": 25.0, "stepBakeTimeInMinutes": "4"}}
    recording, _ = build(make_args(services, worker_statements,
                                   rollout=rollout("blue_green", steps=[100], bake=15)))
    assert named(recording, SERVICE, "api").inputs["deploymentConfiguration"] == {
        "strategy": "BLUE_GREEN", "bakeTimeInMinutes": "15"}


def test_the_worker_without_a_load_balancer_keeps_rolling(canary_run):
    recording, _ = canary_run
    worker = named(recording, SERVICE, "worker")
    assert "deploymentConfiguration" not in worker.inputs, worker.urn
    assert "alarms" not in worker.inputs, worker.urn
    assert worker.inputs["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}


def test_each_routed_service_gets_a_green_group_and_the_advanced_configuration(canary_run):
    recording, _ = canary_run
    role = named(recording, ROLE, "ecs-lb")
    assert len(recording.of_type(TARGET_GROUP)) == 2 * len(SERVED)
    for name in SERVED:
        blue = named(recording, TARGET_GROUP, name)
        green = named(recording, TARGET_GROUP, f"{name}-green")
        for key in ("port", "protocol", "targetType", "vpcId", "healthCheck"):
            assert green.inputs[key] == blue.inputs[key], (green.urn, key)
        assert green.inputs["namePrefix"] == f"{name[:4]}-", green.urn
        rule = named(recording, RULE, f"{name}-rule")
        service = named(recording, SERVICE, name)
        assert service.inputs["loadBalancers"] == [{
            "targetGroupArn": blue.outputs["arn"], "containerName": name,
            "containerPort": service.inputs["loadBalancers"][0]["containerPort"],
            "advancedConfiguration": {
                "alternateTargetGroupArn": green.outputs["arn"],
                "productionListenerRule": rule.outputs["arn"],
                "roleArn": role.outputs["arn"]}}], service.urn


def test_every_routed_service_has_a_shiftable_rule_and_the_default_is_a_404(canary_run):
    recording, _ = canary_run
    https = named(recording, LISTENER, "https")
    assert https.inputs["defaultActions"] == [{"type": "fixed-response", "fixedResponse": {
        "contentType": "text/plain", "messageBody": "Not Found", "statusCode": "404"}}]
    assert sorted(r.name for r in recording.of_type(RULE)) == sorted(
        f"{NAME}-{n}-rule" for n in SERVED)
    for name in SERVED:
        rule = named(recording, RULE, f"{name}-rule")
        assert rule.inputs["actions"] == [{"type": "forward", "forward": {"targetGroups": [
            {"arn": named(recording, TARGET_GROUP, name).outputs["arn"], "weight": 100},
            {"arn": named(recording, TARGET_GROUP, f"{name}-green").outputs["arn"],
             "weight": 0}]}}], rule.urn
        # ECS rewrites the weights at each release; Pulumi must not put them back.
        assert rule.ignore_changes == ["actions"], rule.urn
    ui_rule = named(recording, RULE, "ui-rule")
    assert ui_rule.inputs["conditions"] == [{"hostHeader": {"values": [DOMAIN]}}]
    priorities = [r.inputs["priority"] for r in recording.of_type(RULE)]
    assert len(set(priorities)) == len(priorities)


def test_ecs_assumes_a_role_with_only_the_load_balancer_managed_policy(canary_run):
    recording, _ = canary_run
    role = named(recording, ROLE, "ecs-lb")
    assert json.loads(role.inputs["assumeRolePolicy"]) == {
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "ecs.amazonaws.com"},
            "Action": "sts:AssumeRole"}]}, role.urn
    attachments = [a for a in recording.of_type(ATTACHMENT)
                   if a.inputs["role"] == role.outputs["name"]]
    assert [a.inputs["policyArn"] for a in attachments] == [
        f"arn:aws:iam::aws:policy/{LOAD_BALANCER_ROLE_POLICY}"], role.urn


def test_alarms_on_5xx_rate_and_unhealthy_targets_roll_a_release_back(canary_run):
    recording, _ = canary_run
    alb = recording.one(LB)
    assert len(recording.of_type(ALARM)) == 4 * len(SERVED)
    for name in SERVED:
        service = named(recording, SERVICE, name)
        expected_names = []
        for color, group_name in (("blue", name), ("green", f"{name}-green")):
            dimensions = {"TargetGroup": named(recording, TARGET_GROUP, group_name)
                          .outputs["arnSuffix"], "LoadBalancer": alb.outputs["arnSuffix"]}
            rate = named(recording, ALARM, f"{name}-{color}-5xx")
            assert rate.inputs["metricQueries"] == [
                {"id": "m1", "returnData": False, "metric": {
                    "namespace": "AWS/ApplicationELB", "metricName": "HTTPCode_Target_5XX_Count",
                    "dimensions": dimensions, "period": 60, "stat": "Sum"}},
                {"id": "m2", "returnData": False, "metric": {
                    "namespace": "AWS/ApplicationELB", "metricName": "RequestCount",
                    "dimensions": dimensions, "period": 60, "stat": "Sum"}},
                {"id": "rate", "expression": FIVE_XX_RATE_EXPRESSION,
                 "label": "5xx rate (percent)", "returnData": True}], rate.urn
            assert (rate.inputs["comparisonOperator"], rate.inputs["threshold"],
                    rate.inputs["evaluationPeriods"], rate.inputs["datapointsToAlarm"],
                    rate.inputs["treatMissingData"]) == (
                "GreaterThanThreshold", 5.0, 3, 3, "notBreaching"), rate.urn
            unhealthy = named(recording, ALARM, f"{name}-{color}-unhealthy")
            assert {k: unhealthy.inputs[k] for k in (
                "namespace", "metricName", "dimensions", "statistic", "period",
                "comparisonOperator", "threshold", "evaluationPeriods")} == {
                "namespace": "AWS/ApplicationELB", "metricName": "UnHealthyHostCount",
                "dimensions": dimensions, "statistic": "Maximum", "period": 60,
                "comparisonOperator": "GreaterThanOrEqualToThreshold", "threshold": 1.0,
                "evaluationPeriods": 3}, unhealthy.urn
            expected_names += [rate.outputs["name"], unhealthy.outputs["name"]]
        assert service.inputs["alarms"] == {
            "alarmNames": expected_names, "enable": True, "rollback": True}, service.urn


def test_the_alarm_thresholds_follow_the_rollout(services, worker_statements):
    recording, _ = build(make_args(services, worker_statements, rollout=rollout(
        http_5xx_percent=2.5, evaluation_minutes=5, unhealthy_targets=2)))
    rate = named(recording, ALARM, "api-green-5xx")
    unhealthy = named(recording, ALARM, "api-green-unhealthy")
    assert (rate.inputs["threshold"], rate.inputs["evaluationPeriods"]) == (2.5, 5)
    assert (unhealthy.inputs["threshold"], unhealthy.inputs["datapointsToAlarm"]) == (2.0, 5)


def test_rolling_declares_none_of_it(services, worker_statements):
    recording, _ = build(make_args(services, worker_statements))
    assert recording.of_type(ALARM) == []
    assert len(recording.of_type(TARGET_GROUP)) == len(SERVED)
    assert [r for r in recording.of_type(ROLE) if r.name == f"{NAME}-ecs-lb"] == []
    for name in ALL:
        service = named(recording, SERVICE, name)
        assert "deploymentConfiguration" not in service.inputs, service.urn
        assert "alarms" not in service.inputs, service.urn


@pytest.mark.parametrize(("spec", "message"), [
    (rollout(steps=[5, 50, 100]),
     r"rollout canary with steps \[5, 50, 100\] has no native ECS strategy; ECS runs "
     r"blue_green as \[100\], and canary as \[p, 100\] \(CANARY\) or equal steps "
     r"\[s, 2s, \.\.\., 100\] with s >= 3 \(LINEAR\)"),
    (rollout("blue_green", steps=[5, 100]), r"rollout blue_green with steps \[5, 100\]"),
    (rollout(steps=[100]), r"rollout canary with steps \[100\]"),
    (rollout(bake=1441), r"rollout.bake_minutes 1441 outside ECS's 0..1440"),
    (rollout("linear"), r"rollout.strategy 'linear'; allowed: rolling, canary, blue_green"),
    (rollout(http_5xx_percent=0), r"rollout.http_5xx_percent 0 outside \(0, 100\]"),
])
def test_a_rollout_ecs_cannot_run_is_refused(services, worker_statements, spec, message):
    args = make_args(services, worker_statements, rollout=spec)
    with pytest.raises(ValueError, match=message):
        run_mocked(lambda: EcsCompute(NAME, args))
