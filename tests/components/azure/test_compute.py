"""The Azure Compute component (Container Apps) under the offline mocks: the VNet-integrated
environment and its logs, ingress per service, one identity per service with exactly the
grants it needs, secrets only as Key Vault references, probes, scale, the migration job, the
size table and the refusals.

What these tests do not prove: that Azure accepts the environment in the subnet (size, NSG
rules), that Key Vault lets the identities read through the vault's network rules, that role
assignments have propagated when the first revision starts, or that the images run; only that
the program asks Azure for what it should.
"""

import json
from typing import Any, cast

import pulumi
import pytest

from forge_components.azure.compute import (
    CLIENT_ID_VARIABLE,
    Compute,
    ComputeArgs,
    secret_scope,
    validate_compute_args,
)
from forge_components.azure.limits import (
    ACR_PULL,
    CONTAINER_APPS_CPU_MEMORY_MIB,
    KEY_VAULT_SECRETS_USER,
    container_apps_size_problem,
)
from forge_components.azure.networking import Networking, NetworkingArgs
from forge_components.contracts import ComputeOutputs, SecretReference, ServiceSpec
from forge_infra.plan.mocks.azure_native import KNOWN_TYPES
from forge_infra.plan.recorder import RecordedResource, Recording
from tests.components.azure.conftest import (
    REGION,
    SUBSCRIPTION,
    assert_azure_component_schema,
    run_azure,
)

ENVIRONMENT = "azure-native:app:ManagedEnvironment"
APP = "azure-native:app:ContainerApp"
JOB = "azure-native:app:Job"
IDENTITY = "azure-native:managedidentity:UserAssignedIdentity"
ROLE = "azure-native:authorization:RoleAssignment"
WORKSPACE = "azure-native:operationalinsights:Workspace"
DIAGNOSTICS = "azure-native:monitor:DiagnosticSetting"
OUTPUT_NAMES = {"service_names", "service_ids", "service_fqdns", "ingress", "identity_ids",
                "identity_names", "identity_principal_ids", "identity_client_ids",
                "environment_id", "environment_default_domain", "environment_static_ip",
                "log_analytics_workspace_id", "migration_job_name"}
RG_ID = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/forge-secrets"
VAULT_ID = f"{RG_ID}/providers/Microsoft.KeyVault/vaults/forge-kv"
OTHER_VAULT_ID = f"{RG_ID}/providers/Microsoft.KeyVault/vaults/forge-db-kv"
REDIS_URI = "https://forge-kv.vault.azure.net/secrets/redis-key"
KAFKA_URI = "https://forge-kv.vault.azure.net/secrets/kafka-password"
DB_URI = "https://forge-db-kv.vault.azure.net/secrets/app-token/0123456789abcdef0123456789abcdef"
REGISTRY_ID = (f"/subscriptions/{SUBSCRIPTION}/resourceGroups/forge-shared/providers/"
               "Microsoft.ContainerRegistry/registries/forgeacr")
SECRETS_USER = (f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Authorization/"
                f"roleDefinitions/{KEY_VAULT_SECRETS_USER}")
ACR_PULL_ROLE = (f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Authorization/"
                 f"roleDefinitions/{ACR_PULL}")


def spec(name: str, port: int | None = None, **overrides: Any) -> ServiceSpec:
    """A service at 0.5 vCPU / 1 GiB, 1..3 replicas at 70% CPU."""
    base: dict[str, Any] = {
        "name": name, "image_repository": f"forgeacr.azurecr.io/forge/{name}",
        "image_tag": "1.4.2", "cpu_millicores": 500, "memory_mib": 1024, "replicas": 1,
        "min_replicas": 1, "max_replicas": 3, "target_cpu_percent": 70,
        "environment": {"APP_ENV": "dev"}}
    if port is not None:
        base |= {"port": port, "health_path": "/healthz"}
    return ServiceSpec(**(base | overrides))  # type: ignore[typeddict-item]


