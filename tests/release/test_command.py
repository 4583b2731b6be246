"""`forge-infra release` through the CLI: what it says for a platform that releases itself,
for a rolling stack, and for bad outputs."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from forge_infra.cli import main
from forge_infra.release.command import read_outputs
from forge_infra.release.controller import ReleaseError
from tests.conftest import ROOT


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["release", "-C", str(ROOT), *args])
    return result.exit_code, result.output


def test_a_platform_that_runs_its_own_canary_has_nothing_to_step() -> None:
    code, output = invoke("--stack", "small-ecs")
    assert code == 0
    assert output.startswith("small-ecs: cloud aws runs the canary rollout itself during "
                             "`pulumi up`")


def test_a_rolling_stack_has_nothing_to_step() -> None:
    code, output = invoke("--stack", "dev", "--dry-run")
    assert (code, output) == (0, "dev: rolling: `pulumi up` gives the new revision all "
                                 "traffic; nothing to step\n")


def test_an_unknown_stack_is_refused() -> None:
    code, output = invoke("--stack", "nope")
    assert code == 1 and "nope" in output


def test_outputs_that_are_not_pulumis_json_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "outputs.json"
    bad.write_text("gateway: x\n")
    try:
        read_outputs(bad)
    except ReleaseError as exc:
        assert str(exc).startswith(f"--outputs {bad}: not JSON")
    else:
        raise AssertionError("accepted a file that is not JSON")
    bad.write_text("[1, 2]")
    try:
        read_outputs(bad)
    except ReleaseError as exc:
        assert "expected the JSON object `pulumi stack output --json` writes, got list" in str(exc)
    else:
        raise AssertionError("accepted a list")
