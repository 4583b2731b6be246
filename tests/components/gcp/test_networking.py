"""The GCP Networking component under the offline mocks: the VPC, its subnets, Private Service
Access, Cloud NAT and the firewall, input by input.

What these tests do not prove: that Google accepts the layout (a range already in use in the
project, quotas, Service Networking enabled in the project); only that the program asks for
what it should.
"""

from typing import Any

import pulumi
import pytest

from forge_components.contracts import NetworkingOutputs
from forge_components.gcp.networking import Networking, NetworkingArgs, validate_networking_args
from forge_infra.plan.recorder import RecordedResource, Recording
from tests.components.gcp.conftest import PROJECT, REGION, assert_gcp_component_schema, run_gcp

NETWORK = "gcp:compute/network:Network"
SUBNET = "gcp:compute/subnetwork:Subnetwork"
ADDRESS = "gcp:compute/globalAddress:GlobalAddress"
PEERING = "gcp:servicenetworking/connection:Connection"
ROUTER = "gcp:compute/router:Router"
NAT = "gcp:compute/routerNat:RouterNat"
FIREWALL = "gcp:compute/firewall:Firewall"
OUTPUT_NAMES = {"network_id", "network_name", "region", "zones", "public_subnet_ids",
                "private_subnet_ids", "workloads_subnet_id", "workloads_subnet_cidr",
                "instances_subnet_id", "private_service_access_range_name",
                "private_service_access_cidr", "private_service_access_connection_id",
                "router_name", "nat_name", "workload_tag", "data_client_tag"}


def build(**overrides: Any) -> Recording:
    """One Networking named "net" in `REGION`, its outputs exported under their own names."""
    def program() -> None:
        net = Networking("net", NetworkingArgs(**({"region": REGION} | overrides)))
        for key in OUTPUT_NAMES:
            pulumi.export(key, getattr(net, key))
    return run_gcp(program)


def firewall(rec: Recording, suffix: str) -> RecordedResource:
    return rec.one(FIREWALL, f"net-{suffix}")


def test_the_schema_serves_the_contract_and_every_output():
    assert_gcp_component_schema(Networking, NetworkingOutputs, OUTPUT_NAMES)


def test_the_vpc_is_custom_mode_with_regional_routing():
    vpc = build().one(NETWORK, "net-vpc")
    assert vpc.inputs["autoCreateSubnetworks"] is False, vpc.urn
    assert vpc.inputs["routingMode"] == "REGIONAL", vpc.urn


def test_two_regional_subnets_with_private_google_access_and_flow_logs():
    rec = build()
    subnets = {s.name: s for s in rec.of_type(SUBNET)}
    assert sorted(subnets) == ["net-instances", "net-workloads"]
    vpc_id = rec.one(NETWORK).resource_id
    expected = {"net-workloads": "10.10.0.0/20", "net-instances": "10.10.16.0/24"}
    for name, subnet in subnets.items():
        inputs, urn = subnet.inputs, subnet.urn
        assert inputs["ipCidrRange"] == expected[name], urn
        assert inputs["region"] == REGION, urn
        assert inputs["network"] == vpc_id, urn
        assert inputs["privateIpGoogleAccess"] is True, urn
        assert inputs["stackType"] == "IPV4_ONLY", urn
        assert inputs["logConfig"] == {"aggregationInterval": "INTERVAL_5_SEC",
                                       "flowSampling": 0.5,
                                       "metadata": "INCLUDE_ALL_METADATA"}, urn


def test_flow_log_settings_come_from_the_args():
    rec = build(flow_logs_sampling=1.0, flow_logs_interval="INTERVAL_1_MIN")
    for subnet in rec.of_type(SUBNET):
        assert subnet.inputs["logConfig"]["flowSampling"] == 1.0, subnet.urn
        assert subnet.inputs["logConfig"]["aggregationInterval"] == "INTERVAL_1_MIN", subnet.urn


def test_private_service_access_allocates_the_range_and_peers_service_networking():
    rec = build(private_service_access_cidr="10.30.0.0/20", labels={"team": "data"})
    address = rec.one(ADDRESS, "net-psa")
    assert address.inputs["purpose"] == "VPC_PEERING", address.urn
    assert address.inputs["addressType"] == "INTERNAL", address.urn
    assert (address.inputs["address"], address.inputs["prefixLength"]) == ("10.30.0.0", 20)
    assert address.inputs["network"] == rec.one(NETWORK).resource_id, address.urn
    assert address.inputs["labels"] == {"team": "data", "component": "forge-gcp-networking"}
    peering = rec.one(PEERING, "net-psa")
    assert peering.inputs["service"] == "servicenetworking.googleapis.com", peering.urn
    assert peering.inputs["reservedPeeringRanges"] == [address.outputs["name"]], peering.urn
    assert peering.inputs["network"] == rec.one(NETWORK).resource_id, peering.urn
    assert address.urn in peering.property_dependencies["reservedPeeringRanges"], peering.urn
    assert rec.exports["private_service_access_connection_id"] == peering.resource_id
    assert rec.exports["private_service_access_cidr"] == "10.30.0.0/20"