def platform() -> list[ServiceSpec]:
    """The four services as the program hands them over: api and worker read the cache's key
    and the Kafka password, the api also a database token in another vault."""
    redis = SecretReference(secret_id=REDIS_URI)
    kafka = SecretReference(secret_id=KAFKA_URI)
    return [
        spec("gateway", 8080),
        spec("api", 8000, secrets={"REDIS_AUTH_TOKEN": redis, "KAFKA_PASSWORD": kafka,
                                   "DATABASE_TOKEN": SecretReference(secret_id=DB_URI)}),
        spec("worker", secrets={"REDIS_AUTH_TOKEN": redis, "KAFKA_PASSWORD": kafka}),
        spec("ui", 3000, health_path=None, cpu_millicores=250, memory_mib=512),
    ]


def _args(**overrides: Any) -> dict[str, Any]:
    return {"location": REGION, "services": platform(),
            "key_vault_ids": [VAULT_ID, OTHER_VAULT_ID]} | overrides


def plain_args(**overrides: Any) -> ComputeArgs:
    """Args with plain strings for the resource group and subnet (validation only)."""
    return cast(ComputeArgs, {"resource_group_name": "rg", "apps_subnet_id": "subnet"}
                | _args(**overrides))


def build(**overrides: Any) -> Recording:
    """A Networking "net" and a Compute "forge" in its apps subnet, outputs exported."""
    def program() -> None:
        net = Networking("net", NetworkingArgs(location=REGION))
        args = {"resource_group_name": net.resource_group_name,
                "apps_subnet_id": net.apps_subnet_id} | _args(**overrides)
        compute = Compute("forge", ComputeArgs(**args))  # type: ignore[typeddict-item]
        for key in OUTPUT_NAMES:
            pulumi.export(key, getattr(compute, key))
        pulumi.export("apps_subnet_id", net.apps_subnet_id)
    return run_azure(program)


@pytest.fixture(scope="module")
def rec() -> Recording:
    """The default build, shared by the read-only tests."""
    return build()


def app_of(rec: Recording, service: str) -> RecordedResource:
    return rec.one(APP, f"forge-{service}")


def container(resource: RecordedResource) -> dict[str, Any]:
    containers = resource.inputs["template"]["containers"]
    assert len(containers) == 1, resource.urn
    return dict(containers[0])


def identity_of(rec: Recording, key: str) -> RecordedResource:
    return rec.one(IDENTITY, f"forge-{key}-id")


def test_the_schema_serves_the_contract_and_every_output() -> None:
    assert_azure_component_schema(Compute, ComputeOutputs, OUTPUT_NAMES)


def test_the_environment_is_in_the_apps_subnet_on_workload_profiles(rec: Recording) -> None:
    environment = rec.one(ENVIRONMENT, "forge-env")
    inputs = environment.inputs
    assert inputs["vnetConfiguration"] == {
        "infrastructureSubnetId": rec.exports["apps_subnet_id"], "internal": False}
    assert inputs["workloadProfiles"] == [{
        "name": "Consumption", "workloadProfileType": "Consumption", "enableFips": False}]
    assert inputs["zoneRedundant"] is False
    assert inputs["peerTrafficConfiguration"] == {"encryption": {"enabled": True}}
    assert rec.exports["environment_id"] == environment.resource_id
    assert rec.exports["environment_default_domain"].endswith(
        f".{REGION}.azurecontainerapps.io")
    assert rec.exports["environment_static_ip"].startswith("20."), "external: a public IP"


def test_an_internal_zone_redundant_environment_when_asked() -> None:
    rec = build(internal_environment=True, zone_redundant=True)
    inputs = rec.one(ENVIRONMENT).inputs
    assert inputs["vnetConfiguration"]["internal"] is True
    assert inputs["zoneRedundant"] is True
    assert rec.exports["environment_static_ip"].startswith("10."), "internal: a private IP"


FRONT_DOOR_ID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


def test_public_network_access_is_on_by_default_and_off_when_asked(rec: Recording) -> None:
    assert rec.one(ENVIRONMENT).inputs["publicNetworkAccess"] == "Enabled"
    closed = build(public_network_access=False)
    assert closed.one(ENVIRONMENT).inputs["publicNetworkAccess"] == "Disabled"


