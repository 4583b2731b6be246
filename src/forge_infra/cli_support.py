"""What the commands (`plan`, `cost`, `check`) share: finding the project and its stacks,
checking an output path before planning, and failing or stopping with one line.

It sits below the command modules (`forge_infra.cli`, `forge_infra.cost.cli`,
`forge_infra.policy.cli`), which all import it, so none imports another command's module.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import traceback
from pathlib import Path
from typing import NoReturn

import click

from forge_infra.plan.engine import list_stacks

#: A stack name as Pulumi takes it (a file name part: no folder separators).
STACK_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
#: `--json -` (and `check --output -`) write to standard output.
STDOUT = "-"
EXIT_INTERRUPTED = 130


def interrupted() -> NoReturn:
    """Ctrl-C: one line, exit 130 (128 + SIGINT, as shells report it)."""
    click.echo("forge-infra: interrupted", err=True)
    sys.exit(EXIT_INTERRUPTED)


def find_project(start: Path) -> Path | None:
    """The nearest folder from `start` upwards holding `Pulumi.yaml` (as pulumi and git do)."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / "Pulumi.yaml").is_file():
            return folder
    return None


def check_writable(flag: str, path: Path) -> None:
    """Refuse, before planning, an output path that cannot be written: a folder, a missing
    folder, or a place this process may not write (a read-only filesystem included)."""
    def bad(message: str) -> NoReturn:
        raise click.BadParameter(f"{path}: {message}", param_hint=f"'{flag}'")

    if path.is_dir():
        bad(f"is a folder; name a file in it, e.g. {path / ('plan' + (path.suffix or '.json'))}")
    folder = path.parent
    if not folder.exists():
        bad(f"the folder {folder} does not exist; create it first")
    if not folder.is_dir():
        bad(f"{folder} is not a folder")
    try:
        if path.exists():
            with path.open("r+b"):
                pass
        else:
            handle, probe = tempfile.mkstemp(dir=folder, prefix=".forge-infra-write-check-")
            os.close(handle)
            os.unlink(probe)
    except OSError as exc:
        bad(f"cannot write there: {exc.strerror or exc}")


def fail(message: str, exc: BaseException, debug: bool) -> NoReturn:
    """One `error:` line and exit 1; the traceback too with `--debug`."""
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def resolve_project(project_dir: Path | None) -> Path:
    """The project folder: the nearest holding Pulumi.yaml from `-C DIR` (or the current
    folder) upwards; exits 1 with one line when there is none."""
    found = find_project(project_dir if project_dir is not None else Path.cwd())
    if found is None:
        where = (project_dir or Path.cwd()).resolve()
        click.echo(f"error: no Pulumi.yaml in {where} or any folder above it; run forge-infra "
                   "inside the project, or name its folder with -C DIR", err=True)
        sys.exit(1)
    return found


def check_stacks(names: list[str], project_dir: Path) -> None:
    """Refuse a stack name that is not one (usage error) and a stack with no
    `Pulumi.<stack>.yaml` (exit 1, listing the stacks there are)."""
    for name in names:
        if not STACK_NAME.fullmatch(name):
            raise click.BadParameter(
                f"{name!r} is not a stack name (letters, digits, '_', '.', '-'; the file is "
                "Pulumi.NAME.yaml)", param_hint="'--stack'")
    existing = list_stacks(project_dir)
    for name in names:
        if name not in existing:
            here = ", ".join(existing) if existing else "none"
            click.echo(f"error: no stack {name!r} in {project_dir}: there is no Pulumi.{name}"
                       f".yaml (no such stack file); the stacks here are: {here}", err=True)
            sys.exit(1)
