"""The platform's Kafka-protocol event stream on Azure: an Event Hubs namespace, or nothing.

Which service: Azure Event Hubs with its Kafka endpoint (`eventhub.Namespace`, API 2024-01-01
in pulumi_azure_native 3.29.0), on the Standard or Premium SKU (`limits.EVENTHUB_SKUS`;
Basic has no Kafka endpoint and no private endpoint). Each event hub is a Kafka topic. There
is no broker to run, patch or size beyond throughput (Standard) or processing (Premium) units.

What `engine` "event-hubs" (the default) creates:

* the namespace: the SKU and capacity from the args, Kafka enabled, minimum TLS 1.2, public
  network access disabled, zone redundant when asked (Azure places a zone-redundant namespace
  in the region's availability zones; in a region without zones, pass False), and Pulumi
  `protect` plus a CanNotDelete lock when asked;
* one event hub per entry of `topics`, with its partitions and a Delete retention in hours,
  checked against the SKU's limits (`limits.EVENTHUB_MAX_PARTITIONS`,
  `EVENTHUB_MAX_RETENTION_DAYS`, `EVENTHUB_MAX_HUBS`);
* a private endpoint in the given subnet for the namespace's `namespace` sub-resource, and its
  DNS zone group in the given `privatelink.servicebus.windows.net` zone, so that
  `<namespace>.servicebus.windows.net` resolves to the endpoint's private IP in the VNet;
* the clients' authorisation, one knob (`auth_mode`), below.

The clients reach the Kafka endpoint at `<namespace>.servicebus.windows.net:9093` over
SASL_SSL; the brokers present certificates of public CAs, so `ca_certificate_pem` is "".

How the clients authenticate (`auth_mode`), and why Entra ID is the default:

* "entra-id" (default): SAS is disabled on the namespace (`disable_local_auth`), so no key
  exists that could be leaked or must be rotated. Each service's managed identity gets exactly
  the built-in role it needs on the namespace: Azure Event Hubs Data Sender for
  `sender_principal_ids`, Azure Event Hubs Data Receiver for `receiver_principal_ids` (a
  service that does both is listed in both), nothing else and no Manage right. The clients log
  in with SASL OAUTHBEARER, with a token of their own identity for
  `https://<namespace>.servicebus.windows.net` (https://learn.microsoft.com/azure/event-hubs/
  authorize-access-azure-active-directory). `username` and `credentials_secret_id` are "":
  there is no password, and the target sets no KAFKA_PASSWORD (`Foundation.streaming_password`
  None), as GCP's managed Kafka does.
* "sas": SAS stays enabled; one namespace shared access rule holds Listen and Send (never
  Manage), and its primary connection string is kept, as the secret's whole value, in the
  given Key Vault (Azure RBAC mode). The clients log in with SASL PLAIN as `$ConnectionString`
  with that connection string as the password, Microsoft's documented Kafka SAS login; the
  target hands the secret to the services as KAFKA_PASSWORD (Container Apps read Key Vault
  secrets whole). `client_principal_ids` get Key Vault Secrets User on that secret alone. One
  rule serves every client: a SAS rule cannot tell the services apart, which is why this mode
  is not the default.

Entra ID is the least privilege that fits: per service and per direction, no shared secret,
nothing in the plan or in Key Vault to protect; it needs clients that fetch an Entra token
(the same identity-based login the GCP stacks use). "sas" exists for clients that can only
send a password.

`engine` "none" declares no resource and every output is "" (a stack without a broker).

What a plan under mocks does not prove: that the SKU or zone redundancy is offered in the
region, that the zone is linked to the VNet, or that the apps' NSG lets them reach port 9093
on the private endpoints (the `Networking` component must allow it).
"""

import dataclasses
import re
from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import authorization, eventhub

from forge_components.azure.limits import (
    EVENTHUB_CAPACITIES,
    EVENTHUB_CLIENT_RIGHTS,
    EVENTHUB_KAFKA_PORT,
    EVENTHUB_KAFKA_SAS_USERNAME,
    EVENTHUB_MAX_HUBS,
    EVENTHUB_MAX_PARTITIONS,
    EVENTHUB_MAX_RETENTION_DAYS,
    EVENTHUB_MINIMUM_TLS,
    EVENTHUB_NAME,
    EVENTHUB_NAMESPACE_NAME_MAX,
    EVENTHUB_PRIVATE_LINK_GROUP,
    EVENTHUB_REFUSED_SKUS,
    EVENTHUB_SKUS,
    EVENTHUBS_DATA_RECEIVER,
    EVENTHUBS_DATA_SENDER,
    KEY_VAULT_SECRETS_USER,
)
from forge_components.azure.networking import private_endpoint
from forge_components.azure.secrets import whole_value_secret
from forge_components.azure.tags import resource_tags
from forge_components.common import child_opts

