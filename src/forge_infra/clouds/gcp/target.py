"""The GCP target: the foundation and the runtime of a GCP stack.

Everything GCP-specific of the program lives here: the explicit `gcp.Provider` with the stack's
project, region and default labels, and the wiring of the GCP components into the neutral
`Foundation` and `Workload`:

* foundation: `Networking` (VPC, subnets, Private Service Access, Cloud NAT, firewall),
  `Storage`, `Database` (Cloud SQL), `Cache` (Memorystore), `Streaming` (Managed Kafka,
  Redpanda or none) and `AppSecrets` (the stack's `forge-infra:secrets` in Secret Manager);
  with `forge-infra:dr`, the database's backups stored in the recovery region and
  `CrossRegionBackup` (the buckets copied there), plus the recovery region's `Networking`
  for `pilot_light`;
* runtime: `Compute` (Cloud Run services, the worker pool, the migration job, one keyless
  service account each), `Cdn` (the load balancer, Cloud CDN, Cloud Armor, DNS) and `Budget`.

The services' identities exist only once `Compute` runs, but the buckets' and Managed Kafka's
grants are declared by the foundation's components: those take the api's and the worker's
members as deferred outputs, resolved from `Compute`'s service accounts, so each grant still
depends on the account it names. Secret access is granted by `Compute` alone, on exactly the
secrets each service references. pulumi_gcp and the components are imported when a stack is
built, not when the configuration is validated.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import pulumi

from forge_components.common import standard_tags
from forge_components.contracts import (
    DATA_SERVICE_CLIENTS,
    CacheOutputs,
    DatabaseOutputs,
    NetworkingOutputs,
    SecretReference,
    StorageOutputs,
    StreamingOutputs,
)
from forge_components.gcp.limits import RedpandaMode, StreamingEngine
from forge_infra.clouds.gcp.settings import GcpSettings
from forge_infra.model.config import DrMode, StackConfig
from forge_infra.model.target import Foundation, Workload
from forge_infra.release.controller import schedule_minutes

if TYPE_CHECKING:
    from forge_components.gcp.networking import Networking
    from forge_infra.release.controller import CommandRunner, ReleaseDriver

#: The buckets each data client (contracts.DATA_SERVICE_CLIENTS) reads and writes, as on AWS
#: (the api reports; the worker reports and exports): roles/storage.objectViewer and
#: roles/storage.objectCreator on each.
BUCKET_ACCESS: dict[str, tuple[str, ...]] = {
    "api": ("reports",),
    "worker": ("reports", "exports"),
}


#: The buckets whose data the app cannot rebuild, copied to the recovery region with
#: `forge-infra:dr` (as AWS's DR_BUCKETS: every bucket the stack creates).
DR_BUCKETS: tuple[str, ...] = ("reports", "exports", "backups")


def _pick(outputs: pulumi.Output[dict[str, str]], key: str) -> pulumi.Output[str]:
    """One entry of a dict output."""
    return outputs.apply(lambda values: values[key])


def gcp_settings(config: StackConfig) -> GcpSettings:
    """The stack's GCP settings (the config's cloud branch)."""
    if not isinstance(config.target, GcpSettings):
        raise TypeError(f"stack {config.stack} is not a GCP stack")
    return config.target


def stack_labels(config: StackConfig) -> dict[str, str]:
    """The labels every resource of the stack carries: app, environment, managed-by and the
    stack's `forge-infra:tags` (GCP labels are lower-case; the config checks them)."""
    return standard_tags(config.app.name, config.environment, config.tags)


@dataclass(frozen=True)
class GcpFoundation(Foundation):
    """The GCP foundation: the neutral contracts plus what the GCP runtime needs."""

    prefix: str = ""
    opts: pulumi.ResourceOptions = field(default_factory=pulumi.ResourceOptions)
    """Options of every top-level component: the stack's explicit GCP provider."""
    labels: Mapping[str, str] = field(default_factory=dict)
    gcp_network: Networking | None = None
    resolve_members: Mapping[str, Callable[[pulumi.Output[str]], None]] = field(
        default_factory=dict)
    """Per data client (api, worker): resolves the IAM member the foundation's grants name,
    once `Compute` has created its service account."""


