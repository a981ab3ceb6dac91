#!/usr/bin/env bash
# PostgreSQL's archive_command: copy one finished WAL segment into the archive, atomically.
#
#   archive_mode = on
#   archive_command = 'bash /scripts/archive_wal.sh %p %f /wal-archive'
#
# Never overwrites: a segment already archived with the same bytes is a success (PostgreSQL retries after
# a crash between the copy and its bookkeeping); with different bytes it is an error, so PostgreSQL keeps
# the segment and retries, and the alert on pg_stat_archiver.failed_count fires. The archive folder is a
# volume that is itself copied off-site (a versioned, replicated bucket: see deploy/README.md).
set -euo pipefail

path="${1:?usage: archive_wal.sh %p %f ARCHIVE_DIR}"
name="${2:?usage: archive_wal.sh %p %f ARCHIVE_DIR}"
archive="${3:?usage: archive_wal.sh %p %f ARCHIVE_DIR}"

if [[ -f "$archive/$name" ]]; then
    cmp -s "$path" "$archive/$name" && exit 0
    echo "archive_wal: $name is already archived with other content: refusing to overwrite" >&2
    exit 1
fi
cp "$path" "$archive/$name.part"
sync "$archive/$name.part" 2>/dev/null || true
mv "$archive/$name.part" "$archive/$name"
