"""The AWS target: the foundation and the runtime of an AWS stack.

Everything AWS-specific of the program lives here: the explicit `aws.Provider` with the stack's
`aws:` settings and default tags, the IAM statements for the buckets, IRSA roles and the EKS
add-ons, the cloud-API egress CIDRs of the chart, and the settings handed to the CDN's
us-east-1 provider. The neutral program (`forge_infra.program`) calls `foundation()` and
`runtime()` through the `CloudTarget` protocol. pulumi_aws and the components are imported when
a stack is built, not when the configuration is validated.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, cast

import pulumi

from forge_components.aws.limits import DatabaseEngine, StreamingEngine, streaming_subnet_count
from forge_components.aws.node_sizing import node_ami_type
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
from forge_infra.clouds.aws.settings import AwsSettings, Platform
from forge_infra.model.config import StackConfig
from forge_infra.model.target import Foundation, Workload

if TYPE_CHECKING:
    from forge_components.aws.cache import Cache
    from forge_components.aws.database import Database
    from forge_components.aws.log_key import LogKey
    from forge_components.aws.networking import Networking
    from forge_components.aws.storage import Storage
    from forge_components.aws.streaming import Streaming

#: Where the chart's release runs on EKS.
PLATFORM_NAMESPACE = "forge"
#: The chart's release name (its service accounts are named after it).
RELEASE_NAME = "forge-platform"
#: Pods with an IRSA role reach STS, S3 and Secrets Manager through the NAT / S3 endpoint; AWS
#: publishes no stable CIDR list for them, so the chart's egress to the cloud APIs is 443 to
#: anywhere, for those pods only.
AWS_API_CIDRS = ("0.0.0.0/0",)
#: The prefix of the load balancers' access logs in the access-log bucket (the ECS ALB's, and
#: on EKS the one the ingress annotation should name).
ALB_LOG_PREFIX = "alb"
#: The chart's migration Job's component name (its ServiceAccount is `<fullname>-api-migrate`)
#: and the key of its IRSA role.
MIGRATION_ROLE = "api-migrate"
#: External Secrets' store for Secrets Manager (created by the EKS add-ons).
SECRET_STORE_NAME = "aws-secrets-manager"
SECRET_STORE_KIND: Literal["ClusterSecretStore"] = "ClusterSecretStore"
_SECRET_PROVIDER_SETTINGS = frozenset({"accessKey", "secretKey", "token"})


def aws_settings(config: StackConfig) -> AwsSettings:
    """The stack's AWS settings (TypeError for a stack of another cloud)."""
    if not isinstance(config.target, AwsSettings):
        raise TypeError(f"stack {config.stack!r} is a {config.cloud} stack, not aws")
    return config.target


def aws_provider_settings(config: StackConfig) -> dict[str, Any]:
    """The stack's `aws:` settings as keyword arguments of `aws.Provider`.

    An explicit provider does not read the stack's `aws:` config the way the default provider
    does, so profile, assumed roles, allowed accounts and the like are handed on here; their
    names become the SDK's snake_case, nested values stay in the wire's camelCase (as in the
    stack file), and credentials set in the stack stay secrets.
    """
    settings: dict[str, Any] = {}
    for key, value in aws_settings(config).aws_provider.items():
        name = re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()
        settings[name] = pulumi.Output.secret(value) if key in _SECRET_PROVIDER_SETTINGS else value
    return settings


def kubeconfig_identity(settings: AwsSettings) -> tuple[str | None, str | None]:
    """(profile, role ARN) that make the EKS kubeconfig's `aws eks get-token` sign as the AWS
    provider's identity, the cluster's creator: the stack's `aws:profile` and the one role of
    `aws:assumeRoles` (the settings refuse a chain, or role options the CLI cannot pass, on
    EKS)."""
    profile = settings.aws_provider.get("profile")
    roles = settings.aws_provider.get("assumeRoles") or []
    return (str(profile) if profile else None,
            str(roles[0]["roleArn"]) if roles else None)


def bucket_statements(bucket_arn: pulumi.Input[str], *, write: bool) -> list[dict[str, Any]]:
    """Least-privilege IAM statements for one bucket (list + read, and write when asked)."""
    actions = ["s3:GetObject"] + (["s3:PutObject", "s3:AbortMultipartUpload"] if write else [])
    return [
        {"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": [bucket_arn]},
        {"Effect": "Allow", "Action": actions,
         "Resource": [pulumi.Output.concat(bucket_arn, "/*")]},
    ]


def streaming_secret_keys(foundation: AwsFoundation) -> list[pulumi.Input[str]]:
    """The key of the Kafka credentials secret, which the data clients read (none without a
    broker): their secret readers (ECS execution roles, External Secrets) decrypt with it."""
    streaming = foundation.aws_streaming
    if streaming is None or streaming.credentials_kms_key_arn is None:
        return []
    return [streaming.credentials_kms_key_arn]


