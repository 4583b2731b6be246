"""The services' environment contract: every variable the platform's services read, defined once.

Every runtime injects the same variables: ECS task definitions (`environment` and `secrets`), the
Helm chart on EKS (the service's ConfigMap and its ExternalSecret), Cloud Run and Container Apps,
and `docker/docker-compose.yml` on a laptop (from `docker/.env`, whose template
`docker/.env.example` is generated from this module by `render_env_example`). The program
(`forge_infra.program.data_environment`) checks the map it builds against `CONNECTION`, and the
tests check the compose file and the example against it, so the runtimes cannot drift apart.

Three groups:

* `CONNECTION`: plain (non-secret) settings. `APP_ENV` reaches every service; the others only
  the data services' clients (`forge_components.contracts.DATA_SERVICE_CLIENTS`: api, worker).
  The `KAFKA_*` ones exist only when the stack has a broker.
* `SECRETS`: credentials, always handed over by reference from the cloud's secret store
  (never in plain text in a task definition or a ConfigMap); on a laptop, from `docker/.env`.
* `LOCAL`: what only `docker compose` reads (the images to run, the local data services'
  own passwords); no cloud runtime injects them.

`load(environ)` is the loader a service (or a test) uses: it reads the variables of one
service from a mapping such as `os.environ`, checks them all at once and returns typed
settings, or raises `EnvironmentContractError` listing every problem.

This module imports no SDK (neither Pulumi nor a cloud's), so an application can vendor it.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum


class Audience(Enum):
    """Which services read a variable."""

    ALL = "all"
    """Every service (gateway, api, worker, ui)."""
    DATA_CLIENTS = "data-clients"
    """Only the data services' clients (api, worker)."""
    COMPOSE = "compose"
    """Only `docker compose` itself (interpolated into the compose file)."""


class Presence(Enum):
    """When a runtime sets a variable."""

    ALWAYS = "always"
    """On every stack."""
    WITH_BROKER = "with-broker"
    """Only when the stack has a Kafka broker (`streaming.engine` is not `none`)."""
    PASSWORD_AUTH = "password-auth"
    """Only when `DATABASE_AUTH` is `password` (no IAM authentication, e.g. TimescaleDB)."""
    STACK_SECRET = "stack-secret"
    """When the stack's `services.<name>.secrets` maps it (e.g. `REDIS_AUTH_TOKEN: cache`)."""


@dataclass(frozen=True)
class Variable:
    """One environment variable of the contract."""

    name: str
    """The variable's name, as the service reads it."""
    description: str
    """What it holds, and where the cloud runtimes take it from."""
    audience: Audience
    """Which services read it."""
    presence: Presence
    """When a runtime sets it."""
    secret: bool
    """True: handed over by reference from a secret store, never in plain text."""
    local_value: str
    """Its value in `docker/.env.example`, for the compose platform on a laptop."""


