"""Render every Helm release of a plan offline, with Helm's own engine (helm-python-sdk).

A `kubernetes:helm.sh/v3:Release` is one resource to Pulumi, but what it installs (Deployments,
Services of type LoadBalancer, PersistentVolumeClaims, ...) is what rules and prices need. The
plan renders each release the way `helm install` would template it: the release's recorded
`values`, its name and namespace, and the cluster's Kubernetes version as
`Capabilities.KubeVersion`.

- The Kubernetes version comes from the cluster the release's provider talks to: the first
  resource of a known cluster type (`CLUSTER_VERSION_INPUTS`) found by walking back from the
  provider through its dependencies (and a component's children). Without one, Helm's own
  default version is used and `kube_version_source` says so.
- Values the plan cannot know stay as the recorder's placeholders: `"[unknown]"` for an output
  not known at plan time and `"[secret]"` for a secret, so no secret reaches a rendered object.
  A chart whose schema or templates refuse a placeholder is recorded as not rendered, with
  Helm's message; nothing is skipped silently.
- A chart from a remote repository cannot be fetched offline: recorded as not rendered, with
  the repository and version.
"""

from __future__ import annotations

import importlib.util
from collections import deque
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from forge_infra.plan.model import HelmRender, PlanResource, RenderedObject
from forge_infra.sdk_internals import helm_render

HELM_RELEASE = "kubernetes:helm.sh/v3:Release"

#: Cluster resource type -> the input holding its Kubernetes version ("1.31").
CLUSTER_VERSION_INPUTS: dict[str, str] = {
    "aws:eks/cluster:Cluster": "version",
    "gcp:container/cluster:Cluster": "minMasterVersion",
    "azure-native:containerservice:ManagedCluster": "kubernetesVersion",
}

HELM_DEFAULT = "helm default (no cluster version found through the release's provider)"

#: Kinds that are cluster-scoped: their rendered objects have no namespace.
CLUSTER_SCOPED_KINDS = frozenset({
    "Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
    "StorageClass", "PersistentVolume", "PriorityClass", "IngressClass", "RuntimeClass",
    "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "APIService",
    "ClusterIssuer", "ClusterSecretStore", "ClusterExternalSecret", "CSIDriver",
})


def portable_chart_path(chart: str, project_dir: Path) -> str:
    """A local chart's path without the machine's prefix: from its top-level Python package
    (`forge_components/kubernetes/chart/forge-platform`), else from the project directory;
    a chart name (a remote chart) is returned unchanged."""
    path = Path(chart)
    if not path.is_absolute():
        return chart
    package_root = None
    for ancestor in path.parents:
        if (ancestor / "__init__.py").is_file():
            package_root = ancestor
        elif package_root is not None:
            break
    if package_root is not None:
        return path.relative_to(package_root.parent).as_posix()
    try:
        return path.relative_to(project_dir.resolve()).as_posix()
    except ValueError:
        return chart


def cluster_version(release: PlanResource, by_urn: Mapping[str, PlanResource],
                    children: Mapping[str, list[str]]) -> tuple[str | None, str]:
    """The Kubernetes version of the release's cluster, and where it was found."""
    start = release.provider or ""
    queue: deque[str] = deque([start] if start else [])
    seen: set[str] = set()
    while queue:
        urn = queue.popleft()
        if urn in seen or urn not in by_urn:
            continue
        seen.add(urn)
        resource = by_urn[urn]
        key = CLUSTER_VERSION_INPUTS.get(resource.type)
        if key is not None:
            value = resource.props.get(key) or resource.outputs.get(key)
            if isinstance(value, str) and value and not value.startswith("["):
                return value, f"{urn} input {key}"
        queue.extend(resource.dependencies)
        if not resource.custom:
            queue.extend(children.get(urn, []))
    return None, HELM_DEFAULT


