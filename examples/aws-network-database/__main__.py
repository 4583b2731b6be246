"""A VPC and a PostgreSQL database from forge-infra's components, in an existing AWS account.

Nothing else of the platform is created: no cluster, no cache, no streaming, no CDN. The
application security group the Networking component creates is the one source the database
admits on 5432; attach it to whatever already runs in the account.
"""

import pulumi

from forge_components.aws.database import Database, DatabaseArgs
from forge_components.aws.networking import Networking, NetworkingArgs

network = Networking("shop-network", NetworkingArgs(cidr_block="10.42.0.0/16", az_count=2))

assert network.app_security_group_id is not None  # app_security_group defaults to True
database = Database("shop-db", DatabaseArgs(
    vpc_id=network.network_id,
    subnet_ids=network.database_subnet_ids,
    bootstrap_subnet_ids=network.private_subnet_ids,
    allowed_security_group_ids=[network.app_security_group_id],
    database_name="shop",
))

pulumi.export("vpc_id", network.network_id)
pulumi.export("app_security_group_id", network.app_security_group_id)
pulumi.export("database_host", database.host)
pulumi.export("database_port", database.port)
pulumi.export("database_credentials_secret_id", database.credentials_secret_id)
