"""The encryption rules, over the real stacks' plans: each passes them as shipped, and each
failing case is one mutation (or one directly declared resource) with its exact message, found
the same way offline and through the policy pack's pulumi-policy validations (`both`).

What these tests do not prove: that AWS behaves as the rules' sources say (the defaults of
pulumi-aws, the protocols of each security policy); those facts sit beside the data in
`forge_infra.policy.rules.encryption` with their sources.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from forge_components.aws import cdn, compute_ecs, limits
from forge_infra.plan.model import Plan
from forge_infra.policy.registry import rule_by_id
from forge_infra.policy.rules import encryption
from forge_infra.policy.rules.encryption import RULES
from tests.conftest import ROOT
from tests.policy.harness import Violation, both, mutated, with_resource
from tests.policy.plans import stack_plan, stack_values

RDS = "aws:rds/instance:Instance"
RDS_CLUSTER = "aws:rds/cluster:Cluster"
GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
CACHE_CLUSTER = "aws:elasticache/cluster:Cluster"
MSK = "aws:msk/cluster:Cluster"
INSTANCE = "aws:ec2/instance:Instance"
VOLUME = "aws:ebs/volume:Volume"
TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
EKS = "aws:eks/cluster:Cluster"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
SECRET = "aws:secretsmanager/secret:Secret"
BUCKET = "aws:s3/bucket:Bucket"
SSE = ("aws:s3/bucketServerSideEncryptionConfiguration:"
       "BucketServerSideEncryptionConfiguration")
LISTENER = "aws:lb/listener:Listener"
LISTENER_RULE = "aws:lb/listenerRule:ListenerRule"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
RELEASE = "kubernetes:helm.sh/v3:Release"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"

SHIPPED = [("dev", "ecs"), ("dev", "eks"), ("staging", "ecs"), ("staging", "eks"),
           ("prod", "ecs"), ("prod", "eks"), ("small-ecs", "ecs"), ("small-eks", "eks")]

SECRET_WITHOUT_KEY = ("kmsKeyId is not set: the secret is encrypted with the AWS managed key "
                      "aws/secretsmanager, which any principal allowed GetSecretValue can use")
VOLUME_NOT_ENCRYPTED = "{} is {}: the volume is not encrypted"
TLS12 = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"


def check(rule_id: str, plan: Plan, environment: str | None = None) -> list[Violation]:
    """The violations of one rule, the same on both paths."""
    return both(rule_by_id(rule_id), plan, environment)


def change(path: tuple[str | int, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    """A mutation setting (or, with `value` ...,  deleting) the prop at `path`."""
    def apply(props: dict[str, Any]) -> None:
        target: Any = props
        for step in path[:-1]:
            target = target[step]
        if value is ...:
            del target[path[-1]]
        else:
            target[path[-1]] = value
    return apply


def named(plan: Plan, resource_type: str, suffix: str) -> str:
    """The URN of the one resource of `resource_type` whose name ends with `suffix`."""
    urns = [r.urn for r in plan.resources if r.type == resource_type and r.name.endswith(suffix)]
    assert len(urns) == 1, urns
    return urns[0]


def declared(plan: Plan, resource_type: str, name: str, props: dict[str, Any],
             depends_on: tuple[str, ...] = ()) -> tuple[Plan, str]:
    """`with_resource`, tagged with the plan's environment like the stack's own resources,
    depending on `depends_on` (URNs) as `bucket=b.id` or `listener_arn=l.arn` makes it."""
    environment = next(r.props["tags"]["environment"] for r in plan.resources
                       if isinstance(r.props.get("tags"), dict)
                       and "environment" in r.props["tags"])
    if not resource_type.startswith("kubernetes:"):
        props = {**props, "tags": {"environment": environment}}
    copied, urn = with_resource(plan, resource_type, name, props)
    copied.resources[-1].dependencies = list(depends_on)
    return copied, urn


def without(plan: Plan, urn: str) -> Plan:
    """A copy of `plan` without the resource `urn`."""
    copied = copy.deepcopy(plan)
    copied.resources = [r for r in copied.resources if r.urn != urn]
    return copied


# -- the rules themselves -------------------------------------------------------------------


def test_the_encryption_rules_and_their_severities() -> None:
    assert {r.id: (r.severity, r.scope) for r in RULES if r.id.startswith("aws-")} == {
        "aws-rds-storage-encrypted": ("mandatory", "resource"),
        "aws-elasticache-encrypted-at-rest": ("mandatory", "resource"),
        "aws-elasticache-tls-in-transit": ("mandatory", "resource"),
        "aws-kafka-tls-in-transit": ("mandatory", "resource"),
        "aws-msk-encrypted-at-rest-kms": ("mandatory", "resource"),
        "aws-s3-default-encryption": ("mandatory", "stack"),
        "aws-ebs-encrypted": ("mandatory", "resource"),
        "aws-eks-secrets-encrypted": ("mandatory", "resource"),
        "aws-logs-encrypted-kms": ("mandatory", "resource"),
        "aws-lb-listener-tls": ("mandatory", "stack"),
        "aws-cloudfront-viewer-tls": ("mandatory", "resource"),
        "aws-cloudfront-origin-tls": ("mandatory", "resource"),
        "aws-secretsmanager-customer-key": ("advisory", "resource"),
    }
    assert {r.category for r in RULES} == {"encryption"}
    # Every environment: prod-only parts (Redpanda) are decided inside the check.
    assert {r.environments for r in RULES} == {("dev", "staging", "prod")}


def test_the_policies_forge_infra_ships_are_the_ones_the_rules_accept() -> None:
    assert limits.ALB_TLS_POLICY in encryption.ELB_TLS12_POLICIES
    assert compute_ecs.TLS_POLICY == limits.ALB_TLS_POLICY
    assert cdn.MINIMUM_PROTOCOL_VERSION in encryption.CLOUDFRONT_VIEWER_POLICIES
    assert encryption.ELB_DEFAULT_POLICY not in encryption.ELB_TLS12_POLICIES
    # Older policies (from the same source) are not accepted.
    for older in ("ELBSecurityPolicy-TLS-1-1-2017-01", "ELBSecurityPolicy-TLS-1-0-2015-04",
                  "ELBSecurityPolicy-FS-1-1-2019-08", "ELBSecurityPolicy-FS-2018-06",
                  "ELBSecurityPolicy-TLS13-1-0-2021-06", "ELBSecurityPolicy-TLS13-1-1-2021-06",
                  "ELBSecurityPolicy-TLS13-1-0-PQ-2025-09",
                  "ELBSecurityPolicy-TLS13-1-1-FIPS-2023-04"):
        assert older not in encryption.ELB_TLS12_POLICIES


def test_forge_infras_redpanda_boot_script_configures_a_tls_listener() -> None:
    """The Redpanda check passes a broker whose boot script configures kafka_api_tls: true of
    the boot script the Streaming component renders."""
    script = (ROOT / "components/forge_components/aws/templates/redpanda-broker.sh").read_text()
    assert "kafka_api:" in script
    assert "kafka_api_tls" in script


# -- the shipped stacks ---------------------------------------------------------------------


@pytest.mark.parametrize(("stack", "platform"), SHIPPED)
def test_the_shipped_stacks_break_no_encryption_rule(stack: str, platform: str) -> None:
    plan = stack_plan(stack, platform)
    assert {r.id: both(r, plan) for r in RULES} == {r.id: [] for r in RULES}


def test_the_timescaledb_ec2_variant_breaks_no_mandatory_rule() -> None:
    database = dict(stack_values("staging")["forge-infra:database"], engine="timescaledb-ec2",
                    timescaledb=True)
    plan = stack_plan("staging", "ecs", database=database)
    assert [r.name for r in plan.resources if r.type == INSTANCE and "-db-" in r.name]
    assert {r.id: both(r, plan) for r in RULES if r.severity == "mandatory"} == {
        r.id: [] for r in RULES if r.severity == "mandatory"}


@pytest.mark.parametrize(("stack", "platform", "expected"), [
    ("staging", "ecs", {RDS: 1, GROUP: 1, INSTANCE: 3, VOLUME: 3, LOG_GROUP: 9, SECRET: 5,
                        BUCKET: 4, SSE: 4, LISTENER: 2, LISTENER_RULE: 2}),
    ("prod", "ecs", {RDS: 1, GROUP: 1, MSK: 1, LOG_GROUP: 10, SECRET: 2, BUCKET: 5, SSE: 5,
                     LISTENER: 2, LISTENER_RULE: 2, DISTRIBUTION: 1}),
    ("prod", "eks", {RDS: 1, GROUP: 1, MSK: 1, EKS: 1, NODE_GROUP: 1, TEMPLATE: 1, LOG_GROUP: 7,
                     SECRET: 2, BUCKET: 5, SSE: 5, DISTRIBUTION: 1}),
])
def test_the_rules_see_what_the_stacks_create(stack: str, platform: str,
                                              expected: dict[str, int]) -> None:
    """The passes above are not vacuous: the checked types are in the plans."""
    plan = stack_plan(stack, platform)
    counts = {t: sum(r.type == t for r in plan.resources) for t in expected}
    assert counts == expected
    if platform == "eks":
        from forge_infra.policy.engine import plan_stack_view

        ingresses = plan_stack_view(plan).of_type(INGRESS)
        assert [i.name for i in ingresses] == ["Ingress forge/forge-platform"]


# -- aws-rds-storage-encrypted --------------------------------------------------------------


def test_rds_storage_not_set_is_unencrypted() -> None:
    plan, urn = mutated(stack_plan("prod", "ecs"), RDS, change(("storageEncrypted",), ...))
    assert check("aws-rds-storage-encrypted", plan) == [
        (urn, "storageEncrypted is not set (RDS's default is false): the database's storage "
              "is not encrypted")]


def test_a_cross_region_replica_is_encrypted_by_its_key() -> None:
    def replica(props: dict[str, Any]) -> None:
        del props["storageEncrypted"]
        props["replicateSourceDb"] = "arn:aws:rds:eu-west-1:123456789012:db:forge-prod-db"

    plan, _ = mutated(stack_plan("prod", "ecs"), RDS, replica)
    assert check("aws-rds-storage-encrypted", plan) == []


def test_rds_cluster_storage_follows_pulumi_aws_defaults() -> None:
    base = stack_plan("prod", "ecs")
    plan, urn = declared(base, RDS_CLUSTER, "aurora", {"engine": "aurora-postgresql"})
    assert check("aws-rds-storage-encrypted", plan) == [
        (urn, "storageEncrypted is not set (false for a provisioned cluster): the cluster's "
              "storage is not encrypted")]
    plan, urn = declared(base, RDS_CLUSTER, "aurora", {"engine": "aurora-postgresql",
                                                       "storageEncrypted": False})
    assert check("aws-rds-storage-encrypted", plan) == [
        (urn, "storageEncrypted is False: the cluster's storage is not encrypted")]
    for passing in ({"storageEncrypted": True}, {"engineMode": "serverless"}):
        plan, _ = declared(base, RDS_CLUSTER, "aurora", {"engine": "aurora-postgresql",
                                                         **passing})
        assert check("aws-rds-storage-encrypted", plan) == []


# -- ElastiCache ----------------------------------------------------------------------------


def test_cache_at_rest_refused_off_and_unset_on_redis_and_accepted_unset_on_valkey() -> None:
    base = stack_plan("prod", "ecs")
    plan, urn = mutated(base, GROUP, change(("atRestEncryptionEnabled",), False))
    assert check("aws-elasticache-encrypted-at-rest", plan) == [
        (urn, "atRestEncryptionEnabled is False: the cache's data and snapshots are not "
              "encrypted at rest")]
    plan, urn = mutated(base, GROUP, change(("atRestEncryptionEnabled",), ...))
    assert check("aws-elasticache-encrypted-at-rest", plan) == [
        (urn, "atRestEncryptionEnabled is not set (false for engine 'redis'): the cache's data "
              "and snapshots are not encrypted at rest")]

    def valkey(props: dict[str, Any]) -> None:
        del props["atRestEncryptionEnabled"]
        props["engine"] = "valkey"

    plan, _ = mutated(base, GROUP, valkey)
    assert check("aws-elasticache-encrypted-at-rest", plan) == []


def test_cache_in_transit_refused_off_unset_and_preferred() -> None:
    base = stack_plan("prod", "ecs")
    for value, shown in ((False, "False"), (..., "not set")):
        plan, urn = mutated(base, GROUP, change(("transitEncryptionEnabled",), value))
        assert check("aws-elasticache-tls-in-transit", plan) == [
            (urn, f"transitEncryptionEnabled is {shown}: clients reach the cache in plaintext")]
    plan, urn = mutated(base, GROUP, change(("transitEncryptionMode",), "preferred"))
    assert check("aws-elasticache-tls-in-transit", plan) == [
        (urn, "transitEncryptionMode is 'preferred': the cache still accepts plaintext "
              "connections (a migration state; 'required' ends it)")]
    plan, _ = mutated(base, GROUP, change(("transitEncryptionMode",), "required"))
    assert check("aws-elasticache-tls-in-transit", plan) == []


def test_a_standalone_redis_cluster_cannot_be_encrypted_and_memcached_needs_tls() -> None:
    base = stack_plan("dev", "ecs")
    plan, urn = declared(base, CACHE_CLUSTER, "solo", {"engine": "redis"})
    assert check("aws-elasticache-encrypted-at-rest", plan) == [
        (urn, "a redis cache cluster outside a replication group has no encryption at rest "
              "(aws.elasticache.Cluster offers none)")]
    assert check("aws-elasticache-tls-in-transit", plan) == [
        (urn, "a redis cache cluster outside a replication group cannot encrypt in transit")]
    plan, _ = declared(base, CACHE_CLUSTER, "member", {"replicationGroupId": "forge-dev-cache"})
    assert check("aws-elasticache-encrypted-at-rest", plan) == []
    assert check("aws-elasticache-tls-in-transit", plan) == []
    plan, urn = declared(base, CACHE_CLUSTER, "memcached", {"engine": "memcached"})
    assert check("aws-elasticache-encrypted-at-rest", plan) == []
    assert check("aws-elasticache-tls-in-transit", plan) == [
        (urn, "transitEncryptionEnabled is not set: clients reach the cache in plaintext")]


# -- Kafka ----------------------------------------------------------------------------------

TRANSIT = ("encryptionInfo", "encryptionInTransit")


@pytest.mark.parametrize(("path", "value", "message"), [
    (("clientBroker",), "TLS_PLAINTEXT",
     "encryptionInfo.encryptionInTransit.clientBroker is 'TLS_PLAINTEXT': clients may reach the "
     "brokers in plaintext"),
    (("clientBroker",), "PLAINTEXT",
     "encryptionInfo.encryptionInTransit.clientBroker is 'PLAINTEXT': clients may reach the "
     "brokers in plaintext"),
    (("inCluster",), False,
     "encryptionInfo.encryptionInTransit.inCluster is false: the brokers replicate to each "
     "other in plaintext"),
])
def test_msk_in_transit_must_be_tls_both_ways(path: tuple[str, ...], value: Any,
                                              message: str) -> None:
    plan, urn = mutated(stack_plan("prod", "ecs"), MSK, change(TRANSIT + path, value))
    assert check("aws-kafka-tls-in-transit", plan) == [(urn, message)]


def test_msk_in_transit_unset_is_msks_tls_default() -> None:
    plan, _ = mutated(stack_plan("prod", "ecs"), MSK, change(TRANSIT, ...))
    assert check("aws-kafka-tls-in-transit", plan) == []


REDPANDA_PLAINTEXT = ("a Redpanda broker whose Kafka API has no TLS listener (kafka_api_tls): "
                      "clients would speak SASL_PLAINTEXT")


def test_redpanda_brokers_pass_by_their_tls_listener_in_every_environment() -> None:
    staging = stack_plan("staging", "ecs")
    assert check("aws-kafka-tls-in-transit", staging) == []
    plan, urn = mutated(staging, INSTANCE, change(
        ("userData",), "#!/bin/bash\nredpanda:\n  kafka_api:\n    - port: 9092\n"))
    assert check("aws-kafka-tls-in-transit", plan) == [(urn, REDPANDA_PLAINTEXT)]
    # A boot script not known at plan time (a real preview) is not judged.
    plan, _ = mutated(staging, INSTANCE, change(("userData",), "[unknown]"))
    assert check("aws-kafka-tls-in-transit", plan) == []


def test_a_redpanda_broker_declared_directly_is_found_by_its_boot_script() -> None:
    base = stack_plan("prod", "ecs")
    script = "#!/bin/bash\ncat > /etc/redpanda/redpanda.yaml <<EOF\nredpanda:\n  kafka_api:\n"
    plan, urn = declared(base, INSTANCE, "broker", {
        "userData": script, "rootBlockDevice": {"encrypted": True}})
    assert check("aws-kafka-tls-in-transit", plan) == [(urn, REDPANDA_PLAINTEXT)]
    plan, _ = declared(base, INSTANCE, "broker", {
        "userData": script + "  kafka_api_tls:\n    - name: internal\n      enabled: true\n",
        "rootBlockDevice": {"encrypted": True}})
    assert check("aws-kafka-tls-in-transit", plan) == []
    plan, _ = declared(base, INSTANCE, "bastion", {
        "userData": "#!/bin/bash\necho hello\n", "rootBlockDevice": {"encrypted": True}})
    assert check("aws-kafka-tls-in-transit", plan) == []


def test_msk_at_rest_needs_a_key_of_the_stack() -> None:
    plan, urn = mutated(stack_plan("prod", "ecs"), MSK,
                        change(("encryptionInfo", "encryptionAtRestKmsKeyArn"), ...))
    assert check("aws-msk-encrypted-at-rest-kms", plan) == [
        (urn, "encryptionInfo.encryptionAtRestKmsKeyArn is not set: the brokers' storage is "
              "encrypted with an AWS managed key, not a key of the stack")]
    plan, urn = mutated(stack_plan("prod", "ecs"), MSK, change(("encryptionInfo",), ...))
    assert [m for _, m in check("aws-msk-encrypted-at-rest-kms", plan)] == [
        "encryptionInfo.encryptionAtRestKmsKeyArn is not set: the brokers' storage is "
        "encrypted with an AWS managed key, not a key of the stack"]


# -- aws-s3-default-encryption --------------------------------------------------------------

NO_SSE = ("no BucketServerSideEncryptionConfiguration names this bucket: its encryption is "
          "S3's implicit default, not declared")


def test_a_bucket_whose_encryption_configuration_is_removed_is_reported() -> None:
    base = stack_plan("staging", "ecs")
    configuration = named(base, SSE, "-storage-exports-encryption")
    assert check("aws-s3-default-encryption", without(base, configuration)) == [
        (named(base, BUCKET, "-storage-exports"), NO_SSE)]


def test_a_direct_bucket_needs_a_configuration_naming_it() -> None:
    base = stack_plan("staging", "ecs")
    plan, bucket = declared(base, BUCKET, "uploads", {})
    assert check("aws-s3-default-encryption", plan) == [(bucket, NO_SSE)]
    # Named by dependency (bucket=uploads.id), SSE-KMS.
    plan, _ = declared(plan, SSE, "uploads-sse", {"bucket": "uploads-1234567", "rules": [
        {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms",
                                                "kmsMasterKeyId": "arn:aws:kms:key"}}]},
                       depends_on=(bucket,))
    assert check("aws-s3-default-encryption", plan) == []
    # Named by its explicit bucket name, SSE-S3.
    plan, _ = declared(base, BUCKET, "named", {"bucket": "forge-named"})
    plan, _ = declared(plan, SSE, "named-sse", {"bucket": "forge-named", "rules": [
        {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]})
    assert check("aws-s3-default-encryption", plan) == []
    # The deprecated inline block counts too.
    plan, _ = declared(base, BUCKET, "inline", {"serverSideEncryptionConfiguration": {
        "rule": {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}}})
    assert check("aws-s3-default-encryption", plan) == []


def test_a_configuration_with_no_default_algorithm_is_reported() -> None:
    base = stack_plan("staging", "ecs")
    plan, bucket = declared(base, BUCKET, "odd", {})
    plan, _ = declared(plan, SSE, "odd-sse", {"bucket": "odd", "rules": [
        {"bucketKeyEnabled": True}]}, depends_on=(bucket,))
    assert check("aws-s3-default-encryption", plan) == [
        (bucket, "the bucket's default encryption algorithms are [None]: none of AES256, "
                 "aws:kms, aws:kms:dsse")]


# -- aws-ebs-encrypted ----------------------------------------------------------------------


def test_volumes_must_be_declared_encrypted() -> None:
    base = stack_plan("staging", "ecs")
    for value, shown in ((False, "False"), (..., "not set")):
        plan, urn = mutated(base, VOLUME, change(("encrypted",), value))
        assert check("aws-ebs-encrypted", plan) == [
            (urn, VOLUME_NOT_ENCRYPTED.format("encrypted", shown))]

    def from_snapshot(props: dict[str, Any]) -> None:
        del props["encrypted"]
        props["snapshotId"] = "snap-0123456789abcdef0"

    plan, _ = mutated(base, VOLUME, from_snapshot)
    assert check("aws-ebs-encrypted", plan) == []


def test_instance_root_and_block_devices_must_be_encrypted() -> None:
    base = stack_plan("staging", "ecs")
    plan, urn = mutated(base, INSTANCE, change(("rootBlockDevice", "encrypted"), False))
    assert check("aws-ebs-encrypted", plan) == [
        (urn, VOLUME_NOT_ENCRYPTED.format("rootBlockDevice.encrypted", "False"))]
    plan, urn = mutated(base, INSTANCE, change(("rootBlockDevice",), ...))
    assert check("aws-ebs-encrypted", plan) == [
        (urn, "rootBlockDevice is not set: the root volume follows the AMI's mapping and is "
              "not declared encrypted")]
    plan, urn = mutated(base, INSTANCE, change(("ebsBlockDevices",), [
        {"deviceName": "/dev/sdf", "volumeSize": 10},
        {"deviceName": "/dev/sdg", "encrypted": True}]))
    assert check("aws-ebs-encrypted", plan) == [
        (urn, VOLUME_NOT_ENCRYPTED.format("ebsBlockDevices[/dev/sdf].encrypted", "not set"))]


def test_launch_template_mappings_must_be_encrypted() -> None:
    base = stack_plan("prod", "eks")
    plan, urn = mutated(base, TEMPLATE,
                        change(("blockDeviceMappings", 0, "ebs", "encrypted"), "false"))
    assert check("aws-ebs-encrypted", plan) == [
        (urn, VOLUME_NOT_ENCRYPTED.format("blockDeviceMappings[/dev/xvda].ebs.encrypted",
                                          "'false'"))]
    plan, urn = mutated(base, TEMPLATE, change(("blockDeviceMappings",), ...))
    assert check("aws-ebs-encrypted", plan) == [
        (urn, "blockDeviceMappings is not set: instances launched from it get the AMI's root "
              "volume, not declared encrypted")]


def test_an_eks_node_group_without_a_launch_template_has_unencrypted_roots() -> None:
    plan, urn = mutated(stack_plan("prod", "eks"), NODE_GROUP, change(("launchTemplate",), ...))
    assert check("aws-ebs-encrypted", plan) == [
        (urn, "no launchTemplate: EKS's own launch template leaves the nodes' root volumes "
              "unencrypted")]


# -- aws-eks-secrets-encrypted --------------------------------------------------------------


@pytest.mark.parametrize(("mutation", "message"), [
    (change(("encryptionConfig",), ...),
     "encryptionConfig is not set: Kubernetes secrets are not envelope-encrypted with a KMS key "
     "of the stack"),
    (change(("encryptionConfig", "resources"), []),
     "encryptionConfig.resources is []: Kubernetes secrets are not envelope-encrypted"),
    (change(("encryptionConfig", "provider", "keyArn"), ...),
     "encryptionConfig.provider.keyArn is not set: no KMS key encrypts the secrets"),
])
def test_eks_secrets_need_envelope_encryption_with_a_key(
        mutation: Callable[[dict[str, Any]], None], message: str) -> None:
    plan, urn = mutated(stack_plan("prod", "eks"), EKS, mutation)
    assert check("aws-eks-secrets-encrypted", plan) == [(urn, message)]


# -- aws-logs-encrypted-kms -----------------------------------------------------------------


def test_a_log_group_without_the_stacks_key_is_reported() -> None:
    plan, urn = mutated(stack_plan("prod", "ecs"), LOG_GROUP, change(("kmsKeyId",), ...),
                        index=3)
    assert check("aws-logs-encrypted-kms", plan) == [
        (urn, "kmsKeyId is not set: the log group is encrypted with CloudWatch Logs' own key, "
              "not a key of the stack")]


# -- aws-secretsmanager-customer-key --------------------------------------------------------


def test_every_secret_of_the_stacks_has_a_key_of_its_own() -> None:
    plan = stack_plan("staging", "eks")
    assert check("aws-secretsmanager-customer-key", plan) == []
    unkeyed, urn = mutated(plan, SECRET, change(("kmsKeyId",), ...))
    assert check("aws-secretsmanager-customer-key", unkeyed) == [(urn, SECRET_WITHOUT_KEY)]


# -- aws-lb-listener-tls --------------------------------------------------------------------


def _https_listener(plan: Plan) -> int:
    return next(i for i, r in enumerate(r for r in plan.resources if r.type == LISTENER)
                if r.props.get("protocol") == "HTTPS")


def _http_listener(plan: Plan) -> int:
    return next(i for i, r in enumerate(r for r in plan.resources if r.type == LISTENER)
                if r.props.get("protocol") == "HTTP")


@pytest.mark.parametrize(("policy", "message"), [
    ("ELBSecurityPolicy-2016-08",
     "the HTTPS listener uses 'ELBSecurityPolicy-2016-08', which is not one of the TLS 1.2+ "
     "security policies (ELB_TLS12_POLICIES)"),
    (..., "the HTTPS listener names no security policy: ELB applies ELBSecurityPolicy-2016-08, "
          "which accepts TLS 1.0 and 1.1"),
    ("ELBSecurityPolicy-FS-1-2-Res-2020-10", None),
    ("ELBSecurityPolicy-TLS13-1-3-PQ-2025-09", None),
])
def test_the_https_listener_needs_a_tls12_policy(policy: Any, message: str | None) -> None:
    base = stack_plan("prod", "ecs")
    plan, urn = mutated(base, LISTENER, change(("sslPolicy",), policy),
                        index=_https_listener(base))
    assert check("aws-lb-listener-tls", plan) == ([(urn, message)] if message else [])


def test_an_http_listener_may_only_redirect_to_https() -> None:
    base = stack_plan("prod", "ecs")
    forward = [{"type": "forward", "targetGroupArn": "arn:aws:elasticloadbalancing:tg"}]
    plan, urn = mutated(base, LISTENER, change(("defaultActions",), forward),
                        index=_http_listener(base))
    assert check("aws-lb-listener-tls", plan) == [
        (urn, "an HTTP listener whose default action does not redirect to HTTPS: it serves "
              "plaintext")]
    plan, urn = mutated(base, LISTENER, change(("defaultActions", 0, "redirect", "protocol"),
                                               "HTTP"), index=_http_listener(base))
    assert check("aws-lb-listener-tls", plan) == [
        (urn, "an HTTP listener whose default action does not redirect to HTTPS: it serves "
              "plaintext")]


def test_a_rule_forwarding_on_an_http_listener_is_reported() -> None:
    base = stack_plan("prod", "ecs")
    http = named(base, LISTENER, "-http")
    plan, urn = declared(base, LISTENER_RULE, "plain", {
        "listenerArn": "arn:aws:elasticloadbalancing:listener/http", "priority": 5,
        "actions": [{"type": "forward", "targetGroupArn": "arn:tg"}]}, depends_on=(http,))
    assert check("aws-lb-listener-tls", plan) == [
        (urn, "a rule of the HTTP listener forge-prod-http whose action does not redirect to "
              "HTTPS: it serves plaintext")]


def test_nlb_listeners_tls_is_checked_and_tcp_passes_through() -> None:
    base = stack_plan("prod", "ecs")
    nlb = "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/net/forge/0123"
    plan, urn = declared(base, LISTENER, "tls", {
        "loadBalancerArn": nlb, "protocol": "TLS", "port": 443,
        "sslPolicy": "ELBSecurityPolicy-TLS-1-1-2017-01"})
    assert check("aws-lb-listener-tls", plan) == [
        (urn, "the TLS listener uses 'ELBSecurityPolicy-TLS-1-1-2017-01', which is not one of "
              "the TLS 1.2+ security policies (ELB_TLS12_POLICIES)")]
    plan, _ = declared(base, LISTENER, "tcp", {"loadBalancerArn": nlb, "protocol": "TCP",
                                               "port": 5432})
    assert check("aws-lb-listener-tls", plan) == []


def _ingress(annotations: dict[str, str], ingress_class: str = "alb") -> dict[str, Any]:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": "extra", "namespace": "forge", "annotations": annotations},
            "spec": {"ingressClassName": ingress_class, "rules": []}}


A = "alb.ingress.kubernetes.io/"


def test_an_alb_ingress_needs_https_a_tls12_policy_and_a_redirect() -> None:
    base = stack_plan("prod", "eks")
    plan, urn = declared(base, INGRESS, "extra", _ingress({
        A + "listen-ports": '[{"HTTP": 80}]'}))
    assert check("aws-lb-listener-tls", plan) == [
        (urn, f"the ALB listens on HTTP without {A}ssl-redirect: the HTTP listener serves "
              "plaintext")]
    # No listen-ports and no certificate: the controller's default is HTTP on 80.
    plan, urn = declared(base, INGRESS, "extra", _ingress({}))
    assert check("aws-lb-listener-tls", plan) == [
        (urn, f"the ALB listens on HTTP without {A}ssl-redirect: the HTTP listener serves "
              "plaintext")]
    plan, urn = declared(base, INGRESS, "extra", _ingress({
        A + "certificate-arn": "arn:aws:acm:cert", A + "ssl-policy": "ELBSecurityPolicy-2016-08"}))
    assert check("aws-lb-listener-tls", plan) == [
        (urn, f"{A}ssl-policy uses 'ELBSecurityPolicy-2016-08', which is not one of the TLS 1.2+ "
              "security policies (ELB_TLS12_POLICIES)")]
    # Another controller's class is not this rule's business.
    plan, _ = declared(base, INGRESS, "extra", _ingress({}, ingress_class="nginx"))
    assert check("aws-lb-listener-tls", plan) == []


def test_an_ingress_without_a_policy_relies_on_the_controllers_default() -> None:
    base = stack_plan("prod", "eks")
    extra = _ingress({A + "certificate-arn": "arn:aws:acm:cert"})
    plan, _ = declared(base, INGRESS, "extra", extra)
    assert check("aws-lb-listener-tls", plan) == []  # the controller's TLS13-1-2-Res-PQ

    def weak_default(props: dict[str, Any]) -> None:
        if props.get("chart") == "aws-load-balancer-controller":
            props["values"]["defaultSSLPolicy"] = "ELBSecurityPolicy-2016-08"

    weak = copy.deepcopy(plan)
    for resource in weak.resources:
        if resource.type == RELEASE:
            weak_default(resource.props)
    urn = weak.resources[-1].urn
    assert check("aws-lb-listener-tls", weak) == [
        (urn, f"no {A}ssl-policy, and the controller's defaultSSLPolicy uses "
              "'ELBSecurityPolicy-2016-08', which is not one of the TLS 1.2+ security policies "
              "(ELB_TLS12_POLICIES)")]
    # The platform's own Ingress names its policy, so the weak default does not reach it.
    plan, urn = declared(stack_plan("prod", "ecs"), INGRESS, "extra", extra)
    assert check("aws-lb-listener-tls", plan) == [
        (urn, f"no {A}ssl-policy, and the stack installs no AWS Load Balancer Controller whose "
              "defaultSSLPolicy could be checked (the controller's own default, "
              "ELBSecurityPolicy-2016-08, accepts TLS 1.0 and 1.1)")]


def test_the_platform_ingress_is_checked_as_rendered() -> None:
    """The platform chart's own Ingress (rendered by Helm on both paths) is what EKS's ALB is
    made from; its annotations pass, and their values come from forge-infra's constants."""
    from forge_infra.policy.engine import plan_stack_view

    plan = stack_plan("prod", "eks")
    (ingress,) = plan_stack_view(plan).of_type(INGRESS)
    annotations = ingress.props["metadata"]["annotations"]
    assert annotations[A + "ssl-policy"] == limits.ALB_TLS_POLICY == TLS12
    assert annotations[A + "ssl-redirect"] == "443"
    assert json.loads(annotations[A + "listen-ports"]) == [{"HTTP": 80}, {"HTTPS": 443}]


