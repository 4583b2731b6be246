"""The Azure rules: each passes on the Azure fixture plan (the components on main under the
offline mocks, plus the compute, streaming and edge resources their branches declare) and fails
on each broken case with the exact message, on both paths (offline engine and the policy pack).

What this does not prove: that Azure refuses or accepts these inputs; only that the rules read
the properties pulumi-azure-native 3.x sends under the names the components use.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from forge_infra.plan.model import Plan
from forge_infra.policy.registry import RULES, rule_by_id
from tests.policy.harness import both, mutated
from tests.policy.plans import azure_component_plan, azure_policy_plan

SERVER = "azure-native:dbforpostgresql:Server"
REDIS = "azure-native:redisenterprise:RedisEnterprise"
REDIS_DB = "azure-native:redisenterprise:Database"
ACCOUNT = "azure-native:storage:StorageAccount"
BLOB_SERVICE = "azure-native:storage:BlobServiceProperties"
LOCK = "azure-native:authorization:ManagementLockByScope"
VAULT = "azure-native:keyvault:Vault"
SECRET = "azure-native:keyvault:Secret"
APP = "azure-native:app:ContainerApp"
EVENTS = "azure-native:eventhub:Namespace"
PROFILE = "azure-native:cdn:Profile"
WAF = "azure-native:frontdoor:Policy"
SECURITY_POLICY = "azure-native:cdn:SecurityPolicy"

AZURE_RULE_IDS = sorted(r.id for r in RULES if r.id.startswith("azure-"))
#: The rules declared for every cloud that map Azure types too.
SHARED_RULE_IDS = ("any-stateful-protect", "any-service-min-replicas", "any-image-pinned-tag",
                   "any-image-pinned-digest")


def test_the_rule_ids_the_azure_config_cites_exist() -> None:
    for rule_id in ("azure-postgres-zone-redundant-ha", "azure-postgres-geo-backup",
                    "azure-resource-lock", "azure-redis-ha", "azure-frontdoor-waf",
                    "azure-storage-soft-delete"):
        assert rule_id in AZURE_RULE_IDS
    assert {rule_by_id(r).category for r in (
        "azure-postgres-zone-redundant-ha", "azure-postgres-geo-backup", "azure-resource-lock",
        "azure-redis-ha", "azure-storage-soft-delete")} == {"recoverability"}
    assert rule_by_id("azure-frontdoor-waf").category == "exposure"
    for rule_id in ("azure-postgres-zone-redundant-ha", "azure-postgres-geo-backup",
                    "azure-resource-lock", "azure-redis-ha", "azure-frontdoor-waf"):
        assert rule_by_id(rule_id).environments == ("prod",), rule_id


@pytest.mark.parametrize("rule_id", [*AZURE_RULE_IDS, *SHARED_RULE_IDS])
def test_the_azure_fixture_passes(rule_id: str) -> None:
    assert both(rule_by_id(rule_id), azure_policy_plan()) == []


@pytest.mark.parametrize("rule_id", AZURE_RULE_IDS)
def test_every_azure_rule_maps_only_azure_types(rule_id: str) -> None:
    assert rule_by_id(rule_id).clouds == ("azure-native",)


def _urn(plan: Plan, resource_type: str, name: str) -> str:
    return next(r.urn for r in plan.resources if r.type == resource_type and r.name == name)


# -- recoverability ------------------------------------------------------------------------------


Change = Callable[[dict[str, Any]], None]

CASES: list[tuple[str, str, Change, str]] = [
    ("azure-postgres-zone-redundant-ha", SERVER,
     lambda p: p["highAvailability"].update(mode="SameZone"),
     "highAvailability.mode is 'SameZone': no standby in another availability zone takes over "
     "when the primary's zone fails"),
    ("azure-postgres-zone-redundant-ha", SERVER, lambda p: p.pop("highAvailability"),
     "highAvailability.mode is None: no standby in another availability zone takes over when "
     "the primary's zone fails"),
    ("azure-postgres-geo-backup", SERVER,
     lambda p: p["backup"].update(geoRedundantBackup="Disabled"),
     "backup.geoRedundantBackup is 'Disabled': the backups stay in the server's region and are "
     "lost with it"),
    ("azure-postgres-backup-retention", SERVER,
     lambda p: p["backup"].update(backupRetentionDays=3),
     "backup.backupRetentionDays is 3: keep at least 7 days of automated backups"),
    ("azure-redis-ha", REDIS, lambda p: p.update(highAvailability="Disabled"),
     "highAvailability is 'Disabled': the data set is not replicated, so a failed node loses it "
     "and the cache is down until it is replaced"),
    ("azure-keyvault-purge-protection", VAULT,
     lambda p: p["properties"].update(enablePurgeProtection=False),
     "properties.enablePurgeProtection is False: a deleted vault or secret can be purged before "
     "its retention period ends"),
    ("any-service-min-replicas", APP,
     lambda p: p["template"]["scale"].update(minReplicas=1),
     "template.scale.minReplicas is 1: the app may scale in below 2 replicas (none set means it "
     "scales to zero)"),
    ("any-service-min-replicas", APP, lambda p: p["template"]["scale"].pop("minReplicas"),
     "template.scale.minReplicas is None: the app may scale in below 2 replicas (none set means "
     "it scales to zero)"),
    # -- exposure
    ("azure-postgres-no-public-access", SERVER,
     lambda p: p["network"].update(publicNetworkAccess="Enabled"),
     "network.publicNetworkAccess is 'Enabled': the server accepts connections from the "
     "internet (firewall rules permitting)"),
    ("azure-redis-no-public-access", REDIS, lambda p: p.update(publicNetworkAccess="Enabled"),
     "publicNetworkAccess is 'Enabled': the cache is reachable from the internet"),
    ("azure-eventhub-no-public-access", EVENTS, lambda p: p.pop("publicNetworkAccess"),
     "publicNetworkAccess is not set (Enabled): the namespace is reachable from the internet"),
    ("azure-storage-no-public-blob-access", ACCOUNT,
     lambda p: p.update(allowBlobPublicAccess=True),
     "allowBlobPublicAccess is True: a container can be made readable by anyone"),
    ("azure-storage-shared-key-disabled", ACCOUNT, lambda p: p.pop("allowSharedKeyAccess"),
     "allowSharedKeyAccess is None: the account keys (and SAS signed with them) open every "
     "blob, bypassing Entra ID and RBAC (none set means true)"),
    ("azure-keyvault-rbac-private", VAULT,
     lambda p: p["properties"].update(enableRbacAuthorization=False),
     "properties.enableRbacAuthorization is False: access policies grant a principal every "
     "secret of the vault, where RBAC grants one secret"),
    ("azure-keyvault-rbac-private", VAULT,
     lambda p: p["properties"].pop("publicNetworkAccess"),
     "properties.publicNetworkAccess is None: the vault is reachable from the internet (none "
     "set means Enabled)"),
    ("azure-containerapp-no-insecure-ingress", APP,
     lambda p: p["configuration"]["ingress"].update(allowInsecure=True),
     "configuration.ingress.allowInsecure is True: plain HTTP is served instead of redirected "
     "to HTTPS"),
    # -- encryption
    ("azure-storage-https-tls12", ACCOUNT, lambda p: p.update(enableHttpsTrafficOnly=False),
     "enableHttpsTrafficOnly is False: the account accepts plain HTTP"),
    ("azure-storage-https-tls12", ACCOUNT, lambda p: p.pop("minimumTlsVersion"),
     "minimumTlsVersion is None: clients may use TLS 1.0 or 1.1 (none set means TLS 1.0)"),
    ("azure-redis-tls-only", REDIS_DB, lambda p: p.update(clientProtocol="Plaintext"),
     "clientProtocol is 'Plaintext': clients connect without TLS, passwords and data in the "
     "clear"),
    ("azure-redis-tls-only", REDIS, lambda p: p.update(minimumTlsVersion="1.0"),
     "minimumTlsVersion is '1.0': use 1.2 or later"),
    ("azure-eventhub-tls12", EVENTS, lambda p: p.update(minimumTlsVersion="1.1"),
     "minimumTlsVersion is '1.1': set 1.2 so clients cannot use TLS 1.0 or 1.1"),
    ("azure-eventhub-tls12", EVENTS, lambda p: p.pop("minimumTlsVersion"),
     "minimumTlsVersion is None: set 1.2 so clients cannot use TLS 1.0 or 1.1"),
    # -- secrets
    ("azure-containerapp-keyvault-secrets", APP,
     lambda p: p["configuration"]["secrets"][0].update(keyVaultUrl=None, value="hunter2"),
     "secret database-password holds its value in the app's configuration: reference a Key "
     "Vault secret (keyVaultUrl) instead"),
    ("azure-containerapp-keyvault-secrets", APP,
     lambda p: p["template"]["containers"][0]["env"].append(
         {"name": "REDIS_PASSWORD", "value": "hunter2"}),
     "container gateway: environment variable REDIS_PASSWORD looks like a secret and holds a "
     "plaintext value (use secretRef)"),
    # -- operability
    ("azure-resource-standard-tags", ACCOUNT, lambda p: p["tags"].pop("environment"),
     "missing standard tags environment (tags: app, component, managed-by; the azure-native "
     "provider has no default tags)"),
    ("any-image-pinned-tag", APP,
     lambda p: p["template"]["containers"][0].update(image="ghcr.io/forge/gateway:latest"),
     "container gateway: image ghcr.io/forge/gateway:latest uses the tag latest, which moves "
     "with every push"),
    ("any-image-pinned-tag", APP,
     lambda p: p["template"]["containers"][0].update(image="ghcr.io/forge/gateway"),
     "container gateway: image ghcr.io/forge/gateway has no tag, so it pulls latest"),
    ("any-image-pinned-digest", APP,
     lambda p: p["template"]["containers"][0].update(image="ghcr.io/forge/gateway:1.4.0"),
     "container gateway: image ghcr.io/forge/gateway:1.4.0 is not pinned by digest "
     "(name@sha256:...)"),
]


@pytest.mark.parametrize(("rule_id", "resource_type", "change", "message"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_each_broken_case_is_reported(rule_id: str, resource_type: str, change: Change,
                                      message: str) -> None:
    plan, urn = mutated(azure_policy_plan(), resource_type, change)
    assert both(rule_by_id(rule_id), plan) == [(urn, message)]


@pytest.mark.parametrize("resource_type", [SERVER, REDIS, ACCOUNT, VAULT, EVENTS])
def test_an_unprotected_azure_stateful_resource_fails_in_prod(resource_type: str) -> None:
    plan = copy.deepcopy(azure_policy_plan())
    target = next(r for r in plan.resources if r.type == resource_type)
    target.opts.protect = False
    assert both(rule_by_id("any-stateful-protect"), plan) == [
        (target.urn, f"protect is False: a stateful {resource_type} can be deleted by a destroy "
                     "or a replacement")]


def test_key_vault_secrets_are_not_held_to_protect() -> None:
    """A `keyvault:Secret` cannot be deleted through the management API azure-native uses (it
    has no delete): it lives as long as its protected vault, so the rule leaves it alone."""
    assert SECRET not in rule_by_id("any-stateful-protect").checks
    plan = azure_component_plan("prod")
    [secret] = [r for r in plan.resources if r.type == SECRET]
    assert secret.opts.protect is False
    assert both(rule_by_id("any-stateful-protect"), plan) == []


def test_dev_is_held_to_none_of_the_prod_rules() -> None:
    """dev's components: no HA, no geo backup, no lock, nothing protected; no finding."""
    plan = azure_component_plan("dev")
    server = next(r for r in plan.resources if r.type == SERVER)
    assert server.props["highAvailability"]["mode"] == "Disabled"
    for rule in RULES:
        assert both(rule, plan) == [], rule.id


