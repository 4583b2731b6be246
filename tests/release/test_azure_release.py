"""The Container Apps release driver over a fake Azure CLI: its exact command lines, its
reading of `az containerapp revision list` and `az monitor metrics list` output, and whole
releases (`run_release` with the real driver) that promote and that roll back.

The fake answers in the shapes the Azure CLI documents (forge_infra.clouds.azure.release
names the sources) and keeps the state a real app would: revisions, their activity and the
ingress weights, which only `az containerapp ingress traffic set` changes. What this does not
prove: that Azure accepts the commands, how soon a revision becomes healthy, or that Azure
Monitor's points arrive within the delay assumed.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from click.testing import CliRunner

from forge_infra.cli import main
from forge_infra.clouds.azure.release import (
    AZURE_MONITOR_DELAY_MINUTES,
    ContainerAppsReleaseDriver,
)
from forge_infra.clouds.azure.target import TARGET
from forge_infra.config import load_stack_file
from forge_infra.program import rollout_spec
from forge_infra.release.controller import ReleaseError, Revisions, run_release
from tests.conftest import ROOT
from tests.release.fakes import FakeClock

GROUP = "forge-azure-prod-rg"
SUB = "/subscriptions/00000000-0000-0000-0000-000000000000"
BASE = datetime.datetime(2026, 12, 2, 10, 0, tzinfo=datetime.UTC)
SERVICES = ("gateway", "api", "ui")


def app_of(service: str) -> str:
    return f"forge-azure-prod-{service}"


def app_id(service: str) -> str:
    return (f"{SUB}/resourceGroups/{GROUP}/providers/Microsoft.App/containerApps/"
            f"{app_of(service)}")


def outputs() -> dict[str, Any]:
    """`pulumi stack output --json` of azure-prod, the part the driver reads."""
    return {"release_targets": {
        "resource_group": GROUP,
        "services": {s: {"app": app_of(s), "resource_id": app_id(s)} for s in SERVICES}}}


@dataclasses.dataclass
class Revision:
    name: str
    created: datetime.datetime
    active: bool = True
    health: str = "Healthy"
    running: str = "Running"
    provisioning: str = "Provisioned"


@dataclasses.dataclass
class FakeAz:
    """Three apps, each with a serving revision `--stable` and a new one `--candidate`.
    `requests(app, revision, minute)` gives (requests, 5xx) of a minute after BASE."""

    clock: FakeClock
    requests: Callable[[str, str, int], tuple[int, int]] = lambda _a, _r, _m: (100, 0)
    latest_traffic: bool = False
    calls: list[list[str]] = dataclasses.field(default_factory=list)
    revisions: dict[str, list[Revision]] = dataclasses.field(default_factory=dict)
    weights: dict[str, dict[str, int]] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        for service in SERVICES:
            app = app_of(service)
            self.revisions[app] = [
                Revision(f"{app}--stable", BASE - datetime.timedelta(days=2)),
                Revision(f"{app}--candidate", BASE - datetime.timedelta(minutes=3))]
            self.weights[app] = {f"{app}--stable": 100}

    def now(self) -> datetime.datetime:
        return BASE + datetime.timedelta(seconds=self.clock.seconds)

    def __call__(self, argv: Sequence[str]) -> str:
        argv = list(argv)
        self.calls.append(argv)
        flags = _flags(argv)
        if argv[:4] == ["az", "containerapp", "revision", "list"]:
            app = flags["--name"][0]
            assert flags["--resource-group"] == [GROUP] and flags["--output"] == ["json"]
            return json.dumps([self._revision_json(app, r)
                               for r in self.revisions[app] if r.active])
        if argv[:5] == ["az", "containerapp", "ingress", "traffic", "show"]:
            app = flags["--name"][0]
            if self.latest_traffic:
                return json.dumps([{"latestRevision": True, "weight": 100}])
            return json.dumps([{"revisionName": n, "weight": w}
                               for n, w in self.weights[app].items()])
        if argv[:5] == ["az", "containerapp", "ingress", "traffic", "set"]:
            app = flags["--name"][0]
            weights = {pair.split("=")[0]: int(pair.split("=")[1])
                       for pair in flags["--revision-weight"]}
            assert sum(weights.values()) == 100, argv
            self.weights[app] = weights
            self.latest_traffic = False
            return json.dumps([{"revisionName": n, "weight": w} for n, w in weights.items()])
        if argv[:4] == ["az", "containerapp", "revision", "deactivate"]:
            app = flags["--name"][0]
            revision = flags["--revision"][0]
            found = [r for r in self.revisions[app] if r.name == revision]
            assert found, argv
            found[0].active = False
            return f'"Deactivate succeeded for revision {revision}"'
        if argv[:4] == ["az", "monitor", "metrics", "list"]:
            return json.dumps(self._metrics(flags))
        raise AssertionError(f"unexpected command {argv}")

    def _revision_json(self, app: str, r: Revision) -> dict[str, Any]:
        return {
            "id": f"{SUB}/resourceGroups/{GROUP}/providers/Microsoft.App/containerApps/{app}"
                  f"/revisions/{r.name}",
            "name": r.name,
            "properties": {
                "active": r.active,
                "createdTime": r.created.isoformat(),
                "fqdn": f"{r.name}.internal.example.eastus.azurecontainerapps.io",
                "healthState": r.health,
                "provisioningState": r.provisioning,
                "replicas": 2,
                "runningState": r.running,
                "template": {"containers": [{"image": "ghcr.io/forge/api:0.1.0",
                                             "name": "api"}]},
                "trafficWeight": self.weights[app].get(r.name, 0),
            },
            "resourceGroup": GROUP,
            "type": "Microsoft.App/containerApps/revisions",
        }

    def _metrics(self, flags: dict[str, list[str]]) -> dict[str, Any]:
        resource = flags["--resource"][0]
        app = resource.rsplit("/", 1)[1]
        assert flags["--metric"] == ["Requests"] and flags["--interval"] == ["PT1M"]
        assert flags["--aggregation"] == ["Total"]
        filt = flags["--filter"][0]
        revision = filt.split("'")[1]
        assert filt == f"revisionName eq '{revision}' and statusCodeCategory eq '*'"
        start = datetime.datetime.fromisoformat(flags["--start-time"][0].replace("Z", "+00:00"))
        end = datetime.datetime.fromisoformat(flags["--end-time"][0].replace("Z", "+00:00"))
        ok: list[dict[str, Any]] = []
        bad: list[dict[str, Any]] = []
        moment = start
        while moment < end:
            minute = int((moment - BASE).total_seconds() // 60)
            total, errors = self.requests(app, revision, minute)
            stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
            ok.append({"timeStamp": stamp, "total": float(total - errors)})
            bad.append({"timeStamp": stamp, "total": float(errors)})
            moment += datetime.timedelta(minutes=1)

        def series(category: str, data: list[dict[str, Any]]) -> dict[str, Any]:
            return {"metadatavalues": [
                {"name": {"localizedValue": "revisionname", "value": "revisionname"},
                 "value": revision},
                {"name": {"localizedValue": "statuscodecategory",
                          "value": "statuscodecategory"}, "value": category}],
                "data": data}

        return {"cost": 0, "interval": "PT1M", "namespace": "Microsoft.App/containerapps",
                "resourceregion": "eastus",
                "timespan": f"{flags['--start-time'][0]}/{flags['--end-time'][0]}",
                "value": [{"displayDescription": "Requests processed",
                           "errorCode": "Success", "id": f"{resource}/providers/"
                           "Microsoft.Insights/metrics/Requests",
                           "name": {"localizedValue": "Requests", "value": "Requests"},
                           "timeseries": [series("2xx", ok), series("5xx", bad)],
                           "type": "Microsoft.Insights/metrics", "unit": "Count"}]}


def _flags(argv: list[str]) -> dict[str, list[str]]:
    """`--flag v1 v2 --next ...` -> {"--flag": ["v1", "v2"], ...}."""
    found: dict[str, list[str]] = {}
    current: str | None = None
    for word in argv:
        if word.startswith("--"):
            current = word
            found[current] = []
        elif current is not None:
            found[current].append(word)
    return found


def driver_of(az: FakeAz) -> ContainerAppsReleaseDriver:
    return ContainerAppsReleaseDriver.from_outputs(outputs(), az, now=az.now)


# -- the command lines and their parsing ---------------------------------------------------


def test_revisions_reads_the_serving_and_the_newest_active_revision() -> None:
    az = FakeAz(FakeClock())
    driver = driver_of(az)
    app = app_of("api")
    assert driver.services() == ["gateway", "api", "ui"]
    assert driver.revisions("api") == Revisions(stable=f"{app}--stable",
                                                candidate=f"{app}--candidate")
    assert az.calls == [["az", "containerapp", "revision", "list", "--name", app,
                         "--resource-group", GROUP, "--output", "json"]]


def test_nothing_new_pins_weights_that_still_follow_the_latest_revision() -> None:
    """As created, the ingress sends 100% to latestRevision: the first release pins it to
    the serving revision by name, so the next `pulumi up`'s revision gets no traffic."""
    az = FakeAz(FakeClock(), latest_traffic=True)
    app = app_of("ui")
    az.revisions[app].pop()
    assert driver_of(az).revisions("ui") == Revisions(stable=f"{app}--stable", candidate=None)
    assert az.calls[1:] == [
        ["az", "containerapp", "ingress", "traffic", "show", "--name", app,
         "--resource-group", GROUP, "--output", "json"],
        ["az", "containerapp", "ingress", "traffic", "set", "--name", app,
         "--resource-group", GROUP, "--revision-weight", f"{app}--stable=100"]]


