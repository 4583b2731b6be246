"""Test helpers: run code under the offline mocks and assert over what was registered.

`run_mocked(fn)` runs `fn` (which declares resources) in-process under the same
`ProviderMocks` the offline plan uses, waits for every registration to finish, and returns the
`Recording`. Exceptions from the program, its apply callbacks or the mocks propagate, and any
warning the program logs through the engine (a deprecated resource type, for instance) fails
the test, so assertions here can never pass by not running.

What these tests do not prove: that AWS accepts the layout (quotas, regional availability,
API-side validation); only that the program asks for what it should.
"""

from __future__ import annotations

import importlib
import inspect
import keyword
from collections.abc import Callable
from functools import cache
from typing import Any

from forge_infra.plan.mocks import ProviderMocks
from forge_infra.plan.recorder import RecordedResource, Recording, run_under_mocks


def run_mocked(fn: Callable[[], Any], *, stack: str = "test", project: str = "forge-infra",
               region: str = "us-east-1", allow_warnings: bool = False) -> Recording:
    """Run `fn` under the offline mocks and return what it registered."""
    recording = run_under_mocks(fn, project=project, stack=stack,
                                mocks=ProviderMocks(region=region))
    if not allow_warnings:
        assert not recording.warnings, f"the program logged engine warnings: {recording.warnings}"
    return recording


@cache
def _resource_class(type_token: str) -> type | None:
    """The SDK class of a pulumi-aws type token, e.g. aws:ec2/vpc:Vpc -> pulumi_aws.ec2.Vpc."""
    package, module_path, class_name = type_token.split(":")
    if package != "aws":
        return None
    module_name = module_path.split("/")[0]
    # A module named after a Python keyword gets a trailing underscore (aws:lambda -> lambda_).
    if keyword.iskeyword(module_name):
        module_name += "_"
    module = importlib.import_module(
        "pulumi_aws" if module_name == "index" else f"pulumi_aws.{module_name}")
    return getattr(module, class_name, None)


def is_taggable(type_token: str) -> bool:
    """Whether the provider's resource of this type accepts `tags`."""
    cls = _resource_class(type_token)
    if cls is None:
        return False
    return "tags" in inspect.signature(cls._internal_init).parameters


def assert_all_tagged(recording: Recording, component: str,
                      required: tuple[str, ...] = ("Name", "component")) -> list[RecordedResource]:
    """Every taggable AWS resource carries the required tags and the component's name."""
    checked = []
    for resource in recording.resources:
        if not resource.custom or not is_taggable(resource.type):
            continue
        tags = resource.inputs.get("tags") or {}
        missing = [key for key in required if key not in tags]
        assert not missing, f"{resource.urn} lacks tags {missing}: {tags}"
        assert tags["component"] == component, f"{resource.urn} component tag {tags}"
        checked.append(resource)
    assert checked, "no taggable resource was checked"
    return checked
