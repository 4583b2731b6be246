"""The GCP Compute component (Cloud Run) under the offline mocks: ingress per service, secrets by
reference, exact IAM grants, no service account keys, probes, sizes, Direct VPC egress, the
worker pool and the api's migration job.

What these tests do not prove: that Cloud Run accepts the revision (quotas, a region without
worker pools, the subnet's free addresses), that the load balancer's traffic passes the
ingress setting, or that the images serve their health paths; only that the program asks for
what it should.
"""

from typing import Any

import pulumi
import pytest

from forge_components.contracts import ComputeOutputs, ServiceSpec
from forge_components.gcp.compute import (
    Compute,
    ComputeArgs,
    execution_token,
    validate_compute_args,
)
from forge_components.gcp.networking import Networking, NetworkingArgs
from forge_infra.plan.mocks.gcp import KNOWN_TYPES
from forge_infra.plan.recorder import RecordedResource, Recording
from tests.components.gcp.conftest import PROJECT, REGION, assert_gcp_component_schema, run_gcp

SERVICE = "gcp:cloudrunv2/service:Service"
POOL = "gcp:cloudrunv2/workerPool:WorkerPool"
JOB = "gcp:cloudrunv2/job:Job"
ACCOUNT = "gcp:serviceaccount/account:Account"
KEY = "gcp:serviceaccount/key:Key"
SECRET_MEMBER = "gcp:secretmanager/secretIamMember:SecretIamMember"
PROJECT_MEMBER = "gcp:projects/iAMMember:IAMMember"
INVOKER_MEMBER = "gcp:cloudrunv2/serviceIamMember:ServiceIamMember"
OUTPUT_NAMES = {"service_names", "service_uris", "service_ids", "service_account_emails",
                "ingress", "migration_job_name"}

DB = f"projects/{PROJECT}/secrets/forge-db-app-password"
CACHE = f"projects/{PROJECT}/secrets/forge-kv-auth"
KAFKA = f"projects/{PROJECT}/secrets/forge-kafka-password"
SIGNING = f"projects/{PROJECT}/secrets/forge-app-signing-key"


def sa(account_id: str) -> str:
    """The IAM member of a service account of the offline project."""
    return f"serviceAccount:{account_id}@{PROJECT}.iam.gserviceaccount.com"


def spec(name: str, **overrides: Any) -> ServiceSpec:
    base: dict[str, Any] = {
        "name": name, "image_repository": f"europe-docker.pkg.dev/{PROJECT}/forge/{name}",
        "image_tag": "1.0.0", "cpu_millicores": 1000, "memory_mib": 512, "replicas": 1,
        "min_replicas": 1, "max_replicas": 3, "target_cpu_percent": 70}
    return ServiceSpec(**(base | overrides))


def platform() -> list[ServiceSpec]:
    """The four services as the program hands them: gateway and ui public, the api internal,
    the data clients with the data services' secrets, the gateway with one of its own."""
    return [
        spec("gateway", port=8080, health_path="/health", public_host="gateway.example.com",
             environment={"APP_ENV": "prod"},
             secrets={"SIGNING_KEY": {"secret_id": SIGNING}}),
        spec("api", port=8000, health_path="/health", cpu_millicores=2000, memory_mib=4096,
             min_replicas=2, max_replicas=10,
             environment={"APP_ENV": "prod", "DATABASE_HOST": "10.20.0.5"},
             secrets={"DATABASE_PASSWORD": {"secret_id": DB},
                      "REDIS_AUTH_TOKEN": {"secret_id": CACHE},
                      "KAFKA_PASSWORD": {"secret_id": KAFKA}}),
        spec("worker", replicas=2, min_replicas=2, max_replicas=2,
             environment={"APP_ENV": "prod"},
             secrets={"DATABASE_PASSWORD": {"secret_id": DB},
                      "KAFKA_PASSWORD": {"secret_id": KAFKA}}),
        spec("ui", port=3000, health_path="/", public_host="example.com",
             environment={"APP_ENV": "prod"}),
    ]


