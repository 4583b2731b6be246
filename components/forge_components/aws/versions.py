"""The versions forge-infra allows on AWS and their support calendar (`versions.yaml`).

SDK-free (the config reads it, like `limits`): look a version up by product, ask its status on a
given date, list the versions that can still be created. "Today" is always a parameter, so a
check is reproducible and a test uses a fixed date.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import importlib.resources
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

import yaml

#: The table shipped with the package.
TABLE_FILE = "versions.yaml"


class SupportStatus(StrEnum):
    """Where a version stands on a given day."""

    STANDARD = "standard"
    """In standard support: no surcharge."""
    EXTENDED = "extended"
    """Past standard support, still creatable: extended-support pricing applies."""
    ENDED = "ended"
    """Past every support tier: it can no longer be created."""
    RETIRED = "retired"
    """A chart whose project stopped releasing: installable, but no fixes ever again."""


@dataclasses.dataclass(frozen=True)
class VersionEntry:
    """One version line of a product, with its support dates and where they were read."""

    product: str
    version: str
    released: datetime.date | None
    end_standard: datetime.date | None
    end_extended: datetime.date | None
    source: str
    read: str

    def covers(self, version: str) -> bool:
        """Whether `version` (e.g. "26.2.7", "v1.21.2", "4.2.x") belongs to this line."""
        line = self.version.removesuffix(".x")
        wanted = version.removeprefix("v").removesuffix(".x")
        return wanted == line or wanted.startswith(f"{line}.")


@dataclasses.dataclass(frozen=True)
class Product:
    """A product's versions, its default and its support rules."""

    name: str
    title: str
    default: str
    extended_support: bool
    extended_support_price: str
    versions: tuple[VersionEntry, ...]
    retired: datetime.date | None = None
    retired_source: str = ""
    image_tags: Mapping[str, str] = dataclasses.field(default_factory=dict)
    """For a chart whose image must match the cluster: image tag by Kubernetes minor."""

    def find(self, version: str) -> VersionEntry | None:
        """The entry that covers `version`, or None when the table does not list it."""
        return next((e for e in self.versions if e.covers(version)), None)

    def status(self, entry: VersionEntry, today: datetime.date) -> SupportStatus:
        """The status of `entry` on `today`; a phase ends at 00:00 UTC on its end date."""
        if self.retired is not None and today >= self.retired:
            return SupportStatus.RETIRED
        if self.extended_support:
            if entry.end_extended is not None and today >= entry.end_extended:
                return SupportStatus.ENDED
            if entry.end_standard is not None and today >= entry.end_standard:
                return SupportStatus.EXTENDED
            return SupportStatus.STANDARD
        if entry.end_standard is not None and today >= entry.end_standard:
            return SupportStatus.ENDED
        return SupportStatus.STANDARD

    def creatable(self, today: datetime.date) -> list[str]:
        """The versions that can still be created on `today`, newest first."""
        return [e.version for e in self.versions
                if self.status(e, today) is not SupportStatus.ENDED]

    def in_standard_support(self, today: datetime.date) -> list[str]:
        """The versions in standard support on `today`, newest first."""
        return [e.version for e in self.versions
                if self.status(e, today) is SupportStatus.STANDARD]


@dataclasses.dataclass(frozen=True)
class VersionCheck:
    """What the table says about one version on one day."""

    product: Product
    version: str
    today: datetime.date
    entry: VersionEntry | None

    @property
    def status(self) -> SupportStatus | None:
        """The entry's status, or None for a version the table does not list."""
        return None if self.entry is None else self.product.status(self.entry, self.today)

    def refusal(self) -> str | None:
        """Why the version cannot be used (not listed, or past its support), else None."""
        allowed = ", ".join(self.product.creatable(self.today)) or "none"
        if self.entry is None:
            return (f"{self.product.title} {self.version} is not in the versions table; allowed "
                    f"on {self.today.isoformat()}: {allowed}")
        if self.status is SupportStatus.ENDED:
            return (f"{self.product.title} {self.version} can no longer be created: "
                    f"{_support_span(self.product, self.entry)}; allowed on "
                    f"{self.today.isoformat()}: {allowed} (source: {self.entry.source})")
        return None

    def warning(self) -> str | None:
        """A warning for a usable version past standard support, or a retired chart."""
        entry = self.entry
        if entry is None:
            return None
        if self.status is SupportStatus.EXTENDED:
            standard = ", ".join(self.product.in_standard_support(self.today))
            return (f"{self.product.title} {self.version} is past standard support "
                    f"({_support_span(self.product, entry)}): extended-support pricing applies "
                    f"({self.product.extended_support_price}); versions in standard support: "
                    f"{standard} (source: {entry.source})")
        if self.status is SupportStatus.RETIRED:
            assert self.product.retired is not None
            return (f"{self.product.title} {self.version} is retired since "
                    f"{self.product.retired.isoformat()}: no releases, fixes or security "
                    f"patches (source: {self.product.retired_source})")
        return None


def _support_span(product: Product, entry: VersionEntry) -> str:
    def day(value: datetime.date | None) -> str:
        return value.isoformat() if value else "not published"
    if product.extended_support:
        return (f"standard support ends {day(entry.end_standard)}, extended support ends "
                f"{day(entry.end_extended)}")
    return f"support ends {day(entry.end_standard)}"


def _date(value: Any, where: str) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    raise ValueError(f"{TABLE_FILE}: {where} must be a YYYY-MM-DD date or null, got {value!r}")


def parse_table(document: Mapping[str, Any]) -> dict[str, Product]:
    """Products by name from a parsed versions table (raises ValueError on a malformed one)."""
    products: dict[str, Product] = {}
    for name, raw in document["products"].items():
        entries = tuple(
            VersionEntry(product=name, version=str(v["version"]),
                         released=_date(v.get("released"), f"{name} {v['version']} released"),
                         end_standard=_date(v["end_standard"], f"{name} {v['version']} "
                                                               "end_standard"),
                         end_extended=_date(v["end_extended"], f"{name} {v['version']} "
                                                               "end_extended"),
                         source=str(v["source"]), read=str(v["read"]))
            for v in raw["versions"])
        product = Product(name=name, title=str(raw["title"]), default=str(raw["default"]),
                          extended_support=bool(raw["extended_support"]),
                          extended_support_price=str(raw.get("extended_support_price", "")),
                          versions=entries, retired=_date(raw.get("retired"), f"{name} retired"),
                          retired_source=str(raw.get("retired_source", "")),
                          image_tags={str(k): str(v)
                                      for k, v in (raw.get("image_tags") or {}).items()})
        if product.find(product.default) is None:
            raise ValueError(f"{TABLE_FILE}: {name}'s default {product.default} is not listed")
        products[name] = product
    return products


@functools.cache
def products() -> dict[str, Product]:
    """The shipped table, parsed once."""
    text = (importlib.resources.files("forge_components.aws").joinpath(TABLE_FILE)
            .read_text(encoding="utf-8"))
    return parse_table(yaml.safe_load(text))


def product(name: str) -> Product:
    """One product of the shipped table (KeyError names the known products)."""
    table = products()
    if name not in table:
        raise KeyError(f"no product {name!r} in {TABLE_FILE}; known: {', '.join(table)}")
    return table[name]


def default_version(name: str) -> str:
    """The version a new deployment of the product gets."""
    return product(name).default


def check(name: str, version: str, today: datetime.date | None = None) -> VersionCheck:
    """What the table says about `version` of product `name` on `today` (default: today)."""
    p = product(name)
    return VersionCheck(product=p, version=version, today=today or datetime.date.today(),
                        entry=p.find(version))
