"""AWS: which price each resource of a plan takes, and how much of it (prices in prices/aws.yaml).

Every resource type the stacks create is in exactly one of `PRICED` (a rule below turns its
inputs into lines), `FREE` (no charge, with the reason) or `NOT_PRICED` (a charge this
estimator does not compute, with the reason); tests/cost/test_coverage.py fails when a type
appears in none. Quantities come from the plan's inputs (instance classes, counts, Multi-AZ,
storage, scaling), implied resources from rendered Helm objects (an Ingress's load balancer,
PersistentVolumeClaims), and usage-based lines from the stack's usage profile.
"""

from __future__ import annotations

import math
import re

from forge_infra.cost.engine import (
    CostContext,
    PriceRule,
    as_number,
    price_resources,
    register,
    rule_registrar,
)
from forge_infra.plan.model import PlanResource

GB_PER_KB = 1e-6
DAYS_PER_MONTH = 30
#: Always-free internet egress a month, aggregated across services (prices/aws.yaml note).
FREE_EGRESS_GB = 100.0
#: CloudFront's always-free tier a month: 1 TB out and 10M requests.
CLOUDFRONT_FREE_GB = 1000.0
CLOUDFRONT_FREE_REQUESTS = 10_000_000
#: CloudFront Functions' always-free invocations a month.
CLOUDFRONT_FUNCTIONS_FREE = 2_000_000
#: A log group that never expires is counted as holding this many months of logs.
NEVER_EXPIRES_MONTHS = 12

FREE: dict[str, str] = {
    "aws:acm/certificate:Certificate": "public certificates used by ALB/CloudFront are free",
    "aws:acm/certificateValidation:CertificateValidation": "a validation workflow, no charge",
    "aws:appautoscaling/policy:Policy": "no charge (the tasks it adds are priced as the "
                                        "service's ceiling)",
    "aws:appautoscaling/target:Target": "no charge (its minimum and maximum price the service)",
    "aws:backup/plan:Plan": "no charge (the recovery points are priced on their vault)",
    "aws:backup/selection:Selection": "no charge",
    "aws:budgets/budget:Budget": "the first two budgets of an account are free (one per stack)",
    "aws:cloudfront/originAccessControl:OriginAccessControl": "no charge",
    "aws:costexplorer/anomalyMonitor:AnomalyMonitor": "Cost Anomaly Detection is free",
    "aws:costexplorer/anomalySubscription:AnomalySubscription": "Cost Anomaly Detection is free",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "no charge",
    "aws:ec2/flowLog:FlowLog": "its log ingestion is priced on its log group",
    "aws:ec2/internetGateway:InternetGateway": "no charge (egress priced as data transfer)",
    "aws:ec2/launchTemplate:LaunchTemplate": "no charge (its volumes are priced per node)",
    "aws:ec2/networkInterface:NetworkInterface": "private ENI, no charge",
    "aws:ec2/route:Route": "no charge",
    "aws:ec2/routeTable:RouteTable": "no charge",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "no charge",
    "aws:ec2/securityGroup:SecurityGroup": "no charge",
    "aws:ec2/subnet:Subnet": "no charge",
    "aws:ec2/volumeAttachment:VolumeAttachment": "no charge (the volume is priced)",
    "aws:ec2/vpc:Vpc": "no charge",
    "aws:ecs/cluster:Cluster": "no charge on Fargate (tasks are priced per service)",
    "aws:ecs/taskDefinition:TaskDefinition": "no charge (priced per service's tasks)",
    "aws:eks/addon:Addon": "no charge (its pods run on the priced nodes)",
    "aws:elasticache/subnetGroup:SubnetGroup": "no charge",
    "aws:iam/instanceProfile:InstanceProfile": "IAM is free",
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": "IAM is free",
    "aws:iam/role:Role": "IAM is free",
    "aws:iam/rolePolicy:RolePolicy": "IAM is free",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "IAM is free",
    "aws:kms/alias:Alias": "no charge (the key is priced)",
    "aws:lambda/function:Function": "runs once per deployment: within Lambda's always-free "
                                    "tier (1M requests, 400,000 GB-s a month)",
    "aws:lambda/invocation:Invocation": "one invocation per deployment, within the free tier",
    "aws:lb/listener:Listener": "no charge (the load balancer is priced)",
    "aws:lb/listenerRule:ListenerRule": "no charge (the load balancer is priced)",
    "aws:lb/targetGroup:TargetGroup": "no charge (the load balancer is priced)",
    "aws:msk/configuration:Configuration": "no charge",
    "aws:msk/scramSecretAssociation:ScramSecretAssociation": "no charge (the secret is priced)",
    "aws:rds/parameterGroup:ParameterGroup": "no charge",
    "aws:rds/subnetGroup:SubnetGroup": "no charge",
    "aws:route53/record:Record": "records are free; alias queries to CloudFront and load "
                                 "balancers are free; the hosted zone is not created by the "
                                 "stack (hosted_zone_id)",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": "no charge",
    "aws:s3/bucketLogging:BucketLogging": "no charge (log objects are stored in a bucket)",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": "no charge",
    "aws:s3/bucketPolicy:BucketPolicy": "no charge",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "no charge",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration":
        "no charge (SSE-KMS requests priced with the key's usage, not estimated)",
    "aws:s3/bucketVersioning:BucketVersioning": "no charge (versions count as storage)",
    "aws:secretsmanager/secretVersion:SecretVersion": "no charge (the secret is priced)",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "no charge",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "no charge",
    "kubernetes:core/v1:Namespace": "a Kubernetes object, no AWS charge",
    "kubernetes:external-secrets.io/v1:ClusterSecretStore": "a Kubernetes object, no AWS "
                                                            "charge",
    "random:index/randomId:RandomId": "computed locally by Pulumi",
    "random:index/randomPassword:RandomPassword": "computed locally by Pulumi",
    "tls:index/certRequest:CertRequest": "computed locally by Pulumi (no certificate authority "
                                         "service)",
    "tls:index/locallySignedCert:LocallySignedCert": "computed locally by Pulumi (no "
                                                     "certificate authority service)",
    "tls:index/privateKey:PrivateKey": "computed locally by Pulumi",
    "tls:index/selfSignedCert:SelfSignedCert": "computed locally by Pulumi (no certificate "
                                               "authority service)",
}

