#!/usr/bin/env bash
# odoo-bin from $ODOO_SRC, run by the project's .venv, with this repository
# on the addons path and var/odoo.conf (made on first use, with a new
# evidence key in var/evidence.key): `tools/odoo.sh [shell] [odoo-bin options]`.
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ODOO_SRC=${ODOO_SRC:-/opt/odoo18}
CONF=$ROOT/var/odoo.conf
if [ ! -f "$CONF" ]; then
    mkdir -p "$ROOT/var"
    (umask 077 && python3 -c "import secrets; print(secrets.token_hex(32))" \
        > "$ROOT/var/evidence.key")
    printf '[options]\nfacto_demat_evidence_key_file = %s\n' \
        "$ROOT/var/evidence.key" > "$CONF"
fi
ADDONS=$ODOO_SRC/odoo/addons,$ROOT
# OCA modules fetched by tools/peers.py (`make test-peers`), if any
[ -d "$ROOT/var/peers/addons" ] && ADDONS=$ADDONS,$ROOT/var/peers/addons
COMMAND=()
if [ -n "${1:-}" ] && [ "${1#-}" = "$1" ]; then
    COMMAND=("$1")
    shift
fi
exec "$ROOT/.venv/bin/python" "$ODOO_SRC/odoo-bin" "${COMMAND[@]}" -c "$CONF" \
    --addons-path="$ADDONS" --data-dir="$ROOT/var/data" "$@"
