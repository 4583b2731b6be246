"""`forge-infra:dr` on Azure: what the configuration refuses (a recovery region other than the
paired one, keys the mechanism has no use for, settings that would leave a copy out), and
what reaches the resources and the exports, from the stack file (azure-prod: backup to
westus) and for pilot_light.

Under mocks: this proves what Azure is asked for (geo-redundant backups, a geo-redundant
account, a VNet in the paired region), not that Azure copies the data or that a geo-restore
succeeds; docs/DISASTER_RECOVERY.md ("Azure") has the drill.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from forge_components.azure.limits import PAIRED_REGIONS, REGIONS
from forge_infra.config import ConfigError, config_from_mapping
from forge_infra.plan.engine import run_plan
from forge_infra.plan.model import Plan, PlanResource
from tests.conftest import ROOT

SERVER = "azure-native:dbforpostgresql:Server"
ACCOUNT = "azure-native:storage:StorageAccount"
VNET = "azure-native:network:VirtualNetwork"
GROUP = "azure-native:resources:ResourceGroup"
SUBNET = "azure-native:network:Subnet"
NAT = "azure-native:network:NatGateway"
ZONE = "azure-native:privatedns:PrivateZone"
LINK = "azure-native:privatedns:VirtualNetworkLink"
FLOW_LOG = "azure-native:network:FlowLog"


def values_with_dr(stack: str, dr: dict[str, Any] | None, **sections: dict[str, Any]
                   ) -> dict[str, Any]:
    """The stack file's values with `forge-infra:dr` replaced (None: removed) and keys of
    other sections changed (a None value drops the key)."""
    values = copy.deepcopy(yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"])
    values.pop("forge-infra:dr", None)
    if dr is not None:
        values["forge-infra:dr"] = dr
    for section, changes in sections.items():
        block = values.setdefault(f"forge-infra:{section}", {})
        for key, value in changes.items():
            if value is None:
                block.pop(key, None)
            else:
                block[key] = value
    return values


def problems_of(stack: str, values: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        config_from_mapping(values, stack=stack, source=f"Pulumi.{stack}.yaml")
    return info.value.problems


def plan_of(stack: str, values: dict[str, Any]) -> Plan:
    config = config_from_mapping(values, stack=stack, source=f"Pulumi.{stack}.yaml")
    return run_plan(stack, ROOT, config=config)


def one(plan: Plan, type_token: str, name: str) -> PlanResource:
    found = [r for r in plan.resources if r.type == type_token and r.name == name]
    assert len(found) == 1, (type_token, name, [r.name for r in plan.resources
                                                if r.type == type_token])
    return found[0]


# -- refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("dr", "expected"), [
    ({"mode": "backup"},
     "forge-infra:dr.region: required with dr.mode backup: the paired region of eastus, "
     "westus"),
    ({"mode": "pilot_light", "region": "eastus2"},
     "forge-infra:dr.region: got 'eastus2'; PostgreSQL's geo-redundant backups and the "
     "storage account's geo-replication copy only to the paired region of eastus; allowed: "
     "westus"),
    ({"region": "westus"},
     "forge-infra:dr.region: got 'westus' with dr.mode none; set dr.mode to backup or "
     "pilot_light, or remove dr.region"),
    ({"mode": "backup", "region": "westus", "backup_interval_hours": 4},
     "forge-infra:dr.backup_interval_hours: got 4; has no meaning on Azure: PostgreSQL copies "
     "its backups and WAL to the paired region as they are taken (up to one hour behind), on "
     "no schedule of its own; remove the key"),
    ({"mode": "backup", "region": "westus", "retention_days": 14},
     "forge-infra:dr.retention_days: got 14; has no meaning on Azure: the geo-redundant copy "
     "keeps the server's own backups: set database.backup_retention_days; remove the key"),
    ({"mode": "backup", "region": "westus", "dr_retention_days": 30},
     "forge-infra:dr.dr_retention_days: got 30; has no meaning on Azure: the paired region's "
     "copy is kept as long as the server's backups: set database.backup_retention_days; "
     "remove the key"),
])
def test_bad_dr_settings_are_refused_with_the_allowed_values(dr: dict[str, Any],
                                                              expected: str) -> None:
    assert problems_of("azure-prod", values_with_dr("azure-prod", dr)) == [expected]


def test_the_default_interval_written_as_24_is_still_refused() -> None:
    """Written is written: a value equal to the default says the user expects a schedule."""
    problems = problems_of("azure-prod", values_with_dr(
        "azure-prod", {"mode": "backup", "region": "westus", "backup_interval_hours": 24}))
    assert [p.split(":")[1] for p in problems] == ["dr.backup_interval_hours"]


def test_explicit_settings_that_leave_a_copy_out_are_refused_not_changed() -> None:
    """azure-dev writes geo_redundant_backup: false and storage.sku: Standard_LRS; with dr on
    both are refused (never silently turned on)."""
    problems = problems_of("azure-dev", values_with_dr(
        "azure-dev", {"mode": "backup", "region": "westus"}))
    assert problems == [
        "forge-infra:database.geo_redundant_backup: got false with dr.mode backup: the "
        "database's copy in the paired region is its geo-redundant backup (set true, or "
        "remove the key; it is chosen when the server is created: on an existing server it "
        "means a new server restored from a backup)",
        "forge-infra:storage.sku: got Standard_LRS with dr.mode backup: the reports, exports "
        "and backups reach the paired region only with geo-redundant storage; allowed: "
        "Standard_GRS, Standard_RAGRS, Standard_GZRS, Standard_RAGZRS (or remove the key: "
        "Standard_GRS)"]


def test_a_location_without_a_pair_has_no_dr() -> None:
    values = values_with_dr("azure-prod", {"mode": "backup", "region": "westus"})
    values["azure-native:location"] = "italynorth"
    problems = [p for p in problems_of("azure-prod", values) if p.startswith("forge-infra:dr")]
    assert problems == [
        "forge-infra:dr.mode: got backup, but italynorth (azure-native:location) has no "
        "paired region in Microsoft's table (forge_components.azure.limits.PAIRED_REGIONS): "
        "PostgreSQL's geo-redundant backups and geo-redundant storage copy only to the paired "
        "region; run the stack in a paired region or set dr.mode none"]


def test_pilot_light_needs_a_pair_forge_infra_deploys_to() -> None:
    values = values_with_dr("azure-prod", {"mode": "pilot_light", "region": "germanynorth"})
    values["azure-native:location"] = "germanywestcentral"
    problems = [p for p in problems_of("azure-prod", values) if p.startswith("forge-infra:dr")]
    assert problems == [
        "forge-infra:dr.mode: pilot_light builds a VNet in germanynorth, which is not among "
        "the regions forge-infra deploys to (forge_components.azure.limits.REGIONS; Microsoft "
        "lists it as access-restricted, on request); use dr.mode backup"]


def test_the_pairs_table_is_consistent() -> None:
    """Every region forge-infra deploys to that has a pair names another region; the pairs
    are mutual except the three one-way rows Microsoft's table states."""
    one_way = {"westindia", "brazilsouth", "westus3"}
    for region, pair in PAIRED_REGIONS.items():
        assert pair != region
        if region not in one_way and region in REGIONS:
            assert PAIRED_REGIONS.get(pair) == region, (region, pair)
    assert PAIRED_REGIONS["eastus"] == "westus"


