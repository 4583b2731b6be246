"""The platform's services on Azure Container Apps: an environment in the VNet, one container
app per service, the api's migration job, one managed identity each.

What it creates, in the given resource group and region:

* a Log Analytics workspace (`PerGB2018`, local authentication disabled: nothing may write to
  it with its shared key), or none when `log_analytics_workspace_id` names an existing one;
* a Container Apps environment (`app.ManagedEnvironment`, workload-profiles type with its
  Consumption profile) integrated into the VNet through `Networking`'s `apps` subnet
  (delegated to `Microsoft.App/environments`, /27 or larger), internal (an internal load
  balancer, no public endpoint) or external, zone redundant when asked, with peer-to-peer
  encryption between the apps. Its application logs go to Azure Monitor
  (`limits.CONTAINER_APPS_LOG_DESTINATION`) and a diagnostic setting sends the console and
  system log categories to the workspace: the "log-analytics" destination would need the
  workspace's shared key in the environment's configuration, and no key is ever handled here;
* per service, a user-assigned managed identity (`managedidentity.UserAssignedIdentity`, named
  `<name>-<service>`: the name a PostgreSQL Entra role for it takes) and a container app
  (`app.ContainerApp`, named `<name>-<service>`, so other apps reach it at a name known before
  it exists) on the Consumption profile, running under that identity only:

  - ingress: external for the services in `external_services` (gateway and ui by default;
    in an internal environment "external" means reachable from the VNet, never the
    internet), internal (reachable from the environment's apps only) for every other service
    with a port (the api), none for a service without a port (the worker). HTTPS only
    (`allow_insecure` off), all traffic to the latest revision; single revision mode unless
    `revisions_mode` says otherwise;
  - with a progressive `rollout` (strategy "canary" or "blue_green"; see "Progressive
    delivery" below), each app with ingress runs in multiple revision mode and its traffic
    weights are left to `forge-infra release`;
  - CPU and memory from the neutral size, refused by `limits.container_apps_size_problem`
    when the Consumption profile has no such combination;
  - plain variables by value, plus `AZURE_CLIENT_ID` (the identity's client id, which the
    Azure SDKs' managed identity credential needs to pick a user-assigned identity); secrets
    only as Key Vault references (`keyVaultUrl` and the identity's id) read through `secretRef`,
    so no secret value reaches the program, the plan or the app's configuration;
  - scale: `min_replicas`..`max_replicas` with a CPU rule at `target_cpu_percent` (KEDA's CPU
    scaler, which cannot scale to zero: `min_replicas` must be at least 1). A spec's
    `replicas` is not used: Container Apps has no desired count, only these bounds;
  - probes for a service with a port: startup, readiness and liveness, HTTP GET on
    `health_path` (TCP on the port without one); the worker serves no port and has none;
* the api's migration as a Container Apps job (`app.Job`, manual trigger, one replica, the
  api's image, variables and secrets, `migration_command`), under an identity of its own
  (`<name>-migrate`) with the api's secret grants. A manual job runs only when started
  (`az containerapp job start`); nothing here starts it or orders the api after it: starting
  is an ARM action (`jobs/start`), not a resource, and pulumi_azure_native 3.29.0's `app`
  module has no start function or execution resource (`Job`, `get_job`, `list_job_secrets`
  only). A deployment script (`resources.AzureCliScript`) could call it, but needs a storage
  account reached by its access key; docs/DEPLOYMENT.md (Azure, "The migration") has the
  deploy step instead.

Progressive delivery (`rollout`, a neutral `RolloutSpec`): Container Apps holds traffic
weights between revisions but steps nothing itself, so with strategy "canary" or "blue_green"
this component only makes the release possible and stays out of its way; `forge-infra release`
(forge_infra.clouds.azure.release) walks the steps and rolls back. Each app with ingress
(gateway, api, ui; the worker and the migration job serve nothing and are unchanged):

* runs in multiple revision mode (`configuration.activeRevisionsMode: Multiple`), the mode in
  which several revisions are active at once and the ingress splits traffic between them by
  weights naming revisions, the weights adding up to 100
  (https://learn.microsoft.com/azure/container-apps/revisions and
  https://learn.microsoft.com/azure/container-apps/traffic-splitting, read 2026-12-02);
* is created with 100% of its traffic to the latest revision (`latestRevision: true`), which
  Container Apps resolves to the newest revision that passed its probes;
* has `configuration.ingress.traffic` in `ignore_changes` (Pulumi's property path over the
  wire names of `ContainerApp.configuration` -> `ConfigurationArgs.ingress` ->
  `IngressArgs.traffic` in pulumi_azure_native 3.x; https://www.pulumi.com/docs/iac/concepts/options/ignorechanges/,
  read 2026-12-02). After the first release the weights name revisions (`revisionName`),
  never `latestRevision`, so a later `pulumi up` that creates a revision gives it no share:
  the weights already add up to 100 among the named ones. Pulumi sends the *recorded* value
  of an ignored property with every update of the resource, so that value must be the live
  one: deploy with `pulumi up --refresh` (the page above: "Run pulumi refresh (or pulumi up
  --refresh) to pull the latest provider values into the state. Skipping the refresh step
  leaves stale values in the state, and Pulumi will continue to send those stale values");
  without it, the first update after a release sends the creation's `latestRevision: 100`
  back and the new revision takes all traffic at once.

A rolling rollout (the default) keeps `revisions_mode` and the declared traffic.

Behind Front Door (`fronted_services`, `front_door_id`, `public_network_access`; sources in
`limits.FRONT_DOOR_PRIVATE_LINK_GROUP`): each fronted app gets its Front Door id as
`FRONT_DOOR_ID`, which it must compare with every request's `X-Azure-FDID` header (the one
check Container Apps leaves to the app: its IP restrictions take CIDRs, not the
`AzureFrontDoor.Backend` service tag, and those ranges are every profile's). With
`public_network_access` off the environment answers only its private endpoints, such as a
Front Door Premium Private Link origin: the apps' public names stop answering at the network.

A spec's `public_host` is served only through Front Door: it must name a service in
`fronted_services`, and is refused otherwise. Container Apps custom domains are not managed
here: a managed certificate is issued only after the host's DNS points at the app and is bound
in a second step (https://learn.microsoft.com/azure/container-apps/custom-domains-managed-certificates),
the Azure settings refuse `app.domain` without Front Door, and a custom domain on the app would
be a second way in around Front Door's WAF (and answer nothing with public network access
off).

Least privilege, without keys: each identity gets Key Vault Secrets User on exactly each
secret its service references (scope `<vault id>/secrets/<name>`, the vault taken from
`key_vault_ids` by the name in the secret's URI; Key Vault in Azure RBAC mode), and AcrPull on
the registry only when `registry_id` is given. Every app and the job depend on their grants,
since Container Apps resolves the references when a revision is created.
"""

