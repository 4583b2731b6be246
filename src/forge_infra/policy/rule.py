"""What a policy rule is, what its checks see, and how one rule runs over a stack.

A rule (`Rule`) has an id (`<cloud>-<service>-<rule>`, `k8s-...` or `any-...`), a severity, a
category, a one-line rationale, a remediation, and its *checks*: one function per resource type
it applies to. The mapping is the rule's cloud mapping: adding a cloud adds entries for that
cloud's types, and leaves the other checks untouched.

A check receives the resource (anything with pulumi-policy's `PolicyResource` attributes:
`resource_type`, `props`, `urn`, `name`, `opts`) and a `Context`, and yields one message per
violation. The same check runs in both places:

- offline, in `forge-infra plan` and `forge-infra check`, over the plan's resources
  (`forge_infra.plan.policy_view`), through `forge_infra.policy.engine.evaluate`;
- in the Pulumi engine, from the policy pack in `policy/` (`forge_infra.policy.pack`), over
  pulumi-policy's own `PolicyResource`s.

A rule with `scope="resource"` only reads the resource itself: the pack registers it as a
resource validation, and its checks must not use `context.stack`. A rule with `scope="stack"`
also looks at other resources (a subnet's route table, a Deployment's PodDisruptionBudget): the
pack registers it as a stack validation.

Kubernetes objects a Helm release installs are checked like resources: the stack view expands
each rendered object into a `KubernetesObject` whose `resource_type` is the token
pulumi-kubernetes gives that kind (`kubernetes:apps/v1:Deployment`), so a rule on Deployments
covers both a chart's Deployments and ones declared directly with pulumi-kubernetes. The
expansion exists only over a whole stack, so a rule on Kubernetes kinds is a stack rule (`Rule`
refuses one declared `scope="resource"`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal, Protocol

from forge_infra.plan.model import Severity

Category = Literal["encryption", "exposure", "recoverability", "operability", "kubernetes",
                   "secrets"]
CATEGORIES: tuple[Category, ...] = ("encryption", "exposure", "recoverability", "operability",
                                    "kubernetes", "secrets")
Scope = Literal["resource", "stack"]
ENVIRONMENTS = ("dev", "staging", "prod")

#: A rule id: `<cloud>-<service>-<rule>` for one cloud, `k8s-...` for Kubernetes objects,
#: `any-...` for a rule mapped to several clouds. Lower-case words joined by hyphens.
RULE_ID = re.compile(r"^(aws|gcp|azure|k8s|any)(-[a-z0-9]+){2,}$")

#: The tag (AWS) / label (GCP, Azure) every forge-infra resource carries with its environment
#: (`forge_components.common.standard_tags`).
ENVIRONMENT_TAG = "environment"

HELM_RELEASE = "kubernetes:helm.sh/v3:Release"


class ResourceLike(Protocol):
    """The attributes of pulumi-policy's `PolicyResource` / `ResourceValidationArgs` a check
    may read (`forge_infra.plan.policy_view` provides the same offline)."""

    @property
    def resource_type(self) -> str: ...

    @property
    def props(self) -> Mapping[str, Any]: ...

    @property
    def urn(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def opts(self) -> Any: ...


@dataclasses.dataclass(eq=False)
class KubernetesObject:
    """One object a Helm release installs, seen as a resource by the checks.

    `props` is the whole object (`apiVersion`, `kind`, `metadata`, `spec`), as
    pulumi-kubernetes' own inputs for that kind are; `urn` is the release's, so a finding names
    the Pulumi resource to change, and `name` names the object (`Deployment forge/api`).
    """

    resource_type: str
    props: Mapping[str, Any]
    urn: str
    name: str
    release: Any
    opts: Any = None
    template: str = ""

    @property
    def kind(self) -> str:
        """The object's kind (`Deployment`)."""
        return str(self.props.get("kind", ""))

    @property
    def namespace(self) -> str | None:
        """The object's namespace (None for a cluster-scoped kind)."""
        value = (self.props.get("metadata") or {}).get("namespace")
        return str(value) if value else None

    @property
    def object_name(self) -> str:
        """`metadata.name`."""
        return str((self.props.get("metadata") or {}).get("name", ""))


