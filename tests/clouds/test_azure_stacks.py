"""The Azure stacks (Pulumi.azure-dev.yaml, Pulumi.azure-prod.yaml) planned offline, and the
stack-level wiring: a value in the stack file reaches the exact input of the resource it
governs, through `program.build()` and the Azure target.

Component tests pass fixtures straight to a component; these catch a target that drops or
hard-codes what it should hand on (location, SKUs, retention, TimescaleDB, HA and geo backup
in prod, ingress per service, Key Vault references, role assignments).

What these tests do not prove: that Azure accepts the requests (quotas, a SKU or zone
redundancy in the region, a globally unique name already taken), that Front Door validates the
domain, or that the services can log in to PostgreSQL with Entra ID; only that the program
asks for what it should, with ARM ids in Azure's own format.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import pytest

from forge_infra.config import load_stack_file
from forge_infra.plan import Plan, run_plan
from forge_infra.plan.model import PlanResource
from forge_infra.program import build
from tests.conftest import ROOT
from tests.helpers import run_mocked

AZURE_STACKS = ("azure-dev", "azure-prod")
SNAPSHOTS = ROOT / "tests" / "plan" / "snapshots"
SERVER = "azure-native:dbforpostgresql:Server"
CONFIGURATION = "azure-native:dbforpostgresql:Configuration"
CONTAINER_APP = "azure-native:app:ContainerApp"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
LOCK = "azure-native:authorization:ManagementLockByScope"
IDENTITY = "azure-native:managedidentity:UserAssignedIdentity"
REDIS = "azure-native:redisenterprise:RedisEnterprise"
PROFILE = "azure-native:cdn:Profile"
WAF_POLICY = "azure-native:frontdoor:Policy"
NAMESPACE = "azure-native:eventhub:Namespace"
BUDGET = "azure-native:consumption:Budget"
SECRET = "azure-native:keyvault:Secret"
VAULT = "azure-native:keyvault:Vault"
ACCOUNT = "azure-native:storage:StorageAccount"
BLOB_SERVICE = "azure-native:storage:BlobServiceProperties"
CONTAINER = "azure-native:storage:BlobContainer"
#: The built-in role definitions the stacks grant (limits of the Azure components).
BLOB_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"
EVENTHUBS_SENDER = "2b629674-e913-4c01-ae53-ef4638d8f975"
EVENTHUBS_RECEIVER = "a638d3c7-ab3a-418d-83e6-5f17a39d4fde"
PLACEHOLDER_ADMIN = (
    "forge-infra:database.entra_admin.object_id: 00000000-0000-0000-0000-000000000000 is a "
    "placeholder; replace it with the object id of the Entra group that administers the "
    "database (az ad group show --group {group} --query id -o tsv)")


@pytest.fixture(scope="module")
def plans() -> dict[str, Plan]:
    return {stack: run_plan(stack, ROOT) for stack in AZURE_STACKS}


def one(plan: Plan, type_token: str, name: str | None = None) -> PlanResource:
    """The one resource of a type (and name) in a plan."""
    found = [r for r in plan.resources if r.type == type_token
             and (name is None or r.name == name)]
    assert len(found) == 1, (type_token, name, [r.urn for r in found])
    return found[0]


def of_type(plan: Plan, type_token: str) -> list[PlanResource]:
    """Every resource of a type in a plan."""
    return [r for r in plan.resources if r.type == type_token]


# -- the plans themselves ---------------------------------------------------------------------


@pytest.mark.parametrize("stack", AZURE_STACKS)
def test_plan_has_exactly_what_the_unit_build_registers(plans: dict[str, Plan],
                                                        stack: str) -> None:
    config = load_stack_file(stack, ROOT)
    recording = run_mocked(lambda: build(config), stack=stack, region=config.region)
    unit = Counter((r.type, r.name) for r in recording.resources)
    assert Counter((r.type, r.name) for r in plans[stack].resources) == unit


@pytest.mark.parametrize("stack", AZURE_STACKS)
def test_plan_urns_match_the_snapshot(plans: dict[str, Plan], stack: str) -> None:
    """An accidental rename (a URN change replaces the resource in a real run) fails here.

    After an intended change, regenerate with FORGE_UPDATE_SNAPSHOTS=1 and review the diff.
    """
    urns = "\n".join(sorted(r.urn for r in plans[stack].resources)) + "\n"
    path = SNAPSHOTS / f"{stack}.urns.txt"
    if os.environ.get("FORGE_UPDATE_SNAPSHOTS") == "1":
        path.write_text(urns)
    assert path.is_file(), f"missing snapshot {path}; run with FORGE_UPDATE_SNAPSHOTS=1"
    assert urns == path.read_text()


@pytest.mark.parametrize("stack", AZURE_STACKS)
def test_every_custom_resource_has_an_arm_id(plans: dict[str, Plan], stack: str) -> None:
    """Azure resources carry `/subscriptions/<sub>/...` ids (the Front Door and DNS children
    and the budget under their scope); only pulumi_random's have other ids."""
    for resource in plans[stack].custom_resources():
        if resource.type.startswith("azure-native:"):
            assert resource.id.startswith("/subscriptions/00000000-0000-0000-0000-000000000000/"), (
                resource.urn, resource.id)
            assert "/resourceGroups/" in resource.id or resource.type == BUDGET, resource.urn
        else:
            assert resource.type.startswith("random:"), resource.urn


