"""Run a Pulumi program in-process under mocks and record every resource it registers.

The recording comes from the resource monitor itself: `RecordingMonitor` sees each
`RegisterResource` request exactly as the Pulumi engine would receive it in `pulumi preview`:
type, name, parent, the dependency URNs (explicit `depends_on` and those implied by passing one
resource's outputs into another, per input property), the resource options (`protect`,
`retain_on_delete`, `ignore_changes`, `delete_before_replace`, `replace_on_changes`, aliases,
`additional_secret_outputs`, custom timeouts, `deleted_with`), the provider reference and the
serialized inputs with their secret markers. Nothing here re-describes the infrastructure.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime.proto import resource_pb2

from forge_infra.sdk_internals import (
    ROOT_RESOURCE,
    RUNTIME_SETTINGS,
    SPECIAL_SECRET_SIG,
    SPECIAL_SIG_KEY,
    UNKNOWN,
    MockMonitor,
    MockResourceRegistration,
    deserialize_properties,
    ensure_event_loop,
    get_root_resource,
    run_pulumi_func,
    serialize_properties,
    sync_await,
    wrap_rpc_secret,
)

SECRET_MASK = "[secret]"
UNKNOWN_MARK = "[unknown]"
STACK_TYPE = "pulumi:pulumi:Stack"


@dataclasses.dataclass
class RecordedResource:
    """One resource registration, as the engine would have received it."""

    urn: str
    type: str
    name: str
    custom: bool
    parent: str | None
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    protect: bool
    retain_on_delete: bool
    provider: str | None
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    resource_id: str | None = None
    ignore_changes: list[str] = dataclasses.field(default_factory=list)
    delete_before_replace: bool | None = None
    """None when the program did not set it."""
    replace_on_changes: list[str] = dataclasses.field(default_factory=list)
    aliases: list[str] = dataclasses.field(default_factory=list)
    """Every alias as a URN (alias specs resolved the way the engine resolves them)."""
    additional_secret_outputs: list[str] = dataclasses.field(default_factory=list)
    custom_timeouts: dict[str, str] = dataclasses.field(default_factory=dict)
    """Operation -> duration as given (`"30m"`), only for the operations that have one."""
    deleted_with: str | None = None


@dataclasses.dataclass
class Recording:
    """Every resource of one program run, in registration order, plus the stack's exports."""

    project: str
    stack: str
    stack_urn: str
    resources: list[RecordedResource]
    exports: dict[str, Any]
    warnings: list[str] = dataclasses.field(default_factory=list)

    def by_urn(self) -> dict[str, RecordedResource]:
        """The resources keyed by URN."""
        return {r.urn: r for r in self.resources}

    def of_type(self, type_token: str) -> list[RecordedResource]:
        """The resources of one type token, in registration order."""
        return [r for r in self.resources if r.type == type_token]

    def one(self, type_token: str, name: str | None = None) -> RecordedResource:
        """The single resource of a type (and name, if given); fails when not exactly one."""
        found = [r for r in self.of_type(type_token) if name is None or r.name == name]
        if len(found) != 1:
            names = [r.name for r in self.of_type(type_token)]
            raise AssertionError(
                f"expected exactly one {type_token} named {name!r}, found {len(found)} "
                f"among {names}")
        return found[0]

    def children_of(self, urn: str) -> list[RecordedResource]:
        """All resources whose parent chain includes `urn`."""
        by_urn = self.by_urn()
        result = []
        for resource in self.resources:
            parent = resource.parent
            while parent:
                if parent == urn:
                    result.append(resource)
                    break
                parent = by_urn[parent].parent if parent in by_urn else None
        return result


