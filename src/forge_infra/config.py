"""The stack configuration, as the rest of forge-infra imports it.

The neutral model lives in `forge_infra.model.config`; each cloud's settings (a branch of the
union on `forge-infra:cloud`) in `forge_infra.clouds.<cloud>.settings`. This module re-exports
the neutral names only, so importing it loads no cloud package.
"""

from forge_infra.model.config import (
    ENVIRONMENTS,
    NAMESPACE,
    AppSettings,
    AutoscalingSettings,
    BudgetSettings,
    CloudSettings,
    ConfigError,
    EncryptedValue,
    ImageSettings,
    ServiceSettings,
    ServicesSettings,
    StackConfig,
    config_from_mapping,
    load_from_pulumi,
    load_stack_file,
    stack_file,
)

__all__ = [
    "ENVIRONMENTS", "NAMESPACE", "AppSettings", "AutoscalingSettings", "BudgetSettings",
    "CloudSettings", "ConfigError", "EncryptedValue", "ImageSettings", "ServiceSettings",
    "ServicesSettings", "StackConfig", "config_from_mapping", "load_from_pulumi",
    "load_stack_file", "stack_file",
]
