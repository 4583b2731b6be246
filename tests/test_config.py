"""The stack config model: the real stack files load, bad input gives one clear ConfigError."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forge_components.aws.limits import DatabaseEngine
from forge_infra.clouds.aws.settings import AwsSettings, Platform
from forge_infra.config import (
    ConfigError,
    StackConfig,
    config_from_mapping,
    load_stack_file,
)

ROOT = Path(__file__).resolve().parents[1]


def stack_values(stack: str) -> dict[str, Any]:
    """The `config:` mapping of a real stack file."""
    return yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]


def load(values: dict[str, Any], stack: str = "dev") -> StackConfig:
    return config_from_mapping(values, stack=stack, source=f"Pulumi.{stack}.yaml")


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_real_stack_files_load(stack: str) -> None:
    config = load_stack_file(stack, ROOT)
    assert config.stack == stack
    assert config.environment == stack
    assert config.region == "us-east-1"


def aws(config: StackConfig) -> AwsSettings:
    assert isinstance(config.target, AwsSettings), config.target
    return config.target


def test_stack_files_differ_where_environments_differ() -> None:
    configs = [load_stack_file(s, ROOT) for s in ("dev", "staging", "prod")]
    dev, staging, prod = (aws(c) for c in configs)
    assert dev.network.nat_gateways.value == "single"
    assert prod.network.nat_gateways.value == "per_az"
    assert (dev.network.az_count, prod.network.az_count) == (2, 3)
    assert not dev.database.multi_az and prod.database.multi_az
    assert prod.cache.nodes >= 2 and dev.cache.nodes == 1
    assert prod.streaming.engine.value == "msk" and prod.streaming.brokers == 3
    assert configs[2].protect and prod.database.deletion_protection
    assert prod.database.backup_retention_days >= 7
    assert {n: s.replicas for n, s in configs[2].services.items()} == {
        "gateway": 3, "api": 3, "worker": 2, "ui": 2}
    assert all(s.autoscaling and (s.autoscaling.min, s.autoscaling.max,
                                  s.autoscaling.target_cpu) == (2, 10, 70)
               for _, s in configs[2].services.items())
    assert len({dev.network.cidr, staging.network.cidr, prod.network.cidr}) == 3
    assert dev.platform is Platform.ECS and prod.platform is Platform.EKS
    assert [(c.cloud, c.platform, c.region) for c in configs] == [
        ("aws", "ecs", "us-east-1"), ("aws", "eks", "us-east-1"), ("aws", "eks", "us-east-1")]


def test_service_sizes_are_neutral_vcpu_and_mib() -> None:
    """cpu 0.25 / 0.5 vCPU in the files become 250m / 500m (Fargate 256 / 512 units)."""
    sizes = {stack: {n: (s.cpu_millicores, s.memory)
                     for n, s in load_stack_file(stack, ROOT).services.items()}
             for stack in ("dev", "staging", "prod")}
    assert sizes == {
        "dev": {"gateway": (250, 512), "api": (250, 512), "worker": (250, 512),
                "ui": (250, 512)},
        "staging": {"gateway": (250, 512), "api": (500, 1024), "worker": (500, 1024),
                    "ui": (250, 512)},
        "prod": {"gateway": (500, 1024), "api": (500, 1024), "worker": (500, 1024),
                 "ui": (250, 512)},
    }


def test_service_defaults_fill_ports_and_health_paths() -> None:
    config = load_stack_file("dev", ROOT)
    ports = {n: s.port for n, s in config.services.items()}
    assert ports == {"gateway": 8080, "api": 8000, "worker": None, "ui": 3000}
    assert config.services.worker.health_path is None
    assert config.services.api.health_path == "/health"


def mutate(values: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of `values` with the dotted `path` (first part: full key) set to `value`."""
    result = copy.deepcopy(values)
    head, *rest = path.split(".")
    if not rest:
        result[head] = value
        return result
    node = result.setdefault(head, {})
    for part in rest[:-1]:
        node = node.setdefault(part, {})
    node[rest[-1]] = value
    return result


def remove(values: dict[str, Any], path: str) -> dict[str, Any]:
    result = copy.deepcopy(values)
    head, *rest = path.split(".")
    if not rest:
        del result[head]
        return result
    node = result[head]
    for part in rest[:-1]:
        node = node[part]
    del node[rest[-1]]
    return result


