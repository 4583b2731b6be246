"""GCP: which price each resource of a plan takes, and how much of it (prices in prices/gcp.yaml).

Every resource type the GCP components create is in exactly one of `PRICED` (a rule below
turns its inputs into lines), `FREE` (no charge, with the reason) or `NOT_PRICED` (a charge
this estimator does not compute, with the reason); tests/cost/test_gcp.py fails when a type
appears in none or in two. Quantities come from the plan's inputs (Cloud SQL tiers and
availability, Memorystore tiers and sizes, Managed Kafka capacity, machine types, disk sizes,
Cloud Run minimum instances), usage-based lines from the stack's usage profile, as on AWS.
"""

from __future__ import annotations

import re
from typing import Any

from forge_infra.cost.engine import (
    CostContext,
    PriceRule,
    as_number,
    price_resources,
    register,
    rule_registrar,
)
from forge_infra.plan.model import PlanResource

SECONDS_PER_HOUR = 3600
GIB_PER_KB = 1 / 1024 ** 2
DAYS_PER_MONTH = 30
#: Cloud NAT charges per VM using a gateway up to this many VMs, then a flat gateway rate.
NAT_VM_CAP = 32
#: Cloud Run's free requests a month per billing account (prices/gcp.yaml free_tier).
CLOUD_RUN_FREE_REQUESTS = 2_000_000
#: Cloud Logging's free ingestion a month per project (prices/gcp.yaml free_tier).
LOGGING_FREE_GIB = 50.0
#: The first forwarding rules of a project share one hourly rate (prices/gcp.yaml).
FORWARDING_RULES_IN_BASE_RATE = 5
#: Memorystore for Redis capacity tiers: (largest GB of the tier, tier name).
MEMORYSTORE_CAPACITY_TIERS = ((4, "m1"), (10, "m2"), (35, "m3"), (100, "m4"))

FREE: dict[str, str] = {
    "gcp:billing/budget:Budget": "Cloud Billing budgets and their alerts are free",
    "gcp:certificatemanager/certificate:Certificate":
        "Certificate Manager bills per certificate beyond the project's first 100 "
        "(one Google-managed certificate here)",
    "gcp:certificatemanager/certificateMap:CertificateMap": "no charge (a map of certificates)",
    "gcp:certificatemanager/certificateMapEntry:CertificateMapEntry":
        "Certificate Manager bills map entries beyond the project's first 100",
    "gcp:certificatemanager/dnsAuthorization:DnsAuthorization": "no charge (a validation record)",
    "gcp:cloudrunv2/job:Job": "runs once per deployment (the migration): seconds of CPU, "
                              "within Cloud Run's free tier",
    "gcp:cloudrunv2/serviceIamMember:ServiceIamMember": "IAM is free",
    "gcp:compute/address:Address": "an internal static address: no charge",
    "gcp:compute/firewall:Firewall": "VPC firewall rules are free",
    "gcp:compute/globalAddress:GlobalAddress":
        "a static external address in use by a forwarding rule, or the Private Service "
        "Access range: no charge",
    "gcp:compute/network:Network": "VPC networks are free",
    "gcp:compute/regionNetworkEndpointGroup:RegionNetworkEndpointGroup":
        "serverless NEGs are free",
    "gcp:compute/router:Router": "Cloud Router: no charge (its NAT gateway is priced)",
    "gcp:compute/sSLPolicy:SSLPolicy": "no charge",
    "gcp:compute/subnetwork:Subnetwork": "subnets are free (flow logs are billed as Cloud "
                                         "Logging ingestion)",
    "gcp:compute/targetHttpProxy:TargetHttpProxy": "no charge (the forwarding rule is priced)",
    "gcp:compute/targetHttpsProxy:TargetHttpsProxy": "no charge (the forwarding rule is priced)",
    "gcp:compute/uRLMap:URLMap": "no charge (the forwarding rule is priced)",
    "gcp:dns/recordSet:RecordSet": "records are free; the managed zone is not created by the "
                                   "stack",
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": "IAM is free",
    "gcp:monitoring/notificationChannel:NotificationChannel": "no charge",
    "gcp:projects/iAMMember:IAMMember": "IAM is free",
    "gcp:secretmanager/secret:Secret": "no charge of its own (its active versions are priced)",
    "gcp:secretmanager/secretIamMember:SecretIamMember": "IAM is free",
    "gcp:serviceaccount/account:Account": "service accounts are free",
    "gcp:servicenetworking/connection:Connection": "the Private Service Access peering is free",
    "gcp:sql/database:Database": "no charge (the instance is priced)",
    "gcp:sql/user:User": "no charge (the instance is priced)",
    "gcp:storage/bucketIAMMember:BucketIAMMember": "IAM is free",
    "random:index/randomPassword:RandomPassword": "computed locally by Pulumi",
}

