"""PostgreSQL on GCP: Cloud SQL for PostgreSQL, private IP only.

`Database` creates a Cloud SQL instance reachable only on a private IP in the VPC (Private
Service Access: `ipv4_enabled` off, the network's allocated range), accepting encrypted
connections only (`ssl_mode` ENCRYPTED_ONLY); REGIONAL availability (a standby in another zone
with automatic failover) when `high_availability` is set; automated daily backups with
point-in-time recovery, the backups kept on deletion and a final backup taken; Cloud SQL's own
deletion protection and the provider's, plus Pulumi `protect`, when asked; the application
database; and two built-in users with generated passwords, each in its own Secret Manager
secret (JSON `username`, `password`, `host`, `port`, `dbname`), replicated in the instance's
region only:

* the administrator (`username`, `credentials_secret_id`): operators and migrations tooling;
* the services' user (`app_username`, `app_credentials_secret_id`, `auth_method`
  "password"): the identities named in `app_secret_accessors` get
  `roles/secretmanager.secretAccessor` on that secret and on `app_password_secret_id`, nothing
  else. That second secret holds the same password as its whole value: Cloud Run (and
  Container Apps) hand a secret to a container whole, with no JSON field to pick
  (`value_source.secret_key_ref` names a secret and a version only), so DATABASE_PASSWORD
  references it.

Both are Cloud SQL built-in users created through the Cloud SQL API: "All users you create
using Cloud SQL are created as part of the cloudsqlsuperuser role" with CREATEROLE, CREATEDB
and LOGIN ("About PostgreSQL users and roles", https://cloud.google.com/sql/docs/postgres/users).
Narrowing the services' role to the application database's privileges (as the AWS component's
bootstrap function does) is not done here yet.

TimescaleDB is refused (`timescaledb=True`): Cloud SQL does not offer the extension; the error
names the supported paths (`limits.TIMESCALEDB_REFUSAL`).
"""

import dataclasses
import re
from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_gcp as gcp
import pulumi_random as random

from forge_components.common import child_opts
from forge_components.gcp.labels import resource_labels
from forge_components.gcp.limits import (
    AUTONAME_SUFFIX,
    BACKUP_RETENTION_COUNT,
    DEFAULT_POSTGRES_MAJOR,
    EDITION_ENTERPRISE,
    EDITION_ENTERPRISE_PLUS,
    FINAL_BACKUP_RETENTION_DAYS,
    PITR_LOG_RETENTION_DAYS,
    POSTGRES_MAJORS,
    RESOURCE_NAME,
    RESOURCE_NAME_MAX,
    TIER_PATTERNS,
    TIMESCALEDB_REFUSAL,
)
from forge_components.gcp.networking import network_after_peering
from forge_components.gcp.secrets import regional_replication

COMPONENT = "forge-gcp:index:Database"
POSTGRES_PORT = 5432
AUTH_PASSWORD = "password"
#: The role that lets an identity read a secret's versions (and nothing else on it). Source:
#: "Secret Manager roles", https://cloud.google.com/secret-manager/docs/access-control
SECRET_ACCESSOR_ROLE = "roles/secretmanager.secretAccessor"
#: Flags every instance gets (Cloud SQL for PostgreSQL supported flags:
#: https://cloud.google.com/sql/docs/postgres/flags): connection and lock-wait logging, and
#: slow statements logged (`log_min_duration_statement` comes from its own arg).
BASE_FLAGS: dict[str, str] = {
    "log_connections": "on",
    "log_disconnections": "on",
    "log_lock_waits": "on",
}
#: The longest suffix the component appends to its name for a child.
_LONGEST_CHILD_SUFFIX = len("-admin-credentials")
#: A PostgreSQL role or database name: lower-case, unquoted identifier characters, at most 63
#: bytes (NAMEDATALEN - 1, https://www.postgresql.org/docs/current/sql-syntax-lexical.html).
_IDENTIFIER = re.compile(r"[a-z][a-z0-9_]{0,62}")
#: Role names PostgreSQL (`pg_`) and Cloud SQL (`cloudsql`, its cloudsqlsuperuser and
#: cloudsqladmin roles; the users page above) keep for themselves.
_RESERVED_ROLE_PREFIXES = ("pg_", "cloudsql")
#: Cloud SQL's built-in default user ("Create and manage users":
#: https://cloud.google.com/sql/docs/postgres/create-manage-users).
_DEFAULT_USER = "postgres"
_HHMM = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
_FLAG_NAME = re.compile(r"[a-z][a-z0-9_.]*")


