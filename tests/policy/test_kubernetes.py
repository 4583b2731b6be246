"""The Kubernetes rules: the real EKS stacks (their chart's objects) pass, and one directly
declared object per failing case fails with the exact message, on both paths."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from forge_infra.plan.helm import HELM_RELEASE, render_release
from forge_infra.plan.model import Plan
from forge_infra.policy.registry import rule_by_id
from forge_infra.policy.rules import kubernetes
from forge_infra.policy.rules.kubernetes import label_selector_matches
from tests.conftest import ROOT
from tests.policy.harness import COMPONENTS_ROOT, both, with_resource
from tests.policy.plans import STACKS, stack_plan

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
CRONJOB = "kubernetes:batch/v1:CronJob"
PDB = "kubernetes:policy/v1:PodDisruptionBudget"
HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"

LABELS = {"app": "debug"}


def compliant_deployment() -> dict[str, Any]:
    """A Deployment every Kubernetes rule accepts in the chart's namespace (which the chart's
    default-deny policy covers): one replica, no CPU limit (not required)."""
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "debug", "namespace": "forge"},
        "spec": {"replicas": 1, "selector": {"matchLabels": dict(LABELS)}, "template": {
            "metadata": {"labels": dict(LABELS)},
            "spec": {
                "securityContext": {"runAsNonRoot": True, "runAsUser": 10001,
                                    "seccompProfile": {"type": "RuntimeDefault"}},
                "volumes": [{"name": "tmp", "emptyDir": {}}],
                "containers": [{
                    "name": "app", "image": "ghcr.io/forge/debug:1.0.0",
                    "ports": [{"containerPort": 8080, "name": "http"}],
                    "readinessProbe": {"httpGet": {"path": "/health", "port": "http"}},
                    "livenessProbe": {"httpGet": {"path": "/health", "port": "http"}},
                    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"},
                                  "limits": {"memory": "128Mi"}},
                    "securityContext": {"allowPrivilegeEscalation": False,
                                        "readOnlyRootFilesystem": True,
                                        "capabilities": {"drop": ["ALL"]}},
                    "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}]}]}}}}


def pod(props: dict[str, Any]) -> dict[str, Any]:
    """The pod spec of a Deployment's props."""
    spec: dict[str, Any] = props["spec"]["template"]["spec"]
    return spec


def container(props: dict[str, Any]) -> dict[str, Any]:
    """The first container of a Deployment's props."""
    first: dict[str, Any] = pod(props)["containers"][0]
    return first


def with_deployment(change: Callable[[dict[str, Any]], object] = lambda p: None,
                    plan: Plan | None = None) -> tuple[Plan, str]:
    """The prod EKS plan with the compliant Deployment, changed by `change(props)`."""
    props = compliant_deployment()
    change(props)
    return with_resource(plan or stack_plan("prod", "eks"), DEPLOYMENT, "debug", props)


def violations(rule_id: str, change: Callable[[dict[str, Any]], object]) -> list[str]:
    """The messages `rule_id` reports on the changed Deployment (asserting both paths agree
    and that they all name it)."""
    plan, urn = with_deployment(change)
    found = both(rule_by_id(rule_id), plan)
    assert {u for u, _ in found} <= {urn}
    return [message for _, message in found]


K8S_RULES = [r.id for r in kubernetes.RULES]


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("rule_id", K8S_RULES)
def test_the_real_eks_stacks_pass(rule_id: str, stack: str) -> None:
    plan = stack_plan(stack, "eks")
    assert any(r.type == "kubernetes:helm.sh/v3:Release" and r.helm and r.helm.rendered
               for r in plan.resources), "the stack renders no chart"
    assert both(rule_by_id(rule_id), plan) == []


@pytest.mark.parametrize("rule_id", K8S_RULES)
def test_the_compliant_deployment_passes(rule_id: str) -> None:
    assert violations(rule_id, lambda p: None) == []


def test_every_rule_is_a_stack_rule_so_the_pack_sees_the_chart() -> None:
    # The pack renders charts only in its stack validation: a resource rule would check the
    # Helm release and never the Deployments it installs.
    assert {r.scope for r in kubernetes.RULES} == {"stack"}


