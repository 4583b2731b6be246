"""The plan's resources through pulumi-policy's interface, so one rule serves both paths.

A policy pack's rules receive `PolicyResource`s (stack validation) or `ResourceValidationArgs`
(resource validation) from the Pulumi engine. These classes carry the same attribute names and
meanings as pulumi-policy 1.x's (`pulumi_policy.policy`), built from a plan: a rule written
against that interface runs on the offline plan unchanged, without pulumi-policy installed.

What differs from a real `pulumi preview`, by design:

- `props` are the inputs as sent to the provider, as `ResourceValidationArgs.props` are. In a
  preview the engine gives a stack validation the same values for a resource to be created.
  The offline run's outputs stay in `PlanResource.outputs`.
- `provider` is None for a resource on its default provider (the engine would name the
  default provider instance, which only exists in a real run).
- Values not known at plan time are the string `"[unknown]"`, secrets `"[secret]"`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from forge_infra.plan.model import Plan, PlanResource


@dataclasses.dataclass
class PolicyCustomTimeouts:
    """As `pulumi_policy.PolicyCustomTimeouts`: seconds, 0 when not set."""

    create_seconds: float
    update_seconds: float
    delete_seconds: float


@dataclasses.dataclass
class PolicyResourceOptions:
    """As `pulumi_policy.PolicyResourceOptions`."""

    protect: bool
    ignore_changes: list[str]
    delete_before_replace: bool | None
    aliases: list[str]
    custom_timeouts: PolicyCustomTimeouts
    additional_secret_outputs: list[str]
    parent: str | None = None


@dataclasses.dataclass
class PolicyProviderResource:
    """As `pulumi_policy.PolicyProviderResource`: the explicit provider instance."""

    resource_type: str
    props: Mapping[str, Any]
    urn: str
    name: str


@dataclasses.dataclass(eq=False)
class PolicyResource:
    """As `pulumi_policy.PolicyResource`: parent and dependencies are the resources
    themselves (those in the plan), not URNs."""

    resource_type: str
    props: Mapping[str, Any]
    urn: str
    name: str
    opts: PolicyResourceOptions
    provider: PolicyProviderResource | None
    parent: PolicyResource | None
    dependencies: list[PolicyResource]
    property_dependencies: dict[str, list[PolicyResource]]


@dataclasses.dataclass(eq=False)
class ResourceValidationArgs:
    """As `pulumi_policy.ResourceValidationArgs` (one resource, for resource rules)."""

    resource_type: str
    props: Mapping[str, Any]
    urn: str
    name: str
    opts: PolicyResourceOptions
    provider: PolicyProviderResource | None
    stack_tags: Mapping[str, str] = dataclasses.field(default_factory=dict)
    config: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def get_config(self) -> Mapping[str, Any]:
        """The policy's configuration, as pulumi-policy's `get_config()`."""
        return self.config


@dataclasses.dataclass(eq=False)
class StackValidationArgs:
    """As `pulumi_policy.StackValidationArgs` (every resource, for stack rules)."""

    resources: list[PolicyResource]
    stack_tags: Mapping[str, str] = dataclasses.field(default_factory=dict)
    config: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def get_config(self) -> Mapping[str, Any]:
        """The policy's configuration, as pulumi-policy's `get_config()`."""
        return self.config


ReportViolation = Callable[..., None]
"""`report_violation(message, urn=None)`, as pulumi-policy passes it to a rule."""


def _options(resource: PlanResource) -> PolicyResourceOptions:
    opts = resource.opts
    return PolicyResourceOptions(
        protect=opts.protect, ignore_changes=list(opts.ignore_changes),
        delete_before_replace=opts.delete_before_replace, aliases=list(opts.aliases),
        custom_timeouts=PolicyCustomTimeouts(
            opts.custom_timeouts.create_seconds, opts.custom_timeouts.update_seconds,
            opts.custom_timeouts.delete_seconds),
        additional_secret_outputs=list(opts.additional_secret_outputs), parent=resource.parent)


def _provider(resource: PlanResource,
              by_urn: Mapping[str, PlanResource]) -> PolicyProviderResource | None:
    provider = by_urn.get(resource.provider or "")
    if provider is None:
        return None
    return PolicyProviderResource(provider.type, provider.props, provider.urn, provider.name)


def policy_resources(plan: Plan) -> list[PolicyResource]:
    """Every resource of the plan as a `PolicyResource`, linked as the policy SDK links them
    (a dependency outside the plan, such as the stack itself, is left out), in plan order."""
    by_urn = plan.by_urn()
    views = {r.urn: PolicyResource(r.type, r.props, r.urn, r.name, _options(r),
                                   _provider(r, by_urn), None, [], {})
             for r in plan.resources}
    for resource in plan.resources:
        view = views[resource.urn]
        view.parent = views.get(resource.parent or "")
        view.dependencies = [views[d] for d in resource.dependencies if d in views]
        view.property_dependencies = {
            key: [views[d] for d in urns if d in views]
            for key, urns in resource.property_dependencies.items()}
    return [views[r.urn] for r in plan.resources]


def resource_validation_args(plan: Plan, *, config: Mapping[str, Any] | None = None,
                             stack_tags: Mapping[str, str] | None = None,
                             ) -> list[ResourceValidationArgs]:
    """One `ResourceValidationArgs` per resource of the plan, in plan order."""
    by_urn = plan.by_urn()
    return [ResourceValidationArgs(r.type, r.props, r.urn, r.name, _options(r),
                                   _provider(r, by_urn), dict(stack_tags or {}),
                                   dict(config or {}))
            for r in plan.resources]


def stack_validation_args(plan: Plan, *, config: Mapping[str, Any] | None = None,
                          stack_tags: Mapping[str, str] | None = None) -> StackValidationArgs:
    """The `StackValidationArgs` a stack rule would receive for this plan."""
    return StackValidationArgs(policy_resources(plan), dict(stack_tags or {}),
                               dict(config or {}))
