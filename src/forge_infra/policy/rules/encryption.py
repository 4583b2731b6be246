"""Encryption rules: data at rest and in transit, keys, TLS on every listener."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from forge_infra.policy.rule import Context, Rule, known


def _rds_storage_encrypted(resource: Any, context: Context) -> Iterator[str]:
    value = resource.props.get("storageEncrypted")
    if known(value) and value is not True:
        yield f"storageEncrypted is {value!r}: the database's storage is not encrypted"


RULES: tuple[Rule, ...] = (
    Rule(
        id="aws-rds-storage-encrypted",
        severity="mandatory",
        category="encryption",
        rationale="A database's storage, snapshots and backups hold the platform's data and "
                  "must be encrypted at rest.",
        remediation="Set storage_encrypted=True on the Database component (forge-infra always "
                    "does; a changed component or a direct aws.rds.Instance must too).",
        checks={"aws:rds/instance:Instance": _rds_storage_encrypted},
    ),
)
