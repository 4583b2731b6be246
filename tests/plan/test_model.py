"""The plan@2 model: typed cost and findings, options, the schema, and reading plan@1."""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest

from forge_infra.plan import SCHEMA_ID, CostEstimate, CostLine, Finding, Plan
from forge_infra.plan.diff import diff_plans
from forge_infra.plan.model import (
    CustomTimeouts,
    PlanResource,
    ResourceOptions,
    canonical,
    json_schema,
)

VPC = "urn:pulumi:dev::forge-infra::forge-aws:index:Networking$aws:ec2/vpc:Vpc::forge-dev-vpc"
DB = ("urn:pulumi:dev::forge-infra::forge-aws:index:Database$aws:rds/instance:Instance::"
      "forge-dev-db")


def _resource(urn: str, type_: str, **opts: object) -> PlanResource:
    return PlanResource(
        urn=urn, type=type_, name=urn.rsplit("::", 1)[1], custom=True, component=None,
        parent=None, dependencies=[], property_dependencies={},
        props={"b": 1, "a": {"z": [2, 1], "y": "[secret]"}},
        opts=ResourceOptions(**opts),  # type: ignore[arg-type]
        outputs={"id": "x"}, id="x")


def _plan() -> Plan:
    return Plan(
        project="forge-infra", stack="dev", cloud="aws", platform="ecs",
        resources=[_resource(DB, "aws:rds/instance:Instance", protect=True,
                             ignore_changes=["password"], delete_before_replace=False,
                             aliases=[VPC], additional_secret_outputs=["password"],
                             custom_timeouts=CustomTimeouts(create_seconds=2400)),
                   _resource(VPC, "aws:ec2/vpc:Vpc")],
        outputs={"z": 1, "a": 2},
        cost=CostEstimate(currency="USD", monthly_total=12.41, lines=[
            CostLine(urn=DB, item="db.t4g.micro instance hours", quantity=730, unit="hour",
                     unit_price=0.017, monthly=12.41)]),
        findings=[Finding(rule="aws-rds-instance-multi-az", severity="advisory", urn=DB,
                          message="forge-dev-db runs in one AZ", remediation="set "
                          "forge-infra:database.multi_az: true", waived=True)])


def test_cost_and_findings_round_trip_and_validate() -> None:
    plan = _plan()
    document = json.loads(plan.to_json())
    jsonschema.Draft202012Validator(json_schema()).validate(document)
    again = Plan.from_dict(document)
    assert again == plan
    assert again.cost == plan.cost and isinstance(again.cost.lines[0], CostLine)
    assert again.findings == plan.findings and isinstance(again.findings[0], Finding)
    assert document["cost"] == {"currency": "USD", "monthly_total": 12.41, "lines": [{
        "urn": DB, "item": "db.t4g.micro instance hours", "quantity": 730, "unit": "hour",
        "unit_price": 0.017, "monthly": 12.41, "group": "", "usage": False, "ceiling": None,
        "price": ""}], "fixed_total": 0.0, "usage_total": 0.0, "ceiling_total": 0.0,
        "region": "", "price_table": "", "coverage": [], "assumptions": [], "budget": None}
    assert document["findings"] == [{
        "rule": "aws-rds-instance-multi-az", "severity": "advisory", "urn": DB,
        "message": "forge-dev-db runs in one AZ",
        "remediation": "set forge-infra:database.multi_az: true", "waived": True,
        "waiver_reason": None}]


def test_options_are_recorded_under_opts() -> None:
    document = _plan().to_dict()
    assert document["resources"][0]["opts"] == {
        "protect": True, "retain_on_delete": False, "ignore_changes": ["password"],
        "delete_before_replace": False, "replace_on_changes": [], "aliases": [VPC],
        "additional_secret_outputs": ["password"],
        "custom_timeouts": {"create_seconds": 2400, "update_seconds": 0, "delete_seconds": 0},
        "deleted_with": None, "parent": None}


def test_data_maps_are_written_with_sorted_keys() -> None:
    document = _plan().to_dict()
    assert list(document["outputs"]) == ["a", "z"]
    assert list(document["resources"][0]["props"]) == ["a", "b"]
    assert list(document["resources"][0]["props"]["a"]) == ["y", "z"]
    assert document["resources"][0]["props"]["a"]["z"] == [2, 1]  # lists keep their order
    assert canonical({"b": {"d": 1, "c": 2}, "a": [{"f": 1, "e": 2}]}) == {
        "a": [{"e": 2, "f": 1}], "b": {"c": 2, "d": 1}}


@pytest.mark.parametrize(("path", "value", "message"), [
    (("findings", 0, "severity"), "warning", "'warning' is not one of"),
    (("cost", "lines", 0, "unit"), "", "should be non-empty"),
    (("resources", 0, "opts", "custom_timeouts", "create_seconds"), -1, "less than the minimum"),
    (("cost", "currency"), "dollars", "does not match"),
])
def test_the_schema_refuses_malformed_cost_findings_and_options(path, value, message) -> None:
    document = _plan().to_dict()
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(jsonschema.ValidationError, match=message):
        jsonschema.Draft202012Validator(json_schema()).validate(document)


def test_a_finding_refuses_an_unknown_severity() -> None:
    with pytest.raises(ValueError, match=r"finding r: severity must be one of \('mandatory', "
                       r"'advisory'\), not 'warning'"):
        Finding(rule="r", severity="warning", urn=None, message="m",  # type: ignore[arg-type]
                remediation="")


def test_a_plan_at_1_document_is_read_as_plan_at_2() -> None:
    v1 = {"schema": "forge-infra/plan@1", "project": "forge-infra", "stack": "dev",
          "cloud": "aws", "platform": "ecs", "outputs": {"url": "https://x"}, "findings": [],
          "warnings": [],
          "resources": [{"urn": DB, "type": "aws:rds/instance:Instance", "name": "forge-dev-db",
                         "custom": True, "component": None, "parent": None,
                         "dependencies": [VPC], "protect": True, "inputs": {"engine": "postgres"},
                         "outputs": {"address": "h"}, "provider": None, "id": "forge-dev-db"}]}
    plan = Plan.from_dict(v1)
    resource = plan.resources[0]
    assert (resource.props, resource.opts.protect, resource.dependencies, resource.helm) == (
        {"engine": "postgres"}, True, [VPC], None)
    assert resource.inputs == resource.props and resource.protect is True
    assert plan.to_dict()["schema"] == SCHEMA_ID
    jsonschema.Draft202012Validator(json_schema()).validate(plan.to_dict())


def test_an_unknown_schema_is_refused() -> None:
    with pytest.raises(ValueError, match=r"not a forge-infra/plan@2 \(or forge-infra/plan@1\) "
                       r"document \(schema: 'forge-infra/plan@9'\)"):
        Plan.from_dict({"schema": "forge-infra/plan@9"})


def test_the_diff_shows_changed_options() -> None:
    old = _plan()
    new = copy.deepcopy(old)
    new.resources[0].opts.retain_on_delete = True
    new.resources[0].opts.protect = False
    diff = diff_plans(old, new)
    assert [(c.path, c.old, c.new) for c in diff.changed[0].changes] == [
        ("(protect)", True, False), ("(opts.retain_on_delete)", False, True)]
