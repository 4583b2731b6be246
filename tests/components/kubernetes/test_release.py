"""PlatformRelease and platform_values under the offline mocks.

What this proves: the component asks Pulumi's Kubernetes provider for a Helm release of the
packaged chart with the program's values, in a Pod-Security-restricted namespace, and the values
carry secrets only by reference. What it does not prove: that Helm installs the chart on a real
cluster (test_chart.py renders it with Helm's engine; no cluster is available here).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pulumi
import pulumi_aws as aws
import pulumi_random as random
import pytest

from forge_components.contracts import SERVICE_NAMES, ComputeOutputs, SecretReference, ServiceSpec
from forge_components.kubernetes import (
    PlatformRelease,
    PlatformReleaseArgs,
    chart_default_values,
    chart_path,
    merge_values,
    platform_values,
)
from forge_infra.plan.mocks import ProviderMocks
from tests.components.aws.conftest import assert_component_schema
from tests.components.kubernetes.support import (
    CACHE_HOST,
    CERTIFICATE_ARN,
    DATABASE_HOST,
    KAFKA_BROKERS,
    PUBLIC_CIDRS,
    ROLE_ARNS,
    SECRET_ARN,
    platform_case,
    platform_kwargs,
    resolve,
    service_specs,
)
from tests.helpers import run_mocked

COMPONENT = "forge-kubernetes:index:PlatformRelease"
NAMESPACE_TYPE = "kubernetes:core/v1:Namespace"
RELEASE_TYPE = "kubernetes:helm.sh/v3:Release"
SCHEMA = json.loads((chart_path() / "values.schema.json").read_text())


def _strings(value: Any) -> list[str]:
    """Every string anywhere in a JSON-like value (keys included)."""
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *_strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def _program(**release: Any) -> None:
    values = platform_values(**platform_kwargs("prod"))
    platform = PlatformRelease("platform", PlatformReleaseArgs(values=values, **release))
    pulumi.export("release_name", platform.release_name)
    pulumi.export("namespace", platform.namespace)
    pulumi.export("status", platform.status)
    pulumi.export("chart_path", platform.chart_path)
    pulumi.export("service_names", platform.service_names)


def test_release_installs_the_packaged_chart_in_a_restricted_namespace():
    recording = run_mocked(_program)
    assert [(r.type, r.name) for r in recording.resources] == [
        (COMPONENT, "platform"), (NAMESPACE_TYPE, "platform-namespace"),
        (RELEASE_TYPE, "platform-release")]
    component = recording.one(COMPONENT)
    namespace = recording.one(NAMESPACE_TYPE)
    release = recording.one(RELEASE_TYPE)
    assert namespace.parent == component.urn and release.parent == component.urn

    assert namespace.inputs["metadata"] == {"name": "forge", "labels": {
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest",
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/warn": "restricted",
        "app.kubernetes.io/managed-by": "forge-infra",
        "app.kubernetes.io/part-of": "forge"}}, namespace.urn

    inputs = release.inputs
    chart = Path(inputs["chart"])
    assert chart == chart_path() and chart.is_absolute(), release.urn
    assert (chart / "Chart.yaml").is_file() and (chart / "values.schema.json").is_file()
    assert {k: inputs[k] for k in ("name", "namespace", "atomic", "cleanupOnFail", "timeout",
                                   "maxHistory", "createNamespace", "dependencyUpdate")} == {
        "name": "platform", "namespace": "forge", "atomic": True, "cleanupOnFail": True,
        "timeout": 600, "maxHistory": 10, "createNamespace": False, "dependencyUpdate": False}
    # The release waits for the namespace it installs into.
    assert namespace.urn in release.dependencies, release.dependencies

    values = inputs["values"]
    assert values["dataServices"] == {
        "database": {"host": DATABASE_HOST, "port": 5432, "name": "forge", "user": "",
                     "auth": ""},
        "cache": {"host": CACHE_HOST, "port": 6379, "tls": True},
        "kafka": {"brokers": KAFKA_BROKERS, "securityProtocol": "SASL_SSL",
                  "saslMechanism": "SCRAM-SHA-512", "username": "forge", "sslCaPem": ""}}
    assert values["environment"] == "prod"
    assert values["api"]["serviceAccount"]["annotations"] == {
        "eks.amazonaws.com/role-arn": ROLE_ARNS["api"]}

    assert recording.exports == {"release_name": "platform", "namespace": "forge",
                                 "status": "deployed", "chart_path": str(chart_path()),
                                 "service_names": [f"platform-forge-platform-{service}"
                                                   for service in SERVICE_NAMES]}


def test_release_into_an_existing_namespace_with_its_own_settings():
    recording = run_mocked(lambda: _program(
        namespace="apps", create_namespace=False, release_name="forge-platform",
        timeout_seconds=900, atomic=False, cleanup_on_fail=False))
    assert not recording.of_type(NAMESPACE_TYPE)
    inputs = recording.one(RELEASE_TYPE).inputs
    assert (inputs["name"], inputs["namespace"], inputs["timeout"], inputs["atomic"],
            inputs["cleanupOnFail"]) == ("forge-platform", "apps", 900, False, False)
    assert recording.exports["release_name"] == "forge-platform"
    assert recording.exports["namespace"] == "apps"


@pytest.mark.parametrize(("release", "message"), [
    ({"release_name": "Forge_Platform"}, "release_name 'Forge_Platform' is not a valid Helm"),
    ({"release_name": "x" * 54}, "at most 53 characters"),
    ({"namespace": "Forge"}, "namespace 'Forge' is not a valid namespace name"),
    ({"timeout_seconds": 0}, "timeout_seconds must be positive, not 0"),
])
def test_release_rejects_invalid_arguments(release, message):
    with pytest.raises(ValueError, match=message):
        PlatformRelease("platform", PlatformReleaseArgs(values={}, **release))


def test_no_secret_value_reaches_the_release():
    """A stack's database password exists (random + Secrets Manager); the release sees its ARN."""
    password_length = 32
    password = ProviderMocks()._random_password(
        "db-password", {"length": password_length}, "")["result"]

    seen: list[str] = []

    def program() -> None:
        generated = random.RandomPassword("db-password", length=password_length, special=False)
        generated.result.apply(seen.append)
        secret = aws.secretsmanager.Secret("db-credentials")
        aws.secretsmanager.SecretVersion(
            "db-credentials", secret_id=secret.id,
            secret_string=pulumi.Output.json_dumps({"username": "forge",
                                                    "password": generated.result}))
        specs: list[ServiceSpec] = [{**s, "secrets": {
            name: SecretReference(**{**ref, "secret_id": secret.arn})
            for name, ref in s.get("secrets", {}).items()}}
            for s in service_specs("prod")]
        values = platform_values(**{**platform_kwargs("prod"), "services": specs})
        PlatformRelease("platform", PlatformReleaseArgs(values=values))

    recording = run_mocked(program)
    assert seen == [password]  # the program really holds this password
    secret = recording.one("aws:secretsmanager/secret:Secret")
    secret_arn = secret.outputs["arn"]
    assert secret_arn.startswith("arn:aws:secretsmanager:us-east-1:123456789012:secret:")
    release = recording.one(RELEASE_TYPE)
    subtree = [recording.one(COMPONENT), *recording.children_of(recording.one(COMPONENT).urn)]
    for resource in subtree:
        strings = _strings(resource.inputs)
        assert password not in strings and not any(password in s for s in strings), resource.urn
        assert "[secret]" not in strings, resource.urn
        assert not any(re.search(r"://[^/\s:@]+:[^/\s@]+@", s) for s in strings), resource.urn
    # Only references: every secretEnv entry is {remoteRef: {key: <ARN>, property: <JSON key>}}.
    values = release.inputs["values"]
    refs = {(service, env): entry for service in ("gateway", "api", "worker", "ui")
            for env, entry in values[service]["secretEnv"].items()}
    assert refs == {
        ("api", "DATABASE_USER"): {"remoteRef": {"key": secret_arn, "property": "username"}},
        ("api", "DATABASE_PASSWORD"): {"remoteRef": {"key": secret_arn, "property": "password"}},
        ("worker", "DATABASE_USER"): {"remoteRef": {"key": secret_arn, "property": "username"}},
        ("worker", "DATABASE_PASSWORD"): {"remoteRef": {"key": secret_arn,
                                                        "property": "password"}},
        ("worker", "KAFKA_PASSWORD"): {"remoteRef": {"key": secret_arn}}}
    assert values["secrets"]["mode"] == "external"
    # The ARN is an output of the Secret: the release depends on it, never on its version.
    assert secret.urn in release.dependencies
    version = recording.one("aws:secretsmanager/secretVersion:SecretVersion")
    assert version.urn not in release.dependencies
    assert version.inputs["secretString"] == "[secret]"


