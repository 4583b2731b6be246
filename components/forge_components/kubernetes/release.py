"""PlatformRelease: installs the packaged forge-platform Helm chart into a cluster.

The component owns an optional Namespace (labelled for the Pod Security Standard "restricted",
which the chart's pods satisfy) and one `helm.v3.Release` of the chart that ships inside this
package. Values come from the caller, typically `components.kubernetes.values.platform_values`.
The Kubernetes provider (which cluster) reaches the children through `opts`
(`providers=` / `provider=`), as for any component.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from forge_components.common import MANAGED_BY, child_opts
from forge_components.kubernetes.values import chart_path as packaged_chart_path

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


@dataclasses.dataclass
class PlatformReleaseArgs:
    """Arguments of a PlatformRelease."""

    values: pulumi.Input[Mapping[str, Any]]
    """The chart's values, e.g. from `platform_values(...)`; never secret values, only
    references. Required."""
    namespace: str = "forge"
    """The namespace the release is installed into. Defaults to "forge"."""
    create_namespace: bool = True
    """Create the namespace (with Pod Security "restricted" labels) as a child; False installs
    into an existing one. Defaults to True."""
    chart_path: str | None = None
    """A chart directory to install instead of the packaged forge-platform chart. Defaults to
    None (the chart shipped in `components.kubernetes`)."""
    release_name: str | None = None
    """The Helm release name (at most 53 characters, DNS-1123). Defaults to None (the
    component's name)."""
    timeout_seconds: int = 600
    """How long Helm waits for the release (hooks, rollouts) before failing. Defaults to 600."""
    atomic: bool = True
    """Roll back (or uninstall, on a first install) when the release fails. Defaults to True."""
    cleanup_on_fail: bool = True
    """Delete the objects a failed upgrade created. Defaults to True."""
    max_history: int = 10
    """Release revisions Helm keeps (each is a Secret in the namespace). Defaults to 10."""


class PlatformRelease(pulumi.ComponentResource):
    """The forge platform (gateway, api, worker, ui) installed from its Helm chart."""

    release_name: pulumi.Output[str]
    """The Helm release's name, as Helm reports it."""
    namespace: pulumi.Output[str]
    """The namespace the release lives in."""
    status: pulumi.Output[str]
    """The release's status (deployed, failed, ...)."""
    chart_path: str
    """The chart directory that was installed."""
    namespace_resource: k8s.core.v1.Namespace | None
    """The created Namespace; None when create_namespace is False."""
    release: k8s.helm.v3.Release
    """The Helm release."""

    def __init__(self, name: str, args: PlatformReleaseArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("forge-kubernetes:index:PlatformRelease", name, None, opts)
        release_name = args.release_name or name
        if len(release_name) > _RELEASE_NAME_MAX or not _RELEASE_NAME.match(release_name):
            raise ValueError(
                f"release_name {release_name!r} is not a valid Helm release name (lower-case "
                f"DNS-1123, at most {_RELEASE_NAME_MAX} characters)")
        if not _DNS_LABEL.match(args.namespace) or len(args.namespace) > 63:
            raise ValueError(f"namespace {args.namespace!r} is not a valid namespace name")
        if args.timeout_seconds <= 0:
            raise ValueError(f"timeout_seconds must be positive, not {args.timeout_seconds}")
        chart = args.chart_path or str(packaged_chart_path())

        namespace: pulumi.Input[str] = args.namespace
        self.namespace_resource = None
        if args.create_namespace:
            self.namespace_resource = k8s.core.v1.Namespace(
                f"{name}-namespace",
                metadata=k8s.meta.v1.ObjectMetaArgs(
                    name=args.namespace,
                    labels={**POD_SECURITY_LABELS,
                            "app.kubernetes.io/managed-by": MANAGED_BY,
                            "app.kubernetes.io/part-of": "forge"},
                ),
                opts=child_opts(self),
            )
            namespace = self.namespace_resource.metadata.apply(lambda m: m.name)

        self.release = k8s.helm.v3.Release(
            f"{name}-release",
            k8s.helm.v3.ReleaseArgs(
                chart=chart,
                name=release_name,
                namespace=namespace,
                create_namespace=False,
                values=args.values,
                atomic=args.atomic,
                cleanup_on_fail=args.cleanup_on_fail,
                timeout=args.timeout_seconds,
                max_history=args.max_history,
                dependency_update=False,
            ),
            opts=child_opts(self),
        )

        self.chart_path = chart
        self.release_name = self.release.status.apply(lambda s: s.name or release_name)
        self.namespace = self.release.status.apply(lambda s: s.namespace or args.namespace)
        self.status = self.release.status.apply(lambda s: s.status)
        self.register_outputs({
            "release_name": self.release_name,
            "namespace": self.namespace,
            "status": self.status,
            "chart_path": self.chart_path,
        })
