"""The platform's Kafka-compatible event stream on AWS: Amazon MSK, Redpanda on EC2, or none.

One knob, `StreamingArgs.engine`, picks the implementation; every engine exposes the same
outputs (`bootstrap_brokers`, `security_group_id`, `engine`, `broker_count`), so the services
only ever see a comma-separated bootstrap list.

Access model (the same for both engines): clients authenticate with SASL/SCRAM-SHA-512 as one
user whose credentials the component generates and keeps in Secrets Manager (JSON `username`,
`password`, encrypted with a customer-managed KMS key), and only the security groups in
`allowed_security_group_ids` reach the client port (no CIDR rule at all), and the client
connection is TLS on both (Kafka `security.protocol` SASL_SSL). The outputs
`security_protocol`, `sasl_mechanism`, `username`, `credentials_secret_id` and
`ca_certificate_pem` tell the clients exactly how to connect; they differ between the engines
only in the CA the clients trust.

- MSK: SASL/SCRAM over TLS on 9096 (`client_broker = "TLS"`, brokers encrypt in-cluster
  traffic too); unauthenticated, plaintext (9092), TLS-only (9094) and IAM (9098) access are
  not enabled. The secret is named `AmazonMSK_...` and associated with the cluster, as MSK
  requires (https://docs.aws.amazon.com/msk/latest/developerguide/msk-password-tutorial.html;
  ports: https://docs.aws.amazon.com/msk/latest/developerguide/port-info.html). Security
  protocol SASL_SSL. Data at rest is encrypted with a customer-managed KMS key.
  MSK's brokers present certificates of Amazon's public CAs, so `ca_certificate_pem` is ""
  (the clients' default trust store).
- Redpanda: the Kafka API (9092) requires SASL/SCRAM (`enable_sasl`, the user created at boot
  with rpk as the cluster's superuser) over TLS (`kafka_api_tls`, server certificates only,
  `require_client_auth: false`: SASL_SSL, like MSK's 9096). The component runs a private CA
  (pulumi_tls: an RSA key and a self-signed CA certificate) and gives each broker its own key
  and a certificate signed by it whose subject alternative name is the broker's private IP
  address (the address it advertises and the clients dial; the network interfaces are created
  first, so it is known). Each broker's key and certificate sit in a Secrets Manager secret of
  their own, encrypted with the credentials' KMS key, which the broker reads at boot with its
  instance role (the user data carries only the secret's ARN); `ca_certificate_pem` is the CA
  certificate the clients verify the brokers with. The internal RPC (33145) and the admin API
  (9644) stay plaintext and are open only between the brokers themselves (RPC carries the
  replicated data between brokers; the admin API is what the boot script calls on
  127.0.0.1); the HTTP proxy is not started. Root and data volumes are KMS-encrypted, IMDSv2
  is required, and operators reach the hosts through SSM Session Manager (no SSH, no key
  pair).

Redpanda's boot is observable: at the end of its first boot each broker starts a one-minute
heartbeat that publishes `BrokerReady` (1 when the broker answers ready, 0 otherwise; the boot
script publishes 0 when it fails) to the CloudWatch namespace `Forge/Redpanda`, and one
CloudWatch alarm per broker fires when the value is below 1 or missing for 15 minutes
(missing data is breaching: a broker whose boot never finished has no heartbeat at all).

Redpanda brokers get their network interfaces first, so every broker's private address is known
before any instance exists; each instance boots with the complete seed list (no resource is
created inside `apply`). The data volume and the network interface of a broker outlive its
instance: replacing an instance re-attaches the same address and the same data.
"""

import dataclasses
import importlib.resources
import re
from collections.abc import Sequence
from typing import NotRequired, TypedDict

import pulumi
import pulumi_aws as aws
import pulumi_random as random
import pulumi_tls as tls

from forge_components.aws.ami import AmiArchitecture, ubuntu_ami
from forge_components.aws.iam import managed_policy_arn, partition, service_trust_policy
from forge_components.aws.kms import kms_key
from forge_components.aws.limits import (
    LOG_RETENTION_DAYS,
    MSK_MAX_AZS,
    REDPANDA_DEFAULT_INSTANCE_TYPE,
    REDPANDA_INSTANCE_TYPES,
    RedpandaMode,
    StreamingEngine,
    redpanda_mode_problem,
    streaming_subnet_count,
)
from forge_components.aws.security import between_members, ingress_from_groups
from forge_components.aws.tags import resource_tags
from forge_components.common import child_opts, physical_name

COMPONENT = "forge-aws:index:Streaming"


#: MSK's SASL/SCRAM listener inside AWS (TLS):
#: https://docs.aws.amazon.com/msk/latest/developerguide/port-info.html
MSK_SASL_SCRAM_PORT = 9096
REDPANDA_KAFKA_PORT = 9092
REDPANDA_RPC_PORT = 33145
REDPANDA_ADMIN_PORT = 9644

#: The one SASL mechanism both engines share: MSK's SASL/SCRAM is SCRAM-SHA-512 only
#: (https://docs.aws.amazon.com/msk/latest/developerguide/msk-password.html); Redpanda offers
#: SCRAM-SHA-256 and SCRAM-SHA-512
#: (https://docs.redpanda.com/streaming/current/reference/rpk/rpk-security/rpk-security-user-create/).
SASL_MECHANISM = "SCRAM-SHA-512"
#: The Kafka `security.protocol` of each engine: both encrypt the SASL listener with TLS (MSK
#: on 9096; Redpanda's `kafka_api_tls` on 9092 with the component's private CA).
SECURITY_PROTOCOLS = {StreamingEngine.MSK: "SASL_SSL", StreamingEngine.REDPANDA: "SASL_SSL"}

