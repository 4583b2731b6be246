"""Recovery point and recovery time per data service, computed from the plan.

Two failures are forecast (`forge-infra plan --timeline`):

* **within the region** (a lost instance, a bad migration, a deleted object): each data
  service's own restore path, from `recovery.yaml` (RDS point-in-time restore, an ElastiCache
  snapshot, S3 versions, ...);
* **losing the region**: what the recovery region holds. With `forge-infra:dr` in `backup` or
  `pilot_light` mode the plan declares a copy of each protected data service there
  (`recovery.yaml`, `region_loss.copies`): on AWS an AWS Backup plan whose rule copies each
  recovery point to the recovery region (the recovery point: the rule's interval plus the
  copy's time); elsewhere the resource that carries the copy (a backup location, a
  geo-redundant backup, a replication job), with the recovery point its provider documents.
  The recovery time is the time to declare the disaster plus the provisioning forecast of the
  stack (the timeline's critical path: re-creating the stack in the recovery region, its
  database restored from the copy). In `pilot_light` mode the network already exists there,
  so the network's resources weigh nothing. A data service with no copy outside the region
  has no recovery point there: it misses any target. A cache and the event stream are
  re-created empty by design (`rebuilt_types`): they count in the recovery time only.

The figures are checked against the stack's targets: the `dr_rto_target_hours` and
`dr_rpo_target_hours` the target exports, else the design plan's RTO of 4 hours and an RPO of a
day.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Mapping
from importlib import resources
from typing import Any

import yaml

from forge_infra.plan.model import Plan, PlanResource
from forge_infra.plan.timeline import critical_path, dependency_map, load_durations

#: The design plan's recovery time objective (< 4 hours), and the recovery point objective
#: assumed without a stack's own (a day: one backup a day).
DEFAULT_RTO_HOURS = 4.0
DEFAULT_RPO_HOURS = 24.0
#: Minutes to notice a regional outage and decide to fail over, without a stack's own figure.
DEFAULT_DECLARATION_MINUTES = 30.0
BACKUP_PLAN = "aws:backup/plan:Plan"
#: The networking component of every cloud's package (`forge-aws:index:Networking`, ...).
NETWORKING_SUFFIX = ":index:Networking"
_EVERY_N_HOURS = re.compile(r"^cron\(0 \*/(\d+) \* \* \? \*\)$")
_DAILY = re.compile(r"^cron\(\d+ \d+ \* \* \? \*\)$")


@functools.cache
def load_assumptions() -> dict[str, Any]:
    """The packaged recovery assumptions (`forge_infra/plan/recovery.yaml`)."""
    text = resources.files("forge_infra.plan").joinpath("recovery.yaml").read_text()
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def interval_hours(schedule: str) -> float | None:
    """The hours between runs of an AWS Backup cron expression forge-infra writes (every N
    hours, or once a day); None for any other expression."""
    match = _EVERY_N_HOURS.match(schedule)
    if match:
        return float(match.group(1))
    return 24.0 if _DAILY.match(schedule) else None


@dataclasses.dataclass(frozen=True)
class ServiceRecovery:
    """One data service's recovery figures for one failure (minutes; None: not recoverable)."""

    service: str
    type: str
    rpo_minutes: float | None
    rto_low_minutes: float | None
    rto_high_minutes: float | None
    path: str
    source: str


@dataclasses.dataclass(frozen=True)
class Recovery:
    """The recovery forecast of one plan."""

    in_region: list[ServiceRecovery]
    region_loss: list[ServiceRecovery]
    dr_region: str | None
    mode: str
    rto_target_hours: float
    rpo_target_hours: float

    @property
    def meets_targets(self) -> bool:
        """Whether every data service recovers from losing the region within both targets."""
        protected = load_assumptions()["region_loss"]["copies"]
        return bool(self.region_loss) and all(
            s.rto_high_minutes is not None and s.rto_high_minutes <= self.rto_target_hours * 60
            and (s.type not in protected or (
                s.rpo_minutes is not None and s.rpo_minutes <= self.rpo_target_hours * 60))
            for s in self.region_loss)

    def to_dict(self) -> dict[str, Any]:
        """The forecast as the plan JSON's `timeline.recovery` object."""
        def rows(items: list[ServiceRecovery]) -> list[dict[str, Any]]:
            return [{k: (round(v, 1) if isinstance(v, float) else v)
                     for k, v in dataclasses.asdict(s).items()} for s in items]
        return {"mode": self.mode, "dr_region": self.dr_region,
                "rto_target_hours": self.rto_target_hours,
                "rpo_target_hours": self.rpo_target_hours,
                "meets_targets": self.meets_targets,
                "in_region": rows(self.in_region), "region_loss": rows(self.region_loss)}


