"""docs/COST.md's answer to the design plan, recomputed: its configuration built as a stack.

The design plan's small enterprise (section 4.1) as stack files in a temporary project: ECS
Fargate 4 x 2 tasks of 0.5 vCPU / 1 GB, db.t3.medium single-AZ with 100 GB, one cache.t3.small,
MSK 3 x kafka.t3.small with 100 GB, three NAT gateways; then Redpanda on 3 x t3.medium and one
NAT gateway. Every figure docs/COST.md states for them is checked here.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from forge_infra.plan import Plan, run_plan
from tests.conftest import ROOT

SERVICE = {"cpu": 0.5, "memory": 1024, "replicas": 2}
DESIGN = {
    "forge-infra:cloud": "aws", "forge-infra:environment": "staging", "aws:region": "us-east-1",
    "forge-infra:platform": "ecs", "forge-infra:hosted_zone_id": "Z00000000000000DESGN",
    "forge-infra:app": {"name": "forge", "domain": "forge.example.com"},
    "forge-infra:network": {"cidr": "10.60.0.0/16", "az_count": 3, "nat_gateways": "per_az"},
    "forge-infra:database": {"engine": "rds-postgres", "version": 16,
                             "instance_class": "db.t3.medium", "allocated_storage_gb": 100,
                             "max_allocated_storage_gb": 200, "multi_az": False,
                             "performance_insights": False},
    "forge-infra:cache": {"node_type": "cache.t3.small", "nodes": 1},
    "forge-infra:streaming": {"engine": "msk", "brokers": 3, "instance_type": "kafka.t3.small",
                              "ebs_volume_gb": 100},
    "forge-infra:services": {
        name: {"image": {"repository": f"ghcr.io/forge/{name}", "tag": "0.1.0"}, **SERVICE,
               **({"secrets": {"REDIS_AUTH_TOKEN": "cache"}} if name == "api" else {})}
        for name in ("gateway", "api", "worker", "ui")},
    "forge-infra:budget": {"monthly_limit_usd": 1000, "alert_emails": ["ops@example.com"]},
}
OPTIMIZED = DESIGN | {
    "forge-infra:network": {"cidr": "10.60.0.0/16", "az_count": 3, "nat_gateways": "single"},
    "forge-infra:streaming": {"engine": "redpanda", "brokers": 3, "instance_type": "t3.medium",
                              "redpanda_mode": "production", "ebs_volume_gb": 100},
}


def _line(price: str, urn: str) -> str:
    if price.startswith("vpc.public_ipv4"):
        return "ipv4"
    for prefix, line in (("fargate", "fargate"), ("rds", "rds"), ("elasticache", "cache"),
                         ("msk", "msk"), ("vpc.nat", "nat"), ("elb", "alb"),
                         ("data_transfer", "transfer"), ("cloudwatch.logs", "logs"),
                         ("kms", "keys"), ("secretsmanager", "keys"), ("s3", "s3"),
                         ("ec2", "redpanda"), ("ebs", "redpanda"),
                         ("cloudwatch.alarm", "redpanda")):
        if price.startswith(prefix):
            return line
    raise AssertionError(f"unexpected line {price} on {urn}")


def _lines(plan: Plan) -> dict[str, float]:
    assert plan.cost is not None
    totals: dict[str, float] = defaultdict(float)
    for line in plan.cost.lines:
        totals[_line(line.price, line.urn)] += line.monthly
    return {k: round(v, 2) for k, v in totals.items()}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("design")
    (root / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    for stack, config in (("design", DESIGN), ("designopt", OPTIMIZED)):
        (root / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": config}))
    return root


def test_the_design_plans_configuration(project: Path) -> None:
    plan = run_plan("design", project)
    assert _lines(plan) == {"fargate": 144.16, "rds": 64.06, "cache": 24.82, "msk": 129.86,
                            "nat": 107.55, "alb": 22.27, "transfer": 18.00, "ipv4": 21.90,
                            "logs": 5.28, "keys": 4.80, "s3": 2.32}
    assert plan.cost is not None and plan.cost.monthly_total == 545.02


def test_the_design_plans_optimized_configuration(project: Path) -> None:
    plan = run_plan("designopt", project)
    lines = _lines(plan)
    assert (lines["redpanda"], lines["nat"] + 3.65) == (120.21, 45.50)
    assert "msk" not in lines and lines["ipv4"] == 14.60
    # 462.40 before the brokers' TLS: + 3 secrets (one key and certificate per broker) x $0.40.
    assert plan.cost is not None and plan.cost.monthly_total == 463.60
