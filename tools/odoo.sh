#!/usr/bin/env bash
# odoo-bin from $ODOO_SRC, run by the project's .venv, with this repository
# on the addons path: `tools/odoo.sh [shell] [odoo-bin options]`.
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ODOO_SRC=${ODOO_SRC:-/opt/odoo18}
COMMAND=()
if [ -n "${1:-}" ] && [ "${1#-}" = "$1" ]; then
    COMMAND=("$1")
    shift
fi
exec "$ROOT/.venv/bin/python" "$ODOO_SRC/odoo-bin" "${COMMAND[@]}" \
    --addons-path="$ODOO_SRC/odoo/addons,$ROOT" --data-dir="$ROOT/var/data" "$@"
