"""Encryption rules: data at rest and in transit, keys, TLS on every listener.

Each rule maps the AWS resource types forge-infra's stacks create, and the direct equivalents a
user might declare in their own program, to a check over the resource's camelCase inputs. A value
the plan does not know yet (`[unknown]`) is skipped, never guessed. Where pulumi-aws applies a
default when an input is absent, the check applies the same default and says so in its message
(the defaults are quoted from the installed pulumi-aws 7.x docstrings).

Decisions written down here, because a rule cannot explain itself at the point of failure:

- **Kafka in transit** (`aws-kafka-tls-in-transit`, an id fixed in advance): MSK's
  `clientBroker` must be `TLS` (absent means TLS) and `inCluster` true (absent means true).
  A Redpanda broker passes when its boot script configures a TLS listener for the Kafka API
  (`kafka_api_tls`), as forge-infra's does (SASL/SCRAM over TLS with a private CA); its
  internal RPC between brokers stays inside the brokers' security group without TLS
  (docs/SECURITY.md, "Kafka"), which the rule does not judge. A boot script not known at plan
  time is not judged either.
- **S3 default encryption** is advisory: since January 5, 2023 S3 encrypts every new object
  with SSE-S3 when a bucket declares nothing
  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingServerSideEncryption.html), so a
  bucket without a configuration is not stored in the clear; what the rule asks for is that
  the program states the encryption (and a key change goes through review).
- **CloudFront's default certificate** (`*.cloudfront.net`) is refused: with
  `cloudfrontDefaultCertificate` CloudFront sets the security policy to TLSv1 whatever
  `minimumProtocolVersion` says (CloudFront API, ViewerCertificate.MinimumProtocolVersion;
  pulumi-aws: "If you have specified cloudfront_default_certificate, TLSv1 must be
  specified"), so viewers could use TLS 1.0 and 1.1. The Cdn component always serves a custom
  domain with an ACM certificate and TLSv1.2_2021.
- **S3 origins behind CloudFront** need no origin rule: CloudFront reaches an S3 REST origin
  with the viewer's protocol, which `aws-cloudfront-viewer-tls` makes HTTPS. An S3 website
  endpoint is a custom origin (HTTP only) and fails `aws-cloudfront-origin-tls`.
- **Secrets Manager with a customer key** is advisory: a secret is always encrypted (with the
  AWS managed `aws/secretsmanager` key when none is named); a customer key adds a key policy
  in front of `GetSecretValue`. The shipped stacks' cache AUTH token secret has none.
- **EBS**: a volume must be declared encrypted. Account-level EBS encryption by default makes
  undeclared volumes encrypted too, but a stack cannot show that it is on; such an account
  waives the rule by resource type (`policy.waivers`).
- **Not mapped**, and why: MSK Serverless, ElastiCache Serverless (always TLS and encrypted),
  NLB listeners on TCP/UDP (TLS may pass through to the targets), classic ELBs, SNS topics
  (no stack creates one) and Lambda environment variables (the stacks' one function has none;
  Lambda encrypts them at rest with an AWS managed key in any case).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from forge_infra.policy.rule import HELM_RELEASE, Context, Rule, as_list, known, prop

# -- resource types ---------------------------------------------------------------------------

RDS_INSTANCE = "aws:rds/instance:Instance"
RDS_CLUSTER = "aws:rds/cluster:Cluster"
REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
CACHE_CLUSTER = "aws:elasticache/cluster:Cluster"
MSK_CLUSTER = "aws:msk/cluster:Cluster"
EC2_INSTANCE = "aws:ec2/instance:Instance"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
EBS_VOLUME = "aws:ebs/volume:Volume"
EKS_NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
EKS_CLUSTER = "aws:eks/cluster:Cluster"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
SECRET = "aws:secretsmanager/secret:Secret"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
#: `aws.s3.Bucket` and its deprecated alias `BucketV2` (pulumi-aws 7 registers both tokens).
BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
SSE_CONFIGURATIONS = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
)
#: `aws.lb` and its alias module `aws.alb` (the same resources under another token).
LISTENERS = ("aws:lb/listener:Listener", "aws:alb/listener:Listener")
LISTENER_RULES = ("aws:lb/listenerRule:ListenerRule", "aws:alb/listenerRule:ListenerRule")
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
INGRESS_CLASS_PARAMS = "kubernetes:elbv2.k8s.aws/v1beta1:IngressClassParams"

#: The `component` tag forge-infra's Streaming component puts on its children; the only EC2
#: instances it creates are Redpanda brokers (`forge_components.aws.streaming`).
STREAMING_COMPONENT = "forge-aws:index:Streaming"

# -- facts, with their sources ------------------------------------------------------------------

#: The Elastic Load Balancing security policies whose oldest protocol is TLS 1.2 (HTTPS
#: listeners of an ALB, TLS listeners of an NLB). Source: "Security policies for your
#: Application Load Balancer",
#: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html,
#: with each policy's protocols as the AWS CDK's `SslPolicy` enum documents them
#: (aws/aws-cdk packages/aws-cdk-lib/aws-elasticloadbalancingv2/lib/shared/enums.ts at
#: 066134e4b7e7b03d3199efabd8680aa1768ff4ef). Policies with RFC 9151 in their names are not
#: listed (not yet checked): a listener using one is reported and can be waived.
ELB_TLS12_POLICIES: frozenset[str] = frozenset({
    # TLS 1.3 and 1.2
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-PQ-2025-09",
    # TLS 1.3 only
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09",
    # TLS 1.2 only
    "ELBSecurityPolicy-TLS-1-2-2017-01",
    "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
    "ELBSecurityPolicy-FS-1-2-2019-08",
    "ELBSecurityPolicy-FS-1-2-Res-2019-08",
    "ELBSecurityPolicy-FS-1-2-Res-2020-10",
})
#: What a listener gets when it names no policy: the API's (and CLI's, CloudFormation's)
#: default, which accepts TLS 1.0 and 1.1 (same source). The AWS Load Balancer Controller's
#: `--default-ssl-policy` defaults to it as well (kubernetes-sigs/aws-load-balancer-controller
#: docs/deploy/configurations.md at 02f6b3491439371f1656babe7dd8aa9670baf7d5).
ELB_DEFAULT_POLICY = "ELBSecurityPolicy-2016-08"

#: CloudFront viewer security policies from TLSv1.2_2021 on. Source: "Supported protocols and
#: ciphers between viewers and CloudFront",
#: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/secure-connections-supported-viewer-protocols-ciphers.html
#: (SSLv3, TLSv1, TLSv1_2016, TLSv1.1_2016, TLSv1.2_2018, TLSv1.2_2019, TLSv1.2_2021,
#: TLSv1.2_2025, TLSv1.3_2025). TLSv1.2_2018 and _2019 keep CBC-mode SHA-256/384 ciphers.
CLOUDFRONT_VIEWER_POLICIES: tuple[str, ...] = ("TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025")
#: What viewers may use with `viewerProtocolPolicy`: `allow-all` serves plain HTTP.
CLOUDFRONT_HTTPS_VIEWER_POLICIES = ("https-only", "redirect-to-https")
#: Origin TLS versions below 1.2 (`originSslProtocols` accepts SSLv3, TLSv1, TLSv1.1, TLSv1.2).
CLOUDFRONT_OLD_ORIGIN_PROTOCOLS = ("SSLv3", "TLSv1", "TLSv1.1")

#: Default encryption algorithms an S3 bucket may declare: SSE-S3, SSE-KMS, DSSE-KMS
#: (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ServerSideEncryptionByDefault.html).
S3_SSE_ALGORITHMS = ("AES256", "aws:kms", "aws:kms:dsse")

#: The ingress class the AWS Load Balancer Controller serves unless its `ingressClass` value
#: says otherwise (configurations.md above, `--ingress-class`).
ALB_INGRESS_CLASS = "alb"
ANNOTATION = "alb.ingress.kubernetes.io/"


# -- helpers ----------------------------------------------------------------------------------


def _flag(value: Any) -> bool | None:
    """A boolean input as pulumi-aws sends it (a bool, or "true"/"false" for the launch
    template's EBS flags); None when absent or not a boolean."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def _shown(value: Any) -> str:
    """`value` for a message: `not set` when absent."""
    return "not set" if value is None else repr(value)


def _blank(value: Any) -> bool:
    """Whether a known input is absent or empty."""
    return known(value) and not value


def _tag(resource: Any, key: str) -> Any:
    tags = resource.props.get("tags")
    return tags.get(key) if isinstance(tags, Mapping) else None


# -- aws-rds-storage-encrypted ----------------------------------------------------------------


def _rds_storage_encrypted(resource: Any, context: Context) -> Iterator[str]:
    props = resource.props
    value = props.get("storageEncrypted")
    if value is None and props.get("replicateSourceDb") and props.get("kmsKeyId"):
        return  # pulumi-aws: a cross-region replica ignores it and is encrypted by kms_key_id
    if value is None:
        yield ("storageEncrypted is not set (RDS's default is false): the database's storage "
               "is not encrypted")
    elif known(value) and value is not True:
        yield f"storageEncrypted is {value!r}: the database's storage is not encrypted"


def _rds_cluster_storage_encrypted(resource: Any, context: Context) -> Iterator[str]:
    props = resource.props
    value = props.get("storageEncrypted")
    if not known(value):
        return
    if value is None:
        mode = props.get("engineMode")
        # pulumi-aws: "The default is false for provisioned engine_mode and true for
        # serverless engine_mode" (provisioned when engineMode is absent).
        if mode == "serverless" or not known(mode):
            return
        yield ("storageEncrypted is not set (false for a provisioned cluster): the cluster's "
               "storage is not encrypted")
    elif value is not True:
        yield f"storageEncrypted is {value!r}: the cluster's storage is not encrypted"


# -- ElastiCache ------------------------------------------------------------------------------


def _standalone_cache_engine(props: Mapping[str, Any]) -> str | None:
    """The Redis/Valkey engine of a cache cluster outside any replication group (None for a
    member of a group, which the group's check covers, and for Memcached)."""
    if props.get("replicationGroupId"):
        return None
    engine = props.get("engine")
    return engine if engine in ("redis", "valkey") else None


def _cache_at_rest(resource: Any, context: Context) -> Iterator[str]:
    props = resource.props
    value = props.get("atRestEncryptionEnabled")
    engine = props.get("engine", "redis")
    if not known(value) or not known(engine):
        return
    if value is None:
        # pulumi-aws: "When engine is redis, default is false. When engine is valkey, default
        # is true." (engine defaults to redis)
        if engine != "valkey":
            yield (f"atRestEncryptionEnabled is not set (false for engine {engine!r}): the "
                   "cache's data and snapshots are not encrypted at rest")
    elif value is not True:
        yield (f"atRestEncryptionEnabled is {value!r}: the cache's data and snapshots are not "
               "encrypted at rest")


def _standalone_cache_at_rest(resource: Any, context: Context) -> Iterator[str]:
    engine = _standalone_cache_engine(resource.props)
    if engine is not None:
        yield (f"a {engine} cache cluster outside a replication group has no encryption at "
               "rest (aws.elasticache.Cluster offers none)")


def _cache_in_transit(resource: Any, context: Context) -> Iterator[str]:
    props = resource.props
    value = props.get("transitEncryptionEnabled")
    if not known(value):
        return
    if value is not True:
        yield (f"transitEncryptionEnabled is {_shown(value)}: clients reach the cache in "
               "plaintext")
        return
    mode = props.get("transitEncryptionMode")
    if known(mode) and mode == "preferred":
        yield ("transitEncryptionMode is 'preferred': the cache still accepts plaintext "
               "connections (a migration state; 'required' ends it)")


def _cache_cluster_in_transit(resource: Any, context: Context) -> Iterator[str]:
    props = resource.props
    engine = _standalone_cache_engine(props)
    if engine is not None:
        # pulumi-aws: "For Redis or Valkey transit encryption, use elasticache.ReplicationGroup
        # instead."
        yield (f"a {engine} cache cluster outside a replication group cannot encrypt in "
               "transit")
    elif props.get("engine") == "memcached":
        value = props.get("transitEncryptionEnabled")
        if known(value) and value is not True:
            yield (f"transitEncryptionEnabled is {_shown(value)}: clients reach the cache in "
                   "plaintext")


# -- Kafka ------------------------------------------------------------------------------------


def _msk_in_transit(resource: Any, context: Context) -> Iterator[str]:
    transit = prop(resource.props, "encryptionInfo", "encryptionInTransit")
    if not isinstance(transit, Mapping):
        return  # absent (TLS and in-cluster encryption are MSK's defaults) or unknown
    client_broker = transit.get("clientBroker")
    if known(client_broker) and client_broker not in (None, "TLS"):
        yield (f"encryptionInfo.encryptionInTransit.clientBroker is {client_broker!r}: "
               "clients may reach the brokers in plaintext")
    in_cluster = transit.get("inCluster")
    if known(in_cluster) and in_cluster is False:
        yield ("encryptionInfo.encryptionInTransit.inCluster is false: the brokers replicate "
               "to each other in plaintext")


def _redpanda_broker(resource: Any) -> bool:
    """Whether an EC2 instance is a Redpanda broker: one of forge-infra's Streaming component
    (tagged so), or one whose boot script writes a Redpanda configuration."""
    if _tag(resource, "component") == STREAMING_COMPONENT:
        return True
    user_data = resource.props.get("userData")
    return (isinstance(user_data, str) and known(user_data)
            and "redpanda" in user_data.lower() and "kafka_api" in user_data)


def _redpanda_in_transit(resource: Any, context: Context) -> Iterator[str]:
    if not _redpanda_broker(resource):
        return
    user_data = resource.props.get("userData")
    if not isinstance(user_data, str) or not known(user_data) or "kafka_api_tls" in user_data:
        return  # a TLS listener is configured, or the script is not known at plan time
    yield ("a Redpanda broker whose Kafka API has no TLS listener (kafka_api_tls): clients "
           "would speak SASL_PLAINTEXT")


def _msk_at_rest_key(resource: Any, context: Context) -> Iterator[str]:
    info = resource.props.get("encryptionInfo")
    if not known(info):
        return
    key = prop(info, "encryptionAtRestKmsKeyArn")
    if _blank(key):
        yield ("encryptionInfo.encryptionAtRestKmsKeyArn is not set: the brokers' storage is "
               "encrypted with an AWS managed key, not a key of the stack")


# -- S3 ---------------------------------------------------------------------------------------


def _sse_algorithms(configuration: Any) -> list[Any] | None:
    """The default algorithms of an SSE configuration (its `rules`, or the deprecated inline
    block's `rule`); None when not known."""
    if not known(configuration):
        return None
    if not isinstance(configuration, Mapping):
        return []
    rules = as_list(configuration.get("rules")) + as_list(configuration.get("rule"))
    algorithms = []
    for rule in rules:
        algorithm = prop(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm")
        if not known(algorithm):
            return None
        algorithms.append(algorithm)
    return algorithms


def _configurations_of(bucket: Any, context: Context) -> list[Any]:
    """The SSE configuration resources naming `bucket` (by dependency, as `bucket=b.id`
    creates one, or by its explicit name)."""
    assert context.stack is not None
    name = bucket.props.get("bucket")
    found = []
    for configuration in context.stack.of_type(*SSE_CONFIGURATIONS):
        if bucket in context.stack.dependencies(configuration) or (
                isinstance(name, str) and known(name)
                and configuration.props.get("bucket") == name):
            found.append(configuration)
    return found


def _s3_default_encryption(resource: Any, context: Context) -> Iterator[str]:
    if context.stack is None:
        return
    declared: list[Any] = []
    inline = resource.props.get("serverSideEncryptionConfiguration")
    if inline is not None:
        algorithms = _sse_algorithms(inline)
        if algorithms is None:
            return
        declared.extend(algorithms)
    configurations = _configurations_of(resource, context)
    for configuration in configurations:
        algorithms = _sse_algorithms(dict(configuration.props))
        if algorithms is None:
            return
        declared.extend(algorithms)
    if inline is None and not configurations:
        yield ("no BucketServerSideEncryptionConfiguration names this bucket: its encryption "
               "is S3's implicit default, not declared")
        return
    if not any(a in S3_SSE_ALGORITHMS for a in declared):
        yield (f"the bucket's default encryption algorithms are {declared!r}: none of "
               f"{', '.join(S3_SSE_ALGORITHMS)}")


# -- EBS --------------------------------------------------------------------------------------


def _ebs_block(block: Any, where: str) -> Iterator[str]:
    """A block device (instance root or EBS block, launch template `ebs`) that is not
    declared encrypted. A device from a snapshot inherits the snapshot's encryption."""
    if not isinstance(block, Mapping):
        return
    value = block.get("encrypted")
    if not known(value) or (value is None and block.get("snapshotId")):
        return
    if _flag(value) is not True:
        field = f"{where}.encrypted" if where else "encrypted"
        yield f"{field} is {_shown(value)}: the volume is not encrypted"


def _ebs_volume(resource: Any, context: Context) -> Iterator[str]:
    yield from _ebs_block(resource.props, "")


def _ec2_instance_volumes(resource: Any, context: Context) -> Iterator[str]:
    props = resource.props
    root = props.get("rootBlockDevice")
    if root is None and not props.get("launchTemplate"):
        yield ("rootBlockDevice is not set: the root volume follows the AMI's mapping and is "
               "not declared encrypted")
    else:
        yield from _ebs_block(root, "rootBlockDevice")
    for i, block in enumerate(as_list(props.get("ebsBlockDevices"))):
        name = block.get("deviceName") if isinstance(block, Mapping) else None
        yield from _ebs_block(block, f"ebsBlockDevices[{name or i}]")


def _launch_template_volumes(resource: Any, context: Context) -> Iterator[str]:
    mappings = resource.props.get("blockDeviceMappings")
    if not known(mappings):
        return
    if not mappings:
        yield ("blockDeviceMappings is not set: instances launched from it get the AMI's root "
               "volume, not declared encrypted")
        return
    for mapping in as_list(mappings):
        if isinstance(mapping, Mapping) and isinstance(mapping.get("ebs"), Mapping):
            yield from _ebs_block(
                mapping["ebs"], f"blockDeviceMappings[{mapping.get('deviceName')}].ebs")


def _node_group_volumes(resource: Any, context: Context) -> Iterator[str]:
    template = resource.props.get("launchTemplate")
    if template is None:
        yield ("no launchTemplate: EKS's own launch template leaves the nodes' root volumes "
               "unencrypted")


# -- EKS, logs, secrets -----------------------------------------------------------------------


def _eks_secrets_encrypted(resource: Any, context: Context) -> Iterator[str]:
    config = resource.props.get("encryptionConfig")
    if not known(config):
        return
    configs = [c for c in as_list(config) if isinstance(c, Mapping)]
    if not configs:
        yield ("encryptionConfig is not set: Kubernetes secrets are not envelope-encrypted "
               "with a KMS key of the stack")
        return
    for entry in configs:
        resources = entry.get("resources")
        if known(resources) and "secrets" not in as_list(resources):
            yield (f"encryptionConfig.resources is {resources!r}: Kubernetes secrets are not "
                   "envelope-encrypted")
        key = prop(entry, "provider", "keyArn")
        if _blank(key):
            yield "encryptionConfig.provider.keyArn is not set: no KMS key encrypts the secrets"


def _log_group_key(resource: Any, context: Context) -> Iterator[str]:
    if _blank(resource.props.get("kmsKeyId")):
        yield ("kmsKeyId is not set: the log group is encrypted with CloudWatch Logs' own key, "
               "not a key of the stack")


def _secret_key(resource: Any, context: Context) -> Iterator[str]:
    if _blank(resource.props.get("kmsKeyId")):
        yield ("kmsKeyId is not set: the secret is encrypted with the AWS managed key "
               "aws/secretsmanager, which any principal allowed GetSecretValue can use")


# -- TLS on every listener --------------------------------------------------------------------


def _policy_problem(policy: Any, what: str) -> str | None:
    """Why a security policy is not TLS 1.2+, or None (also None when not known)."""
    if not known(policy):
        return None
    if policy is None:
        return (f"{what} names no security policy: ELB applies {ELB_DEFAULT_POLICY}, which "
                "accepts TLS 1.0 and 1.1")
    if policy not in ELB_TLS12_POLICIES:
        return (f"{what} uses {policy!r}, which is not one of the TLS 1.2+ security policies "
                "(ELB_TLS12_POLICIES)")
    return None


def _redirects_to_https(actions: Any) -> bool | None:
    """Whether every action redirects to HTTPS (None when not known)."""
    if not known(actions):
        return None
    listed = as_list(actions)
    if not listed:
        return False
    for action in listed:
        if not isinstance(action, Mapping):
            return False
        protocol = prop(action, "redirect", "protocol")
        if not known(protocol) or not known(action.get("type")):
            return None
        if action.get("type") != "redirect" or protocol != "HTTPS":
            return False
    return True


def _load_balancer_kind(props: Mapping[str, Any]) -> str | None:
    """`app`, `net` or `gwy` from the listener's load balancer ARN, when known."""
    arn = props.get("loadBalancerArn")
    if isinstance(arn, str) and known(arn) and ":loadbalancer/" in arn:
        return arn.split(":loadbalancer/", 1)[1].split("/", 1)[0]
    return None


def _listener_protocol(props: Mapping[str, Any]) -> Any:
    """The listener's protocol: absent is HTTP on an ALB (pulumi-aws: "For Application Load
    Balancers ... a default of HTTP"), nothing to check on a Network or Gateway LB."""
    protocol = props.get("protocol")
    if protocol is None and _load_balancer_kind(props) not in ("net", "gwy"):
        return "HTTP"
    return protocol


def _listener_tls(resource: Any, context: Context) -> Iterator[str]:
    props = resource.props
    protocol = _listener_protocol(props)
    if protocol in ("HTTPS", "TLS"):
        problem = _policy_problem(props.get("sslPolicy"), f"the {protocol} listener")
        if problem:
            yield problem
    elif protocol == "HTTP" and _redirects_to_https(props.get("defaultActions")) is False:
        yield ("an HTTP listener whose default action does not redirect to HTTPS: it serves "
               "plaintext")


def _listener_rule_tls(resource: Any, context: Context) -> Iterator[str]:
    if context.stack is None:
        return
    on_http = [listener for listener in context.stack.dependencies(resource)
               if listener.resource_type in LISTENERS
               and _listener_protocol(listener.props) == "HTTP"]
    if on_http and _redirects_to_https(resource.props.get("actions")) is False:
        yield (f"a rule of the HTTP listener {on_http[0].name} whose action does not redirect "
               "to HTTPS: it serves plaintext")


def _controller_releases(context: Context) -> list[Mapping[str, Any]]:
    """The values of the stack's AWS Load Balancer Controller releases."""
    if context.stack is None:
        return []
    found = []
    for release in context.stack.of_type(HELM_RELEASE):
        chart = release.props.get("chart")
        if isinstance(chart, str) and chart.rsplit("/", 1)[-1] == "aws-load-balancer-controller":
            values = release.props.get("values")
            found.append(values if isinstance(values, Mapping) else {})
    return found


def _ingress_tls(resource: Any, context: Context) -> Iterator[str]:
    props = resource.props
    annotations = prop(props, "metadata", "annotations")
    annotations = annotations if isinstance(annotations, Mapping) else {}
    controllers = _controller_releases(context)
    classes = {ALB_INGRESS_CLASS} | {str(v["ingressClass"]) for v in controllers
                                     if isinstance(v.get("ingressClass"), str)}
    ingress_class = (prop(props, "spec", "ingressClassName")
                     or annotations.get("kubernetes.io/ingress.class"))
    if ingress_class not in classes:
        return
    listen = annotations.get(ANNOTATION + "listen-ports")
    if listen is None:
        # The controller's default: HTTPS on 443 with a certificate-arn, else HTTP on 80.
        protocols = {"HTTPS" if annotations.get(ANNOTATION + "certificate-arn") else "HTTP"}
    else:
        try:
            protocols = {str(k) for port in json.loads(listen) for k in port}
        except (TypeError, ValueError, AttributeError):
            yield f"{ANNOTATION}listen-ports is not a JSON list of ports: {listen!r}"
            return
    if "HTTP" in protocols and not annotations.get(ANNOTATION + "ssl-redirect"):
        yield (f"the ALB listens on HTTP without {ANNOTATION}ssl-redirect: the HTTP listener "
               "serves plaintext")
    if "HTTPS" not in protocols:
        return
    policy = annotations.get(ANNOTATION + "ssl-policy")
    if policy is not None:
        problem = _policy_problem(policy, f"{ANNOTATION}ssl-policy")
    elif controllers:
        defaults = {v.get("defaultSSLPolicy") for v in controllers}
        problem = next((p for d in sorted(defaults, key=str)
                        if (p := _policy_problem(d, "the controller's defaultSSLPolicy"))),
                       None)
        if problem:
            problem = f"no {ANNOTATION}ssl-policy, and {problem}"
    else:
        problem = (f"no {ANNOTATION}ssl-policy, and the stack installs no AWS Load Balancer "
                   f"Controller whose defaultSSLPolicy could be checked (the controller's own "
                   f"default, {ELB_DEFAULT_POLICY}, accepts TLS 1.0 and 1.1)")
    if problem:
        yield problem


def _ingress_class_params_tls(resource: Any, context: Context) -> Iterator[str]:
    policy = prop(resource.props, "spec", "sslPolicy")
    if policy is not None:
        problem = _policy_problem(policy, "spec.sslPolicy")
        if problem:
            yield problem


# -- CloudFront -------------------------------------------------------------------------------


def _cache_behaviors(props: Mapping[str, Any]) -> Iterable[tuple[str, Any]]:
    yield "defaultCacheBehavior", props.get("defaultCacheBehavior")
    for behavior in as_list(props.get("orderedCacheBehaviors")):
        pattern = behavior.get("pathPattern") if isinstance(behavior, Mapping) else None
        yield f"orderedCacheBehaviors[{pattern}]", behavior


def _cloudfront_viewer_tls(resource: Any, context: Context) -> Iterator[str]:
    props = resource.props
    certificate = props.get("viewerCertificate")
    if known(certificate) and isinstance(certificate, Mapping):
        if certificate.get("cloudfrontDefaultCertificate") is True:
            yield ("viewerCertificate.cloudfrontDefaultCertificate is true: CloudFront then "
                   "uses the TLSv1 security policy, so viewers may use TLS 1.0 and 1.1")
        else:
            version = certificate.get("minimumProtocolVersion")
            if known(version) and version not in CLOUDFRONT_VIEWER_POLICIES:
                yield (f"viewerCertificate.minimumProtocolVersion is {_shown(version)} "
                       f"(TLSv1 when not set): use one of "
                       f"{', '.join(CLOUDFRONT_VIEWER_POLICIES)}")
    for where, behavior in _cache_behaviors(props):
        policy = prop(behavior, "viewerProtocolPolicy")
        if known(policy) and policy is not None and policy not in CLOUDFRONT_HTTPS_VIEWER_POLICIES:
            yield f"{where}.viewerProtocolPolicy is {policy!r}: viewers may use plain HTTP"


def _cloudfront_origin_tls(resource: Any, context: Context) -> Iterator[str]:
    for origin in as_list(resource.props.get("origins")):
        config = prop(origin, "customOriginConfig")
        if not isinstance(config, Mapping):
            continue  # an S3 REST origin (the viewer's protocol), a VPC origin, or unknown
        where = f"origin {prop(origin, 'originId')}"
        policy = config.get("originProtocolPolicy")
        if known(policy) and policy != "https-only":
            yield (f"{where}: customOriginConfig.originProtocolPolicy is {policy!r}: CloudFront "
                   "may reach the origin over plain HTTP")
        protocols = config.get("originSslProtocols")
        if known(protocols):
            old = [p for p in as_list(protocols) if p in CLOUDFRONT_OLD_ORIGIN_PROTOCOLS]
            if old:
                yield (f"{where}: customOriginConfig.originSslProtocols allows {old!r}: "
                       "CloudFront may reach the origin with a protocol older than TLS 1.2")


# -- GCP -------------------------------------------------------------------------------------
# Property names and defaults from pulumi-gcp 10.2 (`pulumi_gcp/<module>`): a Cloud SQL
# instance's `settings.ipConfiguration.sslMode` (`ALLOW_UNENCRYPTED_AND_ENCRYPTED`,
# `ENCRYPTED_ONLY`, `TRUSTED_CLIENT_CERTIFICATE_REQUIRED`; `sql/_inputs.py`); a
# Memorystore instance's `transitEncryptionMode` (`DISABLED` by default or
# `SERVER_AUTHENTICATION`, `redis/instance.py`); an SSL policy's `minTlsVersion` ("Default value
# is `TLS_1_0`", `compute/ssl_policy.py`) and a target HTTPS proxy's `sslPolicy` ("If not set,
# the TargetHttpsProxy resource will not have any SSL policy configured",
# `compute/target_https_proxy.py`).

GCP_SQL_INSTANCE = "gcp:sql/databaseInstance:DatabaseInstance"
GCP_REDIS = "gcp:redis/instance:Instance"
GCP_SSL_POLICY = "gcp:compute/sSLPolicy:SSLPolicy"
GCP_HTTPS_PROXY = "gcp:compute/targetHttpsProxy:TargetHttpsProxy"
#: Cloud SQL SSL modes that refuse unencrypted connections.
SQL_ENCRYPTED_MODES = ("ENCRYPTED_ONLY", "TRUSTED_CLIENT_CERTIFICATE_REQUIRED")
#: The SSL policy minimum versions at or above TLS 1.2.
GCP_MODERN_TLS = ("TLS_1_2", "TLS_1_3")


def _sql_ssl_enforced(resource: Any, context: Context) -> Iterator[str]:
    ip = prop(resource.props, "settings", "ipConfiguration")
    if not known(ip):
        return
    mode = (ip if isinstance(ip, Mapping) else {}).get("sslMode")
    if not known(mode) or mode in SQL_ENCRYPTED_MODES:
        return
    yield (f"settings.ipConfiguration.sslMode is {mode!r}: the instance may accept "
           "unencrypted connections (set ENCRYPTED_ONLY)")


def _memorystore_transit(resource: Any, context: Context) -> Iterator[str]:
    mode = resource.props.get("transitEncryptionMode")
    if known(mode) and mode != "SERVER_AUTHENTICATION":
        yield (f"transitEncryptionMode is {mode!r}: clients talk to the cache in plaintext "
               "(none set means DISABLED)")


def _ssl_policy_version(resource: Any, context: Context) -> Iterator[str]:
    version = resource.props.get("minTlsVersion")
    if known(version) and version not in GCP_MODERN_TLS:
        yield (f"minTlsVersion is {version!r}: clients may connect with TLS older than 1.2 "
               "(none set means TLS_1_0)")


def _https_proxy_policy(resource: Any, context: Context) -> Iterator[str]:
    policy = resource.props.get("sslPolicy")
    if known(policy) and not policy:
        yield ("no sslPolicy: the proxy has no SSL policy, so nothing holds its clients to TLS "
               "1.2 or later")



# -- the rules --------------------------------------------------------------------------------

RULES: tuple[Rule, ...] = (
    Rule(
        id="aws-rds-storage-encrypted",
        severity="mandatory",
        category="encryption",
        rationale="A database's storage, snapshots and backups hold the platform's data and "
                  "must be encrypted at rest.",
        remediation="Set storage_encrypted=True on the Database component (forge-infra always "
                    "does; a changed component or a direct aws.rds.Instance or aws.rds.Cluster "
                    "must too).",
        checks={RDS_INSTANCE: _rds_storage_encrypted,
                RDS_CLUSTER: _rds_cluster_storage_encrypted},
    ),
    Rule(
        id="aws-elasticache-encrypted-at-rest",
        severity="mandatory",
        category="encryption",
        rationale="The cache's nodes, swap and snapshots hold application data and must be "
                  "encrypted at rest.",
        remediation="Set at_rest_encryption_enabled=True on the aws.elasticache.ReplicationGroup "
                    "(the Cache component always does; Cache(kms_key_arn=...) picks the key).",
        checks={REPLICATION_GROUP: _cache_at_rest, CACHE_CLUSTER: _standalone_cache_at_rest},
    ),
    Rule(
        id="aws-elasticache-tls-in-transit",
        severity="mandatory",
        category="encryption",
        rationale="Cache traffic carries the AUTH token and application data across the VPC "
                  "and must be TLS-only.",
        remediation="Set transit_encryption_enabled=True (and transit_encryption_mode unset or "
                    "'required') on the aws.elasticache.ReplicationGroup; the Cache component "
                    "always does.",
        checks={REPLICATION_GROUP: _cache_in_transit, CACHE_CLUSTER: _cache_cluster_in_transit},
    ),
    Rule(
        id="aws-kafka-tls-in-transit",
        severity="mandatory",
        category="encryption",
        rationale="Kafka clients send credentials and events over the network: they must talk "
                  "TLS to the brokers, and the brokers TLS to each other.",
        remediation="Use the Streaming component (MSK on 9096, or Redpanda with its TLS "
                    "listener); on a direct aws.msk.Cluster leave "
                    "encryption_info.encryption_in_transit at client_broker='TLS', "
                    "in_cluster=True; a Redpanda broker needs redpanda.kafka_api_tls.",
        checks={MSK_CLUSTER: _msk_in_transit, EC2_INSTANCE: _redpanda_in_transit},
    ),
    Rule(
        id="aws-msk-encrypted-at-rest-kms",
        severity="mandatory",
        category="encryption",
        rationale="The brokers' storage holds every event; a key of the stack lets its key "
                  "policy, rotation and deletion be controlled and audited.",
        remediation="Set encryption_info.encryption_at_rest_kms_key_arn on the aws.msk.Cluster "
                    "(the Streaming component always does: its kms_key_arn, or a key it "
                    "creates).",
        checks={MSK_CLUSTER: _msk_at_rest_key},
    ),
    Rule(
        id="aws-s3-default-encryption",
        severity="mandatory",
        category="encryption",
        rationale="Every bucket should declare its default encryption (SSE-S3 or SSE-KMS) in "
                  "code, so the key in use is reviewed rather than implied by S3's default.",
        remediation="Create the bucket through the Storage or PrivateBucket component (SSE-S3, "
                    "or SSE-KMS with kms_key_arn), or add an "
                    "aws.s3.BucketServerSideEncryptionConfiguration with bucket=<bucket>.id.",
        checks=dict.fromkeys(BUCKETS, _s3_default_encryption),
        scope="stack",
    ),
    Rule(
        id="aws-ebs-encrypted",
        severity="mandatory",
        category="encryption",
        rationale="Instance and data volumes (and their snapshots) hold broker, database and "
                  "node data and must be encrypted at rest.",
        remediation="Set encrypted=True on every EBS volume, root_block_device, "
                    "ebs_block_devices entry and launch template ebs mapping, and give EKS node "
                    "groups a launch template (EksCompute always does).",
        checks={EBS_VOLUME: _ebs_volume, EC2_INSTANCE: _ec2_instance_volumes,
                LAUNCH_TEMPLATE: _launch_template_volumes, EKS_NODE_GROUP: _node_group_volumes},
    ),
    Rule(
        id="aws-eks-secrets-encrypted",
        severity="mandatory",
        category="encryption",
        rationale="Kubernetes secrets in etcd must be envelope-encrypted with a KMS key of the "
                  "stack, so a copy of etcd alone does not reveal them.",
        remediation="Set encryption_config with resources=['secrets'] and a provider key_arn on "
                    "the aws.eks.Cluster (EksCompute always does: its kms_key_arn, or a key it "
                    "creates).",
        checks={EKS_CLUSTER: _eks_secrets_encrypted},
    ),
    Rule(
        id="aws-logs-encrypted-kms",
        severity="mandatory",
        category="encryption",
        rationale="Logs carry hosts, queries and request data; the stack's log key decides who "
                  "can read them and outlives a compromised IAM policy.",
        remediation="Pass the stack's LogKey ARN as log_kms_key_arn to the component that "
                    "creates the log group, or set kms_key_id on a direct "
                    "aws.cloudwatch.LogGroup.",
        checks={LOG_GROUP: _log_group_key},
    ),
    Rule(
        id="aws-lb-listener-tls",
        severity="mandatory",
        category="encryption",
        rationale="Every load balancer listener must serve TLS 1.2 or later; a plain HTTP "
                  "listener may only redirect to HTTPS.",
        remediation="Use ssl_policy=limits.ALB_TLS_POLICY (or another of ELB_TLS12_POLICIES) "
                    "on HTTPS/TLS listeners and a redirect to HTTPS on HTTP ones; on EKS set "
                    "alb.ingress.kubernetes.io/ssl-policy and ssl-redirect on the Ingress.",
        checks={**dict.fromkeys(LISTENERS, _listener_tls),
                **dict.fromkeys(LISTENER_RULES, _listener_rule_tls),
                INGRESS: _ingress_tls, INGRESS_CLASS_PARAMS: _ingress_class_params_tls},
        scope="stack",
    ),
    Rule(
        id="aws-cloudfront-viewer-tls",
        severity="mandatory",
        category="encryption",
        rationale="Viewers must reach the CDN over HTTPS with TLS 1.2 or later.",
        remediation="Serve a custom domain with an ACM certificate (the Cdn component's "
                    "domain_name) and minimum_protocol_version TLSv1.2_2021 or later, and "
                    "viewer_protocol_policy redirect-to-https or https-only on every behaviour.",
        checks={DISTRIBUTION: _cloudfront_viewer_tls},
    ),
    Rule(
        id="aws-cloudfront-origin-tls",
        severity="mandatory",
        category="encryption",
        rationale="The CDN must reach custom origins over HTTPS with TLS 1.2, or the hop behind "
                  "the edge is plaintext.",
        remediation="Set custom_origin_config origin_protocol_policy='https-only' and "
                    "origin_ssl_protocols=['TLSv1.2'] (the Cdn component's api_origin_domain "
                    "origin does).",
        checks={DISTRIBUTION: _cloudfront_origin_tls},
    ),
    Rule(
        id="aws-secretsmanager-customer-key",
        severity="advisory",
        category="encryption",
        rationale="A secret under a customer-managed key needs that key's policy as well as "
                  "GetSecretValue, so a broad IAM grant alone does not expose it.",
        remediation="Pass kms_key_arn to the Cache or AppSecrets component "
                    "(credentials_kms_key_arn to Streaming), or set kms_key_id on a direct "
                    "aws.secretsmanager.Secret.",
        checks={SECRET: _secret_key},
    ),
)

#: The GCP rules of this category (`forge_infra.policy.registry` gathers them with `RULES`).
GCP_RULES: tuple[Rule, ...] = (
    Rule(
        id="gcp-sql-ssl-enforced",
        severity="mandatory",
        category="encryption",
        rationale="A database that accepts plaintext connections lets a client send its "
                  "credentials and data unencrypted.",
        remediation="Set ssl_mode ENCRYPTED_ONLY in the instance's ip_configuration (the GCP "
                    "Database component always does).",
        checks={GCP_SQL_INSTANCE: _sql_ssl_enforced},
    ),
    Rule(
        id="gcp-memorystore-transit-encryption",
        severity="mandatory",
        category="encryption",
        rationale="In-transit encryption keeps the cache's data and AUTH string off the wire "
                  "in plaintext.",
        remediation="Set transit_encryption_mode SERVER_AUTHENTICATION on the Memorystore "
                    "instance (the GCP Cache component always does).",
        checks={GCP_REDIS: _memorystore_transit},
    ),
    Rule(
        id="gcp-lb-tls-policy",
        severity="mandatory",
        category="encryption",
        rationale="TLS 1.0 and 1.1 are deprecated (RFC 8996); the load balancer must refuse "
                  "them.",
        remediation="Give the target HTTPS proxy an SSL policy with min_tls_version TLS_1_2 or "
                    "later (the GCP Cdn component's ssl_profile does).",
        checks={GCP_SSL_POLICY: _ssl_policy_version, GCP_HTTPS_PROXY: _https_proxy_policy},
    ),
)


# -- Azure -------------------------------------------------------------------------------------
# pulumi-azure-native 3.x, camelCase inputs; defaults quoted from the SDK's docstrings: a storage
# account's `enableHttpsTrafficOnly` "default value is true since API version 2019-04-01" and
# `minimumTlsVersion` "default interpretation is TLS 1.0" (`storage/storage_account.py`); an
# Azure Managed Redis database's `clientProtocol` "Default is TLS-encrypted"
# (`redisenterprise/database.py`) and a cluster's `minimumTlsVersion` "TLS 1.0 and TLS 1.1 are
# now completely obsolete -- you cannot use them" (`redisenterprise/redis_enterprise.py`); an
# Event Hubs namespace's `minimumTlsVersion` is one of `1.0`, `1.1`, `1.2`
# (`eventhub/_enums.py`, `TlsVersion`), with no documented default, so the rule asks for it.

AZURE_STORAGE_ACCOUNT = "azure-native:storage:StorageAccount"
AZURE_REDIS = "azure-native:redisenterprise:RedisEnterprise"
AZURE_REDIS_DATABASE = "azure-native:redisenterprise:Database"
AZURE_EVENTHUB_NAMESPACE = "azure-native:eventhub:Namespace"

#: TLS versions at or above 1.2, as each API spells them.
AZURE_STORAGE_TLS = ("TLS1_2", "TLS1_3")
AZURE_TLS = ("1.2", "1.3")


def _azure_storage_https(resource: Any, context: Context) -> Iterator[str]:
    https = resource.props.get("enableHttpsTrafficOnly")
    if known(https) and https is False:
        yield "enableHttpsTrafficOnly is False: the account accepts plain HTTP"
    tls = resource.props.get("minimumTlsVersion")
    if known(tls) and tls not in AZURE_STORAGE_TLS:
        yield (f"minimumTlsVersion is {tls!r}: clients may use TLS 1.0 or 1.1 (none set means "
               "TLS 1.0)")


def _azure_redis_tls(resource: Any, context: Context) -> Iterator[str]:
    tls = resource.props.get("minimumTlsVersion")
    if known(tls) and tls is not None and tls not in AZURE_TLS:
        yield f"minimumTlsVersion is {tls!r}: use 1.2 or later"


def _azure_redis_database_tls(resource: Any, context: Context) -> Iterator[str]:
    protocol = resource.props.get("clientProtocol")
    if known(protocol) and protocol not in (None, "Encrypted"):
        yield (f"clientProtocol is {protocol!r}: clients connect without TLS, passwords and "
               "data in the clear")


def _azure_eventhub_tls(resource: Any, context: Context) -> Iterator[str]:
    tls = resource.props.get("minimumTlsVersion")
    if known(tls) and tls not in AZURE_TLS:
        yield f"minimumTlsVersion is {tls!r}: set 1.2 so clients cannot use TLS 1.0 or 1.1"


AZURE_RULES: tuple[Rule, ...] = (
    Rule(
        id="azure-storage-https-tls12",
        severity="mandatory",
        category="encryption",
        rationale="Blob traffic is HTTPS only, with TLS 1.2 or later.",
        remediation="Set enableHttpsTrafficOnly: true and minimumTlsVersion: TLS1_2 on the "
                    "storage account (the Storage component always does).",
        checks={AZURE_STORAGE_ACCOUNT: _azure_storage_https},
    ),
    Rule(
        id="azure-redis-tls-only",
        severity="mandatory",
        category="encryption",
        rationale="Redis clients connect over TLS 1.2 or later only; no plaintext port.",
        remediation="Leave clientProtocol Encrypted on the database and minimumTlsVersion 1.2 on "
                    "the cluster (the Cache component always does).",
        checks={AZURE_REDIS: _azure_redis_tls, AZURE_REDIS_DATABASE: _azure_redis_database_tls},
    ),
    Rule(
        id="azure-eventhub-tls12",
        severity="mandatory",
        category="encryption",
        rationale="Kafka clients reach Event Hubs over TLS 1.2 or later only.",
        remediation="Set minimumTlsVersion: '1.2' on the Event Hubs namespace.",
        checks={AZURE_EVENTHUB_NAMESPACE: _azure_eventhub_tls},
    ),
)

RULES = (*RULES, *AZURE_RULES)
