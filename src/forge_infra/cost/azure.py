"""Azure: which price each resource of a plan takes, and how much of it (prices in
prices/azure.yaml).

Every resource type the Azure components create is in exactly one of `PRICED` (a rule below
turns its inputs into lines), `FREE` (no charge, with the reason) or `NOT_PRICED` (a charge this
estimator does not compute, with the reason); tests/cost/test_azure_estimate.py fails when two
overlap, and tests/cost/test_azure_stacks.py when a type an Azure stack creates is in none.
Quantities come from the plan's inputs (SKUs, capacities, replica counts, storage), usage-based
lines from the stack's usage profile. A SKU the table has no price for in the stack's region
(neither `KEY@region` nor a home-region `KEY` that applies there) is reported "not priced",
naming the SKU and the region, never priced at zero or at another region's or SKU's rate.

Provider facts the rules rely on (not prices), with their sources:

- PostgreSQL flexible server high availability runs a standby of the same compute and storage
  as the primary, billed as such
  (https://learn.microsoft.com/azure/postgresql/flexible-server/concepts-high-availability);
  backup storage up to 100% of the provisioned storage is included.
- Container Apps (Consumption plan) bill the vCPU and memory allocated to each running replica
  per second, a replica kept by `minReplicas` at the reduced idle vCPU rate while it serves
  nothing, and HTTP requests; 180,000 vCPU-s, 360,000 GiB-s and 2M requests a month are free
  per subscription (https://learn.microsoft.com/azure/container-apps/billing). A Consumption
  workload profile carries no fee of its own.
- Front Door Standard/Premium bill a base fee per profile (endpoints, routes, origins and
  custom WAF rules included; Premium also includes managed WAF rule sets and Private Link
  origins), requests, and transfer to clients (https://learn.microsoft.com/azure/frontdoor/billing).
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
from forge_infra.cost.prices import GLOBAL_REGION
from forge_infra.plan.model import PlanResource

GB_PER_KB = 1e-6
DAYS_PER_MONTH = 30
SECONDS_PER_HOUR = 3600

#: pulumi-azure-native 3.x type tokens this module prices.
POSTGRES_SERVER = "azure-native:dbforpostgresql:Server"
MANAGED_REDIS = "azure-native:redisenterprise:RedisEnterprise"
EVENTHUB_NAMESPACE = "azure-native:eventhub:Namespace"
CONTAINER_APP = "azure-native:app:ContainerApp"
MANAGED_ENVIRONMENT = "azure-native:app:ManagedEnvironment"
LOG_WORKSPACE = "azure-native:operationalinsights:Workspace"
NAT_GATEWAY = "azure-native:network:NatGateway"
PUBLIC_IP = "azure-native:network:PublicIPAddress"
PRIVATE_ENDPOINT = "azure-native:network:PrivateEndpoint"
PRIVATE_ZONE = "azure-native:privatedns:PrivateZone"
FRONT_DOOR_PROFILE = "azure-native:cdn:Profile"
STORAGE_ACCOUNT = "azure-native:storage:StorageAccount"

#: The sku.tier of a flexible server -> the prefix of Azure's own SKU names (`GP_Standard_...`).
POSTGRES_TIER_PREFIX = {"Burstable": "B", "GeneralPurpose": "GP", "MemoryOptimized": "MO"}
#: Front Door Standard/Premium profile SKUs -> the table's tier.
FRONT_DOOR_TIERS = {"Standard_AzureFrontDoor": "standard", "Premium_AzureFrontDoor": "premium"}

_NO_CHARGE = "no charge"
FREE: dict[str, str] = {
    "azure-native:resources:ResourceGroup": "resource groups are free",
    "azure-native:network:VirtualNetwork": "virtual networks are free (traffic through NAT, "
                                           "endpoints and peering is priced where it flows)",
    "azure-native:network:Subnet": _NO_CHARGE,
    "azure-native:network:NetworkSecurityGroup": _NO_CHARGE,
    "azure-native:network:PrivateDnsZoneGroup": "no charge (the endpoint and the zone are "
                                                "priced)",
    "azure-native:authorization:RoleAssignment": "Azure RBAC is free",
    "azure-native:authorization:ManagementLockByScope": "management locks are free",
    "azure-native:managedidentity:UserAssignedIdentity": "managed identities are free",
    "azure-native:dbforpostgresql:Configuration": "no charge (the server is priced)",
    "azure-native:dbforpostgresql:Database": "no charge (the server is priced)",
    "azure-native:dbforpostgresql:AdministratorsMicrosoftEntra": "no charge",
    "azure-native:redisenterprise:Database": "no charge (billed per cluster)",
    "azure-native:redisenterprise:AccessPolicyAssignment": "no charge (billed per cluster)",
    "azure-native:keyvault:Secret": "no per-secret charge (reads are vault operations)",
    "azure-native:storage:BlobServiceProperties": "no charge (versions and soft-deleted blobs "
                                                  "count as storage)",
    "azure-native:storage:BlobContainer": "no charge (its blobs are the account's storage)",
    "azure-native:storage:ManagementPolicy": "no charge (tier moves are operations, not "
                                             "estimated)",
    "azure-native:eventhub:EventHub": "no charge (billed per namespace: throughput or "
                                      "processing units)",
    "azure-native:eventhub:ConsumerGroup": "no charge (billed per namespace)",
    "azure-native:eventhub:EventHubAuthorizationRule": _NO_CHARGE,
    "azure-native:eventhub:NamespaceAuthorizationRule": _NO_CHARGE,
    "azure-native:cdn:AFDEndpoint": "endpoints are included in the profile's base fee",
    "azure-native:cdn:AFDOriginGroup": "included in the profile's base fee",
    "azure-native:cdn:AFDOrigin": "included in the profile's base fee (Premium: Private Link "
                                  "origins too)",
    "azure-native:cdn:Route": "included in the profile's base fee",
    "azure-native:cdn:AFDCustomDomain": "included in the profile's base fee",
    "azure-native:cdn:SecurityPolicy": "included in the profile's base fee",
    "azure-native:frontdoor:Policy": "Front Door Standard/Premium include custom WAF rules, and "
                                     "Premium managed rule sets, in the base fee",
    "azure-native:network:Policy": "Front Door Standard/Premium include custom WAF rules, and "
                                   "Premium managed rule sets, in the base fee",
    "azure-native:dns:RecordSet": "no per-record charge (the DNS zone is not created by the "
                                  "stack)",
    "azure-native:consumption:Budget": "Cost Management budgets are free",
    "azure-native:monitor:DiagnosticSetting": "no charge of its own (the logs it sends are "
                                              "priced as the workspace's ingestion)",
    "random:index/randomPassword:RandomPassword": "computed locally by Pulumi",
    "random:index/randomString:RandomString": "computed locally by Pulumi",
    "random:index/randomId:RandomId": "computed locally by Pulumi",
    "random:index/randomUuid:RandomUuid": "computed locally by Pulumi",
}

#: Types with a charge this estimator does not compute (reported "not priced" with the reason).
NOT_PRICED: dict[str, str] = {
    "azure-native:keyvault:Vault": "billed per 10,000 operations; how often the services read "
                                   "their secrets is not known offline",
    "azure-native:network:FlowLog": "billed per GB of flow logs collected, plus their storage; "
                                    "the volume is not known offline",
    "azure-native:privatedns:VirtualNetworkLink": "no sourced price for virtual network links "
                                                  "could be retrieved",
    "azure-native:app:Job": "billed per execution (vCPU-s and GiB-s while it runs); how often "
                            "it runs is not known offline",
}

PRICED: dict[str, PriceRule] = {}
_rule = rule_registrar(PRICED)


_number = as_number


def _props_of(value: Any, *path: str) -> Any:
    """`value[path[0]][path[1]]...`, or None where a step is missing."""
    for step in path:
        value = value.get(step) if isinstance(value, dict) else None
    return value


def _props(resource: PlanResource, *path: str) -> Any:
    return _props_of(resource.props, *path)


def _add_if_priced(context: CostContext, resource: PlanResource, item: str, quantity: float,
                   key: str, what: str, **kwargs: Any) -> None:
    """`context.add`, or "not priced" naming `what` when the table has no such price for the
    stack's region: neither `key@region`, nor a `key` that is global, the region's own or
    covered by a documented regional factor."""
    table = context.table
    home = table.prices.get(key)
    if f"{key}@{context.region}" in table.prices or (home is not None and (
            home.region in (GLOBAL_REGION, context.region)
            or context.region in table.regional_factors)):
        context.add(resource, item, quantity, key, **kwargs)
    else:
        context.not_priced(resource, f"{what}: no sourced price in the azure table for "
                                     f"{context.region} ({key!r})")


# -- usage -------------------------------------------------------------------------------------


def requests_per_month(context: CostContext) -> float:
    """Requests a month under the usage profile."""
    return context.usage.calls_per_day * DAYS_PER_MONTH


def egress_gb(context: CostContext) -> float:
    """GB a month sent to clients under the usage profile."""
    return requests_per_month(context) * context.usage.response_kb * GB_PER_KB


def _count(context: CostContext, type_token: str) -> int:
    return sum(1 for r in context.plan.custom_resources() if r.type == type_token)


# -- data --------------------------------------------------------------------------------------


@_rule(POSTGRES_SERVER)
def _postgres(context: CostContext, r: PlanResource) -> None:
    tier = str(_props(r, "sku", "tier") or "")
    name = str(_props(r, "sku", "name") or "")
    prefix = POSTGRES_TIER_PREFIX.get(tier)
    if prefix is None or not name:
        context.not_priced(r, f"compute: tier {tier!r} / SKU {name!r} is not in the table")
    ha = str(_props(r, "highAvailability", "mode") or "Disabled")
    copies = 1 if ha == "Disabled" else 2
    label = "" if copies == 1 else f" x 2 ({ha} HA: primary and standby)"
    if prefix is not None and name:
        sku = f"{prefix}_{name}"
        _add_if_priced(context, r, f"{sku} compute{label}", copies * context.hours,
                       f"postgres_flexible.{sku}.compute", f"compute {sku}")
    size = _number(_props(r, "storage", "storageSizeGB"))
    _add_if_priced(context, r, f"storage, {size:g} GB{label}", copies * size,
                   "postgres_flexible.storage", "storage")
    geo = _props(r, "backup", "geoRedundantBackup") == "Enabled"
    context.assumptions.append(
        f"{r.name}: backup storage within the free allowance (100% of the provisioned "
        f"storage){'; geo-redundant backup copies not priced' if geo else ''}")


@_rule(MANAGED_REDIS)
def _managed_redis(context: CostContext, r: PlanResource) -> None:
    sku = str(_props(r, "sku", "name") or "")
    ha = r.props.get("highAvailability", "Enabled") != "Disabled"
    label = " (high availability: primary and replica)" if ha else " (single node)"
    sourced = sorted({key.split(".")[1] for key in context.table.prices
                      if key.startswith("managed_redis.")
                      and key.partition("@")[2] in ("", context.region)})
    _add_if_priced(context, r, f"Azure Managed Redis {sku}{label}", context.hours,
                   f"managed_redis.{sku}{'.ha' if ha else ''}.cluster",
                   f"Azure Managed Redis {sku} (SKUs with a sourced price in "
                   f"{context.region}: {', '.join(sourced) or 'none'}; a SKU is never priced "
                   "from another's rate)")


@_rule(EVENTHUB_NAMESPACE)
def _event_hubs(context: CostContext, r: PlanResource) -> None:
    tier = str(_props(r, "sku", "name") or "Standard")
    units = _number(_props(r, "sku", "capacity"), 1) or 1
    if tier == "Premium":
        _add_if_priced(context, r, f"Event Hubs Premium, {units:g} processing unit(s)",
                       units * context.hours, "event_hubs.premium.processing_unit",
                       "Event Hubs Premium")
        return
    _add_if_priced(context, r, f"Event Hubs {tier}, {units:g} throughput unit(s)",
                   units * context.hours, f"event_hubs.{tier.lower()}.throughput_unit",
                   f"Event Hubs {tier}")
    _add_if_priced(context, r, "Event Hubs ingress events (usage profile: one event per call), "
                               "per 1M", requests_per_month(context) / 1e6,
                   f"event_hubs.{tier.lower()}.ingress_events", f"Event Hubs {tier} events",
                   usage=True)


@_rule(STORAGE_ACCOUNT)
def _storage_account(context: CostContext, r: PlanResource) -> None:
    sku = str(_props(r, "sku", "name") or "Standard_LRS")
    tier = str(r.props.get("accessTier") or "Hot")
    redundancy = sku.removeprefix("Standard_").lower()
    share = context.usage.object_storage_gb / max(_count(context, r.type), 1)
    _add_if_priced(context, r, f"Blob storage, {tier} {redundancy.upper()} (usage profile, "
                               "shared across accounts)", share,
                   f"blob.{tier.lower()}.{redundancy}.storage", f"Blob storage {sku} {tier}",
                   usage=True)


# -- compute -----------------------------------------------------------------------------------

_GI = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(Gi|Mi)?\s*$")


def memory_gib(quantity: Any) -> float | None:
    """A Container Apps memory quantity ("1Gi", "0.5Gi", "512Mi") in GiB, or None."""
    match = _GI.match(str(quantity))
    if not match:
        return None
    value = float(match.group(1))
    return value / 1024 if match.group(2) == "Mi" else value


def _consumption_profile(context: CostContext, app: PlanResource) -> bool:
    """Whether the app runs on the Consumption plan (no workload profile, or a Consumption
    one)."""
    profile = app.props.get("workloadProfileName")
    if not profile or profile == "Consumption":
        return True
    for environment in context.plan.custom_resources():
        if environment.type != MANAGED_ENVIRONMENT:
            continue
        for entry in environment.props.get("workloadProfiles") or []:
            if isinstance(entry, dict) and entry.get("name") == profile:
                return entry.get("workloadProfileType") == "Consumption"
    return False


@_rule(CONTAINER_APP)
def _container_app(context: CostContext, r: PlanResource) -> None:
    if not _consumption_profile(context, r):
        context.not_priced(r, f"workload profile {r.props.get('workloadProfileName')!r}: "
                              "Dedicated profiles are not in the table")
        return
    containers = _props(r, "template", "containers") or []
    vcpu = sum(_number(_props_of(c, "resources", "cpu")) for c in containers)
    memories = [memory_gib(_props_of(c, "resources", "memory")) for c in containers]
    if any(m is None for m in memories):
        context.not_priced(r, "a container's memory is not a Gi/Mi quantity")
        return
    memory = sum(m for m in memories if m is not None)
    low = _number(_props(r, "template", "scale", "minReplicas"), 0)
    high = _number(_props(r, "template", "scale", "maxReplicas"), 10)
    seconds = context.hours * SECONDS_PER_HOUR
    scaling = f"{low:g} replicas (autoscaling {low:g}..{high:g})"
    context.add(r, f"Container Apps vCPU, {vcpu:g} x {scaling}, active rate",
                vcpu * low * seconds, "container_apps.consumption.active_vcpu",
                ceiling_quantity=vcpu * high * seconds)
    context.add(r, f"Container Apps memory, {memory:g} GiB x {scaling}",
                memory * low * seconds, "container_apps.consumption.memory",
                ceiling_quantity=memory * high * seconds)
    if _props(r, "configuration", "ingress", "external") is True:
        public = [a for a in context.plan.custom_resources() if a.type == r.type
                  and _props(a, "configuration", "ingress", "external") is True]
        context.add(r, "Container Apps requests (usage profile, shared across the apps with "
                       "external ingress), per 1M",
                    requests_per_month(context) / max(len(public), 1) / 1e6,
                    "container_apps.consumption.requests", usage=True)


@_rule(MANAGED_ENVIRONMENT)
def _environment(context: CostContext, r: PlanResource) -> None:
    dedicated = [p.get("name") for p in r.props.get("workloadProfiles") or []
                 if isinstance(p, dict) and p.get("workloadProfileType") != "Consumption"]
    if dedicated:
        context.not_priced(r, f"Dedicated workload profiles {dedicated}: their management fee "
                              "and instances are not in the table")
    else:
        context.free(r, "a Consumption-only environment has no charge of its own (its apps "
                        "are priced)")


@_rule(LOG_WORKSPACE)
def _log_workspace(context: CostContext, r: PlanResource) -> None:
    share = context.usage.log_gb_per_month / max(_count(context, r.type), 1)
    _add_if_priced(context, r, "Log Analytics ingestion (usage profile, shared across "
                               "workspaces)", share, "log_analytics.analytics_logs.ingestion",
                   "Log Analytics ingestion (PerGB2018)", usage=True)
    days = _number(r.props.get("retentionInDays"), 30)
    if days > 31:
        context.not_priced(r, f"retention beyond 31 days ({days:g} set) is not estimated")


# -- network -----------------------------------------------------------------------------------


@_rule(NAT_GATEWAY)
def _nat(context: CostContext, r: PlanResource) -> None:
    context.add(r, "NAT gateway", context.hours, "nat_gateway.hour")
    share = context.usage.nat_gb_per_month / max(_count(context, r.type), 1)
    context.add(r, "NAT data processed (usage profile, shared across gateways)", share,
                "nat_gateway.data_processed", usage=True)


@_rule(PUBLIC_IP)
def _public_ip(context: CostContext, r: PlanResource) -> None:
    sku = str(_props(r, "sku", "name") or "Standard")
    method = str(r.props.get("publicIPAllocationMethod") or "Static")
    if sku != "Standard" or method != "Static":
        context.not_priced(r, f"public IP {sku} / {method} is not in the table")
        return
    context.add(r, "public IPv4 address, Standard static", context.hours,
                "public_ip.standard_static")


@_rule(PRIVATE_ENDPOINT)
def _private_endpoint(context: CostContext, r: PlanResource) -> None:
    context.add(r, "private endpoint", context.hours, "private_endpoint.hour")


@_rule(PRIVATE_ZONE)
def _private_zone(context: CostContext, r: PlanResource) -> None:
    context.add(r, "private DNS zone", 1, "private_dns.zone")


# -- edge --------------------------------------------------------------------------------------


@_rule(FRONT_DOOR_PROFILE)
def _front_door(context: CostContext, r: PlanResource) -> None:
    sku = str(_props(r, "sku", "name") or "")
    tier = FRONT_DOOR_TIERS.get(sku)
    if tier is None:
        context.not_priced(r, f"profile SKU {sku!r} is not Front Door Standard/Premium")
        return
    context.add(r, f"Front Door {tier.capitalize()} base fee", 1, f"front_door.{tier}.base")
    context.add(r, "Front Door requests (usage profile), per 10k",
                requests_per_month(context) / 10_000, f"front_door.{tier}.requests", usage=True)
    context.add(r, "Front Door egress to clients (usage profile)", egress_gb(context),
                "front_door.egress.north_america_europe.first_10tb", usage=True)


def price_plan(context: CostContext) -> None:
    """The Azure pricer: every resource by its type's rule, or free, or not priced."""
    usage = context.usage
    context.assumptions.extend([
        f"{usage.calls_per_day:,} calls/day = {requests_per_month(context):,.0f} requests a "
        f"month ({DAYS_PER_MONTH} days)",
        f"{usage.response_kb:g} KB per response = {egress_gb(context):,.0f} GB out a month",
        f"{usage.nat_gb_per_month:g} GB/month through NAT gateways",
        f"{usage.log_gb_per_month:g} GB/month of logs across all Log Analytics workspaces",
        f"{usage.object_storage_gb:g} GB held in Blob storage across all accounts",
        "Container Apps replicas priced at their minimum, at the active rate (an idle replica "
        "bills less vCPU); the ceiling is the maximum. The subscription's monthly free grants "
        "(180,000 vCPU-s, 360,000 GiB-s, 2M requests) are not subtracted: other apps of the "
        "subscription share them",
        "private endpoint data processed and Front Door edge-to-origin transfer not estimated",
    ])
    price_resources(context, PRICED, FREE, NOT_PRICED)


register("azure", price_plan)
