"""The cloud-neutral contracts every cloud's components honour.

Three kinds of definitions live here, and nothing in this module imports a cloud SDK:

* the shapes passed between the program and the components of any cloud: `ServiceSpec` (one
  of the platform's services, sized in neutral units) and `SecretReference` (a secret read at
  run time, by reference);
* one output contract per component kind (`NetworkingOutputs`, `DatabaseOutputs`, ...): the
  outputs every cloud's component of that kind declares under the same names and types. Args
  may differ by cloud; outputs may not. `tests/components/test_contracts.py` checks each
  cloud's components against these classes;
* `SERVICE_NAMES`, the platform's four services, and `DATA_SERVICE_CLIENTS`, those of them
  that use the data services.

The shapes are TypedDicts so that Pulumi's component analyzer can infer a schema from them
(`pulumi.provider.experimental.analyzer`): a component served to another language receives
its args as plain dicts.
"""

from typing import NotRequired, TypedDict

import pulumi

#: The platform's services, in their fixed order.
SERVICE_NAMES: tuple[str, ...] = ("gateway", "api", "worker", "ui")
#: The services that use the data services (PostgreSQL, the cache and Kafka): only they get
#: the data services' endpoints, credentials and network access, on every cloud and platform.
DATA_SERVICE_CLIENTS: frozenset[str] = frozenset({"api", "worker"})


class SecretReference(TypedDict):
    """A secret a service reads at run time, by reference (never by value)."""

    secret_id: pulumi.Input[str]
    """The secret's identifier in the cloud's secret store: a Secrets Manager ARN on AWS, a
    Secret Manager secret resource name on GCP, a Key Vault secret id on Azure."""
    key: NotRequired[str]
    """A field of a JSON secret to read; unset reads the whole value. Defaults to unset."""


class ServiceSpec(TypedDict):
    """One of the platform's services, cloud- and platform-neutral.

    Sizes are neutral: CPU in millicores (1000 = one vCPU) and memory in MiB. Each platform
    converts them in its own terms (Fargate CPU units, Kubernetes requests, Cloud Run and
    Container Apps limits) and the stack configuration refuses sizes the platform cannot run.
    """

    name: str
    """The service's name: gateway, api, worker or ui."""
    image_repository: str
    """The container image repository, without tag."""
    image_tag: str
    """The image tag (prefer an immutable tag or digest)."""
    cpu_millicores: int
    """CPU in millicores (1000 = 1 vCPU)."""
    memory_mib: int
    """Memory in MiB."""
    replicas: int
    """Desired replica (task) count."""
    min_replicas: int
    """Autoscaling lower bound."""
    max_replicas: int
    """Autoscaling upper bound."""
    target_cpu_percent: int
    """Autoscaling target average CPU utilisation, percent."""
    port: NotRequired[int]
    """The port the container serves on; unset for a service that serves no traffic (worker).
    Defaults to unset."""
    health_path: NotRequired[str]
    """HTTP path for health checks; unset for a service with no HTTP endpoint. Defaults to
    unset."""
    environment: NotRequired[dict[str, pulumi.Input[str]]]
    """Plain (non-secret) environment variables. Defaults to {}."""
    secrets: NotRequired[dict[str, SecretReference]]
    """Environment variables filled from secrets, by reference. Defaults to {}."""
    public_host: NotRequired[str]
    """The host name the service is reached on from outside; unset keeps it internal.
    Defaults to unset."""
    public_path: NotRequired[str]
    """The path prefix routed to the service on `public_host`. Defaults to "/"."""


class RolloutSpec(TypedDict):
    """How a release reaches a platform's services, cloud-neutral.

    `strategy` is "rolling" (in place), "canary" (traffic in `steps`) or "blue_green" (all
    traffic at once after the bake). Each cloud's compute component maps it onto its own
    mechanism (ECS deployment strategies, Argo Rollouts, Cloud Run traffic) and the stack
    configuration refuses the shapes a platform cannot run.
    """

    strategy: str
    """"rolling", "canary" or "blue_green"."""
    steps: list[int]
    """Traffic percentages of the new revision, strictly increasing, ending at 100 ([100] for
    blue_green, [] for rolling)."""
    bake_minutes: int
    """Minutes each step holds before the next (and after 100% before the old revision goes)."""
    http_5xx_percent: float
    """The 5xx share of the new revision's responses (percent) that stops and rolls back."""
    evaluation_minutes: int
    """Consecutive one-minute periods a signal must breach to stop the release."""
    unhealthy_targets: int
    """Targets failing their health check at once that stop the release."""


#: The rollout of a stack that sets none: replace in place.
ROLLING: RolloutSpec = RolloutSpec(strategy="rolling", steps=[], bake_minutes=0,
                                   http_5xx_percent=5.0, evaluation_minutes=3,
                                   unhealthy_targets=1)


