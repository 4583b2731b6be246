"""The AWS Cache component under the offline mocks: encryption, AUTH, access, failover.

What these tests do not prove: that ElastiCache accepts the node type or engine version in a
region, or that clients connect; only that the program asks for what it should.
"""

import json
from typing import Any

import pulumi
import pytest

from forge_components.aws.cache import (
    Cache,
    CacheArgs,
    CacheEngine,
    cache_engine_version,
    validate_cache_args,
)
from forge_components.contracts import CacheOutputs
from forge_infra.plan.mocks import ProviderMocks
from forge_infra.plan.recorder import SECRET_MASK, RecordedResource, Recording, run_under_mocks
from tests.components.aws.conftest import assert_component_schema
from tests.helpers import assert_all_tagged, run_mocked

APP_SG = "sg-0a11a11a11a11a11a"
WORKER_SG = "sg-0b22b22b22b22b22b"
SUBNETS = ["subnet-0pr1", "subnet-0pr2"]
GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword"
OUTPUT_NAMES = {"host", "reader_host", "port", "auth_token_secret_id", "security_group_id"}


def _args(**overrides: Any) -> CacheArgs:
    values: dict[str, Any] = {"vpc_id": "vpc-0f00", "subnet_ids": SUBNETS,
                              "allowed_security_group_ids": [APP_SG]}
    return CacheArgs(**(values | overrides))


def build(**overrides: Any) -> Recording:
    """Run one Cache named "cache" and export its outputs under their own names."""
    def program() -> None:
        cache = Cache("cache", _args(**overrides))
        for key in OUTPUT_NAMES:
            pulumi.export(key, getattr(cache, key))
    return run_mocked(program)


def group(rec: Recording) -> RecordedResource:
    return rec.one(GROUP, "cache-group")


class _KeepingMocks(ProviderMocks):
    """The shared mocks, keeping each generated password in plain text (the recording masks
    them), as the component received it."""

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[str, str] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        resource_id, outputs = super().new_resource(args)
        if args.typ == RANDOM_PASSWORD:
            self.passwords[args.name] = outputs["result"]
        return resource_id, outputs


def build_keeping(**overrides: Any) -> tuple[Recording, _KeepingMocks]:
    """`build(**overrides)`, also returning the mocks with the tokens they generated."""
    mocks = _KeepingMocks()

    def program() -> None:
        cache = Cache("cache", _args(**overrides))
        for key in OUTPUT_NAMES:
            pulumi.export(key, getattr(cache, key))

    rec = run_under_mocks(program, project="forge-infra", stack="test", mocks=mocks)
    assert not rec.warnings, rec.warnings
    return rec, mocks


def test_cache_is_encrypted_at_rest_and_in_transit():
    g = group(build())
    assert g.inputs["atRestEncryptionEnabled"] is True, g.urn
    assert g.inputs["transitEncryptionEnabled"] is True, g.urn
    assert "kmsKeyId" not in g.inputs, g.urn  # the AWS-managed key by default
    assert g.inputs["port"] == 6379, g.urn
    assert g.inputs["applyImmediately"] is False, g.urn
    assert g.inputs["autoMinorVersionUpgrade"] is True, g.urn
    assert g.inputs["description"] == "forge cache: redis cache", g.urn


def test_auth_token_is_a_secret_kept_in_secrets_manager_only():
    rec, mocks = build_keeping()
    g = group(rec)
    assert g.inputs["authToken"] == SECRET_MASK, g.urn
    # The token the component was given, whatever length it asks for.
    assert list(mocks.passwords) == ["cache-auth-token"], mocks.passwords.keys()
    token = mocks.passwords["cache-auth-token"]
    assert len(token) == rec.one(RANDOM_PASSWORD).inputs["length"], g.urn
    for resource in rec.resources:
        text = json.dumps({"inputs": resource.inputs, "outputs": resource.outputs})
        assert token not in text, f"{resource.urn} shows the AUTH token"
    password = rec.one(RANDOM_PASSWORD)
    assert password.inputs["length"] == 64 and password.inputs["special"] is False, password.urn
    # The SDK masks authToken whatever its value: check it comes from the generated token.
    assert g.property_dependencies["authToken"] == [password.urn], g.urn
    secret = rec.one("aws:secretsmanager/secret:Secret")
    version = rec.one("aws:secretsmanager/secretVersion:SecretVersion")
    assert version.inputs["secretString"] == SECRET_MASK, version.urn
    assert version.property_dependencies["secretString"] == [password.urn], version.urn
    assert version.inputs["secretId"] == secret.resource_id, version.urn
    assert rec.exports["auth_token_secret_id"] == secret.outputs["arn"]


