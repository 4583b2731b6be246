"""The args check every served component runs before declaring anything.

A component's args are a TypedDict (the shape Pulumi's analyzer infers the schema from), so
Python itself checks neither the field names nor the value types: `NetworkingArgs(cidr_blocks=
...)` or `az_count="2"` would reach the component, and fail later with an unrelated error (or
not at all). `check_args` refuses them at construction with one message naming the component,
each wrong field and what is allowed:

    Networking: unknown field 'cidr_blocks' (did you mean 'cidr_block'?); allowed fields: ...
    Networking: field 'az_count' must be int, got str '2'

It checks types, not values (None leaves an optional field unset): the components' own checks
(ranges, allowed enum values, combinations) keep their messages. A value from another resource
(`pulumi.Output`) is allowed where the field is a `pulumi.Input[...]`, and refused where it must
be a plain value.

`guard(package, components)` installs the check on each listed component class when its module
is imported (a `__new__` that checks, then creates the instance), so no component module calls
it and `__init__`, its annotations and its source stay as written for Pulumi's analyzer. Each
cloud's `__init__.py` calls `guard` with its `COMPONENTS`.
"""

import dataclasses
import difflib
import enum
import importlib.abc
import importlib.machinery
import inspect
import sys
import types
import typing
from collections.abc import Awaitable, Mapping, Sequence
from typing import Any

import pulumi

OWN_UNKNOWN_FIELD_CHECKS: frozenset[str] = frozenset({
    "forge_components.aws.log_key:LogKey",
    "forge_components.aws.cdn:Cdn",
    "forge_components.aws.compute_eks:EksCompute",
    "forge_components.aws.eks_addons:EksAddons",
    "forge_components.aws.waf:Waf",
    "forge_components.aws.compute_ecs:EcsCompute",
    "forge_components.kubernetes.release:PlatformRelease",
})
"""Components that refuse unknown fields themselves, naming the component and the fields (some
with the field that replaced them): the check leaves unknown fields to them and checks types
only (tests/components/test_validation.py holds each to refusing an unknown field)."""


@dataclasses.dataclass(frozen=True)
class Problem:
    """One wrong field: where it is (`services[1].port`) and what is wrong with it."""

    path: str
    message: str


def _strip(hint: Any) -> Any:
    """The type inside NotRequired[...] / Required[...]."""
    while typing.get_origin(hint) in (typing.NotRequired, typing.Required):
        hint = typing.get_args(hint)[0]
    return hint