CONNECTION: tuple[Variable, ...] = (
    Variable("APP_ENV", "The stack's environment (dev, staging, prod; local on a laptop).",
             Audience.ALL, Presence.ALWAYS, False, "local"),
    Variable("DATABASE_HOST", "PostgreSQL's host name (the Database contract's `host`).",
             Audience.DATA_CLIENTS, Presence.ALWAYS, False, "postgres"),
    Variable("DATABASE_PORT", "PostgreSQL's port (`port`).",
             Audience.DATA_CLIENTS, Presence.ALWAYS, False, "5432"),
    Variable("DATABASE_NAME", "The application database (`database_name`).",
             Audience.DATA_CLIENTS, Presence.ALWAYS, False, "forge"),
    Variable("DATABASE_USER", "The services' own role, never the master user (`app_username`).",
             Audience.DATA_CLIENTS, Presence.ALWAYS, False, "forge_app"),
    Variable("DATABASE_AUTH", "`iam` (a signed token per connection, no password) or "
             "`password` (DATABASE_PASSWORD) (`auth_method`).",
             Audience.DATA_CLIENTS, Presence.ALWAYS, False, "password"),
    Variable("REDIS_HOST", "The cache's primary endpoint (the Cache contract's `host`).",
             Audience.DATA_CLIENTS, Presence.ALWAYS, False, "redis"),
    Variable("REDIS_PORT", "The cache's port (`port`).",
             Audience.DATA_CLIENTS, Presence.ALWAYS, False, "6379"),
    Variable("REDIS_TLS", "`true` in every cloud (the cache accepts TLS only); `false` for "
             "the local container.",
             Audience.DATA_CLIENTS, Presence.ALWAYS, False, "false"),
    Variable("KAFKA_BROKERS", "Comma-separated `host:port` bootstrap brokers "
             "(the Streaming contract's `bootstrap_brokers`).",
             Audience.DATA_CLIENTS, Presence.WITH_BROKER, False, "redpanda:9092"),
    Variable("KAFKA_SECURITY_PROTOCOL", "`SASL_SSL` in every cloud (`security_protocol`); "
             "the local broker listens in `PLAINTEXT` on the compose data network.",
             Audience.DATA_CLIENTS, Presence.WITH_BROKER, False, "PLAINTEXT"),
    Variable("KAFKA_SASL_MECHANISM", "`SCRAM-SHA-512` on AWS, `OAUTHBEARER` where the "
             "clients log in with their cloud identity (GCP Managed Kafka, Azure Event Hubs) "
             "(`sasl_mechanism`); empty with a protocol that is not SASL_*.",
             Audience.DATA_CLIENTS, Presence.WITH_BROKER, False, ""),
    Variable("KAFKA_USERNAME", "The SASL user (`username`); empty without SASL or with "
             "identity login.",
             Audience.DATA_CLIENTS, Presence.WITH_BROKER, False, ""),
    Variable("KAFKA_SSL_CA_PEM", "The PEM CA that signed the brokers' certificates; empty "
             "means the default trust store (`ca_certificate_pem`).",
             Audience.DATA_CLIENTS, Presence.WITH_BROKER, False, ""),
)
"""The plain settings, in the order the example lists them."""

SECRETS: tuple[Variable, ...] = (
    Variable("DATABASE_PASSWORD", "The service role's own password (`app_credentials_secret_id`"
             ", key `password`).",
             Audience.DATA_CLIENTS, Presence.PASSWORD_AUTH, True, "local-only-app-password"),
    Variable("REDIS_AUTH_TOKEN", "The cache's AUTH token (`auth_token_secret_id`), from the "
             "stack's `services.<name>.secrets` (`cache`).",
             Audience.DATA_CLIENTS, Presence.STACK_SECRET, True, "local-only-redis-token"),
    Variable("KAFKA_PASSWORD", "The SASL user's password, by reference (the target's "
             "`streaming_password`); unset without SASL or with identity login.",
             Audience.DATA_CLIENTS, Presence.WITH_BROKER, True, ""),
)
"""Credentials, by reference in every cloud."""

LOCAL: tuple[Variable, ...] = (
    Variable("FORGE_GATEWAY_IMAGE", "The gateway's image (`services.gateway.image`).",
             Audience.COMPOSE, Presence.ALWAYS, False, "ghcr.io/forge/gateway:0.1.0"),
    Variable("FORGE_API_IMAGE", "The api's image (`services.api.image`).",
             Audience.COMPOSE, Presence.ALWAYS, False, "ghcr.io/forge/api:0.1.0"),
    Variable("FORGE_WORKER_IMAGE", "The worker's image (`services.worker.image`).",
             Audience.COMPOSE, Presence.ALWAYS, False, "ghcr.io/forge/worker:0.1.0"),
    Variable("FORGE_UI_IMAGE", "The ui's image (`services.ui.image`).",
             Audience.COMPOSE, Presence.ALWAYS, False, "ghcr.io/forge/ui:0.1.0"),
    Variable("POSTGRES_PASSWORD", "The local PostgreSQL superuser's password (the master "
             "user; the services never get it).",
             Audience.COMPOSE, Presence.ALWAYS, True, "local-only-master-password"),
    Variable("MINIO_ROOT_USER", "The local MinIO's root user.",
             Audience.COMPOSE, Presence.ALWAYS, False, "forge-local"),
    Variable("MINIO_ROOT_PASSWORD", "The local MinIO's root password (8 characters or more).",
             Audience.COMPOSE, Presence.ALWAYS, True, "local-only-minio-password"),
)
"""What only `docker compose` reads."""