PLACEHOLDER_DOMAIN = ("forge-infra:app.domain: {domain} is a reserved example name (RFC "
                      "2606); replace it with the DNS name the app will serve")
PLACEHOLDER_ZONE = ("forge-infra:cdn.dns_zone: example.com is a reserved example name (RFC "
                    "2606); replace it with the Azure DNS zone that holds app.domain (az "
                    "network dns zone list -o table)")
PLACEHOLDER_EMAIL = ("forge-infra:budget.alert_emails: {email} is at a reserved example domain "
                     "(RFC 2606); replace with the mailboxes that must receive the budget "
                     "alerts")
STACK_WARNINGS = {
    "azure-dev": [PLACEHOLDER_ADMIN.format(group="forge-dev-dba"),
                  PLACEHOLDER_DOMAIN.format(domain="dev.forge.example.com"),
                  PLACEHOLDER_EMAIL.format(email="platform-dev@example.com")],
    "azure-prod": [PLACEHOLDER_ADMIN.format(group="forge-prod-dba"),
                   PLACEHOLDER_DOMAIN.format(domain="forge.example.com"), PLACEHOLDER_ZONE,
                   PLACEHOLDER_EMAIL.format(email="platform-oncall@example.com")],
}


@pytest.mark.parametrize("stack", AZURE_STACKS)
def test_no_engine_warning_only_the_placeholders(plans: dict[str, Plan], stack: str) -> None:
    assert plans[stack].warnings == STACK_WARNINGS[stack]


def test_a_stack_with_real_values_has_no_placeholder_warning() -> None:
    import yaml

    from forge_infra.config import config_from_mapping

    values = yaml.safe_load((ROOT / "Pulumi.azure-prod.yaml").read_text())["config"]
    values["forge-infra:database"]["entra_admin"]["object_id"] = (
        "6f1d2c3b-4a59-4e8f-9a1b-2c3d4e5f6a7b")
    values["forge-infra:app"]["domain"] = "app.forge.io"
    values["forge-infra:cdn"]["dns_zone"] = "forge.io"
    values["forge-infra:budget"]["alert_emails"] = ["oncall@forge.io"]
    config = config_from_mapping(values, stack="azure-prod", source="Pulumi.azure-prod.yaml")
    assert config.target.warnings(config) == []


# -- wiring: a stack value reaches its resource -------------------------------------------------


@pytest.mark.parametrize("stack", AZURE_STACKS)
def test_the_location_reaches_every_regional_resource(plans: dict[str, Plan], stack: str) -> None:
    for resource in plans[stack].custom_resources():
        location = resource.props.get("location")
        if location is not None:
            # Front Door, its WAF policy and private DNS zones are global resources.
            assert str(location).lower() in ("eastus", "global"), (resource.urn, location)
    assert one(plans[stack], SERVER).props["location"] == "eastus"


def test_timescaledb_is_allow_listed_and_preloaded(plans: dict[str, Plan]) -> None:
    for stack in AZURE_STACKS:
        parameters = {r.props["configurationName"]: r.props["value"]
                      for r in of_type(plans[stack], CONFIGURATION)}
        assert parameters == {
            "require_secure_transport": "on",
            "ssl_min_protocol_version": "TLSv1.2",
            "azure.extensions": "timescaledb",
            "shared_preload_libraries": "timescaledb,pg_cron,pg_stat_statements",
        }, stack


