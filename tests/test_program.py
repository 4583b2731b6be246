"""The whole program per stack: the shape that distinguishes dev, staging and prod, on both
platforms, and the properties that must hold across every resource of a stack."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from forge_infra.clouds.aws.settings import Platform
from forge_infra.plan.recorder import RecordedResource, Recording
from forge_infra.program import build
from tests.conftest import STACKS, stack_config
from tests.helpers import is_taggable, run_mocked

STATEFUL_TYPES = {
    "aws:rds/instance:Instance",
    "aws:elasticache/replicationGroup:ReplicationGroup",
    "aws:msk/cluster:Cluster",
    "aws:s3/bucket:Bucket",
    "aws:ebs/volume:Volume",
}


def build_stack(stack: str, platform: str | None = None) -> Recording:
    overrides: dict[str, object] = {"platform": platform} if platform else {}
    if platform == "eks" and stack == "dev":  # dev's file has no eks section
        overrides["eks"] = {"endpoint_public_access": True,
                            "public_access_cidrs": ["192.0.2.10/32"]}
    config = stack_config(stack, **overrides)
    return run_mocked(lambda: build(config), stack=stack)


@pytest.fixture(scope="module")
def recordings() -> dict[str, Recording]:
    return {stack: build_stack(stack) for stack in STACKS}


def platform_release(recording: Recording) -> RecordedResource:
    """The helm.v3.Release of the packaged forge-platform chart."""
    found = [r for r in recording.of_type("kubernetes:helm.sh/v3:Release")
             if r.inputs["chart"].endswith("forge-platform")]
    assert len(found) == 1, found
    return found[0]


def counts(recording: Recording) -> Counter[str]:
    return Counter(r.type for r in recording.resources)


def test_dev_staging_prod_differ_where_the_stack_files_differ(recordings) -> None:
    dev, staging, prod = (counts(recordings[s]) for s in STACKS)
    # AZs: one public, private and database subnet per AZ.
    assert (dev["aws:ec2/subnet:Subnet"], staging["aws:ec2/subnet:Subnet"],
            prod["aws:ec2/subnet:Subnet"]) == (6, 9, 9)
    # NAT: single in dev and staging, one per AZ in prod.
    assert (dev["aws:ec2/natGateway:NatGateway"], staging["aws:ec2/natGateway:NatGateway"],
            prod["aws:ec2/natGateway:NatGateway"]) == (1, 1, 3)
    # Kafka: 1 Redpanda broker, 3 Redpanda brokers, a 3-broker MSK cluster.
    assert dev["aws:ec2/instance:Instance"] == 1 and staging["aws:ec2/instance:Instance"] == 3
    assert prod["aws:msk/cluster:Cluster"] == 1 and prod["aws:ec2/instance:Instance"] == 0
    msk = recordings["prod"].one("aws:msk/cluster:Cluster")
    assert msk.inputs["numberOfBrokerNodes"] == 3
    # Platforms: ECS in dev, EKS with the Helm release in staging and prod.
    assert dev["aws:ecs/cluster:Cluster"] == 1 and dev["aws:eks/cluster:Cluster"] == 0
    for stack in ("staging", "prod"):
        releases = {r.inputs["chart"].rsplit("/", 1)[-1]
                    for r in recordings[stack].of_type("kubernetes:helm.sh/v3:Release")}
        # prod releases by an Argo Rollouts canary; staging rolls.
        progressive = {"argo-rollouts"} if stack == "prod" else set()
        assert releases == {"forge-platform", "aws-load-balancer-controller", "external-dns",
                            "metrics-server", "cluster-autoscaler", "external-secrets",
                            *progressive}
    # CDN only in prod.
    assert prod["aws:cloudfront/distribution:Distribution"] == 1
    assert dev["aws:cloudfront/distribution:Distribution"] == 0


def test_database_and_cache_availability_per_stack(recordings) -> None:
    expected = {"dev": (False, 1), "staging": (False, 2), "prod": (True, 2)}
    for stack, (multi_az, nodes) in expected.items():
        rds = recordings[stack].one("aws:rds/instance:Instance")
        assert rds.inputs["multiAz"] is multi_az, rds.urn
        assert rds.inputs["publiclyAccessible"] is False, rds.urn
        assert rds.inputs["storageEncrypted"] is True, rds.urn
        cache = recordings[stack].one("aws:elasticache/replicationGroup:ReplicationGroup")
        assert cache.inputs["numCacheClusters"] == nodes, cache.urn
        assert cache.inputs["automaticFailoverEnabled"] is (nodes > 1), cache.urn
    prod_rds = recordings["prod"].one("aws:rds/instance:Instance")
    assert prod_rds.inputs["deletionProtection"] is True
    assert prod_rds.inputs["backupRetentionPeriod"] == 14


def test_prod_protects_every_stateful_resource_and_dev_none(recordings) -> None:
    prod_stateful = [r for r in recordings["prod"].resources if r.type in STATEFUL_TYPES]
    assert len(prod_stateful) >= 6  # rds, cache, msk, 3 buckets, cdn assets bucket
    unprotected = [r.urn for r in prod_stateful if not r.protect]
    assert unprotected == []
    assert [r.urn for r in recordings["dev"].resources if r.protect] == []


@pytest.mark.parametrize("stack", STACKS)
def test_every_taggable_resource_carries_component_and_name(recordings, stack) -> None:
    checked = 0
    for resource in recordings[stack].resources:
        if not resource.custom or not is_taggable(resource.type):
            continue
        tags = resource.inputs.get("tags") or {}
        assert {"Name", "component"} <= set(tags), f"{resource.urn}: {tags}"
        assert tags["component"].startswith(("forge-aws:index:", "forge-kubernetes:index:")), (
            resource.urn)
        checked += 1
    assert checked > 40


@pytest.mark.parametrize("stack", STACKS)
def test_the_provider_sets_the_standard_default_tags(recordings, stack) -> None:
    provider = recordings[stack].one("pulumi:providers:aws", f"forge-{stack}-aws")
    assert provider.inputs["region"] == "us-east-1"
    tags = json.loads(provider.inputs["defaultTags"])["tags"] if isinstance(
        provider.inputs["defaultTags"], str) else provider.inputs["defaultTags"]["tags"]
    assert {k: tags[k] for k in ("app", "environment", "managed-by")} == {
        "app": "forge", "environment": stack, "managed-by": "forge-infra"}
    custom = [r for r in recordings[stack].resources
              if r.custom and r.type.startswith("aws:")]
    # The CDN certificate is in us-east-1 and the recovery region's vault and key in the
    # `dr` region, each through the component's own provider (with the same default tags).
    elsewhere = {"aws:acm/certificate:Certificate",
                 "aws:acm/certificateValidation:CertificateValidation"}
    assert all(r.provider == provider.urn for r in custom
               if r.type not in elsewhere and "-dr-vault" not in r.name)
    for other in recordings[stack].of_type("pulumi:providers:aws"):
        other_tags = (json.loads(other.inputs["defaultTags"])["tags"]
                      if isinstance(other.inputs["defaultTags"], str)
                      else other.inputs["defaultTags"]["tags"])
        assert other_tags == tags, other.name


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("platform", [p.value for p in Platform])
def test_each_stack_builds_on_both_platforms(stack: str, platform: str) -> None:
    recording = build_stack(stack, platform)
    types = counts(recording)
    if platform == "eks":
        assert types["aws:eks/cluster:Cluster"] == 1
        assert types["aws:eks/nodeGroup:NodeGroup"] == 1
        # The chart + 5 cluster add-ons, + Argo Rollouts where the stack releases by canary.
        progressive = stack_config(stack).rollout.strategy != "rolling"
        assert types["kubernetes:helm.sh/v3:Release"] == 6 + progressive
        assert types["aws:ecs/service:Service"] == 0
        release = platform_release(recording)
        values = release.inputs["values"]
        assert values["dataServices"]["database"]["host"].endswith(".rds.amazonaws.com")
        assert values["dataServices"]["cache"]["host"].startswith("master.")
        subnets = {r.inputs["cidrBlock"] for r in recording.of_type("aws:ec2/subnet:Subnet")
                   if "-public-" not in r.name}
        assert set(values["networkPolicy"]["dataServiceCidrs"]) == subnets
        # The ALB's IP targets are reached from the public subnets, and only from there.
        public = [r.inputs["cidrBlock"] for r in recording.of_type("aws:ec2/subnet:Subnet")
                  if "-public-" in r.name]
        assert sorted(values["networkPolicy"]["ingressSourceCidrs"]) == sorted(public)
        assert values["networkPolicy"]["ingressControllerNamespace"] == ""
    else:
        assert types["aws:ecs/service:Service"] == 4
        assert types["aws:eks/cluster:Cluster"] == 0
        services = recording.of_type("aws:ecs/service:Service")
        private = set(recording.exports["private_subnet_ids"])
        for service in services:
            network = service.inputs["networkConfiguration"]
            assert set(network["subnets"]) <= private, service.urn
            assert network["assignPublicIp"] is False, service.urn


def test_database_security_group_admits_only_the_app_security_group(recordings) -> None:
    recording = recordings["prod"]
    app_sg = recording.exports["app_security_group_id"]
    database = next(r for r in recording.resources if r.type.endswith("Database"))
    # The app security group, and the database's own bootstrap function (its own group).
    bootstrap_sg = next(r for r in recording.children_of(database.urn)
                        if r.name.endswith("-db-bootstrap-sg")).resource_id
    rules = [r for r in recording.children_of(database.urn)
             if r.type == "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"]
    assert sorted(r.inputs.get("referencedSecurityGroupId") for r in rules) == sorted(
        [app_sg, bootstrap_sg])
    assert all("cidrIpv4" not in r.inputs for r in rules)


def test_offline_addresses_fall_inside_their_subnets(recordings) -> None:
    """The mocks place ENIs in their subnet's range, as AWS would (first four reserved)."""
    import ipaddress

    recording = recordings["staging"]
    subnets = {r.resource_id: ipaddress.ip_network(r.inputs["cidrBlock"])
               for r in recording.of_type("aws:ec2/subnet:Subnet")}
    enis = recording.of_type("aws:ec2/networkInterface:NetworkInterface")
    assert len(enis) == 3
    for eni in enis:
        network = subnets[eni.inputs["subnetId"]]
        address = ipaddress.ip_address(eni.outputs["privateIp"])
        assert address in network and address >= network.network_address + 4, eni.urn
    brokers = recording.exports["kafka_bootstrap_brokers"].split(",")
    assert sorted(b.rsplit(":", 1)[0] for b in brokers) == sorted(
        e.outputs["privateIp"] for e in enis)


