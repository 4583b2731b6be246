"""Tests of the AWS EcsCompute component, run under the shared offline mocks.

What these tests do not prove: that AWS accepts the layout (Fargate CPU/memory pairs, quotas,
ALB rule limits), that the certificate validates or that tasks become healthy; only that the
program asks AWS for what it should, with the security-relevant settings exact.
"""

import json
import re
from typing import Any

import pulumi
import pytest

from forge_components.aws.compute_ecs import (
    COMPONENT,
    TLS_POLICY,
    EcsCompute,
    EcsComputeArgs,
    ecr_repository_arn,
    path_patterns,
)
from forge_components.contracts import ComputeOutputs, SecretReference, ServiceSpec
from forge_infra.plan.recorder import RecordedResource, Recording
from tests.components.aws.conftest import (
    DB_SECRET_ARN,
    DOMAIN,
    ECR,
    GATEWAY_HOST,
    PRIVATE_SUBNETS,
    PUBLIC_SUBNETS,
    REDIS_SECRET_ARN,
    VPC_ID,
    ZONE_ID,
    assert_component_schema,
)
from tests.helpers import assert_all_tagged, run_mocked

NAME = "forge-test"
KMS_KEY = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"

CLUSTER = "aws:ecs/cluster:Cluster"
SERVICE = "aws:ecs/service:Service"
TASK_DEF = "aws:ecs/taskDefinition:TaskDefinition"
LB = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
RULE = "aws:lb/listenerRule:ListenerRule"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
CERT = "aws:acm/certificate:Certificate"
CERT_VALIDATION = "aws:acm/certificateValidation:CertificateValidation"
RECORD = "aws:route53/record:Record"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
SCALING_TARGET = "aws:appautoscaling/target:Target"
SCALING_POLICY = "aws:appautoscaling/policy:Policy"

SERVED = ("gateway", "api", "ui")
FARGATE_UNITS = {"gateway": 512, "api": 1024, "worker": 512, "ui": 256}
"""The Fargate CPU units of the fixture's neutral sizes (500m, 1000m, 500m, 250m)."""
ALL = ("gateway", "api", "worker", "ui")
PORTS = {"gateway": 8080, "api": 8000, "ui": 3000}
"""The fixture's ports of the services the ALB routes to."""
SERVICE_SGS = {name: f"sg-0{name}".ljust(20, "0") for name in ALL}
"""The security group of each service (from Networking in the program)."""
LOG_KEY = "arn:aws:kms:us-east-1:123456789012:key/0000-logs"


def make_args(services: list[ServiceSpec], worker_statements: list[dict[str, Any]],
              **overrides: Any) -> EcsComputeArgs:
    base = {
        "vpc_id": VPC_ID, "public_subnet_ids": PUBLIC_SUBNETS,
        "private_subnet_ids": PRIVATE_SUBNETS,
        "service_security_group_ids": {spec["name"]: SERVICE_SGS[spec["name"]]
                                       for spec in services},
        "services": services, "domain_name": DOMAIN, "hosted_zone_id": ZONE_ID,
        "task_role_statements": {"worker": worker_statements},
    }
    return EcsComputeArgs(**{**base, **overrides})


def build(args: EcsComputeArgs) -> tuple[Recording, dict[str, Any]]:
    """Run the component; also capture the options each ECS service was registered with."""
    ignored: dict[str, Any] = {}

    def capture(t: pulumi.ResourceTransformationArgs) -> None:
        if t.type_ == SERVICE:
            ignored[t.name] = list(t.opts.ignore_changes or [])

    def program() -> None:
        pulumi.runtime.register_stack_transformation(capture)
        ecs = EcsCompute(NAME, args)
        for key in ("cluster_name", "cluster_arn", "load_balancer_dns_name",
                    "load_balancer_zone_id", "load_balancer_arn", "alb_security_group_id",
                    "https_listener_arn", "service_names", "target_group_arns",
                    "certificate_arn", "url"):
            pulumi.export(key, getattr(ecs, key))

    return run_mocked(program), ignored


@pytest.fixture
def default_run(services, worker_statements) -> tuple[Recording, dict[str, Any]]:
    return build(make_args(services, worker_statements))


def named(recording: Recording, type_token: str, suffix: str) -> RecordedResource:
    return recording.one(type_token, f"{NAME}-{suffix}")


def policy_of(recording: Recording, role: RecordedResource) -> dict[str, Any] | None:
    found = [p for p in recording.of_type(ROLE_POLICY) if p.inputs["role"] == role.resource_id]
    assert len(found) <= 1, role.urn
    return json.loads(found[0].inputs["policy"]) if found else None


def container_of(recording: Recording, service: str) -> dict[str, Any]:
    task_def = named(recording, TASK_DEF, f"{service}-task-def")
    containers = json.loads(task_def.inputs["containerDefinitions"])
    assert len(containers) == 1, task_def.urn
    return containers[0]


