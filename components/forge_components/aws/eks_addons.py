"""EksAddons: the cluster-wide add-ons the forge-platform chart relies on, on EKS.

The platform chart assumes the cluster already serves three things (see its values.yaml):

- an IngressClass (``ingress.className``, "nginx" by default) whose controller serves the
  release's Ingress;
- a cert-manager ClusterIssuer (``ingress.clusterIssuer``, "letsencrypt" in the program) that
  issues each host's certificate;
- the External Secrets Operator serving ``external-secrets.io/v1`` and a ClusterSecretStore named
  "aws-secrets-manager" (``secrets.storeRef``, injected through ``platform_values``'s
  ``secret_store_name``) from which every ExternalSecret reads.

`EksAddons` installs them: one ``helm.v3.Release`` per add-on, each from its upstream chart
repository at a pinned version, into its own Namespace (a child, labelled for Pod Security
Admission); the ClusterIssuer and the ClusterSecretStore as custom resources that wait for the
release that installs their CRDs; and an IRSA role for the External Secrets Operator that may
read exactly the platform's secrets (``secret_arns``) and decrypt them with exactly their KMS keys
(``secret_kms_key_arns``), only through Secrets Manager.

Providers: the Kubernetes provider (which cluster) and, optionally, an AWS provider reach the
children through ``opts`` (``providers=[k8s_provider]`` or ``providers=[aws_provider,
k8s_provider]``): a component's providers are inherited by its children by package.

What this component does not do: install the AWS Load Balancer Controller. The ingress-nginx
Service is of type LoadBalancer with ``service.beta.kubernetes.io/aws-load-balancer-type: nlb``,
which the in-tree (legacy) AWS cloud provider that EKS runs turns into an internet-facing Network
Load Balancer with instance targets in the subnets tagged ``kubernetes.io/role/elb``. If the AWS
Load Balancer Controller is installed later, the ``aws-load-balancer-scheme`` annotation set here
keeps the NLB internet-facing.

Note: the Kubernetes project announced the retirement of ingress-nginx (best-effort maintenance
until March 2026). Keep `ingress_nginx_version` on the latest patch release, and plan a move to
a Gateway API implementation; the chart's ``ingress.className`` makes that a values change.
"""

import dataclasses
import re
from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from forge_components.aws.iam import irsa_trust_policy
from forge_components.aws.tags import resource_tags
from forge_components.common import MANAGED_BY, child_opts

TYPE_TOKEN = "forge-aws:index:EksAddons"

INGRESS_NGINX_REPO = "https://kubernetes.github.io/ingress-nginx"
CERT_MANAGER_REPO = "https://charts.jetstack.io"
EXTERNAL_SECRETS_REPO = "https://charts.external-secrets.io"

# Each pin is the versions table's default for its chart (aws/versions.yaml, with sources);
# tests keep the two equal.
INGRESS_NGINX_VERSION = "4.14.2"
"""The pinned ingress-nginx chart: its last release (controller v1.14.2); the project is retired."""
CERT_MANAGER_VERSION = "v1.21.2"
"""The pinned cert-manager chart (cert-manager's chart versions carry the "v")."""
EXTERNAL_SECRETS_VERSION = "2.9.0"
"""The pinned External Secrets Operator chart (serves external-secrets.io/v1)."""

INGRESS_NGINX_NAMESPACE = "ingress-nginx"
"""Namespace (and Helm release name) of ingress-nginx; the platform chart's NetworkPolicies admit
the controller from this namespace (``networkPolicy.ingressControllerNamespace``)."""
CERT_MANAGER_NAMESPACE = "cert-manager"
"""Namespace (and Helm release name) of cert-manager."""
EXTERNAL_SECRETS_NAMESPACE = "external-secrets"
"""Namespace (and Helm release name) of the External Secrets Operator."""
EXTERNAL_SECRETS_SERVICE_ACCOUNT = "external-secrets"
"""The operator's service account: the subject its IRSA role trusts."""

