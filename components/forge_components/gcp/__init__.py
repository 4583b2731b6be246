"""forge-infra's GCP components (the Pulumi package `forge-gcp`), available as a library.

Importing this package is cheap: it names its components by import path and loads none of
them (nor pulumi_gcp) until asked, as `forge_components.aws` does.

The `gcp` cloud target (`cloud: gcp` in a stack file) is not registered yet: it comes once a
component of every kind exists. Until then `KINDS_TO_COME` names the kinds still missing, and
`tests/components/test_contracts.py` holds the package to the contracts of the kinds it has.
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
"""Contract kinds with no GCP component yet (issue 12). The `gcp` target may be registered only
once this is empty."""

TARGET_PENDING = ("every kind has a GCP component; the gcp cloud target (its settings, the "
                  "target that wires the components, the gcp stacks: issue 12) is still to "
                  "come, so `forge-infra:cloud: gcp` is not accepted yet")
"""Why no cloud target uses the package yet (tests/components/test_contracts.py)."""


def load(path: str) -> type:
    """The class a `module:Class` path names, importing its module."""
    module_name, _, class_name = path.partition(":")
    loaded: type = getattr(importlib.import_module(module_name), class_name)
    return loaded
