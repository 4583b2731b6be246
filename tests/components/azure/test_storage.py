"""The Azure Storage component under the offline mocks: an Entra-only private account, the
containers per purpose, the lifecycle per purpose, soft delete and versioning, encryption and
exact per-container role assignments.

What these tests do not prove: that the account name is free (names are global), that the
region offers the SKU, that the key and identity exist or that a client reaches the endpoint;
only that the program asks Azure for what it should.
"""

from typing import Any

import pulumi
import pytest

from forge_components.azure.limits import (
    STORAGE_ACCOUNT_NAME,
    STORAGE_BLOB_DATA_CONTRIBUTOR,
    STORAGE_BLOB_DATA_READER,
)
from forge_components.azure.storage import Storage, StorageArgs, validate_storage_args
from forge_components.contracts import StorageOutputs
from forge_infra.plan.recorder import Recording
from tests.components.azure.cache_storage_support import (
    API_PRINCIPAL,
    ARM_ID_PREFIX,
    BLOB_ZONE_ID,
    LOCATION,
    PE_SUBNET_ID,
    RG,
    RG_ID,
    WORKER_PRINCIPAL,
    assert_azure_component_schema,
    role_definition_id,
    run_azure,
)

ACCOUNT = "azure-native:storage:StorageAccount"
BLOB_SERVICE = "azure-native:storage:BlobServiceProperties"
CONTAINER = "azure-native:storage:BlobContainer"
POLICY = "azure-native:storage:ManagementPolicy"
ENDPOINT = "azure-native:network:PrivateEndpoint"
ZONE_GROUP = "azure-native:network:PrivateDnsZoneGroup"
ROLE = "azure-native:authorization:RoleAssignment"
OUTPUT_NAMES = {"bucket_names", "account_name", "account_id", "blob_endpoint",
                "container_ids", "private_endpoint_id"}
PURPOSES = ["reports", "exports", "backups"]
IDENTITY_ID = f"{RG_ID}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/forge-cmk"


def _args(**overrides: Any) -> StorageArgs:
    base: dict[str, Any] = {"resource_group_name": RG, "location": LOCATION}
    return StorageArgs(**(base | overrides))  # type: ignore[typeddict-item]


def build(**overrides: Any) -> Recording:
    """One Storage named "files", its outputs exported under their own names."""
    def program() -> None:
        store = Storage("files", _args(**overrides))
        for key in OUTPUT_NAMES:
            pulumi.export(key, getattr(store, key))
    return run_azure(program)


def rules(rec: Recording) -> dict[str, dict[str, Any]]:
    """The lifecycle rules by name."""
    return {rule["name"]: rule for rule in rec.one(POLICY).inputs["policy"]["rules"]}


def test_the_schema_serves_the_contract_and_every_output():
    assert_azure_component_schema(Storage, StorageOutputs, OUTPUT_NAMES)


def test_the_account_is_https_tls12_entra_only_private_and_never_public():
    rec = build()
    account = rec.one(ACCOUNT, "files-account")
    inputs, urn = account.inputs, account.urn
    assert inputs["enableHttpsTrafficOnly"] is True, urn
    assert inputs["minimumTlsVersion"] == "TLS1_2", urn
    assert inputs["allowBlobPublicAccess"] is False, urn
    assert inputs["allowSharedKeyAccess"] is False, urn
    assert inputs["defaultToOAuthAuthentication"] is True, urn
    assert inputs["allowCrossTenantReplication"] is False, urn
    assert inputs["isLocalUserEnabled"] is False and inputs["isSftpEnabled"] is False, urn
    assert inputs["publicNetworkAccess"] == "Disabled", urn
    assert inputs["networkRuleSet"] == {"defaultAction": "Deny", "bypass": "None"}, urn
    assert inputs["kind"] == "StorageV2" and inputs["sku"] == {"name": "Standard_LRS"}
    assert inputs["encryption"]["keySource"] == "Microsoft.Storage"
    assert inputs["encryption"]["requireInfrastructureEncryption"] is False
    assert "identity" not in inputs
    assert inputs["tags"] == {"component": "forge-azure-storage"}
    assert STORAGE_ACCOUNT_NAME.fullmatch(inputs["accountName"]), inputs["accountName"]
    assert inputs["accountName"].startswith("files")
    assert rec.exports["blob_endpoint"] == f"https://{inputs['accountName']}.blob.core.windows.net/"


