"""Exposure rules: nothing private reachable from the internet, least privilege.

Several rules follow one resource to another (a subnet group to its subnets, a subnet to its
route table, a security group to the load balancer that uses it). In the offline plan one
resource names another by the id the mocks generate; in a real preview of resources still to be
created those ids are `[unknown]`. So every link is followed two ways: by a known value shared
by two references (a route table association's `subnetId` equal to a subnet group's entry), and
by the dependencies the engine records (a resource depends on every resource whose output it
takes as an input). A link that cannot be followed either way is not reported: on unknowns
these rules stay silent.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from forge_infra.policy.rule import Check, Context, Rule, StackView, as_list, known, prop

# -- resource types ------------------------------------------------------------------------

SUBNET = "aws:ec2/subnet:Subnet"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ROUTE = "aws:ec2/route:Route"
ROUTE_TABLE_ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
DEFAULT_ROUTE_TABLE = "aws:ec2/defaultRouteTable:DefaultRouteTable"
MAIN_ROUTE_TABLE_ASSOCIATION = "aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation"
VPC = "aws:ec2/vpc:Vpc"
INTERNET_GATEWAY = "aws:ec2/internetGateway:InternetGateway"
NETWORK_INTERFACE = "aws:ec2/networkInterface:NetworkInterface"
EC2_INSTANCE = "aws:ec2/instance:Instance"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SECURITY_GROUP_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
LOAD_BALANCERS = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer",
                  "aws:elb/loadBalancer:LoadBalancer")
APPLICATION_LOAD_BALANCERS = LOAD_BALANCERS[:2]
WEB_ACL_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
ROUTE53_RECORD = "aws:route53/record:Record"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
IAM_ROLE = "aws:iam/role:Role"

WORLD_CIDRS = ("0.0.0.0/0", "::/0")
#: The ports a load balancer may open to the internet (HTTP, redirected, and HTTPS).
LOAD_BALANCER_PORTS = (80, 443)


# -- following references ------------------------------------------------------------------


def _deps_of_type(stack: StackView, resource: Any, *types: str) -> list[Any]:
    return [d for d in stack.dependencies(resource) if d.resource_type in types]


def _depends_on(stack: StackView, resource: Any, target: Any) -> bool:
    return any(d.urn == target.urn for d in stack.dependencies(resource))


def _same_known(a: Any, b: Any) -> bool:
    """Two references name the same thing: both known, non-empty and equal."""
    return isinstance(a, str) and bool(a) and known(a) and a == b


def _internet_route(stack: StackView, route: Any, props: Mapping[str, Any]) -> str | None:
    """Where a route (a Route resource's props, or an inline route of a table) sends traffic
    to an internet gateway: `"<destination> to internet gateway <id or name>"`, else None.

    `gatewayId` also takes virtual private gateways (`vgw-`); an unknown one counts as an
    internet gateway only when the route depends on one.
    """
    gateway = props.get("gatewayId")
    if not gateway:
        return None
    destination = (props.get("destinationCidrBlock") or props.get("cidrBlock")
                   or props.get("destinationIpv6CidrBlock") or props.get("ipv6CidrBlock")
                   or props.get("destinationPrefixListId") or "traffic")
    if known(gateway):
        if isinstance(gateway, str) and gateway.startswith("igw-"):
            return f"{destination} to internet gateway {gateway}"
        return None
    gateways = _deps_of_type(stack, route, INTERNET_GATEWAY)
    if gateways:
        return f"{destination} to internet gateway {gateways[0].name}"
    return None


def _internet_routes(stack: StackView, tables: list[Any], table_id: Any) -> Iterator[str]:
    """The routes to an internet gateway of one route table (its resources in the stack,
    and/or its id as a reference names it): inline routes, and Route resources on it."""
    for table in tables:
        for inline in as_list(table.props.get("routes")):
            if isinstance(inline, Mapping):
                where = _internet_route(stack, table, inline)
                if where:
                    yield where
    for route in stack.of_type(ROUTE):
        if not (_same_known(table_id, route.props.get("routeTableId"))
                or any(_depends_on(stack, route, t) for t in tables)):
            continue
        where = _internet_route(stack, route, route.props)
        if where:
            yield where


def _public_route_tables(stack: StackView, association: Any) -> Iterator[str]:
    """Why the route table of a route table association is public, one reason per route."""
    tables = _deps_of_type(stack, association, ROUTE_TABLE)
    table_id = association.props.get("routeTableId")
    label = tables[0].name if tables else str(table_id)
    for where in _internet_routes(stack, tables, table_id):
        yield f"its route table {label} routes {where}"


def _main_route_table(stack: StackView, subnet: Any) -> Iterator[str]:
    """Why the main route table of a subnet's VPC (which a subnet without an association
    uses) is public: the VPC's default route table, or the table a main route table
    association makes main, when the stack manages it."""
    vpcs = {v.urn for v in _deps_of_type(stack, subnet, VPC)}
    vpc_id = subnet.props.get("vpcId")

    def same_vpc(resource: Any) -> bool:
        return (_same_known(vpc_id, resource.props.get("vpcId"))
                or any(v.urn in vpcs for v in _deps_of_type(stack, resource, VPC)))
    for table in stack.of_type(DEFAULT_ROUTE_TABLE):
        if same_vpc(table):
            for where in _internet_routes(stack, [table],
                                          table.props.get("defaultRouteTableId")):
                yield (f"it has no route table association, and the VPC's main route table "
                       f"{table.name} routes {where}")
    for main in stack.of_type(MAIN_ROUTE_TABLE_ASSOCIATION):
        if same_vpc(main):
            tables = _deps_of_type(stack, main, ROUTE_TABLE)
            table_id = main.props.get("routeTableId")
            label = tables[0].name if tables else str(table_id)
            for where in _internet_routes(stack, tables, table_id):
                yield (f"it has no route table association, and the VPC's main route table "
                       f"{label} routes {where}")


def _subnet_public_reasons(stack: StackView, subnet: Any | None,
                           associations: Iterable[Any]) -> list[str]:
    """Why a subnet is public: it gives instances public addresses, or its route table has a
    route to an internet gateway (the definition in the VPC user guide:
    https://docs.aws.amazon.com/vpc/latest/userguide/configure-subnets.html#subnet-types)."""
    reasons = []
    if subnet is not None and subnet.props.get("mapPublicIpOnLaunch") is True:
        reasons.append("mapPublicIpOnLaunch is true")
    associations = list(associations)
    for association in associations:
        reasons.extend(_public_route_tables(stack, association))
    if not associations and subnet is not None:
        reasons.extend(_main_route_table(stack, subnet))
    return reasons


def _public_subnets(stack: StackView, resource: Any, subnet_ids: Any) -> Iterator[str]:
    """`"<subnet>: <why it is public>"` for each public subnet among `subnet_ids`, the
    subnets `resource` names in one of its inputs.

    A known id is matched to the route table associations that name it (and through them to
    the subnet resource); ids that are unknown, or that no association names, are followed
    through `resource`'s dependencies on subnets instead.
    """
    associations = stack.of_type(ROUTE_TABLE_ASSOCIATION)
    seen: set[str] = set()
    unresolved = False
    for value in as_list(subnet_ids):
        matching = [a for a in associations if _same_known(value, a.props.get("subnetId"))]
        if not matching:
            unresolved = True
            continue
        subnets = [s for a in matching for s in _deps_of_type(stack, a, SUBNET)]
        subnet = subnets[0] if subnets else None
        if subnet is not None:
            seen.add(subnet.urn)
        label = subnet.name if subnet is not None else str(value)
        for reason in _subnet_public_reasons(stack, subnet, matching):
            yield f"{label}: {reason}"
    if not unresolved and as_list(subnet_ids):
        return
    for subnet in _deps_of_type(stack, resource, SUBNET):
        if subnet.urn in seen:
            continue
        matching = [a for a in associations if _depends_on(stack, a, subnet)]
        for reason in _subnet_public_reasons(stack, subnet, matching):
            yield f"{subnet.name}: {reason}"


def _subnets_check(*path: str | int) -> Callable[[Any, Context], Iterator[str]]:
    """A check that the subnets a resource names at `path` are not public."""
    where = ".".join(str(step) for step in path)

    def check(resource: Any, context: Context) -> Iterator[str]:
        if context.stack is None:
            return
        for problem in _public_subnets(context.stack, resource, prop(resource.props, *path)):
            yield f"{where} includes a public subnet, {problem}"
    check.__doc__ = f"The subnets at `{where}` are not public."
    return check


def _msk_serverless_subnets(resource: Any, context: Context) -> Iterator[str]:
    if context.stack is None:
        return
    for index, config in enumerate(as_list(resource.props.get("vpcConfigs"))):
        ids = config.get("subnetIds") if isinstance(config, Mapping) else None
        for problem in _public_subnets(context.stack, resource, ids):
            yield f"vpcConfigs.{index}.subnetIds includes a public subnet, {problem}"


def _instance_subnets(resource: Any, context: Context) -> Iterator[str]:
    """An instance's subnet: `subnetId`, or the subnet of each network interface it is
    launched with (`primaryNetworkInterface`, `networkInterfaces`)."""
    stack = context.stack
    if stack is None:
        return
    if resource.props.get("subnetId") is not None:
        for problem in _public_subnets(stack, resource, resource.props.get("subnetId")):
            yield f"subnetId is a public subnet, {problem}"
    uses_interfaces = (resource.props.get("primaryNetworkInterface") is not None
                       or bool(resource.props.get("networkInterfaces")))
    if not uses_interfaces:
        return
    for interface in _deps_of_type(stack, resource, NETWORK_INTERFACE):
        for problem in _public_subnets(stack, interface, interface.props.get("subnetId")):
            yield f"network interface {interface.name} is in a public subnet, {problem}"


# -- databases, caches and brokers ---------------------------------------------------------


def _rds_not_public(resource: Any, context: Context) -> Iterator[str]:
    value = resource.props.get("publiclyAccessible")
    if known(value) and value is True:
        yield "publiclyAccessible is true: the database has a public address"


def _msk_not_public(resource: Any, context: Context) -> Iterator[str]:
    # brokerNodeGroupInfo.connectivityInfo.publicAccess.type: DISABLED (the default) or
    # SERVICE_PROVIDED_EIPS (pulumi_aws.msk ClusterBrokerNodeGroupInfoConnectivityInfoPublicAccess).
    value = prop(resource.props, "brokerNodeGroupInfo", "connectivityInfo", "publicAccess", "type")
    if value is not None and known(value) and value != "DISABLED":
        yield (f"brokerNodeGroupInfo.connectivityInfo.publicAccess.type is {value!r}: the "
               "brokers have public addresses")


# -- security groups -----------------------------------------------------------------------


def _ports(protocol: Any, from_port: Any, to_port: Any) -> str:
    if str(protocol) in ("-1", "all"):
        return "all traffic"
    if from_port == to_port:
        return f"{protocol} port {from_port}"
    return f"{protocol} ports {from_port}-{to_port}"


def _load_balancer_port(protocol: Any, from_port: Any, to_port: Any) -> bool:
    return (str(protocol).lower() in ("tcp", "6") and from_port == to_port
            and from_port in LOAD_BALANCER_PORTS)


def _attached_to_load_balancer(stack: StackView, group_id: Any,
                               groups: list[Any]) -> bool | None:
    """Whether the security group (its id as the rule names it, and/or its resources in the
    stack) is one of a load balancer's `securityGroups`; None when that cannot be told."""
    uncertain = False
    for balancer in stack.of_type(*LOAD_BALANCERS):
        attached = balancer.props.get("securityGroups")
        if not known(attached) or any(not known(g) for g in as_list(attached)):
            uncertain = True
        elif any(_same_known(group_id, g) for g in as_list(attached)):
            return True
        if any(_depends_on(stack, balancer, g) for g in groups):
            return True
    if groups:
        # A load balancer naming a group of this stack depends on it: none does.
        return False
    if isinstance(group_id, str) and known(group_id) and not uncertain:
        return False
    return None


def _world_ingress(stack: StackView, cidrs: Iterable[Any], protocol: Any, from_port: Any,
                   to_port: Any, group_id: Any, groups: list[Any]) -> Iterator[str]:
    for cidr in cidrs:
        if cidr not in WORLD_CIDRS:
            continue
        ports = _ports(protocol, from_port, to_port)
        if not _load_balancer_port(protocol, from_port, to_port):
            yield (f"ingress from {cidr} to {ports}: only a load balancer may take traffic from "
                   "the internet, on ports 80 and 443")
        elif _attached_to_load_balancer(stack, group_id, groups) is False:
            yield f"ingress from {cidr} to {ports} on a security group no load balancer uses"


def _security_group_inline(resource: Any, context: Context) -> Iterator[str]:
    if context.stack is None:
        return
    for rule in as_list(resource.props.get("ingress")):
        if not isinstance(rule, Mapping):
            continue
        cidrs = [*as_list(rule.get("cidrBlocks")), *as_list(rule.get("ipv6CidrBlocks"))]
        yield from _world_ingress(context.stack, cidrs, rule.get("protocol"),
                                  rule.get("fromPort"), rule.get("toPort"), None, [resource])


def _ingress_rule(resource: Any, context: Context) -> Iterator[str]:
    if context.stack is None:
        return
    props = resource.props
    cidrs = [props.get("cidrIpv4"), props.get("cidrIpv6")]
    groups = _deps_of_type(context.stack, resource, SECURITY_GROUP)
    yield from _world_ingress(context.stack, cidrs, props.get("ipProtocol"),
                              props.get("fromPort"), props.get("toPort"),
                              props.get("securityGroupId"), groups)


def _security_group_rule(resource: Any, context: Context) -> Iterator[str]:
    props = resource.props
    if context.stack is None or props.get("type") != "ingress":
        return
    cidrs = [*as_list(props.get("cidrBlocks")), *as_list(props.get("ipv6CidrBlocks"))]
    groups = _deps_of_type(context.stack, resource, SECURITY_GROUP)
    yield from _world_ingress(context.stack, cidrs, props.get("protocol"),
                              props.get("fromPort"), props.get("toPort"),
                              props.get("securityGroupId"), groups)


# -- buckets -------------------------------------------------------------------------------

PUBLIC_ACCESS_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                       "restrictPublicBuckets")