def test_without_timescaledb_no_extension_parameter() -> None:
    config = _with("azure-dev", "forge-infra:database", timescaledb=False)
    recording = run_mocked(lambda: build(config), stack="azure-dev", region="eastus")
    names = sorted(r.inputs["configurationName"] for r in recording.of_type(CONFIGURATION))
    assert names == ["require_secure_transport", "ssl_min_protocol_version"]


def test_dev_database_is_burstable_without_ha_or_geo_backup(plans: dict[str, Plan]) -> None:
    server = one(plans["azure-dev"], SERVER)
    assert server.props["sku"] == {"name": "Standard_B1ms", "tier": "Burstable"}, server.urn
    assert server.props["highAvailability"]["mode"] == "Disabled", server.urn
    assert server.props["backup"] == {"backupRetentionDays": 7,
                                      "geoRedundantBackup": "Disabled"}, server.urn
    assert server.props["version"] == "17" and server.protect is False, server.urn
    assert of_type(plans["azure-dev"], LOCK) == []


def test_prod_database_is_zone_redundant_geo_backed_up_locked_and_protected(
        plans: dict[str, Plan]) -> None:
    plan = plans["azure-prod"]
    server = one(plan, SERVER)
    assert server.props["sku"] == {"name": "Standard_D2ds_v5", "tier": "GeneralPurpose"}
    assert server.props["highAvailability"]["mode"] == "ZoneRedundant", server.urn
    assert server.props["backup"] == {"backupRetentionDays": 14,
                                      "geoRedundantBackup": "Enabled"}, server.urn
    assert server.props["storage"]["storageSizeGB"] == 128, server.urn
    assert server.props["network"]["publicNetworkAccess"] == "Disabled", server.urn
    assert server.protect is True, server.urn
    locks = {r.props["scope"]: r.props["level"] for r in of_type(plan, LOCK)}
    assert locks == {server.id: "CanNotDelete", one(plan, VAULT).id: "CanNotDelete"}


def test_cache_sku_and_ha_follow_the_stack(plans: dict[str, Plan]) -> None:
    dev, prod = one(plans["azure-dev"], REDIS), one(plans["azure-prod"], REDIS)
    assert dev.props["sku"] == {"name": "Balanced_B0"}, dev.urn
    assert dev.props["highAvailability"] == "Disabled", dev.urn
    assert prod.props["sku"] == {"name": "Balanced_B1"}, prod.urn
    assert prod.props["highAvailability"] == "Enabled", prod.urn
    assert prod.protect is True, prod.urn


def test_storage_soft_delete_and_sku_follow_the_stack(plans: dict[str, Plan]) -> None:
    plan = plans["azure-prod"]
    account = one(plan, ACCOUNT, "forge-azure-prod-storage-account")
    assert account.props["sku"] == {"name": "Standard_GRS"}, account.urn
    service = one(plan, BLOB_SERVICE, "forge-azure-prod-storage-blob-service")
    assert service.props["deleteRetentionPolicy"]["days"] == 14, service.urn
    assert service.props["containerDeleteRetentionPolicy"]["days"] == 14, service.urn


def _ingress(app: PlanResource) -> str:
    ingress = app.props["configuration"].get("ingress")
    if ingress is None:
        return "none"
    return "external" if ingress["external"] else "internal"


@pytest.mark.parametrize("stack", AZURE_STACKS)
def test_container_apps_ingress_per_service(plans: dict[str, Plan], stack: str) -> None:
    apps = {r.name.removeprefix(f"forge-{stack}-"): r
            for r in of_type(plans[stack], CONTAINER_APP)}
    assert {name: _ingress(app) for name, app in apps.items()} == {
        "gateway": "external", "ui": "external", "api": "internal", "worker": "none"}


def test_prod_replicas_follow_the_autoscaling_settings(plans: dict[str, Plan]) -> None:
    apps = {r.name.removeprefix("forge-azure-prod-"): r
            for r in of_type(plans["azure-prod"], CONTAINER_APP)}
    scales = {name: (app.props["template"]["scale"]["minReplicas"],
                     app.props["template"]["scale"]["maxReplicas"])
              for name, app in apps.items()}
    assert scales == {"gateway": (2, 10), "api": (2, 10), "worker": (2, 10), "ui": (2, 6)}


def _key_vault_secrets(app: PlanResource) -> dict[str, str]:
    """The app's secrets by name -> Key Vault URL."""
    return {s["name"]: s["keyVaultUrl"] for s in app.props["configuration"].get("secrets") or []}