def _arms(hint: Any) -> tuple[Any, ...]:
    """The alternatives of a union, or the type itself."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return typing.get_args(hint)
    return (hint,)


def _is_deferred(hint: Any) -> bool:
    """Whether the type is an Output or an awaitable (a value from another resource)."""
    if isinstance(hint, typing.ForwardRef):
        return hint.__forward_arg__.startswith("Output")
    origin = typing.get_origin(hint) or hint
    return origin is pulumi.Output or origin is Awaitable or (
        isinstance(origin, type) and issubclass(origin, Awaitable))


def describe(hint: Any) -> str:
    """A type as a message says it: `str`, `list[str]`, `int or unset`, ... An Input[...]
    says it may come from another resource."""
    hint = _strip(hint)
    arms = _arms(hint)
    if len(arms) > 1:
        plain = [a for a in arms if not _is_deferred(a) and a is not type(None)]
        text = " or ".join(describe(a) for a in plain) or "a value"
        if any(_is_deferred(a) for a in arms):
            text += " (or an Output of it)"
        if type(None) in arms:
            text += " or None"
        return text
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (list, Sequence):
        return f"list[{describe(args[0])}]" if args else "list"
    if origin in (dict, Mapping):
        return f"dict[{describe(args[0])}, {describe(args[1])}]" if args else "dict"
    if origin is typing.Literal:
        return " or ".join(repr(a) for a in args)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return f"{hint.__name__} (one of {[m.value for m in hint]})"
    if typing.is_typeddict(hint):
        return f"{hint.__name__} (a dict)"
    if hint is Any:
        return "any value"
    return getattr(hint, "__name__", str(hint))


def _shown(value: Any) -> str:
    """A value as a message shows it: its type, and a short repr of plain values."""
    text = repr(value)
    if isinstance(value, pulumi.Output):
        return "an Output"
    return f"{type(value).__name__} {text if len(text) <= 40 else text[:37] + '...'}"


def _check(value: Any, hint: Any, path: str) -> list[Problem]:
    """What is wrong with `value` as a `hint` (empty when it fits)."""
    hint = _strip(hint)
    if hint is Any or isinstance(hint, (typing.TypeVar, typing.ForwardRef)):
        return []
    arms = _arms(hint)
    if len(arms) > 1:
        if value is None and type(None) in arms:
            return []
        if isinstance(value, (pulumi.Output, Awaitable)):
            if any(_is_deferred(a) for a in arms):
                return []
            return [Problem(path, f"must be a plain {describe(hint)}, not an Output (it cannot "
                                  "come from another resource)")]
        candidates = [a for a in arms if not _is_deferred(a) and a is not type(None)]
        results = [_check(value, arm, path) for arm in candidates]
        if any(not r for r in results):
            return []
        structural = [r for r, arm in zip(results, candidates, strict=True)
                      if typing.is_typeddict(arm) or typing.get_origin(arm) in (list, dict)]
        if len(candidates) == 1 or (len(structural) == 1 and isinstance(value, (list, dict))):
            return (structural or results)[0]
        return [Problem(path, f"must be {describe(hint)}, got {_shown(value)}")]
    if isinstance(value, (pulumi.Output, Awaitable)):
        if _is_deferred(hint):
            return []
        return [Problem(path, f"must be a plain {describe(hint)}, not an Output (it cannot "
                              "come from another resource)")]
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if _is_deferred(hint):
        return [Problem(path, f"must be {describe(hint)}, got {_shown(value)}")]
    if typing.is_typeddict(hint):
        if not isinstance(value, Mapping):
            return [Problem(path, f"must be {describe(hint)}, got {_shown(value)}")]
        return check_fields(hint, value, path)
    if origin in (list, Sequence):
        if not isinstance(value, (list, tuple)):
            return [Problem(path, f"must be {describe(hint)}, got {_shown(value)}")]
        return [p for i, item in enumerate(value)
                for p in _check(item, args[0] if args else Any, f"{path}[{i}]")]
    if origin in (dict, Mapping):
        if not isinstance(value, Mapping):
            return [Problem(path, f"must be {describe(hint)}, got {_shown(value)}")]
        key_hint, value_hint = args if args else (Any, Any)
        return [p for key, item in value.items()
                for p in (_check(key, key_hint, f"{path} key {key!r}")
                          + _check(item, value_hint, f"{path}[{key!r}]"))]
    if origin is typing.Literal:
        return [] if value in args else [
            Problem(path, f"must be {describe(hint)}, got {_shown(value)}")]
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        value_types = {type(m.value) for m in hint}
        if isinstance(value, hint) or type(value) in value_types:
            return []  # which values are allowed is the component's own check
        return [Problem(path, f"must be {describe(hint)}, got {_shown(value)}")]
    if hint is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif hint is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(hint, type):
        ok = isinstance(value, hint)
    else:
        ok = True  # a construct this check does not model: left to the component
    return [] if ok else [Problem(path, f"must be {describe(hint)}, got {_shown(value)}")]


def check_fields(shape: Any, value: Mapping[str, Any], prefix: str = "",
                 unknown: bool = True) -> list[Problem]:
    """What is wrong with the fields of `value` as a `shape` (a TypedDict): unknown fields
    (unless `unknown` is False), missing required ones, and wrong types."""
    # The raw annotations (a TypedDict gathers its bases'): pulumi.Input's "Output[T]" arm is
    # a forward reference that typing.get_type_hints cannot resolve.
    hints: dict[str, Any] = dict(shape.__annotations__)
    allowed = sorted(hints)
    problems: list[Problem] = []
    dot = f"{prefix}." if prefix else ""
    if unknown:
        for name in sorted(set(value) - set(hints)):
            close = difflib.get_close_matches(name, allowed, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(Problem(f"{dot}{name}", f"is not a field of {shape.__name__}{hint};"
                                                   f" allowed fields: {', '.join(allowed)}"))
    for name in sorted(shape.__required_keys__ - set(value)):
        problems.append(Problem(f"{dot}{name}", f"is required ({describe(hints[name])})"))
    for name, item in value.items():
        if item is None and name not in shape.__required_keys__:
            continue  # None leaves an optional field unset (its default applies)
        if name in hints:
            problems += _check(item, hints[name], f"{dot}{name}")
    return problems


def args_shape(component: type) -> Any:
    """The TypedDict a component's `args` parameter is annotated with."""
    cls: Any = component
    return inspect.signature(cls.__init__).parameters["args"].annotation