def test_one_private_container_per_purpose():
    rec = build()
    containers = rec.of_type(CONTAINER)
    assert sorted(c.inputs["containerName"] for c in containers) == sorted(PURPOSES)
    for container in containers:
        assert container.inputs["publicAccess"] == "None", container.urn
        assert container.inputs["accountName"] == rec.one(ACCOUNT).outputs["name"]
    assert rec.exports["bucket_names"] == {p: p for p in PURPOSES}
    account_id = rec.one(ACCOUNT).resource_id
    assert rec.exports["container_ids"] == {
        p: f"{account_id}/blobServices/default/containers/{p}" for p in PURPOSES}


def test_versioning_blob_and_container_soft_delete():
    rec = build(soft_delete_days=14, container_soft_delete_days=30)
    service = rec.one(BLOB_SERVICE).inputs
    assert service["blobServicesName"] == "default"
    assert service["isVersioningEnabled"] is True
    assert service["deleteRetentionPolicy"] == {"enabled": True, "days": 14}
    assert service["containerDeleteRetentionPolicy"] == {"enabled": True, "days": 30}


def test_the_apps_containers_go_to_cool_only_and_backups_on_to_archive():
    rec = build()
    by_name = rules(rec)
    assert sorted(by_name) == ["backupsLifecycle", "exportsLifecycle", "reportsLifecycle"]
    for purpose in ("reports", "exports"):
        rule = by_name[f"{purpose}Lifecycle"]
        assert rule["definition"]["filters"] == {"blobTypes": ["blockBlob"],
                                                 "prefixMatch": [f"{purpose}/"]}
        assert rule["definition"]["actions"]["baseBlob"] == {
            "tierToCool": {"daysAfterModificationGreaterThan": 30}}, purpose
    backups = by_name["backupsLifecycle"]["definition"]["actions"]
    assert backups["baseBlob"] == {
        "tierToCool": {"daysAfterModificationGreaterThan": 30},
        "tierToArchive": {"daysAfterModificationGreaterThan": 180}}
    for rule in by_name.values():
        assert rule["enabled"] is True and rule["type"] == "Lifecycle"
        assert rule["definition"]["actions"]["version"] == {
            "delete": {"daysAfterCreationGreaterThan": 90}}
    assert rec.one(POLICY).inputs["managementPolicyName"] == "default"


def test_no_container_the_apps_read_is_ever_archived():
    rec = build(containers=["reports", "exports", "backups", "audit"],
                archive_purposes=["backups", "audit"])
    for name, rule in rules(rec).items():
        actions = rule["definition"]["actions"]
        archived = "tierToArchive" in actions["baseBlob"] or "tierToArchive" in actions.get(
            "version", {})
        assert archived == (name in ("backupsLifecycle", "auditLifecycle")), name


def test_lifecycle_days_come_from_the_args():
    rec = build(cool_after_days=60, archive_after_days=400,
                noncurrent_version_expiration_days=30)
    actions = rules(rec)["backupsLifecycle"]["definition"]["actions"]
    assert actions["baseBlob"]["tierToCool"] == {"daysAfterModificationGreaterThan": 60}
    assert actions["baseBlob"]["tierToArchive"] == {"daysAfterModificationGreaterThan": 400}
    assert actions["version"]["delete"] == {"daysAfterCreationGreaterThan": 30}


