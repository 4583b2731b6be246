"""The Azure pricer against hand-computed figures (to the cent), its coverage of every Azure
type, and its price table.

Each expectation is worked out by hand from prices/azure.yaml (730 hours a month); what these
tests do not prove is that the list prices are current (docs/COST.md, "Azure").
"""

from __future__ import annotations

import dataclasses
import datetime

import pytest

from forge_infra.cost import Price, estimate, load_table
from forge_infra.cost.azure import FREE, NOT_PRICED, PRICED, memory_gib
from forge_infra.model.config import UsageSettings
from forge_infra.plan.mocks.azure_native import KNOWN_DATA_TYPES, KNOWN_TYPES
from forge_infra.plan.model import Plan, PlanResource, ResourceOptions
from tests.policy.plans import AZURE_EXTRA, azure_component_plan

DAY = datetime.date(2026, 12, 2)
NO_USAGE = UsageSettings(calls_per_day=0, response_kb=0, nat_gb_per_month=0,
                         log_gb_per_month=0, object_storage_gb=0, load_balancer_lcu=0)


def _resource(type_: str, name: str, props: dict[str, object]) -> PlanResource:
    return PlanResource(urn=f"urn:pulumi:t::p::{type_}::{name}", type=type_, name=name,
                        custom=True, component=None, parent=None, dependencies=[],
                        property_dependencies={}, props=props, opts=ResourceOptions(),
                        outputs={})


def _plan(*resources: PlanResource) -> Plan:
    return Plan(project="p", stack="t", cloud="azure", platform=None,
                resources=list(resources), outputs={})


def _lines(plan: Plan, usage: UsageSettings = NO_USAGE,
           region: str | None = None) -> dict[str, float]:
    result = estimate(plan, usage=usage, region=region, today=DAY)
    return {line.item: line.monthly for line in result.lines}


def _with_prices(monkeypatch: pytest.MonkeyPatch, **usd: float) -> None:
    """The shipped table plus made-up West Europe prices (for arithmetic only: the table has
    no sourced West Europe price for these keys; its East US ones are tested below)."""
    from forge_infra.cost import engine

    table = load_table("azure")
    extra = {key.replace("__", "."): Price(key=key.replace("__", "."), usd=value, unit="x",
                                           region="westeurope", source="https://example.test",
                                           basis="test", date="2026-12-02")
             for key, value in usd.items()}
    replaced = dataclasses.replace(table, prices={**table.prices, **extra})
    monkeypatch.setattr(engine, "load_table", lambda cloud: replaced)


SERVER_PROPS: dict[str, object] = {
    "sku": {"tier": "GeneralPurpose", "name": "Standard_D2ds_v5"},
    "highAvailability": {"mode": "ZoneRedundant"}, "storage": {"storageSizeGB": 128},
    "backup": {"geoRedundantBackup": "Enabled", "backupRetentionDays": 14}}


