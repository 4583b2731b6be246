"""The platform's Kafka-compatible event stream on GCP: Managed Kafka, Redpanda, or none.

One knob, `StreamingArgs.engine`, picks the implementation; every engine exposes the streaming
contract's outputs (`contracts.StreamingOutputs`), so the services see a bootstrap list and the
Kafka client settings, as on AWS.

`managed-kafka` (the default) creates a Google Cloud Managed Service for Apache Kafka cluster
(`gcp.managedkafka.Cluster`, GA in pulumi_gcp 10.2):

* private only: its brokers and bootstrap server get addresses and DNS names in the VPC
  subnet passed as `workloads_subnet_id` (the Networking's `workloads` subnet, where Cloud Run
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

`redpanda` runs Redpanda on Compute Engine, for parity with AWS's Redpanda engine (cheaper
for small stacks): `broker_count` instances in the `instances` subnet, each with

* a reserved internal address (created first, so every broker boots with the full seed list;
  no resource is created inside `apply`), and no external address;
* Shielded VM (Secure Boot, vTPM, integrity monitoring) on Ubuntu 22.04 LTS, OS Login, project
  SSH keys blocked;
* its own persistent data disk (SSD-backed, a snapshot taken before it is destroyed) that
  outlives the instance, and a boot disk; both encrypted, with the Cloud KMS key in
  `kms_key_name` (CMEK) when given, else Google-managed keys;
* the startup script (templates/redpanda-broker.sh, rendered like AWS's): it installs the
  pinned Redpanda release, mounts the data disk, requires SASL on the Kafka API (9092) and
  makes the clients' user a superuser. The clients' SCRAM-SHA-512 credentials are generated
  and kept in Secret Manager (JSON `username`, `password`, replicated in the region only); the
  script reads them at boot with a token of the brokers' own service account, so the metadata
  holds the secret's name, never its value;
* one service account for the brokers, with exactly one grant: `secretAccessor` on that
  secret (no key, no project role).

The Kafka API has no TLS listener (no certificates are issued to the brokers), so the
protocol is `SASL_PLAINTEXT`, admitted only from `workloads_subnet_cidr` (Cloud Run cannot be
selected by network tag in ingress rules) as on AWS, where it is accepted for dev and
staging. The members in `client_members` may read the credentials secret and the
whole-value password secret (`password_secret_id`, what KAFKA_PASSWORD references).
Firewall rules: the Kafka port from the clients' range; RPC (33145) and the Admin API (9644)
between the brokers only; the brokers' HTTP/HTTPS out (Ubuntu mirrors, Redpanda's repository,
Secret Manager through Private Google Access); the clients' egress to the brokers' addresses.

`none` declares no resource; every output is "" (`broker_count` 0).

Unlike AWS's brokers there is no boot heartbeat and alarm yet: the startup script logs to
/var/log/redpanda-bootstrap.log and the serial console. The component creates no topics (the
application owns them; `gcp.managedkafka.Topic` can be added per stack) and no Kafka ACLs
(`gcp.managedkafka.Acl`): on Managed Kafka, authorisation is the IAM role.
"""

import dataclasses
import importlib.resources
import ipaddress
import re
from collections.abc import Sequence
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_gcp as gcp
import pulumi_random as random

from forge_components.common import child_opts, physical_name
from forge_components.gcp.labels import resource_labels
from forge_components.gcp.limits import (
    AUTONAME_SUFFIX,
    DEFAULT_REDPANDA_VERSION,
    MANAGED_KAFKA_CLIENT_ROLE,
    MANAGED_KAFKA_CLUSTER_ID_MAX,
    MANAGED_KAFKA_GIB_PER_VCPU,
    MANAGED_KAFKA_MIN_VCPUS,
    MANAGED_KAFKA_REBALANCE_MODES,
    MANAGED_KAFKA_SASL_PORT,
    REDPANDA_DISK_TYPES,
    REDPANDA_IMAGE,
    REDPANDA_RELEASE,
    RESOURCE_NAME,
    SERVICE_ACCOUNT_ID_MAX,
    RedpandaMode,
    StreamingEngine,
)
from forge_components.gcp.secrets import regional_replication

