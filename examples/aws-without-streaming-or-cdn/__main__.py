"""The AWS data layer with its optional parts switched off by configuration.

Networking, PostgreSQL, Redis and the buckets are always created. Kafka (`streaming`) and the
CloudFront CDN (`cdn`) are off by default: when off, their components are not constructed, so
not one of their resources (brokers, MSK, certificates, distributions, DNS records) exists.
`pulumi config set streaming true` or `pulumi config set cdn true` adds them.
"""

import pulumi

from forge_components.aws.cache import Cache, CacheArgs
from forge_components.aws.cdn import Cdn, CdnArgs
from forge_components.aws.database import Database, DatabaseArgs
from forge_components.aws.networking import Networking, NetworkingArgs
from forge_components.aws.storage import Storage, StorageArgs
from forge_components.aws.streaming import Streaming, StreamingArgs

config = pulumi.Config()
AZ_COUNT = 2

network = Networking("lean-network", NetworkingArgs(cidr_block="10.60.0.0/16",
                                                    az_count=AZ_COUNT))
assert network.app_security_group_id is not None  # app_security_group defaults to True
clients = [network.app_security_group_id]

database = Database("lean-db", DatabaseArgs(
    vpc_id=network.network_id, subnet_ids=network.database_subnet_ids,
    bootstrap_subnet_ids=network.private_subnet_ids, allowed_security_group_ids=clients))
cache = Cache("lean-cache", CacheArgs(
    vpc_id=network.network_id, subnet_ids=network.database_subnet_ids,
    allowed_security_group_ids=clients))
storage = Storage("lean-storage", StorageArgs())

pulumi.export("database_host", database.host)
pulumi.export("cache_host", cache.host)
pulumi.export("bucket_names", storage.bucket_names)

if config.get_bool("streaming"):
    streaming = Streaming("lean-stream", StreamingArgs(
        vpc_id=network.network_id, subnet_ids=network.private_subnet_ids,
        subnet_count=AZ_COUNT, broker_count=AZ_COUNT, allowed_security_group_ids=clients))
    pulumi.export("bootstrap_brokers", streaming.bootstrap_brokers)

if config.get_bool("cdn"):
    cdn = Cdn("lean-cdn", CdnArgs(domain_name=config.require("domainName"),
                                  hosted_zone_id=config.require("hostedZoneId")))
    pulumi.export("cdn_url", cdn.url)
