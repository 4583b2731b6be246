"""The versions table (forge_components.aws.versions): its data, the config's refusals, the plan's
warnings, the defaults that follow it, and the Redpanda packages pinned to one release.

Every date is fixed here: the table's verdicts are checked on 2026-12-02 (the day it was
compiled) and on days around its boundaries, never on the machine's clock, except where a test
says it checks the shipped stacks as they plan today.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import re
import shutil
import subprocess
from typing import Any

import pytest
import yaml

from forge_components.aws import versions
from forge_components.aws.cache import DEFAULT_ENGINE_VERSIONS
from forge_components.aws.eks_addons import (
    ARGO_ROLLOUTS_VERSION,
    CLUSTER_AUTOSCALER_VERSION,
    EXTERNAL_DNS_VERSION,
    EXTERNAL_SECRETS_VERSION,
    LOAD_BALANCER_CONTROLLER_VERSION,
    METRICS_SERVER_VERSION,
)
from forge_components.aws.limits import CacheEngine, StreamingEngine
from forge_components.aws.streaming import (
    StreamingArgs,
    _settings,
    render_redpanda_user_data,
)
from forge_infra.clouds.aws.settings import (
    EKS_ADDON_CHARTS,
    PLAN_CHECKED_CHARTS,
    AwsSettings,
    CacheSettings,
    DatabaseSettings,
    EksSettings,
    StreamingSettings,
    version_problems,
    version_warnings,
    versions_in_use,
)
from forge_infra.config import ConfigError, config_from_mapping
from forge_infra.plan.engine import run_plan
from forge_infra.plan.model import Plan
from tests.clouds.test_aws_warnings import STACK_WARNINGS
from tests.conftest import ROOT

TODAY = datetime.date(2026, 12, 2)
STACKS = ("dev", "staging", "prod")


@pytest.fixture(scope="module")
def plans() -> dict[str, Plan]:
    return {stack: run_plan(stack, ROOT) for stack in STACKS}


def stack_values(stack: str) -> dict[str, Any]:
    return copy.deepcopy(yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"])


def settings(stack: str, **sections: dict[str, Any]) -> AwsSettings:
    values = stack_values(stack)
    for section, block in sections.items():
        values.setdefault(f"forge-infra:{section}", {}).update(block)
    config = config_from_mapping(values, stack=stack, source=f"Pulumi.{stack}.yaml")
    assert isinstance(config.target, AwsSettings)
    return config.target


# -- the table ------------------------------------------------------------------------------


def test_every_entry_has_a_source_and_the_date_it_was_read() -> None:
    for product in versions.products().values():
        assert product.versions, product.name
        for entry in product.versions:
            assert entry.source.startswith("https://"), (product.name, entry.version)
            assert re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", entry.read), (product.name, entry)


def test_the_table_covers_every_product_the_project_pins() -> None:
    assert set(versions.products()) >= {
        "eks", "rds-postgresql", "elasticache-valkey", "elasticache-redis", "msk", "redpanda",
        "aws-load-balancer-controller", "external-dns", "metrics-server", "cluster-autoscaler",
        "external-secrets", "argo-rollouts"}


@pytest.mark.parametrize(("name", "version", "day", "status"), [
    # EKS 1.31: extended support ended on 2026-11-26.
    ("eks", "1.31", datetime.date(2026, 11, 25), versions.SupportStatus.EXTENDED),
    ("eks", "1.31", datetime.date(2026, 11, 26), versions.SupportStatus.ENDED),
    # EKS 1.34: standard support ends on 2026-12-02; extended billing starts that day.
    ("eks", "1.34", datetime.date(2026, 12, 1), versions.SupportStatus.STANDARD),
    ("eks", "1.34", TODAY, versions.SupportStatus.EXTENDED),
    ("eks", "1.36", TODAY, versions.SupportStatus.STANDARD),
    ("rds-postgresql", "13", TODAY, versions.SupportStatus.EXTENDED),
    ("rds-postgresql", "16", TODAY, versions.SupportStatus.STANDARD),
    ("elasticache-redis", "6.2", datetime.date(2027, 1, 31), versions.SupportStatus.EXTENDED),
    # No extended tier: MSK 3.7 and Redpanda 25.3 end outright.
    ("msk", "3.7.x", TODAY, versions.SupportStatus.ENDED),
    ("msk", "4.1.x.kraft", TODAY, versions.SupportStatus.STANDARD),
    ("msk", "3.8.x", TODAY, versions.SupportStatus.STANDARD),
    ("redpanda", "25.3.9", TODAY, versions.SupportStatus.ENDED),
    ("redpanda", "26.2.7", TODAY, versions.SupportStatus.STANDARD),
    ("ingress-nginx", "4.14.2", datetime.date(2026, 3, 30), versions.SupportStatus.STANDARD),
    ("ingress-nginx", "4.14.2", datetime.date(2026, 3, 31), versions.SupportStatus.RETIRED),
    ("aws-load-balancer-controller", "3.5.0", TODAY, versions.SupportStatus.STANDARD),
])
def test_status_on_a_given_day(name: str, version: str, day: datetime.date,
                               status: versions.SupportStatus) -> None:
    assert versions.check(name, version, day).status is status


def test_a_version_extends_its_line_only_at_a_dot() -> None:
    product = versions.product("redpanda")
    assert product.find("26.2.7") is not None
    assert product.find("26.27.1") is None
    assert versions.product("external-dns").find("1.21.1") is not None
    assert versions.product("external-dns").find("1.2.1") is None
    assert versions.product("msk").find("3.8.x.kraft") is not None
    # Kafka 4 exists on MSK only as KRaft: "4.1.x" is not an MSK version string.
    assert versions.product("msk").find("4.1.x") is None


def test_creatable_versions_on_a_given_day() -> None:
    assert versions.product("eks").creatable(TODAY) == ["1.36", "1.35", "1.34", "1.33", "1.32"]
    assert versions.product("eks").in_standard_support(TODAY) == ["1.36", "1.35"]
    assert versions.product("eks").creatable(datetime.date(2026, 11, 25))[-1] == "1.31"


def test_a_default_missing_from_its_table_is_refused() -> None:
    document = {"products": {"x": {
        "title": "X", "default": "2.0", "extended_support": False,
        "versions": [{"version": "1.0", "end_standard": None, "end_extended": None,
                      "source": "https://example.com", "read": "2026-01"}]}}}
    with pytest.raises(ValueError, match=r"x's default 2\.0 is not listed"):
        versions.parse_table(document)


# -- defaults and stacks follow the table ---------------------------------------------------


def test_every_default_is_in_standard_support_today() -> None:
    for product in versions.products().values():
        if product.retired is not None:
            continue  # ingress-nginx: kept as the record of its retirement, not installed
        check = versions.check(product.name, product.default, TODAY)
        assert check.status is versions.SupportStatus.STANDARD, (product.name, product.default)


def test_code_pins_are_the_table_defaults() -> None:
    assert EksSettings().version == versions.default_version("eks") == "1.36"
    assert StreamingSettings().kafka_version == versions.default_version("msk") == "3.8.x"
    assert str(DatabaseSettings().version) == versions.default_version("rds-postgresql")
    assert CacheSettings().version is None
    table_cache_defaults = {
        CacheEngine.REDIS: versions.default_version("elasticache-redis"),
        CacheEngine.VALKEY: versions.default_version("elasticache-valkey")}
    assert table_cache_defaults == DEFAULT_ENGINE_VERSIONS
    chart_pins = (LOAD_BALANCER_CONTROLLER_VERSION, EXTERNAL_DNS_VERSION, METRICS_SERVER_VERSION,
                  CLUSTER_AUTOSCALER_VERSION, EXTERNAL_SECRETS_VERSION, ARGO_ROLLOUTS_VERSION)
    assert tuple(versions.default_version(chart) for chart in EKS_ADDON_CHARTS) == chart_pins


@pytest.mark.parametrize("stack", STACKS)
def test_the_stacks_use_only_versions_in_standard_support(stack: str) -> None:
    aws = settings(stack)
    assert version_problems(aws, TODAY) == []
    assert version_warnings(aws, TODAY) == []


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_the_eks_stacks_pin_the_default_kubernetes_version(stack: str) -> None:
    assert stack_values(stack)["forge-infra:eks"]["version"] == "1.36"


def test_the_addon_charts_are_the_releases_the_target_installs(plans) -> None:
    # prod (canary) installs every add-on chart; staging (rolling) all but Argo Rollouts.
    charts = {r.props["chart"] for r in plans["prod"].helm_releases()
              if r.props.get("repositoryOpts")}
    assert charts == set(EKS_ADDON_CHARTS), charts
    rolling = {r.props["chart"] for r in plans["staging"].helm_releases()
               if r.props.get("repositoryOpts")}
    assert rolling == set(EKS_ADDON_CHARTS) - {"argo-rollouts"}, rolling


def test_the_plan_checks_every_chart_the_target_installs(plans) -> None:
    # No installed chart escapes the retired / past-support / not-listed check.
    installed = {(r.props["chart"], r.props["version"]) for r in plans["prod"].helm_releases()
                 if r.props.get("repositoryOpts")}
    checked = {(name, version) for path, name, version in versions_in_use(settings("prod"))
               if path is None}
    assert installed <= checked, (installed, checked)
    assert PLAN_CHECKED_CHARTS == EKS_ADDON_CHARTS


def test_a_retired_installed_chart_would_warn(monkeypatch: pytest.MonkeyPatch) -> None:
    table = dict(versions.products())
    table["external-dns"] = dataclasses.replace(table["external-dns"],
                                                retired=datetime.date(2026, 11, 1),
                                                retired_source="https://example.org/retired")
    monkeypatch.setattr(versions, "products", lambda: table)
    assert version_warnings(settings("staging"), TODAY) == [
        "external-dns (pinned by forge-infra): external-dns (Helm chart) 1.21.1 is retired "
        "since 2026-11-01: no releases, fixes or security patches (source: "
        "https://example.org/retired)"]


def test_an_eks_version_without_a_cluster_autoscaler_image_is_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    table = dict(versions.products())
    table["cluster-autoscaler"] = dataclasses.replace(
        table["cluster-autoscaler"], image_tags={"1.36": "v1.36.1"})
    monkeypatch.setattr(versions, "products", lambda: table)
    with pytest.raises(ConfigError) as excinfo:
        settings("staging", eks={"version": "1.35"})
    assert excinfo.value.problems == [
        "forge-infra:eks.version: 1.35 has no Cluster Autoscaler image in forge-infra (its minor "
        "must match the cluster's); supported: 1.36"]


def test_every_creatable_eks_version_has_a_cluster_autoscaler_image() -> None:
    images = versions.product("cluster-autoscaler").image_tags
    assert set(versions.product("eks").creatable(TODAY)) <= set(images), images
    for minor, tag in images.items():
        assert tag.startswith(f"v{minor}."), (minor, tag)


# -- the config refuses what cannot be created ----------------------------------------------


def test_eks_1_31_is_refused_with_the_dates_and_the_versions_allowed() -> None:
    aws = settings("staging", eks={"version": "1.36"})
    aws = aws.model_copy(update={"eks": aws.eks.model_copy(update={"version": "1.31"})})
    assert version_problems(aws, TODAY) == [
        "forge-infra:eks.version: got '1.31'; Amazon EKS (Kubernetes) 1.31 can no longer be "
        "created: standard support ends 2025-11-26, extended support ends 2026-11-26; allowed "
        "on 2026-12-02: 1.36, 1.35, 1.34, 1.33, 1.32 (source: https://github.com/awsdocs/"
        "amazon-eks-user-guide/blob/mainline/latest/ug/versioning/kubernetes-versions.adoc)"]


def test_a_stack_file_with_eks_1_31_is_a_config_error_naming_the_file() -> None:
    values = stack_values("staging")
    values["forge-infra:eks"]["version"] = "1.31"
    with pytest.raises(ConfigError) as info:
        config_from_mapping(values, stack="staging", source="Pulumi.staging.yaml")
    assert str(info.value).startswith("Pulumi.staging.yaml: 1 configuration problem:")
    assert len(info.value.problems) == 1, info.value.problems
    assert info.value.problems[0].startswith(
        "forge-infra:eks.version: got '1.31'; Amazon EKS (Kubernetes) 1.31 can no longer be "
        "created: standard support ends 2025-11-26, extended support ends 2026-11-26; allowed "
        "on "), info.value.problems


@pytest.mark.parametrize(("section", "key", "value", "product"), [
    ("eks", "version", "1.29", "Amazon EKS (Kubernetes) 1.29 is not in the versions table"),
    ("streaming", "kafka_version", "3.6.0", "Amazon MSK (Apache Kafka) 3.6.0 is not in"),
    # Express brokers only; forge-infra creates Standard brokers.
    ("streaming", "kafka_version", "4.2.x.kraft",
     "Amazon MSK (Apache Kafka) 4.2.x.kraft is not in"),
    ("cache", "version", "5.0", "Amazon ElastiCache for Redis OSS 5.0 is not in"),
])
def test_unlisted_versions_are_refused_with_the_list(section: str, key: str, value: str,
                                                    product: str) -> None:
    stack = "prod"
    values = stack_values(stack)
    values[f"forge-infra:{section}"][key] = value
    with pytest.raises(ConfigError) as info:
        config_from_mapping(values, stack=stack, source=f"Pulumi.{stack}.yaml")
    assert len(info.value.problems) == 1, info.value.problems
    line = info.value.problems[0]
    assert line.startswith(f"forge-infra:{section}.{key}: got {value!r}; {product}"), line
    assert "; allowed on " in line, line


def test_msk_3_7_is_refused_after_its_end_of_support() -> None:
    aws = settings("prod")
    aws = aws.model_copy(update={
        "streaming": aws.streaming.model_copy(update={"kafka_version": "3.7.x"})})
    assert version_problems(aws, datetime.date(2026, 8, 31)) == []
    assert version_problems(aws, datetime.date(2026, 9, 1)) == [
        "forge-infra:streaming.kafka_version: got '3.7.x'; Amazon MSK (Apache Kafka) 3.7.x can "
        "no longer be created: support ends 2026-09-01; allowed on 2026-09-01: 4.1.x.kraft, "
        "4.0.x.kraft, 3.9.x, 3.8.x (source: https://docs.aws.amazon.com/msk/latest/developerguide/"
        "supported-kafka-versions.html (via https://endoflife.date/amazon-msk))"]


def test_an_unused_eks_version_is_not_judged_on_ecs() -> None:
    aws = settings("dev")
    aws = aws.model_copy(update={"eks": aws.eks.model_copy(update={"version": "1.31"})})
    assert version_problems(aws, TODAY) == []


# -- the plan warns about extended support and retired charts -------------------------------


def test_a_version_past_standard_support_is_a_warning_with_its_price() -> None:
    aws = settings("staging")
    aws = aws.model_copy(update={"eks": aws.eks.model_copy(update={"version": "1.34"})})
    assert version_problems(aws, TODAY) == []
    assert version_warnings(aws, datetime.date(2026, 12, 1)) == []
    assert version_warnings(aws, TODAY) == [
        "forge-infra:eks.version: Amazon EKS (Kubernetes) 1.34 is past standard support "
        "(standard support ends 2026-12-02, extended support ends 2027-12-02): extended-support "
        "pricing applies ($0.60 per cluster-hour in total, against $0.10 in standard support "
        "(https://aws.amazon.com/blogs/containers/amazon-eks-extended-support-for-kubernetes-"
        "versions-pricing/)); versions in standard support: 1.36, 1.35 (source: https://github."
        "com/awsdocs/amazon-eks-user-guide/blob/mainline/latest/ug/versioning/"
        "kubernetes-versions.adoc)"]


def test_an_rds_major_in_extended_support_is_a_warning() -> None:
    aws = settings("dev", database={"version": 15})

    def database_warnings(day: datetime.date) -> list[str]:
        return [w.split(" is past")[0] for w in version_warnings(aws, day)
                if w.startswith("forge-infra:database.")]
    assert database_warnings(datetime.date(2028, 2, 28)) == []
    assert database_warnings(datetime.date(2028, 2, 29)) == [
        "forge-infra:database.version: Amazon RDS for PostgreSQL (major version) 15"]


def test_a_retired_chart_is_a_warning_naming_the_chart() -> None:
    aws = settings("staging")
    assert version_warnings(aws, TODAY, charts=("ingress-nginx",)) == [
        "ingress-nginx (pinned by forge-infra): ingress-nginx (Helm chart) 4.14.2 is retired "
        "since 2026-03-31: no releases, fixes or security patches (source: https://kubernetes.io"
        "/blog/2025/11/11/ingress-nginx-retirement/ ; https://kubernetes.io/blog/2026/01/29/"
        "ingress-nginx-statement/)"]


def test_the_plan_carries_the_settings_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(AwsSettings, "warnings",
                        lambda self, config: [f"warned for {config.stack}"])
    assert run_plan("dev", ROOT).warnings == ["warned for dev"]


@pytest.mark.parametrize("stack", STACKS)
def test_the_stacks_plan_with_no_warning_today(plans, stack: str) -> None:
    # On the machine's clock: a stack that starts warning here needs a version bump. The
    # only warnings are the stack file's placeholders (tests/clouds/test_aws_warnings.py).
    assert plans[stack].warnings == STACK_WARNINGS[stack]


# -- Redpanda: one release for all three packages -------------------------------------------


def test_redpanda_user_data_pins_all_three_packages_to_one_release() -> None:
    script = render_redpanda_user_data(node_id=0, self_ip="10.0.0.10", peer_ips=["10.0.0.10"],
                                       data_volume_id="vol-0123456789abcdef0",
                                       redpanda_version=versions.default_version("redpanda"),
                                       tls_secret_arn="arn:aws:secretsmanager:us-east-1:"
                                                      "123456789012:secret:b-1-tls-AbCdEf")
    installs = [line for line in script.splitlines() if line.startswith("apt-get install")]
    assert installs[-1] == (
        'apt-get install -y "redpanda=${REDPANDA_VERSION}-*" '
        '"redpanda-rpk=${REDPANDA_VERSION}-*" "redpanda-tuner=${REDPANDA_VERSION}-*"'), installs
    assert 'REDPANDA_VERSION="26.2.7"\n' in script
    bash = shutil.which("bash")
    assert bash, "bash is needed to syntax-check the user data"
    result = subprocess.run([bash, "-n"], input=script, capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr


def test_redpanda_refuses_a_feature_line_without_its_patch() -> None:
    args = StreamingArgs(vpc_id="vpc-1", subnet_ids=["subnet-1"], subnet_count=1,
                         engine=StreamingEngine.REDPANDA, broker_count=1,
                         redpanda_version="26.2")
    with pytest.raises(ValueError, match=r'redpanda_version must be a full release such as '
                                         r'"26.2.7" \(all three packages are pinned to it\), '
                                         r"got '26.2'"):
        _settings(args)
