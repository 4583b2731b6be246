"""Shared fixtures: the project root and the real stack configs."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from forge_infra.config import StackConfig, config_from_mapping, load_stack_file

ROOT = Path(__file__).resolve().parents[1]
STACKS = ("dev", "staging", "prod")


def stack_config(stack: str, **overrides: object) -> StackConfig:
    """A real stack's config, with top-level `forge-infra:` keys replaced by `overrides` (an
    EKS stack moved to `platform="ecs"` drops its Argo canary: see below)."""
    if not overrides:
        return load_stack_file(stack, ROOT)
    values = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    moved_off_eks = (overrides.get("platform") == "ecs"
                     and values.get("forge-infra:platform") == "eks")
    values.update({f"forge-infra:{k}": v for k, v in overrides.items()})
    if moved_off_eks and "rollout" not in overrides:
        # prod's and small-eks's Argo Rollouts canary [5, 50, 100] is no ECS shape (ECS runs
        # [p, 100] or equal steps): the stack moved to ECS releases rolling, as before, unless
        # the test sets its own rollout.
        values.pop("forge-infra:rollout", None)
    return config_from_mapping(values, stack=stack, source=f"Pulumi.{stack}.yaml")


@pytest.fixture(scope="session")
def project_root() -> Path:
    """The repository root (where Pulumi.yaml lives)."""
    return ROOT
