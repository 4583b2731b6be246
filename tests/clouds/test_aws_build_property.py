"""Property: every AWS configuration the settings accept builds without an error.

Hypothesis generates valid stack configs (sizes, counts, engines, platforms, az_count, flags,
prod and non-prod), checks that the config model accepts them, and runs `build()` under the
offline mocks. A value the configuration accepts but a component refuses (the drift this
guards against: `backup_retention_days: 0`) fails here. What it does not prove: that AWS
accepts every such combination (quotas, regional offers).
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forge_components.aws.limits import (
    ACCESS_LOG_RETENTION_DAYS,
    BACKUP_RETENTION_DAYS,
    CACHE_NODES,
    CACHE_SNAPSHOT_RETENTION_DAYS,
    FARGATE_SIZES,
    LOG_RETENTION_DAYS,
    MSK_MAX_AZS,
    REDPANDA_INSTANCE_TYPES,
    WAF_MANAGED_RULE_GROUPS,
    WAF_RATE_LIMIT,
    RedpandaMode,
    redpanda_mode_problem,
)
from forge_infra.config import StackConfig, config_from_mapping
from forge_infra.program import build
from tests.helpers import run_mocked


@st.composite
def service(draw: st.DrawFn, name: str, prod: bool) -> dict[str, Any]:
    """One service with a Fargate-valid size (which EKS also accepts)."""
    units = draw(st.sampled_from(sorted(FARGATE_SIZES)[:4]))
    memory = draw(st.sampled_from(FARGATE_SIZES[units]))
    low = 2 if prod else 1
    minimum = draw(st.integers(low, 3))
    maximum = draw(st.integers(minimum, 6))
    replicas = draw(st.integers(minimum, maximum))
    block: dict[str, Any] = {
        "image": {"repository": f"ghcr.io/forge/{name}", "tag": "1.2.3"},
        "cpu": units / 1024, "memory": memory, "replicas": replicas,
    }
    if draw(st.booleans()):
        block["autoscaling"] = {"min": minimum, "max": maximum, "target_cpu": 70}
    elif prod:
        block["replicas"] = max(replicas, 2)
    if name in ("api", "worker"):
        block["secrets"] = draw(st.sampled_from([
            {}, {"REDIS_AUTH_TOKEN": "cache"},
            {"EXTERNAL": "arn:aws:secretsmanager:us-east-1:123456789012:secret:ext-AbCdEf#key"},
        ]))
    return block


@st.composite
def aws_stack(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """(stack, config mapping) of a valid AWS stack."""
    stack = draw(st.sampled_from(["dev", "staging", "prod"]))
    prod = stack == "prod"
    platform = draw(st.sampled_from(["ecs", "eks"]))
    az_count = draw(st.integers(2, 6))
    engine = draw(st.sampled_from(["rds-postgres", "timescaledb-ec2"]))
    database: dict[str, Any] = {
        "engine": engine, "version": draw(st.integers(15, 17)),
        "multi_az": prod or draw(st.booleans()),
        "backup_retention_days": draw(st.integers(
            7 if prod else BACKUP_RETENTION_DAYS[0], BACKUP_RETENTION_DAYS[1])),
        "deletion_protection": prod or draw(st.booleans()),
    }
    if engine == "timescaledb-ec2":
        database["timescaledb"] = draw(st.booleans())
    # prod runs at least 3 brokers, and Redpanda in production mode only
    # (settings._prod_streaming_rules).
    streaming_engine = draw(st.sampled_from(["msk", "redpanda", "none"]))
    streaming: dict[str, Any] = {"engine": streaming_engine}
    if streaming_engine == "msk":
        subnets = min(az_count, MSK_MAX_AZS)
        streaming["brokers"] = subnets * draw(st.integers(2 if prod and subnets < 3 else 1, 2))
    else:
        streaming["brokers"] = draw(st.sampled_from([3, 5] if prod else [1, 3, 5]))
    if streaming_engine == "redpanda":
        mode = draw(st.sampled_from([RedpandaMode.PRODUCTION] if prod else list(RedpandaMode)))
        streaming["redpanda_mode"] = mode.value
        streaming["instance_type"] = draw(st.sampled_from(
            [t for t in REDPANDA_INSTANCE_TYPES if redpanda_mode_problem(mode, t) is None]))
    values: dict[str, Any] = {
        "forge-infra:cloud": "aws",
        "aws:region": "us-east-1",
        "forge-infra:platform": platform,
        "forge-infra:protect": prod or draw(st.booleans()),
        "forge-infra:hosted_zone_id": "Z0000000000000000TEST",
        "forge-infra:app": {"name": "forge", "domain": f"{stack}.forge.example.com"},
        "forge-infra:network": {
            "cidr": "10.40.0.0/16", "az_count": az_count,
            # `none` is refused by config (tests/clouds/test_aws_warnings.py).
            "nat_gateways": draw(st.sampled_from(["single", "per_az"])),
            "flow_logs_retention_days": draw(st.sampled_from(LOG_RETENTION_DAYS)),
        },
        "forge-infra:database": database,
        "forge-infra:cache": {
            "engine": draw(st.sampled_from(["redis", "valkey"])),
            # prod: a replica and a week of snapshots (settings._prod_cache_rules).
            "nodes": draw(st.integers(2 if prod else CACHE_NODES[0], CACHE_NODES[1])),
            "snapshot_retention_days": draw(st.integers(
                7 if prod else CACHE_SNAPSHOT_RETENTION_DAYS[0],
                CACHE_SNAPSHOT_RETENTION_DAYS[1])),
        },
        "forge-infra:streaming": streaming,
        "forge-infra:storage": {
            "force_destroy": not prod and draw(st.booleans()),
            "access_log_retention_days": draw(st.integers(*ACCESS_LOG_RETENTION_DAYS)),
        },
        "forge-infra:cdn": {"enabled": draw(st.booleans())},
        # prod requires the web ACL (tests/clouds/test_aws_waf.py).
        "forge-infra:waf": {
            "enabled": prod or draw(st.booleans()),
            "rule_groups": draw(st.lists(st.sampled_from(sorted(WAF_MANAGED_RULE_GROUPS)),
                                         max_size=4, unique=True)),
            "rate_limit_per_5min": draw(st.integers(*WAF_RATE_LIMIT)),
        },
        # The public endpoint is the deployer's path on EKS (private-only is refused); the
        # nodes are large and many enough for the largest services drawn at their maximum
        # (4 services x 6 pods of up to 2 vCPU / 16 GiB), which the node capacity rule checks.
        "forge-infra:eks": {"endpoint_public_access": True,
                            "public_access_cidrs": ["198.51.100.7/32"],
                            "node_instance_types": ["m6i.2xlarge"], "node_min": 1,
                            "node_desired": 2, "node_max": 30},
        "forge-infra:services": {name: draw(service(name, prod))
                                 for name in ("gateway", "api", "worker", "ui")},
        "forge-infra:budget": {"monthly_limit_usd": draw(st.integers(50, 5000)),
                               "alert_emails": ["finance@example.com"]},
    }
    return stack, values


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=aws_stack())
def test_every_valid_aws_config_builds(case: tuple[str, dict[str, Any]]) -> None:
    stack, values = case
    config: StackConfig = config_from_mapping(values, stack=stack,
                                              source=f"Pulumi.{stack}.yaml")
    recording = run_mocked(lambda: build(config), stack=stack)
    exports = recording.exports
    assert exports["cluster_name"] and exports["database_host"], exports
    services = ("aws:ecs/service:Service" if config.platform == "ecs"
                else "kubernetes:helm.sh/v3:Release")
    assert recording.of_type(services), f"stack {stack}: no {services}"
    if values["forge-infra:cdn"]["enabled"] or config.platform == "ecs":
        assert exports["url"] == f"https://{stack}.forge.example.com", exports
