"""`forge-infra:policy`: waivers of policy rules, validated like every other section; and the
config's prod refusals, which name the policy rule that checks the same thing in the plan."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest

from forge_infra.config import ConfigError
from forge_infra.policy.registry import rule_ids
from tests.test_config import mutate, stack_values
from tests.test_config_input import load, problems_of

DB_URN = ("urn:pulumi:staging::forge-infra::forge-aws:index:Database$aws:rds/instance:Instance"
          "::forge-staging-db")


def with_waivers(stack: str, *waivers: dict[str, Any]) -> dict[str, Any]:
    return mutate(stack_values(stack), "forge-infra:policy", {"waivers": list(waivers)})


def test_a_stack_without_the_section_has_no_waivers() -> None:
    assert load(stack_values("dev"), "dev").policy.waivers == ()


def test_waivers_load_with_a_date_from_yaml_or_text() -> None:
    config = load(with_waivers(
        "staging",
        {"rule": "aws-rds-not-public", "resource": DB_URN, "reason": "a demo database",
         "expires": datetime.date(2027, 3, 31)},
        {"rule": "aws-rds-storage-encrypted", "resource": "aws:rds/instance:Instance",
         "reason": "the engine encrypts it", "expires": "2027-01-15"},
        {"rule": "aws-logs-retention-set", "resource": "aws:cloudwatch/logGroup:LogGroup",
         "reason": "kept for audit"}), "staging")
    waivers = config.policy.waivers
    assert [(w.rule, w.resource, w.expires) for w in waivers] == [
        ("aws-rds-not-public", DB_URN, datetime.date(2027, 3, 31)),
        ("aws-rds-storage-encrypted", "aws:rds/instance:Instance", datetime.date(2027, 1, 15)),
        ("aws-logs-retention-set", "aws:cloudwatch/logGroup:LogGroup", None)]


def test_an_unknown_rule_id_names_the_nearest_ids() -> None:
    assert problems_of(with_waivers("staging", {
        "rule": "aws-rds-not-publik", "resource": DB_URN, "reason": "x"}), "staging") == [
        "forge-infra:policy.waivers.0.rule: got 'aws-rds-not-publik'; not a policy rule id; "
        "did you mean aws-rds-not-public, aws-msk-not-public, aws-eks-api-not-public?"]


def test_a_rule_id_with_nothing_near_points_at_the_rule_list() -> None:
    assert problems_of(with_waivers("staging", {
        "rule": "no-such-thing-at-all", "resource": DB_URN, "reason": "x"}), "staging") == [
        "forge-infra:policy.waivers.0.rule: got 'no-such-thing-at-all'; not a policy rule id; "
        "docs/SECURITY.md lists every rule"]


@pytest.mark.parametrize(("field", "value", "message"), [
    ("resource", "forge-staging-db",
     "must be a resource URN (urn:pulumi:STACK::PROJECT::TYPE::NAME, as the plan's findings "
     "print it) or a resource type token (aws:rds/instance:Instance)"),
    ("reason", "", "String should have at least 1 character"),
    ("reason", "   ", "must say why the rule is waived (not blank)"),
    ("expires", "next year", "must be a date written YYYY-MM-DD (e.g. 2027-03-31)"),
    ("expires", 20270331, "must be a date written YYYY-MM-DD (e.g. 2027-03-31)"),
    ("expires", datetime.datetime(2027, 3, 31, 12, 0),
     "must be a date written YYYY-MM-DD (e.g. 2027-03-31)"),
])
def test_bad_waiver_values_name_the_key_path(field: str, value: Any, message: str) -> None:
    waiver = {"rule": "aws-rds-not-public", "resource": DB_URN, "reason": "demo", field: value}
    (line,) = problems_of(with_waivers("staging", waiver), "staging")
    assert line.startswith(f"forge-infra:policy.waivers.0.{field}: got ")
    assert line.endswith(message)


def test_a_waiver_needs_rule_resource_and_reason() -> None:
    lines = problems_of(with_waivers("staging", {"expires": "2027-01-01"}), "staging")
    assert [line.split(":")[1] for line in lines] == [
        "policy.waivers.0.rule", "policy.waivers.0.resource", "policy.waivers.0.reason"]
    assert all("required, but not set" in line for line in lines)


def test_an_unknown_waiver_key_lists_the_allowed_ones() -> None:
    assert problems_of(with_waivers("staging", {
        "rule": "aws-rds-not-public", "resource": DB_URN, "reason": "demo", "until": "x"}),
        "staging") == ["forge-infra:policy.waivers.0.until: unknown key; allowed here: "
                       "expires, reason, resource, rule"]


def test_a_waiver_of_another_stacks_urn_is_refused() -> None:
    other = DB_URN.replace("urn:pulumi:staging::", "urn:pulumi:prod::")
    assert problems_of(with_waivers("staging", {
        "rule": "aws-rds-not-public", "resource": other, "reason": "demo"}), "staging") == [
        f"forge-infra:policy.waivers.0.resource: {other!r} is a resource of stack 'prod', not "
        "of 'staging': waive this stack's own URN (or a type token)"]


# -- the config's prod refusals name their policy rule ------------------------------------

#: Configs prod refuses, one per refusal that a policy rule also checks in the plan.
PROD_REFUSALS: list[tuple[str, Any]] = [
    ("forge-infra:protect", False),
    ("forge-infra:services.ui.replicas", 1),
    ("forge-infra:database.multi_az", False),
    ("forge-infra:database.backup_retention_days", 3),
    ("forge-infra:database.deletion_protection", False),
    ("forge-infra:storage.force_destroy", True),
    ("forge-infra:cache.nodes", 1),
    ("forge-infra:cache.snapshot_retention_days", 1),
    ("forge-infra:waf.enabled", False),
    ("forge-infra:eks.public_access_cidrs", ["0.0.0.0/0"]),
]

CITED = re.compile(r" \[policy rule ([a-z0-9-]+)\]$")


def _cited_ids() -> dict[str, str]:
    """key -> the rule id its refusal cites, over every bad prod config above."""
    cited: dict[str, str] = {}
    for key, value in PROD_REFUSALS:
        with pytest.raises(ConfigError) as info:
            load(mutate(stack_values("prod"), key, value), "prod")
        for line in info.value.problems:
            match = CITED.search(line)
            if match:
                cited[line.split(": ", 1)[0]] = match[1]
    return cited


def test_each_prod_refusal_cites_its_rule_id() -> None:
    assert _cited_ids() == {
        "forge-infra:protect": "any-stateful-protect",
        "forge-infra:services.ui.replicas": "any-service-min-replicas",
        "forge-infra:database.multi_az": "aws-rds-multi-az",
        "forge-infra:database.backup_retention_days": "aws-rds-backup-retention",
        "forge-infra:database.deletion_protection": "aws-rds-deletion-protection",
        "forge-infra:storage.force_destroy": "aws-s3-no-force-destroy",
        "forge-infra:cache.nodes": "aws-elasticache-multi-az",
        "forge-infra:cache.snapshot_retention_days": "aws-elasticache-backup-retention",
        "forge-infra:waf.enabled": "aws-cloudfront-waf-attached",
        "forge-infra:eks.public_access_cidrs": "aws-eks-api-not-public",
    }


def test_each_cited_rule_id_is_a_registered_rule() -> None:
    """Config refuses early with the id of the rule that checks what was built."""
    missing = sorted(set(_cited_ids().values()) - set(rule_ids()))
    assert missing == [], f"cited by config refusals but not registered rules: {missing}"
