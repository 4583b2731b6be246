"""Each cloud's component provider, started the way the Pulumi engine starts a plugin, offline.

For each package under `providers/` the test runs the plugin folder's program with the address
of a stand-in engine (tests/providers/engine.py), reads the port it prints, and drives its gRPC
`ResourceProvider` interface like the engine does for `pulumi package add` and `pulumi up`:

* GetSchema: the served schema is the committed one (so `pulumi package add` generates the SDKs
  from exactly the schema reviewed in `forge_components/schemas/`), lists every component of
  the package, marks each required arg as a required input, and types every output;
* Construct: a component constructed through the provider registers the same children (type,
  name, parent, inputs) as the Python class constructed in-process under the same mocks.

What this does not prove: that the Pulumi CLI's codegen compiles an SDK in TypeScript, Go or C#
from the schema, or how the real engine diffs what the provider registers.
"""

import importlib
import inspect
import json
import os
import types
import typing
from collections.abc import Iterator
from typing import Any

import grpc
import pulumi
import pytest
from google.protobuf import struct_pb2
from pulumi.provider.experimental.analyzer import PropertyDefinition, PropertyType
from pulumi.runtime.proto import provider_pb2

import forge_components
from forge_components.provider import _integers, package_components
from forge_infra.plan.mocks import ProviderMocks
from forge_infra.plan.recorder import RecordedResource, run_under_mocks
from tests.conftest import ROOT
from tests.providers.engine import PROJECT, STACK, FakeEngine, Plugin

PROVIDERS = ROOT / "providers"
SCHEMAS = ROOT / "components" / "forge_components" / "schemas"
PACKAGES = sorted(forge_components.PACKAGES)

REGIONS = {"forge-aws": "us-east-1", "forge-gcp": "europe-west1", "forge-azure": "westeurope",
           "forge-kubernetes": "us-east-1"}
"""The region the mocks answer for, per package."""

ARM = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-forge/providers/"
"""The start of an Azure resource id in the samples."""

