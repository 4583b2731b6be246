"""The GCP Streaming component's `redpanda` engine under the offline mocks: private Shielded
VMs with encrypted disks, SASL/SCRAM with the password in Secret Manager (never in metadata),
exact IAM grants, no key, the firewall rules, the contract's outputs, and a startup script
that passes shellcheck.

What these tests do not prove: that the script installs Redpanda on the image or that the
cluster forms (that needs a real project); that Google accepts the machine type or the disk in
the zone. Only that the program asks for what it should and the script is sound shell.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pulumi
import pytest

from forge_components.gcp.limits import RedpandaMode, StreamingEngine
from forge_components.gcp.networking import Networking, NetworkingArgs
from forge_components.gcp.streaming import (
    Streaming,
    StreamingArgs,
    render_redpanda_startup_script,
    validate_streaming_args,
)
from forge_infra.plan.mocks.gcp import KNOWN_TYPES
from forge_infra.plan.mocks.random import random_password
from forge_infra.plan.recorder import SECRET_MASK, RecordedResource, Recording
from tests.components.gcp.conftest import PROJECT, REGION, run_gcp

INSTANCE = "gcp:compute/instance:Instance"
DISK = "gcp:compute/disk:Disk"
ADDRESS = "gcp:compute/address:Address"
ACCOUNT = "gcp:serviceaccount/account:Account"
SECRET = "gcp:secretmanager/secret:Secret"
VERSION = "gcp:secretmanager/secretVersion:SecretVersion"
SECRET_MEMBER = "gcp:secretmanager/secretIamMember:SecretIamMember"
FIREWALL = "gcp:compute/firewall:Firewall"
ZONES = [f"{REGION}-b", f"{REGION}-c", f"{REGION}-d"]
API_SA = "serviceAccount:forge-api@forge-offline-plan.iam.gserviceaccount.com"
BROKER_SA = f"ev-redpanda@{PROJECT}.iam.gserviceaccount.com"
KEY = f"projects/{PROJECT}/locations/{REGION}/keyRings/forge/cryptoKeys/redpanda"
OUTPUTS = ("bootstrap_brokers", "security_protocol", "sasl_mechanism", "username",
           "credentials_secret_id", "engine", "cluster_name", "client_role",
           "broker_service_account", "broker_count", "password_secret_id")


def build(**overrides: Any) -> Recording:
    """A Networking "net" and a Redpanda Streaming "ev" on it, outputs exported."""
    def program() -> None:
        net = Networking("net", NetworkingArgs(region=REGION))
        args: dict[str, Any] = {
            "region": REGION, "network_id": net.network_id,
            "workloads_subnet_id": net.workloads_subnet_id,
            "workloads_subnet_cidr": net.workloads_subnet_cidr,
            "instances_subnet_id": net.instances_subnet_id,
            "engine": StreamingEngine.REDPANDA, "zones": ZONES}
        streaming = Streaming("ev", StreamingArgs(**(args | overrides)))
        for key in OUTPUTS:
            pulumi.export(key, getattr(streaming, key))
    return run_gcp(program)


def brokers(rec: Recording) -> list[RecordedResource]:
    return sorted(rec.of_type(INSTANCE), key=lambda r: r.name)


def addresses(rec: Recording) -> list[str]:
    return [rec.one(ADDRESS, f"ev-broker-{i}-ip").outputs["address"] for i in (1, 2, 3)]


def test_the_contract_outputs_tell_clients_to_use_scram_from_the_secret():
    rec = build(client_members=[API_SA])
    ips = addresses(rec)
    secret = rec.one(SECRET, "ev-kafka-credentials")
    assert {key: rec.exports[key] for key in OUTPUTS} == {
        "bootstrap_brokers": ",".join(f"{ip}:9092" for ip in ips),
        "security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": "SCRAM-SHA-512",
        "username": "forge", "credentials_secret_id": secret.resource_id,
        "engine": "redpanda", "cluster_name": "",
        "client_role": "roles/secretmanager.secretAccessor",
        "broker_service_account": BROKER_SA, "broker_count": 3,
        "password_secret_id": f"projects/{PROJECT}/secrets/ev-kafka-password"}
    assert secret.resource_id == f"projects/{PROJECT}/secrets/ev-kafka-credentials"


def test_brokers_are_private_shielded_spread_and_in_the_instances_subnet():
    rec = build()
    subnet = rec.one("gcp:compute/subnetwork:Subnetwork", "net-instances")
    ips = addresses(rec)
    assert len(set(ips)) == 3 and all(ip.startswith("10.10.16.") for ip in ips), ips
    for i, vm in enumerate(brokers(rec)):
        inputs = vm.inputs
        assert inputs["zone"] == ZONES[i], vm.urn
        assert inputs["networkInterfaces"] == [
            {"subnetwork": subnet.resource_id, "networkIp": ips[i]}], vm.urn
        assert inputs["shieldedInstanceConfig"] == {
            "enableSecureBoot": True, "enableVtpm": True,
            "enableIntegrityMonitoring": True}, vm.urn
        assert inputs["serviceAccount"] == {
            "email": BROKER_SA,
            "scopes": ["https://www.googleapis.com/auth/cloud-platform"]}, vm.urn
        assert inputs["tags"] == ["forge-redpanda"], vm.urn
        assert inputs["metadata"]["enable-oslogin"] == "TRUE", vm.urn
        assert inputs["metadata"]["block-project-ssh-keys"] == "TRUE", vm.urn
        assert inputs["bootDisk"]["initializeParams"]["image"] == (
            "ubuntu-os-cloud/ubuntu-2204-lts"), vm.urn
        assert vm.ignore_changes == ["bootDisk.initializeParams.image"], vm.urn
    for address in rec.of_type(ADDRESS):
        assert address.inputs["addressType"] == "INTERNAL", address.urn


def test_data_disks_outlive_the_instances_and_are_encrypted_with_cmek_when_asked():
    rec = build(kms_key_name=KEY, protect=True)
    for i, vm in enumerate(brokers(rec)):
        disk = rec.one(DISK, f"ev-broker-{i + 1}-data")
        assert disk.inputs["diskEncryptionKey"] == {"kmsKeySelfLink": KEY}, disk.urn
        assert disk.inputs["createSnapshotBeforeDestroy"] is True, disk.urn
        assert disk.protect is True and disk.inputs["zone"] == vm.inputs["zone"], disk.urn
        assert vm.inputs["attachedDisks"] == [{
            "source": disk.outputs["selfLink"], "deviceName": "redpanda-data",
            "kmsKeySelfLink": KEY}], vm.urn
        assert vm.inputs["bootDisk"]["kmsKeySelfLink"] == KEY, vm.urn
    default = build()
    for disk in default.of_type(DISK):
        assert "diskEncryptionKey" not in disk.inputs and disk.protect is False, disk.urn
    for vm in brokers(default):
        assert "kmsKeySelfLink" not in vm.inputs["bootDisk"], vm.urn


def test_the_password_is_in_secret_manager_only_never_in_metadata():
    rec = build()
    secret = rec.one(SECRET, "ev-kafka-credentials")
    assert secret.inputs["replication"] == {
        "userManaged": {"replicas": [{"location": REGION}]}}, secret.urn
    version = rec.one(VERSION, "ev-kafka-credentials")
    assert version.inputs["secretData"] == SECRET_MASK, version.urn
    generated = rec.one("random:index/randomPassword:RandomPassword")
    assert generated.inputs["length"] == 32 and generated.inputs["special"] is False
    # The value the mocks generated (the recording masks it as a secret).
    password = random_password(generated.name, generated.inputs)["result"]
    assert len(password) == 32
    for vm in brokers(rec):
        metadata = json.dumps(vm.inputs["metadata"])
        assert password not in metadata, vm.urn
        assert "KAFKA_PASSWORD=\"" not in metadata, vm.urn
        assert secret.resource_id in vm.inputs["metadata"]["startup-script"], vm.urn
        assert version.urn in vm.dependencies, vm.urn


def test_the_password_alone_is_a_whole_value_secret_for_cloud_run():
    """KAFKA_PASSWORD on Cloud Run references a secret read whole: the password alone, from
    the same generated value, in the region, protected like the JSON secret."""
    rec = build(protect=True)
    secret = rec.one(SECRET, "ev-kafka-password")
    assert secret.inputs["secretId"] == "ev-kafka-password", secret.urn
    assert secret.inputs["replication"] == {
        "userManaged": {"replicas": [{"location": REGION}]}}, secret.urn
    assert secret.protect is True, secret.urn
    version = rec.one(VERSION, "ev-kafka-password")
    generated = rec.one("random:index/randomPassword:RandomPassword")
    assert version.inputs["secret"] == secret.resource_id, version.urn
    assert version.inputs["secretData"] == SECRET_MASK, version.urn
    assert version.property_dependencies["secretData"] == [generated.urn], version.urn
    assert rec.exports["password_secret_id"] == secret.resource_id


def test_exact_iam_grants_and_no_service_account_key():
    rec = build(client_members=[API_SA])
    secret = rec.one(SECRET, "ev-kafka-credentials")
    password = rec.one(SECRET, "ev-kafka-password")
    grants = sorted((m.inputs["secretId"], m.inputs["role"], m.inputs["member"])
                    for m in rec.of_type(SECRET_MEMBER))
    # The brokers read the JSON credentials only; the client may read both secrets.
    assert grants == sorted([
        (secret.resource_id, "roles/secretmanager.secretAccessor", f"serviceAccount:{BROKER_SA}"),
        (secret.resource_id, "roles/secretmanager.secretAccessor", API_SA),
        (password.resource_id, "roles/secretmanager.secretAccessor", API_SA)])
    assert rec.of_type("gcp:projects/iAMMember:IAMMember") == []
    assert [r.urn for r in rec.resources if r.type == "gcp:serviceaccount/key:Key"] == []
    account = rec.one(ACCOUNT)
    assert account.inputs["accountId"] == "ev-redpanda", account.urn
    reads = rec.one(SECRET_MEMBER, "ev-broker-reads-credentials")
    for vm in brokers(rec):
        assert reads.urn in vm.dependencies, vm.urn


def test_firewall_rules_admit_exactly_the_kafka_clients_and_the_brokers_mesh():
    rec = build()
    ranges = [f"{ip}/32" for ip in addresses(rec)]
    rules = {r.name: {k: r.inputs.get(k) for k in (
        "direction", "sourceRanges", "sourceTags", "destinationRanges", "targetTags",
        "allows")} for r in rec.of_type(FIREWALL) if r.name.startswith("ev-")}
    mesh = [{"protocol": "tcp", "ports": ["33145", "9644"]}]
    assert rules == {
        "ev-kafka-from-clients": {
            "direction": "INGRESS", "sourceRanges": ["10.10.0.0/20"], "sourceTags": None,
            "destinationRanges": None, "targetTags": ["forge-redpanda"],
            "allows": [{"protocol": "tcp", "ports": ["9092"]}]},
        "ev-broker-mesh-in": {
            "direction": "INGRESS", "sourceRanges": None, "sourceTags": ["forge-redpanda"],
            "destinationRanges": None, "targetTags": ["forge-redpanda"], "allows": mesh},
        "ev-broker-mesh-out": {
            "direction": "EGRESS", "sourceRanges": None, "sourceTags": None,
            "destinationRanges": ranges, "targetTags": ["forge-redpanda"], "allows": mesh},
        "ev-broker-egress-web": {
            "direction": "EGRESS", "sourceRanges": None, "sourceTags": None,
            "destinationRanges": ["0.0.0.0/0"], "targetTags": ["forge-redpanda"],
            "allows": [{"protocol": "tcp", "ports": ["80", "443"]}]},
        "ev-kafka-clients": {
            "direction": "EGRESS", "sourceRanges": None, "sourceTags": None,
            "destinationRanges": ranges, "targetTags": ["forge-data-client"],
            "allows": [{"protocol": "tcp", "ports": ["9092"]}]},
    }
    for rule in rec.of_type(FIREWALL):
        if rule.name.startswith("ev-"):
            assert rule.inputs["priority"] == 1000, rule.urn
            assert rule.inputs["logConfig"] == {"metadata": "INCLUDE_ALL_METADATA"}, rule.urn


def test_deletion_protection_and_the_mocks_know_every_type():
    rec = build(deletion_protection=True)
    for vm in brokers(rec):
        assert vm.inputs["deletionProtection"] is True, vm.urn
    used = {r.type for r in rec.resources if r.custom and r.type.startswith("gcp:")}
    assert used - KNOWN_TYPES == set()
    vm = brokers(rec)[0]
    assert vm.resource_id == f"projects/{PROJECT}/zones/{ZONES[0]}/instances/" \
                             f"{vm.outputs['name']}"


def test_the_startup_script_seeds_every_peer_and_requires_sasl():
    script = render_redpanda_startup_script(
        node_id=1, self_ip="10.10.16.11", peer_ips=["10.10.16.10", "10.10.16.11", "10.10.16.12"],
        redpanda_version="26.2.7", credentials_secret="projects/p/secrets/ev-kafka-credentials",
        mode=RedpandaMode.DEVELOPMENT, broker_name="ev-broker-2")
    assert "__" not in script.replace("__pycache__", "")
    for ip in ("10.10.16.10", "10.10.16.11", "10.10.16.12"):
        assert f"address: {ip}\n        port: 33145" in script
    assert 'NODE_ID="1"' in script and 'SELF_IP="10.10.16.11"' in script
    assert 'REDPANDA_MODE="development"' in script
    assert 'CREDENTIALS_SECRET="projects/p/secrets/ev-kafka-credentials"' in script
    assert "authentication_method: sasl" in script and "enable_sasl: true" in script
    assert 'SASL_MECHANISM="SCRAM-SHA-512"' in script
    assert "default_topic_replications: 3" in script
    with pytest.raises(ValueError):
        render_redpanda_startup_script(
            node_id=0, self_ip="not-an-ip", peer_ips=["10.0.0.1"], redpanda_version="26.2.7",
            credentials_secret="projects/p/secrets/s")


def test_the_startup_script_passes_shellcheck(tmp_path: Path):
    script = tmp_path / "redpanda-gcp.sh"
    script.write_text(render_redpanda_startup_script(
        node_id=0, self_ip="10.10.16.10", peer_ips=["10.10.16.10", "10.10.16.11", "10.10.16.12"],
        redpanda_version="26.2.7", credentials_secret="projects/p/secrets/s"))
    template = (Path(__file__).parents[3] / "components" / "forge_components" / "gcp"
                / "templates" / "redpanda-broker.sh")
    tool = shutil.which("shellcheck", path=str(Path(sys.executable).parent)) or shutil.which(
        "shellcheck")
    assert tool, "shellcheck is not installed (dev extras)"
    result = subprocess.run([tool, "--shell=bash", str(template), str(script)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def _args(**overrides: Any) -> StreamingArgs:
    return StreamingArgs(**({
        "region": REGION, "network_id": "projects/p/global/networks/n",
        "workloads_subnet_id": "projects/p/regions/r/subnetworks/w",
        "workloads_subnet_cidr": "10.10.0.0/20",
        "instances_subnet_id": "projects/p/regions/r/subnetworks/i",
        "engine": StreamingEngine.REDPANDA, "zones": ZONES} | overrides))


@pytest.mark.parametrize(("overrides", "message"), [
    ({"instances_subnet_id": None},
     "Streaming: redpanda needs instances_subnet_id (Networking's instances_subnet_id)"),
    ({"zones": []},
     "Streaming: redpanda needs zones (the region's zones the brokers are spread over)"),
    ({"zones": ["us-east1-b"]},
     "Streaming: zone 'us-east1-b' is not a zone of region 'europe-west1'"),
    ({"broker_count": 2}, "Streaming: broker_count must be odd (Raft majorities), got 2"),
    ({"redpanda_version": "26.2"},
     "Streaming: redpanda_version must be a full release such as \"26.2.7\" (all three "
     "packages are pinned to it), got '26.2'"),
    ({"redpanda_mode": "fast"},
     "Streaming: redpanda_mode 'fast' is not one of ['production', 'development']"),
    ({"data_disk_type": "pd-standard"},
     "Streaming: data_disk_type 'pd-standard' is not one of ['pd-balanced', 'pd-ssd']"),
    ({"data_disk_gb": 5},
     "Streaming: data_disk_gb and boot_disk_gb must be 10 or more, got 5 and 20"),
    ({"sasl_username": "Forge"},
     "Streaming: sasl_username must match [a-z][a-z0-9_-]{0,62}, got 'Forge'"),
    ({"broker_network_tag": "forge-data-client"},
     "Streaming: broker_network_tag and client_network_tag must differ"),
])
def test_invalid_redpanda_args_are_refused(overrides, message):
    with pytest.raises(ValueError) as error:
        validate_streaming_args("ev", _args(**overrides))
    assert str(error.value) == message
