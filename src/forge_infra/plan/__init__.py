"""The offline plan: run the real program under provider-like mocks and record what it declares.

`run_plan(stack)` is the library call the CLI (`forge-infra plan`) and the tests share.
"""

from forge_infra.plan.engine import ProgramError, list_stacks, run_plan
from forge_infra.plan.model import (
    SCHEMA_ID,
    CostCoverage,
    CostEstimate,
    CostLine,
    Finding,
    HelmRender,
    Plan,
    PlanResource,
    RenderedObject,
    ResourceOptions,
)

__all__ = ["SCHEMA_ID", "CostCoverage", "CostEstimate", "CostLine", "Finding", "HelmRender",
           "Plan", "PlanResource", "ProgramError", "RenderedObject", "ResourceOptions",
           "list_stacks", "run_plan"]
