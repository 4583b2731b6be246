"""The Redis-protocol cache on GCP: Memorystore for Redis, private, TLS and AUTH.

Which Memorystore: Memorystore for Redis (`gcp.redis.Instance`), not Memorystore for Valkey
(`gcp.memorystore.Instance`), although Valkey is where Google puts new work (/work/shared/
reference notes). In pulumi_gcp 10.2 (the GA provider) a Valkey instance's
`authorization_mode` is AUTH_DISABLED or IAM_AUTH ("TOKEN_AUTH is also supported, but only
available in the google-beta provider"): no AUTH token, so no `auth_token_secret_id`, the
cache contract every cloud honours (the services get `REDIS_AUTH_TOKEN` from a secret); and
Valkey connects over Private Service Connect only, where Cloud SQL here uses Private Service
Access. Memorystore for Redis is current (not deprecated; REDIS_7_2 is its default, versions.
yaml), reaches the VPC through the same Private Service Access peering as Cloud SQL
(`connect_mode` PRIVATE_SERVICE_ACCESS, pulumi_gcp's own example), and has AUTH and TLS.
Moving to Valkey with IAM authentication is a change of the cache contract, not of this
module alone.

What it creates:

* the instance: STANDARD_HA (a primary and a replica in two zones, automatic failover) when
  `high_availability`, else BASIC; `auth_enabled`; `transit_encryption_mode`
  SERVER_AUTHENTICATION (TLS 1.2+, the server's CA in `server_ca_cert`); RDB persistence; a
  weekly maintenance window; CMEK when asked; the provider's deletion protection and Pulumi
  `protect` when asked;
* the AUTH string in its own Secret Manager secret (the whole value, replicated in the region
  only), readable by the members in `auth_secret_accessors` alone;
* an egress firewall rule letting the clients' network tag reach exactly the instance's IP
  and port (the network's deny-all egress stops everything else).
"""

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_gcp as gcp

from forge_components.common import child_opts
from forge_components.gcp.labels import resource_labels
from forge_components.gcp.limits import (
    AUTONAME_SUFFIX,
    RDB_SNAPSHOT_PERIODS,
    REDIS_INSTANCE_ID_MAX,
    REDIS_VERSIONS,
    RESOURCE_NAME,
    WEEKDAYS,
)
from forge_components.gcp.networking import network_after_peering
from forge_components.gcp.secrets import regional_replication

COMPONENT = "forge-gcp:index:Cache"
SECRET_ACCESSOR_ROLE = "roles/secretmanager.secretAccessor"
_LONGEST_CHILD_SUFFIX = len("-cache")
#: Priority of the clients' allow rule (above the network's deny-all egress at 65534).
ALLOW_PRIORITY = 1000


class CacheArgs(TypedDict):
    """Arguments of the GCP `Cache`. Defaults are safe: private, TLS, AUTH."""

    region: str
    """The instance's region. Required."""
    network_id: pulumi.Input[str]
    """The VPC network (id or self link) the instance is reached from (`Networking`'s
    `network_id`). Required."""
    private_service_access_connection_id: pulumi.Input[str]
    """That network's Service Networking peering (`Networking`'s
    `private_service_access_connection_id`): the instance is created after it. Required."""
    memory_size_gb: NotRequired[int]
    """Redis memory, GiB (1 or more). Defaults to 1."""
    high_availability: NotRequired[bool]
    """STANDARD_HA: a replica in a second zone with automatic failover (prod); otherwise
    BASIC (one node). Defaults to False."""
    redis_version: NotRequired[str]
    """The Redis version (one of `limits.REDIS_VERSIONS`). Defaults to "REDIS_7_2"."""
    rdb_snapshot_period: NotRequired[str | None]
    """RDB persistence snapshot period (one of `limits.RDB_SNAPSHOT_PERIODS`); None turns
    persistence off. Defaults to "TWELVE_HOURS"."""
    maintenance_day: NotRequired[str]
    """The weekly maintenance day (MONDAY..SUNDAY). Defaults to "SUNDAY"."""
    maintenance_hour: NotRequired[int]
    """The maintenance window's start hour, 0..23 UTC. Defaults to 5."""
    redis_configs: NotRequired[dict[str, str]]
    """Redis configuration parameters Memorystore supports (e.g. "maxmemory-policy").
    Defaults to {}."""
    client_network_tag: NotRequired[str | None]
    """The network tag of the cache's clients (`Networking`'s `data_client_tag`): an egress
    rule lets it reach the instance's IP and port only. None creates no rule. Defaults to
    "forge-data-client"."""
    auth_secret_accessors: NotRequired[list[pulumi.Input[str]]]
    """IAM members granted `roles/secretmanager.secretAccessor` on the AUTH secret only.
    Defaults to [] (none)."""
    kms_key_name: NotRequired[pulumi.Input[str]]
    """A Cloud KMS key (CMEK) for the data at rest (Memorystore's service agent must be able to
    use it). Unset uses Google-managed encryption. Defaults to unset."""
    deletion_protection: NotRequired[bool]
    """The provider's deletion protection on the instance. Defaults to False."""
    protect: NotRequired[bool]
    """Pulumi `protect` on the instance and its AUTH string's secret. Defaults to False."""
    labels: NotRequired[dict[str, str]]
    """Labels on the instance and the secret. Defaults to {}."""


