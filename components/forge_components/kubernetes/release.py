"""PlatformRelease: installs the packaged forge-platform Helm chart into a cluster.

The component owns an optional Namespace (labelled for the Pod Security Standard "restricted",
which the chart's pods satisfy) and one `helm.v3.Release` of the chart that ships inside this
package. Values come from the caller, typically
`forge_components.kubernetes.values.platform_values`.
The Kubernetes provider (which cluster) reaches the children through `opts`
(`providers=` / `provider=`), as for any component. What the component `depends_on` (the
cluster add-ons: the External Secrets and Argo Rollouts CRDs the chart's objects need) is
also a dependency of the Helm release itself, so the engine records the order, not only the
SDK's registration.
"""

import dataclasses
import re
from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_kubernetes as k8s

from forge_components.common import MANAGED_BY, child_opts
from forge_components.contracts import SERVICE_NAMES
from forge_components.kubernetes.values import chart_path as packaged_chart_path
from forge_components.kubernetes.values import fullname

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_RELEASE_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_RELEASE_NAME_MAX = 53

POD_SECURITY_LABELS: Mapping[str, str] = {
    "pod-security.kubernetes.io/enforce": "restricted",
    "pod-security.kubernetes.io/enforce-version": "latest",
    "pod-security.kubernetes.io/audit": "restricted",
    "pod-security.kubernetes.io/warn": "restricted",
}
"""Labels of the created namespace: Pod Security Admission enforces "restricted"."""


def _resources(depends_on: object) -> list[pulumi.Resource] | None:
    """The resources of a `depends_on` option (one resource or a list of them); None when
    there are none (an Output of resources is left to the component's own registration)."""
    if isinstance(depends_on, pulumi.Resource):
        return [depends_on]
    if isinstance(depends_on, list | tuple):
        found = [d for d in depends_on if isinstance(d, pulumi.Resource)]
        return found or None
    return None


class PlatformReleaseArgs(TypedDict):
    """Arguments of a PlatformRelease."""

    values: pulumi.Input[dict[str, Any]]
    """The chart's values, e.g. from `platform_values(...)`; never secret values, only
    references. Required."""
    namespace: NotRequired[str]
    """The namespace the release is installed into. Defaults to "forge"."""
    create_namespace: NotRequired[bool]
    """Create the namespace (with Pod Security "restricted" labels) as a child; False installs
    into an existing one. Defaults to True."""
    chart_path: NotRequired[str | None]
    """A chart directory to install instead of the packaged forge-platform chart. Defaults to
    unset (the chart shipped in `forge_components.kubernetes`)."""
    release_name: NotRequired[str | None]
    """The Helm release name (at most 53 characters, DNS-1123). Defaults to unset (the
    component's name)."""
    timeout_seconds: NotRequired[int]
    """How long Helm waits for the release (hooks, rollouts) before failing. Defaults to 600."""
    atomic: NotRequired[bool]
    """Roll back (or uninstall, on a first install) when the release fails. Defaults to True."""
    cleanup_on_fail: NotRequired[bool]
    """Delete the objects a failed upgrade created. Defaults to True."""
    max_history: NotRequired[int]
    """Release revisions Helm keeps (each is a Secret in the namespace). Defaults to 10."""


@dataclasses.dataclass(frozen=True)
class _Settings:
    """`PlatformReleaseArgs` with every default applied."""

    values: pulumi.Input[dict[str, Any]]
    namespace: str = "forge"
    create_namespace: bool = True
    chart_path: str | None = None
    release_name: str | None = None
    timeout_seconds: int = 600
    atomic: bool = True
    cleanup_on_fail: bool = True
    max_history: int = 10

    @classmethod
    def from_args(cls, args: PlatformReleaseArgs) -> "_Settings":
        """Apply the defaults to `args`, refusing unknown fields."""
        values: dict[str, Any] = {k: v for k, v in dict(args).items() if v is not None}
        unknown = sorted(set(values) - {f.name for f in dataclasses.fields(cls)})
        if unknown:
            raise ValueError(f"PlatformReleaseArgs: unknown fields {unknown}")
        return cls(**values)


