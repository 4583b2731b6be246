"""The AWS Database component under the offline mocks: both engines, security-relevant inputs.

What these tests do not prove: that AWS accepts the layout (quotas, instance class
availability, parameter values), or that the TimescaleDB boot script works on a real Ubuntu
instance; only that the program asks for what it should.
"""

import importlib.metadata
import importlib.resources
import json
import re
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from forge_components.aws.database import (
    BACKUP_PREFIX,
    SNAPSHOT_TAG,
    Database,
    DatabaseArgs,
    DatabaseEngine,
    render_user_data,
    validate_database_args,
)
from forge_components.contracts import DatabaseOutputs
from forge_infra.plan.mocks import ProviderMocks
from forge_infra.plan.recorder import SECRET_MASK, RecordedResource, Recording, run_under_mocks
from tests.components.aws.conftest import assert_component_schema
from tests.helpers import assert_all_tagged, run_mocked

APP_SG = "sg-0a11a11a11a11a11a"
WORKER_SG = "sg-0b22b22b22b22b22b"
SUBNETS = ["subnet-0db1", "subnet-0db2", "subnet-0db3"]
PRIVATE_SUBNETS = ["subnet-0a01", "subnet-0a02", "subnet-0a03"]
BUCKET = "forge-test-backups"
BUCKET_ARN = f"arn:aws:s3:::{BUCKET}"

RDS_INSTANCE = "aws:rds/instance:Instance"
EC2_INSTANCE = "aws:ec2/instance:Instance"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
KMS_KEY = "aws:kms/key:Key"
VOLUME = "aws:ebs/volume:Volume"
RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword"
OUTPUT_NAMES = {"host", "port", "database_name", "username", "credentials_secret_id",
                "app_username", "auth_method", "app_credentials_secret_id", "iam_connect_arn",
                "security_group_id", "reader_hosts", "engine", "kms_key_arn",
                "backup_resource_arns"}
FUNCTION = "aws:lambda/function:Function"
INVOCATION = "aws:lambda/invocation:Invocation"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"


def _args(**overrides: Any) -> DatabaseArgs:
    values: dict[str, Any] = {"vpc_id": "vpc-0f00", "subnet_ids": SUBNETS,
                              "allowed_security_group_ids": [APP_SG],
                              "bootstrap_subnet_ids": PRIVATE_SUBNETS}
    if overrides.get("engine") == DatabaseEngine.TIMESCALEDB_EC2:
        values |= {"backups_bucket_name": BUCKET, "backups_bucket_arn": BUCKET_ARN}
    return DatabaseArgs(**(values | overrides))


def build(**overrides: Any) -> Recording:
    """Run one Database named "db" and export its outputs under their own names."""
    def program() -> None:
        db = Database("db", _args(**overrides))
        for key in OUTPUT_NAMES:
            pulumi.export(key, getattr(db, key))
    return run_mocked(program)


def ec2(**overrides: Any) -> Recording:
    return build(engine=DatabaseEngine.TIMESCALEDB_EC2, **overrides)


class _KeepingMocks(ProviderMocks):
    """The shared mocks, keeping each getAmi call with its result and each generated password
    in plain text (the recording masks them), as the component received them."""

    def __init__(self) -> None:
        super().__init__()
        self.ami_calls: list[tuple[dict[str, Any], dict[str, Any]]] = []
        self.passwords: dict[str, str] = {}

    def call(self, args: pulumi.runtime.MockCallArgs) -> Any:
        result = super().call(args)
        if args.token == "aws:ec2/getAmi:getAmi":
            self.ami_calls.append((dict(args.args), dict(result)))
        return result

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        resource_id, outputs = super().new_resource(args)
        if args.typ == "random:index/randomPassword:RandomPassword":
            self.passwords[args.name] = outputs["result"]
        return resource_id, outputs


def ec2_kept(**overrides: Any) -> tuple[Recording, _KeepingMocks]:
    """`ec2(**overrides)`, also returning the mocks with what they looked up and generated."""
    mocks = _KeepingMocks()

    def program() -> None:
        db = Database("db", _args(engine=DatabaseEngine.TIMESCALEDB_EC2, **overrides))
        pulumi.export("credentials_secret_id", db.credentials_secret_id)

    rec = run_under_mocks(program, project="forge-infra", stack="test", mocks=mocks)
    assert not rec.warnings, rec.warnings
    return rec, mocks


def dump(resource: RecordedResource) -> str:
    return json.dumps({"inputs": resource.inputs, "outputs": resource.outputs})


def primary(rec: Recording) -> RecordedResource:
    return rec.one(RDS_INSTANCE, "db-primary")


def key_arn(rec: Recording) -> str:
    return rec.one(KMS_KEY, "db-key").outputs["arn"]


# -- rds-postgres ---------------------------------------------------------------------------

def test_rds_instance_is_private_encrypted_and_keeps_a_final_snapshot():
    rec = build()
    db = primary(rec)
    inputs, urn, arn = db.inputs, db.urn, key_arn(rec)
    assert inputs["engine"] == "postgres", urn
    assert inputs["publiclyAccessible"] is False, urn
    assert inputs["storageEncrypted"] is True, urn
    assert inputs["kmsKeyId"] == arn, urn
    assert inputs["storageType"] == "gp3", urn
    assert (inputs["allocatedStorage"], inputs["maxAllocatedStorage"]) == (50, 200), urn
    assert inputs["skipFinalSnapshot"] is False, urn
    assert re.fullmatch(r"db-final-[0-9a-f]{8}", inputs["finalSnapshotIdentifier"]), urn
    assert inputs["copyTagsToSnapshot"] is True, urn
    assert inputs["deleteAutomatedBackups"] is False, urn
    assert inputs["caCertIdentifier"] == "rds-ca-rsa2048-g1", urn
    assert inputs["iamDatabaseAuthenticationEnabled"] is True, urn
    assert inputs["autoMinorVersionUpgrade"] is True, urn
    assert inputs["enabledCloudwatchLogsExports"] == ["postgresql", "upgrade"], urn
    assert inputs["dbName"] == "forge" and inputs["username"] == "forge_admin", urn
    assert inputs["performanceInsightsEnabled"] is True, urn
    assert inputs["performanceInsightsKmsKeyId"] == arn, urn
    assert inputs["performanceInsightsRetentionPeriod"] == 7, urn
    assert inputs["port"] == 5432, urn


def test_rds_master_password_is_managed_by_rds_in_secrets_manager():
    rec = build()
    db = primary(rec)
    assert db.inputs["manageMasterUserPassword"] is True, db.urn
    assert db.inputs["masterUserSecretKmsKeyId"] == key_arn(rec), db.urn
    assert "password" not in db.inputs and "passwordWo" not in db.inputs, db.urn
    assert not rec.of_type("random:index/randomPassword:RandomPassword")
    assert not rec.of_type("aws:secretsmanager/secret:Secret")
    assert rec.exports["credentials_secret_id"] == (
        db.outputs["masterUserSecrets"][0]["secretArn"])
    assert rec.exports["credentials_secret_id"].startswith("arn:aws:secretsmanager:")


