"""The GCP components' choices and limits, defined once, with their sources.

The components validate their args against these; the `gcp` target's settings model will build
its constraints from the same names when it exists. This module imports no cloud SDK.
"""

import enum
import re

#: A Compute Engine resource name (networks, subnetworks, routers, firewalls, addresses):
#: RFC 1035, 1-63 characters, a lower-case letter first, then lower-case letters, digits or
#: dashes, not ending with a dash. Source: pulumi_gcp 10.2 `compute.Network(name=...)`
#: docstring (the same rule for every compute resource), from the Compute Engine API reference.
RESOURCE_NAME = re.compile(r"[a-z]([-a-z0-9]{0,61}[a-z0-9])?")
RESOURCE_NAME_MAX = 63
#: What Pulumi's auto-naming appends to a child's logical name: "-" and seven random
#: characters (pulumi's default autonaming).
AUTONAME_SUFFIX = 8

#: VPC flow log aggregation intervals. Source: pulumi_gcp 10.2
#: `compute.SubnetworkLogConfigArgs.aggregation_interval` ("Possible values are ...").
FLOW_LOG_INTERVALS: tuple[str, ...] = (
    "INTERVAL_5_SEC", "INTERVAL_30_SEC", "INTERVAL_1_MIN", "INTERVAL_5_MIN",
    "INTERVAL_10_MIN", "INTERVAL_15_MIN")

#: The peering service Private Service Access connects to (Cloud SQL, Memorystore for Redis).
#: Source: pulumi_gcp 10.2 `servicenetworking.Connection(service=...)` docstring, and
#: https://cloud.google.com/vpc/docs/configure-private-services-access
SERVICE_NETWORKING = "servicenetworking.googleapis.com"

#: Firewall rule priorities: 0..65535, lower wins, DENY beats ALLOW at equal priority. Source:
#: pulumi_gcp 10.2 `compute.Firewall(priority=...)` docstring.
FIREWALL_PRIORITY_RANGE = (0, 65535)

# -- Cloud SQL for PostgreSQL -------------------------------------------------------------

#: The PostgreSQL majors the Database component builds: those in regular (not extended,
#: billed) support on 2026-12-02, per /work/shared/reference versions.yaml
#: (gcp-cloudsql-postgresql, from https://cloud.google.com/sql/docs/postgres/db-versions; 14
#: leaves regular support on 2027-01-31, so the floor is 15 as on AWS) and present in
#: pulumi_gcp 10.2's `database_version` values (POSTGRES_9_6 .. POSTGRES_18).
POSTGRES_MAJORS: tuple[int, ...] = (15, 16, 17, 18)
#: The default major: the newest with an official support date (regular support to
#: 2030-01-31); 18 is Cloud SQL's console default but its dates are extrapolated in
#: versions.yaml.
DEFAULT_POSTGRES_MAJOR = 17

#: Cloud SQL editions. pulumi_gcp 10.2 `sql.DatabaseInstanceSettingsArgs.edition`: "can be
#: ENTERPRISE or ENTERPRISE_PLUS"; unset, PostgreSQL 16+ defaults to ENTERPRISE_PLUS, which
#: accepts only the predefined `db-perf-optimized-N-*` tiers, while shared-core and custom
#: tiers require ENTERPRISE. The component always sets it.
EDITION_ENTERPRISE = "ENTERPRISE"
EDITION_ENTERPRISE_PLUS = "ENTERPRISE_PLUS"
#: The tier names each edition accepts (same docstring): shared-core `db-f1-micro`,
#: `db-g1-small` and custom `db-custom-<vCPUs>-<MiB>` on ENTERPRISE; `db-perf-optimized-N-<n>`
#: on ENTERPRISE_PLUS. The API checks the vCPU and memory ranges of a custom tier.
TIER_PATTERNS: dict[str, re.Pattern[str]] = {
    EDITION_ENTERPRISE: re.compile(r"db-f1-micro|db-g1-small|db-custom-[1-9][0-9]*-[1-9][0-9]*"),
    EDITION_ENTERPRISE_PLUS: re.compile(r"db-perf-optimized-N-[1-9][0-9]*"),
}
#: Automated backups kept: 1..365, seven by default, one automated backup a day. Source:
#: "By default, Cloud SQL retains 7 automated backups ... You can configure how many automated
#: backups to retain (from 1 to 365)", https://cloud.google.com/sql/docs/sqlserver/backup-recovery/backups
#: (the same Cloud SQL backup service for every engine).
BACKUP_RETENTION_COUNT = (1, 365)
#: Days of transaction logs kept for point-in-time recovery, per edition. Source: pulumi_gcp
#: 10.2 `BackupConfigurationArgs.transaction_log_retention_days`: "from 1-7. For PostgreSQL
#: Enterprise Plus ... from 1 to 35".
PITR_LOG_RETENTION_DAYS: dict[str, tuple[int, int]] = {
    EDITION_ENTERPRISE: (1, 7), EDITION_ENTERPRISE_PLUS: (1, 35)}