import dataclasses
from collections.abc import Sequence
from typing import Any, NotRequired, TypedDict

import pulumi
from pulumi_azure_native import app, authorization, managedidentity, monitor, operationalinsights

from forge_components.azure.limits import (
    ACR_PULL,
    CONTAINER_APP_NAME,
    CONTAINER_APP_NAME_MAX,
    CONTAINER_APPS_CPU_METRIC,
    CONTAINER_APPS_CPU_SCALER,
    CONTAINER_APPS_LOG_CATEGORIES,
    CONTAINER_APPS_LOG_DESTINATION,
    CONTAINER_APPS_MAX_REPLICAS,
    CONTAINER_APPS_SECRET_NAME,
    CONTAINER_APPS_WORKLOAD_PROFILE,
    FRONT_DOOR_ID_VARIABLE,
    KEY_VAULT_SECRET_URI,
    KEY_VAULT_SECRETS_USER,
    LOG_ANALYTICS_SKU,
    LOG_RETENTION_DAYS,
    REGION_NAME,
    container_apps_size_problem,
)
from forge_components.azure.tags import resource_tags
from forge_components.common import child_opts
from forge_components.contracts import ROLLING, RolloutSpec, SecretReference, ServiceSpec

COMPONENT = "forge-azure:index:Compute"

MIGRATION = "migrate"
"""The migration job's (and its identity's) suffix: `<name>-migrate`."""
MIGRATION_KEY = "api-migrate"
"""The migration job's key in the identity outputs."""
INGRESS_EXTERNAL = "external"
INGRESS_INTERNAL = "internal"
INGRESS_NONE = "none"
MULTIPLE_REVISIONS = "Multiple"
#: The property path Pulumi ignores on an app whose traffic `forge-infra release` owns (the
#: wire names: ContainerApp `configuration`, ConfigurationArgs `ingress`, IngressArgs
#: `traffic` in pulumi_azure_native 3.x; path syntax:
#: https://www.pulumi.com/docs/iac/concepts/miscellaneous/property-paths/, read 2026-12-02).
TRAFFIC_PROPERTY_PATH = "configuration.ingress.traffic"
PROGRESSIVE_STRATEGIES = ("canary", "blue_green")
REVISIONS_MODES: tuple[str, ...] = ("Single", "Multiple")
"""Revision modes this component builds (SDK `app.ActiveRevisionsMode`; Labels needs labelled
traffic the component does not manage)."""
#: The variable the Azure SDKs' DefaultAzureCredential reads the client id of the
#: user-assigned identity to use from; unset, it asks for a system-assigned identity, which
#: the apps do not have. Sources (read 2026-12-02): `DefaultAzureCredentialOptions.
#: ManagedIdentityClientId` ("Defaults to the value of environment variable AZURE_CLIENT_ID"),
#: https://learn.microsoft.com/dotnet/api/azure.identity.defaultazurecredentialoptions.managedidentityclientid;
#: the JavaScript and Java libraries say the same
#: (https://learn.microsoft.com/azure/developer/java/sdk/identity-azure-hosted-auth).
CLIENT_ID_VARIABLE = "AZURE_CLIENT_ID"
#: Probe timings (SDK bounds in `limits`): the startup probe allows 5 + 10 x 10 s before the
#: replica is restarted; readiness takes a replica out of the load balancer after 3 failures
#: 10 s apart; liveness restarts it after 3 failures 15 s apart.
STARTUP_INITIAL_DELAY_SECONDS = 5
STARTUP_PERIOD_SECONDS = 10
STARTUP_FAILURE_THRESHOLD = 10
READINESS_PERIOD_SECONDS = 10
LIVENESS_PERIOD_SECONDS = 15
FAILURE_THRESHOLD = 3
PROBE_TIMEOUT_SECONDS = 5
_ROLE_DEFINITION = "/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{role}"


