"""Rendering the forge-platform chart with Helm's own engine, and the specs the tests use.

Helm runs in-process through helm-python-sdk (`helm_python`, libhelm_c: the Helm v4 Go SDK).
Its public `Chart.render()` takes no Kubernetes version and no strict flag, although the
library's render options accept both (`kube_version`, `strict`: the same as `helm template
--kube-version ... --strict`, which turns a missing values key into an error); `render()` here
passes them through the binding's own `_native.call_string`, the call `Chart.render()` makes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import helm_python
import kubernetes_validate
import pulumi
import yaml
from helm_python import _native

from forge_components.aws.versions import default_version
from forge_components.contracts import SecretReference, ServiceSpec
from forge_components.kubernetes.values import chart_path, platform_values
from tests.helpers import run_mocked

# The Kubernetes version the EKS cluster runs by default (the versions table's default); every
# rendered object is validated against it.
KUBERNETES_VERSION = default_version("eks")
RELEASE = "forge"
NAMESPACE = "forge"
CHART_DIR: Path = chart_path()
ENVIRONMENTS = ("dev", "staging", "prod")
SERVICES = ("gateway", "api", "worker", "ui")

# Custom resources kubernetes-validate has no schema for; their structure is asserted by hand
# (an Argo Rollout's pod template is validated wrapped in a Deployment: test_chart_rollout.py).
CRD_KINDS = frozenset({("external-secrets.io/v1", "ExternalSecret"),
                       ("argoproj.io/v1alpha1", "Rollout"),
                       ("argoproj.io/v1alpha1", "AnalysisTemplate")})

SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0a1b2c3d-AbCdEf"
KAFKA_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:forge/prod/kafka-XyZ123"


def env_values(environment: str) -> dict[str, Any]:
    """The chart's values-<environment>.yaml."""
    loaded: dict[str, Any] = yaml.safe_load(
        (CHART_DIR / f"values-{environment}.yaml").read_text(encoding="utf-8"))
    return loaded


@cache
def _chart() -> helm_python.Chart:
    return helm_python.Chart.load(CHART_DIR)


def render_raw(values: Mapping[str, Any] | None = None, *,
               kube_version: str = KUBERNETES_VERSION) -> dict[str, str]:
    """Template path -> rendered text, as `helm template --strict --kube-version` renders."""
    options = {"name": RELEASE, "namespace": NAMESPACE, "kube_version": f"v{kube_version}.0",
               "strict": True, "is_install": True}
    rendered = _native.call_string("helm_render", _chart()._raw(),
                                   None if values is None else json.dumps(values),
                                   json.dumps(options))
    manifests: dict[str, str] = json.loads(rendered)
    return manifests