def test_only_the_fronted_services_get_the_front_door_id(rec: Recording) -> None:
    fronted = build(fronted_services=["gateway", "ui"], front_door_id=FRONT_DOOR_ID)
    for service in ("gateway", "ui", "api", "worker"):
        env = {e["name"]: e.get("value") for e in container(app_of(fronted, service))["env"]}
        expected = FRONT_DOOR_ID if service in ("gateway", "ui") else None
        assert env.get("FRONT_DOOR_ID") == expected, service
        plain = {e["name"] for e in container(app_of(rec, service))["env"]}
        assert "FRONT_DOOR_ID" not in plain, service


def test_a_public_host_is_accepted_when_front_door_fronts_the_service() -> None:
    services = [spec("gateway", 8080, public_host="gateway.example.com"), spec("ui", 3000)]
    settings = validate_compute_args("forge", plain_args(
        services=services, fronted_services=["gateway"], front_door_id=FRONT_DOOR_ID))
    assert settings.fronted_services == ["gateway"]


def test_logs_go_through_azure_monitor_to_a_keyless_workspace(rec: Recording) -> None:
    environment = rec.one(ENVIRONMENT)
    assert environment.inputs["appLogsConfiguration"] == {"destination": "azure-monitor"}
    workspace = rec.one(WORKSPACE, "forge-logs")
    assert workspace.inputs["sku"] == {"name": "PerGB2018"}
    assert workspace.inputs["retentionInDays"] == 30
    assert workspace.inputs["features"] == {"disableLocalAuth": True}, workspace.urn
    setting = rec.one(DIAGNOSTICS, "forge-env-logs")
    assert setting.inputs["resourceUri"] == environment.resource_id
    assert setting.inputs["workspaceId"] == workspace.resource_id
    assert setting.inputs["logs"] == [
        {"category": "ContainerAppConsoleLogs", "enabled": True},
        {"category": "ContainerAppSystemLogs", "enabled": True}]
    assert setting.resource_id == (f"{environment.resource_id}/providers/Microsoft.Insights/"
                                   "diagnosticSettings/forge-logs")
    assert rec.exports["log_analytics_workspace_id"] == workspace.resource_id


def test_an_existing_workspace_is_used_and_none_created() -> None:
    existing = f"{RG_ID}/providers/Microsoft.OperationalInsights/workspaces/central"
    rec = build(log_analytics_workspace_id=existing, log_retention_days=90)
    assert rec.of_type(WORKSPACE) == []
    assert rec.one(DIAGNOSTICS).inputs["workspaceId"] == existing
    assert rec.exports["log_analytics_workspace_id"] == existing


def test_ingress_per_service_external_gateway_and_ui_internal_api_none_for_worker(
        rec: Recording) -> None:
    expected = {"gateway": (True, 8080), "api": (False, 8000), "ui": (True, 3000)}
    for service, (external, port) in expected.items():
        resource = app_of(rec, service)
        assert resource.inputs["configuration"]["ingress"] == {
            "external": external, "targetPort": port, "transport": "auto",
            "allowInsecure": False, "traffic": [{"latestRevision": True, "weight": 100}],
        }, resource.urn
    worker = app_of(rec, "worker")
    assert "ingress" not in worker.inputs["configuration"], worker.urn
    assert rec.exports["ingress"] == {"gateway": "external", "api": "internal",
                                      "worker": "none", "ui": "external"}
    domain = rec.exports["environment_default_domain"]
    assert rec.exports["service_fqdns"] == {
        "gateway": f"forge-gateway.{domain}", "api": f"forge-api.internal.{domain}",
        "ui": f"forge-ui.{domain}"}


def test_external_services_come_from_the_args() -> None:
    rec = build(external_services=["gateway"])
    assert rec.exports["ingress"] == {"gateway": "external", "api": "internal",
                                      "worker": "none", "ui": "internal"}
    assert app_of(rec, "ui").inputs["configuration"]["ingress"]["external"] is False


