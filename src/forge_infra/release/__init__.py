"""Progressive releases on runtimes that have no controller of their own.

ECS (its native deployment strategies) and EKS (Argo Rollouts) shift traffic, watch alarms and
roll back by themselves during `pulumi up`. Cloud Run and Container Apps only hold traffic
weights between revisions: `forge-infra release` is the controller there. After `pulumi up`
has created the new revision (which receives no traffic, because the last release pinned the
traffic to a named revision), it walks the stack's `forge-infra:rollout` steps, watches the
new revision's 5xx share and readiness, and returns all traffic to the previous revision when
a signal breaches (docs/DEPLOYMENT.md, "Progressive delivery").

The steps and the decision to roll back are here, cloud-neutral (`controller`); what the
revisions are, how traffic is set and where the signal is read belong to each cloud's driver
(`forge_infra.clouds.<cloud>.release`), which the cloud's target builds from the stack's
outputs.
"""

from forge_infra.release.controller import (
    Clock,
    CommandRunner,
    ReleaseDriver,
    ReleaseError,
    ReleaseOutcome,
    Revisions,
    SystemClock,
    run_release,
    subprocess_runner,
)

__all__ = ["Clock", "CommandRunner", "ReleaseDriver", "ReleaseError", "ReleaseOutcome",
           "Revisions", "SystemClock", "run_release", "subprocess_runner"]
