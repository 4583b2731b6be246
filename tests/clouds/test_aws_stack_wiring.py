"""Stack-level wiring on AWS: a value in a stack file (or a stack's `protect`) reaches the exact
input of the resource it governs, through `program.build()` and the AWS target.

Component tests pass fixtures straight to a component; these catch a target that drops or
hard-codes what it should hand on (deletion protection, log retention, IAM statements, the
data-service environment).

What these tests do not prove: that AWS honours the inputs (that a protected cluster refuses a
delete, that the role's statements let the SDK write an object), only that the program asks
for them.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest
import yaml

from forge_infra.plan.engine import plan_from_recording
from forge_infra.plan.mocks import ProviderMocks
from forge_infra.plan.recorder import RecordedResource, Recording, run_under_mocks
from forge_infra.program import build
from tests.conftest import ROOT, stack_config
from tests.helpers import run_mocked

EKS_CLUSTER = "aws:eks/cluster:Cluster"
LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
BUCKET = "aws:s3/bucket:Bucket"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
HELM_RELEASE = "kubernetes:helm.sh/v3:Release"


def record(stack: str, **overrides: object) -> Recording:
    """The program of `stack` under the mocks, with top-level `forge-infra:` keys replaced."""
    config = stack_config(stack, **overrides)
    return run_mocked(lambda: build(config), stack=stack)


@pytest.fixture(scope="module")
def stacks() -> dict[str, Recording]:
    """dev and prod on ECS (the ALB), staging and prod on EKS (the cluster, IRSA roles)."""
    return {"dev-ecs": record("dev"), "staging-eks": record("staging"),
            "prod-eks": record("prod"), "prod-ecs": record("prod", platform="ecs")}


# -- deletion protection follows the stack's `protect` ------------------------------------------


@pytest.mark.parametrize(("stack", "protected"), [("staging-eks", False), ("prod-eks", True)])
def test_eks_cluster_deletion_protection_follows_protect(stacks, stack, protected) -> None:
    cluster = stacks[stack].one(EKS_CLUSTER)
    assert cluster.inputs["deletionProtection"] is protected, cluster.urn


@pytest.mark.parametrize(("stack", "protected"), [("dev-ecs", False), ("prod-ecs", True)])
def test_alb_deletion_protection_follows_protect(stacks, stack, protected) -> None:
    alb = stacks[stack].one(LOAD_BALANCER)
    assert alb.inputs["enableDeletionProtection"] is protected, alb.urn


# -- VPC flow logs --------------------------------------------------------------------------------


@pytest.mark.parametrize(("stack", "days"), [("dev-ecs", 7), ("staging-eks", 30),
                                             ("prod-eks", 90)])
def test_flow_logs_retention_of_the_stack_file_reaches_the_log_group(stacks, stack,
                                                                     days) -> None:
    """Pulumi.<stack>.yaml's network.flow_logs_retention_days: 7, 30, 90."""
    prefix = f"forge-{stack.split('-')[0]}"
    log_group = stacks[stack].one(LOG_GROUP, f"{prefix}-network-flow-logs")
    assert log_group.inputs["retentionInDays"] == days, log_group.urn


def test_a_changed_flow_logs_retention_reaches_the_log_group() -> None:
    """A value no stack file and no component default holds, so it can only come from config."""
    values = yaml.safe_load((ROOT / "Pulumi.staging.yaml").read_text())["config"]
    network = {**values["forge-infra:network"], "flow_logs_retention_days": 14}
    log_group = record("staging", network=network).one(LOG_GROUP,
                                                       "forge-staging-network-flow-logs")
    assert log_group.inputs["retentionInDays"] == 14, log_group.urn


# -- the services' IAM: exactly their buckets, exactly these actions ------------------------------


def bucket_arn(recording: Recording, purpose: str) -> str:
    prefix = recording.stack
    arn: str = recording.one(BUCKET, f"forge-{prefix}-storage-{purpose}").outputs["arn"]
    return arn


