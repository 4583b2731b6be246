"""The component-level graph of a plan (`forge-infra plan --graph FILE --graph-level component`).

The resource graph (`render.to_mermaid`, `render.to_dot`) draws every resource; for a stack of
two hundred resources it is a reference, not a picture. The component graph draws one node per
top-level component of the stack (a resource whose parent is the stack: `Networking`,
`Database`, `EksCompute`, ...), labelled with its type and how many resources it holds, and one
edge per pair of components where a resource of the first depends on a resource of the second.
Provider resources (`pulumi:providers:*`) are left out: every component depends on one and the
edges would say nothing. Both are derived from the recorded plan only, so the picture is what
`pulumi up` would be asked to create. The output is deterministic: docs/ARCHITECTURE.md commits
the prod stack's graph and a test keeps it equal to what this module generates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from forge_infra.plan.model import Plan, PlanResource

PROVIDER_PREFIX = "pulumi:providers:"
_MERMAID_UNSAFE = re.compile(r'["`<>{}\[\]|]')


@dataclass(frozen=True)
class ComponentNode:
    """One top-level component (or top-level resource) of a stack."""

    urn: str
    name: str
    type: str
    resources: int
    """The custom resources it holds, itself included when it is one."""


def _is_provider(resource: PlanResource) -> bool:
    return resource.type.startswith(PROVIDER_PREFIX)


def _top_levels(plan: Plan) -> dict[str, str]:
    """URN -> the URN of its top-level ancestor (itself for a top-level resource)."""
    by_urn = plan.by_urn()
    found: dict[str, str] = {}
    for resource in plan.resources:
        current = resource
        while current.parent is not None and current.parent in by_urn:
            current = by_urn[current.parent]
        found[resource.urn] = current.urn
    return found


def component_graph(plan: Plan) -> tuple[list[ComponentNode], list[tuple[str, str]]]:
    """The stack's components (in plan order) and the (dependent, dependency) URN pairs
    between them, sorted."""
    top = _top_levels(plan)
    by_urn = plan.by_urn()
    counts: dict[str, int] = {}
    for resource in plan.resources:
        if resource.custom and not _is_provider(resource):
            counts[top[resource.urn]] = counts.get(top[resource.urn], 0) + 1
    nodes = [ComponentNode(urn=r.urn, name=r.name, type=r.type, resources=counts.get(r.urn, 0))
             for r in plan.resources
             if top[r.urn] == r.urn and not _is_provider(r) and r.type != "pulumi:pulumi:Stack"]
    kept = {node.urn for node in nodes}
    edges = sorted({(top[source], top[target]) for source, target in plan.edges()
                    if top[source] != top[target] and top[source] in kept
                    and top[target] in kept and not _is_provider(by_urn[target])})
    return nodes, edges


def _short_type(type_token: str) -> str:
    """`forge-aws:index:Database` -> `Database`; `aws:s3/bucket:Bucket` -> `Bucket`."""
    return type_token.rsplit(":", 1)[-1]


def _plural(count: int) -> str:
    return f"{count} resource" if count == 1 else f"{count} resources"


def to_component_mermaid(plan: Plan) -> str:
    """The component graph as a Mermaid flowchart (renders on GitHub)."""
    nodes, edges = component_graph(plan)
    ids = {node.urn: f"c{i}" for i, node in enumerate(nodes)}
    lines = ["flowchart LR"]
    for node in nodes:
        label = (f"{_MERMAID_UNSAFE.sub('_', node.name)}<br/>"
                 f"{_MERMAID_UNSAFE.sub('_', _short_type(node.type))} · "
                 f"{_plural(node.resources)}")
        lines.append(f'  {ids[node.urn]}["{label}"]')
    for source, target in edges:
        lines.append(f"  {ids[source]} --> {ids[target]}")
    return "\n".join(lines) + "\n"


def to_component_dot(plan: Plan) -> str:
    """The component graph in Graphviz DOT."""
    nodes, edges = component_graph(plan)
    ids = {node.urn: f"c{i}" for i, node in enumerate(nodes)}
    lines = [f'digraph "{plan.project}-{plan.stack}-components" {{', "  rankdir=LR;",
             '  node [shape=box, style=rounded, fontname="Helvetica", fontsize=10];']
    for node in nodes:
        label = f"{node.name}\\n{_short_type(node.type)} ({_plural(node.resources)})"
        lines.append(f'  {ids[node.urn]} [label="{label.replace(chr(34), chr(92) + chr(34))}"];')
    for source, target in edges:
        lines.append(f"  {ids[source]} -> {ids[target]};")
    lines.append("}")
    return "\n".join(lines) + "\n"
