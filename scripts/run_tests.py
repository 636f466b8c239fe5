"""Run the add-ons' tests on fresh databases of each Odoo version given,
then the linters once: `run_tests.py [options] VERSION...` (make test: 18.0
and 19.0, or ODOO_VERSION).

For each version, installs the add-ons in a new database without demo data
(facto_test_18, facto_test_19...) and runs the tests selected by
--test-tags (ours and Odoo's own sending tests), then each add-on of the
group `alone` (scripts/addons.py) installed alone in a database of its own
(facto_test_mail_outbound_transport_18...) with its tests, then the multi-process run
of scripts/workers_run.py on a copy of that database, the updates from
older states of main of scripts/upgrade_run.py and the wheels of
scripts/wheels.py (each of their checks counts as a test), then in a new database with
Odoo's demo data (facto_test_demo_18...; as Odoo's runbot and OCA's CI do)
and OCA's mail_tracking, and runs ours again: without mail_tracking, said
so, when no release of it for that version can be had. Fails on any failed
test, an add-on left uninstalled, any ERROR or CRITICAL log line, a browser
tour skipped for want of Chromium, or a lint error. Ends with a line
"Odoo VERSION: N passed, N failed" per version, then the plain line
"N passed, N failed" for the whole.
"""

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import addons
import odoo_version
import peers

ROOT = Path(__file__).resolve().parent.parent
SUMMARY = re.compile(
    r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database"
)
WORKERS_SUMMARY = re.compile(r"^workers run: (\d+) passed, (\d+) failed$", re.M)
UPGRADE_SUMMARY = re.compile(r"^upgrade run: (\d+) passed, (\d+) failed$", re.M)
WHEELS_SUMMARY = re.compile(r"^wheels: (\d+) passed, (\d+) failed$", re.M)
LOG_ERROR = re.compile(r"^\S+ \S+ \d+ (ERROR|CRITICAL) ")
SHOWN_INFO = re.compile(r"\.tests\.\S+: Starting |post-tests in|tests when loading")
SKIPPED_TOUR = "Chrome executable not found"
# Odoo modules installed beside them for the tests only: automation rules
# are one of the roads a document is emailed by; account_peppol is Odoo's
# e-invoicing method French business customers are sent by (its access
# point answered by facto_demat/tests/peppol_double.py).
TEST_MODULES = ["base_automation", "account_peppol"]
OUR_TAGS = ",".join(f"/{addon}" for addon in addons.TESTED)
# The demo-data run tests the add-ons of the group `alone` too, beside the
# others and OCA's mail_tracking (which catches sending errors).
DEMO_TAGS = ",".join(f"/{addon}" for addon in (*addons.ALONE, *addons.TESTED))
# The OCA module CI installs beside the add-ons in the demo run (the full
# comparison is `make test-peers`): it catches sending errors, the case our
# letters must survive.
PEER = "mail_tracking"


