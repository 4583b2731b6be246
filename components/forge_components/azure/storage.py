"""Object storage on Azure: one storage account, one private blob container per purpose.

The purposes are those of the AWS `Storage` component (reports, exports, backups by default),
each a container of one StorageV2 account (`storage.StorageAccount`, API 2024-01-01), locked
down explicitly rather than by the API's defaults:

* HTTPS only, minimum TLS 1.2 (`limits.STORAGE_MINIMUM_TLS`), no anonymous blob access (the
  account refuses it and every container is `None`), no Shared Key: `allow_shared_key_access`
  is False (the API's null means allowed) and `default_to_o_auth_authentication` True, so every
  data-plane request is authorised by Microsoft Entra ID
  (https://learn.microsoft.com/azure/storage/common/shared-key-authorization-prevent), no
  cross-tenant object replication, no local users or SFTP;
* public network access disabled and a deny-all network rule set with no trusted-service
  bypass (a flow-log account, `trusted_services_access`, admits trusted Azure services through
  that rule set and nothing else); with `private_endpoint_subnet_id`, a private endpoint for
  the `blob` sub-resource and its DNS zone group in the given
  `privatelink.blob.core.windows.net` zone;
* blob versioning, blob soft delete and container soft delete (`soft_delete_days`,
  `container_soft_delete_days`, 1..365);
* a lifecycle management policy with one rule per purpose (prefix `<container>/`, block
  blobs): current blobs move to Cool after `cool_after_days`; in `archive_purposes` only
  (backups by default) they move on to Archive after `archive_after_days`; a purpose the apps
  read (`app_read_purposes`: reports and exports by default) is refused there, because an
  archived blob is offline until rehydrated, which takes hours
  (https://learn.microsoft.com/azure/storage/blobs/archive-rehydrate-overview); previous
  versions are deleted `noncurrent_version_expiration_days` after they were created;
* infrastructure (double) encryption when asked, and a customer-managed key from Key Vault
  through a user-assigned identity when asked
  (https://learn.microsoft.com/azure/storage/common/customer-managed-keys-overview);
* role assignments on exactly one container each: Storage Blob Data Reader to `readers`,
  Storage Blob Data Contributor to `writers`, per purpose, nothing at the account's scope.
"""

import dataclasses
import functools
import re
from typing import NotRequired, TypedDict

import pulumi
import pulumi_random as random
from pulumi_azure_native import authorization, storage

from forge_components.azure.limits import (
    BLOB_PRIVATE_LINK_GROUP,
    BLOB_SOFT_DELETE_DAYS,
    CONTAINER_NAME,
    STORAGE_ACCOUNT_NAME,
    STORAGE_ACCOUNT_NAME_MAX,
    STORAGE_BLOB_DATA_CONTRIBUTOR,
    STORAGE_BLOB_DATA_READER,
    STORAGE_MINIMUM_TLS,
    STORAGE_SKUS,
    STORAGE_SKUS_WITHOUT_ARCHIVE,
    TIER_MINIMUM_DAYS,
)
from forge_components.azure.networking import private_endpoint
from forge_components.common import child_opts

COMPONENT = "forge-azure:index:Storage"
#: The random suffix of a generated account name (lower-case letters and digits).
ACCOUNT_SUFFIX_LENGTH = 8
_PURPOSE = re.compile(r"[a-z][a-z0-9-]{0,19}")
_NAME = re.compile(r"[a-z]([a-z0-9]|-(?!-))*[a-z0-9]")
_CMK_FIELDS = ("cmk_key_vault_uri", "cmk_key_name", "cmk_identity_id")


