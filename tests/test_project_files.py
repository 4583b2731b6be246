"""The project files the Pulumi CLI, CI and Docker read, checked with their own validators."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import yaml

from tests.conftest import ROOT, STACKS

SCHEMA = Path(__file__).parent / "data" / "pulumi-project.schema.json"
SHARED_SCHEMA = ROOT.parent / "shared" / "schemas" / "pulumi-project.json"


def test_pulumi_yaml_validates_against_pulumis_project_schema() -> None:
    schema = json.loads(SCHEMA.read_text())
    if SHARED_SCHEMA.is_file():  # the vendored copy must not drift from the reference
        assert json.loads(SHARED_SCHEMA.read_text()) == schema
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    jsonschema.Draft202012Validator(schema).validate(project)
    assert project["name"] == "forge-infra"
    assert project["runtime"] == {"name": "python",
                                  "options": {"toolchain": "pip", "virtualenv": ".venv"}}
    main = ROOT / project["main"]
    assert (main / "__main__.py").is_file()


def test_pulumi_yaml_schema_rejects_a_bad_runtime() -> None:
    schema = json.loads(SCHEMA.read_text())
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(
        {"name": "x", "runtime": {"name": "python", "opts": {}}}))
    assert errors


def test_example_stack_files_hold_no_secret_values() -> None:
    """Secrets are added per deployment with `pulumi config set --secret`, never committed."""
    for stack in STACKS:
        config = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
        assert "forge-infra:secrets" not in config
        assert not any(isinstance(v, dict) and "secure" in v for v in config.values())


def test_requirements_install_the_project_for_pulumi_install() -> None:
    """`pulumi install` installs this project with every cloud's SDK, pinned like CI."""
    lines = [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines == ["-c constraints.txt", "-e .[all]"]


def test_every_stack_file_names_its_cloud_and_sizes_in_vcpu() -> None:
    """`forge-infra:cloud` is required; service cpu is in vCPU (not ECS units)."""
    for stack in STACKS:
        config = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
        assert config["forge-infra:cloud"] == "aws", stack
        cpus = {name: service["cpu"] for name, service in config["forge-infra:services"].items()}
        assert set(cpus.values()) <= {0.25, 0.5}, (stack, cpus)


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), cwd=ROOT, capture_output=True, text=True, timeout=120)


def _tool(name: str) -> str:
    path = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    assert path, f"{name} is not installed (dev extras)"
    return path


def test_github_workflows_validate() -> None:
    workflows = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
    assert workflows
    result = _run(_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows",
                  *map(str, workflows))
    assert result.returncode == 0, result.stdout + result.stderr


def test_ci_workflow_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    workflow = (ROOT / ".github" / "workflows" / "ci.yml").read_text()
    ci_run = (ROOT / ".ci" / "run").read_text()
    command = next(line.strip() for line in readme.splitlines()
                   if line.strip().startswith("python3 -m venv .venv") and "pytest" in line)
    assert command in workflow
    assert command.replace("pip install -e", "pip install -q -e") in ci_run


def test_dockerfiles_pass_hadolint() -> None:
    dockerfiles = sorted((ROOT / "docker").glob("*Dockerfile"))
    assert dockerfiles
    result = _run(_tool("hadolint"), *map(str, dockerfiles))
    assert result.returncode == 0, result.stdout + result.stderr


def test_github_workflows_pass_zizmor() -> None:
    """zizmor's audits (template injection, unpinned actions, excessive permissions, ...),
    offline: the audits that need GitHub's API are skipped."""
    result = _run(_tool("zizmor"), "--offline", "--no-progress", ".github/workflows")
    assert result.returncode == 0, result.stdout + result.stderr


def test_shell_scripts_pass_shellcheck(tmp_path: Path) -> None:
    """The boot templates as shipped and as rendered (the Redpanda seeds are inserted lines),
    and the CI entry point."""
    from forge_components.aws.streaming import render_redpanda_user_data

    rendered = tmp_path / "redpanda-rendered.sh"
    rendered.write_text(render_redpanda_user_data(
        node_id=1, self_ip="10.0.1.10", peer_ips=["10.0.1.10", "10.0.2.10", "10.0.3.10"],
        data_volume_id="vol-0123456789abcdef0", redpanda_version="26.2.7",
        tls_secret_arn="arn:aws:secretsmanager:us-east-1:123456789012:secret:broker-1-tls-Ab12Cd"))
    scripts = [*sorted((ROOT / "components" / "forge_components" / "aws" / "templates")
                       .glob("*.sh")), ROOT / ".ci" / "run", rendered]
    result = _run(_tool("shellcheck"), "--shell=bash", *map(str, scripts))
    assert result.returncode == 0, result.stdout + result.stderr
