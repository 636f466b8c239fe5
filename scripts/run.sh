#!/usr/bin/env bash
# `make run`: the demo database of $ODOO_VERSION (default 19.0), facto_demo_19
# or facto_demo_18 (created once, then reused), a local SMTP sink that keeps
# every email as a .eml file, and Odoo on :8069.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/version.sh"
use_odoo_version
DB=${DEMO_DB:-facto_demo$DB_SUFFIX}
MAIL_DIR=$ROOT/var/mail
HTTP_PORT=${HTTP_PORT:-8069}
SMTP_PORT=${SMTP_PORT:-2525}
ODOO=$ROOT/scripts/odoo.sh
ADDONS=$(python3 "$ROOT/scripts/addons.py" tested)

"$VENV/bin/python" "$ROOT/scripts/smtp_sink.py" --port "$SMTP_PORT" --dir "$MAIL_DIR" &
SINK=$!
trap 'kill $SINK 2>/dev/null || true' EXIT

if [ "$(psql -d "$DB" -Atc "select 1 from res_partner where ref = 'C0080'" 2>/dev/null)" = 1 ]; then
    echo "[run] reusing database $DB; updating the add-ons"
    "$ODOO" -d "$DB" -i "$ADDONS" -u facto_demat \
        --stop-after-init --no-http --log-level=warn
else
    echo "[run] creating database $DB (French company, customers, a year of invoices)"
    dropdb --if-exists "$DB"
    "$ODOO" -d "$DB" -i "l10n_fr_account,sale,stock,$ADDONS" "$NO_DEMO" \
        --load-language=fr_FR --stop-after-init --no-http --log-level=warn
    SMTP_PORT=$SMTP_PORT HTTP_PORT=$HTTP_PORT "$ODOO" shell -d "$DB" --no-http --log-level=warn \
        < "$ROOT/scripts/demo_data.py"
fi

cat <<MSG

  facto_demat demo on Odoo $ODOO_VERSION: http://localhost:$HTTP_PORT  (login: admin, password: admin)
  Every email Odoo sends is kept as a .eml file in: $MAIL_DIR
  Stop with Ctrl-C.

MSG
"$ODOO" -d "$DB" --db-filter="^$DB\$" --http-port="$HTTP_PORT" --log-level=warn &
ODOO_PID=$!
trap 'kill $ODOO_PID $SINK 2>/dev/null || true' EXIT INT TERM
wait $ODOO_PID
