"""Run one example program of `examples/` under the offline mocks, the way `pulumi up` would run it.

The example's `Pulumi.yaml` gives its project name and its config: a plain value (`aws:region`)
or a declared key's `default`, overridden by `key=value` arguments. The program (`__main__.py`)
runs in-process under forge-infra's offline mocks (`forge_infra.plan`), and what it registered
comes back as a `Recording`.

Run as a script (`python harness.py <example-dir> [key=value ...]`) it prints the registrations
as JSON: the wheel test runs it with a fresh virtualenv's interpreter, outside the checkout, so
it imports only what the wheel installed. It therefore imports nothing from `tests`.
"""

import json
import runpy
import sys
from pathlib import Path

import pulumi
import yaml

from forge_infra.plan.mocks import ProviderMocks
from forge_infra.plan.recorder import Recording, run_under_mocks


def example_config(example: Path, overrides: dict[str, str] | None = None
                   ) -> tuple[str, dict[str, str]]:
    """The example's project name and its full config (`<namespace>:<key>` -> string value)."""
    project = yaml.safe_load((example / "Pulumi.yaml").read_text(encoding="utf-8"))
    name: str = project["name"]
    values: dict[str, str] = {}
    for key, declared in (project.get("config") or {}).items():
        value = declared.get("default") if isinstance(declared, dict) else declared
        if value is not None:
            values[key] = value
    values.update(overrides or {})
    config: dict[str, str] = {}
    for key, value in values.items():
        full = key if ":" in key else f"{name}:{key}"
        config[full] = json.dumps(value) if isinstance(value, bool) else str(value)
    return name, config


def run_example(example: Path, overrides: dict[str, str] | None = None) -> Recording:
    """Run `example/__main__.py` under the offline mocks with its config; what it registered."""
    project, config = example_config(example, overrides)
    region = config.get("aws:region") or config.get(f"{project}:region") or "us-east-1"

    def program() -> None:
        pulumi.runtime.set_all_config(config)
        runpy.run_path(str(example / "__main__.py"), run_name="__main__")

    return run_under_mocks(program, project=project, stack="example",
                           mocks=ProviderMocks(region=region))


def main(argv: list[str]) -> None:
    """Print what the example in `argv[0]` registers, as JSON."""
    example = Path(argv[0]).resolve()
    overrides = dict(arg.split("=", 1) for arg in argv[1:])
    recording = run_example(example, overrides)
    import forge_components  # where the example's components came from

    print(json.dumps({
        "forge_components": forge_components.__file__,
        "resources": [[r.type, r.name] for r in recording.resources],
        "exports": sorted(recording.exports),
        "warnings": recording.warnings,
    }))


if __name__ == "__main__":
    main(sys.argv[1:])
