"""Every private (or undocumented) SDK name forge-infra relies on, imported in this one module.

The offline plan drives the Pulumi SDK's mock monitor directly and renders Helm charts through
helm-python-sdk's native binding, and the real-run config reader needs the engine's list of
secret keys. None of these names is public API, so an SDK upgrade may remove or change one
without notice. Keeping them here means one place to read on an upgrade, and
`tests/plan/test_sdk_internals.py` fails naming every missing one.

Rules for the rest of the code base: import these names from here, never from the SDK's own
private modules; and add a row to `PRIVATE_NAMES` for every new one.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

from pulumi.runtime import mocks as _pulumi_mocks
from pulumi.runtime import settings as _settings

#: Each private name as "module:attribute[.attribute]"; helm-python-sdk's are resolved lazily
#: (it is loaded only when a plan holds a Helm release).
PRIVATE_NAMES: tuple[str, ...] = (
    "pulumi.runtime.sync_await:_sync_await",
    "pulumi.runtime.sync_await:_ensure_event_loop",
    "pulumi.runtime.rpc:_special_sig_key",
    "pulumi.runtime.rpc:_special_secret_sig",
    "pulumi.runtime.rpc:UNKNOWN",
    "pulumi.runtime.rpc:serialize_properties",
    "pulumi.runtime.rpc:deserialize_properties",
    "pulumi.runtime.rpc:wrap_rpc_secret",
    "pulumi.runtime.settings:ROOT",
    "pulumi.runtime.settings:SETTINGS",
    "pulumi.runtime.settings:get_root_resource",
    "pulumi.runtime.stack:run_pulumi_func",
    "pulumi.runtime.mocks:MockMonitor",
    "pulumi.runtime.mocks:MockMonitor.ResourceRegistration",
    "pulumi.runtime.mocks:MockMonitor.make_urn",
    "pulumi.runtime.config:_SECRET_KEYS",
    "helm_python._native:call_string",
    "helm_python.chart:Chart._raw",
)

#: Attributes a `MockMonitor` instance must carry (set in its constructor, so not on the class).
MOCK_MONITOR_INSTANCE_ATTRIBUTES: tuple[str, ...] = ("mocks", "resources")

#: Attributes of `pulumi.runtime.settings.SETTINGS` the plan resets before each run (and whose
#: lock it takes to read the pending outputs).
SETTINGS_ATTRIBUTES: tuple[str, ...] = ("rpc_manager", "outputs", "lock")

#: Attributes of `SETTINGS.rpc_manager` the plan's wait for the program's RPCs reads.
RPC_MANAGER_ATTRIBUTES: tuple[str, ...] = ("rpcs", "unhandled_exception",
                                           "exception_traceback")


class SdkInternalsError(ImportError):
    """An SDK upgrade removed a private name forge-infra relies on."""


def resolve(spec: str) -> Any:
    """The object named by `"module:attr[.attr]"`; `SdkInternalsError` naming it if absent."""
    module_name, _, path = spec.partition(":")
    try:
        value: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise SdkInternalsError(
            f"{spec}: module {module_name} cannot be imported ({exc}); "
            "forge_infra.sdk_internals needs it") from exc
    for part in path.split("."):
        if not hasattr(value, part):
            raise SdkInternalsError(
                f"{spec}: the installed SDK no longer provides {part!r}; update "
                "forge_infra.sdk_internals for this SDK version")
        value = getattr(value, part)
    return value


def missing_names() -> list[str]:
    """Every entry of the tables above that the installed SDKs do not provide, in order."""
    missing: list[str] = []
    for spec in PRIVATE_NAMES:
        try:
            resolve(spec)
        except SdkInternalsError:
            missing.append(spec)
    monitor = _pulumi_mocks.MockMonitor(_NoMocks())
    missing += [f"pulumi.runtime.mocks:MockMonitor().{name}"
                for name in MOCK_MONITOR_INSTANCE_ATTRIBUTES if not hasattr(monitor, name)]
    missing += [f"pulumi.runtime.settings:SETTINGS.{name}"
                for name in SETTINGS_ATTRIBUTES if not hasattr(_settings.SETTINGS, name)]
    manager = getattr(_settings.SETTINGS, "rpc_manager", None)
    missing += [f"pulumi.runtime.settings:SETTINGS.rpc_manager.{name}"
                for name in RPC_MANAGER_ATTRIBUTES if not hasattr(manager, name)]
    return missing


class _NoMocks(_pulumi_mocks.Mocks):
    """Mocks that answer nothing: only to build a monitor whose attributes are checked."""

    def new_resource(self, args: _pulumi_mocks.MockResourceArgs) -> tuple[str | None, dict]:
        """Unused."""
        return None, {}

    def call(self, args: _pulumi_mocks.MockCallArgs) -> tuple[dict, list[tuple[str, str]] | None]:
        """Unused."""
        return {}, None


# -- the Pulumi SDK ---------------------------------------------------------------------------

sync_await = resolve("pulumi.runtime.sync_await:_sync_await")
"""Run a coroutine to completion on the SDK's own event loop (`_sync_await`)."""
ensure_event_loop = resolve("pulumi.runtime.sync_await:_ensure_event_loop")
"""Make sure the current thread has the event loop the SDK expects."""
SPECIAL_SIG_KEY: str = resolve("pulumi.runtime.rpc:_special_sig_key")
"""The key that marks a wire value as special (secret, asset, resource reference, ...)."""
SPECIAL_SECRET_SIG: str = resolve("pulumi.runtime.rpc:_special_secret_sig")
"""The signature value of a secret-wrapped wire value."""
UNKNOWN: str = resolve("pulumi.runtime.rpc:UNKNOWN")
"""The sentinel the SDK sends for a value not known at plan time."""
serialize_properties = resolve("pulumi.runtime.rpc:serialize_properties")
"""Serialize Python values into the wire's protobuf Struct (async)."""
deserialize_properties = resolve("pulumi.runtime.rpc:deserialize_properties")
"""Deserialize a protobuf Struct into Python values (secrets stay wrapped)."""
wrap_rpc_secret = resolve("pulumi.runtime.rpc:wrap_rpc_secret")
"""Wrap a wire value as a secret."""
ROOT_RESOURCE: ContextVar[Any] = resolve("pulumi.runtime.settings:ROOT")
"""The context variable holding the stack's root resource."""
RUNTIME_SETTINGS: Any = resolve("pulumi.runtime.settings:SETTINGS")
"""The SDK's process-wide settings (monitor, RPC manager, pending outputs)."""
get_root_resource = resolve("pulumi.runtime.settings:get_root_resource")
"""The stack's root resource of the current run."""
run_pulumi_func = resolve("pulumi.runtime.stack:run_pulumi_func")
"""Run a program function the way `pulumi up` runs `__main__` (async)."""
resolve("pulumi.runtime.mocks:MockMonitor")
MockMonitor = _pulumi_mocks.MockMonitor
"""The SDK's in-process resource monitor that answers through `pulumi.runtime.Mocks`."""
MockResourceRegistration: Any = resolve("pulumi.runtime.mocks:MockMonitor.ResourceRegistration")
"""The record `MockMonitor` keeps per URN (for `Invoke` of resource reads)."""
CONFIG_SECRET_KEYS: ContextVar[set[str]] = resolve("pulumi.runtime.config:_SECRET_KEYS")
"""The config keys the engine passed as secret to an in-process run (`_SECRET_KEYS`)."""


