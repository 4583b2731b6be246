"""Progressive delivery in the forge-platform chart: `rollout` canary / blue_green renders Argo
Rollouts for the services behind the ALB Ingress, and rolling renders exactly what it did.

The Rollouts and the AnalysisTemplate are custom resources kubernetes-validate has no schema
for: their structure is asserted field by field here, and each Rollout's pod template is
validated strictly inside an apps/v1 Deployment. The failure conditions are also evaluated (a
small translation of the expr-lang subset they use into Python) over CloudWatch-like series.

What this does not prove: that Argo Rollouts accepts the objects, that the AWS Load Balancer
Controller follows the action annotation Argo writes, or that CloudWatch returns what the
conditions expect (field names and semantics come from the Argo Rollouts and AWS docs cited in
the chart's templates).
"""

from __future__ import annotations

import copy
import re
from typing import Any

import helm_python
import kubernetes_validate
import pytest

from forge_components.contracts import RolloutSpec
from forge_components.kubernetes.values import platform_values, rollout_values
from tests.components.kubernetes.support import (
    CHART_DIR,
    KUBERNETES_VERSION,
    NAMESPACE,
    env_values,
    full,
    named,
    of_kind,
    platform_kwargs,
    render,
    render_raw,
    resolve,
    selector,
    validate_all,
)

ARGO = "argoproj.io/v1alpha1"
PUBLIC = ("gateway", "ui")
INTERNAL = ("api", "worker")
TEMPLATE = "forge-forge-platform-alb-health"
INGRESS = "forge-forge-platform"


def spec(strategy: str = "canary", steps: list[int] | None = None, bake: int = 10,
         percent: float = 5.0, minutes: int = 3, unhealthy: int = 1) -> RolloutSpec:
    """A RolloutSpec as program.rollout_spec builds it."""
    default = {"canary": [5, 50, 100], "blue_green": [100], "rolling": []}[strategy]
    return RolloutSpec(strategy=strategy, steps=default if steps is None else steps,
                       bake_minutes=bake if strategy != "rolling" else 0,
                       http_5xx_percent=percent, evaluation_minutes=minutes,
                       unhealthy_targets=unhealthy)


def prod_values(rollout: RolloutSpec | None) -> dict[str, Any]:
    """platform_values for the prod-like stack with `rollout`, resolved."""
    kwargs = platform_kwargs("prod")
    if rollout is not None:
        kwargs["rollout"] = rollout
    values: dict[str, Any] = resolve(lambda: platform_values(**kwargs))
    return values


_CACHE: dict[str, list[dict[str, Any]]] = {}


def objects_for(key: str) -> list[dict[str, Any]]:
    """Rendered objects of a named case (once per session; tests must not mutate them)."""
    if key not in _CACHE:
        cases = {"none": None, "rolling": spec("rolling"), "canary": spec(),
                 "blue_green": spec("blue_green")}
        _CACHE[key] = render(prod_values(cases[key]))
    return _CACHE[key]


def rollout(objects: list[dict[str, Any]], component: str) -> dict[str, Any]:
    """The Rollout of a component."""
    return named(objects, "Rollout", full(component))


def canary(objects: list[dict[str, Any]], component: str) -> dict[str, Any]:
    """The canary strategy of a component's Rollout."""
    strategy: dict[str, Any] = rollout(objects, component)["spec"]["strategy"]
    assert list(strategy) == ["canary"], strategy
    return strategy["canary"]  # type: ignore[no-any-return]


# -- rolling is unchanged -----------------------------------------------------------------------

def test_rolling_renders_exactly_what_no_rollout_renders():
    """An explicit rolling rollout changes nothing but the values block itself."""
    assert objects_for("rolling") == objects_for("none")


