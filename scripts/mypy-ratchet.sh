#!/usr/bin/env bash
# mypy with a ratchet: the number of errors may only go down.
#
#   scripts/mypy-ratchet.sh [MYPY]      (default .venv/bin/mypy; configuration in pyproject.toml)
#
# .mypy-ratchet holds the count committed last. More errors: fail, naming them. Fewer: pass, and say to
# lower the file in the same commit (so the gain cannot be lost again).
set -euo pipefail
cd "$(dirname "$0")/.."
MYPY="${1:-.venv/bin/mypy}"
RATCHET=.mypy-ratchet
allowed="$(tr -dc '0-9' <"$RATCHET")"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
set +e
"$MYPY" --no-error-summary --hide-error-context >"$out" 2>&1
rc=$?
set -e
if [[ $rc -gt 1 ]]; then  # 2: mypy itself failed (bad configuration, crash)
    cat "$out" >&2
    echo "mypy-ratchet: mypy failed to run (exit $rc)" >&2
    exit "$rc"
fi
found="$(grep -c ': error:' "$out" || true)"
if [[ "$found" -gt "$allowed" ]]; then
    cat "$out" >&2
    echo "mypy-ratchet: $found errors, more than the $allowed allowed by $RATCHET: fix the new ones" >&2
    exit 1
fi
if [[ "$found" -lt "$allowed" ]]; then
    echo "mypy-ratchet: $found errors (down from $allowed): write $found into $RATCHET and commit it"
else
    echo "mypy-ratchet: $found errors, as allowed by $RATCHET"
fi
