"""The `cloud: gcp` branch of the stack configuration: `GcpSettings`.

Its sections are flat `forge-infra:` keys of a GCP stack file (`forge-infra:network`,
`forge-infra:database`, ..., `forge-infra:billing`, `forge-infra:dns_zone`) plus the provider's
own namespace (`gcp:project`, `gcp:region`). Enums and limits come from
`forge_components.gcp.limits`, the module the components check their args against, so a value
accepted here never fails inside a component. Imports no cloud SDK.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, ClassVar, Literal, cast

from pydantic import AfterValidator, Field, field_validator
from pydantic.config import JsonDict

from forge_components.common import standard_tag_keys
from forge_components.gcp.limits import (
    AUTONAME_SUFFIX,
    BACKUP_RETENTION_COUNT,
    BILLING_ACCOUNT_ID,
    BUDGET_MAX_NOTIFICATION_CHANNELS,
    CLOUD_RUN_CPU_MEMORY_MIB,
    CLOUD_RUN_REGIONS,
    CLOUD_RUN_TARGET_CPU_PERCENT,
    DEFAULT_POSTGRES_MAJOR,
    DEFAULT_REDPANDA_VERSION,
    DNS_ZONE_NAME,
    EDITION_ENTERPRISE,
    FLOW_LOG_INTERVALS,
    MANAGED_KAFKA_GIB_PER_VCPU,
    MANAGED_KAFKA_MIN_VCPUS,
    PITR_LOG_RETENTION_DAYS,
    POSTGRES_MAJORS,
    PROJECT_ID,
    RDB_SNAPSHOT_PERIODS,
    REDIS_INSTANCE_ID_MAX,
    REDIS_MEMORY_GB,
    REDIS_VERSIONS,
    REDPANDA_DISK_TYPES,
    RESOURCE_NAME,
    SECRET_ID,
    SOFT_DELETE_DAYS,
    SSL_PROFILES,
    TIER_PATTERNS,
    TIMESCALEDB_REFUSAL,
    WAF_RULES,
    WAF_SENSITIVITY,
    RedpandaMode,
    StreamingEngine,
    cloud_run_size_problem,
)
from forge_infra.model.config import (
    NEUTRAL_SECRET_REF,
    CloudSettings,
    DrMode,
    Rule,
    StackConfig,
    Strict,
    describe,
    policy_rule,
    problem,
)

#: The `gcp:` provider settings a stack may set. Credentials are refused: CI and people
#: authenticate with Application Default Credentials (workload identity federation in CI,
#: `gcloud auth application-default login` at a desk), never a service account key.
GCP_PROVIDER_SETTINGS = frozenset({"project", "region"})
#: `gcp:` keys that would hand the provider a key or a token, and what to do instead.
GCP_CREDENTIAL_KEYS = {
    "credentials": "a service account key file or JSON",
    "accessToken": "an OAuth access token",
}
#: A Cloud KMS key's resource name, as CMEK settings take it. Source: pulumi_gcp 10.2
#: `storage.BucketEncryptionArgs.default_kms_key_name` and "Resource names" of Cloud KMS,
#: https://cloud.google.com/kms/docs/resource-hierarchy (checked 2026-12-02).
KMS_KEY_NAME = (r"^projects/[a-z][-a-z0-9]{4,28}[a-z0-9]/locations/[a-z0-9-]+/keyRings/"
                r"[A-Za-z0-9_-]{1,63}/cryptoKeys/[A-Za-z0-9_-]{1,63}$")
_KMS_HELP: JsonDict = {
    "pattern_help": "a Cloud KMS key: projects/<project>/locations/<region>/keyRings/<ring>/"
                    "cryptoKeys/<key>"}
#: forge-infra's own upper bounds on sizes (disks, Kafka capacity): sanity limits against a
#: typo, not provider limits; Google refuses what it cannot create at `pulumi preview`.
SIZE_SANITY_MAX_GB = 65536
#: The highest PostgreSQL major the stack accepts (limits.POSTGRES_MAJORS, regular support).
MAX_POSTGRES_MAJOR = max(POSTGRES_MAJORS)


def _private_cidr(value: str) -> str:
    try:
        network = ipaddress.IPv4Network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"not a valid IPv4 network CIDR ({exc})") from None
    if not network.is_private:
        raise ValueError("must be a private (RFC 1918) range, e.g. 10.10.0.0/20")
    return value


class GcpNetworkSettings(Strict):
    """The VPC's subnets, the Private Service Access range and VPC flow logs."""

    workloads_cidr: str = "10.10.0.0/20"
    """The `workloads` subnet (Cloud Run's Direct VPC egress takes one address per instance):
    size it for every service's maximum instances together."""
    instances_cidr: str = "10.10.16.0/24"
    """The `instances` subnet (Compute Engine VMs: the Redpanda brokers)."""
    private_service_access_cidr: str = "10.20.0.0/16"
    """The range Cloud SQL and Memorystore take their private IPs from (no overlap with the
    subnets)."""
    flow_logs_sampling: float = Field(default=0.5, gt=0, le=1)
    """The share of flows VPC flow logs report (above 0: flow logs stay on)."""
    flow_logs_interval: Literal[FLOW_LOG_INTERVALS] = "INTERVAL_5_SEC"  # type: ignore[valid-type]
    """The flow logs' aggregation interval."""

    @field_validator("workloads_cidr", "instances_cidr", "private_service_access_cidr")
    @classmethod
    def _cidr(cls, value: str) -> str:
        return _private_cidr(value)