SAMPLES: dict[str, dict[str, dict[str, Any]]] = {
    "forge-aws": {
        "LogKey": {},
        "Networking": {"cidr_block": "10.42.0.0/16", "az_count": 2,
                       "service_names": ["api", "worker"]},
        "Storage": {"buckets": ["reports", "exports"]},
        "Waf": {"rate_limit_per_5min": 1000},
        "Budget": {"monthly_limit_usd": 250, "alert_emails": ["ops@example.com"]},
        "Cache": {"vpc_id": "vpc-0a1b2c3d4e5f60718",
                  "subnet_ids": ["subnet-0db0000000000001", "subnet-0db0000000000002"],
                  "allowed_security_group_ids": ["sg-0app00000000000001"]},
        "PrivateBucket": {"versioning": True, "expiration_days": 90},
        "Database": {"vpc_id": "vpc-0a1b2c3d4e5f60718",
                     "subnet_ids": ["subnet-0db0000000000001", "subnet-0db0000000000002"],
                     "bootstrap_subnet_ids": ["subnet-0pv0000000000001",
                                              "subnet-0pv0000000000002"],
                     "allowed_security_group_ids": ["sg-0app00000000000001"],
                     "database_name": "shop"},
        "AppSecrets": {"values": {"api-key": "not-a-real-key"}},
        "Streaming": {"vpc_id": "vpc-0a1b2c3d4e5f60718", "subnet_count": 2, "broker_count": 2,
                      "subnet_ids": ["subnet-0pv0000000000001", "subnet-0pv0000000000002"],
                      "allowed_security_group_ids": ["sg-0app00000000000001"]},
        "Cdn": {"domain_name": "app.example.com", "hosted_zone_id": "Z0123456789ABCDEFGHIJ"},
        "EcsCompute": {
            "vpc_id": "vpc-0a1b2c3d4e5f60718",
            "public_subnet_ids": ["subnet-0pb0000000000001", "subnet-0pb0000000000002"],
            "private_subnet_ids": ["subnet-0pv0000000000001", "subnet-0pv0000000000002"],
            "service_security_group_ids": {"api": "sg-0api00000000000001"},
            "domain_name": "app.example.com", "hosted_zone_id": "Z0123456789ABCDEFGHIJ",
            "services": [{
                "name": "api", "image_repository": "registry.example.com/shop/api",
                "image_tag": "1.0.0", "port": 8000, "health_path": "/health",
                "cpu_millicores": 500, "memory_mib": 1024, "replicas": 2, "min_replicas": 2,
                "max_replicas": 4, "target_cpu_percent": 70, "public_host": "app.example.com",
                "environment": {"LOG_LEVEL": "info"},
                "secrets": {"DB_PASSWORD": {"secret_id": (
                    "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"),
                    "key": "password"}}}]},
        "EksCompute": {"vpc_id": "vpc-0a1b2c3d4e5f60718",
                       "private_subnet_ids": ["subnet-0pv0000000000001",
                                              "subnet-0pv0000000000002"],
                       "app_security_group_id": "sg-0app00000000000001"},
        "EksAddons": {"cluster_name": "forge-test", "region": "us-east-1",
                      "vpc_id": "vpc-0a1b2c3d4e5f60718",
                      "oidc_issuer_url": "https://oidc.eks.us-east-1.amazonaws.com/id/ABC123",
                      "oidc_provider_arn": ("arn:aws:iam::123456789012:oidc-provider/"
                                            "oidc.eks.us-east-1.amazonaws.com/id/ABC123")},
        "CrossRegionBackup": {"dr_region": "us-west-2", "schedule": "cron(0 */4 * * ? *)",
                              "resource_arns": [
                                  "arn:aws:rds:us-east-1:123456789012:db:shop",
                                  "arn:aws:s3:::shop-backups"]},
    },
    "forge-gcp": {
        "Networking": {"region": "europe-west1"},
        "AppSecrets": {"region": "europe-west1", "values": {"api_key": "not-a-real-key"}},
        "Storage": {"location": "europe-west1"},
        "CrossRegionBackup": {"dr_region": "europe-west4",
                              "source_buckets": {"reports": "shop-reports"}},
        "Database": {"region": "europe-west1",
                     "network_id": "projects/p/global/networks/forge",
                     "private_service_access_connection_id": "forge-psa"},
        "Cache": {"region": "europe-west1", "network_id": "projects/p/global/networks/forge",
                  "private_service_access_connection_id": "forge-psa"},
        "Budget": {"billing_account": "000000-AAAAAA-BBBBBB", "monthly_limit": 250,
                   "project_number": "123456789012"},
        "Cdn": {"domain_name": "app.example.com", "region": "europe-west1",
                "ui_service_name": "forge-ui"},
        "Streaming": {"region": "europe-west1", "network_id": "projects/p/global/networks/forge",
                      "workloads_subnet_id": "projects/p/regions/europe-west1/subnetworks/w",
                      "workloads_subnet_cidr": "10.10.0.0/20"},
        "Compute": {"region": "europe-west1",
                    "subnetwork_id": "projects/p/regions/europe-west1/subnetworks/w",
                    "services": [{
                        "name": "api", "image_repository": "europe-docker.pkg.dev/p/shop/api",
                        "image_tag": "1.0.0", "port": 8000, "health_path": "/health",
                        "cpu_millicores": 1000, "memory_mib": 1024, "replicas": 1,
                        "min_replicas": 1, "max_replicas": 3, "target_cpu_percent": 70}]},
    },
    "forge-kubernetes": {
        "PlatformRelease": {"values": {}},
    },
    "forge-azure": {
        "Networking": {"location": "westeurope"},
        "Budget": {"amount": 500, "start_date": "2026-12-01",
                   "alert_emails": ["ops@example.com"]},
        "Cdn": {"resource_group_name": "rg-forge",
                "origins": [{"name": "ui", "host_name": "ui.example.azurecontainerapps.io"}]},
        "Streaming": {"resource_group_name": "rg-forge", "location": "westeurope",
                      "private_endpoint_subnet_id": f"{ARM}Microsoft.Network/virtualNetworks/"
                                                    "forge/subnets/pe",
                      "private_dns_zone_id": f"{ARM}Microsoft.Network/privateDnsZones/"
                                             "privatelink.servicebus.windows.net"},
        "Compute": {"resource_group_name": "rg-forge", "location": "westeurope",
                    "apps_subnet_id": f"{ARM}Microsoft.Network/virtualNetworks/forge/subnets/apps",
                    "services": [{
                        "name": "api", "image_repository": "shop.azurecr.io/shop/api",
                        "image_tag": "1.0.0", "port": 8000, "health_path": "/health",
                        "cpu_millicores": 500, "memory_mib": 1024, "replicas": 1,
                        "min_replicas": 1, "max_replicas": 3, "target_cpu_percent": 70}]},
        "Storage": {"location": "westeurope", "resource_group_name": "rg-forge"},
        "Cache": {"location": "westeurope", "resource_group_name": "rg-forge",
                  "private_endpoint_subnet_id": (
                      "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/"
                      "rg-forge/providers/Microsoft.Network/virtualNetworks/forge/subnets/pe"),
                  "private_dns_zone_id": (
                      "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/"
                      "rg-forge/providers/Microsoft.Network/privateDnsZones/"
                      "privatelink.redis.azure.net"),
                  "key_vault_name": "kv-forge-test"},
        "Database": {"location": "westeurope", "resource_group_name": "rg-forge",
                     "delegated_subnet_id": f"{ARM}Microsoft.Network/virtualNetworks/forge/"
                                            "subnets/db",
                     "private_endpoints_subnet_id": f"{ARM}Microsoft.Network/virtualNetworks/"
                                                    "forge/subnets/pe",
                     "private_dns_zone_id": f"{ARM}Microsoft.Network/privateDnsZones/"
                                            "forge.postgres.database.azure.com",
                     "key_vault_private_dns_zone_id": f"{ARM}Microsoft.Network/"
                                                      "privateDnsZones/privatelink.vaultcore."
                                                      "azure.net",
                     "entra_admin_object_id": "11111111-2222-3333-4444-555555555555",
                     "entra_admin_principal_name": "forge-db-admins"},
    },
}
"""Args (Python names) of every served component, constructed both ways (a component added
to a package needs its line here: test_every_served_component_is_constructed_...)."""