class GcpTarget:
    """The `cloud: gcp` target (registered in `forge_infra.model.target`); a
    `ReleasingTarget`: Cloud Run holds traffic weights between revisions but steps nothing
    itself, so `forge-infra release` drives its canary (forge_infra.clouds.gcp.release)."""

    @property
    def settings_model(self) -> type[GcpSettings]:
        """`GcpSettings`."""
        return GcpSettings

    @property
    def release_signal_delay_minutes(self) -> int:
        """Cloud Run's request metrics are readable 3 minutes after their minute
        (`release.SIGNAL_DELAY_MINUTES`, sourced there)."""
        from forge_infra.clouds.gcp.release import SIGNAL_DELAY_MINUTES

        return SIGNAL_DELAY_MINUTES

    def release_driver(self, config: StackConfig, outputs: Mapping[str, Any],
                       runner: CommandRunner) -> ReleaseDriver:
        """The Cloud Run driver of the deployed stack, from its `release_targets` output."""
        from forge_infra.clouds.gcp.release import driver_from_outputs

        gcp_settings(config)
        return driver_from_outputs(outputs, runner)

    def foundation(self, config: StackConfig) -> GcpFoundation:
        """VPC, storage, PostgreSQL, Redis, Kafka and the app's secrets."""
        import pulumi_gcp as gcp

        from forge_components.gcp.cache import Cache, CacheArgs
        from forge_components.gcp.database import Database, DatabaseArgs
        from forge_components.gcp.networking import Networking, NetworkingArgs
        from forge_components.gcp.secrets import AppSecrets, AppSecretsArgs
        from forge_components.gcp.storage import Storage, StorageArgs
        from forge_components.gcp.streaming import Streaming, StreamingArgs

        settings = gcp_settings(config)
        prefix = config.resource_prefix
        labels = stack_labels(config)
        provider = gcp.Provider(f"{prefix}-gcp", project=settings.project,
                                region=settings.region, default_labels=labels)
        opts = pulumi.ResourceOptions(providers=[provider])
        protect = config.protect
        region = settings.region

        # The data clients' IAM members, known once Compute creates their accounts.
        members: dict[str, pulumi.Output[str]] = {}
        resolvers: dict[str, Callable[[pulumi.Output[str]], None]] = {}
        for client in sorted(DATA_SERVICE_CLIENTS):
            member: pulumi.Output[str]
            resolve: Callable[[pulumi.Output[str]], None]
            member, resolve = pulumi.deferred_output()
            members[client], resolvers[client] = member, resolve

        net = settings.network
        network = Networking(f"{prefix}-network", NetworkingArgs(
            region=region,
            workloads_cidr=net.workloads_cidr,
            instances_cidr=net.instances_cidr,
            private_service_access_cidr=net.private_service_access_cidr,
            flow_logs_sampling=net.flow_logs_sampling,
            flow_logs_interval=net.flow_logs_interval,
            labels=labels,
        ), opts)

        store = settings.storage
        grants: dict[str, list[pulumi.Input[str]]] = {}
        for client, purposes in sorted(BUCKET_ACCESS.items()):
            for purpose in purposes:
                grants.setdefault(purpose, []).append(members[client])
        storage_args = StorageArgs(
            location=region,
            nearline_after_days=store.nearline_after_days,
            archive_after_days=store.archive_after_days,
            noncurrent_version_expiration_days=store.noncurrent_version_expiration_days,
            soft_delete_days=store.soft_delete_days,
            versioning=store.versioning,
            readers=grants,
            writers=grants,
            force_destroy=store.force_destroy,
            protect=protect,
            labels=labels,
        )
        if store.kms_key_name is not None:
            storage_args["kms_key_name"] = store.kms_key_name
        storage = Storage(f"{prefix}-storage", storage_args, opts)

        db = settings.database
        database_args = DatabaseArgs(
            region=region,
            network_id=network.network_id,
            private_service_access_connection_id=network.private_service_access_connection_id,
            allocated_ip_range=network.private_service_access_range_name,
            engine_major_version=db.version,
            edition=db.edition,
            tier=db.tier,
            high_availability=db.high_availability,
            disk_size_gb=db.disk_size_gb,
            disk_autoresize_limit_gb=db.disk_autoresize_limit_gb,
            backup_retention_days=db.backup_retention_days,
            point_in_time_recovery_days=db.point_in_time_recovery_days,
            deletion_protection=db.deletion_protection,
            protect=protect,
            database_name=db.name,
            admin_username=db.username,
            app_username=db.app_username,
            database_flags=dict(db.flags),
            labels=labels,
        )
        if db.kms_key_name is not None:
            database_args["kms_key_name"] = db.kms_key_name
        dr = config.dr
        if dr.mode is not DrMode.NONE and dr.region is not None:
            # Every automated (and the final) backup is stored in the recovery region.
            database_args["backup_location"] = dr.region
        database = Database(f"{prefix}-db", database_args, opts)

        cache_settings = settings.cache
        cache_args = CacheArgs(
            region=region,
            network_id=network.network_id,
            private_service_access_connection_id=network.private_service_access_connection_id,
            memory_size_gb=cache_settings.memory_size_gb,
            high_availability=cache_settings.high_availability,
            redis_version=cache_settings.version,
            rdb_snapshot_period=cache_settings.rdb_snapshot_period,
            deletion_protection=protect,
            protect=protect,
            labels=labels,
        )
        if cache_settings.kms_key_name is not None:
            cache_args["kms_key_name"] = cache_settings.kms_key_name
        cache = Cache(f"{prefix}-cache", cache_args, opts)

        stream = settings.streaming
        streaming_args = StreamingArgs(
            region=region,
            network_id=network.network_id,
            workloads_subnet_id=network.workloads_subnet_id,
            workloads_subnet_cidr=network.workloads_subnet_cidr,
            engine=stream.engine,
            deletion_protection=protect,
            protect=protect,
            labels=labels,
        )
        if stream.engine is StreamingEngine.MANAGED_KAFKA:
            # Each client logs in as its own service account (OAUTHBEARER): the project role
            # roles/managedkafka.client is its only grant for Kafka.
            streaming_args["vcpu_count"] = stream.vcpu_count
            streaming_args["memory_gib"] = stream.memory_gib
            streaming_args["client_members"] = [members[c]
                                                for c in sorted(DATA_SERVICE_CLIENTS)]
        elif stream.engine is StreamingEngine.REDPANDA:
            # Compute grants the clients the password secret they reference (KAFKA_PASSWORD);
            # a second grant of the same binding here would be removed with the first.
            streaming_args["instances_subnet_id"] = network.instances_subnet_id
            streaming_args["zones"] = zones_of(gcp, region, provider)
            streaming_args["broker_count"] = stream.brokers
            streaming_args["machine_type"] = stream.machine_type
            streaming_args["redpanda_version"] = stream.version
            streaming_args["redpanda_mode"] = stream.redpanda_mode or RedpandaMode.PRODUCTION
            streaming_args["data_disk_gb"] = stream.data_disk_gb
            streaming_args["data_disk_type"] = stream.data_disk_type
        streaming = Streaming(f"{prefix}-stream", streaming_args, opts)

        app_secret_ids: dict[str, pulumi.Output[str]] = {}
        if config.secrets:
            app_secrets = AppSecrets(f"{prefix}-secrets", AppSecretsArgs(
                region=region,
                values={k: v.get_secret_value() for k, v in config.secrets.items()},
                name_prefix=prefix,
                labels=labels,
            ), opts)
            app_secret_ids = {key: _pick(app_secrets.secret_ids, key) for key in config.secrets}

        dr_exports = _disaster_recovery(config, settings, prefix=prefix, labels=labels,
                                        opts=opts, storage=storage)

        has_broker = stream.engine is not StreamingEngine.NONE
        return GcpFoundation(
            network=cast(NetworkingOutputs, network),
            database=cast(DatabaseOutputs, database),
            # The services' own password, as a whole secret value (Cloud Run reads secrets
            # whole).
            database_password=SecretReference(secret_id=database.app_password_secret_id),
            cache=cast(CacheOutputs, cache),
            streaming=cast(StreamingOutputs, streaming) if has_broker else None,
            # Managed Kafka: OAUTHBEARER as the client's own identity, no password.
            streaming_password=(SecretReference(secret_id=streaming.password_secret_id)
                                if stream.engine is StreamingEngine.REDPANDA else None),
            storage=cast(StorageOutputs, storage),
            app_secret_ids=app_secret_ids,
            exports={
                "project": settings.project,
                "region": region,
                "workloads_subnet_id": network.workloads_subnet_id,
                "database_connection_name": database.connection_name,
                "database_app_credentials_secret_id": database.app_credentials_secret_id,
                "kafka_cluster_name": streaming.cluster_name,
                **dr_exports,
            },
            prefix=prefix,
            opts=opts,
            labels=labels,
            gcp_network=network,
            resolve_members=resolvers,
        )

    def runtime(self, config: StackConfig, foundation: Foundation,
                workload: Workload) -> dict[str, Any]:
        """Cloud Run, the load balancer with Cloud CDN and Cloud Armor, and the budget."""
        import pulumi_gcp as gcp

        from forge_components.gcp.budget import Budget, BudgetArgs
        from forge_components.gcp.cdn import Cdn, CdnArgs
        from forge_components.gcp.compute import Compute, ComputeArgs

        if not isinstance(foundation, GcpFoundation) or foundation.gcp_network is None:
            raise TypeError("the GCP runtime needs the GCP foundation")
        settings = gcp_settings(config)
        network = foundation.gcp_network
        compute = Compute(foundation.prefix, ComputeArgs(
            region=settings.region,
            services=list(workload.services),
            subnetwork_id=network.workloads_subnet_id,
            rollout=workload.rollout,
            labels=dict(foundation.labels),
        ), foundation.opts)
        emails = compute.service_account_emails
        for client, resolve in foundation.resolve_members.items():
            resolve(_pick(emails, client).apply(lambda email: f"serviceAccount:{email}"))

        def service_name(service: str) -> pulumi.Output[str]:
            return compute.service_ids.apply(lambda ids: ids[service].rsplit("/", 1)[-1])

        cdn_settings = settings.cdn
        domain = cast(str, config.app.domain)
        cdn_args = CdnArgs(
            region=settings.region,
            domain_name=domain,
            ui_service_name=service_name("ui"),
            gateway_service_name=service_name("gateway"),
            aliases=list(cdn_settings.aliases),
            ssl_profile=cdn_settings.ssl_profile,
            cloud_armor=cdn_settings.cloud_armor,
            waf_rules=list(cdn_settings.waf_rules),
            waf_sensitivity=cdn_settings.waf_sensitivity,
            rate_limit_per_minute=cdn_settings.rate_limit_per_minute,
            labels=dict(foundation.labels),
        )
        if settings.dns_zone is not None:
            cdn_args["dns_zone_name"] = settings.dns_zone
        cdn = Cdn(f"{foundation.prefix}-cdn", cdn_args, foundation.opts)

        project = gcp.organizations.get_project_output(
            project_id=settings.project,
            opts=pulumi.InvokeOutputOptions(parent=compute))
        budget = config.budget
        billing = settings.billing
        Budget(f"{foundation.prefix}-budget", BudgetArgs(
            billing_account=billing.account_id,
            project_number=project.number,
            monthly_limit=budget.monthly_limit_usd,
            currency_code=billing.currency_code,
            alert_emails=list(budget.alert_emails),
            thresholds_percent=list(budget.alert_thresholds_percent),
            labels=dict(foundation.labels),
        ), foundation.opts)
        # What `forge-infra release` steps: the Cloud Run services that take requests.
        released = [spec["name"] for spec in workload.services if spec.get("port") is not None]
        release_targets = pulumi.Output.all(
            **{name: service_name(name) for name in released}).apply(
                lambda names: {"project": settings.project, "region": settings.region,
                               "services": dict(names)})
        return {
            "release_targets": release_targets,
            # The minutes a release's steps hold (0 when rolling): the deploy timeline's wait.
            "release_hold_minutes": schedule_minutes(workload.rollout,
                                                     self.release_signal_delay_minutes),
            "service_names": compute.service_names,
            "service_uris": compute.service_uris,
            "service_account_emails": compute.service_account_emails,
            "migration_job_name": compute.migration_job_name,
            "cdn_hostname": cdn.hostname,
            "app_url": cdn.url,
        }


