"""The connection settings, side by side: dev planned on ECS and on EKS gives the api and the
worker the same variables with the same values.

ECS reads them from each task definition's container `environment`; EKS from the ConfigMap
Helm renders for the service (the one its Deployment's `envFrom` names). Both come from one
definition, `forge_infra.program.data_environment`: DATABASE_HOST, DATABASE_PORT,
DATABASE_NAME, DATABASE_USER, DATABASE_AUTH, REDIS_HOST, REDIS_PORT, REDIS_TLS, KAFKA_BROKERS,
KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_MECHANISM, KAFKA_USERNAME, APP_ENV. Passwords and tokens
(DATABASE_PASSWORD, REDIS_AUTH_TOKEN, KAFKA_PASSWORD) go by reference on both platforms: their
names and the secret and key they reference are compared. Both database engines are planned:
rds-postgres (IAM authentication, no database password at all) and timescaledb-ec2 (the
service role's own password, DATABASE_PASSWORD).

What this does not prove: that the apps read these names, or that the endpoints answer; only
that both platforms hand the pods the same settings.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from forge_infra.plan.engine import run_plan
from forge_infra.plan.model import Plan
from tests.conftest import ROOT, stack_config

TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
RDS_INSTANCE = "aws:rds/instance:Instance"
INVOCATION = "aws:lambda/invocation:Invocation"
APP_SECRET = "forge-dev-db-app-credentials"
DATA_CLIENTS = ("api", "worker")
CONNECTION_VARIABLES = frozenset({
    "DATABASE_HOST", "DATABASE_PORT", "DATABASE_NAME", "DATABASE_USER", "DATABASE_AUTH",
    "REDIS_HOST", "REDIS_PORT", "REDIS_TLS", "KAFKA_BROKERS", "KAFKA_SECURITY_PROTOCOL",
    "KAFKA_SASL_MECHANISM", "KAFKA_USERNAME", "KAFKA_SSL_CA_PEM", "APP_ENV"})
"""The environment contract (docs/ARCHITECTURE.md, "Connection settings")."""
CA_CERT = "tls:index/selfSignedCert:SelfSignedCert"
CHART_ONLY = frozenset({"REDIS_ADDR"})
"""What the chart adds from the same values (REDIS_ADDR is REDIS_HOST:REDIS_PORT)."""


def plan_dev(platform: str, engine: str = "rds-postgres") -> Plan:
    """dev's stack file with `platform` (and the database engine) replaced (EKS needs the
    deployer's path to the API: the public endpoint for a documentation CIDR)."""
    overrides: dict[str, Any] = {"platform": platform}
    if platform == "eks":
        overrides["eks"] = {"endpoint_public_access": True,
                            "public_access_cidrs": ["192.0.2.10/32"]}
    if engine != "rds-postgres":
        overrides["database"] = {"engine": engine, "version": 16}
    return run_plan("dev", ROOT, config=stack_config("dev", **overrides))


@pytest.fixture(scope="module")
def plans() -> dict[str, Plan]:
    """dev on ECS (its stack file) and dev on EKS (the same file, platform overridden)."""
    return {"ecs": plan_dev("ecs"), "eks": plan_dev("eks")}


@pytest.fixture(scope="module")
def timescale_plans() -> dict[str, Plan]:
    """The same two with `database.engine: timescaledb-ec2`."""
    return {"ecs": plan_dev("ecs", "timescaledb-ec2"),
            "eks": plan_dev("eks", "timescaledb-ec2")}