BAD_INPUTS = [
    # (stack, mutation, key path expected in the message, fragment of the message)
    ("dev", lambda v: mutate(v, "forge-infra:database.instance_klass", "db.t3.micro"),
     "forge-infra:database.instance_klass", "unknown key; allowed here: allocated_storage_gb"),
    ("dev", lambda v: mutate(v, "forge-infra:databse", {}),
     "forge-infra:databse", "unknown key"),
    ("dev", lambda v: mutate(v, "forge-infra:network.cidr", "10.0.0.0/33"),
     "forge-infra:network.cidr", "not a valid IPv4 network CIDR"),
    ("dev", lambda v: mutate(v, "forge-infra:network.cidr", "10.0.0.1/16"),
     "forge-infra:network.cidr", "has host bits set"),
    ("dev", lambda v: mutate(v, "forge-infra:network.cidr", "8.8.0.0/16"),
     "forge-infra:network.cidr", "private (RFC 1918)"),
    ("dev", lambda v: mutate(v, "forge-infra:network.subnet_prefixes",
                             {"private": 18, "public": 18}),
     "forge-infra:network.cidr", "do not fit"),
    ("dev", lambda v: mutate(mutate(v, "forge-infra:network.az_count", 1),
                             "forge-infra:database.multi_az", True),
     "forge-infra:network.az_count", "greater than or equal to 2"),
    ("prod", lambda v: mutate(v, "forge-infra:database.backup_retention_days", 3),
     "forge-infra:database.backup_retention_days", "prod requires at least 7 days"),
    ("prod", lambda v: mutate(v, "forge-infra:database.multi_az", False),
     "forge-infra:database.multi_az", "prod requires a Multi-AZ database"),
    ("prod", lambda v: mutate(v, "forge-infra:database.deletion_protection", False),
     "forge-infra:database.deletion_protection", "prod requires deletion protection"),
    ("prod", lambda v: mutate(v, "forge-infra:protect", False),
     "forge-infra:protect", "prod requires Pulumi protect"),
    ("prod", lambda v: mutate(v, "forge-infra:services.ui.replicas", 1),
     "forge-infra:services.ui.replicas", "prod requires at least 2 replicas"),
    ("dev", lambda v: mutate(v, "forge-infra:streaming.engine", "kinesis"),
     "forge-infra:streaming.engine", "'msk', 'redpanda' or 'none'"),
    ("dev", lambda v: mutate(v, "forge-infra:database.timescaledb", True),
     "forge-infra:database.timescaledb", "set database.engine: timescaledb-ec2"),
    ("dev", lambda v: mutate(v, "forge-infra:database.allocated_storage_gb", "lots"),
     "forge-infra:database.allocated_storage_gb", "valid integer"),
    ("dev", lambda v: mutate(v, "forge-infra:database.allocated_storage_gb", -5),
     "forge-infra:database.allocated_storage_gb", "greater than or equal to 20"),
    ("dev", lambda v: mutate(v, "forge-infra:cache.nodes", 9),
     "forge-infra:cache.nodes", "less than or equal to 6"),
    ("dev", lambda v: remove(v, "forge-infra:services.api.image"),
     "forge-infra:services.api.image", "required, but not set"),
    ("dev", lambda v: remove(v, "aws:region"), "aws:region", "required, but not set"),
    ("dev", lambda v: mutate(v, "forge-infra:services.api.memory", 4096),
     "forge-infra:services.api.memory", "with cpu 0.25 Fargate allows 512..2048 MiB"),
    ("dev", lambda v: mutate(v, "forge-infra:services.api.cpu", 0.3),
     "forge-infra:services.api.cpu", "got 0.3; Fargate allows 0.25, 0.5, 1, 2, 4, 8, 16 vCPU"),
    ("dev", lambda v: mutate(v, "forge-infra:services.api.cpu", 0.0001),
     "forge-infra:services.api.cpu", "whole millicores"),
    ("staging", lambda v: mutate(v, "forge-infra:services.api.cpu", 0.005),
     "forge-infra:services.api.cpu", "a Kubernetes CPU request is 0.01..64 vCPU"),
    ("dev", lambda v: mutate(v, "forge-infra:services.api.secrets", {"X": "vault:foo"}),
     "forge-infra:services.api.secrets.X", "got 'vault:foo'; unknown secret reference"),
    ("dev", lambda v: mutate(v, "forge-infra:database.backup_retention_days", 0),
     "forge-infra:database.backup_retention_days", "greater than or equal to 1"),
    ("dev", lambda v: mutate(v, "forge-infra:network.flow_logs_retention_days", 8),
     "forge-infra:network.flow_logs_retention_days", "got 8; CloudWatch Logs allows 1, 3, 5"),
    ("dev", lambda v: mutate(v, "forge-infra:cache.engine", "memcached"),
     "forge-infra:cache.engine", "'redis' or 'valkey'"),
    ("dev", lambda v: mutate(v, "forge-infra:app.hosted_zone_id", "Z1"),
     "forge-infra:app.hosted_zone_id",
     "moved to forge-infra:hosted_zone_id (a setting of cloud aws"),
    ("dev", lambda v: mutate(v, "forge-infra:app.zone", "Z1"),
     "forge-infra:app.zone", "unknown key; allowed here: domain, name"),
    ("dev", lambda v: remove(v, "forge-infra:cloud"),
     "forge-infra:cloud", "required, but not set; registered cloud targets: aws, azure"),
    ("dev", lambda v: mutate(v, "gcp:project", "forge"),
     "gcp:project", "unknown key; a stack of cloud aws takes provider settings under aws:"),
    ("dev", lambda v: mutate(v, "forge-infra:services.api.secrets", {"X": "app:missing"}),
     "forge-infra:services.api.secrets.X", "pulumi config set --secret --path"),
    ("dev", lambda v: mutate(v, "forge-infra:services.worker.port", 9000),
     "forge-infra:services.worker.port", "serves no traffic"),
    ("dev", lambda v: mutate(v, "forge-infra:streaming.brokers", 2),
     "forge-infra:streaming.brokers", "odd broker count"),
    ("prod", lambda v: mutate(v, "forge-infra:streaming.brokers", 4),
     "forge-infra:streaming.brokers", "multiple of its 3 client subnets"),
    ("dev", lambda v: mutate(v, "forge-infra:database.password", {"secure": "v1:abc"}),
     "forge-infra:database.password", "only forge-infra:secrets holds secrets"),
    ("dev", lambda v: mutate(v, "forge-infra:cloud", "gcp"),
     "forge-infra:cloud", "got 'gcp'; registered cloud targets: aws, azure"),
    ("dev", lambda v: mutate(v, "vault:token", "x"), "vault:token", "unknown namespace"),
    ("dev", lambda v: mutate(v, "forge-infra:hosted_zone_id", None),
     "forge-infra:app.domain", "platform ecs serves HTTPS"),
    ("dev", lambda v: mutate(v, "forge-infra:app.name", "forge-platform"),
     "forge-infra:app.name", "too long for ECS"),
    ("dev", lambda v: mutate(v, "aws:profil", "prod"),
     "aws:profil", "not an AWS provider setting; allowed: region, accessKey"),
    ("dev", lambda v: mutate(v, "aws:defaultTags", {"tags": {"a": "b"}}),
     "aws:defaultTags", "put extra tags in forge-infra:tags"),
    ("dev", lambda v: mutate(v, "forge-infra:aws_provider", {"profile": "x"}),
     "forge-infra:aws_provider", "unknown key"),
    ("staging", lambda v: mutate(v, "forge-infra:eks.acme_email", "ops@acme-corp.io"),
     "forge-infra:eks.acme_email", "no longer a setting; there is no Let's Encrypt account"),
    ("staging", lambda v: mutate(v, "forge-infra:eks.cluster_issuer", "letsencrypt"),
     "forge-infra:eks.cluster_issuer", "no longer a setting; the Ingress's certificate is an "
     "ACM certificate"),
    ("staging", lambda v: mutate(v, "forge-infra:hosted_zone_id", None),
     "forge-infra:hosted_zone_id", "platform eks serves app.domain through an ALB with an ACM "
     "certificate validated in Route 53"),
    ("staging", lambda v: mutate(v, "forge-infra:eks.ingress_class", "nginx"),
     "forge-infra:eks.ingress_controller_namespace", "ingress_class 'nginx' is served by a "
     "controller you install"),
    ("staging", lambda v: mutate(v, "forge-infra:eks.ingress_controller_namespace", "ingress"),
     "forge-infra:eks.ingress_controller_namespace", "ingress_class alb needs no controller "
     "namespace"),
    ("staging", lambda v: mutate(v, "forge-infra:eks.public_access_cidrs", []),
     "forge-infra:eks.public_access_cidrs", "0.0.0.0/0 is not accepted"),
]


