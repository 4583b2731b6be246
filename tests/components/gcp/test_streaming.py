"""The GCP Streaming component (Managed Service for Apache Kafka, or none) under the offline
mocks: private only, SASL over TLS with each client's own identity, no key and no secret,
exact IAM grants, the clients' egress rule, the contract.

What these tests do not prove: that Managed Kafka accepts the capacity in the region, that the
subnet has free addresses, or the exact form of the bootstrap address Google reports (the
mocks' assumption; the component sets the SASL port itself). Only that the program asks for
what it should.
"""

from typing import Any

import pulumi
import pytest

from forge_components.contracts import StreamingOutputs
from forge_components.gcp import COMPONENTS_BY_KIND, KINDS_TO_COME
from forge_components.gcp.limits import StreamingEngine
from forge_components.gcp.networking import Networking, NetworkingArgs
from forge_components.gcp.streaming import (
    Streaming,
    StreamingArgs,
    sasl_bootstrap,
    validate_streaming_args,
)
from forge_infra.plan.mocks.gcp import KNOWN_TYPES
from forge_infra.plan.recorder import RecordedResource, Recording
from tests.components.gcp.conftest import PROJECT, REGION, assert_gcp_component_schema, run_gcp

CLUSTER = "gcp:managedkafka/cluster:Cluster"
PROJECT_MEMBER = "gcp:projects/iAMMember:IAMMember"
FIREWALL = "gcp:compute/firewall:Firewall"
OUTPUT_NAMES = {"bootstrap_brokers", "security_protocol", "sasl_mechanism", "username",
                "credentials_secret_id", "engine", "cluster_name", "client_role",
                "broker_service_account", "broker_count", "ca_certificate_pem",
                "password_secret_id"}
API_SA = "serviceAccount:forge-api@forge-offline-plan.iam.gserviceaccount.com"
WORKER_SA = "serviceAccount:forge-worker@forge-offline-plan.iam.gserviceaccount.com"


def build(**overrides: Any) -> Recording:
    """A Networking "net" and a Streaming "ev" on its workloads subnet, outputs exported."""
    def program() -> None:
        net = Networking("net", NetworkingArgs(region=REGION))
        args: dict[str, Any] = {
            "region": REGION, "network_id": net.network_id,
            "workloads_subnet_id": net.workloads_subnet_id,
            "workloads_subnet_cidr": net.workloads_subnet_cidr}
        streaming = Streaming("ev", StreamingArgs(**(args | overrides)))
        for key in OUTPUT_NAMES:
            pulumi.export(key, getattr(streaming, key))
    return run_gcp(program)


def cluster(rec: Recording) -> RecordedResource:
    return rec.one(CLUSTER, "ev-kafka")


def own(rec: Recording) -> list[RecordedResource]:
    """The custom resources the Streaming component declared (the network's are "net-*")."""
    return [r for r in rec.resources if r.custom and r.name.startswith("ev-")]


def test_the_schema_serves_the_contract_and_every_output():
    assert_gcp_component_schema(Streaming, StreamingOutputs, OUTPUT_NAMES)


def test_the_kind_is_registered_and_no_longer_to_come():
    assert COMPONENTS_BY_KIND["Streaming"] == ("forge_components.gcp.streaming:Streaming",)
    assert "Streaming" not in KINDS_TO_COME


def test_the_cluster_is_private_in_the_workloads_subnet_only():
    rec = build()
    kafka = cluster(rec)
    subnet = rec.one("gcp:compute/subnetwork:Subnetwork", "net-workloads")
    assert kafka.inputs["gcpConfig"] == {"accessConfig": {"networkConfigs": [
        {"subnet": subnet.resource_id}]}}, kafka.urn
    assert subnet.resource_id == f"projects/{PROJECT}/regions/{REGION}/subnetworks/" \
                                 f"{subnet.outputs['name']}"
    assert kafka.inputs["location"] == REGION and kafka.inputs["clusterId"] == "ev-kafka"
    assert kafka.resource_id == f"projects/{PROJECT}/locations/{REGION}/clusters/ev-kafka"


