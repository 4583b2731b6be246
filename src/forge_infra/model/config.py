"""The cloud-neutral stack configuration: `StackConfig`, its sections and how a stack file loads.

A stack's settings live in `Pulumi.<stack>.yaml`, flat under the project's namespace
(`forge-infra:app`, `forge-infra:services`, `forge-infra:database`, ...) plus the cloud
provider's own keys (`aws:region`). `forge-infra:cloud` names the cloud target; the target's
settings model (a branch of the union on `cloud`, defined in `forge_infra.clouds.<cloud>`)
validates every key this module does not own. So a key of another cloud is an unknown key,
reported with the keys that cloud allows.

The same model validates both paths:

* a real run (`pulumi preview` / `pulumi up`): `load_from_pulumi()` reads the engine's config,
  which the Pulumi CLI has already decrypted;
* offline (`forge-infra plan`, tests): `load_stack_file()` reads the YAML file itself; values
  set with `pulumi config set --secret` stay encrypted (`secure:` entries) and are replaced by
  placeholders that are only ever handled as secrets.

Every problem of a file is reported at once, as one `ConfigError` whose lines name the stack
file, the key path (`forge-infra:database.instance_class`), the bad value and what is allowed.
Each top-level section is validated on its own, and the cross-field rules of every section that
parsed run even when another section has errors.

This module imports no cloud SDK and no `forge_infra.clouds` module.
"""

from __future__ import annotations

import datetime
import difflib
import hashlib
import itertools
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    TypeAdapter,
    ValidationError,
    field_validator,
)
from pydantic.fields import FieldInfo

from forge_components.contracts import SERVICE_NAMES
from forge_infra.model.stack_yaml import YamlError, load_yaml, secure_problems

if TYPE_CHECKING:
    from forge_infra.model.target import TargetEntry

NAMESPACE = "forge-infra"
ENVIRONMENTS = ("dev", "staging", "prod")
#: Provider namespaces any stack may use, whatever its cloud (they configure no cloud).
COMMON_NAMESPACES = frozenset({"kubernetes", "random", "pulumi"})
#: The provider namespaces of the clouds forge-infra knows of, registered or not: a key under
#: one that the stack's cloud does not read is an unknown key (not a namespace typo).
KNOWN_CLOUD_NAMESPACES = frozenset({"aws", "gcp", "azure-native", "azure"})
#: StackConfig fields that are not stack-file keys (the stack name, the cloud's settings).
INTERNAL_FIELDS = frozenset({"stack", "target"})


class ConfigError(Exception):
    """Everything wrong with one stack's settings, one problem per line."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        noun = "problem" if len(problems) == 1 else "problems"
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source}: {len(problems)} configuration {noun}:\n{lines}")


def policy_rule(rule_id: str) -> str:
    """The suffix of a config refusal that a policy rule also checks in the plan:
    ` [policy rule <id>]` (the rule reports the same thing on what was built)."""
    return f" [policy rule {rule_id}]"


_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_/*@+-][A-Za-z0-9_./*@+-]*$")


def dotted(loc: Sequence[Any]) -> str:
    """A key path from its parts: `services.ui.port`; a part that is not a plain key (empty,
    spaces, dots, quotes) is written `["..."]` with JSON escapes, so the line stays readable
    and its path unambiguous (`services.ui[" "]`)."""
    text = ""
    for part in loc:
        part = str(part)
        if _PLAIN_KEY.fullmatch(part) and "." not in part:
            text += ("." if text else "") + part
        else:
            text += "[" + json.dumps(part) + "]"
    return text


def problem(path: str, message: str) -> str:
    """One problem line for a key under the project's namespace (`forge-infra:<path>: ...`)."""
    return f"{NAMESPACE}:{path}: {message}"


def rolling_only_problems(strategy: str, runtime: str, missing: str) -> list[str]:
    """The refusal of a progressive rollout on a runtime that releases rolling only:
    `rollout.strategy` other than rolling is refused, saying what forge-infra does not drive
    there (`missing`), rather than run as a rolling release under another name."""
    if strategy == "rolling":
        return []
    return [problem("rollout.strategy", (
        f"got {strategy}; {runtime} runs rolling only: forge-infra does not drive {missing}; "
        "set rolling (docs/DEPLOYMENT.md, \"Progressive delivery\")"))]


# -- building blocks ------------------------------------------------------------------------