@pytest.mark.parametrize("multi_az", [False, True])
def test_rds_multi_az_is_exactly_as_asked(multi_az):
    db = primary(build(multi_az=multi_az))
    assert db.inputs["multiAz"] is multi_az, db.urn


@pytest.mark.parametrize("major", [15, 16, 17])
def test_rds_engine_version_pins_the_major_only(major):
    rec = build(engine_major_version=major)
    db = primary(rec)
    assert db.inputs["engineVersion"] == str(major), db.urn
    assert db.inputs["allowMajorVersionUpgrade"] is False, db.urn
    group = rec.one("aws:rds/parameterGroup:ParameterGroup")
    assert group.inputs["family"] == f"postgres{major}", group.urn


def test_rds_prod_like_args_protect_and_guard_every_stateful_resource():
    rec = build(deletion_protection=True, protect=True, backup_retention_days=14,
                multi_az=True)
    instances = rec.of_type(RDS_INSTANCE)
    assert len(instances) == 1
    for db in instances:
        assert db.inputs["deletionProtection"] is True, db.urn
        assert db.protect is True, db.urn
    assert primary(rec).inputs["backupRetentionPeriod"] == 14
    protected = {r.type for r in rec.resources if r.protect}
    assert protected == {RDS_INSTANCE, KMS_KEY}, protected


def test_rds_defaults_leave_protection_off():
    rec = build()
    assert primary(rec).inputs["backupRetentionPeriod"] == 7
    for db in rec.of_type(RDS_INSTANCE):
        assert db.inputs["deletionProtection"] is False, db.urn
    assert [r.urn for r in rec.resources if r.protect] == []


def test_rds_parameter_group_preloads_pg_cron_and_pg_stat_statements_not_timescaledb():
    group = build().one("aws:rds/parameterGroup:ParameterGroup")
    params = {p["name"]: p for p in group.inputs["parameters"]}
    preload = params["shared_preload_libraries"]
    assert set(preload["value"].split(",")) == {"pg_stat_statements", "pg_cron"}, group.urn
    assert preload["applyMethod"] == "pending-reboot", group.urn
    assert params["cron.database_name"]["value"] == "forge", group.urn
    assert params["rds.force_ssl"]["value"] == "1", group.urn
    assert params["log_min_duration_statement"]["value"] == "1000", group.urn
    assert "timescaledb" not in json.dumps(group.inputs).lower(), group.urn
    assert primary(build()).inputs["parameterGroupName"] == group.outputs["name"]


def test_rds_security_group_admits_only_the_allowed_groups_on_5432():
    rec = build(allowed_security_group_ids=[APP_SG, WORKER_SG])
    sg = rec.one(SECURITY_GROUP, "db-sg")
    bootstrap_sg = rec.one(SECURITY_GROUP, "db-bootstrap-sg")
    assert "ingress" not in sg.inputs and "egress" not in sg.inputs, sg.urn
    rules = rec.of_type(INGRESS)
    # The allowed groups and the bootstrap function's group: no other source, no CIDR.
    assert sorted(r.inputs["referencedSecurityGroupId"] for r in rules) == sorted(
        [APP_SG, WORKER_SG, bootstrap_sg.resource_id])
    for rule in rules:
        assert rule.inputs["securityGroupId"] == sg.resource_id, rule.urn
        assert (rule.inputs["ipProtocol"], rule.inputs["fromPort"], rule.inputs["toPort"]) == (
            "tcp", 5432, 5432), rule.urn
        assert "cidrIpv4" not in rule.inputs and "cidrIpv6" not in rule.inputs, rule.urn
    # The database's own group has no egress rule; only the bootstrap function's has.
    assert {r.inputs["securityGroupId"] for r in rec.of_type(EGRESS)} == {
        bootstrap_sg.resource_id}
    assert primary(rec).inputs["vpcSecurityGroupIds"] == [sg.resource_id]
    assert rec.exports["security_group_id"] == sg.resource_id


def test_rds_subnet_group_uses_the_given_subnets():
    rec = build()
    group = rec.one("aws:rds/subnetGroup:SubnetGroup")
    assert group.inputs["subnetIds"] == SUBNETS, group.urn
    assert primary(rec).inputs["dbSubnetGroupName"] == group.outputs["name"]


def test_rds_has_no_read_replicas_and_no_reader_hosts():
    rec = build()
    instances = rec.of_type(RDS_INSTANCE)
    assert [r.name for r in instances] == ["db-primary"], [r.urn for r in instances]
    assert primary(rec).inputs["manageMasterUserPassword"] is True, primary(rec).urn
    assert rec.exports["reader_hosts"] == []


def test_rds_enhanced_monitoring_role_is_assumable_by_rds_monitoring_only():
    rec = build()
    role = rec.one("aws:iam/role:Role", "db-monitoring")
    policy = json.loads(role.inputs["assumeRolePolicy"])
    assert [s["Principal"] for s in policy["Statement"]] == [
        {"Service": "monitoring.rds.amazonaws.com"}], role.urn
    attachment = rec.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                         "db-monitoring-policy")
    assert attachment.inputs["policyArn"] == (
        "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole")
    db = primary(rec)
    assert (db.inputs["monitoringInterval"], db.inputs["monitoringRoleArn"]) == (
        60, role.outputs["arn"]), db.urn


def test_rds_monitoring_off_creates_no_role():
    rec = build(monitoring_interval=0, performance_insights=False)
    assert [r.name for r in rec.of_type("aws:iam/role:Role")] == ["db-bootstrap"]
    db = primary(rec)
    assert db.inputs["monitoringInterval"] == 0 and "monitoringRoleArn" not in db.inputs
    assert db.inputs["performanceInsightsEnabled"] is False
    assert "performanceInsightsKmsKeyId" not in db.inputs


def test_own_kms_key_rotates_and_has_an_alias():
    rec = build()
    key = rec.one(KMS_KEY)
    assert key.inputs["enableKeyRotation"] is True, key.urn
    alias = rec.one("aws:kms/alias:Alias")
    assert alias.inputs["name"] == "alias/db-database", alias.urn
    assert alias.inputs["targetKeyId"] == key.outputs["keyId"], alias.urn


def test_a_given_kms_key_is_used_and_none_is_created():
    given = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    rec = build(kms_key_arn=given)
    assert rec.of_type(KMS_KEY) == [] and rec.of_type("aws:kms/alias:Alias") == []
    for db in rec.of_type(RDS_INSTANCE):
        assert db.inputs["kmsKeyId"] == given, db.urn
    assert primary(rec).inputs["masterUserSecretKmsKeyId"] == given


