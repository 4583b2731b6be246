"""Terminal, Mermaid and Graphviz views of a plan."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import IO, Any

from rich.console import Console
from rich.markup import escape
from rich.tree import Tree

from forge_infra.plan.engine import plan_summary
from forge_infra.plan.model import Plan, PlanResource

WIDTH = 100


def output_width(stream: IO[str] | None = None) -> int:
    """100 columns, or more when the terminal is wider: `COLUMNS` when set, else the width of
    the terminal the stream writes to. Never less than 100, so files and pipes keep 100."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit():
        return max(WIDTH, int(columns))
    target = stream if stream is not None else sys.stdout
    isatty = getattr(target, "isatty", None)
    if isatty is not None and isatty():
        return max(WIDTH, shutil.get_terminal_size((WIDTH, 24)).columns)
    return WIDTH


def _console(stream: IO[str] | None, color: bool | None, width: int) -> Console:
    """A console that colours only on a TTY (or when forced) and wraps at `width` columns."""
    return Console(file=stream, width=width, force_terminal=color, no_color=color is False,
                   highlight=False, soft_wrap=False, emoji=False)


# -- sizes ----------------------------------------------------------------------------------


def _vcpu(units: Any) -> str:
    """ECS CPU units as vCPU: `256` -> `0.25 vCPU`."""
    try:
        return f"{int(units) / 1024:g} vCPU"
    except (TypeError, ValueError):
        return f"{units} CPU units"