# -- the lock: a stack rule that follows the lock to the server ---------------------------------


def test_a_server_without_a_delete_lock_fails() -> None:
    plan = copy.deepcopy(azure_policy_plan())
    server_lock = next(r for r in plan.resources if r.type == LOCK
                       and "flexibleServers" in r.props["scope"])
    plan.resources.remove(server_lock)
    server = next(r for r in plan.resources if r.type == SERVER)
    assert both(rule_by_id("azure-resource-lock"), plan) == [
        (server.urn, "no CanNotDelete management lock is scoped to the server (locks: none): "
                     "one API call or a deleted resource group deletes it")]


def test_a_lock_that_allows_deletes_does_not_count() -> None:
    plan, _ = mutated(azure_policy_plan(), LOCK, lambda p: p.update(level="NotSpecified"),
                      index=next(i for i, r in enumerate(
                          [r for r in azure_policy_plan().resources if r.type == LOCK])
                          if "flexibleServers" in r.props["scope"]))
    server = next(r for r in plan.resources if r.type == SERVER)
    assert both(rule_by_id("azure-resource-lock"), plan) == [
        (server.urn, "no CanNotDelete management lock is scoped to the server (locks: "
                     "['NotSpecified']): one API call or a deleted resource group deletes it")]


def test_the_lock_is_followed_by_dependency_when_its_scope_is_unknown() -> None:
    """In a preview of a new stack the server's id, hence the lock's scope, is unknown: the
    lock still depends on the server."""
    plan, _ = mutated(azure_policy_plan(), LOCK, lambda p: p.update(scope="[unknown]"),
                      index=next(i for i, r in enumerate(
                          [r for r in azure_policy_plan().resources if r.type == LOCK])
                          if "flexibleServers" in r.props["scope"]))
    assert both(rule_by_id("azure-resource-lock"), plan) == []


