"""EksAddons under the offline mocks.

What this proves: the component asks Pulumi's Kubernetes provider for three Helm releases from
the upstream chart repositories at pinned versions, each in its own labelled namespace, with the
values the platform chart relies on (IngressClass "nginx", CRDs, the operator's IRSA-annotated
service account); that the operator's IAM role trusts only its service account and may read only
the given secrets and decrypt only with the given keys via Secrets Manager; that the
ClusterIssuer and the ClusterSecretStore are what the platform chart names and wait for the
releases that install their CRDs; and that the providers given to the component reach its
children.

What it does not prove: that the charts install on a real cluster (their values are not rendered
here: the upstream charts are not available offline), that the in-tree cloud provider creates the
NLB, that Let's Encrypt issues certificates, or that AWS accepts the policy.
"""

import json
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
import pytest

from forge_components.aws.eks_addons import (
    CERT_MANAGER_VERSION,
    EXTERNAL_SECRETS_VERSION,
    INGRESS_NGINX_VERSION,
    TYPE_TOKEN,
    EksAddons,
    EksAddonsArgs,
)
from forge_infra.plan.recorder import RecordedResource, Recording
from tests.components.aws.conftest import assert_component_schema
from tests.helpers import assert_all_tagged, run_mocked

NAME = "forge-test-addons"
REGION = "eu-west-1"
ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
OIDC_URL = f"https://{ISSUER}"
OIDC_ARN = f"arn:aws:iam::123456789012:oidc-provider/{ISSUER}"
SECRET_ARNS = [
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-1234-AbCdEf",
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:forge/redis-auth-QwErTy",
]
KMS_KEY_ARNS = ["arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"]
TAGS = {"app": "forge", "environment": "test", "managed-by": "forge-infra"}

RELEASE = "kubernetes:helm.sh/v3:Release"
NAMESPACE = "kubernetes:core/v1:Namespace"
ISSUER_TYPE = "kubernetes:cert-manager.io/v1:ClusterIssuer"
STORE_TYPE = "kubernetes:external-secrets.io/v1:ClusterSecretStore"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
K8S_PROVIDER = "pulumi:providers:kubernetes"
AWS_PROVIDER = "pulumi:providers:aws"

EXPECTED_RELEASES = {
    # key: (chart, version, repository, namespace)
    "ingress-nginx": ("ingress-nginx", INGRESS_NGINX_VERSION,
                      "https://kubernetes.github.io/ingress-nginx", "ingress-nginx"),
    "cert-manager": ("cert-manager", CERT_MANAGER_VERSION, "https://charts.jetstack.io",
                     "cert-manager"),
    "external-secrets": ("external-secrets", EXTERNAL_SECRETS_VERSION,
                         "https://charts.external-secrets.io", "external-secrets"),
}