COMPONENT = "forge-gcp:index:Streaming"
#: What the clients of each engine use: Managed Kafka is TLS only and takes an OAuth token of
#: the client's own service account; the Redpanda brokers have no TLS listener and take the
#: SCRAM user of the credentials secret (Redpanda offers SCRAM-SHA-256 and -512:
#: https://docs.redpanda.com/streaming/current/reference/rpk/rpk-security/rpk-security-user-create/;
#: -512 as on AWS).
SECURITY_PROTOCOLS = {StreamingEngine.MANAGED_KAFKA: "SASL_SSL",
                      StreamingEngine.REDPANDA: "SASL_PLAINTEXT"}
SASL_MECHANISMS = {StreamingEngine.MANAGED_KAFKA: "OAUTHBEARER",
                   StreamingEngine.REDPANDA: "SCRAM-SHA-512"}
#: The role that lets an identity read a secret's versions (and nothing else on it). Source:
#: "Secret Manager roles", https://cloud.google.com/secret-manager/docs/access-control
SECRET_ACCESSOR_ROLE = "roles/secretmanager.secretAccessor"
REDPANDA_KAFKA_PORT = 9092
REDPANDA_RPC_PORT = 33145
REDPANDA_ADMIN_PORT = 9644
#: The OAuth scope of the brokers' service account: the whole platform, narrowed by IAM (the
#: account holds one grant). Source: "Service accounts" best practice,
#: https://cloud.google.com/compute/docs/access/service-accounts#scopes_best_practice
CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
#: The device name of each broker's data disk: it appears as /dev/disk/by-id/google-<name>
#: (pulumi_gcp 10.2 `compute.InstanceAttachedDiskArgs.device_name`).
DATA_DEVICE_NAME = "redpanda-data"
#: Generated SCRAM password length: letters and digits only, safe in a JAAS string.
PASSWORD_LENGTH = 32
#: A SASL user name the component accepts (safe in rpk arguments and JAAS strings).
USERNAME = re.compile(r"[a-z][a-z0-9_-]{0,62}")
GIB = 1024 ** 3
#: Priority of the allow rules (above the network's deny-all rules at 65534).
ALLOW_PRIORITY = 1000
_CLUSTER_SUFFIX = "-kafka"
#: The longest suffix the component appends to its name for an auto-named compute child.
_LONGEST_CHILD_SUFFIX = len("-broker-egress-web")
#: Members that would open the cluster to anyone with a Google account, or to anyone.
_PUBLIC_MEMBERS = ("allUsers", "allAuthenticatedUsers")
_TEMPLATE = "redpanda-broker.sh"
_PLACEHOLDER = re.compile(r"__[A-Z_]+__")
ANYWHERE_IPV4 = "0.0.0.0/0"


