"""The GCP Database component (Cloud SQL for PostgreSQL) under the offline mocks: private IP
only, TLS only, HA, backups and point-in-time recovery, deletion protection, the users'
secrets and who may read them.

What these tests do not prove: that Cloud SQL accepts the tier in the region, that the
project's Service Networking peering has room in its range, or that Cloud SQL's service agent
may use a CMEK; only that the program asks for what it should.
"""

import json
from typing import Any

import pulumi
import pytest

from forge_components.contracts import DatabaseOutputs
from forge_components.gcp.database import Database, DatabaseArgs, validate_database_args
from forge_components.gcp.networking import Networking, NetworkingArgs
from forge_infra.plan.recorder import SECRET_MASK, RecordedResource, Recording
from tests.components.gcp.conftest import PROJECT, REGION, assert_gcp_component_schema, run_gcp

INSTANCE = "gcp:sql/databaseInstance:DatabaseInstance"
SQL_DATABASE = "gcp:sql/database:Database"
USER = "gcp:sql/user:User"
SECRET = "gcp:secretmanager/secret:Secret"
VERSION = "gcp:secretmanager/secretVersion:SecretVersion"
IAM_MEMBER = "gcp:secretmanager/secretIamMember:SecretIamMember"
PEERING = "gcp:servicenetworking/connection:Connection"
PASSWORD = "random:index/randomPassword:RandomPassword"
OUTPUT_NAMES = {"host", "port", "database_name", "username", "credentials_secret_id",
                "app_username", "auth_method", "app_credentials_secret_id", "instance_name",
                "connection_name", "server_ca_cert", "availability_type",
                "app_password_secret_id"}
API_SA = "serviceAccount:forge-api@forge-offline-plan.iam.gserviceaccount.com"
WORKER_SA = "serviceAccount:forge-worker@forge-offline-plan.iam.gserviceaccount.com"


def build(**overrides: Any) -> Recording:
    """A Networking "net" and a Database "db" on it, the database's outputs exported."""
    def program() -> None:
        net = Networking("net", NetworkingArgs(region=REGION))
        args: dict[str, Any] = {
            "region": REGION, "network_id": net.network_id,
            "private_service_access_connection_id": net.private_service_access_connection_id,
            "allocated_ip_range": net.private_service_access_range_name}
        db = Database("db", DatabaseArgs(**(args | overrides)))
        for key in OUTPUT_NAMES:
            pulumi.export(key, getattr(db, key))
    return run_gcp(program)


def instance(rec: Recording) -> RecordedResource:
    return rec.one(INSTANCE, "db-instance")


def settings(rec: Recording) -> dict[str, Any]:
    return instance(rec).inputs["settings"]


def test_the_schema_serves_the_contract_and_every_output():
    assert_gcp_component_schema(Database, DatabaseOutputs, OUTPUT_NAMES)


def test_private_ip_only_in_the_peered_range_and_tls_only():
    rec = build()
    db = instance(rec)
    ip = settings(rec)["ipConfiguration"]
    network = rec.one("gcp:compute/network:Network")
    assert ip["ipv4Enabled"] is False, db.urn
    assert ip["privateNetwork"] == network.outputs["selfLink"], db.urn
    assert ip["allocatedIpRange"] == rec.one(
        "gcp:compute/globalAddress:GlobalAddress").outputs["name"], db.urn
    assert ip["sslMode"] == "ENCRYPTED_ONLY", db.urn
    assert ip["enablePrivatePathForGoogleCloudServices"] is False, db.urn
    assert "authorizedNetworks" not in ip, db.urn
    assert db.outputs["publicIpAddress"] == "", db.urn
    assert [a["type"] for a in db.outputs["ipAddresses"]] == ["PRIVATE"], db.urn
    assert rec.exports["host"] == db.outputs["privateIpAddress"]
    assert rec.exports["host"].startswith("10.20."), rec.exports["host"]


