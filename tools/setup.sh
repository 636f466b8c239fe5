#!/usr/bin/env bash
# Idempotent set-up shared by `make test` and `make run`: Odoo source,
# Debian packages, PostgreSQL running with a role for this user, and the
# .venv with Odoo's and the add-on's Python requirements.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ODOO_SRC=${ODOO_SRC:-/opt/odoo18}
VENV=$ROOT/.venv
APT_PACKAGES="postgresql wkhtmltopdf chromium fonts-dejavu-core"

say() { printf '[setup] %s\n' "$*"; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

ensure_odoo_source() {
    [ -f "$ODOO_SRC/odoo-bin" ] && return
    if [ ! -e "$ODOO_SRC" ]; then
        say "no Odoo source in $ODOO_SRC; trying to clone Odoo 18.0 there"
        local partial="$ODOO_SRC.partial.$$"
        if timeout 900 git clone --quiet --depth 1 --branch 18.0 \
                https://github.com/odoo/odoo.git "$partial" 2>/dev/null; then
            mv "$partial" "$ODOO_SRC"
            return
        fi
        rm -rf "$partial"
    fi
    cat >&2 <<MSG

facto_demat needs the source of Odoo 18.0 (Community) and could not find it
in $ODOO_SRC nor clone it from GitHub (no network?). Put an Odoo 18.0 tree
there - the folder holding odoo-bin, requirements.txt and odoo/addons - for
example with 'git clone --depth 1 --branch 18.0 https://github.com/odoo/odoo.git
$ODOO_SRC' on a machine that has the network, or point ODOO_SRC at an existing
tree ('make test ODOO_SRC=/path/to/odoo'), then run the command again.
MSG
    exit 1
}

ensure_packages() {
    local missing=""
    command -v pg_ctlcluster >/dev/null || missing="yes"
    command -v wkhtmltopdf >/dev/null || missing="yes"
    command -v chromium >/dev/null || missing="yes"
    [ -z "$missing" ] && return
    say "installing Debian packages: $APT_PACKAGES"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq $APT_PACKAGES >/dev/null
}

ensure_postgresql() {
    local version cluster status
    read -r version cluster status < <(pg_lsclusters --no-header | awk '{print $1, $2, $4; exit}')
    if [ "$status" != online ]; then
        say "starting PostgreSQL $version/$cluster"
        as_root pg_ctlcluster "$version" "$cluster" start
    fi
    if ! psql -d postgres -Atc 'select 1' >/dev/null 2>&1; then
        say "creating PostgreSQL role $(id -un)"
        as_root su postgres -c "createuser -s $(id -un)"
    fi
}

ensure_venv() {
    local stamp=$VENV/.facto-requirements
    local wanted
    wanted=$(cat "$ODOO_SRC/requirements.txt" "$ROOT/requirements.txt" \
        "$ROOT/requirements-dev.txt" "$ROOT/tools/odoo_requirements.py" | sha256sum)
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
        return
    fi
    say "installing Python requirements into $VENV"
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    local pip="$VENV/bin/pip install --quiet --disable-pip-version-check"
    $pip packaging 2>&1 | grep -v 'is ignored' || true
    "$VENV/bin/python" "$ROOT/tools/odoo_requirements.py" \
        "$ODOO_SRC/requirements.txt" > "$VENV/odoo-requirements.txt"
    $pip -r "$VENV/odoo-requirements.txt" -r "$ROOT/requirements.txt" \
        -r "$ROOT/requirements-dev.txt" 2>&1 | { grep -v 'is ignored' || true; }
    PYTHONPATH=$ODOO_SRC "$VENV/bin/python" \
        -c 'import odoo.release, exchangelib, email_validator'
    echo "$wanted" > "$stamp"
}

ensure_lint_venv() {
    local lint=$ROOT/.venv-lint stamp=$ROOT/.venv-lint/.facto-requirements
    local wanted
    wanted=$(sha256sum < "$ROOT/requirements-lint.txt")
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
        return
    fi
    say "installing the OCA checks into $lint"
    [ -x "$lint/bin/python" ] || python3 -m venv "$lint"
    "$lint/bin/pip" install --quiet --disable-pip-version-check \
        -r "$ROOT/requirements-lint.txt" 2>&1 | { grep -v 'is ignored' || true; }
    echo "$wanted" > "$stamp"
}

ensure_odoo_source
ensure_packages
ensure_postgresql
ensure_venv
ensure_lint_venv
