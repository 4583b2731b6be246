"""forge-infra's reusable Pulumi components, importable by any Pulumi Python program.

One module per component per cloud (`forge_components.aws.database`, ...), one Pulumi package
per cloud (`forge-aws`, ...) plus the cloud-neutral `forge-kubernetes` (the platform Helm chart,
shipped inside `forge_components.kubernetes` as package data, and its release component). The
outputs every cloud's component of a kind shares are in `forge_components.contracts`. See
docs/COMPONENTS.md.
"""

PACKAGES: dict[str, str] = {
    "forge-aws": "forge_components.aws",
    "forge-azure": "forge_components.azure",
    "forge-gcp": "forge_components.gcp",
    "forge-kubernetes": "forge_components.kubernetes",
}
"""Each Pulumi package and the Python package that declares its `COMPONENTS` (and, for a
cloud, its `COMPONENTS_BY_KIND`); its schema is `forge_components/schemas/<package>.json`.
A new cloud adds one entry."""
