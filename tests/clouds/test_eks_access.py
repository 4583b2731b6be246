"""The EKS deployer's path, its identity and the nodes' capacity (issue 8, EKS access items).

* The deployer reaches the Kubernetes API over the public endpoint, restricted to named
  public CIDRs; a private-only endpoint is refused on EKS (forge-infra provisions no deployer
  inside the VPC), as are 0.0.0.0/0, private ranges and IPv6 CIDRs.
* The kubeconfig's `aws eks get-token` runs as the stack's `aws:profile` and its one
  `aws:assumeRoles` role; a chain, or a role option the CLI cannot pass, is refused on EKS.
* `eks.node_max` nodes of each listed type must hold every service at its autoscaling
  maximum plus the cluster add-ons.

What these tests do not prove: that EKS accepts the CIDRs, that the deployer's egress really
is the listed address, that the AWS CLI is installed where `pulumi up` runs, or that the
scheduler places pods the way the first-fit packing does.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pulumi
import pytest
import yaml

from forge_components.aws.node_sizing import (
    CLUSTER_ADDONS,
    INSTANCE_SHAPES,
    PROGRESSIVE_DELIVERY_ADDONS,
    InstanceShape,
    PodRequest,
    cluster_addons,
    node_ami_type,
    pack,
)
from forge_infra.clouds.aws.settings import AWS_RULES, sizing_warnings
from forge_infra.config import ConfigError, StackConfig, config_from_mapping
from forge_infra.program import build
from tests.conftest import ROOT
from tests.helpers import run_mocked

DEPLOYER_PATH = (
    "forge-infra:eks.endpoint_public_access: false (the default) leaves the cluster only its "
    "private API endpoint, which answers inside the VPC; pulumi up declares the namespaces, "
    "Helm releases and ClusterSecretStore through that API from wherever it runs, and "
    "forge-infra provisions no deployer inside the VPC, so every Kubernetes resource would "
    "time out: set true and list "
    "the public egress CIDRs of the machine that runs pulumi up in eks.public_access_cidrs "
    "(docs/DEPLOYMENT.md, \"The deployer's path to the EKS API\")")
NO_CIDRS = ("forge-infra:eks.public_access_cidrs: a public API endpoint needs the CIDRs allowed "
            "to reach it (0.0.0.0/0 is not accepted)")
WAY_OUT = ("put the chain in a profile of the AWS config file (role_arn, source_profile, "
           "external_id) and set aws:profile to it, which the AWS provider and the AWS CLI both "
           "read")
ROLE = "arn:aws:iam::123456789012:role/forge-deployer"
PUBLIC_CIDR = "52.94.76.10/32"


def values_of(stack: str) -> dict[str, Any]:
    """The stack file's config, with its placeholder CIDR replaced by a public address."""
    values = copy.deepcopy(yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"])
    if "forge-infra:eks" in values:
        values["forge-infra:eks"]["public_access_cidrs"] = [PUBLIC_CIDR]
    return values


def load(values: dict[str, Any], stack: str = "staging") -> StackConfig:
    return config_from_mapping(values, stack=stack, source=f"Pulumi.{stack}.yaml")


def problems(values: dict[str, Any], stack: str = "staging") -> list[str]:
    with pytest.raises(ConfigError) as info:
        load(values, stack)
    return list(info.value.problems)


# -- the deployer's path ----------------------------------------------------------------------


def test_the_eks_rules_sit_with_the_eks_section_and_the_nat_rule_stays_last() -> None:
    names = [rule.check.__name__ for rule in AWS_RULES]
    eks = names.index("_eks_rules")
    assert names[eks + 1:eks + 3] == ["_kubeconfig_identity_rules", "_node_capacity_rules"]
    assert names[-1] == "_nat_gateway_rules"


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_a_private_only_endpoint_is_refused_on_eks(stack: str) -> None:
    values = values_of(stack)
    values["forge-infra:eks"]["endpoint_public_access"] = False
    values["forge-infra:eks"]["public_access_cidrs"] = []
    assert problems(values, stack) == [DEPLOYER_PATH]


def test_the_endpoint_is_not_judged_on_ecs() -> None:
    values = values_of("dev")
    assert load(values, "dev").target.eks.endpoint_public_access is False


def test_a_public_endpoint_without_cidrs_is_refused() -> None:
    values = values_of("staging")
    values["forge-infra:eks"]["public_access_cidrs"] = []
    assert problems(values) == [NO_CIDRS]


@pytest.mark.parametrize(("cidr", "message"), [
    ("0.0.0.0/0", "0.0.0.0/0 opens the Kubernetes API to the internet "
                  "[policy rule aws-eks-api-not-public]"),
    ("10.20.0.0/16", "10.20.0.0/16 is private address space, which never reaches the public "
                     "endpoint (inside the VPC the private endpoint answers); list the public "
                     "egress address of the machine that runs pulumi up"),
    ("100.64.1.0/24", "100.64.1.0/24 is private address space, which never reaches the public "
                      "endpoint (inside the VPC the private endpoint answers); list the public "
                      "egress address of the machine that runs pulumi up"),
    ("2001:db8::/32", "2001:db8::/32 is IPv6; the cluster is IPv4-only and EKS accepts no IPv6 "
                      "CIDR blocks for its public endpoint"),
    ("52.94.76.10/24", "'52.94.76.10/24' is not a valid network CIDR (52.94.76.10/24 has "
                       "host bits set)"),
    ("1.2.3.4", "'1.2.3.4' is an address, not a network; write 1.2.3.4/32 (one address) or "
                "the egress range it belongs to"),
    *[(cidr, f"{cidr} is not public address space (loopback, link-local, multicast or "
             "reserved: no deployer sends from it); list the public egress address of the "
             "machine that runs pulumi up")
      for cidr in ("127.0.0.0/8", "169.254.0.0/16", "240.0.0.0/4", "224.0.0.0/4")],
])
def test_public_access_cidrs_that_cannot_name_a_deployer_are_refused(cidr: str,
                                                                      message: str) -> None:
    values = values_of("staging")
    values["forge-infra:eks"]["public_access_cidrs"] = [PUBLIC_CIDR, cidr]
    assert problems(values) == [f"forge-infra:eks.public_access_cidrs: {message}"]


@pytest.mark.parametrize("cidr", [PUBLIC_CIDR, "198.51.100.0/24", "11.0.0.0/8"])
def test_public_cidrs_are_accepted(cidr: str) -> None:
    values = values_of("staging")
    values["forge-infra:eks"]["public_access_cidrs"] = [cidr]
    assert load(values).target.eks.public_access_cidrs == (cidr,)


def cluster_vpc_config(values: dict[str, Any], stack: str) -> dict[str, Any]:
    config = load(values, stack)
    recording = run_mocked(lambda: build(config), stack=stack)
    vpc_config: dict[str, Any] = recording.one("aws:eks/cluster:Cluster").inputs["vpcConfig"]
    return vpc_config


def test_the_stack_files_endpoint_settings_reach_the_cluster() -> None:
    """staging's file: public endpoint for its one CIDR, private access on."""
    values = yaml.safe_load((ROOT / "Pulumi.staging.yaml").read_text())["config"]
    vpc_config = cluster_vpc_config(values, "staging")
    assert {k: v for k, v in vpc_config.items() if k != "subnetIds"} == {
        "endpointPrivateAccess": True, "endpointPublicAccess": True,
        "publicAccessCidrs": ["198.51.100.10/32"]}


# -- the deployer's identity in the kubeconfig ------------------------------------------------


def kubeconfig_exec(values: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
                    stack: str = "staging") -> dict[str, Any]:
    """The exec section of the kubeconfig the stack's program exports (the one its Kubernetes
    provider gets); the plan masks it as a secret, so the export is read as it is made."""
    config = load(values, stack)
    captured: dict[str, Any] = {}
    export = pulumi.export

    def capture(name: str, value: Any) -> None:
        if name == "kubeconfig":
            value.apply(lambda plain: captured.__setitem__("kubeconfig", plain))
        export(name, value)

    monkeypatch.setattr(pulumi, "export", capture)
    run_mocked(lambda: build(config), stack=stack)
    exec_config: dict[str, Any] = json.loads(captured["kubeconfig"])["users"][0]["user"]["exec"]
    return exec_config


def test_aws_profile_and_role_of_the_stack_reach_the_kubeconfig(monkeypatch) -> None:
    values = values_of("prod")
    values["aws:profile"] = "forge-prod"
    values["aws:assumeRoles"] = [{"roleArn": ROLE, "sessionName": "forge-up"}]
    exec_config = kubeconfig_exec(values, monkeypatch, "prod")
    assert exec_config["args"] == [
        "eks", "get-token", "--cluster-name", "forge-prod-eks", "--region", "us-east-1",
        "--role-arn", ROLE, "--output", "json"]
    assert exec_config["env"] == [{"name": "AWS_PROFILE", "value": "forge-prod"}]


def test_without_provider_settings_the_kubeconfig_uses_the_default_chain(monkeypatch) -> None:
    exec_config = kubeconfig_exec(values_of("staging"), monkeypatch)
    assert "--role-arn" not in exec_config["args"]
    assert "env" not in exec_config


def test_a_profile_alone_reaches_the_kubeconfig(monkeypatch) -> None:
    values = values_of("staging")
    values["aws:profile"] = "forge-staging"
    exec_config = kubeconfig_exec(values, monkeypatch)
    assert exec_config["env"] == [{"name": "AWS_PROFILE", "value": "forge-staging"}]
    assert "--role-arn" not in exec_config["args"]


def test_a_chain_of_assumed_roles_is_refused_on_eks() -> None:
    values = values_of("staging")
    values["aws:assumeRoles"] = [{"roleArn": ROLE},
                                 {"roleArn": "arn:aws:iam::210987654321:role/target"}]
    assert problems(values) == [
        "aws:assumeRoles: lists 2 roles, which the AWS provider assumes as a chain; the EKS "
        "kubeconfig's token command (aws eks get-token --role-arn) assumes one role, so the "
        "Kubernetes provider would sign as another identity than the cluster's creator and be "
        f"refused; list one role, or {WAY_OUT}"]


def test_a_role_option_the_cli_cannot_pass_is_refused_on_eks() -> None:
    values = values_of("staging")
    values["aws:assumeRoles"] = [{"roleArn": ROLE, "externalId": "x-123", "policy": "{}"}]
    assert problems(values) == [
        "aws:assumeRoles[0]: externalId, policy cannot be passed to the EKS kubeconfig's token "
        "command (aws eks get-token takes --role-arn only), so the Kubernetes provider could "
        "not assume the role the way the AWS provider does; allowed on EKS: duration, roleArn, "
        f"sessionName; otherwise {WAY_OUT}"]


def test_a_role_without_its_arn_is_refused_on_eks() -> None:
    values = values_of("staging")
    values["aws:assumeRoles"] = [{"sessionName": "forge-up"}]
    assert problems(values) == [
        "aws:assumeRoles[0].roleArn: required on EKS: the kubeconfig's token command assumes "
        "the same role (aws eks get-token --role-arn)"]


def test_assume_roles_must_be_a_list_of_settings_on_eks() -> None:
    values = values_of("staging")
    values["aws:assumeRoles"] = ROLE
    assert problems(values) == [
        f"aws:assumeRoles: got {ROLE!r}; a list of role settings (roleArn, sessionName, ...) "
        "is allowed"]


@pytest.mark.parametrize(("key", "value", "way_out"), [
    ("accessKey", {"secure": "v1:a2V5"}, "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the "
                                         "environment, or a profile named by aws:profile"),
    ("token", {"secure": "v1:dG9rZW4="}, "set AWS_SESSION_TOKEN in the environment, or a "
                                         "profile named by aws:profile"),
    ("assumeRoleWithWebIdentity", {"roleArn": ROLE, "webIdentityTokenFile": "/tmp/token"},
     "set AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE in the environment, or a profile "
     "(role_arn, web_identity_token_file) named by aws:profile"),
    ("sharedConfigFiles", ["/etc/forge/aws-config"], "set AWS_CONFIG_FILE in the environment"),
    ("sharedCredentialsFiles", ["/etc/forge/credentials"],
     "set AWS_SHARED_CREDENTIALS_FILE in the environment"),
])
def test_credentials_the_token_command_cannot_use_are_refused_on_eks(key: str, value: Any,
                                                                     way_out: str) -> None:
    values = values_of("staging")
    values[f"aws:{key}"] = value
    assert problems(values) == [
        f"aws:{key}: on EKS the kubeconfig's token command (aws eks get-token) cannot be given "
        "this setting, so the Kubernetes provider would sign as whatever identity its "
        "environment holds, not the cluster's creator the AWS provider signs as; "
        f"{way_out}, which the AWS provider and the AWS CLI both read"]


def test_credentials_in_the_stack_are_not_judged_on_ecs() -> None:
    values = values_of("dev")
    values["aws:sharedConfigFiles"] = ["/etc/forge/aws-config"]
    assert load(values, "dev").target.aws_provider["sharedConfigFiles"] == [
        "/etc/forge/aws-config"]


def test_a_chain_is_not_judged_on_ecs() -> None:
    """ECS builds no kubeconfig: the AWS provider assumes the chain as configured."""
    values = values_of("dev")
    chain = [{"roleArn": ROLE, "externalId": "x-123"},
             {"roleArn": "arn:aws:iam::210987654321:role/target"}]
    values["aws:assumeRoles"] = chain
    assert load(values, "dev").target.aws_provider["assumeRoles"] == chain


# -- node sizing ------------------------------------------------------------------------------


@pytest.mark.parametrize(("instance_type", "cpu", "memory"), [
    # 2000m - (60 + 10); 8192 - (11 * 35 + 255) - 100
    ("t3.large", 1930, 7452),
    # 4000m - (60 + 10 + 10); 16384 - (11 * 58 + 255) - 100
    ("m6i.xlarge", 3920, 15391),
    # 8000m - (60 + 10 + 10 + 10); 32768 - (11 * 58 + 255) - 100
    ("m6i.2xlarge", 7910, 31775),
    # 2000m - (60 + 10); 4096 - (11 * 17 + 255) - 100
    ("t4g.medium", 1930, 3554),
    # 2000m - (60 + 10); 8192 - (11 * 35 + 255) - 100
    ("t4g.large", 1930, 7452),
])
def test_allocatable_follows_the_eks_ami_formula(instance_type: str, cpu: int,
                                                 memory: int) -> None:
    shape = INSTANCE_SHAPES[instance_type]
    assert (shape.allocatable_millicores, shape.allocatable_memory_mib) == (cpu, memory)


def test_the_cluster_addons_budget() -> None:
    assert len(CLUSTER_ADDONS) == 13
    assert sum(p.millicores for p in CLUSTER_ADDONS) == 660
    assert sum(p.memory_mib for p in CLUSTER_ADDONS) == 1400


def test_packing_is_first_fit_decreasing_after_the_daemonsets() -> None:
    # 1000m / 1256 MiB / 5 pods per node, 200m / 256 MiB / 3 pods of it DaemonSets.
    shape = InstanceShape(1, 1024 + 11 * 5 + 255 + 100 + 256 + 232, 5)
    assert (shape.allocatable_millicores - 200) == 740
    pods = [PodRequest("a", 500, 100), PodRequest("b", 300, 100), PodRequest("c", 200, 100),
            PodRequest("d", 200, 100)]
    fit = pack(shape, pods, 2)
    # 500 + 200 on the first node (740), 300 + 200 on the second.
    assert fit.nodes_needed == 2
    assert (fit.requested_millicores, fit.usable_millicores) == (1200, 1480)
    # Two pod slots per node after the three DaemonSet pods: a third small pod opens a node.
    assert pack(shape, [PodRequest("x", 10, 10)] * 5, 2).nodes_needed == 3
    assert pack(shape, [PodRequest("big", 741, 10)], 2).nodes_needed is None


def test_prod_as_shipped_holds_every_service_at_its_maximum_even_with_an_az_lost() -> None:
    config = load(values_of("prod"), "prod")
    eks = config.target.eks
    assert (eks.node_instance_types, eks.node_min, eks.node_desired, eks.node_max) == (
        ("m6i.xlarge",), 3, 3, 9)
    from forge_infra.clouds.aws.settings import service_pods_at_max

    # prod releases by canary: the Argo Rollouts controller (2 x 50m / 128 MiB) counts too.
    assert config.rollout.strategy == "canary"
    pods = [*service_pods_at_max(config), *cluster_addons(True)]
    assert len(pods) == 40 + 13 + 2
    fit = pack(INSTANCE_SHAPES["m6i.xlarge"], pods, eks.node_max)
    assert (fit.requested_millicores, fit.requested_memory_mib) == (18260, 37496)
    assert fit.nodes_needed == 5
    # One AZ of three lost takes 3 of the 9 nodes; the other 6 still hold it all.
    assert fit.nodes_needed <= eks.node_max - eks.node_max // 3


def test_prod_on_its_old_nodes_is_refused_naming_the_keys() -> None:
    values = values_of("prod")
    values["forge-infra:eks"].update(node_instance_types=["t3.large"], node_max=6)
    assert problems(values, "prod") == [
        "forge-infra:eks.node_max: 6 nodes of t3.large cannot hold the services at their "
        "autoscaling maximum (gateway 10 x (0.5 vCPU, 1024 MiB), api 10 x (0.5 vCPU, 1024 MiB), "
        "worker 10 x (0.5 vCPU, 1024 MiB), ui 10 x (0.25 vCPU, 512 MiB)) plus the cluster "
        "add-ons (760m CPU, 1656 MiB): they request 18260m CPU and 37496 MiB, which pack onto "
        "12 nodes (each t3.large offers 1730m CPU and 7196 MiB to pods after kubeReserved, the "
        "eviction threshold and its DaemonSets); raise eks.node_max to at least 12, choose a "
        "larger type in eks.node_instance_types, or lower services.*.autoscaling.max "
        "(docs/DEPLOYMENT.md, \"EKS node sizing\")"]


def test_a_service_pod_larger_than_a_node_is_refused_naming_the_type() -> None:
    values = values_of("staging")
    values["forge-infra:services"]["worker"].update(cpu=2, memory=4096)
    assert problems(values) == [
        "forge-infra:eks.node_instance_types: t3.large is too small for a pod of the services "
        "(gateway 4 x (0.25 vCPU, 512 MiB), api 4 x (0.5 vCPU, 1024 MiB), worker 1 x (2 vCPU, "
        "4096 MiB), ui 2 x (0.25 vCPU, 512 MiB)): each t3.large offers 1730m CPU and 7196 MiB "
        "to pods after kubeReserved, the eviction threshold and its DaemonSets; choose a "
        "larger type"]


def test_node_capacity_is_not_judged_on_ecs() -> None:
    values = values_of("prod")
    values["forge-infra:platform"] = "ecs"
    del values["forge-infra:rollout"]  # prod's Argo canary [5, 50, 100] is not an ECS shape
    values["forge-infra:eks"].update(node_instance_types=["t3.large"], node_min=1,
                                     node_desired=1, node_max=1)
    values["forge-infra:services"] = {
        name: {**service, "cpu": 1, "memory": 2048}
        for name, service in values["forge-infra:services"].items()}
    assert load(values, "prod").target.eks.node_max == 1


def test_small_eks_as_shipped_holds_every_service_at_its_maximum_on_t4g_medium() -> None:
    config = load(values_of("small-eks"), "small-eks")
    eks = config.target.eks
    assert (eks.node_instance_types, eks.node_min, eks.node_desired, eks.node_max) == (
        ("t4g.medium",), 2, 2, 4)
    from forge_infra.clouds.aws.settings import service_pods_at_max

    assert config.rollout.strategy == "canary"
    pods = [*service_pods_at_max(config), *cluster_addons(True)]
    fit = pack(INSTANCE_SHAPES["t4g.medium"], pods, eks.node_max)
    # 16 service pods of 250m / 512 MiB plus the add-ons (Argo Rollouts' controller among
    # them) pack onto all 4 nodes of 1730m / 3298 MiB for pods; their 3344 MiB of unrequested
    # memory absorbs what the kernel keeps below the nominal 4 GiB per node.
    assert (fit.requested_millicores, fit.requested_memory_mib) == (4760, 9848)
    assert (fit.usable_millicores, fit.usable_memory_mib) == (6920, 13192)
    assert fit.nodes_needed == eks.node_max == 4
    # At the autoscaling minimum (2 replicas each) the 2 nodes the estimate prices hold the
    # services and the rolling add-ons, but not the two Argo Rollouts controller pods as well:
    # the packing needs a third node (docs/COST.md, "The two small stacks", says what that
    # costs; the Cluster Autoscaler adds it within node_max).
    at_min = [PodRequest(name, svc.cpu_millicores, svc.memory)
              for name, svc in config.services.items() for _ in range(svc.autoscaling.min)]
    assert pack(INSTANCE_SHAPES["t4g.medium"], [*at_min, *CLUSTER_ADDONS],
                eks.node_min).nodes_needed == eks.node_min == 2
    assert pack(INSTANCE_SHAPES["t4g.medium"], [*at_min, *CLUSTER_ADDONS,
                                                *PROGRESSIVE_DELIVERY_ADDONS],
                eks.node_min).nodes_needed == 3


@pytest.mark.parametrize(("types", "ami_type"), [
    (["t3.large"], "AL2023_x86_64_STANDARD"),
    (["t4g.medium", "t4g.large"], "AL2023_ARM_64_STANDARD"),
    (["m6i.xlarge"], "AL2023_x86_64_STANDARD"),
])
def test_the_node_group_ami_type_follows_the_architecture(types: list[str],
                                                          ami_type: str) -> None:
    assert node_ami_type(types) == ami_type


def test_node_types_of_two_architectures_are_refused() -> None:
    values = values_of("staging")
    values["forge-infra:eks"]["node_instance_types"] = ["t3.large", "t4g.large"]
    assert problems(values) == [
        "forge-infra:eks.node_instance_types: mixes arm64 (t4g.large) and x86_64 (t3.large); "
        "the node group runs one AMI type, so every type must share one architecture: list "
        "only arm64 (t4g) or only x86_64 types"]


def test_the_fargate_architecture_is_refused_on_eks() -> None:
    values = values_of("staging")
    values["forge-infra:ecs"] = {"cpu_architecture": "ARM64"}
    assert problems(values) == [
        "forge-infra:ecs.cpu_architecture: got ARM64; it applies to platform ecs only: on eks "
        "the nodes' architecture follows eks.node_instance_types (t4g: arm64); remove the key"]


def test_the_fargate_architecture_takes_only_x86_64_or_arm64() -> None:
    values = values_of("dev")
    values["forge-infra:ecs"] = {"cpu_architecture": "arm"}
    [message] = problems(values, "dev")
    assert message.startswith("forge-infra:ecs.cpu_architecture: "), message
    assert "'X86_64'" in message and "'ARM64'" in message, message


def test_a_type_outside_the_sizing_table_is_a_plan_warning_not_an_error() -> None:
    values = values_of("staging")
    values["forge-infra:eks"]["node_instance_types"] = ["c7g.large"]
    config = load(values)
    assert sizing_warnings(config) == [
        "forge-infra:eks.node_instance_types: c7g.large is not in forge-infra's node sizing "
        "table (forge_components.aws.node_sizing), so whether eks.node_max nodes hold the "
        "services at their autoscaling maximum was not checked; checked types: "
        f"{', '.join(INSTANCE_SHAPES)}"]
    assert sizing_warnings(load(values_of("staging"))) == []
