"""A new cloud needs only its own modules plus a registration.

This test defines a whole cloud target inside the test suite (its settings model, a foundation
and a runtime that declare pulumi_random resources), registers it, validates a stack of it and
plans it through the public offline API (`record_program`). Nothing in forge_infra knows about
this cloud. What it does not prove: anything about a real cloud (the resources are random ones).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar, Literal, cast

import pulumi
import pulumi_random as random
import pytest
from pydantic import Field

from forge_components.contracts import (
    CacheOutputs,
    DatabaseOutputs,
    NetworkingOutputs,
    StorageOutputs,
)
from forge_infra.config import ConfigError, StackConfig, config_from_mapping
from forge_infra.model.config import NAMESPACE, CloudSettings, Rule, Strict, problem
from forge_infra.model.target import (
    Foundation,
    Workload,
    register_target,
    registered_clouds,
    unregister_target,
)
from forge_infra.plan.engine import record_program

CLOUD = "fakecloud"


class FakeSize(Strict):
    """The fake cloud's one section."""

    shards: int = Field(default=1, ge=1, le=4)
    max_cpu: float = 2.0


class FakeSettings(CloudSettings):
    """`cloud: fakecloud`: a region from `fakecloud:region` and a `forge-infra:size` block."""

    internal_fields: ClassVar[frozenset[str]] = frozenset({"cloud", "region"})

    cloud: Literal["fakecloud"]
    region: str = Field(pattern=r"^moon-\d$")
    size: FakeSize = FakeSize()

    def region_name(self) -> str:
        """The region."""
        return self.region

    @classmethod
    def from_provider_config(cls, namespace: str, values: Mapping[str, Any],
                             ) -> tuple[dict[str, Any], list[str]]:
        """Only `fakecloud:region`."""
        raw = {k: v for k, v in values.items() if k == "region"}
        return raw, [f"{namespace}:{k}: unknown key; allowed: region" for k in values
                     if k != "region"]

    @classmethod
    def key_path(cls, loc: Sequence[str]) -> str:
        """`region` is `fakecloud:region`."""
        return "fakecloud:region" if list(loc[:1]) == ["region"] else (
            f"{NAMESPACE}:{'.'.join(loc)}")

    @classmethod
    def rules(cls) -> Sequence[Rule]:
        """Services may not ask for more CPU than `size.max_cpu`."""
        return (Rule(("size", "services"), _cpu_rule),)


def _cpu_rule(config: StackConfig) -> list[str]:
    settings = config.target
    assert isinstance(settings, FakeSettings)
    return [problem(f"services.{name}.cpu", f"got {svc.cpu:g}; fakecloud allows at most "
                                            f"{settings.size.max_cpu:g}")
            for name, svc in config.services.items() if svc.cpu > settings.size.max_cpu]


class _Outputs:
    """Contract outputs filled from one random resource."""

    def __init__(self, **outputs: pulumi.Output[Any]) -> None:
        for key, value in outputs.items():
            setattr(self, key, value)


class FakeTarget:
    """The fake cloud's builder."""

    @property
    def settings_model(self) -> type[FakeSettings]:
        """FakeSettings."""
        return FakeSettings

    def foundation(self, config: StackConfig) -> Foundation:
        """One random pet per data service."""
        prefix = f"{config.app.name}-{config.stack}"
        pet = random.RandomPet(f"{prefix}-network")
        db = random.RandomPet(f"{prefix}-db")
        cache = random.RandomPet(f"{prefix}-cache")
        password = random.RandomPassword(f"{prefix}-db-password", length=24)
        network = cast(NetworkingOutputs, _Outputs(
            network_id=pet.id, zones=pulumi.Output.from_input(["moon-1a"]),
            public_subnet_ids=pulumi.Output.from_input([]),
                                private_subnet_ids=pulumi.Output.from_input(["p-1"])))
        database = cast(DatabaseOutputs, _Outputs(host=db.id, port=pulumi.Output.from_input(5432),
                                 database_name=pulumi.Output.from_input("forge"),
                                 username=pulumi.Output.from_input("forge"),
                                 credentials_secret_id=password.id,
                                 app_username=pulumi.Output.from_input("forge_app"),
                                 auth_method=pulumi.Output.from_input("iam"),
                                 app_credentials_secret_id=pulumi.Output.from_input("")))
        cache_out = cast(CacheOutputs, _Outputs(host=cache.id, port=pulumi.Output.from_input(6380),
                                  auth_token_secret_id=cache.id.apply(lambda i: f"token-{i}")))
        storage = cast(StorageOutputs, _Outputs(
            bucket_names=pulumi.Output.from_input({"reports": "r"})))
        return Foundation(network=network, database=database, cache=cache_out,
                          streaming=None, storage=storage, app_secret_ids={})

    def runtime(self, config: StackConfig, foundation: Foundation,
                workload: Workload) -> dict[str, Any]:
        """One random id per service, keyed by the service's environment."""
        ids = {}
        settings = config.target
        assert isinstance(settings, FakeSettings)
        for spec in workload.services:
            ids[spec["name"]] = random.RandomId(
                f"{config.app.name}-{config.stack}-{spec['name']}", byte_length=4,
                keepers={"cpu": str(spec["cpu_millicores"]),
                         "shards": str(settings.size.shards),
                         "db": spec.get("environment", {}).get("DATABASE_HOST", "none")}).hex
        return {"url": pulumi.Output.from_input(f"https://{config.app.domain}"),
                "service_ids": pulumi.Output.all(**ids)}