class GcpDatabaseSettings(Strict):
    """Cloud SQL for PostgreSQL, private IP only."""

    version: int = Field(default=DEFAULT_POSTGRES_MAJOR, ge=min(POSTGRES_MAJORS),
                         le=MAX_POSTGRES_MAJOR)
    """PostgreSQL major version (one in Cloud SQL's regular support:
    forge_components.gcp.limits.POSTGRES_MAJORS)."""
    edition: Literal["ENTERPRISE", "ENTERPRISE_PLUS"] = "ENTERPRISE"
    """The Cloud SQL edition: ENTERPRISE (shared-core and custom tiers) or ENTERPRISE_PLUS
    (db-perf-optimized-N-* tiers)."""
    tier: str = "db-custom-2-7680"
    """The machine tier: `db-custom-<vCPUs>-<MiB>`, `db-f1-micro` or `db-g1-small` on
    ENTERPRISE; `db-perf-optimized-N-<n>` on ENTERPRISE_PLUS."""
    high_availability: bool = False
    """REGIONAL availability: a standby in a second zone with automatic failover (required
    in prod)."""
    disk_size_gb: int = Field(default=20, ge=10, le=SIZE_SANITY_MAX_GB)
    """Initial PD-SSD size, GB; it grows automatically up to `disk_autoresize_limit_gb`."""
    disk_autoresize_limit_gb: int = Field(default=200, ge=10, le=SIZE_SANITY_MAX_GB)
    """The ceiling of automatic storage growth, GB."""
    backup_retention_days: int = Field(default=7, ge=BACKUP_RETENTION_COUNT[0],
                                       le=BACKUP_RETENTION_COUNT[1])
    """Automated daily backups kept (prod: at least 7)."""
    point_in_time_recovery_days: int = Field(default=7, ge=1, le=35)
    """Days of transaction logs kept for point-in-time recovery: 1..7 on ENTERPRISE, 1..35 on
    ENTERPRISE_PLUS (prod: at least 7)."""
    deletion_protection: bool = False
    """Cloud SQL's deletion protection and the provider's (required in prod)."""
    timescaledb: bool = False
    """TimescaleDB hypertables: Cloud SQL does not offer the extension, so `true` is refused
    with the supported paths."""
    kms_key_name: str | None = Field(default=None, pattern=KMS_KEY_NAME,
                                     json_schema_extra=_KMS_HELP)
    """A Cloud KMS key (CMEK) in gcp:region for the instance's disk and backups; its service
    agent must be allowed to use it. Unset: Google-managed encryption."""
    flags: dict[str, str] = {}
    """Further Cloud SQL database flags (name -> value) besides the logging flags forge-infra
    sets."""
    name: str = Field(default="forge", pattern=r"^[a-z][a-z0-9_]{0,62}$")
    """The application database's name."""
    username: str = Field(default="forge_admin", pattern=r"^[a-z][a-z0-9_]{0,62}$")
    """The administrator's user name (its password is generated and kept in Secret Manager;
    it never reaches the services)."""
    app_username: str = Field(default="forge_app", pattern=r"^[a-z][a-z0-9_]{0,62}$")
    """The user the services (api, worker) log in as, with its own generated password
    (DATABASE_PASSWORD, from Secret Manager by reference)."""


class GcpCacheSettings(Strict):
    """Memorystore for Redis: private, TLS, AUTH."""

    memory_size_gb: int = Field(default=1, ge=REDIS_MEMORY_GB[0], le=REDIS_MEMORY_GB[1])
    """Redis memory, GiB."""
    high_availability: bool = False
    """STANDARD_HA: a replica in a second zone with automatic failover (required in prod)."""
    version: Literal[REDIS_VERSIONS] = REDIS_VERSIONS[0]  # type: ignore[valid-type]
    """The Redis version (Memorystore's name)."""
    rdb_snapshot_period: Literal[RDB_SNAPSHOT_PERIODS] | None = (  # type: ignore[valid-type]
        "TWELVE_HOURS")
    """RDB persistence snapshot period; null turns persistence off."""
    kms_key_name: str | None = Field(default=None, pattern=KMS_KEY_NAME,
                                     json_schema_extra=_KMS_HELP)
    """A Cloud KMS key (CMEK) in gcp:region for the data at rest; its service agent must be allowed
    to use it. Unset: Google-managed encryption."""