def test_ecs_tasks_read_their_secrets_and_never_the_database_master_secret(recordings) -> None:
    """The api's execution role reads the secrets its task references (the cache's token, the
    Kafka credentials, whose key is the streaming component's: it may decrypt with it via
    Secrets Manager only), never the RDS-managed master secret: the services log in with IAM
    authentication."""
    recording = recordings["dev"]
    database_key = next(r for r in recording.resources if r.type == "aws:kms/key:Key"
                        and r.parent and "Database" in r.parent)
    rds = recording.one("aws:rds/instance:Instance")
    assert rds.inputs["masterUserSecretKmsKeyId"] == database_key.outputs["arn"]
    policy = next(r for r in recording.resources if r.type == "aws:iam/rolePolicy:RolePolicy"
                  and r.name.endswith("api-execution-policy"))
    statements = {s["Sid"]: s for s in json.loads(policy.inputs["policy"])["Statement"]}
    kafka_key = recording.one("aws:kms/key:Key", "forge-dev-stream-credentials-key")
    kafka_secret = recording.one("aws:secretsmanager/secret:Secret",
                                 "forge-dev-stream-kafka-credentials")
    assert kafka_secret.inputs["kmsKeyId"] == kafka_key.outputs["arn"], kafka_secret.urn
    assert statements["SecretsKey"]["Resource"] == [database_key.outputs["arn"],
                                                    kafka_key.outputs["arn"]]
    secret_arns = statements["Secrets"]["Resource"]
    assert sorted(secret_arns) == sorted([recording.exports["cache_auth_token_secret_id"],
                                          recording.exports["kafka_credentials_secret_id"]])


