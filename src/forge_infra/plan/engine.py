"""`run_plan(stack)`: the whole program, offline, as the CLI and the tests run it.

It loads `Pulumi.yaml` and `Pulumi.<stack>.yaml`, validates the config with the same model as a
real run, and runs the real `program.build(config)` in-process under `ProviderMocks`, recording
every registration. Nothing here describes infrastructure: the plan is what `pulumi up` would
be asked to create.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from forge_infra.config import ConfigError, StackConfig, load_stack_file
from forge_infra.model.stack_yaml import YamlError, load_yaml
from forge_infra.plan.helm import HELM_RELEASE, portable_chart_path, render_releases
from forge_infra.plan.mocks import ProviderMocks
from forge_infra.plan.model import CustomTimeouts, Plan, PlanResource, ResourceOptions
from forge_infra.plan.recorder import (
    ProgramStalled,
    RecordedResource,
    Recording,
    run_under_mocks,
)


class ProgramError(Exception):
    """The program itself failed while being planned (not a config problem)."""


def project_name(project_dir: Path | str = ".") -> str:
    """The `name:` of the project's Pulumi.yaml."""
    path = Path(project_dir) / "Pulumi.yaml"
    if not path.is_file():
        raise ConfigError("Pulumi.yaml", [f"no Pulumi.yaml in {Path(project_dir).resolve()}"])
    try:
        document = load_yaml(path.read_bytes()) or {}
    except OSError as exc:
        raise ConfigError("Pulumi.yaml", [f"cannot read {path}: {exc.strerror or exc}"]) from None
    except YamlError as exc:
        raise ConfigError("Pulumi.yaml", exc.problems) from None
    name = document.get("name") if isinstance(document, dict) else None
    if not isinstance(name, str) or not name:
        raise ConfigError("Pulumi.yaml", ["name: required, but not set"])
    return name


def list_stacks(project_dir: Path | str = ".") -> list[str]:
    """The stacks that have a `Pulumi.<stack>.yaml` in the project directory, sorted."""
    order = {"dev": 0, "staging": 1, "prod": 2}
    names = [p.name[len("Pulumi."):-len(".yaml")] for p in Path(project_dir).glob("Pulumi.*.yaml")]
    return sorted(names, key=lambda n: (order.get(n, 99), n))


_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0,
                   "h": 3600.0}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")


def duration_seconds(text: str) -> float:
    """A Go duration as Pulumi's custom timeouts take it (`"1h30m"`, `"45s"`) in seconds."""
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"not a duration: {text!r} (expected e.g. '30m', '1h30m', '45s')")
    return sum(float(number) * _DURATION_UNITS[unit] for number, unit in parts)


def _options(r: RecordedResource, parent: str | None) -> ResourceOptions:
    timeouts = {f"{op}_seconds": duration_seconds(value)
                for op, value in r.custom_timeouts.items()}
    return ResourceOptions(
        protect=r.protect, retain_on_delete=r.retain_on_delete,
        ignore_changes=list(r.ignore_changes), delete_before_replace=r.delete_before_replace,
        replace_on_changes=list(r.replace_on_changes), aliases=list(r.aliases),
        additional_secret_outputs=list(r.additional_secret_outputs),
        custom_timeouts=CustomTimeouts(**timeouts), deleted_with=r.deleted_with, parent=parent)


