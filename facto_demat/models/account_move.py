from odoo import api, models

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

    def _demat_document_date(self):
        return self.invoice_date

    @api.model
    def _demat_kind_domain(self, kind):
        move_type = "out_refund" if kind == "credit_note" else "out_invoice"
        return [("move_type", "=", move_type), ("state", "=", "posted")]

    def _demat_default_recipients(self):
        # Odoo's convention: the partner's invoice address, else the partner,
        # whichever has a valid address
        self.ensure_one()
        return self.partner_id._demat_document_recipient()[0]

    def _demat_passed_over(self):
        # the partner and its invoice address, when one is left out
        self.ensure_one()
        candidates = self.partner_id | self.partner_id._demat_invoice_address()
        return self._demat_recipients(candidates)[1]

    def _demat_print_pdf(self):
        """These invoices' PDFs in one file, in this order."""
        return merge_pdfs(
            move.invoice_pdf_report_id.raw
            for move in self
            if move.invoice_pdf_report_id
        )
