"""The estimator against hand-computed figures (to the cent), regions, and the price table.

Each expectation is worked out by hand from prices/aws.yaml (730 hours a month); what these
tests do not prove is that the list prices are current (docs/COST.md, "Prices").
"""

from __future__ import annotations

import datetime
import tomllib

import pytest

from forge_infra.cost import estimate, load_table
from forge_infra.cost.aws import FREE, NOT_PRICED, PRICED
from forge_infra.cost.engine import cents
from forge_infra.cost.prices import parse_table
from forge_infra.model.config import UsageSettings
from forge_infra.plan.model import Plan, PlanResource, ResourceOptions
from tests.conftest import ROOT

DAY = datetime.date(2026, 12, 2)
NO_USAGE = UsageSettings(calls_per_day=0, response_kb=0, nat_gb_per_month=0,
                         log_gb_per_month=0, object_storage_gb=0, load_balancer_lcu=0)


def _resource(type_: str, name: str, props: dict[str, object], *, outputs: dict[str, object]
              | None = None, dependencies: list[str] | None = None,
              id_: str | None = None) -> PlanResource:
    return PlanResource(urn=f"urn:pulumi:t::p::{type_}::{name}", type=type_, name=name,
                        custom=True, component=None, parent=None,
                        dependencies=dependencies or [], property_dependencies={},
                        props=props, opts=ResourceOptions(), outputs=outputs or {}, id=id_)


def _plan(*resources: PlanResource) -> Plan:
    return Plan(project="p", stack="t", cloud="aws", platform=None, resources=list(resources),
                outputs={})


def _monthly(plan: Plan, **kwargs: object) -> dict[str, float]:
    result = estimate(plan, today=DAY, **kwargs)  # type: ignore[arg-type]
    return {line.item: line.monthly for line in result.lines}


def test_rds_db_t3_medium_multi_az_100_gb() -> None:
    """730 x $0.144 = $105.12 for the instance, 100 GB x $0.23 = $23.00 for the storage."""
    db = _resource("aws:rds/instance:Instance", "db", {
        "engine": "postgres", "instanceClass": "db.t3.medium", "multiAz": True,
        "allocatedStorage": 100, "storageType": "gp3"})
    result = estimate(_plan(db), usage=NO_USAGE, today=DAY)
    assert {line.item: line.monthly for line in result.lines} == {
        "db.t3.medium postgres Multi-AZ instance": 105.12, "gp3 storage Multi-AZ": 23.00}
    assert result.monthly_total == 128.12 and result.fixed_total == 128.12
    assert result.usage_total == 0.0


def test_fargate_service_priced_at_the_autoscaling_minimum_with_the_maximum_as_ceiling() -> None:
    """2 tasks of 0.5 vCPU / 1 GB x86: 730 vCPU-h x $0.04048 = $29.55 and 1,460 GB-h x
    $0.004445 = $6.49; at the maximum of 6 tasks: $88.65 and $19.47."""
    task = _resource("aws:ecs/taskDefinition:TaskDefinition", "api-task", {
        "cpu": "512", "memory": "1024", "runtimePlatform": {"cpuArchitecture": "X86_64"}},
        outputs={"arn": "arn:task"})
    service = _resource("aws:ecs/service:Service", "api", {
        "desiredCount": 3, "launchType": "FARGATE", "taskDefinition": "arn:task"})
    target = _resource("aws:appautoscaling/target:Target", "api-scaling",
                       {"minCapacity": 2, "maxCapacity": 6}, dependencies=[service.urn])
    result = estimate(_plan(task, service, target), usage=NO_USAGE, today=DAY)
    lines = {line.item: line for line in result.lines}
    vcpu = lines["Fargate x86 vCPU, 0.5 x 2 tasks (autoscaling 2..6)"]
    memory = lines["Fargate x86 memory, 1 GB x 2 tasks (autoscaling 2..6)"]
    assert (vcpu.monthly, vcpu.ceiling) == (29.55, 88.65)
    assert (memory.monthly, memory.ceiling) == (6.49, 19.47)
    assert result.monthly_total == 36.04 and result.ceiling_total == 108.12


