"""The forge-platform Helm chart, rendered and linted by Helm's own engine (helm-python-sdk).

Every rendered object is validated with kubernetes-validate (strict: unknown fields fail) for
the Kubernetes version the EKS cluster runs. ExternalSecret (a CRD it has no schema for) is the
only kind skipped there, and its structure is asserted here instead.

What this does not prove: that a cluster admits the objects (admission webhooks, Pod Security
Admission, quotas), that the External Secrets Operator and cert-manager are installed, or that
the images start; only that Helm renders what the values ask for and the API schema accepts it.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import helm_python
import pytest
import yaml

from forge_components.kubernetes.values import platform_values, service_account_name
from tests.components.kubernetes.support import (
    CERTIFICATE_ARN,
    CHART_DIR,
    CLOUD_API_CIDRS,
    CRD_KINDS,
    DATA_CIDRS,
    ENVIRONMENTS,
    KAFKA_ARN,
    KUBERNETES_VERSION,
    NAMESPACE,
    PUBLIC_CIDRS,
    RELEASE,
    ROLE_ARNS,
    SECRET_ARN,
    SERVICES,
    env_values,
    full,
    named,
    of_kind,
    platform_case,
    platform_kwargs,
    render,
    resolve,
    selector,
    validate_all,
)

SCENARIOS = ("defaults", *(f"values-{e}" for e in ENVIRONMENTS), "platform-dev", "platform-prod")
RELEASE_SELECTOR = {"app.kubernetes.io/name": "forge-platform",
                    "app.kubernetes.io/instance": RELEASE}
HOOK_ANNOTATIONS = {"helm.sh/hook": "pre-install,pre-upgrade",
                    "helm.sh/hook-delete-policy": "before-hook-creation,hook-succeeded"}


def scenario_values(scenario: str) -> dict[str, Any] | None:
    """The values a scenario renders with (None: the chart's defaults alone)."""
    if scenario == "defaults":
        return None
    if scenario.startswith("values-"):
        return env_values(scenario.removeprefix("values-"))
    return platform_case(scenario.removeprefix("platform-"))


_RENDERED: dict[str, list[dict[str, Any]]] = {}


def rendered(scenario: str) -> list[dict[str, Any]]:
    """The scenario's objects (rendered once per test session; tests must not mutate them)."""
    if scenario not in _RENDERED:
        _RENDERED[scenario] = render(scenario_values(scenario))
    return _RENDERED[scenario]


def pod_specs(objects: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """(kind/name, pod spec) of every Deployment and Job."""
    return [(f"{o['kind']}/{o['metadata']['name']}", o["spec"]["template"]["spec"])
            for o in objects if o["kind"] in ("Deployment", "Job")]


# -- Helm's own checks ------------------------------------------------------------------------

@pytest.mark.parametrize("values_file", [None, *(f"values-{e}.yaml" for e in ENVIRONMENTS)])
def test_lint_strict_is_clean(values_file):
    values = yaml.safe_load((CHART_DIR / values_file).read_text()) if values_file else None
    report = helm_python.lint(CHART_DIR, values, strict=True, namespace=NAMESPACE,
                              kube_version=f"v{KUBERNETES_VERSION}.0")
    assert report["total_charts_linted"] == 1
    assert report["errors"] == []
    # Only Helm's informational nudge for an icon remains: no warning, no error.
    assert [(m["severity"], m["error"]) for m in report["messages"]] == [
        (1, "icon is recommended")], report["messages"]


def test_chart_metadata_targets_the_cluster_version():
    chart = helm_python.Chart.load(CHART_DIR)
    meta = chart.metadata
    assert (meta["apiVersion"], meta["name"], meta["type"]) == ("v2", "forge-platform",
                                                                "application")
    assert meta["appVersion"] and meta["version"]
    # Helm's offline render does not enforce kubeVersion (install does): check it admits ours.
    lower = re.fullmatch(r">=\s*([0-9.]+)(-0)?", meta["kubeVersion"])
    assert lower, meta["kubeVersion"]
    minimum = tuple(int(part) for part in lower.group(1).split("."))
    assert minimum <= tuple(int(part) for part in f"{KUBERNETES_VERSION}.0".split("."))
    assert chart.schema is not None and chart.schema["$schema"].endswith("draft-07/schema#")


def test_every_service_block_has_the_same_keys():
    defaults = yaml.safe_load((CHART_DIR / "values.yaml").read_text())
    schema = helm_python.Chart.load(CHART_DIR).schema
    assert schema is not None
    keys = {name: set(defaults[name]) for name in SERVICES}
    assert all(k == keys["gateway"] for k in keys.values()), keys
    assert keys["gateway"] == set(schema["definitions"]["service"]["properties"])
    assert all(schema["properties"][name] == {"$ref": "#/definitions/service"}
               for name in SERVICES)
    assert schema["additionalProperties"] is False
    assert schema["definitions"]["service"]["additionalProperties"] is False


# -- every object is valid Kubernetes ---------------------------------------------------------

@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_object_validates_against_kubernetes(scenario):
    objects = rendered(scenario)
    skipped = validate_all(objects)
    external = scenario not in ("defaults", "values-dev")
    # api, worker and the migration hook read secrets by reference in every external scenario.
    assert skipped == (["ExternalSecret"] * 3 if external else [])


@pytest.mark.parametrize("scenario", ["values-prod", "platform-prod"])
def test_external_secrets_reference_the_store_and_feed_the_env(scenario):
    objects = rendered(scenario)
    secrets = of_kind(objects, "ExternalSecret")
    assert sorted(s["metadata"]["name"] for s in secrets) == [
        full("api"), full("api-migrate"), full("worker")]
    assert not of_kind(objects, "Secret")
    for secret in secrets:
        assert (secret["apiVersion"], secret["kind"]) in CRD_KINDS
        spec = secret["spec"]
        assert set(spec) == {"refreshInterval", "secretStoreRef", "target", "data"}
        assert spec["secretStoreRef"] == {"kind": "ClusterSecretStore",
                                          "name": "aws-secrets-manager"}
        assert spec["target"] == {"name": secret["metadata"]["name"], "creationPolicy": "Owner"}
        for item in spec["data"]:
            assert set(item) == {"secretKey", "remoteRef"}
            assert set(item["remoteRef"]) <= {"key", "property"} and item["remoteRef"]["key"]
    api_secret = named(objects, "ExternalSecret", full("api"))
    container = named(objects, "Deployment", full("api"))["spec"]["template"]["spec"][
        "containers"][0]
    assert [e["name"] for e in container["env"]] == [
        d["secretKey"] for d in api_secret["spec"]["data"]]
    for env in container["env"]:
        assert env["valueFrom"] == {"secretKeyRef": {"name": full("api"), "key": env["name"]}}
    if scenario == "platform-prod":
        refs = {d["secretKey"]: d["remoteRef"]
                for d in named(objects, "ExternalSecret", full("worker"))["spec"]["data"]}
        assert refs == {"DATABASE_PASSWORD": {"key": SECRET_ARN, "property": "password"},
                        "DATABASE_USER": {"key": SECRET_ARN, "property": "username"},
                        "KAFKA_PASSWORD": {"key": KAFKA_ARN}}


def test_dev_plain_secrets_render_a_secret_and_are_refused_in_prod():
    objects = rendered("values-dev")
    assert not of_kind(objects, "ExternalSecret")
    secrets = of_kind(objects, "Secret")
    assert sorted(s["metadata"]["name"] for s in secrets) == [
        full("api"), full("api-migrate"), full("worker")]
    assert all(s["type"] == "Opaque" and set(s["stringData"]) == {
        "DATABASE_USER", "DATABASE_PASSWORD"} for s in secrets)
    with pytest.raises(helm_python.HelmRenderError,
                       match=re.escape("secrets.mode: plain is refused when environment is prod")):
        render({**env_values("dev"), "environment": "prod"})


def test_secret_env_must_fit_the_secrets_mode():
    values = env_values("prod")
    values["ui"] = {"secretEnv": {"SESSION_KEY": {"value": "not-a-reference"}}}
    message = "ui.secretEnv.SESSION_KEY: secrets.mode external needs remoteRef"
    with pytest.raises(helm_python.HelmRenderError, match=re.escape(message)):
        render(values)


# -- pods: security, probes, resources, scheduling --------------------------------------------

@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_container_is_locked_down(scenario):
    specs = pod_specs(rendered(scenario))
    assert len(specs) == 5, [name for name, _ in specs]  # 4 Deployments + the migration Job
    for name, pod in specs:
        assert pod["automountServiceAccountToken"] is False, name
        security = pod["securityContext"]
        assert security["runAsNonRoot"] is True, name
        assert security["runAsUser"] > 0 and security["runAsGroup"] > 0, name
        assert security["fsGroup"] > 0, name
        assert security["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert pod["volumes"] == [{"name": "tmp", "emptyDir": {}}], name
        assert len(pod["containers"]) == 1 and "initContainers" not in pod, name
        for container in pod["containers"]:
            assert container["securityContext"] == {
                "allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                "runAsNonRoot": True, "capabilities": {"drop": ["ALL"]}}, name
            assert container["volumeMounts"] == [{"name": "tmp", "mountPath": "/tmp"}], name
            resources = container["resources"]
            assert set(resources["requests"]) == set(resources["limits"]) == {"cpu", "memory"}
            assert container["image"].rsplit(":", 1)[1], name


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_serving_containers_have_http_probes_and_the_worker_none(scenario):
    objects = rendered(scenario)
    for service in ("gateway", "api", "ui"):
        container = named(objects, "Deployment", full(service))["spec"]["template"]["spec"][
            "containers"][0]
        assert container["ports"] == [{"name": "http", "containerPort": container["ports"][0][
            "containerPort"], "protocol": "TCP"}]
        for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
            assert container[kind]["httpGet"]["port"] == "http", (service, kind)
            assert container[kind]["httpGet"]["path"].startswith("/"), (service, kind)
    ports = {s: named(objects, "Deployment", full(s))["spec"]["template"]["spec"]["containers"][
        0]["ports"][0]["containerPort"] for s in ("gateway", "api", "ui")}
    assert ports == {"gateway": 8080, "api": 8000, "ui": 3000}
    worker = named(objects, "Deployment", full("worker"))["spec"]["template"]["spec"][
        "containers"][0]
    job = named(objects, "Job", full("api-migrate"))["spec"]["template"]["spec"]["containers"][0]
    for container in (worker, job):
        assert not {"ports", "startupProbe", "livenessProbe", "readinessProbe"} & set(container)


def test_worker_exec_probe_is_configurable():
    values = env_values("prod")
    values["worker"]["probes"] = {"type": "exec", "command": ["/app/bin/healthcheck"]}
    worker = named(render(values), "Deployment", full("worker"))["spec"]["template"]["spec"][
        "containers"][0]
    for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert worker[kind]["exec"] == {"command": ["/app/bin/healthcheck"]}
    values["worker"]["probes"] = {"type": "httpGet", "path": "/health"}
    message = "worker.probes.type httpGet needs worker.port"
    with pytest.raises(helm_python.HelmRenderError, match=re.escape(message)):
        render(values)


def test_prod_resources_and_spread_come_from_values():
    objects = rendered("values-prod")
    prod = env_values("prod")
    for service in SERVICES:
        deployment = named(objects, "Deployment", full(service))
        pod = deployment["spec"]["template"]["spec"]
        assert pod["containers"][0]["resources"] == prod[service]["resources"], service
        assert deployment["spec"]["strategy"] == {
            "type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": "25%"}}
        spread = {c["topologyKey"]: c for c in pod["topologySpreadConstraints"]}
        assert set(spread) == {"topology.kubernetes.io/zone", "kubernetes.io/hostname"}
        assert spread["topology.kubernetes.io/zone"]["whenUnsatisfiable"] == "DoNotSchedule"
        assert spread["kubernetes.io/hostname"]["whenUnsatisfiable"] == "ScheduleAnyway"
        for constraint in spread.values():
            assert constraint["labelSelector"] == {"matchLabels": selector(service)}
            assert constraint["maxSkew"] == 1


# -- scaling and disruption -------------------------------------------------------------------

@pytest.mark.parametrize(("scenario", "expected"), [
    ("defaults", {}),
    ("values-dev", {}),
    ("values-staging", {"gateway": (2, 4), "api": (2, 4)}),
    ("values-prod", {s: (2, 10) for s in SERVICES}),
    ("platform-dev", {}),
    ("platform-prod", {s: (2, 10) for s in SERVICES}),
])
def test_hpa_and_pdb_follow_replica_counts(scenario, expected):
    objects = rendered(scenario)
    hpas = {h["metadata"]["name"]: h["spec"] for h in of_kind(objects, "HorizontalPodAutoscaler")}
    assert set(hpas) == {full(s) for s in expected}
    for service, (low, high) in expected.items():
        spec = hpas[full(service)]
        assert (spec["minReplicas"], spec["maxReplicas"]) == (low, high), service
        assert spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                          "name": full(service)}
        assert spec["metrics"] == [{"type": "Resource", "resource": {
            "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}]
    for service in SERVICES:
        deployment = named(objects, "Deployment", full(service))["spec"]
        # An autoscaled Deployment leaves replicas to the HPA (no fight on every upgrade).
        assert ("replicas" in deployment) == (service not in expected), service
    # A budget over a single pod blocks node drains: only multi-replica services get one.
    pdbs = {p["metadata"]["name"]: p["spec"] for p in of_kind(objects, "PodDisruptionBudget")}
    assert set(pdbs) == {full(s) for s in expected}
    for service in expected:
        assert pdbs[full(service)] == {"maxUnavailable": 1,
                                       "unhealthyPodEvictionPolicy": "AlwaysAllow",
                                       "selector": {"matchLabels": selector(service)}}


def test_pdb_without_autoscaling_needs_two_replicas():
    values = env_values("dev")
    values["api"]["replicaCount"] = 2
    pdbs = [p["metadata"]["name"] for p in of_kind(render(values), "PodDisruptionBudget")]
    assert pdbs == [full("api")]


def test_hpa_bounds_are_checked():
    values = env_values("prod")
    values["api"]["autoscaling"]["maxReplicas"] = 1
    with pytest.raises(helm_python.HelmRenderError,
                       match=r"api.autoscaling.maxReplicas \(1\) is below "
                             r"api.autoscaling.minReplicas \(2\)"):
        render(values)


# -- services, selectors, labels --------------------------------------------------------------

@pytest.mark.parametrize("scenario", SCENARIOS)
def test_services_and_selectors(scenario):
    objects = rendered(scenario)
    services = {s["metadata"]["name"]: s["spec"] for s in of_kind(objects, "Service")}
    # The worker serves no traffic: no Service.
    assert set(services) == {full("gateway"), full("api"), full("ui")}
    for name in ("gateway", "api", "ui"):
        assert services[full(name)]["selector"] == selector(name)
        assert services[full(name)]["ports"] == [{"name": "http", "port": 80,
                                                  "targetPort": "http", "protocol": "TCP"}]
    for service in SERVICES:
        deployment = named(objects, "Deployment", full(service))
        assert deployment["spec"]["selector"] == {"matchLabels": selector(service)}
        template_labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert selector(service).items() <= template_labels.items()


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_object_carries_the_standard_labels(scenario):
    for obj in rendered(scenario):
        labels = obj["metadata"]["labels"]
        assert labels["helm.sh/chart"] == "forge-platform-0.1.0", obj["metadata"]["name"]
        assert labels["app.kubernetes.io/managed-by"] == "Helm"
        assert labels["app.kubernetes.io/part-of"] == "forge"
        assert labels["app.kubernetes.io/version"] == "0.1.0"
        assert labels.items() >= RELEASE_SELECTOR.items()
        assert labels["app.kubernetes.io/component"]
        assert obj["metadata"]["namespace"] == NAMESPACE


def test_service_accounts_carry_irsa_annotations():
    objects = rendered("platform-prod")
    accounts = {a["metadata"]["name"]: a for a in of_kind(objects, "ServiceAccount")}
    assert set(accounts) == {full(s) for s in (*SERVICES, "api-migrate")}
    for service in SERVICES:
        account = accounts[full(service)]
        assert account["automountServiceAccountToken"] is False
        expected = ({"eks.amazonaws.com/role-arn": ROLE_ARNS[service]}
                    if service in ROLE_ARNS else None)
        assert account["metadata"].get("annotations") == expected, service
        pod = named(objects, "Deployment", full(service))["spec"]["template"]["spec"]
        assert pod["serviceAccountName"] == full(service)
        # IRSA trust policies are written against this name before the chart renders it.
        assert service_account_name(RELEASE, service) == full(service)


def test_service_account_name_mirrors_the_chart_fullname():
    assert service_account_name("forge-platform", "api") == "forge-platform-api"
    assert service_account_name("prod-forge-platform-eu", "ui") == "prod-forge-platform-eu-ui"
    assert service_account_name("x", "worker", fullname_override="platform") == "platform-worker"
    with pytest.raises(ValueError, match="unknown service 'admin'"):
        service_account_name("forge", "admin")


# -- the migration hook -----------------------------------------------------------------------

@pytest.mark.parametrize("scenario", ["values-prod", "platform-prod"])
def test_migration_job_is_a_hook_with_the_api_image(scenario):
    objects = rendered(scenario)
    job = named(objects, "Job", full("api-migrate"))
    annotations = job["metadata"]["annotations"]
    assert annotations == {**HOOK_ANNOTATIONS, "helm.sh/hook-weight": "0"}
    api_pod = named(objects, "Deployment", full("api"))["spec"]["template"]["spec"]
    pod = job["spec"]["template"]["spec"]
    container, api = pod["containers"][0], api_pod["containers"][0]
    assert container["image"] == api["image"]
    assert container["securityContext"] == api["securityContext"]
    assert pod["securityContext"] == api_pod["securityContext"]
    assert container["resources"] == api["resources"]
    expected_command = (["/app/bin/migrate"] if scenario == "values-prod"
                        else ["/app/bin/migrate", "--to", "head"])
    assert container["command"] == expected_command
    assert pod["restartPolicy"] == "Never"
    assert (job["spec"]["backoffLimit"], job["spec"]["activeDeadlineSeconds"]) == (1, 600)
    # Its config, secret and account are hook copies created first (weight -10): the release's
    # regular objects do not exist yet when a pre-install hook runs.
    assert container["envFrom"] == [{"configMapRef": {"name": full("api-migrate")}}]
    assert {e["valueFrom"]["secretKeyRef"]["name"] for e in container["env"]} == {
        full("api-migrate")}
    assert pod["serviceAccountName"] == full("api-migrate")
    for kind in ("ConfigMap", "ExternalSecret", "ServiceAccount"):
        hook = named(objects, kind, full("api-migrate"))
        assert hook["metadata"]["annotations"] == {**HOOK_ANNOTATIONS,
                                                   "helm.sh/hook-weight": "-10"}, kind
    assert (named(objects, "ConfigMap", full("api-migrate"))["data"]
            == named(objects, "ConfigMap", full("api"))["data"])
    regular = [o for o in objects if o["kind"] in ("Deployment", "Service", "ConfigMap")
               and o["metadata"]["name"] != full("api-migrate")]
    assert all("helm.sh/hook" not in (o["metadata"].get("annotations") or {}) for o in regular)


def test_migration_can_be_switched_off():
    values = env_values("prod")
    values["migrations"] = {"enabled": False}
    objects = render(values)
    assert not [o for o in objects if o["metadata"]["name"] == full("api-migrate")]


# -- config and rollouts ----------------------------------------------------------------------

def test_config_carries_the_data_endpoints_only_where_needed():
    objects = rendered("platform-prod")
    api = named(objects, "ConfigMap", full("api"))["data"]
    assert api == {
        "DATABASE_HOST": "forge-prod.c0123456789a.us-east-1.rds.amazonaws.com",
        "DATABASE_PORT": "5432", "DATABASE_NAME": "forge",
        "REDIS_HOST": "master.forge-prod.abc123.use1.cache.amazonaws.com", "REDIS_PORT": "6379",
        "REDIS_ADDR": "master.forge-prod.abc123.use1.cache.amazonaws.com:6379",
        "REDIS_TLS": "true",
        "KAFKA_BROKERS": ("b-1.forge-prod.abc123.c2.kafka.us-east-1.amazonaws.com:9096,"
                          "b-2.forge-prod.abc123.c2.kafka.us-east-1.amazonaws.com:9096"),
        "KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "KAFKA_USERNAME": "forge", "KAFKA_SSL_CA_PEM": "", "LOG_LEVEL": "info",
        "WORKERS": "4"}
    assert named(objects, "ConfigMap", full("gateway"))["data"] == {"LOG_LEVEL": "info"}
    assert named(objects, "ConfigMap", full("ui"))["data"] == {}
    for config in of_kind(objects, "ConfigMap"):
        assert not any("PASSWORD" in key or "://" in value
                       for key, value in config["data"].items()), config["metadata"]["name"]


def test_database_user_reaches_the_data_clients_config_only_when_set():
    """dataServices.database.user becomes DATABASE_USER in api's and worker's ConfigMaps (and
    the migration's copy), never in gateway's or ui's; empty (the default) leaves it out, so a
    chart that takes the user from a secretEnv entry does not get two sources."""
    values = env_values("prod")
    values["dataServices"]["database"]["user"] = "forge_app"
    for component in ("api", "worker"):  # values-prod.yaml reads the user from the secret
        values[component]["secretEnv"].pop("DATABASE_USER")
    objects = render(values)
    for component in ("api", "worker", "api-migrate"):
        data = named(objects, "ConfigMap", full(component))["data"]
        assert data.get("DATABASE_USER") == "forge_app", (component, data)
    for component in ("gateway", "ui"):
        data = named(objects, "ConfigMap", full(component))["data"]
        assert "DATABASE_USER" not in data, (component, data)
    for component in ("api", "worker"):
        data = named(rendered("values-prod"), "ConfigMap", full(component))["data"]
        assert "DATABASE_USER" not in data, (component, data)


def test_platform_values_hand_the_database_user_to_the_chart():
    """platform_values(database_user=...) is the chart's dataServices.database.user, which the
    api's ConfigMap carries as DATABASE_USER; without it the variable is left out."""
    kwargs = platform_kwargs("prod")
    with_user = resolve(lambda: platform_values(**kwargs, database_user="forge_app"))
    assert with_user["dataServices"]["database"]["user"] == "forge_app"
    data = named(render(with_user), "ConfigMap", full("api"))["data"]
    assert data["DATABASE_USER"] == "forge_app", data
    assert "DATABASE_USER" not in named(rendered("platform-prod"), "ConfigMap",
                                        full("api"))["data"]


@pytest.mark.parametrize(("scenario", "expected"), [
    # The chart's defaults: MSK with SASL/SCRAM over TLS, no user until one is given.
    # KAFKA_SSL_CA_PEM is always set with brokers: "" means the default trust store (MSK).
    ("defaults-with-brokers", {"KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
                               "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512", "KAFKA_SSL_CA_PEM": ""}),
    # values-dev.yaml: an in-cluster Kafka without TLS or SASL (no mechanism, no KAFKA_TLS).
    ("values-dev", {"KAFKA_SECURITY_PROTOCOL": "PLAINTEXT", "KAFKA_SSL_CA_PEM": ""}),
    ("values-staging", {"KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
                        "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512", "KAFKA_USERNAME": "forge",
                        "KAFKA_SSL_CA_PEM": ""}),
])
def test_kafka_config_states_the_security_protocol(scenario, expected):
    """The data clients learn how to reach Kafka from dataServices.kafka (securityProtocol,
    saslMechanism, username), and nothing says TLS where there is none."""
    values = (scenario_values(scenario) if scenario.startswith("values-")
              else {"dataServices": {"kafka": {"brokers": "b-1:9096"}}})
    for component in ("api", "worker"):
        data = named(render(values), "ConfigMap", full(component))["data"]
        kafka = {k: v for k, v in data.items() if k.startswith("KAFKA_") and k != "KAFKA_BROKERS"}
        assert kafka == expected, (scenario, component, data)


CA_PEM = "-----BEGIN CERTIFICATE-----\nTUlJQg==\n-----END CERTIFICATE-----\n"


def test_kafka_config_carries_the_brokers_ca_certificate():
    """A private CA (Redpanda's) reaches the data clients as KAFKA_SSL_CA_PEM, unchanged; the
    schema takes a PEM certificate or nothing."""
    values = {"dataServices": {"kafka": {"brokers": "10.0.1.5:9092", "sslCaPem": CA_PEM}}}
    for component in ("api", "worker"):
        data = named(render(values), "ConfigMap", full(component))["data"]
        assert data["KAFKA_SSL_CA_PEM"] == CA_PEM, (component, data)
    assert "KAFKA_SSL_CA_PEM" not in named(render(values), "ConfigMap", full("gateway"))["data"]
    kwargs = platform_kwargs("prod")
    resolved = resolve(lambda: platform_values(**kwargs, kafka_ssl_ca_pem=CA_PEM))
    assert resolved["dataServices"]["kafka"]["sslCaPem"] == CA_PEM


def test_platform_values_refuse_a_mechanism_that_does_not_fit_the_protocol():
    kwargs = platform_kwargs("prod")
    with pytest.raises(ValueError, match=r"^kafka_sasl_mechanism '' does not fit "
                                         r"kafka_security_protocol 'SASL_SSL': a SASL_\* "
                                         r"protocol needs a mechanism, any other protocol none$"):
        platform_values(**kwargs, kafka_sasl_mechanism="")
    with pytest.raises(ValueError, match=r"^kafka_security_protocol must be one of "
                                         r"\['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'\], "
                                         r"not 'TLS'$"):
        platform_values(**kwargs, kafka_security_protocol="TLS")

@pytest.mark.parametrize("auth", ["iam", "password"])
def test_database_auth_reaches_the_data_clients_config_only_when_set(auth):
    """dataServices.database.auth becomes DATABASE_AUTH in api's and worker's ConfigMaps (and
    the migration's copy), never in gateway's or ui's; empty (the default) leaves it out."""
    kwargs = platform_kwargs("prod")
    values = resolve(lambda: platform_values(**kwargs, database_user="forge_app",
                                             database_auth=auth))
    assert values["dataServices"]["database"]["auth"] == auth
    objects = render(values)
    for component in ("api", "worker", "api-migrate"):
        data = named(objects, "ConfigMap", full(component))["data"]
        assert (data.get("DATABASE_USER"), data.get("DATABASE_AUTH")) == ("forge_app", auth), (
            component, data)
    for component in ("gateway", "ui"):
        data = named(objects, "ConfigMap", full(component))["data"]
        assert "DATABASE_AUTH" not in data, (component, data)
    assert "DATABASE_AUTH" not in named(rendered("platform-prod"), "ConfigMap",
                                        full("api"))["data"]


def test_the_migration_service_account_carries_its_own_workload_identity():
    """platform_values(migration_service_account_annotations=...) annotates the migration
    Job's own ServiceAccount (it signs IAM database tokens), not the api's; unset leaves only
    the hook annotations."""
    arn = "arn:aws:iam::123456789012:role/forge-prod-eks-sa-api-migrate"
    kwargs = platform_kwargs("prod")
    values = resolve(lambda: platform_values(
        **kwargs, migration_service_account_annotations={"eks.amazonaws.com/role-arn": arn}))
    objects = render(values)
    account = named(objects, "ServiceAccount", full("api-migrate"))
    assert account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"] == arn, account
    assert account["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    api = named(objects, "ServiceAccount", full("api"))
    assert (api["metadata"].get("annotations") or {}).get("eks.amazonaws.com/role-arn") != arn
    plain = named(render(resolve(lambda: platform_values(**kwargs))), "ServiceAccount",
                  full("api-migrate"))
    assert "eks.amazonaws.com/role-arn" not in plain["metadata"]["annotations"], plain


def test_config_change_rolls_only_that_service():
    def checksums(values: dict[str, Any] | None) -> dict[str, tuple[str, str]]:
        objects = render(values)
        return {s: (named(objects, "Deployment", full(s))["spec"]["template"]["metadata"][
            "annotations"]["checksum/config"],
            named(objects, "Deployment", full(s))["spec"]["template"]["metadata"][
            "annotations"]["checksum/secrets"]) for s in SERVICES}

    base = env_values("prod")
    before = checksums(base)
    changed = copy.deepcopy(base)
    changed["api"]["env"] = {"LOG_LEVEL": "debug"}
    after = checksums(changed)
    assert after["api"][0] != before["api"][0]
    assert after["api"][1] == before["api"][1]
    assert {s: after[s] for s in ("gateway", "worker", "ui")} == {
        s: before[s] for s in ("gateway", "worker", "ui")}
    # A data endpoint reaches every service that uses it.
    moved = copy.deepcopy(base)
    moved["dataServices"]["database"]["host"] = "db2.forge.internal"
    after = checksums(moved)
    assert [s for s in SERVICES if after[s][0] != before[s][0]] == ["api", "worker"]
    # So does a secret reference.
    rotated = copy.deepcopy(base)
    rotated["worker"]["secretEnv"]["DATABASE_PASSWORD"]["remoteRef"]["key"] = "forge/prod/db2"
    assert checksums(rotated)["worker"][1] != before["worker"][1]


# -- ingress ----------------------------------------------------------------------------------

ALB_ANNOTATIONS = {
    "alb.ingress.kubernetes.io/scheme": "internet-facing",
    "alb.ingress.kubernetes.io/target-type": "ip",
    "alb.ingress.kubernetes.io/listen-ports": '[{"HTTP": 80}, {"HTTPS": 443}]',
    "alb.ingress.kubernetes.io/ssl-redirect": "443",
    "alb.ingress.kubernetes.io/ssl-policy": "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
    "alb.ingress.kubernetes.io/healthcheck-path": "/",
}
"""The AWS Load Balancer Controller's annotations the chart writes for class alb."""
VALUES_PROD_CERTIFICATE = ("arn:aws:acm:us-east-1:123456789012:certificate/"
                           "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b")


@pytest.mark.parametrize("scenario", ["values-prod", "platform-prod"])
def test_ingress_routes_public_services_through_the_alb(scenario):
    objects = rendered(scenario)
    (ingress,) = of_kind(objects, "Ingress")
    arn = CERTIFICATE_ARN if scenario == "platform-prod" else VALUES_PROD_CERTIFICATE
    assert ingress["metadata"]["annotations"] == {
        **ALB_ANNOTATIONS, "alb.ingress.kubernetes.io/certificate-arn": arn}
    spec = ingress["spec"]
    assert spec["ingressClassName"] == "alb"
    # TLS ends at the ALB (ACM): no secret per host.
    assert "tls" not in spec
    hosts = {"api.forge.example.com": "gateway", "forge.example.com": "ui"}
    assert {r["host"]: [p["backend"]["service"] for p in r["http"]["paths"]]
            for r in spec["rules"]} == {
        h: [{"name": full(s), "port": {"name": "http"}}] for h, s in hosts.items()}


def test_the_alb_checks_each_public_service_on_its_probe_path():
    values = env_values("prod")
    values["gateway"].setdefault("probes", {})["path"] = "/gateway/healthz"
    objects = render(values)
    assert named(objects, "Service", full("gateway"))["metadata"]["annotations"] == {
        "alb.ingress.kubernetes.io/healthcheck-path": "/gateway/healthz"}
    assert named(objects, "Service", full("ui"))["metadata"]["annotations"] == {
        "alb.ingress.kubernetes.io/healthcheck-path": "/"}
    # Internal services and other ingress classes carry no ALB annotation.
    assert "annotations" not in named(objects, "Service", full("api"))["metadata"]
    values["ingress"]["className"] = "nginx"
    for service in of_kind(render(values), "Service"):
        assert "annotations" not in service["metadata"], service["metadata"]["name"]


def test_alb_settings_and_explicit_annotations():
    values = env_values("prod")
    values["ingress"]["alb"].update(scheme="internal", certificateArn="")
    values["ingress"]["annotations"] = {"alb.ingress.kubernetes.io/group.name": "forge",
                                        "alb.ingress.kubernetes.io/healthcheck-path": "/ping"}
    (ingress,) = of_kind(render(values), "Ingress")
    # No certificate ARN: the controller discovers ACM certificates by host; an explicit
    # annotation wins over the chart's.
    assert ingress["metadata"]["annotations"] == {
        **ALB_ANNOTATIONS, "alb.ingress.kubernetes.io/scheme": "internal",
        "alb.ingress.kubernetes.io/healthcheck-path": "/ping",
        "alb.ingress.kubernetes.io/group.name": "forge"}


def test_another_ingress_class_gets_tls_per_host_and_no_alb_annotations():
    values = env_values("prod")
    values["ingress"].update(className="nginx", clusterIssuer="letsencrypt-prod")
    (ingress,) = of_kind(render(values), "Ingress")
    assert ingress["metadata"]["annotations"] == {
        "cert-manager.io/cluster-issuer": "letsencrypt-prod"}
    spec = ingress["spec"]
    assert spec["ingressClassName"] == "nginx"
    hosts = ["api.forge.example.com", "forge.example.com"]
    assert spec["tls"] == [{"hosts": [h], "secretName": h.replace(".", "-") + "-tls"}
                           for h in hosts]


def test_alb_values_are_checked_by_the_schema():
    values = env_values("prod")
    values["ingress"]["alb"]["targetType"] = "pod"
    with pytest.raises(helm_python.HelmValuesError, match="targetType"):
        render(values)


def test_another_class_admits_its_controller_namespace_instead_of_the_alb_subnets():
    values = env_values("prod")
    values["ingress"]["className"] = "nginx"
    values["networkPolicy"].update(ingressSourceCidrs=[], ingressControllerNamespace="ingress",
                                   ingressControllerPodLabels={"app": "proxy"})
    gateway = named(render(values), "NetworkPolicy", full("gateway"))
    assert gateway["spec"]["ingress"] == [{
        "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress"}},
                  "podSelector": {"matchLabels": {"app": "proxy"}}}],
        "ports": [{"protocol": "TCP", "port": 8080}]}]
    # Neither a subnet nor a controller named: nothing outside the release is admitted.
    values["networkPolicy"]["ingressControllerNamespace"] = ""
    gateway = named(render(values), "NetworkPolicy", full("gateway"))
    assert gateway["spec"]["ingress"] == []


def test_no_ingress_without_public_services():
    assert not of_kind(rendered("defaults"), "Ingress")
    values = env_values("prod")
    values["ingress"] = {"enabled": False}
    objects = render(values)
    assert not of_kind(objects, "Ingress")
    gateway = named(objects, "NetworkPolicy", full("gateway"))
    assert gateway["spec"]["ingress"] == []


# -- network policies -------------------------------------------------------------------------

def _rule(peers: list[dict[str, Any]], *ports: dict[str, Any]) -> dict[str, Any]:
    return {"peers": peers, "ports": list(ports)}


def _rules(policy: dict[str, Any], direction: str) -> list[dict[str, Any]]:
    key = "from" if direction == "ingress" else "to"
    return [_rule(r[key], *r["ports"]) for r in policy["spec"][direction]]


def _tcp(port: int, end: int | None = None) -> dict[str, Any]:
    return {"protocol": "TCP", "port": port, **({"endPort": end} if end else {})}


@pytest.mark.parametrize("scenario", ["values-prod", "platform-prod"])
def test_network_policies_allow_exactly_the_platform_paths(scenario):
    objects = rendered(scenario)
    policies = {p["metadata"]["name"]: p for p in of_kind(objects, "NetworkPolicy")}
    assert set(policies) == {f"{RELEASE}-forge-platform-default-deny",
                             f"{RELEASE}-forge-platform-allow-dns",
                             *(full(s) for s in (*SERVICES, "api-migrate"))}

    deny = policies[f"{RELEASE}-forge-platform-default-deny"]["spec"]
    # Kubernetes' default-deny policy: every pod of the namespace, not only the release's.
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    dns = policies[f"{RELEASE}-forge-platform-allow-dns"]["spec"]
    assert dns == {"podSelector": {}, "policyTypes": ["Egress"],
                   "egress": [{"to": [{
                       "namespaceSelector": {"matchLabels": {
                           "kubernetes.io/metadata.name": "kube-system"}},
                       "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
                       "ports": [{"protocol": "UDP", "port": 53},
                                 {"protocol": "TCP", "port": 53}]}]}

    # The ALB (target type ip) sends from the public subnets; no in-cluster controller.
    public = PUBLIC_CIDRS if scenario == "platform-prod" else env_values("prod")[
        "networkPolicy"]["ingressSourceCidrs"]
    assert len(public) >= 2
    controller = [{"ipBlock": {"cidr": c}} for c in public]
    cidrs = DATA_CIDRS if scenario == "platform-prod" else env_values("prod")[
        "networkPolicy"]["dataServiceCidrs"]
    aws = CLOUD_API_CIDRS if scenario == "platform-prod" else env_values("prod")[
        "networkPolicy"]["cloudApiCidrs"]
    data = _rule([{"ipBlock": {"cidr": c}} for c in cidrs],
                 _tcp(5432), _tcp(6379), _tcp(9092, 9098))
    aws_apis = _rule([{"ipBlock": {"cidr": c}} for c in aws], _tcp(443))
    expected = {
        "gateway": ([_rule(controller, _tcp(8080))],
                    [_rule([{"podSelector": {"matchLabels": selector("api")}}], _tcp(8000))]),
        "api": ([_rule([{"podSelector": {"matchLabels": selector("gateway")}}], _tcp(8000))],
                [data, aws_apis]),
        "worker": ([], [data, aws_apis]),
        "ui": ([_rule(controller, _tcp(3000))], []),
        "api-migrate": ([], [data, aws_apis]),
    }
    for component, (ingress, egress) in expected.items():
        policy = policies[full(component)]
        assert policy["spec"]["podSelector"] == {"matchLabels": selector(component)}, component
        assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"], component
        assert _rules(policy, "ingress") == ingress, component
        assert _rules(policy, "egress") == egress, component


def test_network_policies_can_be_disabled():
    values = env_values("prod")
    values["networkPolicy"] = {"enabled": False}
    assert not of_kind(render(values), "NetworkPolicy")


# -- the values schema ------------------------------------------------------------------------

@pytest.mark.parametrize(("override", "message"), [
    ({"api": {"replicas": 3}}, "at '/api': additional properties 'replicas' not allowed"),
    ({"api": {"replicaCount": "three"}}, "at '/api/replicaCount': got string, want integer"),
    ({"api": {"image": {"tag": None}}}, "at '/api/image': missing property 'tag'"),
    ({"worker": {"image": {"repository": None}}},
     "at '/worker/image': missing property 'repository'"),
    ({"secrets": {"mode": "vault"}},
     "at '/secrets/mode': value must be one of 'external', 'plain'"),
    ({"kafka": {"brokers": "b-1:9092"}}, "at '': additional properties 'kafka' not allowed"),
    ({"dataServices": {"kafka": {"tls": True}}},
     "at '/dataServices/kafka': additional properties 'tls' not allowed"),
    ({"dataServices": {"kafka": {"securityProtocol": "TLS"}}},
     "at '/dataServices/kafka/securityProtocol': value must be one of"),
    ({"dataServices": {"kafka": {"securityProtocol": "SASL_PLAINTEXT", "saslMechanism": ""}}},
     "at '/dataServices/kafka/saslMechanism': minLength: got 0, want 1"),
    ({"dataServices": {"kafka": {"securityProtocol": "PLAINTEXT"}}},
     "at '/dataServices/kafka/saslMechanism': maxLength: got 13, want 0"),
    ({"ui": {"securityContext": {"allowPrivilegeEscalation": True}}},
     "at '/ui/securityContext/allowPrivilegeEscalation': value must be false"),
    ({"gateway": {"autoscaling": {"targetCPUUtilizationPercentage": 170}}},
     "at '/gateway/autoscaling/targetCPUUtilizationPercentage': maximum: got 170, want 100"),
    ({"networkPolicy": {"dataServiceCidrs": ["10.0.0.0"]}},
     "at '/networkPolicy/dataServiceCidrs/0'"),
    ({"api": {"secretEnv": {"DB_PASSWORD": {"remoteRef": {"key": "x"}, "value": "y"}}}},
     "at '/api/secretEnv/DB_PASSWORD'"),
    ({"dataServices": {"database": {"auth": "trust"}}},
     "at '/dataServices/database/auth': value must be one of '', 'iam', 'password'"),
    ({"dataServices": {"kafka": {"sslCaPem": "/etc/ssl/ca.pem"}}},
     "at '/dataServices/kafka/sslCaPem'"),
])
def test_schema_rejects_bad_values_naming_the_key(override, message):
    with pytest.raises(helm_python.HelmValuesError) as caught:
        render(override)
    assert message in str(caught.value)
    report = helm_python.lint(CHART_DIR, override, strict=True)
    assert any(message in error for error in report["errors"]), report["errors"]


@pytest.mark.parametrize("disabled", SERVICES)
def test_a_disabled_service_leaves_nothing_behind(disabled):
    values = env_values("prod")
    values[disabled] = {"enabled": False}
    objects = render(values)
    validate_all(objects)
    components = {o["metadata"]["labels"]["app.kubernetes.io/component"] for o in objects}
    assert disabled not in components
    if disabled == "api":
        assert "api-migrate" not in components
        # Nobody keeps egress to a service that is gone.
        gateway = named(objects, "NetworkPolicy", full("gateway"))
        assert gateway["spec"]["egress"] == []
    hosts = [r["host"] for i in of_kind(objects, "Ingress") for r in i["spec"]["rules"]]
    assert len(hosts) == {"gateway": 1, "ui": 1}.get(disabled, 2)


def test_a_digest_pins_the_image_with_an_at_sign():
    """image.tag `sha256:...` renders `repository@sha256:...` (as ECS's image_reference does),
    a tag `repository:tag`; `repository:sha256:...` would be an invalid reference."""
    digest = "sha256:" + "ab" * 32
    values = env_values("dev")
    values.setdefault("api", {})["image"] = {"repository": "ghcr.io/forge/api", "tag": digest,
                                             "pullPolicy": "IfNotPresent"}
    images = {name: [c["image"] for c in spec["containers"]]
              for name, spec in pod_specs(render(values))}
    assert images[f"Deployment/{full('api')}"] == [f"ghcr.io/forge/api@{digest}"], images
    assert images[f"Deployment/{full('gateway')}"] == ["forge/gateway:0.1.0"], images
