# Sourced by the bench scripts, after scripts/version.sh and use_odoo_version:
# `ensure DATABASE MODULE` installs MODULE in a new DATABASE, or updates it.
# A database made under another evidence key (var/evidence.key is made
# anew by a new checkout) is made again: its chains could not be extended.
ensure() {
    local key state made_under
    "$ROOT/scripts/odoo.sh" --version >/dev/null  # writes the key if none yet
    key="evidence key $(sha256sum "$ROOT/var/evidence.key" | cut -c1-16)"
    state=$(psql -d "$1" -Atc "select state from ir_module_module where name = '$2'" 2>/dev/null || true)
    made_under=$(psql -d postgres -Atc "select shobj_description(oid, 'pg_database') from pg_database where datname = '$1'")
    if [ "$state" != installed ] || [ "$made_under" != "$key" ]; then
        dropdb --if-exists "$1"
        "$ROOT/scripts/odoo.sh" -d "$1" -i "$2" "$NO_DEMO" \
            --stop-after-init --no-http --log-level=warn
        psql -d postgres -qc "COMMENT ON DATABASE \"$1\" IS '$key'"
    else
        "$ROOT/scripts/odoo.sh" -d "$1" -u "$2" --stop-after-init --no-http --log-level=warn
    fi
}
