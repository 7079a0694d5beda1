#!/usr/bin/env bash
# npm run test:sql: the pgTAP files of test/sql with pg_prove, on a fresh database of the server
# in PGTAP_URL (default: CI's cluster), migrated like production, dropped afterwards.
set -euo pipefail
cd "$(dirname "$0")/../.."
URL=${PGTAP_URL:-postgres://postgres@127.0.0.1:${PG_PORT:-55432}/postgres}
DB=fhir_pgtap_$$
DB_URL="${URL%/*}/$DB"
psql -X -q -v ON_ERROR_STOP=1 "$URL" -c "create database $DB"
trap 'psql -X -q "$URL" -c "drop database if exists $DB with (force)" >/dev/null' EXIT
MIGRATION_DATABASE_URL="$DB_URL" DATABASE_URL= npx tsx src/db/migrate-cli.ts
psql -X -q -v ON_ERROR_STOP=1 "$DB_URL" -c 'create extension if not exists pgtap'
pg_prove -d "$DB_URL" test/sql/*.sql
