"""The Azure Database component (PostgreSQL flexible server) under the offline mocks: private
access only, TLS minimums, HA and geo-backup when asked, the TimescaleDB parameters, Entra ID,
the admin password only in Key Vault, exact role assignments, locks and protect.

What these tests do not prove: that Azure accepts the SKU, HA or geo-backup in the region, that
the server restarts to load TimescaleDB, or that ARM writes the secret into a vault whose public
access is disabled; only that the program asks for what it should.
"""

import json
from typing import Any

import pulumi
import pytest

from forge_components.azure.database import Database, DatabaseArgs, validate_database_args
from forge_components.azure.networking import Networking, NetworkingArgs
from forge_components.contracts import DatabaseOutputs
from forge_infra.plan.mocks.azure_native import KNOWN_TYPES
from forge_infra.plan.recorder import SECRET_MASK, RecordedResource, Recording
from tests.components.azure.conftest import (
    REGION,
    SUBSCRIPTION,
    assert_azure_component_schema,
    run_azure,
)

SERVER = "azure-native:dbforpostgresql:Server"
CONFIGURATION = "azure-native:dbforpostgresql:Configuration"
PG_DATABASE = "azure-native:dbforpostgresql:Database"
ENTRA_ADMIN = "azure-native:dbforpostgresql:AdministratorsMicrosoftEntra"
VAULT = "azure-native:keyvault:Vault"
SECRET = "azure-native:keyvault:Secret"
ENDPOINT = "azure-native:network:PrivateEndpoint"
ZONE_GROUP = "azure-native:network:PrivateDnsZoneGroup"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
LOCK = "azure-native:authorization:ManagementLockByScope"
PASSWORD = "random:index/randomPassword:RandomPassword"
OUTPUT_NAMES = {"host", "port", "database_name", "username", "credentials_secret_id",
                "app_username", "auth_method", "app_credentials_secret_id", "server_id",
                "server_name", "key_vault_id", "key_vault_uri", "key_vault_name",
                "credentials_secret_resource_id", "high_availability_mode"}
OPERATORS = "44444444-4444-4444-4444-444444444444"
BOOTSTRAP = "55555555-5555-5555-5555-555555555555"
SECRETS_USER = (f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Authorization/"
                "roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6")
TENANT = "11111111-1111-1111-1111-111111111111"


def build(**overrides: Any) -> Recording:
    """A Networking "net" and a Database "db" on it, the database's outputs exported."""
    def program() -> None:
        net = Networking("net", NetworkingArgs(location=REGION))
        args: dict[str, Any] = {
            "location": REGION,
            "resource_group_name": net.resource_group_name,
            "delegated_subnet_id": net.database_subnet_id,
            "private_dns_zone_id": net.postgres_private_dns_zone_id,
            "private_endpoints_subnet_id": net.private_endpoints_subnet_id,
            "key_vault_private_dns_zone_id": net.private_dns_zone_ids["vault"],
            "entra_admin_object_id": OPERATORS,
            "entra_admin_principal_name": "forge-db-admins",
        }
        db = Database("db", DatabaseArgs(**(args | overrides)))
        for key in OUTPUT_NAMES:
            pulumi.export(key, getattr(db, key))
    return run_azure(program)


def server(rec: Recording) -> RecordedResource:
    return rec.one(SERVER, "db-server")


def parameters(rec: Recording) -> dict[str, str]:
    return {c.inputs["configurationName"]: c.inputs["value"] for c in rec.of_type(CONFIGURATION)}


def test_the_schema_serves_the_contract_and_every_output():
    assert_azure_component_schema(Database, DatabaseOutputs, OUTPUT_NAMES)


def test_private_access_only_in_the_delegated_subnet_and_the_private_zone():
    rec = build()
    db = server(rec)
    subnet = rec.one("azure-native:network:Subnet", "net-database")
    zone = rec.one("azure-native:privatedns:PrivateZone", "net-postgres-zone")
    assert db.inputs["network"] == {
        "delegatedSubnetResourceId": subnet.resource_id,
        "privateDnsZoneArmResourceId": zone.resource_id,
        "publicNetworkAccess": "Disabled",
    }, db.urn
    assert [r.urn for r in rec.resources if r.type.endswith(":FirewallRule")] == []
    assert rec.exports["host"] == f"{db.outputs['name']}.postgres.database.azure.com"
    assert rec.exports["port"] == 5432


