"""The AWS catalogues, as data: regions with their partitions and Availability Zones
(`regions.yaml`) and EC2 instance types (`ec2_instance_types.yaml`), each file with its source
and the date it was read.

The AWS settings check `aws:region`, `network.azs`, `network.az_count` and every instance or
node class against them, the components build ARNs with the region's partition, and the
offline mocks answer `getAvailabilityZones` and `getPartition` from the same table. Imports no
cloud SDK (the settings read it without loading pulumi_aws).
"""

import functools
import string
from importlib import resources
from typing import Any, NamedTuple

import yaml

#: The services whose classes are EC2 instance types with a prefix: RDS (`db.t4g.medium`),
#: ElastiCache (`cache.t4g.small`), MSK (`kafka.m5.large`).
CLASS_PREFIXES = {"rds": "db.", "elasticache": "cache.", "msk": "kafka."}


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


def instance_class_problem(service: str, value: str) -> str | None:
    """Why `value` is not an instance or node class of `service` (`ec2`, `rds`,
    `elasticache`, `msk`), or None. Classes of the other services are the EC2 type after their
    prefix (`db.`, `cache.`, `kafka.`); which of them a service offers in a region is not
    checked here."""
    prefix = CLASS_PREFIXES.get(service, "")
    if not value.startswith(prefix):
        return f"{service} classes start with {prefix!r} (e.g. {prefix}t4g.medium)"
    if value[len(prefix):] not in ec2_instance_types():
        family = value[len(prefix):].split(".")[0]
        known = sorted(t for t in ec2_instance_types() if t.split(".")[0] == family)
        hint = (f"{family} comes in {', '.join(prefix + t for t in known)}" if known else
                f"no instance family {family!r} exists")
        return (f"not an instance type of the catalogue (components/forge_components/aws/"
                f"catalog/ec2_instance_types.yaml, from the SDK's EC2 InstanceType enum); {hint}")
    return None


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