def test_apps_are_named_after_the_component_in_the_environment_single_revision(
        rec: Recording) -> None:
    environment = rec.one(ENVIRONMENT)
    for service in ("gateway", "api", "worker", "ui"):
        inputs = app_of(rec, service).inputs
        assert inputs["containerAppName"] == f"forge-{service}"
        assert inputs["environmentId"] == environment.resource_id
        assert "managedEnvironmentId" not in inputs, "deprecated in the SDK"
        assert inputs["workloadProfileName"] == "Consumption"
        assert inputs["configuration"]["activeRevisionsMode"] == "Single"
        assert inputs["tags"] == {"component": "forge-azure:index:Compute",
                                  "service": service}
    assert rec.exports["service_names"] == [
        "forge-gateway", "forge-api", "forge-worker", "forge-ui"]
    assert rec.exports["service_ids"] == {
        s: app_of(rec, s).resource_id for s in ("gateway", "api", "worker", "ui")}


def test_one_user_assigned_identity_per_service_and_for_the_job(rec: Recording) -> None:
    identities = {r.name: r for r in rec.of_type(IDENTITY)}
    assert sorted(identities) == ["forge-api-id", "forge-api-migrate-id", "forge-gateway-id",
                                  "forge-ui-id", "forge-worker-id"]
    assert identities["forge-api-migrate-id"].inputs["resourceName"] == "forge-migrate"
    for service in ("gateway", "api", "worker", "ui"):
        ident = identity_of(rec, service)
        assert ident.inputs["resourceName"] == f"forge-{service}"
        resource = app_of(rec, service)
        assert resource.inputs["identity"] == {
            "type": "UserAssigned", "userAssignedIdentities": [ident.resource_id]
        }, resource.urn
        env = {e["name"]: e for e in container(resource)["env"]}
        assert env[CLIENT_ID_VARIABLE] == {"name": CLIENT_ID_VARIABLE,
                                           "value": ident.outputs["clientId"]}
    assert rec.exports["identity_names"] == {
        "gateway": "forge-gateway", "api": "forge-api", "worker": "forge-worker",
        "ui": "forge-ui", "api-migrate": "forge-migrate"}
    assert rec.exports["identity_principal_ids"] == {
        key: identity_of(rec, key).outputs["principalId"]
        for key in ("gateway", "api", "worker", "ui", "api-migrate")}
    assert rec.exports["identity_client_ids"]["api"] == identity_of(rec, "api").outputs[
        "clientId"]


def test_exact_role_assignments_key_vault_secrets_user_per_secret(rec: Recording) -> None:
    def principal(key: str) -> str:
        return str(identity_of(rec, key).outputs["principalId"])
    redis = f"{VAULT_ID}/secrets/redis-key"
    kafka = f"{VAULT_ID}/secrets/kafka-password"
    token = f"{OTHER_VAULT_ID}/secrets/app-token"
    grants = sorted((g.inputs["scope"], g.inputs["roleDefinitionId"], g.inputs["principalId"],
                     g.inputs["principalType"]) for g in rec.of_type(ROLE))
    expected = sorted(
        (scope, SECRETS_USER, principal(key), "ServicePrincipal")
        for key, scopes in {"api": (redis, kafka, token), "api-migrate": (redis, kafka, token),
                            "worker": (redis, kafka)}.items()
        for scope in scopes)
    assert grants == expected
    assert not any(g[2] in (principal("gateway"), principal("ui")) for g in grants)


def test_secrets_are_key_vault_references_read_by_the_apps_identity_only(rec: Recording) -> None:
    api = app_of(rec, "api")
    ident = identity_of(rec, "api").resource_id
    assert api.inputs["configuration"]["secrets"] == [
        {"name": "database-token", "keyVaultUrl": DB_URI, "identity": ident},
        {"name": "kafka-password", "keyVaultUrl": KAFKA_URI, "identity": ident},
        {"name": "redis-auth-token", "keyVaultUrl": REDIS_URI, "identity": ident}]
    env = container(api)["env"]
    assert env[-3:] == [{"name": "DATABASE_TOKEN", "secretRef": "database-token"},
                        {"name": "KAFKA_PASSWORD", "secretRef": "kafka-password"},
                        {"name": "REDIS_AUTH_TOKEN", "secretRef": "redis-auth-token"}]
    for service in ("gateway", "ui"):
        assert "secrets" not in app_of(rec, service).inputs["configuration"]


