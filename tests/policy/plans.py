"""Plans of the real stacks on both AWS platforms, built once per test session."""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml

from forge_infra.config import config_from_mapping
from forge_infra.plan.engine import run_plan
from forge_infra.plan.model import Plan
from tests.conftest import ROOT

STACKS = ("dev", "staging", "prod")
PLATFORMS = ("ecs", "eks")


def stack_values(stack: str) -> dict[str, Any]:
    """The `config:` mapping of a real stack file."""
    values: dict[str, Any] = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    return values


@cache
def _plan(stack: str, platform: str, overrides: tuple[tuple[str, str], ...]) -> Plan:
    values = stack_values(stack)
    if platform == "ecs" and values.get("forge-infra:platform") == "eks":
        # prod's Argo Rollouts canary [5, 50, 100] is no ECS shape: on ECS it releases rolling
        # (a test may set its own rollout through the overrides).
        values.pop("forge-infra:rollout", None)
    values["forge-infra:platform"] = platform
    if platform == "eks" and "forge-infra:eks" not in values:
        # A stack without an eks section (dev runs ECS) gets the deployer's path the
        # platform requires (docs/DEPLOYMENT.md), as a user switching it to EKS would add.
        values["forge-infra:eks"] = {"endpoint_public_access": True,
                                     "public_access_cidrs": ["198.51.100.10/32"]}
    for key, text in overrides:
        values[key] = yaml.safe_load(text)
    config = config_from_mapping(values, stack=stack, source=f"Pulumi.{stack}.yaml")
    return run_plan(stack, ROOT, config=config)


def stack_plan(stack: str, platform: str, **overrides: Any) -> Plan:
    """The plan of a real stack on `platform`, with `forge-infra:` keys replaced (cached:
    treat the result as read-only)."""
    frozen = tuple(sorted((f"forge-infra:{k}", yaml.safe_dump(v)) for k, v in overrides.items()))
    return _plan(stack, platform, frozen)


# -- GCP: every GCP component wired as a stack wires them, planned offline -------------------

GCP_REGION = "us-central1"
GCP_PROJECT = "forge-offline-plan"


def _gcp_services(environment: str) -> list[Any]:
    """The four services as the program hands them to the GCP Compute component."""
    from forge_components.contracts import ServiceSpec

    secret = f"projects/{GCP_PROJECT}/secrets"

    def spec(name: str, **overrides: Any) -> Any:
        base: dict[str, Any] = {
            "name": name,
            "image_repository": f"us-central1-docker.pkg.dev/{GCP_PROJECT}/forge/{name}",
            "image_tag": "1.0.0", "cpu_millicores": 1000, "memory_mib": 512, "replicas": 2,
            "min_replicas": 2, "max_replicas": 4, "target_cpu_percent": 70,
            "environment": {"APP_ENV": environment}}
        return ServiceSpec(**(base | overrides))  # type: ignore[typeddict-item]

    return [
        spec("gateway", port=8080, health_path="/health", public_host="gateway.example.com"),
        spec("api", port=8000, health_path="/health",
             secrets={"DATABASE_PASSWORD": {"secret_id": f"{secret}/forge-db-app-password"},
                      "REDIS_AUTH_TOKEN": {"secret_id": f"{secret}/forge-kv-auth"}}),
        spec("worker", secrets={"KAFKA_PASSWORD": {"secret_id": f"{secret}/forge-kafka"}}),
        spec("ui", port=3000, health_path="/", public_host="example.com"),
    ]