def expected_statements(recording: Recording, service: str) -> list[dict[str, Any]]:
    """api: list, read and write the reports bucket; worker: the same on exports and reports."""
    purposes = {"api": ["reports"], "worker": ["exports", "reports"]}[service]
    statements: list[dict[str, Any]] = []
    for purpose in purposes:
        arn = bucket_arn(recording, purpose)
        statements += [
            {"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": [arn]},
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject",
                                           "s3:AbortMultipartUpload"],
             "Resource": [f"{arn}/*"]},
        ]
    return statements


def only_policy_of(recording: Recording, role: RecordedResource) -> RecordedResource:
    """The role's one inline policy; a role with an attached managed policy fails here."""
    inline = [p for p in recording.of_type(ROLE_POLICY) if p.inputs["role"] == role.resource_id]
    attached = [a.inputs["policyArn"] for a in recording.of_type(ATTACHMENT)
                if a.inputs["role"] == role.resource_id]
    assert len(inline) == 1 and attached == [], (
        f"{role.urn}: inline {[p.urn for p in inline]}, attached {attached}")
    return inline[0]


@pytest.mark.parametrize("stack", ["dev-ecs", "prod-ecs"])
@pytest.mark.parametrize("service", ["api", "worker"])
def test_ecs_task_role_statements_are_exact(stacks, stack, service) -> None:
    recording = stacks[stack]
    prefix = f"forge-{recording.stack}"
    task = recording.one(TASK_DEFINITION, f"{prefix}-{service}-task-def")
    role = recording.one(ROLE, f"{prefix}-{service}-task")
    assert task.inputs["taskRoleArn"] == role.outputs["arn"], task.urn
    policy = only_policy_of(recording, role)
    document = json.loads(policy.inputs["policy"])
    assert document == {"Version": "2012-10-17",
                        "Statement": expected_statements(recording, service)}, policy.urn


@pytest.mark.parametrize("stack", ["dev-ecs", "prod-ecs"])
@pytest.mark.parametrize("service", ["gateway", "ui"])
def test_ecs_services_without_statements_get_a_bare_task_role(stacks, stack, service) -> None:
    recording = stacks[stack]
    prefix = f"forge-{recording.stack}"
    task = recording.one(TASK_DEFINITION, f"{prefix}-{service}-task-def")
    role = recording.one(ROLE, f"{prefix}-{service}-task")
    assert task.inputs["taskRoleArn"] == role.outputs["arn"], task.urn
    inline = [p.urn for p in recording.of_type(ROLE_POLICY)
              if p.inputs["role"] == role.resource_id]
    attached = [a.inputs["policyArn"] for a in recording.of_type(ATTACHMENT)
                if a.inputs["role"] == role.resource_id]
    assert (inline, attached) == ([], []), role.urn


@pytest.mark.parametrize("stack", ["staging-eks", "prod-eks"])
@pytest.mark.parametrize("service", ["api", "worker"])
def test_eks_irsa_role_statements_are_exact(stacks, stack, service) -> None:
    recording = stacks[stack]
    prefix = f"forge-{recording.stack}"
    role = recording.one(ROLE, f"{prefix}-eks-sa-{service}")
    policy = only_policy_of(recording, role)
    document = json.loads(policy.inputs["policy"])
    assert document == {"Version": "2012-10-17",
                        "Statement": expected_statements(recording, service)}, policy.urn
    # The role is the one the chart annotates the service's account with.
    release = next(r for r in recording.of_type(HELM_RELEASE)
                   if r.inputs["chart"].endswith("forge-platform"))
    annotations = release.inputs["values"][service]["serviceAccount"]["annotations"]
    assert annotations == {"eks.amazonaws.com/role-arn": role.outputs["arn"]}, release.urn


def test_eks_irsa_roles_exist_for_api_and_worker_only(stacks) -> None:
    for stack in ("staging-eks", "prod-eks"):
        recording = stacks[stack]
        prefix = f"forge-{recording.stack}-eks-sa-"
        names = sorted(r.name for r in recording.of_type(ROLE) if r.name.startswith(prefix))
        assert names == [f"{prefix}api", f"{prefix}worker"], names


# -- REDIS_TLS on both platforms ----------------------------------------------------------------


