"""The Azure target: the foundation and the runtime of an Azure stack.

Everything Azure-specific of the program lives here: which component gets which setting, the
stack's tags, where the app's secrets are kept (the Database's Key Vault, which also holds the
cache's access key), and the roles the services' managed identities get on the data services.
The neutral program (`forge_infra.program`) calls `foundation()` and `runtime()` through the
`CloudTarget` protocol. pulumi_azure_native and the components are imported when a stack is
built, not when the configuration is validated.

The provider is the default one: in a real run it reads `azure-native:location`,
`azure-native:subscriptionId` and the stack's other `azure-native:` settings from the stack's
config itself, as the settings model admits them.

The order problem, and how it is solved: the data services grant their roles to the services'
managed identities (Storage Blob Data Contributor on a container, ...), which the Compute
component creates in the runtime, after the foundation. The foundation hands the data
components a deferred principal id per data-service client (`pulumi.deferred_output`), which
the runtime resolves from Compute's `identity_principal_ids`; Pulumi then orders each role
assignment after its identity. Key Vault secret grants are Compute's own (it grants each
identity exactly the secrets its service references), so the data components grant none.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import pulumi

from forge_components.azure.limits import FRONT_DOOR_PREMIUM, REGIONS_WITH_ZONES
from forge_components.common import standard_tags
from forge_components.contracts import (
    DATA_SERVICE_CLIENTS,
    CacheOutputs,
    DatabaseOutputs,
    NetworkingOutputs,
    StorageOutputs,
    StreamingOutputs,
)
from forge_infra.clouds.azure.settings import (
    FORECAST_THRESHOLDS_PERCENT,
    AzureSettings,
    budget_thresholds_percent,
    front_door_sku,
    geo_redundant_backup,
    key_vault_name,
    storage_sku,
)
from forge_infra.model.config import StackConfig
from forge_infra.model.target import Foundation, Workload
from forge_infra.release.controller import CommandRunner, schedule_minutes

if TYPE_CHECKING:
    from forge_components.azure.database import Database
    from forge_components.azure.networking import Networking
    from forge_components.azure.storage import Storage
    from forge_infra.clouds.azure.release import ContainerAppsReleaseDriver

#: The availability zones of a region that has them (every such region has three).
ZONES = ["1", "2", "3"]
#: The services whose ingress is external: the public entry point and the web UI (the api is
#: internal, reached through the gateway; the worker serves nothing).
EXTERNAL_SERVICES = ("gateway", "ui")
#: What each data-service client writes in object storage (the AWS target's bucket grants):
#: the api the reports, the worker the reports and the exports.
STORAGE_WRITERS: dict[str, tuple[str, ...]] = {"reports": ("api", "worker"),
                                               "exports": ("worker",)}
_SECRET_NAME = re.compile(r"[^0-9a-zA-Z-]")


def azure_settings(config: StackConfig) -> AzureSettings:
    """The stack's Azure settings (TypeError for a stack of another cloud)."""
    if not isinstance(config.target, AzureSettings):
        raise TypeError(f"stack {config.stack!r} is a {config.cloud} stack, not azure")
    return config.target


def zones_of(location: str) -> list[str]:
    """The availability zones of `location`: three where it has zones, none otherwise."""
    return list(ZONES) if location in REGIONS_WITH_ZONES else []


def key_vault_secret_name(prefix: str, key: str) -> str:
    """The Key Vault secret name of an app secret: letters, digits and dashes only."""
    return _SECRET_NAME.sub("-", f"{prefix}-app-{key}")


@dataclass(frozen=True)
class AzureFoundation(Foundation):
    """The Azure foundation: the neutral contracts plus what the Azure runtime needs."""

    prefix: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)
    location: str = ""
    zones: tuple[str, ...] = ()
    resource_group_name: pulumi.Output[str] | None = None
    key_vault_ids: tuple[pulumi.Output[str], ...] = ()
    """The vaults whose secrets the services reference (Compute grants on them)."""
    azure_network: Networking | None = None
    azure_database: Database | None = None
    azure_storage: Storage | None = None
    resolve_principals: Mapping[str, Callable[[pulumi.Output[str]], None]] = field(
        default_factory=dict)
    """Per data-service client, the resolver of the deferred principal id the foundation's
    role assignments name; the runtime calls it with Compute's identity."""


