"""forge-infra's AWS components (the Pulumi package `forge-aws`).

Importing this package is cheap: it names its components by import path and loads none of
them (nor pulumi_aws) until asked, so the configuration and the offline tools can read what the
package serves without the cloud SDK.
"""

import importlib

from forge_components.validation import guard

PACKAGE = "forge-aws"
"""The Pulumi package the components' type tokens name (`forge-aws:index:<Class>`)."""

COMPONENTS: tuple[str, ...] = (
    "forge_components.aws.log_key:LogKey",
    "forge_components.aws.networking:Networking",
    "forge_components.aws.storage:Storage",
    "forge_components.aws.storage:PrivateBucket",
    "forge_components.aws.database:Database",
    "forge_components.aws.cache:Cache",
    "forge_components.aws.streaming:Streaming",
    "forge_components.aws.secrets:AppSecrets",
    "forge_components.aws.budget:Budget",
    "forge_components.aws.compute_ecs:EcsCompute",
    "forge_components.aws.compute_eks:EksCompute",
    "forge_components.aws.eks_addons:EksAddons",
    "forge_components.aws.cdn:Cdn",
    "forge_components.aws.waf:Waf",
    "forge_components.aws.backup:CrossRegionBackup",
)
"""Every component of the package, as `module:Class`; the component provider host serves
these and the committed schema (`forge_components/schemas/forge-aws.json`) describes them."""

guard(COMPONENTS)  # each component checks its args' fields and types (forge_components.validation)

COMPONENTS_BY_KIND: dict[str, tuple[str, ...]] = {
    "Networking": ("forge_components.aws.networking:Networking",),
    "Database": ("forge_components.aws.database:Database",),
    "Cache": ("forge_components.aws.cache:Cache",),
    "Streaming": ("forge_components.aws.streaming:Streaming",),
    "Storage": ("forge_components.aws.storage:Storage",),
    "Compute": ("forge_components.aws.compute_ecs:EcsCompute",
                "forge_components.kubernetes.release:PlatformRelease"),
    "Cdn": ("forge_components.aws.cdn:Cdn",),
    "Budget": ("forge_components.aws.budget:Budget",),
}
"""The components that play each contract kind (`forge_components.contracts.OUTPUT_CONTRACTS`)
on AWS: on ECS the services run in EcsCompute, on EKS in the PlatformRelease installed into
EksCompute's cluster. A new cloud's package declares the same mapping."""


def load(path: str) -> type:
    """The class a `module:Class` path names, importing its module."""
    module_name, _, class_name = path.partition(":")
    loaded: type = getattr(importlib.import_module(module_name), class_name)
    return loaded
