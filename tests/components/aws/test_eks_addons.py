"""EksAddons under the offline mocks.

What this proves: the component asks Pulumi's Kubernetes provider for five Helm releases (AWS
Load Balancer Controller, external-dns, metrics-server, Cluster Autoscaler, External Secrets),
and a sixth, Argo Rollouts, only with progressive_delivery, from the upstream chart
repositories at pinned versions, each in its own namespace labelled for
Pod Security "restricted", with exactly the values written here (IngressClass "alb", the TLS
policy, the cluster, region and VPC, one hosted zone and domain, the Cluster Autoscaler image of
the cluster's minor, the IRSA-annotated service accounts); that each IRSA role trusts only its
own service account and holds exactly its documented policy (the controller's published one
verbatim, external-dns's confined to one zone, the autoscaler's scaling actions confined to the
cluster's tagged groups, the operator's to the given secrets and keys); that the certificate is
DNS-validated in the zone; that the ClusterSecretStore waits for its release and role; and that
the providers given to the component reach its children.

What it does not prove: that the charts install on a real cluster or accept these values (the
upstream charts are not available offline: the keys were read from each chart's values.yaml at
the pinned version, and the four new charts were rendered once with Helm's engine from their
sources at the pinned tags with these values, where they passed external-dns's values schema
and the Pod Security "restricted" checks, but no test here can repeat that), that the
controller creates the ALB, that ACM issues the certificate, that Route 53 takes external-dns's
changes, or that AWS accepts the policies.
"""

import json
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
import pytest

from forge_components.aws.eks_addons import (
    ARGO_ROLLOUTS_VERSION,
    CLUSTER_AUTOSCALER_VERSION,
    EXTERNAL_DNS_VERSION,
    EXTERNAL_SECRETS_VERSION,
    LOAD_BALANCER_CONTROLLER_VERSION,
    METRICS_SERVER_VERSION,
    TYPE_TOKEN,
    EksAddons,
    EksAddonsArgs,
    load_balancer_controller_policy,
)
from forge_infra.plan.recorder import RecordedResource, Recording
from tests.components.aws.conftest import assert_component_schema
from tests.helpers import assert_all_tagged, run_mocked

NAME = "forge-test-addons"
REGION = "eu-west-1"
CLUSTER = "forge-test-eks"
VPC = "vpc-0123456789abcdef0"
ZONE = "Z0123456789ABCDEFGHIJ"
DOMAIN = "forge.acme-corp.io"
HOSTS = [DOMAIN, f"gateway.{DOMAIN}"]
ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
OIDC_URL = f"https://{ISSUER}"
OIDC_ARN = f"arn:aws:iam::123456789012:oidc-provider/{ISSUER}"
SECRET_ARNS = [
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-1234-AbCdEf",
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:forge/redis-auth-QwErTy",
]
KMS_KEY_ARNS = ["arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"]
TAGS = {"app": "forge", "environment": "test", "managed-by": "forge-infra"}
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"

RELEASE = "kubernetes:helm.sh/v3:Release"
NAMESPACE = "kubernetes:core/v1:Namespace"
STORE_TYPE = "kubernetes:external-secrets.io/v1:ClusterSecretStore"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
CERTIFICATE = "aws:acm/certificate:Certificate"
VALIDATION = "aws:acm/certificateValidation:CertificateValidation"
RECORD = "aws:route53/record:Record"
K8S_PROVIDER = "pulumi:providers:kubernetes"
AWS_PROVIDER = "pulumi:providers:aws"

