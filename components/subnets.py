"""Pure subnet arithmetic shared by the config validation and the networking components.

No cloud SDK is imported here, so the stack config can check that a layout fits before any
resource is declared, with exactly the function the networking component then uses.
"""

from __future__ import annotations

import dataclasses
import ipaddress

TIERS = ("public", "private", "database")

#: The smallest subnet AWS allows (/28), and the VPC prefix range it accepts.
MIN_SUBNET_PREFIX = 28
VPC_PREFIX_RANGE = (16, 28)


class SubnetLayoutError(ValueError):
    """The requested subnets do not fit in the VPC CIDR (the message says by how much)."""


@dataclasses.dataclass(frozen=True)
class SubnetLayout:
    """The CIDR of every subnet, one per availability zone per tier."""

    vpc_cidr: str
    public: tuple[str, ...]
    private: tuple[str, ...]
    database: tuple[str, ...]

    def tier(self, name: str) -> tuple[str, ...]:
        """The subnets of one tier (public, private or database)."""
        return getattr(self, name)


def default_prefixes(vpc_cidr: str) -> dict[str, int]:
    """Default subnet sizes: private gets 1/8 of the VPC each, public and database 1/64.

    With six AZs that uses 15/16 of the VPC; a /16 gives /19 private and /22 public/database.
    """
    prefix = ipaddress.ip_network(vpc_cidr, strict=True).prefixlen
    return {
        "private": min(prefix + 3, MIN_SUBNET_PREFIX),
        "public": min(prefix + 6, MIN_SUBNET_PREFIX),
        "database": min(prefix + 6, MIN_SUBNET_PREFIX),
    }


def plan_subnets(vpc_cidr: str, az_count: int,
                 prefixes: dict[str, int] | None = None) -> SubnetLayout:
    """Carve `az_count` subnets per tier out of `vpc_cidr`, largest blocks first.

    Blocks are allocated in a fixed order (private, public, database, by AZ) so a layout never
    changes when nothing in its inputs does. Raises `SubnetLayoutError` when they do not fit.
    """
    network = ipaddress.ip_network(vpc_cidr, strict=True)
    if not isinstance(network, ipaddress.IPv4Network):
        raise SubnetLayoutError(f"{vpc_cidr} is not an IPv4 network")
    sizes = {**default_prefixes(vpc_cidr), **(prefixes or {})}
    for tier, size in sizes.items():
        if not network.prefixlen < size <= MIN_SUBNET_PREFIX:
            raise SubnetLayoutError(
                f"{tier} subnets of /{size} do not fit a /{network.prefixlen} VPC; allowed: "
                f"/{network.prefixlen + 1} to /{MIN_SUBNET_PREFIX}")
    order = sorted(("private", "public", "database"), key=lambda t: sizes[t])
    needed = sum(az_count * 2 ** (32 - sizes[t]) for t in order)
    if needed > network.num_addresses:
        raise SubnetLayoutError(
            f"{az_count} AZs x (private /{sizes['private']}, public /{sizes['public']}, "
            f"database /{sizes['database']}) need {needed} addresses; {vpc_cidr} has "
            f"{network.num_addresses}")
    cursor = int(network.network_address)
    allocated: dict[str, list[str]] = {t: [] for t in TIERS}
    for tier in order:
        block = 2 ** (32 - sizes[tier])
        for _ in range(az_count):
            cursor = -(-cursor // block) * block  # align up to the block size
            allocated[tier].append(str(ipaddress.ip_network((cursor, sizes[tier]))))
            cursor += block
    end = int(network.broadcast_address) + 1
    if cursor > end:
        raise SubnetLayoutError(f"the subnets do not fit in {vpc_cidr} once aligned")
    return SubnetLayout(vpc_cidr=str(network), public=tuple(allocated["public"]),
                        private=tuple(allocated["private"]),
                        database=tuple(allocated["database"]))
