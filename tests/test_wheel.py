"""The distribution as users get it: build the sdist and the wheel, install each into a fresh
virtualenv, and run an example against the installed package from outside the checkout.

What a packaging mistake looks like here: a chart file, a template, a catalog or a schema not
declared as package data, a module outside the packages found, a component module that needs
the program (`forge_infra`). Each fails one of these tests instead of a user's `pulumi up`.

How it stays offline and fast: the build runs without isolation (`python -m build
--no-isolation`, with setuptools, wheel and build from the dev extras), and each fresh virtualenv
takes its third-party dependencies from the running interpreter's site-packages (a `.pth` file)
while forge-infra itself is installed from the built file with `pip install --no-deps`.

What this does not prove: that `pip install forge-infra[aws]` resolves from PyPI, or that the
dependency ranges in pyproject.toml admit working versions other than the pinned ones.
"""

import ast
import json
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = "aws-network-database"
PACKAGE_ROOTS = {"forge_components": ROOT / "components", "forge_infra": ROOT / "src"}
"""Each installed package and the folder of the checkout that holds it."""


def source_files() -> list[str]:
    """The files of the checkout a clean clone has (tracked, plus new files not ignored)."""
    result = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=ROOT,
        capture_output=True, check=True)
    return sorted(name for name in result.stdout.decode().split("\0")
                  if name and (ROOT / name).is_file())


def package_files(package: str) -> set[str]:
    """The files of a package in the checkout, relative to the folder that holds it."""
    top = PACKAGE_ROOTS[package].relative_to(ROOT).as_posix() + "/"
    return {name[len(top):] for name in source_files()
            if name.startswith(f"{top}{package}/") and "__pycache__" not in name}


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sdist and the wheel built from a copy of the checkout (the wheel from the sdist,
    as `python -m build` does), so the build leaves nothing in the working tree."""
    tree = tmp_path_factory.mktemp("tree")
    for name in source_files():
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, tree / name)
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir",
                             str(out), str(tree)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (sdist,) = out.glob("forge_infra-*.tar.gz")
    (wheel,) = out.glob("forge_infra-*-py3-none-any.whl")
    return {"sdist": sdist, "wheel": wheel}


def fresh_venv(path: Path, dist: Path) -> Path:
    """A new virtualenv with `dist` installed (no dependencies), the running interpreter's
    site-packages behind its own; its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    python = path / "bin" / "python"
    purelib = Path(subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True).stdout.strip())
    ours = [p for p in sys.path if p.endswith("site-packages")] or [
        sysconfig.get_paths()["purelib"]]
    (purelib / "_dev_dependencies.pth").write_text("\n".join(ours) + "\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--no-index", "--no-build-isolation", "--no-cache-dir", "--quiet", str(dist)],
        capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return python


def run_outside(python: Path, args: list[str], cwd: Path) -> str:
    """Run the fresh virtualenv's python in `cwd`, with nothing of the checkout on its path."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(cwd), "PYTHONNOUSERSITE": "1",
           "PULUMI_SKIP_UPDATE_CHECK": "true"}
    result = subprocess.run([str(python), *args], cwd=cwd, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


INSTALLED_FILES = """
import json, pathlib, forge_components, forge_infra
from forge_components.kubernetes import chart_path
print(json.dumps({
    package.__name__: sorted(p.relative_to(pathlib.Path(package.__file__).parents[1]).as_posix()
                             for p in pathlib.Path(package.__file__).parent.rglob('*')
                             if p.is_file() and '__pycache__' not in p.parts)
    for package in (forge_components, forge_infra)} | {'chart': str(chart_path())}))
"""

IMPORT_ALL_WITHOUT_THE_PROGRAM = """
import importlib, pkgutil, sys
sys.modules['forge_infra'] = None  # any import of the program now fails
import forge_components
names = [m.name for m in pkgutil.walk_packages(forge_components.__path__, 'forge_components.')]
for name in names:
    importlib.import_module(name)