def build(services: list[ServiceSpec] | None = None, **overrides: Any) -> Recording:
    """A Networking "net" and a Compute "forge" on its workloads subnet, outputs exported."""
    def program() -> None:
        net = Networking("net", NetworkingArgs(region=REGION))
        args: dict[str, Any] = {"region": REGION, "services": services or platform(),
                                "subnetwork_id": net.workloads_subnet_id}
        compute = Compute("forge", ComputeArgs(**(args | overrides)))
        for key in OUTPUT_NAMES:
            pulumi.export(key, getattr(compute, key))
    return run_gcp(program)


def container(resource: RecordedResource) -> dict[str, Any]:
    """The one container of a Cloud Run service, worker pool or job."""
    template = resource.inputs["template"]
    if resource.type == JOB:
        template = template["template"]
    [only] = template["containers"]
    return dict(only)


def revision(resource: RecordedResource) -> dict[str, Any]:
    template = resource.inputs["template"]
    return dict(template["template"] if resource.type == JOB else template)


def test_the_schema_serves_the_contract_and_every_output():
    assert_gcp_component_schema(Compute, ComputeOutputs, OUTPUT_NAMES)


def test_each_served_service_is_a_cloud_run_service_and_the_worker_a_worker_pool():
    rec = build()
    assert sorted(r.name for r in rec.of_type(SERVICE)) == [
        "forge-api", "forge-gateway", "forge-ui"]
    assert [r.name for r in rec.of_type(POOL)] == ["forge-worker"]
    assert [r.name for r in rec.of_type(JOB)] == ["forge-api-migrate"]
    names = {r.name: r.outputs["name"] for r in [*rec.of_type(SERVICE), *rec.of_type(POOL)]}
    assert rec.exports["service_names"] == [
        names[f"forge-{s}"] for s in ("gateway", "api", "worker", "ui")]
    assert sorted(rec.exports["service_uris"]) == ["api", "gateway", "ui"]
    assert rec.exports["service_uris"]["api"].endswith(f".{REGION}.run.app")
    for resource in [*rec.of_type(SERVICE), *rec.of_type(POOL), *rec.of_type(JOB)]:
        assert resource.inputs["location"] == REGION, resource.urn
        assert resource.inputs["deletionProtection"] is False, resource.urn


def test_ingress_per_service_load_balanced_public_internal_api():
    rec = build()
    seen = {r.name: (r.inputs["ingress"], r.inputs["invokerIamDisabled"])
            for r in rec.of_type(SERVICE)}
    assert seen == {
        "forge-gateway": ("INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER", True),
        "forge-ui": ("INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER", True),
        "forge-api": ("INGRESS_TRAFFIC_INTERNAL_ONLY", False)}
    assert rec.exports["ingress"] == {
        "gateway": "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER",
        "api": "INGRESS_TRAFFIC_INTERNAL_ONLY",
        "ui": "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"}
    for pool in rec.of_type(POOL):  # a worker pool has no ingress, no URL, no invoker
        assert "ingress" not in pool.inputs and "uri" not in pool.outputs, pool.urn
        assert "ports" not in container(pool), pool.urn


def test_no_service_is_open_to_all_traffic_even_with_a_public_host():
    services = [spec("gateway", port=8080, public_host="gateway.example.com")]
    rec = build(services)
    assert [r.inputs["ingress"] for r in rec.of_type(SERVICE)] == [
        "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"]
    internal = build([spec("api", port=8000)], migration_command=None)
    [api] = internal.of_type(SERVICE)
    assert (api.inputs["ingress"], api.inputs["invokerIamDisabled"]) == (
        "INGRESS_TRAFFIC_INTERNAL_ONLY", False), api.urn


def test_secrets_are_passed_by_reference_only():
    rec = build()
    for resource in [*rec.of_type(SERVICE), *rec.of_type(POOL), *rec.of_type(JOB)]:
        envs = {env["name"]: env for env in container(resource)["envs"]}
        secret_envs = {name: env["valueSource"]["secretKeyRef"]
                       for name, env in envs.items() if "valueSource" in env}
        for name, env in envs.items():
            assert ("value" in env) != ("valueSource" in env), (resource.urn, name)
        if resource.name in ("forge-api", "forge-api-migrate"):
            assert secret_envs == {
                "DATABASE_PASSWORD": {"secret": DB, "version": "latest"},
                "KAFKA_PASSWORD": {"secret": KAFKA, "version": "latest"},
                "REDIS_AUTH_TOKEN": {"secret": CACHE, "version": "latest"}}, resource.urn
            assert envs["DATABASE_HOST"] == {"name": "DATABASE_HOST", "value": "10.20.0.5"}
        elif resource.name == "forge-worker":
            assert secret_envs == {
                "DATABASE_PASSWORD": {"secret": DB, "version": "latest"},
                "KAFKA_PASSWORD": {"secret": KAFKA, "version": "latest"}}, resource.urn
        elif resource.name == "forge-gateway":
            assert secret_envs == {"SIGNING_KEY": {"secret": SIGNING, "version": "latest"}}
        else:
            assert secret_envs == {}, resource.urn
    pinned = build(secret_version="3")
    api = pinned.one(SERVICE, "forge-api")
    assert {env["valueSource"]["secretKeyRef"]["version"]
            for env in container(api)["envs"] if "valueSource" in env} == {"3"}


