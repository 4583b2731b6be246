"""`run_plan(stack)`: the whole program, offline, as the CLI and the tests run it.

It loads `Pulumi.yaml` and `Pulumi.<stack>.yaml`, validates the config with the same model as a
real run, and runs the real `program.build(config)` in-process under `ProviderMocks`, recording
every registration. Nothing here describes infrastructure: the plan is what `pulumi up` would
be asked to create.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from forge_infra.config import ConfigError, StackConfig, load_stack_file
from forge_infra.plan.mocks import ProviderMocks
from forge_infra.plan.model import Plan, PlanResource
from forge_infra.plan.recorder import Recording, run_under_mocks


class ProgramError(Exception):
    """The program itself failed while being planned (not a config problem)."""


def project_name(project_dir: Path | str = ".") -> str:
    """The `name:` of the project's Pulumi.yaml."""
    path = Path(project_dir) / "Pulumi.yaml"
    if not path.is_file():
        raise ConfigError("Pulumi.yaml", [f"no Pulumi.yaml in {Path(project_dir).resolve()}"])
    document = yaml.safe_load(path.read_text()) or {}
    name = document.get("name") if isinstance(document, dict) else None
    if not isinstance(name, str) or not name:
        raise ConfigError("Pulumi.yaml", ["name: required, but not set"])
    return name


def list_stacks(project_dir: Path | str = ".") -> list[str]:
    """The stacks that have a `Pulumi.<stack>.yaml` in the project directory, sorted."""
    order = {"dev": 0, "staging": 1, "prod": 2}
    names = [p.name[len("Pulumi."):-len(".yaml")] for p in Path(project_dir).glob("Pulumi.*.yaml")]
    return sorted(names, key=lambda n: (order.get(n, 99), n))


def plan_from_recording(recording: Recording, config: StackConfig) -> Plan:
    """Turn the monitor's recording into a plan: nearest components, sorted by URN."""
    by_urn = recording.by_urn()

    def enclosing_component(parent: str | None) -> str | None:
        while parent and parent in by_urn:
            if not by_urn[parent].custom:
                return by_urn[parent].type
            parent = by_urn[parent].parent
        return None

    def own_parent(parent: str | None) -> str | None:
        return None if parent in (None, recording.stack_urn) else parent

    resources = [
        PlanResource(
            urn=r.urn, type=r.type, name=r.name, custom=r.custom,
            component=enclosing_component(r.parent), parent=own_parent(r.parent),
            dependencies=[d for d in r.dependencies if d != recording.stack_urn],
            protect=r.protect, inputs=r.inputs, outputs=r.outputs, provider=r.provider,
            id=r.resource_id)
        for r in recording.resources
    ]
    resources.sort(key=lambda r: r.urn)
    return Plan(project=recording.project, stack=recording.stack, cloud=config.cloud.value,
                platform=config.platform.value if config.cloud.value == "aws" else None,
                resources=resources, outputs=dict(sorted(recording.exports.items())),
                warnings=list(recording.warnings))


def record_program(config: StackConfig, *, project: str = "forge-infra",
                   record: bool = True) -> Recording:
    """Run `program.build(config)` under the offline mocks and return the raw recording."""
    from forge_infra.program import build

    mocks = ProviderMocks(region=config.region)
    return run_under_mocks(lambda: build(config), project=project, stack=config.stack,
                           mocks=mocks, record=record)


def run_plan(stack: str, project_dir: Path | str = ".", *,
             config: StackConfig | None = None) -> Plan:
    """Plan one stack offline: validate its config, run the program under mocks, record it.

    Raises `ConfigError` for bad config (before any resource is declared) and `ProgramError`
    when the program fails while running.
    """
    project = project_name(project_dir)
    config = config if config is not None else load_stack_file(stack, project_dir)
    try:
        recording = record_program(config, project=project)
    except ConfigError:
        raise
    except Exception as exc:  # the program's own failure, reported as such
        raise ProgramError(f"the program failed while planning stack {stack!r}: "
                           f"{type(exc).__name__}: {exc}") from exc
    return plan_from_recording(recording, config)


def plan_summary(plan: Plan) -> dict[str, Any]:
    """Counts for a one-line summary: resources, components, types, protected, exports."""
    custom = plan.custom_resources()
    return {
        "resources": len(custom),
        "components": sum(1 for r in plan.resources if not r.custom),
        "types": len(plan.type_counts()),
        "protected": sum(1 for r in custom if r.protect),
        "outputs": len(plan.outputs),
    }
