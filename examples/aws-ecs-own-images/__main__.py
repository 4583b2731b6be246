"""The platform's four services on ECS Fargate, from images you build and host yourself.

The images come from your registry (`registry` and `imageTag` config), named by repository
and tag in each ServiceSpec; the components create no image repository. The VPC comes from the
Networking component, with one security group per service.
"""

import pulumi

from forge_components.aws.compute_ecs import EcsCompute, EcsComputeArgs
from forge_components.aws.networking import Networking, NetworkingArgs
from forge_components.contracts import ServiceSpec

config = pulumi.Config()
registry = config.require("registry")
tag = config.require("imageTag")
domain = config.require("domainName")

services = [
    ServiceSpec(name="gateway", image_repository=f"{registry}/gateway", image_tag=tag,
                port=8080, health_path="/healthz", cpu_millicores=500, memory_mib=1024,
                replicas=2, min_replicas=2, max_replicas=4, target_cpu_percent=60,
                public_host=f"gateway.{domain}"),
    ServiceSpec(name="api", image_repository=f"{registry}/api", image_tag=tag, port=8000,
                health_path="/api/health", cpu_millicores=1000, memory_mib=2048, replicas=2,
                min_replicas=2, max_replicas=6, target_cpu_percent=70, public_host=domain,
                public_path="/api"),
    ServiceSpec(name="worker", image_repository=f"{registry}/worker", image_tag=tag,
                cpu_millicores=500, memory_mib=1024, replicas=1, min_replicas=1,
                max_replicas=3, target_cpu_percent=75),
    ServiceSpec(name="ui", image_repository=f"{registry}/ui", image_tag=tag, port=3000,
                health_path="/", cpu_millicores=250, memory_mib=512, replicas=2,
                min_replicas=2, max_replicas=4, target_cpu_percent=65, public_host=domain),
]
names = [spec["name"] for spec in services]

network = Networking("shop-network", NetworkingArgs(cidr_block="10.50.0.0/16", az_count=2,
                                                    service_names=names))
compute = EcsCompute("shop", EcsComputeArgs(
    vpc_id=network.network_id,
    public_subnet_ids=network.public_subnet_ids,
    private_subnet_ids=network.private_subnet_ids,
    service_security_group_ids={
        name: network.service_security_group_ids.apply(lambda groups, n=name: groups[n])
        for name in names},
    services=services,
    domain_name=domain,
    hosted_zone_id=config.require("hostedZoneId"),
))

pulumi.export("url", compute.url)
pulumi.export("service_names", compute.service_names)
pulumi.export("load_balancer_dns_name", compute.load_balancer_dns_name)
