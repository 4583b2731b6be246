"""ECS Fargate compute: the platform's services behind one internet-facing ALB.

`EcsCompute` runs each `ServiceSpec` as a Fargate service in the private subnets, in its own
security group (`service_security_group_ids`, made by `Networking` so that the data services
can admit their clients by group), with no public IP. The only thing in the public subnets is
the Application Load Balancer:

- its own security group admits 80 and 443 from anywhere and may only send to the groups of
  the services it routes to, each on that service's port; each routed service's group admits
  the ALB on its port (one rule per service), and no service admits another: on ECS the api
  has a route of its own on the ALB and no service discovers another's tasks, so no
  service-to-service path is opened;
- HTTPS on 443 with the TLS 1.3/1.2 policy and a certificate (given, or created in ACM and
  validated through Route 53); HTTP on 80 only redirects (301) to HTTPS; invalid headers dropped;
- host/path rules route to the services from `ServiceSpec.public_host` / `public_path`; the
  service on the app's own host at "/" (the ui) is the default action, otherwise a fixed 404.

Per service: a log group `/ecs/<name>/<service>`, an execution role that may pull its image,
write its own log streams and read exactly the secrets the service references, a task role with
only the statements given in `task_role_statements`, a task definition whose secrets are passed
by reference (`valueFrom`, JSON keys as `<arn>:<key>::`) and whose root filesystem is read-only
(with a writable task-scoped `/tmp`), a service with the deployment circuit breaker and
rollback, and CPU target-tracking autoscaling between the spec's bounds.

Progressive delivery (`rollout`, a neutral `RolloutSpec`): with strategy "canary" or
"blue_green", every service behind the ALB gets ECS's native deployment strategy (CANARY for
steps [p, 100], LINEAR for equal steps, BLUE_GREEN for [100]; `limits.ecs_traffic_shape`), a
second ("green") target group, its own listener rule (the ALB's default action is then a fixed
404, since ECS swaps the production target group at each release and a default action cannot
follow), and a role ECS assumes to shift the rule's weights (AWS managed policy
AmazonECSInfrastructureRolePolicyForLoadBalancers). Four CloudWatch alarms per such service
(the 5xx rate and the unhealthy targets of each of its two target groups) are the service's
deployment alarms with rollback: a breach during a step or the bake stops the release and ECS
returns the traffic to the previous revision (AWS ECS developer guide, "Amazon ECS deployment
failure detection", https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-failure-detection.html:
alarms and the circuit breaker roll back rolling and blue/green deployments; the AWS Containers
blog's "progressive deployments with linear and canary strategies in Amazon ECS" says the same
of alarms for linear and canary; read 2026-12-02). The circuit breaker stays on; that page does
not name linear and canary for it, so the alarms, not the breaker, are what guards those. A
service with no load balancer (the worker) keeps ROLLING: ECS shifts traffic only through one.

Containers have no container-level health check: images need not ship curl or wget, and the
ALB's target health check on `health_path` is what ECS acts on (with a grace period). A service
with no `public_host` gets no target group and no ingress from the ALB.
"""

import dataclasses
import functools
import re
from collections.abc import Sequence
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from forge_components.aws import catalog
from forge_components.aws.iam import service_trust_policy
from forge_components.aws.limits import (
    ALB_TLS_POLICY,
    ECS_AUTONAME_LIMIT,
    ECS_BAKE_MINUTES_RANGE,
    FARGATE_SIZES,
    CpuArchitecture,
    EcsTrafficShape,
    ecs_traffic_shape,
    fargate_cpu_units,
)
from forge_components.aws.tags import resource_tags
from forge_components.common import child_opts
from forge_components.contracts import ROLLING, RolloutSpec, SecretReference, ServiceSpec

COMPONENT = "forge-aws:index:EcsCompute"

TLS_POLICY = ALB_TLS_POLICY
"""The HTTPS listener's policy: `limits.ALB_TLS_POLICY` (TLS 1.3 and 1.2 only), the same as
the EKS load balancer controller's."""

#: The AWS managed policy that lets ECS move a blue/green, linear or canary release's traffic
#: between the two target groups of an ALB listener rule (AWS ECS developer guide, "Amazon ECS
#: infrastructure IAM role for load balancers",
#: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/AmazonECSInfrastructureRolePolicyForLoadBalancers.html,
#: read 2026-12-02; its ARN, arn:aws:iam::aws:policy/<name> with no path, from the AWS Managed
#: Policy reference, https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonECSInfrastructureRolePolicyForLoadBalancers.html).
LOAD_BALANCER_ROLE_POLICY = "AmazonECSInfrastructureRolePolicyForLoadBalancers"
#: Period of the deployment alarms, seconds: ALB target group metrics are published every
#: minute (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html,
#: read 2026-12-02).
ALARM_PERIOD_SECONDS = 60
#: The 5xx rate of one target group, percent (m1: HTTPCode_Target_5XX_Count, m2: RequestCount,
#: both Sum; a minute with no request or no error publishes no datapoint, hence FILL).
FIVE_XX_RATE_EXPRESSION = "IF(FILL(m2, 0) > 0, 100 * FILL(m1, 0) / FILL(m2, 0), 0)"

ANYWHERE_IPV4 = "0.0.0.0/0"
ANYWHERE_IPV6 = "::/0"

_ECR_IMAGE = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?P<cn>\.cn)?/"
    r"(?P<repository>[a-z0-9._/-]+)$")


