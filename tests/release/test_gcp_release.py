"""Cloud Run's release driver (forge_infra.clouds.gcp.release) over a fake `gcloud` and `curl`:
the exact command lines, the parsing of what they print, and whole releases (promoted, rolled
back) through the controller.

The fake answers with JSON shaped as the real commands print it: `gcloud run services describe
--format=json` and `gcloud run revisions describe --format=json` print the Cloud Run Admin API
v1 objects (https://cloud.google.com/run/docs/reference/rest/v1/namespaces.services and
.../namespaces.revisions), and Cloud Monitoring's `timeSeries.list` answers `timeSeries[]` with
`points[]` newest first, int64 values as strings
(https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.timeSeries/list).
`update-traffic` keeps gcloud's rule that an untagged 0% target leaves the list
(googlecloudsdk/api_lib/run/traffic.py). What this does not prove: that Cloud Run and
Monitoring answer so on a real project.
"""

from __future__ import annotations

import dataclasses
import json
import urllib.parse
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from forge_components.contracts import RolloutSpec
from forge_infra.clouds.gcp.release import (
    SIGNAL_DELAY_MINUTES,
    CloudRunReleaseDriver,
    driver_from_outputs,
)
from forge_infra.clouds.gcp.target import TARGET
from forge_infra.config import load_stack_file
from forge_infra.release.controller import ReleaseError, Revisions, run_release
from tests.conftest import ROOT
from tests.release.fakes import FakeClock

PROJECT = "forge-gcp-prod-000000"
REGION = "europe-west1"
START = datetime(2026, 12, 2, 17, 0, 0, tzinfo=UTC)
TOKEN = "ya29.fake-token"
NAMES = {"gateway": "forge-gcp-prod-gateway-1a2b3c4", "api": "forge-gcp-prod-api-5d6e7f8",
         "ui": "forge-gcp-prod-ui-9a0b1c2"}


def revision_json(name: str, ready: bool) -> dict[str, Any]:
    """A `gcloud run revisions describe --format=json` answer."""
    return {
        "apiVersion": "serving.knative.dev/v1", "kind": "Revision",
        "metadata": {"name": name, "namespace": "123456789012",
                     "labels": {"serving.knative.dev/service": name.rsplit("-", 2)[0]}},
        "spec": {"containerConcurrency": 80, "timeoutSeconds": 300},
        "status": {"observedGeneration": 1, "conditions": [
            {"type": "Ready", "status": "True" if ready else "Unknown",
             "lastTransitionTime": "2026-12-02T16:58:12.123456Z",
             **({} if ready else {"reason": "Deploying"})},
            {"type": "ContainerHealthy", "status": "True" if ready else "Unknown"},
            {"type": "ResourcesAvailable", "status": "True"}]},
    }


@dataclasses.dataclass
class FakeService:
    """One Cloud Run service: its revisions and traffic targets (v1 TrafficTarget dicts)."""

    name: str
    newest: str
    traffic: list[dict[str, Any]]
    ready: set[str] = dataclasses.field(default_factory=set)

    def describe(self) -> dict[str, Any]:
        """A `gcloud run services describe --format=json` answer."""
        return {
            "apiVersion": "serving.knative.dev/v1", "kind": "Service",
            "metadata": {"name": self.name, "namespace": "123456789012", "generation": 7},
            "spec": {"traffic": [{k: v for k, v in t.items() if k != "url"}
                                 for t in self.traffic]},
            "status": {
                "observedGeneration": 7,
                "conditions": [{"type": "Ready", "status": "True"},
                               {"type": "ConfigurationsReady", "status": "True"},
                               {"type": "RoutesReady", "status": "True"}],
                "latestCreatedRevisionName": self.newest,
                "latestReadyRevisionName": self.newest if self.newest in self.ready else None,
                "traffic": [dict(t) for t in self.traffic],
                "url": f"https://{self.name}-abcdefghij-ew.a.run.app",
                "address": {"url": f"https://{self.name}-abcdefghij-ew.a.run.app"},
            },
        }

    def update_traffic(self, split: dict[str, int]) -> None:
        """gcloud's `--to-revisions`: the named revisions get their share, an untagged 0%
        target leaves the list, tags stay as 0% targets."""
        assert sum(split.values()) == 100, split
        tags = [{"revisionName": t["revisionName"], "tag": t["tag"], "percent": 0}
                for t in self.traffic if t.get("tag")]
        self.traffic = [{"revisionName": r, "percent": p} for r, p in sorted(split.items())
                        if p] + tags

    def split(self) -> dict[str, int]:
        return {t["revisionName"]: t["percent"] for t in self.traffic if t.get("percent")}


