"""EksAddons: the cluster-wide add-ons the forge-platform chart relies on, on EKS.

The platform chart assumes the cluster already serves these (see its values.yaml):

- an IngressClass (``ingress.className``, "alb" by default) whose controller serves the
  release's Ingress: the AWS Load Balancer Controller, which turns it into an internet-facing
  Application Load Balancer with IP targets (the pods themselves) in the public subnets, TLS
  terminated at the ALB with an ACM certificate;
- DNS for the Ingress hosts: external-dns writes each host's alias record into the stack's
  Route 53 hosted zone, pointing at the ALB, with no manual step;
- resource metrics for the HorizontalPodAutoscalers (metrics-server), and nodes for the pods
  the HPAs add (the Cluster Autoscaler, which scales the managed node group between its
  minimum and maximum);
- the External Secrets Operator serving ``external-secrets.io/v1`` and a ClusterSecretStore named
  "aws-secrets-manager" (``secrets.storeRef``, injected through ``platform_values``'s
  ``secret_store_name``) from which every ExternalSecret reads;
- with ``progressive_delivery`` (the stack's rollout is canary or blue_green): the Argo Rollouts
  controller and its CRDs (``argoproj.io/v1alpha1`` Rollout, AnalysisTemplate, ...), which
  releases the chart's Rollouts through the ALB Ingress and aborts them on CloudWatch signals.

`EksAddons` installs them: one ``helm.v3.Release`` per add-on, each from its upstream chart
repository at a pinned version (aws/versions.yaml holds the pins with their sources), into its
own Namespace (a child, labelled for Pod Security Admission "restricted": every release's
security contexts are set here to satisfy it); one IRSA role per add-on that calls AWS, each
trusting exactly its service account and allowed exactly what its project documents:

- the AWS Load Balancer Controller: the project's published policy for the pinned version,
  verbatim (``templates/aws-load-balancer-controller-iam-policy-v3.5.0.json``);
- external-dns: record changes in the one hosted zone ``hosted_zone_id`` (A, AAAA and its TXT
  ownership records), listing zones (which IAM cannot scope);
- the Cluster Autoscaler: describe calls, and SetDesiredCapacity /
  TerminateInstanceInAutoScalingGroup only on Auto Scaling groups tagged
  ``k8s.io/cluster-autoscaler/<cluster>: owned`` (EKS tags a managed node group's group so);
- the External Secrets Operator: read exactly the platform's secrets (``secret_arns``) and
  decrypt them with exactly their KMS keys (``secret_kms_key_arns``), only through Secrets
  Manager;
- Argo Rollouts: the six Elastic Load Balancing describe calls its target group verification
  makes (which also fills the Rollout's ``status.alb``) and ``cloudwatch:GetMetricData`` for
  the analysis (`argo_rollouts_policy`);

and the ACM certificate of the Ingress hosts (``certificate_hosts``), DNS-validated in the
hosted zone, whose ARN (``certificate_arn``, known once validated) goes into the platform
chart's ``ingress.alb.certificateArn``.

Disruption and priority: the load balancer controller (its webhooks must answer for Ingress and
Service changes) and metrics-server (the HPAs' only metrics source) run two replicas each with
a PodDisruptionBudget of one unavailable; the Cluster Autoscaler runs one (it elects a leader
anyway) with its chart's PodDisruptionBudget; external-dns runs one (a missed minute delays a
record, nothing else); Argo Rollouts runs ``argo_rollouts_replicas`` (the AWS target passes 2
in prod: one leads, the other takes over at once) with a PodDisruptionBudget from two on; a
stopped controller pauses a release, it does not break one. The charts' own
priorityClassName, system-cluster-critical for the controller, metrics-server and the
autoscaler, is kept: they must not be preempted by the
workloads they scale and route.

Providers: the Kubernetes provider (which cluster) and, optionally, an AWS provider reach the
children through ``opts`` (``providers=[k8s_provider]`` or ``providers=[aws_provider,
k8s_provider]``): a component's providers are inherited by its children by package.

Not installed any more: ingress-nginx (retired by the Kubernetes project in March 2026) and
cert-manager (nothing needs it: the ALB holds the ACM certificate, and the controller's chart
generates its own webhook certificate).
"""

import dataclasses
import functools
import importlib.resources
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from forge_components.aws import versions
from forge_components.aws.iam import irsa_trust_policy
from forge_components.aws.limits import ALB_TLS_POLICY
from forge_components.aws.tags import resource_tags
from forge_components.common import MANAGED_BY, child_opts

TYPE_TOKEN = "forge-aws:index:EksAddons"

LOAD_BALANCER_CONTROLLER_REPO = "https://aws.github.io/eks-charts"
EXTERNAL_DNS_REPO = "https://kubernetes-sigs.github.io/external-dns/"
METRICS_SERVER_REPO = "https://kubernetes-sigs.github.io/metrics-server/"
CLUSTER_AUTOSCALER_REPO = "https://kubernetes.github.io/autoscaler"
EXTERNAL_SECRETS_REPO = "https://charts.external-secrets.io"
ARGO_ROLLOUTS_REPO = "https://argoproj.github.io/argo-helm"

# Each pin is the versions table's default for its chart (aws/versions.yaml, with sources);
# tests keep the two equal.
LOAD_BALANCER_CONTROLLER_VERSION = "3.5.0"
"""The pinned AWS Load Balancer Controller chart (controller v3.5.0)."""
EXTERNAL_DNS_VERSION = "1.21.1"
"""The pinned external-dns chart (external-dns 0.21.0; Kubernetes 1.33+ needs 0.18+)."""
METRICS_SERVER_VERSION = "3.13.1"
"""The pinned metrics-server chart (metrics-server 0.8.1; Kubernetes 1.31+)."""
CLUSTER_AUTOSCALER_VERSION = "9.59.0"
"""The pinned Cluster Autoscaler chart (its image is chosen by the cluster's minor)."""
EXTERNAL_SECRETS_VERSION = "2.9.0"
"""The pinned External Secrets Operator chart (serves external-secrets.io/v1)."""
ARGO_ROLLOUTS_VERSION = "2.41.0"
"""The pinned Argo Rollouts chart (Argo Rollouts v1.9.0; status.alb fullName needs >= 1.5)."""