class GcpStreamingSettings(Strict):
    """The Kafka-compatible event stream."""

    engine: StreamingEngine = StreamingEngine.MANAGED_KAFKA
    """`managed-kafka` (Managed Service for Apache Kafka: TLS, each client logs in as its own
    service account), `redpanda` (Redpanda on Compute Engine, SASL/SCRAM) or `none`."""
    vcpu_count: int = Field(default=MANAGED_KAFKA_MIN_VCPUS, ge=MANAGED_KAFKA_MIN_VCPUS, le=1000)
    """managed-kafka: the cluster's vCPUs (3 or more)."""
    memory_gib: int = Field(default=3, ge=1, le=8000)
    """managed-kafka: the cluster's memory, GiB (1 to 8 per vCPU)."""
    brokers: int = Field(default=3, ge=1, le=15)
    """redpanda: the broker count (odd: Raft majorities; prod at least 3)."""
    machine_type: str = Field(default="e2-standard-2", pattern=r"^[a-z][a-z0-9]*-[a-z0-9-]+$")
    """redpanda: the brokers' Compute Engine machine type."""
    version: str = Field(default=DEFAULT_REDPANDA_VERSION, pattern=r"^\d+\.\d+\.\d+$")
    """redpanda: the Redpanda release (major.feature.patch)."""
    redpanda_mode: RedpandaMode | None = None
    """redpanda: `production` (the default) or `development` (fsync bypassed; refused in
    prod)."""
    data_disk_gb: int = Field(default=100, ge=10, le=SIZE_SANITY_MAX_GB)
    """redpanda: each broker's data disk, GB."""
    data_disk_type: Literal[REDPANDA_DISK_TYPES] = "pd-balanced"  # type: ignore[valid-type]
    """redpanda: the data disk type."""


class GcpStorageSettings(Strict):
    """The reports, exports and backups buckets."""

    nearline_after_days: int = Field(default=30, ge=30, le=3650)
    """Days before objects move to Nearline (at least Nearline's 30-day minimum)."""
    archive_after_days: int = Field(default=180, ge=60, le=3650)
    """Days before backups move to Archive (at least nearline_after_days + 30)."""
    noncurrent_version_expiration_days: int = Field(default=90, ge=1, le=3650)
    """Days after which superseded object versions are deleted."""
    soft_delete_days: int = Field(default=7, ge=SOFT_DELETE_DAYS[0], le=SOFT_DELETE_DAYS[1])
    """Days deleted objects stay recoverable (soft delete)."""
    versioning: bool = True
    """Object versioning (required in prod)."""
    kms_key_name: str | None = Field(default=None, pattern=KMS_KEY_NAME,
                                     json_schema_extra=_KMS_HELP)
    """A Cloud KMS key (CMEK) in gcp:region for every bucket (the project's Cloud Storage
    service agent is granted encrypt/decrypt on it). Unset: Google-managed encryption."""
    force_destroy: bool = False
    """Let `pulumi destroy` delete non-empty buckets (dev only; prod buckets are protected)."""


class GcpCdnSettings(Strict):
    """The global external Application Load Balancer in front of gateway and ui: Cloud CDN on
    the ui, a Google-managed certificate, Cloud Armor."""

    aliases: tuple[str, ...] = ()
    """Further host names the load balancer serves (on its certificate)."""
    ssl_profile: Literal[SSL_PROFILES] = "MODERN"  # type: ignore[valid-type]
    """The SSL policy's profile (minimum TLS 1.2 either way)."""
    cloud_armor: bool = False
    """A Cloud Armor policy (WAF rule sets, a per-IP throttle) on every backend (required in
    prod)."""
    waf_rules: tuple[Literal[WAF_RULES], ...] = (  # type: ignore[valid-type]
        "sqli-v33-stable", "xss-v33-stable", "lfi-v33-stable", "rfi-v33-stable",
        "rce-v33-stable", "scannerdetection-v33-stable", "protocolattack-v33-stable",
        "sessionfixation-v33-stable")
    """Cloud Armor's preconfigured WAF rule sets (OWASP CRS 3.3) answered with 403."""
    waf_sensitivity: int = Field(default=1, ge=WAF_SENSITIVITY[0], le=WAF_SENSITIVITY[1])
    """The WAF rules' sensitivity (1: fewest false positives)."""
    rate_limit_per_minute: int = Field(default=600, ge=1, le=1_000_000)
    """Requests one client IP may send a minute before Cloud Armor answers 429."""


class BillingSettings(Strict):
    """The Cloud Billing account the stack's budget belongs to."""

    account_id: str
    """The billing account's id, `XXXXXX-XXXXXX-XXXXXX` (upper-case hex)."""
    currency_code: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    """The billing account's currency (ISO 4217); budget.monthly_limit_usd is read in it and
    must be that account's currency."""

    @field_validator("account_id")
    @classmethod
    def _account(cls, value: str) -> str:
        if not BILLING_ACCOUNT_ID.fullmatch(value):
            raise ValueError("not a billing account id: three groups of six upper-case hex "
                             "digits, e.g. 012345-6789AB-CDEF01 (gcloud billing accounts "
                             "list)")
        return value


