"""Regenerate `ec2_instance_types.yaml` from the installed pulumi-aws SDK's EC2 InstanceType
enum: `python -m forge_components.aws.catalog.refresh` (run by hand after an SDK upgrade; a
test compares the file with the installed enum)."""

import datetime
import importlib.metadata
from pathlib import Path

import yaml

HEADER = """\
# EC2 instance types: every member of the installed SDK's `pulumi_aws.ec2.InstanceType` enum
# (pulumi-aws {version}), regenerated with `python -m forge_components.aws.catalog.refresh`
# after an SDK upgrade (a test keeps this file equal to the installed enum). RDS, ElastiCache
# and MSK name their classes after EC2 types with a prefix (db.t4g.medium, cache.t4g.small,
# kafka.m5.large): forge_components.aws.catalog checks those against this list too.
source: pulumi_aws.ec2.InstanceType (pulumi-aws {version})
read: {date}
"""


def render(today: datetime.date) -> str:
    """The file's text for the installed SDK, as read on `today`."""
    import pulumi_aws.ec2

    version = importlib.metadata.version("pulumi_aws")
    types = sorted({t.value for t in pulumi_aws.ec2.InstanceType})
    return HEADER.format(version=version, date=today.isoformat()) + yaml.safe_dump(
        {"instance_types": types}, default_flow_style=False, width=100)


def main() -> None:
    """Write the file next to this module."""
    target = Path(__file__).with_name("ec2_instance_types.yaml")
    target.write_text(render(datetime.datetime.now(datetime.UTC).date()))


if __name__ == "__main__":
    main()