#: Types with a charge this estimator does not compute (reported "not priced" with the reason).
NOT_PRICED: dict[str, str] = {
    "gcp:kms/keyRing:KeyRing": "key rings are free, but a stack that brings one brings its "
                               "keys, whose versions this table does not price",
    "gcp:kms/cryptoKey:CryptoKey": "Cloud KMS key versions are not in the price table",
    # forge-infra:dr's bucket copies: the job itself holds nothing; what a run costs is the
    # bytes it moves (Cloud Storage's data transfer between regions, and Storage Transfer
    # Service's own rate where one applies: https://cloud.google.com/storage/pricing,
    # https://cloud.google.com/storage-transfer/pricing; not read for a rate here).
    "gcp:storage/transferJob:TransferJob": "each run moves the objects changed since the "
                                           "last one between regions; that volume is not in "
                                           "the usage profile, nor the per-GB rates in the "
                                           "table",
}

PRICED: dict[str, PriceRule] = {}
_rule = rule_registrar(PRICED)


_size = as_number


def _of_type(context: CostContext, type_token: str) -> list[PlanResource]:
    return [r for r in context.plan.custom_resources() if r.type == type_token]


# -- usage -------------------------------------------------------------------------------------


def requests_per_month(context: CostContext) -> float:
    """Requests a month under the usage profile."""
    return context.usage.calls_per_day * DAYS_PER_MONTH


def egress_gib(context: CostContext) -> float:
    """GiB a month sent to clients under the usage profile."""
    return requests_per_month(context) * context.usage.response_kb * GIB_PER_KB


def seconds(context: CostContext) -> float:
    """Seconds in a month, as the price table counts hours (730 h)."""
    return context.hours * SECONDS_PER_HOUR


# -- Cloud Run ---------------------------------------------------------------------------------

_CPU = re.compile(r"^(\d+(?:\.\d+)?)(m?)$")
_MEMORY = re.compile(r"^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|K|M|G)?$")
_GIB = {"Ki": 1 / 1024 ** 2, "Mi": 1 / 1024, "Gi": 1.0, "Ti": 1024.0, "K": 1e3 / 1024 ** 3,
        "M": 1e6 / 1024 ** 3, "G": 1e9 / 1024 ** 3, None: 1 / 1024 ** 3}


def cpu_count(value: Any) -> float | None:
    """A Cloud Run CPU limit ("1", "2", "1000m") in vCPU, or None if unreadable."""
    match = _CPU.match(str(value).strip())
    if not match:
        return None
    return float(match.group(1)) / (1000 if match.group(2) else 1)


def memory_gib(value: Any) -> float | None:
    """A Cloud Run memory limit ("512Mi", "2Gi") in GiB, or None if unreadable."""
    match = _MEMORY.match(str(value).strip())
    if not match:
        return None
    return float(match.group(1)) * _GIB[match.group(2)]