class StreamingArgs(TypedDict):
    """Arguments of the GCP `Streaming`. Defaults are safe: private, authenticated, no keys."""

    region: str
    """The region of the cluster or the brokers (the subnets' region). Required."""
    network_id: pulumi.Input[str]
    """The VPC network (id or self link) of the subnets: `Networking`'s `network_id`.
    Required."""
    workloads_subnet_id: pulumi.Input[str]
    """The clients' subnet, `projects/<project>/regions/<region>/subnetworks/<name>`
    (`Networking`'s `workloads_subnet_id`): Managed Kafka's brokers and bootstrap server get
    their addresses and DNS names there. Required."""
    workloads_subnet_cidr: pulumi.Input[str]
    """That subnet's range (`Networking`'s `workloads_subnet_cidr`): where the clients are (the
    Redpanda brokers admit the Kafka port from it) and where Managed Kafka's endpoints are.
    Required."""
    engine: NotRequired[StreamingEngine]
    """The broker implementation: "managed-kafka", "redpanda" or "none". Defaults to
    StreamingEngine.MANAGED_KAFKA."""
    client_members: NotRequired[list[pulumi.Input[str]]]
    """IAM members (e.g. "serviceAccount:api@p.iam.gserviceaccount.com") of the clients:
    granted `roles/managedkafka.client` on the project (managed-kafka) or
    `roles/secretmanager.secretAccessor` on the credentials secret only (redpanda). Defaults
    to [] (no client may connect)."""
    client_network_tag: NotRequired[str | None]
    """The network tag of the clients (`Networking`'s `data_client_tag`): an egress rule lets it
    reach the Kafka port of the cluster or brokers. None creates no rule. Defaults to
    "forge-data-client"."""
    project: NotRequired[pulumi.Input[str]]
    """The project of the resources and of the client grants. Defaults to the provider's
    project."""
    kms_key_name: NotRequired[pulumi.Input[str]]
    """A Cloud KMS key (CMEK) in the region for the data at rest: the cluster's (Managed Kafka's
    service agent must be able to use it; it cannot be changed later) or the brokers' disks
    (Compute Engine's service agent must be able to use it). Unset uses Google-managed
    encryption. Defaults to unset."""
    deletion_protection: NotRequired[bool]
    """The cluster's `deletion_policy` PREVENT, or the brokers' deletion protection. Defaults
    to False."""
    protect: NotRequired[bool]
    """Pulumi `protect` on the stateful children (the cluster; the brokers' data disks and the
    credentials secret). Defaults to False."""
    labels: NotRequired[dict[str, str]]
    """Labels on every labelable child (lower-case keys and values). Defaults to {}."""
    vcpu_count: NotRequired[int]
    """managed-kafka: the cluster's vCPUs, 3 or more. Defaults to 3."""
    memory_gib: NotRequired[int]
    """managed-kafka: the cluster's memory, GiB, 1 to 8 per vCPU. Defaults to 3."""
    kafka_version: NotRequired[str]
    """managed-kafka: the Apache Kafka version as Managed Kafka spells it (e.g. "3.7.x"); unset
    lets the service choose at creation. Defaults to unset."""
    rebalance_mode: NotRequired[str]
    """managed-kafka: how partitions move when the cluster grows, "AUTO_REBALANCE_ON_SCALE_UP"
    or "NO_REBALANCE". Defaults to "AUTO_REBALANCE_ON_SCALE_UP"."""
    instances_subnet_id: NotRequired[pulumi.Input[str]]
    """redpanda: the brokers' subnet (`Networking`'s `instances_subnet_id`); required for
    redpanda. Defaults to unset."""
    zones: NotRequired[list[str]]
    """redpanda: the zones the brokers are spread over, round-robin (zones of `region`);
    required for redpanda. Defaults to []."""
    broker_count: NotRequired[int]
    """redpanda: the number of brokers, odd (Raft majorities). Defaults to 3."""
    machine_type: NotRequired[str]
    """redpanda: the brokers' machine type; production mode needs Redpanda's 2 GiB per vCPU
    (the component does not check it: pick a standard or highmem type). Defaults to
    "e2-standard-2"."""
    redpanda_version: NotRequired[str]
    """redpanda: the release (major.feature.patch) redpanda, redpanda-rpk and redpanda-tuner
    are pinned to. Defaults to "26.2.7"."""
    redpanda_mode: NotRequired[RedpandaMode]
    """redpanda: "production" (tuners on) or "development" (developer mode, fsync bypassed: a
    dev stack only). Defaults to RedpandaMode.PRODUCTION."""
    data_disk_gb: NotRequired[int]
    """redpanda: each broker's data disk, GB. Defaults to 100."""
    data_disk_type: NotRequired[str]
    """redpanda: the data disk type, "pd-balanced" or "pd-ssd". Defaults to "pd-balanced"."""
    boot_disk_gb: NotRequired[int]
    """redpanda: each broker's boot disk, GB. Defaults to 20."""
    image: NotRequired[str]
    """redpanda: the boot image (it must support Shielded VM). Defaults to
    "ubuntu-os-cloud/ubuntu-2204-lts"."""
    sasl_username: NotRequired[str]
    """redpanda: the SASL/SCRAM user the clients log in as (Redpanda makes it the superuser).
    Defaults to "forge"."""
    broker_network_tag: NotRequired[str]
    """redpanda: the brokers' network tag, which the component's firewall rules target.
    Defaults to "forge-redpanda"."""