def rerendered(stack: str, change: Callable[[dict[str, Any]], object]) -> tuple[Plan, str]:
    """The stack's EKS plan with the platform chart's values changed by `change(values)` and the
    chart rendered again (the offline path reads the plan's objects, the pack renders the
    release's values itself: both then see the change); returns the plan and the release URN."""
    plan = copy.deepcopy(stack_plan(stack, "eks"))
    release = next(r for r in plan.resources if r.type == HELM_RELEASE and r.helm is not None
                   and r.helm.rendered)
    assert release.helm is not None
    change(release.props["values"])
    release.helm = render_release(
        release, chart_path=str(COMPONENTS_ROOT / release.props["chart"]),
        kube_version=release.helm.kube_version,
        kube_version_source=release.helm.kube_version_source, project_dir=ROOT)
    assert release.helm.rendered, release.helm.reason
    return plan, release.urn


def test_the_charts_own_objects_are_checked_on_both_paths() -> None:
    plan, urn = rerendered("prod", lambda v: v["api"]["probes"].update(type="none"))
    assert both(rule_by_id("k8s-container-probes-set"), plan) == [
        (urn, "Deployment forge/forge-platform-api: container api serves ports [8000] but has "
              "no readinessProbe and no livenessProbe")]

    plan, urn = rerendered("prod", lambda v: v["api"]["securityContext"].update(
        readOnlyRootFilesystem=False))
    # The api's migration Job runs with the api's security context.
    assert both(rule_by_id("k8s-container-read-only-root-filesystem"), plan) == [
        (urn, "Deployment forge/forge-platform-api: container api: readOnlyRootFilesystem is "
              "False"),
        (urn, "Job forge/forge-platform-api-migrate: container migrate: readOnlyRootFilesystem "
              "is False")]

    plan, urn = rerendered("prod", lambda v: v["worker"]["pdb"].update(enabled=False))
    assert both(rule_by_id("k8s-deployment-pdb"), plan) == [
        (urn, "Deployment forge/forge-platform-worker: 2 replicas (HorizontalPodAutoscaler "
              "minReplicas) but no PodDisruptionBudget in namespace forge selects its pods "
              "(labels {'app.kubernetes.io/component': 'worker', 'app.kubernetes.io/instance': "
              "'forge-platform', 'app.kubernetes.io/managed-by': 'Helm', "
              "'app.kubernetes.io/name': 'forge-platform', 'app.kubernetes.io/part-of': "
              "'forge', 'app.kubernetes.io/version': '0.1.0', 'helm.sh/chart': "
              "'forge-platform-0.1.0'})")]

    plan, urn = rerendered("staging", lambda v: v["networkPolicy"].update(enabled=False))
    deny = ("namespace forge has no default-deny NetworkPolicy (podSelector {}, policyTypes "
            "Ingress and Egress, no rules): its pods accept and send any traffic no other "
            "policy selects them for")
    assert both(rule_by_id("k8s-namespace-default-deny"), plan) == sorted(
        (urn, f"{kind} forge/forge-platform-{name}: {deny}")
        for kind, name in (("Deployment", "api"), ("Deployment", "gateway"),
                           ("Deployment", "ui"), ("Deployment", "worker"),
                           ("Job", "api-migrate")))


def test_an_argo_rollout_is_checked_like_a_deployment() -> None:
    """prod releases by canary: its gateway is an Argo Rollout, whose pod template and
    disruption budget the same rules read."""
    plan, urn = rerendered("prod", lambda v: v["gateway"]["securityContext"].update(
        readOnlyRootFilesystem=False))
    assert both(rule_by_id("k8s-container-read-only-root-filesystem"), plan) == [
        (urn, "Rollout forge/forge-platform-gateway: container gateway: readOnlyRootFilesystem "
              "is False")]
    plan, urn = rerendered("prod", lambda v: v["gateway"]["pdb"].update(enabled=False))
    found = both(rule_by_id("k8s-deployment-pdb"), plan)
    assert [(u, m.split(" but ")[0]) for u, m in found] == [
        (urn, "Rollout forge/forge-platform-gateway: 2 replicas (HorizontalPodAutoscaler "
              "minReplicas)")], found


# -- security context -------------------------------------------------------------------------


