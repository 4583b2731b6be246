"""Names derived from `<app.name>-<stack>` stay valid in every resource that uses them.

`limits.NAME_TEMPLATES` holds the longest name of each limited resource type; this test
measures them from the plans of the shipped stacks (and the timescaledb-ec2 variant), so a new
or renamed child with a longer name fails here until the table (and so the config rule) knows.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from forge_components.aws.limits import AUTONAME_RANDOM, NAME_LIMITS, NAME_TEMPLATES
from forge_infra.config import ConfigError, StackConfig
from forge_infra.plan.engine import record_program
from tests.test_config import load, mutate, stack_values

NAME_KEYS = ("name", "identifier", "replicationGroupId", "clusterName", "bucket")


def variants() -> list[StackConfig]:
    timescale = mutate(mutate(stack_values("staging"), "forge-infra:database.engine",
                              "timescaledb-ec2"), "forge-infra:database.timescaledb", True)
    return [load(stack_values(s), s) for s in ("dev", "staging", "prod")] + [
        load(timescale, "staging")]


def measured_templates() -> dict[str, set[str]]:
    """Per limited type, every derived name of the plans as a template."""
    found: dict[str, set[str]] = {t: set() for t in NAME_LIMITS}
    for config in variants():
        prefix = f"{config.app.name}-{config.stack}"
        for r in record_program(config).resources:
            if r.type not in NAME_LIMITS:
                continue
            name = next((r.outputs[k] for k in NAME_KEYS
                         if isinstance(r.outputs.get(k), str) and prefix in r.outputs[k]), None)
            if name is not None:
                found[r.type].add(re.sub(r"-[0-9a-f]{7}$", "-{random}",
                                         name.replace(prefix, "{prefix}", 1)))
    return found


def test_the_name_templates_are_the_longest_names_the_program_derives() -> None:
    measured = measured_templates()
    for type_token, template in NAME_TEMPLATES.items():
        names = measured[type_token]
        assert names, f"no {type_token} in the plans: drop it from NAME_TEMPLATES"
        longest = max(len(n.format(prefix="", random=AUTONAME_RANDOM)) for n in names)
        assert template in names, (type_token, sorted(names))
        assert len(template.format(prefix="", random=AUTONAME_RANDOM)) == longest, (
            type_token, sorted(names, key=len)[-3:])
    untracked = sorted(t for t in NAME_LIMITS if t not in NAME_TEMPLATES and measured[t])
    assert not untracked, untracked


def problems_of(values: dict[str, Any], stack: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load(values, stack)
    return info.value.problems


def test_an_underscore_in_the_stack_name_is_refused_before_rds_and_elasticache_see_it() -> None:
    values = mutate(stack_values("dev"), "forge-infra:environment", "dev")
    problems = [p for p in problems_of(values, "qa_1") if p.startswith("forge-infra:app.name")]
    assert {p.split(" makes the ")[1].split(" '")[0] for p in problems} == {
        "RDS DB instance identifier", "ElastiCache replication group id", "S3 bucket name",
        "MSK cluster name"}, problems
    assert problems[:2] == [
        "forge-infra:app.name: the stack name 'qa_1' makes the RDS DB instance identifier "
        "'forge-qa_1-db', which AWS refuses: a letter first, then letters, digits and single "
        "hyphens, not ending with a hyphen (no '_' or '.') (" + NAME_LIMITS[
            "aws:rds/instance:Instance"].source + "); rename the stack with lower-case "
        "letters, digits and single hyphens",
        "forge-infra:app.name: the stack name 'qa_1' makes the ElastiCache replication group "
        "id 'forge-qa_1-cache', which AWS refuses: a letter first, then letters, digits and "
        "single hyphens, not ending with a hyphen (no '_' or '.') (" + NAME_LIMITS[
            "aws:elasticache/replicationGroup:ReplicationGroup"].source + "); rename the stack "
        "with lower-case letters, digits and single hyphens"]


def test_a_32_character_stack_name_is_refused_with_the_limit_and_the_longest_name() -> None:
    stack = "s" * 32
    values = mutate(stack_values("staging"), "forge-infra:environment", "staging")
    problems = problems_of(values, stack)
    role = f"forge-{stack}-addons-aws-load-balancer-controller-role-xxxxxxx"
    assert (f"forge-infra:app.name: 'forge' with the stack name {stack!r} makes IAM role names "
            f"of up to {len(role)} characters ({role}, the random suffix shown as x); AWS "
            f"allows 64 ({NAME_LIMITS['aws:iam/role:Role'].source}): shorten the stack name "
            f"or app.name by {len(role) - 64} characters") in problems, problems


def test_the_budget_is_exact() -> None:
    """The longest stack name that fits plans; one more character is refused."""
    role = NAME_TEMPLATES["aws:iam/role:Role"].format(prefix="forge-", random=AUTONAME_RANDOM)
    fits = 64 - len(role)
    values = mutate(stack_values("staging"), "forge-infra:environment", "staging")
    load(values, "q" * fits)
    assert any("IAM role names" in p for p in problems_of(values, "q" * (fits + 1)))