@dataclasses.dataclass(frozen=True)
class _Settings:
    """`StreamingArgs` with every default applied (the host passes a plain dict)."""

    region: str
    network_id: pulumi.Input[str]
    workloads_subnet_id: pulumi.Input[str]
    workloads_subnet_cidr: pulumi.Input[str]
    engine: StreamingEngine = StreamingEngine.MANAGED_KAFKA
    client_members: list[pulumi.Input[str]] = dataclasses.field(default_factory=list)
    client_network_tag: str | None = "forge-data-client"
    project: pulumi.Input[str] | None = None
    kms_key_name: pulumi.Input[str] | None = None
    deletion_protection: bool = False
    protect: bool = False
    labels: dict[str, str] = dataclasses.field(default_factory=dict)
    vcpu_count: int = MANAGED_KAFKA_MIN_VCPUS
    memory_gib: int = 3
    kafka_version: str | None = None
    rebalance_mode: str = "AUTO_REBALANCE_ON_SCALE_UP"
    instances_subnet_id: pulumi.Input[str] | None = None
    zones: list[str] = dataclasses.field(default_factory=list)
    broker_count: int = 3
    machine_type: str = "e2-standard-2"
    redpanda_version: str = DEFAULT_REDPANDA_VERSION
    redpanda_mode: RedpandaMode = RedpandaMode.PRODUCTION
    data_disk_gb: int = 100
    data_disk_type: str = "pd-balanced"
    boot_disk_gb: int = 20
    image: str = REDPANDA_IMAGE
    sasl_username: str = "forge"
    broker_network_tag: str = "forge-redpanda"


def _fail(message: str) -> ValueError:
    return ValueError(f"Streaming: {message}")


def _validate_managed_kafka(s: _Settings) -> None:
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


def _validate_redpanda(s: _Settings) -> _Settings:
    if s.instances_subnet_id is None:
        raise _fail("redpanda needs instances_subnet_id (Networking's instances_subnet_id)")
    if not s.zones:
        raise _fail("redpanda needs zones (the region's zones the brokers are spread over)")
    for zone in s.zones:
        if not zone.startswith(f"{s.region}-") or not RESOURCE_NAME.fullmatch(zone):
            raise _fail(f"zone {zone!r} is not a zone of region {s.region!r}")
    if s.broker_count < 1 or s.broker_count % 2 == 0:
        raise _fail(f"broker_count must be odd (Raft majorities), got {s.broker_count}")
    if not REDPANDA_RELEASE.fullmatch(s.redpanda_version):
        raise _fail(f"redpanda_version must be a full release such as \"26.2.7\" (all three "
                    f"packages are pinned to it), got {s.redpanda_version!r}")
    try:
        mode = RedpandaMode(s.redpanda_mode)
    except ValueError:
        raise _fail(f"redpanda_mode {s.redpanda_mode!r} is not one of "
                    f"{[m.value for m in RedpandaMode]}") from None
    if s.data_disk_type not in REDPANDA_DISK_TYPES:
        raise _fail(f"data_disk_type {s.data_disk_type!r} is not one of "
                    f"{list(REDPANDA_DISK_TYPES)}")
    if s.data_disk_gb < 10 or s.boot_disk_gb < 10:
        raise _fail(f"data_disk_gb and boot_disk_gb must be 10 or more, got "
                    f"{s.data_disk_gb} and {s.boot_disk_gb}")
    if not USERNAME.fullmatch(s.sasl_username):
        raise _fail(f"sasl_username must match {USERNAME.pattern}, got {s.sasl_username!r}")
    if not RESOURCE_NAME.fullmatch(s.broker_network_tag):
        raise _fail(f"broker_network_tag {s.broker_network_tag!r} is not a network tag")
    if s.broker_network_tag == s.client_network_tag:
        raise _fail("broker_network_tag and client_network_tag must differ")
    return dataclasses.replace(s, redpanda_mode=mode)


def validate_streaming_args(name: str, args: StreamingArgs) -> _Settings:
    """The args with defaults applied, checked; a ValueError names the field and what is
    allowed. Pure (no Pulumi calls): the configuration can run the same checks."""
    s = _Settings(**args)
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
    if s.client_network_tag is not None and not RESOURCE_NAME.fullmatch(s.client_network_tag):
        raise _fail(f"client_network_tag {s.client_network_tag!r} is not a network tag")
    for member in s.client_members:
        if isinstance(member, str) and (member in _PUBLIC_MEMBERS or ":" not in member):
            raise _fail(f"client_members: {member!r} is not a principal such as "
                        "'serviceAccount:<email>' (public members are refused)")
    resource_labels(COMPONENT, s.labels)
    if engine is StreamingEngine.MANAGED_KAFKA:
        _validate_managed_kafka(s)
        return s
    return _validate_redpanda(s)


