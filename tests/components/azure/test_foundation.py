"""The Azure components together, as docs/COMPONENTS.md's example wires them: the documented
example runs, nothing is public, every grant is named, and every Azure resource gets an ARM
id in its resource group.

What this does not prove: that Azure accepts the requests; only what the program asks for.
"""

import re

from forge_infra.plan.mocks.azure_native import KNOWN_TYPES
from forge_infra.plan.recorder import Recording
from tests.components.azure.conftest import SUBSCRIPTION, run_azure
from tests.conftest import ROOT

HEADING = "### Example: the Azure network and database in another program"
OPERATORS = "44444444-4444-4444-4444-444444444444"


def example() -> str:
    """The python block under the Azure example's heading in docs/COMPONENTS.md."""
    text = (ROOT / "docs" / "COMPONENTS.md").read_text(encoding="utf-8")
    section = text[text.index(HEADING):]
    match = re.search(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert match is not None, "no python block under the Azure example"
    return match.group(1)


def build() -> Recording:
    code = example()
    return run_azure(lambda: exec(compile(code, "COMPONENTS.md", "exec"), {}))


def test_the_documented_example_runs_and_exports_what_it_says():
    rec = build()
    assert set(rec.exports) == {"database_host", "database_credentials_secret_id",
                                "nat_public_ip"}
    server = rec.one("azure-native:dbforpostgresql:Server")
    assert rec.exports["database_host"] == f"{server.outputs['name']}.postgres.database.azure.com"
    assert rec.exports["database_credentials_secret_id"].endswith(
        ".vault.azure.net/secrets/analytics-db-admin-credentials")
    assert server.protect is True
    assert server.inputs["highAvailability"]["mode"] == "ZoneRedundant"
    assert server.inputs["backup"] == {"backupRetentionDays": 14,
                                       "geoRedundantBackup": "Enabled"}
    assert rec.one("azure-native:network:FlowLog").inputs["storageId"].endswith(
        "/storageAccounts/analyticslogs")
    configured = {c.inputs["configurationName"] for c in
                  rec.of_type("azure-native:dbforpostgresql:Configuration")}
    assert {"azure.extensions", "shared_preload_libraries"} <= configured


def test_nothing_is_public_but_the_nat_ip_and_every_grant_is_named():
    rec = build()
    server = rec.one("azure-native:dbforpostgresql:Server")
    vault = rec.one("azure-native:keyvault:Vault")
    assert server.inputs["network"]["publicNetworkAccess"] == "Disabled"
    assert vault.inputs["properties"]["publicNetworkAccess"] == "Disabled"
    assert [r.type for r in rec.of_type("azure-native:network:PublicIPAddress")] == [
        "azure-native:network:PublicIPAddress"]
    grants = [(a.inputs["principalId"], a.inputs["roleDefinitionId"].rsplit("/", 1)[-1])
              for a in rec.of_type("azure-native:authorization:RoleAssignment")]
    assert grants == [(OPERATORS, "4633458b-17de-408a-b874-0445c86b69e6")]


def test_every_azure_resource_gets_an_arm_id_in_its_resource_group():
    rec = build()
    used = {r.type for r in rec.resources if r.custom and r.type.startswith("azure-native:")}
    assert used - KNOWN_TYPES == set()
    group = rec.one("azure-native:resources:ResourceGroup")
    base = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/"
    assert group.resource_id == base + group.outputs["name"]
    for r in rec.resources:
        if not r.custom or not r.type.startswith("azure-native:") or r is group:
            continue
        expected = "NetworkWatcherRG" if r.type == "azure-native:network:FlowLog" else (
            group.outputs["name"])
        assert r.resource_id.startswith(f"{base}{expected}/providers/"), r.urn
