"""The Azure stacks plan with no mandatory finding, and prod is held to prod's rules: each
prod-only Azure rule checks a resource of azure-prod, and breaking it there is reported.

What this does not prove: that Azure accepts the stacks; only what the program asks for.
"""

from __future__ import annotations

import copy

import pytest

from forge_infra.plan import Plan, run_plan
from forge_infra.policy.engine import evaluate
from forge_infra.policy.registry import RULES, rule_by_id
from tests.conftest import ROOT
from tests.policy.harness import both

AZURE_STACKS = ("azure-dev", "azure-prod")


@pytest.fixture(scope="module")
def plans() -> dict[str, Plan]:
    return {stack: run_plan(stack, ROOT) for stack in AZURE_STACKS}


def test_the_azure_stacks_have_no_mandatory_finding(plans: dict[str, Plan]) -> None:
    for stack, plan in plans.items():
        assert plan.findings is not None
        mandatory = [(f.rule, f.urn, f.message) for f in plan.findings
                     if f.severity == "mandatory"]
        assert mandatory == [], stack


@pytest.mark.parametrize("rule_id", sorted(r.id for r in RULES if any(
    t.startswith("azure-native:") for t in r.checks)))
def test_every_azure_mapped_rule_agrees_on_both_paths(rule_id: str,
                                                      plans: dict[str, Plan]) -> None:
    """Offline and pack paths report the same; a mandatory rule reports nothing."""
    rule = rule_by_id(rule_id)
    for stack, plan in plans.items():
        found = both(rule, plan)
        if rule.severity == "mandatory":
            assert found == [], stack


@pytest.mark.parametrize(("rule_id", "resource_type"), [
    ("azure-postgres-zone-redundant-ha", "azure-native:dbforpostgresql:Server"),
    ("azure-postgres-geo-backup", "azure-native:dbforpostgresql:Server"),
    ("azure-resource-lock", "azure-native:dbforpostgresql:Server"),
    ("azure-redis-ha", "azure-native:redisenterprise:RedisEnterprise"),
    ("azure-frontdoor-waf", "azure-native:cdn:Profile"),
    ("azure-storage-soft-delete", "azure-native:storage:StorageAccount"),
])
def test_prod_has_what_each_cited_rule_checks(rule_id: str, resource_type: str,
                                               plans: dict[str, Plan]) -> None:
    """Each rule the Azure config cites checks a resource azure-prod creates, so its passing
    is not vacuous."""
    plan = plans["azure-prod"]
    assert resource_type in rule_by_id(rule_id).checks
    assert [r for r in plan.custom_resources() if r.type == resource_type], rule_id


def test_breaking_prod_is_reported(plans: dict[str, Plan]) -> None:
    plan = copy.deepcopy(plans["azure-prod"])
    server = next(r for r in plan.resources if r.type == "azure-native:dbforpostgresql:Server")
    server.props["highAvailability"] = {"mode": "Disabled"}
    found = [(f.rule, f.urn) for f in evaluate(plan, environment="prod")
             if f.severity == "mandatory"]
    assert found == [("azure-postgres-zone-redundant-ha", server.urn)]
