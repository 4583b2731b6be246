"""Recoverability rules: backups, deletion protection, versioning, redundancy in prod."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from forge_infra.policy.rule import Context, Rule, known

MIN_BACKUP_DAYS = 7


def _rds_backup_retention(resource: Any, context: Context) -> Iterator[str]:
    days = resource.props.get("backupRetentionPeriod")
    if known(days) and (not isinstance(days, int) or days < MIN_BACKUP_DAYS):
        yield (f"backupRetentionPeriod is {days!r}: keep at least {MIN_BACKUP_DAYS} days of "
               "automated backups")


RULES: tuple[Rule, ...] = (
    Rule(
        id="aws-rds-backup-retention",
        severity="mandatory",
        category="recoverability",
        rationale="A week of point-in-time backups lets a bad migration or deletion be undone.",
        remediation="Set forge-infra:database.backup_retention_days to 7 or more.",
        checks={"aws:rds/instance:Instance": _rds_backup_retention},
        environments=("prod",),
    ),
)
