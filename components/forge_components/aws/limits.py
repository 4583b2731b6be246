"""The AWS components' choices and limits, defined once.

The components validate their args against these, and the stack configuration's AWS settings
(`forge_infra.clouds.aws.settings`) builds its field constraints from the same names, so a
value the configuration accepts never fails inside a component. This module imports no cloud
SDK, so the configuration can use it without loading pulumi_aws.

Sources are noted per value (AWS documentation pages, read 2026-12).
"""

import enum

# -- networking ---------------------------------------------------------------------------


class NatGatewayStrategy(enum.StrEnum):
    """How the private subnets reach the internet."""

    NONE = "none"
    """No NAT gateway: private subnets have no route to the internet."""
    SINGLE = "single"
    """One NAT gateway, in the first public subnet, shared by every AZ (cheap, one AZ's fate)."""
    ONE_PER_AZ = "per_az"
    """One NAT gateway per AZ; each private subnet routes through its own AZ's gateway."""


#: The retention periods CloudWatch Logs accepts, in days (PutRetentionPolicy,
#: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html).
LOG_RETENTION_DAYS: tuple[int, ...] = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653)

# -- database -----------------------------------------------------------------------------

#: Role-name prefixes PostgreSQL (`pg_`, "Database Roles":
#: https://www.postgresql.org/docs/current/database-roles.html) and Amazon RDS (`rds`, its
#: rds_superuser, rds_iam, rdsadmin... roles) keep for their own roles: the services' role
#: name may not start with them.
RESERVED_ROLE_PREFIXES: tuple[str, ...] = ("pg_", "rds")


class DatabaseEngine(enum.StrEnum):
    """Where PostgreSQL runs."""

    RDS_POSTGRES = "rds-postgres"
    """Amazon RDS for PostgreSQL (managed; no timescaledb extension)."""
    TIMESCALEDB_EC2 = "timescaledb-ec2"
    """Self-managed PostgreSQL + TimescaleDB on EC2, backed up to S3 with pgBackRest."""


#: RDS automated backup retention, days (BackupRetentionPeriod: 0 disables backups, which
#: forge-infra never allows; at most 35).
BACKUP_RETENTION_DAYS = (1, 35)
#: The monitoring intervals RDS Enhanced Monitoring accepts (0 turns it off).
MONITORING_INTERVALS: tuple[int, ...] = (0, 1, 5, 10, 15, 30, 60)
#: The lowest PostgreSQL major version the components build.
MIN_POSTGRES_MAJOR = 15
#: RDS gp3 storage, GiB (20 GiB minimum, 64 TiB maximum for PostgreSQL).
RDS_STORAGE_GB = (20, 65536)

def min_max_allocated_storage_gb(allocated_gb: int) -> int:
    """The smallest storage autoscaling ceiling RDS accepts for `allocated_gb`: 10% above it,
    rounded up to a whole GiB. Source ("set the maximum storage threshold to at least 10%
    more than the current allocated storage"):
    https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PIOPS.Autoscaling.html
    """
    return -(-allocated_gb * 11 // 10)


#: Read replicas per RDS for PostgreSQL source instance (AWS allows up to 15; forge-infra
#: stops at 5).
MAX_READ_REPLICAS = 5

# -- cache --------------------------------------------------------------------------------


class CacheEngine(enum.StrEnum):
    """The cache engine (both speak the Redis protocol)."""

    REDIS = "redis"
    """Redis OSS."""
    VALKEY = "valkey"
    """Valkey, the open-source fork ElastiCache prices lower."""


#: Nodes in one ElastiCache replication group without cluster mode: a primary and up to 5
#: replicas.
CACHE_NODES = (1, 6)
#: ElastiCache snapshot retention, days (0 disables snapshots; at most 35).
CACHE_SNAPSHOT_RETENTION_DAYS = (0, 35)

# -- streaming ----------------------------------------------------------------------------


class StreamingEngine(enum.StrEnum):
    """Which Kafka-compatible broker the stack runs."""

    MSK = "msk"
    """Amazon MSK (managed Apache Kafka), TLS-only client access."""
    REDPANDA = "redpanda"
    """Redpanda on EC2 instances the component manages (cheaper, self-operated)."""
    NONE = "none"
    """No broker at all: the component declares no resource and its outputs are empty."""


#: MSK places brokers in two or three client subnets (availability zones).
MSK_MAX_AZS = 3


def streaming_subnet_count(engine: StreamingEngine, az_count: int) -> int:
    """How many of the private subnets the brokers use: MSK at most three, Redpanda all."""
    return min(az_count, MSK_MAX_AZS) if engine is StreamingEngine.MSK else az_count


# -- compute ------------------------------------------------------------------------------


class CpuArchitecture(enum.StrEnum):
    """The CPU architecture of the Fargate tasks (the images must be built for it)."""

    X86_64 = "X86_64"
    ARM64 = "ARM64"


#: Valid Fargate task sizes: CPU units (1024 = 1 vCPU) -> the memory values (MiB) allowed
#: with it (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html).
FARGATE_SIZES: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4097, 1024)),
    1024: tuple(range(2048, 8193, 1024)),
    2048: tuple(range(4096, 16385, 1024)),
    4096: tuple(range(8192, 30721, 1024)),
    8192: tuple(range(16384, 61441, 4096)),
    16384: tuple(range(32768, 122881, 8192)),
}


def fargate_cpu_units(cpu_millicores: int) -> int | None:
    """The Fargate CPU units for a neutral size (250m -> 256), or None when Fargate has none."""
    for units in FARGATE_SIZES:
        if units * 1000 // 1024 == cpu_millicores or units * 1000 / 1024 == cpu_millicores:
            return units
    return None


#: The Fargate vCPU sizes in millicores, as the configuration accepts them.
FARGATE_MILLICORES: tuple[int, ...] = tuple(units * 1000 // 1024 for units in FARGATE_SIZES)

#: The longest name whose Pulumi auto-name (name + "-" + 7 random characters) fits the
#: 32-character limit of load balancer and target group names.
ECS_AUTONAME_LIMIT = 24


class CapacityType(enum.StrEnum):
    """How the EKS node group's instances are bought."""

    ON_DEMAND = "ON_DEMAND"
    SPOT = "SPOT"


# -- secrets and budget -------------------------------------------------------------------

#: Days a deleted Secrets Manager secret can be restored (DeleteSecret RecoveryWindowInDays,
#: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DeleteSecret.html).
#: forge-infra never deletes without a recovery window.
SECRET_RECOVERY_WINDOW_DAYS = (7, 30)
#: Notifications per AWS budget ("A budget can have up to ten notifications",
#: https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_Notification.html).
#: The Budget component sends one per actual-spend threshold plus one on forecast.
BUDGET_MAX_NOTIFICATIONS = 10
#: E-mail subscribers per budget notification (
#: https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_NotificationWithSubscribers.html).
BUDGET_MAX_EMAIL_SUBSCRIBERS = 10