COMPONENT = "forge-azure:index:Streaming"
#: The engines (`StreamingArgs.engine`).
ENGINES: tuple[str, ...] = ("event-hubs", "none")
#: The authentication modes (`StreamingArgs.auth_mode`).
AUTH_MODES: tuple[str, ...] = ("entra-id", "sas")
#: The SASL mechanism of each mode: OAUTHBEARER with an Entra token, PLAIN with the SAS
#: connection string (limits.EVENTHUB_KAFKA_SAS_USERNAME).
SASL_MECHANISMS = {"entra-id": "OAUTHBEARER", "sas": "PLAIN"}
SECURITY_PROTOCOL = "SASL_SSL"
#: What azure-native's auto-naming appends to a name it generates ("-" and 7 characters).
AUTONAME_SUFFIX = 8
_NAMESPACE_SUFFIX = "-kafka"
_NAME = re.compile(r"[a-z]([a-z0-9]|-(?!-))*[a-z0-9]")
_RULE_NAME = "clients"


class StreamingTopic(TypedDict):
    """One event hub (Kafka topic) of the namespace."""

    name: str
    """The topic's name (1-256 letters, digits, '.', '-', '_'; a letter or digit first and
    last)."""
    partitions: NotRequired[int]
    """Partitions, 1..32 on Standard, 1..100 on Premium; fixed once created on Standard.
    Defaults to 4."""
    retention_days: NotRequired[int]
    """Days events are kept, 1..7 on Standard, 1..90 on Premium. Defaults to 7."""


class StreamingArgs(TypedDict):
    """Arguments of the Azure `Streaming`. Defaults are safe: private, TLS 1.2+, Entra ID
    only, no SAS key."""

    resource_group_name: pulumi.Input[str]
    """The resource group of the namespace and its private endpoint. Required."""
    location: str
    """The Azure region, e.g. "westeurope". Required."""
    private_endpoint_subnet_id: pulumi.Input[str]
    """The subnet the private endpoint takes its IP from (`Networking`'s private-endpoint
    subnet). Required."""
    private_dns_zone_id: pulumi.Input[str]
    """The private DNS zone `privatelink.servicebus.windows.net` (its ARM id), linked to the
    VNet. Required."""
    engine: NotRequired[str]
    """"event-hubs" (an Event Hubs namespace with the Kafka endpoint) or "none" (nothing is
    created, every output is ""). Defaults to "event-hubs"."""
    sku_name: NotRequired[str]
    """"Standard" or "Premium" (Basic has no Kafka endpoint). Defaults to "Standard"."""
    capacity: NotRequired[int]
    """Throughput units (Standard, 1..20) or processing units (Premium: 1, 2, 4 or 8).
    Defaults to 1."""
    zone_redundant: NotRequired[bool]
    """Spread the namespace over the region's availability zones; pass False in a region
    without zones. Defaults to True."""
    topics: NotRequired[list[StreamingTopic]]
    """The event hubs (Kafka topics) to create. Defaults to [] (none)."""
    auth_mode: NotRequired[str]
    """"entra-id" (SAS disabled; the principals get Data Sender / Data Receiver) or "sas" (a
    Listen+Send rule whose connection string is kept in Key Vault). Defaults to
    "entra-id"."""
    sender_principal_ids: NotRequired[list[pulumi.Input[str]]]
    """Object ids of the identities that produce ("entra-id" only): Azure Event Hubs Data
    Sender on the namespace. Defaults to []."""
    receiver_principal_ids: NotRequired[list[pulumi.Input[str]]]
    """Object ids of the identities that consume ("entra-id" only): Azure Event Hubs Data
    Receiver on the namespace. Defaults to []."""
    key_vault_name: NotRequired[pulumi.Input[str]]
    """The Key Vault (Azure RBAC mode) the connection string is kept in; required with "sas",
    refused with "entra-id". Defaults to unset."""
    key_vault_resource_group_name: NotRequired[pulumi.Input[str]]
    """The Key Vault's resource group ("sas" only). Defaults to `resource_group_name`."""
    client_principal_ids: NotRequired[list[pulumi.Input[str]]]
    """Object ids of the identities that may read the connection string secret ("sas" only):
    Key Vault Secrets User on that secret alone. Defaults to []."""
    deletion_protection: NotRequired[bool]
    """A CanNotDelete management lock on the namespace. Defaults to False."""
    protect: NotRequired[bool]
    """Pulumi `protect` on the namespace and its event hubs. Defaults to False."""
    tags: NotRequired[dict[str, str]]
    """Tags on every child that takes tags (plus `component`). Defaults to {}."""