def _plural(count: Any, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _known(*values: Any) -> bool:
    return all(v is not None and v != "[unknown]" for v in values)


def _cache_size(p: dict[str, Any]) -> str | None:
    node = p.get("nodeType")
    if not _known(node):
        return None
    if _known(p.get("numNodeGroups")):
        replicas = p.get("replicasPerNodeGroup") or 0
        return (f"{node}, {_plural(p['numNodeGroups'], 'shard')} of "
                f"{_plural(replicas + 1, 'node')}")
    count = p.get("numCacheClusters")
    return f"{node}, {_plural(count, 'node')}" if _known(count) else str(node)


def _kafka_size(p: dict[str, Any]) -> str | None:
    info = p.get("brokerNodeGroupInfo") or {}
    kind, count = info.get("instanceType"), p.get("numberOfBrokerNodes")
    return f"{kind}, {_plural(count, 'broker')}" if _known(kind, count) else None


def _nodes_size(p: dict[str, Any]) -> str | None:
    kinds = p.get("instanceTypes") or []
    scaling = p.get("scalingConfig") or {}
    low, high = scaling.get("minSize"), scaling.get("maxSize")
    if not kinds:
        return None
    span = f" {low}..{high}" if _known(low, high) else ""
    return ",".join(str(k) for k in kinds) + span


def _task_size(p: dict[str, Any]) -> str | None:
    cpu, memory = p.get("cpu"), p.get("memory")
    return f"{_vcpu(cpu)}/{memory} MiB" if _known(cpu, memory) else None


def _service_size(p: dict[str, Any]) -> str | None:
    count = p.get("desiredCount")
    return _plural(count, "task") if _known(count) else None


def _volume_size(p: dict[str, Any]) -> str | None:
    size = p.get("size")
    return f"{size} GiB {p.get('type') or ''}".rstrip() if _known(size) else None


def _one(key: str, suffix: str = "") -> Callable[[dict[str, Any]], str | None]:
    def size(p: dict[str, Any]) -> str | None:
        return f"{p[key]}{suffix}" if _known(p.get(key)) else None
    return size


#: The key size of each sized resource type, read from its inputs.
SIZES: dict[str, Callable[[dict[str, Any]], str | None]] = {
    "aws:rds/instance:Instance": _one("instanceClass"),
    "aws:rds/clusterInstance:ClusterInstance": _one("instanceClass"),
    "aws:elasticache/replicationGroup:ReplicationGroup": _cache_size,
    "aws:elasticache/cluster:Cluster": _one("nodeType"),
    "aws:msk/cluster:Cluster": _kafka_size,
    "aws:eks/nodeGroup:NodeGroup": _nodes_size,
    "aws:ecs/taskDefinition:TaskDefinition": _task_size,
    "aws:ecs/service:Service": _service_size,
    "aws:ec2/instance:Instance": _one("instanceType"),
    "aws:ec2/launchTemplate:LaunchTemplate": _one("instanceType"),
    "aws:ebs/volume:Volume": _volume_size,
    "aws:lambda/function:Function": _one("memorySize", " MiB"),
}


def resource_size(resource: PlanResource) -> str | None:
    """The key size of a sized resource (`db.t4g.micro`, `t3.large 2..4`,
    `0.25 vCPU/512 MiB`, `1 task`), or None."""
    size = SIZES.get(resource.type)
    return size(resource.props) if size is not None else None


def _sizes(resources: list[PlanResource]) -> str:
    """` (db.t4g.micro)`, ` (1 task x4)`, ` (t3.medium x2, t3.large)`, or nothing."""
    counts = Counter(s for s in (resource_size(r) for r in resources) if s)
    if not counts:
        return ""
    parts = [size if n == 1 else f"{size} x{n}" for size, n in counts.items()]
    return f" [green]({escape(', '.join(parts))})[/green]"


def _children(plan: Plan) -> dict[str | None, list[PlanResource]]:
    children: dict[str | None, list[PlanResource]] = defaultdict(list)
    for resource in plan.resources:
        children[resource.parent].append(resource)
    return children


def _resources(count: int) -> str:
    return f"{count} resource" if count == 1 else f"{count} resources"


def _count_custom(urn: str, children: dict[str | None, list[PlanResource]]) -> int:
    total = 0
    for child in children.get(urn, []):
        total += 1 if child.custom else _count_custom(child.urn, children)
    return total


def _short_type(type_token: str) -> str:
    """`aws:ec2/subnet:Subnet` -> `aws:ec2:Subnet` (readable in 100 columns)."""
    package, module, name = type_token.split(":")
    return f"{package}:{module.split('/')[0]}:{name}"


def _add_component(node: Tree, component: PlanResource,
                   children: dict[str | None, list[PlanResource]]) -> None:
    own = children.get(component.urn, [])
    by_type: dict[str, list[PlanResource]] = defaultdict(list)
    for child in own:
        if child.custom:
            by_type[_short_type(child.type)].append(child)
    protected = sum(1 for c in own if c.custom and c.protect)
    for type_name, members in sorted(by_type.items()):
        node.add(f"{escape(type_name)} [dim]x{len(members)}[/dim]{_sizes(members)}")
    for release in own:
        if release.helm is not None:
            _add_release(node, release)
    if protected:
        node.add(f"[yellow]{protected} protected[/yellow]")
    for child in own:
        if not child.custom:
            total = _count_custom(child.urn, children)
            branch = node.add(f"[bold cyan]{escape(child.type)}[/] {escape(child.name)} "
                              f"[dim]({_resources(total)})[/dim]")
            _add_component(branch, child, children)


def _add_release(node: Tree, release: PlanResource) -> None:
    """A Helm release's rendered objects by kind, or why it was not rendered."""
    helm = release.helm
    assert helm is not None
    name = escape(str(release.props.get("name") or release.name))
    if not helm.rendered:
        node.add(f"[yellow]helm release {name}: not rendered[/yellow] "
                 f"[dim]({escape(helm.reason or '')})[/dim]")
        return
    where = f"Kubernetes {helm.kube_version}" if helm.kube_version else "Helm's default version"
    branch = node.add(f"helm release {name}: {_objects(len(helm.objects))} rendered for "
                      f"{escape(where)}")
    kinds = ", ".join(f"{kind} x{count}" for kind, count in sorted(helm.kind_counts().items()))
    if kinds:
        branch.add(f"[dim]{escape(kinds)}[/dim]")


def _objects(count: int) -> str:
    return f"{count} object" if count == 1 else f"{count} objects"


def _format_value(value: Any, room: int) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= room else text[: room - 3] + "..."


def render_plan(plan: Plan, stream: IO[str] | None = None, *, color: bool | None = None,
                region: str | None = None, section: str = "", footer: str = "") -> None:
    """Print the plan as a tree grouped by component (with the key size of each sized
    resource), the exports, `section` (e.g. the cost estimate and the policy findings, plain
    text) and a one-line summary, then `footer` (e.g. the policy counts); values are cut only
    past the width."""
    width = output_width(stream)
    console = _console(stream, color, width)
    children = _children(plan)
    where = f"{plan.cloud}/{plan.platform}" if plan.platform else plan.cloud
    title = f"[bold]{escape(plan.project)}[/] stack [bold]{escape(plan.stack)}[/] ({where}"
    title += f", {escape(region)})" if region else ")"
    tree = Tree(title)
    for resource in children.get(None, []):
        if resource.custom:
            continue
        total = _count_custom(resource.urn, children)
        branch = tree.add(f"[bold cyan]{escape(resource.type)}[/] {escape(resource.name)} "
                          f"[dim]({_resources(total)})[/dim]")
        _add_component(branch, resource, children)
    loose = [r for r in children.get(None, []) if r.custom]
    if loose:
        branch = tree.add("[bold]top level[/]")
        top: dict[str, list[PlanResource]] = defaultdict(list)
        for r in loose:
            top[_short_type(r.type)].append(r)
        for type_name, members in sorted(top.items()):
            branch.add(f"{escape(type_name)} [dim]x{len(members)}[/dim]{_sizes(members)}")
    console.print(tree)
    if plan.outputs:
        console.print()
        console.print("[bold]Outputs[/]")
        # Wide enough for every key (neutral names run to 30 characters), so no line wraps.
        key_width = min(max(len(k) for k in plan.outputs), 40)
        for key, value in plan.outputs.items():
            room = width - key_width - 4
            console.print(f"  {escape(key):<{key_width}}  {escape(_format_value(value, room))}")
    for warning in plan.warnings:
        console.print(f"[yellow]{escape(warning)}[/]")
    console.print()
    if section:
        console.print(escape(section.rstrip("\n")), highlight=False)
        console.print()
    releases = releases_line(plan)
    if releases:
        console.print(releases)
    console.print(summary_line(plan))
    if footer:
        console.print(escape(footer), highlight=False)


def summary_line(plan: Plan) -> str:
    """`Plan dev: 147 resources (54 types) in 10 components, 0 protected, 16 outputs (offline).`"""
    s = plan_summary(plan)
    return (f"Plan {plan.stack}: {s['resources']} resources ({s['types']} types) in "
            f"{s['components']} components, {s['protected']} protected, {s['outputs']} "
            "outputs (offline).")


def releases_line(plan: Plan) -> str | None:
    """`Helm releases: 1 rendered, 3 not rendered.`, or None when the plan has none."""
    s = plan_summary(plan)
    if not (s["releases_rendered"] or s["releases_not_rendered"]):
        return None
    return (f"Helm releases: {s['releases_rendered']} rendered, {s['releases_not_rendered']} "
            "not rendered.")


# -- graphs ---------------------------------------------------------------------------------


def _node_ids(plan: Plan) -> dict[str, str]:
    return {r.urn: f"n{i}" for i, r in enumerate(plan.resources)}


def _label(resource: PlanResource) -> str:
    return f"{resource.name}\\n{_short_type(resource.type)}"


def to_dot(plan: Plan) -> str:
    """The resource graph in Graphviz DOT: components as clusters, edges to dependencies."""
    ids = _node_ids(plan)
    children = _children(plan)
    lines = [f'digraph "{plan.project}-{plan.stack}" {{', "  rankdir=LR;",
             '  node [shape=box, fontname="Helvetica", fontsize=10];']

    def quote(text: str) -> str:
        return '"' + text.replace('"', '\\"') + '"'

    def emit(parent: str | None, indent: str) -> None:
        for resource in children.get(parent, []):
            if resource.custom:
                lines.append(f"{indent}{ids[resource.urn]} [label={quote(_label(resource))}];")
            else:
                lines.append(f"{indent}subgraph cluster_{ids[resource.urn]} {{")
                lines.append(f"{indent}  label={quote(f'{resource.type} {resource.name}')};")
                lines.append(f"{indent}  style=rounded;")
                lines.append(f"{indent}  {ids[resource.urn]} [shape=point, style=invis];")
                emit(resource.urn, indent + "  ")
                lines.append(f"{indent}}}")

    emit(None, "  ")
    for source, target in plan.edges():
        lines.append(f"  {ids[source]} -> {ids[target]};")
    lines.append("}")
    return "\n".join(lines) + "\n"


_MERMAID_UNSAFE = re.compile(r'["`<>{}\[\]|]')


def to_mermaid(plan: Plan) -> str:
    """The resource graph as a Mermaid flowchart: components as subgraphs."""
    ids = _node_ids(plan)
    children = _children(plan)
    lines = ["flowchart LR"]

    def text(value: str) -> str:
        return _MERMAID_UNSAFE.sub("_", value)

    def emit(parent: str | None, indent: str) -> None:
        for resource in children.get(parent, []):
            label = f"{text(resource.name)}<br/>{text(_short_type(resource.type))}"
            if resource.custom:
                lines.append(f'{indent}{ids[resource.urn]}["{label}"]')
            else:
                lines.append(f'{indent}subgraph {ids[resource.urn]}["{text(resource.type)} '
                             f'{text(resource.name)}"]')
                emit(resource.urn, indent + "  ")
                lines.append(f"{indent}end")

    emit(None, "  ")
    for source, target in plan.edges():
        lines.append(f"  {ids[source]} --> {ids[target]}")
    return "\n".join(lines) + "\n"
