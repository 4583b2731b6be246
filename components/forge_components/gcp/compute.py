"""The platform's services on Cloud Run: services, a worker pool and the api's migration job.

`Compute` runs each `ServiceSpec` on Cloud Run (`gcp.cloudrunv2`), in the region, each under a
service account of its own:

* gateway, api and ui (every spec with a `port`) are Cloud Run **services**. A service with a
  `public_host` is fronted by the load balancer (the GCP Cdn component's serverless NEGs), so
  its ingress is `INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER` ("internal and Cloud Load
  Balancing") and the invoker IAM check is off: the load balancer's clients carry no Google
  identity (https://cloud.google.com/run/docs/securing/managing-access#invoker_check). Every
  other service (the api) is `INGRESS_TRAFFIC_INTERNAL_ONLY` with the IAM check on, and only the
  services named in `invokers` (the gateway for the api, by default) get `roles/run.invoker`
  on it. Source of the ingress values: pulumi_gcp 10.2 `cloudrunv2.Service(ingress=...)`;
  what each admits: https://cloud.google.com/run/docs/securing/ingress, which also says a
  request from another Cloud Run service counts as internal only when it goes through the VPC
  (Direct VPC egress, Private Google Access on the subnet): the gateway's ALL_TRAFFIC egress on
  the `workloads` subnet (Private Google Access on) is that path.
* the worker (a spec without a `port`: a Kafka consumer that serves no HTTP) is a Cloud Run
  **worker pool** (`cloudrunv2.WorkerPool`): it has no URL, no load-balanced endpoint and no
  ingress at all, and needs no listening port, which a Cloud Run service does (its default
  startup probe is a TCP check on the port). Worker pools are GA: the resource is in the GA
  provider pulumi_gcp 10.2 with no `launch_stage` needed, `gcloud run worker-pools` is a GA
  command group (https://cloud.google.com/sdk/gcloud/reference/run/worker-pools), and the
  Cloud Run documentation pages for worker pools (manual scaling, Direct VPC egress) carry no
  Preview notice. It runs `replicas` instances in MANUAL scaling
  (https://cloud.google.com/run/docs/configuring/workerpools/manual-scaling): worker pools do
  not scale on requests, and their CPU autoscaling's launch stage could not be confirmed here.
* the api's migration is a Cloud Run **job** (`cloudrunv2.Job`) with the api's image,
  environment and secrets and `migration_command`, under its own service account. Its
  `run_execution_token` (derived from the image) makes every `pulumi up` that changes the image
  run the job and wait for it to succeed, and the api service is updated only after that
  (pulumi_gcp 10.2 `Job(run_execution_token=...)`: "The Job will become ready when the
  execution is successfully completed").

Every container: CPU and memory from the neutral size, refused by `limits.
cloud_run_size_problem` when Cloud Run cannot run it; plain variables as values; secrets only by
reference (`value_source.secret_key_ref`, the secret's resource name and `secret_version`),
never a value, so none reaches the plan or the revision; Direct VPC egress on the `workloads`
subnet with egress ALL_TRAFFIC (so Cloud NAT and the network's egress firewall rules govern
every packet) and the network tags those rules target: `workload_tag` on every workload,
`data_client_tag` on the data services' clients only (`contracts.DATA_SERVICE_CLIENTS` and the
migration job). Services get a startup probe (HTTP on `health_path`, else TCP on the port; it
also covers the minute Direct VPC egress can take to connect at start,
https://cloud.google.com/run/docs/configuring/vpc-direct-vpc) and a liveness probe on the
same check; the worker serves no port, so it has neither.

Least privilege, without keys: one `serviceaccount.Account` per service (and one for the
migration job), no `serviceaccount.Key` ever; `roles/secretmanager.secretAccessor` on exactly
the secrets the service references, one grant per secret; `roles/cloudsql.client` on the
project for the services in `database_clients` (and the job: the Cloud SQL connectors and Auth
Proxy need it, https://cloud.google.com/sql/docs/postgres/connect-run; a plain private-IP
connection with a password does not, and `database_clients=[]` drops it); `roles/logging.
logWriter` and
`roles/monitoring.metricWriter` only for the services in `telemetry_writers` (Cloud Run itself
collects the containers' stdout and stderr and its own metrics: the roles are for code that
calls the Logging or Monitoring API). Cloud Run checks at deployment that the service account
may read each referenced secret, so every service depends on its grants.

Progressive delivery (`rollout`, a neutral `RolloutSpec`): with strategy "canary" or
"blue_green", every Cloud Run *service* is declared with `traffics` = 100% to the latest
revision (type `TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST`, pulumi_gcp 10.2 `cloudrunv2.
ServiceTrafficArgs`) and `ignore_changes=["traffics"]` (the property's name in pulumi_gcp 10.2
`cloudrunv2.Service`), so the first `pulumi up` serves the first revision and, afterwards,
`forge-infra release` (forge_infra.clouds.gcp.release) owns the split: it pins the traffic to
named revisions, and "all subsequent deployments use that traffic split pattern going forward"
(https://cloud.google.com/run/docs/rollouts-rollbacks-traffic-migration, "Lifecycle of
traffic splits", read 2026-12-02): a revision a later `pulumi up` creates gets no traffic until
the release steps it in, and Pulumi neither reverts a step nor fights the rollback. The worker
pool and the migration job take no traffic and keep their behaviour. With "rolling" the
services declare no traffic (the provider's default: 100% to the latest ready revision).
"""

