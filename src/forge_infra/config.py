"""The typed settings of one stack: the only place forge-infra reads configuration.

A stack's settings live in `Pulumi.<stack>.yaml` under the project's namespace
(`forge-infra:network`, `forge-infra:database`, ...) plus the provider's own keys (`aws:region`).
The same `StackConfig` model validates them in both paths:

* a real run (`pulumi preview` / `pulumi up`): `load_from_pulumi()` reads the engine's config,
  which the Pulumi CLI has already decrypted;
* offline (`forge-infra plan`, tests): `load_stack_file()` reads the YAML file itself; values
  set with `pulumi config set --secret` stay encrypted (`secure:` entries) and are replaced by
  placeholders that are only ever handled as secrets.

Every problem of a file is reported at once, as one `ConfigError` whose lines name the stack
file, the key path (`forge-infra:database.instance_class`), the bad value and what is allowed.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)

from forge_components.subnets import VPC_PREFIX_RANGE, SubnetLayoutError, plan_subnets

NAMESPACE = "forge-infra"
ENVIRONMENTS = ("dev", "staging", "prod")
SERVICE_NAMES = ("gateway", "api", "worker", "ui")
#: Config namespaces a stack file may use besides the project's own (provider settings).
PROVIDER_NAMESPACES = frozenset({"aws", "gcp", "azure-native", "kubernetes", "random", "pulumi"})
#: The AWS provider's own settings a stack may set under `aws:` (besides `aws:region`). The
#: program's explicit provider does not read the stack's `aws:` config by itself, as the
#: default provider would, so the program hands these on (tests/test_config.py keeps this list
#: equal to the installed pulumi-aws Provider's arguments).
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
#: Model fields filled from elsewhere (the stack name, the `aws:` namespace), not settable
#: under `forge-infra:`.
INTERNAL_FIELDS = frozenset({"stack", "aws_provider"})
#: Characters an ECS load balancer or target group name may use before Pulumi's 8-character
#: random suffix (AWS allows 32).
ECS_NAME_BUDGET = 24
#: Valid Fargate (cpu units -> memory MiB) combinations.
FARGATE_SIZES: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4097, 1024)),
    1024: tuple(range(2048, 8193, 1024)),
    2048: tuple(range(4096, 16385, 1024)),
    4096: tuple(range(8192, 30721, 1024)),
    8192: tuple(range(16384, 61441, 4096)),
    16384: tuple(range(32768, 122881, 8192)),
}


class ConfigError(Exception):
    """Everything wrong with one stack's settings, one problem per line."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        noun = "problem" if len(problems) == 1 else "problems"
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source}: {len(problems)} configuration {noun}:\n{lines}")


# -- building blocks ------------------------------------------------------------------------


