"""`forge-infra`: the command line. No cloud code here: it calls the plan library and prints.

Exit codes: 0 ok, 1 config or program error (a clear message; the traceback only with
`--debug`), 2 usage error (a bad flag, or an output path that cannot be written), 3 `plan`:
an estimate above its stack's budget, 4 `plan` and `check`: a mandatory policy finding no
waiver covers (an expired waiver is one; docs/SECURITY.md), 130 interrupted (Ctrl-C). When
both 3 and 4 apply, 4 wins (a deployment a rule forbids is refused whatever it costs) and
both errors are printed. With `plan --diff OLD.json --detailed-exitcode`, as `terraform plan
-detailed-exitcode`: 0 no changes, 1 any error (usage errors included), 2 changes (3 and 4
still take precedence over 2).
"""

from __future__ import annotations

import dataclasses
import gc
import os
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import click

from forge_infra.cli_support import (
    EXIT_INTERRUPTED,
    STDOUT,
    check_stacks,
    check_writable,
    fail,
    interrupted,
    resolve_project,
)
from forge_infra.config import ConfigError
from forge_infra.cost.cli import budget_problems, cost_command, plan_section
from forge_infra.cost.report import EXIT_OVER_BUDGET
from forge_infra.plan.diff import PlanReadError, diff_plans, read_plan, render_diff
from forge_infra.plan.engine import ProgramError, list_stacks, project_name, run_plan
from forge_infra.plan.graph import to_component_dot, to_component_mermaid
from forge_infra.plan.model import Plan
from forge_infra.plan.recovery import forecast_recovery, render_recovery
from forge_infra.plan.render import render_plan, summary_line, to_dot, to_mermaid
from forge_infra.plan.timeline import forecast, render_timeline, timeline_summary
from forge_infra.policy.cli import (
    EXIT_POLICY,
    check_command,
    policy_problems,
    policy_section,
    policy_summary,
)
from forge_infra.release.command import release_command

GRAPH_FORMATS = {".mmd": to_mermaid, ".mermaid": to_mermaid, ".dot": to_dot, ".gv": to_dot}
#: `--graph-level component`: one node per top-level component (forge_infra.plan.graph).
COMPONENT_GRAPH_FORMATS = {".mmd": to_component_mermaid, ".mermaid": to_component_mermaid,
                           ".dot": to_component_dot, ".gv": to_component_dot}
EXIT_CHANGES = 2
DETAILED_FLAG = "--detailed-exitcode"