@dataclasses.dataclass
class FakeCloud:
    """`gcloud` and `curl` against fake Cloud Run services and Cloud Monitoring; every argv is
    recorded. `requests(service, revision, minute)` gives (requests, 5xx) of a minute since
    START."""

    services: dict[str, FakeService]
    clock: FakeClock
    requests: Callable[[str, str, int], tuple[int, int]] = lambda _s, _r, _m: (200, 0)
    calls: list[list[str]] = dataclasses.field(default_factory=list)
    header: list[str] = dataclasses.field(default_factory=list)

    def now(self) -> datetime:
        return START + timedelta(seconds=self.clock.seconds)

    def by_name(self, name: str) -> FakeService:
        return next(s for s in self.services.values() if s.name == name)

    def __call__(self, argv: Sequence[str]) -> str:
        argv = list(argv)
        self.calls.append(argv)
        if argv[:2] == ["gcloud", "auth"]:
            return TOKEN + "\n"
        if argv[0] == "curl":
            header_file = Path(argv[argv.index("--header") + 1].removeprefix("@"))
            self.header.append(header_file.read_text())
            assert oct(header_file.stat().st_mode & 0o777) == "0o600"
            return json.dumps(self.time_series(argv[-1]))
        assert argv[-4:-2] == ["--region", REGION] or "--region" in argv, argv
        where = argv.index("--region")
        assert argv[where:where + 4] == ["--region", REGION, "--project", PROJECT], argv
        if argv[:4] == ["gcloud", "run", "services", "describe"]:
            assert argv[-1] == "--format=json"
            return json.dumps(self.by_name(argv[4]).describe())
        if argv[:4] == ["gcloud", "run", "revisions", "describe"]:
            service = next(s for s in self.services.values() if argv[4].startswith(s.name))
            return json.dumps(revision_json(argv[4], argv[4] in service.ready))
        if argv[:4] == ["gcloud", "run", "services", "update-traffic"]:
            service = self.by_name(argv[4])
            if "--remove-tags" in argv:
                gone = argv[argv.index("--remove-tags") + 1].split(",")
                service.traffic = [t for t in service.traffic if t.get("tag") not in gone]
            else:
                pairs = argv[argv.index("--to-revisions") + 1].split(",")
                service.update_traffic({p.split("=")[0]: int(p.split("=")[1]) for p in pairs})
            return ""
        raise AssertionError(f"unexpected command {argv}")

    def time_series(self, url: str) -> dict[str, Any]:
        """A `timeSeries.list` answer for the query in `url`, grouped by
        response_code_class, points newest first."""
        parsed = urllib.parse.urlparse(url)
        assert parsed.netloc == "monitoring.googleapis.com", url
        assert parsed.path == f"/v3/projects/{PROJECT}/timeSeries", url
        query = dict(urllib.parse.parse_qsl(parsed.query))
        filt = query["filter"]
        name = filt.split('resource.labels.service_name="')[1].split('"')[0]
        revision = filt.split('resource.labels.revision_name="')[1].split('"')[0]
        service = next(k for k, s in self.services.items() if s.name == name)
        start = datetime.fromisoformat(query["interval.startTime"])
        end = datetime.fromisoformat(query["interval.endTime"])
        # Nothing later than what Monitoring has made visible may be asked for.
        assert end <= self.now() - timedelta(minutes=SIGNAL_DELAY_MINUTES), (end, self.now())
        ok: list[dict[str, Any]] = []
        bad: list[dict[str, Any]] = []
        moment = end
        while moment > start:
            minute = int((moment - START).total_seconds() // 60) - 1
            total, errors = self.requests(service, revision, minute)
            interval = {"startTime": (moment - timedelta(minutes=1)).strftime(
                "%Y-%m-%dT%H:%M:%SZ"), "endTime": moment.strftime("%Y-%m-%dT%H:%M:%SZ")}
            if total - errors:
                ok.append({"interval": interval, "value": {"int64Value": str(total - errors)}})
            if errors:
                bad.append({"interval": interval, "value": {"int64Value": str(errors)}})
            moment -= timedelta(minutes=1)
        series = []
        for code_class, points in (("2xx", ok), ("5xx", bad)):
            if points:
                series.append({"metric": {"type": "run.googleapis.com/request_count",
                                          "labels": {"response_code_class": code_class}},
                               "resource": {"type": "cloud_run_revision",
                                            "labels": {"project_id": PROJECT}},
                               "metricKind": "DELTA", "valueType": "INT64", "points": points})
        return {"timeSeries": series, "unit": "1"} if series else {"unit": "1"}


def pinned(key: str, stable: str, newest: str) -> FakeService:
    return FakeService(NAMES[key], newest, [{"revisionName": stable, "percent": 100}],
                       ready={stable, newest})


def cloud_of(clock: FakeClock, **kwargs: Any) -> FakeCloud:
    return FakeCloud(services={
        key: pinned(key, f"{NAMES[key]}-00004-abc", f"{NAMES[key]}-00005-xyz")
        for key in NAMES}, clock=clock, **kwargs)


def driver_of(cloud: FakeCloud) -> CloudRunReleaseDriver:
    return CloudRunReleaseDriver(project=PROJECT, region=REGION, services=NAMES, runner=cloud,
                                 now=cloud.now)


def where() -> list[str]:
    return ["--region", REGION, "--project", PROJECT]


# -- the commands and their parsing --------------------------------------------------------


def test_revisions_reads_the_serving_and_the_newest_revision() -> None:
    cloud = cloud_of(FakeClock())
    driver = driver_of(cloud)
    assert driver.revisions("api") == Revisions(stable=f"{NAMES['api']}-00004-abc",
                                                candidate=f"{NAMES['api']}-00005-xyz")
    assert cloud.calls == [["gcloud", "run", "services", "describe", NAMES["api"], *where(),
                            "--format=json"]]


def test_a_service_following_its_latest_revision_is_pinned_and_has_nothing_new() -> None:
    cloud = cloud_of(FakeClock())
    rev = f"{NAMES['ui']}-00001-aaa"
    cloud.services["ui"] = FakeService(NAMES["ui"], rev, [
        {"latestRevision": True, "revisionName": rev, "percent": 100}], ready={rev})
    assert driver_of(cloud).revisions("ui") == Revisions(stable=rev, candidate=None)
    assert cloud.calls[-1] == ["gcloud", "run", "services", "update-traffic", NAMES["ui"],
                               *where(), "--to-revisions", f"{rev}=100"]
    assert cloud.services["ui"].traffic == [{"revisionName": rev, "percent": 100}]


def test_an_interrupted_split_resumes_from_the_older_revision() -> None:
    cloud = cloud_of(FakeClock())
    old, new = f"{NAMES['gateway']}-00004-abc", f"{NAMES['gateway']}-00005-xyz"
    cloud.services["gateway"].traffic = [{"revisionName": new, "percent": 50},
                                         {"revisionName": old, "percent": 50}]
    assert driver_of(cloud).revisions("gateway") == Revisions(stable=old, candidate=new)


def test_ready_reads_the_ready_condition() -> None:
    cloud = cloud_of(FakeClock())
    service = cloud.services["api"]
    service.ready.discard(service.newest)
    driver = driver_of(cloud)
    assert driver.ready("api", service.newest) is False
    service.ready.add(service.newest)
    assert driver.ready("api", service.newest) is True
    assert cloud.calls[-1] == ["gcloud", "run", "revisions", "describe", service.newest,
                               *where(), "--format=json"]


@pytest.mark.parametrize(("percent", "split"), [
    (5, "{new}=5,{old}=95"), (50, "{new}=50,{old}=50"), (100, "{new}=100"), (0, "{old}=100")])
def test_set_traffic_runs_update_traffic_to_revisions(percent: int, split: str) -> None:
    cloud = cloud_of(FakeClock())
    old, new = f"{NAMES['gateway']}-00004-abc", f"{NAMES['gateway']}-00005-xyz"
    driver_of(cloud).set_traffic("gateway", old, new, percent)
    assert cloud.calls == [["gcloud", "run", "services", "update-traffic", NAMES["gateway"],
                            *where(), "--to-revisions", split.format(new=new, old=old)]]


def test_error_percents_reads_request_count_per_minute_behind_the_metric_delay() -> None:
    clock = FakeClock()
    clock.seconds = 20 * 60 + 25  # 17:20:25: the newest readable minute ends at 17:17

    def requests(_service: str, _revision: str, minute: int) -> tuple[int, int]:
        return {14: (200, 10), 15: (0, 0), 16: (40, 40)}.get(minute, (999, 999))

    cloud = cloud_of(clock, requests=requests)
    new = f"{NAMES['api']}-00005-xyz"
    assert driver_of(cloud).error_percents("api", new, 3) == [5.0, None, 100.0]
    assert cloud.calls[0] == ["gcloud", "auth", "print-access-token"]
    curl = cloud.calls[1]
    assert curl[:6] == ["curl", "--silent", "--show-error", "--fail-with-body", "--header",
                        curl[5]] and TOKEN not in " ".join(curl)
    assert cloud.header == [f"Authorization: Bearer {TOKEN}\n"]
    assert not Path(curl[5].removeprefix("@")).exists(), "the token file outlived the call"
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(curl[-1]).query))
    assert query == {
        "filter": ('metric.type="run.googleapis.com/request_count" AND resource.type='
                   f'"cloud_run_revision" AND resource.labels.service_name="{NAMES["api"]}" '
                   f'AND resource.labels.revision_name="{new}"'),
        "interval.startTime": "2026-12-02T17:14:00Z",
        "interval.endTime": "2026-12-02T17:17:00Z",
        "aggregation.alignmentPeriod": "60s",
        "aggregation.perSeriesAligner": "ALIGN_DELTA",
        "aggregation.crossSeriesReducer": "REDUCE_SUM",
        "aggregation.groupByFields": "metric.labels.response_code_class",
    }