def test_ingress_class_params_policy_is_checked() -> None:
    plan, urn = declared(stack_plan("prod", "eks"), encryption.INGRESS_CLASS_PARAMS, "params", {
        "apiVersion": "elbv2.k8s.aws/v1beta1", "kind": "IngressClassParams",
        "metadata": {"name": "alb"}, "spec": {"sslPolicy": "ELBSecurityPolicy-FS-2018-06"}})
    assert check("aws-lb-listener-tls", plan) == [
        (urn, "spec.sslPolicy uses 'ELBSecurityPolicy-FS-2018-06', which is not one of the TLS "
              "1.2+ security policies (ELB_TLS12_POLICIES)")]


# -- CloudFront -----------------------------------------------------------------------------

CERTIFICATE = ("viewerCertificate",)


@pytest.mark.parametrize(("mutation", "message"), [
    (change((*CERTIFICATE, "minimumProtocolVersion"), "TLSv1.2_2019"),
     "viewerCertificate.minimumProtocolVersion is 'TLSv1.2_2019' (TLSv1 when not set): use one "
     "of TLSv1.2_2021, TLSv1.2_2025, TLSv1.3_2025"),
    (change((*CERTIFICATE, "minimumProtocolVersion"), ...),
     "viewerCertificate.minimumProtocolVersion is not set (TLSv1 when not set): use one of "
     "TLSv1.2_2021, TLSv1.2_2025, TLSv1.3_2025"),
    (change(CERTIFICATE, {"cloudfrontDefaultCertificate": True}),
     "viewerCertificate.cloudfrontDefaultCertificate is true: CloudFront then uses the TLSv1 "
     "security policy, so viewers may use TLS 1.0 and 1.1"),
    (change(("defaultCacheBehavior", "viewerProtocolPolicy"), "allow-all"),
     "defaultCacheBehavior.viewerProtocolPolicy is 'allow-all': viewers may use plain HTTP"),
    (change(("orderedCacheBehaviors", 0, "viewerProtocolPolicy"), "allow-all"),
     "orderedCacheBehaviors[/api/*].viewerProtocolPolicy is 'allow-all': viewers may use plain "
     "HTTP"),
])
def test_viewers_reach_the_cdn_over_tls12(mutation: Callable[[dict[str, Any]], None],
                                          message: str) -> None:
    plan, urn = mutated(stack_plan("prod", "ecs"), DISTRIBUTION, mutation)
    assert check("aws-cloudfront-viewer-tls", plan) == [(urn, message)]


