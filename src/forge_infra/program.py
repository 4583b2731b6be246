"""`build(config)`: compose the components for one stack and export what a deployer needs.

The same function runs under the Pulumi engine (`pulumi up`) and under the offline mocks
(`forge-infra plan`). Components are imported only for the chosen cloud, so planning an AWS
stack never loads the GCP or Azure SDKs.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pulumi

from forge_components.common import SecretReference, ServiceSpec, standard_tags
from forge_infra.config import SERVICE_NAMES, Cloud, Platform, StackConfig

if TYPE_CHECKING:
    from forge_components.aws.cache import Cache
    from forge_components.aws.database import Database

#: Where the chart's release runs on EKS.
PLATFORM_NAMESPACE = "forge"


def resource_prefix(config: StackConfig) -> str:
    """The prefix of every component name of a stack: `<app>-<stack>`."""
    return f"{config.app.name}-{config.stack}"


def public_routes(config: StackConfig) -> dict[str, tuple[str | None, str]]:
    """(host, path) each service is reached on from outside; (None, "/") keeps it internal.

    Without a CDN the app domain serves the ui at `/`; the gateway has its own host. On ECS the
    load balancer also routes `/api` to the api; on EKS the api stays inside the cluster,
    reached through the gateway (the chart's NetworkPolicy admits only the gateway). With the
    CDN the app domain belongs to CloudFront (ui assets from S3) and the services answer on
    their own hosts, which CloudFront uses as the `/api/*` origin.
    """
    domain = config.app.domain
    routes: dict[str, tuple[str | None, str]] = {name: (None, "/") for name in SERVICE_NAMES}
    if not domain:
        return routes
    routes["gateway"] = (f"gateway.{domain}", "/")
    routes["ui"] = (f"origin.{domain}" if config.cdn.enabled else domain, "/")
    if config.platform is Platform.ECS:
        routes["api"] = (f"api.{domain}" if config.cdn.enabled else domain, "/api")
    return routes


def secret_reference(ref: str, *, database: Database, cache: Cache,
                     app_secret_arns: dict[str, pulumi.Output[str]]) -> SecretReference:
    """Resolve a config secret reference (`database:password`, `cache`, `app:x`, an ARN)."""
    if ref.startswith("database"):
        _, _, key = ref.partition(":")
        return SecretReference(database.password_secret_ref, key or "password")
    if ref == "cache":
        return SecretReference(cache.auth_token_secret_ref)
    if ref.startswith("app:"):
        return SecretReference(app_secret_arns[ref[4:]])
    arn, _, key = ref.partition("#")
    return SecretReference(arn, key or None)


def service_specs(config: StackConfig, *, environment: dict[str, pulumi.Input[str]],
                  database: Database, cache: Cache,
                  app_secret_arns: dict[str, pulumi.Output[str]]) -> list[ServiceSpec]:
    """The four services as platform-neutral specs, secrets resolved to references."""
    routes = public_routes(config)
    specs = []
    for name, svc in config.services.items():
        scaling = svc.autoscaling
        host, path = routes[name]
        specs.append(ServiceSpec(
            name=name,
            image_repository=svc.image.repository,
            image_tag=svc.image.tag,
            port=svc.port,
            cpu=svc.cpu,
            memory=svc.memory,
            replicas=svc.replicas,
            min_replicas=scaling.min if scaling else svc.replicas,
            max_replicas=scaling.max if scaling else svc.replicas,
            target_cpu_percent=scaling.target_cpu if scaling else 70,
            health_path=svc.health_path,
            environment={**environment, **svc.env},
            secrets={env: secret_reference(ref, database=database, cache=cache,
                                           app_secret_arns=app_secret_arns)
                     for env, ref in sorted(svc.secrets.items())},
            public_host=host,
            public_path=path,
        ))
    return specs


def bucket_statements(bucket_arn: pulumi.Input[str], *, write: bool) -> list[dict[str, Any]]:
    """Least-privilege IAM statements for one bucket (list + read, and write when asked)."""
    actions = ["s3:GetObject"] + (["s3:PutObject", "s3:AbortMultipartUpload"] if write else [])
    return [
        {"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": [bucket_arn]},
        {"Effect": "Allow", "Action": actions,
         "Resource": [pulumi.Output.concat(bucket_arn, "/*")]},
    ]


_SECRET_PROVIDER_SETTINGS = frozenset({"accessKey", "secretKey", "token"})


def aws_provider_settings(config: StackConfig) -> dict[str, Any]:
    """The stack's `aws:` settings as keyword arguments of `aws.Provider`.

    An explicit provider does not read the stack's `aws:` config the way the default provider
    does, so profile, assumed roles, allowed accounts and the like are handed on here; their
    names become the SDK's snake_case, nested values stay in the wire's camelCase (as in the
    stack file), and credentials set in the stack stay secrets.
    """
    settings: dict[str, Any] = {}
    for key, value in config.aws_provider.items():
        name = re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()
        settings[name] = pulumi.Output.secret(value) if key in _SECRET_PROVIDER_SETTINGS else value
    return settings


def build(config: StackConfig) -> None:
    """Declare every resource of one stack and export its outputs."""
    if config.cloud is Cloud.AWS:
        _build_aws(config)
        return
    raise NotImplementedError(f"cloud {config.cloud.value!r} is not implemented yet")


def _build_aws(config: StackConfig) -> None:
    import pulumi_aws as aws

    from forge_components.aws.budget import Budget, BudgetArgs
    from forge_components.aws.cache import Cache, CacheArgs, CacheEngine
    from forge_components.aws.database import Database, DatabaseArgs, DatabaseEngine
    from forge_components.aws.networking import NatGatewayStrategy, Networking, NetworkingArgs
    from forge_components.aws.secrets import AppSecrets, AppSecretsArgs
    from forge_components.aws.storage import Storage, StorageArgs
    from forge_components.aws.streaming import Streaming, StreamingArgs, StreamingEngine

    prefix = resource_prefix(config)
    global_tags = standard_tags(config.app.name, config.environment, config.tags)
    provider_settings = aws_provider_settings(config)
    provider = aws.Provider(f"{prefix}-aws", region=config.region,
                            default_tags=aws.ProviderDefaultTagsArgs(tags=global_tags),
                            **provider_settings)
    opts = pulumi.ResourceOptions(providers=[provider])
    protect = config.protect
    eks_cluster_name = f"{prefix}-eks" if config.platform is Platform.EKS else None

    network = Networking(f"{prefix}-network", NetworkingArgs(
        cidr_block=config.network.cidr,
        az_count=config.network.az_count,
        availability_zones=list(config.network.azs) if config.network.azs else None,
        subnet_prefixes=config.network.subnet_prefixes.as_dict() or None,
        nat_gateway_strategy=NatGatewayStrategy(config.network.nat_gateways.value),
        flow_logs_retention_days=config.network.flow_logs_retention_days,
        eks_cluster_name=eks_cluster_name,
        tags=global_tags,
    ), opts)
    app_sg = [network.app_security_group_id]

    storage = Storage(f"{prefix}-storage", StorageArgs(
        glacier_transition_days=config.storage.glacier_transition_days,
        noncurrent_version_expiration_days=config.storage.noncurrent_version_expiration_days,
        force_destroy=config.storage.force_destroy,
        protect=protect,
        tags=global_tags,
    ), opts)

    db = config.database
    database = Database(f"{prefix}-db", DatabaseArgs(
        vpc_id=network.vpc_id,
        subnet_ids=network.database_subnet_ids,
        allowed_security_group_ids=app_sg,
        engine=DatabaseEngine(db.engine.value),
        engine_major_version=db.version,
        database_name=db.name,
        master_username=db.username,
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
        backups_bucket_name=storage.backups_bucket_name,
        backups_bucket_arn=storage.buckets["backups"].bucket_arn,
        tags=global_tags,
    ), opts)

    cache = Cache(f"{prefix}-cache", CacheArgs(
        vpc_id=network.vpc_id,
        subnet_ids=network.private_subnet_ids,
        allowed_security_group_ids=app_sg,
        engine=CacheEngine(config.cache.engine),
        engine_version=config.cache.version,
        node_type=config.cache.node_type,
        num_nodes=config.cache.nodes,
        snapshot_retention_days=config.cache.snapshot_retention_days,
        protect=protect,
        tags=global_tags,
    ), opts)

    stream = config.streaming
    streaming_engine = StreamingEngine(stream.engine.value)
    streaming_subnets = (min(config.network.az_count, 3)
                         if streaming_engine is StreamingEngine.MSK
                         else config.network.az_count)
    streaming = Streaming(f"{prefix}-stream", StreamingArgs(
        vpc_id=network.vpc_id,
        subnet_ids=network.private_subnet_ids.apply(lambda ids: ids[:streaming_subnets]),
        subnet_count=streaming_subnets,
        allowed_security_group_ids=app_sg,
        engine=streaming_engine,
        broker_count=stream.brokers,
        instance_type=stream.instance_type,
        kafka_version=stream.kafka_version,
        ebs_volume_gb=stream.ebs_volume_gb,
        protect=protect,
        tags=global_tags,
    ), opts)

    app_secrets = AppSecrets(f"{prefix}-secrets", AppSecretsArgs(
        values={k: v.get_secret_value() for k, v in config.secrets.items()},
        name_prefix=f"{prefix}",
        tags=global_tags,
    ), opts) if config.secrets else None
    app_secret_arns = app_secrets.secret_arns if app_secrets else {}

    data_environment: dict[str, pulumi.Input[str]] = {
        "DATABASE_HOST": database.endpoint,
        "DATABASE_PORT": database.port.apply(str),
        "DATABASE_NAME": database.database_name,
        "DATABASE_USER": db.username,
        "REDIS_HOST": cache.endpoint,
        "REDIS_PORT": cache.port.apply(str),
        "REDIS_TLS": "true",
        "APP_ENV": config.environment,
    }
    if streaming.bootstrap_brokers is not None:
        data_environment["KAFKA_BROKERS"] = streaming.bootstrap_brokers

    task_statements = {
        "api": bucket_statements(storage.buckets["reports"].bucket_arn, write=True),
        "worker": [*bucket_statements(storage.buckets["exports"].bucket_arn, write=True),
                   *bucket_statements(storage.buckets["reports"].bucket_arn, write=True)],
    }

    outputs: dict[str, Any] = {
        "vpc_id": network.vpc_id,
        "azs": network.azs,
        "public_subnet_ids": network.public_subnet_ids,
        "private_subnet_ids": network.private_subnet_ids,
        "database_subnet_ids": network.database_subnet_ids,
        "app_security_group_id": network.app_security_group_id,
        "database_endpoint": database.endpoint,
        "database_port": database.port,
        "database_password_secret_arn": database.password_secret_ref,
        "cache_endpoint": cache.endpoint,
        "cache_auth_token_secret_arn": cache.auth_token_secret_ref,
        "kafka_bootstrap_brokers": (streaming.bootstrap_brokers
                                    if streaming.bootstrap_brokers is not None else ""),
        "bucket_names": storage.bucket_names,
    }

    if config.platform is Platform.ECS:
        from forge_components.aws.compute_ecs import EcsCompute, EcsComputeArgs

        specs = service_specs(config, environment=data_environment, database=database,
                              cache=cache, app_secret_arns=app_secret_arns)
        assert config.app.domain is not None  # the config model requires it for ecs
        # The ALB and target groups take their AWS names from this one (32 characters at most
        # with Pulumi's suffix), so it is the bare prefix; see ECS_NAME_BUDGET in config.py.
        compute = EcsCompute(prefix, EcsComputeArgs(
            vpc_id=network.vpc_id,
            public_subnet_ids=network.public_subnet_ids,
            private_subnet_ids=network.private_subnet_ids,
            app_security_group_id=network.app_security_group_id,
            services=specs,
            domain_name=config.app.domain,
            hosted_zone_id=config.app.hosted_zone_id,
            secret_kms_key_arns=[database.kms_key_arn],
            alb_deletion_protection=config.protect,
            task_role_statements=task_statements,
            region=config.region,
            tags=global_tags,
        ), opts)
        outputs.update({
            "cluster_name": compute.cluster_name,
            "load_balancer_dns_name": compute.load_balancer_dns_name,
            "url": compute.url,
        })
    else:
        _build_eks(config, prefix=prefix, opts=opts, network=network, database=database,
                   cache=cache, streaming=streaming, storage_statements=task_statements,
                   app_secret_arns=app_secret_arns, global_tags=global_tags,
                   outputs=outputs)

    if config.cdn.enabled and config.app.domain and config.app.hosted_zone_id:
        from forge_components.aws.cdn import Cdn, CdnArgs

        # CloudFront sends /api/* to the api's own host where it has one (ECS), else through
        # the gateway (EKS).
        routes = public_routes(config)
        api_origin = routes["api"][0] or routes["gateway"][0]
        # CloudFront certificates live in us-east-1: a second provider with the same settings.
        us_east_1 = aws.Provider(f"{prefix}-aws-us-east-1", region="us-east-1",
                                 default_tags=aws.ProviderDefaultTagsArgs(tags=global_tags),
                                 **provider_settings)
        cdn = Cdn(f"{prefix}-cdn", CdnArgs(
            domain_name=config.app.domain,
            hosted_zone_id=config.app.hosted_zone_id,
            aliases=list(config.cdn.aliases),
            api_origin_domain=api_origin,
            price_class=config.cdn.price_class,
            default_tags=global_tags,
            certificate_provider=us_east_1,
            protect=protect,
            tags=global_tags,
        ), opts)
        outputs.update({"cdn_domain_name": cdn.distribution_domain_name,
                        "assets_bucket_name": cdn.assets_bucket_name, "url": cdn.url})

    Budget(f"{prefix}-budget", BudgetArgs(
        monthly_limit_usd=config.budget.monthly_limit_usd,
        alert_emails=list(config.budget.alert_emails),
        thresholds_percent=list(config.budget.alert_thresholds_percent),
        tags=global_tags,
    ), opts)

    for key, value in outputs.items():
        pulumi.export(key, value)


def _build_eks(config: StackConfig, *, prefix: str, opts: pulumi.ResourceOptions,
               network: Any, database: Database, cache: Cache, streaming: Any,
               storage_statements: dict[str, list[dict[str, Any]]],
               app_secret_arns: dict[str, pulumi.Output[str]],
               global_tags: dict[str, str], outputs: dict[str, Any]) -> None:
    """EKS cluster, IRSA roles for the services, the cluster add-ons and the chart's release."""
    from forge_components.aws.compute_eks import EksCompute, EksComputeArgs, ServiceAccountRole
    from forge_components.kubernetes.addons import ClusterAddons, ClusterAddonsArgs
    from forge_components.kubernetes.release import PlatformRelease, PlatformReleaseArgs
    from forge_components.kubernetes.values import platform_values, service_account_name

    release_name = "forge-platform"
    eks = config.eks
    roles = {
        name: ServiceAccountRole(
            namespace=PLATFORM_NAMESPACE,
            service_account=service_account_name(release_name, name),
            policy_statements=statements)
        for name, statements in storage_statements.items()
    }
    cluster = EksCompute(f"{prefix}-eks", EksComputeArgs(
        vpc_id=network.vpc_id,
        private_subnet_ids=network.private_subnet_ids,
        app_security_group_id=network.app_security_group_id,
        kubernetes_version=eks.version,
        endpoint_public_access=eks.endpoint_public_access,
        public_access_cidrs=list(eks.public_access_cidrs),
        node_instance_types=list(eks.node_instance_types),
        node_min=eks.node_min,
        node_max=eks.node_max,
        node_desired=eks.node_desired,
        node_disk_gb=eks.node_disk_gb,
        admin_role_arns=list(eks.admin_role_arns),
        service_account_roles=roles,
        deletion_protection=config.protect,
        region=config.region,
        tags=global_tags,
    ), opts)
    specs = service_specs(config, environment={"APP_ENV": config.environment},
                          database=database, cache=cache, app_secret_arns=app_secret_arns)
    values = platform_values(
        environment=config.environment,
        domain=config.app.domain,
        services=specs,
        database_host=database.endpoint,
        database_port=database.port,
        database_name=database.database_name,
        cache_host=cache.endpoint,
        cache_port=cache.port,
        kafka_brokers=streaming.bootstrap_brokers,
        secrets_mode="external",
        service_account_role_arns=cluster.service_account_role_arns,
        # Database subnets (PostgreSQL) and private subnets (cache, brokers) only.
        data_service_cidrs=[*network.subnet_layout.private, *network.subnet_layout.database],
        # IRSA-enabled pods reach STS, S3 and Secrets Manager through the NAT / S3 endpoint.
        aws_api_cidrs=["0.0.0.0/0"],
        ingress_class=eks.ingress_class,
        cluster_issuer=eks.cluster_issuer,
    )
    # The cluster add-ons the chart relies on: an ingress controller, cert-manager (and the
    # letsencrypt issuer), External Secrets with read access to exactly the referenced secrets.
    referenced: list[pulumi.Input[str]] = []
    for spec in specs:
        for ref in spec.secrets.values():
            if not any(ref.arn is seen for seen in referenced):
                referenced.append(ref.arn)
    addons = ClusterAddons(f"{prefix}-addons", ClusterAddonsArgs(
        oidc_provider_arn=cluster.oidc_provider_arn,
        oidc_issuer_url=cluster.oidc_issuer_url,
        region=cluster.region,
        secret_arns=referenced,
        secret_kms_key_arns=[database.kms_key_arn],
        ingress_class_name=eks.ingress_class,
        acme_email=eks.acme_email if eks.cluster_issuer == "letsencrypt" else None,
        tags=global_tags,
    ), pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(
        providers=[cluster.k8s_provider], depends_on=[cluster])))
    release = PlatformRelease(f"{prefix}-platform", PlatformReleaseArgs(
        values=values,
        namespace=PLATFORM_NAMESPACE,
        release_name=release_name,
    ), pulumi.ResourceOptions(providers=[cluster.k8s_provider], depends_on=[cluster, addons]))
    outputs.update({
        "cluster_name": cluster.cluster_name,
        "cluster_endpoint": cluster.cluster_endpoint,
        "kubeconfig": cluster.kubeconfig,
        "release_status": release.status,
    })
