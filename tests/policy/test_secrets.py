"""Secret rules: no plaintext secret in a task definition, a Lambda function, an SSM
parameter, a Helm release's values, a container's env or a ConfigMap; references to secrets
(ARNs, ids, names, mounted files) are not secrets. Both paths, exact messages."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from forge_infra.policy.registry import rule_by_id
from forge_infra.policy.rules import secrets
from forge_infra.policy.rules.secrets import is_plaintext, looks_like_secret, name_words
from tests.policy.harness import both, mutated, with_resource
from tests.policy.plans import PLATFORMS, STACKS, stack_plan
from tests.policy.rerender import platform_release_index, rerendered

TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
LAMBDA = "aws:lambda/function:Function"
SSM = "aws:ssm/parameter:Parameter"
RELEASE = "kubernetes:helm.sh/v3:Release"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
CONFIGMAP = "kubernetes:core/v1:ConfigMap"

ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:forge-prod-db-AbCdEf"


@pytest.mark.parametrize("rule_id", [r.id for r in secrets.RULES])
@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_real_stacks_pass(rule_id: str, stack: str, platform: str) -> None:
    assert both(rule_by_id(rule_id), stack_plan(stack, platform)) == []


@pytest.mark.parametrize("name", [
    "DB_PASSWORD", "dbPassword", "/forge/prod/db/password", "REDIS_AUTH_TOKEN", "API_KEY",
    "apiKey", "STRIPE_SECRET_KEY", "signingKey", "CLIENT_SECRET", "privateKey", "passwd",
    "GITHUB_TOKENS", "aws-access-key", "SMTP_CREDENTIALS"])
def test_names_that_hold_secrets(name: str) -> None:
    assert looks_like_secret(name)


@pytest.mark.parametrize("name", [
    # References: the value names the secret, it does not hold it.
    "SECRET_ARN", "KMS_KEY_ID", "PASSWORD_SECRET_ARN", "DATABASE_PASSWORD_FILE", "secretName",
    "existingSecret", "TOKEN_URL", "tokenSecretRef",
    # Settings about a secret, and names with no secret word.
    "TOKEN_TTL", "PASSWORD_MIN_LENGTH", "DATABASE_AUTH", "CACHE_KEY", "key", "DATABASE_HOST",
    "automountToken_enabled", "KAFKA_USERNAME", ""])
def test_names_that_do_not(name: str) -> None:
    assert not looks_like_secret(name)


def test_name_words_split_every_spelling_alike() -> None:
    assert {tuple(name_words(n)) for n in ("KAFKA_PASSWORD", "kafkaPassword", "kafka-password",
                                           "/kafka/password")} == {("kafka", "password")}


@pytest.mark.parametrize(("value", "plaintext"), [
    ("hunter2", True), ("[secret]", False), ("[unknown]", False), ("", False), ("  ", False),
    (ARN, False), (None, False), (42, False)])
def test_plaintext_values(value: Any, plaintext: bool) -> None:
    assert is_plaintext(value) is plaintext


# -- ECS -----------------------------------------------------------------------------------


def _add_ecs_env(props: dict[str, Any], *variables: dict[str, str]) -> None:
    definitions = json.loads(props["containerDefinitions"])
    definitions[0]["environment"].extend(variables)
    props["containerDefinitions"] = json.dumps(definitions)


def test_ecs_plaintext_secret() -> None:
    plan, urn = mutated(stack_plan("prod", "ecs"), TASK_DEFINITION, lambda p: _add_ecs_env(
        p, {"name": "DB_PASSWORD", "value": "hunter2"},
        {"name": "PASSWORD_SECRET_ARN", "value": ARN},
        {"name": "SIGNING_KEY", "value": "[unknown]"}))
    container = json.loads(next(r for r in plan.resources if r.urn == urn).props[
        "containerDefinitions"])[0]["name"]
    assert both(rule_by_id("aws-ecs-no-plaintext-secrets"), plan) == [
        (urn, f"container {container}: environment variable DB_PASSWORD looks like a secret "
              "and holds a plaintext value")]


# -- Lambda ----------------------------------------------------------------------------------


def test_lambda_plaintext_secret() -> None:
    plan, urn = mutated(stack_plan("staging", "ecs"), LAMBDA, lambda p: p.update(
        environment={"variables": {"API_TOKEN": "abc123", "TOKEN_SECRET_ARN": ARN,
                                   "KMS_KEY_ID": "1234abcd", "DB_PASSWORD": "[secret]"}}))
    assert both(rule_by_id("aws-lambda-no-plaintext-secrets"), plan) == [
        (urn, "environment variable API_TOKEN looks like a secret and holds a plaintext value")]


# -- SSM -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("props", "message"), [
    ({"name": "/forge/prod/db/password", "type": "String", "value": "[secret]"},
     "parameter /forge/prod/db/password looks like a secret and its type is 'String': a String "
     "parameter is stored and shown unencrypted"),
    ({"name": "/forge/prod/api/signing-key", "type": "StringList", "insecureValue": "a,b"},
     "parameter /forge/prod/api/signing-key looks like a secret and its type is 'StringList': "
     "a String parameter is stored and shown unencrypted"),
    ({"name": "/forge/prod/db/password", "type": "SecureString", "value": "[secret]"}, None),
    ({"name": "/forge/prod/db/password-secret-arn", "type": "String", "insecureValue": ARN},
     None),
    ({"name": "/forge/prod/db/host", "type": "String", "insecureValue": "db.internal"}, None),
])
def test_ssm_secret_parameters_are_secure_strings(props: dict[str, Any],
                                                  message: str | None) -> None:
    plan, urn = with_resource(stack_plan("prod", "ecs"), SSM, "param", props)
    assert both(rule_by_id("aws-ssm-secure-string"), plan) == (
        [(urn, message)] if message else [])


# -- Helm values, container env, ConfigMaps --------------------------------------------------


def test_a_plaintext_secret_in_helm_values_and_the_configmap_it_renders() -> None:
    index = platform_release_index(stack_plan("prod", "eks"))

    def add(props: dict[str, Any]) -> None:
        props["values"]["api"]["env"].update(API_TOKEN="abc123", TOKEN_SECRET_ARN=ARN)

    plan, urn = mutated(stack_plan("prod", "eks"), RELEASE, add, index=index)
    plan = rerendered(plan, urn)
    assert both(rule_by_id("k8s-helm-no-plaintext-secrets"), plan) == [
        (urn, "values.api.env.API_TOKEN looks like a secret and holds a plaintext value: it is "
              "stored in the release's state and its Helm release secret")]
    # The chart puts a service's env in its ConfigMaps (the service's and its migration job's).
    assert both(rule_by_id("k8s-configmap-no-secrets"), plan) == sorted(
        (urn, f"ConfigMap forge/{name}: data key API_TOKEN looks like a secret: a ConfigMap is "
              "stored and shown in plaintext")
        for name in ("forge-platform-api", "forge-platform-api-migrate"))


def test_helm_values_walk_lists_and_skip_secrets_and_references() -> None:
    index = platform_release_index(stack_plan("dev", "eks"))

    def add(props: dict[str, Any]) -> None:
        props["values"]["extra"] = {"sidecars": [{"apiKey": "k-123", "passwordFile": "/x"}],
                                    "password": "[secret]", "existingSecret": "db-creds"}

    plan, urn = mutated(stack_plan("dev", "eks"), RELEASE, add, index=index)
    assert both(rule_by_id("k8s-helm-no-plaintext-secrets"), plan) == [
        (urn, "values.extra.sidecars.0.apiKey looks like a secret and holds a plaintext value: "
              "it is stored in the release's state and its Helm release secret")]


def test_a_plaintext_secret_in_a_container_env() -> None:
    deployment = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "debug", "namespace": "forge"},
        "spec": {"template": {"spec": {
            "initContainers": [{"name": "init", "env": [
                {"name": "DB_PASSWORD_FILE", "value": "/run/secrets/db"}]}],
            "containers": [{"name": "app", "env": [
                {"name": "DB_PASSWORD", "value": "hunter2"},
                {"name": "REDIS_AUTH_TOKEN",
                 "valueFrom": {"secretKeyRef": {"name": "redis", "key": "token"}}},
                {"name": "DATABASE_AUTH", "value": "iam"}]}]}}}}
    plan, urn = with_resource(stack_plan("prod", "eks"), DEPLOYMENT, "debug", deployment)
    assert both(rule_by_id("k8s-pod-no-plaintext-secrets"), plan) == [
        (urn, "container app: env DB_PASSWORD looks like a secret and holds a plaintext value")]


def test_a_secret_in_a_declared_configmap() -> None:
    plan, urn = with_resource(stack_plan("staging", "eks"), CONFIGMAP, "settings", {
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "settings", "namespace": "forge"},
        "data": {"SESSION_SECRET": "s3cr3t", "SESSION_SECRET_NAME": "session", "MODE": "x"}})
    assert both(rule_by_id("k8s-configmap-no-secrets"), plan) == [
        (urn, "data key SESSION_SECRET looks like a secret: a ConfigMap is stored and shown in "
              "plaintext")]


# -- EC2 user data ---------------------------------------------------------------------------


def test_the_brokers_boot_script_fetches_its_secrets() -> None:
    broker = next(r for r in stack_plan("staging", "ecs").resources
                  if r.type == "aws:ec2/instance:Instance")
    assert 'KAFKA_PASSWORD="$(' in broker.props["userData"]


def test_a_literal_secret_in_an_instances_user_data() -> None:
    def append(props: dict[str, Any]) -> None:
        lines = props["userData"].splitlines()
        props["userData"] = "\n".join([*lines, "export DB_PASSWORD='hunter2'",
                                       'API_TOKEN="$(cat /run/token)"', "TOKEN_FILE=/x"])

    plan, urn = mutated(stack_plan("dev", "ecs"), "aws:ec2/instance:Instance", append)
    line = len(next(r for r in plan.resources if r.urn == urn).props["userData"].splitlines()) - 2
    assert both(rule_by_id("aws-ec2-no-plaintext-secrets-in-user-data"), plan) == [
        (urn, f"user data line {line} sets DB_PASSWORD to a literal: user data is readable by "
              "anyone who can describe the instance, and from the instance itself")]


def test_a_literal_secret_in_base64_user_data() -> None:
    script = base64.b64encode(b"#!/bin/bash\nSIGNING_KEY=abc123\nKMS_KEY_ID=k\n").decode()
    rule = rule_by_id("aws-ec2-no-plaintext-secrets-in-user-data")
    plan, urn = mutated(stack_plan("prod", "eks"), "aws:ec2/launchTemplate:LaunchTemplate",
                        lambda p: p.update(userData=script))
    assert both(rule, plan) == [
        (urn, "user data line 2 sets SIGNING_KEY to a literal: user data is readable by anyone "
              "who can describe the launch template, and from the instances")]
    plan, urn = with_resource(stack_plan("prod", "eks"), "aws:ec2/instance:Instance", "vm",
                              {"userDataBase64": script, "tags": {"environment": "prod"}})
    assert both(rule, plan) == [
        (urn, "user data line 2 sets SIGNING_KEY to a literal: user data is readable by anyone "
              "who can describe the instance, and from the instance itself")]