class EcsComputeArgs(TypedDict):
    """Arguments of `EcsCompute`."""

    vpc_id: pulumi.Input[str]
    """The VPC of the target groups and the ALB security group. Required."""
    public_subnet_ids: pulumi.Input[list[str]]
    """Public subnets: the ALB only. Required."""
    private_subnet_ids: pulumi.Input[list[str]]
    """Private subnets: every task. Required."""
    service_security_group_ids: dict[str, pulumi.Input[str]]
    """The security group each service's tasks run in, by service name: one per service, every
    service listed (e.g. `Networking.service_security_group_ids`). This component adds the
    ALB's ingress to the groups of the services it routes to. Required."""
    services: list[ServiceSpec]
    """The services to run; each size must be a Fargate task size (CPU in millicores, e.g. 250,
    500, 1000, with a memory Fargate pairs with it). Required."""
    domain_name: str
    """The application's host name (the ui at "/", the api under its path). Required."""
    hosted_zone_id: NotRequired[pulumi.Input[str] | None]
    """Route 53 zone for the certificate's DNS validation records; needed when
    `certificate_arn` is unset. Defaults to unset."""
    certificate_arn: NotRequired[pulumi.Input[str] | None]
    """An ACM certificate covering `domain_name` and the services' public hosts; unset creates
    one (DNS-validated in `hosted_zone_id`). Defaults to unset."""
    log_retention_days: NotRequired[int]
    """Retention of the services' log groups, in days. Defaults to 30."""
    log_kms_key_arn: NotRequired[pulumi.Input[str]]
    """A customer-managed KMS key for the services' log groups (its policy must let CloudWatch
    Logs use it, e.g. `LogKey`'s); unset keeps CloudWatch Logs' own encryption. Defaults to
    unset."""
    secret_kms_key_arns: NotRequired[list[pulumi.Input[str]]]
    """Customer-managed keys that encrypt referenced secrets (e.g. the database's key, which
    encrypts its RDS-managed master secret); execution roles may decrypt with them through
    Secrets Manager only. Defaults to []."""
    alb_deletion_protection: NotRequired[bool]
    """Deletion protection of the load balancer. Defaults to False."""
    alb_access_logs_bucket: NotRequired[pulumi.Input[str] | None]
    """S3 bucket for the ALB's access logs (same region, SSE-S3, its policy must admit the ELB
    log delivery under `alb_access_logs_prefix`); unset disables access logs. Defaults to
    unset."""
    alb_access_logs_prefix: NotRequired[str | None]
    """The key prefix of the ALB's access logs (ELB appends `AWSLogs/<account>/...`). Defaults
    to the component's name."""
    web_acl_arn: NotRequired[pulumi.Input[str] | None]
    """A WAF (v2) web ACL of REGIONAL scope, in the ALB's region, to associate with the ALB;
    unset associates none. Defaults to unset."""
    container_insights: NotRequired[bool]
    """CloudWatch Container Insights (standard, "enabled") on the cluster. Defaults to True."""
    cpu_architecture: NotRequired[CpuArchitecture]
    """The tasks' CPU architecture. Defaults to CpuArchitecture.X86_64."""
    task_role_statements: NotRequired[dict[str, list[dict[str, Any]]]]
    """IAM statements (IAM JSON, PascalCase keys, values may be Inputs) for a service's task
    role, by service name; services not listed get a role with no permissions. Defaults to
    {}."""
    create_dns_records: NotRequired[bool]
    """With `hosted_zone_id`, alias A records pointing each service's `public_host` at the ALB
    (the app domain only if a service is served on it; a CDN in front owns it otherwise).
    Defaults to True."""
    health_check_grace_period_seconds: NotRequired[int]
    """Seconds ECS ignores failing ALB health checks after a task starts. Defaults to 60."""
    region: NotRequired[pulumi.Input[str] | None]
    """The region, for the awslogs driver; unset asks the provider. Defaults to unset."""
    rollout: NotRequired[RolloutSpec]
    """How a release reaches the services behind the ALB: "rolling", or "canary" / "blue_green"
    with ECS's native strategy, a second target group, bake times and CloudWatch alarms (5xx
    rate, unhealthy targets) that stop and roll back a bad release. Canary steps must be
    [p, 100] (CANARY) or equal steps [s, 2s, ..., 100] (LINEAR). Defaults to rolling."""
    tags: NotRequired[dict[str, str]]
    """Tags added to every taggable child (services propagate them to tasks). Defaults to
    {}."""


@dataclasses.dataclass(frozen=True)
class _Task:
    """One service as ECS runs it: the neutral spec with its size in Fargate units."""

    name: str
    image_repository: str
    image_tag: str
    port: int | None
    cpu: int
    memory: int
    replicas: int
    min_replicas: int
    max_replicas: int
    target_cpu_percent: int
    health_path: str | None
    environment: dict[str, pulumi.Input[str]]
    secrets: dict[str, SecretReference]
    public_host: str | None
    public_path: str

    @classmethod
    def from_spec(cls, spec: ServiceSpec) -> "_Task":
        """Convert a neutral spec; raise when Fargate has no task of its size."""
        name = spec["name"]
        cpu = fargate_cpu_units(spec["cpu_millicores"])
        if cpu is None:
            raise ValueError(
                f"EcsComputeArgs: service {name!r} has cpu_millicores "
                f"{spec['cpu_millicores']}, which is no Fargate size; Fargate runs "
                f"{[units * 1000 // 1024 for units in FARGATE_SIZES]}")
        if spec["memory_mib"] not in FARGATE_SIZES[cpu]:
            raise ValueError(
                f"EcsComputeArgs: service {name!r} has memory_mib {spec['memory_mib']}, which "
                f"Fargate does not pair with {spec['cpu_millicores']} millicores; allowed: "
                f"{list(FARGATE_SIZES[cpu])}")
        return cls(
            name=name, image_repository=spec["image_repository"], image_tag=spec["image_tag"],
            port=spec.get("port"), cpu=cpu, memory=spec["memory_mib"],
            replicas=spec["replicas"], min_replicas=spec["min_replicas"],
            max_replicas=spec["max_replicas"], target_cpu_percent=spec["target_cpu_percent"],
            health_path=spec.get("health_path"), environment=dict(spec.get("environment", {})),
            secrets=dict(spec.get("secrets", {})), public_host=spec.get("public_host"),
            public_path=spec.get("public_path", "/"))