def test_auth_token_is_generated_in_an_alphabet_elasticache_accepts():
    """ElastiCache AUTH tokens are 16 to 128 printable characters whose only non-alphanumeric
    ones are ! & # $ ^ < > - (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/auth.html):
    the generator's own inputs must keep it there, whatever value the mocks return."""
    password = build().one(RANDOM_PASSWORD)
    inputs = password.inputs
    assert 16 <= inputs["length"] <= 128, password.urn
    if inputs.get("special", True):
        assert set(inputs.get("overrideSpecial", "!@#$%&*()-_=+[]{}<>:?")) <= set("!&#$^<>-"), (
            f"{password.urn}: special characters {inputs.get('overrideSpecial')!r}")


@pytest.mark.parametrize("nodes", [1, 2, 3])
def test_failover_and_multi_az_iff_more_than_one_node(nodes):
    g = group(build(num_nodes=nodes))
    assert g.inputs["numCacheClusters"] == nodes, g.urn
    assert g.inputs["automaticFailoverEnabled"] is (nodes > 1), g.urn
    assert g.inputs["multiAzEnabled"] is (nodes > 1), g.urn


def test_security_group_admits_only_the_allowed_groups_on_6379():
    rec = build(allowed_security_group_ids=[APP_SG, WORKER_SG])
    sg = rec.one("aws:ec2/securityGroup:SecurityGroup")
    assert "ingress" not in sg.inputs and "egress" not in sg.inputs, sg.urn
    rules = rec.of_type(INGRESS)
    assert sorted(r.inputs["referencedSecurityGroupId"] for r in rules) == sorted(
        [APP_SG, WORKER_SG])
    for rule in rules:
        assert rule.inputs["securityGroupId"] == sg.resource_id, rule.urn
        assert (rule.inputs["ipProtocol"], rule.inputs["fromPort"], rule.inputs["toPort"]) == (
            "tcp", 6379, 6379), rule.urn
    assert rec.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule") == []
    for resource in rec.resources:
        assert "cidrIpv4" not in resource.inputs and "cidrIpv6" not in resource.inputs, (
            resource.urn)
    assert group(rec).inputs["securityGroupIds"] == [sg.resource_id]
    assert rec.exports["security_group_id"] == sg.resource_id


def test_subnet_group_uses_the_given_subnets():
    rec = build()
    subnets = rec.one("aws:elasticache/subnetGroup:SubnetGroup")
    assert subnets.inputs["subnetIds"] == SUBNETS, subnets.urn
    assert group(rec).inputs["subnetGroupName"] == subnets.inputs["name"]


@pytest.mark.parametrize("days", [7, 14])
def test_snapshot_retention_and_final_snapshot(days):
    g = group(build(snapshot_retention_days=days))
    assert g.inputs["snapshotRetentionLimit"] == days, g.urn
    assert g.inputs["finalSnapshotIdentifier"].startswith("cache-final-"), g.urn


@pytest.mark.parametrize(("engine", "version", "expected"), [
    (CacheEngine.REDIS, None, "7.1"),
    (CacheEngine.VALKEY, None, "9.0"),
    (CacheEngine.VALKEY, "7.2", "7.2"),
])
def test_engine_and_version(engine, version, expected):
    g = group(build(engine=engine, engine_version=version))
    assert (g.inputs["engine"], g.inputs["engineVersion"]) == (engine.value, expected), g.urn
    assert cache_engine_version(engine, version) == expected


def test_slow_log_goes_to_a_cloudwatch_log_group():
    rec = build()
    log_group = rec.one("aws:cloudwatch/logGroup:LogGroup")
    assert log_group.inputs["retentionInDays"] == 30, log_group.urn
    assert group(rec).inputs["logDeliveryConfigurations"] == [{
        "destination": log_group.inputs["name"], "destinationType": "cloudwatch-logs",
        "logFormat": "json", "logType": "slow-log"}]


