"""forge-infra's Pulumi policy pack: `pulumi preview --policy-pack policy`.

Every rule of `forge_infra.policy.registry` becomes one policy (`forge_infra.policy.pack`),
calling the same check functions `forge-infra plan` and `forge-infra check` run offline. Each
policy's enforcement level is its rule's severity; a stack's config file
(`--policy-pack-config`, written by `forge-infra check --stack S --format policy-config`)
carries its environment and waivers, and may override the level per policy or for `all`
(policy/config.example.json).

Constructing `PolicyPack` serves the pack to the Pulumi engine over gRPC until the engine
stops it: this file is only run by Pulumi, never imported.
"""

from pulumi_policy import EnforcementLevel, PolicyPack

from forge_infra.policy.pack import PACK_NAME, policies

PolicyPack(
    name=PACK_NAME,
    policies=policies(),
    # The default for a policy without its own level; every forge-infra policy has one.
    enforcement_level=EnforcementLevel.ADVISORY,
)
