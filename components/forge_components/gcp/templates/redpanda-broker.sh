#!/bin/bash
# Redpanda broker __NODE_ID__ bootstrap on Compute Engine (rendered by
# forge_components.gcp.streaming; Compute Engine runs the `startup-script` metadata at every
# boot, so the work is done once and a marker file ends later runs early). It installs Redpanda
# from the official apt repository, mounts the broker's own persistent data disk, writes the
# node configuration with every peer as a seed server and SASL/SCRAM required on the Kafka API,
# starts the broker and makes the clients' user (read from Secret Manager with the instance's
# service account, never from metadata) a superuser. Re-running it is safe: an existing
# filesystem is never reformatted and an existing user is kept.
set -euo pipefail
exec > >(tee -a /var/log/redpanda-bootstrap.log) 2>&1

NODE_ID="__NODE_ID__"
SELF_IP="__SELF_IP__"
DATA_DEVICE_NAME="__DATA_DEVICE_NAME__"
REDPANDA_VERSION="__REDPANDA_VERSION__"
REDPANDA_MODE="__REDPANDA_MODE__"
BROKER_NAME="__BROKER_NAME__"
CREDENTIALS_SECRET="__CREDENTIALS_SECRET__"
SASL_MECHANISM="__SASL_MECHANISM__"
DATA_DIR=/var/lib/redpanda/data
DONE_MARKER=/var/lib/redpanda-bootstrap.done
METADATA=http://metadata.google.internal/computeMetadata/v1
export DEBIAN_FRONTEND=noninteractive

if [ -f "$DONE_MARKER" ]; then
  echo "bootstrap of ${BROKER_NAME} already done; redpanda starts through systemd"
  exit 0
fi
trap 'echo "bootstrap of ${BROKER_NAME} failed at line ${LINENO}" >&2' ERR

# 1. Install Redpanda from the official package repository, all three packages pinned to one
#    release (pinning redpanda alone lets apt pick a newer rpk and tuner, which conflict).
#    python3 parses the JSON answers of the metadata server and Secret Manager.
apt-get update -y
apt-get install -y curl ca-certificates xfsprogs python3
curl -1sLf 'https://linux.pkg.redpanda.com/setup-redpanda.deb.sh' | bash
apt-get update -y
apt-get install -y "redpanda=${REDPANDA_VERSION}-*" "redpanda-rpk=${REDPANDA_VERSION}-*" "redpanda-tuner=${REDPANDA_VERSION}-*"
apt-mark hold redpanda redpanda-rpk redpanda-tuner || true

# 2. The clients' SASL/SCRAM credentials, read from Secret Manager with an access token of the
#    instance's service account (metadata server), never written to disk. Sources: the token
#    endpoint, https://cloud.google.com/compute/docs/access/authenticate-workloads#applications;
#    GET v1/{name}/versions/latest:access returns payload.data in base64,
#    https://cloud.google.com/secret-manager/docs/reference/rest/v1/projects.secrets.versions/access
TOKEN="$(curl -sf -H 'Metadata-Flavor: Google' "${METADATA}/instance/service-accounts/default/token" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')"
SECRET_JSON="$(curl -sf -H "Authorization: Bearer ${TOKEN}" \
  "https://secretmanager.googleapis.com/v1/${CREDENTIALS_SECRET}/versions/latest:access" \
  | python3 -c 'import base64, json, sys; print(base64.b64decode(json.load(sys.stdin)["payload"]["data"]).decode())')"
unset TOKEN
KAFKA_USERNAME="$(printf '%s' "$SECRET_JSON" | python3 -c 'import json, sys; print(json.load(sys.stdin)["username"])')"
KAFKA_PASSWORD="$(printf '%s' "$SECRET_JSON" | python3 -c 'import json, sys; print(json.load(sys.stdin)["password"])')"
unset SECRET_JSON

# 3. The data disk (attached with the instance, named by its device name: it appears as
#    /dev/disk/by-id/google-<device name>, pulumi_gcp's InstanceAttachedDiskArgs.device_name),
#    formatted only if it is blank, mounted by UUID.
DEVICE=""
for _ in $(seq 1 60); do
  candidate="/dev/disk/by-id/google-${DATA_DEVICE_NAME}"
  if [ -b "$candidate" ]; then DEVICE="$(readlink -f "$candidate")"; break; fi
  sleep 5
done
if [ -z "$DEVICE" ]; then
  echo "data disk ${DATA_DEVICE_NAME} never appeared" >&2
  exit 1
fi
if ! blkid "$DEVICE" >/dev/null 2>&1; then
  mkfs.xfs -L redpanda-data "$DEVICE"
fi
mkdir -p "$DATA_DIR"
UUID="$(blkid -s UUID -o value "$DEVICE")"
if ! grep -q "UUID=${UUID}" /etc/fstab; then
  echo "UUID=${UUID} ${DATA_DIR} xfs defaults,noatime,nofail 0 2" >> /etc/fstab
fi
mountpoint -q "$DATA_DIR" || mount "$DATA_DIR"
chown -R redpanda:redpanda "$DATA_DIR"

# 4. Node configuration: explicit node id, this broker's address, every broker as a seed, SASL
#    on the Kafka API. No HTTP proxy: it would need its own client credentials.
cat > /etc/redpanda/redpanda.yaml <<EOF
redpanda:
  data_directory: ${DATA_DIR}
  node_id: ${NODE_ID}
  empty_seed_starts_cluster: false
  seed_servers:
__SEED_SERVERS__
  rpc_server:
    address: 0.0.0.0
    port: 33145
  advertised_rpc_api:
    address: ${SELF_IP}
    port: 33145
  kafka_api:
    - name: internal
      address: 0.0.0.0
      port: 9092
      authentication_method: sasl
  advertised_kafka_api:
    - name: internal
      address: ${SELF_IP}
      port: 9092
  admin:
    - address: 0.0.0.0
      port: 9644
rpk:
  kafka_api:
    brokers:
      - ${SELF_IP}:9092
  admin_api:
    addresses:
      - ${SELF_IP}:9644
EOF

# Cluster properties applied once, when the cluster first forms (identical on every broker).
cat > /etc/redpanda/.bootstrap.yaml <<EOF
auto_create_topics_enabled: false
default_topic_replications: __REPLICATION_FACTOR__
enable_sasl: true
superusers:
  - ${KAFKA_USERNAME}
EOF
chown redpanda:redpanda /etc/redpanda/redpanda.yaml /etc/redpanda/.bootstrap.yaml

# 5. The mode the stack asked for (production: tuners on; development: developer_mode), then
#    start the broker.
rpk redpanda mode "$REDPANDA_MODE"
if [ "$REDPANDA_MODE" = production ]; then
  systemctl enable --now redpanda-tuner
fi
systemctl enable --now redpanda

# 6. The clients' SCRAM user, through the local Admin API, once the cluster has formed (every
#    broker makes sure of it, so a replaced broker repairs a missing user).
USER_READY=""
for _ in $(seq 1 90); do
  if rpk security user list 2>/dev/null | grep -qx "$KAFKA_USERNAME"; then USER_READY=yes; break; fi
  if rpk security user create "$KAFKA_USERNAME" --password "$KAFKA_PASSWORD" --mechanism "$SASL_MECHANISM"; then
    USER_READY=yes; break
  fi
  sleep 10
done
unset KAFKA_PASSWORD
if [ -z "$USER_READY" ]; then
  echo "could not create the SASL user ${KAFKA_USERNAME}" >&2
  exit 1
fi
touch "$DONE_MARKER"
echo "bootstrap of ${BROKER_NAME} complete"
