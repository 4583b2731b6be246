"""PostgreSQL on AWS: Amazon RDS, or TimescaleDB on EC2 (RDS does not offer timescaledb).

`Database` creates either engine behind the same outputs (`host`, `port`, `database_name`,
`username`, `credentials_secret_id`, `app_username`, `auth_method`,
`app_credentials_secret_id`, `security_group_id`, `reader_hosts`, `engine`, `kms_key_arn`,
`iam_connect_arn`); the first eight are the contract every cloud's Database honours
(`forge_components.contracts.DatabaseOutputs`).

The services never log in as the master user. Both engines get the services' own role
(`app_username`), created inside the VPC by a bootstrap function (`db_bootstrap.py`, run as a
Lambda function and invoked by `aws.lambda_.Invocation` with the SQL as its input):

* rds-postgres: the role is granted `rds_iam`, so it logs in with IAM authentication only
  (`auth_method` "iam"): the services sign a 15-minute token with their IAM role, which needs
  `rds-db:connect` on `iam_connect_arn`. No password of theirs exists, so no rotation of the
  RDS-managed master password (every 7 days) can break their connections.
* timescaledb-ec2: PostgreSQL on EC2 has no IAM authentication; the role has a generated
  password held in its own Secrets Manager secret (`app_credentials_secret_id`,
  `auth_method` "password"), set by the bootstrap function and never rotated automatically.
"""

import dataclasses
import functools
import importlib.metadata
import importlib.resources
import pathlib
import re
from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict, cast

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from forge_components.aws import db_bootstrap
from forge_components.aws.ami import ubuntu_ami
from forge_components.aws.iam import account_id, managed_policy_arn, partition, service_trust_policy
from forge_components.aws.kms import kms_key
from forge_components.aws.limits import (
    BACKUP_RETENTION_DAYS,
    LOG_RETENTION_DAYS,
    MAX_READ_REPLICAS,
    MIN_POSTGRES_MAJOR,
    MONITORING_INTERVALS,
    RDS_STORAGE_GB,
    RESERVED_ROLE_PREFIXES,
    DatabaseEngine,
    min_max_allocated_storage_gb,
)
from forge_components.aws.security import between_members, ingress_from_groups
from forge_components.aws.tags import resource_tags
from forge_components.common import child_opts, physical_name

COMPONENT = "forge-aws:index:Database"
POSTGRES_PORT = 5432
#: The S3 prefix (inside the backups bucket) that WAL archives and base backups go to.
BACKUP_PREFIX = "timescaledb"
#: The RDS CA every instance is pinned to.
RDS_CA_CERT = "rds-ca-rsa2048-g1"
#: The log types RDS for PostgreSQL can export to CloudWatch Logs (CreateDBInstance's
#: EnableCloudwatchLogsExports, "RDS for PostgreSQL - postgresql | upgrade | iam-db-auth-error";
#: pulumi_aws.rds.Instance(enabled_cloudwatch_logs_exports=...) passes them through). Source:
#: https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html
RDS_POSTGRES_LOG_TYPES = ("postgresql", "upgrade", "iam-db-auth-error")
#: What every RDS instance exports: the server log and the major/minor upgrade log, the two
#: types AWS Config's rds-postgresql-logs-to-cloudwatch rule checks. Source:
#: https://docs.aws.amazon.com/config/latest/developerguide/rds-postgresql-logs-to-cloudwatch.html
RDS_POSTGRES_LOG_EXPORTS = ("postgresql", "upgrade")
#: The tag whose value selects the data volumes the DLM policy snapshots.
SNAPSHOT_TAG = "forge:snapshot-policy"
#: The log group RDS writes an exported log type to, and creates itself (unencrypted, never
#: expiring) unless it exists: "Publishing database logs to Amazon CloudWatch Logs",
#: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_LogAccess.Procedural.UploadtoCloudWatch.html
RDS_LOG_GROUP = "/aws/rds/instance/{identifier}/{log_type}"
#: How the services authenticate, per engine (the `auth_method` output, DATABASE_AUTH).
AUTH_IAM = "iam"
AUTH_PASSWORD = "password"
#: The role RDS grants IAM database authentication through ("Creating a database account
#: using IAM authentication", `GRANT rds_iam TO ...`):
#: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.DBAccounts.html
RDS_IAM_ROLE = "rds_iam"
#: The bootstrap function's runtime (pulumi_aws.lambda_.Runtime; Lambda runtimes and their
#: deprecation dates: https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html).
BOOTSTRAP_RUNTIME = "python3.13"
#: The bootstrap function's module name inside its archive, and its handler.
BOOTSTRAP_MODULE = "forge_db_bootstrap"
BOOTSTRAP_HANDLER = f"{BOOTSTRAP_MODULE}.handler"
#: The PostgreSQL driver the function bundles (pure Python), with what it requires.
BOOTSTRAP_DRIVER = "pg8000"
#: Lambda's longest function timeout, seconds ("Configure Lambda function timeout"):
#: https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html
BOOTSTRAP_TIMEOUT_SECONDS = 900
#: How long the function waits for a TimescaleDB primary still installing PostgreSQL.
BOOTSTRAP_WAIT_SECONDS = {DatabaseEngine.RDS_POSTGRES: 60, DatabaseEngine.TIMESCALEDB_EC2: 840}

_TEMPLATE = "timescaledb-user-data.sh"
_MARKER = re.compile(r"__FORGE_[A-Z0-9_]+__")
_SAFE_VALUE = re.compile(r"[A-Za-z0-9._:/@+=-]*")
#: A PostgreSQL role or database name the component writes into SQL: lower-case, unquoted
#: identifier characters only, at most 63 bytes (NAMEDATALEN - 1).
_IDENTIFIER = re.compile(r"[a-z][a-z0-9_]{0,62}")