#: Types with a charge this estimator does not compute (reported "not priced" with the reason).
#: Empty today: every type the stacks create is priced or free; parts of a priced resource that
#: are not computed (a root volume sized by its AMI, NLB capacity units) are reported per
#: resource.
NOT_PRICED: dict[str, str] = {
    "aws:backup/vault:Vault": (
        "a vault is free; its recovery points are billed per GB-month of backup storage and "
        "their cross-region copies per GB transferred "
        "(https://aws.amazon.com/backup/pricing/), which depend on the data's size and "
        "change rate, not on the plan"),
}

PRICED: dict[str, PriceRule] = {}
_rule = rule_registrar(PRICED)


_size = as_number


# -- usage -------------------------------------------------------------------------------------


def requests_per_month(context: CostContext) -> float:
    """Requests a month under the usage profile."""
    return context.usage.calls_per_day * DAYS_PER_MONTH


def egress_gb(context: CostContext) -> float:
    """GB a month sent to clients under the usage profile."""
    return requests_per_month(context) * context.usage.response_kb * GB_PER_KB


def _has(context: CostContext, type_token: str) -> bool:
    return any(r.type == type_token for r in context.plan.custom_resources())


# -- compute -----------------------------------------------------------------------------------


def _ec2_key(instance_type: str) -> str:
    return f"ec2.linux.{instance_type}.on_demand"