def services(cpu: float = 0.5) -> dict[str, Any]:
    """The four services, minimal."""
    return {name: {"image": {"repository": f"ghcr.io/forge/{name}", "tag": "1.0.0"},
                   "cpu": cpu, "memory": 1024,
                   **({"secrets": {"REDIS_AUTH_TOKEN": "cache"}}
                      if name == "api" else {})}
            for name in ("gateway", "api", "worker", "ui")}


def fake_values(**extra: Any) -> dict[str, Any]:
    """A valid fakecloud stack's config mapping."""
    return {"forge-infra:cloud": CLOUD, "fakecloud:region": "moon-1",
            "forge-infra:app": {"name": "forge", "domain": "moon.example.com"},
            "forge-infra:size": {"shards": 2}, "forge-infra:services": services(), **extra}


@pytest.fixture
def fake_cloud() -> Iterator[None]:
    register_target(CLOUD, namespaces={"fakecloud"}, settings=FakeSettings,
                    target=FakeTarget())
    try:
        yield
    finally:
        unregister_target(CLOUD)


def test_a_registered_cloud_validates_and_plans(fake_cloud) -> None:
    assert registered_clouds() == sorted(["aws", "azure", "gcp", CLOUD])
    config = config_from_mapping(fake_values(), stack="dev", source="Pulumi.dev.yaml")
    assert (config.cloud, config.region, config.platform) == (CLOUD, "moon-1", None)
    assert isinstance(config.target, FakeSettings) and config.target.size.shards == 2

    recording = record_program(config)
    custom = sorted((r.type, r.name) for r in recording.resources if r.custom)
    assert custom == sorted([
        ("random:index/randomPet:RandomPet", "forge-dev-network"),
        ("random:index/randomPet:RandomPet", "forge-dev-db"),
        ("random:index/randomPet:RandomPet", "forge-dev-cache"),
        ("random:index/randomPassword:RandomPassword", "forge-dev-db-password"),
        *[("random:index/randomId:RandomId", f"forge-dev-{n}")
          for n in ("gateway", "api", "worker", "ui")]]), custom
    assert not any(r.type.startswith(("aws:", "pulumi:providers:aws")) for r in
                   recording.resources)
    api = recording.one("random:index/randomId:RandomId", "forge-dev-api")
    db = recording.one("random:index/randomPet:RandomPet", "forge-dev-db")
    # The neutral program composed the data-service environment from the contract outputs.
    assert api.inputs["keepers"] == {"cpu": "500", "shards": "2",
                                     "db": db.resource_id}, api.urn
    exports = recording.exports
    assert exports["url"] == "https://moon.example.com"
    assert exports["network_id"] == recording.one(
        "random:index/randomPet:RandomPet", "forge-dev-network").resource_id
    assert exports["database_host"] == db.resource_id
    assert exports["database_port"] == 5432
    assert exports["kafka_bootstrap_brokers"] == ""
    assert sorted(exports["service_ids"]) == ["api", "gateway", "ui", "worker"]


def test_an_aws_key_in_another_clouds_stack_is_an_unknown_key(fake_cloud) -> None:
    values = fake_values(**{"aws:region": "us-east-1",
                            "forge-infra:database": {"multi_az": True},
                            "fakecloud:zone": "a"})
    with pytest.raises(ConfigError) as info:
        config_from_mapping(values, stack="dev", source="Pulumi.dev.yaml")
    allowed = ("app, budget, cloud, dr, environment, policy, protect, rollout, secrets, "
               "services, size, tags, usage")
    assert info.value.problems == [
        f"forge-infra:database: unknown key; allowed for cloud fakecloud: {allowed}",
        "aws:region: unknown key; a stack of cloud fakecloud takes provider settings under "
        f"fakecloud: and these forge-infra: keys: {allowed}",
        "fakecloud:zone: unknown key; allowed: region",
    ]
    assert str(info.value).startswith("Pulumi.dev.yaml: 3 configuration problems")


def test_the_new_clouds_rules_and_fields_report_together(fake_cloud) -> None:
    values = fake_values(**{"forge-infra:services": services(cpu=4),
                            "fakecloud:region": "mars-1"})
    with pytest.raises(ConfigError) as info:
        config_from_mapping(values, stack="dev", source="Pulumi.dev.yaml")
    assert info.value.problems == [
        "fakecloud:region: got 'mars-1'; must match the pattern ^moon-\\d$",
        *[f"forge-infra:services.{n}.cpu: got 4; fakecloud allows at most 2"
          for n in ("gateway", "api", "worker", "ui")],
    ]


def test_an_unregistered_cloud_is_refused_with_the_registered_ones() -> None:
    with pytest.raises(ConfigError) as info:
        config_from_mapping(fake_values(), stack="dev", source="Pulumi.dev.yaml")
    assert info.value.problems == [
        "forge-infra:cloud: got 'fakecloud'; registered cloud targets: aws, azure, gcp"]


def test_a_dr_mode_the_new_cloud_does_not_declare_is_refused(fake_cloud) -> None:
    """A target that declares no cross-region copy refuses `forge-infra:dr` rather than
    leave the stack without the copy it asked for."""
    values = fake_values(**{"forge-infra:dr": {"mode": "backup", "region": "moon-2"}})
    with pytest.raises(ConfigError) as info:
        config_from_mapping(values, stack="dev", source="Pulumi.dev.yaml")
    assert info.value.problems == [
        "forge-infra:dr.mode: got backup; cloud fakecloud declares no backup recovery in this "
        "version; allowed: none (docs/DISASTER_RECOVERY.md)"]
