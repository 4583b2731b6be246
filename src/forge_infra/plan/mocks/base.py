"""What every provider's offline mocks share: stable values, the error, the handler shape."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from typing import Any

DEFAULT_ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"

ResourceHandler = Callable[[str, dict[str, Any], str], dict[str, Any]]
"""(logical name, inputs, id) -> the outputs the provider computes beyond the echoed inputs."""

FunctionHandler = Callable[[dict[str, Any]], dict[str, Any]]
"""The function's arguments -> its result, with the wire's camelCase keys."""


class UnknownFunctionError(Exception):
    """A provider function the offline mocks cannot answer."""


def stable_hex(*parts: str, length: int = 17) -> str:
    """A deterministic lower-case hex string derived from `parts`."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return digest[:length]


@dataclasses.dataclass(frozen=True)
class MockContext:
    """Where the stack deploys, as its providers' configuration would say."""

    region: str = DEFAULT_REGION
    account_id: str = DEFAULT_ACCOUNT_ID


class ProviderPackageMocks:
    """The mocks of one provider package (the first part of its type tokens).

    Subclasses set `package` and fill `resources` and `functions`; `new_resource` echoes the
    inputs, adds the handler's computed outputs and assigns an id (`resource_id`).
    """

    package: str = ""

    def __init__(self, context: MockContext) -> None:
        self.context = context
        self.resources: dict[str, ResourceHandler] = {}
        self.functions: dict[str, FunctionHandler] = {}

    def resource_id(self, type_token: str, name: str, inputs: dict[str, Any]) -> str:
        """The provider-format id of a new resource; by default derived from its name."""
        return f"{name}-id"

    def new_resource(self, type_token: str, name: str,
                     inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """The id and outputs of a new custom resource of this package."""
        resource_id = self.resource_id(type_token, name, inputs)
        outputs = dict(inputs)
        handler = self.resources.get(type_token)
        if handler is not None:
            outputs.update(handler(name, inputs, resource_id))
        return resource_id, outputs

    def call(self, token: str, args: dict[str, Any]) -> dict[str, Any]:
        """Answer a function of this package; an unknown token raises `UnknownFunctionError`."""
        function = self.functions.get(token)
        if function is None:
            module = f"forge_infra.plan.mocks.{type(self).__module__.rsplit('.', 1)[-1]}"
            raise UnknownFunctionError(
                f"the offline mocks do not know the provider function {token!r}; "
                f"add it to {module}")
        return function(args)
