"""EKS compute: a private Kubernetes cluster with a managed node group and IRSA roles.

`EksCompute` builds an EKS cluster from provider primitives (no `pulumi_eks`):

- the control plane's ENIs sit in the private subnets; the API endpoint is private unless
  `endpoint_public_access` is set, and then only for the listed CIDRs;
- Kubernetes secrets are envelope-encrypted with KMS (a key with rotation is created unless
  one is given); every control-plane log type goes to a log group created beforehand so its
  retention applies;
- authentication is by EKS access entries only (`authentication_mode="API"`, no aws-auth
  ConfigMap);
- one managed node group in the private subnets, launched from a template that requires
  IMDSv2 with a hop limit of 1 (pods cannot reach the node's credentials; workloads get AWS
  access through IRSA), encrypted gp3 root volumes, and both the cluster security group and the
  application security group (so pods reach the databases that admit the application SG);
- the VPC CNI and the EBS CSI driver run with their own IRSA roles, so the node role carries
  no CNI or EBS permissions;
- one IRSA role per entry of `service_account_roles`, trusted only by that service account;
- the node group's `scalingConfig.desiredSize` is set at creation and then left to the node
  autoscaler (`ignore_changes`), so `pulumi up` never undoes a scale-out; EKS itself tags the
  group's Auto Scaling group for Cluster Autoscaler auto-discovery;
- a `pulumi_kubernetes.Provider` for the cluster (private `_k8s_provider`, for Python callers)
  that waits for the nodes, the add-ons and the admin access entries; other programs build
  theirs from the `kubeconfig` output, depending on this component. The kubeconfig's
  `aws eks get-token` runs with the same AWS identity as the program's AWS provider when
  `kubeconfig_profile` / `kubeconfig_role_arn` say which (the cluster creator's admin access
  belongs to that identity).
"""

import dataclasses
import json
from collections.abc import Sequence
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from forge_components.aws.iam import account_id, irsa_trust_policy, service_trust_policy
from forge_components.aws.kms import kms_key
from forge_components.aws.limits import CapacityType
from forge_components.aws.tags import resource_tags
from forge_components.common import child_opts, physical_name

COMPONENT = "forge-aws:index:EksCompute"

DEFAULT_LOG_TYPES: tuple[str, ...] = (
    "api", "audit", "authenticator", "controllerManager", "scheduler")
"""Every EKS control-plane log type."""

#: The EKS access policy granted to `admin_role_arns`, as its ARN in the commercial partition;
#: the component builds it in the cluster's own partition (`arn:<partition>:eks::aws:...`).
CLUSTER_ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"

#: The node group property a node autoscaler (Cluster Autoscaler, or anything that sets the
#: Auto Scaling group's desired capacity) changes; ignored after creation so the next
#: `pulumi up` does not revert it. Pulumi's property-path syntax
#: (https://www.pulumi.com/docs/iac/concepts/options/ignorechanges/), the path pulumi-eks
#: ignores on its managed node groups too.
NODE_GROUP_IGNORED = ("scalingConfig.desiredSize",)


class ServiceAccountRole(TypedDict):
    """An IAM role for one Kubernetes service account (IRSA)."""

    namespace: str
    """The service account's namespace. Required."""
    service_account: str
    """The service account's name. Required."""
    policy_statements: NotRequired[list[dict[str, Any]]]
    """IAM policy statements (IAM JSON, PascalCase keys, values may be Inputs) granted to the
    role, exactly as given. Defaults to [] (a role with no permissions)."""