def test_eks_platform_waits_for_the_add_ons_it_relies_on(recordings) -> None:
    recording = recordings["prod"]
    addons = next(r for r in recording.resources if r.type == "forge-aws:index:EksAddons")
    platform = next(r for r in recording.resources
                    if r.type == "forge-kubernetes:index:PlatformRelease")
    # depends_on a component waits for all of its children (Pulumi expands it).
    addon_releases = [r.urn for r in recording.children_of(addons.urn)
                      if r.type == "kubernetes:helm.sh/v3:Release"]
    assert len(addon_releases) == 6  # with Argo Rollouts: prod releases by canary
    assert set(addon_releases) <= set(platform.dependencies)
    # The Helm release itself waits for them too (the Argo Rollouts and External Secrets CRDs).
    assert set(addon_releases) <= set(platform_release(recording).dependencies)
    values = platform_release(recording).inputs["values"]
    assert values["ingress"]["className"] == "alb"
    assert values["ingress"]["clusterIssuer"] == ""
    assert not [r for r in recording.resources if r.type.endswith(":ClusterIssuer")]
    store = next(r for r in recording.resources if r.type.endswith(":ClusterSecretStore"))
    assert store.inputs["metadata"]["name"] == values["secrets"]["storeRef"]["name"]
    # External Secrets may read exactly the secrets the services reference.
    policy = next(r for r in recording.children_of(addons.urn)
                  if r.type == "aws:iam/rolePolicy:RolePolicy"
                  and r.name.endswith("-external-secrets-policy"))
    statements = json.loads(policy.inputs["policy"])["Statement"]
    read = next(s for s in statements if "secretsmanager:GetSecretValue" in s["Action"])
    resources = read["Resource"] if isinstance(read["Resource"], list) else [read["Resource"]]
    assert sorted(resources) == sorted([recording.exports["cache_auth_token_secret_id"],
                                        recording.exports["kafka_credentials_secret_id"]])
    decrypt = next(s for s in statements if s["Action"] == "kms:Decrypt"
                   or s["Action"] == ["kms:Decrypt"])
    kafka_key = recording.one("aws:kms/key:Key", "forge-prod-stream-credentials-key")
    keys = decrypt["Resource"] if isinstance(decrypt["Resource"], list) else [decrypt["Resource"]]
    assert kafka_key.outputs["arn"] in keys, decrypt


