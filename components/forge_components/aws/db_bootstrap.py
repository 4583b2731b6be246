"""The database bootstrap function: creates the services' PostgreSQL role, inside the VPC.

This module is the code of an AWS Lambda function (`Database` packages it with pg8000, a pure
Python PostgreSQL driver, and invokes it through `aws.lambda_.Invocation`). It runs in the
database's VPC because the database is private; it logs in as the master user, with the master
credentials read from Secrets Manager at each run (so a rotated master password is always the
current one), and runs the statements it is given, in one transaction. The statements are
written to be re-run: the role is created only when missing, grants are idempotent.

The event (the Invocation's input, JSON; it never holds a password):

* `host`, `port`, `database`: where to connect (the application database);
* `master_secret_arn`: the secret with the master user's `username` and `password`;
* `tls`: `verify-full` (RDS: the server certificate is checked against Amazon RDS's CA bundle,
  downloaded from `RDS_CA_BUNDLE_URL`, and the host name) or `require` (encrypted, server
  certificate not checked: the TimescaleDB instances serve a self-signed certificate);
* `role`: the services' role the statements create;
* `statements`: the SQL, run in order in one transaction;
* `password_secret_arn` (optional): a secret whose `password` becomes the role's password
  (`ALTER ROLE ... PASSWORD`, quoted by the server's `format('%L')`; the value goes as a bind
  parameter, never into the statement text or this event);
* `wait_seconds`: how long to keep retrying the first connection (a TimescaleDB instance is
  still installing PostgreSQL when the function first runs).

Imports only the standard library at module level; pg8000 and boto3 (which the Lambda Python
runtime provides) are imported when the function runs, so the component and the tests import
this module without them.
"""

import json
import ssl
import time
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

#: Amazon RDS's certificate bundle for all Regions, from "Using SSL/TLS to encrypt a connection
#: to a DB instance or cluster": https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.SSL.html
RDS_CA_BUNDLE_URL = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"
#: The TLS modes the event may ask for.
TLS_MODES = ("verify-full", "require")
#: Seconds between connection attempts while waiting for the server.
RETRY_SECONDS = 15
#: Seconds kept in reserve at the end of the function's time limit to report an error.
RESERVE_SECONDS = 30


class Connection(Protocol):
    """What the function needs of a pg8000 native connection."""

    def run(self, sql: str, **params: Any) -> Any:
        """Run one statement, with named parameters."""

    def close(self) -> None:
        """Close the connection."""


Connect = Callable[..., Connection]
ReadSecret = Callable[[str], Mapping[str, Any]]


def tls_context(mode: str, fetch: Callable[[str], str] | None = None) -> ssl.SSLContext:
    """The client TLS context for `mode` (see the module docstring). `fetch` returns the text
    at a URL (defaults to an HTTPS GET checked against the runtime's public CAs)."""
    if mode == "verify-full":
        bundle = (fetch or _https_get)(RDS_CA_BUNDLE_URL)
        context = ssl.create_default_context(cadata=bundle)
        context.check_hostname = True
        context.verify_mode = ssl.CERT_REQUIRED
        return context
    if mode == "require":
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    raise ValueError(f"tls must be one of {list(TLS_MODES)}, got {mode!r}")


def _https_get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        body: bytes = response.read()
    return body.decode("ascii")


def _pg8000_connect(**kwargs: Any) -> Connection:
    import pg8000.native

    connection: Connection = pg8000.native.Connection(**kwargs)
    return connection


def _secrets_manager_read(secret_arn: str) -> Mapping[str, Any]:
    import boto3

    value = boto3.client("secretsmanager").get_secret_value(SecretId=secret_arn)
    secret: Mapping[str, Any] = json.loads(value["SecretString"])
    return secret


def _required(event: Mapping[str, Any], key: str) -> Any:
    if key not in event:
        raise ValueError(f"the event lacks {key!r}")
    return event[key]


def connect_with_retry(connect: Connect, settings: Mapping[str, Any], wait_seconds: float,
                       sleep: Callable[[float], None] = time.sleep,
                       clock: Callable[[], float] = time.monotonic) -> Connection:
    """`connect(**settings)`, retried every RETRY_SECONDS for up to `wait_seconds`; the last
    error is raised once the time is up."""
    deadline = clock() + wait_seconds
    while True:
        try:
            return connect(**settings)
        except Exception:
            if clock() + RETRY_SECONDS > deadline:
                raise
            sleep(RETRY_SECONDS)


def run(event: Mapping[str, Any], *, connect: Connect, read_secret: ReadSecret,
        fetch: Callable[[str], str] | None = None, wait_seconds: float | None = None,
        sleep: Callable[[float], None] = time.sleep) -> dict[str, Any]:
    """Apply the event's statements as the master user; return what was done (no secrets)."""
    statements: Sequence[str] = _required(event, "statements")
    if not isinstance(statements, list) or not all(isinstance(s, str) for s in statements):
        raise ValueError("statements must be a list of SQL strings")
    role = str(_required(event, "role"))
    master = read_secret(str(_required(event, "master_secret_arn")))
    settings = {
        "host": str(_required(event, "host")),
        "port": int(_required(event, "port")),
        "database": str(_required(event, "database")),
        "user": str(master["username"]),
        "password": str(master["password"]),
        "ssl_context": tls_context(str(_required(event, "tls")), fetch),
        "timeout": 30,
    }
    wait = float(event.get("wait_seconds", 0)) if wait_seconds is None else wait_seconds
    connection = connect_with_retry(connect, settings, wait, sleep=sleep)
    password_secret = event.get("password_secret_arn")
    try:
        connection.run("BEGIN")
        for statement in statements:
            connection.run(statement)
        if password_secret:
            password = str(read_secret(str(password_secret))["password"])
            # The server quotes both (format's %I and %L); the password is a bind parameter.
            # Typed: PostgreSQL cannot infer the type of a bare parameter of format().
            rows = connection.run(
                "SELECT format('ALTER ROLE %I PASSWORD %L', CAST(:role AS text), "
                "CAST(:password AS text))", role=role, password=password)
            connection.run(rows[0][0])
        connection.run("COMMIT")
    except Exception:
        connection.run("ROLLBACK")
        raise
    finally:
        connection.close()
    return {"role": role, "statements": len(statements), "password_set": bool(password_secret)}


def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """The Lambda entry point (`forge_db_bootstrap.handler`)."""
    remaining = context.get_remaining_time_in_millis() / 1000 if context is not None else 0
    wait = min(float(event.get("wait_seconds", 0)), max(remaining - RESERVE_SECONDS, 0))
    return run(event, connect=_pg8000_connect, read_secret=_secrets_manager_read,
               wait_seconds=wait)
