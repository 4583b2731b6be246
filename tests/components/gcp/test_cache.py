"""The GCP Cache component (Memorystore for Redis) under the offline mocks: private
connectivity, HA, TLS, AUTH in Secret Manager, exact IAM grants and the clients' egress rule.

What these tests do not prove: that Memorystore accepts the size in the region or that the
peered range has a free /29; the port the instance serves on comes from Memorystore itself, so
here it is the mocks' assumption. Only that the program asks for what it should.
"""

from typing import Any

import pulumi
import pytest

from forge_components.contracts import CacheOutputs
from forge_components.gcp.cache import Cache, CacheArgs, validate_cache_args
from forge_components.gcp.networking import Networking, NetworkingArgs
from forge_infra.plan.recorder import SECRET_MASK, RecordedResource, Recording
from tests.components.gcp.conftest import PROJECT, REGION, assert_gcp_component_schema, run_gcp

REDIS = "gcp:redis/instance:Instance"
SECRET = "gcp:secretmanager/secret:Secret"
VERSION = "gcp:secretmanager/secretVersion:SecretVersion"
IAM_MEMBER = "gcp:secretmanager/secretIamMember:SecretIamMember"
FIREWALL = "gcp:compute/firewall:Firewall"
PEERING = "gcp:servicenetworking/connection:Connection"
OUTPUT_NAMES = {"host", "port", "auth_token_secret_id", "instance_name", "tier",
                "server_ca_cert"}
API_SA = "serviceAccount:forge-api@forge-offline-plan.iam.gserviceaccount.com"


def build(**overrides: Any) -> Recording:
    """A Networking "net" and a Cache "kv" on it, the cache's outputs exported."""
    def program() -> None:
        net = Networking("net", NetworkingArgs(region=REGION))
        args: dict[str, Any] = {
            "region": REGION, "network_id": net.network_id,
            "private_service_access_connection_id": net.private_service_access_connection_id}
        cache = Cache("kv", CacheArgs(**(args | overrides)))
        for key in OUTPUT_NAMES:
            pulumi.export(key, getattr(cache, key))
    return run_gcp(program)


def redis(rec: Recording) -> RecordedResource:
    return rec.one(REDIS, "kv-cache")


def test_the_schema_serves_the_contract_and_every_output():
    assert_gcp_component_schema(Cache, CacheOutputs, OUTPUT_NAMES)


def test_private_service_access_tls_and_auth():
    rec = build()
    instance = redis(rec)
    inputs, urn = instance.inputs, instance.urn
    assert inputs["connectMode"] == "PRIVATE_SERVICE_ACCESS", urn
    assert inputs["authorizedNetwork"] == rec.one(
        "gcp:compute/network:Network").outputs["selfLink"], urn
    assert inputs["transitEncryptionMode"] == "SERVER_AUTHENTICATION", urn
    assert inputs["authEnabled"] is True, urn
    assert inputs["redisVersion"] == "REDIS_7_2", urn
    assert inputs["region"] == REGION, urn
    assert rec.one(PEERING).urn in instance.dependencies, urn
    assert rec.exports["host"] == instance.outputs["host"]
    assert rec.exports["host"].startswith("10.20."), rec.exports["host"]
    assert rec.exports["port"] == instance.outputs["port"]


@pytest.mark.parametrize(("high_availability", "tier", "replicas"), [
    (False, "BASIC", 0), (True, "STANDARD_HA", 1)])
def test_ha_is_a_standard_tier_replica_exactly_when_asked(high_availability, tier, replicas):
    rec = build(high_availability=high_availability)
    inputs = redis(rec).inputs
    assert (inputs["tier"], inputs["replicaCount"], inputs["readReplicasMode"]) == (
        tier, replicas, "READ_REPLICAS_DISABLED"), redis(rec).urn
    assert rec.exports["tier"] == tier


def test_persistence_maintenance_and_size():
    rec = build(memory_size_gb=5, maintenance_day="TUESDAY", maintenance_hour=2)
    inputs = redis(rec).inputs
    assert inputs["memorySizeGb"] == 5
    assert inputs["persistenceConfig"] == {"persistenceMode": "RDB",
                                           "rdbSnapshotPeriod": "TWELVE_HOURS"}
    assert inputs["maintenancePolicy"] == {"weeklyMaintenanceWindows": [
        {"day": "TUESDAY", "startTime": {"hours": 2, "minutes": 0}}]}
    off = redis(build(rdb_snapshot_period=None)).inputs["persistenceConfig"]
    assert off == {"persistenceMode": "DISABLED"}


