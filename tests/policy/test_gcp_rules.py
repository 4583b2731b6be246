"""The GCP rules and the GCP mappings of the neutral `any-*` rules: each passes on plans of
every GCP component wired as a stack wires them (tests/policy/plans.py `gcp_plan`) and fails
on each broken case, with the exact message, on both paths (offline engine and the policy
pack), as the AWS rule tests do.

What these tests do not prove: that Google refuses what the rules refuse; only that the
rules read the properties pulumi-gcp 10.2 and the components set.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from forge_infra.plan.model import Plan
from forge_infra.policy.registry import RULES, rule_by_id
from forge_infra.policy.rules.recoverability import GCP_STATEFUL_TYPES
from tests.policy.harness import both, mutated, with_resource
from tests.policy.plans import gcp_plan

SQL = "gcp:sql/databaseInstance:DatabaseInstance"
REDIS = "gcp:redis/instance:Instance"
BUCKET = "gcp:storage/bucket:Bucket"
BACKEND = "gcp:compute/backendService:BackendService"
SERVICE = "gcp:cloudrunv2/service:Service"
POOL = "gcp:cloudrunv2/workerPool:WorkerPool"
JOB = "gcp:cloudrunv2/job:Job"
INSTANCE = "gcp:compute/instance:Instance"
SUBNET = "gcp:compute/subnetwork:Subnetwork"
SSL_POLICY = "gcp:compute/sSLPolicy:SSLPolicy"
HTTPS_PROXY = "gcp:compute/targetHttpsProxy:TargetHttpsProxy"
SECRET = "gcp:secretmanager/secret:Secret"
PROJECT_MEMBER = "gcp:projects/iAMMember:IAMMember"
SECRET_MEMBER = "gcp:secretmanager/secretIamMember:SecretIamMember"
PROJECT_POLICY = "gcp:projects/iAMPolicy:IAMPolicy"
BUCKET_BINDING = "gcp:storage/bucketIAMBinding:BucketIAMBinding"
SA_KEY = "gcp:serviceaccount/key:Key"
DISK = "gcp:compute/disk:Disk"

GCP_RULE_IDS = sorted(r.id for r in RULES if r.id.startswith("gcp-"))
#: The neutral rules mapped to GCP types.
NEUTRAL_ON_GCP = ("any-stateful-protect", "any-service-min-replicas", "any-image-pinned-tag",
                  "any-image-pinned-digest")
#: The ids the gcp-target branch's config cites in its prod refusals.
REQUIRED_IDS = ("gcp-sql-regional", "gcp-sql-backups-pitr", "gcp-sql-deletion-protection",
                "gcp-memorystore-ha", "gcp-cloud-armor-attached", "gcp-gcs-versioning")


def prod() -> Plan:
    """The prod plan with Managed Kafka, every secret protected (see `test_the_components_
    leave_three_secrets_unprotected_in_prod`)."""
    plan = copy.deepcopy(gcp_plan("prod", "managed"))
    for resource in plan.resources:
        if resource.type == SECRET:
            resource.opts.protect = True
    return plan


def redpanda() -> Plan:
    """The prod plan with Redpanda on Compute Engine, every secret protected."""
    plan = copy.deepcopy(gcp_plan("prod", "redpanda"))
    for resource in plan.resources:
        if resource.type == SECRET:
            resource.opts.protect = True
    return plan


def named(plan: Plan, resource_type: str, name: str) -> int:
    """The index among its type of the resource called `name`."""
    return [r.name for r in plan.resources if r.type == resource_type].index(name)


def test_the_required_ids_exist_and_every_rule_maps_gcp_types() -> None:
    assert set(REQUIRED_IDS) <= set(GCP_RULE_IDS)
    for rule_id in GCP_RULE_IDS:
        assert rule_by_id(rule_id).clouds == ("gcp",), rule_id
    for rule_id in NEUTRAL_ON_GCP:
        assert "gcp" in rule_by_id(rule_id).clouds, rule_id


@pytest.mark.parametrize("rule_id", [*GCP_RULE_IDS, *NEUTRAL_ON_GCP[:-1]])
@pytest.mark.parametrize("build", [prod, redpanda], ids=["managed-kafka", "redpanda"])
def test_the_gcp_component_plans_pass(rule_id: str, build: Any) -> None:
    assert both(rule_by_id(rule_id), build()) == []


@pytest.mark.parametrize("rule_id", [*GCP_RULE_IDS, *NEUTRAL_ON_GCP])
def test_the_dev_plans_pass(rule_id: str) -> None:
    """With the pack configured for dev, as a dev stack's is (a backend service takes no
    labels, so only the pack's `environment` tells its environment)."""
    for streaming in ("managed", "redpanda"):
        assert both(rule_by_id(rule_id), gcp_plan("dev", streaming), environment="dev") == []


