"""`forge-infra check` and the Policy section of `forge-infra plan` (registered by
forge_infra.cli).

`check --stack S` plans the stack offline, as `plan` does, and writes only its policy findings:
`--format text` (the plan's Policy section), `json` (the findings list, each with its stack),
`sarif` (SARIF 2.1.0 for GitHub code scanning) or `policy-config` (the config file of
`pulumi preview --policy-pack policy --policy-pack-config FILE`, built from the stack's config
alone: its environment and `policy.waivers`).

Exit codes: 0 ok, 1 config or program error, 2 usage error, 4 (`EXIT_POLICY`) a mandatory
policy finding that no waiver covers (an expired waiver is one). `plan` exits 4 too; when a
plan is both over budget (3) and blocked by policy, 4 wins: a deployment a rule forbids is
refused whatever it costs (both errors are printed).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import click

from forge_infra.cli_support import (
    STDOUT,
    check_stacks,
    check_writable,
    fail,
    interrupted,
    resolve_project,
)
from forge_infra.config import ConfigError, load_stack_file
from forge_infra.plan.engine import ProgramError, list_stacks, run_plan
from forge_infra.plan.model import Plan
from forge_infra.policy.engine import config_waivers, mandatory
from forge_infra.policy.report import (
    counts_text,
    dumps,
    policy_config,
    render_text,
    resource_name,
    to_json,
    to_sarif,
)

EXIT_POLICY = 4
FORMATS = ("text", "json", "sarif", "policy-config")


def policy_section(plan: Plan) -> str:
    """The Policy section of `forge-infra plan`: counts, then every finding."""
    return render_text(plan.findings, stack=plan.stack)


def policy_summary(plan: Plan) -> str:
    """The policy line of the plan's summary: `Policy dev: 0 mandatory, ... findings.`"""
    return f"Policy {plan.stack}: {counts_text(plan.findings)}."


def policy_problems(plans: Sequence[Plan]) -> list[str]:
    """One line per mandatory, unwaived finding of any plan: stack, rule, resource."""
    return [f"stack {p.stack}: mandatory policy finding {f.rule} on {resource_name(f.urn)}: "
            f"{f.message}" for p in plans for f in mandatory(p.findings)]


def _stacks(stacks: tuple[str, ...], all_stacks: bool, project_dir: Path | None) -> tuple[
        Path, list[str]]:
    if all_stacks and stacks:
        raise click.UsageError("use either --stack or --all, not both")
    if not (all_stacks or stacks):
        raise click.UsageError("name a stack with --stack NAME (or use --all)")
    root = resolve_project(project_dir)
    names = list_stacks(root) if all_stacks else list(stacks)
    if not names:
        click.echo(f"error: no Pulumi.<stack>.yaml in {root}", err=True)
        sys.exit(1)
    check_stacks(names, root)
    return root, names


def _output(template: str | None, stack: str, many: bool) -> Path | None:
    if template is None or template == STDOUT:
        return None
    return Path(template.replace("{stack}", stack)) if many else Path(template)


@click.command("check")
@click.option("-s", "--stack", "stacks", multiple=True, metavar="NAME",
              help="Stack to check (Pulumi.NAME.yaml); repeatable.")
@click.option("--all", "all_stacks", is_flag=True, help="Check every Pulumi.*.yaml stack.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text",
              show_default=True,
              help="text: the findings; json: the findings list; sarif: SARIF 2.1.0 for "
                   "GitHub code scanning; policy-config: the stack's config for pulumi "
                   "preview --policy-pack-config.")
@click.option("-o", "--output", "output", metavar="FILE",
              help="Write to FILE instead of standard output ('-'); with --all and "
                   "--format policy-config it must contain {stack} (one file per stack).")
@click.option("-C", "--project-dir", type=click.Path(exists=True, file_okay=False,
                                                     path_type=Path),
              default=None, help="Run as if started in DIR: the project is the nearest folder "
                                 "from DIR upwards holding Pulumi.yaml (default: the current "
                                 "folder).")
@click.option("--color/--no-color", default=None, help="Accepted for symmetry with plan; "
              "the findings are plain text.")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
def check_command(stacks: tuple[str, ...], all_stacks: bool, fmt: str, output: str | None,
                  project_dir: Path | None, color: bool | None, debug: bool) -> None:
    """Check stacks against the policy rules offline (docs/SECURITY.md).

    Plans each stack as `forge-infra plan` does and prints only its policy findings. Exits 4
    when any stack has a mandatory finding no waiver covers.
    """
    try:
        problems = _check(stacks, all_stacks, fmt, output, project_dir, debug)
    except KeyboardInterrupt:
        interrupted()
    except (click.ClickException, click.Abort):
        raise
    except Exception as exc:  # a defect of forge-infra itself: still no traceback by default
        fail(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the "
              "traceback, and report it)", exc, debug)
    if problems:
        for line in problems:
            click.echo(f"error: {line}", err=True)
        sys.exit(EXIT_POLICY)


def _check(stacks: tuple[str, ...], all_stacks: bool, fmt: str, output: str | None,
           project_dir: Path | None, debug: bool) -> list[str]:
    """The `check` command's work; returns the mandatory findings' error lines."""
    root, names = _stacks(stacks, all_stacks, project_dir)
    many = len(names) > 1
    if fmt == "policy-config" and many and (output is None or "{stack}" not in output):
        raise click.UsageError("--format policy-config with several stacks writes one "
                               "file per stack: give --output a path containing {stack}")
    targets = {name: _output(output, name, many and fmt == "policy-config") for name in names}
    for path in {t for t in targets.values() if t is not None}:
        check_writable("--output", path)
    if fmt == "policy-config":
        _policy_configs(names, root, targets, debug)
        return []
    plans = [_plan(name, root, index, len(names), debug)
             for index, name in enumerate(names, start=1)]
    results = [(p.stack, p.findings) for p in plans]
    if fmt == "json":
        text = to_json(results)
    elif fmt == "sarif":
        text = dumps(to_sarif(results))
    else:
        text = "\n".join(render_text(p.findings, stack=p.stack) for p in plans)
    target = targets[names[0]]
    if target is None:
        click.echo(text, nl=False)
    else:
        _write(target, text, debug)
    return policy_problems(plans)


def _plan(stack: str, root: Path, index: int, total: int, debug: bool) -> Plan:
    if total > 1:
        click.echo(f"[{index}/{total}] checking {stack} ...", err=True)
    try:
        return run_plan(stack, root)
    except ConfigError as exc:
        fail(str(exc), exc, debug)
    except ProgramError as exc:
        fail(str(exc), exc.__cause__ or exc, debug)


def _policy_configs(names: list[str], root: Path, targets: dict[str, Path | None],
                    debug: bool) -> None:
    for name in names:
        try:
            config = load_stack_file(name, root)
        except ConfigError as exc:
            fail(str(exc), exc, debug)
        text = dumps(policy_config(config.environment, config_waivers(config.policy.waivers)))
        target = targets[name]
        if target is None:
            click.echo(text, nl=False)
        else:
            _write(target, text, debug)


def _write(path: Path, text: str, debug: bool) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"--output {path}: cannot write: {exc.strerror or exc}", exc, debug)
    click.echo(f"wrote {path}", err=True)