def _bucket_has_public_access_block(resource: Any, context: Context) -> Iterator[str]:
    stack = context.stack
    if stack is None:
        return
    name = resource.props.get("bucket")
    blocks = [b for b in stack.of_type(PUBLIC_ACCESS_BLOCK)
              if _depends_on(stack, b, resource) or _same_known(name, b.props.get("bucket"))]
    if not blocks:
        yield (f"no {PUBLIC_ACCESS_BLOCK} names this bucket: public ACLs and public bucket "
               "policies are not blocked")


def _public_access_block_flags(resource: Any, context: Context) -> Iterator[str]:
    # Each flag defaults to false when unset (pulumi_aws.s3.BucketPublicAccessBlockArgs).
    for flag in PUBLIC_ACCESS_FLAGS:
        value = resource.props.get(flag)
        if value is None:
            yield f"{flag} is unset (the provider's default is false)"
        elif known(value) and value is not True:
            yield f"{flag} is {value!r}"


# -- EKS API -------------------------------------------------------------------------------


def _eks_api_not_public(resource: Any, context: Context) -> Iterator[str]:
    config = resource.props.get("vpcConfig")
    if not isinstance(config, Mapping):
        return
    # endpointPublicAccess defaults to true, and publicAccessCidrs, when public access is on,
    # to ["0.0.0.0/0"] (pulumi_aws.eks.ClusterVpcConfigArgs).
    public = config.get("endpointPublicAccess")
    if not known(public) or public is False:
        return
    access = "is unset (the default is true)" if public is None else "is true"
    cidrs = config.get("publicAccessCidrs")
    if not known(cidrs) or any(not known(c) for c in as_list(cidrs)):
        return
    if not as_list(cidrs):
        yield (f"vpcConfig.endpointPublicAccess {access} and publicAccessCidrs is unset (EKS "
               "then allows 0.0.0.0/0): the Kubernetes API is open to the internet")
        return
    for cidr in as_list(cidrs):
        if cidr in WORLD_CIDRS:
            yield (f"vpcConfig.endpointPublicAccess {access} and publicAccessCidrs includes "
                   f"{cidr}: the Kubernetes API is open to the internet")


