"""The Azure Cdn component (Front Door Standard/Premium) under the offline mocks: HTTPS-only
origins with health probes, HTTP redirected, managed certificates at TLS 1.2+, the WAF in
Prevention mode attached on Premium only, the DNS validation and CNAME records when a zone is
given, and the CDN contract.

What these tests do not prove: that the domains validate, that the origins answer their
health probes, or that the WAF rule set versions are offered; only what the program asks for.
"""

from typing import Any

import pulumi
import pytest

from forge_components.azure.cdn import Cdn, CdnArgs, validate_cdn_args, waf_policy_name
from forge_components.contracts import CdnOutputs
from forge_infra.plan.mocks.azure_native import KNOWN_TYPES
from forge_infra.plan.recorder import Recording
from tests.components.azure.cache_storage_support import (
    ARM_ID_PREFIX,
    RG,
    SUB,
    assert_azure_component_schema,
    run_azure,
)

PROFILE = "azure-native:cdn:Profile"
ENDPOINT = "azure-native:cdn:AFDEndpoint"
GROUP = "azure-native:cdn:AFDOriginGroup"
ORIGIN = "azure-native:cdn:AFDOrigin"
ROUTE = "azure-native:cdn:Route"
DOMAIN = "azure-native:cdn:AFDCustomDomain"
SECURITY = "azure-native:cdn:SecurityPolicy"
WAF = "azure-native:frontdoor:Policy"
RECORD = "azure-native:dns:RecordSet"
OUTPUT_NAMES = {"hostname", "url", "profile_id", "front_door_id", "endpoint_id",
                "waf_policy_id", "validation_tokens"}
UI_HOST = "forge-ui.kindwave-1234.westeurope.azurecontainerapps.io"
GATEWAY_HOST = "forge-gateway.kindwave-1234.westeurope.azurecontainerapps.io"
ORIGINS = [
    {"name": "ui", "host_name": UI_HOST, "health_path": "/healthz"},
    {"name": "gateway", "host_name": GATEWAY_HOST, "health_path": "/health",
     "path_patterns": ["/api/*"]},
]
ZONE = "example.com"
DNS_RG = "forge-dns"


def _args(**overrides: Any) -> CdnArgs:
    base: dict[str, Any] = {"resource_group_name": RG, "origins": ORIGINS}
    return CdnArgs(**(base | overrides))  # type: ignore[typeddict-item]


def build(**overrides: Any) -> Recording:
    """One Cdn named "edge", its outputs exported under their own names."""
    def program() -> None:
        edge = Cdn("edge", _args(**overrides))
        for key in OUTPUT_NAMES:
            pulumi.export(key, getattr(edge, key))
    return run_azure(program)


def test_the_schema_serves_the_contract_and_every_output() -> None:
    assert_azure_component_schema(Cdn, CdnOutputs, OUTPUT_NAMES)


def test_a_standard_profile_and_endpoint_give_the_contract_outputs() -> None:
    rec = build()
    profile, endpoint = rec.one(PROFILE, "edge-fd"), rec.one(ENDPOINT, "edge-endpoint")
    assert profile.inputs["sku"] == {"name": "Standard_AzureFrontDoor"}, profile.urn
    assert profile.inputs["location"] == "global"
    assert profile.inputs["tags"] == {"component": "forge-azure:index:Cdn"}
    assert endpoint.inputs["profileName"] == profile.outputs["name"]
    assert endpoint.inputs["enabledState"] == "Enabled"
    host = endpoint.outputs["hostName"]
    assert host.startswith(f"{endpoint.outputs['name']}-") and host.endswith(".z01.azurefd.net")
    assert rec.exports["hostname"] == host
    assert rec.exports["url"] == f"https://{host}"
    assert rec.exports["front_door_id"] == profile.outputs["frontDoorId"]
    assert rec.exports["validation_tokens"] == {}
    assert str(profile.resource_id).startswith(
        f"{ARM_ID_PREFIX}{RG}/providers/Microsoft.Cdn/profiles/")


