"""Packaging: extras per cloud, one set of pinned versions for CI and `pulumi install`, typed."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PROJECT = PYPROJECT["project"]


def _pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        assert sep, f"constraints.txt: {line!r} is not pinned with =="
        pins[canonicalize_name(name)] = version
    return pins


def _direct_requirements() -> list[Requirement]:
    requirements = [Requirement(r) for r in PROJECT["dependencies"]]
    for extra in PROJECT["optional-dependencies"].values():
        requirements.extend(Requirement(r) for r in extra)
    return [r for r in requirements if canonicalize_name(r.name) != "forge-infra"]


@pytest.mark.parametrize("requirement", _direct_requirements(), ids=str)
def test_every_direct_dependency_is_pinned_within_its_range(requirement: Requirement) -> None:
    pins = _pins()
    name = canonicalize_name(requirement.name)
    assert name in pins, f"{requirement.name} is a dependency but constraints.txt does not pin it"
    assert requirement.specifier.contains(pins[name], prereleases=True), (
        f"constraints.txt pins {requirement.name}=={pins[name]}, outside {requirement.specifier}")


def test_cloud_sdks_are_extras_not_dependencies() -> None:
    base = {canonicalize_name(Requirement(r).name) for r in PROJECT["dependencies"]}
    assert not base & {"pulumi-aws", "pulumi-gcp", "pulumi-azure-native", "pulumi-kubernetes"}
    extras = PROJECT["optional-dependencies"]
    assert set(extras) >= {"aws", "gcp", "azure", "all", "kubernetes", "dev"}
    assert [canonicalize_name(Requirement(r).name) for r in extras["gcp"]] == ["pulumi-gcp"]
    assert [canonicalize_name(Requirement(r).name) for r in extras["azure"]] == [
        "pulumi-azure-native"]
    assert "forge-infra[aws,gcp,azure]" in extras["all"]


def test_pulumi_install_uses_the_same_pins_as_ci() -> None:
    lines = [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines == ["-c constraints.txt", "-e .[all]"]
    ci_run = (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert re.search(r"pip install -c constraints\.txt -e '\.\[dev\]'", ci_run)
    assert re.search(r"pip install -c constraints\.txt -e '\.\[aws\]'", readme)


def test_both_packages_ship_py_typed() -> None:
    package_data = PYPROJECT["tool"]["setuptools"]["package-data"]
    for package, folder in (("forge_infra", ROOT / "src" / "forge_infra"),
                            ("forge_components", ROOT / "components" / "forge_components")):
        assert (folder / "py.typed").is_file(), f"{folder}/py.typed is missing"
        assert "py.typed" in package_data[package], f"{package} does not ship py.typed"


def test_the_components_install_under_a_distinctive_name() -> None:
    find = PYPROJECT["tool"]["setuptools"]["packages"]["find"]
    assert find["include"] == ["forge_infra*", "forge_components*"]
    assert not (ROOT / "components" / "__init__.py").exists(), (
        "components/ must not itself be a package: the import name is forge_components")