@pytest.mark.parametrize(("stack", "mutation", "key", "fragment"), BAD_INPUTS,
                         ids=[f"{k}:{f[:30]}" for _, _, k, f in BAD_INPUTS])
def test_bad_input_names_the_key(stack, mutation, key, fragment) -> None:
    with pytest.raises(ConfigError) as info:
        load(mutation(stack_values(stack)), stack)
    message = str(info.value)
    assert message.startswith(f"Pulumi.{stack}.yaml: "), message
    matching = [p for p in info.value.problems if p.startswith(key + ":")]
    assert matching, f"no problem names {key}: {info.value.problems}"
    assert any(fragment in p for p in matching), matching


def test_every_problem_of_a_file_is_reported_at_once() -> None:
    values = mutate(mutate(mutate(stack_values("dev"), "forge-infra:cache.nodes", 0),
                           "forge-infra:network.cidr", "nope"),
                    "forge-infra:database.engine", "oracle")
    with pytest.raises(ConfigError) as info:
        load(values)
    keys = sorted(p.split(": ", 1)[0] for p in info.value.problems)
    assert keys == ["forge-infra:cache.nodes", "forge-infra:database.engine",
                    "forge-infra:network.cidr"]
    assert "3 configuration problems" in str(info.value)


def test_cross_rules_of_parsed_sections_run_beside_field_errors() -> None:
    """A bad database block does not hide the network, streaming or services rules."""
    values = stack_values("dev")
    for path, value in [("forge-infra:database.engine", "oracle"),
                        ("forge-infra:network.subnet_prefixes", {"private": 18, "public": 18}),
                        ("forge-infra:streaming.brokers", 2),
                        ("forge-infra:services.worker.port", 9000),
                        ("forge-infra:services.api.memory", 4096),
                        ("forge-infra:budget.monthly_limit_usd", -1)]:
        values = mutate(values, path, value)
    with pytest.raises(ConfigError) as info:
        load(values)
    assert [p.split(": ", 1)[0] for p in info.value.problems] == [
        "forge-infra:budget.monthly_limit_usd", "forge-infra:database.engine",
        "forge-infra:services.worker.port", "forge-infra:network.cidr",
        "forge-infra:streaming.brokers", "forge-infra:services.api.memory"]
    assert "6 configuration problems" in str(info.value)


