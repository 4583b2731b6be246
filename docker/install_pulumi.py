"""Install the Pulumi CLI and the provider plugins the lock pins, for docker/Dockerfile.

Run at image build time (network needed then, never at run time):

    python install_pulumi.py CONSTRAINTS INSTALL_ROOT

* The CLI: the version of the Pulumi SDK pinned in CONSTRAINTS (`pulumi==X`), so the CLI and the
  SDK the program runs with match. Downloaded from the release assets of github.com/pulumi/pulumi
  (`pulumi-v<X>-linux-<x64|arm64>.tar.gz`, the URL of Pulumi's own installer,
  github.com/pulumi/get.pulumi.com dist/install.sh), and verified against the SHA-256 in the
  checksums file published with the same release (`pulumi-<X>-checksums.txt`: the
  `checksum.name_template` of pulumi/pulumi's .goreleaser.yml). A mismatch or a missing entry
  stops the build. The archive holds a `pulumi/` folder (the goreleaser `wrap_in_directory`),
  extracted to INSTALL_ROOT/bin.
* The plugins: `pulumi plugin install resource <name> <version>` for every `pulumi_<name>`
  package pinned in CONSTRAINTS (aws, azure-native, gcp, kubernetes, random, tls), into
  PULUMI_HOME, so `pulumi preview` downloads nothing at run time. `pulumi_policy` is the policy
  SDK, not a provider.
"""

import hashlib
import os
import platform
import re
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

RELEASES = "https://github.com/pulumi/pulumi/releases/download"
NOT_PROVIDERS = frozenset({"policy"})
PIN = re.compile(r"^pulumi(?:[_-](?P<name>[a-z_-]+))?==(?P<version>[0-9][0-9A-Za-z.+-]*)$")


def pinned(constraints: str) -> tuple[str, dict[str, str]]:
    """The pinned Pulumi SDK version and the provider plugins' {name: version}."""
    sdk = ""
    plugins: dict[str, str] = {}
    for line in constraints.splitlines():
        match = PIN.match(line.strip())
        if not match:
            continue
        name = match["name"]
        if name is None:
            sdk = match["version"]
        elif name not in NOT_PROVIDERS:
            plugins[name.replace("_", "-")] = match["version"]
    if not sdk:
        raise SystemExit("the constraints file pins no `pulumi==` version")
    return sdk, plugins


def expected_sha256(checksums: str, filename: str) -> str:
    """The SHA-256 the release's checksums file lists for `filename`."""
    for line in checksums.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].lstrip("*") == filename:
            return parts[0].lower()
    raise SystemExit(f"{filename} is not in the release's checksums file")


def download(url: str) -> bytes:
    """The body of `url` (HTTPS only)."""
    if not url.startswith("https://"):
        raise SystemExit(f"refusing a non-HTTPS download: {url}")
    with urllib.request.urlopen(url, timeout=300) as response:
        return bytes(response.read())


def install_cli(version: str, root: Path) -> Path:
    """Download, verify and extract the CLI; returns the `pulumi` binary."""
    arch = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}.get(
        platform.machine().lower())
    if arch is None:
        raise SystemExit(f"no Pulumi CLI build for {platform.machine()}")
    filename = f"pulumi-v{version}-linux-{arch}.tar.gz"
    checksums = download(f"{RELEASES}/v{version}/pulumi-{version}-checksums.txt").decode()
    archive = download(f"{RELEASES}/v{version}/{filename}")
    actual = hashlib.sha256(archive).hexdigest()
    expected = expected_sha256(checksums, filename)
    if actual != expected:
        raise SystemExit(f"{filename}: SHA-256 {actual}, the release lists {expected}")
    print(f"{filename}: SHA-256 {actual} matches the release's checksums file")
    bin_dir = root / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / filename
        path.write_bytes(archive)
        with tarfile.open(path) as tar:
            tar.extractall(tmp, filter="data")
        for binary in (Path(tmp) / "pulumi").iterdir():
            target = bin_dir / binary.name
            target.write_bytes(binary.read_bytes())
            target.chmod(0o755)
    return bin_dir / "pulumi"


def main(argv: list[str]) -> int:
    """Install the CLI into argv[2]/bin and the plugins into $PULUMI_HOME."""
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    version, plugins = pinned(Path(argv[1]).read_text())
    cli = install_cli(version, Path(argv[2]))
    env = {**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true"}
    subprocess.run([str(cli), "version"], check=True, env=env)
    for name, plugin_version in sorted(plugins.items()):
        subprocess.run([str(cli), "plugin", "install", "resource", name, plugin_version],
                       check=True, env=env)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
