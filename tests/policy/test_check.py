"""The policy findings as users and CI see them: under `forge-infra plan`, from `forge-infra
check` in every format, with the stack's waivers, and the exit codes (4: a mandatory finding
no waiver covers; it wins over 3, over budget)."""

from __future__ import annotations

import datetime
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner, Result

from forge_infra.cli import main
from forge_infra.plan import engine as plan_engine
from forge_infra.plan.model import Plan
from forge_infra.policy.engine import Waiver, config_waivers
from forge_infra.policy.pack import waivers_from_config
from forge_infra.policy.registry import RULES, rule_ids
from forge_infra.policy.report import pack_config_schema, policy_config
from tests.conftest import ROOT

SARIF_SCHEMA = Path(__file__).parents[1] / "data" / "sarif-schema-2.1.0.json"
RDS = "aws:rds/instance:Instance"
DB_URN = ("urn:pulumi:dev::forge-infra::forge-aws:index:Database$aws:rds/instance:Instance"
          "::forge-dev-db-primary")
TODAY = datetime.datetime.now(datetime.UTC).date()


def invoke(*argv: str) -> Result:
    return CliRunner().invoke(main, list(argv), env={"COLUMNS": None})


@pytest.fixture
def public_database(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every plan's database is made public after the program ran (as a changed component
    could make it): the rules, not the config, must catch it."""
    original = plan_engine.plan_from_recording

    def mutated(*args: Any, **kwargs: Any) -> Plan:
        plan = original(*args, **kwargs)
        for resource in plan.resources:
            if resource.type == RDS:
                resource.props["publiclyAccessible"] = True
        return plan

    monkeypatch.setattr(plan_engine, "plan_from_recording", mutated)
    yield


def project(tmp_path: Path, policy: dict[str, Any] | None = None,
            **sections: Any) -> Path:
    """A copy of the project with its dev stack's `forge-infra:policy` replaced (and keys of
    other neutral sections changed)."""
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    document = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    if policy is not None:
        document["config"]["forge-infra:policy"] = policy
    for key, value in sections.items():
        document["config"][f"forge-infra:{key}"] = {**document["config"][f"forge-infra:{key}"],
                                                    **value}
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    return tmp_path


# -- forge-infra plan -------------------------------------------------------------------------


def test_plan_prints_the_policy_section_and_counts() -> None:
    result = invoke("plan", "--stack", "dev", "-C", str(ROOT), "--no-color")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    section = lines.index(next(line for line in lines if line.startswith("Policy (dev): ")))
    assert lines[section + 1:section + 2] in (["  no rule reports anything"],
                                              [lines[section + 1]])
    assert lines[-2].startswith("Plan dev: ") and lines[-2].endswith("(offline).")
    assert lines[-1].startswith("Policy dev: 0 mandatory, ")


def test_plan_quiet_prints_only_the_summary_and_counts() -> None:
    result = invoke("plan", "--stack", "dev", "-C", str(ROOT), "-q")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("Plan dev: ")
    assert lines[1].startswith("Policy dev: 0 mandatory, ") and lines[1].endswith(" findings.")


def test_a_public_database_fails_the_plan_with_exit_4(public_database: None) -> None:
    result = invoke("plan", "--stack", "dev", "-C", str(ROOT), "--no-color")
    assert result.exit_code == 4, result.output
    assert ("error: stack dev: mandatory policy finding aws-rds-not-public on "
            "forge-dev-db-primary: publiclyAccessible is true: the database has a public "
            "address") in result.stderr
    assert "  MANDATORY aws-rds-not-public: forge-dev-db-primary" in result.stdout
    assert "      fix: Leave publicly_accessible unset (False) on the database." in result.stdout
    assert result.stdout.splitlines()[-1].startswith("Policy dev: 1 mandatory, ")


def test_the_plan_json_holds_the_findings(public_database: None, tmp_path: Path) -> None:
    target = tmp_path / "plan.json"
    result = invoke("plan", "--stack", "dev", "-C", str(ROOT), "-q", "--json", str(target))
    assert result.exit_code == 4
    findings = json.loads(target.read_text())["findings"]
    assert [f for f in findings if f["severity"] == "mandatory"] == [{
        "rule": "aws-rds-not-public", "severity": "mandatory", "urn": DB_URN,
        "message": "publiclyAccessible is true: the database has a public address",
        "remediation": "Leave publicly_accessible unset (False) on the database.",
        "waived": False, "waiver_reason": None}]


def test_policy_exit_4_wins_over_budget_exit_3(public_database: None, tmp_path: Path) -> None:
    root = project(tmp_path, budget={"monthly_limit_usd": 10})
    result = invoke("plan", "--stack", "dev", "-C", str(root), "-q")
    assert result.exit_code == 4
    assert "error: stack dev: mandatory policy finding aws-rds-not-public" in result.stderr
    # The budget's error is printed too, first.
    assert result.stderr.startswith("error: stack dev: the estimate $")
    assert "exceeds the budget $10.00 (budget.monthly_limit_usd)" in result.stderr


def test_over_budget_alone_still_exits_3(tmp_path: Path) -> None:
    root = project(tmp_path, budget={"monthly_limit_usd": 10})
    result = invoke("plan", "--stack", "dev", "-C", str(root), "-q")
    assert result.exit_code == 3, result.output
    assert "mandatory policy finding" not in result.stderr


# -- waivers from the stack config ------------------------------------------------------------


def test_a_config_waiver_marks_the_finding_and_lets_the_plan_pass(
        public_database: None, tmp_path: Path) -> None:
    root = project(tmp_path, {"waivers": [
        {"rule": "aws-rds-not-public", "resource": DB_URN,
         "reason": "a throwaway demo database", "expires": TODAY + datetime.timedelta(days=30)}]})
    result = invoke("plan", "--stack", "dev", "-C", str(root), "--no-color")
    assert result.exit_code == 0, result.output
    assert "  WAIVED MANDATORY aws-rds-not-public: forge-dev-db-primary" in result.stdout
    assert "      waived: a throwaway demo database" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("Policy dev: 0 mandatory, 0 advisory, "
                                                     "1 waived finding")


def test_a_type_waiver_covers_every_resource_of_the_type(
        public_database: None, tmp_path: Path) -> None:
    root = project(tmp_path, {"waivers": [
        {"rule": "aws-rds-not-public", "resource": RDS, "reason": "demo"}]})
    result = invoke("check", "--stack", "dev", "-C", str(root), "--format", "json")
    assert result.exit_code == 0, result.output
    (finding,) = [f for f in json.loads(result.stdout) if f["rule"] == "aws-rds-not-public"]
    assert finding["waived"] is True and finding["waiver_reason"] == "demo"
    assert finding["stack"] == "dev" and finding["urn"] == DB_URN


def test_an_expired_waiver_exits_4(tmp_path: Path) -> None:
    root = project(tmp_path, {"waivers": [
        {"rule": "aws-rds-not-public", "resource": RDS, "reason": "until the migration",
         "expires": "2020-01-31"}]})
    result = invoke("check", "--stack", "dev", "-C", str(root))
    assert result.exit_code == 4, result.output
    assert "\n  MANDATORY any-policy-waiver-expired: (stack)\n" in result.stdout
    assert ("the waiver of aws-rds-not-public on aws:rds/instance:Instance, expires "
            "2020-01-31 has expired (until the migration)") in " ".join(result.stdout.split())
    assert "error: stack dev: mandatory policy finding any-policy-waiver-expired on (stack)" \
        in result.stderr


def test_an_unused_waiver_is_an_advisory_finding(tmp_path: Path) -> None:
    root = project(tmp_path, {"waivers": [
        {"rule": "aws-rds-not-public", "resource": RDS, "reason": "demo"}]})
    result = invoke("check", "--stack", "dev", "-C", str(root), "--format", "json")
    assert result.exit_code == 0, result.output
    assert [f["message"] for f in json.loads(result.stdout)
            if f["rule"] == "any-policy-waiver-unused"] == [
        "the waiver of aws-rds-not-public on aws:rds/instance:Instance matches no finding"]


def test_a_bad_waiver_is_a_config_error_naming_the_key(tmp_path: Path) -> None:
    root = project(tmp_path, {"waivers": [
        {"rule": "aws-rds-not-publik", "resource": RDS, "reason": "demo"}]})
    result = invoke("check", "--stack", "dev", "-C", str(root))
    assert result.exit_code == 1
    assert ("forge-infra:policy.waivers.0.rule: got 'aws-rds-not-publik'; not a policy rule "
            "id; did you mean aws-rds-not-public") in result.stderr


# -- forge-infra check formats ----------------------------------------------------------------


def test_check_text_is_the_policy_section_only() -> None:
    result = invoke("check", "--stack", "dev", "-C", str(ROOT))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Policy (dev): 0 mandatory, ")
    assert "Plan dev:" not in result.stdout and "Cost per month" not in result.stdout


def test_check_writes_to_a_file(public_database: None, tmp_path: Path) -> None:
    target = tmp_path / "findings.json"
    result = invoke("check", "-s", "dev", "-C", str(ROOT), "--format", "json", "--output",
                    str(target))
    assert result.exit_code == 4
    assert result.stdout == ""
    assert f"wrote {target}" in result.stderr
    assert any(f["rule"] == "aws-rds-not-public" for f in json.loads(target.read_text()))


def sarif_of(result: Result) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(result.stdout)
    schema = json.loads(SARIF_SCHEMA.read_text())
    jsonschema.Draft4Validator.check_schema(schema)
    jsonschema.Draft4Validator(schema).validate(document)
    return document


def test_check_sarif_validates_and_locates_each_result(public_database: None) -> None:
    result = invoke("check", "-s", "dev", "-C", str(ROOT), "--format", "sarif")
    assert result.exit_code == 4
    (run,) = sarif_of(result)["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "forge-infra"
    rules = {r["id"]: r for r in driver["rules"]}
    assert set(rules) == {*rule_ids(), "any-policy-waiver-expired", "any-policy-waiver-unused"}
    for rule in RULES:
        descriptor = rules[rule.id]
        assert descriptor["shortDescription"]["text"] == rule.rationale
        assert descriptor["help"]["text"] == rule.remediation
        assert descriptor["properties"]["tags"] == list(dict.fromkeys([rule.category,
                                                                        *rule.clouds]))
        assert descriptor["defaultConfiguration"]["level"] == (
            "error" if rule.severity == "mandatory" else "warning")
    (public,) = [r for r in run["results"] if r["ruleId"] == "aws-rds-not-public"]
    assert driver["rules"][public["ruleIndex"]]["id"] == "aws-rds-not-public"
    assert public["level"] == "error"
    assert public["message"]["text"] == ("forge-dev-db-primary: publiclyAccessible is true: the "
                                         "database has a public address")
    (location,) = public["locations"]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "Pulumi.dev.yaml"
    assert location["logicalLocations"] == [{"fullyQualifiedName": DB_URN,
                                             "name": "forge-dev-db-primary", "kind": "resource"}]
    assert "suppressions" not in public
    # One fingerprint per finding (code scanning keeps them apart though they share a file).
    prints = [r["partialFingerprints"]["forgeInfraFinding/v1"] for r in run["results"]]
    assert len(set(prints)) == len(prints)
    assert "region" not in location["physicalLocation"]


def test_check_sarif_suppresses_waived_results(public_database: None, tmp_path: Path) -> None:
    root = project(tmp_path, {"waivers": [
        {"rule": "aws-rds-not-public", "resource": DB_URN, "reason": "demo database"},
        {"rule": "aws-logs-retention-set", "resource": "aws:cloudwatch/logGroup:LogGroup",
         "reason": "kept", "expires": "2021-06-30"}]})
    result = invoke("check", "-s", "dev", "-C", str(root), "--format", "sarif")
    assert result.exit_code == 4  # the expired waiver
    results = sarif_of(result)["runs"][0]["results"]
    (public,) = [r for r in results if r["ruleId"] == "aws-rds-not-public"]
    assert public["suppressions"] == [{"kind": "external", "justification": "demo database"}]
    (expired,) = [r for r in results if r["ruleId"] == "any-policy-waiver-expired"]
    assert expired["level"] == "error" and "logicalLocations" not in expired["locations"][0]


def test_check_policy_config_carries_the_stacks_waivers(tmp_path: Path) -> None:
    waivers = [{"rule": "aws-rds-not-public", "resource": DB_URN, "reason": "demo database",
                "expires": "2031-01-31"},
               {"rule": "aws-rds-not-public", "resource": RDS, "reason": "all of them"}]
    root = project(tmp_path, {"waivers": waivers})
    result = invoke("check", "-s", "dev", "-C", str(root), "--format", "policy-config")
    assert result.exit_code == 0, result.output
    config = json.loads(result.stdout)
    jsonschema.Draft202012Validator(pack_config_schema()).validate(config)
    assert set(config) == set(rule_ids())
    assert all(entry["environment"] == "dev" for entry in config.values())
    assert config["aws-rds-not-public"]["waivers"] == [
        {"resource": DB_URN, "reason": "demo database", "expires": "2031-01-31"},
        {"resource": RDS, "reason": "all of them"}]
    assert [k for k, v in config.items() if "waivers" in v] == ["aws-rds-not-public"]
    # The pack reads back exactly the waivers the offline engine applies.
    today = datetime.date(2030, 1, 1)
    assert waivers_from_config("aws-rds-not-public", config["aws-rds-not-public"], today) == [
        Waiver("aws-rds-not-public", DB_URN, "demo database", datetime.date(2031, 1, 31)),
        Waiver("aws-rds-not-public", RDS, "all of them")]


def test_policy_config_matches_the_offline_waivers() -> None:
    settings = [Waiver("aws-logs-retention-set", RDS, "r", datetime.date(2040, 1, 2))]
    config = policy_config("prod", config_waivers(settings))
    assert waivers_from_config("aws-logs-retention-set", config["aws-logs-retention-set"],
                               TODAY) == settings


def test_check_all_policy_config_needs_a_stack_placeholder(tmp_path: Path) -> None:
    result = invoke("check", "--all", "-C", str(ROOT), "--format", "policy-config")
    assert result.exit_code == 2
    assert "--output a path containing {stack}" in result.output
    template = str(tmp_path / "policy-{stack}.json")
    result = invoke("check", "--all", "-C", str(ROOT), "--format", "policy-config",
                    "--output", template)
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(f"policy-{p.name[7:-5]}.json" for p in ROOT.glob("Pulumi.*.yaml"))
    prod = json.loads((tmp_path / "policy-prod.json").read_text())
    assert {entry["environment"] for entry in prod.values()} == {"prod"}


@pytest.mark.parametrize("argv", [
    ["check", "-C", str(ROOT)],
    ["check", "--all", "-s", "dev", "-C", str(ROOT)],
    ["check", "-s", "dev", "-C", str(ROOT), "--format", "xml"],
])
def test_check_usage_errors_exit_2(argv: list[str]) -> None:
    assert invoke(*argv).exit_code == 2


def test_check_unknown_stack_exits_1() -> None:
    result = invoke("check", "-s", "qa", "-C", str(ROOT))
    assert result.exit_code == 1
    assert "no stack 'qa'" in result.output


def test_check_debug_shows_the_traceback_of_a_config_error(tmp_path: Path) -> None:
    root = project(tmp_path, {"waivers": [{"rule": "aws-rds-not-public"}]})
    plain = invoke("check", "-s", "dev", "-C", str(root))
    assert plain.exit_code == 1 and "Traceback" not in plain.output
    assert "forge-infra:policy.waivers.0.reason: required, but not set" in plain.stderr
    debug = invoke("check", "-s", "dev", "-C", str(root), "--debug")
    assert debug.exit_code == 1 and "Traceback (most recent call last)" in debug.stderr


def test_the_policy_section_fits_100_columns_and_marks_waivers() -> None:
    from forge_infra.plan.model import Finding
    from forge_infra.policy.report import render_text

    long = "x " * 120
    text = render_text([
        Finding("aws-rds-not-public", "mandatory", DB_URN, long, long),
        Finding("aws-rds-not-public", "mandatory", DB_URN, "m", "r", True, "a demo"),
        Finding("any-policy-waiver-unused", "advisory", None, "unused", "delete it")],
        stack="dev")
    lines = text.splitlines()
    assert lines[0] == "Policy (dev): 1 mandatory, 1 advisory, 1 waived findings"
    assert max(len(line) for line in lines) <= 100
    assert "  WAIVED MANDATORY aws-rds-not-public: forge-dev-db-primary" in lines
    assert "      waived: a demo" in lines
    assert "  advisory any-policy-waiver-unused: (stack)" in lines
    assert lines[-2:] == ["  mandatory findings block the deployment (exit 4): fix them, or "
                          "waive one in", "  forge-infra:policy.waivers with a reason"]


def test_sarif_fingerprints_tell_results_of_one_rule_apart() -> None:
    from forge_infra.plan.model import Finding
    from forge_infra.policy.report import to_sarif

    other = DB_URN.replace("forge-dev-db-primary", "forge-dev-db-replica")
    findings = [Finding("aws-rds-not-public", "mandatory", urn, "public", "fix")
                for urn in (DB_URN, other)]
    first = to_sarif([("dev", findings)])
    results = first["runs"][0]["results"]
    prints = [r["partialFingerprints"]["forgeInfraFinding/v1"] for r in results]
    assert len(set(prints)) == 2
    assert to_sarif([("dev", findings)]) == first  # stable across runs
    assert to_sarif([("prod", findings)])["runs"][0]["results"][0]["partialFingerprints"] != (
        results[0]["partialFingerprints"])