EXPECTED_RELEASES = {
    # key: (chart, version, repository, namespace)
    "aws-load-balancer-controller": (
        "aws-load-balancer-controller", LOAD_BALANCER_CONTROLLER_VERSION,
        "https://aws.github.io/eks-charts", "aws-load-balancer-controller"),
    "external-dns": ("external-dns", EXTERNAL_DNS_VERSION,
                     "https://kubernetes-sigs.github.io/external-dns/", "external-dns"),
    "metrics-server": ("metrics-server", METRICS_SERVER_VERSION,
                       "https://kubernetes-sigs.github.io/metrics-server/", "metrics-server"),
    "cluster-autoscaler": ("cluster-autoscaler", CLUSTER_AUTOSCALER_VERSION,
                           "https://kubernetes.github.io/autoscaler", "cluster-autoscaler"),
    "external-secrets": ("external-secrets", EXTERNAL_SECRETS_VERSION,
                         "https://charts.external-secrets.io", "external-secrets"),
}
#: The add-ons with an IRSA role: (namespace, service account).
IRSA = {
    "aws-load-balancer-controller": ("aws-load-balancer-controller",
                                     "aws-load-balancer-controller"),
    "external-dns": ("external-dns", "external-dns"),
    "cluster-autoscaler": ("cluster-autoscaler", "cluster-autoscaler"),
    "external-secrets": ("external-secrets", "external-secrets"),
}
RESTRICTED_CONTAINER = {
    "allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "runAsNonRoot": True,
    "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}}


def make_args(**overrides: Any) -> EksAddonsArgs:
    base = EksAddonsArgs(
        cluster_name=CLUSTER, vpc_id=VPC,
        oidc_provider_arn=OIDC_ARN, oidc_issuer_url=OIDC_URL, region=REGION,
        domain_name=DOMAIN, hosted_zone_id=ZONE, certificate_hosts=list(HOSTS),
        secret_arns=list(SECRET_ARNS), secret_kms_key_arns=list(KMS_KEY_ARNS), tags=TAGS)
    return EksAddonsArgs(**{**base, **overrides})  # type: ignore[typeddict-item]


def build(args: EksAddonsArgs, *, aws_provider: str | None = None) -> Recording:
    """Run the component the way the program does: a Kubernetes provider through opts.

    `aws_provider` adds an explicit AWS provider: "list" passes `providers=[aws, k8s]`,
    "merge" merges the program's `ResourceOptions(providers=[aws])` with the Kubernetes one.
    """

    def program() -> None:
        kube = k8s.Provider("cluster-k8s", kubeconfig="{}")
        if aws_provider is None:
            opts = pulumi.ResourceOptions(providers=[kube])
        else:
            explicit = aws.Provider("explicit-aws", region=REGION)
            opts = (pulumi.ResourceOptions(providers=[explicit, kube]) if aws_provider == "list"
                    else pulumi.ResourceOptions.merge(
                        pulumi.ResourceOptions(providers=[explicit]),
                        pulumi.ResourceOptions(providers=[kube])))
        addons = EksAddons(NAME, args, opts)
        for output in ("ingress_class_name", "certificate_arn",
                       "load_balancer_controller_role_arn", "external_dns_role_arn",
                       "cluster_autoscaler_role_arn", "secret_store_name", "secret_store_kind",
                       "external_secrets_role_arn", "argo_rollouts_role_arn",
                       "release_names"):
            pulumi.export(output, getattr(addons, output))

    return run_mocked(program, region=REGION)


@pytest.fixture(scope="module")
def default_run() -> Recording:
    return build(make_args())


def _release(recording: Recording, key: str) -> RecordedResource:
    return recording.one(RELEASE, f"{NAME}-{key}")


def _role_arn(recording: Recording, key: str) -> str:
    return str(recording.one(ROLE, f"{NAME}-{key}-role").outputs["arn"])


def _policy(recording: Recording, key: str) -> dict[str, Any]:
    policy = recording.one(ROLE_POLICY, f"{NAME}-{key}-policy")
    role = recording.one(ROLE, f"{NAME}-{key}-role")
    assert role.urn in policy.dependencies, policy.urn
    document: dict[str, Any] = json.loads(policy.inputs["policy"])
    return document


# -- the releases -----------------------------------------------------------------------------

def test_five_pinned_releases_from_upstream_repositories(default_run):
    releases = default_run.of_type(RELEASE)
    assert sorted(r.name for r in releases) == sorted(f"{NAME}-{k}" for k in EXPECTED_RELEASES)
    for key, (chart, version, repo, namespace) in EXPECTED_RELEASES.items():
        release = _release(default_run, key)
        inputs = release.inputs
        got = {k: inputs.get(k) for k in (
            "chart", "version", "repositoryOpts", "name", "namespace", "createNamespace",
            "atomic", "cleanupOnFail", "timeout")}
        assert got == {
            "chart": chart, "version": version, "repositoryOpts": {"repo": repo},
            "name": namespace, "namespace": namespace, "createNamespace": False,
            "atomic": True, "cleanupOnFail": True, "timeout": 600}, release.urn
        # A pinned version is an exact one, never a range.
        assert version and not any(c in version for c in "^~*><x "), version
        # Each release waits for the namespace it installs into ...
        ns = default_run.one(NAMESPACE, f"{NAME}-{key}-namespace")
        assert ns.urn in release.dependencies, (release.urn, release.dependencies)
        # ... and an add-on that calls AWS for its role's permissions.
        if key in IRSA:
            policy = default_run.one(ROLE_POLICY, f"{NAME}-{key}-policy")
            assert policy.urn in release.dependencies, (release.urn, release.dependencies)


def test_namespaces_are_labelled_for_restricted_pod_security(default_run):
    namespaces = default_run.of_type(NAMESPACE)
    assert len(namespaces) == 5, [n.name for n in namespaces]
    for key in EXPECTED_RELEASES:
        ns = default_run.one(NAMESPACE, f"{NAME}-{key}-namespace")
        assert ns.inputs["metadata"] == {"name": key, "labels": {
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/enforce-version": "latest",
            "pod-security.kubernetes.io/audit": "restricted",
            "pod-security.kubernetes.io/warn": "restricted",
            "app.kubernetes.io/managed-by": "forge-infra",
            "app.kubernetes.io/part-of": "forge",
            "app.kubernetes.io/component": key}}, ns.urn


def test_load_balancer_controller_values(default_run):
    release = _release(default_run, "aws-load-balancer-controller")
    assert release.inputs["values"] == {
        "clusterName": CLUSTER, "region": REGION, "vpcId": VPC,
        "replicaCount": 2, "podDisruptionBudget": {"maxUnavailable": 1},
        "ingressClass": "alb", "createIngressClassResource": True,
        "ingressClassConfig": {"default": False},
        "defaultSSLPolicy": TLS_POLICY,
        "enableServiceMutatorWebhook": False,
        "serviceAccount": {
            "create": True, "name": "aws-load-balancer-controller",
            "annotations": {"eks.amazonaws.com/role-arn": _role_arn(
                default_run, "aws-load-balancer-controller")}},
        "podSecurityContext": {"fsGroup": 65534, "seccompProfile": {"type": "RuntimeDefault"}},
        "securityContext": RESTRICTED_CONTAINER,
        "resources": {"requests": {"cpu": "50m", "memory": "128Mi"}},
        "topologySpreadConstraints": [{
            "maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": {"matchLabels": {
                "app.kubernetes.io/name": "aws-load-balancer-controller",
                "app.kubernetes.io/instance": "aws-load-balancer-controller"}}}],
    }, release.urn


def test_ingress_class_and_replicas_follow_the_args():
    recording = build(make_args(ingress_class_name="public-alb", controller_replicas=3))
    values = _release(recording, "aws-load-balancer-controller").inputs["values"]
    assert (values["ingressClass"], values["replicaCount"]) == ("public-alb", 3)
    assert recording.exports["ingress_class_name"] == "public-alb"


def test_external_dns_values(default_run):
    release = _release(default_run, "external-dns")
    assert release.inputs["values"] == {
        "provider": {"name": "aws"},
        "sources": ["ingress"],
        "policy": "sync",
        "registry": "txt",
        "txtOwnerId": CLUSTER,
        "domainFilters": [DOMAIN],
        "extraArgs": [f"--zone-id-filter={ZONE}", "--aws-zone-type=public"],
        "env": [{"name": "AWS_DEFAULT_REGION", "value": REGION}],
        "serviceAccount": {
            "create": True, "name": "external-dns",
            "annotations": {"eks.amazonaws.com/role-arn": _role_arn(default_run,
                                                                    "external-dns")}},
        "resources": {"requests": {"cpu": "10m", "memory": "64Mi"}},
    }, release.urn


def test_external_dns_policy_and_owner_follow_the_args():
    recording = build(make_args(external_dns_policy="upsert-only",
                                external_dns_owner_id="forge-blue"))
    values = _release(recording, "external-dns").inputs["values"]
    assert (values["policy"], values["txtOwnerId"]) == ("upsert-only", "forge-blue")


def test_metrics_server_values(default_run):
    release = _release(default_run, "metrics-server")
    assert release.inputs["values"] == {
        "replicas": 2,
        "podDisruptionBudget": {"enabled": True, "maxUnavailable": 1},
        "topologySpreadConstraints": [{
            "maxSkew": 1, "topologyKey": "kubernetes.io/hostname",
            "whenUnsatisfiable": "DoNotSchedule",
            "labelSelector": {"matchLabels": {"app.kubernetes.io/name": "metrics-server",
                                              "app.kubernetes.io/instance": "metrics-server"}}}],
    }, release.urn
    assert not default_run.one(NAMESPACE, f"{NAME}-metrics-server-namespace").dependencies


def test_cluster_autoscaler_values(default_run):
    release = _release(default_run, "cluster-autoscaler")
    assert release.inputs["values"] == {
        "cloudProvider": "aws",
        "awsRegion": REGION,
        "autoDiscovery": {"clusterName": CLUSTER},
        "image": {"tag": "v1.36.1"},
        "rbac": {"serviceAccount": {
            "create": True, "name": "cluster-autoscaler",
            "annotations": {"eks.amazonaws.com/role-arn": _role_arn(default_run,
                                                                    "cluster-autoscaler")}}},
        "securityContext": {"runAsNonRoot": True, "runAsUser": 65534, "runAsGroup": 65534,
                            "seccompProfile": {"type": "RuntimeDefault"}},
        "containerSecurityContext": {
            "allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}},
        "resources": {"requests": {"cpu": "100m", "memory": "300Mi"}},
    }, release.urn


@pytest.mark.parametrize(("minor", "tag"), [("1.36", "v1.36.1"), ("1.35", "v1.35.2"),
                                            ("1.34", "v1.34.5")])
def test_cluster_autoscaler_image_matches_the_cluster_minor(minor, tag):
    recording = build(make_args(kubernetes_version=minor))
    values = _release(recording, "cluster-autoscaler").inputs["values"]
    assert values["image"] == {"tag": tag}


def test_external_secrets_service_account_carries_its_role(default_run):
    release = _release(default_run, "external-secrets")
    values = release.inputs["values"]
    assert values["installCRDs"] is True, release.urn
    assert values["serviceAccount"] == {
        "create": True, "name": "external-secrets",
        "annotations": {"eks.amazonaws.com/role-arn": _role_arn(default_run,
                                                                "external-secrets")}}, \
        release.urn
    role = default_run.one(ROLE, f"{NAME}-external-secrets-role")
    assert role.urn in release.dependencies, release.dependencies
    for block in (values, values["webhook"], values["certController"]):
        assert block["resources"]["requests"].keys() == {"cpu", "memory"}, release.urn


# -- the IRSA roles ---------------------------------------------------------------------------

@pytest.mark.parametrize("key", sorted(IRSA))
def test_each_role_trusts_only_its_service_account(default_run, key):
    namespace, service_account = IRSA[key]
    role = default_run.one(ROLE, f"{NAME}-{key}-role")
    assert json.loads(role.inputs["assumeRolePolicy"]) == {
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": OIDC_ARN},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {
                f"{ISSUER}:sub": f"system:serviceaccount:{namespace}:{service_account}",
                f"{ISSUER}:aud": "sts.amazonaws.com"}},
        }]}, role.urn