def make_args(**overrides: Any) -> EksAddonsArgs:
    base = EksAddonsArgs(
        oidc_provider_arn=OIDC_ARN, oidc_issuer_url=OIDC_URL, region=REGION,
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
        pulumi.export("ingress_class_name", addons.ingress_class_name)
        pulumi.export("cluster_issuer_name", addons.cluster_issuer_name)
        pulumi.export("secret_store_name", addons.secret_store_name)
        pulumi.export("secret_store_kind", addons.secret_store_kind)
        pulumi.export("external_secrets_role_arn", addons.external_secrets_role_arn)
        pulumi.export("release_names", addons.release_names)

    return run_mocked(program, region=REGION)


@pytest.fixture(scope="module")
def default_run() -> Recording:
    return build(make_args())


@pytest.fixture(scope="module")
def issuer_run() -> Recording:
    return build(make_args(acme_email="platform@example.com"))


def _release(recording: Recording, key: str) -> RecordedResource:
    return recording.one(RELEASE, f"{NAME}-{key}")


def _role_arn(recording: Recording) -> str:
    return str(recording.one(ROLE).outputs["arn"])


# -- the releases -----------------------------------------------------------------------------

def test_three_pinned_releases_from_upstream_repositories(default_run):
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
        # Each release waits for the namespace it installs into.
        ns = default_run.one(NAMESPACE, f"{NAME}-{key}-namespace")
        assert ns.urn in release.dependencies, (release.urn, release.dependencies)


def test_namespaces_are_labelled_for_pod_security(default_run):
    levels = {"ingress-nginx": "baseline", "cert-manager": "restricted",
              "external-secrets": "restricted"}
    namespaces = default_run.of_type(NAMESPACE)
    assert len(namespaces) == 3, [n.name for n in namespaces]
    for key, enforce in levels.items():
        ns = default_run.one(NAMESPACE, f"{NAME}-{key}-namespace")
        assert ns.inputs["metadata"] == {"name": key, "labels": {
            "pod-security.kubernetes.io/enforce": enforce,
            "pod-security.kubernetes.io/enforce-version": "latest",
            "pod-security.kubernetes.io/audit": "restricted",
            "pod-security.kubernetes.io/warn": "restricted",
            "app.kubernetes.io/managed-by": "forge-infra",
            "app.kubernetes.io/part-of": "forge",
            "app.kubernetes.io/component": key}}, ns.urn


def test_ingress_nginx_serves_the_nginx_class_behind_an_internet_facing_nlb(default_run):
    release = _release(default_run, "ingress-nginx")
    controller = release.inputs["values"]["controller"]
    assert controller["ingressClassResource"] == {
        "name": "nginx", "enabled": True, "default": False,
        "controllerValue": "k8s.io/ingress-nginx"}, release.urn
    assert controller["ingressClass"] == "nginx", release.urn
    assert controller["allowSnippetAnnotations"] is False, release.urn
    assert (controller["replicaCount"], controller["minAvailable"]) == (2, 1), release.urn
    assert controller["service"] == {
        "type": "LoadBalancer", "externalTrafficPolicy": "Local", "annotations": {
            "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
            "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing"}}, \
        release.urn
    assert controller["resources"] == {"requests": {"cpu": "100m", "memory": "128Mi"}}
    assert controller["topologySpreadConstraints"][0]["topologyKey"] == \
        "topology.kubernetes.io/zone", release.urn


def test_ingress_class_and_replicas_follow_the_args():
    recording = build(make_args(ingress_class_name="public", ingress_replicas=3,
                                acme_email="ops@example.com"))
    controller = _release(recording, "ingress-nginx").inputs["values"]["controller"]
    assert (controller["ingressClassResource"]["name"], controller["ingressClass"],
            controller["replicaCount"]) == ("public", "public", 3)
    issuer = recording.one(ISSUER_TYPE)
    assert issuer.inputs["spec"]["acme"]["solvers"] == [
        {"http01": {"ingress": {"ingressClassName": "public"}}}], issuer.urn
    assert recording.exports["ingress_class_name"] == "public"


def test_cert_manager_installs_its_crds_and_requests_resources(default_run):
    release = _release(default_run, "cert-manager")
    values = release.inputs["values"]
    assert values["crds"] == {"enabled": True, "keep": True}, release.urn
    for path in ((), ("webhook",), ("cainjector",), ("startupapicheck",)):
        block = values
        for part in path:
            block = block[part]
        assert block["resources"]["requests"].keys() == {"cpu", "memory"}, (release.urn, path)


def test_external_secrets_service_account_carries_its_role(default_run):
    release = _release(default_run, "external-secrets")
    values = release.inputs["values"]
    assert values["installCRDs"] is True, release.urn
    assert values["serviceAccount"] == {
        "create": True, "name": "external-secrets",
        "annotations": {"eks.amazonaws.com/role-arn": _role_arn(default_run)}}, release.urn
    role = default_run.one(ROLE)
    assert role.urn in release.dependencies, release.dependencies
    for block in (values, values["webhook"], values["certController"]):
        assert block["resources"]["requests"].keys() == {"cpu", "memory"}, release.urn


# -- the operator's IAM role ---------------------------------------------------------------------

def test_external_secrets_role_trusts_only_its_service_account(default_run):
    role = default_run.one(ROLE, f"{NAME}-external-secrets-role")
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust == {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"Federated": OIDC_ARN},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {
            f"{ISSUER}:sub": "system:serviceaccount:external-secrets:external-secrets",
            f"{ISSUER}:aud": "sts.amazonaws.com"}},
    }]}, role.urn