@dataclasses.dataclass(frozen=True)
class _Settings:
    """`EcsComputeArgs` with every default applied and every rule checked."""

    vpc_id: pulumi.Input[str]
    public_subnet_ids: pulumi.Input[list[str]]
    private_subnet_ids: pulumi.Input[list[str]]
    service_security_group_ids: dict[str, pulumi.Input[str]]
    services: list[_Task]
    domain_name: str
    hosted_zone_id: pulumi.Input[str] | None = None
    certificate_arn: pulumi.Input[str] | None = None
    log_retention_days: int = 30
    log_kms_key_arn: pulumi.Input[str] | None = None
    secret_kms_key_arns: list[pulumi.Input[str]] = dataclasses.field(default_factory=list)
    alb_deletion_protection: bool = False
    alb_access_logs_bucket: pulumi.Input[str] | None = None
    alb_access_logs_prefix: str | None = None
    web_acl_arn: pulumi.Input[str] | None = None
    container_insights: bool = True
    cpu_architecture: CpuArchitecture = CpuArchitecture.X86_64
    task_role_statements: dict[str, list[dict[str, Any]]] = dataclasses.field(
        default_factory=dict)
    create_dns_records: bool = True
    health_check_grace_period_seconds: int = 60
    region: pulumi.Input[str] | None = None
    rollout: RolloutSpec = dataclasses.field(default_factory=lambda: RolloutSpec(**ROLLING))
    tags: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def traffic_shape(self) -> EcsTrafficShape | None:
        """The native strategy of the services behind the ALB; None when rolling."""
        if self.rollout["strategy"] == "rolling":
            return None
        return ecs_traffic_shape(self.rollout["steps"])

    @classmethod
    def from_args(cls, args: EcsComputeArgs) -> "_Settings":
        """Apply the defaults to `args` and reject inconsistent settings."""
        values: dict[str, Any] = {k: v for k, v in dict(args).items() if v is not None}
        unknown = sorted(set(values) - {f.name for f in dataclasses.fields(cls)})
        if unknown:
            hints = "".join(f"; {field} is replaced by {_REPLACED_FIELDS[field]}"
                            for field in unknown if field in _REPLACED_FIELDS)
            raise ValueError(f"EcsComputeArgs: unknown fields {unknown}{hints}")
        values["services"] = [_Task.from_spec(spec) for spec in args.get("services") or []]
        if "cpu_architecture" in values:
            values["cpu_architecture"] = CpuArchitecture(values["cpu_architecture"])
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        """Reject inconsistent settings with a message naming the fields."""
        if self.certificate_arn is None and self.hosted_zone_id is None:
            raise ValueError("EcsComputeArgs: certificate_arn and hosted_zone_id are both unset; "
                             "give certificate_arn, or hosted_zone_id to create a DNS-validated "
                             "certificate")
        if not self.services:
            raise ValueError("EcsComputeArgs: services is empty")
        names = [s.name for s in self.services]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"EcsComputeArgs: duplicate service names {duplicates}")
        groups = set(self.service_security_group_ids)
        if groups != set(names):
            raise ValueError(
                "EcsComputeArgs: service_security_group_ids must name one security group per "
                f"service; services without one: {sorted(set(names) - groups)}, groups of no "
                f"service: {sorted(groups - set(names))}; services are {names}")
        unknown = sorted(set(self.task_role_statements) - set(names))
        if unknown:
            raise ValueError(f"EcsComputeArgs: task_role_statements names unknown services "
                             f"{unknown}; services are {names}")
        self._validate_rollout()
        routes: dict[tuple[str, str], str] = {}
        for spec in self.services:
            if not 1 <= spec.min_replicas <= spec.replicas <= spec.max_replicas:
                raise ValueError(f"EcsComputeArgs: service {spec.name!r} needs 1 <= "
                                 "min_replicas <= replicas <= max_replicas, got "
                                 f"{spec.min_replicas}, {spec.replicas}, {spec.max_replicas}")
            if spec.public_host and spec.port is None:
                raise ValueError(f"EcsComputeArgs: service {spec.name!r} has a public_host "
                                 "but no port")
            if spec.public_host:
                route = (spec.public_host, route_path(spec.public_path))
                if route in routes:
                    raise ValueError(f"EcsComputeArgs: services {routes[route]!r} and "
                                     f"{spec.name!r} share the route {route}")
                routes[route] = spec.name


    def _validate_rollout(self) -> None:
        """Reject a rollout ECS cannot run natively, naming the shapes it can."""
        rollout = self.rollout
        strategy = rollout["strategy"]
        if strategy not in ("rolling", "canary", "blue_green"):
            raise ValueError(f"EcsComputeArgs: rollout.strategy {strategy!r}; allowed: "
                             "rolling, canary, blue_green")
        if strategy == "rolling":
            return
        low, high = ECS_BAKE_MINUTES_RANGE
        if not low <= rollout["bake_minutes"] <= high:
            raise ValueError(f"EcsComputeArgs: rollout.bake_minutes {rollout['bake_minutes']} "
                             f"outside ECS's {low}..{high}")
        steps = list(rollout["steps"])
        shape = ecs_traffic_shape(steps)
        if shape is None or (strategy == "blue_green") != (shape.strategy == "BLUE_GREEN"):
            raise ValueError(
                f"EcsComputeArgs: rollout {strategy} with steps {steps} has no native ECS "
                "strategy; ECS runs blue_green as [100], and canary as [p, 100] (CANARY) or "
                "equal steps [s, 2s, ..., 100] with s >= 3 (LINEAR)")
        if not 0 < rollout["http_5xx_percent"] <= 100:
            raise ValueError(f"EcsComputeArgs: rollout.http_5xx_percent "
                             f"{rollout['http_5xx_percent']} outside (0, 100]")
        if rollout["evaluation_minutes"] < 1 or rollout["unhealthy_targets"] < 1:
            raise ValueError("EcsComputeArgs: rollout.evaluation_minutes and "
                             "rollout.unhealthy_targets must be at least 1")


#: Arguments of earlier versions, with what replaced them (named in the unknown-field error).
_REPLACED_FIELDS: dict[str, str] = {
    "app_security_group_id": "service_security_group_ids (one security group per service)",
    "kms_key_arn": "log_kms_key_arn (the log groups) and secret_kms_key_arns (the secrets)",
}