def test_clients_use_sasl_over_tls_with_their_own_identity_and_no_secret():
    rec = build(client_members=[API_SA])
    assert rec.exports["security_protocol"] == "SASL_SSL"
    assert rec.exports["sasl_mechanism"] == "OAUTHBEARER"
    assert rec.exports["username"] == ""
    assert rec.exports["credentials_secret_id"] == ""
    assert rec.exports["bootstrap_brokers"] == (
        f"bootstrap.ev-kafka.{REGION}.managedkafka.{PROJECT}.cloud.goog:9092")
    types = {r.type for r in own(rec)}
    assert types == {CLUSTER, PROJECT_MEMBER, FIREWALL}, types
    assert [r.urn for r in rec.resources if r.type == "gcp:serviceaccount/key:Key"] == []
    assert [r.urn for r in rec.resources if r.type.startswith("gcp:secretmanager/")] == []


def test_the_capacity_is_sent_as_the_api_wants_it():
    kafka = cluster(build(vcpu_count=6, memory_gib=24))
    assert kafka.inputs["capacityConfig"] == {"vcpuCount": "6",
                                              "memoryBytes": str(24 * 1024 ** 3)}, kafka.urn
    default = cluster(build())
    assert default.inputs["capacityConfig"] == {"vcpuCount": "3",
                                                "memoryBytes": "3221225472"}
    assert default.inputs["rebalanceConfig"] == {"mode": "AUTO_REBALANCE_ON_SCALE_UP"}
    assert "kafkaVersion" not in default.inputs


def test_cmek_protection_and_labels_only_when_asked():
    key = f"projects/{PROJECT}/locations/{REGION}/keyRings/forge/cryptoKeys/kafka"
    kafka = cluster(build(kms_key_name=key, deletion_protection=True, protect=True,
                          labels={"team": "data"}, kafka_version="3.7.x"))
    assert kafka.inputs["gcpConfig"]["kmsKey"] == key, kafka.urn
    assert kafka.inputs["deletionPolicy"] == "PREVENT" and kafka.protect is True
    assert kafka.inputs["labels"] == {"team": "data", "component": "forge-gcp-streaming"}
    assert kafka.inputs["kafkaVersion"] == "3.7.x"
    default = cluster(build())
    assert "kmsKey" not in default.inputs["gcpConfig"], default.urn
    assert default.inputs["deletionPolicy"] == "DELETE" and default.protect is False


def test_exactly_the_named_members_get_the_client_role_on_the_project():
    rec = build(client_members=[API_SA, WORKER_SA])
    grants = sorted((m.inputs["project"], m.inputs["role"], m.inputs["member"])
                    for m in rec.of_type(PROJECT_MEMBER))
    assert grants == [(PROJECT, "roles/managedkafka.client", API_SA),
                      (PROJECT, "roles/managedkafka.client", WORKER_SA)]
    assert rec.exports["client_role"] == "roles/managedkafka.client"
    assert build().of_type(PROJECT_MEMBER) == []
    explicit = build(client_members=[API_SA], project="other-project")
    assert [m.inputs["project"] for m in explicit.of_type(PROJECT_MEMBER)] == ["other-project"]
    assert cluster(explicit).inputs["project"] == "other-project"


def test_the_clients_may_reach_the_sasl_port_in_the_subnet_only():
    rec = build()
    rule = rec.one(FIREWALL, "ev-kafka-clients")
    assert {k: rule.inputs.get(k) for k in ("direction", "priority", "destinationRanges",
                                            "allows", "targetTags", "network")} == {
        "direction": "EGRESS", "priority": 1000, "destinationRanges": ["10.10.0.0/20"],
        "allows": [{"protocol": "tcp", "ports": ["9092"]}],
        "targetTags": ["forge-data-client"],
        "network": rec.one("gcp:compute/network:Network").outputs["selfLink"]}, rule.urn
    assert [r.name for r in build(client_network_tag=None).of_type(FIREWALL)
            if r.name.startswith("ev-")] == []


