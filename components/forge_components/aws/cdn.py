"""The platform's CDN on AWS: CloudFront in front of the UI's private assets bucket and the API.

- The UI's static assets live in a `PrivateBucket` the CDN creates (encrypted, versioned,
  TLS-only, never public). CloudFront reads it through an Origin Access Control (SigV4, always
  signed); the grant is one statement in the bucket's single policy, limited to this
  distribution's ARN (`AWS:SourceArn`).
- HTTPS only towards viewers: an ACM certificate for the site's names, issued in us-east-1 (the
  only region CloudFront takes certificates from) and validated through Route 53; TLS 1.2
  minimum (`TLSv1.2_2021`), SNI, HTTP/2 and HTTP/3, plain HTTP redirected to HTTPS.
- Managed policies: CachingOptimized and SecurityHeadersPolicy for the assets; for `/api/*`
  (when an API origin is given) CachingDisabled and AllViewerExceptHostHeader, HTTPS-only to
  the origin with TLS 1.2.
- Single-page-app routing is a CloudFront Function on the assets behaviour only (extension-less
  paths are served `/index.html`), so API errors are never rewritten into the app's page.
- Route 53 alias A and AAAA records for every name.

The distribution's ARN is only known once the distribution exists, while the bucket policy that
names it belongs to the bucket created before it: a deferred output carries the ARN to the
policy, so no resource is created inside `apply` and the policy still depends on the
distribution.
"""

import dataclasses
import functools
import re
from collections.abc import Callable, Sequence
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from forge_components.aws.storage import PrivateBucket, PrivateBucketArgs
from forge_components.aws.tags import resource_tags
from forge_components.common import child_opts

COMPONENT = "forge-aws:index:Cdn"

PRICE_CLASSES = frozenset({"PriceClass_100", "PriceClass_200", "PriceClass_All"})
CERTIFICATE_REGION = "us-east-1"
MINIMUM_PROTOCOL_VERSION = "TLSv1.2_2021"

CACHING_OPTIMIZED = "Managed-CachingOptimized"
CACHING_DISABLED = "Managed-CachingDisabled"
ALL_VIEWER_EXCEPT_HOST_HEADER = "Managed-AllViewerExceptHostHeader"
SECURITY_HEADERS = "Managed-SecurityHeadersPolicy"

ASSETS_ORIGIN_ID = "assets"
#: Where the assets bucket's S3 server access logs go in the access-log bucket.
ASSETS_ACCESS_LOG_PREFIX = "s3/cdn-assets/"
API_ORIGIN_ID = "api"
API_PATH_PATTERN = "/api/*"

ALL_METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]
READ_METHODS = ["GET", "HEAD"]

_DOMAIN = re.compile(r"^(\*\.)?([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")

#: Rewrites extension-less paths (client-side routes) to the app's entry page.
SPA_ROUTING_FUNCTION = """\
function handler(event) {
  var request = event.request;
  var uri = request.uri;
  var last = uri.substring(uri.lastIndexOf('/') + 1);
  if (last.indexOf('.') === -1) {
    request.uri = '/index.html';
  }
  return request;
}
"""


class CdnArgs(TypedDict):
    """The inputs of a `Cdn` component."""

    domain_name: str
    """The site's host name, e.g. "app.example.com". Required."""
    hosted_zone_id: pulumi.Input[str]
    """The Route 53 public zone holding `domain_name` and the aliases (certificate validation
    and alias records go there). Required."""
    aliases: NotRequired[list[str]]
    """Further host names the distribution serves (same zone). Defaults to []."""
    api_origin_domain: NotRequired[pulumi.Input[str] | None]
    """The API's origin host (the load balancer), reached over HTTPS with TLS 1.2 for `/api/*`;
    its TLS certificate must cover this name (CloudFront sends it as the Host and SNI), so pass
    a DNS name aliased to the load balancer rather than its `*.elb.amazonaws.com` name. Unset
    serves only the assets. Defaults to unset."""
    price_class: NotRequired[str]
    """CloudFront price class (edge locations used). Defaults to "PriceClass_100"."""
    web_acl_id: NotRequired[pulumi.Input[str] | None]
    """A WAF (v2, CLOUDFRONT scope) web ACL ARN to attach; unset attaches none. Defaults to
    unset."""
    access_log_bucket_domain_name: NotRequired[pulumi.Input[str] | None]
    """Bring-your-own S3 bucket (its `bucket_domain_name`, ACLs enabled) for standard access
    logs; unset skips access logging. Defaults to unset."""
    assets_access_log_bucket_name: NotRequired[pulumi.Input[str] | None]
    """A bucket (same account and region, its policy admitting `logging.s3.amazonaws.com` from
    the assets bucket) that receives the assets bucket's S3 server access logs under
    `s3/cdn-assets/`; unset logs nothing. Defaults to unset."""
    spa_routing: NotRequired[bool]
    """Serve `/index.html` for extension-less paths of the assets behaviour (a CloudFront
    Function; `/api/*` is untouched). Defaults to True."""
    default_tags: NotRequired[dict[str, str]]
    """The stack's provider default tags, set on the us-east-1 provider this component creates
    for the certificate. Defaults to {}."""
    certificate_provider_settings: NotRequired[dict[str, Any]]
    """Further settings of the us-east-1 AWS provider this component creates for the
    certificate (CloudFront takes certificates from us-east-1 only), as keyword arguments of
    `pulumi_aws.Provider` with snake_case names (nested values in the wire's camelCase), e.g.
    `profile`, `assume_roles`, `allowed_account_ids`: pass the same settings as the stack's
    own provider. `region` and
    `default_tags` are the component's and refused here. Defaults to {}."""
    force_destroy_assets: NotRequired[bool]
    """Let `pulumi destroy` delete the assets bucket while it still holds objects. Defaults to
    False."""
    protect: NotRequired[bool]
    """Set Pulumi's `protect` on the assets bucket. Defaults to False."""
    tags: NotRequired[dict[str, str]]
    """Tags added to every taggable child (the provider's default tags come on top). Defaults to
    {}."""


