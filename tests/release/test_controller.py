"""The release controller's walk, on a scripted driver and a fake clock: the steps and holds a
canary takes, when it rolls back and what it leaves serving."""

from __future__ import annotations

import pytest

from forge_components.contracts import RolloutSpec
from forge_infra.release.controller import (
    EXIT_ROLLED_BACK,
    ReleaseError,
    Revisions,
    describe_schedule,
    run_release,
    schedule_minutes,
)
from tests.release.fakes import FakeClock, ScriptedDriver


def spec(strategy: str = "canary", steps: list[int] | None = None, bake: int = 10,
         threshold: float = 5.0, periods: int = 3) -> RolloutSpec:
    return RolloutSpec(strategy=strategy, steps=steps if steps is not None else [5, 50, 100],
                       bake_minutes=bake, http_5xx_percent=threshold,
                       evaluation_minutes=periods, unhealthy_targets=1)


def two_services(clock: FakeClock, **kwargs: object) -> ScriptedDriver:
    return ScriptedDriver(clock=clock, revisions_of={
        "gateway": Revisions(stable="gateway-00041", candidate="gateway-00042"),
        "ui": Revisions(stable="ui-00007", candidate="ui-00008")}, **kwargs)  # type: ignore[arg-type]


def traffic_steps(driver: ScriptedDriver) -> list[tuple[str, int, int]]:
    return [(c[1], c[2], c[3]) for c in driver.calls if c[0] == "set_traffic"]  # type: ignore[misc]


def test_a_healthy_canary_walks_every_step_with_its_bake_and_retires_the_old_revisions() -> None:
    clock = FakeClock()
    driver = two_services(clock, delay=2)
    outcome = run_release(driver, spec(), clock=clock)
    assert outcome.status == "promoted" and outcome.exit_code == 0
    # Lockstep: both services move together; each step holds bake (10) + signal delay (2).
    assert traffic_steps(driver) == [("gateway", 5, 0), ("ui", 5, 0), ("gateway", 50, 12),
                                     ("ui", 50, 12), ("gateway", 100, 24), ("ui", 100, 24)]
    assert clock.seconds == 36 * 60 == schedule_minutes(spec(), 2) * 60
    assert ("retire", "gateway", "gateway-00041") in driver.calls
    assert ("retire", "ui", "ui-00007") in driver.calls
    assert driver.traffic["gateway"] == {"gateway-00042": 100, "gateway-00041": 0}


def test_errors_over_the_threshold_for_the_evaluation_periods_roll_everything_back() -> None:
    clock = FakeClock()
    # The ui's new revision fails from minute 14 (during the 50% step): 3 breaching periods
    # are readable at minute 17, and every service returns to its stable revision.
    driver = two_services(clock, errors=lambda s, m: 30.0 if s == "ui" and m >= 14 else 0.5)
    outcome = run_release(driver, spec(), clock=clock)
    assert outcome.status == "rolled_back" and outcome.exit_code == EXIT_ROLLED_BACK
    assert "ui: ui-00008 answered 30.0%, 30.0%, 30.0% 5xx in 3 consecutive" in outcome.reason
    assert clock.seconds == 17 * 60
    assert traffic_steps(driver)[-2:] == [("gateway", 0, 17), ("ui", 0, 17)]
    assert driver.traffic == {"gateway": {"gateway-00042": 0, "gateway-00041": 100},
                              "ui": {"ui-00008": 0, "ui-00007": 100}}
    assert ("retire", "ui", "ui-00008") in driver.calls
    assert ("retire", "ui", "ui-00007") not in driver.calls


def test_a_breach_shorter_than_the_evaluation_periods_does_not_roll_back() -> None:
    clock = FakeClock()
    driver = two_services(clock, errors=lambda s, m: 50.0 if m in (3, 4) else 1.0)
    assert run_release(driver, spec(), clock=clock).status == "promoted"


def test_minutes_without_requests_are_no_breach() -> None:
    clock = FakeClock()
    driver = two_services(clock, errors=lambda _s, _m: None)
    assert run_release(driver, spec(), clock=clock).status == "promoted"


