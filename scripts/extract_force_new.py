"""Extract the AWS provider's replace-on-change flags into forge_infra/plan/replace_on_change.json.

pulumi-aws is bridged from the Terraform AWS provider, and the bridge replaces a resource
exactly when a changed attribute is `ForceNew: true` (SDKv2 resources) or carries a
`RequiresReplace()` plan modifier (plugin-framework resources) in the Terraform provider's
schema. The pulumi-aws Python package ships no schema, so the flags are read from the
Terraform provider's Go sources:

    python scripts/extract_force_new.py --source DIR --ref COMMIT \\
        [--file-ref FILE=COMMIT ...] [--only TOKEN ...]

DIR holds the provider's files at their repository paths (a checkout of
hashicorp/terraform-provider-aws, or the files listed in `RESOURCES`); COMMIT (or, per file,
the `--file-ref` given for it) is recorded beside each type. With `--only`, the types named are
re-extracted and every other type already in the output file is kept as it is. Attribute
names given as `names.AttrX` constants are resolved through `names/attr_consts_gen.go` when DIR
has it, else by spelling the constant in snake case. Each flagged attribute is written as the
Pulumi property path (camelCase, blocks joined with `.`), which is how the plan's `props` and
`forge_infra.plan.diff` name it: `properties` replace on any change, `blocks` (nested blocks
flagged ForceNew) only when added or removed, as the Terraform SDK applies a block's flag.

Terraform and Pulumi name a few top-level properties differently: the bridge pluralises list
and set blocks (`ebs_block_device` is `ebsBlockDevices`, `volume` is `volumes`) and renames
some fields (`aws_lambda_function`'s `function_name` is `name`). Each top-level name is
therefore resolved against the installed pulumi-aws SDK's own arguments for the type: the
camelCase name if the SDK has it, else its plural, else `PULUMI_RENAMES`; a flagged attribute
the SDK no longer has (removed from the provider after the file read) is listed under
`not_in_sdk` instead, since no plan can hold it. Nested names are camelCased as they are.

Not extracted (the diff cannot see them, and says nothing rather than guess): replacement
decided at plan time by a `CustomizeDiff` (`customdiff.ForceNewIf...`, e.g. an ElastiCache
engine downgrade, a VPC's tenancy), a framework resource's `ModifyPlan` (a security group
rule's source changing kind) and `RequiresReplaceIf...` modifiers.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Pulumi type token -> (Terraform resource, its file in terraform-provider-aws).
RESOURCES: dict[str, tuple[str, str]] = {
    "aws:rds/instance:Instance": ("aws_db_instance", "internal/service/rds/instance.go"),
    "aws:elasticache/replicationGroup:ReplicationGroup": (
        "aws_elasticache_replication_group", "internal/service/elasticache/replication_group.go"),
    "aws:eks/nodeGroup:NodeGroup": ("aws_eks_node_group", "internal/service/eks/node_group.go"),
    "aws:msk/cluster:Cluster": ("aws_msk_cluster", "internal/service/kafka/cluster.go"),
    "aws:ecs/taskDefinition:TaskDefinition": ("aws_ecs_task_definition",
                                              "internal/service/ecs/task_definition.go"),
    "aws:ec2/subnet:Subnet": ("aws_subnet", "internal/service/ec2/vpc_subnet.go"),
    "aws:ec2/vpc:Vpc": ("aws_vpc", "internal/service/ec2/vpc_.go"),
    "aws:ec2/securityGroup:SecurityGroup": ("aws_security_group",
                                            "internal/service/ec2/vpc_security_group.go"),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": (
        "aws_vpc_security_group_ingress_rule",
        "internal/service/ec2/vpc_security_group_ingress_rule.go"),
    # The egress rule embeds the ingress rule's `securityGroupRuleResource`, whose schema is
    # defined in the ingress rule's file (vpc_security_group_egress_rule.go has none).
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": (
        "aws_vpc_security_group_egress_rule",
        "internal/service/ec2/vpc_security_group_ingress_rule.go"),
    "aws:ebs/volume:Volume": ("aws_ebs_volume", "internal/service/ec2/ebs_volume.go"),
    "aws:kms/key:Key": ("aws_kms_key", "internal/service/kms/key.go"),
    "aws:secretsmanager/secret:Secret": ("aws_secretsmanager_secret",
                                         "internal/service/secretsmanager/secret.go"),
    "aws:iam/role:Role": ("aws_iam_role", "internal/service/iam/role.go"),
    "aws:rds/subnetGroup:SubnetGroup": ("aws_db_subnet_group",
                                        "internal/service/rds/subnet_group.go"),
    "aws:elasticache/subnetGroup:SubnetGroup": ("aws_elasticache_subnet_group",
                                                "internal/service/elasticache/subnet_group.go"),
    "aws:ec2/natGateway:NatGateway": ("aws_nat_gateway", "internal/service/ec2/vpc_nat_gateway.go"),
    "aws:ec2/eip:Eip": ("aws_eip", "internal/service/ec2/ec2_eip.go"),
    "aws:cloudwatch/logGroup:LogGroup": ("aws_cloudwatch_log_group",
                                         "internal/service/logs/group.go"),
    "aws:route53/record:Record": ("aws_route53_record", "internal/service/route53/record.go"),
    "aws:eks/cluster:Cluster": ("aws_eks_cluster", "internal/service/eks/cluster.go"),
    "aws:lb/targetGroup:TargetGroup": ("aws_lb_target_group",
                                       "internal/service/elbv2/target_group.go"),
    "aws:lb/loadBalancer:LoadBalancer": ("aws_lb", "internal/service/elbv2/load_balancer.go"),
    "aws:ec2/instance:Instance": ("aws_instance", "internal/service/ec2/ec2_instance.go"),
    "aws:s3/bucket:Bucket": ("aws_s3_bucket", "internal/service/s3/bucket.go"),
    "aws:ecs/service:Service": ("aws_ecs_service", "internal/service/ecs/service.go"),
    "aws:lambda/function:Function": ("aws_lambda_function", "internal/service/lambda/function.go"),
    "aws:wafv2/webAcl:WebAcl": ("aws_wafv2_web_acl", "internal/service/wafv2/web_acl.go"),
    "aws:acm/certificate:Certificate": ("aws_acm_certificate",
                                        "internal/service/acm/certificate.go"),
    "aws:cloudfront/distribution:Distribution": ("aws_cloudfront_distribution",
                                                 "internal/service/cloudfront/distribution.go"),
    "aws:ec2/networkInterface:NetworkInterface": (
        "aws_network_interface", "internal/service/ec2/vpc_network_interface.go"),
    "aws:secretsmanager/secretVersion:SecretVersion": (
        "aws_secretsmanager_secret_version", "internal/service/secretsmanager/secret_version.go"),
    "aws:rds/parameterGroup:ParameterGroup": ("aws_db_parameter_group",
                                              "internal/service/rds/parameter_group.go"),
    "aws:kms/alias:Alias": ("aws_kms_alias", "internal/service/kms/alias.go"),
}

#: The AWS types the stacks create that are not extracted yet, each with what that leaves out.
#: The diff shows every change of these as an update; a test keeps this list and `RESOURCES`
#: together equal to the AWS types of the stacks' plans.
_STATELESS = ("not extracted yet; holds settings only, no data, so a replacement the diff "
              "shows as an update re-creates it from the same inputs")
_S3_SETTING = ("not extracted yet; a setting of a bucket (bucket ForceNew), holding no "
               "objects itself")
#: The reason of the AWS Backup types the `dr` section added (issue 16).
_DR = ("not extracted yet; added with forge-infra:dr (issue 16) after the last extraction "
       "from terraform-provider-aws")
NOT_EXTRACTED: dict[str, str] = {
    "aws:backup/plan:Plan": _DR,
    "aws:backup/selection:Selection": _DR,
    "aws:backup/vault:Vault": _DR,
    "aws:acm/certificateValidation:CertificateValidation": (
        "not extracted yet; a waiter with no AWS object of its own"),
    "aws:appautoscaling/policy:Policy": _STATELESS,
    "aws:appautoscaling/target:Target": _STATELESS,
    "aws:budgets/budget:Budget": _STATELESS,
    "aws:cloudfront/function:Function": _STATELESS,
    "aws:cloudfront/originAccessControl:OriginAccessControl": _STATELESS,
    "aws:cloudwatch/metricAlarm:MetricAlarm": _STATELESS,
    "aws:costexplorer/anomalyMonitor:AnomalyMonitor": _STATELESS,
    "aws:costexplorer/anomalySubscription:AnomalySubscription": _STATELESS,
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": (
        "not extracted yet; adopts the VPC's default group, which AWS never deletes"),
    "aws:ec2/flowLog:FlowLog": ("not extracted yet; the log group it writes to is covered "
                                "and keeps the records"),
    "aws:ec2/internetGateway:InternetGateway": _STATELESS,
    "aws:ec2/launchTemplate:LaunchTemplate": ("not extracted yet; its changes are new "
                                              "versions, which roll the node group"),
    "aws:ec2/route:Route": _STATELESS,
    "aws:ec2/routeTable:RouteTable": _STATELESS,
    "aws:ec2/routeTableAssociation:RouteTableAssociation": _STATELESS,
    "aws:ec2/volumeAttachment:VolumeAttachment": (
        "not extracted yet; the volume it attaches is covered and keeps the data"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": _STATELESS,
    "aws:ecs/cluster:Cluster": ("not extracted yet; a replaced cluster drops its services, "
                                "which are covered"),
    "aws:eks/addon:Addon": _STATELESS,
    "aws:iam/instanceProfile:InstanceProfile": _STATELESS,
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": _STATELESS,
    "aws:iam/rolePolicy:RolePolicy": _STATELESS,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": _STATELESS,
    "aws:lambda/invocation:Invocation": ("not extracted yet; re-invokes the bootstrap "
                                         "function, which is idempotent"),
    "aws:lb/listener:Listener": _STATELESS,
    "aws:lb/listenerRule:ListenerRule": _STATELESS,
    "aws:msk/configuration:Configuration": ("not extracted yet; its changes are new "
                                            "revisions the cluster (covered) picks up"),
    "aws:msk/scramSecretAssociation:ScramSecretAssociation": _STATELESS,
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": _S3_SETTING,
    "aws:s3/bucketLogging:BucketLogging": _S3_SETTING,
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": _S3_SETTING,
    "aws:s3/bucketPolicy:BucketPolicy": _S3_SETTING,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": _S3_SETTING,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration":
        _S3_SETTING,
    "aws:s3/bucketVersioning:BucketVersioning": _S3_SETTING,
}

#: Top-level fields pulumi-aws renames (Terraform name -> the SDK's argument), per type; the
#: SDK's own signature is the source (`pulumi_aws.lambda_.Function(name=...)` has no
#: `function_name`).
PULUMI_RENAMES: dict[str, dict[str, str]] = {
    "aws:lambda/function:Function": {"function_name": "name"},
}

DEFAULT_OUTPUT = (Path(__file__).resolve().parents[1] / "src" / "forge_infra" / "plan"
                  / "replace_on_change.json")

# `"name": {`, `names.AttrName: {`, `"name": schema.StringAttribute{` and the like.
_KEY = re.compile(r'^\s*(?:"(?P<literal>[a-z0-9_]+)"|names\.(?P<const>Attr\w+))\s*:\s*'
                  r'(?:[\w.]+)?\{')
# A nested block: SDKv2 `Elem: &schema.Resource{`, or a framework nested block/attribute.
_ELEM_BLOCK = re.compile(r"Elem:\s*&schema\.Resource\{")
_NESTED = re.compile(r"(Block|NestedAttribute)\{")
_FLAG = re.compile(r"ForceNew:\s*true|\bRequiresReplace\(\)")
_CONST = re.compile(r'^\s*(Attr\w+)\s*=\s*"([a-z0-9_]+)"', re.MULTILINE)
_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z]|\d|$)|[A-Z][a-z]+|\d+")
# `ID` as a word: at the end or before a capitalised word (`VPCID`, `IDPrefix`), not inside an
# acronym (`CIDRBlock`).
_ID = re.compile(r"ID(s?)(?=[A-Z][a-z]|$)")


def attribute_constants(source: Path) -> dict[str, str]:
    """`AttrKMSKeyID` -> `kms_key_id`, from the provider's generated names file if present."""
    path = source / "names" / "attr_consts_gen.go"
    return dict(_CONST.findall(path.read_text())) if path.is_file() else {}