def database_connect_statements(settings: AwsSettings, database: Database,
                                ) -> list[dict[str, Any]]:
    """IAM database authentication for the services' role: `rds-db:connect` on exactly that
    database user (rds-postgres); none on timescaledb-ec2, whose role has a password."""
    if settings.database.engine is not DatabaseEngine.RDS_POSTGRES:
        return []
    return [{"Effect": "Allow", "Action": ["rds-db:connect"],
             "Resource": [database.iam_connect_arn]}]


def _pick(outputs: pulumi.Output[dict[str, str]], key: str) -> pulumi.Output[str]:
    """One entry of a dict output."""
    return outputs.apply(lambda values: values[key])


@dataclass(frozen=True)
class AwsFoundation(Foundation):
    """The AWS foundation: the neutral contracts plus what the AWS runtime needs."""

    prefix: str = ""
    opts: pulumi.ResourceOptions = field(default_factory=pulumi.ResourceOptions)
    """Options of every top-level component: the stack's explicit AWS provider."""
    tags: Mapping[str, str] = field(default_factory=dict)
    provider_settings: Mapping[str, Any] = field(default_factory=dict)
    aws_network: Networking | None = None
    aws_database: Database | None = None
    aws_cache: Cache | None = None
    aws_streaming: Streaming | None = None
    aws_storage: Storage | None = None
    aws_log_key: LogKey | None = None
    log_kms_key_arn: pulumi.Output[str] | None = None
    """The stack's CloudWatch Logs key (`LogKey`): every component that creates a log group
    takes it as `log_kms_key_arn`."""
    resolve_cdn_assets_bucket_arn: Callable[[pulumi.Output[str]], None] | None = None
    """With the CDN: hands the assets bucket's ARN (known in `runtime()`) to the access-log
    bucket's policy, which admits that bucket's server access logs."""


