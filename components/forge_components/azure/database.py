"""PostgreSQL on Azure: Azure Database for PostgreSQL flexible server, private access only.

`Database` creates a flexible server (`dbforpostgresql.Server`, API 2025-08-01 in
pulumi-azure-native 3.x) integrated into the VNet: it takes its address in the subnet
delegated to `Microsoft.DBforPostgreSQL/flexibleServers` and registers its name in the
VNet-integration private DNS zone (`Networking`'s `database_subnet_id` and
`postgres_private_dns_zone_id`); public network access is disabled and no firewall rule
exists. Around it:

* TLS only: `require_secure_transport` on and `ssl_min_protocol_version` TLSv1.2 (or 1.3), as
  server parameters (`dbforpostgresql.Configuration`), set one after another;
* zone-redundant high availability (a standby in another zone, automatic failover) when
  `high_availability` is set (prod); never on Burstable, which does not offer it;
* backups kept `backup_retention_days` (7..35), geo-redundant when `geo_redundant_backup` is
  set: a choice Azure accepts only when the server is created;
* TimescaleDB when asked: `azure.extensions` allow-lists `timescaledb` and
  `shared_preload_libraries` preloads it (a static parameter: it takes effect at the next
  restart, which Pulumi does not trigger; `CREATE EXTENSION timescaledb` is then the
  migration's). Microsoft builds the Apache-2 edition: no compression, continuous-aggregate
  policies or other Timescale-License features
  (https://learn.microsoft.com/azure/postgresql/extensions/concepts-extensions-considerations);
* authentication by Microsoft Entra ID and by password: `entra_admin_*` is the server's Entra
  administrator (`AdministratorsMicrosoftEntra`), who creates the services' roles for their
  managed identities (`pgaadauth_create_principal`); the password administrator's password is
  generated (pulumi_random) and kept in a Key Vault secret as JSON (`username`, `password`,
  `host`, `port`, `dbname`), never in plaintext in the program, the plan or the state
  (`additional_secret_outputs`);
* that Key Vault: RBAC authorization (no access policies), purge protection, soft delete
  `soft_delete_retention_days`, public network access disabled, reached through a private
  endpoint in `private_endpoints_subnet_id` registered in `privatelink.vaultcore.azure.net`;
  the identities in `admin_secret_readers` get Key Vault Secrets User on that one secret,
  nothing else. Pulumi writes the secret through Azure Resource Manager
  (`Microsoft.KeyVault/vaults/secrets`, the control plane, which the vault's network rules do
  not govern), so the deployer needs no route to the private endpoint, only the right to
  write secrets through ARM (Key Vault Contributor or Contributor on the vault);
* a CanNotDelete management lock on the server and the vault when `deletion_protection` is
  set, and Pulumi `protect` on the server, the application database and the vault when
  `protect` is set.

The services authenticate with Entra ID (`auth_method` "iam"): each one's managed identity
logs in as a role of its own name with a token from its identity, with no password
(https://learn.microsoft.com/azure/postgresql/security/security-entra-configure). The role
itself is created by the Entra administrator inside the VNet, which is the Azure target's job
(a Container Apps job), not this component's.
"""

import dataclasses
import re
from typing import NotRequired, TypedDict

import pulumi
import pulumi_random as random
from pulumi_azure_native import authorization, dbforpostgresql, keyvault

from forge_components.azure.limits import (
    BACKUP_RETENTION_DAYS,
    DEFAULT_POSTGRES_MAJOR,
    DEFAULT_PRELOAD_LIBRARIES,
    KEY_VAULT_NAME,
    KEY_VAULT_SECRETS_USER_ROLE,
    KEY_VAULT_SOFT_DELETE_DAYS,
    POSTGRES_MAJORS,
    POSTGRES_SERVER_NAME,
    SKU_TIERS,
    STORAGE_SIZES_GB,
    TIMESCALEDB,
    TLS_MIN_PROTOCOL_VERSIONS,
)
from forge_components.azure.networking import private_endpoint
from forge_components.azure.tags import resource_tags
from forge_components.common import child_opts