def test_load_balancer_controller_holds_its_published_policy(default_run):
    document = _policy(default_run, "aws-load-balancer-controller")
    assert document == {"Version": "2012-10-17",
                        "Statement": load_balancer_controller_policy()["Statement"]}
    # The shipped file is the v3.5.0 policy: 16 statements, the service-linked role only for
    # Elastic Load Balancing, load balancers created only with the controller's cluster tag.
    statements = document["Statement"]
    assert len(statements) == 16
    assert statements[0] == {
        "Effect": "Allow", "Action": ["iam:CreateServiceLinkedRole"], "Resource": "*",
        "Condition": {"StringEquals": {
            "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com"}}}
    create = next(s for s in statements
                  if "elasticloadbalancing:CreateLoadBalancer" in s["Action"])
    assert create["Condition"] == {"Null": {"aws:RequestTag/elbv2.k8s.aws/cluster": "false"}}


def test_external_dns_may_change_only_the_one_zone(default_run):
    zone_arn = f"arn:aws:route53:::hostedzone/{ZONE}"
    assert _policy(default_run, "external-dns") == {"Version": "2012-10-17", "Statement": [
        {"Sid": "ChangeRecordsInTheZone", "Effect": "Allow",
         "Action": "route53:ChangeResourceRecordSets", "Resource": zone_arn,
         "Condition": {"ForAllValues:StringEquals": {
             "route53:ChangeResourceRecordSetsRecordTypes": ["A", "AAAA", "TXT"]}}},
        {"Sid": "ReadTheZone", "Effect": "Allow",
         "Action": ["route53:ListResourceRecordSets", "route53:ListTagsForResources"],
         "Resource": zone_arn},
        {"Sid": "ListZones", "Effect": "Allow", "Action": "route53:ListHostedZones",
         "Resource": "*"},
    ]}


