"""The offline path: run every rule over a plan and return its findings, waivers applied.

`evaluate(plan)` builds the same view of the stack a policy pack gets from the Pulumi engine
(`forge_infra.plan.policy_view`), expands the objects each Helm release renders, and runs each
rule's checks (`forge_infra.policy.rule`). A finding a stack waives (`policy.waivers` in its
config) is still reported, marked waived with the waiver's reason; a waiver past its expiry
date is itself a mandatory finding (`any-policy-waiver-expired`), and one that matches nothing
an advisory one (`any-policy-waiver-unused`), so no waiver outlives its purpose unnoticed.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from forge_infra.plan.model import Finding, Plan
from forge_infra.plan.policy_view import policy_resources
from forge_infra.policy.rule import (
    Context,
    KubernetesObject,
    Rule,
    StackView,
    kubernetes_type,
    stack_environment,
)

WAIVER_EXPIRED = "any-policy-waiver-expired"
WAIVER_UNUSED = "any-policy-waiver-unused"

SEVERITY_ORDER = {"mandatory": 0, "advisory": 1}


@dataclasses.dataclass(frozen=True)
class Waiver:
    """A stack's exemption from one rule, for one resource (URN) or every resource of a type."""

    rule: str
    resource: str
    """A URN, or a resource type token (every resource of that type)."""
    reason: str
    expires: datetime.date | None = None

    def matches(self, rule: str, urn: str | None, resource_type: str | None) -> bool:
        """Whether this waiver covers a finding of `rule` on this resource."""
        return rule == self.rule and self.resource in (urn, resource_type)

    def expired(self, today: datetime.date) -> bool:
        """Whether the waiver's expiry date has passed (it lasts through that day)."""
        return self.expires is not None and self.expires < today

    def describe(self) -> str:
        """`rule on resource (until date)` for a finding's message."""
        until = f", expires {self.expires.isoformat()}" if self.expires else ""
        return f"{self.rule} on {self.resource}{until}"


def config_waivers(entries: Iterable[Any]) -> list[Waiver]:
    """The waivers of a stack's `forge-infra:policy.waivers` (`WaiverSettings` entries, or
    anything with `rule`, `resource`, `reason` and `expires`)."""
    return [Waiver(rule=e.rule, resource=e.resource, reason=e.reason, expires=e.expires)
            for e in entries]


def plan_stack_view(plan: Plan) -> StackView:
    """The plan's resources as the rules see them, with each Helm release's rendered objects
    expanded (offline the plan holds them; the pack renders them the same way)."""
    views = policy_resources(plan)
    by_urn = {v.urn: v for v in views}
    objects = []
    for release in plan.helm_releases():
        if release.helm is None or not release.helm.rendered:
            continue
        for rendered in release.helm.objects:
            where = f"{rendered.namespace}/" if rendered.namespace else ""
            objects.append(KubernetesObject(
                resource_type=kubernetes_type(rendered.api_version, rendered.kind),
                props=rendered.object, urn=release.urn,
                name=f"{rendered.kind} {where}{rendered.name}", release=by_urn[release.urn],
                template=rendered.template))
    return StackView(views, objects)


def run_rules(rules: Iterable[Rule], view: StackView, context: Context) -> list[Finding]:
    """Every violation of `rules` in the stack, as findings (not yet waived)."""
    findings = []
    for rule in rules:
        for resource in view.resources:
            for message in rule.check(resource, context):
                if isinstance(resource, KubernetesObject):
                    message = f"{resource.name}: {message}"
                findings.append(Finding(rule=rule.id, severity=rule.severity, urn=resource.urn,
                                        message=message, remediation=rule.remediation))
    return findings


def apply_waivers(findings: list[Finding], waivers: Sequence[Waiver], view: StackView,
                  today: datetime.date) -> list[Finding]:
    """Mark waived findings, and add a finding for each expired or unused waiver."""
    types = {r.urn: r.resource_type for r in view.resources
             if not isinstance(r, KubernetesObject)}
    used: set[Waiver] = set()
    result = []
    for finding in findings:
        waiver = next((w for w in waivers
                       if w.matches(finding.rule, finding.urn, types.get(finding.urn or ""))
                       and not w.expired(today)), None)
        if waiver is not None:
            used.add(waiver)
            finding = dataclasses.replace(finding, waived=True, waiver_reason=waiver.reason)
        result.append(finding)
    for waiver in waivers:
        if waiver.expired(today):
            result.append(Finding(
                rule=WAIVER_EXPIRED, severity="mandatory", urn=None,
                message=f"the waiver of {waiver.describe()} has expired ({waiver.reason})",
                remediation="fix what the rule reports and delete the waiver from "
                            "policy.waivers, or renew it with a new expiry date and reason"))
        elif waiver not in used:
            result.append(Finding(
                rule=WAIVER_UNUSED, severity="advisory", urn=None,
                message=f"the waiver of {waiver.describe()} matches no finding",
                remediation="delete it from policy.waivers (or correct its rule or resource)"))
    return result


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Mandatory first, then by rule, resource and message (a stable order for output)."""
    return sorted(findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.waived, f.rule,
                                           f.urn or "", f.message))


def evaluate(plan: Plan, *, environment: str | None = None,
             waivers: Sequence[Waiver] = (), today: datetime.date | None = None,
             rules: Iterable[Rule] | None = None,
             config: dict[str, Any] | None = None) -> list[Finding]:
    """The findings of every rule on `plan`, waivers applied, sorted.

    `environment` defaults to the one the plan's resources are tagged with; `rules` to every
    registered rule; `today` (for waiver expiry) to the current UTC date.
    """
    from forge_infra.policy.registry import RULES

    view = plan_stack_view(plan)
    context = Context(environment=environment or stack_environment(view.resources),
                      stack=view, config=config or {})
    findings = run_rules(RULES if rules is None else rules, view, context)
    today = today or datetime.datetime.now(datetime.UTC).date()
    return sort_findings(apply_waivers(findings, waivers, view, today))


def mandatory(findings: Iterable[Finding]) -> list[Finding]:
    """The findings that block a deployment: mandatory and not waived."""
    return [f for f in findings if f.severity == "mandatory" and not f.waived]
