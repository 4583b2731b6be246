"""The forge-platform chart's values, built from cloud-neutral ServiceSpecs.

`platform_values(...)` is pure: it creates no resource, reads no config, and returns the
complete values document (the chart's packaged values.yaml with the program's decisions merged
over it, exactly as Helm merges them), so it validates against the chart's values.schema.json on
its own and any Pulumi program, or a test, can use it.

Secrets only ever travel by reference: a `SecretReference(secret_id, key)` becomes
`secretEnv.<NAME>.remoteRef = {key: <secret_id>, property: <key>}`, which the chart turns into
an ExternalSecret read by the External Secrets Operator from the store the caller names.

Nothing here is specific to a cloud: workload identity (the service-account annotations: IRSA
on EKS, Workload Identity on GKE or AKS), the External Secrets store and the CIDRs of the
cloud's APIs are injected by the caller (on AWS: `forge_components.aws.eks_addons`).
"""

import functools
import importlib.resources
import itertools
import pathlib
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import pulumi
import yaml

from forge_components.contracts import (
    DATA_SERVICE_CLIENTS,
    SERVICE_NAMES,
    RolloutSpec,
    ServiceSpec,
)

CHART_NAME = "forge-platform"
"""The chart's name (Chart.yaml `name`)."""

SERVICE_CLIENTS: Mapping[str, tuple[str, ...]] = {"api": ("gateway",)}
"""Which services may connect to which: the api admits the gateway; nothing else is internal."""

SecretsMode = Literal["external", "plain"]

KAFKA_SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
"""The Kafka client `security.protocol` values the chart accepts (KAFKA_SECURITY_PROTOCOL)."""

ROLLOUT_STRATEGIES = ("rolling", "canary", "blue_green")
"""The chart's `rollout.strategy` values (forge-infra:rollout's)."""

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def chart_path() -> pathlib.Path:
    """The packaged chart's directory, found through the `components.kubernetes` package.

    A program that imports the components gets the chart with them (package data), wherever
    they are installed. Raises RuntimeError when the package is not installed as plain files
    (Helm needs a directory).
    """
    path = importlib.resources.files("forge_components.kubernetes") / "chart" / CHART_NAME
    if not isinstance(path, pathlib.Path) or not (path / "Chart.yaml").is_file():
        raise RuntimeError(
            f"the {CHART_NAME} chart is not installed as files next to components.kubernetes "
            f"({path}); install the forge-infra distribution unzipped")
    return path


def fullname(release_name: str, fullname_override: str = "") -> str:
    """The chart's name prefix for a release, as its `forge.fullname` template computes it."""
    if fullname_override:
        return fullname_override[:63].rstrip("-")
    if CHART_NAME in release_name:
        return release_name[:63].rstrip("-")
    return f"{release_name}-{CHART_NAME}"[:63].rstrip("-")


def service_account_name(release_name: str, service: str, *, fullname_override: str = "") -> str:
    """The ServiceAccount a service's pods run as (`<fullname>-<service>`), for workload
    identity.

    A cloud identity's trust names this account (on EKS an IAM role's trust policy names
    `system:serviceaccount:<namespace>:<this>`); the chart creates the account under exactly
    this name unless its values set serviceAccount.name.
    """
    if service not in SERVICE_NAMES:
        raise ValueError(f"unknown service {service!r}; the chart knows {list(SERVICE_NAMES)}")
    return f"{fullname(release_name, fullname_override)}-{service}"[:63].rstrip("-")


@functools.cache
def _chart_defaults() -> dict[str, Any]:
    """The chart's values.yaml, parsed once."""
    with (chart_path() / "values.yaml").open(encoding="utf-8") as handle:
        defaults: dict[str, Any] = yaml.safe_load(handle)
    return defaults


def chart_default_values() -> dict[str, Any]:
    """A fresh copy of the chart's default values (its values.yaml)."""
    return _copy(_chart_defaults())


def _copy(value: Any) -> Any:
    """Copy maps and lists; leave leaves (Pulumi Outputs included) as they are."""
    if isinstance(value, Mapping):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_copy(item) for item in value]
    return value