def test_the_instance_waits_for_the_service_networking_peering():
    rec = build()
    peering = rec.one(PEERING)
    assert peering.urn in instance(rec).dependencies


def test_engine_edition_tier_and_storage():
    rec = build()
    db, s = instance(rec), settings(rec)
    assert db.inputs["databaseVersion"] == "POSTGRES_17", db.urn
    assert db.inputs["region"] == REGION, db.urn
    assert (s["edition"], s["tier"]) == ("ENTERPRISE", "db-custom-2-7680"), db.urn
    assert (s["diskType"], s["diskSize"], s["diskAutoresize"], s["diskAutoresizeLimit"]) == (
        "PD_SSD", 20, True, 200), db.urn
    assert s["maintenanceWindow"] == {"day": 7, "hour": 4, "updateTrack": "stable"}, db.urn
    assert s["insightsConfig"] == {"queryInsightsEnabled": True, "recordClientAddress": False,
                                   "recordApplicationTags": False}, db.urn


def test_storage_growth_never_replaces_the_instance():
    """Automatic growth changes the disk size; the instance ignores that input after creation,
    so a later update never tries to shrink (replace) it."""
    db = instance(build())
    assert db.ignore_changes == ["settings.diskSize"], db.urn


@pytest.mark.parametrize(("high_availability", "expected"), [(False, "ZONAL"),
                                                              (True, "REGIONAL")])
def test_availability_is_exactly_as_asked(high_availability, expected):
    rec = build(high_availability=high_availability)
    assert settings(rec)["availabilityType"] == expected, instance(rec).urn
    assert rec.exports["availability_type"] == expected


def test_backups_with_point_in_time_recovery_and_retention_from_the_args():
    rec = build(backup_retention_days=14, point_in_time_recovery_days=5,
                backup_start_time="02:30", final_backup_retention_days=90)
    s = settings(rec)
    assert s["backupConfiguration"] == {
        "enabled": True, "pointInTimeRecoveryEnabled": True, "startTime": "02:30",
        "location": REGION, "transactionLogRetentionDays": 5,
        "backupRetentionSettings": {"retainedBackups": 14, "retentionUnit": "COUNT"},
    }, instance(rec).urn
    assert s["retainBackupsOnDelete"] is True, instance(rec).urn
    assert s["finalBackupConfig"] == {"enabled": True, "retentionDays": 90}, instance(rec).urn


def test_prod_like_args_turn_on_both_deletion_protections_and_protect():
    rec = build(deletion_protection=True, protect=True, high_availability=True)
    db = instance(rec)
    assert db.inputs["deletionProtection"] is True, db.urn
    assert settings(rec)["deletionProtectionEnabled"] is True, db.urn
    protected = sorted((r.type, r.name) for r in rec.resources if r.protect)
    secret = "gcp:secretmanager/secret:Secret"
    assert protected == [(secret, "db-admin-credentials"), (secret, "db-app-credentials"),
                         (secret, "db-app-password"), (SQL_DATABASE, "db-database"),
                         (INSTANCE, "db-instance")]


def test_defaults_leave_protection_off():
    rec = build()
    db = instance(rec)
    assert db.inputs["deletionProtection"] is False, db.urn
    assert settings(rec)["deletionProtectionEnabled"] is False, db.urn
    assert [r.urn for r in rec.resources if r.protect] == []


def test_flags_are_the_logging_flags_and_the_callers():
    rec = build(database_flags={"max_connections": "200"}, log_min_duration_statement_ms=500)
    assert settings(rec)["databaseFlags"] == [
        {"name": "log_connections", "value": "on"},
        {"name": "log_disconnections", "value": "on"},
        {"name": "log_lock_waits", "value": "on"},
        {"name": "log_min_duration_statement", "value": "500"},
        {"name": "max_connections", "value": "200"},
    ], instance(rec).urn


