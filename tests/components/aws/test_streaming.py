"""Tests of the AWS Streaming component (MSK, Redpanda on EC2, none) under the offline mocks.

What these tests do not prove: that AWS accepts the layout (MSK instance/version availability in
the region, EC2 quotas), that the Redpanda packages install or that the brokers form a cluster
at boot; only that the program asks for the resources, the access rules and the boot
configuration it should.
"""

import json
import re
import subprocess
from typing import Any

import pulumi
import pytest

from forge_components.aws.streaming import (
    COMPONENT,
    RedpandaMode,
    Streaming,
    StreamingArgs,
    StreamingEngine,
    broker_tls_secret_value,
    msk_server_properties,
    render_redpanda_user_data,
    scram_secret_value,
)
from forge_components.contracts import StreamingOutputs
from forge_infra.plan.mocks import ProviderMocks
from forge_infra.plan.recorder import SECRET_MASK, RecordedResource, Recording, run_under_mocks
from tests.components.aws.conftest import assert_component_schema
from tests.helpers import assert_all_tagged, run_mocked

VPC = "vpc-0a1b2c3d4e5f60718"
SUBNETS = ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2", "subnet-0ccccccccccccccc3"]
APP_SG = "sg-0app0000000000001"
OTHER_SG = "sg-0ops0000000000002"
KMS_KEY = "arn:aws:kms:us-east-1:123456789012:key/0f0e0d0c-0b0a-0908-0706-050403020100"

SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
KEY = "aws:kms/key:Key"
CLUSTER = "aws:msk/cluster:Cluster"
CONFIGURATION = "aws:msk/configuration:Configuration"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
INSTANCE = "aws:ec2/instance:Instance"
ENI = "aws:ec2/networkInterface:NetworkInterface"
VOLUME = "aws:ebs/volume:Volume"
ATTACHMENT = "aws:ec2/volumeAttachment:VolumeAttachment"
ROLE = "aws:iam/role:Role"
ROLE_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
PROFILE = "aws:iam/instanceProfile:InstanceProfile"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
SECRET = "aws:secretsmanager/secret:Secret"
SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
SCRAM_ASSOCIATION = "aws:msk/scramSecretAssociation:ScramSecretAssociation"
PASSWORD = "random:index/randomPassword:RandomPassword"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TLS_KEY = "tls:index/privateKey:PrivateKey"
CA_CERT = "tls:index/selfSignedCert:SelfSignedCert"
CERT_REQUEST = "tls:index/certRequest:CertRequest"
BROKER_CERT = "tls:index/locallySignedCert:LocallySignedCert"
TLS_SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:events-broker-1-tls-AbCdEf"
LOGS_KEY = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"

CIDR_KEYS = ("cidrIpv4", "cidrIpv6", "prefixListId")


def build(engine: StreamingEngine = StreamingEngine.MSK, **kwargs: Any) -> Recording:
    """One Streaming component named "events" over three private subnets."""
    kwargs.setdefault("vpc_id", VPC)
    kwargs.setdefault("subnet_ids", SUBNETS)
    kwargs.setdefault("subnet_count", len(kwargs["subnet_ids"]))
    kwargs.setdefault("allowed_security_group_ids", [APP_SG])
    kwargs.setdefault("tags", {"app": "forge", "environment": "test"})

    def program() -> None:
        streaming = Streaming("events", StreamingArgs(engine=engine, **kwargs))
        pulumi.export("bootstrap_brokers", streaming.bootstrap_brokers)
        pulumi.export("security_group_id", streaming.security_group_id)
        pulumi.export("engine", streaming.engine)
        pulumi.export("broker_count", streaming.broker_count)
        pulumi.export("kms_key_arn", streaming.kms_key_arn)
        pulumi.export("security_protocol", streaming.security_protocol)
        pulumi.export("sasl_mechanism", streaming.sasl_mechanism)
        pulumi.export("username", streaming.username)
        pulumi.export("credentials_secret_id", streaming.credentials_secret_id)
        pulumi.export("credentials_kms_key_arn", streaming.credentials_kms_key_arn)
        pulumi.export("ca_certificate_pem", streaming.ca_certificate_pem)

    return run_mocked(program)


def rule_summary(rule: RecordedResource, own_sg: str) -> tuple[int, int, str, str]:
    """(from, to, protocol, source) of a security group rule; "self" for its own group."""
    inputs = rule.inputs
    source = inputs.get("referencedSecurityGroupId") or inputs.get("cidrIpv4")
    return (inputs["fromPort"], inputs["toPort"], inputs["ipProtocol"],
            "self" if source == own_sg else source)


# -- MSK -------------------------------------------------------------------------------------


def test_msk_encrypts_in_transit_and_at_rest_with_a_rotating_key() -> None:
    recording = build()
    cluster = recording.one(CLUSTER)
    key = recording.one(KEY, "events-key")
    encryption = cluster.inputs["encryptionInfo"]
    assert encryption["encryptionInTransit"] == {"clientBroker": "TLS", "inCluster": True}, (
        f"{cluster.urn}: {encryption}")
    assert encryption["encryptionAtRestKmsKeyArn"] == key.outputs["arn"], cluster.urn
    assert key.inputs["enableKeyRotation"] is True, key.urn
    assert key.inputs["deletionWindowInDays"] == 30, key.urn
    # SASL/SCRAM only: no unauthenticated, IAM or mTLS access.
    assert cluster.inputs["clientAuthentication"] == {
        "sasl": {"scram": True, "iam": False}, "unauthenticated": False}, cluster.urn


