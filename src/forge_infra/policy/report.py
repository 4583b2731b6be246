"""Findings as people and tools read them: the plan's Policy section, JSON, SARIF 2.1.0, and
the policy pack's config file (`pulumi preview --policy-pack-config FILE`).

`forge-infra plan` prints `render_text` under the plan and `counts_text` in its summary line;
`forge-infra check --format text|json|sarif|policy-config` writes the others. The SARIF log is
the format GitHub code scanning reads (github/codeql-action/upload-sarif): one run whose tool
is forge-infra with every rule, and one result per finding located at the stack file
(`Pulumi.<stack>.yaml`) and, logically, at the resource's URN. A waived finding is a result
with an external suppression carrying the waiver's reason, so code scanning lists it as
dismissed instead of hiding it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from forge_infra.plan.model import Finding
from forge_infra.policy.engine import WAIVER_EXPIRED, WAIVER_UNUSED, Waiver
from forge_infra.policy.pack import CONFIG_PROPERTIES
from forge_infra.policy.registry import RULES
from forge_infra.policy.rule import Rule

WIDTH = 100
SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
#: SARIF `level` of each severity (SARIF 2.1.0 section 3.27.10).
LEVELS = {"mandatory": "error", "advisory": "warning"}
#: The enforcement levels the pack's config takes for each policy (`all` too).
ENFORCEMENT_LEVELS = ("advisory", "mandatory", "disabled")

#: The findings the engine reports about waivers themselves: (id, severity, rationale,
#: remediation), listed in the SARIF rules and docs/SECURITY.md like the rules.
ENGINE_RULES: tuple[tuple[str, str, str, str], ...] = (
    (WAIVER_EXPIRED, "mandatory",
     "A waiver past its expiry date no longer exempts anything, so the exemption is "
     "reviewed rather than kept by default.",
     "Fix what the rule reports and delete the waiver, or renew it with a new expiry date "
     "and reason."),
    (WAIVER_UNUSED, "advisory",
     "A waiver that matches no finding is stale (the problem was fixed, or the waiver names "
     "the wrong rule or resource).",
     "Delete it from forge-infra:policy.waivers, or correct its rule or resource."),
)


def resource_name(urn: str | None) -> str:
    """The resource's name from its URN (`...::forge-dev-db` -> `forge-dev-db`); `(stack)`
    for a finding about the stack as a whole."""
    if not urn:
        return "(stack)"
    return urn.rsplit("::", 1)[-1]


def resource_type(urn: str | None) -> str | None:
    """The resource's own type from its URN (the last type of the parent chain), or None."""
    if not urn or urn.count("::") < 3:
        return None
    return urn.split("::")[2].rsplit("$", 1)[-1]


@dataclasses.dataclass(frozen=True)
class Counts:
    """How many findings a plan has, by severity, and how many of them are waived."""

    mandatory: int
    advisory: int
    waived: int

    @classmethod
    def of(cls, findings: Iterable[Finding]) -> Counts:
        """Count `findings` (a waived finding counts under its severity and as waived)."""
        items = list(findings)
        return cls(mandatory=sum(1 for f in items if f.severity == "mandatory" and not f.waived),
                   advisory=sum(1 for f in items if f.severity == "advisory" and not f.waived),
                   waived=sum(1 for f in items if f.waived))


def counts_text(findings: Iterable[Finding]) -> str:
    """`0 mandatory, 3 advisory, 1 waived findings` (the summary's policy part)."""
    c = Counts.of(findings)
    noun = "finding" if c.mandatory + c.advisory + c.waived == 1 else "findings"
    return f"{c.mandatory} mandatory, {c.advisory} advisory, {c.waived} waived {noun}"


def _wrapped(text: str, indent: str, width: int) -> list[str]:
    return textwrap.wrap(text, width=width, initial_indent=indent, subsequent_indent=indent,
                         break_long_words=False, break_on_hyphens=False) or [indent.rstrip()]


def render_text(findings: Sequence[Finding], *, stack: str, width: int = WIDTH) -> str:
    """The Policy section: the counts, then each finding (severity, rule, resource name,
    message, remediation), mandatory first; a waived finding is marked with its reason."""
    head = f"Policy ({stack}): {counts_text(findings)}"
    lines = [head]
    if not findings:
        lines.append("  no rule reports anything")
    for finding in findings:
        mark = "WAIVED " if finding.waived else ""
        severity = finding.severity.upper() if finding.severity == "mandatory" else "advisory"
        lines += _wrapped(f"{mark}{severity} {finding.rule}: {resource_name(finding.urn)}",
                          "  ", width)
        lines += _wrapped(finding.message, "      ", width)
        if finding.waived:
            lines += _wrapped(f"waived: {finding.waiver_reason}", "      ", width)
        lines += _wrapped(f"fix: {finding.remediation}", "      ", width)
    if any(f.severity == "mandatory" and not f.waived for f in findings):
        lines += _wrapped("mandatory findings block the deployment (exit 4): fix them, or waive "
                          "one in forge-infra:policy.waivers with a reason", "  ", width)
    return "\n".join(lines) + "\n"


def finding_dict(finding: Finding, stack: str) -> dict[str, Any]:
    """One finding as the plan JSON writes it, plus the stack it belongs to."""
    return {"stack": stack, **dataclasses.asdict(finding)}


