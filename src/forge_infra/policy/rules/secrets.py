"""Secret rules: no value that looks like a secret in a plaintext input."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from forge_infra.policy.rule import Context, Rule

#: Parts of a variable name that mark its value as a secret.
SECRET_NAME = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|"
                         r"CREDENTIAL)", re.IGNORECASE)


def _ecs_environment(resource: Any, context: Context) -> Iterator[str]:
    import json

    raw = resource.props.get("containerDefinitions")
    try:
        definitions = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return
    for definition in definitions or []:
        for variable in definition.get("environment") or []:
            name = str(variable.get("name", ""))
            if SECRET_NAME.search(name) and variable.get("value"):
                yield (f"container {definition.get('name')}: environment variable {name} "
                       "looks like a secret and holds a plaintext value")


RULES: tuple[Rule, ...] = (
    Rule(
        id="aws-ecs-no-plaintext-secrets",
        severity="mandatory",
        category="secrets",
        rationale="A task definition's environment is readable by anyone who can describe "
                  "it; secrets belong in Secrets Manager.",
        remediation="Move the value to forge-infra:secrets (pulumi config set --secret) and "
                    "reference it from services.<name>.secrets.",
        checks={"aws:ecs/taskDefinition:TaskDefinition": _ecs_environment},
    ),
)