def ecs_environments(recording: Recording) -> dict[str, tuple[str, dict[str, str]]]:
    """Service -> (task definition URN, its container's plain environment), for the services
    that get REDIS_HOST."""
    found = {}
    for task in recording.of_type(TASK_DEFINITION):
        container = json.loads(task.inputs["containerDefinitions"])[0]
        environment = {e["name"]: e["value"] for e in container.get("environment", [])}
        if "REDIS_HOST" in environment:
            found[container["name"]] = (task.urn, environment)
    return found


def eks_environments(stack: str) -> dict[str, tuple[str, dict[str, str]]]:
    """Service -> (release URN and template, the data of its ConfigMap), as Helm renders the
    platform chart, for the services that get REDIS_HOST."""
    config = stack_config(stack)
    recording = run_mocked(lambda: build(config), stack=stack)
    plan = plan_from_recording(recording, config, project_dir=ROOT)
    release = next(r for r in plan.resources
                   if r.helm is not None and r.helm.chart.endswith("forge-platform"))
    assert release.helm is not None and release.helm.rendered, release.urn
    found = {}
    for obj in release.helm.objects:
        if obj.kind == "ConfigMap" and obj.template.endswith("/configmap.yaml"):
            data = obj.object.get("data") or {}
            if "REDIS_HOST" in data:
                found[obj.template.split("/")[1]] = (f"{release.urn} {obj.template}", data)
    return found


def test_redis_tls_is_true_on_ecs_and_on_eks_side_by_side(stacks) -> None:
    """The cache only accepts TLS (transit encryption on): both platforms tell the apps so."""
    ecs = ecs_environments(stacks["dev-ecs"])
    eks = eks_environments("staging")
    # ECS hands the data environment to every service, the chart to those that use it.
    assert {"api", "worker"} <= set(ecs) & set(eks), (sorted(ecs), sorted(eks))
    for platform, environments in (("ecs", ecs), ("eks", eks)):
        for service, (where, environment) in environments.items():
            assert environment["REDIS_TLS"] == "true", (
                f"{platform} {service} {where}: REDIS_TLS={environment['REDIS_TLS']!r}")


# -- every EC2 instance boots Canonical's image ---------------------------------------------------


class _AmiCalls(ProviderMocks):
    """The shared mocks, keeping each getAmi call with the image id it answered."""

    def __init__(self) -> None:
        super().__init__()
        self.ami_calls: list[tuple[dict[str, Any], str]] = []

    def call(self, args: pulumi.runtime.MockCallArgs) -> Any:
        result = super().call(args)
        if args.token == "aws:ec2/getAmi:getAmi":
            self.ami_calls.append((dict(args.args), result["id"]))
        return result


def test_every_instance_of_staging_boots_an_image_canonical_published() -> None:
    """Staging's three Redpanda brokers: their AMI comes from a lookup restricted to
    Canonical's account, so a look-alike public image can never be picked."""
    config = stack_config("staging")
    mocks = _AmiCalls()
    recording = run_under_mocks(lambda: build(config), project="forge-infra", stack="staging",
                                mocks=mocks)
    assert not recording.warnings, recording.warnings
    instances = recording.of_type("aws:ec2/instance:Instance")
    assert len(instances) == 3, [i.urn for i in instances]
    canonical = {image for call, image in mocks.ami_calls if call.get("owners") == ["099720109477"]}
    for instance in instances:
        assert instance.inputs["ami"] in canonical, (instance.urn, mocks.ami_calls)


# -- Kafka: the streaming component's protocol and credentials reach the data clients only -----


@pytest.fixture(scope="module")
def eks_plans() -> dict[str, Any]:
    """staging (Redpanda) and prod (MSK) as shipped, both on EKS, with the chart rendered."""
    from forge_infra.plan.engine import run_plan
    return {stack: run_plan(stack, ROOT) for stack in ("staging", "prod")}


@pytest.mark.parametrize(("stack", "protocol", "port"), [
    ("staging", "SASL_PLAINTEXT", 9092), ("prod", "SASL_SSL", 9096)])
