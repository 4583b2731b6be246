"""`--diff` as `pulumi preview --diff` shows it: create, update, replace (from the provider's
replace-on-change flags), delete; values in full; JSON-string inputs key by key."""

from __future__ import annotations

import copy
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from forge_infra.plan.diff import diff_plans, forces_replacement, render_diff, replace_on_change
from forge_infra.plan.model import Plan, PlanResource, ResourceOptions
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import extract_force_new

PREFIX = "urn:pulumi:dev::forge-infra::"
DB = PREFIX + "forge-aws:index:Database$aws:rds/instance:Instance::forge-dev-db-primary"
NODES = PREFIX + "forge-aws:index:EksCompute$aws:eks/nodeGroup:NodeGroup::forge-dev-eks-nodes"
ROLE = PREFIX + "forge-aws:index:EcsCompute$aws:iam/role:Role::forge-dev-api-task"
HOST = PREFIX + "forge-aws:index:Streaming$aws:ec2/instance:Instance::forge-dev-broker-1"


def resource(urn: str, props: dict[str, Any], **opts: Any) -> PlanResource:
    return PlanResource(urn=urn, type=urn.split("$")[-1].split("::")[0],
                        name=urn.rsplit("::", 1)[1], custom=True, component=None, parent=None,
                        dependencies=[], property_dependencies={}, props=props,
                        opts=ResourceOptions(**opts), outputs={})


POLICY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
     "Action": "sts:AssumeRole"}]}


def base_plan() -> Plan:
    return Plan(project="forge-infra", stack="dev", cloud="aws", platform="eks", resources=[
        resource(DB, {"engine": "postgres", "instanceClass": "db.t4g.micro",
                      "storageEncrypted": True}),
        resource(NODES, {"instanceTypes": ["t3.large"], "subnetIds": ["subnet-a", "subnet-b"],
                         "scalingConfig": {"minSize": 2, "maxSize": 4, "desiredSize": 2}}),
        resource(ROLE, {"assumeRolePolicy": json.dumps(POLICY)}),
        resource(HOST, {"instanceType": "t3.small", "userData": "#!/bin/sh\necho one\n"}),
    ], outputs={})


def changed(**edits: Any) -> Plan:
    plan = copy.deepcopy(base_plan())
    by_urn = plan.by_urn()
    for urn, change in edits.items():
        change(by_urn[{"db": DB, "nodes": NODES, "role": ROLE, "host": HOST}[urn]])
    return plan


def render(old: Plan, new: Plan) -> str:
    out = io.StringIO()
    render_diff(diff_plans(old, new), out, color=False)
    return out.getvalue()


# (case, edit, action, the properties forcing replacement)
CASES = [
    ("instance-class-updates", {"db": lambda r: r.props.update(instanceClass="db.t4g.small")},
     "update", ()),
    ("engine-replaces", {"db": lambda r: r.props.update(engine="mysql")}, "replace",
     ("engine",)),
    ("encryption-replaces", {"db": lambda r: r.props.update(storageEncrypted=False)},
     "replace", ("storageEncrypted",)),
    ("node-subnets-replace", {"nodes": lambda r: r.props["subnetIds"].append("subnet-c")},
     "replace", ("subnetIds[2]",)),
    ("node-scaling-updates", {"nodes": lambda r: r.props["scalingConfig"].update(maxSize=9)},
     "update", ()),
    ("own-replace-on-changes", {"host": lambda r: (r.props.update(instanceType="t3.medium"),
                                                   r.opts.replace_on_changes.append(
                                                       "instanceType"))},
     "replace", ("instanceType",)),
    ("star-replace-on-changes", {"host": lambda r: (r.props.update(userData="x"),
                                                    r.opts.replace_on_changes.append("*"))},
     "replace", ("userData",)),
]