def kubernetes_type(api_version: str, kind: str) -> str:
    """The pulumi-kubernetes type token of a kind: `apps/v1` + `Deployment` ->
    `kubernetes:apps/v1:Deployment`; the core group is `core` (`kubernetes:core/v1:Service`)."""
    group, _, version = api_version.rpartition("/")
    return f"kubernetes:{group or 'core'}/{version}:{kind}"


class StackView:
    """Every resource of a stack (as `ResourceLike`s), indexed, with the Kubernetes objects
    the Helm releases install expanded as resources."""

    def __init__(self, resources: Sequence[ResourceLike],
                 kubernetes_objects: Sequence[KubernetesObject] = ()) -> None:
        self.resources: list[Any] = [*resources, *kubernetes_objects]
        self._by_urn = {r.urn: r for r in resources}
        self._by_type: dict[str, list[Any]] = {}
        for resource in self.resources:
            self._by_type.setdefault(resource.resource_type, []).append(resource)

    def get(self, urn: str | None) -> Any | None:
        """The resource with this URN (not a Kubernetes object), or None."""
        return self._by_urn.get(urn or "")

    def of_type(self, *types: str) -> list[Any]:
        """The resources (and Kubernetes objects) of these types, in stack order."""
        return [r for t in types for r in self._by_type.get(t, [])]

    def kubernetes_objects(self, release_urn: str | None = None) -> list[KubernetesObject]:
        """The expanded Kubernetes objects, of one release when `release_urn` is given."""
        return [r for r in self.resources if isinstance(r, KubernetesObject)
                and (release_urn is None or r.urn == release_urn)]

    def dependencies(self, resource: Any) -> list[Any]:
        """The resources `resource` depends on (those in the stack)."""
        deps = getattr(resource, "dependencies", None) or []
        return [d if not isinstance(d, str) else self._by_urn[d] for d in deps
                if not isinstance(d, str) or d in self._by_urn]

    def find_by_output(self, type_: str, key: str, value: Any) -> list[Any]:
        """The resources of `type_` whose prop `key` equals `value` (how one resource names
        another by id or name in its inputs)."""
        return [r for r in self.of_type(type_) if r.props.get(key) == value]


@dataclasses.dataclass
class Context:
    """What a check knows besides the resource: the environment whose rules apply, the whole
    stack (None in a resource validation), and the policy's configuration."""

    environment: str | None
    stack: StackView | None = None
    config: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def is_prod(self) -> bool:
        """Whether prod's rules apply."""
        return self.environment == "prod"


Check = Callable[[Any, Context], Iterable[str]]
"""A rule's check for one resource type: yields one message per violation (none when the
resource passes). Messages say what is wrong with the offending value."""


@dataclasses.dataclass(frozen=True)
class Rule:
    """One policy rule, run the same way offline and in the Pulumi policy pack."""

    id: str
    severity: Severity
    category: Category
    rationale: str
    """Why the rule exists, in one line."""
    remediation: str
    """How to fix a violation: the stack config key or component argument to change."""
    checks: Mapping[str, Check]
    """Resource type -> its check: the rule's mapping onto each cloud's types."""
    scope: Scope = "resource"
    """`resource`: the checks read the resource alone; `stack`: they read `context.stack`."""
    environments: tuple[str, ...] = ENVIRONMENTS
    """The environments where the rule applies (prod's rules: `("prod",)`)."""

    def __post_init__(self) -> None:
        if not RULE_ID.fullmatch(self.id):
            raise ValueError(f"rule id {self.id!r}: use <cloud>-<service>-<rule>, k8s-... or "
                             "any-..., lower-case words joined by hyphens")
        if self.severity not in ("mandatory", "advisory"):
            raise ValueError(f"rule {self.id}: severity {self.severity!r}")
        if self.category not in CATEGORIES:
            raise ValueError(f"rule {self.id}: category {self.category!r}")
        if not self.checks:
            raise ValueError(f"rule {self.id}: no resource type to check")
        if self.scope == "resource" and any(
                t.startswith("kubernetes:") and t != HELM_RELEASE for t in self.checks):
            # A Helm release's objects exist only in a stack validation (the pack renders them
            # there): a resource validation would see the release, never its Deployments.
            raise ValueError(f"rule {self.id}: a rule on Kubernetes objects is a stack rule "
                             "(scope='stack')")
        for text, what in ((self.rationale, "rationale"), (self.remediation, "remediation")):
            if not text.strip() or "\n" in text.strip():
                raise ValueError(f"rule {self.id}: the {what} must be one line")

    @property
    def resource_types(self) -> tuple[str, ...]:
        """The resource types the rule checks, sorted."""
        return tuple(sorted(self.checks))

    @property
    def clouds(self) -> tuple[str, ...]:
        """The clouds (type-token packages: aws, gcp, azure-native, kubernetes) it maps to."""
        return tuple(sorted({t.split(":", 1)[0] for t in self.checks}))

    def applies_in(self, environment: str | None) -> bool:
        """Whether the rule applies in this environment (all rules when it is unknown, so an
        untagged stack is held to prod's rules rather than none)."""
        return environment is None or environment in self.environments

    def check(self, resource: Any, context: Context) -> Iterator[str]:
        """The violations of one resource (none when no check maps its type, or the rule does
        not apply in the resource's environment)."""
        check = self.checks.get(resource.resource_type)
        if check is None:
            return
        environment = resource_environment(resource) or context.environment
        if not self.applies_in(environment):
            return
        if environment != context.environment:
            context = dataclasses.replace(context, environment=environment)
        yield from check(resource, context)


