"""Secret rules: no value that looks like a secret in a plaintext input.

Whether a name looks like a secret is decided over its words (`DB_PASSWORD`, `dbPassword`,
`/forge/db/password` -> `db`, `password`): a secret word (`password`, `token`, ...) or a
qualified key (`api` + `key`, `signing` + `key`, ...) makes it a secret, unless the name ends
with a word that marks a *reference* to a secret (`SECRET_ARN`, `KMS_KEY_ID`,
`PASSWORD_SECRET_ARN`, `TOKEN_FILE`) or names a setting about one (`TOKEN_TTL`). A value is a
plaintext secret when it is a literal, non-empty string: not `[secret]` (a Pulumi secret) nor
`[unknown]` (not known at plan time), and not an ARN (which names a secret, never holds one).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator, Mapping
from itertools import pairwise
from typing import Any

from forge_infra.policy.rule import HELM_RELEASE, Context, Rule, prop
from forge_infra.policy.rules.kubernetes import POD_SPEC_PATHS

#: Words that make a name a secret on their own.
SECRET_WORDS = frozenset({"password", "passwords", "passwd", "pwd", "passphrase", "secret",
                          "secrets", "token", "tokens", "credential", "credentials", "apikey",
                          "privatekey", "secretkey", "accesskey"})

#: `<qualifier> key` pairs that make a name a secret (`API_KEY`, `SIGNING_KEY`): a bare `KEY`
#: is too common a word (a cache key, an S3 object key, a remote ref's `key`) to be one alone.
KEY_QUALIFIERS = frozenset({"api", "private", "secret", "access", "signing", "encryption",
                            "master", "hmac", "ssh", "client", "auth", "session", "license"})

#: Last words of a name whose value *refers to* a secret or describes one, rather than holding
#: it: an ARN, id or name in a secret store (`SECRET_ARN`, `KMS_KEY_ID`, `PASSWORD_SECRET_ARN`,
#: `secretName`), where it is mounted (`TOKEN_FILE`, `PASSWORD_PATH`), where to fetch one
#: (`TOKEN_URL`), or a setting about it (`TOKEN_TTL`, `PASSWORD_MIN_LENGTH`, `SECRET_VERSION`).
#: `DATABASE_AUTH` (the mode, `iam`) holds no secret word at all and is never one.
REFERENCE_SUFFIXES = frozenset({"arn", "arns", "id", "ids", "name", "names", "ref", "refs",
                                "path", "file", "url", "uri", "endpoint", "version", "region",
                                "ttl", "length", "expiry", "expiration", "header", "type", "mode",
                                "enabled", "property", "store", "policy"})

#: First words of a name that refers to a secret kept elsewhere (a chart's `existingSecret`).
REFERENCE_PREFIXES = frozenset({"existing"})

#: Placeholders the plan (and `forge_infra.policy.pack.plain`) writes for values that are not
#: plaintext: a Pulumi secret, and a value unknown at plan time.
NOT_PLAINTEXT = frozenset({"[secret]", "[unknown]"})

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SEPARATORS = re.compile(r"[^A-Za-z0-9]+")


def name_words(name: str) -> list[str]:
    """The lower-case words of a name: `KAFKA_PASSWORD`, `kafkaPassword`, `kafka-password`
    and `/kafka/password` all give `["kafka", "password"]`."""
    return [w.lower() for part in _SEPARATORS.split(name) if part
            for w in _CAMEL.sub(" ", part).split()]


def looks_like_secret(name: str) -> bool:
    """Whether a variable, key or parameter of this name holds a secret (not a reference to
    one): see the module's docstring."""
    words = name_words(name)
    if not words or words[-1] in REFERENCE_SUFFIXES or words[0] in REFERENCE_PREFIXES:
        return False
    if any(w in SECRET_WORDS for w in words):
        return True
    return any(a in KEY_QUALIFIERS and b == "key" for a, b in pairwise(words))


def is_plaintext(value: Any) -> bool:
    """Whether `value` is a literal secret value: a non-empty string that is no plan
    placeholder (`[secret]`, `[unknown]`) and no ARN."""
    return (isinstance(value, str) and value.strip() != "" and value not in NOT_PLAINTEXT
            and not value.startswith("arn:"))