# -- soft delete: the account's blob service ------------------------------------------------------


@pytest.mark.parametrize(("change", "message"), [
    (lambda p: p["deleteRetentionPolicy"].update(enabled=False),
     "deleteRetentionPolicy.enabled is False: a deleted blob cannot be restored"),
    (lambda p: p.update(isVersioningEnabled=False),
     "isVersioningEnabled is False: an overwritten blob's previous content is lost"),
])
def test_the_account_is_reported_for_its_blob_service(change: Change, message: str) -> None:
    plan, _ = mutated(azure_policy_plan(), BLOB_SERVICE, change)
    account = next(r for r in plan.resources if r.type == ACCOUNT)
    assert both(rule_by_id("azure-storage-soft-delete"), plan) == [(account.urn, message)]


def test_an_account_without_blob_service_properties_fails() -> None:
    plan = copy.deepcopy(azure_policy_plan())
    plan.resources = [r for r in plan.resources if r.type != BLOB_SERVICE]
    account = next(r for r in plan.resources if r.type == ACCOUNT)
    assert both(rule_by_id("azure-storage-soft-delete"), plan) == [
        (account.urn, "no BlobServiceProperties for the account: blob soft delete and "
                      "versioning are off, so a deleted or overwritten blob is lost")]


# -- ingress of the data services' clients ------------------------------------------------------


