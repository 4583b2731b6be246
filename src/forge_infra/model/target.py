"""Cloud targets: the small protocol a cloud implements, and the registry `build()` looks in.

A target provides, for one cloud:

* `settings_model`: its branch of the configuration union (a `CloudSettings` subclass);
* `foundation(config)`: the network, the data services, storage and the app's secrets, returned
  as the neutral output contracts (`Foundation`);
* `runtime(config, foundation, workload)`: the compute platform running the neutral service
  specs, the CDN and the budget; it returns the stack exports it adds;
* optionally (`ReleasingTarget`), `release_driver(config, outputs, runner)`: for a runtime that
  holds traffic weights but steps nothing itself, what `forge-infra release` drives.

Targets are registered by name with "module:attribute" strings, so looking one up imports only
that cloud's package (`forge_infra.clouds.aws`), and a new cloud needs only its own modules plus
a `register_target` call. Nothing here imports a cloud SDK.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import pulumi

from forge_components.contracts import (
    ROLLING,
    CacheOutputs,
    DatabaseOutputs,
    NetworkingOutputs,
    RolloutSpec,
    SecretReference,
    ServiceSpec,
    StorageOutputs,
    StreamingOutputs,
)

if TYPE_CHECKING:
    from forge_infra.model.config import CloudSettings, StackConfig
    from forge_infra.release.controller import CommandRunner, ReleaseDriver


@dataclass(frozen=True)
class Foundation:
    """What a cloud's foundation gives the neutral program, as output contracts."""

    network: NetworkingOutputs
    database: DatabaseOutputs
    cache: CacheOutputs
    streaming: StreamingOutputs | None
    """None when the stack runs no broker."""
    storage: StorageOutputs
    app_secret_ids: Mapping[str, pulumi.Output[str]]
    """The secret id of each `forge-infra:secrets` entry in the cloud's secret store."""
    database_password: SecretReference | None = None
    """The services' database password, by reference, where the database authenticates them
    by password (`database.auth_method` "password"); None where they need none (IAM)."""
    streaming_password: SecretReference | None = None
    """The Kafka clients' password (KAFKA_PASSWORD), by reference, where the broker
    authenticates them with a password (SASL/SCRAM, SASL/PLAIN); None where there is no broker
    or the clients log in with their cloud identity (OAUTHBEARER on GCP's managed Kafka). Each
    target says where the password lives: a field of a JSON secret on AWS, a whole secret
    value on GCP and Azure, whose runtimes read secrets whole."""
    exports: Mapping[str, Any] = field(default_factory=dict)
    """Cloud-specific exports beyond the neutral ones (e.g. AWS's database_subnet_ids)."""


@dataclass(frozen=True)
class Workload:
    """The platform's services, composed by the neutral program for the runtime."""

    routes: Mapping[str, tuple[str | None, str]]
    """(host, path) each service is reached on from outside; (None, "/") keeps it internal."""
    services: list[ServiceSpec]
    """The four services: those in `DATA_SERVICE_CLIENTS` (api, worker) with the
    data-service environment (DATABASE_HOST, ...) set, the others with only APP_ENV and their
    own `env`."""
    data_environment: Mapping[str, pulumi.Input[str]]
    """The data-service environment variables alone."""
    rollout: RolloutSpec = field(default_factory=lambda: RolloutSpec(**ROLLING))
    """How a release reaches the services (`forge-infra:rollout`)."""


@runtime_checkable
class CloudTarget(Protocol):
    """One cloud's builder: its settings model, its foundation and its runtime."""

    @property
    def settings_model(self) -> type[CloudSettings]:
        """The cloud's branch of the configuration union."""
        ...

    def foundation(self, config: StackConfig) -> Foundation:
        """Declare the network, data services, storage and app secrets."""
        ...

    def runtime(self, config: StackConfig, foundation: Foundation,
                workload: Workload) -> Mapping[str, Any]:
        """Declare compute, CDN and budget; return the exports they add."""
        ...


@runtime_checkable
class ReleasingTarget(Protocol):
    """A target whose runtime holds traffic weights between revisions but steps nothing
    itself (Cloud Run, Container Apps): `forge-infra release` drives its canary through the
    driver it builds (forge_infra.release). Targets whose platform runs the rollout during
    `pulumi up` (ECS, Argo Rollouts on EKS) do not implement it."""

    @property
    def release_signal_delay_minutes(self) -> int:
        """Minutes after which the runtime's one-minute request metrics are readable."""
        ...

    def release_driver(self, config: StackConfig, outputs: Mapping[str, Any],
                       runner: CommandRunner) -> ReleaseDriver:
        """The driver of the deployed stack whose `pulumi stack output --json` is `outputs`;
        `ReleaseError` when an output it needs is missing."""
        ...


@dataclass(frozen=True)
class TargetEntry:
    """A registered cloud target; its modules are imported on first use."""

    name: str
    namespaces: frozenset[str]
    """The provider config namespaces the cloud reads (`aws` for `aws:region`, ...)."""
    settings: str | type[CloudSettings]
    """The settings model, or "module:attribute" naming it."""
    target: str | CloudTarget
    """The target, or "module:attribute" naming it."""

    def settings_model(self) -> type[CloudSettings]:
        """The settings model (imports its module on first use)."""
        loaded: type[CloudSettings] = _load(self.settings)
        return loaded

    def builder(self) -> CloudTarget:
        """The target (imports its module on first use)."""
        loaded = _load(self.target)
        if not isinstance(loaded, CloudTarget):
            raise TypeError(f"cloud target {self.name!r}: {loaded!r} is not a CloudTarget")
        return loaded


def _load(ref: Any) -> Any:
    if not isinstance(ref, str):
        return ref
    module, _, attribute = ref.partition(":")
    return getattr(importlib.import_module(module), attribute)


_REGISTRY: dict[str, TargetEntry] = {}


def register_target(name: str, *, namespaces: frozenset[str] | set[str],
                    settings: str | type[CloudSettings], target: str | CloudTarget) -> None:
    """Register a cloud target under its `forge-infra:cloud` name (replacing one of that name)."""
    _REGISTRY[name] = TargetEntry(name, frozenset(namespaces), settings, target)


def unregister_target(name: str) -> None:
    """Remove a registered target (tests that register their own)."""
    _REGISTRY.pop(name, None)


def find_target(name: str) -> TargetEntry | None:
    """The entry registered for a cloud name, or None."""
    return _REGISTRY.get(name)


def get_target(name: str) -> CloudTarget:
    """The target of a cloud name; KeyError names the registered ones."""
    entry = _REGISTRY.get(name)
    if entry is None:
        raise KeyError(f"no cloud target {name!r}; registered: {', '.join(registered_clouds())}")
    return entry.builder()


def registered_clouds() -> list[str]:
    """The registered cloud names, sorted."""
    return sorted(_REGISTRY)


def target_namespaces() -> frozenset[str]:
    """Every provider namespace some registered target reads."""
    return frozenset(n for entry in _REGISTRY.values() for n in entry.namespaces)


# The built-in targets (one package per cloud under forge_infra.clouds).
register_target("aws", namespaces={"aws"},
                settings="forge_infra.clouds.aws.settings:AwsSettings",
                target="forge_infra.clouds.aws.target:TARGET")
register_target("gcp", namespaces={"gcp"},
                settings="forge_infra.clouds.gcp.settings:GcpSettings",
                target="forge_infra.clouds.gcp.target:TARGET")
register_target("azure", namespaces={"azure-native"},
                settings="forge_infra.clouds.azure.settings:AzureSettings",
                target="forge_infra.clouds.azure.target:TARGET")