def test_engine_none_declares_nothing_and_every_output_is_empty():
    rec = build(engine=StreamingEngine.NONE, client_members=[API_SA])
    assert own(rec) == []
    assert {key: rec.exports[key] for key in OUTPUT_NAMES} == {
        key: {"engine": "none", "broker_count": 0}.get(key, "") for key in OUTPUT_NAMES}


def test_the_mocks_give_every_resource_an_id_in_the_providers_format():
    rec = build(client_members=[API_SA])
    assert {r.type for r in own(rec)} - KNOWN_TYPES == set()
    member = rec.one(PROJECT_MEMBER)
    assert member.resource_id == f"{PROJECT} roles/managedkafka.client {API_SA}"


HOST = "bootstrap.c.r.managedkafka.p.cloud.goog"


@pytest.mark.parametrize(("address", "expected"), [
    (f"{HOST}:9092", f"{HOST}:9092"), (f"{HOST}:9192", f"{HOST}:9092"), (HOST, f"{HOST}:9092"),
    ("", ""),
])
def test_the_bootstrap_server_is_always_on_the_sasl_port(address, expected):
    assert sasl_bootstrap(address) == expected


def _args(**overrides: Any) -> StreamingArgs:
    return StreamingArgs(**({"region": REGION, "network_id": "projects/p/global/networks/n",
                             "workloads_subnet_id": "projects/p/regions/r/subnetworks/w",
                             "workloads_subnet_cidr": "10.10.0.0/20"} | overrides))


@pytest.mark.parametrize(("overrides", "message"), [
    ({"engine": "msk"},
     "Streaming: engine 'msk' is not one of ['managed-kafka', 'redpanda', 'none']"),
    ({"vcpu_count": 2, "memory_gib": 2}, "Streaming: vcpu_count must be 3 or more, got 2"),
    ({"memory_gib": 2},
     "Streaming: memory_gib must be 1 to 8 GiB per vCPU, so between 3 and 24 for 3 vCPUs, "
     "got 2"),
    ({"vcpu_count": 4, "memory_gib": 33},
     "Streaming: memory_gib must be 1 to 8 GiB per vCPU, so between 4 and 32 for 4 vCPUs, "
     "got 33"),
    ({"rebalance_mode": "ALWAYS"},
     "Streaming: rebalance_mode 'ALWAYS' is not one of ['NO_REBALANCE', "
     "'AUTO_REBALANCE_ON_SCALE_UP']"),
    ({"client_members": ["allAuthenticatedUsers"]},
     "Streaming: client_members: 'allAuthenticatedUsers' is not a principal such as "
     "'serviceAccount:<email>' (public members are refused)"),
    ({"client_network_tag": "Data"},
     "Streaming: client_network_tag 'Data' is not a network tag"),
    ({"region": "Europe"},
     "Streaming: region 'Europe' is not a region name such as 'europe-west1'"),
])
def test_invalid_args_are_refused_with_the_field_and_what_is_allowed(overrides, message):
    with pytest.raises(ValueError) as error:
        validate_streaming_args("ev", _args(**overrides))
    assert str(error.value) == message


def test_the_capacity_bounds_are_inclusive():
    validate_streaming_args("ev", _args(vcpu_count=3, memory_gib=3))
    validate_streaming_args("ev", _args(vcpu_count=3, memory_gib=24))


def test_a_name_too_long_for_the_cluster_id_is_refused():
    with pytest.raises(ValueError, match=r"at most 37 characters"):
        validate_streaming_args("e" * 38, _args())
    validate_streaming_args("e" * 37, _args())
    # engine none declares nothing, so it checks nothing else
    validate_streaming_args("E" * 80, _args(engine=StreamingEngine.NONE, vcpu_count=0))


def test_no_engine_asks_the_clients_to_trust_a_private_ca():
    """Managed Kafka's certificates chain to Google's public CAs: KAFKA_SSL_CA_PEM stays empty
    (Redpanda's: tests/components/gcp/test_streaming_redpanda.py)."""
    assert build().exports["ca_certificate_pem"] == ""
    assert build(engine=StreamingEngine.NONE).exports["ca_certificate_pem"] == ""
