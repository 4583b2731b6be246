"""The plan: every resource a stack would ask Pulumi to create, as data (`forge-infra/plan@2`).

The JSON form is documented in docs/PLAN.md and pinned by `plan.schema.json` beside this
module. Each resource has the shape of pulumi-policy's `PolicyResource` (`props`, `opts`,
`provider`, `parent`, `dependencies`, `property_dependencies`) plus what the offline run adds
(`outputs`, `id`, the enclosing `component`, and for a Helm release its rendered objects).
`Plan.from_dict` also reads `forge-infra/plan@1` documents. Later versions only add fields.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Any, Literal

SCHEMA_ID = "forge-infra/plan@2"
SCHEMA_V1 = "forge-infra/plan@1"
READABLE_SCHEMAS = (SCHEMA_ID, SCHEMA_V1)

Severity = Literal["mandatory", "advisory"]
SEVERITIES: tuple[Severity, ...] = ("mandatory", "advisory")


def canonical(value: Any) -> Any:
    """`value` with every mapping's keys sorted (lists keep their order: it is meaningful)."""
    if isinstance(value, dict):
        return {str(k): canonical(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    return value


# -- resource options -------------------------------------------------------------------------


@dataclasses.dataclass
class CustomTimeouts:
    """Create/update/delete timeouts in seconds, as pulumi-policy's `PolicyCustomTimeouts`.

    0 means "the provider's default" (no custom timeout), as the policy SDK reports it.
    """

    create_seconds: float = 0
    update_seconds: float = 0
    delete_seconds: float = 0


@dataclasses.dataclass
class ResourceOptions:
    """The resource options the engine receives, named as pulumi-policy's
    `PolicyResourceOptions` (plus `retain_on_delete`, `replace_on_changes`, `deleted_with`)."""

    protect: bool = False
    """Pulumi refuses to delete the resource."""
    retain_on_delete: bool = False
    """Deleting the resource from the stack leaves the cloud resource in place."""
    ignore_changes: list[str] = dataclasses.field(default_factory=list)
    """Input property paths whose changes are ignored."""
    delete_before_replace: bool | None = None
    """Delete before creating the replacement; None when not set (the provider decides)."""
    replace_on_changes: list[str] = dataclasses.field(default_factory=list)
    """Input property paths whose changes force a replacement."""
    aliases: list[str] = dataclasses.field(default_factory=list)
    """Earlier URNs of this resource (aliases resolved to URNs), sorted."""
    additional_secret_outputs: list[str] = dataclasses.field(default_factory=list)
    """Outputs the engine must treat as secret."""
    custom_timeouts: CustomTimeouts = dataclasses.field(default_factory=CustomTimeouts)
    """Custom operation timeouts."""
    deleted_with: str | None = None
    """URN of a resource whose deletion deletes this one, if any."""
    parent: str | None = None
    """The parent's URN, as in `PolicyResourceOptions.parent` (None at the top level)."""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ResourceOptions:
        """Read the JSON form (unknown keys ignored)."""
        fields = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in fields}
        values["custom_timeouts"] = CustomTimeouts(**(data.get("custom_timeouts") or {}))
        return cls(**values)


# -- Helm releases ----------------------------------------------------------------------------


@dataclasses.dataclass
class RenderedObject:
    """One Kubernetes object a Helm release creates, as Helm's engine rendered it."""

    api_version: str
    kind: str
    namespace: str | None
    """The object's namespace (the release's when the template sets none); None when the kind
    is cluster-scoped."""
    name: str
    template: str
    """The chart template it came from, relative to the chart (`templates/api/deployment.yaml`)."""
    object: dict[str, Any]
    """The whole object, as Helm rendered it."""


@dataclasses.dataclass
class HelmRender:
    """The objects a Helm release would install, or why the plan could not render them."""

    chart: str
    """The chart: a path relative to its package (or project) for a local chart, else its name."""
    version: str | None
    """The chart version asked for (remote charts) or declared in Chart.yaml (local ones)."""
    rendered: bool
    """Whether Helm rendered the chart; when False, `reason` says why and `objects` is empty."""
    reason: str | None
    kube_version: str | None
    """The Kubernetes version rendered for (`Capabilities.KubeVersion`); None for Helm's own
    default."""
    kube_version_source: str
    """Where `kube_version` came from (the cluster resource's URN and input, or the fallback)."""
    objects: list[RenderedObject] = dataclasses.field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HelmRender:
        """Read the JSON form."""
        values = dict(data)
        values["objects"] = [RenderedObject(**o) for o in data.get("objects") or []]
        return cls(**values)

    def kind_counts(self) -> Counter[str]:
        """How many objects of each kind the release renders."""
        return Counter(o.kind for o in self.objects)


# -- resources --------------------------------------------------------------------------------


@dataclasses.dataclass
class PlanResource:
    """One resource of the plan (custom resource, component or provider instance).

    The field names are pulumi-policy's `PolicyResource` where it has one (`props`, `opts`,
    `provider`, `parent`, `dependencies`, `property_dependencies`, `urn`, `name`); `type` is
    its `resource_type`. `forge_infra.plan.policy_view.policy_resources()` gives the exact
    interface.
    """

    urn: str
    type: str
    name: str
    custom: bool
    component: str | None
    """The type of the nearest enclosing component resource, or None at the top level."""
    parent: str | None
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    """Input property -> the URNs its value came from."""
    props: dict[str, Any]
    """The inputs as sent to the provider: camelCase keys, secrets as "[secret]"."""
    opts: ResourceOptions
    outputs: dict[str, Any]
    provider: str | None = None
    """URN of the explicit provider instance, or None for the default provider."""
    id: str | None = None
    helm: HelmRender | None = None
    """For a Helm release (`kubernetes:helm.sh/v3:Release`): what it installs."""

    @property
    def resource_type(self) -> str:
        """The type token, under pulumi-policy's name."""
        return self.type

    @property
    def inputs(self) -> dict[str, Any]:
        """The inputs (`props`), under plan@1's name."""
        return self.props

    @property
    def protect(self) -> bool:
        """`opts.protect`, under plan@1's name."""
        return self.opts.protect

    def to_dict(self) -> dict[str, Any]:
        """The resource as a `forge-infra/plan@2` JSON object."""
        document = dataclasses.asdict(self)
        for key in ("props", "outputs", "property_dependencies"):
            document[key] = canonical(document[key])
        if self.helm is not None:
            document["helm"]["objects"] = [
                {**o, "object": canonical(o["object"])} for o in document["helm"]["objects"]]
        return document

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PlanResource:
        """Read a plan@2 resource object, or convert a plan@1 one (`inputs`, `protect`)."""
        props = data["props"] if "props" in data else data.get("inputs", {})
        opts = ResourceOptions.from_dict(data.get("opts") or {"protect": data.get("protect",
                                                                                  False)})
        opts.parent = opts.parent or data.get("parent")
        helm = data.get("helm")
        return cls(
            urn=data["urn"], type=data["type"], name=data["name"], custom=data["custom"],
            component=data.get("component"), parent=data.get("parent"),
            dependencies=list(data.get("dependencies") or []),
            property_dependencies=dict(data.get("property_dependencies") or {}),
            props=props, opts=opts, outputs=data.get("outputs") or {},
            provider=data.get("provider"), id=data.get("id"),
            helm=HelmRender.from_dict(helm) if helm else None)


# -- cost and findings ------------------------------------------------------------------------


@dataclasses.dataclass
class CostLine:
    """One priced quantity of one resource."""

    urn: str
    """The resource priced."""
    item: str
    """What is priced, e.g. "db.t4g.micro instance hours" or "gp3 storage"."""
    quantity: float
    """How much of it a month holds (730 hours for an always-on instance)."""
    unit: str
    """The unit of `quantity` and `unit_price`, e.g. "hour", "GB-month", "request"."""
    unit_price: float
    """USD (the estimate's currency) per unit."""
    monthly: float
    """`quantity * unit_price`, in the estimate's currency."""
    group: str = ""
    """The component the resource belongs to (its name), for grouping and subtotals."""
    usage: bool = False
    """True for a usage-based line (estimated from the stack's usage profile), False for a
    fixed one (what the resources cost while they exist)."""
    ceiling: float | None = None
    """For an autoscaled quantity priced at its minimum: the monthly cost at its maximum."""
    price: str = ""
    """The key of the price-table entry used (its unit, region, source and date are there)."""


@dataclasses.dataclass
class CostCoverage:
    """A resource the estimate does not price with a line: free, or not priced (and why)."""

    urn: str
    type: str
    status: Literal["free", "not_priced"]
    reason: str


@dataclasses.dataclass
class CostEstimate:
    """The monthly cost of a plan: one line per priced quantity, with the total."""

    currency: str = "USD"
    monthly_total: float = 0.0
    """The sum of every line's `monthly`."""
    lines: list[CostLine] = dataclasses.field(default_factory=list)
    fixed_total: float = 0.0
    """The sum of the fixed lines."""
    usage_total: float = 0.0
    """The sum of the usage-based lines."""
    ceiling_total: float = 0.0
    """The total with every autoscaled quantity at its maximum."""
    region: str = ""
    price_table: str = ""
    """The price table used (cloud, region, date)."""
    coverage: list[CostCoverage] = dataclasses.field(default_factory=list)
    """The resources without a line: free ones, and those not priced (never silently zero)."""
    assumptions: list[str] = dataclasses.field(default_factory=list)
    """The usage profile the usage-based lines assume."""
    budget: float | None = None
    """The stack's monthly budget limit, when it has one."""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CostEstimate:
        """Read the JSON form (plan@2 documents written before the coverage fields too)."""
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["lines"] = [CostLine(**line) for line in data.get("lines") or []]
        values["coverage"] = [CostCoverage(**c) for c in data.get("coverage") or []]
        return cls(**values)


@dataclasses.dataclass
class Finding:
    """One policy rule's verdict on one resource (or on the stack when `urn` is None)."""

    rule: str
    """The rule id: `<cloud>-<service>-<rule>`, `k8s-...` or `any-...`."""
    severity: Severity
    """"mandatory" blocks a deployment; "advisory" is reported only."""
    urn: str | None
    message: str
    """What is wrong, with the offending value."""
    remediation: str
    """How to fix it (the config key or argument to change)."""
    waived: bool = False
    """True when the stack's config waives this rule for this resource (still reported)."""
    waiver_reason: str | None = None
    """The waiver's reason, when `waived`."""

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"finding {self.rule}: severity must be one of {SEVERITIES}, "
                             f"not {self.severity!r}")


