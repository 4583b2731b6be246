"""The AWS settings take their ranges and choices from forge_components.aws.limits.

Each case sets a key to the limit's edge (accepted) and one step past it (refused, naming the
key), so a limit changed in limits.py moves the configuration with it.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from forge_components.aws import limits
from forge_infra.clouds.aws.settings import AwsSettings
from forge_infra.config import ConfigError, config_from_mapping
from tests.conftest import ROOT


def dev_with(section: str, key: str, value: Any) -> dict[str, Any]:
    values = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    values = copy.deepcopy(values)
    values.setdefault(f"forge-infra:{section}", {})[key] = value
    return values


def load(values: dict[str, Any]) -> AwsSettings:
    config = config_from_mapping(values, stack="dev", source="Pulumi.dev.yaml")
    assert isinstance(config.target, AwsSettings)
    return config.target


EDGES = [
    ("database", "backup_retention_days", limits.BACKUP_RETENTION_DAYS[0],
     limits.BACKUP_RETENTION_DAYS[0] - 1),
    ("database", "backup_retention_days", limits.BACKUP_RETENTION_DAYS[1],
     limits.BACKUP_RETENTION_DAYS[1] + 1),
    ("database", "version", limits.MIN_POSTGRES_MAJOR, limits.MIN_POSTGRES_MAJOR - 1),
    ("database", "allocated_storage_gb", limits.RDS_STORAGE_GB[0], limits.RDS_STORAGE_GB[0] - 1),
    ("cache", "nodes", limits.CACHE_NODES[0], limits.CACHE_NODES[0] - 1),
    ("cache", "nodes", limits.CACHE_NODES[1], limits.CACHE_NODES[1] + 1),
    ("cache", "snapshot_retention_days", limits.CACHE_SNAPSHOT_RETENTION_DAYS[1],
     limits.CACHE_SNAPSHOT_RETENTION_DAYS[1] + 1),
    ("network", "flow_logs_retention_days", limits.LOG_RETENTION_DAYS[-1], 2),
    ("storage", "access_log_retention_days", limits.ACCESS_LOG_RETENTION_DAYS[0],
     limits.ACCESS_LOG_RETENTION_DAYS[0] - 1),
    ("storage", "access_log_retention_days", limits.ACCESS_LOG_RETENTION_DAYS[1],
     limits.ACCESS_LOG_RETENTION_DAYS[1] + 1),
]


@pytest.mark.parametrize(("section", "key", "edge", "past"), EDGES,
                         ids=[f"{s}.{k}={p}" for s, k, _, p in EDGES])
def test_limits_are_the_configuration_bounds(section: str, key: str, edge: int,
                                             past: int) -> None:
    settings = load(dev_with(section, key, edge))
    assert getattr(getattr(settings, section), key) == edge
    with pytest.raises(ConfigError) as info:
        load(dev_with(section, key, past))
    assert [p.split(": ", 1)[0] for p in info.value.problems] == [
        f"forge-infra:{section}.{key}"], info.value.problems


def test_enums_are_the_components_enums() -> None:
    values = dev_with("streaming", "engine", "none")
    del values["forge-infra:streaming"]["redpanda_mode"]
    settings = load(values)
    assert settings.streaming.engine is limits.StreamingEngine.NONE
    assert settings.network.nat_gateways is limits.NatGatewayStrategy.SINGLE
    assert settings.database.engine is limits.DatabaseEngine.RDS_POSTGRES
    assert settings.cache.engine is limits.CacheEngine.REDIS


@pytest.mark.parametrize("units", sorted(limits.FARGATE_SIZES))
def test_every_fargate_size_is_accepted_in_vcpu(units: int) -> None:
    values = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    memory = limits.FARGATE_SIZES[units][0]
    for service in values["forge-infra:services"].values():
        service.update(cpu=units / 1024, memory=memory)
    config = config_from_mapping(values, stack="dev", source="Pulumi.dev.yaml")
    assert {limits.fargate_cpu_units(s.cpu_millicores) for _, s in config.services.items()} == {
        units}


# Next to the forecast alert and the two default fixed amounts ($500, $1000): 7 percentages.
BUDGET_EDGES = [
    ("alert_thresholds_percent", list(range(10, 10 * (limits.BUDGET_MAX_NOTIFICATIONS - 2), 10)),
     list(range(10, 10 * (limits.BUDGET_MAX_NOTIFICATIONS - 1), 10))),
    ("alert_emails", [f"ops{i}@example.com" for i in range(limits.BUDGET_MAX_EMAIL_SUBSCRIBERS)],
     [f"ops{i}@example.com" for i in range(limits.BUDGET_MAX_EMAIL_SUBSCRIBERS + 1)]),
]


@pytest.mark.parametrize(("key", "edge", "past"), BUDGET_EDGES, ids=[k for k, _, _ in BUDGET_EDGES])
def test_budget_notification_limits_are_the_components(key: str, edge: list[Any],
                                                       past: list[Any]) -> None:
    """What the Budget component refuses (AWS Budgets' limits), the configuration refuses."""
    values = dev_with("budget", key, edge)
    config = config_from_mapping(values, stack="dev", source="Pulumi.dev.yaml")
    assert list(getattr(config.budget, key)) == edge
    with pytest.raises(ConfigError) as info:
        config_from_mapping(dev_with("budget", key, past), stack="dev", source="Pulumi.dev.yaml")
    assert [p.split(": ", 1)[0] for p in info.value.problems] == [f"forge-infra:budget.{key}"]


@pytest.mark.parametrize("threshold", [0, -5, 1001])
def test_budget_thresholds_are_positive_percentages(threshold: int) -> None:
    with pytest.raises(ConfigError) as info:
        config_from_mapping(dev_with("budget", "alert_thresholds_percent", [80, threshold]),
                            stack="dev", source="Pulumi.dev.yaml")
    assert [p.split(": ", 1)[0] for p in info.value.problems] == [
        "forge-infra:budget.alert_thresholds_percent.1"], info.value.problems


# -- streaming: Redpanda's mode and size, prod on MSK -------------------------------------------

SIZING = ("https://docs.redpanda.com/current/deploy/deployment-option/self-hosted/manual/"
          "sizing")


def stack_values(stack: str, **streaming: Any) -> dict[str, Any]:
    """A shipped stack file's values with `forge-infra:streaming` keys replaced (None drops)."""
    values = copy.deepcopy(yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"])
    section = values.setdefault("forge-infra:streaming", {})
    for key, value in streaming.items():
        if value is None:
            section.pop(key, None)
        else:
            section[key] = value
    return values


def problems_of(stack: str, values: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        config_from_mapping(values, stack=stack, source=f"Pulumi.{stack}.yaml")
    return info.value.problems


def test_shipped_stacks_say_which_redpanda_mode_they_run() -> None:
    assert load(stack_values("dev")).streaming.redpanda_mode is limits.RedpandaMode.DEVELOPMENT
    staging = config_from_mapping(stack_values("staging"), stack="staging",
                                  source="Pulumi.staging.yaml").target
    assert isinstance(staging, AwsSettings)
    assert staging.streaming.redpanda_mode is limits.RedpandaMode.PRODUCTION
    assert staging.streaming.instance_type == "t3.medium"


@pytest.mark.parametrize("mode", ["production", None])
def test_production_mode_below_redpandas_memory_per_core_is_refused(mode: str | None) -> None:
    assert problems_of("dev", stack_values("dev", redpanda_mode=mode)) == [
        "forge-infra:streaming.instance_type: t3.small has 2 GiB for 2 vCPUs (1 GiB per vCPU); "
        f"Redpanda's production mode needs at least 2 GiB per core ({SIZING}): choose a larger "
        "type or redpanda_mode development (not in prod)"]


def test_an_unknown_redpanda_instance_type_is_refused_with_the_list() -> None:
    assert problems_of("dev", stack_values("dev", instance_type="kafka.t3.small")) == [
        "forge-infra:streaming.instance_type: 'kafka.t3.small' is not an instance type "
        "forge-infra runs Redpanda on; allowed: " + ", ".join(limits.REDPANDA_INSTANCE_TYPES)]


def test_redpanda_default_instance_type_runs_production() -> None:
    settings = load(stack_values("dev", instance_type=None, redpanda_mode=None))
    assert settings.streaming.effective_redpanda_mode() is limits.RedpandaMode.PRODUCTION
    assert settings.streaming.instance_type is None


def test_redpanda_mode_with_another_engine_is_refused() -> None:
    values = stack_values("prod", redpanda_mode="production")
    assert problems_of("prod", values) == [
        "forge-infra:streaming.redpanda_mode: applies to engine redpanda only; engine is msk: "
        "remove the key"]


@pytest.mark.parametrize("instance_type", ["m7i.large", "t4g.medium"])
def test_prod_accepts_redpanda_now_that_its_kafka_listener_requires_tls(
        instance_type: str) -> None:
    """Redpanda's Kafka API is SASL/SCRAM over TLS (a private CA, one certificate per broker),
    as MSK's 9096 is: prod runs it, in production mode, on x86 or Graviton."""
    values = stack_values("prod", engine="redpanda", instance_type=instance_type,
                          redpanda_mode=None, kafka_version=None)
    config = config_from_mapping(values, stack="prod", source="Pulumi.prod.yaml")
    assert isinstance(config.target, AwsSettings)
    assert config.target.streaming.engine is limits.StreamingEngine.REDPANDA
    assert config.target.streaming.effective_redpanda_mode() is limits.RedpandaMode.PRODUCTION


def test_prod_refuses_redpandas_development_mode() -> None:
    values = stack_values("prod", engine="redpanda", instance_type="m7i.large",
                          redpanda_mode="development", kafka_version=None)
    assert problems_of("prod", values) == [
        "forge-infra:streaming.redpanda_mode: development mode bypasses fsync and can lose "
        "acknowledged data; prod refuses it"]


@pytest.mark.parametrize(("engine", "extra"), [
    ("redpanda", {"instance_type": "m7i.large", "kafka_version": None}), ("msk", {})])
def test_prod_runs_at_least_three_brokers(engine: str, extra: dict[str, Any]) -> None:
    """The issue's 3-node broker: one broker may fail without losing acknowledged writes."""
    values = stack_values("prod", engine=engine, brokers=1, **extra)
    found = [p for p in problems_of("prod", values) if p.startswith(
        "forge-infra:streaming.brokers: prod")]
    assert found == [
        "forge-infra:streaming.brokers: prod runs at least 3 brokers (replication factor 3, two "
        "in sync: one broker may fail); got 1"], problems_of("prod", values)
    # Outside prod one broker is allowed (dev runs one).
    assert load(stack_values("dev", brokers=1)).streaming.brokers == 1


# -- the database's credentials never reach the services ------------------------------------

REPLACED = (
    "the database's master credentials no longer reach the services: api and worker connect "
    "as database.app_username (DATABASE_USER), with IAM authentication on rds-postgres "
    "(DATABASE_AUTH=iam: a 15-minute token per connection, no password) or with that role's "
    "own password on timescaledb-ec2 (DATABASE_AUTH=password, DATABASE_PASSWORD set by "
    "forge-infra); remove this entry")


def db_problems_of(values: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        config_from_mapping(values, stack="dev", source="Pulumi.dev.yaml")
    return list(raised.value.problems)


def dev_values() -> dict[str, Any]:
    return copy.deepcopy(yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"])


@pytest.mark.parametrize("ref", ["database:password", "database", "database:username"])
@pytest.mark.parametrize("service", ["api", "worker", "gateway"])
def test_a_database_secret_reference_is_refused_saying_what_replaced_it(ref, service) -> None:
    values = dev_values()
    values["forge-infra:services"][service]["secrets"] = {"DB_SECRET": ref}
    assert db_problems_of(values) == [
        f"forge-infra:services.{service}.secrets.DB_SECRET: got {ref!r}; {REPLACED}"]


@pytest.mark.parametrize("service", ["api", "worker", "gateway"])
def test_the_data_clients_database_password_is_forge_infras_own(service) -> None:
    values = dev_values()
    values["forge-infra:services"][service]["secrets"] = {"DATABASE_PASSWORD": "app:db"}
    values["forge-infra:secrets"] = {"db": {"secure": "v1:abc"}}
    assert db_problems_of(values) == [
        f"forge-infra:services.{service}.secrets.DATABASE_PASSWORD: forge-infra sets "
        "DATABASE_PASSWORD itself (it owns APP_ENV and every DATABASE_*, REDIS_*, KAFKA_* "
        "variable: the data services' connection settings and credentials, "
        "docs/ARCHITECTURE.md \"Connection settings\"); remove this entry"]


@pytest.mark.parametrize(("app_username", "message"), [
    ("forge_admin", "got 'forge_admin', the master user's name; the services never log in as "
                    "the master user: choose another role name"),
    ("rds_app", "got 'rds_app'; PostgreSQL and RDS reserve role names starting with pg_ or rds"),
    ("pg_app", "got 'pg_app'; PostgreSQL and RDS reserve role names starting with pg_ or rds"),
])
def test_app_username_rules(app_username, message) -> None:
    values = dev_values()
    values["forge-infra:database"]["app_username"] = app_username
    assert db_problems_of(values) == [f"forge-infra:database.app_username: {message}"]


def test_app_username_defaults_to_forge_app_and_takes_a_valid_name() -> None:
    assert load(dev_values()).database.app_username == "forge_app"
    values = dev_values()
    values["forge-infra:database"]["app_username"] = "orders_svc"
    assert load(values).database.app_username == "orders_svc"
    values["forge-infra:database"]["app_username"] = "Orders"
    (found,) = db_problems_of(values)
    assert found.startswith("forge-infra:database.app_username: "), found
