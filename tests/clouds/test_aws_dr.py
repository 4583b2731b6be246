"""`forge-infra:dr` on AWS: the config's refusals, the wiring to AWS Backup and the recovery
forecast `plan --timeline` prints (forge_infra.plan.recovery)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from forge_infra.cli import main
from forge_infra.config import ConfigError, config_from_mapping
from forge_infra.plan.engine import run_plan
from forge_infra.plan.model import Plan, json_schema
from forge_infra.plan.recovery import forecast_recovery, interval_hours
from forge_infra.plan.timeline import forecast
from tests.conftest import ROOT


def values_with_dr(stack: str, dr: dict[str, Any] | None) -> dict[str, Any]:
    values = copy.deepcopy(yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"])
    values.pop("forge-infra:dr", None)
    if dr is not None:
        values["forge-infra:dr"] = dr
    return values


def plan_with_dr(stack: str, dr: dict[str, Any] | None) -> Plan:
    config = config_from_mapping(values_with_dr(stack, dr), stack=stack,
                                 source=f"Pulumi.{stack}.yaml")
    return run_plan(stack, ROOT, config=config)


@pytest.mark.parametrize(("dr", "message"), [
    ({"mode": "backup"}, "forge-infra:dr.region: required with dr.mode backup"),
    ({"mode": "backup", "region": "us-east-1"}, "the stack's own region"),
    ({"mode": "backup", "region": "us-gov-west-1"}, "AWS Backup copies only within a partition"),
    ({"mode": "backup", "region": "mars-east-1"}, "not an AWS region"),
    ({"region": "us-west-2"}, "with dr.mode none"),
    ({"mode": "backup", "region": "us-west-2", "backup_interval_hours": 5},
     "allowed: 1, 2, 3, 4, 6, 8, 12, 24"),
    ({"mode": "warm_standby", "region": "us-west-2"}, "forge-infra:dr.mode"),
])
def test_bad_dr_settings_are_refused_naming_the_key(dr: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        config_from_mapping(values_with_dr("prod", dr), stack="prod", source="Pulumi.prod.yaml")
    assert any(message in problem for problem in info.value.problems), info.value.problems


def test_the_prod_stacks_copy_their_backups_to_a_second_region() -> None:
    for stack in ("prod", "small-ecs", "small-eks"):
        dr = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"][
            "forge-infra:dr"]
        assert dr["mode"] in ("backup", "pilot_light") and dr["region"] == "us-west-2", stack


def test_backup_selects_the_database_and_the_apps_buckets() -> None:
    """The config reaches AWS Backup: the interval becomes the rule's schedule, retention
    the lifecycles, and the selection names the RDS instance and the reports, exports and
    backups buckets (not the access-log bucket)."""
    plan = plan_with_dr("prod", {"mode": "backup", "region": "us-west-2",
                                 "backup_interval_hours": 6, "retention_days": 10,
                                 "dr_retention_days": 30})
    by_type = {r.type: r for r in plan.custom_resources()}
    (rule,) = by_type["aws:backup/plan:Plan"].props["rules"]
    assert rule["schedule"] == "cron(0 */6 * * ? *)"
    assert rule["lifecycle"]["deleteAfter"] == 10
    assert rule["copyActions"][0]["lifecycle"]["deleteAfter"] == 30
    selected = by_type["aws:backup/selection:Selection"].props["resources"]
    rds = by_type["aws:rds/instance:Instance"].outputs["arn"]
    buckets = {r.outputs["bucket"]: r.outputs["arn"] for r in plan.custom_resources()
               if r.type == "aws:s3/bucket:Bucket"}
    expected = [rds] + [arn for name, arn in sorted(buckets.items())
                        if any(p in name for p in ("reports", "exports", "backups"))]
    assert sorted(selected) == sorted(expected)
    assert not any("access-logs" in arn for arn in selected)
    assert plan.outputs["dr_region"] == "us-west-2"


def test_pilot_light_stands_up_the_network_in_the_recovery_region() -> None:
    plan = plan_with_dr("prod", {"mode": "pilot_light", "region": "us-west-2"})
    providers = {r.urn: r for r in plan.resources if r.type == "pulumi:providers:aws"}
    west = {urn for urn, r in providers.items() if r.props.get("region") == "us-west-2"}
    vpcs = [r for r in plan.custom_resources() if r.type == "aws:ec2/vpc:Vpc"]
    assert len(vpcs) == 2
    assert sum(1 for v in vpcs if v.provider in west) == 1
    subnets_west = [r for r in plan.custom_resources()
                    if r.type == "aws:ec2/subnet:Subnet" and r.provider in west]
    assert subnets_west and all(s.props["availabilityZone"].startswith("us-west-2")
                                for s in subnets_west)
    assert "dr_network_id" in plan.outputs


def test_interval_hours_reads_the_schedules_forge_infra_writes() -> None:
    assert interval_hours("cron(0 */4 * * ? *)") == 4
    assert interval_hours("cron(0 3 * * ? *)") == 24
    assert interval_hours("rate(4 hours)") is None


def test_the_recovery_forecast_is_computed_from_the_plan() -> None:
    """RPO on losing the region = the interval + the copy's high end (60 min); RTO = the
    declaration + the stack's provisioning forecast. Pilot light takes the network off it."""
    backup = plan_with_dr("prod", {"mode": "backup", "region": "us-west-2",
                                   "backup_interval_hours": 4, "declaration_minutes": 20})
    recovery = forecast_recovery(backup)
    provision = forecast(backup).provision
    rds = next(s for s in recovery.region_loss if s.type == "aws:rds/instance:Instance")
    assert rds.rpo_minutes == 4 * 60 + 60
    assert rds.rto_high_minutes == pytest.approx(20 + provision.high_minutes)
    assert recovery.meets_targets and recovery.mode == "backup"
    pilot = forecast_recovery(plan_with_dr("prod", {"mode": "pilot_light",
                                                    "region": "us-west-2",
                                                    "declaration_minutes": 20}))
    pilot_rds = next(s for s in pilot.region_loss if s.type == "aws:rds/instance:Instance")
    assert pilot.mode == "pilot_light"
    assert pilot_rds.rto_low_minutes is not None and rds.rto_low_minutes is not None
    assert pilot_rds.rto_low_minutes <= rds.rto_low_minutes


def test_targets_come_from_the_stack_and_are_checked() -> None:
    tight = forecast_recovery(plan_with_dr("prod", {"mode": "backup", "region": "us-west-2",
                                                    "backup_interval_hours": 24,
                                                    "rpo_target_hours": 12}))
    assert tight.rpo_target_hours == 12 and not tight.meets_targets


def test_without_dr_losing_the_region_loses_the_database() -> None:
    recovery = forecast_recovery(plan_with_dr("dev", None))
    assert recovery.mode == "none" and not recovery.meets_targets
    assert all(s.rto_high_minutes is None for s in recovery.region_loss)


def test_plan_timeline_prints_and_writes_the_recovery_forecast(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    result = CliRunner().invoke(main, ["plan", "--stack", "prod", "--timeline", "--json",
                                       str(out), "-C", str(ROOT), "--no-color"])
    assert result.exit_code == 0, result.output
    assert "recover from losing the region (dr backup to us-west-2): within the targets" in (
        " ".join(result.output.split()))
    document = json.loads(out.read_text())
    jsonschema.validate(document, json_schema())
    assert document["timeline"]["recovery"]["meets_targets"] is True
