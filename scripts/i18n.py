"""Keep the add-ons' French translations current.

i18n.py update  export the .pot from the 18.0 test database (after `make
                test`; Odoo 18's --i18n-export, which 19.0 replaced) and
                merge it into i18n/fr.po, keeping existing translations
i18n.py check   fail when fr.po lacks a term of the .pot or leaves one
                untranslated (run by `make test` with the linters)
"""

import os
import subprocess
import sys
from pathlib import Path

import addons
import polib

ROOT = Path(__file__).resolve().parent.parent
MODULES = addons.translated()


def files(module):
    i18n = ROOT / module / "i18n"
    return i18n / f"{module}.pot", i18n / "fr.po"


def update(database="facto_test_18"):
    for module in MODULES:
        update_module(module, database)
    return 0


def update_module(module, database):
    pot, fr = files(module)
    pot.parent.mkdir(exist_ok=True)
    subprocess.run(
        [
            str(ROOT / "scripts" / "odoo.sh"),
            f"--database={database}",
            f"--i18n-export={pot}",
            f"--modules={module}",
            "--stop-after-init",
            "--no-http",
            "--log-level=warn",
        ],
        check=True,
        env={**os.environ, "ODOO_VERSION": "18.0"},
    )
    template = polib.pofile(str(pot))
    french = polib.pofile(str(fr)) if fr.exists() else polib.POFile()
    french.metadata = {
        **template.metadata,
        "Language": "fr",
        "Plural-Forms": "nplurals=2; plural=(n > 1);",
    }
    french.merge(template)
    french.save(str(fr))


def check():
    missing = 0
    for module in MODULES:
        pot, fr = files(module)
        french = polib.pofile(str(fr))
        translated = {(e.msgctxt, e.msgid) for e in french.translated_entries()}
        for entry in polib.pofile(str(pot)):
            if not entry.obsolete and (entry.msgctxt, entry.msgid) not in translated:
                print(f"{module}/i18n/fr.po: no French for {entry.msgid!r}")
                missing += 1
    return 1 if missing else 0


if __name__ == "__main__":
    action = sys.argv[1] if len(sys.argv) > 1 else "check"
    sys.exit(update() if action == "update" else check())
