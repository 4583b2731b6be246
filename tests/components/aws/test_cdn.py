"""Tests of the AWS Cdn component (CloudFront, ACM in us-east-1, Route 53, private assets bucket).

What these tests do not prove: that ACM issues the certificate (the zone must really be
authoritative for the names), that CloudFront accepts the distribution, or that the managed
policy ids are the real ones (the mocks derive ids from the policy names); only that the
program asks for what it should.
"""

import dataclasses
import json
import warnings
from typing import Any

import pulumi
import pulumi_aws
import pytest

from forge_components.aws.cdn import COMPONENT, SPA_ROUTING_FUNCTION, Cdn, CdnArgs
from forge_components.aws.storage import BUCKET_COMPONENT
from forge_components.contracts import CdnOutputs
from forge_infra.plan.mocks import ProviderMocks
from forge_infra.plan.recorder import RecordedResource, Recording
from tests.components.aws.conftest import assert_component_schema
from tests.helpers import assert_all_tagged, run_mocked

# Loading pulumi_aws.s3 warns about the deprecated *V2 types it defines (none is used here);
# filter exactly that import-time noise, by its origin (as tests/components/aws/test_storage.py).
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=r".*V2 has been deprecated in favor of ",
                            category=DeprecationWarning, module=r"pulumi_aws\.s3\.\w+_v2$")
    _ = pulumi_aws.s3.Bucket

ZONE = "Z0123456789ABCDEFGHIJ"
DOMAIN = "app.example.com"
ALIAS = "www.example.com"
API_ORIGIN = "origin-api.example.com"
DEFAULT_TAGS = {"app": "forge", "environment": "test", "managed-by": "forge-infra"}

PROVIDER = "pulumi:providers:aws"
CERTIFICATE = "aws:acm/certificate:Certificate"
VALIDATION = "aws:acm/certificateValidation:CertificateValidation"
RECORD = "aws:route53/record:Record"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
OAC = "aws:cloudfront/originAccessControl:OriginAccessControl"
FUNCTION = "aws:cloudfront/function:Function"
BUCKET = "aws:s3/bucket:Bucket"
POLICY = "aws:s3/bucketPolicy:BucketPolicy"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"

ALL_METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]


def managed_policy_id(token: str, name: str) -> str:
    """The id the offline mocks give a managed CloudFront policy."""
    return ProviderMocks().call(pulumi.runtime.MockCallArgs(
        token=f"aws:cloudfront/{token}:{token}", args={"name": name},
        provider=""))["id"]


def build(**kwargs: Any) -> Recording:
    """One Cdn named "web" for app.example.com (+ www) in the test zone."""
    kwargs.setdefault("domain_name", DOMAIN)
    kwargs.setdefault("hosted_zone_id", ZONE)
    kwargs.setdefault("aliases", [ALIAS])
    kwargs.setdefault("default_tags", DEFAULT_TAGS)
    kwargs.setdefault("tags", {"app": "forge", "environment": "test"})

    def program() -> None:
        cdn = Cdn("web", CdnArgs(**kwargs))
        for output in ("distribution_id", "hostname", "distribution_arn",
                       "assets_bucket_name", "certificate_arn", "url"):
            pulumi.export(output, getattr(cdn, output))

    return run_mocked(program)


def distribution_of(recording: Recording) -> RecordedResource:
    return recording.one(DISTRIBUTION, "web-distribution")


def test_certificate_is_issued_through_a_us_east_1_provider_with_default_tags() -> None:
    recording = build()
    provider = recording.one(PROVIDER)
    assert provider.name == "web-us-east-1"
    assert provider.inputs["region"] == "us-east-1", provider.urn
    assert json.loads(provider.inputs["defaultTags"]) == {"tags": DEFAULT_TAGS}, provider.urn
    for resource in (recording.one(CERTIFICATE), recording.one(VALIDATION)):
        assert resource.provider == provider.urn, f"{resource.urn} uses {resource.provider}"
    # Everything else stays on the stack's default provider.
    others = [r for r in recording.resources
              if r.custom and r.type not in (PROVIDER, CERTIFICATE, VALIDATION)]
    assert others and all(r.provider is None for r in others), [
        (r.urn, r.provider) for r in others if r.provider]


