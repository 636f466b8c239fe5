#!/usr/bin/env bash
# `make pytest`: the same tests through pytest-odoo, on a fresh database of
# $ODOO_VERSION (default 19.0; facto_pytest_19 or facto_pytest_18) where the
# add-ons are installed first (pytest-odoo does not install).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/version.sh"
use_odoo_version
DB=${PYTEST_DB:-facto_pytest$DB_SUFFIX}
dropdb --if-exists "$DB"
TESTED=$(python3 "$ROOT/scripts/addons.py" alone tested)
"$ROOT/scripts/odoo.sh" -d "$DB" -i "$TESTED" "$NO_DEMO" \
    --stop-after-init --no-http --log-level=warn
cd "$ROOT"
TEST_DIRS=()
for addon in ${TESTED//,/ }; do
    if [ -d "$addon/tests" ]; then TEST_DIRS+=("$addon/tests"); fi
done
PYTHONPATH=$ODOO_SRC exec "$VENV/bin/pytest" \
    --odoo-database="$DB" --odoo-config="$ROOT/var/odoo.conf" --odoo-addons-path="$ODOO_SRC/odoo/addons,$ROOT" \
    --odoo-http --odoo-extra="http-port=${TEST_HTTP_PORT:-8169}" \
    -p no:cacheprovider "${TEST_DIRS[@]}" "$@"
