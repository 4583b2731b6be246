#!/bin/bash
# forge-infra: TimescaleDB on EC2 (Ubuntu 22.04), role __FORGE_ROLE__.
# Rendered by components.aws.database.render_user_data (its markers are filled at deploy time).
# No secret is written here: passwords are read from Secrets Manager at boot.
# Do not add `set -x`: the passwords pass through shell variables below.
set -euo pipefail
umask 022

ROLE="__FORGE_ROLE__"                       # primary | replica
PG_MAJOR="__FORGE_PG_MAJOR__"
DATA_VOLUME_ID="__FORGE_DATA_VOLUME_ID__"
SECRET_ARN="__FORGE_SECRET_ARN__"
BACKUP_BUCKET="__FORGE_BACKUP_BUCKET__"
BACKUP_KMS_KEY="__FORGE_KMS_KEY_ARN__"
BACKUP_RETENTION_DAYS="__FORGE_BACKUP_RETENTION_DAYS__"
DB_NAME="__FORGE_DB_NAME__"
PRIMARY_HOST="__FORGE_PRIMARY_HOST__"       # the primary's address (replica only)
LOG_MIN_DURATION_MS="__FORGE_LOG_MIN_DURATION_MS__"
STANZA="main"
MOUNT=/var/lib/postgresql
PG_DATA="$MOUNT/$PG_MAJOR/main"
PG_CONF="/etc/postgresql/$PG_MAJOR/main"
export DEBIAN_FRONTEND=noninteractive

# -- region from IMDSv2 (the instance requires session tokens) ------------------------------
IMDS_TOKEN=$(curl -fsS -X PUT http://169.254.169.254/latest/api/token \
  -H "X-aws-ec2-metadata-token-ttl-seconds: 300")
REGION=$(curl -fsS -H "X-aws-ec2-metadata-token: $IMDS_TOKEN" \
  http://169.254.169.254/latest/meta-data/placement/region)

# -- the data volume: wait for the attachment, format once, mount ----------------------------
DEVICE="/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${DATA_VOLUME_ID/-/}"
for _ in $(seq 1 120); do [ -e "$DEVICE" ] && break; sleep 5; done
[ -e "$DEVICE" ] || { echo "data volume $DATA_VOLUME_ID never attached" >&2; exit 1; }
if ! blkid "$DEVICE" >/dev/null 2>&1; then
  mkfs.ext4 -L pgdata "$DEVICE"
fi
UUID=$(blkid -s UUID -o value "$DEVICE")
mkdir -p "$MOUNT"
grep -q "$UUID" /etc/fstab || \
  echo "UUID=$UUID $MOUNT ext4 defaults,noatime,nofail 0 2" >> /etc/fstab
mountpoint -q "$MOUNT" || mount "$MOUNT"

# -- packages: PGDG (PostgreSQL, pgBackRest), Timescale's repository, AWS CLI ---------------
apt-get update -q
apt-get install -y -q curl ca-certificates gnupg lsb-release jq
CODENAME=$(lsb_release -cs)
install -d /usr/share/keyrings
curl -fsSL https://www.postgresql.org/media/keys/ACCC4CF8.asc \
  | gpg --dearmor --yes -o /usr/share/keyrings/pgdg.gpg
echo "deb [signed-by=/usr/share/keyrings/pgdg.gpg] https://apt.postgresql.org/pub/repos/apt ${CODENAME}-pgdg main" \
  > /etc/apt/sources.list.d/pgdg.list
curl -fsSL https://packagecloud.io/timescale/timescaledb/gpgkey \
  | gpg --dearmor --yes -o /usr/share/keyrings/timescaledb.gpg
echo "deb [signed-by=/usr/share/keyrings/timescaledb.gpg] https://packagecloud.io/timescale/timescaledb/ubuntu/ ${CODENAME} main" \
  > /etc/apt/sources.list.d/timescaledb.list
apt-get update -q
# The cluster is created below, on the data volume, not by the package.
apt-get install -y -q postgresql-common
sed -i 's/^#\?\s*create_main_cluster.*/create_main_cluster = false/' \
  /etc/postgresql-common/createcluster.conf
apt-get install -y -q "postgresql-__FORGE_PG_MAJOR__" "timescaledb-2-postgresql-__FORGE_PG_MAJOR__" \
  timescaledb-tools pgbackrest
snap install aws-cli --classic
AWS=/snap/bin/aws
chown postgres:postgres "$MOUNT"

SECRET_JSON=$($AWS secretsmanager get-secret-value --region "$REGION" \
  --secret-id "$SECRET_ARN" --query SecretString --output text)
DB_USER=$(jq -r .username <<<"$SECRET_JSON")
REPL_USER=$(jq -r .replication_username <<<"$SECRET_JSON")

# -- pgBackRest: WAL archive + base backups in s3://<bucket>/timescaledb/ (SSE-KMS) ----------
install -d -o postgres -g postgres -m 750 /var/log/pgbackrest /var/lib/pgbackrest
install -d -m 755 /etc/pgbackrest
rm -f /etc/pgbackrest.conf
cat > /etc/pgbackrest/pgbackrest.conf <<EOF
[global]
repo1-type=s3
repo1-s3-bucket=$BACKUP_BUCKET
repo1-s3-region=$REGION
repo1-s3-endpoint=s3.$REGION.amazonaws.com
repo1-s3-key-type=auto
repo1-s3-kms-key-id=$BACKUP_KMS_KEY
repo1-path=/timescaledb
repo1-retention-full-type=time
repo1-retention-full=$BACKUP_RETENTION_DAYS
compress-type=zst
start-fast=y
process-max=2
log-level-console=info
log-level-file=detail

[$STANZA]
pg1-path=$PG_DATA
pg1-port=5432
EOF
chmod 640 /etc/pgbackrest/pgbackrest.conf
chgrp postgres /etc/pgbackrest/pgbackrest.conf

# -- the cluster: create it on the data volume, or adopt the one already there ---------------
NEW_CLUSTER=0
if [ ! -d "$PG_CONF" ]; then
  if [ -f "$PG_DATA/PG_VERSION" ]; then
    pg_createcluster "$PG_MAJOR" main -d "$PG_DATA"            # adopt existing data
  else
    NEW_CLUSTER=1
    pg_createcluster "$PG_MAJOR" main -d "$PG_DATA" -- --data-checksums --auth-local=peer
  fi
fi

cat > "$PG_CONF/conf.d/90-forge.conf" <<EOF
listen_addresses = '*'
port = 5432
shared_preload_libraries = 'timescaledb,pg_stat_statements'
timescaledb.telemetry_level = off
ssl = on
password_encryption = 'scram-sha-256'
wal_level = replica
max_wal_senders = 10
wal_keep_size = '2GB'
hot_standby = on
archive_mode = on
archive_command = 'pgbackrest --stanza=$STANZA archive-push %p'
archive_timeout = 300
restore_command = 'pgbackrest --stanza=$STANZA archive-get %f "%p"'
log_min_duration_statement = $LOG_MIN_DURATION_MS
EOF
# TLS only, SCRAM only; the security group admits only the allowed groups on 5432.
grep -q "forge-infra" "$PG_CONF/pg_hba.conf" || cat >> "$PG_CONF/pg_hba.conf" <<EOF
# forge-infra
hostssl replication $REPL_USER 0.0.0.0/0 scram-sha-256
hostssl all all 0.0.0.0/0 scram-sha-256
EOF

if [ "$ROLE" = "primary" ]; then
  systemctl enable --now "postgresql@$PG_MAJOR-main"
  until pg_isready -q -p 5432; do sleep 2; done
  # Passwords go from the secret into psql through the environment (\getenv), never argv.
  FORGE_DB_PASSWORD=$(jq -r .password <<<"$SECRET_JSON") \
  FORGE_REPL_PASSWORD=$(jq -r .replication_password <<<"$SECRET_JSON") \
  FORGE_DB_USER="$DB_USER" FORGE_REPL_USER="$REPL_USER" FORGE_DB_NAME="$DB_NAME" \
  runuser -u postgres -- psql -v ON_ERROR_STOP=1 --no-psqlrc -d postgres <<'SQL'
\getenv db_user FORGE_DB_USER
\getenv db_password FORGE_DB_PASSWORD
\getenv repl_user FORGE_REPL_USER
\getenv repl_password FORGE_REPL_PASSWORD
\getenv db_name FORGE_DB_NAME
SELECT format('CREATE ROLE %I LOGIN CREATEDB CREATEROLE IN ROLE pg_monitor', :'db_user')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'db_user') \gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'db_user', :'db_password') \gexec
SELECT format('CREATE ROLE %I LOGIN REPLICATION', :'repl_user')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'repl_user') \gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'repl_user', :'repl_password') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db_name', :'db_user')
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db_name') \gexec
\connect :"db_name"
CREATE EXTENSION IF NOT EXISTS timescaledb;
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
SQL
  runuser -u postgres -- pgbackrest --stanza="$STANZA" stanza-create
  runuser -u postgres -- pgbackrest --stanza="$STANZA" check
  # Nightly full base backup; expiry (by age) runs after each backup.
  cat > /etc/cron.d/forge-pgbackrest <<EOF