def test_arm_fargate_uses_the_graviton_rates() -> None:
    """1 task of 0.25 vCPU / 0.5 GB Arm: 182.5 x $0.03238 = $5.91, 365 x $0.00356 = $1.30."""
    task = _resource("aws:ecs/taskDefinition:TaskDefinition", "t", {
        "cpu": "256", "memory": "512", "runtimePlatform": {"cpuArchitecture": "ARM64"}},
        outputs={"arn": "arn:t"})
    service = _resource("aws:ecs/service:Service", "s", {
        "desiredCount": 1, "launchType": "FARGATE", "taskDefinition": "arn:t"})
    assert _monthly(_plan(task, service), usage=NO_USAGE) == {
        "Fargate Arm vCPU, 0.25 x 1 tasks": 5.91, "Fargate Arm memory, 0.5 GB x 1 tasks": 1.30}


def test_msk_brokers_and_storage() -> None:
    """3 x 730 x $0.0456 = $99.86 (99.864); 3 x 100 GB x $0.10 = $30.00."""
    msk = _resource("aws:msk/cluster:Cluster", "kafka", {
        "numberOfBrokerNodes": 3, "brokerNodeGroupInfo": {
            "instanceType": "kafka.t3.small",
            "storageInfo": {"ebsStorageInfo": {"volumeSize": 100}}}})
    assert _monthly(_plan(msk), usage=NO_USAGE) == {
        "kafka.t3.small brokers (3)": 99.86, "broker storage, 100 GB x 3": 30.00}


def test_nat_gateways_public_ipv4_and_processed_data() -> None:
    """Two gateways: 730 x $0.045 = $32.85 each; 200 GB split, 100 x $0.045 = $4.50 each;
    two EIPs at 730 x $0.005 = $3.65."""
    nats = [_resource("aws:ec2/natGateway:NatGateway", f"nat-{i}", {}) for i in (1, 2)]
    eips = [_resource("aws:ec2/eip:Eip", f"eip-{i}", {"domain": "vpc"}) for i in (1, 2)]
    result = estimate(_plan(*nats, *eips), today=DAY,
                      usage=NO_USAGE.model_copy(update={"nat_gb_per_month": 200}))
    assert sorted(line.monthly for line in result.lines) == [3.65, 3.65, 4.5, 4.5, 32.85,
                                                              32.85]
    assert (result.fixed_total, result.usage_total) == (73.0, 9.0)


def test_eks_control_plane_standard_then_extended_rate() -> None:
    """1.34 leaves standard support on 2026-12-02 (versions.yaml): $73.00 the day before,
    730 x $0.60 = $438.00 from that day."""
    cluster = _resource("aws:eks/cluster:Cluster", "eks", {"version": "1.34"})
    before = estimate(_plan(cluster), usage=NO_USAGE, today=datetime.date(2026, 12, 1))
    after = estimate(_plan(cluster), usage=NO_USAGE, today=datetime.date(2026, 12, 2))
    assert [line.monthly for line in before.lines] == [73.00]
    assert [(line.item, line.monthly) for line in after.lines] == [
        ("EKS control plane, Kubernetes 1.34 in extended support", 438.00)]


def test_node_group_priced_at_min_nodes_with_their_volumes() -> None:
    """3 m6i.xlarge at 730 x $0.192 = $420.48 (max 9: $1,261.44); 3 x 50 GB gp3 x $0.08 =
    $12.00 (max $36.00)."""
    template = _resource("aws:ec2/launchTemplate:LaunchTemplate", "lt", {
        "blockDeviceMappings": [{"deviceName": "/dev/xvda",
                                 "ebs": {"volumeSize": 50, "volumeType": "gp3"}}]}, id_="lt-1")
    nodes = _resource("aws:eks/nodeGroup:NodeGroup", "nodes", {
        "instanceTypes": ["m6i.xlarge"], "capacityType": "ON_DEMAND",
        "launchTemplate": {"id": "lt-1"},
        "scalingConfig": {"minSize": 3, "desiredSize": 3, "maxSize": 9}})
    result = estimate(_plan(template, nodes), usage=NO_USAGE, today=DAY)
    assert [(line.monthly, line.ceiling) for line in result.lines] == [
        (420.48, 1261.44), (12.00, 36.00)]


