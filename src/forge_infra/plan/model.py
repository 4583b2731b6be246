"""The plan: every resource a stack would ask Pulumi to create, as data (`forge-infra/plan@1`).

The JSON form is documented in docs/PLAN.md and pinned by `plan.schema.json` beside this
module. The schema is stable: later releases only add fields (cost, findings, ...).
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Any

SCHEMA_ID = "forge-infra/plan@1"


@dataclasses.dataclass
class PlanResource:
    """One resource of the plan (custom resource, component or provider)."""

    urn: str
    type: str
    name: str
    custom: bool
    component: str | None
    """The type of the nearest enclosing component resource, or None at the top level."""
    parent: str | None
    dependencies: list[str]
    protect: bool
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    provider: str | None = None
    id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The resource as a `forge-infra/plan@1` JSON object."""
        return dataclasses.asdict(self)


@dataclasses.dataclass
class Plan:
    """Everything one stack would create, plus its exports (and later cost and findings)."""

    project: str
    stack: str
    cloud: str
    platform: str | None
    resources: list[PlanResource]
    outputs: dict[str, Any]
    cost: dict[str, Any] | None = None
    findings: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)

    # -- views --------------------------------------------------------------------------------

    def by_urn(self) -> dict[str, PlanResource]:
        """The resources keyed by URN."""
        return {r.urn: r for r in self.resources}

    def custom_resources(self) -> list[PlanResource]:
        """The resources a provider would create (no components, no provider instances)."""
        return [r for r in self.resources
                if r.custom and not r.type.startswith("pulumi:providers:")]

    def type_counts(self) -> Counter[str]:
        """How many resources of each type the plan creates (custom resources only)."""
        return Counter(r.type for r in self.custom_resources())

    def edges(self) -> list[tuple[str, str]]:
        """(dependent, dependency) URN pairs, sorted."""
        known = self.by_urn()
        return sorted({(r.urn, d) for r in self.resources for d in r.dependencies if d in known})

    # -- JSON ---------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The plan as a `forge-infra/plan@1` document."""
        document: dict[str, Any] = {
            "schema": SCHEMA_ID,
            "project": self.project,
            "stack": self.stack,
            "cloud": self.cloud,
            "platform": self.platform,
            "resources": [r.to_dict() for r in self.resources],
            "outputs": self.outputs,
            "findings": self.findings,
            "warnings": self.warnings,
        }
        if self.cost is not None:
            document["cost"] = self.cost
        return document

    def to_json(self) -> str:
        """The plan as stable, indented JSON text."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=False, default=str) + "\n"

    def write_json(self, path: Path | str) -> None:
        """Write the JSON form to `path`."""
        Path(path).write_text(self.to_json())

    @classmethod
    def from_dict(cls, document: dict[str, Any]) -> Plan:
        """Read a `forge-infra/plan@1` document (as written by `to_dict`)."""
        if document.get("schema") != SCHEMA_ID:
            raise ValueError(f"not a {SCHEMA_ID} document (schema: {document.get('schema')!r})")
        fields = {f.name for f in dataclasses.fields(PlanResource)}
        return cls(
            project=document["project"], stack=document["stack"], cloud=document["cloud"],
            platform=document.get("platform"),
            resources=[PlanResource(**{k: v for k, v in r.items() if k in fields})
                       for r in document["resources"]],
            outputs=document.get("outputs", {}), cost=document.get("cost"),
            findings=document.get("findings", []), warnings=document.get("warnings", []))

    @classmethod
    def read_json(cls, path: Path | str) -> Plan:
        """Read a plan written by `write_json`."""
        return cls.from_dict(json.loads(Path(path).read_text()))


def json_schema() -> dict[str, Any]:
    """The JSON schema of `forge-infra/plan@1` documents."""
    text = resources.files("forge_infra.plan").joinpath("plan.schema.json").read_text()
    return json.loads(text)