def test_external_secrets_policy_reads_exactly_the_given_secrets(default_run):
    policy = default_run.one(ROLE_POLICY, f"{NAME}-external-secrets-policy")
    role = default_run.one(ROLE)
    assert role.urn in policy.dependencies, policy.urn
    document = json.loads(policy.inputs["policy"])
    assert document == {"Version": "2012-10-17", "Statement": [
        {"Sid": "ReadPlatformSecrets", "Effect": "Allow",
         "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
         "Resource": SECRET_ARNS},
        {"Sid": "DecryptPlatformSecrets", "Effect": "Allow", "Action": "kms:Decrypt",
         "Resource": KMS_KEY_ARNS,
         "Condition": {"StringEquals": {
             "kms:ViaService": f"secretsmanager.{REGION}.amazonaws.com"}}},
    ]}, policy.urn
    resources = [r for s in document["Statement"] for r in s["Resource"]]
    assert not [r for r in resources if "*" in r], policy.urn


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
    policy = recording.one(ROLE_POLICY)
    statements = json.loads(policy.inputs["policy"])["Statement"]
    assert [s["Resource"] for s in statements] == [[SECRET_ARNS[0]], [key.outputs["arn"]]]
    assert key.urn in policy.dependencies, policy.dependencies


def test_no_secrets_no_policy():
    recording = build(make_args(secret_arns=[], secret_kms_key_arns=[]))
    assert not recording.of_type(ROLE_POLICY)
    assert len(recording.of_type(ROLE)) == 1


def test_secrets_without_customer_keys_get_no_kms_statement():
    recording = build(make_args(secret_kms_key_arns=[]))
    statements = json.loads(recording.one(ROLE_POLICY).inputs["policy"])["Statement"]
    assert [s["Sid"] for s in statements] == ["ReadPlatformSecrets"]


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
                       default_run.one(ROLE_POLICY)):
        assert dependency.urn in store.dependencies, (store.urn, store.dependencies)


def test_no_cluster_issuer_without_an_acme_email(default_run):
    assert not default_run.of_type(ISSUER_TYPE)
    assert default_run.exports["cluster_issuer_name"] is None


def test_cluster_issuer_uses_letsencrypt_production_through_nginx(issuer_run):
    issuer = issuer_run.one(ISSUER_TYPE, f"{NAME}-cluster-issuer")
    assert issuer.inputs["apiVersion"] == "cert-manager.io/v1", issuer.urn
    assert issuer.inputs["metadata"]["name"] == "letsencrypt", issuer.urn
    assert issuer.inputs["metadata"]["labels"]["app.kubernetes.io/managed-by"] == \
        "forge-infra", issuer.urn
    assert issuer.inputs["spec"] == {"acme": {
        "email": "platform@example.com",
        "server": "https://acme-v02.api.letsencrypt.org/directory",
        "privateKeySecretRef": {"name": "letsencrypt-account-key"},
        "solvers": [{"http01": {"ingress": {"ingressClassName": "nginx"}}}],
    }}, issuer.urn
    for key in ("cert-manager", "ingress-nginx"):
        assert _release(issuer_run, key).urn in issuer.dependencies, (key, issuer.dependencies)
    assert issuer_run.exports["cluster_issuer_name"] == "letsencrypt"


# -- toggles ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("off", ["ingress_nginx", "cert_manager", "external_secrets"])
def test_a_disabled_addon_is_absent(off):
    recording = build(make_args(**{off: False}))
    key = off.replace("_", "-")
    names = sorted(r.name for r in recording.of_type(RELEASE))
    assert names == sorted(f"{NAME}-{k}" for k in EXPECTED_RELEASES if k != key)
    assert sorted(r.name for r in recording.of_type(NAMESPACE)) == sorted(
        f"{NAME}-{k}-namespace" for k in EXPECTED_RELEASES if k != key)
    assert sorted(recording.exports["release_names"]) == sorted(
        k for k in EXPECTED_RELEASES if k != key)
    if off == "external_secrets":
        assert not recording.of_type(ROLE) and not recording.of_type(ROLE_POLICY)
        assert not recording.of_type(STORE_TYPE)
        assert recording.exports["secret_store_name"] is None
        assert recording.exports["secret_store_kind"] is None
        assert recording.exports["external_secrets_role_arn"] is None
    else:
        assert len(recording.of_type(STORE_TYPE)) == 1


def test_everything_off_creates_only_the_component():
    recording = build(make_args(ingress_nginx=False, cert_manager=False,
                                external_secrets=False))
    component = recording.one(TYPE_TOKEN)
    assert recording.children_of(component.urn) == []
    assert {r.type for r in recording.resources} == {TYPE_TOKEN, K8S_PROVIDER}
    assert recording.exports["release_names"] == {}


