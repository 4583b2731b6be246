"""IAM helpers shared by the AWS components: the one trust-policy builder, and small lookups.

Every role an AWS service assumes gets its trust policy from `service_trust_policy`. Where the
service's documentation says it sends the confused-deputy condition keys, the policy requires
`aws:SourceAccount` (and `aws:SourceArn` when the caller knows it); where it does not, adding
the condition would stop the service from assuming the role at all, so the builder refuses it.
The two tables below decide which is which, with the page that says so.
"""

import json
from typing import Any

import pulumi
import pulumi_aws as aws

#: Service principals documented to send `aws:SourceAccount` / `aws:SourceArn` when they
#: assume a role (read 2026-12), with the page that shows the condition in the trust policy.
SOURCE_ACCOUNT_SERVICES: dict[str, str] = {
    "ecs-tasks.amazonaws.com":
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html",
    "monitoring.rds.amazonaws.com":
        "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Monitoring.OS.Enabling.html"
        "#USER_Monitoring.OS.confused-deputy",
    "vpc-flow-logs.amazonaws.com":
        "https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html",
    # "Amazon EKS accepts the aws:SourceArn and aws:SourceAccount conditions in the trust
    # policy of an EKS cluster role" (EKS user guide, added 2025-08-19).
    "eks.amazonaws.com":
        "https://docs.aws.amazon.com/eks/latest/userguide/cross-service-confused-deputy-prevention.html",
    # "you can include the aws:SourceAccount and aws:SourceArn global condition context keys
    # in your role trust policy" (the execution role).
    "lambda.amazonaws.com":
        "https://docs.aws.amazon.com/lambda/latest/dg/permissions-managed-policies.html",
}

#: Service principals whose role documentation shows a trust policy without those keys: EC2
#: instance profiles, the Data Lifecycle Manager default role and ECS's infrastructure role.
NO_SOURCE_CONDITION_SERVICES: dict[str, str] = {
    "ec2.amazonaws.com":
        "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/iam-roles-for-amazon-ec2.html",
    "dlm.amazonaws.com":
        "https://docs.aws.amazon.com/ebs/latest/userguide/service-role.html",
    # AWS Backup's default service role trusts backup.amazonaws.com with no condition.
    "backup.amazonaws.com":
        "https://docs.aws.amazon.com/aws-backup/latest/devguide/iam-service-roles.html",
    # The ECS infrastructure role for load balancers (blue/green, linear, canary): its trust
    # policy has no condition (read 2026-12-02).
    "ecs.amazonaws.com":
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/AmazonECSInfrastructureRolePolicyForLoadBalancers.html",
}


def service_trust_policy(service: str, *, account_id: pulumi.Input[str] | None = None,
                         source_arn: pulumi.Input[str] | None = None) -> pulumi.Output[str]:
    """The trust policy (JSON) letting one AWS service principal assume a role.

    For a service in `SOURCE_ACCOUNT_SERVICES`, `account_id` is required and becomes a
    `StringEquals aws:SourceAccount` condition; `source_arn` (optional, may hold wildcards)
    adds `ArnLike aws:SourceArn`. For a service in `NO_SOURCE_CONDITION_SERVICES` both must be
    None. Any other service raises ValueError until it is added to one of the two tables.
    """
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": {"Service": service},
                                 "Action": "sts:AssumeRole"}
    if service in SOURCE_ACCOUNT_SERVICES:
        if account_id is None:
            raise ValueError(
                f"service_trust_policy: {service} supports aws:SourceAccount; pass account_id")
        condition: dict[str, Any] = {"StringEquals": {"aws:SourceAccount": account_id}}
        if source_arn is not None:
            condition["ArnLike"] = {"aws:SourceArn": source_arn}
        statement["Condition"] = condition
    elif service in NO_SOURCE_CONDITION_SERVICES:
        if account_id is not None or source_arn is not None:
            raise ValueError(
                f"service_trust_policy: {service} does not document aws:SourceAccount or "
                "aws:SourceArn in its trust policy; pass neither account_id nor source_arn")
    else:
        known = sorted(SOURCE_ACCOUNT_SERVICES) + sorted(NO_SOURCE_CONDITION_SERVICES)
        raise ValueError(f"service_trust_policy: unknown service principal {service!r}; "
                         f"known: {', '.join(known)}")
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": [statement]})


def irsa_trust_policy(provider_arn: str, issuer_url: str, namespace: str,
                      service_account: str) -> str:
    """The trust policy (JSON) of an IRSA role: one Kubernetes service account, STS audience.

    `issuer_url` is the cluster's OIDC issuer (with or without `https://`).
    """
    issuer = issuer_url.removeprefix("https://")
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"Federated": provider_arn},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {
            f"{issuer}:sub": f"system:serviceaccount:{namespace}:{service_account}",
            f"{issuer}:aud": "sts.amazonaws.com",
        }},
    }]})


def account_id(parent: pulumi.Resource) -> pulumi.Output[str]:
    """The account id of the provider `parent` resolves to (sts:GetCallerIdentity)."""
    return aws.get_caller_identity_output(
        opts=pulumi.InvokeOutputOptions(parent=parent)).account_id


def partition(parent: pulumi.Resource) -> pulumi.Output[str]:
    """The partition (`aws`, `aws-cn`, `aws-us-gov`) of the provider `parent` resolves to."""
    return aws.get_partition_output(opts=pulumi.InvokeOutputOptions(parent=parent)).partition


def managed_policy_arn(partition_name: pulumi.Input[str], policy: str) -> pulumi.Output[str]:
    """The ARN of an AWS-managed policy, e.g. `service-role/AmazonRDSEnhancedMonitoringRole`."""
    return pulumi.Output.concat("arn:", partition_name, ":iam::aws:policy/", policy)