def _container_size(resource: PlanResource) -> tuple[float, float] | None:
    """(vCPU, GiB) of all containers of a Cloud Run service's or worker pool's template."""
    containers = (resource.props.get("template") or {}).get("containers") or []
    total_cpu = total_memory = 0.0
    for container in containers:
        limits = (container.get("resources") or {}).get("limits") or {}
        cpu, memory = cpu_count(limits.get("cpu", "1")), memory_gib(limits.get("memory",
                                                                               "512Mi"))
        if cpu is None or memory is None:
            return None
        total_cpu += cpu
        total_memory += memory
    return (total_cpu, total_memory) if containers else None


def _run_services(context: CostContext) -> list[PlanResource]:
    return _of_type(context, "gcp:cloudrunv2/service:Service")


@_rule("gcp:cloudrunv2/service:Service")
def _cloud_run_service(context: CostContext, r: PlanResource) -> None:
    size = _container_size(r)
    if size is None:
        context.not_priced(r, "unreadable CPU or memory limit")
        return
    vcpu, gib = size
    template = r.props.get("template") or {}
    scaling = template.get("scaling") or {}
    low = _size(scaling.get("minInstanceCount"))
    high = _size(scaling.get("maxInstanceCount"), low)
    containers = template.get("containers") or []
    request_based = all(((c.get("resources") or {}).get("cpuIdle", True)) for c in containers)
    span = f"min {low:g}, max {high:g}"
    if request_based:
        # Idle minimum instances are billed at the idle rate; time serving requests at the
        # active rate, which depends on request durations the usage profile does not hold.
        if low:
            context.add(r, f"{low:g} idle minimum instance(s) x {vcpu:g} vCPU ({span})",
                        vcpu * low * seconds(context),
                        "cloudrun.request_based.idle_min_instance.vcpu")
            context.add(r, f"{low:g} idle minimum instance(s) x {gib:g} GiB ({span})",
                        gib * low * seconds(context),
                        "cloudrun.request_based.idle_min_instance.memory")
        services = _run_services(context)
        share = (max(requests_per_month(context) - CLOUD_RUN_FREE_REQUESTS, 0.0)
                 / max(len(services), 1))
        context.add(r, "requests (usage profile, 2M free, shared across services), per 1M",
                    share / 1e6, "cloudrun.request_based.requests", usage=True)
        context.not_priced(r, "time serving requests (billed at the active rate instead of "
                              "the idle one): request durations are not in the usage profile")
    else:
        context.add(r, f"instance-based vCPU, {vcpu:g} x {low:g} instances ({span})",
                    vcpu * low * seconds(context), "cloudrun.instance_based.vcpu",
                    ceiling_quantity=vcpu * high * seconds(context))
        context.add(r, f"instance-based memory, {gib:g} GiB x {low:g} instances ({span})",
                    gib * low * seconds(context), "cloudrun.instance_based.memory",
                    ceiling_quantity=gib * high * seconds(context))


@_rule("gcp:cloudrunv2/workerPool:WorkerPool")
def _worker_pool(context: CostContext, r: PlanResource) -> None:
    size = _container_size(r)
    scaling = r.props.get("scaling") or {}
    if size is None:
        context.not_priced(r, "unreadable CPU or memory limit")
        return
    if scaling.get("scalingMode", "AUTOMATIC") == "MANUAL":
        low = high = _size(scaling.get("manualInstanceCount"), 1)
    else:
        low = _size(scaling.get("minInstanceCount"))
        high = _size(scaling.get("maxInstanceCount"), low)
    vcpu, gib = size
    ceiling = None if high == low else high
    context.add(r, f"worker pool vCPU, {vcpu:g} x {low:g} instances",
                vcpu * low * seconds(context), "cloudrun.instance_based.vcpu",
                ceiling_quantity=None if ceiling is None else vcpu * ceiling * seconds(context))
    context.add(r, f"worker pool memory, {gib:g} GiB x {low:g} instances",
                gib * low * seconds(context), "cloudrun.instance_based.memory",
                ceiling_quantity=None if ceiling is None else gib * ceiling * seconds(context))


# -- data services -----------------------------------------------------------------------------

_CUSTOM_TIER = re.compile(r"^db-custom-(\d+)-(\d+)$")


