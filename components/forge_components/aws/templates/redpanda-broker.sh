#!/bin/bash
# Redpanda broker __NODE_ID__ bootstrap (rendered by components.aws.streaming; runs once, at first
# boot, through cloud-init). It installs Redpanda from the official apt repository, mounts the
# broker's dedicated EBS data volume, writes the node configuration with every peer as a seed
# server, and starts the broker. Re-running it is safe: an existing filesystem is never
# reformatted.
set -euo pipefail
exec > >(tee -a /var/log/redpanda-bootstrap.log) 2>&1

NODE_ID="__NODE_ID__"
SELF_IP="__SELF_IP__"
DATA_VOLUME_ID="__DATA_VOLUME_ID__"
REDPANDA_VERSION="__REDPANDA_VERSION__"
DATA_DIR=/var/lib/redpanda/data

export DEBIAN_FRONTEND=noninteractive

# 1. Install Redpanda from the official package repository. The redpanda package depends on
#    redpanda-rpk and redpanda-tuner of its own version, so all three are pinned to one release
#    (any Debian revision of it): pinning redpanda alone leaves apt to pick the newest rpk and
#    tuner, which conflict, and the install aborts.
apt-get update -y
apt-get install -y curl ca-certificates xfsprogs
curl -1sLf 'https://linux.pkg.redpanda.com/setup-redpanda.deb.sh' | bash
apt-get update -y
apt-get install -y "redpanda=${REDPANDA_VERSION}-*" "redpanda-rpk=${REDPANDA_VERSION}-*" "redpanda-tuner=${REDPANDA_VERSION}-*"
apt-mark hold redpanda redpanda-rpk redpanda-tuner || true

# 2. Wait for the data volume (attached after boot), format it only if it is blank, mount it.
VOLUME_SERIAL="${DATA_VOLUME_ID//-/}"
DEVICE=""
for _ in $(seq 1 120); do
  for candidate in "/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${VOLUME_SERIAL}" /dev/xvdf /dev/sdf; do
    if [ -b "$candidate" ]; then DEVICE="$(readlink -f "$candidate")"; break 2; fi
  done
  sleep 5
done
if [ -z "$DEVICE" ]; then
  echo "data volume ${DATA_VOLUME_ID} never appeared" >&2
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

# 3. Node configuration: explicit node id, this broker's address, every broker as a seed.
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
  advertised_kafka_api:
    - name: internal
      address: ${SELF_IP}
      port: 9092
  admin:
    - address: 0.0.0.0
      port: 9644
  developer_mode: false
pandaproxy:
  pandaproxy_api:
    - name: internal
      address: 0.0.0.0
      port: 8082
  advertised_pandaproxy_api:
    - name: internal
      address: ${SELF_IP}
      port: 8082
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
EOF
chown redpanda:redpanda /etc/redpanda/redpanda.yaml /etc/redpanda/.bootstrap.yaml

# 4. Production mode (tuners on), then start the broker.
rpk redpanda mode production
systemctl enable --now redpanda-tuner
systemctl enable --now redpanda
