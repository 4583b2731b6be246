"""The layer rules of docs/ARCHITECTURE.md for the Azure components.

Every module of `forge_components.azure` imports no other cloud's SDK and nothing of
`forge_infra`; the package itself loads no SDK until a component is asked for.
"""

import ast
import pathlib
import subprocess
import sys

import forge_components.azure as azure_package

AZURE_DIR = pathlib.Path(azure_package.__file__).parent
FORBIDDEN = ("pulumi_aws", "pulumi_gcp", "forge_infra", "forge_components.aws",
             "forge_components.gcp")


def imported_modules(path: pathlib.Path) -> set[str]:
    """Every module a source file imports (absolute names)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_azure_components_import_no_other_cloud_and_not_the_program():
    modules = sorted(AZURE_DIR.glob("*.py"))
    assert len(modules) >= 4, modules
    offending = {
        path.name: sorted(name for name in imported_modules(path)
                          if name.startswith(FORBIDDEN))
        for path in modules}
    assert {name: found for name, found in offending.items() if found} == {}


def test_the_package_loads_no_sdk_until_a_component_is_asked_for():
    code = ("import sys, forge_components.azure as a; print(sorted(m for m in sys.modules "
            "if m.startswith(('pulumi_azure_native', 'pulumi_gcp', 'pulumi_aws'))))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"


def test_the_check_sees_a_forbidden_import(tmp_path):
    """The check itself: a module importing another cloud's SDK is reported."""
    bad = tmp_path / "bad.py"
    bad.write_text("import pulumi_gcp as gcp\nfrom pulumi_aws import ec2\n", encoding="utf-8")
    assert sorted(n for n in imported_modules(bad) if n.startswith(FORBIDDEN)) == [
        "pulumi_aws", "pulumi_gcp"]