@dataclasses.dataclass(frozen=True)
class _Settings:
    """`CacheArgs` with every default applied (the host passes a plain dict)."""

    region: str
    network_id: pulumi.Input[str]
    private_service_access_connection_id: pulumi.Input[str]
    memory_size_gb: int = 1
    high_availability: bool = False
    redis_version: str = REDIS_VERSIONS[0]
    rdb_snapshot_period: str | None = "TWELVE_HOURS"
    maintenance_day: str = "SUNDAY"
    maintenance_hour: int = 5
    redis_configs: dict[str, str] = dataclasses.field(default_factory=dict)
    client_network_tag: str | None = "forge-data-client"
    auth_secret_accessors: list[pulumi.Input[str]] = dataclasses.field(default_factory=list)
    kms_key_name: pulumi.Input[str] | None = None
    deletion_protection: bool = False
    protect: bool = False
    labels: dict[str, str] = dataclasses.field(default_factory=dict)


def _fail(message: str) -> ValueError:
    return ValueError(f"Cache: {message}")


def validate_cache_args(name: str, args: CacheArgs) -> _Settings:
    """The args with defaults applied, checked; a ValueError names the field and what is
    allowed. Pure (no Pulumi calls)."""
    s = _Settings(**args)
    longest = REDIS_INSTANCE_ID_MAX - AUTONAME_SUFFIX - _LONGEST_CHILD_SUFFIX
    if not RESOURCE_NAME.fullmatch(name) or len(name) > longest:
        raise _fail(f"name {name!r} must be lower-case letters, digits and dashes (a letter "
                    f"first, no dash last), at most {longest} characters so that the "
                    f"instance id fits Memorystore's {REDIS_INSTANCE_ID_MAX}")
    if not RESOURCE_NAME.fullmatch(s.region):
        raise _fail(f"region {s.region!r} is not a region name such as 'europe-west1'")
    if s.memory_size_gb < 1:
        raise _fail(f"memory_size_gb must be 1 or more, got {s.memory_size_gb}")
    if s.redis_version not in REDIS_VERSIONS:
        raise _fail(f"redis_version {s.redis_version!r} is not one of {list(REDIS_VERSIONS)}")
    if s.rdb_snapshot_period is not None and s.rdb_snapshot_period not in RDB_SNAPSHOT_PERIODS:
        raise _fail(f"rdb_snapshot_period {s.rdb_snapshot_period!r} is not one of "
                    f"{list(RDB_SNAPSHOT_PERIODS)} (or None for no persistence)")
    if s.maintenance_day not in WEEKDAYS:
        raise _fail(f"maintenance_day {s.maintenance_day!r} is not one of {list(WEEKDAYS)}")
    if not 0 <= s.maintenance_hour <= 23:
        raise _fail(f"maintenance_hour must be between 0 and 23, got {s.maintenance_hour}")
    if s.client_network_tag is not None and not RESOURCE_NAME.fullmatch(s.client_network_tag):
        raise _fail(f"client_network_tag {s.client_network_tag!r} is not a network tag")
    resource_labels(COMPONENT, s.labels)
    return s


def _first_cert(certs: Sequence[Any] | None) -> str:
    """The PEM of the instance's current server CA (an output object or a mapping)."""
    if not certs:
        return ""
    first = certs[0]
    cert = first.get("cert") if isinstance(first, Mapping) else first.cert
    return str(cert or "")


