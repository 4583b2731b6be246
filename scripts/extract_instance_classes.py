"""Extract the RDS for PostgreSQL and ElastiCache (Valkey / Redis OSS) class catalogues.

Writes components/forge_components/aws/catalog/rds_postgresql_instance_classes.yaml and
elasticache_node_types.yaml from AWS's own documentation text:

    python scripts/extract_instance_classes.py \\
        --rds-markdown FILE --rds-ref REF --cache-model FILE --cache-ref REF [--read DATE]

- `--rds-markdown`: the RDS User Guide's "DB instance classes" page as markdown
  (`doc_source/Concepts.DBInstanceClass.md` of awsdocs/amazon-rds-user-guide, the guide's
  published source until the repository was archived). Its "Supported DB engines for DB
  instance classes" table is read: a class is kept when its PostgreSQL cell names versions
  (the cell is recorded beside it), and dropped when the cell says `No`, `Deprecated`, `—`,
  `Lower than PostgreSQL 13` (forge-infra creates PostgreSQL 15 and later) or that the class
  serves Multi-AZ DB clusters only (forge-infra creates DB instances).
- `--cache-model`: botocore's ElastiCache service model (`botocore/data/elasticache/
  2015-02-02/service-2.json.gz`), whose `CacheNode` shape carries the API Reference's list of
  node types (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/
  API_CacheNode.html). The "Current generation" lists are kept except T2: the ElastiCache User
  Guide's "Supported node types" page says new clusters can no longer be created with T2
  (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheNodes.SupportedTypes.html).

The MSK catalogue (msk_broker_sizes.yaml) is a short list kept by hand from the MSK
Developer Guide's "broker sizes" page; its header names the page.
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import html
import json
import re
import sys
from pathlib import Path

import yaml

CATALOG = (Path(__file__).resolve().parents[1] / "components" / "forge_components" / "aws"
           / "catalog")

#: PostgreSQL cells of the RDS table that mean "cannot be created for forge-infra".
_RDS_REFUSED = re.compile(r"^(No|Deprecated|—|Lower than PostgreSQL 13)$|Multi-AZ DB clusters")
_RDS_SECTION = "## Supported DB engines for DB instance classes"

#: ElastiCache families the User Guide says can no longer be created.
_CACHE_RETIRED = {"t2"}


def rds_postgresql_classes(markdown: str) -> dict[str, str]:
    """Class -> its PostgreSQL cell, from the page's engine support table."""
    section = markdown.split(_RDS_SECTION, 1)[1].split("\n## ", 1)[0]
    header: list[str] | None = None
    classes: dict[str, str] = {}
    for line in section.splitlines():
        if not line.startswith("|"):
            continue
        cells = [c.strip().replace("\\", "") for c in line.strip().strip("|").split("|")]
        if cells[0] == "Instance class":
            header = cells
            continue
        if header is None or len(cells) != len(header) or " " in cells[0]:
            continue  # a family heading row, or a separator
        cell = " ".join(cells[header.index("PostgreSQL")].split())
        if cells[0].startswith("db.") and not _RDS_REFUSED.search(cell):
            classes[cells[0]] = cell
    if not classes:
        raise ValueError("no PostgreSQL class found in the support table")
    return dict(sorted(classes.items(), key=lambda item: _class_key(item[0])))


def elasticache_node_types(model: dict[str, object]) -> dict[str, str]:
    """Node type -> its family's line in the API Reference (current generation only, no T2)."""
    shapes = model["shapes"]
    assert isinstance(shapes, dict)
    doc = html.unescape(shapes["CacheNode"]["documentation"])
    types: dict[str, str] = {}
    for generation in re.findall(r"Current generation:(.*?)(?=Previous generation|$)", doc,
                                 flags=re.S):
        for family in re.findall(r"<p>\s*<b>(.*?)</p>", generation, flags=re.S):
            text = " ".join(re.sub(r"<[^>]+>", "", "<b>" + family).split())
            names = re.findall(r"cache\.[a-z0-9]+\.[a-z0-9]+", text)
            note = text.split(":")[0].strip()
            for name in names:
                if name.split(".")[1] not in _CACHE_RETIRED:
                    types[name] = note
    if not types:
        raise ValueError("no current-generation node type found in the CacheNode shape")
    return dict(sorted(types.items(), key=lambda item: _class_key(item[0])))


_SIZES = ["nano", "micro", "small", "medium", "large", "xlarge"]


def _class_key(name: str) -> tuple[str, int]:
    """Order `db.m5.large` < `db.m5.xlarge` < `db.m5.2xlarge` < `db.m5.12xlarge`."""
    family, size = name.rsplit(".", 1)
    if size in _SIZES:
        return family, _SIZES.index(size)
    if size.endswith("xlarge") and size[:-6].isdigit():
        return family, len(_SIZES) + int(size[:-6])
    return family, 10_000


HEADER = """\
# {title}.
# Written by scripts/extract_instance_classes.py from the source below ({rule}).
# The settings refuse any other value of {key}; which classes a region offers is not checked.
"""


def render(title: str, source: str, url: str, ref: str, read: str, rule: str, key: str,
           classes: dict[str, str]) -> str:
    """One catalogue file's text."""
    return HEADER.format(title=title, rule=rule, key=key) + yaml.safe_dump(
        {"source": source, "url": url, "ref": ref, "read": read, "classes": classes},
        sort_keys=False, width=100, allow_unicode=True)


def main(argv: list[str] | None = None) -> int:
    """Command line: write both files next to the other catalogues."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rds-markdown", type=Path, required=True)
    parser.add_argument("--rds-ref", required=True,
                        help="the awsdocs/amazon-rds-user-guide commit read")
    parser.add_argument("--cache-model", type=Path, required=True)
    parser.add_argument("--cache-ref", required=True, help="the botocore version read")
    parser.add_argument("--read", default=datetime.datetime.now(datetime.UTC).date().isoformat())
    args = parser.parse_args(argv)
    rds = rds_postgresql_classes(args.rds_markdown.read_text(encoding="utf-8"))
    (CATALOG / "rds_postgresql_instance_classes.yaml").write_text(render(
        "RDS for PostgreSQL DB instance classes: class -> the PostgreSQL versions AWS lists",
        "Amazon RDS User Guide, DB instance classes, Supported DB engines for DB instance "
        "classes (PostgreSQL column), as published in awsdocs/amazon-rds-user-guide",
        "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/"
        "Concepts.DBInstanceClass.Support.html", args.rds_ref, args.read,
        "left out: PostgreSQL cell No, Deprecated, below 13, Multi-AZ DB clusters only",
        "database.instance_class", rds), encoding="utf-8")
    opener = gzip.open if args.cache_model.suffix == ".gz" else open
    with opener(args.cache_model, "rt", encoding="utf-8") as handle:
        cache = elasticache_node_types(json.load(handle))
    (CATALOG / "elasticache_node_types.yaml").write_text(render(
        "ElastiCache node types for Valkey and Redis OSS: node type -> its family's line",
        "Amazon ElastiCache API Reference, CacheNode (the node types list), as shipped in "
        "botocore's ElastiCache service model; T2 left out per the User Guide's Supported "
        "node types page (no new T2 clusters)",
        "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CacheNode.html",
        args.cache_ref, args.read, "current generation only, no T2",
        "cache.node_type", cache), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
