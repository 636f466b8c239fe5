from odoo import SUPERUSER_ID, api
from odoo.tools import SQL

from odoo.addons.facto_demat.tools.evidence_key import evidence_key
from odoo.addons.facto_demat.tools.evidence_seal import (
    HEAD_FIELDS,
    event_seal,
    head_seal,
)

# The versions the `seal_version` column's default wrote on the rows
# already there when an update added it (1.0.0 to 1.1.0: 2, then 3).
DEFAULTED_VERSIONS = (2, 3)


def migrate(cr, version):
    """Old rows read as they were sealed (see `_restore_version_1` and
    `_seal_moved_heads`)."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    _restore_version_1(env)
    _seal_moved_heads(env)


def _seal_moved_heads(env):
    """Chain heads that an update from before 1.2.0 moved to the company's
    last event while keeping the seal of the empty chain the table's
    creation gave them (1.2.0's migration, before 1.4.0) are sealed again:
    only those whose seal is exactly that empty chain's and that name
    their company's last event, number and seal."""
    cr = env.cr
    key = evidence_key()
    cr.execute(
        SQL(
            """
            SELECT %s, chain.mac FROM facto_demat_chain chain
              JOIN facto_demat_event event
                ON event.id = chain.last_event_id
               AND event.company_id = chain.company_id
               AND event.sequence = chain.sequence
               AND event.hash = chain.hash
             WHERE chain.sequence > 0 AND chain.anchor_number = 0
               AND NOT EXISTS (SELECT FROM facto_demat_event later
                                WHERE later.company_id = chain.company_id
                                  AND later.sequence > chain.sequence)
            """,
            SQL(", ").join(SQL.identifier("chain", name) for name in HEAD_FIELDS),
        )
    )
    chains = env["facto.demat.chain"]
    for head in cr.dictfetchall():
        empty = {**head, "sequence": 0, "hash": "", "anchor_mac": ""}
        if head["mac"] == head_seal(empty, key if head["keyed"] else None):
            chains._move_head(chains._lock_head(head["company_id"], wait=True))


def _restore_version_1(env):
    """Events sealed before seal versions existed (version 1: the live
    links, no snapshot) that an earlier update gave the `seal_version`
    column's default are read again as they were sealed: their version is
    set back to none (version 1), only where their `hash` is version 1's
    seal and not the seal of the version the default claims. Any other
    row, altered or not, stays as it is, for verification to judge."""
    cr = env.cr
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