def test_a_cloud_sql_instance_is_held_to_the_environment_of_its_user_labels() -> None:
    """Cloud SQL labels live in settings.userLabels: the pack reads them there, so a dev
    instance is not held to prod's rules even without the pack's `environment`."""
    assert both(rule_by_id("gcp-sql-regional"), gcp_plan("dev", "redpanda")) == []


def test_images_are_tag_pinned_and_the_digest_rule_advises() -> None:
    found = both(rule_by_id("any-image-pinned-digest"), prod())
    assert sorted(str(urn).rsplit("::", 1)[-1] for urn, _ in found) == [
        "forge-api", "forge-api-migrate", "forge-gateway", "forge-ui", "forge-worker"]


def test_prod_protects_every_stateful_resource_including_the_secrets() -> None:
    """Database's and Cache's `protect` reaches their Secret Manager secrets (the only copy of
    a generated password), as Streaming's does."""
    assert both(rule_by_id("any-stateful-protect"), gcp_plan("prod", "managed")) == []


# -- recoverability --------------------------------------------------------------------------


def test_sql_regional() -> None:
    plan, urn = mutated(prod(), SQL, lambda p: p["settings"].update(availabilityType="ZONAL"))
    assert both(rule_by_id("gcp-sql-regional"), plan) == [
        (urn, "settings.availabilityType is 'ZONAL': the instance has no standby in another "
              "zone to fail over to")]
    plan, urn = mutated(prod(), SQL, lambda p: p["settings"].pop("availabilityType"))
    assert [m for _, m in both(rule_by_id("gcp-sql-regional"), plan)] == [
        "settings.availabilityType is 'ZONAL': the instance has no standby in another zone "
        "to fail over to"]
    dev, _ = mutated(gcp_plan("dev", "redpanda"), SQL,
                     lambda p: p["settings"].update(availabilityType="ZONAL"))
    assert both(rule_by_id("gcp-sql-regional"), dev, environment="dev") == []


@pytest.mark.parametrize(("key", "what"), [
    ("enabled", "no automated backups are taken"),
    ("pointInTimeRecoveryEnabled", "the database cannot be restored to a point in time")])
def test_sql_backups_and_pitr(key: str, what: str) -> None:
    plan, urn = mutated(gcp_plan("dev", "redpanda"), SQL,
                        lambda p: p["settings"]["backupConfiguration"].update({key: False}))
    assert both(rule_by_id("gcp-sql-backups-pitr"), plan) == [
        (urn, f"settings.backupConfiguration.{key} is False: {what}")]


def test_sql_backup_retention_in_prod() -> None:
    rule = rule_by_id("gcp-sql-backup-retention")

    def shorten(props: dict[str, Any]) -> None:
        backups = props["settings"]["backupConfiguration"]
        backups["backupRetentionSettings"]["retainedBackups"] = 3
        backups["transactionLogRetentionDays"] = 2

    plan, urn = mutated(prod(), SQL, shorten)
    assert both(rule, plan) == sorted([
        (urn, "settings.backupConfiguration.backupRetentionSettings.retainedBackups is 3: "
              "keep at least 7 daily backups"),
        (urn, "settings.backupConfiguration.transactionLogRetentionDays is 2: keep at least 7 "
              "days of point-in-time recovery")])
    dev, _ = mutated(gcp_plan("dev", "redpanda"), SQL, shorten)
    assert both(rule, dev, environment="dev") == []