def _ebs(context: CostContext, resource: PlanResource, what: str, size_gb: float,
         volume_type: str, count: float = 1, ceiling_count: float | None = None,
         iops: float = 0, throughput: float = 0) -> None:
    if volume_type != "gp3":
        context.not_priced(resource, f"{what}: EBS type {volume_type} is not in the table")
        return
    context.add(resource, f"{what}: gp3 storage", size_gb * count, "ebs.gp3.storage",
                ceiling_quantity=None if ceiling_count is None else size_gb * ceiling_count)
    if iops > 3000:
        context.add(resource, f"{what}: gp3 IOPS above 3000", (iops - 3000) * count,
                    "ebs.gp3.iops_over_3000")
    if throughput > 125:
        context.add(resource, f"{what}: gp3 throughput above 125 MB/s",
                    (throughput - 125) * count, "ebs.gp3.throughput_over_125mbps")


@_rule("aws:eks/cluster:Cluster")
def _eks_cluster(context: CostContext, r: PlanResource) -> None:
    from forge_components.aws.versions import SupportStatus, check

    version = str(r.props.get("version") or "")
    status = check("eks", version, context.today).status if version else None
    if status is SupportStatus.ENDED:
        context.not_priced(r, f"Kubernetes {version} is past extended support on "
                              f"{context.today}: EKS can no longer create it")
    elif status is SupportStatus.EXTENDED:
        context.add(r, f"EKS control plane, Kubernetes {version} in extended support",
                    context.hours, "eks.extended_support.cluster")
    else:
        context.add(r, f"EKS control plane, Kubernetes {version or '(default)'} in standard "
                       "support", context.hours, "eks.standard_support.cluster")


@_rule("aws:eks/nodeGroup:NodeGroup")
def _eks_nodes(context: CostContext, r: PlanResource) -> None:
    scaling = r.props.get("scalingConfig") or {}
    low = _size(scaling.get("minSize"), 1)
    high = _size(scaling.get("maxSize"), low)
    types = r.props.get("instanceTypes") or []
    if r.props.get("capacityType", "ON_DEMAND") != "ON_DEMAND" or not types:
        context.not_priced(r, "spot or unspecified capacity is not estimated")
        return
    instance = str(types[0])
    context.add(r, f"{instance} nodes (min {low:g}, max {high:g}; cluster-autoscaler)",
                low * context.hours, _ec2_key(instance), ceiling_quantity=high * context.hours)
    template_id = (r.props.get("launchTemplate") or {}).get("id")
    template = next((t for t in context.plan.custom_resources()
                     if t.type == "aws:ec2/launchTemplate:LaunchTemplate"
                     and t.id == template_id), None)
    for mapping in (template.props.get("blockDeviceMappings") or []) if template else []:
        ebs = mapping.get("ebs") or {}
        _ebs(context, r, f"node volume {mapping.get('deviceName', '')}",
             _size(ebs.get("volumeSize")), str(ebs.get("volumeType", "gp3")), count=low,
             ceiling_count=high, iops=_size(ebs.get("iops")),
             throughput=_size(ebs.get("throughput")))


@_rule("aws:ec2/instance:Instance")
def _instance(context: CostContext, r: PlanResource) -> None:
    instance = str(r.props.get("instanceType"))
    context.add(r, f"{instance} instance", context.hours, _ec2_key(instance))
    root = r.props.get("rootBlockDevice") or {}
    if "volumeSize" in root:
        _ebs(context, r, "root volume", _size(root["volumeSize"]),
             str(root.get("volumeType", "gp3")), iops=_size(root.get("iops")),
             throughput=_size(root.get("throughput")))
    else:
        context.not_priced(r, "root volume: its size comes from the AMI, not the plan")
    if r.props.get("monitoring") is True:
        context.not_priced(r, "detailed monitoring: CloudWatch bills the instance's one-minute "
                              "metrics per metric-month, not estimated")


@_rule("aws:ebs/volume:Volume")
def _volume(context: CostContext, r: PlanResource) -> None:
    _ebs(context, r, "volume", _size(r.props.get("size")), str(r.props.get("type", "gp3")),
         iops=_size(r.props.get("iops")), throughput=_size(r.props.get("throughput")))