@_rule("gcp:sql/databaseInstance:DatabaseInstance")
def _cloud_sql(context: CostContext, r: PlanResource) -> None:
    settings = r.props.get("settings") or {}
    tier = str(settings.get("tier", ""))
    regional = settings.get("availabilityType") == "REGIONAL"
    availability = "regional" if regional else "zonal"
    label = "regional (HA)" if regional else "zonal"
    edition = settings.get("edition", "ENTERPRISE")
    custom = _CUSTOM_TIER.match(tier)
    if edition != "ENTERPRISE":
        context.not_priced(r, f"edition {edition}: only Enterprise is in the price table")
    elif custom:
        vcpu, memory_gb = int(custom.group(1)), int(custom.group(2)) / 1024
        context.add(r, f"{tier} {label}: {vcpu} vCPU", vcpu * context.hours,
                    f"cloudsql.enterprise.{availability}.vcpu")
        context.add(r, f"{tier} {label}: {memory_gb:g} GB memory", memory_gb * context.hours,
                    f"cloudsql.enterprise.{availability}.memory")
    elif tier in ("db-f1-micro", "db-g1-small"):
        context.add(r, f"{tier} {label} (shared core)", (2 if regional else 1) * context.hours,
                    f"cloudsql.shared_core.{tier}.zonal")
    else:
        context.not_priced(r, f"tier {tier!r} is not in the price table")
    disk = _size(settings.get("diskSize"), 10)
    if settings.get("diskType", "PD_SSD") == "PD_SSD":
        context.add(r, f"SSD storage, {disk:g} GB {label}", disk,
                    f"cloudsql.storage.ssd.{availability}")
    else:
        context.not_priced(r, f"disk type {settings.get('diskType')} is not in the table")
    backups = settings.get("backupConfiguration") or {}
    if backups.get("enabled"):
        context.not_priced(r, "backup storage: its size is the data the database holds, "
                              "unknown offline")


def _memorystore_capacity_tier(size_gb: float) -> str:
    for largest, name in MEMORYSTORE_CAPACITY_TIERS:
        if size_gb <= largest:
            return name
    return "m5"


@_rule("gcp:redis/instance:Instance")
def _memorystore(context: CostContext, r: PlanResource) -> None:
    size = _size(r.props.get("memorySizeGb"), 1)
    tier = str(r.props.get("tier", "BASIC"))
    service = {"BASIC": "basic", "STANDARD_HA": "standard_ha"}.get(tier)
    if service is None:
        context.not_priced(r, f"tier {tier} is not in the price table")
        return
    capacity = _memorystore_capacity_tier(size)
    read_replicas = r.props.get("readReplicasMode") == "READ_REPLICAS_ENABLED"
    context.add(r, f"Memorystore for Redis {tier}, {size:g} GB ({capacity.upper()})",
                size * context.hours, f"memorystore.redis.{service}.{capacity}")
    if read_replicas:
        context.not_priced(r, "read replicas beyond the Standard tier's one are not priced")


@_rule("gcp:managedkafka/cluster:Cluster")
def _managed_kafka(context: CostContext, r: PlanResource) -> None:
    capacity = r.props.get("capacityConfig") or {}
    vcpus = _size(capacity.get("vcpuCount"))
    gib = _size(capacity.get("memoryBytes")) / 1024 ** 3
    context.add(r, f"Managed Kafka compute: {vcpus:g} vCPU", vcpus * context.hours,
                "managedkafka.vcpu")
    context.add(r, f"Managed Kafka compute: {gib:g} GiB memory", gib * context.hours,
                "managedkafka.memory")
    context.not_priced(r, "local and persistent storage and inter-zone replication traffic: "
                          "they follow the data the topics hold, unknown offline")


@_rule("gcp:compute/instance:Instance")
def _instance(context: CostContext, r: PlanResource) -> None:
    machine = str(r.props.get("machineType", ""))
    context.add(r, f"{machine} instance", context.hours, f"compute.{machine}.on_demand")
    boot = (r.props.get("bootDisk") or {}).get("initializeParams") or {}
    if "size" in boot:
        _disk(context, r, "boot disk", _size(boot["size"]), str(boot.get("type",
                                                                       "pd-standard")))
    else:
        context.not_priced(r, "boot disk: its size comes from the image, not the plan")