@dataclasses.dataclass(frozen=True)
class _Topic:
    name: str
    partitions: int = 4
    retention_days: int = 7


@dataclasses.dataclass(frozen=True)
class _Settings:
    """`StreamingArgs` with every default applied (the host passes a plain dict)."""

    resource_group_name: pulumi.Input[str]
    location: str
    private_endpoint_subnet_id: pulumi.Input[str]
    private_dns_zone_id: pulumi.Input[str]
    engine: str = "event-hubs"
    sku_name: str = "Standard"
    capacity: int = 1
    zone_redundant: bool = True
    topics: list[StreamingTopic] = dataclasses.field(default_factory=list)
    auth_mode: str = "entra-id"
    sender_principal_ids: list[pulumi.Input[str]] = dataclasses.field(default_factory=list)
    receiver_principal_ids: list[pulumi.Input[str]] = dataclasses.field(default_factory=list)
    key_vault_name: pulumi.Input[str] | None = None
    key_vault_resource_group_name: pulumi.Input[str] | None = None
    client_principal_ids: list[pulumi.Input[str]] = dataclasses.field(default_factory=list)
    deletion_protection: bool = False
    protect: bool = False
    tags: dict[str, str] = dataclasses.field(default_factory=dict)

    def topic_settings(self) -> list[_Topic]:
        """The topics with their defaults applied."""
        return [_Topic(**topic) for topic in self.topics]


def _fail(message: str) -> ValueError:
    return ValueError(f"Streaming: {message}")


def validate_streaming_args(name: str, args: StreamingArgs) -> _Settings:
    """The args with defaults applied, checked; a ValueError names the field and what is
    allowed. Pure (no Pulumi calls)."""
    s = _Settings(**args)
    if s.engine not in ENGINES:
        raise _fail(f"engine {s.engine!r} is not one of {list(ENGINES)}")
    if s.engine == "none":
        return s
    longest = EVENTHUB_NAMESPACE_NAME_MAX - AUTONAME_SUFFIX - len(_NAMESPACE_SUFFIX)
    if not _NAME.fullmatch(name) or len(name) > longest:
        raise _fail(f"name {name!r} must be lower-case letters, digits and single dashes (a "
                    f"letter first, no dash last), at most {longest} characters so that the "
                    f"namespace name fits Event Hubs' {EVENTHUB_NAMESPACE_NAME_MAX}")
    if s.sku_name in EVENTHUB_REFUSED_SKUS:
        raise _fail(f"sku_name {s.sku_name!r}: {EVENTHUB_REFUSED_SKUS[s.sku_name]}; use "
                    f"{' or '.join(EVENTHUB_SKUS)}")
    if s.sku_name not in EVENTHUB_SKUS:
        raise _fail(f"sku_name {s.sku_name!r} is not one of {list(EVENTHUB_SKUS)}")
    if s.capacity not in EVENTHUB_CAPACITIES[s.sku_name]:
        raise _fail(f"capacity {s.capacity} is not offered on {s.sku_name} (allowed: "
                    f"{list(EVENTHUB_CAPACITIES[s.sku_name])})")
    topics = s.topic_settings()
    if len(topics) > EVENTHUB_MAX_HUBS[s.sku_name]:
        raise _fail(f"topics lists {len(topics)} event hubs; a {s.sku_name} namespace holds at "
                    f"most {EVENTHUB_MAX_HUBS[s.sku_name]}")
    names = [t.name for t in topics]
    if len(set(names)) != len(names):
        raise _fail(f"topics repeat a name: {names}")
    for topic in topics:
        if not EVENTHUB_NAME.fullmatch(topic.name):
            raise _fail(f"topic name {topic.name!r} must be 1-256 letters, digits, '.', '-' or "
                        "'_', a letter or digit first and last")
        if not 1 <= topic.partitions <= EVENTHUB_MAX_PARTITIONS[s.sku_name]:
            raise _fail(f"topic {topic.name!r}: partitions must be 1.."
                        f"{EVENTHUB_MAX_PARTITIONS[s.sku_name]} on {s.sku_name}, got "
                        f"{topic.partitions}")
        if not 1 <= topic.retention_days <= EVENTHUB_MAX_RETENTION_DAYS[s.sku_name]:
            raise _fail(f"topic {topic.name!r}: retention_days must be 1.."
                        f"{EVENTHUB_MAX_RETENTION_DAYS[s.sku_name]} on {s.sku_name}, got "
                        f"{topic.retention_days}")
    if s.auth_mode not in AUTH_MODES:
        raise _fail(f"auth_mode {s.auth_mode!r} is not one of {list(AUTH_MODES)}")
    if s.auth_mode == "sas":
        if s.key_vault_name is None:
            raise _fail("auth_mode 'sas' needs key_vault_name: the connection string is kept "
                        "in Key Vault, never in plain outputs")
        if s.sender_principal_ids or s.receiver_principal_ids:
            raise _fail("auth_mode 'sas' grants no data roles: sender_principal_ids and "
                        "receiver_principal_ids are refused with it (use client_principal_ids)")
    elif (s.key_vault_name is not None or s.key_vault_resource_group_name is not None
          or s.client_principal_ids):
        raise _fail("auth_mode 'entra-id' stores no connection string: key_vault_name, "
                    "key_vault_resource_group_name and client_principal_ids are refused with it "
                    "(use sender_principal_ids and receiver_principal_ids)")
    resource_tags(COMPONENT, s.tags)
    return s


