#!/usr/bin/env bash
# `make bench-send`: the batch Print & Send of 200 invoices on a database
# with facto_demat and on one without (account only), rounds interleaved on
# the same machine, then a table of the medians and their ratio. Databases:
# facto_bench_19 and facto_bench_plain_19 (_18 with ODOO_VERSION=18.0).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/version.sh"
use_odoo_version
ROUNDS=${BENCH_ROUNDS:-3}
WITH=${BENCH_DB:-facto_bench$DB_SUFFIX}
WITHOUT=${BENCH_DB_PLAIN:-facto_bench_plain$DB_SUFFIX}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

. "$ROOT/bench/ensure.sh"
ensure "$WITHOUT" account
ensure "$WITH" facto_demat

for round in $(seq "$ROUNDS"); do
    for db in "$WITHOUT" "$WITH"; do
        echo "[bench] round $round on $db" >&2
        "$ROOT/scripts/odoo.sh" shell -d "$db" --no-http --log-level=error \
            < "$ROOT/bench/send_invoices.py" | grep -E '^[a-z-]+ [0-9.]+ [0-9]+$' >> "$OUT/$db"
    done
done
"$VENV/bin/python" "$ROOT/bench/send_table.py" "$OUT/$WITHOUT" "$OUT/$WITH"
