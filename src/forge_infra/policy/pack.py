"""The engine path: the rules as pulumi-policy policies, for `pulumi preview --policy-pack policy`.

`policies()` turns every rule of `forge_infra.policy.registry` into a pulumi-policy policy
that calls the rule's own checks: a rule with `scope="resource"` becomes a
`ResourceValidationPolicy` (it sees one resource), one with `scope="stack"` a
`StackValidationPolicy` (it sees them all). `policy/__main__.py` serves them as the
`forge-infra` pack. The tests call these validations directly with pulumi-policy's own argument
classes, so the engine path and the offline one (`forge_infra.policy.engine`) are proven to
report the same thing on the same resources.

Configuration (`pulumi preview --policy-pack-config FILE`), per policy as in Pulumi's own packs:
`enforcementLevel` (`advisory`, `mandatory` or `disabled`) overrides the rule's severity;
`environment` (`dev`, `staging`, `prod`) says which environment's rules apply when a resource
carries no `environment` tag; `waivers` (`[{resource, reason, expires}]`) exempt a URN or a
resource type until `expires`. `forge-infra check --stack S --format policy-config` writes this
file from the stack's own `policy.waivers`, so both paths apply the same waivers.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from forge_infra.policy.engine import Waiver
from forge_infra.policy.rule import (
    HELM_RELEASE,
    Context,
    KubernetesObject,
    Rule,
    StackView,
    kubernetes_type,
    stack_environment,
)

PACK_NAME = "forge-infra"

#: The config schema every policy of the pack takes (besides `enforcementLevel`).
CONFIG_PROPERTIES: dict[str, dict[str, Any]] = {
    "environment": {"type": "string", "enum": ["dev", "staging", "prod"],
                    "description": "The environment whose rules apply to resources without an "
                                   "environment tag."},
    "waivers": {
        "type": "array",
        "description": "Exemptions from this rule: a URN or a resource type, with a reason and "
                       "an optional expiry date (YYYY-MM-DD).",
        "items": {
            "type": "object",
            "required": ["resource", "reason"],
            "additionalProperties": False,
            "properties": {"resource": {"type": "string", "minLength": 1},
                           "reason": {"type": "string", "minLength": 1},
                           "expires": {"type": "string", "format": "date"}},
        },
    },
}

ReportViolation = Callable[..., None]


def waivers_from_config(rule_id: str, config: Mapping[str, Any],
                        today: datetime.date) -> list[Waiver]:
    """The policy config's waivers of one rule that have not expired."""
    waivers = []
    for entry in config.get("waivers") or []:
        expires = entry.get("expires")
        waiver = Waiver(rule=rule_id, resource=str(entry["resource"]),
                        reason=str(entry["reason"]),
                        expires=datetime.date.fromisoformat(expires) if expires else None)
        if not waiver.expired(today):
            waivers.append(waiver)
    return waivers


UNKNOWN = "[unknown]"


def plain(value: Any) -> Any:
    """A value pulumi-policy hands a policy (its unknown-checking proxies), as plain dicts and
    lists with every value not known during preview as `"[unknown]"`, as the offline plan
    writes it: a check then reads what is known and skips what is not, on both paths."""
    from pulumi_policy import proxy

    sentinels = {proxy.UNKNOWN_BOOLEAN_VALUE, proxy.UNKNOWN_NUMBER_VALUE,
                 proxy.UNKNOWN_STRING_VALUE, proxy.UNKNOWN_ARRAY_VALUE,
                 proxy.UNKNOWN_ASSET_VALUE, proxy.UNKNOWN_ARCHIVE_VALUE,
                 proxy.UNKNOWN_OBJECT_VALUE}

    def walk(item: Any) -> Any:
        if isinstance(item, proxy._DictProxy | proxy._ListProxy):
            item = item["__target"]
        if isinstance(item, Mapping):
            return {k: walk(item[k] if not isinstance(item, proxy._DictProxy)
                            else item["__target"][k]) for k in item}
        if isinstance(item, list | tuple):
            return [walk(v) for v in item]
        if isinstance(item, str) and item in sentinels:
            return UNKNOWN
        return item

    return walk(value)


@dataclasses.dataclass(eq=False)
class EngineResource:
    """A resource from the Pulumi engine with plain props (`plain`): what a check reads."""

    resource_type: str
    props: Mapping[str, Any]
    urn: str
    name: str
    opts: Any
    dependencies: list[str]


def engine_resource(resource: Any) -> EngineResource:
    """`ResourceValidationArgs` or `PolicyResource` -> `EngineResource`."""
    return EngineResource(
        resource_type=resource.resource_type, props=plain(resource.props), urn=resource.urn,
        name=resource.name, opts=resource.opts,
        dependencies=[getattr(d, "urn", d) for d in getattr(resource, "dependencies", None) or []])