def _ecs_environment(resource: Any, context: Context) -> Iterator[str]:
    raw = resource.props.get("containerDefinitions")
    try:
        definitions = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return
    if not isinstance(definitions, list):
        return
    for definition in definitions:
        if not isinstance(definition, Mapping):
            continue
        for variable in definition.get("environment") or []:
            name = str(variable.get("name", ""))
            if looks_like_secret(name) and is_plaintext(variable.get("value")):
                yield (f"container {definition.get('name')}: environment variable {name} "
                       "looks like a secret and holds a plaintext value")


def _lambda_environment(resource: Any, context: Context) -> Iterator[str]:
    variables = prop(resource.props, "environment", "variables")
    if not isinstance(variables, Mapping):
        return
    for name, value in variables.items():
        if looks_like_secret(str(name)) and is_plaintext(value):
            yield (f"environment variable {name} looks like a secret and holds a plaintext "
                   "value")


def _ssm_parameter(resource: Any, context: Context) -> Iterator[str]:
    name = resource.props.get("name")
    kind = resource.props.get("type")
    if isinstance(name, str) and isinstance(kind, str) and kind != "SecureString" \
            and kind != "[unknown]" and looks_like_secret(name):
        yield (f"parameter {name} looks like a secret and its type is {kind!r}: a String "
               "parameter is stored and shown unencrypted")


#: A shell assignment in a boot script: `NAME=value`, `export NAME=value`, `local NAME=...`.
_ASSIGNMENT = re.compile(r"^\s*(?:export\s+|local\s+|readonly\s+|declare\s+(?:-\w+\s+)*)?"
                         r"([A-Za-z_][A-Za-z0-9_]*)=(.*)$")


def _decoded(value: Any) -> str | None:
    """Base64 user data as text (None when it is not valid base64 of UTF-8 text)."""
    if not isinstance(value, str):
        return None
    try:
        return base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None


def _user_data_secrets(script: str) -> Iterator[tuple[int, str]]:
    """(line number, name) of each assignment of a literal to a secret-looking variable; a
    value computed at boot (`$(aws secretsmanager get-secret-value ...)`, `$OTHER`) is none."""
    for number, line in enumerate(script.splitlines(), start=1):
        match = _ASSIGNMENT.match(line)
        if match is None or not looks_like_secret(match.group(1)):
            continue
        value = match.group(2).strip().strip("'\"")
        if "$" not in value and is_plaintext(value):
            yield number, match.group(1)


def _instance_user_data(resource: Any, context: Context) -> Iterator[str]:
    props = resource.props
    plain = props.get("userData")
    script = plain if isinstance(plain, str) else _decoded(props.get("userDataBase64"))
    for number, name in _user_data_secrets(script or ""):
        yield (f"user data line {number} sets {name} to a literal: user data is readable by "
               "anyone who can describe the instance, and from the instance itself")


def _launch_template_user_data(resource: Any, context: Context) -> Iterator[str]:
    for number, name in _user_data_secrets(_decoded(resource.props.get("userData")) or ""):
        yield (f"user data line {number} sets {name} to a literal: user data is readable by "
               "anyone who can describe the launch template, and from the instances")


def _secret_leaves(values: Any, path: tuple[str, ...] = ()) -> Iterator[str]:
    """The dotted paths of `values` (nested mappings and lists) whose key looks like a secret
    and whose value is a plaintext string."""
    if isinstance(values, Mapping):
        for key, value in values.items():
            here = (*path, str(key))
            if looks_like_secret(str(key)) and is_plaintext(value):
                yield ".".join(here)
            else:
                yield from _secret_leaves(value, here)
    elif isinstance(values, list):
        for index, value in enumerate(values):
            yield from _secret_leaves(value, (*path, str(index)))


def _helm_values(resource: Any, context: Context) -> Iterator[str]:
    for path in _secret_leaves(resource.props.get("values")):
        yield (f"values.{path} looks like a secret and holds a plaintext value: it is stored "
               "in the release's state and its Helm release secret")


