"""The GCP stacks' wiring under the offline mocks: each config value reaches the resource it
configures, and the security-relevant inputs are exactly what they should be (private IP only,
HA in prod, backups with PITR, TLS, public access prevention, the IAM grants, no keys, ingress
per service, secrets by reference).

What these tests do not prove: that Google accepts the requests (a tier in the region, quotas,
the worker pool's availability), only what the program asks for.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

import pytest
import yaml

from forge_infra.config import config_from_mapping, load_stack_file
from forge_infra.model.config import StackConfig
from forge_infra.plan.mocks.gcp import KNOWN_TYPES
from forge_infra.plan.recorder import SECRET_MASK, RecordedResource, Recording
from forge_infra.program import build
from tests.conftest import ROOT
from tests.helpers import run_mocked

GCP_STACKS = ("gcp-dev", "gcp-prod")
PROJECT = "forge-offline-plan"
"""The project the offline mocks deploy to (forge_infra.plan.mocks.gcp.DEFAULT_PROJECT)."""
SERVICE = "gcp:cloudrunv2/service:Service"
TRANSFER_AGENT = ("serviceAccount:project-123456789012@storage-transfer-service.iam."
                  "gserviceaccount.com")
POOL = "gcp:cloudrunv2/workerPool:WorkerPool"
JOB = "gcp:cloudrunv2/job:Job"
SQL = "gcp:sql/databaseInstance:DatabaseInstance"
REDIS = "gcp:redis/instance:Instance"
BUCKET = "gcp:storage/bucket:Bucket"
IAM_TYPES = ("gcp:secretmanager/secretIamMember:SecretIamMember",
             "gcp:projects/iAMMember:IAMMember",
             "gcp:storage/bucketIAMMember:BucketIAMMember",
             "gcp:cloudrunv2/serviceIamMember:ServiceIamMember")


@cache
def config_of(stack: str) -> StackConfig:
    return load_stack_file(stack, ROOT)


@cache
def planned(stack: str) -> Recording:
    config = config_of(stack)
    return run_mocked(lambda: build(config), stack=stack, region=config.region)


def sa(stack: str, account: str) -> str:
    return f"serviceAccount:forge-{stack}-{account}@{PROJECT}.iam.gserviceaccount.com"


def secret(stack: str, secret_id: str) -> str:
    return f"projects/{PROJECT}/secrets/forge-{stack}-{secret_id}"


def container(resource: RecordedResource) -> dict[str, Any]:
    template = resource.inputs["template"]
    if resource.type == JOB:
        template = template["template"]
    containers: list[dict[str, Any]] = template["containers"]
    assert len(containers) == 1, resource.urn
    return containers[0]


def envs(resource: RecordedResource) -> dict[str, Any]:
    return {env["name"]: env.get("value", env.get("valueSource"))
            for env in container(resource)["envs"]}


@pytest.mark.parametrize("stack", GCP_STACKS)
def test_the_region_reaches_every_regional_resource(stack: str) -> None:
    rec = planned(stack)
    region = config_of(stack).region
    regional = [*rec.of_type("gcp:compute/subnetwork:Subnetwork"), *rec.of_type(SQL),
                *rec.of_type(REDIS), *rec.of_type("gcp:compute/router:Router")]
    for resource in regional:
        assert resource.inputs["region"] == region, resource.urn
    for resource in [*rec.of_type(SERVICE), *rec.of_type(POOL), *rec.of_type(JOB)]:
        assert resource.inputs["location"] == region, resource.urn
    dr = config_of(stack).dr
    for bucket in rec.of_type(BUCKET):
        # forge-infra:dr's copies live in the recovery region (tests/clouds/test_gcp_dr.py).
        expected = dr.region if "dr-copy-of" in bucket.inputs["labels"] else region
        assert bucket.inputs["location"] == expected, bucket.urn


@pytest.mark.parametrize("stack", GCP_STACKS)
def test_cloud_sql_is_private_tls_only_backed_up_with_pitr(stack: str) -> None:
    rec = planned(stack)
    db = config_of(stack).target.database  # type: ignore[attr-defined]
    instance = rec.one(SQL)
    settings = instance.inputs["settings"]
    ip = settings["ipConfiguration"]
    assert ip["ipv4Enabled"] is False and ip["sslMode"] == "ENCRYPTED_ONLY", instance.urn
    assert "authorizedNetworks" not in ip, instance.urn
    assert instance.outputs["privateIpAddress"].startswith("10."), instance.urn
    assert settings["tier"] == db.tier and settings["edition"] == db.edition, instance.urn
    assert instance.inputs["databaseVersion"] == f"POSTGRES_{db.version}", instance.urn
    backups = settings["backupConfiguration"]
    assert backups["enabled"] is True and backups["pointInTimeRecoveryEnabled"] is True
    assert backups["backupRetentionSettings"] == {
        "retainedBackups": db.backup_retention_days, "retentionUnit": "COUNT"}, instance.urn
    assert backups["transactionLogRetentionDays"] == db.point_in_time_recovery_days


def test_prod_sql_is_regional_and_protected_dev_is_zonal() -> None:
    prod, dev = planned("gcp-prod").one(SQL), planned("gcp-dev").one(SQL)
    assert prod.inputs["settings"]["availabilityType"] == "REGIONAL", prod.urn
    assert prod.inputs["deletionProtection"] is True, prod.urn
    assert prod.inputs["settings"]["deletionProtectionEnabled"] is True, prod.urn
    assert prod.protect is True, prod.urn
    assert prod.inputs["settings"]["backupConfiguration"]["backupRetentionSettings"][
        "retainedBackups"] == 14
    assert dev.inputs["settings"]["availabilityType"] == "ZONAL", dev.urn
    assert dev.protect is False and dev.inputs["deletionProtection"] is False, dev.urn


@pytest.mark.parametrize(("stack", "tier"), [("gcp-prod", "STANDARD_HA"), ("gcp-dev", "BASIC")])
def test_memorystore_is_private_with_tls_and_auth_ha_in_prod(stack: str, tier: str) -> None:
    redis = planned(stack).one(REDIS)
    assert redis.inputs["tier"] == tier, redis.urn
    assert redis.inputs["authEnabled"] is True, redis.urn
    assert redis.inputs["transitEncryptionMode"] == "SERVER_AUTHENTICATION", redis.urn
    assert redis.inputs["connectMode"] == "PRIVATE_SERVICE_ACCESS", redis.urn
    assert redis.inputs["memorySizeGb"] == config_of(stack).target.cache.memory_size_gb  # type: ignore[attr-defined]


@pytest.mark.parametrize(("stack", "versioned"), [("gcp-prod", True), ("gcp-dev", False)])
def test_buckets_are_uniform_and_never_public(stack: str, versioned: bool) -> None:
    buckets = [b for b in planned(stack).of_type(BUCKET) if "-storage-" in b.name]
    assert len(buckets) == 3
    for bucket in buckets:
        assert bucket.inputs["publicAccessPrevention"] == "enforced", bucket.urn
        assert bucket.inputs["uniformBucketLevelAccess"] is True, bucket.urn
        assert bucket.inputs["versioning"] == {"enabled": versioned}, bucket.urn
        assert bucket.protect is versioned, bucket.urn


@pytest.mark.parametrize("stack", GCP_STACKS)
def test_ingress_per_service_and_the_worker_is_a_worker_pool(stack: str) -> None:
    rec = planned(stack)
    ingress = {r.name.removeprefix(f"forge-{stack}-"): r.inputs["ingress"]
               for r in rec.of_type(SERVICE)}
    assert ingress == {"gateway": "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER",
                       "api": "INGRESS_TRAFFIC_INTERNAL_ONLY",
                       "ui": "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"}
    invoker_off = {r.name.removeprefix(f"forge-{stack}-"): r.inputs["invokerIamDisabled"]
                   for r in rec.of_type(SERVICE)}
    assert invoker_off == {"gateway": True, "api": False, "ui": True}
    pool = rec.one(POOL)
    worker = config_of(stack).services.worker
    assert pool.inputs["scaling"] == {"scalingMode": "MANUAL",
                                      "manualInstanceCount": worker.replicas}, pool.urn
    assert "ingress" not in pool.inputs, pool.urn
    job = rec.one(JOB)
    assert container(job)["image"] == container(rec.one(SERVICE, f"forge-{stack}-api"))["image"]


@pytest.mark.parametrize("stack", GCP_STACKS)
def test_instances_and_sizes_come_from_the_services_config(stack: str) -> None:
    rec = planned(stack)
    config = config_of(stack)
    for name in ("gateway", "api", "ui"):
        svc = getattr(config.services, name)
        run = rec.one(SERVICE, f"forge-{stack}-{name}")
        low = svc.autoscaling.min if svc.autoscaling else svc.replicas
        high = svc.autoscaling.max if svc.autoscaling else svc.replicas
        assert run.inputs["template"]["scaling"] == {
            "minInstanceCount": low, "maxInstanceCount": high}, run.urn
        assert container(run)["resources"]["limits"] == {
            "cpu": str(svc.cpu_millicores // 1000), "memory": f"{svc.memory}Mi"}, run.urn
        probes = container(run)
        assert probes["startupProbe"]["httpGet"]["path"] == svc.health_path, run.urn
        assert probes["livenessProbe"]["httpGet"]["path"] == svc.health_path, run.urn


def test_secrets_reach_the_data_clients_by_reference_only() -> None:
    dev, prod = planned("gcp-dev"), planned("gcp-prod")
    for stack, rec, kafka in (("gcp-dev", dev, True), ("gcp-prod", prod, False)):
        expected = {
            "DATABASE_PASSWORD": secret(stack, "db-app-password"),
            "REDIS_AUTH_TOKEN": secret(stack, "cache-auth"),
            **({"KAFKA_PASSWORD": secret(stack, "stream-kafka-password")} if kafka else {}),
        }
        api = rec.one(SERVICE, f"forge-{stack}-api")
        by_reference = {name: value["secretKeyRef"] for name, value in envs(api).items()
                        if isinstance(value, dict)}
        assert by_reference == {name: {"secret": ref, "version": "latest"}
                                for name, ref in expected.items()}, api.urn
        worker = envs(rec.one(POOL))
        assert {n for n, v in worker.items() if isinstance(v, dict)} == (
            set(expected) - {"REDIS_AUTH_TOKEN"}), "the worker references no cache secret"
        for name in ("gateway", "ui"):
            service = envs(rec.one(SERVICE, f"forge-{stack}-{name}"))
            assert service == {"APP_ENV": config_of(stack).environment}, name
    prod_api = envs(prod.one(SERVICE, "forge-gcp-prod-api"))
    assert prod_api["KAFKA_SASL_MECHANISM"] == "OAUTHBEARER"
    assert prod_api["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert envs(dev.one(SERVICE, "forge-gcp-dev-api"))["KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"


def grants(rec: Recording) -> list[tuple[str, str, str, str]]:
    """(type, role, member, what) of every IAM member resource, sorted."""
    found = []
    for resource in rec.resources:
        if resource.type in IAM_TYPES:
            what = (resource.inputs.get("secretId") or resource.inputs.get("bucket")
                    or (resource.inputs.get("name") if resource.type == IAM_TYPES[3] else None)
                    or resource.inputs["project"])
            found.append((resource.type.split(":")[1], resource.inputs["role"],
                          resource.inputs["member"], str(what)))
    return sorted(found)


def _buckets(rec: Recording, component: str = "storage") -> dict[str, str]:
    """The bucket name of each purpose, of the Storage component's buckets (or, with
    component "dr", of forge-infra:dr's copies)."""
    return {b.name.rsplit("-", 1)[-1]: b.outputs["name"] for b in rec.of_type(BUCKET)
            if b.name.rsplit("-", 2)[-2] == component}


