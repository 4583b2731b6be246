"""Helpers for the Azure component tests: a region, the run helper and the schema check."""

import inspect
from collections.abc import Callable
from typing import Any

import pulumi
from pulumi.provider.experimental.analyzer import Analyzer

from forge_infra.plan.recorder import Recording
from tests.helpers import run_mocked

REGION = "westeurope"
SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
"""The subscription the offline mocks deploy to
(forge_infra.plan.mocks.azure_native.DEFAULT_SUBSCRIPTION_ID)."""


def run_azure(program: Callable[[], Any]) -> Recording:
    """`program` under the offline mocks in `REGION`; engine warnings (a deprecated resource or
    field) fail the test."""
    return run_mocked(program, region=REGION)


def assert_azure_component_schema(component: type[pulumi.ComponentResource], contract: type | None,
                                outputs: set[str]) -> Any:
    """Pulumi's analyzer infers a `forge-azure` schema from `component`: its outputs are exactly
    `outputs`, every input and output is documented, every optional input says its default,
    and every output of `contract` is declared with the contract's type."""
    result = Analyzer("forge-azure").analyze([component])
    definition = result["component_definitions"][component.__name__]
    assert set(definition.outputs_mapping.values()) == outputs, (
        f"{component.__name__} outputs {sorted(definition.outputs_mapping.values())}")
    for schema_name, prop in definition.outputs.items():
        assert prop.description, f"{component.__name__}.{schema_name} has no docstring"
    for schema_name, prop in definition.inputs.items():
        where = f"{component.__name__} args {schema_name}"
        assert prop.description, f"{where} has no docstring"
        if prop.optional:
            assert "Defaults to " in " ".join(prop.description.split()), (
                f"{where}: {prop.description!r}")
    if contract is not None:
        declared = inspect.get_annotations(component)
        for name, typ in inspect.get_annotations(contract).items():
            assert declared.get(name) == typ, (
                f"{component.__name__}.{name} is {declared.get(name)}, the contract says {typ}")
    return definition