def _disk(context: CostContext, r: PlanResource, what: str, size_gb: float,
          disk_type: str) -> None:
    context.add(r, f"{what}: {disk_type}, {size_gb:g} GB", size_gb,
                f"compute.{disk_type}.storage")


@_rule("gcp:compute/disk:Disk")
def _persistent_disk(context: CostContext, r: PlanResource) -> None:
    _disk(context, r, "persistent disk", _size(r.props.get("size"), 10),
          str(r.props.get("type", "pd-standard")))


#: The label a bucket copy of `forge-infra:dr` carries (forge_components.gcp.backup).
DR_COPY_LABEL = "dr-copy-of"


@_rule("gcp:storage/bucket:Bucket")
def _bucket(context: CostContext, r: PlanResource) -> None:
    """The usage profile's stored data shared across the stack's own buckets; a `forge-infra:dr`
    copy holds as much as the bucket it copies (priced at the stack region's rate: the copy's
    region is priced alike in the table or not at all)."""
    own = [b for b in _of_type(context, r.type) if not _copy_of(b)]
    share = context.usage.object_storage_gb / max(len(own), 1)
    if str(r.props.get("storageClass", "STANDARD")) != "STANDARD":
        context.not_priced(r, f"storage class {r.props.get('storageClass')} is not in the "
                              "table")
        return
    copied = _copy_of(r)
    if copied:
        context.add(r, f"Standard storage, a copy of the {copied} bucket in "
                       f"{r.props.get('location')} (usage profile; at the stack region's "
                       "rate)", share, "gcs.standard.regional_storage", usage=True)
        return
    context.add(r, "Standard storage (usage profile, shared across buckets; lifecycle "
                   "transitions not counted)", share, "gcs.standard.regional_storage",
                usage=True)


def _copy_of(bucket: PlanResource) -> str:
    labels = bucket.props.get("labels") or {}
    return str(labels.get(DR_COPY_LABEL) or "") if isinstance(labels, dict) else ""


@_rule("gcp:secretmanager/secretVersion:SecretVersion")
def _secret_version(context: CostContext, r: PlanResource) -> None:
    secret_id = r.props.get("secret")
    secret = next((s for s in _of_type(context, "gcp:secretmanager/secret:Secret")
                   if secret_id in (s.id, s.outputs.get("id"), s.outputs.get("name"))), None)
    locations = 1
    if secret is not None:
        replicas = (((secret.props.get("replication") or {}).get("userManaged") or {})
                    .get("replicas") or [])
        locations = max(len(replicas), 1)
    context.add(r, f"active secret version in {locations} location(s)", locations,
                "secretmanager.active_version")


# -- network and edge --------------------------------------------------------------------------


@_rule("gcp:compute/routerNat:RouterNat")
def _nat(context: CostContext, r: PlanResource) -> None:
    instances = len(_of_type(context, "gcp:compute/instance:Instance"))
    run_minimum = sum(_size(((s.props.get("template") or {}).get("scaling") or {})
                            .get("minInstanceCount")) for s in _run_services(context))
    pools = sum(_size((p.props.get("scaling") or {}).get("manualInstanceCount"))
                for p in _of_type(context, "gcp:cloudrunv2/workerPool:WorkerPool"))
    vms = min(int(instances + run_minimum + pools), NAT_VM_CAP)
    context.add(r, f"Cloud NAT gateway: {vms} VM(s) and Cloud Run instances (Direct VPC "
                   f"egress) at their minimum, capped at {NAT_VM_CAP}", vms * context.hours,
                "cloudnat.gateway.per_vm")
    gateways = _of_type(context, r.type)
    context.add(r, "NAT data processed (usage profile, shared across gateways)",
                context.usage.nat_gb_per_month / max(len(gateways), 1),
                "cloudnat.data_processed", usage=True)


