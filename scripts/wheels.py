"""The add-ons as wheels, named and versioned as OCA's are.

`wheels.py VERSION [--dest DIR]` builds, with whool (each add-on's
`pyproject.toml`), one wheel per add-on of scripts/addons.py for Odoo
VERSION into DIR (default var/wheels/VERSION):
`odoo_addon_facto_demat-19.0.1.4.0-py3-none-any.whl`, requiring
`odoo==19.0.*`, the add-ons it depends on (`odoo-addon-…==19.0.*`, Odoo's
own excepted) and the Python libraries of its manifest. One code base
serves both versions, so a manifest's version has no series; each add-on
is built from a copy of its tracked files whose version is prefixed with
VERSION's series, as Odoo itself reads it.

`wheels.py VERSION --check` then installs the wheels into a new virtualenv
that has Odoo's requirements (the version's virtualenv, through a `.pth`
file) but not this repository, checks that every requirement of every
wheel is met there (but `odoo` itself, which runs from its source tree,
and OCA's modules), and has odoo-bin, run from that virtualenv with only
Odoo's own addons on its addons path, install facto_demat on a new
database. Prints a table of checks and the line "wheels: N passed, N
failed". Used by `make test`.
"""

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import addons
import odoo_version

ROOT = Path(__file__).resolve().parent.parent
VERSION_ENTRY = re.compile(r"""(["']version["']\s*:\s*["'])([\d.]+["'])""")


