"""The AWS catalogues, as data: regions with their partitions and Availability Zones
(`regions.yaml`), EC2 instance types (`ec2_instance_types.yaml`), RDS for PostgreSQL instance
classes (`rds_postgresql_instance_classes.yaml`), ElastiCache node types
(`elasticache_node_types.yaml`) and MSK broker sizes (`msk_broker_sizes.yaml`), each file with
its source and the date it was read.

The AWS settings check `aws:region`, `network.azs`, `network.az_count` and every instance or
node class against them, the components build ARNs with the region's partition, and the
offline mocks answer `getAvailabilityZones` and `getPartition` from the same table. Imports no
cloud SDK (the settings read it without loading pulumi_aws).
"""

import difflib
import functools
import re
import string
from collections.abc import Iterable
from importlib import resources
from typing import Any, NamedTuple

import yaml

#: The prefix of each service's class names: RDS (`db.t4g.medium`), ElastiCache
#: (`cache.t4g.small`), MSK (`kafka.m5.large`).
CLASS_PREFIXES = {"rds": "db.", "elasticache": "cache.", "msk": "kafka."}

#: Each service's class catalogue: the classes forge-infra's resources can be created with
#: (RDS for PostgreSQL, ElastiCache for Valkey / Redis OSS, MSK Standard brokers), each file with
#: its source and the date it was read.
CLASS_CATALOGUES = {"rds": "rds_postgresql_instance_classes.yaml",
                    "elasticache": "elasticache_node_types.yaml",
                    "msk": "msk_broker_sizes.yaml"}

_CATALOG_DIR = "components/forge_components/aws/catalog"


class Region(NamedTuple):
    """One region of the catalogue."""

    name: str
    partition: str
    dns_suffix: str
    zone_ids: tuple[str, ...]
    """The AZ IDs (`use1-az1`, ...), the same physical zone in every account."""

    @property
    def zone_names(self) -> tuple[str, ...]:
        """The AZ names: the region followed by the letter of each AZ ID's number (`use1-az1`
        is `us-east-1a`; see regions.yaml for the accounts that map them otherwise)."""
        return tuple(f"{self.name}{string.ascii_lowercase[int(z.rsplit('az', 1)[1]) - 1]}"
                     for z in self.zone_ids)


def _load(name: str) -> Any:
    return yaml.safe_load(resources.files(__package__).joinpath(name).read_text())


@functools.cache
def regions() -> dict[str, Region]:
    """Every region forge-infra deploys to, by name."""
    data = _load("regions.yaml")
    return {name: Region(name, entry["partition"],
                         data["partitions"][entry["partition"]]["dns_suffix"],
                         tuple(entry["zones"]))
            for name, entry in data["regions"].items()}


@functools.cache
def unsupported_regions() -> dict[str, str]:
    """Regions the SDK knows that forge-infra does not deploy to, with the reason."""
    return dict(_load("regions.yaml")["unsupported"])


def region(name: str) -> Region | None:
    """The catalogue's region `name`, or None."""
    return regions().get(name)


def partition_of(region_name: str) -> str:
    """The partition of a region (`aws`, `aws-cn`, `aws-us-gov`); `aws` for an unknown one."""
    found = regions().get(region_name)
    return found.partition if found else "aws"


@functools.cache
def ec2_instance_types() -> frozenset[str]:
    """Every EC2 instance type of the catalogue."""
    return frozenset(_load("ec2_instance_types.yaml")["instance_types"])


@functools.cache
def service_classes(service: str) -> tuple[str, ...]:
    """The classes of `service` (`rds`, `elasticache`, `msk`) in their catalogue's order."""
    return tuple(_load(CLASS_CATALOGUES[service])["classes"])


def _nearest(value: str, allowed: Iterable[str]) -> list[str]:
    """Up to five allowed classes nearest `value`: the same family first (`db.t4g.gigantic` ->
    the db.t4g sizes), else the closest spellings."""
    allowed = list(allowed)
    family = value.rsplit(".", 1)[0] + "." if value.count(".") >= 2 else None
    same = [c for c in allowed if family and c.startswith(family)]
    return same[:8] if same else difflib.get_close_matches(value, allowed, n=5, cutoff=0.5)


