"""The platform's Kafka-compatible event stream on GCP: Managed Service for Apache Kafka, or none.

One knob, `StreamingArgs.engine`, picks the implementation; every engine exposes the streaming
contract's outputs (`contracts.StreamingOutputs`), so the services see a bootstrap list and the
Kafka client settings, as on AWS.

`managed-kafka` (the default) creates a Google Cloud Managed Service for Apache Kafka cluster
(`gcp.managedkafka.Cluster`, GA in pulumi_gcp 10.2):

* private only: its brokers and bootstrap server get addresses and DNS names in the VPC
  subnet passed as `subnet_id` (the Networking component's `workloads` subnet, where Cloud Run
  takes its addresses through Direct VPC egress); no `public_cluster_config`, so nothing is
  reachable from outside the VPC;
* TLS always: "Managed Service for Apache Kafka clusters support only TLS connections;
  plaintext communication is not supported", with server certificates Google manages;
* sized by `vcpu_count` (3 or more) and `memory_gib` (1 to 8 GiB per vCPU), the capacity rules
  of pulumi_gcp 10.2's `ClusterCapacityConfigArgs`; Google spreads the brokers over three
  zones; rebalancing on scale-up;
* encrypted at rest with Google's keys, or with the Cloud KMS key in `kms_key_name` (CMEK; the
  key is in the cluster's region and Managed Kafka's service agent must be able to use it);
* the provider's `deletion_policy` PREVENT and Pulumi `protect` when asked;
* an egress firewall rule letting the clients' network tag reach the SASL port (9092) in the
  subnet the endpoints live in (the network's deny-all egress stops everything else).

How the clients authenticate. Managed Kafka accepts SASL/OAUTHBEARER and SASL/PLAIN, both
carrying a Google principal; SCRAM is not offered. For clients on Cloud Run Google recommends
OAUTHBEARER: it "uses Application Default Credentials (ADC) to automatically find the service
account identity associated with the environment", which "eliminates the need to manage and
distribute static credential files like service account keys"; SASL/PLAIN authenticates "by
using a long-lived service account key" (https://cloud.google.com/managed-service-for-apache-
kafka/docs/authn-types-kafka). forge-infra creates no service account keys, so the services
get `KAFKA_SECURITY_PROTOCOL=SASL_SSL` and `KAFKA_SASL_MECHANISM=OAUTHBEARER` and log in as
their own Cloud Run service account with a token from the metadata server (Java:
Google's `GcpLoginCallbackHandler`; librdkafka clients: an OAuth callback that returns a token
from ADC). There is no shared user and no password, so `username` and `credentials_secret_id`
are "": no secret exists to reference. Each principal in `client_members` gets
`roles/managedkafka.client` on the project (the role Google's page names; it holds
`managedkafka.clusters.connect`), and nothing else.

`none` declares no resource; every output is "".

`redpanda` (Redpanda on Compute Engine, the AWS parity engine) is not built for GCP yet and is
refused with `limits.REDPANDA_REFUSAL`.

What the component does not create: topics (the application owns them; `gcp.managedkafka.Topic`
can be added per stack) and Kafka ACLs (`gcp.managedkafka.Acl`): authorisation is the IAM role.
"""

import dataclasses
from typing import NotRequired, TypedDict

import pulumi
import pulumi_gcp as gcp

from forge_components.common import child_opts
from forge_components.gcp.labels import resource_labels
from forge_components.gcp.limits import (
    AUTONAME_SUFFIX,
    MANAGED_KAFKA_CLIENT_ROLE,
    MANAGED_KAFKA_CLUSTER_ID_MAX,
    MANAGED_KAFKA_GIB_PER_VCPU,
    MANAGED_KAFKA_MIN_VCPUS,
    MANAGED_KAFKA_REBALANCE_MODES,
    MANAGED_KAFKA_SASL_PORT,
    REDPANDA_REFUSAL,
    RESOURCE_NAME,
    StreamingEngine,
)