def _addon_values(recording: Recording, key: str) -> dict[str, object]:
    stack = recording.one("aws:eks/cluster:Cluster").name.split("-")[1]
    release = recording.one("kubernetes:helm.sh/v3:Release", f"forge-{stack}-addons-{key}")
    values: dict[str, object] = release.inputs["values"]
    return values


@pytest.mark.parametrize(("stack", "hosts"), [
    ("staging", ["staging.forge.example.com", "gateway.staging.forge.example.com"]),
    # With the CDN the app domain is CloudFront's: the ALB serves the gateway's host only.
    ("prod", ["gateway.forge.example.com"]),
])
def test_eks_add_ons_are_wired_to_the_stack(recordings, stack, hosts) -> None:
    recording = recordings[stack]
    config = stack_config(stack)
    domain, zone = config.app.domain, config.target.hosted_zone_id
    cluster = recording.one("aws:eks/cluster:Cluster")
    name = cluster.outputs["name"]
    # The ALB's certificate: the Ingress hosts, validated in the stack's zone, its ARN in the
    # chart's alb values.
    certificate = recording.one("aws:acm/certificate:Certificate",
                                f"forge-{stack}-addons-certificate")
    assert [certificate.inputs["domainName"],
            *(certificate.inputs.get("subjectAlternativeNames") or [])] == hosts
    records = [r for r in recording.of_type("aws:route53/record:Record")
               if r.name.startswith(f"forge-{stack}-addons-certificate-validation-")]
    assert len(records) == len(hosts)
    assert {r.inputs["zoneId"] for r in records} == {zone}
    validation = recording.one("aws:acm/certificateValidation:CertificateValidation",
                               f"forge-{stack}-addons-certificate-validation")
    values = platform_release(recording).inputs["values"]
    assert values["ingress"]["alb"]["certificateArn"] == validation.outputs["certificateArn"]
    assert {s: values[s]["ingress"]["host"] for s in ("gateway", "ui")
            if values[s]["ingress"]["enabled"]} == dict(
        zip(["ui", "gateway"][-len(hosts):], hosts, strict=True))
    # The controller, external-dns and the autoscaler know the cluster, region and zone.
    controller = _addon_values(recording, "aws-load-balancer-controller")
    vpc = recording.one("aws:ec2/vpc:Vpc")
    assert (controller["clusterName"], controller["region"], controller["vpcId"]) == (
        name, "us-east-1", vpc.resource_id)
    dns = _addon_values(recording, "external-dns")
    assert (dns["domainFilters"], dns["extraArgs"], dns["txtOwnerId"], dns["policy"]) == (
        [domain], [f"--zone-id-filter={zone}", "--aws-zone-type=public"], name, "sync")
    dns_policy = next(r for r in recording.of_type("aws:iam/rolePolicy:RolePolicy")
                      if r.name == f"forge-{stack}-addons-external-dns-policy")
    changes = json.loads(dns_policy.inputs["policy"])["Statement"][0]
    assert changes["Resource"] == f"arn:aws:route53:::hostedzone/{zone}"
    autoscaler = _addon_values(recording, "cluster-autoscaler")
    assert (autoscaler["autoDiscovery"], autoscaler["awsRegion"], autoscaler["image"]) == (
        {"clusterName": name}, "us-east-1", {"tag": "v1.36.1"})
    ca_policy = next(r for r in recording.of_type("aws:iam/rolePolicy:RolePolicy")
                     if r.name == f"forge-{stack}-addons-cluster-autoscaler-policy")
    scale = json.loads(ca_policy.inputs["policy"])["Statement"][1]
    assert scale["Condition"] == {"StringEquals": {
        f"aws:ResourceTag/k8s.io/cluster-autoscaler/{name}": "owned"}}


