"""`forge-infra plan --graph FILE --graph-level component`, and the diagram ARCHITECTURE.md commits.

The component graph is derived from the recorded plan: its nodes are the stack's top-level
components, each with the custom resources it holds (providers left out); its edges are the
resource dependencies between two components. The committed Mermaid block in
docs/ARCHITECTURE.md must equal what the prod plan generates today.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from forge_infra.cli import main
from forge_infra.plan.engine import run_plan
from forge_infra.plan.graph import component_graph, to_component_dot, to_component_mermaid
from forge_infra.plan.model import Plan
from tests.conftest import ROOT

BLOCK = re.compile(r"<!-- BEGIN generated: forge-infra plan --stack prod --graph-level "
                   r"component -->\n```mermaid\n(?P<graph>.*?)```\n<!-- END generated -->", re.S)


@pytest.fixture(scope="module")
def prod() -> Plan:
    """The prod stack's plan."""
    return run_plan("prod", ROOT)


def test_architecture_commits_the_generated_component_graph(prod) -> None:
    committed = BLOCK.search((ROOT / "docs" / "ARCHITECTURE.md").read_text())
    assert committed, "docs/ARCHITECTURE.md lost its generated component graph block"
    assert committed["graph"] == to_component_mermaid(prod), (
        "docs/ARCHITECTURE.md's component graph is stale: regenerate it with "
        "`forge-infra plan --stack prod -q --graph prod-components.mmd --graph-level component`")


def test_every_custom_resource_is_counted_in_exactly_one_component(prod) -> None:
    nodes, _ = component_graph(prod)
    providers = [r for r in prod.resources if r.custom and r.type.startswith("pulumi:providers:")]
    custom = [r for r in prod.resources if r.custom]
    assert sum(node.resources for node in nodes) == len(custom) - len(providers)
    assert {node.type for node in nodes} >= {
        "forge-aws:index:Networking", "forge-aws:index:Database", "forge-aws:index:Cache",
        "forge-aws:index:Streaming", "forge-aws:index:Storage", "forge-aws:index:EksCompute"}
    assert not any(node.type.startswith("pulumi:providers:") for node in nodes)


def test_edges_follow_the_resource_dependencies(prod) -> None:
    """The database's resources depend on the network's (subnet group, security group): an
    edge Database -> Networking; and nothing in the network depends on the database."""
    nodes, edges = component_graph(prod)
    urn = {node.type.rsplit(":", 1)[-1]: node.urn for node in nodes}
    assert (urn["Database"], urn["Networking"]) in edges
    assert (urn["Networking"], urn["Database"]) not in edges
    assert all(source != target for source, target in edges)
    assert edges == sorted(set(edges))


def test_the_graph_is_deterministic(prod) -> None:
    assert to_component_mermaid(prod) == to_component_mermaid(run_plan("prod", ROOT))


def test_cli_writes_the_component_graph(tmp_path: Path) -> None:
    mermaid, dot = tmp_path / "dev.mmd", tmp_path / "dev.dot"
    runner = CliRunner()
    for target in (mermaid, dot):
        result = runner.invoke(main, ["plan", "-C", str(ROOT), "--stack", "dev", "-q", "--graph",
                                      str(target), "--graph-level", "component"])
        assert result.exit_code == 0, result.output
    dev = run_plan("dev", ROOT)
    assert mermaid.read_text() == to_component_mermaid(dev)
    assert dot.read_text() == to_component_dot(dev)
    assert dot.read_text().startswith('digraph "forge-infra-dev-components" {')


def test_graph_level_needs_a_graph() -> None:
    result = CliRunner().invoke(main, ["plan", "-C", str(ROOT), "--stack", "dev",
                                       "--graph-level", "component"])
    assert result.exit_code == 2
    assert "--graph-level applies to --graph FILE; add --graph" in result.output
