"""`make test-peers`: the add-ons beside OCA's modules and Odoo's suites that
exercise what they override, each compared with the same run without them.

1. `fetch`: downloads the wheels of the OCA modules below for the Odoo
   version tested (`--odoo-version`, default $ODOO_VERSION, else 19.0) from
   PyPI (`pip download --no-deps`, into var/peers/VERSION/wheels) and
   unpacks their addons into var/peers/VERSION/addons, which scripts/odoo.sh
   puts on that version's addons path. Never committed.
2. Two fresh databases with Odoo's demo data (the OCA modules' tests need
   it): *with* our add-ons, the OCA modules and the modules of Odoo's
   suites; *without*: the same, less our add-ons. Each runs the OCA
   modules' tests and Odoo's suites (and, *with*, ours).
3. A table: suite, tests passed/run with and without, and a verdict: `ok`,
   `same without` (the failure is the machine's or a peer's, not ours) or
   `OURS` (fails only with our add-ons). Exit 1 on an `OURS`.

One pair of databases rather than a pair per module: two installations
instead of eighteen (about 25 minutes instead of two hours on two cores);
a module that breaks another's tests does so on both sides, so the
comparison still tells what our add-ons cause.
"""

import argparse
import os
import re
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path

import addons
import odoo_version

ROOT = Path(__file__).resolve().parent.parent
# OCA modules tested beside ours, in their latest release for the Odoo
# version tested unless PINNED. The modules they need come too, untested.
OCA_MODULES = [
    "partner_email_check",
    "mail_tracking",
    "account_invoice_transmit_method",
    "account_invoice_transmit_method_substitution_rule",
    "account_invoice_auto_send_by_email",
    "mail_outbound_static",
    "mail_environment",
    "partner_ref_unique",
]
OCA_DEPENDENCIES = [
    "base_view_inheritance_extension",
    "queue_job",
    "server_environment",
]
# {Odoo version: {module: PyPI version specifier}}
PINNED = {
    # queue_job 18.0.1.6.1: later releases need a newer Odoo than 18.0's
    "18.0": {"queue_job": "==18.0.1.6.1"},
}
# Odoo's suites that exercise what the add-ons override: {name: (module,
# test classes)}.
ODOO_SUITES = {
    "account: sending": ("account", ["TestAccountMoveSend"]),
    "account: download": ("account", ["TestDownloadDocs"]),
    "account: portal": ("account", ["TestPortalInvoice", "TestPortalAttachment"]),
    "account: audit trail": ("account", ["TestAuditTrail"]),
    "snailmail_account": ("snailmail_account", []),
    "account_peppol": ("account_peppol", []),
    "sale: orders and invoicing": (
        "sale",
        ["TestSaleOrder", "TestSaleOrderInvoicing", "TestSaleToInvoice"],
    ),
    "stock: picking flow": ("stock", ["TestStockFlow", "TestReturnPicking"]),
    "mail: composer": ("test_mail", ["TestMailComposer", "TestComposerInternals"]),
    "mail: mail servers": ("mail", ["TestIrMailServer"]),
}
STARTING = re.compile(r" odoo\.addons\.(\w+)\.tests\.\S+: Starting (\w+)\.")
# a class whose set-up failed: none of its tests ran, counted as one failure
SET_UP = re.compile(r"ERROR: setUpClass \(odoo\.addons\.(\w+)\.tests\.\w+\.(\w+)\)")
FAILED = re.compile(
    r" odoo\.addons\.(\w+)\.tests\.\S+: (?:FAIL|ERROR): (?:Subtest )?(\w+)\."
)


