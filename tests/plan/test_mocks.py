"""The offline mocks: one module per provider package behind one dispatch by token package."""

from __future__ import annotations

import base64

import pulumi
import pytest

from forge_infra.plan.mocks import PROVIDER_MODULES, ProviderMocks, UnknownFunctionError
from forge_infra.plan.mocks.aws import AwsMocks
from forge_infra.plan.mocks.azure_native import AzureNativeMocks
from forge_infra.plan.mocks.gcp import GcpMocks
from forge_infra.plan.mocks.kubernetes import KubernetesMocks
from forge_infra.plan.mocks.random import RandomMocks
from forge_infra.plan.mocks.tls import TlsMocks, mock_pem


def _new(mocks: ProviderMocks, token: str, name: str, inputs: dict) -> tuple[str | None, dict]:
    return mocks.new_resource(pulumi.runtime.MockResourceArgs(
        typ=token, name=name, inputs=inputs, provider="", resource_id="", custom=True))


def _call(mocks: ProviderMocks, token: str, args: dict) -> dict:
    return mocks.call(pulumi.runtime.MockCallArgs(token=token, args=args, provider=""))


def test_every_package_has_its_own_module() -> None:
    mocks = ProviderMocks(region="eu-west-1")
    classes = {package: type(mocks.provider(package)) for package in PROVIDER_MODULES}
    assert classes == {"aws": AwsMocks, "gcp": GcpMocks, "azure-native": AzureNativeMocks,
                       "kubernetes": KubernetesMocks, "random": RandomMocks, "tls": TlsMocks}
    assert mocks.provider("acme") is None


def test_tls_answers_are_pem_framed_stable_and_never_real_keys() -> None:
    """pulumi_tls computes locally; offline a key or certificate is a PEM block whose body
    names the offline plan, stable per resource name, so it is never usable as a real one."""
    mocks = ProviderMocks()
    _, key = _new(mocks, "tls:index/privateKey:PrivateKey", "ca-key",
                  {"algorithm": "RSA", "rsaBits": 2048})
    assert key["privateKeyPem"].startswith("-----BEGIN PRIVATE KEY-----\n")
    assert key["privateKeyPem"].endswith("-----END PRIVATE KEY-----\n")
    assert key["privateKeyPem"] == _new(mocks, "tls:index/privateKey:PrivateKey", "ca-key",
                                        {"algorithm": "RSA", "rsaBits": 2048})[1][
                                            "privateKeyPem"]
    _, other = _new(mocks, "tls:index/privateKey:PrivateKey", "broker-key", {"algorithm": "RSA"})
    assert other["privateKeyPem"] != key["privateKeyPem"]
    _, cert = _new(mocks, "tls:index/locallySignedCert:LocallySignedCert", "broker",
                   {"validityPeriodHours": 43800})
    assert cert["certPem"] == mock_pem("CERTIFICATE", "broker")
    assert (cert["validityEndTime"], cert["readyForRenewal"]) == ("2031-01-01T00:00:00Z", False)
    body = "".join(cert["certPem"].splitlines()[1:-1])
    assert base64.b64decode(body).decode().startswith("forge-infra offline plan CERTIFICATE: ")
    _, request = _new(mocks, "tls:index/certRequest:CertRequest", "broker", {})
    assert request["certRequestPem"].startswith("-----BEGIN CERTIFICATE REQUEST-----\n")


def test_registrations_are_routed_by_the_tokens_package() -> None:
    mocks = ProviderMocks(region="eu-west-1")
    vpc_id, vpc = _new(mocks, "aws:ec2/vpc:Vpc", "net", {"cidrBlock": "10.0.0.0/16"})
    assert vpc_id is not None and vpc_id.startswith("vpc-") and len(vpc_id) == 21
    assert vpc["arn"] == f"arn:aws:ec2:eu-west-1:123456789012:vpc/{vpc_id}"
    assert _new(mocks, "gcp:compute/network:Network", "net", {"name": "forge"}) == (
        "projects/forge-offline-plan/global/networks/forge",
        {"name": "forge", "project": "forge-offline-plan",
         "selfLink": "https://www.googleapis.com/compute/v1/projects/forge-offline-plan/"
                     "global/networks/forge"})
    assert _new(mocks, "azure-native:resources:ResourceGroup", "rg",
                {"resourceGroupName": "forge-dev", "location": "westeurope"}) == (
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/forge-dev",
        {"resourceGroupName": "forge-dev", "location": "westeurope", "name": "forge-dev"})
    password_id, password = _new(mocks, "random:index/randomPassword:RandomPassword", "pw",
                                 {"length": 12})
    assert (password_id, len(password["result"])) == ("pw-id", 12)
    _, release = _new(mocks, "kubernetes:helm.sh/v3:Release", "r",
                      {"chart": "cert-manager", "namespace": "cert-manager"})
    assert release["status"] == {"name": "r", "namespace": "cert-manager", "status": "deployed",
                                 "revision": 1, "chart": "cert-manager"}
    assert sorted(mocks._packages) == ["aws", "azure-native", "gcp", "kubernetes", "random"]


def test_a_type_with_no_mock_echoes_its_inputs() -> None:
    mocks = ProviderMocks()
    assert _new(mocks, "acme:index/widget:Widget", "w", {"size": 3}) == ("w-id", {"size": 3})
    assert _new(mocks, "kubernetes:core/v1:ConfigMap", "cm", {"data": {"a": "b"}}) == (
        "cm-id", {"data": {"a": "b"}})


def test_only_the_packages_seen_are_loaded() -> None:
    mocks = ProviderMocks()
    _new(mocks, "aws:ec2/vpc:Vpc", "net", {})
    assert list(mocks._packages) == ["aws"]


def test_functions_are_routed_by_package() -> None:
    mocks = ProviderMocks(region="europe-west1")
    assert _call(mocks, "gcp:compute/getZones:getZones", {})["names"] == [
        "europe-west1-a", "europe-west1-b", "europe-west1-c"]
    assert _call(mocks, "azure-native:authorization:getClientConfig", {})["subscriptionId"] == (
        "00000000-0000-0000-0000-000000000000")
    assert _call(mocks, "aws:index/getRegion:getRegion", {})["name"] == "europe-west1"


@pytest.mark.parametrize(("token", "module"), [
    ("aws:ec2/getVpc:getVpc", "forge_infra.plan.mocks.aws"),
    ("gcp:compute/getNetwork:getNetwork", "forge_infra.plan.mocks.gcp"),
    ("azure-native:network:getVirtualNetwork", "forge_infra.plan.mocks.azure_native"),
    ("kubernetes:yaml:decode", "forge_infra.plan.mocks.kubernetes"),
    ("random:index/getNothing:getNothing", "forge_infra.plan.mocks.random"),
])
def test_an_unknown_function_raises_naming_the_token_and_module(token: str, module: str) -> None:
    with pytest.raises(UnknownFunctionError) as error:
        _call(ProviderMocks(), token, {})
    assert str(error.value) == (f"the offline mocks do not know the provider function "
                                f"{token!r}; add it to {module}")


def test_a_function_of_an_unmocked_package_raises_naming_the_token() -> None:
    with pytest.raises(UnknownFunctionError, match=r"'acme:index:getThing'.*package 'acme'"):
        _call(ProviderMocks(), "acme:index:getThing", {})