def test_cluster_autoscaler_scales_only_the_clusters_tagged_groups(default_run):
    assert _policy(default_run, "cluster-autoscaler") == {"Version": "2012-10-17", "Statement": [
        {"Sid": "DescribeScalingResources", "Effect": "Allow",
         "Action": ["autoscaling:DescribeAutoScalingGroups",
                    "autoscaling:DescribeAutoScalingInstances",
                    "autoscaling:DescribeLaunchConfigurations",
                    "autoscaling:DescribeScalingActivities",
                    "ec2:DescribeImages", "ec2:DescribeInstanceTypes",
                    "ec2:DescribeLaunchTemplateVersions",
                    "ec2:GetInstanceTypesFromInstanceRequirements",
                    "eks:DescribeNodegroup"],
         "Resource": "*"},
        {"Sid": "ScaleThisClustersNodeGroups", "Effect": "Allow",
         "Action": ["autoscaling:SetDesiredCapacity",
                    "autoscaling:TerminateInstanceInAutoScalingGroup"],
         "Resource": "*",
         "Condition": {"StringEquals": {
             f"aws:ResourceTag/k8s.io/cluster-autoscaler/{CLUSTER}": "owned"}}},
    ]}


def test_cluster_name_may_be_an_output():
    """The program passes `EksCompute.cluster_name`, an Output: it reaches the values and the
    autoscaler's tag condition resolved."""
    recording = build(make_args(cluster_name=pulumi.Output.from_input("forge-out-eks")))
    condition = _policy(recording, "cluster-autoscaler")["Statement"][1]["Condition"]
    assert condition == {"StringEquals": {
        "aws:ResourceTag/k8s.io/cluster-autoscaler/forge-out-eks": "owned"}}
    assert _release(recording, "cluster-autoscaler").inputs["values"]["autoDiscovery"] == {
        "clusterName": "forge-out-eks"}
    assert _release(recording, "external-dns").inputs["values"]["txtOwnerId"] == "forge-out-eks"
    assert _release(recording, "aws-load-balancer-controller").inputs["values"][
        "clusterName"] == "forge-out-eks"


