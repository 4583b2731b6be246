"""The recording monitor: what it keeps, and that a failed run leaves nothing behind."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pulumi_random as random
import pytest

from forge_infra.plan.mocks import ProviderMocks, UnknownFunctionError
from forge_infra.plan.recorder import SECRET_MASK, run_under_mocks


def _run(program):
    return run_under_mocks(program, project="p", stack="t", mocks=ProviderMocks())


def test_dependencies_explicit_and_implied_are_recorded() -> None:
    def program() -> None:
        vpc = aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16")
        log = aws.cloudwatch.LogGroup("log")
        aws.ec2.Subnet("subnet", vpc_id=vpc.id, cidr_block="10.0.1.0/24",
                       opts=pulumi.ResourceOptions(depends_on=[log], protect=True))

    recording = _run(program)
    subnet = recording.one("aws:ec2/subnet:Subnet")
    vpc = recording.one("aws:ec2/vpc:Vpc")
    log = recording.one("aws:cloudwatch/logGroup:LogGroup")
    assert subnet.dependencies == sorted([vpc.urn, log.urn])
    assert subnet.property_dependencies == {"vpcId": [vpc.urn]}
    assert subnet.protect is True and vpc.protect is False
    assert subnet.inputs["vpcId"] == vpc.resource_id


def test_secret_inputs_and_secret_outputs_are_masked_and_stay_secret() -> None:
    def program() -> None:
        password = random.RandomPassword("pw", length=24)
        secret = aws.secretsmanager.Secret("secret")
        aws.secretsmanager.SecretVersion("version", secret_id=secret.id,
                                         secret_string=password.result)
        pulumi.export("password", password.result)

    recording = _run(program)
    version = recording.one("aws:secretsmanager/secretVersion:SecretVersion")
    assert version.inputs["secretString"] == SECRET_MASK
    assert recording.one("random:index/randomPassword:RandomPassword").outputs["result"] == (
        SECRET_MASK)
    assert recording.exports == {"password": SECRET_MASK}


def test_engine_warnings_are_kept() -> None:
    recording = _run(lambda: aws.s3.BucketV2("legacy"))
    assert recording.warnings == [
        "warning: BucketV2 is deprecated: s3.BucketV2 has been deprecated in favor of s3.Bucket"]


def test_unknown_function_raises_with_its_token() -> None:
    def program() -> None:
        aws.ec2.get_vpc_output(default=True).id.apply(lambda _: None)

    with pytest.raises(UnknownFunctionError, match="aws:ec2/getVpc:getVpc"):
        _run(program)


def test_a_failed_run_leaves_nothing_for_the_next_one() -> None:
    def failing() -> None:
        vpc = aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16")
        vpc.id.apply(lambda _: 1 / 0)
        for i in range(20):
            aws.ec2.Subnet(f"s{i}", vpc_id=vpc.id, cidr_block=f"10.0.{i}.0/24")

    with pytest.raises(ZeroDivisionError):
        _run(failing)
    recording = _run(lambda: aws.ec2.Vpc("again", cidr_block="10.1.0.0/16"))
    assert [r.name for r in recording.resources] == ["again"]


def test_every_resource_option_is_recorded() -> None:
    from forge_infra.plan.engine import plan_from_recording

    def program() -> None:
        key = aws.kms.Key("key")
        aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16", opts=pulumi.ResourceOptions(
            protect=True, retain_on_delete=True, ignore_changes=["tags"],
            delete_before_replace=True, replace_on_changes=["cidrBlock"],
            aliases=[pulumi.Alias(name="old-vpc")], additional_secret_outputs=["arn"],
            custom_timeouts=pulumi.CustomTimeouts(create="1h30m", delete="45s"),
            deleted_with=key))

    recording = _run(program)
    vpc = recording.one("aws:ec2/vpc:Vpc")
    key = recording.one("aws:kms/key:Key")
    assert (vpc.protect, vpc.retain_on_delete, vpc.ignore_changes, vpc.delete_before_replace,
            vpc.replace_on_changes, vpc.additional_secret_outputs, vpc.custom_timeouts,
            vpc.deleted_with) == (
        True, True, ["tags"], True, ["cidrBlock"], ["arn"], {"create": "1h30m", "delete": "45s"},
        key.urn), vpc.urn
    assert vpc.aliases == ["urn:pulumi:t::p::aws:ec2/vpc:Vpc::old-vpc"], vpc.urn
    assert (key.delete_before_replace, key.aliases, key.custom_timeouts) == (None, [], {})

    class Config:
        cloud = "aws"
        platform = None

    plan = plan_from_recording(recording, Config())  # type: ignore[arg-type]
    opts = plan.by_urn()[vpc.urn].opts
    assert (opts.custom_timeouts.create_seconds, opts.custom_timeouts.update_seconds,
            opts.custom_timeouts.delete_seconds) == (5400, 0, 45), vpc.urn
    assert (opts.retain_on_delete, opts.deleted_with, opts.aliases) == (
        True, key.urn, ["urn:pulumi:t::p::aws:ec2/vpc:Vpc::old-vpc"]), vpc.urn


def test_an_alias_to_another_parent_resolves_to_its_urn() -> None:
    class Box(pulumi.ComponentResource):
        def __init__(self, name: str) -> None:
            super().__init__("test:index:Box", name)
            aws.ec2.Vpc(f"{name}-vpc", opts=pulumi.ResourceOptions(
                parent=self, aliases=[pulumi.Alias(parent=pulumi.ROOT_STACK_RESOURCE)]))
            self.register_outputs({})

    recording = _run(lambda: Box("box"))
    vpc = recording.one("aws:ec2/vpc:Vpc")
    assert vpc.urn == "urn:pulumi:t::p::test:index:Box$aws:ec2/vpc:Vpc::box-vpc"
    assert vpc.aliases == ["urn:pulumi:t::p::aws:ec2/vpc:Vpc::box-vpc"], vpc.urn
