"""Helpers every forge component shares, in any cloud: stack tags, child options, naming."""

from collections.abc import Mapping

import pulumi

MANAGED_BY = "forge-infra"


def standard_tags(app: str, environment: str,
                  extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The tags every resource of a stack carries: app, environment, managed-by, plus extras.

    The program sets these as the cloud provider's default tags (labels); each cloud's
    components add their own on top (on AWS, `forge_components.aws.tags.resource_tags`).
    """
    return {**dict(extra or {}), "app": app, "environment": environment, "managed-by": MANAGED_BY}


def standard_tag_keys() -> tuple[str, ...]:
    """The keys `standard_tags` sets (extras with these keys would be overridden)."""
    return tuple(k for k in standard_tags("a", "e") if k)


def child_opts(parent: pulumi.Resource, *, protect: bool = False,
               depends_on: list[pulumi.Resource] | None = None,
               **kwargs: object) -> pulumi.ResourceOptions:
    """Options for a component's child: `parent=self`, and `protect` only where asked.

    Providers and other options set on the component reach the children through `parent`.
    """
    return pulumi.ResourceOptions(parent=parent, protect=protect or None,
                                  depends_on=depends_on, **kwargs)  # type: ignore[arg-type]


def physical_name(name: str, suffix: str, max_length: int) -> str:
    """A cloud-side name derived from the component name, cut to the provider's limit.

    Used where a cloud wants a fixed name (on AWS: RDS identifiers, ElastiCache groups, MSK
    clusters); a trailing hyphen left by the cut is dropped because most services reject it.
    """
    full = f"{name}-{suffix}" if suffix else name
    return full[:max_length].rstrip("-").lower()
