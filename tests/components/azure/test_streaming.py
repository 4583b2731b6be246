"""The Azure Streaming component (Event Hubs with the Kafka endpoint) under the offline mocks:
private, TLS 1.2, Kafka on, the chosen auth exactly (Entra ID roles per direction, or a SAS
Listen+Send rule whose connection string only reaches Key Vault as a secret), nothing for
engine "none", and the streaming contract.

What these tests do not prove: that the SKU or zone redundancy is offered in the region, that
the private DNS zone is linked to the VNet, or that the apps may reach port 9093; only that
the program asks Azure for what it should.
"""

from typing import Any

import pulumi
import pytest

from forge_components.azure.limits import (
    EVENTHUBS_DATA_RECEIVER,
    EVENTHUBS_DATA_SENDER,
    KEY_VAULT_SECRETS_USER,
)
from forge_components.azure.streaming import (
    Streaming,
    StreamingArgs,
    validate_streaming_args,
)
from forge_components.contracts import StreamingOutputs
from forge_infra.plan.mocks.azure_native import KNOWN_TYPES
from forge_infra.plan.recorder import SECRET_MASK, Recording
from tests.components.azure.cache_storage_support import (
    API_PRINCIPAL,
    ARM_ID_PREFIX,
    LOCATION,
    PE_SUBNET_ID,
    RG,
    RG_ID,
    WORKER_PRINCIPAL,
    assert_azure_component_schema,
    role_definition_id,
    run_azure,
)

NAMESPACE = "azure-native:eventhub:Namespace"
HUB = "azure-native:eventhub:EventHub"
RULE = "azure-native:eventhub:NamespaceAuthorizationRule"
ENDPOINT = "azure-native:network:PrivateEndpoint"
ZONE_GROUP = "azure-native:network:PrivateDnsZoneGroup"
SECRET = "azure-native:keyvault:Secret"
ROLE = "azure-native:authorization:RoleAssignment"
LOCK = "azure-native:authorization:ManagementLockByScope"
SERVICEBUS_ZONE_ID = (f"{RG_ID}/providers/Microsoft.Network/privateDnsZones/"
                      "privatelink.servicebus.windows.net")
OUTPUT_NAMES = {"bootstrap_brokers", "security_protocol", "ca_certificate_pem",
                "sasl_mechanism", "username", "credentials_secret_id", "namespace_id",
                "namespace_name", "auth_mode", "topic_names", "private_endpoint_id"}
VAULT = "forge-kv"


def _args(**overrides: Any) -> StreamingArgs:
    base: dict[str, Any] = {
        "resource_group_name": RG, "location": LOCATION,
        "private_endpoint_subnet_id": PE_SUBNET_ID, "private_dns_zone_id": SERVICEBUS_ZONE_ID}
    return StreamingArgs(**(base | overrides))  # type: ignore[typeddict-item]


def build(**overrides: Any) -> Recording:
    """One Streaming named "events", its outputs exported under their own names."""
    def program() -> None:
        streaming = Streaming("events", _args(**overrides))
        for key in OUTPUT_NAMES:
            pulumi.export(key, getattr(streaming, key))
    return run_azure(program)


def test_the_schema_serves_the_contract_and_every_output() -> None:
    assert_azure_component_schema(Streaming, StreamingOutputs, OUTPUT_NAMES)


def test_the_namespace_is_kafka_tls_1_2_private_and_entra_only_by_default() -> None:
    rec = build()
    namespace = rec.one(NAMESPACE, "events-kafka")
    inputs = namespace.inputs
    assert inputs["kafkaEnabled"] is True, namespace.urn
    assert inputs["minimumTlsVersion"] == "1.2", namespace.urn
    assert inputs["publicNetworkAccess"] == "Disabled", namespace.urn
    assert inputs["disableLocalAuth"] is True, "no SAS key with Entra ID"
    assert inputs["sku"] == {"name": "Standard", "tier": "Standard", "capacity": 1}
    assert inputs["zoneRedundant"] is True
    assert inputs["tags"] == {"component": "forge-azure:index:Streaming"}
    assert namespace.protect is False
    assert str(namespace.resource_id).startswith(
        f"{ARM_ID_PREFIX}{RG}/providers/Microsoft.EventHub/namespaces/")
    assert rec.of_type(RULE) == [] and rec.of_type(SECRET) == [] and rec.of_type(LOCK) == []


def test_the_contract_outputs_of_entra_id() -> None:
    rec = build()
    name = rec.one(NAMESPACE).outputs["name"]
    assert rec.exports["bootstrap_brokers"] == f"{name}.servicebus.windows.net:9093"
    assert rec.exports["security_protocol"] == "SASL_SSL"
    assert rec.exports["sasl_mechanism"] == "OAUTHBEARER"
    assert rec.exports["username"] == ""
    assert rec.exports["credentials_secret_id"] == ""
    assert rec.exports["ca_certificate_pem"] == ""
    assert rec.exports["auth_mode"] == "entra-id"
    assert rec.exports["namespace_id"] == rec.one(NAMESPACE).resource_id