class StorageArgs(TypedDict):
    """The inputs of the Azure `Storage` component."""

    resource_group_name: pulumi.Input[str]
    """The resource group of the account and its private endpoint. Required."""
    location: str
    """The Azure region, e.g. "westeurope". Required."""
    account_name: NotRequired[str]
    """The storage account's name (3-24 lower-case letters and digits, unique across Azure).
    Defaults to the component name's letters and digits (16 at most) plus 8 random ones."""
    sku_name: NotRequired[str]
    """The redundancy SKU, one of `limits.STORAGE_SKUS`; ZRS, GZRS and RA-GZRS take no
    `archive_purposes` (Archive is not offered there). Defaults to "Standard_LRS"."""
    containers: NotRequired[list[str]]
    """The purposes to create one private container for (a lower-case letter, then lower-case
    letters, digits or hyphens, 20 at most). Defaults to ["reports", "exports", "backups"]."""
    app_read_purposes: NotRequired[list[str]]
    """The purposes the apps read: never moved to Archive. Defaults to ["reports",
    "exports"]."""
    archive_purposes: NotRequired[list[str]]
    """The purposes whose blobs move on to Archive after `archive_after_days`; none of
    `app_read_purposes`. Defaults to ["backups"]."""
    cool_after_days: NotRequired[int]
    """Days after the last modification before a blob moves to Cool (1 or more). Defaults to
    30."""
    archive_after_days: NotRequired[int]
    """Days after the last modification before a blob of `archive_purposes` moves to Archive
    (at least `cool_after_days` plus Cool's 30-day minimum). Defaults to 180."""
    noncurrent_version_expiration_days: NotRequired[int]
    """Days after a previous version was created before it is deleted (1 or more). Defaults
    to 90."""
    soft_delete_days: NotRequired[int]
    """Days a deleted or overwritten blob stays recoverable, 1..365. Defaults to 7."""
    container_soft_delete_days: NotRequired[int]
    """Days a deleted container stays recoverable, 1..365. Defaults to 7."""
    private_endpoint_subnet_id: NotRequired[pulumi.Input[str]]
    """The subnet of the blob private endpoint; requires `blob_private_dns_zone_id`. Unset
    creates no endpoint (public network access stays disabled). Defaults to unset."""
    blob_private_dns_zone_id: NotRequired[pulumi.Input[str]]
    """The `privatelink.blob.core.windows.net` zone (ARM id) the endpoint registers in; only
    with `private_endpoint_subnet_id`. Defaults to unset."""
    infrastructure_encryption: NotRequired[bool]
    """A second layer of encryption at the infrastructure level (set at creation only).
    Defaults to False."""
    cmk_key_vault_uri: NotRequired[pulumi.Input[str]]
    """Customer-managed key: the Key Vault's URI (`https://<vault>.vault.azure.net/`); with
    `cmk_key_name` and `cmk_identity_id`, all or none. Defaults to unset (Microsoft-managed
    keys)."""
    cmk_key_name: NotRequired[pulumi.Input[str]]
    """Customer-managed key: the key's name (the newest version is used). Defaults to
    unset."""
    cmk_identity_id: NotRequired[pulumi.Input[str]]
    """Customer-managed key: the user-assigned identity (ARM id) the account uses to reach the
    key; it needs Key Vault Crypto Service Encryption User on the key. Defaults to unset."""
    readers: NotRequired[dict[str, list[pulumi.Input[str]]]]
    """Principal (object) ids granted Storage Blob Data Reader, per purpose, on that container
    only. Defaults to {}."""
    writers: NotRequired[dict[str, list[pulumi.Input[str]]]]
    """Principal (object) ids granted Storage Blob Data Contributor, per purpose, on that
    container only. Defaults to {}."""
    trusted_services_access: NotRequired[bool]
    """Admit trusted Azure services (Network Watcher writing VNet flow logs) through the
    account's firewall: public network access "Enabled" with a deny-all rule set whose only
    exception is the `AzureServices` bypass; no IP range or network is admitted. For a
    flow-log account only: the services that write there reach no private endpoint.
    Defaults to False (public network access disabled, no bypass)."""
    protect: NotRequired[bool]
    """Pulumi `protect` on the account and every container (prod). Defaults to False."""
    tags: NotRequired[dict[str, str]]
    """Tags on the account and the private endpoint (plus `component`). Defaults to {}."""


@dataclasses.dataclass(frozen=True)
class _Settings:
    """`StorageArgs` with every default applied (the host passes a plain dict)."""

    resource_group_name: pulumi.Input[str]
    location: str
    account_name: str | None = None
    sku_name: str = "Standard_LRS"
    containers: list[str] = dataclasses.field(
        default_factory=lambda: ["reports", "exports", "backups"])
    app_read_purposes: list[str] = dataclasses.field(
        default_factory=lambda: ["reports", "exports"])
    archive_purposes: list[str] = dataclasses.field(default_factory=lambda: ["backups"])
    cool_after_days: int = 30
    archive_after_days: int = 180
    noncurrent_version_expiration_days: int = 90
    soft_delete_days: int = 7
    container_soft_delete_days: int = 7
    private_endpoint_subnet_id: pulumi.Input[str] | None = None
    blob_private_dns_zone_id: pulumi.Input[str] | None = None
    infrastructure_encryption: bool = False
    cmk_key_vault_uri: pulumi.Input[str] | None = None
    cmk_key_name: pulumi.Input[str] | None = None
    cmk_identity_id: pulumi.Input[str] | None = None
    readers: dict[str, list[pulumi.Input[str]]] = dataclasses.field(default_factory=dict)
    writers: dict[str, list[pulumi.Input[str]]] = dataclasses.field(default_factory=dict)
    trusted_services_access: bool = False
    protect: bool = False
    tags: dict[str, str] = dataclasses.field(default_factory=dict)


