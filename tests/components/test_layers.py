"""The layer rules of docs/ARCHITECTURE.md for the component packages of the clouds still
served as a library (GCP, Azure).

Every module of `forge_components.<cloud>` imports no other cloud's SDK and nothing of
`forge_infra`; the package itself loads no SDK until a component is asked for.
"""

import ast
import importlib
import pathlib
import subprocess
import sys

import pytest

#: Package -> (the imports its modules may not make, the SDKs it may not load on import).
PACKAGES = {
    "forge_components.gcp": (
        ("pulumi_aws", "pulumi_azure_native", "pulumi_azure", "forge_infra",
         "forge_components.aws", "forge_components.azure"),
        ("pulumi_gcp", "pulumi_aws", "pulumi_azure_native")),
    "forge_components.azure": (
        ("pulumi_aws", "pulumi_gcp", "forge_infra", "forge_components.aws",
         "forge_components.gcp"),
        ("pulumi_azure_native", "pulumi_gcp", "pulumi_aws")),
}


def imported_modules(path: pathlib.Path) -> set[str]:
    """Every module a source file imports (absolute names)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_components_import_no_other_cloud_and_not_the_program(package: str) -> None:
    forbidden, _ = PACKAGES[package]
    folder = pathlib.Path(importlib.import_module(package).__file__ or "").parent
    modules = sorted(folder.glob("*.py"))
    assert len(modules) >= 4, modules
    offending = {path.name: sorted(n for n in imported_modules(path) if n.startswith(forbidden))
                 for path in modules}
    assert {name: found for name, found in offending.items() if found} == {}


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_the_package_loads_no_sdk_until_a_component_is_asked_for(package: str) -> None:
    _, sdks = PACKAGES[package]
    code = (f"import sys, {package}; "
            f"print(sorted(m for m in sys.modules if m.startswith({sdks!r})))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"


def test_the_check_sees_a_forbidden_import(tmp_path: pathlib.Path) -> None:
    """The check itself: a module importing another cloud's SDK is reported."""
    bad = tmp_path / "bad.py"
    bad.write_text("import pulumi_gcp as gcp\nfrom pulumi_aws import ec2\n", encoding="utf-8")
    forbidden, _ = PACKAGES["forge_components.azure"]
    assert sorted(n for n in imported_modules(bad) if n.startswith(forbidden)) == [
        "pulumi_aws", "pulumi_gcp"]