def test_certificate_provider_settings_reach_the_us_east_1_provider() -> None:
    """The stack's provider settings (profile, assumed role) also govern the certificate."""
    role = "arn:aws:iam::123456789012:role/forge-deployer"
    recording = build(certificate_provider_settings={
        "profile": "forge", "assume_roles": [{"roleArn": role}]})
    provider = recording.one(PROVIDER)
    assert provider.name == "web-us-east-1", provider.urn
    assert provider.inputs["region"] == "us-east-1", provider.urn
    assert provider.inputs["profile"] == "forge", provider.urn
    assert json.loads(provider.inputs["assumeRoles"]) == [{"roleArn": role}], provider.urn
    assert json.loads(provider.inputs["defaultTags"]) == {"tags": DEFAULT_TAGS}, provider.urn
    assert recording.one(CERTIFICATE).provider == provider.urn


def test_certificate_provider_settings_may_not_move_the_region() -> None:
    with pytest.raises(ValueError) as raised:
        build(certificate_provider_settings={"region": "eu-west-1"})
    assert str(raised.value) == (
        "certificate_provider_settings may not set ['region']: the certificate provider is in "
        "us-east-1 with `default_tags`")


def test_certificate_covers_every_name_and_is_dns_validated() -> None:
    recording = build()
    certificate = recording.one(CERTIFICATE)
    assert certificate.inputs["domainName"] == DOMAIN, certificate.urn
    assert certificate.inputs["subjectAlternativeNames"] == [ALIAS], certificate.urn
    assert certificate.inputs["validationMethod"] == "DNS", certificate.urn
    options = {o["domainName"]: o for o in certificate.outputs["domainValidationOptions"]}
    validation_records = [r for r in recording.of_type(RECORD) if "-validation-" in r.name]
    assert sorted(r.name for r in validation_records) == [
        "web-validation-app.example.com", "web-validation-www.example.com"]
    for record in validation_records:
        option = options[record.name.removeprefix("web-validation-")]
        assert record.inputs["zoneId"] == ZONE, record.urn
        assert record.inputs["name"] == option["resourceRecordName"], record.urn
        assert record.inputs["type"] == option["resourceRecordType"] == "CNAME", record.urn
        assert record.inputs["records"] == [option["resourceRecordValue"]], record.urn
    validation = recording.one(VALIDATION)
    assert validation.inputs["certificateArn"] == certificate.outputs["arn"], validation.urn
    assert sorted(validation.inputs["validationRecordFqdns"]) == sorted(
        r.outputs["fqdn"] for r in validation_records), validation.urn


def test_viewers_get_tls_1_2_sni_with_the_validated_certificate() -> None:
    recording = build()
    distribution = distribution_of(recording)
    inputs = distribution.inputs
    assert inputs["viewerCertificate"] == {
        "acmCertificateArn": recording.one(VALIDATION).outputs["certificateArn"],
        "sslSupportMethod": "sni-only",
        "minimumProtocolVersion": "TLSv1.2_2021",
    }, distribution.urn
    assert inputs["aliases"] == [DOMAIN, ALIAS], distribution.urn
    assert (inputs["enabled"], inputs["isIpv6Enabled"], inputs["httpVersion"]) == (
        True, True, "http2and3"), distribution.urn
    assert inputs["defaultRootObject"] == "index.html", distribution.urn
    assert inputs["priceClass"] == "PriceClass_100", distribution.urn
    assert inputs["restrictions"] == {
        "geoRestriction": {"restrictionType": "none", "locations": []}}, distribution.urn
    assert "webAclId" not in inputs and "loggingConfig" not in inputs, distribution.urn


def test_assets_behaviour_redirects_to_https_compresses_and_uses_managed_policies() -> None:
    recording = build()
    distribution = distribution_of(recording)
    behaviour = distribution.inputs["defaultCacheBehavior"]
    function = recording.one(FUNCTION)
    assert behaviour == {
        "targetOriginId": "assets",
        "viewerProtocolPolicy": "redirect-to-https",
        "allowedMethods": ["GET", "HEAD"],
        "cachedMethods": ["GET", "HEAD"],
        "compress": True,
        "cachePolicyId": managed_policy_id("getCachePolicy", "Managed-CachingOptimized"),
        "responseHeadersPolicyId": managed_policy_id(
            "getResponseHeadersPolicy", "Managed-SecurityHeadersPolicy"),
        "functionAssociations": [{"eventType": "viewer-request",
                                  "functionArn": function.outputs["arn"]}],
    }, distribution.urn
    assert function.inputs["runtime"] == "cloudfront-js-2.0", function.urn
    assert function.inputs["code"] == SPA_ROUTING_FUNCTION, function.urn
    assert function.inputs["publish"] is True, function.urn