def test_no_time_series_means_no_requests_not_a_breach() -> None:
    cloud = cloud_of(FakeClock(), requests=lambda _s, _r, _m: (0, 0))
    cloud.clock.seconds = 600
    assert driver_of(cloud).error_percents("ui", "r", 3) == [None, None, None]


def test_retire_removes_tags_and_refuses_a_revision_that_takes_traffic() -> None:
    cloud = cloud_of(FakeClock())
    old, new = f"{NAMES['ui']}-00004-abc", f"{NAMES['ui']}-00005-xyz"
    service = cloud.services["ui"]
    service.traffic = [{"revisionName": new, "percent": 100},
                       {"revisionName": old, "percent": 0, "tag": "previous"}]
    driver = driver_of(cloud)
    driver.retire("ui", old)
    assert cloud.calls[-1] == ["gcloud", "run", "services", "update-traffic", NAMES["ui"],
                               *where(), "--remove-tags", "previous"]
    assert service.traffic == [{"revisionName": new, "percent": 100}]
    calls = len(cloud.calls)
    driver.retire("ui", old)  # nothing references it any more: only the describe
    assert len(cloud.calls) == calls + 1
    with pytest.raises(ReleaseError, match="still takes 100% of the traffic"):
        driver.retire("ui", new)


@pytest.mark.parametrize(("outputs", "message"), [
    ({}, "the stack outputs have no 'release_targets'; write the outputs with `pulumi stack "
         "output --json"),
    ({"release_targets": {"project": PROJECT, "region": REGION}}, "lacks services"),
    ({"release_targets": {"project": PROJECT, "region": REGION, "services": {"ui": 3}}},
     "must map each service to its Cloud Run name"),
])
def test_missing_outputs_name_the_key_and_how_to_get_it(outputs: dict[str, Any],
                                                        message: str) -> None:
    with pytest.raises(ReleaseError, match=message.replace("(", r"\(").replace("`", ".")):
        driver_from_outputs(outputs, lambda _argv: "")