def check_args(component: type, args: Any, unknown: bool = True) -> None:
    """Refuse `args` for `component` when a field is unknown, missing or of a wrong type, with
    one ValueError naming the component, every wrong field and what is allowed."""
    shape = args_shape(component)
    name = component.__name__
    if not isinstance(args, Mapping):
        raise TypeError(f"{name}: args must be a {shape.__name__} (a dict), got "
                        f"{_shown(args)}")
    problems = check_fields(shape, args, unknown=unknown)
    if problems:
        lines = [f"field '{p.path}' {p.message}" for p in problems]
        raise ValueError(f"{name}: " + "; ".join(lines) if len(lines) == 1 else
                         f"{name}: {len(lines)} wrong args:\n  " + "\n  ".join(lines))


def install(component: type, unknown: bool = True) -> None:
    """Make constructing `component` run `check_args` first (through `__new__`)."""
    if component.__dict__.get("_forge_checked"):
        return

    def __new__(cls: type, name: str, args: Any = None, *rest: Any, **kwargs: Any) -> Any:
        check_args(component, args, unknown=unknown)
        return object.__new__(cls)

    component.__new__ = __new__  # type: ignore[method-assign,assignment]
    component._forge_checked = True  # type: ignore[attr-defined]


class _Guard(importlib.abc.MetaPathFinder):
    """Installs the check on the listed classes of a module right after the module runs."""

    def __init__(self, classes: dict[str, list[str]]) -> None:
        self.classes = classes

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        """The module's own spec, its loader wrapped, for the modules with listed classes."""
        if fullname not in self.classes:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        names = self.classes[fullname]

        class _Loader(importlib.abc.Loader):
            def create_module(self, spec: Any) -> Any:
                return loader.create_module(spec)

            def exec_module(self, module: Any) -> None:
                loader.exec_module(module)
                for name in names:
                    path = f"{fullname}:{name}"
                    install(getattr(module, name), unknown=path not in OWN_UNKNOWN_FIELD_CHECKS)

        spec.loader = _Loader()
        return spec


def guard(components: Sequence[str]) -> None:
    """Check the args of each `module:Class` in `components` whenever one is constructed,
    whether its module is imported before or after this call."""
    classes: dict[str, list[str]] = {}
    for path in components:
        module, _, name = path.partition(":")
        classes.setdefault(module, []).append(name)
    for module, names in classes.items():
        loaded = sys.modules.get(module)
        if loaded is not None:
            for name in names:
                install(getattr(loaded, name),
                        unknown=f"{module}:{name}" not in OWN_UNKNOWN_FIELD_CHECKS)
    pending = {m: n for m, n in classes.items() if m not in sys.modules}
    if pending:
        sys.meta_path.insert(0, _Guard(pending))