def test_stack_aws_settings_reach_every_aws_provider() -> None:
    """Explicit providers ignore the stack's aws: config, so the program hands it on."""
    import yaml

    from forge_infra.config import config_from_mapping
    from tests.conftest import ROOT

    values = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())["config"]
    values["aws:profile"] = "forge-prod"
    values["aws:allowedAccountIds"] = ["123456789012"]
    values["aws:assumeRoles"] = [{"roleArn": "arn:aws:iam::123456789012:role/deploy",
                                  "sessionName": "forge"}]
    config = config_from_mapping(values, stack="prod", source="Pulumi.prod.yaml")
    recording = run_mocked(lambda: build(config), stack="prod")
    providers = recording.of_type("pulumi:providers:aws")
    assert sorted(p.name for p in providers) == ["forge-prod-aws", "forge-prod-cdn-us-east-1",
                                                 "forge-prod-dr-us-west-2"]
    for provider in providers:
        inputs = {k: json.loads(v) if isinstance(v, str) and v[:1] in "[{" else v
                  for k, v in provider.inputs.items()}
        assert inputs["profile"] == "forge-prod", provider.urn
        assert inputs["allowedAccountIds"] == ["123456789012"], provider.urn
        assert inputs["assumeRoles"] == [{"roleArn": "arn:aws:iam::123456789012:role/deploy",
                                          "sessionName": "forge"}], provider.urn
    regions = {p.name: p.inputs["region"] for p in providers}
    assert regions == {"forge-prod-aws": "us-east-1", "forge-prod-cdn-us-east-1": "us-east-1",
                       "forge-prod-dr-us-west-2": "us-west-2"}
    certificate = recording.one("aws:acm/certificate:Certificate", "forge-prod-cdn-certificate")
    cdn_provider = recording.one("pulumi:providers:aws", "forge-prod-cdn-us-east-1")
    assert certificate.provider == cdn_provider.urn