#: Where the boot script writes each Redpanda broker's TLS files (its key, its certificate, the
#: CA certificate), the three files Redpanda's `kafka_api_tls` names ("Configure Kafka TLS
#: Encryption", https://docs.redpanda.com/streaming/current/manage/security/encryption/).
REDPANDA_CERT_DIR = "/etc/redpanda/certs"
#: The private CA's and the brokers' keys: RSA 2048, the algorithm every Kafka client and
#: Redpanda's TLS stack accept (pulumi_tls PrivateKey `algorithm`, `rsa_bits`).
TLS_KEY_ALGORITHM = "RSA"
TLS_RSA_BITS = 2048
#: Certificate lifetimes (pulumi_tls `validity_period_hours`): the CA ten years, each broker's
#: certificate five. Neither renews by itself (no `early_renewal_hours`); docs/SECURITY.md
#: ("Kafka") has the renewal drill.
CA_VALIDITY_HOURS = 10 * 365 * 24
BROKER_CERT_VALIDITY_HOURS = 5 * 365 * 24
#: Key usages (pulumi_tls `allowed_uses`): the CA signs certificates only; a broker's
#: certificate serves TLS (server authentication) with an RSA key.
CA_ALLOWED_USES = ["cert_signing", "crl_signing"]
BROKER_ALLOWED_USES = ["digital_signature", "key_encipherment", "server_auth"]
#: MSK only accepts SCRAM secrets whose name begins with this prefix (msk-password-tutorial).
MSK_SECRET_PREFIX = "AmazonMSK_"
#: Generated SCRAM password length: letters and digits only, safe inside a JAAS config string.
PASSWORD_LENGTH = 32
#: A SASL user name the component accepts (safe in rpk arguments and JAAS strings).
USERNAME = re.compile(r"[a-z][a-z0-9_-]{0,62}")

#: The Redpanda boot signal: metric, namespace and the alarm's window (5-minute periods, 3 of
#: them: a broker has 15 minutes to boot, and a dead broker is noticed within 15 minutes).
BOOT_METRIC_NAMESPACE = "Forge/Redpanda"
BOOT_METRIC_NAME = "BrokerReady"
BOOT_ALARM_PERIOD_SECONDS = 300
BOOT_ALARM_PERIODS = 3

DEFAULT_INSTANCE_TYPES = {"msk": "kafka.t3.small", "redpanda": REDPANDA_DEFAULT_INSTANCE_TYPE}

MSK_MONITORING_LEVELS = frozenset({"DEFAULT", "PER_BROKER", "PER_TOPIC_PER_BROKER",
                                   "PER_TOPIC_PER_PARTITION"})


_TEMPLATE = "redpanda-broker.sh"
_PLACEHOLDER = re.compile(r"__[A-Z_]+__")


class StreamingArgs(TypedDict):
    """The inputs of a `Streaming` component."""

    vpc_id: pulumi.Input[str]
    """The VPC the brokers live in. Required."""
    subnet_ids: pulumi.Input[list[str]]
    """The private subnets, one per availability zone, in AZ order. Required."""
    subnet_count: int
    """How many subnets `subnet_ids` holds (known at plan time, so brokers are spread without
    waiting for the subnet ids). Required."""
    allowed_security_group_ids: NotRequired[list[pulumi.Input[str]]]
    """The only security groups admitted to the client ports (the application's security group);
    no CIDR is ever admitted. Defaults to [] (no client can connect)."""
    engine: NotRequired[StreamingEngine]
    """The broker implementation. Defaults to StreamingEngine.MSK."""
    broker_count: NotRequired[int]
    """Number of brokers. For MSK it must be a multiple of the AZs in use
    (min(subnet_count, 3)). Defaults to 3."""
    instance_type: NotRequired[str]
    """Broker instance type; unset picks the engine's default ("kafka.t3.small" for MSK,
    "t3.medium" for Redpanda). Defaults to unset (the engine's default)."""
    kafka_version: NotRequired[str]
    """MSK's Apache Kafka version as MSK spells it ("3.8.x" is MSK's recommended line and takes
    patch upgrades automatically; Kafka 4 is "4.1.x.kraft"; support dates in versions.yaml).
    Defaults to "3.8.x"."""
    ebs_volume_gb: NotRequired[int]
    """Data volume size per broker, GiB. Defaults to 100."""
    kms_key_arn: NotRequired[pulumi.Input[str]]
    """The KMS key encrypting broker storage at rest; unset creates a key with yearly rotation
    and an explicit key policy. Defaults to unset (a key is created)."""
    log_retention_days: NotRequired[int]
    """Retention of the MSK broker log group, in days (a value CloudWatch accepts). Defaults to
    14."""
    enhanced_monitoring: NotRequired[str]
    """MSK CloudWatch metrics level: "DEFAULT" (free), "PER_BROKER", "PER_TOPIC_PER_BROKER" or
    "PER_TOPIC_PER_PARTITION" (billed). Defaults to "DEFAULT"."""
    redpanda_version: NotRequired[str]
    """The Redpanda release (major.feature.patch) installed from the apt repository; redpanda,
    redpanda-rpk and redpanda-tuner are all pinned to it. Defaults to "26.2.7"."""
    ami_id: NotRequired[pulumi.Input[str]]
    """The Redpanda hosts' AMI; unset looks up the latest Canonical Ubuntu 22.04 image of the
    instance type's architecture (amd64, or arm64 for the Graviton t4g types; see
    limits.REDPANDA_INSTANCE_TYPES), and then ignores later AMI changes so a new image never
    replaces a broker. Defaults to unset (looked up)."""
    root_volume_gb: NotRequired[int]
    """Redpanda hosts' root volume size, GiB. Defaults to 20."""
    redpanda_mode: NotRequired[RedpandaMode]
    """How the Redpanda brokers run: "production" (tuners on; the instance type needs
    Redpanda's 2 GiB per vCPU) or "development" (developer mode: no memory floor, fsync
    bypassed, for a dev stack only). The instance type must be one of
    limits.REDPANDA_INSTANCE_TYPES. Defaults to RedpandaMode.PRODUCTION."""
    sasl_username: NotRequired[str]
    """The SASL/SCRAM user the clients log in as (Redpanda makes it the superuser).
    Defaults to "forge"."""
    credentials_kms_key_arn: NotRequired[pulumi.Input[str]]
    """The customer-managed KMS key encrypting the credentials secret (MSK refuses secrets
    under the account's default Secrets Manager key); unset creates a key with yearly rotation.
    Defaults to unset (a key is created)."""
    log_kms_key_arn: NotRequired[pulumi.Input[str]]
    """The KMS key encrypting the MSK broker log group (its key policy must admit CloudWatch
    Logs); unset leaves the log group under CloudWatch Logs' own encryption. Defaults to unset."""
    alarm_actions: NotRequired[list[pulumi.Input[str]]]
    """ARNs (e.g. SNS topics) notified when a Redpanda broker's boot alarm changes state.
    Defaults to [] (the alarms are visible in CloudWatch only)."""
    protect: NotRequired[bool]
    """Set Pulumi's `protect` on the stateful children (the MSK cluster, the Redpanda data
    volumes, the Redpanda CA's key and certificate and the brokers' TLS secrets, the created
    KMS keys, the client credentials' secret). Defaults to False."""
    tags: NotRequired[dict[str, str]]
    """Tags added to every taggable child (the provider's default tags come on top). Defaults to
    {}."""


