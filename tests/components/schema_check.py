"""The schema check every cloud's component tests share: what Pulumi's analyzer infers from a
component, held to its outputs, its docstrings and its kind's contract."""

from __future__ import annotations

import inspect
from typing import Any

import pulumi
from pulumi.provider.experimental.analyzer import Analyzer


def assert_component_schema(package: str, component: type[pulumi.ComponentResource],
                            contract: type | None, outputs: set[str]) -> Any:
    """Pulumi's analyzer infers a `package` schema from `component`: its outputs are exactly
    `outputs`, each declared with a docstring, and every output of `contract` is declared with
    the same type. Every input has a docstring; an optional one says what it defaults to.
    Returns the analyzer's component definition."""
    result = Analyzer(package).analyze([component])
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
