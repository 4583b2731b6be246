""".github/workflows: validation, security audit, pins and least privilege.

No workflow runs here (no GitHub, no cloud). Checked: each workflow against the GitHub workflow
schema (`check-jsonschema --builtin-schema vendor.github-workflows`), zizmor's offline audits
with no finding at medium severity or above, every action pinned by a full commit SHA with its
release in a comment (the SHAs are the release tags' commits in the actions' repositories,
recorded below), `id-token: write` and write scopes only in the jobs that need them, fork pull
requests without credentials, deployments serialised per stack, prod behind its environment.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
NAMES = ("ci.yml", "preview.yml", "deploy.yml", "state-backup.yml")

#: action -> (commit, release): each commit read from the release tag in a snapshot of the
#: action's repository (`git rev-parse <tag>^{commit}`, 2026-12-02); codeql-action's pin is
#: the one ci.yml already had (its repository was not fetched).
PINS = {
    "actions/checkout": ("11d5960a326750d5838078e36cf38b85af677262", "v4.4.0"),
    "actions/setup-python": ("a26af69be951a213d495a4c3e4e4022e16d87065", "v5.6.0"),
    "actions/upload-artifact": ("ea165f8d65b6e75b540449e92b4886f43607fa02", "v4.6.2"),
    "actions/download-artifact": ("d3f86a106a0bac45b974a628896c90dbdf5c8093", "v4.3.0"),
    "github/codeql-action/upload-sarif": ("8aad20d150bbac5944a9f9d289da16a4b0d87c1e",
                                          "v4.36.2"),
    "aws-actions/configure-aws-credentials": ("e6de054238d6b7531b4efff3b6587d9aade6a06c",
                                              "v6.2.3"),
    "google-github-actions/auth": ("7c6bc770dae815cd3e89ee6cdf493a5fab2cc093", "v3.0.0"),
    "azure/login": ("f5d393ae46f8fde4be8b75f32e3fc50e654ad0ca", "v3.0.1"),
    "pulumi/actions": ("8e5e406f4007fca908480587cb9893c07090f58d", "v7.0.0"),
    "marocchino/sticky-pull-request-comment": ("5770ad5eb8f42dd2c4f34da00c94c5381e49af88",
                                               "v3.0.5"),
}

#: The only jobs that get an OIDC token, and the only ones with a write scope.
ID_TOKEN_JOBS = {("preview.yml", "preview"), ("deploy.yml", "staging"),
                 ("deploy.yml", "production"), ("state-backup.yml", "export")}
WRITE_SCOPES = {("ci.yml", "plan"): {"security-events"},
                ("ci.yml", "comment"): {"pull-requests"},
                ("preview.yml", "preview"): {"id-token", "pull-requests"},
                ("deploy.yml", "staging"): {"id-token"},
                ("deploy.yml", "production"): {"id-token"},
                ("state-backup.yml", "export"): {"id-token"}}


def tool(name: str) -> str:
    """A dev-extras tool next to the running interpreter (or on PATH)."""
    path = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    assert path, f"{name} is not installed (dev extras)"
    return path


def load(name: str) -> dict[Any, Any]:
    """A workflow, parsed (PyYAML reads the `on:` key as True)."""
    loaded: dict[Any, Any] = yaml.safe_load((WORKFLOWS / name).read_text())
    return loaded


def test_the_four_workflows_exist() -> None:
    assert {p.name for p in WORKFLOWS.glob("*.yml")} >= set(NAMES)


def test_workflows_validate_against_the_schema() -> None:
    result = subprocess.run([tool("check-jsonschema"), "--builtin-schema",
                             "vendor.github-workflows", *(str(WORKFLOWS / n) for n in NAMES)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_reports_nothing_at_medium_or_above() -> None:
    result = subprocess.run([tool("zizmor"), "--offline", "--no-progress", "--format", "json",
                             *(str(WORKFLOWS / n) for n in NAMES)],
                            capture_output=True, text=True, timeout=120)
    findings = json.loads(result.stdout or "[]")
    serious = [(f["ident"], f["determinations"]["severity"]) for f in findings
               if f["determinations"]["severity"] in ("Medium", "High")]
    assert not serious, serious
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_sees_a_template_injection(tmp_path: Path) -> None:
    """The audit itself: a pull-request title in a run script is a finding."""
    bad = tmp_path / "bad.yml"
    bad.write_text("on: pull_request_target\npermissions: {}\njobs:\n  a:\n    runs-on: x\n"
                   "    steps:\n      - run: echo \"${{ github.event.pull_request.title }}\"\n")
    result = subprocess.run([tool("zizmor"), "--offline", "--no-progress", str(bad)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "template-injection" in result.stdout, result.stdout


@pytest.mark.parametrize("name", NAMES)
def test_every_action_is_pinned_by_commit_with_its_release(name) -> None:
    uses = re.findall(r"uses: (\S+)@(\S+)(.*)$", (WORKFLOWS / name).read_text(), re.M)
    assert uses, name
    for action, ref, comment in uses:
        assert action in PINS, (name, action)
        commit, release = PINS[action]
        assert (ref, comment.strip()) == (commit, f"# {release}"), (name, action, ref, comment)


def jobs(name: str) -> dict[str, Any]:
    """The jobs of a workflow."""
    loaded: dict[str, Any] = load(name)["jobs"]
    return loaded


@pytest.mark.parametrize("name", NAMES)
def test_permissions_are_least_privilege_per_job(name) -> None:
    assert load(name)["permissions"] == {"contents": "read"}, name
    for job_name, job in jobs(name).items():
        permissions = job.get("permissions", {})
        writes = {scope for scope, level in permissions.items() if level == "write"}
        assert writes == WRITE_SCOPES.get((name, job_name), set()), (name, job_name, writes)
        assert ("id-token" in writes) == ((name, job_name) in ID_TOKEN_JOBS), (name, job_name)


@pytest.mark.parametrize("name", NAMES)
def test_no_long_lived_cloud_keys(name) -> None:
    text = (WORKFLOWS / name).read_text()
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "credentials_json", "creds:",
                "GOOGLE_CREDENTIALS", "ARM_CLIENT_SECRET", "client-secret"):
        assert key not in text, (name, key)


def test_ci_plans_checks_and_comments() -> None:
    ci = jobs("ci.yml")
    steps = ci["plan"]["steps"]
    runs = "\n".join(step.get("run", "") for step in steps)
    assert "forge-infra check --all --format sarif --output forge-infra.sarif" in runs
    assert 'exit "$CHECK_STATUS"' in runs
    assert "forge-infra plan --all" in runs and "$GITHUB_STEP_SUMMARY" in runs
    assert "--diff \"$RUNNER_TEMP/base-$stack.json\"" in runs
    assert "--compare \"$RUNNER_TEMP/base-$stack.json\"" in runs
    assert 'exit "$PLAN_STATUS"' in runs
    uses = [step.get("uses", "").split("@")[0] for step in steps]
    assert "github/codeql-action/upload-sarif" in uses
    comment = ci["comment"]
    assert "github.event.pull_request.head.repo.full_name == github.repository" in comment["if"]
    assert [s["uses"].split("@")[0] for s in comment["steps"]] == [
        "actions/download-artifact", "marocchino/sticky-pull-request-comment"]


def test_preview_runs_the_pulumi_action_without_credentials_for_forks() -> None:
    preview = jobs("preview.yml")
    assert "github.event.pull_request.head.repo.full_name == github.repository" in (
        preview["stacks"]["if"])
    assert preview["preview"]["needs"] == ["stacks"]
    pulumi = next(s for s in preview["preview"]["steps"]
                  if s.get("uses", "").startswith("pulumi/actions@"))
    assert pulumi["with"]["command"] == "preview"
    assert pulumi["with"]["comment-on-pr"] is True
    assert pulumi["with"]["policyPacks"] == "policy"
    clouds = {s["if"]: s["uses"].split("@")[0] for s in preview["preview"]["steps"] if "if" in s}
    assert clouds == {"matrix.cloud == 'aws'": "aws-actions/configure-aws-credentials",
                      "matrix.cloud == 'gcp'": "google-github-actions/auth",
                      "matrix.cloud == 'azure'": "azure/login"}


def test_deploy_goes_staging_then_prod_behind_its_environment() -> None:
    deploy = jobs("deploy.yml")
    assert load("deploy.yml")[True] == {"push": {"branches": ["main"]}}
    assert deploy["staging"]["environment"] == "staging"
    assert deploy["production"]["environment"] == "production"
    assert deploy["production"]["needs"] == ["staging"]
    for job_name, stack in (("staging", "staging"), ("production", "prod")):
        job = deploy[job_name]
        assert job["concurrency"] == {"group": f"deploy-{stack}", "cancel-in-progress": False}
        assert job["env"]["STACK"] == stack
        names = [step.get("name", step.get("uses", "")) for step in job["steps"]]
        up = names.index("pulumi up (infrastructure and the chart release together)")
        smoke = names.index("Smoke test through the public URL")
        rollback = [i for i, n in enumerate(names) if n.startswith("Rollback")]
        assert up < smoke < rollback[0], names
        assert "steps.smoke.outcome == 'failure'" in job["steps"][rollback[0]]["if"]


def test_state_backup_exports_every_stack_on_a_schedule() -> None:
    backup = load("state-backup.yml")
    assert backup[True]["schedule"] == [{"cron": "17 3 * * *"}]
    run = "\n".join(s.get("run", "") for s in backup["jobs"]["export"]["steps"])
    assert 'pulumi stack export --stack "$stack"' in run
    assert "--sse aws:kms" in run
    assert "--show-secrets" not in run
