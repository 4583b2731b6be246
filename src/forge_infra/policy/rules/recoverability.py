"""Recoverability rules: backups, deletion protection, versioning, redundancy in prod.

Provider facts the checks rely on (pulumi-aws 7.51's own docstrings, `pulumi_aws/<module>`):
an RDS instance's `deletionProtection` defaults to false and `backupRetentionPeriod` to 0
(`rds/instance.py`); an ElastiCache replication group makes no final snapshot when
`finalSnapshotIdentifier` is omitted, and `numCacheClusters` counts the primary and its
replicas (`elasticache/replication_group.py`); an MSK cluster's `numberOfBrokerNodes` "must be a
multiple of the number of specified client subnets" (`msk/cluster.py`), one subnet per AZ; an
ECS service's `desiredCount` defaults to 0 (`ecs/service.py`). Kubernetes: a Deployment's
`spec.replicas` defaults to 1, and a HorizontalPodAutoscaler's `spec.minReplicas` too
(Kubernetes API reference, `DeploymentSpec`, `HorizontalPodAutoscalerSpec`).

GCP (pulumi-gcp 10.2's docstrings, `pulumi_gcp/<module>`): a Cloud SQL instance's
`settings.availabilityType` is `REGIONAL` (high availability) or `ZONAL` (single zone), and
`pointInTimeRecoveryEnabled` is on by default only on Enterprise Plus (`sql/_inputs.py`); its
`deletionProtection` only stops Pulumi ("Defaults to `true`"), `settings.deletionProtectionEnabled`
protects it on every surface (`sql/database_instance.py`); `transactionLogRetentionDays` holds
1 to 7 days of point-in-time recovery on Enterprise (`sql/_inputs.py`); a Memorystore for
Redis instance's `tier` is `BASIC` ("standalone instance", the default) or `STANDARD_HA`
(`redis/instance.py`). The rules treat an absent availability type, backup flag, bucket
versioning, minimum instance count or API deletion protection as the unsafe value: each must
be set explicitly.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from forge_infra.policy.rule import Check, Context, Rule, extend_checks, known, prop

MIN_BACKUP_DAYS = 7
MIN_REPLICAS = 2
MIN_AZS = 2

RDS_INSTANCE = "aws:rds/instance:Instance"
RDS_CLUSTER = "aws:rds/cluster:Cluster"
ELASTICACHE_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
MSK_CLUSTER = "aws:msk/cluster:Cluster"
S3_BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
S3_VERSIONING = ("aws:s3/bucketVersioning:BucketVersioning",
                 "aws:s3/bucketVersioningV2:BucketVersioningV2")
ECS_SERVICE = "aws:ecs/service:Service"
SCALING_TARGET = "aws:appautoscaling/target:Target"
K8S_DEPLOYMENT = "kubernetes:apps/v1:Deployment"
#: An Argo Rollouts Rollout: a Deployment's replicas and pod template, released in steps.
K8S_ROLLOUT = "kubernetes:argoproj.io/v1alpha1:Rollout"
K8S_HPAS = ("kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
            "kubernetes:autoscaling/v1:HorizontalPodAutoscaler")

GCP_SQL_INSTANCE = "gcp:sql/databaseInstance:DatabaseInstance"
GCP_REDIS = "gcp:redis/instance:Instance"
GCP_KAFKA = "gcp:managedkafka/cluster:Cluster"
GCP_BUCKET = "gcp:storage/bucket:Bucket"
GCP_DISK = "gcp:compute/disk:Disk"
GCP_SECRET = "gcp:secretmanager/secret:Secret"
GCP_CRYPTO_KEY = "gcp:kms/cryptoKey:CryptoKey"
CLOUD_RUN_SERVICE = "gcp:cloudrunv2/service:Service"
CLOUD_RUN_WORKER_POOL = "gcp:cloudrunv2/workerPool:WorkerPool"

#: The stateful resource types `protect` must guard in prod: each holds data (or the only key
#: to data) that a `pulumi destroy` or an accidental replacement would lose for good. The
#: database (RDS instance or Aurora cluster), the cache (its snapshots and AUTH token), the
#: brokers (an MSK cluster; the EC2 brokers' EBS data volumes), every bucket, every KMS key
#: (deleting one makes what it encrypted unreadable) and every Secrets Manager secret (the
#: credentials the services and the brokers share). Security groups, roles, subnets and the like
#: are recreated as they were and are not listed.
STATEFUL_TYPES: tuple[str, ...] = (
    RDS_INSTANCE, RDS_CLUSTER, ELASTICACHE_GROUP, MSK_CLUSTER, *S3_BUCKETS,
    "aws:ebs/volume:Volume", "aws:kms/key:Key", "aws:secretsmanager/secret:Secret",
)
#: The GCP types in the same roles: Cloud SQL, Memorystore, Managed Kafka, buckets, the
#: Redpanda brokers' data disks, Cloud KMS keys, Secret Manager secrets.
GCP_STATEFUL_TYPES: tuple[str, ...] = (
    GCP_SQL_INSTANCE, GCP_REDIS, GCP_KAFKA, GCP_BUCKET, GCP_DISK, GCP_CRYPTO_KEY, GCP_SECRET,
)


def _days(props: Mapping[str, Any], key: str, what: str) -> Iterator[str]:
    days = props.get(key)
    if known(days) and (not isinstance(days, int) or days < MIN_BACKUP_DAYS):
        yield f"{key} is {days!r}: keep at least {MIN_BACKUP_DAYS} days of {what}"


def _rds_backup_retention(resource: Any, context: Context) -> Iterator[str]:
    yield from _days(resource.props, "backupRetentionPeriod", "automated backups")


def _elasticache_backup_retention(resource: Any, context: Context) -> Iterator[str]:
    yield from _days(resource.props, "snapshotRetentionLimit", "automatic snapshots")


def _rds_deletion_protection(resource: Any, context: Context) -> Iterator[str]:
    value = resource.props.get("deletionProtection")
    if known(value) and value is not True:
        yield f"deletionProtection is {value!r}: the database can be deleted by one API call"


def _rds_final_snapshot(resource: Any, context: Context) -> Iterator[str]:
    skip = resource.props.get("skipFinalSnapshot")
    if known(skip) and skip is True:
        yield "skipFinalSnapshot is true: deleting the database keeps no final snapshot"
        return
    identifier = resource.props.get("finalSnapshotIdentifier")
    if known(identifier) and not identifier:
        yield (f"finalSnapshotIdentifier is {identifier!r}: deleting the database fails or "
               "keeps no final snapshot")


def _elasticache_final_snapshot(resource: Any, context: Context) -> Iterator[str]:
    identifier = resource.props.get("finalSnapshotIdentifier")
    if known(identifier) and not identifier:
        yield (f"finalSnapshotIdentifier is {identifier!r}: deleting the replication group "
               "keeps no final snapshot")


def _protected(resource: Any, context: Context) -> Iterator[str]:
    protect = getattr(resource.opts, "protect", None)
    if protect is not True:
        yield (f"protect is {bool(protect)!r}: a stateful {resource.resource_type} can be "
               "deleted by a destroy or a replacement")


def _no_force_destroy(resource: Any, context: Context) -> Iterator[str]:
    if resource.props.get("forceDestroy") is True:
        yield "forceDestroy is true: deleting the bucket deletes every object in it"


def _versioning_status(versioning: Any) -> Any:
    return prop(versioning.props, "versioningConfiguration", "status")


def _bucket_versioned(resource: Any, context: Context) -> Iterator[str]:
    assert context.stack is not None
    inline = prop(resource.props, "versioning", "enabled")
    if inline is True or not known(inline):
        return
    name = resource.props.get("bucket")
    configs = [v for v in context.stack.of_type(*S3_VERSIONING)
               if resource in context.stack.dependencies(v)
               or (known(name) and name and v.props.get("bucket") == name)]
    if not configs:
        yield "no BucketVersioning names the bucket: an overwritten or deleted object is lost"
        return
    statuses = [_versioning_status(v) for v in configs]
    if not any(s == "Enabled" or not known(s) for s in statuses):
        yield (f"versioning status is {statuses[0]!r}: an overwritten or deleted object is "
               "lost")


def _rds_multi_az(resource: Any, context: Context) -> Iterator[str]:
    if resource.props.get("replicateSourceDb"):
        # A read replica: the primary's standby gives failover; a replica's own Multi-AZ is
        # a separate choice (and not what `database.multi_az` sets).
        return
    value = resource.props.get("multiAz")
    if known(value) and value is not True:
        yield f"multiAz is {value!r}: the database has no standby in another AZ"


def _elasticache_multi_az(resource: Any, context: Context) -> Iterator[str]:
    props = resource.props
    for key in ("automaticFailoverEnabled", "multiAzEnabled"):
        value = props.get(key)
        if known(value) and value is not True:
            yield f"{key} is {value!r}: a failed primary is not replaced by a replica"
    nodes = props.get("numCacheClusters")
    replicas = props.get("replicasPerNodeGroup")
    if nodes is None and isinstance(replicas, int):
        nodes = replicas + 1  # cluster mode: each shard's primary and its replicas
    if known(nodes) and (not isinstance(nodes, int) or nodes < MIN_REPLICAS):
        yield (f"numCacheClusters is {nodes!r}: at least {MIN_REPLICAS} nodes (a primary and a "
               "replica) are needed to fail over")


def _msk_multi_az(resource: Any, context: Context) -> Iterator[str]:
    subnets = prop(resource.props, "brokerNodeGroupInfo", "clientSubnets")
    brokers = resource.props.get("numberOfBrokerNodes")
    if not known(subnets) or not isinstance(subnets, list):
        return
    azs = len(subnets)
    if azs < MIN_AZS:
        yield (f"the brokers are in {azs} client subnet(s): at least {MIN_AZS} AZs keep the "
               "cluster up when one fails")
    if known(brokers) and isinstance(brokers, int) and azs and brokers % azs:
        yield (f"numberOfBrokerNodes is {brokers}: not a multiple of the {azs} client subnets "
               "(AZs)")


def _ecs_desired_count(resource: Any, context: Context) -> Iterator[str]:
    if resource.props.get("schedulingStrategy") == "DAEMON":
        return  # one task per container instance: no count to set
    count = resource.props.get("desiredCount", 0)
    if known(count) and (not isinstance(count, int) or count < MIN_REPLICAS):
        yield (f"desiredCount is {count!r}: run at least {MIN_REPLICAS} tasks so one failing "
               "task or AZ does not stop the service")


def _scaling_min_capacity(resource: Any, context: Context) -> Iterator[str]:
    if resource.props.get("serviceNamespace") != "ecs":
        return
    minimum = resource.props.get("minCapacity")
    if known(minimum) and (not isinstance(minimum, int) or minimum < MIN_REPLICAS):
        yield (f"minCapacity is {minimum!r}: the service may scale in below {MIN_REPLICAS} "
               "tasks")


def _scaled_by_hpa(deployment: Any, context: Context) -> bool:
    assert context.stack is not None
    name = prop(deployment.props, "metadata", "name")
    namespace = prop(deployment.props, "metadata", "namespace")
    for hpa in context.stack.of_type(*K8S_HPAS):
        target = prop(hpa.props, "spec", "scaleTargetRef") or {}
        kind = str(deployment.resource_type).rsplit(":", 1)[-1]
        if (target.get("kind") == kind and target.get("name") == name
                and prop(hpa.props, "metadata", "namespace") == namespace):
            return True
    return False


def _deployment_replicas(resource: Any, context: Context) -> Iterator[str]:
    if _scaled_by_hpa(resource, context):
        return  # the HorizontalPodAutoscaler's minReplicas is checked instead
    replicas = prop(resource.props, "spec", "replicas")
    count = 1 if replicas is None else replicas
    if known(count) and (not isinstance(count, int) or count < MIN_REPLICAS):
        yield (f"spec.replicas is {replicas!r}: run at least {MIN_REPLICAS} pods (none set "
               "means 1)")


def _hpa_min_replicas(resource: Any, context: Context) -> Iterator[str]:
    minimum = prop(resource.props, "spec", "minReplicas")
    count = 1 if minimum is None else minimum
    if known(count) and (not isinstance(count, int) or count < MIN_REPLICAS):
        yield (f"spec.minReplicas is {minimum!r}: the autoscaler may scale in below "
               f"{MIN_REPLICAS} pods (none set means 1)")


def _ecs_circuit_breaker(resource: Any, context: Context) -> Iterator[str]:
    controller = prop(resource.props, "deploymentController", "type")
    if controller in ("CODE_DEPLOY", "EXTERNAL"):
        # "The deployment circuit breaker can only be used for services using the rolling
        # update (ECS) deployment type" (ECS API reference, DeploymentCircuitBreaker).
        return
    breaker = resource.props.get("deploymentCircuitBreaker")
    if not known(breaker):
        return
    breaker = breaker if isinstance(breaker, Mapping) else {}
    for key in ("enable", "rollback"):
        value = breaker.get(key)
        if known(value) and value is not True:
            yield (f"deploymentCircuitBreaker.{key} is {value!r}: a deployment that cannot "
                   "start healthy tasks is not stopped and rolled back")


# -- GCP -----------------------------------------------------------------------------------


def _sql_settings(resource: Any) -> Mapping[str, Any]:
    settings = resource.props.get("settings")
    return settings if isinstance(settings, Mapping) else {}


def _sql_regional(resource: Any, context: Context) -> Iterator[str]:
    value = _sql_settings(resource).get("availabilityType", "ZONAL")
    if known(value) and value != "REGIONAL":
        yield (f"settings.availabilityType is {value!r}: the instance has no standby in another "
               "zone to fail over to")


def _sql_backups_pitr(resource: Any, context: Context) -> Iterator[str]:
    backups = _sql_settings(resource).get("backupConfiguration")
    if not known(backups):
        return
    backups = backups if isinstance(backups, Mapping) else {}
    for key, what in (("enabled", "no automated backups are taken"),
                      ("pointInTimeRecoveryEnabled", "the database cannot be restored to a "
                                                     "point in time")):
        value = backups.get(key)
        if known(value) and value is not True:
            yield f"settings.backupConfiguration.{key} is {value!r}: {what}"


def _sql_backup_retention(resource: Any, context: Context) -> Iterator[str]:
    backups = _sql_settings(resource).get("backupConfiguration")
    if not known(backups):
        return
    backups = backups if isinstance(backups, Mapping) else {}
    # Either value absent leaves Cloud SQL's own default, which this rule does not judge.
    retained = prop(backups, "backupRetentionSettings", "retainedBackups")
    if known(retained) and retained is not None and (not isinstance(retained, int)
                                                     or retained < MIN_BACKUP_DAYS):
        yield (f"settings.backupConfiguration.backupRetentionSettings.retainedBackups is "
               f"{retained!r}: keep at least {MIN_BACKUP_DAYS} daily backups")
    days = backups.get("transactionLogRetentionDays")
    if known(days) and days is not None and (not isinstance(days, int)
                                             or days < MIN_BACKUP_DAYS):
        yield (f"settings.backupConfiguration.transactionLogRetentionDays is {days!r}: keep "
               f"at least {MIN_BACKUP_DAYS} days of point-in-time recovery")


def _sql_deletion_protection(resource: Any, context: Context) -> Iterator[str]:
    value = resource.props.get("deletionProtection", True)  # the provider's default
    if known(value) and value is not True:
        yield f"deletionProtection is {value!r}: Pulumi may delete the instance"
    enabled = _sql_settings(resource).get("deletionProtectionEnabled")
    if known(enabled) and enabled is not True:
        yield (f"settings.deletionProtectionEnabled is {enabled!r}: the instance can be deleted "
               "by one API call")
    yield from _protected(resource, context)


def _memorystore_ha(resource: Any, context: Context) -> Iterator[str]:
    tier = resource.props.get("tier", "BASIC")
    if known(tier) and tier != "STANDARD_HA":
        yield (f"tier is {tier!r}: a BASIC instance has no replica, so a failed node loses the "
               "cache")
        return
    replicas = resource.props.get("replicaCount")
    if known(replicas) and isinstance(replicas, int) and replicas < 1:
        yield f"replicaCount is {replicas}: no replica to fail over to"


def _gcs_versioning(resource: Any, context: Context) -> Iterator[str]:
    enabled = prop(resource.props, "versioning", "enabled")
    if known(enabled) and enabled is not True:
        yield (f"versioning.enabled is {enabled!r}: an overwritten or deleted object is lost "
               "once soft delete expires")


def _cloud_run_min_instances(resource: Any, context: Context) -> Iterator[str]:
    count = prop(resource.props, "template", "scaling", "minInstanceCount")
    value = 0 if count is None else count
    if known(value) and (not isinstance(value, int) or value < MIN_REPLICAS):
        yield (f"template.scaling.minInstanceCount is {count!r}: keep at least {MIN_REPLICAS} "
               "instances warm (none set means 0)")


def _worker_pool_instances(resource: Any, context: Context) -> Iterator[str]:
    scaling = resource.props.get("scaling")
    if not known(scaling):
        return
    scaling = scaling if isinstance(scaling, Mapping) else {}
    key = ("manualInstanceCount" if scaling.get("scalingMode", "AUTOMATIC") == "MANUAL"
           else "minInstanceCount")
    count = scaling.get(key)
    value = 0 if count is None else count
    if known(value) and (not isinstance(value, int) or value < MIN_REPLICAS):
        yield (f"scaling.{key} is {count!r}: run at least {MIN_REPLICAS} instances so one "
               "failing instance does not stop the worker")


RULES: tuple[Rule, ...] = (
    Rule(
        id="aws-rds-backup-retention",
        severity="mandatory",
        category="recoverability",
        rationale="A week of point-in-time backups lets a bad migration or deletion be undone.",
        remediation="Set forge-infra:database.backup_retention_days to 7 or more.",
        checks={RDS_INSTANCE: _rds_backup_retention, RDS_CLUSTER: _rds_backup_retention},
        environments=("prod",),
    ),
    Rule(
        id="aws-elasticache-backup-retention",
        severity="mandatory",
        category="recoverability",
        rationale="A week of daily snapshots lets the cache's data be restored after a bad "
                  "write or a lost node group.",
        remediation="Set forge-infra:cache.snapshot_retention_days to 7 or more (the default).",
        checks={ELASTICACHE_GROUP: _elasticache_backup_retention},
        # As the database's: dev lowers it on purpose (Pulumi.dev.yaml: 1 day), staging keeps
        # the default (7) and the config holds prod to a week.
        environments=("prod",),
    ),
    Rule(
        id="aws-rds-deletion-protection",
        severity="mandatory",
        category="recoverability",
        rationale="Deletion protection makes deleting the production database a deliberate "
                  "two-step act.",
        remediation="Set forge-infra:database.deletion_protection: true.",
        checks={RDS_INSTANCE: _rds_deletion_protection, RDS_CLUSTER: _rds_deletion_protection},
        environments=("prod",),
    ),
    Rule(
        id="aws-rds-final-snapshot",
        severity="mandatory",
        category="recoverability",
        rationale="A final snapshot keeps the data of a database that is deleted.",
        remediation="Leave skip_final_snapshot False with a final_snapshot_identifier (the "
                    "Database component always does).",
        checks={RDS_INSTANCE: _rds_final_snapshot, RDS_CLUSTER: _rds_final_snapshot},
        environments=("prod",),
    ),
    Rule(
        id="aws-elasticache-final-snapshot",
        severity="mandatory",
        category="recoverability",
        rationale="A final snapshot keeps the cache's data when its replication group is "
                  "deleted.",
        remediation="Set final_snapshot_identifier on the replication group (the Cache "
                    "component always does).",
        checks={ELASTICACHE_GROUP: _elasticache_final_snapshot},
        environments=("prod",),
    ),
    Rule(
        id="any-stateful-protect",
        severity="mandatory",
        category="recoverability",
        rationale="Pulumi protect stops a destroy or a replacement from deleting a resource "
                  "that holds data, or the key to it.",
        remediation="Set forge-infra:protect: true in the prod stack (the components pass it "
                    "to every stateful child).",
        checks=dict.fromkeys((*STATEFUL_TYPES, *GCP_STATEFUL_TYPES), _protected),
        environments=("prod",),
    ),
    Rule(
        id="aws-s3-no-force-destroy",
        severity="mandatory",
        category="recoverability",
        rationale="force_destroy lets deleting a bucket silently delete every object in it.",
        remediation="Leave forge-infra:storage.force_destroy unset (false) in prod.",
        checks=dict.fromkeys(S3_BUCKETS, _no_force_destroy),
        environments=("prod",),
    ),
    Rule(
        id="aws-s3-bucket-versioning",
        severity="mandatory",
        category="recoverability",
        rationale="Versioning keeps every overwritten or deleted object recoverable.",
        remediation="Create an aws.s3.BucketVersioning with status Enabled for the bucket (the "
                    "PrivateBucket component always does).",
        checks=dict.fromkeys(S3_BUCKETS, _bucket_versioned),
        scope="stack",
    ),
    Rule(
        id="aws-rds-multi-az",
        severity="mandatory",
        category="recoverability",
        rationale="A standby in another AZ takes over when the primary's AZ or host fails.",
        remediation="Set forge-infra:database.multi_az: true.",
        checks={RDS_INSTANCE: _rds_multi_az},
        environments=("prod",),
    ),
    Rule(
        id="aws-elasticache-multi-az",
        severity="mandatory",
        category="recoverability",
        rationale="Automatic failover to a replica in another AZ keeps the cache up when its "
                  "primary fails.",
        remediation="Set forge-infra:cache.nodes to 2 or more (the Cache component then turns "
                    "on automatic failover and Multi-AZ).",
        checks={ELASTICACHE_GROUP: _elasticache_multi_az},
        environments=("prod",),
    ),
    Rule(
        id="aws-msk-multi-az",
        severity="mandatory",
        category="recoverability",
        rationale="Brokers spread evenly over two or more AZs keep every partition's replicas "
                  "available when one AZ fails.",
        remediation="Set forge-infra:streaming.brokers to a multiple of the AZ count (network."
                    "azs, at least 2).",
        checks={MSK_CLUSTER: _msk_multi_az},
        environments=("prod",),
    ),
    Rule(
        id="any-service-min-replicas",
        severity="mandatory",
        category="recoverability",
        rationale="Two or more replicas keep a service up through a failed task, node or AZ "
                  "and through a deployment.",
        remediation="Set services.<name>.replicas (and services.<name>.autoscaling.min) to 2 "
                    "or more in the prod stack.",
        checks={ECS_SERVICE: _ecs_desired_count, SCALING_TARGET: _scaling_min_capacity,
                K8S_DEPLOYMENT: _deployment_replicas,
                K8S_ROLLOUT: _deployment_replicas,
                **dict.fromkeys(K8S_HPAS, _hpa_min_replicas),
                CLOUD_RUN_SERVICE: _cloud_run_min_instances,
                CLOUD_RUN_WORKER_POOL: _worker_pool_instances},
        scope="stack",
        environments=("prod",),
    ),
    Rule(
        id="aws-ecs-circuit-breaker",
        severity="mandatory",
        category="recoverability",
        rationale="The deployment circuit breaker stops a deployment whose tasks never become "
                  "healthy and rolls back to the last one that worked.",
        remediation="Set deployment_circuit_breaker enable=True, rollback=True on the service "
                    "(the EcsCompute component always does).",
        checks={ECS_SERVICE: _ecs_circuit_breaker},
    ),
)

#: The GCP rules of this category (`forge_infra.policy.registry` gathers them with `RULES`).
GCP_RULES: tuple[Rule, ...] = (
    Rule(
        id="gcp-sql-regional",
        severity="mandatory",
        category="recoverability",
        rationale="A regional Cloud SQL instance keeps a standby in another zone that takes "
                  "over when the primary's zone fails.",
        remediation="Turn on high availability for the GCP Database (its high_availability "
                    "argument: availability_type REGIONAL).",
        checks={GCP_SQL_INSTANCE: _sql_regional},
        environments=("prod",),
    ),
    Rule(
        id="gcp-sql-backups-pitr",
        severity="mandatory",
        category="recoverability",
        rationale="Automated backups with point-in-time recovery let a bad migration or "
                  "deletion be undone to the minute.",
        remediation="Keep backups and point-in-time recovery on in the GCP Database (its "
                    "backup_retention_days and point_in_time_recovery_days arguments).",
        checks={GCP_SQL_INSTANCE: _sql_backups_pitr},
    ),
    Rule(
        id="gcp-sql-backup-retention",
        severity="mandatory",
        category="recoverability",
        rationale="A week of daily backups and of transaction logs lets a bad migration or "
                  "deletion found days later still be undone.",
        remediation="Set backup_retention_days and point_in_time_recovery_days to 7 or more on "
                    "the GCP Database in the prod stack.",
        checks={GCP_SQL_INSTANCE: _sql_backup_retention},
        environments=("prod",),
    ),
    Rule(
        id="gcp-sql-deletion-protection",
        severity="mandatory",
        category="recoverability",
        rationale="Deletion protection (Pulumi's and Cloud SQL's) and Pulumi protect make "
                  "deleting the production database a deliberate act.",
        remediation="Pass deletion_protection=True and protect=True to the GCP Database "
                    "(forge-infra:protect: true in the prod stack).",
        checks={GCP_SQL_INSTANCE: _sql_deletion_protection},
        environments=("prod",),
    ),
    Rule(
        id="gcp-memorystore-ha",
        severity="mandatory",
        category="recoverability",
        rationale="A STANDARD_HA Memorystore instance fails over to its replica in another "
                  "zone when the primary fails.",
        remediation="Turn on high availability for the GCP Cache (its high_availability "
                    "argument: tier STANDARD_HA).",
        checks={GCP_REDIS: _memorystore_ha},
        environments=("prod",),
    ),
    Rule(
        id="gcp-gcs-versioning",
        severity="mandatory",
        category="recoverability",
        rationale="Versioning keeps every overwritten or deleted object recoverable.",
        remediation="Keep versioning on in the prod stack (the GCP Storage component's "
                    "versioning argument, on by default).",
        checks={GCP_BUCKET: _gcs_versioning},
        # As the GCP config's own refusal: prod keeps versions; dev turns them off on purpose.
        environments=("prod",),
    ),
    Rule(
        id="gcp-gcs-no-force-destroy",
        severity="mandatory",
        category="recoverability",
        rationale="force_destroy lets deleting a bucket silently delete every object in it.",
        remediation="Leave force_destroy False on the GCP Storage component in prod.",
        checks={GCP_BUCKET: _no_force_destroy},
        environments=("prod",),
    ),
)


# -- Azure -------------------------------------------------------------------------------------
# pulumi-azure-native 3.x, camelCase inputs. Facts from the SDK's own docstrings: a flexible
# server's `highAvailability.mode` is `Disabled`, `SameZone` or `ZoneRedundant`, and
# `backup.geoRedundantBackup` `Enabled` or `Disabled` (`dbforpostgresql/_inputs.py`); an Azure
# Managed Redis cluster's `highAvailability` is "Enabled by default. If highAvailability is
# disabled, the data set is not replicated" (`redisenterprise/redis_enterprise.py`); a
# management lock's `level` is `CanNotDelete` or `ReadOnly`, and it applies to its `scope` and
# everything under it (`authorization/management_lock_by_scope.py`); a Container App's
# `template.scale.minReplicas` is optional, and Container Apps scale a revision to zero replicas
# when it is not set (https://learn.microsoft.com/azure/container-apps/scale-app).

AZURE_POSTGRES = "azure-native:dbforpostgresql:Server"
AZURE_REDIS = "azure-native:redisenterprise:RedisEnterprise"
AZURE_STORAGE_ACCOUNT = "azure-native:storage:StorageAccount"
AZURE_BLOB_SERVICE = "azure-native:storage:BlobServiceProperties"
AZURE_LOCK = "azure-native:authorization:ManagementLockByScope"
AZURE_KEY_VAULT = "azure-native:keyvault:Vault"
AZURE_CONTAINER_APP = "azure-native:app:ContainerApp"

#: The Azure resources `protect` must guard in prod, for the same reason as the AWS ones: the
#: database, the cache, the Event Hubs namespace (its retained events), storage accounts and Key
#: Vaults (the credentials in them). Not a Key Vault's secrets (`keyvault:Secret`): the
#: management API pulumi-azure-native uses for them has create, get, list and update, and no
#: delete ("This API is intended for internal use in ARM deployments. Users should use the
#: data-plane REST service", https://learn.microsoft.com/javascript/api/@azure/arm-keyvault/
#: secretsoperations), so a destroy or a replacement cannot delete one: the secret lives as
#: long as its vault, which is protected (and purge-protected, `azure-keyvault-purge-protection`).
AZURE_STATEFUL_TYPES: tuple[str, ...] = (
    AZURE_POSTGRES, AZURE_REDIS, "azure-native:eventhub:Namespace", AZURE_STORAGE_ACCOUNT,
    AZURE_KEY_VAULT,
)
#: Management lock levels that stop a delete (`ReadOnly` stops it too, and every write).
AZURE_DELETE_LOCKS = ("CanNotDelete", "ReadOnly")


def _azure_postgres_zone_redundant(resource: Any, context: Context) -> Iterator[str]:
    mode = prop(resource.props, "highAvailability", "mode")
    if known(mode) and mode != "ZoneRedundant":
        yield (f"highAvailability.mode is {mode!r}: no standby in another availability zone "
               "takes over when the primary's zone fails")


def _azure_postgres_geo_backup(resource: Any, context: Context) -> Iterator[str]:
    geo = prop(resource.props, "backup", "geoRedundantBackup")
    if known(geo) and geo != "Enabled":
        yield (f"backup.geoRedundantBackup is {geo!r}: the backups stay in the server's region "
               "and are lost with it")


def _azure_postgres_backup_retention(resource: Any, context: Context) -> Iterator[str]:
    days = prop(resource.props, "backup", "backupRetentionDays")
    shown = 7 if days is None else days  # the service's default retention is 7 days
    if known(shown) and (not isinstance(shown, int) or shown < MIN_BACKUP_DAYS):
        yield (f"backup.backupRetentionDays is {days!r}: keep at least {MIN_BACKUP_DAYS} days "
               "of automated backups")


def _azure_locked(resource: Any, context: Context) -> Iterator[str]:
    assert context.stack is not None
    name = resource.props.get("serverName")
    locks = [lock for lock in context.stack.of_type(AZURE_LOCK)
             if resource in context.stack.dependencies(lock)
             or (known(name) and isinstance(name, str) and name
                 and str(lock.props.get("scope", "")).endswith(f"/flexibleServers/{name}"))]
    levels = [lock.props.get("level") for lock in locks]
    if not any(level in AZURE_DELETE_LOCKS or not known(level) for level in levels):
        yield (f"no CanNotDelete management lock is scoped to the server (locks: "
               f"{levels or 'none'}): one API call or a deleted resource group deletes it")


def _azure_redis_ha(resource: Any, context: Context) -> Iterator[str]:
    value = resource.props.get("highAvailability")
    if known(value) and value == "Disabled":
        yield ("highAvailability is 'Disabled': the data set is not replicated, so a failed "
               "node loses it and the cache is down until it is replaced")


def _azure_blob_services(account: Any, context: Context) -> list[Any]:
    assert context.stack is not None
    name = account.props.get("accountName")
    return [s for s in context.stack.of_type(AZURE_BLOB_SERVICE)
            if account in context.stack.dependencies(s)
            or (known(name) and isinstance(name, str) and name
                and s.props.get("accountName") == name)]


def _azure_storage_soft_delete(resource: Any, context: Context) -> Iterator[str]:
    services = _azure_blob_services(resource, context)
    if not services:
        yield ("no BlobServiceProperties for the account: blob soft delete and versioning are "
               "off, so a deleted or overwritten blob is lost")
        return
    service = services[0]
    deleted = prop(service.props, "deleteRetentionPolicy", "enabled")
    if known(deleted) and deleted is not True:
        yield (f"deleteRetentionPolicy.enabled is {deleted!r}: a deleted blob cannot be "
               "restored")
    versioning = service.props.get("isVersioningEnabled")
    if known(versioning) and versioning is not True:
        yield (f"isVersioningEnabled is {versioning!r}: an overwritten blob's previous content "
               "is lost")


def _azure_key_vault_purge_protection(resource: Any, context: Context) -> Iterator[str]:
    value = prop(resource.props, "properties", "enablePurgeProtection")
    if known(value) and value is not True:
        yield (f"properties.enablePurgeProtection is {value!r}: a deleted vault or secret can "
               "be purged before its retention period ends")


def _azure_container_app_min_replicas(resource: Any, context: Context) -> Iterator[str]:
    minimum = prop(resource.props, "template", "scale", "minReplicas")
    if known(minimum) and (not isinstance(minimum, int) or minimum < MIN_REPLICAS):
        yield (f"template.scale.minReplicas is {minimum!r}: the app may scale in below "
               f"{MIN_REPLICAS} replicas (none set means it scales to zero)")


AZURE_RULES: tuple[Rule, ...] = (
    Rule(
        id="azure-postgres-zone-redundant-ha",
        severity="mandatory",
        category="recoverability",
        rationale="A zone-redundant standby takes over when the primary's availability zone "
                  "or host fails.",
        remediation="Set forge-infra:database.high_availability: true (a GeneralPurpose or "
                    "MemoryOptimized SKU in a region with zones; ZoneRedundant HA).",
        checks={AZURE_POSTGRES: _azure_postgres_zone_redundant},
        environments=("prod",),
    ),
    Rule(
        id="azure-postgres-geo-backup",
        severity="mandatory",
        category="recoverability",
        rationale="Geo-redundant backups let the database be restored in the paired region "
                  "when its own region is lost.",
        remediation="Set forge-infra:database.geo_redundant_backup: true (Azure sets it only "
                    "when the server is created).",
        checks={AZURE_POSTGRES: _azure_postgres_geo_backup},
        environments=("prod",),
    ),
    Rule(
        id="azure-postgres-backup-retention",
        severity="mandatory",
        category="recoverability",
        rationale="A week of point-in-time backups lets a bad migration or deletion be undone.",
        remediation="Set forge-infra:database.backup_retention_days to 7 or more.",
        checks={AZURE_POSTGRES: _azure_postgres_backup_retention},
        environments=("prod",),
    ),
    Rule(
        id="azure-resource-lock",
        severity="mandatory",
        category="recoverability",
        rationale="A CanNotDelete management lock makes deleting the production database (or "
                  "its resource group) a deliberate two-step act.",
        remediation="Set forge-infra:database.delete_lock: true (the Database component then "
                    "puts a CanNotDelete lock on the server).",
        checks={AZURE_POSTGRES: _azure_locked},
        scope="stack",
        environments=("prod",),
    ),
    Rule(
        id="azure-redis-ha",
        severity="mandatory",
        category="recoverability",
        rationale="A replicated Managed Redis cluster keeps its data and serves on when a node "
                  "fails.",
        remediation="Set forge-infra:cache.high_availability: true.",
        checks={AZURE_REDIS: _azure_redis_ha},
        environments=("prod",),
    ),
    Rule(
        id="azure-storage-soft-delete",
        severity="mandatory",
        category="recoverability",
        rationale="Blob soft delete and versioning keep every deleted or overwritten blob "
                  "recoverable.",
        remediation="Create the account's BlobServiceProperties with deleteRetentionPolicy "
                    "enabled and isVersioningEnabled (the Storage component always does).",
        checks={AZURE_STORAGE_ACCOUNT: _azure_storage_soft_delete},
        scope="stack",
    ),
    Rule(
        id="azure-keyvault-purge-protection",
        severity="mandatory",
        category="recoverability",
        rationale="Purge protection keeps a deleted vault and its secrets recoverable for "
                  "their whole retention period.",
        remediation="Set properties.enablePurgeProtection: true on the vault (the Database and "
                    "Streaming components always do).",
        checks={AZURE_KEY_VAULT: _azure_key_vault_purge_protection},
    ),
)

#: Azure types mapped onto the rules above (`any-...`).
AZURE_CHECKS: dict[str, dict[str, Check]] = {
    "any-stateful-protect": dict.fromkeys(AZURE_STATEFUL_TYPES, _protected),
    "any-service-min-replicas": {AZURE_CONTAINER_APP: _azure_container_app_min_replicas},
}

RULES = (*extend_checks(RULES, AZURE_CHECKS), *AZURE_RULES)