def test_prod_grants_exactly_these_roles_to_exactly_these_members() -> None:
    stack = "gcp-prod"
    rec = planned(stack)
    buckets = _buckets(rec)
    api, worker, gateway, job = (sa(stack, n) for n in ("api", "worker", "gateway", "migrate"))
    accessor, sql = "roles/secretmanager.secretAccessor", "roles/cloudsql.client"
    api_service = rec.one(SERVICE, f"forge-{stack}-api").outputs["name"]
    assert grants(rec) == sorted([
        ("cloudrunv2/serviceIamMember", "roles/run.invoker", gateway, api_service),
        ("projects/iAMMember", sql, api, PROJECT),
        ("projects/iAMMember", sql, worker, PROJECT),
        ("projects/iAMMember", sql, job, PROJECT),
        ("projects/iAMMember", "roles/managedkafka.client", api, PROJECT),
        ("projects/iAMMember", "roles/managedkafka.client", worker, PROJECT),
        ("secretmanager/secretIamMember", accessor, api, secret(stack, "db-app-password")),
        ("secretmanager/secretIamMember", accessor, api, secret(stack, "cache-auth")),
        ("secretmanager/secretIamMember", accessor, job, secret(stack, "db-app-password")),
        ("secretmanager/secretIamMember", accessor, job, secret(stack, "cache-auth")),
        ("secretmanager/secretIamMember", accessor, worker, secret(stack, "db-app-password")),
        ("storage/bucketIAMMember", "roles/storage.objectCreator", api, buckets["reports"]),
        ("storage/bucketIAMMember", "roles/storage.objectViewer", api, buckets["reports"]),
        ("storage/bucketIAMMember", "roles/storage.objectCreator", worker, buckets["reports"]),
        ("storage/bucketIAMMember", "roles/storage.objectViewer", worker, buckets["reports"]),
        ("storage/bucketIAMMember", "roles/storage.objectCreator", worker, buckets["exports"]),
        ("storage/bucketIAMMember", "roles/storage.objectViewer", worker, buckets["exports"]),
        # forge-infra:dr: the Storage Transfer Service agent reads each bucket, writes its copy.
        *[("storage/bucketIAMMember", role, TRANSFER_AGENT, buckets[purpose])
          for purpose in ("reports", "exports", "backups")
          for role in ("roles/storage.objectViewer", "roles/storage.legacyBucketReader")],
        *[("storage/bucketIAMMember", "roles/storage.legacyBucketWriter", TRANSFER_AGENT,
           copy_) for copy_ in _buckets(rec, "dr").values()],
    ])