COMPONENT = "forge-gcp:index:Streaming"
#: What the clients of a Managed Kafka cluster use: TLS always, and an OAuth token of their own
#: service account (see the module docstring for the sources).
SECURITY_PROTOCOL = "SASL_SSL"
SASL_MECHANISM = "OAUTHBEARER"
GIB = 1024 ** 3
#: Priority of the clients' allow rule (above the network's deny-all egress at 65534).
ALLOW_PRIORITY = 1000
#: The suffix of the cluster id and of the firewall rule (the longest child suffix).
_CLUSTER_SUFFIX = "-kafka"
_LONGEST_CHILD_SUFFIX = len("-kafka-clients")
#: Members that would open the cluster to anyone with a Google account, or to anyone.
_PUBLIC_MEMBERS = ("allUsers", "allAuthenticatedUsers")


class StreamingArgs(TypedDict):
    """Arguments of the GCP `Streaming`. Defaults are safe: private, TLS, no keys."""

    region: str
    """The cluster's region (the subnet's region). Required."""
    network_id: pulumi.Input[str]
    """The VPC network (id or self link) of the subnet: `Networking`'s `network_id`. Required."""
    subnet_id: pulumi.Input[str]
    """The subnet the brokers and the bootstrap server get their addresses and DNS names in,
    as `projects/<project>/regions/<region>/subnetworks/<name>` (`Networking`'s
    `workloads_subnet_id`). Required."""
    subnet_cidr: pulumi.Input[str]
    """That subnet's range (`Networking`'s `workloads_subnet_cidr`): the clients' egress rule
    admits the SASL port there. Required."""
    engine: NotRequired[StreamingEngine]
    """The broker implementation: "managed-kafka" or "none" ("redpanda" is refused: not built
    for GCP yet). Defaults to StreamingEngine.MANAGED_KAFKA."""
    vcpu_count: NotRequired[int]
    """The cluster's vCPUs, 3 or more. Defaults to 3."""
    memory_gib: NotRequired[int]
    """The cluster's memory, GiB: 1 to 8 per vCPU. Defaults to 3."""
    kafka_version: NotRequired[str]
    """The Apache Kafka version as Managed Kafka spells it (e.g. "3.7.x"); unset lets the
    service choose at creation. Defaults to unset."""
    rebalance_mode: NotRequired[str]
    """How partitions move when the cluster grows: "AUTO_REBALANCE_ON_SCALE_UP" or
    "NO_REBALANCE". Defaults to "AUTO_REBALANCE_ON_SCALE_UP"."""
    client_members: NotRequired[list[pulumi.Input[str]]]
    """IAM members (e.g. "serviceAccount:api@p.iam.gserviceaccount.com") granted
    `roles/managedkafka.client` on the project, the only grant Managed Kafka's clients need.
    Defaults to [] (no client may connect)."""
    client_network_tag: NotRequired[str | None]
    """The network tag of the clients (`Networking`'s `data_client_tag`): an egress rule lets it
    reach the SASL port in `subnet_cidr`. None creates no rule. Defaults to
    "forge-data-client"."""
    project: NotRequired[pulumi.Input[str]]
    """The project of the cluster and of the client grants. Defaults to the provider's
    project."""
    kms_key_name: NotRequired[pulumi.Input[str]]
    """A Cloud KMS key (CMEK) in the cluster's region for the data at rest (Managed Kafka's
    service agent must be able to use it; it cannot be changed later). Unset uses
    Google-managed encryption. Defaults to unset."""
    deletion_protection: NotRequired[bool]
    """The provider's `deletion_policy` PREVENT on the cluster (a destroy fails). Defaults to
    False."""
    protect: NotRequired[bool]
    """Pulumi `protect` on the cluster. Defaults to False."""
    labels: NotRequired[dict[str, str]]
    """Labels on the cluster (lower-case keys and values). Defaults to {}."""


@dataclasses.dataclass(frozen=True)
class _Settings:
    """`StreamingArgs` with every default applied (the host passes a plain dict)."""

    region: str
    network_id: pulumi.Input[str]
    subnet_id: pulumi.Input[str]
    subnet_cidr: pulumi.Input[str]
    engine: StreamingEngine = StreamingEngine.MANAGED_KAFKA
    vcpu_count: int = MANAGED_KAFKA_MIN_VCPUS
    memory_gib: int = 3
    kafka_version: str | None = None
    rebalance_mode: str = "AUTO_REBALANCE_ON_SCALE_UP"
    client_members: list[pulumi.Input[str]] = dataclasses.field(default_factory=list)
    client_network_tag: str | None = "forge-data-client"
    project: pulumi.Input[str] | None = None
    kms_key_name: pulumi.Input[str] | None = None
    deletion_protection: bool = False
    protect: bool = False
    labels: dict[str, str] = dataclasses.field(default_factory=dict)