def snake_from_constant(name: str) -> str:
    """`AttrKMSKeyID` -> `kms_key_id`, `AttrSubnetIDs` -> `subnet_ids`, `AttrCIDRBlock` ->
    `cidr_block` (the naming rule the
    provider's generator follows, used when the names file is not at hand)."""
    words = _ID.sub(r"Id\1", name.removeprefix("Attr"))
    return "_".join(w.lower() for w in _WORDS.findall(words))


def camel(snake: str) -> str:
    """`db_subnet_group_name` -> `dbSubnetGroupName` (Pulumi's property names)."""
    head, *rest = snake.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def schema_block(text: str) -> str:
    """The resource's schema: from the first `Schema: map[string]*schema.Schema{` (SDKv2),
    `return map[string]*schema.Schema{` (an SDKv2 `SchemaFunc: func() map[string]*schema.Schema`)
    or `Attributes: map[string]schema.Attribute{` (framework) to its closing brace."""
    match = re.search(r"(Schema: map\[string\]\*schema\.Schema|return map\[string\]\*schema\."
                      r"Schema|Attributes: map\[string\]schema\.Attribute)\{", text)
    if match is None:
        raise ValueError("no resource schema found")
    depth = 0
    for index in range(match.end() - 1, len(text)):
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        if depth == 0:
            return text[match.end():index]
    raise ValueError("the resource schema is not closed")