def _number(outputs: dict[str, Any], key: str, default: float) -> float:
    value = outputs.get(key)
    return float(value) if isinstance(value, int | float) else default


def _prop(props: Mapping[str, Any], path: str) -> Any:
    value: Any = props
    for key in path.split("."):
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value


def _in_region_rpo(entry: Mapping[str, Any], resource: PlanResource) -> float | None:
    """The entry's recovery point within the region: read from the resource's props where
    the entry says how (`rpo_from`: a property and the minutes of each of its values), else
    its fixed `rpo_minutes` (None: what producers replay)."""
    rule = entry.get("rpo_from")
    if rule is not None:
        minutes = rule["minutes"].get(str(_prop(resource.props, rule["path"])))
        if minutes is not None:
            return float(minutes)
    value = entry.get("rpo_minutes")
    return float(value) if value is not None else None


@dataclasses.dataclass(frozen=True)
class _Copy:
    """A data service's copy in the recovery region, as the plan declares it."""

    rpo_minutes: float
    path: str
    source: str


def _aws_backup_interval(plan: Plan) -> float | None:
    """The shortest interval of the AWS Backup rules that copy to another region (hours)."""
    interval = None
    for backup_plan in (r for r in plan.custom_resources() if r.type == BACKUP_PLAN):
        for rule in backup_plan.props.get("rules") or []:
            if rule.get("copyActions"):
                hours = interval_hours(str(rule.get("schedule", "")))
                if hours is not None:
                    interval = hours if interval is None else min(interval, hours)
    return interval


def _matches(resource: PlanResource, evidence: Mapping[str, Any], dr_region: str) -> bool:
    value = _prop(resource.props, evidence["path"])
    if "equals" in evidence:
        wanted = evidence["equals"]
        return value == (dr_region if wanted == "$dr_region" else wanted)
    return value in evidence["in"]


def _copy_of(type_token: str, plan: Plan, dr_region: str | None,
             aws_interval: float | None) -> _Copy | None:
    """The copy of a data service of `type_token` outside the region, per recovery.yaml's
    `region_loss.copies` (None when the plan declares none)."""
    rule = load_assumptions()["region_loss"]["copies"].get(type_token)
    if rule is None or dr_region is None:
        return None
    if rule.get("via") == "aws_backup":
        if aws_interval is None:
            return None
        loss = load_assumptions()["region_loss"]
        copy_low, copy_high = (float(v) for v in loss["copy_minutes"])
        return _Copy(aws_interval * 60 + copy_high,
                     f"restore the latest copy in {dr_region} (recovery points every "
                     f"{aws_interval:g} h, copied in {copy_low:g}-{copy_high:g} min)",
                     loss["copy_source"])
    evidence = rule["evidence"]
    holder = evidence.get("type", type_token)
    if not any(_matches(r, evidence, dr_region) for r in plan.custom_resources()
               if r.type == holder):
        return None
    return _Copy(float(rule["rpo_minutes"]), rule["path"].replace("{dr_region}", dr_region),
                 rule["source"])


