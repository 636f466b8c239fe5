from odoo.tools import SQL
from odoo.tools.sql import column_exists


def migrate(cr, version):
    """The head of each company's evidence chain moves from the company
    (`res_company.demat_last_event_id`, which appending locked) to its own
    row (`facto.demat.chain`), left unsealed for 1.3.0 to seal (the row
    the table's creation made sealed an empty chain)."""
    if not column_exists(cr, "res_company", "demat_last_event_id"):
        return
    cr.execute(
        SQL(
            """
            INSERT INTO facto_demat_chain (company_id, last_event_id, sequence, hash)
            SELECT company.id, event.id, event.sequence, event.hash
              FROM res_company company
              JOIN facto_demat_event event ON event.id = company.demat_last_event_id
            ON CONFLICT (company_id) DO UPDATE
               SET last_event_id = EXCLUDED.last_event_id,
                   sequence = EXCLUDED.sequence,
                   hash = EXCLUDED.hash,
                   mac = NULL
            """
        )
    )