def secret_sources(plan: Plan, platform: str, service: str) -> dict[str, str]:
    """Variable -> the secret (ARN, with `:key::` on ECS, `#property` on EKS) it is read from."""
    if platform == "ecs":
        task = next(r for r in plan.resources if r.type == TASK_DEFINITION
                    and json.loads(r.inputs["containerDefinitions"])[0]["name"] == service)
        container = json.loads(task.inputs["containerDefinitions"])[0]
        return {s["name"]: s["valueFrom"] for s in container.get("secrets", [])}
    release = next(r for r in plan.resources if r.type == "kubernetes:helm.sh/v3:Release"
                   and r.inputs["chart"].endswith("forge-platform"))
    refs = release.inputs["values"][service]["secretEnv"]
    return {name: f"{ref['remoteRef']['key']}#{ref['remoteRef'].get('property', '')}"
            for name, ref in refs.items()}


def ecs_settings(plan: Plan) -> dict[str, tuple[str, dict[str, str], set[str]]]:
    """Service -> (task definition URN, its plain environment, its secret variables' names)."""
    found = {}
    for task in plan.resources:
        if task.type != TASK_DEFINITION:
            continue
        container = json.loads(task.inputs["containerDefinitions"])[0]
        environment = {e["name"]: e["value"] for e in container.get("environment", [])}
        secrets = {s["name"] for s in container.get("secrets", [])}
        found[container["name"]] = (task.urn, environment, secrets)
    return found


def eks_settings(plan: Plan) -> dict[str, tuple[str, dict[str, str], set[str]]]:
    """Service -> (release URN and template, its ConfigMap's data, the names of the variables
    its Deployment (or Argo Rollout, for a service behind the ALB of a canary stack) reads from
    secrets), as Helm renders the platform chart."""
    release = next(r for r in plan.helm_releases()
                   if r.helm is not None and r.helm.chart.endswith("forge-platform"))
    assert release.helm is not None and release.helm.rendered, release.urn
    objects = release.helm.objects
    config_maps = {obj.object["metadata"]["name"]: obj for obj in objects
                   if obj.kind == "ConfigMap"}
    found = {}
    for obj in objects:
        if obj.kind not in ("Deployment", "Rollout"):
            continue
        service = obj.template.split("/")[1]
        where = f"{release.urn} {obj.template}"
        container = obj.object["spec"]["template"]["spec"]["containers"][0]
        refs = [source["configMapRef"]["name"] for source in container.get("envFrom", [])
                if "configMapRef" in source]
        assert len(refs) == 1 and refs[0] in config_maps, (where, refs)
        secrets = {env["name"] for env in container.get("env", [])
                   if "secretKeyRef" in env.get("valueFrom", {})}
        found[service] = (f"{where} -> {config_maps[refs[0]].template}",
                          dict(config_maps[refs[0]].object.get("data") or {}), secrets)
    return found


def ecs_secret_refs(plan: Plan) -> dict[str, dict[str, tuple[str, str | None]]]:
    """Service -> {variable: (secret ARN, JSON key or None)} of its task's `secrets`."""
    found: dict[str, dict[str, tuple[str, str | None]]] = {}
    for task in plan.resources:
        if task.type != TASK_DEFINITION:
            continue
        container = json.loads(task.inputs["containerDefinitions"])[0]
        refs: dict[str, tuple[str, str | None]] = {}
        for secret in container.get("secrets", []):
            value = secret["valueFrom"]
            if value.endswith("::"):
                arn, key = value[:-2].rsplit(":", 1)
                refs[secret["name"]] = (arn, key)
            else:
                refs[secret["name"]] = (value, None)
        found[container["name"]] = refs
    return found


def eks_secret_refs(plan: Plan) -> dict[str, dict[str, tuple[str, str | None]]]:
    """Service -> {variable: (secret ARN, property or None)} of its ExternalSecrets."""
    release = next(r for r in plan.helm_releases()
                   if r.helm is not None and r.helm.chart.endswith("forge-platform"))
    assert release.helm is not None
    found: dict[str, dict[str, tuple[str, str | None]]] = {}
    for obj in release.helm.objects:
        if obj.kind != "ExternalSecret":
            continue
        refs = found.setdefault(obj.template.split("/")[1], {})
        for entry in obj.object["spec"]["data"]:
            remote = entry["remoteRef"]
            refs[entry["secretKey"]] = (remote["key"], remote.get("property"))
    return found


