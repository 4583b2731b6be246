"""The cloud-neutral estimator: a plan in, a `CostEstimate` out.

`estimate(plan, usage=...)` looks up the plan's cloud in the registry of pricers (a module
`forge_infra.cost.<cloud>` that registers one with `register`), gives it a `CostContext` over the
plan, and totals what it records. A pricer records, for each resource of the plan, priced lines,
or that it is free, or that it is not priced and why. Whatever it leaves unrecorded is reported
"not priced" as well: the estimate never prices a resource silently at zero.
"""

from __future__ import annotations

import dataclasses
import datetime
import importlib
from collections.abc import Callable, Mapping
from typing import Any

from forge_infra.cost.prices import GLOBAL_REGION, PriceTable, UnpricedRegion, load_table
from forge_infra.model.config import UsageSettings
from forge_infra.plan.model import CostCoverage, CostEstimate, CostLine, Plan, PlanResource

#: A cloud's pricer: records lines, free and not-priced resources into the context.
Pricer = Callable[["CostContext"], None]

_PRICERS: dict[str, Pricer] = {}


def register(cloud: str, pricer: Pricer) -> None:
    """Register the pricer of `cloud` (called by `forge_infra.cost.<cloud>` on import)."""
    _PRICERS[cloud] = pricer


def pricer_for(cloud: str) -> Pricer | None:
    """The registered pricer of `cloud`, importing `forge_infra.cost.<cloud>` if needed."""
    if cloud not in _PRICERS:
        try:
            importlib.import_module(f"forge_infra.cost.{cloud}")
        except ModuleNotFoundError:
            return None
    return _PRICERS.get(cloud)


def cents(value: float) -> float:
    """`value` rounded to the cent (half away from zero, as a bill rounds)."""
    scaled = abs(value) * 100 + 1e-9
    rounded = int(scaled + 0.5) / 100
    return rounded if value >= 0 else -rounded


@dataclasses.dataclass
class CostContext:
    """What a pricer reads (the plan, usage, prices, region, day) and where it records."""

    plan: Plan
    usage: UsageSettings
    table: PriceTable
    region: str
    today: datetime.date
    lines: list[CostLine] = dataclasses.field(default_factory=list)
    coverage: dict[str, CostCoverage] = dataclasses.field(default_factory=dict)
    priced: set[str] = dataclasses.field(default_factory=set)
    assumptions: list[str] = dataclasses.field(default_factory=list)
    _by_urn: dict[str, PlanResource] = dataclasses.field(default_factory=dict, repr=False)

    @property
    def hours(self) -> float:
        """Hours in a month, as the price table counts them (730)."""
        return self.table.hours_per_month

    def group_of(self, resource: PlanResource) -> str:
        """The outermost component that holds `resource`, as `name (Kind)` (the resource's
        own name at the top level)."""
        if not self._by_urn:
            self._by_urn = self.plan.by_urn()
        by_urn = self._by_urn
        parent, group = resource.parent, resource.name
        while parent and parent in by_urn:
            if not by_urn[parent].custom:
                group = f"{by_urn[parent].name} ({by_urn[parent].type.rsplit(':', 1)[-1]})"
            parent = by_urn[parent].parent
        return group

    def add(self, resource: PlanResource, item: str, quantity: float, price_key: str, *,
            usage: bool = False, ceiling_quantity: float | None = None) -> None:
        """Record `quantity` of the price `price_key` for `resource`.

        A missing entry or an unpriced region records the resource as not priced instead.
        `ceiling_quantity` is the quantity at the autoscaling maximum, when there is one.
        """
        try:
            price, unit_price = self.table.lookup(price_key, self.region)
        except KeyError:
            self.not_priced(resource, f"{item}: no price {price_key!r} in the "
                                      f"{self.table.cloud} table")
            return
        except UnpricedRegion as exc:
            self.not_priced(resource, f"{item}: {exc}")
            return
        if price.region not in (GLOBAL_REGION, self.region):
            # priced through a documented regional factor: the line names it
            item = (f"{item} ({self.region}: {self.table.region} price x "
                    f"{self.table.factor(self.region):g})")
        ceiling = (None if ceiling_quantity is None
                   else cents(ceiling_quantity * unit_price))
        self.lines.append(CostLine(
            urn=resource.urn, item=item, quantity=round(quantity, 6), unit=price.unit,
            unit_price=unit_price, monthly=cents(quantity * unit_price),
            group=self.group_of(resource), usage=usage, ceiling=ceiling, price=price_key))
        self.priced.add(resource.urn)

    def free(self, resource: PlanResource, reason: str) -> None:
        """Record `resource` as free, and why."""
        self.coverage.setdefault(resource.urn, CostCoverage(
            urn=resource.urn, type=resource.type, status="free", reason=reason))

    def not_priced(self, resource: PlanResource, reason: str) -> None:
        """Record that (part of) `resource` is not priced, and why (replaces "free")."""
        current = self.coverage.get(resource.urn)
        if current is not None and current.status == "not_priced":
            reason = f"{current.reason}; {reason}"
        self.coverage[resource.urn] = CostCoverage(
            urn=resource.urn, type=resource.type, status="not_priced", reason=reason)



