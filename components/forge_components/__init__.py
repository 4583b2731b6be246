"""forge-infra's reusable Pulumi components, importable by any Pulumi Python program.

One module per component per cloud (`components.aws.database`, ...); the platform Helm chart
ships inside `components.kubernetes` as package data. See docs/COMPONENTS.md.
"""