@_rule("aws:ecs/service:Service")
def _ecs_service(context: CostContext, r: PlanResource) -> None:
    resources = context.plan.custom_resources()
    task = next((t for t in resources if t.type == "aws:ecs/taskDefinition:TaskDefinition"
                 and t.outputs.get("arn") == r.props.get("taskDefinition")), None)
    if task is None or r.props.get("launchType") != "FARGATE":
        context.not_priced(r, "only Fargate services with a task definition in the plan are "
                              "priced")
        return
    target = next((t for t in resources if t.type == "aws:appautoscaling/target:Target"
                   and r.urn in t.dependencies), None)
    desired = _size(r.props.get("desiredCount"), 1)
    low = _size(target.props.get("minCapacity"), desired) if target else desired
    high: float | None = _size(target.props.get("maxCapacity"), low) if target else None
    if high == low:  # a target pinned at the desired count: no autoscaling range to show
        high = None
    vcpu = _size(task.props.get("cpu")) / 1024
    memory_gb = _size(task.props.get("memory")) / 1024
    arch = (task.props.get("runtimePlatform") or {}).get("cpuArchitecture", "X86_64")
    family = "linux_arm" if arch == "ARM64" else "linux_x86"
    scaling = (f"{low:g} tasks" if high is None
               else f"{low:g} tasks (autoscaling {low:g}..{high:g})")
    label = "Arm" if family == "linux_arm" else "x86"
    context.add(r, f"Fargate {label} vCPU, {vcpu:g} x {scaling}", vcpu * low * context.hours,
                f"fargate.{family}.vcpu",
                ceiling_quantity=None if high is None else vcpu * high * context.hours)
    context.add(r, f"Fargate {label} memory, {memory_gb:g} GB x {scaling}",
                memory_gb * low * context.hours, f"fargate.{family}.memory",
                ceiling_quantity=None if high is None else memory_gb * high * context.hours)


# -- network -----------------------------------------------------------------------------------


@_rule("aws:ec2/natGateway:NatGateway")
def _nat(context: CostContext, r: PlanResource) -> None:
    context.add(r, "NAT gateway", context.hours, "vpc.nat_gateway.hour")
    gateways = [g for g in context.plan.custom_resources() if g.type == r.type]
    share = context.usage.nat_gb_per_month / max(len(gateways), 1)
    context.add(r, "NAT data processed (usage profile, shared across gateways)", share,
                "vpc.nat_gateway.data_processed", usage=True)


@_rule("aws:ec2/eip:Eip")
def _eip(context: CostContext, r: PlanResource) -> None:
    context.add(r, "public IPv4 address", context.hours, "vpc.public_ipv4.address")


@_rule("aws:ec2/vpcEndpoint:VpcEndpoint")
def _endpoint(context: CostContext, r: PlanResource) -> None:
    kind = r.props.get("vpcEndpointType", "Gateway")
    if kind == "Gateway":
        context.free(r, "gateway endpoints (S3, DynamoDB) are free")
        return
    zones = len(r.props.get("subnetIds") or []) or 1
    context.add(r, f"interface endpoint in {zones} AZ(s)", zones * context.hours,
                "vpc.interface_endpoint.per_az")


def _load_balancer(context: CostContext, r: PlanResource, kind: str, public: bool,
                   zones: int, what: str) -> None:
    key = "elb.alb.hour" if kind == "application" else "elb.nlb.hour"
    name = "ALB" if kind == "application" else "NLB"
    context.add(r, f"{what}{name}", context.hours, key)
    if public:
        context.add(r, f"{what}{name} public IPv4, one per AZ ({zones})", zones * context.hours,
                    "vpc.public_ipv4.address")
    if kind == "application":
        context.add(r, f"{what}{name} capacity units (usage profile)",
                    context.usage.load_balancer_lcu * context.hours, "elb.alb.lcu", usage=True)
    else:
        context.not_priced(r, f"{what}NLB capacity units (NLCU) are not estimated")
    if not _has(context, "aws:cloudfront/distribution:Distribution"):
        billable = max(egress_gb(context) - FREE_EGRESS_GB, 0.0)
        context.add(r, f"internet egress through the {name} (usage profile, "
                       f"{FREE_EGRESS_GB:g} GB free)", billable,
                    "data_transfer.internet_out.first_10tb", usage=True)