# -- platform_values --------------------------------------------------------------------------

@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_platform_values_validate_against_the_chart_schema(environment):
    values = platform_case(environment)
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    jsonschema.Draft7Validator(SCHEMA).validate(values)
    # Complete on its own: Helm merging the chart's defaults under it changes nothing.
    assert merge_values(chart_default_values(), values) == values


def test_schema_check_is_not_vacuous():
    validator = jsonschema.Draft7Validator(SCHEMA)
    validator.validate(chart_default_values())
    broken = merge_values(chart_default_values(), {"api": {"replicaCount": "three"}})
    errors = [list(e.absolute_path) for e in validator.iter_errors(broken)]
    assert errors == [["api", "replicaCount"]]


def test_platform_values_translate_the_specs():
    prod = platform_case("prod")
    dev = platform_case("dev")
    api = prod["api"]
    assert api["image"] == {"repository": "123456789012.dkr.ecr.us-east-1.amazonaws.com/api",
                            "tag": "1.4.2", "pullPolicy": "IfNotPresent"}
    # 1024 ECS cpu units = 1 vCPU = 1000m; memory in MiB.
    assert api["resources"] == {"requests": {"cpu": "1000m", "memory": "2048Mi"},
                                "limits": {"cpu": "1000m", "memory": "2048Mi"}}
    assert prod["ui"]["resources"]["requests"] == {"cpu": "250m", "memory": "512Mi"}
    assert api["autoscaling"] == {"enabled": True, "minReplicas": 2, "maxReplicas": 10,
                                  "targetCPUUtilizationPercentage": 70}
    assert dev["api"]["autoscaling"]["enabled"] is False
    assert dev["api"]["replicaCount"] == 1 and prod["api"]["replicaCount"] == 3
    assert (api["port"], prod["worker"]["port"]) == (8000, 0)
    assert api["probes"]["type"] == "httpGet" and api["probes"]["path"] == "/health"
    assert prod["worker"]["probes"]["type"] == "none"
    assert prod["gateway"]["ingress"] == {"enabled": True, "host": "api.forge.example.com",
                                          "path": "/", "pathType": "Prefix"}
    assert prod["api"]["ingress"]["enabled"] is False
    assert {s: prod[s]["egress"] for s in ("gateway", "api", "worker", "ui")} == {
        "gateway": {"dataServices": False, "cloudApis": False},
        "api": {"dataServices": True, "cloudApis": True},
        "worker": {"dataServices": True, "cloudApis": True},
        "ui": {"dataServices": False, "cloudApis": False}}
    assert {s: prod[s]["allowedClients"] for s in ("gateway", "api", "worker", "ui")} == {
        "gateway": [], "api": ["gateway"], "worker": [], "ui": []}
    assert prod["api"]["secretEnv"]["DATABASE_PASSWORD"] == {
        "remoteRef": {"key": SECRET_ARN, "property": "password"}}
    assert prod["gateway"]["topologySpread"]["zone"] == "DoNotSchedule"
    assert dev["gateway"]["topologySpread"]["zone"] == "ScheduleAnyway"
    assert prod["ingress"]["className"] == "alb"
    assert prod["ingress"]["clusterIssuer"] == ""
    assert prod["ingress"]["alb"]["certificateArn"] == CERTIFICATE_ARN
    assert dev["ingress"]["alb"]["certificateArn"] == ""
    assert prod["networkPolicy"]["ingressSourceCidrs"] == PUBLIC_CIDRS
    assert prod["networkPolicy"]["ingressControllerNamespace"] == ""
    assert dev["api"]["serviceAccount"]["annotations"] == {}


