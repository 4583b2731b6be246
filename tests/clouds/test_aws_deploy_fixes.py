"""Issue 8 fixes as the stacks wire them: each test runs the whole program of a stack file
under the offline mocks and reads what the engine would receive.

What these tests do not prove: that AWS accepts the inputs; only that the program asks for
what the AWS documentation (cited in the components) says works.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import yaml

from forge_infra.clouds.aws.settings import AwsSettings
from forge_infra.config import ConfigError, config_from_mapping
from forge_infra.plan.recorder import Recording
from forge_infra.program import build
from tests.conftest import ROOT, STACKS, stack_config
from tests.helpers import run_mocked

BUCKET = "aws:s3/bucket:Bucket"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"


def build_stack(stack: str, **overrides: Any) -> Recording:
    """The recording of one stack file's program, with `overrides` on its config."""
    config = stack_config(stack, **overrides)
    return run_mocked(lambda: build(config), stack=stack)


@pytest.fixture(scope="module")
def recordings() -> dict[str, Recording]:
    return {stack: build_stack(stack) for stack in STACKS}


@pytest.mark.parametrize("stack", STACKS)
def test_no_stack_archives_the_objects_its_apps_read(recordings, stack: str) -> None:
    recording = recordings[stack]
    by_id = {b.resource_id: b for b in recording.of_type(BUCKET)}
    seen = set()
    for lifecycle in recording.of_type(LIFECYCLE):
        bucket = by_id[lifecycle.inputs["bucket"]]
        classes = [t["storageClass"] for rule in lifecycle.inputs["rules"]
                   for t in rule.get("transitions", [])]
        purpose = bucket.inputs["tags"].get("purpose")
        if purpose in ("reports", "exports", "backups"):
            seen.add(purpose)
            assert classes == ["GLACIER_IR"], f"{bucket.urn} transitions to {classes}"
        else:
            assert not {"GLACIER", "DEEP_ARCHIVE"} & set(classes), (
                f"{bucket.urn} transitions to {classes}")
    assert seen == {"reports", "exports", "backups"}, seen