def forecast_recovery(plan: Plan) -> Recovery:
    """The recovery figures of `plan` (see the module docstring)."""
    data = load_assumptions()
    first_of_type: dict[str, PlanResource] = {}
    for resource in plan.custom_resources():
        first_of_type.setdefault(resource.type, resource)
    in_region = [
        ServiceRecovery(service=entry["service"], type=type_token,
                        rpo_minutes=_in_region_rpo(entry, first_of_type[type_token]),
                        rto_low_minutes=float(entry["rto_minutes"][0]),
                        rto_high_minutes=float(entry["rto_minutes"][1]),
                        path=entry["path"], source=entry["source"])
        for type_token, entry in data["in_region"].items() if type_token in first_of_type]

    outputs = plan.outputs
    rto_target = _number(outputs, "dr_rto_target_hours", DEFAULT_RTO_HOURS)
    rpo_target = _number(outputs, "dr_rpo_target_hours", DEFAULT_RPO_HOURS)
    declaration = _number(outputs, "dr_declaration_minutes", DEFAULT_DECLARATION_MINUTES)
    dr_region = outputs.get("dr_region") if isinstance(outputs.get("dr_region"), str) else None
    pilot_light = "dr_network_id" in outputs
    mode = "pilot_light" if pilot_light else ("backup" if dr_region else "none")

    loss = data["region_loss"]
    aws_interval = _aws_backup_interval(plan)
    table = load_durations()
    # In pilot_light mode the network stands in the recovery region already: its resources
    # (the stack's own network component, the same shape) weigh nothing there.
    weights = {r.urn: (table.create(r).low, table.create(r).high)
               for r in plan.custom_resources()
               if not (pilot_light and (r.component or "").endswith(NETWORKING_SUFFIX))}
    low, high, _ = critical_path(weights, dependency_map(plan))
    standing = " on its standing network" if pilot_light else ""
    region_loss: list[ServiceRecovery] = []
    for item in in_region:
        copy = _copy_of(item.type, plan, dr_region, aws_interval)
        if copy is not None:
            region_loss.append(ServiceRecovery(
                service=item.service, type=item.type, rpo_minutes=copy.rpo_minutes,
                rto_low_minutes=declaration + low, rto_high_minutes=declaration + high,
                path=f"{copy.path}, into the stack re-created there{standing}",
                source=f"{copy.source}; {loss['restore_source']}"))
        elif dr_region is not None and item.type in loss["rebuilt_types"]:
            region_loss.append(ServiceRecovery(
                service=item.service, type=item.type, rpo_minutes=None,
                rto_low_minutes=declaration + low, rto_high_minutes=declaration + high,
                path=loss["rebuilt_types"][item.type], source=loss["restore_source"]))
        else:
            region_loss.append(ServiceRecovery(
                service=item.service, type=item.type, rpo_minutes=None,
                rto_low_minutes=None, rto_high_minutes=None,
                path=("no copy outside the region: set forge-infra:dr (docs/DISASTER_RECOVERY.md)"
                      if item.type in loss["copies"]
                      else "not copied across regions by forge-infra"),
                source="forge-infra:dr"))
    return Recovery(in_region=in_region, region_loss=region_loss, dr_region=dr_region,
                    mode=mode, rto_target_hours=rto_target, rpo_target_hours=rpo_target)


def _span(minutes: float | None) -> str:
    if minutes is None:
        return "none"
    return f"{minutes:.0f} min" if minutes < 120 else f"{minutes / 60:.1f} h"


def render_recovery(recovery: Recovery) -> str:
    """The recovery lines of `plan --timeline`."""
    where = (f"dr {recovery.mode} to {recovery.dr_region}" if recovery.dr_region
             else "no dr: nothing is copied outside the region")
    verdict = "within" if recovery.meets_targets else "MISSES"
    lines = [f"  recover from losing the region ({where}): {verdict} the targets "
             f"(RTO {recovery.rto_target_hours:g} h, RPO {recovery.rpo_target_hours:g} h)"]
    for item in recovery.region_loss:
        if item.rto_high_minutes is None:
            lines.append(f"    {item.service}: not recoverable; {item.path}")
            continue
        rpo = "rebuilt empty" if item.rpo_minutes is None else _span(item.rpo_minutes)
        lines.append(f"    {item.service}: RPO {rpo}, RTO {_span(item.rto_low_minutes)} to "
                     f"{_span(item.rto_high_minutes)}; {item.path}")
    lines.append("  recover within the region:")
    for item in recovery.in_region:
        rpo = "what producers replay" if item.rpo_minutes is None else _span(item.rpo_minutes)
        lines.append(f"    {item.service}: RPO {rpo}, RTO {_span(item.rto_low_minutes)} to "
                     f"{_span(item.rto_high_minutes)}; {item.path}")
    return "\n".join(lines)
