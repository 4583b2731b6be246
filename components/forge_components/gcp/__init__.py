"""forge-infra's GCP components (the Pulumi package `forge-gcp`), available as a library.

Importing this package is cheap: it names its components by import path and loads none of
them (nor pulumi_gcp) until asked, as `forge_components.aws` does.

The `gcp` cloud target (`cloud: gcp` in a stack file, `forge_infra.clouds.gcp`) wires these
components; `tests/components/test_contracts.py` holds the package to the contracts.
"""

import importlib

from forge_components.validation import guard

PACKAGE = "forge-gcp"
"""The Pulumi package the components' type tokens name (`forge-gcp:index:<Class>`)."""

COMPONENTS: tuple[str, ...] = (
    "forge_components.gcp.networking:Networking",
    "forge_components.gcp.database:Database",
    "forge_components.gcp.storage:Storage",
    "forge_components.gcp.cache:Cache",
    "forge_components.gcp.compute:Compute",
    "forge_components.gcp.streaming:Streaming",
    "forge_components.gcp.cdn:Cdn",
    "forge_components.gcp.budget:Budget",
    "forge_components.gcp.secrets:AppSecrets",
    "forge_components.gcp.backup:CrossRegionBackup",
)
"""Every component of the package, as `module:Class`; the committed schema
(`forge_components/schemas/forge-gcp.json`) describes them."""

guard(COMPONENTS)  # each component checks its args' fields and types (forge_components.validation)

COMPONENTS_BY_KIND: dict[str, tuple[str, ...]] = {
    "Networking": ("forge_components.gcp.networking:Networking",),
    "Database": ("forge_components.gcp.database:Database",),
    "Storage": ("forge_components.gcp.storage:Storage",),
    "Cache": ("forge_components.gcp.cache:Cache",),
    "Compute": ("forge_components.gcp.compute:Compute",),
    "Streaming": ("forge_components.gcp.streaming:Streaming",),
    "Cdn": ("forge_components.gcp.cdn:Cdn",),
    "Budget": ("forge_components.gcp.budget:Budget",),
}
"""The components that play each contract kind (`forge_components.contracts.OUTPUT_CONTRACTS`)
on GCP, for the kinds that exist so far."""

KINDS_TO_COME: tuple[str, ...] = ()
"""Contract kinds with no GCP component yet: none (the `gcp` target is registered)."""


def load(path: str) -> type:
    """The class a `module:Class` path names, importing its module."""
    module_name, _, class_name = path.partition(":")
    loaded: type = getattr(importlib.import_module(module_name), class_name)
    return loaded
