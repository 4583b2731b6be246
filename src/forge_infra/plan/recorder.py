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

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable
from inspect import isawaitable
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
    describe_rpc,
    deserialize_properties,
    ensure_event_loop,
    get_root_resource,
    run_pulumi_func,
    serialize_properties,
    sync_await,
    wrap_rpc_secret,
)

STALL_SECONDS = 120.0
"""How long the run may make no progress at all (no RPC started or finished, no output
resolved) before it is declared stuck. The slowest stack plans whole in 5-20 s on a 2-core
machine, and a single step (one registration, one `apply`) takes well under a second, so only a
run that can never finish reaches this."""
_POLL_SECONDS = 0.1
"""How often the wait for the program's RPCs checks for a failure or a stall."""
_ABANDON_ROUNDS = 5
"""How many times a failed run's leftover tasks are cancelled (a cancelled task may wake others)."""
_MAX_NAMED = 10
"""How many pending registrations a stall message names."""

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


class ProgramStalled(Exception):
    """The program's RPCs stopped making progress: something waits on a value never resolved."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"the program did not finish: {detail}")
        self.detail = detail


class _TrackedRpcs(list[Any]):
    """`RPCManager.rpcs` that also keeps every RPC ever started, in order.

    The SDK's `wait_for_rpcs` pops each RPC off the list before awaiting it, so the list alone
    does not say which RPC a stuck wait is waiting on.
    """

    def __init__(self) -> None:
        super().__init__()
        self.started: list[asyncio.Future[Any]] = []

    def append(self, rpc: Any) -> None:
        """Start tracking `rpc` too."""
        self.started.append(rpc)
        super().append(rpc)

    def pending(self) -> list[asyncio.Future[Any]]:
        """The RPCs started and not finished, in start order."""
        return [rpc for rpc in self.started if not rpc.done()]


def _pending_outputs() -> list[asyncio.Future[Any]]:
    """The SDK's tracked outputs (`SETTINGS.outputs`) not resolved yet."""
    with RUNTIME_SETTINGS.lock:
        return [f for f in RUNTIME_SETTINGS.outputs if not f.done()]


def _failed_output() -> BaseException | None:
    """The error of a tracked output whose computation (an `apply` callback) failed, if any."""
    with RUNTIME_SETTINGS.lock:
        futures = list(RUNTIME_SETTINGS.outputs)
    for future in futures:
        if future.done() and not future.cancelled() and future.exception() is not None:
            return future.exception()
    return None


_ABANDONED = "_forge_infra_abandoned_run"
"""Set on the error that ended a run: its other futures' copies are not worth reporting."""


class _QuietAbandoned:
    """An event loop exception handler that drops asyncio's "exception was never retrieved"
    for the error of a run that was abandoned (the error was raised once, to the caller; the
    run's other futures holding it are dropped unread), and passes everything else on."""

    def __init__(self, previous: Any) -> None:
        self.previous = previous

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        """Drop the abandoned run's unread copies of its error; report anything else."""
        error = context.get("exception")
        if getattr(error, _ABANDONED, False) and "never retrieved" in context.get("message", ""):
            return
        if self.previous is not None:
            self.previous(loop, context)
        else:
            loop.default_exception_handler(context)


async def _abandon(run: _Run, *also: asyncio.Future[Any],
                   error: BaseException | None = None) -> None:
    """Cancel whatever the failed run left waiting (registrations, outputs), let the
    cancellations run, and forget it all, so nothing is left on the event loop.

    Every task on the loop that did not exist before the run is the run's: a registration's
    RPC task starts only when the loop first runs it, so one the program created just before
    failing is not in `rpc_manager.rpcs` yet (cancelled before it starts, it never starts).
    """
    if error is not None:
        setattr(error, _ABANDONED, True)
        loop = asyncio.get_running_loop()
        if not isinstance(loop.get_exception_handler(), _QuietAbandoned):
            loop.set_exception_handler(_QuietAbandoned(loop.get_exception_handler()))
    current = asyncio.current_task()
    for _ in range(_ABANDON_ROUNDS):
        pending = [*(t for t in asyncio.all_tasks() if t is not current and t not in run.before),
                   *_pending_outputs(),
                   *(f for f in also if not f.done())]
        if not pending:
            break
        for future in pending:
            future.cancel()
        await asyncio.wait(pending, timeout=1.0)
    for future in list(RUNTIME_SETTINGS.outputs):
        if future.done() and not future.cancelled():
            future.exception()  # the run's error is raised once, by the caller
    RUNTIME_SETTINGS.rpc_manager.clear()
    RUNTIME_SETTINGS.outputs.clear()


def _nothing() -> None:
    """The empty program: `run_pulumi_func(_nothing)` only waits for the RPCs and shuts down."""