@pytest.mark.parametrize("values", ["defaults", "values-prod", "rolling"])
def test_rolling_renders_no_argo_object(values):
    objects = (render(None) if values == "defaults" else
               render(env_values("prod")) if values == "values-prod" else objects_for(values))
    assert [o for o in objects if o["apiVersion"] == ARGO] == []
    names = [o["metadata"]["name"] for o in of_kind(objects, "Service")]
    assert not [n for n in names if n.endswith(("-canary", "-stable"))], names
    targets = {h["spec"]["scaleTargetRef"]["kind"]
               for h in of_kind(objects, "HorizontalPodAutoscaler")}
    assert targets <= {"Deployment"}, targets
    ports = [p["backend"]["service"]["port"] for i in of_kind(objects, "Ingress")
             for r in i["spec"]["rules"] for p in r["http"]["paths"]]
    assert all(port == {"name": "http"} for port in ports), ports
    assert len(ports) == (0 if values == "defaults" else 2), ports


# -- canary: which services, and the pod template ------------------------------------------------

def test_canary_makes_rollouts_of_the_public_services_only():
    objects = objects_for("canary")
    assert sorted(o["metadata"]["name"] for o in of_kind(objects, "Rollout")) == sorted(
        full(c) for c in PUBLIC)
    assert sorted(o["metadata"]["name"] for o in of_kind(objects, "Deployment")) == sorted(
        full(c) for c in INTERNAL)
    assert [o["metadata"]["name"] for o in of_kind(objects, "AnalysisTemplate")] == [TEMPLATE]


@pytest.mark.parametrize("component", PUBLIC)
def test_a_rollout_keeps_the_deployments_pod_template_and_selector(component):
    deployment = named(objects_for("none"), "Deployment", full(component))
    made = rollout(objects_for("canary"), component)
    assert made["apiVersion"] == ARGO
    assert made["metadata"] == deployment["metadata"]
    assert made["spec"]["template"] == deployment["spec"]["template"]
    assert made["spec"]["selector"] == deployment["spec"]["selector"] == {
        "matchLabels": selector(component)}
    # Autoscaled: the HPA owns replicas, as for the Deployment.
    assert "replicas" not in made["spec"] and "replicas" not in deployment["spec"]
    assert made["spec"]["revisionHistoryLimit"] == 5


@pytest.mark.parametrize("component", PUBLIC)
def test_a_rollouts_pod_template_is_a_valid_deployment_template(component):
    made = rollout(objects_for("canary"), component)
    wrapped = {"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": made["metadata"]["name"], "namespace": NAMESPACE},
               "spec": {"selector": made["spec"]["selector"],
                        "template": made["spec"]["template"]}}
    kubernetes_validate.validate(wrapped, KUBERNETES_VERSION, strict=True)
    # The validation can fail: a stray field in the pod spec is refused.
    broken = copy.deepcopy(wrapped)
    broken["spec"]["template"]["spec"]["containers"][0]["imagePullPolice"] = "Always"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_every_other_canary_object_validates_against_kubernetes():
    skipped = validate_all(objects_for("canary"))
    assert sorted(skipped) == sorted(["AnalysisTemplate", "ExternalSecret", "ExternalSecret",
                                      "ExternalSecret", "Rollout", "Rollout"])


# -- canary: steps, services, traffic routing, analysis --------------------------------------

@pytest.mark.parametrize(("steps", "bake"), [([5, 50, 100], 10), ([10, 100], 7), ([100], 1)])
def test_each_step_sets_the_weight_then_bakes(steps, bake):
    objects = render(prod_values(spec(steps=steps, bake=bake)))
    for component in PUBLIC:
        expected: list[dict[str, Any]] = []
        for percent in steps:
            expected += [{"setWeight": percent}, {"pause": {"duration": f"{bake}m"}}]
        assert canary(objects, component)["steps"] == expected


@pytest.mark.parametrize("component", PUBLIC)
def test_canary_and_stable_services_copy_the_main_service(component):
    objects = objects_for("canary")
    main = named(objects, "Service", full(component))
    routing = canary(objects, component)
    assert routing["canaryService"] == f"{full(component)}-canary"
    assert routing["stableService"] == f"{full(component)}-stable"
    for name in (routing["canaryService"], routing["stableService"]):
        extra = named(objects, "Service", name)
        assert extra["spec"] == main["spec"], name
        # The ALB health-checks the probe path on every target group.
        assert extra["metadata"]["annotations"] == main["metadata"]["annotations"] == {
            "alb.ingress.kubernetes.io/healthcheck-path": "/health" if component == "gateway"
            else "/"}
    assert routing["trafficRouting"] == {"alb": {
        "ingress": INGRESS, "rootService": full(component), "servicePort": 80}}
    assert (routing["scaleDownDelaySeconds"], routing["abortScaleDownDelaySeconds"]) == (60, 60)
    assert {"maxSurge", "dynamicStableScale"}.isdisjoint(routing), routing


