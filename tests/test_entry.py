"""The real-run entry point: config from the Pulumi engine, the same model and program."""

from __future__ import annotations

import json
import runpy
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pulumi
import pytest
import yaml
from pulumi.runtime import config as runtime_config

from forge_infra.config import ConfigError, load_from_pulumi
from forge_infra.plan import run_plan
from tests.conftest import ROOT
from tests.helpers import run_mocked

ENTRY = ROOT / "src" / "forge_infra" / "__main__.py"


def engine_config(stack: str, **changes: Any) -> dict[str, str]:
    """A stack file's config as the engine passes it: structured values as JSON text."""
    values = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    values.update(changes)
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in values.items()}


@pytest.fixture(autouse=True)
def clean_config() -> Iterator[None]:
    yield
    runtime_config.set_all_config({}, [])


def test_entry_point_builds_what_the_offline_plan_shows() -> None:
    runtime_config.set_all_config(engine_config("prod"), [])
    recording = run_mocked(lambda: runpy.run_path(str(ENTRY), run_name="__main__"),
                           stack="prod")
    planned = run_plan("prod", ROOT)
    assert Counter((r.type, r.name) for r in recording.resources) == Counter(
        (r.type, r.name) for r in planned.resources)


def test_entry_point_stops_on_bad_config_before_any_resource() -> None:
    runtime_config.set_all_config(
        engine_config("prod", **{"forge-infra:database": {"multi_az": False}}), [])
    registered: list[str] = []

    def program() -> None:
        try:
            runpy.run_path(str(ENTRY), run_name="__main__")
        finally:
            registered.extend(r.name for r in pulumi.runtime.settings.SETTINGS.monitor.recorded)

    with pytest.raises(pulumi.RunError) as info:
        run_mocked(program, stack="prod")
    assert "Pulumi.prod.yaml" in str(info.value)
    assert "forge-infra:database.multi_az: prod requires a Multi-AZ database" in str(info.value)
    assert registered == []


def test_secret_config_is_accepted_only_under_secrets() -> None:
    values = engine_config("dev", **{"forge-infra:secrets": {"jwt_key": "s3cr3t-value"}})
    runtime_config.set_all_config(values, ["forge-infra:secrets"])

    def program() -> None:
        config = load_from_pulumi()
        assert config.secrets["jwt_key"].get_secret_value() == "s3cr3t-value"
        assert "s3cr3t-value" not in repr(config)

    run_mocked(program, stack="dev")
    runtime_config.set_all_config(values, ["forge-infra:secrets", "forge-infra:tags"])
    with pytest.raises(ConfigError, match=r"forge-infra:tags: is a secret value"):
        run_mocked(load_from_pulumi, stack="dev")


def test_importing_the_entry_module_runs_nothing() -> None:
    namespace = runpy.run_path(str(ENTRY), run_name="not_main")
    assert callable(namespace["main"])


def test_a_real_run_refuses_secrets_the_engine_did_not_hold_as_secret() -> None:
    """`pulumi config set` without --secret: the engine hands the value over as plain text."""
    values = engine_config("dev", **{"forge-infra:secrets": {"jwt_key": "s3cr3t-value"},
                                     "aws:secretKey": "wJalrXUtnFEMI"})
    runtime_config.set_all_config(values, [])
    with pytest.raises(ConfigError) as info:
        run_mocked(load_from_pulumi, stack="dev")
    assert [p.split(";")[0] for p in info.value.problems] == [
        "forge-infra:secrets.jwt_key: a plaintext value", "aws:secretKey: a plaintext value"]
    assert "s3cr3t-value" not in str(info.value)
    runtime_config.set_all_config(values, ["forge-infra:secrets", "aws:secretKey"])
    run_mocked(load_from_pulumi, stack="dev")