def test_dev_grants_the_redpanda_password_and_the_brokers_their_secret_only() -> None:
    stack = "gcp-dev"
    rec = planned(stack)
    accessor = "roles/secretmanager.secretAccessor"
    secrets = [g for g in grants(rec) if g[0] == "secretmanager/secretIamMember"]
    assert secrets == sorted([
        ("secretmanager/secretIamMember", accessor,
         f"serviceAccount:forge-{stack}-stream-redpanda@{PROJECT}.iam.gserviceaccount.com",
         secret(stack, "stream-kafka-credentials")),
        *[("secretmanager/secretIamMember", accessor, sa(stack, account), secret(stack, s))
          for account in ("api", "migrate")
          for s in ("db-app-password", "stream-kafka-password", "cache-auth")],
        *[("secretmanager/secretIamMember", accessor, sa(stack, "worker"), secret(stack, s))
          for s in ("db-app-password", "stream-kafka-password")],
    ])
    assert not [g for g in grants(rec) if g[1] == "roles/managedkafka.client"]


@pytest.mark.parametrize("stack", GCP_STACKS)
def test_no_service_account_key_and_no_public_member_anywhere(stack: str) -> None:
    rec = planned(stack)
    assert [r.urn for r in rec.resources if r.type == "gcp:serviceaccount/key:Key"] == []
    for _type, _role, member, _what in grants(rec):
        assert member.startswith("serviceAccount:"), member
    accounts = sorted(r.inputs["accountId"] for r in rec.of_type(
        "gcp:serviceaccount/account:Account"))
    expected = [f"forge-{stack}-{n}" for n in ("api", "gateway", "migrate", "ui", "worker")]
    if stack == "gcp-dev":
        expected.append("forge-gcp-dev-stream-redpanda")
    assert accounts == sorted(expected)


