"""The platform's CDN on Azure: Azure Front Door Standard/Premium in front of the services.

Which service: Azure Front Door Standard or Premium (`cdn.Profile` with an AFD SKU and the
`cdn.AFD*` resources, API 2025-06-01 in pulumi_azure_native 3.29.0), never Front Door
(classic) nor Azure CDN from Microsoft (classic), both retiring (`limits` names the dates and
sources). The WAF policy is `frontdoor.Policy` (Microsoft.Network/
FrontDoorWebApplicationFirewallPolicies), the Front Door one; `cdn.Policy` is the classic
CDN's.

What it creates:

* a profile (`sku_name`, location "global") and one endpoint, whose host name
  (`<endpoint>-<hash>.z01.azurefd.net`, kept across re-creation in the tenant) is `hostname`;
* per origin in `origins` (the Container Apps the public routes reach, e.g. ui and gateway):
  an origin group with an HTTPS health probe on the service's health path, one origin at the
  app's FQDN over HTTPS only (443, certificate name checked, the FQDN as origin host header, as
  Container Apps route by host), and a route for its path patterns on the endpoint and every
  custom domain: HTTPS only towards the origin (`HttpsOnly`), HTTP from viewers redirected to
  HTTPS; nothing is cached (the services are dynamic);
* per custom domain: a Front Door managed certificate, the predefined TLS policy TLS12_2023
  (minimum TLS 1.2); with a DNS zone (`dns_zone_name` and its resource group), the
  validation TXT record `_dnsauth.<name>` and the CNAME to the endpoint in Azure DNS, and the
  domain linked to the zone; without one, `validation_tokens` gives what to publish elsewhere;
* on Premium, a WAF policy in `waf_mode` (Prevention by default) with the managed Default
  Rule Set and Bot Manager rule set (`limits.FRONT_DOOR_WAF_RULE_SETS`), request bodies
  inspected, attached by a security policy to the endpoint and every custom domain for "/*".
  Standard takes no managed rules (custom rules only), so no WAF policy is made there: use
  Premium wherever a WAF is required (prod).

Keeping the origins behind Front Door (or Front Door and its WAF are bypassed by calling the
apps' `*.azurecontainerapps.io` names directly), `limits.FRONT_DOOR_PRIVATE_LINK_GROUP` has the
sources:

* Premium: with `private_link_resource_id` (the Container Apps environment's id) and
  `private_link_location`, every origin is a Private Link origin to that environment
  (sub-resource `managedEnvironments`); Front Door's private endpoint connection then waits
  for approval on the environment, and the environment's public network access is disabled
  (Compute's `public_network_access`), so the apps answer Front Door only. Refused on
  Standard, which has no Private Link origins.
* Standard: no network-level restriction exists for Container Apps (IP restrictions take
  CIDRs, no service tag); `front_door_id` is the profile's Front Door id, which the apps must
  compare with the `X-Azure-FDID` header of every request (Compute passes it to them).

What a plan under mocks does not prove: that the domains validate (the TXT record must be
published and the CNAME point at the endpoint), that the origins answer on the health paths,
or that the WAF rule set versions are still offered; only what is asked of Azure.
"""

import dataclasses
import re
from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import authorization, cdn, dns, frontdoor

from forge_components.azure.limits import (
    FRONT_DOOR_CERTIFICATE_TYPE,
    FRONT_DOOR_LABEL_SCOPE,
    FRONT_DOOR_MINIMUM_TLS,
    FRONT_DOOR_PREMIUM,
    FRONT_DOOR_PRIVATE_LINK_GROUP,
    FRONT_DOOR_SKUS,
    FRONT_DOOR_TLS_POLICY,
    FRONT_DOOR_VALIDATION_PREFIX,
    FRONT_DOOR_WAF_MODES,
    FRONT_DOOR_WAF_POLICY_NAME,
    FRONT_DOOR_WAF_RULE_SETS,
    REGION_NAME,
    RESOURCE_GROUP_NAME,
)
from forge_components.azure.tags import resource_tags
from forge_components.common import child_opts

COMPONENT = "forge-azure:index:Cdn"
#: The health probe: HTTPS GET every 100 seconds, and the load-balancing sample Microsoft's
#: defaults use (4 samples, 3 successful, 50 ms additional latency). Source: SDK
#: `cdn.HealthProbeParametersArgs`, `cdn.LoadBalancingSettingsParametersArgs`;
#: https://learn.microsoft.com/azure/frontdoor/health-probes (not retrieved).
PROBE_INTERVAL_SECONDS = 100
LOAD_BALANCING = {"sample_size": 4, "successful_samples_required": 3,
                  "additional_latency_in_milliseconds": 50}