@pytest.mark.parametrize("component", PUBLIC)
def test_the_analysis_runs_from_the_first_weight_on_the_canary_target_group(component):
    analysis = canary(objects_for("canary"), component)["analysis"]
    assert analysis == {
        "templates": [{"templateName": TEMPLATE}],
        "startingStep": 1,
        "args": [
            {"name": "load-balancer",
             "valueFrom": {"fieldRef": {"fieldPath": "status.alb.loadBalancer.fullName"}}},
            {"name": "target-group",
             "valueFrom": {"fieldRef": {"fieldPath": "status.alb.canaryTargetGroup.fullName"}}},
        ]}


def test_the_ingress_forwards_rollouts_by_the_action_argo_writes():
    ingress = named(objects_for("canary"), "Ingress", INGRESS)
    backends = {p["backend"]["service"]["name"]: p["backend"]["service"]["port"]
                for r in ingress["spec"]["rules"] for p in r["http"]["paths"]}
    assert backends == {full(c): {"name": "use-annotation"} for c in PUBLIC}
    # Argo writes alb.ingress.kubernetes.io/actions.<rootService>; the chart does not.
    assert not [a for a in ingress["metadata"]["annotations"]
                if a.startswith("alb.ingress.kubernetes.io/actions.")]


def test_hpas_scale_the_rollouts_and_pdbs_select_both_revisions():
    objects = objects_for("canary")
    for component in (*PUBLIC, *INTERNAL):
        hpa = named(objects, "HorizontalPodAutoscaler", full(component))
        expected = ({"apiVersion": ARGO, "kind": "Rollout"} if component in PUBLIC
                    else {"apiVersion": "apps/v1", "kind": "Deployment"})
        assert hpa["spec"]["scaleTargetRef"] == {**expected, "name": full(component)}
        pdb = named(objects, "PodDisruptionBudget", full(component))
        assert pdb["spec"]["selector"] == {"matchLabels": selector(component)}


# -- the AnalysisTemplate --------------------------------------------------------------------

def _dimensions() -> list[dict[str, str]]:
    return [{"name": "LoadBalancer", "value": "{{args.load-balancer}}"},
            {"name": "TargetGroup", "value": "{{args.target-group}}"}]


def _stat(query_id: str, metric: str, stat: str) -> dict[str, Any]:
    return {"id": query_id, "returnData": False, "metricStat": {
        "metric": {"namespace": "AWS/ApplicationELB", "metricName": metric,
                   "dimensions": _dimensions()},
        "period": 60, "stat": stat}}