@dataclasses.dataclass(frozen=True)
class _Settings:
    """`StreamingArgs` with every default applied (the host passes a plain dict)."""

    vpc_id: pulumi.Input[str]
    subnet_ids: pulumi.Input[list[str]]
    subnet_count: int
    allowed_security_group_ids: list[pulumi.Input[str]] = dataclasses.field(
        default_factory=list)
    engine: StreamingEngine = StreamingEngine.MSK
    broker_count: int = 3
    instance_type: str | None = None
    kafka_version: str = "3.8.x"
    ebs_volume_gb: int = 100
    kms_key_arn: pulumi.Input[str] | None = None
    log_retention_days: int = 14
    enhanced_monitoring: str = "DEFAULT"
    redpanda_version: str = "26.2.7"
    ami_id: pulumi.Input[str] | None = None
    root_volume_gb: int = 20
    redpanda_mode: RedpandaMode = RedpandaMode.PRODUCTION
    sasl_username: str = "forge"
    credentials_kms_key_arn: pulumi.Input[str] | None = None
    log_kms_key_arn: pulumi.Input[str] | None = None
    alarm_actions: list[pulumi.Input[str]] = dataclasses.field(default_factory=list)
    protect: bool = False
    tags: dict[str, str] = dataclasses.field(default_factory=dict)


#: A Redpanda release as its packages are versioned (major.feature.patch).
REDPANDA_RELEASE = re.compile(r"\d+\.\d+\.\d+")


def _fail(message: str) -> ValueError:
    return ValueError(f"Streaming: {message}")


def _settings(args: StreamingArgs) -> _Settings:
    """The args with defaults applied; inconsistent ones are refused before any resource."""
    s = _Settings(**args)
    try:
        engine = StreamingEngine(s.engine)
    except ValueError:
        raise _fail(f"engine {s.engine!r} is not one of "
                    f"{[e.value for e in StreamingEngine]}") from None
    s = dataclasses.replace(s, engine=engine)
    if engine is StreamingEngine.NONE:
        return s
    if s.subnet_count < 1:
        raise _fail(f"subnet_count must be at least 1, got {s.subnet_count}")
    if s.broker_count < 1:
        raise _fail(f"broker_count must be at least 1, got {s.broker_count}")
    if isinstance(s.subnet_ids, list | tuple) and len(s.subnet_ids) != s.subnet_count:
        raise _fail(f"subnet_ids holds {len(s.subnet_ids)} subnets but subnet_count is "
                    f"{s.subnet_count}")
    if s.ebs_volume_gb < 1:
        raise _fail(f"ebs_volume_gb must be at least 1, got {s.ebs_volume_gb}")
    if engine is StreamingEngine.MSK:
        if s.subnet_count < 2:
            raise _fail(f"MSK needs at least 2 subnets in distinct AZs, subnet_count is "
                        f"{s.subnet_count}")
        azs = streaming_subnet_count(engine, s.subnet_count)
        if s.broker_count % azs:
            raise _fail(
                f"broker_count ({s.broker_count}) must be a multiple of the AZs MSK uses "
                f"(min(subnet_count, {MSK_MAX_AZS}) = {azs})")
        if s.enhanced_monitoring not in MSK_MONITORING_LEVELS:
            raise _fail(f"enhanced_monitoring {s.enhanced_monitoring!r} is not one of "
                        f"{sorted(MSK_MONITORING_LEVELS)}")
        if s.log_retention_days not in LOG_RETENTION_DAYS:
            raise _fail(
                f"log_retention_days={s.log_retention_days} is not a CloudWatch retention "
                f"period; use one of {list(LOG_RETENTION_DAYS)}")
    if not USERNAME.fullmatch(s.sasl_username):
        raise _fail(f"sasl_username must match {USERNAME.pattern}, got {s.sasl_username!r}")
    if engine is StreamingEngine.REDPANDA:
        if not REDPANDA_RELEASE.fullmatch(s.redpanda_version):
            raise _fail(f"redpanda_version must be a full release such as \"26.2.7\" (all "
                        f"three packages are pinned to it), got {s.redpanda_version!r}")
        try:
            mode = RedpandaMode(s.redpanda_mode)
        except ValueError:
            raise _fail(f"redpanda_mode {s.redpanda_mode!r} is not one of "
                        f"{[m.value for m in RedpandaMode]}") from None
        refusal = redpanda_mode_problem(
            mode, s.instance_type or DEFAULT_INSTANCE_TYPES[engine.value])
        if refusal:
            raise _fail(f"instance_type {refusal}")
        s = dataclasses.replace(s, redpanda_mode=mode)
    return s