def test_kafka_settings_and_password_reach_api_and_worker_only(eks_plans, stack: str,
                                                               protocol: str,
                                                               port: int) -> None:
    from tests.clouds.test_connection_settings import eks_secret_refs, eks_settings

    plan = eks_plans[stack]
    secret = next(r for r in plan.resources if r.type == "aws:secretsmanager/secret:Secret"
                  and r.name == f"forge-{stack}-stream-kafka-credentials")
    brokers = plan.outputs["kafka_bootstrap_brokers"]
    assert brokers and all(b.endswith(f":{port}") for b in brokers.split(",")), brokers
    assert plan.outputs["kafka_credentials_secret_id"] == secret.outputs["arn"]
    settings, refs = eks_settings(plan), eks_secret_refs(plan)
    for service in ("api", "worker"):
        where, environment, _ = settings[service]
        kafka = {k: v for k, v in environment.items() if k.startswith("KAFKA_")}
        assert kafka == {"KAFKA_BROKERS": brokers, "KAFKA_SECURITY_PROTOCOL": protocol,
                         "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
                         "KAFKA_USERNAME": "forge"}, where
        assert refs[service]["KAFKA_PASSWORD"] == (secret.outputs["arn"], "password"), where
    for service in ("gateway", "ui"):
        where, environment, secrets = settings[service]
        assert not [k for k in environment if k.startswith("KAFKA_")], where
        assert "KAFKA_PASSWORD" not in secrets and service not in refs, where


def test_prod_msk_takes_scram_only_and_its_amazonmsk_secret(eks_plans) -> None:
    plan = eks_plans["prod"]
    cluster = next(r for r in plan.resources if r.type == "aws:msk/cluster:Cluster")
    assert cluster.inputs["clientAuthentication"] == {
        "sasl": {"scram": True, "iam": False}, "unauthenticated": False}, cluster.urn
    assert cluster.inputs["encryptionInfo"]["encryptionInTransit"] == {
        "clientBroker": "TLS", "inCluster": True}, cluster.urn
    secret = next(r for r in plan.resources if r.type == "aws:secretsmanager/secret:Secret"
                  and r.name == "forge-prod-stream-kafka-credentials")
    assert secret.inputs["namePrefix"] == "AmazonMSK_forge-prod-stream-", secret.urn
    association = next(r for r in plan.resources
                       if r.type == "aws:msk/scramSecretAssociation:ScramSecretAssociation")
    assert association.inputs["secretArnLists"] == [secret.outputs["arn"]], association.urn


def test_staging_redpanda_boots_in_production_mode_with_an_alarm_per_broker(eks_plans) -> None:
    plan = eks_plans["staging"]
    instances = [r for r in plan.resources if r.type == "aws:ec2/instance:Instance"]
    alarms = sorted(r.name for r in plan.resources
                    if r.type == "aws:cloudwatch/metricAlarm:MetricAlarm")
    assert alarms == [f"forge-staging-stream-broker-{i}-boot" for i in (1, 2, 3)]
    for instance in instances:
        assert instance.inputs["instanceType"] == "t3.medium", instance.urn
        assert 'REDPANDA_MODE="production"' in instance.inputs["userData"], instance.urn


def test_dev_redpanda_runs_in_development_mode(stacks) -> None:
    instance = stacks["dev-ecs"].one("aws:ec2/instance:Instance")
    assert instance.inputs["instanceType"] == "t3.small", instance.urn
    assert 'REDPANDA_MODE="development"' in instance.inputs["userData"], instance.urn