class EksComputeArgs(TypedDict):
    """Arguments of `EksCompute`."""

    vpc_id: pulumi.Input[str]
    """The VPC the cluster runs in; exposed again as `vpc_id` for in-cluster controllers that
    cannot read it from the instance metadata (hop limit 1). Required."""
    private_subnet_ids: pulumi.Input[list[str]]
    """Private subnets for the control-plane ENIs and the nodes. Required."""
    app_security_group_id: pulumi.Input[str]
    """The application security group; attached to every node (and so to every pod). Required."""
    kubernetes_version: NotRequired[str]
    """The Kubernetes minor version (see versions.yaml for its support dates). Defaults to
    "1.36"."""
    endpoint_public_access: NotRequired[bool]
    """Whether the API endpoint is also reachable from the internet (only from
    `public_access_cidrs`). Defaults to False (private endpoint only)."""
    public_access_cidrs: NotRequired[list[str]]
    """CIDRs allowed to reach the public endpoint; required (non-empty, without 0.0.0.0/0
    unless deliberately listed) when `endpoint_public_access` is set. Defaults to []."""
    enabled_log_types: NotRequired[list[str]]
    """Control-plane log types sent to CloudWatch. Defaults to all five (api, audit,
    authenticator, controllerManager, scheduler)."""
    log_retention_days: NotRequired[int]
    """Retention of the control-plane log group, in days. Defaults to 30."""
    log_kms_key_arn: NotRequired[pulumi.Input[str]]
    """A customer-managed KMS key for the control-plane log group (its policy must let
    CloudWatch Logs use it, e.g. `LogKey`'s); unset keeps CloudWatch Logs' own encryption.
    Defaults to unset."""
    kms_key_arn: NotRequired[pulumi.Input[str] | None]
    """KMS key for Kubernetes secrets encryption; unset creates one with rotation. Defaults to
    unset."""
    node_instance_types: NotRequired[list[str]]
    """Instance types of the managed node group. Defaults to ["t3.large"]."""
    node_ami_type: NotRequired[str]
    """The EKS-optimised AMI family of the nodes. Defaults to "AL2023_x86_64_STANDARD"."""
    node_min: NotRequired[int]
    """Minimum node count. Defaults to 2."""
    node_max: NotRequired[int]
    """Maximum node count. Defaults to 6."""
    node_desired: NotRequired[int]
    """Desired node count. Defaults to 3."""
    node_disk_gb: NotRequired[int]
    """Root volume size of each node (encrypted gp3), GiB. Defaults to 50."""
    capacity_type: NotRequired[CapacityType]
    """On-demand or spot nodes. Defaults to CapacityType.ON_DEMAND."""
    network_policy_enforcement: NotRequired[bool]
    """Turn on the VPC CNI's network policy agent, so the chart's NetworkPolicies (default deny,
    then only the platform's paths) are enforced; without it EKS ignores them.
    Defaults to True."""
    ebs_csi_driver: NotRequired[bool]
    """Install the aws-ebs-csi-driver add-on (with its own IRSA role) for persistent volumes.
    Defaults to True."""
    admin_role_arns: NotRequired[list[pulumi.Input[str]]]
    """IAM role ARNs given cluster-admin through access entries. Defaults to []."""
    grant_deployer_admin: NotRequired[bool]
    """Give the identity that creates the cluster admin access (the Helm release is installed
    with it). Set False and list the deploying role in `admin_role_arns` for explicit access
    only (listing the creating identity there as well would collide with the entry EKS makes
    for it); changing it replaces the cluster. Defaults to True."""
    service_account_roles: NotRequired[dict[str, ServiceAccountRole]]
    """IRSA roles to create, by a short name (e.g. "worker"). Defaults to {}."""
    deletion_protection: NotRequired[bool]
    """EKS deletion protection of the cluster. Defaults to False."""
    region: NotRequired[pulumi.Input[str] | None]
    """The region, for the kubeconfig's token command; unset asks the provider. Defaults to
    unset."""
    kubeconfig_profile: NotRequired[str | None]
    """The AWS CLI profile `aws eks get-token` runs with (set as `AWS_PROFILE` in the
    kubeconfig's exec environment); pass the profile the program's AWS provider uses, so the
    token is signed by the identity that created the cluster. Defaults to unset (the CLI's
    default credential chain)."""
    kubeconfig_role_arn: NotRequired[pulumi.Input[str] | None]
    """An IAM role `aws eks get-token` assumes before signing the token (`--role-arn`); pass
    the role the program's AWS provider assumes. Defaults to unset (no role assumed)."""
    tags: NotRequired[dict[str, str]]
    """Tags added to every taggable child. Defaults to {}."""


