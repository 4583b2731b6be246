"""`forge-infra cost` and the cost section of `forge-infra plan` (registered by forge_infra.cli).

Exit codes: 0 ok, 1 config or program error, 2 usage error, 3 (`EXIT_OVER_BUDGET`, `plan`
only) an estimate above its stack's budget (a mandatory policy finding's 4 takes precedence,
forge_infra.cli).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from forge_infra.cli_support import (
    check_stacks,
    fail,
    resolve_project,
)
from forge_infra.config import ConfigError
from forge_infra.cost.engine import cents
from forge_infra.cost.report import (
    compare,
    money,
    over_budget,
    render_compare,
    render_markdown,
    render_table,
    to_json,
)
from forge_infra.plan.engine import ProgramError, run_plan
from forge_infra.plan.model import CostEstimate, Plan


def _plan(stack: str, project_dir: Path, debug: bool) -> Plan:
    try:
        return run_plan(stack, project_dir)
    except ConfigError as exc:
        fail(str(exc), exc, debug)
    except ProgramError as exc:
        fail(str(exc), exc.__cause__ or exc, debug)
    raise AssertionError("unreachable")  # pragma: no cover


def _other(other: str, project_dir: Path, debug: bool) -> tuple[str, CostEstimate]:
    """The estimate to compare against: an earlier plan JSON file, or another stack."""
    if other.endswith(".json") or Path(other).is_file():
        try:
            earlier = Plan.read_json(other)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            fail(f"cannot read {other} as a plan: {exc}", exc, debug)
        if earlier.cost is None:
            raise click.UsageError(f"--compare {other}: the plan has no cost estimate")
        return other, earlier.cost
    return other, _cost(_plan(other, project_dir, debug))


def _cost(plan: Plan) -> CostEstimate:
    if plan.cost is None:  # run_plan always estimates; a plan read from JSON may not
        raise click.UsageError(f"stack {plan.stack}: the plan has no cost estimate")
    return plan.cost


@click.command("cost")
@click.option("-s", "--stack", required=True, metavar="NAME", help="Stack to estimate.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "markdown"]),
              default="table", show_default=True, help="Output format.")
@click.option("--compare", "other", metavar="OTHER",
              help="Show the monthly difference against another stack or an earlier plan JSON.")
@click.option("-C", "--project-dir", type=click.Path(exists=True, file_okay=False,
                                                     path_type=Path),
              default=None, help="Run as if started in DIR: the project is the nearest folder "
                                 "from DIR upwards holding Pulumi.yaml (default: the current "
                                 "folder).")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
def cost_command(stack: str, fmt: str, other: str | None, project_dir: Path | None,
                 debug: bool) -> None:
    """Estimate a stack's monthly cost offline, from its plan and the shipped price table.

    One line per priced quantity, grouped by component with subtotals; usage-based lines (from
    the stack's `usage` profile) apart from fixed ones; free and not-priced resources listed.
    """
    root = resolve_project(project_dir)
    check_stacks([stack], root)
    if other is not None and not (other.endswith(".json") or Path(other).is_file()):
        check_stacks([other], root)
    estimate = _cost(_plan(stack, root, debug))
    if other is not None:
        name, before = _other(other, root, debug)
        if fmt == "json":
            changes = [{"resource": c.resource, "item": c.item, "before": c.before,
                        "after": c.after, "delta": c.delta} for c in compare(before, estimate)]
            click.echo(json.dumps({"before": name, "after": stack,
                                   "before_total": before.monthly_total,
                                   "after_total": estimate.monthly_total,
                                   "delta": cents(estimate.monthly_total
                                                  - before.monthly_total),
                                   "changes": changes}, indent=2))
        else:
            click.echo(render_compare(before, estimate, before_name=name, after_name=stack,
                                      markdown=fmt == "markdown"), nl=False)
        return
    if fmt == "json":
        click.echo(to_json(estimate), nl=False)
    elif fmt == "markdown":
        click.echo(render_markdown(estimate, stack=stack), nl=False)
    else:
        click.echo(render_table(estimate, title=f"Cost estimate: {stack} "
                                                f"({estimate.price_table})"), nl=False)


def plan_section(plan: Plan) -> str:
    """The cost section of `forge-infra plan`: subtotals per component and the totals."""
    estimate = plan.cost
    if estimate is None:
        return ""
    subtotals: dict[str, float] = {}
    for line in estimate.lines:
        subtotals[line.group] = subtotals.get(line.group, 0.0) + line.monthly
    width = max((len(g) for g in subtotals), default=0)
    out = [f"Cost per month ({estimate.price_table}):"]
    out += [f"  {group.ljust(width)}  {money(cents(total)):>10}"
            for group, total in subtotals.items()]
    unpriced = sum(1 for c in estimate.coverage if c.status == "not_priced")
    out.append(f"  total {money(estimate.monthly_total)} ({money(estimate.fixed_total)} fixed + "
               f"{money(estimate.usage_total)} usage-based), ceiling "
               f"{money(estimate.ceiling_total)}"
               + (f", budget {money(estimate.budget)}" if estimate.budget is not None else "")
               + f"; {unpriced} not priced")
    out.append(f"  every line: forge-infra cost --stack {plan.stack}")
    return "\n".join(out) + "\n"


def budget_problems(plans: list[Plan]) -> list[str]:
    """Why each plan whose estimate exceeds its stack's budget does (none: an empty list)."""
    return [m for p in plans if p.cost is not None
            for m in [over_budget(p.cost, stack=p.stack)] if m]

