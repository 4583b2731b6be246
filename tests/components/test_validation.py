"""Constructing a component with a wrong field or a wrong type fails at once, with one message
naming the component, the field and what is allowed (forge_components.validation), before any
resource is declared.

The check is installed by each package's `__init__` on every class of its `COMPONENTS`, so
these tests construct real components through their ordinary import paths.
"""

import re
import subprocess
import sys
from typing import Any, NotRequired, TypedDict

import pulumi
import pytest

import forge_components
from forge_components.provider import package_components
from forge_components.validation import OWN_UNKNOWN_FIELD_CHECKS, check_args, describe
from forge_infra.components_doc import example_value, package_schemas, snake
from tests.helpers import run_mocked


def construct(component: type, args: Any) -> None:
    """Construct under the offline mocks (nothing must be registered when the args are bad)."""
    recording = run_mocked(lambda: component("bad", args))
    raise AssertionError(f"{component.__name__} accepted {args!r}: "
                         f"{[r.type for r in recording.resources]}")


def networking() -> type:
    from forge_components.aws.networking import Networking
    return Networking


def test_an_unknown_field_names_the_component_the_field_and_the_allowed_ones():
    with pytest.raises(ValueError) as raised:
        construct(networking(), {"cidr_block": "10.0.0.0/16", "cidr_blcok": "x"})
    assert str(raised.value) == (
        "Networking: field 'cidr_blcok' is not a field of NetworkingArgs (did you mean "
        "'cidr_block'?); allowed fields: app_security_group, availability_zones, az_count, "
        "cidr_block, eks_cluster_name, flow_logs_retention_days, log_kms_key_arn, "
        "nat_gateway_strategy, service_names, subnet_prefixes, tags")


def test_a_wrong_type_names_the_field_the_type_and_the_value():
    with pytest.raises(ValueError, match=re.escape(
            "Networking: field 'az_count' must be int, got str '2'")):
        construct(networking(), {"cidr_block": "10.0.0.0/16", "az_count": "2"})


def test_every_wrong_field_is_reported_at_once_including_nested_ones():
    from forge_components.aws.compute_ecs import EcsCompute
    service = {"name": "api", "image_repository": "r", "image_tag": 7, "cpu_millicores": 500,
               "memory_mib": 1024, "replicas": 1, "min_replicas": 1, "max_replicas": 2,
               "target_cpu_percent": 70, "port": "8000"}
    args = {"vpc_id": "vpc-1", "public_subnet_ids": ["a"], "private_subnet_ids": ["b"],
            "service_security_group_ids": {"api": "sg-1"}, "services": [service],
            "domain_name": "app.example.com"}
    with pytest.raises(ValueError) as raised:
        construct(EcsCompute, args)
    assert str(raised.value) == (
        "EcsCompute: 2 wrong args:\n"
        "  field 'services[0].image_tag' must be str, got int 7\n"
        "  field 'services[0].port' must be int, got str '8000'")


def test_a_missing_required_field_and_a_value_that_must_be_plain():
    with pytest.raises(ValueError, match=re.escape(
            "Networking: field 'cidr_block' is required (str)")):
        construct(networking(), {"az_count": 2})

    def program() -> None:
        networking()("bad", {"cidr_block": pulumi.Output.from_input("10.0.0.0/16")})

    with pytest.raises(ValueError, match=re.escape(
            "Networking: field 'cidr_block' must be a plain str, not an Output (it cannot come "
            "from another resource)")):
        run_mocked(program)


def test_args_that_are_not_a_dict():
    with pytest.raises(TypeError, match=re.escape(
            "Networking: args must be a NetworkingArgs (a dict), got list ['10.0.0.0/16']")):
        construct(networking(), ["10.0.0.0/16"])


def test_outputs_are_accepted_where_the_field_is_an_input():
    from forge_components.gcp.cache import Cache
    from forge_components.gcp.networking import Networking as GcpNetworking

    def program() -> None:
        net = GcpNetworking("net", {"region": "europe-west1"})
        Cache("cache", {"region": "europe-west1", "network_id": net.network_id,
                        "private_service_access_connection_id":
                            net.private_service_access_connection_id})

    recording = run_mocked(program, region="europe-west1")
    assert len(recording.of_type("gcp:redis/instance:Instance")) == 1


def test_enum_fields_take_their_values_and_leave_the_allowed_ones_to_the_component():
    with pytest.raises(ValueError, match=r"nat_gateway_strategy='bogus' is not one of"):
        construct(networking(), {"cidr_block": "10.0.0.0/16", "nat_gateway_strategy": "bogus"})
    with pytest.raises(ValueError, match=r"^Networking: field 'nat_gateway_strategy' must be "
                       r"NatGatewayStrategy \(one of \['none', 'single', .*\]\), got int 2$"):
        construct(networking(), {"cidr_block": "10.0.0.0/16", "nat_gateway_strategy": 2})


PACKAGES = sorted(forge_components.PACKAGES)


def test_every_served_component_is_checked_in_a_fresh_interpreter():
    """Imported the ordinary way (the class's own module first), each component checks."""
    code = ("import importlib, forge_components\n"
            "for package, module in sorted(forge_components.PACKAGES.items()):\n"
            "    for path in importlib.import_module(module).COMPONENTS:\n"
            "        name, _, cls = path.partition(':')\n"
            "        klass = getattr(importlib.import_module(name), cls)\n"
            "        print(path, bool(klass.__dict__.get('_forge_checked')))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    lines = result.stdout.split("\n")
    assert [line for line in lines if line.endswith(" False")] == []
    assert len([line for line in lines if line.endswith(" True")]) == sum(
        len(package_components(p)) for p in PACKAGES)


def pythonic(value: Any) -> Any:
    """An example value of the schema with its object keys in Python names (the examples'
    maps are empty, so only object fields are renamed)."""
    if isinstance(value, dict):
        return {snake(key): pythonic(item) for key, item in value.items()}
    if isinstance(value, list):
        return [pythonic(item) for item in value]
    return value


@pytest.mark.parametrize("path", sorted(OWN_UNKNOWN_FIELD_CHECKS))
def test_the_components_with_their_own_unknown_field_check_still_refuse_one(path):
    """The exemption hides nothing: each of them refuses an unknown field itself, naming it."""
    module, _, name = path.partition(":")
    component = next(c for p in PACKAGES for c in package_components(p)
                     if c.__module__ == module and c.__name__ == name)
    package = next(p for p in PACKAGES if component in package_components(p))
    schema = package_schemas()[package]
    resource = schema["resources"][f"{package}:index:{name}"]
    args = pythonic({key: example_value(key, resource["inputProperties"][key], schema)
                     for key in resource.get("requiredInputs", [])})
    check_args(component, args)  # the required fields, of the right types
    with pytest.raises(ValueError, match=r"unknown (fields|args) \['zzz_not_a_field'\]") as raised:
        construct(component, {**args, "zzz_not_a_field": 1})
    assert name in str(raised.value)


class _Shape(TypedDict):
    """A shape for the messages' type descriptions."""

    plain: str
    many: NotRequired[list[pulumi.Input[str]]]
    either: NotRequired[int | None]


def test_type_descriptions():
    hints = _Shape.__annotations__
    assert describe(hints["plain"]) == "str"
    assert describe(hints["many"]) == "list[str (or an Output of it)]"
    assert describe(hints["either"]) == "int or None"
