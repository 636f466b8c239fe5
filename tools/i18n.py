"""Keep facto_demat's translations current.

i18n.py update  export the .pot from the test database (after `make test`)
                and merge it into i18n/fr.po, keeping existing translations
i18n.py check   fail when fr.po lacks a term of the .pot or leaves one
                untranslated (run by `make test` with the linters)
"""

import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
I18N = ROOT / "facto_demat" / "i18n"
POT = I18N / "facto_demat.pot"
FR = I18N / "fr.po"


def update(database="facto_test"):
    subprocess.run(
        [
            str(ROOT / "tools" / "odoo.sh"),
            f"--database={database}",
            f"--i18n-export={POT}",
            "--modules=facto_demat",
            "--stop-after-init",
            "--no-http",
            "--log-level=warn",
        ],
        check=True,
    )
    template = polib.pofile(str(POT))
    french = polib.pofile(str(FR)) if FR.exists() else polib.POFile()
    french.metadata = {
        **template.metadata,
        "Language": "fr",
        "Plural-Forms": "nplurals=2; plural=(n > 1);",
    }
    french.merge(template)
    french.save(str(FR))


def check():
    template = polib.pofile(str(POT))
    french = polib.pofile(str(FR))
    translated = {(e.msgctxt, e.msgid) for e in french.translated_entries()}
    missing = [
        e.msgid
        for e in template
        if not e.obsolete and (e.msgctxt, e.msgid) not in translated
    ]
    for msgid in missing:
        print(f"fr.po: no French for {msgid!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    action = sys.argv[1] if len(sys.argv) > 1 else "check"
    sys.exit(update() if action == "update" else check())