def test_rds_children_are_parented_and_tagged():
    rec = build()
    component = rec.one("forge-aws:index:Database")
    children = rec.children_of(component.urn)
    assert len(children) == len(rec.resources) - 1
    assert all(r.parent == component.urn for r in children)
    checked = assert_all_tagged(rec, "forge-aws:index:Database")
    assert {r.type for r in checked} >= {RDS_INSTANCE, KMS_KEY, INGRESS,
                                         "aws:rds/parameterGroup:ParameterGroup"}
    for resource in checked:
        assert resource.inputs["tags"]["Name"].startswith("db-"), resource.urn


def test_rds_resource_names_are_stable():
    rec = build()
    assert sorted((r.type, r.name) for r in rec.resources) == sorted([
        ("forge-aws:index:Database", "db"),
        (KMS_KEY, "db-key"),
        ("aws:kms/alias:Alias", "db-key-alias"),
        ("aws:ec2/securityGroup:SecurityGroup", "db-sg"),
        (INGRESS, "db-ingress-1"),
        ("aws:rds/subnetGroup:SubnetGroup", "db-subnets"),
        ("aws:rds/parameterGroup:ParameterGroup", "db-params"),
        ("aws:iam/role:Role", "db-monitoring"),
        ("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "db-monitoring-policy"),
        ("random:index/randomId:RandomId", "db-final-snapshot-suffix"),
        (RDS_INSTANCE, "db-primary"),
        (SECURITY_GROUP, "db-bootstrap-sg"),
        (EGRESS, "db-bootstrap-egress-postgres"),
        (EGRESS, "db-bootstrap-egress-https"),
        (INGRESS, "db-ingress-bootstrap"),
        ("aws:iam/role:Role", "db-bootstrap"),
        ("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "db-bootstrap-policy"),
        ("aws:iam/rolePolicy:RolePolicy", "db-bootstrap"),
        (LOG_GROUP, "db-bootstrap"),
        (FUNCTION, "db-bootstrap"),
        (INVOCATION, "db-bootstrap"),
    ])


# -- timescaledb-ec2 ------------------------------------------------------------------------

def test_ec2_instances_require_imdsv2_and_encrypt_the_root_volume():
    rec = ec2(multi_az=True)
    instances = rec.of_type(EC2_INSTANCE)
    assert len(instances) == 2
    for instance in instances:
        inputs = instance.inputs
        assert inputs["metadataOptions"]["httpTokens"] == "required", instance.urn
        assert inputs["metadataOptions"]["httpPutResponseHopLimit"] == 1, instance.urn
        assert inputs["rootBlockDevice"]["encrypted"] is True, instance.urn
        assert inputs["rootBlockDevice"]["kmsKeyId"] == key_arn(rec), instance.urn
        assert inputs["associatePublicIpAddress"] is False, instance.urn
        assert inputs["disableApiTermination"] is False, instance.urn
        assert inputs["iamInstanceProfile"] == rec.one(
            "aws:iam/instanceProfile:InstanceProfile").outputs["name"], instance.urn


def test_ec2_ami_defaults_to_canonical_ubuntu_and_can_be_pinned():
    rec, mocks = ec2_kept(multi_az=True)
    instances = rec.of_type(EC2_INSTANCE)
    assert len(instances) == 2
    assert mocks.ami_calls, "no AMI lookup"
    looked_up = set()
    for call, result in mocks.ami_calls:
        # Canonical's publishing account (commercial partition), not the module's constant.
        assert call["owners"] == ["099720109477"], call
        assert call["mostRecent"] is True, call
        assert {"name": "name", "values": [
            "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*"]} in call["filters"], call
        looked_up.add(result["id"])
    for instance in instances:
        assert instance.inputs["ami"] in looked_up, instance.urn
    pinned, pinned_mocks = ec2_kept(ami_id="ami-0123456789abcdef0")
    instance = pinned.one(EC2_INSTANCE)
    assert instance.inputs["ami"] == "ami-0123456789abcdef0", instance.urn
    assert pinned_mocks.ami_calls == [], instance.urn


def test_ec2_data_volumes_are_encrypted_snapshotted_and_attached():
    rec = ec2(multi_az=True)
    volumes = rec.of_type(VOLUME)
    assert sorted(v.name for v in volumes) == ["db-primary-data", "db-replica-data"]
    for volume in volumes:
        inputs = volume.inputs
        assert inputs["encrypted"] is True, volume.urn
        assert inputs["kmsKeyId"] == key_arn(rec), volume.urn
        assert (inputs["type"], inputs["size"]) == ("gp3", 100), volume.urn
        assert inputs["finalSnapshot"] is True, volume.urn
        assert inputs["tags"][SNAPSHOT_TAG] == "db-data", volume.urn
    attachments = rec.of_type("aws:ec2/volumeAttachment:VolumeAttachment")
    pairs = {(a.inputs["instanceId"], a.inputs["volumeId"]) for a in attachments}
    assert pairs == {(rec.one(EC2_INSTANCE, f"db-{role}").resource_id,
                      rec.one(VOLUME, f"db-{role}-data").resource_id)
                     for role in ("primary", "replica")}
    policy = rec.one("aws:dlm/lifecyclePolicy:LifecyclePolicy")
    details = policy.inputs["policyDetails"]
    assert details["resourceTypes"] == ["VOLUME"], policy.urn
    assert details["targetTags"] == {SNAPSHOT_TAG: "db-data"}, policy.urn
    assert [s["retainRule"]["count"] for s in details["schedules"]] == [7], policy.urn
    assert details["schedules"][0]["createRule"]["interval"] == 24, policy.urn
    role = rec.one("aws:iam/role:Role", "db-dlm")
    assert policy.inputs["executionRoleArn"] == role.outputs["arn"], policy.urn


def test_ec2_volume_sits_in_the_instance_az():
    rec = ec2(multi_az=True)
    mocks = ProviderMocks()
    for role, subnet in (("primary", SUBNETS[0]), ("replica", SUBNETS[1])):
        volume = rec.one(VOLUME, f"db-{role}-data")
        expected = mocks.call(pulumi.runtime.MockCallArgs(
            token="aws:ec2/getSubnet:getSubnet", args={"id": subnet}, provider=""))
        assert volume.inputs["availabilityZone"] == expected["availabilityZone"], volume.urn


def test_ec2_user_data_installs_timescaledb_and_archives_to_the_bucket_without_passwords():
    rec, mocks = ec2_kept(multi_az=True)
    secret = rec.one("aws:secretsmanager/secret:Secret", "db-password")
    # The values the component was given, whatever length or name it asks for.
    generated_inputs = {r.name: r.inputs for r in rec.of_type(RANDOM_PASSWORD)}
    assert sorted(mocks.passwords) == sorted(generated_inputs) == [
        "db-app-password", "db-password", "db-replication-password"]
    passwords = list(mocks.passwords.values())
    for name, password in mocks.passwords.items():
        assert len(password) == generated_inputs[name]["length"] >= 32, name
    for instance in rec.of_type(EC2_INSTANCE):
        script = instance.inputs["userData"]
        assert script.startswith("#!/bin/bash\n"), instance.urn
        assert "timescaledb-2-postgresql-16" in script, instance.urn
        assert "shared_preload_libraries = 'timescaledb," in script, instance.urn
        assert "ssl = on" in script and "listen_addresses = '*'" in script, instance.urn
        assert f'BACKUP_BUCKET="{BUCKET}"' in script, instance.urn
        assert f"repo1-path=/{BACKUP_PREFIX}" in script, instance.urn
        assert "archive_command = 'pgbackrest --stanza=$STANZA archive-push %p'" in script
        assert "--type=full backup" in script, instance.urn
        assert f'SECRET_ARN="{secret.outputs["arn"]}"' in script, instance.urn
        assert "__FORGE_" not in script, instance.urn
        assert len(script.encode()) < 16384, f"{instance.urn}: user data over 16 KiB"
        for password in passwords:
            assert password not in script, f"{instance.urn} user data holds a password"
    for resource in rec.resources:
        for password in passwords:
            assert password not in dump(resource), f"{resource.urn} shows a password"
    version = rec.one("aws:secretsmanager/secretVersion:SecretVersion", "db-password")
    assert version.inputs["secretString"] == SECRET_MASK, version.urn
    generated = {r.urn for r in rec.of_type(RANDOM_PASSWORD) if r.name != "db-app-password"}
    assert set(version.property_dependencies["secretString"]) == generated, version.urn
    assert len(generated) == 2
    assert version.inputs["secretId"] == secret.resource_id, version.urn
    assert secret.inputs["kmsKeyId"] == key_arn(rec), secret.urn
    assert rec.exports["credentials_secret_id"] == secret.outputs["arn"]


@pytest.mark.parametrize("multi_az", [False, True])
def test_ec2_replica_exists_only_with_multi_az_in_the_second_subnet(multi_az):
    rec = ec2(multi_az=multi_az)
    instances = {i.name: i for i in rec.of_type(EC2_INSTANCE)}
    assert set(instances) == ({"db-primary", "db-replica"} if multi_az else {"db-primary"})
    first = instances["db-primary"]
    assert first.inputs["subnetId"] == SUBNETS[0], first.urn
    assert 'ROLE="primary"' in first.inputs["userData"], first.urn
    self_rules = [r for r in rec.of_type(INGRESS)
                  if r.inputs["referencedSecurityGroupId"] == r.inputs["securityGroupId"]]
    assert len(self_rules) == (1 if multi_az else 0)
    if multi_az:
        replica = instances["db-replica"]
        assert replica.inputs["subnetId"] == SUBNETS[1], replica.urn
        script = replica.inputs["userData"]
        assert 'ROLE="replica"' in script, replica.urn
        assert f'PRIMARY_HOST="{first.outputs["privateIp"]}"' in script, replica.urn
        assert "pg_basebackup" in script, replica.urn
        assert rec.exports["reader_hosts"] == [replica.outputs["privateIp"]]
        assert self_rules[0].inputs["fromPort"] == self_rules[0].inputs["toPort"] == 5432
    else:
        assert rec.exports["reader_hosts"] == []
    assert rec.exports["host"] == first.outputs["privateIp"]


def test_ec2_security_group_admits_only_the_allowed_groups_and_itself():
    rec = ec2(multi_az=True, allowed_security_group_ids=[APP_SG, WORKER_SG])
    sg = rec.one(SECURITY_GROUP, "db-sg")
    bootstrap_sg = rec.one(SECURITY_GROUP, "db-bootstrap-sg")
    ingress = rec.of_type(INGRESS)
    assert sorted(r.inputs["referencedSecurityGroupId"] for r in ingress) == sorted(
        [APP_SG, WORKER_SG, sg.resource_id, bootstrap_sg.resource_id])
    for rule in ingress:
        assert "cidrIpv4" not in rule.inputs and "cidrIpv6" not in rule.inputs, rule.urn
        assert (rule.inputs["fromPort"], rule.inputs["toPort"]) == (5432, 5432), rule.urn
    egress = {(r.inputs["fromPort"], r.inputs.get("cidrIpv4"),
               r.inputs.get("referencedSecurityGroupId")) for r in rec.of_type(EGRESS)
              if r.inputs["securityGroupId"] == sg.resource_id}
    assert egress == {(80, "0.0.0.0/0", None), (443, "0.0.0.0/0", None),
                      (5432, None, sg.resource_id)}


def test_ec2_instance_policy_is_scoped_to_the_bucket_prefix_and_its_own_secret():
    rec = ec2()
    policy = json.loads(rec.one("aws:iam/rolePolicy:RolePolicy", "db-instance").inputs["policy"])
    statements = {s["Sid"]: s for s in policy["Statement"]}
    assert set(statements) == {"BackupObjects", "BackupListing", "OwnSecret", "Encryption"}
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        resources = statement["Resource"]
        for resource in resources if isinstance(resources, list) else [resources]:
            assert "*" not in resource.replace(f"{BUCKET_ARN}/{BACKUP_PREFIX}/*", ""), statement
        actions = statement["Action"] if isinstance(statement["Action"], list) else [
            statement["Action"]]
        assert all("*" not in a for a in actions), statement
        if any(a.startswith("s3:") for a in actions):
            assert resources in (BUCKET_ARN, f"{BUCKET_ARN}/{BACKUP_PREFIX}/*"), statement
    assert statements["BackupObjects"]["Resource"] == f"{BUCKET_ARN}/{BACKUP_PREFIX}/*"
    assert sorted(statements["BackupObjects"]["Action"]) == [
        "s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
    assert statements["BackupListing"]["Resource"] == BUCKET_ARN
    assert statements["BackupListing"]["Condition"] == {
        "StringLike": {"s3:prefix": [BACKUP_PREFIX, f"{BACKUP_PREFIX}/*"]}}
    secret = rec.one("aws:secretsmanager/secret:Secret", "db-password")
    assert statements["OwnSecret"] == {
        "Sid": "OwnSecret", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
        "Resource": secret.outputs["arn"]}
    assert statements["Encryption"]["Resource"] == key_arn(rec)
    role = rec.one("aws:iam/role:Role", "db-instance")
    assume = json.loads(role.inputs["assumeRolePolicy"])
    assert [s["Principal"] for s in assume["Statement"]] == [{"Service": "ec2.amazonaws.com"}]
    ssm = rec.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "db-instance-ssm")
    assert ssm.inputs["policyArn"] == "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"


def test_ec2_prod_like_args_protect_the_instances_and_volumes():
    rec = ec2(multi_az=True, protect=True, deletion_protection=True)
    protected = sorted((r.type, r.name) for r in rec.resources if r.protect)
    assert protected == sorted([
        (EC2_INSTANCE, "db-primary"), (EC2_INSTANCE, "db-replica"),
        (VOLUME, "db-primary-data"), (VOLUME, "db-replica-data"), (KMS_KEY, "db-key")])
    for instance in rec.of_type(EC2_INSTANCE):
        assert instance.inputs["disableApiTermination"] is True, instance.urn
    assert [r.urn for r in ec2(multi_az=True).resources if r.protect] == []


@pytest.mark.parametrize("missing", ["backups_bucket_name", "backups_bucket_arn"])
def test_ec2_without_the_backups_bucket_is_refused(missing):
    with pytest.raises(ValueError, match="backups_bucket_name and backups_bucket_arn"):
        ec2(**{missing: None})


def test_ec2_children_are_parented_and_tagged():
    rec = ec2(multi_az=True)
    component = rec.one("forge-aws:index:Database")
    assert all(r.parent == component.urn for r in rec.resources if r is not component)
    checked = assert_all_tagged(rec, "forge-aws:index:Database")
    assert {EC2_INSTANCE, VOLUME, "aws:dlm/lifecyclePolicy:LifecyclePolicy",
            "aws:secretsmanager/secret:Secret"} <= {r.type for r in checked}


# -- both engines ---------------------------------------------------------------------------

@pytest.fixture
def registered_outputs(monkeypatch):
    """The keys each component passes to register_outputs, by component type."""
    seen: dict[str, set[str]] = {}
    original = pulumi.ComponentResource.register_outputs

    def spy(self, outputs):
        if self._type.startswith("forge-"):
            seen[self._type] = set(outputs)
        return original(self, outputs)

    monkeypatch.setattr(pulumi.ComponentResource, "register_outputs", spy)
    return seen


@pytest.mark.parametrize("engine", list(DatabaseEngine))
def test_both_engines_expose_the_same_outputs(engine, registered_outputs):
    rec = build(engine=engine)
    assert registered_outputs == {"forge-aws:index:Database": OUTPUT_NAMES}
    assert set(rec.exports) == OUTPUT_NAMES
    assert rec.exports["engine"] == engine.value
    assert rec.exports["port"] == 5432
    assert rec.exports["database_name"] == "forge"
    assert rec.exports["host"]
    assert rec.exports["credentials_secret_id"].startswith("arn:aws:secretsmanager:")


# -- pure validation ------------------------------------------------------------------------

@pytest.mark.parametrize(("overrides", "message"), [
    ({"engine_major_version": 14},
     "Database: engine_major_version must be 15 or later, got 14"),
    ({"backup_retention_days": 0},
     "Database: backup_retention_days must be between 1 and 35, got 0"),
    ({"backup_retention_days": 36},
     "Database: backup_retention_days must be between 1 and 35, got 36"),
    ({"monitoring_interval": 7}, "Database: monitoring_interval must be one of [0, 1, 5, 10, "
                                 "15, 30, 60], got 7"),
    ({"read_replica_count": 6}, "Database: read_replica_count must be between 0 and 5, got 6"),
    ({"read_replica_count": -1},
     "Database: read_replica_count must be between 0 and 5, got -1"),
    ({"allocated_storage_gb": 10},
     "Database: allocated_storage_gb must be between 20 and 65536 GiB, got 10"),
    ({"max_allocated_storage_gb": 70000},
     "Database: max_allocated_storage_gb must be between 20 and 65536 GiB, got 70000"),
    ({"allocated_storage_gb": 100, "max_allocated_storage_gb": 50},
     "Database: max_allocated_storage_gb (50) must not be below allocated_storage_gb (100)"),
    ({"engine": "mysql"},
     "Database: engine 'mysql' is not one of ['rds-postgres', 'timescaledb-ec2']"),
    ({"engine": DatabaseEngine.TIMESCALEDB_EC2, "backups_bucket_arn": None},
     "Database: engine 'timescaledb-ec2' requires backups_bucket_name and backups_bucket_arn "
     "(WAL archives and base backups go to that bucket)"),
    ({"engine": DatabaseEngine.TIMESCALEDB_EC2, "read_replica_count": 1},
     "Database: read_replica_count applies to engine 'rds-postgres' only; engine "
     "'timescaledb-ec2' gets its streaming replica from multi_az"),
    ({"engine": DatabaseEngine.TIMESCALEDB_EC2, "snapshot_retention_count": 0},
     "Database: snapshot_retention_count must be at least 1, got 0"),
    ({"engine": DatabaseEngine.TIMESCALEDB_EC2, "multi_az": True, "subnet_ids": ["subnet-1"]},
     "Database: multi_az on engine 'timescaledb-ec2' needs two subnet_ids (the replica goes "
     "in the second)"),
])
def test_validation_messages(overrides, message):
    with pytest.raises(ValueError) as raised:
        validate_database_args(_args(**overrides))
    assert str(raised.value) == message


@pytest.mark.parametrize(("overrides", "field", "value"), [
    ({"backup_retention_days": 1}, "backupRetentionPeriod", 1),
    ({"backup_retention_days": 35}, "backupRetentionPeriod", 35),
    ({"monitoring_interval": 60}, "monitoringInterval", 60),
    ({"engine_major_version": 15}, "engineVersion", "15"),
    ({"allocated_storage_gb": 20, "max_allocated_storage_gb": 65536}, "maxAllocatedStorage",
     65536),
])
def test_validation_accepts_the_limits_and_they_reach_the_instance(overrides, field, value):
    """Each bound the validation enforces is itself allowed (no off-by-one refusal)."""
    db = primary(build(**overrides))
    assert db.inputs[field] == value, db.urn


def test_user_data_refuses_values_that_could_escape_the_script():
    with pytest.raises(ValueError, match="db_name has characters"):
        render_user_data({"db_name": 'forge"; rm -rf /'})
    with pytest.raises(ValueError, match="markers left unfilled"):
        render_user_data({"role": "primary"})


def test_schema_and_contract():
    assert_component_schema(Database, DatabaseOutputs, OUTPUT_NAMES)


@pytest.mark.parametrize("engine", list(DatabaseEngine))
def test_username_is_the_master_user_of_the_credentials(engine):
    rec = build(engine=engine, master_username="owner")
    assert rec.exports["username"] == "owner"
    assert rec.exports["kms_key_arn"] == key_arn(rec)


def test_monitoring_role_trusts_rds_monitoring_of_this_account_only():
    role = build().one("aws:iam/role:Role", "db-monitoring")
    assert json.loads(role.inputs["assumeRolePolicy"]) == {
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "monitoring.rds.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}}]}, role.urn


def test_ec2_and_dlm_roles_trust_their_service_without_a_condition():
    rec = ec2()
    for name, service in (("db-instance", "ec2.amazonaws.com"), ("db-dlm", "dlm.amazonaws.com")):
        role = rec.one("aws:iam/role:Role", name)
        assert json.loads(role.inputs["assumeRolePolicy"]) == {
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": service},
                "Action": "sts:AssumeRole"}]}, role.urn


def test_own_kms_key_has_the_explicit_account_policy():
    key = build().one(KMS_KEY)
    assert key.inputs["deletionWindowInDays"] == 30, key.urn
    assert json.loads(key.inputs["policy"]) == {"Version": "2012-10-17", "Statement": [{
        "Sid": "AccountAdministersKeyThroughIam", "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*",
        "Resource": "*"}]}, key.urn


@pytest.mark.parametrize(("allocated", "ceiling", "least"), [(20, 21, 22), (100, 109, 110),
                                                             (1000, 1099, 1100)])
def test_storage_ceiling_must_be_ten_percent_above_the_allocation(allocated, ceiling, least):
    with pytest.raises(ValueError) as raised:
        validate_database_args(_args(allocated_storage_gb=allocated,
                                     max_allocated_storage_gb=ceiling))
    assert str(raised.value) == (
        f"Database: max_allocated_storage_gb ({ceiling}) must be at least 10% above "
        f"allocated_storage_gb ({allocated}), so at least {least}: RDS refuses a smaller "
        "storage autoscaling ceiling")


@pytest.mark.parametrize(("allocated", "ceiling"), [(20, 22), (100, 110), (1000, 1100)])
def test_storage_ceiling_ten_percent_above_reaches_the_instance(allocated, ceiling):
    db = primary(build(allocated_storage_gb=allocated, max_allocated_storage_gb=ceiling))
    assert (db.inputs["allocatedStorage"], db.inputs["maxAllocatedStorage"]) == (
        allocated, ceiling), db.urn


@pytest.mark.parametrize("engine", list(DatabaseEngine))
def test_protect_covers_the_created_kms_key_and_not_its_alias(engine):
    rec = build(engine=engine, protect=True)
    key = rec.one(KMS_KEY, "db-key")
    assert key.protect is True, key.urn
    alias = rec.one("aws:kms/alias:Alias", "db-key-alias")
    assert alias.protect is False, alias.urn
    unprotected = build(engine=engine).one(KMS_KEY, "db-key")
    assert unprotected.protect is False, unprotected.urn


@pytest.mark.parametrize("count", [1, 3, 5])
def test_read_replicas_are_refused_with_an_rds_managed_master_password(count):
    with pytest.raises(ValueError) as raised:
        validate_database_args(_args(read_replica_count=count))
    assert str(raised.value) == (
        f"Database: read_replica_count is {count}, but RDS cannot create a read replica of an "
        "instance whose master password it manages in Secrets Manager (this component always "
        "lets RDS manage and rotate it); use 0")


@pytest.mark.parametrize("multi_az", [False, True])
def test_ec2_instances_have_detailed_monitoring(multi_az):
    """TimescaleDB hosts send one-minute EC2 metrics, like the Redpanda brokers."""
    instances = ec2(multi_az=multi_az).of_type(EC2_INSTANCE)
    assert len(instances) == (2 if multi_az else 1)
    for instance in instances:
        assert instance.inputs.get("monitoring") is True, instance.urn


@pytest.mark.parametrize("overrides", [
    {},
    {"multi_az": True, "deletion_protection": True, "protect": True,
     "engine_major_version": 17},
])
def test_rds_exports_the_postgresql_and_upgrade_logs_to_cloudwatch(overrides):
    """The scanner's "PostgreSQL logs exported to CloudWatch": both log types RDS for
    PostgreSQL documents besides iam-db-auth-error (CreateDBInstance,
    EnableCloudwatchLogsExports), on default and prod-like instances alike."""
    rec = build(**overrides)
    db = primary(rec)
    exports = db.inputs["enabledCloudwatchLogsExports"]
    assert exports == ["postgresql", "upgrade"], db.urn
    assert set(exports) <= {"postgresql", "upgrade", "iam-db-auth-error"}, db.urn
    assert len(rec.of_type(RDS_INSTANCE)) == 1


# -- the services' role: IAM authentication (RDS), a password of their own (EC2) -------------

def invocation_event(rec: Recording) -> dict[str, Any]:
    invocation = rec.one(INVOCATION, "db-bootstrap")
    event: dict[str, Any] = json.loads(invocation.inputs["input"])
    return event


def test_rds_bootstrap_invocation_input_is_exact():
    """The SQL and where to run it, as the function receives it: the master secret by ARN,
    TLS checked against RDS's CA, no password anywhere in the input."""
    rec = build()
    db = primary(rec)
    function = rec.one(FUNCTION, "db-bootstrap")
    invocation = rec.one(INVOCATION, "db-bootstrap")
    assert invocation.inputs["functionName"] == function.outputs["name"], invocation.urn
    assert invocation.inputs.get("lifecycleScope") is None, invocation.urn  # CREATE_ONLY
    assert invocation.inputs["triggers"] == {"database": db.outputs["resourceId"]}, (
        invocation.urn)
    assert invocation_event(rec) == {
        "host": db.outputs["address"],
        "port": 5432,
        "database": "forge",
        "master_secret_arn": rec.exports["credentials_secret_id"],
        "tls": "verify-full",
        "role": "forge_app",
        "statements": [
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = "
            "'forge_app') THEN CREATE ROLE \"forge_app\" LOGIN; END IF; END $$",
            'ALTER ROLE "forge_app" LOGIN',
            'GRANT rds_iam TO "forge_app"',
            'GRANT CONNECT, TEMPORARY ON DATABASE "forge" TO "forge_app"',
            'GRANT USAGE, CREATE ON SCHEMA public TO "forge_app"',
        ],
        "wait_seconds": 60,
    }, invocation.urn


def test_rds_services_authenticate_with_iam_as_their_own_role():
    rec = build(app_username="svc_role")
    db = primary(rec)
    assert db.inputs["iamDatabaseAuthenticationEnabled"] is True, db.urn
    assert db.inputs["username"] == "forge_admin", db.urn
    assert rec.exports["app_username"] == "svc_role"
    assert rec.exports["auth_method"] == "iam"
    assert rec.exports["app_credentials_secret_id"] == ""
    # arn:${Partition}:rds-db:${Region}:${Account}:dbuser:${DbiResourceId}/${DbUserName}
    assert rec.exports["iam_connect_arn"] == (
        f"arn:aws:rds-db:us-east-1:123456789012:dbuser:{db.outputs['resourceId']}/svc_role")
    assert invocation_event(rec)["role"] == "svc_role"
    assert 'GRANT rds_iam TO "svc_role"' in invocation_event(rec)["statements"]
    assert not rec.of_type(RANDOM_PASSWORD)


def test_bootstrap_function_runs_in_the_vpc_with_its_own_security_group():
    rec = build()
    function = rec.one(FUNCTION, "db-bootstrap")
    bootstrap_sg = rec.one(SECURITY_GROUP, "db-bootstrap-sg")
    db_sg = rec.one(SECURITY_GROUP, "db-sg")
    inputs = function.inputs
    assert inputs["vpcConfig"] == {"subnetIds": PRIVATE_SUBNETS,
                                   "securityGroupIds": [bootstrap_sg.resource_id]}, function.urn
    assert bootstrap_sg.inputs["vpcId"] == "vpc-0f00", bootstrap_sg.urn
    assert (inputs["runtime"], inputs["handler"]) == (
        "python3.13", "forge_db_bootstrap.handler"), function.urn
    assert inputs["timeout"] == 900, function.urn
    assert inputs["role"] == rec.one("aws:iam/role:Role", "db-bootstrap").outputs["arn"]
    egress = {(r.inputs["fromPort"], r.inputs.get("cidrIpv4"),
               r.inputs.get("referencedSecurityGroupId")) for r in rec.of_type(EGRESS)
              if r.inputs["securityGroupId"] == bootstrap_sg.resource_id}
    assert egress == {(5432, None, db_sg.resource_id), (443, "0.0.0.0/0", None)}
    admitted = rec.one(INGRESS, "db-ingress-bootstrap")
    assert (admitted.inputs["securityGroupId"], admitted.inputs["referencedSecurityGroupId"],
            admitted.inputs["fromPort"], admitted.inputs["toPort"]) == (
        db_sg.resource_id, bootstrap_sg.resource_id, 5432, 5432), admitted.urn
    # The invocation waits for the network path; the function for its role's policy and logs.
    invocation = rec.one(INVOCATION, "db-bootstrap")
    for child in ("db-bootstrap-egress-postgres", "db-bootstrap-egress-https",
                  "db-ingress-bootstrap"):
        urn = next(r.urn for r in rec.resources if r.name == child)
        assert urn in invocation.dependencies, (invocation.urn, child)
    for child in (rec.one(LOG_GROUP, "db-bootstrap"),
                  rec.one("aws:iam/rolePolicy:RolePolicy", "db-bootstrap")):
        assert child.urn in function.dependencies, (function.urn, child.urn)


def test_bootstrap_function_role_reads_only_the_database_secrets():
    rec = build()
    role = rec.one("aws:iam/role:Role", "db-bootstrap")
    assert json.loads(role.inputs["assumeRolePolicy"]) == {
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}}]}, role.urn
    attachment = rec.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                         "db-bootstrap-policy")
    assert attachment.inputs["policyArn"] == (
        "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole")
    policy = rec.one("aws:iam/rolePolicy:RolePolicy", "db-bootstrap")
    assert json.loads(policy.inputs["policy"]) == {"Version": "2012-10-17", "Statement": [
        {"Sid": "DatabaseSecrets", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
         "Resource": [rec.exports["credentials_secret_id"]]},
        {"Sid": "Decrypt", "Effect": "Allow", "Action": "kms:Decrypt",
         "Resource": key_arn(rec)}]}, policy.urn


