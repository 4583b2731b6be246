"""pulumi_tls (token package `tls`): keys, certificate requests and certificates.

The real provider computes them locally (no cloud call). Offline, a key or certificate is a
PEM block whose body is a stable hash of the resource's name: it has the PEM framing clients
and tests look for, and is deliberately not a parsable key or certificate, so a mock value can
never be mistaken for, or used as, a real one. The recorder masks the private keys as secrets
(the provider marks `private_key_pem` secret).
"""

from __future__ import annotations

import base64
from typing import Any

from forge_infra.plan.mocks.base import MockContext, ProviderPackageMocks, stable_hex

#: The validity the mocks report for every certificate (RFC 3339, as the provider does).
MOCK_VALIDITY_START = "2026-01-01T00:00:00Z"


def mock_pem(label: str, *parts: str) -> str:
    """A PEM block of type `label` whose body is a stable, clearly fake value of `parts`."""
    body = base64.b64encode(
        f"forge-infra offline plan {label}: {stable_hex(label, *parts, length=48)}".encode()
    ).decode()
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----", ""])


def private_key(name: str, inputs: dict[str, Any], _id: str = "") -> dict[str, Any]:
    """A PrivateKey's PEM forms and its public key."""
    algorithm = str(inputs.get("algorithm") or "RSA")
    return {
        "privateKeyPem": mock_pem("PRIVATE KEY", name, algorithm),
        "privateKeyPemPkcs8": mock_pem("PRIVATE KEY", name, algorithm, "pkcs8"),
        "privateKeyOpenssh": mock_pem("OPENSSH PRIVATE KEY", name, algorithm),
        "publicKeyPem": mock_pem("PUBLIC KEY", name, algorithm),
        "publicKeyOpenssh": f"ssh-mock {stable_hex('ssh', name, length=40)}\n",
        "publicKeyFingerprintMd5": stable_hex("md5", name, length=32),
        "publicKeyFingerprintSha256": stable_hex("sha256", name, length=64),
    }


def certificate(name: str, inputs: dict[str, Any], _id: str = "") -> dict[str, Any]:
    """A SelfSignedCert's or LocallySignedCert's PEM and validity window."""
    hours = int(inputs.get("validityPeriodHours") or 0)
    end_year = 2026 + hours // (24 * 365)
    return {
        "certPem": mock_pem("CERTIFICATE", name),
        "validityStartTime": MOCK_VALIDITY_START,
        "validityEndTime": f"{end_year}-01-01T00:00:00Z",
        "readyForRenewal": False,
    }


def cert_request(name: str, _inputs: dict[str, Any], _id: str = "") -> dict[str, Any]:
    """A CertRequest's PEM."""
    return {"certRequestPem": mock_pem("CERTIFICATE REQUEST", name)}


class TlsMocks(ProviderPackageMocks):
    """Deterministic stand-ins for pulumi_tls's resources."""

    package = "tls"

    def __init__(self, context: MockContext) -> None:
        super().__init__(context)
        self.resources.update({
            "tls:index/privateKey:PrivateKey": private_key,
            "tls:index/selfSignedCert:SelfSignedCert": certificate,
            "tls:index/certRequest:CertRequest": cert_request,
            "tls:index/locallySignedCert:LocallySignedCert": certificate,
        })