def test_weights_already_pinned_are_left_alone() -> None:
    az = FakeAz(FakeClock())
    az.revisions[app_of("ui")].pop()
    driver_of(az).revisions("ui")
    assert [c[:5] for c in az.calls] == [
        ["az", "containerapp", "revision", "list", "--name"],
        ["az", "containerapp", "ingress", "traffic", "show"]]


def test_ready_needs_provisioned_healthy_running() -> None:
    az = FakeAz(FakeClock())
    driver = driver_of(az)
    app = app_of("gateway")
    candidate = az.revisions[app][1]
    assert driver.ready("gateway", candidate.name)
    for field, value in (("health", "Unhealthy"), ("running", "Degraded"),
                         ("provisioning", "Provisioning"), ("running", "ActivationFailed")):
        original = getattr(candidate, field)
        setattr(candidate, field, value)
        assert not driver.ready("gateway", candidate.name), (field, value)
        setattr(candidate, field, original)
    assert not driver.ready("gateway", f"{app}--unknown")


def test_set_traffic_names_both_revisions_and_drops_a_zero_share() -> None:
    az = FakeAz(FakeClock())
    driver = driver_of(az)
    app = app_of("api")
    driver.set_traffic("api", f"{app}--stable", f"{app}--candidate", 5)
    driver.set_traffic("api", f"{app}--stable", f"{app}--candidate", 100)
    driver.set_traffic("api", f"{app}--stable", f"{app}--candidate", 0)
    driver.set_traffic("api", None, f"{app}--candidate", 50)
    assert [c[c.index("--revision-weight") + 1:] for c in az.calls] == [
        [f"{app}--stable=95", f"{app}--candidate=5"],
        [f"{app}--candidate=100"],
        [f"{app}--stable=100"],
        [f"{app}--candidate=100"]]
    assert az.calls[0][:9] == ["az", "containerapp", "ingress", "traffic", "set", "--name",
                               app, "--resource-group", GROUP]