def test_spa_routing_can_be_turned_off() -> None:
    recording = build(spa_routing=False)
    assert recording.of_type(FUNCTION) == []
    behaviour = distribution_of(recording).inputs["defaultCacheBehavior"]
    assert "functionAssociations" not in behaviour


def test_assets_origin_is_the_private_bucket_through_an_always_signing_oac() -> None:
    recording = build()
    distribution = distribution_of(recording)
    oac = recording.one(OAC)
    bucket = recording.one(BUCKET)
    assert oac.inputs["originAccessControlOriginType"] == "s3", oac.urn
    assert oac.inputs["signingBehavior"] == "always", oac.urn
    assert oac.inputs["signingProtocol"] == "sigv4", oac.urn
    assert distribution.inputs["origins"] == [{
        "originId": "assets",
        "domainName": bucket.outputs["bucketRegionalDomainName"],
        "originAccessControlId": oac.resource_id,
    }], distribution.urn


def test_bucket_policy_grants_cloudfront_read_for_this_distribution_and_keeps_tls_deny() -> None:
    recording = build()
    distribution = distribution_of(recording)
    bucket = recording.one(BUCKET)
    policy = recording.one(POLICY)
    statements = json.loads(policy.inputs["policy"])["Statement"]
    bucket_arn = bucket.outputs["arn"]
    assert statements == [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [bucket_arn, f"{bucket_arn}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        {
            "Sid": "AllowCloudFrontOriginAccessControlRead",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": f"{bucket_arn}/*",
            "Condition": {"StringEquals": {"AWS:SourceArn": distribution.outputs["arn"]}},
        },
    ], policy.urn
    assert policy.inputs["bucket"] == bucket.resource_id, policy.urn
    assert distribution.urn in policy.dependencies, (
        f"{policy.urn} does not wait for the distribution: {policy.dependencies}")


def test_assets_bucket_is_hardened_never_archived_and_protected_when_asked() -> None:
    recording = build(protect=True)
    bucket = recording.one(BUCKET)
    assert bucket.protect is True, bucket.urn
    assert bucket.inputs["forceDestroy"] is False, bucket.urn
    rules = recording.one(LIFECYCLE).inputs["rules"]
    assert not any("transitions" in rule for rule in rules), f"assets would be archived: {rules}"
    protected = [r.urn for r in recording.resources if r.protect]
    assert protected == [bucket.urn], protected
    assert [r.urn for r in build().resources if r.protect] == []


def test_no_api_behaviour_without_an_api_origin() -> None:
    distribution = distribution_of(build())
    assert [o["originId"] for o in distribution.inputs["origins"]] == ["assets"]
    assert "orderedCacheBehaviors" not in distribution.inputs, distribution.urn


def test_api_behaviour_forwards_uncached_over_https_tls_1_2() -> None:
    recording = build(api_origin_domain=API_ORIGIN)
    distribution = distribution_of(recording)
    api_origin = distribution.inputs["origins"][1]
    assert api_origin == {
        "originId": "api",
        "domainName": API_ORIGIN,
        "customOriginConfig": {"httpPort": 80, "httpsPort": 443,
                               "originProtocolPolicy": "https-only",
                               "originSslProtocols": ["TLSv1.2"]},
    }, distribution.urn
    assert distribution.inputs["orderedCacheBehaviors"] == [{
        "pathPattern": "/api/*",
        "targetOriginId": "api",
        "viewerProtocolPolicy": "https-only",
        "allowedMethods": ALL_METHODS,
        "cachedMethods": ["GET", "HEAD"],
        "compress": True,
        "cachePolicyId": managed_policy_id("getCachePolicy", "Managed-CachingDisabled"),
        "originRequestPolicyId": managed_policy_id(
            "getOriginRequestPolicy", "Managed-AllViewerExceptHostHeader"),
        "responseHeadersPolicyId": managed_policy_id(
            "getResponseHeadersPolicy", "Managed-SecurityHeadersPolicy"),
    }], distribution.urn


def test_alias_records_a_and_aaaa_for_every_name() -> None:
    recording = build()
    distribution = distribution_of(recording)
    aliases = [r for r in recording.of_type(RECORD) if "-validation-" not in r.name]
    assert sorted((r.inputs["name"], r.inputs["type"]) for r in aliases) == [
        (DOMAIN, "A"), (DOMAIN, "AAAA"), (ALIAS, "A"), (ALIAS, "AAAA")]
    for record in aliases:
        assert record.inputs["zoneId"] == ZONE, record.urn
        assert record.inputs["aliases"] == [{
            "name": distribution.outputs["domainName"],
            "zoneId": distribution.outputs["hostedZoneId"],
            "evaluateTargetHealth": False,
        }], record.urn
        assert "records" not in record.inputs and "ttl" not in record.inputs, record.urn


def test_waf_and_access_logs_are_passed_through() -> None:
    acl = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/forge/0123"
    logs = "forge-cdn-logs.s3.amazonaws.com"
    distribution = distribution_of(build(web_acl_id=acl, access_log_bucket_domain_name=logs,
                                         price_class="PriceClass_All"))
    assert distribution.inputs["webAclId"] == acl, distribution.urn
    assert distribution.inputs["loggingConfig"] == {
        "bucket": logs, "includeCookies": False, "prefix": "web/"}, distribution.urn
    assert distribution.inputs["priceClass"] == "PriceClass_All", distribution.urn


def test_assets_bucket_sends_server_access_logs_when_given_a_log_bucket() -> None:
    logging_token = "aws:s3/bucketLogging:BucketLogging"
    assert build().of_type(logging_token) == []
    recording = build(assets_access_log_bucket_name="forge-test-access-logs")
    assets = recording.one(BUCKET, "web-assets")
    logging = recording.one(logging_token)
    assert logging.inputs == {"bucket": assets.resource_id,
                              "targetBucket": "forge-test-access-logs",
                              "targetPrefix": "s3/cdn-assets/"}, logging.urn


def test_outputs() -> None:
    recording = build()
    distribution = distribution_of(recording)
    assert recording.exports == {
        "distribution_id": distribution.resource_id,
        "hostname": distribution.outputs["domainName"],
        "distribution_arn": distribution.outputs["arn"],
        "assets_bucket_name": recording.one(BUCKET).resource_id,
        "certificate_arn": recording.one(CERTIFICATE).outputs["arn"],
        "url": "https://app.example.com",
    }


def test_children_are_parented_and_tagged() -> None:
    recording = build()
    component = recording.one(COMPONENT)
    assert len(recording.children_of(component.urn)) == len(recording.resources) - 1
    bucket_component = recording.one(BUCKET_COMPONENT)
    in_bucket = {r.urn for r in recording.children_of(bucket_component.urn)}
    own = dataclasses.replace(
        recording, resources=[r for r in recording.resources if r.urn not in in_bucket])
    checked = assert_all_tagged(own, COMPONENT)
    assert {r.type for r in checked} == {CERTIFICATE, DISTRIBUTION, FUNCTION}
    bucket_only = dataclasses.replace(
        recording, resources=[r for r in recording.resources if r.urn in in_bucket])
    assert_all_tagged(bucket_only, BUCKET_COMPONENT)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"aliases": [DOMAIN]}, r"domain_name and aliases repeat names: \['app.example.com'\]"),
    ({"domain_name": "App.Example.com"}, "must be lower-case DNS names"),
    ({"price_class": "PriceClass_300"}, "price_class 'PriceClass_300' is not one of"),
    ({"domain_name": "example.com", "aliases": ["*.example.com"]},
     "share one ACM validation record"),
])
def test_rejects_inconsistent_arguments(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build(**kwargs)


def test_the_analyzer_infers_the_interface() -> None:
    """Exactly these outputs, the Cdn contract among them; no provider-typed input."""
    definition = assert_component_schema(Cdn, CdnOutputs, {
        "distribution_id", "hostname", "distribution_arn", "distribution_hosted_zone_id",
        "assets_bucket_name", "assets_bucket_arn", "certificate_arn", "url"})
    assert sorted(n for n, p in definition.inputs.items() if not p.optional) == [
        "domainName", "hostedZoneId"]
    assert "certificateProvider" not in definition.inputs
