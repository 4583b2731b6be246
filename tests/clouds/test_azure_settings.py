"""The `cloud: azure` configuration: what it refuses, with which message, before any resource
is declared.

Each case mutates a shipped Azure stack file and matches the exact problem line (the key
path, the value, what is allowed); the prod refusals end with the policy rule that checks the
same thing on the plan. Limits come from forge_components.azure.limits, so a case that sets a
value at a limit's edge moves with it.
"""

from __future__ import annotations

import copy
import datetime
from typing import Any

import pytest
import yaml

from forge_components.azure import limits
from forge_infra.clouds.azure.settings import (
    AzureSettings,
    _postgres_version_problem,
    budget_thresholds_percent,
    key_vault_name,
)
from forge_infra.config import ConfigError, config_from_mapping
from tests.conftest import ROOT


def values_of(stack: str) -> dict[str, Any]:
    """A shipped Azure stack file's `config:` mapping (a copy)."""
    return copy.deepcopy(yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"])


def with_keys(stack: str, section: str, **changes: Any) -> dict[str, Any]:
    """The stack's values with keys of `forge-infra:<section>` changed (None drops a key)."""
    values = values_of(stack)
    block = values.setdefault(f"forge-infra:{section}", {})
    for key, value in changes.items():
        if value is None:
            block.pop(key, None)
        else:
            block[key] = value
    return values


def problems_of(stack: str, values: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        config_from_mapping(values, stack=stack, source=f"Pulumi.{stack}.yaml")
    assert str(info.value).startswith(f"Pulumi.{stack}.yaml: ")
    return info.value.problems


def load(stack: str, values: dict[str, Any]) -> AzureSettings:
    config = config_from_mapping(values, stack=stack, source=f"Pulumi.{stack}.yaml")
    assert isinstance(config.target, AzureSettings)
    return config.target


@pytest.mark.parametrize("stack", ["azure-dev", "azure-prod"])
def test_the_shipped_stacks_are_valid(stack: str) -> None:
    settings = load(stack, values_of(stack))
    assert settings.location == "eastus" and settings.database.timescaledb is True


# -- location and provider keys -----------------------------------------------------------------


def test_an_unknown_location_is_refused_with_the_sourced_list() -> None:
    values = values_of("azure-dev")
    values["azure-native:location"] = "westeurope2"
    [line] = problems_of("azure-dev", values)
    assert line.startswith("azure-native:location: got 'westeurope2'; not a public Azure "
                           "region this project deploys to; allowed (forge_components.azure."
                           "limits.REGIONS, from https://learn.microsoft.com/azure/reliability/"
                           "regions-list): australiaeast, australiasoutheast, austriaeast, ")
    assert line.endswith(", westeurope, westindia, westus, westus2, westus3")


def test_a_missing_location_is_required() -> None:
    values = values_of("azure-dev")
    del values["azure-native:location"]
    [line] = problems_of("azure-dev", values)
    assert line.startswith("azure-native:location: required, but not set")


def test_a_region_without_zones_refuses_zone_redundant_ha() -> None:
    values = values_of("azure-prod")
    values["azure-native:location"] = "westus"
    values.pop("forge-infra:dr")  # its recovery region is eastus's pair, refused from westus
    problems = problems_of("azure-prod", values)
    assert problems == [
        "forge-infra:database.high_availability: westus has no availability zones, so "
        "zone-redundant HA is impossible there; regions with zones: "
        + ", ".join(sorted(limits.REGIONS_WITH_ZONES))]


def test_the_other_azure_native_settings_pass_and_credentials_must_be_secret() -> None:
    values = values_of("azure-dev")
    values["azure-native:subscriptionId"] = "12345678-1234-1234-1234-123456789012"
    assert load("azure-dev", values).azure_provider == {
        "subscriptionId": "12345678-1234-1234-1234-123456789012"}
    values["azure-native:clientSecret"] = "plain"
    assert any(p.startswith("azure-native:clientSecret: ") for p in
               problems_of("azure-dev", values))


def test_an_unknown_provider_setting_is_refused() -> None:
    values = values_of("azure-dev")
    values["azure-native:region"] = "westeurope"
    [line] = problems_of("azure-dev", values)
    assert line.startswith("azure-native:region: not an azure-native provider setting; "
                           "allowed: location, auxiliaryTenantIds, ")


def test_a_key_of_another_cloud_is_an_unknown_key() -> None:
    values = values_of("azure-dev")
    values["aws:region"] = "us-east-1"
    values["forge-infra:hosted_zone_id"] = "Z0123456789ABCDEFGHIJ"
    problems = problems_of("azure-dev", values)
    allowed = ("app, budget, cache, cdn, cloud, database, dr, environment, network, policy, "
               "protect, rollout, secrets, services, storage, streaming, tags, usage")
    assert problems == [
        f"forge-infra:hosted_zone_id: unknown key; allowed for cloud azure: {allowed}",
        "aws:region: unknown key; a stack of cloud azure takes provider settings under "
        f"azure-native: and these forge-infra: keys: {allowed}",
    ]


def test_an_unknown_key_in_a_section_names_its_path() -> None:
    problems = problems_of("azure-dev", with_keys("azure-dev", "database",
                                                  instance_class="db.t4g.micro"))
    assert len(problems) == 1 and problems[0].startswith(
        "forge-infra:database.instance_class: unknown key")


# -- services: Container Apps sizes ---------------------------------------------------------------


def test_a_size_container_apps_cannot_run_is_refused_with_the_combinations() -> None:
    values = values_of("azure-dev")
    values["forge-infra:services"]["api"]["memory"] = 1024
    [line] = problems_of("azure-dev", values)
    assert line == ("forge-infra:services.api.cpu: "
                    + str(limits.container_apps_size_problem(250, 1024)))
    assert "0.25 vCPU with 512 MiB" in line and "4 vCPU with 8192 MiB" in line


def test_every_consumption_combination_is_accepted() -> None:
    for millicores, mib in limits.CONTAINER_APPS_CPU_MEMORY_MIB.items():
        values = values_of("azure-dev")
        values["forge-infra:services"]["worker"].update(cpu=millicores / 1000, memory=mib)
        assert load("azure-dev", values).cloud == "azure"


def test_a_container_app_name_over_the_limit_is_refused() -> None:
    values = with_keys("azure-dev", "app", name="forge-platform-x")
    [line] = problems_of("azure-dev", values)
    assert line == (
        "forge-infra:app.name: 'forge-platform-x' with the stack name 'azure-dev' makes the "
        "container app name 'forge-platform-x-azure-dev-gateway'; Container Apps allows at "
        f"most {limits.CONTAINER_APP_NAME_MAX} lower-case letters, digits and single hyphens: "
        "shorten the stack name or app.name")


# -- database -----------------------------------------------------------------------------------


def test_a_version_outside_the_table_is_refused() -> None:
    [line] = problems_of("azure-dev", with_keys("azure-dev", "database", version="14"))
    assert line == ("forge-infra:database.version: got '14'; not a PostgreSQL major this "
                    "project builds on flexible server; allowed: 15, 16, 17")


def test_a_version_past_its_standard_support_is_refused_against_the_date() -> None:
    later = datetime.date(2027, 11, 12)
    assert _postgres_version_problem("15", later) == (
        "got '15', whose standard support ended on 2027-11-11 (Azure then bills extended "
        "support); allowed: 16, 17")
    assert _postgres_version_problem("15", datetime.date(2027, 11, 11)) is None


def test_a_sku_of_another_tier_is_refused() -> None:
    [line] = problems_of("azure-dev", with_keys("azure-dev", "database",
                                                sku_name="Standard_D2ds_v5"))
    assert line.startswith("forge-infra:database.sku_name: got 'Standard_D2ds_v5', not a "
                           "Burstable size; allowed: Burstable Standard_B*ms or Standard_B*s")


def test_ha_on_burstable_is_refused() -> None:
    [line] = problems_of("azure-dev", with_keys("azure-dev", "database",
                                                high_availability=True))
    assert line == ("forge-infra:database.high_availability: zone-redundant HA is not offered "
                    "on the Burstable tier; set database.sku_tier to GeneralPurpose or "
                    "MemoryOptimized")


@pytest.mark.parametrize(("days", "accepted"), [
    (limits.BACKUP_RETENTION_DAYS[0], True), (limits.BACKUP_RETENTION_DAYS[0] - 1, False),
    (limits.BACKUP_RETENTION_DAYS[1], True), (limits.BACKUP_RETENTION_DAYS[1] + 1, False)])
def test_backup_retention_bounds_are_the_limits(days: int, accepted: bool) -> None:
    values = with_keys("azure-dev", "database", backup_retention_days=days)
    if accepted:
        assert load("azure-dev", values).database.backup_retention_days == days
    else:
        [line] = problems_of("azure-dev", values)
        assert line.startswith(f"forge-infra:database.backup_retention_days: got {days}")


def test_a_storage_size_flexible_server_does_not_offer_is_refused() -> None:
    [line] = problems_of("azure-dev", with_keys("azure-dev", "database", storage_gb=50))
    assert line.startswith("forge-infra:database.storage_gb: got 50; flexible server offers "
                           "32, 64, 128")


def test_the_entra_administrator_is_required() -> None:
    [line] = problems_of("azure-dev", with_keys("azure-dev", "database", entra_admin=None))
    assert line.startswith("forge-infra:database.entra_admin: required, but not set")


def test_the_key_vault_name_is_derived_and_checked() -> None:
    config = config_from_mapping(values_of("azure-prod"), stack="azure-prod",
                                 source="Pulumi.azure-prod.yaml")
    assert key_vault_name(config) == "forge-azure-prod-kv"
    [line] = problems_of("azure-prod", with_keys("azure-prod", "database",
                                                 key_vault_name="kv--forge"))
    assert line.startswith("forge-infra:database.key_vault_name: got 'kv--forge'; a Key Vault "
                           "name is 3-24 letters")


# -- cache, streaming, storage, cdn, budget ------------------------------------------------------


def test_a_retiring_redis_sku_is_refused_saying_why() -> None:
    [line] = problems_of("azure-dev", with_keys("azure-dev", "cache", sku="Enterprise_E10"))
    assert line.startswith("forge-infra:cache.sku: got 'Enterprise_E10'; Enterprise_E10 is "
                           "Azure Cache for Redis Enterprise, retiring on 2027-03-31")


def test_event_hubs_basic_is_refused_and_capacity_follows_the_sku() -> None:
    [line] = problems_of("azure-dev", with_keys("azure-dev", "streaming", sku="Basic"))
    assert line.startswith("forge-infra:streaming.sku: got 'Basic'; Event Hubs Basic has no "
                           "Kafka endpoint")
    [line] = problems_of("azure-dev", with_keys("azure-dev", "streaming", sku="Premium",
                                                capacity=3))
    assert line == ("forge-infra:streaming.capacity: got 3; a Premium namespace takes 1, 2, 4, "
                    "8 processing units")
    [line] = problems_of("azure-dev", with_keys("azure-dev", "streaming", partitions=33))
    assert line == ("forge-infra:streaming.partitions: got 33; a Standard namespace allows at "
                    "most 32")


def test_a_zone_redundant_storage_sku_is_refused_for_the_archived_backups() -> None:
    [line] = problems_of("azure-dev", with_keys("azure-dev", "storage", sku="Standard_ZRS"))
    assert line.startswith("forge-infra:storage.sku: got Standard_ZRS; the backups container "
                           "moves to Archive")


def test_a_domain_without_front_door_is_refused_and_front_door_needs_one() -> None:
    assert problems_of("azure-dev", with_keys("azure-dev", "cdn", enabled=False)) == [
        "forge-infra:app.domain: dev.forge.example.com would be served by nothing: on Azure "
        "the app's domain is Front Door's custom domain (the container apps answer on their "
        "own azurecontainerapps.io names); set cdn.enabled: true or remove app.domain"]
    assert problems_of("azure-dev", with_keys("azure-dev", "app", domain=None)) == [
        "forge-infra:cdn.enabled: Front Door serves app.domain as its custom domain (managed "
        "certificate): set app.domain"]


def test_the_dns_zone_must_hold_the_domain_below_its_apex() -> None:
    values = with_keys("azure-prod", "cdn", dns_zone="forge.example.com",
                       dns_zone_resource_group="dns")
    assert problems_of("azure-prod", values) == [
        "forge-infra:cdn.dns_zone: app.domain forge.example.com is the zone's apex, which "
        "cannot carry Front Door's CNAME; use the parent zone or serve a subdomain"]
    values = with_keys("azure-prod", "cdn", dns_zone="example.org",
                       dns_zone_resource_group="dns")
    assert problems_of("azure-prod", values) == [
        "forge-infra:cdn.dns_zone: example.org does not hold app.domain forge.example.com"]


def test_alert_amounts_become_percentages_and_the_notification_limit_holds() -> None:
    config = config_from_mapping(values_of("azure-dev"), stack="azure-dev",
                                 source="Pulumi.azure-dev.yaml")
    assert budget_thresholds_percent(config) == [80, 100, 125, 250]
    values = values_of("azure-dev")
    values["forge-infra:budget"]["alert_thresholds_percent"] = [50, 80, 100]
    [line] = problems_of("azure-dev", values)
    assert line == ("forge-infra:budget.alert_thresholds_percent: with budget.alert_amounts_usd "
                    "as percentages of the limit makes 5 thresholds ([50, 80, 100, 125, 250]); "
                    "an Azure budget takes 5 notifications, so at most 4 next to the forecast "
                    "alert")


def test_an_aws_only_budget_key_is_refused() -> None:
    values = values_of("azure-dev")
    values["forge-infra:budget"]["anomaly_threshold_usd"] = 50
    assert problems_of("azure-dev", values) == [
        "forge-infra:budget.anomaly_threshold_usd: AWS Cost Anomaly Detection only; an Azure "
        "stack has no anomaly alert: remove the key"]


# -- prod rules: each ends with its policy rule -------------------------------------------------

PROD_RULES = [
    ("database", {"high_availability": False},
     "forge-infra:database.high_availability: prod requires zone-redundant HA (set true, on "
     "GeneralPurpose or MemoryOptimized) [policy rule azure-postgres-zone-redundant-ha]"),
    ("database", {"geo_redundant_backup": False},
     "forge-infra:database.geo_redundant_backup: prod requires geo-redundant backups (set "
     "true; Azure accepts it only when the server is created) [policy rule "
     "azure-postgres-geo-backup]"),
    ("database", {"delete_lock": False},
     "forge-infra:database.delete_lock: prod requires a CanNotDelete lock on the database (set "
     "true) [policy rule azure-resource-lock]"),
    ("cache", {"high_availability": False},
     "forge-infra:cache.high_availability: prod requires a replicated Managed Redis (set true) "
     "[policy rule azure-redis-ha]"),
    ("cdn", {"tier": "Standard"},
     "forge-infra:cdn.tier: prod requires Front Door Premium, whose WAF (managed rule sets, "
     "Prevention) guards the app (set cdn.enabled: true and cdn.tier: Premium; got enabled "
     "true, tier Standard) [policy rule azure-frontdoor-waf]"),
    ("storage", {"soft_delete_days": 3},
     "forge-infra:storage.soft_delete_days: prod keeps deleted blobs and containers "
     "recoverable at least 7 days; got 3 [policy rule azure-storage-soft-delete]"),
]


@pytest.mark.parametrize(("section", "changes", "message"), PROD_RULES,
                         ids=[m.split(":")[1].split(" ")[0] for _, _, m in PROD_RULES])
def test_each_prod_rule_is_refused_naming_its_policy_rule(section: str, changes: dict[str, Any],
                                                          message: str) -> None:
    values = with_keys("azure-prod", section, **changes)
    # Without forge-infra:dr, which refuses geo_redundant_backup: false on its own account
    # (tests/clouds/test_azure_dr.py): each prod rule alone.
    values.pop("forge-infra:dr")
    assert problems_of("azure-prod", values) == [message]


def test_prod_requires_two_replicas_per_service() -> None:
    values = values_of("azure-prod")
    values["forge-infra:services"]["worker"]["replicas"] = 1
    values["forge-infra:services"]["worker"]["autoscaling"] = {"min": 1, "max": 4}
    assert problems_of("azure-prod", values) == [
        "forge-infra:services.worker.replicas: prod requires at least 2 replicas (and "
        "autoscaling.min >= 2); got replicas 1, minimum 1 [policy rule "
        "any-service-min-replicas]"]


def test_the_dev_stack_passes_the_prod_rules_only_in_dev() -> None:
    values = values_of("azure-dev")
    values["forge-infra:environment"] = "prod"
    values["forge-infra:protect"] = True
    problems = problems_of("azure-dev", values)
    rules = sorted(p.rsplit("[policy rule ", 1)[1].rstrip("]") for p in problems
                   if "[policy rule " in p)
    assert rules == ["any-service-min-replicas"] * 4 + [
        "azure-frontdoor-waf", "azure-postgres-geo-backup", "azure-postgres-zone-redundant-ha",
        "azure-redis-ha", "azure-resource-lock"]


@pytest.mark.parametrize("strategy", ["canary", "blue_green"])
def test_a_progressive_rollout_is_accepted_on_container_apps(strategy: str) -> None:
    """`forge-infra release` steps canary and blue/green releases over revision weights."""
    values = values_of("azure-dev")
    values["forge-infra:rollout"] = {"strategy": strategy, "bake_minutes": 5,
                                     "alarms": {"http_5xx_percent": 2}}
    config = config_from_mapping(values, stack="azure-dev", source="Pulumi.azure-dev.yaml")
    assert config.rollout.strategy == strategy


def test_unhealthy_targets_is_refused_on_a_container_apps_release() -> None:
    """Container Apps reports a revision's health, not a count of failing targets: the key,
    written, would watch nothing."""
    values = values_of("azure-prod")
    values["forge-infra:rollout"]["alarms"] = {"unhealthy_targets": 2}
    assert problems_of("azure-prod", values) == [
        "forge-infra:rollout.alarms.unhealthy_targets: got 2; Container Apps reports a "
        "revision's health, not a count of unhealthy targets: a release on cloud azure stops "
        "when the new revision is no longer healthy and running, or on "
        "alarms.http_5xx_percent; remove the key"]


def test_unhealthy_targets_is_left_alone_on_a_rolling_stack() -> None:
    values = values_of("azure-dev")
    values["forge-infra:rollout"] = {"strategy": "rolling", "alarms": {"unhealthy_targets": 2}}
    config_from_mapping(values, stack="azure-dev", source="Pulumi.azure-dev.yaml")