def test_tls_is_required_at_1_2_or_above_and_the_parameters_are_set_one_by_one():
    rec = build()
    assert parameters(rec) == {"require_secure_transport": "on",
                               "ssl_min_protocol_version": "TLSv1.2"}
    tls = rec.one(CONFIGURATION, "db-require-secure-transport")
    minimum = rec.one(CONFIGURATION, "db-ssl-min-protocol-version")
    assert tls.urn in minimum.dependencies, minimum.urn
    for c in (tls, minimum):
        assert c.inputs["serverName"] == server(rec).outputs["name"], c.urn
        assert c.inputs["source"] == "user-override", c.urn
    assert parameters(build(tls_min_version="TLSv1.3"))["ssl_min_protocol_version"] == "TLSv1.3"


def test_timescaledb_is_allow_listed_and_preloaded_when_asked():
    rec = build(timescaledb=True, extensions=["pgcrypto"])
    assert parameters(rec) == {
        "require_secure_transport": "on",
        "ssl_min_protocol_version": "TLSv1.2",
        "azure.extensions": "pgcrypto,timescaledb",
        "shared_preload_libraries": "timescaledb,pg_cron,pg_stat_statements",
    }
    allow = rec.one(CONFIGURATION, "db-azure-extensions")
    preload = rec.one(CONFIGURATION, "db-shared-preload-libraries")
    assert allow.urn in preload.dependencies, preload.urn


def test_no_timescaledb_no_extension_parameters():
    assert {"azure.extensions", "shared_preload_libraries"}.isdisjoint(parameters(build()))


@pytest.mark.parametrize(("high_availability", "mode"), [(False, "Disabled"),
                                                         (True, "ZoneRedundant")])
def test_high_availability_is_zone_redundant_exactly_when_asked(high_availability, mode):
    rec = build(high_availability=high_availability)
    # the SDK sends "" for an unset standby zone (HighAvailabilityArgs' default): Azure picks
    assert server(rec).inputs["highAvailability"] == {
        "mode": mode, "standbyAvailabilityZone": ""}, server(rec).urn
    assert rec.exports["high_availability_mode"] == mode


def test_backup_retention_from_the_args_and_geo_redundant_when_asked():
    rec = build(backup_retention_days=35, geo_redundant_backup=True)
    assert server(rec).inputs["backup"] == {"backupRetentionDays": 35,
                                            "geoRedundantBackup": "Enabled"}
    assert server(build()).inputs["backup"] == {"backupRetentionDays": 7,
                                                "geoRedundantBackup": "Disabled"}


def test_engine_sku_storage_and_maintenance():
    db = server(build())
    assert db.inputs["version"] == "17", db.urn
    assert db.inputs["sku"] == {"name": "Standard_D2ds_v5", "tier": "GeneralPurpose"}, db.urn
    assert db.inputs["storage"] == {"storageSizeGB": 32, "autoGrow": "Enabled"}, db.urn
    assert db.inputs["createMode"] == "Create", db.urn
    assert db.inputs["maintenanceWindow"] == {"customWindow": "Enabled", "dayOfWeek": 0,
                                              "startHour": 4, "startMinute": 0}, db.urn
    assert db.ignore_changes == ["storage.storageSizeGB"], db.urn


def test_entra_id_and_password_auth_with_the_entra_administrator():
    rec = build()
    db = server(rec)
    assert db.inputs["authConfig"] == {"activeDirectoryAuth": "Enabled",
                                       "passwordAuth": "Enabled", "tenantId": TENANT}, db.urn
    admin = rec.one(ENTRA_ADMIN)
    assert (admin.inputs["objectId"], admin.inputs["principalName"],
            admin.inputs["principalType"], admin.inputs["tenantId"],
            admin.inputs["serverName"]) == (OPERATORS, "forge-db-admins", "group", TENANT,
                                            db.outputs["name"]), admin.urn
    assert (rec.exports["auth_method"], rec.exports["app_username"],
            rec.exports["app_credentials_secret_id"]) == ("iam", "forge_app", "")


