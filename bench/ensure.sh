# Sourced by the bench scripts, after tools/version.sh and use_odoo_version:
# `ensure DATABASE MODULE` installs MODULE in a new DATABASE, or updates it.
ensure() {
    if [ "$(psql -d "$1" -Atc "select state from ir_module_module where name = '$2'" 2>/dev/null)" != installed ]; then
        dropdb --if-exists "$1"
        "$ROOT/tools/odoo.sh" -d "$1" -i "$2" "$NO_DEMO" \
            --stop-after-init --no-http --log-level=warn
    else
        "$ROOT/tools/odoo.sh" -d "$1" -u "$2" --stop-after-init --no-http --log-level=warn
    fi
}