def _project_id(value: str) -> str:
    # A top-level field is validated on its own (validate_sections): its check is part of the
    # annotation, not a model validator.
    if not PROJECT_ID.fullmatch(value):
        raise ValueError("not a project id: 6 to 30 lower-case letters, digits and hyphens, "
                         "a letter first, no hyphen last (the id, not the project's name or "
                         "number)")
    return value


class GcpSettings(CloudSettings):
    """Everything a GCP stack sets besides the neutral keys (`cloud: gcp`)."""

    internal_fields: ClassVar[frozenset[str]] = frozenset({"cloud", "project", "region"})
    #: `forge-infra:dr` on GCP: Cloud SQL's backups stored in the recovery region and the
    #: buckets copied there by Storage Transfer Service (`backup`), plus the recovery region's
    #: network (`pilot_light`); forge_infra.clouds.gcp.target.
    dr_modes: ClassVar[tuple[str, ...]] = ("backup", "pilot_light")

    cloud: Literal["gcp"]
    project: Annotated[str, AfterValidator(_project_id)]
    """`gcp:project`: the project id every resource is created in (6-30 lower-case letters,
    digits and hyphens, a letter first)."""
    region: str
    """`gcp:region`: the region of every regional resource; one where Cloud Run runs
    (forge_components.gcp.limits.CLOUD_RUN_REGIONS)."""
    network: GcpNetworkSettings = GcpNetworkSettings()
    """The VPC's subnets and Private Service Access."""
    database: GcpDatabaseSettings = GcpDatabaseSettings()
    """Cloud SQL for PostgreSQL."""
    cache: GcpCacheSettings = GcpCacheSettings()
    """Memorystore for Redis."""
    streaming: GcpStreamingSettings = GcpStreamingSettings()
    """The Kafka-compatible event stream."""
    storage: GcpStorageSettings = GcpStorageSettings()
    """The Cloud Storage buckets."""
    cdn: GcpCdnSettings = GcpCdnSettings()
    """The load balancer, Cloud CDN and Cloud Armor."""
    billing: BillingSettings
    """The billing account of the budget (required: a GCP budget belongs to one)."""
    dns_zone: str | None = Field(default=None, pattern=DNS_ZONE_NAME.pattern.join("^$"))
    """The Cloud DNS managed zone (its name) holding app.domain: the certificate is then
    DNS-authorized and A records point at the load balancer; unset writes no record."""

    def region_name(self) -> str:
        """The stack's GCP region."""
        return self.region

    def api_is_public(self) -> bool:
        """The api stays internal: the gateway reaches it (Cloud Run ingress internal)."""
        return False

    def cdn_enabled(self) -> bool:
        """False: on GCP the load balancer always fronts the ui and the gateway on their own
        routes (Cloud CDN caches the ui's backend), so the program gives both a public host;
        no separate CDN takes the app's domain from object storage as CloudFront does."""
        return False

    @classmethod
    def from_provider_config(cls, namespace: str, values: Mapping[str, Any],
                             ) -> tuple[dict[str, Any], list[str]]:
        """`gcp:project` -> project, `gcp:region` -> region; credentials are refused."""
        raw: dict[str, Any] = {}
        problems: list[str] = []
        for key, value in values.items():
            full_key = f"{namespace}:{key}"
            if key in GCP_PROVIDER_SETTINGS:
                raw[key] = value
            elif key in GCP_CREDENTIAL_KEYS:
                problems.append(f"{full_key}: {GCP_CREDENTIAL_KEYS[key]} is never configured: "
                                "forge-infra uses no service account keys; authenticate with "
                                "Application Default Credentials (workload identity "
                                "federation in CI, gcloud auth application-default login at "
                                "a desk; docs/DEPLOYMENT.md \"GCP\")")
            else:
                problems.append(f"{full_key}: not a setting forge-infra reads; allowed: "
                                f"{', '.join(f'gcp:{k}' for k in sorted(GCP_PROVIDER_SETTINGS))}")
        return raw, problems

    @classmethod
    def key_path(cls, loc: Sequence[str]) -> str:
        """`project` and `region` are `gcp:` keys; everything else lives under
        `forge-infra:`."""
        if loc and loc[0] in ("project", "region"):
            return f"gcp:{loc[0]}"
        return super().key_path(loc)

    @classmethod
    def rules(cls) -> Sequence[Rule]:
        """The GCP rules across keys, each with the sections it reads."""
        return GCP_RULES


def _gcp(config: StackConfig) -> GcpSettings:
    return cast(GcpSettings, config.target)


# -- rules across keys ----------------------------------------------------------------------


def _region_rules(config: StackConfig) -> list[str]:
    region = _gcp(config).region
    if region in CLOUD_RUN_REGIONS:
        return []
    return [f"gcp:region: got {describe(region)}; not a region where Cloud Run runs "
            f"(https://cloud.google.com/run/docs/locations); allowed: "
            f"{', '.join(sorted(CLOUD_RUN_REGIONS))}"]


