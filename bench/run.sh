#!/usr/bin/env bash
# Run one benchmark script of bench/ in `odoo-bin shell` on the database
# facto_bench_19 (or _18 with ODOO_VERSION=18.0; created with facto_demat on
# first use): bench/run.sh NAME
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/version.sh"
use_odoo_version
DB=${BENCH_DB:-facto_bench$DB_SUFFIX}
. "$ROOT/bench/ensure.sh"
ensure "$DB" facto_demat
"$ROOT/scripts/odoo.sh" shell -d "$DB" --no-http --log-level=error < "$ROOT/bench/$1.py"
