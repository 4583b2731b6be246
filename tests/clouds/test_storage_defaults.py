"""The storage lifecycle defaults reach the buckets: a stack that sets no storage keys gets
the documented 90-day Glacier Instant Retrieval transition and 90-day noncurrent-version
expiration on each of its buckets (the access-log bucket keeps its own retention)."""

from __future__ import annotations

from typing import Any

from forge_infra.plan.engine import record_program
from tests.test_config import load, remove, stack_values

LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"


def lifecycles(values: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    config = load(values, "dev")
    return {r.name: r.inputs["rules"] for r in record_program(config).resources
            if r.type == LIFECYCLE}


def rule(rules: list[dict[str, Any]], rule_id: str) -> dict[str, Any]:
    found = [r for r in rules if r["id"] == rule_id]
    assert len(found) == 1, rules
    return found[0]


def test_the_storage_defaults_reach_the_buckets() -> None:
    values = remove(stack_values("dev"), "forge-infra:storage")
    found = lifecycles(values)
    data = {name: rules for name, rules in found.items() if "access-logs" not in name}
    assert sorted(data) == ["forge-dev-storage-backups-lifecycle",
                            "forge-dev-storage-exports-lifecycle",
                            "forge-dev-storage-reports-lifecycle"], sorted(found)
    for name, rules in data.items():
        transition = rule(rules, "transition-to-glacier-ir")["transitions"]
        assert transition == [{"storageClass": "GLACIER_IR", "days": 90}], (name, transition)
        expiry = rule(rules, "expire-noncurrent-versions")["noncurrentVersionExpiration"]
        assert expiry == {"noncurrentDays": 90}, (name, expiry)
    access = [rules for name, rules in found.items() if "access-logs" in name]
    assert len(access) == 1
    assert {"days": 365} in [r.get("expiration") for r in access[0]], access


def test_the_stack_values_replace_the_defaults() -> None:
    """dev sets 30 and 7: the same buckets carry those instead (so the test above is not
    reading a constant)."""
    for name, rules in lifecycles(stack_values("dev")).items():
        if "access-logs" in name:
            continue
        assert rule(rules, "transition-to-glacier-ir")["transitions"][0]["days"] == 30, name
        assert rule(rules, "expire-noncurrent-versions")["noncurrentVersionExpiration"] == {
            "noncurrentDays": 7}, name