def test_the_api_is_public_on_ecs_only(recordings) -> None:
    """On EKS the api is reached through the gateway; on ECS the ALB routes /api to it."""
    values = platform_release(recordings["prod"]).inputs["values"]
    ingress_hosts = {name: values[name]["ingress"]["host"] for name in ("gateway", "ui", "api")
                     if values[name].get("ingress", {}).get("enabled")}
    assert ingress_hosts == {"gateway": "gateway.forge.example.com"}
    assert values["api"]["allowedClients"] == ["gateway"]
    rules = recordings["dev"].of_type("aws:lb/listenerRule:ListenerRule")
    api_rules = [r for r in rules if r.name.endswith("-api-rule")]
    assert len(api_rules) == 1
    conditions = json.dumps(api_rules[0].inputs["conditions"])
    assert '"/api"' in conditions and "dev.forge.example.com" in conditions


@pytest.mark.parametrize(("platform", "origin"), [("eks", "gateway.forge.example.com"),
                                                  ("ecs", "api.forge.example.com")])
def test_cdn_sends_api_traffic_to_the_host_that_serves_it(platform, origin) -> None:
    recording = build_stack("prod", platform)
    distribution = recording.one("aws:cloudfront/distribution:Distribution")
    domains = sorted(o["domainName"] for o in distribution.inputs["origins"])
    assert origin in domains, domains
    assert not any(d in ("api.forge.example.com", "gateway.forge.example.com")
                   and d != origin for d in domains)


NEUTRAL_EXPORTS = {
    "network_id", "zones", "public_subnet_ids", "private_subnet_ids", "database_subnet_ids",
    "database_host", "database_port", "database_credentials_secret_id",
    "cache_host", "cache_auth_token_secret_id", "kafka_bootstrap_brokers",
    "kafka_credentials_secret_id", "bucket_names",
    "access_log_bucket_name",
}


def test_exports_have_neutral_names(recordings) -> None:
    # The workloads' security groups: one per service on ECS, the nodes' shared one on EKS.
    assert set(recordings["dev"].exports) == NEUTRAL_EXPORTS | {
        "service_security_group_ids", "cluster_name", "load_balancer_dns_name", "url"}
    assert set(recordings["staging"].exports) == NEUTRAL_EXPORTS | {
        "app_security_group_id", "cluster_name", "cluster_endpoint", "kubeconfig",
        "release_status"}
    assert set(recordings["prod"].exports) == NEUTRAL_EXPORTS | {
        "app_security_group_id", "cluster_name", "cluster_endpoint", "kubeconfig",
        "release_status", "cdn_hostname", "assets_bucket_name", "url", "waf_web_acl_arn",
        "waf_monthly_fixed_usd",
        # forge-infra:dr (backup): the recovery region, its vault, and the targets
        # `plan --timeline` checks the recovery forecast against.
        "dr_region", "dr_backup_vault_arn", "dr_rto_target_hours", "dr_rpo_target_hours",
        "dr_declaration_minutes"}
    prod = recordings["prod"]
    rds = prod.one("aws:rds/instance:Instance")
    assert prod.exports["database_host"] == rds.outputs["address"], rds.urn
    vpc = prod.one("aws:ec2/vpc:Vpc")
    assert prod.exports["network_id"] == vpc.resource_id, vpc.urn