def tracked_files(addon):
    """The add-on's files as git tracks them (all its files outside a git
    checkout), relative to the repository, without compiled Python."""
    if (ROOT / ".git").exists():
        listed = subprocess.run(
            ["git", "ls-files", "-z", addon],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return [Path(name) for name in listed.split("\0") if name]
    return [
        path.relative_to(ROOT)
        for path in (ROOT / addon).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    ]


def stage(addon, series, stage_dir):
    """A copy of `addon` in `stage_dir` whose manifest version starts with
    `series` ("19.0"): the folder whool builds from."""
    for name in tracked_files(addon):
        target = stage_dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    manifest = stage_dir / addon / "__manifest__.py"
    manifest.write_text(
        VERSION_ENTRY.sub(rf"\g<1>{series}.\g<2>", manifest.read_text(), count=1)
    )
    return stage_dir / addon


def build(version, dest):
    """Build every add-on's wheel for Odoo `version` into `dest`; returns
    {add-on: wheel path}."""
    series = odoo_version.series(version)
    python = odoo_version.venv_bin(version) / "python"
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    wheels = {}
    with tempfile.TemporaryDirectory() as stage_dir:
        for addon in addons.GROUPS["all"]:
            folder = stage(addon, f"{series}.0", Path(stage_dir))
            subprocess.run(
                [
                    python,
                    "-m",
                    "pip",
                    "wheel",
                    "--quiet",
                    "--no-deps",
                    "--no-build-isolation",
                    "--disable-pip-version-check",
                    "--wheel-dir",
                    dest,
                    folder,
                ],
                check=True,
            )
            wheels[addon] = max(dest.glob(f"odoo_addon_{addon}-*.whl"))
    return wheels


def expected_name(addon, version):
    manifest_version = addons.manifest(addon)["version"]
    series = odoo_version.series(version)
    return f"odoo_addon_{addon}-{series}.0.{manifest_version}-py3-none-any.whl"


# Run by the new virtualenv's Python: the requirements of the odoo-addon
# wheels installed there that it does not meet, one per line.
UNMET = """
import importlib.metadata as metadata, re, sys
ours = set(sys.argv[1].split(","))
for dist in metadata.distributions():
    name = dist.metadata["Name"]
    if not name.startswith("odoo-addon-"):
        continue
    for requirement in dist.requires or []:
        wanted = re.match(r"[A-Za-z0-9_.-]+", requirement)[0]
        if wanted == "odoo":
            continue  # Odoo runs from its source tree
        if wanted.startswith("odoo-addon-") and wanted[11:] not in ours:
            continue  # an OCA module, fetched by make test-peers
        try:
            metadata.version(wanted)
        except metadata.PackageNotFoundError:
            print(name, "needs", requirement)
"""


def check(version, wheels):
    """Install `wheels` in a new virtualenv and odoo-bin from there: a list
    of (check, passed, detail)."""
    checks = [
        (
            f"{addon}: wheel named as OCA names it",
            wheel.name == expected_name(addon, version),
            wheel.name,
        )
        for addon, wheel in wheels.items()
    ]
    venv = ROOT / "var" / f"wheel-venv-{version}"
    if venv.exists():
        shutil.rmtree(venv)
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    odoo_python = odoo_version.venv_bin(version) / "python"
    odoo_site = subprocess.run(
        [odoo_python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # Odoo's requirements (and the add-ons' libraries) without the repository
    (site / "odoo_requirements.pth").write_text(odoo_site + "\n")
    installed = subprocess.run(
        [
            python,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-index",
            "--no-deps",
            "--disable-pip-version-check",
            *wheels.values(),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    checks.append(
        ("the wheels install with pip", not installed.returncode, installed.stderr)
    )
    unmet = subprocess.run(
        [python, "-c", UNMET, ",".join(wheels)],
        capture_output=True,
        text=True,
        check=False,
    )
    checks.append(
        (
            "every requirement of the wheels is met in Odoo's virtualenv",
            not unmet.returncode and not unmet.stdout.strip(),
            (unmet.stdout + unmet.stderr).strip(),
        )
    )
    checks += install_from_wheels(version, python, site)
    return checks


def install_from_wheels(version, python, site):
    """odoo-bin, with only Odoo's own addons on its addons path, installs
    facto_demat from the wheels in `site`."""
    database = odoo_version.database("facto_wheels", version)
    subprocess.run(["dropdb", "--if-exists", database], check=True)
    source = odoo_version.source(version)
    run = subprocess.run(
        [
            python,
            source / "odoo-bin",
            "-c",
            ROOT / "var" / "odoo.conf",
            f"--addons-path={source / 'odoo' / 'addons'}",
            f"--data-dir={ROOT / 'var' / 'data' / version}",
            f"--database={database}",
            "--init=facto_demat",
            *odoo_version.demo_options(version, False),
            "--stop-after-init",
            "--no-http",
            "--log-level=info",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    log = run.stdout + run.stderr
    paths = re.search(r"addons paths: (.*)", log)
    state = subprocess.run(
        [
            "psql",
            "--dbname",
            database,
            "--tuples-only",
            "--no-align",
            "--command",
            "select state from ir_module_module where name = 'facto_demat'",
        ],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    subprocess.run(["dropdb", "--if-exists", database], check=False)
    errors = [line for line in log.splitlines() if " ERROR " in line]
    return [
        (
            "odoo-bin finds the add-ons in the wheels' site-packages, not here",
            bool(paths)
            and str(site / "odoo" / "addons") in paths[1]
            and f"'{ROOT}'" not in paths[1],
            paths[1] if paths else "no addons paths logged",
        ),
        (
            "odoo-bin -i facto_demat from the wheels, no error",
            state == "installed" and not errors and not run.returncode,
            state or (errors[:1] or [log[-500:]])[0],
        ),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("version")
    parser.add_argument("--dest", type=Path)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    dest = args.dest or ROOT / "var" / "wheels" / args.version
    wheels = build(args.version, dest)
    if not args.check:
        print(*(wheel.name for wheel in wheels.values()), sep="\n")
        return 0
    checks = check(args.version, wheels)
    print(f"\n| check (Odoo {args.version}) | result |")
    print("|---|---|")
    for name, passed, detail in checks:
        shown = "" if passed else f": {detail.strip()[:300]}"
        print(f"| {name} | {'ok' if passed else '**FAILED**'}{shown} |")
    failed = sum(not passed for _name, passed, _detail in checks)
    print(f"wheels: {len(checks) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