def to_json(results: Sequence[tuple[str, Sequence[Finding]]]) -> str:
    """The findings of every (stack, findings) pair, as one JSON list."""
    items = [finding_dict(f, stack) for stack, findings in results for f in findings]
    return json.dumps(items, indent=2, ensure_ascii=False) + "\n"


# -- SARIF ------------------------------------------------------------------------------------


def _package_version() -> str:
    try:
        return version("forge-infra")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "0.0.0"


def tags(rule: Rule) -> list[str]:
    """A rule's tags: its category, then the clouds it maps to (each once: the Kubernetes
    rules' category is also their cloud)."""
    return list(dict.fromkeys([rule.category, *rule.clouds]))


def sarif_rule(rule: Rule) -> dict[str, Any]:
    """A rule as a SARIF `reportingDescriptor`."""
    return {
        "id": rule.id,
        "name": rule.id,
        "shortDescription": {"text": rule.rationale},
        "fullDescription": {"text": f"{rule.rationale} Applies to: "
                                    f"{', '.join(rule.resource_types)}."},
        "help": {"text": rule.remediation},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"tags": tags(rule), "severity": rule.severity},
    }


def _engine_sarif_rules() -> list[dict[str, Any]]:
    return [{"id": rule_id, "name": rule_id, "shortDescription": {"text": rationale},
             "help": {"text": remediation},
             "defaultConfiguration": {"level": LEVELS[severity]},
             "properties": {"tags": ["waivers"], "severity": severity}}
            for rule_id, severity, rationale, remediation in ENGINE_RULES]


#: The key of forge-infra's own fingerprint in a result's `partialFingerprints`.
FINGERPRINT = "forgeInfraFinding/v1"


def fingerprint(finding: Finding, stack: str) -> str:
    """A stable identity of a finding across runs: its stack, rule, resource and message.

    Every result sits in the same file (the stack's), so the line hash code scanning would
    compute (github/codeql-action, src/fingerprints.ts) would be one value for all of them;
    results carry no `region`, so the action computes none, and carry this one instead."""
    text = "\0".join((stack, finding.rule, finding.urn or "", finding.message))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def sarif_result(finding: Finding, stack: str, rule_index: int) -> dict[str, Any]:
    """A finding as a SARIF `result`, located at the stack file and the resource's URN."""
    location: dict[str, Any] = {
        "physicalLocation": {"artifactLocation": {"uri": f"Pulumi.{stack}.yaml"}},
    }
    if finding.urn:
        location["logicalLocations"] = [{"fullyQualifiedName": finding.urn,
                                         "name": resource_name(finding.urn),
                                         "kind": "resource"}]
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": f"{resource_name(finding.urn)}: {finding.message}"},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT: fingerprint(finding, stack)},
        "properties": {"stack": stack, "severity": finding.severity,
                       "remediation": finding.remediation},
    }
    if finding.waived:
        result["suppressions"] = [{"kind": "external",
                                   "justification": finding.waiver_reason or ""}]
    return result


def to_sarif(results: Sequence[tuple[str, Sequence[Finding]]]) -> dict[str, Any]:
    """A SARIF 2.1.0 log of the findings of every (stack, findings) pair: one run."""
    rules = [sarif_rule(rule) for rule in RULES] + _engine_sarif_rules()
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": {"driver": {"name": "forge-infra", "version": _package_version(),
                                "rules": rules}},
            "results": [sarif_result(f, stack, index[f.rule])
                        for stack, findings in results for f in findings],
        }],
    }


# -- the policy pack's config -----------------------------------------------------------------


def policy_config(environment: str, waivers: Sequence[Waiver],
                  rules: Iterable[Rule] | None = None) -> dict[str, Any]:
    """The config file of `pulumi preview --policy-pack policy --policy-pack-config FILE` for
    one stack: each policy gets the stack's `environment`, and each waived rule its waivers,
    so the engine path applies the same waivers as the offline one."""
    config: dict[str, Any] = {}
    for rule in RULES if rules is None else rules:
        entry: dict[str, Any] = {"environment": environment}
        mine = [w for w in waivers if w.rule == rule.id]
        if mine:
            entry["waivers"] = [
                {"resource": w.resource, "reason": w.reason,
                 **({"expires": w.expires.isoformat()} if w.expires else {})} for w in mine]
        config[rule.id] = entry
    return config


def pack_config_schema(rules: Iterable[Rule] | None = None) -> dict[str, Any]:
    """The JSON schema of the pack's config file: `all` (an enforcement level for every
    policy) and, per policy, an enforcement level alone or an object with `enforcementLevel`
    and the pack's own properties (`CONFIG_PROPERTIES`), as the Pulumi engine reads it."""
    level: dict[str, Any] = {"type": "string", "enum": list(ENFORCEMENT_LEVELS)}
    policy: dict[str, Any] = {"oneOf": [level, {
        "type": "object", "additionalProperties": False,
        "properties": {"enforcementLevel": level, **CONFIG_PROPERTIES}}]}
    all_policies: dict[str, Any] = {"oneOf": [level, {
        "type": "object", "additionalProperties": False,
        "properties": {"enforcementLevel": level}}]}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "forge-infra policy pack config (pulumi preview --policy-pack-config)",
        "type": "object",
        "additionalProperties": False,
        "properties": {"all": all_policies,
                       **{rule.id: policy for rule in (RULES if rules is None else rules)}},
    }


def dumps(document: Mapping[str, Any] | Sequence[Any]) -> str:
    """Stable, indented JSON text."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