import dataclasses
import hashlib
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_gcp as gcp

from forge_components.common import child_opts
from forge_components.contracts import (
    DATA_SERVICE_CLIENTS,
    ROLLING,
    RolloutSpec,
    SecretReference,
    ServiceSpec,
)
from forge_components.gcp.labels import resource_labels
from forge_components.gcp.limits import (
    AUTONAME_SUFFIX,
    CLOUD_RUN_JOB_NAME_AND_TOKEN_MAX,
    RESOURCE_NAME,
    SERVICE_ACCOUNT_ID,
    cloud_run_size_problem,
)

COMPONENT = "forge-gcp:index:Compute"

INGRESS_LOAD_BALANCED = "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"
"""Ingress of a service a load balancer fronts: internal traffic and Cloud Load Balancing."""
INGRESS_INTERNAL = "INGRESS_TRAFFIC_INTERNAL_ONLY"
"""Ingress of every other service: traffic from the project's VPC networks only."""
EGRESS_ALL_TRAFFIC = "ALL_TRAFFIC"
"""Direct VPC egress of every workload: all outbound traffic through the VPC."""

SECRET_ACCESSOR_ROLE = "roles/secretmanager.secretAccessor"
CLOUD_SQL_CLIENT_ROLE = "roles/cloudsql.client"
INVOKER_ROLE = "roles/run.invoker"
TELEMETRY_ROLES: tuple[str, ...] = ("roles/logging.logWriter", "roles/monitoring.metricWriter")

MIGRATION = "migrate"
"""The migration job's suffix (its service account is `<name>-migrate`)."""
#: Length of the migration job's execution token (hex of the image reference).
_TOKEN_LENGTH = 8
#: The longest service name of the platform, for the service accounts' ids.
_LONGEST_ACCOUNT_SUFFIX = len("-gateway")
#: Probe timings, seconds: the startup probe allows 30 x 10 s = 5 minutes (Direct VPC egress
#: can take a minute or more to connect at start); the liveness probe restarts an instance
#: after 3 failures 15 s apart.
STARTUP_PERIOD_SECONDS = 10
STARTUP_FAILURE_THRESHOLD = 30
LIVENESS_PERIOD_SECONDS = 15
LIVENESS_FAILURE_THRESHOLD = 3
PROBE_TIMEOUT_SECONDS = 5
#: The second generation execution environment (full Linux compatibility; the 512 MiB memory
#: floor of `limits.CLOUD_RUN_CPU_MEMORY_MIB`). Source: pulumi_gcp 10.2
#: `ServiceTemplateArgs.execution_environment` values.
EXECUTION_ENVIRONMENT = "EXECUTION_ENVIRONMENT_GEN2"
#: A traffic target following the service's latest ready revision. Source: pulumi_gcp 10.2
#: `cloudrunv2.ServiceTrafficArgs.type` ("Possible values are:
#: TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST, TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION").
TRAFFIC_LATEST = "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST"
#: The Service property `forge-infra release` owns once a rollout is not rolling: its name in
#: pulumi_gcp 10.2 `cloudrunv2.Service` (`traffics`, a list of `ServiceTrafficArgs`).
TRAFFIC_PROPERTY = "traffics"
#: The rollout strategies the services accept (RolloutSpec.strategy).
ROLLOUT_STRATEGIES = ("rolling", "canary", "blue_green")
#: The Args class prefixes of the three Cloud Run kinds' revision templates.
_SERVICE = "ServiceTemplate"
_POOL = "WorkerPoolTemplate"
_JOB = "JobTemplateTemplate"


