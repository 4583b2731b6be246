"""The `cloud: gcp` settings: the shipped GCP stacks load, and every refusal names the file,
the key path and what is allowed (exact messages), before anything is declared.

Pure config validation, no mocks: what Google accepts is not proven here (the limits' sources
are in forge_components/gcp/limits.py).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from forge_components.gcp import limits
from forge_infra.clouds.gcp.settings import KMS_KEY_NAME, GcpSettings
from forge_infra.config import ConfigError, config_from_mapping
from forge_infra.model.config import StackConfig
from tests.conftest import ROOT

CLOUD_RUN_SIZES = ("Cloud Run allows 1 vCPU: 512..4096 MiB; 2 vCPU: 512..8192 MiB; 4 vCPU: "
                   "2048..16384 MiB; 6 vCPU: 4096..24576 MiB; 8 vCPU: 4096..32768 MiB")


def values(stack: str) -> dict[str, Any]:
    """The `config:` mapping of a shipped stack file (a deep copy to mutate)."""
    document = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())
    return copy.deepcopy(document["config"])


def load(config: dict[str, Any], stack: str = "gcp-dev") -> StackConfig:
    return config_from_mapping(config, stack=stack, source=f"Pulumi.{stack}.yaml")


def problems(config: dict[str, Any], stack: str = "gcp-dev") -> list[str]:
    with pytest.raises(ConfigError) as info:
        load(config, stack)
    assert str(info.value).startswith(f"Pulumi.{stack}.yaml: ")
    return info.value.problems


@pytest.mark.parametrize("stack", ["gcp-dev", "gcp-prod"])
def test_the_shipped_gcp_stacks_load(stack: str) -> None:
    config = load(values(stack), stack)
    assert isinstance(config.target, GcpSettings)
    assert config.cloud == "gcp" and config.region == "europe-west1"
    assert config.target.warnings(config) == []


def test_gcp_prod_is_the_prod_environment_with_every_prod_setting() -> None:
    config = load(values("gcp-prod"), "gcp-prod")
    gcp = config.target
    assert isinstance(gcp, GcpSettings)
    assert config.is_prod and config.protect
    assert gcp.database.high_availability and gcp.database.deletion_protection
    assert gcp.cache.high_availability and gcp.cdn.cloud_armor and gcp.storage.versioning


def test_a_region_outside_cloud_runs_list_is_refused_with_the_list() -> None:
    config = values("gcp-dev")
    config["gcp:region"] = "europe-west99"
    assert problems(config) == [
        "gcp:region: got 'europe-west99'; not a region where Cloud Run runs "
        "(https://cloud.google.com/run/docs/locations); allowed: "
        + ", ".join(sorted(limits.CLOUD_RUN_REGIONS))]


def test_a_project_that_is_not_a_project_id_is_refused() -> None:
    config = values("gcp-dev")
    config["gcp:project"] = "Forge Dev"
    assert problems(config) == [
        "gcp:project: got 'Forge Dev'; not a project id: 6 to 30 lower-case letters, digits "
        "and hyphens, a letter first, no hyphen last (the id, not the project's name or "
        "number)"]


def test_a_fraction_of_a_vcpu_is_refused_with_cloud_runs_sizes() -> None:
    config = values("gcp-dev")
    config["forge-infra:services"]["api"]["cpu"] = 0.25
    assert problems(config) == [
        "forge-infra:services.api.cpu: cpu 0.25 vCPU (250 millicores): "
        f"{limits.CLOUD_RUN_FRACTIONAL_CPU_REFUSAL}; use 1, 2, 4, 6, 8 vCPU ({CLOUD_RUN_SIZES})"]


def test_a_whole_cpu_count_cloud_run_does_not_offer_is_refused() -> None:
    config = values("gcp-dev")
    config["forge-infra:services"]["gateway"]["cpu"] = 3
    assert problems(config) == [
        "forge-infra:services.gateway.cpu: cpu 3 vCPU (3000 millicores) is not a Cloud Run CPU "
        "count: above 1 vCPU Cloud Run takes whole counts up to 8, one of 1, 2, 4, 6, 8 vCPU "
        f"({CLOUD_RUN_SIZES})"]


def test_memory_beyond_what_the_cpu_allows_is_refused() -> None:
    config = values("gcp-dev")
    config["forge-infra:services"]["api"]["memory"] = 8192
    assert problems(config) == [
        "forge-infra:services.api.memory: cpu 1 vCPU (1000 millicores) with memory 8192 MiB: "
        f"Cloud Run gives 1 vCPU between 512 and 4096 MiB of memory ({CLOUD_RUN_SIZES})"]


def test_timescaledb_is_refused_naming_the_supported_paths() -> None:
    config = values("gcp-dev")
    config["forge-infra:database"]["timescaledb"] = True
    found = problems(config)
    assert found == [f"forge-infra:database.timescaledb: {limits.TIMESCALEDB_REFUSAL}"]
    assert "timescaledb-ec2" in found[0] and "flexible server" in found[0]


def test_an_unknown_key_names_what_the_section_allows() -> None:
    config = values("gcp-dev")
    config["forge-infra:database"]["instance_class"] = "db.t4g.micro"
    assert problems(config) == [
        "forge-infra:database.instance_class: unknown key; allowed here: app_username, "
        "backup_retention_days, deletion_protection, disk_autoresize_limit_gb, disk_size_gb, "
        "edition, flags, high_availability, kms_key_name, name, point_in_time_recovery_days, "
        "tier, timescaledb, username, version"]


GCP_KEYS = ("app, billing, budget, cache, cdn, cloud, database, dns_zone, dr, environment, "
            "network, policy, protect, rollout, secrets, services, storage, streaming, tags, usage")


def test_a_key_of_another_cloud_is_an_unknown_key() -> None:
    config = values("gcp-dev")
    config["forge-infra:platform"] = "ecs"
    config["aws:region"] = "us-east-1"
    assert problems(config) == [
        f"forge-infra:platform: unknown key; allowed for cloud gcp: {GCP_KEYS}",
        "aws:region: unknown key; a stack of cloud gcp takes provider settings under gcp: and "
        f"these forge-infra: keys: {GCP_KEYS}"]


def test_provider_credentials_are_refused_for_application_default_credentials() -> None:
    config = values("gcp-dev")
    config["gcp:credentials"] = "/home/me/key.json"
    config["gcp:zone"] = "europe-west1-b"
    assert problems(config) == [
        "gcp:credentials: a service account key file or JSON is never configured: forge-infra "
        "uses no service account keys; authenticate with Application Default Credentials "
        "(workload identity federation in CI, gcloud auth application-default login at a "
        "desk; docs/DEPLOYMENT.md \"GCP\")",
        "gcp:zone: not a setting forge-infra reads; allowed: gcp:project, gcp:region"]


def test_a_tier_of_the_other_edition_is_refused() -> None:
    config = values("gcp-dev")
    config["forge-infra:database"]["tier"] = "db-perf-optimized-N-2"
    assert problems(config) == [
        "forge-infra:database.tier: got 'db-perf-optimized-N-2'; a ENTERPRISE tier is "
        "db-f1-micro, db-g1-small or db-custom-<vCPUs>-<MiB> (e.g. db-custom-2-7680) "
        "(database.edition ENTERPRISE)"]


def test_point_in_time_recovery_beyond_the_editions_bound_is_refused() -> None:
    config = values("gcp-dev")
    config["forge-infra:database"]["point_in_time_recovery_days"] = 8
    low, high = limits.PITR_LOG_RETENTION_DAYS[limits.EDITION_ENTERPRISE]
    assert problems(config) == [
        "forge-infra:database.point_in_time_recovery_days: got 8; ENTERPRISE keeps "
        f"{low}..{high} days of transaction logs"]


def test_the_worker_pool_takes_no_autoscaling_and_cloud_run_no_cpu_target() -> None:
    config = values("gcp-prod")
    config["forge-infra:services"]["worker"]["autoscaling"] = {"min": 2, "max": 4}
    config["forge-infra:services"]["api"]["autoscaling"]["target_cpu"] = 70
    assert problems(config, "gcp-prod") == [
        "forge-infra:services.api.autoscaling.target_cpu: Cloud Run has no CPU target setting: "
        "it scales on request concurrency and keeps CPU near "
        f"{limits.CLOUD_RUN_TARGET_CPU_PERCENT}% itself "
        "(https://cloud.google.com/run/docs/about-instance-autoscaling); remove the key",
        "forge-infra:services.worker.autoscaling: the worker runs as a Cloud Run worker pool "
        "with a fixed instance count (worker pools do not scale on requests): remove "
        "autoscaling and set replicas"]


def test_a_json_field_reference_is_refused_since_cloud_run_reads_secrets_whole() -> None:
    config = values("gcp-dev")
    config["forge-infra:services"]["gateway"]["secrets"] = {
        "SIGNING_KEY": "projects/p-123456/secrets/signing#key",
        "OTHER_TOKEN": "projects/p-123456/secrets/other"}
    assert problems(config) == [
        "forge-infra:services.gateway.secrets.SIGNING_KEY: got "
        "'projects/p-123456/secrets/signing#key'; allowed: cache, app:<name>, or a Secret "
        "Manager secret projects/<project>/secrets/<id>; Cloud Run reads a secret whole: "
        "reference a secret that holds the value alone (no #key)"]


def test_the_load_balancer_needs_a_domain() -> None:
    config = values("gcp-dev")
    del config["forge-infra:app"]["domain"]
    assert problems(config) == [
        "forge-infra:app.domain: required on GCP: the global external Application Load "
        "Balancer is the only way into the services (gateway and ui admit internal and "
        "load-balancer traffic only) and its Google-managed certificate is issued for this "
        "name"]


def test_overlapping_ranges_and_budget_keys_gcp_has_not_are_refused() -> None:
    config = values("gcp-dev")
    config["forge-infra:network"]["private_service_access_cidr"] = "10.10.0.0/16"
    config["forge-infra:budget"]["alert_amounts_usd"] = [100]
    assert problems(config) == [
        "forge-infra:network.private_service_access_cidr: 10.10.0.0/16 overlaps "
        "network.workloads_cidr 10.10.0.0/20; the ranges must be disjoint",
        "forge-infra:network.private_service_access_cidr: 10.10.0.0/16 overlaps "
        "network.instances_cidr 10.10.16.0/24; the ranges must be disjoint",
        "forge-infra:budget.alert_amounts_usd: a GCP budget has no alerts on absolute "
        "amounts (its threshold rules are percentages of the amount): use "
        "budget.alert_thresholds_percent; remove the key"]


def test_a_billing_account_is_required_and_checked() -> None:
    config = values("gcp-dev")
    config["forge-infra:billing"] = {"account_id": "billing-1"}
    assert problems(config) == [
        "forge-infra:billing.account_id: got 'billing-1'; not a billing account id: three "
        "groups of six upper-case hex digits, e.g. 012345-6789AB-CDEF01 (gcloud billing "
        "accounts list)"]
    del config["forge-infra:billing"]
    assert problems(config) == [
        "forge-infra:billing: required, but not set; a mapping (required keys: account_id; "
        "optional: currency_code); see docs/CONFIGURATION.md"]


def test_upper_case_tags_are_refused_as_gcp_labels() -> None:
    config = values("gcp-dev")
    config["forge-infra:tags"] = {"CostCenter": "x"}
    assert problems(config) == [
        "forge-infra:tags.CostCenter: got 'x'; GCP labels are lower-case letters, digits, '_' "
        "or '-', at most 63 characters, keys start with a letter"]


PROD_RULES = [
    ("database", "high_availability", False,
     "forge-infra:database.high_availability: prod requires REGIONAL availability (a standby "
     "in a second zone with automatic failover): set true [policy rule gcp-sql-regional]"),
    ("database", "backup_retention_days", 3,
     "forge-infra:database.backup_retention_days: prod requires at least 7 daily backups and "
     "7 days of point-in-time recovery; got backup_retention_days 3, "
     "point_in_time_recovery_days 7 [policy rule gcp-sql-backups-pitr]"),
    ("database", "point_in_time_recovery_days", 3,
     "forge-infra:database.backup_retention_days: prod requires at least 7 daily backups and "
     "7 days of point-in-time recovery; got backup_retention_days 14, "
     "point_in_time_recovery_days 3 [policy rule gcp-sql-backups-pitr]"),
    ("database", "deletion_protection", False,
     "forge-infra:database.deletion_protection: prod requires deletion protection (set true) "
     "[policy rule gcp-sql-deletion-protection]"),
    ("cache", "high_availability", False,
     "forge-infra:cache.high_availability: prod requires a replica with automatic failover "
     "in a second zone (STANDARD_HA): set true [policy rule gcp-memorystore-ha]"),
    ("cdn", "cloud_armor", False,
     "forge-infra:cdn.cloud_armor: prod requires a Cloud Armor policy on the load balancer's "
     "backends: set true [policy rule gcp-cloud-armor-attached]"),
    ("storage", "versioning", False,
     "forge-infra:storage.versioning: prod requires object versioning on every bucket (set "
     "true) [policy rule gcp-gcs-versioning]"),
]


@pytest.mark.parametrize(("section", "key", "value", "message"), PROD_RULES,
                         ids=[f"{s}.{k}" for s, k, _, _ in PROD_RULES])
def test_each_prod_rule_refuses_with_its_policy_rule(section: str, key: str, value: Any,
                                                     message: str) -> None:
    config = values("gcp-prod")
    config[f"forge-infra:{section}"][key] = value
    assert problems(config, "gcp-prod") == [message]


def test_prod_needs_two_instances_of_every_service() -> None:
    config = values("gcp-prod")
    config["forge-infra:services"]["worker"]["replicas"] = 1
    assert problems(config, "gcp-prod") == [
        "forge-infra:services.worker.replicas: prod requires at least 2 replicas (and "
        "autoscaling.min >= 2); got replicas 1, minimum 1 [policy rule any-service-min-replicas]"]


def test_the_same_settings_pass_outside_prod() -> None:
    config = values("gcp-prod")
    config["forge-infra:environment"] = "staging"
    for section, key, value, _ in PROD_RULES:
        config[f"forge-infra:{section}"][key] = value
    assert load(config, "gcp-prod").environment == "staging"


def test_a_prefix_too_long_for_memorystores_instance_id_is_refused() -> None:
    config = values("gcp-dev")
    config["forge-infra:app"]["name"] = "forgeplatform"
    assert problems(config) == [
        "forge-infra:app.name: 'forgeplatform' with the stack name 'gcp-dev' makes the prefix "
        "'forgeplatform-gcp-dev' of 21 characters; GCP allows 20 (the Memorystore instance id "
        "forgeplatform-gcp-dev-cache-cache-xxxxxxx within 40): shorten app.name or the stack "
        "name by 1"]
    config["forge-infra:app"]["name"] = "forgeplatfor"
    assert load(config).app.name == "forgeplatfor"


KEY = "projects/forge-gcp-dev-000000/locations/{}/keyRings/forge/cryptoKeys/data"


def test_cmek_keys_must_be_kms_keys_in_the_stacks_region() -> None:
    config = values("gcp-dev")
    config["forge-infra:storage"]["kms_key_name"] = KEY.format("europe-west1")
    config["forge-infra:database"]["kms_key_name"] = KEY.format("us-east1")
    assert problems(config) == [
        "forge-infra:database.kms_key_name: the key is in us-east1; it must be in gcp:region "
        "europe-west1, the location of what it encrypts"]
    config["forge-infra:cache"]["kms_key_name"] = "my-key"
    assert problems(config) == [
        "forge-infra:cache.kms_key_name: got 'my-key'; allowed: a Cloud KMS key: "
        "projects/<project>/locations/<region>/keyRings/<ring>/cryptoKeys/<key> (the pattern "
        f"{KMS_KEY_NAME})"]