def test_role_assignments_are_exactly_the_named_principals_on_their_container():
    rec = build(readers={"reports": [API_PRINCIPAL]},
                writers={"exports": [WORKER_PRINCIPAL], "reports": [WORKER_PRINCIPAL]})
    ids = rec.exports["container_ids"]
    grants = sorted((g.inputs["scope"], g.inputs["roleDefinitionId"], g.inputs["principalId"],
                     g.inputs["principalType"]) for g in rec.of_type(ROLE))
    reader = role_definition_id(STORAGE_BLOB_DATA_READER)
    contributor = role_definition_id(STORAGE_BLOB_DATA_CONTRIBUTOR)
    assert grants == sorted([
        (ids["reports"], reader, API_PRINCIPAL, "ServicePrincipal"),
        (ids["reports"], contributor, WORKER_PRINCIPAL, "ServicePrincipal"),
        (ids["exports"], contributor, WORKER_PRINCIPAL, "ServicePrincipal")])
    account_id = rec.one(ACCOUNT).resource_id
    assert all(g.inputs["scope"] != account_id for g in rec.of_type(ROLE))


def test_without_grants_no_role_assignment():
    assert build().of_type(ROLE) == []


def test_a_blob_private_endpoint_when_a_subnet_is_given():
    rec = build(private_endpoint_subnet_id=PE_SUBNET_ID, blob_private_dns_zone_id=BLOB_ZONE_ID)
    account, endpoint = rec.one(ACCOUNT), rec.one(ENDPOINT, "files-blob-pe")
    assert endpoint.inputs["subnet"]["id"] == PE_SUBNET_ID
    assert endpoint.inputs["privateLinkServiceConnections"] == [{
        "name": "files-blob", "privateLinkServiceId": account.resource_id,
        "groupIds": ["blob"]}]
    group = rec.one(ZONE_GROUP, "files-blob-pe-dns")
    assert group.inputs["privateEndpointName"] == endpoint.outputs["name"]
    assert group.inputs["privateDnsZoneConfigs"] == [
        {"name": "blob", "privateDnsZoneId": BLOB_ZONE_ID}]
    assert rec.exports["private_endpoint_id"] == endpoint.resource_id
    assert account.inputs["publicNetworkAccess"] == "Disabled"


def test_no_endpoint_without_a_subnet_and_public_access_stays_disabled():
    rec = build()
    assert rec.of_type(ENDPOINT) == [] and rec.of_type(ZONE_GROUP) == []
    assert rec.exports["private_endpoint_id"] == ""
    assert rec.one(ACCOUNT).inputs["publicNetworkAccess"] == "Disabled"


def test_a_flow_log_account_admits_trusted_services_and_nothing_else():
    account = build(trusted_services_access=True).one(ACCOUNT)
    assert account.inputs["publicNetworkAccess"] == "Enabled", account.urn
    assert account.inputs["networkRuleSet"] == {"defaultAction": "Deny",
                                                "bypass": "AzureServices"}, account.urn
    assert account.inputs["allowSharedKeyAccess"] is False, account.urn


def test_without_trusted_services_the_rule_set_has_no_bypass():
    assert build().one(ACCOUNT).inputs["networkRuleSet"] == {"defaultAction": "Deny",
                                                             "bypass": "None"}


def test_infrastructure_encryption_and_a_customer_managed_key_when_asked():
    vault = "https://forge-kv.vault.azure.net/"
    rec = build(infrastructure_encryption=True, cmk_key_vault_uri=vault,
                cmk_key_name="storage", cmk_identity_id=IDENTITY_ID)
    inputs = rec.one(ACCOUNT).inputs
    assert inputs["encryption"]["requireInfrastructureEncryption"] is True
    assert inputs["encryption"]["keySource"] == "Microsoft.Keyvault"
    assert inputs["encryption"]["keyVaultProperties"] == {"keyVaultUri": vault,
                                                          "keyName": "storage"}
    assert inputs["encryption"]["encryptionIdentity"] == {
        "encryptionUserAssignedIdentity": IDENTITY_ID}
    assert inputs["identity"] == {"type": "UserAssigned", "userAssignedIdentities": [IDENTITY_ID]}


def test_protect_tags_sku_and_an_explicit_account_name():
    rec = build(protect=True, tags={"team": "data"}, sku_name="Standard_GRS",
                account_name="forgefiles01")
    account = rec.one(ACCOUNT)
    assert account.protect is True
    assert account.inputs["accountName"] == "forgefiles01"
    assert account.inputs["sku"] == {"name": "Standard_GRS"}
    assert account.inputs["tags"] == {"team": "data", "component": "forge-azure-storage"}
    assert all(c.protect for c in rec.of_type(CONTAINER))
    assert rec.exports["account_name"] == "forgefiles01"


