"""Provider-like mocks: what the clouds would answer, deterministically, with no account.

`ProviderMocks` is the one `pulumi.runtime.Mocks` the plan and the tests use. It dispatches each
registration and function call by its token's package (`aws:ec2/vpc:Vpc` -> `aws`) to that
provider's module: `aws`, `gcp`, `azure_native` (package `azure-native`), `kubernetes`,
`random` and `tls`. A provider module is imported only when a token of its package is first
seen, so an AWS plan never loads the GCP or Azure mocks.

Every answer is derived from the resource's name and inputs with a stable hash, so two runs of
the same program give the same plan. A resource type no module knows still works: its inputs
are echoed as outputs and its id is derived from its name. A function token no module knows
raises `UnknownFunctionError` naming the token: a silently empty answer would let a program
pass offline and fail in a real run.
"""

from __future__ import annotations

import importlib
from typing import Any

import pulumi

from forge_infra.plan.mocks.base import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_REGION,
    MockContext,
    ProviderPackageMocks,
    UnknownFunctionError,
    stable_hex,
)
from forge_infra.plan.mocks.random import random_password

#: Token package -> "module:class" of its mocks, under forge_infra.plan.mocks.
PROVIDER_MODULES: dict[str, str] = {
    "aws": "aws:AwsMocks",
    "gcp": "gcp:GcpMocks",
    "azure-native": "azure_native:AzureNativeMocks",
    "kubernetes": "kubernetes:KubernetesMocks",
    "random": "random:RandomMocks",
    "tls": "tls:TlsMocks",
}

__all__ = ["DEFAULT_ACCOUNT_ID", "DEFAULT_REGION", "PROVIDER_MODULES", "MockContext",
           "ProviderMocks", "ProviderPackageMocks", "UnknownFunctionError", "stable_hex"]


def package_of(token: str) -> str:
    """The provider package of a type or function token: `aws:ec2/vpc:Vpc` -> `aws`."""
    return token.split(":", 1)[0]


class ProviderMocks(pulumi.runtime.Mocks):
    """Deterministic stand-ins for every provider, dispatched by the token's package.

    `region` and `account_id` shape ARNs, ids and zones the way the stack's real provider
    configuration would.
    """

    def __init__(self, region: str = DEFAULT_REGION, account_id: str = DEFAULT_ACCOUNT_ID) -> None:
        self.region = region
        self.account_id = account_id
        self.context = MockContext(region=region, account_id=account_id)
        self._packages: dict[str, ProviderPackageMocks | None] = {}

    def provider(self, package: str) -> ProviderPackageMocks | None:
        """The mocks of one provider package (created on first use), or None if it has none."""
        if package not in self._packages:
            spec = PROVIDER_MODULES.get(package)
            mocks: ProviderPackageMocks | None = None
            if spec is not None:
                module_name, class_name = spec.split(":")
                module = importlib.import_module(f"{__name__}.{module_name}")
                mocks = getattr(module, class_name)(self.context)
            self._packages[package] = mocks
        return self._packages[package]

    # -- the pulumi.runtime.Mocks interface -------------------------------------------------

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        """Answer a resource registration with a provider-format id and computed outputs."""
        inputs = dict(args.inputs)
        if not args.custom:
            return None, inputs
        if args.typ.startswith("pulumi:providers:"):
            return stable_hex(args.typ, args.name, length=8), inputs
        mocks = self.provider(package_of(args.typ))
        if mocks is None:
            return f"{args.name}-id", inputs
        return mocks.new_resource(args.typ, args.name, inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:  # type: ignore[override]
        """Answer a provider function call; unknown tokens raise instead of returning `{}`."""
        mocks = self.provider(package_of(args.token))
        if mocks is None:
            raise UnknownFunctionError(
                f"the offline mocks do not know the provider function {args.token!r}: no mocks "
                f"for the package {package_of(args.token)!r} (forge_infra.plan.mocks)")
        return mocks.call(args.token, dict(args.args))

    # -- kept for callers of the single-class mocks -------------------------------------------

    def _random_password(self, name: str, inputs: dict[str, Any], _id: str) -> dict[str, Any]:
        """The value the mocks give a RandomPassword (tests compare it against every output)."""
        return random_password(name, inputs, _id)
