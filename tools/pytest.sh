#!/usr/bin/env bash
# `make pytest`: the same tests through pytest-odoo, on a fresh database of
# $ODOO_VERSION (default 19.0; facto_pytest_19 or facto_pytest_18) where the
# add-ons are installed first (pytest-odoo does not install).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/tools/version.sh"
use_odoo_version
DB=${PYTEST_DB:-facto_pytest$DB_SUFFIX}
dropdb --if-exists "$DB"
"$ROOT/tools/odoo.sh" -d "$DB" -i facto_demat,facto_demat_sale,facto_demat_stock "$NO_DEMO" \
    --stop-after-init --no-http --log-level=warn
cd "$ROOT"
PYTHONPATH=$ODOO_SRC exec "$VENV/bin/pytest" \
    --odoo-database="$DB" --odoo-config="$ROOT/var/odoo.conf" --odoo-addons-path="$ODOO_SRC/odoo/addons,$ROOT" \
    --odoo-http --odoo-extra="http-port=${TEST_HTTP_PORT:-8169}" \
    -p no:cacheprovider facto_demat/tests facto_demat_sale/tests \
    facto_demat_stock/tests "$@"