def merge_values(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Merge `override` over `base` the way Helm coalesces values.

    Maps merge key by key, recursively; any other value (lists included) replaces the base's.
    Neither argument is modified; Pulumi Inputs among the values are kept as they are.
    """
    merged: dict[str, Any] = _copy(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge_values(merged[key], value)
        else:
            merged[key] = _copy(value)
    return merged


def _is_within(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


def _service_block(spec: ServiceSpec, *, environment: str, domain: str | None,
                   annotations: Mapping[str, pulumi.Input[str]] | None) -> dict[str, Any]:
    """The chart values of one service, from its spec."""
    name = spec["name"]
    port = spec.get("port")
    health_path = spec.get("health_path")
    environment_vars = dict(spec.get("environment", {}))
    secrets = dict(spec.get("secrets", {}))
    public_host = spec.get("public_host")
    if health_path is not None and port is None:
        raise ValueError(
            f"service {name!r}: health_path {health_path!r} needs a port; "
            "a service without port has no HTTP health check")
    for env_name in [*environment_vars, *secrets]:
        if not _ENV_NAME.match(env_name):
            raise ValueError(f"service {name!r}: {env_name!r} is not a valid "
                             "environment variable name")
    clash = sorted(set(environment_vars) & set(secrets))
    if clash:
        raise ValueError(f"service {name!r}: {clash} appear in both environment and "
                         "secrets")
    if public_host is not None and domain is not None and not _is_within(public_host, domain):
        raise ValueError(f"service {name!r}: public_host {public_host!r} is not "
                         f"within domain {domain!r}")

    memory = f"{spec['memory_mib']}Mi"
    cpu = f"{spec['cpu_millicores']}m"
    secret_env: dict[str, Any] = {}
    for env_name, ref in secrets.items():
        remote_ref: dict[str, Any] = {"key": ref["secret_id"]}
        if ref.get("key") is not None:
            remote_ref["property"] = ref["key"]
        secret_env[env_name] = {"remoteRef": remote_ref}

    block: dict[str, Any] = {
        "enabled": True,
        "image": {"repository": spec["image_repository"], "tag": spec["image_tag"]},
        "replicaCount": spec["replicas"],
        "port": port or 0,
        "probes": ({"type": "httpGet", "path": health_path}
                   if health_path is not None else {"type": "none", "path": ""}),
        "resources": {"requests": {"cpu": cpu, "memory": memory},
                      "limits": {"cpu": cpu, "memory": memory}},
        "autoscaling": {
            "enabled": spec["max_replicas"] > spec["min_replicas"],
            "minReplicas": spec["min_replicas"],
            "maxReplicas": spec["max_replicas"],
            "targetCPUUtilizationPercentage": spec["target_cpu_percent"],
        },
        "env": environment_vars,
        "secretEnv": secret_env,
        "egress": {"dataServices": name in DATA_SERVICE_CLIENTS,
                   "cloudApis": annotations is not None},
        "allowedClients": list(SERVICE_CLIENTS.get(name, ())),
        "ingress": {
            "enabled": domain is not None and public_host is not None,
            "host": public_host if domain is not None and public_host else "",
            "path": spec.get("public_path", "/"),
        },
        "topologySpread": {"zone": "DoNotSchedule" if environment == "prod"
                           else "ScheduleAnyway"},
    }
    if annotations is not None:
        block["serviceAccount"] = {"annotations": dict(annotations)}
    return block


def rollout_values(rollout: RolloutSpec) -> dict[str, Any]:
    """The chart's `rollout` block for a RolloutSpec (the chart's camelCase keys).

    canary and blue_green keep the spec's steps (blue_green's are [100]: the chart runs it as
    that one step); rolling gives none and no bake. Raises ValueError on a strategy the chart
    does not know, or on steps that are not increasing percentages ending at 100.
    """
    strategy = rollout["strategy"]
    if strategy not in ROLLOUT_STRATEGIES:
        raise ValueError(f"rollout strategy must be one of {list(ROLLOUT_STRATEGIES)}, not "
                         f"{strategy!r}")
    steps = list(rollout["steps"]) if strategy != "rolling" else []
    if strategy != "rolling" and (not steps or steps[-1] != 100 or any(
            b <= a for a, b in itertools.pairwise(steps)) or steps[0] < 1):
        raise ValueError(f"{strategy} steps must be increasing percentages ending at 100, not "
                         f"{steps}")
    return {
        "strategy": strategy,
        "steps": steps,
        "bakeMinutes": rollout["bake_minutes"] if strategy != "rolling" else 0,
        "http5xxPercent": rollout["http_5xx_percent"],
        "evaluationMinutes": rollout["evaluation_minutes"],
        "unhealthyTargets": rollout["unhealthy_targets"],
    }


def platform_values(
    *,
    environment: str,
    domain: str | None,
    services: Sequence[ServiceSpec],
    database_host: pulumi.Input[str] | None = None,
    database_port: pulumi.Input[int] = 5432,
    database_name: pulumi.Input[str] = "forge",
    database_user: pulumi.Input[str] = "",
    database_auth: pulumi.Input[str] = "",
    cache_host: pulumi.Input[str] | None = None,
    cache_port: pulumi.Input[int] = 6379,
    cache_tls: bool = True,
    kafka_brokers: pulumi.Input[str] | None = None,
    kafka_security_protocol: pulumi.Input[str] = "SASL_SSL",
    kafka_sasl_mechanism: pulumi.Input[str] = "SCRAM-SHA-512",
    kafka_username: pulumi.Input[str] = "",
    kafka_ssl_ca_pem: pulumi.Input[str] = "",
    secrets_mode: SecretsMode = "external",
    secret_store_name: str | None = None,
    secret_store_kind: Literal["ClusterSecretStore", "SecretStore"] = "ClusterSecretStore",
    service_account_annotations: Mapping[str, Mapping[str, pulumi.Input[str]]] | None = None,
    data_service_cidrs: Sequence[str] = (),
    cloud_api_cidrs: Sequence[str] = (),
    ingress_class: str = "alb",
    ingress_certificate_arn: pulumi.Input[str] | None = None,
    ingress_access_logs_bucket: pulumi.Input[str] | None = None,
    ingress_access_logs_prefix: str = "alb",
    ingress_web_acl_arn: pulumi.Input[str] | None = None,
    ingress_source_cidrs: Sequence[str] = (),
    cluster_issuer: str | None = None,
    ingress_controller_namespace: str = "",
    migration_command: Sequence[str] | None = None,
    migration_service_account_annotations: Mapping[str, pulumi.Input[str]] | None = None,
    rollout: RolloutSpec | None = None,
) -> pulumi.Output[dict[str, Any]]:
    """The complete values of the forge-platform chart for one environment.

    `services` are the platform's ServiceSpecs (gateway, api, worker, ui; each at most once);
    a service not listed is disabled. Kubernetes resources come from the spec (millicores,
    MiB, requests = limits); autoscaling is on when max_replicas > min_replicas; secrets become
    references into the External Secrets store `secret_store_name` (of `secret_store_kind`,
    required with secrets_mode "external": the caller knows which store the cluster serves),
    never values.
    Data-service endpoints are host names, ports and the database's name and user
    (`database_host`, `cache_host`, `kafka_brokers`; None leaves that service's variables out;
    `database_user` "" leaves DATABASE_USER out, `database_auth` "" leaves DATABASE_AUTH out;
    otherwise "iam" or "password"), and how to reach Kafka:
    `kafka_security_protocol` (KAFKA_SECURITY_PROTOCOL: PLAINTEXT, SSL, SASL_PLAINTEXT or
    SASL_SSL), `kafka_sasl_mechanism` (KAFKA_SASL_MECHANISM, "" without SASL) and
    `kafka_username` (KAFKA_USERNAME, "" leaves it out) and `kafka_ssl_ca_pem`
    (KAFKA_SSL_CA_PEM, set whenever brokers are: the CA certificate that verifies the brokers,
    "" for the clients' default trust store): passwords and tokens reach the pods
    through the specs' SecretReferences (KAFKA_PASSWORD among them). A spec's own
    `environment` wins over these variables.
    `domain` None keeps every service internal (no Ingress); otherwise each `public_host` must
    be within it. `service_account_annotations` maps a service name to its ServiceAccount's
    workload-identity annotations (on EKS `{"eks.amazonaws.com/role-arn": <role>}`); a service
    with an identity calls its cloud's APIs, so its egress to `cloud_api_cidrs` on 443 opens as
    well. api and worker reach the data services (`data_service_cidrs`) and receive their
    endpoints; the api admits only the gateway. The Ingress uses `ingress_class` ("alb": the
    AWS Load Balancer Controller, TLS at the ALB with `ingress_certificate_arn`, access logs to
    `ingress_access_logs_bucket` under `ingress_access_logs_prefix`, the regional web ACL
    `ingress_web_acl_arn`); the public
    services admit `ingress_source_cidrs` (the load balancer's subnets, for IP targets) and,
    when named, the pods of `ingress_controller_namespace` (an in-cluster proxy such as another
    class's controller); `cluster_issuer` adds cert-manager's annotation for classes other
    than alb. `migration_command` replaces the chart's migration command;
    `migration_service_account_annotations` is the migration Job's own workload identity (it
    signs IAM database tokens where the database takes them).
    `rollout` (None: rolling) becomes the chart's `rollout` block: with canary or blue_green
    the services behind the ALB Ingress are Argo Rollouts that shift the traffic in its steps
    and abort on its alarms (`rollout_values`).
    Raises ValueError on inconsistent input, naming what conflicts.
    """
    if environment not in ("dev", "staging", "prod"):
        raise ValueError(f"environment must be dev, staging or prod, not {environment!r}")
    if (isinstance(kafka_security_protocol, str)
            and kafka_security_protocol not in KAFKA_SECURITY_PROTOCOLS):
        raise ValueError(f"kafka_security_protocol must be one of {list(KAFKA_SECURITY_PROTOCOLS)}"
                         f", not {kafka_security_protocol!r}")
    if (isinstance(kafka_security_protocol, str) and isinstance(kafka_sasl_mechanism, str)
            and kafka_security_protocol.startswith("SASL_") != bool(kafka_sasl_mechanism)):
        raise ValueError(f"kafka_sasl_mechanism {kafka_sasl_mechanism!r} does not fit "
                         f"kafka_security_protocol {kafka_security_protocol!r}: a SASL_* "
                         "protocol needs a mechanism, any other protocol none")
    if secrets_mode not in ("external", "plain"):
        raise ValueError(f"secrets_mode must be 'external' or 'plain', not {secrets_mode!r}")
    if secrets_mode == "plain" and environment == "prod":
        raise ValueError("secrets_mode 'plain' is refused for environment 'prod'")
    names = [spec["name"] for spec in services]
    unknown = sorted(set(names) - set(SERVICE_NAMES))
    if unknown:
        raise ValueError(f"unknown services {unknown}; the chart knows {list(SERVICE_NAMES)}")
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"services listed more than once: {duplicates}")
    identities = dict(service_account_annotations or {})
    stray = sorted(set(identities) - set(names))
    if stray:
        raise ValueError(f"service_account_annotations names services not deployed: {stray}")
    if secrets_mode == "external" and not secret_store_name:
        raise ValueError("secrets_mode 'external' needs secret_store_name: the SecretStore or "
                         "ClusterSecretStore the cluster serves")
    if secrets_mode == "plain":
        with_secrets = sorted(spec["name"] for spec in services if spec.get("secrets"))
        if with_secrets:
            raise ValueError(
                f"secrets_mode 'plain' cannot carry the SecretReferences of {with_secrets}: "
                "secrets go by reference; use secrets_mode 'external'")

    overrides: dict[str, Any] = {
        "environment": environment,
        "dataServices": {
            "database": {"host": database_host if database_host is not None else "",
                         "port": database_port, "name": database_name,
                         "user": database_user, "auth": database_auth},
            "cache": {"host": cache_host if cache_host is not None else "", "port": cache_port,
                      "tls": cache_tls},
            "kafka": {"brokers": kafka_brokers if kafka_brokers is not None else "",
                      "securityProtocol": kafka_security_protocol,
                      "saslMechanism": kafka_sasl_mechanism,
                      "username": kafka_username,
                      "sslCaPem": kafka_ssl_ca_pem},
        },
        "secrets": {"mode": secrets_mode},
        "ingress": {"enabled": domain is not None, "className": ingress_class,
                    "clusterIssuer": cluster_issuer or ""},
        "networkPolicy": {"ingressSourceCidrs": list(ingress_source_cidrs),
                          "ingressControllerNamespace": ingress_controller_namespace,
                          "dataServiceCidrs": list(data_service_cidrs),
                          "cloudApiCidrs": list(cloud_api_cidrs)},
        "migrations": {"enabled": "api" in names},
    }
    alb: dict[str, Any] = {}
    if ingress_certificate_arn is not None:
        alb["certificateArn"] = ingress_certificate_arn
    if ingress_access_logs_bucket is not None:
        alb["accessLogs"] = {"bucket": ingress_access_logs_bucket,
                             "prefix": ingress_access_logs_prefix}
    if ingress_web_acl_arn is not None:
        alb["wafv2AclArn"] = ingress_web_acl_arn
    if alb:
        overrides["ingress"]["alb"] = alb
    if secret_store_name:
        overrides["secrets"]["storeRef"] = {"kind": secret_store_kind, "name": secret_store_name}
    if rollout is not None:
        overrides["rollout"] = rollout_values(rollout)
    if migration_command is not None:
        overrides["migrations"]["command"] = list(migration_command)
    if migration_service_account_annotations is not None:
        overrides["migrations"]["serviceAccount"] = {
            "annotations": dict(migration_service_account_annotations)}
    by_name = {spec["name"]: spec for spec in services}
    for name in SERVICE_NAMES:
        spec = by_name.get(name)
        overrides[name] = (
            _service_block(spec, environment=environment, domain=domain,
                           annotations=identities.get(name))
            if spec is not None else {"enabled": False})
    values = merge_values(chart_default_values(), overrides)
    return pulumi.Output.from_input(values)
