#!/usr/bin/env bash
# odoo-bin of $ODOO_VERSION (default 19.0; its tree and venv: scripts/version.sh),
# with this repository on the addons path and var/odoo.conf (made on first
# use, with a new evidence key in var/evidence.key, dated; shared by the
# versions):
# `scripts/odoo.sh [shell] [odoo-bin options]`.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/version.sh"
use_odoo_version
CONF=$ROOT/var/odoo.conf
if [ ! -f "$CONF" ]; then
    mkdir -p "$ROOT/var"
    (umask 077 && { python3 -c "import secrets; print(secrets.token_hex(32))"
        date -u +'since %Y-%m-%d %H:%M:%S'; } > "$ROOT/var/evidence.key")
    printf '[options]\nfacto_demat_evidence_key_file = %s\n' \
        "$ROOT/var/evidence.key" > "$CONF"
fi
ADDONS=$ODOO_SRC/odoo/addons,$ROOT
# OCA modules of this version fetched by scripts/peers.py, if any
PEERS=$ROOT/var/peers/$ODOO_VERSION/addons
compgen -G "$PEERS/*/__manifest__.py" >/dev/null && ADDONS=$ADDONS,$PEERS
COMMAND=()
if [ -n "${1:-}" ] && [ "${1#-}" = "$1" ]; then
    COMMAND=("$1")
    shift
fi
exec "$VENV/bin/python" "$ODOO_SRC/odoo-bin" "${COMMAND[@]}" -c "$CONF" \
    --addons-path="$ADDONS" --data-dir="$ROOT/var/data/$ODOO_VERSION" "$@"
