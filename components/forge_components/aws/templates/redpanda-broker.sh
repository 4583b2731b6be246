#!/bin/bash
# Redpanda broker __NODE_ID__ bootstrap (rendered by components.aws.streaming; runs once, at first
# boot, through cloud-init). It installs Redpanda from the official apt repository, mounts the
# broker's dedicated EBS data volume, writes the broker's TLS key and certificates (from Secrets
# Manager), writes the node configuration with every peer as a seed server and SASL/SCRAM over
# TLS required on the Kafka API, starts the broker, makes the clients' user (from Secrets
# Manager) a superuser, and starts the BrokerReady heartbeat the broker's
# CloudWatch alarm watches. Re-running it is safe: an existing filesystem is never reformatted
# and an existing user is kept.
set -euo pipefail
exec > >(tee -a /var/log/redpanda-bootstrap.log) 2>&1

NODE_ID="__NODE_ID__"
SELF_IP="__SELF_IP__"
DATA_VOLUME_ID="__DATA_VOLUME_ID__"
REDPANDA_VERSION="__REDPANDA_VERSION__"
REDPANDA_MODE="__REDPANDA_MODE__"
BROKER_NAME="__BROKER_NAME__"
CREDENTIALS_SECRET_ARN="__CREDENTIALS_SECRET_ARN__"
TLS_SECRET_ARN="__TLS_SECRET_ARN__"
CERT_DIR="__CERT_DIR__"
AWS_REGION="__REGION__"
SASL_MECHANISM="__SASL_MECHANISM__"
METRIC_NAMESPACE="__METRIC_NAMESPACE__"
METRIC_NAME="__METRIC_NAME__"
DATA_DIR=/var/lib/redpanda/data
export AWS_REGION DEBIAN_FRONTEND=noninteractive

# The boot signal. Any failing command reports BrokerReady=0 (when the AWS CLI is already
# installed) before the script exits; a boot that never gets that far publishes nothing, and
# the alarm treats missing data as breaching too.
report_failure() {
  echo "bootstrap failed at line $1" >&2
  if command -v aws >/dev/null 2>&1; then
    aws cloudwatch put-metric-data --namespace "$METRIC_NAMESPACE" --metric-name "$METRIC_NAME" \
      --dimensions "Broker=${BROKER_NAME}" --value 0 --unit Count || true
  fi
}
trap 'report_failure $LINENO' ERR

# 1. Install Redpanda from the official package repository. The redpanda package depends on
#    redpanda-rpk and redpanda-tuner of its own version, so all three are pinned to one release
#    (any Debian revision of it): pinning redpanda alone leaves apt to pick the newest rpk and
#    tuner, which conflict, and the install aborts. awscli (Ubuntu 22.04's package) reads the
#    credentials and publishes the boot signal; python3 parses the secret's JSON.
apt-get update -y
apt-get install -y curl ca-certificates xfsprogs awscli python3
curl -1sLf 'https://linux.pkg.redpanda.com/setup-redpanda.deb.sh' | bash
apt-get update -y
apt-get install -y "redpanda=${REDPANDA_VERSION}-*" "redpanda-rpk=${REDPANDA_VERSION}-*" "redpanda-tuner=${REDPANDA_VERSION}-*"
apt-mark hold redpanda redpanda-rpk redpanda-tuner || true

# 2. The clients' SASL/SCRAM credentials, read with the instance role (never written to disk).
SECRET_JSON="$(aws secretsmanager get-secret-value --secret-id "$CREDENTIALS_SECRET_ARN" \
  --query SecretString --output text)"
KAFKA_USERNAME="$(printf '%s' "$SECRET_JSON" | python3 -c 'import json, sys; print(json.load(sys.stdin)["username"])')"
KAFKA_PASSWORD="$(printf '%s' "$SECRET_JSON" | python3 -c 'import json, sys; print(json.load(sys.stdin)["password"])')"
unset SECRET_JSON