def test_run_as_non_root() -> None:
    rule = "k8s-container-run-as-non-root"
    assert violations(rule, lambda p: pod(p)["securityContext"].pop("runAsNonRoot")) == [
        "container app: runAsNonRoot is set neither on the container nor on the pod: the "
        "image's user, root unless the image says otherwise, runs it"]
    # The container's value overrides the pod's, both ways.
    assert violations(rule, lambda p: container(p)["securityContext"].update(
        runAsNonRoot=False)) == ["container app: runAsNonRoot is False on the container"]
    assert violations(rule, lambda p: (pod(p)["securityContext"].update(runAsNonRoot=False),
                                       container(p)["securityContext"].update(
                                           runAsNonRoot=True))) == []
    assert violations(rule, lambda p: container(p)["securityContext"].update(runAsUser=0)) == [
        "container app: runAsUser is 0 (root) on the container"]
    assert violations(rule, lambda p: pod(p)["securityContext"].update(runAsUser=0)) == [
        "container app: runAsUser is 0 (root) on the pod"]


def test_run_as_non_root_covers_init_containers() -> None:
    def init(props: dict[str, Any]) -> None:
        pod(props)["initContainers"] = [dict(container(props), name="wait",
                                             securityContext={"runAsNonRoot": False})]

    assert violations("k8s-container-run-as-non-root", init) == [
        "initContainer wait: runAsNonRoot is False on the container"]


def test_read_only_root_filesystem() -> None:
    rule = "k8s-container-read-only-root-filesystem"
    assert violations(rule, lambda p: container(p)["securityContext"].pop(
        "readOnlyRootFilesystem")) == [
        "container app: readOnlyRootFilesystem is not set: the root filesystem is writable"]
    assert violations(rule, lambda p: container(p)["securityContext"].update(
        readOnlyRootFilesystem=False)) == ["container app: readOnlyRootFilesystem is False"]


def test_no_privilege_escalation() -> None:
    rule = "k8s-container-no-privilege-escalation"
    assert violations(rule, lambda p: container(p)["securityContext"].pop(
        "allowPrivilegeEscalation")) == [
        "container app: allowPrivilegeEscalation is not set: no_new_privs is not set, so a "
        "setuid binary can gain privileges"]
    assert violations(rule, lambda p: container(p)["securityContext"].update(
        allowPrivilegeEscalation=True)) == ["container app: allowPrivilegeEscalation is True"]


def test_drop_all_capabilities() -> None:
    rule = "k8s-container-drop-all-capabilities"
    assert violations(rule, lambda p: container(p)["securityContext"].pop("capabilities")) == [
        "container app: capabilities.drop is []: drop ALL (the runtime's default set stays "
        "otherwise)"]
    assert violations(rule, lambda p: container(p)["securityContext"].update(
        capabilities={"drop": ["NET_RAW"]})) == [
        "container app: capabilities.drop is ['NET_RAW']: drop ALL (the runtime's default set "
        "stays otherwise)"]
    assert violations(rule, lambda p: container(p)["securityContext"]["capabilities"].update(
        add=["SYS_ADMIN", "NET_BIND_SERVICE"])) == [
        "container app: capabilities.add has 'SYS_ADMIN': only NET_BIND_SERVICE may be added "
        "back"]


def test_seccomp_runtime_default() -> None:
    rule = "k8s-container-seccomp-runtime-default"
    assert violations(rule, lambda p: pod(p)["securityContext"].pop("seccompProfile")) == [
        "container app: seccompProfile is set neither on the container nor on the pod: set "
        "type RuntimeDefault"]
    assert violations(rule, lambda p: container(p)["securityContext"].update(
        seccompProfile={"type": "Unconfined"})) == [
        "container app: seccompProfile.type is 'Unconfined' on the container: use "
        "RuntimeDefault (or a Localhost profile)"]
    assert violations(rule, lambda p: pod(p)["securityContext"].update(
        seccompProfile={"type": "Unconfined"})) == [
        "container app: seccompProfile.type is 'Unconfined' on the pod: use RuntimeDefault "
        "(or a Localhost profile)"]
    # The container's profile overrides the pod's.
    assert violations(rule, lambda p: (
        pod(p)["securityContext"].update(seccompProfile={"type": "Unconfined"}),
        container(p)["securityContext"].update(seccompProfile={"type": "RuntimeDefault"}))) == []
    assert violations(rule, lambda p: pod(p)["securityContext"].update(seccompProfile={
        "type": "Localhost", "localhostProfile": "profiles/app.json"})) == []