def test_the_cache_access_key_reaches_the_api_by_key_vault_reference(
        plans: dict[str, Plan]) -> None:
    plan = plans["azure-dev"]
    api = one(plan, CONTAINER_APP, "forge-azure-dev-api")
    key = one(plan, SECRET, "forge-azure-dev-cache-access-key")
    uri = f"https://forge-azure-dev-kv.vault.azure.net/secrets/{key.props['secretName']}"
    assert list(_key_vault_secrets(api).values()) == [uri], api.urn
    gateway = one(plan, CONTAINER_APP, "forge-azure-dev-gateway")
    assert _key_vault_secrets(gateway) == {}, gateway.urn


def _principal(plan: Plan, service: str) -> str:
    identity = one(plan, IDENTITY, f"forge-azure-dev-{service}-id")
    return str(identity.outputs["principalId"])


def _role(assignment: PlanResource) -> str:
    return str(assignment.props["roleDefinitionId"]).rsplit("/", 1)[-1]


def test_exact_role_assignments_of_the_data_clients(plans: dict[str, Plan]) -> None:
    """Storage: the api writes reports, the worker reports and exports, on exactly those
    containers; Event Hubs: both send and receive on the namespace; Key Vault: each reads
    exactly the secrets it references (the cache's access key); gateway and ui get no data
    role."""
    plan = plans["azure-dev"]
    principals = {_principal(plan, s): s for s in ("gateway", "api", "worker", "ui")}
    principals[_principal(plan, "api-migrate")] = "api-migrate"
    containers = {r.id: r.props["containerName"] for r in of_type(plan, CONTAINER)}
    namespace = one(plan, NAMESPACE).id
    key = one(plan, SECRET, "forge-azure-dev-cache-access-key").id
    grants: set[tuple[str, str, str]] = set()
    for assignment in of_type(plan, ROLE_ASSIGNMENT):
        scope = str(assignment.props["scope"])
        where = (containers.get(scope) or ("namespace" if scope == namespace else None)
                 or ("cache-key" if scope == key else scope))
        grants.add((principals[str(assignment.props["principalId"])], _role(assignment),
                    where))
    assert grants == {
        ("api", BLOB_CONTRIBUTOR, "reports"),
        ("worker", BLOB_CONTRIBUTOR, "reports"),
        ("worker", BLOB_CONTRIBUTOR, "exports"),
        ("api", EVENTHUBS_SENDER, "namespace"), ("api", EVENTHUBS_RECEIVER, "namespace"),
        ("worker", EVENTHUBS_SENDER, "namespace"),
        ("worker", EVENTHUBS_RECEIVER, "namespace"),
        ("api", SECRETS_USER, "cache-key"),
        ("api-migrate", SECRETS_USER, "cache-key"),
    }
    assert len(of_type(plan, ROLE_ASSIGNMENT)) == len(grants)


def test_front_door_tier_and_waf_follow_the_stack(plans: dict[str, Plan]) -> None:
    dev, prod = one(plans["azure-dev"], PROFILE), one(plans["azure-prod"], PROFILE)
    assert dev.props["sku"] == {"name": "Standard_AzureFrontDoor"}, dev.urn
    assert of_type(plans["azure-dev"], WAF_POLICY) == []
    assert prod.props["sku"] == {"name": "Premium_AzureFrontDoor"}, prod.urn
    policy = one(plans["azure-prod"], WAF_POLICY)
    assert policy.props["policySettings"]["mode"] == "Prevention", policy.urn


ORIGIN = "azure-native:cdn:AFDOrigin"
ENVIRONMENT = "azure-native:app:ManagedEnvironment"


@pytest.mark.parametrize("stack", AZURE_STACKS)
def test_the_fronted_apps_get_the_front_door_id_and_the_others_do_not(
        plans: dict[str, Plan], stack: str) -> None:
    plan = plans[stack]
    front_door_id = one(plan, PROFILE).outputs["frontDoorId"]
    assert front_door_id
    apps = {r.name.removeprefix(f"forge-{stack}-"): r for r in of_type(plan, CONTAINER_APP)}
    for name, app in apps.items():
        expected = front_door_id if name in ("gateway", "ui") else None
        assert _environment(app).get("FRONT_DOOR_ID") == expected, app.urn