#: Days the final backup taken at instance deletion is kept. Source: pulumi_gcp 10.2
#: `FinalBackupConfigArgs.retention_days`: "between 1 and 365".
FINAL_BACKUP_RETENTION_DAYS = (1, 365)
#: Why `timescaledb` is refused on Cloud SQL, and where it is offered instead: only Cloud
#: SQL's supported extensions install and "You cannot create your own extensions"
#: (https://cloud.google.com/sql/docs/postgres/extensions; versions.yaml, timescaledb
#: managed_offerings: "gcp-cloudsql: not offered").
TIMESCALEDB_REFUSAL = (
    "Cloud SQL for PostgreSQL does not offer the timescaledb extension (only Cloud SQL's "
    "supported extensions can be installed: https://cloud.google.com/sql/docs/postgres/"
    "extensions). Supported paths: PostgreSQL's native declarative partitioning on Cloud SQL; "
    "a self-managed PostgreSQL + TimescaleDB on Compute Engine (the shape of AWS's "
    "timescaledb-ec2 engine; not built for GCP yet); or Azure Database for PostgreSQL "
    "flexible server, which supports the extension")

# -- Cloud Storage ------------------------------------------------------------------------

#: Minimum storage duration of each storage class a lifecycle rule may move objects to, days
#: (deleting or moving an object earlier is billed as if it stayed): Standard none, Nearline
#: 30, Coldline 90, Archive 365; every class but Standard charges retrieval fees. Source:
#: https://cloud.google.com/storage/docs/storage-classes ("Available storage classes").
STORAGE_CLASS_MINIMUM_DAYS: dict[str, int] = {
    "NEARLINE": 30, "COLDLINE": 90, "ARCHIVE": 365}
#: Bucket names: 3-63 characters of lower-case letters, digits, dashes, underscores and dots,
#: starting and ending with a letter or digit. The component uses the dash-only subset (no
#: dots: a dotted name is a domain name that must be verified). Source:
#: https://cloud.google.com/storage/docs/buckets#naming
BUCKET_NAME_MAX = 63
#: Soft-deleted objects are kept 7 days by default and 7..90 days when set. Source: pulumi_gcp
#: 10.2 `storage.BucketSoftDeletePolicyArgs.retention_duration_seconds` ("Default value is
#: 604800. The value must be in between 604800(7 days) and 7776000(90 days)").
SOFT_DELETE_DAYS = (7, 90)

# -- Memorystore for Redis ----------------------------------------------------------------

#: The Redis versions the Cache component builds: those versions.yaml lists as creatable and
#: in standard support (gcp-memorystore-redis, from
#: https://cloud.google.com/memorystore/docs/redis/supported-versions), newest first; the
#: default is Memorystore's own (REDIS_7_2), the version pulumi_gcp 10.2's
#: `redis.Instance` PRIVATE_SERVICE_ACCESS example uses.
REDIS_VERSIONS: tuple[str, ...] = ("REDIS_7_2", "REDIS_7_0")
#: A Memorystore for Redis instance id: lower-case letters, digits and hyphens, a letter
#: first, a letter or digit last, 1-40 characters. Source: CreateInstanceRequest.instance_id,
#: https://cloud.google.com/memorystore/docs/redis/reference/rest/v1/projects.locations.instances/create
REDIS_INSTANCE_ID_MAX = 40
#: An instance's memory, GiB: 1 (the Cache component's floor) up to 300, the largest instance
#: Memorystore for Redis sizes (its quotas page's example provisions "three instances ...
#: with 300 GB each", https://cloud.google.com/memorystore/docs/redis/quotas, checked
#: 2026-12-02; pulumi_gcp 10.2 `redis.Instance(memory_size_gb=...)`: "Redis memory size in
#: GiB").
REDIS_MEMORY_GB = (1, 300)
#: RDB snapshot periods. Source: pulumi_gcp 10.2 `redis.InstancePersistenceConfigArgs.
#: rdb_snapshot_period`.
RDB_SNAPSHOT_PERIODS: tuple[str, ...] = ("ONE_HOUR", "SIX_HOURS", "TWELVE_HOURS",
                                         "TWENTY_FOUR_HOURS")