def test_bootstrap_function_bundles_pg8000_and_what_it_requires():
    """The archive holds the function's module and every installed file of pg8000 and its
    requirements, however deep, read from the installed distributions' metadata."""
    from forge_components.aws.database import bootstrap_files

    files = bootstrap_files()
    assert files["forge_db_bootstrap.py"].read_text() == (
        importlib.resources.files("forge_components.aws") / "db_bootstrap.py").read_text()
    expected: set[str] = set()
    pending = ["pg8000"]
    while pending:
        dist = importlib.metadata.distribution(pending.pop())
        tops = {p.parts[0] for p in dist.files or [] if p.suffix == ".py"
                and not p.parts[0].endswith(".dist-info") and p.parts[0] != ".."}
        expected |= tops
        pending += [re.match(r"[A-Za-z0-9._-]+", r).group(0) for r in dist.requires or []
                    if "extra" not in r]
    assert {"pg8000", "scramp", "asn1crypto", "dateutil"} <= expected
    assert {path.split("/")[0] for path in files if path != "forge_db_bootstrap.py"} == expected
    assert "pg8000/native.py" in files and files["pg8000/native.py"].is_file()
    assert not [p for p in files if "__pycache__" in p or ".dist-info" in p]
    function = build().one(FUNCTION, "db-bootstrap")
    assert function.inputs["code"] == {"$asset": "AssetArchive", "path": None}, function.urn