@pytest.mark.parametrize(("percent", "minutes", "unhealthy"), [(5.0, 3, 1), (2.5, 5, 2)])
def test_the_analysis_template_watches_the_alarms_signals(percent, minutes, unhealthy):
    objects = render(prod_values(spec(percent=percent, minutes=minutes, unhealthy=unhealthy)))
    template = named(objects, "AnalysisTemplate", TEMPLATE)
    assert template["apiVersion"] == ARGO
    assert template["spec"]["args"] == [{"name": "load-balancer"}, {"name": "target-group"}]
    rate, hosts = template["spec"]["metrics"]
    window = f"result[0].Values[1:{minutes + 1}]"
    enough = f"len(result) > 0 && len(result[0].Values) > {minutes}"
    assert rate == {
        "name": "http-5xx-percent", "interval": "1m", "failureLimit": 0,
        "consecutiveErrorLimit": 4,
        "failureCondition": f"{enough} && all({window}, {{# > {percent:g}}})",
        "provider": {"cloudWatch": {"interval": f"{minutes + 2}m", "metricDataQueries": [
            {"id": "rate", "label": "5xx share of the new pods' responses (percent)",
             "expression": "IF(FILL(m2, 0) > 0, 100 * FILL(m1, 0) / FILL(m2, 0), 0)",
             "returnData": True},
            _stat("m1", "HTTPCode_Target_5XX_Count", "Sum"),
            _stat("m2", "RequestCount", "Sum"),
        ]}}}
    assert hosts == {
        "name": "unhealthy-targets", "interval": "1m", "failureLimit": 0,
        "consecutiveErrorLimit": 4,
        "failureCondition": f"{enough} && all({window}, {{# >= {unhealthy}}})",
        "provider": {"cloudWatch": {"interval": f"{minutes + 2}m", "metricDataQueries": [
            {"id": "unhealthy", "label": "unhealthy targets of the new pods",
             "expression": "FILL(m1, 0)", "returnData": True},
            _stat("m1", "UnHealthyHostCount", "Maximum"),
        ]}}}


def _condition(expression: str):  # type: ignore[no-untyped-def]
    """The expr-lang failure condition as a Python predicate over `result` (a list of
    {"Values": [...]}, newest first): only the subset the chart writes is translated."""
    python = expression.replace("&&", "and")
    python = re.sub(r"all\((result\[0\]\.Values\[\d+:\d+\]), \{# (>=|>) ([0-9.]+)\}\)",
                    r"all(v \2 \3 for v in \1)", python)
    python = python.replace(".Values", '["Values"]')
    assert "#" not in python and "{" not in python, python
    return lambda result: eval(python, {"len": len, "all": all}, {"result": result})


@pytest.mark.parametrize(("values", "fails"), [
    # Newest first; the newest (current, incomplete) minute is never counted.
    ([0.0, 9.0, 9.0, 9.0, 0.0], True),        # three complete minutes above 5%
    ([9.0, 9.0, 9.0, 0.0, 0.0], False),       # only two complete ones
    ([0.0, 9.0, 0.0, 9.0, 9.0], False),       # not in a row
    ([0.0, 5.0, 5.0, 5.0, 0.0], False),       # at the threshold is not above it
    ([0.0, 9.0, 9.0], False),                 # too few minutes yet
    ([], False),                              # no data at all: no traffic is no failure
])
def test_the_5xx_condition_needs_the_evaluation_minutes_in_a_row(values, fails):
    template = named(objects_for("canary"), "AnalysisTemplate", TEMPLATE)
    failed = _condition(template["spec"]["metrics"][0]["failureCondition"])
    assert failed([{"Values": values}]) is fails
    assert failed([]) is False


@pytest.mark.parametrize(("values", "fails"), [
    ([0.0, 1.0, 1.0, 1.0], True), ([0.0, 1.0, 1.0, 0.0], False), ([3.0, 0.0, 0.0, 0.0], False)])
def test_the_unhealthy_condition_counts_at_least_the_threshold(values, fails):
    template = named(objects_for("canary"), "AnalysisTemplate", TEMPLATE)
    failed = _condition(template["spec"]["metrics"][1]["failureCondition"])
    assert failed([{"Values": values}]) is fails


# -- blue_green --------------------------------------------------------------------------------

def test_blue_green_is_one_step_to_100_with_the_same_analysis():
    objects = objects_for("blue_green")
    for component in PUBLIC:
        strategy = canary(objects, component)
        assert strategy["steps"] == [{"setWeight": 100}, {"pause": {"duration": "10m"}}]
        assert strategy["analysis"] == canary(objects_for("canary"), component)["analysis"]
    assert of_kind(objects, "AnalysisTemplate") == of_kind(objects_for("canary"),
                                                           "AnalysisTemplate")


# -- refusals ----------------------------------------------------------------------------------

def _with_rollout(**rollout: Any) -> dict[str, Any]:
    values = env_values("prod")
    values["rollout"] = {**rollout_values(spec()), **rollout}
    return values


