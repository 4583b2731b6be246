"""`azure-resource-standard-tags` covers exactly the Azure types that take tags, as
pulumi-azure-native itself says (the resource class's constructor takes `tags`)."""

from __future__ import annotations

import importlib
import inspect

import pytest

from forge_infra.plan.mocks.azure_native import KNOWN_DATA_TYPES, KNOWN_TYPES
from forge_infra.policy.rules.operability import AZURE_TAGGABLE_TYPES
from tests.policy.plans import AZURE_EXTRA, azure_policy_plan


def takes_tags(type_token: str) -> bool:
    """Whether pulumi-azure-native's resource class of `type_token` takes `tags`
    (`azure-native:network:NatGateway` -> `pulumi_azure_native.network.NatGateway`)."""
    _, module, name = type_token.split(":")
    cls = getattr(importlib.import_module(f"pulumi_azure_native.{module}"), name)
    return "tags" in inspect.signature(cls._internal_init).parameters


def _azure_types() -> set[str]:
    planned = {r.type for r in azure_policy_plan().custom_resources()}
    return {t for t in KNOWN_TYPES | KNOWN_DATA_TYPES | planned | {t for t, _, _ in AZURE_EXTRA}
            if t.startswith("azure-native:")}


@pytest.mark.parametrize("type_token", sorted(_azure_types() | set(AZURE_TAGGABLE_TYPES)))
def test_the_taggable_list_is_the_sdks(type_token: str) -> None:
    assert (type_token in AZURE_TAGGABLE_TYPES) == takes_tags(type_token), type_token