def sasl_bootstrap(address: str) -> str:
    """The bootstrap server on the SASL port, whether or not the cluster's reported address
    carries a port (9092 is SASL, 9192 mTLS: pulumi_gcp's `bootstrap_address` docstring)."""
    host = address.rsplit(":", 1)[0] if ":" in address else address
    return f"{host}:{MANAGED_KAFKA_SASL_PORT}" if host else ""


def render_redpanda_startup_script(*, node_id: int, self_ip: str, peer_ips: Sequence[str],
                                   redpanda_version: str, credentials_secret: str,
                                   mode: RedpandaMode = RedpandaMode.PRODUCTION,
                                   broker_name: str = "redpanda-broker") -> str:
    """The startup script of one Redpanda broker (templates/redpanda-broker.sh): it installs
    and starts Redpanda in `mode` with SASL/SCRAM required, and makes the user of the Secret
    Manager secret `credentials_secret` (its resource name, never its value) a superuser."""
    template = (importlib.resources.files("forge_components.gcp").joinpath("templates")
                .joinpath(_TEMPLATE).read_text(encoding="utf-8"))
    for ip in (self_ip, *peer_ips):
        ipaddress.IPv4Address(ip)
    seeds = "\n".join(
        f"    - host:\n        address: {ip}\n        port: {REDPANDA_RPC_PORT}"
        for ip in peer_ips)
    values = {
        "__NODE_ID__": str(node_id),
        "__SELF_IP__": self_ip,
        "__DATA_DEVICE_NAME__": DATA_DEVICE_NAME,
        "__REDPANDA_VERSION__": redpanda_version,
        "__SEED_SERVERS__": seeds,
        "__REPLICATION_FACTOR__": str(min(3, len(peer_ips))),
        "__REDPANDA_MODE__": RedpandaMode(mode).value,
        "__BROKER_NAME__": broker_name,
        "__CREDENTIALS_SECRET__": credentials_secret,
        "__SASL_MECHANISM__": SASL_MECHANISMS[StreamingEngine.REDPANDA],
    }
    return _PLACEHOLDER.sub(lambda m: values[m.group(0)], template)


def _startup_script(peer_ips: pulumi.Output[list[str]], secret_id: pulumi.Output[str],
                    index: int, broker: str, s: _Settings) -> pulumi.Output[str]:
    """The startup script of broker `index`, once every peer address and the secret's name
    are known."""
    def render(values: list[Any]) -> str:
        ips, secret = values
        return render_redpanda_startup_script(
            node_id=index, self_ip=ips[index], peer_ips=ips,
            redpanda_version=s.redpanda_version, credentials_secret=secret,
            mode=s.redpanda_mode, broker_name=broker)
    return pulumi.Output.all(peer_ips, secret_id).apply(render)