def test_the_api_never_takes_internet_traffic() -> None:
    plan, urn = mutated(azure_policy_plan(), APP,
                        lambda p: p["configuration"]["ingress"].update(external=True), index=1)
    assert both(rule_by_id("azure-containerapp-internal-ingress"), plan) == [
        (urn, "configuration.ingress.external is True on the api: it takes traffic from the "
              "internet, not only through the gateway")]
    # the gateway's external ingress is what it is for
    assert _urn(plan, APP, "forge-prod-gateway") != urn


# -- Front Door: Premium, with a WAF security policy in Prevention -----------------------------


@pytest.mark.parametrize(("resource_type", "change", "message"), [
    (PROFILE, lambda p: p["sku"].update(name="Standard_AzureFrontDoor"),
     "sku.name is 'Standard_AzureFrontDoor': only Front Door Premium runs the managed WAF rule "
     "sets (OWASP, bot protection)"),
    (WAF, lambda p: p["policySettings"].update(mode="Detection"),
     "the WAF policy's policySettings.mode is 'Detection': it logs attacks instead of blocking "
     "them (Prevention blocks; none set means Detection)"),
    (WAF, lambda p: p["policySettings"].update(enabledState="Disabled"),
     "the WAF policy's policySettings.enabledState is 'Disabled': it inspects nothing"),
    (SECURITY_POLICY, lambda p: p.update(profileName="another-profile"),
     "no WAF security policy is attached to the profile: requests reach the origins "
     "unfiltered"),
])
def test_front_door_waf(resource_type: str, change: Change, message: str) -> None:
    plan, _ = mutated(azure_policy_plan(), resource_type, change)
    profile = _urn(plan, PROFILE, "forge-prod-cdn")
    assert both(rule_by_id("azure-frontdoor-waf"), plan) == [(profile, message)]
