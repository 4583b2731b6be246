"""The environment contract (`forge_components.environment`): one definition, every runtime.

Checked here: docker/.env.example is exactly what the module generates; the loader's typed
settings and its errors; the program refuses a map that differs from the contract; ECS and EKS
(dev planned on both) hand each service exactly the contract's names; the compose file hands
the api and the worker the same names and gateway and ui only APP_ENV.

What this does not prove: that the service images read these names (the service repositories
own that), nor that Cloud Run and Container Apps inject them (their targets are not built yet;
they use the same `program.data_environment`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from forge_components import environment as contract
from forge_components.contracts import DATA_SERVICE_CLIENTS, SERVICE_NAMES
from forge_infra.plan.model import Plan
from tests.clouds.test_connection_settings import ecs_settings, eks_settings, plan_dev
from tests.conftest import ROOT

ENV_EXAMPLE = ROOT / "docker" / ".env.example"
COMPOSE = ROOT / "docker" / "docker-compose.yml"


def parse_env_file(path: Path) -> dict[str, str]:
    """NAME=value lines of an env file, comments and blank lines skipped."""
    values = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            assert name not in values, f"{path}: {name} twice"
            values[name] = value
    return values


def test_env_example_is_generated_from_the_contract() -> None:
    assert ENV_EXAMPLE.read_text() == contract.render_env_example(), (
        "docker/.env.example differs from the contract: run "
        "`python -m forge_components.environment > docker/.env.example`")


def test_env_example_lists_every_variable_once() -> None:
    assert list(parse_env_file(ENV_EXAMPLE)) == list(contract.by_name())


def test_the_example_loads_for_a_data_client() -> None:
    settings = contract.load(parse_env_file(ENV_EXAMPLE), data_client=True)
    assert settings == contract.Settings(
        app_env="local", database_host="postgres", database_port=5432, database_name="forge",
        database_user="forge_app", database_auth="password",
        database_password="local-only-app-password", redis_host="redis", redis_port=6379,
        redis_tls=False, redis_auth_token="local-only-redis-token",
        kafka=contract.KafkaSettings(brokers=("redpanda:9092",), security_protocol="PLAINTEXT",
                                     sasl_mechanism="", username="", password="",
                                     ssl_ca_pem=""))


def test_a_cloud_environment_loads_with_sasl() -> None:
    environ = {"APP_ENV": "prod", "DATABASE_HOST": "db", "DATABASE_PORT": "5432",
               "DATABASE_NAME": "forge", "DATABASE_USER": "forge_app", "DATABASE_AUTH": "iam",
               "REDIS_HOST": "cache", "REDIS_PORT": "6379", "REDIS_TLS": "true",
               "KAFKA_BROKERS": "b-1:9096, b-2:9096", "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
               "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512", "KAFKA_USERNAME": "forge",
               "KAFKA_PASSWORD": "from-the-secret", "KAFKA_SSL_CA_PEM": ""}
    settings = contract.load(environ, data_client=True)
    assert settings.database_password is None  # IAM: no password at all
    assert settings.redis_tls is True
    assert settings.kafka == contract.KafkaSettings(
        brokers=("b-1:9096", "b-2:9096"), security_protocol="SASL_SSL",
        sasl_mechanism="SCRAM-SHA-512", username="forge", password="from-the-secret",
        ssl_ca_pem="")


def test_gateway_and_ui_need_only_app_env() -> None:
    assert contract.load({"APP_ENV": "dev"}, data_client=False) == contract.Settings(
        app_env="dev")
    with pytest.raises(contract.EnvironmentContractError, match=r"^APP_ENV is not set$"):
        contract.load({}, data_client=False)


def test_every_problem_is_reported_at_once() -> None:
    environ = {"APP_ENV": "dev", "DATABASE_HOST": "db", "DATABASE_PORT": "70000",
               "DATABASE_NAME": "forge", "DATABASE_AUTH": "password", "REDIS_HOST": "cache",
               "REDIS_PORT": "six", "REDIS_TLS": "yes", "KAFKA_BROKERS": "b:9092",
               "KAFKA_SECURITY_PROTOCOL": "SASL_TLS"}
    with pytest.raises(contract.EnvironmentContractError) as error:
        contract.load(environ, data_client=True)
    assert str(error.value) == (
        "DATABASE_PORT='70000' is not a port (1..65535); DATABASE_USER is not set; "
        "REDIS_PORT='six' is not a port (1..65535); REDIS_TLS='yes' is not true or false; "
        "KAFKA_SECURITY_PROTOCOL='SASL_TLS' is not one of PLAINTEXT, SASL_PLAINTEXT, SASL_SSL, "
        "SSL; KAFKA_SASL_MECHANISM is not set; KAFKA_USERNAME is not set; "
        "DATABASE_PASSWORD is not set; KAFKA_PASSWORD is not set")


def test_check_names_names_both_sides() -> None:
    names = contract.service_variables(data_client=True, broker=False)
    contract.check_names(names, broker=False)
    with pytest.raises(ValueError) as error:
        contract.check_names([*names[1:], "S3_BUCKET"], broker=False)
    assert str(error.value) == (
        "the data services' environment differs from the contract "
        "(forge_components.environment): missing APP_ENV; not in the contract S3_BUCKET")
    with pytest.raises(ValueError, match="missing KAFKA_BROKERS, KAFKA_SASL_MECHANISM"):
        contract.check_names(names, broker=True)


def test_service_variables_per_audience() -> None:
    assert contract.service_variables(data_client=False, broker=True) == ["APP_ENV"]
    assert contract.service_variables(data_client=True, broker=False) == [
        "APP_ENV", "DATABASE_HOST", "DATABASE_PORT", "DATABASE_NAME", "DATABASE_USER",
        "DATABASE_AUTH", "REDIS_HOST", "REDIS_PORT", "REDIS_TLS"]
    assert contract.service_variables(data_client=True, broker=True, secrets=True)[-3:] == [
        "DATABASE_PASSWORD", "REDIS_AUTH_TOKEN", "KAFKA_PASSWORD"]


def test_the_secrets_are_marked_secret_and_nothing_else_is() -> None:
    assert all(v.secret for v in contract.SECRETS)
    assert not any(v.secret for v in contract.CONNECTION)


@pytest.fixture(scope="module")
def plans() -> dict[str, Plan]:
    """dev on ECS (its stack file) and on EKS (platform overridden)."""
    return {"ecs": plan_dev("ecs"), "eks": plan_dev("eks")}


def contract_names(environment: dict[str, Any]) -> set[str]:
    """The names of `environment` the contract defines."""
    return set(environment) & set(contract.by_name())


@pytest.mark.parametrize("platform", ["ecs", "eks"])
@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_each_runtime_injects_exactly_the_contract(plans, platform, service) -> None:
    """Every name of the contract, and no other of its names, reaches each service (EKS too:
    DATABASE_USER included), with dev's broker; the credentials by reference only."""
    settings = (ecs_settings if platform == "ecs" else eks_settings)(plans[platform])
    where, environment, secrets = settings[service]
    client = service in DATA_SERVICE_CLIENTS
    expected = set(contract.service_variables(data_client=client, broker=True))
    assert contract_names(environment) == expected, (where, sorted(environment))
    secret_names = {v.name for v in contract.SECRETS}
    assert not set(environment) & secret_names, (where, sorted(environment))
    assert contract_names({name: "" for name in secrets}) <= (secret_names if client else set()), (
        where, sorted(secrets))


def compose() -> dict[str, Any]:
    """docker/docker-compose.yml, parsed."""
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_compose_hands_each_service_the_contract(service) -> None:
    environment = compose()["services"][service]["environment"]
    client = service in DATA_SERVICE_CLIENTS
    expected = contract.service_variables(data_client=client, broker=True, secrets=client)
    assert sorted(environment) == sorted(expected)
    for name, value in environment.items():
        assert value.startswith(f"${{{name}"), (service, name, value)


def test_every_variable_compose_interpolates_is_in_the_example() -> None:
    text = COMPOSE.read_text()
    used = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", text))
    assert used == set(contract.by_name()), sorted(set(contract.by_name()) ^ used)