def _container_env(resource: Any, context: Context) -> Iterator[str]:
    spec = prop(resource.props, *POD_SPEC_PATHS[resource.resource_type])
    if not isinstance(spec, Mapping):
        return
    for key in ("initContainers", "containers"):
        for container in spec.get(key) or []:
            if not isinstance(container, Mapping):
                continue
            for variable in container.get("env") or []:
                if not isinstance(variable, Mapping):
                    continue
                name = str(variable.get("name", ""))
                if looks_like_secret(name) and is_plaintext(variable.get("value")):
                    yield (f"container {container.get('name')}: env {name} looks like a "
                           "secret and holds a plaintext value")


def _configmap_data(resource: Any, context: Context) -> Iterator[str]:
    data = resource.props.get("data")
    if not isinstance(data, Mapping):
        return
    for key, value in data.items():
        if looks_like_secret(str(key)) and is_plaintext(value):
            yield (f"data key {key} looks like a secret: a ConfigMap is stored and shown in "
                   "plaintext")

# -- GCP -------------------------------------------------------------------------------------

#: Where a Cloud Run v2 resource keeps its containers (pulumi-gcp 10.2, `cloudrunv2`): a
#: service's and a worker pool's `template.containers`, a job's `template.template.containers`;
#: each container's `envs` holds `{name, value}` or `{name, valueSource.secretKeyRef}`.
CLOUD_RUN_CONTAINERS: dict[str, tuple[str, ...]] = {
    "gcp:cloudrunv2/service:Service": ("template", "containers"),
    "gcp:cloudrunv2/workerPool:WorkerPool": ("template", "containers"),
    "gcp:cloudrunv2/job:Job": ("template", "template", "containers"),
}


def cloud_run_containers(resource: Any) -> list[Mapping[str, Any]]:
    """The containers of a Cloud Run v2 service, worker pool or job."""
    containers = prop(resource.props, *CLOUD_RUN_CONTAINERS[resource.resource_type])
    return [c for c in containers if isinstance(c, Mapping)] if isinstance(
        containers, list) else []


def _cloud_run_env(resource: Any, context: Context) -> Iterator[str]:
    for container in cloud_run_containers(resource):
        for variable in container.get("envs") or []:
            if not isinstance(variable, Mapping):
                continue
            name = str(variable.get("name", ""))
            if looks_like_secret(name) and is_plaintext(variable.get("value")):
                yield (f"container {container.get('name', '?')}: env {name} looks like a "
                       "secret and holds a plaintext value (use valueSource.secretKeyRef)")


RULES: tuple[Rule, ...] = (
    Rule(
        id="aws-ecs-no-plaintext-secrets",
        severity="mandatory",
        category="secrets",
        rationale="A task definition's environment is readable by anyone who can describe "
                  "it; secrets belong in Secrets Manager.",
        remediation="Move the value to forge-infra:secrets (pulumi config set --secret) and "
                    "reference it from services.<name>.secrets.",
        checks={"aws:ecs/taskDefinition:TaskDefinition": _ecs_environment},
    ),
    Rule(
        id="aws-lambda-no-plaintext-secrets",
        severity="mandatory",
        category="secrets",
        rationale="A Lambda function's environment variables are shown to anyone who can get "
                  "its configuration; secrets belong in Secrets Manager.",
        remediation="Pass the secret's ARN in the environment and read the value from Secrets "
                    "Manager at run time.",
        checks={"aws:lambda/function:Function": _lambda_environment},
    ),
    Rule(
        id="aws-ssm-secure-string",
        severity="mandatory",
        category="secrets",
        rationale="A String SSM parameter is stored unencrypted and returned to anyone who "
                  "can read it; a secret must be a SecureString.",
        remediation="Set type=\"SecureString\" on the parameter (or keep the secret in Secrets "
                    "Manager).",
        checks={"aws:ssm/parameter:Parameter": _ssm_parameter},
    ),
    Rule(
        id="aws-ec2-no-plaintext-secrets-in-user-data",
        severity="mandatory",
        category="secrets",
        rationale="An instance's user data is returned by DescribeInstanceAttribute and the "
                  "instance metadata service, unencrypted, to anyone allowed either.",
        remediation="Fetch the secret at boot (aws secretsmanager get-secret-value with the "
                    "instance role), as the Redpanda brokers' bootstrap does.",
        checks={"aws:ec2/instance:Instance": _instance_user_data,
                "aws:ec2/launchTemplate:LaunchTemplate": _launch_template_user_data},
    ),
    Rule(
        id="k8s-helm-no-plaintext-secrets",
        severity="mandatory",
        category="secrets",
        rationale="A Helm release's values are kept in the Pulumi state and in the release's "
                  "Secret in the cluster, readable by whoever reads either.",
        remediation="Keep the value in Secrets Manager and reference it from the chart's "
                    "secretEnv (an ExternalSecret), or pass it as a Pulumi secret.",
        checks={HELM_RELEASE: _helm_values},
    ),
    Rule(
        id="k8s-pod-no-plaintext-secrets",
        severity="mandatory",
        category="secrets",
        rationale="A container's env value is part of the workload's spec, readable by anyone "
                  "who can get the object.",
        remediation="Use env[].valueFrom.secretKeyRef (the chart's secretEnv) instead of "
                    "env[].value for a secret.",
        checks=dict.fromkeys(POD_SPEC_PATHS, _container_env),
        scope="stack",
    ),
    Rule(
        id="k8s-configmap-no-secrets",
        severity="mandatory",
        category="secrets",
        rationale="A ConfigMap is not encrypted at rest with the cluster's secrets key and is "
                  "readable by anyone who can read configuration.",
        remediation="Move the key to a Secret (the chart's secretEnv, from Secrets Manager).",
        checks={"kubernetes:core/v1:ConfigMap": _configmap_data},
        scope="stack",
    ),
)