def test_bootstrap_statements_are_exact_per_engine():
    from forge_components.aws.database import bootstrap_statements

    ec2_sql = bootstrap_statements(DatabaseEngine.TIMESCALEDB_EC2, "app_rw", "metrics")
    assert ec2_sql == [
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = "
        "'app_rw') THEN CREATE ROLE \"app_rw\" LOGIN; END IF; END $$",
        'ALTER ROLE "app_rw" LOGIN',
        'GRANT CONNECT, TEMPORARY ON DATABASE "metrics" TO "app_rw"',
        'GRANT USAGE, CREATE ON SCHEMA public TO "app_rw"',
    ]
    rds_sql = bootstrap_statements(DatabaseEngine.RDS_POSTGRES, "app_rw", "metrics")
    assert rds_sql == [*ec2_sql[:2], 'GRANT rds_iam TO "app_rw"', *ec2_sql[2:]]
    with pytest.raises(ValueError, match="not a plain PostgreSQL identifier"):
        bootstrap_statements(DatabaseEngine.RDS_POSTGRES, "x'; DROP ROLE y; --", "forge")


def test_ec2_services_get_their_own_generated_password_secret():
    rec, mocks = ec2_kept()
    app_secret = rec.one("aws:secretsmanager/secret:Secret", "db-app-credentials")
    master_secret = rec.one("aws:secretsmanager/secret:Secret", "db-password")
    assert app_secret.inputs["kmsKeyId"] == key_arn(rec), app_secret.urn
    version = rec.one("aws:secretsmanager/secretVersion:SecretVersion", "db-app-credentials")
    assert version.inputs["secretId"] == app_secret.resource_id, version.urn
    assert version.inputs["secretString"] == SECRET_MASK, version.urn
    app_password = rec.one(RANDOM_PASSWORD, "db-app-password")
    assert set(version.property_dependencies["secretString"]) == {app_password.urn}
    assert app_password.inputs["length"] == 40, app_password.urn
    event = invocation_event(rec)
    assert event["password_secret_arn"] == app_secret.outputs["arn"]
    assert event["master_secret_arn"] == master_secret.outputs["arn"]
    assert event["tls"] == "require"
    assert event["wait_seconds"] == 840
    assert event["host"] == rec.one(EC2_INSTANCE, "db-primary").outputs["privateIp"]
    assert not any("rds_iam" in statement for statement in event["statements"])
    invocation = rec.one(INVOCATION, "db-bootstrap")
    assert invocation.inputs["triggers"] == {"database": (
        f"{rec.one(EC2_INSTANCE, 'db-primary').resource_id}/{version.resource_id}")}
    for password in mocks.passwords.values():
        assert password not in invocation.inputs["input"], invocation.urn
    policy = rec.one("aws:iam/rolePolicy:RolePolicy", "db-bootstrap")
    statements = json.loads(policy.inputs["policy"])["Statement"]
    assert statements[0]["Resource"] == [master_secret.outputs["arn"], app_secret.outputs["arn"]]