# 2b. The broker's TLS files, from its own secret (JSON key, certificate, ca), read with the
#     instance role: written straight to files only the redpanda user can read, never echoed
#     (the key never appears in the user data, the log or a command line).
install -d -m 0750 -o redpanda -g redpanda "$CERT_DIR"
aws secretsmanager get-secret-value --secret-id "$TLS_SECRET_ARN" --query SecretString \
  --output text | (umask 077 && python3 -c '
import json, os, sys
value = json.load(sys.stdin)
for field, name in (("key", "broker.key"), ("certificate", "broker.crt"), ("ca", "ca.crt")):
    with open(os.path.join(sys.argv[1], name), "w", encoding="ascii") as handle:
        handle.write(value[field])
' "$CERT_DIR")
chown redpanda:redpanda "$CERT_DIR/broker.key" "$CERT_DIR/broker.crt" "$CERT_DIR/ca.crt"
chmod 0400 "$CERT_DIR/broker.key"
chmod 0444 "$CERT_DIR/broker.crt" "$CERT_DIR/ca.crt"

# 3. Wait for the data volume (attached after boot), format it only if it is blank, mount it.
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
  report_failure "$LINENO"
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
#    over TLS on the Kafka API (kafka_api_tls names the listener; server certificate only, the
#    clients authenticate with SCRAM). The RPC and admin listeners stay plaintext, reachable only
#    from the other brokers (security group). No HTTP proxy: it would need its own client
#    credentials, and no client uses it. rpk reaches the Kafka API with the CA as truststore.
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
  kafka_api_tls:
    - name: internal
      key_file: ${CERT_DIR}/broker.key
      cert_file: ${CERT_DIR}/broker.crt
      truststore_file: ${CERT_DIR}/ca.crt
      enabled: true
      require_client_auth: false
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
    tls:
      truststore_file: ${CERT_DIR}/ca.crt
  admin_api:
    addresses:
      - ${SELF_IP}:9644
EOF

# Cluster properties applied once, when the cluster first forms (identical on every broker):
# SASL required, the clients' user a superuser.
cat > /etc/redpanda/.bootstrap.yaml <<EOF
auto_create_topics_enabled: false
default_topic_replications: __REPLICATION_FACTOR__
enable_sasl: true
superusers:
  - ${KAFKA_USERNAME}
EOF
chown redpanda:redpanda /etc/redpanda/redpanda.yaml /etc/redpanda/.bootstrap.yaml

# 5. The mode the stack asked for (production: tuners on; development: developer_mode, no
#    memory floor), then start the broker.
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
  report_failure "$LINENO"
  exit 1
fi

# 7. The heartbeat: every minute, BrokerReady=1 when Redpanda runs and its Admin API answers
#    ready (GET /v1/status/ready), 0 otherwise. Its first value marks the end of the boot.
cat > /usr/local/bin/redpanda-heartbeat <<EOF
#!/bin/bash
set -uo pipefail
value=0
if systemctl is-active --quiet redpanda \\
    && curl -sf --max-time 5 http://127.0.0.1:9644/v1/status/ready | grep -q '"ready"'; then
  value=1
fi
AWS_REGION="${AWS_REGION}" aws cloudwatch put-metric-data --namespace "${METRIC_NAMESPACE}" \\
  --metric-name "${METRIC_NAME}" --dimensions "Broker=${BROKER_NAME}" --value "\$value" --unit Count
EOF
chmod 0755 /usr/local/bin/redpanda-heartbeat
cat > /etc/systemd/system/redpanda-heartbeat.service <<EOF
[Unit]
Description=Publish the Redpanda broker's BrokerReady heartbeat to CloudWatch
After=redpanda.service

[Service]
Type=oneshot
ExecStart=/usr/local/bin/redpanda-heartbeat
EOF
cat > /etc/systemd/system/redpanda-heartbeat.timer <<EOF
[Unit]
Description=Run the Redpanda heartbeat every minute

[Timer]
OnActiveSec=0
OnUnitActiveSec=60

[Install]
WantedBy=timers.target
EOF
systemctl daemon-reload
systemctl enable --now redpanda-heartbeat.timer
echo "bootstrap of ${BROKER_NAME} complete"