def test_the_admin_password_is_generated_and_never_plaintext():
    rec = build()
    db = server(rec)
    password = rec.one(PASSWORD, "db-admin-password")
    assert (password.inputs["length"], password.inputs["special"]) == (40, False)
    assert db.inputs["administratorLogin"] == "forge_admin", db.urn
    assert db.inputs["administratorLoginPassword"] == SECRET_MASK, db.urn
    assert password.urn in db.property_dependencies["administratorLoginPassword"], db.urn
    assert "administratorLoginPassword" in db.additional_secret_outputs, db.urn
    secret = rec.one(SECRET)
    # the value makes the whole properties object secret: masked in the plan and the state
    assert secret.inputs["properties"] == SECRET_MASK, secret.urn
    assert password.urn in secret.property_dependencies["properties"], secret.urn
    # every property fed by the password is masked, and only the server and the secret get it
    fed = {(r.name, key): r.inputs[key] for r in rec.resources
           for key, deps in r.property_dependencies.items() if password.urn in deps}
    assert fed == {("db-server", "administratorLoginPassword"): SECRET_MASK,
                   ("db-admin-credentials", "properties"): SECRET_MASK}
    assert SECRET_MASK not in json.dumps(rec.exports)


def test_the_credentials_are_a_json_secret_in_a_private_rbac_key_vault():
    rec = build()
    vault = rec.one(VAULT)
    p = vault.inputs["properties"]
    assert (p["enableRbacAuthorization"], p["enablePurgeProtection"], p["enableSoftDelete"],
            p["softDeleteRetentionInDays"], p["publicNetworkAccess"]) == (
        True, True, True, 90, "Disabled"), vault.urn
    assert p["networkAcls"] == {"defaultAction": "Deny", "bypass": "None"}, vault.urn
    assert "accessPolicies" not in p, vault.urn
    assert (p["tenantId"], p["sku"]) == (TENANT, {"family": "A", "name": "standard"})
    secret = rec.one(SECRET)
    assert secret.inputs["vaultName"] == vault.outputs["name"], secret.urn
    assert rec.exports["credentials_secret_id"] == (
        f"https://{vault.outputs['name']}.vault.azure.net/secrets/db-admin-credentials")
    assert rec.exports["credentials_secret_resource_id"] == secret.resource_id
    assert secret.resource_id == f"{vault.resource_id}/secrets/db-admin-credentials"


def test_the_vault_is_reached_through_a_private_endpoint_in_the_private_zone():
    rec = build()
    vault, endpoint = rec.one(VAULT), rec.one(ENDPOINT)
    subnet = rec.one("azure-native:network:Subnet", "net-private-endpoints")
    assert endpoint.inputs["subnet"]["id"] == subnet.resource_id, endpoint.urn
    assert endpoint.inputs["privateLinkServiceConnections"] == [{
        "name": "db-kv", "privateLinkServiceId": vault.resource_id, "groupIds": ["vault"]}]
    [dns] = endpoint.outputs["customDnsConfigs"]
    assert dns["ipAddresses"][0].startswith("10."), endpoint.urn  # a private IP (mocked)
    group = rec.one(ZONE_GROUP)
    zone = rec.one("azure-native:privatedns:PrivateZone", "net-vault-zone")
    assert group.inputs["privateEndpointName"] == endpoint.outputs["name"], group.urn
    assert group.inputs["privateDnsZoneConfigs"] == [
        {"name": "vault", "privateDnsZoneId": zone.resource_id}], group.urn


def test_exactly_the_named_readers_get_secrets_user_on_the_secret_alone():
    assert build().of_type(ROLE_ASSIGNMENT) == []
    rec = build(admin_secret_readers=[OPERATORS, BOOTSTRAP])
    secret = rec.one(SECRET)
    assignments = sorted(rec.of_type(ROLE_ASSIGNMENT), key=lambda r: r.name)
    assert [(a.name, a.inputs["principalId"], a.inputs["roleDefinitionId"], a.inputs["scope"])
            for a in assignments] == [
        ("db-admin-credentials-reader-1", OPERATORS, SECRETS_USER, secret.resource_id),
        ("db-admin-credentials-reader-2", BOOTSTRAP, SECRETS_USER, secret.resource_id),
    ]


