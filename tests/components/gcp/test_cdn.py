"""The GCP Cdn component (global external Application Load Balancer) under the offline mocks:
TLS policy, the HTTP redirect, routing, Cloud CDN on the ui only, Cloud Armor when asked, the
certificate, DNS records only with a zone, nothing public but the balancer.

What these tests do not prove: that Google issues the certificate (the names must resolve, or
the authorization CNAME be served) or that the WAF rules fit the app's traffic; only that the
program asks for what it should.
"""

from typing import Any

import pulumi
import pytest

from forge_components.contracts import CdnOutputs
from forge_components.gcp.cdn import Cdn, CdnArgs, validate_cdn_args
from forge_infra.plan.mocks.gcp import KNOWN_TYPES
from forge_infra.plan.recorder import RecordedResource, Recording
from tests.components.gcp.conftest import REGION, assert_gcp_component_schema, run_gcp

NEG = "gcp:compute/regionNetworkEndpointGroup:RegionNetworkEndpointGroup"
BACKEND = "gcp:compute/backendService:BackendService"
URL_MAP = "gcp:compute/uRLMap:URLMap"
HTTPS_PROXY = "gcp:compute/targetHttpsProxy:TargetHttpsProxy"
HTTP_PROXY = "gcp:compute/targetHttpProxy:TargetHttpProxy"
SSL_POLICY = "gcp:compute/sSLPolicy:SSLPolicy"
RULE = "gcp:compute/globalForwardingRule:GlobalForwardingRule"
ADDRESS = "gcp:compute/globalAddress:GlobalAddress"
ARMOR = "gcp:compute/securityPolicy:SecurityPolicy"
CERT = "gcp:certificatemanager/certificate:Certificate"
CERT_MAP = "gcp:certificatemanager/certificateMap:CertificateMap"
CERT_ENTRY = "gcp:certificatemanager/certificateMapEntry:CertificateMapEntry"
AUTHZ = "gcp:certificatemanager/dnsAuthorization:DnsAuthorization"
RECORD = "gcp:dns/recordSet:RecordSet"
OUTPUT_NAMES = {"hostname", "url", "ip_address", "url_map_id", "certificate_map_id",
                "ssl_policy_id", "security_policy_id"}
BASE: dict[str, Any] = {"region": REGION, "domain_name": "app.example.com",
                        "ui_service_name": "forge-ui", "gateway_service_name": "forge-gateway"}


def build(**overrides: Any) -> Recording:
    """A Cdn "edge" for the forge-ui and forge-gateway services, its outputs exported."""
    def program() -> None:
        cdn = Cdn("edge", CdnArgs(**(BASE | overrides)))  # type: ignore[typeddict-item]
        for key in OUTPUT_NAMES:
            pulumi.export(key, getattr(cdn, key))
    return run_gcp(program)


def backends(rec: Recording) -> dict[str, RecordedResource]:
    return {r.name.removeprefix("edge-").removesuffix("-backend"): r
            for r in rec.of_type(BACKEND)}


def test_the_schema_serves_the_contract_and_every_output():
    assert_gcp_component_schema(Cdn, CdnOutputs, OUTPUT_NAMES)


def test_global_external_application_load_balancer_on_serverless_negs():
    rec = build()
    negs = {r.name: r for r in rec.of_type(NEG)}
    assert sorted(negs) == ["edge-gateway-neg", "edge-ui-neg"]
    for neg, service in (("edge-ui-neg", "forge-ui"), ("edge-gateway-neg", "forge-gateway")):
        assert negs[neg].inputs["networkEndpointType"] == "SERVERLESS"
        assert negs[neg].inputs["cloudRun"] == {"service": service}
        assert negs[neg].inputs["region"] == REGION
    for service, backend in backends(rec).items():
        assert backend.inputs["loadBalancingScheme"] == "EXTERNAL_MANAGED", backend.urn
        assert backend.inputs["backends"] == [
            {"group": negs[f"edge-{service}-neg"].resource_id}], backend.urn
        assert not backend.inputs.get("healthChecks"), backend.urn
    for rule in rec.of_type(RULE):
        assert rule.inputs["loadBalancingScheme"] == "EXTERNAL_MANAGED", rule.urn
        assert rule.inputs["ipAddress"] == rec.one(ADDRESS).resource_id, rule.urn


def test_cloud_cdn_is_on_the_ui_backend_only_with_the_documented_cache_policy():
    by_service = backends(build())
    assert by_service["ui"].inputs["enableCdn"] is True
    assert by_service["ui"].inputs["cdnPolicy"] == {
        "cacheMode": "CACHE_ALL_STATIC", "defaultTtl": 3600, "maxTtl": 86400,
        "clientTtl": 3600, "negativeCaching": True, "serveWhileStale": 86400}
    assert by_service["gateway"].inputs["enableCdn"] is False
    assert "cdnPolicy" not in by_service["gateway"].inputs


