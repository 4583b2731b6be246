"""The release controller: traffic steps, bakes, signals and the automatic rollback.

`run_release` walks a `RolloutSpec` over every service a `ReleaseDriver` names, in lockstep
(the services of one release move from step to step together, and a breach on any of them
returns all of them to the previous revision: they were built from one commit):

1. each service's *candidate* (its newest revision) must become ready within
   `ready_timeout_minutes`, while the *stable* revision (the one serving the traffic) serves
   everything;
2. for each step percentage, the candidate gets that share of the traffic and the step holds
   for `bake_minutes` plus the driver's `signal_delay_minutes` (the time its metrics take to
   become readable, so the bake's last minutes are seen before the next step). Every
   `poll_seconds` the controller reads, per service, the candidate's readiness and its 5xx
   share of the last `evaluation_minutes` one-minute periods;
3. a breach (the candidate no longer ready, or each of those periods above
   `http_5xx_percent`) returns 100% of every service's traffic to its stable revision and
   retires the candidates: the release ends `rolled_back`;
4. after the last step (100%) has held, the stable revisions are retired and the release ends
   `promoted`. A minute without requests is no evidence either way (not a breach).

Clock and commands are injected, so the whole walk runs in tests without a cloud or a wait.
"""

from __future__ import annotations

import dataclasses
import shlex
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Literal, Protocol

from forge_components.contracts import RolloutSpec

#: How a driver runs a cloud CLI: the argument vector in, its standard output out
#: (`ReleaseError` when the command fails).
CommandRunner = Callable[[Sequence[str]], str]

#: The exit code of `forge-infra release` when the release was rolled back.
EXIT_ROLLED_BACK = 6

#: Seconds a cloud CLI call may take before the controller gives up on it.
COMMAND_TIMEOUT_SECONDS = 300


class ReleaseError(Exception):
    """A release could not be read or driven (a command failed, an output is missing)."""


@dataclasses.dataclass(frozen=True)
class Revisions:
    """A service's revision serving the traffic now, and the newest one, to release."""

    stable: str | None
    """The revision holding (most of) the traffic; None when no revision serves yet."""
    candidate: str | None
    """The newest revision when it is not the stable one; None when there is nothing new."""


class ReleaseDriver(Protocol):
    """What a runtime gives the controller: its services' revisions, their traffic, and the
    signals of a revision (implemented per cloud in `forge_infra.clouds.<cloud>.release`)."""

    @property
    def signal_delay_minutes(self) -> int:
        """Minutes after which a one-minute period's metrics are readable."""
        ...

    def services(self) -> list[str]:
        """The services released step by step (those that take traffic)."""
        ...

    def revisions(self, service: str) -> Revisions:
        """The service's stable revision and its candidate."""
        ...

    def ready(self, service: str, revision: str) -> bool:
        """Whether the revision is ready to serve (its instances started and healthy)."""
        ...

    def set_traffic(self, service: str, stable: str | None, candidate: str,
                    percent: int) -> None:
        """Give the candidate `percent` of the service's traffic and the stable revision the
        rest (all to the candidate when there is no stable revision)."""
        ...

    def error_percents(self, service: str, revision: str, minutes: int) -> list[float | None]:
        """The revision's 5xx share (percent) in each of the last `minutes` readable
        one-minute periods, oldest first; None for a period without requests."""
        ...

    def retire(self, service: str, revision: str) -> None:
        """Release what a revision that no longer takes traffic holds (deactivate it where
        an idle revision keeps replicas running)."""
        ...


class Clock(Protocol):
    """Time as the controller sees it (a fake one in tests)."""

    def now(self) -> float:
        """Seconds on a monotonic clock."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait `seconds`."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> float:
        """`time.monotonic()`."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """`time.sleep(seconds)`."""
        time.sleep(seconds)


@dataclasses.dataclass
class ReleaseOutcome:
    """How a release ended, and what the controller did, in order."""

    status: Literal["promoted", "rolled_back", "nothing_to_release"]
    reason: str
    events: list[str] = dataclasses.field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 when promoted or nothing was new; `EXIT_ROLLED_BACK` when rolled back."""
        return EXIT_ROLLED_BACK if self.status == "rolled_back" else 0


def subprocess_runner(args: Sequence[str]) -> str:
    """Run a cloud CLI command; its standard output, or `ReleaseError` naming the command."""
    command = shlex.join(args)
    try:
        done = subprocess.run(list(args), capture_output=True, text=True, check=False,
                              timeout=COMMAND_TIMEOUT_SECONDS)
    except FileNotFoundError as exc:
        raise ReleaseError(f"`{args[0]}` is not installed or not on PATH (needed for "
                           f"`{command}`)") from exc
    except subprocess.TimeoutExpired as exc:
        raise ReleaseError(f"`{command}` took over {COMMAND_TIMEOUT_SECONDS} s") from exc
    if done.returncode != 0:
        raise ReleaseError(f"`{command}` failed with exit {done.returncode}: "
                           f"{done.stderr.strip()[-600:]}")
    return done.stdout


def schedule_minutes(spec: RolloutSpec, signal_delay_minutes: int) -> int:
    """The minutes a release that never breaches holds traffic: each step's bake plus the
    driver's signal delay."""
    if spec["strategy"] == "rolling":
        return 0
    return len(spec["steps"]) * (spec["bake_minutes"] + signal_delay_minutes)


