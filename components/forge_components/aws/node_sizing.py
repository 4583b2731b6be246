"""EKS node sizing: what a managed node offers pods, and whether a workload fits on N nodes.

Imports nothing (the stack config reads it, as it reads `limits`). Every figure carries its
source; docs/DEPLOYMENT.md ("EKS node sizing") walks through the arithmetic for prod.

* A node's allocatable CPU and memory are its capacity minus `kubeReserved` and the kubelet's
  hard eviction threshold, as the EKS AL2023 AMI's `nodeadm` computes them
  (https://github.com/awslabs/amazon-eks-ami/blob/e48b98ad65e761801e76fefe006ca884352841d0/nodeadm/internal/kubelet/config.go):
  memory `11 * maxPods + 255` MiB, CPU 6% of the first core, 1% of the second, 0.5% of the
  third and fourth and 0.25% of every further core; `evictionHard` `memory.available: 100Mi`;
  no `systemReserved`.
* `maxPods` is the ENI-based figure of the same AMI (VPC CNI without prefix delegation, which
  forge-infra does not turn on):
  https://github.com/awslabs/amazon-eks-ami/blob/264120506f12b7fb88ecde54418cef140b1e5194/nodeadm/internal/kubelet/eni-max-pods.txt
* vCPUs and memory are the EC2 instance type's nominal figures
  (https://docs.aws.amazon.com/ec2/latest/instancetypes/gp.html). The kubelet reports the
  memory the kernel leaves, somewhat below nominal: the headroom a stack keeps must absorb it.
* The architecture picks the node group's AMI type (`amiType` of the EKS API's Nodegroup,
  https://docs.aws.amazon.com/eks/latest/APIReference/API_Nodegroup.html): T4g is AWS
  Graviton2, arm64 (the gp.html page above); one node group runs one AMI type, so its
  instance types must share one architecture.
"""

import dataclasses
from collections.abc import Mapping, Sequence


@dataclasses.dataclass(frozen=True)
class InstanceShape:
    """An EC2 instance type as a Kubernetes node sees it."""

    vcpus: int
    memory_mib: int
    max_pods: int
    architecture: str = "x86_64"
    """`x86_64` or `arm64` (a key of `AMI_TYPES`)."""

    @property
    def reserved_millicores(self) -> int:
        """`kubeReserved` CPU (nodeadm's tiers: 6%, 1%, 0.5%, 0.5%, then 0.25% per core)."""
        total = self.vcpus * 1000
        tiers = ((0, 1000, 600), (1000, 2000, 100), (2000, 4000, 50), (4000, total, 25))
        return sum((min(total, end) - start) * per10k // 10000
                   for start, end, per10k in tiers if total > start)

    @property
    def reserved_memory_mib(self) -> int:
        """`kubeReserved` memory plus the 100 MiB hard eviction threshold."""
        return 11 * self.max_pods + 255 + EVICTION_HARD_MIB

    @property
    def allocatable_millicores(self) -> int:
        """CPU the scheduler may place pods on."""
        return self.vcpus * 1000 - self.reserved_millicores

    @property
    def allocatable_memory_mib(self) -> int:
        """Memory the scheduler may place pods on (from the nominal figure)."""
        return self.memory_mib - self.reserved_memory_mib


#: The kubelet's `evictionHard` `memory.available` on the EKS AMI (nodeadm), MiB.
EVICTION_HARD_MIB = 100

#: The instance types whose sizing forge-infra checks: vCPUs, memory (MiB), max pods.
INSTANCE_SHAPES: Mapping[str, InstanceShape] = {
    "t3.large": InstanceShape(2, 8192, 35),
    "t3.xlarge": InstanceShape(4, 16384, 58),
    "t3.2xlarge": InstanceShape(8, 32768, 58),
    "t4g.medium": InstanceShape(2, 4096, 17, "arm64"),
    "t4g.large": InstanceShape(2, 8192, 35, "arm64"),
    "t4g.xlarge": InstanceShape(4, 16384, 58, "arm64"),
    "m6i.large": InstanceShape(2, 8192, 29),
    "m6i.xlarge": InstanceShape(4, 16384, 58),
    "m6i.2xlarge": InstanceShape(8, 32768, 58),
    "m7i.large": InstanceShape(2, 8192, 29),
    "m7i.xlarge": InstanceShape(4, 16384, 58),
    "m7i.2xlarge": InstanceShape(8, 32768, 58),
}


#: The EKS-optimised Amazon Linux 2023 AMI type of each architecture (the EKS API's
#: Nodegroup `amiType` values AL2023_x86_64_STANDARD and AL2023_ARM_64_STANDARD).
AMI_TYPES: Mapping[str, str] = {
    "x86_64": "AL2023_x86_64_STANDARD",
    "arm64": "AL2023_ARM_64_STANDARD",
}


def node_architectures(instance_types: Sequence[str]) -> dict[str, list[str]]:
    """The listed types of the sizing table by architecture (types outside it are left out:
    their architecture is not known here)."""
    found: dict[str, list[str]] = {}
    for instance_type in instance_types:
        shape = INSTANCE_SHAPES.get(instance_type)
        if shape is not None:
            found.setdefault(shape.architecture, []).append(instance_type)
    return found


