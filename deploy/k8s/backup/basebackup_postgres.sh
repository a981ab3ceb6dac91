#!/usr/bin/env bash
# Physical base backup of the whole PostgreSQL cluster, the starting point of a point-in-time recovery.
#
#   DATABASE_URL=postgresql+asyncpg://user:pass@host:5432/db basebackup_postgres.sh DIR
#
# The role needs the REPLICATION attribute (pg_hba: a `replication` line for it). Writes
# DIR/base-YYYYMMDDTHHMMSSZ/ (base.tar.gz, pg_wal.tar.gz, backup_manifest, SHA256SUMS) atomically, and
# removes base backups older than BACKUP_KEEP_DAYS (default 14). With WAL archiving on (archive_wal.sh),
# any moment between the oldest kept base backup and the last archived segment can be restored with
# restore_pitr.sh. Exit code non-zero on any failure, so the CronJob's failure is the alert.
set -euo pipefail

dir="${1:?usage: basebackup_postgres.sh DIR}"
url="${DATABASE_URL:?DATABASE_URL is required}"
keep="${BACKUP_KEEP_DAYS:-14}"
url="${url/postgresql+asyncpg:/postgresql:}"
url="${url//ssl=/sslmode=}"

mkdir -p "$dir"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
target="$dir/base-$stamp"
pg_basebackup --dbname="$url" --pgdata="$target.part" --format=tar --gzip --wal-method=stream \
    --checkpoint=fast --label="coordination-$stamp" --no-password
(cd "$target.part" && sha256sum -- *.tar.gz backup_manifest > SHA256SUMS)
mv "$target.part" "$target"
echo "basebackup_postgres: $target ($(du -sh "$target" | cut -f1))"
find "$dir" -maxdepth 1 -name 'base-*' -type d -mtime "+$keep" -print -exec rm -rf {} +