def run_odoo_tests(
    version,
    database,
    test_tags,
    http_port,
    log_path,
    demo=False,
    modules=(*addons.TESTED, *TEST_MODULES),
):
    subprocess.run(["dropdb", "--if-exists", database], check=True)
    command = [
        str(ROOT / "scripts" / "odoo.sh"),
        f"--database={database}",
        f"--init={','.join(modules)}",
        *odoo_version.demo_options(version, demo),
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
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=odoo_version.environ(version),
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
    # each module left uninstalled counts as a failure: its tests never ran
    missing = uninstalled(database, modules)
    problems += [
        f"{module} is not installed in {database} ({state})"
        for module, state in missing.items()
    ]
    if summary is None:
        problems.append("odoo-bin printed no test summary")
        return 0, 1 + len(missing), problems
    failures, errors, total = summary
    return total - failures - errors, failures + errors + len(missing), problems


def run_workers(version, database):
    """scripts/workers_run.py on a copy of the tested `database`: (checks
    passed, checks failed, problems)."""
    return run_checks(
        version,
        ["workers_run.py", version, "--template", database],
        WORKERS_SUMMARY,
        "the multi-process run",
    )


def run_upgrades(version):
    """scripts/upgrade_run.py: databases made with older states of main,
    updated to this code: (checks passed, checks failed, problems)."""
    return run_checks(
        version, ["upgrade_run.py", version], UPGRADE_SUMMARY, "the upgrade run"
    )


def run_wheels(version):
    """scripts/wheels.py: the add-ons' wheels built, installed in a new
    virtualenv and found by odoo-bin: (checks passed, checks failed,
    problems)."""
    return run_checks(
        version, ["wheels.py", version, "--check"], WHEELS_SUMMARY, "the wheels"
    )


def run_checks(version, script, summary, what):
    """A tool of scripts/ (`script`: its name and arguments) run with the
    version's Python, which prints a table of checks and their `summary`
    line: (checks passed, checks failed, problems)."""
    done = subprocess.run(
        [odoo_version.venv_bin(version) / "python", *script],
        cwd=ROOT / "scripts",
        capture_output=True,
        text=True,
        check=False,
    )
    sys.stdout.write(done.stdout)
    match = summary.search(done.stdout)
    if not match:
        sys.stdout.write(done.stderr[-3000:])
        return 0, 1, [f"scripts/{script[0]} printed no summary"]
    passed, failed = (int(n) for n in match.groups())
    problems = [
        f"{what} failed: {line.strip()}"
        for line in done.stdout.splitlines()
        if "**FAILED**" in line
    ] or ([] if done.returncode == 0 else [f"{what} failed"])
    return passed, failed, problems


def uninstalled(database, modules):
    """{module: its state, or "absent"} for the `modules` not installed."""
    rows = subprocess.run(
        [
            "psql",
            "--dbname",
            database,
            "--no-align",
            "--tuples-only",
            "--field-separator= ",
            "--command",
            "select name, state from ir_module_module",
        ],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split("\n")
    states = dict(row.split(" ", 1) for row in rows if row)
    return {
        module: states.get(module, "absent")
        for module in modules
        if states.get(module) != "installed"
    }


class Result(NamedTuple):
    passed: int
    failed: int
    problems: list
    notes: list


def run_version(version, args):
    """Both runs on Odoo `version`."""
    print(f"\nOdoo {version}:", flush=True)
    log = ROOT / "var" / f"test-{version}.log"
    database = odoo_version.database(args.database, version)
    passed, failed, problems = run_odoo_tests(
        version, database, args.test_tags, args.http_port, log
    )
    for addon in addons.ALONE:
        print(f"\nOdoo {version}, {addon} installed alone:", flush=True)
        alone = run_odoo_tests(
            version,
            odoo_version.database(f"{args.database}_{addon}", version),
            f"/{addon}",
            args.http_port,
            ROOT / "var" / f"test-{addon}-{version}.log",
            modules=[addon],
        )
        passed, failed, problems = (
            passed + alone[0],
            failed + alone[1],
            problems + alone[2],
        )
    print(
        f"\nOdoo {version} in multi-process mode (scripts/workers_run.py):", flush=True
    )
    workers = run_workers(version, database)
    print(f"\nOdoo {version}, updates from older states (scripts/upgrade_run.py):")
    upgrades = run_upgrades(version)
    print(f"\nOdoo {version}, the add-ons as wheels (scripts/wheels.py):")
    wheels = run_wheels(version)
    passed, failed, problems = (
        passed + workers[0] + upgrades[0] + wheels[0],
        failed + workers[1] + upgrades[1] + wheels[1],
        problems + workers[2] + upgrades[2] + wheels[2],
    )
    notes = []
    if args.no_demo_run:
        return Result(passed, failed, problems, notes)
    if peers.fetch(version, [PEER]):
        notes.append(
            f"no OCA {PEER} could be downloaded: the demo-data run went without it"
        )
        print(f"\nOdoo {version} again, with demo data (without {PEER}):", flush=True)
        extra, tags = [], DEMO_TAGS
    else:
        print(f"\nOdoo {version} again, with demo data and OCA {PEER}:", flush=True)
        extra, tags = [PEER], f"{DEMO_TAGS},/{PEER},/{addons.OCA_BRIDGES[0]}"
    demo = run_odoo_tests(
        version,
        odoo_version.database(f"{args.database}_demo", version),
        tags,
        args.http_port,
        ROOT / "var" / f"test-demo-{version}.log",
        demo=True,
        modules=[*addons.TESTED, *TEST_MODULES, *extra],
    )
    return Result(passed + demo[0], failed + demo[1], problems + demo[2], notes)


def run_linters(venv_bin):
    lint_bin = ROOT / ".venv-lint" / "bin"
    failed = 0
    paths = [*addons.GROUPS["all"], "bench", "scripts"]
    for command in (
        [venv_bin / "python", ROOT / "scripts" / "addons.py", "--check"],
        [venv_bin / "ruff", "check", *paths],
        [venv_bin / "ruff", "format", "--check", *paths],
        [
            venv_bin / "pylint",
            "--rcfile",
            ROOT / ".pylintrc",
            *addons.GROUPS["all"],
        ],
        [
            lint_bin / "oca-checks-odoo-module",
            *addons.GROUPS["all"],
        ],
        [venv_bin / "python", ROOT / "scripts" / "i18n.py", "check"],
        [lint_bin / "python", ROOT / "scripts" / "readme.py", "--check"],
    ):
        print("$", " ".join(str(part) for part in command[1:]), flush=True)
        if subprocess.run(command, cwd=ROOT).returncode:
            failed += 1
    return failed


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("versions", nargs="+", metavar="VERSION")
    parser.add_argument(
        "--database",
        default="facto_test",
        help="databases: DATABASE_18 and DATABASE_demo_18 on 18.0, and so on",
    )
    # Odoo's own invoice-sending tests, and its e-invoicing method's, must
    # still pass with facto_demat.
    parser.add_argument(
        "--test-tags",
        default=(
            f"{OUR_TAGS},/account:TestAccountMoveSend,/account:TestDownloadDocs,"
            "/account_peppol"
        ),
    )
    parser.add_argument(
        "--no-demo-run",
        action="store_true",
        help="skip the second run, on a database with demo data",
    )
    parser.add_argument("--http-port", default=os.environ.get("TEST_HTTP_PORT", "8169"))
    parser.add_argument(
        "--lint-only", action="store_true", help="the linters of the first VERSION"
    )
    args = parser.parse_args()

    results = {} if args.lint_only else {v: run_version(v, args) for v in args.versions}
    lint_failures = run_linters(odoo_version.venv_bin(args.versions[0]))
    problems = [f"Odoo {v}: {p}" for v, r in results.items() for p in r.problems]
    notes = [f"Odoo {v}: {n}" for v, r in results.items() for n in r.notes]
    if lint_failures:
        problems.append(f"{lint_failures} linter(s) reported errors")
    if notes:
        print("\nNotes:", *notes, sep="\n  ")
    if problems:
        print("\nProblems:", *problems, sep="\n  ")
    for version, result in results.items():
        print(f"Odoo {version}: {result.passed} passed, {result.failed} failed")
    passed = sum(result.passed for result in results.values())
    failed = sum(result.failed for result in results.values())
    print(f"{passed} passed, {failed} failed")
    return 1 if problems or failed else 0


if __name__ == "__main__":
    sys.exit(main())