def test_sql_deletion_protection_both_guards_and_pulumi_protect() -> None:
    def unguard(props: dict[str, Any]) -> None:
        props["deletionProtection"] = False
        props["settings"]["deletionProtectionEnabled"] = False

    plan, urn = mutated(prod(), SQL, unguard)
    next(r for r in plan.resources if r.urn == urn).opts.protect = False
    assert both(rule_by_id("gcp-sql-deletion-protection"), plan) == sorted([
        (urn, "deletionProtection is False: Pulumi may delete the instance"),
        (urn, "settings.deletionProtectionEnabled is False: the instance can be deleted by "
              "one API call"),
        (urn, f"protect is False: a stateful {SQL} can be deleted by a destroy or a "
              "replacement")])


def test_memorystore_ha() -> None:
    plan, urn = mutated(prod(), REDIS, lambda p: p.update(tier="BASIC", replicaCount=0))
    assert both(rule_by_id("gcp-memorystore-ha"), plan) == [
        (urn, "tier is 'BASIC': a BASIC instance has no replica, so a failed node loses the "
              "cache")]
    plan, urn = mutated(prod(), REDIS, lambda p: p.update(replicaCount=0))
    assert both(rule_by_id("gcp-memorystore-ha"), plan) == [
        (urn, "replicaCount is 0: no replica to fail over to")]


def test_gcs_versioning_and_force_destroy() -> None:
    plan, urn = mutated(prod(), BUCKET, lambda p: p.update(versioning={"enabled": False}))
    assert both(rule_by_id("gcp-gcs-versioning"), plan) == [
        (urn, "versioning.enabled is False: an overwritten or deleted object is lost once "
              "soft delete expires")]
    plan, urn = mutated(prod(), BUCKET, lambda p: p.pop("versioning"))
    assert both(rule_by_id("gcp-gcs-versioning"), plan) == [
        (urn, "versioning.enabled is None: an overwritten or deleted object is lost once "
              "soft delete expires")]
    plan, urn = mutated(prod(), BUCKET, lambda p: p.update(forceDestroy=True))
    assert both(rule_by_id("gcp-gcs-no-force-destroy"), plan) == [
        (urn, "forceDestroy is true: deleting the bucket deletes every object in it")]


@pytest.mark.parametrize("resource_type", [t for t in GCP_STATEFUL_TYPES
                                           if t != "gcp:kms/cryptoKey:CryptoKey"])
def test_an_unprotected_gcp_stateful_resource_fails_in_prod(resource_type: str) -> None:
    """Every GCP stateful type but a Cloud KMS key, which the components do not create."""
    plan = redpanda() if resource_type == DISK else prod()
    target = next(r for r in plan.resources if r.type == resource_type)
    target.opts.protect = False
    assert both(rule_by_id("any-stateful-protect"), plan) == [
        (target.urn, f"protect is False: a stateful {resource_type} can be deleted by a "
                     "destroy or a replacement")]


def test_cloud_run_min_instances_and_the_worker_pool_count_in_prod() -> None:
    rule = rule_by_id("any-service-min-replicas")
    index = named(prod(), SERVICE, "forge-api")
    plan, urn = mutated(prod(), SERVICE,
                        lambda p: p["template"]["scaling"].update(minInstanceCount=1),
                        index=index)
    assert both(rule, plan) == [
        (urn, "template.scaling.minInstanceCount is 1: keep at least 2 instances warm (none "
              "set means 0)")]
    plan, urn = mutated(prod(), SERVICE, lambda p: p["template"].pop("scaling"), index=index)
    assert both(rule, plan) == [
        (urn, "template.scaling.minInstanceCount is None: keep at least 2 instances warm "
              "(none set means 0)")]
    plan, urn = mutated(prod(), POOL, lambda p: p["scaling"].update(manualInstanceCount=1))
    assert both(rule, plan) == [
        (urn, "scaling.manualInstanceCount is 1: run at least 2 instances so one failing "
              "instance does not stop the worker")]
    dev, _ = mutated(gcp_plan("dev", "redpanda"), POOL,
                     lambda p: p["scaling"].update(manualInstanceCount=1))
    assert both(rule, dev, environment="dev") == []