def test_error_percents_reads_the_readable_minutes_of_the_revision() -> None:
    """At 10:20:42 the newest readable period is 10:14 (it ended at 10:15, plus 5 minutes of
    delay): the window ends `signal_delay_minutes` before the current minute; one share per
    minute, oldest first; a minute without requests is None."""
    clock = FakeClock()
    clock.seconds = 20 * 60 + 42  # 10:20:42
    shares = {12: (200, 10), 13: (0, 0), 14: (50, 50), 15: (10, 10)}
    az = FakeAz(clock, requests=lambda _a, _r, m: shares.get(m, (100, 0)))
    app = app_of("gateway")
    got = driver_of(az).error_percents("gateway", f"{app}--candidate", 3)
    assert got == [5.0, None, 100.0]
    assert az.calls == [[
        "az", "monitor", "metrics", "list", "--resource", app_id("gateway"),
        "--metric", "Requests",
        "--filter", f"revisionName eq '{app}--candidate' and statusCodeCategory eq '*'",
        "--interval", "PT1M", "--aggregation", "Total",
        "--start-time", "2026-12-02T10:12:00Z", "--end-time", "2026-12-02T10:15:00Z",
        "--output", "json"]]
    assert AZURE_MONITOR_DELAY_MINUTES == 5


def test_error_percents_without_any_series_is_all_none() -> None:
    az = FakeAz(FakeClock())
    driver = ContainerAppsReleaseDriver.from_outputs(
        outputs(), lambda _argv: json.dumps({"value": [{"name": {"value": "Requests"},
                                                         "timeseries": []}]}), now=az.now)
    assert driver.error_percents("api", "x", 2) == [None, None]


