"""The AWS catalogues (forge_components.aws.catalog): regions, partitions and zones; EC2 types;
RDS, ElastiCache and MSK classes.

They are data files with their source; these tests keep the EC2 one equal to the installed
SDK's enum, check the settings refuse what they do not list, and that the offline mocks
answer from the same table (a GovCloud stack plans with GovCloud's three zones and
`arn:aws-us-gov:` ARNs).
"""

from __future__ import annotations

import datetime
import importlib
import re
import sys
from pathlib import Path

import pulumi_aws
import pytest
import yaml

from forge_components.aws import catalog
from forge_components.aws.catalog import refresh
from forge_infra.config import ConfigError
from forge_infra.plan.engine import plan_from_recording, record_program
from tests.conftest import ROOT
from tests.test_config import load, mutate, stack_values

CATALOG = Path(catalog.__file__).parent


def test_every_sdk_region_is_in_the_catalogue_or_refused_with_a_reason() -> None:
    sdk = {r.value for r in pulumi_aws.Region}
    listed = set(catalog.regions()) | set(catalog.unsupported_regions())
    assert sdk == listed, (sorted(sdk - listed), sorted(listed - sdk))
    assert not set(catalog.regions()) & set(catalog.unsupported_regions())


def test_partitions_and_zone_names() -> None:
    assert {r.partition for r in catalog.regions().values()} == {"aws", "aws-cn", "aws-us-gov"}
    assert catalog.partition_of("us-gov-west-1") == "aws-us-gov"
    assert catalog.partition_of("cn-north-1") == "aws-cn"
    assert catalog.region("cn-north-1").dns_suffix == "amazonaws.com.cn"  # type: ignore[union-attr]
    assert catalog.region("ca-central-1").zone_names == (  # type: ignore[union-attr]
        "ca-central-1a", "ca-central-1b", "ca-central-1d")
    assert len(catalog.region("us-east-1").zone_ids) == 6  # type: ignore[union-attr]
    for region in catalog.regions().values():
        prefix = region.zone_ids[0].rsplit("-az", 1)[0]
        assert all(z.startswith(f"{prefix}-az") for z in region.zone_ids), region
        assert len(set(region.zone_ids)) == len(region.zone_ids) >= 2, region


def test_the_ec2_catalogue_is_the_installed_sdk_enum() -> None:
    text = (CATALOG / "ec2_instance_types.yaml").read_text()
    read = next(line.split(": ")[1] for line in text.splitlines() if line.startswith("read:"))
    assert text == refresh.render(datetime.date.fromisoformat(read)), (
        "run python -m forge_components.aws.catalog.refresh")


@pytest.mark.parametrize(("service", "value", "fragment"), [
    ("rds", "db.t4g.gigantic", "nearest: db.t4g.micro, db.t4g.small, db.t4g.medium, "
     "db.t4g.large, db.t4g.xlarge, db.t4g.2xlarge"),
    ("rds", "banana", "rds classes start with 'db.'"),
    ("rds", "db.c5.large", "not an RDS for PostgreSQL DB instance class"),
    ("rds", "db.m4.large", "not an RDS for PostgreSQL DB instance class"),
    ("rds", "db.m6gd.large.x", "not an RDS for PostgreSQL DB instance class"),
    ("elasticache", "cache.banana.large", "not an ElastiCache node type"),
    ("elasticache", "cache.t2.micro", "nearest: cache.t3.micro"),
    ("elasticache", "cache.m1.small", "not an ElastiCache node type"),
    ("msk", "m5.large", "msk classes start with 'kafka.'"),
    ("msk", "kafka.t3.medium", "nearest: kafka.t3.small"),
    ("msk", "kafka.m7g.24xlarge", "not an MSK Standard broker size"),
    ("ec2", "t3.huge", "t3 comes in"),
])
def test_instance_class_refusals(service: str, value: str, fragment: str) -> None:
    refusal = catalog.instance_class_problem(service, value)
    assert refusal is not None and fragment in refusal, refusal


@pytest.mark.parametrize(("service", "value"), [
    ("rds", "db.t4g.micro"), ("rds", "db.m7g.large"), ("rds", "db.r5b.8xlarge"),
    ("elasticache", "cache.t4g.small"), ("elasticache", "cache.r6g.large"),
    ("msk", "kafka.t3.small"), ("msk", "kafka.m7g.large"), ("ec2", "m6i.xlarge")])
def test_real_classes_pass(service: str, value: str) -> None:
    assert catalog.instance_class_problem(service, value) is None


@pytest.mark.parametrize("service", sorted(catalog.CLASS_CATALOGUES))
def test_class_catalogues_name_their_source_and_hold_class_names(service: str) -> None:
    data = yaml.safe_load((CATALOG / catalog.CLASS_CATALOGUES[service]).read_text())
    assert data["url"].startswith("https://docs.aws.amazon.com/"), data["url"]
    assert data["ref"] and datetime.date.fromisoformat(data["read"])
    prefix = catalog.CLASS_PREFIXES[service]
    classes = catalog.service_classes(service)
    assert len(classes) == len(set(classes)) >= 10
    # Every class has the `<prefix><family>.<size>` shape (the catalogues come from different
    # pages: this catches a cell or a note read as a class). Not every class is an EC2 type:
    # RDS's db.x2g is EC2's x2gd.
    shape = re.compile(re.escape(prefix) + r"[a-z][a-z0-9]*\.(micro|small|medium|\d*x?large)$")
    assert not [c for c in classes if not shape.match(c)]


