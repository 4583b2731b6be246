"""A fake clock and a scripted driver for the release controller's tests."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from forge_infra.release.controller import ReleaseError, Revisions


class FakeClock:
    """A clock that advances only when the controller sleeps."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def now(self) -> float:
        return self.seconds

    def sleep(self, seconds: float) -> None:
        assert seconds > 0, "the controller must never sleep zero or less"
        self.seconds += seconds


@dataclasses.dataclass
class ScriptedDriver:
    """Services with a stable and a candidate revision; `errors(service, minute)` gives the
    candidate's 5xx share of the minute (None: no requests), `ready_at` the minute each
    candidate becomes ready. Every call is recorded in `calls`."""

    clock: FakeClock
    revisions_of: dict[str, Revisions]
    errors: Callable[[str, int], float | None] = lambda _service, _minute: 0.0
    ready_at: dict[str, float] = dataclasses.field(default_factory=dict)
    unready_from: dict[str, float] = dataclasses.field(default_factory=dict)
    fail_on: str | None = None
    delay: int = 0
    calls: list[tuple[object, ...]] = dataclasses.field(default_factory=list)
    traffic: dict[str, dict[str, int]] = dataclasses.field(default_factory=dict)

    @property
    def signal_delay_minutes(self) -> int:
        return self.delay

    def minute(self) -> int:
        return int(self.clock.seconds // 60)

    def services(self) -> list[str]:
        return list(self.revisions_of)

    def revisions(self, service: str) -> Revisions:
        return self.revisions_of[service]

    def ready(self, service: str, revision: str) -> bool:
        now = self.clock.seconds / 60
        return (self.ready_at.get(service, 0) <= now
                and now < self.unready_from.get(service, float("inf")))

    def set_traffic(self, service: str, stable: str | None, candidate: str,
                    percent: int) -> None:
        self.calls.append(("set_traffic", service, percent, self.minute()))
        if self.fail_on == f"set_traffic {service} {percent}":
            raise ReleaseError(f"gcloud failed for {service}")
        self.traffic[service] = ({candidate: percent, stable: 100 - percent} if stable
                                 else {candidate: 100})

    def error_percents(self, service: str, revision: str, minutes: int) -> list[float | None]:
        newest = self.minute() - 1 - self.delay
        return [self.errors(service, m) for m in range(newest - minutes + 1, newest + 1)]

    def retire(self, service: str, revision: str) -> None:
        self.calls.append(("retire", service, revision))
