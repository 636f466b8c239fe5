"""`make test-peers`: the add-ons beside OCA's modules and Odoo's suites that
exercise what they override, each compared with the same run without them.

1. `fetch`: downloads the 18.0 wheels of the OCA modules below from PyPI
   (`pip download --no-deps`, into var/peers/wheels) and unpacks their
   addons into var/peers/addons, which tools/odoo.sh puts on the addons
   path. Never committed.
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
import re
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEERS_DIR = ROOT / "var" / "peers"
OUR_ADDONS = ["facto_demat", "facto_demat_sale", "facto_demat_stock"]
BRIDGES = [
    "facto_demat_mail_tracking",
    "facto_demat_transmit_method",
    "facto_demat_auto_send",
]
OUR_TAGS = [f"/{name}" for name in (*OUR_ADDONS, *BRIDGES)]
# OCA modules tested beside ours: {module: PyPI version specifier}. The
# modules they need come too, untested.
OCA_MODULES = {
    "partner_email_check": ">=18.0,<18.1",
    "mail_tracking": ">=18.0,<18.1",
    "account_invoice_transmit_method": ">=18.0,<18.1",
    "account_invoice_transmit_method_substitution_rule": ">=18.0,<18.1",
    # queue_job 18.0.1.6.1: later releases need a newer Odoo than 18.0's
    "account_invoice_auto_send_by_email": ">=18.0,<18.1",
    "mail_outbound_static": ">=18.0,<18.1",
    "mail_environment": ">=18.0,<18.1",
    "partner_ref_unique": ">=18.0,<18.1",
}
OCA_DEPENDENCIES = {
    "base_view_inheritance_extension": ">=18.0,<18.1",
    "queue_job": "==18.0.1.6.1",
    "server_environment": ">=18.0,<18.1",
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


def fetch(modules=None):
    """Download and unpack the wheels of `modules` ({module: specifier};
    all OCA modules by default) that are not unpacked yet."""
    modules = modules or {**OCA_MODULES, **OCA_DEPENDENCIES}
    wheels, addons = PEERS_DIR / "wheels", PEERS_DIR / "addons"
    wheels.mkdir(parents=True, exist_ok=True)
    addons.mkdir(parents=True, exist_ok=True)
    for module, specifier in modules.items():
        if (addons / module / "__manifest__.py").exists():
            continue
        subprocess.run(
            [
                str(ROOT / ".venv" / "bin" / "pip"),
                "download",
                "--quiet",
                "--no-deps",
                "--disable-pip-version-check",
                "--dest",
                str(wheels),
                f"odoo-addon-{module}{specifier}",
            ],
            check=True,
        )
        wheel = max(wheels.glob(f"odoo_addon_{module}-*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            prefix = f"odoo/addons/{module}/"
            for member in archive.namelist():
                if member.startswith(prefix) and not member.endswith("/"):
                    target = addons / member.removeprefix("odoo/addons/")
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(archive.read(member))


def run(database, modules, tags, log_path, http_port):
    """Install `modules` with demo data on a new `database` and run the
    tests `tags` select; return {(module, test class): (run, failed)}."""
    subprocess.run(["dropdb", "--if-exists", database], check=True)
    command = [
        str(ROOT / "tools" / "odoo.sh"),
        f"--database={database}",
        f"--init={','.join(modules)}",
        "--test-enable",
        f"--test-tags={','.join(tags)}",
        f"--http-port={http_port}",
        "--stop-after-init",
        "--max-cron-threads=0",
    ]
    started, failed = Counter(), Counter()
    with log_path.open("w") as log:
        odoo = subprocess.run(
            command, stdout=log, stderr=subprocess.STDOUT, check=False, text=True
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


def suites():
    """{suite name: (module, classes or [] for all)}: the OCA modules',
    Odoo's, ours."""
    return {
        **{f"OCA {module}": (module, []) for module in OCA_MODULES},
        **ODOO_SUITES,
        "facto_demat (ours)": ("facto_demat", []),
        "facto_demat_sale (ours)": ("facto_demat_sale", []),
        "facto_demat_stock (ours)": ("facto_demat_stock", []),
        **{f"{name} (ours)": (name, []) for name in BRIDGES},
    }


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
    args = parser.parse_args()
    fetch()
    if args.action == "fetch":
        return 0
    modules = [
        *OCA_MODULES,
        *{module for module, _classes in ODOO_SUITES.values()},
    ]
    tags = [f"/{module}" for module in OCA_MODULES] + [
        f"/{module}:{test_class}" if test_class else f"/{module}"
        for module, classes in ODOO_SUITES.values()
        for test_class in (classes or [""])
    ]
    logs = ROOT / "var"
    with_ours = run(
        "facto_peers_with",
        [*modules, *OUR_ADDONS],
        [*tags, *OUR_TAGS],
        logs / "peers-with.log",
        args.http_port,
    )
    without = run(
        "facto_peers_without", modules, tags, logs / "peers-without.log", args.http_port
    )
    print("\n| suite | with facto_demat | without | verdict |")
    print("|---|---:|---:|---|")
    ours_fail = False
    for name, (module, classes) in suites().items():
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
        print("\nAn installation failed: see var/peers-with.log, var/peers-without.log")
    return 1 if ours_fail or install else 0


if __name__ == "__main__":
    sys.exit(main())