# -- instances: IMDSv2, public addresses ---------------------------------------------------


def _imds_required(default: str | None) -> Callable[[Any, Context], Iterator[str]]:
    """A check that `metadataOptions.httpTokens` is `required` (or the endpoint disabled);
    `default` is the provider's documented value when unset (None: no fixed default)."""
    def check(resource: Any, context: Context) -> Iterator[str]:
        options = resource.props.get("metadataOptions")
        if not known(options):
            return
        options = options if isinstance(options, Mapping) else {}
        endpoint = options.get("httpEndpoint")
        tokens = options.get("httpTokens")
        if endpoint == "disabled" or not known(endpoint) or not known(tokens):
            return
        if tokens is None:
            if default is None:
                yield ("metadataOptions.httpTokens is unset: the instance then takes the AMI's "
                       "and the account's defaults, which allow IMDSv1 unless both require v2")
            else:
                yield (f"metadataOptions.httpTokens is unset (the provider's default is "
                       f"{default!r}): IMDSv1 is allowed")
        elif tokens != "required":
            yield f"metadataOptions.httpTokens is {tokens!r}: IMDSv1 is allowed"
    check.__doc__ = "IMDSv2 is required."
    return check


def _ecs_no_public_ip(resource: Any, context: Context) -> Iterator[str]:
    # assignPublicIp defaults to false (pulumi_aws.ecs.ServiceNetworkConfigurationArgs).
    value = prop(resource.props, "networkConfiguration", "assignPublicIp")
    if known(value) and value is True:
        yield "networkConfiguration.assignPublicIp is true: every task gets a public IP address"