class ComputeArgs(TypedDict):
    """Arguments of the Azure `Compute`. Defaults are safe: internal ingress except for the
    named public services, one identity per service, secrets only by Key Vault reference."""

    resource_group_name: pulumi.Input[str]
    """The resource group of every child (`Networking`'s `resource_group_name`). Required."""
    location: str
    """The Azure region, e.g. "westeurope". Required."""
    services: list[ServiceSpec]
    """The services to run, one container app each: sizes must be Container Apps Consumption
    sizes (`limits.container_apps_size_problem`), `min_replicas` at least 1 (the CPU scale
    rule cannot scale from zero), secrets whole-value Key Vault secret URIs (no `key`).
    Required."""
    apps_subnet_id: pulumi.Input[str]
    """The environment's subnet, delegated to Microsoft.App/environments, /27 or larger
    (`Networking`'s `apps_subnet_id`). Required."""
    key_vault_ids: NotRequired[list[pulumi.Input[str]]]
    """The ARM ids of the Key Vaults (Azure RBAC mode) holding the secrets the services
    reference; each secret URI's vault must be among them. Defaults to [] (then no service
    may reference a secret)."""
    external_services: NotRequired[list[str]]
    """The services whose ingress is external (public in an external environment, the VNet in
    an internal one); each needs a port. Defaults to the gateway and the ui, those present
    with a port."""
    internal_environment: NotRequired[bool]
    """The environment has only an internal load balancer in the VNet and no public endpoint
    (traffic from the internet arrives through a gateway in the VNet or a private link).
    Defaults to False."""
    public_network_access: NotRequired[bool]
    """The environment accepts traffic from the public internet. Off, only its private
    endpoints reach it (Front Door Premium's Private Link origin, which must be approved on
    the environment); needs a workload-profiles environment (this one). Defaults to True."""
    fronted_services: NotRequired[list[str]]
    """The external services Front Door routes to: each gets `FRONT_DOOR_ID` (the
    `front_door_id`) to check against the `X-Azure-FDID` request header. Defaults to []."""
    front_door_id: NotRequired[pulumi.Input[str] | None]
    """The Front Door profile's id (`Cdn`'s `front_door_id`); required with
    `fronted_services`, refused without. Defaults to None."""
    zone_redundant: NotRequired[bool]
    """Spread the environment's replicas across availability zones (prod). Defaults to
    False."""
    log_analytics_workspace_id: NotRequired[pulumi.Input[str]]
    """An existing Log Analytics workspace's ARM id to send the environment's logs to; unset
    creates one. Defaults to unset."""
    log_retention_days: NotRequired[int]
    """Days the created workspace keeps logs interactively, 30..730. Defaults to 30."""
    revisions_mode: NotRequired[str]
    """"Single" (one active revision, all traffic) or "Multiple". Defaults to "Single"."""
    rollout: NotRequired[RolloutSpec]
    """How a release reaches the services (`forge_components.contracts.RolloutSpec`): with
    strategy "canary" or "blue_green" every app with ingress runs in multiple revision mode,
    is created with all traffic to its latest revision, and leaves its traffic weights to
    `forge-infra release` (`ignore_changes` on `configuration.ingress.traffic`); such a
    rollout refuses `revisions_mode` "Single". Defaults to rolling (`ROLLING`)."""
    migration_command: NotRequired[list[str] | None]
    """The api image's migration command, run as a manual Container Apps job; None creates no
    job. Defaults to ["/app/bin/migrate"]."""
    migration_timeout_seconds: NotRequired[int]
    """The migration replica's time limit, seconds. Defaults to 600."""
    migration_max_retries: NotRequired[int]
    """Retries of a failed migration replica, 0..10. Defaults to 1."""
    registry_server: NotRequired[str | None]
    """The Azure Container Registry login server the images are pulled from
    (`<name>.azurecr.io`), with the identity; None pulls anonymously. Defaults to None."""
    registry_id: NotRequired[pulumi.Input[str] | None]
    """That registry's ARM id: every identity gets AcrPull on it. Required with
    `registry_server`, refused without. Defaults to None."""
    tags: NotRequired[dict[str, str]]
    """Tags on every child that takes tags (plus `component` and `service`). Defaults to
    {}."""


@dataclasses.dataclass(frozen=True)
class _Settings:
    """`ComputeArgs` with every default applied (the host passes a plain dict)."""

    resource_group_name: pulumi.Input[str]
    location: str
    services: list[ServiceSpec]
    apps_subnet_id: pulumi.Input[str]
    key_vault_ids: list[pulumi.Input[str]] = dataclasses.field(default_factory=list)
    external_services: list[str] | None = None
    internal_environment: bool = False
    public_network_access: bool = True
    fronted_services: list[str] = dataclasses.field(default_factory=list)
    front_door_id: pulumi.Input[str] | None = None
    zone_redundant: bool = False
    log_analytics_workspace_id: pulumi.Input[str] | None = None
    log_retention_days: int = 30
    revisions_mode: str = "Single"
    rollout: RolloutSpec = dataclasses.field(default_factory=lambda: RolloutSpec(**ROLLING))
    migration_command: list[str] | None = dataclasses.field(
        default_factory=lambda: ["/app/bin/migrate"])
    migration_timeout_seconds: int = 600
    migration_max_retries: int = 1
    registry_server: str | None = None
    registry_id: pulumi.Input[str] | None = None
    tags: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        """The services' names, in the order given."""
        return [spec["name"] for spec in self.services]

    def external_of(self) -> list[str]:
        """`external_services` with its default applied to the services present."""
        if self.external_services is not None:
            return list(self.external_services)
        return [spec["name"] for spec in self.services
                if spec["name"] in ("gateway", "ui") and spec.get("port") is not None]

    @property
    def progressive(self) -> bool:
        """The rollout steps traffic between revisions (`forge-infra release` owns it)."""
        return self.rollout["strategy"] in PROGRESSIVE_STRATEGIES

    def has_migration(self) -> bool:
        """A migration job runs (a command and an api to migrate for)."""
        return bool(self.migration_command) and "api" in self.names