def test_premium_reaches_the_apps_by_private_link_only(plans: dict[str, Plan]) -> None:
    """Prod (Premium): the environment refuses public traffic and every Front Door origin is
    a Private Link origin to it; a public origin or a public environment fails this test."""
    plan = plans["azure-prod"]
    environment = one(plan, ENVIRONMENT)
    assert environment.props["publicNetworkAccess"] == "Disabled", environment.urn
    origins = of_type(plan, ORIGIN)
    assert len(origins) == 2
    for origin in origins:
        assert origin.props["sharedPrivateLinkResource"] == {
            "groupId": "managedEnvironments",
            "privateLink": {"id": environment.id},
            "privateLinkLocation": "eastus",
            "requestMessage": "forge forge-azure-prod-cdn: Front Door origin"}, origin.urn


def test_standard_has_no_private_link_and_stays_public(plans: dict[str, Plan]) -> None:
    """Dev (Standard): Front Door Standard has no Private Link origins, so the environment
    must stay public (the apps check X-Azure-FDID instead)."""
    plan = plans["azure-dev"]
    environment = one(plan, ENVIRONMENT)
    assert environment.props["publicNetworkAccess"] == "Enabled", environment.urn
    for origin in of_type(plan, ORIGIN):
        assert "sharedPrivateLinkResource" not in origin.props, origin.urn


def test_without_front_door_no_app_gets_a_front_door_id() -> None:
    import yaml

    from forge_infra.config import config_from_mapping

    values = yaml.safe_load((ROOT / "Pulumi.azure-dev.yaml").read_text())["config"]
    values["forge-infra:cdn"] = {**values["forge-infra:cdn"], "enabled": False}
    values["forge-infra:app"] = {k: v for k, v in values["forge-infra:app"].items()
                                 if k != "domain"}
    config = config_from_mapping(values, stack="azure-dev", source="Pulumi.azure-dev.yaml")
    recording = run_mocked(lambda: build(config), stack="azure-dev", region="eastus")
    environment = recording.one(ENVIRONMENT)
    assert environment.inputs["publicNetworkAccess"] == "Enabled", environment.urn
    for app in recording.of_type(CONTAINER_APP):
        names = {e["name"] for e in app.inputs["template"]["containers"][0]["env"]}
        assert "FRONT_DOOR_ID" not in names, app.urn


@pytest.mark.parametrize("stack", AZURE_STACKS)
def test_every_public_host_is_a_service_front_door_fronts(stack: str) -> None:
    """The neutral routes give the gateway `gateway.<domain>`; on Azure only Front Door
    serves public hosts (Compute refuses a public_host it does not front), so each service
    with one must be among the Azure target's fronted services."""
    from forge_infra.clouds.azure.target import EXTERNAL_SERVICES
    from forge_infra.program import public_routes

    config = load_stack_file(stack, ROOT)
    hosts = {name for name, (host, _) in public_routes(config).items() if host}
    assert hosts == {"gateway"}
    assert hosts <= set(EXTERNAL_SERVICES)


def test_event_hubs_sku_capacity_and_zones_follow_the_stack(plans: dict[str, Plan]) -> None:
    dev, prod = one(plans["azure-dev"], NAMESPACE), one(plans["azure-prod"], NAMESPACE)
    assert dev.props["sku"] == {"name": "Standard", "tier": "Standard", "capacity": 1}, dev.urn
    assert prod.props["sku"] == {"name": "Standard", "tier": "Standard", "capacity": 2}
    assert dev.props["disableLocalAuth"] is True and prod.props["zoneRedundant"] is True


def test_no_broker_with_streaming_none() -> None:
    config = _with("azure-dev", "forge-infra:streaming", engine="none")
    recording = run_mocked(lambda: build(config), stack="azure-dev", region="eastus")
    assert recording.of_type(NAMESPACE) == []
    assert recording.exports["kafka_bootstrap_brokers"] == ""
    api = next(r for r in recording.of_type(CONTAINER_APP) if r.name.endswith("-api"))
    names = {e["name"] for c in api.inputs["template"]["containers"] for e in c["env"]}
    assert not {n for n in names if n.startswith("KAFKA_")}, names


def test_budget_amount_thresholds_and_emails(plans: dict[str, Plan]) -> None:
    budget = one(plans["azure-dev"], BUDGET)
    assert budget.props["amount"] == 400 and budget.props["timeGrain"] == "Monthly"
    actual = sorted(n["threshold"] for n in budget.props["notifications"].values()
                    if n["thresholdType"] == "Actual")
    # 80 and 100 percent, and the 500 and 1000 USD alerts as 125% and 250% of 400.
    assert actual == [80, 100, 125, 250], budget.urn
    assert {tuple(n["contactEmails"]) for n in budget.props["notifications"].values()} == {
        ("platform-dev@example.com",)}


