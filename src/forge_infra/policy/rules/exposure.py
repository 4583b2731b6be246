"""Exposure rules: nothing private reachable from the internet, least privilege."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from forge_infra.policy.rule import Context, Rule, known


def _rds_not_public(resource: Any, context: Context) -> Iterator[str]:
    value = resource.props.get("publiclyAccessible")
    if known(value) and value is True:
        yield "publiclyAccessible is true: the database has a public address"


RULES: tuple[Rule, ...] = (
    Rule(
        id="aws-rds-not-public",
        severity="mandatory",
        category="exposure",
        rationale="A database must only be reachable from inside the VPC.",
        remediation="Leave publicly_accessible unset (False) on the database.",
        checks={"aws:rds/instance:Instance": _rds_not_public},
    ),
)