def test_external_secrets_policy_reads_exactly_the_given_secrets(default_run):
    document = _policy(default_run, "external-secrets")
    assert document == {"Version": "2012-10-17", "Statement": [
        {"Sid": "ReadPlatformSecrets", "Effect": "Allow",
         "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
         "Resource": SECRET_ARNS},
        {"Sid": "DecryptPlatformSecrets", "Effect": "Allow", "Action": "kms:Decrypt",
         "Resource": KMS_KEY_ARNS,
         "Condition": {"StringEquals": {
             "kms:ViaService": f"secretsmanager.{REGION}.amazonaws.com"}}},
    ]}
    resources = [r for s in document["Statement"] for r in s["Resource"]]
    assert not [r for r in resources if "*" in r]


def test_policy_arns_may_be_outputs():
    """ARNs that are Outputs of other resources (the usual case) land in the policy resolved."""

    def program() -> None:
        key = aws.kms.Key("secrets-key", description="platform secrets")
        addons = EksAddons(NAME, make_args(
            secret_arns=[pulumi.Output.from_input(SECRET_ARNS[0])],
            secret_kms_key_arns=[key.arn]))
        pulumi.export("role", addons.external_secrets_role_arn)

    recording = run_mocked(program, region=REGION)
    key = recording.one("aws:kms/key:Key")
    policy = recording.one(ROLE_POLICY, f"{NAME}-external-secrets-policy")
    statements = json.loads(policy.inputs["policy"])["Statement"]
    assert [s["Resource"] for s in statements] == [[SECRET_ARNS[0]], [key.outputs["arn"]]]
    assert key.urn in policy.dependencies, policy.dependencies


def test_no_secrets_no_operator_policy():
    recording = build(make_args(secret_arns=[], secret_kms_key_arns=[]))
    assert sorted(p.name for p in recording.of_type(ROLE_POLICY)) == sorted(
        f"{NAME}-{k}-policy" for k in IRSA if k != "external-secrets")
    assert len(recording.of_type(ROLE)) == 4


def test_secrets_without_customer_keys_get_no_kms_statement():
    recording = build(make_args(secret_kms_key_arns=[]))
    statements = _policy(recording, "external-secrets")["Statement"]
    assert [s["Sid"] for s in statements] == ["ReadPlatformSecrets"]


# -- the certificate ----------------------------------------------------------------------------

def test_certificate_covers_the_hosts_and_is_validated_in_the_zone(default_run):
    certificate = default_run.one(CERTIFICATE, f"{NAME}-certificate")
    assert certificate.inputs["domainName"] == DOMAIN, certificate.urn
    assert certificate.inputs["subjectAlternativeNames"] == [f"gateway.{DOMAIN}"]
    assert certificate.inputs["validationMethod"] == "DNS"
    records = default_run.of_type(RECORD)
    assert sorted(r.name for r in records) == [f"{NAME}-certificate-validation-1",
                                               f"{NAME}-certificate-validation-2"]
    options = {o["domainName"]: o for o in certificate.outputs["domainValidationOptions"]}
    for record, host in zip(sorted(records, key=lambda r: r.name), HOSTS, strict=True):
        option = options[host]
        assert {k: record.inputs[k] for k in ("zoneId", "name", "type", "records", "ttl")} == {
            "zoneId": ZONE, "name": option["resourceRecordName"],
            "type": option["resourceRecordType"], "records": [option["resourceRecordValue"]],
            "ttl": 300}, record.urn
    validation = default_run.one(VALIDATION)
    assert validation.inputs["certificateArn"] == certificate.outputs["arn"]
    assert sorted(validation.inputs["validationRecordFqdns"]) == sorted(
        r.outputs["fqdn"] for r in records)
    # The output is the validation's: the Ingress names the certificate once it is issued.
    assert default_run.exports["certificate_arn"] == validation.outputs["certificateArn"]


def test_no_hosts_no_certificate():
    recording = build(make_args(certificate_hosts=[]))
    assert not recording.of_type(CERTIFICATE) and not recording.of_type(RECORD)
    assert recording.exports["certificate_arn"] is None


# -- the custom resources ------------------------------------------------------------------------

