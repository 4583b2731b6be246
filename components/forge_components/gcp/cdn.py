"""The platform's entry point on GCP: a global external Application Load Balancer in front of
the Cloud Run services, Cloud CDN for the UI, Cloud Armor when asked.

What it creates:

* a global static IPv4 address (`compute.GlobalAddress`, EXTERNAL), the name every record
  points at;
* one serverless NEG per routed Cloud Run service (`compute.RegionNetworkEndpointGroup`,
  SERVERLESS, the service by name) and one backend service each, scheme EXTERNAL_MANAGED (the
  global external Application Load Balancer; the classic balancer is EXTERNAL, which Google
  asks users to migrate from: https://cloud.google.com/load-balancing/docs/https/
  migrate-to-global). Serverless NEGs take no health check
  (https://cloud.google.com/load-balancing/docs/negs/serverless-neg-concepts);
* Cloud CDN on the ui backend only. Cache policy: CACHE_ALL_STATIC (static content types and
  responses with valid caching headers are cached; the app's HTML is cached only if the UI
  sends caching headers for it), default TTL 1 h, max TTL 1 day, client TTL 1 h (Cloud CDN's
  own defaults, settable), negative caching on, stale content served for up to a day while
  the origin is revalidated or failing. The gateway (the API) is never cached. Sources:
  https://cloud.google.com/cdn/docs/using-cache-modes and
  https://cloud.google.com/cdn/docs/using-ttl-overrides (`limits.CDN_TTL_MAX_SECONDS`);
* a URL map sending `/api` and `/api/*` to the gateway and everything else to the ui;
* a Google-managed certificate from Certificate Manager, attached through a certificate map.
  Certificate Manager, not the classic `compute.ManagedSslCertificate`: "Google Cloud strongly
  recommends using Certificate Manager as your primary certificate management tool for load
  balancer deployments. While Compute Engine SSL certificates (classic certificates) remain
  supported, they have notable limitations" (https://cloud.google.com/load-balancing/docs/
  ssl-certificates); the global external Application Load Balancer takes Certificate Manager
  certificates through a certificate map only, which pulumi_gcp 10.2's
  `TargetHttpsProxy.certificate_map` confirms ("For EXTERNAL and EXTERNAL_MANAGED, use
  certificate_map"). With a Cloud DNS zone the certificate is DNS-authorized (issued before
  traffic arrives; wildcards allowed) and the authorization's CNAME goes into the zone; without
  one it uses load balancer authorization (global only, no wildcards, issued once the names
  resolve to the balancer): https://cloud.google.com/certificate-manager/docs/certificates;
* an HTTPS proxy with an SSL policy of TLS 1.2 minimum, MODERN (or RESTRICTED) profile
  (`limits.SSL_PROFILES`), and a forwarding rule on 443;
* an HTTP proxy on 80 whose URL map only redirects to HTTPS (301, query kept);
* when `cloud_armor` is set (prod), a Cloud Armor backend security policy on every backend:
  the preconfigured WAF rule sets (OWASP CRS 3.3, `limits.WAF_RULES`) deny with 403, a
  per-client-IP throttle answers 429 above the rate, the default rule allows. On the
  CDN-enabled ui backend a backend policy filters cache misses only (an edge policy would
  filter before the cache): https://cloud.google.com/armor/docs/security-policy-overview;
* when `dns_zone_name` is given, an A record per served name in that Cloud DNS zone.

No bucket is created: the UI is served by its Cloud Run service, so nothing is public but the
balancer's address.
"""

import dataclasses
import re
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_gcp as gcp

from forge_components.common import child_opts
from forge_components.gcp.labels import resource_labels
from forge_components.gcp.limits import (
    AUTONAME_SUFFIX,
    CDN_TTL_MAX_SECONDS,
    RATE_LIMIT_COUNT,
    RESOURCE_NAME,
    RESOURCE_NAME_MAX,
    SECURITY_POLICY_DEFAULT_PRIORITY,
    SSL_MIN_TLS_VERSION,
    SSL_PROFILES,
    WAF_RULES,
    WAF_SENSITIVITY,
)

