"""Run one rule on both paths over the same resources: offline (the plan engine) and through
the policy pack's pulumi-policy validations, built with pulumi-policy's own argument classes."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi_policy

import forge_components
from forge_infra.plan.helm import HELM_RELEASE
from forge_infra.plan.model import Plan, PlanResource
from forge_infra.policy.engine import plan_stack_view, run_rules
from forge_infra.policy.pack import resource_validation, stack_validation
from forge_infra.policy.rule import Context, Rule, stack_environment

COMPONENTS_ROOT = Path(forge_components.__file__).resolve().parents[1]

Violation = tuple[str | None, str]


def offline(rule: Rule, plan: Plan, environment: str | None = None) -> list[Violation]:
    """(urn, message) of each violation of `rule` found by the offline engine."""
    view = plan_stack_view(plan)
    context = Context(environment=environment or stack_environment(view.resources), stack=view)
    return sorted((f.urn, f.message) for f in run_rules([rule], view, context))


def _options(resource: PlanResource) -> pulumi_policy.PolicyResourceOptions:
    opts = resource.opts
    return pulumi_policy.PolicyResourceOptions(
        opts.protect, list(opts.ignore_changes), opts.delete_before_replace,
        list(opts.aliases), pulumi_policy.PolicyCustomTimeouts(
            opts.custom_timeouts.create_seconds, opts.custom_timeouts.update_seconds,
            opts.custom_timeouts.delete_seconds),
        list(opts.additional_secret_outputs), opts.parent)


def _engine_props(resource: PlanResource) -> dict[str, Any]:
    """The props as the engine would send them: a local chart by its absolute path."""
    props = copy.deepcopy(resource.props)
    if resource.type == HELM_RELEASE and isinstance(props.get("chart"), str):
        local = COMPONENTS_ROOT / props["chart"]
        if local.is_dir():
            props["chart"] = str(local)
    return props


def engine(rule: Rule, plan: Plan, environment: str | None = None) -> list[Violation]:
    """(urn, message) of each violation the policy pack reports through pulumi-policy."""
    reported: list[Violation] = []

    def report(message: str, urn: str | None = None) -> None:
        reported.append((urn, message))

    config = {"environment": environment} if environment else {}
    if rule.scope == "resource":
        validate = resource_validation(rule)
        for resource in plan.resources:
            args = pulumi_policy.ResourceValidationArgs(
                resource.type, _engine_props(resource), resource.urn, resource.name,
                _options(resource), None, config)
            validate(args, lambda message, urn=resource.urn: report(message, urn))
    else:
        views = {r.urn: pulumi_policy.PolicyResource(
            r.type, _engine_props(r), r.urn, r.name, _options(r), None, None, [], {})
            for r in plan.resources}
        for r in plan.resources:
            views[r.urn].dependencies = [views[d] for d in r.dependencies if d in views]
        stack_validation(rule)(pulumi_policy.StackValidationArgs(list(views.values()), config),
                               report)
    return sorted(reported)


def both(rule: Rule, plan: Plan, environment: str | None = None) -> list[Violation]:
    """The violations of `rule`, asserting both paths report exactly the same."""
    found = offline(rule, plan, environment)
    assert engine(rule, plan, environment) == found
    return found


def mutated(plan: Plan, resource_type: str, change: Callable[[dict[str, Any]], None],
            *, index: int = 0) -> tuple[Plan, str]:
    """A copy of `plan` with the `index`-th resource of `resource_type` changed in place by
    `change(props)`; returns the copy and that resource's URN."""
    copied = copy.deepcopy(plan)
    targets = [r for r in copied.resources if r.type == resource_type]
    assert len(targets) > index, f"no {resource_type} #{index} in the plan"
    change(targets[index].props)
    return copied, targets[index].urn


def with_resource(plan: Plan, resource_type: str, name: str, props: dict[str, Any]
                  ) -> tuple[Plan, str]:
    """A copy of `plan` with one more resource (e.g. a pulumi-kubernetes Deployment declared
    directly, which both paths check like a chart's); returns the copy and its URN."""
    copied = copy.deepcopy(plan)
    urn = f"urn:pulumi:{plan.stack}::{plan.project}::{resource_type}::{name}"
    copied.resources.append(PlanResource(
        urn=urn, type=resource_type, name=name, custom=True, component=None, parent=None,
        dependencies=[], property_dependencies={}, props=props,
        opts=copied.resources[0].opts.__class__(), outputs={}))
    return copied, urn
