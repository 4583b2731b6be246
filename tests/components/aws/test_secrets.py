"""The AppSecrets component under the offline mocks: names, recovery window, values masked.

What these tests do not prove: that Secrets Manager accepts the names in an account (they must
be unique there), only what the component asks for.
"""

from typing import Any

import pulumi
import pytest

from forge_components.aws.secrets import TYPE_TOKEN, AppSecrets, AppSecretsArgs
from forge_infra.plan.recorder import SECRET_MASK, Recording
from tests.components.aws.conftest import assert_component_schema
from tests.helpers import assert_all_tagged, run_mocked

SECRET = "aws:secretsmanager/secret:Secret"
VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
KMS_KEY = "arn:aws:kms:us-east-1:123456789012:key/0f0e0d0c-0b0a-0908-0706-050403020100"


def build(**overrides: Any) -> Recording:
    """One AppSecrets named "app" with two values; exports its outputs."""
    values: dict[str, Any] = {"values": {"stripe_key": "sk_test_123", "smtp_password": "pw"}}

    def program() -> None:
        secrets = AppSecrets("app", AppSecretsArgs(**(values | overrides)))
        pulumi.export("secret_arns", secrets.secret_arns)
        pulumi.export("stripe_key", secrets.secret_arn("stripe_key"))

    return run_mocked(program)


def test_one_secret_per_value_with_the_default_recovery_window() -> None:
    rec = build()
    secrets = {r.name: r for r in rec.of_type(SECRET)}
    assert sorted(secrets) == ["app-smtp-password", "app-stripe-key"]
    for key, secret in (("smtp_password", secrets["app-smtp-password"]),
                        ("stripe_key", secrets["app-stripe-key"])):
        assert secret.inputs["namePrefix"] == f"forge/{key}-", secret.urn
        assert secret.inputs["recoveryWindowInDays"] == 30, secret.urn
        assert "kmsKeyId" not in secret.inputs, secret.urn
    assert rec.exports["secret_arns"] == {
        "smtp_password": secrets["app-smtp-password"].outputs["arn"],
        "stripe_key": secrets["app-stripe-key"].outputs["arn"]}
    assert rec.exports["stripe_key"] == secrets["app-stripe-key"].outputs["arn"]


def test_values_are_stored_as_secrets_and_masked_in_the_plan() -> None:
    rec = build()
    versions = {r.name: r for r in rec.of_type(VERSION)}
    assert sorted(versions) == ["app-smtp-password-value", "app-stripe-key-value"]
    secrets = {r.name: r for r in rec.of_type(SECRET)}
    for name, version in versions.items():
        assert version.inputs["secretString"] == SECRET_MASK, version.urn
        assert version.inputs["secretId"] == secrets[
            name.removesuffix("-value")].resource_id, version.urn
    for resource in rec.resources:
        assert "sk_test_123" not in repr(resource.inputs), resource.urn


@pytest.mark.parametrize("days", [7, 30])
def test_prefix_key_and_recovery_window_are_passed(days: int) -> None:
    rec = build(name_prefix="forge-prod", kms_key_arn=KMS_KEY, recovery_window_days=days,
                tags={"team": "platform"})
    for secret in rec.of_type(SECRET):
        assert secret.inputs["namePrefix"].startswith("forge-prod/"), secret.urn
        assert secret.inputs["kmsKeyId"] == KMS_KEY, secret.urn
        assert secret.inputs["recoveryWindowInDays"] == days, secret.urn
        assert secret.inputs["tags"]["team"] == "platform", secret.urn
    assert_all_tagged(rec, TYPE_TOKEN)


@pytest.mark.parametrize("days", [0, 6, 31])
def test_recovery_window_outside_what_aws_allows_is_refused(days: int) -> None:
    with pytest.raises(ValueError, match=rf"^AppSecrets: recovery_window_days must be between "
                                         rf"7 and 30, got {days}$"):
        build(recovery_window_days=days)


def test_schema() -> None:
    assert_component_schema(AppSecrets, None, {"secret_arns"})


def test_secret_names_are_unique_per_creation_not_fixed() -> None:
    # A fixed name collides with the same secret still scheduled for deletion after a
    # destroy; a prefix gets a new suffix at each creation and keeps it in the state.
    rec = build(name_prefix="forge-dev")
    for secret in rec.of_type(SECRET):
        assert "name" not in secret.inputs, secret.urn
        key = secret.name.removeprefix("app-").replace("-", "_")
        assert secret.inputs["namePrefix"] == f"forge-dev/{key}-", secret.urn
        assert secret.outputs["name"].startswith(f"forge-dev/{key}-"), secret.urn
        assert len(secret.outputs["name"]) > len(secret.inputs["namePrefix"]), secret.urn
