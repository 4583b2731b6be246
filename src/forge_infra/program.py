"""`build(config)`: compose one stack through its registered cloud target and export its outputs.

The same function runs under the Pulumi engine (`pulumi up`) and under the offline mocks
(`forge-infra plan`). It is cloud-neutral: the target registered for `config.cloud`
(`forge_infra.model.target`) declares the foundation (network, data services, storage, app
secrets) and the runtime (compute, CDN, budget); this module composes the service specs between
them (routes, secret references, the data-service environment) and exports under neutral
names. Only the chosen cloud's package is imported, so planning an AWS stack never loads the GCP
or Azure SDKs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

from forge_components import environment as environment_contract
from forge_components.contracts import (
    DATA_SERVICE_CLIENTS,
    SERVICE_NAMES,
    RolloutSpec,
    SecretReference,
    ServiceSpec,
)
from forge_infra.model.config import StackConfig
from forge_infra.model.target import Foundation, Workload, get_target


def public_routes(config: StackConfig) -> dict[str, tuple[str | None, str]]:
    """(host, path) each service is reached on from outside; (None, "/") keeps it internal.

    Without a CDN the app domain serves the ui at `/`; the gateway has its own host. Where the
    platform gives the api a public route (ECS's load balancer), the app domain also routes
    `/api` to it; otherwise the api stays internal, reached through the gateway. With a CDN the
    app domain belongs to the CDN (ui assets from object storage) and the services answer on
    their own hosts, which the CDN uses as the `/api/*` origin; the ui then has no public host
    of its own, except `origin.<domain>` as the name of the load balancer that routes the api.
    """
    domain = config.app.domain
    routes: dict[str, tuple[str | None, str]] = {name: (None, "/") for name in SERVICE_NAMES}
    if not domain:
        return routes
    cdn = config.target.cdn_enabled()
    public_api = config.target.api_is_public()
    routes["gateway"] = (f"gateway.{domain}", "/")
    if not cdn:
        routes["ui"] = (domain, "/")
    elif public_api:
        # The CDN serves the ui from object storage; the load balancer that routes the api
        # (ECS) still takes the ui's host as its own name, and the app domain is the CDN's.
        routes["ui"] = (f"origin.{domain}", "/")
    if public_api:
        routes["api"] = (f"api.{domain}" if cdn else domain, "/api")
    return routes


def secret_reference(ref: str, foundation: Foundation) -> SecretReference:
    """Resolve a config secret reference (`cache`, `app:x`, a cloud id).

    `database[:key]` (the master credentials) is refused: the services connect as the
    database's own service role (`data_environment`, `database_secrets`), and each cloud's
    configuration rules reject the reference before anything is declared.
    """
    if ref == "database" or ref.startswith("database:"):
        raise ValueError(f"secret reference {ref!r}: the database's master credentials never "
                         "reach the services; they connect as the database's service role")
    if ref == "cache":
        return SecretReference(secret_id=foundation.cache.auth_token_secret_id)
    if ref.startswith("app:"):
        return SecretReference(secret_id=foundation.app_secret_ids[ref[4:]])
    secret_id, _, key = ref.partition("#")
    return (SecretReference(secret_id=secret_id, key=key) if key
            else SecretReference(secret_id=secret_id))


def data_environment(config: StackConfig, foundation: Foundation) -> dict[str, pulumi.Input[str]]:
    """The data services' endpoints as environment variables (credentials go by reference).

    The names are the environment contract's (`forge_components.environment`, the one
    definition docker/.env.example is generated from): a name missing here or not in the
    contract fails the plan and the deployment, not a service at run time."""
    database, cache = foundation.database, foundation.cache
    environment: dict[str, pulumi.Input[str]] = {
        "DATABASE_HOST": database.host,
        "DATABASE_PORT": database.port.apply(str),
        "DATABASE_NAME": database.database_name,
        # The services' own role, and how it authenticates ("iam": a token per connection,
        # no password; "password": DATABASE_PASSWORD, from `database_secrets`).
        "DATABASE_USER": database.app_username,
        "DATABASE_AUTH": database.auth_method,
        "REDIS_HOST": cache.host,
        "REDIS_PORT": cache.port.apply(str),
        "REDIS_TLS": "true",
        "APP_ENV": config.environment,
    }
    streaming = foundation.streaming
    if streaming is not None:
        environment["KAFKA_BROKERS"] = streaming.bootstrap_brokers
        environment["KAFKA_SECURITY_PROTOCOL"] = streaming.security_protocol
        environment["KAFKA_SASL_MECHANISM"] = streaming.sasl_mechanism
        environment["KAFKA_USERNAME"] = streaming.username
        # The CA to verify the brokers with (public, not a secret): "" means the clients'
        # default trust store (MSK's Amazon certificates).
        environment["KAFKA_SSL_CA_PEM"] = streaming.ca_certificate_pem
    environment_contract.check_names(environment, broker=streaming is not None)
    return environment


def data_secrets(foundation: Foundation) -> dict[str, SecretReference]:
    """The data services' credentials the program hands the data clients by reference:
    DATABASE_PASSWORD (the service role's own password) where the database authenticates them
    by password (none with IAM), and KAFKA_PASSWORD where the broker takes a password (the
    target's `streaming_password`; none without a broker or with identity-based login)."""
    secrets: dict[str, SecretReference] = {}
    if foundation.database_password is not None:
        secrets["DATABASE_PASSWORD"] = foundation.database_password
    if foundation.streaming_password is not None:
        secrets["KAFKA_PASSWORD"] = foundation.streaming_password
    return secrets


def service_specs(config: StackConfig, foundation: Foundation,
                  environment: Mapping[str, pulumi.Input[str]]) -> list[ServiceSpec]:
    """The four services as neutral specs: sizes in millicores and MiB, secrets by reference."""
    routes = public_routes(config)
    specs = []
    for name, svc in config.services.items():
        scaling = svc.autoscaling
        host, path = routes[name]
        spec = ServiceSpec(
            name=name,
            image_repository=svc.image.repository,
            image_tag=svc.image.tag,
            cpu_millicores=svc.cpu_millicores,
            memory_mib=svc.memory,
            replicas=svc.replicas,
            min_replicas=scaling.min if scaling else svc.replicas,
            max_replicas=scaling.max if scaling else svc.replicas,
            target_cpu_percent=scaling.target_cpu if scaling else 70,
            environment={**(environment if name in DATA_SERVICE_CLIENTS
                            else {"APP_ENV": config.environment}), **svc.env},
            secrets=dict(sorted({
                **(data_secrets(foundation) if name in DATA_SERVICE_CLIENTS else {}),
                **{env: secret_reference(ref, foundation) for env, ref in svc.secrets.items()},
            }.items())),
            public_path=path,
        )
        if svc.port is not None:
            spec["port"] = svc.port
        if svc.health_path is not None:
            spec["health_path"] = svc.health_path
        if host is not None:
            spec["public_host"] = host
        specs.append(spec)
    return specs


def rollout_spec(config: StackConfig) -> RolloutSpec:
    """The stack's `forge-infra:rollout` as the neutral spec the runtimes read."""
    rollout = config.rollout
    alarms = rollout.alarms
    return RolloutSpec(
        strategy=rollout.strategy,
        steps=list(rollout.canary_steps()),
        bake_minutes=rollout.bake_minutes if rollout.strategy != "rolling" else 0,
        http_5xx_percent=alarms.http_5xx_percent,
        evaluation_minutes=alarms.evaluation_minutes,
        unhealthy_targets=alarms.unhealthy_targets,
    )


def compose_workload(config: StackConfig, foundation: Foundation) -> Workload:
    """The neutral workload handed to the cloud's runtime."""
    environment = data_environment(config, foundation)
    return Workload(
        routes=public_routes(config),
        services=service_specs(config, foundation, environment),
        data_environment=environment,
        rollout=rollout_spec(config),
    )


def foundation_exports(foundation: Foundation) -> dict[str, Any]:
    """The foundation's outputs under their neutral export names."""
    network = foundation.network
    streaming = foundation.streaming
    return {
        "network_id": network.network_id,
        "zones": network.zones,
        "public_subnet_ids": network.public_subnet_ids,
        "private_subnet_ids": network.private_subnet_ids,
        **foundation.exports,
        "database_host": foundation.database.host,
        "database_port": foundation.database.port,
        "database_credentials_secret_id": foundation.database.credentials_secret_id,
        "cache_host": foundation.cache.host,
        "cache_auth_token_secret_id": foundation.cache.auth_token_secret_id,
        "kafka_bootstrap_brokers": streaming.bootstrap_brokers if streaming is not None else "",
        "kafka_credentials_secret_id": (streaming.credentials_secret_id if streaming is not None
                                        else ""),
        "bucket_names": foundation.storage.bucket_names,
    }


def build(config: StackConfig) -> None:
    """Declare every resource of one stack through its cloud target and export its outputs."""
    target = get_target(config.cloud)
    foundation = target.foundation(config)
    workload = compose_workload(config, foundation)
    exports = {**foundation_exports(foundation), **target.runtime(config, foundation, workload)}
    for key, value in exports.items():
        pulumi.export(key, value)