@_rule("aws:lb/loadBalancer:LoadBalancer")
def _lb(context: CostContext, r: PlanResource) -> None:
    _load_balancer(context, r, str(r.props.get("loadBalancerType", "application")),
                   not r.props.get("internal", False), len(r.props.get("subnets") or []) or 2,
                   "")


# -- data --------------------------------------------------------------------------------------


@_rule("aws:rds/instance:Instance")
def _rds(context: CostContext, r: PlanResource) -> None:
    engine = str(r.props.get("engine", "postgres"))
    klass = str(r.props.get("instanceClass"))
    multi = bool(r.props.get("multiAz"))
    az = "multi_az" if multi else "single_az"
    label = "Multi-AZ" if multi else "Single-AZ"
    context.add(r, f"{klass} {engine} {label} instance", context.hours,
                f"rds.{engine}.{klass}.{az}")
    storage = str(r.props.get("storageType", "gp3"))
    size = _size(r.props.get("allocatedStorage"))
    if storage == "gp3":
        context.add(r, f"gp3 storage {label}", size, f"rds.storage.gp3.{az}")
    else:
        context.not_priced(r, f"{storage} storage is not in the table")
    if _size(r.props.get("iops")) or _size(r.props.get("storageThroughput")):
        context.not_priced(r, "provisioned IOPS and throughput above the gp3 baseline are not "
                              "estimated")
    if r.props.get("performanceInsightsEnabled"):
        context.assumptions.append(f"{r.name}: Performance Insights on its free 7-day "
                                   "retention")


@_rule("aws:elasticache/replicationGroup:ReplicationGroup")
def _cache(context: CostContext, r: PlanResource) -> None:
    engine = str(r.props.get("engine", "redis"))
    node = str(r.props.get("nodeType"))
    if "numCacheClusters" in r.props:
        nodes = _size(r.props["numCacheClusters"], 1)
    else:
        nodes = (_size(r.props.get("numNodeGroups"), 1)
                 * (1 + _size(r.props.get("replicasPerNodeGroup"), 0)))
    context.add(r, f"{node} {engine} nodes ({nodes:g})", nodes * context.hours,
                f"elasticache.{engine}.{node}.node")
    days = _size(r.props.get("snapshotRetentionLimit"))
    if days == 1:
        context.assumptions.append(f"{r.name}: snapshots within the free allowance "
                                   "(one day of backup storage per cluster)")
    elif days:
        context.assumptions.append(
            f"{r.name}: {days:g} days of snapshots; one is free (one day of backup storage "
            f"per cluster), the other {days - 1:g} are not priced: their size is the data the "
            "cache holds, unknown offline")


@_rule("aws:msk/cluster:Cluster")
def _msk(context: CostContext, r: PlanResource) -> None:
    brokers = _size(r.props.get("numberOfBrokerNodes"), 1)
    info = r.props.get("brokerNodeGroupInfo") or {}
    instance = str(info.get("instanceType", ""))
    size = _size(((info.get("storageInfo") or {}).get("ebsStorageInfo") or {})
                 .get("volumeSize"))
    context.add(r, f"{instance} brokers ({brokers:g})", brokers * context.hours,
                f"msk.{instance}.broker")
    context.add(r, f"broker storage, {size:g} GB x {brokers:g}", size * brokers, "msk.storage")