print(len(names))
"""


@pytest.fixture(scope="module")
def installed(dists: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
              ) -> dict[str, tuple[Path, Path]]:
    """Each distribution installed into its own fresh virtualenv: (python, a folder outside the
    checkout holding a copy of the example and the harness)."""
    venvs: dict[str, tuple[Path, Path]] = {}
    for kind, dist in dists.items():
        python = fresh_venv(tmp_path_factory.mktemp(f"venv-{kind}"), dist)
        work = tmp_path_factory.mktemp(f"outside-{kind}")
        shutil.copytree(ROOT / "examples" / EXAMPLE, work / EXAMPLE)
        shutil.copy2(ROOT / "tests" / "examples" / "harness.py", work / "harness.py")
        venvs[kind] = (python, work)
    return venvs


def test_the_sdist_holds_every_file_of_both_packages_and_the_build_inputs(dists):
    with tarfile.open(dists["sdist"]) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    for package, folder in PACKAGE_ROOTS.items():
        top = folder.relative_to(ROOT).as_posix()
        missing = sorted(f"{top}/{name}" for name in package_files(package))
        assert sorted(set(missing) - names) == [], f"the sdist lacks files of {package}"
    assert {"pyproject.toml", "README.md"} <= names


def test_the_wheel_holds_every_file_of_both_packages(dists):
    with zipfile.ZipFile(dists["wheel"]) as wheel:
        names = set(wheel.namelist())
    for package in PACKAGE_ROOTS:
        assert sorted(package_files(package) - names) == [], f"the wheel lacks files of {package}"
    chart = "forge_components/kubernetes/chart/forge-platform"
    for service in ("gateway", "api", "worker", "ui"):
        assert f"{chart}/templates/{service}/deployment.yaml" in names
    assert {"forge_components/schemas/forge-aws.json", "forge_components/py.typed",
            f"{chart}/.helmignore", f"{chart}/values.schema.json"} <= names


@pytest.mark.parametrize("kind", ["wheel", "sdist"])
def test_the_installed_package_has_every_file_and_the_chart(installed, kind):
    python, work = installed[kind]
    found = json.loads(run_outside(python, ["-c", INSTALLED_FILES], work))
    for package in PACKAGE_ROOTS:
        assert sorted(package_files(package) - set(found[package])) == [], (
            f"{kind}: installed {package} lacks these files of the checkout")
    chart = Path(found["chart"])
    assert chart.is_relative_to(python.parents[1]), f"{kind}: the chart is at {chart}"
    assert (chart / "Chart.yaml").is_file() and (chart / "values.schema.json").is_file()


@pytest.mark.parametrize("kind", ["wheel", "sdist"])
def test_an_example_runs_against_the_installed_package(installed, kind):
    python, work = installed[kind]
    report = json.loads(run_outside(python, ["harness.py", EXAMPLE], work))
    assert Path(report["forge_components"]).is_relative_to(python.parents[1]), report
    assert not Path(report["forge_components"]).is_relative_to(ROOT)
    components = sorted({t for t, _ in report["resources"] if t.startswith("forge-")})
    assert components == ["forge-aws:index:Database", "forge-aws:index:Networking"]
    assert [name for t, name in report["resources"] if t == "aws:rds/instance:Instance"] == [
        "shop-db-primary"], report["resources"]
    assert report["exports"] == ["app_security_group_id", "database_credentials_secret_id",
                                 "database_host", "database_port", "vpc_id"]
    assert report["warnings"] == []


def test_the_installed_components_import_without_the_program(installed):
    """Every module of the installed `forge_components` imports with `forge_infra` made
    unimportable: the components package needs nothing of the program."""
    python, work = installed["wheel"]
    count = int(run_outside(python, ["-c", IMPORT_ALL_WITHOUT_THE_PROGRAM], work))
    expected = {name for name in package_files("forge_components") if name.endswith(".py")}
    assert count == len(expected) - 1  # every module but the package's own __init__


def imports_of(path: Path) -> set[str]:
    """Every module a source file imports (absolute names; relative imports as written)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_component_module_imports_the_program():
    """Statically, over every module of `forge_components` (every cloud, kubernetes, the
    providers' host), including imports inside functions."""
    folder = ROOT / "components" / "forge_components"
    offending = {path.relative_to(folder).as_posix(): sorted(
        name for name in imports_of(path)
        if name == "forge_infra" or name.startswith("forge_infra."))
        for path in sorted(folder.rglob("*.py"))}
    assert {name: found for name, found in offending.items() if found} == {}


def test_the_static_check_sees_an_import_of_the_program(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from forge_infra.plan import model\n", encoding="utf-8")
    assert "forge_infra.plan" in imports_of(bad)
