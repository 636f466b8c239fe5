from odoo import SUPERUSER_ID, api
from odoo.tools import SQL

from odoo.addons.facto_demat.tools.evidence_key import evidence_key
from odoo.addons.facto_demat.tools.evidence_seal import event_seal

# The versions the `seal_version` column's default wrote on the rows
# already there when an update added it (1.0.0 to 1.1.0: 2, then 3).
DEFAULTED_VERSIONS = (2, 3)


def migrate(cr, version):
    """Events sealed before seal versions existed (version 1: the live
    links, no snapshot) that an earlier update gave the `seal_version`
    column's default are read again as they were sealed: their version is
    set back to none (version 1), only where their `hash` is version 1's
    seal and not the seal of the version the default claims. Any other
    row, altered or not, stays as it is, for verification to judge."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    key = evidence_key()
    cr.execute(SQL("SELECT DISTINCT company_id FROM facto_demat_event"))
    restored = []
    for (company_id,) in cr.fetchall():
        for row in env["facto.demat.event"]._seal_rows(
            company_id,
            SQL("event.seal_version IN %s", DEFAULTED_VERSIONS),
            SQL("event.id"),
            None,
        ):
            if row["hash"] != event_seal(row, key) and row["hash"] == event_seal(
                {**row, "seal_version": None}, None
            ):
                restored.append(row["id"])
    if restored:
        cr.execute(
            SQL(
                "UPDATE facto_demat_event SET seal_version = NULL WHERE id IN %s",
                tuple(restored),
            )
        )