def _fail(message: str) -> ValueError:
    return ValueError(f"Storage: {message}")


def account_prefix(name: str) -> str:
    """The generated account name's fixed part: the name's letters and digits, 16 at most."""
    return re.sub(r"[^a-z0-9]", "", name)[:STORAGE_ACCOUNT_NAME_MAX - ACCOUNT_SUFFIX_LENGTH]


def validate_storage_args(name: str, args: StorageArgs) -> _Settings:
    """The args with defaults applied, checked; a ValueError names the field and what is
    allowed. Pure (no Pulumi calls)."""
    s = _Settings(**args)
    if not _NAME.fullmatch(name):
        raise _fail(f"name {name!r} must be lower-case letters, digits and single dashes (a "
                    "letter first, no dash last)")
    if s.account_name is not None and not STORAGE_ACCOUNT_NAME.fullmatch(s.account_name):
        raise _fail(f"account_name {s.account_name!r} must be 3-24 lower-case letters and "
                    "digits")
    if s.sku_name not in STORAGE_SKUS:
        raise _fail(f"sku_name {s.sku_name!r} is not one of {list(STORAGE_SKUS)}")
    purposes = list(s.containers)
    if not purposes:
        raise _fail("containers must name at least one purpose")
    bad = [p for p in purposes if not _PURPOSE.fullmatch(p) or not CONTAINER_NAME.fullmatch(p)]
    if bad:
        raise _fail(f"containers {bad} are not purposes (a lower-case letter, then lower-case "
                    "letters, digits or single hyphens, 3 to 20 characters)")
    if len(set(purposes)) != len(purposes):
        raise _fail(f"containers has duplicates: {purposes}")
    rules = [rule_name(p) for p in purposes]
    if len(set(rules)) != len(rules):
        raise _fail(f"containers {purposes} give the same lifecycle rule name twice (rule "
                    "names are letters and digits only)")
    for field in ("app_read_purposes", "archive_purposes", "readers", "writers"):
        unknown = sorted(set(getattr(s, field)) - set(purposes))
        if unknown:
            raise _fail(f"{field} names {unknown}, which are not among containers {purposes}")
    read_archived = sorted(set(s.archive_purposes) & set(s.app_read_purposes))
    if read_archived:
        raise _fail(f"archive_purposes {read_archived} are read by the apps "
                    "(app_read_purposes): an archived blob is offline until rehydrated "
                    "(hours); leave them in Cool")
    if s.archive_purposes and s.sku_name in STORAGE_SKUS_WITHOUT_ARCHIVE:
        raise _fail(f"archive_purposes {sorted(s.archive_purposes)} need Archive, which "
                    f"{s.sku_name} does not offer; use an LRS or GRS SKU or no archive "
                    "purposes")
    if s.cool_after_days < 1:
        raise _fail(f"cool_after_days must be 1 or more, got {s.cool_after_days}")
    cool = TIER_MINIMUM_DAYS["Cool"]
    if s.archive_after_days < s.cool_after_days + cool:
        raise _fail(f"archive_after_days ({s.archive_after_days}) must be at least "
                    f"cool_after_days + {cool} ({s.cool_after_days + cool}): a blob leaving "
                    "Cool earlier is billed Cool's minimum")
    if s.noncurrent_version_expiration_days < 1:
        raise _fail("noncurrent_version_expiration_days must be 1 or more, got "
                    f"{s.noncurrent_version_expiration_days}")
    low, high = BLOB_SOFT_DELETE_DAYS
    for field in ("soft_delete_days", "container_soft_delete_days"):
        days = getattr(s, field)
        if not low <= days <= high:
            raise _fail(f"{field} must be between {low} and {high}, got {days}")
    if (s.private_endpoint_subnet_id is None) != (s.blob_private_dns_zone_id is None):
        raise _fail("private_endpoint_subnet_id and blob_private_dns_zone_id go together: the "
                    "endpoint's record must land in the blob private DNS zone")
    given = [f for f in _CMK_FIELDS if getattr(s, f) is not None]
    if given and len(given) != len(_CMK_FIELDS):
        raise _fail(f"a customer-managed key needs all of {list(_CMK_FIELDS)}; got only "
                    f"{given}")
    return s


