"""Helm releases in the plan: rendered offline with Helm's engine, or recorded with a reason."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from forge_components.kubernetes.values import chart_path
from forge_infra.plan import Plan, run_plan
from forge_infra.plan.helm import HELM_DEFAULT, portable_chart_path, render_release
from forge_infra.plan.model import PlanResource, ResourceOptions
from forge_infra.plan.render import render_plan
from tests.components.kubernetes.support import KUBERNETES_VERSION
from tests.conftest import ROOT

RELEASE = "kubernetes:helm.sh/v3:Release"
EKS_STACKS = ("staging", "prod")


@pytest.fixture(scope="module")
def plans() -> dict[str, Plan]:
    return {stack: run_plan(stack, ROOT) for stack in EKS_STACKS}


def _releases(plan: Plan) -> dict[str, PlanResource]:
    return {str(r.props["name"]): r for r in plan.resources if r.type == RELEASE}


@pytest.mark.parametrize("stack", EKS_STACKS)
def test_every_release_is_rendered_or_says_why(plans, stack) -> None:
    releases = _releases(plans[stack])
    # prod releases by canary and installs Argo Rollouts; staging rolls.
    progressive = ["argo-rollouts"] if stack == "prod" else []
    assert sorted(releases) == sorted([*progressive, "aws-load-balancer-controller",
                                       "cluster-autoscaler", "external-dns", "external-secrets",
                                       "forge-platform", "metrics-server"])
    for name, release in releases.items():
        assert release.helm is not None, release.urn
        if name == "forge-platform":
            assert (release.helm.rendered, release.helm.reason) == (True, None), release.urn
            continue
        repo = release.props["repositoryOpts"]["repo"]
        assert release.helm.rendered is False, release.urn
        assert release.helm.objects == [], release.urn
        assert release.helm.reason == (
            f"remote chart {name} {release.props['version']} from {repo}: charts are not "
            "fetched offline"), release.urn


@pytest.mark.parametrize("stack", EKS_STACKS)
def test_the_platform_renders_for_the_clusters_kubernetes_version(plans, stack) -> None:
    plan = plans[stack]
    release = _releases(plan)["forge-platform"]
    cluster = next(r for r in plan.resources if r.type == "aws:eks/cluster:Cluster")
    assert release.helm is not None
    assert release.helm.kube_version == cluster.props["version"], release.urn
    assert release.helm.kube_version_source == f"{cluster.urn} input version", release.urn


def test_the_rendered_objects_are_what_helm_installs(plans) -> None:
    release = _releases(plans["prod"])["forge-platform"]
    assert release.helm is not None
    kinds = Counter(o.kind for o in release.helm.objects)
    # prod's canary: the gateway (behind the ALB) is a Rollout with canary and stable Services
    # and the chart's AnalysisTemplate; api, worker and ui (no public host in prod) Deployments.
    assert (kinds["Deployment"], kinds["Rollout"], kinds["AnalysisTemplate"], kinds["Service"],
            kinds["HorizontalPodAutoscaler"]) == (3, 1, 1, 5, 4), f"{release.urn}: {kinds}"
    namespace = release.props["namespace"]
    for obj in release.helm.objects:
        assert obj.object["kind"] == obj.kind and obj.object["apiVersion"] == obj.api_version
        assert obj.object["metadata"]["name"] == obj.name, release.urn
        assert obj.namespace == namespace, f"{release.urn}: {obj.kind} {obj.name}"
        assert obj.template.startswith("templates/"), obj.template
    deployments = sorted(o.name for o in release.helm.objects if o.kind == "Deployment")
    assert deployments == ["forge-platform-api", "forge-platform-ui",
                           "forge-platform-worker"], release.urn
    assert [o.name for o in release.helm.objects if o.kind == "Rollout"] == [
        "forge-platform-gateway"], release.urn
    services = [o.object for o in release.helm.objects if o.kind == "Service"]
    assert {s["spec"].get("type", "ClusterIP") for s in services} == {"ClusterIP"}


def _release(values: dict, props: dict | None = None) -> PlanResource:
    return PlanResource(
        urn="urn:pulumi:t::p::kubernetes:helm.sh/v3:Release::r", type=RELEASE, name="r",
        custom=True, component=None, parent=None, dependencies=[], property_dependencies={},
        props={"chart": str(chart_path()), "name": "forge", "namespace": "forge",
               "values": values, **(props or {})},
        opts=ResourceOptions(), outputs={})


def test_an_unknown_value_renders_as_its_placeholder() -> None:
    release = _release({"dataServices": {"database": {"host": "[unknown]"}}})
    helm = render_release(release, chart_path=str(chart_path()), kube_version=KUBERNETES_VERSION,
                          kube_version_source="test", project_dir=ROOT)
    assert (helm.rendered, helm.reason) == (True, None)
    assert helm.chart == "forge_components/kubernetes/chart/forge-platform"
    assert helm.objects


def test_a_placeholder_the_chart_refuses_is_a_reason_not_a_crash() -> None:
    release = _release({"dataServices": {"database": {"port": "[unknown]"}}})
    helm = render_release(release, chart_path=str(chart_path()), kube_version=KUBERNETES_VERSION,
                          kube_version_source="test", project_dir=ROOT)
    assert helm.rendered is False and helm.objects == []
    assert helm.reason is not None and helm.reason.startswith("helm: "), helm.reason
    assert "port" in helm.reason, helm.reason
    assert str(ROOT) not in helm.reason


def test_a_release_without_a_cluster_uses_helms_default(tmp_path) -> None:
    from forge_infra.plan.helm import render_releases

    release = _release({})
    render_releases([release], {release.urn: str(chart_path())}, ROOT)
    assert release.helm is not None
    assert (release.helm.kube_version, release.helm.kube_version_source,
            release.helm.rendered) == (None, HELM_DEFAULT, True)


def test_a_missing_local_chart_is_a_reason(tmp_path) -> None:
    missing = tmp_path / "no-chart"
    helm = render_release(_release({}, {"chart": str(missing)}), chart_path=str(missing),
                          kube_version=None, kube_version_source=HELM_DEFAULT,
                          project_dir=tmp_path)
    assert (helm.rendered, helm.reason) == (False, "no Chart.yaml in no-chart")


def test_portable_chart_paths() -> None:
    assert portable_chart_path(str(chart_path()), Path("/elsewhere")) == (
        "forge_components/kubernetes/chart/forge-platform")
    assert portable_chart_path(str(ROOT / "charts" / "x"), ROOT) == "charts/x"
    assert portable_chart_path("external-dns", ROOT) == "external-dns"


def test_the_tree_shows_rendered_and_unrendered_releases(plans, tmp_path) -> None:
    target = tmp_path / "tree.txt"
    with target.open("w") as stream:
        render_plan(plans["prod"], stream, color=False)
    text = target.read_text()
    assert "helm release forge-platform: " in text and " rendered for Kubernetes " in text
    for name in ("aws-load-balancer-controller", "external-dns", "metrics-server",
                 "cluster-autoscaler", "external-secrets", "argo-rollouts"):
        # (a long chart name wraps after "remote chart")
        assert f"helm release {name}: not rendered (remote chart" in text, name
    assert text.rstrip().splitlines()[-2] == "Helm releases: 1 rendered, 6 not rendered."
    assert max(len(line) for line in text.splitlines()) <= 100