def test_retire_deactivates_the_revision() -> None:
    az = FakeAz(FakeClock())
    app = app_of("ui")
    driver_of(az).retire("ui", f"{app}--stable")
    assert az.calls == [["az", "containerapp", "revision", "deactivate",
                         "--revision", f"{app}--stable", "--name", app,
                         "--resource-group", GROUP]]


@pytest.mark.parametrize(("bad", "message"), [
    ({}, "the stack outputs have no 'release_targets'"),
    ({"release_targets": {"services": {}}}, "output 'release_targets' lacks 'resource_group'"),
    ({"release_targets": {"resource_group": GROUP, "services": {"api": {"app": "a"}}}},
     "output 'release_targets' lacks 'resource_id'"),
])
def test_missing_outputs_name_the_key(bad: dict[str, Any], message: str) -> None:
    with pytest.raises(ReleaseError) as info:
        ContainerAppsReleaseDriver.from_outputs(bad, lambda _argv: "")
    assert str(info.value).startswith(message)
    assert "pulumi stack output --json" in str(info.value)


def test_a_cli_that_answers_no_json_is_a_release_error() -> None:
    driver = ContainerAppsReleaseDriver.from_outputs(outputs(), lambda _argv: "oops")
    with pytest.raises(ReleaseError, match="did not answer JSON"):
        driver.revisions("api")


# -- whole releases ---------------------------------------------------------------------------


def spec_of_prod() -> Any:
    return rollout_spec(load_stack_file("azure-prod", ROOT))


def test_a_clean_release_promotes_and_deactivates_the_old_revisions() -> None:
    clock = FakeClock()
    az = FakeAz(clock)
    outcome = run_release(driver_of(az), spec_of_prod(), clock=clock)
    assert outcome.status == "promoted"
    for service in SERVICES:
        app = app_of(service)
        sets = [c[c.index("--revision-weight") + 1:] for c in az.calls
                if c[:5] == ["az", "containerapp", "ingress", "traffic", "set"]
                and c[6] == app]
        assert sets == [[f"{app}--stable=95", f"{app}--candidate=5"],
                        [f"{app}--stable=50", f"{app}--candidate=50"],
                        [f"{app}--candidate=100"]]
        assert az.weights[app] == {f"{app}--candidate": 100}
        assert [r.name for r in az.revisions[app] if r.active] == [f"{app}--candidate"]
    # three steps of 10 min + 5 min of metric delay each
    assert clock.seconds == 3 * (10 + 5) * 60