def spec_of(services: list[ServiceSpec], name: str) -> ServiceSpec:
    return next(s for s in services if s["name"] == name)


# -- inventory -------------------------------------------------------------------------------------


def test_inventory_is_exact_and_every_child_is_parented(default_run):
    recording, _ = default_run
    component = recording.one(COMPONENT, NAME)
    snapshot = sorted((r.type, r.name) for r in recording.resources if r is not component)
    expected = [
        (CLUSTER, f"{NAME}-cluster"), (SG, f"{NAME}-alb-sg"), (LB, f"{NAME}-alb"),
        (CERT, f"{NAME}-cert"), (RECORD, f"{NAME}-cert-validation-1"),
        (RECORD, f"{NAME}-cert-validation-2"), (CERT_VALIDATION, f"{NAME}-cert-validation"),
        (RECORD, f"{NAME}-alias-1"), (RECORD, f"{NAME}-alias-2"),
        (LISTENER, f"{NAME}-https"), (LISTENER, f"{NAME}-http"),
        (RULE, f"{NAME}-api-rule"), (RULE, f"{NAME}-gateway-rule"),
        (ROLE_POLICY, f"{NAME}-worker-task-policy"),
    ]
    expected += [(INGRESS, f"{NAME}-alb-in-{port}-{family}")
                 for port in (443, 80) for family in ("ipv4", "ipv6")]
    for s in SERVED:
        expected += [(EGRESS, f"{NAME}-alb-to-{s}"), (INGRESS, f"{NAME}-{s}-from-alb")]
    expected += [(TARGET_GROUP, f"{NAME}-{s}") for s in SERVED]
    for s in ALL:
        expected += [
            (LOG_GROUP, f"{NAME}-{s}-logs"), (ROLE, f"{NAME}-{s}-execution"),
            (ROLE_POLICY, f"{NAME}-{s}-execution-policy"), (ROLE, f"{NAME}-{s}-task"),
            (TASK_DEF, f"{NAME}-{s}-task-def"), (SERVICE, f"{NAME}-{s}"),
            (SCALING_TARGET, f"{NAME}-{s}-scaling"), (SCALING_POLICY, f"{NAME}-{s}-cpu"),
        ]
    assert snapshot == sorted(expected)
    assert len(snapshot) == 59
    for resource in recording.resources:
        if resource is not component:
            assert resource.parent == component.urn, f"{resource.urn} parent {resource.parent}"
            assert not resource.protect, f"{resource.urn} is protected"


def test_every_taggable_child_is_tagged(default_run):
    recording, _ = default_run
    checked = assert_all_tagged(recording, COMPONENT)
    # Everything but the role policies, the 4 DNS records, the certificate validation and the
    # scaling policies (which take no tags).
    assert len(checked) == 59 - 5 - 4 - 1 - 4, [r.urn for r in checked]


# -- placement -------------------------------------------------------------------------------------


def test_the_alb_is_the_only_thing_in_the_public_subnets(default_run):
    recording, _ = default_run
    holders = [r.urn for r in recording.resources
               if any(subnet in json.dumps(r.inputs) for subnet in PUBLIC_SUBNETS)]
    alb = recording.one(LB)
    assert holders == [alb.urn]
    assert alb.inputs["subnets"] == PUBLIC_SUBNETS, alb.urn
    assert alb.inputs["internal"] is False, alb.urn
    assert alb.inputs["loadBalancerType"] == "application", alb.urn
    assert alb.inputs["dropInvalidHeaderFields"] is True, alb.urn
    assert alb.inputs["enableDeletionProtection"] is False, alb.urn
    assert alb.inputs["securityGroups"] == [recording.one(SG).resource_id], alb.urn
    assert "accessLogs" not in alb.inputs, alb.urn


def test_alb_deletion_protection_and_access_logs_follow_the_args(services, worker_statements):
    recording, _ = build(make_args(services, worker_statements, alb_deletion_protection=True,
                                   alb_access_logs_bucket="forge-test-alb-logs"))
    alb = recording.one(LB)
    assert alb.inputs["enableDeletionProtection"] is True, alb.urn
    assert alb.inputs["accessLogs"] == {"bucket": "forge-test-alb-logs", "enabled": True,
                                        "prefix": NAME}, alb.urn


def test_a_web_acl_is_associated_with_the_alb_only_when_given(default_run, services,
                                                            worker_statements):
    association = "aws:wafv2/webAclAssociation:WebAclAssociation"
    assert default_run[0].of_type(association) == []
    acl = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/forge/0123"
    recording, _ = build(make_args(services, worker_statements, web_acl_arn=acl))
    alb = recording.one(LB)
    found = recording.one(association)
    assert found.name == f"{NAME}-alb-waf", found.urn
    assert found.inputs == {"resourceArn": alb.outputs["arn"], "webAclArn": acl}, found.urn
    assert found.parent == recording.one(COMPONENT, NAME).urn, found.urn