def test_msk_uses_a_given_kms_key_and_creates_none() -> None:
    recording = build(kms_key_arn=KMS_KEY, credentials_kms_key_arn=KMS_KEY)
    cluster = recording.one(CLUSTER)
    assert recording.of_type(KEY) == [], "a key was created although one was given"
    assert cluster.inputs["encryptionInfo"]["encryptionAtRestKmsKeyArn"] == KMS_KEY, cluster.urn
    assert recording.exports["kms_key_arn"] == KMS_KEY


def test_msk_brokers_sit_in_the_private_subnets_behind_the_component_sg() -> None:
    recording = build()
    cluster = recording.one(CLUSTER)
    group = recording.one(SG)
    info = cluster.inputs["brokerNodeGroupInfo"]
    assert info["clientSubnets"] == SUBNETS, cluster.urn
    assert info["securityGroups"] == [group.resource_id], cluster.urn
    assert info["instanceType"] == "kafka.t3.small", cluster.urn
    assert info["storageInfo"] == {"ebsStorageInfo": {"volumeSize": 100}}, cluster.urn
    assert "connectivityInfo" not in info, f"{cluster.urn} asks for public connectivity"
    assert cluster.inputs["numberOfBrokerNodes"] == 3, cluster.urn
    assert cluster.inputs["kafkaVersion"] == "3.8.x", cluster.urn
    assert cluster.inputs["clusterName"] == "events-kafka", cluster.urn
    assert group.inputs["vpcId"] == VPC, group.urn


def test_msk_with_more_subnets_than_azs_uses_the_first_three() -> None:
    subnets = [*SUBNETS, "subnet-0ddddddddddddddd4"]
    recording = build(subnet_ids=subnets, broker_count=6, instance_type="kafka.m7g.large")
    info = recording.one(CLUSTER).inputs["brokerNodeGroupInfo"]
    assert info["clientSubnets"] == SUBNETS
    assert info["instanceType"] == "kafka.m7g.large"
    assert recording.one(CLUSTER).inputs["numberOfBrokerNodes"] == 6


def test_msk_security_group_admits_only_the_allowed_groups_on_sasl_scram() -> None:
    recording = build(allowed_security_group_ids=[APP_SG, OTHER_SG])
    group = recording.one(SG)
    assert "ingress" not in group.inputs and "egress" not in group.inputs, (
        f"{group.urn} has inline rules: {group.inputs}")
    rules = recording.of_type(INGRESS)
    assert sorted(rule_summary(r, group.resource_id) for r in rules) == [
        (9096, 9096, "tcp", APP_SG), (9096, 9096, "tcp", OTHER_SG)]
    for rule in rules:
        assert rule.inputs["securityGroupId"] == group.resource_id, rule.urn
        assert not any(k in rule.inputs for k in CIDR_KEYS), f"{rule.urn} admits a CIDR"
    assert recording.of_type(EGRESS) == [], "MSK brokers need no egress rule"


def test_msk_without_allowed_groups_admits_no_one() -> None:
    recording = build(allowed_security_group_ids=[])
    assert recording.of_type(INGRESS) == []


def test_msk_broker_logs_go_to_cloudwatch_with_retention() -> None:
    recording = build(log_retention_days=30)
    cluster = recording.one(CLUSTER)
    log_group = recording.one(LOG_GROUP)
    assert log_group.inputs["retentionInDays"] == 30, log_group.urn
    assert cluster.inputs["loggingInfo"] == {"brokerLogs": {"cloudwatchLogs": {
        "enabled": True, "logGroup": log_group.outputs["name"]}}}, cluster.urn
    assert cluster.inputs["enhancedMonitoring"] == "DEFAULT", cluster.urn
    assert "kmsKeyId" not in log_group.inputs, log_group.urn


def test_msk_log_group_takes_the_given_logs_key() -> None:
    recording = build(log_kms_key_arn=LOGS_KEY)
    log_group = recording.one(LOG_GROUP)
    assert log_group.inputs["kmsKeyId"] == LOGS_KEY, log_group.urn


def test_msk_configuration_disables_auto_topics_and_sets_durability() -> None:
    recording = build()
    cluster = recording.one(CLUSTER)
    configuration = recording.one(CONFIGURATION)
    properties = configuration.inputs["serverProperties"].splitlines()
    assert properties == [
        "auto.create.topics.enable=false",
        "default.replication.factor=3",
        "min.insync.replicas=2",
        "unclean.leader.election.enable=false",
    ], configuration.urn
    assert cluster.inputs["configurationInfo"] == {
        "arn": configuration.outputs["arn"],
        "revision": configuration.outputs.get("latestRevision"),
    }, cluster.urn


@pytest.mark.parametrize(("brokers", "replication", "min_insync"),
                         [(2, 2, 1), (3, 3, 2), (6, 3, 2)])
def test_msk_server_properties_follow_the_broker_count(brokers: int, replication: int,
                                                       min_insync: int) -> None:
    properties = msk_server_properties(brokers).splitlines()
    assert f"default.replication.factor={replication}" in properties
    assert f"min.insync.replicas={min_insync}" in properties


def test_msk_two_azs_with_two_brokers() -> None:
    recording = build(subnet_ids=SUBNETS[:2], broker_count=2)
    cluster = recording.one(CLUSTER)
    assert cluster.inputs["brokerNodeGroupInfo"]["clientSubnets"] == SUBNETS[:2]
    assert "min.insync.replicas=1" in recording.one(CONFIGURATION).inputs["serverProperties"]