def test_ec2_outputs_say_password_authentication():
    rec = ec2(app_username="svc_role")
    assert rec.exports["app_username"] == "svc_role"
    assert rec.exports["auth_method"] == "password"
    assert rec.exports["iam_connect_arn"] == ""
    assert rec.exports["app_credentials_secret_id"] == rec.one(
        "aws:secretsmanager/secret:Secret", "db-app-credentials").outputs["arn"]


def test_ec2_instances_go_in_the_subnets_given_and_the_function_in_the_bootstrap_subnets():
    """timescaledb-ec2's `subnet_ids` are where the instances boot (the target gives the
    private subnets, which route to NAT); the function goes in `bootstrap_subnet_ids`."""
    rec = ec2(subnet_ids=PRIVATE_SUBNETS, multi_az=True)
    assert rec.one(EC2_INSTANCE, "db-primary").inputs["subnetId"] == PRIVATE_SUBNETS[0]
    assert rec.one(EC2_INSTANCE, "db-replica").inputs["subnetId"] == PRIVATE_SUBNETS[1]
    assert rec.one(FUNCTION, "db-bootstrap").inputs["vpcConfig"]["subnetIds"] == PRIVATE_SUBNETS


def test_ec2_user_data_calls_only_what_the_instance_role_allows():
    """Every AWS CLI call of the boot script is an action of the instance's policy; pgBackRest
    uses the backup prefix (S3) and the key (SSE-KMS), which the policy grants too."""
    rec = ec2()
    script = rec.one(EC2_INSTANCE, "db-primary").inputs["userData"]
    calls = set(re.findall(r"\$AWS (\S+) (\S+)", script))
    assert calls == {("secretsmanager", "get-secret-value")}, calls
    policy = json.loads(rec.one("aws:iam/rolePolicy:RolePolicy", "db-instance").inputs["policy"])
    actions = set()
    for statement in policy["Statement"]:
        action = statement["Action"]
        actions |= set(action if isinstance(action, list) else [action])
    assert "secretsmanager:GetSecretValue" in actions
    assert {"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket",
            "kms:Decrypt", "kms:GenerateDataKey"} <= actions
    assert "repo1-s3-kms-key-id=$BACKUP_KMS_KEY" in script