def _fail(message: str) -> ValueError:
    return ValueError(f"Compute: {message}")


def app_name(name: str, service: str) -> str:
    """The container app's (and its identity's) name: `<name>-<service>`."""
    return f"{name}-{service}"


def job_name(name: str) -> str:
    """The migration job's (and its identity's) name: `<name>-migrate`."""
    return f"{name}-{MIGRATION}"


def secret_name(variable: str) -> str:
    """The Container Apps secret a variable reads: its name in lower case with dashes."""
    return variable.lower().replace("_", "-")


def validate_compute_args(name: str, args: ComputeArgs) -> _Settings:
    """The args with defaults applied, checked; a ValueError names the field and what is
    allowed. Pure (no Pulumi calls)."""
    s = _Settings(**args)
    if not REGION_NAME.fullmatch(s.location):
        raise _fail(f"location {s.location!r} is not an Azure region name such as "
                    "'westeurope'")
    if not s.services:
        raise _fail("services is empty")
    names = s.names
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise _fail(f"duplicate service names {duplicates}")
    resource_names = [app_name(name, n) for n in names] + (
        [job_name(name)] if s.has_migration() else [])
    for resource_name in resource_names:
        if not CONTAINER_APP_NAME.fullmatch(resource_name) or len(
                resource_name) > CONTAINER_APP_NAME_MAX:
            raise _fail(f"{resource_name!r} (from name {name!r}) is not a Container Apps name: "
                        f"at most {CONTAINER_APP_NAME_MAX} lower-case letters, digits and "
                        "hyphens, a letter first, no '--', no hyphen last")
    for spec in s.services:
        _check_spec(spec)
        if all(isinstance(vault, str) for vault in s.key_vault_ids):
            vaults = [str(vault) for vault in s.key_vault_ids]
            for ref in (spec.get("secrets") or {}).values():
                if isinstance(ref["secret_id"], str) and vaults:
                    secret_scope(ref["secret_id"], vaults)
    served = {spec["name"] for spec in s.services if spec.get("port") is not None}
    for service in s.external_of():
        if service not in served:
            raise _fail(f"external_services names {service!r}, which is not a service with a "
                        f"port; those are {sorted(served)}")
    external_services = s.external_of()
    for service in s.fronted_services:
        if service not in external_services:
            raise _fail(f"fronted_services names {service!r}, which is not among the external "
                        f"services {external_services}: Front Door reaches external ingress "
                        "only")
    if bool(s.fronted_services) != (s.front_door_id is not None):
        raise _fail("fronted_services and front_door_id go together: the fronted apps check "
                    f"the X-Azure-FDID header against {FRONT_DOOR_ID_VARIABLE}")
    for spec in s.services:
        host = spec.get("public_host")
        if host and spec["name"] not in s.fronted_services:
            raise _fail(f"service {spec['name']!r} has public_host {host!r} but Front Door "
                        "does not front it (fronted_services): Compute binds no custom domain "
                        "to a container app, so the host would be served by nothing; route it "
                        "through Front Door or drop public_host")
        if FRONT_DOOR_ID_VARIABLE in (spec.get("environment") or {}) or (
                FRONT_DOOR_ID_VARIABLE in (spec.get("secrets") or {})):
            raise _fail(f"service {spec['name']!r} sets {FRONT_DOOR_ID_VARIABLE}, which the "
                        "component sets to the Front Door id of the fronted services")
    low, high = LOG_RETENTION_DAYS
    if not low <= s.log_retention_days <= high:
        raise _fail(f"log_retention_days must be between {low} and {high}, got "
                    f"{s.log_retention_days}")
    if s.revisions_mode not in REVISIONS_MODES:
        raise _fail(f"revisions_mode {s.revisions_mode!r} is not one of {list(REVISIONS_MODES)}")
    strategy = s.rollout["strategy"]
    if strategy not in ("rolling", *PROGRESSIVE_STRATEGIES):
        raise _fail(f"rollout.strategy {strategy!r} is not one of "
                    f"{['rolling', *PROGRESSIVE_STRATEGIES]}")
    if s.progressive and args.get("revisions_mode") == "Single":
        raise _fail(f"rollout.strategy {strategy!r} and revisions_mode 'Single' exclude each "
                    "other: a release splits traffic between two active revisions, which "
                    "only multiple revision mode keeps; drop revisions_mode")
    if s.migration_command is not None and not all(
            isinstance(part, str) and part for part in s.migration_command):
        raise _fail(f"migration_command must list non-empty strings, got {s.migration_command}")
    if not 1 <= s.migration_timeout_seconds <= 86400:
        raise _fail("migration_timeout_seconds must be between 1 and 86400, got "
                    f"{s.migration_timeout_seconds}")
    if not 0 <= s.migration_max_retries <= 10:
        raise _fail(f"migration_max_retries must be between 0 and 10, got "
                    f"{s.migration_max_retries}")
    if (s.registry_server is None) != (s.registry_id is None):
        raise _fail("registry_server and registry_id go together: the identities pull from "
                    "the registry with AcrPull on it")
    if s.registry_server is not None and not s.registry_server.endswith(".azurecr.io"):
        raise _fail(f"registry_server {s.registry_server!r} is not an Azure Container Registry "
                    "login server (<name>.azurecr.io)")
    if any(spec.get("secrets") for spec in s.services) and not s.key_vault_ids:
        raise _fail("services reference secrets but key_vault_ids is empty: each identity "
                    "is granted Key Vault Secrets User on each secret in its vault")
    resource_tags(COMPONENT, s.tags)
    return s