def _report(rule: Rule, resources: Iterable[Any], context: Context, waivers: Sequence[Waiver],
            report_violation: ReportViolation) -> None:
    for resource in resources:
        for message in rule.check(resource, context):
            if any(w.matches(rule.id, resource.urn, _own_type(resource)) for w in waivers):
                continue
            if isinstance(resource, KubernetesObject):
                message = f"{resource.name}: {message}"
            report_violation(message, resource.urn)


def _own_type(resource: Any) -> str:
    """The Pulumi resource type a waiver names: a Kubernetes object's is its release's."""
    return HELM_RELEASE if isinstance(resource, KubernetesObject) else str(
        resource.resource_type)


def resource_validation(rule: Rule, today: datetime.date | None = None
                        ) -> Callable[[Any, ReportViolation], None]:
    """The callback of a `ResourceValidationPolicy` that runs `rule` on one resource."""
    def validate(args: Any, report_violation: ReportViolation) -> None:
        config = args.get_config() or {}
        context = Context(environment=config.get("environment"), stack=None, config=config)
        waivers = waivers_from_config(rule.id, config, today or _today())
        _report(rule, [engine_resource(args)], context, waivers, report_violation)
    return validate


def stack_validation(rule: Rule, today: datetime.date | None = None,
                     project_dir: Path | None = None) -> Callable[[Any, ReportViolation], None]:
    """The callback of a `StackValidationPolicy` that runs `rule` over the whole stack, with
    the objects each Helm release renders expanded as resources."""
    def validate(args: Any, report_violation: ReportViolation) -> None:
        config = args.get_config() or {}
        resources = [engine_resource(r) for r in args.resources]
        view = StackView(resources, render_releases(resources, project_dir))
        context = Context(environment=config.get("environment")
                          or stack_environment(view.resources), stack=view, config=config)
        waivers = waivers_from_config(rule.id, config, today or _today())
        _report(rule, view.resources, context, waivers, report_violation)
    return validate


def _today() -> datetime.date:
    return datetime.datetime.now(datetime.UTC).date()


def render_releases(resources: Sequence[Any], project_dir: Path | None = None
                    ) -> list[KubernetesObject]:
    """The objects each Helm release of the stack installs, rendered by Helm's engine as the
    offline plan renders them (`forge_infra.plan.helm`).

    The Kubernetes version is the cluster's: the stack's cluster resource (one of
    `CLUSTER_VERSION_INPUTS`), when exactly one version is found.
    """
    from forge_infra.plan.helm import CLUSTER_VERSION_INPUTS, render_release
    from forge_infra.plan.model import PlanResource, ResourceOptions

    versions = {str(r.props.get(key)) for r in resources
                for t, key in CLUSTER_VERSION_INPUTS.items()
                if r.resource_type == t and isinstance(r.props.get(key), str)}
    kube_version = versions.pop() if len(versions) == 1 else None
    source = "the stack's cluster" if kube_version else "helm default"
    objects: list[KubernetesObject] = []
    for release in resources:
        if release.resource_type != HELM_RELEASE or not isinstance(release.props.get("chart"),
                                                                    str):
            continue
        plan_resource = PlanResource(
            urn=release.urn, type=release.resource_type, name=release.name, custom=True,
            component=None, parent=None, dependencies=[], property_dependencies={},
            props=dict(release.props), opts=ResourceOptions(), outputs={})
        render = render_release(plan_resource, chart_path=release.props["chart"],
                                kube_version=kube_version, kube_version_source=source,
                                project_dir=project_dir or Path.cwd())
        for rendered in render.objects:
            where = f"{rendered.namespace}/" if rendered.namespace else ""
            objects.append(KubernetesObject(
                resource_type=kubernetes_type(rendered.api_version, rendered.kind),
                props=rendered.object, urn=release.urn,
                name=f"{rendered.kind} {where}{rendered.name}", release=release,
                template=rendered.template))
    return objects


def policies(rules: Iterable[Rule] | None = None) -> list[Any]:
    """Every rule as a pulumi-policy policy (needs the `pulumi-policy` package)."""
    from pulumi_policy import (
        EnforcementLevel,
        PolicyConfigSchema,
        ResourceValidationPolicy,
        StackValidationPolicy,
    )

    from forge_infra.policy.registry import RULES

    result: list[Any] = []
    for rule in RULES if rules is None else rules:
        level = (EnforcementLevel.MANDATORY if rule.severity == "mandatory"
                 else EnforcementLevel.ADVISORY)
        common: dict[str, Any] = {
            "name": rule.id, "description": rule.rationale, "enforcement_level": level,
            "config_schema": PolicyConfigSchema(dict(CONFIG_PROPERTIES)),
            "remediation_steps": rule.remediation, "tags": [rule.category, *rule.clouds]}
        if rule.scope == "resource":
            result.append(ResourceValidationPolicy(validate=resource_validation(rule),
                                                   **common))
        else:
            result.append(StackValidationPolicy(validate=stack_validation(rule), **common))
    return result