def test_origins_are_https_only_with_health_probes_and_host_headers() -> None:
    rec = build()
    groups = {g.name: g for g in rec.of_type(GROUP)}
    assert set(groups) == {"edge-ui", "edge-gateway"}
    assert groups["edge-ui"].inputs["healthProbeSettings"] == {
        "probePath": "/healthz", "probeProtocol": "Https", "probeRequestType": "GET",
        "probeIntervalInSeconds": 100}
    assert groups["edge-gateway"].inputs["healthProbeSettings"]["probePath"] == "/health"
    origins = {o.name: o.inputs for o in rec.of_type(ORIGIN)}
    for key, host in (("edge-ui-origin", UI_HOST), ("edge-gateway-origin", GATEWAY_HOST)):
        assert origins[key]["hostName"] == host
        assert origins[key]["originHostHeader"] == host
        assert origins[key]["httpsPort"] == 443
        assert origins[key]["enforceCertificateNameCheck"] is True
        assert "sharedPrivateLinkResource" not in origins[key], key


ENVIRONMENT_ID = f"{ARM_ID_PREFIX}{RG}/providers/Microsoft.App/managedEnvironments/forge-env"


def test_premium_private_link_makes_every_origin_a_private_link_origin() -> None:
    rec = build(sku_name="Premium_AzureFrontDoor", private_link_resource_id=ENVIRONMENT_ID,
                private_link_location="westeurope")
    origins = rec.of_type(ORIGIN)
    assert len(origins) == 2
    for origin in origins:
        assert origin.inputs["sharedPrivateLinkResource"] == {
            "groupId": "managedEnvironments", "privateLink": {"id": ENVIRONMENT_ID},
            "privateLinkLocation": "westeurope",
            "requestMessage": "forge edge: Front Door origin"}, origin.urn


def test_routes_redirect_http_and_forward_https_only() -> None:
    rec = build()
    routes = {r.name: r for r in rec.of_type(ROUTE)}
    assert set(routes) == {"edge-ui-route", "edge-gateway-route"}
    groups = {g.name: g.resource_id for g in rec.of_type(GROUP)}
    for origin, patterns in (("ui", ["/*"]), ("gateway", ["/api/*"])):
        route = routes[f"edge-{origin}-route"]
        assert route.inputs["forwardingProtocol"] == "HttpsOnly", route.urn
        assert route.inputs["httpsRedirect"] == "Enabled", route.urn
        assert route.inputs["supportedProtocols"] == ["Http", "Https"]
        assert route.inputs["patternsToMatch"] == patterns
        assert route.inputs["originGroup"] == {"id": groups[f"edge-{origin}"]}
        assert "customDomains" not in route.inputs
        assert "cacheConfiguration" not in route.inputs


def test_standard_has_no_waf() -> None:
    rec = build()
    assert rec.of_type(WAF) == [] and rec.of_type(SECURITY) == []
    assert rec.exports["waf_policy_id"] == ""


def test_premium_attaches_the_managed_waf_in_prevention_mode() -> None:
    rec = build(sku_name="Premium_AzureFrontDoor", custom_domains=["app.example.com"])
    policy = rec.one(WAF, "edge-waf")
    assert policy.inputs["sku"] == {"name": "Premium_AzureFrontDoor"}
    assert policy.inputs["policyName"] == "edgewaf"
    assert policy.inputs["policySettings"] == {
        "enabledState": "Enabled", "mode": "Prevention", "requestBodyCheck": "Enabled"}
    assert policy.inputs["managedRules"] == {"managedRuleSets": [
        {"ruleSetType": "Microsoft_DefaultRuleSet", "ruleSetVersion": "2.1",
         "ruleSetAction": "Block"},
        {"ruleSetType": "Microsoft_BotManagerRuleSet", "ruleSetVersion": "1.1",
         "ruleSetAction": "Block"}]}
    assert str(policy.resource_id).endswith(
        "/providers/Microsoft.Network/frontDoorWebApplicationFirewallPolicies/edgewaf")
    security = rec.one(SECURITY, "edge-waf-policy")
    params = security.inputs["parameters"]
    assert params["type"] == "WebApplicationFirewall"
    assert params["wafPolicy"] == {"id": policy.resource_id}
    domain = rec.one(DOMAIN)
    assert params["associations"] == [{
        "domains": [{"id": rec.one(ENDPOINT).resource_id}, {"id": domain.resource_id}],
        "patternsToMatch": ["/*"]}]
    assert rec.exports["waf_policy_id"] == policy.resource_id