def mask_secrets(value: Any) -> tuple[Any, bool]:
    """Replace every secret-wrapped value in `value` by the mask; say whether one was found."""
    if isinstance(value, dict):
        if value.get(SPECIAL_SIG_KEY) == SPECIAL_SECRET_SIG:
            return SECRET_MASK, True
        found = False
        masked = {}
        for key, item in value.items():
            masked[key], item_found = mask_secrets(item)
            found = found or item_found
        return masked, found
    if isinstance(value, list):
        found = False
        items = []
        for item in value:
            masked_item, item_found = mask_secrets(item)
            items.append(masked_item)
            found = found or item_found
        return items, found
    if value is UNKNOWN or value == UNKNOWN:
        return UNKNOWN_MARK, False
    return value, False


def _plain(value: Any) -> Any:
    """Turn resource references and other SDK objects into JSON-friendly values."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, pulumi.Resource):
        return {"$resource": getattr(value, "_name", None) or repr(value)}
    if isinstance(value, pulumi.Asset | pulumi.Archive):
        return {"$asset": type(value).__name__,
                "path": getattr(value, "path", None) or getattr(value, "uri", None)}
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


class RecordingMonitor(MockMonitor):
    """A mock resource monitor that keeps the full registration request of every resource."""

    def __init__(self, mocks: pulumi.runtime.Mocks, *, project: str = "",
                 stack: str = "") -> None:
        super().__init__(mocks)
        self.recorded: list[RecordedResource] = []
        self.stack_urn: str | None = None
        self.project_name = project
        self.stack_name = stack

    def RegisterResource(self, request: Any) -> Any:
        """Register through the mocks like the engine would, and keep the full request.

        As the engine does, outputs named in `additionalSecretOutputs` and outputs whose input
        was secret come back to the program as secrets.
        """
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == STACK_TYPE:
            self.stack_urn = urn
            return resource_pb2.RegisterResourceResponse(urn=urn)
        ensure_event_loop()
        raw_inputs = deserialize_properties(request.object)
        inputs, _ = mask_secrets(raw_inputs)
        resource_id, state = self.mocks.new_resource(pulumi_mocks.MockResourceArgs(
            typ=request.type, name=request.name, inputs=_unwrap(raw_inputs),
            provider=request.provider, resource_id=request.importId,
            custom=request.custom or False))
        state = dict(state or {})
        secret_keys = set(request.additionalSecretOutputs) | {
            k for k, v in inputs.items() if v == SECRET_MASK}
        wire_state = {
            key: wrap_rpc_secret(value) if key in secret_keys else value
            for key, value in state.items()
        }
        obj_proto = sync_await(serialize_properties(wire_state, {}))
        self.resources[urn] = MockResourceRegistration(
            urn, resource_id, state)
        outputs = {key: SECRET_MASK if key in secret_keys else mask_secrets(value)[0]
                   for key, value in state.items()}
        self.recorded.append(RecordedResource(
            urn=urn,
            type=request.type,
            name=request.name,
            custom=bool(request.custom),
            parent=request.parent or None,
            dependencies=sorted(set(request.dependencies)),
            property_dependencies={
                key: sorted(set(deps.urns))
                for key, deps in sorted(request.propertyDependencies.items()) if deps.urns
            },
            protect=bool(request.protect),
            retain_on_delete=bool(request.retainOnDelete),
            provider=request.provider.rsplit("::", 1)[0] if request.provider else None,
            inputs=_plain(inputs),
            outputs=_plain(outputs),
            resource_id=resource_id or None,
            ignore_changes=list(request.ignoreChanges),
            delete_before_replace=(bool(request.deleteBeforeReplace)
                                   if request.deleteBeforeReplaceDefined else None),
            replace_on_changes=list(request.replaceOnChanges),
            aliases=self._alias_urns(request),
            additional_secret_outputs=list(request.additionalSecretOutputs),
            custom_timeouts={
                op: getattr(request.customTimeouts, op) for op in ("create", "update", "delete")
                if request.HasField("customTimeouts") and getattr(request.customTimeouts, op)},
            deleted_with=request.deletedWith or None,
        ))
        return resource_pb2.RegisterResourceResponse(urn=urn, id=resource_id or "",
                                                     object=obj_proto)


    def _alias_urns(self, request: Any) -> list[str]:
        """The request's aliases as URNs: `aliasURNs`, and each alias given as a URN or as a
        spec (name, type, stack, project, parent), defaulting to the resource's own."""
        urns = set(request.aliasURNs)
        for alias in request.aliases:
            if alias.WhichOneof("alias") == "urn":
                urns.add(alias.urn)
                continue
            spec = alias.spec
            parent = None if spec.noParent else (spec.parentUrn or request.parent or None)
            urns.add(alias_urn(
                stack=spec.stack or self.stack_name, project=spec.project or self.project_name,
                parent=parent, type_=spec.type or request.type, name=spec.name or request.name))
        return sorted(urns)


