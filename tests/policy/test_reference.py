"""docs/SECURITY.md lists every rule and the findings each committed stack is left with,
generated from the rules and from `evaluate()` on each stack's plan
(`python -m forge_infra.policy.reference` rewrites it); each advisory finding left is
explained by hand; and no committed stack has a mandatory finding."""

from __future__ import annotations

import re

from forge_infra.policy import reference
from forge_infra.policy.registry import RULES
from forge_infra.policy.report import ENGINE_RULES


def test_the_rule_list_in_security_md_is_current() -> None:
    text = reference.DOC.read_text()
    assert text.count(reference.BEGIN) == 1 and text.count(reference.END) == 1
    assert reference.updated(text) == text, "run: python -m forge_infra.policy.reference"


def test_every_rule_is_listed_with_its_rationale_and_remediation() -> None:
    rendered = reference.render()
    for rule in RULES:
        row = next(line for line in rendered.splitlines() if line.startswith(f"| `{rule.id}` |"))
        assert rule.rationale.strip() in row and rule.remediation.strip() in row, rule.id
        assert rule.severity in row and all(f"`{t}`" in row for t in rule.resource_types)
    for rule_id, *_ in ENGINE_RULES:
        assert f"| `{rule_id}` |" in rendered


def test_the_counts_add_up() -> None:
    table = reference.counts_table(RULES)
    total = table.splitlines()[-1]
    assert total.startswith(f"| **all** | **{len(RULES)}** |")
    per_category = [int(line.split("|")[2]) for line in table.splitlines()[2:-1]]
    assert sum(per_category) == len(RULES)


def test_no_committed_stack_has_a_mandatory_finding() -> None:
    blocking = {stack: [(f.rule, f.urn) for f in findings
                        if f.severity == "mandatory" and not f.waived]
                for stack, _, findings in reference.stack_findings()}
    assert blocking == {stack: [] for stack in blocking}


def test_each_advisory_finding_left_is_explained() -> None:
    text = reference.DOC.read_text()
    hand_written = text.split("### Advisory findings accepted", 1)[1].split(reference.BEGIN)[0]
    explained = set(re.findall(r"^- \*\*`([a-z0-9-]+)`\*\*", hand_written, re.MULTILINE))
    missing = sorted(set(reference.left_rule_ids()) - explained)
    assert missing == [], f"explain these under 'Advisory findings accepted': {missing}"
    if not reference.left_rule_ids():
        assert "None at present: no committed stack has an advisory finding." in hand_written


#: A stack-config key path a remediation names (with or without the `forge-infra:` prefix).
CONFIG_KEY = re.compile(r"(?:forge-infra:)?(?<![\w.])((?:services|database|cache|streaming|storage|"
                        r"network|eks|ecs|waf|cdn|budget|usage|policy|app|logs)\.[A-Za-z_<>.]*"
                        r"[A-Za-z_>])")


def test_every_config_key_a_remediation_names_exists() -> None:
    """A remediation that points at a stack key points at one the model has (the generated key
    reference of docs/CONFIGURATION.md); `<name>` stands for a service."""
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "CONFIGURATION.md").read_text()
    keys = {re.sub(r"^services\.(gateway|api|worker|ui)\.", "services.<name>.", k)
            for k in re.findall(r"`forge-infra:([A-Za-z0-9_.]+)`", doc)}
    named = {(rule.id, key) for rule in RULES for key in CONFIG_KEY.findall(rule.remediation)}
    assert named, "no remediation names a config key: the pattern is wrong"
    assert sorted((rule, key) for rule, key in named if key not in keys) == []