def _truthy(value: Any) -> bool:
    """A boolean input that may be sent as a string (launch templates' `"true"`)."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _instance_no_public_ip(resource: Any, context: Context) -> Iterator[str]:
    if _truthy(resource.props.get("associatePublicIpAddress")):
        yield "associatePublicIpAddress is true: the instance gets a public IP address"


def _launch_template_no_public_ip(resource: Any, context: Context) -> Iterator[str]:
    for index, interface in enumerate(as_list(resource.props.get("networkInterfaces"))):
        if isinstance(interface, Mapping) and _truthy(interface.get("associatePublicIpAddress")):
            yield (f"networkInterfaces.{index}.associatePublicIpAddress is true: every "
                   "instance launched from the template gets a public IP address")


# -- IAM -----------------------------------------------------------------------------------

ADMINISTRATOR_ACCESS = ":iam::aws:policy/AdministratorAccess"


def _document(value: Any) -> Mapping[str, Any] | None:
    """A policy document from a prop (JSON text or an object); None when not known."""
    if isinstance(value, str):
        if not known(value) or value == "[secret]":
            return None
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, Mapping) else None


def _statements(document: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """(label, statement) for each statement: the Sid, else its position."""
    statements = as_list(document.get("Statement"))
    return [(f"statement {s.get('Sid') or index}", s) for index, s in enumerate(statements)
            if isinstance(s, Mapping)]


def _admin_statements(document: Mapping[str, Any] | None) -> Iterator[str]:
    if document is None:
        return
    for label, statement in _statements(document):
        if statement.get("Effect") != "Allow":
            continue
        if "*" in as_list(statement.get("Action")) and "*" in as_list(statement.get("Resource")):
            yield f'{label} allows Action "*" on Resource "*"'


def _policy_admin(resource: Any, context: Context) -> Iterator[str]:
    for problem in _admin_statements(_document(resource.props.get("policy"))):
        yield f"policy: {problem}"


def _role_admin(resource: Any, context: Context) -> Iterator[str]:
    for inline in as_list(resource.props.get("inlinePolicies")):
        if not isinstance(inline, Mapping):
            continue
        for problem in _admin_statements(_document(inline.get("policy"))):
            yield f"inline policy {inline.get('name')}: {problem}"


def _attachment_admin(resource: Any, context: Context) -> Iterator[str]:
    arn = resource.props.get("policyArn")
    if isinstance(arn, str) and known(arn) and arn.endswith(ADMINISTRATOR_ACCESS):
        yield f"policyArn is {arn}: AdministratorAccess allows every action on every resource"


#: Service principals whose documentation shows their role trust policy without
#: `aws:SourceAccount` / `aws:SourceArn`, and no page saying the service sends those keys when
#: it assumes the role. A condition on a key absent from the request context does not match,
#: so requiring it would stop the service from assuming the role. Checked 2026-12 against
#: the confused-deputy pages of each service; not exempt because documented since:
#: eks.amazonaws.com (cluster role: "Amazon EKS accepts the aws:SourceArn and
#: aws:SourceAccount conditions in the trust policy of an EKS cluster role",
#: https://docs.aws.amazon.com/eks/latest/userguide/cross-service-confused-deputy-prevention.html)
#: and lambda.amazonaws.com (execution role: "you can include the aws:SourceAccount and
#: aws:SourceArn global condition context keys in your role trust policy",
#: https://docs.aws.amazon.com/lambda/latest/dg/permissions-managed-policies.html).
TRUST_CONDITION_EXEMPT: dict[str, str] = {
    # An instance profile's role is assumed by EC2 for the instance; the EC2 guide's trust
    # policy has no condition and no EC2 page lists the keys for it.
    "ec2.amazonaws.com":
        "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/iam-roles-for-amazon-ec2.html",
    # Data Lifecycle Manager's default role trusts dlm.amazonaws.com with no condition.
    "dlm.amazonaws.com":
        "https://docs.aws.amazon.com/ebs/latest/userguide/service-role.html",
    # AWS Backup's default service role (AWSBackupDefaultServiceRole) trusts
    # backup.amazonaws.com with no condition.
    "backup.amazonaws.com":
        "https://docs.aws.amazon.com/aws-backup/latest/devguide/iam-service-roles.html",
    # ECS's infrastructure role for load balancers (blue/green, linear and canary releases)
    # trusts ecs.amazonaws.com with no condition (read 2026-12-02).
    "ecs.amazonaws.com":
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/AmazonECSInfrastructureRolePolicyForLoadBalancers.html",
}

SOURCE_KEYS = ("aws:sourceaccount", "aws:sourcearn")


def _condition_keys(statement: Mapping[str, Any]) -> set[str]:
    """Every condition key of a statement, lower-case (keys are case-insensitive)."""
    condition = statement.get("Condition")
    if not isinstance(condition, Mapping):
        return set()
    return {str(key).lower() for test in condition.values() if isinstance(test, Mapping)
            for key in test}


def _trust_conditions(resource: Any, context: Context) -> Iterator[str]:
    document = _document(resource.props.get("assumeRolePolicy"))
    if document is None:
        return
    for label, statement in _statements(document):
        principal = statement.get("Principal")
        if statement.get("Effect") != "Allow" or not isinstance(principal, Mapping):
            continue
        keys = _condition_keys(statement)
        for service in as_list(principal.get("Service")):
            if service in TRUST_CONDITION_EXEMPT or not known(service):
                continue
            if not any(key in keys for key in SOURCE_KEYS):
                yield (f"{label} trusts {service} without an aws:SourceAccount or "
                       "aws:SourceArn condition")
        for provider in as_list(principal.get("Federated")):
            if not isinstance(provider, str) or ":oidc-provider/" not in provider:
                continue
            issuer = provider.split(":oidc-provider/", 1)[1]
            for claim in ("sub", "aud"):
                if f"{issuer}:{claim}".lower() not in keys:
                    yield f"{label} trusts the OIDC provider {issuer} without a :{claim} condition"


# -- a web ACL in front of the app ---------------------------------------------------------


def _fronting_distributions(stack: StackView) -> list[Any]:
    """The distributions with a web ACL (set, or unknown at plan time)."""
    return [d for d in stack.of_type(DISTRIBUTION) if d.props.get("webAclId")]


def _origin_domains(distributions: Iterable[Any]) -> set[str]:
    return {str(origin.get("domainName")).rstrip(".") for d in distributions
            for origin in as_list(d.props.get("origins"))
            if isinstance(origin, Mapping) and known(origin.get("domainName"))}


def _distribution_web_acl(resource: Any, context: Context) -> Iterator[str]:
    if not resource.props.get("webAclId"):
        yield "webAclId is unset: no web ACL filters what the distribution forwards to the app"


def _load_balancer_web_acl(resource: Any, context: Context) -> Iterator[str]:
    stack = context.stack
    internal = resource.props.get("internal")
    balancer_type = resource.props.get("loadBalancerType")
    if stack is None or not known(internal) or not known(balancer_type):
        return
    # loadBalancerType defaults to "application", internal to false (pulumi_aws.lb).
    if internal is True or (balancer_type or "application") != "application":
        return
    if any(_depends_on(stack, a, resource) for a in stack.of_type(WEB_ACL_ASSOCIATION)):
        return
    # Behind CloudFront: a DNS record of this load balancer is a fronting distribution's origin.
    origins = _origin_domains(_fronting_distributions(stack))
    for record in stack.of_type(ROUTE53_RECORD):
        if _depends_on(stack, record, resource) and str(
                record.props.get("name", "")).rstrip(".") in origins:
            return
    yield ("an internet-facing application load balancer with no web ACL: no "
           f"{WEB_ACL_ASSOCIATION} names it and no CloudFront distribution with a webAclId "
           "has it as its origin")


def _ingress_web_acl(resource: Any, context: Context) -> Iterator[str]:
    stack = context.stack
    annotations = prop(resource.props, "metadata", "annotations") or {}
    # The AWS Load Balancer Controller's scheme annotation defaults to internal.
    if stack is None or annotations.get("alb.ingress.kubernetes.io/scheme") != "internet-facing":
        return
    if annotations.get("alb.ingress.kubernetes.io/wafv2-acl-arn"):
        return
    hosts = {str(rule.get("host")) for rule in as_list(prop(resource.props, "spec", "rules"))
             if isinstance(rule, Mapping) and rule.get("host")}
    if hosts & _origin_domains(_fronting_distributions(stack)):
        return
    yield ("an internet-facing ALB with no alb.ingress.kubernetes.io/wafv2-acl-arn annotation, "
           "and no CloudFront distribution with a webAclId in front of its hosts "
           f"({', '.join(sorted(hosts)) or 'none'})")



# -- GCP -------------------------------------------------------------------------------------
# Property names and defaults from pulumi-gcp 10.2 (`pulumi_gcp/<module>`): a backend service's
# `securityPolicy` (none by default) and `loadBalancingScheme` (default `EXTERNAL`,
# `compute/backend_service.py`); a Cloud SQL instance's `settings.ipConfiguration.ipv4Enabled`
# (whether it gets a public IPv4 address, `sql/_inputs.py`); a Cloud Run v2 service's `ingress`
# (`INGRESS_TRAFFIC_ALL`, `INGRESS_TRAFFIC_INTERNAL_ONLY`, `INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER`,
# `cloudrunv2/service.py`; an unset one is counted as all);
# a bucket's `publicAccessPrevention` (`inherited` unless `enforced`) and
# `uniformBucketLevelAccess` (`storage/bucket.py`); a Memorystore instance's `authEnabled`
# (default false, `redis/instance.py`); an instance's `networkInterfaces[].accessConfigs` (an
# external address each) and `shieldedInstanceConfig` (`compute/instance.py`).

GCP_BACKEND_SERVICE = "gcp:compute/backendService:BackendService"
GCP_SQL_INSTANCE = "gcp:sql/databaseInstance:DatabaseInstance"
GCP_CLOUD_RUN_SERVICE = "gcp:cloudrunv2/service:Service"
GCP_BUCKET = "gcp:storage/bucket:Bucket"
GCP_REDIS = "gcp:redis/instance:Instance"
GCP_INSTANCE = "gcp:compute/instance:Instance"
GCP_SERVICE_ACCOUNT_KEY = "gcp:serviceaccount/key:Key"
#: IAM grants of one member (`role`, `member`) and of one role to several (`role`, `members`).
GCP_IAM_MEMBERS = (
    "gcp:projects/iAMMember:IAMMember", "gcp:organizations/iAMMember:IAMMember",
    "gcp:serviceaccount/iAMMember:IAMMember", "gcp:secretmanager/secretIamMember:SecretIamMember",
    "gcp:storage/bucketIAMMember:BucketIAMMember", "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
    "gcp:kms/keyRingIAMMember:KeyRingIAMMember",
    "gcp:cloudrunv2/serviceIamMember:ServiceIamMember",
    "gcp:cloudrunv2/jobIamMember:JobIamMember",
    "gcp:cloudrunv2/workerPoolIamMember:WorkerPoolIamMember")
GCP_IAM_BINDINGS = (
    "gcp:projects/iAMBinding:IAMBinding", "gcp:organizations/iAMBinding:IAMBinding",
    "gcp:serviceaccount/iAMBinding:IAMBinding",
    "gcp:secretmanager/secretIamBinding:SecretIamBinding",
    "gcp:storage/bucketIAMBinding:BucketIAMBinding",
    "gcp:kms/cryptoKeyIAMBinding:CryptoKeyIAMBinding",
    "gcp:kms/keyRingIAMBinding:KeyRingIAMBinding",
    "gcp:cloudrunv2/serviceIamBinding:ServiceIamBinding",
    "gcp:cloudrunv2/jobIamBinding:JobIamBinding",
    "gcp:cloudrunv2/workerPoolIamBinding:WorkerPoolIamBinding")
#: Whole IAM policies (`policyData`, a JSON document with `bindings`).
GCP_IAM_POLICIES = ("gcp:projects/iAMPolicy:IAMPolicy", "gcp:organizations/iAMPolicy:IAMPolicy")
#: The basic (primitive) roles: each grants nearly everything in the project
#: (https://cloud.google.com/iam/docs/roles-overview#basic).
PRIMITIVE_ROLES = ("roles/owner", "roles/editor")
#: Principals that stand for anyone (https://cloud.google.com/iam/docs/principal-identifiers).
PUBLIC_MEMBERS = ("allUsers", "allAuthenticatedUsers")
CLOUD_RUN_INGRESS_ALL = "INGRESS_TRAFFIC_ALL"


def _armor_attached(resource: Any, context: Context) -> Iterator[str]:
    scheme = resource.props.get("loadBalancingScheme", "EXTERNAL")
    if not known(scheme) or not str(scheme).startswith("EXTERNAL"):
        return  # an internal backend service takes no internet traffic
    policy = resource.props.get("securityPolicy")
    if known(policy) and not policy:
        yield (f"securityPolicy is {policy!r}: the {scheme} backend service takes internet "
               "traffic with no Cloud Armor policy in front of it")


def _sql_private_ip(resource: Any, context: Context) -> Iterator[str]:
    ip = prop(resource.props, "settings", "ipConfiguration")
    if not known(ip):
        return
    enabled = (ip if isinstance(ip, Mapping) else {}).get("ipv4Enabled")
    if known(enabled) and enabled is not False:
        yield (f"settings.ipConfiguration.ipv4Enabled is {enabled!r}: the instance may get a "
               "public IPv4 address (set it false)")


def _cloud_run_ingress(resource: Any, context: Context) -> Iterator[str]:
    ingress = resource.props.get("ingress")
    value = CLOUD_RUN_INGRESS_ALL if ingress is None else ingress
    if known(value) and value == CLOUD_RUN_INGRESS_ALL:
        yield (f"ingress is {ingress!r}: the service's own URL takes requests from anywhere, "
               "around the load balancer and Cloud Armor (none set counts as all)")


def _gcs_public_access_prevention(resource: Any, context: Context) -> Iterator[str]:
    value = resource.props.get("publicAccessPrevention")
    if known(value) and value != "enforced":
        yield (f"publicAccessPrevention is {value!r}: an IAM grant to allUsers could make the "
               "bucket public")


def _gcs_uniform_access(resource: Any, context: Context) -> Iterator[str]:
    value = resource.props.get("uniformBucketLevelAccess")
    if known(value) and value is not True:
        yield (f"uniformBucketLevelAccess is {value!r}: object ACLs can grant access that "
               "the bucket's IAM policy does not show")


def _memorystore_auth(resource: Any, context: Context) -> Iterator[str]:
    value = resource.props.get("authEnabled")
    if known(value) and value is not True:
        yield (f"authEnabled is {value!r}: any client on the network can read and write the "
               "cache without a password")


def _gcp_instance_no_public_ip(resource: Any, context: Context) -> Iterator[str]:
    interfaces = resource.props.get("networkInterfaces")
    for i, interface in enumerate(interfaces if isinstance(interfaces, list) else []):
        configs = interface.get("accessConfigs") if isinstance(interface, Mapping) else None
        if known(configs) and configs:
            yield (f"networkInterfaces[{i}].accessConfigs is set: the instance has an "
                   "external IP address")


def _shielded_vm(resource: Any, context: Context) -> Iterator[str]:
    config = resource.props.get("shieldedInstanceConfig")
    if not known(config):
        return
    config = config if isinstance(config, Mapping) else {}
    # Secure Boot is off unless asked; vTPM and integrity monitoring are on unless turned off.
    for key, default in (("enableSecureBoot", False), ("enableVtpm", True),
                         ("enableIntegrityMonitoring", True)):
        value = config.get(key, default)
        if known(value) and value is not True:
            yield (f"shieldedInstanceConfig.{key} is {config.get(key)!r}: the boot chain is "
                   "not verified or not measured")


def _service_account_key(resource: Any, context: Context) -> Iterator[str]:
    yield ("a service account key is a long-lived credential that leaves Google Cloud; use "
           "the attached service account or workload identity federation")


def _iam_grants(resource: Any) -> Iterator[tuple[Any, Any]]:
    """(role, member) of each grant of an IAM member, binding or whole policy resource."""
    props = resource.props
    if resource.resource_type in GCP_IAM_POLICIES:
        document = _document(props.get("policyData"))
        for binding in as_list((document or {}).get("bindings")):
            if isinstance(binding, Mapping):
                for member in as_list(binding.get("members")):
                    yield binding.get("role"), member
    elif resource.resource_type in GCP_IAM_BINDINGS:
        for member in as_list(props.get("members")):
            yield props.get("role"), member
    else:
        yield props.get("role"), props.get("member")


def _primitive_roles(resource: Any, context: Context) -> Iterator[str]:
    for role, member in _iam_grants(resource):
        if known(role) and role in PRIMITIVE_ROLES:
            yield (f"{member} is granted the basic role {role}: it can change nearly "
                   "everything in its scope; grant a predefined role instead")


def _public_members(resource: Any, context: Context) -> Iterator[str]:
    for role, member in _iam_grants(resource):
        if known(member) and member in PUBLIC_MEMBERS:
            yield f"{role} is granted to {member}: anyone may use it"


# -- the rules -----------------------------------------------------------------------------

RULES: tuple[Rule, ...] = (
    Rule(
        id="aws-rds-not-public",
        severity="mandatory",
        category="exposure",
        rationale="A database must only be reachable from inside the VPC.",
        remediation="Leave publicly_accessible unset (False) on the database.",
        checks={"aws:rds/instance:Instance": _rds_not_public,
                "aws:rds/clusterInstance:ClusterInstance": _rds_not_public},
    ),
    Rule(
        id="aws-rds-private-subnets",
        severity="mandatory",
        category="exposure",
        rationale="A database in a public subnet is one setting away from the internet.",
        remediation="Give the Database component subnet_ids from networking's "
                    "database_subnet_ids (or private_subnet_ids), never the public tier.",
        checks={"aws:rds/subnetGroup:SubnetGroup": _subnets_check("subnetIds")},
        scope="stack",
    ),
    Rule(
        id="aws-elasticache-private-subnets",
        severity="mandatory",
        category="exposure",
        rationale="A cache in a public subnet is one setting away from the internet.",
        remediation="Give the Cache component subnet_ids from networking's private_subnet_ids.",
        checks={"aws:elasticache/subnetGroup:SubnetGroup": _subnets_check("subnetIds"),
                "aws:elasticache/serverlessCache:ServerlessCache":
                    _subnets_check("subnetIds")},
        scope="stack",
    ),
    Rule(
        id="aws-msk-private-subnets",
        severity="mandatory",
        category="exposure",
        rationale="Kafka brokers in a public subnet are one setting away from the internet.",
        remediation="Give the Streaming component subnet_ids from networking's "
                    "private_subnet_ids.",
        checks={"aws:msk/cluster:Cluster":
                    _subnets_check("brokerNodeGroupInfo", "clientSubnets"),
                "aws:msk/serverlessCluster:ServerlessCluster": _msk_serverless_subnets},
        scope="stack",
    ),
    Rule(
        id="aws-msk-not-public",
        severity="mandatory",
        category="exposure",
        rationale="Kafka brokers must only be reachable from inside the VPC.",
        remediation="Leave brokerNodeGroupInfo.connectivityInfo.publicAccess unset (DISABLED) "
                    "on the MSK cluster.",
        checks={"aws:msk/cluster:Cluster": _msk_not_public},
    ),
    Rule(
        id="aws-ec2-private-subnet",
        severity="mandatory",
        category="exposure",
        rationale="Instances (Redpanda brokers, PostgreSQL on EC2, EKS nodes) must run in "
                  "private subnets, out of the internet's reach.",
        remediation="Give the Streaming and Database components' subnet_ids and EksCompute's "
                    "private_subnet_ids from networking's private_subnet_ids (or "
                    "database_subnet_ids for the database).",
        checks={EC2_INSTANCE: _instance_subnets,
                "aws:eks/nodeGroup:NodeGroup": _subnets_check("subnetIds")},
        scope="stack",
    ),
    Rule(
        id="aws-ec2-no-world-ingress",
        severity="mandatory",
        category="exposure",
        rationale="Only a load balancer may accept traffic from the whole internet, and only "
                  "HTTP and HTTPS.",
        remediation="Allow ingress from security groups (allowed_security_group_ids) or "
                    "known CIDRs; open 0.0.0.0/0 and ::/0 only on the load balancer's group, "
                    "on 80/443.",
        checks={SECURITY_GROUP: _security_group_inline,
                DEFAULT_SECURITY_GROUP: _security_group_inline,
                SECURITY_GROUP_INGRESS_RULE: _ingress_rule,
                SECURITY_GROUP_RULE: _security_group_rule},
        scope="stack",
    ),
    Rule(
        id="aws-s3-public-access-blocked",
        severity="mandatory",
        category="exposure",
        rationale="A bucket must block public ACLs and public policies, so no object can be "
                  "made public by mistake.",
        remediation="Create buckets with the PrivateBucket component, which adds a "
                    "BucketPublicAccessBlock with all four flags true.",
        checks={**{t: _bucket_has_public_access_block for t in BUCKETS},
                PUBLIC_ACCESS_BLOCK: _public_access_block_flags},
        scope="stack",
    ),
    Rule(
        id="aws-eks-api-not-public",
        severity="mandatory",
        category="exposure",
        rationale="The Kubernetes API must not be reachable from the whole internet.",
        remediation="Set eks.endpoint_public_access false, or list the deployers' addresses "
                    "in eks.public_access_cidrs.",
        checks={"aws:eks/cluster:Cluster": _eks_api_not_public},
    ),
    Rule(
        id="aws-ec2-imdsv2-required",
        severity="mandatory",
        category="exposure",
        rationale="IMDSv1 lets a server-side request forgery read the instance role's "
                  "credentials; IMDSv2 needs a session token.",
        remediation="Set metadata_options http_tokens='required' on every launch template "
                    "and instance (the components' metadata options do).",
        # A launch template's httpTokens defaults to "optional" (pulumi_aws.ec2
        # LaunchTemplateMetadataOptionsArgs); an instance's has no fixed default: "required"
        # only when the AMI's ImdsSupport is v2.0 and the account default does not override it
        # (EC2 API InstanceMetadataOptionsRequest.HttpTokens).
        checks={LAUNCH_TEMPLATE: _imds_required("optional"),
                EC2_INSTANCE: _imds_required(None)},
    ),
    Rule(
        id="aws-ecs-no-public-ip",
        severity="mandatory",
        category="exposure",
        rationale="Tasks run in private subnets behind the load balancer; a public IP makes "
                  "each task reachable on its own.",
        remediation="Leave assign_public_ip false on the ECS services (EcsCompute does).",
        checks={"aws:ecs/service:Service": _ecs_no_public_ip},
    ),
    Rule(
        id="aws-ec2-no-public-ip",
        severity="mandatory",
        category="exposure",
        rationale="Instances and nodes are reached through a load balancer or Session "
                  "Manager, never on a public IP of their own.",
        remediation="Leave associate_public_ip_address unset on instances and launch "
                    "templates' network interfaces.",
        checks={EC2_INSTANCE: _instance_no_public_ip,
                LAUNCH_TEMPLATE: _launch_template_no_public_ip},
    ),
    Rule(
        id="aws-iam-no-admin-statement",
        severity="mandatory",
        category="exposure",
        rationale='A statement allowing "*" on "*" makes its holder an administrator of the '
                  "account.",
        remediation="Name the actions and resources each role needs in its policy statements; "
                    "never attach AdministratorAccess.",
        checks={"aws:iam/rolePolicy:RolePolicy": _policy_admin,
                "aws:iam/policy:Policy": _policy_admin,
                "aws:iam/userPolicy:UserPolicy": _policy_admin,
                "aws:iam/groupPolicy:GroupPolicy": _policy_admin,
                IAM_ROLE: _role_admin,
                "aws:iam/rolePolicyAttachment:RolePolicyAttachment": _attachment_admin,
                "aws:iam/userPolicyAttachment:UserPolicyAttachment": _attachment_admin,
                "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": _attachment_admin,
                "aws:iam/policyAttachment:PolicyAttachment": _attachment_admin},
    ),
    Rule(
        id="aws-iam-role-trust-conditions",
        severity="mandatory",
        category="exposure",
        rationale="A role an AWS service assumes must be tied to this account (confused "
                  "deputy), and an IRSA role to one service account and STS audience.",
        remediation="Build trust policies with forge_components.aws.iam.service_trust_policy "
                    "(aws:SourceAccount/aws:SourceArn) and irsa_trust_policy (:sub and :aud).",
        checks={IAM_ROLE: _trust_conditions},
    ),
    Rule(
        id="aws-cloudfront-waf-attached",
        severity="mandatory",
        category="exposure",
        rationale="In prod a web ACL (rate limit, AWS managed rules) filters requests before "
                  "they reach the app.",
        remediation="Set waf.enabled true: the web ACL goes on the CDN (cdn.enabled), else on "
                    "the ALB (ECS) or the Ingress's alb.ingress.kubernetes.io/wafv2-acl-arn "
                    "(EKS).",
        checks={DISTRIBUTION: _distribution_web_acl,
                **{t: _load_balancer_web_acl for t in APPLICATION_LOAD_BALANCERS},
                INGRESS: _ingress_web_acl},
        scope="stack",
        environments=("prod",),
    ),
)

#: The GCP rules of this category (`forge_infra.policy.registry` gathers them with `RULES`).
GCP_RULES: tuple[Rule, ...] = (
    Rule(
        id="gcp-cloud-armor-attached",
        severity="mandatory",
        category="exposure",
        rationale="Cloud Armor filters attacks and rate-limits clients before a request "
                  "reaches the services behind the external load balancer.",
        remediation="Turn on cloud_armor for the GCP Cdn component (every backend service then "
                    "names its security policy).",
        checks={GCP_BACKEND_SERVICE: _armor_attached},
        environments=("prod",),
    ),
    Rule(
        id="gcp-sql-private-ip-only",
        severity="mandatory",
        category="exposure",
        rationale="A Cloud SQL instance reachable on a public address is exposed to password "
                  "guessing and the database's vulnerabilities from the internet.",
        remediation="Keep ipv4_enabled False in the instance's ip_configuration (the GCP "
                    "Database component always does; clients use its private IP).",
        checks={GCP_SQL_INSTANCE: _sql_private_ip},
    ),
    Rule(
        id="gcp-cloudrun-ingress-restricted",
        severity="mandatory",
        category="exposure",
        rationale="A Cloud Run service open to all ingress can be called on its run.app URL, "
                  "around the load balancer, its TLS policy and Cloud Armor.",
        remediation="Set ingress to INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER (public services) or "
                    "INGRESS_TRAFFIC_INTERNAL_ONLY (the GCP Compute component does).",
        checks={GCP_CLOUD_RUN_SERVICE: _cloud_run_ingress},
    ),
    Rule(
        id="gcp-gcs-public-access-prevention",
        severity="mandatory",
        category="exposure",
        rationale="Enforced public access prevention refuses any grant that would make the "
                  "bucket or its objects public.",
        remediation="Set public_access_prevention to enforced on the bucket (the GCP Storage "
                    "component always does).",
        checks={GCP_BUCKET: _gcs_public_access_prevention},
    ),
    Rule(
        id="gcp-gcs-uniform-access",
        severity="mandatory",
        category="exposure",
        rationale="Uniform bucket-level access turns object ACLs off, so the bucket's IAM "
                  "policy is the whole of who can read it.",
        remediation="Set uniform_bucket_level_access True on the bucket (the GCP Storage "
                    "component always does).",
        checks={GCP_BUCKET: _gcs_uniform_access},
    ),
    Rule(
        id="gcp-memorystore-auth",
        severity="mandatory",
        category="exposure",
        rationale="AUTH makes every client of the cache present the instance's password, not "
                  "only reach its address.",
        remediation="Keep auth_enabled True on the Memorystore instance (the GCP Cache "
                    "component always does and shares the string through Secret Manager).",
        checks={GCP_REDIS: _memorystore_auth},
    ),
    Rule(
        id="gcp-compute-no-public-ip",
        severity="mandatory",
        category="exposure",
        rationale="A VM with an external address is reachable from the internet on every port "
                  "a firewall rule opens, and bypasses Cloud NAT's egress path.",
        remediation="Declare the instance's network interface without access_configs (the "
                    "GCP Streaming component's Redpanda brokers have none).",
        checks={GCP_INSTANCE: _gcp_instance_no_public_ip},
    ),
    Rule(
        id="gcp-compute-shielded-vm",
        severity="mandatory",
        category="exposure",
        rationale="Shielded VM's Secure Boot, vTPM and integrity monitoring refuse or reveal a "
                  "tampered boot chain (rootkits, bootkits).",
        remediation="Set shielded_instance_config with enable_secure_boot, enable_vtpm and "
                    "enable_integrity_monitoring True (the Redpanda brokers do).",
        checks={GCP_INSTANCE: _shielded_vm},
    ),
    Rule(
        id="gcp-iam-no-service-account-keys",
        severity="mandatory",
        category="exposure",
        rationale="A service account key is a long-lived secret that works from anywhere "
                  "until someone deletes it.",
        remediation="Remove the gcp.serviceaccount.Key; run as the attached service account, "
                    "or use workload identity federation from outside Google Cloud.",
        checks={GCP_SERVICE_ACCOUNT_KEY: _service_account_key},
    ),
    Rule(
        id="gcp-iam-no-primitive-roles",
        severity="mandatory",
        category="exposure",
        rationale="The basic roles owner and editor grant nearly every permission in their "
                  "scope, far beyond what any service of the platform needs.",
        remediation="Grant the predefined role the member needs (the GCP components grant "
                    "e.g. roles/secretmanager.secretAccessor on one secret).",
        checks={**dict.fromkeys(GCP_IAM_MEMBERS, _primitive_roles),
                **dict.fromkeys(GCP_IAM_BINDINGS, _primitive_roles),
                **dict.fromkeys(GCP_IAM_POLICIES, _primitive_roles)},
    ),
    Rule(
        id="gcp-iam-no-public-members",
        severity="mandatory",
        category="exposure",
        rationale="A grant to allUsers or allAuthenticatedUsers lets anyone on the internet "
                  "(or with any Google account) use the resource.",
        remediation="Grant the role to the service accounts that need it; public traffic "
                    "reaches Cloud Run through the load balancer, not an IAM grant.",
        checks={**dict.fromkeys(GCP_IAM_MEMBERS, _public_members),
                **dict.fromkeys(GCP_IAM_BINDINGS, _public_members),
                **dict.fromkeys(GCP_IAM_POLICIES, _public_members)},
    ),
)


# -- Azure -------------------------------------------------------------------------------------
# pulumi-azure-native 3.x, camelCase inputs; defaults quoted from the SDK's docstrings: a storage
# account's `allowBlobPublicAccess` "default interpretation is false" and `allowSharedKeyAccess`
# "default value is null, which is equivalent to true" (`storage/storage_account.py`); an Event
# Hubs namespace's `publicNetworkAccess` "By default it is enabled" (`eventhub/namespace.py`);
# a Container App's `configuration.ingress.external` "Bool indicating if app exposes an
# external http endpoint" (default false) and `allowInsecure` "Bool indicating if HTTP
# connections to is allowed. If set to false HTTP connections are automatically redirected to
# HTTPS connections" (`app/_inputs.py`).

AZURE_POSTGRES = "azure-native:dbforpostgresql:Server"
AZURE_REDIS = "azure-native:redisenterprise:RedisEnterprise"
AZURE_STORAGE_ACCOUNT = "azure-native:storage:StorageAccount"
AZURE_EVENTHUB_NAMESPACE = "azure-native:eventhub:Namespace"
AZURE_KEY_VAULT = "azure-native:keyvault:Vault"
AZURE_CONTAINER_APP = "azure-native:app:ContainerApp"
AZURE_FRONT_DOOR_PROFILE = "azure-native:cdn:Profile"
AZURE_SECURITY_POLICY = "azure-native:cdn:SecurityPolicy"
#: The Front Door WAF policy (`azure_native.frontdoor.Policy`; `network:Policy` is its alias).
AZURE_WAF_POLICIES = ("azure-native:frontdoor:Policy", "azure-native:network:Policy")

#: The services whose Container Apps never take traffic from the internet: the data services'
#: clients (`forge_components.contracts.DATA_SERVICE_CLIENTS`), reached through the gateway.
AZURE_INTERNAL_SERVICES = ("api", "worker")
#: The tag forge-infra's components put on a service's resources
#: (`forge_components.common.standard_tags` plus `service`).
SERVICE_TAG = "service"


def _azure_disabled(key: str, what: str, default_enabled: bool) -> Check:
    def check(resource: Any, context: Context) -> Iterator[str]:
        value = prop(resource.props, *key.split("."))
        if not known(value) or value == "Disabled":
            return
        if value is None and not default_enabled:
            return
        shown = f"{value!r}" if value is not None else "not set (Enabled)"
        yield f"{key} is {shown}: {what} is reachable from the internet"
    return check


def _azure_postgres_private(resource: Any, context: Context) -> Iterator[str]:
    value = prop(resource.props, "network", "publicNetworkAccess")
    subnet = prop(resource.props, "network", "delegatedSubnetResourceId")
    if not known(value) or value == "Disabled":
        return
    if value is None and subnet:
        return  # VNet integration: the server has no public endpoint at all
    yield (f"network.publicNetworkAccess is {value!r}: the server accepts connections from "
           "the internet (firewall rules permitting)")


def _azure_storage_blob_public(resource: Any, context: Context) -> Iterator[str]:
    value = resource.props.get("allowBlobPublicAccess")
    if known(value) and value is True:
        yield "allowBlobPublicAccess is True: a container can be made readable by anyone"


def _azure_storage_shared_key(resource: Any, context: Context) -> Iterator[str]:
    value = resource.props.get("allowSharedKeyAccess")
    if known(value) and value is not False:
        yield (f"allowSharedKeyAccess is {value!r}: the account keys (and SAS signed with "
               "them) open every blob, bypassing Entra ID and RBAC (none set means true)")


def _azure_key_vault_rbac(resource: Any, context: Context) -> Iterator[str]:
    props = resource.props.get("properties")
    if not isinstance(props, Mapping):
        return
    rbac = props.get("enableRbacAuthorization")
    if known(rbac) and rbac is not True:
        yield (f"properties.enableRbacAuthorization is {rbac!r}: access policies grant a "
               "principal every secret of the vault, where RBAC grants one secret")
    public = props.get("publicNetworkAccess")
    if known(public) and public != "Disabled":
        yield (f"properties.publicNetworkAccess is {public!r}: the vault is reachable from the "
               "internet (none set means Enabled)")


def _azure_service(resource: Any) -> str | None:
    tags = resource.props.get("tags")
    service = tags.get(SERVICE_TAG) if isinstance(tags, Mapping) else None
    return service if isinstance(service, str) else None


def _azure_internal_ingress(resource: Any, context: Context) -> Iterator[str]:
    service = _azure_service(resource)
    if service not in AZURE_INTERNAL_SERVICES:
        return
    external = prop(resource.props, "configuration", "ingress", "external")
    if known(external) and external is True:
        yield (f"configuration.ingress.external is True on the {service}: it takes traffic "
               "from the internet, not only through the gateway")


def _azure_insecure_ingress(resource: Any, context: Context) -> Iterator[str]:
    value = prop(resource.props, "configuration", "ingress", "allowInsecure")
    if known(value) and value is True:
        yield ("configuration.ingress.allowInsecure is True: plain HTTP is served instead of "
               "redirected to HTTPS")


def _azure_waf_policies(profile: Any, context: Context) -> list[tuple[Any, Any]]:
    """(security policy, the WAF policy it names) for every WAF security policy of
    `profile`, each followed by dependency or by the known id/name it names."""
    assert context.stack is not None
    name = profile.props.get("profileName")
    pairs: list[tuple[Any, Any]] = []
    for security in context.stack.of_type(AZURE_SECURITY_POLICY):
        if not (profile in context.stack.dependencies(security)
                or (known(name) and name and security.props.get("profileName") == name)):
            continue
        parameters = security.props.get("parameters") or {}
        if parameters.get("type") != "WebApplicationFirewall":
            continue
        waf_id = prop(parameters, "wafPolicy", "id")
        wafs = [w for w in context.stack.of_type(*AZURE_WAF_POLICIES)
                if w in context.stack.dependencies(security)
                or (known(waf_id) and isinstance(waf_id, str)
                    and isinstance(w.props.get("policyName"), str)
                    and waf_id.endswith(f"/{w.props['policyName']}"))]
        pairs.extend((security, w) for w in wafs or [None])
    return pairs


def _azure_front_door_waf(resource: Any, context: Context) -> Iterator[str]:
    sku = prop(resource.props, "sku", "name")
    if not known(sku):
        return
    if sku != "Premium_AzureFrontDoor":
        yield (f"sku.name is {sku!r}: only Front Door Premium runs the managed WAF rule sets "
               "(OWASP, bot protection)")
        return
    pairs = _azure_waf_policies(resource, context)
    if not pairs:
        yield "no WAF security policy is attached to the profile: requests reach the origins " \
              "unfiltered"
        return
    for _, waf in pairs:
        if waf is None:
            continue
        mode = prop(waf.props, "policySettings", "mode")
        state = prop(waf.props, "policySettings", "enabledState")
        if known(state) and state not in (None, "Enabled"):
            yield f"the WAF policy's policySettings.enabledState is {state!r}: it inspects nothing"
        if known(mode) and mode != "Prevention":
            yield (f"the WAF policy's policySettings.mode is {mode!r}: it logs attacks instead "
                   "of blocking them (Prevention blocks; none set means Detection)")


AZURE_RULES: tuple[Rule, ...] = (
    Rule(
        id="azure-postgres-no-public-access",
        severity="mandatory",
        category="exposure",
        rationale="The database is reachable only from the VNet, never from the internet.",
        remediation="Give the server a delegated subnet with publicNetworkAccess Disabled (the "
                    "Database component always does).",
        checks={AZURE_POSTGRES: _azure_postgres_private},
    ),
    Rule(
        id="azure-redis-no-public-access",
        severity="mandatory",
        category="exposure",
        rationale="The cache is reachable only through its private endpoint.",
        remediation="Set publicNetworkAccess: Disabled on the Managed Redis cluster (the Cache "
                    "component always does).",
        checks={AZURE_REDIS: _azure_disabled("publicNetworkAccess", "the cache", False)},
    ),
    Rule(
        id="azure-eventhub-no-public-access",
        severity="mandatory",
        category="exposure",
        rationale="The Kafka endpoint of Event Hubs is reachable only through its private "
                  "endpoint.",
        remediation="Set publicNetworkAccess: Disabled on the namespace (with a private "
                    "endpoint in the private-endpoints subnet).",
        checks={AZURE_EVENTHUB_NAMESPACE: _azure_disabled("publicNetworkAccess",
                                                          "the namespace", True)},
    ),
    Rule(
        id="azure-storage-no-public-blob-access",
        severity="mandatory",
        category="exposure",
        rationale="No container of the account can be opened to anonymous readers.",
        remediation="Set allowBlobPublicAccess: false on the storage account (the Storage "
                    "component always does).",
        checks={AZURE_STORAGE_ACCOUNT: _azure_storage_blob_public},
    ),
    Rule(
        id="azure-storage-shared-key-disabled",
        severity="mandatory",
        category="exposure",
        rationale="Without Shared Key every request is authorized by Entra ID and RBAC, per "
                  "container, never by an account-wide key.",
        remediation="Set allowSharedKeyAccess: false on the storage account (the Storage "
                    "component always does).",
        checks={AZURE_STORAGE_ACCOUNT: _azure_storage_shared_key},
    ),
    Rule(
        id="azure-keyvault-rbac-private",
        severity="mandatory",
        category="exposure",
        rationale="RBAC grants each reader one secret, and a vault without a public endpoint is "
                  "reached through its private endpoint only.",
        remediation="Set properties.enableRbacAuthorization: true and publicNetworkAccess: "
                    "Disabled on the vault (the components' vaults always do).",
        checks={AZURE_KEY_VAULT: _azure_key_vault_rbac},
    ),
    Rule(
        id="azure-containerapp-internal-ingress",
        severity="mandatory",
        category="exposure",
        rationale="The api and the worker hold the data services' credentials; only the "
                  "gateway (and the ui) take traffic from the internet.",
        remediation="Keep the api's and the worker's ingress internal (external: false) and "
                    "route public traffic through the gateway.",
        checks={AZURE_CONTAINER_APP: _azure_internal_ingress},
    ),
    Rule(
        id="azure-containerapp-no-insecure-ingress",
        severity="mandatory",
        category="exposure",
        rationale="Plain HTTP to a Container App is redirected to HTTPS, never served.",
        remediation="Leave configuration.ingress.allowInsecure unset or false (the Compute "
                    "component always does).",
        checks={AZURE_CONTAINER_APP: _azure_insecure_ingress},
    ),
    Rule(
        id="azure-frontdoor-waf",
        severity="mandatory",
        category="exposure",
        rationale="Front Door Premium's WAF in Prevention mode blocks attacks (OWASP rules, "
                  "bots) at the edge before they reach the services.",
        remediation="Set forge-infra:cdn.tier: Premium (the Cdn component then attaches the "
                    "managed WAF rule sets in Prevention mode).",
        checks={AZURE_FRONT_DOOR_PROFILE: _azure_front_door_waf},
        scope="stack",
        environments=("prod",),
    ),
)

RULES = (*RULES, *AZURE_RULES)
