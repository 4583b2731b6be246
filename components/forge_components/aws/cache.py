"""Redis or Valkey on Amazon ElastiCache: private, encrypted at rest and in transit, AUTH on."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from forge_components.aws.limits import CacheEngine
from forge_components.aws.security import ingress_from_groups
from forge_components.common import child_opts, physical_name, resource_tags

COMPONENT = "forge-aws:index:Cache"
CACHE_PORT = 6379
#: ElastiCache replication group ids: at most 40 characters.
REPLICATION_GROUP_ID_MAX = 40
#: The AUTH token's length (ElastiCache accepts 16 to 128 printable characters).
AUTH_TOKEN_LENGTH = 64



#: The engine version used when `CacheArgs.engine_version` is None.
DEFAULT_ENGINE_VERSIONS: Mapping[CacheEngine, str] = {
    CacheEngine.REDIS: "7.1",
    CacheEngine.VALKEY: "8.0",
}


@dataclasses.dataclass
class CacheArgs:
    """Arguments of `Cache`. Defaults are safe: private, encrypted, AUTH token required."""

    vpc_id: pulumi.Input[str]
    """The VPC the cache lives in. Required."""
    subnet_ids: pulumi.Input[Sequence[str]]
    """The private subnets the nodes go in (one per AZ). Required."""
    allowed_security_group_ids: Sequence[pulumi.Input[str]]
    """The security groups admitted on 6379: the only sources, no CIDR. Required."""
    engine: CacheEngine = CacheEngine.REDIS
    """Redis or Valkey. Defaults to `CacheEngine.REDIS` (the design's choice)."""
    engine_version: str | None = None
    """The engine version; None takes the engine's default ("7.1" for redis, "8.0" for
    valkey). Defaults to None."""
    node_type: str = "cache.t4g.small"
    """The node type. Defaults to "cache.t4g.small"."""
    num_nodes: int = 1
    """Nodes (one primary, the rest replicas); above 1 turns on automatic failover and
    Multi-AZ. Defaults to 1."""
    snapshot_retention_days: int = 7
    """Days daily snapshots are kept (0 turns snapshots off). Defaults to 7."""
    kms_key_arn: pulumi.Input[str] | None = None
    """A customer-managed KMS key for encryption at rest and for the AUTH token's secret;
    None uses the AWS-managed keys (encryption at rest stays on). Defaults to None."""
    log_retention_days: int = 30
    """Days the slow-log log group keeps events. Defaults to 30."""
    protect: bool = False
    """Pulumi `protect` on the replication group. Defaults to False."""
    tags: Mapping[str, str] = dataclasses.field(default_factory=dict)
    """Tags added to every taggable child. Defaults to {}."""


def cache_engine_version(engine: CacheEngine | str, engine_version: str | None) -> str:
    """The engine version to ask for: the one given, or the engine's default. Pure."""
    return engine_version or DEFAULT_ENGINE_VERSIONS[CacheEngine(engine)]


def validate_cache_args(args: CacheArgs) -> None:
    """Check the args are consistent; raise ValueError naming the field. Pure."""
    CacheEngine(args.engine)
    if not 1 <= args.num_nodes <= 6:
        raise ValueError(f"num_nodes must be between 1 and 6, got {args.num_nodes}")
    if not 0 <= args.snapshot_retention_days <= 35:
        raise ValueError("snapshot_retention_days must be between 0 and 35, got "
                         f"{args.snapshot_retention_days}")


class Cache(pulumi.ComponentResource):
    """An ElastiCache replication group (Redis or Valkey, cluster mode disabled).

    Encrypted at rest (a customer key when given, else the AWS-managed key) and in transit
    (TLS required), an AUTH token generated here and kept in Secrets Manager, reachable on
    6379 from the allowed security groups only, slow log delivered to CloudWatch Logs, daily
    snapshots and a final snapshot on deletion.
    """

    endpoint: pulumi.Output[str]
    """The primary endpoint's address (writes)."""
    reader_endpoint: pulumi.Output[str]
    """The reader endpoint's address (reads spread across replicas)."""
    port: pulumi.Output[int]
    """The port, 6379 (TLS)."""
    auth_token_secret_ref: pulumi.Output[str]
    """ARN of the Secrets Manager secret whose value is the AUTH token (plain string)."""
    security_group_id: pulumi.Output[str]
    """The cache's security group (6379 from the allowed groups only)."""

    def __init__(self, name: str, args: CacheArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, opts)
        validate_cache_args(args)
        engine = CacheEngine(args.engine)
        group_id = physical_name(name, "", REPLICATION_GROUP_ID_MAX)

        def tags(child: str) -> dict[str, str]:
            return resource_tags(child, COMPONENT, args.tags)

        subnet_group = aws.elasticache.SubnetGroup(
            f"{name}-subnets",
            name=physical_name(name, "subnets", 255),
            description=f"forge {name}: private cache subnets",
            subnet_ids=args.subnet_ids,
            tags=tags(f"{name}-subnets"),
            opts=child_opts(self),
        )
        self.security_group = aws.ec2.SecurityGroup(
            f"{name}-sg",
            vpc_id=args.vpc_id,
            description=f"Cache {name}: 6379 from the allowed security groups only",
            tags=tags(f"{name}-sg"),
            opts=child_opts(self),
        )
        ingress_from_groups(
            self, f"{name}-ingress", security_group_id=self.security_group.id,
            sources=args.allowed_security_group_ids, port=CACHE_PORT,
            description="Redis protocol (TLS) from an allowed security group", tags=tags)

        # Letters and digits only: within ElastiCache's rules (no @, ", / or spaces) and safe
        # in a redis:// URL.
        token = random.RandomPassword(
            f"{name}-auth-token", length=AUTH_TOKEN_LENGTH, special=False,
            opts=child_opts(self))
        self.auth_token_secret = aws.secretsmanager.Secret(
            f"{name}-auth-token",
            description=f"forge {name}: the cache's AUTH token",
            kms_key_id=args.kms_key_arn,
            tags=tags(f"{name}-auth-token"),
            opts=child_opts(self),
        )
        aws.secretsmanager.SecretVersion(
            f"{name}-auth-token",
            secret_id=self.auth_token_secret.id,
            secret_string=token.result,
            opts=child_opts(self),
        )
        slow_log = aws.cloudwatch.LogGroup(
            f"{name}-slow-log",
            name=f"/forge/elasticache/{group_id}/slow-log",
            retention_in_days=args.log_retention_days,
            tags=tags(f"{name}-slow-log"),
            opts=child_opts(self),
        )
        # A final snapshot name must be unique: a random suffix, renewed with the group id.
        snapshot_suffix = random.RandomId(
            f"{name}-final-snapshot-suffix", byte_length=4, keepers={"group": group_id},
            opts=child_opts(self))
        multi_node = args.num_nodes > 1
        self.replication_group = aws.elasticache.ReplicationGroup(
            f"{name}-group",
            replication_group_id=group_id,
            description=f"forge {name}: {engine.value} cache",
            engine=engine.value,
            engine_version=cache_engine_version(engine, args.engine_version),
            node_type=args.node_type,
            num_cache_clusters=args.num_nodes,
            port=CACHE_PORT,
            subnet_group_name=subnet_group.name,
            security_group_ids=[self.security_group.id],
            at_rest_encryption_enabled=True,
            kms_key_id=args.kms_key_arn,
            transit_encryption_enabled=True,
            auth_token=token.result,
            automatic_failover_enabled=multi_node,
            multi_az_enabled=multi_node,
            snapshot_retention_limit=args.snapshot_retention_days,
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
            opts=child_opts(self, protect=args.protect),
        )

        self.endpoint = self.replication_group.primary_endpoint_address
        self.reader_endpoint = self.replication_group.reader_endpoint_address
        self.port = self.replication_group.port.apply(lambda p: int(p or CACHE_PORT))
        self.auth_token_secret_ref = self.auth_token_secret.arn
        self.security_group_id = self.security_group.id
        self.register_outputs({
            "endpoint": self.endpoint,
            "reader_endpoint": self.reader_endpoint,
            "port": self.port,
            "auth_token_secret_ref": self.auth_token_secret_ref,
            "security_group_id": self.security_group_id,
        })