def route_path(public_path: str) -> str:
    """A service's path prefix without trailing "/" or "*": "/" -> "", "/api/*" -> "/api"."""
    return public_path.rstrip("*").rstrip("/")


def path_patterns(public_path: str) -> list[str]:
    """The ALB path patterns of a prefix: the prefix itself and everything under it."""
    prefix = route_path(public_path)
    return [prefix, f"{prefix}/*"] if prefix else []


def ecr_repository_arn(image_repository: str) -> str | None:
    """The ECR repository ARN of an ECR image reference; None for other registries."""
    match = _ECR_IMAGE.match(image_repository)
    if match is None:
        return None
    partition = catalog.partition_of(match["region"])
    return (f"arn:{partition}:ecr:{match['region']}:{match['account']}:repository/"
            f"{match['repository']}")


def image_reference(image_repository: str, image_tag: str) -> str:
    """`repo:tag`, or `repo@sha256:...` when the tag is a digest."""
    separator = "@" if image_tag.startswith("sha256:") else ":"
    return f"{image_repository}{separator}{image_tag}"


def secret_value_from(arn: pulumi.Input[str], key: str | None) -> pulumi.Input[str]:
    """The `valueFrom` of an ECS secret: the ARN, or `<arn>:<json-key>::` for one JSON key."""
    if key is None:
        return arn
    return pulumi.Output.concat(arn, ":", key, "::")


def _validation_option(
        options: Sequence[aws.acm.outputs.CertificateDomainValidationOption],
        domain: str) -> aws.acm.outputs.CertificateDomainValidationOption:
    """The DNS validation record ACM asks for `domain`."""
    return next(o for o in options if o.domain_name == domain)


def _distinct(values: list[pulumi.Input[str]]) -> list[pulumi.Input[str]]:
    """Values in first-seen order without duplicates: equal strings, or the same Output."""
    result: list[pulumi.Input[str]] = []
    for value in values:
        if any(value is seen or (isinstance(value, str) and value == seen) for seen in result):
            continue
        result.append(value)
    return result