def test_waf_fixed_and_per_request() -> None:
    """$5 + 4 rules x $1 = $9 fixed; 3M requests x $0.60 per 1M = $1.80."""
    acl = _resource("aws:wafv2/webAcl:WebAcl", "waf", {"rules": [{}, {}, {}, {}]})
    result = estimate(_plan(acl), usage=NO_USAGE.model_copy(update={"calls_per_day": 100_000}),
                      today=DAY)
    assert (result.fixed_total, result.usage_total) == (9.00, 1.80)


def test_a_region_without_a_documented_factor_is_not_priced() -> None:
    """eu-west-1 has no factor: the regional NAT line is reported, the global WAF one priced."""
    nat = _resource("aws:ec2/natGateway:NatGateway", "nat", {})
    acl = _resource("aws:wafv2/webAcl:WebAcl", "waf", {"rules": []})
    result = estimate(_plan(nat, acl), usage=NO_USAGE, region="eu-west-1", today=DAY)
    assert sorted(line.price for line in result.lines) == [
        "wafv2.requests", "wafv2.rule", "wafv2.web_acl"]
    [unpriced] = [c for c in result.coverage if c.status == "not_priced"]
    assert unpriced.urn == nat.urn
    assert "covers us-east-1 only (no documented factor for eu-west-1)" in unpriced.reason