def test_cluster_secret_store_uses_the_operator_service_account(default_run):
    store = default_run.one(STORE_TYPE, f"{NAME}-secret-store")
    assert store.inputs["apiVersion"] == "external-secrets.io/v1", store.urn
    assert store.inputs["kind"] == "ClusterSecretStore", store.urn
    assert store.inputs["metadata"] == {"name": "aws-secrets-manager", "labels": {
        "app.kubernetes.io/managed-by": "forge-infra", "app.kubernetes.io/part-of": "forge",
        "app.kubernetes.io/component": "external-secrets"}}, store.urn
    assert store.inputs["spec"] == {"provider": {"aws": {
        "service": "SecretsManager", "region": REGION,
        "auth": {"jwt": {"serviceAccountRef": {
            "name": "external-secrets", "namespace": "external-secrets"}}}}}}, store.urn
    # The CRD comes with the release; the role's permissions exist before first use.
    for dependency in (_release(default_run, "external-secrets"),
                       default_run.one(ROLE_POLICY, f"{NAME}-external-secrets-policy")):
        assert dependency.urn in store.dependencies, (store.urn, store.dependencies)


# -- Argo Rollouts (progressive delivery) ------------------------------------------------------

@pytest.fixture(scope="module")
def progressive_run() -> Recording:
    return build(make_args(progressive_delivery=True))


def test_argo_rollouts_is_installed_only_for_progressive_delivery(default_run, progressive_run):
    assert f"{NAME}-argo-rollouts" not in [r.name for r in default_run.of_type(RELEASE)]
    assert f"{NAME}-argo-rollouts-role" not in [r.name for r in default_run.of_type(ROLE)]
    names = sorted(r.name for r in progressive_run.of_type(RELEASE))
    assert names == sorted(f"{NAME}-{k}" for k in [*EXPECTED_RELEASES, "argo-rollouts"])
    release = _release(progressive_run, "argo-rollouts")
    got = {k: release.inputs.get(k) for k in (
        "chart", "version", "repositoryOpts", "name", "namespace", "createNamespace", "atomic",
        "cleanupOnFail", "timeout")}
    assert got == {
        "chart": "argo-rollouts", "version": ARGO_ROLLOUTS_VERSION,
        "repositoryOpts": {"repo": "https://argoproj.github.io/argo-helm"},
        "name": "argo-rollouts", "namespace": "argo-rollouts", "createNamespace": False,
        "atomic": True, "cleanupOnFail": True, "timeout": 600}, release.urn
    ns = progressive_run.one(NAMESPACE, f"{NAME}-argo-rollouts-namespace")
    assert ns.inputs["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert ns.urn in release.dependencies
    policy = progressive_run.one(ROLE_POLICY, f"{NAME}-argo-rollouts-policy")
    assert policy.urn in release.dependencies, release.dependencies
    assert progressive_run.exports["argo_rollouts_role_arn"] == _role_arn(progressive_run,
                                                                          "argo-rollouts")
    assert progressive_run.exports["release_names"]["argo-rollouts"] == "argo-rollouts"


def test_argo_rollouts_values(progressive_run):
    values = _release(progressive_run, "argo-rollouts").inputs["values"]
    assert values == {
        "installCRDs": True, "keepCRDs": True,
        "controller": {
            "replicas": 2,
            "pdb": {"enabled": True, "maxUnavailable": 1},
            "awsVerifyTargetGroup": True,
            "extraEnv": [{"name": "AWS_REGION", "value": REGION}],
            "resources": {"requests": {"cpu": "50m", "memory": "128Mi"}},
            "topologySpreadConstraints": [{
                "maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
                "whenUnsatisfiable": "ScheduleAnyway"}],
        },
        "serviceAccount": {
            "create": True, "name": "argo-rollouts",
            "annotations": {"eks.amazonaws.com/role-arn": _role_arn(progressive_run,
                                                                    "argo-rollouts")}},
        "providerRBAC": {"enabled": True, "providers": {
            "istio": False, "smi": False, "ambassador": False,
            "awsLoadBalancerController": True, "awsAppMesh": False, "traefik": False,
            "apisix": False, "contour": False, "glooPlatform": False, "gatewayAPI": False}},
        "dashboard": {"enabled": False},
        "podSecurityContext": {"runAsNonRoot": True,
                               "seccompProfile": {"type": "RuntimeDefault"}},
        "containerSecurityContext": RESTRICTED_CONTAINER,
    }


def test_one_argo_rollouts_replica_has_no_disruption_budget():
    recording = build(make_args(progressive_delivery=True, argo_rollouts_replicas=1))
    controller = _release(recording, "argo-rollouts").inputs["values"]["controller"]
    assert (controller["replicas"], controller["pdb"]["enabled"]) == (1, False)


def test_argo_rollouts_role_trusts_its_service_account_and_may_only_read(progressive_run):
    role = progressive_run.one(ROLE, f"{NAME}-argo-rollouts-role")
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Condition"]["StringEquals"][f"{ISSUER}:sub"] == (
        "system:serviceaccount:argo-rollouts:argo-rollouts")
    assert _policy(progressive_run, "argo-rollouts") == {"Version": "2012-10-17", "Statement": [
        {"Sid": "VerifyAlbTargetGroups", "Effect": "Allow",
         "Action": ["elasticloadbalancing:DescribeTargetGroups",
                    "elasticloadbalancing:DescribeLoadBalancers",
                    "elasticloadbalancing:DescribeListeners",
                    "elasticloadbalancing:DescribeRules",
                    "elasticloadbalancing:DescribeTags",
                    "elasticloadbalancing:DescribeTargetHealth"],
         "Resource": "*"},
        {"Sid": "ReadAnalysisMetrics", "Effect": "Allow",
         "Action": "cloudwatch:GetMetricData", "Resource": "*"},
    ]}