CLUSTER_ISSUER_NAME = "letsencrypt"
"""The ClusterIssuer created when `acme_email` is given (the platform chart's
``ingress.clusterIssuer``)."""
SECRET_STORE_NAME = "aws-secrets-manager"
"""The ClusterSecretStore the platform chart's ExternalSecrets read from."""
SECRET_STORE_KIND = "ClusterSecretStore"
"""The kind of that store (cluster-wide, so any namespace's ExternalSecrets may use it)."""
LETSENCRYPT_PRODUCTION = "https://acme-v02.api.letsencrypt.org/directory"
"""Let's Encrypt's production ACME directory."""

POD_SECURITY_RESTRICTED: Mapping[str, str] = {
    "pod-security.kubernetes.io/enforce": "restricted",
    "pod-security.kubernetes.io/enforce-version": "latest",
    "pod-security.kubernetes.io/audit": "restricted",
    "pod-security.kubernetes.io/warn": "restricted",
}
"""Namespace labels: Pod Security Admission enforces "restricted" (cert-manager, ESO: their
charts' default security contexts satisfy it)."""
POD_SECURITY_BASELINE: Mapping[str, str] = {
    "pod-security.kubernetes.io/enforce": "baseline",
    "pod-security.kubernetes.io/enforce-version": "latest",
    "pod-security.kubernetes.io/audit": "restricted",
    "pod-security.kubernetes.io/warn": "restricted",
}
"""Namespace labels for ingress-nginx: enforce "baseline", audit and warn "restricted". The
controller binds 80/443 (NET_BIND_SERVICE) and its chart's security contexts have changed between
releases; enforcing "restricted" would make an upgrade fail at admission time, not at preview."""

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class EksAddonsArgs(TypedDict):
    """Arguments of `EksAddons`."""

    oidc_provider_arn: pulumi.Input[str]
    """The cluster's IAM OIDC provider (`EksCompute.oidc_provider_arn`), trusted by the External
    Secrets Operator's IRSA role. Required."""
    oidc_issuer_url: pulumi.Input[str]
    """The cluster's OIDC issuer URL with its https:// prefix (`EksCompute.oidc_issuer_url`).
    Required."""
    region: pulumi.Input[str]
    """The region of Secrets Manager (the ClusterSecretStore's region and the kms:ViaService
    condition). Required."""
    secret_arns: NotRequired[list[pulumi.Input[str]]]
    """The Secrets Manager secrets the platform may read: the operator's role gets
    secretsmanager:GetSecretValue and DescribeSecret on exactly these ARNs (no wildcards).
    Defaults to [] (the role may read nothing)."""
    secret_kms_key_arns: NotRequired[list[pulumi.Input[str]]]
    """The customer-managed KMS keys those secrets are encrypted with: the role gets kms:Decrypt
    on exactly these, only via secretsmanager.<region>.amazonaws.com. Secrets under the
    AWS-managed key aws/secretsmanager need no entry. Defaults to []."""
    ingress_nginx: NotRequired[bool]
    """Install the ingress-nginx controller (IngressClass `ingress_class_name`, two replicas, a
    PodDisruptionBudget, an internet-facing NLB). Defaults to True."""
    ingress_nginx_version: NotRequired[str]
    """The ingress-nginx chart version. Defaults to "4.14.2"."""
    ingress_class_name: NotRequired[str]
    """The IngressClass ingress-nginx serves, and the class the ClusterIssuer's HTTP-01 solver
    uses (the platform chart's ``ingress.className``). Defaults to "nginx"."""
    ingress_replicas: NotRequired[int]
    """Replicas of the ingress-nginx controller (spread across zones; a PodDisruptionBudget
    keeps one available when there are two or more). Defaults to 2."""
    cert_manager: NotRequired[bool]
    """Install cert-manager, with its CRDs (``crds.enabled``; kept on uninstall so certificates
    survive). Defaults to True."""
    cert_manager_version: NotRequired[str]
    """The cert-manager chart version. Defaults to "v1.21.2"."""
    acme_email: NotRequired[str | None]
    """The ACME account e-mail. When given, a ClusterIssuer "letsencrypt" issues certificates
    from Let's Encrypt's production directory by HTTP-01 through `ingress_class_name`; requires
    `cert_manager`. Defaults to unset (no ClusterIssuer is created: the platform chart's
    ``ingress.clusterIssuer`` then names an issuer nobody created, so set it empty or bring your
    own)."""
    external_secrets: NotRequired[bool]
    """Install the External Secrets Operator (with its CRDs and an IRSA role) and the
    ClusterSecretStore "aws-secrets-manager". Defaults to True."""
    external_secrets_version: NotRequired[str]
    """The External Secrets Operator chart version. Defaults to "2.9.0"."""
    timeout_seconds: NotRequired[int]
    """How long Helm waits for each release before failing (and, atomic, rolling back).
    Defaults to 600."""
    tags: NotRequired[dict[str, str]]
    """Tags added to every taggable AWS child (the operator's IAM role). Defaults to {}."""