def test_a_json_key_reference_is_refused_because_cloud_run_reads_whole_versions():
    services = [spec("api", port=8000, secrets={
        "KAFKA_PASSWORD": {"secret_id": KAFKA, "key": "password"}})]
    with pytest.raises(ValueError) as error:
        validate_compute_args("forge", ComputeArgs(region=REGION, services=services,
                                                   subnetwork_id="s"))
    assert str(error.value) == (
        "Compute: service 'api' reads secret variable KAFKA_PASSWORD from key 'password' of a "
        "JSON secret: Cloud Run passes a Secret Manager version whole, so reference a secret "
        "that holds the value alone")


def grants(rec: Recording) -> set[tuple[str, str, str, str]]:
    """Every IAM grant as (kind, resource, role, member)."""
    found: set[tuple[str, str, str, str]] = set()
    for member in rec.of_type(SECRET_MEMBER):
        found.add(("secret", member.inputs["secretId"], member.inputs["role"],
                   member.inputs["member"]))
    for member in rec.of_type(PROJECT_MEMBER):
        found.add(("project", member.inputs["project"], member.inputs["role"],
                   member.inputs["member"]))
    for member in rec.of_type(INVOKER_MEMBER):
        found.add(("run", member.inputs["name"], member.inputs["role"],
                   member.inputs["member"]))
    return found


def test_each_account_is_granted_exactly_what_its_service_uses():
    rec = build()
    api_name = rec.one(SERVICE, "forge-api").outputs["name"]
    accessor, sql = "roles/secretmanager.secretAccessor", "roles/cloudsql.client"
    expected = {
        ("secret", SIGNING, accessor, sa("forge-gateway")),
        *(("secret", s, accessor, sa("forge-api")) for s in (DB, CACHE, KAFKA)),
        *(("secret", s, accessor, sa("forge-migrate")) for s in (DB, CACHE, KAFKA)),
        *(("secret", s, accessor, sa("forge-worker")) for s in (DB, KAFKA)),
        *(("project", PROJECT, sql, sa(a)) for a in ("forge-api", "forge-worker",
                                                     "forge-migrate")),
        ("run", api_name, "roles/run.invoker", sa("forge-gateway")),
    }
    assert grants(rec) == expected
    # one grant resource per (secret, account): no duplicates, nothing else
    assert len(rec.of_type(SECRET_MEMBER)) == 9
    assert len(rec.of_type(PROJECT_MEMBER)) == 3
    for member in rec.of_type(INVOKER_MEMBER):
        assert member.inputs["location"] == REGION, member.urn


def test_telemetry_roles_only_for_the_services_named():
    rec = build(telemetry_writers=["worker"], database_clients=["api"])
    project = {(m.inputs["role"], m.inputs["member"]) for m in rec.of_type(PROJECT_MEMBER)}
    assert project == {
        ("roles/cloudsql.client", sa("forge-api")),
        ("roles/cloudsql.client", sa("forge-migrate")),
        ("roles/logging.logWriter", sa("forge-worker")),
        ("roles/monitoring.metricWriter", sa("forge-worker"))}