class AwsTarget:
    """The `cloud: aws` target (registered in `forge_infra.model.target`)."""

    @property
    def settings_model(self) -> type[AwsSettings]:
        """`AwsSettings`."""
        return AwsSettings

    def foundation(self, config: StackConfig) -> AwsFoundation:
        """VPC, storage, PostgreSQL, Redis, Kafka and the app's secrets."""
        import pulumi_aws as aws

        from forge_components.aws.cache import Cache, CacheArgs
        from forge_components.aws.database import Database, DatabaseArgs
        from forge_components.aws.log_key import LogKey, LogKeyArgs
        from forge_components.aws.networking import Networking, NetworkingArgs
        from forge_components.aws.secrets import AppSecrets, AppSecretsArgs
        from forge_components.aws.storage import Storage, StorageArgs
        from forge_components.aws.streaming import Streaming, StreamingArgs

        settings = aws_settings(config)
        prefix = config.resource_prefix
        tags = standard_tags(config.app.name, config.environment, config.tags)
        provider_settings = aws_provider_settings(config)
        provider = aws.Provider(f"{prefix}-aws", region=settings.region,
                                default_tags=aws.ProviderDefaultTagsArgs(tags=tags),
                                **provider_settings)
        opts = pulumi.ResourceOptions(providers=[provider])
        protect = config.protect
        net = settings.network

        # The CloudWatch Logs key comes first: every log group of the stack is encrypted with it.
        log_key = LogKey(f"{prefix}-logs", LogKeyArgs(
            region=settings.region, protect=protect, tags=tags), opts)

        ecs = settings.platform is Platform.ECS
        network_args = NetworkingArgs(
            cidr_block=net.cidr,
            az_count=net.az_count,
            nat_gateway_strategy=net.nat_gateways,
            flow_logs_retention_days=net.flow_logs_retention_days,
            log_kms_key_arn=log_key.key_arn,
            # ECS tasks run in a group per service; EKS nodes (and every pod) in the shared one.
            app_security_group=not ecs,
            service_names=[name for name, _ in config.services.items()] if ecs else [],
            tags=tags,
        )
        if net.azs:
            network_args["availability_zones"] = list(net.azs)
        if net.subnet_prefixes.as_dict():
            network_args["subnet_prefixes"] = net.subnet_prefixes.as_dict()
        if settings.platform is Platform.EKS:
            network_args["eks_cluster_name"] = f"{prefix}-eks"
        network = Networking(f"{prefix}-network", network_args, opts)
        data_clients = _data_client_groups(network, ecs)

        # The CDN's assets bucket (created in runtime()) logs to the access-log bucket too.
        log_sources: list[pulumi.Input[str]] = []
        resolve_cdn_assets_bucket_arn: Callable[[pulumi.Output[str]], None] | None = None
        if _cdn_planned(config, settings):
            cdn_assets_bucket_arn: pulumi.Output[str]
            cdn_assets_bucket_arn, resolve_cdn_assets_bucket_arn = pulumi.deferred_output()
            log_sources.append(cdn_assets_bucket_arn)
        storage = Storage(f"{prefix}-storage", StorageArgs(
            transition_days=settings.storage.glacier_transition_days,
            noncurrent_version_expiration_days=settings.storage.noncurrent_version_expiration_days,
            force_destroy=settings.storage.force_destroy,
            protect=protect,
            access_log_retention_days=settings.storage.access_log_retention_days,
            load_balancer_log_prefix=ALB_LOG_PREFIX,
            access_log_source_bucket_arns=log_sources,
            tags=tags,
        ), opts)

        db = settings.database
        timescale = db.engine is DatabaseEngine.TIMESCALEDB_EC2
        database = Database(f"{prefix}-db", DatabaseArgs(
            vpc_id=network.network_id,
            # RDS in the isolated database subnets; TimescaleDB on EC2 in the private subnets,
            # whose NAT route reaches the package repositories, Secrets Manager and S3 at boot.
            subnet_ids=network.private_subnet_ids if timescale else network.database_subnet_ids,
            allowed_security_group_ids=data_clients,
            # The role bootstrap function reads the master secret: it needs the NAT route too.
            bootstrap_subnet_ids=network.private_subnet_ids,
            engine=db.engine,
            engine_major_version=db.version,
            database_name=db.name,
            master_username=db.username,
            app_username=db.app_username,
            multi_az=db.multi_az,
            backup_retention_days=db.backup_retention_days,
            deletion_protection=db.deletion_protection,
            protect=protect,
            instance_class=db.instance_class,
            allocated_storage_gb=db.allocated_storage_gb,
            max_allocated_storage_gb=db.max_allocated_storage_gb,
            performance_insights=db.performance_insights,
            read_replica_count=db.read_replicas,
            instance_type=db.instance_type,
            data_volume_gb=db.data_volume_gb,
            backups_bucket_name=_pick(storage.bucket_names, "backups"),
            backups_bucket_arn=_pick(storage.bucket_arns, "backups"),
            log_kms_key_arn=log_key.key_arn,
            tags=tags,
        ), opts)

        cache_settings = settings.cache
        cache_args = CacheArgs(
            vpc_id=network.network_id,
            subnet_ids=network.private_subnet_ids,
            allowed_security_group_ids=data_clients,
            engine=cache_settings.engine,
            node_type=cache_settings.node_type,
            num_nodes=cache_settings.nodes,
            snapshot_retention_days=cache_settings.snapshot_retention_days,
            # The data services' key (the database's): encrypts the cache at rest and its AUTH
            # token's secret, which the token's readers can already decrypt.
            kms_key_arn=database.kms_key_arn,
            log_kms_key_arn=log_key.key_arn,
            protect=protect,
            tags=tags,
        )
        if cache_settings.version is not None:
            cache_args["engine_version"] = cache_settings.version
        cache = Cache(f"{prefix}-cache", cache_args, opts)

        stream = settings.streaming
        subnets = streaming_subnet_count(stream.engine, net.az_count)
        streaming_args = StreamingArgs(
            vpc_id=network.network_id,
            subnet_ids=network.private_subnet_ids.apply(lambda ids: ids[:subnets]),
            subnet_count=subnets,
            allowed_security_group_ids=data_clients,
            engine=stream.engine,
            broker_count=stream.brokers,
            kafka_version=stream.kafka_version,
            ebs_volume_gb=stream.ebs_volume_gb,
            log_kms_key_arn=log_key.key_arn,
            protect=protect,
            tags=tags,
        )
        if stream.instance_type is not None:
            streaming_args["instance_type"] = stream.instance_type
        if stream.engine is StreamingEngine.REDPANDA:
            streaming_args["redpanda_mode"] = stream.effective_redpanda_mode()
        streaming = Streaming(f"{prefix}-stream", streaming_args, opts)

        app_secret_ids: dict[str, pulumi.Output[str]] = {}
        if config.secrets:
            app_secrets = AppSecrets(f"{prefix}-secrets", AppSecretsArgs(
                values={k: v.get_secret_value() for k, v in config.secrets.items()},
                name_prefix=prefix,
                tags=tags,
            ), opts)
            app_secret_ids = {key: _pick(app_secrets.secret_arns, key) for key in config.secrets}

        dr_exports = _disaster_recovery(
            config, settings, prefix=prefix, tags=tags, provider_settings=provider_settings,
            opts=opts, network_args=network_args, database=database, storage=storage)

        # The components declare their contract's outputs (tests/components check each one
        # against forge_components.contracts); the contracts are plain classes, hence the casts.
        return AwsFoundation(
            network=cast(NetworkingOutputs, network),
            database=cast(DatabaseOutputs, database),
            # IAM authentication on RDS (no password); the services' own password on EC2.
            database_password=(
                SecretReference(secret_id=database.app_credentials_secret_id, key="password")
                if timescale else None),
            cache=cast(CacheOutputs, cache),
            streaming=(cast(StreamingOutputs, streaming)
                       if stream.engine is not StreamingEngine.NONE else None),
            # SASL/SCRAM on MSK and Redpanda: the password is a field of the JSON secret.
            streaming_password=(
                SecretReference(secret_id=streaming.credentials_secret_id, key="password")
                if stream.engine is not StreamingEngine.NONE else None),
            storage=cast(StorageOutputs, storage),
            app_secret_ids=app_secret_ids,
            exports={"database_subnet_ids": network.database_subnet_ids,
                     **({"service_security_group_ids": network.service_security_group_ids}
                        if ecs else {"app_security_group_id": network.app_security_group_id}),
                     "access_log_bucket_name": storage.access_log_bucket_name,
                     **dr_exports},
            prefix=prefix,
            opts=opts,
            tags=tags,
            provider_settings=provider_settings,
            aws_network=network,
            aws_database=database,
            aws_cache=cache,
            aws_streaming=streaming,
            aws_storage=storage,
            aws_log_key=log_key,
            log_kms_key_arn=log_key.key_arn,
            resolve_cdn_assets_bucket_arn=resolve_cdn_assets_bucket_arn,
        )

    def runtime(self, config: StackConfig, foundation: Foundation,
                workload: Workload) -> dict[str, Any]:
        """ECS or EKS, CloudFront when enabled, and the cost budget."""
        from forge_components.aws.budget import Budget, BudgetArgs

        if not isinstance(foundation, AwsFoundation):
            raise TypeError("the AWS runtime needs the AWS foundation")
        settings = aws_settings(config)
        storage = cast("Storage", foundation.aws_storage)
        arns = storage.bucket_arns
        reports = _pick(arns, "reports")
        exports_bucket = _pick(arns, "exports")
        database = cast("Database", foundation.aws_database)
        db_connect = database_connect_statements(settings, database)
        task_statements = {
            "api": [*bucket_statements(reports, write=True), *db_connect],
            "worker": [*bucket_statements(exports_bucket, write=True),
                       *bucket_statements(reports, write=True), *db_connect],
        }
        cdn_planned = _cdn_planned(config, settings)
        waf_outputs, web_acl_arn = _build_waf(settings, foundation, cdn_planned)
        if settings.platform is Platform.ECS:
            outputs = _build_ecs(config, settings, foundation, workload, task_statements,
                                 web_acl_arn=None if cdn_planned else web_acl_arn)
        else:
            outputs = _build_eks(config, settings, foundation, workload, task_statements,
                                 web_acl_arn=None if cdn_planned else web_acl_arn)
        if cdn_planned:
            outputs.update(_build_cdn(config, settings, foundation, workload,
                                      web_acl_arn=web_acl_arn))
        outputs.update(waf_outputs)
        budget = config.budget
        Budget(f"{foundation.prefix}-budget", BudgetArgs(
            monthly_limit_usd=budget.monthly_limit_usd,
            alert_emails=list(budget.alert_emails),
            thresholds_percent=list(budget.alert_thresholds_percent),
            thresholds_usd=list(budget.alert_amounts_usd),
            anomaly_threshold_usd=budget.anomaly_threshold_usd,
            tags=dict(foundation.tags),
        ), foundation.opts)
        return outputs