def committed_schema(package: str) -> dict[str, Any]:
    """The schema committed for `package`."""
    loaded: dict[str, Any] = json.loads((SCHEMAS / f"{package}.json").read_text("utf-8"))
    return loaded


def camel(name: str) -> str:
    """A Python arg name as the schema spells it (`cidr_block` -> `cidrBlock`)."""
    first, *rest = name.split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


def wire(value: Any, spec: dict[str, Any], schema: dict[str, Any]) -> Any:
    """A Python-named arg value in the schema's names, as another language's SDK sends it."""
    ref = spec.get("$ref", "")
    if ref.startswith("#/types/"):
        declared = schema["types"][ref.removeprefix("#/types/")]
        if "enum" in declared:
            return getattr(value, "value", value)
        return {camel(k): wire(v, declared["properties"][camel(k)], schema)
                for k, v in value.items()}
    if spec.get("type") == "array":
        return [wire(v, spec["items"], schema) for v in value]
    if spec.get("type") == "object" and "additionalProperties" in spec:
        return {k: wire(v, spec["additionalProperties"], schema) for k, v in value.items()}
    return getattr(value, "value", value)


def wire_inputs(package: str, component: str, args: dict[str, Any]) -> dict[str, Any]:
    """The args of a component in the schema's names; an arg the schema lacks fails."""
    schema = committed_schema(package)
    properties = schema["resources"][f"{package}:index:{component}"]["inputProperties"]
    missing = sorted(k for k in args if camel(k) not in properties)
    assert missing == [], f"{component}: the schema has no input for {missing}"
    return {camel(k): wire(v, properties[camel(k)], schema) for k, v in args.items()}


def args_type(component: type[pulumi.ComponentResource]) -> Any:
    """The TypedDict a component's `args` parameter is annotated with."""
    return inspect.signature(component.__init__).parameters["args"].annotation