def test_detection_mode_only_when_asked() -> None:
    rec = build(sku_name="Premium_AzureFrontDoor", waf_mode="Detection")
    assert rec.one(WAF).inputs["policySettings"]["mode"] == "Detection"


def test_custom_domains_get_managed_certificates_at_tls_1_2_and_the_routes() -> None:
    rec = build(custom_domains=["app.example.com", "www.example.com"])
    domains = {d.inputs["hostName"]: d for d in rec.of_type(DOMAIN)}
    assert set(domains) == {"app.example.com", "www.example.com"}
    for domain in domains.values():
        assert domain.inputs["tlsSettings"] == {
            "certificateType": "ManagedCertificate", "cipherSuiteSetType": "TLS12_2023",
            "minimumTlsVersion": "TLS12"}, domain.urn
        assert "azureDnsZone" not in domain.inputs
    ids = [{"id": domains[h].resource_id} for h in ("app.example.com", "www.example.com")]
    for route in rec.of_type(ROUTE):
        assert route.inputs["customDomains"] == ids, route.urn
    assert rec.exports["url"] == "https://app.example.com"
    assert set(rec.exports["validation_tokens"]) == {"app.example.com", "www.example.com"}
    assert all(len(t) == 32 for t in rec.exports["validation_tokens"].values())
    assert rec.of_type(RECORD) == []


def test_a_dns_zone_gets_the_validation_txt_and_the_cname() -> None:
    rec = build(custom_domains=["app.example.com"], dns_zone_name=ZONE,
                dns_zone_resource_group_name=DNS_RG)
    domain = rec.one(DOMAIN)
    zone_id = (f"/subscriptions/{SUB}/resourceGroups/{DNS_RG}/providers/Microsoft.Network/"
               f"dnsZones/{ZONE}")
    assert domain.inputs["azureDnsZone"] == {"id": zone_id}
    records = {r.inputs["recordType"]: r.inputs for r in rec.of_type(RECORD)}
    assert set(records) == {"TXT", "CNAME"}
    token = domain.outputs["validationProperties"]["validationToken"]
    assert records["TXT"]["relativeRecordSetName"] == "_dnsauth.app"
    assert records["TXT"]["txtRecords"] == [{"value": [token]}]
    assert records["CNAME"]["relativeRecordSetName"] == "app"
    assert records["CNAME"]["cnameRecord"] == {"cname": rec.exports["hostname"]}
    for record in records.values():
        assert record["zoneName"] == ZONE and record["resourceGroupName"] == DNS_RG
        assert record["ttl"] == 3600


def test_no_classic_cdn_or_classic_front_door_type_is_used() -> None:
    rec = build(sku_name="Premium_AzureFrontDoor", custom_domains=["app.example.com"],
                dns_zone_name=ZONE, dns_zone_resource_group_name=DNS_RG)
    types = {r.type for r in rec.resources if r.custom}
    assert types == {PROFILE, ENDPOINT, GROUP, ORIGIN, ROUTE, DOMAIN, SECURITY, WAF, RECORD}


def test_the_waf_policy_name_is_letters_and_digits() -> None:
    assert waf_policy_name("forge-prod-edge") == "forgeprodedgewaf"