class DatabaseArgs(TypedDict):
    """Arguments of `Database`. Defaults are safe: private, encrypted, final snapshot kept."""

    vpc_id: pulumi.Input[str]
    """The VPC the database lives in. Required."""
    subnet_ids: pulumi.Input[list[str]]
    """Where the database runs, one subnet per AZ. rds-postgres: the isolated database subnets.
    timescaledb-ec2: subnets with a route to the package repositories, S3 and Secrets Manager
    (the private subnets, behind NAT), which the instances use at boot; the primary goes in the
    first, the replica in the second. Required."""
    allowed_security_group_ids: list[pulumi.Input[str]]
    """The security groups admitted on 5432: the only sources, no CIDR ever. Required."""
    bootstrap_subnet_ids: pulumi.Input[list[str]]
    """Where the bootstrap function (which creates the services' role) runs: subnets with a
    route to Secrets Manager and the internet (the private subnets, behind NAT). Required."""
    engine: NotRequired[DatabaseEngine]
    """Which engine runs PostgreSQL. Defaults to `DatabaseEngine.RDS_POSTGRES`."""
    engine_major_version: NotRequired[int]
    """PostgreSQL major version (15 or later); only the major is pinned. Defaults to 16."""
    database_name: NotRequired[str]
    """The database created at launch. Defaults to "forge"."""
    master_username: NotRequired[str]
    """The administrator's user name. Defaults to "forge_admin"."""
    app_username: NotRequired[str]
    """The role the services log in as: IAM authentication on rds-postgres, a generated
    password in Secrets Manager on timescaledb-ec2; never the administrator. Defaults to
    "forge_app"."""
    multi_az: NotRequired[bool]
    """RDS: a Multi-AZ standby; timescaledb-ec2: a streaming hot-standby replica in the second
    subnet. Defaults to False."""
    backup_retention_days: NotRequired[int]
    """Days automated backups (RDS) or pgBackRest full backups (EC2) are kept, 1-35.
    Defaults to 7."""
    deletion_protection: NotRequired[bool]
    """RDS deletion protection; on EC2, termination protection of the instances.
    Defaults to False."""
    protect: NotRequired[bool]
    """Pulumi `protect` on the stateful children (instances, replicas, data volumes) and on
    the KMS key this component creates. Defaults to False."""
    kms_key_arn: NotRequired[pulumi.Input[str]]
    """The KMS key encrypting storage, backups and secrets; unset creates a key (with rotation,
    an explicit key policy and an alias). Defaults to unset (a key is created)."""
    log_min_duration_statement_ms: NotRequired[int]
    """Statements slower than this are logged (ms; -1 turns it off). Defaults to 1000."""
    log_kms_key_arn: NotRequired[pulumi.Input[str]]
    """The KMS key encrypting the CloudWatch log groups: the bootstrap function's, and on
    rds-postgres the groups of the exported logs (`/aws/rds/instance/<identifier>/postgresql`
    and `/upgrade`), which are then created before the instance. The key policy must let
    CloudWatch Logs use it. Unset: the function's group is unencrypted and RDS creates the
    export groups itself (unencrypted, never expiring). Defaults to unset."""
    log_retention_days: NotRequired[int]
    """Retention of the log groups this component creates (one of CloudWatch Logs' values).
    Defaults to 30."""
    tags: NotRequired[dict[str, str]]
    """Tags added to every taggable child. Defaults to {}."""

    # -- rds-postgres ---------------------------------------------------------------------
    instance_class: NotRequired[str]
    """rds-postgres: the instance class of the primary.
    Defaults to "db.t4g.medium"."""
    allocated_storage_gb: NotRequired[int]
    """rds-postgres: initial gp3 storage, GiB (20..65536). Defaults to 50."""
    max_allocated_storage_gb: NotRequired[int]
    """rds-postgres: storage autoscaling ceiling, GiB (at least `allocated_storage_gb`, at
    most 65536). Defaults to 200."""
    performance_insights: NotRequired[bool]
    """rds-postgres: Performance Insights (KMS-encrypted, 7 days). Defaults to True."""
    read_replica_count: NotRequired[int]
    """Read replicas: refused above 0 on both engines. rds-postgres lets RDS manage the
    master password, and RDS cannot create a replica of such an instance; timescaledb-ec2
    gets its replica from `multi_az`. Defaults to 0."""
    monitoring_interval: NotRequired[int]
    """rds-postgres: Enhanced Monitoring interval in seconds (0 = off). Defaults to 60."""
    backup_window: NotRequired[str]
    """rds-postgres: daily backup window, UTC. Defaults to "03:00-04:00"."""
    maintenance_window: NotRequired[str]
    """rds-postgres: weekly maintenance window, UTC. Defaults to "sun:04:30-sun:05:30"."""

    # -- timescaledb-ec2 ------------------------------------------------------------------
    instance_type: NotRequired[str]
    """timescaledb-ec2: EC2 instance type (amd64). Defaults to "t3.large"."""
    data_volume_gb: NotRequired[int]
    """timescaledb-ec2: size of each encrypted gp3 data volume, GiB. Defaults to 100."""
    backups_bucket_name: NotRequired[pulumi.Input[str]]
    """timescaledb-ec2: the S3 bucket WAL archives and base backups go to (under
    `timescaledb/`); required for that engine. Defaults to unset."""
    backups_bucket_arn: NotRequired[pulumi.Input[str]]
    """timescaledb-ec2: the ARN of `backups_bucket_name`, scoping the instance's IAM policy;
    required for that engine. Defaults to unset."""
    ami_id: NotRequired[pulumi.Input[str]]
    """timescaledb-ec2: the AMI; unset looks up the latest Ubuntu 22.04 LTS amd64 from
    Canonical (later AMI releases do not replace running instances). Defaults to unset."""
    snapshot_retention_count: NotRequired[int]
    """timescaledb-ec2: daily EBS snapshots of the data volumes kept by DLM. Defaults to 7."""


@dataclasses.dataclass(frozen=True)
class _Settings:
    """`DatabaseArgs` with every default applied (the host passes a plain dict)."""

    vpc_id: pulumi.Input[str]
    subnet_ids: pulumi.Input[list[str]]
    allowed_security_group_ids: list[pulumi.Input[str]]
    bootstrap_subnet_ids: pulumi.Input[list[str]] | None = None
    engine: DatabaseEngine = DatabaseEngine.RDS_POSTGRES
    engine_major_version: int = 16
    database_name: str = "forge"
    master_username: str = "forge_admin"
    app_username: str = "forge_app"
    multi_az: bool = False
    backup_retention_days: int = 7
    deletion_protection: bool = False
    protect: bool = False
    kms_key_arn: pulumi.Input[str] | None = None
    log_min_duration_statement_ms: int = 1000
    log_kms_key_arn: pulumi.Input[str] | None = None
    log_retention_days: int = 30
    tags: dict[str, str] = dataclasses.field(default_factory=dict)
    instance_class: str = "db.t4g.medium"
    allocated_storage_gb: int = 50
    max_allocated_storage_gb: int = 200
    performance_insights: bool = True
    read_replica_count: int = 0
    monitoring_interval: int = 60
    backup_window: str = "03:00-04:00"
    maintenance_window: str = "sun:04:30-sun:05:30"
    instance_type: str = "t3.large"
    data_volume_gb: int = 100
    backups_bucket_name: pulumi.Input[str] | None = None
    backups_bucket_arn: pulumi.Input[str] | None = None
    ami_id: pulumi.Input[str] | None = None
    snapshot_retention_count: int = 7