#: How a cloud's pricer turns one resource of a type into cost lines.
PriceRule = Callable[["CostContext", PlanResource], None]


def rule_registrar(priced: dict[str, PriceRule]) -> Callable[[str], Callable[[PriceRule],
                                                                          PriceRule]]:
    """A decorator factory that files a cloud's price rule under its type token in `priced`
    (each cloud module keeps its own PRICED table)."""
    def rule(type_token: str) -> Callable[[PriceRule], PriceRule]:
        def decorate(function: PriceRule) -> PriceRule:
            priced[type_token] = function
            return function
        return decorate
    return rule


def as_number(value: Any, default: float = 0.0) -> float:
    """`value` as a float, or `default` when it is unknown or not a number (a plan input)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def price_resources(context: CostContext, priced: Mapping[str, PriceRule],
                    free: Mapping[str, str], not_priced: Mapping[str, str]) -> None:
    """Apply a cloud's tables to every custom resource of the plan: its type's rule, or a free
    line with the reason, or a not-priced line with the reason (the engine reports the rest
    as having no rule)."""
    for resource in context.plan.custom_resources():
        rule = priced.get(resource.type)
        if rule is not None:
            rule(context, resource)
        elif resource.type in free:
            context.free(resource, free[resource.type])
        elif resource.type in not_priced:
            context.not_priced(resource, not_priced[resource.type])

def estimate(plan: Plan, *, usage: UsageSettings | None = None, budget: float | None = None,
             region: str | None = None, today: datetime.date | None = None) -> CostEstimate:
    """The monthly cost of `plan`: priced lines, coverage, totals and the usage assumptions.

    `region` defaults to the plan's provider region (the AWS mocks' `region` output) and
    `today` (which decides e.g. an EKS version's support rate) to the current UTC date.
    """
    usage = usage or UsageSettings()
    today = today or datetime.datetime.now(datetime.UTC).date()
    pricer = pricer_for(plan.cloud)
    if pricer is None:
        coverage = [CostCoverage(urn=r.urn, type=r.type, status="not_priced",
                                 reason=f"no price table for cloud {plan.cloud!r}")
                    for r in plan.custom_resources()]
        return CostEstimate(region=region or "", coverage=coverage, budget=budget)
    table = load_table(plan.cloud)
    context = CostContext(plan=plan, usage=usage, table=table,
                          region=region or table.region, today=today)
    pricer(context)
    for resource in plan.custom_resources():
        if resource.urn not in context.priced and resource.urn not in context.coverage:
            context.not_priced(resource, f"type {resource.type} has no pricing rule")
    lines = sorted(context.lines, key=lambda line: (line.group, line.usage, line.urn, line.item))
    fixed = cents(sum(line.monthly for line in lines if not line.usage))
    variable = cents(sum(line.monthly for line in lines if line.usage))
    ceiling = cents(sum(line.ceiling if line.ceiling is not None else line.monthly
                        for line in lines))
    return CostEstimate(
        currency=table.currency, monthly_total=cents(fixed + variable), lines=lines,
        fixed_total=fixed, usage_total=variable, ceiling_total=ceiling,
        region=context.region,
        price_table=(table.label if context.region == table.region
                     else f"{table.label}, priced for {context.region}"),
        coverage=sorted(context.coverage.values(), key=lambda c: (c.status, c.type, c.urn)),
        assumptions=context.assumptions, budget=budget)