class DatabaseArgs(TypedDict):
    """Arguments of the GCP `Database`. Defaults are safe: private IP only, TLS only, backups
    with point-in-time recovery, backups kept on deletion."""

    region: str
    """The instance's region (the VPC's subnets' region). Required."""
    network_id: pulumi.Input[str]
    """The VPC network (id or self link) the instance gets its private IP in: `Networking`'s
    `network_id`. Required."""
    private_service_access_connection_id: pulumi.Input[str]
    """The Service Networking peering of that network (`Networking`'s
    `private_service_access_connection_id`): the instance is created after it. Required."""
    allocated_ip_range: NotRequired[pulumi.Input[str]]
    """The name of the Private Service Access range to take the IP from (`Networking`'s
    `private_service_access_range_name`); unset lets Cloud SQL pick any of the network's
    allocated ranges. Defaults to unset."""
    engine_major_version: NotRequired[int]
    """The PostgreSQL major (one of `limits.POSTGRES_MAJORS`). Defaults to 17."""
    edition: NotRequired[str]
    """The Cloud SQL edition, "ENTERPRISE" or "ENTERPRISE_PLUS" (always set: unset, PostgreSQL
    16+ would default to ENTERPRISE_PLUS, which refuses shared-core and custom tiers). Defaults
    to "ENTERPRISE"."""
    tier: NotRequired[str]
    """The machine tier: `db-custom-<vCPUs>-<MiB>`, `db-f1-micro` or `db-g1-small` on
    ENTERPRISE, `db-perf-optimized-N-<n>` on ENTERPRISE_PLUS. Defaults to
    "db-custom-2-7680"."""
    high_availability: NotRequired[bool]
    """REGIONAL availability: a standby in a second zone with automatic failover (prod);
    otherwise ZONAL. Defaults to False."""
    disk_size_gb: NotRequired[int]
    """Initial PD-SSD size, GB (10 or more); it grows automatically and is never shrunk by the
    component. Defaults to 20."""
    disk_autoresize_limit_gb: NotRequired[int]
    """The ceiling automatic storage growth stops at, GB (at least `disk_size_gb`). Defaults
    to 200."""
    backup_retention_days: NotRequired[int]
    """Automated daily backups kept (Cloud SQL counts backups: one a day), 1..365. Defaults
    to 7."""
    point_in_time_recovery_days: NotRequired[int]
    """Days of transaction logs kept for point-in-time recovery: 1..7 on ENTERPRISE, 1..35 on
    ENTERPRISE_PLUS. Defaults to 7."""
    backup_start_time: NotRequired[str]
    """When the daily backup window starts, "HH:MM" UTC. Defaults to "03:00"."""
    backup_location: NotRequired[str | None]
    """Where the automated backups are stored: a region (another one than `region`
    puts every recovery point outside the instance's region: `forge-infra:dr`). Cloud SQL's
    `backup_configuration.location` takes a region or a multi-region
    (https://cloud.google.com/sql/docs/postgres/backup-recovery/backups, "custom backup
    location"; pulumi_gcp 10.2 `DatabaseInstanceSettingsBackupConfigurationArgs.location`).
    Defaults to `region`."""
    final_backup_retention_days: NotRequired[int]
    """Days the final backup taken when the instance is deleted is kept, 1..365. Defaults to
    30."""
    maintenance_day: NotRequired[int]
    """Maintenance window day, 1 (Monday) .. 7 (Sunday). Defaults to 7."""
    maintenance_hour: NotRequired[int]
    """Maintenance window start hour, 0..23 UTC. Defaults to 4."""
    deletion_protection: NotRequired[bool]
    """Cloud SQL's own deletion protection (every surface: API, gcloud, console, Pulumi) and
    the provider's `deletion_protection`. Defaults to False."""
    protect: NotRequired[bool]
    """Pulumi `protect` on the instance, the application database and the credentials'
    secrets (losing a secret loses the only copy of a generated password). Defaults to
    False."""
    database_name: NotRequired[str]
    """The application database. Defaults to "forge"."""
    admin_username: NotRequired[str]
    """The administrator's user name. Defaults to "forge_admin"."""
    app_username: NotRequired[str]
    """The services' user name (never the administrator). Defaults to "forge_app"."""
    app_secret_accessors: NotRequired[list[pulumi.Input[str]]]
    """IAM members (e.g. "serviceAccount:api@p.iam.gserviceaccount.com") granted
    `roles/secretmanager.secretAccessor` on the services' two secrets only (the JSON
    credentials and the whole-value password). Defaults to [] (none)."""
    log_min_duration_statement_ms: NotRequired[int]
    """Statements slower than this are logged (ms; -1 turns it off). Defaults to 1000."""
    database_flags: NotRequired[dict[str, str]]
    """Further Cloud SQL database flags for the app (name -> value), added to the logging
    flags the component sets; a flag the component sets cannot be overridden here. Defaults to
    {}."""
    query_insights: NotRequired[bool]
    """Query Insights (client addresses not recorded). Defaults to True."""
    kms_key_name: NotRequired[pulumi.Input[str]]
    """A Cloud KMS key (CMEK) for the instance's disk and backups; Cloud SQL's service agent
    must hold `roles/cloudkms.cryptoKeyEncrypterDecrypter` on it. Unset uses Google-managed
    encryption. Defaults to unset."""
    timescaledb: NotRequired[bool]
    """Asking for TimescaleDB is refused: Cloud SQL does not offer it; the error names the
    supported paths. Defaults to False."""
    labels: NotRequired[dict[str, str]]
    """Labels on the instance (`user_labels`) and the secrets. Defaults to {}."""


