"""Tests of the AWS EksCompute component, run under the shared offline mocks.

What these tests do not prove: that EKS accepts the layout (versions, add-on compatibility,
quotas), that nodes join the cluster or that IRSA tokens are exchanged; only that the program
asks AWS for what it should, with the security-relevant settings exact.
"""

import datetime
import json
from typing import Any

import pulumi
import pytest

from forge_components.aws import versions
from forge_components.aws.compute_eks import (
    CLUSTER_ADMIN_POLICY,
    COMPONENT,
    EksCompute,
    EksComputeArgs,
    ServiceAccountRole,
)
from forge_infra.plan.recorder import SECRET_MASK, RecordedResource, Recording
from tests.components.aws.conftest import (
    APP_SG,
    EXPORTS_BUCKET_ARN,
    PRIVATE_SUBNETS,
    VPC_ID,
    assert_component_schema,
)
from tests.helpers import assert_all_tagged, run_mocked

NAME = "forge-test"
ADMIN_ROLE = "arn:aws:iam::123456789012:role/platform-admins"

CLUSTER = "aws:eks/cluster:Cluster"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
ADDON = "aws:eks/addon:Addon"
ROLE = "aws:iam/role:Role"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
KEY = "aws:kms/key:Key"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
OIDC = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
ACCESS_ENTRY = "aws:eks/accessEntry:AccessEntry"
ASSOCIATION = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"
K8S_PROVIDER = "pulumi:providers:kubernetes"


def make_args(worker_statements: list[dict[str, Any]], **overrides: Any) -> EksComputeArgs:
    base = EksComputeArgs(
        vpc_id=VPC_ID, private_subnet_ids=PRIVATE_SUBNETS, app_security_group_id=APP_SG,
        admin_role_arns=[ADMIN_ROLE],
        service_account_roles={"worker": ServiceAccountRole(
            namespace="forge", service_account="forge-worker",
            policy_statements=worker_statements)})
    return EksComputeArgs(**{**base, **overrides})  # type: ignore[typeddict-item]


def build(args: EksComputeArgs) -> tuple[Recording, dict[str, Any]]:
    """Run the component; also capture the kubeconfig's plain value and the outputs."""
    captured: dict[str, Any] = {}

    def program() -> None:
        eks = EksCompute(NAME, args)
        eks.kubeconfig.apply(lambda value: captured.__setitem__("kubeconfig", value))
        pulumi.export("cluster_name", eks.cluster_name)
        pulumi.export("cluster_endpoint", eks.cluster_endpoint)
        pulumi.export("cluster_security_group_id", eks.cluster_security_group_id)
        pulumi.export("oidc_provider_arn", eks.oidc_provider_arn)
        pulumi.export("oidc_issuer_url", eks.oidc_issuer_url)
        pulumi.export("node_role_arn", eks.node_role_arn)
        pulumi.export("service_account_role_arns", eks.service_account_role_arns)
        pulumi.export("kubeconfig", eks.kubeconfig)
        pulumi.export("region", eks.region)
        captured["provider_is_k8s"] = type(eks._k8s_provider).__module__

    return run_mocked(program), captured


@pytest.fixture
def default_run(worker_statements) -> tuple[Recording, dict[str, Any]]:
    return build(make_args(worker_statements))


def role_by_name(recording: Recording, name: str) -> RecordedResource:
    return recording.one(ROLE, f"{NAME}-{name}")


def attached_policies(recording: Recording, role: RecordedResource) -> set[str]:
    return {a.inputs["policyArn"] for a in recording.of_type(ATTACHMENT)
            if a.inputs.get("role") == role.resource_id}


def trust(role: RecordedResource) -> dict[str, Any]:
    return json.loads(role.inputs["assumeRolePolicy"])


# -- inventory -------------------------------------------------------------------------------------