def _disaster_recovery(config: StackConfig, settings: GcpSettings, *, prefix: str,
                       labels: Mapping[str, str], opts: pulumi.ResourceOptions,
                       storage: Any) -> dict[str, Any]:
    """The `forge-infra:dr` resources besides the database's backup location (set on the
    `Database`): the buckets' copies in the recovery region (`backup`), plus the recovery
    region's network (`pilot_light`); returns their exports.

    The network is a second VPC with the stack's own addressing (subnets, Private Service
    Access range and peering, Cloud Router and NAT, firewall rules) in the recovery region:
    a restored Cloud SQL instance takes its private IP from that Private Service Access range,
    which a restore therefore needs first, and the services' subnet and egress are ready for
    Cloud Run. No instance runs there (a cross-region read replica would be a warm standby,
    billed as a second instance)."""
    from forge_components.gcp.backup import CrossRegionBackup, CrossRegionBackupArgs
    from forge_components.gcp.networking import Networking, NetworkingArgs

    dr = config.dr
    if dr.mode is DrMode.NONE or dr.region is None:
        return {}
    store = settings.storage
    names = storage.bucket_names
    copies = CrossRegionBackup(f"{prefix}-dr", CrossRegionBackupArgs(
        dr_region=dr.region,
        source_buckets={purpose: _pick(names, purpose) for purpose in DR_BUCKETS},
        interval_hours=dr.backup_interval_hours,
        versioning=store.versioning,
        nearline_after_days=store.nearline_after_days,
        noncurrent_version_expiration_days=store.noncurrent_version_expiration_days,
        soft_delete_days=store.soft_delete_days,
        force_destroy=store.force_destroy,
        protect=config.protect,
        project=settings.project,
        labels=dict(labels),
    ), opts)
    exports: dict[str, Any] = {
        "dr_region": copies.dr_region,
        "dr_database_backup_location": dr.region,
        "dr_bucket_names": copies.copy_bucket_names,
        "dr_transfer_job_names": copies.transfer_job_names,
        # What `plan --timeline` checks its recovery forecast against.
        "dr_rto_target_hours": dr.rto_target_hours,
        "dr_rpo_target_hours": dr.rpo_target_hours,
        "dr_declaration_minutes": dr.declaration_minutes,
    }
    if dr.mode is DrMode.PILOT_LIGHT:
        net = settings.network
        dr_network = Networking(f"{prefix}-dr-network", NetworkingArgs(
            region=dr.region,
            workloads_cidr=net.workloads_cidr,
            instances_cidr=net.instances_cidr,
            private_service_access_cidr=net.private_service_access_cidr,
            flow_logs_sampling=net.flow_logs_sampling,
            flow_logs_interval=net.flow_logs_interval,
            labels=dict(labels),
        ), opts)
        exports |= {"dr_network_id": dr_network.network_id,
                    "dr_workloads_subnet_id": dr_network.workloads_subnet_id,
                    "dr_private_service_access_range_name":
                        dr_network.private_service_access_range_name}
    return exports


def zones_of(gcp: Any, region: str, provider: pulumi.ProviderResource) -> list[str]:
    """The zones of `region` that are up, sorted: the Redpanda brokers spread over them
    round-robin and need their names at declaration time, so the lookup is a direct call
    through the stack's provider (`compute.get_zones`; zone letters differ by region:
    europe-west1 has b, c and d)."""
    result = gcp.compute.get_zones(region=region, status="UP",
                                   opts=pulumi.InvokeOptions(provider=provider))
    return sorted(result.names)


#: The registered instance (see forge_infra.model.target).
TARGET = GcpTarget()