@dataclasses.dataclass(frozen=True)
class _Settings:
    """`DatabaseArgs` with every default applied (the host passes a plain dict)."""

    region: str
    network_id: pulumi.Input[str]
    private_service_access_connection_id: pulumi.Input[str]
    allocated_ip_range: pulumi.Input[str] | None = None
    engine_major_version: int = DEFAULT_POSTGRES_MAJOR
    edition: str = EDITION_ENTERPRISE
    tier: str = "db-custom-2-7680"
    high_availability: bool = False
    disk_size_gb: int = 20
    disk_autoresize_limit_gb: int = 200
    backup_retention_days: int = 7
    point_in_time_recovery_days: int = 7
    backup_start_time: str = "03:00"
    backup_location: str | None = None
    final_backup_retention_days: int = 30
    maintenance_day: int = 7
    maintenance_hour: int = 4
    deletion_protection: bool = False
    protect: bool = False
    database_name: str = "forge"
    admin_username: str = "forge_admin"
    app_username: str = "forge_app"
    app_secret_accessors: list[pulumi.Input[str]] = dataclasses.field(default_factory=list)
    log_min_duration_statement_ms: int = 1000
    database_flags: dict[str, str] = dataclasses.field(default_factory=dict)
    query_insights: bool = True
    kms_key_name: pulumi.Input[str] | None = None
    timescaledb: bool = False
    labels: dict[str, str] = dataclasses.field(default_factory=dict)


def _fail(message: str) -> ValueError:
    return ValueError(f"Database: {message}")


def _between(field: str, value: int, bounds: tuple[int, int]) -> None:
    low, high = bounds
    if not low <= value <= high:
        raise _fail(f"{field} must be between {low} and {high}, got {value}")