@pytest.mark.parametrize(("overrides", "message"), [
    ({"sku_name": "Standard_Microsoft"},
     "Cdn: sku_name 'Standard_Microsoft' is not one of ['Standard_AzureFrontDoor', "
     "'Premium_AzureFrontDoor'] (classic Front Door and Azure CDN classic are retiring)"),
    ({"waf_mode": "Block"},
     "Cdn: waf_mode 'Block' is not one of ['Prevention', 'Detection']"),
    ({"origins": []},
     "Cdn: origins is empty: Front Door needs at least one service to route to"),
    ({"origins": [ORIGINS[0], ORIGINS[0]]}, "Cdn: origins repeat a name: ['ui', 'ui']"),
    ({"origins": [{"name": "ui", "host_name": UI_HOST},
                  {"name": "api", "host_name": GATEWAY_HOST}]},
     "Cdn: path patterns ['/*'] are routed to more than one origin"),
    ({"origins": [{"name": "ui", "host_name": UI_HOST, "health_path": "healthz"}]},
     "Cdn: origin 'ui': health_path 'healthz' must start with '/'"),
    ({"origins": [{"name": "ui", "host_name": UI_HOST, "path_patterns": ["api/*"]}]},
     "Cdn: origin 'ui': path_patterns ['api/*'] must start with '/' and may end with one '*'"),
    ({"custom_domains": ["App.Example.com"]},
     "Cdn: custom domain 'App.Example.com' is not a lower-case DNS name"),
    ({"dns_zone_name": ZONE},
     "Cdn: dns_zone_name and dns_zone_resource_group_name go together: give both or "
     "neither"),
    ({"custom_domains": ["example.com"], "dns_zone_name": ZONE,
      "dns_zone_resource_group_name": DNS_RG},
     "Cdn: custom domain 'example.com' is the zone's apex, which cannot carry a CNAME; use a "
     "subdomain (e.g. 'www.' or 'app.')"),
    ({"custom_domains": ["app.example.org"], "dns_zone_name": ZONE,
      "dns_zone_resource_group_name": DNS_RG},
     "Cdn: custom domain 'app.example.org' is not in dns_zone_name 'example.com'"),
    ({"sku_name": "Premium_AzureFrontDoor", "private_link_resource_id": "x"},
     "Cdn: private_link_resource_id and private_link_location go together: give both or "
     "neither"),
    ({"private_link_resource_id": "x", "private_link_location": "westeurope"},
     "Cdn: private_link_resource_id needs sku_name 'Premium_AzureFrontDoor': "
     "Standard_AzureFrontDoor has no Private Link origins"),
    ({"sku_name": "Premium_AzureFrontDoor", "private_link_resource_id": "x",
      "private_link_location": "West Europe"},
     "Cdn: private_link_location 'West Europe' is not an Azure region name such as "
     "'westeurope'"),
])
def test_invalid_args_are_refused_with_the_field_and_what_is_allowed(
        overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as error:
        validate_cdn_args("edge", _args(**overrides))
    assert str(error.value) == message


@pytest.mark.parametrize("name", ["Edge", "edge-", "ed--ge", "1edge", "e" * 41])
def test_names_are_refused_with_the_rule(name: str) -> None:
    with pytest.raises(ValueError, match=r"^Cdn: name "):
        validate_cdn_args(name, _args())


def test_the_offline_mocks_answer_every_type_with_an_arm_id() -> None:
    rec = build(sku_name="Premium_AzureFrontDoor", custom_domains=["app.example.com"],
                dns_zone_name=ZONE, dns_zone_resource_group_name=DNS_RG)
    used = {r.type for r in rec.resources if r.custom}
    assert used <= KNOWN_TYPES, sorted(used - KNOWN_TYPES)
    for resource in rec.resources:
        if resource.custom:
            assert str(resource.resource_id).startswith("/subscriptions/"), resource.urn