def _fail(message: str) -> ValueError:
    return ValueError(f"Streaming: {message}")


def validate_streaming_args(name: str, args: StreamingArgs) -> _Settings:
    """The args with defaults applied, checked; a ValueError names the field and what is
    allowed. Pure (no Pulumi calls): the configuration can run the same checks."""
    s = _Settings(**args)
    if s.engine == "redpanda":
        raise _fail(f"engine 'redpanda': {REDPANDA_REFUSAL}")
    try:
        engine = StreamingEngine(s.engine)
    except ValueError:
        raise _fail(f"engine {s.engine!r} is not one of "
                    f"{[e.value for e in StreamingEngine]}") from None
    s = dataclasses.replace(s, engine=engine)
    if engine is StreamingEngine.NONE:
        return s
    longest = MANAGED_KAFKA_CLUSTER_ID_MAX - AUTONAME_SUFFIX - _LONGEST_CHILD_SUFFIX
    if not RESOURCE_NAME.fullmatch(name) or len(name) > longest:
        raise _fail(f"name {name!r} must be a GCP resource name (a lower-case letter, then "
                    f"lower-case letters, digits or dashes, not ending with a dash) of at most "
                    f"{longest} characters")
    if not RESOURCE_NAME.fullmatch(s.region):
        raise _fail(f"region {s.region!r} is not a region name such as 'europe-west1'")
    if s.vcpu_count < MANAGED_KAFKA_MIN_VCPUS:
        raise _fail(f"vcpu_count must be {MANAGED_KAFKA_MIN_VCPUS} or more, got "
                    f"{s.vcpu_count}")
    low, high = MANAGED_KAFKA_GIB_PER_VCPU
    if not low * s.vcpu_count <= s.memory_gib <= high * s.vcpu_count:
        raise _fail(f"memory_gib must be {low} to {high} GiB per vCPU, so between "
                    f"{low * s.vcpu_count} and {high * s.vcpu_count} for {s.vcpu_count} vCPUs, "
                    f"got {s.memory_gib}")
    if s.rebalance_mode not in MANAGED_KAFKA_REBALANCE_MODES:
        raise _fail(f"rebalance_mode {s.rebalance_mode!r} is not one of "
                    f"{list(MANAGED_KAFKA_REBALANCE_MODES)}")
    if s.client_network_tag is not None and not RESOURCE_NAME.fullmatch(s.client_network_tag):
        raise _fail(f"client_network_tag {s.client_network_tag!r} is not a network tag")
    for member in s.client_members:
        if isinstance(member, str) and (member in _PUBLIC_MEMBERS or ":" not in member):
            raise _fail(f"client_members: {member!r} is not a principal such as "
                        "'serviceAccount:<email>' (public members are refused)")
    resource_labels(COMPONENT, s.labels)
    return s


def sasl_bootstrap(address: str) -> str:
    """The bootstrap server on the SASL port, whether or not the cluster's reported address
    carries a port (9092 is SASL, 9192 mTLS: pulumi_gcp's `bootstrap_address` docstring)."""
    host = address.rsplit(":", 1)[0] if ":" in address else address
    return f"{host}:{MANAGED_KAFKA_SASL_PORT}" if host else ""


