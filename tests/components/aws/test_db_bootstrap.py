"""The bootstrap function's code (`forge_components.aws.db_bootstrap`), run here with a fake
connection and a fake secret store: what it sends to PostgreSQL, in which order, with which
connection settings, and what it does on failure.

What this does not prove: that PostgreSQL or RDS accept the statements (the SQL itself is
asserted exactly in test_database.py), that the Lambda runtime provides boto3, or that the
function reaches the database from its subnets.
"""

import pathlib
import re
import ssl
from collections.abc import Mapping
from typing import Any

import certifi
import pytest

from forge_components.aws import db_bootstrap

MASTER_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1-abc"
APP_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-app-credentials-x"
SECRETS = {MASTER_ARN: {"username": "forge_admin", "password": "master-pw"},
           APP_ARN: {"username": "forge_app", "password": "app-pw"}}


class FakeConnection:
    """Records every statement with its parameters; fails on the statement asked."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.closed = False
        self.fail_on = fail_on

    def run(self, sql: str, **params: Any) -> Any:
        self.calls.append((sql, params))
        if self.fail_on is not None and sql == self.fail_on:
            raise RuntimeError(f"server refused {sql}")
        if sql.startswith("SELECT format("):
            return [[f"ALTER ROLE {params['role']} PASSWORD '<quoted by the server>'"]]
        return []

    def close(self) -> None:
        self.closed = True


def event(**overrides: Any) -> dict[str, Any]:
    return {"host": "db.example.internal", "port": 5432, "database": "forge",
            "master_secret_arn": MASTER_ARN, "tls": "require", "role": "forge_app",
            "statements": ["CREATE ROLE x", "GRANT y"], "wait_seconds": 0, **overrides}


def read(arn: str) -> Mapping[str, Any]:
    return SECRETS[arn]


def run_with(connection: FakeConnection, settings: list[dict[str, Any]],
             **overrides: Any) -> dict[str, Any]:
    def connect(**kwargs: Any) -> FakeConnection:
        settings.append(kwargs)
        return connection
    return db_bootstrap.run(event(**overrides), connect=connect, read_secret=read)


def test_statements_run_in_one_transaction_as_the_master_user():
    connection, settings = FakeConnection(), []
    result = run_with(connection, settings)
    assert [sql for sql, _ in connection.calls] == ["BEGIN", "CREATE ROLE x", "GRANT y",
                                                   "COMMIT"]
    assert connection.closed
    assert result == {"role": "forge_app", "statements": 2, "password_set": False}
    (used,) = settings
    assert {k: v for k, v in used.items() if k != "ssl_context"} == {
        "host": "db.example.internal", "port": 5432, "database": "forge",
        "user": "forge_admin", "password": "master-pw", "timeout": 30}
    assert isinstance(used["ssl_context"], ssl.SSLContext)


def test_the_password_is_set_from_its_secret_as_a_bind_parameter():
    connection, settings = FakeConnection(), []
    result = run_with(connection, settings, password_secret_arn=APP_ARN)
    sqls = [sql for sql, _ in connection.calls]
    assert sqls[:3] == ["BEGIN", "CREATE ROLE x", "GRANT y"]
    assert sqls[3] == ("SELECT format('ALTER ROLE %I PASSWORD %L', CAST(:role AS text), "
                       "CAST(:password AS text))")
    assert connection.calls[3][1] == {"role": "forge_app", "password": "app-pw"}
    assert sqls[4] == "ALTER ROLE forge_app PASSWORD '<quoted by the server>'"
    assert sqls[5] == "COMMIT"
    assert all("app-pw" not in sql for sql in sqls)
    assert result["password_set"] is True


def test_a_failing_statement_rolls_back_closes_and_raises():
    connection, settings = FakeConnection(fail_on="GRANT y"), []
    with pytest.raises(RuntimeError, match="server refused GRANT y"):
        run_with(connection, settings)
    assert [sql for sql, _ in connection.calls] == ["BEGIN", "CREATE ROLE x", "GRANT y",
                                                   "ROLLBACK"]
    assert connection.closed


@pytest.mark.parametrize(("missing", "message"), [
    ("statements", "the event lacks 'statements'"),
    ("master_secret_arn", "the event lacks 'master_secret_arn'"),
    ("host", "the event lacks 'host'"),
])
def test_an_incomplete_event_is_refused_before_connecting(missing, message):
    broken = event()
    del broken[missing]
    with pytest.raises(ValueError) as raised:
        db_bootstrap.run(broken, connect=pytest.fail, read_secret=read)
    assert str(raised.value) == message


def test_statements_must_be_a_list_of_strings():
    with pytest.raises(ValueError, match="statements must be a list of SQL strings"):
        db_bootstrap.run(event(statements="DROP DATABASE forge"), connect=pytest.fail,
                         read_secret=read)


def test_tls_verify_full_checks_rds_ca_and_host_name():
    fetched: list[str] = []
    bundle = _one_ca_certificate()

    def fetch(url: str) -> str:
        fetched.append(url)
        return bundle

    context = db_bootstrap.tls_context("verify-full", fetch)
    assert fetched == ["https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"]
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname is True
    assert len(context.get_ca_certs()) == 1
    require = db_bootstrap.tls_context("require")
    assert require.verify_mode is ssl.CERT_NONE and require.check_hostname is False
    with pytest.raises(ValueError, match="tls must be one of"):
        db_bootstrap.tls_context("disable")


def test_connection_is_retried_until_the_wait_is_over():
    attempts: list[float] = []
    now = [0.0]

    def connect(**_kwargs: Any) -> FakeConnection:
        attempts.append(now[0])
        if len(attempts) < 3:
            raise ConnectionRefusedError("not yet")
        return FakeConnection()

    def sleep(seconds: float) -> None:
        now[0] += seconds

    db_bootstrap.connect_with_retry(connect, {}, 60, sleep=sleep, clock=lambda: now[0])
    assert attempts == [0.0, 15.0, 30.0]
    attempts.clear()
    now[0] = 0.0
    with pytest.raises(ConnectionRefusedError):
        db_bootstrap.connect_with_retry(connect, {}, 20, sleep=sleep, clock=lambda: now[0])
    assert attempts == [0.0, 15.0]



def _one_ca_certificate() -> str:
    """A real CA certificate (PEM) standing in for RDS's bundle: the first of certifi's."""
    text = pathlib.Path(certifi.where()).read_text(encoding="ascii")
    end = "-----END CERTIFICATE-----"
    start = text.index("-----BEGIN CERTIFICATE-----")
    return text[start:text.index(end, start) + len(end)] + "\n"


def test_the_bundled_driver_finds_what_it_calls_in_scramp():
    """pg8000 calls scramp functions by name when it connects: each must exist in the scramp
    the function bundles (scramp 1.5 dropped make_channel_binding, which pg8000 1.31 calls on
    every TLS connection; forge-infra pins scramp below 1.5)."""
    import pg8000.core
    import scramp

    source = pathlib.Path(pg8000.core.__file__).read_text(encoding="utf-8")
    called = set(re.findall(r"\bscramp\.([A-Za-z_]+)", source))
    assert "make_channel_binding" in called
    assert [name for name in sorted(called) if not hasattr(scramp, name)] == []
