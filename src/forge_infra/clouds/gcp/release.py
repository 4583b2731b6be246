"""Cloud Run's release driver: what `forge-infra release` steps on a GCP stack.

`CloudRunReleaseDriver` implements `forge_infra.release.controller.ReleaseDriver` for the
stack's Cloud Run services (gateway, api, ui: those that take requests; the worker pool and the
migration job take no traffic). Every cloud call goes through the injected `CommandRunner`:

* the service, its traffic and its newest revision: `gcloud run services describe NAME
  --region R --project P --format=json`, which prints the Cloud Run Admin API v1 `Service`
  (serving.knative.dev/v1): `status.traffic[]` (`revisionName`, `percent`, `latestRevision`,
  `tag`), `status.latestCreatedRevisionName`, `status.latestReadyRevisionName`
  (https://cloud.google.com/run/docs/reference/rest/v1/namespaces.services, ServiceStatus and
  TrafficTarget; `status.traffic` "will always contain RevisionName references"; read
  2026-12-02);
* a revision's readiness: `gcloud run revisions describe REVISION --region R --project P
  --format=json`, the v1 `Revision` whose `status.conditions[]` holds `{"type": "Ready",
  "status": "True"}` once it can serve
  (https://cloud.google.com/run/docs/reference/rest/v1/namespaces.revisions, read 2026-12-02);
* the split: `gcloud run services update-traffic NAME --region R --project P --to-revisions
  A=p,B=q` (https://cloud.google.com/sdk/gcloud/reference/run/services/update-traffic and
  https://cloud.google.com/run/docs/rollouts-rollbacks-traffic-migration, read 2026-12-02).
  gcloud drops a 0% target that has no tag from the service's traffic list
  (googlecloudsdk/api_lib/run/traffic.py, `TrafficTargets.UpdateTraffic`: "The update removes
  targets with 0% traffic unless ... The 0% target has a tag"), so `--to-revisions NEW=100`
  leaves the old revision out of the list;
* the 5xx share: Cloud Monitoring's `run.googleapis.com/request_count` (DELTA, INT64, on the
  monitored resource `cloud_run_revision` with labels `service_name` and `revision_name`;
  metric label `response_code_class`, "1xx".."5xx"), read through the REST method
  `projects.timeSeries.list` (https://cloud.google.com/monitoring/api/ref_v3/rest/v3/
  projects.timeSeries/list: `filter`, `interval.startTime`, `interval.endTime`,
  `aggregation.alignmentPeriod`, `aggregation.perSeriesAligner`,
  `aggregation.crossSeriesReducer`, `aggregation.groupByFields`; the response's
  `timeSeries[].points[]` with `interval.endTime` and `value.int64Value`, an int64 written as
  a JSON string; read 2026-12-02) with `curl` and a token from `gcloud auth
  print-access-token`. gcloud has no command that reads time series (`gcloud monitoring`
  manages policies, channels, dashboards and uptime checks:
  https://cloud.google.com/sdk/gcloud/reference/monitoring, read 2026-12-02). The token
  reaches curl in a header file readable by the user only (`--header @FILE`, curl >= 7.55),
  never on the command line a failure message repeats.

Metric delay: Cloud Run's request metrics are "Sampled every 60 seconds. After sampling, data
is not visible for up to 180 seconds" (Cloud Monitoring's metric list for Cloud Run,
https://cloud.google.com/monitoring/api/metrics_gcp_p_z#gcp-run, read 2026-12-02; the Knative
serving `revision/request_count` on https://cloud.google.com/monitoring/api/metrics_knative
states the same 60 s / 180 s), so a one-minute period is read 3 minutes after it ends
(`SIGNAL_DELAY_MINUTES`).

Pinning: a service Pulumi created follows its latest revision (100% LATEST). The first call of
`revisions` on such a service pins its traffic to the revision serving it (`--to-revisions
REV=100`): from then on "all subsequent deployments use that traffic split pattern" (the
rollouts page above, "Lifecycle of traffic splits"), so a revision a later `pulumi up` creates
gets no traffic until a release steps it in.

Retiring: the services set their minimum instances on the revision template
(`template.scaling.min_instance_count`), and Cloud Run starts a revision's minimum instances
"whenever the revision is referenced in the traffic split (even at 0%) or has a traffic tag"
(https://cloud.google.com/run/docs/configuring/min-instances, "Revisions and minimum
instances", read 2026-12-02). gcloud already removed the untagged 0% target when the traffic
moved, so `retire` removes only what still references the revision: its tags (set by hand, for
a tagged URL). A retired revision then keeps no idle instance and costs nothing; it stays
listed, as Cloud Run keeps revisions, to roll back to by hand.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from forge_infra.release.controller import CommandRunner, ReleaseError, Revisions

#: Minutes after its end that a one-minute period of `run.googleapis.com/request_count` is
#: readable: sampled every 60 s, then up to 180 s before it is visible (module docstring).
SIGNAL_DELAY_MINUTES = 3
#: The Cloud Monitoring metric and monitored resource the 5xx share is read from.
REQUEST_COUNT = "run.googleapis.com/request_count"
REVISION_RESOURCE = "cloud_run_revision"
#: `projects.timeSeries.list` (Cloud Monitoring API v3).
TIME_SERIES_URL = "https://monitoring.googleapis.com/v3/projects/{project}/timeSeries"
#: The `pulumi stack output` a GCP stack exports for this driver (forge_infra.clouds.gcp.target).
RELEASE_TARGETS = "release_targets"
_HOW_TO_GET = ("write the outputs with `pulumi stack output --json --stack <stack> > FILE` "
               "after a `pulumi up` of this version of forge-infra")


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class CloudRunReleaseDriver:
    """The `ReleaseDriver` of a GCP stack's Cloud Run services (see the module docstring)."""

    def __init__(self, *, project: str, region: str, services: Mapping[str, str],
                 runner: CommandRunner, now: Callable[[], datetime] = _utc_now) -> None:
        """`services` maps each released service (gateway, api, ui) to its Cloud Run name;
        `now` is the wall clock the metric window is computed from (UTC)."""
        self.project = project
        self.region = region
        self.cloud_run_names = dict(services)
        self.runner = runner
        self.now = now

    @property
    def signal_delay_minutes(self) -> int:
        """`SIGNAL_DELAY_MINUTES`."""
        return SIGNAL_DELAY_MINUTES

    # -- commands --------------------------------------------------------------------------

    def _where(self) -> list[str]:
        return ["--region", self.region, "--project", self.project]

    def _json(self, argv: Sequence[str]) -> Any:
        out = self.runner(argv)
        try:
            return json.loads(out)
        except json.JSONDecodeError as exc:
            raise ReleaseError(f"`{' '.join(argv[:4])}` did not print JSON ({exc.msg})") from exc

    def _name(self, service: str) -> str:
        try:
            return self.cloud_run_names[service]
        except KeyError:
            raise ReleaseError(f"{service} is not one of the stack's Cloud Run services "
                               f"({', '.join(self.cloud_run_names)})") from None

    def describe(self, service: str) -> dict[str, Any]:
        """`gcloud run services describe` of the service, as the v1 `Service` JSON."""
        described = self._json(["gcloud", "run", "services", "describe", self._name(service),
                                *self._where(), "--format=json"])
        if not isinstance(described, dict):
            raise ReleaseError(f"{service}: `gcloud run services describe` printed no object")
        return described

    def _update_traffic(self, service: str, *flags: str) -> None:
        self.runner(["gcloud", "run", "services", "update-traffic", self._name(service),
                     *self._where(), *flags])

    # -- ReleaseDriver ---------------------------------------------------------------------

    def services(self) -> list[str]:
        """The Cloud Run services that take requests (gateway, api, ui), in export order."""
        return list(self.cloud_run_names)

    def revisions(self, service: str) -> Revisions:
        """The revision serving (most of) the traffic and the newest one created, when it is
        another. A service still following its latest revision is pinned to it first."""
        status = self.describe(service).get("status") or {}
        newest = status.get("latestCreatedRevisionName")
        serving: dict[str, int] = {}
        follows_latest = False
        for target in status.get("traffic") or []:
            percent = int(target.get("percent") or 0)
            if not percent:
                continue
            revision = target.get("revisionName")
            if not revision:
                raise ReleaseError(f"{service}: a traffic target of {percent}% names no "
                                   "revision in `gcloud run services describe`")
            serving[revision] = serving.get(revision, 0) + percent
            follows_latest = follows_latest or bool(target.get("latestRevision"))
        if follows_latest:
            self._update_traffic(service, "--to-revisions", ",".join(
                f"{revision}={percent}" for revision, percent in serving.items()))
        older = {r: p for r, p in serving.items() if r != newest}
        if older:
            stable: str | None = max(older, key=lambda r: (older[r], r))
        else:
            stable = newest if newest in serving else None
        candidate = newest if newest and newest != stable else None
        return Revisions(stable=stable, candidate=candidate)

    def ready(self, service: str, revision: str) -> bool:
        """Whether the revision's `Ready` condition is "True"."""
        described = self._json(["gcloud", "run", "revisions", "describe", revision,
                                *self._where(), "--format=json"])
        conditions = ((described or {}).get("status") or {}).get("conditions") or []
        return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)

    def set_traffic(self, service: str, stable: str | None, candidate: str,
                    percent: int) -> None:
        """`update-traffic --to-revisions CANDIDATE=p,STABLE=100-p` (one revision at 100
        when the other would get 0: gcloud then drops the other from the list)."""
        if not 0 <= percent <= 100:
            raise ReleaseError(f"{service}: traffic {percent}% outside 0..100")
        if stable is None or percent == 100:
            split = f"{candidate}=100"
        elif percent == 0:
            split = f"{stable}=100"
        else:
            split = f"{candidate}={percent},{stable}={100 - percent}"
        self._update_traffic(service, "--to-revisions", split)

    def error_percents(self, service: str, revision: str, minutes: int) -> list[float | None]:
        """The revision's 5xx share of each of the last `minutes` readable one-minute
        periods, oldest first (None: no request in the period)."""
        end = _minute(self.now() - timedelta(minutes=SIGNAL_DELAY_MINUTES))
        start = end - timedelta(minutes=minutes)
        query = urllib.parse.urlencode({
            "filter": (f'metric.type="{REQUEST_COUNT}" AND resource.type="{REVISION_RESOURCE}"'
                       f' AND resource.labels.service_name="{self._name(service)}"'
                       f' AND resource.labels.revision_name="{revision}"'),
            "interval.startTime": _rfc3339(start),
            "interval.endTime": _rfc3339(end),
            "aggregation.alignmentPeriod": "60s",
            "aggregation.perSeriesAligner": "ALIGN_DELTA",
            "aggregation.crossSeriesReducer": "REDUCE_SUM",
            "aggregation.groupByFields": "metric.labels.response_code_class",
        })
        url = f"{TIME_SERIES_URL.format(project=self.project)}?{query}"
        token = self.runner(["gcloud", "auth", "print-access-token"]).strip()
        if not token:
            raise ReleaseError("`gcloud auth print-access-token` printed no token: log in with "
                               "`gcloud auth login` (or workload identity federation in CI)")
        with _header_file(f"Authorization: Bearer {token}\n") as header:
            listed = self._json(["curl", "--silent", "--show-error", "--fail-with-body",
                                 "--header", f"@{header}", url])
        periods = [start + timedelta(minutes=i + 1) for i in range(minutes)]
        return per_period_5xx_percent(listed, periods)

    def retire(self, service: str, revision: str) -> None:
        """Make sure nothing references the revision any more, so its revision-level
        minimum instances stop (module docstring): remove its tags; refuse if it still
        takes traffic."""
        status = self.describe(service).get("status") or {}
        targets = [t for t in status.get("traffic") or [] if t.get("revisionName") == revision]
        taking = sum(int(t.get("percent") or 0) for t in targets)
        if taking:
            raise ReleaseError(f"{service}: {revision} still takes {taking}% of the traffic; "
                               "it cannot be retired")
        tags = sorted({t["tag"] for t in targets if t.get("tag")})
        if tags:
            self._update_traffic(service, "--remove-tags", ",".join(tags))


