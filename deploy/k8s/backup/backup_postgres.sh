#!/usr/bin/env bash
# Logical backup of the application database: one consistent snapshot (pg_dump, custom format).
#
#   DATABASE_URL=postgresql+asyncpg://user:pass@host:5432/db?ssl=require backup_postgres.sh DIR
#
# Writes DIR/coordination-YYYYMMDDTHHMMSSZ.dump (then .sha256) atomically, and removes dumps older than
# BACKUP_KEEP_DAYS (default 14). Takes the application's own URL (SQLAlchemy form) and turns it into
# libpq's. Exit code non-zero on any failure, so the CronJob's failure is the alert.
set -euo pipefail

dir="${1:?usage: backup_postgres.sh DIR}"
url="${DATABASE_URL:?DATABASE_URL is required}"
keep="${BACKUP_KEEP_DAYS:-14}"

# postgresql+asyncpg://...?ssl=require -> postgresql://...?sslmode=require
url="${url/postgresql+asyncpg:/postgresql:}"
url="${url//ssl=/sslmode=}"

mkdir -p "$dir"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
target="$dir/coordination-$stamp.dump"
pg_dump --dbname="$url" --format=custom --compress=6 --no-owner --no-privileges --file="$target.part"
mv "$target.part" "$target"
(cd "$dir" && sha256sum "$(basename "$target")" > "$(basename "$target").sha256")
echo "backup_postgres: $target ($(du -h "$target" | cut -f1))"
find "$dir" -maxdepth 1 -name 'coordination-*.dump*' -mtime "+$keep" -print -delete