CLUSTER_AUTOSCALER_IMAGE_TAGS: Mapping[str, str] = versions.product(
    "cluster-autoscaler").image_tags
"""The Cluster Autoscaler image per Kubernetes minor (the autoscaler's minor must match the
cluster's): the versions table's ``image_tags`` of product cluster-autoscaler, with sources."""

TLS_POLICY = ALB_TLS_POLICY
"""The ALB's HTTPS security policy: `limits.ALB_TLS_POLICY` (TLS 1.3 and 1.2 only, hybrid
post-quantum key exchange offered; the source is recorded there), the same as ECS's ALB."""

LOAD_BALANCER_CONTROLLER_POLICY_FILE = (
    "templates/aws-load-balancer-controller-iam-policy-v3.5.0.json")
"""The controller's IAM policy, verbatim from its project for the pinned version: source
https://github.com/kubernetes-sigs/aws-load-balancer-controller/blob/v3.5.0/docs/install/iam_policy.json
(tag v3.5.0, commit 11eb202c97e4ae2ee45e0658c4cde9a4b59f33d4)."""

LOAD_BALANCER_CONTROLLER_NAMESPACE = "aws-load-balancer-controller"
"""Namespace (and Helm release name) of the AWS Load Balancer Controller."""
LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT = "aws-load-balancer-controller"
"""The controller's service account: the subject its IRSA role trusts."""
EXTERNAL_DNS_NAMESPACE = "external-dns"
"""Namespace (and Helm release name) of external-dns."""
EXTERNAL_DNS_SERVICE_ACCOUNT = "external-dns"
"""external-dns's service account: the subject its IRSA role trusts."""
METRICS_SERVER_NAMESPACE = "metrics-server"
"""Namespace (and Helm release name) of metrics-server."""
CLUSTER_AUTOSCALER_NAMESPACE = "cluster-autoscaler"
"""Namespace (and Helm release name) of the Cluster Autoscaler."""
CLUSTER_AUTOSCALER_SERVICE_ACCOUNT = "cluster-autoscaler"
"""The Cluster Autoscaler's service account: the subject its IRSA role trusts."""
EXTERNAL_SECRETS_NAMESPACE = "external-secrets"
"""Namespace (and Helm release name) of the External Secrets Operator."""
EXTERNAL_SECRETS_SERVICE_ACCOUNT = "external-secrets"
"""The operator's service account: the subject its IRSA role trusts."""

ARGO_ROLLOUTS_NAMESPACE = "argo-rollouts"
"""Namespace (and Helm release name) of Argo Rollouts."""
ARGO_ROLLOUTS_SERVICE_ACCOUNT = "argo-rollouts"
"""The Argo Rollouts controller's service account: the subject its IRSA role trusts."""

SECRET_STORE_NAME = "aws-secrets-manager"
"""The ClusterSecretStore the platform chart's ExternalSecrets read from."""
SECRET_STORE_KIND = "ClusterSecretStore"
"""The kind of that store (cluster-wide, so any namespace's ExternalSecrets may use it)."""

EXTERNAL_DNS_RECORD_TYPES = ("A", "AAAA", "TXT")
"""The record types external-dns may change: alias A/AAAA records at the ALB, and the TXT
records of its ownership registry."""

POD_SECURITY_RESTRICTED: Mapping[str, str] = {
    "pod-security.kubernetes.io/enforce": "restricted",
    "pod-security.kubernetes.io/enforce-version": "latest",
    "pod-security.kubernetes.io/audit": "restricted",
    "pod-security.kubernetes.io/warn": "restricted",
}
"""Namespace labels: Pod Security Admission enforces "restricted" for every add-on (the values
below set the security contexts the level asks for where a chart's defaults do not)."""

