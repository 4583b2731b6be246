"""pulumi_random (token package `random`): generated values, stable per resource name.

The values are not random: the same name gives the same value in every run, so plans stay
diffable. The recorder masks them as secrets wherever the provider marks them secret.
"""

from __future__ import annotations

from typing import Any

from forge_infra.plan.mocks.base import MockContext, ProviderPackageMocks, stable_hex


def random_password(name: str, inputs: dict[str, Any], _id: str = "") -> dict[str, Any]:
    """The `result` of a RandomPassword or RandomString of `inputs["length"]` characters."""
    length = int(inputs.get("length") or 32)
    value = (stable_hex("password", name, length=64) * 4)[:length]
    return {"result": value}


def random_id(name: str, inputs: dict[str, Any], _id: str = "") -> dict[str, Any]:
    """A RandomId of `inputs["byteLength"]` bytes in its hex, decimal and base64 forms."""
    length = int(inputs.get("byteLength") or 8)
    value = stable_hex("random-id", name, length=length * 2)
    return {"hex": value, "dec": str(int(value, 16)), "b64Url": value, "b64Std": value}


class RandomMocks(ProviderPackageMocks):
    """Deterministic stand-ins for pulumi_random's resources."""

    package = "random"

    def __init__(self, context: MockContext) -> None:
        super().__init__(context)
        self.resources.update({
            "random:index/randomPassword:RandomPassword": random_password,
            "random:index/randomString:RandomString": random_password,
            "random:index/randomId:RandomId": random_id,
        })
