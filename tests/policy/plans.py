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
