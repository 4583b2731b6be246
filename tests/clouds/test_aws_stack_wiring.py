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
RDS_INSTANCE = "aws:rds/instance:Instance"
EC2_INSTANCE = "aws:ec2/instance:Instance"
INVOCATION = "aws:lambda/invocation:Invocation"
FUNCTION = "aws:lambda/function:Function"


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


def connect_arn(recording: Recording) -> str:
    """`rds-db:connect`'s resource for the service role, built here from the RDS instance's
    own outputs: arn:${Partition}:rds-db:${Region}:${Account}:dbuser:${DbiResourceId}/<user>."""
    instance = recording.one(RDS_INSTANCE)
    _, partition, _, region, account, _ = instance.outputs["arn"].split(":", 5)
    return (f"arn:{partition}:rds-db:{region}:{account}:dbuser:"
            f"{instance.outputs['resourceId']}/forge_app")


def expected_statements(recording: Recording, service: str) -> list[dict[str, Any]]:
    """api: list, read and write the reports bucket; worker: the same on exports and reports;
    both: IAM database authentication as the service role, on this instance only."""
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
    statements.append({"Effect": "Allow", "Action": ["rds-db:connect"],
                       "Resource": [connect_arn(recording)]})
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
    """api and worker, and the api's migration Job (which logs in to the database as the api
    does), nothing else."""
    for stack in ("staging-eks", "prod-eks"):
        recording = stacks[stack]
        prefix = f"forge-{recording.stack}-eks-sa-"
        names = sorted(r.name for r in recording.of_type(ROLE) if r.name.startswith(prefix))
        assert names == [f"{prefix}api", f"{prefix}api-migrate", f"{prefix}worker"], names


@pytest.mark.parametrize("stack", ["staging-eks", "prod-eks"])
def test_the_migration_job_gets_an_irsa_role_that_may_only_connect(stacks, stack) -> None:
    """With IAM database authentication the chart's migration Job (its own ServiceAccount,
    `forge-platform-api-migrate`) must sign tokens too: its role may connect as the service
    role and do nothing else, trusts that ServiceAccount only, and annotates it."""
    recording = stacks[stack]
    prefix = f"forge-{recording.stack}"
    role = recording.one(ROLE, f"{prefix}-eks-sa-api-migrate")
    document = json.loads(only_policy_of(recording, role).inputs["policy"])
    assert document == {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["rds-db:connect"],
         "Resource": [connect_arn(recording)]}]}, role.urn
    trust = json.dumps(json.loads(role.inputs["assumeRolePolicy"]))
    assert "system:serviceaccount:forge:forge-platform-api-migrate" in trust, role.urn
    assert "system:serviceaccount:forge:forge-platform-api\"" not in trust, role.urn
    release = next(r for r in recording.of_type(HELM_RELEASE)
                   if r.inputs["chart"].endswith("forge-platform"))
    annotations = release.inputs["values"]["migrations"]["serviceAccount"]["annotations"]
    assert annotations == {"eks.amazonaws.com/role-arn": role.outputs["arn"]}, release.urn


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
    ("staging", "SASL_SSL", 9092), ("prod", "SASL_SSL", 9096)])
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
    # Staging's Redpanda: the private CA's certificate; prod's MSK: "" (Amazon's public CAs).
    cas = [r.outputs["certPem"] for r in plan.resources
           if r.type == "tls:index/selfSignedCert:SelfSignedCert"]
    ca_pem = cas[0] if stack == "staging" else ""
    assert len(cas) == (1 if stack == "staging" else 0), cas
    settings, refs = eks_settings(plan), eks_secret_refs(plan)
    for service in ("api", "worker"):
        where, environment, _ = settings[service]
        kafka = {k: v for k, v in environment.items() if k.startswith("KAFKA_")}
        assert kafka == {"KAFKA_BROKERS": brokers, "KAFKA_SECURITY_PROTOCOL": protocol,
                         "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
                         "KAFKA_USERNAME": "forge", "KAFKA_SSL_CA_PEM": ca_pem}, where
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

# -- the database: the services' own role, never the master credentials --------------------------


def service_connection(recording: Recording, service: str) -> tuple[str, dict[str, Any],
                                                                      dict[str, str]]:
    """(where, plain environment, secret variable -> source) of a service, from its ECS task
    definition or from the values of the platform chart's release on EKS."""
    tasks = [t for t in recording.of_type(TASK_DEFINITION)
             if json.loads(t.inputs["containerDefinitions"])[0]["name"] == service]
    if tasks:
        container = json.loads(tasks[0].inputs["containerDefinitions"])[0]
        return (tasks[0].urn, {e["name"]: e["value"] for e in container.get("environment", [])},
                {s["name"]: s["valueFrom"] for s in container.get("secrets", [])})
    release = next(r for r in recording.of_type(HELM_RELEASE)
                   if r.inputs["chart"].endswith("forge-platform"))
    block = release.inputs["values"][service]
    return (release.urn, dict(block.get("env") or {}),
            {name: ref["remoteRef"]["key"] for name, ref in block["secretEnv"].items()})


