"""docker/cloudbuild.yaml: valid for Cloud Build (its vendor schema, via check-jsonschema), and
the steps it promises: four images built, pushed only outside pull requests, `pulumi preview`
on a pull request and `pulumi up` on main, the stack from `_STACK`, builders pinned.

What this does not prove: that a trigger runs it (that needs a project); only that Cloud Build
accepts the file's shape and that the steps say what docs/DEPLOYMENT.md says they do.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import ROOT

CLOUDBUILD = ROOT / "docker" / "cloudbuild.yaml"
SERVICES = ("gateway", "api", "worker", "ui")


def _document() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(CLOUDBUILD.read_text())
    return document


def _steps() -> dict[str, dict[str, Any]]:
    return {step["id"]: step for step in _document()["steps"]}


def test_cloudbuild_validates_against_cloud_builds_schema() -> None:
    tool = (shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
            or shutil.which("check-jsonschema"))
    assert tool, "check-jsonschema is not installed (dev extras)"
    result = subprocess.run([tool, "--builtin-schema", "vendor.cloudbuild", str(CLOUDBUILD)],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_file_cloud_build_refuses_fails_the_same_check(tmp_path: Path) -> None:
    """The schema check can fail: a substitution option Cloud Build does not know is
    refused."""
    broken = _document()
    broken["options"]["substitutionOption"] = "LOOSE"
    path = tmp_path / "cloudbuild.yaml"
    path.write_text(yaml.safe_dump(broken))
    tool = (shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
            or shutil.which("check-jsonschema"))
    assert tool
    result = subprocess.run([tool, "--builtin-schema", "vendor.cloudbuild", str(path)],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode != 0
    assert "substitutionOption: 'LOOSE' is not one of" in result.stdout


def test_the_four_images_are_built_in_parallel_and_tagged_with_the_commit() -> None:
    steps = _steps()
    for service in SERVICES:
        step = steps[f"build-{service}"]
        image = f"${{_REGION}}-docker.pkg.dev/${{PROJECT_ID}}/${{_REPOSITORY}}/{service}"
        assert step["args"] == ["build", "-t", f"{image}:${{SHORT_SHA}}",
                                f"${{_SOURCE_DIR}}/{service}"], service
        assert step["waitFor"] == ["-"], service
    assert steps["push"]["waitFor"] == [f"build-{s}" for s in SERVICES]


def test_images_are_pushed_only_outside_pull_requests() -> None:
    script = _steps()["push"]["args"][-1]
    assert script.index('if [ -n "${_PR_NUMBER}" ]') < script.index("exit 0") < script.index(
        "docker push")
    assert "for service in gateway api worker ui" in script


def test_preview_on_pull_requests_and_up_on_main_for_the_substituted_stack() -> None:
    steps = _steps()
    deploy = steps["deploy"]
    assert deploy["waitFor"] == ["push"]
    script = deploy["args"][-1]
    assert 'pulumi login "gs://${_STATE_BUCKET}"' in script
    assert 'pulumi stack select "${_STACK}"' in script
    preview = script.index('pulumi preview --stack "${_STACK}"')
    up = script.index('pulumi up --stack "${_STACK}" --yes')
    assert script.index('if [ -n "${_PR_NUMBER}" ]') < preview < script.index(
        'elif [ "${BRANCH_NAME}" = "main" ]') < up
    assert "--path" in script and ".image.tag" in script and "${SHORT_SHA}" in script
    # Shell variables are escaped ($$) so Cloud Build does not take them for substitutions.
    assert "$${service}" in script and re.search(r"(?<!\$)\$service", script) is None
    document = _document()
    assert document["substitutions"]["_STACK"] == "gcp-dev"
    assert document["options"]["substitutionOption"] == "ALLOW_LOOSE"


def test_builder_images_are_pinned_and_pulumi_matches_the_pinned_sdk() -> None:
    pins = dict(line.split("==") for line in (ROOT / "constraints.txt").read_text().splitlines()
                if "==" in line and not line.startswith("#"))
    for step in _document()["steps"]:
        name = step["name"]
        assert re.fullmatch(r"[a-z0-9./-]+:\d+\.\d+\.\d+(-[a-z]+)?", name), name
    assert _steps()["deploy"]["name"] == f"pulumi/pulumi-python:{pins['pulumi']}"
    assert "credentials" not in CLOUDBUILD.read_text().lower().replace(
        "application default credentials", "")


def test_a_deployment_of_main_is_released_step_by_step_after_pulumi_up() -> None:
    """On main the deploy step writes the stack's outputs and the release step runs
    `forge-infra release` on them after it; a pull request or another branch releases
    nothing."""
    steps = _steps()
    deploy = steps["deploy"]["args"][-1]
    up = deploy.index('pulumi up --stack "${_STACK}" --yes')
    assert deploy.index('pulumi stack output --stack "${_STACK}" --json > '
                        "/workspace/stack-outputs.json") > up
    release = steps["release"]
    assert release["waitFor"] == ["deploy"]
    # The ignored traffic split survives the update only when the state was refreshed first.
    assert 'pulumi up --stack "${_STACK}" --yes --non-interactive --refresh' in deploy
    script = release["args"][-1]
    guard = script.index('if [ -n "${_PR_NUMBER}" ] || [ "${BRANCH_NAME}" != "main" ]')
    run = script.index('forge-infra release --stack "${_STACK}"')
    assert guard < script.index("exit 0") < run
    assert "--outputs /workspace/stack-outputs.json" in script
    assert "-c constraints.txt -e '.[gcp]'" in script