COMPONENT = "forge-azure:index:Database"
POSTGRES_PORT = 5432
AUTH_IAM = "iam"
#: Who an Entra administrator is, as the flexible server's API spells it
#: (pulumi_azure_native 3.29 `dbforpostgresql.PrincipalType`).
ENTRA_PRINCIPAL_TYPES: tuple[str, ...] = ("user", "group", "servicePrincipal")
#: The longest suffix the component appends to its name for a child.
_LONGEST_CHILD_SUFFIX = len("-admin-credentials")
_IDENTIFIER = re.compile(r"[a-z][a-z0-9_]{0,62}")
#: Role names PostgreSQL (`pg_`) and flexible server (`azure_`, its azure_pg_admin and
#: azuresu roles) keep for themselves. Source:
#: https://learn.microsoft.com/azure/postgresql/security/security-manage-database-users
#: (not retrieved: confirm the list before relying on it).
_RESERVED_ROLE_PREFIXES = ("pg_", "azure")
_RESERVED_ROLES = ("postgres", "admin", "administrator", "root", "guest", "public")
_LIBRARY = re.compile(r"[a-z][a-z0-9_]*")


class DatabaseArgs(TypedDict):
    """Arguments of the Azure `Database`. Defaults are safe: private access only, TLS 1.2+,
    Entra ID authentication, the admin password in a private Key Vault."""

    location: str
    """The region (the VNet's). Required."""
    resource_group_name: pulumi.Input[str]
    """The resource group (`Networking`'s `resource_group_name`). Required."""
    delegated_subnet_id: pulumi.Input[str]
    """The subnet delegated to Microsoft.DBforPostgreSQL/flexibleServers (`Networking`'s
    `database_subnet_id`). Required."""
    private_dns_zone_id: pulumi.Input[str]
    """The VNet-integration private DNS zone, linked to the VNet (`Networking`'s
    `postgres_private_dns_zone_id`). Required."""
    private_endpoints_subnet_id: pulumi.Input[str]
    """The subnet of the Key Vault's private endpoint (`Networking`'s
    `private_endpoints_subnet_id`). Required."""
    key_vault_private_dns_zone_id: pulumi.Input[str]
    """The `privatelink.vaultcore.azure.net` zone (`Networking`'s
    `private_dns_zone_ids["vault"]`). Required."""
    entra_admin_object_id: pulumi.Input[str]
    """The object id of the server's Microsoft Entra administrator (a group of operators, or
    the identity that creates the services' roles). Required."""
    entra_admin_principal_name: pulumi.Input[str]
    """That principal's display name (a group's or service principal's name, or a user's
    UPN). Required."""
    entra_admin_principal_type: NotRequired[str]
    """"group", "user" or "servicePrincipal". Defaults to "group"."""
    tenant_id: NotRequired[pulumi.Input[str]]
    """The Entra tenant of the server and the vault. Defaults to the deploying identity's
    tenant."""
    server_name: NotRequired[str]
    """The server's name (global: it is the host name's first label), 3-63 lower-case letters,
    digits and hyphens. Defaults to an auto-name from the component's name."""
    engine_major_version: NotRequired[str]
    """The PostgreSQL major (one of `limits.POSTGRES_MAJORS`). Defaults to "17"."""
    sku_tier: NotRequired[str]
    """"Burstable", "GeneralPurpose" or "MemoryOptimized". Defaults to "GeneralPurpose"."""
    sku_name: NotRequired[str]
    """The compute size of that tier (e.g. "Standard_B1ms", "Standard_D2ds_v5",
    "Standard_E2ds_v5"). Defaults to "Standard_D2ds_v5"."""
    storage_size_gb: NotRequired[int]
    """Premium SSD size, GiB (32, 64, ... 32767); it grows automatically and is never shrunk by
    the component. Defaults to 32."""
    high_availability: NotRequired[bool]
    """Zone-redundant HA: a standby in another zone with automatic failover (prod); refused on
    Burstable. Defaults to False."""
    availability_zone: NotRequired[str]
    """The primary's zone ("1", "2" or "3"); unset lets Azure choose. Defaults to unset."""
    backup_retention_days: NotRequired[int]
    """Days of backups and point-in-time restore, 7..35. Defaults to 7."""
    geo_redundant_backup: NotRequired[bool]
    """Backups copied to the paired region (prod); fixed when the server is created. Defaults
    to False."""
    timescaledb: NotRequired[bool]
    """Allow-list and preload TimescaleDB (server parameters `azure.extensions` and
    `shared_preload_libraries`; takes effect after a restart). Defaults to False."""
    extensions: NotRequired[list[str]]
    """Further extensions to allow-list in `azure.extensions` (lower-case names). Defaults to
    []."""
    preload_libraries: NotRequired[list[str]]
    """The libraries `shared_preload_libraries` keeps when the component sets it for
    TimescaleDB (setting it replaces the whole list). Defaults to ["pg_cron",
    "pg_stat_statements"]."""
    tls_min_version: NotRequired[str]
    """`ssl_min_protocol_version`: "TLSv1.2" or "TLSv1.3". Defaults to "TLSv1.2"."""
    maintenance_day_of_week: NotRequired[int]
    """Maintenance window day, 0 (Sunday) .. 6. Defaults to 0."""
    maintenance_start_hour: NotRequired[int]
    """Maintenance window start hour, 0..23 UTC. Defaults to 4."""
    database_name: NotRequired[str]
    """The application database. Defaults to "forge"."""
    admin_username: NotRequired[str]
    """The password administrator's login (fixed once created). Defaults to "forge_admin"."""
    app_username: NotRequired[str]
    """The role the services log in as with Entra ID (created by the Entra administrator).
    Defaults to "forge_app"."""
    key_vault_name: NotRequired[str]
    """The Key Vault's name (global, 3-24 characters). Defaults to an auto-name from the
    component's name."""
    soft_delete_retention_days: NotRequired[int]
    """Days a deleted vault or secret can be recovered, 7..90. Defaults to 90."""
    admin_secret_readers: NotRequired[list[pulumi.Input[str]]]
    """Principal (object) ids granted Key Vault Secrets User on the admin credentials secret
    only: operators, the role bootstrap's identity. Defaults to [] (none)."""
    deletion_protection: NotRequired[bool]
    """A CanNotDelete management lock on the server and the vault. Defaults to False."""
    protect: NotRequired[bool]
    """Pulumi `protect` on the server, the application database and the vault. Defaults to
    False."""
    tags: NotRequired[dict[str, str]]
    """Tags on every taggable child. Defaults to {}."""