@_rule("gcp:compute/globalForwardingRule:GlobalForwardingRule")
def _forwarding_rule(context: CostContext, r: PlanResource) -> None:
    rules = sorted(_of_type(context, r.type), key=lambda x: x.urn)
    index = [x.urn for x in rules].index(r.urn)
    if index == 0:
        context.add(r, f"forwarding rules: the first {FORWARDING_RULES_IN_BASE_RATE} of the "
                       f"project ({min(len(rules), FORWARDING_RULES_IN_BASE_RATE)} here)",
                    context.hours, "lb.forwarding_rules.first_5")
    elif index < FORWARDING_RULES_IN_BASE_RATE:
        context.free(r, "within the first five forwarding rules' rate (priced on "
                        f"{rules[0].name})")
    else:
        context.add(r, "forwarding rule beyond the first five", context.hours,
                    "lb.forwarding_rules.each_additional")


@_rule("gcp:compute/backendService:BackendService")
def _backend_egress(context: CostContext, r: PlanResource) -> None:
    backends = _of_type(context, r.type)
    share = egress_gib(context) / max(len(backends), 1)
    requests = requests_per_month(context) / max(len(backends), 1)
    if r.props.get("enableCdn"):
        context.add(r, "Cloud CDN cache egress (usage profile, shared across backends; every "
                       "response counted as a cache hit)", share,
                    "cdn.cache_egress.north_america.first_10tib", usage=True)
        context.add(r, "Cloud CDN cache lookups (usage profile), per 10k", requests / 10_000,
                    "cdn.cache_lookup", usage=True)
    else:
        context.add(r, "internet egress, Premium Tier (usage profile, shared across "
                       "backends)", share, "network.internet_egress.premium.first_1tib",
                    usage=True)


@_rule("gcp:compute/securityPolicy:SecurityPolicy")
def _armor(context: CostContext, r: PlanResource) -> None:
    rules = r.props.get("rules") or []
    context.add(r, "Cloud Armor policy", 1, "armor.policy")
    context.add(r, f"Cloud Armor rules ({len(rules)})", len(rules), "armor.rule")
    context.add(r, "Cloud Armor requests (usage profile), per 1M",
                requests_per_month(context) / 1e6, "armor.requests", usage=True)


def _logging(context: CostContext) -> None:
    """Cloud Logging ingestion beyond the free 50 GiB, on the Cloud Run services (which write
    the logs), shared across them; no line while the profile stays within the free 50 GiB."""
    services = _run_services(context)
    billable = max(context.usage.log_gb_per_month - LOGGING_FREE_GIB, 0.0)
    if not billable:
        return
    for service in services:
        context.add(service, f"log ingestion (usage profile, {LOGGING_FREE_GIB:g} GiB a "
                             "project free, shared across services)",
                    billable / len(services), "logging.ingestion", usage=True)


def price_plan(context: CostContext) -> None:
    """The GCP pricer: every resource by its type's rule, or free, or not priced."""
    usage = context.usage
    context.assumptions.extend([
        f"{usage.calls_per_day:,} calls/day = {requests_per_month(context):,.0f} requests a "
        f"month ({DAYS_PER_MONTH} days), shared evenly across the load balancer's backends",
        f"{usage.response_kb:g} KB per response = {egress_gib(context):,.1f} GiB out a month",
        f"{usage.nat_gb_per_month:g} GB/month through Cloud NAT",
        f"{usage.log_gb_per_month:g} GB/month of logs ({LOGGING_FREE_GIB:g} GiB a project "
        "free)",
        f"{usage.object_storage_gb:g} GB held in Cloud Storage Standard across all buckets",
        "Cloud Run request-based services: idle minimum instances priced; time serving "
        "requests (the active rate) is not",
        "autoscaled quantities priced at their minimum; the ceiling is the maximum",
    ])
    price_resources(context, PRICED, FREE, NOT_PRICED)
    _logging(context)


register("gcp", price_plan)