@pytest.mark.parametrize(("edits", "action", "because"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_update_or_replace_comes_from_the_providers_flags(
        edits: dict[str, Any], action: str, because: tuple[str, ...]) -> None:
    diff = diff_plans(base_plan(), changed(**edits))
    assert [c.action for c in diff.changed] == [action]
    assert diff.changed[0].replace_because == because


def test_the_rendering_marks_each_action_like_pulumi_preview() -> None:
    new = changed(db=lambda r: r.props.update(engine="mysql"),
                  nodes=lambda r: r.props["scalingConfig"].update(maxSize=9))
    new.resources = [r for r in new.resources if r.urn != HOST]
    new.resources.append(resource(HOST.replace("broker-1", "broker-2"), {}))
    text = render(base_plan(), new)
    assert f"+ {HOST.replace('broker-1', 'broker-2')}  (create)" in text
    assert f"-/+ {DB}  (replace: engine forces replacement)" in text
    assert "    ~ engine  # forces replacement\n        \"postgres\" => \"mysql\"" in text
    assert f"~ {NODES}  (update)" in text and "    ~ scalingConfig.maxSize\n        4 => 9" \
        in text
    assert f"- {HOST}  (delete)" in text
    assert text.rstrip().endswith("Diff: 1 to create, 1 to update, 1 to replace, 1 to delete, "
                                  "0 outputs changed.")


def test_json_string_inputs_are_compared_key_by_key() -> None:
    def widen(r: PlanResource) -> None:
        policy = copy.deepcopy(POLICY)
        policy["Statement"][0]["Action"] = ["sts:AssumeRole", "sts:TagSession"]
        r.props["assumeRolePolicy"] = json.dumps(policy)

    diff = diff_plans(base_plan(), changed(role=widen))
    assert [(c.path, c.old, c.new) for c in diff.changed[0].changes] == [
        ("assumeRolePolicy.Statement[0].Action", "sts:AssumeRole", None),
        ("assumeRolePolicy.Statement[0].Action[0]", None, "sts:AssumeRole"),
        ("assumeRolePolicy.Statement[0].Action[1]", None, "sts:TagSession")]


def test_a_container_image_in_the_task_definitions_json_replaces_the_task_definition() -> None:
    urn = PREFIX + "forge-aws:index:EcsCompute$aws:ecs/taskDefinition:TaskDefinition::api"
    containers = [{"name": "api", "image": "ghcr.io/forge/api:1.0.0", "cpu": 256}]
    old = Plan(project="forge-infra", stack="dev", cloud="aws", platform="ecs", outputs={},
               resources=[resource(urn, {"containerDefinitions": json.dumps(containers),
                                         "cpu": "256"})])
    new = copy.deepcopy(old)
    containers[0]["image"] = "ghcr.io/forge/api:1.1.0"
    new.resources[0].props["containerDefinitions"] = json.dumps(containers)
    change = diff_plans(old, new).changed[0]
    assert change.action == "replace"
    assert change.replace_because == ("containerDefinitions[0].image",)
    assert f"-/+ {urn}  (replace: containerDefinitions[0].image forces replacement)" in \
        render(old, new)


def test_long_values_are_shown_in_full_and_text_as_a_line_diff() -> None:
    long_old, long_new = "a" * 300, "a" * 299 + "b"
    new = changed(db=lambda r: r.props.update(instanceClass=long_new),
                  host=lambda r: r.props.update(userData="#!/bin/sh\necho two\n"))
    old = changed(db=lambda r: r.props.update(instanceClass=long_old))
    text = render(old, new)
    assert f'"{long_old}" => "{long_new}"' in text
    assert "-echo one" in text and "+echo two" in text and "#!/bin/sh" in text


def test_forces_replacement_matches_blocks_and_indexes() -> None:
    assert forces_replacement("aws:rds/instance:Instance", "s3Import.bucketName")
    assert not forces_replacement("aws:rds/instance:Instance", "instanceClass")
    assert forces_replacement("aws:eks/nodeGroup:NodeGroup", "launchTemplate.id")
    assert not forces_replacement("aws:eks/nodeGroup:NodeGroup", "launchTemplate.version")
    assert forces_replacement("aws:eks/nodeGroup:NodeGroup", "instanceTypes[0]")
    assert not forces_replacement("aws:rds/instance:Instance", "(protect)", ("*",))


MSK = "aws:msk/cluster:Cluster"
BROKERS = {"instanceType": "kafka.m7g.large", "clientSubnets": ["subnet-a", "subnet-b"]}


@pytest.mark.parametrize(("path", "old", "new", "replaces"), [
    ("brokerNodeGroupInfo.instanceType", {"brokerNodeGroupInfo": BROKERS},
     {"brokerNodeGroupInfo": {**BROKERS, "instanceType": "kafka.m7g.xlarge"}}, False),
    ("brokerNodeGroupInfo.clientSubnets[1]", {"brokerNodeGroupInfo": BROKERS},
     {"brokerNodeGroupInfo": {**BROKERS, "clientSubnets": ["subnet-a", "subnet-c"]}}, True),
    ("encryptionInfo.encryptionInTransit.clientBroker", {}, {"encryptionInfo": {
        "encryptionInTransit": {"clientBroker": "TLS"}}}, True),
    ("encryptionInfo.encryptionInTransit.clientBroker",
     {"encryptionInfo": {"encryptionInTransit": {"clientBroker": "TLS_PLAINTEXT"}}},
     {"encryptionInfo": {"encryptionInTransit": {"clientBroker": "TLS"}}}, False),
], ids=["size-in-a-flagged-block-updates", "flagged-attribute-replaces", "block-added-replaces",
        "unflagged-attribute-in-a-flagged-block-updates"])
def test_a_flagged_block_replaces_only_when_added_or_removed(
        path: str, old: dict[str, Any], new: dict[str, Any], replaces: bool) -> None:
    """As the Terraform SDK applies ForceNew on a block: to the block's count, while each
    attribute inside replaces through its own flag."""
    assert forces_replacement(MSK, path, (), old, new) is replaces


def test_the_data_file_names_its_source_and_covers_the_sized_stateful_types() -> None:
    data = json.loads((ROOT / "src/forge_infra/plan/replace_on_change.json").read_text())
    assert "terraform-provider-aws" in data["source"]
    assert "extract_force_new.py" in data["source"]
    for token, entry in data["types"].items():
        assert len(entry["commit"]) == 40 and entry["file"].endswith(".go"), token
        assert entry["properties"] == sorted(entry["properties"]) and entry["properties"]
        assert entry["blocks"] == sorted(entry["blocks"])
        assert token in extract_force_new.RESOURCES
    assert {"aws:rds/instance:Instance", "aws:elasticache/replicationGroup:ReplicationGroup",
            "aws:eks/nodeGroup:NodeGroup", MSK, "aws:ecs/taskDefinition:TaskDefinition",
            SUBNET, VPC, SECURITY_GROUP, INGRESS_RULE, EGRESS_RULE, VOLUME, KEY, SECRET,
            "aws:iam/role:Role", "aws:rds/subnetGroup:SubnetGroup",
            "aws:elasticache/subnetGroup:SubnetGroup", NAT, "aws:ec2/eip:Eip",
            "aws:cloudwatch/logGroup:LogGroup", "aws:route53/record:Record", EKS, TG, LB,
            INSTANCE, BUCKET, SERVICE, FUNCTION, WEB_ACL, CERTIFICATE, DISTRIBUTION} <= \
        set(replace_on_change())


def stack_aws_types() -> set[str]:
    """Every AWS resource type the stacks' plans hold (their URN snapshots)."""
    types = set()
    for snapshot in (ROOT / "tests/plan/snapshots").glob("*.urns.txt"):
        for urn in snapshot.read_text().split():
            token = urn.split("::")[-2].rsplit("$", 1)[-1]
            if token.startswith("aws:"):
                types.add(token)
    return types


def test_every_aws_type_of_the_stacks_is_covered_or_listed_with_a_reason() -> None:
    data = json.loads((ROOT / "src/forge_infra/plan/replace_on_change.json").read_text())
    covered, listed = set(data["types"]), set(data["not_extracted"])
    stacks = stack_aws_types()
    assert len(stacks) > 60, sorted(stacks)
    assert not covered & listed, sorted(covered & listed)
    assert not stacks - covered - listed, ("extract these or list them in "
                                           "extract_force_new.NOT_EXTRACTED with a reason",
                                           sorted(stacks - covered - listed))
    assert not listed - stacks, ("listed but no stack creates them", sorted(listed - stacks))
    assert all(reason.startswith("not extracted yet; ") and len(reason) > 40
               for reason in data["not_extracted"].values())
    assert data["not_extracted"] == dict(sorted(extract_force_new.NOT_EXTRACTED.items()))


@pytest.mark.parametrize(("token", "path", "replaces"), [
    # Terraform's names, as Pulumi spells them: pluralised blocks, renamed fields.
    ("aws:ec2/instance:Instance", "ebsBlockDevices[0].volumeSize", True),
    ("aws:ec2/instance:Instance", "subnetId", True),
    ("aws:ec2/instance:Instance", "instanceType", False),
    ("aws:ec2/instance:Instance", "rootBlockDevice.volumeSize", False),
    ("aws:ecs/taskDefinition:TaskDefinition", "volumes[0].name", True),
    ("aws:lambda/function:Function", "name", True),
    ("aws:lambda/function:Function", "memorySize", False),
    ("aws:acm/certificate:Certificate", "validationOptions[0].domainName", True),
    ("aws:ecs/service:Service", "desiredCount", False),
    ("aws:ecs/service:Service", "launchType", True),
    ("aws:s3/bucket:Bucket", "bucket", True),
    ("aws:wafv2/webAcl:WebAcl", "scope", True),
    ("aws:wafv2/webAcl:WebAcl", "rules", False),
    ("aws:cloudfront/distribution:Distribution", "aliases", False),
    ("aws:ec2/networkInterface:NetworkInterface", "subnetId", True),
    ("aws:ec2/networkInterface:NetworkInterface", "securityGroups", False),
    ("aws:rds/parameterGroup:ParameterGroup", "family", True),
    ("aws:rds/parameterGroup:ParameterGroup", "parameters[0].value", False),
    ("aws:secretsmanager/secretVersion:SecretVersion", "secretString", True),
    ("aws:kms/alias:Alias", "name", True),
    ("aws:kms/alias:Alias", "targetKeyId", False),
])
def test_flags_use_the_sdk_names(token: str, path: str, replaces: bool) -> None:
    assert forces_replacement(token, path) is replaces


def test_every_flagged_path_is_an_argument_of_the_sdk() -> None:
    """A flag on a name the SDK does not have can never match a plan's property."""
    for token, entry in replace_on_change().items():
        arguments = extract_force_new.sdk_arguments(token)
        assert arguments is not None
        tops = {p.split(".")[0] for p in entry.properties | entry.blocks}
        assert {extract_force_new.camel(a) for a in arguments} >= tops, token


INSTANCE = "aws:ec2/instance:Instance"
BUCKET = "aws:s3/bucket:Bucket"
SERVICE = "aws:ecs/service:Service"
FUNCTION = "aws:lambda/function:Function"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
CERTIFICATE = "aws:acm/certificate:Certificate"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"


SUBNET = "aws:ec2/subnet:Subnet"
VPC = "aws:ec2/vpc:Vpc"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
VOLUME = "aws:ebs/volume:Volume"
KEY = "aws:kms/key:Key"
SECRET = "aws:secretsmanager/secret:Secret"
NAT = "aws:ec2/natGateway:NatGateway"
EKS = "aws:eks/cluster:Cluster"
TG = "aws:lb/targetGroup:TargetGroup"
LB = "aws:lb/loadBalancer:LoadBalancer"


@pytest.mark.parametrize(("token", "path", "replaces"), [
    (SUBNET, "cidrBlock", True), (SUBNET, "vpcId", True), (SUBNET, "availabilityZone", True),
    (SUBNET, "tags", False), (SUBNET, "tags.Name", False), (SUBNET, "mapPublicIpOnLaunch", False),
    (VPC, "cidrBlock", True), (VPC, "enableDnsHostnames", False), (VPC, "tags", False),
    (SECURITY_GROUP, "vpcId", True), (SECURITY_GROUP, "name", True),
    (SECURITY_GROUP, "description", True), (SECURITY_GROUP, "tags", False),
    (SECURITY_GROUP, "ingress[0].cidrBlocks[0]", False),
    (INGRESS_RULE, "securityGroupId", True), (INGRESS_RULE, "cidrIpv4", False),
    (INGRESS_RULE, "fromPort", False), (EGRESS_RULE, "securityGroupId", True),
    (EGRESS_RULE, "description", False),
])
def test_network_types_replace_as_the_provider_flags_them(
        token: str, path: str, replaces: bool) -> None:
    """The provider's flags for the VPC, subnet, security group and its rules (a subnet moved
    to another CIDR or VPC is a new subnet; its tags are updated in place)."""
    assert forces_replacement(token, path) is replaces


@pytest.mark.parametrize(("token", "path", "replaces"), [
    (VOLUME, "availabilityZone", True), (VOLUME, "encrypted", True), (VOLUME, "kmsKeyId", True),
    (VOLUME, "snapshotId", True), (VOLUME, "size", False), (VOLUME, "type", False),
    (VOLUME, "iops", False),
    (KEY, "keyUsage", True), (KEY, "customerMasterKeySpec", True), (KEY, "multiRegion", True),
    (KEY, "description", False), (KEY, "enableKeyRotation", False), (KEY, "policy", False),
    (SECRET, "name", True), (SECRET, "kmsKeyId", False), (SECRET, "description", False),
    ("aws:iam/role:Role", "name", True), ("aws:iam/role:Role", "path", True),
    ("aws:iam/role:Role", "assumeRolePolicy", False),
    ("aws:iam/role:Role", "assumeRolePolicy.Statement[0].Action", False),
    ("aws:iam/role:Role", "maxSessionDuration", False),
])
def test_storage_key_secret_and_role_replace_as_the_provider_flags_them(
        token: str, path: str, replaces: bool) -> None:
    """An EBS volume moved to another zone or key is a new volume, resized it is modified in
    place; a role renamed is a new role, its trust policy is updated."""
    assert forces_replacement(token, path) is replaces


@pytest.mark.parametrize(("token", "path", "replaces"), [
    ("aws:rds/subnetGroup:SubnetGroup", "name", True),
    ("aws:rds/subnetGroup:SubnetGroup", "subnetIds", False),
    ("aws:rds/subnetGroup:SubnetGroup", "subnetIds[1]", False),
    ("aws:rds/subnetGroup:SubnetGroup", "description", False),
    ("aws:elasticache/subnetGroup:SubnetGroup", "name", True),
    ("aws:elasticache/subnetGroup:SubnetGroup", "subnetIds", False),
    (NAT, "subnetId", True), (NAT, "allocationId", True), (NAT, "connectivityType", True),
    (NAT, "tags", False), (NAT, "secondaryAllocationIds", False),
    ("aws:ec2/eip:Eip", "domain", True), ("aws:ec2/eip:Eip", "publicIpv4Pool", True),
    ("aws:ec2/eip:Eip", "instance", False), ("aws:ec2/eip:Eip", "tags", False),
    ("aws:cloudwatch/logGroup:LogGroup", "name", True),
    ("aws:cloudwatch/logGroup:LogGroup", "logGroupClass", True),
    ("aws:cloudwatch/logGroup:LogGroup", "retentionInDays", False),
    ("aws:cloudwatch/logGroup:LogGroup", "kmsKeyId", False),
    ("aws:route53/record:Record", "name", True), ("aws:route53/record:Record", "zoneId", True),
    ("aws:route53/record:Record", "records", False), ("aws:route53/record:Record", "ttl", False),
    ("aws:route53/record:Record", "type", False),
    ("aws:route53/record:Record", "alias[0].name", False),
    (EKS, "name", True), (EKS, "roleArn", True),
    (EKS, "kubernetesNetworkConfig.serviceIpv4Cidr", True),
    (EKS, "version", False), (EKS, "vpcConfig.subnetIds", False),
    (EKS, "vpcConfig.endpointPublicAccess", False), (EKS, "enabledClusterLogTypes", False),
    (TG, "port", True), (TG, "protocol", True), (TG, "vpcId", True), (TG, "targetType", True),
    (TG, "name", True), (TG, "healthCheck.path", False), (TG, "healthCheck[0].matcher", False),
    (TG, "deregistrationDelay", False), (TG, "stickiness", False),
    (LB, "internal", True), (LB, "loadBalancerType", True), (LB, "name", True),
    (LB, "subnets", False), (LB, "securityGroups", False), (LB, "idleTimeout", False),
    (LB, "accessLogs.bucket", False),
])
def test_subnet_groups_nat_eip_and_log_group_replace_as_the_provider_flags_them(
        token: str, path: str, replaces: bool) -> None:
    """A subnet group's subnets change in place, its name does not; a NAT gateway moved to
    another subnet or EIP is a new gateway."""
    assert forces_replacement(token, path) is replaces


# -- the extraction script ----------------------------------------------------------------------

SDK_V2 = """
func resourceThing() *schema.Resource {
	return &schema.Resource{
		Schema: map[string]*schema.Schema{
			names.AttrKMSKeyID: {
				Type:     schema.TypeString,
				ForceNew: true,
			},
			"size": {
				Type: schema.TypeInt,
			},
			"vpc_config": {
				ForceNew: true,
				Elem: &schema.Resource{
					Schema: map[string]*schema.Schema{
						names.AttrSubnetIDs: {
							ForceNew: true,
							Elem:     &schema.Schema{Type: schema.TypeString},
						},
						"endpoint_public_access": {
							Optional: true,
						},
					},
				},
			},
			"tags": tftags.TagsSchema(),
		},
	}
}
"""

FRAMEWORK = """
	s := schema.Schema{
		Attributes: map[string]schema.Attribute{
			names.AttrName: schema.StringAttribute{
				PlanModifiers: []planmodifier.String{
					stringplanmodifier.RequiresReplace(),
				},
			},
			"description": schema.StringAttribute{
				Optional: true,
			},
		},
	}
"""


SCHEMA_FUNC = """
func resourceSubnet() *schema.Resource {
	return &schema.Resource{
		SchemaFunc: func() map[string]*schema.Schema {
			return map[string]*schema.Schema{
				names.AttrCIDRBlock: {
					Type:     schema.TypeString,
					ForceNew: true,
				},
				"map_public_ip_on_launch": {
					Type: schema.TypeBool,
				},
				names.AttrTags: tftags.TagsSchema(),
			}
		},
	}
}
"""


def test_the_script_reads_a_schema_func() -> None:
    """SDKv2 resources that build their schema in `SchemaFunc` (aws_subnet)."""
    flags = extract_force_new.force_new_flags(SCHEMA_FUNC, {})
    assert (flags.attributes, flags.blocks) == (["cidr_block"], [])


def test_the_script_reads_sdk_v2_and_framework_schemas() -> None:
    flags = extract_force_new.force_new_flags(SDK_V2, {})
    assert flags.attributes == ["kms_key_id", "vpc_config.subnet_ids"]
    assert flags.blocks == ["vpc_config"]
    framework = extract_force_new.force_new_flags(FRAMEWORK, {"AttrName": "name"})
    assert (framework.attributes, framework.blocks) == (["name"], [])
    assert extract_force_new.pulumi_path("vpc_config.subnet_ids") == "vpcConfig.subnetIds"


@pytest.mark.parametrize(("constant", "snake"), [
    ("AttrKMSKeyID", "kms_key_id"), ("AttrSubnetIDs", "subnet_ids"), ("AttrARN", "arn"),
    ("AttrClusterName", "cluster_name"), ("AttrSecurityGroupIDs", "security_group_ids"),
    ("AttrVPCID", "vpc_id"), ("AttrCIDRBlock", "cidr_block"), ("AttrOwnerID", "owner_id"),
])
def test_names_constants_are_spelled_in_snake_case(constant: str, snake: str) -> None:
    assert extract_force_new.snake_from_constant(constant) == snake


def test_the_script_writes_the_data_file(tmp_path: Path) -> None:
    source = tmp_path / "src"
    file = source / extract_force_new.RESOURCES["aws:rds/instance:Instance"][1]
    file.parent.mkdir(parents=True)
    file.write_text(SDK_V2)
    output = tmp_path / "out.json"
    assert extract_force_new.main(["--source", str(source), "--ref", "0" * 40, "--only",
                                   "aws:rds/instance:Instance", "--output", str(output)]) == 0
    entry = json.loads(output.read_text())["types"]["aws:rds/instance:Instance"]
    # The fixture's vpc_config is no argument of the SDK's rds.Instance: kept aside, named.
    assert entry == {"terraform": "aws_db_instance", "file": "internal/service/rds/instance.go",
                     "commit": "0" * 40, "properties": ["kmsKeyId"], "blocks": [],
                     "not_in_sdk": ["vpcConfig", "vpcConfig.subnetIds"]}


def test_names_resolve_to_the_sdk_arguments() -> None:
    arguments = frozenset({"name", "ebs_block_devices", "subnet_id"})
    assert extract_force_new.sdk_path(FUNCTION, "functionName", arguments) == "name"
    assert extract_force_new.sdk_path(INSTANCE, "ebsBlockDevice.volumeSize", arguments) == \
        "ebsBlockDevices.volumeSize"
    assert extract_force_new.sdk_path(INSTANCE, "ebsBlockDevices.volumeSize", arguments) == \
        "ebsBlockDevices.volumeSize"
    assert extract_force_new.sdk_path(INSTANCE, "subnetId", arguments) == "subnetId"
    assert extract_force_new.sdk_path(INSTANCE, "cpuCoreCount", arguments) is None
    assert extract_force_new.sdk_path(INSTANCE, "cpuCoreCount", None) == "cpuCoreCount"


def test_only_keeps_the_other_types_of_the_data_file(tmp_path: Path) -> None:
    """`--only` re-extracts the types named and leaves every other entry as it was read."""
    source = tmp_path / "src"
    file = source / extract_force_new.RESOURCES[SUBNET][1]
    file.parent.mkdir(parents=True)
    file.write_text(SCHEMA_FUNC)
    output = tmp_path / "out.json"
    kept = {"terraform": "aws_db_instance", "file": "internal/service/rds/instance.go",
            "commit": "1" * 40, "properties": ["kmsKeyId"], "blocks": []}
    output.write_text(json.dumps({"types": {"aws:rds/instance:Instance": kept}}))
    assert extract_force_new.main(["--source", str(source), "--ref", "0" * 40, "--only", SUBNET,
                                   "--output", str(output)]) == 0
    types = json.loads(output.read_text())["types"]
    assert types["aws:rds/instance:Instance"] == kept
    assert types[SUBNET]["properties"] == ["cidrBlock"]
    assert list(types) == sorted(types)


def test_a_change_to_a_type_outside_the_replace_data_says_replacement_is_not_known() -> None:
    """An uncovered type's input change is not silently called an update in place."""
    table = PREFIX + "forge-aws:index:Networking$aws:ec2/routeTable:RouteTable::forge-dev-rt"
    assert "aws:ec2/routeTable:RouteTable" not in replace_on_change()
    old = base_plan()
    old.resources.append(resource(table, {"vpcId": "vpc-1"}))
    new = copy.deepcopy(old)
    next(r for r in new.resources if r.urn == table).props["vpcId"] = "vpc-2"
    assert (f"~ {table}  (update, or replace: aws:ec2/routeTable:RouteTable is not in the "
            "replace-on-change data; pulumi preview tells)") in render(old, new)
    # A covered type says update plainly.
    nodes = changed(nodes=lambda r: r.props["scalingConfig"].update(maxSize=9))
    assert f"~ {NODES}  (update)\n" in render(base_plan(), nodes)