#: Maintenance window days. Source: pulumi_gcp 10.2
#: `redis.InstanceMaintenancePolicyWeeklyMaintenanceWindowArgs.day`.
WEEKDAYS: tuple[str, ...] = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY",
                             "SATURDAY", "SUNDAY")

# -- Cloud Run (the Compute component) ------------------------------------------------------

#: The vCPU counts a Cloud Run container may have, in millicores, and the memory each allows,
#: MiB (lowest, highest). Source: "vCPU and memory table",
#: https://cloud.google.com/run/docs/configuring/services/cpu (1 vCPU up to 4 GiB, 2 up to 8,
#: 4: 2 to 16 GiB, 6: 4 to 24 GiB, 8: 4 to 32 GiB; "Values greater than 1 must be integer
#: values"; 8 vCPU at most), with the memory floor of the second generation execution
#: environment, 512 MiB, and the 32 GiB ceiling from
#: https://cloud.google.com/run/docs/configuring/services/memory-limits ("Minimum memory": 512
#: MiB for second generation; "More than 4 GiB: 2 CPUs, more than 8: 4, more than 16: 6, more
#: than 24: 8"). Jobs and worker pools document the same table
#: (https://cloud.google.com/run/docs/configuring/jobs/cpu, .../jobs/memory-limits).
CLOUD_RUN_CPU_MEMORY_MIB: dict[int, tuple[int, int]] = {
    1000: (512, 4 * 1024),
    2000: (512, 8 * 1024),
    4000: (2 * 1024, 16 * 1024),
    6000: (4 * 1024, 24 * 1024),
    8000: (4 * 1024, 32 * 1024),
}
#: Why forge refuses a fraction of a vCPU on Cloud Run although Cloud Run sells 0.08..1: below
#: one vCPU "Maximum concurrency must be set to 1", billing must be request-based (CPU only
#: during requests) and services must use the first generation execution environment
#: (https://cloud.google.com/run/docs/configuring/services/cpu, "If you use less than 1 vCPU");
#: jobs below 1 vCPU must deploy sidecars (.../jobs/cpu), and worker pools need "the sum of all
#: containers ... greater than or equal to 1 vCPU" (.../instances/cpu). forge's services serve
#: concurrent requests on the second generation, and the worker runs with its CPU always
#: allocated, so a whole vCPU is the floor.
CLOUD_RUN_FRACTIONAL_CPU_REFUSAL = (
    "Cloud Run runs less than 1 vCPU only with a concurrency of 1, request-based billing and "
    "the first generation execution environment (https://cloud.google.com/run/docs/"
    "configuring/services/cpu), none of which forge's services use")


def cloud_run_size_problem(cpu_millicores: int, memory_mib: int) -> str | None:
    """Why Cloud Run cannot run a container of this neutral size, or None when it can.

    Pure: the GCP Compute component and the stack configuration call it alike, and the message
    names the size, the rule and what is allowed (`CLOUD_RUN_CPU_MEMORY_MIB`).
    """
    size = f"cpu {cpu_millicores / 1000:g} vCPU ({cpu_millicores} millicores)"
    allowed = ", ".join(f"{cpu // 1000}" for cpu in CLOUD_RUN_CPU_MEMORY_MIB)
    if cpu_millicores < 1000:
        return f"{size}: {CLOUD_RUN_FRACTIONAL_CPU_REFUSAL}; use {allowed} vCPU"
    if cpu_millicores not in CLOUD_RUN_CPU_MEMORY_MIB:
        return (f"{size} is not a Cloud Run CPU count: above 1 vCPU Cloud Run takes whole "
                f"counts up to 8, one of {allowed} vCPU")
    low, high = CLOUD_RUN_CPU_MEMORY_MIB[cpu_millicores]
    if not low <= memory_mib <= high:
        return (f"{size} with memory {memory_mib} MiB: Cloud Run gives {cpu_millicores // 1000} "
                f"vCPU between {low} and {high} MiB of memory")
    return None