def test_not_privileged() -> None:
    assert violations("k8s-container-not-privileged", lambda p: container(p)[
        "securityContext"].update(privileged=True)) == [
        "container app: privileged is true: the container has every capability and the "
        "node's devices"]


def test_no_host_path() -> None:
    assert violations("k8s-pod-no-host-path", lambda p: pod(p)["volumes"].append(
        {"name": "docker", "hostPath": {"path": "/var/run/docker.sock"}})) == [
        "volume docker is a hostPath volume (/var/run/docker.sock) on the node"]


def test_no_host_namespaces() -> None:
    assert violations("k8s-pod-no-host-namespaces", lambda p: pod(p).update(hostPID=True)) == [
        "hostPID is true: the pod shares the node's namespace"]


def test_a_cronjob_is_read_through_its_job_template() -> None:
    deployment = compliant_deployment()
    template = deployment["spec"]["template"]
    container(deployment)["securityContext"]["privileged"] = True
    cronjob = {"apiVersion": "batch/v1", "kind": "CronJob",
               "metadata": {"name": "nightly", "namespace": "forge"},
               "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": template}}}}
    plan, urn = with_resource(stack_plan("prod", "eks"), CRONJOB, "nightly", cronjob)
    assert both(rule_by_id("k8s-container-not-privileged"), plan) == [
        (urn, "container app: privileged is true: the container has every capability and the "
              "node's devices")]


# -- resources and probes ---------------------------------------------------------------------


def test_resources_requests_and_memory_limit() -> None:
    rule = "k8s-container-resources-set"
    assert violations(rule, lambda p: container(p).pop("resources")) == [
        "container app: resources requests.cpu, requests.memory, limits.memory not set"]
    assert violations(rule, lambda p: container(p)["resources"].update(
        requests={"cpu": "100m"}, limits={})) == [
        "container app: resources requests.memory, limits.memory not set"]
    # A CPU limit is not required (CPU is throttled, not killed); setting one is fine.
    assert violations(rule, lambda p: container(p)["resources"]["limits"].update(
        cpu="100m")) == []


def test_probes_on_serving_containers() -> None:
    rule = "k8s-container-probes-set"
    assert violations(rule, lambda p: container(p).pop("readinessProbe")) == [
        "container app serves ports [8080] but has no readinessProbe"]
    assert violations(rule, lambda p: (container(p).pop("readinessProbe"),
                                       container(p).pop("livenessProbe"))) == [
        "container app serves ports [8080] but has no readinessProbe and no livenessProbe"]
    # A container with no ports (a queue worker) serves nothing to probe.
    assert violations(rule, lambda p: (container(p).pop("ports"),
                                       container(p).pop("readinessProbe"),
                                       container(p).pop("livenessProbe"))) == []


# -- disruption budgets -----------------------------------------------------------------------


def _pdb(namespace: str = "forge", selector: Any = None) -> dict[str, Any]:
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": {"name": "debug", "namespace": namespace},
            "spec": {"maxUnavailable": 1,
                     "selector": {"matchLabels": dict(LABELS)} if selector is None
                     else selector}}


def _replicas(count: int) -> Callable[[dict[str, Any]], None]:
    return lambda p: p["spec"].update(replicas=count)


def test_a_deployment_with_replicas_needs_a_matching_pdb() -> None:
    rule = rule_by_id("k8s-deployment-pdb")
    plan, urn = with_deployment(_replicas(3))
    assert both(rule, plan) == [(urn, "3 replicas (replicas) but no PodDisruptionBudget in "
                                      "namespace forge selects its pods (labels "
                                      "{'app': 'debug'})")]
    for budget in (_pdb(), _pdb(selector={}),
                   _pdb(selector={"matchExpressions": [
                       {"key": "app", "operator": "In", "values": ["debug", "other"]}]})):
        covered, _ = with_resource(plan, PDB, "debug-pdb", budget)
        assert both(rule, covered) == [], budget
    for budget in (_pdb(namespace="other"), _pdb(selector={"matchLabels": {"app": "api"}})):
        uncovered, _ = with_resource(plan, PDB, "debug-pdb", budget)
        assert both(rule, uncovered) == [
            (urn, "3 replicas (replicas) but no PodDisruptionBudget in namespace forge selects "
                  "its pods (labels {'app': 'debug'})")], budget


