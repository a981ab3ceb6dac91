#!/usr/bin/env bash
# Run every benchmark (bench/bench_*.py and bench/*/bench_*.py), one after another, with the venv's Python.
# `make bench` runs this under scripts/with-postgres.sh, so COORDINATION_TEST_POSTGRES_URL is set for the
# benchmarks that need PostgreSQL. Exits non-zero if any benchmark failed (the others still run).
set -euo pipefail
cd "$(dirname "$0")/.."

PY="${PYTHON:-.venv/bin/python}"
# Benchmarks may reuse test helpers (`import tests...`): the repo root goes on the import path.
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
mapfile -t benches < <(find bench -maxdepth 2 -type f -name 'bench_*.py' 2>/dev/null | sort)
if [[ ${#benches[@]} -eq 0 ]]; then
    echo "run-benches: no bench/*/bench_*.py found"
    exit 0
fi

failed=()
for b in "${benches[@]}"; do
    echo "=== $b"
    start=$SECONDS
    if "$PY" "$b"; then
        echo "=== $b: ok ($((SECONDS - start)) s)"
    else
        rc=$?
        echo "=== $b: FAILED (exit $rc, $((SECONDS - start)) s)"
        failed+=("$b")
    fi
done

echo "run-benches: ${#benches[@]} run, ${#failed[@]} failed${failed:+: ${failed[*]}}"
[[ ${#failed[@]} -eq 0 ]]
