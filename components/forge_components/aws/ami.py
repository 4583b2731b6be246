"""The one AMI lookup of the AWS components: Canonical's Ubuntu server images.

Canonical publishes its official EC2 images from one account and names them
`ubuntu/images/hvm-ssd/ubuntu-<codename>-<version>-<arch>-server-<serial>`
(https://documentation.ubuntu.com/aws/en/latest/aws-how-to/instances/find-ubuntu-images/).
Filtering on the owner as well as the name keeps look-alike public images out.
"""

import enum

import pulumi
import pulumi_aws as aws

#: The AWS account Canonical publishes the official Ubuntu images from (commercial partition).
CANONICAL_OWNER_ID = "099720109477"

#: Ubuntu LTS releases the components boot: version -> codename used in the image names.
#: 22.04 (jammy) has standard support to 2027-06 (https://ubuntu.com/about/release-cycle).
UBUNTU_RELEASES: dict[str, str] = {"22.04": "jammy"}

#: The Ubuntu release the components boot unless told otherwise.
DEFAULT_UBUNTU_RELEASE = "22.04"


class AmiArchitecture(enum.StrEnum):
    """An EC2 image architecture, as the `architecture` filter of DescribeImages spells it."""

    X86_64 = "x86_64"
    ARM64 = "arm64"


#: How Canonical's image names spell each architecture.
_NAME_ARCH: dict[AmiArchitecture, str] = {AmiArchitecture.X86_64: "amd64",
                                          AmiArchitecture.ARM64: "arm64"}


def ubuntu_image_name(release: str = DEFAULT_UBUNTU_RELEASE,
                      architecture: AmiArchitecture = AmiArchitecture.X86_64) -> str:
    """The `name` filter for one Ubuntu server release and architecture (any serial)."""
    if release not in UBUNTU_RELEASES:
        raise ValueError(f"ubuntu_image_name: release {release!r} is not one of "
                         f"{', '.join(sorted(UBUNTU_RELEASES))}")
    arch = _NAME_ARCH[AmiArchitecture(architecture)]
    return f"ubuntu/images/hvm-ssd/ubuntu-{UBUNTU_RELEASES[release]}-{release}-{arch}-server-*"


def ubuntu_ami_filters(release: str = DEFAULT_UBUNTU_RELEASE,
                       architecture: AmiArchitecture = AmiArchitecture.X86_64
                       ) -> list[aws.ec2.GetAmiFilterArgs]:
    """The DescribeImages filters of `ubuntu_ami`: name, architecture, HVM virtualization."""
    return [
        aws.ec2.GetAmiFilterArgs(name="name", values=[ubuntu_image_name(release, architecture)]),
        aws.ec2.GetAmiFilterArgs(name="architecture",
                                 values=[AmiArchitecture(architecture).value]),
        aws.ec2.GetAmiFilterArgs(name="virtualization-type", values=["hvm"]),
    ]


def ubuntu_ami(parent: pulumi.Resource, *, release: str = DEFAULT_UBUNTU_RELEASE,
               architecture: AmiArchitecture = AmiArchitecture.X86_64) -> pulumi.Output[str]:
    """The id of the newest Canonical Ubuntu server image for `release` and `architecture`.

    Looked up through `parent`'s provider (so in its region). The id changes whenever
    Canonical publishes a new serial: callers ignore changes to the instance's `ami`.
    """
    return aws.ec2.get_ami_output(
        most_recent=True,
        owners=[CANONICAL_OWNER_ID],
        filters=ubuntu_ami_filters(release, architecture),
        opts=pulumi.InvokeOutputOptions(parent=parent)).id
