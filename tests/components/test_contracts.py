"""Every cloud's components honour the output contract of their kind (forge_components.contracts).

Args may differ by cloud; outputs may not: for each kind in `OUTPUT_CONTRACTS`, every component
a cloud package lists for it in `COMPONENTS_BY_KIND` declares each contract output at class
level with exactly the contract's annotation. A new cloud adds its package to
`forge_components.PACKAGES` with a `COMPONENTS_BY_KIND` mapping, and this test covers it.
"""

import importlib
import inspect
from types import ModuleType

import pulumi
import pytest

import forge_components
from forge_components.aws import load
from forge_components.contracts import OUTPUT_CONTRACTS, ComputeOutputs
from forge_infra.model.target import registered_clouds


def cloud_packages() -> dict[str, ModuleType]:
    """The packages that play component kinds (those with `COMPONENTS_BY_KIND`)."""
    modules = {package: importlib.import_module(module)
               for package, module in sorted(forge_components.PACKAGES.items())}
    return {package: module for package, module in modules.items()
            if hasattr(module, "COMPONENTS_BY_KIND")}


def declared_outputs(component: type) -> dict[str, object]:
    """The class-level annotations of a component and its bases (what the analyzer reads)."""
    declared: dict[str, object] = {}
    for cls in reversed(component.__mro__):
        if cls in (object, pulumi.Resource, pulumi.ComponentResource):
            continue
        declared.update(inspect.get_annotations(cls))
    return declared


def contract_violations(component: type, contract: type) -> list[str]:
    """Each contract output the component does not declare, or declares with another type."""
    declared = declared_outputs(component)
    problems = []
    for name, expected in inspect.get_annotations(contract).items():
        if name not in declared:
            problems.append(f"{component.__name__} does not declare {name} ({expected})")
        elif declared[name] != expected:
            problems.append(f"{component.__name__}.{name} is {declared[name]}, the "
                            f"{contract.__name__} contract says {expected}")
    return problems


CASES = [(package, kind, path)
         for package, module in cloud_packages().items()
         for kind, paths in sorted(module.COMPONENTS_BY_KIND.items())
         for path in paths]


def test_every_cloud_package_plays_every_kind():
    """A package plays every kind, or names the kinds still to come (`KINDS_TO_COME`): then it
    is a library only, and no cloud target may be registered for it yet. A package that plays
    every kind before its target exists says so (`TARGET_PENDING`)."""
    packages = cloud_packages()
    assert {"forge-aws", "forge-azure", "forge-gcp"} <= set(packages)
    assert "forge-kubernetes" not in packages  # cloud-neutral: it plays a kind only for a cloud
    registered = set(registered_clouds())
    for package, module in packages.items():
        to_come = tuple(getattr(module, "KINDS_TO_COME", ()))
        assert not set(to_come) & set(module.COMPONENTS_BY_KIND), package
        assert sorted([*module.COMPONENTS_BY_KIND, *to_come]) == sorted(OUTPUT_CONTRACTS), package
        assert all(module.COMPONENTS_BY_KIND.values()), package
        cloud = package.removeprefix("forge-")
        if to_come:
            assert cloud not in registered, (
                f"the {cloud} target is registered while {package} still lacks {to_come}")
        else:
            assert cloud in registered or getattr(module, "TARGET_PENDING", ""), (
                f"{package} plays every kind but no target uses it, and it does not say why "
                "(TARGET_PENDING)")
            if cloud in registered:
                assert not getattr(module, "TARGET_PENDING", ""), package


@pytest.mark.parametrize(("package", "kind", "path"), CASES)
def test_component_declares_its_kind_contract(package, kind, path):
    component = load(path)
    assert issubclass(component, pulumi.ComponentResource), path
    assert contract_violations(component, OUTPUT_CONTRACTS[kind]) == [], f"{package} {kind}"


def test_a_component_missing_or_mistyping_an_output_is_reported():
    """The check itself: a wrong type and a missing name are both caught."""

    class Wrong(pulumi.ComponentResource):
        service_names: pulumi.Output[dict[str, str]]

    class Missing(pulumi.ComponentResource):
        url: pulumi.Output[str]

    assert contract_violations(Wrong, ComputeOutputs) == [
        "Wrong.service_names is pulumi.output.Output[dict[str, str]], the ComputeOutputs "
        "contract says pulumi.output.Output[list[str]]"]
    assert contract_violations(Missing, ComputeOutputs) == [
        "Missing does not declare service_names (pulumi.output.Output[list[str]])"]