class Streaming(pulumi.ComponentResource):
    """A Kafka-compatible broker for the platform: a private Managed Service for Apache Kafka
    cluster (SASL/OAUTHBEARER over TLS as each client's own service account), Redpanda on
    Shielded Compute Engine VMs (SASL/SCRAM, the password in Secret Manager), or none."""

    bootstrap_brokers: pulumi.Output[str]
    """Comma-separated `host:port` bootstrap servers (Managed Kafka's bootstrap server on
    9092; the Redpanda brokers' addresses on 9092); "" for engine none."""
    security_protocol: pulumi.Output[str]
    """"SASL_SSL" (managed-kafka, TLS only) or "SASL_PLAINTEXT" (redpanda); "" for none."""
    ca_certificate_pem: pulumi.Output[str]
    """The CA the clients must trust: "" on every engine (Managed Kafka presents certificates
    of Google's public CAs, in the clients' default trust store; these Redpanda brokers have no
    TLS listener)."""
    sasl_mechanism: pulumi.Output[str]
    """"OAUTHBEARER" (managed-kafka: a token of the client's own service account) or
    "SCRAM-SHA-512" (redpanda); "" for engine none."""
    username: pulumi.Output[str]
    """The SASL/SCRAM user (redpanda); "" for managed-kafka (each client logs in as its own
    service account) and none."""
    credentials_secret_id: pulumi.Output[str]
    """The Secret Manager secret holding the SCRAM credentials as JSON (`username`,
    `password`) for redpanda; "" for managed-kafka (no password exists) and none."""
    password_secret_id: pulumi.Output[str]
    """The Secret Manager secret holding the SCRAM password alone, as its whole value (what a
    Cloud Run secret variable such as KAFKA_PASSWORD references: Cloud Run reads a secret
    whole) for redpanda; "" for managed-kafka and none."""
    engine: pulumi.Output[str]
    """The engine: "managed-kafka", "redpanda" or "none"."""
    cluster_name: pulumi.Output[str]
    """The Managed Kafka cluster's resource name (`projects/<p>/locations/<region>/clusters/
    <id>`); "" for the other engines."""
    client_role: pulumi.Output[str]
    """The role the client members hold: "roles/managedkafka.client" on the project, or
    "roles/secretmanager.secretAccessor" on the credentials secret; "" for none."""
    broker_service_account: pulumi.Output[str]
    """The Redpanda brokers' service account email; "" for the other engines."""
    broker_count: pulumi.Output[int]
    """How many Redpanda brokers run; 0 for the other engines (Google sizes Managed Kafka)."""

    def __init__(self, name: str, args: StreamingArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, opts)
        s = validate_streaming_args(name, args)
        empty = pulumi.Output.from_input("")
        self.engine = pulumi.Output.from_input(s.engine.value)
        self.bootstrap_brokers = empty
        self.security_protocol = empty
        self.sasl_mechanism = empty
        self.ca_certificate_pem = empty
        self.username = empty
        self.credentials_secret_id = empty
        self.password_secret_id = empty
        self.cluster_name = empty
        self.client_role = empty
        self.broker_service_account = empty
        self.broker_count = pulumi.Output.from_input(0)
        if s.engine is not StreamingEngine.NONE:
            self.security_protocol = pulumi.Output.from_input(SECURITY_PROTOCOLS[s.engine])
            self.sasl_mechanism = pulumi.Output.from_input(SASL_MECHANISMS[s.engine])
        if s.engine is StreamingEngine.MANAGED_KAFKA:
            self._managed_kafka(name, s)
        elif s.engine is StreamingEngine.REDPANDA:
            self._redpanda(name, s)
        self.register_outputs({
            "bootstrap_brokers": self.bootstrap_brokers,
            "security_protocol": self.security_protocol,
            "sasl_mechanism": self.sasl_mechanism,
            "ca_certificate_pem": self.ca_certificate_pem,
            "username": self.username,
            "credentials_secret_id": self.credentials_secret_id,
            "password_secret_id": self.password_secret_id,
            "engine": self.engine,
            "cluster_name": self.cluster_name,
            "client_role": self.client_role,
            "broker_service_account": self.broker_service_account,
            "broker_count": self.broker_count,
        })

    def _firewall(self, child: str, s: _Settings, description: str, *, direction: str,
                  allows: list[gcp.compute.FirewallAllowArgs], target_tags: list[str],
                  source_ranges: list[pulumi.Input[str]] | None = None,
                  source_tags: list[str] | None = None,
                  destination_ranges: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
                  ) -> None:
        """One logged allow rule of the component on the stack's network."""
        gcp.compute.Firewall(
            child,
            network=s.network_id,
            direction=direction,
            priority=ALLOW_PRIORITY,
            source_ranges=source_ranges,
            source_tags=source_tags,
            destination_ranges=destination_ranges,
            target_tags=target_tags,
            allows=allows,
            log_config=gcp.compute.FirewallLogConfigArgs(metadata="INCLUDE_ALL_METADATA"),
            description=description,
            project=s.project,
            opts=child_opts(self))

    # -- Managed Service for Apache Kafka ---------------------------------------------------

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
                            subnet=s.workloads_subnet_id)]),
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
            self._firewall(
                f"{name}-kafka-clients", s,
                f"forge {name}: Kafka clients reach the cluster's SASL port",
                direction="EGRESS",
                destination_ranges=[s.workloads_subnet_cidr],
                target_tags=[s.client_network_tag],
                allows=[gcp.compute.FirewallAllowArgs(
                    protocol="tcp", ports=[str(MANAGED_KAFKA_SASL_PORT)])])

        self.bootstrap_brokers = cluster.bootstrap_address.apply(
            lambda address: sasl_bootstrap(address or ""))
        self.cluster_name = cluster.name
        self.client_role = pulumi.Output.from_input(MANAGED_KAFKA_CLIENT_ROLE)

    # -- Redpanda on Compute Engine -----------------------------------------------------------

    def _redpanda(self, name: str, s: _Settings) -> None:
        labels = resource_labels(COMPONENT, s.labels)
        tag = s.broker_network_tag

        # The clients' SCRAM credentials: generated, kept in Secret Manager only.
        password = random.RandomPassword(
            f"{name}-kafka-password", length=PASSWORD_LENGTH, special=False,
            opts=child_opts(self))
        secret = gcp.secretmanager.Secret(
            f"{name}-kafka-credentials",
            secret_id=f"{name}-kafka-credentials",
            project=s.project,
            replication=regional_replication(s.region),
            labels=labels,
            annotations={"description": f"forge {name}: the Kafka clients' SASL/SCRAM "
                                        "credentials (username, password)"},
            opts=child_opts(self, protect=s.protect))
        version = gcp.secretmanager.SecretVersion(
            f"{name}-kafka-credentials",
            secret=secret.id,
            secret_data=pulumi.Output.json_dumps(
                {"username": s.sasl_username, "password": password.result}),
            opts=child_opts(self))

        # The password alone, as a whole value: Cloud Run hands a secret to a container
        # whole, with no JSON field to pick. The brokers never read it.
        password_secret = gcp.secretmanager.Secret(
            f"{name}-kafka-password",
            secret_id=f"{name}-kafka-password",
            project=s.project,
            replication=regional_replication(s.region),
            labels=labels,
            annotations={"description": f"forge {name}: the Kafka clients' SASL/SCRAM "
                                        "password (the whole value)"},
            opts=child_opts(self, protect=s.protect))
        gcp.secretmanager.SecretVersion(
            f"{name}-kafka-password",
            secret=password_secret.id,
            secret_data=password.result,
            opts=child_opts(self))

        # The brokers' identity: one grant, reading that secret.
        account = gcp.serviceaccount.Account(
            f"{name}-broker",
            account_id=physical_name(name, "redpanda", SERVICE_ACCOUNT_ID_MAX),
            display_name=f"forge {name}: Redpanda brokers",
            description="Reads the Kafka credentials secret at boot; nothing else",
            project=s.project,
            opts=child_opts(self))
        reads = gcp.secretmanager.SecretIamMember(
            f"{name}-broker-reads-credentials",
            secret_id=secret.id,
            role=SECRET_ACCESSOR_ROLE,
            member=account.member,
            project=s.project,
            opts=child_opts(self))
        for i, member in enumerate(s.client_members):
            gcp.secretmanager.SecretIamMember(
                f"{name}-kafka-client-{i + 1}",
                secret_id=secret.id,
                role=SECRET_ACCESSOR_ROLE,
                member=member,
                project=s.project,
                opts=child_opts(self))
            gcp.secretmanager.SecretIamMember(
                f"{name}-kafka-client-{i + 1}-password",
                secret_id=password_secret.id,
                role=SECRET_ACCESSOR_ROLE,
                member=member,
                project=s.project,
                opts=child_opts(self))

        # Fixed addresses first: every broker boots with the complete seed list.
        addresses = [
            gcp.compute.Address(
                f"{name}-broker-{i + 1}-ip",
                address_type="INTERNAL",
                subnetwork=s.instances_subnet_id,
                region=s.region,
                project=s.project,
                description=f"forge {name}: Redpanda broker {i} (fixed address)",
                labels=labels,
                opts=child_opts(self))
            for i in range(s.broker_count)]
        peer_ips = pulumi.Output.all(*[a.address for a in addresses]).apply(list)
        peer_ranges = peer_ips.apply(lambda ips: [f"{ip}/32" for ip in ips])

        for i in range(s.broker_count):
            broker = f"{name}-broker-{i + 1}"
            zone = s.zones[i % len(s.zones)]
            disk = gcp.compute.Disk(
                f"{broker}-data",
                zone=zone,
                type=s.data_disk_type,
                size=s.data_disk_gb,
                disk_encryption_key=(
                    gcp.compute.DiskDiskEncryptionKeyArgs(kms_key_self_link=s.kms_key_name)
                    if s.kms_key_name is not None else None),
                create_snapshot_before_destroy=True,
                description=f"forge {name}: Redpanda broker {i}'s data",
                labels=labels,
                project=s.project,
                opts=child_opts(self, protect=s.protect))
            script = _startup_script(peer_ips, secret.id, i, broker, s)
            gcp.compute.Instance(
                broker,
                zone=zone,
                machine_type=s.machine_type,
                project=s.project,
                boot_disk=gcp.compute.InstanceBootDiskArgs(
                    auto_delete=True,
                    kms_key_self_link=s.kms_key_name,
                    initialize_params=gcp.compute.InstanceBootDiskInitializeParamsArgs(
                        image=s.image, size=s.boot_disk_gb, type="pd-balanced")),
                attached_disks=[gcp.compute.InstanceAttachedDiskArgs(
                    source=disk.self_link, device_name=DATA_DEVICE_NAME,
                    kms_key_self_link=s.kms_key_name)],
                # No access config: no external address.
                network_interfaces=[gcp.compute.InstanceNetworkInterfaceArgs(
                    subnetwork=s.instances_subnet_id, network_ip=addresses[i].address)],
                shielded_instance_config=gcp.compute.InstanceShieldedInstanceConfigArgs(
                    enable_secure_boot=True, enable_vtpm=True, enable_integrity_monitoring=True),
                service_account=gcp.compute.InstanceServiceAccountArgs(
                    email=account.email, scopes=[CLOUD_PLATFORM_SCOPE]),
                # The secret's name is in the script, its value never is.
                metadata={"startup-script": script, "enable-oslogin": "TRUE",
                          "block-project-ssh-keys": "TRUE"},
                tags=[tag],
                labels=labels,
                deletion_protection=s.deletion_protection,
                allow_stopping_for_update=True,
                description=f"forge {name}: Redpanda broker {i}",
                opts=child_opts(self, depends_on=[version, reads],
                                ignore_changes=["bootDisk.initializeParams.image"]))

        # Firewall: the Kafka port from the clients' range, the brokers' mesh, web egress, and
        # the clients' egress to exactly the brokers.
        self._firewall(
            f"{name}-kafka-from-clients", s,
            f"forge {name}: the clients' range reaches the Kafka API (SASL/SCRAM)",
            direction="INGRESS", source_ranges=[s.workloads_subnet_cidr], target_tags=[tag],
            allows=[gcp.compute.FirewallAllowArgs(
                protocol="tcp", ports=[str(REDPANDA_KAFKA_PORT)])])
        mesh = [gcp.compute.FirewallAllowArgs(
            protocol="tcp", ports=[str(REDPANDA_RPC_PORT), str(REDPANDA_ADMIN_PORT)])]
        self._firewall(
            f"{name}-broker-mesh-in", s, f"forge {name}: Redpanda RPC and Admin API between "
            "the brokers", direction="INGRESS", source_tags=[tag], target_tags=[tag],
            allows=mesh)
        self._firewall(
            f"{name}-broker-mesh-out", s, f"forge {name}: Redpanda RPC and Admin API between "
            "the brokers", direction="EGRESS", destination_ranges=peer_ranges,
            target_tags=[tag], allows=mesh)
        self._firewall(
            f"{name}-broker-egress-web", s, f"forge {name}: the brokers' HTTP and HTTPS out "
            "(Ubuntu mirrors, Redpanda's repository, Secret Manager)",
            direction="EGRESS", destination_ranges=[ANYWHERE_IPV4], target_tags=[tag],
            allows=[gcp.compute.FirewallAllowArgs(protocol="tcp", ports=["80", "443"])])
        if s.client_network_tag is not None:
            self._firewall(
                f"{name}-kafka-clients", s,
                f"forge {name}: Kafka clients reach the brokers' Kafka API",
                direction="EGRESS", destination_ranges=peer_ranges,
                target_tags=[s.client_network_tag],
                allows=[gcp.compute.FirewallAllowArgs(
                    protocol="tcp", ports=[str(REDPANDA_KAFKA_PORT)])])

        self.bootstrap_brokers = peer_ips.apply(
            lambda ips: ",".join(f"{ip}:{REDPANDA_KAFKA_PORT}" for ip in ips))
        self.username = pulumi.Output.from_input(s.sasl_username)
        self.credentials_secret_id = secret.id
        self.password_secret_id = password_secret.id
        self.client_role = pulumi.Output.from_input(SECRET_ACCESSOR_ROLE)
        self.broker_service_account = account.email
        self.broker_count = pulumi.Output.from_input(s.broker_count)