@dataclasses.dataclass(frozen=True)
class _Settings:
    """`EksComputeArgs` with every default applied and every rule checked."""

    vpc_id: pulumi.Input[str]
    private_subnet_ids: pulumi.Input[list[str]]
    app_security_group_id: pulumi.Input[str]
    kubernetes_version: str = "1.36"
    endpoint_public_access: bool = False
    public_access_cidrs: list[str] = dataclasses.field(default_factory=list)
    enabled_log_types: list[str] = dataclasses.field(
        default_factory=lambda: list(DEFAULT_LOG_TYPES))
    log_retention_days: int = 30
    log_kms_key_arn: pulumi.Input[str] | None = None
    kms_key_arn: pulumi.Input[str] | None = None
    node_instance_types: list[str] = dataclasses.field(default_factory=lambda: ["t3.large"])
    node_ami_type: str = "AL2023_x86_64_STANDARD"
    node_min: int = 2
    node_max: int = 6
    node_desired: int = 3
    node_disk_gb: int = 50
    capacity_type: CapacityType = CapacityType.ON_DEMAND
    network_policy_enforcement: bool = True
    ebs_csi_driver: bool = True
    admin_role_arns: list[pulumi.Input[str]] = dataclasses.field(default_factory=list)
    grant_deployer_admin: bool = True
    service_account_roles: dict[str, ServiceAccountRole] = dataclasses.field(
        default_factory=dict)
    deletion_protection: bool = False
    region: pulumi.Input[str] | None = None
    kubeconfig_profile: str | None = None
    kubeconfig_role_arn: pulumi.Input[str] | None = None
    tags: dict[str, str] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_args(cls, args: EksComputeArgs) -> "_Settings":
        """Apply the defaults to `args` and reject inconsistent settings."""
        values: dict[str, Any] = {k: v for k, v in dict(args).items() if v is not None}
        unknown = sorted(set(values) - {f.name for f in dataclasses.fields(cls)})
        if unknown:
            raise ValueError(f"EksComputeArgs: unknown fields {unknown}")
        if "capacity_type" in values:
            values["capacity_type"] = CapacityType(values["capacity_type"])
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        """Reject contradictory or unsafe settings with a message naming the fields."""
        if self.endpoint_public_access and not self.public_access_cidrs:
            raise ValueError("EksComputeArgs: endpoint_public_access is True but "
                             "public_access_cidrs is empty; list the CIDRs allowed to reach "
                             "the public endpoint")
        if self.public_access_cidrs and not self.endpoint_public_access:
            raise ValueError("EksComputeArgs: public_access_cidrs is set but "
                             "endpoint_public_access is False; set both or neither")
        if not 1 <= self.node_min <= self.node_desired <= self.node_max:
            raise ValueError("EksComputeArgs: node_min, node_desired and node_max must satisfy "
                             f"1 <= node_min <= node_desired <= node_max, got {self.node_min}, "
                             f"{self.node_desired}, {self.node_max}")
        unknown = sorted(set(self.enabled_log_types) - set(DEFAULT_LOG_TYPES))
        if unknown:
            raise ValueError(f"EksComputeArgs: unknown enabled_log_types {unknown}")
        if not self.node_instance_types:
            raise ValueError("EksComputeArgs: node_instance_types is empty")
        if self.kubeconfig_profile is not None and not self.kubeconfig_profile.strip():
            raise ValueError("EksComputeArgs: kubeconfig_profile is empty; leave it unset for "
                             "the AWS CLI's default credential chain")


def _issuer_url(identities: Sequence[aws.eks.outputs.ClusterIdentity]) -> str:
    """The cluster's OIDC issuer URL, from its identities (EKS reports exactly one)."""
    oidcs = identities[0].oidcs if identities else None
    issuer = oidcs[0].issuer if oidcs else None
    if issuer is None:
        raise ValueError("EksCompute: the cluster reports no OIDC issuer")
    return issuer