# -- exposure --------------------------------------------------------------------------------


def test_cloud_armor_attached_to_every_external_backend_in_prod() -> None:
    rule = rule_by_id("gcp-cloud-armor-attached")
    plan, urn = mutated(prod(), BACKEND, lambda p: p.pop("securityPolicy"))
    assert both(rule, plan) == [
        (urn, "securityPolicy is None: the EXTERNAL_MANAGED backend service takes internet "
              "traffic with no Cloud Armor policy in front of it")]
    internal, _ = mutated(plan, BACKEND,
                          lambda p: p.update(loadBalancingScheme="INTERNAL_MANAGED"))
    assert both(rule, internal) == []
    # dev runs without Cloud Armor: the rule is prod's
    assert not any("securityPolicy" in r.props for r in gcp_plan("dev", "redpanda").resources
                   if r.type == BACKEND)


def test_sql_private_ip_only() -> None:
    rule = rule_by_id("gcp-sql-private-ip-only")
    plan, urn = mutated(prod(), SQL,
                        lambda p: p["settings"]["ipConfiguration"].update(ipv4Enabled=True))
    assert both(rule, plan) == [
        (urn, "settings.ipConfiguration.ipv4Enabled is True: the instance may get a public "
              "IPv4 address (set it false)")]
    plan, urn = mutated(prod(), SQL, lambda p: p["settings"]["ipConfiguration"].pop(
        "ipv4Enabled"))
    assert [m for _, m in both(rule, plan)] == [
        "settings.ipConfiguration.ipv4Enabled is None: the instance may get a public IPv4 "
        "address (set it false)"]


def test_cloud_run_ingress_never_all() -> None:
    rule = rule_by_id("gcp-cloudrun-ingress-restricted")
    plan, urn = mutated(prod(), SERVICE, lambda p: p.update(ingress="INGRESS_TRAFFIC_ALL"))
    assert both(rule, plan) == [
        (urn, "ingress is 'INGRESS_TRAFFIC_ALL': the service's own URL takes requests from "
              "anywhere, around the load balancer and Cloud Armor (none set counts as all)")]
    plan, urn = mutated(prod(), SERVICE, lambda p: p.pop("ingress"))
    assert both(rule, plan) == [
        (urn, "ingress is None: the service's own URL takes requests from anywhere, around "
              "the load balancer and Cloud Armor (none set counts as all)")]


def test_gcs_public_access_prevention_and_uniform_access() -> None:
    plan, urn = mutated(prod(), BUCKET, lambda p: p.update(publicAccessPrevention="inherited"))
    assert both(rule_by_id("gcp-gcs-public-access-prevention"), plan) == [
        (urn, "publicAccessPrevention is 'inherited': an IAM grant to allUsers could make the "
              "bucket public")]
    plan, urn = mutated(prod(), BUCKET, lambda p: p.update(uniformBucketLevelAccess=False))
    assert both(rule_by_id("gcp-gcs-uniform-access"), plan) == [
        (urn, "uniformBucketLevelAccess is False: object ACLs can grant access that the "
              "bucket's IAM policy does not show")]


def test_memorystore_auth() -> None:
    plan, urn = mutated(prod(), REDIS, lambda p: p.update(authEnabled=False))
    assert both(rule_by_id("gcp-memorystore-auth"), plan) == [
        (urn, "authEnabled is False: any client on the network can read and write the cache "
              "without a password")]


def test_redpanda_brokers_have_no_public_ip_and_are_shielded() -> None:
    plan, urn = mutated(redpanda(), INSTANCE, lambda p: p["networkInterfaces"][0].update(
        accessConfigs=[{"networkTier": "PREMIUM"}]))
    assert both(rule_by_id("gcp-compute-no-public-ip"), plan) == [
        (urn, "networkInterfaces[0].accessConfigs is set: the instance has an external IP "
              "address")]
    plan, urn = mutated(redpanda(), INSTANCE, lambda p: p.update(
        shieldedInstanceConfig={"enableVtpm": False}))
    assert both(rule_by_id("gcp-compute-shielded-vm"), plan) == sorted([
        (urn, "shieldedInstanceConfig.enableSecureBoot is None: the boot chain is not "
              "verified or not measured"),
        (urn, "shieldedInstanceConfig.enableVtpm is False: the boot chain is not verified or "
              "not measured")])