def test_one_keyless_service_account_per_workload():
    rec = build()
    assert rec.of_type(KEY) == []
    accounts = {a.name: a for a in rec.of_type(ACCOUNT)}
    assert {a.inputs["accountId"] for a in accounts.values()} == {
        "forge-gateway", "forge-api", "forge-worker", "forge-ui", "forge-migrate"}
    emails = {r.name: revision(r)["serviceAccount"]
              for r in [*rec.of_type(SERVICE), *rec.of_type(POOL), *rec.of_type(JOB)]}
    assert emails == {
        "forge-gateway": accounts["forge-gateway-sa"].outputs["email"],
        "forge-api": accounts["forge-api-sa"].outputs["email"],
        "forge-worker": accounts["forge-worker-sa"].outputs["email"],
        "forge-ui": accounts["forge-ui-sa"].outputs["email"],
        "forge-api-migrate": accounts["forge-api-migrate-sa"].outputs["email"]}
    assert rec.exports["service_account_emails"]["api-migrate"] == (
        f"forge-migrate@{PROJECT}.iam.gserviceaccount.com")


def test_every_workload_waits_for_its_secret_grants():
    rec = build()
    members = {m.name: m.urn for m in rec.of_type(SECRET_MEMBER)}
    api = rec.one(SERVICE, "forge-api")
    assert {members[f"forge-api-secret-{i}"] for i in (1, 2, 3)} <= set(api.dependencies)
    worker = rec.one(POOL, "forge-worker")
    assert {members[f"forge-worker-secret-{i}"] for i in (1, 2)} <= set(worker.dependencies)


def test_startup_and_liveness_probes():
    rec = build()
    api = container(rec.one(SERVICE, "forge-api"))
    assert api["ports"] == {"containerPort": 8000}
    assert api["startupProbe"] == {"httpGet": {"path": "/health", "port": 8000},
                                   "periodSeconds": 10, "timeoutSeconds": 5,
                                   "failureThreshold": 30}
    assert api["livenessProbe"] == {"httpGet": {"path": "/health", "port": 8000},
                                    "periodSeconds": 15, "timeoutSeconds": 5,
                                    "failureThreshold": 3}
    ui = container(rec.one(SERVICE, "forge-ui"))
    assert ui["startupProbe"]["httpGet"] == {"path": "/", "port": 3000}
    worker = container(rec.one(POOL, "forge-worker"))
    assert "startupProbe" not in worker and "livenessProbe" not in worker
    tcp = container(build([spec("gateway", port=8080)]).one(SERVICE, "forge-gateway"))
    assert tcp["startupProbe"]["tcpSocket"] == {"port": 8080}
    assert tcp["livenessProbe"]["tcpSocket"] == {"port": 8080}


def test_sizes_and_instances_come_from_the_specs():
    rec = build()
    api = rec.one(SERVICE, "forge-api")
    assert container(api)["resources"] == {
        "limits": {"cpu": "2", "memory": "4096Mi"}, "cpuIdle": True, "startupCpuBoost": True}
    assert revision(api)["scaling"] == {"minInstanceCount": 2, "maxInstanceCount": 10}
    assert revision(api)["executionEnvironment"] == "EXECUTION_ENVIRONMENT_GEN2"
    gateway = rec.one(SERVICE, "forge-gateway")
    assert revision(gateway)["scaling"] == {"minInstanceCount": 1, "maxInstanceCount": 3}
    worker = rec.one(POOL, "forge-worker")
    assert worker.inputs["scaling"] == {"scalingMode": "MANUAL", "manualInstanceCount": 2}
    assert container(worker)["resources"] == {"limits": {"cpu": "1", "memory": "512Mi"}}
    always = build(cpu_always_allocated=True).one(SERVICE, "forge-api")
    assert container(always)["resources"]["cpuIdle"] is False


@pytest.mark.parametrize(("cpu", "memory", "message"), [
    (250, 512, "Compute: service 'api': cpu 0.25 vCPU (250 millicores): Cloud Run runs less "
               "than 1 vCPU only with a concurrency of 1, request-based billing and the first "
               "generation execution environment (https://cloud.google.com/run/docs/"
               "configuring/services/cpu), none of which forge's services use; use 1, 2, 4, "
               "6, 8 vCPU"),
    (1000, 8192, "Compute: service 'api': cpu 1 vCPU (1000 millicores) with memory 8192 MiB: "
                 "Cloud Run gives 1 vCPU between 512 and 4096 MiB of memory"),
])
def test_a_size_cloud_run_cannot_run_is_refused_naming_the_rule(cpu, memory, message):
    services = [spec("api", port=8000, cpu_millicores=cpu, memory_mib=memory)]
    with pytest.raises(ValueError) as error:
        validate_compute_args("forge", ComputeArgs(region=REGION, services=services,
                                                   subnetwork_id="s"))
    assert str(error.value) == message