def test_a_breach_rolls_every_app_back_and_deactivates_the_candidates() -> None:
    """The api's candidate answers 40% 5xx from minute 16 on (its 50% step): after three
    such readable minutes every app returns to its stable revision at 100% and the
    candidates are deactivated."""
    clock = FakeClock()

    def requests(app: str, revision: str, minute: int) -> tuple[int, int]:
        if app == app_of("api") and revision.endswith("--candidate") and minute >= 16:
            return (100, 40)
        return (100, 1)

    az = FakeAz(clock, requests=requests)
    outcome = run_release(driver_of(az), spec_of_prod(), clock=clock)
    assert outcome.status == "rolled_back"
    assert outcome.reason.startswith(f"api: {app_of('api')}--candidate answered 40.0%, 40.0%, "
                                     "40.0% 5xx in 3 consecutive one-minute periods")
    for service in SERVICES:
        app = app_of(service)
        last_set = [c for c in az.calls
                    if c[:5] == ["az", "containerapp", "ingress", "traffic", "set"]
                    and c[6] == app][-1]
        assert last_set[last_set.index("--revision-weight") + 1:] == [f"{app}--stable=100"]
        assert az.weights[app] == {f"{app}--stable": 100}
        assert [r.name for r in az.revisions[app] if r.active] == [f"{app}--stable"]
    deactivated = [c[c.index("--revision") + 1] for c in az.calls
                   if c[:4] == ["az", "containerapp", "revision", "deactivate"]]
    assert deactivated == [f"{app_of(s)}--candidate" for s in SERVICES]


def test_a_candidate_that_never_becomes_healthy_is_rolled_back_before_any_traffic() -> None:
    clock = FakeClock()
    az = FakeAz(clock)
    az.revisions[app_of("ui")][1].health = "Unhealthy"
    outcome = run_release(driver_of(az), spec_of_prod(), clock=clock, ready_timeout_minutes=5)
    assert outcome.status == "rolled_back"
    assert "not ready after 5 min" in outcome.reason
    assert not [c for c in az.calls if c[:5] == ["az", "containerapp", "ingress", "traffic",
                                                 "set"] and "=5" in " ".join(c)]


# -- the target and the command ---------------------------------------------------------------


def test_the_target_builds_the_driver_from_the_outputs() -> None:
    config = load_stack_file("azure-prod", ROOT)
    driver = TARGET.release_driver(config, outputs(), lambda _argv: "[]")
    assert isinstance(driver, ContainerAppsReleaseDriver)
    assert driver.resource_group == GROUP
    assert TARGET.release_signal_delay_minutes == AZURE_MONITOR_DELAY_MINUTES
    with pytest.raises(ReleaseError, match="no 'release_targets'"):
        TARGET.release_driver(config, {}, lambda _argv: "[]")


def test_release_dry_run_of_azure_prod() -> None:
    result = CliRunner().invoke(main, ["release", "-C", str(ROOT), "--stack", "azure-prod",
                                       "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "azure-prod: canary: the new revision takes 5% -> 50% -> 100% of the traffic, each "
        "step held 10 min (+5 min for the metrics to arrive)",
        "azure-prod: rolls back when the new revision answers over 5% 5xx in each of 3 "
        "consecutive one-minute periods, or stops being ready",
        "azure-prod: at most 45 min of steps once the new revision is ready (each step "
        "15 min)"]


def test_release_of_azure_prod_without_release_targets_fails_naming_the_output(
        tmp_path: Any) -> None:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({"resource_group_name": GROUP}))
    result = CliRunner().invoke(main, ["release", "-C", str(ROOT), "--stack", "azure-prod",
                                       "--outputs", str(path)])
    assert result.exit_code == 1
    assert "the stack outputs have no 'release_targets'" in result.output