class EcsCompute(pulumi.ComponentResource):
    """The platform's services on ECS Fargate behind an internet-facing ALB."""

    cluster_name: pulumi.Output[str]
    """The ECS cluster's name."""
    cluster_arn: pulumi.Output[str]
    """The ECS cluster's ARN."""
    load_balancer_arn: pulumi.Output[str]
    """The ALB's ARN."""
    load_balancer_dns_name: pulumi.Output[str]
    """The ALB's DNS name (target of alias records or a CDN origin)."""
    load_balancer_zone_id: pulumi.Output[str]
    """The ALB's Route 53 zone id (for alias records)."""
    alb_security_group_id: pulumi.Output[str]
    """The ALB's security group."""
    https_listener_arn: pulumi.Output[str]
    """The HTTPS listener."""
    service_names: pulumi.Output[list[str]]
    """The ECS service names, in the order of `services`."""
    target_group_arns: pulumi.Output[dict[str, str]]
    """Target group ARNs, by service name (publicly routed services only)."""
    green_target_group_arns: pulumi.Output[dict[str, str]]
    """The second target group of each routed service with a canary or blue/green rollout (ECS
    alternates production between the two); empty when rolling."""
    certificate_arn: pulumi.Output[str]
    """The certificate on the HTTPS listener."""
    url: pulumi.Output[str]
    """https://<domain_name>."""

    def __init__(self, name: str, args: EcsComputeArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        cfg = _Settings.from_args(args)
        for child in (f"{name}-alb", *(f"{name}-{s.name}" for s in cfg.services)):
            if len(child) > ECS_AUTONAME_LIMIT:
                raise ValueError(f"EcsCompute: name {name!r} is too long: the auto-name of "
                                 f"{child!r} would exceed AWS's 32-character limit")
        super().__init__(COMPONENT, name, None, opts)

        def tagged(child: str) -> dict[str, str]:
            return resource_tags(child, COMPONENT, cfg.tags)

        invoke_opts = pulumi.InvokeOutputOptions(parent=self)
        region = (pulumi.Output.from_input(cfg.region) if cfg.region is not None else
                  aws.get_region_output(opts=invoke_opts).region)
        account_id = aws.get_caller_identity_output(opts=invoke_opts).account_id
        partition = aws.get_partition_output(opts=invoke_opts).partition

        routed = [s for s in cfg.services if s.public_host and s.port is not None]

        # -- cluster ---------------------------------------------------------------------------
        cluster_res_name = f"{name}-cluster"
        cluster = aws.ecs.Cluster(
            cluster_res_name,
            settings=[aws.ecs.ClusterSettingArgs(
                name="containerInsights",
                value="enabled" if cfg.container_insights else "disabled")],
            tags=tagged(cluster_res_name), opts=child_opts(self))

        # -- load balancer security: 80/443 in from anywhere, out only to the routed services --
        alb_sg_name = f"{name}-alb-sg"
        alb_sg = aws.ec2.SecurityGroup(
            alb_sg_name, vpc_id=cfg.vpc_id,
            description="Internet-facing ALB: HTTP/HTTPS in, out to the routed services only",
            tags=tagged(alb_sg_name), opts=child_opts(self))
        for port in (443, 80):
            for family, cidr in (("ipv4", ANYWHERE_IPV4), ("ipv6", ANYWHERE_IPV6)):
                rule_name = f"{name}-alb-in-{port}-{family}"
                aws.vpc.SecurityGroupIngressRule(
                    rule_name, security_group_id=alb_sg.id, ip_protocol="tcp",
                    from_port=port, to_port=port,
                    cidr_ipv4=cidr if family == "ipv4" else None,
                    cidr_ipv6=cidr if family == "ipv6" else None,
                    description=f"{'HTTPS' if port == 443 else 'HTTP'} from the internet",
                    tags=tagged(rule_name), opts=child_opts(self))
        for spec in routed:
            group = cfg.service_security_group_ids[spec.name]
            out_name = f"{name}-alb-to-{spec.name}"
            aws.vpc.SecurityGroupEgressRule(
                out_name, security_group_id=alb_sg.id, ip_protocol="tcp",
                from_port=spec.port, to_port=spec.port, referenced_security_group_id=group,
                description=f"To {spec.name} on {spec.port}",
                tags=tagged(out_name), opts=child_opts(self))
            in_name = f"{name}-{spec.name}-from-alb"
            aws.vpc.SecurityGroupIngressRule(
                in_name, security_group_id=group, ip_protocol="tcp",
                from_port=spec.port, to_port=spec.port, referenced_security_group_id=alb_sg.id,
                description=f"From the ALB on {spec.port}",
                tags=tagged(in_name), opts=child_opts(self))

        # -- load balancer ---------------------------------------------------------------------
        alb_name = f"{name}-alb"
        alb = aws.lb.LoadBalancer(
            alb_name,
            load_balancer_type="application",
            internal=False,
            subnets=cfg.public_subnet_ids,
            security_groups=[alb_sg.id],
            drop_invalid_header_fields=True,
            enable_deletion_protection=cfg.alb_deletion_protection,
            access_logs=(aws.lb.LoadBalancerAccessLogsArgs(
                bucket=cfg.alb_access_logs_bucket, enabled=True,
                prefix=cfg.alb_access_logs_prefix or name)
                if cfg.alb_access_logs_bucket is not None else None),
            tags=tagged(alb_name), opts=child_opts(self))
        if cfg.web_acl_arn is not None:
            aws.wafv2.WebAclAssociation(
                f"{name}-alb-waf", resource_arn=alb.arn, web_acl_arn=cfg.web_acl_arn,
                opts=child_opts(self))

        # -- certificate -----------------------------------------------------------------------
        self._certificate: aws.acm.Certificate | None = None
        if cfg.certificate_arn is not None:
            certificate_arn: pulumi.Input[str] = cfg.certificate_arn
        else:
            sans = sorted({s.public_host for s in routed if s.public_host} - {cfg.domain_name})
            cert_name = f"{name}-cert"
            cert = aws.acm.Certificate(
                cert_name, domain_name=cfg.domain_name,
                subject_alternative_names=sans or None, validation_method="DNS",
                tags=tagged(cert_name), opts=child_opts(self))
            self._certificate = cert
            records = []
            for i, domain in enumerate([cfg.domain_name, *sans]):
                option = cert.domain_validation_options.apply(
                    functools.partial(_validation_option, domain=domain))
                records.append(aws.route53.Record(
                    f"{name}-cert-validation-{i + 1}", zone_id=cfg.hosted_zone_id,
                    name=option.resource_record_name, type=option.resource_record_type,
                    records=[option.resource_record_value], ttl=60, allow_overwrite=True,
                    opts=child_opts(self)))
            validation = aws.acm.CertificateValidation(
                f"{name}-cert-validation", certificate_arn=cert.arn,
                validation_record_fqdns=[r.fqdn for r in records], opts=child_opts(self))
            certificate_arn = validation.certificate_arn

        # -- DNS: the public hosts point at the ALB ----------------------------------------------
        if cfg.create_dns_records and cfg.hosted_zone_id is not None:
            hosts = sorted({s.public_host for s in routed if s.public_host})
            for i, host in enumerate(hosts):
                aws.route53.Record(
                    f"{name}-alias-{i + 1}", zone_id=cfg.hosted_zone_id, name=host, type="A",
                    aliases=[aws.route53.RecordAliasArgs(
                        name=alb.dns_name, zone_id=alb.zone_id, evaluate_target_health=True)],
                    opts=child_opts(self))

        # -- target groups ---------------------------------------------------------------------
        target_groups: dict[str, aws.lb.TargetGroup] = {}
        for spec in routed:
            tg_name = f"{name}-{spec.name}"
            target_groups[spec.name] = aws.lb.TargetGroup(
                tg_name, vpc_id=cfg.vpc_id, target_type="ip", protocol="HTTP",
                port=spec.port, deregistration_delay=30,
                health_check=aws.lb.TargetGroupHealthCheckArgs(
                    enabled=True, protocol="HTTP", port="traffic-port",
                    path=spec.health_path or "/", matcher="200-399",
                    interval=15, timeout=5, healthy_threshold=2, unhealthy_threshold=3),
                tags=tagged(tg_name), opts=child_opts(self))

        # -- progressive delivery: the green target groups, ECS's role, the alarms -----------
        shape = cfg.traffic_shape
        green_groups: dict[str, aws.lb.TargetGroup] = {}
        lb_role: aws.iam.Role | None = None
        if shape is not None:
            for spec in routed:
                green_name = f"{name}-{spec.name}-green"
                # The green group shares the blue one's settings (AWS ECS developer guide,
                # "Application Load Balancer resources for blue/green deployments"); its AWS
                # name comes from a short prefix, since "<name>-<service>-green" with Pulumi's
                # suffix would pass the 32-character limit.
                green_groups[spec.name] = aws.lb.TargetGroup(
                    green_name, name_prefix=f"{spec.name[:4]}-", vpc_id=cfg.vpc_id,
                    target_type="ip", protocol="HTTP", port=spec.port, deregistration_delay=30,
                    health_check=aws.lb.TargetGroupHealthCheckArgs(
                        enabled=True, protocol="HTTP", port="traffic-port",
                        path=spec.health_path or "/", matcher="200-399",
                        interval=15, timeout=5, healthy_threshold=2, unhealthy_threshold=3),
                    tags=tagged(green_name), opts=child_opts(self))
            lb_role_name = f"{name}-ecs-lb"
            lb_role = aws.iam.Role(
                lb_role_name,
                assume_role_policy=service_trust_policy("ecs.amazonaws.com"),
                description=f"ECS shifts {name}'s release traffic between target groups",
                tags=tagged(lb_role_name), opts=child_opts(self))
            aws.iam.RolePolicyAttachment(
                f"{lb_role_name}-policy", role=lb_role.name,
                policy_arn=pulumi.Output.concat(
                    "arn:", partition, ":iam::aws:policy/", LOAD_BALANCER_ROLE_POLICY),
                opts=child_opts(self))

        # -- listeners and routing -------------------------------------------------------------
        default_spec = next((s for s in routed if s.public_host == cfg.domain_name
                             and route_path(s.public_path) == ""), None)
        if default_spec is not None and shape is None:
            default_action = aws.lb.ListenerDefaultActionArgs(
                type="forward", target_group_arn=target_groups[default_spec.name].arn)
        else:
            default_action = aws.lb.ListenerDefaultActionArgs(
                type="fixed-response",
                fixed_response=aws.lb.ListenerDefaultActionFixedResponseArgs(
                    content_type="text/plain", message_body="Not Found", status_code="404"))
        https_name = f"{name}-https"
        https = aws.lb.Listener(
            https_name, load_balancer_arn=alb.arn, port=443, protocol="HTTPS",
            ssl_policy=TLS_POLICY, certificate_arn=certificate_arn,
            default_actions=[default_action],
            tags=tagged(https_name), opts=child_opts(self))
        http_name = f"{name}-http"
        aws.lb.Listener(
            http_name, load_balancer_arn=alb.arn, port=80, protocol="HTTP",
            default_actions=[aws.lb.ListenerDefaultActionArgs(
                type="redirect", redirect=aws.lb.ListenerDefaultActionRedirectArgs(
                    port="443", protocol="HTTPS", status_code="HTTP_301"))],
            tags=tagged(http_name), opts=child_opts(self))

        # Longest paths first so a prefix never shadows a longer one; ties by name.
        # With a progressive rollout every routed service has a rule ECS can shift (the default
        # action cannot be a production listener rule).
        ruled = sorted((s for s in routed if s is not default_spec or shape is not None),
                       key=lambda s: (-len(route_path(s.public_path)), s.name))
        rules: dict[str, aws.lb.ListenerRule] = {}
        for i, spec in enumerate(ruled):
            conditions = [aws.lb.ListenerRuleConditionArgs(
                host_header=aws.lb.ListenerRuleConditionHostHeaderArgs(
                    values=[spec.public_host or cfg.domain_name]))]
            patterns = path_patterns(spec.public_path)
            if patterns:
                conditions.append(aws.lb.ListenerRuleConditionArgs(
                    path_pattern=aws.lb.ListenerRuleConditionPathPatternArgs(values=patterns)))
            rule_name = f"{name}-{spec.name}-rule"
            if spec.name in green_groups:
                # ECS rewrites the weights at every release (and leaves production on
                # whichever group won): the declared action is the starting point only.
                action = aws.lb.ListenerRuleActionArgs(
                    type="forward", forward=aws.lb.ListenerRuleActionForwardArgs(
                        target_groups=[
                            aws.lb.ListenerRuleActionForwardTargetGroupArgs(
                                arn=target_groups[spec.name].arn, weight=100),
                            aws.lb.ListenerRuleActionForwardTargetGroupArgs(
                                arn=green_groups[spec.name].arn, weight=0)]))
                rule_opts = child_opts(self, ignore_changes=["actions"])
            else:
                action = aws.lb.ListenerRuleActionArgs(
                    type="forward", target_group_arn=target_groups[spec.name].arn)
                rule_opts = child_opts(self)
            rules[spec.name] = aws.lb.ListenerRule(
                rule_name, listener_arn=https.arn, priority=100 + 10 * i,
                actions=[action], conditions=conditions,
                tags=tagged(rule_name), opts=rule_opts)

        # -- per-service resources -------------------------------------------------------------
        task_trust = service_trust_policy(
            "ecs-tasks.amazonaws.com", account_id=account_id,
            source_arn=pulumi.Output.concat(
                "arn:", partition, ":ecs:", region, ":", account_id, ":*"))

        service_names: list[pulumi.Output[str]] = []
        for spec in cfg.services:
            svc = f"{name}-{spec.name}"

            log_group_name = f"{svc}-logs"
            log_group = aws.cloudwatch.LogGroup(
                log_group_name, name=f"/ecs/{name}/{spec.name}",
                retention_in_days=cfg.log_retention_days, kms_key_id=cfg.log_kms_key_arn,
                tags=tagged(log_group_name), opts=child_opts(self))

            # Execution role: pull the image, write its own log streams, read its secrets.
            execution_role_name = f"{svc}-execution"
            execution_role = aws.iam.Role(
                execution_role_name, assume_role_policy=task_trust,
                description=f"ECS agent for {svc}: image pull, logs, its secrets",
                tags=tagged(execution_role_name), opts=child_opts(self))
            statements: list[dict[str, Any]] = []
            repository_arn = ecr_repository_arn(spec.image_repository)
            if repository_arn is not None:
                statements += [
                    {"Sid": "EcrAuth", "Effect": "Allow",
                     "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
                    {"Sid": "EcrPull", "Effect": "Allow",
                     "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage",
                                "ecr:GetDownloadUrlForLayer"],
                     "Resource": repository_arn},
                ]
            statements.append({
                "Sid": "Logs", "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": pulumi.Output.concat(log_group.arn, ":log-stream:*")})
            secret_arns = _distinct([ref["secret_id"] for _, ref in sorted(spec.secrets.items())])
            if secret_arns:
                statements.append({
                    "Sid": "Secrets", "Effect": "Allow",
                    "Action": "secretsmanager:GetSecretValue", "Resource": secret_arns})
                secret_keys = _distinct(list(cfg.secret_kms_key_arns))
                if secret_keys:
                    statements.append({
                        "Sid": "SecretsKey", "Effect": "Allow", "Action": "kms:Decrypt",
                        "Resource": secret_keys[0] if len(secret_keys) == 1 else secret_keys,
                        "Condition": {"StringEquals": {"kms:ViaService": pulumi.Output.concat(
                            "secretsmanager.", region, ".amazonaws.com")}}})
            aws.iam.RolePolicy(
                f"{execution_role_name}-policy", role=execution_role.id,
                policy=pulumi.Output.json_dumps(
                    {"Version": "2012-10-17", "Statement": statements}),
                opts=child_opts(self))

            # Task role: what the application itself may do; nothing unless given.
            task_role_name = f"{svc}-task"
            task_role = aws.iam.Role(
                task_role_name, assume_role_policy=task_trust,
                description=f"Application role of {svc}",
                tags=tagged(task_role_name), opts=child_opts(self))
            task_statements = cfg.task_role_statements.get(spec.name) or ()
            if task_statements:
                aws.iam.RolePolicy(
                    f"{task_role_name}-policy", role=task_role.id,
                    policy=pulumi.Output.json_dumps({
                        "Version": "2012-10-17",
                        "Statement": [dict(s) for s in task_statements]}),
                    opts=child_opts(self))

            container: dict[str, Any] = {
                "name": spec.name,
                "image": image_reference(spec.image_repository, spec.image_tag),
                "essential": True,
                "readonlyRootFilesystem": True,
                "mountPoints": [{"sourceVolume": "tmp", "containerPath": "/tmp",
                                 "readOnly": False}],
                "linuxParameters": {"initProcessEnabled": True},
                "environment": [{"name": k, "value": v}
                                for k, v in sorted(spec.environment.items())],
                "secrets": [{"name": k,
                             "valueFrom": secret_value_from(ref["secret_id"], ref.get("key"))}
                            for k, ref in sorted(spec.secrets.items())],
                "logConfiguration": {"logDriver": "awslogs", "options": {
                    "awslogs-group": log_group.name,
                    "awslogs-region": region,
                    "awslogs-stream-prefix": spec.name,
                }},
            }
            if spec.port is not None:
                container["portMappings"] = [{"name": spec.name, "containerPort": spec.port,
                                              "protocol": "tcp"}]
            task_def_name = f"{svc}-task-def"
            task_definition = aws.ecs.TaskDefinition(
                task_def_name, family=svc,
                requires_compatibilities=["FARGATE"], network_mode="awsvpc",
                cpu=str(spec.cpu), memory=str(spec.memory),
                runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
                    operating_system_family="LINUX",
                    cpu_architecture=cfg.cpu_architecture.value),
                execution_role_arn=execution_role.arn, task_role_arn=task_role.arn,
                volumes=[aws.ecs.TaskDefinitionVolumeArgs(name="tmp")],
                container_definitions=pulumi.Output.json_dumps([container]),
                tags=tagged(task_def_name), opts=child_opts(self))

            served = spec.name in target_groups
            progressive = spec.name in green_groups
            load_balancer: aws.ecs.ServiceLoadBalancerArgs | None = None
            deployment: aws.ecs.ServiceDeploymentConfigurationArgs | None = None
            alarms: aws.ecs.ServiceAlarmsArgs | None = None
            if served and spec.port is not None:
                advanced = None
                if progressive and lb_role is not None:
                    advanced = aws.ecs.ServiceLoadBalancerAdvancedConfigurationArgs(
                        alternate_target_group_arn=green_groups[spec.name].arn,
                        production_listener_rule=rules[spec.name].arn,
                        role_arn=lb_role.arn)
                load_balancer = aws.ecs.ServiceLoadBalancerArgs(
                    target_group_arn=target_groups[spec.name].arn,
                    container_name=spec.name, container_port=spec.port,
                    advanced_configuration=advanced)
            if progressive and shape is not None:
                deployment = _deployment_configuration(shape, cfg.rollout["bake_minutes"])
                alarm_names = [
                    alarm.name for alarm in _deployment_alarms(
                        self, svc, cfg.rollout, alb.arn_suffix,
                        {"blue": target_groups[spec.name].arn_suffix,
                         "green": green_groups[spec.name].arn_suffix},
                        tagged)]
                alarms = aws.ecs.ServiceAlarmsArgs(
                    alarm_names=alarm_names, enable=True, rollback=True)
            service = aws.ecs.Service(
                svc,
                cluster=cluster.arn,
                task_definition=task_definition.arn,
                launch_type="FARGATE",
                platform_version="LATEST",
                desired_count=spec.replicas,
                network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
                    subnets=cfg.private_subnet_ids,
                    security_groups=[cfg.service_security_group_ids[spec.name]],
                    assign_public_ip=False),
                deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(
                    enable=True, rollback=True),
                deployment_minimum_healthy_percent=100,
                deployment_maximum_percent=200,
                deployment_configuration=deployment,
                alarms=alarms,
                load_balancers=[load_balancer] if load_balancer is not None else None,
                health_check_grace_period_seconds=(
                    cfg.health_check_grace_period_seconds if served else None),
                propagate_tags="SERVICE",
                enable_ecs_managed_tags=True,
                enable_execute_command=False,
                tags=tagged(svc),
                opts=child_opts(
                    self, ignore_changes=["desiredCount"],
                    depends_on=([https, *([rules[spec.name]] if spec.name in rules else [])]
                                if served else None)))
            service_names.append(service.name)

            scaling_name = f"{svc}-scaling"
            target = aws.appautoscaling.Target(
                scaling_name, service_namespace="ecs",
                scalable_dimension="ecs:service:DesiredCount",
                resource_id=pulumi.Output.concat("service/", cluster.name, "/", service.name),
                min_capacity=spec.min_replicas, max_capacity=spec.max_replicas,
                tags=tagged(scaling_name), opts=child_opts(self))
            aws.appautoscaling.Policy(
                f"{svc}-cpu", policy_type="TargetTrackingScaling",
                service_namespace=target.service_namespace,
                scalable_dimension=target.scalable_dimension,
                resource_id=target.resource_id,
                target_tracking_scaling_policy_configuration=(
                    aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs(
                        predefined_metric_specification=(
                            aws.appautoscaling
                            .PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs(
                                predefined_metric_type="ECSServiceAverageCPUUtilization")),
                        target_value=float(spec.target_cpu_percent),
                        scale_in_cooldown=300, scale_out_cooldown=60)),
                opts=child_opts(self))

        self.service_names = pulumi.Output.all(*service_names).apply(list)
        self.green_target_group_arns = pulumi.Output.all(
            **{n: tg.arn for n, tg in green_groups.items()}).apply(dict)
        self.target_group_arns = pulumi.Output.all(
            **{n: tg.arn for n, tg in target_groups.items()}).apply(dict)
        self.cluster_name = cluster.name
        self.cluster_arn = cluster.arn
        self.load_balancer_arn = alb.arn
        self.load_balancer_dns_name = alb.dns_name
        self.load_balancer_zone_id = alb.zone_id
        self.alb_security_group_id = alb_sg.id
        self.https_listener_arn = https.arn
        self.certificate_arn = pulumi.Output.from_input(certificate_arn)
        self.url = pulumi.Output.from_input(f"https://{cfg.domain_name}")
        self.register_outputs({
            "cluster_name": self.cluster_name,
            "cluster_arn": self.cluster_arn,
            "load_balancer_arn": self.load_balancer_arn,
            "load_balancer_dns_name": self.load_balancer_dns_name,
            "load_balancer_zone_id": self.load_balancer_zone_id,
            "alb_security_group_id": self.alb_security_group_id,
            "https_listener_arn": self.https_listener_arn,
            "service_names": self.service_names,
            "target_group_arns": self.target_group_arns,
            "green_target_group_arns": self.green_target_group_arns,
            "certificate_arn": self.certificate_arn,
            "url": self.url,
        })