def test_protection_and_cmek_only_when_asked():
    key = f"projects/{PROJECT}/locations/{REGION}/keyRings/forge/cryptoKeys/redis"
    rec = build(deletion_protection=True, protect=True, kms_key_name=key)
    instance = redis(rec)
    assert instance.inputs["deletionProtection"] is True and instance.protect is True
    assert instance.inputs["customerManagedKey"] == key
    default = redis(build())
    assert default.inputs["deletionProtection"] is False and default.protect is False
    assert "customerManagedKey" not in default.inputs


def test_the_auth_string_goes_to_a_regional_secret_by_reference():
    rec = build()
    secret = rec.one(SECRET, "kv-auth")
    assert secret.inputs["secretId"] == "kv-auth", secret.urn
    assert secret.inputs["replication"] == {
        "userManaged": {"replicas": [{"location": REGION}]}}, secret.urn
    version = rec.one(VERSION, "kv-auth")
    assert version.inputs["secret"] == secret.resource_id, version.urn
    assert version.inputs["secretData"] == SECRET_MASK, version.urn
    assert version.property_dependencies["secretData"] == [redis(rec).urn], version.urn
    assert rec.exports["auth_token_secret_id"] == f"projects/{PROJECT}/secrets/kv-auth"


def test_only_the_named_members_may_read_the_auth_secret():
    rec = build(auth_secret_accessors=[API_SA])
    secret = rec.one(SECRET, "kv-auth")
    assert [(m.inputs["secretId"], m.inputs["role"], m.inputs["member"])
            for m in rec.of_type(IAM_MEMBER)] == [
        (secret.resource_id, "roles/secretmanager.secretAccessor", API_SA)]
    assert build().of_type(IAM_MEMBER) == []


def test_the_clients_may_reach_exactly_the_endpoint():
    rec = build()
    rule = rec.one(FIREWALL, "kv-clients")
    instance = redis(rec)
    assert {k: rule.inputs.get(k) for k in ("direction", "priority", "destinationRanges",
                                            "allows", "targetTags", "network")} == {
        "direction": "EGRESS", "priority": 1000,
        "destinationRanges": [f"{instance.outputs['host']}/32"],
        "allows": [{"protocol": "tcp", "ports": [str(instance.outputs["port"])]}],
        "targetTags": ["forge-data-client"],
        "network": rec.one("gcp:compute/network:Network").outputs["selfLink"]}, rule.urn
    untagged = build(client_network_tag=None)
    assert [r.name for r in untagged.of_type(FIREWALL) if r.name.startswith("kv-")] == []


def test_the_server_ca_resolves_for_a_program():
    seen: dict[str, str] = {}

    def program() -> None:
        net = Networking("net", NetworkingArgs(region=REGION))
        cache = Cache("kv", CacheArgs(
            region=REGION, network_id=net.network_id,
            private_service_access_connection_id=net.private_service_access_connection_id))
        cache.server_ca_cert.apply(lambda cert: seen.update(cert=cert))

    run_gcp(program)
    assert seen["cert"].startswith("-----BEGIN CERTIFICATE-----"), seen


def _args(**overrides: Any) -> CacheArgs:
    return CacheArgs(**({"region": REGION, "network_id": "projects/p/global/networks/n",
                         "private_service_access_connection_id": "c"} | overrides))


@pytest.mark.parametrize(("overrides", "message"), [
    ({"redis_version": "REDIS_6_X"},
     "Cache: redis_version 'REDIS_6_X' is not one of ['REDIS_7_2', 'REDIS_7_0']"),
    ({"memory_size_gb": 0}, "Cache: memory_size_gb must be 1 or more, got 0"),
    ({"rdb_snapshot_period": "DAILY"},
     "Cache: rdb_snapshot_period 'DAILY' is not one of ['ONE_HOUR', 'SIX_HOURS', "
     "'TWELVE_HOURS', 'TWENTY_FOUR_HOURS'] (or None for no persistence)"),
    ({"maintenance_day": "sunday"},
     "Cache: maintenance_day 'sunday' is not one of ['MONDAY', 'TUESDAY', 'WEDNESDAY', "
     "'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY']"),
    ({"maintenance_hour": 24}, "Cache: maintenance_hour must be between 0 and 23, got 24"),
    ({"client_network_tag": "Data"}, "Cache: client_network_tag 'Data' is not a network tag"),
])
def test_invalid_args_are_refused_with_the_field_and_what_is_allowed(overrides, message):
    with pytest.raises(ValueError) as error:
        validate_cache_args("kv", _args(**overrides))
    assert str(error.value) == message


def test_a_name_too_long_for_a_memorystore_instance_id_is_refused():
    with pytest.raises(ValueError, match=r"at most 26 characters"):
        validate_cache_args("k" * 27, _args())
    validate_cache_args("k" * 26, _args())
