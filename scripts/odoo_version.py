"""Per-version names for the Python tools, as scripts/version.sh sets them for
the shell tools: each Odoo version has its virtualenv .venv-VERSION, its
OCA modules in var/peers/VERSION, and databases whose names end in _18,
_19..."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def series(version):
    """18 for 18.0"""
    return int(version.split(".")[0])


def source(version):
    """The version's Odoo tree, as scripts/version.sh finds it."""
    series_number = series(version)
    return Path(
        os.environ.get(f"ODOO_SRC_{series_number}")
        or os.environ.get("ODOO_SRC")
        or f"/opt/odoo{series_number}"
    )


def venv_bin(version):
    return ROOT / f".venv-{version}" / "bin"


def peers_dir(version):
    return ROOT / "var" / "peers" / version


def database(name, version):
    """facto_test, 18.0 -> facto_test_18"""
    return f"{name}_{series(version)}"


def environ(version):
    """The environment for scripts/odoo.sh on `version`."""
    return {**os.environ, "ODOO_VERSION": version}


def demo_options(version, demo):
    """odoo-bin's options for a new database with or without demo data: 19.0
    loads it only with --with-demo, 18.0 unless --without-demo=all."""
    if series(version) >= 19:
        return ["--with-demo"] if demo else ["--without-demo"]
    return [] if demo else ["--without-demo=all"]
