"""The node-sizing rule's add-on pods are the ones EksAddons installs, with the requests it
sets: a change of replicas or requests in eks_addons.py that the sizing table does not follow
fails here (components/forge_components/aws/node_sizing.py, CLUSTER_ADDONS)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from forge_components.aws import eks_addons
from forge_components.aws.node_sizing import (
    CLUSTER_ADDONS,
    PROGRESSIVE_DELIVERY_ADDONS,
    cluster_addons,
)

#: The metrics-server chart's own default requests (EksAddons leaves them):
#: https://github.com/kubernetes-sigs/metrics-server/blob/026af897f5f59ecbee64b4c898dcb8f38b7c32d6/charts/metrics-server/values.yaml
METRICS_SERVER_CHART_REQUESTS = {"cpu": "100m", "memory": "200Mi"}
#: The EKS add-ons forge-infra does not configure (coredns, the EBS CSI controller): two
#: replicas each, as EKS installs them (docs/DEPLOYMENT.md, "EKS node sizing").
EKS_MANAGED = [("coredns", 100, 70)] * 2 + [("ebs-csi-controller", 10, 40)] * 2


def _millicores(value: str) -> int:
    return int(value.removesuffix("m"))


def _mebibytes(value: str) -> int:
    return int(value.removesuffix("Mi"))


def _pods(name: str, replicas: int, requests: dict[str, Any]) -> list[tuple[str, int, int]]:
    return [(name, _millicores(requests["cpu"]), _mebibytes(requests["memory"]))] * replicas


def test_cluster_addons_are_what_eks_addons_installs() -> None:
    replicas = eks_addons._Settings.controller_replicas
    lbc = eks_addons.load_balancer_controller_values("c", "us-east-1", "vpc-1", "alb",
                                                     replicas, "arn:role")
    dns = eks_addons.external_dns_values("forge.example.com", "Z1", "c", "sync", "us-east-1",
                                         "arn:role")
    metrics = eks_addons.metrics_server_values()
    autoscaler = eks_addons.cluster_autoscaler_values("c", "us-east-1", "1.36", "arn:role")
    secrets = eks_addons.external_secrets_values("arn:role")
    installed = [
        *EKS_MANAGED,
        *_pods("aws-load-balancer-controller", lbc["replicaCount"],
               lbc["resources"]["requests"]),
        *_pods("metrics-server", metrics["replicas"],
               metrics.get("resources", {}).get("requests", METRICS_SERVER_CHART_REQUESTS)),
        *_pods("external-dns", 1, dns["resources"]["requests"]),
        *_pods("cluster-autoscaler", 1, autoscaler["resources"]["requests"]),
        *_pods("external-secrets controller", 1, secrets["resources"]["requests"]),
        *_pods("external-secrets webhook", 1, secrets["webhook"]["resources"]["requests"]),
        *_pods("external-secrets cert-controller", 1,
               secrets["certController"]["resources"]["requests"]),
    ]
    table = [(p.name, p.millicores, p.memory_mib) for p in CLUSTER_ADDONS]
    assert Counter(table) == Counter(installed)


def test_progressive_delivery_adds_the_argo_rollouts_controller() -> None:
    replicas = eks_addons._Settings.argo_rollouts_replicas
    values = eks_addons.argo_rollouts_values("us-east-1", replicas, "arn:role")["controller"]
    installed = _pods("argo-rollouts", values["replicas"], values["resources"]["requests"])
    table = [(p.name, p.millicores, p.memory_mib) for p in PROGRESSIVE_DELIVERY_ADDONS]
    assert Counter(table) == Counter(installed)
    assert cluster_addons(False) == CLUSTER_ADDONS
    assert cluster_addons(True) == CLUSTER_ADDONS + PROGRESSIVE_DELIVERY_ADDONS