@dataclasses.dataclass(frozen=True)
class _Settings:
    """`DatabaseArgs` with every default applied (the host passes a plain dict)."""

    location: str
    resource_group_name: pulumi.Input[str]
    delegated_subnet_id: pulumi.Input[str]
    private_dns_zone_id: pulumi.Input[str]
    private_endpoints_subnet_id: pulumi.Input[str]
    key_vault_private_dns_zone_id: pulumi.Input[str]
    entra_admin_object_id: pulumi.Input[str]
    entra_admin_principal_name: pulumi.Input[str]
    entra_admin_principal_type: str = "group"
    tenant_id: pulumi.Input[str] | None = None
    server_name: str | None = None
    engine_major_version: str = DEFAULT_POSTGRES_MAJOR
    sku_tier: str = "GeneralPurpose"
    sku_name: str = "Standard_D2ds_v5"
    storage_size_gb: int = 32
    high_availability: bool = False
    availability_zone: str | None = None
    backup_retention_days: int = 7
    geo_redundant_backup: bool = False
    timescaledb: bool = False
    extensions: list[str] = dataclasses.field(default_factory=list)
    preload_libraries: list[str] = dataclasses.field(
        default_factory=lambda: list(DEFAULT_PRELOAD_LIBRARIES))
    tls_min_version: str = "TLSv1.2"
    maintenance_day_of_week: int = 0
    maintenance_start_hour: int = 4
    database_name: str = "forge"
    admin_username: str = "forge_admin"
    app_username: str = "forge_app"
    key_vault_name: str | None = None
    soft_delete_retention_days: int = 90
    admin_secret_readers: list[pulumi.Input[str]] = dataclasses.field(default_factory=list)
    deletion_protection: bool = False
    protect: bool = False
    tags: dict[str, str] = dataclasses.field(default_factory=dict)


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
    if not re.fullmatch(r"[a-z][a-z0-9-]*", name) or len(name) > 40:
        raise _fail(f"name {name!r} must be lower-case letters, digits and dashes, a letter "
                    "first, at most 40 characters (children's Azure names derive from it)")
    if s.entra_admin_principal_type not in ENTRA_PRINCIPAL_TYPES:
        raise _fail(f"entra_admin_principal_type {s.entra_admin_principal_type!r} is not one "
                    f"of {list(ENTRA_PRINCIPAL_TYPES)}")
    if s.server_name is not None and not POSTGRES_SERVER_NAME.fullmatch(s.server_name):
        raise _fail(f"server_name {s.server_name!r} must be 3-63 lower-case letters, digits "
                    "and hyphens, not starting or ending with a hyphen")
    if s.key_vault_name is not None and not KEY_VAULT_NAME.fullmatch(s.key_vault_name):
        raise _fail(f"key_vault_name {s.key_vault_name!r} must be 3-24 letters, digits and "
                    "dashes, a letter first, no '--', not ending with a dash")
    if s.engine_major_version not in POSTGRES_MAJORS:
        raise _fail(f"engine_major_version must be one of {list(POSTGRES_MAJORS)} (standard "
                    f"support), got {s.engine_major_version!r}")
    if s.sku_tier not in SKU_TIERS:
        raise _fail(f"sku_tier {s.sku_tier!r} is not one of {sorted(SKU_TIERS)}")
    if not SKU_TIERS[s.sku_tier].fullmatch(s.sku_name):
        raise _fail(f"sku_name {s.sku_name!r} is not a {s.sku_tier} size (Burstable: "
                    "Standard_B*ms/s, GeneralPurpose: Standard_D*ds_v*, MemoryOptimized: "
                    "Standard_E*ds_v*)")
    if s.high_availability and s.sku_tier == "Burstable":
        raise _fail("high_availability: zone-redundant HA is not offered on the Burstable "
                    "tier; choose GeneralPurpose or MemoryOptimized")
    if s.storage_size_gb not in STORAGE_SIZES_GB:
        raise _fail(f"storage_size_gb must be one of {list(STORAGE_SIZES_GB)}, got "
                    f"{s.storage_size_gb}")
    if s.availability_zone is not None and s.availability_zone not in ("1", "2", "3"):
        raise _fail(f"availability_zone must be '1', '2' or '3', got {s.availability_zone!r}")
    _between("backup_retention_days", s.backup_retention_days, BACKUP_RETENTION_DAYS)
    _between("soft_delete_retention_days", s.soft_delete_retention_days, KEY_VAULT_SOFT_DELETE_DAYS)
    _between("maintenance_day_of_week", s.maintenance_day_of_week, (0, 6))
    _between("maintenance_start_hour", s.maintenance_start_hour, (0, 23))
    if s.tls_min_version not in TLS_MIN_PROTOCOL_VERSIONS:
        raise _fail(f"tls_min_version {s.tls_min_version!r} is not one of "
                    f"{list(TLS_MIN_PROTOCOL_VERSIONS)}")
    for field in ("extensions", "preload_libraries"):
        for value in getattr(s, field):
            if not _LIBRARY.fullmatch(value):
                raise _fail(f"{field}: {value!r} is not a lower-case extension name")
    for field in ("database_name", "admin_username", "app_username"):
        value = getattr(s, field)
        if not _IDENTIFIER.fullmatch(value):
            raise _fail(f"{field} {value!r} must be a lower-case PostgreSQL name: a letter, then "
                        "letters, digits or underscores, 63 at most")
    for field in ("admin_username", "app_username"):
        value = getattr(s, field)
        if value.startswith(_RESERVED_ROLE_PREFIXES) or value in _RESERVED_ROLES:
            raise _fail(f"{field} {value!r} is reserved: flexible server refuses "
                        f"{list(_RESERVED_ROLES)} and the prefixes "
                        f"{list(_RESERVED_ROLE_PREFIXES)}")
    if s.app_username == s.admin_username:
        raise _fail(f"app_username {s.app_username!r} must differ from admin_username: the "
                    "services never log in as the administrator")
    resource_tags(COMPONENT, s.tags)
    return s