@dataclasses.dataclass(frozen=True)
class _Settings:
    """`EksAddonsArgs` with every default applied and every rule checked."""


    oidc_provider_arn: pulumi.Input[str]
    oidc_issuer_url: pulumi.Input[str]
    region: pulumi.Input[str]
    secret_arns: list[pulumi.Input[str]] = dataclasses.field(default_factory=list)
    secret_kms_key_arns: list[pulumi.Input[str]] = dataclasses.field(default_factory=list)
    ingress_nginx: bool = True
    ingress_nginx_version: str = INGRESS_NGINX_VERSION
    ingress_class_name: str = "nginx"
    ingress_replicas: int = 2
    cert_manager: bool = True
    cert_manager_version: str = CERT_MANAGER_VERSION
    acme_email: str | None = None
    external_secrets: bool = True
    external_secrets_version: str = EXTERNAL_SECRETS_VERSION
    timeout_seconds: int = 600
    tags: dict[str, str] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_args(cls, args: EksAddonsArgs) -> "_Settings":
        """Apply the defaults to `args` and reject inconsistent settings."""
        values: dict[str, Any] = {k: v for k, v in dict(args).items() if v is not None}
        unknown = sorted(set(values) - {f.name for f in dataclasses.fields(cls)})
        if unknown:
            raise ValueError(f"EksAddonsArgs: unknown fields {unknown}")
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        """Reject contradictory or unsafe settings with a message naming the fields."""
        if self.acme_email is not None and not self.cert_manager:
            raise ValueError("EksAddonsArgs: acme_email is set but cert_manager is False; "
                             "the ClusterIssuer needs cert-manager's CRDs")
        if self.acme_email is not None and not _EMAIL.match(self.acme_email):
            raise ValueError(f"EksAddonsArgs: acme_email {self.acme_email!r} is not an "
                             "e-mail address")
        if not _DNS_LABEL.match(self.ingress_class_name) or len(self.ingress_class_name) > 63:
            raise ValueError(f"EksAddonsArgs: ingress_class_name "
                             f"{self.ingress_class_name!r} is not a DNS-1123 label")
        for field in ("secret_arns", "secret_kms_key_arns"):
            wild = [a for a in getattr(self, field) if isinstance(a, str) and "*" in a]
            if wild:
                raise ValueError(f"EksAddonsArgs: {field} must name exact ARNs, not "
                                 f"wildcards: {wild}")
        if self.ingress_replicas < 1:
            raise ValueError(f"EksAddonsArgs: ingress_replicas must be at least 1, not "
                             f"{self.ingress_replicas}")
        if self.timeout_seconds <= 0:
            raise ValueError(f"EksAddonsArgs: timeout_seconds must be positive, not "
                             f"{self.timeout_seconds}")
        for field in ("ingress_nginx_version", "cert_manager_version",
                      "external_secrets_version"):
            if not getattr(self, field):
                raise ValueError(f"EksAddonsArgs: {field} is empty; pin a chart version")


def _requests(cpu: str, memory: str) -> dict[str, Any]:
    """A container's resource requests, as Helm values."""
    return {"requests": {"cpu": cpu, "memory": memory}}


