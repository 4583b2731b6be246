"""`forge-infra`: the command line. No cloud code here: it calls the plan library and prints.

Exit codes: 0 ok, 1 config or program error (a clear message; the traceback only with
`--debug`), 2 usage error, 3 `plan`: an estimate above its stack's budget.
"""

from __future__ import annotations

import gc
import os
import sys
import time
import traceback
from pathlib import Path

import click

from forge_infra.config import ConfigError
from forge_infra.cost.cli import budget_gate, cost_command, plan_section
from forge_infra.plan.diff import diff_plans, render_diff
from forge_infra.plan.engine import ProgramError, list_stacks, run_plan
from forge_infra.plan.model import Plan
from forge_infra.plan.render import render_plan, summary_line, to_dot, to_mermaid

GRAPH_FORMATS = {".mmd": to_mermaid, ".mermaid": to_mermaid, ".dot": to_dot, ".gv": to_dot}


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="forge-infra")
def main() -> None:
    """forge-infra: the forge platform as Pulumi code, with an offline plan."""


main.add_command(cost_command)


def _target(template: str | None, stack: str, many: bool) -> Path | None:
    if template is None:
        return None
    if many and "{stack}" not in template:
        raise click.UsageError(f"with --all, the path {template!r} must contain {{stack}}")
    return Path(template.replace("{stack}", stack))


def _fail(message: str, exc: BaseException, debug: bool) -> None:
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


@main.command()
@click.option("-s", "--stack", "stacks", multiple=True, metavar="NAME",
              help="Stack to plan (Pulumi.NAME.yaml); repeatable.")
@click.option("--all", "all_stacks", is_flag=True, help="Plan every Pulumi.*.yaml stack.")
@click.option("--json", "json_path", metavar="FILE",
              help="Write the plan as forge-infra/plan@2 JSON ({stack} with --all).")
@click.option("--graph", "graph_path", metavar="FILE",
              help="Write the resource graph: .mmd (Mermaid) or .dot (Graphviz).")
@click.option("--diff", "diff_path", type=click.Path(dir_okay=False, path_type=Path),
              metavar="OLD.json", help="Show what changed against an earlier plan JSON.")
@click.option("-C", "--project-dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("."), show_default=True, help="Directory holding Pulumi.yaml.")
@click.option("--color/--no-color", default=None, help="Force colours on or off "
              "(default: only on a terminal).")
@click.option("-q", "--quiet", is_flag=True, help="Print only the summary line.")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
def plan(stacks: tuple[str, ...], all_stacks: bool, json_path: str | None,
         graph_path: str | None, diff_path: Path | None, project_dir: Path,
         color: bool | None, quiet: bool, debug: bool) -> None:
    """Plan stacks offline: no cloud account, no Pulumi CLI, no network.

    Runs the real program under provider-like mocks and shows every resource it would
    create, grouped by component, with the stack's outputs.
    """
    if all_stacks and stacks:
        raise click.UsageError("use either --stack or --all, not both")
    names = list_stacks(project_dir) if all_stacks else list(stacks)
    if not names:
        raise click.UsageError("name a stack with --stack NAME (or use --all)")
    if graph_path and Path(graph_path).suffix not in GRAPH_FORMATS:
        raise click.UsageError(f"--graph {graph_path}: use a .mmd or .dot file name")
    many = len(names) > 1
    old_plan: Plan | None = None
    if diff_path is not None:
        if many:
            raise click.UsageError("--diff compares one stack; name a single --stack")
        try:
            old_plan = Plan.read_json(diff_path)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            _fail(f"cannot read {diff_path} as a plan: {exc}", exc, debug)
    planned: list[Plan] = []
    for index, stack in enumerate(names, start=1):
        json_target = _target(json_path, stack, many)
        graph_target = _target(graph_path, stack, many)
        started = time.perf_counter()
        if many:
            click.echo(f"[{index}/{len(names)}] planning {stack} ...", err=True)
        try:
            result = run_plan(stack, project_dir)
        except ConfigError as exc:
            _fail(str(exc), exc, debug)
        except ProgramError as exc:
            _fail(str(exc), exc.__cause__ or exc, debug)
        elapsed = time.perf_counter() - started
        if quiet:
            click.echo(summary_line(result))
        else:
            render_plan(result, color=color, section=plan_section(result))
        planned.append(result)
        if many:
            click.echo(f"[{index}/{len(names)}] {stack}: {len(result.custom_resources())} "
                       f"resources in {elapsed:.1f}s", err=True)
        if json_target is not None:
            result.write_json(json_target)
            click.echo(f"wrote {json_target}", err=True)
        if graph_target is not None:
            graph_target.write_text(GRAPH_FORMATS[graph_target.suffix](result))
            click.echo(f"wrote {graph_target}", err=True)
        if old_plan is not None:
            click.echo()
            render_diff(diff_plans(old_plan, result), color=color)
    budget_gate(planned)


def tune_for_short_run() -> None:
    """Make the cyclic garbage collector run rarely in this short-lived process.

    Importing the provider SDKs allocates hundreds of thousands of objects, and the collector's
    default thresholds make it walk them over and over: about 0.5 s of a 2 s plan. Planning
    creates few cycles, so collecting every 200,000 allocations keeps memory the same (measured
    by benchmarks/plan_bench.py) at a fraction of the cost.
    """
    gc.set_threshold(200_000, 20, 20)


def run() -> None:
    """The console entry point: run the CLI, then leave without interpreter teardown.

    Tearing down the Pulumi SDK's thousands of generated classes and idle RPC threads takes
    longer than a small plan (about 0.7 s of a 2.8 s run): once output is flushed and files
    are closed there is nothing left to clean up, so the process exits at once.
    """
    tune_for_short_run()
    code = 0
    try:
        main()
    except SystemExit as exc:
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
            code = 1
        else:
            code = exc.code or 0
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