class AzureTarget:
    """The `cloud: azure` target (registered in `forge_infra.model.target`); a
    `ReleasingTarget`: Container Apps holds revision traffic weights but steps nothing, so
    `forge-infra release` drives a canary through `ContainerAppsReleaseDriver`."""

    @property
    def release_signal_delay_minutes(self) -> int:
        """Minutes after which Azure Monitor's one-minute `Requests` points are readable
        (`forge_infra.clouds.azure.release.AZURE_MONITOR_DELAY_MINUTES`, sourced there)."""
        from forge_infra.clouds.azure.release import AZURE_MONITOR_DELAY_MINUTES

        return AZURE_MONITOR_DELAY_MINUTES

    def release_driver(self, config: StackConfig, outputs: Mapping[str, Any],
                       runner: CommandRunner) -> ContainerAppsReleaseDriver:
        """The driver of the deployed stack, from its `release_targets` output."""
        from forge_infra.clouds.azure.release import ContainerAppsReleaseDriver

        azure_settings(config)
        return ContainerAppsReleaseDriver.from_outputs(outputs, runner)

    @property
    def settings_model(self) -> type[AzureSettings]:
        """`AzureSettings`."""
        return AzureSettings

    def foundation(self, config: StackConfig) -> AzureFoundation:
        """Resource group and VNet, flow-log and app storage, PostgreSQL with its Key Vault,
        Managed Redis, and the app's secrets in that vault."""
        from forge_components.azure.cache import Cache, CacheArgs
        from forge_components.azure.database import Database, DatabaseArgs
        from forge_components.azure.networking import Networking, NetworkingArgs
        from forge_components.azure.secrets import whole_value_secret
        from forge_components.azure.storage import Storage, StorageArgs
        from forge_components.azure.streaming import Streaming, StreamingArgs, StreamingTopic

        settings = azure_settings(config)
        prefix = config.resource_prefix
        tags = standard_tags(config.app.name, config.environment, config.tags)
        location = settings.location
        zones = zones_of(location)
        protect = config.protect
        net = settings.network

        principals: dict[str, pulumi.Output[str]] = {}
        resolvers: dict[str, Callable[[pulumi.Output[str]], None]] = {}
        for service in sorted(DATA_SERVICE_CLIENTS):
            principal: pulumi.Output[str]
            resolve: Callable[[pulumi.Output[str]], None]
            principal, resolve = pulumi.deferred_output()
            principals[service], resolvers[service] = principal, resolve

        # The flow logs' account exists before the network (the flow log names it); the
        # network's resource group is the one it lives in, hence the deferred group name.
        flow_log_account_id: pulumi.Output[str]
        resolve_flow_log_account: Callable[[pulumi.Output[str]], None]
        flow_log_account_id, resolve_flow_log_account = pulumi.deferred_output()
        network_args = NetworkingArgs(
            location=location,
            address_space=net.address_space,
            apps_subnet_cidr=net.apps_subnet,
            database_subnet_cidr=net.database_subnet,
            private_endpoints_subnet_cidr=net.private_endpoints_subnet,
            zones=zones,
            nat_idle_timeout_minutes=net.nat_idle_timeout_minutes,
            apps_ingress_from_internet=True,
            flow_logs_storage_account_id=flow_log_account_id,
            flow_logs_retention_days=net.flow_logs_retention_days,
            tags=dict(tags),
        )
        if net.resource_group is not None:
            network_args["resource_group_name"] = net.resource_group
        network = Networking(f"{prefix}-network", network_args)
        group = network.resource_group_name
        zone_ids = network.private_dns_zone_ids

        flow_logs = Storage(f"{prefix}-flowlogs", StorageArgs(
            resource_group_name=group,
            location=location,
            containers=["flowlogs"],
            app_read_purposes=[],
            archive_purposes=[],
            trusted_services_access=True,
            protect=protect,
            tags=dict(tags),
        ))
        resolve_flow_log_account(flow_logs.account_id)

        st = settings.storage
        storage = Storage(f"{prefix}-storage", StorageArgs(
            resource_group_name=group,
            location=location,
            sku_name=storage_sku(config),
            soft_delete_days=st.soft_delete_days,
            container_soft_delete_days=st.container_soft_delete_days,
            cool_after_days=st.cool_after_days,
            archive_after_days=st.archive_after_days,
            noncurrent_version_expiration_days=st.noncurrent_version_expiration_days,
            private_endpoint_subnet_id=network.private_endpoints_subnet_id,
            blob_private_dns_zone_id=_pick(zone_ids, "blob"),
            writers={purpose: [principals[s] for s in services]
                     for purpose, services in STORAGE_WRITERS.items()},
            protect=protect,
            tags=dict(tags),
        ))

        db = settings.database
        database = Database(f"{prefix}-db", DatabaseArgs(
            location=location,
            resource_group_name=group,
            delegated_subnet_id=network.database_subnet_id,
            private_dns_zone_id=network.postgres_private_dns_zone_id,
            private_endpoints_subnet_id=network.private_endpoints_subnet_id,
            key_vault_private_dns_zone_id=_pick(zone_ids, "vault"),
            entra_admin_object_id=db.entra_admin.object_id,
            entra_admin_principal_name=db.entra_admin.principal_name,
            entra_admin_principal_type=db.entra_admin.principal_type,
            engine_major_version=db.version,
            sku_tier=db.sku_tier,
            sku_name=db.sku_name,
            storage_size_gb=db.storage_gb,
            high_availability=db.high_availability,
            backup_retention_days=db.backup_retention_days,
            geo_redundant_backup=geo_redundant_backup(config),
            timescaledb=db.timescaledb,
            database_name=db.name,
            admin_username=db.admin_username,
            app_username=db.app_username,
            key_vault_name=key_vault_name(config),
            deletion_protection=db.delete_lock,
            protect=protect,
            tags=dict(tags),
        ))

        cache_settings = settings.cache
        cache_args = CacheArgs(
            resource_group_name=group,
            location=location,
            private_endpoint_subnet_id=network.private_endpoints_subnet_id,
            private_dns_zone_id=_pick(zone_ids, "redis"),
            sku_name=cache_settings.sku,
            high_availability=cache_settings.high_availability,
            rdb_frequency=cache_settings.persistence,
            # The access key in the database's vault; Compute grants the services that
            # reference it (REDIS_AUTH_TOKEN: cache) Key Vault Secrets User on it.
            auth_mode="access-key",
            key_vault_name=database.key_vault_name,
            protect=protect,
            tags=dict(tags),
        )
        cache = Cache(f"{prefix}-cache", cache_args)

        stream = settings.streaming
        streaming: Streaming | None = None
        if stream.engine == "eventhubs":
            clients: list[pulumi.Input[str]] = [principals[s] for s in sorted(DATA_SERVICE_CLIENTS)]
            streaming = Streaming(f"{prefix}-stream", StreamingArgs(
                resource_group_name=group,
                location=location,
                private_endpoint_subnet_id=network.private_endpoints_subnet_id,
                private_dns_zone_id=_pick(zone_ids, "servicebus"),
                engine="event-hubs",
                sku_name=stream.sku,
                capacity=stream.capacity,
                zone_redundant=bool(zones),
                topics=[StreamingTopic(name=topic, partitions=stream.partitions,
                                       retention_days=stream.retention_days)
                        for topic in stream.topics],
                # The data clients log in with their managed identities (OAUTHBEARER): both
                # produce and consume, no key exists.
                auth_mode="entra-id",
                sender_principal_ids=clients,
                receiver_principal_ids=clients,
                protect=protect,
                tags=dict(tags),
            ))

        app_secret_ids: dict[str, pulumi.Output[str]] = {}
        for key, value in sorted(config.secrets.items()):
            app_secret_ids[key] = whole_value_secret(
                f"{prefix}-secret-{key}",
                resource_group_name=group,
                vault_name=database.key_vault_name,
                secret_name=key_vault_secret_name(prefix, key),
                value=value.get_secret_value(),
                tags=dict(tags),
                opts=pulumi.ResourceOptions()).uri

        return AzureFoundation(
            network=cast(NetworkingOutputs, network),
            database=cast(DatabaseOutputs, database),
            # Entra ID for the services (DATABASE_AUTH=iam): no password.
            database_password=None,
            cache=cast(CacheOutputs, cache),
            streaming=cast(StreamingOutputs, streaming) if streaming is not None else None,
            # Entra ID (OAUTHBEARER) for the Kafka clients too: no KAFKA_PASSWORD.
            streaming_password=None,
            storage=cast(StorageOutputs, storage),
            app_secret_ids=app_secret_ids,
            exports={"resource_group_name": group,
                     "key_vault_uri": database.key_vault_uri,
                     "storage_account_name": storage.account_name,
                     "flow_log_id": network.flow_log_id,
                     **_disaster_recovery(config, prefix=prefix, tags=dict(tags),
                                          network_args=network_args, database=database,
                                          storage_account_sku=storage_sku(config))},
            prefix=prefix,
            tags=tags,
            location=location,
            zones=tuple(zones),
            resource_group_name=group,
            key_vault_ids=(database.key_vault_id,),
            azure_network=network,
            azure_database=database,
            azure_storage=storage,
            resolve_principals=resolvers,
        )

    def runtime(self, config: StackConfig, foundation: Foundation,
                workload: Workload) -> dict[str, Any]:
        """Container Apps, Front Door when enabled, and the cost budget."""
        from forge_components.azure.budget import Budget, BudgetArgs
        from forge_components.azure.cdn import Cdn, CdnArgs, CdnOrigin
        from forge_components.azure.compute import Compute, ComputeArgs

        if not isinstance(foundation, AzureFoundation):
            raise TypeError("the Azure runtime needs the Azure foundation")
        settings = azure_settings(config)
        group = cast(pulumi.Output[str], foundation.resource_group_name)
        network = cast("Networking", foundation.azure_network)
        prefix = foundation.prefix
        cdn_settings = settings.cdn
        domain = config.app.domain
        present = {spec["name"] for spec in workload.services}
        external = [s for s in EXTERNAL_SERVICES if s in present]
        fronted = cdn_settings.enabled and domain is not None
        # Premium reaches the apps by Private Link, so the environment takes no public
        # traffic at all; Standard cannot, so the apps check X-Azure-FDID against the
        # profile's id (forge_components.azure.limits.FRONT_DOOR_PRIVATE_LINK_GROUP).
        private_link = fronted and front_door_sku(cdn_settings.tier) == FRONT_DOOR_PREMIUM
        front_door_id: pulumi.Output[str] | None = None
        resolve_front_door_id: Callable[[pulumi.Output[str]], None] | None = None
        if fronted:
            front_door_id, resolve_front_door_id = pulumi.deferred_output()

        compute_args = ComputeArgs(
            resource_group_name=group,
            location=foundation.location,
            services=workload.services,
            apps_subnet_id=network.apps_subnet_id,
            key_vault_ids=list(foundation.key_vault_ids),
            external_services=external,
            public_network_access=not private_link,
            zone_redundant=bool(foundation.zones) and config.is_prod,
            rollout=workload.rollout,
            tags=dict(foundation.tags),
        )
        if front_door_id is not None:
            compute_args["fronted_services"] = list(external)
            compute_args["front_door_id"] = front_door_id
        compute = Compute(prefix, compute_args)
        principal_ids = compute.identity_principal_ids
        for service, resolve in foundation.resolve_principals.items():
            resolve(_pick(principal_ids, service))

        outputs: dict[str, Any] = {
            "service_names": compute.service_names,
            "service_fqdns": compute.service_fqdns,
            "container_apps_environment_id": compute.environment_id,
            "log_analytics_workspace_id": compute.log_analytics_workspace_id,
            "migration_job_name": compute.migration_job_name,
            # What `forge-infra release` steps (the apps with ingress) and how long the
            # steps hold when nothing breaches (the timeline's deploy chain reads it).
            "release_targets": _release_targets(group, prefix,
                                                compute.service_ids, compute.ingress),
            "release_hold_minutes": schedule_minutes(workload.rollout,
                                                     self.release_signal_delay_minutes),
        }

        if fronted:
            specs = {spec["name"]: spec for spec in workload.services}
            fqdns = compute.service_fqdns
            cdn_args = CdnArgs(
                resource_group_name=group,
                # The app's domain: the ui at /*, the gateway (the api's way in) at /api/*.
                origins=[
                    CdnOrigin(name="ui", host_name=_pick(fqdns, "ui"),
                              health_path=specs["ui"].get("health_path") or "/",
                              path_patterns=["/*"]),
                    CdnOrigin(name="gateway", host_name=_pick(fqdns, "gateway"),
                              health_path=specs["gateway"].get("health_path") or "/",
                              path_patterns=["/api/*"]),
                ],
                sku_name=front_door_sku(cdn_settings.tier),
                custom_domains=[cast(str, domain)],
                tags=dict(foundation.tags),
            )
            if private_link:
                cdn_args["private_link_resource_id"] = compute.environment_id
                cdn_args["private_link_location"] = foundation.location
            if cdn_settings.dns_zone is not None:
                cdn_args["dns_zone_name"] = cdn_settings.dns_zone
                cdn_args["dns_zone_resource_group_name"] = cast(
                    str, cdn_settings.dns_zone_resource_group)
            cdn = Cdn(f"{prefix}-cdn", cdn_args)
            assert resolve_front_door_id is not None
            resolve_front_door_id(cdn.front_door_id)
            outputs.update({"cdn_hostname": cdn.hostname, "cdn_url": cdn.url,
                            "front_door_id": cdn.front_door_id,
                            "cdn_validation_tokens": cdn.validation_tokens})

        budget = config.budget
        Budget(f"{prefix}-budget", BudgetArgs(
            amount=budget.monthly_limit_usd,
            # Azure takes a budget's start as the first day of the month it is created in and
            # keeps it (the component ignores later changes).
            start_date=datetime.date.today().replace(day=1).isoformat(),
            resource_group_name=group,
            alert_emails=list(budget.alert_emails),
            thresholds_percent=budget_thresholds_percent(config),
            forecast_thresholds_percent=list(FORECAST_THRESHOLDS_PERCENT),
        ))
        return outputs