def _take_subnets(subnet_ids: pulumi.Input[list[str]], expected: int,
                  count: int) -> pulumi.Output[list[str]]:
    """The first `count` subnet ids, after checking `subnet_ids` holds `expected` of them."""
    def take(ids: Sequence[str]) -> list[str]:
        ids = list(ids)
        if len(ids) != expected:
            raise _fail(f"subnet_ids holds {len(ids)} subnets but subnet_count is {expected}")
        return ids[:count]
    return pulumi.Output.from_input(subnet_ids).apply(take)


def _round_robin(subnet_ids: pulumi.Output[list[str]], index: int) -> pulumi.Output[str]:
    """The subnet of broker `index`: brokers wrap round-robin over the subnets."""
    return subnet_ids.apply(lambda ids: ids[index % len(ids)])


def _broker_user_data(peer_ips: pulumi.Output[list[str]], volume_id: pulumi.Output[str],
                      index: int, *, redpanda_version: str, mode: RedpandaMode,
                      broker_name: str, credentials_secret_arn: pulumi.Output[str],
                      tls_secret_arn: pulumi.Output[str],
                      region: pulumi.Output[str]) -> pulumi.Output[str]:
    """The boot script of broker `index`, once every peer address and its volume are known."""
    return pulumi.Output.all(peer_ips, volume_id, credentials_secret_arn, tls_secret_arn,
                             region).apply(
        lambda values: render_redpanda_user_data(
            node_id=index, self_ip=values[0][index], peer_ips=values[0],
            data_volume_id=values[1], redpanda_version=redpanda_version, mode=mode,
            broker_name=broker_name, credentials_secret_arn=values[2],
            tls_secret_arn=values[3], region=values[4]))


def msk_server_properties(broker_count: int) -> str:
    """The MSK configuration: no topic auto-creation, replication suited to the broker count."""
    replication = min(3, broker_count)
    min_insync = 2 if broker_count >= 3 else 1
    return "\n".join([
        "auto.create.topics.enable=false",
        f"default.replication.factor={replication}",
        f"min.insync.replicas={min_insync}",
        "unclean.leader.election.enable=false",
        "",
    ])


def render_redpanda_user_data(*, node_id: int, self_ip: str, peer_ips: Sequence[str],
                              data_volume_id: str, redpanda_version: str,
                              mode: RedpandaMode = RedpandaMode.PRODUCTION,
                              broker_name: str = "redpanda-broker",
                              credentials_secret_arn: str = "",
                              tls_secret_arn: str,
                              region: str = "us-east-1") -> str:
    """The first-boot script of one Redpanda broker (see templates/redpanda-broker.sh): it
    installs and starts Redpanda in `mode` with SASL/SCRAM over TLS required on the Kafka API
    (the broker's key and certificate and the CA certificate read from the secret
    `tls_secret_arn`, `broker_tls_secret_value`), creates the user of the secret
    `credentials_secret_arn` as superuser, and starts the `BrokerReady` heartbeat of
    `broker_name` in `region`."""
    if not tls_secret_arn:
        raise _fail("render_redpanda_user_data: tls_secret_arn is required (the Kafka API "
                    "listens with TLS only)")
    template = (importlib.resources.files("forge_components.aws").joinpath("templates")
                .joinpath(_TEMPLATE).read_text(encoding="utf-8"))
    seeds = "\n".join(
        f"    - host:\n        address: {ip}\n        port: {REDPANDA_RPC_PORT}"
        for ip in peer_ips)
    values = {
        "__NODE_ID__": str(node_id),
        "__SELF_IP__": self_ip,
        "__DATA_VOLUME_ID__": data_volume_id,
        "__REDPANDA_VERSION__": redpanda_version,
        "__SEED_SERVERS__": seeds,
        "__REPLICATION_FACTOR__": str(min(3, len(peer_ips))),
        "__REDPANDA_MODE__": RedpandaMode(mode).value,
        "__BROKER_NAME__": broker_name,
        "__CREDENTIALS_SECRET_ARN__": credentials_secret_arn,
        "__TLS_SECRET_ARN__": tls_secret_arn,
        "__CERT_DIR__": REDPANDA_CERT_DIR,
        "__REGION__": region,
        "__SASL_MECHANISM__": SASL_MECHANISM,
        "__METRIC_NAMESPACE__": BOOT_METRIC_NAMESPACE,
        "__METRIC_NAME__": BOOT_METRIC_NAME,
    }
    rendered = _PLACEHOLDER.sub(lambda m: values[m.group(0)], template)
    return rendered


def scram_secret_value(username: str,
                       password: pulumi.Input[str]) -> dict[str, pulumi.Input[str]]:
    """The credentials secret's JSON object, in the shape MSK requires
    (`{"username": ..., "password": ...}`, msk-password-tutorial) and Redpanda's boot reads."""
    return {"username": username, "password": password}


def broker_tls_secret_value(private_key_pem: pulumi.Input[str], certificate_pem: pulumi.Input[str],
                            ca_certificate_pem: pulumi.Input[str]) -> dict[str, pulumi.Input[str]]:
    """A broker's TLS secret as JSON: `key` (its private key, PEM), `certificate` (its
    certificate, PEM) and `ca` (the CA certificate, PEM), the three files the boot script
    writes for `kafka_api_tls`."""
    return {"key": private_key_pem, "certificate": certificate_pem, "ca": ca_certificate_pem}


