"""Cost: what a plan would cost per month, from price tables shipped as data.

`estimate(plan, usage=..., budget=..., region=...)` is neutral; each cloud's rules live in
`forge_infra.cost.<cloud>` with its table in `prices/<cloud>.yaml`. `report` renders an
estimate (table, markdown, JSON), compares two, and checks it against the stack's budget.
"""

from forge_infra.cost.engine import CostContext, estimate, register
from forge_infra.cost.prices import Price, PriceTable, load_table

__all__ = ["CostContext", "Price", "PriceTable", "estimate", "load_table", "register"]
