"""docker/: the deployer and test images, the compose platform, and their linters.

No Docker engine runs here: the images are not built and the compose platform is not started.
What is checked: hadolint on every Dockerfile (nothing at `info` or above), the compose files
against the Compose Specification's schema (`check-jsonschema --builtin-schema
vendor.compose-spec`), shellcheck on the shell scripts, the topology the compose file declares
(services, health checks, networks, volumes, limits, buckets), the Dockerfiles' pins, and the
Pulumi installer's parsing of the lock and of a release's checksums file.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from forge_components import environment as contract
from forge_components.contracts import DATA_SERVICE_CLIENTS, SERVICE_NAMES
from forge_infra.model.config import SERVICE_DEFAULTS
from tests.conftest import ROOT

DOCKER = ROOT / "docker"
DOCKERFILES = sorted(DOCKER.glob("Dockerfile*"))
COMPOSE_FILES = [DOCKER / "docker-compose.yml", DOCKER / "docker-compose.dev.yml"]
DATA_SERVICES = ("postgres", "redis", "redpanda", "minio")
DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")


def tool(name: str) -> str:
    """A dev-extras tool next to the running interpreter (or on PATH)."""
    path = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    assert path, f"{name} is not installed (dev extras)"
    return path


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    """Run a tool from the repository root."""
    return subprocess.run(list(argv), cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_both_dockerfiles_exist() -> None:
    assert [p.name for p in DOCKERFILES] == ["Dockerfile", "Dockerfile.dev"]


def test_dockerfiles_pass_hadolint_with_nothing_at_info_or_above() -> None:
    result = run(tool("hadolint"), "--failure-threshold", "info", *map(str, DOCKERFILES))
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_hadolint_fails_on_a_bad_dockerfile(tmp_path: Path) -> None:
    """The check itself: an unpinned base and a root user are findings."""
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python\nRUN cd /tmp && echo hi\n")
    result = run(tool("hadolint"), "--failure-threshold", "info", str(bad))
    assert result.returncode != 0
    assert "DL3006" in result.stdout and "DL3003" in result.stdout, result.stdout


def test_compose_files_validate_against_the_compose_spec() -> None:
    result = run(tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec",
                 *map(str, COMPOSE_FILES))
    assert result.returncode == 0, result.stdout + result.stderr


def test_shell_scripts_pass_shellcheck() -> None:
    scripts = sorted(DOCKER.glob("*.sh"))
    assert scripts
    result = run(tool("shellcheck"), "--shell=bash", *map(str, scripts))
    assert result.returncode == 0, result.stdout + result.stderr


def dockerfile(name: str) -> str:
    """The text of docker/<name>."""
    return (DOCKER / name).read_text()


@pytest.mark.parametrize("name", ["Dockerfile", "Dockerfile.dev"])
def test_every_stage_starts_from_the_base_pinned_by_digest(name) -> None:
    text = dockerfile(name)
    base = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", text, re.M)
    assert base and base[1].startswith("python:3.11-slim") and DIGEST.search(base[1]), name
    stages = re.findall(r"^FROM (\S+)", text, re.M)
    assert len(stages) >= 2 and set(stages) == {"${PYTHON_IMAGE}"}, (name, stages)


@pytest.mark.parametrize("name", ["Dockerfile", "Dockerfile.dev"])
def test_the_final_stage_runs_as_a_non_root_user(name) -> None:
    final = dockerfile(name).split("\nFROM ")[-1]
    users = re.findall(r"^USER (\S+)$", final, re.M)
    assert users and users[-1] not in {"0", "root"}, (name, users)
    assert re.search(rf"useradd .*--uid {users[-1]}\b", final), name


def test_the_deployer_installs_pulumi_and_the_plugins_and_the_locked_package() -> None:
    text = dockerfile("Dockerfile")
    assert "RUN python /tmp/install_pulumi.py /tmp/constraints.txt /opt/pulumi" in text
    assert "pip install --no-cache-dir -c constraints.txt '.[all,policy]'" in text
    assert re.search(r"PATH=/app/\.venv/bin:/opt/pulumi/bin:\$PATH", text)
    assert "RUN forge-infra --help > /dev/null && pulumi version && pulumi plugin ls" in text


def test_the_dockerignore_keeps_local_state_out_of_the_context() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "docker/.env", "**/__pycache__"} <= set(ignored)


def installer() -> ModuleType:
    """docker/install_pulumi.py, imported from its path."""
    spec = importlib.util.spec_from_file_location("install_pulumi", DOCKER / "install_pulumi.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_installer_reads_the_cli_and_plugin_versions_from_the_lock() -> None:
    sdk, plugins = installer().pinned((ROOT / "constraints.txt").read_text())
    pins = dict(re.findall(r"^(pulumi[_a-z]*)==(\S+)$", (ROOT / "constraints.txt").read_text(),
                           re.M))
    assert sdk == pins["pulumi"]
    assert plugins == {"aws": pins["pulumi_aws"], "azure-native": pins["pulumi_azure_native"],
                       "gcp": pins["pulumi_gcp"], "kubernetes": pins["pulumi_kubernetes"],
                       "random": pins["pulumi_random"], "tls": pins["pulumi_tls"]}


def test_the_installer_takes_the_checksum_of_the_right_archive() -> None:
    module = installer()
    checksums = ("aa11  pulumi-v3.272.0-darwin-x64.tar.gz\n"
                 "BB22  pulumi-v3.272.0-linux-x64.tar.gz\n")
    assert module.expected_sha256(checksums, "pulumi-v3.272.0-linux-x64.tar.gz") == "bb22"
    with pytest.raises(SystemExit, match=r"pulumi-v3\.272\.0-linux-arm64\.tar\.gz is not in"):
        module.expected_sha256(checksums, "pulumi-v3.272.0-linux-arm64.tar.gz")
    with pytest.raises(SystemExit, match="refusing a non-HTTPS download"):
        module.download("http://get.pulumi.com/x")


def compose() -> dict[str, Any]:
    """docker/docker-compose.yml, parsed."""
    loaded: dict[str, Any] = yaml.safe_load((DOCKER / "docker-compose.yml").read_text())
    return loaded


def test_compose_runs_the_four_services_and_the_data_services() -> None:
    services = compose()["services"]
    assert set(services) == {*SERVICE_NAMES, *DATA_SERVICES, "minio-buckets"}
    for name in SERVICE_NAMES:
        variable = f"FORGE_{name.upper()}_IMAGE"
        assert services[name]["image"] == f"${{{variable}:?see docker/.env.example}}", name
    assert services["postgres"]["image"].startswith("timescale/timescaledb:")
    assert services["redis"]["image"].startswith("valkey/valkey:")
    assert services["redpanda"]["image"].startswith("docker.redpanda.com/redpandadata/redpanda:")
    assert services["minio"]["image"].startswith("quay.io/minio/minio:RELEASE.")


def test_compose_health_checks_follow_the_services_health_paths() -> None:
    services = compose()["services"]
    for name in SERVICE_NAMES:
        port, path = SERVICE_DEFAULTS[name]["port"], SERVICE_DEFAULTS[name]["health_path"]
        if path is None:
            assert "healthcheck" not in services[name], name
            continue
        assert services[name]["healthcheck"]["test"] == [
            "CMD", "wget", "-q", "-O", "/dev/null", f"http://127.0.0.1:{port}{path}"], name
    for name in DATA_SERVICES:
        assert services[name]["healthcheck"]["test"], name
    for name in DATA_SERVICE_CLIENTS:
        conditions = {s: d["condition"] for s, d in services[name]["depends_on"].items()}
        assert conditions == {"postgres": "service_healthy", "redis": "service_healthy",
                              "redpanda": "service_healthy",
                              "minio-buckets": "service_completed_successfully"}, name
    assert services["minio-buckets"]["depends_on"] == {
        "minio": {"condition": "service_healthy"}}


def test_compose_networks_keep_the_data_services_away_from_the_ui() -> None:
    loaded = compose()
    services = loaded["services"]
    networks = {name: set(service["networks"]) for name, service in services.items()}
    assert loaded["networks"]["data"] == {"internal": True}
    assert networks["ui"] == {"edge"}
    assert networks["gateway"] == {"edge", "app"}
    for name in DATA_SERVICE_CLIENTS:
        assert networks[name] == {"app", "data"}, name
    for name in (*DATA_SERVICES, "minio-buckets"):
        assert networks[name] == {"data"}, name
    reach_data = {name for name, nets in networks.items() if "data" in nets}
    assert reach_data == {*DATA_SERVICE_CLIENTS, *DATA_SERVICES, "minio-buckets"}


def test_compose_data_lives_on_named_volumes() -> None:
    loaded = compose()
    assert set(loaded["volumes"]) == {f"{name}-data" for name in DATA_SERVICES}
    for name in DATA_SERVICES:
        mounts = [v.split(":")[0] for v in loaded["services"][name]["volumes"]]
        assert f"{name}-data" in mounts, name


def test_compose_limits_every_long_running_container() -> None:
    for name, service in compose()["services"].items():
        if name == "minio-buckets":
            continue
        limits = service["deploy"]["resources"]["limits"]
        assert float(limits["cpus"]) > 0 and limits["memory"], name


def test_compose_creates_the_buckets_every_stack_creates() -> None:
    command = " ".join(compose()["services"]["minio-buckets"]["command"])
    buckets = re.findall(r"forge-local-storage-[a-z]+", command)
    assert buckets == [f"forge-local-storage-{p}" for p in contract.BUCKET_PURPOSES]
    from forge_components.aws.storage import _StorageSettings

    assert tuple(_StorageSettings().buckets) == contract.BUCKET_PURPOSES
    assert 'mc version enable "local/$$bucket"' in command


def test_compose_dev_override_publishes_only_on_localhost() -> None:
    override = yaml.safe_load((DOCKER / "docker-compose.dev.yml").read_text())
    assert set(override["services"]) <= set(compose()["services"])
    for name, service in override["services"].items():
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), (name, port)
    assert "ui" not in {n for n, s in override["services"].items()
                        if "host-access" in s.get("networks", [])}