# -- the stack file's value reaches the resources ------------------------------------------------


@pytest.fixture(scope="module")
def prod() -> Plan:
    return run_plan("azure-prod", ROOT)


def test_azure_prod_copies_to_westus(prod: Plan) -> None:
    dr = yaml.safe_load((ROOT / "Pulumi.azure-prod.yaml").read_text())["config"][
        "forge-infra:dr"]
    assert dr == {"mode": "backup", "region": "westus"}
    server = one(prod, SERVER, "forge-azure-prod-db-server")
    assert server.props["backup"]["geoRedundantBackup"] == "Enabled", server.urn
    account = one(prod, ACCOUNT, "forge-azure-prod-storage-account")
    assert account.props["sku"] == {"name": "Standard_GRS"}, account.urn
    outputs = prod.outputs
    assert outputs["dr_region"] == "westus"
    assert outputs["dr_rto_target_hours"] == 4.0
    assert outputs["dr_rpo_target_hours"] == 24.0
    assert outputs["dr_declaration_minutes"] == 30
    assert outputs["dr_database_server_id"] == server.id
    assert outputs["dr_storage_sku"] == "Standard_GRS"
    assert "dr_network_id" not in outputs
    assert not [r.name for r in prod.resources if "-dr-" in r.name]


def test_dr_turns_on_what_the_stack_file_leaves_unset() -> None:
    """azure-dev without its explicit false/LRS: dr makes the backups and the account
    geo-redundant; without dr they stay as they were."""
    unset = {"database": {"geo_redundant_backup": None}, "storage": {"sku": None}}
    with_dr = plan_of("azure-dev", values_with_dr(
        "azure-dev", {"mode": "backup", "region": "westus", "rpo_target_hours": 2},
        **unset))
    server = one(with_dr, SERVER, "forge-azure-dev-db-server")
    assert server.props["backup"]["geoRedundantBackup"] == "Enabled"
    account = one(with_dr, ACCOUNT, "forge-azure-dev-storage-account")
    assert account.props["sku"] == {"name": "Standard_GRS"}
    assert with_dr.outputs["dr_rpo_target_hours"] == 2.0
    without = plan_of("azure-dev", values_with_dr("azure-dev", None, **unset))
    assert one(without, SERVER, "forge-azure-dev-db-server").props["backup"][
        "geoRedundantBackup"] == "Disabled"
    assert one(without, ACCOUNT, "forge-azure-dev-storage-account").props["sku"] == {
        "name": "Standard_LRS"}
    assert not [k for k in without.outputs if k.startswith("dr_")]