class _Strict(BaseModel):
    """A settings block: unknown keys are errors, values are checked strictly."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False,
                              populate_by_name=True)


class Cloud(StrEnum):
    """Which cloud a stack deploys to."""

    AWS = "aws"
    GCP = "gcp"
    AZURE = "azure"


class Platform(StrEnum):
    """Where the services run on AWS."""

    EKS = "eks"
    ECS = "ecs"


PositiveInt = Annotated[int, Field(gt=0)]
Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{1,18}[a-z0-9]$")]


class AppSettings(_Strict):
    """The application's name and public domain."""

    name: Slug = "forge"
    """Short lower-case name used in every resource name and the `app` tag."""
    domain: str | None = None
    """The public host name of the app (e.g. `forge.example.com`); None when no domain is owned."""
    hosted_zone_id: str | None = Field(default=None, pattern=r"^Z[A-Z0-9]{1,32}$")
    """The Route 53 hosted zone that holds `domain` (needed for certificates and aliases)."""

    @field_validator("domain")
    @classmethod
    def _domain_shape(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(
                r"(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}", value):
            raise ValueError("must be a lower-case DNS name such as forge.example.com")
        return value


class NatGateways(StrEnum):
    """How private subnets reach the internet."""

    NONE = "none"
    SINGLE = "single"
    PER_AZ = "per_az"


class SubnetPrefixes(_Strict):
    """Subnet sizes as prefix lengths; unset tiers take the default share of the VPC."""

    public: int | None = Field(default=None, ge=16, le=28)
    private: int | None = Field(default=None, ge=16, le=28)
    database: int | None = Field(default=None, ge=16, le=28)

    def as_dict(self) -> dict[str, int]:
        """The prefixes that are set, by tier."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


class NetworkSettings(_Strict):
    """The VPC and its subnets."""

    cidr: str = "10.0.0.0/16"
    """The VPC's IPv4 CIDR, /16 to /22 (every tier keeps room for six AZs)."""
    az_count: int = Field(default=3, ge=2, le=6)
    """How many availability zones to spread subnets over (2..6)."""
    azs: tuple[str, ...] | None = None
    """Pinned AZ names; looked up from the region when unset."""
    nat_gateways: NatGateways = NatGateways.SINGLE
    """`none`, `single` (one shared NAT, cheaper) or `per_az` (one per AZ, no cross-AZ SPOF)."""
    flow_logs_retention_days: Literal[
        1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
        2922, 3288, 3653] = 30
    """CloudWatch retention of the VPC flow logs (one of CloudWatch's allowed values)."""
    subnet_prefixes: SubnetPrefixes = SubnetPrefixes()
    """Optional subnet sizes per tier."""

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
        if not network.is_private:
            raise ValueError("must be a private (RFC 1918) range")
        return value


class DatabaseEngine(StrEnum):
    """Managed RDS PostgreSQL, or self-managed TimescaleDB on EC2."""

    RDS_POSTGRES = "rds-postgres"
    TIMESCALEDB_EC2 = "timescaledb-ec2"


class DatabaseSettings(_Strict):
    """PostgreSQL: managed RDS, or TimescaleDB on EC2 for hypertables."""

    engine: DatabaseEngine = DatabaseEngine.RDS_POSTGRES
    version: int = Field(default=16, ge=15, le=17)
    """PostgreSQL major version (15..17); minor versions follow the provider's auto-upgrades."""
    timescaledb: bool = False
    """The app needs TimescaleDB hypertables: requires `engine: timescaledb-ec2`."""
    instance_class: str = Field(default="db.t4g.medium", pattern=r"^db\.[a-z0-9]+\.[a-z0-9]+$")
    """RDS instance class (rds-postgres only)."""
    allocated_storage_gb: int = Field(default=50, ge=20, le=65536)
    max_allocated_storage_gb: int = Field(default=200, ge=20, le=65536)
    """Upper bound of RDS storage autoscaling."""
    instance_type: str = Field(default="t3.large", pattern=r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")
    """EC2 instance type (timescaledb-ec2 only)."""
    data_volume_gb: int = Field(default=100, ge=10, le=16384)
    """Size of the encrypted gp3 data volume (timescaledb-ec2 only)."""
    multi_az: bool = False
    """A synchronous standby (RDS Multi-AZ) or a streaming replica in another AZ (EC2)."""
    read_replicas: int = Field(default=0, ge=0, le=5)
    """RDS read replicas (rds-postgres only)."""
    backup_retention_days: int = Field(default=7, ge=0, le=35)
    deletion_protection: bool = False
    performance_insights: bool = True
    name: str = Field(default="forge", pattern=r"^[a-z][a-z0-9_]{0,62}$")
    """The application database's name."""
    username: str = Field(default="forge_admin", pattern=r"^[a-z][a-z0-9_]{0,15}$")
    """The master user name (its password is generated, never configured)."""


class CacheSettings(_Strict):
    """ElastiCache (Redis or Valkey)."""

    engine: Literal["redis", "valkey"] = "redis"
    version: str | None = Field(default=None, pattern=r"^\d+\.\d+$")
    """Engine version; the component's per-engine default when unset."""
    node_type: str = Field(default="cache.t4g.small", pattern=r"^cache\.[a-z0-9]+\.[a-z0-9]+$")
    nodes: int = Field(default=1, ge=1, le=6)
    """Primary plus replicas; more than one turns on automatic failover and Multi-AZ."""
    snapshot_retention_days: int = Field(default=7, ge=0, le=35)


class StreamingEngine(StrEnum):
    """Managed Kafka (MSK), Redpanda on EC2, or no broker."""

    MSK = "msk"
    REDPANDA = "redpanda"
    NONE = "none"


class StreamingSettings(_Strict):
    """The Kafka-compatible event stream."""

    engine: StreamingEngine = StreamingEngine.MSK
    brokers: int = Field(default=3, ge=1, le=30)
    instance_type: str | None = None
    """Broker size (`kafka.t3.small` for MSK, `t3.medium` for Redpanda when unset)."""
    kafka_version: str = Field(default="3.8.x", pattern=r"^\d+\.\d+\.(\d+|x)(\.[a-z0-9]+)?$")
    """MSK Kafka version (`3.8.x` follows MSK's patch releases)."""
    ebs_volume_gb: int = Field(default=100, ge=1, le=16384)


class StorageSettings(_Strict):
    """The reports, exports and backups buckets."""

    glacier_transition_days: int = Field(default=90, ge=1, le=3650)
    noncurrent_version_expiration_days: int = Field(default=90, ge=1, le=3650)
    force_destroy: bool = False
    """Let `pulumi destroy` delete non-empty buckets (never in prod)."""


class CdnSettings(_Strict):
    """CloudFront in front of the UI's assets and the API."""

    enabled: bool = False
    price_class: Literal["PriceClass_100", "PriceClass_200", "PriceClass_All"] = "PriceClass_100"
    aliases: tuple[str, ...] = ()


class ImageSettings(_Strict):
    """A container image."""

    repository: str = Field(pattern=r"^[a-z0-9][a-z0-9._/:-]*[a-z0-9]$")
    tag: str = Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.@:-]{0,127}$")


class AutoscalingSettings(_Strict):
    """Horizontal autoscaling on CPU."""

    min: int = Field(default=2, ge=1, le=100)
    max: int = Field(default=10, ge=1, le=100)
    target_cpu: int = Field(default=70, ge=10, le=95)


SECRET_REF = re.compile(
    r"^(database(:(username|password))?|cache|app:[a-z][a-z0-9_]*|"
    r"arn:aws:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@!-]+(#[A-Za-z0-9_.-]+)?)$")
ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")


class ServiceSettings(_Strict):
    """One service: image, size, replicas, autoscaling, health check, environment, secrets."""

    image: ImageSettings
    port: int | None = Field(default=None, ge=1, le=65535)
    cpu: int = 256
    """CPU in ECS units (1024 = 1 vCPU); on EKS the request is derived from it."""
    memory: int = Field(default=512, ge=128, le=122880)
    """Memory in MiB."""
    replicas: int = Field(default=1, ge=0, le=100)
    autoscaling: AutoscalingSettings | None = None
    health_path: str | None = Field(default=None, pattern=r"^/[A-Za-z0-9._~/-]*$")
    env: dict[str, str] = {}
    """Plain environment variables (never secrets: use `secrets`)."""
    secrets: dict[str, str] = {}
    """Environment variable -> secret reference: `database[:password|:username]`, `cache`,
    `app:<name>` (an entry of `forge-infra:secrets`) or a Secrets Manager ARN (`#key` for a
    JSON field)."""

    @field_validator("env", "secrets")
    @classmethod
    def _env_names(cls, value: dict[str, str]) -> dict[str, str]:
        bad = [k for k in value if not ENV_NAME.fullmatch(k)]
        if bad:
            raise ValueError(f"environment variable names must match [A-Z_][A-Z0-9_]*: {bad}")
        return value

    @field_validator("secrets")
    @classmethod
    def _secret_refs(cls, value: dict[str, str]) -> dict[str, str]:
        bad = {k: v for k, v in value.items() if not SECRET_REF.fullmatch(v)}
        if bad:
            raise ValueError(
                f"unknown secret reference {bad}; allowed: database, database:password, "
                "database:username, cache, app:<name>, or a Secrets Manager ARN (optionally "
                "#json_key)")
        return value


SERVICE_DEFAULTS: dict[str, dict[str, Any]] = {
    "gateway": {"port": 8080, "health_path": "/health"},
    "api": {"port": 8000, "health_path": "/health"},
    "worker": {"port": None, "health_path": None},
    "ui": {"port": 3000, "health_path": "/"},
}


class ServicesSettings(_Strict):
    """The four services of the platform."""

    gateway: ServiceSettings
    api: ServiceSettings
    worker: ServiceSettings
    ui: ServiceSettings

    def items(self) -> list[tuple[str, ServiceSettings]]:
        """(name, settings) of the four services, in a fixed order."""
        return [(n, getattr(self, n)) for n in SERVICE_NAMES]


class EksSettings(_Strict):
    """The EKS cluster (platform: eks)."""

    version: str = Field(default="1.31", pattern=r"^1\.(2[89]|3[0-9])$")
    node_instance_types: tuple[str, ...] = ("t3.large",)
    node_min: int = Field(default=2, ge=1, le=100)
    node_max: int = Field(default=6, ge=1, le=100)
    node_desired: int = Field(default=3, ge=1, le=100)
    node_disk_gb: int = Field(default=50, ge=20, le=16384)
    endpoint_public_access: bool = False
    """Expose the API server publicly (to `public_access_cidrs` only)."""
    public_access_cidrs: tuple[str, ...] = ()
    admin_role_arns: tuple[str, ...] = ()
    """IAM roles granted cluster-admin through EKS access entries."""
    ingress_class: str = Field(default="nginx", pattern=r"^[a-z0-9][a-z0-9.-]*$")
    """The IngressClass of the cluster's ingress controller."""
    cluster_issuer: str | None = Field(default="letsencrypt", pattern=r"^[a-z0-9][a-z0-9.-]*$")
    """The cert-manager ClusterIssuer that issues the Ingress certificates: `letsencrypt` is
    created by forge-infra (needs `acme_email`); another name must already exist; None means
    you provide the TLS secrets."""
    acme_email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")
    """The Let's Encrypt account e-mail (expiry notices) for the `letsencrypt` issuer."""


class BudgetSettings(_Strict):
    """A monthly cost budget with e-mail alerts."""

    monthly_limit_usd: float = Field(default=500.0, gt=0, le=1_000_000)
    alert_emails: tuple[str, ...] = ()
    alert_thresholds_percent: tuple[int, ...] = (80, 100)


class StackConfig(_Strict):
    """Everything one stack can set; see docs/CONFIGURATION.md for each key."""

    stack: str
    environment: Literal["dev", "staging", "prod"]
    cloud: Cloud = Cloud.AWS
    platform: Platform = Platform.EKS
    region: str = Field(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
    app: AppSettings = AppSettings()
    network: NetworkSettings = NetworkSettings()
    database: DatabaseSettings = DatabaseSettings()
    cache: CacheSettings = CacheSettings()
    streaming: StreamingSettings = StreamingSettings()
    storage: StorageSettings = StorageSettings()
    cdn: CdnSettings = CdnSettings()
    services: ServicesSettings
    eks: EksSettings = EksSettings()
    budget: BudgetSettings = BudgetSettings()
    protect: bool = False
    """Pulumi `protect` on stateful resources (required in prod)."""
    tags: dict[str, str] = {}
    """Extra tags on every resource."""
    aws_provider: dict[str, Any] = {}
    """The stack's other `aws:` settings (profile, assumeRoles, allowedAccountIds, ...), as
    written in the stack file; the program passes them to its AWS providers."""
    secrets: dict[str, SecretStr] = {}
    """Application secrets (`pulumi config set --secret --path forge-infra:secrets.NAME`),
    stored in Secrets Manager and referenced by services as `app:NAME`."""

    @property
    def is_prod(self) -> bool:
        """Whether this stack is the production environment."""
        return self.environment == "prod"


# -- where a key lives in the stack file ----------------------------------------------------


def key_path(loc: Iterable[Any]) -> str:
    """The config key path of a model location.

    ('database', 'version') -> forge-infra:database.version; ('region',) -> aws:region.
    """
    parts = [str(p) for p in loc]
    if not parts:
        return f"{NAMESPACE}:"
    if parts[0] == "region":
        return "aws:region"
    return f"{NAMESPACE}:{'.'.join(parts)}"


def _describe(value: Any) -> str:
    if isinstance(value, SecretStr | EncryptedValue):
        return "[secret]"
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _allowed_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The field names of the model at `loc` (for 'unknown key' messages)."""
    current: Any = model
    for part in loc:
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            break
        annotation = fields[part].annotation
        current = next((a for a in getattr(annotation, "__args__", (annotation,))
                        if isinstance(a, type) and issubclass(a, BaseModel)), annotation)
    fields = getattr(current, "model_fields", {})
    return sorted(f for f in fields if f not in INTERNAL_FIELDS)


def _problems_from(error: ValidationError) -> list[str]:
    problems = []
    for item in error.errors():
        loc = tuple(item["loc"])
        kind = item["type"]
        if kind == "extra_forbidden":
            problems.append(f"{key_path(loc)}: unknown key; allowed here: "
                            f"{', '.join(_allowed_keys(StackConfig, loc[:-1]))}")
        elif kind == "missing":
            problems.append(f"{key_path(loc)}: required, but not set")
        else:
            message = item["msg"].removeprefix("Value error, ")
            problems.append(f"{key_path(loc)}: got {_describe(item.get('input'))}; {message}")
    return problems


# -- rules across keys ----------------------------------------------------------------------


def cross_field_problems(config: StackConfig) -> list[str]:
    """Rules that involve more than one key; each problem names the key to change."""
    problems: list[str] = []

    def add(path: str, message: str) -> None:
        problems.append(f"{NAMESPACE}:{path}: {message}")

    if config.cloud is not Cloud.AWS:
        add("cloud", f"got {config.cloud.value!r}; only 'aws' is implemented in this release "
                     "(gcp and azure are planned)")
    net = config.network
    try:
        plan_subnets(net.cidr, net.az_count, net.subnet_prefixes.as_dict())
    except (SubnetLayoutError, ValueError) as exc:
        add("network.cidr", f"the subnets for {net.az_count} AZs do not fit: {exc}")
    if net.azs is not None and len(net.azs) != net.az_count:
        add("network.azs", f"lists {len(net.azs)} zones but network.az_count is {net.az_count}")
    if net.azs is not None and any(not az.startswith(config.region) for az in net.azs):
        add("network.azs", f"every zone must be in the region {config.region}: {list(net.azs)}")

    db = config.database
    if db.timescaledb and db.engine is DatabaseEngine.RDS_POSTGRES:
        add("database.timescaledb",
            "Amazon RDS does not offer the timescaledb extension, so this would fail at apply "
            "time; set database.engine: timescaledb-ec2 (self-managed TimescaleDB on EC2) or "
            "drop timescaledb and use pg_partman for time partitioning")
    if db.max_allocated_storage_gb < db.allocated_storage_gb:
        add("database.max_allocated_storage_gb",
            f"{db.max_allocated_storage_gb} is below database.allocated_storage_gb "
            f"({db.allocated_storage_gb})")
    if db.engine is DatabaseEngine.TIMESCALEDB_EC2 and db.read_replicas:
        add("database.read_replicas", "read replicas are an rds-postgres feature; with "
                                      "timescaledb-ec2 use multi_az for a streaming replica")

    stream = config.streaming
    if stream.engine is StreamingEngine.MSK:
        msk_subnets = min(net.az_count, 3)
        if stream.brokers % msk_subnets:
            add("streaming.brokers", f"MSK needs a multiple of its {msk_subnets} client "
                                     f"subnets (one per AZ); got {stream.brokers}")
        if stream.instance_type and not stream.instance_type.startswith("kafka."):
            add("streaming.instance_type", f"MSK broker types start with 'kafka.'; got "
                                           f"{stream.instance_type!r}")
    if stream.engine is StreamingEngine.REDPANDA:
        if stream.brokers != 1 and stream.brokers % 2 == 0:
            add("streaming.brokers", f"Redpanda needs an odd broker count for a Raft majority; "
                                     f"got {stream.brokers}")
        if stream.instance_type and stream.instance_type.startswith("kafka."):
            add("streaming.instance_type", "Redpanda runs on EC2 types such as t3.medium")

    for name, svc in config.services.items():
        path = f"services.{name}"
        scaling = svc.autoscaling
        if scaling is not None:
            if scaling.min > scaling.max:
                add(f"{path}.autoscaling.min", f"{scaling.min} exceeds autoscaling.max "
                                               f"{scaling.max}")
            if not scaling.min <= svc.replicas <= scaling.max:
                add(f"{path}.replicas", f"{svc.replicas} is outside autoscaling "
                                        f"{scaling.min}..{scaling.max}")
        if name == "worker" and svc.port is not None:
            add(f"{path}.port", "the worker serves no traffic; remove the port")
        if name != "worker" and svc.port is None:
            add(f"{path}.port", "required for a service that serves traffic")
        if config.platform is Platform.ECS:
            allowed = FARGATE_SIZES.get(svc.cpu)
            if allowed is None:
                add(f"{path}.cpu", f"got {svc.cpu}; Fargate allows "
                                   f"{', '.join(map(str, FARGATE_SIZES))}")
            elif svc.memory not in allowed:
                add(f"{path}.memory", f"got {svc.memory}; with cpu {svc.cpu} Fargate allows "
                                      f"{allowed[0]}..{allowed[-1]} in steps of "
                                      f"{allowed[1] - allowed[0] if len(allowed) > 1 else 0}")
        elif svc.cpu < 10 or svc.cpu > 65536:
            add(f"{path}.cpu", f"got {svc.cpu}; allowed 10..65536 CPU units (1024 = 1 vCPU)")
        for env_name, ref in svc.secrets.items():
            if ref.startswith("app:") and ref[4:] not in config.secrets:
                add(f"{path}.secrets.{env_name}",
                    f"references app secret {ref[4:]!r}, which forge-infra:secrets does not "
                    f"set (set it with: pulumi config set --secret --path "
                    f"'forge-infra:secrets.{ref[4:]}' VALUE)")
        overlap = set(svc.env) & set(svc.secrets)
        if overlap:
            add(f"{path}.env", f"{sorted(overlap)} also set in secrets; keep each variable in "
                               "one place")

    if config.platform is Platform.ECS:
        longest = max(len(n) for n in SERVICE_NAMES)
        if len(config.app.name) + len(config.stack) + longest + 2 > ECS_NAME_BUDGET:
            add("app.name", f"{config.app.name!r} with stack {config.stack!r} is too long for ECS: "
                            f"load balancer and target group names ('<app>-<stack>-<service>') "
                            f"must stay within {ECS_NAME_BUDGET} characters; shorten app.name to "
                            f"{ECS_NAME_BUDGET - len(config.stack) - longest - 2} characters")
    if config.platform is Platform.ECS and not (config.app.domain and config.app.hosted_zone_id):
        add("app.domain", "platform ecs serves HTTPS on the load balancer: set app.domain and "
                          "app.hosted_zone_id (the certificate is validated through Route 53)")
    if config.cdn.enabled and not (config.app.domain and config.app.hosted_zone_id):
        add("cdn.enabled", "the CDN needs app.domain and app.hosted_zone_id for its certificate "
                           "and alias records")
    eks = config.eks
    if not eks.node_min <= eks.node_desired <= eks.node_max:
        add("eks.node_desired", f"{eks.node_desired} must lie within node_min {eks.node_min} "
                                f"and node_max {eks.node_max}")
    if (config.platform is Platform.EKS and eks.cluster_issuer == "letsencrypt"
            and not eks.acme_email):
        add("eks.acme_email", "the letsencrypt ClusterIssuer needs an ACME account e-mail; set "
                              "eks.acme_email, or eks.cluster_issuer to an existing issuer "
                              "(null: bring your own TLS secrets)")
    if eks.endpoint_public_access and not eks.public_access_cidrs:
        add("eks.public_access_cidrs", "a public API endpoint needs the CIDRs allowed to reach "
                                       "it (0.0.0.0/0 is not accepted)")
    for cidr in eks.public_access_cidrs:
        try:
            network = ipaddress.ip_network(cidr, strict=True)
        except ValueError:
            add("eks.public_access_cidrs", f"{cidr!r} is not a valid CIDR")
            continue
        if network.prefixlen == 0:
            add("eks.public_access_cidrs", "0.0.0.0/0 opens the Kubernetes API to the internet")

    if config.is_prod:
        if not db.multi_az:
            add("database.multi_az", "prod requires a Multi-AZ database (set true)")
        if db.backup_retention_days < 7:
            add("database.backup_retention_days",
                f"prod requires at least 7 days of backups; got {db.backup_retention_days}")
        if not db.deletion_protection:
            add("database.deletion_protection", "prod requires deletion protection (set true)")
        if not config.protect:
            add("protect", "prod requires Pulumi protect on stateful resources (set true)")
        if config.storage.force_destroy:
            add("storage.force_destroy", "prod buckets must never be force-destroyed")
        for name, svc in config.services.items():
            floor = svc.autoscaling.min if svc.autoscaling else svc.replicas
            if svc.replicas < 2 or floor < 2:
                add(f"services.{name}.replicas",
                    f"prod requires at least 2 replicas (and autoscaling.min >= 2); got "
                    f"replicas {svc.replicas}, minimum {floor}")
    return problems


# -- loading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class EncryptedValue:
    """A `secure:` value from a stack file that cannot be decrypted offline."""

    ciphertext: str

    def placeholder(self, key: str) -> str:
        """A stand-in the offline plan handles as a secret (it never leaves the process)."""
        return "offline-" + hashlib.sha256(f"{key}:{self.ciphertext}".encode()).hexdigest()[:24]


def _decode_secure(value: Any, path: str) -> Any:
    """Replace every `{secure: ...}` mapping by a placeholder secret string."""
    if isinstance(value, Mapping):
        if set(value) == {"secure"}:
            return EncryptedValue(str(value["secure"])).placeholder(path)
        return {k: _decode_secure(v, f"{path}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [_decode_secure(v, f"{path}[{i}]") for i, v in enumerate(value)]
    return value


def _secret_paths(value: Any, path: str) -> list[str]:
    """The key paths of `secure:` entries (they may only appear under forge-infra:secrets)."""
    if isinstance(value, Mapping):
        if set(value) == {"secure"}:
            return [path]
        return [p for k, v in value.items() for p in _secret_paths(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _secret_paths(v, f"{path}[{i}]")]
    return []


def config_from_mapping(values: Mapping[str, Any], *, stack: str, source: str,
                        secret_keys: Iterable[str] = ()) -> StackConfig:
    """Validate a stack's `config:` mapping (namespaced keys) into a `StackConfig`.

    `secret_keys` lists keys the engine reported as secret (real runs): they may only be
    `forge-infra:secrets`. Raises `ConfigError` listing every problem.
    """
    problems: list[str] = []
    raw: dict[str, Any] = {"stack": stack}
    for full_key, value in values.items():
        namespace, sep, key = str(full_key).partition(":")
        if not sep or not key:
            problems.append(f"{full_key}: config keys are namespaced; use {NAMESPACE}:{full_key}")
            continue
        if namespace == NAMESPACE:
            if "." in key or key in INTERNAL_FIELDS:
                problems.append(f"{full_key}: unknown key; allowed: "
                                f"{', '.join(_allowed_keys(StackConfig, ()))}")
                continue
            secure_paths = [p for p in _secret_paths(value, full_key)
                            if not p.startswith(f"{NAMESPACE}:secrets")]
            if secure_paths or (full_key in secret_keys and key != "secrets"):
                for p in secure_paths or [full_key]:
                    problems.append(f"{p}: is a secret value, but only {NAMESPACE}:secrets holds "
                                    "secrets (reference them from services as app:NAME)")
                continue
            raw[key] = _decode_secure(value, full_key)
        elif namespace == "aws" and key == "region":
            raw["region"] = value
        elif namespace == "aws" and key == "defaultTags":
            problems.append(f"{full_key}: forge-infra sets the provider's default tags itself "
                            f"(app, environment, managed-by); put extra tags in "
                            f"{NAMESPACE}:tags")
        elif namespace == "aws":
            if key not in AWS_PROVIDER_SETTINGS:
                problems.append(f"{full_key}: not an AWS provider setting; allowed: region, "
                                f"{', '.join(sorted(AWS_PROVIDER_SETTINGS))}")
                continue
            raw.setdefault("aws_provider", {})[key] = _decode_secure(value, full_key)
        elif namespace not in PROVIDER_NAMESPACES:
            problems.append(f"{full_key}: unknown namespace {namespace!r}; use {NAMESPACE}: for "
                            f"this project's settings or a provider's namespace "
                            f"({', '.join(sorted(PROVIDER_NAMESPACES))})")
    if "environment" not in raw and stack in ENVIRONMENTS:
        raw["environment"] = stack
    if raw.get("cloud", "aws") == "aws" and "region" not in raw:
        problems.append("aws:region: required, but not set (pulumi config set aws:region "
                        "us-east-1)")
        raw["region"] = "us-east-1"  # keep validating the rest
    raw["services"] = _with_service_defaults(raw.get("services"))
    try:
        config = StackConfig.model_validate(raw)
    except ValidationError as exc:
        problems.extend(_problems_from(exc))
        raise ConfigError(source, problems) from None
    problems.extend(cross_field_problems(config))
    if problems:
        raise ConfigError(source, problems)
    return config


def _with_service_defaults(services: Any) -> Any:
    """Fill each service's port and health path defaults (gateway 8080, api 8000, ui 3000)."""
    if not isinstance(services, Mapping):
        return services
    filled = dict(services)
    for name, defaults in SERVICE_DEFAULTS.items():
        block = filled.get(name)
        if isinstance(block, Mapping):
            filled[name] = {**defaults, **block}
    return filled


def stack_file(project_dir: Path, stack: str) -> Path:
    """The path of `Pulumi.<stack>.yaml` in a project directory."""
    return project_dir / f"Pulumi.{stack}.yaml"


def load_stack_file(stack: str, project_dir: Path | str = ".") -> StackConfig:
    """Load and validate `Pulumi.<stack>.yaml` straight from disk (offline path)."""
    path = stack_file(Path(project_dir), stack)
    source = path.name
    if not path.is_file():
        raise ConfigError(source, [f"no such stack file: {path}"])
    try:
        document = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(source, [f"not valid YAML: {exc}"]) from None
    if not isinstance(document, Mapping):
        raise ConfigError(source, ["the file must be a mapping with a 'config:' key"])
    unknown_top = sorted(set(document) - {"config", "secretsprovider", "encryptedkey",
                                          "encryptionsalt", "environment"})
    if unknown_top:
        raise ConfigError(source, [f"{k}: not a stack file setting" for k in unknown_top])
    values = document.get("config") or {}
    if not isinstance(values, Mapping):
        raise ConfigError(source, ["config: must be a mapping of namespaced keys"])
    return config_from_mapping(values, stack=stack, source=source)


def load_from_pulumi() -> StackConfig:
    """Load and validate the running stack's config from the Pulumi engine (real runs)."""
    import pulumi
    from pulumi.runtime import config as runtime_config

    stack = pulumi.get_stack()
    # The language host hands config over in PULUMI_CONFIG, or sets it in-process
    # (set_all_config, as the Automation API does); read both, in-process winning, like
    # pulumi.Config. Structured values arrive as JSON text.
    raw = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    values: dict[str, Any] = {}
    for full_key, text in raw.items():
        try:
            values[full_key] = json.loads(text) if isinstance(text, str) else text
        except json.JSONDecodeError:
            values[full_key] = text
    secret_keys = (set(runtime_config.get_config_secret_keys_env())
                   | set(runtime_config._SECRET_KEYS.get()))
    return config_from_mapping(values, stack=stack, source=f"Pulumi.{stack}.yaml",
                               secret_keys=secret_keys)
