"""The `cloud: aws` branch of the stack configuration: `AwsSettings`.

Its sections are flat `forge-infra:` keys of an AWS stack file (`forge-infra:platform`,
`forge-infra:network`, `forge-infra:database`, ..., `forge-infra:hosted_zone_id`) plus the
provider's own namespace (`aws:region` and the `aws:` provider settings). Enums and limits come
from `forge_components.aws.limits`, the module the components check their args against, so a
value accepted here never fails inside a component. Imports no cloud SDK.
"""

from __future__ import annotations

import datetime
import ipaddress
import re
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal, cast

from pydantic import AfterValidator, Field, ValidationInfo, field_validator

from forge_components.aws import catalog, versions
from forge_components.aws.limits import (
    ACCESS_LOG_RETENTION_DAYS,
    BACKUP_RETENTION_DAYS,
    BUDGET_MAX_EMAIL_SUBSCRIBERS,
    BUDGET_MAX_NOTIFICATIONS,
    CACHE_NODES,
    CACHE_SNAPSHOT_RETENTION_DAYS,
    ECS_AUTONAME_LIMIT,
    FARGATE_SIZES,
    LOG_RETENTION_DAYS,
    MAX_READ_REPLICAS,
    MIN_POSTGRES_MAJOR,
    RDS_STORAGE_GB,
    REDPANDA_DEFAULT_INSTANCE_TYPE,
    RESERVED_ROLE_PREFIXES,
    TAG_KEY_LENGTH,
    TAG_RESERVED_PREFIX,
    TAG_VALUE_MAX_LENGTH,
    WAF_DEFAULT_RATE_LIMIT,
    WAF_DEFAULT_RULE_GROUPS,
    WAF_RATE_LIMIT,
    WAF_REQUESTS_PER_MILLION_USD,
    CacheEngine,
    CpuArchitecture,
    DatabaseEngine,
    NatGatewayStrategy,
    RedpandaMode,
    StreamingEngine,
    derived_name_problems,
    ecs_traffic_shape,
    fargate_cpu_units,
    min_max_allocated_storage_gb,
    redpanda_mode_problem,
    streaming_subnet_count,
    tag_text_problem,
    waf_monthly_fixed_usd,
    waf_rule_groups_problem,
)
from forge_components.aws.node_sizing import (
    INSTANCE_SHAPES,
    PodRequest,
    cluster_addons,
    node_architectures,
    pack,
)
from forge_components.common import standard_tag_keys
from forge_components.contracts import SERVICE_NAMES
from forge_components.subnets import VPC_PREFIX_RANGE, SubnetLayoutError, plan_subnets
from forge_infra.model.config import (
    NAMESPACE,
    NEUTRAL_SECRET_REF,
    CloudSettings,
    DrMode,
    Rule,
    StackConfig,
    Strict,
    decode_secure,
    describe,
    dotted,
    policy_rule,
    problem,
)

#: The AWS provider's own settings a stack may set under `aws:` (besides `aws:region`). The
#: program's explicit provider does not read the stack's `aws:` config by itself, as the
#: default provider would, so the program hands these on (tests keep this list equal to the
#: installed pulumi-aws Provider's arguments).
AWS_PROVIDER_SETTINGS = frozenset({
    "accessKey", "allowedAccountIds", "assumeRoleWithWebIdentity", "assumeRoles",
    "customCaBundle", "ec2MetadataServiceEndpoint", "ec2MetadataServiceEndpointMode",
    "endpoints", "forbiddenAccountIds", "httpProxy", "httpsProxy", "ignoreTags", "insecure",
    "maxRetries", "noProxy", "profile", "retryMode", "s3UsEast1RegionalEndpoint",
    "s3UsePathStyle", "secretKey", "sharedConfigFiles", "sharedCredentialsFiles",
    "skipCredentialsValidation", "skipMetadataApiCheck", "skipRegionValidation",
    "skipRequestingAccountId", "stsRegion", "tagPolicyCompliance", "token",
    "tokenBucketRateLimiterCapacity", "useDualstackEndpoint", "useFipsEndpoint", "userAgents",
})
#: The highest PostgreSQL major version the stack accepts (RDS 18: standard support to
#: 2031-02-28, components/forge_components/aws/versions.yaml; RDS majors are also checked there).
MAX_POSTGRES_MAJOR = 18
#: A Secrets Manager secret ARN, optionally with `#json_key`.
SECRET_ARN = re.compile(
    r"^arn:aws(-cn|-us-gov)?:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@!-]+"
    r"(#[A-Za-z0-9_.-]+)?$")
#: An IAM role ARN (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html:
#: role names 1..64 of `\w+=,.@-`, paths of `/`-separated segments), in a partition of the
#: catalogue.
IAM_ROLE_ARN = re.compile(
    r"^arn:(?P<partition>aws|aws-cn|aws-us-gov):iam::\d{12}:role/(?:[\w+=,.@-]+/)*"
    r"[\w+=,.@-]{1,64}$")
#: The vCPU sizes Fargate runs (0.25 .. 16).
FARGATE_VCPUS = tuple(units / 1024 for units in FARGATE_SIZES)
#: CPU requests an EKS pod may ask for, millicores (10m .. 64 vCPU).
EKS_MILLICORES = (10, 64000)


class Platform(StrEnum):
    """Where the services run on AWS."""

    EKS = "eks"
    ECS = "ecs"