class Cache(pulumi.ComponentResource):
    """Memorystore for Redis on Private Service Access, with TLS, AUTH (its string in Secret
    Manager) and a replica when asked."""

    host: pulumi.Output[str]
    """The primary endpoint's private IP."""
    port: pulumi.Output[int]
    """The port the instance serves TLS on (as Memorystore reports it)."""
    auth_token_secret_id: pulumi.Output[str]
    """The Secret Manager secret holding the AUTH string as its whole value."""
    instance_name: pulumi.Output[str]
    """The Memorystore instance's name."""
    tier: pulumi.Output[str]
    """STANDARD_HA or BASIC."""
    server_ca_cert: pulumi.Output[str]
    """The instance's server CA (PEM) clients verify TLS with."""

    def __init__(self, name: str, args: CacheArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, opts)
        s = validate_cache_args(name, args)
        labels = resource_labels(COMPONENT, s.labels)
        tier = "STANDARD_HA" if s.high_availability else "BASIC"

        network = network_after_peering(s.network_id, s.private_service_access_connection_id)
        persistence = (
            gcp.redis.InstancePersistenceConfigArgs(persistence_mode="DISABLED")
            if s.rdb_snapshot_period is None else
            gcp.redis.InstancePersistenceConfigArgs(
                persistence_mode="RDB", rdb_snapshot_period=s.rdb_snapshot_period))
        instance = gcp.redis.Instance(
            f"{name}-cache",
            region=s.region,
            tier=tier,
            memory_size_gb=s.memory_size_gb,
            replica_count=1 if s.high_availability else 0,
            read_replicas_mode="READ_REPLICAS_DISABLED",
            redis_version=s.redis_version,
            authorized_network=network,
            connect_mode="PRIVATE_SERVICE_ACCESS",
            auth_enabled=True,
            transit_encryption_mode="SERVER_AUTHENTICATION",
            persistence_config=persistence,
            maintenance_policy=gcp.redis.InstanceMaintenancePolicyArgs(
                weekly_maintenance_windows=[
                    gcp.redis.InstanceMaintenancePolicyWeeklyMaintenanceWindowArgs(
                        day=s.maintenance_day,
                        start_time=gcp.redis.
                        InstanceMaintenancePolicyWeeklyMaintenanceWindowStartTimeArgs(
                            hours=s.maintenance_hour, minutes=0))]),
            redis_configs=dict(s.redis_configs) or None,
            customer_managed_key=s.kms_key_name,
            deletion_protection=s.deletion_protection,
            display_name=f"forge {name}",
            labels=labels,
            opts=child_opts(self, protect=s.protect))

        secret = gcp.secretmanager.Secret(
            f"{name}-auth",
            secret_id=f"{name}-auth",
            replication=regional_replication(s.region),
            labels=labels,
            annotations={"description": f"forge {name}: the Redis AUTH string"},
            opts=child_opts(self, protect=s.protect))
        gcp.secretmanager.SecretVersion(
            f"{name}-auth",
            secret=secret.id,
            secret_data=instance.auth_string,
            opts=child_opts(self))
        for i, member in enumerate(s.auth_secret_accessors):
            gcp.secretmanager.SecretIamMember(
                f"{name}-auth-accessor-{i + 1}",
                secret_id=secret.id,
                role=SECRET_ACCESSOR_ROLE,
                member=member,
                opts=child_opts(self))

        if s.client_network_tag is not None:
            gcp.compute.Firewall(
                f"{name}-clients",
                network=s.network_id,
                direction="EGRESS",
                priority=ALLOW_PRIORITY,
                destination_ranges=[instance.host.apply(lambda ip: f"{ip}/32")],
                target_tags=[s.client_network_tag],
                allows=[gcp.compute.FirewallAllowArgs(
                    protocol="tcp", ports=[instance.port.apply(str)])],
                log_config=gcp.compute.FirewallLogConfigArgs(metadata="INCLUDE_ALL_METADATA"),
                description=f"forge {name}: the cache's clients reach its endpoint",
                opts=child_opts(self))

        self.host = instance.host
        self.port = instance.port
        self.auth_token_secret_id = secret.id
        self.instance_name = instance.name
        self.tier = pulumi.Output.from_input(tier)
        self.server_ca_cert = instance.server_ca_certs.apply(_first_cert)
        self.register_outputs({
            "host": self.host,
            "port": self.port,
            "auth_token_secret_id": self.auth_token_secret_id,
            "instance_name": self.instance_name,
            "tier": self.tier,
            "server_ca_cert": self.server_ca_cert,
        })
