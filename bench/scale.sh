#!/usr/bin/env bash
# `make bench-scale`: Odoo as companies run it, at full size. First Verify
# integrity on chains of 100,000 and 1,000,000 events (BENCH_EVENTS_SIZES),
# each in a database of its own (facto_scale_19), against the floor of
# reading the rows and sealing each with one HMAC; then scripts/workers_run.py
# with 1,500 letters by email and 1,000 to print (BENCH_EMAILED,
# BENCH_PRINTED), three clerks and the faults, on a copy of facto_bench_19.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/version.sh"
use_odoo_version
BENCH=facto_bench$DB_SUFFIX
SCALE=facto_scale$DB_SUFFIX
. "$ROOT/bench/ensure.sh"
ensure "$BENCH" facto_demat

echo
echo "Verify integrity, Odoo $ODOO_VERSION (the floor: one SQL query and one HMAC per event)"
echo
echo "| events | floor (s) | Verify integrity (s) | ratio | request limit (s) | extra memory (MB) | result |"
echo "|---:|---:|---:|---:|---:|---:|---|"
for events in ${BENCH_EVENTS_SIZES:-100000 1000000}; do
    dropdb --if-exists "$SCALE"
    createdb -T "$BENCH" "$SCALE"
    for mode in generate measure; do
        BENCH_MODE=$mode BENCH_EVENTS=$events "$ROOT/scripts/odoo.sh" shell -d "$SCALE" \
            --no-http --log-level=error < "$ROOT/bench/chain.py"
    done
done
dropdb --if-exists "$SCALE"

cd "$ROOT/scripts"
"$VENV/bin/python" workers_run.py "$ODOO_VERSION" --template "$BENCH" \
    --emailed "${BENCH_EMAILED:-1500}" --printed "${BENCH_PRINTED:-1000}"
