#!/usr/bin/env bash
# Run one benchmark script of bench/ in `odoo-bin shell` on the database
# facto_bench_19 (or _18 with ODOO_VERSION=18.0; created with facto_demat on
# first use): bench/run.sh NAME
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/tools/version.sh"
use_odoo_version
DB=${BENCH_DB:-facto_bench$DB_SUFFIX}
if [ "$(psql -d "$DB" -Atc "select state from ir_module_module where name = 'facto_demat'" 2>/dev/null)" != installed ]; then
    dropdb --if-exists "$DB"
    "$ROOT/tools/odoo.sh" -d "$DB" -i facto_demat "$NO_DEMO" \
        --stop-after-init --no-http --log-level=warn
else
    "$ROOT/tools/odoo.sh" -d "$DB" -u facto_demat --stop-after-init --no-http --log-level=warn
fi
"$ROOT/tools/odoo.sh" shell -d "$DB" --no-http --log-level=error < "$ROOT/bench/$1.py"
