"""The offline plan: the whole program under mocks, recorded, serialised, graphed and diffed."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import jsonschema
import pydot
import pytest

from forge_infra.config import load_stack_file
from forge_infra.plan import SCHEMA_ID, Plan, run_plan
from forge_infra.plan.diff import diff_plans
from forge_infra.plan.mocks import ProviderMocks
from forge_infra.plan.model import json_schema
from forge_infra.plan.recorder import SECRET_MASK
from forge_infra.plan.render import render_plan, to_dot, to_mermaid
from forge_infra.program import build
from tests.clouds.test_aws_warnings import STACK_WARNINGS
from tests.conftest import ROOT, STACKS, stack_config
from tests.helpers import run_mocked

SNAPSHOTS = Path(__file__).parent / "snapshots"


@pytest.fixture(scope="module")
def plans() -> dict[str, Plan]:
    return {stack: run_plan(stack, ROOT) for stack in STACKS}


@pytest.mark.parametrize("stack", STACKS)
def test_plan_has_exactly_what_the_unit_build_registers(plans, stack) -> None:
    config = load_stack_file(stack, ROOT)
    recording = run_mocked(lambda: build(config), stack=stack)
    unit = Counter((r.type, r.name) for r in recording.resources)
    planned = Counter((r.type, r.name) for r in plans[stack].resources)
    assert planned == unit
    assert len(plans[stack].resources) == len(recording.resources)


@pytest.mark.parametrize("stack", STACKS)
def test_plan_urns_match_the_snapshot(plans, stack) -> None:
    """An accidental rename (a URN change replaces the resource in a real run) fails here.

    After an intended change, regenerate with FORGE_UPDATE_SNAPSHOTS=1 and review the diff.
    """
    urns = "\n".join(sorted(r.urn for r in plans[stack].resources)) + "\n"
    path = SNAPSHOTS / f"{stack}.urns.txt"
    if os.environ.get("FORGE_UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(urns)
    assert path.is_file(), f"missing snapshot {path}; run with FORGE_UPDATE_SNAPSHOTS=1"
    assert urns == path.read_text()


@pytest.mark.parametrize("stack", STACKS)
def test_plan_json_validates_against_the_schema(plans, stack, tmp_path) -> None:
    target = tmp_path / "plan.json"
    plans[stack].write_json(target)
    document = json.loads(target.read_text())
    jsonschema.Draft202012Validator(json_schema()).validate(document)
    assert document["schema"] == SCHEMA_ID
    assert document["stack"] == stack
    assert Plan.read_json(target).to_dict() == document


def test_schema_rejects_a_resource_without_urn(plans) -> None:
    document = plans["dev"].to_dict()
    del document["resources"][0]["urn"]
    with pytest.raises(jsonschema.ValidationError, match="'urn' is a required property"):
        jsonschema.Draft202012Validator(json_schema()).validate(document)


def test_plan_records_parents_components_dependencies_and_protect(plans) -> None:
    plan = plans["prod"]
    by_urn = plan.by_urn()
    rds = [r for r in plan.resources if r.type == "aws:rds/instance:Instance"]
    assert len(rds) == 1
    instance = rds[0]
    assert instance.component == "forge-aws:index:Database"
    assert by_urn[instance.parent].type == "forge-aws:index:Database"
    assert instance.protect is True and instance.opts.protect is True, instance.urn
    dependency_types = {by_urn[d].type for d in instance.dependencies}
    assert {"aws:rds/subnetGroup:SubnetGroup", "aws:rds/parameterGroup:ParameterGroup",
            "aws:ec2/securityGroup:SecurityGroup"} <= dependency_types
    subnet_group = next(r for r in plan.resources if r.type == "aws:rds/subnetGroup:SubnetGroup")
    assert {by_urn[d].type for d in subnet_group.dependencies} == {"aws:ec2/subnet:Subnet"}
    for resource in plan.resources:
        for dependency in resource.dependencies:
            assert dependency in by_urn, f"{resource.urn} depends on unknown {dependency}"


@pytest.mark.parametrize("stack", STACKS)
def test_every_custom_resource_has_a_provider_format_id(plans, stack) -> None:
    for resource in plans[stack].custom_resources():
        assert resource.id, resource.urn
    vpcs = [r for r in plans[stack].resources if r.type == "aws:ec2/vpc:Vpc"]
    assert len(vpcs) == 1 and re.fullmatch(r"vpc-[0-9a-f]{17}", vpcs[0].id)


@pytest.mark.parametrize("stack", STACKS)
def test_no_engine_warnings(plans, stack) -> None:
    # No engine warning; only the stack file's placeholders (tests/clouds/test_aws_warnings.py).
    assert plans[stack].warnings == STACK_WARNINGS[stack]


def _mock_secret_values(plan: Plan) -> list[str]:
    """The values the mocks generated for every random password of the plan."""
    mocks = ProviderMocks()
    return [mocks._random_password(r.name, r.props, r.id or "")["result"]
            for r in plan.resources if r.type == "random:index/randomPassword:RandomPassword"]


def test_secrets_never_appear_in_any_output(tmp_path) -> None:
    base = stack_config("dev")
    services = {name: svc.model_dump(exclude_none=True) for name, svc in base.services.items()}
    services["api"]["secrets"]["JWT_SIGNING_KEY"] = "app:jwt_signing_key"
    config = stack_config("dev", secrets={"jwt_signing_key": {"secure": "v1:c2VjcmV0"}},
                          services=services)
    known = config.secrets["jwt_signing_key"].get_secret_value()
    plan = run_plan("dev", ROOT, config=config)
    secret_values = [known, *_mock_secret_values(plan)]
    assert len(secret_values) >= 2
    versions = [r for r in plan.resources
                if r.type == "aws:secretsmanager/secretVersion:SecretVersion"
                and r.component == "forge-aws:index:AppSecrets"]
    assert [v.props["secretString"] for v in versions] == [SECRET_MASK]
    rendered = tmp_path / "out.txt"
    with rendered.open("w") as stream:
        render_plan(plan, stream, color=False)
    texts = [plan.to_json(), to_dot(plan), to_mermaid(plan), rendered.read_text()]
    for value in secret_values:
        for text in texts:
            assert value not in text


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_no_generated_secret_reaches_the_rendered_chart_objects(plans, stack) -> None:
    plan = plans[stack]
    secrets = _mock_secret_values(plan)
    rendered = json.dumps([r.to_dict()["helm"] for r in plan.helm_releases()])
    assert secrets and '"kind": "Deployment"' in rendered
    for value in secrets:
        assert value not in rendered and value not in plan.to_json(), stack


def test_graphviz_output_parses_with_clusters(plans) -> None:
    plan = plans["prod"]
    graphs = pydot.graph_from_dot_data(to_dot(plan))
    assert graphs and len(graphs) == 1
    graph = graphs[0]
    clusters = [g for g in graph.get_subgraphs() if g.get_name().startswith("cluster_")]
    top_components = [r for r in plan.resources if not r.custom and r.parent is None]
    assert len(clusters) == len(top_components)
    assert len(graph.get_edges()) == len(plan.edges())


def test_mermaid_output_is_structurally_valid(plans) -> None:
    text = to_mermaid(plans["prod"])
    lines = [line.strip() for line in text.splitlines()]
    assert lines[0] == "flowchart LR"
    depth, defined = 0, set()
    for line in lines[1:]:
        if line.startswith("subgraph "):
            depth += 1
            defined.add(line.split()[1].split("[")[0])
        elif line == "end":
            depth -= 1
            assert depth >= 0
        elif "-->" in line:
            source, target = (part.strip() for part in line.split("-->"))
            assert source in defined and target in defined, line
        else:
            match = re.fullmatch(r'(n\d+)\["[^"]+"\]', line)
            assert match, line
            defined.add(match.group(1))
    assert depth == 0
    components = sum(1 for r in plans["prod"].resources if not r.custom)
    assert sum(1 for line in lines if line.startswith("subgraph ")) == components


def test_diff_of_a_plan_against_itself_is_empty(plans) -> None:
    assert diff_plans(plans["dev"], plans["dev"]).empty


def test_diff_against_a_changed_config_shows_exactly_the_change(plans) -> None:
    changed = run_plan("dev", ROOT, config=stack_config(
        "dev", cache={"node_type": "cache.t4g.micro", "nodes": 2, "snapshot_retention_days": 1}))
    diff = diff_plans(plans["dev"], changed)
    assert diff.added == () and diff.removed == ()
    assert [c.type for c in diff.changed] == [
        "aws:elasticache/replicationGroup:ReplicationGroup"]
    changes = {c.path: (c.old, c.new) for c in diff.changed[0].changes}
    assert changes == {"numCacheClusters": (1, 2), "automaticFailoverEnabled": (False, True),
                       "multiAzEnabled": (False, True)}


def test_plan_resources_are_sorted_by_urn_and_deterministic(plans) -> None:
    urns = [r.urn for r in plans["staging"].resources]
    assert urns == sorted(urns)
    again = run_plan("staging", ROOT)
    assert again.to_json() == plans["staging"].to_json()


def test_plan_json_is_byte_identical_across_processes(tmp_path) -> None:
    """Two separate processes (different hash seeds, fresh imports) write the same bytes."""
    written = []
    for run, seed in enumerate(("1", "2")):
        target = tmp_path / f"plan-{run}.json"
        subprocess.run([sys.executable, "-m", "forge_infra.cli", "plan", "-s", "prod", "-q",
                        "--json", str(target)], cwd=ROOT, check=True, capture_output=True,
                       timeout=180, env={**os.environ, "PYTHONHASHSEED": seed})
        written.append(target.read_bytes())
    assert written[0] == written[1]
    document = json.loads(written[0])
    assert sum(len(r["helm"]["objects"]) for r in document["resources"] if r["helm"]) > 0


@pytest.mark.parametrize("stack", STACKS)
def test_plan_json_holds_no_path_of_this_machine(plans, stack) -> None:
    text = plans[stack].to_json()
    for local in (str(ROOT), str(Path(sys.prefix)), str(Path.home())):
        assert local not in text, f"{stack}: {local} appears in the plan JSON"


def test_the_platform_release_records_its_chart_relative_to_its_package(plans) -> None:
    release = next(r for r in plans["prod"].resources
                   if r.type == "kubernetes:helm.sh/v3:Release" and r.helm and r.helm.rendered)
    expected = "forge_components/kubernetes/chart/forge-platform"
    assert (release.props["chart"], release.outputs["chart"], release.helm.chart) == (
        expected, expected, expected), release.urn


@pytest.mark.parametrize("stack", ["azure-dev", "azure-prod"])
def test_planning_azure_imports_no_other_cloud_sdk(stack: str) -> None:
    """Neither the AWS nor the GCP SDK, nor their offline mocks, targets or components."""
    script = ("import sys; from forge_infra.plan import run_plan; "
              f"run_plan({stack!r}); "
              "print(sorted(m for m in sys.modules if m.startswith(('pulumi_aws', "
              "'pulumi_gcp', 'forge_infra.plan.mocks.aws', 'forge_infra.plan.mocks.gcp', "
              "'forge_infra.clouds.aws', 'forge_infra.clouds.gcp', 'forge_components.aws', "
              "'forge_components.gcp'))))")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, check=True, timeout=300)
    assert result.stdout.strip() == "[]"


def test_planning_aws_imports_no_other_cloud_sdk() -> None:
    """Neither the other clouds' SDKs nor their offline mocks are loaded."""
    script = ("import sys; from forge_infra.plan import run_plan; run_plan('dev'); "
              "print(sorted(m for m in sys.modules if m.startswith(('pulumi_gcp', "
              "'pulumi_azure_native', 'forge_infra.plan.mocks.gcp', "
              "'forge_infra.plan.mocks.azure_native'))))")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, check=True, timeout=120)
    assert result.stdout.strip() == "[]"
