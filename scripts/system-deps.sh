#!/usr/bin/env bash
# Install the Debian packages the project needs, only the ones that are missing.
#
#   scripts/system-deps.sh [GROUP...]     groups: all (default), postgres, clamav, browser, weasyprint
#
# Fast when everything is there (dpkg-query only, no apt call). When something is missing it runs
# `apt-get update` once, then `apt-get install` of just the missing packages, non-interactively,
# waiting for the dpkg/apt locks if another apt is running.
set -euo pipefail

log() { printf 'system-deps: %s\n' "$*" >&2; }

groups=("$@")
[[ ${#groups[@]} -eq 0 ]] && groups=(all)

want=()
for g in "${groups[@]}"; do
    case "$g" in
        all) want+=(postgres clamav browser weasyprint) ;;
        postgres | clamav | browser | weasyprint) want+=("$g") ;;
        *)
            log "unknown group '$g' (all, postgres, clamav, browser, weasyprint)"
            exit 2
            ;;
    esac
done

packages_for() {
    case "$1" in
        # The server; the tests run a throwaway cluster (scripts/with-postgres.sh).
        postgres) echo postgresql ;;
        # clamd itself; the tests start it with their own signature database.
        clamav) echo clamav-daemon ;;
        # Browser tests drive Debian's Chromium: its headless shell (less CPU) when installed, else chromium.
        browser) echo chromium chromium-driver chromium-headless-shell ;;
        # What WeasyPrint dlopens at run time (pango, pangoft2, harfbuzz subset, fontconfig) and a font.
        weasyprint) echo libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libfontconfig1 fonts-dejavu-core ;;
    esac
}

is_installed() {
    [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" == installed ]]
}

have_postgres_server() {
    local d
    for d in /usr/lib/postgresql/*/bin; do
        [[ -x "$d/initdb" && -x "$d/postgres" && -x "$d/pg_ctl" ]] && return 0
    done
    return 1
}

missing=()
for g in "${want[@]}"; do
    if [[ "$g" == postgres ]] && have_postgres_server; then
        continue
    fi
    for p in $(packages_for "$g"); do
        if ! is_installed "$p" && [[ " ${missing[*]-} " != *" $p "* ]]; then
            missing+=("$p")
        fi
    done
done

if [[ ${#missing[@]} -eq 0 ]]; then
    log "all present (${want[*]})"
    exit 0
fi

log "missing: ${missing[*]}"

sudo=()
if [[ "$(id -u)" -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then
        sudo=(sudo -n)
    else
        log "not root and no sudo: install these Debian packages, then re-run: ${missing[*]}"
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
apt_opts=(-o DPkg::Lock::Timeout=600 -o Dpkg::Use-Pty=0 -o APT::Acquire::Retries=3)

# Run an apt-get command; if another apt/dpkg holds a lock, wait and retry (up to ~10 minutes).
apt_get() {
    local tries=0 err
    err="$(mktemp)"
    while true; do
        if "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" "$@" 2>"$err"; then
            cat "$err" >&2
            rm -f "$err"
            return 0
        fi
        cat "$err" >&2
        if grep -qiE 'could not get lock|unable to lock|is another process using it' "$err" && ((tries < 120)); then
            tries=$((tries + 1))
            log "apt is busy (another process holds its lock); waiting..."
            sleep 5
            continue
        fi
        rm -f "$err"
        return 1
    done
}

start=$SECONDS
apt_get -q update
apt_get -q -y --no-install-recommends install "${missing[@]}"
log "installed ${missing[*]} in $((SECONDS - start)) s"

if [[ " ${want[*]} " == *" postgres "* ]] && ! have_postgres_server; then
    log "postgresql is installed but no server binaries under /usr/lib/postgresql/*/bin"
    exit 1
fi