#: The GCP rules of this category (`forge_infra.policy.registry` gathers them with `RULES`).
GCP_RULES: tuple[Rule, ...] = (
    Rule(
        id="gcp-cloudrun-no-plaintext-secrets",
        severity="mandatory",
        category="secrets",
        rationale="A Cloud Run revision's environment is readable by anyone who can view the "
                  "service; secrets belong in Secret Manager.",
        remediation="Move the value to forge-infra:secrets (pulumi config set --secret) and "
                    "reference it from services.<name>.secrets (a secretKeyRef in Cloud Run).",
        checks=dict.fromkeys(CLOUD_RUN_CONTAINERS, _cloud_run_env),
    ),
)


# -- Azure -------------------------------------------------------------------------------------
# A Container App (or Job) declares its secrets in `configuration.secrets` (`{name, value}` or
# `{name, keyVaultUrl, identity}`: "URL pointing to the Azure Key Vault secret that holds the
# value"), and a container reads one through an env var's `secretRef`; an env var may also carry
# a literal `value` (`app/_inputs.py`, `SecretArgs`, `EnvironmentVarArgs`). A `value` is kept in
# the app's configuration, readable by anyone who may read the app, and never rotates.

AZURE_CONTAINER_APPS = ("azure-native:app:ContainerApp", "azure-native:app:Job")


def _azure_container_app_secrets(resource: Any, context: Context) -> Iterator[str]:
    for secret in prop(resource.props, "configuration", "secrets") or []:
        if not isinstance(secret, Mapping):
            continue
        if not secret.get("keyVaultUrl") and secret.get("value") not in (None, "[unknown]"):
            yield (f"secret {secret.get('name')} holds its value in the app's configuration: "
                   "reference a Key Vault secret (keyVaultUrl) instead")
    for container in prop(resource.props, "template", "containers") or []:
        if not isinstance(container, Mapping):
            continue
        for variable in container.get("env") or []:
            name = str(variable.get("name", "")) if isinstance(variable, Mapping) else ""
            if name and looks_like_secret(name) and is_plaintext(variable.get("value")):
                yield (f"container {container.get('name')}: environment variable {name} looks "
                       "like a secret and holds a plaintext value (use secretRef)")


AZURE_RULES: tuple[Rule, ...] = (
    Rule(
        id="azure-containerapp-keyvault-secrets",
        severity="mandatory",
        category="secrets",
        rationale="A Container App's secrets are Key Vault references read with its managed "
                  "identity, never values kept in the app's configuration.",
        remediation="Declare each secret with keyVaultUrl and identity, and read it through an "
                    "env var's secretRef (the Compute component always does).",
        checks=dict.fromkeys(AZURE_CONTAINER_APPS, _azure_container_app_secrets),
    ),
)

RULES = (*RULES, *AZURE_RULES)