def _check_spec(spec: ServiceSpec) -> None:
    service = spec["name"]
    problem = container_apps_size_problem(spec["cpu_millicores"], spec["memory_mib"])
    if problem is not None:
        raise _fail(f"service {service!r}: {problem}")
    if not 1 <= spec["min_replicas"] <= spec["max_replicas"] <= CONTAINER_APPS_MAX_REPLICAS:
        raise _fail(f"service {service!r} needs 1 <= min_replicas <= max_replicas <= "
                    f"{CONTAINER_APPS_MAX_REPLICAS} (the CPU scale rule cannot scale from zero), "
                    f"got {spec['min_replicas']}, {spec['max_replicas']}")
    if not 1 <= spec["target_cpu_percent"] <= 100:
        raise _fail(f"service {service!r} target_cpu_percent must be 1..100, got "
                    f"{spec['target_cpu_percent']}")
    port = spec.get("port")
    if port is not None and not 1 <= port <= 65535:
        raise _fail(f"service {service!r} port {port} is not a TCP port")
    if spec.get("health_path") and port is None:
        raise _fail(f"service {service!r} has a health_path but no port to probe it on")
    health = spec.get("health_path")
    if health is not None and not health.startswith("/"):
        raise _fail(f"service {service!r} health_path {health!r} must start with '/'")
    environment = spec.get("environment") or {}
    secrets: dict[str, SecretReference] = dict(spec.get("secrets") or {})
    overlap = sorted(set(environment) & set(secrets))
    if overlap:
        raise _fail(f"service {service!r} sets {overlap} both as plain and secret variables")
    if CLIENT_ID_VARIABLE in environment or CLIENT_ID_VARIABLE in secrets:
        raise _fail(f"service {service!r} sets {CLIENT_ID_VARIABLE}, which the component sets "
                    "to its identity's client id")
    seen: dict[str, str] = {}
    for variable, ref in sorted(secrets.items()):
        if ref.get("key"):
            raise _fail(f"service {service!r} reads secret variable {variable} from key "
                        f"{ref['key']!r} of a JSON secret: Container Apps passes a Key Vault "
                        "secret whole, so reference a secret that holds the value alone")
        secret_id = ref["secret_id"]
        if isinstance(secret_id, str) and not KEY_VAULT_SECRET_URI.fullmatch(secret_id):
            raise _fail(f"service {service!r} secret variable {variable}: {secret_id!r} is not "
                        "a Key Vault secret URI (https://<vault>.vault.azure.net/secrets/<name>"
                        "[/<version>])")
        derived = secret_name(variable)
        if not CONTAINER_APPS_SECRET_NAME.fullmatch(derived):
            raise _fail(f"service {service!r} secret variable {variable} gives the Container "
                        f"Apps secret name {derived!r}, which is not one (lower-case letters, "
                        "digits and '-', at most 63)")
        if derived in seen:
            raise _fail(f"service {service!r} secret variables {seen[derived]} and {variable} "
                        f"both map to the Container Apps secret {derived!r}")
        seen[derived] = variable


def image_reference(image_repository: str, image_tag: str) -> str:
    """`repo:tag`, or `repo@sha256:...` when the tag is a digest."""
    separator = "@" if image_tag.startswith("sha256:") else ":"
    return f"{image_repository}{separator}{image_tag}"


def secret_scope(secret_uri: str, vault_ids: Sequence[str]) -> str:
    """The ARM scope of one Key Vault secret (`<vault id>/secrets/<name>`) from its URI and
    the vaults' ARM ids; a ValueError names the vault when none of the ids is it."""
    match = KEY_VAULT_SECRET_URI.fullmatch(secret_uri)
    if match is None:
        raise _fail(f"{secret_uri!r} is not a Key Vault secret URI "
                    "(https://<vault>.vault.azure.net/secrets/<name>[/<version>])")
    vault = match["vault"].lower()
    for vault_id in vault_ids:
        if vault_id.rstrip("/").rsplit("/", 1)[-1].lower() == vault:
            return f"{vault_id.rstrip('/')}/secrets/{match['name']}"
    raise _fail(f"secret {secret_uri!r} is in vault {vault!r}, which is not among "
                f"key_vault_ids {list(vault_ids)}")


def _distinct_secrets(spec: ServiceSpec) -> list[tuple[str, pulumi.Input[str]]]:
    """The secrets a spec references, each once, keyed by the first variable (in name order)
    that reads it. Azure refuses a second identical role assignment, so a secret given twice
    is granted once: equal strings, or the same Output object, count once."""
    seen: list[tuple[str, pulumi.Input[str]]] = []
    for variable, ref in sorted((spec.get("secrets") or {}).items()):
        secret = ref["secret_id"]
        if not any(other is secret or (isinstance(secret, str) and other == secret)
                   for _, other in seen):
            seen.append((variable, secret))
    return seen


