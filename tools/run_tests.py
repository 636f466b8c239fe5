"""Run the add-ons' tests on fresh databases, then the linters.

Installs the add-ons in a new database without demo data and runs the tests
selected by --test-tags (ours and Odoo's own sending tests), then in a new
database with Odoo's demo data (as Odoo's runbot and OCA's CI do) and runs
ours again. Fails on any failed test, any ERROR or CRITICAL log line, a
browser tour skipped for want of Chromium, or a lint error. Ends with the
plain line "N passed, N failed" for the whole.
"""

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

import peers

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
SUMMARY = re.compile(
    r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database"
)
LOG_ERROR = re.compile(r"^\S+ \S+ \d+ (ERROR|CRITICAL) ")
SHOWN_INFO = re.compile(r"\.tests\.\S+: Starting |post-tests in|tests when loading")
SKIPPED_TOUR = "Chrome executable not found"
ADDONS = ["facto_demat", "facto_demat_sale", "facto_demat_stock"]
OUR_TAGS = "/facto_demat,/facto_demat_sale,/facto_demat_stock"
# The OCA module CI installs beside the add-ons in the demo run (the full
# comparison is `make test-peers`): it catches sending errors, the case our
# letters must survive.
PEER = "mail_tracking"
# Bridges with OCA modules: make test installs the first (with PEER).
BRIDGES = peers.BRIDGES


def run_odoo_tests(database, test_tags, http_port, log_path, demo=False, extra=()):
    subprocess.run(["dropdb", "--if-exists", database], check=True)
    command = [
        str(ROOT / "tools" / "odoo.sh"),
        f"--database={database}",
        f"--init={','.join([*ADDONS, *extra])}",
        *([] if demo else ["--without-demo=all"]),
        "--test-enable",
        f"--test-tags={test_tags}",
        f"--http-port={http_port}",
        "--stop-after-init",
        "--max-cron-threads=0",
    ]
    problems = []
    summary = None
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with (
        log_path.open("w") as log,
        subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        ) as odoo,
    ):
        for line in odoo.stdout:
            log.write(line)
            if " INFO " not in line or SHOWN_INFO.search(line):
                sys.stdout.write(line)
            if match := SUMMARY.search(line):
                summary = tuple(int(n) for n in match.groups())
            elif LOG_ERROR.match(line):
                problems.append(line.strip())
            elif SKIPPED_TOUR in line:
                problems.append("browser tours were skipped: no Chromium found")
    if odoo.returncode:
        problems.append(f"odoo-bin exited with status {odoo.returncode}")
    if summary is None:
        problems.append("odoo-bin printed no test summary")
        return 0, 1, problems
    failures, errors, total = summary
    return total - failures - errors, failures + errors, problems


def run_linters():
    failed = 0
    paths = [
        name for name in (*ADDONS, *BRIDGES, "bench", "tools") if (ROOT / name).exists()
    ]
    for command in (
        [VENV_BIN / "ruff", "check", *paths],
        [VENV_BIN / "ruff", "format", "--check", *paths],
        [VENV_BIN / "pylint", "--rcfile", ROOT / ".pylintrc", *ADDONS, *BRIDGES],
        [ROOT / ".venv-lint" / "bin" / "oca-checks-odoo-module", *ADDONS, *BRIDGES],
        [VENV_BIN / "python", ROOT / "tools" / "i18n.py", "check"],
    ):
        print("$", " ".join(str(part) for part in command[1:]), flush=True)
        if subprocess.run(command, cwd=ROOT).returncode:
            failed += 1
    return failed


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", default="facto_test")
    # Odoo's own invoice-sending tests must still pass with facto_demat.
    parser.add_argument(
        "--test-tags",
        default=f"{OUR_TAGS},/account:TestAccountMoveSend,/account:TestDownloadDocs",
    )
    parser.add_argument(
        "--no-demo-run",
        action="store_true",
        help="skip the second run, on a database with demo data",
    )
    parser.add_argument("--http-port", default=os.environ.get("TEST_HTTP_PORT", "8169"))
    parser.add_argument("--lint-only", action="store_true")
    args = parser.parse_args()

    passed = failed = 0
    problems = []
    if not args.lint_only:
        passed, failed, problems = run_odoo_tests(
            args.database, args.test_tags, args.http_port, ROOT / "var" / "test.log"
        )
        if not args.no_demo_run:
            print(f"\nAgain, with demo data and OCA {PEER}:")
            peers.fetch({PEER: peers.OCA_MODULES[PEER]})
            demo = run_odoo_tests(
                f"{args.database}_demo",
                f"{OUR_TAGS},/{PEER},/{BRIDGES[0]}",
                args.http_port,
                ROOT / "var" / "test-demo.log",
                demo=True,
                extra=[PEER],
            )
            passed, failed = passed + demo[0], failed + demo[1]
            problems += demo[2]
    lint_failures = run_linters()
    if lint_failures:
        problems.append(f"{lint_failures} linter(s) reported errors")
    if problems:
        print("\nProblems:", *problems, sep="\n  ")
    print(f"{passed} passed, {failed} failed")
    return 1 if problems or failed else 0


if __name__ == "__main__":
    sys.exit(main())