def test_cloud_armor_guards_every_backend_in_prod_and_cdn_caches_the_ui() -> None:
    for stack, armored in (("gcp-prod", True), ("gcp-dev", False)):
        backends = {b.name.removeprefix(f"forge-{stack}-cdn-"): b
                    for b in planned(stack).of_type("gcp:compute/backendService:BackendService")}
        assert sorted(backends) == ["gateway-backend", "ui-backend"]
        policy = planned(stack).of_type("gcp:compute/securityPolicy:SecurityPolicy")
        assert len(policy) == (1 if armored else 0)
        for backend in backends.values():
            assert (backend.inputs.get("securityPolicy") == (
                policy[0].outputs["selfLink"] if armored else None)), backend.urn
        assert backends["ui-backend"].inputs["enableCdn"] is True
        assert backends["gateway-backend"].inputs["enableCdn"] is False


@pytest.mark.parametrize("stack", GCP_STACKS)
def test_the_budget_has_the_stacks_amount_thresholds_and_channels(stack: str) -> None:
    config = config_of(stack)
    budget = planned(stack).one("gcp:billing/budget:Budget")
    assert budget.inputs["billingAccount"] == config.target.billing.account_id  # type: ignore[attr-defined]
    assert budget.inputs["amount"]["specifiedAmount"]["units"] == str(
        int(config.budget.monthly_limit_usd))
    current = [r["thresholdPercent"] for r in budget.inputs["thresholdRules"]
               if r["spendBasis"] == "CURRENT_SPEND"]
    assert current == [p / 100 for p in config.budget.alert_thresholds_percent]
    channels = planned(stack).of_type("gcp:monitoring/notificationChannel:NotificationChannel")
    assert len(channels) == len(config.budget.alert_emails)
    assert budget.inputs["allUpdatesRule"]["monitoringNotificationChannels"] == [
        c.resource_id for c in channels]
    assert budget.inputs["budgetFilter"]["projects"] == ["projects/123456789012"]