def test_inventory_is_exact_and_every_child_is_parented(default_run):
    recording, _ = default_run
    component = recording.one(COMPONENT, NAME)
    snapshot = sorted((r.type, r.name) for r in recording.resources if r is not component)
    assert snapshot == sorted([
        (ROLE, f"{NAME}-cluster-role"), (ROLE, f"{NAME}-node-role"),
        (ROLE, f"{NAME}-vpc-cni-role"), (ROLE, f"{NAME}-ebs-csi-role"),
        (ROLE, f"{NAME}-sa-worker"),
        (ATTACHMENT, f"{NAME}-cluster-policy"), (ATTACHMENT, f"{NAME}-vpc-cni-policy"),
        (ATTACHMENT, f"{NAME}-node-worker-policy"), (ATTACHMENT, f"{NAME}-node-ecr-pull"),
        (ATTACHMENT, f"{NAME}-node-ssm"), (ATTACHMENT, f"{NAME}-ebs-csi-policy"),
        (ROLE_POLICY, f"{NAME}-sa-worker-policy"), (ROLE_POLICY, f"{NAME}-cluster-kms"),
        (LOG_GROUP, f"{NAME}-cluster-logs"), (KEY, f"{NAME}-secrets-key"),
        (CLUSTER, f"{NAME}-cluster"), (OIDC, f"{NAME}-oidc"),
        (TEMPLATE, f"{NAME}-node-template"), (NODE_GROUP, f"{NAME}-nodes"),
        (ADDON, f"{NAME}-addon-vpc-cni"), (ADDON, f"{NAME}-addon-kube-proxy"),
        (ADDON, f"{NAME}-addon-coredns"), (ADDON, f"{NAME}-addon-aws-ebs-csi-driver"),
        (ACCESS_ENTRY, f"{NAME}-admin-1"), (ASSOCIATION, f"{NAME}-admin-1-policy"),
        (K8S_PROVIDER, f"{NAME}-k8s"),
    ])
    for resource in recording.resources:
        if resource is not component:
            assert resource.parent == component.urn, f"{resource.urn} parent {resource.parent}"
            assert not resource.protect, f"{resource.urn} is protected"


def test_every_taggable_child_is_tagged(default_run):
    recording, _ = default_run
    checked = assert_all_tagged(recording, COMPONENT)
    assert len(checked) == 16, [r.urn for r in checked]
    template = recording.one(TEMPLATE)
    for spec in template.inputs["tagSpecifications"]:
        assert spec["tags"] == {"Name": f"{NAME}-node", "component": COMPONENT}, template.urn


# -- network placement and endpoint ----------------------------------------------------------------


def test_private_endpoint_and_private_subnets_by_default(default_run):
    recording, _ = default_run
    cluster = recording.one(CLUSTER)
    assert cluster.inputs["vpcConfig"] == {
        "subnetIds": PRIVATE_SUBNETS, "endpointPrivateAccess": True,
        "endpointPublicAccess": False}, cluster.urn
    node_group = recording.one(NODE_GROUP)
    assert node_group.inputs["subnetIds"] == PRIVATE_SUBNETS, node_group.urn


def test_the_default_kubernetes_version_is_in_standard_support(default_run):
    recording, _ = default_run
    cluster = recording.one(CLUSTER)
    assert cluster.inputs["version"] == "1.36", cluster.urn
    # 1.36's standard support runs to 2027-08-02 (versions.yaml).
    entry = versions.check("eks", cluster.inputs["version"], datetime.date(2026, 12, 2))
    assert entry.status is versions.SupportStatus.STANDARD, cluster.urn


def test_deletion_protection_is_off_by_default(default_run):
    recording, _ = default_run
    cluster = recording.one(CLUSTER)
    assert cluster.inputs["deletionProtection"] is False, cluster.urn


def test_deletion_protection_reaches_the_cluster_when_asked(worker_statements):
    recording, _ = build(make_args(worker_statements, deletion_protection=True))
    cluster = recording.one(CLUSTER)
    assert cluster.inputs["deletionProtection"] is True, cluster.urn


@pytest.mark.parametrize("protected", [True, False])
def test_the_secrets_key_is_protected_with_the_cluster(worker_statements, protected):
    recording, _ = build(make_args(worker_statements, deletion_protection=protected))
    key = recording.one("aws:kms/key:Key")
    assert key.protect is protected, key.urn


