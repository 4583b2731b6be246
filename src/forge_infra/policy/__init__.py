"""forge-infra's policy rules: one implementation, run offline in the plan and in the Pulumi
engine through the policy pack in `policy/`.

`RULES` is every rule (`forge_infra.policy.registry`); `evaluate(plan)` runs them offline
(`forge_infra.policy.engine`); `forge_infra.policy.pack` turns them into pulumi-policy
policies. docs/SECURITY.md lists the rules, generated from them.
"""

from forge_infra.policy.engine import Waiver, evaluate, mandatory
from forge_infra.policy.registry import RULES, rule_by_id
from forge_infra.policy.rule import Context, Rule, StackView

__all__ = ["RULES", "Context", "Rule", "StackView", "Waiver", "evaluate", "mandatory",
           "rule_by_id"]