def dev_values(**sections: dict[str, Any]) -> dict[str, Any]:
    """Pulumi.dev.yaml's config with keys of `forge-infra:<section>` blocks replaced."""
    values = copy.deepcopy(yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"])
    for section, keys in sections.items():
        values.setdefault(f"forge-infra:{section}", {}).update(keys)
    return values


def problems_of(values: dict[str, Any], stack: str = "dev") -> list[str]:
    """The problem lines the stack file `values` raises, checking the error names the file."""
    with pytest.raises(ConfigError) as info:
        config_from_mapping(values, stack=stack, source=f"Pulumi.{stack}.yaml")
    assert f"Pulumi.{stack}.yaml" in str(info.value), str(info.value)
    return info.value.problems


@pytest.mark.parametrize(("allocated", "ceiling", "least"), [(20, 21, 22), (100, 109, 110),
                                                             (1000, 1099, 1100)])
def test_config_refuses_a_storage_ceiling_under_ten_percent_above(allocated: int, ceiling: int,
                                                                  least: int) -> None:
    values = dev_values(database={"allocated_storage_gb": allocated,
                                  "max_allocated_storage_gb": ceiling})
    assert problems_of(values) == [
        f"forge-infra:database.max_allocated_storage_gb: got {ceiling}; RDS requires the storage "
        f"autoscaling ceiling to be at least 10% above database.allocated_storage_gb "
        f"({allocated}): set at least {least}"]


@pytest.mark.parametrize(("allocated", "ceiling"), [(20, 22), (100, 110), (1000, 1100)])
def test_config_accepts_a_storage_ceiling_ten_percent_above(allocated: int,
                                                            ceiling: int) -> None:
    values = dev_values(database={"allocated_storage_gb": allocated,
                                  "max_allocated_storage_gb": ceiling})
    config = config_from_mapping(values, stack="dev", source="Pulumi.dev.yaml")
    assert isinstance(config.target, AwsSettings)
    assert config.target.database.max_allocated_storage_gb == ceiling


def test_prod_protects_the_database_kms_key_and_dev_does_not(recordings) -> None:
    key = recordings["prod"].one("aws:kms/key:Key", "forge-prod-db-key")
    assert key.protect is True, key.urn
    dev_key = recordings["dev"].one("aws:kms/key:Key", "forge-dev-db-key")
    assert dev_key.protect is False, dev_key.urn


def test_prod_protects_the_eks_secrets_key_and_staging_does_not(recordings) -> None:
    key = recordings["prod"].one("aws:kms/key:Key", "forge-prod-eks-secrets-key")
    assert key.protect is True, key.urn
    staging_key = recordings["staging"].one("aws:kms/key:Key", "forge-staging-eks-secrets-key")
    assert staging_key.protect is False, staging_key.urn


@pytest.mark.parametrize(("stack", "overrides"), [
    ("prod", {"platform": "ecs"}),
    ("dev", {"cdn": {"enabled": True}}),
])
def test_ecs_with_the_cdn_writes_each_route53_record_once(stack: str,
                                                          overrides: dict[str, Any]) -> None:
    # ACM asks the same validation CNAME for a domain in every certificate of an account
    # (the mocks answer alike), so two certificates for the app domain meant two Record
    # resources fighting over one DNS record.
    recording = build_stack(stack, **overrides)
    domain = f"{stack}.forge.example.com" if stack != "prod" else "forge.example.com"
    certificates = recording.of_type("aws:acm/certificate:Certificate")
    assert len(certificates) == 2, [c.urn for c in certificates]
    ecs_cert = next(c for c in certificates if "index:EcsCompute$" in c.urn)
    cdn_cert = next(c for c in certificates if "index:Cdn$" in c.urn)
    assert ecs_cert.inputs["domainName"] == f"origin.{domain}", ecs_cert.urn
    assert sorted(ecs_cert.inputs["subjectAlternativeNames"]) == [
        f"api.{domain}", f"gateway.{domain}"], ecs_cert.urn
    assert cdn_cert.inputs["domainName"] == domain, cdn_cert.urn
    seen: dict[tuple[str, str, str], str] = {}
    for record in recording.of_type("aws:route53/record:Record"):
        key = (record.inputs["zoneId"], record.inputs["name"], record.inputs["type"])
        assert key not in seen, f"{record.urn} and {seen[key]} both write {key}"
        seen[key] = record.urn


@pytest.mark.parametrize(("stack", "recipient"), [
    ("dev", "platform-dev@example.com"),
    ("staging", "platform-staging@example.com"),
    ("prod", "platform-oncall@example.com"),
])
def test_every_stack_budget_notifies_someone(recordings, stack: str, recipient: str) -> None:
    budget = recordings[stack].one("aws:budgets/budget:Budget")
    notifications = budget.inputs.get("notifications") or []
    assert notifications, f"{budget.urn} notifies nobody"
    for notification in notifications:
        assert notification["subscriberEmailAddresses"] == [recipient], budget.urn


@pytest.mark.parametrize("count", [1, 2, 5])
def test_config_refuses_read_replicas_with_the_rds_managed_password(count: int) -> None:
    values = dev_values(database={"engine": "rds-postgres", "read_replicas": count})
    assert problems_of(values) == [
        f"forge-infra:database.read_replicas: got {count}; RDS cannot create a read replica of "
        "an instance whose master password RDS manages in Secrets Manager, and forge-infra "
        "always has RDS manage (and rotate) it, so apply would fail; set 0 and size "
        "database.instance_class for the read load"]


def test_config_accepts_no_read_replicas() -> None:
    values = dev_values(database={"engine": "rds-postgres", "read_replicas": 0})
    config = config_from_mapping(values, stack="dev", source="Pulumi.dev.yaml")
    assert isinstance(config.target, AwsSettings)
    assert config.target.database.read_replicas == 0


def test_config_refuses_a_budget_that_notifies_nobody() -> None:
    values = dev_values(budget={"alert_emails": []})
    assert problems_of(values) == [
        "forge-infra:budget.alert_emails: is empty, so the budget's alerts would notify "
        "nobody; list at least one e-mail address (at most 10)"]


def test_eks_with_the_cdn_declares_no_origin_host(recordings) -> None:
    # The CDN serves the ui from object storage and sends /api/* to the gateway: an ingress
    # (and certificate) for origin.<domain> would serve nobody.
    recording = recordings["prod"]
    leaks = [r.urn for r in recording.resources
             if "origin.forge.example.com" in json.dumps(r.inputs, default=str)]
    assert leaks == []
    values = next(r for r in recording.of_type("kubernetes:helm.sh/v3:Release")
                  if r.inputs["chart"].endswith("forge-platform")).inputs["values"]
    assert values["ui"].get("ingress", {}).get("enabled", False) is False, values["ui"]


SECRET_ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"


@pytest.mark.parametrize("stack", STACKS)
def test_secret_rotation_is_as_documented(recordings, stack: str) -> None:
    """docs/SECURITY.md "Secret rotation": no stack puts a rotation schedule on a secret whose
    value it writes (the next `pulumi up` would write the stack's value back over a rotated
    one); the RDS master password is RDS-managed, so RDS rotates it."""
    recording = recordings[stack]
    assert recording.of_type(SECRET_ROTATION) == []
    for instance in recording.of_type("aws:rds/instance:Instance"):
        assert instance.inputs["manageMasterUserPassword"] is True, instance.urn
        assert "password" not in instance.inputs, instance.urn
    assert recording.of_type("aws:rds/instance:Instance"), stack
