from odoo.tools import SQL

# The consent columns of res_partner that become company-dependent (jsonb):
# kept aside under this suffix until the post-migration gives each value to
# its company.
COLUMNS = (
    "demat_letter_sent",
    "demat_letter_date",
    "demat_refused",
    "demat_refused_date",
    "demat_accepted",
    "demat_accepted_date",
    "demat_requested_email",
    "demat_answer_confirmation_date",
)
SUFFIX = "_pre_1_4"


def migrate(cr, version):
    """Set the global consent columns aside: the ORM then makes them anew as
    jsonb, one value per company (a boolean or a timestamp does not cast to
    jsonb)."""
    cr.execute(
        """
        SELECT column_name FROM information_schema.columns
         WHERE table_name = 'res_partner' AND column_name IN %s
           AND data_type != 'jsonb'
        """,
        [COLUMNS],
    )
    for (column,) in cr.fetchall():
        cr.execute(
            SQL(
                "ALTER TABLE res_partner RENAME COLUMN %s TO %s",
                SQL.identifier(column),
                SQL.identifier(column + SUFFIX),
            )
        )