#: The object storage purposes every stack creates a bucket for (the AWS target's `Storage`
#: makes one per purpose; the compose file creates the same three in MinIO).
BUCKET_PURPOSES: tuple[str, ...] = ("reports", "exports", "backups")

KAFKA_PROTOCOLS: frozenset[str] = frozenset({"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"})
"""The values Kafka clients accept for `security.protocol`."""
DATABASE_AUTH_METHODS: frozenset[str] = frozenset({"iam", "password"})
"""The values of DATABASE_AUTH."""


def by_name() -> dict[str, Variable]:
    """Every variable of the contract (all three groups) by name."""
    return {v.name: v for v in (*CONNECTION, *SECRETS, *LOCAL)}


def service_variables(data_client: bool, broker: bool, *, secrets: bool = False) -> list[str]:
    """The names a runtime injects into one service, in contract order.

    `data_client`: the service is one of the data services' clients (api, worker).
    `broker`: the stack has a Kafka broker. `secrets`: include the credentials handed over by
    reference (DATABASE_PASSWORD and REDIS_AUTH_TOKEN are listed whatever their presence rule:
    they depend on the database engine and the stack's secrets)."""
    group = (*CONNECTION, *SECRETS) if secrets else CONNECTION
    names = []
    for variable in group:
        if variable.audience is Audience.DATA_CLIENTS and not data_client:
            continue
        if variable.presence is Presence.WITH_BROKER and not broker:
            continue
        names.append(variable.name)
    return names


def check_names(names: Iterable[str], *, broker: bool) -> None:
    """Raise ValueError unless `names` are exactly the data clients' plain variables.

    The program calls this on the map it builds (`data_environment`), so a variable added to
    one side only fails every plan and every deployment, not a service at run time."""
    given = set(names)
    expected = set(service_variables(data_client=True, broker=broker))
    if given != expected:
        missing = ", ".join(sorted(expected - given)) or "none"
        extra = ", ".join(sorted(given - expected)) or "none"
        raise ValueError("the data services' environment differs from the contract "
                         f"(forge_components.environment): missing {missing}; not in the "
                         f"contract {extra}")


def render_env_example() -> str:
    """The text of `docker/.env.example`: every variable, grouped, with its description."""
    lines = [
        "# The services' environment contract, for docker compose on a laptop.",
        "# GENERATED from components/forge_components/environment.py: do not edit; run",
        "#   python -m forge_components.environment > docker/.env.example",
        "# Copy it to docker/.env (never committed) and change the passwords.",
        "# The cloud runtimes (ECS, EKS, Cloud Run, Container Apps) inject the same names.",
    ]
    sections = (
        ("Connection settings (plain values; api and worker, APP_ENV everywhere)", CONNECTION),
        ("Credentials (by reference from the secret store in every cloud)", SECRETS),
        ("docker compose only (images and the local data services' own passwords)", LOCAL),
    )
    for title, group in sections:
        lines += ["", f"# --- {title}"]
        for variable in group:
            when = "" if variable.presence is Presence.ALWAYS else f" [{variable.presence.value}]"
            lines.append(f"# {variable.description}{when}")
            lines.append(f"{variable.name}={variable.local_value}")
    return "\n".join(lines) + "\n"


class EnvironmentContractError(ValueError):
    """Raised by `load` with every missing or invalid variable named at once."""


@dataclass(frozen=True)
class KafkaSettings:
    """The Kafka client settings (KAFKA_*)."""

    brokers: tuple[str, ...]
    security_protocol: str
    sasl_mechanism: str
    username: str
    password: str
    ssl_ca_pem: str


