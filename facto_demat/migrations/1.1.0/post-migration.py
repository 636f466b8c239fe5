from odoo.tools import SQL
from odoo.tools.sql import column_exists


def migrate(cr, version):
    """A run printed before 1.1.0 kept its whole PDF: it becomes the run's
    one stored PDF of printed letters (its letters' evidence names their own
    PDFs)."""
    if not column_exists(cr, "facto_demat_letter_run", "pdf_attachment_id"):
        return
    cr.execute(
        SQL(
            """
            INSERT INTO facto_demat_letter_run_ir_attachment_rel
                   (facto_demat_letter_run_id, ir_attachment_id)
            SELECT id, pdf_attachment_id
              FROM facto_demat_letter_run
             WHERE pdf_attachment_id IS NOT NULL
            ON CONFLICT DO NOTHING
            """
        )
    )