def test_neutral_service_sizes_reach_fargate_and_kubernetes(recordings) -> None:
    """cpu 0.25 vCPU / 512 MiB in dev's file -> Fargate 256 units / 512 MiB; staging's api
    0.5 vCPU / 1024 MiB -> requests and limits 500m / 1024Mi in the chart's values."""
    for task in recordings["dev"].of_type("aws:ecs/taskDefinition:TaskDefinition"):
        assert (task.inputs["cpu"], task.inputs["memory"]) == ("256", "512"), task.urn
    release = platform_release(recordings["staging"])
    resources = release.inputs["values"]["api"]["resources"]
    assert resources == {"requests": {"cpu": "500m", "memory": "1024Mi"},
                         "limits": {"cpu": "500m", "memory": "1024Mi"}}, release.urn


def test_data_service_environment_reaches_the_ecs_tasks(recordings) -> None:
    recording = recordings["dev"]
    task = next(t for t in recording.of_type("aws:ecs/taskDefinition:TaskDefinition")
                if t.name == "forge-dev-api-task-def")
    container = json.loads(task.inputs["containerDefinitions"])[0]
    environment = {e["name"]: e["value"] for e in container["environment"]}
    assert {k: environment[k] for k in ("DATABASE_HOST", "DATABASE_PORT", "DATABASE_NAME",
                                        "DATABASE_USER", "DATABASE_AUTH", "REDIS_HOST",
                                        "REDIS_PORT", "REDIS_TLS", "KAFKA_BROKERS",
                                        "KAFKA_SECURITY_PROTOCOL", "KAFKA_SASL_MECHANISM",
                                        "KAFKA_USERNAME", "KAFKA_SSL_CA_PEM", "APP_ENV")} == {
        "DATABASE_HOST": recording.exports["database_host"],
        "DATABASE_PORT": "5432",
        "DATABASE_NAME": "forge",
        "DATABASE_USER": "forge_app",
        "DATABASE_AUTH": "iam",
        "REDIS_HOST": recording.exports["cache_host"],
        "REDIS_PORT": "6379",
        "REDIS_TLS": "true",
        "KAFKA_BROKERS": recording.exports["kafka_bootstrap_brokers"],
        # dev's Redpanda: SASL/SCRAM over TLS, with the private CA the apps must trust.
        "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "KAFKA_USERNAME": "forge",
        "KAFKA_SSL_CA_PEM": recording.one("tls:index/selfSignedCert:SelfSignedCert").outputs[
            "certPem"],
        "APP_ENV": "dev",
    }, task.urn
    secrets = {s["name"]: s["valueFrom"] for s in container["secrets"]}
    assert secrets == {
        "KAFKA_PASSWORD": recording.exports["kafka_credentials_secret_id"] + ":password::",
        "REDIS_AUTH_TOKEN": recording.exports["cache_auth_token_secret_id"],
    }, task.urn


def test_app_secrets_reach_the_services_by_reference() -> None:
    """`forge-infra:secrets.jwt_key` -> a Secrets Manager secret; `app:jwt_key` in a service
    -> its ARN in the task definition, never the value."""
    services = stack_config("dev").services.model_dump()
    services["api"]["secrets"] = {"JWT_KEY": "app:jwt_key"}
    config = stack_config("dev", secrets={"jwt_key": {"secure": "v1:c2VjcmV0"}},
                          services=services)
    recording = run_mocked(lambda: build(config), stack="dev")
    secret = recording.one("aws:secretsmanager/secret:Secret", "forge-dev-secrets-jwt-key")
    assert secret.inputs["namePrefix"] == "forge-dev/jwt_key-", secret.urn
    assert secret.inputs["recoveryWindowInDays"] == 30, secret.urn
    task = recording.one("aws:ecs/taskDefinition:TaskDefinition", "forge-dev-api-task-def")
    container = json.loads(task.inputs["containerDefinitions"])[0]
    assert container["secrets"] == [
        {"name": "JWT_KEY", "valueFrom": secret.outputs["arn"]},
        {"name": "KAFKA_PASSWORD",
         "valueFrom": recording.exports["kafka_credentials_secret_id"] + ":password::"}], (
        task.urn)
    value = config.secrets["jwt_key"].get_secret_value()
    assert value not in json.dumps(task.inputs), task.urn