def _tags(tags: dict[str, str], specific: dict[str, str] | None = None) -> dict[str, str]:
    return {**tags, "component": "forge-azure-storage", **(specific or {})}


def rule_name(purpose: str) -> str:
    """The purpose's lifecycle rule name: letters and digits only ("A rule name can contain
    any combination of alpha numeric characters", `storage.ManagementPolicyRuleArgs.name`)."""
    return f"{purpose.replace('-', '')}Lifecycle"


def _role_definition(guid: str, subscription_id: str) -> str:
    """A built-in role's definition id in the subscription."""
    return f"/subscriptions/{subscription_id}/providers/Microsoft.Authorization/" \
           f"roleDefinitions/{guid}"


def lifecycle_rule(s: _Settings, purpose: str, container: str) -> storage.ManagementPolicyRuleArgs:
    """The purpose's lifecycle: Cool, Archive for archive purposes only, old versions
    deleted."""
    base = storage.ManagementPolicyBaseBlobArgs(
        tier_to_cool=storage.DateAfterModificationArgs(
            days_after_modification_greater_than=s.cool_after_days),
        tier_to_archive=(storage.DateAfterModificationArgs(
            days_after_modification_greater_than=s.archive_after_days)
            if purpose in s.archive_purposes else None))
    return storage.ManagementPolicyRuleArgs(
        name=rule_name(purpose),
        type="Lifecycle",
        enabled=True,
        definition=storage.ManagementPolicyDefinitionArgs(
            filters=storage.ManagementPolicyFilterArgs(
                blob_types=["blockBlob"], prefix_match=[f"{container}/"]),
            actions=storage.ManagementPolicyActionArgs(
                base_blob=base,
                version=storage.ManagementPolicyVersionArgs(
                    delete=storage.DateAfterCreationArgs(
                        days_after_creation_greater_than=(
                            s.noncurrent_version_expiration_days))))))


