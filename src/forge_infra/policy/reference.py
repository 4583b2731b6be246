"""The rule list of docs/SECURITY.md, generated from the rules themselves, and the findings
each committed stack still has.

`python -m forge_infra.policy.reference` rewrites the generated part of docs/SECURITY.md:
the rule counts per category and cloud, every rule (id, severity, category, clouds and resource
types, rationale, remediation), the findings the engine reports about waivers, and, from
`evaluate()` on the plan of every `Pulumi.<stack>.yaml`, the findings each stack is left with.
tests/policy/test_reference.py keeps it current, and checks that each advisory finding left is
explained in the hand-written part.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from forge_infra.plan.model import Finding
from forge_infra.policy.registry import RULES
from forge_infra.policy.report import ENGINE_RULES, resource_name, resource_type
from forge_infra.policy.rule import CATEGORIES, Rule

BEGIN = "<!-- BEGIN GENERATED: python -m forge_infra.policy.reference -->"
END = "<!-- END GENERATED: python -m forge_infra.policy.reference -->"
ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "SECURITY.md"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def counts_table(rules: Iterable[Rule]) -> str:
    """Rules per category (rows) and per cloud (columns); a rule counts once per cloud it
    maps to."""
    listed = list(rules)
    clouds = sorted({c for r in listed for c in r.clouds})
    lines = ["| category | rules | " + " | ".join(clouds) + " |",
             "| --- | --- | " + " | ".join("---" for _ in clouds) + " |"]
    for category in CATEGORIES:
        mine = [r for r in listed if r.category == category]
        per_cloud = Counter(c for r in mine for c in r.clouds)
        lines.append(f"| {category} | {len(mine)} | "
                     + " | ".join(str(per_cloud[c]) for c in clouds) + " |")
    total = Counter(c for r in listed for c in r.clouds)
    lines.append(f"| **all** | **{len(listed)}** | "
                 + " | ".join(f"**{total[c]}**" for c in clouds) + " |")
    return "\n".join(lines)


def rule_table(rules: Iterable[Rule]) -> str:
    """One markdown table of rules."""
    lines = ["| id | severity | applies to | rationale | remediation |",
             "| --- | --- | --- | --- | --- |"]
    for rule in sorted(rules, key=lambda r: r.id):
        where = "<br>".join(f"`{t}`" for t in rule.resource_types)
        scope = "" if rule.environments == ("dev", "staging", "prod") else (
            f" ({', '.join(rule.environments)} only)")
        lines.append(f"| `{rule.id}` | {rule.severity}{scope} | {where} | "
                     f"{_cell(rule.rationale)} | {_cell(rule.remediation)} |")
    return "\n".join(lines)


def engine_table() -> str:
    """The findings the engine reports about waivers."""
    lines = ["| id | severity | rationale | remediation |", "| --- | --- | --- | --- |"]
    lines += [f"| `{rule_id}` | {severity} | {_cell(rationale)} | {_cell(remediation)} |"
              for rule_id, severity, rationale, remediation in ENGINE_RULES]
    return "\n".join(lines)


@cache
def stack_findings(project_dir: Path = ROOT) -> tuple[tuple[str, str, tuple[Finding, ...]], ...]:
    """(stack, cloud/platform, findings) of every committed stack, planned offline."""
    from forge_infra.plan.engine import list_stacks, run_plan

    result = []
    for stack in list_stacks(project_dir):
        plan = run_plan(stack, project_dir)
        where = f"{plan.cloud}/{plan.platform}" if plan.platform else plan.cloud
        result.append((stack, where, tuple(plan.findings)))
    return tuple(result)


def findings_left() -> str:
    """Per stack: its findings (mandatory first), or that it has none."""
    parts = []
    for stack, where, findings in stack_findings():
        parts += [f"#### `{stack}` ({where})", ""]
        if not findings:
            parts += ["No finding.", ""]
            continue
        parts += ["| rule | severity | resource | message |", "| --- | --- | --- | --- |"]
        for f in findings:
            kind = resource_type(f.urn)
            what = f"`{resource_name(f.urn)}`" + (f" ({kind})" if kind else "")
            severity = f"{f.severity}, waived: {f.waiver_reason}" if f.waived else f.severity
            parts.append(f"| `{f.rule}` | {_cell(severity)} | {_cell(what)} | "
                         f"{_cell(f.message)} |")
        parts.append("")
    return "\n".join(parts)


def left_rule_ids() -> list[str]:
    """The rules with an unwaived advisory finding in some committed stack."""
    return sorted({f.rule for _, _, findings in stack_findings() for f in findings
                   if f.severity == "advisory" and not f.waived})


def render() -> str:
    """The generated part, between its markers."""
    parts = [BEGIN, "", "## Policy rules (generated from the rules)", "",
             f"{len(RULES)} rules; a rule counts once under each cloud (type package) it "
             "maps to:", "", counts_table(RULES), ""]
    for category in CATEGORIES:
        mine = [r for r in RULES if r.category == category]
        if mine:
            parts += [f"### {category.capitalize()}", "", rule_table(mine), ""]
    parts += ["### Findings about waivers", "", "Reported by the engine about the stack's "
              "`forge-infra:policy.waivers` themselves:", "", engine_table(), "",
              "### Findings left in the stacks", "",
              "`evaluate()` on the offline plan of every committed stack file (what "
              "`forge-infra check --all` prints). Each advisory rule listed here is explained "
              "under \"Advisory findings accepted\" above.", "", findings_left().rstrip(), "",
              END]
    return "\n".join(parts)


def updated(text: str) -> str:
    """`text` (docs/SECURITY.md) with its generated part replaced by `render()`."""
    if BEGIN in text and END in text:
        head, _, rest = text.partition(BEGIN)
        _, _, tail = rest.partition(END)
        return f"{head}{render()}{tail}"
    return f"{text.rstrip()}\n\n{render()}\n"


def main() -> None:
    """Rewrite the generated part of docs/SECURITY.md."""
    DOC.write_text(updated(DOC.read_text()))


if __name__ == "__main__":
    main()
