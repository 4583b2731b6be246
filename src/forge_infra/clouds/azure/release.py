"""`forge-infra release` on Container Apps: the driver of the release controller.

Container Apps holds traffic weights between the active revisions of an app in multiple
revision mode but steps nothing itself; this driver reads and sets them with the Azure CLI,
and reads a revision's 5xx share from Azure Monitor's platform metrics. Every call goes
through the injected `CommandRunner`, so the tests replace the CLI with recorded JSON.

The commands and the shapes of their output (read 2026-12-02):

* `az containerapp revision list --name APP --resource-group RG --output json`: the app's
  active revisions (inactive ones only with `--all`), each a Revision resource: `name`
  (`<app>--<suffix>`, https://learn.microsoft.com/azure/container-apps/revisions, "Revision
  suffix") and `properties` with `active`, `createdTime`, `trafficWeight`, `healthState`
  (Healthy | Unhealthy | None), `provisioningState` (Provisioning | Provisioned | Failed |
  Deprovisioning | Deprovisioned) and `runningState` (Azure REST API Revision schema,
  Microsoft.App; https://learn.microsoft.com/cli/azure/containerapp/revision).
* `az containerapp ingress traffic show --name APP --resource-group RG --output json`: the
  ingress's traffic weights, `[{"latestRevision": true, "weight": 100}]` as the app is
  created, `[{"revisionName": ..., "weight": ...}]` once pinned.
* `az containerapp ingress traffic set --name APP --resource-group RG --revision-weight
  REV=95 REV2=5`: weights by revision name, adding up to 100
  (https://learn.microsoft.com/cli/azure/containerapp/ingress/traffic;
  https://learn.microsoft.com/azure/container-apps/traffic-splitting: "The combined weight
  of all traffic split rules must equal 100%").
* `az containerapp revision deactivate --revision REV --name APP --resource-group RG`: an
  inactive revision runs no replicas and is not charged ("You are not charged for inactive
  revisions", https://learn.microsoft.com/azure/container-apps/revisions).
* `az monitor metrics list --resource ID --metric Requests --filter "revisionName eq 'REV'
  and statusCodeCategory eq '*'" --interval PT1M --aggregation Total --start-time T0
  --end-time T1 --output json`: the `Requests` metric of Microsoft.App/containerapps, count,
  dimensions `revisionName`, `podName`, `statusCodeCategory`, `statusCode`, time grain PT1M
  (https://learn.microsoft.com/azure/azure-monitor/reference/supported-metrics/microsoft-app-containerapps-metrics);
  `eq '*'` splits one time series per status code category
  (https://learn.microsoft.com/cli/azure/monitor/metrics). The answer is
  `{"value": [{"name": {"value": "Requests"}, "timeseries": [{"metadatavalues": [{"name":
  {"value": "statuscodecategory"}, "value": "5xx"}, ...], "data": [{"timeStamp": ...,
  "total": ...}, ...]}]}]}`; dimension names may come back in lower case.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from forge_infra.release.controller import CommandRunner, ReleaseError, Revisions

#: Minutes after which a one-minute period of a platform metric is readable. Microsoft's
#: pages found give no figure for the delay of platform metrics (the Azure Monitor Metrics
#: overview, https://learn.microsoft.com/azure/azure-monitor/essentials/data-platform-metrics,
#: only says they are collected at one-minute frequency, read 2026-12-02); Dynatrace's Azure
#: Monitor poller reads with a 5-minute delay "as Azure Monitor is an eventually consistent
#: metrics API, Azure Monitor takes few minutes (late aggregations) to make the latest
#: data-points available" (https://docs.dynatrace.com/docs/ingest-from/microsoft-azure-services/ingest-telemetry/azure-monitor-metrics-pp,
#: read 2026-12-02). The conservative 5 is used: a step holds 5 more minutes.
AZURE_MONITOR_DELAY_MINUTES = 5
#: The output `forge-infra release` reads (the Azure target exports it).
RELEASE_TARGETS_OUTPUT = "release_targets"
#: The metric and its dimensions (supported metrics of Microsoft.App/containerapps, above).
REQUESTS_METRIC = "Requests"
REVISION_DIMENSION = "revisionName"
STATUS_CATEGORY_DIMENSION = "statusCodeCategory"
SERVER_ERRORS = "5xx"
#: A revision is ready when it is active, provisioned, healthy and running: the running
#: states with replicas serving (https://learn.microsoft.com/azure/container-apps/revisions,
#: "Running status": Running; Running (at max); Scaling / Processing, "one or more replicas
#: are running, while other replicas are being provisioned").
READY_RUNNING_STATES = frozenset({"Running", "RunningAtMaxScale", "Processing"})


@dataclasses.dataclass(frozen=True)
class ReleaseTarget:
    """One container app the release steps."""

    app: str
    """The container app's name."""
    resource_id: str
    """Its ARM id (the Azure Monitor resource of its metrics)."""


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class ContainerAppsReleaseDriver:
    """The `ReleaseDriver` of Container Apps: revisions, traffic weights and deactivation
    through `az containerapp`, the 5xx share through `az monitor metrics list`."""

    def __init__(self, resource_group: str, targets: Mapping[str, ReleaseTarget],
                 runner: CommandRunner, *,
                 now: Callable[[], datetime.datetime] = _utcnow,
                 delay_minutes: int = AZURE_MONITOR_DELAY_MINUTES) -> None:
        self.resource_group = resource_group
        self.targets = dict(targets)
        self.runner = runner
        self.now = now
        self.delay_minutes = delay_minutes

    @classmethod
    def from_outputs(cls, outputs: Mapping[str, Any], runner: CommandRunner,
                     **kwargs: Any) -> ContainerAppsReleaseDriver:
        """The driver of a deployed stack from its `pulumi stack output --json`;
        `ReleaseError` naming the output when it is missing or malformed."""
        raw = outputs.get(RELEASE_TARGETS_OUTPUT)
        how = ("write the outputs with `pulumi stack output --json > FILE` after a `pulumi "
               "up` of this version of forge-infra")
        if raw is None:
            raise ReleaseError(f"the stack outputs have no {RELEASE_TARGETS_OUTPUT!r}; {how}")
        try:
            group = raw["resource_group"]
            services = raw["services"]
            targets = {name: ReleaseTarget(app=str(entry["app"]),
                                           resource_id=str(entry["resource_id"]))
                       for name, entry in services.items()}
        except (KeyError, TypeError, AttributeError) as exc:
            raise ReleaseError(f"output {RELEASE_TARGETS_OUTPUT!r} lacks {exc}: expected "
                               "{resource_group, services: {name: {app, resource_id}}}; "
                               f"{how}") from exc
        if not isinstance(group, str) or not group:
            raise ReleaseError(f"output {RELEASE_TARGETS_OUTPUT!r}.resource_group is empty; "
                               f"{how}")
        return cls(group, targets, runner, **kwargs)

    # -- ReleaseDriver ------------------------------------------------------------------------

    @property
    def signal_delay_minutes(self) -> int:
        """`AZURE_MONITOR_DELAY_MINUTES` unless given."""
        return self.delay_minutes

    def services(self) -> list[str]:
        """The apps with ingress, in the order the stack exported them."""
        return list(self.targets)

    def revisions(self, service: str) -> Revisions:
        """The active revision with the largest weight (stable) and the newest active one
        (candidate, when it is another). When nothing is new and the weights still follow
        `latestRevision` (as the app was created), they are pinned to the stable revision
        by name first, so the next `pulumi up` gives its new revision no traffic."""
        listed = [r for r in self._list(service) if _props(r).get("active")]
        serving = [r for r in listed if _weight(r) > 0]
        stable = max(serving, key=_weight)["name"] if serving else None
        newest = max(listed, key=_created, default=None)
        candidate = newest["name"] if newest is not None else None
        if candidate == stable:
            candidate = None
        if candidate is None and stable is not None and self._follows_latest(service):
            self._set(service, {stable: 100})
        return Revisions(stable=stable, candidate=candidate)

    def ready(self, service: str, revision: str) -> bool:
        """Active, provisioned, healthy, with replicas running."""
        for listed in self._list(service):
            if listed.get("name") == revision:
                props = _props(listed)
                return (bool(props.get("active"))
                        and props.get("provisioningState") == "Provisioned"
                        and props.get("healthState") == "Healthy"
                        and props.get("runningState") in READY_RUNNING_STATES)
        return False

    def set_traffic(self, service: str, stable: str | None, candidate: str,
                    percent: int) -> None:
        """Weights by revision name; a share of 0 is left out (it gets none)."""
        if not 0 <= percent <= 100:
            raise ReleaseError(f"{service}: traffic share {percent} outside 0..100")
        if stable is None:
            weights = {candidate: 100}
        else:
            weights = {stable: 100 - percent, candidate: percent}
        self._set(service, {name: w for name, w in weights.items() if w > 0})

    def error_percents(self, service: str, revision: str, minutes: int) -> list[float | None]:
        """The revision's 5xx share in each of the last `minutes` one-minute periods that
        are readable (`signal_delay_minutes` before now), oldest first; None for a minute
        without requests."""
        if minutes < 1:
            return []
        end = self.now().astimezone(datetime.UTC).replace(second=0, microsecond=0) \
            - datetime.timedelta(minutes=self.delay_minutes)
        start = end - datetime.timedelta(minutes=minutes)
        target = self._target(service)
        answer = self._json(service, [
            "az", "monitor", "metrics", "list",
            "--resource", target.resource_id,
            "--metric", REQUESTS_METRIC,
            "--filter", f"{REVISION_DIMENSION} eq '{revision}' and "
                        f"{STATUS_CATEGORY_DIMENSION} eq '*'",
            "--interval", "PT1M",
            "--aggregation", "Total",
            "--start-time", _timestamp(start),
            "--end-time", _timestamp(end),
            "--output", "json"])
        totals: dict[datetime.datetime, float] = {}
        errors: dict[datetime.datetime, float] = {}
        for metric in _list_of(answer.get("value") if isinstance(answer, dict) else None):
            for series in _list_of(metric.get("timeseries")):
                category = _dimension(series, STATUS_CATEGORY_DIMENSION)
                for point in _list_of(series.get("data")):
                    total = point.get("total")
                    if total is None:
                        continue
                    stamp = _parse_time(point.get("timeStamp"), service)
                    totals[stamp] = totals.get(stamp, 0.0) + float(total)
                    if category == SERVER_ERRORS:
                        errors[stamp] = errors.get(stamp, 0.0) + float(total)
        shares: list[float | None] = []
        for i in range(minutes):
            stamp = start + datetime.timedelta(minutes=i)
            total = totals.get(stamp, 0.0)
            shares.append(None if total <= 0 else 100.0 * errors.get(stamp, 0.0) / total)
        return shares

    def retire(self, service: str, revision: str) -> None:
        """Deactivate the revision: an active one keeps its minimum replicas running and
        billed."""
        target = self._target(service)
        self.runner(["az", "containerapp", "revision", "deactivate",
                     "--revision", revision,
                     "--name", target.app,
                     "--resource-group", self.resource_group])

    # -- helpers ------------------------------------------------------------------------------

    def _target(self, service: str) -> ReleaseTarget:
        try:
            return self.targets[service]
        except KeyError:
            raise ReleaseError(f"no container app for service {service!r} in output "
                               f"{RELEASE_TARGETS_OUTPUT!r}") from None

    def _list(self, service: str) -> list[dict[str, Any]]:
        target = self._target(service)
        answer = self._json(service, [
            "az", "containerapp", "revision", "list",
            "--name", target.app,
            "--resource-group", self.resource_group,
            "--output", "json"])
        if not isinstance(answer, list):
            raise ReleaseError(f"{service}: `az containerapp revision list` gave "
                               f"{type(answer).__name__}, not a list of revisions")
        return [r for r in answer if isinstance(r, dict) and isinstance(r.get("name"), str)]

    def _follows_latest(self, service: str) -> bool:
        target = self._target(service)
        answer = self._json(service, [
            "az", "containerapp", "ingress", "traffic", "show",
            "--name", target.app,
            "--resource-group", self.resource_group,
            "--output", "json"])
        return any(isinstance(w, dict) and w.get("latestRevision") for w in _list_of(answer))

    def _set(self, service: str, weights: Mapping[str, int]) -> None:
        target = self._target(service)
        self.runner(["az", "containerapp", "ingress", "traffic", "set",
                     "--name", target.app,
                     "--resource-group", self.resource_group,
                     "--revision-weight", *(f"{name}={w}" for name, w in weights.items())])

    def _json(self, service: str, argv: Sequence[str]) -> Any:
        out = self.runner(argv)
        try:
            return json.loads(out or "null")
        except json.JSONDecodeError as exc:
            raise ReleaseError(f"{service}: `{' '.join(argv[:4])}` did not answer JSON "
                               f"({exc.msg})") from exc