def _network_rules(config: StackConfig) -> list[str]:
    net = _gcp(config).network
    ranges = {field: ipaddress.IPv4Network(getattr(net, field)) for field in
              ("workloads_cidr", "instances_cidr", "private_service_access_cidr")}
    fields = list(ranges)
    problems = []
    for i, first in enumerate(fields):
        for second in fields[i + 1:]:
            if ranges[first].overlaps(ranges[second]):
                problems.append(problem(f"network.{second}",
                                        f"{ranges[second]} overlaps network.{first} "
                                        f"{ranges[first]}; the ranges must be disjoint"))
    return problems


def _database_rules(config: StackConfig) -> list[str]:
    db = _gcp(config).database
    problems = []
    if db.timescaledb:
        problems.append(problem("database.timescaledb", TIMESCALEDB_REFUSAL))
    if not TIER_PATTERNS[db.edition].fullmatch(db.tier):
        problems.append(problem(
            "database.tier", f"got {db.tier!r}; a {db.edition} tier is "
            + ("db-f1-micro, db-g1-small or db-custom-<vCPUs>-<MiB> (e.g. db-custom-2-7680)"
               if db.edition == EDITION_ENTERPRISE
               else "db-perf-optimized-N-<vCPUs> (e.g. db-perf-optimized-N-2)")
            + f" (database.edition {db.edition})"))
    low, high = PITR_LOG_RETENTION_DAYS[db.edition]
    if not low <= db.point_in_time_recovery_days <= high:
        problems.append(problem("database.point_in_time_recovery_days",
                                f"got {db.point_in_time_recovery_days}; {db.edition} keeps "
                                f"{low}..{high} days of transaction logs"))
    if db.disk_autoresize_limit_gb < db.disk_size_gb:
        problems.append(problem("database.disk_autoresize_limit_gb",
                                f"{db.disk_autoresize_limit_gb} is below "
                                f"database.disk_size_gb ({db.disk_size_gb})"))
    if db.app_username == db.username:
        problems.append(problem("database.app_username",
                                f"got {db.app_username!r}, the administrator's name; the "
                                "services never log in as the administrator"))
    for field in ("username", "app_username"):
        value = getattr(db, field)
        if value == "postgres" or value.startswith(("pg_", "cloudsql")):
            problems.append(problem(f"database.{field}",
                                    f"got {value!r}; PostgreSQL and Cloud SQL keep 'postgres' "
                                    "and names starting with pg_ or cloudsql"))
    return problems


def _streaming_rules(config: StackConfig) -> list[str]:
    stream = _gcp(config).streaming
    problems = []
    if stream.engine is StreamingEngine.MANAGED_KAFKA:
        low, high = MANAGED_KAFKA_GIB_PER_VCPU
        if not low * stream.vcpu_count <= stream.memory_gib <= high * stream.vcpu_count:
            problems.append(problem("streaming.memory_gib",
                                    f"got {stream.memory_gib}; Managed Kafka takes {low} to "
                                    f"{high} GiB per vCPU: {low * stream.vcpu_count}.."
                                    f"{high * stream.vcpu_count} with streaming.vcpu_count "
                                    f"{stream.vcpu_count}"))
    if stream.engine is StreamingEngine.REDPANDA and stream.brokers % 2 == 0:
        problems.append(problem("streaming.brokers", f"got {stream.brokers}; Redpanda needs an "
                                "odd broker count for a Raft majority"))
    if stream.engine is not StreamingEngine.REDPANDA and stream.redpanda_mode is not None:
        problems.append(problem("streaming.redpanda_mode", f"applies to engine redpanda only; "
                                f"engine is {stream.engine.value}: remove the key"))
    return problems


def _kms_rules(config: StackConfig) -> list[str]:
    """A CMEK key must be in the stack's region: regional Cloud SQL, Memorystore and buckets
    take a key of their own location only."""
    gcp = _gcp(config)
    problems = []
    for section in ("database", "cache", "storage"):
        key = getattr(gcp, section).kms_key_name
        if key is not None and key.split("/")[3] != gcp.region:
            problems.append(problem(f"{section}.kms_key_name",
                                    f"the key is in {key.split('/')[3]}; it must be in "
                                    f"gcp:region {gcp.region}, the location of what it "
                                    "encrypts"))
    return problems


def _storage_rules(config: StackConfig) -> list[str]:
    storage = _gcp(config).storage
    if storage.archive_after_days < storage.nearline_after_days + 30:
        return [problem("storage.archive_after_days",
                        f"got {storage.archive_after_days}; at least nearline_after_days + 30 "
                        f"({storage.nearline_after_days + 30}): an object leaving Nearline "
                        "earlier is billed its 30-day minimum")]
    return []