def test_no_service_account_key() -> None:
    plan, urn = with_resource(prod(), SA_KEY, "forge-api-key",
                              {"serviceAccountId": "forge-api@forge-offline-plan.iam."
                                                   "gserviceaccount.com"})
    assert both(rule_by_id("gcp-iam-no-service-account-keys"), plan) == [
        (urn, "a service account key is a long-lived credential that leaves Google Cloud; use "
              "the attached service account or workload identity federation")]


def test_no_primitive_role_in_members_bindings_or_policies() -> None:
    rule = rule_by_id("gcp-iam-no-primitive-roles")
    sa = "serviceAccount:forge-api@forge-offline-plan.iam.gserviceaccount.com"
    plan, urn = mutated(prod(), PROJECT_MEMBER, lambda p: p.update(role="roles/editor"))
    member = next(r for r in plan.resources if r.urn == urn).props["member"]
    assert both(rule, plan) == [
        (urn, f"{member} is granted the basic role roles/editor: it can change nearly "
              "everything in its scope; grant a predefined role instead")]
    plan, urn = with_resource(prod(), BUCKET_BINDING, "forge-reports-owners", {
        "bucket": "reports", "role": "roles/owner", "members": [sa]})
    assert both(rule, plan) == [
        (urn, f"{sa} is granted the basic role roles/owner: it can change nearly everything "
              "in its scope; grant a predefined role instead")]
    plan, urn = with_resource(prod(), PROJECT_POLICY, "forge-project-policy", {
        "project": "forge-offline-plan", "policyData": json.dumps({"bindings": [
            {"role": "roles/viewer", "members": [sa]},
            {"role": "roles/owner", "members": ["user:ops@example.com"]}]})})
    assert both(rule, plan) == [
        (urn, "user:ops@example.com is granted the basic role roles/owner: it can change "
              "nearly everything in its scope; grant a predefined role instead")]


def test_no_public_member() -> None:
    plan, urn = mutated(prod(), SECRET_MEMBER, lambda p: p.update(member="allUsers"))
    assert both(rule_by_id("gcp-iam-no-public-members"), plan) == [
        (urn, "roles/secretmanager.secretAccessor is granted to allUsers: anyone may use it")]


# -- encryption ------------------------------------------------------------------------------


def test_sql_ssl_enforced() -> None:
    rule = rule_by_id("gcp-sql-ssl-enforced")
    plan, urn = mutated(prod(), SQL, lambda p: p["settings"]["ipConfiguration"].update(
        sslMode="ALLOW_UNENCRYPTED_AND_ENCRYPTED"))
    assert both(rule, plan) == [
        (urn, "settings.ipConfiguration.sslMode is 'ALLOW_UNENCRYPTED_AND_ENCRYPTED': the "
              "instance may accept unencrypted connections (set ENCRYPTED_ONLY)")]
    plan, urn = mutated(prod(), SQL, lambda p: p["settings"]["ipConfiguration"].pop("sslMode"))
    assert both(rule, plan) == [
        (urn, "settings.ipConfiguration.sslMode is None: the instance may accept unencrypted "
              "connections (set ENCRYPTED_ONLY)")]


def test_memorystore_transit_encryption() -> None:
    plan, urn = mutated(prod(), REDIS, lambda p: p.pop("transitEncryptionMode"))
    assert both(rule_by_id("gcp-memorystore-transit-encryption"), plan) == [
        (urn, "transitEncryptionMode is None: clients talk to the cache in plaintext (none "
              "set means DISABLED)")]