@contextlib.contextmanager
def _header_file(content: str) -> Iterator[str]:
    """A file only the user can read holding `content` (curl's `--header @FILE`), removed
    afterwards."""
    descriptor, path = tempfile.mkstemp(prefix="forge-release-", suffix=".header")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(content)
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def per_period_5xx_percent(listed: Any, periods: Sequence[datetime]) -> list[float | None]:
    """The 5xx share of each period (by its end time) in a `timeSeries.list` answer grouped by
    `response_code_class`; None for a period without requests."""
    if not isinstance(listed, dict):
        raise ReleaseError("Cloud Monitoring's timeSeries.list answered no JSON object")
    total: dict[datetime, int] = {}
    errors: dict[datetime, int] = {}
    for series in listed.get("timeSeries") or []:
        code_class = ((series.get("metric") or {}).get("labels") or {}).get(
            "response_code_class")
        for point in series.get("points") or []:
            ended = _minute(datetime.fromisoformat(point["interval"]["endTime"]))
            count = int((point.get("value") or {}).get("int64Value") or 0)
            total[ended] = total.get(ended, 0) + count
            if code_class == "5xx":
                errors[ended] = errors.get(ended, 0) + count
    shares: list[float | None] = []
    for ended in periods:
        requests = total.get(ended, 0)
        shares.append(100.0 * errors.get(ended, 0) / requests if requests else None)
    return shares


def driver_from_outputs(outputs: Mapping[str, Any], runner: CommandRunner,
                        now: Callable[[], datetime] = _utc_now) -> CloudRunReleaseDriver:
    """The driver of the deployed stack whose `pulumi stack output --json` is `outputs`."""
    targets = outputs.get(RELEASE_TARGETS)
    if targets is None:
        raise ReleaseError(f"the stack outputs have no {RELEASE_TARGETS!r}; {_HOW_TO_GET}")
    if not isinstance(targets, dict):
        raise ReleaseError(f"output {RELEASE_TARGETS!r} is not an object; {_HOW_TO_GET}")
    missing = [key for key in ("project", "region", "services") if not targets.get(key)]
    if missing:
        raise ReleaseError(f"output {RELEASE_TARGETS!r} lacks {', '.join(missing)}; "
                           f"{_HOW_TO_GET}")
    services = targets["services"]
    if not isinstance(services, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and v for k, v in services.items()):
        raise ReleaseError(f"output {RELEASE_TARGETS}.services must map each service to its "
                           f"Cloud Run name; {_HOW_TO_GET}")
    return CloudRunReleaseDriver(project=str(targets["project"]), region=str(targets["region"]),
                                 services=services, runner=runner, now=now)
