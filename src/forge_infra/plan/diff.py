"""What changes between two plans, shown as `pulumi preview --diff` shows it.

Each resource is created (`+`), updated in place (`~`), replaced (`-/+`, naming the
properties that force it) or deleted (`-`). Whether a property forces replacement comes from
the provider's own replace-on-change information, extracted into `replace_on_change.json`
(see `scripts/extract_force_new.py`), and from the resource's own `replace_on_changes`
option. Values are shown in full; multi-line strings as a line diff; JSON-string inputs
(IAM policies, container definitions) are parsed and compared key by key.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import json
import re
from importlib import resources
from pathlib import Path
from typing import IO, Any

from rich.console import Console
from rich.markup import escape

from forge_infra.plan.model import READABLE_SCHEMAS, SCHEMA_V1, Plan

_MISSING = object()
_INDEX = re.compile(r"\[\d+\]")
#: The data file of replace-on-change properties per resource type.
REPLACE_DATA = "replace_on_change.json"


class PlanReadError(Exception):
    """A file given to `--diff` that is not a readable plan document."""


@dataclasses.dataclass(frozen=True)
class InputChange:
    """One input (or option: `(protect)`, `(opts.<name>)`) whose value differs; `old`/`new`
    are None when the key is absent. `forces_replacement` when the provider (or the
    resource's `replace_on_changes`) replaces the resource for it."""

    path: str
    old: Any
    new: Any
    forces_replacement: bool = False


@dataclasses.dataclass(frozen=True)
class ResourceChange:
    """A resource present in both plans whose inputs or options differ."""

    urn: str
    type: str
    changes: tuple[InputChange, ...]

    @property
    def replace_because(self) -> tuple[str, ...]:
        """The changed properties that force replacement (empty for an update in place)."""
        return tuple(c.path for c in self.changes if c.forces_replacement)

    @property
    def action(self) -> str:
        """`replace` when a changed property forces it, else `update`."""
        return "replace" if self.replace_because else "update"

    @property
    def replacement_known(self) -> bool:
        """Whether the replace-on-change data covers this type: when it does not, an input
        change shown as an update may in fact replace the resource."""
        return self.type in replace_on_change() or not any(
            not c.path.startswith("(") for c in self.changes)


@dataclasses.dataclass(frozen=True)
class PlanDiff:
    """The difference between an old plan and a new one, by URN."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[ResourceChange, ...]
    outputs: tuple[InputChange, ...]
    types: dict[str, str] = dataclasses.field(default_factory=dict)
    """The type of every added and removed URN."""

    @property
    def empty(self) -> bool:
        """No resource or output differs."""
        return not (self.added or self.removed or self.changed or self.outputs)

    @property
    def replaced(self) -> tuple[ResourceChange, ...]:
        """The changed resources that are replaced."""
        return tuple(c for c in self.changed if c.action == "replace")

    @property
    def updated(self) -> tuple[ResourceChange, ...]:
        """The changed resources that are updated in place."""
        return tuple(c for c in self.changed if c.action == "update")


# -- reading a plan for --diff --------------------------------------------------------------


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)


def check_plan_document(document: Any) -> None:
    """Refuse, naming the key, a JSON document that is not a plan (plan@2 or plan@1)."""
    if not isinstance(document, dict):
        raise PlanReadError(f"the file holds {_kind(document)}, not a plan: a plan is a JSON "
                            "object with schema forge-infra/plan@2 (forge-infra plan --json)")
    if document.get("schema") not in READABLE_SCHEMAS:
        raise PlanReadError(f"schema: got {document.get('schema')!r}; readable: "
                            f"{', '.join(sorted(READABLE_SCHEMAS))}")
    for key in ("project", "stack", "cloud"):
        if not isinstance(document.get(key), str):
            raise PlanReadError(f"{key}: got {_kind(document.get(key))}; must be a string")
    if not isinstance(document.get("resources"), list):
        raise PlanReadError(f"resources: got {_kind(document.get('resources'))}; must be a "
                            "list of resource objects")
    for key in ("outputs",):
        if key in document and not isinstance(document[key], dict):
            raise PlanReadError(f"{key}: got {_kind(document[key])}; must be an object")
    for index, resource in enumerate(document["resources"]):
        where = f"resources[{index}]"
        if not isinstance(resource, dict):
            raise PlanReadError(f"{where}: got {_kind(resource)}; must be an object")
        for key in ("urn", "type", "name"):
            if not isinstance(resource.get(key), str):
                raise PlanReadError(f"{where}.{key}: got {_kind(resource.get(key))}; must be a "
                                    "string")
        if not isinstance(resource.get("custom"), bool):
            raise PlanReadError(f"{where}.custom: got {_kind(resource.get('custom'))}; must "
                                "be true or false")
        props_key = "props" if "props" in resource else "inputs"
        if not isinstance(resource.get(props_key, {}), dict):
            raise PlanReadError(f"{where}.{props_key}: got {_kind(resource[props_key])}; must "
                                "be an object")
        for key in ("opts", "outputs", "property_dependencies", "helm"):
            if resource.get(key) is not None and not isinstance(resource[key], dict):
                raise PlanReadError(f"{where}.{key}: got {_kind(resource[key])}; must be an "
                                    "object or null")
        if not isinstance(resource.get("dependencies", []), list):
            raise PlanReadError(f"{where}.dependencies: got "
                                f"{_kind(resource['dependencies'])}; must be a list")


def read_plan(path: Path | str) -> Plan:
    """Read a plan JSON file for `--diff`, or raise `PlanReadError` saying what is wrong."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise PlanReadError(f"cannot read it: {exc.strerror or exc}") from None
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise PlanReadError(f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
                            f"{exc.start})") from None
    except json.JSONDecodeError as exc:
        raise PlanReadError(f"not JSON: {exc.msg} at line {exc.lineno}, column "
                            f"{exc.colno}") from None
    except RecursionError:
        raise PlanReadError("not a plan: its values are nested too deeply") from None
    check_plan_document(document)
    try:
        return Plan.from_dict(document)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise PlanReadError(f"not a readable plan: {type(exc).__name__}: {exc}") from None


# -- replace-on-change information ----------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ReplaceFlags:
    """One resource type's replace-on-change information."""

    properties: frozenset[str]
    """Property paths (camelCase, dotted, no list indexes) whose every change replaces."""
    blocks: frozenset[str] = frozenset()
    """Nested blocks whose flag replaces only when the block is added or removed."""


@functools.cache
def replace_on_change() -> dict[str, ReplaceFlags]:
    """Per resource type token, what makes the provider replace the resource."""
    text = resources.files("forge_infra.plan").joinpath(REPLACE_DATA).read_text()
    data = json.loads(text)
    return {token: ReplaceFlags(frozenset(entry["properties"]),
                                frozenset(entry.get("blocks", ())))
            for token, entry in data["types"].items()}


def _present(value: Any, parts: list[str]) -> bool:
    """Whether the block at `parts` (dotted, list indexes dropped) holds a value."""
    if not parts:
        return value not in (None, {}, [])
    if isinstance(value, list):
        return any(_present(item, parts) for item in value)
    if isinstance(value, dict) and parts[0] in value:
        return _present(value[parts[0]], parts[1:])
    return False


def forces_replacement(type_token: str, path: str, own: tuple[str, ...] = (),
                       old: dict[str, Any] | None = None,
                       new: dict[str, Any] | None = None) -> bool:
    """Whether a change at `path` (as the diff names it) replaces a resource of this type:
    the provider's flag on the property or a property above it (a list, map or JSON string
    whose part changed); a flagged block added or removed (`old`/`new`: the inputs); or the
    resource's own `replace_on_changes` option (`"*"` for every property)."""
    if path.startswith("("):
        return False
    parts = _INDEX.sub("", path).split(".")
    prefixes = [".".join(parts[:n]) for n in range(1, len(parts) + 1)]
    flags = replace_on_change().get(type_token, ReplaceFlags(frozenset()))
    if "*" in own or set(prefixes) & (flags.properties | {_INDEX.sub("", o) for o in own}):
        return True
    return any(_present(old or {}, p.split(".")) != _present(new or {}, p.split("."))
               for p in prefixes if p in flags.blocks)


# -- comparing ------------------------------------------------------------------------------


def _json_string(value: str) -> Any:
    """A JSON object or array held in a string input (a policy document), else _MISSING."""
    text = value.strip()
    if not text or text[0] not in "{[":
        return _MISSING
    try:
        parsed = json.loads(text)
    except ValueError:
        return _MISSING
    return parsed if isinstance(parsed, dict | list) and parsed else _MISSING


def _flatten(value: Any, prefix: str, into: dict[str, Any]) -> None:
    if isinstance(value, str):
        parsed = _json_string(value)
        if parsed is not _MISSING:
            value = parsed
    if isinstance(value, dict) and value:
        for key in sorted(value):
            _flatten(value[key], f"{prefix}.{key}" if prefix else str(key), into)
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            _flatten(item, f"{prefix}[{index}]", into)
    else:
        into[prefix] = value


def _changes(old: dict[str, Any], new: dict[str, Any], type_token: str = "",
             own: tuple[str, ...] = ()) -> tuple[InputChange, ...]:
    old_flat: dict[str, Any] = {}
    new_flat: dict[str, Any] = {}
    _flatten(old, "", old_flat)
    _flatten(new, "", new_flat)
    changes = []
    for path in sorted(set(old_flat) | set(new_flat)):
        before = old_flat.get(path, _MISSING)
        after = new_flat.get(path, _MISSING)
        if before != after:
            changes.append(InputChange(
                path, None if before is _MISSING else before,
                None if after is _MISSING else after,
                forces_replacement=bool(type_token) and forces_replacement(
                    type_token, path, own, old, new)))
    return tuple(changes)


def diff_plans(old: Plan, new: Plan) -> PlanDiff:
    """Compare two plans of the same program: created, updated, replaced, deleted.

    Options other than `protect` are compared only when neither plan was read from a plan@1
    document (which did not record them).
    """
    before = old.by_urn()
    after = new.by_urn()
    # A plan@1 document recorded no option but protect: its defaults are not real values.
    compare_options = SCHEMA_V1 not in (old.source_schema, new.source_schema)
    changed = []
    for urn in sorted(set(before) & set(after)):
        a, b = before[urn], after[urn]
        own = tuple(b.opts.replace_on_changes)
        changes = list(_changes(a.props, b.props, b.type if b.custom else "", own))
        if a.opts.protect != b.opts.protect:
            changes.append(InputChange("(protect)", a.opts.protect, b.opts.protect))
        old_opts, new_opts = dataclasses.asdict(a.opts), dataclasses.asdict(b.opts)
        for name in sorted(old_opts) if compare_options else ():
            if name not in ("protect", "parent") and old_opts[name] != new_opts[name]:
                changes.append(InputChange(f"(opts.{name})", old_opts[name], new_opts[name]))
        if changes:
            changed.append(ResourceChange(urn, b.type, tuple(changes)))
    added = tuple(sorted(set(after) - set(before)))
    removed = tuple(sorted(set(before) - set(after)))
    return PlanDiff(
        added=added, removed=removed, changed=tuple(changed),
        outputs=_changes(old.outputs, new.outputs),
        types={**{u: before[u].type for u in removed}, **{u: after[u].type for u in added}},
    )


# -- rendering ------------------------------------------------------------------------------


def _text(value: Any) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)


