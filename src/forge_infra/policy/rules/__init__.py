"""The rules, one module per category (encryption, exposure, recoverability, operability,
kubernetes, secrets). Each module's `RULES` holds its rules; each rule maps the resource types
of every cloud it covers to a check (`forge_infra.policy.rule`)."""