_RESTRICTED_CONTAINER: Mapping[str, Any] = {
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "runAsNonRoot": True,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}
"""A container security context the "restricted" Pod Security level admits."""

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_HOST = re.compile(r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_ZONE_ID = re.compile(r"^Z[A-Z0-9]{1,32}$")

class EksAddonsArgs(TypedDict):
    """Arguments of `EksAddons`."""

    cluster_name: pulumi.Input[str]
    """The EKS cluster's name (`EksCompute.cluster_name`): the load balancer controller's
    ``clusterName``, the Cluster Autoscaler's auto-discovery tag, and external-dns's default
    ownership id. Required."""
    vpc_id: pulumi.Input[str]
    """The cluster's VPC (`EksCompute.vpc_id`), given to the load balancer controller so it never
    needs the instance metadata service. Required."""
    oidc_provider_arn: pulumi.Input[str]
    """The cluster's IAM OIDC provider (`EksCompute.oidc_provider_arn`), trusted by every IRSA
    role here. Required."""
    oidc_issuer_url: pulumi.Input[str]
    """The cluster's OIDC issuer URL with its https:// prefix (`EksCompute.oidc_issuer_url`).
    Required."""
    region: pulumi.Input[str]
    """The cluster's region (the controllers' AWS region, the ClusterSecretStore's region and
    the kms:ViaService condition). Required."""
    kubernetes_version: NotRequired[str]
    """The cluster's Kubernetes minor ("1.36"): picks the Cluster Autoscaler image of the same
    minor. Defaults to "1.36"."""
    secret_arns: NotRequired[list[pulumi.Input[str]]]
    """The Secrets Manager secrets the platform may read: the operator's role gets
    secretsmanager:GetSecretValue and DescribeSecret on exactly these ARNs (no wildcards).
    Defaults to [] (the role may read nothing)."""
    secret_kms_key_arns: NotRequired[list[pulumi.Input[str]]]
    """The customer-managed KMS keys those secrets are encrypted with: the role gets kms:Decrypt
    on exactly these, only via secretsmanager.<region>.amazonaws.com. Secrets under the
    AWS-managed key aws/secretsmanager need no entry. Defaults to []."""
    load_balancer_controller: NotRequired[bool]
    """Install the AWS Load Balancer Controller (IngressClass `ingress_class_name`, with an IRSA
    role holding its published IAM policy). Defaults to True."""
    load_balancer_controller_version: NotRequired[str]
    """The AWS Load Balancer Controller chart version. Defaults to "3.5.0"."""
    ingress_class_name: NotRequired[str]
    """The IngressClass the controller serves (the platform chart's ``ingress.className``).
    Defaults to "alb"."""
    controller_replicas: NotRequired[int]
    """Replicas of the load balancer controller (one leads, the others serve its webhooks;
    spread across zones; a PodDisruptionBudget keeps all but one available when there are two
    or more). Defaults to 2."""
    domain_name: NotRequired[str | None]
    """The app's domain (``app.domain``): external-dns manages records at and below it only
    (``--domain-filter``). Defaults to unset (no external-dns)."""
    hosted_zone_id: NotRequired[str | None]
    """The Route 53 hosted zone holding `domain_name`: the certificate's validation records
    and external-dns's records go there, and external-dns's role may change this zone only.
    Defaults to unset (no certificate, no external-dns)."""
    certificate_hosts: NotRequired[list[str]]
    """The host names the ALB's ACM certificate covers (the Ingress hosts; the first is the
    certificate's domain, the others its alternative names); each lies at or below
    `domain_name`. Needs `hosted_zone_id`. Defaults to [] (no certificate)."""
    external_dns: NotRequired[bool]
    """Install external-dns (needs `domain_name` and `hosted_zone_id`). Defaults to True when
    both are given."""
    external_dns_version: NotRequired[str]
    """The external-dns chart version. Defaults to "1.21.1"."""
    external_dns_policy: NotRequired[str]
    """How external-dns synchronizes: "sync" also deletes the records it owns (its TXT
    registry, `external_dns_owner_id`) once their Ingress host is gone; "upsert-only" never
    deletes. Defaults to "sync"."""
    external_dns_owner_id: NotRequired[pulumi.Input[str]]
    """external-dns's ``txt-owner-id``: it changes only records whose TXT registry names this
    owner. Defaults to `cluster_name` (one owner per stack)."""
    metrics_server: NotRequired[bool]
    """Install metrics-server (the resource metrics API the HorizontalPodAutoscalers read; two
    replicas with a PodDisruptionBudget). Defaults to True."""
    metrics_server_version: NotRequired[str]
    """The metrics-server chart version. Defaults to "3.13.1"."""
    cluster_autoscaler: NotRequired[bool]
    """Install the Cluster Autoscaler (auto-discovers the cluster's managed node groups by
    their tags; an IRSA role scoped to them). Defaults to True."""
    cluster_autoscaler_version: NotRequired[str]
    """The Cluster Autoscaler chart version. Defaults to "9.59.0"."""
    external_secrets: NotRequired[bool]
    """Install the External Secrets Operator (with its CRDs and an IRSA role) and the
    ClusterSecretStore "aws-secrets-manager". Defaults to True."""
    external_secrets_version: NotRequired[str]
    """The External Secrets Operator chart version. Defaults to "2.9.0"."""
    progressive_delivery: NotRequired[bool]
    """Install Argo Rollouts (its CRDs, the controller with an IRSA role for its ALB target
    group verification and CloudWatch analysis): needed by the platform chart when the stack's
    rollout strategy is canary or blue_green. Defaults to False."""
    argo_rollouts_version: NotRequired[str]
    """The Argo Rollouts chart version. Defaults to "2.41.0"."""
    argo_rollouts_replicas: NotRequired[int]
    """Replicas of the Argo Rollouts controller (one leads; a PodDisruptionBudget of one
    unavailable when there are two or more). Defaults to 2."""
    timeout_seconds: NotRequired[int]
    """How long Helm waits for each release before failing (and, atomic, rolling back).
    Defaults to 600."""
    tags: NotRequired[dict[str, str]]
    """Tags added to every taggable AWS child (the IAM roles, the certificate). Defaults to
    {}."""


@dataclasses.dataclass(frozen=True)
class _Settings:
    """`EksAddonsArgs` with every default applied and every rule checked."""

    cluster_name: pulumi.Input[str]
    vpc_id: pulumi.Input[str]
    oidc_provider_arn: pulumi.Input[str]
    oidc_issuer_url: pulumi.Input[str]
    region: pulumi.Input[str]
    kubernetes_version: str = "1.36"
    secret_arns: list[pulumi.Input[str]] = dataclasses.field(default_factory=list)
    secret_kms_key_arns: list[pulumi.Input[str]] = dataclasses.field(default_factory=list)
    load_balancer_controller: bool = True
    load_balancer_controller_version: str = LOAD_BALANCER_CONTROLLER_VERSION
    ingress_class_name: str = "alb"
    controller_replicas: int = 2
    domain_name: str | None = None
    hosted_zone_id: str | None = None
    certificate_hosts: list[str] = dataclasses.field(default_factory=list)
    external_dns: bool | None = None
    external_dns_version: str = EXTERNAL_DNS_VERSION
    external_dns_policy: str = "sync"
    external_dns_owner_id: pulumi.Input[str] | None = None
    metrics_server: bool = True
    metrics_server_version: str = METRICS_SERVER_VERSION
    cluster_autoscaler: bool = True
    cluster_autoscaler_version: str = CLUSTER_AUTOSCALER_VERSION
    external_secrets: bool = True
    external_secrets_version: str = EXTERNAL_SECRETS_VERSION
    progressive_delivery: bool = False
    argo_rollouts_version: str = ARGO_ROLLOUTS_VERSION
    argo_rollouts_replicas: int = 2
    timeout_seconds: int = 600
    tags: dict[str, str] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_args(cls, args: EksAddonsArgs) -> "_Settings":
        """Apply the defaults to `args` and reject inconsistent settings."""
        values: dict[str, Any] = {k: v for k, v in dict(args).items() if v is not None}
        unknown = sorted(set(values) - {f.name for f in dataclasses.fields(cls)})
        if unknown:
            raise ValueError(f"EksAddonsArgs: unknown fields {unknown}")
        if "external_dns" not in values:
            values["external_dns"] = bool(values.get("domain_name")
                                          and values.get("hosted_zone_id"))
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        """Reject contradictory or unsafe settings with a message naming the fields."""
        if not _DNS_LABEL.match(self.ingress_class_name) or len(self.ingress_class_name) > 63:
            raise ValueError(f"EksAddonsArgs: ingress_class_name "
                             f"{self.ingress_class_name!r} is not a DNS-1123 label")
        for field in ("secret_arns", "secret_kms_key_arns"):
            wild = [a for a in getattr(self, field) if isinstance(a, str) and "*" in a]
            if wild:
                raise ValueError(f"EksAddonsArgs: {field} must name exact ARNs, not "
                                 f"wildcards: {wild}")
        for field in ("controller_replicas", "argo_rollouts_replicas"):
            if getattr(self, field) < 1:
                raise ValueError(f"EksAddonsArgs: {field} must be at least 1, not "
                                 f"{getattr(self, field)}")
        if self.timeout_seconds <= 0:
            raise ValueError(f"EksAddonsArgs: timeout_seconds must be positive, not "
                             f"{self.timeout_seconds}")
        for field in ("load_balancer_controller_version", "external_dns_version",
                      "metrics_server_version", "cluster_autoscaler_version",
                      "external_secrets_version", "argo_rollouts_version"):
            if not getattr(self, field):
                raise ValueError(f"EksAddonsArgs: {field} is empty; pin a chart version")
        if self.cluster_autoscaler and self.kubernetes_version not in \
                CLUSTER_AUTOSCALER_IMAGE_TAGS:
            raise ValueError(f"EksAddonsArgs: no Cluster Autoscaler image for Kubernetes "
                             f"{self.kubernetes_version!r}; known minors: "
                             f"{', '.join(CLUSTER_AUTOSCALER_IMAGE_TAGS)}")
        if self.hosted_zone_id is not None and not _ZONE_ID.match(self.hosted_zone_id):
            raise ValueError(f"EksAddonsArgs: hosted_zone_id {self.hosted_zone_id!r} is not a "
                             "Route 53 hosted zone id (Z...)")
        if self.domain_name is not None and not _HOST.match(self.domain_name):
            raise ValueError(f"EksAddonsArgs: domain_name {self.domain_name!r} is not a "
                             "lower-case DNS name")
        if self.certificate_hosts:
            if self.hosted_zone_id is None:
                raise ValueError("EksAddonsArgs: certificate_hosts needs hosted_zone_id (the "
                                 "certificate is validated through Route 53)")
            for host in self.certificate_hosts:
                if not _HOST.match(host) or not _within(host, self.domain_name):
                    raise ValueError(f"EksAddonsArgs: certificate host {host!r} is not a DNS "
                                     f"name at or below domain_name {self.domain_name!r}")
            if len(set(self.certificate_hosts)) != len(self.certificate_hosts):
                raise ValueError(f"EksAddonsArgs: certificate_hosts lists a host twice: "
                                 f"{self.certificate_hosts}")
        if self.external_dns and (self.domain_name is None or self.hosted_zone_id is None):
            raise ValueError("EksAddonsArgs: external_dns needs domain_name and hosted_zone_id "
                             "(it manages records below the domain, in that zone only)")
        if self.external_dns_policy not in ("sync", "upsert-only"):
            raise ValueError(f"EksAddonsArgs: external_dns_policy must be 'sync' or "
                             f"'upsert-only', not {self.external_dns_policy!r}")


def _within(host: str, domain: str | None) -> bool:
    """Whether `host` is `domain` or a name below it."""
    return domain is not None and (host == domain or host.endswith(f".{domain}"))


def _requests(cpu: str, memory: str) -> dict[str, Any]:
    """A container's resource requests, as Helm values."""
    return {"requests": {"cpu": cpu, "memory": memory}}


def _zone_spread(name: str, instance: str) -> list[dict[str, Any]]:
    """Spread a chart's pods (selected by its standard name/instance labels) across zones."""
    return [{
        "maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
        "whenUnsatisfiable": "ScheduleAnyway",
        "labelSelector": {"matchLabels": {"app.kubernetes.io/name": name,
                                          "app.kubernetes.io/instance": instance}},
    }]


@functools.cache
def load_balancer_controller_policy() -> dict[str, Any]:
    """The controller's published IAM policy for the pinned version (see
    `LOAD_BALANCER_CONTROLLER_POLICY_FILE`)."""
    text = (importlib.resources.files("forge_components.aws")
            .joinpath(LOAD_BALANCER_CONTROLLER_POLICY_FILE).read_text(encoding="utf-8"))
    document: dict[str, Any] = json.loads(text)
    return document


def load_balancer_controller_values(cluster_name: pulumi.Input[str],
                                    region: pulumi.Input[str], vpc_id: pulumi.Input[str],
                                    class_name: str, replicas: int,
                                    role_arn: pulumi.Input[str]) -> dict[str, Any]:
    """AWS Load Balancer Controller values: the cluster, region and VPC given (no metadata
    service lookups), the IngressClass (not the default one), the TLS policy for listeners
    that name none, replicas with a PodDisruptionBudget, the IRSA-annotated service account,
    restricted security contexts."""
    return {
        "clusterName": cluster_name,
        "region": region,
        "vpcId": vpc_id,
        "replicaCount": replicas,
        # The chart renders the PodDisruptionBudget only when replicaCount > 1.
        "podDisruptionBudget": {"maxUnavailable": 1},
        "ingressClass": class_name,
        "createIngressClassResource": True,
        "ingressClassConfig": {"default": False},
        "defaultSSLPolicy": TLS_POLICY,
        # Only Ingresses: do not take over every new Service of type LoadBalancer.
        "enableServiceMutatorWebhook": False,
        "serviceAccount": {
            "create": True,
            "name": LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT,
            "annotations": {"eks.amazonaws.com/role-arn": role_arn},
        },
        "podSecurityContext": {"fsGroup": 65534,
                               "seccompProfile": {"type": "RuntimeDefault"}},
        "securityContext": dict(_RESTRICTED_CONTAINER),
        "resources": _requests("50m", "128Mi"),
        "topologySpreadConstraints": _zone_spread("aws-load-balancer-controller",
                                                  LOAD_BALANCER_CONTROLLER_NAMESPACE),
    }


def external_dns_values(domain_name: str, hosted_zone_id: str, owner_id: pulumi.Input[str],
                        policy: str, region: pulumi.Input[str],
                        role_arn: pulumi.Input[str]) -> dict[str, Any]:
    """external-dns values: Route 53, Ingress hosts only, one domain and one zone, the stack's
    ownership id and sync policy, the IRSA-annotated service account."""
    return {
        "provider": {"name": "aws"},
        "sources": ["ingress"],
        "policy": policy,
        "registry": "txt",
        "txtOwnerId": owner_id,
        "domainFilters": [domain_name],
        "extraArgs": [f"--zone-id-filter={hosted_zone_id}", "--aws-zone-type=public"],
        "env": [{"name": "AWS_DEFAULT_REGION", "value": region}],
        "serviceAccount": {
            "create": True,
            "name": EXTERNAL_DNS_SERVICE_ACCOUNT,
            "annotations": {"eks.amazonaws.com/role-arn": role_arn},
        },
        "resources": _requests("10m", "64Mi"),
    }


def metrics_server_values() -> dict[str, Any]:
    """metrics-server values: two replicas on different nodes, a PodDisruptionBudget (the
    chart's security contexts already satisfy "restricted")."""
    return {
        "replicas": 2,
        "podDisruptionBudget": {"enabled": True, "maxUnavailable": 1},
        "topologySpreadConstraints": [{
            "maxSkew": 1, "topologyKey": "kubernetes.io/hostname",
            "whenUnsatisfiable": "DoNotSchedule",
            "labelSelector": {"matchLabels": {"app.kubernetes.io/name": "metrics-server",
                                              "app.kubernetes.io/instance":
                                                  METRICS_SERVER_NAMESPACE}},
        }],
    }


def cluster_autoscaler_values(cluster_name: pulumi.Input[str], region: pulumi.Input[str],
                              kubernetes_version: str,
                              role_arn: pulumi.Input[str]) -> dict[str, Any]:
    """Cluster Autoscaler values: AWS, auto-discovery of the cluster's tagged node groups, the
    image of the cluster's minor, the IRSA-annotated service account, restricted contexts."""
    return {
        "cloudProvider": "aws",
        "awsRegion": region,
        "autoDiscovery": {"clusterName": cluster_name},
        "image": {"tag": CLUSTER_AUTOSCALER_IMAGE_TAGS[kubernetes_version]},
        "rbac": {"serviceAccount": {
            "create": True,
            "name": CLUSTER_AUTOSCALER_SERVICE_ACCOUNT,
            "annotations": {"eks.amazonaws.com/role-arn": role_arn},
        }},
        "securityContext": {"runAsNonRoot": True, "runAsUser": 65534, "runAsGroup": 65534,
                            "seccompProfile": {"type": "RuntimeDefault"}},
        "containerSecurityContext": {k: v for k, v in _RESTRICTED_CONTAINER.items()
                                     if k != "runAsNonRoot"},
        "resources": _requests("100m", "300Mi"),
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


def argo_rollouts_values(region: pulumi.Input[str], replicas: int,
                         role_arn: pulumi.Input[str]) -> dict[str, Any]:
    """Argo Rollouts values (argo-helm charts/argo-rollouts/values.yaml of chart 2.41.0, read
    2026-12-02): CRDs kept on uninstall, the controller with `replicas` spread across zones and
    a PodDisruptionBudget from two on, ALB target group verification on (``--aws-verify-target-
    group``: it checks the weights it sets and fills the Rollout's ``status.alb``, whose
    fullName fields the analysis reads), the region in ``AWS_REGION`` (the controller's AWS SDK
    reads it: Argo Rollouts docs, "CloudWatch Metrics", Setup), the IRSA-annotated service
    account, RBAC for the AWS Load Balancer Controller provider only, no dashboard, restricted
    security contexts."""
    return {
        "installCRDs": True,
        "keepCRDs": True,
        "controller": {
            "replicas": replicas,
            "pdb": {"enabled": replicas > 1, "maxUnavailable": 1},
            "awsVerifyTargetGroup": True,
            "extraEnv": [{"name": "AWS_REGION", "value": region}],
            "resources": _requests("50m", "128Mi"),
            # The chart fills each constraint's labelSelector with the controller's labels.
            "topologySpreadConstraints": [{
                "maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
                "whenUnsatisfiable": "ScheduleAnyway"}],
        },
        "serviceAccount": {
            "create": True,
            "name": ARGO_ROLLOUTS_SERVICE_ACCOUNT,
            "annotations": {"eks.amazonaws.com/role-arn": role_arn},
        },
        "providerRBAC": {"enabled": True, "providers": {
            "istio": False, "smi": False, "ambassador": False,
            "awsLoadBalancerController": True, "awsAppMesh": False, "traefik": False,
            "apisix": False, "contour": False, "glooPlatform": False, "gatewayAPI": False}},
        "dashboard": {"enabled": False},
        "podSecurityContext": {"runAsNonRoot": True,
                               "seccompProfile": {"type": "RuntimeDefault"}},
        "containerSecurityContext": dict(_RESTRICTED_CONTAINER),
    }


def argo_rollouts_policy() -> list[dict[str, Any]]:
    """IAM statements for the Argo Rollouts controller.

    The Elastic Load Balancing describe calls are the policy Argo Rollouts documents for its
    AWS target group verification (docs "AWS Load Balancer Controller (ALB)", "Zero-Downtime
    Updates with AWS TargetGroup Verification",
    https://argo-rollouts.readthedocs.io/en/stable/features/traffic-management/alb/; argoproj/
    argo-rollouts docs/features/traffic-management/alb.md at commit
    9f8d111d8f8e3e88b6d7f8bbdf62fd3cd863ef9d, read 2026-12-02), which also writes the
    ``status.alb`` the analysis reads (rollout/trafficrouting/alb/alb.go, VerifyWeight, same
    commit). ``cloudwatch:GetMetricData`` is what its CloudWatch analysis needs (docs
    "CloudWatch Metrics", https://argo-rollouts.readthedocs.io/en/stable/analysis/cloudwatch/,
    read 2026-12-02). Neither service scopes these read calls to a resource: Resource "*" as
    Argo's policy has it.
    """
    return [
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
    ]


def external_dns_policy(hosted_zone_id: str) -> list[dict[str, Any]]:
    """IAM statements for external-dns, confined to one hosted zone.

    From external-dns's AWS tutorial (https://github.com/kubernetes-sigs/external-dns/blob/
    master/docs/tutorials/aws.md, "IAM Policy", read 2026-08-22) with its "Further
    improvements" applied: the zone named instead of ``hostedzone/*``, and record changes
    limited to the types it writes with the Route 53 condition key
    ``route53:ChangeResourceRecordSetsRecordTypes``
    (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/specifying-conditions-route53.html).
    ListHostedZones cannot be scoped to a zone (resource "*" per the same tutorial).
    """
    zone_arn = f"arn:aws:route53:::hostedzone/{hosted_zone_id}"
    return [
        {"Sid": "ChangeRecordsInTheZone", "Effect": "Allow",
         "Action": "route53:ChangeResourceRecordSets", "Resource": zone_arn,
         "Condition": {"ForAllValues:StringEquals": {
             "route53:ChangeResourceRecordSetsRecordTypes": list(EXTERNAL_DNS_RECORD_TYPES)}}},
        {"Sid": "ReadTheZone", "Effect": "Allow",
         "Action": ["route53:ListResourceRecordSets", "route53:ListTagsForResources"],
         "Resource": zone_arn},
        {"Sid": "ListZones", "Effect": "Allow", "Action": "route53:ListHostedZones",
         "Resource": "*"},
    ]


def cluster_autoscaler_policy(cluster_name: str) -> list[dict[str, Any]]:
    """IAM statements for the Cluster Autoscaler with auto-discovery.

    The "Full Cluster Autoscaler Features Policy" of the autoscaler's AWS README
    (https://github.com/kubernetes/autoscaler/blob/cluster-autoscaler-1.36.1/cluster-autoscaler/
    cloudprovider/aws/README.md, read 2026-08-22), with its advice applied: the two actions that
    change capacity are restricted by a tag condition to the Auto Scaling groups of this
    cluster. EKS tags a managed node group's Auto Scaling group
    ``k8s.io/cluster-autoscaler/<cluster>: owned`` and ``k8s.io/cluster-autoscaler/enabled:
    true`` (https://docs.aws.amazon.com/eks/latest/userguide/managed-node-groups.html).
    """
    return [
        {"Sid": "DescribeScalingResources", "Effect": "Allow",
         "Action": ["autoscaling:DescribeAutoScalingGroups",
                    "autoscaling:DescribeAutoScalingInstances",
                    "autoscaling:DescribeLaunchConfigurations",
                    "autoscaling:DescribeScalingActivities",
                    "ec2:DescribeImages",
                    "ec2:DescribeInstanceTypes",
                    "ec2:DescribeLaunchTemplateVersions",
                    "ec2:GetInstanceTypesFromInstanceRequirements",
                    "eks:DescribeNodegroup"],
         "Resource": "*"},
        {"Sid": "ScaleThisClustersNodeGroups", "Effect": "Allow",
         "Action": ["autoscaling:SetDesiredCapacity",
                    "autoscaling:TerminateInstanceInAutoScalingGroup"],
         "Resource": "*",
         "Condition": {"StringEquals": {
             f"aws:ResourceTag/k8s.io/cluster-autoscaler/{cluster_name}": "owned"}}},
    ]


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


def _validation_option(
        options: Sequence[aws.acm.outputs.CertificateDomainValidationOption],
        domain: str) -> aws.acm.outputs.CertificateDomainValidationOption:
    """The DNS validation record ACM asks for `domain`."""
    return next(o for o in options if o.domain_name == domain)


class EksAddons(pulumi.ComponentResource):
    """AWS Load Balancer Controller (+ ACM certificate), external-dns, metrics-server, Cluster
    Autoscaler, External Secrets (+ store) and, for progressive delivery, Argo Rollouts on
    EKS."""

    ingress_class_name: pulumi.Output[str]
    """The IngressClass the platform's Ingress should name (served by the AWS Load Balancer
    Controller when it is installed)."""
    certificate_arn: pulumi.Output[str] | None
    """The ACM certificate of `certificate_hosts`, known once DNS validation succeeded (for the
    chart's ``ingress.alb.certificateArn``); None without certificate hosts."""
    load_balancer_controller_role_arn: pulumi.Output[str] | None
    """The AWS Load Balancer Controller's IRSA role; None when it is not installed."""
    external_dns_role_arn: pulumi.Output[str] | None
    """external-dns's IRSA role; None when it is not installed."""
    cluster_autoscaler_role_arn: pulumi.Output[str] | None
    """The Cluster Autoscaler's IRSA role; None when it is not installed."""
    secret_store_name: pulumi.Output[str] | None
    """The ClusterSecretStore's name ("aws-secrets-manager"), for the chart's
    ``secrets.storeRef``; None when `external_secrets` is False."""
    secret_store_kind: pulumi.Output[str] | None
    """The store's kind ("ClusterSecretStore"); None when `external_secrets` is False."""
    external_secrets_role_arn: pulumi.Output[str] | None
    """The External Secrets Operator's IRSA role; None when `external_secrets` is False."""
    argo_rollouts_role_arn: pulumi.Output[str] | None
    """The Argo Rollouts controller's IRSA role; None without `progressive_delivery`."""
    release_names: pulumi.Output[dict[str, str]]
    """The Helm release names, as Helm reports them, keyed by add-on
    ("aws-load-balancer-controller", "external-dns", "metrics-server", "cluster-autoscaler",
    "external-secrets", "argo-rollouts"); only installed add-ons appear."""

    def __init__(self, name: str, args: EksAddonsArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        cfg = _Settings.from_args(args)
        super().__init__(TYPE_TOKEN, name, None, opts)
        # Resources stay private (no component output is a resource): for depends_on.
        self._releases: dict[str, k8s.helm.v3.Release] = {}
        self._namespaces: dict[str, k8s.core.v1.Namespace] = {}
        self._roles: dict[str, aws.iam.Role] = {}
        self._secret_store: k8s.apiextensions.CustomResource | None = None
        self._certificate: aws.acm.Certificate | None = None

        def labels(component: str) -> dict[str, str]:
            return {"app.kubernetes.io/managed-by": MANAGED_BY,
                    "app.kubernetes.io/part-of": "forge",
                    "app.kubernetes.io/component": component}

        def irsa_role(key: str, namespace: str, service_account: str, purpose: str,
                      statements: pulumi.Input[Sequence[Mapping[str, Any]]],
                      ) -> tuple[aws.iam.Role, list[pulumi.Resource]]:
            """An IRSA role trusting exactly `namespace/service_account`, with `statements`
            inline (none: no policy); returns it and what a user of it must wait for."""
            role_name = f"{name}-{key}-role"
            trust = pulumi.Output.all(cfg.oidc_provider_arn, cfg.oidc_issuer_url).apply(
                lambda a: irsa_trust_policy(a[0], a[1], namespace, service_account))
            role = aws.iam.Role(
                role_name, assume_role_policy=trust,
                description=f"IRSA role of {namespace}/{service_account}: {purpose}",
                tags=resource_tags(role_name, TYPE_TOKEN, cfg.tags),
                opts=child_opts(self))
            ready: list[pulumi.Resource] = [role]
            if statements:
                ready.append(aws.iam.RolePolicy(
                    f"{name}-{key}-policy", role=role.id,
                    policy=pulumi.Output.json_dumps(
                        {"Version": "2012-10-17", "Statement": statements}),
                    opts=child_opts(self)))
            self._roles[key] = role
            return role, ready

        def install(key: str, namespace: str, repo: str, version: str,
                    values: Mapping[str, Any],
                    after: Sequence[pulumi.Resource] = ()) -> k8s.helm.v3.Release:
            ns = k8s.core.v1.Namespace(
                f"{name}-{key}-namespace",
                metadata=k8s.meta.v1.ObjectMetaArgs(
                    name=namespace, labels={**POD_SECURITY_RESTRICTED, **labels(key)}),
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
                opts=child_opts(self, depends_on=list(after) or None))
            self._namespaces[key] = ns
            self._releases[key] = release
            return release

        # -- the ALB's certificate, DNS-validated in the hosted zone ----------------------------
        self.certificate_arn = None
        if cfg.certificate_hosts:
            zone = cfg.hosted_zone_id
            cert_name = f"{name}-certificate"
            certificate = aws.acm.Certificate(
                cert_name, domain_name=cfg.certificate_hosts[0],
                subject_alternative_names=cfg.certificate_hosts[1:] or None,
                validation_method="DNS",
                tags=resource_tags(cert_name, TYPE_TOKEN, cfg.tags),
                opts=child_opts(self))
            records = []
            for i, host in enumerate(cfg.certificate_hosts):
                option = certificate.domain_validation_options.apply(
                    functools.partial(_validation_option, domain=host))
                records.append(aws.route53.Record(
                    f"{name}-certificate-validation-{i + 1}", zone_id=zone,
                    name=option.apply(lambda o: o.resource_record_name or ""),
                    type=option.apply(lambda o: o.resource_record_type or ""),
                    records=[option.apply(lambda o: o.resource_record_value or "")],
                    ttl=300, opts=child_opts(self)))
            validation = aws.acm.CertificateValidation(
                f"{name}-certificate-validation", certificate_arn=certificate.arn,
                validation_record_fqdns=[r.fqdn for r in records], opts=child_opts(self))
            self._certificate = certificate
            self.certificate_arn = validation.certificate_arn

        # -- AWS Load Balancer Controller --------------------------------------------------------
        self.load_balancer_controller_role_arn = None
        if cfg.load_balancer_controller:
            key = "aws-load-balancer-controller"
            role, ready = irsa_role(
                key, LOAD_BALANCER_CONTROLLER_NAMESPACE, LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT,
                "manages the load balancers of the cluster's Ingresses",
                load_balancer_controller_policy()["Statement"])
            self.load_balancer_controller_role_arn = role.arn
            install(key, LOAD_BALANCER_CONTROLLER_NAMESPACE, LOAD_BALANCER_CONTROLLER_REPO,
                    cfg.load_balancer_controller_version,
                    load_balancer_controller_values(
                        cfg.cluster_name, cfg.region, cfg.vpc_id, cfg.ingress_class_name,
                        cfg.controller_replicas, role.arn),
                    after=ready)

        # -- external-dns ------------------------------------------------------------------------
        self.external_dns_role_arn = None
        if cfg.external_dns:
            assert cfg.domain_name is not None and cfg.hosted_zone_id is not None  # validated
            key = "external-dns"
            role, ready = irsa_role(
                key, EXTERNAL_DNS_NAMESPACE, EXTERNAL_DNS_SERVICE_ACCOUNT,
                f"writes the Ingress hosts' records in hosted zone {cfg.hosted_zone_id}",
                external_dns_policy(cfg.hosted_zone_id))
            self.external_dns_role_arn = role.arn
            owner = (cfg.external_dns_owner_id if cfg.external_dns_owner_id is not None
                     else cfg.cluster_name)
            install(key, EXTERNAL_DNS_NAMESPACE, EXTERNAL_DNS_REPO, cfg.external_dns_version,
                    external_dns_values(cfg.domain_name, cfg.hosted_zone_id, owner,
                                        cfg.external_dns_policy, cfg.region, role.arn),
                    after=ready)

        # -- metrics-server ----------------------------------------------------------------------
        if cfg.metrics_server:
            install("metrics-server", METRICS_SERVER_NAMESPACE, METRICS_SERVER_REPO,
                    cfg.metrics_server_version, metrics_server_values())

        # -- Cluster Autoscaler ------------------------------------------------------------------
        self.cluster_autoscaler_role_arn = None
        if cfg.cluster_autoscaler:
            key = "cluster-autoscaler"
            role, ready = irsa_role(
                key, CLUSTER_AUTOSCALER_NAMESPACE, CLUSTER_AUTOSCALER_SERVICE_ACCOUNT,
                "scales the cluster's managed node groups",
                pulumi.Output.from_input(cfg.cluster_name).apply(cluster_autoscaler_policy))
            self.cluster_autoscaler_role_arn = role.arn
            install(key, CLUSTER_AUTOSCALER_NAMESPACE, CLUSTER_AUTOSCALER_REPO,
                    cfg.cluster_autoscaler_version,
                    cluster_autoscaler_values(cfg.cluster_name, cfg.region,
                                              cfg.kubernetes_version, role.arn),
                    after=ready)

        # -- External Secrets Operator, its IRSA role and the ClusterSecretStore ----------------
        self.external_secrets_role_arn = None
        if cfg.external_secrets:
            key = "external-secrets"
            role, ready = irsa_role(
                key, EXTERNAL_SECRETS_NAMESPACE, EXTERNAL_SECRETS_SERVICE_ACCOUNT,
                "reads the platform's secrets",
                secrets_read_policy(cfg.secret_arns, cfg.secret_kms_key_arns, cfg.region))
            self.external_secrets_role_arn = role.arn
            eso = install(key, EXTERNAL_SECRETS_NAMESPACE, EXTERNAL_SECRETS_REPO,
                          cfg.external_secrets_version, external_secrets_values(role.arn),
                          after=ready)
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
                opts=child_opts(self, depends_on=[eso, *ready]))

        # -- Argo Rollouts (progressive delivery of the platform chart's Rollouts) ------------
        self.argo_rollouts_role_arn = None
        if cfg.progressive_delivery:
            key = "argo-rollouts"
            role, ready = irsa_role(
                key, ARGO_ROLLOUTS_NAMESPACE, ARGO_ROLLOUTS_SERVICE_ACCOUNT,
                "verifies the ALB's target groups and reads their CloudWatch metrics",
                argo_rollouts_policy())
            self.argo_rollouts_role_arn = role.arn
            install(key, ARGO_ROLLOUTS_NAMESPACE, ARGO_ROLLOUTS_REPO, cfg.argo_rollouts_version,
                    argo_rollouts_values(cfg.region, cfg.argo_rollouts_replicas, role.arn),
                    after=ready)

        self.ingress_class_name = pulumi.Output.from_input(cfg.ingress_class_name)
        self.secret_store_name = (
            pulumi.Output.from_input(SECRET_STORE_NAME) if self._secret_store else None)
        self.secret_store_kind = (
            pulumi.Output.from_input(SECRET_STORE_KIND) if self._secret_store else None)
        self.release_names = pulumi.Output.all(**{
            key: _reported_name(release, key) for key, release in self._releases.items()
        }).apply(dict)
        self.register_outputs({
            "ingress_class_name": self.ingress_class_name,
            "certificate_arn": self.certificate_arn,
            "load_balancer_controller_role_arn": self.load_balancer_controller_role_arn,
            "external_dns_role_arn": self.external_dns_role_arn,
            "cluster_autoscaler_role_arn": self.cluster_autoscaler_role_arn,
            "secret_store_name": self.secret_store_name,
            "secret_store_kind": self.secret_store_kind,
            "external_secrets_role_arn": self.external_secrets_role_arn,
            "argo_rollouts_role_arn": self.argo_rollouts_role_arn,
            "release_names": self.release_names,
        })
