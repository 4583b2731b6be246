"""Every misuse of `forge-infra plan` ends with a clear message naming the flag, the right exit
code and no traceback (unless --debug); the streams, colours, project discovery and Ctrl-C."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import forge_infra.cli as cli
import forge_infra.cli_support as cli_support
from forge_infra.cli import color_choice, main
from forge_infra.cli_support import find_project
from forge_infra.plan.model import Plan
from tests.conftest import ROOT


def invoke(*argv: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(argv), env=env)


@pytest.fixture
def no_planning(monkeypatch: pytest.MonkeyPatch) -> None:
    """The checks under test happen before planning: planning at all fails the test."""
    def refuse(*args: Any, **kwargs: Any) -> Plan:
        raise AssertionError("planned before the flags were checked")

    monkeypatch.setattr(cli, "run_plan", refuse)


@pytest.fixture(scope="module")
def dev_plan_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("plans") / "plan-dev.json"
    assert invoke("plan", "-s", "dev", "-C", str(ROOT), "-q", "--json",
                  str(target)).exit_code == 0
    return target


# -- output paths: checked before planning ----------------------------------------------------

def _missing_folder(tmp: Path) -> str:
    return str(tmp / "no-such-folder" / "plan.json")


def _folder(tmp: Path) -> str:
    return str(tmp)


def _file_as_folder(tmp: Path) -> str:
    (tmp / "a-file").write_text("")
    return str(tmp / "a-file" / "plan.json")


OUTPUT_CASES: list[tuple[str, str, Callable[[Path], str], str]] = [
    ("json-missing-folder", "--json", _missing_folder, "does not exist; create it first"),
    ("json-folder", "--json", _folder, "is a folder; name a file in it"),
    ("json-under-a-file", "--json", _file_as_folder, "is not a folder"),
    ("graph-missing-folder", "--graph", lambda t: str(t / "nope" / "g.mmd"), "does not exist"),
    ("graph-folder", "--graph", lambda t: str((t / "g.dot").mkdir() or t / "g.dot"),
     "is a folder"),
]


@pytest.mark.parametrize(("flag", "path", "fragment"), [c[1:] for c in OUTPUT_CASES],
                         ids=[c[0] for c in OUTPUT_CASES])
def test_an_output_path_that_cannot_be_written_is_refused_before_planning(
        no_planning: None, tmp_path: Path, flag: str, path: Callable[[Path], str],
        fragment: str) -> None:
    result = invoke("plan", "-s", "dev", "-C", str(ROOT), flag, path(tmp_path))
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '{flag}'" in result.output and fragment in result.output
    assert "Traceback" not in result.output


def test_a_read_only_location_is_refused_before_planning(
        no_planning: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check creates (and removes) a probe file, as root on a read-only filesystem
    fails (permission bits alone do not stop root): simulated by the probe failing."""
    def read_only(*args: Any, **kwargs: Any) -> tuple[int, str]:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(cli_support.tempfile, "mkstemp", read_only)
    result = invoke("plan", "-s", "dev", "-C", str(ROOT), "--json", str(tmp_path / "p.json"))
    assert result.exit_code == 2
    assert "'--json': " in result.output and "cannot write there: Read-only file system" \
        in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.access("/sys", os.W_OK) and not Path("/sys/kernel").is_dir(),
                    reason="no sysfs here")
def test_a_real_unwritable_location_is_refused(no_planning: None) -> None:
    result = invoke("plan", "-s", "dev", "-C", str(ROOT), "--graph", "/sys/forge-plan.mmd")
    assert result.exit_code == 2
    assert "/sys/forge-plan.mmd: cannot write there" in result.output


# -- --diff documents ---------------------------------------------------------------------------

DIFF_CASES: list[tuple[str, bytes, str]] = [
    ("list", b"[]", "the file holds a list, not a plan"),
    ("string", b'"plan"', "the file holds a string, not a plan"),
    ("null", b"null", "the file holds null, not a plan"),
    ("number", b"42", "the file holds a number, not a plan"),
    ("not-json", b"{schema: plan}", "not JSON: Expecting property name"),
    ("binary", b"\xff\xfe\x00", "not UTF-8 text (byte 0xff at offset 0)"),
    ("wrong-schema", b'{"schema": "other/1"}', "schema: got 'other/1'"),
    ("resources-string", json.dumps({"schema": "forge-infra/plan@2", "project": "forge-infra",
                                     "stack": "dev", "cloud": "aws",
                                     "resources": "all"}).encode(),
     "resources: got a string; must be a list"),
    ("resources-null", json.dumps({"schema": "forge-infra/plan@2", "project": "forge-infra",
                                   "stack": "dev", "cloud": "aws",
                                   "resources": None}).encode(),
     "resources: got null; must be a list"),
    ("resource-not-object", json.dumps({"schema": "forge-infra/plan@2", "project": "x",
                                        "stack": "dev", "cloud": "aws",
                                        "resources": [7]}).encode(),
     "resources[0]: got a number; must be an object"),
    ("resource-without-urn", json.dumps({"schema": "forge-infra/plan@2", "project": "x",
                                         "stack": "dev", "cloud": "aws",
                                         "resources": [{"type": "t", "name": "n"}]}).encode(),
     "resources[0].urn: got null; must be a string"),
    ("props-a-list", json.dumps({"schema": "forge-infra/plan@2", "project": "x", "stack": "dev",
                                 "cloud": "aws", "resources": [
                                     {"urn": "u", "type": "t", "name": "n", "custom": True,
                                      "props": []}]}).encode(),
     "resources[0].props: got a list; must be an object"),
    ("outputs-a-list", json.dumps({"schema": "forge-infra/plan@2", "project": "x",
                                   "stack": "dev", "cloud": "aws", "resources": [],
                                   "outputs": []}).encode(),
     "outputs: got a list; must be an object"),
]