def test_cloud_nat_covers_exactly_the_two_subnets_and_logs_errors():
    rec = build()
    router = rec.one(ROUTER, "net-router")
    assert router.inputs["region"] == REGION, router.urn
    assert router.inputs["network"] == rec.one(NETWORK).resource_id, router.urn
    nat = rec.one(NAT, "net-nat")
    inputs = nat.inputs
    assert inputs["router"] == router.outputs["name"], nat.urn
    assert inputs["region"] == REGION, nat.urn
    assert inputs["natIpAllocateOption"] == "AUTO_ONLY", nat.urn
    assert inputs["sourceSubnetworkIpRangesToNat"] == "LIST_OF_SUBNETWORKS", nat.urn
    links = sorted(s.outputs["selfLink"] for s in rec.of_type(SUBNET))
    assert sorted(s["name"] for s in inputs["subnetworks"]) == links, nat.urn
    assert all(s["sourceIpRangesToNats"] == ["ALL_IP_RANGES"] for s in inputs["subnetworks"])
    assert inputs["logConfig"] == {"enable": True, "filter": "ERRORS_ONLY"}, nat.urn
    assert rec.exports["router_name"] == router.outputs["name"]
    assert rec.exports["nat_name"] == nat.outputs["name"]


def test_without_cloud_nat_there_is_no_router_and_the_names_are_empty():
    rec = build(cloud_nat=False)
    assert rec.of_type(ROUTER) == [] and rec.of_type(NAT) == []
    assert (rec.exports["router_name"], rec.exports["nat_name"]) == ("", "")


def test_the_firewall_is_exactly_deny_all_both_ways_and_two_tagged_allows():
    rec = build()
    names = sorted(r.name for r in rec.of_type(FIREWALL))
    assert names == ["net-allow-egress-data", "net-allow-egress-https", "net-deny-all-egress",
                     "net-deny-all-ingress"]
    vpc_id = rec.one(NETWORK).resource_id
    logs = {"metadata": "INCLUDE_ALL_METADATA"}
    for rule in rec.of_type(FIREWALL):
        assert rule.inputs["network"] == vpc_id, rule.urn
        assert rule.inputs["logConfig"] == logs, rule.urn
    ingress = firewall(rec, "deny-all-ingress")
    assert {k: ingress.inputs.get(k) for k in ("direction", "priority", "sourceRanges",
                                               "denies", "allows")} == {
        "direction": "INGRESS", "priority": 65534, "sourceRanges": ["0.0.0.0/0"],
        "denies": [{"protocol": "all"}], "allows": None}, ingress.urn
    egress = firewall(rec, "deny-all-egress")
    assert {k: egress.inputs.get(k) for k in ("direction", "priority", "destinationRanges",
                                              "denies", "targetTags")} == {
        "direction": "EGRESS", "priority": 65534, "destinationRanges": ["0.0.0.0/0"],
        "denies": [{"protocol": "all"}], "targetTags": None}, egress.urn
    https = firewall(rec, "allow-egress-https")
    assert {k: https.inputs.get(k) for k in ("direction", "priority", "destinationRanges",
                                             "allows", "targetTags")} == {
        "direction": "EGRESS", "priority": 1000, "destinationRanges": ["0.0.0.0/0"],
        "allows": [{"protocol": "tcp", "ports": ["443"]}],
        "targetTags": ["forge-workload"]}, https.urn
    data = firewall(rec, "allow-egress-data")
    assert {k: data.inputs.get(k) for k in ("direction", "priority", "destinationRanges",
                                            "allows", "targetTags")} == {
        "direction": "EGRESS", "priority": 1000, "destinationRanges": ["10.20.0.0/16"],
        "allows": [{"protocol": "tcp", "ports": ["5432"]}],
        "targetTags": ["forge-data-client"]}, data.urn


def test_no_rule_allows_ingress():
    for rule in build().of_type(FIREWALL):
        if rule.inputs["direction"] == "INGRESS":
            assert not rule.inputs.get("allows"), rule.urn


