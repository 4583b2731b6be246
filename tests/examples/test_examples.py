"""The example programs of `examples/`, each run under the offline mocks with its own config.

Each example is what a platform team would write: a Pulumi project (`Pulumi.yaml`, runtime
python), its requirements (the `forge-infra` distribution with one cloud's extra) and a
`__main__.py` importing `forge_components`. The tests run each program as `pulumi up` would
(config from its Pulumi.yaml) and check what it registers.

What these tests do not prove: that the cloud accepts the requests, or that `pip install -r
requirements.txt` resolves from PyPI (tests/test_wheel.py installs the built wheel instead).
"""

import json
import re
from collections import Counter

import jsonschema
import pytest
import yaml

from forge_infra.plan.recorder import Recording
from tests.conftest import ROOT
from tests.examples.harness import example_config, run_example

EXAMPLES = ROOT / "examples"
EXPECTED = {
    "aws-network-database": "aws",
    "aws-ecs-own-images": "aws",
    "aws-without-streaming-or-cdn": "aws",
    "gcp-data-layer": "gcp",
}
"""Each example and the cloud extra its requirements name."""


def components(recording: Recording) -> Counter[str]:
    """How many of each forge component the program itself constructed (at the stack's top
    level; a component's own child components, such as Storage's buckets, are not counted)."""
    return Counter(r.type for r in recording.resources
                   if r.type.startswith("forge-") and r.parent == recording.stack_urn)


def types(recording: Recording) -> set[str]:
    """Every type token the program registered."""
    return {r.type for r in recording.resources}


def run_clean(name: str, **overrides: str) -> Recording:
    """Run an example; engine warnings (a deprecated resource) fail the test."""
    recording = run_example(EXAMPLES / name, overrides)
    assert recording.warnings == [], recording.warnings
    return recording


def test_the_examples_are_exactly_the_documented_ones():
    assert sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_example_is_a_python_pulumi_project_requiring_its_cloud_extra(name):
    folder = EXAMPLES / name
    project = yaml.safe_load((folder / "Pulumi.yaml").read_text(encoding="utf-8"))
    assert project["name"].startswith("forge-example-"), project["name"]
    assert project["runtime"]["name"] == "python"
    requirements = [line.strip() for line in
                    (folder / "requirements.txt").read_text(encoding="utf-8").splitlines()
                    if line.strip() and not line.startswith("#")]
    assert requirements == [f"forge-infra[{EXPECTED[name]}]>=0.1,<0.2"]
    source = (folder / "__main__.py").read_text(encoding="utf-8")
    imported = set(re.findall(r"^(?:from|import) (\S+)", source, flags=re.M))
    assert not {m for m in imported if m.startswith(("forge_infra", "tests"))}, imported
    assert {m for m in imported if m.startswith("forge_components.")}, imported


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_pulumi_yaml_validates_against_pulumis_project_schema(name):
    schema = json.loads((ROOT / "tests" / "data" / "pulumi-project.schema.json").read_text())
    project = yaml.safe_load((EXAMPLES / name / "Pulumi.yaml").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(project)
    assert project["runtime"]["options"] == {"toolchain": "pip", "virtualenv": "venv"}


def test_the_config_of_an_example_comes_from_its_pulumi_yaml():
    project, config = example_config(EXAMPLES / "aws-without-streaming-or-cdn", {"cdn": "true"})
    assert project == "forge-example-without-streaming-or-cdn"
    assert config["aws:region"] == "us-east-1"
    assert config[f"{project}:streaming"] == "false"
    assert config[f"{project}:cdn"] == "true"


def test_networking_and_database_only_into_an_existing_account():
    recording = run_clean("aws-network-database")
    assert components(recording) == Counter({"forge-aws:index:Networking": 1,
                                             "forge-aws:index:Database": 1})
    assert "aws:rds/instance:Instance" in types(recording)
    assert not {t for t in types(recording) if t.startswith(
        ("aws:ecs", "aws:eks", "aws:elasticache", "aws:msk", "aws:cloudfront", "aws:lb"))}
    assert sorted(recording.exports) == [
        "app_security_group_id", "database_credentials_secret_id", "database_host",
        "database_port", "vpc_id"]
    assert recording.exports["database_port"] == 5432


def test_the_ecs_services_run_the_images_of_your_own_registry():
    recording = run_clean("aws-ecs-own-images", registry="registry.acme.test/shop",
                          imageTag="7.1.0")
    assert components(recording) == Counter({"forge-aws:index:Networking": 1,
                                             "forge-aws:index:EcsCompute": 1})
    images = {}
    for task in recording.of_type("aws:ecs/taskDefinition:TaskDefinition"):
        containers = task.inputs["containerDefinitions"]
        for container in json.loads(containers) if isinstance(containers, str) else containers:
            images[container["name"]] = container["image"]
    assert images == {name: f"registry.acme.test/shop/{name}:7.1.0"
                      for name in ("gateway", "api", "worker", "ui")}
    assert not {t for t in types(recording) if t.startswith("aws:ecr")}
    assert len(recording.of_type("aws:ecs/service:Service")) == 4
    assert recording.exports["url"] == "https://shop.example.com"


def test_a_gcp_data_layer():
    recording = run_clean("gcp-data-layer")
    assert components(recording) == Counter({
        "forge-gcp:index:Networking": 1, "forge-gcp:index:Database": 1,
        "forge-gcp:index:Cache": 1, "forge-gcp:index:Storage": 1})
    assert {t.split(":")[0] for t in types(recording)} == {"forge-gcp", "gcp", "random"}
    assert len(recording.of_type("gcp:sql/databaseInstance:DatabaseInstance")) == 1
    assert len(recording.of_type("gcp:redis/instance:Instance")) == 1
    assert sorted(recording.exports["bucket_names"]) == ["backups", "exports", "reports"]


STREAMING_OR_CDN = ("aws:msk", "aws:cloudfront", "aws:acm", "aws:route53", "tls:")
"""Type prefixes only the Streaming and Cdn components create in this example."""


def test_disabled_streaming_and_cdn_create_nothing():
    recording = run_clean("aws-without-streaming-or-cdn")
    assert components(recording) == Counter({
        "forge-aws:index:Networking": 1, "forge-aws:index:Database": 1,
        "forge-aws:index:Cache": 1, "forge-aws:index:Storage": 1})
    assert sorted(t for t in types(recording) if t.startswith(STREAMING_OR_CDN)) == []
    assert sorted(recording.exports) == ["bucket_names", "cache_host", "database_host"]


def test_enabling_them_in_the_same_example_adds_exactly_their_components():
    """The counter-check: the same program with both parts on does create them."""
    off = run_clean("aws-without-streaming-or-cdn")
    on = run_clean("aws-without-streaming-or-cdn", streaming="true", cdn="true")
    added = components(on) - components(off)
    assert added == Counter({"forge-aws:index:Streaming": 1, "forge-aws:index:Cdn": 1})
    assert {"aws:msk/cluster:Cluster", "aws:cloudfront/distribution:Distribution"} <= types(on)
    # nothing of the always-on parts changes when the optional ones are switched on
    assert {(r.type, r.name) for r in off.resources} <= {(r.type, r.name) for r in on.resources}
