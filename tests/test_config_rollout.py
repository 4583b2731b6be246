"""`forge-infra:rollout`: the neutral section, its own rules and each platform's refusals.

Every refusal is checked by its exact line: file, key path, value and what is allowed.
"""

from __future__ import annotations

from typing import Any

import pytest

from forge_infra.config import ConfigError
from forge_infra.model.config import RolloutSettings
from forge_infra.program import rollout_spec
from tests.test_config import load, mutate, stack_values


def problems_of(stack: str, rollout: dict[str, Any]) -> list[str]:
    """The problem lines of `stack` with `rollout` set; [] when it loads."""
    values = mutate(stack_values(stack), "forge-infra:rollout", rollout)
    try:
        load(values, stack)
    except ConfigError as error:
        assert str(error).startswith(f"Pulumi.{stack}.yaml: "), str(error)
        return [p for p in error.problems if p.startswith("forge-infra:rollout")]
    return []


def test_the_default_is_rolling_with_no_steps() -> None:
    config = load(stack_values("dev"), "dev")
    assert config.rollout.strategy == "rolling"
    assert rollout_spec(config) == {
        "strategy": "rolling", "steps": [], "bake_minutes": 0, "http_5xx_percent": 5.0,
        "evaluation_minutes": 3, "unhealthy_targets": 1}


def test_a_canary_without_steps_takes_5_50_100() -> None:
    assert RolloutSettings(strategy="canary").canary_steps() == (5, 50, 100)
    assert RolloutSettings(strategy="blue_green").canary_steps() == (100,)
    assert RolloutSettings().canary_steps() == ()


@pytest.mark.parametrize(("steps", "message"), [
    ([5, 50, 90], "forge-infra:rollout.steps: got [5, 50, 90]; ends at 90; the last step is "
                  "100 (all traffic)"),
    ([50, 5, 100], "forge-infra:rollout.steps: got [50, 5, 100]; not strictly increasing; give "
                   "each percentage once, in order"),
    ([5, 5, 100], "forge-infra:rollout.steps: got [5, 5, 100]; not strictly increasing"),
    ([0, 100], "forge-infra:rollout.steps: got [0, 100]; [0] outside 1..100; steps are traffic "
               "percentages"),
    ([], "forge-infra:rollout.steps: got []; give percentages ending at 100, e.g. [5, 50, "
         "100]"),
])
def test_steps_are_increasing_percentages_ending_at_100(steps, message) -> None:
    problems = problems_of("small-eks", {"strategy": "canary", "steps": steps})
    assert len(problems) == 1 and problems[0].startswith(message), problems


@pytest.mark.parametrize(("rollout", "fragment"), [
    ({"strategy": "canary", "bake_minutes": 1441}, "forge-infra:rollout.bake_minutes: "),
    ({"strategy": "linear"}, "forge-infra:rollout.strategy: "),
    ({"strategy": "canary", "alarms": {"http_5xx_percent": 0}},
     "forge-infra:rollout.alarms.http_5xx_percent: "),
    ({"strategy": "canary", "alarms": {"evaluation_minutes": 0}},
     "forge-infra:rollout.alarms.evaluation_minutes: "),
    ({"strategy": "canary", "stepz": [5, 100]}, "forge-infra:rollout.stepz: unknown key"),
])
def test_bounds_and_unknown_keys_name_the_key(rollout, fragment) -> None:
    problems = problems_of("small-eks", rollout)
    assert len(problems) == 1 and problems[0].startswith(fragment), problems


@pytest.mark.parametrize("strategy", ["rolling", "blue_green"])
def test_steps_belong_to_a_canary(strategy) -> None:
    problems = problems_of("small-ecs", {"strategy": strategy, "steps": [5, 100]})
    what = ("replaces tasks in place, without traffic steps" if strategy == "rolling"
            else "shifts all traffic at once, after the bake")
    assert problems == [f"forge-infra:rollout.steps: [5, 100] is set, but strategy {strategy} "
                        f"{what}; remove steps or set strategy: canary"]


def test_ecs_refuses_steps_it_has_no_native_strategy_for() -> None:
    problems = problems_of("small-ecs", {"strategy": "canary", "steps": [5, 50, 100]})
    assert problems == [
        "forge-infra:rollout.steps: [5, 50, 100] cannot run on platform ecs: its native canary "
        "(CANARY) shifts one percentage, bakes, then shifts the rest ([p, 100], e.g. [5, 100]) "
        "and its linear deployment (LINEAR) shifts equal steps ([s, 2s, ..., 100] with s >= 3 "
        "dividing 100, e.g. [10, 20, ..., 100] or [25, 50, 75, 100]); give one of those shapes "
        "(docs/DEPLOYMENT.md, \"Progressive delivery\")"]
    # The default steps are the same 5 -> 50 -> 100: refused the same way.
    assert problems_of("small-ecs", {"strategy": "canary"})[0].startswith(
        "forge-infra:rollout.steps: [5, 50, 100] cannot run on platform ecs")


@pytest.mark.parametrize("rollout", [
    {"strategy": "canary", "steps": [5, 100]},
    {"strategy": "canary", "steps": [25, 50, 75, 100], "bake_minutes": 0},
    {"strategy": "blue_green", "bake_minutes": 1440},
    {"strategy": "rolling"},
])
def test_ecs_accepts_its_native_shapes(rollout) -> None:
    assert problems_of("small-ecs", rollout) == []


def test_small_ecs_releases_by_canary_with_rollback() -> None:
    config = load(stack_values("small-ecs"), "small-ecs")
    assert rollout_spec(config) == {
        "strategy": "canary", "steps": [5, 100], "bake_minutes": 10, "http_5xx_percent": 5.0,
        "evaluation_minutes": 3, "unhealthy_targets": 1}


@pytest.mark.parametrize("rollout", [
    {"strategy": "canary"},
    {"strategy": "canary", "steps": [1, 10, 33, 100], "bake_minutes": 0},
    {"strategy": "blue_green", "alarms": {"http_5xx_percent": 1, "evaluation_minutes": 5}},
    {"strategy": "rolling", "alarms": {"unhealthy_targets": 2}},
])
def test_cloud_run_runs_every_strategy_through_forge_infra_release(rollout) -> None:
    assert problems_of("gcp-prod", rollout) == []


@pytest.mark.parametrize("strategy", ["canary", "blue_green"])
def test_cloud_run_refuses_a_target_count_it_has_no_targets_for(strategy) -> None:
    assert problems_of("gcp-prod", {"strategy": strategy,
                                    "alarms": {"unhealthy_targets": 1}}) == [
        "forge-infra:rollout.alarms.unhealthy_targets: Cloud Run has no load balancer targets "
        "to count: the release rolls back when the new revision stops being Ready (its startup "
        "and liveness probes fail) or answers over http_5xx_percent 5xx; remove the key"]


def test_gcp_prod_releases_by_canary_5_50_100() -> None:
    config = load(stack_values("gcp-prod"), "gcp-prod")
    assert rollout_spec(config) == {
        "strategy": "canary", "steps": [5, 50, 100], "bake_minutes": 10,
        "http_5xx_percent": 5.0, "evaluation_minutes": 3, "unhealthy_targets": 1}