def _props(revision: Mapping[str, Any]) -> Mapping[str, Any]:
    props = revision.get("properties")
    return props if isinstance(props, dict) else {}


def _created(revision: Mapping[str, Any]) -> datetime.datetime:
    value = _props(revision).get("createdTime")
    if not isinstance(value, str):
        return datetime.datetime.min.replace(tzinfo=datetime.UTC)
    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return datetime.datetime.min.replace(tzinfo=datetime.UTC)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=datetime.UTC)


def _weight(revision: Mapping[str, Any]) -> int:
    weight = _props(revision).get("trafficWeight")
    return int(weight) if isinstance(weight, int | float) else 0


def _list_of(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _dimension(series: Mapping[str, Any], name: str) -> str | None:
    for entry in _list_of(series.get("metadatavalues")):
        key = entry.get("name")
        key_name = key.get("value") if isinstance(key, dict) else key
        if isinstance(key_name, str) and key_name.lower() == name.lower():
            value = entry.get("value")
            return str(value) if value is not None else None
    return None


def _timestamp(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(value: Any, service: str) -> datetime.datetime:
    if not isinstance(value, str):
        raise ReleaseError(f"{service}: a metric point without a timeStamp: {value!r}")
    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ReleaseError(f"{service}: a metric point's timeStamp {value!r} is not ISO "
                           "8601") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(datetime.UTC).replace(second=0, microsecond=0)
