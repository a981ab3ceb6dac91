#!/usr/bin/env bash
# Point-in-time recovery: prepare a data folder from a base backup and the WAL archive, to stop at TIME.
#
#   restore_pitr.sh BASE_DIR WAL_ARCHIVE 'YYYY-MM-DD HH:MM:SS+00' PGDATA
#
# BASE_DIR is a folder written by basebackup_postgres.sh, taken BEFORE the chosen time. Checks its
# SHA256SUMS, refuses a PGDATA that is not empty, unpacks the backup, and configures recovery: WAL
# segments are read from WAL_ARCHIVE, replay stops at TIME (transactions committed after it are not
# applied) and the server is promoted. Archiving is switched off in the restored copy (it would write a
# new timeline into the archive it reads) until the operator has checked the data and turns it back on.
# Then start PostgreSQL on PGDATA (pg_ctl -D PGDATA start, or the cluster's own mechanism): it replays
# up to TIME, says "recovery stopping before commit …", promotes and accepts connections.
# Run as the operating system user that owns the database server's files.
set -euo pipefail

base="${1:?usage: restore_pitr.sh BASE_DIR WAL_ARCHIVE TIME PGDATA}"
archive="${2:?usage: restore_pitr.sh BASE_DIR WAL_ARCHIVE TIME PGDATA}"
target_time="${3:?usage: restore_pitr.sh BASE_DIR WAL_ARCHIVE TIME PGDATA}"
pgdata="${4:?usage: restore_pitr.sh BASE_DIR WAL_ARCHIVE TIME PGDATA}"

if [[ ! -f "$base/SHA256SUMS" ]]; then
    echo "restore_pitr: $base/SHA256SUMS is missing: refusing an unchecked base backup" >&2
    exit 2
fi
(cd "$base" && sha256sum --check --quiet SHA256SUMS)
[[ -d "$archive" ]] || { echo "restore_pitr: WAL archive $archive not found" >&2; exit 2; }
if [[ -d "$pgdata" && -n "$(ls -A "$pgdata")" ]]; then
    echo "restore_pitr: $pgdata is not empty: restore into an empty folder" >&2
    exit 3
fi
mkdir -p "$pgdata"
chmod 700 "$pgdata"
tar -xzf "$base/base.tar.gz" -C "$pgdata"
mkdir -p "$pgdata/pg_wal"
tar -xzf "$base/pg_wal.tar.gz" -C "$pgdata/pg_wal"
rm -f "$pgdata/postmaster.pid"
cat >> "$pgdata/postgresql.auto.conf" <<CONF
# --- point-in-time recovery (restore_pitr.sh, $(date -u +%Y-%m-%dT%H:%M:%SZ)) ---
restore_command = 'cp "$archive/%f" "%p"'
recovery_target_time = '$target_time'
recovery_target_action = 'promote'
archive_mode = 'off'
CONF
touch "$pgdata/recovery.signal"
echo "restore_pitr: $pgdata prepared; start PostgreSQL on it to replay up to $target_time"