def _value_lines(item: InputChange, indent: str) -> list[str]:
    """The change of one value, in full: `old => new`, or a line diff for multi-line text."""
    old, new = item.old, item.new
    if isinstance(old, str) and isinstance(new, str) and ("\n" in old or "\n" in new):
        lines = difflib.unified_diff(old.splitlines(), new.splitlines(), "before", "after",
                                     lineterm="", n=2)
        return [f"{indent}    {line}" for line in list(lines)[2:]]
    return [f"{indent}    {_text(old)} => {_text(new)}"]


def render_diff(diff: PlanDiff, stream: IO[str] | None = None, *,
                color: bool | None = None) -> None:
    """Print the diff as `pulumi preview --diff` does: `+` create, `~` update, `-/+` replace
    (with the properties that force it), `-` delete; every value in full."""
    console = Console(file=stream, width=100, force_terminal=color, no_color=color is False,
                      highlight=False, soft_wrap=True, emoji=False)
    if diff.empty:
        console.print("No changes: the plans are identical.")
        return
    for urn in diff.added:
        console.print(f"[green]+ {escape(urn)}[/]  [dim](create)[/dim]")
    for change in diff.changed:
        if change.action == "replace":
            reasons = ", ".join(change.replace_because)
            console.print(f"[magenta]-/+ {escape(change.urn)}[/]  [dim](replace: "
                          f"{escape(reasons)} forces replacement)[/dim]")
        elif change.replacement_known:
            console.print(f"[yellow]~ {escape(change.urn)}[/]  [dim](update)[/dim]")
        else:
            console.print(f"[yellow]~ {escape(change.urn)}[/]  [dim](update, or replace: "
                          f"{escape(change.type)} is not in the replace-on-change data; "
                          "pulumi preview tells)[/dim]")
        for item in change.changes:
            mark = "  [magenta]# forces replacement[/]" if item.forces_replacement else ""
            console.print(f"    ~ {escape(item.path)}{mark}")
            for line in _value_lines(item, "    "):
                console.print(escape(line))
    for urn in diff.removed:
        console.print(f"[red]- {escape(urn)}[/]  [dim](delete)[/dim]")
    for item in diff.outputs:
        console.print(f"[yellow]~ output {escape(item.path)}[/]")
        for line in _value_lines(item, ""):
            console.print(escape(line))
    console.print(f"Diff: {len(diff.added)} to create, {len(diff.updated)} to update, "
                  f"{len(diff.replaced)} to replace, {len(diff.removed)} to delete, "
                  f"{len(diff.outputs)} outputs changed.")