def _with(stack: str, key: str, **changes: Any) -> Any:
    """A stack's config with some keys of one section changed."""
    import yaml

    from forge_infra.config import config_from_mapping

    values = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    values[key] = {**values[key], **changes}
    return config_from_mapping(values, stack=stack, source=f"Pulumi.{stack}.yaml")



def _environment(app: PlanResource) -> dict[str, str]:
    """An app's container environment: plain values, and `secret:<name>` for references."""
    return {e["name"]: e["value"] if "value" in e else f"secret:{e['secretRef']}"
            for e in app.props["template"]["containers"][0]["env"]}


def test_the_data_clients_get_the_connection_settings_and_the_others_do_not(
        plans: dict[str, Plan]) -> None:
    """Entra ID for PostgreSQL and Event Hubs (no password variable), the cache's key by
    Key Vault reference under the app's own identity; gateway and ui get APP_ENV only."""
    plan = plans["azure-dev"]
    apps = {r.name.removeprefix("forge-azure-dev-"): r for r in of_type(plan, CONTAINER_APP)}
    api = _environment(apps["api"])
    assert {k: api[k] for k in ("DATABASE_AUTH", "DATABASE_USER", "DATABASE_PORT",
                                "KAFKA_SECURITY_PROTOCOL", "KAFKA_SASL_MECHANISM",
                                "KAFKA_USERNAME", "REDIS_PORT", "REDIS_TLS",
                                "REDIS_AUTH_TOKEN")} == {
        "DATABASE_AUTH": "iam", "DATABASE_USER": "forge_app", "DATABASE_PORT": "5432",
        "KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_SASL_MECHANISM": "OAUTHBEARER",
        "KAFKA_USERNAME": "", "REDIS_PORT": "10000", "REDIS_TLS": "true",
        "REDIS_AUTH_TOKEN": "secret:redis-auth-token"}
    assert api["KAFKA_BROKERS"].endswith(".servicebus.windows.net:9093")
    assert "DATABASE_PASSWORD" not in api and "KAFKA_PASSWORD" not in api
    identity = one(plan, IDENTITY, "forge-azure-dev-api-id").id
    assert [s["identity"] for s in apps["api"].props["configuration"]["secrets"]] == [identity]
    assert set(_environment(apps["worker"])) == set(api) - {"LOG_LEVEL", "REDIS_AUTH_TOKEN"}
    for name in ("gateway", "ui"):
        assert set(_environment(apps[name])) == {"APP_ENV", "AZURE_CLIENT_ID",
                                                 "FRONT_DOOR_ID"}, name


def test_an_app_secret_is_kept_in_the_stack_vault_and_read_by_reference() -> None:
    import yaml

    from forge_infra.config import config_from_mapping

    values = yaml.safe_load((ROOT / "Pulumi.azure-dev.yaml").read_text())["config"]
    values["forge-infra:secrets"] = {"session_key": {"secure": "v1:c2Vzc2lvbg=="}}
    values["forge-infra:services"]["api"]["secrets"]["SESSION_KEY"] = "app:session_key"
    config = config_from_mapping(values, stack="azure-dev", source="Pulumi.azure-dev.yaml")
    recording = run_mocked(lambda: build(config), stack="azure-dev", region="eastus")
    secret = recording.one(SECRET, "forge-azure-dev-secret-session_key")
    assert secret.inputs["vaultName"] == "forge-azure-dev-kv", secret.urn
    assert secret.inputs["secretName"] == "forge-azure-dev-app-session-key", secret.urn
    uri = "https://forge-azure-dev-kv.vault.azure.net/secrets/forge-azure-dev-app-session-key"
    api = next(r for r in recording.of_type(CONTAINER_APP) if r.name.endswith("-api"))
    assert uri in {s["keyVaultUrl"] for s in api.inputs["configuration"]["secrets"]}, api.urn
    readers = [r for r in recording.of_type(ROLE_ASSIGNMENT)
               if r.inputs["scope"] == secret.resource_id]
    assert sorted(r.name for r in readers) == [
        "forge-azure-dev-api-migrate-secret-session-key", "forge-azure-dev-api-secret-session-key"]
    assert {r.inputs["roleDefinitionId"].rsplit("/", 1)[-1] for r in readers} == {SECRETS_USER}
