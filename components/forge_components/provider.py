"""Serve one of forge's Pulumi packages to every Pulumi language, from Python.

Each package (`forge-aws`, `forge-gcp`, `forge-azure`, `forge-kubernetes`) has a plugin folder
under `providers/<package>/` in the repository: a `PulumiPlugin.yaml` (runtime python), the
requirements that install this distribution with the package's cloud extra, and a `__main__.py`
that calls `serve(<package>)`. The engine starts that folder's program with its own address
as argument; Pulumi's component provider host (`pulumi.provider.experimental`) infers the
package's schema from the components' annotations with Pulumi's analyzer, prints the port it
serves gRPC on, and answers GetSchema and Construct. The schema it serves is the one committed
under `forge_components/schemas/<package>.json` (tests/components/test_schema.py,
tests/providers/).

One correction to the host: the SDK's `ComponentProvider.map_input_properties` converts an
integer input (sent as a float on the wire) with `int(...)` and then overwrites the result with
the raw float (pulumi/provider/experimental/component.py, "Integers are sent as floats over the
write"), so `az_count: 2` would reach a component as 2.0. `ForgeComponentProvider` restores the
integers the schema declares (also inside lists and maps), and `serve` runs it exactly as
`component_provider_host` runs its own provider (`pulumi.provider.main` with the engine's
arguments).

Importing this module loads no cloud SDK: the components are imported by `serve`.
"""

import importlib
import importlib.metadata
import sys
from typing import Any

import pulumi
from pulumi.provider.experimental.analyzer import PropertyDefinition, PropertyType
from pulumi.provider.experimental.component import ComponentProvider

import forge_components

DISTRIBUTION = "forge-infra"
"""The Python distribution whose version the served schema carries."""


def package_components(package: str) -> list[type[pulumi.ComponentResource]]:
    """The component classes of a Pulumi package (its `COMPONENTS` list), imported."""
    if package not in forge_components.PACKAGES:
        raise ValueError(f"unknown package {package!r}; forge serves "
                         f"{sorted(forge_components.PACKAGES)}")
    module = importlib.import_module(forge_components.PACKAGES[package])
    classes: list[type[pulumi.ComponentResource]] = []
    for path in module.COMPONENTS:
        module_name, _, class_name = path.partition(":")
        classes.append(getattr(importlib.import_module(module_name), class_name))
    return classes


def version() -> str:
    """The version of the installed distribution, written into the served schema."""
    return importlib.metadata.version(DISTRIBUTION)


def _integers(value: Any, prop: PropertyDefinition) -> Any:
    """`value` with the integers `prop` declares as ints (the wire sends every number as a
    float); any other value unchanged."""
    if isinstance(value, pulumi.Output):
        return value.apply(lambda resolved: _integers(resolved, prop))
    if prop.type == PropertyType.INTEGER and isinstance(value, float) and value.is_integer():
        return int(value)
    if prop.type == PropertyType.ARRAY and prop.items is not None and isinstance(value, list):
        return [_integers(item, prop.items) for item in value]
    if (prop.type == PropertyType.OBJECT and prop.additional_properties is not None
            and isinstance(value, dict)):
        return {key: _integers(item, prop.additional_properties) for key, item in value.items()}
    return value


class ForgeComponentProvider(ComponentProvider):
    """Pulumi's component provider (schema inferred by the analyzer, Construct calling the
    component class), handing integer inputs to the components as ints."""

    def map_input_properties(self, inputs: Any, properties: dict[str, PropertyDefinition],
                             mapping: dict[str, str], component_name: str,
                             property_path: str) -> Any:
        """The SDK's mapping of schema names to Python names, with integers restored."""
        mapped = dict(super().map_input_properties(inputs, properties, mapping,
                                                   component_name, property_path))
        for schema_name, prop in properties.items():
            python_name = mapping.get(schema_name)
            if python_name is not None and python_name in mapped:
                mapped[python_name] = _integers(mapped[python_name], prop)
        return mapped


def serve(package: str) -> None:
    """Run the component provider of `package` until the engine stops it.

    The command line is the engine's: its address first (`sys.argv[1]`), then optional flags.
    """
    from pulumi.provider import main

    provider = ForgeComponentProvider(package_components(package), package, None, version())
    main(provider, sys.argv[1:])