# -- toggles ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("off", ["load_balancer_controller", "external_dns", "metrics_server",
                                 "cluster_autoscaler", "external_secrets"])
def test_a_disabled_addon_is_absent(off):
    recording = build(make_args(**{off: False}))
    key = {"load_balancer_controller": "aws-load-balancer-controller"}.get(
        off, off.replace("_", "-"))
    names = sorted(r.name for r in recording.of_type(RELEASE))
    assert names == sorted(f"{NAME}-{k}" for k in EXPECTED_RELEASES if k != key)
    assert sorted(r.name for r in recording.of_type(NAMESPACE)) == sorted(
        f"{NAME}-{k}-namespace" for k in EXPECTED_RELEASES if k != key)
    assert sorted(recording.exports["release_names"]) == sorted(
        k for k in EXPECTED_RELEASES if k != key)
    assert sorted(r.name for r in recording.of_type(ROLE)) == sorted(
        f"{NAME}-{k}-role" for k in IRSA if k != key)
    role_output = {"aws-load-balancer-controller": "load_balancer_controller_role_arn",
                   "external-dns": "external_dns_role_arn",
                   "cluster-autoscaler": "cluster_autoscaler_role_arn",
                   "external-secrets": "external_secrets_role_arn"}.get(key)
    if role_output is not None:
        assert recording.exports[role_output] is None
    if off == "external_secrets":
        assert not recording.of_type(STORE_TYPE)
        assert recording.exports["secret_store_name"] is None
        assert recording.exports["secret_store_kind"] is None
    else:
        assert len(recording.of_type(STORE_TYPE)) == 1


def test_without_a_zone_no_external_dns_and_no_certificate():
    recording = build(make_args(domain_name=None, hosted_zone_id=None, certificate_hosts=[]))
    assert f"{NAME}-external-dns" not in [r.name for r in recording.of_type(RELEASE)]
    assert recording.exports["external_dns_role_arn"] is None
    assert not recording.of_type(CERTIFICATE)


def test_everything_off_creates_only_the_component():
    recording = build(make_args(load_balancer_controller=False, external_dns=False,
                                metrics_server=False, cluster_autoscaler=False,
                                external_secrets=False, certificate_hosts=[]))
    component = recording.one(TYPE_TOKEN)
    assert recording.children_of(component.urn) == []
    assert {r.type for r in recording.resources} == {TYPE_TOKEN, K8S_PROVIDER}
    assert recording.exports["release_names"] == {}


# -- structure, providers, outputs ---------------------------------------------------------------

def test_every_child_is_parented_and_aws_children_tagged(default_run):
    component = default_run.one(TYPE_TOKEN)
    children = [r for r in default_run.resources if r.type not in (TYPE_TOKEN, K8S_PROVIDER)]
    # 5 namespaces + 5 releases + the store; 4 roles + 4 policies; certificate, 2 records,
    # validation.
    assert len(children) == 23, [r.name for r in children]
    for child in children:
        assert child.parent == component.urn, child.urn
        assert child.name.startswith(f"{NAME}-"), child.urn
    tagged = assert_all_tagged(default_run, TYPE_TOKEN)
    assert sorted((r.type, r.name) for r in tagged) == sorted(
        [(CERTIFICATE, f"{NAME}-certificate")] + [(ROLE, f"{NAME}-{k}-role") for k in IRSA])
    for resource in tagged:
        assert resource.inputs["tags"] == {"Name": resource.name, **TAGS,
                                           "component": TYPE_TOKEN}, resource.urn


def test_kubernetes_children_use_the_given_provider(default_run):
    provider = default_run.one(K8S_PROVIDER).urn
    kube = [r for r in default_run.resources if r.type.startswith("kubernetes:")]
    assert len(kube) == 11, [r.name for r in kube]
    for resource in kube:
        assert resource.provider == provider, (resource.urn, resource.provider)
    # The AWS children use the default AWS provider, not the Kubernetes one.
    assert {r.provider for r in default_run.resources if r.type.startswith("aws:")} == {None}


@pytest.mark.parametrize("how", ["list", "merge"])
def test_a_list_of_providers_reaches_children_by_package(how):
    recording = build(make_args(), aws_provider=how)
    aws_provider = recording.one(AWS_PROVIDER).urn
    k8s_provider = recording.one(K8S_PROVIDER).urn
    checked = 0
    for resource in recording.resources:
        if resource.type.startswith("aws:"):
            assert resource.provider == aws_provider, (resource.urn, resource.provider)
            checked += 1
        elif resource.type.startswith("kubernetes:"):
            assert resource.provider == k8s_provider, (resource.urn, resource.provider)
            checked += 1
    assert checked == 23, checked