def alias_urn(*, stack: str, project: str, parent: str | None, type_: str, name: str) -> str:
    """The URN a resource of `type_` and `name` under `parent` has (the engine's rule: the
    parent's type chain, `$`, the type), for a parent that is not the stack itself."""
    chain = type_
    if parent and parent.split("::")[2] != STACK_TYPE:
        chain = f"{parent.split('::')[2]}${type_}"
    return f"urn:pulumi:{stack}::{project}::{chain}::{name}"


def _unwrap(value: Any) -> Any:
    """The inputs with secret wrappers removed, as a provider would see them."""
    if isinstance(value, dict):
        if value.get(SPECIAL_SIG_KEY) == SPECIAL_SECRET_SIG:
            return _unwrap(value.get("value"))
        return {k: _unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unwrap(v) for v in value]
    return value


class QuietMonitor(MockMonitor):
    """The stock mock monitor, for measuring a bare run with no recording."""


def _resolve_exports(root: pulumi.Resource | None) -> dict[str, Any]:
    outputs = getattr(root, "outputs", None) or {}
    exports: dict[str, Any] = {}
    for key, value in outputs.items():
        output = pulumi.Output.from_input(value)
        resolved = sync_await(output.future(with_unknowns=True))
        secret = sync_await(output.is_secret())
        exports[key] = SECRET_MASK if secret else _plain(mask_secrets(resolved)[0])
    return exports


class _EngineLog(logging.Handler):
    """Keeps the warnings and errors the program logs through the Pulumi engine."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.levelname.lower()}: {record.getMessage()}")


def run_under_mocks(
    program: Callable[[], Any],
    *,
    project: str,
    stack: str,
    mocks: pulumi.runtime.Mocks,
    record: bool = True,
) -> Recording:
    """Run `program` in-process under `mocks` until every registration has completed.

    Exceptions raised by the program, by an `apply` callback or by the mocks propagate to the
    caller. With `record=False` the stock monitor is used (for benchmarks of a bare run).
    """
    ROOT_RESOURCE.set(None)
    monitor = (RecordingMonitor(mocks, project=project, stack=stack) if record
               else QuietMonitor(mocks))
    engine_log = _EngineLog()
    logger = logging.getLogger(f"forge_infra.plan.engine.{id(engine_log)}")
    logger.propagate = False
    logger.setLevel(logging.WARNING)
    logger.addHandler(engine_log)
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False,
                             monitor=monitor, logger=logger)
    RUNTIME_SETTINGS.rpc_manager.clear()
    RUNTIME_SETTINGS.outputs.clear()  # as pulumi.runtime.test does: no leftovers of a failed run
    root = get_root_resource()
    sync_await(run_pulumi_func(program))
    exports = _resolve_exports(root) if record else {}
    recorded = monitor.recorded if isinstance(monitor, RecordingMonitor) else []
    stack_urn = (monitor.stack_urn if isinstance(monitor, RecordingMonitor) else None) or (
        f"urn:pulumi:{stack}::{project}::{STACK_TYPE}::{project}-{stack}")
    logger.removeHandler(engine_log)
    return Recording(project=project, stack=stack, stack_urn=stack_urn,
                     resources=list(recorded), exports=exports, warnings=engine_log.messages)
