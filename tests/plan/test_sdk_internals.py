"""The private SDK names forge-infra relies on: all present, all imported from one module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from pulumi.runtime import rpc

from forge_infra import sdk_internals
from forge_infra.sdk_internals import SdkInternalsError, missing_names, resolve

SRC = Path(__file__).resolve().parents[2] / "src" / "forge_infra"
SDK_PACKAGES = ("pulumi", "helm_python")


def test_every_private_name_exists_in_the_installed_sdks() -> None:
    assert missing_names() == [], (
        "an SDK upgrade removed private names forge_infra.sdk_internals relies on")


def test_a_removed_name_is_reported_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(rpc, "_special_sig_key")
    assert missing_names() == ["pulumi.runtime.rpc:_special_sig_key"]
    with pytest.raises(SdkInternalsError, match=r"pulumi\.runtime\.rpc:_special_sig_key: the "
                       r"installed SDK no longer provides '_special_sig_key'"):
        resolve("pulumi.runtime.rpc:_special_sig_key")


def test_a_removed_module_is_reported_by_name() -> None:
    with pytest.raises(SdkInternalsError, match=r"^pulumi\.runtime\.gone:_x: module "
                       r"pulumi\.runtime\.gone cannot be imported"):
        resolve("pulumi.runtime.gone:_x")


def test_a_removed_instance_attribute_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sdk_internals, "MOCK_MONITOR_INSTANCE_ATTRIBUTES", ("mocks", "_gone"))
    assert missing_names() == ["pulumi.runtime.mocks:MockMonitor()._gone"]


def _private_sdk_uses(path: Path) -> list[str]:
    """`from <sdk> import _x`, `import <sdk>._x` and `<alias>._x` where alias is an SDK module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    sdk_aliases: set[str] = set()
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in (
                SDK_PACKAGES):
            private_module = any(p.startswith("_") for p in node.module.split("."))
            for alias in node.names:
                if private_module or alias.name.startswith("_"):
                    found.append(f"{path.name}:{node.lineno} from {node.module} import "
                                 f"{alias.name}")
                sdk_aliases.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in SDK_PACKAGES:
                    if any(p.startswith("_") for p in alias.name.split(".")):
                        found.append(f"{path.name}:{node.lineno} import {alias.name}")
                    sdk_aliases.add((alias.asname or alias.name).split(".")[0])
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and node.attr.startswith("_")
                and not node.attr.startswith("__") and isinstance(node.value, ast.Name)
                and node.value.id in sdk_aliases):
            found.append(f"{path.name}:{node.lineno} {node.value.id}.{node.attr}")
    return found


def test_no_other_module_reaches_into_the_sdks_private_names() -> None:
    offenders: list[str] = []
    for path in sorted(SRC.rglob("*.py")):
        if path.name == "sdk_internals.py":
            continue
        offenders += _private_sdk_uses(path)
    assert offenders == [], "import these from forge_infra.sdk_internals instead"


def test_a_removed_rpc_manager_attribute_is_reported_by_name(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from pulumi.runtime.settings import SETTINGS

    monkeypatch.delattr(SETTINGS.rpc_manager, "unhandled_exception")
    assert missing_names() == ["pulumi.runtime.settings:SETTINGS.rpc_manager.unhandled_exception"]