def declared_outputs(component: type[pulumi.ComponentResource]) -> set[str]:
    """The outputs a component declares at class level (`pulumi.Output[...]`)."""
    def is_output(hint: Any) -> bool:
        origin = typing.get_origin(hint)
        if origin in (typing.Union, types.UnionType):
            return any(is_output(arg) for arg in typing.get_args(hint))
        return origin is pulumi.Output

    own = vars(component).get("__annotations__", {})
    return {name for name, hint in own.items() if is_output(hint)}


@pytest.fixture(scope="module")
def engine() -> Iterator[FakeEngine]:
    """The stand-in engine and resource monitor, for every plugin of the module."""
    fake = FakeEngine()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def plugins(engine: FakeEngine) -> Iterator[dict[str, Plugin]]:
    """Every package's plugin, started once; stopped (its stderr kept) after the module."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(ROOT / "components")
    started = {package: Plugin(PROVIDERS / package, engine.address, env)
               for package in PACKAGES}
    yield started
    for plugin in started.values():
        plugin.stop()


def test_every_package_has_a_plugin_folder():
    assert sorted(p.name for p in PROVIDERS.iterdir() if p.is_dir()) == PACKAGES
    for package in PACKAGES:
        folder = PROVIDERS / package
        assert (folder / "PulumiPlugin.yaml").read_text("utf-8") == "runtime: python\n"
        extra = package.removeprefix("forge-")
        requirements = [line for line in (folder / "requirements.txt").read_text(
            "utf-8").splitlines() if line and not line.startswith("#")]
        assert requirements == ["-c ../../constraints.txt", f"../..[{extra}]"]
        assert f'serve("{package}")' in (folder / "__main__.py").read_text("utf-8")


@pytest.mark.parametrize("package", PACKAGES)
def test_get_schema_serves_the_committed_schema(plugins, package):
    response = plugins[package].stub.GetSchema(provider_pb2.GetSchemaRequest(version=0))
    served = json.loads(response.schema)
    assert served == committed_schema(package), (
        f"{package}: the provider serves another schema than the committed one")


@pytest.mark.parametrize("package", PACKAGES)
def test_the_schema_lists_every_component_with_required_inputs_and_typed_outputs(package):
    schema = committed_schema(package)
    components = package_components(package)
    assert sorted(schema["resources"]) == sorted(
        f"{package}:index:{c.__name__}" for c in components)
    for component in components:
        resource = schema["resources"][f"{package}:index:{component.__name__}"]
        required = sorted(camel(k) for k in args_type(component).__required_keys__)
        assert sorted(resource.get("requiredInputs", [])) == required, component.__name__
        outputs = resource.get("properties", {})
        assert set(outputs) == {camel(name) for name in declared_outputs(component)}, (
            component.__name__)
        untyped = [name for name, prop in outputs.items()
                   if "type" not in prop and "$ref" not in prop]
        assert untyped == [], f"{component.__name__}: untyped outputs {untyped}"


def descendants(resources: list[RecordedResource], root_type: str) -> list[tuple[Any, ...]]:
    """The children of the (one) component of `root_type`, each as (type, name, parent's
    name, inputs), in a stable order."""
    by_urn = {r.urn: r for r in resources}
    (root,) = [r for r in resources if r.type == root_type]

    def under(resource: RecordedResource) -> bool:
        parent = by_urn.get(resource.parent or "")
        while parent is not None:
            if parent.urn == root.urn:
                return True
            parent = by_urn.get(parent.parent or "")
        return False

    return sorted(
        (r.type, r.name, by_urn[r.parent].name if r.parent else None,
         json.dumps(r.inputs, sort_keys=True, default=str))
        for r in resources if under(r))


CONSTRUCTED = [(package, name) for package, samples in sorted(SAMPLES.items())
               for name in sorted(samples)]


@pytest.mark.parametrize(("package", "component"), CONSTRUCTED)
def test_construct_registers_the_same_children_as_the_python_class(
        engine, plugins, package, component):
    args = SAMPLES[package][component]
    token = f"{package}:index:{component}"
    cls = next(c for c in package_components(package) if c.__name__ == component)

    local = run_under_mocks(lambda: cls("sample", dict(args)), project=PROJECT, stack=STACK,
                            mocks=ProviderMocks(region=REGIONS[package]))
    expected = descendants(local.resources, token)
    assert expected, f"{component} registers no child in-process"

    monitor = engine.monitor.reset(REGIONS[package])
    inputs = struct_pb2.Struct()
    inputs.update(wire_inputs(package, component, args))
    response = plugins[package].stub.Construct(provider_pb2.ConstructRequest(
        project=PROJECT, stack=STACK, organization="organization", dryRun=False,
        monitorEndpoint=engine.address, type=token, name="sample", inputs=inputs,
        config={"aws:region": REGIONS["forge-aws"]}))
    assert engine.monitor.errors == []
    assert response.urn.endswith(f"::{token}::sample"), response.urn
    assert descendants(monitor.recorded, token) == expected
    assert engine.engine.warnings() == []


def test_every_served_component_is_constructed_through_its_provider():
    """Each component of each package has sample args here, so Construct covers them all."""
    missing = sorted(f"{package}:index:{c.__name__}" for package in PACKAGES
                     for c in package_components(package)
                     if c.__name__ not in SAMPLES.get(package, {}))
    assert missing == [], (
        f"add sample args to SAMPLES for {missing}: every served component is constructed "
        "through its provider and compared with the Python class")
    unknown = sorted(f"{package}:{name}" for package, samples in SAMPLES.items()
                     for name in samples
                     if name not in {c.__name__ for c in package_components(package)})
    assert unknown == []


def test_a_schema_name_the_component_lacks_is_refused():
    with pytest.raises(AssertionError, match=r"no input for \['cidr_blocks'\]"):
        wire_inputs("forge-aws", "Networking", {"cidr_blocks": "10.0.0.0/16"})


def test_the_args_of_the_samples_are_the_components_own_args():
    for package, samples in SAMPLES.items():
        module = importlib.import_module(forge_components.PACKAGES[package])
        assert package == module.PACKAGE
        for component, args in samples.items():
            cls = next(c for c in package_components(package) if c.__name__ == component)
            assert set(args) <= set(args_type(cls).__annotations__), component


def test_integers_sent_as_floats_reach_the_components_as_ints():
    """The host's own mapping hands the float through (see forge_components.provider)."""
    integer = PropertyDefinition(type=PropertyType.INTEGER)
    assert type(_integers(2.0, integer)) is int
    assert _integers(2.5, integer) == 2.5  # not an integer: the component's check refuses it
    listed = _integers([1.0, 3.0], PropertyDefinition(type=PropertyType.ARRAY, items=integer))
    assert [type(v) for v in listed] == [int, int]
    mapped = _integers({"public": 24.0}, PropertyDefinition(
        type=PropertyType.OBJECT, additional_properties=integer))
    assert mapped == {"public": 24} and type(mapped["public"]) is int
    assert _integers(2.0, PropertyDefinition(type=PropertyType.NUMBER)) == 2.0


def test_a_wrong_type_through_the_provider_fails_with_the_components_message(engine, plugins):
    """Another language's program sending a number for a string gets the same message as a
    Python program (forge_components.validation), as the Construct call's error."""
    engine.monitor.reset(REGIONS["forge-aws"])
    inputs = struct_pb2.Struct()
    inputs.update({"cidrBlock": 42, "azCount": 2})
    with pytest.raises(grpc.RpcError) as raised:
        plugins["forge-aws"].stub.Construct(provider_pb2.ConstructRequest(
            project=PROJECT, stack=STACK, organization="organization",
            monitorEndpoint=engine.address, type="forge-aws:index:Networking", name="bad",
            inputs=inputs, config={"aws:region": REGIONS["forge-aws"]}))
    assert "Networking: field 'cidr_block' must be str, got float 42.0" in (
        raised.value.details() or "")
    assert engine.monitor.monitor.recorded == []