async def _settle(run: _Run) -> None:
    """Wait, as `pulumi up` does (`run_pulumi_func`), until every RPC and output has settled.

    Unlike the SDK's wait, this one ends as soon as an RPC has failed (the SDK reports that
    only once every other RPC has finished, and one may wait forever on a value only the
    failed part would have provided), and raises `ProgramStalled` when nothing has progressed
    for `run.stall_seconds`.
    """
    rpcs, stall_seconds = run.rpcs, run.stall_seconds
    settle = asyncio.ensure_future(run_pulumi_func(_nothing))
    progress: tuple[int, int, int] | None = None
    idle_since = time.monotonic()
    while True:
        done, _ = await asyncio.wait({settle}, timeout=_POLL_SECONDS)
        if done:
            settle.result()
            return
        manager = RUNTIME_SETTINGS.rpc_manager
        if manager.unhandled_exception is not None:
            error = manager.unhandled_exception.with_traceback(manager.exception_traceback)
            await _abandon(run, settle, error=error)
            raise error
        pending = rpcs.pending()
        now = time.monotonic()
        current = (len(rpcs.started), len(pending), len(RUNTIME_SETTINGS.outputs))
        if current != progress:
            progress, idle_since = current, now
            continue
        if now - idle_since < stall_seconds:
            continue
        failed = _failed_output()
        names = [describe_rpc(rpc) for rpc in pending]
        outputs = len(_pending_outputs())
        await _abandon(run, settle, error=failed)
        if failed is not None:  # an apply failed and what waits on it never started
            raise failed
        shown = ", ".join(names[:_MAX_NAMED]) + (
            f" and {len(names) - _MAX_NAMED} more" if len(names) > _MAX_NAMED else "")
        raise ProgramStalled(
            f"{len(names)} registration{'' if len(names) == 1 else 's'} pending"
            f"{f' ({shown})' if shown else ''} and {outputs} output"
            f"{'' if outputs == 1 else 's'} unresolved, with no progress for "
            f"{stall_seconds:g} s (an output nothing resolves, e.g. a "
            "pulumi.deferred_output(); a forge-infra defect; run with --debug)")


@dataclasses.dataclass
class _Run:
    """One run's bookkeeping: its RPCs, its stall bound, the tasks that are not its own."""

    rpcs: _TrackedRpcs
    stall_seconds: float
    before: set[asyncio.Task[Any]] = dataclasses.field(default_factory=set)


async def _run_program(program: Callable[[], Any], run: _Run) -> None:
    """Run `program`, then wait for its RPCs; on its error, report that error at once.

    The SDK's `run_pulumi_func` (pulumi/runtime/stack.py) catches the program's exception and
    first awaits every outstanding RPC (`wait_for_rpcs`) before re-raising it. A registration
    whose input is an output the failed program would have resolved later (a
    `pulumi.deferred_output()`, resolved in the target's `runtime()`) never completes, so that
    wait, and the plan, never ends. The recording of a failed run is discarded, so here the
    pending work is cancelled and the program's error raised straight away.
    """
    try:
        result = program()
        if isawaitable(result):
            await result
    except Exception as error:
        await _abandon(run, error=error)
        raise
    await _settle(run)


def run_under_mocks(
    program: Callable[[], Any],
    *,
    project: str,
    stack: str,
    mocks: pulumi.runtime.Mocks,
    record: bool = True,
    stall_seconds: float | None = None,
) -> Recording:
    """Run `program` in-process under `mocks` until every registration has completed.

    Exceptions raised by the program, by an `apply` callback or by the mocks propagate to the
    caller, as soon as they happen (not after every other registration has finished, which may
    be never). `ProgramStalled` is raised when the run makes no progress for `stall_seconds`
    (default `STALL_SECONDS`).
    With `record=False` the stock monitor is used (for benchmarks of a bare run).
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
    rpcs = _TrackedRpcs()
    RUNTIME_SETTINGS.rpc_manager.rpcs = rpcs
    # Any task already on the loop is not this run's (the root stack's registration is).
    before = asyncio.all_tasks(ensure_event_loop())
    root = get_root_resource()
    try:
        sync_await(_run_program(program, _Run(
            rpcs, STALL_SECONDS if stall_seconds is None else stall_seconds, before)))
        exports = _resolve_exports(root) if record else {}
    finally:
        logger.removeHandler(engine_log)
    recorded = monitor.recorded if isinstance(monitor, RecordingMonitor) else []
    stack_urn = (monitor.stack_urn if isinstance(monitor, RecordingMonitor) else None) or (
        f"urn:pulumi:{stack}::{project}::{STACK_TYPE}::{project}-{stack}")
    return Recording(project=project, stack=stack, stack_urn=stack_urn,
                     resources=list(recorded), exports=exports, warnings=engine_log.messages)