def test_cmek_and_labels_reach_the_instance():
    key = (f"projects/{PROJECT}/locations/{REGION}/keyRings/forge/cryptoKeys/sql")
    rec = build(kms_key_name=key, labels={"team": "data"})
    assert instance(rec).inputs["encryptionKeyName"] == key
    assert settings(rec)["userLabels"] == {"team": "data", "component": "forge-gcp-database"}


def test_the_application_database_and_two_built_in_users_with_generated_passwords():
    rec = build()
    database = rec.one(SQL_DATABASE, "db-database")
    assert database.inputs["name"] == "forge", database.urn
    assert database.inputs["instance"] == instance(rec).outputs["name"], database.urn
    users = {u.name: u for u in rec.of_type(USER)}
    assert sorted(users) == ["db-admin", "db-app"]
    assert users["db-admin"].inputs["name"] == "forge_admin"
    assert users["db-app"].inputs["name"] == "forge_app"
    passwords = {p.name: p for p in rec.of_type(PASSWORD)}
    assert sorted(passwords) == ["db-admin-password", "db-app-password"]
    for role in ("admin", "app"):
        user, password = users[f"db-{role}"], passwords[f"db-{role}-password"]
        assert user.inputs["type"] == "BUILT_IN", user.urn
        assert user.inputs["password"] == SECRET_MASK, user.urn
        assert password.urn in user.property_dependencies["password"], user.urn
        assert (password.inputs["length"], password.inputs["special"]) == (40, False)
    assert (rec.exports["username"], rec.exports["app_username"]) == ("forge_admin", "forge_app")
    assert rec.exports["auth_method"] == "password"
    assert rec.exports["database_name"] == "forge"


def test_each_users_credentials_are_a_regional_secret_with_a_json_version():
    rec = build()
    secrets = {s.name: s for s in rec.of_type(SECRET)}
    assert sorted(secrets) == ["db-admin-credentials", "db-app-credentials", "db-app-password"]
    for role in ("admin", "app"):
        secret = secrets[f"db-{role}-credentials"]
        assert secret.inputs["secretId"] == f"db-{role}-credentials", secret.urn
        assert secret.inputs["replication"] == {
            "userManaged": {"replicas": [{"location": REGION}]}}, secret.urn
        version = rec.one(VERSION, f"db-{role}-credentials")
        assert version.inputs["secret"] == secret.resource_id, version.urn
        assert version.inputs["secretData"] == SECRET_MASK, version.urn
        user = rec.one(USER, f"db-{role}")
        password = rec.one(PASSWORD, f"db-{role}-password")
        deps = version.property_dependencies["secretData"]
        assert {user.urn, password.urn, instance(rec).urn} <= set(deps), version.urn
    assert rec.exports["credentials_secret_id"] == (
        f"projects/{PROJECT}/secrets/db-admin-credentials")
    assert rec.exports["app_credentials_secret_id"] == (
        f"projects/{PROJECT}/secrets/db-app-credentials")


def test_the_services_password_is_also_a_whole_value_secret():
    """Cloud Run reads a secret whole: DATABASE_PASSWORD needs the password alone."""
    rec = build()
    secret = rec.one(SECRET, "db-app-password")
    assert secret.inputs["secretId"] == "db-app-password", secret.urn
    assert secret.inputs["replication"] == {
        "userManaged": {"replicas": [{"location": REGION}]}}, secret.urn
    version = rec.one(VERSION, "db-app-password")
    assert version.inputs["secret"] == secret.resource_id, version.urn
    assert version.inputs["secretData"] == SECRET_MASK, version.urn
    password = rec.one(PASSWORD, "db-app-password")
    assert version.property_dependencies["secretData"] == [password.urn], version.urn
    assert rec.exports["app_password_secret_id"] == f"projects/{PROJECT}/secrets/db-app-password"