def test_https_proxy_has_a_tls_1_2_policy() -> None:
    rule = rule_by_id("gcp-lb-tls-policy")
    plan, urn = mutated(prod(), SSL_POLICY, lambda p: p.update(minTlsVersion="TLS_1_1"))
    assert both(rule, plan) == [
        (urn, "minTlsVersion is 'TLS_1_1': clients may connect with TLS older than 1.2 (none "
              "set means TLS_1_0)")]
    plan, urn = mutated(prod(), SSL_POLICY, lambda p: p.pop("minTlsVersion"))
    assert both(rule, plan) == [
        (urn, "minTlsVersion is None: clients may connect with TLS older than 1.2 (none set "
              "means TLS_1_0)")]
    plan, urn = mutated(prod(), HTTPS_PROXY, lambda p: p.pop("sslPolicy"))
    assert both(rule, plan) == [
        (urn, "no sslPolicy: the proxy has no SSL policy, so nothing holds its clients to TLS "
              "1.2 or later")]


# -- operability -----------------------------------------------------------------------------


def test_subnets_have_flow_logs() -> None:
    rule = rule_by_id("gcp-subnet-flow-logs")
    plan, urn = mutated(prod(), SUBNET, lambda p: p.pop("logConfig"))
    assert both(rule, plan) == [
        (urn, "no logConfig: VPC flow logs are off, so the subnet's connections leave no "
              "record for an investigation")]
    proxy_only, _ = mutated(plan, SUBNET, lambda p: p.update(purpose="REGIONAL_MANAGED_PROXY"))
    assert both(rule, proxy_only) == []


def test_standard_labels_on_resources_and_the_sql_user_labels() -> None:
    rule = rule_by_id("gcp-resource-standard-labels")
    plan, urn = mutated(prod(), BUCKET, lambda p: p["labels"].pop("app"))
    labels = ", ".join(sorted(next(r for r in plan.resources if r.urn == urn).props["labels"]))
    assert both(rule, plan) == [(urn, f"missing standard labels app (labels: {labels})")]
    plan, urn = mutated(prod(), SQL, lambda p: p["settings"].pop("userLabels"))
    assert both(rule, plan, environment="prod") == [
        (urn, "missing standard labels app, environment (labels: none)")]


# -- secrets and images ----------------------------------------------------------------------


@pytest.mark.parametrize(("resource_type", "path"), [
    (SERVICE, ("template",)), (POOL, ("template",)), (JOB, ("template", "template"))])
def test_no_plaintext_secret_in_cloud_run_env(resource_type: str, path: tuple[str, ...]) -> None:
    def leak(props: dict[str, Any]) -> None:
        container = props
        for step in path:
            container = container[step]
        container["containers"][0]["envs"].append({"name": "DATABASE_PASSWORD",
                                                   "value": "hunter2"})

    plan, urn = mutated(prod(), resource_type, leak)
    name = next(r for r in plan.resources if r.urn == urn)
    containers = name.props
    for step in path:
        containers = containers[step]
    container = containers["containers"][0]["name"]
    assert both(rule_by_id("gcp-cloudrun-no-plaintext-secrets"), plan) == [
        (urn, f"container {container}: env DATABASE_PASSWORD looks like a secret and holds a "
              "plaintext value (use valueSource.secretKeyRef)")]


@pytest.mark.parametrize(("resource_type", "path"), [
    (SERVICE, ("template",)), (POOL, ("template",)), (JOB, ("template", "template"))])
def test_cloud_run_images_pinned(resource_type: str, path: tuple[str, ...]) -> None:
    def retag(props: dict[str, Any]) -> None:
        container = props
        for step in path:
            container = container[step]
        image = container["containers"][0]["image"]
        container["containers"][0]["image"] = image.rsplit(":", 1)[0] + ":latest"

    plan, urn = mutated(prod(), resource_type, retag)
    resource = next(r for r in plan.resources if r.urn == urn)
    container = resource.props
    for step in path:
        container = container[step]
    first = container["containers"][0]
    assert both(rule_by_id("any-image-pinned-tag"), plan) == [
        (urn, f"container {first['name']}: image {first['image']} uses the tag latest, which "
              "moves with every push")]
    digest = first["image"].rsplit(":", 1)[0] + "@sha256:" + "a" * 64

    def pin(props: dict[str, Any]) -> None:
        inner = props
        for step in path:
            inner = inner[step]
        inner["containers"][0]["image"] = digest

    pinned, _ = mutated(prod(), resource_type, pin)
    found = both(rule_by_id("any-image-pinned-digest"), pinned)
    assert urn not in [u for u, _ in found]
