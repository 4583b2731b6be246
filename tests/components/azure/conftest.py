"""Helpers for the Azure component tests: a region, the run helper and the schema check."""

from collections.abc import Callable
from typing import Any

import pulumi

from forge_infra.plan.recorder import Recording
from tests.components.schema_check import assert_component_schema
from tests.helpers import run_mocked

REGION = "westeurope"
SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
"""The subscription the offline mocks deploy to
(forge_infra.plan.mocks.azure_native.DEFAULT_SUBSCRIPTION_ID)."""


def run_azure(program: Callable[[], Any]) -> Recording:
    """`program` under the offline mocks in `REGION`; engine warnings (a deprecated resource or
    field) fail the test."""
    return run_mocked(program, region=REGION)


def assert_azure_component_schema(component: type[pulumi.ComponentResource], contract: type | None,
                                  outputs: set[str]) -> Any:
    """The shared schema check (tests/components/schema_check.py) for `forge-azure`."""
    return assert_component_schema("forge-azure", component, contract, outputs)