def _role(guid: str, subscription_id: pulumi.Output[str]) -> pulumi.Output[str]:
    return subscription_id.apply(
        lambda sub: f"/subscriptions/{sub}/providers/Microsoft.Authorization/"
                    f"roleDefinitions/{guid}")


class Streaming(pulumi.ComponentResource):
    """An Event Hubs namespace with the Kafka endpoint behind a private endpoint: TLS 1.2+,
    no public network access, Entra ID roles per service (or a SAS connection string in Key
    Vault), or nothing."""

    bootstrap_brokers: pulumi.Output[str]
    """`<namespace>.servicebus.windows.net:9093`; "" with engine "none"."""
    security_protocol: pulumi.Output[str]
    """"SASL_SSL"; "" with engine "none"."""
    ca_certificate_pem: pulumi.Output[str]
    """Always "": Event Hubs presents certificates of public CAs."""
    sasl_mechanism: pulumi.Output[str]
    """"OAUTHBEARER" (entra-id) or "PLAIN" (sas); "" with engine "none"."""
    username: pulumi.Output[str]
    """"$ConnectionString" (sas); "" with entra-id (no user name) or engine "none"."""
    credentials_secret_id: pulumi.Output[str]
    """The Key Vault secret (versionless URI) whose whole value is the connection string
    (sas); "" with entra-id or engine "none"."""
    namespace_id: pulumi.Output[str]
    """The namespace's ARM id; "" with engine "none"."""
    namespace_name: pulumi.Output[str]
    """The namespace's name; "" with engine "none"."""
    auth_mode: pulumi.Output[str]
    """"entra-id" or "sas"; "" with engine "none"."""
    topic_names: pulumi.Output[list[str]]
    """The event hubs created, in `topics` order."""
    private_endpoint_id: pulumi.Output[str]
    """The private endpoint's ARM id; "" with engine "none"."""

    def __init__(self, name: str, args: StreamingArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, opts)
        s = validate_streaming_args(name, args)
        empty = pulumi.Output.from_input("")
        if s.engine == "none":
            for output in ("bootstrap_brokers", "security_protocol", "ca_certificate_pem",
                           "sasl_mechanism", "username", "credentials_secret_id",
                           "namespace_id", "namespace_name", "auth_mode",
                           "private_endpoint_id"):
                setattr(self, output, empty)
            self.topic_names = pulumi.Output.from_input([])
            self._register()
            return
        tags = resource_tags(COMPONENT, s.tags)
        entra = s.auth_mode == "entra-id"

        namespace = eventhub.Namespace(
            f"{name}{_NAMESPACE_SUFFIX}",
            resource_group_name=s.resource_group_name,
            location=s.location,
            sku=eventhub.SkuArgs(name=s.sku_name, tier=s.sku_name, capacity=s.capacity),
            kafka_enabled=True,
            minimum_tls_version=EVENTHUB_MINIMUM_TLS,
            public_network_access="Disabled",
            disable_local_auth=entra,
            zone_redundant=s.zone_redundant,
            tags=tags,
            opts=child_opts(self, protect=s.protect))
        hubs = [eventhub.EventHub(
            f"{name}-topic-{topic.name}",
            resource_group_name=s.resource_group_name,
            namespace_name=namespace.name,
            event_hub_name=topic.name,
            partition_count=topic.partitions,
            retention_description=eventhub.RetentionDescriptionArgs(
                cleanup_policy="Delete", retention_time_in_hours=topic.retention_days * 24),
            opts=child_opts(self, protect=s.protect)) for topic in s.topic_settings()]

        endpoint = private_endpoint(
            self, f"{name}-pe", resource_group_name=s.resource_group_name, location=s.location,
            subnet_id=s.private_endpoint_subnet_id, target_id=namespace.id,
            group_id=EVENTHUB_PRIVATE_LINK_GROUP, connection_name=f"{name}-eventhub",
            dns_zone_id=s.private_dns_zone_id, dns_config_name="servicebus", tags=tags)

        client = authorization.get_client_config_output(
            opts=pulumi.InvokeOutputOptions(parent=self))
        secret_id: pulumi.Output[str] = empty
        if entra:
            for key, guid, principals, what in (
                    ("sender", EVENTHUBS_DATA_SENDER, s.sender_principal_ids, "send to"),
                    ("receiver", EVENTHUBS_DATA_RECEIVER, s.receiver_principal_ids,
                     "receive from")):
                for i, principal in enumerate(principals):
                    authorization.RoleAssignment(
                        f"{name}-{key}-{i + 1}",
                        scope=namespace.id,
                        role_definition_id=_role(guid, client.subscription_id),
                        principal_id=principal,
                        principal_type="ServicePrincipal",
                        description=f"forge {name}: {what} the event hubs",
                        opts=child_opts(self))
        else:
            assert s.key_vault_name is not None
            rule = eventhub.NamespaceAuthorizationRule(
                f"{name}-clients-rule",
                resource_group_name=s.resource_group_name,
                namespace_name=namespace.name,
                authorization_rule_name=_RULE_NAME,
                rights=list(EVENTHUB_CLIENT_RIGHTS),
                opts=child_opts(self))
            keys = eventhub.list_namespace_keys_output(
                authorization_rule_name=rule.name,
                namespace_name=namespace.name,
                resource_group_name=s.resource_group_name,
                opts=pulumi.InvokeOutputOptions(parent=self))
            secret, secret_id = whole_value_secret(
                f"{name}-connection-string",
                resource_group_name=(s.key_vault_resource_group_name
                                     or s.resource_group_name),
                vault_name=s.key_vault_name,
                secret_name=f"{name}-kafka-connection-string",
                value=keys.primary_connection_string,
                tags=tags,
                opts=child_opts(self))
            for i, principal in enumerate(s.client_principal_ids):
                authorization.RoleAssignment(
                    f"{name}-connection-string-reader-{i + 1}",
                    scope=secret.id,
                    role_definition_id=_role(KEY_VAULT_SECRETS_USER, client.subscription_id),
                    principal_id=principal,
                    principal_type="ServicePrincipal",
                    description=f"forge {name}: read the Kafka connection string",
                    opts=child_opts(self))

        if s.deletion_protection:
            authorization.ManagementLockByScope(
                f"{name}-lock",
                scope=namespace.id,
                level="CanNotDelete",
                notes=f"forge {name}: the stack's event hubs",
                opts=child_opts(self))

        self.bootstrap_brokers = namespace.name.apply(
            lambda ns: f"{ns}.servicebus.windows.net:{EVENTHUB_KAFKA_PORT}")
        self.security_protocol = pulumi.Output.from_input(SECURITY_PROTOCOL)
        self.ca_certificate_pem = empty
        self.sasl_mechanism = pulumi.Output.from_input(SASL_MECHANISMS[s.auth_mode])
        self.username = pulumi.Output.from_input(
            "" if entra else EVENTHUB_KAFKA_SAS_USERNAME)
        self.credentials_secret_id = secret_id
        self.namespace_id = namespace.id
        self.namespace_name = namespace.name
        self.auth_mode = pulumi.Output.from_input(s.auth_mode)
        self.topic_names = pulumi.Output.all(*[hub.name for hub in hubs]).apply(
            lambda names: [str(n) for n in names])
        self.private_endpoint_id = endpoint.id
        self._register()

    def _register(self) -> None:
        self.register_outputs({
            "bootstrap_brokers": self.bootstrap_brokers,
            "security_protocol": self.security_protocol,
            "ca_certificate_pem": self.ca_certificate_pem,
            "sasl_mechanism": self.sasl_mechanism,
            "username": self.username,
            "credentials_secret_id": self.credentials_secret_id,
            "namespace_id": self.namespace_id,
            "namespace_name": self.namespace_name,
            "auth_mode": self.auth_mode,
            "topic_names": self.topic_names,
            "private_endpoint_id": self.private_endpoint_id,
        })