class Strict(BaseModel):
    """A settings block: unknown keys are errors, values are checked strictly."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False,
                              populate_by_name=True, use_attribute_docstrings=True)

    #: Keys this block no longer takes: key -> what replaced it, reported instead of
    #: "unknown key" so a stack file written for an older release says what to do.
    removed_keys: ClassVar[dict[str, str]] = {}


Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{1,18}[a-z0-9]$", json_schema_extra={
    "pattern_help": "3 to 20 characters: lower-case letters, digits and hyphens, starting "
                    "with a letter and ending with a letter or digit"})]


class AppSettings(Strict):
    """The application's name and public domain."""

    name: Slug = "forge"
    """Short lower-case name used in every resource name and the `app` tag."""
    domain: str | None = None
    """The public host name of the app (e.g. `forge.example.com`); None when no domain is owned."""

    @field_validator("domain")
    @classmethod
    def _domain_shape(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(
                r"(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}", value):
            raise ValueError("must be a lower-case DNS name such as forge.example.com")
        return value


#: The image reference grammar of the OCI distribution reference
#: (https://github.com/distribution/reference/blob/main/reference.go, the grammar in its doc
#: comment): an optional registry host (with port) then lower-case path components joined by
#: `/`; a tag of up to 128 word characters, dots and dashes; a digest `algorithm:hex`.
OCI_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
OCI_DOMAIN = re.compile(rf"^{OCI_DOMAIN_COMPONENT}(?:\.{OCI_DOMAIN_COMPONENT})*(?::[0-9]+)?$")
OCI_PATH_COMPONENT = re.compile(r"^[a-z0-9]+(?:(?:[_.]|__|[-]+)[a-z0-9]+)*$")
OCI_TAG = re.compile(r"^[\w][\w.-]{0,127}$")
#: The digest forge-infra's components write as `repository@sha256:...` (the OCI image spec's
#: sha256: 64 lower-case hex digits).
OCI_DIGEST = re.compile(r"^sha256:[a-f0-9]{64}$")
#: The longest repository name the reference grammar allows.
OCI_NAME_MAX = 255


def image_repository_problem(value: str) -> str | None:
    """Why `value` is not an OCI repository name (registry host optional, no tag), or None."""
    if "://" in value:
        return (f"an image repository has no scheme: write "
                f"{value.split('://', 1)[1]!r} (the registry host, then the path)")
    if "@" in value:
        return "a digest goes in image.tag (sha256:...), not in the repository"
    if len(value) > OCI_NAME_MAX:
        return f"longer than the {OCI_NAME_MAX} characters an image name may have"
    parts = value.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        if not OCI_DOMAIN.fullmatch(parts[0]):
            return f"{parts[0]!r} is not a registry host (host name, optionally :port)"
        parts = parts[1:]
    if ":" in parts[-1]:
        return ("the tag goes in image.tag, not in the repository "
                f"(repository {value.rsplit(':', 1)[0]!r}, tag {value.rsplit(':', 1)[1]!r})")
    bad = [p for p in parts if not OCI_PATH_COMPONENT.fullmatch(p)]
    if bad:
        shown = ", ".join(repr(p) for p in bad)
        return (f"path component{'s' if len(bad) > 1 else ''} {shown} "
                "invalid: each is lower-case letters and digits, separated by '.', '_', '__' "
                "or dashes, and none is empty (e.g. ghcr.io/forge/api)")
    return None


class ImageSettings(Strict):
    """A container image: `repository` (an OCI image name, registry host optional) and `tag`
    (a tag, or a `sha256:` digest, which the image reference then pins as
    `repository@sha256:...`)."""

    repository: str
    """The image name, e.g. `ghcr.io/forge/api` or an ECR repository URI; no tag, no scheme."""
    tag: str
    """The image tag (`0.1.0`; up to 128 letters, digits, `_`, `.`, `-`, not starting with
    `.` or `-`) or a digest `sha256:<64 hex digits>`."""

    @field_validator("repository")
    @classmethod
    def _oci_repository(cls, value: str) -> str:
        refusal = image_repository_problem(value)
        if refusal:
            raise ValueError(refusal)
        return value

    @field_validator("tag")
    @classmethod
    def _oci_tag(cls, value: str) -> str:
        if value.startswith("sha") and ":" in value:
            if not OCI_DIGEST.fullmatch(value):
                raise ValueError("a digest is sha256: followed by 64 lower-case hex digits")
        elif not OCI_TAG.fullmatch(value):
            raise ValueError("an image tag is 1..128 letters, digits, '_', '.' or '-', not "
                             "starting with '.' or '-' (e.g. 0.1.0), or a digest "
                             "sha256:<64 hex digits>")
        return value


class AutoscalingSettings(Strict):
    """Horizontal autoscaling on CPU."""

    min: int = Field(default=2, ge=1, le=100)
    """The fewest tasks or pods (prod: at least 2)."""
    max: int = Field(default=10, ge=1, le=100)
    """The most tasks or pods (at least `min`)."""
    target_cpu: int = Field(default=70, ge=10, le=95)
    """The average CPU utilisation, percent, the autoscaler keeps the service at."""


#: The secret references every cloud resolves: the cache's auth token, an application secret
#: of `forge-infra:secrets`. Anything else is a reference into the cloud's own secret store,
#: which the cloud's settings validate. (`database[:key]`, the database's master credentials,
#: is refused: the services connect as the database's own service role.)
NEUTRAL_SECRET_REF = re.compile(r"^(cache|app:[a-z][a-z0-9_]*)$")
ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
#: Environment variables forge-infra sets itself (`program.data_environment`,
#: `program.data_secrets`): the data services' connection settings and the environment's name.
#: A service's `env` or `secrets` may not set them, or they would override (or shadow) what the
#: program hands the services.
RESERVED_ENV_PREFIXES = ("DATABASE_", "REDIS_", "KAFKA_")
RESERVED_ENV_NAMES = frozenset({"APP_ENV"})
#: The one reserved-prefix variable a stack sets itself, and the only reference it may take:
#: the cache's auth token (generated by the cache, handed over by reference).
STACK_SET_DATA_VARIABLES = {"REDIS_AUTH_TOKEN": "cache"}
#: Name parts (split on `_`) that mark an environment variable as a secret: its value must come
#: from `secrets:` (a reference), never from a literal in `env`.
SECRET_NAME_PARTS = frozenset({
    "PASSWORD", "PASSWD", "PWD", "PASS", "PASSPHRASE", "TOKEN", "SECRET", "SECRETS", "KEY",
    "APIKEY", "CREDENTIAL", "CREDENTIALS", "PRIVATE", "DSN", "SIGNATURE", "SALT", "COOKIE"})
#: Name-part endings with the same meaning (`APIKEY`, `AUTHTOKEN`, `DBPASSWORD`, ...).
SECRET_NAME_SUFFIXES = ("PASSWORD", "PASSWD", "TOKEN", "SECRET", "APIKEY", "ACCESSKEY")


def looks_like_secret(name: str) -> str | None:
    """The part of an environment variable's name that marks it as a secret, if one does."""
    for part in name.split("_"):
        if part in SECRET_NAME_PARTS or (part and part.endswith(SECRET_NAME_SUFFIXES)):
            return part
    return None


def reserved_env_name(name: str) -> bool:
    """Whether forge-infra sets the environment variable `name` itself."""
    return name in RESERVED_ENV_NAMES or (name.startswith(RESERVED_ENV_PREFIXES)
                                          and name not in STACK_SET_DATA_VARIABLES)


class ServiceSettings(Strict):
    """One service: image, size, replicas, autoscaling, health check, environment, secrets."""

    image: ImageSettings
    """The container image: `repository` and `tag` (required)."""
    port: int | None = Field(default=None, ge=1, le=65535)
    """The port the service listens on (gateway 8080, api 8000, ui 3000 by default; the
    worker has none)."""
    cpu: float = Field(default=0.25, gt=0, le=64)
    """CPU in vCPU (0.25, 0.5, 1, 2, ...); each platform checks it in its own terms."""
    memory: int = Field(default=512, ge=128, le=122880)
    """Memory in MiB."""
    replicas: int = Field(default=1, ge=1, le=100)
    """Tasks or pods when the service does not autoscale (1..100; with autoscaling, its
    starting count within autoscaling.min..max)."""
    autoscaling: AutoscalingSettings | None = None
    """CPU autoscaling between `min` and `max`; unset: a fixed `replicas` count."""
    health_path: str | None = Field(default=None, pattern=r"^/[A-Za-z0-9._~/-]*$",
                                    json_schema_extra={
                                        "pattern_help": "a URL path starting with /, of "
                                                        "letters, digits and . _ ~ / -"})
    """The HTTP path of the health check (gateway and api `/health`, ui `/`; the worker has
    none)."""
    env: dict[str, str] = {}
    """Plain environment variables (never secrets: use `secrets`)."""
    secrets: dict[str, str] = {}
    """Environment variable -> secret reference: `database[:password|:username]`, `cache`,
    `app:<name>` (an entry of `forge-infra:secrets`) or the cloud's own secret id (on AWS a
    Secrets Manager ARN, `#key` for a JSON field)."""

    @field_validator("cpu")
    @classmethod
    def _whole_millicores(cls, value: float) -> float:
        if abs(value * 1000 - round(value * 1000)) > 1e-6:
            raise ValueError("vCPU with at most three decimals (whole millicores), e.g. 0.25")
        return value

    @field_validator("env", "secrets")
    @classmethod
    def _env_names(cls, value: dict[str, str]) -> dict[str, str]:
        bad = [k for k in value if not ENV_NAME.fullmatch(k)]
        if bad:
            raise ValueError(f"environment variable names must match [A-Z_][A-Z0-9_]*: {bad}")
        return value

    @property
    def cpu_millicores(self) -> int:
        """The CPU in millicores (1 vCPU = 1000)."""
        return round(self.cpu * 1000)


SERVICE_DEFAULTS: dict[str, dict[str, Any]] = {
    "gateway": {"port": 8080, "health_path": "/health"},
    "api": {"port": 8000, "health_path": "/health"},
    "worker": {"port": None, "health_path": None},
    "ui": {"port": 3000, "health_path": "/"},
}


class ServicesSettings(Strict):
    """The four services of the platform."""

    gateway: ServiceSettings
    """The public entry point (HTTP, port 8080)."""
    api: ServiceSettings
    """The API (HTTP, port 8000); a data-service client."""
    worker: ServiceSettings
    """The background worker (no port); a data-service client."""
    ui: ServiceSettings
    """The web UI (HTTP, port 3000)."""

    def items(self) -> list[tuple[str, ServiceSettings]]:
        """(name, settings) of the four services, in a fixed order."""
        return [(n, getattr(self, n)) for n in SERVICE_NAMES]


#: An e-mail address as budget notifications take it: the dot-atom local part of RFC 5322
#: section 3.2.3 (at most 64 characters, RFC 5321 section 4.5.3.1.1) and a DNS name.
EMAIL = re.compile(
    r"^(?=[^@]{1,64}@)[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?=.{4,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")


class BudgetSettings(Strict):
    """A monthly cost budget with e-mail alerts."""

    monthly_limit_usd: float = Field(default=500.0, gt=0, le=1_000_000)
    """The monthly cost budget, US dollars."""
    alert_emails: tuple[str, ...] = ()
    """The mailboxes the alerts go to (e-mail addresses, no repeats)."""
    alert_thresholds_percent: tuple[Annotated[int, Field(gt=0, le=1000)], ...] = (80, 100)
    """Percentages of the monthly limit that send an alert (1..1000)."""
    alert_amounts_usd: tuple[Annotated[float, Field(gt=0, le=1_000_000)], ...] = (500.0, 1000.0)
    """Actual spend in USD that sends an alert, whatever the limit (the design plan's $500 and
    $1000 by default)."""
    anomaly_threshold_usd: float = Field(default=100.0, gt=0, le=1_000_000)
    """Cost Anomaly Detection e-mails a daily summary of anomalies whose total impact reaches
    this many USD."""

    @field_validator("alert_emails")
    @classmethod
    def _emails(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [address for address in value if not EMAIL.fullmatch(address)]
        if bad:
            raise ValueError(f"{bad}: not e-mail addresses (name@example.com: a local part of "
                             "letters, digits and !#$%&'*+/=?^_`{|}~.-, then @ and a DNS name)")
        repeated = sorted({a for a in value if value.count(a) > 1})
        if repeated:
            raise ValueError(f"repeats {repeated}")
        return value

    @field_validator("alert_thresholds_percent")
    @classmethod
    def _distinct_thresholds(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        repeated = sorted({t for t in value if value.count(t) > 1})
        if repeated:
            raise ValueError(f"repeats {repeated}")
        return value


class UsageSettings(Strict):
    """The traffic the cost estimate's usage-based lines assume (not a limit on anything).

    The defaults are the design plan's small enterprise: ~100k calls/day, i.e. ~3M requests
    and ~300 GB out a month at 100 KB per response, 200 GB through the NAT gateways (image
    pulls, external APIs), 10 GB of logs, 100 GB held in object storage and one load balancer
    capacity unit on average (docs/COST.md, "Usage profile").
    """

    calls_per_day: int = Field(default=100_000, ge=0, le=10_000_000_000)
    """API calls a day across the services (requests and egress scale with it)."""
    response_kb: float = Field(default=100.0, ge=0, le=1_000_000)
    """Average response size, KB (1 GB = 1,000,000 KB)."""
    nat_gb_per_month: float = Field(default=200.0, ge=0, le=10_000_000)
    """GB a month through the NAT gateways (image pulls, external APIs)."""
    log_gb_per_month: float = Field(default=10.0, ge=0, le=10_000_000)
    """Log ingestion across every log group."""
    object_storage_gb: float = Field(default=100.0, ge=0, le=100_000_000)
    """GB held in object storage on average over the month."""
    load_balancer_lcu: float = Field(default=1.0, ge=0, le=100_000)
    """Average load balancer capacity units (LCU) per hour."""


#: A Pulumi URN (`urn:pulumi:<stack>::<project>::<type path>::<name>`).
URN = re.compile(r"^urn:pulumi:(?P<stack>[^:]+)::[^:]+::(?P<type>.+)::(?P<name>[^:]*)$")
#: A resource type token (`aws:rds/instance:Instance`, `kubernetes:helm.sh/v3:Release`).
TYPE_TOKEN = re.compile(r"^[a-z][a-z0-9-]*:[A-Za-z0-9_./-]*:[A-Za-z_][A-Za-z0-9_]*$")


class WaiverSettings(Strict):
    """One exemption from a policy rule, for one resource or every resource of a type."""

    rule: str
    """The id of the policy rule waived (docs/SECURITY.md lists them, e.g. `aws-rds-multi-az`)."""
    resource: str
    """What is waived: a resource's URN (`urn:pulumi:<stack>::<project>::<type>::<name>`, as
    the plan's findings name it) or a resource type token (`aws:rds/instance:Instance`: every
    resource of that type)."""
    reason: str = Field(min_length=1)
    """Why the rule does not apply here; printed with every finding the waiver covers."""
    expires: datetime.date | None = None
    """The last day the waiver holds (YYYY-MM-DD); past it the waiver is itself a mandatory
    finding. Unset: it never expires (still reported with each finding it covers)."""

    @field_validator("rule")
    @classmethod
    def _registered_rule(cls, value: str) -> str:
        from forge_infra.policy.registry import rule_ids

        known = rule_ids()
        if value not in known:
            near = difflib.get_close_matches(value, known, n=3, cutoff=0.6)
            hint = (f"did you mean {', '.join(near)}?" if near
                    else "docs/SECURITY.md lists every rule")
            raise ValueError(f"not a policy rule id; {hint}")
        return value

    @field_validator("resource")
    @classmethod
    def _urn_or_type(cls, value: str) -> str:
        if not (URN.fullmatch(value) or TYPE_TOKEN.fullmatch(value)):
            raise ValueError("must be a resource URN (urn:pulumi:STACK::PROJECT::TYPE::NAME, "
                             "as the plan's findings print it) or a resource type token "
                             "(aws:rds/instance:Instance)")
        return value

    @field_validator("reason")
    @classmethod
    def _reason_text(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must say why the rule is waived (not blank)")
        return value

    @field_validator("expires", mode="before")
    @classmethod
    def _iso_date(cls, value: Any) -> Any:
        if value is None or (isinstance(value, datetime.date)
                             and not isinstance(value, datetime.datetime)):
            return value
        if isinstance(value, str):
            try:
                return datetime.date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise ValueError("must be a date written YYYY-MM-DD (e.g. 2027-03-31)")


class PolicySettings(Strict):
    """How the policy rules (docs/SECURITY.md) apply to this stack."""

    waivers: tuple[WaiverSettings, ...] = ()
    """Exemptions from rules: `{rule, resource, reason, expires}` each. Waived findings are
    still listed (marked waived, with the reason); an expired waiver is a mandatory finding
    and one that matches nothing an advisory one."""


ROLLOUT_STRATEGIES = ("rolling", "canary", "blue_green")
#: The longest bake any platform takes: ECS's `bakeTimeInMinutes` and canary/linear step bakes
#: are 0..1440 minutes (pulumi_aws 7.x `ServiceDeploymentConfigurationArgs`; AWS ECS API
#: reference, DeploymentConfiguration, read 2026-12-02). Argo Rollouts' pause has no bound.
MAX_BAKE_MINUTES = 1440
#: The steps a canary takes when the stack names none (the issue's 5 -> 50 -> 100).
DEFAULT_CANARY_STEPS: tuple[int, ...] = (5, 50, 100)


class RolloutAlarmSettings(Strict):
    """The signals that stop a release and roll it back (on every platform that has them)."""

    http_5xx_percent: float = Field(default=5.0, gt=0, le=100)
    """The share of the new revision's responses that may be 5xx (target errors over
    requests, percent) before the release is stopped and rolled back."""
    evaluation_minutes: int = Field(default=3, ge=1, le=60)
    """How many consecutive one-minute periods a signal must breach before it stops the
    release."""
    unhealthy_targets: int = Field(default=1, ge=1, le=1000)
    """Load balancer targets failing their health check (at once) that stop the release."""


class RolloutSettings(Strict):
    """How a release reaches the services: all at once (rolling) or step by step with an
    automatic rollback (canary, blue_green). Each platform refuses shapes it cannot run."""

    strategy: Literal["rolling", "canary", "blue_green"] = "rolling"
    """`rolling` replaces tasks/pods in place (the circuit breaker or the readiness probes
    stop a release that never becomes healthy); `canary` shifts the traffic in `steps`;
    `blue_green` starts the new revision beside the old and shifts all traffic at once."""
    steps: tuple[int, ...] | None = None
    """The canary's traffic percentages, strictly increasing and ending at 100 (e.g. [5, 50,
    100]); only for `canary` (unset: [5, 50, 100])."""
    bake_minutes: int = Field(default=10, ge=0, le=MAX_BAKE_MINUTES)
    """Minutes each step holds its traffic while the alarms watch, before the next step (and
    after 100% before the old revision is gone): 0..1440."""
    alarms: RolloutAlarmSettings = RolloutAlarmSettings()
    """The signals that stop and roll back a canary or blue/green release."""

    @field_validator("steps")
    @classmethod
    def _increasing_to_100(cls, value: tuple[int, ...] | None) -> tuple[int, ...] | None:
        if value is None:
            return value
        if not value:
            raise ValueError("give percentages ending at 100, e.g. [5, 50, 100]")
        outside = [step for step in value if not 1 <= step <= 100]
        if outside:
            raise ValueError(f"{list(outside)} outside 1..100; steps are traffic percentages")
        if any(b <= a for a, b in itertools.pairwise(value)):
            raise ValueError("not strictly increasing; give each percentage once, in order")
        if value[-1] != 100:
            raise ValueError(f"ends at {value[-1]}; the last step is 100 (all traffic)")
        return value

    def canary_steps(self) -> tuple[int, ...]:
        """The traffic steps of a release: the canary's (default [5, 50, 100]), [100] for
        blue_green, () for rolling."""
        if self.strategy == "canary":
            return self.steps or DEFAULT_CANARY_STEPS
        if self.strategy == "blue_green":
            return (100,)
        return ()


# -- the cloud branch -----------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """A rule across keys, run when every section it reads parsed.

    `check` receives the stack's config (sections that failed hold their defaults, which is
    why a rule names its sections) and returns complete problem lines.
    """

    sections: tuple[str, ...]
    check: Callable[[StackConfig], list[str]]


#: The backup intervals `forge-infra:dr` offers: every N hours, N dividing a day, so recovery
#: points fall at the same hours every day (AWS Backup's most frequent schedule is hourly:
#: https://docs.aws.amazon.com/aws-backup/latest/devguide/creating-a-backup-plan.html). Each
#: cloud's rules say which of them its copy mechanism runs.
DR_BACKUP_INTERVAL_HOURS = (1, 2, 3, 4, 6, 8, 12, 24)


class DrMode(StrEnum):
    """How the stack prepares for losing its region."""

    NONE = "none"
    BACKUP = "backup"
    PILOT_LIGHT = "pilot_light"


class DrSettings(Strict):
    """Disaster recovery across regions (docs/DISASTER_RECOVERY.md)."""

    mode: DrMode = DrMode.NONE
    """`none`; `backup` (the database's and the buckets' recovery points copied to `region`:
    AWS Backup on AWS; each cloud's mechanism in docs/DISASTER_RECOVERY.md); `pilot_light`
    (`backup`, plus the network stood up in `region` so a restore starts on a ready
    network)."""
    region: str | None = None
    """The recovery region (required with `backup` and `pilot_light`): another region of the
    stack's cloud (on AWS, of the stack's partition)."""
    backup_interval_hours: int = 24
    """Hours between recovery points: one of 1, 2, 3, 4, 6, 8, 12, 24. The recovery point
    objective for losing the region is at most this plus the copy's time."""
    retention_days: int = Field(default=7, ge=1, le=3650)
    """Days a recovery point is kept in the stack's region."""
    dr_retention_days: int = Field(default=7, ge=1, le=3650)
    """Days its copy is kept in the recovery region."""
    rto_target_hours: float = Field(default=4.0, gt=0, le=168)
    """The recovery time objective forge-infra checks its forecast against (the design plan:
    under 4 hours)."""
    rpo_target_hours: float = Field(default=24.0, gt=0, le=168)
    """The recovery point objective forge-infra checks its forecast against."""
    declaration_minutes: int = Field(default=30, ge=0, le=1440)
    """The time to notice a regional outage and decide to fail over, which the recovery time
    includes (an operating assumption: state yours)."""

    @field_validator("backup_interval_hours")
    @classmethod
    def _interval(cls, value: int) -> int:
        if value not in DR_BACKUP_INTERVAL_HOURS:
            raise ValueError(f"got {value}; allowed: "
                             f"{', '.join(map(str, DR_BACKUP_INTERVAL_HOURS))} (hours that "
                             "divide a day)")
        return value


class CloudSettings(Strict):
    """The base of every cloud's settings model (one branch of the union on `cloud`).

    A subclass sets `cloud` to a `Literal` of its name, declares its sections as fields (their
    stack-file keys are `forge-infra:<field>`), and says how its provider's namespace maps onto
    fields (`from_provider_config`).
    """

    #: Fields that are not `forge-infra:` keys (filled from the provider's namespace).
    internal_fields: ClassVar[frozenset[str]] = frozenset({"cloud"})
    #: Keys that used to be neutral and moved to this cloud's settings: old path -> new key,
    #: reported as such instead of as an unknown key.
    moved_keys: ClassVar[dict[str, str]] = {}
    #: Provider keys (`<namespace>:<key>`) that hold credentials: they must be set with
    #: `pulumi config set --secret`, never in plain text.
    secret_keys: ClassVar[frozenset[str]] = frozenset()
    #: The `forge-infra:dr` modes the cloud's target declares (besides none); a mode outside
    #: them is refused for the stack, never left without a copy.
    dr_modes: ClassVar[tuple[str, ...]] = ()

    cloud: str

    def region_name(self) -> str:
        """The stack's region (or location), as the offline mocks and the plan report it."""
        raise NotImplementedError

    def platform_name(self) -> str | None:
        """The compute platform, where the cloud offers a choice (AWS: `ecs` or `eks`)."""
        return None

    def api_is_public(self) -> bool:
        """Whether the api has its own public route (else it is reached via the gateway)."""
        return False

    def cdn_enabled(self) -> bool:
        """Whether a CDN serves the app's domain (the services then answer on their own
        hosts)."""
        return False

    @classmethod
    def from_provider_config(cls, namespace: str, values: Mapping[str, Any],
                             ) -> tuple[dict[str, Any], list[str]]:
        """Map the stack's `<namespace>:` keys onto fields; (raw fields, problem lines)."""
        return {}, [f"{namespace}:{key}: unknown key; cloud {cls.cloud_name()} reads no "
                    f"{namespace}: settings" for key in values]

    @classmethod
    def cloud_name(cls) -> str:
        """The `cloud` value this model validates (its Literal's only value)."""
        annotation = cls.model_fields["cloud"].annotation
        return str(getattr(annotation, "__args__", ("?",))[0])

    @classmethod
    def key_path(cls, loc: Sequence[str]) -> str:
        """The stack-file key of a field location (override for provider-namespace fields)."""
        return f"{NAMESPACE}:{dotted(loc)}"

    @classmethod
    def rules(cls) -> Sequence[Rule]:
        """The cloud's rules across keys (they may read the neutral sections too)."""
        return ()

    def warnings(self, config: StackConfig) -> list[str]:
        """What the plan should warn about in a valid config (e.g. a version past standard
        support): complete lines, shown by the CLI in the plan's warnings. None by default."""
        return []

    @classmethod
    def keys(cls) -> list[str]:
        """The `forge-infra:` keys this cloud adds to the neutral ones."""
        return sorted(f for f in cls.model_fields if f not in cls.internal_fields)


# -- the stack ------------------------------------------------------------------------------


class StackConfig(Strict):
    """Everything one stack can set; see docs/CONFIGURATION.md for each key.

    The neutral part is here; `target` holds the cloud's settings (the model registered for
    `cloud`, e.g. `forge_infra.clouds.aws.settings.AwsSettings`).
    """

    stack: str
    environment: Literal["dev", "staging", "prod"]
    """The environment whose rules apply; a stack named dev, staging or prod is that
    environment (the key may be left out), any other stack declares it."""
    cloud: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    """The cloud target (`aws`); required: it decides which settings the file may hold."""
    app: AppSettings = AppSettings()
    """The application's name and public domain."""
    services: ServicesSettings
    """The four services (all required)."""
    budget: BudgetSettings = BudgetSettings()
    """The monthly cost budget and its alerts."""
    usage: UsageSettings = UsageSettings()
    """The traffic the cost estimate assumes."""
    policy: PolicySettings = PolicySettings()
    """Waivers of policy rules for this stack (docs/SECURITY.md)."""
    rollout: RolloutSettings = RolloutSettings()
    """How a release reaches the services (rolling, canary with steps, blue/green) and what
    rolls it back; each platform says which shapes it runs (docs/DEPLOYMENT.md)."""
    dr: DrSettings = DrSettings()
    """Disaster recovery in a second region (docs/DISASTER_RECOVERY.md); each cloud says which
    modes, regions and intervals it runs."""
    protect: bool = False
    """Pulumi `protect` on stateful resources (required in prod)."""
    tags: dict[str, str] = {}
    """Extra tags (labels) on every resource."""
    secrets: dict[str, SecretStr] = {}
    """Application secrets (`pulumi config set --secret --path forge-infra:secrets.NAME`),
    stored in the cloud's secret store and referenced by services as `app:NAME`."""
    target: CloudSettings
    """The cloud's settings (a branch of the union on `cloud`)."""

    @property
    def is_prod(self) -> bool:
        """Whether this stack is the production environment."""
        return self.environment == "prod"

    @property
    def resource_prefix(self) -> str:
        """The prefix of every component name of the stack: `<app>-<stack>`."""
        return f"{self.app.name}-{self.stack}"

    @property
    def region(self) -> str:
        """The cloud region of the stack."""
        return self.target.region_name()

    @property
    def platform(self) -> str | None:
        """The compute platform where the cloud offers a choice (`ecs` / `eks` on AWS)."""
        return self.target.platform_name()


#: The neutral `forge-infra:` keys (every other key belongs to the cloud's settings).
NEUTRAL_KEYS = tuple(f for f in StackConfig.model_fields if f not in INTERNAL_FIELDS)


# -- rules of the neutral sections ----------------------------------------------------------


def _service_rules(config: StackConfig) -> list[str]:
    problems: list[str] = []
    for name, svc in config.services.items():
        path = f"services.{name}"
        scaling = svc.autoscaling
        if scaling is not None:
            if scaling.min > scaling.max:
                problems.append(problem(f"{path}.autoscaling.min",
                                        f"{scaling.min} exceeds autoscaling.max {scaling.max}"))
            if not scaling.min <= svc.replicas <= scaling.max:
                problems.append(problem(f"{path}.replicas", f"{svc.replicas} is outside "
                                        f"autoscaling {scaling.min}..{scaling.max}"))
        if name == "worker" and svc.port is not None:
            problems.append(problem(f"{path}.port",
                                    "the worker serves no traffic; remove the port"))
        if name != "worker" and svc.port is None:
            problems.append(problem(f"{path}.port", "required for a service that serves "
                                                    "traffic"))
        overlap = set(svc.env) & set(svc.secrets)
        if overlap:
            problems.append(problem(f"{path}.env", f"{sorted(overlap)} also set in secrets; "
                                                   "keep each variable in one place"))
    return problems


def _environment_variable_rules(config: StackConfig) -> list[str]:
    """No literal secret in `env`; no variable forge-infra sets itself in `env`/`secrets`."""
    problems: list[str] = []
    for name, svc in config.services.items():
        for block, names in (("env", svc.env), ("secrets", svc.secrets)):
            for env_name in names:
                if reserved_env_name(env_name):
                    problems.append(problem(
                        f"services.{name}.{block}.{env_name}",
                        f"forge-infra sets {env_name} itself (it owns APP_ENV and every "
                        f"{', '.join(p + '*' for p in RESERVED_ENV_PREFIXES)} variable: the "
                        "data services' connection settings and credentials, "
                        "docs/ARCHITECTURE.md \"Connection settings\"); remove this entry"))
        for env_name, ref in svc.secrets.items():
            wanted = STACK_SET_DATA_VARIABLES.get(env_name)
            if wanted is not None and ref != wanted:
                problems.append(problem(f"services.{name}.secrets.{env_name}",
                                        f"got {describe(ref)}; {env_name} takes the reference "
                                        f"{wanted!r} only"))
        for env_name in svc.env:
            part = looks_like_secret(env_name)
            if part is not None and not reserved_env_name(env_name):
                secret = env_name.lower()
                problems.append(problem(
                    f"services.{name}.env.{env_name}",
                    f"looks like a secret (its name contains {part}), and env values are "
                    "plain text in the stack file, the task definition or pod spec and the "
                    "plan; store it encrypted with pulumi config set --secret --path "
                    f"'forge-infra:secrets.{secret}' VALUE, then move it to "
                    f"services.{name}.secrets: {{{env_name}: app:{secret}}}"))
    return problems


def _app_secret_rules(config: StackConfig) -> list[str]:
    problems = []
    for name, svc in config.services.items():
        for env_name, ref in svc.secrets.items():
            if ref.startswith("app:") and ref[4:] not in config.secrets:
                problems.append(problem(
                    f"services.{name}.secrets.{env_name}",
                    f"references app secret {ref[4:]!r}, which forge-infra:secrets does not "
                    f"set (set it with: pulumi config set --secret --path "
                    f"'forge-infra:secrets.{ref[4:]}' VALUE)"))
    return problems


def _prod_protect_rule(config: StackConfig) -> list[str]:
    if config.is_prod and not config.protect:
        return [problem("protect", "prod requires Pulumi protect on stateful resources "
                                   "(set true)" + policy_rule("any-stateful-protect"))]
    return []


def _prod_replicas_rule(config: StackConfig) -> list[str]:
    problems = []
    if config.is_prod:
        for name, svc in config.services.items():
            floor = svc.autoscaling.min if svc.autoscaling else svc.replicas
            if svc.replicas < 2 or floor < 2:
                problems.append(problem(
                    f"services.{name}.replicas",
                    f"prod requires at least 2 replicas (and autoscaling.min >= 2); got "
                    f"replicas {svc.replicas}, minimum {floor}"
                    + policy_rule("any-service-min-replicas")))
    return problems


def _policy_rules(config: StackConfig) -> list[str]:
    """A waiver naming a URN must name one of this stack's resources."""
    problems = []
    for index, waiver in enumerate(config.policy.waivers):
        match = URN.fullmatch(waiver.resource)
        if match and match["stack"] != config.stack:
            problems.append(problem(
                f"policy.waivers.{index}.resource",
                f"{waiver.resource!r} is a resource of stack {match['stack']!r}, not of "
                f"{config.stack!r}: waive this stack's own URN (or a type token)"))
    return problems


def _rollout_rules(config: StackConfig) -> list[str]:
    """`steps` belong to a canary: refused with rolling and blue_green."""
    rollout = config.rollout
    if rollout.steps is not None and rollout.strategy != "canary":
        what = ("replaces tasks in place, without traffic steps" if rollout.strategy == "rolling"
                else "shifts all traffic at once, after the bake")
        return [problem("rollout.steps",
                        f"{list(rollout.steps)} is set, but strategy {rollout.strategy} {what}; "
                        "remove steps or set strategy: canary")]
    return []


def _dr_mode_rules(config: StackConfig) -> list[str]:
    """A `forge-infra:dr` mode the stack's cloud does not declare is refused, naming the ones
    it does."""
    mode = config.dr.mode
    # The cloud's settings are absent when they failed to parse (those problems are listed).
    target = getattr(config, "target", None)
    if target is None:
        return []
    offered = type(target).dr_modes
    if mode is DrMode.NONE or mode.value in offered:
        return []
    allowed = ", ".join(["none", *offered])
    return [problem("dr.mode", f"got {mode.value}; cloud {config.cloud} declares no "
                    f"{mode.value} recovery in this version; allowed: {allowed} "
                    "(docs/DISASTER_RECOVERY.md)")]


NEUTRAL_RULES: tuple[Rule, ...] = (
    Rule(("rollout",), _rollout_rules),
    Rule(("dr",), _dr_mode_rules),
    Rule(("services",), _service_rules),
    Rule(("services",), _environment_variable_rules),
    Rule(("services", "secrets"), _app_secret_rules),
    Rule(("environment", "protect"), _prod_protect_rule),
    Rule(("environment", "services"), _prod_replicas_rule),
    Rule(("policy",), _policy_rules),
)


# -- messages -------------------------------------------------------------------------------


@dataclass(frozen=True)
class EncryptedValue:
    """A `secure:` value from a stack file that cannot be decrypted offline."""

    ciphertext: str

    def placeholder(self, key: str) -> str:
        """A stand-in the offline plan handles as a secret (it never leaves the process)."""
        return "offline-" + hashlib.sha256(f"{key}:{self.ciphertext}".encode()).hexdigest()[:24]


def describe(value: Any) -> str:
    """A short rendering of a bad value for a problem line (secrets never shown)."""
    if isinstance(value, SecretStr | EncryptedValue):
        return "[secret]"
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _allowed_keys(annotation: Any, loc: Sequence[Any]) -> list[str]:
    """The field names of the model at `loc` below a field's annotation."""
    return sorted(getattr(_model_at(annotation, loc), "model_fields", {}))


def _model_at(annotation: Any, loc: Sequence[Any]) -> Any:
    """The model at `loc` below a field's annotation (or the nearest type found)."""
    current: Any = annotation
    for part in [None, *loc]:
        if part is not None:
            fields = getattr(current, "model_fields", None)
            if not fields or part not in fields:
                break
            current = fields[part].annotation
        current = next((a for a in getattr(current, "__args__", (current,))
                        if isinstance(a, type) and issubclass(a, BaseModel)), current)
    return current


def _field_problems(error: ValidationError, field: str, annotation: Any,
                    key_path: Callable[[Sequence[str]], str]) -> list[str]:
    problems = []
    for item in error.errors():
        loc = [field, *(str(p) for p in item["loc"])]
        kind = item["type"]
        if kind == "extra_forbidden":
            block = _model_at(annotation, loc[1:-1])
            replaced = getattr(block, "removed_keys", {}).get(loc[-1])
            if replaced:
                problems.append(f"{key_path(loc)}: no longer a setting; {replaced}")
            else:
                problems.append(f"{key_path(loc)}: unknown key; allowed here: "
                                f"{', '.join(_allowed_keys(annotation, loc[1:-1]))}")
        elif kind == "missing" or (item.get("input") is None and kind in (
                "model_type", "dict_type", "model_attributes_type")):
            model = _model_at(annotation, loc[1:])
            problems.append(f"{key_path(loc)}: required, but not set; "
                            f"{allowed_description(model)}")
        else:
            message = re.sub(r" or instance of \w+", "",
                             item["msg"].removeprefix("Value error, "))
            if kind == "string_pattern_mismatch":
                message = _pattern_message(annotation, loc[1:], item)
            value = item.get("input")
            if kind == "string_type" and isinstance(value, int | float) and not isinstance(
                    value, bool):
                message += (f"; quote it in the stack file (\"{value}\"): unquoted, YAML "
                            "reads it as a number (an unquoted 1.30 becomes 1.3)")
            problems.append(f"{key_path(loc)}: got {describe(value)}; {message}")
    return problems


def _pattern_message(annotation: Any, loc: Sequence[str], item: Any) -> str:
    """A pattern mismatch in words: the field's `pattern_help` (its `json_schema_extra`), with
    the regular expression for the exact rule."""
    pattern = (item.get("ctx") or {}).get("pattern", "")
    field = getattr(_model_at(annotation, loc[:-1]), "model_fields", {}).get(loc[-1]) if loc \
        else None
    extra = getattr(field, "json_schema_extra", None)
    if field is not None and not isinstance(extra, dict):
        extra = next((m.json_schema_extra for m in getattr(field, "metadata", [])
                      if isinstance(getattr(m, "json_schema_extra", None), dict)), None)
    help_text = extra.get("pattern_help") if isinstance(extra, dict) else None
    if help_text:
        return f"allowed: {help_text} (the pattern {pattern})"
    return f"must match the pattern {pattern}"


def allowed_description(annotation: Any) -> str:
    """What a value of `annotation` may be, for a "required, but not set" message."""
    args = getattr(annotation, "__args__", ())
    if getattr(annotation, "__origin__", None) is Literal:
        return "allowed: " + ", ".join(str(a) for a in args)
    model = next((a for a in (annotation, *args)
                  if isinstance(a, type) and issubclass(a, BaseModel)), None)
    if model is not None:
        required = [n for n, f in model.model_fields.items() if f.is_required()]
        optional = [n for n, f in model.model_fields.items() if not f.is_required()]
        parts = []
        if required:
            parts.append(f"required keys: {', '.join(required)}")
        if optional:
            parts.append(f"optional: {', '.join(optional)}")
        return f"a mapping ({'; '.join(parts)}); see docs/CONFIGURATION.md"
    name = getattr(annotation, "__name__", None) or str(annotation)
    return f"a value of type {name}; see docs/CONFIGURATION.md"


@dataclass
class Sections:
    """The outcome of validating a model's fields one by one."""

    values: dict[str, Any]
    failed: set[str]
    problems: list[str]


def validate_sections(model: type[BaseModel], raw: Mapping[str, Any], *,
                      key_path: Callable[[Sequence[str]], str],
                      skip: frozenset[str] = frozenset(),
                      missing_hints: Mapping[str, str] | None = None) -> Sections:
    """Validate each top-level field of `model` on its own (unknown keys are left to the
    caller). Unset fields take their defaults; a missing required field is a problem saying
    what is allowed (and `missing_hints[field]` when given)."""
    result = Sections({}, set(), [])
    for name, info in model.model_fields.items():
        if name in skip:
            continue
        if name not in raw or (raw[name] is None and info.is_required()):
            if info.is_required():
                result.failed.add(name)
                hint = (missing_hints or {}).get(name)
                result.problems.append(
                    f"{key_path([name])}: required, but not set; "
                    f"{allowed_description(info.annotation)}{f'; {hint}' if hint else ''}")
            else:
                result.values[name] = info.get_default(call_default_factory=True)
            continue
        adapter: TypeAdapter[Any] = _adapter(model, name, info)
        try:
            result.values[name] = adapter.validate_python(raw[name])
        except ValidationError as exc:
            result.failed.add(name)
            result.problems.extend(_field_problems(exc, name, info.annotation, key_path))
    return result


_ADAPTERS: dict[tuple[type[BaseModel], str], TypeAdapter[Any]] = {}


def _adapter(model: type[BaseModel], name: str, info: FieldInfo) -> TypeAdapter[Any]:
    """A validator for one top-level field: its type and constraints (top-level fields carry
    no `@field_validator`; their checks live in the section models or in rules)."""
    key = (model, name)
    if key not in _ADAPTERS:
        annotated: Any = (Annotated[(info.annotation, *info.metadata)] if info.metadata
                          else info.annotation)
        _ADAPTERS[key] = TypeAdapter(annotated)
    return _ADAPTERS[key]


# -- loading --------------------------------------------------------------------------------


def decode_secure(value: Any, path: str) -> Any:
    """Replace every `{secure: ...}` mapping by a placeholder secret string."""
    if isinstance(value, Mapping):
        if set(value) == {"secure"}:
            return EncryptedValue(str(value["secure"])).placeholder(path)
        return {k: decode_secure(v, f"{path}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [decode_secure(v, f"{path}[{i}]") for i, v in enumerate(value)]
    return value


def _secret_paths(value: Any, path: str) -> list[str]:
    """The key paths of `secure:` entries (they may only appear under forge-infra:secrets)."""
    if isinstance(value, Mapping):
        if set(value) == {"secure"}:
            return [path]
        return [p for k, v in value.items() for p in _secret_paths(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _secret_paths(v, f"{path}[{i}]")]
    return []


def _with_service_defaults(services: Any) -> Any:
    """Fill each service's port and health path defaults (gateway 8080, api 8000, ui 3000)."""
    if not isinstance(services, Mapping):
        return services
    filled = dict(services)
    for name, defaults in SERVICE_DEFAULTS.items():
        block = filled.get(name)
        if isinstance(block, Mapping):
            filled[name] = {**defaults, **block}
    return filled


def _neutral_key_path(loc: Sequence[str]) -> str:
    return f"{NAMESPACE}:{dotted(loc)}"


def _secure_value_problems(value: Any, path: str) -> list[str]:
    """A `secure:` entry must hold the ciphertext Pulumi wrote: a non-empty string."""
    if isinstance(value, Mapping):
        if set(value) == {"secure"}:
            text = value["secure"]
            if not isinstance(text, str) or not text.strip():
                return [f"{path}: got secure: {describe(text)}; a secure value is the "
                        "non-empty ciphertext pulumi config set --secret writes; set it again "
                        f"with pulumi config set --secret --path '{path}' VALUE"]
            return []
        return [p for k, v in value.items() for p in _secure_value_problems(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value)
                for p in _secure_value_problems(v, f"{path}[{i}]")]
    return []


def _plaintext_problems(full_key: str, value: Any, *, decrypted: bool,
                        secret_keys: set[str]) -> list[str]:
    """Problems for a key that must be set with `pulumi config set --secret` and was not."""
    if decrypted:
        # A real run: the engine decrypted the values and names the keys that were secret.
        if full_key in secret_keys or value in ({}, None):
            return []
        paths = ([f"{full_key}.{k}" for k in value] if isinstance(value, Mapping) and value
                 else [full_key])
    elif isinstance(value, Mapping) and set(value) != {"secure"}:
        paths = [f"{full_key}.{k}" for k, v in value.items()
                 if not (isinstance(v, Mapping) and set(v) == {"secure"})]
    else:
        paths = [] if isinstance(value, Mapping) else [full_key]
    return [f"{p}: a plaintext value; secrets are stored encrypted: set it with pulumi config "
            f"set --secret {'--path ' if '.' in p else ''}'{p}' VALUE (never write it into the "
            "stack file)" for p in paths]


def config_from_mapping(values: Mapping[str, Any], *, stack: str, source: str,
                        secret_keys: Iterable[str] = (), decrypted: bool = False,
                        ) -> StackConfig:
    """Validate a stack's `config:` mapping (namespaced keys) into a `StackConfig`.

    `decrypted` says the values come from the engine (a real run, `load_from_pulumi`), which
    has decrypted them and lists in `secret_keys` the keys that were secret; otherwise they
    come from the stack file, where a secret is a `secure:` entry. Under `forge-infra:` only
    `forge-infra:secrets` may be secret, and it (like the cloud's credential keys) must be.
    Raises `ConfigError` listing every problem.
    """
    from forge_infra.model.target import find_target, registered_clouds, target_namespaces

    secret_keys = set(secret_keys)
    problems: list[str] = []
    forge: dict[str, Any] = {}
    providers: dict[str, dict[str, Any]] = {}
    cloud_entry = find_target(str(values.get(f"{NAMESPACE}:cloud")))
    must_be_secret = {f"{NAMESPACE}:secrets"} | (
        set(cloud_entry.settings_model().secret_keys) if cloud_entry is not None else set())
    for full_key, value in values.items():
        namespace, sep, key = str(full_key).partition(":")
        problems.extend(_secure_value_problems(value, str(full_key)))
        if str(full_key) in must_be_secret:
            problems.extend(_plaintext_problems(str(full_key), value, decrypted=decrypted,
                                                secret_keys=secret_keys))
        if not sep or not key:
            problems.append(f"{full_key}: config keys are namespaced; use {NAMESPACE}:{full_key}")
        elif namespace == NAMESPACE:
            if "." in key:
                problems.append(f"{full_key}: unknown key; nested keys are written as "
                                f"mappings under {NAMESPACE}:{key.split('.')[0]}")
                continue
            secure_paths = [p for p in _secret_paths(value, full_key)
                            if not p.startswith(f"{NAMESPACE}:secrets")]
            if secure_paths or (full_key in secret_keys and key != "secrets"):
                for p in secure_paths or [full_key]:
                    problems.append(f"{p}: is a secret value, but only {NAMESPACE}:secrets holds "
                                    "secrets (reference them from services as app:NAME)")
                continue
            forge[key] = decode_secure(value, full_key)
        elif namespace in COMMON_NAMESPACES:
            continue
        else:
            providers.setdefault(namespace, {})[key] = value

    cloud = forge.get("cloud")
    entry: TargetEntry | None = None
    if cloud is None:
        problems.append(f"{NAMESPACE}:cloud: required, but not set; registered cloud "
                        f"targets: {', '.join(registered_clouds())}")
    else:
        entry = find_target(str(cloud))
        if entry is None:
            problems.append(f"{NAMESPACE}:cloud: got {describe(cloud)}; registered cloud "
                            f"targets: {', '.join(registered_clouds())}")

    # Neutral sections. A stack named dev, staging or prod is that environment (the prod
    # rules cannot be switched off by declaring another); any other stack declares one.
    if stack in ENVIRONMENTS:
        if "environment" in forge and forge["environment"] != stack:
            problems.append(problem(
                "environment", f"got {describe(forge['environment'])}; the stack {stack!r} is "
                f"the {stack} environment (its rules key off the environment, "
                "docs/CONFIGURATION.md \"Environments\"): remove the key or set "
                f"{stack}"))
        forge["environment"] = stack
    neutral_raw = {k: v for k, v in forge.items() if k in NEUTRAL_KEYS}
    settings_model = entry.settings_model() if entry is not None else None
    for old, new in (settings_model.moved_keys if settings_model else {}).items():
        section, _, key = old.partition(".")
        block = neutral_raw.get(section)
        if isinstance(block, Mapping) and key in block:
            problems.append(f"{NAMESPACE}:{old}: moved to {NAMESPACE}:{new} (a setting of "
                            f"cloud {cloud}, outside the neutral {section!r} block)")
            neutral_raw[section] = {k: v for k, v in block.items() if k != key}
    neutral_raw["services"] = _with_service_defaults(neutral_raw.get("services"))
    if neutral_raw["services"] is None:
        del neutral_raw["services"]
    neutral = validate_sections(
        StackConfig, neutral_raw, key_path=_neutral_key_path, skip=INTERNAL_FIELDS,
        missing_hints={"environment": f"a stack named {stack!r} declares its environment "
                                      "(only stacks named dev, staging and prod take it from "
                                      "their name)"})
    # A missing or unknown cloud is reported once, above, with the registered targets.
    problems.extend(p for p in neutral.problems
                    if entry is not None or not p.startswith(f"{NAMESPACE}:cloud:"))
    failed = set(neutral.failed)

    # The cloud's sections.
    cloud_values: dict[str, Any] = {}
    allowed = sorted([*NEUTRAL_KEYS, *(settings_model.keys() if settings_model else [])])
    for key in sorted(set(forge) - set(NEUTRAL_KEYS)):
        if settings_model is None:
            continue  # the cloud is unknown: its keys cannot be judged
        if key not in settings_model.model_fields or key in settings_model.internal_fields:
            problems.append(f"{NAMESPACE}:{key}: unknown key; allowed for cloud {cloud}: "
                            f"{', '.join(allowed)}")
        else:
            cloud_values[key] = forge[key]
    owned = entry.namespaces if entry is not None else frozenset()
    for namespace, keys in sorted(providers.items()):
        if entry is None or settings_model is None:
            continue  # the cloud is unknown: provider keys cannot be judged
        if namespace in owned:
            mapped, provider_problems = settings_model.from_provider_config(namespace, keys)
            cloud_values.update(mapped)
            problems.extend(provider_problems)
        elif namespace in KNOWN_CLOUD_NAMESPACES | target_namespaces():
            where = ", ".join(f"{n}:" for n in sorted(owned)) or "no provider namespace"
            problems.extend(
                f"{namespace}:{key}: unknown key; a stack of cloud {cloud} takes provider "
                f"settings under {where} and these {NAMESPACE}: keys: {', '.join(allowed)}"
                for key in keys)
        else:
            problems.extend(
                f"{namespace}:{key}: unknown namespace {namespace!r}; use {NAMESPACE}: for "
                f"this project's settings or a provider's namespace "
                f"({', '.join(sorted({*owned, *COMMON_NAMESPACES}))})" for key in keys)
    target: CloudSettings | None = None
    if settings_model is not None:
        cloud_values["cloud"] = cloud
        sections = validate_sections(settings_model, cloud_values,
                                     key_path=settings_model.key_path)
        problems.extend(sections.problems)
        failed |= sections.failed
        target = settings_model.model_construct(**sections.values)

    fields: dict[str, Any] = {"stack": stack, **neutral.values}
    if target is not None:
        fields["target"] = target
    view = StackConfig.model_construct(**fields)
    for rule in NEUTRAL_RULES:
        if not failed & set(rule.sections):
            problems.extend(rule.check(view))
    if settings_model is not None:
        for rule in settings_model.rules():
            if not failed & set(rule.sections):
                problems.extend(rule.check(view))
    if problems or settings_model is None:
        raise ConfigError(source, problems)
    return StackConfig.model_validate({
        "stack": stack, **neutral.values, "target": settings_model.model_validate(cloud_values)})


def stack_file(project_dir: Path, stack: str) -> Path:
    """The path of `Pulumi.<stack>.yaml` in a project directory."""
    return project_dir / f"Pulumi.{stack}.yaml"


def load_stack_file(stack: str, project_dir: Path | str = ".") -> StackConfig:
    """Load and validate `Pulumi.<stack>.yaml` straight from disk (offline path)."""
    path = stack_file(Path(project_dir), stack)
    source = path.name
    if not path.is_file():
        raise ConfigError(source, [f"no such stack file: {path}"])
    try:
        document = load_yaml(path.read_bytes()) or {}
    except OSError as exc:
        raise ConfigError(source, [f"cannot read {path}: {exc.strerror or exc}"]) from None
    except YamlError as exc:
        raise ConfigError(source, exc.problems) from None
    if not isinstance(document, Mapping):
        raise ConfigError(source, ["the file must be a mapping with a 'config:' key"])
    unknown_top = sorted(set(document) - {"config", "secretsprovider", "encryptedkey",
                                          "encryptionsalt", "environment"})
    if unknown_top:
        raise ConfigError(source, [f"{k}: not a stack file setting" for k in unknown_top])
    values = document.get("config") or {}
    if not isinstance(values, Mapping):
        raise ConfigError(source, ["config: must be a mapping of namespaced keys"])
    secure = [p for key, value in values.items() for p in secure_problems(value, str(key))]
    try:
        config = config_from_mapping(values, stack=stack, source=source)
    except ConfigError as exc:
        raise ConfigError(source, [*secure, *exc.problems]) from None
    if secure:
        raise ConfigError(source, secure)
    return config


def load_from_pulumi() -> StackConfig:
    """Load and validate the running stack's config from the Pulumi engine (real runs)."""
    import pulumi
    from pulumi.runtime import config as runtime_config

    from forge_infra.sdk_internals import CONFIG_SECRET_KEYS

    stack = pulumi.get_stack()
    # The language host hands config over in PULUMI_CONFIG, or sets it in-process
    # (set_all_config, as the Automation API does); read both, in-process winning, like
    # pulumi.Config. Structured values arrive as JSON text.
    raw = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    values: dict[str, Any] = {}
    for full_key, text in raw.items():
        try:
            values[full_key] = json.loads(text) if isinstance(text, str) else text
        except json.JSONDecodeError:
            values[full_key] = text
    secret_keys = (set(runtime_config.get_config_secret_keys_env())
                   | set(CONFIG_SECRET_KEYS.get()))
    return config_from_mapping(values, stack=stack, source=f"Pulumi.{stack}.yaml",
                               secret_keys=secret_keys, decrypted=True)