def test_errors_at_exactly_the_threshold_are_no_breach() -> None:
    clock = FakeClock()
    driver = two_services(clock, errors=lambda _s, _m: 5.0)
    assert run_release(driver, spec(), clock=clock).status == "promoted"


def test_a_candidate_that_never_becomes_ready_gets_no_traffic() -> None:
    clock = FakeClock()
    driver = two_services(clock, ready_at={"gateway": 1000})
    outcome = run_release(driver, spec(), clock=clock, ready_timeout_minutes=15)
    assert outcome.status == "rolled_back"
    assert outcome.reason == "gateway gateway-00042 not ready after 15 min"
    assert [c for c in traffic_steps(driver) if c[1] > 0] == []


def test_a_candidate_that_stops_being_ready_rolls_back() -> None:
    clock = FakeClock()
    driver = two_services(clock, unready_from={"gateway": 3})
    outcome = run_release(driver, spec(), clock=clock)
    assert outcome.reason == "gateway: gateway-00042 is no longer ready"
    assert driver.traffic["gateway"] == {"gateway-00042": 0, "gateway-00041": 100}


def test_a_command_failure_mid_release_rolls_back() -> None:
    clock = FakeClock()
    driver = two_services(clock, fail_on="set_traffic ui 50")
    outcome = run_release(driver, spec(), clock=clock)
    assert outcome.status == "rolled_back"
    assert outcome.reason == "the release could not continue: gcloud failed for ui"
    assert driver.traffic["gateway"]["gateway-00041"] == 100


def test_a_failed_rollback_is_an_error_naming_the_split() -> None:
    clock = FakeClock()
    driver = two_services(clock, errors=lambda _s, _m: 99.0, fail_on="set_traffic ui 0")
    with pytest.raises(ReleaseError, match="the rollback failed; the traffic may still be "
                                           "split: ui: gcloud failed for ui"):
        run_release(driver, spec(), clock=clock)


def test_blue_green_shifts_everything_once_then_holds() -> None:
    clock = FakeClock()
    driver = two_services(clock)
    outcome = run_release(driver, spec("blue_green", [100], bake=20), clock=clock)
    assert outcome.status == "promoted"
    assert traffic_steps(driver) == [("gateway", 100, 0), ("ui", 100, 0)]
    assert clock.seconds == 20 * 60


def test_nothing_new_is_nothing_to_release() -> None:
    clock = FakeClock()
    driver = ScriptedDriver(clock=clock, revisions_of={
        "gateway": Revisions(stable="gateway-00041", candidate=None)})
    outcome = run_release(driver, spec(), clock=clock)
    assert outcome.status == "nothing_to_release" and outcome.exit_code == 0
    assert driver.calls == []


def test_rolling_steps_nothing() -> None:
    clock = FakeClock()
    driver = two_services(clock)
    outcome = run_release(driver, spec("rolling", []), clock=clock)
    assert outcome.status == "nothing_to_release" and driver.calls == []


def test_a_first_release_without_a_stable_revision_cannot_be_rolled_back() -> None:
    clock = FakeClock()
    driver = ScriptedDriver(clock=clock, revisions_of={
        "gateway": Revisions(stable=None, candidate="gateway-00001")},
        errors=lambda _s, _m: 80.0)
    outcome = run_release(driver, spec(), clock=clock)
    assert outcome.status == "rolled_back"
    assert "gateway: no previous revision to return to" in "\n".join(outcome.events)
    assert driver.traffic["gateway"] == {"gateway-00001": 100}


def test_the_dry_run_schedule_names_steps_holds_and_signals() -> None:
    lines = describe_schedule(spec(), 3)
    assert lines == [
        "canary: the new revision takes 5% -> 50% -> 100% of the traffic, each step held 10 "
        "min (+3 min for the metrics to arrive)",
        "rolls back when the new revision answers over 5% 5xx in each of 3 consecutive "
        "one-minute periods, or stops being ready",
        "at most 39 min of steps once the new revision is ready (each step 13 min)"]