class ComputeArgs(TypedDict):
    """Arguments of the GCP `Compute`. Defaults are safe: internal ingress, no keys, secrets by
    reference."""

    region: str
    """The region of the services, the worker pool and the job. Required."""
    services: list[ServiceSpec]
    """The services to run: each with a `port` becomes a Cloud Run service, one without a
    worker pool; sizes must be Cloud Run sizes (`limits.cloud_run_size_problem`); secrets must
    be whole-value Secret Manager secrets (no `key`). Required."""
    subnetwork_id: pulumi.Input[str]
    """The subnet the workloads take their addresses from through Direct VPC egress
    (`Networking`'s `workloads_subnet_id`). Required."""
    workload_tag: NotRequired[str]
    """The network tag every workload carries (`Networking`'s `workload_tag`). Defaults to
    "forge-workload"."""
    data_client_tag: NotRequired[str]
    """The network tag of the data services' clients (`Networking`'s `data_client_tag`), set on
    `contracts.DATA_SERVICE_CLIENTS` and the migration job only. Defaults to
    "forge-data-client"."""
    invokers: NotRequired[dict[str, list[str]]]
    """Per internal service, the services whose accounts get `roles/run.invoker` on it.
    Defaults to {"api": ["gateway"]} (for the services present)."""
    database_clients: NotRequired[list[str]]
    """Services whose accounts get `roles/cloudsql.client` on the project (the migration job's
    too, when there is one). Defaults to the data services' clients present (api, worker)."""
    telemetry_writers: NotRequired[list[str]]
    """Services whose accounts get `roles/logging.logWriter` and `roles/monitoring.
    metricWriter` on the project, for code that calls those APIs. Defaults to []."""
    secret_version: NotRequired[str]
    """The Secret Manager version every secret reference reads. Defaults to "latest"."""
    migration_command: NotRequired[list[str] | None]
    """The api image's migration command, run as a Cloud Run job before the api is updated;
    None creates no job. Defaults to ["/app/bin/migrate"]."""
    migration_timeout_seconds: NotRequired[int]
    """The migration task's time limit, seconds. Defaults to 600."""
    migration_max_retries: NotRequired[int]
    """Retries of a failed migration task. Defaults to 1."""
    cpu_always_allocated: NotRequired[bool]
    """Instance-based billing for the services (CPU outside requests too); otherwise CPU is
    allocated during requests only. The worker pool always has its CPU. Defaults to False."""
    deletion_protection: NotRequired[bool]
    """The provider's deletion protection on the services, worker pool and job (the provider
    defaults it on; these hold no data). Defaults to False."""
    project: NotRequired[pulumi.Input[str] | None]
    """The project of the project-level grants; unset asks the provider. Defaults to unset."""
    labels: NotRequired[dict[str, str]]
    """Labels on the services, the worker pool and the job (plus `service`). Defaults to {}."""
    rollout: NotRequired[RolloutSpec]
    """How a release reaches the Cloud Run services: "rolling" (each `pulumi up` gives the new
    revision all traffic), or "canary" / "blue_green": the services start with 100% to the
    latest revision and Pulumi ignores their traffic afterwards, which `forge-infra release`
    steps and rolls back (the worker pool and the job are unaffected). Defaults to rolling."""


