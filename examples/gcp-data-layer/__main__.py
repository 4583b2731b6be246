"""The platform's data layer on GCP, for services that run elsewhere.

A VPC with private service access, Cloud SQL for PostgreSQL and Memorystore for Redis reached
over that private connection, and the Cloud Storage buckets; no compute, streaming or CDN.
"""

import pulumi

from forge_components.gcp.cache import Cache, CacheArgs
from forge_components.gcp.database import Database, DatabaseArgs
from forge_components.gcp.networking import Networking, NetworkingArgs
from forge_components.gcp.storage import Storage, StorageArgs

region = pulumi.Config().get("region") or "europe-west1"

network = Networking("data-net", NetworkingArgs(region=region))
database = Database("data-db", DatabaseArgs(
    region=region,
    network_id=network.network_id,
    private_service_access_connection_id=network.private_service_access_connection_id,
    allocated_ip_range=network.private_service_access_range_name,
))
cache = Cache("data-cache", CacheArgs(
    region=region,
    network_id=network.network_id,
    private_service_access_connection_id=network.private_service_access_connection_id,
))
storage = Storage("data-storage", StorageArgs(location=region))

pulumi.export("network_id", network.network_id)
pulumi.export("database_host", database.host)
pulumi.export("database_credentials_secret_id", database.credentials_secret_id)
pulumi.export("cache_host", cache.host)
pulumi.export("cache_auth_token_secret_id", cache.auth_token_secret_id)
pulumi.export("bucket_names", storage.bucket_names)