def test_public_endpoint_only_for_listed_cidrs(worker_statements):
    recording, _ = build(make_args(worker_statements, endpoint_public_access=True,
                                   public_access_cidrs=["203.0.113.0/24"]))
    cluster = recording.one(CLUSTER)
    assert cluster.inputs["vpcConfig"]["endpointPublicAccess"] is True, cluster.urn
    assert cluster.inputs["vpcConfig"]["endpointPrivateAccess"] is True, cluster.urn
    assert cluster.inputs["vpcConfig"]["publicAccessCidrs"] == ["203.0.113.0/24"], cluster.urn


@pytest.mark.parametrize(("overrides", "message"), [
    ({"endpoint_public_access": True},
     "EksComputeArgs: endpoint_public_access is True but public_access_cidrs is empty; list "
     "the CIDRs allowed to reach the public endpoint"),
    ({"public_access_cidrs": ["203.0.113.0/24"]},
     "EksComputeArgs: public_access_cidrs is set but endpoint_public_access is False; set both "
     "or neither"),
    ({"node_min": 4, "node_desired": 3},
     "EksComputeArgs: node_min, node_desired and node_max must satisfy 1 <= node_min <= "
     "node_desired <= node_max, got 4, 3, 6"),
    ({"enabled_log_types": ["api", "everything"]},
     "EksComputeArgs: unknown enabled_log_types ['everything']"),
])
def test_invalid_args_are_rejected(overrides, message):
    args = {"vpc_id": VPC_ID, "private_subnet_ids": PRIVATE_SUBNETS,
            "app_security_group_id": APP_SG, **overrides}
    with pytest.raises(ValueError) as raised:
        run_mocked(lambda: EksCompute(NAME, EksComputeArgs(**args)))
    assert str(raised.value) == message


# -- logging and encryption ------------------------------------------------------------------------


def test_control_plane_logs_go_to_a_precreated_group_with_retention(default_run):
    recording, _ = default_run
    cluster = recording.one(CLUSTER)
    assert cluster.inputs["enabledClusterLogTypes"] == [
        "api", "audit", "authenticator", "controllerManager", "scheduler"], cluster.urn
    assert cluster.inputs["name"] == NAME, cluster.urn
    log_group = recording.one(LOG_GROUP)
    assert log_group.inputs["name"] == f"/aws/eks/{NAME}/cluster", log_group.urn
    assert log_group.inputs["retentionInDays"] == 30, log_group.urn
    assert log_group.urn in cluster.dependencies, cluster.urn
    assert "kmsKeyId" not in log_group.inputs, log_group.urn


def test_the_control_plane_log_group_takes_the_log_key(worker_statements):
    key = "arn:aws:kms:us-east-1:123456789012:key/logs"
    recording, _ = build(make_args(worker_statements, log_kms_key_arn=key))
    log_group = recording.one(LOG_GROUP)
    assert log_group.inputs["kmsKeyId"] == key, log_group.urn


def test_secrets_are_encrypted_with_a_rotating_key(default_run):
    recording, _ = default_run
    key = recording.one(KEY)
    assert key.inputs["enableKeyRotation"] is True, key.urn
    assert key.inputs["deletionWindowInDays"] == 30, key.urn
    # The explicit key policy is AWS's default one: the account administers it through IAM.
    assert json.loads(key.inputs["policy"])["Statement"] == [{
        "Sid": "AccountAdministersKeyThroughIam", "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*",
        "Resource": "*"}], key.urn
    cluster = recording.one(CLUSTER)
    assert cluster.inputs["encryptionConfig"] == {
        "provider": {"keyArn": key.outputs["arn"]}, "resources": ["secrets"]}, cluster.urn
    kms_policy = recording.one(ROLE_POLICY, f"{NAME}-cluster-kms")
    assert kms_policy.inputs["role"] == role_by_name(recording, "cluster-role").resource_id
    assert json.loads(kms_policy.inputs["policy"])["Statement"] == [{
        "Effect": "Allow",
        "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"],
        "Resource": key.outputs["arn"]}], kms_policy.urn
    assert kms_policy.urn in cluster.dependencies, cluster.urn