def test_flexible_server_zone_redundant_bills_the_standby_too(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """With made-up prices of $0.10/h and $0.10/GB-month: 2 x 730 x $0.10 = $146.00 and
    2 x 128 GB x $0.10 = $25.60 (primary and standby)."""
    _with_prices(monkeypatch, postgres_flexible__GP_Standard_D2ds_v5__compute=0.10,
                 postgres_flexible__storage=0.10)
    server = _resource("azure-native:dbforpostgresql:Server", "db", SERVER_PROPS)
    assert _lines(_plan(server)) == {
        "GP_Standard_D2ds_v5 compute x 2 (ZoneRedundant HA: primary and standby)": 146.00,
        "storage, 128 GB x 2 (ZoneRedundant HA: primary and standby)": 25.60}


def test_burstable_server_without_ha(monkeypatch: pytest.MonkeyPatch) -> None:
    """Made-up $0.02/h and $0.10/GB-month: 730 x $0.02 = $14.60; 32 GB x $0.10 = $3.20."""
    _with_prices(monkeypatch, postgres_flexible__B_Standard_B1ms__compute=0.02,
                 postgres_flexible__storage=0.10)
    server = _resource("azure-native:dbforpostgresql:Server", "db", {
        "sku": {"tier": "Burstable", "name": "Standard_B1ms"},
        "highAvailability": {"mode": "Disabled"}, "storage": {"storageSizeGB": 32}})
    assert _lines(_plan(server)) == {"B_Standard_B1ms compute": 14.60, "storage, 32 GB": 3.20}


def test_zone_redundant_server_in_eastus_at_the_sourced_prices() -> None:
    """East US, the stacks' region: GP_Standard_D2ds_v5 at $0.178/h and storage at $0.115/GB
    -month, both doubled by zone-redundant HA: 2 x 730 x $0.178 = $259.88 and 2 x 128 x $0.115
    = $29.44."""
    server = _resource("azure-native:dbforpostgresql:Server", "db", SERVER_PROPS)
    assert _lines(_plan(server), region="eastus") == {
        "GP_Standard_D2ds_v5 compute x 2 (ZoneRedundant HA: primary and standby)": 259.88,
        "storage, 128 GB x 2 (ZoneRedundant HA: primary and standby)": 29.44}


def test_burstable_server_in_eastus_without_ha() -> None:
    """B_Standard_B1ms at $0.017/h (infracost's East US fixture): 730 x $0.017 = $12.41;
    32 GB x $0.115 = $3.68."""
    server = _resource("azure-native:dbforpostgresql:Server", "db", {
        "sku": {"tier": "Burstable", "name": "Standard_B1ms"},
        "highAvailability": {"mode": "Disabled"}, "storage": {"storageSizeGB": 32}})
    assert _lines(_plan(server), region="eastus") == {"B_Standard_B1ms compute": 12.41,
                                                      "storage, 32 GB": 3.68}


def test_event_hubs_standard_in_eastus() -> None:
    """2 TUs x 730 h x $0.03 = $43.80; 3M events (100k calls x 30 days) x $0.028 per 1M =
    $0.084, $0.08 to the cent."""
    namespace = _resource("azure-native:eventhub:Namespace", "events", {
        "sku": {"name": "Standard", "tier": "Standard", "capacity": 2}})
    result = estimate(_plan(namespace), region="eastus", today=DAY,
                      usage=NO_USAGE.model_copy(update={"calls_per_day": 100_000}))
    assert {(line.item, line.monthly, line.usage) for line in result.lines} == {
        ("Event Hubs Standard, 2 throughput unit(s)", 43.80, False),
        ("Event Hubs ingress events (usage profile: one event per call), per 1M", 0.08, True)}
    assert (result.fixed_total, result.usage_total) == (43.80, 0.08)


def test_event_hubs_premium_in_eastus() -> None:
    """1 PU x 730 h x $1.027 = $749.71, and no per-event charge."""
    namespace = _resource("azure-native:eventhub:Namespace", "events", {
        "sku": {"name": "Premium", "tier": "Premium", "capacity": 1}})
    assert _lines(_plan(namespace), region="eastus") == {
        "Event Hubs Premium, 1 processing unit(s)": 749.71}


def test_managed_redis_in_eastus_only_the_sourced_sku() -> None:
    """Balanced_B3 with HA at $0.13 per cluster-hour = $94.90 (infracost's fixture); the
    stacks' Balanced_B1 has no sourced price and is not scaled from B3's."""
    b3 = _resource("azure-native:redisenterprise:RedisEnterprise", "b3", {
        "sku": {"name": "Balanced_B3"}, "highAvailability": "Enabled"})
    b1 = _resource("azure-native:redisenterprise:RedisEnterprise", "b1", {
        "sku": {"name": "Balanced_B1"}, "highAvailability": "Enabled"})
    result = estimate(_plan(b3, b1), usage=NO_USAGE, region="eastus", today=DAY)
    assert {line.item: line.monthly for line in result.lines} == {
        "Azure Managed Redis Balanced_B3 (high availability: primary and replica)": 94.90}
    assert [(c.urn.rsplit("::", 1)[-1], c.reason) for c in result.coverage] == [
        ("b1", "Azure Managed Redis Balanced_B1 (SKUs with a sourced price in eastus: "
               "Balanced_B3; a SKU is never priced from another's rate): no sourced price in "
               "the azure table for eastus ('managed_redis.Balanced_B1.ha.cluster')")]


def test_blob_storage_in_eastus_lrs_priced_grs_not() -> None:
    """100 GB shared by two accounts: 50 GB x $0.018 = $0.90 on the LRS one; GRS has no
    sourced East US price. Log Analytics has only a West Europe price: not priced in eastus,
    never at West Europe's $2.99."""
    lrs = _resource("azure-native:storage:StorageAccount", "lrs", {
        "sku": {"name": "Standard_LRS"}, "accessTier": "Hot"})
    grs = _resource("azure-native:storage:StorageAccount", "grs", {
        "sku": {"name": "Standard_GRS"}, "accessTier": "Hot"})
    workspace = _resource("azure-native:operationalinsights:Workspace", "logs", {
        "retentionInDays": 30})
    result = estimate(_plan(lrs, grs, workspace), region="eastus", today=DAY,
                      usage=NO_USAGE.model_copy(update={"object_storage_gb": 100,
                                                        "log_gb_per_month": 10}))
    assert {line.item: line.monthly for line in result.lines} == {
        "Blob storage, Hot LRS (usage profile, shared across accounts)": 0.90}
    assert sorted((c.urn.rsplit("::", 1)[-1], c.reason) for c in result.coverage) == [
        ("grs", "Blob storage Standard_GRS Hot: no sourced price in the azure table for "
                "eastus ('blob.hot.grs.storage')"),
        ("logs", "Log Analytics ingestion (PerGB2018): no sourced price in the azure table for "
                 "eastus ('log_analytics.analytics_logs.ingestion')")]


def test_a_sku_without_a_sourced_price_is_reported_never_zero() -> None:
    """The shipped table has no West Europe price for the database, the cache or Event Hubs
    (its East US ones are not used there): each is listed not priced, naming the SKU and the
    price it lacks."""
    server = _resource("azure-native:dbforpostgresql:Server", "db", SERVER_PROPS)
    redis = _resource("azure-native:redisenterprise:RedisEnterprise", "cache", {
        "sku": {"name": "Balanced_B1"}, "highAvailability": "Enabled"})
    events = _resource("azure-native:eventhub:Namespace", "events", {
        "sku": {"name": "Standard", "tier": "Standard", "capacity": 2}})
    result = estimate(_plan(server, redis, events), usage=NO_USAGE, today=DAY)
    assert result.lines == []
    assert sorted((c.urn.rsplit("::", 1)[-1], c.reason) for c in result.coverage) == [
        ("cache", "Azure Managed Redis Balanced_B1 (SKUs with a sourced price in westeurope: "
                  "none; a SKU is never priced from another's rate): no sourced price in the "
                  "azure table for westeurope ('managed_redis.Balanced_B1.ha.cluster')"),
        ("db", "compute GP_Standard_D2ds_v5: no sourced price in the azure table for "
               "westeurope ('postgres_flexible.GP_Standard_D2ds_v5.compute'); storage: no "
               "sourced price in the azure table for westeurope ('postgres_flexible.storage')"),
        ("events", "Event Hubs Standard: no sourced price in the azure table for westeurope "
                   "('event_hubs.standard.throughput_unit'); Event Hubs Standard events: no "
                   "sourced price in the azure table for westeurope "
                   "('event_hubs.standard.ingress_events')")]


def test_event_hubs_units_and_ingress_events(monkeypatch: pytest.MonkeyPatch) -> None:
    """Made-up $0.03 per TU-hour and $0.03 per 1M events: 2 TUs x 730 h = $43.80; 3M events
    (100k calls x 30 days) = $0.09."""
    _with_prices(monkeypatch, event_hubs__standard__throughput_unit=0.03,
                 event_hubs__standard__ingress_events=0.03)
    namespace = _resource("azure-native:eventhub:Namespace", "events", {
        "sku": {"name": "Standard", "tier": "Standard", "capacity": 2}})
    result = estimate(_plan(namespace), today=DAY,
                      usage=NO_USAGE.model_copy(update={"calls_per_day": 100_000}))
    assert {(line.item, line.monthly, line.usage) for line in result.lines} == {
        ("Event Hubs Standard, 2 throughput unit(s)", 43.80, False),
        ("Event Hubs ingress events (usage profile: one event per call), per 1M", 0.09, True)}


def test_container_app_priced_at_min_replicas_with_the_maximum_as_ceiling() -> None:
    """0.5 vCPU / 1 GiB, 2 replicas (max 4), 2,628,000 s a month: 2,628,000 vCPU-s x
    $0.000034 = $89.35 (max $178.70); 5,256,000 GiB-s x $0.000004 = $21.02 (max $42.05)."""
    app = _resource("azure-native:app:ContainerApp", "api", {
        "configuration": {"ingress": {"external": False}},
        "template": {"containers": [{"name": "api", "image": "x:1",
                                     "resources": {"cpu": 0.5, "memory": "1Gi"}}],
                     "scale": {"minReplicas": 2, "maxReplicas": 4}}})
    result = estimate(_plan(app), usage=NO_USAGE, today=DAY)
    assert {(line.item, line.monthly, line.ceiling) for line in result.lines} == {
        ("Container Apps vCPU, 0.5 x 2 replicas (autoscaling 2..4), active rate", 89.35,
         178.70),
        ("Container Apps memory, 1 GiB x 2 replicas (autoscaling 2..4)", 21.02, 42.05)}


def test_only_external_apps_carry_the_requests() -> None:
    """3M requests x $0.56 per 1M = $1.68, on the gateway (the api's ingress is internal)."""
    apps = [_resource("azure-native:app:ContainerApp", service, {
        "configuration": {"ingress": {"external": service == "gateway"}},
        "template": {"containers": [{"name": service, "resources": {"cpu": 0.25,
                                                                     "memory": "0.5Gi"}}],
                     "scale": {"minReplicas": 0, "maxReplicas": 1}}})
        for service in ("gateway", "api")]
    result = estimate(_plan(*apps), today=DAY,
                      usage=NO_USAGE.model_copy(update={"calls_per_day": 100_000}))
    requests = [(line.urn.rsplit("::", 1)[-1], line.monthly) for line in result.lines
                if "requests" in line.item]
    assert requests == [("gateway", 1.68)]


def test_a_dedicated_workload_profile_is_not_priced() -> None:
    environment = _resource("azure-native:app:ManagedEnvironment", "env", {
        "workloadProfiles": [{"name": "Consumption", "workloadProfileType": "Consumption"},
                             {"name": "big", "workloadProfileType": "D4"}]})
    app = _resource("azure-native:app:ContainerApp", "api", {
        "workloadProfileName": "big", "template": {"containers": []}})
    result = estimate(_plan(environment, app), usage=NO_USAGE, today=DAY)
    assert result.lines == []
    assert sorted(c.reason for c in result.coverage) == [
        "Dedicated workload profiles ['big']: their management fee and instances are not in "
        "the table",
        "workload profile 'big': Dedicated profiles are not in the table"]


@pytest.mark.parametrize(("quantity", "gib"), [("1Gi", 1.0), ("0.5Gi", 0.5), ("512Mi", 0.5),
                                                ("2", 2.0), ("lots", None)])
def test_memory_quantities(quantity: str, gib: float | None) -> None:
    assert memory_gib(quantity) == gib


def test_front_door_premium_base_requests_and_egress() -> None:
    """$330 base; 3M requests / 10k x $0.015 = $4.50; 300 GB x $0.083 = $24.90."""
    profile = _resource("azure-native:cdn:Profile", "cdn", {
        "sku": {"name": "Premium_AzureFrontDoor"}})
    result = estimate(_plan(profile), today=DAY, usage=NO_USAGE.model_copy(
        update={"calls_per_day": 100_000, "response_kb": 100}))
    assert {line.item: line.monthly for line in result.lines} == {
        "Front Door Premium base fee": 330.00,
        "Front Door requests (usage profile), per 10k": 4.50,
        "Front Door egress to clients (usage profile)": 24.90}
    assert (result.fixed_total, result.usage_total) == (330.00, 29.40)


def test_nat_public_ip_private_endpoints_and_zones() -> None:
    """NAT 730 x $0.045 = $32.85 + 200 GB x $0.045 = $9.00; IP $3.65; endpoint $7.30; zone
    $0.50."""
    resources = [
        _resource("azure-native:network:NatGateway", "nat", {"sku": {"name": "Standard"}}),
        _resource("azure-native:network:PublicIPAddress", "ip", {
            "sku": {"name": "Standard"}, "publicIPAllocationMethod": "Static"}),
        _resource("azure-native:network:PrivateEndpoint", "pe", {}),
        _resource("azure-native:privatedns:PrivateZone", "zone", {})]
    result = estimate(_plan(*resources), today=DAY,
                      usage=NO_USAGE.model_copy(update={"nat_gb_per_month": 200}))
    assert sorted(line.monthly for line in result.lines) == [0.50, 3.65, 7.30, 9.00, 32.85]
    assert (result.fixed_total, result.usage_total) == (44.30, 9.00)


def test_logs_from_the_usage_profile_and_storage_not_priced() -> None:
    """10 GB of logs x $2.99 = $29.90; Blob storage has no sourced West Europe price."""
    account = _resource("azure-native:storage:StorageAccount", "st", {
        "sku": {"name": "Standard_GRS"}, "accessTier": "Hot"})
    workspace = _resource("azure-native:operationalinsights:Workspace", "logs", {
        "retentionInDays": 30})
    result = estimate(_plan(account, workspace), today=DAY, usage=NO_USAGE.model_copy(
        update={"object_storage_gb": 100, "log_gb_per_month": 10}))
    assert {line.item: line.monthly for line in result.lines} == {
        "Log Analytics ingestion (usage profile, shared across workspaces)": 29.90}
    assert [c.reason for c in result.coverage] == [
        "Blob storage Standard_GRS Hot: no sourced price in the azure table for westeurope "
        "('blob.hot.grs.storage')"]


def test_the_components_plan_every_resource_priced_free_or_not_priced() -> None:
    """The Azure components, priced in westeurope: every resource is accounted for, and the
    fixed figures are the table's (one NAT gateway and its IP, three private endpoints, five
    private zones; the database and the cache not priced)."""
    plan = azure_component_plan("prod")
    result = estimate(plan, usage=NO_USAGE, region="westeurope", today=DAY)
    accounted = {line.urn for line in result.lines} | {c.urn for c in result.coverage}
    assert [r.urn for r in plan.custom_resources() if r.urn not in accounted] == []
    assert not [c for c in result.coverage if "has no pricing rule" in c.reason]
    # 32.85 + 3.65 + 3 x 7.30 + 5 x 0.50
    assert result.fixed_total == 60.90
    unpriced = {c.type for c in result.coverage if c.status == "not_priced"}
    assert {"azure-native:dbforpostgresql:Server",
            "azure-native:redisenterprise:RedisEnterprise"} <= unpriced


def test_a_region_without_prices_is_not_priced_except_the_global_lines() -> None:
    """northeurope has neither entries nor a factor: never priced at westeurope's or eastus's
    rate."""
    nat = _resource("azure-native:network:NatGateway", "nat", {})
    profile = _resource("azure-native:cdn:Profile", "cdn", {
        "sku": {"name": "Standard_AzureFrontDoor"}})
    result = estimate(_plan(nat, profile), usage=NO_USAGE, region="northeurope", today=DAY)
    assert {line.price for line in result.lines} == {
        "front_door.standard.base", "front_door.standard.requests",
        "front_door.egress.north_america_europe.first_10tb"}
    [unpriced] = [c for c in result.coverage if c.status == "not_priced"]
    assert "covers westeurope only (no documented factor for northeurope)" in unpriced.reason


def test_eastus_entries_take_precedence_and_name_their_region() -> None:
    """In eastus the NAT gateway takes its own entry (730 x $0.045 = $32.85), Container Apps
    theirs ($0.000024 per vCPU-s, not West Europe's $0.000034)."""
    nat = _resource("azure-native:network:NatGateway", "nat", {})
    app = _resource("azure-native:app:ContainerApp", "api", {
        "configuration": {"ingress": {"external": False}},
        "template": {"containers": [{"name": "api", "resources": {"cpu": 1, "memory": "1Gi"}}],
                     "scale": {"minReplicas": 1, "maxReplicas": 1}}})
    result = estimate(_plan(nat, app), usage=NO_USAGE, region="eastus", today=DAY)
    # 2,628,000 s x $0.000024 = $63.07; x $0.000003 per GiB-s = $7.88
    assert sorted((line.price, line.monthly) for line in result.lines) == [
        ("container_apps.consumption.active_vcpu", 63.07),
        ("container_apps.consumption.memory", 7.88), ("nat_gateway.data_processed", 0.0),
        ("nat_gateway.hour", 32.85)]
    assert result.coverage == [] and result.region == "eastus"


def test_every_azure_type_is_classified_exactly_once() -> None:
    """Every type the Azure mocks know, and those the other Azure branches declare, is priced,
    free or not priced, in exactly one list."""
    assert not set(PRICED) & set(FREE)
    assert not set(PRICED) & set(NOT_PRICED)
    assert not set(FREE) & set(NOT_PRICED)
    classified = set(PRICED) | set(FREE) | set(NOT_PRICED)
    known = (KNOWN_TYPES | KNOWN_DATA_TYPES | {t for t, _, _ in AZURE_EXTRA}
             | {r.type for r in azure_component_plan("prod").custom_resources()})
    assert sorted(known - classified) == []


def test_every_price_entry_has_unit_region_source_and_date() -> None:
    table = load_table("azure")
    assert (table.cloud, table.region, table.hours_per_month) == ("azure", "westeurope", 730)
    for price in table.prices.values():
        assert price.unit and price.source.startswith("https://"), price.key
        _, _, suffix = price.key.partition("@")
        assert price.region == (suffix or price.region), price.key
        assert price.region in ("westeurope", "eastus", "global"), price.key
        assert datetime.date.fromisoformat(price.date), price.key
        if "memory" in price.basis:
            assert not price.verified, f"{price.key}: a memory figure must say it is unverified"
        if not price.verified:
            assert price.unverified.startswith("not re-verified 2026-12-02: "), price.key