@dataclass
class Flags:
    """One resource's replace-on-change flags (Terraform names, blocks joined with `.`)."""

    attributes: list[str] = field(default_factory=list)
    """Attributes whose every change replaces the resource (lists, maps and strings too)."""
    blocks: list[str] = field(default_factory=list)
    """Nested blocks flagged ForceNew: in the Terraform SDK the flag on a block applies to the
    block being added or removed; a change inside it replaces only through its own flags."""


def force_new_flags(text: str, constants: dict[str, str]) -> Flags:
    """The attributes and blocks flagged ForceNew or RequiresReplace() in one resource's Go
    source."""
    block = schema_block(text)
    stack: list[tuple[str, int]] = []  # (attribute, brace depth its body opened at)
    depth = 0
    flagged: list[str] = []
    blocks: set[str] = set()
    for line in block.splitlines():
        key = _KEY.match(line)
        if key is not None:
            name = key.group("literal") or constants.get(key.group("const")) or \
                snake_from_constant(key.group("const"))
            stack.append((name, depth + 1))
            if _NESTED.search(line):
                blocks.add(".".join(n for n, _ in stack))
        elif stack and depth == stack[-1][1] and _ELEM_BLOCK.search(line):
            blocks.add(".".join(n for n, _ in stack))
        if _FLAG.search(line) and stack:
            path = ".".join(name for name, _ in stack)
            if path not in flagged:
                flagged.append(path)
        depth += line.count("{") - line.count("}")
        while stack and depth < stack[-1][1]:
            stack.pop()
    return Flags(attributes=[p for p in flagged if p not in blocks],
                 blocks=[p for p in flagged if p in blocks])