@pytest.mark.parametrize("stack", ["dev-ecs", "staging-eks"])
def test_redpanda_brokers_reach_the_internet_through_a_nat_gateway(stacks, stack) -> None:
    """The boot script needs apt, Redpanda's repository, Secrets Manager and CloudWatch: each
    broker's subnet routes 0.0.0.0/0 to a NAT gateway, and its security group lets 443 and 80
    out."""
    recording = stacks[stack]
    associations = {r.inputs["subnetId"]: r.inputs["routeTableId"] for r in recording.of_type(
        "aws:ec2/routeTableAssociation:RouteTableAssociation")}
    nat_routes = {r.inputs["routeTableId"]: r for r in recording.of_type("aws:ec2/route:Route")
                  if r.inputs.get("destinationCidrBlock") == "0.0.0.0/0"
                  and r.inputs.get("natGatewayId")}
    enis = recording.of_type("aws:ec2/networkInterface:NetworkInterface")
    assert enis, stack
    for eni in enis:
        table = associations[eni.inputs["subnetId"]]
        assert table in nat_routes, f"{eni.urn}: subnet {eni.inputs['subnetId']} has no NAT route"
    egress = sorted((r.inputs["fromPort"], r.inputs.get("cidrIpv4"))
                    for r in recording.of_type(
                        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
                    if r.parent and "Streaming" in r.parent and r.inputs.get("cidrIpv4"))
    assert egress == [(80, "0.0.0.0/0"), (443, "0.0.0.0/0")], egress

# -- access logs (issue 8) -------------------------------------------------------------------------

BUCKET_LOGGING = "aws:s3/bucketLogging:BucketLogging"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"


def _log_bucket(recording: Recording, stack: str) -> RecordedResource:
    return recording.one(BUCKET, f"forge-{stack}-storage-access-logs")


@pytest.mark.parametrize("stack", ["dev-ecs", "prod-ecs"])
def test_the_ecs_alb_logs_to_the_access_log_bucket(stacks, stack) -> None:
    recording = stacks[stack]
    log = _log_bucket(recording, stack.split("-")[0])
    alb = recording.one(LOAD_BALANCER)
    assert alb.inputs["accessLogs"] == {"bucket": log.resource_id, "enabled": True,
                                        "prefix": "alb"}, alb.urn


@pytest.mark.parametrize("stack", ["dev-ecs", "staging-eks", "prod-eks", "prod-ecs"])
def test_every_bucket_but_the_log_bucket_logs_to_it(stacks, stack) -> None:
    """The storage purposes and (with the CDN) the assets bucket, each under s3/<purpose>/."""
    recording = stacks[stack]
    log = _log_bucket(recording, stack.split("-")[0])
    logged = {r.inputs["bucket"]: r for r in recording.of_type(BUCKET_LOGGING)}
    for bucket in recording.of_type(BUCKET):
        if bucket is log:
            assert bucket.resource_id not in logged, bucket.urn
            continue
        assert logged[bucket.resource_id].inputs["targetBucket"] == log.resource_id, bucket.urn
    assert len(logged) == len(recording.of_type(BUCKET)) - 1


def test_the_log_bucket_admits_the_cdn_assets_bucket_as_a_log_source(stacks) -> None:
    recording = stacks["prod-eks"]
    log = _log_bucket(recording, "prod")
    policy = next(p for p in recording.of_type(BUCKET_POLICY)
                  if p.inputs["bucket"] == log.resource_id)
    statement = next(s for s in json.loads(policy.inputs["policy"])["Statement"]
                     if s.get("Sid") == "S3ServerAccessLogsDelivery")
    arns = {b.name: b.outputs["arn"] for b in recording.of_type(BUCKET)}
    assert statement["Condition"]["ArnLike"]["aws:SourceArn"] == [
        arns["forge-prod-storage-reports"], arns["forge-prod-storage-exports"],
        arns["forge-prod-storage-backups"], arns["forge-prod-cdn-assets"]], policy.urn


def test_access_log_retention_of_the_stack_file_reaches_the_lifecycle() -> None:
    recording = record("dev", storage={"access_log_retention_days": 30})
    log = _log_bucket(recording, "dev")
    lifecycle = next(r for r in recording.of_type(LIFECYCLE)
                     if r.inputs["bucket"] == log.resource_id)
    assert [r["expiration"] for r in lifecycle.inputs["rules"] if "expiration" in r] == [
        {"days": 30}], lifecycle.urn
    staging = record("staging")  # no storage.access_log_retention_days: the default, 365
    log = _log_bucket(staging, "staging")
    lifecycle = next(r for r in staging.of_type(LIFECYCLE)
                     if r.inputs["bucket"] == log.resource_id)
    assert [r["expiration"] for r in lifecycle.inputs["rules"] if "expiration" in r] == [
        {"days": 365}], lifecycle.urn


def test_the_access_log_bucket_is_exported(stacks) -> None:
    recording = stacks["staging-eks"]
    assert recording.exports["access_log_bucket_name"] == _log_bucket(
        recording, "staging").resource_id
