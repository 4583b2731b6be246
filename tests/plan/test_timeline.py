"""The provisioning-time forecast (`forge-infra plan --timeline`): the critical path on a small
graph computed by hand, the durations table, and the forecast of the real stacks."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from forge_infra.cli import main
from forge_infra.plan.model import CustomTimeouts, Plan, PlanResource, ResourceOptions, json_schema
from forge_infra.plan.timeline import (
    DEPLOY_TARGET_MINUTES,
    PROVISION_TARGET_MINUTES,
    Duration,
    DurationTable,
    critical_path,
    forecast,
    load_durations,
    render_timeline,
)
from tests.conftest import ROOT

BASES = {"documented", "reported", "specified", "estimate"}


def test_critical_path_of_a_graph_computed_by_hand() -> None:
    """vpc (1-2) -> subnet (1-1) -> db (10-20); vpc -> cluster (8-15) -> nodes (3-6);
    app (2-3) waits for db and nodes. By hand, high end: vpc 0-2, subnet 2-3, db 3-23,
    cluster 2-17, nodes 17-23, app starts at max(23, 23) = 23 and ends at 26. The tie between
    db and nodes goes to the first dependency in order (db). Low end: vpc 1, subnet 2,
    db 12, cluster 9, nodes 12, app 12 + 2 = 14."""
    weights = {"vpc": (1.0, 2.0), "subnet": (1.0, 1.0), "db": (10.0, 20.0),
               "cluster": (8.0, 15.0), "nodes": (3.0, 6.0), "app": (2.0, 3.0)}
    deps = {"subnet": ["vpc"], "db": ["subnet"], "cluster": ["vpc"], "nodes": ["cluster"],
            "app": ["db", "nodes"]}
    low, high, chain = critical_path(weights, deps)
    assert (low, high) == (14.0, 26.0)
    assert chain == [("vpc", 0.0, 2.0), ("subnet", 2.0, 3.0), ("db", 3.0, 23.0),
                     ("app", 23.0, 26.0)]


def test_unweighted_nodes_carry_their_dependencies_chains() -> None:
    """A component or provider (no weight) between two resources adds no time and is not a
    step, but the resource after it still waits for the one before."""
    low, high, chain = critical_path({"a": (5.0, 5.0), "c": (1.0, 1.0)},
                                     {"provider": ["a"], "c": ["provider"]})
    assert (low, high) == (6.0, 6.0)
    assert [node for node, _, _ in chain] == ["a", "c"]


def test_a_cycle_is_refused() -> None:
    with pytest.raises(ValueError, match="cycle"):
        critical_path({"a": (1.0, 1.0), "b": (1.0, 1.0)}, {"a": ["b"], "b": ["a"]})


def test_every_entry_has_a_range_a_basis_and_a_source() -> None:
    table = load_durations()
    assert table.default.basis in BASES and table.default.source
    for type_token, entry in table.types.items():
        for key in ("create", "update"):
            if key in entry:
                low, high = entry[key]
                assert 0 < low <= high, (type_token, key)
        for refinement in entry.get("when", ()):
            low, high = refinement["create"]
            assert 0 < low <= high and refinement["props"], type_token
        assert entry["basis"] in BASES, type_token
        assert len(entry["source"]) > 20, type_token


def _resource(urn_name: str, type_token: str, props: dict[str, object] | None = None,
              deps: list[str] | None = None) -> PlanResource:
    return PlanResource(
        urn=f"urn:pulumi:s::p::{type_token}::{urn_name}", type=type_token, name=urn_name,
        custom=True, component=None, parent=None, dependencies=deps or [],
        property_dependencies={}, props=props or {},
        opts=ResourceOptions(custom_timeouts=CustomTimeouts()), outputs={})


def test_a_refinement_by_inputs_replaces_the_range() -> None:
    table = load_durations()
    single = _resource("db", "aws:rds/instance:Instance", {"multiAz": False})
    multi = _resource("db", "aws:rds/instance:Instance", {"multiAz": True})
    assert (table.create(single).low, table.create(single).high) == (10.0, 15.0)
    assert (table.create(multi).low, table.create(multi).high) == (15.0, 25.0)
    assert table.create(_resource("r", "aws:ec2/route:Route")) == table.default


@pytest.mark.parametrize(("deployment", "held"), [
    ({"strategy": "CANARY", "bakeTimeInMinutes": "10",
      "canaryConfiguration": {"canaryPercent": 5.0, "canaryBakeTimeInMinutes": "10"}}, 20.0),
    ({"strategy": "LINEAR", "bakeTimeInMinutes": "5",
      "linearConfiguration": {"stepPercent": 25.0, "stepBakeTimeInMinutes": "4"}}, 5.0 + 3 * 4),
    ({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": "15"}, 15.0),
    (None, 0.0),
])
def test_a_progressive_release_adds_its_bakes_to_the_update(deployment, held) -> None:
    """A canary 5 -> 100 baking 10 minutes holds 10 at 5% and 10 after 100%; a linear 25%
    release bakes between its 4 steps (3 times) and once at the end."""
    table = load_durations()
    props = {"deploymentConfiguration": deployment} if deployment else {}
    update = table.update(_resource("svc", "aws:ecs/service:Service", props))
    assert update is not None
    assert (update.low, update.high) == (2.0 + held, 4.0 + held)
    for hold in table.types["aws:ecs/service:Service"]["holds"]:
        assert set(hold) <= {"path", "per_step_of"}, hold


@pytest.mark.parametrize(("rollout", "held"), [
    ({"strategy": "canary", "steps": [5, 50, 100], "bakeMinutes": 10}, 30.0),
    ({"strategy": "canary", "steps": [10, 100], "bakeMinutes": 7}, 14.0),
    ({"strategy": "blue_green", "steps": [100], "bakeMinutes": 15}, 15.0),
    ({"strategy": "rolling", "steps": [], "bakeMinutes": 0}, 0.0),
    # The chart's default bake with no steps (rolling) holds nothing either.
    ({"strategy": "rolling", "steps": [], "bakeMinutes": 10}, 0.0),
    (None, 0.0),
])
def test_an_argo_rollouts_release_bakes_after_each_step(rollout, held) -> None:
    """The platform chart's Argo Rollouts pause bakeMinutes after every setWeight step, the
    100% step included: [5, 50, 100] with 10-minute bakes holds 30 minutes."""
    table = load_durations()
    props = {"values": {"rollout": rollout}} if rollout else {"values": {}}
    update = table.update(_resource("platform", "kubernetes:helm.sh/v3:Release", props))
    assert update is not None
    assert (update.low, update.high) == (1.0 + held, 4.0 + held)
    assert table.types["kubernetes:helm.sh/v3:Release"]["holds"] == [
        {"path": "values.rollout.bakeMinutes", "per_item_of": "values.rollout.steps"}]


def test_prods_deploy_forecast_counts_the_canarys_three_bakes() -> None:
    from forge_infra.plan import run_plan

    timeline = forecast(run_plan("prod", ROOT))
    assert (timeline.deploy.low_minutes, timeline.deploy.high_minutes) == (31.0, 34.0)
    assert [step.type for step in timeline.deploy.chain] == ["kubernetes:helm.sh/v3:Release"]


def test_patterns_match_and_the_longest_wins() -> None:
    table = DurationTable(
        default=Duration(0.1, 0.1, "estimate", "x"),
        types={"aws:iam/*": {"create": [1, 1], "basis": "estimate", "source": "short"},
               "aws:iam/role*": {"create": [2, 2], "basis": "estimate", "source": "long"}})
    assert table.create(_resource("r", "aws:iam/role:Role")).source == "long"
    assert table.create(_resource("p", "aws:iam/policy:Policy")).source == "short"


def test_the_deploy_chain_holds_only_what_a_new_image_changes() -> None:
    """Only the platform's own (local) chart changes with an image; an add-on chart from a
    repository does not, nor does anything without an update range."""
    platform = _resource("platform", "kubernetes:helm.sh/v3:Release",
                         {"chart": "forge_components/kubernetes/chart/forge-platform"})
    addon = _resource("addon", "kubernetes:helm.sh/v3:Release",
                      {"chart": "external-dns", "repositoryOpts": {"repo": "https://x"}})
    vpc = _resource("vpc", "aws:ec2/vpc:Vpc")
    plan = Plan(project="p", stack="s", cloud="aws", platform="eks",
                resources=[vpc, platform, addon], outputs={})
    timeline = forecast(plan)
    assert [step.name for step in timeline.deploy.chain] == ["platform"]
    assert timeline.deploy.resources == 1
    assert timeline.provision.resources == 3


@pytest.mark.parametrize("stack", ["dev", "staging", "prod", "small-ecs", "small-eks"])
def test_the_stacks_forecast_is_written_in_the_plan_json(tmp_path: Path, stack: str) -> None:
    """`plan --timeline --json` writes a `timeline` the plan schema accepts, whose chain is
    ordered, contiguous in dependency order and adds up to the high-end total."""
    out = tmp_path / "plan.json"
    result = CliRunner().invoke(main, ["plan", "--stack", stack, "--timeline", "--json",
                                       str(out), "-C", str(ROOT), "--no-color"])
    assert result.exit_code == 0, result.output
    assert f"Timeline {stack}" in result.output
    document = json.loads(out.read_text())
    jsonschema.validate(document, json_schema())
    for kind in ("provision", "deploy"):
        path = document["timeline"][kind]
        chain = path["chain"]
        assert chain, kind
        assert all(a["finish"] <= b["start"] + 1e-9 for a, b in itertools.pairwise(chain))
        assert chain[-1]["finish"] == path["high_minutes"]
        assert path["low_minutes"] <= path["high_minutes"]
        target = PROVISION_TARGET_MINUTES if kind == "provision" else DEPLOY_TARGET_MINUTES
        assert path["meets_target"] == (path["high_minutes"] <= target)


def test_a_missed_target_names_the_chain_responsible() -> None:
    """prod runs MSK: its creation alone (25-35 min) exceeds the 30-minute target, and the
    forecast says so."""
    from tests.policy.plans import stack_plan

    timeline = forecast(stack_plan("prod", "eks"))
    assert not timeline.provision.meets_target
    culprit = timeline.provision.responsible()
    assert culprit is not None and culprit.type == "aws:msk/cluster:Cluster"
    text = render_timeline(timeline, "prod")
    assert "MISSES the 30 min target" in text
    assert "the chain through aws:msk/cluster:Cluster" in text


def test_redpanda_instead_of_msk_removes_msk_from_the_chain() -> None:
    """The configuration docs/DEPLOYMENT.md shows for the 30-minute target: Redpanda brokers
    on EC2 take minutes, so MSK is no longer the chain (the database then leads)."""
    from tests.policy.plans import stack_plan

    msk = forecast(stack_plan("prod", "ecs"))
    redpanda = forecast(stack_plan("prod", "ecs",
                                   streaming={"engine": "redpanda", "brokers": 3}))
    assert "aws:msk/cluster:Cluster" not in {s.type for s in redpanda.provision.chain}
    assert redpanda.provision.high_minutes < msk.provision.high_minutes


def test_the_release_steps_follow_the_update_in_the_deploy_chain() -> None:
    """A target that `forge-infra release` steps exports `release_hold_minutes`: the steps hold
    after the slowest update, as one more link of the deploy chain."""
    service = _resource("api", "gcp:cloudrunv2/service:Service")
    table = load_durations()
    update = table.update(service)
    assert update is not None
    plan = Plan(project="p", stack="s", cloud="gcp", platform=None, resources=[service],
                outputs={"release_hold_minutes": 39})
    deploy = forecast(plan).deploy
    assert [step.name for step in deploy.chain] == ["api", "canary steps"]
    assert deploy.high_minutes == pytest.approx(update.high + 39)
    assert deploy.low_minutes == pytest.approx(update.low + 39)
    assert not deploy.meets_target
    rolling = Plan(project="p", stack="s", cloud="gcp", platform=None, resources=[service],
                   outputs={"release_hold_minutes": 0})
    assert [step.name for step in forecast(rolling).deploy.chain] == ["api"]