def test_every_resource_id_is_an_arm_id_in_the_resource_group():
    rec = build(readers={"reports": [API_PRINCIPAL]}, private_endpoint_subnet_id=PE_SUBNET_ID,
                blob_private_dns_zone_id=BLOB_ZONE_ID)
    for resource in rec.resources:
        if resource.custom and resource.type.startswith("azure-native:"):
            assert resource.resource_id.startswith(f"{ARM_ID_PREFIX}{RG}/providers/"), (
                resource.urn, resource.resource_id)


@pytest.mark.parametrize(("overrides", "message"), [
    ({"archive_purposes": ["backups", "reports"]},
     "Storage: archive_purposes ['reports'] are read by the apps (app_read_purposes): an "
     "archived blob is offline until rehydrated (hours); leave them in Cool"),
    ({"archive_purposes": ["logs"]},
     "Storage: archive_purposes names ['logs'], which are not among containers ['reports', "
     "'exports', 'backups']"),
    ({"sku_name": "Standard_ZRS"},
     "Storage: archive_purposes ['backups'] need Archive, which Standard_ZRS does not offer; "
     "use an LRS or GRS SKU or no archive purposes"),
    ({"sku_name": "Premium_LRS"},
     "Storage: sku_name 'Premium_LRS' is not one of ['Standard_LRS', 'Standard_GRS', "
     "'Standard_RAGRS', 'Standard_ZRS', 'Standard_GZRS', 'Standard_RAGZRS']"),
    ({"archive_after_days": 45},
     "Storage: archive_after_days (45) must be at least cool_after_days + 30 (60): a blob "
     "leaving Cool earlier is billed Cool's minimum"),
    ({"cool_after_days": 0}, "Storage: cool_after_days must be 1 or more, got 0"),
    ({"soft_delete_days": 0}, "Storage: soft_delete_days must be between 1 and 365, got 0"),
    ({"container_soft_delete_days": 400},
     "Storage: container_soft_delete_days must be between 1 and 365, got 400"),
    ({"containers": ["Reports"]},
     "Storage: containers ['Reports'] are not purposes (a lower-case letter, then lower-case "
     "letters, digits or single hyphens, 3 to 20 characters)"),
    ({"containers": []}, "Storage: containers must name at least one purpose"),
    ({"containers": ["old-data", "olddata"], "app_read_purposes": [], "archive_purposes": []},
     "Storage: containers ['old-data', 'olddata'] give the same lifecycle rule name twice "
     "(rule names are letters and digits only)"),
    ({"writers": {"logs": [API_PRINCIPAL]}},
     "Storage: writers names ['logs'], which are not among containers ['reports', 'exports', "
     "'backups']"),
    ({"private_endpoint_subnet_id": PE_SUBNET_ID},
     "Storage: private_endpoint_subnet_id and blob_private_dns_zone_id go together: the "
     "endpoint's record must land in the blob private DNS zone"),
    ({"cmk_key_name": "storage"},
     "Storage: a customer-managed key needs all of ['cmk_key_vault_uri', 'cmk_key_name', "
     "'cmk_identity_id']; got only ['cmk_key_name']"),
    ({"account_name": "Forge-Files"},
     "Storage: account_name 'Forge-Files' must be 3-24 lower-case letters and digits"),
])
def test_invalid_args_are_refused_with_the_field_and_what_is_allowed(overrides, message):
    with pytest.raises(ValueError) as error:
        validate_storage_args("files", _args(**overrides))
    assert str(error.value) == message


def test_every_lifecycle_rule_name_is_letters_and_digits():
    rec = build(containers=["reports", "exports", "backups", "cold-data"])
    assert sorted(rules(rec)) == ["backupsLifecycle", "colddataLifecycle",
                                  "exportsLifecycle", "reportsLifecycle"]
    assert all(name.isalnum() for name in rules(rec))


def test_zrs_without_archive_purposes_is_accepted():
    validate_storage_args("files", _args(sku_name="Standard_ZRS", archive_purposes=[]))