class Storage(pulumi.ComponentResource):
    """A private, Entra-only storage account with one container per purpose: TLS 1.2+, no
    Shared Key, no public access, versioning and soft delete, a lifecycle that never archives
    what the apps read, exact per-container role assignments."""

    bucket_names: pulumi.Output[dict[str, str]]
    """The container name of each purpose."""
    account_name: pulumi.Output[str]
    """The storage account's name."""
    account_id: pulumi.Output[str]
    """The storage account's ARM id."""
    blob_endpoint: pulumi.Output[str]
    """The account's blob endpoint (`https://<account>.blob.core.windows.net/`), resolving to
    the private endpoint inside the VNet."""
    container_ids: pulumi.Output[dict[str, str]]
    """The ARM id of each purpose's container (the scope of its role assignments)."""
    private_endpoint_id: pulumi.Output[str]
    """The blob private endpoint's ARM id; "" without `private_endpoint_subnet_id`."""

    def __init__(self, name: str, args: StorageArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, opts)
        s = validate_storage_args(name, args)

        account_name: pulumi.Input[str]
        if s.account_name is not None:
            account_name = s.account_name
        else:
            suffix = random.RandomString(
                f"{name}-account-suffix", length=ACCOUNT_SUFFIX_LENGTH, special=False,
                upper=False, numeric=True, lower=True, opts=child_opts(self))
            account_name = suffix.result.apply(lambda r: f"{account_prefix(name)}{r}")

        cmk = s.cmk_key_vault_uri is not None
        encryption = storage.EncryptionArgs(
            require_infrastructure_encryption=s.infrastructure_encryption,
            key_source="Microsoft.Keyvault" if cmk else "Microsoft.Storage",
            services=storage.EncryptionServicesArgs(
                blob=storage.EncryptionServiceArgs(enabled=True, key_type="Account"),
                file=storage.EncryptionServiceArgs(enabled=True, key_type="Account")),
            key_vault_properties=(storage.KeyVaultPropertiesArgs(
                key_vault_uri=s.cmk_key_vault_uri, key_name=s.cmk_key_name) if cmk else None),
            encryption_identity=(storage.EncryptionIdentityArgs(
                encryption_user_assigned_identity=s.cmk_identity_id) if cmk else None))
        account = storage.StorageAccount(
            f"{name}-account",
            resource_group_name=s.resource_group_name,
            location=s.location,
            account_name=account_name,
            kind="StorageV2",
            sku=storage.SkuArgs(name=s.sku_name),
            access_tier=storage.AccessTier.HOT,
            enable_https_traffic_only=True,
            minimum_tls_version=STORAGE_MINIMUM_TLS[0],
            allow_blob_public_access=False,
            allow_shared_key_access=False,
            default_to_o_auth_authentication=True,
            allow_cross_tenant_replication=False,
            is_local_user_enabled=False,
            is_sftp_enabled=False,
            is_hns_enabled=False,
            # Network Watcher writes flow logs as a trusted Microsoft service, admitted only by
            # the AzureServices bypass of an account whose public network access is enabled
            # (https://learn.microsoft.com/azure/storage/common/storage-network-security-trusted-azure-services;
            # not retrieved here: confirm before relying on it).
            public_network_access="Enabled" if s.trusted_services_access else "Disabled",
            network_rule_set=storage.NetworkRuleSetArgs(
                default_action=storage.DefaultAction.DENY,
                bypass="AzureServices" if s.trusted_services_access else "None"),
            encryption=encryption,
            identity=(storage.IdentityArgs(type="UserAssigned",
                                           user_assigned_identities=[s.cmk_identity_id])
                      if s.cmk_identity_id is not None else None),
            tags=_tags(s.tags),
            opts=child_opts(self, protect=s.protect))

        blob_service = storage.BlobServiceProperties(
            f"{name}-blob-service",
            resource_group_name=s.resource_group_name,
            account_name=account.name,
            blob_services_name="default",
            is_versioning_enabled=True,
            delete_retention_policy=storage.DeleteRetentionPolicyArgs(
                enabled=True, days=s.soft_delete_days),
            container_delete_retention_policy=storage.DeleteRetentionPolicyArgs(
                enabled=True, days=s.container_soft_delete_days),
            opts=child_opts(self))

        containers: dict[str, storage.BlobContainer] = {}
        for purpose in s.containers:
            containers[purpose] = storage.BlobContainer(
                f"{name}-{purpose}",
                resource_group_name=s.resource_group_name,
                account_name=account.name,
                container_name=purpose,
                public_access=storage.PublicAccess.NONE,
                metadata={"purpose": purpose},
                opts=child_opts(self, protect=s.protect, depends_on=[blob_service]))

        storage.ManagementPolicy(
            f"{name}-lifecycle",
            resource_group_name=s.resource_group_name,
            account_name=account.name,
            management_policy_name="default",
            policy=storage.ManagementPolicySchemaArgs(
                rules=[lifecycle_rule(s, purpose, purpose) for purpose in s.containers]),
            opts=child_opts(self, depends_on=[blob_service]))

        grants = ((s.readers, "reader", STORAGE_BLOB_DATA_READER),
                  (s.writers, "writer", STORAGE_BLOB_DATA_CONTRIBUTOR))
        if s.readers or s.writers:
            client = authorization.get_client_config_output(
                opts=pulumi.InvokeOutputOptions(parent=self))
            for principals, kind, guid in grants:
                role = client.subscription_id.apply(functools.partial(_role_definition, guid))
                for purpose in s.containers:
                    for i, principal in enumerate(principals.get(purpose, [])):
                        authorization.RoleAssignment(
                            f"{name}-{purpose}-{kind}-{i + 1}",
                            scope=containers[purpose].id,
                            role_definition_id=role,
                            principal_id=principal,
                            principal_type="ServicePrincipal",
                            description=f"forge {name}: {kind} of the {purpose} container",
                            opts=child_opts(self))

        endpoint_id: pulumi.Output[str] = pulumi.Output.from_input("")
        # Both or neither (validate_storage_args).
        if s.private_endpoint_subnet_id is not None and s.blob_private_dns_zone_id is not None:
            endpoint = private_endpoint(
                self, f"{name}-blob-pe", resource_group_name=s.resource_group_name,
                location=s.location, subnet_id=s.private_endpoint_subnet_id,
                target_id=account.id, group_id=BLOB_PRIVATE_LINK_GROUP,
                connection_name=f"{name}-blob", dns_zone_id=s.blob_private_dns_zone_id,
                tags=_tags(s.tags))
            endpoint_id = endpoint.id

        self.bucket_names = pulumi.Output.all(
            **{p: c.name for p, c in containers.items()}).apply(dict)
        self.account_name = account.name
        self.account_id = account.id
        self.blob_endpoint = account.primary_endpoints.apply(lambda e: str(e.blob))
        self.container_ids = pulumi.Output.all(
            **{p: c.id for p, c in containers.items()}).apply(dict)
        self.private_endpoint_id = endpoint_id
        self.register_outputs({
            "bucket_names": self.bucket_names,
            "account_name": self.account_name,
            "account_id": self.account_id,
            "blob_endpoint": self.blob_endpoint,
            "container_ids": self.container_ids,
            "private_endpoint_id": self.private_endpoint_id,
        })