@cache
def gcp_plan(environment: str = "prod", streaming: str = "managed") -> Plan:
    """A plan of every GCP component, wired as a stack wires them, in `GCP_REGION`, with
    prod's settings (regional database, HA cache, Cloud Armor, protect) when `environment` is
    prod; `streaming` is `managed` (Managed Kafka) or `redpanda`. Cached: read-only."""
    import types

    import pulumi

    from forge_components.gcp.budget import Budget, BudgetArgs
    from forge_components.gcp.cache import Cache, CacheArgs
    from forge_components.gcp.cdn import Cdn, CdnArgs
    from forge_components.gcp.compute import Compute, ComputeArgs
    from forge_components.gcp.database import Database, DatabaseArgs
    from forge_components.gcp.limits import StreamingEngine
    from forge_components.gcp.networking import Networking, NetworkingArgs
    from forge_components.gcp.storage import Storage, StorageArgs
    from forge_components.gcp.streaming import Streaming, StreamingArgs
    from forge_infra.plan.engine import plan_from_recording
    from tests.helpers import run_mocked

    prod = environment == "prod"
    labels = {"environment": environment, "app": "forge"}

    def program() -> None:
        net = Networking("forge", NetworkingArgs(region=GCP_REGION, labels=labels))
        Database("forge-db", DatabaseArgs(
            region=GCP_REGION, network_id=net.network_id,
            private_service_access_connection_id=net.private_service_access_connection_id,
            allocated_ip_range=net.private_service_access_range_name,
            high_availability=prod, deletion_protection=prod, protect=prod,
            disk_size_gb=50 if prod else 20, labels=labels))
        Cache("forge-kv", CacheArgs(
            region=GCP_REGION, network_id=net.network_id,
            private_service_access_connection_id=net.private_service_access_connection_id,
            high_availability=prod, protect=prod, labels=labels))
        Storage("forge-files", StorageArgs(location=GCP_REGION, protect=prod, labels=labels))
        engine = (StreamingEngine.REDPANDA if streaming == "redpanda"
                  else StreamingEngine.MANAGED_KAFKA)
        extra: dict[str, Any] = ({"instances_subnet_id": net.instances_subnet_id,
                                  "zones": [f"{GCP_REGION}-{z}" for z in "abc"]}
                                 if streaming == "redpanda" else {})
        Streaming("forge-kafka", StreamingArgs(
            region=GCP_REGION, network_id=net.network_id,
            workloads_subnet_id=net.workloads_subnet_id,
            workloads_subnet_cidr=net.workloads_subnet_cidr, engine=engine,
            project=GCP_PROJECT, protect=prod, labels=labels, **extra))  # type: ignore[typeddict-item]
        compute = Compute("forge", ComputeArgs(
            region=GCP_REGION, services=_gcp_services(environment),
            subnetwork_id=net.workloads_subnet_id, deletion_protection=prod, labels=labels))
        Cdn("forge-edge", CdnArgs(
            region=GCP_REGION, domain_name="example.com",
            ui_service_name=compute.service_names.apply(lambda n: n[3]),
            gateway_service_name=compute.service_names.apply(lambda n: n[0]),
            cloud_armor=prod, labels=labels))
        Budget("forge-budget", BudgetArgs(billing_account="01ABCD-23EF45-6789AB",
                                          project_number="123456789012",
                                          monthly_limit=1500.0, labels=labels))
        pulumi.export("environment", environment)

    recording = run_mocked(program, stack=f"gcp-{environment}", region=GCP_REGION)
    config = types.SimpleNamespace(cloud="gcp", platform="cloudrun")
    return plan_from_recording(recording, config, project_dir=ROOT)  # type: ignore[arg-type]

# -- Azure -------------------------------------------------------------------------------------

#: The Entra group the Azure component plan grants (an object id).
AZURE_OPERATORS = "44444444-4444-4444-4444-444444444444"
#: Where the Azure component plan's flow logs go (a storage account the stack does not own).
AZURE_FLOW_LOGS = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/logs/"
                   "providers/Microsoft.Storage/storageAccounts/forgelogs")


def _azure_components(environment: str) -> None:
    """The Azure data components as a prod stack wires them: network, HA geo-backed database
    with its lock, HA Managed Redis with Entra ID, storage with its private endpoint."""
    from forge_components.azure.cache import Cache, CacheArgs
    from forge_components.azure.database import Database, DatabaseArgs
    from forge_components.azure.networking import Networking, NetworkingArgs
    from forge_components.azure.storage import Storage, StorageArgs

    prod = environment == "prod"
    location = "eastus"
    tags = {"app": "forge", "environment": environment, "managed-by": "forge-infra"}
    network = Networking("forge", NetworkingArgs(
        location=location, flow_logs_storage_account_id=AZURE_FLOW_LOGS, tags=tags))
    Database("forge-db", DatabaseArgs(
        location=location, resource_group_name=network.resource_group_name,
        delegated_subnet_id=network.database_subnet_id,
        private_dns_zone_id=network.postgres_private_dns_zone_id,
        private_endpoints_subnet_id=network.private_endpoints_subnet_id,
        key_vault_private_dns_zone_id=network.private_dns_zone_ids["vault"],
        entra_admin_object_id=AZURE_OPERATORS, entra_admin_principal_name="forge-db-admins",
        high_availability=prod, geo_redundant_backup=prod, backup_retention_days=14,
        admin_secret_readers=[AZURE_OPERATORS], deletion_protection=prod, protect=prod,
        tags=tags))
    Cache("forge-cache", CacheArgs(
        resource_group_name=network.resource_group_name, location=location,
        private_endpoint_subnet_id=network.private_endpoints_subnet_id,
        private_dns_zone_id=network.private_dns_zone_ids["redis"], high_availability=prod,
        auth_mode="entra-id", client_principal_ids=[AZURE_OPERATORS], protect=prod, tags=tags))
    Storage("forge-storage", StorageArgs(
        resource_group_name=network.resource_group_name, location=location,
        private_endpoint_subnet_id=network.private_endpoints_subnet_id,
        blob_private_dns_zone_id=network.private_dns_zone_ids["blob"], protect=prod, tags=tags))


