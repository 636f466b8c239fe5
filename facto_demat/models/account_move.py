from odoo import models

from ..tools.pdf import merge_pdfs


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["facto.demat.document.mixin", "account.move"]

    def _demat_partner(self):
        return self.partner_id

    def _demat_is_customer_document(self):
        return self.is_sale_document(include_receipts=True)

    def _demat_document_kind(self):
        return "credit_note" if self.move_type == "out_refund" else "invoice"

    def _demat_print_pdf(self):
        """These invoices' PDFs in one file, in this order."""
        return merge_pdfs(
            move.invoice_pdf_report_id.raw
            for move in self
            if move.invoice_pdf_report_id
        )
