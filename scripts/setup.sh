#!/usr/bin/env bash
# Idempotent set-up shared by `make test` and `make run`: Debian packages,
# PostgreSQL running with a role for this user, the OCA checks' .venv-lint,
# and for each Odoo version given (default: $ODOO_VERSION, else 19.0) its
# source tree and its .venv-VERSION with Odoo's and the add-on's Python
# requirements (scripts/version.sh): `scripts/setup.sh [VERSION...]`.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/version.sh"
APT_PACKAGES="postgresql wkhtmltopdf chromium fonts-dejavu-core libmagic1"

say() { printf '[setup] %s\n' "$*"; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

tree_series() {  # the Odoo series of the source tree $1
    python3 -c 'import runpy, sys; print(runpy.run_path(sys.argv[1])["serie"])' \
        "$1/odoo/release.py" 2>/dev/null || echo unknown
}

ensure_odoo_source() {
    local cloning=""
    if [ ! -e "$ODOO_SRC" ]; then
        say "no Odoo source in $ODOO_SRC; trying to clone Odoo $ODOO_VERSION there"
        local partial="$ODOO_SRC.partial.$$"
        if timeout 900 git clone --quiet --depth 1 --branch "$ODOO_VERSION" \
                https://github.com/odoo/odoo.git "$partial" 2>/dev/null; then
            mv "$partial" "$ODOO_SRC"
        else
            cloning=", and cloning it from GitHub failed (no network?)"
        fi
        rm -rf "$partial"
    fi
    local holds="no Odoo tree"
    if [ -f "$ODOO_SRC/odoo-bin" ]; then
        holds="Odoo $(tree_series "$ODOO_SRC")"
        [ "$holds" = "Odoo $ODOO_VERSION" ] && return
    fi
    local per_version=ODOO_SRC_${ODOO_VERSION%%.*}
    echo >&2
    fmt -w 78 >&2 <<MSG
facto_demat needs an Odoo $ODOO_VERSION (Community) source tree in $ODOO_SRC,
which holds $holds$cloning. Put one there - the folder holding odoo-bin,
requirements.txt and odoo/addons - for example with 'git clone --depth 1
--branch $ODOO_VERSION https://github.com/odoo/odoo.git $ODOO_SRC' on a machine
that has the network, or from Odoo's source package (its launcher setup/odoo
becomes odoo-bin); or point $per_version at an existing tree ('make test
$per_version=/path/to/odoo'); then run the command again. ODOO_VERSION=...
runs the commands on one Odoo version only.
MSG
    exit 1
}

ensure_packages() {
    local missing=""
    command -v pg_ctlcluster >/dev/null || missing="yes"
    command -v wkhtmltopdf >/dev/null || missing="yes"
    command -v chromium >/dev/null || missing="yes"
    dpkg -s libmagic1 >/dev/null 2>&1 || missing="yes"  # python-magic, Odoo 19
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
        "$ROOT/requirements-dev.txt" "$ROOT/scripts/odoo_requirements.py" | sha256sum)
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
        return
    fi
    say "installing Odoo $ODOO_VERSION's and our Python requirements into $VENV"
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    local pip="$VENV/bin/pip install --quiet --disable-pip-version-check"
    $pip packaging 2>&1 | grep -v 'is ignored' || true
    "$VENV/bin/python" "$ROOT/scripts/odoo_requirements.py" \
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

for version in "${@:-}"; do
    use_odoo_version "$version"
    ensure_odoo_source
done
ensure_packages
ensure_postgresql
for version in "${@:-}"; do
    use_odoo_version "$version"
    ensure_venv
done
ensure_lint_venv
