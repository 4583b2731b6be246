"""The GCP components' choices and limits, defined once, with their sources.

The components validate their args against these; the `gcp` target's settings model will build
its constraints from the same names when it exists. This module imports no cloud SDK.
"""

import re

#: A Compute Engine resource name (networks, subnetworks, routers, firewalls, addresses):
#: RFC 1035, 1-63 characters, a lower-case letter first, then lower-case letters, digits or
#: dashes, not ending with a dash. Source: pulumi_gcp 10.2 `compute.Network(name=...)`
#: docstring (the same rule for every compute resource), from the Compute Engine API reference.
RESOURCE_NAME = re.compile(r"[a-z]([-a-z0-9]{0,61}[a-z0-9])?")
RESOURCE_NAME_MAX = 63
#: What Pulumi's auto-naming appends to a child's logical name: "-" and seven random
#: characters (pulumi's default autonaming).
AUTONAME_SUFFIX = 8

#: VPC flow log aggregation intervals. Source: pulumi_gcp 10.2
#: `compute.SubnetworkLogConfigArgs.aggregation_interval` ("Possible values are ...").
FLOW_LOG_INTERVALS: tuple[str, ...] = (
    "INTERVAL_5_SEC", "INTERVAL_30_SEC", "INTERVAL_1_MIN", "INTERVAL_5_MIN",
    "INTERVAL_10_MIN", "INTERVAL_15_MIN")

#: The peering service Private Service Access connects to (Cloud SQL, Memorystore for Redis).
#: Source: pulumi_gcp 10.2 `servicenetworking.Connection(service=...)` docstring, and
#: https://cloud.google.com/vpc/docs/configure-private-services-access
SERVICE_NETWORKING = "servicenetworking.googleapis.com"

#: Firewall rule priorities: 0..65535, lower wins, DENY beats ALLOW at equal priority. Source:
#: pulumi_gcp 10.2 `compute.Firewall(priority=...)` docstring.
FIREWALL_PRIORITY_RANGE = (0, 65535)
