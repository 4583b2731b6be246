"""Redis or Valkey on Amazon ElastiCache: private, encrypted at rest and in transit, AUTH on."""

import dataclasses
from typing import NotRequired, TypedDict

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from forge_components.aws.limits import (
    CACHE_NODES,
    CACHE_SNAPSHOT_RETENTION_DAYS,
    LOG_RETENTION_DAYS,
    CacheEngine,
)
from forge_components.aws.security import ingress_from_groups
from forge_components.aws.tags import resource_tags
from forge_components.common import child_opts, physical_name

COMPONENT = "forge-aws:index:Cache"
CACHE_PORT = 6379
#: ElastiCache replication group ids: at most 40 characters.
REPLICATION_GROUP_ID_MAX = 40
#: The AUTH token's length (ElastiCache accepts 16 to 128 printable characters).
AUTH_TOKEN_LENGTH = 64


#: The engine version used when `CacheArgs.engine_version` is unset: the versions table's
#: defaults (aws/versions.yaml, products elasticache-redis and elasticache-valkey).
DEFAULT_ENGINE_VERSIONS: dict[CacheEngine, str] = {
    CacheEngine.REDIS: "7.1",
    CacheEngine.VALKEY: "9.0",
}


class CacheArgs(TypedDict):
    """Arguments of `Cache`. Defaults are safe: private, encrypted, AUTH token required."""

    vpc_id: pulumi.Input[str]
    """The VPC the cache lives in. Required."""
    subnet_ids: pulumi.Input[list[str]]
    """The private subnets the nodes go in (one per AZ). Required."""
    allowed_security_group_ids: list[pulumi.Input[str]]
    """The security groups admitted on 6379: the only sources, no CIDR. Required."""
    engine: NotRequired[CacheEngine]
    """Redis or Valkey. Defaults to `CacheEngine.REDIS` (the design's choice)."""
    engine_version: NotRequired[str]
    """The engine version; unset takes the engine's default ("7.1" for redis, "9.0" for
    valkey). Defaults to unset (the engine's default)."""
    node_type: NotRequired[str]
    """The node type. Defaults to "cache.t4g.small"."""
    num_nodes: NotRequired[int]
    """Nodes (one primary, the rest replicas; 1..6); above 1 turns on automatic failover and
    Multi-AZ. Defaults to 1."""
    snapshot_retention_days: NotRequired[int]
    """Days daily snapshots are kept (0..35; 0 turns snapshots off). Defaults to 7."""
    kms_key_arn: NotRequired[pulumi.Input[str]]
    """A customer-managed KMS key for encryption at rest and for the AUTH token's secret;
    unset uses the AWS-managed keys (encryption at rest stays on). Defaults to unset."""
    log_retention_days: NotRequired[int]
    """Days the slow-log log group keeps events (a CloudWatch retention period).
    Defaults to 30."""
    log_kms_key_arn: NotRequired[pulumi.Input[str]]
    """A customer-managed KMS key for the slow-log log group (its policy must let CloudWatch
    Logs use it, e.g. `LogKey`'s); unset keeps CloudWatch Logs' own encryption. Defaults to
    unset."""
    protect: NotRequired[bool]
    """Pulumi `protect` on the replication group and its AUTH token's secret (deleting the
    secret leaves the clients without the token). Defaults to False."""
    tags: NotRequired[dict[str, str]]
    """Tags added to every taggable child. Defaults to {}."""


@dataclasses.dataclass(frozen=True)
class _Settings:
    """`CacheArgs` with every default applied (the host passes a plain dict)."""

    vpc_id: pulumi.Input[str]
    subnet_ids: pulumi.Input[list[str]]
    allowed_security_group_ids: list[pulumi.Input[str]]
    engine: CacheEngine = CacheEngine.REDIS
    engine_version: str | None = None
    node_type: str = "cache.t4g.small"
    num_nodes: int = 1
    snapshot_retention_days: int = 7
    kms_key_arn: pulumi.Input[str] | None = None
    log_retention_days: int = 30
    log_kms_key_arn: pulumi.Input[str] | None = None
    protect: bool = False
    tags: dict[str, str] = dataclasses.field(default_factory=dict)


def cache_engine_version(engine: CacheEngine | str, engine_version: str | None) -> str:
    """The engine version to ask for: the one given, or the engine's default. Pure."""
    return engine_version or DEFAULT_ENGINE_VERSIONS[CacheEngine(engine)]


def _settings(args: CacheArgs) -> _Settings:
    """The args with defaults applied, checked against the limits of `aws/limits.py`. Pure."""
    s = _Settings(**args)
    try:
        engine = CacheEngine(s.engine)
    except ValueError:
        raise ValueError(f"Cache: engine {s.engine!r} is not one of "
                         f"{[e.value for e in CacheEngine]}") from None
    low, high = CACHE_NODES
    if not low <= s.num_nodes <= high:
        raise ValueError(f"Cache: num_nodes must be between {low} and {high}, got "
                         f"{s.num_nodes}")
    low, high = CACHE_SNAPSHOT_RETENTION_DAYS
    if not low <= s.snapshot_retention_days <= high:
        raise ValueError(f"Cache: snapshot_retention_days must be between {low} and {high}, "
                         f"got {s.snapshot_retention_days}")
    if s.log_retention_days not in LOG_RETENTION_DAYS:
        raise ValueError(f"Cache: log_retention_days={s.log_retention_days} is not a "
                         f"CloudWatch retention period; use one of {list(LOG_RETENTION_DAYS)}")
    return dataclasses.replace(s, engine=engine)