def test_issuer_without_ingress_nginx_uses_the_named_class_and_no_release_dependency():
    recording = build(make_args(ingress_nginx=False, acme_email="ops@example.com"))
    issuer = recording.one(ISSUER_TYPE)
    assert issuer.dependencies == [_release(recording, "cert-manager").urn], issuer.dependencies


# -- structure, providers, outputs ---------------------------------------------------------------

def test_every_child_is_parented_and_aws_children_tagged(issuer_run):
    component = issuer_run.one(TYPE_TOKEN)
    children = [r for r in issuer_run.resources if r.type not in (TYPE_TOKEN, K8S_PROVIDER)]
    assert len(children) == 10, [r.name for r in children]
    for child in children:
        assert child.parent == component.urn, child.urn
        assert child.name.startswith(f"{NAME}-"), child.urn
    tagged = assert_all_tagged(issuer_run, TYPE_TOKEN)
    assert [r.type for r in tagged] == [ROLE]
    tags = tagged[0].inputs["tags"]
    assert tags == {"Name": f"{NAME}-external-secrets-role", **TAGS, "component": TYPE_TOKEN}


def test_kubernetes_children_use_the_given_provider(default_run):
    provider = default_run.one(K8S_PROVIDER).urn
    kube = [r for r in default_run.resources if r.type.startswith("kubernetes:")]
    assert len(kube) == 7, [r.name for r in kube]
    for resource in kube:
        assert resource.provider == provider, (resource.urn, resource.provider)
    # The IAM children use the default AWS provider, not the Kubernetes one.
    iam = [r for r in default_run.resources if r.type.startswith("aws:")]
    assert [(r.type, r.provider) for r in iam] == [(ROLE, None), (ROLE_POLICY, None)]


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
    assert checked == 9, checked


def test_outputs(default_run):
    assert default_run.exports == {
        "ingress_class_name": "nginx",
        "cluster_issuer_name": None,
        "secret_store_name": "aws-secrets-manager",
        "secret_store_kind": "ClusterSecretStore",
        "external_secrets_role_arn": _role_arn(default_run),
        "release_names": {"ingress-nginx": "ingress-nginx", "cert-manager": "cert-manager",
                          "external-secrets": "external-secrets"},
    }


# -- argument validation ----------------------------------------------------------------------

@pytest.mark.parametrize(("overrides", "message"), [
    ({"acme_email": "ops@example.com", "cert_manager": False},
     "EksAddonsArgs: acme_email is set but cert_manager is False; the ClusterIssuer "
     "needs cert-manager's CRDs"),
    ({"acme_email": "not-an-email"},
     "EksAddonsArgs: acme_email 'not-an-email' is not an e-mail address"),
    ({"secret_arns": ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:forge/*"]},
     "EksAddonsArgs: secret_arns must name exact ARNs, not wildcards: "
     "['arn:aws:secretsmanager:eu-west-1:123456789012:secret:forge/*']"),
    ({"secret_kms_key_arns": ["*"]},
     "EksAddonsArgs: secret_kms_key_arns must name exact ARNs, not wildcards: ['*']"),
    ({"ingress_class_name": "Nginx"},
     "EksAddonsArgs: ingress_class_name 'Nginx' is not a DNS-1123 label"),
    ({"ingress_replicas": 0}, "EksAddonsArgs: ingress_replicas must be at least 1, not 0"),
    ({"timeout_seconds": 0}, "EksAddonsArgs: timeout_seconds must be positive, not 0"),
    ({"cert_manager_version": ""},
     "EksAddonsArgs: cert_manager_version is empty; pin a chart version"),
])
def test_invalid_args_are_rejected(overrides, message):
    args = make_args(**overrides)
    with pytest.raises(ValueError) as excinfo:
        run_mocked(lambda: EksAddons(NAME, args), region=REGION)
    assert str(excinfo.value) == message


def test_the_analyzer_infers_the_interface():
    """Exactly these outputs (no release, namespace or role resource among them)."""
    definition = assert_component_schema(EksAddons, None, {
        "ingress_class_name", "cluster_issuer_name", "secret_store_name", "secret_store_kind",
        "external_secrets_role_arn", "release_names"})
    assert sorted(n for n, p in definition.inputs.items() if not p.optional) == [
        "oidcIssuerUrl", "oidcProviderArn", "region"]
