#!/usr/bin/env bash
# Run once by the PostgreSQL image on an empty data volume (/docker-entrypoint-initdb.d): creates
# the services' own role (DATABASE_USER, with DATABASE_PASSWORD) and the TimescaleDB extension in
# the application database, as the cloud stacks' bootstrap function does. The services never
# log in as the superuser (POSTGRES_PASSWORD), locally as in the clouds.
set -euo pipefail

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  --set=app_user="$DATABASE_USER" --set=app_password="$DATABASE_PASSWORD" \
  --set=app_db="$POSTGRES_DB" <<'SQL'
CREATE EXTENSION IF NOT EXISTS timescaledb;
CREATE ROLE :"app_user" LOGIN PASSWORD :'app_password';
GRANT CONNECT, CREATE ON DATABASE :"app_db" TO :"app_user";
GRANT USAGE, CREATE ON SCHEMA public TO :"app_user";
SQL