def test_no_secret_value_shared_key_or_password_anywhere_in_the_plan(rec: Recording) -> None:
    for resource in rec.resources:
        text = json.dumps(resource.inputs)
        for forbidden in ('"value": "', "sharedKey", "password\":", "adminPassword",
                          "passwordSecretRef", "logAnalyticsConfiguration"):
            if forbidden == '"value": "' and resource.type in (APP, JOB):
                # Plain variables carry values: every one must be a non-secret variable.
                for item in container(resource)["env"]:
                    assert "value" not in item or item["name"] in (
                        "APP_ENV", CLIENT_ID_VARIABLE), (resource.urn, item)
                for secret in resource.inputs["configuration"].get("secrets", []):
                    assert set(secret) == {"name", "keyVaultUrl", "identity"}, resource.urn
                continue
            assert forbidden not in text, (resource.urn, forbidden)
        assert resource.inputs.get("identity", {}).get("type", "UserAssigned") == (
            "UserAssigned"), resource.urn


def test_every_app_and_the_job_wait_for_their_own_grants(rec: Recording) -> None:
    grants = {r.name: r.urn for r in rec.of_type(ROLE)}
    for resource, key in [(app_of(rec, "api"), "api"), (app_of(rec, "worker"), "worker"),
                          (rec.one(JOB), "api-migrate")]:
        own = {urn for name, urn in grants.items() if name.startswith(f"forge-{key}-secret-")}
        assert len(own) == 3 if key != "worker" else len(own) == 2
        assert own <= set(resource.dependencies), resource.urn
        others = set(grants.values()) - own
        assert not others & set(resource.dependencies), resource.urn


def test_a_secret_read_by_two_variables_is_granted_once() -> None:
    redis = SecretReference(secret_id=REDIS_URI)
    rec = build(services=[spec("worker", secrets={"REDIS_AUTH_TOKEN": redis,
                                                  "REDIS_PASSWORD": redis})])
    grants = rec.of_type(ROLE)
    assert [g.name for g in grants] == ["forge-worker-secret-redis-auth-token"]
    assert len(app_of(rec, "worker").inputs["configuration"]["secrets"]) == 2


def test_acr_pull_only_with_a_registry_and_through_the_identity() -> None:
    assert not any(g.inputs["roleDefinitionId"] == ACR_PULL_ROLE
                   for g in build(services=[spec("ui", 3000)]).of_type(ROLE))
    rec = build(services=[spec("ui", 3000)], registry_server="forgeacr.azurecr.io",
                registry_id=REGISTRY_ID)
    ident = identity_of(rec, "ui")
    grants = [(g.inputs["scope"], g.inputs["roleDefinitionId"], g.inputs["principalId"])
              for g in rec.of_type(ROLE)]
    assert grants == [(REGISTRY_ID, ACR_PULL_ROLE, ident.outputs["principalId"])]
    assert app_of(rec, "ui").inputs["configuration"]["registries"] == [
        {"server": "forgeacr.azurecr.io", "identity": ident.resource_id}]


def test_probes_on_the_health_path_tcp_without_one_none_for_the_worker(rec: Recording) -> None:
    def http(kind: str, **timing: int) -> dict[str, Any]:
        return {"type": kind, "httpGet": {"path": "/healthz", "port": 8000, "scheme": "HTTP"},
                "timeoutSeconds": 5, **timing}
    assert container(app_of(rec, "api"))["probes"] == [
        http("Startup", initialDelaySeconds=5, periodSeconds=10, failureThreshold=10),
        http("Readiness", periodSeconds=10, failureThreshold=3),
        http("Liveness", periodSeconds=15, failureThreshold=3)]
    ui_probes = container(app_of(rec, "ui"))["probes"]
    assert [p["tcpSocket"] for p in ui_probes] == [{"port": 3000}] * 3
    assert all("httpGet" not in p for p in ui_probes)
    assert "probes" not in container(app_of(rec, "worker"))


def test_size_scale_and_image_come_from_the_specs(rec: Recording) -> None:
    api, ui = container(app_of(rec, "api")), container(app_of(rec, "ui"))
    assert api["resources"] == {"cpu": 0.5, "memory": "1Gi"}
    assert ui["resources"] == {"cpu": 0.25, "memory": "0.5Gi"}
    assert api["image"] == "forgeacr.azurecr.io/forge/api:1.4.2"
    assert app_of(rec, "worker").inputs["template"]["scale"] == {
        "minReplicas": 1, "maxReplicas": 3,
        "rules": [{"name": "cpu", "custom": {
            "type": "cpu", "metadata": {"type": "Utilization", "value": "70"}}}]}