def test_a_given_key_is_used_and_none_is_created(worker_statements):
    given = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    recording, _ = build(make_args(worker_statements, kms_key_arn=given))
    assert recording.of_type(KEY) == []
    cluster = recording.one(CLUSTER)
    assert cluster.inputs["encryptionConfig"]["provider"] == {"keyArn": given}, cluster.urn
    kms_policy = recording.one(ROLE_POLICY, f"{NAME}-cluster-kms")
    assert json.loads(kms_policy.inputs["policy"])["Statement"][0]["Resource"] == given


# -- nodes -----------------------------------------------------------------------------------------


def test_launch_template_requires_imdsv2_and_encrypts_the_root_volume(default_run):
    recording, _ = default_run
    template = recording.one(TEMPLATE)
    assert template.inputs["metadataOptions"] == {
        "httpEndpoint": "enabled", "httpTokens": "required",
        "httpPutResponseHopLimit": 1}, template.urn
    assert template.inputs["blockDeviceMappings"] == [{
        "deviceName": "/dev/xvda", "ebs": {
            "volumeSize": 50, "volumeType": "gp3", "encrypted": "true",
            "deleteOnTermination": "true"}}], template.urn
    cluster = recording.one(CLUSTER)
    assert template.inputs["vpcSecurityGroupIds"] == [
        cluster.outputs["vpcConfig"]["clusterSecurityGroupId"], APP_SG], template.urn


def test_node_group_scaling_update_and_template(default_run):
    recording, _ = default_run
    node_group = recording.one(NODE_GROUP)
    template = recording.one(TEMPLATE)
    inputs = node_group.inputs
    assert inputs["scalingConfig"] == {"minSize": 2, "maxSize": 6, "desiredSize": 3}, node_group.urn
    assert inputs["updateConfig"] == {"maxUnavailable": 1}, node_group.urn
    assert inputs["capacityType"] == "ON_DEMAND", node_group.urn
    assert inputs["instanceTypes"] == ["t3.large"], node_group.urn
    assert inputs["amiType"] == "AL2023_x86_64_STANDARD", node_group.urn
    assert inputs["launchTemplate"] == {"id": template.resource_id, "version": "1"}, node_group.urn
    assert "diskSize" not in inputs and "remoteAccess" not in inputs, node_group.urn
    assert inputs["nodeRoleArn"] == role_by_name(recording, "node-role").outputs["arn"]


def test_node_group_leaves_the_desired_size_to_the_node_autoscaler(default_run):
    """The desired size is set at creation only: a Cluster Autoscaler scale-out is not
    reverted by the next `pulumi up`; min and max stay managed by the program."""
    recording, _ = default_run
    node_group = recording.one(NODE_GROUP)
    assert node_group.ignore_changes == ["scalingConfig.desiredSize"], node_group.urn
    for resource in recording.resources:
        if resource is not node_group:
            assert resource.ignore_changes == [], (
                f"{resource.urn} ignores {resource.ignore_changes}")


def test_node_group_waits_for_networking_addons_and_node_policies(default_run):
    recording, _ = default_run
    node_group = recording.one(NODE_GROUP)
    for needed in (recording.one(ADDON, f"{NAME}-addon-vpc-cni"),
                   recording.one(ADDON, f"{NAME}-addon-kube-proxy"),
                   recording.one(ATTACHMENT, f"{NAME}-node-worker-policy")):
        assert needed.urn in node_group.dependencies, f"{node_group.urn} misses {needed.urn}"
    coredns = recording.one(ADDON, f"{NAME}-addon-coredns")
    assert node_group.urn in coredns.dependencies, coredns.urn


# -- IAM -------------------------------------------------------------------------------------------


