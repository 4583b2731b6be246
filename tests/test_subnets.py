"""The subnet layout: stable addresses, no overlaps, everything inside the VPC."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forge_components.subnets import MAX_AZS, TIERS, SubnetLayoutError, plan_subnets

vpcs = st.builds(lambda a, b, prefix: str(ipaddress.ip_network((f"10.{a}.{b}.0", prefix),
                                                                strict=False)),
                 st.integers(0, 255), st.integers(0, 255), st.integers(16, 22))


@given(vpc=vpcs, smaller=st.integers(1, MAX_AZS), larger=st.integers(1, MAX_AZS))
def test_adding_azs_never_moves_an_existing_subnet(vpc, smaller, larger) -> None:
    small, large = sorted((smaller, larger))
    before, after = plan_subnets(vpc, small), plan_subnets(vpc, large)
    for tier in TIERS:
        assert after.tier(tier)[:small] == before.tier(tier), tier


@given(vpc=vpcs, az_count=st.integers(1, MAX_AZS))
def test_subnets_are_inside_the_vpc_and_never_overlap(vpc, az_count) -> None:
    layout = plan_subnets(vpc, az_count)
    network = ipaddress.ip_network(vpc)
    subnets = [ipaddress.ip_network(c) for t in TIERS for c in layout.tier(t)]
    assert len(subnets) == 3 * az_count
    assert all(s.subnet_of(network) for s in subnets)
    for i, a in enumerate(subnets):
        for b in subnets[i + 1:]:
            assert not a.overlaps(b), (a, b)


def test_default_layout_of_a_slash_16() -> None:
    layout = plan_subnets("10.30.0.0/16", 3)
    assert layout.private == ("10.30.0.0/19", "10.30.32.0/19", "10.30.64.0/19")
    assert layout.public == ("10.30.192.0/22", "10.30.196.0/22", "10.30.200.0/22")
    assert layout.database == ("10.30.216.0/22", "10.30.220.0/22", "10.30.224.0/22")


def test_sizes_that_leave_no_room_for_six_azs_are_refused() -> None:
    with pytest.raises(SubnetLayoutError, match=r"room for 6 AZs .* needs 110592 addresses; "
                                                r"10.0.0.0/16 has 65536"):
        plan_subnets("10.0.0.0/16", 2, {"private": 18})