def describe_rpc(rpc: Any) -> str:
    """A pending RPC of `SETTINGS.rpc_manager.rpcs` as `"<type> '<name>'"`, for error messages.

    Each RPC is a task running the SDK's `register_resource.<locals>.do_register` (or the
    read/get/outputs counterpart), whose closure holds the resource's `ty` and `name`; read from
    the live coroutine frame. Best effort: when an SDK upgrade renames them, the coroutine's
    qualified name is given instead (`tests/plan/test_program_failures.py` checks the names).
    """
    get_coro = getattr(rpc, "get_coro", None)
    coro = get_coro() if get_coro is not None else rpc
    frame = getattr(coro, "cr_frame", None)
    local_names = frame.f_locals if frame is not None else {}
    type_token, name = local_names.get("ty"), local_names.get("name")
    if isinstance(type_token, str) and isinstance(name, str):
        return f"{type_token} {name!r}"
    return str(getattr(coro, "__qualname__", None) or repr(rpc))


# -- helm-python-sdk --------------------------------------------------------------------------


def helm_render(chart: Any, values: Mapping[str, Any] | None,
                options: Mapping[str, Any]) -> dict[str, str]:
    """Render `chart` (a loaded `helm_python.Chart`) with `values`: template path -> text.

    `options` are the Helm SDK's render options (`name`, `namespace`, `kube_version`, `strict`,
    `is_install`, ...), the same as `helm template`'s flags. `Chart.render()` accepts neither a
    Kubernetes version nor strict mode, so this makes the call it makes, through the binding's
    `_native.call_string("helm_render", ...)`, with the options passed through.
    """
    call_string = resolve("helm_python._native:call_string")
    raw = resolve("helm_python.chart:Chart._raw")(chart)
    rendered: dict[str, str] = json.loads(call_string(
        "helm_render", raw, None if values is None else json.dumps(values),
        json.dumps(dict(options))))
    return rendered