def test_outputs_resolve_to_the_private_ip_the_admin_and_the_server_ca():
    """The outputs as a program sees them (unmasked)."""
    seen: dict[str, str] = {}

    def program() -> None:
        net = Networking("net", NetworkingArgs(region=REGION))
        db = Database("db", DatabaseArgs(
            region=REGION, network_id=net.network_id,
            private_service_access_connection_id=net.private_service_access_connection_id))
        pulumi.Output.all(db.host, db.username, db.server_ca_cert).apply(
            lambda v: seen.update(host=v[0], username=v[1], cert=v[2]))

    rec = run_gcp(program)
    assert rec.one(VERSION, "db-admin-credentials").outputs["secretData"] == SECRET_MASK
    assert seen["username"] == "forge_admin" and seen["host"].startswith("10.20.")
    assert seen["cert"].startswith("-----BEGIN CERTIFICATE-----"), seen


def test_only_the_named_members_may_read_the_services_secret_and_nothing_else():
    rec = build(app_secret_accessors=[API_SA, WORKER_SA])
    members = rec.of_type(IAM_MEMBER)
    app_secret = rec.one(SECRET, "db-app-credentials")
    password = rec.one(SECRET, "db-app-password")
    assert sorted((m.inputs["secretId"], m.inputs["role"], m.inputs["member"])
                  for m in members) == sorted([
        (app_secret.resource_id, "roles/secretmanager.secretAccessor", API_SA),
        (app_secret.resource_id, "roles/secretmanager.secretAccessor", WORKER_SA),
        (password.resource_id, "roles/secretmanager.secretAccessor", API_SA),
        (password.resource_id, "roles/secretmanager.secretAccessor", WORKER_SA)])


def test_no_accessor_by_default_and_no_service_account_key():
    rec = build()
    assert rec.of_type(IAM_MEMBER) == []
    assert [r.urn for r in rec.resources if r.type.startswith("gcp:serviceaccount/key")] == []


def test_outputs_are_in_gcp_formats():
    rec = build()
    out, db = rec.exports, instance(rec)
    assert out["connection_name"] == f"{PROJECT}:{REGION}:{db.outputs['name']}"
    assert out["instance_name"] == db.outputs["name"]
    assert out["port"] == 5432
    # The provider returns the CA list as a secret output, so the plan masks it.
    assert out["server_ca_cert"] == SECRET_MASK


def test_timescaledb_is_refused_naming_the_supported_paths():
    with pytest.raises(ValueError) as error:
        validate_database_args("db", _args(timescaledb=True))
    message = str(error.value)
    assert message.startswith("Database: timescaledb: Cloud SQL for PostgreSQL does not offer "
                              "the timescaledb extension"), message
    assert "Compute Engine" in message and "Azure Database for PostgreSQL flexible server" in (
        message)


def _args(**overrides: Any) -> DatabaseArgs:
    return DatabaseArgs(**({"region": REGION, "network_id": "projects/p/global/networks/n",
                            "private_service_access_connection_id": "c"} | overrides))