def test_the_target_builds_the_driver_from_the_stack_outputs() -> None:
    config = load_stack_file("gcp-prod", ROOT)
    driver = TARGET.release_driver(config, {"release_targets": {
        "project": PROJECT, "region": REGION, "services": NAMES}}, lambda _argv: "")
    assert isinstance(driver, CloudRunReleaseDriver)
    assert driver.services() == ["gateway", "api", "ui"]
    assert driver.signal_delay_minutes == TARGET.release_signal_delay_minutes == 3


# -- whole releases through the controller -------------------------------------------------


def spec() -> RolloutSpec:
    return RolloutSpec(strategy="canary", steps=[5, 50, 100], bake_minutes=10,
                       http_5xx_percent=5.0, evaluation_minutes=3, unhealthy_targets=1)


def test_a_healthy_release_ends_with_the_new_revisions_alone_in_the_traffic() -> None:
    clock = FakeClock()
    cloud = cloud_of(clock, requests=lambda _s, _r, _m: (300, 1))
    outcome = run_release(driver_of(cloud), spec(), clock=clock)
    assert outcome.status == "promoted", outcome
    for key, service in cloud.services.items():
        assert service.traffic == [{"revisionName": service.newest, "percent": 100}], key
    splits = [c[-1] for c in cloud.calls
              if c[:4] == ["gcloud", "run", "services", "update-traffic"]
              and c[4] == NAMES["gateway"]]
    old, new = f"{NAMES['gateway']}-00004-abc", f"{NAMES['gateway']}-00005-xyz"
    assert splits == [f"{new}=5,{old}=95", f"{new}=50,{old}=50", f"{new}=100"]
    assert clock.seconds == 3 * (10 + SIGNAL_DELAY_MINUTES) * 60


