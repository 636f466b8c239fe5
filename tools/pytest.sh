#!/usr/bin/env bash
# `make pytest`: the same tests through pytest-odoo, on a fresh database
# where the add-ons are installed first (pytest-odoo does not install).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ODOO_SRC=${ODOO_SRC:-/opt/odoo18}
DB=${PYTEST_DB:-facto_pytest}
dropdb --if-exists "$DB"
"$ROOT/tools/odoo.sh" -d "$DB" -i facto_demat,facto_demat_sale,facto_demat_stock --without-demo=all \
    --stop-after-init --no-http --log-level=warn
cd "$ROOT"
PYTHONPATH=$ODOO_SRC exec "$ROOT/.venv/bin/pytest" \
    --odoo-database="$DB" --odoo-config="$ROOT/var/odoo.conf" --odoo-addons-path="$ODOO_SRC/odoo/addons,$ROOT" \
    --odoo-http --odoo-extra="http-port=${TEST_HTTP_PORT:-8169}" \
    -p no:cacheprovider facto_demat/tests facto_demat_sale/tests \
    facto_demat_stock/tests "$@"