def validate_database_args(name: str, args: DatabaseArgs) -> _Settings:
    """The args with defaults applied, checked; a ValueError names the field and what is
    allowed. Pure (no Pulumi calls): the configuration can run the same checks."""
    s = _Settings(**args)
    if s.timescaledb:
        raise _fail(f"timescaledb: {TIMESCALEDB_REFUSAL}")
    longest = RESOURCE_NAME_MAX - AUTONAME_SUFFIX - _LONGEST_CHILD_SUFFIX
    if not RESOURCE_NAME.fullmatch(name) or len(name) > longest:
        raise _fail(f"name {name!r} must be a GCP resource name (a lower-case letter, then "
                    f"lower-case letters, digits or dashes, not ending with a dash) of at most "
                    f"{longest} characters")
    if not RESOURCE_NAME.fullmatch(s.region):
        raise _fail(f"region {s.region!r} is not a region name such as 'europe-west1'")
    if s.engine_major_version not in POSTGRES_MAJORS:
        raise _fail(f"engine_major_version must be one of {list(POSTGRES_MAJORS)} (regular "
                    f"support), got {s.engine_major_version}")
    if s.edition not in TIER_PATTERNS:
        raise _fail(f"edition {s.edition!r} is not one of {sorted(TIER_PATTERNS)}")
    if not TIER_PATTERNS[s.edition].fullmatch(s.tier):
        other = EDITION_ENTERPRISE_PLUS if s.edition == EDITION_ENTERPRISE else EDITION_ENTERPRISE
        hint = (f"; it is an {other} tier" if TIER_PATTERNS[other].fullmatch(s.tier) else "")
        raise _fail(f"tier {s.tier!r} is not a {s.edition} tier (ENTERPRISE: db-f1-micro, "
                    "db-g1-small, db-custom-<vCPUs>-<MiB>; ENTERPRISE_PLUS: "
                    f"db-perf-optimized-N-<n>){hint}")
    if s.disk_size_gb < 10:
        raise _fail(f"disk_size_gb must be 10 or more (PD-SSD), got {s.disk_size_gb}")
    if s.disk_autoresize_limit_gb < s.disk_size_gb:
        raise _fail(f"disk_autoresize_limit_gb ({s.disk_autoresize_limit_gb}) must be at least "
                    f"disk_size_gb ({s.disk_size_gb})")
    _between("backup_retention_days", s.backup_retention_days, BACKUP_RETENTION_COUNT)
    _between(f"point_in_time_recovery_days on {s.edition}", s.point_in_time_recovery_days,
             PITR_LOG_RETENTION_DAYS[s.edition])
    _between("final_backup_retention_days", s.final_backup_retention_days,
             FINAL_BACKUP_RETENTION_DAYS)
    if s.backup_location is not None and not re.fullmatch(r"[a-z]+(-[a-z0-9]+)*",
                                                          s.backup_location):
        raise _fail(f"backup_location {s.backup_location!r} is not a location such as "
                    "'europe-west4' or 'eu'")
    if not _HHMM.fullmatch(s.backup_start_time):
        raise _fail(f"backup_start_time must be HH:MM (UTC), got {s.backup_start_time!r}")
    _between("maintenance_day", s.maintenance_day, (1, 7))
    _between("maintenance_hour", s.maintenance_hour, (0, 23))
    for field in ("database_name", "admin_username", "app_username"):
        value = getattr(s, field)
        if not _IDENTIFIER.fullmatch(value):
            raise _fail(f"{field} {value!r} must be a lower-case PostgreSQL name: a letter, then "
                        "letters, digits or underscores, 63 at most")
    for field in ("admin_username", "app_username"):
        value = getattr(s, field)
        if value.startswith(_RESERVED_ROLE_PREFIXES) or value == _DEFAULT_USER:
            raise _fail(f"{field} {value!r} is reserved: PostgreSQL and Cloud SQL keep 'postgres' "
                        f"and the prefixes {list(_RESERVED_ROLE_PREFIXES)}")
    if s.app_username == s.admin_username:
        raise _fail(f"app_username {s.app_username!r} must differ from admin_username: the "
                    "services never log in as the administrator")
    if s.log_min_duration_statement_ms < -1:
        raise _fail("log_min_duration_statement_ms must be -1 (off) or more, got "
                    f"{s.log_min_duration_statement_ms}")
    owned = set(BASE_FLAGS) | {"log_min_duration_statement"}
    for flag in s.database_flags:
        if not _FLAG_NAME.fullmatch(flag):
            raise _fail(f"database_flags: {flag!r} is not a flag name")
        if flag in owned:
            raise _fail(f"database_flags: {flag!r} is set by the component (from its own arg "
                        f"or always): {sorted(owned)}")
    resource_labels(COMPONENT, s.labels)
    return s


def database_flags(s: _Settings) -> list[dict[str, str]]:
    """The instance's flags, sorted by name: the logging flags, then the caller's."""
    flags = {**BASE_FLAGS, "log_min_duration_statement": str(s.log_min_duration_statement_ms),
             **s.database_flags}
    return [{"name": key, "value": flags[key]} for key in sorted(flags)]


def _first_cert(certs: Sequence[Any] | None) -> str:
    """The PEM of the instance's current server CA (an output object or, from some callers, a
    plain mapping)."""
    if not certs:
        return ""
    first = certs[0]
    cert = first.get("cert") if isinstance(first, Mapping) else first.cert
    return str(cert or "")