@cache
def azure_component_plan(environment: str = "prod") -> Plan:
    """A plan of the Azure components on main (network, database, cache, storage), built under
    the offline mocks in eastus as an Azure stack of `environment` would wire them (cached:
    treat the result as read-only). What it does not prove: that the Azure target wires them
    this way (tests/policy/test_azure_stacks.py plans the real stacks)."""
    from types import SimpleNamespace
    from typing import cast

    from forge_infra.model.config import StackConfig
    from forge_infra.plan.engine import plan_from_recording
    from forge_infra.plan.mocks import ProviderMocks
    from forge_infra.plan.recorder import run_under_mocks

    recording = run_under_mocks(lambda: _azure_components(environment), project="forge-infra",
                                stack=environment, mocks=ProviderMocks(region="eastus"))
    assert not recording.warnings, recording.warnings
    config = cast(StackConfig, SimpleNamespace(cloud="azure", platform=None))
    return plan_from_recording(recording, config, project_dir=ROOT)


AZURE_TAGS = {"app": "forge", "environment": "prod", "managed-by": "forge-infra"}
AZURE_RG_ID = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/forge-rg"
AZURE_VAULT_URL = "https://forge-kv.vault.azure.net/secrets"
#: The Front Door WAF policy's name (`frontdoor.Policy` names allow letters and digits only).
AZURE_WAF_NAME = "forgeprodwaf"


def _container_app(service: str, *, external: bool, image: str) -> dict[str, Any]:
    """A Container App as the Compute component declares one (inputs in camelCase)."""
    ingress = {"external": external, "targetPort": 8080, "allowInsecure": False}
    return {
        "tags": {**AZURE_TAGS, "service": service},
        "managedEnvironmentId": f"{AZURE_RG_ID}/providers/Microsoft.App/managedEnvironments/env",
        "workloadProfileName": "Consumption",
        "configuration": {
            "ingress": ingress,
            "secrets": [{"name": "database-password",
                         "keyVaultUrl": f"{AZURE_VAULT_URL}/database-password",
                         "identity": f"{AZURE_RG_ID}/providers/Microsoft.ManagedIdentity/"
                                     f"userAssignedIdentities/{service}"}]},
        "template": {
            "containers": [{"name": service, "image": image,
                            "resources": {"cpu": 0.5, "memory": "1Gi"},
                            "env": [{"name": "APP_ENV", "value": "prod"},
                                    {"name": "DATABASE_PASSWORD",
                                     "secretRef": "database-password"}]}],
            "scale": {"minReplicas": 2, "maxReplicas": 4}},
    }


#: Resources of the Azure branches still to be merged (compute, streaming, edge), with the
#: inputs their components set, so each rule has a passing fixture before the stacks exist.
AZURE_EXTRA: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("azure-native:app:ContainerApp", "forge-prod-gateway",
     _container_app("gateway", external=True,
                    image="ghcr.io/forge/gateway@sha256:" + "a" * 64)),
    ("azure-native:app:ContainerApp", "forge-prod-api",
     _container_app("api", external=False, image="ghcr.io/forge/api@sha256:" + "b" * 64)),
    ("azure-native:eventhub:Namespace", "forge-prod-events", {
        "tags": AZURE_TAGS, "sku": {"name": "Standard", "tier": "Standard", "capacity": 1},
        "minimumTlsVersion": "1.2", "publicNetworkAccess": "Disabled",
        "disableLocalAuth": True}),
    ("azure-native:cdn:Profile", "forge-prod-cdn", {
        "tags": AZURE_TAGS, "profileName": "forge-prod-cdn", "location": "Global",
        "sku": {"name": "Premium_AzureFrontDoor"}}),
    ("azure-native:frontdoor:Policy", "forge-prod-waf", {
        "tags": AZURE_TAGS, "policyName": AZURE_WAF_NAME,
        "sku": {"name": "Premium_AzureFrontDoor"},
        "policySettings": {"enabledState": "Enabled", "mode": "Prevention"},
        "managedRules": {"managedRuleSets": [{"ruleSetType": "Microsoft_DefaultRuleSet",
                                              "ruleSetVersion": "2.1",
                                              "ruleSetAction": "Block"}]}}),
    ("azure-native:cdn:SecurityPolicy", "forge-prod-waf-policy", {
        "profileName": "forge-prod-cdn", "parameters": {
            "type": "WebApplicationFirewall",
            "wafPolicy": {"id": f"{AZURE_RG_ID}/providers/Microsoft.Network/"
                                f"frontdoorWebApplicationFirewallPolicies/{AZURE_WAF_NAME}"},
            "associations": [{"domains": [{"id": "endpoint"}], "patternsToMatch": ["/*"]}]}}),
)


@cache
def azure_policy_plan() -> Plan:
    """The prod Azure component plan plus `AZURE_EXTRA`: every Azure rule's passing fixture
    (cached: treat it as read-only)."""
    import copy

    from forge_infra.plan.model import PlanResource

    plan = copy.deepcopy(azure_component_plan("prod"))
    for type_, name, props in AZURE_EXTRA:
        plan.resources.append(PlanResource(
            urn=f"urn:pulumi:{plan.stack}::{plan.project}::{type_}::{name}", type=type_,
            name=name, custom=True, component=None, parent=None, dependencies=[],
            property_dependencies={}, props=copy.deepcopy(props),
            opts=plan.resources[0].opts.__class__(protect=type_ == "azure-native:eventhub:"
                                                                   "Namespace"),
            outputs={}))
    return plan