def fetch(version, modules=None):
    """Download and unpack the wheels for Odoo `version` of `modules` (all
    OCA modules by default) that are not unpacked yet. Returns the modules
    pip could not get (no release for that version, or PyPI out of reach),
    having said so on stderr."""
    modules = modules or [*OCA_MODULES, *OCA_DEPENDENCIES]
    peers = odoo_version.peers_dir(version)
    wheels, unpacked = peers / "wheels", peers / "addons"
    wheels.mkdir(parents=True, exist_ok=True)
    unpacked.mkdir(parents=True, exist_ok=True)
    missing = []
    for module in modules:
        if (unpacked / module / "__manifest__.py").exists():
            continue
        specifier = PINNED.get(version, {}).get(
            module, f">={version},<{odoo_version.series(version)}.1"
        )
        download = subprocess.run(
            [
                str(odoo_version.venv_bin(version) / "pip"),
                "download",
                "--quiet",
                "--no-deps",
                "--disable-pip-version-check",
                "--dest",
                str(wheels),
                f"odoo-addon-{module}{specifier}",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if download.returncode:
            reason = (download.stderr.strip().splitlines() or ["pip failed"])[-1]
            print(f"OCA {module} for Odoo {version}: {reason}", file=sys.stderr)
            missing.append(module)
            continue
        wheel = max(wheels.glob(f"odoo_addon_{module}-*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            prefix = f"odoo/addons/{module}/"
            for member in archive.namelist():
                if member.startswith(prefix) and not member.endswith("/"):
                    target = unpacked / member.removeprefix("odoo/addons/")
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(archive.read(member))
    return missing


def run(version, database, modules, tags, log_path, http_port):
    """Install `modules` with demo data on a new `database` of Odoo
    `version` and run the tests `tags` select; return {(module, test
    class): (run, failed)}."""
    subprocess.run(["dropdb", "--if-exists", database], check=True)
    command = [
        str(ROOT / "scripts" / "odoo.sh"),
        f"--database={database}",
        f"--init={','.join(modules)}",
        *odoo_version.demo_options(version, demo=True),
        "--test-enable",
        f"--test-tags={','.join(tags)}",
        f"--http-port={http_port}",
        "--stop-after-init",
        "--max-cron-threads=0",
    ]
    started, failed = Counter(), Counter()
    with log_path.open("w") as log:
        odoo = subprocess.run(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
            text=True,
            env=odoo_version.environ(version),
        )
    for line in log_path.read_text(errors="replace").splitlines():
        if match := STARTING.search(line):
            started[match.groups()] += 1
        elif match := FAILED.search(line):
            failed[match.groups()] += 1
        elif match := SET_UP.search(line):
            started[match.groups()] += 1
            failed[match.groups()] += 1
    if odoo.returncode and not started:
        failed[("install", "install")] += 1
    return {key: (started[key], failed[key]) for key in started | failed}


def suites(oca_modules, ours):
    """{suite name: (module, classes or [] for all)}: the OCA modules',
    Odoo's, ours."""
    return {
        **{f"OCA {module}": (module, []) for module in oca_modules},
        **ODOO_SUITES,
        **{f"{name} (ours)": (name, []) for name in ours},
    }


def bridges_without(missing):
    """Our OCA bridges that need none of the `missing` modules."""
    return [
        bridge
        for bridge in addons.OCA_BRIDGES
        if not set(addons.manifest(bridge)["depends"]) & set(missing)
    ]


def tally(results, module, classes):
    runs = [
        counts
        for (result_module, test_class), counts in results.items()
        if result_module == module and (not classes or test_class in classes)
    ]
    if not runs:
        return None
    total = sum(count for count, _failed in runs)
    failures = sum(failed for _count, failed in runs)
    return total, failures


def _passed(counts):
    if counts is None:
        return "-"
    total, failures = counts
    return f"{total - failures}/{total}"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("action", nargs="?", default="run", choices=["run", "fetch"])
    parser.add_argument("--http-port", default="8369")
    parser.add_argument(
        "--odoo-version", default=os.environ.get("ODOO_VERSION") or "19.0"
    )
    args = parser.parse_args()
    version = args.odoo_version
    missing = fetch(version)
    if missing:
        print(
            f"Odoo {version} lacks a release of OCA {', '.join(missing)}: "
            "tested without them, and without our bridges that need them",
        )
    if args.action == "fetch":
        return 0
    oca_modules = [module for module in OCA_MODULES if module not in missing]
    ours = [*addons.TESTED, *bridges_without(missing)]
    modules = [
        *oca_modules,
        *{module for module, _classes in ODOO_SUITES.values()},
    ]
    tags = [f"/{module}" for module in oca_modules] + [
        f"/{module}:{test_class}" if test_class else f"/{module}"
        for module, classes in ODOO_SUITES.values()
        for test_class in (classes or [""])
    ]
    logs = {
        side: ROOT / "var" / f"peers-{side}-{version}.log"
        for side in ("with", "without")
    }
    with_ours = run(
        version,
        odoo_version.database("facto_peers_with", version),
        [*modules, *ours],
        [*tags, *(f"/{name}" for name in ours)],
        logs["with"],
        args.http_port,
    )
    without = run(
        version,
        odoo_version.database("facto_peers_without", version),
        modules,
        tags,
        logs["without"],
        args.http_port,
    )
    print(f"\n| suite (Odoo {version}) | with facto_demat | without | verdict |")
    print("|---|---:|---:|---|")
    ours_fail = False
    for name, (module, classes) in suites(oca_modules, ours).items():
        mine, theirs = (
            tally(with_ours, module, classes),
            tally(without, module, classes),
        )
        if mine is None:
            print(f"| {name} | not run | - | - |")
            continue
        if not mine[1]:
            verdict = "ok"
        elif theirs and theirs[1] >= mine[1]:
            verdict = "same without"
        else:
            verdict, ours_fail = "OURS", True
        print(f"| {name} | {_passed(mine)} | {_passed(theirs)} | {verdict} |")
    install = with_ours.get(("install", "install")) or without.get(
        ("install", "install")
    )
    if install:
        print(f"\nAn installation failed: see {logs['with']}, {logs['without']}")
    return 1 if ours_fail or install else 0


if __name__ == "__main__":
    sys.exit(main())