def test_api_paths_go_to_the_gateway_and_the_rest_to_the_ui():
    rec = build()
    by_service = backends(rec)
    url_map = rec.one(URL_MAP, "edge-https")
    ui, gateway = by_service["ui"].resource_id, by_service["gateway"].resource_id
    assert url_map.inputs["defaultService"] == ui
    (matcher,) = url_map.inputs["pathMatchers"]
    assert matcher["defaultService"] == ui
    assert matcher["pathRules"] == [{"paths": ["/api", "/api/*"], "service": gateway}]
    assert url_map.inputs["hostRules"] == [{"hosts": ["*"], "pathMatcher": "app"}]


def test_without_a_gateway_everything_goes_to_the_ui():
    rec = build(gateway_service_name=None)
    assert sorted(backends(rec)) == ["ui"]
    (matcher,) = rec.one(URL_MAP, "edge-https").inputs["pathMatchers"]
    assert "pathRules" not in matcher


@pytest.mark.parametrize("profile", ["MODERN", "RESTRICTED"])
def test_https_proxy_has_a_tls12_ssl_policy_and_the_certificate_map(profile):
    rec = build(ssl_profile=profile)
    policy = rec.one(SSL_POLICY)
    assert (policy.inputs["profile"], policy.inputs["minTlsVersion"]) == (profile, "TLS_1_2")
    proxy = rec.one(HTTPS_PROXY)
    assert proxy.inputs["sslPolicy"] == policy.resource_id
    assert proxy.inputs["urlMap"] == rec.one(URL_MAP, "edge-https").resource_id
    assert proxy.inputs["certificateMap"] == (
        "//certificatemanager.googleapis.com/" + rec.one(CERT_MAP).resource_id)
    assert "sslCertificates" not in proxy.inputs
    https = rec.one(RULE, "edge-https")
    assert (https.inputs["portRange"], https.inputs["target"]) == ("443", proxy.resource_id)


def test_the_compatible_profile_is_refused():
    with pytest.raises(ValueError, match="ssl_profile 'COMPATIBLE'"):
        validate_cdn_args("edge", CdnArgs(**(BASE | {"ssl_profile": "COMPATIBLE"})))  # type: ignore[typeddict-item]


def test_plain_http_only_redirects_to_https():
    rec = build()
    redirect = rec.one(URL_MAP, "edge-http-redirect")
    assert redirect.inputs["defaultUrlRedirect"] == {
        "httpsRedirect": True, "redirectResponseCode": "MOVED_PERMANENTLY_DEFAULT",
        "stripQuery": False}
    assert "defaultService" not in redirect.inputs
    proxy = rec.one(HTTP_PROXY)
    assert proxy.inputs["urlMap"] == redirect.resource_id
    http = rec.one(RULE, "edge-http")
    assert (http.inputs["portRange"], http.inputs["target"]) == ("80", proxy.resource_id)
    assert len(rec.of_type(RULE)) == 2


def test_no_cloud_armor_unless_asked():
    rec = build()
    assert rec.of_type(ARMOR) == []
    for backend in backends(rec).values():
        assert "securityPolicy" not in backend.inputs, backend.urn
    assert rec.exports["security_policy_id"] == ""


def test_cloud_armor_when_asked_guards_every_backend_with_waf_and_a_rate_limit():
    rec = build(cloud_armor=True, rate_limit_per_minute=300, waf_sensitivity=2)
    policy = rec.one(ARMOR)
    assert policy.inputs["type"] == "CLOUD_ARMOR"
    for backend in backends(rec).values():
        assert backend.inputs["securityPolicy"] == policy.outputs["selfLink"], backend.urn
    rules = {r["priority"]: r for r in policy.inputs["rules"]}
    waf = [r for r in rules.values() if r["action"] == "deny(403)"]
    assert sorted(r["match"]["expr"]["expression"] for r in waf) == sorted(
        f"evaluatePreconfiguredWaf('{name}-v33-stable', {{'sensitivity': 2}})"
        for name in ("sqli", "xss", "lfi", "rfi", "rce", "scannerdetection",
                     "protocolattack", "sessionfixation"))
    (throttle,) = [r for r in rules.values() if r["action"] == "throttle"]
    assert throttle["rateLimitOptions"] == {
        "conformAction": "allow", "exceedAction": "deny(429)", "enforceOnKey": "IP",
        "rateLimitThreshold": {"count": 300, "intervalSec": 60}}
    assert max(r["priority"] for r in waf) < throttle["priority"]
    assert rules[2147483647]["action"] == "allow"
    assert rules[2147483647]["match"]["config"] == {"srcIpRanges": ["*"]}
    assert rec.exports["security_policy_id"] == policy.resource_id