30 2 * * * postgres pgbackrest --stanza=$STANZA --type=full backup >/dev/null
EOF
  chmod 644 /etc/cron.d/forge-pgbackrest
  # The first base backup now, in the background, so the archive is usable at once.
  runuser -u postgres -- bash -c "nohup pgbackrest --stanza=$STANZA --type=full backup \
    >/var/log/pgbackrest/first-backup.log 2>&1 &"
else
  # Only a cluster created by this boot is replaced by the primary's copy: existing data on
  # the volume (a standby, or a standby since promoted) is never wiped.
  if [ "$NEW_CLUSTER" = "1" ]; then
    systemctl stop "postgresql@$PG_MAJOR-main" || true
    PGPASS=/var/lib/postgresql/.pgpass
    (umask 077; printf '%s:5432:replication:%s:%s\n' "$PRIMARY_HOST" "$REPL_USER" \
      "$(jq -r .replication_password <<<"$SECRET_JSON")" > "$PGPASS")
    chown postgres:postgres "$PGPASS"
    # Wait for the primary, then stream a base backup and start as a hot standby (-R).
    for attempt in $(seq 1 90); do
      rm -rf "$PG_DATA" && install -d -o postgres -g postgres -m 700 "$PG_DATA"
      if runuser -u postgres -- pg_basebackup -D "$PG_DATA" -X stream -R -P \
           -d "host=$PRIMARY_HOST port=5432 user=$REPL_USER sslmode=require"; then
        break
      fi
      echo "pg_basebackup attempt $attempt failed; retrying" >&2
      sleep 20
    done
    [ -f "$PG_DATA/standby.signal" ] || { echo "replica never synchronised" >&2; exit 1; }
  fi
  systemctl enable --now "postgresql@$PG_MAJOR-main"
fi
unset SECRET_JSON
echo "forge-infra: timescaledb $ROLE ready"