class Database(pulumi.ComponentResource):
    """Cloud SQL for PostgreSQL on a private IP, with backups, point-in-time recovery, its
    users' generated passwords in Secret Manager and deletion protection when asked."""

    host: pulumi.Output[str]
    """The instance's private IP."""
    port: pulumi.Output[int]
    """The PostgreSQL port (5432)."""
    database_name: pulumi.Output[str]
    """The application database's name."""
    username: pulumi.Output[str]
    """The administrator (operators only, never the services)."""
    credentials_secret_id: pulumi.Output[str]
    """The Secret Manager secret (`projects/<project>/secrets/<id>`) holding the administrator's
    credentials as JSON (`username`, `password`, `host`, `port`, `dbname`)."""
    app_username: pulumi.Output[str]
    """The services' user (DATABASE_USER)."""
    auth_method: pulumi.Output[str]
    """How the services authenticate: "password" (from `app_credentials_secret_id`)."""
    app_credentials_secret_id: pulumi.Output[str]
    """The Secret Manager secret holding the services' credentials as JSON (`username`,
    `password`, `host`, `port`, `dbname`)."""
    app_password_secret_id: pulumi.Output[str]
    """The Secret Manager secret holding the services' password as its whole value (what a
    Cloud Run secret variable such as DATABASE_PASSWORD references)."""
    instance_name: pulumi.Output[str]
    """The Cloud SQL instance's name."""
    connection_name: pulumi.Output[str]
    """The instance's connection name, `project:region:instance` (Cloud SQL connectors)."""
    server_ca_cert: pulumi.Output[str]
    """The instance's server CA certificate (PEM), for `sslmode=verify-ca` clients."""
    availability_type: pulumi.Output[str]
    """REGIONAL or ZONAL."""

    def __init__(self, name: str, args: DatabaseArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, opts)
        s = validate_database_args(name, args)
        labels = resource_labels(COMPONENT, s.labels)
        availability = "REGIONAL" if s.high_availability else "ZONAL"

        private_network = network_after_peering(s.network_id,
                                                s.private_service_access_connection_id)

        instance = gcp.sql.DatabaseInstance(
            f"{name}-instance",
            region=s.region,
            database_version=f"POSTGRES_{s.engine_major_version}",
            deletion_protection=s.deletion_protection,
            encryption_key_name=s.kms_key_name,
            settings=gcp.sql.DatabaseInstanceSettingsArgs(
                tier=s.tier,
                edition=s.edition,
                availability_type=availability,
                disk_type="PD_SSD",
                disk_size=s.disk_size_gb,
                disk_autoresize=True,
                disk_autoresize_limit=s.disk_autoresize_limit_gb,
                deletion_protection_enabled=s.deletion_protection,
                retain_backups_on_delete=True,
                final_backup_config=gcp.sql.DatabaseInstanceSettingsFinalBackupConfigArgs(
                    enabled=True, retention_days=s.final_backup_retention_days),
                ip_configuration=gcp.sql.DatabaseInstanceSettingsIpConfigurationArgs(
                    ipv4_enabled=False,
                    private_network=private_network,
                    allocated_ip_range=s.allocated_ip_range,
                    ssl_mode="ENCRYPTED_ONLY",
                    enable_private_path_for_google_cloud_services=False,
                ),
                backup_configuration=gcp.sql.DatabaseInstanceSettingsBackupConfigurationArgs(
                    enabled=True,
                    point_in_time_recovery_enabled=True,
                    start_time=s.backup_start_time,
                    location=s.backup_location or s.region,
                    transaction_log_retention_days=s.point_in_time_recovery_days,
                    backup_retention_settings=gcp.sql.
                    DatabaseInstanceSettingsBackupConfigurationBackupRetentionSettingsArgs(
                        retained_backups=s.backup_retention_days, retention_unit="COUNT"),
                ),
                maintenance_window=gcp.sql.DatabaseInstanceSettingsMaintenanceWindowArgs(
                    day=s.maintenance_day, hour=s.maintenance_hour, update_track="stable"),
                insights_config=gcp.sql.DatabaseInstanceSettingsInsightsConfigArgs(
                    query_insights_enabled=s.query_insights,
                    record_client_address=False,
                    record_application_tags=False),
                database_flags=[gcp.sql.DatabaseInstanceSettingsDatabaseFlagArgs(**flag)
                                for flag in database_flags(s)],
                user_labels=labels,
            ),
            # Automatic storage growth changes the disk size behind the program's back; a
            # later `pulumi up` would try to delete the instance to shrink it back (pulumi_gcp
            # 10.2 `disk_size` docs: "ensure that lifecycle.ignore_changes is applied").
            opts=child_opts(self, protect=s.protect, ignore_changes=["settings.diskSize"]))

        database = gcp.sql.Database(
            f"{name}-database",
            instance=instance.name,
            name=s.database_name,
            opts=child_opts(self, protect=s.protect))

        host = instance.private_ip_address

        def user_with_secret(role: str, username: str, description: str,
                             ) -> tuple[gcp.sql.User, gcp.secretmanager.Secret,
                                        random.RandomPassword]:
            password = random.RandomPassword(
                f"{name}-{role}-password", length=40, special=False, opts=child_opts(self))
            user = gcp.sql.User(
                f"{name}-{role}",
                instance=instance.name,
                name=username,
                type="BUILT_IN",
                password=password.result,
                opts=child_opts(self, depends_on=[database]))
            secret = gcp.secretmanager.Secret(
                f"{name}-{role}-credentials",
                secret_id=f"{name}-{role}-credentials",
                replication=regional_replication(s.region),
                labels={**labels, "role": role},
                annotations={"description": description},
                opts=child_opts(self, protect=s.protect))
            gcp.secretmanager.SecretVersion(
                f"{name}-{role}-credentials",
                secret=secret.id,
                secret_data=pulumi.Output.json_dumps({
                    "username": user.name,
                    "password": password.result,
                    "host": host,
                    "port": POSTGRES_PORT,
                    "dbname": database.name,
                }),
                opts=child_opts(self))
            return user, secret, password

        admin, admin_secret, _ = user_with_secret(
            "admin", s.admin_username, f"forge {name}: the PostgreSQL administrator")
        app, app_secret, app_password = user_with_secret(
            "app", s.app_username, f"forge {name}: the services' PostgreSQL user")
        # The same password as a whole secret value: Cloud Run reads a secret whole.
        password_secret = gcp.secretmanager.Secret(
            f"{name}-app-password",
            secret_id=f"{name}-app-password",
            replication=regional_replication(s.region),
            labels={**labels, "role": "app"},
            annotations={"description": f"forge {name}: the services' PostgreSQL password "
                                        "(the whole value)"},
            opts=child_opts(self, protect=s.protect))
        gcp.secretmanager.SecretVersion(
            f"{name}-app-password",
            secret=password_secret.id,
            secret_data=app_password.result,
            opts=child_opts(self))
        for i, member in enumerate(s.app_secret_accessors):
            for secret_name, secret in (("credentials", app_secret),
                                        ("password", password_secret)):
                gcp.secretmanager.SecretIamMember(
                    f"{name}-app-{secret_name}-accessor-{i + 1}",
                    secret_id=secret.id,
                    role=SECRET_ACCESSOR_ROLE,
                    member=member,
                    opts=child_opts(self))

        self.host = host
        self.port = pulumi.Output.from_input(POSTGRES_PORT)
        self.database_name = database.name
        self.username = admin.name
        self.credentials_secret_id = admin_secret.id
        self.app_username = app.name
        self.auth_method = pulumi.Output.from_input(AUTH_PASSWORD)
        self.app_credentials_secret_id = app_secret.id
        self.app_password_secret_id = password_secret.id
        self.instance_name = instance.name
        self.connection_name = instance.connection_name
        self.server_ca_cert = instance.server_ca_certs.apply(_first_cert)
        self.availability_type = pulumi.Output.from_input(availability)
        self.register_outputs({
            "host": self.host,
            "port": self.port,
            "database_name": self.database_name,
            "username": self.username,
            "credentials_secret_id": self.credentials_secret_id,
            "app_username": self.app_username,
            "auth_method": self.auth_method,
            "app_credentials_secret_id": self.app_credentials_secret_id,
            "app_password_secret_id": self.app_password_secret_id,
            "instance_name": self.instance_name,
            "connection_name": self.connection_name,
            "server_ca_cert": self.server_ca_cert,
            "availability_type": self.availability_type,
        })