def _service_rules(config: StackConfig) -> list[str]:
    """Sizes within Cloud Run's CPU/memory table; what Cloud Run has no setting for is
    refused rather than ignored."""
    problems = []
    sizes = "; ".join(f"{cpu // 1000} vCPU: {low}..{high} MiB"
                      for cpu, (low, high) in CLOUD_RUN_CPU_MEMORY_MIB.items())
    for name, svc in config.services.items():
        path = f"services.{name}"
        refusal = cloud_run_size_problem(svc.cpu_millicores, svc.memory)
        if refusal is not None:
            key = "cpu" if "memory" not in refusal.split(":", 1)[0] else "memory"
            problems.append(problem(f"{path}.{key}", f"{refusal} (Cloud Run allows {sizes})"))
        scaling = svc.autoscaling
        if scaling is None:
            continue
        if name == "worker":
            problems.append(problem(f"{path}.autoscaling",
                                    "the worker runs as a Cloud Run worker pool with a fixed "
                                    "instance count (worker pools do not scale on requests): "
                                    "remove autoscaling and set replicas"))
        elif "target_cpu" in scaling.model_fields_set:
            problems.append(problem(f"{path}.autoscaling.target_cpu",
                                    "Cloud Run has no CPU target setting: it scales on request "
                                    "concurrency and keeps CPU near "
                                    f"{CLOUD_RUN_TARGET_CPU_PERCENT}% itself "
                                    "(https://cloud.google.com/run/docs/about-instance-"
                                    "autoscaling); remove the key"))
    return problems


def _secret_reference_rules(config: StackConfig) -> list[str]:
    problems = []
    for name, svc in config.services.items():
        for env_name, ref in svc.secrets.items():
            path = f"services.{name}.secrets.{env_name}"
            if NEUTRAL_SECRET_REF.fullmatch(ref):
                continue
            if ref == "database" or ref.startswith("database:"):
                problems.append(problem(path, f"got {describe(ref)}; the database's "
                                "administrator credentials never reach the services: api and "
                                "worker log in as database.app_username with DATABASE_PASSWORD, "
                                "which forge-infra sets; remove this entry"))
                continue
            parts = ref.split("/")
            if (len(parts) == 4 and parts[0] == "projects" and parts[2] == "secrets"
                    and SECRET_ID.fullmatch(parts[3]) and parts[1]):
                continue
            hint = ("; Cloud Run reads a secret whole: reference a secret that holds the value "
                    "alone (no #key)" if "#" in ref else "")
            problems.append(problem(path, f"got {describe(ref)}; allowed: cache, app:<name>, "
                                    "or a Secret Manager secret projects/<project>/secrets/"
                                    f"<id>{hint}"))
    return problems


def _domain_rules(config: StackConfig) -> list[str]:
    if config.app.domain is None:
        return [problem("app.domain", "required on GCP: the global external Application Load "
                        "Balancer is the only way into the services (gateway and ui admit "
                        "internal and load-balancer traffic only) and its Google-managed "
                        "certificate is issued for this name")]
    return []


#: The longest `<app.name>-<stack>` prefix the GCP components' names allow: the Memorystore
#: instance id `<prefix>-cache-cache-<7 random characters>` within Memorystore's 40 characters
#: (the tightest; the Cloud Run service accounts `<prefix>-gateway` allow 22 of 30).
PREFIX_MAX = REDIS_INSTANCE_ID_MAX - AUTONAME_SUFFIX - 2 * len("-cache")


def _name_rules(config: StackConfig) -> list[str]:
    prefix = config.resource_prefix
    if not RESOURCE_NAME.fullmatch(prefix):
        return [problem("app.name", f"{config.app.name!r} with the stack name "
                        f"{config.stack!r} makes the prefix {prefix!r}, which GCP resource "
                        "names refuse: lower-case letters, digits and hyphens, a letter first; "
                        "rename the stack")]
    if len(prefix) > PREFIX_MAX:
        return [problem("app.name", f"{config.app.name!r} with the stack name {config.stack!r} "
                        f"makes the prefix {prefix!r} of {len(prefix)} characters; GCP allows "
                        f"{PREFIX_MAX} (the Memorystore instance id {prefix}-cache-cache-xxxxxxx "
                        f"within {REDIS_INSTANCE_ID_MAX}): shorten app.name or the stack name by "
                        f"{len(prefix) - PREFIX_MAX}")]
    return []


def _budget_rules(config: StackConfig) -> list[str]:
    budget = config.budget
    problems = []
    if len(budget.alert_emails) > BUDGET_MAX_NOTIFICATION_CHANNELS:
        problems.append(problem("budget.alert_emails",
                                f"lists {len(budget.alert_emails)} addresses; a GCP budget "
                                f"takes at most {BUDGET_MAX_NOTIFICATION_CHANNELS} notification "
                                "channels (one per address)"))
    for field, why in (("alert_amounts_usd", "alerts on absolute amounts"),
                       ("anomaly_threshold_usd", "cost anomaly e-mails")):
        if field in budget.model_fields_set:
            problems.append(problem(f"budget.{field}",
                                    f"a GCP budget has no {why} (its threshold rules are "
                                    "percentages of the amount): use "
                                    "budget.alert_thresholds_percent; remove the key"))
    return problems