def _container(container_name: str, image: str, spec: ServiceSpec,
               client_id: pulumi.Input[str], probes: list[app.ContainerAppProbeArgs],
               command: list[str] | None = None,
               front_door_id: pulumi.Input[str] | None = None) -> app.ContainerArgs:
    """A container of the spec's size: plain variables by value, the identity's client id,
    the Front Door id when given, then secrets by `secretRef` only (each sorted by name)."""
    plain = [app.EnvironmentVarArgs(name=key, value=value)
             for key, value in sorted((spec.get("environment") or {}).items())]
    plain.append(app.EnvironmentVarArgs(name=CLIENT_ID_VARIABLE, value=client_id))
    if front_door_id is not None:
        plain.append(app.EnvironmentVarArgs(name=FRONT_DOOR_ID_VARIABLE, value=front_door_id))
    secret = [app.EnvironmentVarArgs(name=key, secret_ref=secret_name(key))
              for key in sorted(spec.get("secrets") or {})]
    return app.ContainerArgs(
        name=container_name,
        image=image,
        command=command,
        env=plain + secret,
        resources=app.ContainerResourcesArgs(
            cpu=spec["cpu_millicores"] / 1000,
            memory=f"{spec['memory_mib'] / 1024:g}Gi"),
        probes=probes or None)


def _probes(port: int, health_path: str | None) -> list[app.ContainerAppProbeArgs]:
    """Startup, readiness and liveness probes: HTTP GET on `health_path`, else TCP on the
    port."""
    def check() -> dict[str, Any]:
        if health_path:
            return {"http_get": app.ContainerAppProbeHttpGetArgs(
                path=health_path, port=port, scheme="HTTP")}
        return {"tcp_socket": app.ContainerAppProbeTcpSocketArgs(port=port)}
    return [
        app.ContainerAppProbeArgs(
            type="Startup", initial_delay_seconds=STARTUP_INITIAL_DELAY_SECONDS,
            period_seconds=STARTUP_PERIOD_SECONDS, failure_threshold=STARTUP_FAILURE_THRESHOLD,
            timeout_seconds=PROBE_TIMEOUT_SECONDS, **check()),
        app.ContainerAppProbeArgs(
            type="Readiness", period_seconds=READINESS_PERIOD_SECONDS,
            failure_threshold=FAILURE_THRESHOLD, timeout_seconds=PROBE_TIMEOUT_SECONDS,
            **check()),
        app.ContainerAppProbeArgs(
            type="Liveness", period_seconds=LIVENESS_PERIOD_SECONDS,
            failure_threshold=FAILURE_THRESHOLD, timeout_seconds=PROBE_TIMEOUT_SECONDS,
            **check()),
    ]


def _ingress_fqdn(configuration: Any) -> str:
    """The app's ingress FQDN from its configuration output; "" without ingress."""
    if not configuration:
        return ""
    ingress = (configuration.get("ingress") if isinstance(configuration, dict)
               else configuration.ingress)
    if not ingress:
        return ""
    fqdn = ingress.get("fqdn") if isinstance(ingress, dict) else ingress.fqdn
    return str(fqdn or "")