def test_slow_log_group_is_encrypted_with_the_log_key_only():
    log_key = "arn:aws:kms:us-east-1:123456789012:key/0000-logs"
    data_key = "arn:aws:kms:us-east-1:123456789012:key/0000-data"
    rec = build(log_kms_key_arn=log_key, kms_key_arn=data_key)
    log_group = rec.one("aws:cloudwatch/logGroup:LogGroup")
    assert log_group.inputs["kmsKeyId"] == log_key, log_group.urn
    assert group(rec).inputs["kmsKeyId"] == data_key
    default = build().one("aws:cloudwatch/logGroup:LogGroup")
    assert "kmsKeyId" not in default.inputs, default.urn


def test_a_given_kms_key_encrypts_the_cache_and_the_secret():
    key = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    rec = build(kms_key_arn=key)
    assert group(rec).inputs["kmsKeyId"] == key
    assert rec.one("aws:secretsmanager/secret:Secret").inputs["kmsKeyId"] == key


def test_protect_only_the_replication_group_and_its_token_secret_when_asked():
    protected = sorted((r.type, r.name) for r in build(protect=True).resources if r.protect)
    assert protected == [(GROUP, "cache-group"),
                         ("aws:secretsmanager/secret:Secret", "cache-auth-token")]
    assert [r.urn for r in build().resources if r.protect] == []


def test_outputs(monkeypatch):
    seen: dict[str, set[str]] = {}
    original = pulumi.ComponentResource.register_outputs

    def spy(self, outputs):
        if self._type.startswith("forge-"):
            seen[self._type] = set(outputs)
        return original(self, outputs)

    monkeypatch.setattr(pulumi.ComponentResource, "register_outputs", spy)
    rec = build()
    assert seen == {"forge-aws:index:Cache": OUTPUT_NAMES}
    g = group(rec)
    assert rec.exports["host"] == g.outputs["primaryEndpointAddress"]
    assert rec.exports["reader_host"] == g.outputs["readerEndpointAddress"]
    assert rec.exports["port"] == 6379


def test_children_are_parented_tagged_and_named_stably():
    rec = build()
    component = rec.one("forge-aws:index:Cache")
    assert all(r.parent == component.urn for r in rec.resources if r is not component)
    checked = assert_all_tagged(rec, "forge-aws:index:Cache")
    assert {GROUP, INGRESS, "aws:secretsmanager/secret:Secret"} <= {r.type for r in checked}
    assert sorted((r.type, r.name) for r in rec.resources) == sorted([
        ("forge-aws:index:Cache", "cache"),
        ("aws:elasticache/subnetGroup:SubnetGroup", "cache-subnets"),
        ("aws:ec2/securityGroup:SecurityGroup", "cache-sg"),
        (INGRESS, "cache-ingress-1"),
        ("random:index/randomPassword:RandomPassword", "cache-auth-token"),
        ("aws:secretsmanager/secret:Secret", "cache-auth-token"),
        ("aws:secretsmanager/secretVersion:SecretVersion", "cache-auth-token"),
        ("aws:cloudwatch/logGroup:LogGroup", "cache-slow-log"),
        ("random:index/randomId:RandomId", "cache-final-snapshot-suffix"),
        (GROUP, "cache-group"),
    ])


@pytest.mark.parametrize(("overrides", "message"), [
    ({"num_nodes": 0}, "Cache: num_nodes must be between 1 and 6, got 0"),
    ({"num_nodes": 7}, "Cache: num_nodes must be between 1 and 6, got 7"),
    ({"snapshot_retention_days": 36},
     "Cache: snapshot_retention_days must be between 0 and 35, got 36"),
    ({"log_retention_days": 45}, "Cache: log_retention_days=45 is not a CloudWatch retention "
                                 "period; use one of [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, "
                                 "180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, "
                                 "3653]"),
    ({"engine": "memcached"}, "Cache: engine 'memcached' is not one of ['redis', 'valkey']"),
])
def test_validation_messages(overrides, message):
    with pytest.raises(ValueError) as raised:
        validate_cache_args(_args(**overrides))
    assert str(raised.value) == message


def test_schema_and_contract():
    assert_component_schema(Cache, CacheOutputs, OUTPUT_NAMES)
