"""The provisioning-time forecast of a plan: `forge-infra plan --timeline`.

Pulumi creates a resource as soon as everything it depends on exists, and runs independent
creations in parallel. So the time a stack takes to provision from nothing is the longest chain
of the plan's dependency graph, each resource weighted by how long its provider takes to create
it (`durations.yaml`, each range with its source and basis). Two figures come out of it:

* **provision**: the critical path of creating every resource, against the design plan's
  target (< 30 minutes of infrastructure provisioning);
* **deploy**: the chain a new image release walks (task definitions and ECS services, the
  platform's Helm release, Cloud Run services and jobs, Container Apps and jobs), weighted by
  their update durations, against the target of < 5 minutes per deployment. On a runtime
  that `forge-infra release` steps after `pulumi up` (the target exports
  `release_hold_minutes`), the steps' holds follow the update as one more link of the chain.

Each is computed twice, with the low and the high end of every typical range; a target is
missed when the high end exceeds it, and the forecast then names the chain responsible.
Parallelism is taken as unbounded (Pulumi's default, `pulumi up --parallel`), so the figures
are the graph's, not the engine's scheduling.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import functools
import math
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Any

import yaml

from forge_infra.plan.model import Plan, PlanResource

#: The design plan's targets, in minutes (../shared/plans/iac-phase-plan.md, "Success
#: metrics": < 30 minutes infrastructure provisioning, < 5 minutes deployment time).
PROVISION_TARGET_MINUTES = 30.0
DEPLOY_TARGET_MINUTES = 5.0

#: The Helm release type; only forge-infra's own chart (a local chart, no repository) changes
#: with a new image.
HELM_RELEASE = "kubernetes:helm.sh/v3:Release"


@dataclasses.dataclass(frozen=True)
class Duration:
    """How long one type takes, in minutes, and what that rests on."""

    low: float
    high: float
    basis: str
    source: str


@dataclasses.dataclass(frozen=True)
class DurationTable:
    """The durations of `durations.yaml`: per type (or pattern), for create and update."""

    default: Duration
    types: Mapping[str, Mapping[str, Any]]

    def entry(self, type_token: str) -> Mapping[str, Any] | None:
        """The entry of a type: the exact one, else the longest matching pattern."""
        if type_token in self.types:
            return self.types[type_token]
        patterns = [p for p in self.types if any(c in p for c in "*?[")
                    and fnmatch.fnmatchcase(type_token, p)]
        return self.types[max(patterns, key=len)] if patterns else None

    def create(self, resource: PlanResource) -> Duration:
        """How long creating `resource` takes (its entry's `when` refinements applied)."""
        entry = self.entry(resource.type)
        if entry is None:
            return self.default
        low, high = entry["create"]
        for refinement in entry.get("when", ()):
            if all(_prop(resource.props, path) == value
                   for path, value in refinement["props"].items()):
                low, high = refinement["create"]
                break
        return Duration(float(low), float(high), entry["basis"], entry["source"])

    def update(self, resource: PlanResource) -> Duration | None:
        """How long a new image's update of `resource` takes; None when its type has no
        `update` range (a new image does not change it)."""
        entry = self.entry(resource.type)
        if entry is None or "update" not in entry:
            return None
        low, high = entry["update"]
        held = _held_minutes(resource.props, entry.get("holds", ()))
        return Duration(float(low) + held, float(high) + held, entry["basis"], entry["source"])


def _held_minutes(props: Mapping[str, Any], holds: Any) -> float:
    """The minutes a progressive release holds traffic on top of its update (the bakes its
    props set): each `holds` entry's `path` (a number, or a number as a string), times the
    steps it bakes between when `per_step_of` names a step percentage (100 / percent, rounded
    up, minus the last step), or times the number of steps when `per_item_of` names the list
    of steps (one bake after each, the last included)."""
    total = 0.0
    for hold in holds:
        value = _prop(props, hold["path"])
        if value is None:
            continue
        minutes = float(value)
        step_path = hold.get("per_step_of")
        if step_path is not None:
            percent = _prop(props, step_path)
            if not percent:
                continue
            minutes *= max(math.ceil(100 / float(percent)) - 1, 0)
        items_path = hold.get("per_item_of")
        if items_path is not None:
            items = _prop(props, items_path)
            minutes *= len(items) if isinstance(items, list) else 0
        total += minutes
    return total


def _prop(props: Mapping[str, Any], path: str) -> Any:
    value: Any = props
    for key in path.split("."):
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value


@functools.cache
def load_durations() -> DurationTable:
    """The packaged durations table (`forge_infra/plan/durations.yaml`)."""
    text = resources.files("forge_infra.plan").joinpath("durations.yaml").read_text()
    data = yaml.safe_load(text)
    default = data["default"]
    low, high = default["create"]
    return DurationTable(
        default=Duration(float(low), float(high), default["basis"], default["source"]),
        types=data["types"])


@dataclasses.dataclass(frozen=True)
class Step:
    """One resource on a chain: when it starts and ends (minutes from the start, high end)."""

    urn: str
    type: str
    name: str
    start: float
    finish: float
    low: float
    high: float
    basis: str


@dataclasses.dataclass(frozen=True)
class Path:
    """The longest chain of one forecast, its total at both ends, and its target."""

    kind: str
    """"provision" or "deploy"."""
    low_minutes: float
    high_minutes: float
    target_minutes: float
    chain: list[Step]
    resources: int
    """How many resources the forecast weighed."""

    @property
    def meets_target(self) -> bool:
        """Whether even the high end stays within the target."""
        return self.high_minutes <= self.target_minutes

    def responsible(self) -> Step | None:
        """The longest step of the chain (the one to change first when the target is missed)."""
        return max(self.chain, key=lambda s: s.high, default=None)


@dataclasses.dataclass(frozen=True)
class Timeline:
    """The provisioning and deployment forecasts of one plan."""

    provision: Path
    deploy: Path
    recovery: dict[str, Any] | None = None
    """The recovery forecast (`forge_infra.plan.recovery.Recovery.to_dict()`), when computed."""

    def to_dict(self) -> dict[str, Any]:
        """The forecast as the plan JSON's `timeline` object."""
        def path(p: Path) -> dict[str, Any]:
            return {"low_minutes": round(p.low_minutes, 2),
                    "high_minutes": round(p.high_minutes, 2),
                    "target_minutes": p.target_minutes, "meets_target": p.meets_target,
                    "resources": p.resources,
                    "chain": [{**dataclasses.asdict(s), "start": round(s.start, 2),
                               "finish": round(s.finish, 2)} for s in p.chain]}
        document = {"provision": path(self.provision), "deploy": path(self.deploy)}
        if self.recovery is not None:
            document["recovery"] = self.recovery
        return document


def dependency_map(plan: Plan) -> dict[str, list[str]]:
    """Each resource's dependencies for ordering: its recorded dependencies and its explicit
    provider (a Kubernetes provider waits for the cluster it talks to)."""
    known = plan.by_urn()
    deps: dict[str, list[str]] = {}
    for resource in plan.resources:
        wanted = list(resource.dependencies)
        if resource.provider:
            wanted.append(resource.provider)
        deps[resource.urn] = sorted({d for d in wanted if d in known and d != resource.urn})
    return deps


def critical_path(weights: Mapping[str, tuple[float, float]], deps: Mapping[str, Iterable[str]],
                  ) -> tuple[float, float, list[tuple[str, float, float]]]:
    """The longest chain of a weighted dependency graph.

    `weights` maps a node to its (low, high) duration; a node missing from it weighs nothing
    but still carries its dependencies' chains (a component, a provider). Returns the total
    at the low end, the total at the high end, and the high-end chain as (node, start,
    finish), first node first. Raises ValueError on a cycle.
    """
    finish_high: dict[str, float] = {}
    finish_low: dict[str, float] = {}
    via: dict[str, str | None] = {}
    visiting: set[str] = set()

    def visit(node: str) -> None:
        if node in finish_high:
            return
        if node in visiting:
            raise ValueError(f"dependency cycle through {node}")
        visiting.add(node)
        best: str | None = None
        start_high = start_low = 0.0
        for dep in deps.get(node, ()):
            visit(dep)
            if finish_high[dep] > start_high or (best is None and finish_high[dep] == start_high):
                start_high, best = finish_high[dep], dep
            start_low = max(start_low, finish_low[dep])
        low, high = weights.get(node, (0.0, 0.0))
        finish_high[node] = start_high + high
        finish_low[node] = start_low + low
        via[node] = best
        visiting.discard(node)

    for node in sorted(set(weights) | set(deps)):
        visit(node)
    if not finish_high:
        return 0.0, 0.0, []
    end = max(sorted(finish_high), key=lambda n: finish_high[n])
    chain: list[tuple[str, float, float]] = []
    step: str | None = end
    while step is not None:
        high = weights.get(step, (0.0, 0.0))[1]
        if step in weights:
            chain.append((step, finish_high[step] - high, finish_high[step]))
        step = via[step]
    chain.reverse()
    return max(finish_low.values()), finish_high[end], chain


def _changes_with_image(resource: PlanResource) -> bool:
    if resource.type == HELM_RELEASE:
        return "repositoryOpts" not in resource.props
    return True


#: The chain link of the canary steps `forge-infra release` walks after `pulumi up`.
RELEASE_STEP = "forge-infra:release"


def release_hold_minutes(plan: Plan) -> float:
    """The minutes the stack's `forge-infra release` steps hold traffic after `pulumi up`
    (the `release_hold_minutes` output its target exports), 0 when it exports none."""
    value = plan.outputs.get("release_hold_minutes")
    return float(value) if isinstance(value, int | float) and value > 0 else 0.0


def forecast(plan: Plan, table: DurationTable | None = None) -> Timeline:
    """The provisioning and deployment forecasts of `plan`."""
    table = table or load_durations()
    resources = {r.urn: r for r in plan.custom_resources()}
    deps: dict[str, list[str]] = dependency_map(plan)
    create = {urn: table.create(r) for urn, r in resources.items()}
    names = {urn: (r.type, r.name) for urn, r in resources.items()}

    def path(kind: str, durations: Mapping[str, Duration], target: float) -> Path:
        weights = {urn: (d.low, d.high) for urn, d in durations.items()}
        low, high, chain = critical_path(weights, deps)
        steps = [Step(urn=urn, type=names[urn][0], name=names[urn][1],
                      start=start, finish=end, low=durations[urn].low,
                      high=durations[urn].high, basis=durations[urn].basis)
                 for urn, start, end in chain]
        return Path(kind=kind, low_minutes=low, high_minutes=high, target_minutes=target,
                    chain=steps, resources=len(durations))

    updates: dict[str, Duration] = {}
    for urn, resource in resources.items():
        update = table.update(resource)
        if update is not None and _changes_with_image(resource):
            updates[urn] = update
    hold = release_hold_minutes(plan)
    if hold and updates:
        # The release starts once `pulumi up` has updated every service.
        deps = {**deps, RELEASE_STEP: sorted(updates)}
        names[RELEASE_STEP] = (RELEASE_STEP, "canary steps")
        updates[RELEASE_STEP] = Duration(hold, hold, "config",
                                         "forge-infra:rollout steps x (bake_minutes + the "
                                         "metrics' delay): forge-infra release")
    return Timeline(provision=path("provision", create, PROVISION_TARGET_MINUTES),
                    deploy=path("deploy", updates, DEPLOY_TARGET_MINUTES))


def _minutes(value: float) -> str:
    return f"{value:.1f} min" if value < 10 else f"{value:.0f} min"


def timeline_summary(timeline: Timeline, stack: str) -> str:
    """One line: both forecasts' high ends against their targets (`plan --timeline -q`)."""
    parts = [f"{p.kind} {_minutes(p.low_minutes)}-{_minutes(p.high_minutes)} "
             f"({'ok' if p.meets_target else 'over'} {p.target_minutes:.0f} min)"
             for p in (timeline.provision, timeline.deploy)]
    return f"Timeline {stack}: " + ", ".join(parts) + "."


def render_timeline(timeline: Timeline, stack: str) -> str:
    """The `Timeline` section of `forge-infra plan --timeline`: both forecasts, their chains
    (steps of a minute or more) and, when a target is missed, the step responsible."""
    lines = [f"Timeline {stack} (typical durations, unbounded parallelism; "
             "forge_infra/plan/durations.yaml):"]
    for p, verb in ((timeline.provision, "provision from nothing"),
                    (timeline.deploy, "deploy a new image")):
        verdict = ("within" if p.meets_target else "MISSES") + \
            f" the {p.target_minutes:.0f} min target"
        lines.append(f"  {verb}: {_minutes(p.low_minutes)} to {_minutes(p.high_minutes)}, "
                     f"{verdict} ({p.resources} resources weighed)")
        if not p.chain:
            lines.append("    nothing to weigh")
            continue
        shown = [s for s in p.chain if s.high >= 1] or p.chain
        for step in shown:
            lines.append(f"    {step.start:5.1f} -> {step.finish:5.1f} min  {step.type}  "
                         f"{step.name}  [{step.basis}]")
        hidden = len(p.chain) - len(shown)
        if hidden:
            lines.append(f"    (+ {hidden} step(s) under a minute each)")
        culprit = p.responsible()
        if not p.meets_target and culprit is not None:
            lines.append(f"    the chain through {culprit.type} {culprit.name} "
                         f"({_minutes(culprit.low)}-{_minutes(culprit.high)}) is responsible; "
                         "see docs/PROVISIONING.md")
    return "\n".join(lines)