def ingress_nginx_values(class_name: str, replicas: int) -> dict[str, Any]:
    """ingress-nginx values: the IngressClass, an internet-facing NLB, replicas and a PDB."""
    return {
        "controller": {
            "replicaCount": replicas,
            # The chart renders a PodDisruptionBudget when replicaCount > 1.
            "minAvailable": 1,
            "ingressClass": class_name,
            "ingressClassResource": {
                "name": class_name, "enabled": True, "default": False,
                "controllerValue": "k8s.io/ingress-nginx"},
            "watchIngressWithoutClass": False,
            # Snippet annotations let any Ingress author inject nginx configuration.
            "allowSnippetAnnotations": False,
            "resources": _requests("100m", "128Mi"),
            "topologySpreadConstraints": [{
                "maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": {
                    "app.kubernetes.io/name": "ingress-nginx",
                    "app.kubernetes.io/instance": INGRESS_NGINX_NAMESPACE,
                    "app.kubernetes.io/component": "controller"}},
            }],
            "service": {
                "type": "LoadBalancer",
                # Keep the client's address (NLB instance targets, health-checked per node).
                "externalTrafficPolicy": "Local",
                "annotations": {
                    # In-tree AWS cloud provider: an NLB (internet-facing unless marked
                    # internal); the scheme annotation keeps it public under the AWS Load
                    # Balancer Controller too.
                    "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
                    "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
                },
            },
            "admissionWebhooks": {
                "createSecretJob": {"resources": _requests("10m", "32Mi")},
                "patchWebhookJob": {"resources": _requests("10m", "32Mi")},
            },
        },
    }


def cert_manager_values() -> dict[str, Any]:
    """cert-manager values: CRDs installed (and kept) by the chart, resource requests."""
    return {
        "crds": {"enabled": True, "keep": True},
        "resources": _requests("10m", "64Mi"),
        "webhook": {"resources": _requests("10m", "32Mi")},
        "cainjector": {"resources": _requests("10m", "64Mi")},
        "startupapicheck": {"resources": _requests("10m", "32Mi")},
    }


def external_secrets_values(role_arn: pulumi.Input[str]) -> dict[str, Any]:
    """External Secrets Operator values: CRDs, the IRSA-annotated service account, requests."""
    return {
        "installCRDs": True,
        "serviceAccount": {
            "create": True,
            "name": EXTERNAL_SECRETS_SERVICE_ACCOUNT,
            "annotations": {"eks.amazonaws.com/role-arn": role_arn},
        },
        "resources": _requests("10m", "64Mi"),
        "webhook": {"resources": _requests("10m", "32Mi")},
        "certController": {"resources": _requests("10m", "64Mi")},
    }


def secrets_read_policy(secret_arns: list[pulumi.Input[str]],
                        kms_key_arns: list[pulumi.Input[str]],
                        region: pulumi.Input[str]) -> list[dict[str, Any]]:
    """IAM statements: read exactly `secret_arns`, decrypt with `kms_key_arns` via Secrets
    Manager only. Empty lists give no statement (IAM rejects an empty Resource)."""
    statements: list[dict[str, Any]] = []
    if secret_arns:
        statements.append({
            "Sid": "ReadPlatformSecrets",
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
            "Resource": list(secret_arns),
        })
    if kms_key_arns:
        via = pulumi.Output.from_input(region).apply(
            lambda r: f"secretsmanager.{r}.amazonaws.com")
        statements.append({
            "Sid": "DecryptPlatformSecrets",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": list(kms_key_arns),
            "Condition": {"StringEquals": {"kms:ViaService": via}},
        })
    return statements


def _reported_name(release: k8s.helm.v3.Release, default: str) -> pulumi.Output[str]:
    """The release's name as Helm reports it, or `default` before it does."""
    return release.status.apply(lambda status: (status.name if status else None) or default)