def _fail(message: str) -> ValueError:
    return ValueError(f"Database: {message}")


def _settings(args: DatabaseArgs) -> _Settings:
    """The args with defaults applied, checked against the limits of `aws/limits.py`.

    Pure (no Pulumi calls). Raises ValueError naming the component, the field and what is
    allowed, for the first problem found.
    """
    s = _Settings(**args)
    try:
        engine = DatabaseEngine(s.engine)
    except ValueError:
        raise _fail(f"engine {s.engine!r} is not one of "
                    f"{[e.value for e in DatabaseEngine]}") from None
    if s.bootstrap_subnet_ids is None:
        raise _fail("bootstrap_subnet_ids is required: the function that creates the services' "
                    "role runs there and must reach Secrets Manager (the private subnets, "
                    "behind NAT)")
    for field in ("database_name", "master_username", "app_username"):
        value = getattr(s, field)
        if not _IDENTIFIER.fullmatch(value):
            raise _fail(f"{field} {value!r} must be a lower-case PostgreSQL name: a letter, then "
                        "letters, digits or underscores, 63 at most")
    if s.app_username == s.master_username:
        raise _fail(f"app_username {s.app_username!r} must differ from master_username: the "
                    "services never log in as the administrator")
    if s.app_username.startswith(RESERVED_ROLE_PREFIXES):
        raise _fail(f"app_username {s.app_username!r} starts with a prefix PostgreSQL or RDS "
                    f"reserves for its own roles ({', '.join(RESERVED_ROLE_PREFIXES)})")
    if s.log_retention_days not in LOG_RETENTION_DAYS:
        raise _fail(f"log_retention_days must be one of {list(LOG_RETENTION_DAYS)}, got "
                    f"{s.log_retention_days}")
    if s.engine_major_version < MIN_POSTGRES_MAJOR:
        raise _fail(f"engine_major_version must be {MIN_POSTGRES_MAJOR} or later, got "
                    f"{s.engine_major_version}")
    low, high = BACKUP_RETENTION_DAYS
    if not low <= s.backup_retention_days <= high:
        raise _fail(f"backup_retention_days must be between {low} and {high}, got "
                    f"{s.backup_retention_days}")
    if engine is DatabaseEngine.TIMESCALEDB_EC2:
        if s.backups_bucket_name is None or s.backups_bucket_arn is None:
            raise _fail(
                "engine 'timescaledb-ec2' requires backups_bucket_name and backups_bucket_arn "
                "(WAL archives and base backups go to that bucket)")
        if s.read_replica_count:
            raise _fail(
                "read_replica_count applies to engine 'rds-postgres' only; "
                "engine 'timescaledb-ec2' gets its streaming replica from multi_az")
        if s.snapshot_retention_count < 1:
            raise _fail("snapshot_retention_count must be at least 1, got "
                        f"{s.snapshot_retention_count}")
        if s.multi_az and isinstance(s.subnet_ids, list | tuple) and len(s.subnet_ids) < 2:
            raise _fail("multi_az on engine 'timescaledb-ec2' needs two subnet_ids "
                        "(the replica goes in the second)")
    else:
        if not 0 <= s.read_replica_count <= MAX_READ_REPLICAS:
            raise _fail(f"read_replica_count must be between 0 and {MAX_READ_REPLICAS}, got "
                        f"{s.read_replica_count}")
        if s.read_replica_count:
            # AWS lists read replicas of a source whose credentials Secrets Manager manages
            # among the unsupported features (every engine but RDS for SQL Server):
            # https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html#rds-secrets-manager-limitations
            raise _fail(f"read_replica_count is {s.read_replica_count}, but RDS cannot create "
                        "a read replica of an instance whose master password it manages in "
                        "Secrets Manager (this component always lets RDS manage and rotate "
                        "it); use 0")
        if s.monitoring_interval not in MONITORING_INTERVALS:
            raise _fail(f"monitoring_interval must be one of {list(MONITORING_INTERVALS)}, "
                        f"got {s.monitoring_interval}")
        low, high = RDS_STORAGE_GB
        for field in ("allocated_storage_gb", "max_allocated_storage_gb"):
            value = getattr(s, field)
            if not low <= value <= high:
                raise _fail(f"{field} must be between {low} and {high} GiB, got {value}")
        if s.max_allocated_storage_gb < s.allocated_storage_gb:
            raise _fail(f"max_allocated_storage_gb ({s.max_allocated_storage_gb}) must not be "
                        f"below allocated_storage_gb ({s.allocated_storage_gb})")
        least = min_max_allocated_storage_gb(s.allocated_storage_gb)
        if s.max_allocated_storage_gb < least:
            raise _fail(f"max_allocated_storage_gb ({s.max_allocated_storage_gb}) must be at "
                        f"least 10% above allocated_storage_gb ({s.allocated_storage_gb}), "
                        f"so at least {least}: RDS refuses a smaller storage autoscaling "
                        f"ceiling")
    return dataclasses.replace(s, engine=engine)


def validate_database_args(args: DatabaseArgs) -> None:
    """Check the args are consistent with each other; raise ValueError naming the fields.

    Pure (no Pulumi calls): the stack configuration runs its own validation with the same
    limits; this rejects what the component cannot build.
    """
    _settings(args)


def render_user_data(values: Mapping[str, str | int]) -> str:
    """The TimescaleDB boot script with `__FORGE_<KEY>__` markers filled from `values`.

    Pure. Values must be plain identifiers (ids, ARNs, names, addresses): anything that could
    break out of the shell's quoting is refused, and so is a marker left unfilled.
    """
    template = (importlib.resources.files("forge_components") / "aws" / "templates" / _TEMPLATE
                ).read_text(encoding="utf-8")
    for key, value in values.items():
        text = str(value)
        if not _SAFE_VALUE.fullmatch(text):
            raise ValueError(f"user data value {key} has characters the script cannot quote: "
                             f"{text!r}")
        template = template.replace(f"__FORGE_{key.upper()}__", text)
    left = sorted(set(_MARKER.findall(template)))
    if left:
        raise ValueError(f"user data markers left unfilled: {left}")
    return template


