"""A stand-in for the Pulumi engine, offline: the gRPC services a component provider calls back.

The engine starts a provider plugin with the engine's address as its argument and reads the
port the plugin prints; a Construct request names the resource monitor's address, which the
provider registers the component's children with. Here both services run in the test process
on one gRPC server:

* `ResourceMonitor`, answered by forge-infra's offline `RecordingMonitor` (Pulumi's
  `MockMonitor` with the plan's `ProviderMocks`), so children get the same mock ids and outputs
  as in-process runs, and every registration is recorded;
* `Engine`: the root resource and the provider's log messages.

What this does not prove: how the real engine schedules, diffs or persists what the provider
registers; only what the provider asks for.
"""

import asyncio
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import (
    engine_pb2,
    engine_pb2_grpc,
    provider_pb2_grpc,
    resource_pb2,
    resource_pb2_grpc,
)

from forge_infra.plan.mocks import ProviderMocks
from forge_infra.plan.recorder import STACK_TYPE, RecordingMonitor

PROJECT = "forge-provider-test"
STACK = "test"
STACK_URN = f"urn:pulumi:{STACK}::{PROJECT}::{STACK_TYPE}::{PROJECT}-{STACK}"


class ServedMonitor(RecordingMonitor):
    """The recording monitor with its own project and stack (not the test process's
    `pulumi.runtime.settings`), since the program it serves runs in another process."""

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """The URN the engine would give, from the parent's URN and the type and name."""
        if parent:
            parent_type = parent.split("::")[2].split("$")[-1]
            type_ = f"{parent_type}${type_}"
        return f"urn:pulumi:{self.stack_name}::{self.project_name}::{type_}::{name}"


class MonitorServicer(resource_pb2_grpc.ResourceMonitorServicer):
    """The ResourceMonitor gRPC service over the current `ServedMonitor`, one call at a time."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.monitor = ServedMonitor(ProviderMocks(), project=PROJECT, stack=STACK)
        self.errors: list[str] = []

    def reset(self, region: str) -> ServedMonitor:
        """A fresh monitor (no registrations) whose mocks answer for `region`."""
        with self.lock:
            self.monitor = ServedMonitor(ProviderMocks(region=region), project=PROJECT,
                                         stack=STACK)
            self.errors = []
            return self.monitor

    def _call(self, method: Callable[[Any], Any], request: Any, context: Any) -> Any:
        """One monitor call, under the lock, with an event loop of its own (the mock monitor
        deserializes with asyncio) that is closed afterwards."""
        with self.lock:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            try:
                return method(request)
            except Exception as error:  # the test reports it, the provider sees a failed RPC
                self.errors.append(f"{method.__name__}: {error!r}")
                context.abort(grpc.StatusCode.INTERNAL, str(error))
            finally:
                asyncio.set_event_loop(None)
                loop.close()

    def SupportsFeature(self, request: Any, context: Any) -> Any:
        """Whether the monitor supports a feature, as Pulumi's mock monitor says."""
        answer = self._call(self.monitor.SupportsFeature, request, context)
        return resource_pb2.SupportsFeatureResponse(hasSupport=answer.hasSupport)

    def GetDeploymentInfo(self, request: Any, context: Any) -> Any:
        """The features of the mock monitor."""
        return self._call(self.monitor.GetDeploymentInfo, request, context)

    def RegisterResource(self, request: Any, context: Any) -> Any:
        """Register (and record) a resource through the mocks."""
        return self._call(self.monitor.RegisterResource, request, context)

    def RegisterResourceOutputs(self, request: Any, context: Any) -> Any:
        """Accept a component's outputs."""
        return self._call(self.monitor.RegisterResourceOutputs, request, context)

    def Invoke(self, request: Any, context: Any) -> Any:
        """Answer a provider function through the mocks (an unknown one fails)."""
        return self._call(self.monitor.Invoke, request, context)

    def ReadResource(self, request: Any, context: Any) -> Any:
        """Read an existing resource through the mocks."""
        return self._call(self.monitor.ReadResource, request, context)

    def RegisterPackage(self, request: Any, context: Any) -> Any:
        """A package reference, as the mock monitor gives."""
        return self._call(self.monitor.RegisterPackage, request, context)

    def RegisterStackTransform(self, request: Any, context: Any) -> Any:
        """Accept a stack transform (the mocks do not run it)."""
        return empty_pb2.Empty()

    def SignalAndWaitForShutdown(self, request: Any, context: Any) -> Any:
        """Nothing to wait for."""
        return empty_pb2.Empty()


class EngineServicer(engine_pb2_grpc.EngineServicer):
    """The Engine gRPC service: the stack as root resource, and the log."""

    def __init__(self) -> None:
        self.messages: list[tuple[int, str]] = []

    def Log(self, request: Any, context: Any) -> Any:
        """Keep a log message with its severity."""
        self.messages.append((request.severity, request.message))
        return empty_pb2.Empty()

    def GetRootResource(self, request: Any, context: Any) -> Any:
        """The stack's URN."""
        return engine_pb2.GetRootResourceResponse(urn=STACK_URN)

    def SetRootResource(self, request: Any, context: Any) -> Any:
        """Accept (and ignore) the root resource."""
        return engine_pb2.SetRootResourceResponse()

    def warnings(self) -> list[str]:
        """The messages logged as warnings or errors."""
        return [message for severity, message in self.messages
                if severity in (engine_pb2.WARNING, engine_pb2.ERROR)]


class FakeEngine:
    """The engine and resource monitor services on one local gRPC server."""

    def __init__(self) -> None:
        self.monitor = MonitorServicer()
        self.engine = EngineServicer()
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        resource_pb2_grpc.add_ResourceMonitorServicer_to_server(self.monitor, self.server)
        engine_pb2_grpc.add_EngineServicer_to_server(self.engine, self.server)
        port = self.server.add_insecure_port("127.0.0.1:0")
        self.address = f"127.0.0.1:{port}"
        self.server.start()

    def stop(self) -> None:
        """Stop serving."""
        self.server.stop(grace=None)


class Plugin:
    """A provider plugin started as the engine starts it: `python <plugin folder> <engine>`,
    its gRPC port read from the first line it prints."""

    def __init__(self, folder: Path, engine_address: str, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(folder), engine_address], stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, env=env)
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        if not line.isdigit():
            self.process.kill()
            _, stderr = self.process.communicate()
            raise AssertionError(f"{folder.name} printed {line!r}, not a port:\n{stderr}")
        self.channel = grpc.insecure_channel(f"127.0.0.1:{line}")
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)

    def stop(self) -> str:
        """Stop the plugin; what it wrote to stderr."""
        self.channel.close()
        self.process.terminate()
        try:
            _, stderr = self.process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, stderr = self.process.communicate()
        return stderr
