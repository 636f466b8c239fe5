"""The facts of the French e-invoicing reform the add-on routes invoices by.

Sources (gathered in the project's notes on the reform): LF 2024 art. 91
and LF 2026 art. 123 (calendar), décret 2008-1354 (size categories), the
DGFiP's scope (domestic B2B between businesses established in France;
Guyane, Mayotte and the overseas collectivities are e-reported, not
e-invoiced), CGI art. 289 VI (a PDF by email needs the customer's
acceptance).
"""

import datetime
import re
from typing import NamedTuple

from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret
from stdnum.fr import tva as stdnum_tva

# the date a company must issue e-invoices from, by size category
CATEGORY_DATES = {
    "ge": datetime.date(2026, 9, 1),
    "eti": datetime.date(2026, 9, 1),
    "pme": datetime.date(2027, 9, 1),
    "micro": datetime.date(2027, 9, 1),
}
# every company established in France issues e-invoices from then at last
LATEST_DATE = max(CATEGORY_DATES.values())
# Countries of the e-invoicing zone (Odoo has the overseas departments as
# countries of their own as well as French postcodes 97x).
ZONE_COUNTRIES = {"FR", "GP", "MQ", "RE"}
# French territories outside the zone, as Odoo's countries: Guyane,
# Mayotte, and the overseas collectivities
OUTSIDE_ZONE_TERRITORIES = {"GF", "YT", "PM", "BL", "MF", "PF", "NC", "WF", "TF"}
# French postcodes outside the zone: Guyane (973xx), Saint-Pierre-et-Miquelon
# (975xx), Mayotte (976xx), Saint-Barthélemy (97133) and Saint-Martin (97150),
# which La Poste numbers as Guadeloupe's, the Pacific collectivities (986xx,
# 987xx, 988xx)
OUTSIDE_ZONE_POSTCODES = ("973", "975", "976", "97133", "97150", "98")
# Peppol identifier schemes that carry a SIREN or a SIRET (ISO 6523 codes:
# 0002 SIRENE, 0009 SIRET, 0225 the French e-invoicing address)
PEPPOL_SCHEMES = {"0002", "0009", "0225"}
# Chorus Pro's own Peppol address (the public sector's platform)
CHORUS_PRO_PEPPOL_ID = "0009:11000201100044"
SEPARATORS = re.compile(r"[\s.\-/]")


def siren_of(number):
    """The SIREN (9 digits, str) that `number` holds, or None.

    `number` is a SIREN or a SIRET as customers' files hold them: with
    spaces, dots or dashes, 9 or 14 digits; both must pass their checksum
    (Luhn, with La Poste's own rule for its SIRETs, as python-stdnum
    checks them). A Peppol address "SIREN_SIRET" gives its SIREN.
    """
    if not number:
        return None
    compact = SEPARATORS.sub("", str(number)).split("_")[0]
    if len(compact) == 14 and stdnum_siret.is_valid(compact):
        return compact[:9]
    if len(compact) == 9 and stdnum_siren.is_valid(compact):
        return compact
    return None


def siren_in_vat(vat):
    """The SIREN a French VAT number (FR + key + SIREN) names, or None."""
    if not vat or not stdnum_tva.is_valid(vat):
        return None
    return siren_of(stdnum_tva.compact(vat)[-9:])


def in_einvoicing_zone(country_code, postcode):
    """Whether an address in `country_code` (ISO code, str) at `postcode`
    (str or False) is in the zone where French businesses e-invoice one
    another (metropolitan France, Guadeloupe, Martinique, Réunion)."""
    if country_code not in ZONE_COUNTRIES:
        return False
    compact = SEPARATORS.sub("", postcode or "")
    return not compact.startswith(OUTSIDE_ZONE_POSTCODES)


class InvoiceRoute(NamedTuple):
    """How the law has one invoice leave (see account.move's
    `_demat_invoice_route`)."""

    route: str  # "einvoicing", "chorus_pro" or "consent"
    reason: str  # why, in words
    siren: str | None  # the customer's SIREN, when the route rests on it
    since: datetime.date | None  # the company's e-invoicing date
    einvoiced: bool  # the invoice must leave as an e-invoice
    carrier: str | None  # "odoo", "outside" or None: what carries it
    copy: bool  # a PDF copy may be emailed beside it