def _data_client_groups(network: Networking, ecs: bool) -> list[pulumi.Input[str]]:
    """The security groups the data services admit.

    On ECS, the groups of the services that use them (`DATA_SERVICE_CLIENTS`: api, worker),
    and no other. On EKS, the nodes' shared group: security groups for pods are not available
    on the stacks' t3 nodes (no t-family instance type supports them,
    https://docs.aws.amazon.com/eks/latest/userguide/security-groups-for-pods.html), so which
    pods may reach the data services is decided by the chart's NetworkPolicies, enforced by
    the VPC CNI's network policy agent (docs/SECURITY.md, "Network isolation of the data
    services").
    """
    if ecs:
        return [_pick(network.service_security_group_ids, name)
                for name in sorted(DATA_SERVICE_CLIENTS)]
    return [_nodes_group(network)]


def _nodes_group(network: Networking) -> pulumi.Output[str]:
    """The shared security group EKS nodes run in (foundation() creates it on EKS)."""
    if network.app_security_group_id is None:
        raise TypeError("the network of an EKS stack has no shared application security group")
    return network.app_security_group_id


def _cdn_planned(config: StackConfig, settings: AwsSettings) -> bool:
    """Whether the runtime declares the CDN (the settings' rules require the domain and zone
    whenever it is enabled)."""
    return bool(settings.cdn.enabled and config.app.domain and settings.hosted_zone_id)