@pytest.mark.parametrize("engine", list(DatabaseEngine))
def test_log_kms_key_encrypts_the_function_log_group(engine):
    given = "arn:aws:kms:us-east-1:123456789012:key/99999999-8888-7777-6666-555555555555"
    rec = build(engine=engine, log_kms_key_arn=given, log_retention_days=90)
    group = rec.one(LOG_GROUP, "db-bootstrap")
    assert group.inputs["name"] == "/aws/lambda/db-bootstrap", group.urn
    assert rec.one(FUNCTION, "db-bootstrap").inputs["name"] == "db-bootstrap"
    assert (group.inputs["kmsKeyId"], group.inputs["retentionInDays"]) == (given, 90), group.urn
    plain = build(engine=engine).one(LOG_GROUP, "db-bootstrap")
    assert "kmsKeyId" not in plain.inputs and plain.inputs["retentionInDays"] == 30, plain.urn


def test_log_kms_key_pre_creates_the_rds_export_log_groups_before_the_instance():
    """RDS creates /aws/rds/instance/<identifier>/<type> itself, unencrypted, unless it exists:
    with a key the groups come first, named from the fixed identifier."""
    given = "arn:aws:kms:us-east-1:123456789012:key/99999999-8888-7777-6666-555555555555"
    rec = build(log_kms_key_arn=given, log_retention_days=365)
    db = primary(rec)
    assert db.inputs["identifier"] == "db", db.urn
    for log_type in ("postgresql", "upgrade"):
        group = rec.one(LOG_GROUP, f"db-{log_type}-log")
        assert group.inputs["name"] == f"/aws/rds/instance/db/{log_type}", group.urn
        assert group.inputs["kmsKeyId"] == given, group.urn
        assert group.inputs["retentionInDays"] == 365, group.urn
        assert group.urn in db.dependencies, (db.urn, group.urn)
    assert db.inputs["enabledCloudwatchLogsExports"] == ["postgresql", "upgrade"], db.urn
    # Without a key RDS keeps creating them (existing stacks' groups are RDS's own).
    assert [g.name for g in build().of_type(LOG_GROUP)] == ["db-bootstrap"]