def _label_rules(config: StackConfig) -> list[str]:
    """`forge-infra:tags` become GCP labels: lower-case keys and values."""
    from forge_components.gcp.labels import resource_labels

    problems = []
    owned = set(standard_tag_keys()) | {"component"}
    for key, value in config.tags.items():
        if key in owned:
            problems.append(problem(f"tags.{key}", f"forge-infra sets the {key!r} label itself "
                                    f"({', '.join(sorted(owned))}); choose another key"))
            continue
        try:
            resource_labels("forge-gcp:index:Stack", {key: value})
        except ValueError:
            problems.append(problem(f"tags.{key}", f"got {describe(value)}; GCP labels are "
                                    "lower-case letters, digits, '_' or '-', at most 63 "
                                    "characters, keys start with a letter"))
    return problems


def _dns_rules(config: StackConfig) -> list[str]:
    gcp = _gcp(config)
    domain = config.app.domain
    problems = []
    for alias in gcp.cdn.aliases:
        if domain is not None and not alias.endswith(f".{domain}"):
            problems.append(problem("cdn.aliases", f"{alias} is outside app.domain ({domain}); "
                                    "the certificate and the records are for names under it"))
    repeated = sorted({a for a in gcp.cdn.aliases if gcp.cdn.aliases.count(a) > 1})
    if repeated:
        problems.append(problem("cdn.aliases", f"repeats {repeated}"))
    return problems


# -- prod --------------------------------------------------------------------------------------


def _prod_database_rules(config: StackConfig) -> list[str]:
    db = _gcp(config).database
    if not config.is_prod:
        return []
    problems = []
    if not db.high_availability:
        problems.append(problem("database.high_availability",
                                "prod requires REGIONAL availability (a standby in a second "
                                "zone with automatic failover): set true"
                                + policy_rule("gcp-sql-regional")))
    if db.backup_retention_days < 7 or db.point_in_time_recovery_days < 7:
        problems.append(problem("database.backup_retention_days",
                                "prod requires at least 7 daily backups and 7 days of "
                                "point-in-time recovery; got backup_retention_days "
                                f"{db.backup_retention_days}, point_in_time_recovery_days "
                                f"{db.point_in_time_recovery_days}"
                                + policy_rule("gcp-sql-backups-pitr")))
    if not db.deletion_protection:
        problems.append(problem("database.deletion_protection",
                                "prod requires deletion protection (set true)"
                                + policy_rule("gcp-sql-deletion-protection")))
    return problems


def _prod_cache_rules(config: StackConfig) -> list[str]:
    if config.is_prod and not _gcp(config).cache.high_availability:
        return [problem("cache.high_availability",
                        "prod requires a replica with automatic failover in a second zone "
                        "(STANDARD_HA): set true" + policy_rule("gcp-memorystore-ha"))]
    return []


def _prod_cdn_rules(config: StackConfig) -> list[str]:
    if config.is_prod and not _gcp(config).cdn.cloud_armor:
        return [problem("cdn.cloud_armor",
                        "prod requires a Cloud Armor policy on the load balancer's backends: "
                        "set true" + policy_rule("gcp-cloud-armor-attached"))]
    return []


def _prod_storage_rules(config: StackConfig) -> list[str]:
    if config.is_prod and not _gcp(config).storage.versioning:
        return [problem("storage.versioning", "prod requires object versioning on every "
                        "bucket (set true)" + policy_rule("gcp-gcs-versioning"))]
    return []


def _prod_streaming_rules(config: StackConfig) -> list[str]:
    stream = _gcp(config).streaming
    if not config.is_prod or stream.engine is not StreamingEngine.REDPANDA:
        return []
    problems = []
    if stream.brokers < 3:
        problems.append(problem("streaming.brokers", f"prod runs at least 3 brokers (one may "
                                f"fail without losing acknowledged writes); got "
                                f"{stream.brokers}"))
    if stream.redpanda_mode is RedpandaMode.DEVELOPMENT:
        problems.append(problem("streaming.redpanda_mode", "development mode bypasses fsync "
                                "and can lose acknowledged data; prod refuses it"))
    return problems


def _rollout_rules(config: StackConfig) -> list[str]:
    """Cloud Run runs every `forge-infra:rollout` strategy: `pulumi up` creates the new
    revision and `forge-infra release` steps its traffic (forge_infra.clouds.gcp.release).

    Refused: `rollout.alarms.unhealthy_targets` written with a canary or blue/green rollout.
    Cloud Run has no load balancer targets to count: a revision is `Ready` or not (its
    startup and liveness probes), and the release rolls back when the new revision stops being
    ready (https://cloud.google.com/run/docs/configuring/healthchecks, read 2026-12-02). The key
    is refused rather than silently ignored.
    """
    rollout = config.rollout
    if rollout.strategy == "rolling" or "unhealthy_targets" not in \
            rollout.alarms.model_fields_set:
        return []
    return [problem("rollout.alarms.unhealthy_targets",
                    "Cloud Run has no load balancer targets to count: the release rolls back "
                    "when the new revision stops being Ready (its startup and liveness probes "
                    "fail) or answers over http_5xx_percent 5xx; remove the key")]