@dataclass(frozen=True)
class Settings:
    """One service's settings, typed. Data-service fields are None for gateway and ui."""

    app_env: str
    database_host: str | None = None
    database_port: int | None = None
    database_name: str | None = None
    database_user: str | None = None
    database_auth: str | None = None
    database_password: str | None = None
    redis_host: str | None = None
    redis_port: int | None = None
    redis_tls: bool | None = None
    redis_auth_token: str | None = None
    kafka: KafkaSettings | None = None


def _port(name: str, value: str, problems: list[str]) -> int:
    if not value:
        return 0  # already reported as not set
    if value.isdigit() and 0 < int(value) < 65536:
        return int(value)
    problems.append(f"{name}={value!r} is not a port (1..65535)")
    return 0


def _joined(problems: list[str]) -> str:
    """The problems in contract order (each starts with its variable's name)."""
    order = list(by_name())
    return "; ".join(sorted(problems, key=lambda p: order.index(p.split("=")[0].split(" ")[0])))


def load(environ: Mapping[str, str], *, data_client: bool) -> Settings:
    """Read one service's settings from `environ` (e.g. `os.environ`).

    `data_client`: the service reads the data services' settings (api, worker). Kafka is
    optional: without KAFKA_BROKERS the settings have no `kafka`. Raises
    `EnvironmentContractError` naming every missing or invalid variable."""
    problems: list[str] = []

    def need(name: str) -> str:
        value = environ.get(name)
        if value is None or (value == "" and name != "KAFKA_SSL_CA_PEM"):
            problems.append(f"{name} is not set")
            return ""
        return value

    app_env = need("APP_ENV")
    if not data_client:
        if problems:
            raise EnvironmentContractError(_joined(problems))
        return Settings(app_env=app_env)
    auth = need("DATABASE_AUTH")
    if auth and auth not in DATABASE_AUTH_METHODS:
        problems.append(f"DATABASE_AUTH={auth!r} is not one of iam, password")
    password = need("DATABASE_PASSWORD") if auth == "password" else None
    tls = need("REDIS_TLS")
    if tls and tls not in ("true", "false"):
        problems.append(f"REDIS_TLS={tls!r} is not true or false")
    kafka = None
    if environ.get("KAFKA_BROKERS"):
        protocol = need("KAFKA_SECURITY_PROTOCOL")
        if protocol and protocol not in KAFKA_PROTOCOLS:
            problems.append(f"KAFKA_SECURITY_PROTOCOL={protocol!r} is not one of "
                            + ", ".join(sorted(KAFKA_PROTOCOLS)))
        sasl = protocol.startswith("SASL_")
        kafka = KafkaSettings(
            brokers=tuple(b.strip() for b in environ["KAFKA_BROKERS"].split(",") if b.strip()),
            security_protocol=protocol,
            sasl_mechanism=need("KAFKA_SASL_MECHANISM") if sasl else "",
            username=need("KAFKA_USERNAME") if sasl else "",
            password=need("KAFKA_PASSWORD") if sasl else "",
            ssl_ca_pem=environ.get("KAFKA_SSL_CA_PEM", ""),
        )
    settings = Settings(
        app_env=app_env,
        database_host=need("DATABASE_HOST"),
        database_port=_port("DATABASE_PORT", need("DATABASE_PORT"), problems),
        database_name=need("DATABASE_NAME"),
        database_user=need("DATABASE_USER"),
        database_auth=auth,
        database_password=password,
        redis_host=need("REDIS_HOST"),
        redis_port=_port("REDIS_PORT", need("REDIS_PORT"), problems),
        redis_tls=tls == "true",
        redis_auth_token=environ.get("REDIS_AUTH_TOKEN"),
        kafka=kafka,
    )
    if problems:
        raise EnvironmentContractError(_joined(problems))
    return settings


if __name__ == "__main__":
    print(render_env_example(), end="")