DNS_TTL_SECONDS = 3600
_NAME = re.compile(r"[a-z]([a-z0-9]|-(?!-))*[a-z0-9]")
_ORIGIN = re.compile(r"[a-z][a-z0-9-]{0,39}")
_DOMAIN = re.compile(r"([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
_PATTERN = re.compile(r"/[^\s*]*\*?")


class CdnOrigin(TypedDict):
    """One service behind Front Door."""

    name: str
    """The origin's name (the service: "ui", "gateway"), lower-case letters, digits and
    dashes."""
    host_name: pulumi.Input[str]
    """The service's FQDN (the Container App's ingress FQDN), reached over HTTPS."""
    health_path: NotRequired[str]
    """The HTTP path Front Door probes. Defaults to "/"."""
    path_patterns: NotRequired[list[str]]
    """The paths routed to it (e.g. ["/api/*"]); each pattern once across the origins.
    Defaults to ["/*"]."""


class CdnArgs(TypedDict):
    """Arguments of the Azure `Cdn`. Defaults are safe: HTTPS only, TLS 1.2+, the WAF in
    Prevention mode on Premium."""

    resource_group_name: pulumi.Input[str]
    """The resource group of the profile and the WAF policy. Required."""
    origins: list[CdnOrigin]
    """The services Front Door routes to (at least one). Required."""
    sku_name: NotRequired[str]
    """"Standard_AzureFrontDoor" or "Premium_AzureFrontDoor" (managed WAF rules need
    Premium). Defaults to "Standard_AzureFrontDoor"."""
    waf_mode: NotRequired[str]
    """The Premium WAF policy's mode, "Prevention" (blocks) or "Detection" (logs only).
    Defaults to "Prevention"."""
    custom_domains: NotRequired[list[str]]
    """Host names served with managed certificates, e.g. "app.example.com" (no apex of
    `dns_zone_name`). Defaults to [] (the endpoint's host name only)."""
    dns_zone_name: NotRequired[str]
    """An Azure DNS zone holding the custom domains: their validation TXT and CNAME records
    are created there. Defaults to unset (publish `validation_tokens` yourself)."""
    dns_zone_resource_group_name: NotRequired[pulumi.Input[str]]
    """The DNS zone's resource group; required with `dns_zone_name`. Defaults to unset."""
    private_link_resource_id: NotRequired[pulumi.Input[str]]
    """The Container Apps environment every origin is reached through by Private Link
    (Premium only; the environment's owner approves Front Door's connection). Defaults to
    unset (origins over the public internet)."""
    private_link_location: NotRequired[str]
    """That environment's region, e.g. "westeurope"; required with
    `private_link_resource_id`. Defaults to unset."""
    tags: NotRequired[dict[str, str]]
    """Tags on every child that takes tags (plus `component`). Defaults to {}."""


@dataclasses.dataclass(frozen=True)
class _Origin:
    name: str
    host_name: pulumi.Input[str]
    health_path: str = "/"
    path_patterns: list[str] = dataclasses.field(default_factory=lambda: ["/*"])


@dataclasses.dataclass(frozen=True)
class _Settings:
    """`CdnArgs` with every default applied (the host passes a plain dict)."""

    resource_group_name: pulumi.Input[str]
    origins: list[CdnOrigin]
    sku_name: str = "Standard_AzureFrontDoor"
    waf_mode: str = "Prevention"
    custom_domains: list[str] = dataclasses.field(default_factory=list)
    dns_zone_name: str | None = None
    dns_zone_resource_group_name: pulumi.Input[str] | None = None
    private_link_resource_id: pulumi.Input[str] | None = None
    private_link_location: str | None = None
    tags: dict[str, str] = dataclasses.field(default_factory=dict)

    def origin_settings(self) -> list[_Origin]:
        """The origins with their defaults applied."""
        return [_Origin(**origin) for origin in self.origins]

    @property
    def premium(self) -> bool:
        """Whether the profile is Premium (and so has the WAF)."""
        return self.sku_name == FRONT_DOOR_PREMIUM


def _fail(message: str) -> ValueError:
    return ValueError(f"Cdn: {message}")


def validate_cdn_args(name: str, args: CdnArgs) -> _Settings:
    """The args with defaults applied, checked; a ValueError names the field and what is
    allowed. Pure (no Pulumi calls)."""
    s = _Settings(**args)
    if not _NAME.fullmatch(name) or len(name) > 40:
        raise _fail(f"name {name!r} must be lower-case letters, digits and single dashes (a "
                    "letter first, no dash last), at most 40 characters")
    if s.sku_name not in FRONT_DOOR_SKUS:
        raise _fail(f"sku_name {s.sku_name!r} is not one of {list(FRONT_DOOR_SKUS)} (classic "
                    "Front Door and Azure CDN classic are retiring)")
    if s.waf_mode not in FRONT_DOOR_WAF_MODES:
        raise _fail(f"waf_mode {s.waf_mode!r} is not one of {list(FRONT_DOOR_WAF_MODES)}")
    origins = s.origin_settings()
    if not origins:
        raise _fail("origins is empty: Front Door needs at least one service to route to")
    names = [o.name for o in origins]
    if len(set(names)) != len(names):
        raise _fail(f"origins repeat a name: {names}")
    patterns: list[str] = []
    for origin in origins:
        if not _ORIGIN.fullmatch(origin.name):
            raise _fail(f"origin name {origin.name!r} must be a lower-case letter, then "
                        "lower-case letters, digits or dashes (40 at most)")
        if not origin.health_path.startswith("/"):
            raise _fail(f"origin {origin.name!r}: health_path {origin.health_path!r} must "
                        "start with '/'")
        if not origin.path_patterns:
            raise _fail(f"origin {origin.name!r}: path_patterns is empty")
        bad = [p for p in origin.path_patterns if not _PATTERN.fullmatch(p)]
        if bad:
            raise _fail(f"origin {origin.name!r}: path_patterns {bad} must start with '/' and "
                        "may end with one '*'")
        patterns += origin.path_patterns
    repeated = sorted({p for p in patterns if patterns.count(p) > 1})
    if repeated:
        raise _fail(f"path patterns {repeated} are routed to more than one origin")
    if len(set(s.custom_domains)) != len(s.custom_domains):
        raise _fail(f"custom_domains repeat a name: {s.custom_domains}")
    for domain in s.custom_domains:
        if not _DOMAIN.fullmatch(domain):
            raise _fail(f"custom domain {domain!r} is not a lower-case DNS name")
    if (s.dns_zone_name is None) != (s.dns_zone_resource_group_name is None):
        raise _fail("dns_zone_name and dns_zone_resource_group_name go together: give both "
                    "or neither")
    if s.dns_zone_name is not None:
        zone = s.dns_zone_name
        if not _DOMAIN.fullmatch(zone):
            raise _fail(f"dns_zone_name {zone!r} is not a lower-case DNS name")
        if isinstance(s.dns_zone_resource_group_name, str) and not RESOURCE_GROUP_NAME.fullmatch(
                s.dns_zone_resource_group_name):
            raise _fail(f"dns_zone_resource_group_name {s.dns_zone_resource_group_name!r} is "
                        "not a resource group name")
        for domain in s.custom_domains:
            if domain == zone:
                raise _fail(f"custom domain {domain!r} is the zone's apex, which cannot "
                            "carry a CNAME; use a subdomain (e.g. 'www.' or 'app.')")
            if not domain.endswith(f".{zone}"):
                raise _fail(f"custom domain {domain!r} is not in dns_zone_name {zone!r}")
    if (s.private_link_resource_id is None) != (s.private_link_location is None):
        raise _fail("private_link_resource_id and private_link_location go together: give "
                    "both or neither")
    if s.private_link_resource_id is not None and not s.premium:
        raise _fail(f"private_link_resource_id needs sku_name {FRONT_DOOR_PREMIUM!r}: "
                    f"{s.sku_name} has no Private Link origins")
    if s.private_link_location is not None and not REGION_NAME.fullmatch(
            s.private_link_location):
        raise _fail(f"private_link_location {s.private_link_location!r} is not an Azure "
                    "region name such as 'westeurope'")
    resource_tags(COMPONENT, s.tags)
    return s


def waf_policy_name(name: str) -> str:
    """The WAF policy's name: the component name's letters and digits plus "waf" (the policy
    takes letters and digits only)."""
    policy = re.sub(r"[^a-z0-9]", "", name) + "waf"
    assert FRONT_DOOR_WAF_POLICY_NAME.fullmatch(policy), policy
    return policy


def _slug(domain: str) -> str:
    """A custom domain's resource name in the profile (dots become dashes)."""
    return domain.replace(".", "-")


class Cdn(pulumi.ComponentResource):
    """Azure Front Door Standard/Premium with the services as HTTPS-only origins, managed
    certificates on custom domains (with their Azure DNS records when a zone is given), and
    the WAF in Prevention mode on Premium."""

    hostname: pulumi.Output[str]
    """The Front Door endpoint's host name (`<endpoint>-<hash>.z01.azurefd.net`)."""
    url: pulumi.Output[str]
    """`https://` plus the first custom domain, or the endpoint's host name without one."""
    profile_id: pulumi.Output[str]
    """The Front Door profile's ARM id."""
    front_door_id: pulumi.Output[str]
    """The profile's Front Door id, the value of the `X-Azure-FDID` header the origins should
    require."""
    endpoint_id: pulumi.Output[str]
    """The endpoint's ARM id."""
    waf_policy_id: pulumi.Output[str]
    """The WAF policy's ARM id; "" on Standard."""
    validation_tokens: pulumi.Output[dict[str, str]]
    """Each custom domain's DNS TXT validation token (published as `_dnsauth.<name>`)."""

    def __init__(self, name: str, args: CdnArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, opts)
        s = validate_cdn_args(name, args)
        tags = resource_tags(COMPONENT, s.tags)
        rg = s.resource_group_name

        profile = cdn.Profile(
            f"{name}-fd",
            resource_group_name=rg,
            location="global",
            sku=cdn.SkuArgs(name=s.sku_name),
            tags=tags,
            opts=child_opts(self))
        endpoint = cdn.AFDEndpoint(
            f"{name}-endpoint",
            resource_group_name=rg,
            profile_name=profile.name,
            location="global",
            enabled_state="Enabled",
            auto_generated_domain_name_label_scope=FRONT_DOOR_LABEL_SCOPE,
            tags=tags,
            opts=child_opts(self))

        zone_id: pulumi.Output[str] | None = None
        if s.dns_zone_name is not None:
            client = authorization.get_client_config_output(
                opts=pulumi.InvokeOutputOptions(parent=self))
            zone_name = s.dns_zone_name
            zone_id = pulumi.Output.all(client.subscription_id,
                                        s.dns_zone_resource_group_name).apply(
                lambda v: f"/subscriptions/{v[0]}/resourceGroups/{v[1]}/providers/"
                          f"Microsoft.Network/dnsZones/{zone_name}")
        domains = {domain: cdn.AFDCustomDomain(
            f"{name}-domain-{_slug(domain)}",
            resource_group_name=rg,
            profile_name=profile.name,
            custom_domain_name=_slug(domain),
            host_name=domain,
            tls_settings=cdn.AFDDomainHttpsParametersArgs(
                certificate_type=FRONT_DOOR_CERTIFICATE_TYPE,
                cipher_suite_set_type=FRONT_DOOR_TLS_POLICY,
                minimum_tls_version=cdn.AfdMinimumTlsVersion(FRONT_DOOR_MINIMUM_TLS)),
            azure_dns_zone=cdn.ResourceReferenceArgs(id=zone_id) if zone_id else None,
            opts=child_opts(self)) for domain in s.custom_domains}

        domain_refs = [cdn.ActivatedResourceReferenceArgs(id=d.id) for d in domains.values()]
        private_link: cdn.SharedPrivateLinkResourcePropertiesArgs | None = None
        if s.private_link_resource_id is not None:
            private_link = cdn.SharedPrivateLinkResourcePropertiesArgs(
                group_id=FRONT_DOOR_PRIVATE_LINK_GROUP,
                private_link=cdn.ResourceReferenceArgs(id=s.private_link_resource_id),
                private_link_location=s.private_link_location,
                request_message=f"forge {name}: Front Door origin")
        for origin in s.origin_settings():
            group = cdn.AFDOriginGroup(
                f"{name}-{origin.name}",
                resource_group_name=rg,
                profile_name=profile.name,
                health_probe_settings=cdn.HealthProbeParametersArgs(
                    probe_path=origin.health_path,
                    probe_protocol=cdn.ProbeProtocol.HTTPS,
                    probe_request_type=cdn.HealthProbeRequestType.GET,
                    probe_interval_in_seconds=PROBE_INTERVAL_SECONDS),
                load_balancing_settings=cdn.LoadBalancingSettingsParametersArgs(
                    **LOAD_BALANCING),
                session_affinity_state="Disabled",
                opts=child_opts(self))
            member = cdn.AFDOrigin(
                f"{name}-{origin.name}-origin",
                resource_group_name=rg,
                profile_name=profile.name,
                origin_group_name=group.name,
                host_name=origin.host_name,
                origin_host_header=origin.host_name,
                http_port=80,
                https_port=443,
                enforce_certificate_name_check=True,
                shared_private_link_resource=private_link,
                priority=1,
                weight=1000,
                enabled_state="Enabled",
                opts=child_opts(self))
            # A route needs its origin group to hold an origin, and its custom domains.
            cdn.Route(
                f"{name}-{origin.name}-route",
                resource_group_name=rg,
                profile_name=profile.name,
                endpoint_name=endpoint.name,
                origin_group=cdn.ResourceReferenceArgs(id=group.id),
                patterns_to_match=list(origin.path_patterns),
                supported_protocols=["Http", "Https"],
                https_redirect="Enabled",
                forwarding_protocol="HttpsOnly",
                link_to_default_domain="Enabled",
                custom_domains=domain_refs or None,
                enabled_state="Enabled",
                opts=child_opts(self, depends_on=[member, *domains.values()]))

        waf_id: pulumi.Output[str] = pulumi.Output.from_input("")
        if s.premium:
            policy = frontdoor.Policy(
                f"{name}-waf",
                resource_group_name=rg,
                policy_name=waf_policy_name(name),
                location="Global",
                sku=frontdoor.SkuArgs(name=s.sku_name),
                policy_settings=frontdoor.PolicySettingsArgs(
                    enabled_state="Enabled", mode=s.waf_mode, request_body_check="Enabled"),
                managed_rules=frontdoor.ManagedRuleSetListArgs(managed_rule_sets=[
                    frontdoor.ManagedRuleSetArgs(rule_set_type=rule_set,
                                                 rule_set_version=version,
                                                 rule_set_action="Block")
                    for rule_set, version in FRONT_DOOR_WAF_RULE_SETS.items()]),
                tags=tags,
                opts=child_opts(self))
            cdn.SecurityPolicy(
                f"{name}-waf-policy",
                resource_group_name=rg,
                profile_name=profile.name,
                parameters=cdn.SecurityPolicyWebApplicationFirewallParametersArgs(
                    type="WebApplicationFirewall",
                    waf_policy=cdn.ResourceReferenceArgs(id=policy.id),
                    associations=[cdn.SecurityPolicyWebApplicationFirewallAssociationArgs(
                        domains=[cdn.ActivatedResourceReferenceArgs(id=endpoint.id),
                                 *domain_refs],
                        patterns_to_match=["/*"])]),
                opts=child_opts(self))
            waf_id = policy.id

        if s.dns_zone_name is not None:
            assert s.dns_zone_resource_group_name is not None
            for domain, custom in domains.items():
                relative = domain.removesuffix(f".{s.dns_zone_name}")
                token = custom.validation_properties.apply(
                    lambda v: str(v.validation_token) if v else "")
                dns.RecordSet(
                    f"{name}-{_slug(domain)}-validation",
                    resource_group_name=s.dns_zone_resource_group_name,
                    zone_name=s.dns_zone_name,
                    relative_record_set_name=f"{FRONT_DOOR_VALIDATION_PREFIX}.{relative}",
                    record_type="TXT",
                    ttl=DNS_TTL_SECONDS,
                    txt_records=[dns.TxtRecordArgs(value=[token])],
                    opts=child_opts(self))
                dns.RecordSet(
                    f"{name}-{_slug(domain)}-cname",
                    resource_group_name=s.dns_zone_resource_group_name,
                    zone_name=s.dns_zone_name,
                    relative_record_set_name=relative,
                    record_type="CNAME",
                    ttl=DNS_TTL_SECONDS,
                    cname_record=dns.CnameRecordArgs(cname=endpoint.host_name),
                    opts=child_opts(self))

        self.hostname = endpoint.host_name
        self.url = (pulumi.Output.from_input(f"https://{s.custom_domains[0]}")
                    if s.custom_domains else endpoint.host_name.apply(lambda h: f"https://{h}"))
        self.profile_id = profile.id
        self.front_door_id = profile.front_door_id
        self.endpoint_id = endpoint.id
        self.waf_policy_id = waf_id
        self.validation_tokens = pulumi.Output.all(**{
            domain: custom.validation_properties.apply(
                lambda v: str(v.validation_token) if v else "")
            for domain, custom in domains.items()}).apply(dict)
        self.register_outputs({
            "hostname": self.hostname,
            "url": self.url,
            "profile_id": self.profile_id,
            "front_door_id": self.front_door_id,
            "endpoint_id": self.endpoint_id,
            "waf_policy_id": self.waf_policy_id,
            "validation_tokens": self.validation_tokens,
        })