def test_an_autoscaled_deployment_needs_a_pdb_when_its_minimum_is_above_one() -> None:
    rule = rule_by_id("k8s-deployment-pdb")
    plan, urn = with_deployment(lambda p: p["spec"].pop("replicas"))
    hpa = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
           "metadata": {"name": "debug", "namespace": "forge"},
           "spec": {"minReplicas": 2, "maxReplicas": 5, "scaleTargetRef": {
               "apiVersion": "apps/v1", "kind": "Deployment", "name": "debug"}}}
    scaled, _ = with_resource(plan, HPA, "debug-hpa", hpa)
    assert both(rule, scaled) == [
        (urn, "2 replicas (HorizontalPodAutoscaler minReplicas) but no PodDisruptionBudget in "
              "namespace forge selects its pods (labels {'app': 'debug'})")]
    hpa["spec"]["minReplicas"] = 1
    single, _ = with_resource(plan, HPA, "debug-hpa", hpa)
    assert both(rule, single) == []


def test_label_selectors_follow_kubernetes_semantics() -> None:
    labels = {"app": "api", "tier": "web"}
    assert label_selector_matches({}, labels)
    assert not label_selector_matches(None, labels)
    assert label_selector_matches({"matchLabels": {"app": "api"}}, labels)
    assert not label_selector_matches({"matchLabels": {"app": "api", "x": "y"}}, labels)
    expressions = [
        ({"key": "app", "operator": "In", "values": ["api"]}, True),
        ({"key": "missing", "operator": "In", "values": ["api"]}, False),
        ({"key": "app", "operator": "NotIn", "values": ["api"]}, False),
        ({"key": "missing", "operator": "NotIn", "values": ["api"]}, True),
        ({"key": "tier", "operator": "Exists"}, True),
        ({"key": "missing", "operator": "Exists"}, False),
        ({"key": "tier", "operator": "DoesNotExist"}, False),
        ({"key": "missing", "operator": "DoesNotExist"}, True),
        ({"key": "app", "operator": "Gt", "values": ["1"]}, False),
    ]
    for requirement, expected in expressions:
        assert label_selector_matches({"matchExpressions": [requirement]}, labels) is expected


# -- network policies -------------------------------------------------------------------------


def _policy(namespace: str, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": "deny", "namespace": namespace},
            "spec": {"podSelector": {}, **spec}}


def test_each_namespace_with_workloads_has_a_default_deny_policy() -> None:
    rule = rule_by_id("k8s-namespace-default-deny")
    plan, urn = with_deployment(lambda p: p["metadata"].update(namespace="debug"))
    missing = [(urn, "namespace debug has no default-deny NetworkPolicy (podSelector {}, "
                     "policyTypes Ingress and Egress, no rules): its pods accept and send any "
                     "traffic no other policy selects them for")]
    assert both(rule, plan) == missing
    not_deny = [
        _policy("debug", policyTypes=["Ingress"]),
        _policy("debug"),  # no policyTypes and no egress rules: Ingress only
        _policy("debug", policyTypes=["Ingress", "Egress"],
                ingress=[{"from": [{"podSelector": {}}]}]),
        _policy("debug", policyTypes=["Ingress", "Egress"],
                podSelector={"matchLabels": dict(LABELS)}),
        _policy("forge", policyTypes=["Ingress", "Egress"]),
    ]
    for policy in not_deny:
        changed, _ = with_resource(plan, NETWORK_POLICY, "deny", policy)
        assert both(rule, changed) == missing, policy
    denied, _ = with_resource(plan, NETWORK_POLICY, "deny",
                              _policy("debug", policyTypes=["Ingress", "Egress"], ingress=[]))
    assert both(rule, denied) == []


def test_an_object_without_a_namespace_is_in_default() -> None:
    plan, urn = with_deployment(lambda p: p["metadata"].pop("namespace"))
    assert both(rule_by_id("k8s-namespace-default-deny"), plan) == [
        (urn, "namespace default has no default-deny NetworkPolicy (podSelector {}, "
              "policyTypes Ingress and Egress, no rules): its pods accept and send any "
              "traffic no other policy selects them for")]