def test_an_explicit_ragrs_account_is_kept() -> None:
    plan = plan_of("azure-prod", values_with_dr(
        "azure-prod", {"mode": "backup", "region": "westus"},
        storage={"sku": "Standard_RAGRS"}))
    assert one(plan, ACCOUNT, "forge-azure-prod-storage-account").props["sku"] == {
        "name": "Standard_RAGRS"}


def test_pilot_light_builds_the_paired_regions_network_for_a_geo_restore() -> None:
    plan = plan_of("azure-prod", values_with_dr(
        "azure-prod", {"mode": "pilot_light", "region": "westus", "declaration_minutes": 45}))
    group = one(plan, GROUP, "forge-azure-prod-dr-network-rg")
    assert group.props["location"] == "westus"
    vnet = one(plan, VNET, "forge-azure-prod-dr-network-vnet")
    assert vnet.props["location"] == "westus"
    assert vnet.props["addressSpace"] == {"addressPrefixes": ["10.50.0.0/16"]}
    assert vnet.props["resourceGroupName"] == group.outputs["name"]
    database = one(plan, SUBNET, "forge-azure-prod-dr-network-database")
    assert database.props["addressPrefix"] == "10.50.2.0/26"
    assert [d["serviceName"] for d in database.props["delegations"]] == [
        "Microsoft.DBforPostgreSQL/flexibleServers"]
    zone = one(plan, ZONE, "forge-azure-prod-dr-network-postgres-zone")
    assert zone.props["privateZoneName"].endswith(".postgres.database.azure.com")
    link = one(plan, LINK, "forge-azure-prod-dr-network-postgres-zone-link")
    assert link.props["virtualNetwork"] == {"id": vnet.id}
    dr_names = [r.name for r in plan.resources if r.type in (NAT, FLOW_LOG)
                and "-dr-" in r.name]
    assert dr_names == [], "the pilot light runs nothing: no NAT, no flow log"
    outputs = plan.outputs
    assert outputs["dr_network_id"] == vnet.id
    assert outputs["dr_database_subnet_id"] == database.id
    assert outputs["dr_postgres_private_dns_zone_id"] == zone.id
    assert outputs["dr_resource_group_name"] == group.outputs["name"]
    assert outputs["dr_declaration_minutes"] == 45
    # the stack's own network is unchanged: still in eastus, with its NAT gateway
    assert one(plan, VNET, "forge-azure-prod-network-vnet").props["location"] == "eastus"
    assert [r.name for r in plan.resources if r.type == NAT] == ["forge-azure-prod-network-nat"]


def test_a_prod_stack_with_dr_and_no_geo_backup_hears_both_reasons() -> None:
    problems = problems_of("azure-prod", values_with_dr(
        "azure-prod", {"mode": "backup", "region": "westus"},
        database={"geo_redundant_backup": False}))
    assert [p.split(":")[1].split(" ")[0] for p in problems] == [
        "database.geo_redundant_backup", "database.geo_redundant_backup"]
    assert "with dr.mode backup" in problems[0]
    assert problems[1].endswith("[policy rule azure-postgres-geo-backup]")