def broker_policy(secret_arn: pulumi.Input[str], secret_key_arn: pulumi.Input[str] | None,
                  region: pulumi.Input[str],
                  tls_secret_arns: Sequence[pulumi.Input[str]] = ()) -> pulumi.Output[str]:
    """The Redpanda brokers' own policy: exactly the AWS calls of their boot script and
    heartbeat (`aws secretsmanager get-secret-value` of the credentials secret and of the
    brokers' TLS secrets `tls_secret_arns`, decrypting them through Secrets Manager only, and
    `aws cloudwatch put-metric-data` in the boot signal's namespace only:
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/iam-cw-condition-keys-namespace.html)."""
    return pulumi.Output.json_dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "ReadKafkaCredentials", "Effect": "Allow",
             "Action": "secretsmanager:GetSecretValue", "Resource": secret_arn},
            *([{"Sid": "ReadBrokerTls", "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue", "Resource": list(tls_secret_arns)}]
              if tls_secret_arns else []),
            {"Sid": "DecryptKafkaCredentials", "Effect": "Allow", "Action": "kms:Decrypt",
             "Resource": secret_key_arn,
             "Condition": {"StringEquals": {"kms:ViaService": pulumi.Output.concat(
                 "secretsmanager.", region, ".amazonaws.com")}}},
            {"Sid": "PublishBootSignal", "Effect": "Allow",
             "Action": "cloudwatch:PutMetricData", "Resource": "*",
             "Condition": {"StringEquals": {"cloudwatch:namespace": BOOT_METRIC_NAMESPACE}}},
        ],
    })


