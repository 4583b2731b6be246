"""Kubernetes rules, over the objects the Helm releases render (and pulumi-kubernetes
resources of the same kinds)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from forge_infra.policy.rule import Context, Rule, prop

#: Workload kinds -> the path from the object to its pod spec.
POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "kubernetes:apps/v1:Deployment": ("spec", "template", "spec"),
    "kubernetes:apps/v1:StatefulSet": ("spec", "template", "spec"),
    "kubernetes:apps/v1:DaemonSet": ("spec", "template", "spec"),
    "kubernetes:batch/v1:Job": ("spec", "template", "spec"),
    "kubernetes:batch/v1:CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "kubernetes:core/v1:Pod": ("spec",),
}


def pod_spec(resource: Any) -> dict[str, Any]:
    """The pod spec of a workload object (empty when it has none)."""
    spec = prop(resource.props, *POD_SPEC_PATHS.get(resource.resource_type, ("spec",)))
    return spec if isinstance(spec, dict) else {}


def containers(resource: Any) -> list[dict[str, Any]]:
    """Every container of a workload: init containers first, then the others."""
    spec = pod_spec(resource)
    return [c for key in ("initContainers", "containers") for c in spec.get(key) or []
            if isinstance(c, dict)]


def _no_host_namespaces(resource: Any, context: Context) -> Iterator[str]:
    spec = pod_spec(resource)
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(key) is True:
            yield f"{key} is true: the pod shares the node's namespace"


RULES: tuple[Rule, ...] = (
    Rule(
        id="k8s-pod-no-host-namespaces",
        severity="mandatory",
        category="kubernetes",
        rationale="A pod on the node's network, PID or IPC namespace can see and reach what "
                  "every other pod on the node does.",
        remediation="Remove hostNetwork, hostPID and hostIPC from the pod spec.",
        checks=dict.fromkeys(POD_SPEC_PATHS, _no_host_namespaces),
    ),
)