@pytest.mark.parametrize(("data", "fragment"), [c[1:] for c in DIFF_CASES],
                         ids=[c[0] for c in DIFF_CASES])
def test_a_diff_file_that_is_not_a_plan_is_refused_naming_the_key(
        no_planning: None, tmp_path: Path, data: bytes, fragment: str) -> None:
    old = tmp_path / "old.json"
    old.write_bytes(data)
    result = invoke("plan", "-s", "dev", "-C", str(ROOT), "--diff", str(old))
    assert result.exit_code == 1, result.output
    assert f"error: --diff {old}: " in result.output and fragment in result.output
    assert "Traceback" not in result.output


def test_a_missing_diff_file_is_refused(no_planning: None, tmp_path: Path) -> None:
    result = invoke("plan", "-s", "dev", "-C", str(ROOT), "--diff", str(tmp_path / "gone.json"))
    assert result.exit_code == 1
    assert "cannot read it: No such file or directory" in result.output


def test_a_diff_against_another_stack_needs_force(tmp_path: Path, dev_plan_file: Path) -> None:
    document = json.loads(dev_plan_file.read_text())
    document["stack"] = "prod"
    other = tmp_path / "prod.json"
    other.write_text(json.dumps(document))
    refused = invoke("plan", "-s", "dev", "-C", str(ROOT), "-q", "--diff", str(other))
    assert refused.exit_code == 1
    assert "is a plan of project 'forge-infra', stack 'prod', not of project 'forge-infra', " \
           "stack 'dev'" in refused.output and "Pass --force" in refused.output
    forced = invoke("plan", "-s", "dev", "-C", str(ROOT), "-q", "--diff", str(other), "--force")
    assert forced.exit_code == 0, forced.output
    assert "No changes: the plans are identical." in forced.output


# -- --detailed-exitcode ------------------------------------------------------------------------

def test_detailed_exitcode_tells_no_changes_from_changes(
        tmp_path: Path, dev_plan_file: Path) -> None:
    same = invoke("plan", "-s", "dev", "-C", str(ROOT), "-q", "--diff", str(dev_plan_file),
                  "--detailed-exitcode")
    assert same.exit_code == 0, same.output
    document = json.loads(dev_plan_file.read_text())
    rds = next(r for r in document["resources"] if r["type"] == "aws:rds/instance:Instance")
    rds["props"]["instanceClass"] = "db.t4g.small"
    changed_file = tmp_path / "old.json"
    changed_file.write_text(json.dumps(document))
    changed = invoke("plan", "-s", "dev", "-C", str(ROOT), "-q", "--diff", str(changed_file),
                     "--detailed-exitcode")
    assert changed.exit_code == 2, changed.output
    assert "Diff: 0 to create, 1 to update, 0 to replace, 0 to delete" in changed.output
    plain = invoke("plan", "-s", "dev", "-C", str(ROOT), "-q", "--diff", str(changed_file))
    assert plain.exit_code == 0


@pytest.mark.parametrize(("argv", "fragment"), [
    (["--detailed-exitcode"], "--detailed-exitcode reports the changes of --diff"),
    (["--detailed-exitcode", "--diff", "x.json", "--bogus"], "No such option '--bogus'"),
    (["--force"], "--force only applies to --diff"),
], ids=["without-diff", "unknown-option", "force-without-diff"])
def test_usage_errors_exit_1_under_detailed_exitcode_else_2(
        no_planning: None, argv: list[str], fragment: str) -> None:
    result = invoke("plan", "-s", "dev", "-C", str(ROOT), *argv)
    assert fragment in result.output
    assert result.exit_code == (1 if "--detailed-exitcode" in argv else 2)
    assert "Traceback" not in result.output


# -- stacks and the project -----------------------------------------------------------------------