#: A service account id: 6-30 characters, a lower-case letter first, lower-case letters,
#: digits and dashes, no dash last. Source: pulumi_gcp 10.2 `serviceaccount.Account(account_id=
#: ...)` docstring ("must be 6-30 characters long ... to comply with RFC1035").
SERVICE_ACCOUNT_ID = re.compile(r"[a-z][-a-z0-9]{4,28}[a-z0-9]")
#: Cloud Run job execution tokens: "The sum of job name and token length must be fewer than 63
#: characters". Source: pulumi_gcp 10.2 `cloudrunv2.Job(run_execution_token=...)` docstring.
CLOUD_RUN_JOB_NAME_AND_TOKEN_MAX = 62
# -- Streaming: Managed Service for Apache Kafka ------------------------------------------


class StreamingEngine(enum.StrEnum):
    """Which Kafka-compatible broker a GCP stack runs."""

    MANAGED_KAFKA = "managed-kafka"
    """Google Cloud Managed Service for Apache Kafka (`gcp.managedkafka.Cluster`)."""
    REDPANDA = "redpanda"
    """Redpanda on Compute Engine instances the component manages (AWS parity, cheaper)."""
    NONE = "none"
    """No broker: the component declares no resource and its outputs are empty."""


#: A cluster's vCPUs: at least 3. Source: pulumi_gcp 10.2
#: `managedkafka.ClusterCapacityConfigArgs.vcpu_count` ("The minimum is 3."), and
#: https://cloud.google.com/managed-service-for-apache-kafka/docs/overview (3 zones, at least
#: one vCPU per broker).
MANAGED_KAFKA_MIN_VCPUS = 3
#: A cluster's memory per vCPU, GiB: 1..8. Source: pulumi_gcp 10.2
#: `managedkafka.ClusterCapacityConfigArgs.memory_bytes` ("between 1 GiB and 8 GiB per vCPU").
MANAGED_KAFKA_GIB_PER_VCPU = (1, 8)
#: A cluster id: RFC 1035, 1-63 characters. Source: pulumi_gcp 10.2
#: `managedkafka.Cluster(cluster_id=...)` docstring.
MANAGED_KAFKA_CLUSTER_ID_MAX = 63
#: The SASL listener's port (9192 is mTLS). Source: pulumi_gcp 10.2 `managedkafka.Cluster.
#: bootstrap_address` ("Use port :9092 for SASL connection and :9192 for mTLS connection").
MANAGED_KAFKA_SASL_PORT = 9092
#: The role a client principal needs, granted on the project that holds the cluster (it holds
#: `managedkafka.clusters.connect`, required for every connection). Source: "Grant the Managed
#: Kafka client role to the service account",
#: https://cloud.google.com/managed-service-for-apache-kafka/docs/authentication-kafka
MANAGED_KAFKA_CLIENT_ROLE = "roles/managedkafka.client"
#: Rebalancing modes. Source: pulumi_gcp 10.2 `managedkafka.ClusterRebalanceConfigArgs.mode`.
MANAGED_KAFKA_REBALANCE_MODES: tuple[str, ...] = ("NO_REBALANCE", "AUTO_REBALANCE_ON_SCALE_UP")


# -- Streaming: Redpanda on Compute Engine -------------------------------------------------