def _build_waf(settings: AwsSettings, foundation: AwsFoundation, cdn_planned: bool,
               ) -> tuple[dict[str, Any], pulumi.Output[str] | None]:
    """With `waf.enabled`, the web ACL (CLOUDFRONT scope in us-east-1 for the CDN, else
    REGIONAL for the load balancer) and its exports; its ARN for the caller to associate."""
    from forge_components.aws.limits import WafScope
    from forge_components.aws.waf import Waf, WafArgs

    waf = settings.waf
    if not waf.enabled:
        return {}, None
    acl = Waf(f"{foundation.prefix}-waf", WafArgs(
        scope=WafScope.CLOUDFRONT if cdn_planned else WafScope.REGIONAL,
        managed_rule_groups=list(waf.rule_groups),
        rate_limit_per_5min=waf.rate_limit_per_5min,
        tags=dict(foundation.tags),
    ), foundation.opts)
    # On EKS without the CDN, waf_web_acl_arn goes to the Ingress annotation
    # alb.ingress.kubernetes.io/wafv2-acl-arn (_build_eks: the chart's ingress.alb.wafv2AclArn).
    return ({"waf_web_acl_arn": acl.web_acl_arn,
             "waf_monthly_fixed_usd": acl.monthly_fixed_cost_usd}, acl.web_acl_arn)


def _build_ecs(config: StackConfig, settings: AwsSettings, foundation: AwsFoundation,
               workload: Workload, task_statements: dict[str, list[dict[str, Any]]],
               web_acl_arn: pulumi.Output[str] | None = None) -> dict[str, Any]:
    """Fargate services behind an ALB (with the REGIONAL web ACL when given)."""
    from forge_components.aws.compute_ecs import EcsCompute, EcsComputeArgs

    network = cast("Networking", foundation.aws_network)
    database = cast("Database", foundation.aws_database)
    storage = cast("Storage", foundation.aws_storage)
    domain = config.app.domain
    if domain is None:  # the settings' rules require it on ECS
        raise ValueError("platform ecs needs app.domain")
    # The ALB and target groups take their AWS names from this one (32 characters at most
    # with Pulumi's suffix), so it is the bare prefix; see limits.ECS_AUTONAME_LIMIT.
    compute_args = EcsComputeArgs(
        vpc_id=network.network_id,
        public_subnet_ids=network.public_subnet_ids,
        private_subnet_ids=network.private_subnet_ids,
        service_security_group_ids={
            spec["name"]: _pick(network.service_security_group_ids, spec["name"])
            for spec in workload.services},
        services=workload.services,
        # The load balancer's own name is the ui's host: the app domain, or with a CDN
        # `origin.<domain>`, since the app domain then belongs to the CDN's certificate. ACM
        # asks the same validation CNAME for a domain in every certificate of an account, so
        # certificates on both for the app domain would write one Route 53 record twice.
        domain_name=workload.routes["ui"][0] or domain,
        hosted_zone_id=settings.hosted_zone_id,
        secret_kms_key_arns=[database.kms_key_arn, *streaming_secret_keys(foundation)],
        alb_deletion_protection=config.protect,
        alb_access_logs_bucket=storage.access_log_bucket_name,
        alb_access_logs_prefix=ALB_LOG_PREFIX,
        web_acl_arn=web_acl_arn,
        task_role_statements=task_statements,
        cpu_architecture=settings.ecs.cpu_architecture,
        region=settings.region,
        rollout=workload.rollout,
        tags=dict(foundation.tags),
    )
    if foundation.log_kms_key_arn is not None:
        compute_args["log_kms_key_arn"] = foundation.log_kms_key_arn
    compute = EcsCompute(foundation.prefix, compute_args, foundation.opts)
    return {"cluster_name": compute.cluster_name,
            "load_balancer_dns_name": compute.load_balancer_dns_name,
            "url": compute.url}