def _disaster_recovery(config: StackConfig, *, prefix: str, tags: dict[str, str],
                       network_args: Mapping[str, Any], database: Database,
                       storage_account_sku: str) -> dict[str, Any]:
    """`forge-infra:dr` on Azure: what copies to the paired region and, for `pilot_light`,
    the paired region's network; returns the exports (the DR contract's, plus where the
    copies are).

    `backup` declares nothing new: the copies are properties of resources the stack has
    (the flexible server's `backup.geoRedundantBackup: Enabled`, the account's geo-redundant
    SKU, chosen by the settings) and Key Vault replicates a vault's contents to the paired
    region by itself (https://learn.microsoft.com/azure/key-vault/general/disaster-recovery-guidance,
    read 2026-12-02; not for Brazil South and West US 3). `pilot_light` adds a `Networking`
    in the paired region, in a resource group of its own, with the stack's addressing: the
    delegated database subnet and the private DNS zones a geo-restore of a VNet-integrated
    server needs ("you can only restore to a different virtual network, because virtual
    networks can't span regions",
    https://learn.microsoft.com/azure/postgresql/flexible-server/concepts-backup-restore). It
    has no NAT gateway (nothing runs there until a recovery deploys the apps) and no flow
    logs (no storage account in that region to write them).
    """
    from forge_components.azure.networking import Networking, NetworkingArgs
    from forge_infra.model.config import DrMode

    dr = config.dr
    if dr.mode is DrMode.NONE or dr.region is None:
        return {}
    exports: dict[str, Any] = {
        "dr_region": dr.region,
        # What `plan --timeline` checks its recovery forecast against.
        "dr_rto_target_hours": dr.rto_target_hours,
        "dr_rpo_target_hours": dr.rpo_target_hours,
        "dr_declaration_minutes": dr.declaration_minutes,
        # Where the copies are: the server whose geo-backup a geo-restore reads, the
        # account's redundancy.
        "dr_database_server_id": database.server_id,
        "dr_storage_sku": storage_account_sku,
    }
    if dr.mode is DrMode.PILOT_LIGHT:
        dr_args = cast(NetworkingArgs, {
            key: value for key, value in network_args.items()
            if key not in ("resource_group_name", "flow_logs_storage_account_id",
                           "flow_logs_retention_days")})
        dr_args["location"] = dr.region
        dr_args["zones"] = zones_of(dr.region)
        dr_args["nat_gateway"] = False
        dr_args["tags"] = dict(tags)
        dr_network = Networking(f"{prefix}-dr-network", dr_args)
        exports |= {"dr_network_id": dr_network.network_id,
                    "dr_resource_group_name": dr_network.resource_group_name,
                    "dr_database_subnet_id": dr_network.database_subnet_id,
                    "dr_postgres_private_dns_zone_id": dr_network.postgres_private_dns_zone_id}
    return exports


def _release_targets(group: pulumi.Output[str], prefix: str,
                     ids: pulumi.Output[dict[str, str]],
                     ingress: pulumi.Output[dict[str, str]]) -> pulumi.Output[dict[str, Any]]:
    """`{resource_group, services: {service: {app, resource_id}}}` for the apps with
    ingress, in the services' order (the release driver's input)."""
    from forge_components.azure.compute import INGRESS_NONE, app_name

    def shape(values: list[Any]) -> dict[str, Any]:
        group_name, ids_by_service, ingress_by_service = values
        services = {service: {"app": app_name(prefix, service), "resource_id": resource_id}
                    for service, resource_id in ids_by_service.items()
                    if ingress_by_service.get(service) != INGRESS_NONE}
        return {"resource_group": group_name, "services": services}

    return pulumi.Output.all(group, ids, ingress).apply(shape)


def _pick(outputs: pulumi.Output[dict[str, str]], key: str) -> pulumi.Output[str]:
    """One entry of a dict output."""
    return outputs.apply(lambda values: values[key])


TARGET = AzureTarget()
