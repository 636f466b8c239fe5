# Sourced by the shell tools, after they set ROOT. `use_odoo_version [VERSION]`
# (default: $ODOO_VERSION, else 19.0) sets what the tools need for that Odoo
# series:
#   ODOO_VERSION  18.0 or 19.0, exported for the tools it starts
#   ODOO_SRC      its source tree: $ODOO_SRC_18 / $ODOO_SRC_19 when set, else
#                 $ODOO_SRC (as given when this file was sourced), else
#                 /opt/odoo18 / /opt/odoo19
#   VENV          its virtualenv, $ROOT/.venv-$ODOO_VERSION
#   DB_SUFFIX     _18 / _19, the end of every database name the tools make
#   NO_DEMO       the odoo-bin option that leaves demo data out (19.0 leaves
#                 it out by default; 18.0 wants --without-demo=all)
# scripts/odoo_version.py gives the Python tools the same names.
ODOO_SRC_GIVEN=${ODOO_SRC_GIVEN-${ODOO_SRC:-}}

use_odoo_version() {
    ODOO_VERSION=${1:-${ODOO_VERSION:-19.0}}
    local series=${ODOO_VERSION%%.*}
    local per_version=ODOO_SRC_$series
    ODOO_SRC=${!per_version:-${ODOO_SRC_GIVEN:-/opt/odoo$series}}
    VENV=$ROOT/.venv-$ODOO_VERSION
    DB_SUFFIX=_$series
    if [ "$series" -ge 19 ]; then NO_DEMO=--without-demo; else NO_DEMO=--without-demo=all; fi
    export ODOO_VERSION
}