def _deployment_configuration(shape: EcsTrafficShape, bake_minutes: int,
                              ) -> aws.ecs.ServiceDeploymentConfigurationArgs:
    """ECS's native strategy for `shape`: each step (and the end, before the old revision is
    stopped) bakes `bake_minutes` while the deployment alarms watch."""
    bake = str(bake_minutes)
    if shape.strategy == "CANARY":
        return aws.ecs.ServiceDeploymentConfigurationArgs(
            strategy="CANARY", bake_time_in_minutes=bake,
            canary_configuration=aws.ecs.ServiceDeploymentConfigurationCanaryConfigurationArgs(
                canary_percent=shape.percent, canary_bake_time_in_minutes=bake))
    if shape.strategy == "LINEAR":
        return aws.ecs.ServiceDeploymentConfigurationArgs(
            strategy="LINEAR", bake_time_in_minutes=bake,
            linear_configuration=aws.ecs.ServiceDeploymentConfigurationLinearConfigurationArgs(
                step_percent=shape.percent, step_bake_time_in_minutes=bake))
    return aws.ecs.ServiceDeploymentConfigurationArgs(
        strategy="BLUE_GREEN", bake_time_in_minutes=bake)


def _deployment_alarms(parent: pulumi.Resource, svc: str, rollout: RolloutSpec,
                       alb_suffix: pulumi.Input[str],
                       groups: dict[str, pulumi.Input[str]],
                       tagged: Any) -> list[aws.cloudwatch.MetricAlarm]:
    """The alarms that stop and roll back a release of `svc`: per target group (`groups`:
    color -> ARN suffix), its 5xx rate (metric math over HTTPCode_Target_5XX_Count and
    RequestCount) and its UnHealthyHostCount. ALB metrics and dimensions: AWS ELB user guide,
    "CloudWatch metrics for your Application Load Balancer" (read 2026-12-02)."""
    periods = rollout["evaluation_minutes"]
    alarms: list[aws.cloudwatch.MetricAlarm] = []
    for color, group in groups.items():
        dimensions = {"TargetGroup": group, "LoadBalancer": alb_suffix}

        def metric(query_id: str, metric_name: str, stat: str,
                   dims: dict[str, pulumi.Input[str]] = dimensions,
                   ) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
            return aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id=query_id, return_data=False,
                metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                    namespace="AWS/ApplicationELB", metric_name=metric_name,
                    dimensions=dims, period=ALARM_PERIOD_SECONDS, stat=stat))

        rate_name = f"{svc}-{color}-5xx"
        alarms.append(aws.cloudwatch.MetricAlarm(
            rate_name,
            alarm_description=(
                f"{svc} ({color} target group): more than {rollout['http_5xx_percent']:g}% of "
                f"responses are 5xx for {periods} minute(s); during a release ECS stops it and "
                "rolls back (docs/DEPLOYMENT.md, \"Progressive delivery\")"),
            metric_queries=[
                metric("m1", "HTTPCode_Target_5XX_Count", "Sum"),
                metric("m2", "RequestCount", "Sum"),
                aws.cloudwatch.MetricAlarmMetricQueryArgs(
                    id="rate", expression=FIVE_XX_RATE_EXPRESSION,
                    label="5xx rate (percent)", return_data=True),
            ],
            comparison_operator="GreaterThanThreshold",
            threshold=float(rollout["http_5xx_percent"]),
            evaluation_periods=periods, datapoints_to_alarm=periods,
            treat_missing_data="notBreaching",
            tags=tagged(rate_name), opts=child_opts(parent)))
        unhealthy_name = f"{svc}-{color}-unhealthy"
        alarms.append(aws.cloudwatch.MetricAlarm(
            unhealthy_name,
            alarm_description=(
                f"{svc} ({color} target group): at least {rollout['unhealthy_targets']} "
                f"target(s) fail the health check for {periods} minute(s); during a release "
                "ECS stops it and rolls back"),
            namespace="AWS/ApplicationELB", metric_name="UnHealthyHostCount",
            dimensions=dimensions, statistic="Maximum", period=ALARM_PERIOD_SECONDS,
            comparison_operator="GreaterThanOrEqualToThreshold",
            threshold=float(rollout["unhealthy_targets"]),
            evaluation_periods=periods, datapoints_to_alarm=periods,
            treat_missing_data="notBreaching",
            tags=tagged(unhealthy_name), opts=child_opts(parent)))
    return alarms