def pulumi_path(terraform_path: str) -> str:
    """`s3_import.bucket_name` -> `s3Import.bucketName`."""
    return ".".join(camel(part) for part in terraform_path.split("."))


def sdk_arguments(token: str) -> frozenset[str] | None:
    """The snake_case argument names the installed pulumi-aws SDK takes for `token`, or None
    when the SDK is not installed."""
    try:
        import importlib
        import inspect

        module_name, class_name = token.split(":")[1].split("/")[0], token.split(":")[2]
        module = importlib.import_module(
            "pulumi_aws." + (module_name + "_" if module_name == "lambda" else module_name))
    except ImportError:
        return None
    init = getattr(module, class_name)._internal_init
    return frozenset(inspect.signature(init).parameters)


def _snake(camel_name: str) -> str:
    """`functionName` -> `function_name`."""
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), camel_name)


def sdk_path(token: str, path: str, arguments: frozenset[str] | None) -> str | None:
    """The Pulumi property path for a camelCase path read from the Terraform schema: its
    top-level name as the SDK spells it (renamed, as is, or pluralised), None if the SDK has
    no such argument; without the SDK, the path unchanged. Idempotent."""
    top, _, rest = path.partition(".")
    snake = PULUMI_RENAMES.get(token, {}).get(_snake(top), _snake(top))
    if arguments is not None:
        found = next((c for c in (snake, snake + "s") if c in arguments), None)
        if found is None:
            return None
        snake = found
    return camel(snake) + ("." + rest if rest else "")


