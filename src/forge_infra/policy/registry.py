"""Every rule, gathered from the category modules under `forge_infra.policy.rules`."""

from __future__ import annotations

from forge_infra.policy.rule import Rule
from forge_infra.policy.rules import (
    encryption,
    exposure,
    images,
    kubernetes,
    operability,
    recoverability,
    secrets,
)

RULES: tuple[Rule, ...] = (*encryption.RULES, *exposure.RULES, *recoverability.RULES,
                           *operability.RULES, *images.RULES, *kubernetes.RULES,
                           *secrets.RULES,
                           # GCP (issue 12)
                           *encryption.GCP_RULES, *exposure.GCP_RULES, *recoverability.GCP_RULES,
                           *operability.GCP_RULES, *secrets.GCP_RULES)

_BY_ID = {rule.id: rule for rule in RULES}
if len(_BY_ID) != len(RULES):  # pragma: no cover - a programming error, caught at import
    raise RuntimeError("two policy rules share an id")

#: Ids the engine reports itself (waivers), which are not rules with checks.
ENGINE_RULE_IDS = ("any-policy-waiver-expired", "any-policy-waiver-unused")


def rule_by_id(rule_id: str) -> Rule:
    """The rule with this id (KeyError naming the known ids when there is none)."""
    try:
        return _BY_ID[rule_id]
    except KeyError:
        raise KeyError(f"no policy rule {rule_id!r}") from None


def rule_ids() -> list[str]:
    """Every rule id, sorted."""
    return sorted(_BY_ID)