def describe_schedule(spec: RolloutSpec, signal_delay_minutes: int) -> list[str]:
    """The steps of a release as an operator reads them (`forge-infra release --dry-run`)."""
    if spec["strategy"] == "rolling":
        return ["rolling: `pulumi up` gives the new revision all traffic; nothing to step"]
    hold = spec["bake_minutes"] + signal_delay_minutes
    lines = [f"{spec['strategy']}: the new revision takes "
             + " -> ".join(f"{p}%" for p in spec["steps"])
             + f" of the traffic, each step held {spec['bake_minutes']} min "
             f"(+{signal_delay_minutes} min for the metrics to arrive)",
             f"rolls back when the new revision answers over {spec['http_5xx_percent']:g}% 5xx "
             f"in each of {spec['evaluation_minutes']} consecutive one-minute periods, or stops "
             "being ready",
             f"at most {schedule_minutes(spec, signal_delay_minutes)} min of steps once the new "
             f"revision is ready (each step {hold} min)"]
    return lines


def run_release(driver: ReleaseDriver, spec: RolloutSpec, *, clock: Clock,
                log: Callable[[str], None] = lambda _line: None,
                ready_timeout_minutes: int = 15, poll_seconds: int = 60) -> ReleaseOutcome:
    """Walk `spec` over the driver's services (see the module docstring)."""
    events: list[str] = []

    def note(line: str) -> None:
        events.append(line)
        log(line)

    if spec["strategy"] == "rolling":
        note("rolling: `pulumi up` gave the new revisions all traffic; nothing to step")
        return ReleaseOutcome("nothing_to_release", "strategy rolling", events)
    pending: dict[str, Revisions] = {}
    for service in driver.services():
        revisions = driver.revisions(service)
        if revisions.candidate is None or revisions.candidate == revisions.stable:
            note(f"{service}: {revisions.stable} serves all traffic; no new revision")
            continue
        pending[service] = revisions
        note(f"{service}: releasing {revisions.candidate} (serving now: "
             f"{revisions.stable or 'none'})")
    if not pending:
        return ReleaseOutcome("nothing_to_release", "no service has a new revision", events)

    try:
        problem = _wait_ready(driver, pending, clock, ready_timeout_minutes, poll_seconds)
        if problem is None:
            for percent in spec["steps"]:
                for service, revisions in pending.items():
                    assert revisions.candidate is not None
                    driver.set_traffic(service, revisions.stable, revisions.candidate, percent)
                note(f"step {percent}%: {', '.join(pending)} give the new revision {percent}% "
                     f"of their traffic; holding {spec['bake_minutes']} min "
                     f"(+{driver.signal_delay_minutes} for the metrics)")
                problem = _watch(driver, pending, spec, clock, poll_seconds,
                                 spec["bake_minutes"] + driver.signal_delay_minutes)
                if problem is not None:
                    break
    except ReleaseError as exc:
        problem = f"the release could not continue: {exc}"
    if problem is not None:
        note(f"breach: {problem}")
        _roll_back(driver, pending, note)
        return ReleaseOutcome("rolled_back", problem, events)
    for service, revisions in pending.items():
        if revisions.stable is not None:
            driver.retire(service, revisions.stable)
        note(f"{service}: {revisions.candidate} promoted; {revisions.stable or 'nothing'} retired")
    return ReleaseOutcome("promoted", "every step held within the signals", events)


def _wait_ready(driver: ReleaseDriver, pending: Mapping[str, Revisions], clock: Clock,
                timeout_minutes: int, poll_seconds: int) -> str | None:
    deadline = clock.now() + timeout_minutes * 60
    while True:
        waiting = [service for service, revisions in pending.items()
                   if revisions.candidate is not None
                   and not driver.ready(service, revisions.candidate)]
        if not waiting:
            return None
        if clock.now() >= deadline:
            return (f"{', '.join(f'{s} {pending[s].candidate}' for s in waiting)} not ready "
                    f"after {timeout_minutes} min")
        clock.sleep(poll_seconds)


def _watch(driver: ReleaseDriver, pending: Mapping[str, Revisions], spec: RolloutSpec,
           clock: Clock, poll_seconds: int, hold_minutes: int) -> str | None:
    """Hold a step for `hold_minutes`, reading the signals every `poll_seconds`; the breach
    found, or None."""
    periods = spec["evaluation_minutes"]
    threshold = spec["http_5xx_percent"]
    end = clock.now() + hold_minutes * 60
    while True:
        for service, revisions in pending.items():
            candidate = revisions.candidate
            assert candidate is not None
            if not driver.ready(service, candidate):
                return f"{service}: {candidate} is no longer ready"
            recent = driver.error_percents(service, candidate, periods)[-periods:]
            if len(recent) == periods and all(p is not None and p > threshold for p in recent):
                shares = ", ".join(f"{p:.1f}%" for p in recent if p is not None)
                return (f"{service}: {candidate} answered {shares} 5xx in {periods} consecutive "
                        f"one-minute periods (over {threshold:g}%)")
        remaining = end - clock.now()
        if remaining <= 0:
            return None
        clock.sleep(min(poll_seconds, remaining))


def _roll_back(driver: ReleaseDriver, pending: Mapping[str, Revisions],
               note: Callable[[str], None]) -> None:
    failures: list[str] = []
    for service, revisions in pending.items():
        candidate = revisions.candidate
        assert candidate is not None
        if revisions.stable is None:
            note(f"{service}: no previous revision to return to; {candidate} keeps the traffic")
            continue
        try:
            driver.set_traffic(service, revisions.stable, candidate, 0)
            driver.retire(service, candidate)
        except ReleaseError as exc:
            failures.append(f"{service}: {exc}")
            continue
        note(f"{service}: rolled back; {revisions.stable} serves all traffic, {candidate} "
             "retired")
    if failures:
        raise ReleaseError("the rollback failed; the traffic may still be split: "
                           + "; ".join(failures))
