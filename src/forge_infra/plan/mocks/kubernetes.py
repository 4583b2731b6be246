"""pulumi_kubernetes (token package `kubernetes`): what the cluster would report back.

Objects echo their inputs (the API server's defaulting is not simulated). A Helm release
answers as a first install that succeeded, with the chart's name and versions read from a
local chart's Chart.yaml. What a release creates inside the cluster is not answered here: the
plan renders it with Helm's own engine (`forge_infra.plan.helm`).
"""

from __future__ import annotations

import pathlib
from typing import Any

import yaml

from forge_infra.plan.mocks.base import MockContext, ProviderPackageMocks

HELM_RELEASE = "kubernetes:helm.sh/v3:Release"


def helm_release(name: str, inputs: dict[str, Any], _id: str = "") -> dict[str, Any]:
    """A first install that succeeded; chart name and versions from a local chart."""
    chart = str(inputs.get("chart") or "")
    status: dict[str, Any] = {
        "name": inputs.get("name") or name, "namespace": inputs.get("namespace") or "default",
        "status": "deployed", "revision": 1, "chart": chart.rstrip("/").rsplit("/", 1)[-1]}
    chart_yaml = pathlib.Path(chart) / "Chart.yaml"
    if chart and chart_yaml.is_file():
        meta = yaml.safe_load(chart_yaml.read_text(encoding="utf-8")) or {}
        status.update({"chart": meta.get("name"), "version": str(meta.get("version")),
                       "appVersion": str(meta.get("appVersion"))})
    return {"status": status}


class KubernetesMocks(ProviderPackageMocks):
    """Deterministic stand-ins for the Kubernetes provider's resources."""

    package = "kubernetes"

    def __init__(self, context: MockContext) -> None:
        super().__init__(context)
        self.resources[HELM_RELEASE] = helm_release