# -- output contracts -----------------------------------------------------------------------
#
# Each class lists the outputs a component kind declares at class level in every cloud. A
# cloud's component may declare more (an AWS Networking also has `app_security_group_id`),
# never fewer, and never the same name with another type.


class NetworkingOutputs:
    """What every cloud's Networking component exposes."""

    network_id: pulumi.Output[str]
    """The network's id (AWS VPC id, GCP network self link, Azure VNet resource id)."""
    zones: pulumi.Output[list[str]]
    """The zones the network's subnets span, in order."""
    public_subnet_ids: pulumi.Output[list[str]]
    """Subnets for internet-facing load balancers (empty where the cloud needs none)."""
    private_subnet_ids: pulumi.Output[list[str]]
    """Subnets for workloads, with outbound internet through NAT."""


class DatabaseOutputs:
    """What every cloud's Database component (PostgreSQL) exposes."""

    host: pulumi.Output[str]
    """The private host name (or IP) applications connect to."""
    port: pulumi.Output[int]
    """The PostgreSQL port."""
    database_name: pulumi.Output[str]
    """The application database's name."""
    username: pulumi.Output[str]
    """The administrator the credentials secret belongs to (operators only, never the
    services)."""
    credentials_secret_id: pulumi.Output[str]
    """The secret holding the administrator's credentials as JSON (`username` and `password`
    fields): for operators and the role bootstrap, never handed to the services."""
    app_username: pulumi.Output[str]
    """The role the services log in as (DATABASE_USER)."""
    auth_method: pulumi.Output[str]
    """How the services authenticate (DATABASE_AUTH): "iam" (a short-lived token from the
    cloud's identity, no password) or "password" (the password in
    `app_credentials_secret_id`)."""
    app_credentials_secret_id: pulumi.Output[str]
    """The secret holding the services' credentials as JSON (`username` and `password`) where
    `auth_method` is "password"; "" otherwise."""


class CacheOutputs:
    """What every cloud's Cache component (Redis protocol) exposes."""

    host: pulumi.Output[str]
    """The primary endpoint's private host name (or IP)."""
    port: pulumi.Output[int]
    """The port (TLS)."""
    auth_token_secret_id: pulumi.Output[str]
    """The secret holding the AUTH token (or access key) as its whole value."""


class StreamingOutputs:
    """What every cloud's Streaming component (Kafka protocol) exposes."""

    bootstrap_brokers: pulumi.Output[str]
    """Comma-separated `host:port` bootstrap servers; empty when the stack has no broker."""
    security_protocol: pulumi.Output[str]
    """The Kafka `security.protocol` clients must use (`SASL_SSL`, or `SASL_PLAINTEXT` where the
    brokers have no TLS listener); empty when the stack has no broker."""
    ca_certificate_pem: pulumi.Output[str]
    """The PEM certificate(s) of the CA the clients must trust to verify the brokers' TLS
    certificates (a private CA the component runs); empty when the brokers present
    certificates of a public CA already in the clients' default trust store, or when the stack
    has no broker. The services receive it as KAFKA_SSL_CA_PEM."""
    sasl_mechanism: pulumi.Output[str]
    """The SASL mechanism of the clients' user (`SCRAM-SHA-512`); empty without a broker."""
    username: pulumi.Output[str]
    """The SASL user the clients log in as; empty when the stack has no broker."""
    credentials_secret_id: pulumi.Output[str]
    """The secret holding the clients' credentials as JSON (`username` and `password`
    fields); empty when the stack has no broker."""


class StorageOutputs:
    """What every cloud's Storage component exposes."""

    bucket_names: pulumi.Output[dict[str, str]]
    """The bucket (container) name of each purpose (reports, exports, backups)."""


class ComputeOutputs:
    """What every cloud's Compute component exposes."""

    service_names: pulumi.Output[list[str]]
    """The names the platform's services run under (ECS services, Kubernetes Deployments,
    Cloud Run services, Container Apps)."""


class CdnOutputs:
    """What every cloud's Cdn component exposes."""

    hostname: pulumi.Output[str]
    """The CDN's own host name (CloudFront, Cloud CDN IP's DNS name, Front Door endpoint)."""
    url: pulumi.Output[str]
    """The public URL of the app behind the CDN."""


class BudgetOutputs:
    """What every cloud's Budget component exposes."""

    budget_name: pulumi.Output[str]
    """The budget's name in the cloud's billing service (AWS Budgets name, GCP
    `billingAccounts/<account>/budgets/<id>`)."""


#: Each component kind's output contract, by kind name.
OUTPUT_CONTRACTS: dict[str, type] = {
    "Networking": NetworkingOutputs,
    "Database": DatabaseOutputs,
    "Cache": CacheOutputs,
    "Streaming": StreamingOutputs,
    "Storage": StorageOutputs,
    "Compute": ComputeOutputs,
    "Cdn": CdnOutputs,
    "Budget": BudgetOutputs,
}
