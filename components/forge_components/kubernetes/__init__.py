"""The forge platform on Kubernetes: its Helm chart (package data) and the release component.

- `chart/forge-platform/`: the Helm chart (gateway, api, worker, ui), installable on its own
  with `helm install`.
- `values.platform_values(...)`: pure; ServiceSpecs and data endpoints -> the chart's values.
- `release.PlatformRelease`: a ComponentResource installing the chart via `helm.v3.Release`.
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

__all__ = [
    "PlatformRelease",
    "PlatformReleaseArgs",
    "chart_default_values",
    "chart_path",
    "fullname",
    "merge_values",
    "platform_values",
    "service_account_name",
]