def test_an_app_secret_is_a_regional_secret_referenced_and_granted_to_its_service_only() -> None:
    values = copy.deepcopy(yaml.safe_load((ROOT / "Pulumi.gcp-dev.yaml").read_text())["config"])
    values["forge-infra:secrets"] = {"jwt_key": {"secure": "v1:ciphertext"}}
    values["forge-infra:services"]["gateway"]["secrets"] = {"JWT_SIGNING_KEY": "app:jwt_key"}
    config = config_from_mapping(values, stack="gcp-dev", source="Pulumi.gcp-dev.yaml")
    rec = run_mocked(lambda: build(config), stack="gcp-dev", region=config.region)
    stored = rec.one("gcp:secretmanager/secret:Secret", "forge-gcp-dev-secrets-jwt_key")
    assert stored.inputs["secretId"] == "forge-gcp-dev-jwt-key", stored.urn
    assert stored.inputs["replication"] == {
        "userManaged": {"replicas": [{"location": config.region}]}}, stored.urn
    version = rec.one("gcp:secretmanager/secretVersion:SecretVersion",
                      "forge-gcp-dev-secrets-jwt_key")
    assert version.inputs["secretData"] == SECRET_MASK, version.urn
    gateway = envs(rec.one(SERVICE, "forge-gcp-dev-gateway"))
    assert gateway["JWT_SIGNING_KEY"] == {"secretKeyRef": {
        "secret": secret("gcp-dev", "jwt-key"), "version": "latest"}}
    readers = [g for g in grants(rec) if g[3] == secret("gcp-dev", "jwt-key")]
    assert readers == [("secretmanager/secretIamMember", "roles/secretmanager.secretAccessor",
                        sa("gcp-dev", "gateway"), secret("gcp-dev", "jwt-key"))]