def _replace_string(value: Any, old: str, new: str) -> Any:
    """`value` with every string equal to `old` replaced by `new`, at any depth."""
    if isinstance(value, dict):
        return {k: _replace_string(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_string(v, old, new) for v in value]
    return new if value == old else value


def _config_value(config: StackConfig, name: str) -> str | None:
    """`config.cloud` / `config.platform` as plain strings, whether enums or strings."""
    value = getattr(config, name, None)
    if value is None:
        return None
    return str(getattr(value, "value", value))


def plan_from_recording(recording: Recording, config: StackConfig, *,
                        project_dir: Path | str = ".") -> Plan:
    """Turn the monitor's recording into a plan: options, nearest components, rendered Helm
    releases, sorted by URN, with no path of this machine in it."""
    by_urn = recording.by_urn()
    root = Path(project_dir)

    def enclosing_component(parent: str | None) -> str | None:
        while parent and parent in by_urn:
            if not by_urn[parent].custom:
                return by_urn[parent].type
            parent = by_urn[parent].parent
        return None

    def own_parent(parent: str | None) -> str | None:
        return None if parent in (None, recording.stack_urn) else parent

    chart_paths: dict[str, str] = {}
    resources = []
    for r in recording.resources:
        props, outputs = r.inputs, r.outputs
        if r.type == HELM_RELEASE and isinstance(props.get("chart"), str):
            chart_paths[r.urn] = props["chart"]
            portable = portable_chart_path(props["chart"], root)
            props = _replace_string(props, props["chart"], portable)
            outputs = _replace_string(outputs, chart_paths[r.urn], portable)
        parent = own_parent(r.parent)
        resources.append(PlanResource(
            urn=r.urn, type=r.type, name=r.name, custom=r.custom,
            component=enclosing_component(r.parent), parent=parent,
            dependencies=[d for d in r.dependencies if d != recording.stack_urn],
            property_dependencies={
                key: [d for d in urns if d != recording.stack_urn]
                for key, urns in r.property_dependencies.items()},
            props=props, opts=_options(r, parent), outputs=outputs, provider=r.provider,
            id=r.resource_id))
    resources.sort(key=lambda r: r.urn)
    render_releases(resources, chart_paths, root)
    return Plan(project=recording.project, stack=recording.stack,
                cloud=_config_value(config, "cloud") or "aws",
                platform=_config_value(config, "platform"),
                resources=resources, outputs=dict(sorted(recording.exports.items())),
                warnings=list(recording.warnings))


def record_program(config: StackConfig, *, project: str = "forge-infra",
                   record: bool = True) -> Recording:
    """Run `program.build(config)` under the offline mocks and return the raw recording."""
    from forge_infra.program import build

    mocks = ProviderMocks(region=str(getattr(config, "region", None) or "us-east-1"))
    return run_under_mocks(lambda: build(config), project=project, stack=config.stack,
                           mocks=mocks, record=record)


def run_plan(stack: str, project_dir: Path | str = ".", *,
             config: StackConfig | None = None) -> Plan:
    """Plan one stack offline: validate its config, run the program under mocks, record it.

    The plan's warnings are the engine's (e.g. a deprecated resource) followed by the cloud
    settings' own (e.g. a version past standard support); its `cost` is the estimate of
    `forge_infra.cost` under the stack's usage profile and budget; its `findings` are every
    policy rule's (`forge_infra.policy.evaluate`), the stack's `policy.waivers` applied.
    Raises `ConfigError` for bad
    config (before any resource is declared) and `ProgramError` when the program fails while
    running, or stops making progress (`forge_infra.plan.recorder.ProgramStalled`).
    """
    project = project_name(project_dir)
    config = config if config is not None else load_stack_file(stack, project_dir)
    try:
        recording = record_program(config, project=project)
    except ConfigError:
        raise
    except ProgramStalled as exc:  # a defect of forge-infra's own, not the stack's
        raise ProgramError(f"the program did not finish while planning stack {stack!r}: "
                           f"{exc.detail}") from exc
    except Exception as exc:  # the program's own failure, reported as such
        raise ProgramError(f"the program failed while planning stack {stack!r}: "
                           f"{type(exc).__name__}: {exc}") from exc
    plan = plan_from_recording(recording, config, project_dir=project_dir)
    plan.warnings.extend(config.target.warnings(config))
    from forge_infra.cost import estimate

    plan.cost = estimate(plan, usage=config.usage, budget=config.budget.monthly_limit_usd,
                         region=config.region)
    from forge_infra.policy.engine import config_waivers, evaluate

    plan.findings = evaluate(plan, environment=config.environment,
                             waivers=config_waivers(config.policy.waivers))
    return plan


def plan_summary(plan: Plan) -> dict[str, Any]:
    """Counts for a one-line summary: resources, components, types, protected, exports, and
    the Helm releases rendered and not rendered."""
    custom = plan.custom_resources()
    return {
        "resources": len(custom),
        "components": sum(1 for r in plan.resources if not r.custom),
        "types": len(plan.type_counts()),
        "protected": sum(1 for r in custom if r.protect),
        "outputs": len(plan.outputs),
        "releases_rendered": sum(1 for r in plan.helm_releases() if r.helm and r.helm.rendered),
        "releases_not_rendered": sum(1 for r in plan.helm_releases()
                                     if r.helm and not r.helm.rendered),
    }
