"""Operability rules: tags, log retention, access logs, pinned images."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from forge_infra.policy.rule import Context, Rule, known


def _log_group_retention(resource: Any, context: Context) -> Iterator[str]:
    days = resource.props.get("retentionInDays")
    if known(days) and not days:
        yield "retentionInDays is not set: the log group keeps every event forever"


RULES: tuple[Rule, ...] = (
    Rule(
        id="aws-logs-retention-set",
        severity="mandatory",
        category="operability",
        rationale="Logs kept forever grow cost without bound and outlive their purpose.",
        remediation="Set retention_in_days on the log group (forge-infra:logs.retention_days "
                    "for the platform's own).",
        checks={"aws:cloudwatch/logGroup:LogGroup": _log_group_retention},
    ),
)
