"""`forge-infra:rollout` reaches the ECS services of a real stack (small-ecs: canary [5, 100],
10-minute bakes), and a rolling stack (dev) declares none of the canary's resources.

Under mocks only: this proves what ECS is asked for, not that it shifts or rolls back.
"""

from __future__ import annotations

import json

import pytest

from forge_infra.plan import Plan, run_plan
from forge_infra.plan.model import PlanResource
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


# -- EKS: Argo Rollouts ------------------------------------------------------------------------
#
# prod (EKS) releases by canary [5, 50, 100] with 10-minute bakes: the stack's rollout reaches
# the platform chart's values (and so its rendered Rollouts), EksAddons installs Argo Rollouts
# with its IRSA policy, and the platform release waits for the add-ons (the CRDs first).
# staging (EKS, rolling) installs no Argo Rollouts and renders no Rollout. Under mocks: this
# proves what the cluster is asked for, not that Argo shifts the ALB or rolls back.

RELEASE = "kubernetes:helm.sh/v3:Release"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ADDONS = "forge-aws:index:EksAddons"


@pytest.fixture(scope="module")
def prod() -> Plan:
    return run_plan("prod", ROOT)


def _platform_release(plan: Plan) -> PlanResource:
    releases = [r for r in plan.resources
                if r.type == RELEASE and r.name.endswith("-platform-release")]
    assert len(releases) == 1, [r.name for r in plan.resources if r.type == RELEASE]
    return releases[0]


def test_prods_rollout_reaches_the_platform_chart(prod: Plan) -> None:
    release = _platform_release(prod)
    assert release.props["values"]["rollout"] == {
        "strategy": "canary", "steps": [5, 50, 100], "bakeMinutes": 10,
        "http5xxPercent": 5.0, "evaluationMinutes": 3, "unhealthyTargets": 1}
    assert release.helm is not None and release.helm.rendered, release.urn
    rollouts = {o.name: o.object for o in release.helm.objects if o.kind == "Rollout"}
    # prod's public service behind the ALB is the gateway (the ui has no public host there).
    assert sorted(rollouts) == ["forge-platform-gateway"], sorted(rollouts)
    for obj in rollouts.values():
        steps = obj["spec"]["strategy"]["canary"]["steps"]
        assert steps == [{"setWeight": 5}, {"pause": {"duration": "10m"}},
                         {"setWeight": 50}, {"pause": {"duration": "10m"}},
                         {"setWeight": 100}, {"pause": {"duration": "10m"}}]
    assert [o.kind for o in release.helm.objects].count("AnalysisTemplate") == 1
    assert sorted(o.name for o in release.helm.objects if o.kind == "Deployment") == [
        "forge-platform-api", "forge-platform-ui", "forge-platform-worker"]


def test_prod_installs_argo_rollouts_before_the_platform_release(prod: Plan) -> None:
    argo = [r for r in prod.resources if r.type == RELEASE and r.name.endswith("-argo-rollouts")]
    assert len(argo) == 1, [r.name for r in prod.resources if r.type == RELEASE]
    assert argo[0].props["chart"] == "argo-rollouts"
    assert argo[0].props["values"]["controller"]["replicas"] == 2
    assert argo[0].props["values"]["controller"]["extraEnv"] == [
        {"name": "AWS_REGION", "value": "us-east-1"}]
    policy = next(r for r in prod.resources if r.type == ROLE_POLICY
                  and r.name.endswith("-argo-rollouts-policy"))
    actions = [a for s in json.loads(policy.props["policy"])["Statement"]
               for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])]
    assert sorted(actions) == sorted([
        "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeRules",
        "elasticloadbalancing:DescribeTags", "elasticloadbalancing:DescribeTargetHealth",
        "cloudwatch:GetMetricData"])
    # The platform's Helm release itself depends on the Argo Rollouts release (its CRDs).
    addons = [r for r in prod.resources if r.type == ADDONS]
    assert len(addons) == 1 and argo[0].parent == addons[0].urn
    assert argo[0].urn in _platform_release(prod).dependencies


def test_a_rolling_eks_stack_installs_no_argo_rollouts() -> None:
    staging = run_plan("staging", ROOT)
    assert [r.name for r in staging.resources if r.type == RELEASE
            and r.name.endswith("-argo-rollouts")] == []
    release = _platform_release(staging)
    assert release.props["values"]["rollout"]["strategy"] == "rolling"
    assert release.helm is not None
    assert [o.kind for o in release.helm.objects if o.api_version == "argoproj.io/v1alpha1"] == []


def test_outside_prod_the_argo_controller_runs_one_replica() -> None:
    """staging switched to a canary: the add-on comes with it, one controller (no PDB)."""
    from forge_infra.program import build
    from tests.conftest import stack_config
    from tests.helpers import run_mocked

    config = stack_config("staging", rollout={"strategy": "canary", "steps": [10, 100],
                                              "bake_minutes": 5})
    recording = run_mocked(lambda: build(config), stack="staging")
    argo = recording.one(RELEASE, "forge-staging-addons-argo-rollouts")
    controller = argo.inputs["values"]["controller"]
    assert (controller["replicas"], controller["pdb"]["enabled"]) == (1, False)
    platform = next(r for r in recording.of_type(RELEASE)
                    if r.name.endswith("-platform-release"))
    assert platform.inputs["values"]["rollout"] == {
        "strategy": "canary", "steps": [10, 100], "bakeMinutes": 5, "http5xxPercent": 5.0,
        "evaluationMinutes": 3, "unhealthyTargets": 1}
    assert argo.urn in platform.dependencies