class ForgeGroup(click.Group):
    """The command group: one line and exit 130 on Ctrl-C; with `--detailed-exitcode`, usage
    errors exit 1 so that 2 means "changes" only."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        """Run the CLI; see the class docstring for how errors end."""
        argv = list(sys.argv[1:] if args is None else args)
        if not standalone_mode:
            return super().main(argv, prog_name, complete_var, standalone_mode, **extra)
        try:
            code = super().main(argv, prog_name, complete_var, False, **extra)
        except click.ClickException as exc:
            exc.show()
            detailed = DETAILED_FLAG in argv and isinstance(exc, click.UsageError)
            sys.exit(1 if detailed else exc.exit_code)
        except (click.Abort, KeyboardInterrupt):
            interrupted()
        sys.exit(code if isinstance(code, int) else 0)


@click.group(cls=ForgeGroup,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="forge-infra")
def main() -> None:
    """forge-infra: the forge platform as Pulumi code, with an offline plan."""


def color_choice(flag: bool | None, environ: Mapping[str, str]) -> bool | None:
    """`--color/--no-color` wins; else a non-empty `NO_COLOR` (no-color.org) turns colour off;
    else None: colour only on a terminal."""
    if flag is not None:
        return flag
    return False if environ.get("NO_COLOR") else None


main.add_command(cost_command)
main.add_command(check_command)
main.add_command(release_command)


def _target(template: str | None, stack: str, many: bool) -> Path | None:
    if template is None or template == STDOUT:
        return None
    if many and "{stack}" not in template:
        raise click.UsageError(f"with --all, the path {template!r} must contain {{stack}}")
    return Path(template.replace("{stack}", stack))


def _write(path: Path, text: str, flag: str, debug: bool) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"{flag} {path}: cannot write: {exc.strerror or exc}", exc, debug)


@main.command()
@click.option("-s", "--stack", "stacks", multiple=True, metavar="NAME",
              help="Stack to plan (Pulumi.NAME.yaml); repeatable.")
@click.option("--all", "all_stacks", is_flag=True, help="Plan every Pulumi.*.yaml stack.")
@click.option("--json", "json_path", metavar="FILE",
              help="Write the plan as forge-infra/plan@2 JSON ({stack} with --all); '-' writes "
                   "it to standard output, and everything else to standard error.")
@click.option("--graph", "graph_path", metavar="FILE",
              help="Write the resource graph: .mmd (Mermaid) or .dot (Graphviz).")
@click.option("--timeline", is_flag=True,
              help="Forecast the provisioning time: the critical path of creating the stack "
                   "and of deploying a new image, against the 30 and 5 minute targets (also "
                   "written as `timeline` in the plan JSON).")
@click.option("--graph-level", type=click.Choice(["resource", "component"]), default="resource",
              show_default=True, help="What --graph draws: every resource, or one node per "
                                      "top-level component with the dependencies between them.")
@click.option("--diff", "diff_path", type=click.Path(dir_okay=False, path_type=Path),
              metavar="OLD.json", help="Show what would change against an earlier plan JSON "
                                       "of the same project and stack, like pulumi preview.")
@click.option("--force", is_flag=True,
              help="With --diff: compare with a plan of another stack or project anyway.")
@click.option(DETAILED_FLAG, "detailed_exitcode", is_flag=True,
              help="With --diff: exit 0 when nothing changes, 2 when something does, 1 on "
                   "any error (as terraform plan -detailed-exitcode).")
@click.option("-C", "--project-dir", type=click.Path(exists=True, file_okay=False,
                                                     path_type=Path),
              default=None, help="Run as if started in DIR: the project is the nearest folder "
                                 "from DIR upwards holding Pulumi.yaml (default: the current "
                                 "folder).")
@click.option("--color/--no-color", default=None, help="Force colours on or off "
              "(default: only on a terminal, and never when NO_COLOR is set).")
@click.option("-q", "--quiet", is_flag=True, help="Print only the summary line.")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
def plan(stacks: tuple[str, ...], all_stacks: bool, json_path: str | None,
         graph_path: str | None, graph_level: str, timeline: bool, diff_path: Path | None,
         force: bool, detailed_exitcode: bool, project_dir: Path | None, color: bool | None,
         quiet: bool, debug: bool) -> None:
    """Plan stacks offline: no cloud account, no Pulumi CLI, no network.

    Runs the real program under provider-like mocks and shows every resource it would
    create, grouped by component, with the stack's outputs, its cost and its policy findings
    (exit 4 on a mandatory one no waiver covers; exit 3 over budget).
    """
    try:
        changed = _plan(stacks, all_stacks, json_path, graph_path, timeline, diff_path, force,
                        project_dir, color_choice(color, os.environ), quiet, debug)
    except KeyboardInterrupt:
        interrupted()
    except (click.ClickException, click.Abort):
        raise
    except Exception as exc:  # a defect of forge-infra itself: still no traceback by default
        fail(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the "
              "traceback, and report it)", exc, debug)
    if detailed_exitcode and changed:
        sys.exit(EXIT_CHANGES)


def _plan(stacks: tuple[str, ...], all_stacks: bool, json_path: str | None,
          graph_path: str | None, timeline: bool, diff_path: Path | None, force: bool,
          project_dir: Path | None, color: bool | None, quiet: bool, debug: bool) -> bool:
    """The `plan` command's work; returns whether the diff found changes."""
    ctx = click.get_current_context()
    if all_stacks and stacks:
        raise click.UsageError("use either --stack or --all, not both")
    if not (all_stacks or stacks):
        raise click.UsageError("name a stack with --stack NAME (or use --all)")
    if graph_path and Path(graph_path).suffix not in GRAPH_FORMATS:
        raise click.UsageError(f"--graph {graph_path}: use a .mmd or .dot file name")
    if ctx.params["detailed_exitcode"] and diff_path is None:
        raise click.UsageError(f"{DETAILED_FLAG} reports the changes of --diff OLD.json; "
                               "add --diff")
    if force and diff_path is None:
        raise click.UsageError("--force only applies to --diff")
    graph_formats = (COMPONENT_GRAPH_FORMATS if ctx.params["graph_level"] == "component"
                     else GRAPH_FORMATS)
    if ctx.params["graph_level"] != "resource" and not graph_path:
        raise click.UsageError("--graph-level applies to --graph FILE; add --graph")
    root = resolve_project(project_dir)
    names = list_stacks(root) if all_stacks else list(stacks)
    if not names:
        click.echo(f"error: no Pulumi.<stack>.yaml in {root}", err=True)
        sys.exit(1)
    many = len(names) > 1
    to_stdout = json_path == STDOUT
    if to_stdout and many:
        raise click.UsageError("--json - writes one plan to standard output; plan one stack")
    if diff_path is not None and many:
        raise click.UsageError("--diff compares one stack; name a single --stack")
    check_stacks(names, root)
    for name in names:
        for flag, template in (("--json", json_path), ("--graph", graph_path)):
            target = _target(template, name, many)
            if target is not None:
                check_writable(flag, target)
    old_plan: Plan | None = None
    if diff_path is not None:
        try:
            old_plan = read_plan(diff_path)
        except PlanReadError as exc:
            fail(f"--diff {diff_path}: {exc}", exc, debug)
        try:
            project = project_name(root)
        except ConfigError as exc:
            fail(str(exc), exc, debug)
        if (old_plan.project, old_plan.stack) != (project, names[0]) and not force:
            fail(f"--diff {diff_path} is a plan of project {old_plan.project!r}, stack "
                  f"{old_plan.stack!r}, not of project {project!r}, stack {names[0]!r}: its "
                  "resources have other URNs, so the diff would delete and create everything. "
                  "Pass --force to compare anyway",
                  ValueError(diff_path), debug)
    planned: list[Plan] = []
    out: IO[str] = sys.stderr if to_stdout else sys.stdout
    changed = False
    for index, stack in enumerate(names, start=1):
        json_target = _target(json_path, stack, many)
        graph_target = _target(graph_path, stack, many)
        if many:
            click.echo(f"[{index}/{len(names)}] planning {stack} ...", err=True)
        started = time.perf_counter()
        try:
            result = run_plan(stack, root)
        except ConfigError as exc:
            fail(str(exc), exc, debug)
        except ProgramError as exc:
            fail(str(exc), exc.__cause__ or exc, debug)
        elapsed = time.perf_counter() - started
        forecast_result = forecast(result) if timeline else None
        recovery = forecast_recovery(result) if timeline else None
        if forecast_result is not None and recovery is not None:
            forecast_result = dataclasses.replace(forecast_result, recovery=recovery.to_dict())
            result.timeline = forecast_result.to_dict()
        planned.append(result)
        if quiet:
            click.echo(summary_line(result), file=out)
            click.echo(policy_summary(result), file=out)
            if forecast_result is not None:
                click.echo(timeline_summary(forecast_result, result.stack), file=out)
        else:
            sections = [plan_section(result), policy_section(result)]
            if forecast_result is not None and recovery is not None:
                sections.append(render_timeline(forecast_result, result.stack) + "\n"
                                + render_recovery(recovery))
            render_plan(result, out, color=color, section="\n".join(sections),
                        footer=policy_summary(result))
        if many:
            click.echo(f"[{index}/{len(names)}] {stack}: {len(result.custom_resources())} "
                       f"resources in {elapsed:.1f}s", err=True)
        if to_stdout:
            click.echo(result.to_json(), nl=False)
        if json_target is not None:
            _write(json_target, result.to_json(), "--json", debug)
            click.echo(f"wrote {json_target}", err=True)
        if graph_target is not None:
            _write(graph_target, graph_formats[graph_target.suffix](result), "--graph", debug)
            click.echo(f"wrote {graph_target}", err=True)
        if old_plan is not None:
            click.echo(file=out)
            diff = diff_plans(old_plan, result)
            render_diff(diff, out, color=color)
            changed = changed or not diff.empty
    gate(planned)
    return changed


def gate(plans: list[Plan]) -> None:
    """Print why the plans may not be deployed and exit: `EXIT_POLICY` (4) when any has a
    mandatory policy finding no waiver covers, else `EXIT_OVER_BUDGET` (3) when any estimate
    exceeds its budget; both kinds of error are printed either way."""
    over = budget_problems(plans)
    blocked = policy_problems(plans)
    for message in [*over, *blocked]:
        click.echo(f"error: {message}", err=True)
    if blocked:
        sys.exit(EXIT_POLICY)
    if over:
        sys.exit(EXIT_OVER_BUDGET)


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
    except KeyboardInterrupt:
        print("forge-infra: interrupted", file=sys.stderr)
        code = EXIT_INTERRUPTED
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
