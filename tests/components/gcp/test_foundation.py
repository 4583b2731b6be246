"""The GCP components together, as docs/COMPONENTS.md's example wires them: what holds across
components (no public path, no keys, every grant named, the clients' egress) and that the
documented example runs.

What this does not prove: that Google accepts the requests; only what the program asks for.
"""

import re

from forge_infra.plan.mocks.gcp import KNOWN_TYPES
from forge_infra.plan.recorder import Recording
from tests.components.gcp.conftest import REGION, run_gcp
from tests.conftest import ROOT

API = "serviceAccount:analytics-api@my-project.iam.gserviceaccount.com"
HEADING = "### Example: the GCP data services in another program"


def example() -> str:
    """The python block under the GCP example's heading in docs/COMPONENTS.md."""
    text = (ROOT / "docs" / "COMPONENTS.md").read_text(encoding="utf-8")
    section = text[text.index(HEADING):]
    match = re.search(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert match is not None, "no python block under the GCP example"
    return match.group(1)


def build() -> Recording:
    code = example()
    return run_gcp(lambda: exec(compile(code, "COMPONENTS.md", "exec"), {}))


def test_the_documented_example_runs_and_exports_what_it_says():
    rec = build()
    assert set(rec.exports) == {"database_host", "database_credentials_secret_id",
                                "cache_host", "bucket_names"}
    assert rec.exports["database_credentials_secret_id"].endswith(
        "/secrets/analytics-db-app-credentials")
    assert sorted(rec.exports["bucket_names"]) == ["backups", "exports", "reports"]
    db = rec.one("gcp:sql/databaseInstance:DatabaseInstance")
    assert db.protect is True and db.inputs["settings"]["availabilityType"] == "REGIONAL"
    assert rec.one("gcp:redis/instance:Instance").inputs["tier"] == "STANDARD_HA"


def test_no_service_account_key_and_no_public_member_anywhere():
    rec = build()
    assert [r.urn for r in rec.resources if r.type == "gcp:serviceaccount/key:Key"] == []
    members = [r for r in rec.resources if r.type.endswith("IamMember:SecretIamMember")
               or r.type.endswith("IAMMember")]
    assert members, "the example grants access"
    for member in members:
        assert member.inputs["member"] not in ("allUsers", "allAuthenticatedUsers"), member.urn
    granted = sorted((m.type.split(":")[1], m.inputs["role"], m.inputs["member"])
                     for m in members)
    assert granted == [
        ("secretmanager/secretIamMember", "roles/secretmanager.secretAccessor", API),
        ("secretmanager/secretIamMember", "roles/secretmanager.secretAccessor", API),
        ("secretmanager/secretIamMember", "roles/secretmanager.secretAccessor", API),
        ("storage/bucketIAMMember", "roles/storage.objectCreator", API),
        ("storage/bucketIAMMember", "roles/storage.objectViewer", API)]


def test_no_firewall_rule_admits_ingress_and_every_allow_is_tag_scoped():
    rules = build().of_type("gcp:compute/firewall:Firewall")
    assert len(rules) == 5  # the network's four, the cache's clients
    for rule in rules:
        if rule.inputs["direction"] == "INGRESS":
            assert not rule.inputs.get("allows"), rule.urn
        elif rule.inputs.get("allows"):
            assert rule.inputs["targetTags"], rule.urn


def test_the_data_clients_reach_the_database_range_and_the_cache_endpoint_only():
    rec = build()
    tagged = {r.name: r for r in rec.of_type("gcp:compute/firewall:Firewall")
              if r.inputs.get("targetTags") == ["forge-data-client"]}
    assert sorted(tagged) == ["analytics-allow-egress-data", "analytics-kv-clients"]
    cache = rec.one("gcp:redis/instance:Instance")
    assert tagged["analytics-kv-clients"].inputs["destinationRanges"] == [
        f"{cache.outputs['host']}/32"]
    assert tagged["analytics-allow-egress-data"].inputs["destinationRanges"] == ["10.20.0.0/16"]


def test_the_data_services_have_private_addresses_in_the_peered_range_only():
    rec = build()
    db = rec.one("gcp:sql/databaseInstance:DatabaseInstance")
    assert db.inputs["settings"]["ipConfiguration"]["ipv4Enabled"] is False
    assert rec.exports["database_host"].startswith("10.20.")
    assert rec.exports["cache_host"].startswith("10.20.")
    for bucket in rec.of_type("gcp:storage/bucket:Bucket"):
        assert bucket.inputs["publicAccessPrevention"] == "enforced", bucket.urn


def test_every_secret_stays_in_the_region():
    secrets = build().of_type("gcp:secretmanager/secret:Secret")
    assert sorted(s.name for s in secrets) == [
        "analytics-db-admin-credentials", "analytics-db-app-credentials",
        "analytics-db-app-password", "analytics-kv-auth"]
    for secret in secrets:
        assert secret.inputs["replication"] == {
            "userManaged": {"replicas": [{"location": REGION}]}}, secret.urn


def test_the_mocks_give_every_gcp_resource_an_id_in_the_providers_format():
    rec = build()
    used = {r.type for r in rec.resources if r.custom and r.type.startswith("gcp:")}
    assert used - KNOWN_TYPES == set()
    peering = rec.one("gcp:servicenetworking/connection:Connection")
    network = rec.one("gcp:compute/network:Network")
    assert peering.resource_id == f"{network.resource_id}:servicenetworking.googleapis.com"
    user = rec.one("gcp:sql/user:User", "analytics-db-app")
    instance = rec.one("gcp:sql/databaseInstance:DatabaseInstance")
    assert user.resource_id == f"forge_app//{instance.outputs['name']}"
