"""Image pinning on every platform: the reference parser, the real stacks, and one mutation per
failing case (ECS task definitions, Kubernetes workloads of the chart and declared directly,
Lambda images), on both paths."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from forge_infra.policy.registry import rule_by_id
from forge_infra.policy.rules.images import ImageReference, parse_image_reference
from tests.policy.harness import both, mutated, with_resource
from tests.policy.plans import PLATFORMS, STACKS, stack_plan, stack_values
from tests.policy.test_kubernetes import DEPLOYMENT, compliant_deployment, container

TAG = rule_by_id("any-image-pinned-tag")
DIGEST = rule_by_id("any-image-pinned-digest")
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
LAMBDA = "aws:lambda/function:Function"
SHA = "sha256:" + "ab" * 32
SERVICES = ("api", "gateway", "ui", "worker")


# -- the reference grammar --------------------------------------------------------------------


@pytest.mark.parametrize(("reference", "parsed"), [
    ("nginx", ImageReference("nginx", None, None)),
    ("ghcr.io/forge/api:0.1.0", ImageReference("ghcr.io/forge/api", "0.1.0", None)),
    # A registry port is not a tag.
    ("registry.example:5000/team/app", ImageReference("registry.example:5000/team/app", None,
                                                       None)),
    ("registry.example:5000/team/app:1.2", ImageReference("registry.example:5000/team/app",
                                                           "1.2", None)),
    (f"ghcr.io/forge/api@{SHA}", ImageReference("ghcr.io/forge/api", None, SHA)),
    (f"ghcr.io/forge/api:0.1.0@{SHA}", ImageReference("ghcr.io/forge/api", "0.1.0", SHA)),
    ("app@sha512:" + "0" * 128, ImageReference("app", None, "sha512:" + "0" * 128)),
])
def test_references_parse_by_the_distribution_grammar(reference: str,
                                                      parsed: ImageReference) -> None:
    assert parse_image_reference(reference) == parsed


@pytest.mark.parametrize(("reference", "error"), [
    ("", "the name is empty"),
    ("app@sha256:abc", "digest 'sha256:abc' is not algorithm:hex (at least 32 hex digits)"),
    ("app:-1", "tag '-1' is not 1..128 letters, digits, '_', '.' or '-'"),
    ("ghcr.io/Forge/api:1", "path component 'Forge' invalid: each is lower-case letters and "
                            "digits, separated by '.', '_', '__' or dashes, and none is empty "
                            "(e.g. ghcr.io/forge/api)"),
])
def test_malformed_references_say_why(reference: str, error: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_image_reference(reference)
    assert str(raised.value) == error


# -- the real stacks --------------------------------------------------------------------------


def _release_urn(stack: str) -> str:
    return next(r.urn for r in stack_plan(stack, "eks").resources
                if r.type == "kubernetes:helm.sh/v3:Release" and r.helm and r.helm.rendered)


def _task_definition_urn(stack: str, service: str) -> str:
    return next(r.urn for r in stack_plan(stack, "ecs").resources
                if r.type == TASK_DEFINITION and r.name == f"forge-{stack}-{service}-task-def")


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("stack", STACKS)
def test_the_real_stacks_pin_every_image_by_tag(stack: str, platform: str) -> None:
    assert both(TAG, stack_plan(stack, platform)) == []


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_the_real_stacks_pin_by_tag_not_digest_advisory(stack: str) -> None:
    """The advisory findings docs/SECURITY.md explains: release tags, not digests."""
    assert both(DIGEST, stack_plan(stack, "ecs")) == sorted(
        (_task_definition_urn(stack, s), f"container {s}: image ghcr.io/forge/{s}:0.1.0 is "
                                         "not pinned by digest (name@sha256:...)")
        for s in SERVICES)
    release = _release_urn(stack)
    # prod releases by canary: its gateway (the service behind the ALB) is an Argo Rollout.
    kinds = {s: "Rollout" if stack == "prod" and s == "gateway" else "Deployment"
             for s in SERVICES}
    assert both(DIGEST, stack_plan(stack, "eks")) == sorted(
        [(release, f"{kinds[s]} forge/forge-platform-{s}: container {s}: image "
                   f"ghcr.io/forge/{s}:0.1.0 is not pinned by digest (name@sha256:...)")
         for s in SERVICES]
        + [(release, "Job forge/forge-platform-api-migrate: container migrate: image "
                     "ghcr.io/forge/api:0.1.0 is not pinned by digest (name@sha256:...)")])


def test_dev_is_not_held_to_pinning() -> None:
    plan, _ = _with_gateway_tag("dev", "ecs", "latest")
    assert both(TAG, plan) == []
    assert both(DIGEST, plan) == []


# -- mutations: the stack config's image, through both platforms ------------------------------


def _with_gateway_tag(stack: str, platform: str, tag: str) -> tuple[Any, str]:
    services = copy.deepcopy(stack_values(stack)["forge-infra:services"])
    services["gateway"]["image"]["tag"] = tag
    return stack_plan(stack, platform, services=services), tag


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_latest_in_the_stack_config_fails_on_ecs_and_eks(stack: str) -> None:
    plan, _ = _with_gateway_tag(stack, "ecs", "latest")
    assert both(TAG, plan) == [(_task_definition_urn(stack, "gateway"),
                                "container gateway: image ghcr.io/forge/gateway:latest uses "
                                "the tag latest, which moves with every push")]
    plan, _ = _with_gateway_tag(stack, "eks", "latest")
    kind = "Rollout" if stack == "prod" else "Deployment"  # prod's canary: an Argo Rollout
    assert both(TAG, plan) == [(_release_urn(stack),
                                f"{kind} forge/forge-platform-gateway: container gateway: "
                                "image ghcr.io/forge/gateway:latest uses the tag latest, which "
                                "moves with every push")]


def test_a_digest_in_the_stack_config_passes_both_rules() -> None:
    plan, _ = _with_gateway_tag("prod", "ecs", SHA)
    assert [m for _, m in both(DIGEST, plan) if "gateway" in m] == []
    assert both(TAG, plan) == []


def _set_image(image: str) -> Any:
    def change(props: dict[str, Any]) -> None:
        definitions = json.loads(props["containerDefinitions"])
        definitions[0]["image"] = image
        props["containerDefinitions"] = json.dumps(definitions)
    return change


def test_an_untagged_ecs_image_fails() -> None:
    plan, urn = mutated(stack_plan("prod", "ecs"), TASK_DEFINITION,
                        _set_image("ghcr.io/forge/api"))
    assert both(TAG, plan) == [(urn, "container api: image ghcr.io/forge/api has no tag, so it "
                                     "pulls latest")]


def test_a_malformed_ecs_image_or_definition_fails() -> None:
    plan, urn = mutated(stack_plan("staging", "ecs"), TASK_DEFINITION,
                        _set_image("ghcr.io/forge/api:"))
    assert both(TAG, plan) == [(urn, "container api: image 'ghcr.io/forge/api:' is not an "
                                     "image reference (tag '' is not 1..128 letters, digits, "
                                     "'_', '.' or '-')")]
    plan, urn = mutated(stack_plan("staging", "ecs"), TASK_DEFINITION,
                        lambda p: p.update(containerDefinitions="[{"))
    assert both(TAG, plan) == [(urn, "containerDefinitions: is not JSON, so its images cannot "
                                     "be read")]
    plan, urn = mutated(stack_plan("staging", "ecs"), TASK_DEFINITION,
                        lambda p: p.update(containerDefinitions=json.dumps([{"name": "api"}])))
    assert both(TAG, plan) == [(urn, "container api: no image is set")]


def test_an_unknown_image_is_not_judged() -> None:
    plan, _ = mutated(stack_plan("prod", "ecs"), TASK_DEFINITION, _set_image("[unknown]"))
    assert both(TAG, plan) == []


# -- mutations: Kubernetes objects declared directly, Lambda images ---------------------------


def _deployment_with_image(image: str) -> tuple[Any, str]:
    props = compliant_deployment()
    container(props)["image"] = image
    return with_resource(stack_plan("prod", "eks"), DEPLOYMENT, "debug", props)


def test_a_declared_deployment_image_is_checked() -> None:
    plan, urn = _deployment_with_image("nginx")
    assert both(TAG, plan) == [(urn, "container app: image nginx has no tag, so it pulls "
                                     "latest")]
    plan, urn = _deployment_with_image(f"nginx@{SHA}")
    assert both(TAG, plan) == []
    assert [f for f in both(DIGEST, plan) if f[0] == urn] == []


def test_a_lambda_image_is_checked() -> None:
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/forge/fn"
    for uri, expected in (
            (f"{image}:latest", [f"imageUri: image {image}:latest uses the tag latest, which "
                                 "moves with every push"]),
            (image, [f"imageUri: image {image} has no tag, so it pulls latest"]),
            (f"{image}:1.4.0", []),
            (None, ["imageUri: no image is set"])):
        props = {"packageType": "Image", "imageUri": uri, "role": "arn:aws:iam::1:role/fn",
                 "tags": {"environment": "prod"}}
        plan, urn = with_resource(stack_plan("prod", "ecs"), LAMBDA, "image-fn", props)
        assert both(TAG, plan) == [(urn, m) for m in expected], uri
    # A zip-packaged function (the stacks' own) has no image.
    assert both(TAG, stack_plan("prod", "ecs")) == []