def _build_eks(config: StackConfig, settings: AwsSettings, foundation: AwsFoundation,
               workload: Workload, task_statements: dict[str, list[dict[str, Any]]],
               web_acl_arn: pulumi.Output[str] | None = None) -> dict[str, Any]:
    """The EKS cluster, IRSA roles for the services, the add-ons and the chart's release.

    The ALB belongs to the AWS Load Balancer Controller, so its access logs (to the stack's
    access-log bucket) and the regional `web_acl_arn` reach it as Ingress annotations. A canary
    or blue_green rollout installs Argo Rollouts with the add-ons and reaches the chart's
    `rollout` values (its public services become Rollouts)."""
    from forge_components.aws.compute_eks import EksCompute, EksComputeArgs, ServiceAccountRole
    from forge_components.aws.eks_addons import EksAddons, EksAddonsArgs
    from forge_components.kubernetes.release import PlatformRelease, PlatformReleaseArgs
    from forge_components.kubernetes.values import fullname, platform_values, service_account_name
    from forge_components.subnets import plan_subnets

    network = cast("Networking", foundation.aws_network)
    database = cast("Database", foundation.aws_database)
    storage = cast("Storage", foundation.aws_storage)
    nodes_group = _nodes_group(network)
    eks = settings.eks
    prefix = foundation.prefix
    tags = dict(foundation.tags)
    roles = {
        name: ServiceAccountRole(namespace=PLATFORM_NAMESPACE,
                                 service_account=service_account_name(RELEASE_NAME, name),
                                 policy_statements=statements)
        for name, statements in task_statements.items()
    }
    # The chart's migration Job (a hook, with its own ServiceAccount) logs in to the database
    # as the api does: with IAM authentication it needs its own IRSA role, allowed to connect
    # and nothing else (no bucket access).
    db_connect = database_connect_statements(settings, database)
    if db_connect:
        roles[MIGRATION_ROLE] = ServiceAccountRole(
            namespace=PLATFORM_NAMESPACE,
            service_account=f"{fullname(RELEASE_NAME)}-{MIGRATION_ROLE}",
            policy_statements=db_connect)
    kubeconfig_profile, kubeconfig_role_arn = kubeconfig_identity(settings)
    cluster_args = EksComputeArgs(
        vpc_id=network.network_id,
        private_subnet_ids=network.private_subnet_ids,
        app_security_group_id=nodes_group,
        kubernetes_version=eks.version,
        endpoint_public_access=eks.endpoint_public_access,
        public_access_cidrs=list(eks.public_access_cidrs),
        node_instance_types=list(eks.node_instance_types),
        node_ami_type=node_ami_type(eks.node_instance_types),
        node_min=eks.node_min,
        node_max=eks.node_max,
        node_desired=eks.node_desired,
        node_disk_gb=eks.node_disk_gb,
        admin_role_arns=list(eks.admin_role_arns),
        service_account_roles=roles,
        deletion_protection=config.protect,
        region=settings.region,
        kubeconfig_profile=kubeconfig_profile,
        kubeconfig_role_arn=kubeconfig_role_arn,
        tags=tags,
    )
    if foundation.log_kms_key_arn is not None:
        cluster_args["log_kms_key_arn"] = foundation.log_kms_key_arn
    cluster = EksCompute(f"{prefix}-eks", cluster_args, foundation.opts)
    k8s_provider = cluster._k8s_provider  # the component's provider, for Python callers

    net = settings.network
    layout = plan_subnets(net.cidr, net.az_count, net.subnet_prefixes.as_dict())
    # One definition of the connection settings: the services that use the data services
    # (api, worker) carry the program's data environment (the same variables ECS tasks get)
    # in their own env, which the chart's ConfigMap takes as is.
    specs = workload.services
    streaming = foundation.streaming
    role_arns = cluster.service_account_role_arns
    # The add-ons the chart relies on: the AWS Load Balancer Controller with the ACM
    # certificate of the Ingress hosts, external-dns for their records in the hosted zone,
    # metrics-server and the Cluster Autoscaler for the HPAs, External Secrets with read access
    # to exactly the referenced secrets.
    referenced: list[pulumi.Input[str]] = []
    for spec in specs:
        for ref in spec.get("secrets", {}).values():
            if not any(ref["secret_id"] is seen for seen in referenced):
                referenced.append(ref["secret_id"])
    domain = config.app.domain
    zone = settings.hosted_zone_id
    # The hosts the Ingress serves, the app domain first when it is one of them.
    hosts = sorted({host for host, _ in workload.routes.values() if host},
                   key=lambda h: (h != domain, h))
    dns = domain is not None and zone is not None
    progressive = workload.rollout["strategy"] != "rolling"
    addons = EksAddons(f"{prefix}-addons", EksAddonsArgs(
        cluster_name=cluster.cluster_name,
        vpc_id=cluster.vpc_id,
        oidc_provider_arn=cluster.oidc_provider_arn,
        oidc_issuer_url=cluster.oidc_issuer_url,
        region=settings.region,
        kubernetes_version=eks.version,
        secret_arns=referenced,
        secret_kms_key_arns=[database.kms_key_arn, *streaming_secret_keys(foundation)],
        domain_name=domain if dns else None,
        hosted_zone_id=zone if dns else None,
        certificate_hosts=hosts if dns else [],
        external_dns=dns,
        # A canary or blue_green rollout: the chart's Rollouts need the Argo Rollouts
        # controller and its CRDs (the platform release below waits for the add-ons).
        progressive_delivery=progressive,
        argo_rollouts_replicas=2 if config.environment == "prod" else 1,
        tags=tags,
    ), pulumi.ResourceOptions.merge(foundation.opts, pulumi.ResourceOptions(
        providers=[k8s_provider], depends_on=[cluster])))
    # How the data clients reach Kafka: the streaming contract's protocol, mechanism and user.
    kafka_client: dict[str, Any] = {}
    if streaming is not None:
        kafka_client = {"kafka_security_protocol": streaming.security_protocol,
                        "kafka_sasl_mechanism": streaming.sasl_mechanism,
                        "kafka_username": streaming.username,
                        "kafka_ssl_ca_pem": streaming.ca_certificate_pem}
    values = platform_values(
        environment=config.environment,
        domain=config.app.domain,
        services=specs,
        database_host=foundation.database.host,
        database_port=foundation.database.port,
        database_name=foundation.database.database_name,
        database_user=foundation.database.app_username,
        database_auth=foundation.database.auth_method,
        cache_host=foundation.cache.host,
        cache_port=foundation.cache.port,
        kafka_brokers=streaming.bootstrap_brokers if streaming is not None else None,
        **kafka_client,
        secrets_mode="external",
        secret_store_name=SECRET_STORE_NAME,
        secret_store_kind=SECRET_STORE_KIND,
        service_account_annotations={
            name: {"eks.amazonaws.com/role-arn": _pick(role_arns, name)}
            for name in task_statements},
        migration_service_account_annotations=(
            {"eks.amazonaws.com/role-arn": _pick(role_arns, MIGRATION_ROLE)}
            if MIGRATION_ROLE in roles else None),
        # Database subnets (PostgreSQL) and private subnets (cache, brokers) only.
        data_service_cidrs=[*layout.private, *layout.database],
        cloud_api_cidrs=list(AWS_API_CIDRS),
        ingress_class=eks.ingress_class,
        # The ALB (IP targets) reaches the pods from the public subnets' addresses.
        ingress_certificate_arn=addons.certificate_arn,
        ingress_access_logs_bucket=storage.access_log_bucket_name,
        ingress_access_logs_prefix=ALB_LOG_PREFIX,
        ingress_web_acl_arn=web_acl_arn,
        ingress_source_cidrs=list(layout.public) if eks.ingress_class == "alb" else [],
        ingress_controller_namespace=eks.ingress_controller_namespace or "",
        rollout=workload.rollout,
    )
    release = PlatformRelease(f"{prefix}-platform", PlatformReleaseArgs(
        values=values,
        namespace=PLATFORM_NAMESPACE,
        release_name=RELEASE_NAME,
    ), pulumi.ResourceOptions(providers=[k8s_provider], depends_on=[cluster, addons]))
    return {"cluster_name": cluster.cluster_name,
            "cluster_endpoint": cluster.cluster_endpoint,
            "kubeconfig": cluster.kubeconfig,
            "release_status": release.status}