def test_roles_trust_only_their_service_and_carry_only_their_policies(default_run):
    recording, _ = default_run
    cluster_role = role_by_name(recording, "cluster-role")
    node_role = role_by_name(recording, "node-role")
    assert trust(cluster_role)["Statement"] == [{
        "Effect": "Allow", "Principal": {"Service": "eks.amazonaws.com"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"},
                      "ArnLike": {"aws:SourceArn":
                                  "arn:aws:eks:us-east-1:123456789012:cluster/forge-test"}}}
    ], cluster_role.urn
    assert trust(node_role)["Statement"] == [{
        "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
        "Action": "sts:AssumeRole"}], node_role.urn
    managed = "arn:aws:iam::aws:policy/"
    assert attached_policies(recording, cluster_role) == {
        f"{managed}AmazonEKSClusterPolicy"}, cluster_role.urn
    assert attached_policies(recording, node_role) == {
        f"{managed}AmazonEKSWorkerNodePolicy", f"{managed}AmazonEC2ContainerRegistryPullOnly",
        f"{managed}AmazonSSMManagedInstanceCore"}, node_role.urn
    assert attached_policies(recording, role_by_name(recording, "vpc-cni-role")) == {
        f"{managed}AmazonEKS_CNI_Policy"}
    assert attached_policies(recording, role_by_name(recording, "ebs-csi-role")) == {
        f"{managed}service-role/AmazonEBSCSIDriverPolicy"}
    assert attached_policies(recording, role_by_name(recording, "sa-worker")) == set()
    cluster = recording.one(CLUSTER)
    assert cluster.inputs["roleArn"] == cluster_role.outputs["arn"], cluster.urn


def irsa_condition(recording: Recording, namespace: str, service_account: str) -> dict:
    issuer = recording.one(CLUSTER).outputs["identities"][0]["oidcs"][0]["issuer"]
    host = issuer.removeprefix("https://")
    return {"StringEquals": {
        f"{host}:sub": f"system:serviceaccount:{namespace}:{service_account}",
        f"{host}:aud": "sts.amazonaws.com"}}


def test_irsa_roles_trust_exactly_one_service_account(default_run):
    recording, _ = default_run
    oidc = recording.one(OIDC)
    cluster = recording.one(CLUSTER)
    issuer = cluster.outputs["identities"][0]["oidcs"][0]["issuer"]
    assert oidc.inputs == {"url": issuer, "clientIdLists": ["sts.amazonaws.com"],
                           "tags": {"Name": f"{NAME}-oidc", "component": COMPONENT}}, oidc.urn
    for role_name, namespace, account in (("sa-worker", "forge", "forge-worker"),
                                          ("vpc-cni-role", "kube-system", "aws-node"),
                                          ("ebs-csi-role", "kube-system",
                                           "ebs-csi-controller-sa")):
        role = role_by_name(recording, role_name)
        assert trust(role) == {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": oidc.outputs["arn"]},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": irsa_condition(recording, namespace, account),
        }]}, role.urn


def test_worker_policy_is_exactly_the_given_statements(default_run, worker_statements):
    recording, _ = default_run
    policy = recording.one(ROLE_POLICY, f"{NAME}-sa-worker-policy")
    worker = role_by_name(recording, "sa-worker")
    assert policy.inputs["role"] == worker.resource_id, policy.urn
    document = json.loads(policy.inputs["policy"])
    assert document == {"Version": "2012-10-17", "Statement": worker_statements}, policy.urn
    assert document["Statement"][0]["Resource"] == f"{EXPORTS_BUCKET_ARN}/*", policy.urn


def test_a_service_account_role_without_statements_gets_no_policy(worker_statements):
    recording, _ = build(make_args(worker_statements, service_account_roles={
        "reader": ServiceAccountRole(namespace="forge", service_account="reader")}))
    assert [p.name for p in recording.of_type(ROLE_POLICY)] == [f"{NAME}-cluster-kms"]
    role_by_name(recording, "sa-reader")


# -- add-ons, access, provider ---------------------------------------------------------------------


def test_vpc_cni_enforces_network_policies_unless_turned_off(default_run, worker_statements):
    recording, _ = default_run
    cni = recording.one(ADDON, f"{NAME}-addon-vpc-cni")
    assert json.loads(cni.inputs["configurationValues"]) == {"enableNetworkPolicy": "true"}
    for other in recording.of_type(ADDON):
        if other is not cni:
            assert "configurationValues" not in other.inputs, other.urn
    off, _ = build(make_args(worker_statements, network_policy_enforcement=False))
    assert "configurationValues" not in off.one(ADDON, f"{NAME}-addon-vpc-cni").inputs


