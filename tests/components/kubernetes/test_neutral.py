"""forge_components.kubernetes is cloud-neutral: it imports no cloud SDK and no cloud package.

Workload identity, the External Secrets store and the cloud-API CIDRs are injected values of
`platform_values`; the EKS-only add-ons live in `forge_components.aws.eks_addons`.
"""

import ast
import json
import pathlib
import subprocess
import sys

import forge_components.kubernetes

PACKAGE_DIR = pathlib.Path(forge_components.kubernetes.__file__).parent
CLOUD_MODULES = ("pulumi_aws", "pulumi_gcp", "pulumi_azure_native", "pulumi_azure",
                 "forge_components.aws", "forge_components.gcp", "forge_components.azure")


def _is_cloud(module: str) -> bool:
    return any(module == cloud or module.startswith(cloud + ".") for cloud in CLOUD_MODULES)


def _imports(path: pathlib.Path) -> list[str]:
    """Every module a source file imports, at any depth (inside functions too)."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
            found += [f"{node.module}.{alias.name}" for alias in node.names]
    return found


def test_no_source_file_imports_a_cloud_module():
    sources = sorted(PACKAGE_DIR.rglob("*.py"))
    assert {p.name for p in sources} >= {"__init__.py", "release.py", "values.py"}, sources
    offending = {str(p.relative_to(PACKAGE_DIR)): [m for m in _imports(p) if _is_cloud(m)]
                 for p in sources}
    assert {k: v for k, v in offending.items() if v} == {}


def test_importing_the_package_loads_no_cloud_module():
    """The same, as Python sees it: nothing the package imports pulls a cloud SDK in."""
    code = ("import json, sys; import forge_components.kubernetes; "
            "import forge_components.kubernetes.release, forge_components.kubernetes.values; "
            "print(json.dumps(sorted(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, timeout=120)
    loaded = json.loads(result.stdout)
    assert "forge_components.kubernetes.release" in loaded
    assert [m for m in loaded if _is_cloud(m)] == []
