"""Pulumi's own analyzer infers a package schema from every component, per package.

The component provider host (`pulumi.provider.experimental`) serves forge's components to
other Pulumi languages from exactly this analysis: a component the analyzer refuses cannot be
served. The schema of each package is committed under `forge_components/schemas/`, so an
interface change shows in review as a diff of that file. After an intended change, regenerate
with FORGE_UPDATE_SCHEMAS=1 and review the diff.

What this does not prove: that another language's generated SDK compiles, or that the host
starts (it needs the Pulumi CLI); only that the analysis succeeds and is what was committed.
"""

import ast
import importlib
import inspect
import json
import os
import textwrap
from typing import Any

import pulumi
import pytest
from pulumi.provider.experimental.analyzer import Analyzer
from pulumi.provider.experimental.schema import generate_schema

import forge_components
from forge_components.aws import load
from tests.conftest import ROOT

SCHEMA_DIR = ROOT / "components" / "forge_components" / "schemas"
SCHEMA_VERSION = "0.1.0"
"""The version written into the committed schemas (the distribution's version)."""


def package_components(package: str) -> list[type[pulumi.ComponentResource]]:
    """The component classes a package serves, from its `COMPONENTS` list."""
    module = importlib.import_module(forge_components.PACKAGES[package])
    return [load(path) for path in module.COMPONENTS]


def package_schema(package: str) -> dict[str, Any]:
    """The Pulumi package schema the component provider host would serve for `package`."""
    result = Analyzer(package).analyze(package_components(package))
    spec = generate_schema(
        package, SCHEMA_VERSION, None, result["component_definitions"],
        result["type_definitions"],
        sorted(result["dependencies"], key=lambda d: f"{d.name}{d.version}"))
    schema: dict[str, Any] = json.loads(json.dumps(spec.to_json()))
    return schema


def schema_text(schema: dict[str, Any]) -> str:
    """The committed form: sorted keys, two-space indents, one trailing newline."""
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def declared_type_token(component: type[pulumi.ComponentResource]) -> str:
    """The type token a component passes to `ComponentResource.__init__`, read from its
    source: the first argument of `super().__init__(...)`, a literal or a module constant."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(component.__init__)))
    module = inspect.getmodule(component)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "__init__" and isinstance(node.func.value, ast.Call)
                and isinstance(node.func.value.func, ast.Name)
                and node.func.value.func.id == "super"):
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                return first.value
            if isinstance(first, ast.Name):
                token = getattr(module, first.id)
                assert isinstance(token, str), f"{component.__name__}: {first.id} is {token!r}"
                return token
            raise AssertionError(f"{component.__name__}: type token is {ast.dump(first)}")
    raise AssertionError(f"{component.__name__}.__init__ calls no super().__init__")


PACKAGES = sorted(forge_components.PACKAGES)


@pytest.mark.parametrize("package", PACKAGES)
def test_every_component_passes_the_analyzer_and_matches_the_committed_schema(package):
    path = SCHEMA_DIR / f"{package}.json"
    text = schema_text(package_schema(package))
    if os.environ.get("FORGE_UPDATE_SCHEMAS") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"missing schema {path}; run with FORGE_UPDATE_SCHEMAS=1"
    assert path.read_text(encoding="utf-8") == text, (
        f"{path.name} differs from the analyzer's schema of {package}; if the interface change "
        "is intended, regenerate with FORGE_UPDATE_SCHEMAS=1 and review the diff")


@pytest.mark.parametrize("package", PACKAGES)
def test_the_schema_serves_exactly_the_package_components_under_their_type_tokens(package):
    components = package_components(package)
    schema = package_schema(package)
    assert schema["name"] == package
    assert sorted(schema["resources"]) == sorted(
        f"{package}:index:{component.__name__}" for component in components)
    for component in components:
        assert declared_type_token(component) == f"{package}:index:{component.__name__}", (
            f"{component.__module__}.{component.__name__} registers as "
            f"{declared_type_token(component)}, the analyzer serves it as "
            f"{package}:index:{component.__name__}")
        assert schema["resources"][f"{package}:index:{component.__name__}"]["isComponent"]


@pytest.mark.parametrize("package", PACKAGES)
def test_every_input_and_output_is_documented(package):
    """The schema is the other languages' documentation: every property has a description, and
    every optional input says what it defaults to."""
    schema = package_schema(package)
    missing: list[str] = []
    for token, resource in schema["resources"].items():
        for name, prop in resource.get("inputProperties", {}).items():
            description = " ".join(prop.get("description", "").split())
            if not description:
                missing.append(f"{token} input {name}")
            elif name not in resource.get("requiredInputs", []) and (
                    "Defaults to " not in description):
                missing.append(f"{token} input {name}: no 'Defaults to ...'")
        missing += [f"{token} output {name}"
                    for name, prop in resource.get("properties", {}).items()
                    if not prop.get("description")]
    assert missing == []


def test_no_component_module_postpones_annotations():
    """The host reads annotations at run time: `from __future__ import annotations` would hand
    it strings."""
    offending = []
    for package in PACKAGES:
        for component in package_components(package):
            source = inspect.getsource(inspect.getmodule(component))  # type: ignore[arg-type]
            if "from __future__ import annotations" in source:
                offending.append(component.__module__)
    assert sorted(set(offending)) == []