def server_parameters(s: _Settings) -> dict[str, str]:
    """The server parameters the component sets, in the order it sets them: TLS first, then
    the extensions' allow-list and preload when asked."""
    parameters = {"require_secure_transport": "on", "ssl_min_protocol_version": s.tls_min_version}
    allowed = [*s.extensions, *([TIMESCALEDB] if s.timescaledb else [])]
    if allowed:
        parameters["azure.extensions"] = ",".join(dict.fromkeys(allowed))
    if s.timescaledb:
        parameters["shared_preload_libraries"] = ",".join(
            dict.fromkeys([TIMESCALEDB, *s.preload_libraries]))
    return parameters


class Database(pulumi.ComponentResource):
    """Azure Database for PostgreSQL flexible server in the VNet, TLS only, Entra ID
    authentication, the admin password in a private Key Vault, HA, geo-backup and TimescaleDB
    when asked."""

    host: pulumi.Output[str]
    """The server's FQDN, resolved to its private address through the VNet's private zone."""
    port: pulumi.Output[int]
    """The PostgreSQL port (5432)."""
    database_name: pulumi.Output[str]
    """The application database's name."""
    username: pulumi.Output[str]
    """The password administrator (operators only, never the services)."""
    credentials_secret_id: pulumi.Output[str]
    """The Key Vault secret (`https://<vault>.vault.azure.net/secrets/<name>`) holding the
    administrator's credentials as JSON (`username`, `password`, `host`, `port`, `dbname`)."""
    app_username: pulumi.Output[str]
    """The role the services log in as with Entra ID (DATABASE_USER)."""
    auth_method: pulumi.Output[str]
    """How the services authenticate: "iam" (an Entra ID token from their managed identity)."""
    app_credentials_secret_id: pulumi.Output[str]
    """Always "": the services have no password."""
    server_id: pulumi.Output[str]
    """The flexible server's resource id."""
    server_name: pulumi.Output[str]
    """The flexible server's name."""
    key_vault_id: pulumi.Output[str]
    """The Key Vault's resource id."""
    key_vault_uri: pulumi.Output[str]
    """The Key Vault's URI."""
    key_vault_name: pulumi.Output[str]
    """The Key Vault's name (the stack's other secrets may be kept there: the cache's access
    key, the app's secrets)."""
    credentials_secret_resource_id: pulumi.Output[str]
    """The admin credentials secret's resource id (the scope of its role assignments)."""
    high_availability_mode: pulumi.Output[str]
    """"ZoneRedundant" or "Disabled"."""

    def __init__(self, name: str, args: DatabaseArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, opts)
        s = validate_database_args(name, args)
        tags = resource_tags(COMPONENT, s.tags)
        client = authorization.get_client_config_output(
            opts=pulumi.InvokeOutputOptions(parent=self))
        tenant_id: pulumi.Input[str] = (s.tenant_id if s.tenant_id is not None
                                        else client.tenant_id)
        ha_mode = "ZoneRedundant" if s.high_availability else "Disabled"

        password = random.RandomPassword(
            f"{name}-admin-password", length=40, special=False, opts=child_opts(self))

        server = dbforpostgresql.Server(
            f"{name}-server",
            server_name=s.server_name,
            resource_group_name=s.resource_group_name,
            location=s.location,
            version=s.engine_major_version,
            create_mode="Create",
            sku=dbforpostgresql.SkuArgs(name=s.sku_name, tier=s.sku_tier),
            storage=dbforpostgresql.StorageArgs(storage_size_gb=s.storage_size_gb,
                                                auto_grow="Enabled"),
            availability_zone=s.availability_zone,
            high_availability=dbforpostgresql.HighAvailabilityArgs(mode=ha_mode),
            backup=dbforpostgresql.BackupArgs(
                backup_retention_days=s.backup_retention_days,
                geo_redundant_backup="Enabled" if s.geo_redundant_backup else "Disabled"),
            network=dbforpostgresql.NetworkArgs(
                delegated_subnet_resource_id=s.delegated_subnet_id,
                private_dns_zone_arm_resource_id=s.private_dns_zone_id,
                public_network_access="Disabled"),
            auth_config=dbforpostgresql.AuthConfigArgs(
                active_directory_auth="Enabled", password_auth="Enabled", tenant_id=tenant_id),
            administrator_login=s.admin_username,
            administrator_login_password=password.result,
            maintenance_window=dbforpostgresql.MaintenanceWindowArgs(
                custom_window="Enabled", day_of_week=s.maintenance_day_of_week,
                start_hour=s.maintenance_start_hour, start_minute=0),
            tags=tags,
            # Automatic growth changes the size behind the program's back; a later update must
            # not try to shrink it (storage can only grow).
            opts=child_opts(self, protect=s.protect,
                            ignore_changes=["storage.storageSizeGB"],
                            additional_secret_outputs=["administratorLoginPassword"]))

        # Server parameters one after another: the server accepts one change at a time.
        previous: list[pulumi.Resource] = []
        for parameter, value in server_parameters(s).items():
            configuration = dbforpostgresql.Configuration(
                f"{name}-{parameter.replace('.', '-').replace('_', '-')}",
                resource_group_name=s.resource_group_name,
                server_name=server.name,
                configuration_name=parameter,
                value=value,
                source="user-override",
                opts=child_opts(self, depends_on=previous))
            previous = [configuration]

        entra_admin = dbforpostgresql.AdministratorsMicrosoftEntra(
            f"{name}-entra-admin",
            resource_group_name=s.resource_group_name,
            server_name=server.name,
            object_id=s.entra_admin_object_id,
            principal_name=s.entra_admin_principal_name,
            principal_type=s.entra_admin_principal_type,
            tenant_id=tenant_id,
            opts=child_opts(self, depends_on=previous))

        database = dbforpostgresql.Database(
            f"{name}-database",
            resource_group_name=s.resource_group_name,
            server_name=server.name,
            database_name=s.database_name,
            charset="UTF8",
            collation="en_US.utf8",
            opts=child_opts(self, protect=s.protect, depends_on=[entra_admin]))

        # -- the Key Vault of the admin credentials: RBAC, purge protection, private only.
        vault = keyvault.Vault(
            f"{name}-kv",
            vault_name=s.key_vault_name,
            resource_group_name=s.resource_group_name,
            location=s.location,
            properties=keyvault.VaultPropertiesArgs(
                tenant_id=tenant_id,
                sku=keyvault.SkuArgs(family="A", name=keyvault.SkuName.STANDARD),
                enable_rbac_authorization=True,
                enable_purge_protection=True,
                enable_soft_delete=True,
                soft_delete_retention_in_days=s.soft_delete_retention_days,
                public_network_access="Disabled",
                network_acls=keyvault.NetworkRuleSetArgs(default_action="Deny",
                                                         bypass="None"),
                enabled_for_deployment=False,
                enabled_for_disk_encryption=False,
                enabled_for_template_deployment=False,
            ),
            tags=tags,
            opts=child_opts(self, protect=s.protect))
        private_endpoint(
            self, f"{name}-kv-endpoint", resource_group_name=s.resource_group_name,
            location=s.location, subnet_id=s.private_endpoints_subnet_id, target_id=vault.id,
            group_id="vault", connection_name=f"{name}-kv",
            dns_zone_id=s.key_vault_private_dns_zone_id, tags=tags)

        host = server.fully_qualified_domain_name.apply(lambda fqdn: fqdn or "")
        secret = keyvault.Secret(
            f"{name}-admin-credentials",
            resource_group_name=s.resource_group_name,
            vault_name=vault.name,
            secret_name=f"{name}-admin-credentials",
            properties=keyvault.SecretPropertiesArgs(
                content_type="application/json",
                value=pulumi.Output.json_dumps({
                    "username": s.admin_username,
                    "password": password.result,
                    "host": host,
                    "port": POSTGRES_PORT,
                    "dbname": database.name,
                })),
            tags=tags,
            opts=child_opts(self))

        role = client.subscription_id.apply(
            lambda sub: f"/subscriptions/{sub}/providers/Microsoft.Authorization/"
                        f"roleDefinitions/{KEY_VAULT_SECRETS_USER_ROLE}")
        for i, principal in enumerate(s.admin_secret_readers):
            authorization.RoleAssignment(
                f"{name}-admin-credentials-reader-{i + 1}",
                scope=secret.id,
                role_definition_id=role,
                principal_id=principal,
                description=f"forge {name}: reads the PostgreSQL admin credentials",
                opts=child_opts(self))

        if s.deletion_protection:
            for key, target, what in (("server", server, "the stack's database"),
                                      ("kv", vault, "the database's credentials")):
                authorization.ManagementLockByScope(
                    f"{name}-{key}-lock",
                    scope=target.id,
                    level="CanNotDelete",
                    notes=f"forge {name}: {what}",
                    opts=child_opts(self))

        self.host = host
        self.port = pulumi.Output.from_input(POSTGRES_PORT)
        self.database_name = database.name
        self.username = pulumi.Output.from_input(s.admin_username)
        # The properties carry the value, so the whole object comes back secret; its URI is a
        # reference, not a secret (the services' Key Vault references name it).
        self.credentials_secret_id = pulumi.Output.unsecret(
            secret.properties.apply(lambda p: p.secret_uri))
        self.app_username = pulumi.Output.from_input(s.app_username)
        self.auth_method = pulumi.Output.from_input(AUTH_IAM)
        self.app_credentials_secret_id = pulumi.Output.from_input("")
        self.server_id = server.id
        self.server_name = server.name
        self.key_vault_id = vault.id
        self.key_vault_uri = vault.properties.apply(lambda p: p.vault_uri or "")
        self.key_vault_name = vault.name
        self.credentials_secret_resource_id = secret.id
        self.high_availability_mode = pulumi.Output.from_input(ha_mode)
        self.register_outputs({
            "host": self.host,
            "port": self.port,
            "database_name": self.database_name,
            "username": self.username,
            "credentials_secret_id": self.credentials_secret_id,
            "app_username": self.app_username,
            "auth_method": self.auth_method,
            "app_credentials_secret_id": self.app_credentials_secret_id,
            "server_id": self.server_id,
            "server_name": self.server_name,
            "key_vault_id": self.key_vault_id,
            "key_vault_uri": self.key_vault_uri,
            "key_vault_name": self.key_vault_name,
            "credentials_secret_resource_id": self.credentials_secret_resource_id,
            "high_availability_mode": self.high_availability_mode,
        })