def test_a_region_with_a_documented_factor_names_it_on_every_regional_line(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """With a factor for eu-west-1 (a made-up 1.1 here, the shipped table documents none) the
    NAT gateway's hours cost 730 x $0.045 x 1.1 = $36.135 -> $36.14 and say so; the global WAF
    keeps its price and its plain item."""
    import dataclasses

    from forge_infra.cost import engine

    table = dataclasses.replace(load_table("aws"), regional_factors={"eu-west-1": 1.1})
    monkeypatch.setattr(engine, "load_table", lambda cloud: table)
    nat = _resource("aws:ec2/natGateway:NatGateway", "nat", {})
    acl = _resource("aws:wafv2/webAcl:WebAcl", "waf", {"rules": []})
    result = estimate(_plan(nat, acl), usage=NO_USAGE, region="eu-west-1", today=DAY)
    lines = {line.item: line.monthly for line in result.lines}
    assert lines["NAT gateway (eu-west-1: us-east-1 price x 1.1)"] == 36.14
    assert lines["WAF web ACL"] == 5.00
    assert not [c for c in result.coverage if c.status == "not_priced"]


def test_an_unknown_type_is_listed_not_priced_never_zero() -> None:
    thing = _resource("aws:new/thing:Thing", "thing", {})
    result = estimate(_plan(thing), usage=NO_USAGE, today=DAY)
    assert result.lines == [] and result.monthly_total == 0
    assert [(c.status, c.reason) for c in result.coverage] == [
        ("not_priced", "type aws:new/thing:Thing has no pricing rule")]


def test_classified_types_do_not_overlap() -> None:
    assert not set(PRICED) & set(FREE)
    assert not set(PRICED) & set(NOT_PRICED)
    assert not set(FREE) & set(NOT_PRICED)


def test_every_price_entry_has_unit_region_source_and_date() -> None:
    table = load_table("aws")
    assert table.region == "us-east-1" and table.hours_per_month == 730
    for price in table.prices.values():
        assert price.unit and price.source.startswith("http"), price.key
        assert price.region in ("us-east-1", "global"), price.key
        assert datetime.date.fromisoformat(price.date), price.key
        if "memory" in price.basis:
            assert not price.verified, f"{price.key}: a memory figure must say it is unverified"
        if not price.verified:
            assert price.unverified.startswith("not re-verified 2026-12-02: "), price.key


def test_the_prices_the_small_stacks_rest_on_say_how_far_they_are_verified() -> None:
    """The t4g node price small-eks's total depends on is unverified and says so; the RDS
    t4g class names the third-party table that agrees with it."""
    table = load_table("aws")
    node = table.prices["ec2.linux.t4g.medium.on_demand"]
    assert not node.verified and "none found states it" in node.unverified
    rds = table.prices["rds.postgres.db.t4g.micro.multi_az"]
    assert not rds.verified and "a third-party table agrees: https://" in rds.unverified


@pytest.mark.parametrize("entry", [
    {"verified": False},
    {"verified": True, "unverified": "why"},
    {"unverified": "why"},
])
def test_unverified_goes_with_verified_false_only(entry: dict[str, object]) -> None:
    document = {"cloud": "aws", "region": "us-east-1", "currency": "USD",
                "hours_per_month": 730, "as_of": "2026-12-02", "prices": {"x": {
                    "usd": 1, "unit": "hour", "region": "us-east-1", "source": "https://x",
                    "basis": "memory", "date": "2026-12-02", **entry}}}
    with pytest.raises(ValueError, match="an entry with verified: false says why"):
        parse_table(document)


@pytest.mark.parametrize(("value", "expected"), [(99.864, 99.86), (29.5504, 29.55),
                                                 (0.005, 0.01), (6.4897, 6.49), (-1.005, -1.01)])
def test_cents_rounds_half_away_from_zero(value: float, expected: float) -> None:
    assert cents(value) == expected


def test_the_price_tables_ship_as_package_data() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["forge_infra"]
    assert "cost/prices/*.yaml" in patterns
    shipped = sorted(p.name for p in (ROOT / "src" / "forge_infra").glob("cost/prices/*.yaml"))
    assert {"aws.yaml", "azure.yaml", "gcp.yaml"} <= set(shipped)


def test_provisioned_iops_on_rds_are_reported_not_priced() -> None:
    db = _resource("aws:rds/instance:Instance", "db", {
        "engine": "postgres", "instanceClass": "db.t3.medium", "multiAz": False,
        "allocatedStorage": 400, "storageType": "gp3", "iops": 12000})
    result = estimate(_plan(db), usage=NO_USAGE, today=DAY)
    assert result.monthly_total == 98.56  # 730 x $0.072 + 400 x $0.115: the IOPS are not in it
    assert [(c.status, c.reason) for c in result.coverage] == [
        ("not_priced", "provisioned IOPS and throughput above the gp3 baseline are not "
                       "estimated")]


def test_an_alarm_is_priced_per_metric_it_evaluates() -> None:
    """A plain alarm is one alarm metric ($0.10); the 5xx-rate alarm's metric math over
    HTTPCode_Target_5XX_Count and RequestCount is two ($0.20)."""
    plain = _resource("aws:cloudwatch/metricAlarm:MetricAlarm", "unhealthy", {
        "metricName": "UnHealthyHostCount", "namespace": "AWS/ApplicationELB"})
    rate = _resource("aws:cloudwatch/metricAlarm:MetricAlarm", "rate", {"metricQueries": [
        {"id": "m1", "metric": {"metricName": "HTTPCode_Target_5XX_Count"}},
        {"id": "m2", "metric": {"metricName": "RequestCount"}},
        {"id": "rate", "expression": "100 * m1 / m2", "returnData": True}]})
    result = estimate(_plan(plain, rate), usage=NO_USAGE, today=DAY)
    assert sorted((line.item, line.monthly) for line in result.lines) == [
        ("metric alarm", 0.10), ("metric alarm (2 metrics)", 0.20)]
