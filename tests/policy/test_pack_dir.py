"""The policy pack directory `policy/` Pulumi loads with `--policy-pack policy`: its project
file, its entry point (serving `forge_infra.policy.pack.policies()`), its requirements, and the
example config, validated against the pack's config schema."""

from __future__ import annotations

import ast
import json
import re
import tomllib
from typing import Any

import jsonschema
import pytest
import yaml

from forge_infra.policy.pack import CONFIG_PROPERTIES, PACK_NAME, policies
from forge_infra.policy.registry import rule_ids
from forge_infra.policy.report import ENFORCEMENT_LEVELS, pack_config_schema
from tests.conftest import ROOT

PACK = ROOT / "policy"


def test_the_project_file_runs_python_in_the_projects_virtualenv() -> None:
    pack = yaml.safe_load((PACK / "PulumiPolicy.yaml").read_text())
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    assert pack["runtime"]["name"] == "python"
    assert pack["runtime"]["options"]["toolchain"] == project["runtime"]["options"]["toolchain"]
    # The pack's virtualenv path is relative to policy/: the project's own.
    assert (PACK / pack["runtime"]["options"]["virtualenv"]).resolve() == (
        ROOT / project["runtime"]["options"]["virtualenv"]).resolve()
    assert set(pack) <= {"runtime", "version", "main", "description", "author", "website",
                         "license"}


def _calls(tree: ast.AST, name: str) -> list[ast.Call]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name) and node.func.id == name]


def test_the_entry_point_serves_every_rule_as_a_policy() -> None:
    """`__main__.py` serves gRPC forever once run, so it is read, not run."""
    tree = ast.parse((PACK / "__main__.py").read_text())
    imports = {(node.module, alias.name) for node in ast.walk(tree)
               if isinstance(node, ast.ImportFrom) for alias in node.names}
    assert ("forge_infra.policy.pack", "policies") in imports
    assert ("forge_infra.policy.pack", "PACK_NAME") in imports
    assert ("pulumi_policy", "PolicyPack") in imports
    (pack,) = _calls(tree, "PolicyPack")
    arguments = {k.arg: k.value for k in pack.keywords}
    assert isinstance(arguments["name"], ast.Name) and arguments["name"].id == "PACK_NAME"
    assert PACK_NAME == "forge-infra"
    served = arguments["policies"]
    assert isinstance(served, ast.Call) and isinstance(served.func, ast.Name)
    assert served.func.id == "policies" and not served.args and not served.keywords
    assert ast.unparse(arguments["enforcement_level"]) == "EnforcementLevel.ADVISORY"


def test_policies_are_one_per_rule_with_the_config_schema() -> None:
    served = policies()
    assert sorted(p.name for p in served) == rule_ids()
    for policy in served:
        assert policy.config_schema.properties == CONFIG_PROPERTIES, policy.name


def test_the_requirements_install_the_project_with_the_policy_extra() -> None:
    lines = [line.strip() for line in (PACK / "requirements.txt").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines == ["-c ../constraints.txt", "-e ..[all,policy]"]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    assert any(r.startswith("pulumi-policy>=") for r in extras["policy"])
    assert "forge-infra[all,policy]" in extras["dev"]
    pins = dict(line.split("==") for line in (ROOT / "constraints.txt").read_text().splitlines()
                if "==" in line)
    assert pins["pulumi_policy"] == "1.21.0"


def test_the_example_config_validates_against_the_packs_config_schema() -> None:
    example = json.loads((PACK / "config.example.json").read_text())
    jsonschema.Draft202012Validator(pack_config_schema(),
                                    format_checker=jsonschema.FormatChecker()).validate(example)
    assert set(example) - {"all"} <= set(rule_ids())


@pytest.mark.parametrize(("config", "error"), [
    ({"all": "block"}, "is not valid under any of the given schemas"),
    ({"no-such-rule": "advisory"}, "Additional properties are not allowed"),
    ({"aws-rds-not-public": {"environment": "qa"}}, "is not valid under any of the given"),
    ({"aws-rds-not-public": {"waivers": [{"resource": "x"}]}}, "is not valid under any"),
    ({"aws-rds-not-public": {"waivers": [{"resource": "x", "reason": "y",
                                          "expires": "soon"}]}}, "is not valid under any"),
    ({"all": {"environment": "prod"}}, "is not valid under any of the given schemas"),
])
def test_the_config_schema_refuses_bad_values(config: dict[str, Any], error: str) -> None:
    validator = jsonschema.Draft202012Validator(pack_config_schema(),
                                                format_checker=jsonschema.FormatChecker())
    messages = [e.message for e in validator.iter_errors(config)]
    assert messages and error in messages[0], messages


def test_the_enforcement_levels_are_pulumi_policys() -> None:
    from pulumi_policy import EnforcementLevel

    assert set(ENFORCEMENT_LEVELS) <= {level.value for level in EnforcementLevel}


def test_ci_previews_with_the_pack_and_uploads_sarif() -> None:
    """preview.yml generates each stack's pack config with forge-infra and hands it to
    `pulumi preview` (the official action) with the policy pack; ci.yml's offline check
    uploads its SARIF to code scanning; every action is pinned by commit."""
    previews = yaml.safe_load((ROOT / ".github" / "workflows" / "preview.yml").read_text())
    steps = previews["jobs"]["preview"]["steps"]
    runs = [step.get("run", "") for step in steps]
    generate = next(i for i, r in enumerate(runs) if "--format policy-config" in r)
    preview_step = next(i for i, step in enumerate(steps)
                        if step.get("uses", "").startswith("pulumi/actions@"))
    assert generate < preview_step
    assert ('--output "$RUNNER_TEMP/policy-$STACK.json"' in runs[generate]
            and runs[generate].startswith('.venv/bin/forge-infra check --stack "$STACK"'))
    action = steps[preview_step]["with"]
    assert action["command"] == "preview" and action["policyPacks"] == "policy"
    assert action["policyPackConfigs"] == "${{ runner.temp }}/policy-${{ matrix.stack }}.json"
    assert any("'.[all,policy]'" in r for r in runs)
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    plan_steps = workflow["jobs"]["plan"]["steps"]
    check = next(i for i, s in enumerate(plan_steps) if "forge-infra check --all" in
                 s.get("run", ""))
    assert "--format sarif --output forge-infra.sarif" in plan_steps[check]["run"]
    upload = next(i for i, s in enumerate(plan_steps)
                  if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert upload > check and plan_steps[upload]["with"]["sarif_file"] == "forge-infra.sarif"
    assert "always()" in plan_steps[upload]["if"]
    uses = [step["uses"] for document in (workflow, previews)
            for job in document["jobs"].values() for step in job["steps"] if "uses" in step]
    assert uses and all(re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", u) for u in uses), uses
