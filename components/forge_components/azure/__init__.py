"""forge-infra's Azure components (the Pulumi package `forge-azure`), available as a library.

Importing this package is cheap: it names its components by import path and loads none of
them (nor pulumi_azure_native) until asked, as `forge_components.gcp` does.

The package plays every contract kind, and the `azure` cloud target (`cloud: azure` in a
stack file, `forge_infra.clouds.azure`) builds a stack from them;
`tests/components/test_contracts.py` holds each component to its kind's contract.
"""

import importlib

PACKAGE = "forge-azure"
"""The Pulumi package the components' type tokens name (`forge-azure:index:<Class>`)."""

COMPONENTS: tuple[str, ...] = (
    "forge_components.azure.networking:Networking",
    "forge_components.azure.database:Database",
    "forge_components.azure.cache:Cache",
    "forge_components.azure.storage:Storage",
    "forge_components.azure.streaming:Streaming",
    "forge_components.azure.cdn:Cdn",
    "forge_components.azure.budget:Budget",
    "forge_components.azure.compute:Compute",
)
"""Every component of the package, as `module:Class`; the committed schema
(`forge_components/schemas/forge-azure.json`) describes them."""

COMPONENTS_BY_KIND: dict[str, tuple[str, ...]] = {
    "Networking": ("forge_components.azure.networking:Networking",),
    "Database": ("forge_components.azure.database:Database",),
    "Cache": ("forge_components.azure.cache:Cache",),
    "Storage": ("forge_components.azure.storage:Storage",),
    "Streaming": ("forge_components.azure.streaming:Streaming",),
    "Cdn": ("forge_components.azure.cdn:Cdn",),
    "Budget": ("forge_components.azure.budget:Budget",),
    "Compute": ("forge_components.azure.compute:Compute",),
}
"""The components that play each contract kind (`forge_components.contracts.OUTPUT_CONTRACTS`)
on Azure."""


def load(path: str) -> type:
    """The class a `module:Class` path names, importing its module."""
    module_name, _, class_name = path.partition(":")
    loaded: type = getattr(importlib.import_module(module_name), class_name)
    return loaded