class Compute(pulumi.ComponentResource):
    """The platform's services on Azure Container Apps: a VNet-integrated workload-profiles
    environment logging to Log Analytics, one container app per service (external, internal
    or no ingress), the api's migration job; one user-assigned identity each, with Key Vault
    Secrets User on exactly the secrets it reads."""

    service_names: pulumi.Output[list[str]]
    """The container apps' names, in the specs' order."""
    service_ids: pulumi.Output[dict[str, str]]
    """Each container app's ARM id, by service name."""
    service_fqdns: pulumi.Output[dict[str, str]]
    """Each served app's ingress FQDN (`<app>.<default domain>`, or `<app>.internal.<default
    domain>` for internal ingress), by service name; the worker has none."""
    ingress: pulumi.Output[dict[str, str]]
    """Each service's ingress: "external", "internal" or "none"."""
    identity_ids: pulumi.Output[dict[str, str]]
    """Each user-assigned identity's ARM id, by service name (and "api-migrate")."""
    identity_names: pulumi.Output[dict[str, str]]
    """Each identity's name (the name of its PostgreSQL Entra role), by service name (and
    "api-migrate")."""
    identity_principal_ids: pulumi.Output[dict[str, str]]
    """Each identity's principal (object) id, for role assignments, by service name (and
    "api-migrate")."""
    identity_client_ids: pulumi.Output[dict[str, str]]
    """Each identity's client id, by service name (and "api-migrate")."""
    environment_id: pulumi.Output[str]
    """The Container Apps environment's ARM id."""
    environment_default_domain: pulumi.Output[str]
    """The environment's default domain (`<unique>.<region>.azurecontainerapps.io`)."""
    environment_static_ip: pulumi.Output[str]
    """The environment's load balancer IP: public in an external environment, private (in the
    apps subnet) in an internal one."""
    log_analytics_workspace_id: pulumi.Output[str]
    """The ARM id of the workspace the logs go to (created or given)."""
    migration_job_name: pulumi.Output[str]
    """The migration job's name; "" without a job."""

    def __init__(self, name: str, args: ComputeArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, opts)
        s = validate_compute_args(name, args)
        external = set(s.external_of())

        def tags_of(service: str | None = None) -> dict[str, str]:
            return resource_tags(COMPONENT, s.tags, {"service": service} if service else None)

        # -- logs ----------------------------------------------------------------------------
        workspace_id: pulumi.Input[str]
        if s.log_analytics_workspace_id is None:
            workspace = operationalinsights.Workspace(
                f"{name}-logs",
                resource_group_name=s.resource_group_name,
                location=s.location,
                sku=operationalinsights.WorkspaceSkuArgs(name=LOG_ANALYTICS_SKU),
                retention_in_days=s.log_retention_days,
                features=operationalinsights.WorkspaceFeaturesArgs(disable_local_auth=True),
                tags=tags_of(),
                opts=child_opts(self))
            workspace_id = workspace.id
        else:
            workspace_id = s.log_analytics_workspace_id

        # -- the environment -------------------------------------------------------------------
        environment = app.ManagedEnvironment(
            f"{name}-env",
            resource_group_name=s.resource_group_name,
            location=s.location,
            vnet_configuration=app.VnetConfigurationArgs(
                infrastructure_subnet_id=s.apps_subnet_id,
                internal=s.internal_environment),
            workload_profiles=[app.WorkloadProfileArgs(
                name=CONTAINER_APPS_WORKLOAD_PROFILE,
                workload_profile_type=CONTAINER_APPS_WORKLOAD_PROFILE)],
            zone_redundant=s.zone_redundant,
            public_network_access="Enabled" if s.public_network_access else "Disabled",
            app_logs_configuration=app.AppLogsConfigurationArgs(
                destination=CONTAINER_APPS_LOG_DESTINATION),
            peer_traffic_configuration=app.ManagedEnvironmentPeerTrafficConfigurationArgs(
                encryption=app.ManagedEnvironmentEncryptionArgs(enabled=True)),
            tags=tags_of(),
            opts=child_opts(self))
        monitor.DiagnosticSetting(
            f"{name}-env-logs",
            name=f"{name}-logs",
            resource_uri=environment.id,
            workspace_id=workspace_id,
            log_analytics_destination_type="Dedicated",
            logs=[monitor.DiagnosticsLogSettingsArgs(category=category, enabled=True)
                  for category in CONTAINER_APPS_LOG_CATEGORIES],
            opts=child_opts(self))

        # -- identities and their grants -------------------------------------------------------
        client = authorization.get_client_config_output(
            opts=pulumi.InvokeOutputOptions(parent=self))

        def role(guid: str) -> pulumi.Output[str]:
            return client.subscription_id.apply(
                lambda sub: _ROLE_DEFINITION.format(sub=sub, role=guid))

        vault_ids = pulumi.Output.all(*s.key_vault_ids)
        identities: dict[str, managedidentity.UserAssignedIdentity] = {}
        grants: dict[str, list[pulumi.Resource]] = {}

        def identity(key: str, identity_name: str, spec: ServiceSpec,
                     service: str) -> managedidentity.UserAssignedIdentity:
            ident = managedidentity.UserAssignedIdentity(
                f"{name}-{key}-id",
                resource_name_=identity_name,
                resource_group_name=s.resource_group_name,
                location=s.location,
                tags=tags_of(service),
                opts=child_opts(self))
            own: list[pulumi.Resource] = []
            for variable, secret in _distinct_secrets(spec):
                scope = pulumi.Output.all(secret, vault_ids).apply(
                    lambda pair: secret_scope(pair[0], pair[1]))
                own.append(authorization.RoleAssignment(
                    f"{name}-{key}-secret-{secret_name(variable)}",
                    scope=scope,
                    role_definition_id=role(KEY_VAULT_SECRETS_USER),
                    principal_id=ident.principal_id,
                    principal_type="ServicePrincipal",
                    description=f"forge {name}: {key} reads {variable}",
                    opts=child_opts(self)))
            if s.registry_id is not None:
                own.append(authorization.RoleAssignment(
                    f"{name}-{key}-acr-pull",
                    scope=s.registry_id,
                    role_definition_id=role(ACR_PULL),
                    principal_id=ident.principal_id,
                    principal_type="ServicePrincipal",
                    description=f"forge {name}: {key} pulls its image",
                    opts=child_opts(self)))
            identities[key] = ident
            grants[key] = own
            return ident

        def configuration_secrets(spec: ServiceSpec,
                                  ident: managedidentity.UserAssignedIdentity
                                  ) -> list[app.SecretArgs] | None:
            refs = sorted((spec.get("secrets") or {}).items())
            return [app.SecretArgs(name=secret_name(variable), key_vault_url=ref["secret_id"],
                                   identity=ident.id)
                    for variable, ref in refs] or None

        def registries(ident: managedidentity.UserAssignedIdentity
                       ) -> list[app.RegistryCredentialsArgs] | None:
            if s.registry_server is None:
                return None
            return [app.RegistryCredentialsArgs(server=s.registry_server, identity=ident.id)]

        def user_assigned(ident: managedidentity.UserAssignedIdentity
                          ) -> app.ManagedServiceIdentityArgs:
            return app.ManagedServiceIdentityArgs(
                type="UserAssigned", user_assigned_identities=[ident.id])

        # -- the container apps ----------------------------------------------------------------
        apps: dict[str, app.ContainerApp] = {}
        ingress: dict[str, str] = {}
        for spec in s.services:
            service = spec["name"]
            ident = identity(service, app_name(name, service), spec, service)
            port = spec.get("port")
            app_ingress: app.IngressArgs | None = None
            probes: list[app.ContainerAppProbeArgs] = []
            revisions_mode = s.revisions_mode
            released = False
            if port is None:
                ingress[service] = INGRESS_NONE
            else:
                ingress[service] = (INGRESS_EXTERNAL if service in external
                                    else INGRESS_INTERNAL)
                app_ingress = app.IngressArgs(
                    external=service in external,
                    target_port=port,
                    transport="auto",
                    allow_insecure=False,
                    traffic=[app.TrafficWeightArgs(latest_revision=True, weight=100)])
                probes = _probes(port, spec.get("health_path"))
                if s.progressive:
                    # `forge-infra release` owns the weights from the first release on.
                    revisions_mode, released = MULTIPLE_REVISIONS, True
            apps[service] = app.ContainerApp(
                f"{name}-{service}",
                container_app_name=app_name(name, service),
                resource_group_name=s.resource_group_name,
                location=s.location,
                environment_id=environment.id,
                workload_profile_name=CONTAINER_APPS_WORKLOAD_PROFILE,
                identity=user_assigned(ident),
                configuration=app.ConfigurationArgs(
                    active_revisions_mode=revisions_mode,
                    ingress=app_ingress,
                    secrets=configuration_secrets(spec, ident),
                    registries=registries(ident)),
                template=app.TemplateArgs(
                    containers=[_container(
                        service, image_reference(spec["image_repository"], spec["image_tag"]),
                        spec, ident.client_id, probes,
                        front_door_id=(s.front_door_id if service in s.fronted_services
                                       else None))],
                    scale=app.ScaleArgs(
                        min_replicas=spec["min_replicas"],
                        max_replicas=spec["max_replicas"],
                        rules=[app.ScaleRuleArgs(
                            name="cpu",
                            custom=app.CustomScaleRuleArgs(
                                type=CONTAINER_APPS_CPU_SCALER,
                                metadata={"type": CONTAINER_APPS_CPU_METRIC,
                                          "value": str(spec["target_cpu_percent"])}))])),
                tags=tags_of(service),
                # A fixed name: a replacement must delete the old app first.
                opts=child_opts(self, depends_on=grants[service], delete_before_replace=True,
                                ignore_changes=[TRAFFIC_PROPERTY_PATH] if released else None))

        # -- the api's migration job -----------------------------------------------------------
        job: app.Job | None = None
        if s.has_migration():
            api = next(spec for spec in s.services if spec["name"] == "api")
            ident = identity(MIGRATION_KEY, job_name(name), api, MIGRATION_KEY)
            job = app.Job(
                f"{name}-{MIGRATION_KEY}",
                job_name=job_name(name),
                resource_group_name=s.resource_group_name,
                location=s.location,
                environment_id=environment.id,
                workload_profile_name=CONTAINER_APPS_WORKLOAD_PROFILE,
                identity=user_assigned(ident),
                configuration=app.JobConfigurationArgs(
                    trigger_type="Manual",
                    replica_timeout=s.migration_timeout_seconds,
                    replica_retry_limit=s.migration_max_retries,
                    manual_trigger_config=app.JobConfigurationManualTriggerConfigArgs(
                        parallelism=1, replica_completion_count=1),
                    secrets=configuration_secrets(api, ident),
                    registries=registries(ident)),
                template=app.JobTemplateArgs(containers=[_container(
                    MIGRATION_KEY, image_reference(api["image_repository"], api["image_tag"]),
                    api, ident.client_id, [], list(s.migration_command or []))]),
                tags=tags_of(MIGRATION_KEY),
                opts=child_opts(self, depends_on=grants[MIGRATION_KEY],
                                delete_before_replace=True))

        def by_key(outputs: dict[str, pulumi.Output[str]]) -> pulumi.Output[dict[str, str]]:
            return pulumi.Output.all(**outputs).apply(dict)

        self.service_names = pulumi.Output.all(*[apps[n].name for n in s.names]).apply(list)
        self.service_ids = by_key({n: apps[n].id for n in s.names})
        self.service_fqdns = by_key({
            n: apps[n].configuration.apply(_ingress_fqdn)
            for n in s.names if ingress[n] != INGRESS_NONE})
        self.ingress = pulumi.Output.from_input(dict(ingress))
        self.identity_ids = by_key({k: i.id for k, i in identities.items()})
        self.identity_names = by_key({k: i.name for k, i in identities.items()})
        self.identity_principal_ids = by_key({k: i.principal_id for k, i in identities.items()})
        self.identity_client_ids = by_key({k: i.client_id for k, i in identities.items()})
        self.environment_id = environment.id
        self.environment_default_domain = environment.default_domain
        self.environment_static_ip = environment.static_ip
        self.log_analytics_workspace_id = pulumi.Output.from_input(workspace_id)
        self.migration_job_name = (job.name if job is not None
                                   else pulumi.Output.from_input(""))
        self.register_outputs({
            "service_names": self.service_names,
            "service_ids": self.service_ids,
            "service_fqdns": self.service_fqdns,
            "ingress": self.ingress,
            "identity_ids": self.identity_ids,
            "identity_names": self.identity_names,
            "identity_principal_ids": self.identity_principal_ids,
            "identity_client_ids": self.identity_client_ids,
            "environment_id": self.environment_id,
            "environment_default_domain": self.environment_default_domain,
            "environment_static_ip": self.environment_static_ip,
            "log_analytics_workspace_id": self.log_analytics_workspace_id,
            "migration_job_name": self.migration_job_name,
        })