def bootstrap_statements(engine: DatabaseEngine, app_username: str,
                         database_name: str) -> list[str]:
    """The SQL the bootstrap function runs as the master user, in the application database.

    Pure. Re-runnable: the role is created only when missing (PostgreSQL has no `CREATE ROLE IF
    NOT EXISTS`), `ALTER ROLE ... LOGIN` and the grants converge. The role may connect, create
    temporary tables and create objects in schema `public` (PostgreSQL 15 and later no longer
    grant CREATE there to everyone), so the services own the tables their migrations create.
    On rds-postgres it is granted `rds_iam`: it can then log in with IAM tokens only. Names
    must be plain identifiers (ValueError otherwise); they are double-quoted all the same.
    """
    engine = DatabaseEngine(engine)
    for value in (app_username, database_name):
        if not _IDENTIFIER.fullmatch(value):
            raise ValueError(f"{value!r} is not a plain PostgreSQL identifier")
    role, database = f'"{app_username}"', f'"{database_name}"'
    statements = [
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = "
        f"'{app_username}') THEN CREATE ROLE {role} LOGIN; END IF; END $$",
        f"ALTER ROLE {role} LOGIN",
    ]
    if engine is DatabaseEngine.RDS_POSTGRES:
        statements.append(f"GRANT {RDS_IAM_ROLE} TO {role}")
    statements += [
        f"GRANT CONNECT, TEMPORARY ON DATABASE {database} TO {role}",
        f"GRANT USAGE, CREATE ON SCHEMA public TO {role}",
    ]
    return statements


def iam_connect_arn(instance_arn: str, resource_id: str, username: str) -> str:
    """The `rds-db:connect` resource of one database user: the partition, region and account
    come from the instance's ARN (`arn:<partition>:rds:<region>:<account>:db:<id>`). Format:
    `arn:${Partition}:rds-db:${Region}:${Account}:dbuser:${DbiResourceId}/${DbUserName}`,
    https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonrdsiamauthentication.html
    """
    parts = instance_arn.split(":")
    if len(parts) < 6 or parts[0] != "arn" or parts[2] != "rds":
        raise ValueError(f"not an RDS instance ARN: {instance_arn!r}")
    partition_name, region, account = parts[1], parts[3], parts[4]
    return f"arn:{partition_name}:rds-db:{region}:{account}:dbuser:{resource_id}/{username}"


def _requirement_names(distribution: importlib.metadata.Distribution) -> list[str]:
    """The distributions `distribution` requires (extras' requirements left out)."""
    names = []
    for requirement in distribution.requires or []:
        if "extra ==" in requirement.replace("extra==", "extra =="):
            continue
        match = re.match(r"[A-Za-z0-9._-]+", requirement)
        if match:
            names.append(match.group(0))
    return names


@functools.cache
def bootstrap_files(driver: str = BOOTSTRAP_DRIVER) -> dict[str, pathlib.Path]:
    """Every file the bootstrap function's archive holds, by its path inside the archive: the
    function's module, and the installed files of `driver` and of what it requires, however
    deep (their packages and modules; no metadata, no byte code).

    Raises RuntimeError naming the missing distribution when one is not installed (it comes
    with forge-infra's `aws` extra).
    """
    files = {f"{BOOTSTRAP_MODULE}.py": pathlib.Path(db_bootstrap.__file__)}
    pending, seen = [driver], set()
    while pending:
        name = pending.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in seen:
            continue
        seen.add(key)
        try:
            distribution = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            raise RuntimeError(
                f"the database bootstrap function bundles {name}, which is not installed; "
                "install forge-infra with its aws extra") from None
        for path in distribution.files or []:
            parts = path.parts
            if (parts[0] in ("..", "bin") or parts[0].endswith((".dist-info", ".egg-info"))
                    or "__pycache__" in parts or path.suffix == ".pyc"):
                continue
            files[path.as_posix()] = pathlib.Path(str(distribution.locate_file(path)))
        pending.extend(_requirement_names(distribution))
    return dict(sorted(files.items()))


def bootstrap_archive() -> pulumi.AssetArchive:
    """The bootstrap function's code: `bootstrap_files()` as one archive."""
    return pulumi.AssetArchive({
        path: pulumi.FileAsset(str(source)) for path, source in bootstrap_files().items()})