def _build_cdn(config: StackConfig, settings: AwsSettings, foundation: AwsFoundation,
               workload: Workload, web_acl_arn: pulumi.Output[str] | None = None,
               ) -> dict[str, Any]:
    """CloudFront in front of the ui's assets, `/api/*` to the host that serves the api (with
    the CLOUDFRONT web ACL when given)."""
    from forge_components.aws.cdn import Cdn, CdnArgs

    domain = config.app.domain
    zone = settings.hosted_zone_id
    if domain is None or zone is None:  # the settings' rules require both for the CDN
        raise ValueError("the CDN needs app.domain and hosted_zone_id")
    # CloudFront sends /api/* to the api's own host where it has one (ECS), else through the
    # gateway (EKS).
    api_origin = workload.routes["api"][0] or workload.routes["gateway"][0]
    storage = cast("Storage", foundation.aws_storage)
    cdn = Cdn(f"{foundation.prefix}-cdn", CdnArgs(
        domain_name=domain,
        hosted_zone_id=zone,
        aliases=list(settings.cdn.aliases),
        api_origin_domain=api_origin,
        price_class=settings.cdn.price_class,
        web_acl_id=web_acl_arn,
        default_tags=dict(foundation.tags),
        # The certificate's us-east-1 provider gets the stack's aws: settings too.
        certificate_provider_settings=dict(foundation.provider_settings),
        assets_access_log_bucket_name=storage.access_log_bucket_name,
        protect=config.protect,
        tags=dict(foundation.tags),
    ), foundation.opts)
    if foundation.resolve_cdn_assets_bucket_arn is not None:
        foundation.resolve_cdn_assets_bucket_arn(cdn.assets_bucket_arn)
    return {"cdn_hostname": cdn.hostname, "assets_bucket_name": cdn.assets_bucket_name,
            "url": cdn.url}


