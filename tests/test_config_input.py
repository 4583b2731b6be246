"""Issue 9: bad stack-file values, one table per class of bad input.

Each case mutates a shipped stack file and asserts a `ConfigError` whose message names the
stack file, the key path and what is allowed (no traceback, nothing declared: the config is
validated before `build()` runs). The valid shipped files still load (tests/test_config.py).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from forge_infra.config import ConfigError, StackConfig, config_from_mapping
from tests.test_config import mutate, remove, stack_values

Mutation = Callable[[dict[str, Any]], dict[str, Any]]


def load(values: dict[str, Any], stack: str) -> StackConfig:
    return config_from_mapping(values, stack=stack, source=f"Pulumi.{stack}.yaml")


def problems_of(values: dict[str, Any], stack: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load(values, stack)
    assert str(info.value).startswith(f"Pulumi.{stack}.yaml: "), str(info.value)
    assert "Traceback" not in str(info.value)
    return info.value.problems


def check_case(stack: str, file_stack: str, mutation: Mutation, key: str,
               fragment: str) -> None:
    problems = problems_of(mutation(copy.deepcopy(stack_values(file_stack))), stack)
    matching = [p for p in problems if p.startswith(key + ":")]
    assert matching, f"no problem names {key}: {problems}"
    assert any(fragment in p for p in matching), matching


# -- environments: the stack name and the declared environment ------------------------------

ENVIRONMENT_CASES = [
    # (stack name, stack file used, mutation, key path, fragment)
    ("prod", "prod", lambda v: mutate(v, "forge-infra:environment", "dev"),
     "forge-infra:environment", "got 'dev'; the stack 'prod' is the prod environment"),
    ("staging", "staging", lambda v: mutate(v, "forge-infra:environment", "prod"),
     "forge-infra:environment", "remove the key or set staging"),
    ("qa", "dev", lambda v: v, "forge-infra:environment",
     "required, but not set; allowed: dev, staging, prod; a stack named 'qa' declares its "
     "environment"),
    ("qa", "dev", lambda v: mutate(v, "forge-infra:environment", "test"),
     "forge-infra:environment", "got 'test'; Input should be 'dev', 'staging' or 'prod'"),
]


@pytest.mark.parametrize(("stack", "file_stack", "mutation", "key", "fragment"),
                         ENVIRONMENT_CASES, ids=[f"{c[0]}:{c[4][:25]}" for c in ENVIRONMENT_CASES])
def test_environment_cases(stack, file_stack, mutation, key, fragment) -> None:
    check_case(stack, file_stack, mutation, key, fragment)


def test_a_prod_stack_declaring_dev_still_gets_the_prod_rules() -> None:
    """The prod rules cannot be switched off: they run on a prod stack whatever it declares."""
    values = mutate(mutate(stack_values("prod"), "forge-infra:environment", "dev"),
                    "forge-infra:database.multi_az", False)
    problems = problems_of(values, "prod")
    assert any(p.startswith("forge-infra:database.multi_az: prod requires") for p in problems)


def test_another_stack_name_takes_the_environment_it_declares() -> None:
    config = load(mutate(stack_values("dev"), "forge-infra:environment", "dev"), "qa")
    assert (config.stack, config.environment, config.is_prod) == ("qa", "dev", False)
    prod_like = mutate(stack_values("dev"), "forge-infra:environment", "prod")
    assert any(p.startswith("forge-infra:protect: prod requires")
               for p in problems_of(prod_like, "qa"))


# -- secrets: never plain text ----------------------------------------------------------------

SECRET_CASES = [
    ("dev", "dev", lambda v: mutate(v, "forge-infra:secrets", {"jwt_key": "s3cr3t"}),
     "forge-infra:secrets.jwt_key",
     "a plaintext value; secrets are stored encrypted: set it with pulumi config set --secret "
     "--path 'forge-infra:secrets.jwt_key' VALUE"),
    ("dev", "dev", lambda v: mutate(v, "aws:secretKey", "wJalrXUtnFEMI"), "aws:secretKey",
     "set it with pulumi config set --secret 'aws:secretKey' VALUE"),
    ("dev", "dev", lambda v: mutate(v, "aws:accessKey", "AKIAIOSFODNN7EXAMPLE"),
     "aws:accessKey", "set it with pulumi config set --secret 'aws:accessKey' VALUE"),
    ("dev", "dev", lambda v: mutate(v, "forge-infra:secrets", {"jwt_key": {"secure": ""}}),
     "forge-infra:secrets.jwt_key", "got secure: ''; a secure value is the non-empty "
     "ciphertext"),
    ("dev", "dev", lambda v: mutate(v, "forge-infra:secrets", {"jwt_key": {"secure": 7}}),
     "forge-infra:secrets.jwt_key", "got secure: 7"),
    ("dev", "dev", lambda v: mutate(v, "forge-infra:services.api.env", {"DB_PASSWORD": "hunter2"}),
     "forge-infra:services.api.env.DB_PASSWORD",
     "looks like a secret (its name contains PASSWORD)"),
    ("dev", "dev", lambda v: mutate(v, "forge-infra:services.ui.env", {"STRIPE_APIKEY": "x"}),
     "forge-infra:services.ui.env.STRIPE_APIKEY",
     "services.ui.secrets: {STRIPE_APIKEY: app:stripe_apikey}"),
    ("dev", "dev", lambda v: mutate(v, "forge-infra:services.gateway.env",
                                    {"GITHUB_TOKEN": "ghp_x"}),
     "forge-infra:services.gateway.env.GITHUB_TOKEN",
     "pulumi config set --secret --path 'forge-infra:secrets.github_token' VALUE"),
    ("dev", "dev", lambda v: mutate(v, "forge-infra:services.api.env", {"JWT_SECRET": "x"}),
     "forge-infra:services.api.env.JWT_SECRET", "contains SECRET"),
    ("dev", "dev", lambda v: mutate(v, "forge-infra:services.api.env", {"SIGNING_KEY": "x"}),
     "forge-infra:services.api.env.SIGNING_KEY", "contains KEY"),
]


@pytest.mark.parametrize(("stack", "file_stack", "mutation", "key", "fragment"),
                         SECRET_CASES, ids=[c[3] for c in SECRET_CASES])
def test_secret_cases(stack, file_stack, mutation, key, fragment) -> None:
    check_case(stack, file_stack, mutation, key, fragment)


def test_a_plaintext_secret_is_never_echoed() -> None:
    problems = problems_of(mutate(stack_values("dev"), "forge-infra:secrets",
                                  {"jwt_key": "s3cr3t-value"}), "dev")
    assert not any("s3cr3t-value" in p for p in problems), problems


def test_encrypted_credentials_and_secrets_are_accepted() -> None:
    values = mutate(stack_values("dev"), "forge-infra:secrets", {"k": {"secure": "v1:abc"}})
    values["aws:secretKey"] = {"secure": "v1:def"}
    values["aws:accessKey"] = {"secure": "v1:ghi"}
    assert set(load(values, "dev").secrets) == {"k"}


@pytest.mark.parametrize("name", ["LOG_LEVEL", "FEATURE_FLAGS", "PORT", "KEYCLOAK_URL"])
def test_plain_variables_stay_in_env(name: str) -> None:
    config = load(mutate(stack_values("dev"), "forge-infra:services.api.env", {name: "x"}),
                  "dev")
    assert config.services.api.env == {name: "x"}


RESERVED = ["DATABASE_HOST", "DATABASE_URL", "REDIS_HOST", "REDIS_TLS", "KAFKA_BROKERS",
            "KAFKA_PASSWORD", "APP_ENV"]


@pytest.mark.parametrize("block", ["env", "secrets"])
@pytest.mark.parametrize("name", RESERVED)
def test_variables_forge_infra_sets_cannot_be_overridden(block: str, name: str) -> None:
    value = "x" if block == "env" else "cache"
    values = mutate(stack_values("dev"), f"forge-infra:services.worker.{block}", {name: value})
    problems = problems_of(values, "dev")
    key = f"forge-infra:services.worker.{block}.{name}"
    assert f"{key}: forge-infra sets {name} itself (it owns APP_ENV and every DATABASE_*, " \
           "REDIS_*, KAFKA_* variable" in "\n".join(problems), problems


def test_the_cache_token_is_the_one_data_variable_a_stack_sets() -> None:
    config = load(stack_values("dev"), "dev")
    assert config.services.api.secrets == {"REDIS_AUTH_TOKEN": "cache"}
    bad = mutate(stack_values("dev"), "forge-infra:services.api.secrets",
                 {"REDIS_AUTH_TOKEN": "app:token"})
    assert "forge-infra:services.api.secrets.REDIS_AUTH_TOKEN: got 'app:token'; " \
           "REDIS_AUTH_TOKEN takes the reference 'cache' only" in problems_of(bad, "dev")


# -- messages ---------------------------------------------------------------------------------

MESSAGE_CASES = [
    ("staging", "staging", lambda v: mutate(v, "forge-infra:eks.version", 1.3),
     "forge-infra:eks.version", "got 1.3; Input should be a valid string; quote it in the "
     "stack file (\"1.3\"): unquoted, YAML reads it as a number (an unquoted 1.30 becomes 1.3)"),
    ("dev", "dev", lambda v: remove(v, "forge-infra:services"), "forge-infra:services",
     "required, but not set; a mapping (required keys: gateway, api, worker, ui)"),
    ("dev", "dev", lambda v: mutate(v, "forge-infra:services", None), "forge-infra:services",
     "required, but not set; a mapping (required keys: gateway, api, worker, ui)"),
    ("dev", "dev", lambda v: mutate(v, "forge-infra:services.api", None),
     "forge-infra:services.api", "required, but not set; a mapping (required keys: image; "
     "optional: port"),
    ("dev", "dev", lambda v: remove(v, "forge-infra:services.api.image"),
     "forge-infra:services.api.image", "required, but not set; a mapping (required keys: "
     "repository, tag)"),
]


@pytest.mark.parametrize(("stack", "file_stack", "mutation", "key", "fragment"),
                         MESSAGE_CASES, ids=[f"{c[3]}:{c[4][:20]}" for c in MESSAGE_CASES])
def test_message_cases(stack, file_stack, mutation, key, fragment) -> None:
    check_case(stack, file_stack, mutation, key, fragment)
    problems = problems_of(mutation(copy.deepcopy(stack_values(file_stack))), stack)
    assert not any("instance of" in p for p in problems), problems


# -- catalogues: regions, zones, instance and node classes ----------------------------------

CATALOGUE_CASES = [
    ("dev", "dev", lambda v: mutate(v, "aws:region", "us-east-9"), "aws:region",
     "got 'us-east-9'; not an AWS region; allowed (partitions aws, aws-cn, aws-us-gov"),
    ("dev", "dev", lambda v: mutate(v, "aws:region", "eusc-de-east-1"), "aws:region",
     "the AWS European Sovereign Cloud partition (aws-eusc), which forge-infra does not deploy"),
    ("dev", "dev", lambda v: mutate(v, "aws:region", "Virginia"), "aws:region",
     "must match the pattern"),
    ("dev", "dev", lambda v: mutate(v, "forge-infra:network.azs", ["us-east-1a", "us-east-1a"]),
     "forge-infra:network.azs", "repeats ['us-east-1a']"),
    ("dev", "dev", lambda v: mutate(v, "forge-infra:network.azs", ["us-east-1a", "us-east-1z"]),
     "forge-infra:network.azs", "['us-east-1z'] is not a zone of us-east-1; allowed: "
     "us-east-1a, us-east-1b, us-east-1c, us-east-1d, us-east-1e, us-east-1f"),
    ("dev", "dev", lambda v: mutate(v, "forge-infra:network.azs", ["eu-west-1a", "eu-west-1b"]),
     "forge-infra:network.azs", "are not zones of us-east-1"),
    ("dev", "dev", lambda v: mutate(mutate(v, "aws:region", "eu-west-1"),
                                    "forge-infra:network.az_count", 4),
     "forge-infra:network.az_count", "got 4; eu-west-1 has 3 Availability Zones"),
    ("dev", "dev", lambda v: mutate(v, "forge-infra:database.instance_class", "db.t4g.gigantic"),
     "forge-infra:database.instance_class", "got 'db.t4g.gigantic'; not an RDS for PostgreSQL DB "
     "instance class (components/forge_components/aws/catalog/"
     "rds_postgresql_instance_classes.yaml, from https://docs.aws.amazon.com/AmazonRDS/latest/"
     "UserGuide/Concepts.DBInstanceClass.Support.html); nearest: db.t4g.micro, db.t4g.small"),
    ("dev", "dev", lambda v: mutate(v, "forge-infra:database.instance_class", "banana"),
     "forge-infra:database.instance_class", "rds classes start with 'db.'"),
    # A real EC2 type behind the prefix is not enough: RDS has no c5 classes.
    ("dev", "dev", lambda v: mutate(v, "forge-infra:database.instance_class", "db.c5.large"),
     "forge-infra:database.instance_class", "not an RDS for PostgreSQL DB instance class"),
    # t2 (and m4, r4) serve PostgreSQL below 13 only.
    ("dev", "dev", lambda v: mutate(v, "forge-infra:database.instance_class", "db.t2.micro"),
     "forge-infra:database.instance_class", "nearest: db.t3.micro"),
    ("dev", "dev", lambda v: mutate(v, "forge-infra:database.instance_type", "banana"),
     "forge-infra:database.instance_type", "no instance family 'banana' exists"),
    ("dev", "dev", lambda v: mutate(v, "forge-infra:cache.node_type", "cache.t4g.gigantic"),
     "forge-infra:cache.node_type", "not an ElastiCache node type for Valkey or Redis OSS "
     "(components/forge_components/aws/catalog/elasticache_node_types.yaml, from "
     "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CacheNode.html); "
     "nearest: cache.t4g.micro, cache.t4g.small, cache.t4g.medium"),
    ("dev", "dev", lambda v: mutate(v, "forge-infra:cache.node_type", "cache.t2.micro"),
     "forge-infra:cache.node_type", "not an ElastiCache node type"),
    ("dev", "dev", lambda v: mutate(v, "forge-infra:cache.node_type", "cache.c5.large"),
     "forge-infra:cache.node_type", "not an ElastiCache node type"),
    ("dev", "dev", lambda v: mutate(v, "forge-infra:cache.node_type", "db.t4g.small"),
     "forge-infra:cache.node_type", "elasticache classes start with 'cache.'"),
    ("prod", "prod", lambda v: mutate(v, "forge-infra:streaming.instance_type", "kafka.x9.large"),
     "forge-infra:streaming.instance_type", "got 'kafka.x9.large'; not an MSK Standard broker "
     "size (components/forge_components/aws/catalog/msk_broker_sizes.yaml, from "
     "https://docs.aws.amazon.com/msk/latest/developerguide/broker-instance-sizes.html)"),
    ("prod", "prod", lambda v: mutate(v, "forge-infra:streaming.instance_type", "kafka.m5.huge"),
     "forge-infra:streaming.instance_type", "nearest: kafka.m5.large, kafka.m5.xlarge"),
    ("prod", "prod", lambda v: mutate(v, "forge-infra:streaming.instance_type", "kafka.r5.large"),
     "forge-infra:streaming.instance_type", "not an MSK Standard broker size"),
    ("prod", "prod", lambda v: mutate(v, "forge-infra:streaming.instance_type",
                                      "express.m7g.large"),
     "forge-infra:streaming.instance_type", "msk classes start with 'kafka.'"),
    ("prod", "prod", lambda v: mutate(v, "forge-infra:streaming.instance_type", "t3.small"),
     "forge-infra:streaming.instance_type", "msk classes start with 'kafka.'"),
    ("staging", "staging", lambda v: mutate(v, "forge-infra:eks.node_instance_types", []),
     "forge-infra:eks.node_instance_types", "should have at least 1 item"),
    ("staging", "staging", lambda v: mutate(v, "forge-infra:eks.node_instance_types",
                                            ["t3.large", "banana"]),
     "forge-infra:eks.node_instance_types", "banana: not an instance type of the catalogue"),
    ("staging", "staging", lambda v: mutate(v, "forge-infra:eks.node_instance_types",
                                            ["m6i.xlarge", "m6i.xlarge"]),
     "forge-infra:eks.node_instance_types", "repeats ['m6i.xlarge']"),
]


@pytest.mark.parametrize(("stack", "file_stack", "mutation", "key", "fragment"),
                         CATALOGUE_CASES, ids=[f"{c[3]}:{c[4][:20]}" for c in CATALOGUE_CASES])
def test_catalogue_cases(stack, file_stack, mutation, key, fragment) -> None:
    check_case(stack, file_stack, mutation, key, fragment)


# -- values: images, tags, e-mails, ARNs, CIDRs, aliases, database names ---------------------

VALUE_CASES = [
    ("prod", "prod", lambda v: mutate(v, "forge-infra:hosted_zone_id", "zone-1"),
     "forge-infra:hosted_zone_id", "got 'zone-1'; not a Route 53 hosted zone id: Z followed by "
     "uppercase letters and digits, 32 characters at most (e.g. Z0123456789ABCDEFGHIJ; Route 53 "
     "API Reference, HostedZone Id, ResourceId: maximum length 32)"),
    ("prod", "prod", lambda v: mutate(v, "forge-infra:hosted_zone_id",
                                      "/hostedzone/Z1D633PJN98FT9"),
     "forge-infra:hosted_zone_id", "drop the /hostedzone/ prefix ('Z1D633PJN98FT9')"),
    ("prod", "prod", lambda v: mutate(v, "forge-infra:hosted_zone_id", "z1d633pjn98ft9"),
     "forge-infra:hosted_zone_id", "ids are upper case ('Z1D633PJN98FT9')"),
    ("prod", "prod", lambda v: mutate(v, "forge-infra:hosted_zone_id", "example.com"),
     "forge-infra:hosted_zone_id", "list-hosted-zones-by-name --dns-name example.com"),
    ("prod", "prod", lambda v: mutate(v, "forge-infra:hosted_zone_id", "Z" + "A" * 32),
     "forge-infra:hosted_zone_id", "32 characters at most"),
    ("dev", "dev", lambda v: mutate(v, "forge-infra:services.api.image.repository",
                                    "https://ghcr.io/forge/api:0.1.0"),
     "forge-infra:services.api.image.repository", "an image repository has no scheme"),
    ("dev", "dev", lambda v: mutate(v, "forge-infra:services.api.image.repository", "api:1.0"),
     "forge-infra:services.api.image.repository", "the tag goes in image.tag"),
    ("dev", "dev", lambda v: mutate(v, "forge-infra:services.api.image.tag", "1.0:0.1.0"),
     "forge-infra:services.api.image.tag", "an image tag is 1..128 letters"),
    ("dev", "dev", lambda v: mutate(v, "forge-infra:services.api.image.repository",
                                    "ghcr.io//forge"),
     "forge-infra:services.api.image.repository", "path component '' invalid"),
    ("dev", "dev", lambda v: mutate(v, "forge-infra:services.api.image.tag", "sha256:abc"),
     "forge-infra:services.api.image.tag", "a digest is sha256: followed by 64"),
    ("dev", "dev", lambda v: mutate(v, "forge-infra:tags", {"aws:team": "x"}),
     "forge-infra:tags.aws:team", "reserved for AWS"),
    ("dev", "dev", lambda v: mutate(v, "forge-infra:tags", {"k" * 129: "x"}),
     "forge-infra:tags." + "k" * 129, "the key has 129 characters; AWS allows 1..128"),
    ("dev", "dev", lambda v: mutate(v, "forge-infra:tags", {"team": "x" * 257}),
     "forge-infra:tags.team", "the value has 257 characters; AWS allows at most 256"),
    ("dev", "dev", lambda v: mutate(v, "forge-infra:tags", {"team": "a;b"}),
     "forge-infra:tags.team", "the value has ';'; AWS tags allow letters"),
    ("dev", "dev", lambda v: mutate(v, "forge-infra:tags", {"environment": "qa"}),
     "forge-infra:tags.environment", "forge-infra sets the 'environment' tag itself"),
    ("dev", "dev", lambda v: mutate(v, "forge-infra:budget.alert_emails", ["ops@", "a@b@c.io"]),
     "forge-infra:budget.alert_emails", "not e-mail addresses"),
    ("dev", "dev", lambda v: mutate(v, "forge-infra:budget.alert_emails",
                                    ["ops@acme.io", "ops@acme.io"]),
     "forge-infra:budget.alert_emails", "repeats ['ops@acme.io']"),
    ("staging", "staging", lambda v: mutate(v, "forge-infra:eks.admin_role_arns", ["admin"]),
     "forge-infra:eks.admin_role_arns", "['admin'] is not an IAM role ARN"),
    ("staging", "staging", lambda v: mutate(v, "forge-infra:eks.admin_role_arns",
                                            ["arn:aws-cn:iam::123456789012:role/admin"]),
     "forge-infra:eks.admin_role_arns", "is in partition aws-cn, but us-east-1 is in aws"),
    ("dev", "dev", lambda v: mutate(v, "forge-infra:services.api.secrets", {
        "STRIPE": "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:s"}),
     "forge-infra:services.api.secrets.STRIPE", "is not in partition aws of us-east-1"),
    ("dev", "dev", lambda v: mutate(v, "forge-infra:network.cidr", "127.0.0.0/16"),
     "forge-infra:network.cidr", "inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, "
     "100.64.0.0/10"),
    ("dev", "dev", lambda v: mutate(v, "forge-infra:network.cidr", "169.254.0.0/16"),
     "forge-infra:network.cidr", "must be a private (RFC 1918) range"),
    ("dev", "dev", lambda v: mutate(v, "forge-infra:network.cidr", "240.0.0.0/16"),
     "forge-infra:network.cidr", "must be a private (RFC 1918) range"),
    ("staging", "staging", lambda v: mutate(v, "forge-infra:eks.public_access_cidrs",
                                            ["1.2.3.4"]),
     "forge-infra:eks.public_access_cidrs", "'1.2.3.4' is an address, not a network; write "
     "1.2.3.4/32"),
    ("prod", "prod", lambda v: mutate(v, "forge-infra:cdn.aliases", ["www.other-company.com"]),
     "forge-infra:cdn.aliases", "['www.other-company.com'] is outside app.domain "
     "(forge.example.com)"),
    ("prod", "prod", lambda v: mutate(v, "forge-infra:cdn.aliases", ["not a name", "x"]),
     "forge-infra:cdn.aliases", "not lower-case DNS names"),
    ("prod", "prod", lambda v: mutate(v, "forge-infra:cdn.aliases",
                                      ["www.forge.example.com", "www.forge.example.com"]),
     "forge-infra:cdn.aliases", "repeats ['www.forge.example.com']"),
    ("prod", "prod", lambda v: mutate(v, "forge-infra:cdn.aliases", ["forge.example.com"]),
     "forge-infra:cdn.aliases", "forge.example.com is app.domain"),
    ("dev", "dev", lambda v: mutate(v, "forge-infra:database.username", "rdsadmin"),
     "forge-infra:database.username", "'rdsadmin' already exists on every RDS for PostgreSQL"),
    ("dev", "dev", lambda v: mutate(v, "forge-infra:database.name", "select"),
     "forge-infra:database.name", "'select' is a reserved SQL keyword in PostgreSQL, which RDS "
     "refuses as a database name"),
    ("dev", "dev", lambda v: mutate(v, "forge-infra:database.app_username", "user"),
     "forge-infra:database.app_username", "'user' is a reserved SQL keyword"),
    ("dev", "dev", lambda v: mutate(v, "forge-infra:database.name", "template1"),
     "forge-infra:database.name", "already exists"),
]


@pytest.mark.parametrize(("stack", "file_stack", "mutation", "key", "fragment"),
                         VALUE_CASES, ids=[f"{c[3][:40]}:{c[4][:20]}" for c in VALUE_CASES])
def test_value_cases(stack, file_stack, mutation, key, fragment) -> None:
    check_case(stack, file_stack, mutation, key, fragment)


@pytest.mark.parametrize(("path", "value"), [
    ("forge-infra:network.cidr", "100.64.0.0/16"),
    ("forge-infra:services.api.image.tag", "sha256:" + "0" * 64),
    ("forge-infra:services.api.image.repository",
     "123456789012.dkr.ecr.us-east-1.amazonaws.com/forge/api"),
    ("forge-infra:services.api.image.repository", "localhost:5000/forge/api"),
    ("forge-infra:tags", {"cost-center": "platform dev", "owner": "team@acme.io"}),
    ("forge-infra:budget.alert_emails", ["first.last+budget@acme-corp.io"]),
])
def test_good_values_are_accepted(path: str, value: Any) -> None:
    load(mutate(stack_values("dev"), path, value), "dev")


@pytest.mark.parametrize(("stack", "path", "value"), [
    ("dev", "forge-infra:database.instance_class", "db.m7g.large"),
    ("dev", "forge-infra:database.instance_class", "db.r6i.32xlarge"),
    ("dev", "forge-infra:database.instance_class", "db.t3.micro"),
    ("dev", "forge-infra:cache.node_type", "cache.r7g.16xlarge"),
    ("dev", "forge-infra:cache.node_type", "cache.m5.large"),
    ("prod", "forge-infra:streaming.instance_type", "kafka.m7g.xlarge"),
    ("prod", "forge-infra:streaming.instance_type", "kafka.m5.24xlarge"),
])
def test_catalogued_classes_are_accepted(stack: str, path: str, value: str) -> None:
    load(mutate(stack_values(stack), path, value), stack)


def test_cdn_aliases_under_the_app_domain_are_accepted() -> None:
    values = mutate(stack_values("prod"), "forge-infra:cdn.aliases",
                    ["www.forge.example.com", "*.assets.forge.example.com"])
    assert load(values, "prod").target.cdn.aliases  # type: ignore[attr-defined]


# -- values the program would reject are config rules ----------------------------------------

PROGRAM_CASES = [
    ("dev", "dev", lambda v: mutate(v, "forge-infra:services.worker.replicas", 0),
     "forge-infra:services.worker.replicas", "got 0; Input should be greater than or equal to 1"),
    ("dev", "dev", lambda v: mutate(v, "forge-infra:database.backup_retention_days", 0),
     "forge-infra:database.backup_retention_days", "greater than or equal to 1"),
]


@pytest.mark.parametrize(("stack", "file_stack", "mutation", "key", "fragment"),
                         PROGRAM_CASES, ids=[c[3] for c in PROGRAM_CASES])
def test_program_cases(stack, file_stack, mutation, key, fragment) -> None:
    check_case(stack, file_stack, mutation, key, fragment)


# -- prod rules the suite used to miss (each fails with its rule removed) --------------------

PROD_CASES = [
    ("prod", "prod", lambda v: mutate(v, "forge-infra:storage.force_destroy", True),
     "forge-infra:storage.force_destroy", "prod buckets must never be force-destroyed"),
    ("prod", "prod", lambda v: mutate(mutate(v, "forge-infra:services.api.replicas", 3),
                                      "forge-infra:services.api.autoscaling.min", 1),
     "forge-infra:services.api.replicas",
     "prod requires at least 2 replicas (and autoscaling.min >= 2); got replicas 3, minimum 1"),
    ("prod", "prod", lambda v: mutate(v, "forge-infra:eks.public_access_cidrs", ["0.0.0.0/0"]),
     "forge-infra:eks.public_access_cidrs", "0.0.0.0/0 opens the Kubernetes API to the internet"),
]


@pytest.mark.parametrize(("stack", "file_stack", "mutation", "key", "fragment"),
                         PROD_CASES, ids=[c[3] for c in PROD_CASES])
def test_prod_cases(stack, file_stack, mutation, key, fragment) -> None:
    check_case(stack, file_stack, mutation, key, fragment)


def test_the_same_values_pass_outside_prod() -> None:
    """The prod cases fail because of prod: staging accepts each of them."""
    values = mutate(stack_values("staging"), "forge-infra:storage.force_destroy", True)
    values = mutate(values, "forge-infra:services.api.autoscaling",
                    {"min": 1, "max": 4, "target_cpu": 70})
    values = mutate(values, "forge-infra:services.api.replicas", 2)
    load(values, "staging")