@pytest.mark.parametrize("protect", [True, False])
def test_msk_protect_applies_to_the_cluster_keys_and_credentials_secret_only(
        protect: bool) -> None:
    recording = build(protect=protect)
    protected = sorted(r.type for r in recording.resources if r.protect)
    assert protected == ([KEY, KEY, CLUSTER, "aws:secretsmanager/secret:Secret"] if protect
                         else []), protected


def test_msk_bootstrap_brokers_are_the_sasl_scram_endpoints() -> None:
    recording = build()
    brokers = recording.exports["bootstrap_brokers"].split(",")
    assert len(brokers) == 3
    assert all(re.fullmatch(r"b-\d\.events-kafka\.[0-9a-f]+\.c2\.kafka\.us-east-1\."
                            r"amazonaws\.com:9096", b) for b in brokers), brokers
    assert recording.exports["bootstrap_brokers"] == (
        recording.one(CLUSTER).outputs["bootstrapBrokersSaslScram"])
    assert recording.exports["security_group_id"] == recording.one(SG).resource_id
    assert recording.exports["engine"] == "msk"
    assert recording.exports["broker_count"] == 3


def test_msk_children_are_parented_and_tagged() -> None:
    recording = build()
    component = recording.one(COMPONENT)
    children = recording.children_of(component.urn)
    assert len(children) == len(recording.resources) - 1
    assert sorted(r.type for r in children) == sorted(
        [KEY, KEY, SG, INGRESS, LOG_GROUP, CONFIGURATION, CLUSTER, PASSWORD, SECRET,
         SECRET_VERSION, SCRAM_ASSOCIATION])
    checked = assert_all_tagged(recording, COMPONENT)
    assert {r.type for r in checked} == {KEY, SG, INGRESS, LOG_GROUP, CLUSTER, SECRET}


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"broker_count": 4}, r"^Streaming: broker_count \(4\) must be a multiple of the AZs MSK "
                          r"uses \(min\(subnet_count, 3\) = 3\)$"),
    ({"subnet_ids": SUBNETS[:1], "broker_count": 1},
     "^Streaming: MSK needs at least 2 subnets in distinct AZs, subnet_count is 1$"),
    ({"log_retention_days": 10},
     r"^Streaming: log_retention_days=10 is not a CloudWatch retention period; use one of "
     r"\[1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, "
     r"2557, 2922, 3288, 3653\]$"),
    ({"broker_count": 0}, "^Streaming: broker_count must be at least 1, got 0$"),
    ({"enhanced_monitoring": "VERBOSE"},
     r"^Streaming: enhanced_monitoring 'VERBOSE' is not one of \['DEFAULT', 'PER_BROKER', "
     r"'PER_TOPIC_PER_BROKER', 'PER_TOPIC_PER_PARTITION'\]$"),
    ({"engine": "kinesis"},
     r"^Streaming: engine 'kinesis' is not one of \['msk', 'redpanda', 'none'\]$"),
])
def test_msk_rejects_inconsistent_arguments(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build(**kwargs)


def test_subnet_count_must_match_the_subnet_ids() -> None:
    with pytest.raises(ValueError, match=r"^Streaming: subnet_ids holds 3 subnets but "
                                         r"subnet_count is 2$"):
        build(subnet_count=2, broker_count=2)


# -- Redpanda --------------------------------------------------------------------------------


def redpanda(**kwargs: Any) -> Recording:
    return build(StreamingEngine.REDPANDA, **kwargs)


def brokers_of(recording: Recording) -> list[dict[str, RecordedResource]]:
    """Per broker (in order): its instance, network interface, data volume and attachment."""
    result = []
    for i in range(len(recording.of_type(INSTANCE))):
        broker = f"events-broker-{i + 1}"
        result.append({
            "instance": recording.one(INSTANCE, broker),
            "eni": recording.one(ENI, f"{broker}-eni"),
            "volume": recording.one(VOLUME, f"{broker}-data"),
            "attachment": recording.one(ATTACHMENT, f"{broker}-data-attachment"),
        })
    return result


def test_redpanda_spreads_three_brokers_over_three_subnets() -> None:
    recording = redpanda()
    brokers = brokers_of(recording)
    assert len(brokers) == 3
    assert len(recording.of_type(ENI)) == 3
    assert [b["eni"].inputs["subnetId"] for b in brokers] == SUBNETS
    group = recording.one(SG)
    for broker in brokers:
        instance, eni = broker["instance"], broker["eni"]
        assert instance.inputs["primaryNetworkInterface"] == {
            "networkInterfaceId": eni.resource_id}, instance.urn
        assert eni.inputs["securityGroups"] == [group.resource_id], eni.urn
        for key in ("subnetId", "vpcSecurityGroupIds", "securityGroups",
                    "associatePublicIpAddress", "networkInterfaces"):
            assert key not in instance.inputs, f"{instance.urn} sets {key}"
        assert instance.inputs["instanceType"] == "t3.medium", instance.urn


def test_redpanda_wraps_brokers_round_robin_over_the_subnets() -> None:
    recording = redpanda(broker_count=5)
    subnets = [b["eni"].inputs["subnetId"] for b in brokers_of(recording)]
    assert subnets == [SUBNETS[0], SUBNETS[1], SUBNETS[2], SUBNETS[0], SUBNETS[1]]


def test_redpanda_hosts_require_imdsv2_and_encrypt_every_volume() -> None:
    recording = redpanda(ebs_volume_gb=250)
    key_arn = recording.one(KEY, "events-key").outputs["arn"]
    mocks = ProviderMocks()
    for broker in brokers_of(recording):
        instance, volume = broker["instance"], broker["volume"]
        assert instance.inputs["metadataOptions"] == {
            "httpEndpoint": "enabled", "httpTokens": "required",
            "httpPutResponseHopLimit": 1}, instance.urn
        root = instance.inputs["rootBlockDevice"]
        assert (root["encrypted"], root["kmsKeyId"], root["volumeType"]) == (
            True, key_arn, "gp3"), instance.urn
        assert volume.inputs["encrypted"] is True, volume.urn
        assert volume.inputs["kmsKeyId"] == key_arn, volume.urn
        assert (volume.inputs["type"], volume.inputs["size"]) == ("gp3", 250), volume.urn
        assert volume.inputs["finalSnapshot"] is True, volume.urn
        # The volume is created in the availability zone of the broker's subnet.
        subnet = mocks.call(pulumi.runtime.MockCallArgs(
            token="aws:ec2/getSubnet:getSubnet", args={"id": broker["eni"].inputs["subnetId"]},
            provider=""))
        assert volume.inputs["availabilityZone"] == subnet["availabilityZone"], volume.urn


def test_redpanda_attaches_each_data_volume_to_its_own_broker() -> None:
    recording = redpanda()
    for broker in brokers_of(recording):
        attachment = broker["attachment"]
        assert attachment.inputs["volumeId"] == broker["volume"].resource_id, attachment.urn
        assert attachment.inputs["instanceId"] == broker["instance"].resource_id, attachment.urn
        assert attachment.inputs["deviceName"] == "/dev/sdf", attachment.urn
        assert attachment.inputs["stopInstanceBeforeDetaching"] is True, attachment.urn


def test_redpanda_user_data_names_every_peer_and_its_own_identity() -> None:
    recording = redpanda()
    brokers = brokers_of(recording)
    peer_ips = [b["eni"].outputs["privateIp"] for b in brokers]
    assert len(set(peer_ips)) == 3, peer_ips
    for node_id, broker in enumerate(brokers):
        instance = broker["instance"]
        script = instance.inputs["userData"]
        seeds = re.findall(r"- host:\n\s+address: (\S+)\n\s+port: 33145", script)
        assert seeds == peer_ips, f"{instance.urn} seeds {seeds}"
        assert f'NODE_ID="{node_id}"' in script, instance.urn
        assert "  node_id: ${NODE_ID}\n" in script, instance.urn
        assert f'SELF_IP="{peer_ips[node_id]}"' in script, instance.urn
        assert f'DATA_VOLUME_ID="{broker["volume"].resource_id}"' in script, instance.urn
        assert 'REDPANDA_VERSION="26.2.7"' in script, instance.urn
        assert "https://linux.pkg.redpanda.com/setup-redpanda.deb.sh" in script, instance.urn
        assert "empty_seed_starts_cluster: false" in script, instance.urn
        assert "auto_create_topics_enabled: false" in script, instance.urn
        assert "default_topic_replications: 3" in script, instance.urn
        assert "systemctl enable --now redpanda\n" in script, instance.urn
        assert not re.search(r"__[A-Z_]+__", script), f"{instance.urn}: unrendered placeholder"


def test_redpanda_security_group_rules_are_exact() -> None:
    recording = redpanda()
    group = recording.one(SG)
    ingress = sorted(rule_summary(r, group.resource_id) for r in recording.of_type(INGRESS))
    # No HTTP proxy (8082): it would need SASL credentials of its own, and no client uses it.
    assert ingress == [
        (9092, 9092, "tcp", APP_SG),
        (9644, 9644, "tcp", "self"),
        (33145, 33145, "tcp", "self"),
    ], ingress
    for rule in recording.of_type(INGRESS):
        assert not any(k in rule.inputs for k in CIDR_KEYS), f"{rule.urn} admits a CIDR"
        assert rule.inputs["securityGroupId"] == group.resource_id, rule.urn
    egress = sorted(rule_summary(r, group.resource_id) for r in recording.of_type(EGRESS))
    assert egress == [
        (80, 80, "tcp", "0.0.0.0/0"),
        (443, 443, "tcp", "0.0.0.0/0"),
        (9644, 9644, "tcp", "self"),
        (33145, 33145, "tcp", "self"),
    ], egress


def test_redpanda_hosts_get_ssm_core_and_exactly_their_boot_calls() -> None:
    recording = redpanda()
    role = recording.one(ROLE)
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust == {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
        "Action": "sts:AssumeRole"}]}, role.urn
    assert "inlinePolicies" not in role.inputs and "managedPolicyArns" not in role.inputs
    policy = recording.one(ROLE_POLICY)
    assert policy.inputs["role"] == role.resource_id, policy.urn
    secret = recording.one(SECRET, "events-kafka-credentials")
    tls_secrets = [recording.one(SECRET, f"events-broker-{i}-tls").outputs["arn"]
                   for i in (1, 2, 3)]
    credentials_key = recording.one(KEY, "events-credentials-key")
    assert json.loads(policy.inputs["policy"]) == {"Version": "2012-10-17", "Statement": [
        {"Sid": "ReadKafkaCredentials", "Effect": "Allow",
         "Action": "secretsmanager:GetSecretValue", "Resource": secret.outputs["arn"]},
        {"Sid": "ReadBrokerTls", "Effect": "Allow",
         "Action": "secretsmanager:GetSecretValue", "Resource": tls_secrets},
        {"Sid": "DecryptKafkaCredentials", "Effect": "Allow", "Action": "kms:Decrypt",
         "Resource": credentials_key.outputs["arn"],
         "Condition": {"StringEquals": {
             "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}},
        {"Sid": "PublishBootSignal", "Effect": "Allow", "Action": "cloudwatch:PutMetricData",
         "Resource": "*",
         "Condition": {"StringEquals": {"cloudwatch:namespace": "Forge/Redpanda"}}},
    ]}, policy.urn
    # The script calls exactly the AWS APIs the policy allows (IAM action = service:Operation).
    script = brokers_of(recording)[0]["instance"].inputs["userData"]
    calls = {f"{service}:{''.join(w.title() for w in operation.split('-'))}"
             for service, operation in re.findall(r"\baws (\w+) ([a-z-]+)", script)}
    allowed = {st["Action"] for st in json.loads(policy.inputs["policy"])["Statement"]}
    assert calls == allowed - {"kms:Decrypt"}, (calls, allowed)
    attachment = recording.one(ROLE_ATTACHMENT)
    assert attachment.inputs["policyArn"] == (
        "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"), attachment.urn
    assert attachment.inputs["role"] == role.outputs["name"], attachment.urn
    profile = recording.one(PROFILE)
    for broker in brokers_of(recording):
        assert broker["instance"].inputs["iamInstanceProfile"] == profile.outputs["name"]
        assert "keyName" not in broker["instance"].inputs, "an SSH key pair is attached"


class _AmiCalls(ProviderMocks):
    """The shared mocks, keeping the arguments of every getAmi call."""

    def __init__(self) -> None:
        super().__init__()
        self.ami_calls: list[dict[str, Any]] = []

    def call(self, args: pulumi.runtime.MockCallArgs) -> Any:
        if args.token == "aws:ec2/getAmi:getAmi":
            self.ami_calls.append(dict(args.args))
        return super().call(args)


@pytest.mark.parametrize(("instance_type", "architecture", "name_arch"), [
    ("t3.medium", "x86_64", "amd64"), ("t4g.medium", "arm64", "arm64"),
    ("t4g.large", "arm64", "arm64"), ("m7i.large", "x86_64", "amd64")])
def test_redpanda_boots_the_ubuntu_image_of_its_instance_architecture(
        instance_type: str, architecture: str, name_arch: str) -> None:
    """Graviton (t4g) brokers boot Canonical's arm64 Ubuntu, the others its amd64 one."""
    mocks = _AmiCalls()

    def program() -> None:
        Streaming("events", StreamingArgs(
            engine=StreamingEngine.REDPANDA, vpc_id=VPC, subnet_ids=SUBNETS,
            subnet_count=len(SUBNETS), allowed_security_group_ids=[APP_SG],
            instance_type=instance_type))

    recording = run_under_mocks(program, project="forge-infra", stack="test", mocks=mocks)
    assert len(mocks.ami_calls) == 1, mocks.ami_calls
    call = mocks.ami_calls[0]
    assert call["owners"] == ["099720109477"], call
    assert {f["name"]: f["values"] for f in call["filters"]} == {
        "name": [f"ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-{name_arch}-server-*"],
        "architecture": [architecture], "virtualization-type": ["hvm"]}, call
    for instance in recording.of_type(INSTANCE):
        assert instance.inputs["instanceType"] == instance_type, instance.urn


def test_redpanda_uses_a_given_ami_and_instance_type() -> None:
    recording = redpanda(ami_id="ami-0123456789abcdef0", instance_type="m6i.large")
    for broker in brokers_of(recording):
        assert broker["instance"].inputs["ami"] == "ami-0123456789abcdef0"
        assert broker["instance"].inputs["instanceType"] == "m6i.large"


@pytest.mark.parametrize("protect", [True, False])
def test_redpanda_protect_applies_to_data_volumes_keys_ca_and_secrets_only(protect: bool) -> None:
    recording = redpanda(protect=protect)
    protected = sorted(r.name for r in recording.resources if r.protect)
    expected = ["events-broker-1-data", "events-broker-1-tls", "events-broker-2-data",
                "events-broker-2-tls", "events-broker-3-data", "events-broker-3-tls",
                "events-ca", "events-ca-key", "events-credentials-key",
                "events-kafka-credentials", "events-key"]
    assert protected == (expected if protect else []), protected


def test_redpanda_bootstrap_brokers_list_every_broker_address() -> None:
    recording = redpanda()
    ips = [b["eni"].outputs["privateIp"] for b in brokers_of(recording)]
    assert recording.exports["bootstrap_brokers"] == ",".join(f"{ip}:9092" for ip in ips)
    assert recording.exports["engine"] == "redpanda"
    assert recording.exports["broker_count"] == 3
    assert recording.exports["security_group_id"] == recording.one(SG).resource_id


def test_redpanda_children_are_parented_and_tagged() -> None:
    recording = redpanda()
    component = recording.one(COMPONENT)
    assert len(recording.children_of(component.urn)) == len(recording.resources) - 1
    checked = assert_all_tagged(recording, COMPONENT)
    assert {INSTANCE, ENI, VOLUME, KEY, SG, ROLE, PROFILE} <= {r.type for r in checked}
    for broker in brokers_of(recording):
        root_tags = broker["instance"].inputs["rootBlockDevice"]["tags"]
        assert root_tags["component"] == COMPONENT, broker["instance"].urn


# -- none ------------------------------------------------------------------------------------


def test_none_declares_nothing_and_outputs_empty_brokers() -> None:
    recording = build(StreamingEngine.NONE)
    assert [r.type for r in recording.resources] == [COMPONENT]
    assert recording.exports == {"bootstrap_brokers": "", "security_group_id": None,
                                 "engine": "none", "broker_count": 0, "kms_key_arn": None,
                                 "security_protocol": "", "sasl_mechanism": "",
                                 "username": "", "credentials_secret_id": "",
                                 "credentials_kms_key_arn": None, "ca_certificate_pem": ""}


def test_schema_and_contract() -> None:
    assert_component_schema(Streaming, StreamingOutputs, {
        "bootstrap_brokers", "security_group_id", "engine", "broker_count", "kms_key_arn",
        "security_protocol", "sasl_mechanism", "username", "credentials_secret_id",
        "credentials_kms_key_arn", "ca_certificate_pem"})


@pytest.mark.parametrize("engine", [StreamingEngine.MSK, StreamingEngine.REDPANDA])
def test_created_key_has_rotation_and_the_explicit_account_policy(
        engine: StreamingEngine) -> None:
    recording = build(engine)
    key = recording.one(KEY, "events-key")
    assert key.inputs["enableKeyRotation"] is True, key.urn
    assert key.inputs["deletionWindowInDays"] == 30, key.urn
    assert key.inputs["description"] == (
        f"Encrypts the {engine.value} broker storage of events"), key.urn
    assert json.loads(key.inputs["policy"]) == {"Version": "2012-10-17", "Statement": [{
        "Sid": "AccountAdministersKeyThroughIam", "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*",
        "Resource": "*"}]}, key.urn
    assert recording.of_type("aws:kms/alias:Alias") == [], "no alias was asked for"
    assert recording.exports["kms_key_arn"] == key.outputs["arn"]


@pytest.mark.parametrize("brokers", [1, 3])
def test_redpanda_brokers_have_detailed_monitoring(brokers: int) -> None:
    """Every broker sends one-minute EC2 metrics (the scanner's "detailed monitoring" check)."""
    recording = redpanda(broker_count=brokers)
    instances = recording.of_type(INSTANCE)
    assert len(instances) == brokers
    for instance in instances:
        assert instance.inputs.get("monitoring") is True, instance.urn


# -- authentication (both engines) -------------------------------------------------------------


def test_msk_clients_authenticate_with_scram_from_an_amazonmsk_secret() -> None:
    recording = build()
    cluster = recording.one(CLUSTER)
    secret = recording.one(SECRET)
    version = recording.one(SECRET_VERSION)
    password = recording.one(PASSWORD)
    key = recording.one(KEY, "events-credentials-key")
    association = recording.one(SCRAM_ASSOCIATION)
    # MSK: the name must begin with AmazonMSK_ and the key must be customer-managed.
    assert secret.inputs["namePrefix"] == "AmazonMSK_events-", secret.urn
    assert secret.inputs["kmsKeyId"] == key.outputs["arn"], secret.urn
    assert key.inputs["enableKeyRotation"] is True, key.urn
    assert key.outputs["arn"] != recording.one(KEY, "events-key").outputs["arn"]
    assert version.inputs["secretId"] == secret.resource_id, version.urn
    # The value is a secret (masked in the recording), built from the generated password only.
    assert version.inputs["secretString"] == SECRET_MASK, version.urn
    assert version.property_dependencies["secretString"] == [password.urn], version.urn
    assert scram_secret_value("forge", "pw") == {"username": "forge", "password": "pw"}
    assert (password.inputs["length"], password.inputs["special"]) == (32, False), password.urn
    assert association.inputs["clusterArn"] == cluster.outputs["arn"], association.urn
    assert association.inputs["secretArnLists"] == [secret.outputs["arn"]], association.urn
    assert version.urn in association.dependencies, association.urn
    assert recording.exports["security_protocol"] == "SASL_SSL"
    assert recording.exports["sasl_mechanism"] == "SCRAM-SHA-512"
    assert recording.exports["username"] == "forge"
    assert recording.exports["credentials_secret_id"] == secret.outputs["arn"]
    assert recording.exports["credentials_kms_key_arn"] == key.outputs["arn"]
    # Amazon's public CAs sign MSK's certificates: the clients' default trust store suffices.
    assert recording.exports["ca_certificate_pem"] == ""
    assert recording.of_type(CA_CERT) == [] and recording.of_type(TLS_KEY) == []


def test_a_given_credentials_key_encrypts_the_secret_and_none_is_created() -> None:
    recording = build(credentials_kms_key_arn=KMS_KEY, sasl_username="events-app")
    assert [k.name for k in recording.of_type(KEY)] == ["events-key"]
    assert recording.one(SECRET).inputs["kmsKeyId"] == KMS_KEY
    assert recording.exports["username"] == "events-app"


def test_redpanda_clients_authenticate_with_scram_over_tls() -> None:
    recording = redpanda()
    secret = recording.one(SECRET, "events-kafka-credentials")
    assert secret.inputs["namePrefix"] == "events-kafka-", secret.urn
    assert secret.inputs["kmsKeyId"] == recording.one(KEY, "events-credentials-key").outputs[
        "arn"], secret.urn
    assert recording.of_type(SCRAM_ASSOCIATION) == []
    assert recording.exports["security_protocol"] == "SASL_SSL"
    assert recording.exports["sasl_mechanism"] == "SCRAM-SHA-512"
    assert recording.exports["username"] == "forge"
    assert recording.exports["credentials_secret_id"] == secret.outputs["arn"]


def test_redpanda_user_data_requires_sasl_and_creates_the_user() -> None:
    recording = redpanda()
    secret_arn = recording.one(SECRET, "events-kafka-credentials").outputs["arn"]
    for broker in brokers_of(recording):
        instance = broker["instance"]
        script = instance.inputs["userData"]
        assert f'CREDENTIALS_SECRET_ARN="{secret_arn}"' in script, instance.urn
        assert 'SASL_MECHANISM="SCRAM-SHA-512"' in script, instance.urn
        assert 'aws secretsmanager get-secret-value --secret-id "$CREDENTIALS_SECRET_ARN"' in (
            script), instance.urn
        # SASL on the Kafka listener and cluster-wide, the clients' user as superuser.
        assert re.search(r"kafka_api:\n    - name: internal\n      address: 0\.0\.0\.0\n"
                         r"      port: 9092\n      authentication_method: sasl\n", script)
        assert "enable_sasl: true\nsuperusers:\n  - ${KAFKA_USERNAME}\n" in script, instance.urn
        assert ('rpk security user create "$KAFKA_USERNAME" --password "$KAFKA_PASSWORD" '
                '--mechanism "$SASL_MECHANISM"') in script, instance.urn
        assert "pandaproxy" not in script, f"{instance.urn} starts the HTTP proxy"


def test_rendered_user_data_is_valid_bash() -> None:
    script = render_redpanda_user_data(
        node_id=0, self_ip="10.0.0.10", peer_ips=["10.0.0.10"], data_volume_id="vol-0abc",
        redpanda_version="26.2.7", mode=RedpandaMode.DEVELOPMENT, broker_name="b-1",
        credentials_secret_arn="arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf",
        tls_secret_arn=TLS_SECRET_ARN, region="eu-west-1")
    result = subprocess.run(["bash", "-n"], input=script, text=True, capture_output=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert 'AWS_REGION="eu-west-1"' in script


def test_rendered_user_data_refuses_a_broker_without_its_tls_secret() -> None:
    with pytest.raises(ValueError, match=r"^Streaming: render_redpanda_user_data: "
                                         r"tls_secret_arn is required"):
        render_redpanda_user_data(
            node_id=0, self_ip="10.0.0.10", peer_ips=["10.0.0.10"], data_volume_id="vol-0abc",
            redpanda_version="26.2.7", tls_secret_arn="")


# -- TLS (Redpanda) ----------------------------------------------------------------------------


def test_redpanda_kafka_listener_requires_tls_with_the_brokers_own_files() -> None:
    """The Kafka listener is named in kafka_api_tls (Redpanda's TLS configuration, server
    certificate only), with the files the boot script writes; rpk trusts the same CA."""
    recording = redpanda()
    for broker in brokers_of(recording):
        instance = broker["instance"]
        script = instance.inputs["userData"]
        assert 'CERT_DIR="/etc/redpanda/certs"' in script, instance.urn
        assert ("  kafka_api_tls:\n"
                "    - name: internal\n"
                "      key_file: ${CERT_DIR}/broker.key\n"
                "      cert_file: ${CERT_DIR}/broker.crt\n"
                "      truststore_file: ${CERT_DIR}/ca.crt\n"
                "      enabled: true\n"
                "      require_client_auth: false\n") in script, instance.urn
        # The TLS listener is the SASL listener: the same name, the only Kafka listener.
        assert script.count("    - name: internal\n      address: 0.0.0.0\n") == 1
        assert ("    tls:\n      truststore_file: ${CERT_DIR}/ca.crt\n") in script, instance.urn
        # The key file is readable by the redpanda user only.
        assert 'chmod 0400 "$CERT_DIR/broker.key"' in script, instance.urn


def test_redpanda_broker_key_comes_from_its_own_secret_never_the_user_data() -> None:
    recording = redpanda()
    credentials_key = recording.one(KEY, "events-credentials-key").outputs["arn"]
    ca = recording.one(CA_CERT, "events-ca")
    for i, broker in enumerate(brokers_of(recording)):
        name = f"events-broker-{i + 1}"
        secret = recording.one(SECRET, f"{name}-tls")
        version = recording.one(SECRET_VERSION, f"{name}-tls")
        key = recording.one(TLS_KEY, f"{name}-tls-key")
        cert = recording.one(BROKER_CERT, f"{name}-tls-cert")
        assert secret.inputs["namePrefix"] == f"{name}-tls-", secret.urn
        assert secret.inputs["kmsKeyId"] == credentials_key, secret.urn
        assert version.inputs["secretId"] == secret.resource_id, version.urn
        # The value is a secret (masked), made of this broker's key and certificate and the CA.
        assert version.inputs["secretString"] == SECRET_MASK, version.urn
        assert sorted(version.property_dependencies["secretString"]) == sorted(
            [key.urn, cert.urn, ca.urn]), version.urn
        instance = broker["instance"]
        script = instance.inputs["userData"]
        assert f'TLS_SECRET_ARN="{secret.outputs["arn"]}"' in script, instance.urn
        assert ('aws secretsmanager get-secret-value --secret-id "$TLS_SECRET_ARN" '
                '--query SecretString') in script, instance.urn
        assert "PRIVATE KEY" not in script, f"{instance.urn}: a key in the user data"
        assert version.urn in instance.dependencies, instance.urn
        assert recording.one(ROLE_POLICY).urn in instance.dependencies, instance.urn
    assert broker_tls_secret_value("k", "c", "a") == {"key": "k", "certificate": "c", "ca": "a"}


def test_redpanda_certificates_are_signed_by_a_private_ca_for_the_broker_ips() -> None:
    recording = redpanda()
    ca_key = recording.one(TLS_KEY, "events-ca-key")
    ca = recording.one(CA_CERT, "events-ca")
    assert ca.inputs["isCaCertificate"] is True, ca.urn
    assert ca.inputs["allowedUses"] == ["cert_signing", "crl_signing"], ca.urn
    assert ca.inputs["validityPeriodHours"] == 87600, ca.urn
    assert ca.property_dependencies["privateKeyPem"] == [ca_key.urn], ca.urn
    for key in recording.of_type(TLS_KEY):
        assert (key.inputs["algorithm"], key.inputs["rsaBits"]) == ("RSA", 2048), key.urn
    for i, broker in enumerate(brokers_of(recording)):
        name = f"events-broker-{i + 1}"
        request = recording.one(CERT_REQUEST, f"{name}-tls-request")
        cert = recording.one(BROKER_CERT, f"{name}-tls-cert")
        # The SAN is the address the broker advertises and the clients dial.
        assert request.inputs["ipAddresses"] == [broker["eni"].outputs["privateIp"]], request.urn
        assert "dnsNames" not in request.inputs, request.urn
        assert request.property_dependencies["privateKeyPem"] == [
            recording.one(TLS_KEY, f"{name}-tls-key").urn], request.urn
        assert cert.property_dependencies["caPrivateKeyPem"] == [ca_key.urn], cert.urn
        assert cert.property_dependencies["caCertPem"] == [ca.urn], cert.urn
        assert cert.property_dependencies["certRequestPem"] == [request.urn], cert.urn
        assert cert.inputs["allowedUses"] == [
            "digital_signature", "key_encipherment", "server_auth"], cert.urn
        assert cert.inputs["validityPeriodHours"] == 43800, cert.urn
        assert "isCaCertificate" not in cert.inputs, cert.urn


def test_redpanda_clients_receive_the_ca_certificate() -> None:
    recording = redpanda()
    ca = recording.one(CA_CERT, "events-ca")
    pem = recording.exports["ca_certificate_pem"]
    assert pem == ca.outputs["certPem"], pem
    assert pem.startswith("-----BEGIN CERTIFICATE-----\n"), pem


@pytest.mark.parametrize(("kwargs", "mode", "tuner"), [
    ({}, "production", True),
    ({"redpanda_mode": RedpandaMode.DEVELOPMENT, "instance_type": "t3.small"},
     "development", False),
])
def test_redpanda_user_data_follows_the_mode(kwargs: dict[str, Any], mode: str,
                                             tuner: bool) -> None:
    recording = redpanda(**kwargs)
    for broker in brokers_of(recording):
        script = broker["instance"].inputs["userData"]
        assert f'REDPANDA_MODE="{mode}"' in script
        assert 'rpk redpanda mode "$REDPANDA_MODE"\n' in script
        assert ('if [ "$REDPANDA_MODE" = production ]; then\n'
                '  systemctl enable --now redpanda-tuner\nfi\n') in script


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"instance_type": "t3.small"},
     r"^Streaming: instance_type t3\.small has 2 GiB for 2 vCPUs \(1 GiB per vCPU\); Redpanda's "
     r"production mode needs at least 2 GiB per core \(https://docs\.redpanda\.com/current/"
     r"deploy/deployment-option/self-hosted/manual/sizing\): choose a larger type or "
     r"redpanda_mode development \(not in prod\)$"),
    ({"instance_type": "c5.large", "redpanda_mode": RedpandaMode.DEVELOPMENT},
     r"^Streaming: instance_type 'c5\.large' is not an instance type forge-infra runs Redpanda "
     r"on; allowed: t3\.small, t3\.medium, t3\.large, t3\.xlarge, t3\.2xlarge, t4g\.medium, "
     r"t4g\.large, t4g\.xlarge, t4g\.2xlarge, m6i\.large, m6i\.xlarge, m6i\.2xlarge, "
     r"m7i\.large, m7i\.xlarge, m7i\.2xlarge$"),
    ({"redpanda_mode": "turbo"},
     r"^Streaming: redpanda_mode 'turbo' is not one of \['production', 'development'\]$"),
    ({"sasl_username": "Admin User"},
     r"^Streaming: sasl_username must match \[a-z\]\[a-z0-9_-\]\{0,62\}, got 'Admin User'$"),
])
def test_redpanda_rejects_sizes_below_its_mode(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        redpanda(**kwargs)


def test_redpanda_has_one_boot_alarm_per_broker_on_a_missing_heartbeat() -> None:
    topic = "arn:aws:sns:us-east-1:123456789012:oncall"
    recording = redpanda(alarm_actions=[topic])
    alarms = {a.name: a for a in recording.of_type(ALARM)}
    assert sorted(alarms) == ["events-broker-1-boot", "events-broker-2-boot",
                              "events-broker-3-boot"]
    for i, broker in enumerate(brokers_of(recording)):
        alarm = alarms[f"events-broker-{i + 1}-boot"]
        expected = {
            "namespace": "Forge/Redpanda", "metricName": "BrokerReady",
            "dimensions": {"Broker": f"events-broker-{i + 1}"}, "statistic": "Minimum",
            "period": 300, "evaluationPeriods": 3, "datapointsToAlarm": 3, "threshold": 1,
            "comparisonOperator": "LessThanThreshold", "treatMissingData": "breaching",
            "alarmActions": [topic], "okActions": [topic]}
        assert {k: alarm.inputs.get(k) for k in expected} == expected, alarm.urn
        # The script publishes under the same namespace, metric and dimension.
        script = broker["instance"].inputs["userData"]
        assert f'BROKER_NAME="events-broker-{i + 1}"' in script
        assert 'METRIC_NAMESPACE="Forge/Redpanda"' in script
        assert 'METRIC_NAME="BrokerReady"' in script
        assert "trap 'report_failure $LINENO' ERR" in script
        assert "systemctl enable --now redpanda-heartbeat.timer" in script
        assert '--dimensions "Broker=${BROKER_NAME}" --value \"\\$value\"' in script


def test_msk_declares_no_boot_alarm() -> None:
    assert build().of_type(ALARM) == []
