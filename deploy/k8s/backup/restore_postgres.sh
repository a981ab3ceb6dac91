#!/usr/bin/env bash
# Restore a dump written by backup_postgres.sh into a database (created if missing).
#
#   DATABASE_URL=postgresql+asyncpg://user:pass@host:5432/target restore_postgres.sh DUMP
#
# Checks the dump's SHA-256 first, then restores in ONE transaction into an EMPTY database: a failed
# restore leaves nothing half-done. Restoring over a live database is refused (drop or rename it first,
# after stopping the application). Then run `coordination db upgrade` (a dump from an older release) and
# `coordination journal verify` (the access journal's hash chains must verify after a restore).
set -euo pipefail

dump="${1:?usage: restore_postgres.sh DUMP}"
url="${DATABASE_URL:?DATABASE_URL is required}"
url="${url/postgresql+asyncpg:/postgresql:}"
url="${url//ssl=/sslmode=}"

if [[ -f "$dump.sha256" ]]; then
    (cd "$(dirname "$dump")" && sha256sum --check --quiet "$(basename "$dump").sha256")
else
    echo "restore_postgres: $dump.sha256 is missing: refusing an unchecked dump" >&2
    exit 2
fi

db="${url##*/}"
db="${db%%\?*}"
query="${url#*\?}"
[[ "$query" == "$url" ]] && query="" || query="?$query"
admin="${url%/*}/postgres$query"
if [[ "$(psql "$admin" -XAtc "SELECT 1 FROM pg_database WHERE datname = '$db'")" != "1" ]]; then
    psql "$admin" -Xq -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$db\""
fi
tables="$(psql "$url" -XAtc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")"
if [[ "$tables" != "0" ]]; then
    echo "restore_postgres: database $db is not empty ($tables tables): restore into an empty one" >&2
    exit 3
fi
pg_restore --dbname="$url" --single-transaction --exit-on-error --no-owner --no-privileges "$dump"
echo "restore_postgres: $dump restored into $db"