def test_outputs(default_run):
    assert default_run.exports == {
        "ingress_class_name": "alb",
        "certificate_arn": default_run.one(VALIDATION).outputs["certificateArn"],
        "load_balancer_controller_role_arn": _role_arn(default_run,
                                                       "aws-load-balancer-controller"),
        "external_dns_role_arn": _role_arn(default_run, "external-dns"),
        "cluster_autoscaler_role_arn": _role_arn(default_run, "cluster-autoscaler"),
        "secret_store_name": "aws-secrets-manager",
        "secret_store_kind": "ClusterSecretStore",
        "external_secrets_role_arn": _role_arn(default_run, "external-secrets"),
        "argo_rollouts_role_arn": None,
        "release_names": {k: k for k in EXPECTED_RELEASES},
    }


# -- argument validation ----------------------------------------------------------------------

@pytest.mark.parametrize(("overrides", "message"), [
    ({"secret_arns": ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:forge/*"]},
     "EksAddonsArgs: secret_arns must name exact ARNs, not wildcards: "
     "['arn:aws:secretsmanager:eu-west-1:123456789012:secret:forge/*']"),
    ({"secret_kms_key_arns": ["*"]},
     "EksAddonsArgs: secret_kms_key_arns must name exact ARNs, not wildcards: ['*']"),
    ({"ingress_class_name": "Alb"},
     "EksAddonsArgs: ingress_class_name 'Alb' is not a DNS-1123 label"),
    ({"controller_replicas": 0},
     "EksAddonsArgs: controller_replicas must be at least 1, not 0"),
    ({"progressive_delivery": True, "argo_rollouts_replicas": 0},
     "EksAddonsArgs: argo_rollouts_replicas must be at least 1, not 0"),
    ({"argo_rollouts_version": ""},
     "EksAddonsArgs: argo_rollouts_version is empty; pin a chart version"),
    ({"timeout_seconds": 0}, "EksAddonsArgs: timeout_seconds must be positive, not 0"),
    ({"external_dns_version": ""},
     "EksAddonsArgs: external_dns_version is empty; pin a chart version"),
    ({"kubernetes_version": "1.31"},
     "EksAddonsArgs: no Cluster Autoscaler image for Kubernetes '1.31'; known minors: "
     "1.36, 1.35, 1.34, 1.33, 1.32"),
    ({"hosted_zone_id": "zone-1"},
     "EksAddonsArgs: hosted_zone_id 'zone-1' is not a Route 53 hosted zone id (Z...)"),
    ({"domain_name": "Forge.io"},
     "EksAddonsArgs: domain_name 'Forge.io' is not a lower-case DNS name"),
    ({"hosted_zone_id": None, "external_dns": False},
     "EksAddonsArgs: certificate_hosts needs hosted_zone_id (the certificate is validated "
     "through Route 53)"),
    ({"certificate_hosts": ["forge.other.io"]},
     "EksAddonsArgs: certificate host 'forge.other.io' is not a DNS name at or below "
     "domain_name 'forge.acme-corp.io'"),
    ({"certificate_hosts": [DOMAIN, DOMAIN]},
     "EksAddonsArgs: certificate_hosts lists a host twice: "
     "['forge.acme-corp.io', 'forge.acme-corp.io']"),
    ({"domain_name": None, "certificate_hosts": [], "external_dns": True},
     "EksAddonsArgs: external_dns needs domain_name and hosted_zone_id (it manages records "
     "below the domain, in that zone only)"),
    ({"external_dns_policy": "create-only"},
     "EksAddonsArgs: external_dns_policy must be 'sync' or 'upsert-only', not 'create-only'"),
    ({"cert_manager": True}, "EksAddonsArgs: unknown fields ['cert_manager']"),
])
def test_invalid_args_are_rejected(overrides, message):
    args = make_args(**overrides)
    with pytest.raises(ValueError) as excinfo:
        run_mocked(lambda: EksAddons(NAME, args), region=REGION)
    assert str(excinfo.value) == message


def test_the_analyzer_infers_the_interface():
    """Exactly these outputs (no release, namespace or role resource among them)."""
    definition = assert_component_schema(EksAddons, None, {
        "ingress_class_name", "certificate_arn", "load_balancer_controller_role_arn",
        "external_dns_role_arn", "cluster_autoscaler_role_arn", "secret_store_name",
        "secret_store_kind", "external_secrets_role_arn", "argo_rollouts_role_arn",
        "release_names"})
    assert sorted(n for n, p in definition.inputs.items() if not p.optional) == [
        "clusterName", "oidcIssuerUrl", "oidcProviderArn", "region", "vpcId"]