class Streaming(pulumi.ComponentResource):
    """A private Managed Service for Apache Kafka cluster whose clients log in as their own
    service accounts (SASL/OAUTHBEARER over TLS), or no broker."""

    bootstrap_brokers: pulumi.Output[str]
    """The bootstrap server, `host:9092` (SASL over TLS); "" for engine none."""
    security_protocol: pulumi.Output[str]
    """"SASL_SSL" (the cluster accepts TLS only); "" for engine none."""
    sasl_mechanism: pulumi.Output[str]
    """"OAUTHBEARER": a token of the client's own service account; "" for engine none."""
    username: pulumi.Output[str]
    """Always "": each client logs in as its own service account, there is no shared user."""
    credentials_secret_id: pulumi.Output[str]
    """Always "": OAUTHBEARER needs no password, so no credentials secret exists."""
    engine: pulumi.Output[str]
    """The engine: "managed-kafka" or "none"."""
    cluster_name: pulumi.Output[str]
    """The cluster's resource name (`projects/<p>/locations/<region>/clusters/<id>`); "" for
    engine none."""
    client_role: pulumi.Output[str]
    """The role the client members hold on the project ("roles/managedkafka.client"); "" for
    engine none."""

    def __init__(self, name: str, args: StreamingArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, opts)
        s = validate_streaming_args(name, args)
        empty = pulumi.Output.from_input("")
        self.engine = pulumi.Output.from_input(s.engine.value)
        self.bootstrap_brokers = empty
        self.security_protocol = empty
        self.sasl_mechanism = empty
        self.username = empty
        self.credentials_secret_id = empty
        self.cluster_name = empty
        self.client_role = empty
        if s.engine is StreamingEngine.MANAGED_KAFKA:
            self._managed_kafka(name, s)
        self.register_outputs({
            "bootstrap_brokers": self.bootstrap_brokers,
            "security_protocol": self.security_protocol,
            "sasl_mechanism": self.sasl_mechanism,
            "username": self.username,
            "credentials_secret_id": self.credentials_secret_id,
            "engine": self.engine,
            "cluster_name": self.cluster_name,
            "client_role": self.client_role,
        })

    def _managed_kafka(self, name: str, s: _Settings) -> None:
        project: pulumi.Input[str] = (
            s.project if s.project is not None else
            gcp.organizations.get_client_config_output(
                opts=pulumi.InvokeOutputOptions(parent=self)).project)
        cluster = gcp.managedkafka.Cluster(
            f"{name}{_CLUSTER_SUFFIX}",
            cluster_id=f"{name}{_CLUSTER_SUFFIX}",
            location=s.region,
            project=s.project,
            capacity_config=gcp.managedkafka.ClusterCapacityConfigArgs(
                vcpu_count=str(s.vcpu_count), memory_bytes=str(s.memory_gib * GIB)),
            # Private only: the one network config is the VPC subnet; no public access.
            gcp_config=gcp.managedkafka.ClusterGcpConfigArgs(
                access_config=gcp.managedkafka.ClusterGcpConfigAccessConfigArgs(
                    network_configs=[
                        gcp.managedkafka.ClusterGcpConfigAccessConfigNetworkConfigArgs(
                            subnet=s.subnet_id)]),
                kms_key=s.kms_key_name),
            rebalance_config=gcp.managedkafka.ClusterRebalanceConfigArgs(mode=s.rebalance_mode),
            kafka_version=s.kafka_version,
            deletion_policy="PREVENT" if s.deletion_protection else "DELETE",
            labels=resource_labels(COMPONENT, s.labels),
            opts=child_opts(self, protect=s.protect))

        for i, member in enumerate(s.client_members):
            gcp.projects.IAMMember(
                f"{name}-kafka-client-{i + 1}",
                project=project,
                role=MANAGED_KAFKA_CLIENT_ROLE,
                member=member,
                opts=child_opts(self))

        if s.client_network_tag is not None:
            gcp.compute.Firewall(
                f"{name}-kafka-clients",
                network=s.network_id,
                direction="EGRESS",
                priority=ALLOW_PRIORITY,
                destination_ranges=[s.subnet_cidr],
                target_tags=[s.client_network_tag],
                allows=[gcp.compute.FirewallAllowArgs(
                    protocol="tcp", ports=[str(MANAGED_KAFKA_SASL_PORT)])],
                log_config=gcp.compute.FirewallLogConfigArgs(metadata="INCLUDE_ALL_METADATA"),
                description=f"forge {name}: Kafka clients reach the cluster's SASL port",
                project=s.project,
                opts=child_opts(self))

        self.bootstrap_brokers = cluster.bootstrap_address.apply(
            lambda address: sasl_bootstrap(address or ""))
        self.security_protocol = pulumi.Output.from_input(SECURITY_PROTOCOL)
        self.sasl_mechanism = pulumi.Output.from_input(SASL_MECHANISM)
        self.cluster_name = cluster.name
        self.client_role = pulumi.Output.from_input(MANAGED_KAFKA_CLIENT_ROLE)