def build_kubeconfig(cluster_name: str, endpoint: str, ca_data: str, region: str,
                     profile: str | None = None, role_arn: str | None = None) -> str:
    """A kubeconfig (JSON) that authenticates with `aws eks get-token`, as `profile` (exec
    environment `AWS_PROFILE`) and through `role_arn` (`--role-arn`) when given; see
    https://docs.aws.amazon.com/cli/latest/reference/eks/get-token.html."""
    args = ["eks", "get-token", "--cluster-name", cluster_name, "--region", region]
    if role_arn is not None:
        args += ["--role-arn", role_arn]
    exec_config: dict[str, Any] = {
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "command": "aws",
        "args": [*args, "--output", "json"],
        "interactiveMode": "Never",
    }
    if profile is not None:
        exec_config["env"] = [{"name": "AWS_PROFILE", "value": profile}]
    return json.dumps({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": cluster_name, "cluster": {
            "server": endpoint, "certificate-authority-data": ca_data}}],
        "contexts": [{"name": cluster_name, "context": {
            "cluster": cluster_name, "user": cluster_name}}],
        "current-context": cluster_name,
        "users": [{"name": cluster_name, "user": {"exec": exec_config}}],
    })


class EksCompute(pulumi.ComponentResource):
    """A private EKS cluster, its node group, add-ons, IRSA roles and a Kubernetes provider."""

    cluster_name: pulumi.Output[str]
    """The EKS cluster's name."""
    cluster_arn: pulumi.Output[str]
    """The EKS cluster's ARN."""
    cluster_endpoint: pulumi.Output[str]
    """The API server endpoint (https URL)."""
    cluster_security_group_id: pulumi.Output[str]
    """The security group EKS created for the control plane and nodes."""
    oidc_provider_arn: pulumi.Output[str]
    """The IAM OIDC provider of the cluster (IRSA)."""
    oidc_issuer_url: pulumi.Output[str]
    """The cluster's OIDC issuer URL."""
    kubeconfig: pulumi.Output[str]
    """A kubeconfig (JSON, secret) using `aws eks get-token` (with `kubeconfig_profile` and
    `kubeconfig_role_arn` when set)."""
    node_role_arn: pulumi.Output[str]
    """The node group's IAM role."""
    service_account_role_arns: pulumi.Output[dict[str, str]]
    """The IRSA role ARNs, keyed like `service_account_roles`."""
    vpc_id: pulumi.Output[str]
    """The cluster's VPC (for controllers that need it set explicitly)."""
    region: pulumi.Output[str]
    """The cluster's region."""

    def __init__(self, name: str, args: EksComputeArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        cfg = _Settings.from_args(args)
        super().__init__(COMPONENT, name, None, opts)
        tags = cfg.tags

        def tagged(child: str) -> dict[str, str]:
            return resource_tags(child, COMPONENT, tags)

        partition = aws.get_partition_output(opts=pulumi.InvokeOutputOptions(parent=self))
        region = (pulumi.Output.from_input(cfg.region) if cfg.region is not None else
                  aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self)).region)

        def managed_policy(policy: str) -> pulumi.Output[str]:
            return partition.partition.apply(lambda p: f"arn:{p}:iam::aws:policy/{policy}")

        cluster_name = physical_name(name, "", 100)

        # -- control-plane role, log group and secrets key -----------------------------------
        cluster_role_name = f"{name}-cluster-role"
        # Only this account's cluster of this name may have EKS assume the role (confused
        # deputy: forge_components.aws.iam.SOURCE_ACCOUNT_SERVICES).
        account = account_id(self)
        cluster_arn = pulumi.Output.concat(
            "arn:", partition.partition, ":eks:", region, ":", account, ":cluster/", cluster_name)
        cluster_role = aws.iam.Role(
            cluster_role_name,
            assume_role_policy=service_trust_policy("eks.amazonaws.com", account_id=account,
                                                    source_arn=cluster_arn),
            description=f"EKS control plane of {cluster_name}",
            tags=tagged(cluster_role_name),
            opts=child_opts(self))
        cluster_policy = aws.iam.RolePolicyAttachment(
            f"{name}-cluster-policy", role=cluster_role.id,
            policy_arn=managed_policy("AmazonEKSClusterPolicy"),
            opts=child_opts(self))

        log_group_name = f"{name}-cluster-logs"
        log_group = aws.cloudwatch.LogGroup(
            log_group_name, name=f"/aws/eks/{cluster_name}/cluster",
            retention_in_days=cfg.log_retention_days, kms_key_id=cfg.log_kms_key_arn,
            tags=tagged(log_group_name), opts=child_opts(self))

        self._kms_key: aws.kms.Key | None = None
        if cfg.kms_key_arn is None:
            key_name = f"{name}-secrets-key"
            self._kms_key = kms_key(
                self, key_name, description=f"Kubernetes secrets encryption of {cluster_name}",
                tags=tagged(key_name),
                # Losing this key makes every Kubernetes secret of the cluster unreadable: it is
                # protected wherever the cluster itself is.
                protect=cfg.deletion_protection)
            kms_key_arn: pulumi.Input[str] = self._kms_key.arn
        else:
            kms_key_arn = cfg.kms_key_arn

        # The control plane uses the key through the cluster role (as terraform-aws-eks does).
        cluster_kms = aws.iam.RolePolicy(
            f"{name}-cluster-kms", role=cluster_role.id,
            policy=pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow",
                "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"],
                "Resource": kms_key_arn}]}),
            opts=child_opts(self))

        # -- the cluster ---------------------------------------------------------------------
        cluster_res_name = f"{name}-cluster"
        cluster = aws.eks.Cluster(
            cluster_res_name,
            name=cluster_name,
            version=cfg.kubernetes_version,
            role_arn=cluster_role.arn,
            vpc_config=aws.eks.ClusterVpcConfigArgs(
                subnet_ids=cfg.private_subnet_ids,
                endpoint_private_access=True,
                endpoint_public_access=cfg.endpoint_public_access,
                public_access_cidrs=(list(cfg.public_access_cidrs)
                                     if cfg.endpoint_public_access else None),
            ),
            access_config=aws.eks.ClusterAccessConfigArgs(
                authentication_mode="API",
                bootstrap_cluster_creator_admin_permissions=cfg.grant_deployer_admin,
            ),
            bootstrap_self_managed_addons=False,
            encryption_config=aws.eks.ClusterEncryptionConfigArgs(
                provider=aws.eks.ClusterEncryptionConfigProviderArgs(key_arn=kms_key_arn),
                resources=["secrets"],
            ),
            enabled_cluster_log_types=list(cfg.enabled_log_types),
            deletion_protection=cfg.deletion_protection,
            tags=tagged(cluster_res_name),
            opts=child_opts(self, depends_on=[cluster_policy, cluster_kms, log_group]))

        issuer_url = cluster.identities.apply(_issuer_url)
        oidc_name = f"{name}-oidc"
        oidc = aws.iam.OpenIdConnectProvider(
            oidc_name, url=issuer_url, client_id_lists=["sts.amazonaws.com"],
            tags=tagged(oidc_name), opts=child_opts(self))

        def irsa_role(role_name: str, namespace: str,
                      service_account: str) -> aws.iam.Role:
            trust = pulumi.Output.all(oidc.arn, issuer_url).apply(
                lambda a: irsa_trust_policy(a[0], a[1], namespace, service_account))
            return aws.iam.Role(
                role_name, assume_role_policy=trust,
                description=f"IRSA role of {namespace}/{service_account} in {cluster_name}",
                tags=tagged(role_name), opts=child_opts(self))

        # -- add-ons that must run before nodes can become Ready -----------------------------
        def addon(addon_name: str, after: list[pulumi.Resource],
                  role: aws.iam.Role | None = None,
                  configuration: dict[str, Any] | None = None) -> aws.eks.Addon:
            version = aws.eks.get_addon_version_output(
                addon_name=addon_name, kubernetes_version=cluster.version, most_recent=True,
                opts=pulumi.InvokeOutputOptions(parent=self))
            res_name = f"{name}-addon-{addon_name}"
            return aws.eks.Addon(
                res_name, cluster_name=cluster.name, addon_name=addon_name,
                addon_version=version.version,
                service_account_role_arn=role.arn if role is not None else None,
                configuration_values=json.dumps(configuration) if configuration else None,
                resolve_conflicts_on_create="OVERWRITE",
                resolve_conflicts_on_update="OVERWRITE",
                tags=tagged(res_name), opts=child_opts(self, depends_on=after or None))

        cni_role = irsa_role(f"{name}-vpc-cni-role", "kube-system", "aws-node")
        cni_policy = aws.iam.RolePolicyAttachment(
            f"{name}-vpc-cni-policy", role=cni_role.id,
            policy_arn=managed_policy("AmazonEKS_CNI_Policy"), opts=child_opts(self))
        vpc_cni = addon("vpc-cni", [cni_policy], cni_role,
                        {"enableNetworkPolicy": "true"} if cfg.network_policy_enforcement
                        else None)
        kube_proxy = addon("kube-proxy", [])

        # -- nodes -----------------------------------------------------------------------------
        node_role_name = f"{name}-node-role"
        node_role = aws.iam.Role(
            node_role_name, assume_role_policy=service_trust_policy("ec2.amazonaws.com"),
            description=f"EKS nodes of {cluster_name}",
            tags=tagged(node_role_name), opts=child_opts(self))
        node_policies = [
            aws.iam.RolePolicyAttachment(
                f"{name}-node-{suffix}", role=node_role.id,
                policy_arn=managed_policy(policy), opts=child_opts(self))
            for suffix, policy in (
                ("worker-policy", "AmazonEKSWorkerNodePolicy"),
                ("ecr-pull", "AmazonEC2ContainerRegistryPullOnly"),
                ("ssm", "AmazonSSMManagedInstanceCore"),
            )
        ]

        cluster_sg_id = cluster.vpc_config.cluster_security_group_id
        template_name = f"{name}-node-template"
        node_tags = tagged(f"{name}-node")
        template = aws.ec2.LaunchTemplate(
            template_name,
            description=f"EKS nodes of {cluster_name}",
            update_default_version=True,
            vpc_security_group_ids=[cluster_sg_id, cfg.app_security_group_id],
            block_device_mappings=[aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                device_name="/dev/xvda",
                ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                    volume_size=cfg.node_disk_gb, volume_type="gp3",
                    encrypted="true", delete_on_termination="true"),
            )],
            metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
                http_endpoint="enabled", http_tokens="required",
                http_put_response_hop_limit=1),
            tag_specifications=[
                aws.ec2.LaunchTemplateTagSpecificationArgs(resource_type=kind, tags=node_tags)
                for kind in ("instance", "volume", "network-interface")
            ],
            tags=tagged(template_name),
            opts=child_opts(self))

        node_group_name = f"{name}-nodes"
        node_group = aws.eks.NodeGroup(
            node_group_name,
            cluster_name=cluster.name,
            node_role_arn=node_role.arn,
            subnet_ids=cfg.private_subnet_ids,
            instance_types=list(cfg.node_instance_types),
            ami_type=cfg.node_ami_type,
            capacity_type=cfg.capacity_type.value,
            scaling_config=aws.eks.NodeGroupScalingConfigArgs(
                min_size=cfg.node_min, max_size=cfg.node_max,
                desired_size=cfg.node_desired),
            update_config=aws.eks.NodeGroupUpdateConfigArgs(max_unavailable=1),
            launch_template=aws.eks.NodeGroupLaunchTemplateArgs(
                id=template.id, version=template.latest_version.apply(str)),
            tags=tagged(node_group_name),
            opts=child_opts(self, depends_on=[*node_policies, vpc_cni, kube_proxy],
                            ignore_changes=list(NODE_GROUP_IGNORED)))

        # -- add-ons that need running nodes ---------------------------------------------------
        addons: list[aws.eks.Addon] = [vpc_cni, kube_proxy, addon("coredns", [node_group])]
        if cfg.ebs_csi_driver:
            ebs_role = irsa_role(f"{name}-ebs-csi-role", "kube-system", "ebs-csi-controller-sa")
            ebs_policy = aws.iam.RolePolicyAttachment(
                f"{name}-ebs-csi-policy", role=ebs_role.id,
                policy_arn=managed_policy("service-role/AmazonEBSCSIDriverPolicy"),
                opts=child_opts(self))
            addons.append(addon("aws-ebs-csi-driver", [node_group, ebs_policy], ebs_role))
        self._addons = addons

        # -- access entries --------------------------------------------------------------------
        associations: list[pulumi.Resource] = []
        for i, principal in enumerate(cfg.admin_role_arns):
            entry_name = f"{name}-admin-{i + 1}"
            entry = aws.eks.AccessEntry(
                entry_name, cluster_name=cluster.name, principal_arn=principal,
                type="STANDARD", tags=tagged(entry_name), opts=child_opts(self))
            associations.append(aws.eks.AccessPolicyAssociation(
                f"{name}-admin-{i + 1}-policy", cluster_name=cluster.name,
                principal_arn=entry.principal_arn,
                policy_arn=pulumi.Output.concat(
                    "arn:", partition.partition, CLUSTER_ADMIN_POLICY.removeprefix("arn:aws")),
                access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(type="cluster"),
                opts=child_opts(self)))

        # -- IRSA roles for the platform's service accounts -------------------------------------
        role_arns: dict[str, pulumi.Output[str]] = {}
        for key, spec in cfg.service_account_roles.items():
            role = irsa_role(f"{name}-sa-{key}", spec["namespace"], spec["service_account"])
            policy_statements = spec.get("policy_statements") or []
            if policy_statements:
                aws.iam.RolePolicy(
                    f"{name}-sa-{key}-policy", role=role.id,
                    policy=pulumi.Output.json_dumps({
                        "Version": "2012-10-17",
                        "Statement": [dict(s) for s in policy_statements]}),
                    opts=child_opts(self))
            role_arns[key] = role.arn
        self.service_account_role_arns = pulumi.Output.all(**role_arns).apply(dict)

        # -- kubeconfig and provider ------------------------------------------------------------
        profile = cfg.kubeconfig_profile
        self.kubeconfig = pulumi.Output.secret(pulumi.Output.all(
            cluster.name, cluster.endpoint, cluster.certificate_authority.data, region,
            cfg.kubeconfig_role_arn,
        ).apply(lambda a: build_kubeconfig(a[0], a[1], a[2], a[3], profile, a[4])))
        # Private: a provider is no component output; the program may build its own from
        # `kubeconfig` (depending on this component) instead.
        self._k8s_provider = k8s.Provider(
            f"{name}-k8s", kubeconfig=self.kubeconfig,
            opts=child_opts(self, depends_on=[node_group, *addons, *associations]))

        self.cluster_name = cluster.name
        self.cluster_arn = cluster.arn
        self.cluster_endpoint = cluster.endpoint
        self.cluster_security_group_id = cluster_sg_id
        self.oidc_provider_arn = oidc.arn
        self.oidc_issuer_url = issuer_url
        self.node_role_arn = node_role.arn
        self.vpc_id = pulumi.Output.from_input(cfg.vpc_id)
        self.region = region
        self.register_outputs({
            "cluster_name": self.cluster_name,
            "cluster_arn": self.cluster_arn,
            "cluster_endpoint": self.cluster_endpoint,
            "cluster_security_group_id": self.cluster_security_group_id,
            "oidc_provider_arn": self.oidc_provider_arn,
            "oidc_issuer_url": self.oidc_issuer_url,
            "kubeconfig": self.kubeconfig,
            "node_role_arn": self.node_role_arn,
            "service_account_role_arns": self.service_account_role_arns,
            "vpc_id": self.vpc_id,
            "region": self.region,
        })