@dataclasses.dataclass(frozen=True)
class _Settings:
    """`CdnArgs` with every default applied."""

    domain_name: str
    hosted_zone_id: pulumi.Input[str]
    aliases: list[str] = dataclasses.field(default_factory=list)
    api_origin_domain: pulumi.Input[str] | None = None
    price_class: str = "PriceClass_100"
    web_acl_id: pulumi.Input[str] | None = None
    access_log_bucket_domain_name: pulumi.Input[str] | None = None
    assets_access_log_bucket_name: pulumi.Input[str] | None = None
    spa_routing: bool = True
    default_tags: dict[str, str] = dataclasses.field(default_factory=dict)
    certificate_provider_settings: dict[str, Any] = dataclasses.field(default_factory=dict)
    force_destroy_assets: bool = False
    protect: bool = False
    tags: dict[str, str] = dataclasses.field(default_factory=dict)


def _validate(args: CdnArgs) -> tuple[_Settings, list[str]]:
    """Apply the defaults, reject inconsistent arguments; return every name served too."""
    values: dict[str, Any] = {k: v for k, v in dict(args).items() if v is not None}
    unknown = sorted(set(values) - {f.name for f in dataclasses.fields(_Settings)})
    if unknown:
        raise ValueError(f"CdnArgs: unknown fields {unknown}")
    cfg = _Settings(**values)
    names = [cfg.domain_name, *cfg.aliases]
    invalid = [n for n in names if not _DOMAIN.match(n)]
    if invalid:
        raise ValueError(f"domain_name/aliases must be lower-case DNS names: {invalid}")
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"domain_name and aliases repeat names: {duplicates}")
    shared = sorted(n for n in names if n.startswith("*.") and n[2:] in names)
    if shared:
        raise ValueError(f"{shared} and their apex names share one ACM validation record; "
                         "pass only one of each pair")
    if cfg.price_class not in PRICE_CLASSES:
        raise ValueError(f"price_class {cfg.price_class!r} is not one of "
                         f"{sorted(PRICE_CLASSES)}")
    reserved = sorted({"region", "default_tags"} & set(cfg.certificate_provider_settings))
    if reserved:
        raise ValueError(f"certificate_provider_settings may not set {reserved}: the "
                         "certificate provider is in us-east-1 with `default_tags`")
    return cfg, names


def _validation_option(
        options: Sequence[aws.acm.outputs.CertificateDomainValidationOption],
        domain: str) -> aws.acm.outputs.CertificateDomainValidationOption:
    """The DNS validation record ACM asks for `domain`."""
    return next(o for o in options if o.domain_name == domain)


def _slug(domain: str) -> str:
    """A resource-name-friendly form of a host name."""
    return domain.replace("*", "wildcard")