# -- the plan ---------------------------------------------------------------------------------


@dataclasses.dataclass
class Plan:
    """Everything one stack would create, plus its exports, cost and findings."""

    project: str
    stack: str
    cloud: str
    platform: str | None
    resources: list[PlanResource]
    outputs: dict[str, Any]
    cost: CostEstimate | None = None
    findings: list[Finding] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)
    timeline: dict[str, Any] | None = None
    """The provisioning-time forecast (`forge_infra.plan.timeline.Timeline.to_dict()`), when
    `plan --timeline` computed one; not written otherwise."""
    source_schema: str = dataclasses.field(default=SCHEMA_ID, compare=False)
    """The schema of the document this plan was read from (plan@1 documents lack the options
    other than `protect`); not written: `to_dict` always writes the current schema."""

    # -- views --------------------------------------------------------------------------------

    def by_urn(self) -> dict[str, PlanResource]:
        """The resources keyed by URN."""
        return {r.urn: r for r in self.resources}

    def custom_resources(self) -> list[PlanResource]:
        """The resources a provider would create (no components, no provider instances)."""
        return [r for r in self.resources
                if r.custom and not r.type.startswith("pulumi:providers:")]

    def type_counts(self) -> Counter[str]:
        """How many resources of each type the plan creates (custom resources only)."""
        return Counter(r.type for r in self.custom_resources())

    def edges(self) -> list[tuple[str, str]]:
        """(dependent, dependency) URN pairs, sorted."""
        known = self.by_urn()
        return sorted({(r.urn, d) for r in self.resources for d in r.dependencies if d in known})

    def helm_releases(self) -> list[PlanResource]:
        """The Helm releases, each with its `helm` render (or the reason it has none)."""
        return [r for r in self.resources if r.helm is not None]

    # -- JSON ---------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The plan as a `forge-infra/plan@2` document."""
        return {
            "schema": SCHEMA_ID,
            "project": self.project,
            "stack": self.stack,
            "cloud": self.cloud,
            "platform": self.platform,
            "resources": [r.to_dict() for r in self.resources],
            "outputs": canonical(self.outputs),
            "cost": dataclasses.asdict(self.cost) if self.cost is not None else None,
            "findings": [dataclasses.asdict(f) for f in self.findings],
            "warnings": self.warnings,
            **({"timeline": self.timeline} if self.timeline is not None else {}),
        }

    def to_json(self) -> str:
        """The plan as stable, indented JSON text (byte-identical for the same plan)."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, default=str) + "\n"

    def write_json(self, path: Path | str) -> None:
        """Write the JSON form to `path`."""
        Path(path).write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def from_dict(cls, document: dict[str, Any]) -> Plan:
        """Read a `forge-infra/plan@2` document, or a plan@1 one (converted to plan@2)."""
        if document.get("schema") not in READABLE_SCHEMAS:
            raise ValueError(f"not a {SCHEMA_ID} (or {SCHEMA_V1}) document "
                             f"(schema: {document.get('schema')!r})")
        cost = document.get("cost")
        return cls(
            project=document["project"], stack=document["stack"], cloud=document["cloud"],
            platform=document.get("platform"),
            resources=[PlanResource.from_dict(r) for r in document["resources"]],
            outputs=document.get("outputs", {}),
            cost=CostEstimate.from_dict(cost) if cost else None,
            findings=[Finding(**{"remediation": "", **f}) for f in document.get("findings") or []],
            warnings=document.get("warnings", []), timeline=document.get("timeline"),
            source_schema=document["schema"])

    @classmethod
    def read_json(cls, path: Path | str) -> Plan:
        """Read a plan written by `write_json` (plan@2, or plan@1)."""
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def json_schema() -> dict[str, Any]:
    """The JSON schema of `forge-infra/plan@2` documents."""
    text = resources.files("forge_infra.plan").joinpath("plan.schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema
