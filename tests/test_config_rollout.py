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


@pytest.mark.parametrize("stack", ["prod", "small-eks"])
def test_the_eks_prod_stacks_release_by_an_argo_canary(stack) -> None:
    config = load(stack_values(stack), stack)
    assert rollout_spec(config) == {
        "strategy": "canary", "steps": [5, 50, 100], "bake_minutes": 10,
        "http_5xx_percent": 5.0, "evaluation_minutes": 3, "unhealthy_targets": 1}


@pytest.mark.parametrize("rollout", [
    {"strategy": "canary", "steps": [5, 50, 100]},
    {"strategy": "canary", "steps": [1, 100]},
    {"strategy": "canary", "steps": [5, 10, 20, 35, 50, 75, 100], "bake_minutes": 1},
    {"strategy": "canary", "steps": [100], "bake_minutes": 1440},
    {"strategy": "blue_green", "bake_minutes": 30},
    {"strategy": "rolling", "bake_minutes": 0},
])
def test_eks_runs_any_valid_steps_with_argo(rollout) -> None:
    """Every setWeight 1..100 is valid for Argo: shapes ECS refuses run on EKS."""
    assert problems_of("small-eks", rollout) == []


@pytest.mark.parametrize("strategy", ["canary", "blue_green"])
def test_eks_refuses_a_release_without_a_bake(strategy) -> None:
    assert problems_of("small-eks", {"strategy": strategy, "bake_minutes": 0}) == [
        "forge-infra:rollout.bake_minutes: got 0; on platform eks the analysis that rolls a "
        "release back watches during each step's pause: give 1..1440 minutes (with 0, Argo "
        "would shift to 100% without any check) (docs/DEPLOYMENT.md, \"Progressive delivery\")"]


def test_eks_refuses_a_canary_without_the_alb() -> None:
    values = mutate(stack_values("small-eks"), "forge-infra:rollout",
                    {"strategy": "canary", "steps": [5, 50, 100]})
    values["forge-infra:eks"] = {**values["forge-infra:eks"], "ingress_class": "nginx",
                                 "ingress_controller_namespace": "ingress-nginx"}
    with pytest.raises(ConfigError) as caught:
        load(values, "small-eks")
    assert [p for p in caught.value.problems if p.startswith("forge-infra:rollout")] == [
        "forge-infra:rollout.strategy: got canary; Argo Rollouts shifts the traffic through the "
        "AWS Load Balancer Controller's Ingress (eks.ingress_class alb), not 'nginx': set "
        "eks.ingress_class alb, or strategy rolling (docs/DEPLOYMENT.md, \"Progressive "
        "delivery\")"]


def test_eks_refuses_a_canary_without_a_domain() -> None:
    values = mutate(stack_values("staging"), "forge-infra:rollout", {"strategy": "blue_green"})
    values["forge-infra:app"] = {k: v for k, v in values["forge-infra:app"].items()
                                 if k != "domain"}
    with pytest.raises(ConfigError) as caught:
        load(values, "staging")
    assert [p for p in caught.value.problems if p.startswith("forge-infra:rollout")] == [
        "forge-infra:rollout.strategy: got blue_green; on platform eks Argo Rollouts shifts the "
        "traffic of the services behind the ALB Ingress, which exists only with app.domain: "
        "set app.domain and hosted_zone_id, or strategy rolling (docs/DEPLOYMENT.md, "
        "\"Progressive delivery\")"]
