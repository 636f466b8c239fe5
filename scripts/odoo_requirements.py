"""Print Odoo's pinned requirements as selected for Python 3.12.

Odoo 18's pins for Python 3.11 (cbor2 5.4.2, gevent 22.10.2, ...) no longer
build with current setuptools; the pins it lists for Python 3.12 ship wheels
for 3.11 and run there. psycopg2 is swapped for its binary wheel so that no
PostgreSQL headers are needed, and python-ldap (auth_ldap only) is left out.

usage: python odoo_requirements.py ODOO_SRC/requirements.txt
"""

import sys

from packaging.markers import default_environment
from packaging.requirements import Requirement

SKIPPED = {"python-ldap"}
REPLACED = {"psycopg2": "psycopg2-binary"}


def select(lines):
    env = default_environment() | {
        "python_version": "3.12",
        "python_full_version": "3.12.0",
    }
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        req = Requirement(line)
        if req.marker and not req.marker.evaluate(env):
            continue
        if req.name in SKIPPED:
            continue
        req.name = REPLACED.get(req.name, req.name)
        req.marker = None
        yield str(req)


if __name__ == "__main__":
    with open(sys.argv[1]) as handle:
        print("\n".join(select(handle)))