@pytest.mark.parametrize(("overrides", "message"), [
    ({"bootstrap_subnet_ids": None},
     "Database: bootstrap_subnet_ids is required: the function that creates the services' role "
     "runs there and must reach Secrets Manager (the private subnets, behind NAT)"),
    ({"app_username": "forge_admin"},
     "Database: app_username 'forge_admin' must differ from master_username: the services "
     "never log in as the administrator"),
    ({"app_username": "rds_app"},
     "Database: app_username 'rds_app' starts with a prefix PostgreSQL or RDS reserves for its "
     "own roles (pg_, rds)"),
    ({"app_username": "App"},
     "Database: app_username 'App' must be a lower-case PostgreSQL name: a letter, then "
     "letters, digits or underscores, 63 at most"),
    ({"log_retention_days": 10},
     "Database: log_retention_days must be one of [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, "
     "365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], got 10"),
])
def test_role_and_log_validation_messages(overrides, message):
    with pytest.raises(ValueError) as raised:
        validate_database_args(_args(**overrides))
    assert str(raised.value) == message


def test_iam_connect_arn_takes_partition_region_and_account_from_the_instance():
    from forge_components.aws.database import iam_connect_arn

    assert iam_connect_arn("arn:aws-us-gov:rds:us-gov-west-1:111122223333:db:forge-prod-db",
                           "db-ABCDEFGHIJKLMNOPQRSTUVWXYZ", "forge_app") == (
        "arn:aws-us-gov:rds-db:us-gov-west-1:111122223333:dbuser:"
        "db-ABCDEFGHIJKLMNOPQRSTUVWXYZ/forge_app")
    with pytest.raises(ValueError, match="not an RDS instance ARN"):
        iam_connect_arn("arn:aws:ec2:us-east-1:111122223333:instance/i-1", "db-X", "forge_app")


@pytest.mark.parametrize("engine", list(DatabaseEngine))
def test_what_uses_the_role_name_waits_for_the_bootstrap(engine):
    """`app_username` carries the invocation as a dependency: the services' environment (and
    so their tasks or pods) is declared only once the role exists."""
    def program() -> None:
        db = Database("db", _args(engine=engine))
        aws.cloudwatch.LogGroup("user", name=db.app_username)

    rec = run_mocked(program)
    invocation = rec.one(INVOCATION, "db-bootstrap")
    user = rec.one(LOG_GROUP, "user")
    assert user.inputs["name"] == "forge_app", user.urn
    assert invocation.urn in user.property_dependencies["name"], user.urn