def test_a_private_endpoint_in_the_given_subnet_with_the_servicebus_zone_group() -> None:
    rec = build()
    namespace, endpoint = rec.one(NAMESPACE), rec.one(ENDPOINT, "events-pe")
    assert endpoint.inputs["subnet"]["id"] == PE_SUBNET_ID, endpoint.urn
    assert endpoint.inputs["privateLinkServiceConnections"] == [{
        "name": "events-eventhub", "privateLinkServiceId": namespace.resource_id,
        "groupIds": ["namespace"]}]
    group = rec.one(ZONE_GROUP, "events-pe-dns")
    assert group.inputs["privateDnsZoneConfigs"] == [
        {"name": "servicebus", "privateDnsZoneId": SERVICEBUS_ZONE_ID}]
    assert rec.exports["private_endpoint_id"] == endpoint.resource_id


def test_entra_id_grants_exactly_data_sender_and_data_receiver_on_the_namespace() -> None:
    rec = build(sender_principal_ids=[API_PRINCIPAL],
                receiver_principal_ids=[API_PRINCIPAL, WORKER_PRINCIPAL])
    scope = rec.one(NAMESPACE).resource_id
    grants = sorted((g.name, g.inputs["scope"], g.inputs["roleDefinitionId"],
                     g.inputs["principalId"], g.inputs["principalType"])
                    for g in rec.of_type(ROLE))
    sender, receiver = (role_definition_id(EVENTHUBS_DATA_SENDER),
                        role_definition_id(EVENTHUBS_DATA_RECEIVER))
    assert grants == [
        ("events-receiver-1", scope, receiver, API_PRINCIPAL, "ServicePrincipal"),
        ("events-receiver-2", scope, receiver, WORKER_PRINCIPAL, "ServicePrincipal"),
        ("events-sender-1", scope, sender, API_PRINCIPAL, "ServicePrincipal"),
    ]


def test_sas_keeps_the_connection_string_only_as_a_key_vault_secret() -> None:
    rec = build(auth_mode="sas", key_vault_name=VAULT,
                client_principal_ids=[API_PRINCIPAL, WORKER_PRINCIPAL])
    namespace = rec.one(NAMESPACE)
    assert namespace.inputs["disableLocalAuth"] is False
    rule = rec.one(RULE, "events-clients-rule")
    assert sorted(rule.inputs["rights"]) == ["Listen", "Send"], "never Manage"
    assert rule.inputs["namespaceName"] == namespace.outputs["name"]
    secret = rec.one(SECRET, "events-connection-string")
    assert secret.inputs["properties"] == SECRET_MASK, "the connection string is a secret"
    assert "properties" in secret.additional_secret_outputs
    assert secret.inputs["vaultName"] == VAULT and secret.inputs["resourceGroupName"] == RG
    uri = f"https://{VAULT}.vault.azure.net/secrets/events-kafka-connection-string"
    assert rec.exports["credentials_secret_id"] == uri
    assert rec.exports["username"] == "$ConnectionString"
    assert rec.exports["sasl_mechanism"] == "PLAIN"
    assert rec.exports["auth_mode"] == "sas"
    grants = sorted((g.inputs["scope"], g.inputs["roleDefinitionId"], g.inputs["principalId"])
                    for g in rec.of_type(ROLE))
    role = role_definition_id(KEY_VAULT_SECRETS_USER)
    assert grants == [(secret.resource_id, role, API_PRINCIPAL),
                      (secret.resource_id, role, WORKER_PRINCIPAL)]


def test_no_plaintext_connection_string_anywhere_in_the_recording() -> None:
    rec = build(auth_mode="sas", key_vault_name=VAULT)
    for resource in rec.resources:
        for where in (resource.inputs, resource.outputs):
            assert "SharedAccessKey=" not in repr(where), resource.urn
    assert "SharedAccessKey=" not in repr(rec.exports)


