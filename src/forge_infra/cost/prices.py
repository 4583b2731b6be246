"""Price tables: one data file per cloud under `forge_infra/cost/prices/`, read as `PriceTable`.

Code holds no prices. Each entry carries its unit, region, source, basis and date; a table
covers one region (plus `global` entries, priced the same everywhere) and may hold entries read
for another region (`key@region`) or document factors for other regions. A region with neither
is not priced: `PriceTable.lookup` says so instead of silently returning the home region's
price.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.resources
from typing import Any

import yaml

GLOBAL_REGION = "global"


@dataclasses.dataclass(frozen=True)
class Price:
    """One list price: USD per `unit`, where and when it was read."""

    key: str
    usd: float
    unit: str
    region: str
    source: str
    basis: str
    date: str
    verified: bool = True
    """False when the figure rests on memory and could not be re-verified."""
    unverified: str = ""
    """Why an unverified figure could not be re-verified (and what corroborates it, if
    anything); empty for a verified one."""
    note: str = ""
    free_tier: str = ""


class UnpricedRegion(LookupError):
    """The table has no price (and no documented factor) for the stack's region."""


@dataclasses.dataclass(frozen=True)
class PriceTable:
    """A cloud's price table, as shipped in the package."""

    cloud: str
    region: str
    currency: str
    hours_per_month: float
    as_of: str
    prices: dict[str, Price]
    regional_factors: dict[str, float] = dataclasses.field(default_factory=dict)

    @property
    def label(self) -> str:
        """`aws us-east-1 list prices as of 2026-12-02`."""
        return f"{self.cloud} {self.region} list prices as of {self.as_of}"

    def factor(self, region: str) -> float:
        """The multiplier for `region` (1 for the table's own); `UnpricedRegion` otherwise."""
        if region == self.region:
            return 1.0
        if region in self.regional_factors:
            return self.regional_factors[region]
        raise UnpricedRegion(
            f"the {self.cloud} price table covers {self.region} only (no documented factor "
            f"for {region})")

    def lookup(self, key: str, region: str) -> tuple[Price, float]:
        """The entry `key` and the USD per unit that applies in `region`.

        An entry `key@region` (a price read for that region itself, as GCP publishes one per
        region) takes precedence over the table region's `key`. Raises `KeyError` when the
        table has no such entry and `UnpricedRegion` when the entry is regional and `region` is
        neither the table's, nor one with its own entry, nor one with a documented factor.
        """
        own = self.prices.get(f"{key}@{region}")
        if own is not None and own.region == region:
            return own, own.usd
        price = self.prices[key]
        if price.region == GLOBAL_REGION:
            return price, price.usd
        return price, price.usd * self.factor(region)


def parse_table(document: dict[str, Any]) -> PriceTable:
    """Build a table from its YAML document, checking every entry has what it must."""
    prices = {}
    for key, entry in (document.get("prices") or {}).items():
        missing = [f for f in ("usd", "unit", "region", "source", "basis", "date")
                   if f not in entry]
        if missing:
            raise ValueError(f"price {key!r}: missing {', '.join(missing)}")
        verified = bool(entry.get("verified", True))
        if verified == bool(entry.get("unverified")):
            raise ValueError(f"price {key!r}: an entry with verified: false says why in "
                             "`unverified`, and only such an entry has that field")
        prices[key] = Price(key=key, usd=float(entry["usd"]), unit=str(entry["unit"]),
                            region=str(entry["region"]), source=str(entry["source"]),
                            basis=str(entry["basis"]), date=str(entry["date"]),
                            verified=verified,
                            unverified=str(entry.get("unverified", "")),
                            note=str(entry.get("note", "")),
                            free_tier=str(entry.get("free_tier", "")))
    return PriceTable(cloud=str(document["cloud"]), region=str(document["region"]),
                      currency=str(document["currency"]),
                      hours_per_month=float(document["hours_per_month"]),
                      as_of=str(document["as_of"]), prices=prices,
                      regional_factors={str(k): float(v) for k, v in
                                        (document.get("regional_factors") or {}).items()})


@functools.cache
def load_table(cloud: str) -> PriceTable:
    """The table shipped for `cloud` (`prices/<cloud>.yaml`)."""
    text = importlib.resources.files("forge_infra.cost").joinpath(
        "prices", f"{cloud}.yaml").read_text(encoding="utf-8")
    return parse_table(yaml.safe_load(text))