def render(values: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every object the chart renders with `values` (NOTES.txt left out), in template order."""
    objects: list[dict[str, Any]] = []
    for path, text in sorted(render_raw(values).items()):
        if path.endswith("NOTES.txt"):
            continue
        for document in yaml.safe_load_all(text):
            if document is not None:
                document.setdefault("_template", path)
                objects.append(document)
    return objects


def strip(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The object without the test's own `_template` marker."""
    return {k: v for k, v in obj.items() if k != "_template"}


def of_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    """The objects of one kind."""
    return [o for o in objects if o["kind"] == kind]


def named(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    """The single object of `kind` called `name`."""
    found = [o for o in of_kind(objects, kind) if o["metadata"]["name"] == name]
    names = [o["metadata"]["name"] for o in of_kind(objects, kind)]
    assert len(found) == 1, f"expected one {kind} {name}, found {names}"
    return found[0]


def full(component: str) -> str:
    """The object name of a component under the test release."""
    return f"{RELEASE}-forge-platform-{component}"


def selector(component: str) -> dict[str, str]:
    """The selector labels of a component under the test release."""
    return {"app.kubernetes.io/name": "forge-platform", "app.kubernetes.io/instance": RELEASE,
            "app.kubernetes.io/component": component}


def validate_all(objects: list[dict[str, Any]]) -> list[str]:
    """Validate every object with kubernetes-validate (strict); return the skipped CRD kinds."""
    skipped = []
    for obj in objects:
        if (obj["apiVersion"], obj["kind"]) in CRD_KINDS:
            skipped.append(obj["kind"])
            continue
        try:
            kubernetes_validate.validate(strip(obj), KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            raise AssertionError(
                f"{obj['kind']} {obj['metadata']['name']} ({obj['_template']}): "
                f"{error.message} at {list(error.path)}") from error
    return skipped


def service_specs(environment: str) -> list[ServiceSpec]:
    """The four services as the program would describe them: dev-like or prod-like."""
    prod = environment == "prod"
    db_user = SecretReference(secret_id=SECRET_ARN, key="username")
    db_password = SecretReference(secret_id=SECRET_ARN, key="password")

    def spec(name: str, port: int | None, health: str | None, cpu: int, memory: int,
             replicas: int, **extra: Any) -> ServiceSpec:
        made = ServiceSpec(
            name=name, image_repository=f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{name}",
            image_tag="1.4.2", cpu_millicores=cpu, memory_mib=memory,
            replicas=replicas if prod else 1, min_replicas=(2 if prod else 1),
            max_replicas=(10 if prod else 1), target_cpu_percent=70, **extra)
        if port is not None:
            made["port"] = port
        if health is not None:
            made["health_path"] = health
        return made

    domain = "forge.example.com" if prod else "dev.forge.example.com"
    return [
        spec("gateway", 8080, "/health", 500, 1024, 3, public_host=f"api.{domain}",
             environment={"LOG_LEVEL": "info"}),
        spec("api", 8000, "/health", 1000, 2048, 3,
             environment={"LOG_LEVEL": "info", "WORKERS": "4"},
             secrets={"DATABASE_USER": db_user, "DATABASE_PASSWORD": db_password}),
        spec("worker", None, None, 1000, 2048, 2,
             secrets={"DATABASE_USER": db_user, "DATABASE_PASSWORD": db_password,
                      "KAFKA_PASSWORD": SecretReference(secret_id=KAFKA_ARN)}),
        spec("ui", 3000, "/", 250, 512, 2, public_host=domain),
    ]


def resolve(make_output: Callable[[], pulumi.Output[Any]]) -> Any:
    """The plain value of the Output `make_output()` builds, resolved under the offline mocks."""
    recording = run_mocked(lambda: pulumi.export("value", make_output()))
    return recording.exports["value"]


ROLE_ARNS = {"api": "arn:aws:iam::123456789012:role/forge-prod-api",
             "worker": "arn:aws:iam::123456789012:role/forge-prod-worker"}
DATABASE_HOST = "forge-prod.c0123456789a.us-east-1.rds.amazonaws.com"
CACHE_HOST = "master.forge-prod.abc123.use1.cache.amazonaws.com"
KAFKA_BROKERS = ("b-1.forge-prod.abc123.c2.kafka.us-east-1.amazonaws.com:9096,"
                 "b-2.forge-prod.abc123.c2.kafka.us-east-1.amazonaws.com:9096")
DATA_CIDRS = ["10.30.64.0/20", "10.30.80.0/20"]
PUBLIC_CIDRS = ["10.30.192.0/22", "10.30.196.0/22"]
"""The public subnets the ALB sends from (prod-like)."""
CERTIFICATE_ARN = ("arn:aws:acm:us-east-1:123456789012:certificate/"
                   "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b")
CLOUD_API_CIDRS = ["10.30.0.0/20"]
IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"
"""The workload-identity annotation the tests inject (EKS's, as the AWS program does)."""
SECRET_STORE = "aws-secrets-manager"
"""The ClusterSecretStore the tests inject (the one EksAddons creates)."""


def platform_kwargs(environment: str) -> dict[str, Any]:
    """The arguments a program would pass to platform_values for a dev- or prod-like stack."""
    prod = environment == "prod"
    return {
        "environment": environment,
        "domain": "forge.example.com" if prod else "dev.forge.example.com",
        "services": service_specs(environment),
        "database_host": DATABASE_HOST,
        "database_port": 5432,
        "database_name": "forge",
        "cache_host": CACHE_HOST,
        "cache_port": 6379,
        "cache_tls": True,
        "kafka_brokers": KAFKA_BROKERS,
        "kafka_username": "forge",
        "secret_store_name": SECRET_STORE,
        "service_account_annotations": (
            {name: {IRSA_ANNOTATION: arn} for name, arn in ROLE_ARNS.items()} if prod else {}),
        "data_service_cidrs": DATA_CIDRS,
        "cloud_api_cidrs": CLOUD_API_CIDRS if prod else [],
        "ingress_certificate_arn": CERTIFICATE_ARN if prod else None,
        "ingress_source_cidrs": PUBLIC_CIDRS if prod else [],
        "migration_command": ["/app/bin/migrate", "--to", "head"],
    }


def platform_case(environment: str) -> dict[str, Any]:
    """platform_values for a dev- or prod-like stack, resolved to plain values."""
    kwargs = platform_kwargs(environment)
    values: dict[str, Any] = resolve(lambda: platform_values(**kwargs))
    return values