def deployed_service_names(release_name: str, values: Mapping[str, Any]) -> list[str]:
    """The workloads the chart renders for `values` (Deployments, or Argo Rollouts for the
    services behind the ALB with a canary or blue_green `rollout`): `<fullname>-<service>` per
    enabled service, in the chart's order."""
    prefix = fullname(release_name, str(values.get("fullnameOverride") or ""))
    return [f"{prefix}-{service}"[:63].rstrip("-") for service in SERVICE_NAMES
            if (values.get(service) or {}).get("enabled")]


class PlatformRelease(pulumi.ComponentResource):
    """The forge platform (gateway, api, worker, ui) installed from its Helm chart."""

    release_name: pulumi.Output[str]
    """The Helm release's name, as Helm reports it."""
    namespace: pulumi.Output[str]
    """The namespace the release lives in."""
    status: pulumi.Output[str]
    """The release's status (deployed, failed, ...)."""
    chart_path: pulumi.Output[str]
    """The chart directory that was installed."""
    service_names: pulumi.Output[list[str]]
    """The workloads (Deployments, or Argo Rollouts with a canary or blue_green rollout) of the
    platform's enabled services (`<fullname>-<service>`)."""

    def __init__(self, name: str, args: PlatformReleaseArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        cfg = _Settings.from_args(args)
        super().__init__("forge-kubernetes:index:PlatformRelease", name, None, opts)
        release_name = cfg.release_name or name
        if len(release_name) > _RELEASE_NAME_MAX or not _RELEASE_NAME.match(release_name):
            raise ValueError(
                f"release_name {release_name!r} is not a valid Helm release name (lower-case "
                f"DNS-1123, at most {_RELEASE_NAME_MAX} characters)")
        if not _DNS_LABEL.match(cfg.namespace) or len(cfg.namespace) > 63:
            raise ValueError(f"namespace {cfg.namespace!r} is not a valid namespace name")
        if cfg.timeout_seconds <= 0:
            raise ValueError(f"timeout_seconds must be positive, not {cfg.timeout_seconds}")
        chart = cfg.chart_path or str(packaged_chart_path())

        namespace: pulumi.Input[str] = cfg.namespace
        self._namespace_resource = None
        if cfg.create_namespace:
            self._namespace_resource = k8s.core.v1.Namespace(
                f"{name}-namespace",
                metadata=k8s.meta.v1.ObjectMetaArgs(
                    name=cfg.namespace,
                    labels={**POD_SECURITY_LABELS,
                            "app.kubernetes.io/managed-by": MANAGED_BY,
                            "app.kubernetes.io/part-of": "forge"},
                ),
                opts=child_opts(self),
            )
            namespace = self._namespace_resource.metadata.apply(
                lambda m: m.name or cfg.namespace)

        self._release = k8s.helm.v3.Release(
            f"{name}-release",
            k8s.helm.v3.ReleaseArgs(
                chart=chart,
                name=release_name,
                namespace=namespace,
                create_namespace=False,
                values=cfg.values,
                atomic=cfg.atomic,
                cleanup_on_fail=cfg.cleanup_on_fail,
                timeout=cfg.timeout_seconds,
                max_history=cfg.max_history,
                dependency_update=False,
            ),
            opts=child_opts(self, depends_on=_resources(opts.depends_on if opts else None)),
        )

        self.chart_path = pulumi.Output.from_input(chart)
        self.service_names = pulumi.Output.from_input(cfg.values).apply(
            lambda values: deployed_service_names(release_name, values))
        self.release_name = self._release.status.apply(lambda s: s.name or release_name)
        self.namespace = self._release.status.apply(lambda s: s.namespace or cfg.namespace)
        self.status = self._release.status.apply(lambda s: s.status)
        self.register_outputs({
            "release_name": self.release_name,
            "namespace": self.namespace,
            "status": self.status,
            "chart_path": self.chart_path,
            "service_names": self.service_names,
        })