@pytest.mark.parametrize("service", DATA_CLIENTS)
def test_both_platforms_give_the_same_connection_settings(plans, service) -> None:
    ecs_urn, ecs_env, _ = ecs_settings(plans["ecs"])[service]
    eks_where, eks_env, _ = eks_settings(plans["eks"])[service]
    ecs_connection = {k: v for k, v in ecs_env.items() if k in CONNECTION_VARIABLES}
    eks_connection = {k: v for k, v in eks_env.items() if k in CONNECTION_VARIABLES}
    assert set(ecs_connection) == CONNECTION_VARIABLES, (ecs_urn, sorted(ecs_connection))
    assert set(eks_connection) == CONNECTION_VARIABLES, (eks_where, sorted(eks_connection))
    differ = {k: (ecs_connection.get(k), eks_connection.get(k)) for k in CONNECTION_VARIABLES
              if ecs_connection.get(k) != eks_connection.get(k)}
    assert not differ, f"{service}: ECS {ecs_urn} and EKS {eks_where} differ: {differ}"
    # Beyond the contract: only the service's own env on ECS, plus what the chart derives on
    # EKS; nothing else differs.
    assert {k: v for k, v in eks_env.items() if k not in CHART_ONLY} == ecs_env, (
        ecs_urn, eks_where, ecs_env, eks_env)
    assert set(eks_env) - set(ecs_env) == CHART_ONLY, (eks_where, sorted(eks_env))


@pytest.mark.parametrize("platform", ["ecs", "eks"])
@pytest.mark.parametrize("service", DATA_CLIENTS)
def test_known_connection_values(plans, platform, service) -> None:
    """The values the stack decides: the service role the bootstrap function creates (never
    the master user RDS receives), IAM authentication, the database's name as RDS receives
    it, TLS to the cache, port 5432 and 6379, the environment."""
    plan = plans[platform]
    instance = next(r for r in plan.resources if r.type == RDS_INSTANCE)
    invocation = next(r for r in plan.resources if r.type == INVOCATION)
    settings = ecs_settings if platform == "ecs" else eks_settings
    where, environment, _ = settings(plan)[service]
    expected = {"DATABASE_USER": json.loads(invocation.inputs["input"])["role"],
                "DATABASE_AUTH": "iam",
                "DATABASE_NAME": instance.inputs["dbName"],
                "DATABASE_PORT": "5432", "REDIS_PORT": "6379", "REDIS_TLS": "true",
                # dev's Redpanda authenticates (SCRAM) over TLS, like MSK.
                "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
                "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512", "KAFKA_USERNAME": "forge",
                # The brokers' private CA (the SelfSignedCert of the plan), on both platforms.
                "KAFKA_SSL_CA_PEM": next(r for r in plan.resources if r.type == CA_CERT).outputs[
                    "certPem"],
                "APP_ENV": "dev"}
    assert expected["KAFKA_SSL_CA_PEM"].startswith("-----BEGIN CERTIFICATE-----\n")
    assert expected["DATABASE_USER"] == "forge_app", invocation.urn
    assert instance.inputs["username"] == "forge_admin", instance.urn
    assert instance.inputs["iamDatabaseAuthenticationEnabled"] is True, instance.urn
    assert expected["DATABASE_NAME"] == "forge", instance.urn
    actual = {k: environment.get(k) for k in expected}
    assert actual == expected, f"{platform} {service} {where}: {actual} != {expected}"


