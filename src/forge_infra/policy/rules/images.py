"""Image pinning, for every platform: ECS task definitions, Kubernetes workloads (the objects a
chart renders and pulumi-kubernetes resources), Lambda functions packaged as images, Cloud Run
services, worker pools and jobs.

An image reference is read with the OCI distribution reference grammar
(https://github.com/distribution/reference/blob/main/reference.go, the grammar in its doc
comment): `name [":" tag] ["@" digest]`, where the name may start with a registry host that
carries a port (`registry.example:5000/team/app`), so a tag is the part after the last `:` of
the last path component. The name and tag use the same pieces the stack config validates
images with (`forge_infra.model.config`). A reference without a tag or digest pulls `latest`
(https://kubernetes.io/docs/concepts/containers/images/#image-names), and a tag can be moved to
another image, while a digest cannot.

Both rules are stack rules so that the pack, which renders local charts only inside its stack
validation, checks a chart's containers too.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from typing import Any

from forge_infra.model.config import OCI_TAG, image_repository_problem
from forge_infra.policy.rule import Context, Rule, extend_checks, known
from forge_infra.policy.rules.kubernetes import POD_SPEC_PATHS, named_containers
from forge_infra.policy.rules.secrets import CLOUD_RUN_CONTAINERS, cloud_run_containers

ECS_TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
LAMBDA_FUNCTION = "aws:lambda/function:Function"

#: `digest := digest-algorithm ":" digest-hex` of the distribution reference grammar
#: (`digest-algorithm-component` `[A-Za-z][A-Za-z0-9]*` joined by `[+.-_]`; `digest-hex`
#: `[0-9a-fA-F]{32,}`, at least a 128-bit value).
OCI_REFERENCE_DIGEST = re.compile(
    r"^[A-Za-z][A-Za-z0-9]*(?:[-+._][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$")

#: The tag that names whatever was pushed last.
LATEST = "latest"


@dataclasses.dataclass(frozen=True)
class ImageReference:
    """An image reference split into its name, tag and digest."""

    name: str
    tag: str | None
    digest: str | None


def parse_image_reference(reference: str) -> ImageReference:
    """`name[:tag][@digest]` -> its parts; ValueError naming what is wrong when `reference`
    does not follow the OCI distribution reference grammar."""
    name, at, digest = reference.partition("@")
    if at and not OCI_REFERENCE_DIGEST.fullmatch(digest):
        raise ValueError(f"digest {digest!r} is not algorithm:hex (at least 32 hex digits)")
    tag: str | None = None
    head, slash, last = name.rpartition("/")
    if ":" in last:
        last, _, tag = last.partition(":")
        if not OCI_TAG.fullmatch(tag):
            raise ValueError(f"tag {tag!r} is not 1..128 letters, digits, '_', '.' or '-'")
        name = f"{head}{slash}{last}"
    problem = image_repository_problem(name) if name else "the name is empty"
    if problem:
        raise ValueError(problem)
    return ImageReference(name=name, tag=tag, digest=digest if at else None)


#: A task definition whose containerDefinitions do not parse as JSON.
NOT_JSON = object()


def _images(resource: Any) -> Iterator[tuple[str, Any]]:
    """(how a message names the container, its image) for each container of a resource."""
    if resource.resource_type == ECS_TASK_DEFINITION:
        definitions = resource.props.get("containerDefinitions")
        if not known(definitions) or definitions is None:
            return
        if isinstance(definitions, str):
            try:
                definitions = json.loads(definitions)
            except ValueError:
                yield "containerDefinitions", NOT_JSON
                return
        for definition in definitions if isinstance(definitions, list) else []:
            if isinstance(definition, dict):
                yield f"container {definition.get('name', '?')}", definition.get("image")
    elif resource.resource_type in CLOUD_RUN_CONTAINERS:
        for container in cloud_run_containers(resource):
            yield f"container {container.get('name', '?')}", container.get("image")
    elif resource.resource_type == LAMBDA_FUNCTION:
        if resource.props.get("packageType") == "Image" or resource.props.get("imageUri"):
            yield "imageUri", resource.props.get("imageUri")
    else:
        for label, container in named_containers(resource):
            yield label, container.get("image")


def _references(resource: Any) -> Iterator[tuple[str, str, ImageReference | str]]:
    """(label, image, its parsed reference or why it is none) of each image known at plan
    time."""
    for label, image in _images(resource):
        if image is NOT_JSON:
            yield label, "", "is not JSON, so its images cannot be read"
        elif not known(image):
            continue
        elif not isinstance(image, str) or not image:
            yield label, "", "no image is set"
        else:
            try:
                yield label, image, parse_image_reference(image)
            except ValueError as error:
                yield label, image, f"image {image!r} is not an image reference ({error})"


def _pinned_tag(resource: Any, context: Context) -> Iterator[str]:
    for label, image, reference in _references(resource):
        if isinstance(reference, str):
            yield f"{label}: {reference}"
        elif reference.digest is not None:
            continue
        elif reference.tag is None:
            yield f"{label}: image {image} has no tag, so it pulls {LATEST}"
        elif reference.tag == LATEST:
            yield f"{label}: image {image} uses the tag {LATEST}, which moves with every push"


def _pinned_digest(resource: Any, context: Context) -> Iterator[str]:
    for label, image, reference in _references(resource):
        if isinstance(reference, ImageReference) and reference.digest is None:
            yield f"{label}: image {image} is not pinned by digest (name@sha256:...)"


CHECKED_TYPES = (ECS_TASK_DEFINITION, LAMBDA_FUNCTION, *POD_SPEC_PATHS, *CLOUD_RUN_CONTAINERS)

RULES: tuple[Rule, ...] = (
    Rule(
        id="any-image-pinned-tag",
        severity="mandatory",
        category="operability",
        rationale="An image without a tag or tagged latest changes under a running service, "
                  "so a restart deploys unreviewed code and a rollback has nothing to go to.",
        remediation="Set services.<name>.image.tag to a release tag (0.1.0) or a digest "
                    "(sha256:...) in the stack config.",
        checks=dict.fromkeys(CHECKED_TYPES, _pinned_tag),
        scope="stack",
        environments=("staging", "prod"),
    ),
    Rule(
        id="any-image-pinned-digest",
        severity="advisory",
        category="operability",
        rationale="A tag can be pushed again with other content; only a digest names exactly "
                  "one image.",
        remediation="Set services.<name>.image.tag to the image's digest (sha256:...), as "
                    "printed by the registry on push, in the stack config.",
        checks=dict.fromkeys(CHECKED_TYPES, _pinned_digest),
        scope="stack",
        environments=("staging", "prod"),
    ),
)


# -- Azure -------------------------------------------------------------------------------------
# A Container App's and a Container Apps Job's images are `template.containers[].image` and
# `template.initContainers[].image` (`app/_inputs.py`, `TemplateArgs`, `JobTemplateArgs`).

AZURE_CONTAINER_APPS = ("azure-native:app:ContainerApp", "azure-native:app:Job")


def _azure_references(resource: Any) -> Iterator[tuple[str, str, ImageReference | str]]:
    """(label, image, its parsed reference or why it is none) of each container image."""
    template = resource.props.get("template")
    if not isinstance(template, dict):
        return
    for key in ("initContainers", "containers"):
        for container in template.get(key) or []:
            if not isinstance(container, dict):
                continue
            label, image = f"container {container.get('name', '?')}", container.get("image")
            if not known(image):
                continue
            if not isinstance(image, str) or not image:
                yield label, "", "no image is set"
                continue
            try:
                yield label, image, parse_image_reference(image)
            except ValueError as error:
                yield label, image, f"image {image!r} is not an image reference ({error})"


def _azure_pinned_tag(resource: Any, context: Context) -> Iterator[str]:
    for label, image, reference in _azure_references(resource):
        yield from _tag_problems(label, image, reference)


def _azure_pinned_digest(resource: Any, context: Context) -> Iterator[str]:
    for label, image, reference in _azure_references(resource):
        if isinstance(reference, ImageReference) and reference.digest is None:
            yield f"{label}: image {image} is not pinned by digest (name@sha256:...)"


def _tag_problems(label: str, image: str, reference: ImageReference | str) -> Iterator[str]:
    """What `any-image-pinned-tag` says of one image (as `_pinned_tag` does)."""
    if isinstance(reference, str):
        yield f"{label}: {reference}"
    elif reference.digest is None and reference.tag is None:
        yield f"{label}: image {image} has no tag, so it pulls {LATEST}"
    elif reference.digest is None and reference.tag == LATEST:
        yield f"{label}: image {image} uses the tag {LATEST}, which moves with every push"


RULES = extend_checks(RULES, {
    "any-image-pinned-tag": dict.fromkeys(AZURE_CONTAINER_APPS, _azure_pinned_tag),
    "any-image-pinned-digest": dict.fromkeys(AZURE_CONTAINER_APPS, _azure_pinned_digest),
})