class Database(pulumi.ComponentResource):
    """A private, encrypted PostgreSQL database on RDS or TimescaleDB on EC2.

    rds-postgres: RDS for PostgreSQL with a parameter group preloading `pg_stat_statements`
    and `pg_cron` (`cron.database_name` points at `database_name`), TLS forced, the master
    password managed by RDS in Secrets Manager, storage autoscaling, Performance Insights and
    Enhanced Monitoring; no read replicas (RDS cannot replicate an instance whose master
    password it manages). `pg_partman` needs no preload: run
    `CREATE EXTENSION pg_partman` in the database. RDS does not offer timescaledb.

    timescaledb-ec2: PostgreSQL + TimescaleDB on Ubuntu 22.04 with its data on a separate
    encrypted gp3 volume, continuous WAL archiving and nightly full base backups with
    pgBackRest to `s3://<backups bucket>/timescaledb/` (SSE-KMS), daily EBS snapshots by DLM,
    shell access through SSM only, and with `multi_az` a streaming hot standby in another AZ.

    Both: the services' own role (`app_username`), created in the VPC by the bootstrap
    function (a Lambda function in `bootstrap_subnet_ids`, invoked by `aws.lambda_.Invocation`
    with the SQL as its input): IAM authentication on RDS, a generated password on EC2.
    """

    host: pulumi.Output[str]
    """The primary's host name (RDS) or private address (EC2)."""
    port: pulumi.Output[int]
    """The PostgreSQL port, 5432."""
    database_name: pulumi.Output[str]
    """The database created at launch."""
    username: pulumi.Output[str]
    """The administrator's user name (the `username` field of the credentials secret)."""
    credentials_secret_id: pulumi.Output[str]
    """ARN of the Secrets Manager secret holding the administrator's JSON
    `{"username", "password"}`: for operators and the bootstrap function, never the services."""
    app_username: pulumi.Output[str]
    """The role the services log in as; it resolves once the bootstrap function has created
    it, so resources that use it wait for the role."""
    auth_method: pulumi.Output[str]
    """How the services authenticate: "iam" (rds-postgres: IAM tokens, no password) or
    "password" (timescaledb-ec2: the password in `app_credentials_secret_id`)."""
    app_credentials_secret_id: pulumi.Output[str]
    """ARN of the secret holding the services' JSON `{"username", "password"}` where they
    authenticate by password (timescaledb-ec2); "" with IAM authentication."""
    iam_connect_arn: pulumi.Output[str]
    """The `rds-db:connect` resource the services' IAM roles need (rds-postgres); "" on
    timescaledb-ec2."""
    security_group_id: pulumi.Output[str]
    """The database's security group (5432 from the allowed groups only)."""
    reader_hosts: pulumi.Output[list[str]]
    """The hot standby's address (timescaledb-ec2 with `multi_az`); empty otherwise."""
    engine: pulumi.Output[str]
    """The engine: "rds-postgres" or "timescaledb-ec2"."""
    kms_key_arn: pulumi.Output[str]
    """The KMS key encrypting storage, backups and the credentials secret."""
    backup_resource_arns: pulumi.Output[list[str]]
    """What AWS Backup protects of the database: the RDS instance's ARN (rds-postgres); empty
    on timescaledb-ec2, whose base backups and WAL archive live in the backups bucket."""

    def __init__(self, name: str, args: DatabaseArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, opts)
        settings = _settings(args)
        self._args = settings
        self._name = name
        self._engine = settings.engine

        self._kms_key: aws.kms.Key | None = None
        self._primary: aws.rds.Instance | aws.ec2.Instance
        self.kms_key_arn = self._key_arn()
        self._security_group = aws.ec2.SecurityGroup(
            f"{name}-sg",
            vpc_id=settings.vpc_id,
            description=f"PostgreSQL {name}: 5432 from the allowed security groups only",
            tags=self._tags(f"{name}-sg"),
            opts=child_opts(self),
        )
        ingress_from_groups(
            self, f"{name}-ingress", security_group_id=self._security_group.id,
            sources=settings.allowed_security_group_ids, port=POSTGRES_PORT,
            description="PostgreSQL from an allowed security group", tags=self._tags)

        if self._engine is DatabaseEngine.RDS_POSTGRES:
            self._rds()
        else:
            self._timescaledb_ec2()
        self._bootstrap()

        self.engine = pulumi.Output.from_input(self._engine.value)
        self.database_name = pulumi.Output.from_input(settings.database_name)
        self.username = pulumi.Output.from_input(settings.master_username)
        # Resolved once the bootstrap has run: whoever uses the role name (the services'
        # environment) waits until the role exists.
        self.app_username = self._invocation.id.apply(lambda _: settings.app_username)
        self.security_group_id = self._security_group.id
        primary = self._primary
        self.backup_resource_arns = (
            primary.arn.apply(lambda arn: [arn]) if isinstance(primary, aws.rds.Instance)
            else pulumi.Output.from_input([]))
        self.register_outputs({
            "host": self.host,
            "port": self.port,
            "database_name": self.database_name,
            "username": self.username,
            "credentials_secret_id": self.credentials_secret_id,
            "app_username": self.app_username,
            "auth_method": self.auth_method,
            "app_credentials_secret_id": self.app_credentials_secret_id,
            "iam_connect_arn": self.iam_connect_arn,
            "security_group_id": self.security_group_id,
            "reader_hosts": self.reader_hosts,
            "engine": self.engine,
            "kms_key_arn": self.kms_key_arn,
            "backup_resource_arns": self.backup_resource_arns,
        })

    # -- shared -----------------------------------------------------------------------------

    def _tags(self, child_name: str, specific: dict[str, str] | None = None) -> dict[str, str]:
        return resource_tags(child_name, COMPONENT, self._args.tags, specific)

    def _key_arn(self) -> pulumi.Output[str]:
        """The key given, or a new one with rotation and an alias (bring-your-own / create)."""
        if self._args.kms_key_arn is not None:
            return pulumi.Output.from_input(self._args.kms_key_arn)
        name = self._name
        self._kms_key = kms_key(
            self, f"{name}-key",
            description=f"forge {name}: database storage, backups and secrets",
            tags=self._tags(f"{name}-key"),
            alias=physical_name(name, "database", 200),
            # Deleting the key makes the storage, snapshots and secrets it encrypts unreadable.
            protect=self._args.protect)
        return self._kms_key.arn

    def _service_role(self, child_name: str, service: str, managed_policy: str, *,
                      source_account: bool = False) -> aws.iam.Role:
        """A role `service` assumes, with one AWS-managed policy attached.

        `source_account` pins the trust to this account (`aws:SourceAccount`), for the
        services `forge_components.aws.iam` lists as supporting it.
        """
        trust = service_trust_policy(
            service, account_id=account_id(self) if source_account else None)
        role = aws.iam.Role(
            child_name,
            description=f"forge {self._name}: {service}",
            assume_role_policy=trust,
            tags=self._tags(child_name),
            opts=child_opts(self),
        )
        aws.iam.RolePolicyAttachment(
            f"{child_name}-policy",
            role=role.name,
            policy_arn=managed_policy_arn(partition(self), managed_policy),
            opts=child_opts(self),
        )
        return role

    # -- rds-postgres -----------------------------------------------------------------------

    def _rds(self) -> None:
        args, name = self._args, self._name
        major = args.engine_major_version
        subnet_group = aws.rds.SubnetGroup(
            f"{name}-subnets",
            subnet_ids=args.subnet_ids,
            description=f"forge {name}: isolated database subnets",
            tags=self._tags(f"{name}-subnets"),
            opts=child_opts(self),
        )
        parameter_group = aws.rds.ParameterGroup(
            f"{name}-params",
            family=f"postgres{major}",
            description=f"forge {name}: pg_stat_statements, pg_cron, TLS only",
            parameters=[
                aws.rds.ParameterGroupParameterArgs(
                    name="shared_preload_libraries", value="pg_stat_statements,pg_cron",
                    apply_method="pending-reboot"),
                aws.rds.ParameterGroupParameterArgs(
                    name="cron.database_name", value=args.database_name,
                    apply_method="pending-reboot"),
                aws.rds.ParameterGroupParameterArgs(
                    name="rds.force_ssl", value="1", apply_method="immediate"),
                aws.rds.ParameterGroupParameterArgs(
                    name="log_min_duration_statement",
                    value=str(args.log_min_duration_statement_ms), apply_method="immediate"),
            ],
            tags=self._tags(f"{name}-params"),
            opts=child_opts(self),
        )
        monitoring_role = None
        if args.monitoring_interval:
            monitoring_role = self._service_role(
                f"{name}-monitoring", "monitoring.rds.amazonaws.com",
                "service-role/AmazonRDSEnhancedMonitoringRole", source_account=True)
        # The identifier is fixed by the component's name (no random suffix), so the export
        # log groups can be named, and created, before the instance.
        identifier = physical_name(name, "", 63)
        log_groups: list[pulumi.Resource] = []
        if args.log_kms_key_arn is not None:
            for log_type in RDS_POSTGRES_LOG_EXPORTS:
                log_groups.append(aws.cloudwatch.LogGroup(
                    f"{name}-{log_type}-log",
                    name=RDS_LOG_GROUP.format(identifier=identifier, log_type=log_type),
                    retention_in_days=args.log_retention_days,
                    kms_key_id=args.log_kms_key_arn,
                    tags=self._tags(f"{name}-{log_type}-log"),
                    opts=child_opts(self),
                ))
        # A final snapshot name must be unique: a random suffix, renewed with the identifier.
        snapshot_suffix = random.RandomId(
            f"{name}-final-snapshot-suffix", byte_length=4, keepers={"identifier": identifier},
            opts=child_opts(self))
        common: dict[str, Any] = {
            "instance_class": args.instance_class,
            "storage_encrypted": True,
            "kms_key_id": self.kms_key_arn,
            "publicly_accessible": False,
            "vpc_security_group_ids": [self._security_group.id],
            "parameter_group_name": parameter_group.name,
            "port": POSTGRES_PORT,
            "auto_minor_version_upgrade": True,
            "iam_database_authentication_enabled": True,
            "ca_cert_identifier": RDS_CA_CERT,
            "copy_tags_to_snapshot": True,
            "deletion_protection": args.deletion_protection,
            "enabled_cloudwatch_logs_exports": list(RDS_POSTGRES_LOG_EXPORTS),
            "performance_insights_enabled": args.performance_insights,
            "performance_insights_kms_key_id": (
                self.kms_key_arn if args.performance_insights else None),
            "performance_insights_retention_period": 7 if args.performance_insights else None,
            "monitoring_interval": args.monitoring_interval,
            "monitoring_role_arn": monitoring_role.arn if monitoring_role else None,
            "apply_immediately": False,
        }
        primary = aws.rds.Instance(
            f"{name}-primary",
            identifier=identifier,
            engine="postgres",
            engine_version=str(major),
            allow_major_version_upgrade=False,
            allocated_storage=args.allocated_storage_gb,
            max_allocated_storage=args.max_allocated_storage_gb,
            storage_type="gp3",
            db_name=args.database_name,
            username=args.master_username,
            manage_master_user_password=True,
            master_user_secret_kms_key_id=self.kms_key_arn,
            db_subnet_group_name=subnet_group.name,
            multi_az=args.multi_az,
            backup_retention_period=args.backup_retention_days,
            backup_window=args.backup_window,
            maintenance_window=args.maintenance_window,
            delete_automated_backups=False,
            skip_final_snapshot=False,
            final_snapshot_identifier=snapshot_suffix.hex.apply(
                lambda h: f"{identifier}-final-{h}"),
            tags=self._tags(f"{name}-primary"),
            opts=child_opts(self, protect=args.protect, depends_on=log_groups or None),
            **common,
        )
        self._primary = primary
        self.host = primary.address
        self.port = primary.port
        self.credentials_secret_id = primary.master_user_secrets.apply(_first_secret_arn)
        self.auth_method = pulumi.Output.from_input(AUTH_IAM)
        self.app_credentials_secret_id = pulumi.Output.from_input("")
        self.iam_connect_arn = pulumi.Output.all(primary.arn, primary.resource_id).apply(
            lambda values: iam_connect_arn(values[0], values[1], args.app_username))
        self._bootstrap_trigger = primary.resource_id
        self._secret_arns: list[pulumi.Input[str]] = [self.credentials_secret_id]
        self._app_secret_arn: pulumi.Input[str] | None = None
        # No RDS read replicas (see _settings): the reads go to the primary.
        self.reader_hosts = pulumi.Output.from_input([])

    # -- timescaledb-ec2 --------------------------------------------------------------------

    def _timescaledb_ec2(self) -> None:
        args, name = self._args, self._name
        partition_name = partition(self)
        sg = self._security_group
        # Outbound: package repositories (HTTP/HTTPS), S3, Secrets Manager and SSM (HTTPS).
        for port in (80, 443):
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-egress-{port}",
                security_group_id=sg.id,
                cidr_ipv4="0.0.0.0/0",
                ip_protocol="tcp",
                from_port=port,
                to_port=port,
                description="package repositories and AWS APIs",
                tags=self._tags(f"{name}-egress-{port}"),
                opts=child_opts(self),
            )
        if args.multi_az:
            # Streaming replication: replica -> primary on 5432, inside this group only.
            between_members(
                self, ingress_name=f"{name}-ingress-replication",
                egress_name=f"{name}-egress-replication", security_group_id=sg.id,
                port=POSTGRES_PORT,
                description="PostgreSQL streaming replication between primary and replica",
                tags=self._tags)

        # The passwords: generated, stored KMS-encrypted, read by the instances at boot.
        password = random.RandomPassword(
            f"{name}-password", length=40, special=False, opts=child_opts(self))
        replication_password = random.RandomPassword(
            f"{name}-replication-password", length=40, special=False, opts=child_opts(self))
        secret = aws.secretsmanager.Secret(
            f"{name}-password",
            description=f"forge {name}: PostgreSQL credentials (JSON username/password)",
            kms_key_id=self.kms_key_arn,
            tags=self._tags(f"{name}-password"),
            opts=child_opts(self),
        )
        aws.secretsmanager.SecretVersion(
            f"{name}-password",
            secret_id=secret.id,
            secret_string=pulumi.Output.json_dumps({
                "username": args.master_username,
                "password": password.result,
                "engine": "postgres",
                "port": POSTGRES_PORT,
                "dbname": args.database_name,
                "replication_username": "replicator",
                "replication_password": replication_password.result,
            }),
            opts=child_opts(self),
        )

        # The services' role: its own generated password and secret (no IAM authentication
        # on EC2). The bootstrap function sets the password; nothing rotates it.
        app_password = random.RandomPassword(
            f"{name}-app-password", length=40, special=False, opts=child_opts(self))
        app_secret = aws.secretsmanager.Secret(
            f"{name}-app-credentials",
            description=f"forge {name}: the services' PostgreSQL role (JSON username/password)",
            kms_key_id=self.kms_key_arn,
            tags=self._tags(f"{name}-app-credentials"),
            opts=child_opts(self),
        )
        app_secret_version = aws.secretsmanager.SecretVersion(
            f"{name}-app-credentials",
            secret_id=app_secret.id,
            secret_string=pulumi.Output.json_dumps({
                "username": args.app_username,
                "password": app_password.result,
                "engine": "postgres",
                "port": POSTGRES_PORT,
                "dbname": args.database_name,
            }),
            opts=child_opts(self),
        )

        # The instance role: SSM for shell-less access, its own secret, the backup prefix.
        role = aws.iam.Role(
            f"{name}-instance",
            description=f"forge {name}: TimescaleDB instances",
            assume_role_policy=service_trust_policy("ec2.amazonaws.com"),
            tags=self._tags(f"{name}-instance"),
            opts=child_opts(self),
        )
        aws.iam.RolePolicyAttachment(
            f"{name}-instance-ssm",
            role=role.name,
            policy_arn=managed_policy_arn(partition_name, "AmazonSSMManagedInstanceCore"),
            opts=child_opts(self),
        )
        # Not None: _settings refuses this engine without a backups bucket.
        bucket_arn = pulumi.Output.from_input(cast(pulumi.Input[str], args.backups_bucket_arn))
        aws.iam.RolePolicy(
            f"{name}-instance",
            role=role.name,
            policy=pulumi.Output.json_dumps({
                "Version": "2012-10-17",
                "Statement": [
                    {"Sid": "BackupObjects", "Effect": "Allow",
                     # Delete: pgBackRest expires backups and WAL past the retention.
                     "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                     "Resource": pulumi.Output.concat(bucket_arn, f"/{BACKUP_PREFIX}/*")},
                    {"Sid": "BackupListing", "Effect": "Allow",
                     "Action": "s3:ListBucket",
                     "Resource": bucket_arn,
                     "Condition": {"StringLike": {
                         "s3:prefix": [BACKUP_PREFIX, f"{BACKUP_PREFIX}/*"]}}},
                    {"Sid": "OwnSecret", "Effect": "Allow",
                     "Action": "secretsmanager:GetSecretValue",
                     "Resource": secret.arn},
                    {"Sid": "Encryption", "Effect": "Allow",
                     "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                     "Resource": self.kms_key_arn},
                ],
            }),
            opts=child_opts(self),
        )
        profile = aws.iam.InstanceProfile(
            f"{name}-instance",
            role=role.name,
            tags=self._tags(f"{name}-instance"),
            opts=child_opts(self),
        )

        ami = args.ami_id if args.ami_id is not None else ubuntu_ami(self)
        subnets = pulumi.Output.from_input(args.subnet_ids)
        values = {
            "pg_major": args.engine_major_version,
            "secret_arn": secret.arn,
            "backup_bucket": args.backups_bucket_name,
            "kms_key_arn": self.kms_key_arn,
            "backup_retention_days": args.backup_retention_days,
            "db_name": args.database_name,
            "log_min_duration_ms": args.log_min_duration_statement_ms,
        }
        primary = self._node("primary", subnets.apply(lambda ids: _subnet_at(ids, 0)), ami,
                             profile, values, primary_host="")
        self._primary = primary
        self._replica: aws.ec2.Instance | None = None
        reader_hosts: pulumi.Output[list[str]] = pulumi.Output.from_input([])
        if args.multi_az:
            self._replica = self._node(
                "replica", subnets.apply(lambda ids: _subnet_at(ids, 1)), ami, profile, values,
                primary_host=primary.private_ip)
            reader_hosts = self._replica.private_ip.apply(lambda ip: [ip])

        dlm_role = self._service_role(
            f"{name}-dlm", "dlm.amazonaws.com", "service-role/AWSDataLifecycleManagerServiceRole")
        aws.dlm.LifecyclePolicy(
            f"{name}-snapshots",
            description=f"forge {name}: daily data volume snapshots",
            execution_role_arn=dlm_role.arn,
            state="ENABLED",
            policy_details=aws.dlm.LifecyclePolicyPolicyDetailsArgs(
                policy_type="EBS_SNAPSHOT_MANAGEMENT",
                resource_types=["VOLUME"],
                target_tags={SNAPSHOT_TAG: f"{name}-data"},
                schedules=[aws.dlm.LifecyclePolicyPolicyDetailsScheduleArgs(
                    name="daily",
                    create_rule=aws.dlm.LifecyclePolicyPolicyDetailsScheduleCreateRuleArgs(
                        interval=24, interval_unit="HOURS", times="03:00"),
                    retain_rule=aws.dlm.LifecyclePolicyPolicyDetailsScheduleRetainRuleArgs(
                        count=args.snapshot_retention_count),
                    copy_tags=True,
                )],
            ),
            tags=self._tags(f"{name}-snapshots"),
            opts=child_opts(self),
        )

        self.host = primary.private_ip
        self.port = pulumi.Output.from_input(POSTGRES_PORT)
        self.credentials_secret_id = secret.arn
        self.reader_hosts = reader_hosts
        self.auth_method = pulumi.Output.from_input(AUTH_PASSWORD)
        self.app_credentials_secret_id = app_secret.arn
        self.iam_connect_arn = pulumi.Output.from_input("")
        # A new primary, or a new password version, runs the bootstrap again.
        self._bootstrap_trigger = pulumi.Output.concat(
            primary.id, "/", app_secret_version.id)
        self._secret_arns = [secret.arn, app_secret.arn]
        self._app_secret_arn = app_secret.arn

    # -- both engines: the services' role ----------------------------------------------------

    def _bootstrap(self) -> None:
        """The function that creates the services' role, in the VPC, and its invocation.

        It runs in `bootstrap_subnet_ids` with its own security group, which the database's
        group admits on 5432; it reaches Secrets Manager (and RDS's CA bundle) on 443. Its
        role reads only the master secret (and on EC2 the services' secret) and decrypts with
        the database's key. The Invocation's input is the SQL and where to run it, never a
        password; a changed input, a new RDS instance or EC2 primary, or a new password
        version invokes it again.
        """
        args, name = self._args, self._name
        sg = aws.ec2.SecurityGroup(
            f"{name}-bootstrap-sg",
            vpc_id=args.vpc_id,
            description=f"forge {name}: the bootstrap function (PostgreSQL, HTTPS out)",
            tags=self._tags(f"{name}-bootstrap-sg"),
            opts=child_opts(self),
        )
        network: list[pulumi.Resource] = [
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-bootstrap-egress-postgres",
                security_group_id=sg.id,
                referenced_security_group_id=self._security_group.id,
                ip_protocol="tcp", from_port=POSTGRES_PORT, to_port=POSTGRES_PORT,
                description="PostgreSQL to the database",
                tags=self._tags(f"{name}-bootstrap-egress-postgres"),
                opts=child_opts(self)),
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-bootstrap-egress-https",
                security_group_id=sg.id,
                cidr_ipv4="0.0.0.0/0",
                ip_protocol="tcp", from_port=443, to_port=443,
                description="Secrets Manager and the RDS CA bundle, through NAT",
                tags=self._tags(f"{name}-bootstrap-egress-https"),
                opts=child_opts(self)),
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-ingress-bootstrap",
                security_group_id=self._security_group.id,
                referenced_security_group_id=sg.id,
                ip_protocol="tcp", from_port=POSTGRES_PORT, to_port=POSTGRES_PORT,
                description="PostgreSQL from the bootstrap function",
                tags=self._tags(f"{name}-ingress-bootstrap"),
                opts=child_opts(self)),
        ]
        # ENIs in the VPC and its own logs: AWSLambdaVPCAccessExecutionRole, the managed
        # policy "Giving Lambda functions access to resources in an Amazon VPC" names:
        # https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html
        role = self._service_role(
            f"{name}-bootstrap", "lambda.amazonaws.com",
            "service-role/AWSLambdaVPCAccessExecutionRole", source_account=True)
        policy = aws.iam.RolePolicy(
            f"{name}-bootstrap",
            role=role.name,
            policy=pulumi.Output.json_dumps({
                "Version": "2012-10-17",
                "Statement": [
                    {"Sid": "DatabaseSecrets", "Effect": "Allow",
                     "Action": "secretsmanager:GetSecretValue",
                     "Resource": self._secret_arns},
                    {"Sid": "Decrypt", "Effect": "Allow",
                     "Action": "kms:Decrypt",
                     "Resource": self.kms_key_arn},
                ],
            }),
            opts=child_opts(self),
        )
        function_name = physical_name(name, "bootstrap", 64)
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-bootstrap",
            name=f"/aws/lambda/{function_name}",
            retention_in_days=args.log_retention_days,
            kms_key_id=args.log_kms_key_arn,
            tags=self._tags(f"{name}-bootstrap"),
            opts=child_opts(self),
        )
        function = aws.lambda_.Function(
            f"{name}-bootstrap",
            name=function_name,
            description=f"forge {name}: creates the services' PostgreSQL role",
            runtime=BOOTSTRAP_RUNTIME,
            handler=BOOTSTRAP_HANDLER,
            code=bootstrap_archive(),
            role=role.arn,
            architectures=["arm64"],
            memory_size=256,
            timeout=BOOTSTRAP_TIMEOUT_SECONDS,
            vpc_config=aws.lambda_.FunctionVpcConfigArgs(
                # Not None: _settings refuses args without bootstrap subnets.
                subnet_ids=cast(pulumi.Input[list[str]], args.bootstrap_subnet_ids),
                security_group_ids=[sg.id],
            ),
            tags=self._tags(f"{name}-bootstrap"),
            opts=child_opts(self, depends_on=[log_group, policy]),
        )
        event: dict[str, pulumi.Input[Any]] = {
            "host": self.host,
            "port": POSTGRES_PORT,
            "database": args.database_name,
            "master_secret_arn": self.credentials_secret_id,
            "tls": ("verify-full" if self._engine is DatabaseEngine.RDS_POSTGRES
                    else "require"),
            "role": args.app_username,
            "statements": bootstrap_statements(
                self._engine, args.app_username, args.database_name),
            "wait_seconds": BOOTSTRAP_WAIT_SECONDS[self._engine],
        }
        if self._app_secret_arn is not None:
            event["password_secret_arn"] = self._app_secret_arn
        self._invocation = aws.lambda_.Invocation(
            f"{name}-bootstrap",
            function_name=function.name,
            input=pulumi.Output.json_dumps(event),
            triggers={"database": self._bootstrap_trigger},
            opts=child_opts(self, depends_on=network),
        )

    def _node(self, role: str, subnet_id: pulumi.Output[str], ami: pulumi.Input[str],
              profile: aws.iam.InstanceProfile, values: Mapping[str, pulumi.Input[Any]],
              primary_host: pulumi.Input[str]) -> aws.ec2.Instance:
        """One TimescaleDB instance (primary or replica) with its own data volume."""
        args, name = self._args, self._name
        az = aws.ec2.get_subnet_output(
            id=subnet_id, opts=pulumi.InvokeOutputOptions(parent=self)).availability_zone
        volume = aws.ebs.Volume(
            f"{name}-{role}-data",
            availability_zone=az,
            size=args.data_volume_gb,
            type="gp3",
            encrypted=True,
            kms_key_id=self.kms_key_arn,
            final_snapshot=True,
            tags=self._tags(f"{name}-{role}-data", {SNAPSHOT_TAG: f"{name}-data"}),
            opts=child_opts(self, protect=args.protect),
        )
        user_data = pulumi.Output.all(
            **values, data_volume_id=volume.id, primary_host=primary_host,
        ).apply(lambda v: render_user_data({**v, "role": role}))
        instance = aws.ec2.Instance(
            f"{name}-{role}",
            ami=ami,
            instance_type=args.instance_type,
            subnet_id=subnet_id,
            vpc_security_group_ids=[self._security_group.id],
            iam_instance_profile=profile.name,
            associate_public_ip_address=False,
            disable_api_termination=args.deletion_protection,
            ebs_optimized=True,
            monitoring=True,
            metadata_options=aws.ec2.InstanceMetadataOptionsArgs(
                http_endpoint="enabled", http_tokens="required",
                http_put_response_hop_limit=1),
            root_block_device=aws.ec2.InstanceRootBlockDeviceArgs(
                encrypted=True, kms_key_id=self.kms_key_arn, volume_type="gp3",
                volume_size=30, delete_on_termination=True,
                tags=self._tags(f"{name}-{role}-root")),
            user_data=user_data,
            tags=self._tags(f"{name}-{role}", {"forge:role": role}),
            # A newer Ubuntu AMI must not replace a running database.
            opts=child_opts(self, protect=args.protect, ignore_changes=["ami"]),
        )
        aws.ec2.VolumeAttachment(
            f"{name}-{role}-data",
            instance_id=instance.id,
            volume_id=volume.id,
            device_name="/dev/sdf",
            stop_instance_before_detaching=True,
            opts=child_opts(self),
        )
        return instance


def _subnet_at(ids: Sequence[str], index: int) -> str:
    if len(ids) <= index:
        raise ValueError(f"subnet_ids needs at least {index + 1} subnets, got {len(ids)}")
    return ids[index]


def _first_secret_arn(secrets: Sequence[Any] | None) -> str:
    """The ARN of the RDS-managed master user secret."""
    if not secrets:
        raise ValueError("RDS returned no master user secret")
    first = secrets[0]
    return first["secret_arn"] if isinstance(first, Mapping) else first.secret_arn