class EksAddons(pulumi.ComponentResource):
    """ingress-nginx, cert-manager (+ ClusterIssuer) and External Secrets (+ store) on EKS."""

    ingress_class_name: pulumi.Output[str]
    """The IngressClass the platform's Ingress should name (served by ingress-nginx when it is
    installed)."""
    cluster_issuer_name: pulumi.Output[str] | None
    """The ClusterIssuer's name ("letsencrypt"); None when `acme_email` is unset."""
    secret_store_name: pulumi.Output[str] | None
    """The ClusterSecretStore's name ("aws-secrets-manager"), for the chart's
    ``secrets.storeRef``; None when `external_secrets` is False."""
    secret_store_kind: pulumi.Output[str] | None
    """The store's kind ("ClusterSecretStore"); None when `external_secrets` is False."""
    external_secrets_role_arn: pulumi.Output[str] | None
    """The External Secrets Operator's IRSA role; None when `external_secrets` is False."""
    release_names: pulumi.Output[dict[str, str]]
    """The Helm release names, as Helm reports them, keyed by add-on ("ingress-nginx",
    "cert-manager", "external-secrets"); only installed add-ons appear."""

    def __init__(self, name: str, args: EksAddonsArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        cfg = _Settings.from_args(args)
        super().__init__(TYPE_TOKEN, name, None, opts)
        # Resources stay private (no component output is a resource): for depends_on.
        self._releases: dict[str, k8s.helm.v3.Release] = {}
        self._namespaces: dict[str, k8s.core.v1.Namespace] = {}
        self._cluster_issuer: k8s.apiextensions.CustomResource | None = None
        self._secret_store: k8s.apiextensions.CustomResource | None = None
        self._external_secrets_role: aws.iam.Role | None = None
        self.external_secrets_role_arn = None

        def labels(component: str) -> dict[str, str]:
            return {"app.kubernetes.io/managed-by": MANAGED_BY,
                    "app.kubernetes.io/part-of": "forge",
                    "app.kubernetes.io/component": component}

        def install(key: str, namespace: str, pod_security: Mapping[str, str], repo: str,
                    version: str, values: Mapping[str, Any]) -> k8s.helm.v3.Release:
            ns = k8s.core.v1.Namespace(
                f"{name}-{key}-namespace",
                metadata=k8s.meta.v1.ObjectMetaArgs(
                    name=namespace, labels={**pod_security, **labels(key)}),
                opts=child_opts(self))
            release = k8s.helm.v3.Release(
                f"{name}-{key}",
                k8s.helm.v3.ReleaseArgs(
                    chart=key,
                    version=version,
                    repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=repo),
                    name=namespace,
                    namespace=ns.metadata.apply(lambda m: m.name),
                    create_namespace=False,
                    values=values,
                    atomic=True,
                    cleanup_on_fail=True,
                    timeout=cfg.timeout_seconds,
                    max_history=10,
                ),
                opts=child_opts(self))
            self._namespaces[key] = ns
            self._releases[key] = release
            return release

        # -- ingress-nginx ---------------------------------------------------------------------
        if cfg.ingress_nginx:
            install("ingress-nginx", INGRESS_NGINX_NAMESPACE, POD_SECURITY_BASELINE,
                    INGRESS_NGINX_REPO, cfg.ingress_nginx_version,
                    ingress_nginx_values(cfg.ingress_class_name, cfg.ingress_replicas))

        # -- cert-manager and the ClusterIssuer --------------------------------------------------
        if cfg.cert_manager:
            cert_manager = install("cert-manager", CERT_MANAGER_NAMESPACE,
                                   POD_SECURITY_RESTRICTED, CERT_MANAGER_REPO,
                                   cfg.cert_manager_version, cert_manager_values())
            if cfg.acme_email is not None:
                after: list[pulumi.Resource] = [cert_manager]
                if "ingress-nginx" in self._releases:
                    after.append(self._releases["ingress-nginx"])
                self._cluster_issuer = k8s.apiextensions.CustomResource(
                    f"{name}-cluster-issuer",
                    api_version="cert-manager.io/v1",
                    kind="ClusterIssuer",
                    metadata=k8s.meta.v1.ObjectMetaArgs(
                        name=CLUSTER_ISSUER_NAME, labels=labels("cert-manager")),
                    spec={"acme": {
                        "email": cfg.acme_email,
                        "server": LETSENCRYPT_PRODUCTION,
                        "privateKeySecretRef": {"name": f"{CLUSTER_ISSUER_NAME}-account-key"},
                        "solvers": [{"http01": {"ingress": {
                            "ingressClassName": cfg.ingress_class_name}}}],
                    }},
                    opts=child_opts(self, depends_on=after))

        # -- External Secrets Operator, its IRSA role and the ClusterSecretStore ----------------
        if cfg.external_secrets:
            role_name = f"{name}-external-secrets-role"
            trust = pulumi.Output.all(cfg.oidc_provider_arn, cfg.oidc_issuer_url).apply(
                lambda a: irsa_trust_policy(a[0], a[1], EXTERNAL_SECRETS_NAMESPACE,
                                            EXTERNAL_SECRETS_SERVICE_ACCOUNT))
            role = aws.iam.Role(
                role_name, assume_role_policy=trust,
                description=(f"IRSA role of {EXTERNAL_SECRETS_NAMESPACE}/"
                             f"{EXTERNAL_SECRETS_SERVICE_ACCOUNT}: reads the platform's "
                             "secrets"),
                tags=resource_tags(role_name, TYPE_TOKEN, cfg.tags),
                opts=child_opts(self))
            statements = secrets_read_policy(cfg.secret_arns, cfg.secret_kms_key_arns,
                                             cfg.region)
            role_ready: list[pulumi.Resource] = [role]
            if statements:
                role_ready.append(aws.iam.RolePolicy(
                    f"{name}-external-secrets-policy", role=role.id,
                    policy=pulumi.Output.json_dumps(
                        {"Version": "2012-10-17", "Statement": statements}),
                    opts=child_opts(self)))
            self._external_secrets_role = role
            self.external_secrets_role_arn = role.arn

            eso = install("external-secrets", EXTERNAL_SECRETS_NAMESPACE,
                          POD_SECURITY_RESTRICTED, EXTERNAL_SECRETS_REPO,
                          cfg.external_secrets_version, external_secrets_values(role.arn))
            self._secret_store = k8s.apiextensions.CustomResource(
                f"{name}-secret-store",
                api_version="external-secrets.io/v1",
                kind=SECRET_STORE_KIND,
                metadata=k8s.meta.v1.ObjectMetaArgs(
                    name=SECRET_STORE_NAME, labels=labels("external-secrets")),
                spec={"provider": {"aws": {
                    "service": "SecretsManager",
                    "region": cfg.region,
                    "auth": {"jwt": {"serviceAccountRef": {
                        "name": EXTERNAL_SECRETS_SERVICE_ACCOUNT,
                        "namespace": EXTERNAL_SECRETS_NAMESPACE}}},
                }}},
                # The CRD comes with the release; the role's permissions before first use.
                opts=child_opts(self, depends_on=[eso, *role_ready]))

        self.ingress_class_name = pulumi.Output.from_input(cfg.ingress_class_name)
        self.cluster_issuer_name = (
            pulumi.Output.from_input(CLUSTER_ISSUER_NAME) if self._cluster_issuer else None)
        self.secret_store_name = (
            pulumi.Output.from_input(SECRET_STORE_NAME) if self._secret_store else None)
        self.secret_store_kind = (
            pulumi.Output.from_input(SECRET_STORE_KIND) if self._secret_store else None)
        self.release_names = pulumi.Output.all(**{
            key: _reported_name(release, key) for key, release in self._releases.items()
        }).apply(dict)
        self.register_outputs({
            "ingress_class_name": self.ingress_class_name,
            "cluster_issuer_name": self.cluster_issuer_name,
            "secret_store_name": self.secret_store_name,
            "secret_store_kind": self.secret_store_kind,
            "external_secrets_role_arn": self.external_secrets_role_arn,
            "release_names": self.release_names,
        })
