"""Plan warnings for placeholder values, and the refusal of `network.nat_gateways: none`.

The shipped stack files hold example values (hosted zone ids of Z and zeros, RFC 2606
`example.com` names and e-mails) that a real deployment must replace: the plan names each key
and what to put there. A NAT-less VPC is refused by config, since the services in the private
subnets would have no route to ECR, CloudWatch Logs or Secrets Manager.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from forge_infra.clouds.aws.settings import (
    AWS_RULES,
    PLACEHOLDER_ZONE_ID,
    is_documentation_cidr,
    is_placeholder_domain,
    is_placeholder_email,
    placeholder_warnings,
)
from forge_infra.config import ConfigError, StackConfig, config_from_mapping
from tests.conftest import ROOT, STACKS, stack_config

ZONE = ("forge-infra:hosted_zone_id: {zone} is a placeholder (Z followed by zeros); replace it "
        "with the id of the Route 53 public hosted zone that holds app.domain (aws route53 "
        "list-hosted-zones-by-name)")
DOMAIN = ("forge-infra:app.domain: {domain} is a reserved example name (RFC 2606); replace it "
          "with the DNS name the app will serve, inside the hosted zone of hosted_zone_id")
BUDGET = ("forge-infra:budget.alert_emails: {emails} {verb} at a reserved example domain "
          "(RFC 2606); replace with the mailboxes that must receive the budget alerts")
CIDRS = ("forge-infra:eks.public_access_cidrs: {cidrs} {what} (RFC 5737) that no deployer "
         "sends from; replace with the public egress CIDRs of the machine that runs pulumi up "
         "(CI runner, bastion, office), or the Kubernetes resources time out")
ONE_CIDR = "is a documentation range"

#: Exactly the warnings each shipped stack's plan carries today: its placeholders (the stack
#: tests in tests/plan/test_plan.py and tests/clouds/test_versions.py expect these).
STACK_WARNINGS: dict[str, list[str]] = {
    "dev": [
        ZONE.format(zone="Z0000000000000000DEV"),
        DOMAIN.format(domain="dev.forge.example.com"),
        BUDGET.format(emails="platform-dev@example.com", verb="is"),
    ],
    "staging": [
        ZONE.format(zone="Z00000000000000STAGE"),
        DOMAIN.format(domain="staging.forge.example.com"),
        CIDRS.format(cidrs="198.51.100.10/32", what=ONE_CIDR),
        BUDGET.format(emails="platform-staging@example.com", verb="is"),
    ],
    "prod": [
        ZONE.format(zone="Z000000000000000PROD"),
        DOMAIN.format(domain="forge.example.com"),
        CIDRS.format(cidrs="203.0.113.10/32", what=ONE_CIDR),
        BUDGET.format(emails="platform-oncall@example.com", verb="is"),
    ],
}

NAT_NONE = ("forge-infra:network.nat_gateways: got 'none'; the services run in the private "
            "subnets, whose only route out is a NAT gateway: without one they could not pull "
            "images from ECR, write logs to CloudWatch Logs or read their secrets from Secrets "
            "Manager (and EKS nodes could not join the cluster), and forge-infra creates no VPC "
            "interface endpoints to replace it; use single (one shared NAT gateway, the "
            "cheapest) or per_az (one per AZ)")


def _values(stack: str) -> dict[str, Any]:
    values = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    return copy.deepcopy(values)


def _real(stack: str) -> dict[str, Any]:
    """The stack file with every placeholder replaced by a real-looking value."""
    values = _values(stack)
    values["forge-infra:hosted_zone_id"] = "Z1D633PJN98FT9"
    values["forge-infra:app"]["domain"] = f"{stack}.forge.acme-corp.io"
    if "public_access_cidrs" in values.get("forge-infra:eks", {}):
        values["forge-infra:eks"]["public_access_cidrs"] = ["52.94.76.10/32"]
    values["forge-infra:budget"]["alert_emails"] = ["finance@acme-corp.io"]
    return values


def _load(values: dict[str, Any], stack: str = "prod") -> StackConfig:
    return config_from_mapping(values, stack=stack, source=f"Pulumi.{stack}.yaml")


# -- what counts as a placeholder -----------------------------------------------------------


@pytest.mark.parametrize(("zone", "placeholder"), [
    ("Z000000000000000PROD", True),
    ("Z0000000000000000DEV", True),
    ("Z00000000000000STAGE", True),
    ("Z00000000", True),
    ("Z1D633PJN98FT9", False),          # an older-style real id
    ("Z0123456789ABCDEFGHIJ", False),   # a newer-style real id starts Z0 but not Z and zeros
    ("Z0000000ABC", False),             # seven zeros only
])
def test_placeholder_zone_ids_are_z_and_at_least_eight_zeros(zone: str,
                                                             placeholder: bool) -> None:
    assert bool(PLACEHOLDER_ZONE_ID.fullmatch(zone)) is placeholder


@pytest.mark.parametrize(("name", "placeholder"), [
    ("example.com", True), ("forge.example.com", True), ("a.b.example.net", True),
    ("EXAMPLE.ORG.", True), ("forge.test", True), ("forge.example", True),
    ("host.invalid", True), ("localhost", True),
    ("example.co", False), ("notexample.com", False), ("example.com.au", False),
    ("forge.acme-corp.io", False), ("testing.io", False),
])
def test_placeholder_domains_are_the_rfc_2606_reserved_names(name: str,
                                                             placeholder: bool) -> None:
    assert is_placeholder_domain(name) is placeholder


def test_placeholder_emails_are_judged_by_their_domain() -> None:
    assert is_placeholder_email("ops@example.com")
    assert is_placeholder_email("ops@mail.example.org")
    assert not is_placeholder_email("example.com@acme-corp.io")
    assert not is_placeholder_email("ops@acme-corp.io")


# -- the warnings, key by key ---------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_each_shipped_stack_warns_exactly_about_its_placeholders(stack: str) -> None:
    config = stack_config(stack)
    assert placeholder_warnings(config) == STACK_WARNINGS[stack]
    assert config.target.warnings(config) == STACK_WARNINGS[stack]


@pytest.mark.parametrize("stack", STACKS)
def test_a_stack_with_real_values_has_no_placeholder_warning(stack: str) -> None:
    config = _load(_real(stack), stack)
    assert placeholder_warnings(config) == []
    assert config.target.warnings(config) == []


def test_a_placeholder_hosted_zone_id_is_named() -> None:
    values = _real("prod")
    values["forge-infra:hosted_zone_id"] = "Z0000000000000000ABC"
    assert placeholder_warnings(_load(values)) == [ZONE.format(zone="Z0000000000000000ABC")]


def test_a_reserved_app_domain_is_named() -> None:
    values = _real("prod")
    values["forge-infra:app"]["domain"] = "forge.example.org"
    assert placeholder_warnings(_load(values)) == [DOMAIN.format(domain="forge.example.org")]


def test_eks_acme_email_is_refused_not_warned_about() -> None:
    """The key did something once (Let's Encrypt's account): now it is a config error saying
    what replaced it, before any placeholder warning."""
    values = _real("prod")
    values["forge-infra:eks"]["acme_email"] = "certs@example.net"
    with pytest.raises(ConfigError) as excinfo:
        _load(values)
    assert excinfo.value.problems == [
        "forge-infra:eks.acme_email: no longer a setting; there is no Let's Encrypt account any "
        "more (ACM certificates, validated in hosted_zone_id, renew themselves): remove the key"]


@pytest.mark.parametrize(("cidrs", "what"), [
    (["192.0.2.0/24"], ONE_CIDR),
    (["52.94.76.10/32", "198.51.100.64/26", "203.0.113.5/32"], "are documentation ranges"),
])
def test_documentation_cidrs_of_the_public_endpoint_are_named(cidrs: list[str],
                                                              what: str) -> None:
    values = _real("prod")
    values["forge-infra:eks"]["public_access_cidrs"] = cidrs
    named = ", ".join(c for c in cidrs if not c.startswith("52."))
    assert placeholder_warnings(_load(values)) == [CIDRS.format(cidrs=named, what=what)]


@pytest.mark.parametrize(("cidr", "documentation"), [
    ("192.0.2.0/24", True), ("198.51.100.10/32", True), ("203.0.113.128/25", True),
    ("203.0.112.0/23", False),      # wider than TEST-NET-3, so not inside it
    ("52.94.76.10/32", False), ("not-a-cidr", False), ("2001:db8::/32", False),
])
def test_documentation_cidrs_are_the_rfc_5737_ranges(cidr: str, documentation: bool) -> None:
    assert is_documentation_cidr(cidr) is documentation


def test_documentation_cidrs_are_not_judged_on_ecs() -> None:
    values = _real("staging")
    values["forge-infra:platform"] = "ecs"
    values["forge-infra:eks"]["public_access_cidrs"] = ["192.0.2.0/24"]
    values["forge-infra:services"] = _values("dev")["forge-infra:services"]
    assert placeholder_warnings(_load(values, "staging")) == []


def test_every_reserved_budget_address_is_named_in_one_warning() -> None:
    values = _real("prod")
    values["forge-infra:budget"]["alert_emails"] = [
        "finance@acme-corp.io", "a@example.com", "b@ops.example.org"]
    assert placeholder_warnings(_load(values)) == [
        BUDGET.format(emails="a@example.com, b@ops.example.org", verb="are")]


# -- network.nat_gateways: none -------------------------------------------------------------


def test_the_nat_rule_is_the_last_aws_rule() -> None:
    assert AWS_RULES[-1].sections == ("network",)
    assert AWS_RULES[-1].check.__name__ == "_nat_gateway_rules"


@pytest.mark.parametrize("platform", ["ecs", "eks"])
def test_no_nat_gateway_is_refused_naming_the_key_and_the_alternatives(platform: str) -> None:
    values = _real("staging")
    values["forge-infra:platform"] = platform
    values["forge-infra:network"]["nat_gateways"] = "none"
    with pytest.raises(ConfigError) as info:
        _load(values, "staging")
    assert info.value.problems == [NAT_NONE]


@pytest.mark.parametrize("strategy", ["single", "per_az"])
def test_a_nat_gateway_strategy_is_accepted(strategy: str) -> None:
    values = _real("staging")
    values["forge-infra:network"]["nat_gateways"] = strategy
    assert _load(values, "staging").target.network.nat_gateways.value == strategy