def resource_environment(resource: Any) -> str | None:
    """The environment a resource is tagged (labelled) with, if any: its `tags` (AWS),
    `labels` (GCP, Azure), or a Cloud SQL instance's `settings.userLabels` (GCP)."""
    props = resource.props if isinstance(getattr(resource, "props", None), Mapping) else {}
    settings = props.get("settings")
    user_labels = settings.get("userLabels") if isinstance(settings, Mapping) else None
    for tags in (props.get("tags"), props.get("labels"), user_labels):
        if isinstance(tags, Mapping):
            value = tags.get(ENVIRONMENT_TAG)
            if isinstance(value, str) and value in ENVIRONMENTS:
                return value
    return None


def stack_environment(resources: Iterable[Any]) -> str | None:
    """The environment most of the stack's resources are tagged with (None when none is)."""
    counts: dict[str, int] = {}
    for resource in resources:
        environment = resource_environment(resource)
        if environment is not None:
            counts[environment] = counts.get(environment, 0) + 1
    return max(counts, key=lambda e: counts[e]) if counts else None


# -- small helpers for checks ---------------------------------------------------------------


def prop(value: Any, *path: str | int) -> Any:
    """`value[path[0]][path[1]]...`, or None where a step is missing (lists indexed by int)."""
    for step in path:
        if isinstance(step, int):
            if not isinstance(value, list) or step >= len(value):
                return None
            value = value[step]
        elif isinstance(value, Mapping):
            value = value.get(step)
        else:
            return None
    return value


def as_list(value: Any) -> list[Any]:
    """`value` as a list: a list as is, None as [], anything else as [value]."""
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


UNKNOWN = "[unknown]"


def known(value: Any) -> bool:
    """Whether a value is known at plan time (not the plan's `[unknown]` placeholder)."""
    return value != UNKNOWN


def extend_checks(rules: Sequence[Rule], extra: Mapping[str, Mapping[str, Check]]
                  ) -> tuple[Rule, ...]:
    """`rules` with the checks in `extra` (rule id -> resource type -> check) added to the
    rules they name: how a cloud maps its own types onto a rule declared for another
    (`any-stateful-protect`, `any-image-pinned-tag`, ...), in a block of its own. Raises
    `ValueError` naming an unknown rule id or a type the rule already checks."""
    by_id = {rule.id: rule for rule in rules}
    unknown = sorted(set(extra) - set(by_id))
    if unknown:
        raise ValueError(f"no rule {', '.join(unknown)} to add checks to")
    extended = []
    for rule in rules:
        more = extra.get(rule.id, {})
        clash = sorted(set(more) & set(rule.checks))
        if clash:
            raise ValueError(f"rule {rule.id} already checks {', '.join(clash)}")
        extended.append(dataclasses.replace(rule, checks={**rule.checks, **more})
                        if more else rule)
    return tuple(extended)