def test_direct_vpc_egress_with_the_firewall_rules_tags():
    rec = build()
    subnet = rec.one("gcp:compute/subnetwork:Subnetwork", "net-workloads").resource_id
    tags = {}
    for resource in [*rec.of_type(SERVICE), *rec.of_type(POOL), *rec.of_type(JOB)]:
        access = revision(resource)["vpcAccess"]
        assert access["egress"] == "ALL_TRAFFIC", resource.urn
        [interface] = access["networkInterfaces"]
        assert interface["subnetwork"] == subnet, resource.urn
        assert "connector" not in access, resource.urn
        tags[resource.name] = interface["tags"]
    client = ["forge-workload", "forge-data-client"]
    assert tags == {"forge-gateway": ["forge-workload"], "forge-ui": ["forge-workload"],
                    "forge-api": client, "forge-worker": client, "forge-api-migrate": client}
    # the tags are those the network's allow rules target
    rules = {r.name: r.inputs["targetTags"] for r in
             rec.of_type("gcp:compute/firewall:Firewall") if r.inputs.get("targetTags")}
    assert rules == {"net-allow-egress-https": ["forge-workload"],
                     "net-allow-egress-data": ["forge-data-client"]}


def test_the_migration_job_runs_the_api_image_before_the_api_is_updated():
    rec = build()
    job = rec.one(JOB, "forge-api-migrate")
    api = rec.one(SERVICE, "forge-api")
    image = f"europe-docker.pkg.dev/{PROJECT}/forge/api:1.0.0"
    assert container(job)["image"] == container(api)["image"] == image
    assert container(job)["commands"] == ["/app/bin/migrate"]
    assert container(job)["envs"] == container(api)["envs"]
    assert container(job)["resources"] == {"limits": {"cpu": "2", "memory": "4096Mi"}}
    assert job.inputs["runExecutionToken"] == execution_token(image)
    assert revision(job)["maxRetries"] == 1 and revision(job)["timeout"] == "600s"
    assert job.inputs["template"]["taskCount"] == 1
    assert job.urn in api.dependencies, api.urn
    assert rec.exports["migration_job_name"] == job.outputs["name"]
    moved = build([*platform()[:1], spec("api", port=8000, image_tag="1.0.1")])
    assert moved.one(JOB, "forge-api-migrate").inputs["runExecutionToken"] != (
        job.inputs["runExecutionToken"])


def test_no_job_without_a_migration_command():
    rec = build(migration_command=None)
    assert rec.of_type(JOB) == []
    assert rec.exports["migration_job_name"] == ""
    assert "api-migrate" not in rec.exports["service_account_emails"]


def test_labels_name_the_component_and_the_service():
    rec = build(labels={"team": "platform"})
    for resource in [*rec.of_type(SERVICE), *rec.of_type(POOL)]:
        service = resource.name.removeprefix("forge-")
        expected = {"team": "platform", "component": "forge-gcp-compute", "service": service}
        assert resource.inputs["labels"] == expected, resource.urn
        assert revision(resource)["labels"] == expected, resource.urn


def test_the_mocks_give_every_compute_resource_an_id_in_the_providers_format():
    rec = build()
    used = {r.type for r in rec.resources if r.custom and r.type.startswith("gcp:")}
    assert used - KNOWN_TYPES == set()
    api = rec.one(SERVICE, "forge-api")
    assert api.resource_id == (
        f"projects/{PROJECT}/locations/{REGION}/services/{api.outputs['name']}")
    account = rec.one(ACCOUNT, "forge-api-sa")
    assert account.resource_id == (
        f"projects/{PROJECT}/serviceAccounts/forge-api@{PROJECT}.iam.gserviceaccount.com")
    assert rec.exports["service_ids"]["worker"].startswith(
        f"projects/{PROJECT}/locations/{REGION}/workerPools/")


def _args(**overrides: Any) -> ComputeArgs:
    return ComputeArgs(**({"region": REGION, "services": platform(), "subnetwork_id": "s"}
                          | overrides))


