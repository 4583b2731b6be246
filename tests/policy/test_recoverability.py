"""Recoverability rules: each passes on the real stacks and fails on each broken case, with
the exact message, on both paths (offline engine and the policy pack)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from forge_infra.plan.model import Plan
from forge_infra.policy.registry import rule_by_id
from forge_infra.policy.rules import recoverability
from forge_infra.policy.rules.recoverability import STATEFUL_TYPES
from tests.policy.harness import both, mutated, with_resource
from tests.policy.plans import PLATFORMS, STACKS, stack_plan
from tests.policy.rerender import platform_release_index, rerendered

RDS = "aws:rds/instance:Instance"
CACHE = "aws:elasticache/replicationGroup:ReplicationGroup"
MSK = "aws:msk/cluster:Cluster"
BUCKET = "aws:s3/bucket:Bucket"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
ECS_SERVICE = "aws:ecs/service:Service"
TARGET = "aws:appautoscaling/target:Target"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
RELEASE = "kubernetes:helm.sh/v3:Release"

PROD_TAGS = {"app": "forge", "environment": "prod", "managed-by": "forge-infra"}


@pytest.mark.parametrize("rule_id", [r.id for r in recoverability.RULES])
@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_real_stacks_pass(rule_id: str, stack: str, platform: str) -> None:
    assert both(rule_by_id(rule_id), stack_plan(stack, platform)) == []


def _unprotected(plan: Plan, resource_type: str, index: int = 0) -> tuple[Plan, str]:
    copied = copy.deepcopy(plan)
    target = [r for r in copied.resources if r.type == resource_type][index]
    target.opts.protect = False
    return copied, target.urn


def _without(plan: Plan, resource_type: str, index: int = 0) -> tuple[Plan, str]:
    """A copy of `plan` without the `index`-th resource of a type; returns its name."""
    copied = copy.deepcopy(plan)
    target = [r for r in copied.resources if r.type == resource_type][index]
    copied.resources.remove(target)
    return copied, target.name


def _urn(plan: Plan, resource_type: str, name: str) -> str:
    return next(r.urn for r in plan.resources if r.type == resource_type and r.name == name)


# -- protect ---------------------------------------------------------------------------------


@pytest.mark.parametrize("resource_type", [RDS, CACHE, MSK, BUCKET, "aws:kms/key:Key",
                                           "aws:secretsmanager/secret:Secret"])
def test_an_unprotected_stateful_resource_fails_in_prod(resource_type: str) -> None:
    plan, urn = _unprotected(stack_plan("prod", "ecs"), resource_type)
    assert both(rule_by_id("any-stateful-protect"), plan) == [
        (urn, f"protect is False: a stateful {resource_type} can be deleted by a destroy or a "
              "replacement")]


def test_a_broker_data_volume_is_stateful() -> None:
    plan, urn = with_resource(stack_plan("prod", "ecs"), "aws:ebs/volume:Volume", "data",
                              {"size": 100, "encrypted": True, "tags": PROD_TAGS})
    assert both(rule_by_id("any-stateful-protect"), plan) == [
        (urn, "protect is False: a stateful aws:ebs/volume:Volume can be deleted by a destroy "
              "or a replacement")]


def test_the_stateful_types_are_the_ones_that_hold_data() -> None:
    assert set(STATEFUL_TYPES) == {
        RDS, "aws:rds/cluster:Cluster", CACHE, MSK, BUCKET, "aws:s3/bucketV2:BucketV2",
        "aws:ebs/volume:Volume", "aws:kms/key:Key", "aws:secretsmanager/secret:Secret"}
    # dev protects nothing, and is not held to it.
    plan, _ = _unprotected(stack_plan("dev", "ecs"), RDS)
    assert both(rule_by_id("any-stateful-protect"), plan) == []


# -- RDS ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("change", "message"), [
    ({"deletionProtection": False},
     "deletionProtection is False: the database can be deleted by one API call"),
    ({"deletionProtection": None},
     "deletionProtection is None: the database can be deleted by one API call"),
])
def test_rds_deletion_protection(change: dict[str, Any], message: str) -> None:
    plan, urn = mutated(stack_plan("prod", "eks"), RDS, lambda p: p.update(change))
    assert both(rule_by_id("aws-rds-deletion-protection"), plan) == [(urn, message)]


def test_rds_deletion_protection_unknown_is_not_reported() -> None:
    plan, _ = mutated(stack_plan("prod", "ecs"), RDS,
                      lambda p: p.update(deletionProtection="[unknown]"))
    assert both(rule_by_id("aws-rds-deletion-protection"), plan) == []


@pytest.mark.parametrize(("change", "message"), [
    (lambda p: p.update(skipFinalSnapshot=True),
     "skipFinalSnapshot is true: deleting the database keeps no final snapshot"),
    (lambda p: p.pop("finalSnapshotIdentifier"),
     "finalSnapshotIdentifier is None: deleting the database fails or keeps no final snapshot"),
])
def test_rds_final_snapshot(change: Any, message: str) -> None:
    plan, urn = mutated(stack_plan("prod", "ecs"), RDS, change)
    assert both(rule_by_id("aws-rds-final-snapshot"), plan) == [(urn, message)]


def test_rds_backup_retention_covers_an_aurora_cluster() -> None:
    plan, urn = with_resource(stack_plan("prod", "ecs"), "aws:rds/cluster:Cluster", "aurora",
                              {"backupRetentionPeriod": 3, "deletionProtection": True,
                               "tags": PROD_TAGS})
    assert both(rule_by_id("aws-rds-backup-retention"), plan) == [
        (urn, "backupRetentionPeriod is 3: keep at least 7 days of automated backups")]
    assert both(rule_by_id("aws-rds-deletion-protection"), plan) == []


def test_rds_multi_az() -> None:
    plan, urn = mutated(stack_plan("prod", "ecs"), RDS, lambda p: p.update(multiAz=False))
    assert both(rule_by_id("aws-rds-multi-az"), plan) == [
        (urn, "multiAz is False: the database has no standby in another AZ")]


def test_rds_multi_az_leaves_read_replicas_to_their_own_choice() -> None:
    plan, _ = with_resource(stack_plan("prod", "ecs"), RDS, "replica",
                            {"replicateSourceDb": "forge-prod-db", "multiAz": False,
                             "tags": PROD_TAGS})
    assert both(rule_by_id("aws-rds-multi-az"), plan) == []


# -- ElastiCache -------------------------------------------------------------------------------


def test_elasticache_backup_retention_in_prod_only() -> None:
    rule = rule_by_id("aws-elasticache-backup-retention")
    plan, urn = mutated(stack_plan("prod", "ecs"), CACHE,
                        lambda p: p.update(snapshotRetentionLimit=1))
    assert both(rule, plan) == [
        (urn, "snapshotRetentionLimit is 1: keep at least 7 days of automatic snapshots")]
    # dev keeps one day on purpose (Pulumi.dev.yaml), and passes.
    dev = stack_plan("dev", "ecs")
    assert [r.props["snapshotRetentionLimit"] for r in dev.resources if r.type == CACHE] == [1]
    assert both(rule, dev) == []


def test_elasticache_final_snapshot() -> None:
    plan, urn = mutated(stack_plan("prod", "eks"), CACHE,
                        lambda p: p.update(finalSnapshotIdentifier=""))
    assert both(rule_by_id("aws-elasticache-final-snapshot"), plan) == [
        (urn, "finalSnapshotIdentifier is '': deleting the replication group keeps no final "
              "snapshot")]


@pytest.mark.parametrize(("change", "messages"), [
    ({"automaticFailoverEnabled": False},
     ["automaticFailoverEnabled is False: a failed primary is not replaced by a replica"]),
    ({"multiAzEnabled": None},
     ["multiAzEnabled is None: a failed primary is not replaced by a replica"]),
    ({"numCacheClusters": 1},
     ["numCacheClusters is 1: at least 2 nodes (a primary and a replica) are needed to fail "
      "over"]),
])
def test_elasticache_multi_az(change: dict[str, Any], messages: list[str]) -> None:
    plan, urn = mutated(stack_plan("prod", "ecs"), CACHE, lambda p: p.update(change))
    assert both(rule_by_id("aws-elasticache-multi-az"), plan) == [(urn, m) for m in messages]


def test_elasticache_multi_az_counts_a_cluster_mode_shard() -> None:
    def cluster_mode(props: dict[str, Any], replicas: int) -> None:
        props.pop("numCacheClusters")
        props.update(numNodeGroups=2, replicasPerNodeGroup=replicas)

    rule = rule_by_id("aws-elasticache-multi-az")
    plan, _ = mutated(stack_plan("prod", "ecs"), CACHE, lambda p: cluster_mode(p, 1))
    assert both(rule, plan) == []
    plan, urn = mutated(stack_plan("prod", "ecs"), CACHE, lambda p: cluster_mode(p, 0))
    assert both(rule, plan) == [
        (urn, "numCacheClusters is 1: at least 2 nodes (a primary and a replica) are needed "
              "to fail over")]


# -- MSK ---------------------------------------------------------------------------------------


def test_msk_brokers_are_a_multiple_of_the_azs() -> None:
    plan, urn = mutated(stack_plan("prod", "ecs"), MSK,
                        lambda p: p.update(numberOfBrokerNodes=4))
    assert both(rule_by_id("aws-msk-multi-az"), plan) == [
        (urn, "numberOfBrokerNodes is 4: not a multiple of the 3 client subnets (AZs)")]


def test_msk_brokers_span_two_azs() -> None:
    def one_subnet(props: dict[str, Any]) -> None:
        props["brokerNodeGroupInfo"]["clientSubnets"] = props["brokerNodeGroupInfo"][
            "clientSubnets"][:1]

    plan, urn = mutated(stack_plan("prod", "eks"), MSK, one_subnet)
    assert both(rule_by_id("aws-msk-multi-az"), plan) == [
        (urn, "the brokers are in 1 client subnet(s): at least 2 AZs keep the cluster up when "
              "one fails")]


# -- S3 ----------------------------------------------------------------------------------------


def test_s3_force_destroy_in_prod() -> None:
    rule = rule_by_id("aws-s3-no-force-destroy")
    plan, urn = mutated(stack_plan("prod", "ecs"), BUCKET, lambda p: p.update(forceDestroy=True))
    assert both(rule, plan) == [
        (urn, "forceDestroy is true: deleting the bucket deletes every object in it")]
    # dev's buckets are force-destroyed on purpose, and dev is not held to it.
    dev = stack_plan("dev", "ecs")
    assert {r.props["forceDestroy"] for r in dev.resources if r.type == BUCKET} == {True}
    assert both(rule, dev) == []


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_s3_versioning_suspended(stack: str) -> None:
    plan, _ = mutated(stack_plan(stack, "ecs"), VERSIONING,
                      lambda p: p["versioningConfiguration"].update(status="Suspended"))
    versioning = next(r for r in plan.resources if r.type == VERSIONING)
    bucket = versioning.name.removesuffix("-versioning")
    assert both(rule_by_id("aws-s3-bucket-versioning"), plan) == [
        (_urn(plan, BUCKET, bucket), "versioning status is 'Suspended': an overwritten or "
                                     "deleted object is lost")]


def test_s3_versioning_missing() -> None:
    plan, name = _without(stack_plan("staging", "eks"), VERSIONING)
    assert both(rule_by_id("aws-s3-bucket-versioning"), plan) == [
        (_urn(plan, BUCKET, name.removesuffix("-versioning")),
         "no BucketVersioning names the bucket: an overwritten or deleted object is lost")]


def test_s3_versioning_follows_the_dependency_when_the_bucket_name_is_unknown() -> None:
    plan, _ = mutated(stack_plan("prod", "ecs"), VERSIONING,
                      lambda p: p.update(bucket="[unknown]"))
    assert both(rule_by_id("aws-s3-bucket-versioning"), plan) == []


def test_s3_versioning_matches_a_named_bucket_by_name() -> None:
    rule = rule_by_id("aws-s3-bucket-versioning")
    plan, _ = with_resource(stack_plan("prod", "ecs"), BUCKET, "named",
                            {"bucket": "forge-named", "tags": PROD_TAGS})
    named, _ = with_resource(plan, VERSIONING, "named-versioning",
                             {"bucket": "forge-named",
                              "versioningConfiguration": {"status": "Enabled"}})
    assert both(rule, named) == []
    other, _ = with_resource(plan, VERSIONING, "other-versioning",
                             {"bucket": "forge-other",
                              "versioningConfiguration": {"status": "Enabled"}})
    assert both(rule, other) == [
        (_urn(other, BUCKET, "named"), "no BucketVersioning names the bucket: an overwritten "
                                       "or deleted object is lost")]


# -- replicas ----------------------------------------------------------------------------------


def test_an_ecs_service_with_one_task_fails_in_prod() -> None:
    rule = rule_by_id("any-service-min-replicas")
    plan, urn = mutated(stack_plan("prod", "ecs"), ECS_SERVICE,
                        lambda p: p.update(desiredCount=1))
    assert both(rule, plan) == [
        (urn, "desiredCount is 1: run at least 2 tasks so one failing task or AZ does not stop "
              "the service")]
    plan, urn = mutated(stack_plan("prod", "ecs"), ECS_SERVICE, lambda p: p.pop("desiredCount"))
    assert both(rule, plan) == [
        (urn, "desiredCount is 0: run at least 2 tasks so one failing task or AZ does not stop "
              "the service")]


def test_an_ecs_scaling_target_below_two_fails_in_prod() -> None:
    plan, urn = mutated(stack_plan("prod", "ecs"), TARGET, lambda p: p.update(minCapacity=1))
    assert both(rule_by_id("any-service-min-replicas"), plan) == [
        (urn, "minCapacity is 1: the service may scale in below 2 tasks")]


def test_one_replica_in_dev_is_not_reported() -> None:
    dev = stack_plan("dev", "ecs")
    assert {r.props["desiredCount"] for r in dev.resources if r.type == ECS_SERVICE} == {1}
    assert both(rule_by_id("any-service-min-replicas"), dev) == []


def _deployment(name: str, replicas: int | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"template": {"spec": {"containers": []}}}
    if replicas is not None:
        spec["replicas"] = replicas
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": "forge"}, "spec": spec}


def _hpa(name: str, target: str, min_replicas: int | None) -> dict[str, Any]:
    spec: dict[str, Any] = {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                               "name": target}, "maxReplicas": 5}
    if min_replicas is not None:
        spec["minReplicas"] = min_replicas
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": name, "namespace": "forge"}, "spec": spec}


@pytest.mark.parametrize(("replicas", "message"), [
    (None, "spec.replicas is None: run at least 2 pods (none set means 1)"),
    (1, "spec.replicas is 1: run at least 2 pods (none set means 1)"),
])
def test_a_kubernetes_deployment_below_two_replicas_fails_in_prod(
        replicas: int | None, message: str) -> None:
    plan, urn = with_resource(stack_plan("prod", "eks"), DEPLOYMENT, "debug",
                              _deployment("debug", replicas))
    assert both(rule_by_id("any-service-min-replicas"), plan) == [(urn, message)]


def test_a_deployment_scaled_by_an_autoscaler_is_held_to_its_min_replicas() -> None:
    rule = rule_by_id("any-service-min-replicas")
    base, _ = with_resource(stack_plan("prod", "eks"), DEPLOYMENT, "debug",
                            _deployment("debug"))
    plan, _ = with_resource(base, HPA, "debug-hpa", _hpa("debug", "debug", 3))
    assert both(rule, plan) == []
    plan, urn = with_resource(base, HPA, "debug-hpa", _hpa("debug", "debug", None))
    assert both(rule, plan) == [
        (urn, "spec.minReplicas is None: the autoscaler may scale in below 2 pods (none set "
              "means 1)")]


def test_the_charts_autoscaler_and_deployment_are_checked_as_rendered() -> None:
    rule = rule_by_id("any-service-min-replicas")
    base = stack_plan("prod", "eks")

    def ui(props: dict[str, Any], **values: Any) -> None:
        props["values"]["ui"].update(values)

    plan, urn = mutated(base, RELEASE, lambda p: ui(p, autoscaling={
        "enabled": True, "minReplicas": 1, "maxReplicas": 10,
        "targetCPUUtilizationPercentage": 70}), index=platform_release_index(base))
    assert both(rule, rerendered(plan, urn)) == [
        (urn, "HorizontalPodAutoscaler forge/forge-platform-ui: spec.minReplicas is 1: the "
              "autoscaler may scale in below 2 pods (none set means 1)")]
    plan, urn = mutated(base, RELEASE, lambda p: ui(p, replicaCount=1, autoscaling={
        "enabled": False, "minReplicas": 2, "maxReplicas": 10,
        "targetCPUUtilizationPercentage": 70}), index=platform_release_index(base))
    assert both(rule, rerendered(plan, urn)) == [
        (urn, "Deployment forge/forge-platform-ui: spec.replicas is 1: run at least 2 pods "
              "(none set means 1)")]


def test_the_charts_services_in_prod_are_scaled_from_two() -> None:
    from forge_infra.policy.engine import plan_stack_view

    view = plan_stack_view(stack_plan("prod", "eks"))
    hpas = {o.object_name: o.props["spec"]["minReplicas"] for o in view.of_type(HPA)}
    assert hpas == {"forge-platform-api": 2, "forge-platform-gateway": 2,
                    "forge-platform-ui": 2, "forge-platform-worker": 2}


# -- ECS circuit breaker -----------------------------------------------------------------------


@pytest.mark.parametrize(("breaker", "messages"), [
    ({"enable": True, "rollback": False},
     ["deploymentCircuitBreaker.rollback is False: a deployment that cannot start healthy "
      "tasks is not stopped and rolled back"]),
    (None,
     ["deploymentCircuitBreaker.enable is None: a deployment that cannot start healthy tasks "
      "is not stopped and rolled back",
      "deploymentCircuitBreaker.rollback is None: a deployment that cannot start healthy "
      "tasks is not stopped and rolled back"]),
])
def test_ecs_circuit_breaker(breaker: dict[str, bool] | None, messages: list[str]) -> None:
    plan, urn = mutated(stack_plan("dev", "ecs"), ECS_SERVICE,
                        lambda p: p.update(deploymentCircuitBreaker=breaker))
    assert both(rule_by_id("aws-ecs-circuit-breaker"), plan) == sorted(
        (urn, m) for m in messages)


def test_ecs_circuit_breaker_does_not_apply_to_code_deploy() -> None:
    plan, _ = mutated(stack_plan("prod", "ecs"), ECS_SERVICE, lambda p: p.update(
        deploymentCircuitBreaker=None, deploymentController={"type": "CODE_DEPLOY"}))
    assert both(rule_by_id("aws-ecs-circuit-breaker"), plan) == []