@pytest.mark.parametrize(("argv", "code", "fragment"), [
    (["-s", "qa"], 1, "no stack 'qa' in "),
    (["-s", "qa"], 1, "the stacks here are: dev, staging, prod"),
    (["-s", "../dev"], 2, "Invalid value for '--stack': '../dev' is not a stack name"),
    (["-s", "dev", "-s", "nope"], 1, "no stack 'nope'"),
    (["-s", "dev", "-C", "/no/such/dir"], 2, "'/no/such/dir' does not exist"),
    (["--all", "--json", "-"], 2, "--json - writes one plan to standard output"),
], ids=["unknown", "lists-existing", "path-in-name", "second-unknown", "missing-C",
        "all-to-stdout"])
def test_stack_and_project_errors(no_planning: None, argv: list[str], code: int,
                                  fragment: str) -> None:
    result = invoke("plan", *argv, *([] if "-C" in argv else ["-C", str(ROOT)]))
    assert result.exit_code == code, result.output
    assert fragment in result.output
    assert "Traceback" not in result.output


def test_no_project_anywhere_says_so(no_planning: None, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("plan", "-s", "dev")
    assert result.exit_code == 1
    assert f"no Pulumi.yaml in {tmp_path.resolve()} or any folder above it" in result.output
    assert "-C DIR" in result.output


def test_from_a_subfolder_the_project_is_found_above(monkeypatch: pytest.MonkeyPatch) -> None:
    assert find_project(ROOT / "docs") == ROOT
    monkeypatch.chdir(ROOT / "src" / "forge_infra")
    result = invoke("plan", "-s", "dev", "-q")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Plan dev: ")


def test_dash_c_names_a_folder_inside_the_project(tmp_path: Path) -> None:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    (tmp_path / "Pulumi.other.yaml").write_text("config: {}\n")
    (tmp_path / "sub").mkdir()
    result = invoke("plan", "-s", "qa", "-C", str(tmp_path / "sub"))
    assert result.exit_code == 1
    assert f"no stack 'qa' in {tmp_path.resolve()}" in result.output
    assert "the stacks here are: other" in result.output


# -- streams and colour -----------------------------------------------------------------------

def test_json_to_stdout_carries_nothing_else() -> None:
    result = CliRunner().invoke(main, ["plan", "-s", "dev", "-C", str(ROOT), "--json", "-"])
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["schema"] == "forge-infra/plan@2" and document["stack"] == "dev"
    assert "Plan dev: " in result.stderr and "forge-infra stack dev (aws/ecs)" in result.stderr


@pytest.mark.parametrize(("flag", "environ", "expected"), [
    (None, {}, None),
    (None, {"NO_COLOR": "1"}, False),
    (None, {"NO_COLOR": ""}, None),
    (True, {"NO_COLOR": "1"}, True),
    (False, {}, False),
])
def test_color_choice(flag: bool | None, environ: dict[str, str],
                      expected: bool | None) -> None:
    assert color_choice(flag, environ) is expected


def test_no_color_wins_over_a_forced_terminal() -> None:
    """FORCE_COLOR makes the console colour even off a terminal; NO_COLOR still wins."""
    args = ["plan", "-s", "dev", "-C", str(ROOT)]
    coloured = invoke(*args, env={"FORCE_COLOR": "1", "NO_COLOR": ""})
    assert coloured.exit_code == 0 and "\x1b[" in coloured.output
    plain = invoke(*args, env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert plain.exit_code == 0 and "\x1b[" not in plain.output


# -- interrupts and defects ---------------------------------------------------------------------

def test_ctrl_c_exits_130_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: Any, **kwargs: Any) -> Plan:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "run_plan", interrupted)
    result = invoke("plan", "-s", "dev", "-C", str(ROOT))
    assert result.exit_code == 130
    assert result.output == "forge-infra: interrupted\n"


@pytest.mark.parametrize("debug", [False, True])
def test_a_defect_is_one_line_unless_debug(monkeypatch: pytest.MonkeyPatch, debug: bool) -> None:
    def broken(*args: Any, **kwargs: Any) -> Plan:
        raise RuntimeError("boom")

    monkeypatch.setattr(cli, "run_plan", broken)
    result = invoke("plan", "-s", "dev", "-C", str(ROOT), *(["--debug"] if debug else []))
    assert result.exit_code == 1
    assert "error: internal error: RuntimeError: boom" in result.output
    assert ("Traceback" in result.output) is debug


def test_cost_finds_the_project_from_a_subfolder_and_lists_the_stacks(tmp_path: Path) -> None:


    from click.testing import CliRunner

    from forge_infra.cli import main
    from tests.conftest import ROOT

    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    shutil.copy(ROOT / "Pulumi.dev.yaml", tmp_path / "Pulumi.dev.yaml")
    (tmp_path / "sub").mkdir()
    runner = CliRunner()
    unknown = runner.invoke(main, ["cost", "--stack", "nope", "-C", str(tmp_path / "sub")])
    assert unknown.exit_code == 1 and "Traceback" not in unknown.output
    assert "no stack 'nope'" in unknown.output and "the stacks here are: dev" in unknown.output
    found = runner.invoke(main, ["cost", "--stack", "dev", "-C", str(tmp_path / "sub"),
                                 "--format", "json"])
    assert found.exit_code == 0, found.output