@pytest.mark.parametrize(("overrides", "message"), [
    ({"services": []}, "Compute: services is empty"),
    ({"services": [spec("api", port=8000), spec("api", port=8000)]},
     "Compute: duplicate service names ['api']"),
    ({"services": [spec("worker", public_host="w.example.com")]},
     "Compute: service 'worker' has a public_host but no port"),
    ({"services": [spec("worker", replicas=0, min_replicas=0)]},
     "Compute: service 'worker' needs 1 <= min_replicas <= max_replicas and max_replicas >= "
     "1, got 0, 3"),
    ({"services": [spec("api", port=8000, min_replicas=4, max_replicas=3)]},
     "Compute: service 'api' needs 0 <= min_replicas <= max_replicas and max_replicas >= 1, "
     "got 4, 3"),
    ({"invokers": {"gateway": ["api"]}},
     "Compute: invokers names 'gateway', which has a public_host: a load-balanced service has "
     "no invoker check"),
    ({"invokers": {"worker": ["api"]}},
     "Compute: invokers names 'worker', which is not a served service; served: ['api', "
     "'gateway', 'ui']"),
    ({"invokers": {"api": ["cron"]}},
     "Compute: invokers of 'api' name unknown services ['cron']; services are ['gateway', "
     "'api', 'worker', 'ui']"),
    ({"telemetry_writers": ["cron"]},
     "Compute: telemetry_writers names unknown services ['cron']; services are ['gateway', "
     "'api', 'worker', 'ui']"),
    ({"workload_tag": "forge-data-client"},
     "Compute: workload_tag and data_client_tag must differ: only the data clients may reach "
     "the data services"),
    ({"secret_version": "newest"},
     "Compute: secret_version 'newest' must be 'latest' or a version number"),
    ({"migration_timeout_seconds": 0},
     "Compute: migration_timeout_seconds must be between 1 and 86400, got 0"),
])
def test_invalid_args_are_refused_with_the_field_and_what_is_allowed(overrides, message):
    with pytest.raises(ValueError) as error:
        validate_compute_args("forge", _args(**overrides))
    assert str(error.value) == message


def test_a_name_too_long_for_the_service_account_ids_is_refused():
    with pytest.raises(ValueError, match=r"must be 3 to 22 lower-case"):
        validate_compute_args("f" * 23, _args())
    validate_compute_args("f" * 22, _args())


def test_a_secret_read_by_two_variables_is_granted_once():
    services = [spec("api", port=8000, secrets={
        "DATABASE_PASSWORD": {"secret_id": DB}, "PGPASSWORD": {"secret_id": DB}})]
    rec = build(services, migration_command=None, database_clients=[])
    assert [(m.inputs["secretId"], m.inputs["member"]) for m in rec.of_type(SECRET_MEMBER)] == [
        (DB, sa("forge-api"))]
    assert rec.of_type(PROJECT_MEMBER) == []


def rollout(strategy: str) -> dict[str, Any]:
    return {"strategy": strategy, "steps": [5, 50, 100] if strategy == "canary" else [100],
            "bake_minutes": 10, "http_5xx_percent": 5.0, "evaluation_minutes": 3,
            "unhealthy_targets": 1}


@pytest.mark.parametrize("strategy", ["canary", "blue_green"])
def test_a_released_rollout_leaves_the_services_traffic_to_forge_infra_release(
        strategy: str) -> None:
    rec = build(rollout=rollout(strategy))
    services = rec.of_type(SERVICE)
    assert len(services) == 3
    for service in services:
        assert service.inputs["traffics"] == [
            {"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST", "percent": 100}], service.urn
        assert service.ignore_changes == ["traffics"], service.urn
    for other in [rec.one(POOL), rec.one(JOB)]:
        assert "traffics" not in other.inputs and other.ignore_changes == [], other.urn


def test_a_rolling_rollout_lets_pulumi_own_the_traffic() -> None:
    for service in build(rollout=rollout("rolling") | {"steps": []}).of_type(SERVICE):
        assert "traffics" not in service.inputs and service.ignore_changes == [], service.urn


def test_an_unknown_rollout_strategy_is_refused() -> None:
    with pytest.raises(ValueError) as error:
        validate_compute_args("forge", ComputeArgs(
            region=REGION, services=platform(), subnetwork_id="s",
            rollout=rollout("linear")))  # type: ignore[typeddict-item]
    assert str(error.value) == ("Compute: rollout.strategy 'linear'; allowed: rolling, canary, "
                                "blue_green")