def validate_cache_args(args: CacheArgs) -> None:
    """Check the args are consistent; raise ValueError naming the component and field. Pure."""
    _settings(args)


class Cache(pulumi.ComponentResource):
    """An ElastiCache replication group (Redis or Valkey, cluster mode disabled).

    Encrypted at rest (a customer key when given, else the AWS-managed key) and in transit
    (TLS required), an AUTH token generated here and kept in Secrets Manager, reachable on
    6379 from the allowed security groups only, slow log delivered to CloudWatch Logs, daily
    snapshots and a final snapshot on deletion.
    """

    host: pulumi.Output[str]
    """The primary endpoint's address (writes)."""
    reader_host: pulumi.Output[str]
    """The reader endpoint's address (reads spread across replicas)."""
    port: pulumi.Output[int]
    """The port, 6379 (TLS)."""
    auth_token_secret_id: pulumi.Output[str]
    """ARN of the Secrets Manager secret whose value is the AUTH token (plain string)."""
    security_group_id: pulumi.Output[str]
    """The cache's security group (6379 from the allowed groups only)."""

    def __init__(self, name: str, args: CacheArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, opts)
        s = _settings(args)
        engine = CacheEngine(s.engine)
        group_id = physical_name(name, "", REPLICATION_GROUP_ID_MAX)

        def tags(child: str) -> dict[str, str]:
            return resource_tags(child, COMPONENT, s.tags)

        subnet_group = aws.elasticache.SubnetGroup(
            f"{name}-subnets",
            name=physical_name(name, "subnets", 255),
            description=f"forge {name}: private cache subnets",
            subnet_ids=s.subnet_ids,
            tags=tags(f"{name}-subnets"),
            opts=child_opts(self),
        )
        self._security_group = aws.ec2.SecurityGroup(
            f"{name}-sg",
            vpc_id=s.vpc_id,
            description=f"Cache {name}: 6379 from the allowed security groups only",
            tags=tags(f"{name}-sg"),
            opts=child_opts(self),
        )
        ingress_from_groups(
            self, f"{name}-ingress", security_group_id=self._security_group.id,
            sources=s.allowed_security_group_ids, port=CACHE_PORT,
            description="Redis protocol (TLS) from an allowed security group", tags=tags)

        # Letters and digits only: within ElastiCache's rules (no @, ", / or spaces) and safe
        # in a redis:// URL.
        token = random.RandomPassword(
            f"{name}-auth-token", length=AUTH_TOKEN_LENGTH, special=False,
            opts=child_opts(self))
        self._auth_token_secret = aws.secretsmanager.Secret(
            f"{name}-auth-token",
            description=f"forge {name}: the cache's AUTH token",
            kms_key_id=s.kms_key_arn,
            tags=tags(f"{name}-auth-token"),
            opts=child_opts(self, protect=s.protect),
        )
        aws.secretsmanager.SecretVersion(
            f"{name}-auth-token",
            secret_id=self._auth_token_secret.id,
            secret_string=token.result,
            opts=child_opts(self),
        )
        slow_log = aws.cloudwatch.LogGroup(
            f"{name}-slow-log",
            name=f"/forge/elasticache/{group_id}/slow-log",
            retention_in_days=s.log_retention_days,
            kms_key_id=s.log_kms_key_arn,
            tags=tags(f"{name}-slow-log"),
            opts=child_opts(self),
        )
        # A final snapshot name must be unique: a random suffix, renewed with the group id.
        snapshot_suffix = random.RandomId(
            f"{name}-final-snapshot-suffix", byte_length=4, keepers={"group": group_id},
            opts=child_opts(self))
        multi_node = s.num_nodes > 1
        self._replication_group = aws.elasticache.ReplicationGroup(
            f"{name}-group",
            replication_group_id=group_id,
            description=f"forge {name}: {engine.value} cache",
            engine=engine.value,
            engine_version=cache_engine_version(engine, s.engine_version),
            node_type=s.node_type,
            num_cache_clusters=s.num_nodes,
            port=CACHE_PORT,
            subnet_group_name=subnet_group.name,
            security_group_ids=[self._security_group.id],
            at_rest_encryption_enabled=True,
            kms_key_id=s.kms_key_arn,
            transit_encryption_enabled=True,
            auth_token=token.result,
            automatic_failover_enabled=multi_node,
            multi_az_enabled=multi_node,
            snapshot_retention_limit=s.snapshot_retention_days,
            snapshot_window="03:00-05:00",
            maintenance_window="sun:05:30-sun:06:30",
            final_snapshot_identifier=snapshot_suffix.hex.apply(
                lambda h: f"{group_id}-final-{h}"),
            apply_immediately=False,
            auto_minor_version_upgrade=True,
            log_delivery_configurations=[
                aws.elasticache.ReplicationGroupLogDeliveryConfigurationArgs(
                    destination=slow_log.name,
                    destination_type="cloudwatch-logs",
                    log_format="json",
                    log_type="slow-log",
                ),
            ],
            tags=tags(f"{name}-group"),
            opts=child_opts(self, protect=s.protect),
        )

        self.host = self._replication_group.primary_endpoint_address
        self.reader_host = self._replication_group.reader_endpoint_address
        self.port = self._replication_group.port.apply(lambda p: int(p or CACHE_PORT))
        self.auth_token_secret_id = self._auth_token_secret.arn
        self.security_group_id = self._security_group.id
        self.register_outputs({
            "host": self.host,
            "reader_host": self.reader_host,
            "port": self.port,
            "auth_token_secret_id": self.auth_token_secret_id,
            "security_group_id": self.security_group_id,
        })