#: The RDS catalogue is a dated snapshot of the User Guide's table (its `ref`); RDS has added
#: instance families since (Graviton4 db.m8g/db.r8g, Intel db.m7i/db.r7i, ...). A class of a
#: family the snapshot does not know, of generation 7 or later, whose EC2 type exists, is
#: therefore accepted with a plan warning (`rds_class_unlisted`) rather than refused: refusing
#: it would refuse a valid class. Families the snapshot knows are checked exactly, so
#: `db.t4g.gigantic` and `db.c5.large` are refused.
NEWER_FAMILY_GENERATION = 7


def rds_class_unlisted(value: str) -> bool:
    """Whether `value` is a well-formed RDS class of a family newer than the RDS catalogue
    (see NEWER_FAMILY_GENERATION): accepted, with a plan warning to check it."""
    prefix = CLASS_PREFIXES["rds"]
    if not value.startswith(prefix) or value.count(".") != 2:
        return False
    ec2_type = value[len(prefix):]
    family = ec2_type.split(".")[0]
    known_families = {c[len(prefix):].split(".")[0] for c in service_classes("rds")}
    generation = re.match(r"^[a-z]+(\d+)", family)
    return (family not in known_families and ec2_type in ec2_instance_types()
            and generation is not None and int(generation.group(1)) >= NEWER_FAMILY_GENERATION)


def rds_catalogue_date() -> str:
    """The date of the RDS catalogue's source (the `ref` it was read from)."""
    return str(_load(CLASS_CATALOGUES["rds"]).get("ref", ""))


def instance_class_problem(service: str, value: str) -> str | None:
    """Why `value` is not an instance or node class of `service` (`ec2`, `rds`,
    `elasticache`, `msk`), or None. EC2 types come from the SDK's InstanceType enum; the other
    services' classes from their own catalogue (RDS for PostgreSQL, ElastiCache for Valkey and
    Redis OSS, MSK Standard brokers), so `db.c5.large`, a real EC2 type but no RDS class, is
    refused. Which classes a region offers is not checked here."""
    if service == "ec2":
        if value in ec2_instance_types():
            return None
        family = value.split(".")[0]
        known = sorted(t for t in ec2_instance_types() if t.split(".")[0] == family)
        hint = (f"{family} comes in {', '.join(known)}" if known else
                f"no instance family {family!r} exists")
        return (f"not an instance type of the catalogue ({_CATALOG_DIR}/"
                f"ec2_instance_types.yaml, from the SDK's EC2 InstanceType enum); {hint}")
    prefix = CLASS_PREFIXES[service]
    allowed = service_classes(service)
    if value in allowed or (service == "rds" and rds_class_unlisted(value)):
        return None
    nearest = _nearest(value, allowed)
    hint = (f"nearest: {', '.join(nearest)}" if nearest else
            f"e.g. {', '.join(allowed[:3])}")
    data = _load(CLASS_CATALOGUES[service])
    what = {"rds": "an RDS for PostgreSQL DB instance class",
            "elasticache": "an ElastiCache node type for Valkey or Redis OSS",
            "msk": "an MSK Standard broker size"}[service]
    start = "" if value.startswith(prefix) else f"{service} classes start with {prefix!r}; "
    return (f"{start}not {what} ({_CATALOG_DIR}/{CLASS_CATALOGUES[service]}, from "
            f"{data['url']}); {hint}")


@functools.cache
def _postgresql_names() -> tuple[frozenset[str], frozenset[str]]:
    data = _load("postgresql_names.yaml")
    return frozenset(data["reserved_keywords"]), frozenset(data["existing"])


def postgresql_name_problem(value: str, *, what: str) -> str | None:
    """Why `value` cannot name a PostgreSQL database or role on RDS (`what` says which), or
    None: a reserved SQL keyword, or a name every RDS instance already holds."""
    keywords, existing = _postgresql_names()
    if value.lower() in keywords:
        return (f"{value!r} is a reserved SQL keyword in PostgreSQL, which RDS refuses as a "
                f"{what}; choose another name")
    if value.lower() in existing:
        return (f"{value!r} already exists on every RDS for PostgreSQL instance "
                f"({', '.join(sorted(existing))}); choose another {what}")
    return None