class Streaming(pulumi.ComponentResource):
    """A Kafka-compatible broker cluster: SASL/SCRAM clients from the allowed security groups."""

    bootstrap_brokers: pulumi.Output[str]
    """Comma-separated `host:port` bootstrap servers (MSK's SASL/SCRAM listener, Redpanda's
    Kafka API); "" for engine none."""
    security_protocol: pulumi.Output[str]
    """The Kafka `security.protocol` clients must use: "SASL_SSL" on both engines; "" for
    engine none."""
    sasl_mechanism: pulumi.Output[str]
    """The SASL mechanism: "SCRAM-SHA-512" on both engines; "" for engine none."""
    username: pulumi.Output[str]
    """The SASL user the clients log in as; "" for engine none."""
    credentials_secret_id: pulumi.Output[str]
    """The Secrets Manager secret (ARN) holding the credentials as JSON (`username`,
    `password`); "" for engine none."""
    ca_certificate_pem: pulumi.Output[str]
    """The PEM certificate of the CA the clients must trust to verify the brokers: Redpanda's
    private CA; "" for MSK (Amazon's public CAs, in every default trust store) and engine
    none."""
    credentials_kms_key_arn: pulumi.Output[str] | None
    """The KMS key encrypting the credentials secret (readers of the secret need kms:Decrypt on
    it); None for engine none."""
    security_group_id: pulumi.Output[str] | None
    """The brokers' security group; None for engine none."""
    engine: pulumi.Output[str]
    """The engine: "msk", "redpanda" or "none"."""
    broker_count: pulumi.Output[int]
    """How many brokers run (0 for engine none)."""
    kms_key_arn: pulumi.Output[str] | None
    """The KMS key encrypting broker storage; None for engine none."""

    def __init__(self, name: str, args: StreamingArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, opts)
        settings = _settings(args)
        engine = StreamingEngine(settings.engine)
        self._base_name = name
        self._spec = settings
        self.engine = pulumi.Output.from_input(engine.value)
        self.broker_count = pulumi.Output.from_input(
            0 if engine is StreamingEngine.NONE else settings.broker_count)
        self.bootstrap_brokers = pulumi.Output.from_input("")
        self.security_protocol = pulumi.Output.from_input("")
        self.sasl_mechanism = pulumi.Output.from_input("")
        self.username = pulumi.Output.from_input("")
        self.credentials_secret_id = pulumi.Output.from_input("")
        self.ca_certificate_pem = pulumi.Output.from_input("")
        self.credentials_kms_key_arn = None
        self.security_group_id = None
        self.kms_key_arn = None

        if engine is not StreamingEngine.NONE:
            instance_type = settings.instance_type or DEFAULT_INSTANCE_TYPES[engine.value]
            key_arn = self._kms_key()
            self.kms_key_arn = pulumi.Output.from_input(key_arn)
            security_group = aws.ec2.SecurityGroup(
                f"{name}-sg",
                vpc_id=settings.vpc_id,
                description=f"{engine.value} brokers of {name}: clients from the allowed "
                            "security groups only",
                tags=self._tags(f"{name}-sg"),
                opts=child_opts(self))
            self.security_group_id = security_group.id
            secret, secret_version = self._credentials(engine)
            self.credentials_secret_id = secret.arn
            self.security_protocol = pulumi.Output.from_input(SECURITY_PROTOCOLS[engine])
            self.sasl_mechanism = pulumi.Output.from_input(SASL_MECHANISM)
            self.username = pulumi.Output.from_input(settings.sasl_username)
            if engine is StreamingEngine.MSK:
                self.bootstrap_brokers = self._msk(security_group, key_arn, instance_type,
                                                   secret, secret_version)
            else:
                self.bootstrap_brokers = self._redpanda(security_group, key_arn, instance_type,
                                                        secret)

        self.register_outputs({
            "bootstrap_brokers": self.bootstrap_brokers,
            "security_protocol": self.security_protocol,
            "sasl_mechanism": self.sasl_mechanism,
            "username": self.username,
            "credentials_secret_id": self.credentials_secret_id,
            "ca_certificate_pem": self.ca_certificate_pem,
            "credentials_kms_key_arn": self.credentials_kms_key_arn,
            "security_group_id": self.security_group_id,
            "engine": self.engine,
            "broker_count": self.broker_count,
            "kms_key_arn": self.kms_key_arn,
        })

    # -- shared -----------------------------------------------------------------------------

    def _tags(self, child: str) -> dict[str, str]:
        return resource_tags(child, COMPONENT, self._spec.tags)

    def _kms_key(self) -> pulumi.Input[str]:
        """The at-rest key: the caller's, or a new one with rotation (bring-your-own / create)."""
        if self._spec.kms_key_arn is not None:
            return self._spec.kms_key_arn
        key = kms_key(
            self, f"{self._base_name}-key",
            description=f"Encrypts the {self._spec.engine} broker storage of {self._base_name}",
            tags=self._tags(f"{self._base_name}-key"),
            protect=self._spec.protect)
        return key.arn

    def _credentials(self, engine: StreamingEngine,
                     ) -> tuple[aws.secretsmanager.Secret, aws.secretsmanager.SecretVersion]:
        """The clients' SCRAM credentials: a generated password in a secret (JSON `username`,
        `password`) under a customer-managed key, the caller's or a new one."""
        name, args = self._base_name, self._spec
        key_arn: pulumi.Input[str]
        if args.credentials_kms_key_arn is not None:
            key_arn = args.credentials_kms_key_arn
        else:
            key_arn = kms_key(
                self, f"{name}-credentials-key",
                description=f"Encrypts the Kafka client credentials of {name}",
                tags=self._tags(f"{name}-credentials-key"),
                protect=args.protect).arn
        self.credentials_kms_key_arn = pulumi.Output.from_input(key_arn)
        password = random.RandomPassword(
            f"{name}-kafka-password", length=PASSWORD_LENGTH, special=False,
            opts=child_opts(self))
        # MSK reads only secrets named AmazonMSK_*; a prefix (not a fixed name) lets a
        # replacement secret be created while the old name waits out its recovery window.
        prefix = (f"{MSK_SECRET_PREFIX}{name}-" if engine is StreamingEngine.MSK
                  else f"{name}-kafka-")
        secret = aws.secretsmanager.Secret(
            f"{name}-kafka-credentials",
            name_prefix=prefix,
            description=f"Kafka SASL/SCRAM credentials of {name}'s clients (username, password)",
            kms_key_id=key_arn,
            tags=self._tags(f"{name}-kafka-credentials"),
            opts=child_opts(self, protect=args.protect))
        version = aws.secretsmanager.SecretVersion(
            f"{name}-kafka-credentials",
            secret_id=secret.id,
            secret_string=pulumi.Output.json_dumps(
                scram_secret_value(args.sasl_username, password.result)),
            opts=child_opts(self))
        return secret, version

    def _ingress(self, security_group: aws.ec2.SecurityGroup, port: int, purpose: str,
                 sources: Sequence[pulumi.Input[str]], label: str) -> None:
        """One ingress rule per source security group on one TCP port."""
        ingress_from_groups(self, f"{self._base_name}-{label}",
                            security_group_id=security_group.id, sources=sources, port=port,
                            description=purpose, tags=self._tags)

    # -- Redpanda TLS -----------------------------------------------------------------------

    def _broker_ca(self) -> tuple[tls.PrivateKey, tls.SelfSignedCert]:
        """The brokers' private CA: its key (kept in the Pulumi state, as a secret) and its
        self-signed CA certificate."""
        name = self._base_name
        # Protected with the data: replacing the CA changes the certificate every client trusts.
        key = tls.PrivateKey(f"{name}-ca-key", algorithm=TLS_KEY_ALGORITHM,
                             rsa_bits=TLS_RSA_BITS,
                             opts=child_opts(self, protect=self._spec.protect))
        cert = tls.SelfSignedCert(
            f"{name}-ca",
            private_key_pem=key.private_key_pem,
            is_ca_certificate=True,
            subject=tls.SelfSignedCertSubjectArgs(
                common_name=f"{name} Redpanda CA", organization="forge-infra"),
            validity_period_hours=CA_VALIDITY_HOURS,
            allowed_uses=list(CA_ALLOWED_USES),
            opts=child_opts(self, protect=self._spec.protect))
        return key, cert

    def _broker_tls(self, broker: str, interface: aws.ec2.NetworkInterface,
                    ca_key: tls.PrivateKey, ca_cert: tls.SelfSignedCert,
                    ) -> tuple[aws.secretsmanager.Secret, aws.secretsmanager.SecretVersion]:
        """One broker's key and CA-signed certificate for its private IP address (the address
        it advertises), in a secret of its own under the credentials' KMS key."""
        key = tls.PrivateKey(f"{broker}-tls-key", algorithm=TLS_KEY_ALGORITHM,
                             rsa_bits=TLS_RSA_BITS, opts=child_opts(self))
        request = tls.CertRequest(
            f"{broker}-tls-request",
            private_key_pem=key.private_key_pem,
            subject=tls.CertRequestSubjectArgs(common_name=broker, organization="forge-infra"),
            # The clients dial the advertised address, an IP: it is the SAN they verify.
            ip_addresses=[interface.private_ip],
            opts=child_opts(self))
        cert = tls.LocallySignedCert(
            f"{broker}-tls-cert",
            cert_request_pem=request.cert_request_pem,
            ca_private_key_pem=ca_key.private_key_pem,
            ca_cert_pem=ca_cert.cert_pem,
            validity_period_hours=BROKER_CERT_VALIDITY_HOURS,
            allowed_uses=list(BROKER_ALLOWED_USES),
            opts=child_opts(self))
        secret = aws.secretsmanager.Secret(
            f"{broker}-tls",
            name_prefix=f"{broker}-tls-",
            description=f"TLS key and certificate of Redpanda broker {broker} (key, "
                        "certificate, ca; PEM)",
            kms_key_id=self.credentials_kms_key_arn,
            tags=self._tags(f"{broker}-tls"),
            opts=child_opts(self, protect=self._spec.protect))
        version = aws.secretsmanager.SecretVersion(
            f"{broker}-tls",
            secret_id=secret.id,
            secret_string=pulumi.Output.json_dumps(broker_tls_secret_value(
                key.private_key_pem, cert.cert_pem, ca_cert.cert_pem)),
            opts=child_opts(self))
        return secret, version

    # -- MSK --------------------------------------------------------------------------------

    def _msk(self, security_group: aws.ec2.SecurityGroup, key_arn: pulumi.Input[str],
             instance_type: str, secret: aws.secretsmanager.Secret,
             secret_version: aws.secretsmanager.SecretVersion) -> pulumi.Output[str]:
        name, args = self._base_name, self._spec
        self._ingress(security_group, MSK_SASL_SCRAM_PORT,
                      "Kafka SASL/SCRAM over TLS from an allowed client",
                      args.allowed_security_group_ids, "kafka-tls-from")

        log_group = aws.cloudwatch.LogGroup(
            f"{name}-broker-logs",
            retention_in_days=args.log_retention_days,
            kms_key_id=args.log_kms_key_arn,
            tags=self._tags(f"{name}-broker-logs"),
            opts=child_opts(self))
        configuration = aws.msk.Configuration(
            f"{name}-config",
            name=physical_name(name, "kafka-config", 64),
            description=f"Broker settings of {name}: explicit topics, durable replication",
            server_properties=msk_server_properties(args.broker_count),
            opts=child_opts(self))
        azs = streaming_subnet_count(StreamingEngine.MSK, args.subnet_count)
        cluster = aws.msk.Cluster(
            f"{name}-kafka",
            cluster_name=physical_name(name, "kafka", 64),
            kafka_version=args.kafka_version,
            number_of_broker_nodes=args.broker_count,
            broker_node_group_info=aws.msk.ClusterBrokerNodeGroupInfoArgs(
                instance_type=instance_type,
                client_subnets=_take_subnets(args.subnet_ids, args.subnet_count, azs),
                security_groups=[security_group.id],
                storage_info=aws.msk.ClusterBrokerNodeGroupInfoStorageInfoArgs(
                    ebs_storage_info=aws.msk.ClusterBrokerNodeGroupInfoStorageInfoEbsStorageInfoArgs(
                        volume_size=args.ebs_volume_gb)),
            ),
            # SASL/SCRAM only: no unauthenticated, mTLS or IAM access.
            client_authentication=aws.msk.ClusterClientAuthenticationArgs(
                sasl=aws.msk.ClusterClientAuthenticationSaslArgs(scram=True, iam=False),
                unauthenticated=False),
            encryption_info=aws.msk.ClusterEncryptionInfoArgs(
                encryption_at_rest_kms_key_arn=key_arn,
                encryption_in_transit=aws.msk.ClusterEncryptionInfoEncryptionInTransitArgs(
                    client_broker="TLS", in_cluster=True)),
            configuration_info=aws.msk.ClusterConfigurationInfoArgs(
                arn=configuration.arn, revision=configuration.latest_revision),
            enhanced_monitoring=args.enhanced_monitoring,
            logging_info=aws.msk.ClusterLoggingInfoArgs(
                broker_logs=aws.msk.ClusterLoggingInfoBrokerLogsArgs(
                    cloudwatch_logs=aws.msk.ClusterLoggingInfoBrokerLogsCloudwatchLogsArgs(
                        enabled=True, log_group=log_group.name))),
            tags=self._tags(f"{name}-kafka"),
            opts=child_opts(self, protect=args.protect))
        # MSK reads the secret's value when it is associated, so the version must exist first.
        aws.msk.ScramSecretAssociation(
            f"{name}-scram-secrets",
            cluster_arn=cluster.arn,
            secret_arn_lists=[secret.arn],
            opts=child_opts(self, depends_on=[secret_version]))
        return cluster.bootstrap_brokers_sasl_scram

    # -- Redpanda ---------------------------------------------------------------------------

    def _redpanda(self, security_group: aws.ec2.SecurityGroup, key_arn: pulumi.Input[str],
                  instance_type: str, secret: aws.secretsmanager.Secret) -> pulumi.Output[str]:
        name, args = self._base_name, self._spec
        sources = args.allowed_security_group_ids
        self._ingress(security_group, REDPANDA_KAFKA_PORT,
                      "Kafka API (SASL/SCRAM over TLS) from an allowed client", sources,
                      "kafka-from")
        for port, label in ((REDPANDA_RPC_PORT, "rpc"), (REDPANDA_ADMIN_PORT, "admin")):
            between_members(
                self, ingress_name=f"{name}-{label}-self-in",
                egress_name=f"{name}-{label}-self-out", security_group_id=security_group.id,
                port=port, description=f"Redpanda {label} between the brokers",
                tags=self._tags)
        # The brokers sit in private subnets: these reach the internet through the NAT gateway
        # (the stack configuration refuses network.nat_gateways none).
        for port, purpose in ((443, "HTTPS: packages, SSM, Secrets Manager, CloudWatch"),
                              (80, "HTTP: Ubuntu apt mirrors")):
            child = f"{name}-egress-{port}"
            aws.vpc.SecurityGroupEgressRule(
                child, security_group_id=security_group.id, cidr_ipv4="0.0.0.0/0",
                ip_protocol="tcp", from_port=port, to_port=port, description=purpose,
                tags=self._tags(child), opts=child_opts(self))

        role = aws.iam.Role(
            f"{name}-broker-role",
            description=f"Redpanda brokers of {name}: SSM Session Manager, the Kafka "
                        "credentials, the boot signal",
            assume_role_policy=service_trust_policy("ec2.amazonaws.com"),
            tags=self._tags(f"{name}-broker-role"),
            opts=child_opts(self))
        aws.iam.RolePolicyAttachment(
            f"{name}-broker-ssm",
            role=role.name,
            policy_arn=managed_policy_arn(partition(self), "AmazonSSMManagedInstanceCore"),
            opts=child_opts(self))
        region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self)).region
        profile = aws.iam.InstanceProfile(
            f"{name}-broker-profile", role=role.name,
            tags=self._tags(f"{name}-broker-profile"), opts=child_opts(self))

        ignore_changes = ["userData"]
        ami_id = args.ami_id
        if ami_id is None:
            ami_id = ubuntu_ami(self, architecture=AmiArchitecture(
                REDPANDA_INSTANCE_TYPES[instance_type].architecture))
            ignore_changes.append("ami")

        count = args.broker_count
        subnet_ids = pulumi.Output.from_input(args.subnet_ids)
        interfaces: list[aws.ec2.NetworkInterface] = []
        volumes: list[aws.ebs.Volume] = []
        for i in range(count):
            broker = f"{name}-broker-{i + 1}"
            subnet_id = _round_robin(
                _take_subnets(subnet_ids, args.subnet_count, args.subnet_count), i)
            interfaces.append(aws.ec2.NetworkInterface(
                f"{broker}-eni",
                subnet_id=subnet_id,
                security_groups=[security_group.id],
                description=f"Redpanda broker {i} of {name} (fixed address)",
                tags=self._tags(f"{broker}-eni"),
                opts=child_opts(self)))
            subnet = aws.ec2.get_subnet_output(id=subnet_id,
                                               opts=pulumi.InvokeOutputOptions(parent=self))
            volumes.append(aws.ebs.Volume(
                f"{broker}-data",
                availability_zone=subnet.availability_zone,
                size=args.ebs_volume_gb,
                type="gp3",
                encrypted=True,
                kms_key_id=key_arn,
                final_snapshot=True,
                tags=self._tags(f"{broker}-data"),
                opts=child_opts(self, protect=args.protect)))

        ca_key, ca_cert = self._broker_ca()
        self.ca_certificate_pem = ca_cert.cert_pem
        tls_secrets = [self._broker_tls(f"{name}-broker-{i + 1}", interfaces[i], ca_key, ca_cert)
                       for i in range(count)]
        # Written after the TLS secrets exist: the brokers read them, and nothing else.
        boot_policy = aws.iam.RolePolicy(
            f"{name}-broker-boot",
            role=role.id,
            policy=broker_policy(secret.arn, self.credentials_kms_key_arn, region,
                                 [tls_secret.arn for tls_secret, _ in tls_secrets]),
            opts=child_opts(self))

        peer_ips = pulumi.Output.all(*[eni.private_ip for eni in interfaces]).apply(list)
        for i in range(count):
            broker = f"{name}-broker-{i + 1}"
            tls_secret, tls_version = tls_secrets[i]
            user_data = _broker_user_data(
                peer_ips, volumes[i].id, i, redpanda_version=args.redpanda_version,
                mode=args.redpanda_mode, broker_name=broker, credentials_secret_arn=secret.arn,
                tls_secret_arn=tls_secret.arn, region=region)
            instance = aws.ec2.Instance(
                broker,
                ami=ami_id,
                instance_type=instance_type,
                iam_instance_profile=profile.name,
                primary_network_interface=aws.ec2.InstancePrimaryNetworkInterfaceArgs(
                    network_interface_id=interfaces[i].id),
                metadata_options=aws.ec2.InstanceMetadataOptionsArgs(
                    http_endpoint="enabled", http_tokens="required",
                    http_put_response_hop_limit=1),
                root_block_device=aws.ec2.InstanceRootBlockDeviceArgs(
                    encrypted=True, kms_key_id=key_arn, volume_type="gp3",
                    volume_size=args.root_volume_gb, delete_on_termination=True,
                    tags=self._tags(f"{broker}-root")),
                user_data=user_data,
                # Detailed monitoring: one-minute EC2 metrics instead of five-minute ones.
                # pulumi_aws.ec2.Instance(monitoring=...); AWS docs:
                # https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/manage-detailed-monitoring.html
                monitoring=True,
                tags=self._tags(broker),
                # The boot script reads the TLS secret's value with the role's policy: both
                # must exist before the instance boots.
                opts=child_opts(self, delete_before_replace=True,
                                ignore_changes=list(ignore_changes),
                                depends_on=[tls_version, boot_policy]))
            aws.ec2.VolumeAttachment(
                f"{broker}-data-attachment",
                device_name="/dev/sdf",
                volume_id=volumes[i].id,
                instance_id=instance.id,
                stop_instance_before_detaching=True,
                opts=child_opts(self, delete_before_replace=True))
            aws.cloudwatch.MetricAlarm(
                f"{broker}-boot",
                alarm_description=(
                    f"Redpanda broker {i} of {name} is not ready: its boot script failed or "
                    f"never finished, or the broker stopped answering (no {BOOT_METRIC_NAME} "
                    f"heartbeat of 1 for {BOOT_ALARM_PERIODS * BOOT_ALARM_PERIOD_SECONDS // 60} "
                    "minutes). See /var/log/redpanda-bootstrap.log on the host "
                    "(docs/DEPLOYMENT.md)."),
                namespace=BOOT_METRIC_NAMESPACE,
                metric_name=BOOT_METRIC_NAME,
                dimensions={"Broker": broker},
                statistic="Minimum",
                period=BOOT_ALARM_PERIOD_SECONDS,
                evaluation_periods=BOOT_ALARM_PERIODS,
                datapoints_to_alarm=BOOT_ALARM_PERIODS,
                threshold=1,
                comparison_operator="LessThanThreshold",
                treat_missing_data="breaching",
                alarm_actions=list(args.alarm_actions),
                ok_actions=list(args.alarm_actions),
                tags=self._tags(f"{broker}-boot"),
                opts=child_opts(self))

        return peer_ips.apply(
            lambda ips: ",".join(f"{ip}:{REDPANDA_KAFKA_PORT}" for ip in ips))