class SubnetPrefixes(Strict):
    """Subnet sizes as prefix lengths; unset tiers take the default share of the VPC."""

    public: int | None = Field(default=None, ge=16, le=28)
    """Prefix length of each public subnet."""
    private: int | None = Field(default=None, ge=16, le=28)
    """Prefix length of each private subnet."""
    database: int | None = Field(default=None, ge=16, le=28)
    """Prefix length of each database subnet."""

    def as_dict(self) -> dict[str, int]:
        """The prefixes that are set, by tier."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


def _log_retention(value: int) -> int:
    if value not in LOG_RETENTION_DAYS:
        raise ValueError(f"CloudWatch Logs allows {', '.join(map(str, LOG_RETENTION_DAYS))}")
    return value


#: The ranges a VPC's CIDR may come from: RFC 1918 private space and RFC 6598 shared address
#: space (VPC IPv4 CIDR blocks,
#: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html). Loopback, link-local,
#: multicast, reserved and public ranges are refused.
VPC_RANGES = tuple(ipaddress.IPv4Network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"))


class NetworkSettings(Strict):
    """The VPC and its subnets."""

    cidr: str = "10.0.0.0/16"
    """The VPC's IPv4 CIDR, /16 to /22 (every tier keeps room for six AZs)."""
    az_count: int = Field(default=3, ge=2, le=6)
    """How many availability zones to spread subnets over (2..6)."""
    azs: tuple[str, ...] | None = None
    """Pinned AZ names; looked up from the region when unset."""
    nat_gateways: NatGatewayStrategy = NatGatewayStrategy.SINGLE
    """`none`, `single` (one shared NAT, cheaper) or `per_az` (one per AZ, no cross-AZ SPOF)."""
    flow_logs_retention_days: int = 30
    """CloudWatch retention of the VPC flow logs (one of CloudWatch's allowed values)."""
    subnet_prefixes: SubnetPrefixes = SubnetPrefixes()
    """Optional subnet sizes per tier."""

    @field_validator("flow_logs_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        return _log_retention(value)

    @field_validator("cidr")
    @classmethod
    def _cidr_shape(cls, value: str) -> str:
        try:
            network = ipaddress.IPv4Network(value, strict=True)
        except ValueError as exc:
            raise ValueError(f"not a valid IPv4 network CIDR ({exc})") from None
        if not VPC_PREFIX_RANGE[0] <= network.prefixlen <= VPC_PREFIX_RANGE[1]:
            raise ValueError(f"the VPC prefix must be between /{VPC_PREFIX_RANGE[0]} and "
                             f"/{VPC_PREFIX_RANGE[1]}")
        if not any(network.subnet_of(allowed) for allowed in VPC_RANGES):
            raise ValueError("must be a private (RFC 1918) range or RFC 6598 shared space: "
                             f"inside {', '.join(map(str, VPC_RANGES))}")
        return value


#: A Route 53 hosted zone id: `Z` and uppercase letters and digits, the shape of the ids
#: Route 53 assigns and of its documentation's examples (it documents no other scheme), at most
#: 32 characters (the API's `ResourceId` type of HostedZone.Id, "max": 32 in botocore 1.44.8's
#: route53 service model).
HOSTED_ZONE_ID = re.compile(r"^Z[A-Z0-9]{1,31}$")


def hosted_zone_id_problem(value: str) -> str | None:
    """Why `value` is not a Route 53 hosted zone id, or None."""
    if HOSTED_ZONE_ID.match(value):
        return None
    hint = ""
    bare = value.rsplit("/", 1)[-1]
    if value.startswith("/hostedzone/") or value.startswith("hostedzone/"):
        hint = f"; drop the /hostedzone/ prefix ({bare!r})"
    elif value != value.upper() and HOSTED_ZONE_ID.match(value.upper()):
        hint = f"; ids are upper case ({value.upper()!r})"
    elif "." in value:
        hint = ("; that looks like a domain name: give the id of its zone "
                "(aws route53 list-hosted-zones-by-name --dns-name " + value + ")")
    return (f"not a Route 53 hosted zone id: Z followed by uppercase letters and digits, 32 "
            f"characters at most (e.g. Z0123456789ABCDEFGHIJ; Route 53 API Reference, "
            f"HostedZone Id, ResourceId: maximum length 32){hint}")


def _hosted_zone_id(value: str | None) -> str | None:
    refusal = hosted_zone_id_problem(value) if value is not None else None
    if refusal:
        raise ValueError(refusal)
    return value


def _instance_class(service: str, value: str) -> str:
    refusal = catalog.instance_class_problem(service, value)
    if refusal:
        raise ValueError(refusal)
    return value


class DatabaseSettings(Strict):
    """PostgreSQL: managed RDS, or TimescaleDB on EC2 for hypertables."""

    engine: DatabaseEngine = DatabaseEngine.RDS_POSTGRES
    """`rds-postgres` (managed RDS) or `timescaledb-ec2` (PostgreSQL with TimescaleDB on
    EC2)."""
    version: int = Field(default=16, ge=MIN_POSTGRES_MAJOR, le=MAX_POSTGRES_MAJOR)
    """PostgreSQL major version; minor versions follow the provider's auto-upgrades. With
    rds-postgres it must be creatable today per the versions table."""
    timescaledb: bool = False
    """The app needs TimescaleDB hypertables: requires `engine: timescaledb-ec2`."""
    instance_class: str = "db.t4g.medium"
    """RDS instance class (rds-postgres only): one of the RDS for PostgreSQL catalogue
    (components/forge_components/aws/catalog/rds_postgresql_instance_classes.yaml)."""
    allocated_storage_gb: int = Field(default=50, ge=RDS_STORAGE_GB[0], le=RDS_STORAGE_GB[1])
    """RDS gp3 storage at creation, GiB."""
    max_allocated_storage_gb: int = Field(default=200, ge=RDS_STORAGE_GB[0],
                                          le=RDS_STORAGE_GB[1])
    """Upper bound of RDS storage autoscaling."""
    instance_type: str = "t3.large"
    """EC2 instance type (timescaledb-ec2 only)."""
    data_volume_gb: int = Field(default=100, ge=10, le=16384)
    """Size of the encrypted gp3 data volume (timescaledb-ec2 only)."""
    multi_az: bool = False
    """A synchronous standby (RDS Multi-AZ) or a streaming replica in another AZ (EC2)."""
    read_replicas: int = Field(default=0, ge=0, le=MAX_READ_REPLICAS)
    """RDS read replicas: refused above 0 (see _read_replica_rules)."""
    backup_retention_days: int = Field(default=7, ge=BACKUP_RETENTION_DAYS[0],
                                       le=BACKUP_RETENTION_DAYS[1])
    """Days of automated backups (prod: at least 7)."""
    deletion_protection: bool = False
    """Refuse deleting the database (required in prod)."""
    performance_insights: bool = True
    """RDS Performance Insights (rds-postgres)."""
    name: str = Field(default="forge", pattern=r"^[a-z][a-z0-9_]{0,62}$")
    """The application database's name."""
    username: str = Field(default="forge_admin", pattern=r"^[a-z][a-z0-9_]{0,15}$")
    """The master user name (its password is generated, never configured; it never reaches
    the services)."""
    app_username: str = Field(default="forge_app", pattern=r"^[a-z][a-z0-9_]{0,62}$")
    """The role the services (api, worker) log in as: IAM authentication on rds-postgres, a
    generated password in Secrets Manager on timescaledb-ec2."""

    @field_validator("name", "username", "app_username")
    @classmethod
    def _postgresql_name(cls, value: str, info: ValidationInfo) -> str:
        what = {"name": "database name", "username": "master user name",
                "app_username": "role name"}[str(info.field_name)]
        refusal = catalog.postgresql_name_problem(value, what=what)
        if refusal:
            raise ValueError(refusal)
        return value

    @field_validator("instance_class")
    @classmethod
    def _rds_class(cls, value: str) -> str:
        return _instance_class("rds", value)

    @field_validator("instance_type")
    @classmethod
    def _ec2_type(cls, value: str) -> str:
        return _instance_class("ec2", value)


class CacheSettings(Strict):
    """ElastiCache (Redis or Valkey)."""

    engine: CacheEngine = CacheEngine.REDIS
    """`redis` (Redis OSS) or `valkey`."""
    version: str | None = Field(default=None, pattern=r"^\d+\.\d+$")
    """Engine version; the versions table's default for the engine when unset."""
    node_type: str = "cache.t4g.small"
    """ElastiCache node type: one of the Valkey / Redis OSS catalogue
    (components/forge_components/aws/catalog/elasticache_node_types.yaml)."""
    nodes: int = Field(default=1, ge=CACHE_NODES[0], le=CACHE_NODES[1])
    """Primary plus replicas; more than one turns on automatic failover and Multi-AZ."""
    snapshot_retention_days: int = Field(default=7, ge=CACHE_SNAPSHOT_RETENTION_DAYS[0],
                                         le=CACHE_SNAPSHOT_RETENTION_DAYS[1])
    """Days of automatic snapshots (0 turns them off)."""

    @field_validator("node_type")
    @classmethod
    def _cache_class(cls, value: str) -> str:
        return _instance_class("elasticache", value)


class StreamingSettings(Strict):
    """The Kafka-compatible event stream."""

    engine: StreamingEngine = StreamingEngine.MSK
    """`msk` (Amazon MSK), `redpanda` (Redpanda on EC2, SASL/SCRAM over TLS with a private CA)
    or `none`."""
    brokers: int = Field(default=3, ge=1, le=30)
    """Broker count: MSK a multiple of its client subnets, Redpanda odd; at least 3 in prod."""
    instance_type: str | None = None
    """Broker size: an MSK Standard broker size of the catalogue (msk_broker_sizes.yaml;
    `kafka.t3.small` when unset) or an EC2 type for Redpanda (`t3.medium` when unset; its t4g
    types run on Graviton, arm64)."""
    kafka_version: str = Field(default=versions.default_version("msk"),
                               pattern=r"^\d+\.\d+\.(\d+|x)(\.[a-z0-9]+)?$")
    """MSK Kafka version as MSK spells it (`3.8.x` follows MSK's patch releases; Kafka 4 is
    `4.1.x.kraft`); creatable today per the versions table."""
    ebs_volume_gb: int = Field(default=100, ge=1, le=16384)
    """Each broker's data volume, GiB."""
    redpanda_mode: RedpandaMode | None = None
    """Redpanda only: `production` (tuners on; the instance type needs Redpanda's 2 GiB per
    vCPU) or `development` (developer mode, no memory floor, fsync bypassed; refused in
    prod). Unset means production with engine redpanda."""

    def effective_redpanda_mode(self) -> RedpandaMode:
        """The mode the Redpanda brokers run in (production when unset)."""
        return self.redpanda_mode or RedpandaMode.PRODUCTION


class StorageSettings(Strict):
    """The reports, exports and backups buckets, and the access-log bucket."""

    glacier_transition_days: int = Field(default=90, ge=1, le=3650)
    """Days after which objects move to S3 Glacier Instant Retrieval."""
    noncurrent_version_expiration_days: int = Field(default=90, ge=1, le=3650)
    """Days after which superseded object versions are deleted."""
    force_destroy: bool = False
    """Let `pulumi destroy` delete non-empty buckets (never in prod)."""
    access_log_retention_days: int = Field(default=365, ge=ACCESS_LOG_RETENTION_DAYS[0],
                                           le=ACCESS_LOG_RETENTION_DAYS[1])
    """Days the access-log bucket keeps S3 server access logs and load balancer access logs."""


class CdnSettings(Strict):
    """CloudFront in front of the UI's assets and the API."""

    enabled: bool = False
    """Put CloudFront in front of the app (needs app.domain and hosted_zone_id)."""
    price_class: Literal["PriceClass_100", "PriceClass_200", "PriceClass_All"] = "PriceClass_100"
    """CloudFront's price class (which edge locations serve)."""
    aliases: tuple[str, ...] = ()
    """Extra host names the CDN serves, under app.domain (no repeats)."""


class WafSettings(Strict):
    """A WAF web ACL in front of the app: on CloudFront when the CDN is enabled, else on the
    ECS load balancer (on EKS without the CDN its ARN is exported for the Ingress)."""

    enabled: bool = False
    """Create the web ACL (required in prod)."""
    rule_groups: tuple[str, ...] = WAF_DEFAULT_RULE_GROUPS
    """Free AWS managed rule groups, evaluated in this order
    (`forge_components.aws.limits.WAF_MANAGED_RULE_GROUPS`)."""
    rate_limit_per_5min: int = Field(default=WAF_DEFAULT_RATE_LIMIT, ge=WAF_RATE_LIMIT[0],
                                     le=WAF_RATE_LIMIT[1])
    """Requests one IP address may send in 5 minutes before it is blocked."""

    @field_validator("rule_groups")
    @classmethod
    def _known_groups(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        groups_problem = waf_rule_groups_problem(value)
        if groups_problem is not None:
            raise ValueError(groups_problem)
        return value

    def monthly_fixed_usd(self) -> float:
        """The web ACL's fixed monthly price: the ACL, the rate-based rule and each group."""
        return waf_monthly_fixed_usd(1 + len(self.rule_groups))


class EksSettings(Strict):
    """The EKS cluster (platform: eks)."""

    version: str = Field(default=versions.default_version("eks"), pattern=r"^1\.\d{2}$")
    """The Kubernetes minor; it must be creatable today per the versions table."""
    node_instance_types: tuple[str, ...] = Field(default=("t3.large",), min_length=1)
    """EC2 instance types of the managed node group (at least one, no repeats, one
    architecture: the sizing table's t4g types run the arm64 AMI, the images must then be
    built for linux/arm64)."""
    node_min: int = Field(default=2, ge=1, le=100)
    """The fewest nodes."""
    node_max: int = Field(default=6, ge=1, le=100)
    """The most nodes: they must hold every service at its autoscaling maximum."""
    node_desired: int = Field(default=3, ge=1, le=100)
    """Nodes at creation (within node_min..node_max); then the autoscaler's."""
    node_disk_gb: int = Field(default=50, ge=20, le=16384)
    """Each node's root volume, GiB."""
    endpoint_public_access: bool = False
    """The deployer's path to the Kubernetes API: `true` opens the public endpoint to
    `public_access_cidrs` only (the private endpoint stays on for the nodes). Required on EKS:
    forge-infra provisions no deployer inside the VPC, so a private-only endpoint is refused."""
    public_access_cidrs: tuple[str, ...] = ()
    """The public IPv4 egress CIDRs of wherever `pulumi up` runs (CI runner, bastion, office);
    never 0.0.0.0/0, never a private range."""
    admin_role_arns: tuple[str, ...] = ()
    """IAM roles granted cluster-admin through EKS access entries: role ARNs
    (`arn:<partition>:iam::<account>:role/<path/name>`) in the stack region's partition."""

    @field_validator("admin_role_arns")
    @classmethod
    def _role_arns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [arn for arn in value if not IAM_ROLE_ARN.fullmatch(arn)]
        if bad:
            what = "is not an IAM role ARN" if len(bad) == 1 else "are not IAM role ARNs"
            raise ValueError(f"{bad} {what} (arn:aws:iam::123456789012:role/name)")
        return value
    ingress_class: str = Field(default="alb", pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
                               max_length=63)
    """The IngressClass the chart's Ingress names: `alb` is served by the AWS Load Balancer
    Controller forge-infra installs (the chart adds its annotations, the ACM certificate and
    admits the public subnets); another class is served by a controller you install."""
    ingress_controller_namespace: str | None = Field(
        default=None, pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", max_length=63)
    """With an `ingress_class` other than `alb`: the namespace of its controller, whose pods
    the NetworkPolicies admit to the public services."""

    @field_validator("node_instance_types")
    @classmethod
    def _node_types(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        problems = [f"{t}: {p}" for t in value
                    if (p := catalog.instance_class_problem("ec2", t)) is not None]
        if problems:
            raise ValueError("; ".join(problems))
        duplicates = sorted({t for t in value if value.count(t) > 1})
        if duplicates:
            raise ValueError(f"repeats {duplicates}")
        return value

    removed_keys: ClassVar[dict[str, str]] = {
        "cluster_issuer": "the Ingress's certificate is an ACM certificate for app.domain's "
                          "hosts, DNS-validated in hosted_zone_id and attached to the ALB by "
                          "the AWS Load Balancer Controller; cert-manager is no longer "
                          "installed: remove the key",
        "acme_email": "there is no Let's Encrypt account any more (ACM certificates, validated "
                      "in hosted_zone_id, renew themselves): remove the key",
    }


class EcsSettings(Strict):
    """The Fargate services (platform: ecs)."""

    cpu_architecture: CpuArchitecture = CpuArchitecture.X86_64
    """The tasks' CPU architecture: `X86_64`, or `ARM64` (AWS Graviton, Fargate's Linux ARM
    rate, 20% below x86's per vCPU-hour and GB-hour); every service image must then be built
    for linux/arm64 (a multi-arch manifest or an arm64 tag), or its tasks fail to start."""


class AwsSettings(CloudSettings):
    """Everything an AWS stack sets besides the neutral keys (`cloud: aws`)."""

    internal_fields: ClassVar[frozenset[str]] = frozenset({"cloud", "region", "aws_provider"})
    moved_keys: ClassVar[dict[str, str]] = {"app.hosted_zone_id": "hosted_zone_id"}
    #: The provider's credentials: `pulumi config set --secret aws:secretKey ...`, never
    #: plain text in the stack file.
    secret_keys: ClassVar[frozenset[str]] = frozenset({"aws:accessKey", "aws:secretKey",
                                                       "aws:token"})
    dr_modes: ClassVar[tuple[str, ...]] = ("backup", "pilot_light")

    cloud: Literal["aws"]
    region: str = Field(pattern=r"^[a-z][a-z0-9-]*[0-9]$")
    """`aws:region`: the region of every resource (CloudFront's certificate aside); one of
    the catalogue's regions (components/forge_components/aws/catalog/regions.yaml), in the
    partitions aws, aws-cn and aws-us-gov."""
    aws_provider: dict[str, Any] = {}
    """The stack's other `aws:` settings (profile, assumeRoles, allowedAccountIds, ...), as
    written in the stack file; the program passes them to its AWS providers."""
    platform: Platform = Platform.EKS
    """`eks` (Kubernetes, the chart) or `ecs` (Fargate services behind an ALB)."""
    hosted_zone_id: Annotated[str | None, AfterValidator(_hosted_zone_id)] = None
    """The Route 53 hosted zone that holds `app.domain` (certificates and alias records): its
    id, `Z` and uppercase letters and digits, 32 characters at most (e.g.
    `Z0123456789ABCDEFGHIJ`)."""
    network: NetworkSettings = NetworkSettings()
    """The VPC and its subnets."""
    database: DatabaseSettings = DatabaseSettings()
    """PostgreSQL."""
    cache: CacheSettings = CacheSettings()
    """ElastiCache (Redis OSS or Valkey)."""
    streaming: StreamingSettings = StreamingSettings()
    """The Kafka-compatible event stream."""
    storage: StorageSettings = StorageSettings()
    """The S3 buckets."""
    cdn: CdnSettings = CdnSettings()
    """CloudFront."""
    eks: EksSettings = EksSettings()
    """The EKS cluster (platform eks)."""
    ecs: EcsSettings = EcsSettings()
    """The Fargate services (platform ecs)."""
    waf: WafSettings = WafSettings()
    """The WAF web ACL."""

    def region_name(self) -> str:
        """The stack's AWS region."""
        return self.region

    def platform_name(self) -> str:
        """`ecs` or `eks`."""
        return self.platform.value

    def api_is_public(self) -> bool:
        """On ECS the load balancer routes `/api` to the api; on EKS it stays in the cluster."""
        return self.platform is Platform.ECS

    def cdn_enabled(self) -> bool:
        """Whether CloudFront fronts the app's domain."""
        return self.cdn.enabled

    @classmethod
    def from_provider_config(cls, namespace: str, values: Mapping[str, Any],
                             ) -> tuple[dict[str, Any], list[str]]:
        """`aws:region` -> region; the other `aws:` provider settings -> aws_provider."""
        raw: dict[str, Any] = {}
        problems: list[str] = []
        provider: dict[str, Any] = {}
        for key, value in values.items():
            full_key = f"{namespace}:{key}"
            if key == "region":
                raw["region"] = value
            elif key == "defaultTags":
                problems.append(f"{full_key}: forge-infra sets the provider's default tags itself "
                                f"(app, environment, managed-by); put extra tags in "
                                f"{NAMESPACE}:tags")
            elif key not in AWS_PROVIDER_SETTINGS:
                problems.append(f"{full_key}: not an AWS provider setting; allowed: region, "
                                f"{', '.join(sorted(AWS_PROVIDER_SETTINGS))}")
            else:
                provider[key] = decode_secure(value, full_key)
        if provider:
            raw["aws_provider"] = provider
        return raw, problems

    @classmethod
    def key_path(cls, loc: Sequence[str]) -> str:
        """`region` is `aws:region`; everything else lives under `forge-infra:`."""
        if loc and loc[0] == "region":
            return "aws:region"
        if loc and loc[0] == "aws_provider":
            return f"aws:{dotted(loc[1:])}"
        return f"{NAMESPACE}:{dotted(loc)}"

    @classmethod
    def rules(cls) -> Sequence[Rule]:
        """The AWS rules across keys, each with the sections it reads."""
        return AWS_RULES

    def warnings(self, config: StackConfig) -> list[str]:
        """Versions in use that are past standard support, and retired charts, then the
        placeholder values a stack file still holds, then node types whose sizing was not
        checked (plan warnings)."""
        return (version_warnings(self) + placeholder_warnings(config)
                + sizing_warnings(config) + class_warnings(self))


def class_warnings(aws: AwsSettings) -> list[str]:
    """A database class accepted as newer than the RDS catalogue: say so, and how to check
    that RDS for PostgreSQL offers it in the region (catalog.rds_class_unlisted)."""
    value = aws.database.instance_class
    if aws.database.engine is not DatabaseEngine.RDS_POSTGRES or not catalog.rds_class_unlisted(
            value):
        return []
    return [f"forge-infra:database.instance_class: {value} is of a family newer than "
            f"forge-infra's RDS catalogue (rds_postgresql_instance_classes.yaml, read from "
            f"the User Guide at {catalog.rds_catalogue_date()}): accepted as its EC2 type "
            "exists; check that RDS for PostgreSQL offers it in the region with aws rds "
            "describe-orderable-db-instance-options --engine postgres --db-instance-class "
            f"{value} --region {aws.region}"]


def _aws(config: StackConfig) -> AwsSettings:
    return cast(AwsSettings, config.target)


# -- rules across keys ----------------------------------------------------------------------


def _network_rules(config: StackConfig) -> list[str]:
    net = _aws(config).network
    try:
        plan_subnets(net.cidr, net.az_count, net.subnet_prefixes.as_dict())
    except (SubnetLayoutError, ValueError) as exc:
        return [problem("network.cidr", f"the subnets for {net.az_count} AZs do not fit: {exc}")]
    return []


def _region_rules(config: StackConfig) -> list[str]:
    name = _aws(config).region
    if catalog.region(name) is not None:
        return []
    reason = catalog.unsupported_regions().get(name)
    allowed = ", ".join(catalog.regions())
    if reason:
        return [f"aws:region: got {name!r}, a region of {reason}, which forge-infra does not "
                f"deploy to (no zone or endpoint data for it); allowed: {allowed}"]
    return [f"aws:region: got {name!r}; not an AWS region; allowed (partitions aws, aws-cn, "
            f"aws-us-gov; components/forge_components/aws/catalog/regions.yaml): {allowed}"]


def _zone_rules(config: StackConfig) -> list[str]:
    aws = _aws(config)
    net = aws.network
    region = catalog.region(aws.region)
    problems = []
    if region is not None and net.az_count > len(region.zone_ids):
        problems.append(problem("network.az_count", f"got {net.az_count}; {aws.region} has "
                                f"{len(region.zone_ids)} Availability Zones "
                                f"({', '.join(region.zone_names)})"))
    if net.azs is None:
        return problems
    if len(net.azs) != net.az_count:
        problems.append(problem("network.azs", f"lists {len(net.azs)} zones but "
                                               f"network.az_count is {net.az_count}"))
    duplicates = sorted({az for az in net.azs if net.azs.count(az) > 1})
    if duplicates:
        problems.append(problem("network.azs", f"repeats {duplicates}; each subnet tier needs "
                                               "distinct zones"))
    foreign = [az for az in net.azs if region is None or az not in region.zone_names]
    if region is not None and foreign:
        problems.append(problem("network.azs", f"{foreign} "
                                f"{'is not a zone' if len(foreign) == 1 else 'are not zones'} "
                                f"of {aws.region}; allowed: {', '.join(region.zone_names)}"))
    return problems


def _database_rules(config: StackConfig) -> list[str]:
    db = _aws(config).database
    problems = []
    if db.timescaledb and db.engine is DatabaseEngine.RDS_POSTGRES:
        problems.append(problem(
            "database.timescaledb",
            "Amazon RDS does not offer the timescaledb extension, so this would fail at apply "
            "time; set database.engine: timescaledb-ec2 (self-managed TimescaleDB on EC2) or "
            "drop timescaledb and use pg_partman for time partitioning"))
    if db.max_allocated_storage_gb < db.allocated_storage_gb:
        problems.append(problem("database.max_allocated_storage_gb",
                                f"{db.max_allocated_storage_gb} is below "
                                f"database.allocated_storage_gb ({db.allocated_storage_gb})"))
    if db.engine is DatabaseEngine.TIMESCALEDB_EC2 and db.read_replicas:
        problems.append(problem("database.read_replicas",
                                "read replicas are an rds-postgres feature; with "
                                "timescaledb-ec2 use multi_az for a streaming replica"))
    if db.app_username == db.username:
        problems.append(problem("database.app_username",
                                f"got {db.app_username!r}, the master user's name; the services "
                                "never log in as the master user: choose another role name"))
    if db.app_username.startswith(RESERVED_ROLE_PREFIXES):
        problems.append(problem("database.app_username",
                                f"got {db.app_username!r}; PostgreSQL and RDS reserve role names "
                                f"starting with {' or '.join(RESERVED_ROLE_PREFIXES)}"))
    return problems


def _streaming_rules(config: StackConfig) -> list[str]:
    aws = _aws(config)
    stream = aws.streaming
    problems = []
    if stream.engine is StreamingEngine.MSK:
        subnets = streaming_subnet_count(stream.engine, aws.network.az_count)
        if stream.brokers % subnets:
            problems.append(problem("streaming.brokers",
                                    f"MSK needs a multiple of its {subnets} client subnets (one "
                                    f"per AZ); got {stream.brokers}"))
        refusal = (catalog.instance_class_problem("msk", stream.instance_type)
                   if stream.instance_type else None)
        if refusal:
            problems.append(problem("streaming.instance_type",
                                    f"got {stream.instance_type!r}; {refusal}"))
    if stream.engine is StreamingEngine.REDPANDA:
        if stream.brokers != 1 and stream.brokers % 2 == 0:
            problems.append(problem("streaming.brokers", f"Redpanda needs an odd broker count "
                                    f"for a Raft majority; got {stream.brokers}"))
        refusal = redpanda_mode_problem(stream.effective_redpanda_mode(),
                                        stream.instance_type or REDPANDA_DEFAULT_INSTANCE_TYPE)
        if refusal:
            problems.append(problem("streaming.instance_type", refusal))
    elif stream.redpanda_mode is not None:
        problems.append(problem("streaming.redpanda_mode",
                                f"applies to engine redpanda only; engine is "
                                f"{stream.engine.value}: remove the key"))
    return problems


#: The fewest brokers prod runs: a replication factor of 3 with two in-sync replicas, so one
#: broker can fail (or be replaced) without losing acknowledged data or writes.
PROD_MIN_BROKERS = 3


def _prod_streaming_rules(config: StackConfig) -> list[str]:
    stream = _aws(config).streaming
    if not config.is_prod or stream.engine is StreamingEngine.NONE:
        return []
    problems = []
    if stream.brokers < PROD_MIN_BROKERS:
        problems.append(problem("streaming.brokers",
                                f"prod runs at least {PROD_MIN_BROKERS} brokers (replication "
                                f"factor 3, two in sync: one broker may fail); got "
                                f"{stream.brokers}"))
    # Redpanda is accepted in prod: its Kafka API requires SASL/SCRAM over TLS (a private CA,
    # one certificate per broker), as MSK's 9096 does (docs/SECURITY.md, Kafka).
    if (stream.engine is StreamingEngine.REDPANDA
            and stream.redpanda_mode is RedpandaMode.DEVELOPMENT):
        problems.append(problem("streaming.redpanda_mode",
                                "development mode bypasses fsync and can lose acknowledged "
                                "data; prod refuses it"))
    return problems


def _service_size_rules(config: StackConfig) -> list[str]:
    aws = _aws(config)
    problems = []
    for name, svc in config.services.items():
        path = f"services.{name}"
        millicores = svc.cpu_millicores
        if aws.platform is Platform.ECS:
            units = fargate_cpu_units(millicores)
            if units is None:
                problems.append(problem(f"{path}.cpu", f"got {svc.cpu:g}; Fargate allows "
                                        f"{', '.join(f'{v:g}' for v in FARGATE_VCPUS)} vCPU"))
                continue
            allowed = FARGATE_SIZES[units]
            if svc.memory not in allowed:
                step = allowed[1] - allowed[0] if len(allowed) > 1 else 0
                problems.append(problem(f"{path}.memory", f"got {svc.memory}; with cpu "
                                        f"{svc.cpu:g} Fargate allows {allowed[0]}..{allowed[-1]} "
                                        f"MiB in steps of {step}"))
        elif not EKS_MILLICORES[0] <= millicores <= EKS_MILLICORES[1]:
            problems.append(problem(f"{path}.cpu", f"got {svc.cpu:g}; a Kubernetes CPU request "
                                    f"is {EKS_MILLICORES[0] / 1000:g}..{EKS_MILLICORES[1] / 1000:g}"
                                    " vCPU here"))
    return problems


#: What replaced the `database[:key]` secret references (the master credentials).
DATABASE_REFERENCE_REPLACED = (
    "the database's master credentials no longer reach the services: api and worker connect as "
    "database.app_username (DATABASE_USER), with IAM authentication on rds-postgres "
    "(DATABASE_AUTH=iam: a 15-minute token per connection, no password) or with that role's "
    "own password on timescaledb-ec2 (DATABASE_AUTH=password, DATABASE_PASSWORD set by "
    "forge-infra); remove this entry")


def _secret_reference_rules(config: StackConfig) -> list[str]:
    problems = []
    for name, svc in config.services.items():
        for env_name, ref in svc.secrets.items():
            path = f"services.{name}.secrets.{env_name}"
            if ref == "database" or ref.startswith("database:"):
                problems.append(problem(path, f"got {describe(ref)}; "
                                              f"{DATABASE_REFERENCE_REPLACED}"))
            elif not (NEUTRAL_SECRET_REF.fullmatch(ref) or SECRET_ARN.fullmatch(ref)):
                problems.append(problem(
                    path, f"got {describe(ref)}; unknown secret reference; allowed: cache, "
                    "app:<name>, or a Secrets Manager ARN (optionally #json_key)"))
    return problems


def _ecs_rules(config: StackConfig) -> list[str]:
    aws = _aws(config)
    problems: list[str] = []
    if aws.platform is not Platform.ECS:
        return problems
    longest = max(len(n) for n in SERVICE_NAMES)
    if len(config.app.name) + len(config.stack) + longest + 2 > ECS_AUTONAME_LIMIT:
        problems.append(problem(
            "app.name", f"{config.app.name!r} with stack {config.stack!r} is too long for ECS: "
            f"load balancer and target group names ('<app>-<stack>-<service>') must stay within "
            f"{ECS_AUTONAME_LIMIT} characters; shorten app.name to "
            f"{ECS_AUTONAME_LIMIT - len(config.stack) - longest - 2} characters"))
    if not (config.app.domain and aws.hosted_zone_id):
        problems.append(problem("app.domain", "platform ecs serves HTTPS on the load balancer: "
                                              "set app.domain and hosted_zone_id (the certificate "
                                              "is validated through Route 53)"))
    return problems


def _ecs_rollout_rules(config: StackConfig) -> list[str]:
    """ECS runs a canary natively as CANARY ([p, 100]) or LINEAR ([s, 2s, ..., 100], s >= 3)
    behind the load balancer (`limits.ecs_traffic_shape`); other steps are refused, not
    approximated."""
    rollout = config.rollout
    if _aws(config).platform is not Platform.ECS or rollout.strategy != "canary":
        return []
    steps = rollout.canary_steps()
    if ecs_traffic_shape(steps) is not None:
        return []
    return [problem("rollout.steps", (
        f"{list(steps)} cannot run on platform ecs: its native canary (CANARY) shifts one "
        "percentage, bakes, then shifts the rest ([p, 100], e.g. [5, 100]) and its linear "
        "deployment (LINEAR) shifts equal steps ([s, 2s, ..., 100] with s >= 3 dividing 100, "
        "e.g. [10, 20, ..., 100] or [25, 50, 75, 100]); give one of those shapes "
        "(docs/DEPLOYMENT.md, \"Progressive delivery\")"))]


def _eks_rollout_rules(config: StackConfig) -> list[str]:
    """EKS runs canary and blue_green with Argo Rollouts through the ALB Ingress (the chart's
    services behind it become Rollouts; blue_green is the one-step canary [100]). Any steps
    the neutral rules admit (increasing percentages ending at 100) are valid Argo `setWeight`
    values (0..100: argo-rollouts pkg/apis/rollouts/validation/validation.go). Refused: what
    Argo cannot do here: shift traffic without the ALB (no app.domain, or an ingress class
    other than alb: Argo's ALB traffic routing works through the AWS Load Balancer
    Controller's Ingress) and a release without a bake (the analysis watches during the
    pauses; with none, Argo would reach 100% unwatched)."""
    aws = _aws(config)
    rollout = config.rollout
    if aws.platform is not Platform.EKS or rollout.strategy == "rolling":
        return []
    guide = "(docs/DEPLOYMENT.md, \"Progressive delivery\")"
    problems = []
    if not config.app.domain:
        problems.append(problem("rollout.strategy", (
            f"got {rollout.strategy}; on platform eks Argo Rollouts shifts the traffic of the "
            "services behind the ALB Ingress, which exists only with app.domain: set "
            f"app.domain and hosted_zone_id, or strategy rolling {guide}")))
    if aws.eks.ingress_class != "alb":
        problems.append(problem("rollout.strategy", (
            f"got {rollout.strategy}; Argo Rollouts shifts the traffic through the AWS Load "
            f"Balancer Controller's Ingress (eks.ingress_class alb), not "
            f"{aws.eks.ingress_class!r}: set eks.ingress_class alb, or strategy rolling "
            f"{guide}")))
    if rollout.bake_minutes < 1:
        problems.append(problem("rollout.bake_minutes", (
            f"got {rollout.bake_minutes}; on platform eks the analysis that rolls a release "
            "back watches during each step's pause: give 1..1440 minutes (with 0, Argo would "
            f"shift to 100% without any check) {guide}")))
    return problems


def _ecs_architecture_rules(config: StackConfig) -> list[str]:
    aws = _aws(config)
    if aws.platform is Platform.EKS and aws.ecs.cpu_architecture is not CpuArchitecture.X86_64:
        return [problem("ecs.cpu_architecture", f"got {aws.ecs.cpu_architecture.value}; it "
                        "applies to platform ecs only: on eks the nodes' architecture follows "
                        "eks.node_instance_types (t4g: arm64); remove the key")]
    return []


def _cdn_rules(config: StackConfig) -> list[str]:
    aws = _aws(config)
    if aws.cdn.enabled and not (config.app.domain and aws.hosted_zone_id):
        return [problem("cdn.enabled", "the CDN needs app.domain and hosted_zone_id for its "
                                       "certificate and alias records")]
    return []


def _eks_dns_rules(config: StackConfig) -> list[str]:
    aws = _aws(config)
    if aws.platform is Platform.EKS and config.app.domain and not aws.hosted_zone_id:
        return [problem("hosted_zone_id", "platform eks serves app.domain through an ALB with "
                        "an ACM certificate validated in Route 53, and external-dns writes the "
                        "hosts' records there: set the id of the hosted zone that holds "
                        f"{config.app.domain}")]
    return []


def _eks_rules(config: StackConfig) -> list[str]:
    aws = _aws(config)
    eks = aws.eks
    problems = []
    if not eks.node_min <= eks.node_desired <= eks.node_max:
        problems.append(problem("eks.node_desired", f"{eks.node_desired} must lie within "
                                f"node_min {eks.node_min} and node_max {eks.node_max}"))
    if aws.platform is Platform.EKS and not eks.endpoint_public_access:
        problems.append(problem(
            "eks.endpoint_public_access",
            "false (the default) leaves the cluster only its private API endpoint, which "
            "answers inside the VPC; pulumi up declares the namespaces, Helm releases and "
            "ClusterSecretStore through "
            "that API from wherever it runs, and forge-infra provisions no deployer inside the "
            "VPC, so every Kubernetes resource would time out: set true and list the public "
            "egress CIDRs of the machine that runs pulumi up in eks.public_access_cidrs "
            "(docs/DEPLOYMENT.md, \"The deployer's path to the EKS API\")"))
    on_eks = aws.platform is Platform.EKS
    if on_eks and eks.ingress_class != "alb" and not eks.ingress_controller_namespace:
        problems.append(problem("eks.ingress_controller_namespace", f"ingress_class "
                                f"{eks.ingress_class!r} is served by a controller you install: "
                                "name its namespace so the NetworkPolicies admit it (or use "
                                "ingress_class alb)"))
    if on_eks and eks.ingress_class == "alb" and eks.ingress_controller_namespace:
        problems.append(problem("eks.ingress_controller_namespace", "ingress_class alb needs "
                                "no controller namespace: the ALB sends to the pods from the "
                                "public subnets, which the NetworkPolicies admit; remove the "
                                "key"))
    ca_images = versions.product("cluster-autoscaler").image_tags
    # A version the table refuses is reported once, by the version rule.
    if (on_eks and eks.version not in ca_images
            and versions.check("eks", eks.version).refusal() is None):
        problems.append(problem("eks.version", f"{eks.version} has no Cluster Autoscaler "
                                "image in forge-infra (its minor must match the cluster's); "
                                f"supported: {', '.join(ca_images)}"))
    if eks.endpoint_public_access and not eks.public_access_cidrs:
        problems.append(problem("eks.public_access_cidrs", "a public API endpoint needs the "
                                "CIDRs allowed to reach it (0.0.0.0/0 is not accepted)"))
    for cidr in eks.public_access_cidrs:
        problems.extend(_public_access_cidr_problems(cidr))
    return problems


#: Address space that never reaches a public endpoint as a source address: RFC 1918 private
#: ranges and RFC 6598 shared (carrier-grade NAT) space. From inside the VPC the private
#: endpoint answers instead (private access is always on).
NON_PUBLIC_SOURCES = tuple(ipaddress.IPv4Network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"))


def _public_access_cidr_problems(cidr: str) -> list[str]:
    """Why `cidr` cannot be one of `eks.public_access_cidrs`, if it cannot."""
    key = "eks.public_access_cidrs"
    try:
        network = ipaddress.ip_network(cidr, strict=True)
    except ValueError as exc:
        return [problem(key, f"{cidr!r} is not a valid network CIDR ({exc})")]
    if "/" not in cidr:
        # Refused rather than normalised: nothing in a stack file is silently changed.
        return [problem(key, f"{cidr!r} is an address, not a network; write {network} (one "
                             "address) or the egress range it belongs to")]
    if network.version == 6:
        # https://docs.aws.amazon.com/eks/latest/APIReference/API_VpcConfigRequest.html:
        # "You can't add IPv6 CIDR blocks to IPv4 clusters"; forge-infra's are IPv4.
        return [problem(key, f"{cidr} is IPv6; the cluster is IPv4-only and EKS accepts no "
                             "IPv6 CIDR blocks for its public endpoint")]
    if network.prefixlen == 0:
        return [problem(key, "0.0.0.0/0 opens the Kubernetes API to the internet"
                        + policy_rule("aws-eks-api-not-public"))]
    if any(network.subnet_of(private) for private in NON_PUBLIC_SOURCES):
        return [problem(key, f"{cidr} is private address space, which never reaches the "
                             "public endpoint (inside the VPC the private endpoint answers); "
                             "list the public egress address of the machine that runs "
                             "pulumi up")]
    if (network.is_multicast or not network.is_global) and not is_documentation_cidr(cidr):
        return [problem(key, f"{cidr} is not public address space (loopback, link-local, "
                             "multicast or reserved: no deployer sends from it); list the "
                             "public egress address of the machine that runs pulumi up")]
    return []


#: The `aws:assumeRoles` entry keys `aws eks get-token` can reproduce: the role (`--role-arn`)
#: and the provider's own session naming and duration, which do not change the identity EKS
#: sees (access entries match the role, not the session):
#: https://docs.aws.amazon.com/cli/latest/reference/eks/get-token.html
KUBECONFIG_ASSUME_ROLE_KEYS = frozenset({"roleArn", "sessionName", "duration"})


#: `aws:` provider settings that choose the provider's credentials but that the kubeconfig's
#: `aws eks get-token` cannot be given (it reads `AWS_PROFILE`, `--role-arn` and its
#: environment), each with the way both read the same credentials: the standard AWS
#: environment variables (https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-envvars.html).
KUBECONFIG_UNREPRODUCIBLE_SETTINGS = {
    "accessKey": "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment, or a "
                 "profile named by aws:profile",
    "secretKey": "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment, or a "
                 "profile named by aws:profile",
    "token": "set AWS_SESSION_TOKEN in the environment, or a profile named by aws:profile",
    "assumeRoleWithWebIdentity": "set AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE in the "
                                 "environment, or a profile (role_arn, web_identity_token_file) "
                                 "named by aws:profile",
    "sharedConfigFiles": "set AWS_CONFIG_FILE in the environment",
    "sharedCredentialsFiles": "set AWS_SHARED_CREDENTIALS_FILE in the environment",
}


def _kubeconfig_identity_rules(config: StackConfig) -> list[str]:
    """On EKS the kubeconfig's `aws eks get-token` must sign as the identity of the AWS
    provider (the cluster creator, who holds the admin access entry): credentials it can find
    (the environment, `aws:profile`), one assumed role at most, and nothing the CLI's
    `--role-arn` cannot carry."""
    aws = _aws(config)
    if aws.platform is not Platform.EKS:
        return []
    problems = [
        f"aws:{key}: on EKS the kubeconfig's token command (aws eks get-token) cannot be given "
        "this setting, so the Kubernetes provider would sign as whatever identity its "
        "environment holds, not the cluster's creator the AWS provider signs as; "
        f"{way_out}, which the AWS provider and the AWS CLI both read"
        for key, way_out in KUBECONFIG_UNREPRODUCIBLE_SETTINGS.items()
        if key in aws.aws_provider]
    return problems + _kubeconfig_role_problems(aws.aws_provider.get("assumeRoles"))


def _kubeconfig_role_problems(roles: Any) -> list[str]:
    """Why `aws:assumeRoles` cannot be reproduced by `aws eks get-token --role-arn`."""
    if roles is None:
        return []
    if not isinstance(roles, list) or not all(isinstance(r, dict) for r in roles):
        return [f"aws:assumeRoles: got {describe(roles)}; a list of role settings "
                "(roleArn, sessionName, ...) is allowed"]
    way_out = ("put the chain in a profile of the AWS config file (role_arn, source_profile, "
               "external_id) and set aws:profile to it, which the AWS provider and the AWS "
               "CLI both read")
    if len(roles) > 1:
        return [f"aws:assumeRoles: lists {len(roles)} roles, which the AWS provider assumes as "
                "a chain; the EKS kubeconfig's token command (aws eks get-token --role-arn) "
                "assumes one role, so the Kubernetes provider would sign as another identity "
                f"than the cluster's creator and be refused; list one role, or {way_out}"]
    problems = []
    role = roles[0] if roles else {}
    if roles and not role.get("roleArn"):
        problems.append("aws:assumeRoles[0].roleArn: required on EKS: the kubeconfig's token "
                        "command assumes the same role (aws eks get-token --role-arn)")
    extra = sorted(set(role) - KUBECONFIG_ASSUME_ROLE_KEYS)
    if extra:
        problems.append(f"aws:assumeRoles[0]: {', '.join(extra)} cannot be passed to the EKS "
                        "kubeconfig's token command (aws eks get-token takes --role-arn only), "
                        "so the Kubernetes provider could not assume the role the way the AWS "
                        f"provider does; allowed on EKS: "
                        f"{', '.join(sorted(KUBECONFIG_ASSUME_ROLE_KEYS))}; otherwise {way_out}")
    return problems


def service_pods_at_max(config: StackConfig) -> list[PodRequest]:
    """One request per pod of every service at its autoscaling maximum (its replicas when it
    does not autoscale)."""
    pods = []
    for name, svc in config.services.items():
        count = svc.autoscaling.max if svc.autoscaling else svc.replicas
        pods += [PodRequest(name, svc.cpu_millicores, svc.memory)] * count
    return pods


def _node_capacity_rules(config: StackConfig) -> list[str]:
    """`eks.node_max` nodes of each listed type must hold every service at its autoscaling
    maximum plus the cluster add-ons (forge_components.aws.node_sizing)."""
    aws = _aws(config)
    eks = aws.eks
    if aws.platform is not Platform.EKS:
        return []
    service_pods = service_pods_at_max(config)
    addons = cluster_addons(config.rollout.strategy != "rolling")
    pods = [*service_pods, *addons]
    addon_cpu = sum(p.millicores for p in addons)
    addon_memory = sum(p.memory_mib for p in addons)
    services = ", ".join(
        f"{name} {sum(1 for p in service_pods if p.name == name)} x "
        f"({svc.cpu:g} vCPU, {svc.memory} MiB)"
        for name, svc in config.services.items())
    problems = []
    for instance_type in eks.node_instance_types:
        shape = INSTANCE_SHAPES.get(instance_type)
        if shape is None:
            continue  # not in the sizing table: a plan warning says it was not checked
        fit = pack(shape, pods, eks.node_max)
        per_node = (f"each {instance_type} offers {fit.usable_millicores // eks.node_max}m CPU "
                    f"and {fit.usable_memory_mib // eks.node_max} MiB to pods after "
                    "kubeReserved, the eviction threshold and its DaemonSets")
        if fit.nodes_needed is None:
            problems.append(problem(
                "eks.node_instance_types",
                f"{instance_type} is too small for a pod of the services ({services}): "
                f"{per_node}; choose a larger type"))
        elif fit.nodes_needed > eks.node_max:
            problems.append(problem(
                "eks.node_max",
                f"{eks.node_max} nodes of {instance_type} cannot hold the services at their "
                f"autoscaling maximum ({services}) plus the cluster add-ons "
                f"({addon_cpu}m CPU, {addon_memory} MiB): they request "
                f"{fit.requested_millicores}m CPU and {fit.requested_memory_mib} MiB, which "
                f"pack onto {fit.nodes_needed} nodes ({per_node}); raise eks.node_max to at "
                f"least {fit.nodes_needed}, choose a larger type in eks.node_instance_types, "
                "or lower services.*.autoscaling.max (docs/DEPLOYMENT.md, \"EKS node "
                "sizing\")"))
    return problems


def _node_architecture_rules(config: StackConfig) -> list[str]:
    """One managed node group runs one AMI type: its instance types share one architecture."""
    aws = _aws(config)
    found = node_architectures(aws.eks.node_instance_types)
    if aws.platform is not Platform.EKS or len(found) < 2:
        return []
    mix = " and ".join(f"{arch} ({', '.join(types)})" for arch, types in sorted(found.items()))
    return [problem("eks.node_instance_types", f"mixes {mix}; the node group runs one AMI "
                    "type, so every type must share one architecture: list only arm64 (t4g) "
                    "or only x86_64 types")]


#: The charts the AWS target installs on EKS (through `EksAddons`), by versions-table product;
#: the plan checks every one of them against the table (retired, past support, not listed).
EKS_ADDON_CHARTS = ("aws-load-balancer-controller", "external-dns", "metrics-server",
                    "cluster-autoscaler", "external-secrets", "argo-rollouts")
PLAN_CHECKED_CHARTS = EKS_ADDON_CHARTS
#: The versions-table product of each cache engine.
CACHE_PRODUCTS = {CacheEngine.REDIS: "elasticache-redis", CacheEngine.VALKEY: "elasticache-valkey"}


def versions_in_use(aws: AwsSettings, charts: Sequence[str] = PLAN_CHECKED_CHARTS,
                    ) -> list[tuple[str | None, str, str]]:
    """(key path or None for a pin in code, versions-table product, version) of every version
    the stack would create: the cluster and `charts` on EKS, the RDS major, the cache engine,
    MSK's Kafka or the Redpanda packages."""
    used: list[tuple[str | None, str, str]] = []
    if aws.platform is Platform.EKS:
        used.append(("eks.version", "eks", aws.eks.version))
        used.extend((None, chart, versions.default_version(chart)) for chart in charts)
    if aws.database.engine is DatabaseEngine.RDS_POSTGRES:
        used.append(("database.version", "rds-postgresql", str(aws.database.version)))
    cache_product = CACHE_PRODUCTS[aws.cache.engine]
    used.append(("cache.version", cache_product,
                 aws.cache.version or versions.default_version(cache_product)))
    if aws.streaming.engine is StreamingEngine.MSK:
        used.append(("streaming.kafka_version", "msk", aws.streaming.kafka_version))
    elif aws.streaming.engine is StreamingEngine.REDPANDA:
        used.append((None, "redpanda", versions.default_version("redpanda")))
    return used


def version_problems(aws: AwsSettings, today: datetime.date | None = None) -> list[str]:
    """A problem for each configured version the table does not allow on `today`."""
    problems = []
    for path, name, version in versions_in_use(aws):
        refusal = versions.check(name, version, today).refusal()
        if refusal and path is not None:
            problems.append(problem(path, f"got {version!r}; {refusal}"))
    return problems


def version_warnings(aws: AwsSettings, today: datetime.date | None = None,
                     charts: Sequence[str] = PLAN_CHECKED_CHARTS) -> list[str]:
    """A warning for each version in use past standard support (or retired, or, for a version
    pinned in code rather than config, no longer creatable) on `today`."""
    found = []
    for path, name, version in versions_in_use(aws, charts):
        result = versions.check(name, version, today)
        where = problem(path, "") if path else f"{name} (pinned by forge-infra): "
        message = result.warning() or (result.refusal() if path is None else None)
        if message:
            found.append(f"{where}{message}")
    return found


def _version_rules(config: StackConfig) -> list[str]:
    return version_problems(_aws(config))


def _prod_database_rules(config: StackConfig) -> list[str]:
    db = _aws(config).database
    problems: list[str] = []
    if not config.is_prod:
        return problems
    if not db.multi_az:
        problems.append(problem("database.multi_az", "prod requires a Multi-AZ database "
                                "(set true)" + policy_rule("aws-rds-multi-az")))
    if db.backup_retention_days < 7:
        problems.append(problem("database.backup_retention_days",
                                f"prod requires at least 7 days of backups; got "
                                f"{db.backup_retention_days}"
                                + policy_rule("aws-rds-backup-retention")))
    if not db.deletion_protection:
        problems.append(problem("database.deletion_protection",
                                "prod requires deletion protection (set true)"
                                + policy_rule("aws-rds-deletion-protection")))
    return problems


def _prod_cache_rules(config: StackConfig) -> list[str]:
    cache = _aws(config).cache
    problems: list[str] = []
    if not config.is_prod:
        return problems
    if cache.nodes < 2:
        problems.append(problem("cache.nodes", f"prod requires a replica with automatic "
                                f"failover across AZs (at least 2 nodes); got {cache.nodes}"
                                + policy_rule("aws-elasticache-multi-az")))
    if cache.snapshot_retention_days < 7:
        problems.append(problem("cache.snapshot_retention_days",
                                f"prod requires at least 7 days of snapshots; got "
                                f"{cache.snapshot_retention_days}"
                                + policy_rule("aws-elasticache-backup-retention")))
    return problems


def _prod_storage_rules(config: StackConfig) -> list[str]:
    if config.is_prod and _aws(config).storage.force_destroy:
        return [problem("storage.force_destroy", "prod buckets must never be force-destroyed"
                        + policy_rule("aws-s3-no-force-destroy"))]
    return []


def _prod_waf_rules(config: StackConfig) -> list[str]:
    waf = _aws(config).waf
    if config.is_prod and not waf.enabled:
        return [problem("waf.enabled", "prod requires a WAF web ACL in front of the app (set "
                        f"true; ${waf.monthly_fixed_usd():.2f}/month fixed with "
                        f"waf.rule_groups, plus ${WAF_REQUESTS_PER_MILLION_USD:.2f} per million "
                        "requests)" + policy_rule("aws-cloudfront-waf-attached"))]
    return []


def _budget_rules(config: StackConfig) -> list[str]:
    budget = config.budget
    problems = []
    # The Budget component sends one notification per threshold plus one on the forecast.
    most = BUDGET_MAX_NOTIFICATIONS - 1
    thresholds = len(budget.alert_thresholds_percent) + len(budget.alert_amounts_usd)
    if thresholds > most:
        problems.append(problem(
            "budget.alert_thresholds_percent",
            f"lists {len(budget.alert_thresholds_percent)} thresholds and "
            f"budget.alert_amounts_usd {len(budget.alert_amounts_usd)}; AWS Budgets allows "
            f"{BUDGET_MAX_NOTIFICATIONS} notifications per budget, so at most {most} in all next "
            "to the forecast alert"))
    if len(budget.alert_emails) > BUDGET_MAX_EMAIL_SUBSCRIBERS:
        problems.append(problem(
            "budget.alert_emails",
            f"lists {len(budget.alert_emails)} addresses; an AWS Budgets notification allows at "
            f"most {BUDGET_MAX_EMAIL_SUBSCRIBERS} e-mail subscribers"))
    return problems



def _storage_autoscaling_rules(config: StackConfig) -> list[str]:
    db = _aws(config).database
    least = min_max_allocated_storage_gb(db.allocated_storage_gb)
    # A ceiling below the allocation is reported by _database_rules already.
    if db.engine is DatabaseEngine.RDS_POSTGRES and (
            db.allocated_storage_gb <= db.max_allocated_storage_gb < least):
        return [problem("database.max_allocated_storage_gb",
                        f"got {db.max_allocated_storage_gb}; RDS requires the storage "
                        f"autoscaling ceiling to be at least 10% above "
                        f"database.allocated_storage_gb ({db.allocated_storage_gb}): set at "
                        f"least {least}")]
    return []


def _read_replica_rules(config: StackConfig) -> list[str]:
    db = _aws(config).database
    # Unsupported per AWS: a read replica of a source whose master credentials Secrets
    # Manager manages (every engine but RDS for SQL Server), and forge-infra always has RDS
    # manage the master password:
    # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html#rds-secrets-manager-limitations
    if db.engine is DatabaseEngine.RDS_POSTGRES and db.read_replicas:
        return [problem("database.read_replicas",
                        f"got {db.read_replicas}; RDS cannot create a read replica of an "
                        "instance whose master password RDS manages in Secrets Manager, and "
                        "forge-infra always has RDS manage (and rotate) it, so apply would "
                        "fail; set 0 and size database.instance_class for the read load")]
    return []


def _budget_recipient_rules(config: StackConfig) -> list[str]:
    if not config.budget.alert_emails:
        return [problem("budget.alert_emails",
                        "is empty, so the budget's alerts would notify nobody; list at least "
                        "one e-mail address (at most "
                        f"{BUDGET_MAX_EMAIL_SUBSCRIBERS})")]
    return []


def _nat_gateway_rules(config: StackConfig) -> list[str]:
    # The services always run in the private subnets (ECS tasks without public IPs, EKS
    # nodes), whose only way out is the NAT gateway; forge-infra creates no interface
    # endpoints (issue 8: ECR api and dkr, CloudWatch Logs, Secrets Manager, STS) nor the S3
    # gateway endpoint ECR's image layers come from, so without a NAT nothing starts.
    if _aws(config).network.nat_gateways is NatGatewayStrategy.NONE:
        return [problem("network.nat_gateways",
                        "got 'none'; the services run in the private subnets, whose only route "
                        "out is a NAT gateway: without one they could not pull images from "
                        "ECR, write logs to CloudWatch Logs or read their secrets from Secrets "
                        "Manager (and EKS nodes could not join the cluster), and forge-infra "
                        "creates no VPC interface endpoints to replace it; use single (one "
                        "shared NAT gateway, the cheapest) or per_az (one per AZ)")]
    return []


def _derived_name_rules(config: StackConfig) -> list[str]:
    """Every name forge-infra derives from `<app.name>-<stack>` must be valid where it is
    used: the longest of each limited type (`limits.NAME_TEMPLATES`) within AWS's limit and
    character rules."""
    prefix = config.resource_prefix
    problems = []
    for _type, name, limit in derived_name_problems(prefix):
        if len(name) > limit.max_length:
            over = len(name) - limit.max_length
            problems.append(problem(
                "app.name", f"{config.app.name!r} with the stack name {config.stack!r} makes "
                f"{limit.what}s of up to {len(name)} characters ({name}, the random suffix "
                f"shown as x); AWS allows {limit.max_length} ({limit.source}): shorten the "
                f"stack name or app.name by {over} characters"))
        else:
            problems.append(problem(
                "app.name", f"the stack name {config.stack!r} makes the {limit.what} "
                f"{name!r}, which AWS refuses: {limit.rule} ({limit.source}); rename the stack "
                "with lower-case letters, digits and single hyphens"))
    return problems


def _tag_rules(config: StackConfig) -> list[str]:
    """`forge-infra:tags` within AWS's tag limits, and none of the tags forge-infra sets."""
    problems = []
    owned = set(standard_tag_keys()) | {"Name"}
    for key, value in config.tags.items():
        path = f"tags.{key}"
        if key in owned:
            problems.append(problem(path, f"forge-infra sets the {key!r} tag itself "
                                    f"({', '.join(sorted(owned))}); choose another key"))
        if not TAG_KEY_LENGTH[0] <= len(key) <= TAG_KEY_LENGTH[1]:
            problems.append(problem(path, f"the key has {len(key)} characters; AWS allows "
                                    f"{TAG_KEY_LENGTH[0]}..{TAG_KEY_LENGTH[1]}"))
        if key.lower().startswith(TAG_RESERVED_PREFIX):
            problems.append(problem(path, f"keys starting with {TAG_RESERVED_PREFIX!r} are "
                                    "reserved for AWS"))
        if len(value) > TAG_VALUE_MAX_LENGTH:
            problems.append(problem(path, f"the value has {len(value)} characters; AWS allows "
                                    f"at most {TAG_VALUE_MAX_LENGTH}"))
        for what, text in (("key", key), ("value", value)):
            refusal = tag_text_problem(text)
            if refusal:
                problems.append(problem(path, f"the {what} {refusal}"))
    return problems


def _partition_rules(config: StackConfig) -> list[str]:
    """ARNs a stack names must be in the partition of its region."""
    aws = _aws(config)
    region = catalog.region(aws.region)
    if region is None:
        return []  # the region rule reports it
    problems = []
    for arn in aws.eks.admin_role_arns:
        match = IAM_ROLE_ARN.fullmatch(arn)
        if match and match["partition"] != region.partition:
            problems.append(problem("eks.admin_role_arns", f"{arn} is in partition "
                                    f"{match['partition']}, but {aws.region} is in "
                                    f"{region.partition}: arn:{region.partition}:iam::..."))
    for name, svc in config.services.items():
        for env_name, ref in svc.secrets.items():
            if SECRET_ARN.fullmatch(ref) and not ref.startswith(f"arn:{region.partition}:"):
                problems.append(problem(f"services.{name}.secrets.{env_name}",
                                        f"{ref.split(':secret:')[0]}:... is not in partition "
                                        f"{region.partition} of {aws.region}"))
    return problems


#: A DNS name a CloudFront alias may be: lower-case labels, optionally a leading `*.`.
CDN_ALIAS = re.compile(r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def _cdn_alias_rules(config: StackConfig) -> list[str]:
    """`cdn.aliases`: DNS names under `app.domain` (their certificate is validated and their
    records written in hosted_zone_id, which holds app.domain), no repeats, not app.domain."""
    aliases = _aws(config).cdn.aliases
    domain = config.app.domain
    problems = []
    bad = [a for a in aliases if not CDN_ALIAS.fullmatch(a)]
    if bad:
        problems.append(problem("cdn.aliases", f"{bad}: not lower-case DNS names (a leading "
                                "*. is allowed), e.g. www.forge.example.com"))
    repeated = sorted({a for a in aliases if aliases.count(a) > 1})
    if repeated:
        problems.append(problem("cdn.aliases", f"repeats {repeated}"))
    if domain is not None:
        if domain in aliases:
            problems.append(problem("cdn.aliases", f"{domain} is app.domain, which the CDN "
                                    "serves already; remove it"))
        outside = [a for a in aliases if a not in bad and a != domain
                   and not a.removeprefix("*.").endswith(f".{domain}")
                   and a.removeprefix("*.") != domain]
        if outside:
            problems.append(problem("cdn.aliases", f"{outside} "
                                    f"{'is' if len(outside) == 1 else 'are'} outside "
                                    f"app.domain ({domain}): the aliases' certificate is "
                                    "validated and their records written in hosted_zone_id, "
                                    f"the zone of {domain}; use names under {domain}"))
    shared = sorted(a for a in aliases if a.startswith("*.") and (
        a[2:] in aliases or a[2:] == domain))
    if shared:
        problems.append(problem("cdn.aliases", f"{shared} and their apex names share one ACM "
                                "validation record; list only one of each pair"))
    return problems


def _dr_rules(config: StackConfig) -> list[str]:
    aws = _aws(config)
    dr = config.dr
    if dr.mode is DrMode.NONE:
        return ([problem("dr.region", f"got {dr.region!r} with dr.mode none; set dr.mode to "
                         "backup or pilot_light, or remove dr.region")]
                if dr.region is not None else [])
    home = catalog.region(aws.region)
    if dr.region is None:
        return [problem("dr.region", f"required with dr.mode {dr.mode.value}: the recovery "
                        "region, another region of the stack's partition")]
    target = catalog.region(dr.region)
    if target is None:
        return [problem("dr.region", f"got {dr.region!r}; not an AWS region; allowed: "
                        f"{', '.join(catalog.regions())}")]
    if dr.region == aws.region:
        return [problem("dr.region", f"got {dr.region!r}, the stack's own region (aws:region); "
                        "a recovery region must survive the loss of the stack's")]
    if home is not None and target.partition != home.partition:
        return [problem("dr.region", f"got {dr.region!r} in partition {target.partition}; "
                        f"AWS Backup copies only within a partition ({home.partition}: "
                        f"{aws.region})")]
    return []


AWS_RULES: tuple[Rule, ...] = (
    Rule(("network",), _network_rules),
    Rule(("region",), _region_rules),
    Rule(("network", "region"), _zone_rules),
    Rule(("database",), _database_rules),
    Rule(("network", "streaming"), _streaming_rules),
    Rule(("platform", "services"), _service_size_rules),
    Rule(("services",), _secret_reference_rules),
    Rule(("platform", "app", "hosted_zone_id"), _ecs_rules),
    Rule(("platform", "ecs"), _ecs_architecture_rules),
    Rule(("platform", "rollout"), _ecs_rollout_rules),
    Rule(("platform", "rollout", "eks", "app"), _eks_rollout_rules),
    Rule(("cdn", "app", "hosted_zone_id"), _cdn_rules),
    Rule(("eks", "platform"), _eks_rules),
    Rule(("aws_provider", "platform"), _kubeconfig_identity_rules),
    Rule(("eks", "platform", "services", "rollout"), _node_capacity_rules),
    Rule(("eks", "platform"), _node_architecture_rules),
    Rule(("platform", "app", "hosted_zone_id"), _eks_dns_rules),
    Rule(("platform", "eks", "database", "cache", "streaming"), _version_rules),
    Rule(("environment", "database"), _prod_database_rules),
    Rule(("environment", "cache"), _prod_cache_rules),
    Rule(("environment", "storage"), _prod_storage_rules),
    Rule(("environment", "streaming"), _prod_streaming_rules),
    Rule(("environment", "waf"), _prod_waf_rules),
    Rule(("budget",), _budget_rules),
    Rule(("database",), _storage_autoscaling_rules),
    Rule(("database",), _read_replica_rules),
    Rule(("budget",), _budget_recipient_rules),
    Rule(("app",), _derived_name_rules),
    Rule(("tags",), _tag_rules),
    Rule(("region", "eks", "services"), _partition_rules),
    Rule(("cdn", "app"), _cdn_alias_rules),
    Rule(("dr", "region"), _dr_rules),
    Rule(("network",), _nat_gateway_rules),
)


# -- placeholders (plan warnings) -----------------------------------------------------------

#: A placeholder Route 53 hosted zone id: `Z` followed by at least eight zeros, as in the
#: shipped stack files (`Z000000000000000PROD`). Route 53 does not document its id scheme, so
#: this is a convention of forge-infra's own examples, not a claim that AWS never issues such
#: an id.
PLACEHOLDER_ZONE_ID = re.compile(r"^Z0{8,}[A-Z0-9]*$")
#: Second-level domains reserved for documentation by RFC 2606 section 3
#: (https://www.rfc-editor.org/rfc/rfc2606#section-3).
RESERVED_EXAMPLE_DOMAINS = ("example.com", "example.net", "example.org")
#: Top-level domains reserved by RFC 2606 section 2 (testing, documentation, invalid names).
RESERVED_TLDS = ("test", "example", "invalid", "localhost")
#: The IPv4 ranges reserved for documentation by RFC 5737 section 3
#: (https://www.rfc-editor.org/rfc/rfc5737#section-3): TEST-NET-1, -2 and -3.
DOCUMENTATION_NETWORKS = tuple(ipaddress.IPv4Network(n) for n in (
    "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"))


def is_documentation_cidr(cidr: str) -> bool:
    """Whether `cidr` lies inside an RFC 5737 documentation range (False if not a CIDR)."""
    try:
        network = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False
    return network.version == 4 and any(
        network.subnet_of(doc) for doc in DOCUMENTATION_NETWORKS)


def is_placeholder_domain(name: str) -> bool:
    """Whether `name` is an RFC 2606 reserved name: example.com/.net/.org or a subdomain of
    one, or a name under the reserved TLDs .test, .example, .invalid and .localhost."""
    name = name.lower().rstrip(".")
    return (any(name == d or name.endswith(f".{d}") for d in RESERVED_EXAMPLE_DOMAINS)
            or name.rsplit(".", 1)[-1] in RESERVED_TLDS)


def is_placeholder_email(address: str) -> bool:
    """Whether `address` is at an RFC 2606 reserved domain (see `is_placeholder_domain`)."""
    return is_placeholder_domain(address.rpartition("@")[2])


def placeholder_warnings(config: StackConfig) -> list[str]:
    """A warning per key that still holds an example value, naming the key and what to put
    there: `hosted_zone_id` (Z and zeros), `app.domain`, `eks.public_access_cidrs` (RFC 5737
    documentation ranges, where the public endpoint uses them) and `budget.alert_emails`
    (RFC 2606 reserved names)."""
    aws = _aws(config)
    found = []
    zone = aws.hosted_zone_id
    if zone is not None and PLACEHOLDER_ZONE_ID.fullmatch(zone):
        found.append(problem("hosted_zone_id", f"{zone} is a placeholder (Z followed by zeros); "
                             "replace it with the id of the Route 53 public hosted zone that "
                             "holds app.domain (aws route53 list-hosted-zones-by-name)"))
    domain = config.app.domain
    if domain is not None and is_placeholder_domain(domain):
        found.append(problem("app.domain", f"{domain} is a reserved example name (RFC 2606); "
                             "replace it with the DNS name the app will serve, inside the "
                             "hosted zone of hosted_zone_id"))
    cidrs = [c for c in aws.eks.public_access_cidrs if is_documentation_cidr(c)]
    if aws.platform is Platform.EKS and aws.eks.endpoint_public_access and cidrs:
        what = "is a documentation range" if len(cidrs) == 1 else "are documentation ranges"
        found.append(problem("eks.public_access_cidrs", f"{', '.join(cidrs)} {what} "
                             "(RFC 5737) that no deployer sends from; replace with the public "
                             "egress CIDRs of the machine that runs pulumi up (CI runner, "
                             "bastion, office), or the Kubernetes resources time out"))
    emails = [e for e in config.budget.alert_emails if is_placeholder_email(e)]
    if emails:
        found.append(problem("budget.alert_emails", f"{', '.join(emails)} "
                             f"{'is' if len(emails) == 1 else 'are'} at a reserved example "
                             "domain (RFC 2606); replace with the mailboxes that must receive "
                             "the budget alerts"))
    return found


def sizing_warnings(config: StackConfig) -> list[str]:
    """A warning per EKS node type outside the sizing table, whose capacity for the services
    at their autoscaling maximum was therefore not checked."""
    aws = _aws(config)
    if aws.platform is not Platform.EKS:
        return []
    unknown = [t for t in aws.eks.node_instance_types if t not in INSTANCE_SHAPES]
    if not unknown:
        return []
    return [problem("eks.node_instance_types",
                    f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not in "
                    "forge-infra's node sizing table (forge_components.aws.node_sizing), so "
                    "whether eks.node_max nodes hold the services at their autoscaling maximum "
                    f"was not checked; checked types: {', '.join(INSTANCE_SHAPES)}")]