def test_addons_use_the_latest_compatible_versions_and_irsa(default_run):
    recording, _ = default_run
    addons = {a.inputs["addonName"]: a for a in recording.of_type(ADDON)}
    assert sorted(addons) == ["aws-ebs-csi-driver", "coredns", "kube-proxy", "vpc-cni"]
    for addon in addons.values():
        assert addon.inputs["clusterName"] == NAME, addon.urn
        assert addon.inputs["addonVersion"] == "v1.0.0-eksbuild.1", addon.urn
    assert addons["vpc-cni"].inputs["serviceAccountRoleArn"] == role_by_name(
        recording, "vpc-cni-role").outputs["arn"]
    assert addons["aws-ebs-csi-driver"].inputs["serviceAccountRoleArn"] == role_by_name(
        recording, "ebs-csi-role").outputs["arn"]
    assert "serviceAccountRoleArn" not in addons["coredns"].inputs
    assert recording.one(CLUSTER).inputs["bootstrapSelfManagedAddons"] is False


def test_ebs_csi_driver_can_be_left_out(worker_statements):
    recording, _ = build(make_args(worker_statements, ebs_csi_driver=False))
    assert sorted(a.inputs["addonName"] for a in recording.of_type(ADDON)) == [
        "coredns", "kube-proxy", "vpc-cni"]
    assert [r.name for r in recording.of_type(ROLE) if "ebs" in r.name] == []


def test_access_is_by_api_access_entries(default_run):
    recording, _ = default_run
    cluster = recording.one(CLUSTER)
    assert cluster.inputs["accessConfig"] == {
        "authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": True}
    entry = recording.one(ACCESS_ENTRY)
    assert entry.inputs["principalArn"] == ADMIN_ROLE, entry.urn
    assert entry.inputs["type"] == "STANDARD", entry.urn
    association = recording.one(ASSOCIATION)
    assert association.inputs["principalArn"] == ADMIN_ROLE, association.urn
    assert association.inputs["policyArn"] == CLUSTER_ADMIN_POLICY, association.urn
    assert association.inputs["accessScope"] == {"type": "cluster"}, association.urn


def test_deployer_admin_can_be_turned_off(worker_statements):
    recording, _ = build(make_args(worker_statements, grant_deployer_admin=False,
                                   admin_role_arns=[]))
    cluster = recording.one(CLUSTER)
    assert cluster.inputs["accessConfig"]["bootstrapClusterCreatorAdminPermissions"] is False
    assert recording.of_type(ACCESS_ENTRY) == []


def test_kubernetes_provider_gets_a_secret_kubeconfig_and_waits_for_the_cluster(default_run):
    recording, captured = default_run
    provider = recording.one(K8S_PROVIDER)
    assert provider.inputs == {"kubeconfig": SECRET_MASK}, provider.urn
    assert captured["provider_is_k8s"] == "pulumi_kubernetes.provider"
    waits_for = [recording.one(NODE_GROUP), recording.one(ASSOCIATION),
                 *recording.of_type(ADDON)]
    for needed in waits_for:
        assert needed.urn in provider.dependencies, f"{provider.urn} misses {needed.urn}"

    cluster = recording.one(CLUSTER)
    config = json.loads(captured["kubeconfig"])
    assert config["clusters"] == [{"name": NAME, "cluster": {
        "server": cluster.outputs["endpoint"],
        "certificate-authority-data": cluster.outputs["certificateAuthority"]["data"]}}]
    assert config["current-context"] == NAME
    assert config["users"][0]["user"]["exec"] == {
        "apiVersion": "client.authentication.k8s.io/v1beta1", "command": "aws",
        "args": ["eks", "get-token", "--cluster-name", NAME, "--region", "us-east-1",
                 "--output", "json"],
        "interactiveMode": "Never"}
    assert recording.exports["kubeconfig"] == SECRET_MASK