#: The recovery-point intervals GCP's mechanism runs: Cloud SQL's automated (standard) backups
#: are taken once a day, in a 4-hour window starting at the backup start time
#: (https://cloud.google.com/sql/docs/postgres/backup-recovery/backup-options: standard backups'
#: automated schedule is "daily"; https://cloud.google.com/sql/docs/postgres/backup-recovery/
#: backing-up; read 2026-12-02). Hourly schedules are enhanced backups (Backup and DR
#: Service), which do not offer cross-region backup and restore (same page).
GCP_DR_INTERVAL_HOURS = (24,)


def _dr_rules(config: StackConfig) -> list[str]:
    """`forge-infra:dr` on GCP: a recovery region where the stack can be rebuilt (Cloud Run
    runs there), not the stack's own; a daily recovery point; no CMEK (the copies would need a
    key in the recovery region, which forge-infra does not declare); no retention keys (the
    recovery points live in the recovery region only, kept as database.backup_retention_days
    says; the bucket copies keep what the source deleted)."""
    gcp = _gcp(config)
    dr = config.dr
    if dr.mode is DrMode.NONE:
        return ([problem("dr.region", f"got {dr.region!r} with dr.mode none; set dr.mode to "
                         "backup or pilot_light, or remove dr.region")]
                if dr.region is not None else [])
    problems = []
    if dr.region is None:
        problems.append(problem("dr.region", f"required with dr.mode {dr.mode.value}: the "
                                "recovery region, another GCP region where Cloud Run runs"))
    elif dr.region == gcp.region:
        problems.append(problem("dr.region", f"got {dr.region!r}, the stack's own region "
                                "(gcp:region); a recovery region must survive the loss of "
                                "the stack's"))
    elif dr.region not in CLOUD_RUN_REGIONS:
        problems.append(problem("dr.region", f"got {describe(dr.region)}; not a GCP region "
                                "where the stack can be rebuilt (Cloud Run runs there: "
                                "https://cloud.google.com/run/docs/locations); allowed: "
                                f"{', '.join(sorted(set(CLOUD_RUN_REGIONS) - {gcp.region}))}"))
    if dr.backup_interval_hours not in GCP_DR_INTERVAL_HOURS:
        problems.append(problem("dr.backup_interval_hours",
                                f"got {dr.backup_interval_hours}; Cloud SQL's automated "
                                "backups run once a day (hourly schedules are enhanced "
                                "backups, which do not restore across regions); allowed: "
                                f"{', '.join(map(str, GCP_DR_INTERVAL_HOURS))}"))
    for field, days in (("retention_days", "database.backup_retention_days"),
                        ("dr_retention_days", "database.backup_retention_days")):
        if field in dr.model_fields_set:
            problems.append(problem(f"dr.{field}",
                                    "GCP keeps its recovery points in dr.region only: Cloud "
                                    f"SQL keeps {days} daily backups there and the bucket "
                                    "copies keep every object (superseded versions for "
                                    "storage.noncurrent_version_expiration_days); remove the "
                                    "key"))
    for section in ("database", "storage"):
        if getattr(gcp, section).kms_key_name is not None:
            problems.append(problem(f"{section}.kms_key_name",
                                    f"set with dr.mode {dr.mode.value}: the copies in the "
                                    "recovery region would need a Cloud KMS key of that "
                                    "region, which forge-infra does not declare; use "
                                    "Google-managed encryption or dr.mode none"))
    return problems


GCP_RULES: tuple[Rule, ...] = (
    Rule(("rollout",), _rollout_rules),
    Rule(("region",), _region_rules),
    Rule(("network",), _network_rules),
    Rule(("database",), _database_rules),
    Rule(("streaming",), _streaming_rules),
    Rule(("storage",), _storage_rules),
    Rule(("region", "database", "cache", "storage"), _kms_rules),
    Rule(("services",), _service_rules),
    Rule(("services",), _secret_reference_rules),
    Rule(("app",), _domain_rules),
    Rule(("app",), _name_rules),
    Rule(("budget",), _budget_rules),
    Rule(("tags",), _label_rules),
    Rule(("cdn", "app"), _dns_rules),
    Rule(("environment", "database"), _prod_database_rules),
    Rule(("environment", "cache"), _prod_cache_rules),
    Rule(("environment", "cdn"), _prod_cdn_rules),
    Rule(("environment", "storage"), _prod_storage_rules),
    Rule(("environment", "streaming"), _prod_streaming_rules),
    Rule(("dr", "region", "database", "storage"), _dr_rules),
)
