from odoo import models


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["facto.demat.document.mixin", "account.move"]

    def _demat_partner(self):
        return self.partner_id

    def _demat_is_customer_document(self):
        return self.is_sale_document(include_receipts=True)

    def _demat_document_kind(self):
        return "credit_note" if self.move_type == "out_refund" else "invoice"