def test_data_ports_and_tags_come_from_the_args():
    rec = build(data_ports=[5432, 6378], workload_tag="acme-run", data_client_tag="acme-db")
    data = firewall(rec, "allow-egress-data")
    assert data.inputs["allows"] == [{"protocol": "tcp", "ports": ["5432", "6378"]}], data.urn
    assert data.inputs["targetTags"] == ["acme-db"], data.urn
    assert firewall(rec, "allow-egress-https").inputs["targetTags"] == ["acme-run"]
    assert (rec.exports["workload_tag"], rec.exports["data_client_tag"]) == (
        "acme-run", "acme-db")


def test_outputs_are_in_gcp_formats():
    rec = build()
    out = rec.exports
    vpc = rec.one(NETWORK)
    assert out["network_id"] == (
        f"https://www.googleapis.com/compute/v1/projects/{PROJECT}/global/networks/"
        f"{vpc.outputs['name']}")
    assert out["network_name"] == vpc.outputs["name"]
    assert out["region"] == REGION
    assert out["zones"] == [f"{REGION}-a", f"{REGION}-b", f"{REGION}-c"]
    assert out["public_subnet_ids"] == []
    workloads, instances = rec.one(SUBNET, "net-workloads"), rec.one(SUBNET, "net-instances")
    assert out["private_subnet_ids"] == [workloads.resource_id, instances.resource_id]
    assert out["workloads_subnet_id"] == (
        f"projects/{PROJECT}/regions/{REGION}/subnetworks/{workloads.outputs['name']}")
    assert out["workloads_subnet_cidr"] == "10.10.0.0/20"
    assert out["instances_subnet_id"] == instances.resource_id


def test_every_child_is_parented_to_the_component():
    rec = build()
    component = rec.one("forge-gcp:index:Networking", "net")
    for resource in rec.resources:
        if resource.custom:
            assert resource.parent == component.urn, resource.urn


# -- validation ----------------------------------------------------------------------------

@pytest.mark.parametrize(("overrides", "message"), [
    ({"instances_cidr": "10.10.8.0/24"},
     "Networking: workloads_cidr 10.10.0.0/20 overlaps instances_cidr 10.10.8.0/24"),
    ({"private_service_access_cidr": "10.10.0.0/16"},
     "Networking: workloads_cidr 10.10.0.0/20 overlaps private_service_access_cidr "
     "10.10.0.0/16"),
    ({"workloads_cidr": "34.10.0.0/20"},
     "Networking: workloads_cidr '34.10.0.0/20' is not a private (RFC 1918) range"),
    ({"flow_logs_sampling": 0.0},
     "Networking: flow_logs_sampling must be above 0 and at most 1, got 0.0: VPC flow logs "
     "stay on"),
    ({"flow_logs_interval": "INTERVAL_2_MIN"},
     "Networking: flow_logs_interval 'INTERVAL_2_MIN' is not one of ['INTERVAL_5_SEC', "
     "'INTERVAL_30_SEC', 'INTERVAL_1_MIN', 'INTERVAL_5_MIN', 'INTERVAL_10_MIN', "
     "'INTERVAL_15_MIN']"),
    ({"data_client_tag": "forge-workload"},
     "Networking: workload_tag and data_client_tag must differ: only the data clients may "
     "reach the data services"),
    ({"workload_tag": "Forge"},
     "Networking: workload_tag 'Forge' is not a network tag (lower-case letters, digits and "
     "dashes, a letter first, 63 at most)"),
    ({"data_ports": [5432, 5432]}, "Networking: data_ports has duplicates: [5432, 5432]"),
    ({"data_ports": [0]}, "Networking: data_ports must list TCP ports (1..65535), got [0]"),
    ({"region": "Europe West"},
     "Networking: region 'Europe West' is not a region name such as 'europe-west1'"),
])
def test_invalid_args_are_refused_with_the_field_and_what_is_allowed(overrides, message):
    with pytest.raises(ValueError) as error:
        validate_networking_args("net", NetworkingArgs(**({"region": REGION} | overrides)))
    assert str(error.value) == message


def test_a_name_too_long_for_its_children_is_refused():
    with pytest.raises(ValueError, match=r"of at most 36 characters"):
        validate_networking_args("n" * 37, NetworkingArgs(region=REGION))
    validate_networking_args("n" * 36, NetworkingArgs(region=REGION))


def test_labels_must_be_gcp_labels():
    with pytest.raises(ValueError, match=r"are not GCP labels"):
        validate_networking_args("net", NetworkingArgs(region=REGION, labels={"Team": "x"}))