@dataclasses.dataclass(frozen=True)
class _Settings:
    """`ComputeArgs` with every default applied (the host passes a plain dict)."""

    region: str
    services: list[ServiceSpec]
    subnetwork_id: pulumi.Input[str]
    workload_tag: str = "forge-workload"
    data_client_tag: str = "forge-data-client"
    invokers: dict[str, list[str]] | None = None
    database_clients: list[str] | None = None
    telemetry_writers: list[str] = dataclasses.field(default_factory=list)
    secret_version: str = "latest"
    migration_command: list[str] | None = dataclasses.field(
        default_factory=lambda: ["/app/bin/migrate"])
    migration_timeout_seconds: int = 600
    migration_max_retries: int = 1
    cpu_always_allocated: bool = False
    deletion_protection: bool = False
    project: pulumi.Input[str] | None = None
    labels: dict[str, str] = dataclasses.field(default_factory=dict)
    rollout: RolloutSpec = dataclasses.field(default_factory=lambda: RolloutSpec(**ROLLING))

    @property
    def release_owns_traffic(self) -> bool:
        """Whether `forge-infra release` owns the services' traffic (a non-rolling rollout)."""
        return self.rollout["strategy"] != "rolling"

    @property
    def names(self) -> list[str]:
        """The services' names, in the order given."""
        return [spec["name"] for spec in self.services]

    def invokers_of(self) -> dict[str, list[str]]:
        """`invokers` with its default applied to the services present."""
        if self.invokers is not None:
            return {k: list(v) for k, v in self.invokers.items()}
        if "api" in self.names and "gateway" in self.names:
            return {"api": ["gateway"]}
        return {}

    def database_clients_of(self) -> list[str]:
        """`database_clients` with its default applied to the services present."""
        if self.database_clients is not None:
            return list(self.database_clients)
        return [n for n in self.names if n in DATA_SERVICE_CLIENTS]

    def has_migration(self) -> bool:
        """A migration job runs (a command and an api to migrate for)."""
        return bool(self.migration_command) and "api" in self.names


def _fail(message: str) -> ValueError:
    return ValueError(f"Compute: {message}")


def validate_compute_args(name: str, args: ComputeArgs) -> _Settings:
    """The args with defaults applied, checked; a ValueError names the field and what is
    allowed. Pure (no Pulumi calls)."""
    s = _Settings(**args)
    job_name = f"{name}-api-{MIGRATION}"
    longest = min(30 - _LONGEST_ACCOUNT_SUFFIX,
                  CLOUD_RUN_JOB_NAME_AND_TOKEN_MAX - _TOKEN_LENGTH - AUTONAME_SUFFIX
                  - (len(job_name) - len(name)))
    if not RESOURCE_NAME.fullmatch(name) or not 3 <= len(name) <= longest:
        raise _fail(f"name {name!r} must be 3 to {longest} lower-case letters, digits and "
                    "dashes (a letter first, no dash last), so that every service account id "
                    "fits 30 characters and the migration job's name and token 63")
    if not RESOURCE_NAME.fullmatch(s.region):
        raise _fail(f"region {s.region!r} is not a region name such as 'europe-west1'")
    if not s.services:
        raise _fail("services is empty")
    names = s.names
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise _fail(f"duplicate service names {duplicates}")
    for spec in s.services:
        _check_spec(name, spec)
    for field in ("workload_tag", "data_client_tag"):
        if not RESOURCE_NAME.fullmatch(getattr(s, field)):
            raise _fail(f"{field} {getattr(s, field)!r} is not a network tag")
    if s.workload_tag == s.data_client_tag:
        raise _fail("workload_tag and data_client_tag must differ: only the data clients may "
                    "reach the data services")
    served = {spec["name"] for spec in s.services if spec.get("port") is not None}
    for target, callers in s.invokers_of().items():
        if target not in served:
            raise _fail(f"invokers names {target!r}, which is not a served service; served: "
                        f"{sorted(served)}")
        unknown = sorted(set(callers) - set(names))
        if unknown:
            raise _fail(f"invokers of {target!r} name unknown services {unknown}; services "
                        f"are {names}")
        public = next(spec for spec in s.services if spec["name"] == target).get("public_host")
        if public:
            raise _fail(f"invokers names {target!r}, which has a public_host: a load-balanced "
                        "service has no invoker check")
    for field in ("database_clients", "telemetry_writers"):
        unknown = sorted(set(getattr(s, field) or []) - set(names))
        if unknown:
            raise _fail(f"{field} names unknown services {unknown}; services are {names}")
    if s.migration_command is not None and not all(
            isinstance(part, str) and part for part in s.migration_command):
        raise _fail(f"migration_command must list non-empty strings, got {s.migration_command}")
    if not 1 <= s.migration_timeout_seconds <= 86400:
        raise _fail("migration_timeout_seconds must be between 1 and 86400, got "
                    f"{s.migration_timeout_seconds}")
    if not 0 <= s.migration_max_retries <= 10:
        raise _fail(f"migration_max_retries must be between 0 and 10, got "
                    f"{s.migration_max_retries}")
    if not s.secret_version or not (s.secret_version == "latest" or s.secret_version.isdigit()):
        raise _fail(f"secret_version {s.secret_version!r} must be 'latest' or a version number")
    if s.rollout["strategy"] not in ROLLOUT_STRATEGIES:
        raise _fail(f"rollout.strategy {s.rollout['strategy']!r}; allowed: "
                    f"{', '.join(ROLLOUT_STRATEGIES)}")
    resource_labels(COMPONENT, s.labels)
    return s


