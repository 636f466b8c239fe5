"""The repository's add-ons: the one list every script reads.

Python scripts import it; shell scripts run `addons.py GROUP...`, which
prints the add-ons of those groups comma-separated (as `odoo-bin -i` takes
them). `addons.py --check` fails when a folder of the repository holding a
`__manifest__.py` is in no group.

Groups:
  alone    the add-ons others depend on that need none of ours: each tested
           installed alone, on a database with only its dependencies
  tested   installed and tested by `make test` on each Odoo version
  oca      bridges with OCA modules: tested beside them by `make test-peers`
           (`make test` installs the first, with OCA's mail_tracking, in its
           demo-data run)
  absent   bridges with Odoo modules the public trees lack (l10n_fr_pdp):
           linted only
  all      every add-on, in that order
"""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALONE = ["mail_outbound_transport"]
TESTED = ["facto_demat", "facto_demat_sale", "facto_demat_stock", "facto_demat_peppol"]
OCA_BRIDGES = [
    "facto_demat_mail_tracking",
    "facto_demat_transmit_method",
    "facto_demat_auto_send",
]
ABSENT_BRIDGES = ["facto_demat_fr_pdp"]
GROUPS = {
    "alone": ALONE,
    "tested": TESTED,
    "oca": OCA_BRIDGES,
    "absent": ABSENT_BRIDGES,
    "all": [*ALONE, *TESTED, *OCA_BRIDGES, *ABSENT_BRIDGES],
}


def manifest(addon):
    """The add-on's `__manifest__.py` as a dict."""
    return ast.literal_eval((ROOT / addon / "__manifest__.py").read_text())


def translated():
    """The add-ons that carry a French translation (an `i18n/` folder)."""
    return [addon for addon in GROUPS["all"] if (ROOT / addon / "i18n").is_dir()]


def unlisted():
    """The folders of the repository holding a manifest but in no group."""
    return sorted(
        path.parent.name
        for path in ROOT.glob("*/__manifest__.py")
        if path.parent.name not in GROUPS["all"]
    )


def main(argv):
    if argv == ["--check"]:
        if missing := unlisted():
            print("add-ons missing from scripts/addons.py:", *missing)
            return 1
        return 0
    if not argv or any(group not in GROUPS for group in argv):
        print(__doc__, file=sys.stderr)
        return 2
    print(",".join(addon for group in argv for addon in GROUPS[group]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
