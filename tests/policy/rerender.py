"""Render a Helm release of a plan again after its values changed, so the offline plan's
objects are those the policy pack renders from the changed inputs (the plan holds the objects
rendered when it was made)."""

from __future__ import annotations

from forge_infra.plan.helm import HELM_RELEASE, render_release
from forge_infra.plan.model import Plan
from tests.conftest import ROOT
from tests.policy.harness import _engine_props


def platform_release_index(plan: Plan) -> int:
    """The index of the platform chart's release among the plan's Helm releases (for
    `mutated(..., index=)`)."""
    releases = [r for r in plan.resources if r.type == HELM_RELEASE]
    return next(i for i, r in enumerate(releases) if r.name.endswith("platform-release"))


def rerendered(plan: Plan, urn: str) -> Plan:
    """`plan` with the release `urn` rendered again from its (changed) values, as the policy
    pack renders it from the engine's inputs: the offline plan holds the objects rendered
    when it was made."""
    release = next(r for r in plan.resources if r.urn == urn)
    assert release.helm is not None
    release.helm = render_release(
        release, chart_path=_engine_props(release)["chart"], kube_version=release.helm.kube_version,
        kube_version_source=release.helm.kube_version_source, project_dir=ROOT)
    assert release.helm.rendered, release.helm.reason
    return plan
