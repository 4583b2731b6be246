"""Helpers for the GCP component tests: a region, the run helper and the schema check."""

from collections.abc import Callable
from typing import Any

import pulumi

from forge_infra.plan.recorder import Recording
from tests.components.schema_check import assert_component_schema
from tests.helpers import run_mocked

REGION = "europe-west1"
PROJECT = "forge-offline-plan"
"""The project the offline mocks deploy to (forge_infra.plan.mocks.gcp.DEFAULT_PROJECT)."""


def run_gcp(program: Callable[[], Any]) -> Recording:
    """`program` under the offline mocks in `REGION`; engine warnings (a deprecated resource or
    field) fail the test."""
    return run_mocked(program, region=REGION)


def assert_gcp_component_schema(component: type[pulumi.ComponentResource], contract: type | None,
                                outputs: set[str]) -> Any:
    """The shared schema check (tests/components/schema_check.py) for `forge-gcp`."""
    return assert_component_schema("forge-gcp", component, contract, outputs)
