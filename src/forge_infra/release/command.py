"""`forge-infra release`: step a deployed stack's new revisions through its canary.

Cloud-neutral: the stack's `forge-infra:rollout` gives the steps and signals, and the stack's
cloud target (a `ReleasingTarget`) gives the driver. A cloud whose platform runs the rollout
itself during `pulumi up` (AWS: ECS deployment strategies, Argo Rollouts on EKS) has nothing
to step here, and the command says so.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from forge_infra.cli_support import check_stacks, fail, resolve_project
from forge_infra.config import ConfigError, load_stack_file
from forge_infra.model.target import ReleasingTarget, find_target
from forge_infra.program import rollout_spec
from forge_infra.release.controller import (
    ReleaseError,
    SystemClock,
    describe_schedule,
    run_release,
    subprocess_runner,
)


def read_outputs(path: Path) -> dict[str, Any]:
    """The stack outputs `pulumi stack output --json` wrote to `path`."""
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReleaseError(f"--outputs {path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise ReleaseError(f"--outputs {path}: not JSON ({exc.msg} at line {exc.lineno}); "
                           "write it with `pulumi stack output --json > FILE`") from exc
    if not isinstance(loaded, dict):
        raise ReleaseError(f"--outputs {path}: expected the JSON object `pulumi stack output "
                           f"--json` writes, got {type(loaded).__name__}")
    return loaded


@click.command("release")
@click.option("-s", "--stack", required=True, metavar="NAME", help="The deployed stack.")
@click.option("--outputs", "outputs_path", type=click.Path(dir_okay=False, path_type=Path),
              metavar="FILE", help="The stack's outputs: `pulumi stack output --json > FILE`.")
@click.option("--dry-run", is_flag=True,
              help="Print the steps, holds and signals; call no cloud, need no outputs.")
@click.option("--ready-timeout", type=click.IntRange(1, 120), default=15, show_default=True,
              metavar="MINUTES", help="How long each new revision may take to become ready.")
@click.option("-C", "--project-dir", type=click.Path(exists=True, file_okay=False,
              path_type=Path), default=None, help="The project folder (default: here).")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
def release_command(stack: str, outputs_path: Path | None, dry_run: bool, ready_timeout: int,
                    project_dir: Path | None, debug: bool) -> None:
    """Step the new revisions of a deployed stack through its `forge-infra:rollout`.

    Run it after `pulumi up` on Cloud Run and Container Apps: each step gives the new
    revisions their share of the traffic and holds it while their 5xx share and readiness are
    watched; a breach returns all traffic to the previous revisions. Exit 0: promoted (or
    nothing to step); 6: rolled back; 1: the release could not be read or driven.
    """
    root = resolve_project(project_dir)
    check_stacks([stack], root)
    try:
        config = load_stack_file(stack, root)
    except ConfigError as exc:
        fail(str(exc), exc, debug)
    spec = rollout_spec(config)
    entry = find_target(config.cloud)
    target = entry.builder() if entry is not None else None
    if spec["strategy"] != "rolling" and not isinstance(target, ReleasingTarget):
        click.echo(f"{stack}: cloud {config.cloud} runs the {spec['strategy']} rollout itself "
                   "during `pulumi up` (docs/DEPLOYMENT.md, \"Progressive delivery\"); "
                   "nothing for forge-infra release to step")
        return
    delay = target.release_signal_delay_minutes if isinstance(target, ReleasingTarget) else 0
    if dry_run or spec["strategy"] == "rolling":
        for line in describe_schedule(spec, delay):
            click.echo(f"{stack}: {line}")
        return
    assert isinstance(target, ReleasingTarget)
    if outputs_path is None:
        raise click.UsageError("give --outputs FILE (`pulumi stack output --json > FILE`), or "
                               "--dry-run")
    try:
        driver = target.release_driver(config, read_outputs(outputs_path), subprocess_runner)
        outcome = run_release(driver, spec, clock=SystemClock(),
                              log=lambda line: click.echo(f"{stack}: {line}"),
                              ready_timeout_minutes=ready_timeout)
    except ReleaseError as exc:
        fail(f"{stack}: {exc}", exc, debug)
    click.echo(f"{stack}: {outcome.status.replace('_', ' ')}: {outcome.reason}")
    sys.exit(outcome.exit_code)