def test_the_kubeconfig_runs_get_token_as_the_given_profile_and_role(worker_statements):
    role = "arn:aws:iam::123456789012:role/forge-deployer"
    _, captured = build(make_args(worker_statements, kubeconfig_profile="forge-prod",
                                  kubeconfig_role_arn=role))
    assert json.loads(captured["kubeconfig"])["users"][0]["user"]["exec"] == {
        "apiVersion": "client.authentication.k8s.io/v1beta1", "command": "aws",
        "args": ["eks", "get-token", "--cluster-name", NAME, "--region", "us-east-1",
                 "--role-arn", role, "--output", "json"],
        "env": [{"name": "AWS_PROFILE", "value": "forge-prod"}],
        "interactiveMode": "Never"}


@pytest.mark.parametrize(("overrides", "args", "env"), [
    ({"kubeconfig_profile": "ci"},
     ["eks", "get-token", "--cluster-name", NAME, "--region", "us-east-1", "--output", "json"],
     [{"name": "AWS_PROFILE", "value": "ci"}]),
    ({"kubeconfig_role_arn": "arn:aws:iam::123456789012:role/deploy"},
     ["eks", "get-token", "--cluster-name", NAME, "--region", "us-east-1",
      "--role-arn", "arn:aws:iam::123456789012:role/deploy", "--output", "json"],
     None),
])
def test_profile_and_role_reach_the_kubeconfig_each_on_its_own(worker_statements, overrides,
                                                               args, env):
    _, captured = build(make_args(worker_statements, **overrides))
    exec_config = json.loads(captured["kubeconfig"])["users"][0]["user"]["exec"]
    assert exec_config["args"] == args
    assert exec_config.get("env") == env


def test_an_empty_kubeconfig_profile_is_refused():
    with pytest.raises(ValueError) as raised:
        run_mocked(lambda: EksCompute(NAME, EksComputeArgs(
            vpc_id=VPC_ID, private_subnet_ids=PRIVATE_SUBNETS, app_security_group_id=APP_SG,
            kubeconfig_profile=" ")))
    assert str(raised.value) == ("EksComputeArgs: kubeconfig_profile is empty; leave it unset "
                                 "for the AWS CLI's default credential chain")


def test_an_explicit_region_reaches_the_kubeconfig(worker_statements):
    _, captured = build(make_args(worker_statements, region="eu-west-1"))
    args = json.loads(captured["kubeconfig"])["users"][0]["user"]["exec"]["args"]
    assert args[-3:] == ["eu-west-1", "--output", "json"]


def test_outputs(default_run):
    recording, _ = default_run
    cluster = recording.one(CLUSTER)
    exports = recording.exports
    assert exports["cluster_name"] == NAME
    assert exports["cluster_endpoint"] == cluster.outputs["endpoint"]
    assert exports["cluster_security_group_id"] == (
        cluster.outputs["vpcConfig"]["clusterSecurityGroupId"])
    assert exports["oidc_provider_arn"] == recording.one(OIDC).outputs["arn"]
    assert exports["oidc_issuer_url"] == cluster.outputs["identities"][0]["oidcs"][0]["issuer"]
    assert exports["node_role_arn"] == role_by_name(recording, "node-role").outputs["arn"]
    assert exports["service_account_role_arns"] == {
        "worker": role_by_name(recording, "sa-worker").outputs["arn"]}
    assert exports["region"] == "us-east-1"


def test_the_analyzer_infers_the_interface():
    """Exactly these outputs (no provider among them), each documented."""
    definition = assert_component_schema(EksCompute, None, {
        "cluster_name", "cluster_arn", "cluster_endpoint", "cluster_security_group_id",
        "oidc_provider_arn", "oidc_issuer_url", "kubeconfig", "node_role_arn",
        "service_account_role_arns", "vpc_id", "region"})
    assert sorted(n for n, p in definition.inputs.items() if not p.optional) == [
        "appSecurityGroupId", "privateSubnetIds", "vpcId"]
