"""Security-group rules shared by the AWS components.

The data services (database, cache, brokers) admit traffic only from named security groups,
never from a CIDR; this is the one place that rule is written.
"""

from collections.abc import Callable, Sequence

import pulumi
import pulumi_aws as aws

from forge_components.common import child_opts


def ingress_from_groups(parent: pulumi.Resource, child_prefix: str, *,
                        security_group_id: pulumi.Input[str],
                        sources: Sequence[pulumi.Input[str]], port: int, description: str,
                        tags: Callable[[str], dict[str, str]]
                        ) -> list[aws.vpc.SecurityGroupIngressRule]:
    """One TCP ingress rule on `port` per source security group, named `<prefix>-<n>`.

    `tags` gives the tags of a child from its name (the component's tagging rule).
    """
    rules = []
    for i, source in enumerate(sources):
        child = f"{child_prefix}-{i + 1}"
        rules.append(aws.vpc.SecurityGroupIngressRule(
            child,
            security_group_id=security_group_id,
            referenced_security_group_id=source,
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            description=description,
            tags=tags(child),
            opts=child_opts(parent)))
    return rules


def between_members(parent: pulumi.Resource, *, ingress_name: str, egress_name: str,
                    security_group_id: pulumi.Input[str], port: int, description: str,
                    tags: Callable[[str], dict[str, str]]
                    ) -> tuple[aws.vpc.SecurityGroupIngressRule, aws.vpc.SecurityGroupEgressRule]:
    """TCP `port` open between the members of one security group, in both directions
    (replication, cluster RPC): the group references itself, no CIDR."""
    ingress = aws.vpc.SecurityGroupIngressRule(
        ingress_name, security_group_id=security_group_id,
        referenced_security_group_id=security_group_id, ip_protocol="tcp", from_port=port,
        to_port=port, description=description, tags=tags(ingress_name),
        opts=child_opts(parent))
    egress = aws.vpc.SecurityGroupEgressRule(
        egress_name, security_group_id=security_group_id,
        referenced_security_group_id=security_group_id, ip_protocol="tcp", from_port=port,
        to_port=port, description=description, tags=tags(egress_name),
        opts=child_opts(parent))
    return ingress, egress
