"""Operability rules: tags, log retention, access logs.

Which AWS types take `tags` is data (`forge_infra/policy/aws_taggable.json`), written by
`scripts/generate_aws_taggable.py` from the installed pulumi-aws's own sources (the resource
classes whose `_internal_init` takes `tags`, as `tests/helpers.py::is_taggable` asks the
classes). Data rather than introspection at run time: the policy pack would otherwise import
every pulumi-aws module (hundreds, slow) to answer it, and the answer would silently follow
whatever pulumi-aws the pack happens to run with; the file records the version it was read
from, and a test holds it equal to `is_taggable` on every type the stacks create.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from typing import Any

from forge_infra.policy.rule import Context, Rule, known, prop

#: The tags `forge_components.common.standard_tags` gives every resource.
STANDARD_TAGS = ("app", "environment", "managed-by")

AWS_PROVIDER = "pulumi:providers:aws"


@cache
def aws_taggable_types() -> tuple[str, ...]:
    """The pulumi-aws resource types that take `tags` (`aws_taggable.json`)."""
    text = resources.files("forge_infra.policy").joinpath("aws_taggable.json").read_text(
        encoding="utf-8")
    return tuple(json.loads(text)["types"])


def _log_group_retention(resource: Any, context: Context) -> Iterator[str]:
    days = resource.props.get("retentionInDays")
    if known(days) and not days:
        yield "retentionInDays is not set: the log group keeps every event forever"


def _provider_default_tags(provider: Any) -> Mapping[str, Any]:
    """The `defaultTags.tags` of an AWS provider resource (its inputs are JSON strings)."""
    raw = provider.props.get("defaultTags")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return {}
    tags = prop(raw, "tags")
    return tags if isinstance(tags, Mapping) else {}


def _stack_default_tags(context: Context) -> set[str]:
    """The standard tag keys every AWS provider of the stack sets as default tags.

    A policy sees which provider a resource uses only in a real run, so a key counts only
    when every explicit AWS provider of the stack sets it (and none when the stack has none:
    the default provider's `aws:defaultTags` stack config is not visible to a policy)."""
    assert context.stack is not None
    providers = context.stack.of_type(AWS_PROVIDER)
    if not providers:
        return set()
    keys = set(STANDARD_TAGS)
    for provider in providers:
        tags = _provider_default_tags(provider)
        keys &= {k for k in STANDARD_TAGS if isinstance(tags.get(k), str) and tags[k]}
    return keys


def _tag_map(tags: Any) -> Mapping[str, Any]:
    """A resource's tags as a mapping: most types take a map; an Auto Scaling group takes a
    list of `{key, value, propagateAtLaunch}` (pulumi-aws `autoscaling.GroupTagArgs`)."""
    if isinstance(tags, Mapping):
        return tags
    if isinstance(tags, list):
        return {str(t.get("key")): t.get("value") for t in tags
                if isinstance(t, Mapping) and t.get("key")}
    return {}


def _standard_tags(resource: Any, context: Context) -> Iterator[str]:
    tags = resource.props.get("tags")
    if not known(tags):
        return
    tags = _tag_map(tags)
    own = {k for k in STANDARD_TAGS if k in tags and (not isinstance(tags[k], str) or tags[k])}
    missing = [k for k in STANDARD_TAGS if k not in own and k not in _stack_default_tags(context)]
    if missing:
        yield (f"missing standard tags {', '.join(missing)} (tags: "
               f"{', '.join(sorted(tags)) or 'none'}; not in every AWS provider's defaultTags "
               "either)")


def _lb_access_logs(resource: Any, context: Context) -> Iterator[str]:
    if resource.props.get("loadBalancerType") == "gateway":
        return  # a Gateway Load Balancer has no access logs
    enabled = prop(resource.props, "accessLogs", "enabled")
    if known(enabled) and enabled is not True:
        yield (f"accessLogs.enabled is {enabled!r}: the load balancer's requests are not "
               "logged (false is the default, even with a bucket)")


#: The ingress class of the AWS Load Balancer Controller's ALBs, and the annotation that sets
#: the ALB's attributes (kubernetes-sigs/aws-load-balancer-controller, "Ingress annotations").
ALB_INGRESS_CLASS = "alb"
ALB_ATTRIBUTES = "alb.ingress.kubernetes.io/load-balancer-attributes"
ACCESS_LOGS_ON = "access_logs.s3.enabled=true"


def _ingress_access_logs(resource: Any, context: Context) -> Iterator[str]:
    annotations = prop(resource.props, "metadata", "annotations") or {}
    ingress_class = (prop(resource.props, "spec", "ingressClassName")
                     or annotations.get("kubernetes.io/ingress.class"))
    if ingress_class != ALB_INGRESS_CLASS:
        return
    attributes = annotations.get(ALB_ATTRIBUTES)
    if not known(attributes):
        return
    settings = [a.strip().replace(" ", "") for a in str(attributes or "").split(",")]
    if ACCESS_LOGS_ON not in settings:
        yield (f"annotation {ALB_ATTRIBUTES} is {attributes!r}: the ALB the controller creates "
               f"does not log requests ({ACCESS_LOGS_ON} is missing)")


CLOUDFRONT = "aws:cloudfront/distribution:Distribution"
LOG_DELIVERY_SOURCE = "aws:cloudwatch/logDeliverySource:LogDeliverySource"
LOG_DELIVERY = "aws:cloudwatch/logDelivery:LogDelivery"


def _cloudfront_access_logs(resource: Any, context: Context) -> Iterator[str]:
    assert context.stack is not None
    bucket = prop(resource.props, "loggingConfig", "bucket")
    if bucket or not known(bucket):
        return  # legacy standard logging to a bucket
    # Standard logging v2: a delivery source for the distribution (log type ACCESS_LOGS) and a
    # delivery from it (pulumi-aws `cloudwatch.LogDeliverySource` / `LogDelivery`).
    sources = [s for s in context.stack.of_type(LOG_DELIVERY_SOURCE)
               if s.props.get("logType") == "ACCESS_LOGS"
               and resource in context.stack.dependencies(s)]
    names = {s.props.get("name") for s in sources}
    deliveries = [d for d in context.stack.of_type(LOG_DELIVERY)
                  if any(s in context.stack.dependencies(d) for s in sources)
                  or d.props.get("deliverySourceName") in names - {None}
                  or not known(d.props.get("deliverySourceName"))]
    if not sources or not deliveries:
        yield ("no loggingConfig bucket and no ACCESS_LOGS log delivery: the CDN's requests "
               "are not logged")


# -- GCP -------------------------------------------------------------------------------------

GCP_SUBNETWORK = "gcp:compute/subnetwork:Subnetwork"
GCP_SQL_INSTANCE = "gcp:sql/databaseInstance:DatabaseInstance"
#: The GCP types of the components that take resource `labels` (pulumi-gcp 10.2's resources
#: with a `labels` input; a Cloud SQL instance takes `settings.userLabels` instead).
GCP_LABELLED_TYPES: tuple[str, ...] = (
    "gcp:certificatemanager/certificate:Certificate",
    "gcp:certificatemanager/certificateMap:CertificateMap",
    "gcp:certificatemanager/certificateMapEntry:CertificateMapEntry",
    "gcp:certificatemanager/dnsAuthorization:DnsAuthorization",
    "gcp:cloudrunv2/job:Job", "gcp:cloudrunv2/service:Service",
    "gcp:cloudrunv2/workerPool:WorkerPool",
    "gcp:compute/address:Address", "gcp:compute/disk:Disk",
    "gcp:compute/globalAddress:GlobalAddress",
    "gcp:compute/globalForwardingRule:GlobalForwardingRule",
    "gcp:compute/instance:Instance", "gcp:compute/securityPolicy:SecurityPolicy",
    "gcp:kms/cryptoKey:CryptoKey", "gcp:managedkafka/cluster:Cluster",
    "gcp:redis/instance:Instance", "gcp:secretmanager/secret:Secret",
    "gcp:storage/bucket:Bucket",
)
#: The labels every GCP resource of the stack carries: who it belongs to and the environment
#: whose rules apply (`forge_infra.policy.rule.resource_environment` reads `environment`).
GCP_STANDARD_LABELS = ("app", "environment")


def _subnet_flow_logs(resource: Any, context: Context) -> Iterator[str]:
    purpose = resource.props.get("purpose", "PRIVATE")
    if known(purpose) and purpose not in ("PRIVATE", "PRIVATE_RFC_1918"):
        return  # proxy-only and other special-purpose subnets have no VM flow logs
    config = resource.props.get("logConfig")
    if known(config) and not config:
        yield ("no logConfig: VPC flow logs are off, so the subnet's connections leave no "
               "record for an investigation")


def _labels_of(resource: Any) -> Any:
    if resource.resource_type == GCP_SQL_INSTANCE:
        return prop(resource.props, "settings", "userLabels")
    return resource.props.get("labels")


def _standard_labels(resource: Any, context: Context) -> Iterator[str]:
    labels = _labels_of(resource)
    if not known(labels):
        return
    labels = labels if isinstance(labels, Mapping) else {}
    missing = [k for k in GCP_STANDARD_LABELS if not labels.get(k)]
    if missing:
        yield (f"missing standard labels {', '.join(missing)} (labels: "
               f"{', '.join(sorted(labels)) or 'none'})")


RULES: tuple[Rule, ...] = (
    Rule(
        id="aws-logs-retention-set",
        severity="mandatory",
        category="operability",
        rationale="Logs kept forever grow cost without bound and outlive their purpose.",
        remediation="Set retention_in_days on the log group (the components' "
                    "log_retention_days argument; forge-infra:network.flow_logs_retention_days "
                    "for the flow logs).",
        checks={"aws:cloudwatch/logGroup:LogGroup": _log_group_retention},
    ),
    Rule(
        id="aws-resource-standard-tags",
        severity="mandatory",
        category="operability",
        rationale="The app, environment and managed-by tags attribute every resource's cost "
                  "and owner, and tell the policies which environment's rules apply.",
        remediation="Pass the component's tags (forge_components.common.standard_tags) or set "
                    "them as the AWS provider's default_tags.",
        checks=dict.fromkeys(aws_taggable_types(), _standard_tags),
        scope="stack",
    ),
    Rule(
        id="aws-lb-access-logs",
        severity="mandatory",
        category="operability",
        rationale="A load balancer's access logs are the record of every request that reached "
                  "the platform, needed to investigate an incident.",
        remediation="Enable access_logs to the stack's access-log bucket (EcsCompute does with "
                    "Storage's access_log_bucket_name).",
        checks={"aws:lb/loadBalancer:LoadBalancer": _lb_access_logs,
                "aws:alb/loadBalancer:LoadBalancer": _lb_access_logs},
        environments=("prod",),
    ),
    Rule(
        id="k8s-ingress-alb-access-logs",
        severity="mandatory",
        category="operability",
        rationale="The ALB the AWS Load Balancer Controller creates for an Ingress logs "
                  "requests only when its attributes annotation says so.",
        remediation="Set alb.ingress.kubernetes.io/load-balancer-attributes to "
                    "access_logs.s3.enabled=true,access_logs.s3.bucket=<access-log bucket>.",
        checks={"kubernetes:networking.k8s.io/v1:Ingress": _ingress_access_logs},
        scope="stack",
        environments=("prod",),
    ),
    Rule(
        id="aws-cloudfront-access-logs",
        # Advisory: forge-infra's buckets disable ACLs, which legacy standard logging needs,
        # and standard logging v2 is not shipped yet (docs/SECURITY.md, "Access logs").
        severity="advisory",
        category="operability",
        rationale="The CDN's access logs record every request to the public site, including "
                  "those the WAF allowed.",
        remediation="Deliver the distribution's ACCESS_LOGS through a CloudWatch log delivery "
                    "(standard logging v2) or set logging_config to an ACL-enabled bucket.",
        checks={CLOUDFRONT: _cloudfront_access_logs},
        scope="stack",
        environments=("prod",),
    ),
)

#: The GCP rules of this category (`forge_infra.policy.registry` gathers them with `RULES`).
GCP_RULES: tuple[Rule, ...] = (
    Rule(
        id="gcp-subnet-flow-logs",
        severity="mandatory",
        category="operability",
        rationale="VPC flow logs record who talked to what in the subnet, the record an "
                  "incident investigation starts from.",
        remediation="Give the subnetwork a log_config (the GCP Networking component does, "
                    "with its flow_logs_sampling and flow_logs_interval arguments).",
        checks={GCP_SUBNETWORK: _subnet_flow_logs},
    ),
    Rule(
        id="gcp-resource-standard-labels",
        severity="mandatory",
        category="operability",
        rationale="The app and environment labels attribute every resource's cost and owner, "
                  "and tell the policies which environment's rules apply.",
        remediation="Pass the stack's labels (app, environment) to every GCP component's "
                    "labels argument.",
        checks={**dict.fromkeys(GCP_LABELLED_TYPES, _standard_labels),
                GCP_SQL_INSTANCE: _standard_labels},
    ),
)


# -- Azure -------------------------------------------------------------------------------------
# The azure-native provider has no default tags: every resource carries its own. Which types
# take `tags` is read from pulumi-azure-native 3.x (the resource classes whose constructor takes
# `tags`); tests/policy/test_azure_operability.py holds this list equal to the SDK for every
# Azure type the components and stacks create. Child resources (subnets, databases, containers,
# record sets, locks, role assignments, budgets) take none.

AZURE_TAGGABLE_TYPES: tuple[str, ...] = (
    "azure-native:resources:ResourceGroup",
    "azure-native:network:VirtualNetwork",
    "azure-native:network:NetworkSecurityGroup",
    "azure-native:network:NatGateway",
    "azure-native:network:PublicIPAddress",
    "azure-native:network:PrivateEndpoint",
    "azure-native:network:FlowLog",
    "azure-native:privatedns:PrivateZone",
    "azure-native:privatedns:VirtualNetworkLink",
    "azure-native:dbforpostgresql:Server",
    "azure-native:keyvault:Vault",
    "azure-native:keyvault:Secret",
    "azure-native:redisenterprise:RedisEnterprise",
    "azure-native:storage:StorageAccount",
    "azure-native:app:ManagedEnvironment",
    "azure-native:app:ContainerApp",
    "azure-native:app:Job",
    "azure-native:operationalinsights:Workspace",
    "azure-native:managedidentity:UserAssignedIdentity",
    "azure-native:eventhub:Namespace",
    "azure-native:cdn:Profile",
    "azure-native:cdn:AFDEndpoint",
    "azure-native:frontdoor:Policy",
)


def _azure_standard_tags(resource: Any, context: Context) -> Iterator[str]:
    tags = resource.props.get("tags")
    if not known(tags):
        return
    tags = tags if isinstance(tags, Mapping) else {}
    missing = [k for k in STANDARD_TAGS if k not in tags
               or (known(tags[k]) and not (isinstance(tags[k], str) and tags[k]))]
    if missing:
        yield (f"missing standard tags {', '.join(missing)} (tags: "
               f"{', '.join(sorted(tags)) or 'none'}; the azure-native provider has no default "
               "tags)")


AZURE_RULES: tuple[Rule, ...] = (
    Rule(
        id="azure-resource-standard-tags",
        severity="mandatory",
        category="operability",
        rationale="The app, environment and managed-by tags attribute every Azure resource's "
                  "cost and owner, and tell the policy which environment's rules apply.",
        remediation="Pass the stack's tags to every component (forge_components.common."
                    "standard_tags); the Azure components add them to every taggable child.",
        checks=dict.fromkeys(AZURE_TAGGABLE_TYPES, _azure_standard_tags),
    ),
)

RULES = (*RULES, *AZURE_RULES)
