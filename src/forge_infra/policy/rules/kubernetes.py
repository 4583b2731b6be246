"""Kubernetes rules, over the objects the Helm releases render (and pulumi-kubernetes
resources of the same kinds).

Every rule here has `scope="stack"`: the objects a chart renders exist only in the stack view
(the pack renders each local chart inside its stack validation, `forge_infra.policy.pack`), so a
resource validation would see the Helm release and never its Deployments. The per-object
checks still read the object alone; only the PodDisruptionBudget and NetworkPolicy rules look
at other objects of the stack.

Remote charts (the EKS add-ons: aws-load-balancer-controller, external-dns, ...) are not fetched
offline, and the pack renders local charts only, so their objects are not checked by these
rules on either path; the plan records each such release with the reason it was not rendered.

The security-context rules follow the Pod Security Standards' "restricted" profile
(https://kubernetes.io/docs/concepts/security/pod-security-standards/), which the release's
namespace also enforces through Pod Security Admission labels
(`forge_components.kubernetes.release`), and Kubernetes' own precedence between the pod's and
the container's security context: `runAsNonRoot`, `runAsUser` and `seccompProfile` may be set
on either, and "the value specified in SecurityContext [the container's] takes precedence"
(the PodSecurityContext / SecurityContext API reference); `readOnlyRootFilesystem`,
`allowPrivilegeEscalation`, `capabilities` and `privileged` exist on the container only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from forge_infra.policy.rule import Context, Rule, as_list, known, prop

#: Workload kinds -> the path from the object to its pod spec.
POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "kubernetes:apps/v1:Deployment": ("spec", "template", "spec"),
    "kubernetes:apps/v1:StatefulSet": ("spec", "template", "spec"),
    "kubernetes:apps/v1:DaemonSet": ("spec", "template", "spec"),
    "kubernetes:batch/v1:Job": ("spec", "template", "spec"),
    "kubernetes:batch/v1:CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "kubernetes:core/v1:Pod": ("spec",),
    # An Argo Rollouts Rollout (the chart's services behind the ALB with a canary rollout)
    # carries a Deployment's pod template (argoproj.io/v1alpha1 RolloutSpec.template).
    "kubernetes:argoproj.io/v1alpha1:Rollout": ("spec", "template", "spec"),
}

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
ROLLOUT = "kubernetes:argoproj.io/v1alpha1:Rollout"
PDB = "kubernetes:policy/v1:PodDisruptionBudget"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
HPAS = ("kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
        "kubernetes:autoscaling/v1:HorizontalPodAutoscaler")

#: The namespace a namespaced object without `metadata.namespace` lands in (pulumi-kubernetes
#: uses its provider's namespace, `default` unless configured; `kubectl` does the same).
DEFAULT_NAMESPACE = "default"

#: Seccomp profile types the restricted Pod Security Standard allows (`Unconfined` and no
#: profile at all are refused).
SECCOMP_ALLOWED = ("RuntimeDefault", "Localhost")

#: The one capability the restricted Pod Security Standard lets a container add back after
#: dropping ALL.
CAPABILITY_ALLOWED_TO_ADD = "NET_BIND_SERVICE"


def pod_spec(resource: Any) -> dict[str, Any]:
    """The pod spec of a workload object (empty when it has none)."""
    spec = prop(resource.props, *POD_SPEC_PATHS.get(resource.resource_type, ("spec",)))
    return spec if isinstance(spec, dict) else {}


def containers(resource: Any) -> list[dict[str, Any]]:
    """Every container of a workload: init containers first, then the others."""
    spec = pod_spec(resource)
    return [c for key in ("initContainers", "containers") for c in spec.get(key) or []
            if isinstance(c, dict)]


def named_containers(resource: Any) -> list[tuple[str, dict[str, Any]]]:
    """Every container of a workload with how a message names it (`container api`,
    `initContainer wait`): init containers first."""
    spec = pod_spec(resource)
    return [(f"{label} {c.get('name', '?')}", c)
            for key, label in (("initContainers", "initContainer"), ("containers", "container"))
            for c in spec.get(key) or [] if isinstance(c, dict)]


def namespace_of(resource: Any) -> str:
    """The namespace of a namespaced object (`default` when it names none)."""
    value = prop(resource.props, "metadata", "namespace")
    return str(value) if isinstance(value, str) and value else DEFAULT_NAMESPACE


def _security_context(item: Mapping[str, Any]) -> Mapping[str, Any]:
    context = item.get("securityContext")
    return context if isinstance(context, Mapping) else {}


def effective_security(resource: Any, container: Mapping[str, Any], key: str
                       ) -> tuple[Any, str | None]:
    """A security setting the pod and the container may both set, with Kubernetes'
    precedence (the container's wins): `(value, "container" | "pod")`, `(None, None)` when
    neither sets it."""
    own = _security_context(container).get(key)
    if own is not None:
        return own, "container"
    pods = _security_context(pod_spec(resource)).get(key)
    if pods is not None:
        return pods, "pod"
    return None, None


def label_selector_matches(selector: Any, labels: Mapping[str, Any]) -> bool:
    """Whether a Kubernetes label selector selects an object with `labels`.

    The semantics of the API's LabelSelector (https://kubernetes.io/docs/concepts/overview/
    working-with-objects/labels/#label-selectors): every `matchLabels` pair and every
    `matchExpressions` requirement must hold (`In`: the key is present with one of the values;
    `NotIn`: the key is absent or its value is none of them; `Exists`; `DoesNotExist`). An empty
    selector (`{}`) selects everything; a null one (None), nothing.
    """
    if not isinstance(selector, Mapping):
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for requirement in selector.get("matchExpressions") or []:
        key = requirement.get("key")
        values = as_list(requirement.get("values"))
        operator = requirement.get("operator")
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
        if operator not in ("In", "NotIn", "Exists", "DoesNotExist"):
            return False
    return True


def selects_everything(selector: Any) -> bool:
    """Whether a label selector is empty (`{}`, or only empty `matchLabels` /
    `matchExpressions`): it selects every pod of the namespace."""
    return (isinstance(selector, Mapping) and not selector.get("matchLabels")
            and not selector.get("matchExpressions"))


# -- pod and container security ---------------------------------------------------------------


def _no_host_namespaces(resource: Any, context: Context) -> Iterator[str]:
    spec = pod_spec(resource)
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(key) is True:
            yield f"{key} is true: the pod shares the node's namespace"


def _run_as_non_root(resource: Any, context: Context) -> Iterator[str]:
    for label, container in named_containers(resource):
        value, where = effective_security(resource, container, "runAsNonRoot")
        if where is None:
            yield (f"{label}: runAsNonRoot is set neither on the container nor on the pod: "
                   "the image's user, root unless the image says otherwise, runs it")
        elif known(value) and value is not True:
            yield f"{label}: runAsNonRoot is {value!r} on the {where}"
        user, where = effective_security(resource, container, "runAsUser")
        if known(user) and user == 0:
            yield f"{label}: runAsUser is 0 (root) on the {where}"


def _read_only_root_filesystem(resource: Any, context: Context) -> Iterator[str]:
    for label, container in named_containers(resource):
        value = _security_context(container).get("readOnlyRootFilesystem")
        if value is None:
            yield f"{label}: readOnlyRootFilesystem is not set: the root filesystem is writable"
        elif known(value) and value is not True:
            yield f"{label}: readOnlyRootFilesystem is {value!r}"


def _no_privilege_escalation(resource: Any, context: Context) -> Iterator[str]:
    for label, container in named_containers(resource):
        value = _security_context(container).get("allowPrivilegeEscalation")
        if value is None:
            yield (f"{label}: allowPrivilegeEscalation is not set: no_new_privs is not set, so "
                   "a setuid binary can gain privileges")
        elif known(value) and value is not False:
            yield f"{label}: allowPrivilegeEscalation is {value!r}"


def _drop_all_capabilities(resource: Any, context: Context) -> Iterator[str]:
    for label, container in named_containers(resource):
        capabilities = _security_context(container).get("capabilities")
        capabilities = capabilities if isinstance(capabilities, Mapping) else {}
        drop = capabilities.get("drop")
        if known(drop) and "ALL" not in as_list(drop):
            yield (f"{label}: capabilities.drop is {as_list(drop)!r}: drop ALL (the runtime's "
                   "default set stays otherwise)")
        added = capabilities.get("add")
        if known(added):
            for capability in as_list(added):
                if capability != CAPABILITY_ALLOWED_TO_ADD:
                    yield (f"{label}: capabilities.add has {capability!r}: only "
                           f"{CAPABILITY_ALLOWED_TO_ADD} may be added back")


def _seccomp_runtime_default(resource: Any, context: Context) -> Iterator[str]:
    for label, container in named_containers(resource):
        profile, where = effective_security(resource, container, "seccompProfile")
        if where is None:
            yield (f"{label}: seccompProfile is set neither on the container nor on the pod: "
                   "set type RuntimeDefault")
            continue
        kind = profile.get("type") if isinstance(profile, Mapping) else profile
        if known(kind) and kind not in SECCOMP_ALLOWED:
            yield (f"{label}: seccompProfile.type is {kind!r} on the {where}: use "
                   "RuntimeDefault (or a Localhost profile)")


def _not_privileged(resource: Any, context: Context) -> Iterator[str]:
    for label, container in named_containers(resource):
        if _security_context(container).get("privileged") is True:
            yield (f"{label}: privileged is true: the container has every capability and the "
                   "node's devices")


def _no_host_path(resource: Any, context: Context) -> Iterator[str]:
    for volume in pod_spec(resource).get("volumes") or []:
        if isinstance(volume, Mapping) and volume.get("hostPath") is not None:
            path = prop(volume, "hostPath", "path")
            yield f"volume {volume.get('name', '?')} is a hostPath volume ({path}) on the node"


# -- resources and probes ---------------------------------------------------------------------

#: The resources every container must declare. CPU limits are deliberately not required: CPU is
#: compressible (a container over its limit is throttled, never killed) and a container without
#: a CPU limit still gets its request's share under contention, so many platform teams omit the
#: limit to avoid throttling; the chart sets limits equal to requests anyway (Guaranteed QoS).
#: Memory is not compressible: a container without a memory limit can use the node's memory
#: until the kernel's OOM killer picks a victim (https://kubernetes.io/docs/tasks/
#: configure-pod-container/assign-memory-resource/).
REQUIRED_RESOURCES = (("requests", "cpu"), ("requests", "memory"), ("limits", "memory"))


def _resources(resource: Any, context: Context) -> Iterator[str]:
    for label, container in named_containers(resource):
        resources = container.get("resources")
        if not known(resources):
            continue
        resources = resources if isinstance(resources, Mapping) else {}
        missing = [f"{kind}.{name}" for kind, name in REQUIRED_RESOURCES
                   if prop(resources, kind, name) in (None, "")]
        if missing:
            yield f"{label}: resources {', '.join(missing)} not set"


def _probes(resource: Any, context: Context) -> Iterator[str]:
    for container in pod_spec(resource).get("containers") or []:
        if not isinstance(container, Mapping) or not container.get("ports"):
            continue
        ports = [p.get("containerPort") for p in as_list(container.get("ports"))
                 if isinstance(p, Mapping)]
        missing = [probe for probe in ("readinessProbe", "livenessProbe")
                   if not container.get(probe)]
        if missing:
            yield (f"container {container.get('name', '?')} serves ports {ports} but has no "
                   f"{' and no '.join(missing)}")


# -- disruption budgets and network policies --------------------------------------------------


def _min_replicas(deployment: Any, context: Context) -> tuple[int | None, str]:
    """The fewest replicas a Deployment (or Rollout) runs, and where that number comes from: the
    largest of its `spec.replicas` (1 when omitted) and the `minReplicas` (1 when omitted) of
    each HorizontalPodAutoscaler that scales it (`scaleTargetRef` of the same kind and name)."""
    replicas = prop(deployment.props, "spec", "replicas")
    counts: list[tuple[int, str]] = []
    if not known(replicas):
        return None, ""
    counts.append((replicas if isinstance(replicas, int) else 1, "replicas"))
    name = prop(deployment.props, "metadata", "name")
    namespace = namespace_of(deployment)
    assert context.stack is not None
    for hpa in context.stack.of_type(*HPAS):
        target = prop(hpa.props, "spec", "scaleTargetRef") or {}
        if (target.get("kind") == _kind(deployment) and target.get("name") == name
                and namespace_of(hpa) == namespace):
            minimum = prop(hpa.props, "spec", "minReplicas")
            if not known(minimum):
                return None, ""
            counts.append((minimum if isinstance(minimum, int) else 1,
                           "HorizontalPodAutoscaler minReplicas"))
    return max(counts, key=lambda c: c[0])


def _kind(resource: Any) -> str:
    """The Kubernetes kind of a rendered object's type token (`...:Rollout` -> Rollout)."""
    return str(resource.resource_type).rsplit(":", 1)[-1]


def _deployment_pdb(resource: Any, context: Context) -> Iterator[str]:
    replicas, source = _min_replicas(resource, context)
    if replicas is None or replicas <= 1:
        return
    labels = prop(resource.props, "spec", "template", "metadata", "labels")
    if not known(labels):
        return
    labels = labels if isinstance(labels, Mapping) else {}
    namespace = namespace_of(resource)
    assert context.stack is not None
    for budget in context.stack.of_type(PDB):
        if (namespace_of(budget) == namespace
                and label_selector_matches(prop(budget.props, "spec", "selector"), labels)):
            return
    yield (f"{replicas} replicas ({source}) but no PodDisruptionBudget in namespace "
           f"{namespace} selects its pods (labels {dict(labels)})")


def is_default_deny(policy: Any) -> bool:
    """Whether a NetworkPolicy denies all ingress and all egress to every pod of its namespace:
    an empty podSelector, policyTypes covering Ingress and Egress, and no rule in either
    (https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-policies;
    without policyTypes a policy is Ingress, plus Egress when it has egress rules)."""
    spec = prop(policy.props, "spec")
    if not isinstance(spec, Mapping) or not selects_everything(spec.get("podSelector")):
        return False
    types = spec.get("policyTypes")
    if types is None:
        types = ["Ingress", *(["Egress"] if spec.get("egress") else [])]
    return ("Ingress" in as_list(types) and "Egress" in as_list(types)
            and not spec.get("ingress") and not spec.get("egress"))


def _namespace_default_deny(resource: Any, context: Context) -> Iterator[str]:
    namespace = namespace_of(resource)
    assert context.stack is not None
    if any(namespace_of(p) == namespace and is_default_deny(p)
           for p in context.stack.of_type(NETWORK_POLICY)):
        return
    yield (f"namespace {namespace} has no default-deny NetworkPolicy (podSelector {{}}, "
           "policyTypes Ingress and Egress, no rules): its pods accept and send any traffic "
           "no other policy selects them for")


WORKLOADS = tuple(POD_SPEC_PATHS)

RULES: tuple[Rule, ...] = (
    Rule(
        id="k8s-pod-no-host-namespaces",
        severity="mandatory",
        category="kubernetes",
        rationale="A pod on the node's network, PID or IPC namespace can see and reach what "
                  "every other pod on the node does.",
        remediation="Remove hostNetwork, hostPID and hostIPC from the pod spec.",
        checks=dict.fromkeys(WORKLOADS, _no_host_namespaces),
        scope="stack",
    ),
    Rule(
        id="k8s-container-run-as-non-root",
        severity="mandatory",
        category="kubernetes",
        rationale="A container running as root is one kernel or runtime flaw away from root "
                  "on the node.",
        remediation="Set securityContext.runAsNonRoot: true (and a non-zero runAsUser) on the "
                    "pod and never false on a container (the chart's "
                    "<service>.podSecurityContext).",
        checks=dict.fromkeys(WORKLOADS, _run_as_non_root),
        scope="stack",
    ),
    Rule(
        id="k8s-container-read-only-root-filesystem",
        severity="mandatory",
        category="kubernetes",
        rationale="A writable root filesystem lets an intruder drop tools and alter the "
                  "application in place.",
        remediation="Set securityContext.readOnlyRootFilesystem: true on every container and "
                    "mount an emptyDir where it writes (the chart's <service>.securityContext; "
                    "it mounts /tmp).",
        checks=dict.fromkeys(WORKLOADS, _read_only_root_filesystem),
        scope="stack",
    ),
    Rule(
        id="k8s-container-no-privilege-escalation",
        severity="mandatory",
        category="kubernetes",
        rationale="Without no_new_privs a process can gain privileges through setuid binaries "
                  "or file capabilities.",
        remediation="Set securityContext.allowPrivilegeEscalation: false on every container "
                    "(the chart's <service>.securityContext).",
        checks=dict.fromkeys(WORKLOADS, _no_privilege_escalation),
        scope="stack",
    ),
    Rule(
        id="k8s-container-drop-all-capabilities",
        severity="mandatory",
        category="kubernetes",
        rationale="The runtime's default capabilities (NET_RAW, CHOWN, SETUID, ...) are more "
                  "than an application needs.",
        remediation="Set securityContext.capabilities.drop: [ALL] on every container and add "
                    "back at most NET_BIND_SERVICE.",
        checks=dict.fromkeys(WORKLOADS, _drop_all_capabilities),
        scope="stack",
    ),
    Rule(
        id="k8s-container-seccomp-runtime-default",
        severity="mandatory",
        category="kubernetes",
        rationale="Without a seccomp profile a container may make every system call, which "
                  "widens the kernel's attack surface.",
        remediation="Set securityContext.seccompProfile.type: RuntimeDefault on the pod (the "
                    "chart's <service>.podSecurityContext) and never Unconfined on a container.",
        checks=dict.fromkeys(WORKLOADS, _seccomp_runtime_default),
        scope="stack",
    ),
    Rule(
        id="k8s-container-not-privileged",
        severity="mandatory",
        category="kubernetes",
        rationale="A privileged container has every capability and the node's devices: it "
                  "is root on the node.",
        remediation="Remove securityContext.privileged (or set it false) on every container.",
        checks=dict.fromkeys(WORKLOADS, _not_privileged),
        scope="stack",
    ),
    Rule(
        id="k8s-pod-no-host-path",
        severity="mandatory",
        category="kubernetes",
        rationale="A hostPath volume exposes the node's filesystem to the pod, and through it "
                  "the kubelet's credentials and other pods' data.",
        remediation="Use an emptyDir, a ConfigMap/Secret or a PersistentVolumeClaim instead "
                    "of the hostPath volume.",
        checks=dict.fromkeys(WORKLOADS, _no_host_path),
        scope="stack",
    ),
    Rule(
        id="k8s-container-resources-set",
        severity="mandatory",
        category="kubernetes",
        rationale="Without requests the scheduler packs pods blindly; without a memory limit "
                  "one container can exhaust the node's memory.",
        remediation="Set resources.requests.cpu, requests.memory and limits.memory on every "
                    "container (forge-infra:services.<name>.cpu and memory in the stack "
                    "config; the chart's <service>.resources).",
        checks=dict.fromkeys(WORKLOADS, _resources),
        scope="stack",
    ),
    Rule(
        id="k8s-container-probes-set",
        severity="mandatory",
        category="kubernetes",
        rationale="A serving container without a readiness probe gets traffic before it is "
                  "ready; without a liveness probe a hung one is never restarted.",
        remediation="Give every container with ports a readinessProbe and a livenessProbe "
                    "(the chart's <service>.probes).",
        checks=dict.fromkeys(WORKLOADS, _probes),
        scope="stack",
    ),
    Rule(
        id="k8s-deployment-pdb",
        severity="mandatory",
        category="kubernetes",
        rationale="Without a PodDisruptionBudget a node drain or upgrade may evict every "
                  "replica of a service at once.",
        remediation="Add a PodDisruptionBudget in the Deployment's namespace whose selector "
                    "matches its pod template labels (the chart's <service>.pdb).",
        checks={DEPLOYMENT: _deployment_pdb, ROLLOUT: _deployment_pdb},
        scope="stack",
    ),
    Rule(
        id="k8s-namespace-default-deny",
        severity="mandatory",
        category="kubernetes",
        rationale="Without a default-deny NetworkPolicy every pod not selected by a policy "
                  "accepts and sends any traffic.",
        remediation="Add a NetworkPolicy with podSelector {} and policyTypes [Ingress, Egress] "
                    "and no rules to each namespace with workloads (the chart's "
                    "networkPolicy.enabled).",
        checks=dict.fromkeys(WORKLOADS, _namespace_default_deny),
        scope="stack",
    ),
)