def resolve_names(token: str, entry: dict[str, Any]) -> dict[str, Any]:
    """`entry` with its property and block paths resolved against the installed SDK
    (`sdk_path`); the paths the SDK has no argument for move to `not_in_sdk`."""
    arguments = sdk_arguments(token)
    missing = set(entry.get("not_in_sdk", []))
    resolved = dict(entry)
    for key in ("properties", "blocks"):
        pairs = [(p, sdk_path(token, p, arguments)) for p in entry[key]]
        resolved[key] = sorted(q for _, q in pairs if q is not None)
        missing |= {p for p, q in pairs if q is None}
    resolved.pop("not_in_sdk", None)
    if missing:
        resolved["not_in_sdk"] = sorted(missing)
    return resolved


def extract(source: Path, ref: str, tokens: list[str],
            file_refs: dict[str, str] | None = None) -> dict[str, Any]:
    """The data file's content for `tokens`, read from the provider's sources under `source`
    (`file_refs`: the commit each file was read at, when not `ref`)."""
    file_refs = file_refs or {}
    constants = attribute_constants(source)
    types: dict[str, dict[str, Any]] = {}
    for token in tokens:
        resource, file = RESOURCES[token]
        flags = force_new_flags((source / file).read_text(encoding="utf-8"), constants)
        types[token] = resolve_names(token, {
            "terraform": resource,
            "file": file,
            "commit": file_refs.get(file, ref),
            "properties": sorted(pulumi_path(p) for p in flags.attributes),
            "blocks": sorted(pulumi_path(p) for p in flags.blocks),
        })
    return {
        "source": ("hashicorp/terraform-provider-aws, each file at the commit beside its "
                   "type: the ForceNew / RequiresReplace() flags of each resource's schema "
                   "(pulumi-aws bridges this provider and replaces a resource when such an "
                   "attribute changes), extracted by "
                   "scripts/extract_force_new.py"),
        "not_covered": ("replacement decided by a CustomizeDiff (customdiff.ForceNewIf..., e.g. "
                        "an engine downgrade or a VPC's instance tenancy), by a framework "
                        "resource's ModifyPlan (a security group rule whose source changes "
                        "kind, e.g. cidrIpv4 to referencedSecurityGroupId) or by a "
                        "RequiresReplaceIf modifier; resource types not listed here are never "
                        "reported as replaced by a property change"),
        "types": dict(sorted(types.items())),
        "not_extracted": dict(sorted(NOT_EXTRACTED.items())),
    }


def main(argv: list[str] | None = None) -> int:
    """Command line: write the data file (or print it with `--output -`)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, required=True,
                        help="folder with terraform-provider-aws's files at their paths")
    parser.add_argument("--ref", required=True, help="the provider commit or tag read")
    parser.add_argument("--file-ref", action="append", default=[], metavar="FILE=COMMIT",
                        help="the commit one file was read at (repeatable)")
    parser.add_argument("--only", action="append", metavar="TOKEN", choices=sorted(RESOURCES),
                        help="extract only this Pulumi type (repeatable)")
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT),
                        help="where to write the JSON ('-' for standard output)")
    args = parser.parse_args(argv)
    file_refs = dict(item.split("=", 1) for item in args.file_ref)
    data = extract(args.source, args.ref, args.only or sorted(RESOURCES), file_refs)
    output = Path(args.output)
    if args.only and args.output != "-" and output.is_file():
        # `--only` re-extracts those types and keeps the others as the data file has them
        # (each with the file and commit it was read at).
        kept = {token: resolve_names(token, entry) for token, entry in
                json.loads(output.read_text(encoding="utf-8"))["types"].items()}
        data["types"] = dict(sorted({**kept, **data["types"]}.items()))
    text = json.dumps(data, indent=2) + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