@_rule("aws:s3/bucket:Bucket")
def _bucket(context: CostContext, r: PlanResource) -> None:
    buckets = [b for b in context.plan.custom_resources() if b.type == r.type]
    share = context.usage.object_storage_gb / max(len(buckets), 1)
    context.add(r, "S3 Standard storage (usage profile, shared across buckets)", share,
                "s3.standard.storage_first_50tb", usage=True)


# -- edge --------------------------------------------------------------------------------------


@_rule("aws:cloudfront/distribution:Distribution")
def _cloudfront(context: CostContext, r: PlanResource) -> None:
    requests = requests_per_month(context)
    context.add(r, f"CloudFront egress (usage profile, {CLOUDFRONT_FREE_GB:g} GB free)",
                max(egress_gb(context) - CLOUDFRONT_FREE_GB, 0.0),
                "cloudfront.data_transfer_out.us_mexico_canada.first_10tb", usage=True)
    context.add(r, "CloudFront HTTPS requests (usage profile, 10M free), per 10k",
                max(requests - CLOUDFRONT_FREE_REQUESTS, 0.0) / 10_000,
                "cloudfront.requests.https.us_mexico_canada", usage=True)


@_rule("aws:cloudfront/function:Function")
def _cloudfront_function(context: CostContext, r: PlanResource) -> None:
    context.add(r, "CloudFront Functions invocations (usage profile, 2M free), per 1M",
                max(requests_per_month(context) - CLOUDFRONT_FUNCTIONS_FREE, 0.0) / 1e6,
                "cloudfront.functions.invocations", usage=True)


@_rule("aws:wafv2/webAcl:WebAcl")
def _waf(context: CostContext, r: PlanResource) -> None:
    rules = len(r.props.get("rules") or [])
    context.add(r, "WAF web ACL", 1, "wafv2.web_acl")
    context.add(r, f"WAF rules and rule groups ({rules})", rules, "wafv2.rule")
    context.add(r, "WAF requests inspected (usage profile), per 1M",
                requests_per_month(context) / 1e6, "wafv2.requests", usage=True)


# -- security and operations -------------------------------------------------------------------


@_rule("aws:kms/key:Key")
def _kms(context: CostContext, r: PlanResource) -> None:
    context.add(r, "customer managed key", 1, "kms.customer_managed_key")


@_rule("aws:secretsmanager/secret:Secret")
def _secret(context: CostContext, r: PlanResource) -> None:
    context.add(r, "secret", 1, "secretsmanager.secret")


@_rule("aws:cloudwatch/metricAlarm:MetricAlarm")
def _alarm(context: CostContext, r: PlanResource) -> None:
    # CloudWatch prices an alarm per metric it evaluates: a metric-math alarm over two
    # metrics is two alarm metrics (https://aws.amazon.com/cloudwatch/pricing/, "Alarms").
    queries = r.props.get("metricQueries") or []
    metrics = sum(1 for q in queries if isinstance(q, dict) and q.get("metric"))
    context.add(r, "metric alarm" if metrics <= 1 else f"metric alarm ({metrics} metrics)",
                max(metrics, 1), "cloudwatch.alarm.standard")


@_rule("aws:cloudwatch/logGroup:LogGroup")
def _logs(context: CostContext, r: PlanResource) -> None:
    groups = [g for g in context.plan.custom_resources() if g.type == r.type]
    ingest = context.usage.log_gb_per_month / max(len(groups), 1)
    days = _size(r.props.get("retentionInDays"))
    months = days / DAYS_PER_MONTH if days else NEVER_EXPIRES_MONTHS
    context.add(r, "log ingestion (usage profile, shared across log groups)", ingest,
                "cloudwatch.logs.ingestion_standard", usage=True)
    retention = f"{days:g}-day retention" if days else "never expires: 12 months counted"
    context.add(r, f"log storage at steady state ({retention})", ingest * months,
                "cloudwatch.logs.storage", usage=True)


# -- Kubernetes: what rendered charts imply ----------------------------------------------------

