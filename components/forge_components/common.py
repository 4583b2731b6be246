"""Helpers every forge component shares, in any cloud: stack tags, child options, naming."""

import dataclasses
from collections.abc import Mapping

import pulumi

# Re-exported until the components that import it from here switch to the AWS package.
from forge_components.aws.tags import resource_tags

__all__ = ["MANAGED_BY", "child_opts", "physical_name", "resource_tags", "standard_tags"]

MANAGED_BY = "forge-infra"


def standard_tags(app: str, environment: str,
                  extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The tags every resource of a stack carries: app, environment, managed-by, plus extras.

    The program sets these as the cloud provider's default tags (labels); each cloud's
    components add their own on top (on AWS, `forge_components.aws.tags.resource_tags`).
    """
    return {**dict(extra or {}), "app": app, "environment": environment, "managed-by": MANAGED_BY}


def child_opts(parent: pulumi.Resource, *, protect: bool = False,
               depends_on: list[pulumi.Resource] | None = None,
               **kwargs: object) -> pulumi.ResourceOptions:
    """Options for a component's child: `parent=self`, and `protect` only where asked.

    Providers and other options set on the component reach the children through `parent`.
    """
    return pulumi.ResourceOptions(parent=parent, protect=protect or None,
                                  depends_on=depends_on, **kwargs)  # type: ignore[arg-type]


def physical_name(name: str, suffix: str, max_length: int) -> str:
    """A cloud-side name derived from the component name, cut to the provider's limit.

    Used where AWS wants a fixed name (RDS identifiers, ElastiCache groups, MSK clusters);
    a trailing hyphen left by the cut is dropped because most services reject it.
    """
    full = f"{name}-{suffix}" if suffix else name
    return full[:max_length].rstrip("-").lower()


@dataclasses.dataclass(frozen=True)
class SecretReference:
    """A secret the platform reads at run time, by reference (never by value).

    On AWS `arn` is a Secrets Manager secret ARN; `key` selects one field of a JSON secret
    (the RDS-managed master secret holds `{"username": ..., "password": ...}`).
    """

    arn: pulumi.Input[str]
    """The secret's ARN (or the cloud's equivalent identifier)."""
    key: str | None = None
    """A field of a JSON secret to read; None reads the whole value. Defaults to None."""


@dataclasses.dataclass(frozen=True)
class ServiceSpec:
    """One of the platform's services (gateway, api, worker, ui), cloud- and platform-neutral.

    The same spec drives an ECS Fargate service and a block of the Helm chart's values.
    """

    name: str
    """The service's name: gateway, api, worker or ui."""
    image_repository: str
    """The container image repository, without tag."""
    image_tag: str
    """The image tag (prefer an immutable tag or digest)."""
    port: int | None
    """The port the container serves on; None for a service that serves no traffic (worker)."""
    cpu: int
    """CPU in ECS units (1024 = 1 vCPU); Kubernetes requests are derived from it."""
    memory: int
    """Memory in MiB."""
    replicas: int
    """Desired replica (task) count."""
    min_replicas: int
    """Autoscaling lower bound."""
    max_replicas: int
    """Autoscaling upper bound."""
    target_cpu_percent: int
    """Autoscaling target average CPU utilisation, percent."""
    health_path: str | None
    """HTTP path for health checks; None for a service with no HTTP endpoint."""
    environment: Mapping[str, pulumi.Input[str]] = dataclasses.field(default_factory=dict)
    """Plain (non-secret) environment variables."""
    secrets: Mapping[str, SecretReference] = dataclasses.field(default_factory=dict)
    """Environment variables filled from secrets, by reference."""
    public_host: str | None = None
    """The host name the service is reached on from outside; None keeps it internal."""
    public_path: str = "/"
    """The path prefix routed to the service on `public_host`."""

    @property
    def cpu_millicores(self) -> int:
        """The CPU as Kubernetes millicores (1024 ECS units = 1000m)."""
        return max(1, round(self.cpu * 1000 / 1024))