def test_cmek_from_the_config_reaches_the_buckets_the_instance_and_the_cache() -> None:
    key = f"projects/{PROJECT}/locations/europe-west1/keyRings/forge/cryptoKeys/data"
    values = copy.deepcopy(yaml.safe_load((ROOT / "Pulumi.gcp-dev.yaml").read_text())["config"])
    for section in ("storage", "database", "cache"):
        values[f"forge-infra:{section}"]["kms_key_name"] = key
    config = config_from_mapping(values, stack="gcp-dev", source="Pulumi.gcp-dev.yaml")
    rec = run_mocked(lambda: build(config), stack="gcp-dev", region=config.region)
    for bucket in rec.of_type(BUCKET):
        assert bucket.inputs["encryption"] == {"defaultKmsKeyName": key}, bucket.urn
    assert rec.one(SQL).inputs["encryptionKeyName"] == key
    assert rec.one(REDIS).inputs["customerManagedKey"] == key
    assert "encryption" not in planned("gcp-dev").of_type(BUCKET)[0].inputs


@pytest.mark.parametrize("stack", GCP_STACKS)
def test_the_mocks_know_every_gcp_type_the_stacks_use(stack: str) -> None:
    used = {r.type for r in planned(stack).resources if r.custom and r.type.startswith("gcp:")}
    assert used - KNOWN_TYPES == set()


VARIANTS: dict[str, dict[str, Any]] = {
    "no broker": {"forge-infra:streaming": {"engine": "none"}},
    "managed kafka in dev": {"forge-infra:streaming": {"engine": "managed-kafka",
                                                       "vcpu_count": 3, "memory_gib": 24}},
    "three production redpanda brokers": {"forge-infra:streaming": {
        "engine": "redpanda", "brokers": 3, "machine_type": "e2-standard-4",
        "data_disk_type": "pd-ssd"}},
    "enterprise plus": {"forge-infra:database": {
        "edition": "ENTERPRISE_PLUS", "tier": "db-perf-optimized-N-2",
        "point_in_time_recovery_days": 35, "version": 18, "flags": {"max_connections": "200"}}},
    "no dns zone, an alias, bigger services": {
        "forge-infra:dns_zone": None,
        "forge-infra:cdn": {"aliases": ["www.dev.forge.example.com"], "ssl_profile": "RESTRICTED"},
        "forge-infra:services": {"api": {"cpu": 2, "memory": 8192},
                                 "gateway": {"cpu": 4, "memory": 2048}}},
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_what_the_configuration_accepts_the_components_build(variant: str) -> None:
    """A value the config lets through never fails inside a component (no traceback)."""
    values = copy.deepcopy(yaml.safe_load((ROOT / "Pulumi.gcp-dev.yaml").read_text())["config"])
    for key, change in VARIANTS[variant].items():
        # A streaming variant states its whole section (another engine takes other keys).
        if key != "forge-infra:streaming" and isinstance(change, dict):
            for name, value in change.items():
                if isinstance(value, dict) and isinstance(values[key].get(name), dict):
                    values[key][name] = {**values[key][name], **value}
                else:
                    values[key][name] = value
        elif change is None:
            values.pop(key, None)
        else:
            values[key] = change
    config = config_from_mapping(values, stack="gcp-dev", source="Pulumi.gcp-dev.yaml")
    rec = run_mocked(lambda: build(config), stack="gcp-dev", region=config.region)
    assert len(rec.of_type(SERVICE)) == 3 and len(rec.of_type(POOL)) == 1
    engine = config.target.streaming.engine.value  # type: ignore[attr-defined]
    brokers = rec.exports["kafka_bootstrap_brokers"]
    assert (brokers == "") is (engine == "none"), brokers
    records = rec.of_type("gcp:dns/recordSet:RecordSet")
    assert bool(records) is (config.target.dns_zone is not None)  # type: ignore[attr-defined]