def node_ami_type(instance_types: Sequence[str]) -> str:
    """The AMI type of a node group of `instance_types`: arm64's when the sizing table knows
    them as arm64, x86_64's otherwise (a mix is refused by the stack's configuration rules)."""
    found = node_architectures(instance_types)
    return AMI_TYPES["arm64" if set(found) == {"arm64"} else "x86_64"]


@dataclasses.dataclass(frozen=True)
class PodRequest:
    """The requests of one pod (or a budget standing in for one)."""

    name: str
    millicores: int
    memory_mib: int


#: What every node runs before any workload: the DaemonSets of the EKS add-ons forge-infra
#: installs. aws-node (VPC CNI) requests 25m (the aws-vpc-cni chart's `resources`), kube-proxy
#: 100m (as EKS installs it), the EBS CSI node plugin 10m / 40Mi (its chart's
#: `node.resources`): 135m and 40 MiB, rounded up to 200m and 256 MiB for the containers that
#: request nothing (the network policy agent, the CSI sidecars) but still run.
NODE_DAEMONSETS = PodRequest("daemonsets per node (kube-proxy, aws-node, ebs-csi-node)", 200, 256)
#: Pods of the DaemonSets above, per node.
NODE_DAEMONSET_PODS = 3

#: The cluster's own Deployments with the requests they run with: the EKS add-ons' (coredns,
#: the EBS CSI controller) and those `EksAddons` sets in its Helm values (eks_addons.py; the
#: metrics-server chart's own default). tests/components/aws/test_node_sizing_addons.py keeps
#: this table equal to what EksAddons installs. Sources: docs/DEPLOYMENT.md, "EKS node sizing".
CLUSTER_ADDONS: tuple[PodRequest, ...] = (
    *(PodRequest("coredns", 100, 70) for _ in range(2)),
    *(PodRequest("ebs-csi-controller", 10, 40) for _ in range(2)),
    *(PodRequest("aws-load-balancer-controller", 50, 128) for _ in range(2)),
    *(PodRequest("metrics-server", 100, 200) for _ in range(2)),
    PodRequest("external-dns", 10, 64),
    PodRequest("cluster-autoscaler", 100, 300),
    PodRequest("external-secrets controller", 10, 64),
    PodRequest("external-secrets webhook", 10, 32),
    PodRequest("external-secrets cert-controller", 10, 64),
)
#: The add-on pods a canary or blue_green rollout adds: the Argo Rollouts controller, two
#: replicas (as the AWS target installs it in prod) with the requests EksAddons sets.
PROGRESSIVE_DELIVERY_ADDONS: tuple[PodRequest, ...] = tuple(
    PodRequest("argo-rollouts", 50, 128) for _ in range(2))


def cluster_addons(progressive_delivery: bool) -> tuple[PodRequest, ...]:
    """The cluster's add-on pods: `CLUSTER_ADDONS`, plus the Argo Rollouts controller when the
    stack releases progressively (its rollout strategy is not rolling)."""
    return CLUSTER_ADDONS + (PROGRESSIVE_DELIVERY_ADDONS if progressive_delivery else ())


@dataclasses.dataclass(frozen=True)
class Fit:
    """How a set of pods packs onto nodes of one shape."""

    nodes_needed: int | None
    """Nodes first-fit-decreasing packing uses, None if some pod fits on no node at all."""
    requested_millicores: int
    requested_memory_mib: int
    usable_millicores: int
    """What `nodes` nodes offer the pods after their DaemonSets."""
    usable_memory_mib: int


def pack(shape: InstanceShape, pods: Sequence[PodRequest], nodes: int) -> Fit:
    """Place `pods` (largest CPU first, then memory) first-fit onto nodes of `shape`, each
    already running the per-node DaemonSets, opening nodes as needed; report how many were
    used and what `nodes` nodes offer. Like the scheduler, a pod goes where its CPU, memory
    and a pod slot are free; unlike it, nothing spreads pods across zones, so this is the
    least a workload needs, not a placement."""
    cpu = shape.allocatable_millicores - NODE_DAEMONSETS.millicores
    memory = shape.allocatable_memory_mib - NODE_DAEMONSETS.memory_mib
    slots = shape.max_pods - NODE_DAEMONSET_PODS
    free: list[list[int]] = []
    fits = True
    for pod in sorted(pods, key=lambda p: (p.millicores, p.memory_mib), reverse=True):
        if pod.millicores > cpu or pod.memory_mib > memory or slots < 1:
            fits = False
            continue
        for node in free:
            if node[0] >= pod.millicores and node[1] >= pod.memory_mib and node[2] >= 1:
                break
        else:
            node = [cpu, memory, slots]
            free.append(node)
        node[0] -= pod.millicores
        node[1] -= pod.memory_mib
        node[2] -= 1
    return Fit(
        nodes_needed=len(free) if fits else None,
        requested_millicores=sum(p.millicores for p in pods),
        requested_memory_mib=sum(p.memory_mib for p in pods),
        usable_millicores=cpu * nodes,
        usable_memory_mib=memory * nodes,
    )
