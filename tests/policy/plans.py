"""Plans of the real stacks on both AWS platforms, built once per test session."""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml

from forge_infra.config import config_from_mapping
from forge_infra.plan.engine import run_plan
from forge_infra.plan.model import Plan
from tests.conftest import ROOT

STACKS = ("dev", "staging", "prod")
PLATFORMS = ("ecs", "eks")


def stack_values(stack: str) -> dict[str, Any]:
    """The `config:` mapping of a real stack file."""
    values: dict[str, Any] = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    return values


@cache
def _plan(stack: str, platform: str, overrides: tuple[tuple[str, str], ...]) -> Plan:
    values = stack_values(stack)
    values["forge-infra:platform"] = platform
    if platform == "eks" and "forge-infra:eks" not in values:
        # A stack without an eks section (dev runs ECS) gets the deployer's path the
        # platform requires (docs/DEPLOYMENT.md), as a user switching it to EKS would add.
        values["forge-infra:eks"] = {"endpoint_public_access": True,
                                     "public_access_cidrs": ["198.51.100.10/32"]}
    for key, text in overrides:
        values[key] = yaml.safe_load(text)
    config = config_from_mapping(values, stack=stack, source=f"Pulumi.{stack}.yaml")
    return run_plan(stack, ROOT, config=config)


def stack_plan(stack: str, platform: str, **overrides: Any) -> Plan:
    """The plan of a real stack on `platform`, with `forge-infra:` keys replaced (cached:
    treat the result as read-only)."""
    frozen = tuple(sorted((f"forge-infra:{k}", yaml.safe_dump(v)) for k, v in overrides.items()))
    return _plan(stack, platform, frozen)