COMPONENT = "forge-gcp:index:Cdn"
#: The paths the gateway answers; everything else goes to the ui.
API_PATHS: tuple[str, ...] = ("/api", "/api/*")
#: The scheme of the global external Application Load Balancer (EXTERNAL is the classic one).
SCHEME = "EXTERNAL_MANAGED"
#: Certificate Manager's URI prefix a target proxy's `certificate_map` takes.
CERTIFICATE_MANAGER_URI = "//certificatemanager.googleapis.com/"
#: Priorities of the Cloud Armor rules: WAF rule sets from 1000, the throttle after them.
WAF_PRIORITY = 1000
THROTTLE_PRIORITY = 2000
DNS_TTL_SECONDS = 300
_LONGEST_CHILD_SUFFIX = len("-gateway-backend")
_DOMAIN = re.compile(r"(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
_SERVICE = re.compile(r"[a-z]([-a-z0-9]{0,61}[a-z0-9])?")


class CdnArgs(TypedDict):
    """Inputs of the GCP `Cdn`. Defaults are safe: TLS 1.2+, HTTP redirected, nothing public
    but the balancer."""

    region: str
    """The region the Cloud Run services run in (the serverless NEGs are regional). Required."""
    domain_name: str
    """The site's host name, e.g. "app.example.com". Required."""
    ui_service_name: pulumi.Input[str]
    """The ui's Cloud Run service name (everything but `/api` goes there, through Cloud CDN).
    Required."""
    gateway_service_name: NotRequired[pulumi.Input[str] | None]
    """The gateway's Cloud Run service name, which receives `/api` and `/api/*` uncached;
    unset routes everything to the ui. Defaults to unset."""
    aliases: NotRequired[list[str]]
    """Further host names served and put on the certificate. Defaults to []."""
    dns_zone_name: NotRequired[str | None]
    """A Cloud DNS managed zone (its name) holding the names: the certificate is then
    DNS-authorized and an A record per name points at the balancer. Unset creates no record
    and uses load balancer authorization (no wildcard names). Defaults to unset."""
    ssl_profile: NotRequired[str]
    """The SSL policy's profile, MODERN or RESTRICTED (minimum TLS 1.2 either way). Defaults
    to "MODERN"."""
    cloud_armor: NotRequired[bool]
    """Attach a Cloud Armor policy (WAF rule sets and a per-IP throttle) to every backend
    (prod). Defaults to False."""
    waf_rules: NotRequired[list[str]]
    """The preconfigured WAF rule sets denied with 403 (`limits.WAF_RULES`). Defaults to
    sqli, xss, lfi, rfi, rce, scannerdetection, protocolattack and sessionfixation
    (v33-stable)."""
    waf_sensitivity: NotRequired[int]
    """The WAF rules' sensitivity, 1 (fewest false positives) to 4. Defaults to 1."""
    rate_limit_per_minute: NotRequired[int]
    """Requests a client IP may send per minute before Cloud Armor answers 429. Defaults to
    600."""
    cdn_default_ttl: NotRequired[int]
    """Seconds the ui's static responses without caching headers are cached. Defaults to
    3600."""
    cdn_max_ttl: NotRequired[int]
    """The most seconds any ui response is cached, whatever its headers say. Defaults to
    86400."""
    cdn_client_ttl: NotRequired[int]
    """The most seconds browsers are told to cache a ui response. Defaults to 3600."""
    labels: NotRequired[dict[str, str]]
    """Labels on the address, the security policy and the certificate resources. Defaults to
    {}."""


@dataclasses.dataclass(frozen=True)
class _Settings:
    """`CdnArgs` with every default applied (the host passes a plain dict)."""

    region: str
    domain_name: str
    ui_service_name: pulumi.Input[str]
    gateway_service_name: pulumi.Input[str] | None = None
    aliases: list[str] = dataclasses.field(default_factory=list)
    dns_zone_name: str | None = None
    ssl_profile: str = "MODERN"
    cloud_armor: bool = False
    waf_rules: list[str] = dataclasses.field(default_factory=lambda: [
        "sqli-v33-stable", "xss-v33-stable", "lfi-v33-stable", "rfi-v33-stable",
        "rce-v33-stable", "scannerdetection-v33-stable", "protocolattack-v33-stable",
        "sessionfixation-v33-stable"])
    waf_sensitivity: int = 1
    rate_limit_per_minute: int = 600
    cdn_default_ttl: int = 3600
    cdn_max_ttl: int = 86400
    cdn_client_ttl: int = 3600
    labels: dict[str, str] = dataclasses.field(default_factory=dict)


def _fail(message: str) -> ValueError:
    return ValueError(f"Cdn: {message}")


def validate_cdn_args(name: str, args: CdnArgs) -> tuple[_Settings, list[str]]:
    """The args with defaults applied, checked, and every name served; a ValueError names the
    field and what is allowed. Pure (no Pulumi calls)."""
    s = _Settings(**args)
    longest = RESOURCE_NAME_MAX - AUTONAME_SUFFIX - _LONGEST_CHILD_SUFFIX
    if not RESOURCE_NAME.fullmatch(name) or len(name) > longest:
        raise _fail(f"name {name!r} must be lower-case letters, digits and dashes (a letter "
                    f"first, no dash last), at most {longest} characters")
    if not RESOURCE_NAME.fullmatch(s.region):
        raise _fail(f"region {s.region!r} is not a region name such as 'europe-west1'")
    names = [s.domain_name, *s.aliases]
    invalid = [n for n in names if not _DOMAIN.fullmatch(n)]
    if invalid:
        raise _fail(f"domain_name/aliases must be lower-case DNS names: {invalid}")
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise _fail(f"domain_name and aliases repeat names: {duplicates}")
    wildcards = [n for n in names if n.startswith("*.")]
    if wildcards and s.dns_zone_name is None:
        raise _fail(f"wildcard names {wildcards} need DNS authorization: set dns_zone_name "
                    "(load balancer authorization issues no wildcard certificate)")
    if s.dns_zone_name is not None and not RESOURCE_NAME.fullmatch(s.dns_zone_name):
        raise _fail(f"dns_zone_name {s.dns_zone_name!r} is not a Cloud DNS managed zone name")
    for field in ("ui_service_name", "gateway_service_name"):
        value = getattr(s, field)
        if isinstance(value, str) and not _SERVICE.fullmatch(value):
            raise _fail(f"{field} {value!r} is not a Cloud Run service name")
    if s.ssl_profile not in SSL_PROFILES:
        raise _fail(f"ssl_profile {s.ssl_profile!r} is not one of {list(SSL_PROFILES)}")
    unknown = sorted(set(s.waf_rules) - set(WAF_RULES))
    if unknown or not s.waf_rules:
        raise _fail(f"waf_rules must be a non-empty list of {list(WAF_RULES)}; unknown: "
                    f"{unknown}")
    low, high = WAF_SENSITIVITY
    if not low <= s.waf_sensitivity <= high:
        raise _fail(f"waf_sensitivity must be between {low} and {high}, got "
                    f"{s.waf_sensitivity}")
    low, high = RATE_LIMIT_COUNT
    if not low <= s.rate_limit_per_minute <= high:
        raise _fail(f"rate_limit_per_minute must be between {low} and {high}, got "
                    f"{s.rate_limit_per_minute}")
    ttls = {"cdn_default_ttl": s.cdn_default_ttl, "cdn_max_ttl": s.cdn_max_ttl,
            "cdn_client_ttl": s.cdn_client_ttl}
    bad = {k: v for k, v in ttls.items() if not 0 <= v <= CDN_TTL_MAX_SECONDS}
    if bad:
        raise _fail(f"{bad} must be between 0 and {CDN_TTL_MAX_SECONDS} seconds")
    if s.cdn_default_ttl > s.cdn_max_ttl or s.cdn_client_ttl > s.cdn_max_ttl:
        raise _fail("cdn_default_ttl and cdn_client_ttl must not exceed cdn_max_ttl")
    resource_labels(COMPONENT, s.labels)
    return s, names


def _slug(domain: str) -> str:
    """A resource-name-friendly form of a host name."""
    return domain.replace("*", "wildcard").replace(".", "-")


def _first_record(records: Any, key: str) -> str:
    """A field of a DNS authorization's first DNS resource record (output object or dict)."""
    if not records:
        return ""
    first = records[0]
    value = first.get(key) if isinstance(first, dict) else getattr(first, key, None)
    return str(value or "")


class Cdn(pulumi.ComponentResource):
    """A global external Application Load Balancer for the Cloud Run services: HTTPS with a
    Google-managed certificate, Cloud CDN for the ui, Cloud Armor when asked."""

    hostname: pulumi.Output[str]
    """The balancer's global IPv4 address: a GCP load balancer has no DNS name of its own,
    so records (and clients without DNS) use this."""
    url: pulumi.Output[str]
    """https://<domain_name>."""
    ip_address: pulumi.Output[str]
    """The global static IPv4 address the forwarding rules listen on."""
    url_map_id: pulumi.Output[str]
    """The HTTPS URL map's id."""
    certificate_map_id: pulumi.Output[str]
    """The Certificate Manager certificate map on the HTTPS proxy."""
    ssl_policy_id: pulumi.Output[str]
    """The SSL policy (TLS 1.2 minimum) on the HTTPS proxy."""
    security_policy_id: pulumi.Output[str]
    """The Cloud Armor policy on the backends; "" without `cloud_armor`."""

    def __init__(self, name: str, args: CdnArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COMPONENT, name, None, opts)
        s, names = validate_cdn_args(name, args)
        labels = resource_labels(COMPONENT, s.labels)

        address = gcp.compute.GlobalAddress(
            f"{name}-ip", address_type="EXTERNAL", ip_version="IPV4",
            description=f"forge {name}: the entry point's address", labels=labels,
            opts=child_opts(self))

        security_policy = self._security_policy(name, s, labels) if s.cloud_armor else None
        routed: dict[str, pulumi.Input[str]] = {"ui": s.ui_service_name}
        if s.gateway_service_name is not None:
            routed["gateway"] = s.gateway_service_name
        backends: dict[str, gcp.compute.BackendService] = {}
        for service, run_name in routed.items():
            neg = gcp.compute.RegionNetworkEndpointGroup(
                f"{name}-{service}-neg",
                region=s.region,
                network_endpoint_type="SERVERLESS",
                cloud_run=gcp.compute.RegionNetworkEndpointGroupCloudRunArgs(service=run_name),
                description=f"forge {name}: the {service} Cloud Run service",
                opts=child_opts(self))
            cdn = service == "ui"
            backends[service] = gcp.compute.BackendService(
                f"{name}-{service}-backend",
                load_balancing_scheme=SCHEME,
                backends=[gcp.compute.BackendServiceBackendArgs(group=neg.id)],
                enable_cdn=cdn,
                cdn_policy=gcp.compute.BackendServiceCdnPolicyArgs(
                    cache_mode="CACHE_ALL_STATIC",
                    default_ttl=s.cdn_default_ttl,
                    max_ttl=s.cdn_max_ttl,
                    client_ttl=s.cdn_client_ttl,
                    negative_caching=True,
                    serve_while_stale=86400,
                ) if cdn else None,
                security_policy=security_policy.self_link if security_policy else None,
                log_config=gcp.compute.BackendServiceLogConfigArgs(enable=True, sample_rate=1.0),
                description=f"forge {name}: {service}",
                opts=child_opts(self))

        ui = backends["ui"]
        path_rules = [gcp.compute.URLMapPathMatcherPathRuleArgs(
            paths=list(API_PATHS), service=backends["gateway"].id)] if "gateway" in backends else []
        url_map = gcp.compute.URLMap(
            f"{name}-https",
            default_service=ui.id,
            host_rules=[gcp.compute.URLMapHostRuleArgs(hosts=["*"], path_matcher="app")],
            path_matchers=[gcp.compute.URLMapPathMatcherArgs(
                name="app", default_service=ui.id, path_rules=path_rules or None)],
            description=f"forge {name}: /api to the gateway, the rest to the ui",
            opts=child_opts(self))

        certificate_map = self._certificate(name, s, names, labels)
        ssl_policy = gcp.compute.SSLPolicy(
            f"{name}-tls",
            profile=s.ssl_profile,
            min_tls_version=SSL_MIN_TLS_VERSION,
            description=f"forge {name}: TLS 1.2 or later",
            opts=child_opts(self))
        https_proxy = gcp.compute.TargetHttpsProxy(
            f"{name}-https",
            url_map=url_map.id,
            certificate_map=pulumi.Output.concat(CERTIFICATE_MANAGER_URI, certificate_map.id),
            ssl_policy=ssl_policy.id,
            description=f"forge {name}: HTTPS",
            opts=child_opts(self))
        gcp.compute.GlobalForwardingRule(
            f"{name}-https",
            load_balancing_scheme=SCHEME,
            ip_protocol="TCP",
            port_range="443",
            ip_address=address.id,
            target=https_proxy.id,
            labels=labels,
            opts=child_opts(self))

        redirect_map = gcp.compute.URLMap(
            f"{name}-http-redirect",
            default_url_redirect=gcp.compute.URLMapDefaultUrlRedirectArgs(
                https_redirect=True, redirect_response_code="MOVED_PERMANENTLY_DEFAULT",
                strip_query=False),
            description=f"forge {name}: HTTP to HTTPS",
            opts=child_opts(self))
        http_proxy = gcp.compute.TargetHttpProxy(
            f"{name}-http", url_map=redirect_map.id,
            description=f"forge {name}: redirects to HTTPS", opts=child_opts(self))
        gcp.compute.GlobalForwardingRule(
            f"{name}-http",
            load_balancing_scheme=SCHEME,
            ip_protocol="TCP",
            port_range="80",
            ip_address=address.id,
            target=http_proxy.id,
            labels=labels,
            opts=child_opts(self))

        if s.dns_zone_name is not None:
            for domain in names:
                gcp.dns.RecordSet(
                    f"{name}-{_slug(domain)}-a",
                    managed_zone=s.dns_zone_name,
                    name=f"{domain}.",
                    type="A",
                    ttl=DNS_TTL_SECONDS,
                    rrdatas=[address.address],
                    opts=child_opts(self))

        self.hostname = address.address
        self.ip_address = address.address
        self.url = pulumi.Output.from_input(f"https://{s.domain_name}")
        self.url_map_id = url_map.id
        self.certificate_map_id = certificate_map.id
        self.ssl_policy_id = ssl_policy.id
        self.security_policy_id = (security_policy.id if security_policy
                                   else pulumi.Output.from_input(""))
        self.register_outputs({
            "hostname": self.hostname,
            "url": self.url,
            "ip_address": self.ip_address,
            "url_map_id": self.url_map_id,
            "certificate_map_id": self.certificate_map_id,
            "ssl_policy_id": self.ssl_policy_id,
            "security_policy_id": self.security_policy_id,
        })

    def _security_policy(self, name: str, s: _Settings,
                         labels: dict[str, str]) -> gcp.compute.SecurityPolicy:
        """Cloud Armor: WAF rule sets deny 403, a per-IP throttle answers 429, default allow."""
        every_ip = gcp.compute.SecurityPolicyRuleMatchArgs(
            versioned_expr="SRC_IPS_V1",
            config=gcp.compute.SecurityPolicyRuleMatchConfigArgs(src_ip_ranges=["*"]))
        waf = [gcp.compute.SecurityPolicyRuleArgs(
            priority=WAF_PRIORITY + i,
            action="deny(403)",
            match=gcp.compute.SecurityPolicyRuleMatchArgs(
                expr=gcp.compute.SecurityPolicyRuleMatchExprArgs(
                    expression=(f"evaluatePreconfiguredWaf('{rule}', "
                                f"{{'sensitivity': {s.waf_sensitivity}}})"))),
            description=f"WAF {rule}")
            for i, rule in enumerate(s.waf_rules)]
        throttle = gcp.compute.SecurityPolicyRuleArgs(
            priority=THROTTLE_PRIORITY,
            action="throttle",
            match=every_ip,
            rate_limit_options=gcp.compute.SecurityPolicyRuleRateLimitOptionsArgs(
                conform_action="allow",
                exceed_action="deny(429)",
                enforce_on_key="IP",
                rate_limit_threshold=gcp.compute.
                SecurityPolicyRuleRateLimitOptionsRateLimitThresholdArgs(
                    count=s.rate_limit_per_minute, interval_sec=60)),
            description=f"at most {s.rate_limit_per_minute} requests a minute per client IP")
        default = gcp.compute.SecurityPolicyRuleArgs(
            priority=SECURITY_POLICY_DEFAULT_PRIORITY, action="allow", match=every_ip,
            description="default rule")
        return gcp.compute.SecurityPolicy(
            f"{name}-armor",
            type="CLOUD_ARMOR",
            rules=[*waf, throttle, default],
            description=f"forge {name}: WAF and rate limit",
            labels=labels,
            opts=child_opts(self))

    def _certificate(self, name: str, s: _Settings, names: list[str],
                     labels: dict[str, str]) -> gcp.certificatemanager.CertificateMap:
        """A Google-managed Certificate Manager certificate for every name, DNS-authorized
        when a zone is given, and the certificate map the HTTPS proxy uses."""
        authorizations: list[pulumi.Output[str]] = []
        if s.dns_zone_name is not None:
            # One authorization covers a domain and its wildcard. Certificate Manager
            # resources are auto-named from short logical names (a host name may be long).
            domains = dict.fromkeys(n.removeprefix("*.") for n in names)
            for i, domain in enumerate(domains):
                authorization = gcp.certificatemanager.DnsAuthorization(
                    f"{name}-authz-{i + 1}",
                    domain=domain,
                    location="global",
                    description=f"forge {name}: {domain}",
                    labels=labels,
                    opts=child_opts(self))
                records = authorization.dns_resource_records
                gcp.dns.RecordSet(
                    f"{name}-{_slug(domain)}-authz",
                    managed_zone=s.dns_zone_name,
                    name=records.apply(lambda r: _first_record(r, "name")),
                    type=records.apply(lambda r: _first_record(r, "type")),
                    ttl=DNS_TTL_SECONDS,
                    rrdatas=[records.apply(lambda r: _first_record(r, "data"))],
                    opts=child_opts(self))
                authorizations.append(authorization.id)
        certificate = gcp.certificatemanager.Certificate(
            f"{name}-certificate",
            location="global",
            scope="DEFAULT",
            managed=gcp.certificatemanager.CertificateManagedArgs(
                domains=list(names), dns_authorizations=authorizations or None),
            description=f"forge {name}: Google-managed",
            labels=labels,
            opts=child_opts(self))
        certificate_map = gcp.certificatemanager.CertificateMap(
            f"{name}-certificates", description=f"forge {name}", labels=labels,
            opts=child_opts(self))
        for i, domain in enumerate(names):
            gcp.certificatemanager.CertificateMapEntry(
                f"{name}-host-{i + 1}",
                map=certificate_map.name,
                hostname=domain,
                certificates=[certificate.id],
                labels=labels,
                opts=child_opts(self))
        return certificate_map
