"""An estimate as text: a table, markdown for a pull request, JSON; a comparison; the budget gate.

Lines are grouped by component (fixed lines first, then the usage-based ones) with subtotals;
the totals follow, then what is free and what is not priced, then the usage profile assumed.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from typing import Any

from forge_infra.cost.engine import cents
from forge_infra.plan.model import CostEstimate, CostLine

#: `forge-infra plan` exits with this code when a stack's estimate exceeds its budget.
EXIT_OVER_BUDGET = 3


def money(value: float) -> str:
    """`$1,234.56`."""
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


def _quantity(value: float) -> str:
    return f"{value:,.4f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"


def _resource_name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def _groups(lines: Iterable[CostLine]) -> dict[str, list[CostLine]]:
    grouped: dict[str, list[CostLine]] = {}
    for line in lines:
        grouped.setdefault(line.group, []).append(line)
    return grouped


def _totals(estimate: CostEstimate) -> list[tuple[str, str]]:
    rows = [("Fixed", money(estimate.fixed_total)),
            ("Usage-based (usage profile)", money(estimate.usage_total)),
            ("Total per month", money(estimate.monthly_total))]
    if estimate.ceiling_total != estimate.monthly_total:
        rows.append(("Ceiling (autoscaling at maximum)", money(estimate.ceiling_total)))
    if estimate.budget is not None:
        rows.append(("Budget", money(estimate.budget)))
    return rows


def _unit_price(line: CostLine) -> str:
    return f"${line.unit_price:g}/{line.unit}"


def _line_cells(line: CostLine) -> list[str]:
    ceiling = f" (max {money(line.ceiling)})" if line.ceiling is not None else ""
    usage = " [usage]" if line.usage else ""
    return [_resource_name(line.urn), line.item + usage, _quantity(line.quantity),
            _unit_price(line), money(line.monthly) + ceiling]


def render_table(estimate: CostEstimate, *, title: str = "") -> str:
    """The estimate as a plain-text table, grouped by component with subtotals."""
    out = [title or f"Cost estimate ({estimate.price_table}, {estimate.region})", ""]
    header = ["resource", "priced", "quantity", "unit price", "monthly"]
    rows: list[list[str]] = []
    for group, lines in _groups(estimate.lines).items():
        rows.append([group, "", "", "", ""])
        rows.extend([["  " + c[0], *c[1:]] for c in (_line_cells(line) for line in lines)])
        rows.append(["", "subtotal", "", "", money(cents(sum(x.monthly for x in lines)))])
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(5)]

    def fmt(row: list[str]) -> str:
        return "  ".join(cell.rjust(w) if i >= 2 else cell.ljust(w)
                         for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip()

    out.append(fmt(header))
    out.append(fmt(["-" * w for w in widths]))
    out.extend(fmt(r) for r in rows)
    out.append("")
    out.extend(f"{label}: {value}" for label, value in _totals(estimate))
    out.extend(_coverage_lines(estimate, bullet="  "))
    return "\n".join(out) + "\n"


def _coverage_lines(estimate: CostEstimate, *, bullet: str) -> list[str]:
    out: list[str] = []
    free = [c for c in estimate.coverage if c.status == "free"]
    unpriced = [c for c in estimate.coverage if c.status == "not_priced"]
    if unpriced:
        out += ["", f"Not priced ({len(unpriced)}):"]
        out += [f"{bullet}{_resource_name(c.urn)} ({c.type}): {c.reason}" for c in unpriced]
    if free:
        counts: dict[str, int] = {}
        for c in free:
            counts[c.type] = counts.get(c.type, 0) + 1
        out += ["", f"Free ({len(free)} resources): " + ", ".join(
            f"{t} x{n}" if n > 1 else t for t, n in sorted(counts.items()))]
    if estimate.assumptions:
        out += ["", "Usage profile:"] + [f"{bullet}{a}" for a in estimate.assumptions]
    return out


def render_markdown(estimate: CostEstimate, *, stack: str = "") -> str:
    """The estimate as GitHub-flavoured markdown, for a pull-request comment."""
    out = [f"### Cost estimate{f': {stack}' if stack else ''}", "",
           f"{money(estimate.monthly_total)} per month ({money(estimate.fixed_total)} fixed + "
           f"{money(estimate.usage_total)} usage-based); {estimate.price_table}, "
           f"{estimate.region}.", "",
           "| Component | Resource | Priced | Quantity | Unit price | Monthly |",
           "| --- | --- | --- | ---: | ---: | ---: |"]
    for group, lines in _groups(estimate.lines).items():
        for line in lines:
            name, item, quantity, unit_price, monthly = _line_cells(line)
            out.append(f"| {group} | {name} | {item} | {quantity} | {unit_price} | {monthly} |")
        out.append(f"| **{group}** | | **subtotal** | | | "
                   f"**{money(cents(sum(x.monthly for x in lines)))}** |")
    out.append("")
    out += [f"- **{label}:** {value}" for label, value in _totals(estimate)]
    out += _coverage_lines(estimate, bullet="- ")
    return "\n".join(out) + "\n"


def to_json(estimate: CostEstimate) -> str:
    """The estimate as JSON (the same object as the plan JSON's `cost`)."""
    return json.dumps(dataclasses.asdict(estimate), indent=2, ensure_ascii=False) + "\n"


# -- compare -----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class CostChange:
    """One line's monthly cost before and after (0 where the line is absent)."""

    group: str
    resource: str
    item: str
    before: float
    after: float

    @property
    def delta(self) -> float:
        """after - before, to the cent."""
        return cents(self.after - self.before)


def _key(line: CostLine) -> tuple[str, str]:
    return _resource_name(line.urn), line.item


def compare(before: CostEstimate, after: CostEstimate) -> list[CostChange]:
    """The lines whose monthly cost differs, matched by resource name and item.

    Resource names (not URNs) match, so two stacks of one project compare line by line: the
    prefix every name of an estimate shares (`forge-prod-`, `forge-small-ecs-`) is dropped
    first.
    """
    def index(estimate: CostEstimate) -> dict[tuple[str, str], CostLine]:
        prefix = _common_prefix([_resource_name(line.urn) for line in estimate.lines])
        return {(name.removeprefix(prefix), item): line
                for line in estimate.lines for name, item in [_key(line)]}

    old, new = index(before), index(after)
    changes = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        either = b if b is not None else a
        change = CostChange(group=either.group if either is not None else "", resource=key[0],
                            item=key[1], before=a.monthly if a else 0.0,
                            after=b.monthly if b else 0.0)
        if change.delta:
            changes.append(change)
    return changes


def _common_prefix(names: list[str]) -> str:
    """The longest dash-ended prefix every name shares (`forge-small-ecs-`), or ""."""
    if len(names) < 2:
        return ""
    shortest, longest = min(names), max(names)
    length = next((i for i, (a, b) in enumerate(zip(shortest, longest, strict=False))
                   if a != b), len(shortest))
    shared = shortest[:length]
    return shared[:shared.rfind("-") + 1]


def render_compare(before: CostEstimate, after: CostEstimate, *, before_name: str,
                   after_name: str, markdown: bool = False) -> str:
    """The monthly difference line by line, then the totals (like `infracost diff`)."""
    changes = compare(before, after)
    delta = cents(after.monthly_total - before.monthly_total)
    sign = "+" if delta > 0 else ""
    head = (f"Monthly cost {before_name} -> {after_name}: {money(before.monthly_total)} -> "
            f"{money(after.monthly_total)} ({sign}{money(delta)})")
    if not changes:
        return head + "\nNo difference.\n"
    if markdown:
        out = [f"### {head}", "", "| Resource | Priced | Before | After | Change |",
               "| --- | --- | ---: | ---: | ---: |"]
        out += [f"| {c.resource} | {c.item} | {money(c.before)} | {money(c.after)} | "
                f"{'+' if c.delta > 0 else ''}{money(c.delta)} |" for c in changes]
        return "\n".join(out) + "\n"
    out = [head, ""]
    out += [f"  {('+' if c.delta > 0 else '') + money(c.delta):>12}  {c.resource}: {c.item} "
            f"({money(c.before)} -> {money(c.after)})" for c in changes]
    return "\n".join(out) + "\n"


# -- budget ------------------------------------------------------------------------------------


def over_budget(estimate: CostEstimate, *, stack: str = "") -> str | None:
    """Why the estimate breaks the stack's budget (by how much, the three largest lines), or
    None when there is no budget or the estimate is within it."""
    if estimate.budget is None or estimate.monthly_total <= estimate.budget:
        return None
    excess = cents(estimate.monthly_total - estimate.budget)
    largest = sorted(estimate.lines, key=lambda line: -line.monthly)[:3]
    named = "; ".join(f"{_resource_name(line.urn)} {line.item} {money(line.monthly)}"
                      for line in largest)
    where = f"stack {stack}: " if stack else ""
    return (f"{where}the estimate {money(estimate.monthly_total)}/month exceeds the budget "
            f"{money(estimate.budget)} (budget.monthly_limit_usd) by {money(excess)}; "
            f"largest lines: {named}")


def summary(estimate: CostEstimate) -> dict[str, Any]:
    """Totals only, for a one-line summary."""
    return {"monthly_total": estimate.monthly_total, "fixed": estimate.fixed_total,
            "usage": estimate.usage_total, "ceiling": estimate.ceiling_total,
            "not_priced": sum(1 for c in estimate.coverage if c.status == "not_priced")}
