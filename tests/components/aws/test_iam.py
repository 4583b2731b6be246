"""The one trust-policy builder and the IAM lookups, under the offline mocks.

What these tests do not prove: that AWS sends `aws:SourceAccount` for a service (that is what
the documentation tables in iam.py record), only the exact documents the helpers produce.
"""

import json

import pulumi
import pytest

from forge_components.aws.iam import (
    NO_SOURCE_CONDITION_SERVICES,
    SOURCE_ACCOUNT_SERVICES,
    account_id,
    irsa_trust_policy,
    managed_policy_arn,
    partition,
    service_trust_policy,
)
from tests.helpers import run_mocked

ACCOUNT = "123456789012"  # the mocks' account


def _exported(**outputs: object) -> dict[str, object]:
    def program() -> None:
        for key, value in outputs.items():
            pulumi.export(key, value)
    return run_mocked(program).exports


def test_source_account_services_get_the_condition() -> None:
    exports = _exported(policy=service_trust_policy("vpc-flow-logs.amazonaws.com",
                                                    account_id=ACCOUNT))
    assert json.loads(str(exports["policy"])) == {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}]}


def test_source_arn_is_added_as_arn_like() -> None:
    source = "arn:aws:ecs:us-east-1:123456789012:*"
    exports = _exported(policy=service_trust_policy(
        "ecs-tasks.amazonaws.com", account_id=pulumi.Output.from_input(ACCOUNT),
        source_arn=source))
    assert json.loads(str(exports["policy"]))["Statement"] == [{
        "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT},
                      "ArnLike": {"aws:SourceArn": source}}}]


def test_services_without_the_condition_get_a_plain_statement() -> None:
    exports = _exported(policy=service_trust_policy("ec2.amazonaws.com"))
    assert json.loads(str(exports["policy"])) == {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
        "Action": "sts:AssumeRole"}]}


def test_the_tables_are_disjoint_and_sourced() -> None:
    assert set(SOURCE_ACCOUNT_SERVICES) == {
        "ecs-tasks.amazonaws.com", "monitoring.rds.amazonaws.com", "vpc-flow-logs.amazonaws.com",
        "eks.amazonaws.com", "lambda.amazonaws.com"}
    assert set(NO_SOURCE_CONDITION_SERVICES) == {
        "ec2.amazonaws.com", "dlm.amazonaws.com", "ecs.amazonaws.com", "backup.amazonaws.com"}
    for url in [*SOURCE_ACCOUNT_SERVICES.values(), *NO_SOURCE_CONDITION_SERVICES.values()]:
        assert url.startswith("https://docs.aws.amazon.com/"), url


def test_missing_account_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^service_trust_policy: monitoring\.rds\.amazonaws\.com "
                                         r"supports aws:SourceAccount; pass account_id$"):
        service_trust_policy("monitoring.rds.amazonaws.com")


def test_condition_on_an_undocumented_service_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^service_trust_policy: ec2\.amazonaws\.com does not "
                                         r"document aws:SourceAccount"):
        service_trust_policy("ec2.amazonaws.com", account_id=ACCOUNT)
    with pytest.raises(ValueError, match="pass neither account_id nor source_arn"):
        service_trust_policy("dlm.amazonaws.com", source_arn="arn:aws:dlm:*")


def test_unknown_service_is_refused() -> None:
    with pytest.raises(ValueError, match=r"unknown service principal 'states\.amazonaws\.com'; "
                                         r"known: ecs-tasks"):
        service_trust_policy("states.amazonaws.com")


def test_irsa_trust_policy_pins_one_service_account() -> None:
    document = json.loads(irsa_trust_policy(
        "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC",
        "https://oidc.eks.us-east-1.amazonaws.com/id/ABC", "platform", "api"))
    issuer = "oidc.eks.us-east-1.amazonaws.com/id/ABC"
    assert document == {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"Federated": f"arn:aws:iam::123456789012:oidc-provider/{issuer}"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {
            f"{issuer}:sub": "system:serviceaccount:platform:api",
            f"{issuer}:aud": "sts.amazonaws.com"}}}]}


def test_lookups_resolve_through_the_provider() -> None:
    class Holder(pulumi.ComponentResource):
        def __init__(self) -> None:
            super().__init__("forge-aws:index:Holder", "holder")

    def program() -> None:
        holder = Holder()
        pulumi.export("account", account_id(holder))
        pulumi.export("arn", managed_policy_arn(partition(holder),
                                                "AmazonSSMManagedInstanceCore"))

    exports = run_mocked(program).exports
    assert exports == {"account": ACCOUNT,
                       "arn": "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"}