def test_the_stacks_classes_are_catalogued() -> None:
    for stack in ("dev", "staging", "prod"):
        values = stack_values(stack)
        assert values["forge-infra:database"]["instance_class"] in catalog.service_classes("rds")
        assert values["forge-infra:cache"]["node_type"] in catalog.service_classes("elasticache")


def test_the_rds_and_elasticache_catalogues_are_what_the_script_writes(tmp_path: Path) -> None:
    """The script's filters over a fixture in the sources' own formats."""
    sys.path.insert(0, str(ROOT / "scripts"))
    script = importlib.import_module("extract_instance_classes")
    markdown = (
        "## Supported DB engines for DB instance classes<a name=\"x\"></a>\n\n"
        "| Instance class | MariaDB | Microsoft SQL Server | MySQL | Oracle | PostgreSQL | \n"
        "| --- | --- | --- | --- | --- | --- | \n"
        "| db\\.m6g \N{EN DASH} general\\-purpose instance classes | \n"
        "| db\\.m6g\\.large | Yes | No | Yes | No | All PostgreSQL 15 versions | \n"
        "| db\\.m4\\.large | Yes | Yes | Yes | Yes | Lower than PostgreSQL 13 | \n"
        "| db\\.m6gd\\.large | No | No | Yes | No | PostgreSQL 13\\.4 Multi\\-AZ DB clusters | \n"
        "| db\\.x1\\.large | No | Yes | No | Yes | No | \n"
        "\n## Hardware specifications\n| db\\.z1d\\.large | 2 | 7 | 16 | Yes | 8 | \n")
    assert script.rds_postgresql_classes(markdown) == {
        "db.m6g.large": "All PostgreSQL 15 versions"}
    model = {"shapes": {"CacheNode": {"documentation": (
        "<ul><li><p>Current generation: </p><p> <b>M7g node types</b>: <code>cache.m7g.large"
        "</code>, <code>cache.m7g.xlarge</code> </p><p> <b>T2 node types:</b> <code>"
        "cache.t2.micro</code> </p></li><li><p>Previous generation: (not recommended)</p>"
        "<p> <b>T1 node types:</b> <code>cache.t1.micro</code> </p></li></ul>")}}}
    assert script.elasticache_node_types(model) == {
        "cache.m7g.large": "M7g node types", "cache.m7g.xlarge": "M7g node types"}


def gov_stack():
    values = mutate(stack_values("dev"), "aws:region", "us-gov-west-1")
    values = mutate(values, "forge-infra:network.az_count", 3)
    return load(values, "dev")


def test_a_govcloud_stack_plans_with_its_zones_and_partition() -> None:
    config = gov_stack()
    plan = plan_from_recording(record_program(config), config)
    subnets = [r for r in plan.resources if r.type == "aws:ec2/subnet:Subnet"]
    zones = {r.props.get("availabilityZone") for r in subnets}
    assert zones == {"us-gov-west-1a", "us-gov-west-1b", "us-gov-west-1c"}, zones
    arns = [v for r in plan.resources for k, v in r.outputs.items()
            if k == "arn" and isinstance(v, str)]
    assert arns and all(a.startswith("arn:aws-us-gov:") for a in arns), [
        a for a in arns if not a.startswith("arn:aws-us-gov:")][:5]
    policies = [str(r.props) for r in plan.resources if r.type.startswith("aws:iam/")]
    assert not any("arn:aws:" in p for p in policies), [
        p[:200] for p in policies if "arn:aws:" in p][:3]


def test_az_count_beyond_the_regions_zones_is_refused() -> None:
    values = mutate(stack_values("dev"), "aws:region", "cn-north-1")
    values = mutate(values, "forge-infra:network.az_count", 3)
    with pytest.raises(ConfigError) as info:
        load(values, "dev")
    assert ("forge-infra:network.az_count: got 3; cn-north-1 has 2 Availability Zones "
            "(cn-north-1a, cn-north-1b)") in info.value.problems


@pytest.mark.parametrize(("value", "unlisted"), [
    ("db.m8g.large", True), ("db.r7i.xlarge", True),
    ("db.m8g.gigantic", False),   # no such EC2 size
    ("db.c5.large", False),       # generation 5: older than the catalogue, which omits it
    ("db.m7g.large", False),      # a family the catalogue knows: checked exactly
    ("db.t4g.gigantic", False), ("banana", False)])
def test_rds_classes_newer_than_the_catalogue_are_accepted_with_a_warning(
        value: str, unlisted: bool) -> None:
    assert catalog.rds_class_unlisted(value) is unlisted
    assert (catalog.instance_class_problem("rds", value) is None) is (
        unlisted or value == "db.m7g.large")


def test_a_newer_rds_class_reaches_the_plan_warnings() -> None:
    from forge_infra.clouds.aws.settings import class_warnings
    from tests.conftest import stack_config

    config = stack_config("dev", database={"instance_class": "db.m8g.large"})
    warnings = class_warnings(config.target)  # type: ignore[arg-type]
    assert len(warnings) == 1 and "aws rds describe-orderable-db-instance-options --engine " \
        "postgres --db-instance-class db.m8g.large --region us-east-1" in warnings[0]
    assert class_warnings(stack_config("dev").target) == []  # type: ignore[arg-type]