def test_alb_access_logs_go_under_the_given_prefix(services, worker_statements):
    recording, _ = build(make_args(services, worker_statements,
                                   alb_access_logs_bucket="forge-test-logs",
                                   alb_access_logs_prefix="alb"))
    alb = recording.one(LB)
    assert alb.inputs["accessLogs"] == {"bucket": "forge-test-logs", "enabled": True,
                                        "prefix": "alb"}, alb.urn


def test_services_run_in_private_subnets_without_public_ips(default_run, services):
    recording, ignored = default_run
    assert len(recording.of_type(SERVICE)) == 4
    cluster = recording.one(CLUSTER)
    for name in ALL:
        service = named(recording, SERVICE, name)
        spec = spec_of(services, name)
        inputs = service.inputs
        assert inputs["networkConfiguration"] == {
            "subnets": PRIVATE_SUBNETS, "securityGroups": [SERVICE_SGS[name]],
            "assignPublicIp": False}, service.urn
        assert inputs["launchType"] == "FARGATE", service.urn
        assert inputs["cluster"] == cluster.outputs["arn"], service.urn
        assert inputs["desiredCount"] == spec["replicas"], service.urn
        assert inputs["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
        assert inputs["deploymentMinimumHealthyPercent"] == 100, service.urn
        assert inputs["deploymentMaximumPercent"] == 200, service.urn
        assert inputs["propagateTags"] == "SERVICE", service.urn
        assert inputs["enableExecuteCommand"] is False, service.urn
        assert inputs["taskDefinition"] == named(
            recording, TASK_DEF, f"{name}-task-def").outputs["arn"], service.urn
        assert ignored[service.name] == ["desiredCount"], service.urn


# -- load balancer, TLS and routing ----------------------------------------------------------------


def test_https_listener_uses_tls13_and_the_validated_certificate(default_run):
    recording, _ = default_run
    https = named(recording, LISTENER, "https")
    cert = recording.one(CERT)
    validation = recording.one(CERT_VALIDATION)
    assert https.inputs["port"] == 443 and https.inputs["protocol"] == "HTTPS", https.urn
    assert https.inputs["sslPolicy"] == TLS_POLICY == "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"
    assert https.inputs["certificateArn"] == cert.outputs["arn"], https.urn
    assert validation.urn in https.dependencies, https.urn
    assert https.inputs["loadBalancerArn"] == recording.one(LB).outputs["arn"], https.urn
    assert https.inputs["defaultActions"] == [{
        "type": "forward",
        "targetGroupArn": named(recording, TARGET_GROUP, "ui").outputs["arn"]}], https.urn


def test_http_listener_only_redirects_to_https(default_run):
    recording, _ = default_run
    http = named(recording, LISTENER, "http")
    assert http.inputs["port"] == 80 and http.inputs["protocol"] == "HTTP", http.urn
    assert http.inputs["defaultActions"] == [{"type": "redirect", "redirect": {
        "port": "443", "protocol": "HTTPS", "statusCode": "HTTP_301"}}], http.urn
    assert "certificateArn" not in http.inputs, http.urn


def test_certificate_is_dns_validated_for_every_public_host(default_run):
    recording, _ = default_run
    cert = recording.one(CERT)
    assert cert.inputs["domainName"] == DOMAIN, cert.urn
    assert cert.inputs["subjectAlternativeNames"] == [GATEWAY_HOST], cert.urn
    assert cert.inputs["validationMethod"] == "DNS", cert.urn
    options = {o["domainName"]: o for o in cert.outputs["domainValidationOptions"]}
    records = [named(recording, RECORD, f"cert-validation-{i}") for i in (1, 2)]
    for record, domain in zip(records, (DOMAIN, GATEWAY_HOST), strict=True):
        option = options[domain]
        assert record.inputs["zoneId"] == ZONE_ID, record.urn
        assert record.inputs["name"] == option["resourceRecordName"], record.urn
        assert record.inputs["type"] == "CNAME", record.urn
        assert record.inputs["records"] == [option["resourceRecordValue"]], record.urn
    validation = recording.one(CERT_VALIDATION)
    assert validation.inputs["certificateArn"] == cert.outputs["arn"], validation.urn
    assert validation.inputs["validationRecordFqdns"] == [
        r.outputs["fqdn"] for r in records], validation.urn


def test_public_hosts_are_aliased_to_the_alb(default_run, services, worker_statements):
    recording, _ = default_run
    alb = recording.one(LB)
    aliases = [named(recording, RECORD, f"alias-{i}") for i in (1, 2)]
    for record, host in zip(aliases, sorted([DOMAIN, GATEWAY_HOST]), strict=True):
        assert record.inputs == {
            "zoneId": ZONE_ID, "name": host, "type": "A", "aliases": [{
                "name": alb.outputs["dnsName"], "zoneId": alb.outputs["zoneId"],
                "evaluateTargetHealth": True}]}, record.urn
    off, _ = build(make_args(services, worker_statements, create_dns_records=False))
    assert [r.name for r in off.of_type(RECORD) if "alias" in r.name] == []


def test_a_given_certificate_is_used_and_none_is_created(services, worker_statements):
    given = "arn:aws:acm:us-east-1:123456789012:certificate/abcd-1234"
    recording, _ = build(make_args(services, worker_statements, certificate_arn=given,
                                   hosted_zone_id=None))
    assert recording.of_type(CERT) == [] and recording.of_type(RECORD) == []
    assert recording.of_type(CERT_VALIDATION) == []
    assert named(recording, LISTENER, "https").inputs["certificateArn"] == given
    assert recording.exports["certificate_arn"] == given


def test_missing_certificate_and_zone_is_rejected(services, worker_statements):
    args = make_args(services, worker_statements, hosted_zone_id=None)
    with pytest.raises(ValueError) as raised:
        run_mocked(lambda: EcsCompute(NAME, args))
    assert str(raised.value) == (
        "EcsComputeArgs: certificate_arn and hosted_zone_id are both unset; give "
        "certificate_arn, or hosted_zone_id to create a DNS-validated certificate")


@pytest.mark.parametrize(("change", "message"), [
    ("unknown_task_role",
     "EcsComputeArgs: task_role_statements names unknown services ['billing']; services are "
     "['gateway', 'api', 'worker', 'ui']"),
    ("duplicate_route",
     "EcsComputeArgs: services 'api' and 'ui' share the route ('app.example.com', '/api')"),
    ("bad_bounds",
     "EcsComputeArgs: service 'api' needs 1 <= min_replicas <= replicas <= max_replicas, "
     "got 2, 12, 10"),
])
def test_inconsistent_services_are_rejected(services, worker_statements, change, message):
    overrides: dict[str, Any] = {}
    if change == "unknown_task_role":
        overrides["task_role_statements"] = {"billing": worker_statements}
    elif change == "duplicate_route":
        services = [s if s["name"] != "ui" else {**s, "public_path": "/api/*"}
                    for s in services]
    else:
        services = [s if s["name"] != "api" else {**s, "replicas": 12} for s in services]
    args = make_args(services, worker_statements, **overrides)
    with pytest.raises(ValueError) as raised:
        run_mocked(lambda: EcsCompute(NAME, args))
    assert str(raised.value) == message


def test_routing_rules_send_the_api_path_and_the_gateway_host(default_run):
    recording, _ = default_run
    https = named(recording, LISTENER, "https")
    api_rule = named(recording, RULE, "api-rule")
    gateway_rule = named(recording, RULE, "gateway-rule")
    assert len(recording.of_type(RULE)) == 2
    assert api_rule.inputs["priority"] == 100, api_rule.urn
    assert api_rule.inputs["listenerArn"] == https.outputs["arn"], api_rule.urn
    assert api_rule.inputs["conditions"] == [
        {"hostHeader": {"values": [DOMAIN]}},
        {"pathPattern": {"values": ["/api", "/api/*"]}}], api_rule.urn
    assert api_rule.inputs["actions"] == [{"type": "forward", "targetGroupArn": named(
        recording, TARGET_GROUP, "api").outputs["arn"]}], api_rule.urn
    assert gateway_rule.inputs["priority"] == 110, gateway_rule.urn
    assert gateway_rule.inputs["conditions"] == [
        {"hostHeader": {"values": [GATEWAY_HOST]}}], gateway_rule.urn
    assert gateway_rule.inputs["actions"] == [{"type": "forward", "targetGroupArn": named(
        recording, TARGET_GROUP, "gateway").outputs["arn"]}], gateway_rule.urn
    assert path_patterns("/") == [] and path_patterns("/api/*") == ["/api", "/api/*"]


def test_without_a_ui_the_default_action_is_a_404(services, worker_statements):
    recording, _ = build(make_args([s for s in services if s["name"] != "ui"], worker_statements))
    https = named(recording, LISTENER, "https")
    assert https.inputs["defaultActions"] == [{"type": "fixed-response", "fixedResponse": {
        "contentType": "text/plain", "messageBody": "Not Found", "statusCode": "404"}}]


def test_target_groups_check_each_services_health_path(default_run, services):
    recording, _ = default_run
    assert len(recording.of_type(TARGET_GROUP)) == 3
    for name in SERVED:
        spec = spec_of(services, name)
        tg = named(recording, TARGET_GROUP, name)
        assert tg.inputs["targetType"] == "ip" and tg.inputs["protocol"] == "HTTP", tg.urn
        assert tg.inputs["port"] == spec.get("port") and tg.inputs["vpcId"] == VPC_ID, tg.urn
        assert tg.inputs["deregistrationDelay"] == 30, tg.urn
        assert tg.inputs["healthCheck"] == {
            "enabled": True, "protocol": "HTTP", "port": "traffic-port",
            "path": spec.get("health_path"), "matcher": "200-399", "interval": 15, "timeout": 5,
            "healthyThreshold": 2, "unhealthyThreshold": 3}, tg.urn
        service = named(recording, SERVICE, name)
        assert service.inputs["loadBalancers"] == [{
            "targetGroupArn": tg.outputs["arn"], "containerName": name,
            "containerPort": spec.get("port")}], service.urn
        assert service.inputs["healthCheckGracePeriodSeconds"] == 60, service.urn
        assert named(recording, LISTENER, "https").urn in service.dependencies, service.urn
    for name in ("api", "gateway"):
        rule = named(recording, RULE, f"{name}-rule")
        assert rule.urn in named(recording, SERVICE, name).dependencies


def test_worker_has_no_target_group_and_no_load_balancer(default_run):
    recording, _ = default_run
    assert [r.name for r in recording.of_type(TARGET_GROUP) if "worker" in r.name] == []
    worker = named(recording, SERVICE, "worker")
    assert "loadBalancers" not in worker.inputs, worker.urn
    assert "healthCheckGracePeriodSeconds" not in worker.inputs, worker.urn
    assert "portMappings" not in container_of(recording, "worker")
    assert recording.exports["target_group_arns"].keys() == {"gateway", "api", "ui"}


# -- security groups -------------------------------------------------------------------------------


def test_each_routed_service_admits_only_the_alb_on_its_own_port(default_run):
    recording, _ = default_run
    alb_sg = recording.one(SG)
    for name in ALL:
        into = [r for r in recording.of_type(INGRESS)
                if r.inputs["securityGroupId"] == SERVICE_SGS[name]]
        if name not in PORTS:  # the worker serves nothing: nothing may reach it
            assert into == [], [r.urn for r in into]
            continue
        (rule,) = into
        inputs = {k: v for k, v in rule.inputs.items() if k not in ("tags", "description")}
        assert inputs == {"securityGroupId": SERVICE_SGS[name], "ipProtocol": "tcp",
                          "fromPort": PORTS[name], "toPort": PORTS[name],
                          "referencedSecurityGroupId": alb_sg.resource_id}, rule.urn
    # The component opens no service-to-service path and adds no egress to a service's group.
    service_groups = set(SERVICE_SGS.values())
    assert [r.urn for r in recording.of_type(INGRESS)
            if r.inputs.get("referencedSecurityGroupId") in service_groups] == []
    assert [r.urn for r in recording.of_type(EGRESS)
            if r.inputs["securityGroupId"] in service_groups] == []


def test_alb_sg_is_open_on_80_443_and_egresses_only_to_the_routed_services(default_run):
    recording, _ = default_run
    alb_sg = recording.one(SG)
    assert alb_sg.inputs["vpcId"] == VPC_ID, alb_sg.urn
    assert "ingress" not in alb_sg.inputs and "egress" not in alb_sg.inputs, alb_sg.urn
    ingress = [r for r in recording.of_type(INGRESS)
               if r.inputs["securityGroupId"] == alb_sg.resource_id]
    assert sorted((r.inputs["fromPort"], r.inputs["toPort"],
                   r.inputs.get("cidrIpv4") or r.inputs.get("cidrIpv6")) for r in ingress) == [
        (80, 80, "0.0.0.0/0"), (80, 80, "::/0"), (443, 443, "0.0.0.0/0"), (443, 443, "::/0")]
    egress = [r for r in recording.of_type(EGRESS)
              if r.inputs["securityGroupId"] == alb_sg.resource_id]
    assert sorted((r.inputs["referencedSecurityGroupId"], r.inputs["fromPort"],
                   r.inputs["toPort"], r.inputs["ipProtocol"]) for r in egress) == sorted(
        (SERVICE_SGS[name], port, port, "tcp") for name, port in PORTS.items())
    for rule in egress:
        assert "cidrIpv4" not in rule.inputs and "cidrIpv6" not in rule.inputs, rule.urn


def test_every_service_needs_exactly_its_own_security_group(services, worker_statements):
    groups = {name: sg for name, sg in SERVICE_SGS.items() if name != "ui"}
    groups["billing"] = "sg-0billing"
    with pytest.raises(ValueError, match=re.escape(
            "EcsComputeArgs: service_security_group_ids must name one security group per "
            "service; services without one: ['ui'], groups of no service: ['billing']; "
            "services are ['gateway', 'api', 'worker', 'ui']")):
        build(make_args(services, worker_statements, service_security_group_ids=groups))


@pytest.mark.parametrize(("field", "replacement"), [
    ("app_security_group_id", "service_security_group_ids (one security group per service)"),
    ("kms_key_arn", "log_kms_key_arn (the log groups) and secret_kms_key_arns (the secrets)"),
])
def test_replaced_fields_are_refused_naming_their_replacement(
        services, worker_statements, field, replacement):
    with pytest.raises(ValueError, match=re.escape(
            f"EcsComputeArgs: unknown fields ['{field}']; {field} is replaced by {replacement}")):
        build(make_args(services, worker_statements, **{field: "sg-or-key"}))


# -- autoscaling -----------------------------------------------------------------------------------


def test_autoscaling_bounds_and_cpu_target_follow_the_spec(default_run, services):
    recording, _ = default_run
    cluster_name = recording.one(CLUSTER).outputs.get("name") or recording.one(CLUSTER).resource_id
    for name in ALL:
        spec = spec_of(services, name)
        service = named(recording, SERVICE, name)
        target = named(recording, SCALING_TARGET, f"{name}-scaling")
        assert target.inputs["minCapacity"] == spec["min_replicas"], target.urn
        assert target.inputs["maxCapacity"] == spec["max_replicas"], target.urn
        assert target.inputs["serviceNamespace"] == "ecs", target.urn
        assert target.inputs["scalableDimension"] == "ecs:service:DesiredCount", target.urn
        service_name = service.outputs.get("name") or service.resource_id
        assert target.inputs["resourceId"] == f"service/{cluster_name}/{service_name}"
        policy = named(recording, SCALING_POLICY, f"{name}-cpu")
        assert policy.inputs["policyType"] == "TargetTrackingScaling", policy.urn
        assert policy.inputs["resourceId"] == target.inputs["resourceId"], policy.urn
        config = policy.inputs["targetTrackingScalingPolicyConfiguration"]
        assert config["targetValue"] == spec["target_cpu_percent"], policy.urn
        assert config["predefinedMetricSpecification"] == {
            "predefinedMetricType": "ECSServiceAverageCPUUtilization"}, policy.urn


# -- tasks: containers, secrets, roles, logs -------------------------------------------------------


def test_secrets_are_passed_by_reference_only(default_run, services):
    recording, _ = default_run
    api = container_of(recording, "api")
    assert api["secrets"] == [
        {"name": "DB_PASSWORD", "valueFrom": f"{DB_SECRET_ARN}:password::"},
        {"name": "DB_USER", "valueFrom": f"{DB_SECRET_ARN}:username::"},
        {"name": "REDIS_AUTH_TOKEN", "valueFrom": REDIS_SECRET_ARN}]
    assert api["environment"] == [{"name": "DB_USER_KEY", "value": "username"},
                                  {"name": "LOG_LEVEL", "value": "info"}]
    for name in ALL:
        container = container_of(recording, name)
        for entry in container["environment"]:
            for arn in (DB_SECRET_ARN, REDIS_SECRET_ARN):
                assert arn not in entry["value"], f"{name} environment holds {arn}"
        spec = spec_of(services, name)
        assert [s["name"] for s in container["secrets"]] == sorted(spec.get("secrets", {}))
    # Anywhere else in the whole plan, a secret ARN may only appear in an execution policy.
    for resource in recording.resources:
        if resource.type in (TASK_DEF, ROLE_POLICY):
            continue
        text = json.dumps(resource.inputs)
        assert DB_SECRET_ARN not in text and REDIS_SECRET_ARN not in text, resource.urn


def test_containers_are_hardened_and_log_to_their_own_group(default_run, services):
    recording, _ = default_run
    for name in ALL:
        spec = spec_of(services, name)
        container = container_of(recording, name)
        task_def = named(recording, TASK_DEF, f"{name}-task-def")
        log_group = named(recording, LOG_GROUP, f"{name}-logs")
        assert container["name"] == name and container["essential"] is True
        assert container["image"] == f"{spec['image_repository']}:{spec['image_tag']}"
        assert container["readonlyRootFilesystem"] is True, task_def.urn
        assert container["mountPoints"] == [
            {"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": False}]
        assert "healthCheck" not in container and "privileged" not in container
        assert container["logConfiguration"] == {"logDriver": "awslogs", "options": {
            "awslogs-group": f"/ecs/{NAME}/{name}", "awslogs-region": "us-east-1",
            "awslogs-stream-prefix": name}}
        if spec.get("port") is not None:
            assert container["portMappings"] == [
                {"name": name, "containerPort": spec.get("port"), "protocol": "tcp"}]
        inputs = task_def.inputs
        assert inputs["requiresCompatibilities"] == ["FARGATE"], task_def.urn
        assert inputs["networkMode"] == "awsvpc", task_def.urn
        assert inputs["cpu"] == str(FARGATE_UNITS[name]), task_def.urn
        assert inputs["memory"] == str(spec["memory_mib"]), task_def.urn
        assert inputs["runtimePlatform"] == {"operatingSystemFamily": "LINUX",
                                             "cpuArchitecture": "X86_64"}, task_def.urn
        assert inputs["volumes"] == [{"name": "tmp"}], task_def.urn
        assert inputs["executionRoleArn"] == named(
            recording, ROLE, f"{name}-execution").outputs["arn"]
        assert inputs["taskRoleArn"] == named(recording, ROLE, f"{name}-task").outputs["arn"]
        assert log_group.inputs["name"] == f"/ecs/{NAME}/{name}", log_group.urn
        assert log_group.inputs["retentionInDays"] == 30, log_group.urn
        assert "kmsKeyId" not in log_group.inputs, log_group.urn


def test_execution_roles_read_exactly_their_referenced_secrets(default_run, services):
    recording, _ = default_run
    expected_secrets = {"gateway": [REDIS_SECRET_ARN], "api": [DB_SECRET_ARN, REDIS_SECRET_ARN],
                        "worker": [DB_SECRET_ARN], "ui": None}
    for name in ALL:
        spec = spec_of(services, name)
        role = named(recording, ROLE, f"{name}-execution")
        trust_statement = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        assert trust_statement == [{
            "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Action": "sts:AssumeRole", "Condition": {
                "StringEquals": {"aws:SourceAccount": "123456789012"},
                "ArnLike": {"aws:SourceArn": "arn:aws:ecs:us-east-1:123456789012:*"}}}]
        document = policy_of(recording, role)
        assert document is not None, role.urn
        statements = {s["Sid"]: s for s in document["Statement"]}
        log_group = named(recording, LOG_GROUP, f"{name}-logs")
        assert statements["Logs"] == {
            "Sid": "Logs", "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{log_group.outputs['arn']}:log-stream:*"}, role.urn
        repository = ecr_repository_arn(spec["image_repository"])
        if repository is None:
            assert "EcrPull" not in statements and "EcrAuth" not in statements, role.urn
        else:
            assert repository == (f"arn:aws:ecr:us-east-1:123456789012:repository/"
                                  f"forge/{name}")
            assert statements["EcrPull"]["Resource"] == repository, role.urn
            assert statements["EcrAuth"]["Action"] == "ecr:GetAuthorizationToken"
        secrets = expected_secrets[name]
        if secrets is None:
            assert "Secrets" not in statements, role.urn
        else:
            resource = statements["Secrets"]["Resource"]
            resources = [resource] if isinstance(resource, str) else resource
            assert resources == secrets, role.urn
            assert statements["Secrets"]["Action"] == "secretsmanager:GetSecretValue"
        assert "SecretsKey" not in statements, role.urn
        expected_sids = {"Logs"} | ({"EcrAuth", "EcrPull"} if repository else set()) | (
            {"Secrets"} if secrets else set())
        assert set(statements) == expected_sids, role.urn
    assert ECR in spec_of(services, "api")["image_repository"]


def test_the_log_key_encrypts_every_log_group_and_nothing_else(services, worker_statements):
    recording, _ = build(make_args(services, worker_statements, log_kms_key_arn=LOG_KEY))
    for name in ALL:
        log_group = named(recording, LOG_GROUP, f"{name}-logs")
        assert log_group.inputs["kmsKeyId"] == LOG_KEY, log_group.urn
        document = policy_of(recording, named(recording, ROLE, f"{name}-execution"))
        assert document is not None
        assert "SecretsKey" not in {s["Sid"] for s in document["Statement"]}, name
    default, _ = build(make_args(services, worker_statements))
    for name in ALL:
        log_group = named(default, LOG_GROUP, f"{name}-logs")
        assert "kmsKeyId" not in log_group.inputs, log_group.urn


def test_keys_of_referenced_secrets_are_decryptable_via_secrets_manager_only(
        services, worker_statements):
    database_key = "arn:aws:kms:us-east-1:123456789012:key/0000-database"
    recording, _ = build(make_args(services, worker_statements, log_kms_key_arn=LOG_KEY,
                                   secret_kms_key_arns=[database_key, KMS_KEY, database_key]))
    for name in ALL:
        document = policy_of(recording, named(recording, ROLE, f"{name}-execution"))
        statements = {s["Sid"]: s for s in document["Statement"]}
        if name == "ui":
            assert "SecretsKey" not in statements
            continue
        assert statements["SecretsKey"] == {
            "Sid": "SecretsKey", "Effect": "Allow", "Action": "kms:Decrypt",
            "Resource": [database_key, KMS_KEY], "Condition": {"StringEquals": {
                "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}}
    one, _ = build(make_args(services, worker_statements, secret_kms_key_arns=[KMS_KEY]))
    document = policy_of(one, named(one, ROLE, "api-execution"))
    assert {s["Sid"]: s for s in document["Statement"]}["SecretsKey"]["Resource"] == KMS_KEY


def test_task_roles_have_only_the_given_statements(default_run, worker_statements):
    recording, _ = default_run
    for name in ALL:
        role = named(recording, ROLE, f"{name}-task")
        document = policy_of(recording, role)
        if name == "worker":
            assert document == {"Version": "2012-10-17", "Statement": worker_statements}
        else:
            assert document is None, f"{role.urn} has a policy: {document}"


# -- cluster and outputs ---------------------------------------------------------------------------


def test_container_insights(default_run, services, worker_statements):
    recording, _ = default_run
    assert recording.one(CLUSTER).inputs["settings"] == [
        {"name": "containerInsights", "value": "enabled"}]
    off, _ = build(make_args(services, worker_statements, container_insights=False))
    assert off.one(CLUSTER).inputs["settings"] == [
        {"name": "containerInsights", "value": "disabled"}]


def test_outputs(default_run):
    recording, _ = default_run
    exports = recording.exports
    alb = recording.one(LB)
    assert exports["load_balancer_dns_name"] == alb.outputs["dnsName"]
    assert exports["load_balancer_zone_id"] == alb.outputs["zoneId"]
    assert exports["load_balancer_arn"] == alb.outputs["arn"]
    assert exports["alb_security_group_id"] == recording.one(SG).resource_id
    assert exports["https_listener_arn"] == named(recording, LISTENER, "https").outputs["arn"]
    assert exports["cluster_arn"] == recording.one(CLUSTER).outputs["arn"]
    assert exports["certificate_arn"] == recording.one(CERT).outputs["arn"]
    assert exports["url"] == f"https://{DOMAIN}"
    assert exports["target_group_arns"] == {
        n: named(recording, TARGET_GROUP, n).outputs["arn"] for n in SERVED}
    assert exports["service_names"] == [
        named(recording, SERVICE, n).outputs["name"] for n in ALL]


def test_a_long_name_is_rejected_before_anything_is_created(services, worker_statements):
    args = make_args(services, worker_statements)
    with pytest.raises(ValueError, match="too long"):
        run_mocked(lambda: EcsCompute("forge-platform-staging-eu", args))


def test_a_secret_arn_known_only_at_deploy_time_is_granted_once(services, worker_statements):
    """Two keys of one RDS-managed secret whose ARN is an Output: one policy resource."""

    def program() -> None:
        arn = pulumi.Output.from_input(DB_SECRET_ARN)
        api: ServiceSpec = {**spec_of(services, "api"), "secrets": {
            "DB_PASSWORD": SecretReference(secret_id=arn, key="password"),
            "DB_USER": SecretReference(secret_id=arn, key="username")}}
        EcsCompute(NAME, make_args([api], worker_statements, task_role_statements={}))

    recording = run_mocked(program)
    document = policy_of(recording, named(recording, ROLE, "api-execution"))
    assert document is not None
    secrets = [s for s in document["Statement"] if s.get("Sid") == "Secrets"]
    assert secrets == [{"Sid": "Secrets", "Effect": "Allow",
                        "Action": "secretsmanager:GetSecretValue",
                        "Resource": [DB_SECRET_ARN]}]
    assert container_of(recording, "api")["secrets"] == [
        {"name": "DB_PASSWORD", "valueFrom": f"{DB_SECRET_ARN}:password::"},
        {"name": "DB_USER", "valueFrom": f"{DB_SECRET_ARN}:username::"}]


@pytest.mark.parametrize(("change", "message"), [
    ({"cpu_millicores": 300},
     "EcsComputeArgs: service 'api' has cpu_millicores 300, which is no Fargate size; Fargate "
     "runs [250, 500, 1000, 2000, 4000, 8000, 16000]"),
    ({"memory_mib": 512},
     "EcsComputeArgs: service 'api' has memory_mib 512, which Fargate does not pair with 1000 "
     "millicores; allowed: [2048, 3072, 4096, 5120, 6144, 7168, 8192]"),
])
def test_a_size_fargate_cannot_run_is_rejected(services, worker_statements, change, message):
    services = [s if s["name"] != "api" else {**s, **change} for s in services]
    args = make_args(services, worker_statements)
    with pytest.raises(ValueError) as raised:
        run_mocked(lambda: EcsCompute(NAME, args))
    assert str(raised.value) == message


def test_the_analyzer_infers_the_interface():
    """Exactly these outputs, the Compute contract among them, each documented."""
    definition = assert_component_schema(EcsCompute, ComputeOutputs, {
        "cluster_name", "cluster_arn", "load_balancer_arn", "load_balancer_dns_name",
        "load_balancer_zone_id", "alb_security_group_id", "https_listener_arn",
        "service_names", "target_group_arns", "green_target_group_arns", "certificate_arn",
        "url"})
    assert sorted(n for n, p in definition.inputs.items() if not p.optional) == [
        "domainName", "privateSubnetIds", "publicSubnetIds", "serviceSecurityGroupIds",
        "services", "vpcId"]