def test_without_a_zone_no_record_and_load_balancer_authorization():
    rec = build(aliases=["www.example.com"])
    assert rec.of_type(RECORD) == []
    assert rec.of_type(AUTHZ) == []
    managed = rec.one(CERT).inputs["managed"]
    assert managed == {"domains": ["app.example.com", "www.example.com"]}
    entries = {e.name: e.inputs["hostname"] for e in rec.of_type(CERT_ENTRY)}
    assert entries == {"edge-host-1": "app.example.com", "edge-host-2": "www.example.com"}
    for entry in rec.of_type(CERT_ENTRY):
        assert entry.inputs["certificates"] == [rec.one(CERT).resource_id], entry.urn
        assert entry.inputs["map"] == rec.one(CERT_MAP).outputs["name"], entry.urn


def test_with_a_zone_a_records_and_dns_authorization_in_that_zone():
    rec = build(dns_zone_name="example-com", aliases=["www.example.com"])
    ip = rec.one(ADDRESS).outputs["address"]
    records = {r.name: r for r in rec.of_type(RECORD)}
    assert sorted(records) == ["edge-app-example-com-a", "edge-app-example-com-authz",
                               "edge-www-example-com-a", "edge-www-example-com-authz"]
    for record in records.values():
        assert record.inputs["managedZone"] == "example-com", record.urn
    assert records["edge-app-example-com-a"].inputs["name"] == "app.example.com."
    assert records["edge-app-example-com-a"].inputs["type"] == "A"
    assert records["edge-app-example-com-a"].inputs["rrdatas"] == [ip]
    authz = rec.one(AUTHZ, "edge-authz-1")
    assert authz.inputs["domain"] == "app.example.com"
    cname = records["edge-app-example-com-authz"].inputs
    (wanted,) = authz.outputs["dnsResourceRecords"]
    assert (cname["name"], cname["type"], cname["rrdatas"]) == (
        wanted["name"], "CNAME", [wanted["data"]])
    assert sorted(rec.one(CERT).inputs["managed"]["dnsAuthorizations"]) == sorted(
        a.resource_id for a in rec.of_type(AUTHZ))


def test_a_wildcard_needs_a_zone_and_shares_its_apex_authorization():
    with pytest.raises(ValueError, match="wildcard names"):
        validate_cdn_args("edge", CdnArgs(**(BASE | {"aliases": ["*.example.com"]})))  # type: ignore[typeddict-item]
    rec = build(domain_name="example.com", aliases=["*.example.com"],
                dns_zone_name="example-com")
    assert [a.inputs["domain"] for a in rec.of_type(AUTHZ)] == ["example.com"]


def test_nothing_public_but_the_balancer():
    rec = build(cloud_armor=True, dns_zone_name="example-com")
    assert [r for r in rec.resources if r.type.startswith("gcp:storage/")] == []
    assert [r for r in rec.resources if "IAM" in r.type or "Iam" in r.type] == []
    assert rec.one(ADDRESS).inputs["addressType"] == "EXTERNAL"


def test_outputs_and_provider_format_ids():
    rec = build()
    address = rec.one(ADDRESS).outputs["address"]
    assert rec.exports["hostname"] == rec.exports["ip_address"] == address
    assert rec.exports["url"] == "https://app.example.com"
    assert rec.exports["url_map_id"] == (
        "projects/forge-offline-plan/global/urlMaps/" + rec.one(URL_MAP, "edge-https")
        .outputs["name"])
    used = {r.type for r in rec.resources if r.custom and r.type.startswith("gcp:")}
    assert used - KNOWN_TYPES == set()
    assert rec.one(NEG, "edge-ui-neg").resource_id.startswith(
        f"projects/forge-offline-plan/regions/{REGION}/networkEndpointGroups/")
    assert rec.one(CERT).resource_id.startswith(
        "projects/forge-offline-plan/locations/global/certificates/")


@pytest.mark.parametrize(("overrides", "message"), [
    ({"domain_name": "App.Example.com"}, "lower-case DNS names"),
    ({"aliases": ["app.example.com"]}, "repeat names"),
    ({"waf_rules": ["sqli-v99"]}, "waf_rules"),
    ({"waf_sensitivity": 0}, "waf_sensitivity"),
    ({"rate_limit_per_minute": 0}, "rate_limit_per_minute"),
    ({"cdn_default_ttl": 90000}, "must not exceed cdn_max_ttl"),
    ({"ui_service_name": "Forge_UI"}, "ui_service_name"),
])
def test_bad_args_are_refused_with_the_field(overrides, message):
    with pytest.raises(ValueError, match=message):
        validate_cdn_args("edge", CdnArgs(**(BASE | overrides)))  # type: ignore[typeddict-item]