def test_platform_values_disables_unlisted_services_and_internal_stacks():
    kwargs = platform_kwargs("dev")
    kwargs["services"] = [s for s in kwargs["services"] if s["name"] != "worker"]
    kwargs["domain"] = None
    values = _resolve(kwargs)
    assert values["worker"]["enabled"] is False
    assert values["ingress"]["enabled"] is False
    assert all(values[s]["ingress"]["enabled"] is False for s in ("gateway", "api", "ui"))
    jsonschema.Draft7Validator(SCHEMA).validate(values)


def _resolve(kwargs: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = resolve(lambda: platform_values(**kwargs))
    return result


def _spec(**changes: Any) -> ServiceSpec:
    base = next(s for s in service_specs("prod") if s["name"] == "api")
    merged: dict[str, Any] = {**base, **changes}
    return ServiceSpec(**{k: v for k, v in merged.items() if v is not None})  # type: ignore[typeddict-item]


@pytest.mark.parametrize(("changes", "message"), [
    ({"secrets_mode": "plain"},
     "secrets_mode 'plain' cannot carry the SecretReferences of \\['api', 'worker'\\]"),
    ({"environment": "prod", "secrets_mode": "plain"},
     "secrets_mode 'plain' is refused for environment 'prod'"),
    ({"environment": "qa"}, "environment must be dev, staging or prod, not 'qa'"),
    ({"secrets_mode": "vault"}, "secrets_mode must be 'external' or 'plain', not 'vault'"),
    ({"services": [_spec(name="admin")]}, "unknown services \\['admin'\\]"),
    ({"services": [_spec(), _spec()]}, "services listed more than once: \\['api'\\]"),
    ({"services": [_spec(public_host="api.example.org")]},
     "service 'api': public_host 'api.example.org' is not within domain"),
    ({"services": [_spec(port=None)]}, "service 'api': health_path '/health' needs a port"),
    ({"services": [_spec(environment={"DATABASE_USER": "x"})]},
     "service 'api': \\['DATABASE_USER'\\] appear in both environment and secrets"),
    ({"services": [_spec(environment={"BAD-NAME": "x"})]},
     "service 'api': 'BAD-NAME' is not a valid environment variable name"),
    ({"service_account_annotations": {"ui": {"eks.amazonaws.com/role-arn": "arn:aws:iam::1:r"}},
      "services": [_spec()]},
     "service_account_annotations names services not deployed: \\['ui'\\]"),
    ({"secret_store_name": None},
     "secrets_mode 'external' needs secret_store_name: the SecretStore or ClusterSecretStore "
     "the cluster serves"),
])
def test_platform_values_rejects_inconsistent_input(changes, message):
    kwargs = {**platform_kwargs("dev"), **changes}
    with pytest.raises(ValueError, match=message):
        platform_values(**kwargs)


def test_the_analyzer_infers_the_interface():
    """Exactly these outputs, the Compute contract among them; no resource-typed output."""
    definition = assert_component_schema(PlatformRelease, ComputeOutputs, {
        "release_name", "namespace", "status", "chart_path", "service_names"})
    assert sorted(n for n, p in definition.inputs.items() if not p.optional) == ["values"]