class RedpandaMode(enum.StrEnum):
    """How the Redpanda brokers run (`rpk redpanda mode`,
    https://docs.redpanda.com/streaming/current/reference/rpk/rpk-redpanda/rpk-redpanda-mode/)."""

    PRODUCTION = "production"
    """`developer_mode: false`, the autotuner on; Redpanda enforces its memory floor per core
    ("Have a minimum of 2 GB memory for each core",
    https://docs.redpanda.com/current/deploy/deployment-option/self-hosted/manual/sizing)."""
    DEVELOPMENT = "development"
    """`developer_mode: true`, tuners off, no memory floor, fsync bypassed (data can be lost on
    a crash): for a dev stack only."""


#: A Redpanda release as its packages are versioned (major.feature.patch); the default is the
#: newest patch of the newest supported line in versions.yaml (redpanda: v26.2, supported to
#: 2027-07-28, latest patch seen v26.2.7), as on AWS.
REDPANDA_RELEASE = re.compile(r"\d+\.\d+\.\d+")
DEFAULT_REDPANDA_VERSION = "26.2.7"
#: The brokers' image: Canonical's Ubuntu 22.04 LTS family (the AWS brokers' OS), which
#: supports Shielded VM (Secure Boot, vTPM, integrity monitoring). Source: "Public OS images"
#: and "Shielded VM" supported images, https://cloud.google.com/compute/docs/images/os-details
REDPANDA_IMAGE = "ubuntu-os-cloud/ubuntu-2204-lts"
#: A service account id: 6-30 characters, RFC 1035. Source: pulumi_gcp 10.2
#: `serviceaccount.Account(account_id=...)` docstring.
SERVICE_ACCOUNT_ID_MAX = 30
#: Persistent Disk types a broker's data disk may use (SSD-backed: balanced and SSD Persistent
#: Disk; standard HDD is too slow for a broker). Source: "Persistent Disk types",
#: https://cloud.google.com/compute/docs/disks/persistent-disks#disk-types (`pd-ssd` also in
#: pulumi_gcp 10.2's `compute.Disk` examples).
REDPANDA_DISK_TYPES: tuple[str, ...] = ("pd-balanced", "pd-ssd")
# -- CDN / entry point (global external Application Load Balancer) ------------------------

#: SSL policy profiles the Cdn accepts: MODERN or RESTRICTED, each with a TLS 1.2 minimum.
#: Profiles and versions: pulumi_gcp 10.2 `compute.SSLPolicy(profile=..., min_tls_version=...)`
#: (COMPATIBLE and TLS_1_0 are the defaults, hence always set); "at least TLS 1.2 with the
#: MODERN profile, or the RESTRICTED profile" is the CIS GCP benchmark's rule, and
#: https://cloud.google.com/load-balancing/docs/ssl-policies-concepts lists the global external
#: Application Load Balancer among the load balancers taking global SSL policies.
SSL_PROFILES: tuple[str, ...] = ("MODERN", "RESTRICTED")
SSL_MIN_TLS_VERSION = "TLS_1_2"
#: Cloud Armor preconfigured WAF rule sets (OWASP CRS 3.3), evaluated with
#: `evaluatePreconfiguredWaf('<rule>', {'sensitivity': N})`, N in 0..4 (0 enables nothing).
#: Source: https://cloud.google.com/armor/docs/waf-rules (CRS 3.3 table),
#: https://cloud.google.com/armor/docs/rule-tuning ("Choose a sensitivity level").
WAF_RULES: tuple[str, ...] = (
    "sqli-v33-stable", "xss-v33-stable", "lfi-v33-stable", "rfi-v33-stable", "rce-v33-stable",
    "methodenforcement-v33-stable", "scannerdetection-v33-stable", "protocolattack-v33-stable",
    "php-v33-stable", "sessionfixation-v33-stable", "java-v33-stable", "nodejs-v33-stable")
WAF_SENSITIVITY = (1, 4)
#: A throttle rule's threshold count: 1..1,000,000 requests per interval. Source:
#: https://cloud.google.com/armor/docs/rate-limiting-overview.
RATE_LIMIT_COUNT = (1, 1_000_000)
#: Cloud Armor's default rule: "There must always be a default rule (rule with priority
#: 2147483647 and match "*")". Source: pulumi_gcp 10.2 `compute.SecurityPolicy(rules=...)`.
SECURITY_POLICY_DEFAULT_PRIORITY = 2147483647

# -- Billing budget -----------------------------------------------------------------------

