"""forge-infra: the forge platform as a Pulumi program, with an offline plan.

`forge_infra.config` validates a stack's settings, `forge_infra.program.build` declares its
resources, and `forge_infra.plan.run_plan` runs that same program offline under mocks.
"""