_QUANTITY = re.compile(r"^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|K|M|G|T)?$")
_GIB = {"Ki": 1 / 1024 ** 2, "Mi": 1 / 1024, "Gi": 1, "Ti": 1024, "K": 1e3 / 1024 ** 3,
        "M": 1e6 / 1024 ** 3, "G": 1e9 / 1024 ** 3, "T": 1e12 / 1024 ** 3, None: 1 / 1024 ** 3}


def storage_gib(quantity: str) -> float | None:
    """A Kubernetes storage quantity ("10Gi", "500M") in GiB, or None if unreadable."""
    match = _QUANTITY.match(str(quantity).strip())
    if not match:
        return None
    return float(match.group(1)) * _GIB[match.group(2)]


def _public_subnets(context: CostContext) -> int:
    """The number of public subnets (one per AZ), where an internet-facing ALB has a node."""
    subnets = [s for s in context.plan.custom_resources() if s.type == "aws:ec2/subnet:Subnet"
               and "kubernetes.io/role/elb" in (s.props.get("tags") or {})]
    return len(subnets) or 2


@_rule("kubernetes:helm.sh/v3:Release")
def _release(context: CostContext, r: PlanResource) -> None:
    render = r.helm
    if render is None or not render.rendered:
        reason = render.reason if render is not None else "no render"
        context.not_priced(r, f"chart not rendered offline ({reason}); what it implies beyond "
                              "node capacity (load balancers, volumes) is unknown")
        return
    implied = False
    groups: set[str] = set()
    for o in render.objects:
        spec = o.object.get("spec") or {}
        annotations = (o.object.get("metadata") or {}).get("annotations") or {}
        if o.kind == "Ingress" and spec.get("ingressClassName") == "alb":
            group = annotations.get("alb.ingress.kubernetes.io/group.name") or o.name
            if group in groups:
                continue
            groups.add(group)
            scheme = annotations.get("alb.ingress.kubernetes.io/scheme", "internal")
            _load_balancer(context, r, "application", scheme == "internet-facing",
                           _public_subnets(context) if scheme == "internet-facing" else 2,
                           f"Ingress {o.name}: ")
            implied = True
        elif o.kind == "Service" and spec.get("type") == "LoadBalancer":
            scheme = annotations.get("service.beta.kubernetes.io/aws-load-balancer-scheme",
                                     "internal")
            _load_balancer(context, r, "network", scheme == "internet-facing",
                           _public_subnets(context), f"Service {o.name}: ")
            implied = True
        elif o.kind == "PersistentVolumeClaim":
            size = storage_gib((((spec.get("resources") or {}).get("requests") or {})
                                .get("storage")) or "")
            if size is None:
                context.not_priced(r, f"PVC {o.name}: unreadable storage request")
                continue
            _ebs(context, r, f"PVC {o.name}", math.ceil(size), "gp3")
            implied = True
    if not implied:
        context.free(r, "the rendered chart implies no billed AWS resource (its pods run on "
                        "the priced nodes)")


def price_plan(context: CostContext) -> None:
    """The AWS pricer: every resource by its type's rule, or free, or not priced."""
    usage = context.usage
    context.assumptions.extend([
        f"{usage.calls_per_day:,} calls/day = {requests_per_month(context):,.0f} requests a "
        f"month ({DAYS_PER_MONTH} days)",
        f"{usage.response_kb:g} KB per response = {egress_gb(context):,.0f} GB out a month",
        f"{usage.nat_gb_per_month:g} GB/month through NAT gateways",
        f"{usage.log_gb_per_month:g} GB/month of logs across all log groups",
        f"{usage.object_storage_gb:g} GB held in S3 Standard across all buckets",
        f"{usage.load_balancer_lcu:g} load balancer capacity unit(s) on average",
        "autoscaled quantities priced at their minimum; the ceiling is the maximum",
    ])
    price_resources(context, PRICED, FREE, NOT_PRICED)


register("aws", price_plan)