def test_prod_like_args_lock_and_protect_the_server_and_the_vault():
    rec = build(deletion_protection=True, protect=True, high_availability=True,
                geo_redundant_backup=True)
    locks = {lock.name: lock for lock in rec.of_type(LOCK)}
    assert sorted(locks) == ["db-kv-lock", "db-server-lock"]
    for lock_name, target, namespace, kind in (
            ("db-server-lock", server(rec), "Microsoft.DBforPostgreSQL", "flexibleServers"),
            ("db-kv-lock", rec.one(VAULT), "Microsoft.KeyVault", "vaults")):
        lock = locks[lock_name]
        assert (lock.inputs["level"], lock.inputs["scope"]) == (
            "CanNotDelete", target.resource_id), lock.urn
        assert f"/providers/{namespace}/{kind}/" in target.resource_id, target.urn
        assert lock.resource_id.startswith(f"{target.resource_id}/providers/"
                                           "Microsoft.Authorization/locks/"), lock.resource_id
    protected = sorted((r.type, r.name) for r in rec.resources if r.protect)
    assert protected == [(PG_DATABASE, "db-database"), (SERVER, "db-server"),
                         (VAULT, "db-kv")]


def test_defaults_neither_lock_nor_protect():
    rec = build()
    assert rec.of_type(LOCK) == []
    assert [r.urn for r in rec.resources if r.protect] == []


def test_the_application_database_waits_for_the_entra_administrator():
    rec = build()
    database = rec.one(PG_DATABASE)
    assert (database.inputs["databaseName"], database.inputs["charset"],
            database.inputs["collation"]) == ("forge", "UTF8", "en_US.utf8"), database.urn
    assert rec.one(ENTRA_ADMIN).urn in database.dependencies, database.urn
    assert rec.exports["database_name"] == "forge"


def test_the_mocks_give_every_azure_resource_an_arm_id_in_its_resource_group():
    rec = build(admin_secret_readers=[OPERATORS], deletion_protection=True)
    used = {r.type for r in rec.resources if r.custom and r.type.startswith("azure-native:")}
    assert used - KNOWN_TYPES == set()
    group = rec.one("azure-native:resources:ResourceGroup").outputs["name"]
    prefix = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{group}/providers/"
    for r in rec.resources:
        if r.custom and r.type.startswith("azure-native:") and r.type not in (
                "azure-native:resources:ResourceGroup",):
            assert r.resource_id.startswith(prefix), r.urn
    assert server(rec).resource_id == (
        f"{prefix}Microsoft.DBforPostgreSQL/flexibleServers/{server(rec).outputs['name']}")
    assert rec.exports["server_id"] == server(rec).resource_id


@pytest.mark.parametrize(("overrides", "message"), [
    ({"high_availability": True, "sku_tier": "Burstable", "sku_name": "Standard_B1ms"},
     "zone-redundant HA is not offered on the Burstable tier"),
    ({"sku_name": "Standard_B1ms"}, "sku_name 'Standard_B1ms' is not a GeneralPurpose size"),
    ({"engine_major_version": "14"}, "engine_major_version must be one of ['15', '16', '17']"),
    ({"backup_retention_days": 36}, "backup_retention_days must be between 7 and 35, got 36"),
    ({"storage_size_gb": 40}, "storage_size_gb must be one of"),
    ({"tls_min_version": "TLSv1.1"}, "tls_min_version 'TLSv1.1' is not one of"),
    ({"app_username": "forge_admin"}, "app_username 'forge_admin' must differ"),
    ({"admin_username": "azure_superuser"}, "admin_username 'azure_superuser' is reserved"),
    ({"entra_admin_principal_type": "Group"}, "entra_admin_principal_type 'Group' is not one"),
    ({"key_vault_name": "a--b"}, "key_vault_name 'a--b' must be 3-24"),
    ({"soft_delete_retention_days": 5}, "soft_delete_retention_days must be between 7 and 90"),
])
def test_invalid_args_are_refused_naming_the_field(overrides, message):
    args: dict[str, Any] = {
        "location": REGION, "resource_group_name": "rg", "delegated_subnet_id": "s",
        "private_dns_zone_id": "z", "private_endpoints_subnet_id": "p",
        "key_vault_private_dns_zone_id": "k", "entra_admin_object_id": OPERATORS,
        "entra_admin_principal_name": "admins"}
    with pytest.raises(ValueError, match="Database: ") as error:
        validate_database_args("db", DatabaseArgs(**(args | overrides)))
    assert message in str(error.value)