#: Notification channels a budget's all-updates rule takes: at most 5. Source: pulumi_gcp 10.2
#: `billing.BudgetAllUpdatesRuleArgs.monitoring_notification_channels`.
BUDGET_MAX_NOTIFICATION_CHANNELS = 5
#: Cloud CDN TTLs, seconds: each at most 31,622,400 (one year); default TTL and client TTL
#: at most the max TTL; Cloud CDN's own defaults 3600 / 86400 / 3600. Cache mode
#: CACHE_ALL_STATIC caches successful responses of static content types and any response with
#: valid caching directives. Sources: https://cloud.google.com/cdn/docs/using-ttl-overrides,
#: https://cloud.google.com/cdn/docs/using-cache-modes.
CDN_TTL_MAX_SECONDS = 31_622_400

# -- Regions ----------------------------------------------------------------------------------

#: The regions a GCP stack may deploy to: those where Cloud Run services and jobs run (every
#: stack runs its services there), Tier 1 then Tier 2 pricing. Source: "Cloud Run locations",
#: https://cloud.google.com/run/docs/locations (checked 2026-12-02). A region listed here may
#: still lack another product a stack asks for (Managed Service for Apache Kafka, a Cloud SQL
#: tier): `pulumi preview` against the project is the check for that.
CLOUD_RUN_REGIONS: tuple[str, ...] = (
    # Tier 1
    "asia-east1", "asia-northeast1", "asia-northeast2", "europe-north1", "europe-southwest1",
    "europe-west1", "europe-west4", "europe-west8", "europe-west9", "me-west1", "us-central1",
    "us-east1", "us-east4", "us-east5", "us-south1", "us-west1",
    # Tier 2
    "africa-south1", "asia-east2", "asia-northeast3", "asia-southeast1", "asia-southeast2",
    "asia-south1", "asia-south2", "australia-southeast1", "australia-southeast2",
    "europe-central2", "europe-west10", "europe-west12", "europe-west2", "europe-west3",
    "europe-west6", "me-central1", "me-central2", "northamerica-northeast1",
    "northamerica-northeast2", "southamerica-east1", "southamerica-west1", "us-west2",
    "us-west3", "us-west4")

#: A project id: 6 to 30 characters, lower-case letters, digits and hyphens, a letter first,
#: no hyphen last. Source: "Creating and managing projects", project ID requirements,
#: https://cloud.google.com/resource-manager/docs/creating-managing-projects (checked
#: 2026-12-02).
PROJECT_ID = re.compile(r"[a-z][-a-z0-9]{4,28}[a-z0-9]")
#: A Cloud DNS managed zone name: 1-63 characters, a letter first, lower-case letters, digits
#: and dashes. Source: pulumi_gcp 10.2 `dns.ManagedZone(name=...)` docstring ("User assigned
#: name for this resource. Must be unique within the project.") and
#: https://cloud.google.com/dns/docs/zones ("zone name ... up to 63 characters ... lowercase
#: letters, numbers, and dashes ... start with a letter").
DNS_ZONE_NAME = re.compile(r"[a-z]([-a-z0-9]{0,61}[a-z0-9])?")
#: A billing account id: three groups of six upper-case hex digits (`012345-567890-ABCDEF`).
#: Source: "Find your Cloud Billing account ID",
#: https://cloud.google.com/billing/docs/how-to/find-billing-account-id (checked 2026-12-02);
#: the Budget component checks the same pattern.
BILLING_ACCOUNT_ID = re.compile(r"[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}")
#: A Secret Manager secret id: 1-255 letters, digits, `_` and `-`. Source: pulumi_gcp 10.2
#: `secretmanager.Secret(secret_id=...)` docstring ("must be unique ... [a-zA-Z0-9_-]").
SECRET_ID = re.compile(r"[A-Za-z0-9_-]{1,255}")
#: Cloud Run's instance autoscaling keeps CPU utilisation near 60% and has no setting for it:
#: "Cloud Run ... scales ... to keep CPU utilization at 60%". Source: "About instance
#: autoscaling in Cloud Run services", https://cloud.google.com/run/docs/about-instance-autoscaling
#: (checked 2026-12-02).
CLOUD_RUN_TARGET_CPU_PERCENT = 60