def test_topics_sku_capacity_lock_and_protect_come_from_the_args() -> None:
    rec = build(sku_name="Premium", capacity=2, zone_redundant=False, deletion_protection=True,
                protect=True, topics=[{"name": "orders", "partitions": 12,
                                       "retention_days": 30}, {"name": "audit"}])
    namespace = rec.one(NAMESPACE)
    assert namespace.inputs["sku"] == {"name": "Premium", "tier": "Premium", "capacity": 2}
    assert namespace.inputs["zoneRedundant"] is False
    hubs = {h.inputs["eventHubName"]: h for h in rec.of_type(HUB)}
    assert set(hubs) == {"orders", "audit"}
    assert hubs["orders"].inputs["partitionCount"] == 12
    assert hubs["orders"].inputs["retentionDescription"] == {
        "cleanupPolicy": "Delete", "retentionTimeInHours": 720}
    assert hubs["audit"].inputs["partitionCount"] == 4
    assert hubs["audit"].inputs["retentionDescription"]["retentionTimeInHours"] == 168
    assert all(h.protect for h in hubs.values()) and namespace.protect is True
    assert hubs["orders"].resource_id == f"{namespace.resource_id}/eventhubs/orders"
    lock = rec.one(LOCK, "events-lock")
    assert lock.inputs["scope"] == namespace.resource_id
    assert lock.inputs["level"] == "CanNotDelete"
    assert rec.exports["topic_names"] == ["orders", "audit"]


def test_engine_none_creates_nothing_and_every_output_is_empty() -> None:
    rec = build(engine="none")
    assert [r for r in rec.resources if r.custom] == []
    for key in OUTPUT_NAMES - {"topic_names"}:
        assert rec.exports[key] == "", key
    assert rec.exports["topic_names"] == []


@pytest.mark.parametrize(("overrides", "message"), [
    ({"engine": "kafka"}, "Streaming: engine 'kafka' is not one of ['event-hubs', 'none']"),
    ({"sku_name": "Basic"},
     "Streaming: sku_name 'Basic': Event Hubs Basic has no Kafka endpoint and no private "
     "endpoints; use Standard or Premium"),
    ({"sku_name": "Dedicated"},
     "Streaming: sku_name 'Dedicated' is not one of ['Standard', 'Premium']"),
    ({"sku_name": "Premium", "capacity": 3},
     "Streaming: capacity 3 is not offered on Premium (allowed: [1, 2, 4, 8])"),
    ({"capacity": 21},
     "Streaming: capacity 21 is not offered on Standard (allowed: [1, 2, 3, 4, 5, 6, 7, 8, 9, "
     "10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20])"),
    ({"topics": [{"name": "a", "retention_days": 8}]},
     "Streaming: topic 'a': retention_days must be 1..7 on Standard, got 8"),
    ({"topics": [{"name": "a", "partitions": 33}]},
     "Streaming: topic 'a': partitions must be 1..32 on Standard, got 33"),
    ({"topics": [{"name": "-a"}]},
     "Streaming: topic name '-a' must be 1-256 letters, digits, '.', '-' or '_', a letter or "
     "digit first and last"),
    ({"topics": [{"name": "a"}, {"name": "a"}]}, "Streaming: topics repeat a name: ['a', 'a']"),
    ({"topics": [{"name": f"t{i}"} for i in range(11)]},
     "Streaming: topics lists 11 event hubs; a Standard namespace holds at most 10"),
    ({"auth_mode": "password"},
     "Streaming: auth_mode 'password' is not one of ['entra-id', 'sas']"),
    ({"auth_mode": "sas"},
     "Streaming: auth_mode 'sas' needs key_vault_name: the connection string is kept in Key "
     "Vault, never in plain outputs"),
    ({"auth_mode": "sas", "key_vault_name": VAULT, "sender_principal_ids": [API_PRINCIPAL]},
     "Streaming: auth_mode 'sas' grants no data roles: sender_principal_ids and "
     "receiver_principal_ids are refused with it (use client_principal_ids)"),
    ({"key_vault_name": VAULT},
     "Streaming: auth_mode 'entra-id' stores no connection string: key_vault_name, "
     "key_vault_resource_group_name and client_principal_ids are refused with it (use "
     "sender_principal_ids and receiver_principal_ids)"),
])
def test_invalid_args_are_refused_with_the_field_and_what_is_allowed(overrides: dict[str, Any],
                                                                    message: str) -> None:
    with pytest.raises(ValueError) as error:
        validate_streaming_args("events", _args(**overrides))
    assert str(error.value) == message


@pytest.mark.parametrize("name", ["Events", "events-", "ev--ents", "1events", "e" * 37])
def test_names_azure_would_refuse_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match=r"^Streaming: name "):
        validate_streaming_args(name, _args())


def test_the_longest_name_fits_the_namespace_limit() -> None:
    validate_streaming_args("e" * 36, _args())
    assert len("e" * 36 + "-kafka" + "-abcdefg") <= 50


def test_the_offline_mocks_answer_every_type_with_an_arm_id() -> None:
    rec = build(auth_mode="sas", key_vault_name=VAULT, client_principal_ids=[API_PRINCIPAL],
                deletion_protection=True, topics=[{"name": "orders"}])
    used = {r.type for r in rec.resources if r.custom}
    assert used <= KNOWN_TYPES, sorted(used - KNOWN_TYPES)
    for resource in rec.resources:
        if resource.custom:
            assert str(resource.resource_id).startswith("/subscriptions/"), resource.urn