@pytest.mark.parametrize("stack", ["dev-ecs", "staging-eks", "prod-eks", "prod-ecs"])
def test_api_and_worker_log_in_as_the_service_role_with_iam(stacks, stack) -> None:
    """dev, staging and prod as their files say: DATABASE_USER is the role the bootstrap
    function creates, DATABASE_AUTH=iam, and no database secret at all (the master's above
    all) reaches api or worker; gateway and ui get no database setting."""
    recording = stacks[stack]
    master_secret = recording.exports["database_credentials_secret_id"]
    event = json.loads(recording.one(INVOCATION).inputs["input"])
    assert recording.one(RDS_INSTANCE).inputs["iamDatabaseAuthenticationEnabled"] is True
    for service in ("api", "worker"):
        where, environment, secrets = service_connection(recording, service)
        assert (environment["DATABASE_USER"], environment["DATABASE_AUTH"]) == (
            event["role"], "iam"), where
        assert event["role"] == "forge_app", where
        assert "DATABASE_PASSWORD" not in secrets, (where, secrets)
        assert not [v for v in secrets.values() if master_secret in v], (where, secrets)
    for service in ("gateway", "ui"):
        where, environment, secrets = service_connection(recording, service)
        assert not [k for k in environment if k.startswith("DATABASE_")], (where, environment)
        assert secrets == {}, (where, secrets)


@pytest.mark.parametrize("stack", ["dev-ecs", "staging-eks", "prod-eks", "prod-ecs"])
def test_the_master_secret_reaches_no_service_resource(stacks, stack) -> None:
    """Only the database component (RDS itself, the bootstrap function's input and role) and
    the stack's export name the master secret: no task definition, execution role, IRSA role,
    External Secrets policy or chart value does."""
    recording = stacks[stack]
    master_secret = recording.exports["database_credentials_secret_id"]
    database_urn = recording.one("forge-aws:index:Database").urn
    holders = [r.urn for r in recording.resources
               if master_secret in json.dumps(r.inputs) and r.parent != database_urn]
    assert holders == [], holders


def test_timescaledb_instances_boot_in_the_private_subnets_behind_nat() -> None:
    """Item 9: the EC2 engine's instances go in the private subnets, whose route tables send
    0.0.0.0/0 to a NAT gateway (package repositories, Secrets Manager, SSM) and S3 to the
    gateway endpoint; the database subnets route nowhere."""
    values = yaml.safe_load((ROOT / "Pulumi.staging.yaml").read_text())["config"]
    database = {**values["forge-infra:database"], "engine": "timescaledb-ec2",
                "multi_az": True}
    recording = record("staging", database=database)
    prefix = "forge-staging-network"
    subnets = {r.name: r for r in recording.of_type("aws:ec2/subnet:Subnet")}
    tables = {r.resource_id: r for r in recording.of_type("aws:ec2/routeTable:RouteTable")}
    associations = {a.inputs["subnetId"]: a.inputs["routeTableId"] for a in recording.of_type(
        "aws:ec2/routeTableAssociation:RouteTableAssociation")}
    routes = recording.of_type("aws:ec2/route:Route")
    endpoint = recording.one("aws:ec2/vpcEndpoint:VpcEndpoint", f"{prefix}-s3")
    for node, index in (("primary", 1), ("replica", 2)):
        instance = recording.one(EC2_INSTANCE, f"forge-staging-db-{node}")
        subnet = subnets[f"{prefix}-private-{index}"]
        assert instance.inputs["subnetId"] == subnet.resource_id, instance.urn
        table = tables[associations[subnet.resource_id]]
        default = [r for r in routes if r.inputs["routeTableId"] == table.resource_id
                   and r.inputs.get("destinationCidrBlock") == "0.0.0.0/0"]
        assert len(default) == 1 and default[0].inputs.get("natGatewayId"), (table.urn, default)
        assert table.resource_id in endpoint.inputs["routeTableIds"], endpoint.urn
    for subnet in (s for name, s in subnets.items() if name.startswith(f"{prefix}-database-")):
        table_id = associations[subnet.resource_id]
        assert not [r for r in routes if r.inputs["routeTableId"] == table_id], subnet.urn
    # The role bootstrap function runs in the same private subnets.
    private_ids = [subnets[f"{prefix}-private-{i}"].resource_id for i in (1, 2, 3)]
    function = recording.one(FUNCTION)
    assert function.inputs["vpcConfig"]["subnetIds"] == private_ids, function.urn


def test_rds_stays_in_the_isolated_database_subnets(stacks) -> None:
    recording = stacks["prod-eks"]
    group = recording.one("aws:rds/subnetGroup:SubnetGroup")
    database_ids = [r.resource_id for r in sorted(recording.of_type("aws:ec2/subnet:Subnet"),
                                                  key=lambda r: r.name)
                    if r.name.startswith("forge-prod-network-database-")]
    assert group.inputs["subnetIds"] == database_ids, group.urn
    assert recording.one(RDS_INSTANCE).inputs["dbSubnetGroupName"] == group.outputs["name"]


def test_a_configured_app_username_reaches_the_role_the_policy_and_the_services() -> None:
    values = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    database = {**values["forge-infra:database"], "app_username": "orders_svc"}
    recording = record("dev", database=database)
    event = json.loads(recording.one(INVOCATION).inputs["input"])
    assert event["role"] == "orders_svc"
    assert 'GRANT rds_iam TO "orders_svc"' in event["statements"]
    _, environment, _ = service_connection(recording, "worker")
    assert environment["DATABASE_USER"] == "orders_svc"
    role = recording.one(ROLE, "forge-dev-worker-task")
    document = json.loads(only_policy_of(recording, role).inputs["policy"])
    assert document["Statement"][-1]["Resource"][0].endswith("/orders_svc"), document


@pytest.mark.parametrize("stack", ["dev-ecs", "prod-ecs"])
def test_the_api_and_worker_tasks_wait_for_the_role(stacks, stack) -> None:
    """DATABASE_USER resolves once the bootstrap has created the role, so the task
    definitions that carry it (and the services running them) come after it."""
    recording = stacks[stack]
    invocation = recording.one(INVOCATION)
    for service in ("api", "worker"):
        task = recording.one(TASK_DEFINITION, f"forge-{recording.stack}-{service}-task-def")
        assert invocation.urn in task.property_dependencies["containerDefinitions"], task.urn