@pytest.mark.parametrize(("rollout", "message"), [
    ({"strategy": "linear"}, "at '/rollout/strategy': value must be one of"),
    ({"steps": [0, 100]}, "at '/rollout/steps/0': minimum: got 0, want 1"),
    ({"steps": [5, 5, 100]}, "at '/rollout/steps': items at 0 and 1 are equal"),
    ({"bakeMinutes": 1441}, "at '/rollout/bakeMinutes': maximum: got 1,441, want 1,440"),
    ({"http5xxPercent": 0}, "at '/rollout/http5xxPercent': exclusiveMinimum"),
    ({"evaluationMinutes": 0}, "at '/rollout/evaluationMinutes': minimum: got 0, want 1"),
    ({"canary": True}, "at '/rollout': additional properties 'canary' not allowed"),
])
def test_the_schema_refuses_bad_rollout_values(rollout, message):
    with pytest.raises(helm_python.HelmValuesError) as caught:
        render(_with_rollout(**rollout))
    assert message in str(caught.value)


@pytest.mark.parametrize(("rollout", "className", "message"), [
    ({"steps": [5, 50]}, "alb", "rollout.steps [5 50] ends at 50; the last step is 100"),
    ({"steps": [50, 5, 100]}, "alb", "rollout.steps [50 5 100] is not strictly increasing"),
    ({"steps": []}, "alb", "rollout.steps is empty"),
    ({"bakeMinutes": 0}, "alb", "rollout.bakeMinutes is 0: a canary release needs at least 1"),
    ({}, "nginx", "rollout.strategy canary needs ingress.className alb"),
])
def test_the_templates_refuse_what_argo_could_not_run(rollout, className, message):
    values = _with_rollout(**rollout)
    values["ingress"]["className"] = className
    with pytest.raises(helm_python.HelmRenderError) as caught:
        render(values)
    assert message in str(caught.value)


def test_lint_strict_is_clean_with_the_canary():
    report = helm_python.lint(CHART_DIR, _with_rollout(), strict=True, namespace=NAMESPACE,
                              kube_version=f"v{KUBERNETES_VERSION}.0")
    assert report["errors"] == []
    assert [(m["severity"], m["error"]) for m in report["messages"]] == [
        (1, "icon is recommended")], report["messages"]


# -- rollout_values ----------------------------------------------------------------------------

def test_rollout_values_map_the_spec_onto_the_chart():
    assert rollout_values(spec(percent=2.5, minutes=4, unhealthy=2, bake=15)) == {
        "strategy": "canary", "steps": [5, 50, 100], "bakeMinutes": 15,
        "http5xxPercent": 2.5, "evaluationMinutes": 4, "unhealthyTargets": 2}
    assert rollout_values(spec("blue_green"))["steps"] == [100]
    rolling = rollout_values(spec("rolling"))
    assert (rolling["steps"], rolling["bakeMinutes"]) == ([], 0)


@pytest.mark.parametrize(("rollout", "message"), [
    ({**spec(), "strategy": "linear"},
     "rollout strategy must be one of ['rolling', 'canary', 'blue_green'], not 'linear'"),
    ({**spec(), "steps": [5, 50]},
     "canary steps must be increasing percentages ending at 100, not [5, 50]"),
    ({**spec(), "steps": [50, 5, 100]},
     "canary steps must be increasing percentages ending at 100, not [50, 5, 100]"),
])
def test_rollout_values_refuse_what_the_chart_cannot_run(rollout, message):
    with pytest.raises(ValueError) as caught:
        rollout_values(rollout)
    assert str(caught.value) == message



def test_the_notes_say_how_to_watch_the_rollouts():
    canary_notes = render_raw(prod_values(spec()))["forge-platform/templates/NOTES.txt"]
    rolling_notes = render_raw(prod_values(None))["forge-platform/templates/NOTES.txt"]
    watch = [line.strip() for line in canary_notes.splitlines() if "argo rollouts" in line]
    assert watch == [f"kubectl argo rollouts -n {NAMESPACE} get rollout {full(c)} --watch"
                     for c in PUBLIC]
    assert "argo rollouts" not in rolling_notes
