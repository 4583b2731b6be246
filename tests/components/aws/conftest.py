"""Fixtures for the AWS component tests: the platform's four services and network ids."""

from typing import Any

import pulumi
import pytest

from forge_components.contracts import SecretReference, ServiceSpec
from tests.components import schema_check

DOMAIN = "app.example.com"
GATEWAY_HOST = f"gateway.{DOMAIN}"
VPC_ID = "vpc-0a1b2c3d4e5f60718"
PUBLIC_SUBNETS = ["subnet-0pub0000000000001", "subnet-0pub0000000000002"]
PRIVATE_SUBNETS = ["subnet-0prv0000000000001", "subnet-0prv0000000000002"]
APP_SG = "sg-0app00000000000001"
ZONE_ID = "Z0123456789ABCDEFGHIJ"
ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"

DB_SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1234-AbCdEf"
"""The RDS-managed master secret: JSON with username and password."""
REDIS_SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:forge/redis-auth-QwErTy"
"""A whole-value secret (the Redis AUTH token)."""
EXPORTS_BUCKET_ARN = "arn:aws:s3:::forge-test-exports"


@pytest.fixture
def services() -> list[ServiceSpec]:
    """gateway (own host), api (/api on the app host), ui (the app host), worker (no port)."""
    return [
        ServiceSpec(
            name="gateway", image_repository=f"{ECR}/forge/gateway", image_tag="1.4.2",
            port=8080, cpu_millicores=500, memory_mib=1024, replicas=2, min_replicas=2,
            max_replicas=6,
            target_cpu_percent=60, health_path="/healthz",
            environment={"UPSTREAM_URL": "http://api.internal:8000"},
            secrets={"REDIS_AUTH_TOKEN": SecretReference(secret_id=REDIS_SECRET_ARN)},
            public_host=GATEWAY_HOST, public_path="/"),
        ServiceSpec(
            name="api", image_repository=f"{ECR}/forge/api", image_tag="1.4.2",
            port=8000, cpu_millicores=1000, memory_mib=2048, replicas=3, min_replicas=2,
            max_replicas=10,
            target_cpu_percent=70, health_path="/api/health",
            environment={"LOG_LEVEL": "info", "DB_USER_KEY": "username"},
            secrets={"DB_PASSWORD": SecretReference(secret_id=DB_SECRET_ARN, key="password"),
                     "DB_USER": SecretReference(secret_id=DB_SECRET_ARN, key="username"),
                     "REDIS_AUTH_TOKEN": SecretReference(secret_id=REDIS_SECRET_ARN)},
            public_host=DOMAIN, public_path="/api"),
        ServiceSpec(
            name="worker", image_repository=f"{ECR}/forge/worker", image_tag="1.4.2",
            cpu_millicores=500, memory_mib=1024, replicas=1, min_replicas=1, max_replicas=4,
            target_cpu_percent=75,
            environment={"EXPORTS_BUCKET": "forge-test-exports"},
            secrets={"DB_PASSWORD": SecretReference(secret_id=DB_SECRET_ARN, key="password")}),
        ServiceSpec(
            name="ui", image_repository="ghcr.io/forge/ui", image_tag="1.4.2",
            port=3000, cpu_millicores=250, memory_mib=512, replicas=2, min_replicas=2,
            max_replicas=4,
            target_cpu_percent=65, health_path="/",
            public_host=DOMAIN, public_path="/"),
    ]


@pytest.fixture
def worker_statements() -> list[dict[str, object]]:
    """What the worker may do: put and get objects in the exports bucket, nothing else."""
    return [{"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"],
             "Resource": f"{EXPORTS_BUCKET_ARN}/*"}]


def assert_component_schema(component: type[pulumi.ComponentResource], contract: type | None,
                            outputs: set[str]) -> Any:
    """The shared schema check (tests/components/schema_check.py) for `forge-aws`."""
    return schema_check.assert_component_schema("forge-aws", component, contract, outputs)