def test_a_digest_tag_is_pinned_with_an_at_sign() -> None:
    rec = build(services=[spec("ui", 3000, image_tag="sha256:" + "a" * 64)])
    assert container(app_of(rec, "ui"))["image"] == (
        "forgeacr.azurecr.io/forge/ui@sha256:" + "a" * 64)


def test_the_migration_job_runs_the_api_image_with_its_variables_on_manual_trigger(
        rec: Recording) -> None:
    job = rec.one(JOB, "forge-api-migrate")
    api = app_of(rec, "api")
    inputs = job.inputs
    assert inputs["jobName"] == "forge-migrate"
    assert inputs["environmentId"] == rec.one(ENVIRONMENT).resource_id
    assert inputs["configuration"]["triggerType"] == "Manual"
    assert inputs["configuration"]["manualTriggerConfig"] == {
        "parallelism": 1, "replicaCompletionCount": 1}
    assert inputs["configuration"]["replicaTimeout"] == 600
    assert inputs["configuration"]["replicaRetryLimit"] == 1
    ident = identity_of(rec, "api-migrate")
    assert inputs["identity"] == {"type": "UserAssigned",
                                  "userAssignedIdentities": [ident.resource_id]}
    job_container, api_container = container(job), container(api)
    assert job_container["image"] == api_container["image"]
    assert job_container["command"] == ["/app/bin/migrate"]
    assert job_container["resources"] == api_container["resources"]
    assert "probes" not in job_container

    def without_client(env: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [e for e in env if e["name"] != CLIENT_ID_VARIABLE]
    assert without_client(job_container["env"]) == without_client(api_container["env"])
    assert [s["keyVaultUrl"] for s in inputs["configuration"]["secrets"]] == [
        s["keyVaultUrl"] for s in api.inputs["configuration"]["secrets"]]
    assert all(s["identity"] == ident.resource_id for s in inputs["configuration"]["secrets"])
    assert rec.exports["migration_job_name"] == "forge-migrate"


def test_no_job_without_a_command_or_an_api() -> None:
    rec = build(migration_command=None)
    assert rec.of_type(JOB) == [] and rec.exports["migration_job_name"] == ""
    assert "api-migrate" not in rec.exports["identity_ids"]
    assert build(services=[spec("ui", 3000)]).of_type(JOB) == []


def test_the_mocks_give_every_compute_resource_an_arm_id(rec: Recording) -> None:
    for resource in rec.resources:
        if not resource.custom:
            continue
        assert resource.type in KNOWN_TYPES, resource.type
        assert str(resource.resource_id).startswith(f"/subscriptions/{SUBSCRIPTION}/"), (
            resource.urn, resource.resource_id)
    assert str(app_of(rec, "api").resource_id).endswith("/providers/Microsoft.App/containerApps/"
                                                   "forge-api")
    assert str(rec.one(JOB).resource_id).endswith("/providers/Microsoft.App/jobs/forge-migrate")
    assert str(identity_of(rec, "api").resource_id).endswith(
        "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/forge-api")


# -- sizes and refusals -------------------------------------------------------------------


def test_the_size_table_is_the_consumption_profile_allocations() -> None:
    expected = {250 * i: 512 * i for i in range(1, 17)}
    assert expected == CONTAINER_APPS_CPU_MEMORY_MIB
    for cpu, memory in CONTAINER_APPS_CPU_MEMORY_MIB.items():
        assert container_apps_size_problem(cpu, memory) is None


@pytest.mark.parametrize(("cpu", "memory", "message"), [
    (300, 512, "cpu 0.3 vCPU (300 millicores) is not a Container Apps CPU allocation (0.25 to "
               "4 vCPU in steps of 0.25); allowed: 0.25 vCPU with 512 MiB, "),
    (4250, 8704, "cpu 4.25 vCPU (4250 millicores) is not a Container Apps CPU allocation"),
    (1000, 1024, "cpu 1 vCPU (1000 millicores) with memory 1024 MiB: Container Apps gives 1 "
                 "vCPU exactly 2048 MiB (2 GiB); allowed: "),
])
def test_a_size_container_apps_cannot_run_is_refused_with_the_allowed_values(
        cpu: int, memory: int, message: str) -> None:
    problem = container_apps_size_problem(cpu, memory)
    assert problem is not None and problem.startswith(message)
    assert "4 vCPU with 8192 MiB" in problem
    with pytest.raises(ValueError, match=r"^Compute: service 'ui': cpu "):
        validate_compute_args("forge", plain_args(
            services=[spec("ui", 3000, cpu_millicores=cpu, memory_mib=memory)]))


@pytest.mark.parametrize(("overrides", "message"), [
    ({"services": [spec("worker", min_replicas=0)]},
     "service 'worker' needs 1 <= min_replicas <= max_replicas <= 1000 (the CPU scale rule "
     "cannot scale from zero), got 0, 3"),
    ({"services": [spec("worker", secrets={"X": SecretReference(secret_id=REDIS_URI,
                                                                key="password")})]},
     "service 'worker' reads secret variable X from key 'password' of a JSON secret"),
    ({"services": [spec("worker", secrets={"X": SecretReference(
        secret_id="arn:aws:secretsmanager:us-east-1:1:secret:x")})]},
     "service 'worker' secret variable X: 'arn:aws:secretsmanager:us-east-1:1:secret:x' is "
     "not a Key Vault secret URI"),
    ({"services": [spec("worker", secrets={"X": SecretReference(
        secret_id="https://elsewhere.vault.azure.net/secrets/x")})]},
     "secret 'https://elsewhere.vault.azure.net/secrets/x' is in vault 'elsewhere', which is "
     "not among key_vault_ids"),
    ({"services": [spec("worker", secrets={"X": SecretReference(secret_id=REDIS_URI)})],
      "key_vault_ids": []},
     "services reference secrets but key_vault_ids is empty"),
    ({"services": [spec("worker", environment={"AZURE_CLIENT_ID": "x"})]},
     "service 'worker' sets AZURE_CLIENT_ID, which the component sets"),
    ({"services": [spec("worker", health_path="/healthz")]},
     "service 'worker' has a health_path but no port to probe it on"),
    ({"external_services": ["worker"], "services": [spec("worker")]},
     "external_services names 'worker', which is not a service with a port"),
    ({"services": [spec("ui", 3000), spec("ui", 3000)]}, "duplicate service names ['ui']"),
    ({"registry_server": "forgeacr.azurecr.io"}, "registry_server and registry_id go together"),
    ({"registry_server": "ghcr.io", "registry_id": REGISTRY_ID},
     "registry_server 'ghcr.io' is not an Azure Container Registry login server"),
    ({"log_retention_days": 7}, "log_retention_days must be between 30 and 730, got 7"),
    ({"revisions_mode": "Labels"}, "revisions_mode 'Labels' is not one of"),
    ({"location": "West Europe"}, "location 'West Europe' is not an Azure region name"),
    ({"fronted_services": ["api"], "front_door_id": FRONT_DOOR_ID},
     "fronted_services names 'api', which is not among the external services ['gateway', "
     "'ui']"),
    ({"fronted_services": ["gateway"]}, "fronted_services and front_door_id go together"),
    ({"front_door_id": FRONT_DOOR_ID}, "fronted_services and front_door_id go together"),
    ({"services": [spec("ui", 3000, environment={"FRONT_DOOR_ID": "x"})]},
     "service 'ui' sets FRONT_DOOR_ID, which the component sets"),
    ({"services": [spec("gateway", 8080, public_host="gateway.example.com")]},
     "service 'gateway' has public_host 'gateway.example.com' but Front Door does not front "
     "it (fronted_services): Compute binds no custom domain to a container app"),
    ({"services": [spec("gateway", 8080, public_host="gateway.example.com"), spec("ui", 3000)],
      "fronted_services": ["ui"], "front_door_id": FRONT_DOOR_ID},
     "service 'gateway' has public_host 'gateway.example.com' but Front Door does not front "
     "it"),
])
def test_invalid_args_are_refused_with_the_field_and_what_is_allowed(
        overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as error:
        validate_compute_args("forge", plain_args(**overrides))
    assert str(error.value).startswith(f"Compute: {message}"), str(error.value)


def test_a_name_too_long_for_the_container_app_names_is_refused() -> None:
    validate_compute_args("a" * 24, plain_args())
    with pytest.raises(ValueError, match=r"^Compute: 'a{25}-gateway' \(from name 'a{25}'\) is "
                                         "not a Container Apps name: at most 32"):
        validate_compute_args("a" * 25, plain_args())


def test_secret_scope_maps_a_uri_to_its_secret_in_its_vault() -> None:
    assert secret_scope(DB_URI, [VAULT_ID, OTHER_VAULT_ID]) == (
        f"{OTHER_VAULT_ID}/secrets/app-token")
    assert secret_scope("https://FORGE-KV.vault.azure.net/secrets/x/", [VAULT_ID]) == (
        f"{VAULT_ID}/secrets/x")


def test_the_sdk_still_offers_no_way_to_start_the_migration_job() -> None:
    """The migration stays a deploy step because pulumi_azure_native's `app` module can
    neither start a job nor model its execution (docs/DEPLOYMENT.md, Azure, "The
    migration"). When an SDK upgrade adds either, this fails: run the job from the program
    then, as the GCP Compute does, and order the api after it."""
    import pulumi_azure_native.app as app_module

    names = [n for n in dir(app_module)
             if "start" in n.lower() or "execution" in n.lower()]
    assert names == [], names


# -- progressive delivery (`rollout`) ---------------------------------------------------------

CANARY = {"strategy": "canary", "steps": [5, 50, 100], "bake_minutes": 10,
          "http_5xx_percent": 5.0, "evaluation_minutes": 3, "unhealthy_targets": 1}


def test_a_rolling_build_keeps_single_revision_mode_and_its_traffic(rec: Recording) -> None:
    for service in ("gateway", "api", "worker", "ui"):
        app = app_of(rec, service)
        assert app.inputs["configuration"]["activeRevisionsMode"] == "Single", app.urn
        assert app.ignore_changes == [], app.urn


@pytest.mark.parametrize("strategy", ["canary", "blue_green"])
def test_a_progressive_rollout_leaves_the_ingress_apps_weights_to_the_release(
        strategy: str) -> None:
    """Multiple revision mode, all traffic to the latest revision at creation, and Pulumi
    ignores the weights afterwards; the worker (no ingress) and the job are unchanged."""
    rollout = CANARY | ({"strategy": "blue_green", "steps": [100]}
                        if strategy == "blue_green" else {})
    built = build(rollout=rollout)
    for service in ("gateway", "api", "ui"):
        app = app_of(built, service)
        configuration = app.inputs["configuration"]
        assert configuration["activeRevisionsMode"] == "Multiple", app.urn
        assert configuration["ingress"]["traffic"] == [
            {"latestRevision": True, "weight": 100}], app.urn
        assert app.ignore_changes == ["configuration.ingress.traffic"], app.urn
    worker = app_of(built, "worker")
    assert worker.inputs["configuration"]["activeRevisionsMode"] == "Single"
    assert "ingress" not in worker.inputs["configuration"]
    assert worker.ignore_changes == []
    job = built.one("azure-native:app:Job")
    assert job.ignore_changes == []


def test_a_progressive_rollout_refuses_single_revision_mode() -> None:
    with pytest.raises(ValueError) as info:
        validate_compute_args("forge", plain_args(rollout=CANARY, revisions_mode="Single"))
    assert str(info.value) == (
        "Compute: rollout.strategy 'canary' and revisions_mode 'Single' exclude each other: "
        "a release splits traffic between two active revisions, which only multiple "
        "revision mode keeps; drop revisions_mode")


def test_an_unknown_rollout_strategy_is_refused() -> None:
    with pytest.raises(ValueError, match=r"rollout\.strategy 'linear' is not one of"):
        validate_compute_args("forge", plain_args(rollout=CANARY | {"strategy": "linear"}))