def test_newer_viewer_policies_pass() -> None:
    for version in ("TLSv1.2_2025", "TLSv1.3_2025"):
        plan, _ = mutated(stack_plan("prod", "ecs"), DISTRIBUTION,
                          change((*CERTIFICATE, "minimumProtocolVersion"), version))
        assert check("aws-cloudfront-viewer-tls", plan) == []


API_ORIGIN = ("origins", 1, "customOriginConfig")


@pytest.mark.parametrize(("mutation", "message"), [
    (change((*API_ORIGIN, "originProtocolPolicy"), "match-viewer"),
     "origin api: customOriginConfig.originProtocolPolicy is 'match-viewer': CloudFront may "
     "reach the origin over plain HTTP"),
    (change((*API_ORIGIN, "originProtocolPolicy"), "http-only"),
     "origin api: customOriginConfig.originProtocolPolicy is 'http-only': CloudFront may reach "
     "the origin over plain HTTP"),
    (change((*API_ORIGIN, "originSslProtocols"), ["TLSv1.1", "TLSv1.2"]),
     "origin api: customOriginConfig.originSslProtocols allows ['TLSv1.1']: CloudFront may "
     "reach the origin with a protocol older than TLS 1.2"),
])
def test_the_cdn_reaches_custom_origins_over_tls12(mutation: Callable[[dict[str, Any]], None],
                                                   message: str) -> None:
    base = stack_plan("prod", "ecs")
    distribution = next(r for r in base.resources if r.type == DISTRIBUTION)
    assert [o["originId"] for o in distribution.props["origins"]] == ["assets", "api"]
    plan, urn = mutated(base, DISTRIBUTION, mutation)
    assert check("aws-cloudfront-origin-tls", plan) == [(urn, message)]