def test_a_5xx_breach_rolls_every_service_back_to_its_previous_revision() -> None:
    clock = FakeClock()

    def requests(service: str, revision: str, minute: int) -> tuple[int, int]:
        # The api's new revision fails from minute 15 (during the 50% step).
        if service == "api" and revision.endswith("00005-xyz") and minute >= 15:
            return (100, 40)
        return (100, 0)

    cloud = cloud_of(clock, requests=requests)
    outcome = run_release(driver_of(cloud), spec(), clock=clock)
    assert outcome.status == "rolled_back", outcome
    assert f"api: {NAMES['api']}-00005-xyz answered 40.0%, 40.0%, 40.0% 5xx" in outcome.reason
    # Minutes 15, 16, 17 are readable at 17 + 1 + 3 = minute 21.
    assert clock.seconds == 21 * 60
    for key, service in cloud.services.items():
        assert service.traffic == [{"revisionName": f"{NAMES[key]}-00004-abc",
                                    "percent": 100}], key
    assert cloud.calls[-1] == ["gcloud", "run", "services", "describe", NAMES["ui"], *where(),
                               "--format=json"]


def test_a_candidate_that_never_becomes_ready_is_never_given_traffic() -> None:
    clock = FakeClock()
    cloud = cloud_of(clock)
    cloud.services["ui"].ready.discard(cloud.services["ui"].newest)
    outcome = run_release(driver_of(cloud), spec(), clock=clock, ready_timeout_minutes=5)
    assert outcome.status == "rolled_back" and "not ready after 5 min" in outcome.reason
    for key, service in cloud.services.items():
        assert service.split() == {f"{NAMES[key]}-00004-abc": 100}, key
    assert not [c for c in cloud.calls if "--to-revisions" in c
                and not c[-1].endswith("-00004-abc=100")]