def _check_spec(name: str, spec: ServiceSpec) -> None:
    service = spec["name"]
    if not RESOURCE_NAME.fullmatch(service) or not SERVICE_ACCOUNT_ID.fullmatch(
            f"{name}-{service}"):
        raise _fail(f"service name {service!r} must be lower-case letters, digits and dashes "
                    f"with {name}-{service} a service account id (6-30 characters)")
    problem = cloud_run_size_problem(spec["cpu_millicores"], spec["memory_mib"])
    if problem is not None:
        raise _fail(f"service {service!r}: {problem}")
    port = spec.get("port")
    low, high = (0, spec["max_replicas"]) if port is not None else (1, spec["max_replicas"])
    if not low <= spec["min_replicas"] <= high or spec["max_replicas"] < 1:
        raise _fail(f"service {service!r} needs {low} <= min_replicas <= max_replicas and "
                    f"max_replicas >= 1, got {spec['min_replicas']}, {spec['max_replicas']}")
    if port is None and spec["replicas"] < 1:
        raise _fail(f"service {service!r} (a worker pool) needs replicas >= 1, got "
                    f"{spec['replicas']}")
    if spec.get("public_host") and port is None:
        raise _fail(f"service {service!r} has a public_host but no port")
    if spec.get("health_path") and port is None:
        raise _fail(f"service {service!r} has a health_path but no port to probe it on")
    for env, ref in (spec.get("secrets") or {}).items():
        if ref.get("key"):
            raise _fail(f"service {service!r} reads secret variable {env} from key "
                        f"{ref['key']!r} of a JSON secret: Cloud Run passes a Secret Manager "
                        "version whole, so reference a secret that holds the value alone")
    overlap = sorted(set(spec.get("environment") or {}) & set(spec.get("secrets") or {}))
    if overlap:
        raise _fail(f"service {service!r} sets {overlap} both as plain and secret variables")


def image_reference(image_repository: str, image_tag: str) -> str:
    """`repo:tag`, or `repo@sha256:...` when the tag is a digest."""
    separator = "@" if image_tag.startswith("sha256:") else ":"
    return f"{image_repository}{separator}{image_tag}"


def execution_token(image: str) -> str:
    """The migration job's execution token: a digest of the image it runs, so a new image runs
    the job again and an unchanged one does not."""
    return hashlib.sha256(image.encode()).hexdigest()[:_TOKEN_LENGTH]