@pytest.mark.parametrize("service", DATA_CLIENTS)
def test_both_platforms_read_the_same_secret_variables(plans, service) -> None:
    """KAFKA_PASSWORD (and the api's REDIS_AUTH_TOKEN) come from the secret store on both,
    from the same secret and key; with IAM authentication no database password (the master's
    least of all) reaches either."""
    ecs_urn, _, ecs_secrets = ecs_settings(plans["ecs"])[service]
    eks_where, _, eks_secrets = eks_settings(plans["eks"])[service]
    expected = ({"KAFKA_PASSWORD", "REDIS_AUTH_TOKEN"} if service == "api"
                else {"KAFKA_PASSWORD"})
    assert ecs_secrets == expected, (ecs_urn, sorted(ecs_secrets))
    assert eks_secrets == expected, (eks_where, sorted(eks_secrets))
    # The same secret and key on both: ECS's `<arn>:<key>::`, the ExternalSecret's remoteRef.
    ecs_refs, eks_refs = ecs_secret_refs(plans["ecs"])[service], eks_secret_refs(plans["eks"])[
        service]
    assert ecs_refs == eks_refs, (service, ecs_refs, eks_refs)
    assert ecs_refs["KAFKA_PASSWORD"] == (
        plans["ecs"].outputs["kafka_credentials_secret_id"], "password"), ecs_refs


@pytest.mark.parametrize("service", DATA_CLIENTS)
def test_timescaledb_gives_both_platforms_the_service_role_and_its_password(timescale_plans,
                                                                            service) -> None:
    """On EC2 (no IAM authentication) the service role logs in with its own password: the same
    variables on both platforms, DATABASE_AUTH=password, and DATABASE_PASSWORD read from the
    service role's secret (never the master's)."""
    ecs_urn, ecs_env, ecs_secrets = ecs_settings(timescale_plans["ecs"])[service]
    eks_where, eks_env, eks_secrets = eks_settings(timescale_plans["eks"])[service]
    ecs_connection = {k: v for k, v in ecs_env.items() if k in CONNECTION_VARIABLES}
    eks_connection = {k: v for k, v in eks_env.items() if k in CONNECTION_VARIABLES}
    assert ecs_connection == eks_connection, (ecs_urn, eks_where)
    assert (ecs_connection["DATABASE_USER"], ecs_connection["DATABASE_AUTH"]) == (
        "forge_app", "password"), ecs_urn
    expected = ({"DATABASE_PASSWORD", "KAFKA_PASSWORD", "REDIS_AUTH_TOKEN"}
                if service == "api" else {"DATABASE_PASSWORD", "KAFKA_PASSWORD"})
    assert ecs_secrets == expected, (ecs_urn, sorted(ecs_secrets))
    assert eks_secrets == expected, (eks_where, sorted(eks_secrets))
    app_secret = next(r for r in timescale_plans["ecs"].resources
                      if r.type == "aws:secretsmanager/secret:Secret" and r.name == APP_SECRET)
    arn = app_secret.outputs["arn"]
    assert secret_sources(timescale_plans["ecs"], "ecs", service)["DATABASE_PASSWORD"] == (
        f"{arn}:password::"), ecs_urn
    eks_secret = next(r for r in timescale_plans["eks"].resources
                      if r.type == "aws:secretsmanager/secret:Secret" and r.name == APP_SECRET)
    assert secret_sources(timescale_plans["eks"], "eks", service)["DATABASE_PASSWORD"] == (
        f"{eks_secret.outputs['arn']}#password"), eks_where


@pytest.mark.parametrize("platform", ["ecs", "eks"])
@pytest.mark.parametrize("service", ["gateway", "ui"])
def test_no_connection_settings_for_gateway_and_ui(plans, platform, service) -> None:
    """Only the services in DATA_SERVICE_CLIENTS get the data services' endpoints and
    credentials, on both platforms."""
    settings = ecs_settings if platform == "ecs" else eks_settings
    where, environment, secrets = settings(plans[platform])[service]
    assert environment == {"APP_ENV": "dev"}, (where, environment)
    assert secrets == set(), (where, secrets)


def test_data_clients_are_the_contracts() -> None:
    from forge_components.contracts import DATA_SERVICE_CLIENTS
    assert set(DATA_CLIENTS) == DATA_SERVICE_CLIENTS