#: The registered instance (see forge_infra.model.target).
TARGET = AwsTarget()


#: The buckets AWS Backup protects in the `backup` and `pilot_light` DR modes: what the app
#: cannot rebuild (its reports and exports) and the database's own backups (TimescaleDB's base
#: backups and WAL archive). The access-log bucket is left out.
DR_BUCKETS = ("reports", "exports", "backups")


def _disaster_recovery(config: StackConfig, settings: AwsSettings, *, prefix: str,
                       tags: dict[str, str], provider_settings: Mapping[str, Any],
                       opts: pulumi.ResourceOptions, network_args: Any, database: Any,
                       storage: Any) -> dict[str, Any]:
    """The `forge-infra:dr` resources: AWS Backup copies to the recovery region (`backup`),
    plus the recovery region's network (`pilot_light`); returns their exports."""
    import pulumi_aws as aws

    from forge_components.aws.backup import CrossRegionBackup, CrossRegionBackupArgs
    from forge_components.aws.log_key import LogKey, LogKeyArgs
    from forge_components.aws.networking import Networking, NetworkingArgs
    from forge_infra.model.config import DrMode

    dr = config.dr
    if dr.mode is DrMode.NONE or dr.region is None:
        return {}
    buckets = storage.bucket_arns.apply(
        lambda arns: [arns[purpose] for purpose in DR_BUCKETS if purpose in arns])
    resource_arns = pulumi.Output.all(database.backup_resource_arns, buckets).apply(
        lambda both: [*both[0], *both[1]])
    backup = CrossRegionBackup(f"{prefix}-dr", CrossRegionBackupArgs(
        dr_region=dr.region,
        resource_arns=resource_arns,
        schedule=backup_schedule(dr.backup_interval_hours),
        retention_days=dr.retention_days,
        dr_retention_days=dr.dr_retention_days,
        provider_settings=dict(provider_settings),
        default_tags=dict(tags),
        protect=config.protect,
        tags=dict(tags),
    ), opts)
    exports: dict[str, Any] = {"dr_region": backup.dr_region,
                               "dr_backup_vault_arn": backup.dr_vault_arn,
                               # What `plan --timeline` checks its recovery forecast against.
                               "dr_rto_target_hours": dr.rto_target_hours,
                               "dr_rpo_target_hours": dr.rpo_target_hours,
                               "dr_declaration_minutes": dr.declaration_minutes}
    if dr.mode is DrMode.PILOT_LIGHT:
        dr_provider = aws.Provider(f"{prefix}-aws-{dr.region}", region=dr.region,
                                   default_tags=aws.ProviderDefaultTagsArgs(tags=tags),
                                   **provider_settings)
        dr_opts = pulumi.ResourceOptions(providers=[dr_provider])
        dr_log_key = LogKey(f"{prefix}-dr-logs", LogKeyArgs(
            region=dr.region, protect=config.protect, tags=tags), dr_opts)
        # The same addressing as the stack's network, so a restore needs no re-planning, in
        # the recovery region's first zones (the catalogue's, which the config checked).
        dr_network_args = cast(NetworkingArgs, {
            **network_args,
            "availability_zones": list(
                _catalog_zone_names(dr.region)[:settings.network.az_count])})
        dr_network_args["log_kms_key_arn"] = dr_log_key.key_arn
        dr_network = Networking(f"{prefix}-dr-network", dr_network_args, dr_opts)
        exports |= {"dr_network_id": dr_network.network_id,
                    "dr_private_subnet_ids": dr_network.private_subnet_ids,
                    "dr_database_subnet_ids": dr_network.database_subnet_ids}
    return exports


def backup_schedule(interval_hours: int) -> str:
    """The AWS Backup cron expression (UTC) of a recovery point every `interval_hours`."""
    if interval_hours == 24:
        return "cron(0 3 * * ? *)"
    return f"cron(0 */{interval_hours} * * ? *)"


def _catalog_zone_names(region: str) -> tuple[str, ...]:
    """The zone names of a catalogue region (the config refused regions outside it)."""
    from forge_components.aws import catalog

    entry = catalog.region(region)
    return entry.zone_names if entry is not None else ()