def _resources(spec: ServiceSpec) -> dict[str, str]:
    """Cloud Run limits of a neutral size: whole vCPUs and MiB."""
    return {"cpu": str(spec["cpu_millicores"] // 1000), "memory": f"{spec['memory_mib']}Mi"}


def _distinct_secrets(spec: ServiceSpec) -> list[pulumi.Input[str]]:
    """The secrets a spec references, each once, in the order of their variables (a secret
    given as an Output counts once per reference: it cannot be compared before it resolves)."""
    refs: dict[str, SecretReference] = dict(spec.get("secrets") or {})
    seen: list[pulumi.Input[str]] = []
    for _, ref in sorted(refs.items()):
        secret = ref["secret_id"]
        if not (isinstance(secret, str) and secret in seen):
            seen.append(secret)
    return seen


def _args(kind: str, suffix: str, **kwargs: Any) -> Any:
    """The pulumi_gcp Args class `<kind><suffix>Args` built from `kwargs` (the three Cloud Run
    resource kinds have one class per nested type: a wrong keyword is a TypeError)."""
    return getattr(gcp.cloudrunv2, f"{kind}{suffix}Args")(**kwargs)


def _envs(kind: str, spec: ServiceSpec, version: str) -> list[Any]:
    """Plain variables by value, then secrets by reference only (each sorted by name)."""
    container = f"{kind}Container"
    plain = [_args(container, "Env", name=key, value=value)
             for key, value in sorted((spec.get("environment") or {}).items())]
    secret = [_args(container, "Env", name=key, value_source=_args(
                  container, "EnvValueSource", secret_key_ref=_args(
                      container, "EnvValueSourceSecretKeyRef",
                      secret=ref["secret_id"], version=version)))
              for key, ref in sorted((spec.get("secrets") or {}).items())]
    return plain + secret


def _probe(which: str, port: int, health_path: str | None, period: int,
           failures: int) -> Any:
    """A service container's startup or liveness probe: HTTP GET on `health_path`, else TCP on
    the port."""
    prefix = f"ServiceTemplateContainer{which}Probe"
    check = ({"http_get": _args(prefix, "HttpGet", path=health_path, port=port)}
             if health_path else {"tcp_socket": _args(prefix, "TcpSocket", port=port)})
    return _args("ServiceTemplateContainer", f"{which}Probe", period_seconds=period,
                 timeout_seconds=PROBE_TIMEOUT_SECONDS, failure_threshold=failures, **check)


class Compute(pulumi.ComponentResource):
    """The platform's services on Cloud Run: services (internal or load-balanced ingress), a
    worker pool for the worker, the api's migration job; one keyless service account each."""

    service_names: pulumi.Output[list[str]]
    """The Cloud Run names the services run under (services and the worker pool), in the
    specs' order."""
    service_uris: pulumi.Output[dict[str, str]]
    """Each Cloud Run service's URI (`*.run.app`), by service name; the worker pool has none."""
    service_ids: pulumi.Output[dict[str, str]]
    """Each service's (and the worker pool's) resource id, by service name: what the load
    balancer's serverless NEGs and IAM grants name."""
    service_account_emails: pulumi.Output[dict[str, str]]
    """Each service's service account email, by service name (and `api-migrate` for the job)."""
    ingress: pulumi.Output[dict[str, str]]
    """Each Cloud Run service's ingress setting, by service name."""
    migration_job_name: pulumi.Output[str]
    """The migration job's name; "" without a job."""

    def __init__(self, name: str, args: ComputeArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, opts)
        s = validate_compute_args(name, args)
        database_clients = set(s.database_clients_of())
        telemetry = set(s.telemetry_writers)
        project: pulumi.Input[str] = (
            s.project if s.project is not None else gcp.organizations.get_client_config_output(
                opts=pulumi.InvokeOutputOptions(parent=self)).project)

        accounts: dict[str, gcp.serviceaccount.Account] = {}
        grants: dict[str, list[pulumi.Resource]] = {}

        def identity(key: str, account_id: str, description: str, spec: ServiceSpec,
                     sql: bool, writes_telemetry: bool) -> gcp.serviceaccount.Account:
            account = gcp.serviceaccount.Account(
                f"{name}-{key}-sa",
                account_id=account_id,
                display_name=f"forge {name} {key}",
                description=description,
                opts=child_opts(self))
            member = account.member
            own: list[pulumi.Resource] = []
            for i, secret in enumerate(_distinct_secrets(spec)):
                own.append(gcp.secretmanager.SecretIamMember(
                    f"{name}-{key}-secret-{i + 1}",
                    secret_id=secret, role=SECRET_ACCESSOR_ROLE, member=member,
                    opts=child_opts(self)))
            roles = ([CLOUD_SQL_CLIENT_ROLE] if sql else []) + (
                list(TELEMETRY_ROLES) if writes_telemetry else [])
            for role in roles:
                own.append(gcp.projects.IAMMember(
                    f"{name}-{key}-{role.rsplit('/', 1)[-1].replace('.', '-').lower()}",
                    project=project, role=role, member=member, opts=child_opts(self)))
            accounts[key] = account
            grants[key] = own
            return account

        def vpc_access(kind: str, client: bool) -> Any:
            tags = [s.workload_tag, *([s.data_client_tag] if client else [])]
            return _args(kind, "VpcAccess", egress=EGRESS_ALL_TRAFFIC, network_interfaces=[
                _args(kind, "VpcAccessNetworkInterface", subnetwork=s.subnetwork_id,
                      tags=tags)])

        def labels_of(service: str) -> dict[str, str]:
            return resource_labels(COMPONENT, s.labels, {"service": service})

        for spec in s.services:
            service = spec["name"]
            identity(service, f"{name}-{service}",
                     f"Cloud Run identity of {service} in {name}", spec,
                     service in database_clients, service in telemetry)

        # -- the api's migration job, before the api ----------------------------------------
        job: gcp.cloudrunv2.Job | None = None
        if s.has_migration():
            api = next(spec for spec in s.services if spec["name"] == "api")
            key = f"api-{MIGRATION}"
            account = identity(key, f"{name}-{MIGRATION}",
                               f"Cloud Run identity of the api's migration job in {name}", api,
                               "api" in database_clients, "api" in telemetry)
            image = image_reference(api["image_repository"], api["image_tag"])
            job = gcp.cloudrunv2.Job(
                f"{name}-{key}",
                location=s.region,
                deletion_protection=s.deletion_protection,
                run_execution_token=execution_token(image),
                labels=labels_of(key),
                template=gcp.cloudrunv2.JobTemplateArgs(
                    labels=labels_of(key),
                    task_count=1,
                    parallelism=1,
                    template=gcp.cloudrunv2.JobTemplateTemplateArgs(
                        service_account=account.email,
                        max_retries=s.migration_max_retries,
                        timeout=f"{s.migration_timeout_seconds}s",
                        execution_environment=EXECUTION_ENVIRONMENT,
                        vpc_access=vpc_access(_JOB, "api" in DATA_SERVICE_CLIENTS),
                        containers=[gcp.cloudrunv2.JobTemplateTemplateContainerArgs(
                            name=key,
                            image=image,
                            commands=list(s.migration_command or []),
                            envs=_envs(_JOB, api, s.secret_version),
                            resources=gcp.cloudrunv2.JobTemplateTemplateContainerResourcesArgs(
                                limits=_resources(api)),
                        )],
                    ),
                ),
                opts=child_opts(self, depends_on=grants[key]))

        # -- services and the worker pool ----------------------------------------------------
        names: list[pulumi.Output[str]] = []
        uris: dict[str, pulumi.Output[str]] = {}
        ids: dict[str, pulumi.Output[str]] = {}
        ingress: dict[str, str] = {}
        resources: dict[str, gcp.cloudrunv2.Service] = {}
        for spec in s.services:
            service = spec["name"]
            account = accounts[service]
            client = service in DATA_SERVICE_CLIENTS
            image = image_reference(spec["image_repository"], spec["image_tag"])
            depends: list[pulumi.Resource] = list(grants[service])
            port = spec.get("port")
            if port is None:
                pool = gcp.cloudrunv2.WorkerPool(
                    f"{name}-{service}",
                    location=s.region,
                    deletion_protection=s.deletion_protection,
                    labels=labels_of(service),
                    scaling=gcp.cloudrunv2.WorkerPoolScalingArgs(
                        scaling_mode="MANUAL", manual_instance_count=spec["replicas"]),
                    template=gcp.cloudrunv2.WorkerPoolTemplateArgs(
                        labels=labels_of(service),
                        service_account=account.email,
                        vpc_access=vpc_access(_POOL, client),
                        containers=[gcp.cloudrunv2.WorkerPoolTemplateContainerArgs(
                            name=service,
                            image=image,
                            envs=_envs(_POOL, spec, s.secret_version),
                            resources=gcp.cloudrunv2.WorkerPoolTemplateContainerResourcesArgs(
                                limits=_resources(spec)),
                        )],
                    ),
                    opts=child_opts(self, depends_on=depends))
                names.append(pool.name)
                ids[service] = pool.id
                continue
            load_balanced = bool(spec.get("public_host"))
            ingress[service] = INGRESS_LOAD_BALANCED if load_balanced else INGRESS_INTERNAL
            if service == "api" and job is not None:
                depends.append(job)
            release: dict[str, Any] = {}
            if s.release_owns_traffic:
                # 100% to the latest revision at creation; then `forge-infra release` owns it.
                release["traffics"] = [gcp.cloudrunv2.ServiceTrafficArgs(
                    type=TRAFFIC_LATEST, percent=100)]
            run = gcp.cloudrunv2.Service(
                f"{name}-{service}",
                location=s.region,
                ingress=ingress[service],
                invoker_iam_disabled=load_balanced,
                deletion_protection=s.deletion_protection,
                labels=labels_of(service),
                template=gcp.cloudrunv2.ServiceTemplateArgs(
                    labels=labels_of(service),
                    service_account=account.email,
                    execution_environment=EXECUTION_ENVIRONMENT,
                    scaling=gcp.cloudrunv2.ServiceTemplateScalingArgs(
                        min_instance_count=spec["min_replicas"],
                        max_instance_count=spec["max_replicas"]),
                    vpc_access=vpc_access(_SERVICE, client),
                    containers=[gcp.cloudrunv2.ServiceTemplateContainerArgs(
                        name=service,
                        image=image,
                        ports=gcp.cloudrunv2.ServiceTemplateContainerPortsArgs(
                            container_port=port),
                        envs=_envs(_SERVICE, spec, s.secret_version),
                        resources=gcp.cloudrunv2.ServiceTemplateContainerResourcesArgs(
                            limits=_resources(spec),
                            cpu_idle=not s.cpu_always_allocated,
                            startup_cpu_boost=True),
                        startup_probe=_probe("Startup", port, spec.get("health_path"),
                                             STARTUP_PERIOD_SECONDS,
                                             STARTUP_FAILURE_THRESHOLD),
                        liveness_probe=_probe("Liveness", port, spec.get("health_path"),
                                              LIVENESS_PERIOD_SECONDS,
                                              LIVENESS_FAILURE_THRESHOLD),
                    )],
                ),
                **release,
                opts=child_opts(self, depends_on=depends,
                                ignore_changes=[TRAFFIC_PROPERTY] if release else None))
            resources[service] = run
            names.append(run.name)
            uris[service] = run.uri
            ids[service] = run.id

        for target, callers in sorted(s.invokers_of().items()):
            for caller in callers:
                gcp.cloudrunv2.ServiceIamMember(
                    f"{name}-{target}-invoker-{caller}",
                    name=resources[target].name,
                    location=s.region,
                    role=INVOKER_ROLE,
                    member=accounts[caller].member,
                    opts=child_opts(self))

        self.service_names = pulumi.Output.all(*names).apply(list)
        self.service_uris = pulumi.Output.all(**uris).apply(dict)
        self.service_ids = pulumi.Output.all(**ids).apply(dict)
        self.service_account_emails = pulumi.Output.all(
            **{key: account.email for key, account in accounts.items()}).apply(dict)
        self.ingress = pulumi.Output.from_input(dict(ingress))
        self.migration_job_name = (job.name if job is not None
                                   else pulumi.Output.from_input(""))
        self.register_outputs({
            "service_names": self.service_names,
            "service_uris": self.service_uris,
            "service_ids": self.service_ids,
            "service_account_emails": self.service_account_emails,
            "ingress": self.ingress,
            "migration_job_name": self.migration_job_name,
        })