def test_a_failed_section_skips_only_the_rules_that_read_it() -> None:
    """With a bad network block, the MSK subnet rule (network + streaming) cannot run, the
    database rule still does."""
    values = mutate(mutate(stack_values("prod"), "forge-infra:network.az_count", "three"),
                    "forge-infra:streaming.brokers", 4)
    values = mutate(values, "forge-infra:database.max_allocated_storage_gb", 50)
    with pytest.raises(ConfigError) as info:
        load(values, "prod")
    assert [p.split(": ", 1)[0] for p in info.value.problems] == [
        "forge-infra:network.az_count", "forge-infra:database.max_allocated_storage_gb"]


def test_loading_a_stack_imports_no_cloud_sdk() -> None:
    """The neutral model imports no cloud module; an AWS stack loads only clouds.aws's
    SDK-free settings."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import forge_infra.config, forge_infra.model.config, forge_infra.model.target\n"
        "def cloudy():\n"
        "    return sorted(m for m in sys.modules\n"
        "                  if m.startswith(('pulumi_', 'forge_infra.clouds')))\n"
        "loaded = cloudy()\n"
        "assert loaded == [], loaded\n"
        "forge_infra.config.load_stack_file('prod', sys.argv[1])\n"
        "loaded = cloudy()\n"
        "assert loaded == ['forge_infra.clouds', 'forge_infra.clouds.aws',\n"
        "                  'forge_infra.clouds.aws.settings'], loaded\n")
    result = subprocess.run([sys.executable, "-c", code, str(ROOT)], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_timescaledb_with_the_ec2_engine_is_accepted() -> None:
    values = mutate(mutate(stack_values("dev"), "forge-infra:database.timescaledb", True),
                    "forge-infra:database.engine", "timescaledb-ec2")
    assert aws(load(values)).database.engine is DatabaseEngine.TIMESCALEDB_EC2


def test_secure_values_stay_secret_and_are_never_printed() -> None:
    ciphertext = "v1:Zm9yZ2UtaW5mcmEtdGVzdC1jaXBoZXJ0ZXh0"
    values = mutate(stack_values("dev"), "forge-infra:secrets", {"jwt_key": {"secure": ciphertext}})
    values = mutate(values, "forge-infra:services.api.secrets",
                    {"JWT_KEY": "app:jwt_key", "REDIS_AUTH_TOKEN": "cache"})
    config = load(values)
    secret = config.secrets["jwt_key"]
    assert secret.get_secret_value().startswith("offline-")
    assert ciphertext not in secret.get_secret_value()
    assert secret.get_secret_value() not in repr(config)
    assert secret.get_secret_value() not in str(config.model_dump())


def test_stack_file_errors_name_the_file(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.qa.yaml").write_text("config:\n  aws:region: us-east-1\n")
    with pytest.raises(ConfigError) as info:
        load_stack_file("qa", tmp_path)
    assert str(info.value).startswith("Pulumi.qa.yaml: ")
    keys = {p.split(": ", 1)[0] for p in info.value.problems}
    assert {"forge-infra:environment", "forge-infra:services"} <= keys


def test_missing_stack_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such stack file"):
        load_stack_file("nope", tmp_path)


# -- random mutations: a valid model or a ConfigError, never anything else ------------------

_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10, 100_000),
                     st.text(max_size=12), st.sampled_from(["10.0.0.0/8", "msk", "eks", "z"]))


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    paths = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            paths.extend(_paths(item, (*prefix, key)))
    return paths


_DEV_PATHS = _paths(stack_values("dev"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=st.lists(st.tuples(st.sampled_from(_DEV_PATHS), _scalars), min_size=1,
                      max_size=4),
       stack=st.sampled_from(["dev", "staging", "prod"]))
def test_random_mutations_give_a_model_or_a_config_error(edits, stack) -> None:
    values = copy.deepcopy(stack_values("dev"))
    for path, new_value in edits:
        node = values
        for part in path[:-1]:
            if not isinstance(node.get(part), dict):
                break
            node = node[part]
        else:
            node[path[-1]] = new_value
    try:
        config = load(values, stack)
    except ConfigError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert re.match(r"^[a-z-]+:[\w.\[\]-]*: ", problem) or problem.startswith(
                ("no such", "config:")), problem
    else:
        assert isinstance(config, StackConfig)


def test_aws_provider_settings_are_kept_for_the_program() -> None:
    values = mutate(mutate(stack_values("dev"), "aws:profile", "forge-dev"),
                    "aws:assumeRoles", [{"roleArn": "arn:aws:iam::123456789012:role/deploy"}])
    config = aws(load(values))
    assert config.aws_provider == {
        "profile": "forge-dev",
        "assumeRoles": [{"roleArn": "arn:aws:iam::123456789012:role/deploy"}]}


def test_the_aws_provider_settings_list_matches_the_installed_sdk() -> None:
    import inspect

    import pulumi_aws

    from forge_infra.clouds.aws.settings import AWS_PROVIDER_SETTINGS

    parameters = set(inspect.signature(pulumi_aws.Provider._internal_init).parameters)
    sdk = {p for p in parameters if not p.startswith("_")} - {
        "resource_name", "opts", "region", "default_tags"}
    snake = {re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower() for key in AWS_PROVIDER_SETTINGS}
    assert snake == sdk


def test_a_missing_cloud_is_reported_once_and_a_bad_app_name_in_words() -> None:
    with pytest.raises(ConfigError) as caught:
        config_from_mapping({"forge-infra:app": {"name": "x"}}, stack="qa",
                            source="Pulumi.qa.yaml")
    problems = caught.value.problems
    assert [p for p in problems if p.startswith("forge-infra:cloud:")] == [
        "forge-infra:cloud: required, but not set; registered cloud targets: aws, azure"]
    assert ("forge-infra:app.name: got 'x'; allowed: 3 to 20 characters: lower-case letters, "
            "digits and hyphens, starting with a letter and ending with a letter or digit (the "
            "pattern ^[a-z][a-z0-9-]{1,18}[a-z0-9]$)") in problems
