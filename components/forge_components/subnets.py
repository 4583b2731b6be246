"""Pure subnet arithmetic shared by the config validation and the networking components.

No cloud SDK is imported here, so the stack config can check that a layout fits before any
resource is declared, with exactly the function the networking component then uses.
"""

import dataclasses
import ipaddress

TIERS = ("public", "private", "database")

#: The smallest subnet AWS allows (/28), and the VPC sizes this layout supports (a /22 still
#: leaves /28 public and database subnets for six AZs).
MIN_SUBNET_PREFIX = 28
VPC_PREFIX_RANGE = (16, 22)
#: Every tier reserves room for this many AZs, so adding an AZ later never moves a subnet.
MAX_AZS = 6
#: Allocation order of the tier regions: private first, then public, then database.
ALLOCATION_ORDER = ("private", "public", "database")


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

    Six AZs' worth of all three tiers uses 15/16 of the VPC; a /16 gives /19 private and /22
    public and database subnets.
    """
    prefix = ipaddress.ip_network(vpc_cidr, strict=True).prefixlen
    return {
        "private": min(prefix + 3, MIN_SUBNET_PREFIX),
        "public": min(prefix + 6, MIN_SUBNET_PREFIX),
        "database": min(prefix + 6, MIN_SUBNET_PREFIX),
    }


def plan_subnets(vpc_cidr: str, az_count: int,
                 prefixes: dict[str, int] | None = None) -> SubnetLayout:
    """Carve one subnet per AZ per tier out of `vpc_cidr`, at positions that never move.

    Each tier owns a region of the VPC sized for `MAX_AZS` subnets (private, then public, then
    database); AZ i always gets slot i of each region. The address of a subnet therefore depends
    only on the VPC CIDR, the tier sizes and its AZ index, never on `az_count`: growing from two
    AZs to three adds subnets and changes none (a changed CIDR would replace the subnet and
    everything in it). Raises `SubnetLayoutError` when the regions do not fit.
    """
    network = ipaddress.ip_network(vpc_cidr, strict=True)
    if not isinstance(network, ipaddress.IPv4Network):
        raise SubnetLayoutError(f"{vpc_cidr} is not an IPv4 network")
    if not 1 <= az_count <= MAX_AZS:
        raise SubnetLayoutError(f"az_count {az_count} is outside 1..{MAX_AZS}")
    sizes = {**default_prefixes(vpc_cidr), **(prefixes or {})}
    for tier, size in sizes.items():
        if not network.prefixlen < size <= MIN_SUBNET_PREFIX:
            raise SubnetLayoutError(
                f"{tier} subnets of /{size} do not fit a /{network.prefixlen} VPC; allowed: "
                f"/{network.prefixlen + 1} to /{MIN_SUBNET_PREFIX}")
    needed = sum(MAX_AZS * 2 ** (32 - sizes[t]) for t in ALLOCATION_ORDER)
    if needed > network.num_addresses:
        raise SubnetLayoutError(
            f"room for {MAX_AZS} AZs x (private /{sizes['private']}, public "
            f"/{sizes['public']}, database /{sizes['database']}) needs {needed} addresses; "
            f"{vpc_cidr} has {network.num_addresses} (smaller subnets or a larger VPC fit)")
    cursor = int(network.network_address)
    allocated: dict[str, list[str]] = {t: [] for t in TIERS}
    for tier in ALLOCATION_ORDER:
        block = 2 ** (32 - sizes[tier])
        cursor = -(-cursor // block) * block  # align the tier's region to its block size
        for slot in range(MAX_AZS):
            if slot < az_count:
                allocated[tier].append(str(ipaddress.ip_network((cursor, sizes[tier]))))
            cursor += block
    if cursor > int(network.broadcast_address) + 1:
        raise SubnetLayoutError(
            f"the subnets of {MAX_AZS} AZs do not fit in {vpc_cidr} once aligned; choose "
            "sizes that are multiples of each other")
    return SubnetLayout(vpc_cidr=str(network), public=tuple(allocated["public"]),
                        private=tuple(allocated["private"]),
                        database=tuple(allocated["database"]))