def _kube_version_flag(version: str) -> str:
    """`1.31` -> `v1.31.0`, the form Helm's `--kube-version` takes."""
    parts = version.lstrip("v").split(".")
    while len(parts) < 3:
        parts.append("0")
    return "v" + ".".join(parts[:3])


@cache
def _load_chart(path: str) -> Any:
    import helm_python

    return helm_python.Chart.load(path)


def _objects(manifests: Mapping[str, str], namespace: str) -> list[RenderedObject]:
    objects: list[RenderedObject] = []
    for template, text in sorted(manifests.items()):
        if template.endswith("NOTES.txt"):
            continue
        relative = template.split("/", 1)[1] if "/" in template else template
        for document in yaml.safe_load_all(text):
            if not isinstance(document, dict) or "kind" not in document:
                continue
            metadata = document.get("metadata") or {}
            kind = str(document["kind"])
            objects.append(RenderedObject(
                api_version=str(document.get("apiVersion", "")), kind=kind,
                namespace=None if kind in CLUSTER_SCOPED_KINDS else (
                    metadata.get("namespace") or namespace),
                name=str(metadata.get("name", "")), template=relative, object=document))
    return objects


def render_release(release: PlanResource, *, chart_path: str, kube_version: str | None,
                   kube_version_source: str, project_dir: Path) -> HelmRender:
    """Render one release; never raises for a chart it cannot render (it says why)."""
    props = release.props
    repository = (props.get("repositoryOpts") or {}).get("repo")
    version = str(props["version"]) if props.get("version") else None
    portable = portable_chart_path(chart_path, project_dir)

    def result(reason: str | None, objects: list[RenderedObject] | None = None,
               chart_version: str | None = version) -> HelmRender:
        return HelmRender(chart=portable, version=chart_version, rendered=reason is None,
                          reason=reason, kube_version=kube_version,
                          kube_version_source=kube_version_source, objects=objects or [])

    local = Path(chart_path)
    if repository or not local.is_absolute():
        where = f" from {repository}" if repository else ""
        return result(f"remote chart {chart_path}{' ' + version if version else ''}{where}: "
                      "charts are not fetched offline")
    if not (local / "Chart.yaml").is_file():
        return result(f"no Chart.yaml in {portable}")
    if importlib.util.find_spec("helm_python") is None:
        return result("helm-python-sdk is not installed (pip install helm-python-sdk)")
    namespace = props.get("namespace")
    namespace = namespace if isinstance(namespace, str) and namespace else "default"
    name = props.get("name") if isinstance(props.get("name"), str) else release.name
    options: dict[str, Any] = {"name": name, "namespace": namespace, "is_install": True}
    if kube_version:
        options["kube_version"] = _kube_version_flag(kube_version)
    try:
        chart = _load_chart(str(local))
        chart_version = str(chart.version)
        manifests = helm_render(chart, props.get("values") or {}, options)
    except Exception as exc:  # Helm's own refusal (schema, template error) is the reason
        return result("helm: " + str(exc).replace(str(local), portable))
    return result(None, _objects(manifests, namespace), chart_version)


def render_releases(resources: list[PlanResource], chart_paths: Mapping[str, str],
                    project_dir: Path) -> None:
    """Set `helm` on every Helm release of `resources` (in place).

    `chart_paths` maps a release's URN to its `chart` input as recorded (an absolute path for
    a local chart), since the plan's own `props` keep only the portable form.
    """
    releases = [r for r in resources if r.type == HELM_RELEASE]
    if not releases:
        return
    by_urn = {r.urn: r for r in resources}
    children: dict[str, list[str]] = {}
    for resource in resources:
        if resource.parent:
            children.setdefault(resource.parent, []).append(resource.urn)
    for release in releases:
        kube_version, source = cluster_version(release, by_urn, children)
        release.helm = render_release(
            release, chart_path=chart_paths.get(release.urn, str(release.props.get("chart"))),
            kube_version=kube_version, kube_version_source=source, project_dir=project_dir)
