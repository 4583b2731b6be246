"""The forge platform on Kubernetes: its Helm chart (package data) and the release component.

- `chart/forge-platform/`: the Helm chart (gateway, api, worker, ui), installable on its own
  with `helm install`.
- `values.platform_values(...)`: pure; ServiceSpecs and data endpoints -> the chart's values,
  with the cloud-specific parts (workload identity, secret store, cloud-API CIDRs) injected.
- `release.PlatformRelease`: a ComponentResource installing the chart via `helm.v3.Release`
  (the Pulumi package `forge-kubernetes`).

Cloud-neutral: nothing here imports a cloud SDK or `forge_components.<cloud>`; the EKS-only
add-ons live in `forge_components.aws.eks_addons`.
"""

from forge_components.kubernetes.release import PlatformRelease, PlatformReleaseArgs
from forge_components.kubernetes.values import (
    chart_default_values,
    chart_path,
    fullname,
    merge_values,
    platform_values,
    service_account_name,
)
from forge_components.validation import guard

PACKAGE = "forge-kubernetes"
"""The Pulumi package the components' type tokens name (`forge-kubernetes:index:<Class>`)."""

COMPONENTS: tuple[str, ...] = ("forge_components.kubernetes.release:PlatformRelease",)
"""Every component of the package, as `module:Class` (see `forge_components.aws.COMPONENTS`)."""

guard(COMPONENTS)  # each component checks its args' fields and types (forge_components.validation)

__all__ = [
    "COMPONENTS",
    "PACKAGE",
    "PlatformRelease",
    "PlatformReleaseArgs",
    "chart_default_values",
    "chart_path",
    "fullname",
    "merge_values",
    "platform_values",
    "service_account_name",
]