@pytest.mark.parametrize(("overrides", "message"), [
    ({"engine_major_version": 14},
     "Database: engine_major_version must be one of [15, 16, 17, 18] (regular support), got 14"),
    ({"edition": "STANDARD"},
     "Database: edition 'STANDARD' is not one of ['ENTERPRISE', 'ENTERPRISE_PLUS']"),
    ({"tier": "db-perf-optimized-N-2"},
     "Database: tier 'db-perf-optimized-N-2' is not a ENTERPRISE tier (ENTERPRISE: db-f1-micro, "
     "db-g1-small, db-custom-<vCPUs>-<MiB>; ENTERPRISE_PLUS: db-perf-optimized-N-<n>); it is an "
     "ENTERPRISE_PLUS tier"),
    ({"edition": "ENTERPRISE_PLUS"},
     "Database: tier 'db-custom-2-7680' is not a ENTERPRISE_PLUS tier (ENTERPRISE: db-f1-micro, "
     "db-g1-small, db-custom-<vCPUs>-<MiB>; ENTERPRISE_PLUS: db-perf-optimized-N-<n>); it is an "
     "ENTERPRISE tier"),
    ({"backup_retention_days": 0},
     "Database: backup_retention_days must be between 1 and 365, got 0"),
    ({"point_in_time_recovery_days": 8},
     "Database: point_in_time_recovery_days on ENTERPRISE must be between 1 and 7, got 8"),
    ({"final_backup_retention_days": 400},
     "Database: final_backup_retention_days must be between 1 and 365, got 400"),
    ({"backup_start_time": "3:00"},
     "Database: backup_start_time must be HH:MM (UTC), got '3:00'"),
    ({"disk_size_gb": 300},
     "Database: disk_autoresize_limit_gb (200) must be at least disk_size_gb (300)"),
    ({"app_username": "forge_admin"},
     "Database: app_username 'forge_admin' must differ from admin_username: the services never "
     "log in as the administrator"),
    ({"admin_username": "postgres"},
     "Database: admin_username 'postgres' is reserved: PostgreSQL and Cloud SQL keep 'postgres' "
     "and the prefixes ['pg_', 'cloudsql']"),
    ({"app_username": "cloudsqlapp"},
     "Database: app_username 'cloudsqlapp' is reserved: PostgreSQL and Cloud SQL keep "
     "'postgres' and the prefixes ['pg_', 'cloudsql']"),
    ({"database_name": "Forge"},
     "Database: database_name 'Forge' must be a lower-case PostgreSQL name: a letter, then "
     "letters, digits or underscores, 63 at most"),
    ({"database_flags": {"log_connections": "off"}},
     "Database: database_flags: 'log_connections' is set by the component (from its own arg or "
     "always): ['log_connections', 'log_disconnections', 'log_lock_waits', "
     "'log_min_duration_statement']"),
    ({"maintenance_day": 0}, "Database: maintenance_day must be between 1 and 7, got 0"),
])
def test_invalid_args_are_refused_with_the_field_and_what_is_allowed(overrides, message):
    with pytest.raises(ValueError) as error:
        validate_database_args("db", _args(**overrides))
    assert str(error.value) == message


def test_enterprise_plus_allows_longer_point_in_time_recovery():
    validate_database_args("db", _args(edition="ENTERPRISE_PLUS", tier="db-perf-optimized-N-2",
                                       point_in_time_recovery_days=35))


def test_the_secret_data_input_is_json_of_the_connection():
    """What the provider receives as the version's data, unmasked: captured at the mocks."""
    from forge_infra.plan.mocks import ProviderMocks
    from forge_infra.plan.recorder import run_under_mocks

    captured: dict[str, Any] = {}

    class Capturing(ProviderMocks):
        def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
            if args.typ == VERSION:
                captured[args.name] = dict(args.inputs)
            return super().new_resource(args)

    def program() -> None:
        net = Networking("net", NetworkingArgs(region=REGION))
        Database("db", DatabaseArgs(
            region=REGION, network_id=net.network_id,
            private_service_access_connection_id=net.private_service_access_connection_id))

    run_under_mocks(program, project="forge-infra", stack="test",
                    mocks=Capturing(region=REGION))
    data = json.loads(captured["db-app-credentials"]["secretData"])
    assert sorted(data) == ["dbname", "host", "password", "port", "username"]
    assert (data["username"], data["dbname"], data["port"]) == ("forge_app", "forge", 5432)
    assert data["host"].startswith("10.20.") and len(data["password"]) == 40


def test_a_backup_location_puts_the_automated_backups_in_that_region() -> None:
    backups = settings(build(backup_location="europe-west4"))["backupConfiguration"]
    assert backups["location"] == "europe-west4"
    with pytest.raises(ValueError) as error:
        validate_database_args("db", _args(backup_location="Europe West 4"))
    assert str(error.value) == ("Database: backup_location 'Europe West 4' is not a location "
                                "such as 'europe-west4' or 'eu'")
