"""What every GCP component's Secret Manager secrets share."""

import pulumi
import pulumi_gcp as gcp


def regional_replication(region: pulumi.Input[str]) -> gcp.secretmanager.SecretReplicationArgs:
    """User-managed replication with one replica in `region`: a secret's payload stays in the
    stack's region, beside the service it belongs to (Secret Manager's `automatic` policy would
    replicate it to any region; https://cloud.google.com/secret-manager/docs/choosing-replication)."""
    return gcp.secretmanager.SecretReplicationArgs(
        user_managed=gcp.secretmanager.SecretReplicationUserManagedArgs(
            replicas=[gcp.secretmanager.SecretReplicationUserManagedReplicaArgs(
                location=region)]))
