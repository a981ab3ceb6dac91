#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster.
#
#   scripts/with-postgres.sh CMD [ARGS...]
#
# Starts a fresh cluster in a temporary folder (listening on 127.0.0.1 only, on a free port, its unix
# socket inside that folder), creates a database and a password-protected user, exports
#   COORDINATION_TEST_POSTGRES_URL=postgresql+asyncpg://USER:PASS@127.0.0.1:PORT/DB
# runs CMD, then always stops the cluster and removes the folder (on success, failure, Ctrl-C or TERM).
# Exits with CMD's exit code.
#
# As root the cluster runs as the `postgres` user (initdb and postgres refuse root); otherwise as the
# current user. PG_BIN=/usr/lib/postgresql/NN/bin picks a server; the newest installed is the default.
set -euo pipefail

log() { printf 'with-postgres: %s\n' "$*" >&2; }

if [[ $# -eq 0 ]]; then
    log "usage: $0 CMD [ARGS...]"
    exit 2
fi

# --- find the server binaries -------------------------------------------------------------------
if [[ -z "${PG_BIN:-}" ]]; then
    PG_BIN=""
    while IFS= read -r d; do
        [[ -x "$d/initdb" && -x "$d/pg_ctl" && -x "$d/postgres" ]] && PG_BIN="$d"
    done < <(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V)
fi
if [[ -z "$PG_BIN" || ! -x "$PG_BIN/initdb" ]]; then
    log "no PostgreSQL server found under /usr/lib/postgresql/*/bin (run: make system-deps)"
    exit 1
fi
PSQL="$PG_BIN/psql"
[[ -x "$PSQL" ]] || PSQL="$(command -v psql)"

as_pg=()
pg_owner="$(id -un)"
if [[ "$(id -u)" -eq 0 ]]; then
    pg_owner=postgres
    as_pg=(runuser -u postgres --)
fi

DB_NAME="${WITH_POSTGRES_DB:-coordination}"
DB_USER="${WITH_POSTGRES_USER:-coordination}"
DB_PASS="$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')"

# --- temp dir and cleanup -----------------------------------------------------------------------
PG_TMP="$(mktemp -d "${TMPDIR:-/tmp}/coordination-pg.XXXXXX")"
chmod 700 "$PG_TMP"
mkdir -p "$PG_TMP/sock"
[[ "$pg_owner" != "$(id -un)" ]] && chown -R "$pg_owner:" "$PG_TMP"
PGDATA="$PG_TMP/data"
child=""

pg() { (cd "$PG_TMP" && "${as_pg[@]}" "$@"); }

stop_cluster() {
    if [[ -f "$PGDATA/postmaster.pid" ]]; then
        local pid
        pid="$(head -1 "$PGDATA/postmaster.pid" 2>/dev/null || true)"
        if ! pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w -t 30 stop >/dev/null 2>&1; then
            pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m immediate -w -t 10 stop >/dev/null 2>&1 || true
        fi
        if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
}

# CMD runs in its own session/process group (pgid = $child): a signal is delivered to it exactly once,
# by us, and whatever it leaves behind in its group is stopped too.
stop_child() {
    local sig="$1" grace="$2" i
    [[ -n "$child" ]] || return 0
    kill -0 -- "-$child" 2>/dev/null || return 0
    kill "-$sig" -- "-$child" 2>/dev/null || true
    for ((i = 0; i < grace * 10; i++)); do
        kill -0 -- "-$child" 2>/dev/null || return 0
        sleep 0.1
    done
    log "command still running after ${grace}s, killing it"
    kill -KILL -- "-$child" 2>/dev/null || true
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    stop_child TERM 10
    stop_cluster
    rm -rf "$PG_TMP"
    exit "$rc"
}
on_signal() {
    # Pass the signal on (INT lets pytest run its teardown), then exit 128+n; the EXIT trap stops the cluster.
    trap - INT TERM HUP
    stop_child "$1" 60
    exit "$2"
}
trap cleanup EXIT
trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM
trap 'on_signal HUP 129' HUP

# --- create and start -------------------------------------------------------------------------
if ! pg "$PG_BIN/initdb" -D "$PGDATA" -U postgres -E UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 --no-sync >"$PG_TMP/initdb.log" 2>&1; then
    cat "$PG_TMP/initdb.log" >&2
    log "initdb failed"
    exit 1
fi

free_port() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
    else
        # No Python: a random high port that nothing answers on (the start is retried if it is taken).
        local p
        while true; do
            p=$((20000 + RANDOM % 40000))
            (: <"/dev/tcp/127.0.0.1/$p") 2>/dev/null || break
        done
        echo "$p"
    fi
}

started=""
for attempt in 1 2 3 4 5; do
    PORT="$(free_port)"
    # setsid: the server is not in our process group, so Ctrl-C reaches CMD and we stop the server in order.
    if pg setsid "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$PG_TMP/postgres.log" -w -t 60 -s \
        -o "-c listen_addresses=127.0.0.1 -p $PORT -k $PG_TMP/sock -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null 2>&1; then
        started=1
        break
    fi
    log "start on port $PORT failed (attempt $attempt)"
done
if [[ -z "$started" ]]; then
    tail -n 30 "$PG_TMP/postgres.log" >&2 || true
    log "could not start PostgreSQL"
    exit 1
fi

pg "$PSQL" -X -q -h "$PG_TMP/sock" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE \"$DB_USER\" LOGIN CREATEDB PASSWORD '$DB_PASS'" \
    -c "CREATE DATABASE \"$DB_NAME\" OWNER \"$DB_USER\"" >/dev/null

VERSION="$("$PG_BIN/postgres" --version | sed -E "s/^postgres \(PostgreSQL\) ([^ ]+).*/\1/")"
export COORDINATION_TEST_POSTGRES_URL="postgresql+asyncpg://$DB_USER:$DB_PASS@127.0.0.1:$PORT/$DB_NAME"
log "PostgreSQL $VERSION on 127.0.0.1:$PORT, database $DB_NAME (COORDINATION_TEST_POSTGRES_URL set)"

# --- run the command ----------------------------------------------------------------------------
# In the background so that a TERM to this script is handled at once (bash defers traps while a
# foreground child runs), in a new session (see stop_child), with SIGINT/SIGQUIT back to their defaults
# (bash ignores them in background jobs) and the caller's stdin (background jobs get /dev/null).
set +e
(
    trap - INT QUIT
    exec setsid "$@"
) <&0 &
child=$!
wait "$child"
rc=$?
set -e
exit "$rc"
