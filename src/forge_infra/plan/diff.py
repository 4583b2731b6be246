"""What changes between two plans: resources added, removed or changed, input by input."""

from __future__ import annotations

import dataclasses
import json
from typing import IO, Any

from rich.console import Console
from rich.markup import escape

from forge_infra.plan.model import SCHEMA_V1, Plan

_MISSING = object()


@dataclasses.dataclass(frozen=True)
class InputChange:
    """One input (or option: `(protect)`, `(opts.<name>)`) whose value differs; `old`/`new`
    are None when the key is absent."""

    path: str
    old: Any
    new: Any


@dataclasses.dataclass(frozen=True)
class ResourceChange:
    """A resource present in both plans whose inputs or options differ."""

    urn: str
    type: str
    changes: tuple[InputChange, ...]


@dataclasses.dataclass(frozen=True)
class PlanDiff:
    """The difference between an old plan and a new one, by URN."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[ResourceChange, ...]
    outputs: tuple[InputChange, ...]

    @property
    def empty(self) -> bool:
        """No resource or output differs."""
        return not (self.added or self.removed or self.changed or self.outputs)


def _flatten(value: Any, prefix: str, into: dict[str, Any]) -> None:
    if isinstance(value, dict) and value:
        for key in sorted(value):
            _flatten(value[key], f"{prefix}.{key}" if prefix else str(key), into)
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            _flatten(item, f"{prefix}[{index}]", into)
    else:
        into[prefix] = value


def _changes(old: dict[str, Any], new: dict[str, Any]) -> tuple[InputChange, ...]:
    old_flat: dict[str, Any] = {}
    new_flat: dict[str, Any] = {}
    _flatten(old, "", old_flat)
    _flatten(new, "", new_flat)
    changes = []
    for path in sorted(set(old_flat) | set(new_flat)):
        before = old_flat.get(path, _MISSING)
        after = new_flat.get(path, _MISSING)
        if before != after:
            changes.append(InputChange(path, None if before is _MISSING else before,
                                       None if after is _MISSING else after))
    return tuple(changes)


def diff_plans(old: Plan, new: Plan) -> PlanDiff:
    """Compare two plans of the same program: added, removed and changed resources.

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
        changes = list(_changes(a.props, b.props))
        if a.opts.protect != b.opts.protect:
            changes.append(InputChange("(protect)", a.opts.protect, b.opts.protect))
        old_opts, new_opts = dataclasses.asdict(a.opts), dataclasses.asdict(b.opts)
        for name in sorted(old_opts) if compare_options else ():
            if name not in ("protect", "parent") and old_opts[name] != new_opts[name]:
                changes.append(InputChange(f"(opts.{name})", old_opts[name], new_opts[name]))
        if changes:
            changed.append(ResourceChange(urn, b.type, tuple(changes)))
    return PlanDiff(
        added=tuple(sorted(set(after) - set(before))),
        removed=tuple(sorted(set(before) - set(after))),
        changed=tuple(changed),
        outputs=_changes(old.outputs, new.outputs),
    )


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 40 else text[:37] + "..."


def render_diff(diff: PlanDiff, stream: IO[str] | None = None, *,
                color: bool | None = None) -> None:
    """Print the diff: `+` added, `-` removed, `~` changed with each input's old -> new."""
    console = Console(file=stream, width=100, force_terminal=color, no_color=color is False,
                      highlight=False, soft_wrap=True, emoji=False)
    if diff.empty:
        console.print("No changes: the plans are identical.")
        return
    for urn in diff.added:
        console.print(f"[green]+ {escape(urn)}[/]")
    for urn in diff.removed:
        console.print(f"[red]- {escape(urn)}[/]")
    for change in diff.changed:
        console.print(f"[yellow]~ {escape(change.urn)}[/]")
        for item in change.changes:
            console.print(f"    {escape(item.path)}: {escape(_short(item.old))} -> "
                          f"{escape(_short(item.new))}")
    for item in diff.outputs:
        console.print(f"[yellow]~ output {escape(item.path)}[/]: {escape(_short(item.old))} -> "
                      f"{escape(_short(item.new))}")
    console.print(f"Diff: {len(diff.added)} to add, {len(diff.removed)} to remove, "
                  f"{len(diff.changed)} to change, {len(diff.outputs)} outputs changed.")