class Cdn(pulumi.ComponentResource):
    """CloudFront for the UI's assets (and optionally the API) on the site's own names."""

    distribution_id: pulumi.Output[str]
    """The CloudFront distribution's id."""
    hostname: pulumi.Output[str]
    """The distribution's own host name (`*.cloudfront.net`)."""
    distribution_arn: pulumi.Output[str]
    """The distribution's ARN."""
    distribution_hosted_zone_id: pulumi.Output[str]
    """CloudFront's Route 53 zone id (for alias records)."""
    assets_bucket_name: pulumi.Output[str]
    """The private bucket holding the UI's static assets."""
    assets_bucket_arn: pulumi.Output[str]
    """The assets bucket's ARN."""
    certificate_arn: pulumi.Output[str]
    """The validated us-east-1 ACM certificate on the distribution."""
    url: pulumi.Output[str]
    """https://<domain_name>."""

    def __init__(self, name: str, args: CdnArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        cfg, names = _validate(args)
        super().__init__(COMPONENT, name, None, opts)

        def tags(child: str) -> dict[str, str]:
            return resource_tags(child, COMPONENT, cfg.tags)

        invoke = pulumi.InvokeOutputOptions(parent=self)

        # -- assets bucket, readable by this distribution only --------------------------------
        # The grant names the bucket (created by PrivateBucket) and the distribution (created
        # after it, since it reads from the bucket): both reach the single bucket policy through
        # deferred outputs, resolved below, so the policy waits for (and depends on) both.
        bucket_arn: pulumi.Output[str]
        distribution_arn: pulumi.Output[str]
        resolve_bucket_arn: Callable[[pulumi.Output[str]], None]
        resolve_distribution_arn: Callable[[pulumi.Output[str]], None]
        bucket_arn, resolve_bucket_arn = pulumi.deferred_output()
        distribution_arn, resolve_distribution_arn = pulumi.deferred_output()
        oac_read = {
            "Sid": "AllowCloudFrontOriginAccessControlRead",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": pulumi.Output.concat(bucket_arn, "/*"),
            "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}},
        }
        assets = PrivateBucket(
            f"{name}-assets",
            PrivateBucketArgs(
                tags=cfg.tags,
                versioning=True,
                transition_days=None,  # the CDN serves every object at any age
                noncurrent_version_expiration_days=90,
                abort_incomplete_multipart_days=7,
                force_destroy=cfg.force_destroy_assets,
                protect=cfg.protect,
                extra_policy_statements=[oac_read],
                **({"access_log_bucket_name": cfg.assets_access_log_bucket_name,
                    "access_log_prefix": ASSETS_ACCESS_LOG_PREFIX}
                   if cfg.assets_access_log_bucket_name is not None else {}),
            ),
            opts=child_opts(self))
        resolve_bucket_arn(assets.bucket_arn)

        # -- certificate in us-east-1, DNS-validated ------------------------------------------
        provider = aws.Provider(
            f"{name}-{CERTIFICATE_REGION}",
            region=CERTIFICATE_REGION,
            default_tags=aws.ProviderDefaultTagsArgs(tags=dict(cfg.default_tags)),
            **cfg.certificate_provider_settings,
            opts=child_opts(self))
        certificate = aws.acm.Certificate(
            f"{name}-certificate",
            domain_name=cfg.domain_name,
            subject_alternative_names=list(cfg.aliases) or None,
            validation_method="DNS",
            tags=tags(f"{name}-certificate"),
            opts=child_opts(self, provider=provider))
        validation_records = []
        for domain in names:
            option = certificate.domain_validation_options.apply(
                functools.partial(_validation_option, domain=domain))
            validation_records.append(aws.route53.Record(
                f"{name}-validation-{_slug(domain)}",
                zone_id=cfg.hosted_zone_id,
                name=option.apply(lambda o: o.resource_record_name or ""),
                type=option.apply(lambda o: o.resource_record_type or ""),
                records=[option.apply(lambda o: o.resource_record_value or "")],
                ttl=300,
                opts=child_opts(self)))
        validation = aws.acm.CertificateValidation(
            f"{name}-certificate-validation",
            certificate_arn=certificate.arn,
            validation_record_fqdns=[r.fqdn for r in validation_records],
            opts=child_opts(self, provider=provider))

        # -- distribution ---------------------------------------------------------------------
        access_control = aws.cloudfront.OriginAccessControl(
            f"{name}-oac",
            description=f"CloudFront {name} reads the UI assets bucket (SigV4)",
            origin_access_control_origin_type="s3",
            signing_behavior="always",
            signing_protocol="sigv4",
            opts=child_opts(self))

        caching_optimized = aws.cloudfront.get_cache_policy_output(
            name=CACHING_OPTIMIZED, opts=invoke).id
        security_headers = aws.cloudfront.get_response_headers_policy_output(
            name=SECURITY_HEADERS, opts=invoke).id

        function_associations = None
        if cfg.spa_routing:
            spa_function = aws.cloudfront.Function(
                f"{name}-spa-routing",
                runtime="cloudfront-js-2.0",
                comment="Serve /index.html for client-side routes",
                code=SPA_ROUTING_FUNCTION,
                publish=True,
                tags=tags(f"{name}-spa-routing"),
                opts=child_opts(self))
            function_associations = [
                aws.cloudfront.DistributionDefaultCacheBehaviorFunctionAssociationArgs(
                    event_type="viewer-request", function_arn=spa_function.arn)]

        origins = [aws.cloudfront.DistributionOriginArgs(
            origin_id=ASSETS_ORIGIN_ID,
            domain_name=assets.bucket_regional_domain_name,
            origin_access_control_id=access_control.id)]
        ordered_behaviors = None
        if cfg.api_origin_domain is not None:
            origins.append(aws.cloudfront.DistributionOriginArgs(
                origin_id=API_ORIGIN_ID,
                domain_name=cfg.api_origin_domain,
                custom_origin_config=aws.cloudfront.DistributionOriginCustomOriginConfigArgs(
                    http_port=80, https_port=443,
                    origin_protocol_policy="https-only",
                    origin_ssl_protocols=["TLSv1.2"])))
            ordered_behaviors = [aws.cloudfront.DistributionOrderedCacheBehaviorArgs(
                path_pattern=API_PATH_PATTERN,
                target_origin_id=API_ORIGIN_ID,
                viewer_protocol_policy="https-only",
                allowed_methods=ALL_METHODS,
                cached_methods=READ_METHODS,
                compress=True,
                cache_policy_id=aws.cloudfront.get_cache_policy_output(
                    name=CACHING_DISABLED, opts=invoke).id,
                origin_request_policy_id=aws.cloudfront.get_origin_request_policy_output(
                    name=ALL_VIEWER_EXCEPT_HOST_HEADER, opts=invoke).id,
                response_headers_policy_id=security_headers)]

        logging_config = None
        if cfg.access_log_bucket_domain_name is not None:
            logging_config = aws.cloudfront.DistributionLoggingConfigArgs(
                bucket=cfg.access_log_bucket_domain_name, include_cookies=False,
                prefix=f"{name}/")

        distribution = aws.cloudfront.Distribution(
            f"{name}-distribution",
            enabled=True,
            is_ipv6_enabled=True,
            http_version="http2and3",
            comment=f"{name}: {cfg.domain_name}",
            default_root_object="index.html",
            aliases=names,
            price_class=cfg.price_class,
            web_acl_id=cfg.web_acl_id,
            origins=origins,
            default_cache_behavior=aws.cloudfront.DistributionDefaultCacheBehaviorArgs(
                target_origin_id=ASSETS_ORIGIN_ID,
                viewer_protocol_policy="redirect-to-https",
                allowed_methods=READ_METHODS,
                cached_methods=READ_METHODS,
                compress=True,
                cache_policy_id=caching_optimized,
                response_headers_policy_id=security_headers,
                function_associations=function_associations),
            ordered_cache_behaviors=ordered_behaviors,
            restrictions=aws.cloudfront.DistributionRestrictionsArgs(
                geo_restriction=aws.cloudfront.DistributionRestrictionsGeoRestrictionArgs(
                    restriction_type="none", locations=[])),
            viewer_certificate=aws.cloudfront.DistributionViewerCertificateArgs(
                acm_certificate_arn=validation.certificate_arn,
                ssl_support_method="sni-only",
                minimum_protocol_version=MINIMUM_PROTOCOL_VERSION),
            logging_config=logging_config,
            tags=tags(f"{name}-distribution"),
            opts=child_opts(self))
        resolve_distribution_arn(distribution.arn)

        # -- DNS: alias A and AAAA per name ---------------------------------------------------
        for domain in names:
            for record_type in ("A", "AAAA"):
                aws.route53.Record(
                    f"{name}-{_slug(domain)}-{record_type.lower()}",
                    zone_id=cfg.hosted_zone_id,
                    name=domain,
                    type=record_type,
                    aliases=[aws.route53.RecordAliasArgs(
                        name=distribution.domain_name,
                        zone_id=distribution.hosted_zone_id,
                        evaluate_target_health=False)],
                    opts=child_opts(self))

        self.distribution_id = distribution.id
        self.hostname = distribution.domain_name
        self.distribution_arn = distribution.arn
        self.distribution_hosted_zone_id = distribution.hosted_zone_id
        self.assets_bucket_name = assets.bucket_name
        self.assets_bucket_arn = assets.bucket_arn
        self.certificate_arn = validation.certificate_arn
        self.url = pulumi.Output.from_input(f"https://{cfg.domain_name}")
        self.register_outputs({
            "distribution_id": self.distribution_id,
            "hostname": self.hostname,
            "distribution_arn": self.distribution_arn,
            "distribution_hosted_zone_id": self.distribution_hosted_zone_id,
            "assets_bucket_name": self.assets_bucket_name,
            "assets_bucket_arn": self.assets_bucket_arn,
            "certificate_arn": self.certificate_arn,
            "url": self.url,
        })
