"""The key reference of docs/CONFIGURATION.md, generated from the models' own field docs.

Every field of the neutral `StackConfig` and of each registered cloud's settings model (and of
every block below them) is listed with its stack-file key, its type or allowed values, its
default and its docstring. `python -m forge_infra.model.reference` rewrites the generated
part of docs/CONFIGURATION.md; tests/test_config_reference.py keeps it current and checks
every field has a docstring.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from forge_infra.model.config import INTERNAL_FIELDS, NAMESPACE, CloudSettings, StackConfig

BEGIN = "<!-- BEGIN GENERATED: python -m forge_infra.model.reference -->"
END = "<!-- END GENERATED -->"
DOC = Path(__file__).resolve().parents[3] / "docs" / "CONFIGURATION.md"


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The settings block an annotation holds (directly or in `X | None`), if any."""
    for candidate in (annotation, *typing.get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def type_text(annotation: Any) -> str:
    """A short rendering of a field's type: enum and Literal values, lists, mappings."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is Literal:
        return " \\| ".join(f"`{a}`" for a in args)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return " \\| ".join(f"`{m.value}`" for m in annotation)
    if origin in (types.UnionType, typing.Union):
        parts = [type_text(a) for a in args if a is not type(None)]
        text = " \\| ".join(parts)
        return f"{text} or unset" if type(None) in args else text
    if origin is typing.Annotated:
        return type_text(args[0])
    if origin is tuple:
        return f"list of {type_text(args[0])}"
    if origin is dict:
        return f"mapping of {type_text(args[0])} to {type_text(args[1])}"
    model = _model_in(annotation)
    if model is not None:
        return "mapping (below)"
    name = getattr(annotation, "__name__", str(annotation))
    return {"str": "string", "int": "integer", "float": "number", "bool": "boolean",
            "SecretStr": "secret string"}.get(name, name)


def default_text(info: FieldInfo) -> str:
    """The field's default as a stack file would write it, or `required`."""
    if info.is_required():
        return "required"
    value = info.get_default(call_default_factory=True)
    if isinstance(value, BaseModel):
        return ""
    if isinstance(value, enum.Enum):
        value = value.value
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, tuple | list):
        return f"`[{', '.join(str(v.value if isinstance(v, enum.Enum) else v) for v in value)}]`"
    if isinstance(value, dict):
        return "`{}`" if not value else f"`{value}`"
    return f"`{value}`"


def bounds_text(info: FieldInfo) -> str:
    """The numeric bounds and pattern of a field's constraints."""
    parts = []
    for item in info.metadata:
        for attr, sign in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<"),
                           ("min_length", "at least"), ("max_length", "at most")):
            value = getattr(item, attr, None)
            if value is not None:
                parts.append(f"{sign} {value}")
        pattern = getattr(item, "pattern", None)
        if pattern is not None:
            parts.append(f"matches `{pattern}`")
    return ", ".join(parts)


def field_rows(model: type[BaseModel], prefix: str,
               skip: frozenset[str] = frozenset()) -> Iterator[tuple[str, FieldInfo, str]]:
    """(key, field, type text) of every field of `model` and of the blocks below it."""
    for name, info in model.model_fields.items():
        if name in skip:
            continue
        key = f"{prefix}{name}"
        yield key, info, type_text(info.annotation)
        block = _model_in(info.annotation)
        if block is not None and typing.get_origin(info.annotation) is not dict:
            yield from field_rows(block, f"{key}.")


def undocumented(models: list[tuple[type[BaseModel], str, frozenset[str]]]) -> list[str]:
    """The keys whose field has no docstring."""
    return [key for model, prefix, skip in models
            for key, info, _ in field_rows(model, prefix, skip) if not info.description]


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def table(model: type[BaseModel], prefix: str, skip: frozenset[str] = frozenset()) -> str:
    """One markdown table of `model`'s keys."""
    lines = ["| key | type | default | constraints | meaning |", "| --- | --- | --- | --- | --- |"]
    for key, info, kind in field_rows(model, prefix, skip):
        lines.append(f"| `{key}` | {kind} | {default_text(info)} | "
                     f"{_cell(bounds_text(info))} | {_cell(info.description or '')} |")
    return "\n".join(lines)


def models() -> list[tuple[str, type[BaseModel], str, frozenset[str]]]:
    """(title, model, key prefix, skipped fields) of every model the reference lists."""
    from forge_infra.model.target import find_target, registered_clouds

    listed: list[tuple[str, type[BaseModel], str, frozenset[str]]] = [
        ("Neutral keys (every cloud)", StackConfig, f"{NAMESPACE}:", INTERNAL_FIELDS)]
    for cloud in registered_clouds():
        entry = find_target(cloud)
        if entry is not None:
            settings = entry.settings_model()
            listed.append((f"Cloud `{cloud}`", settings, f"{NAMESPACE}:",
                           frozenset(settings.internal_fields)))
    return listed


def provider_table(settings: type[CloudSettings]) -> str:
    """The cloud's fields read from its provider namespace (`aws:region`, ...)."""
    lines = ["| key | type | default | constraints | meaning |", "| --- | --- | --- | --- | --- |"]
    for name in sorted(settings.internal_fields - {"cloud"}):
        info = settings.model_fields[name]
        lines.append(f"| `{settings.key_path([name])}` | {type_text(info.annotation)} | "
                     f"{default_text(info)} | {_cell(bounds_text(info))} | "
                     f"{_cell(info.description or '')} |")
    return "\n".join(lines)


def undocumented_keys() -> list[str]:
    """Every key of the reference whose field has no docstring."""
    missing = undocumented([(m, prefix, skip) for _, m, prefix, skip in models()])
    for _, model, _, _ in models()[1:]:
        settings = typing.cast(type[CloudSettings], model)
        missing += [settings.key_path([n]) for n in settings.internal_fields - {"cloud"}
                    if not settings.model_fields[n].description]
    return missing


def render() -> str:
    """The generated reference, between its markers."""
    parts = [BEGIN, "", "## Key reference (generated from the models' field docs)", "",
             "Every key, its type or allowed values, its default, the bounds the model checks "
             "and its docstring; the rules across keys above come on top.", ""]
    for title, model, prefix, skip in models():
        parts += [f"### {title}", "", table(model, prefix, skip), ""]
        if issubclass(model, CloudSettings):
            parts += [f"{title}, provider namespace:", "", provider_table(model), ""]
    parts.append(END)
    return "\n".join(parts)


def updated(text: str) -> str:
    """`text` (docs/CONFIGURATION.md) with its generated part replaced by `render()`."""
    if BEGIN in text and END in text:
        head, _, rest = text.partition(BEGIN)
        _, _, tail = rest.partition(END)
        return f"{head}{render()}{tail}"
    return f"{text.rstrip()}\n\n{render()}\n"


def main() -> None:
    """Rewrite the generated part of docs/CONFIGURATION.md."""
    DOC.write_text(updated(DOC.read_text()))


if __name__ == "__main__":
    main()
