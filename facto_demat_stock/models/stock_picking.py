from odoo import api, models


class StockPicking(models.Model):
    _name = "stock.picking"
    _inherit = ["facto.demat.document.mixin", "stock.picking"]

    def _send_confirmation_email(self):
        # EXTENDS 'stock': a customer who may not be emailed gets paper.
        held_back = self.filtered(
            lambda picking: (
                picking.company_id.stock_move_email_validation
                and picking._demat_is_customer_document()
                and picking._demat_email_blocked()
            )
        )
        held_back._demat_note_held_back()
        return super(StockPicking, self - held_back)._send_confirmation_email()

    def _demat_partner(self):
        return self.partner_id

    def _demat_is_customer_document(self):
        return self.picking_type_code == "outgoing" and bool(self.partner_id)

    def _demat_document_date(self):
        moment = self.date_done or self.scheduled_date
        return moment.date() if moment else False

    @api.model
    def _demat_kind_domain(self, kind):
        return [("picking_type_code", "=", "outgoing"), ("partner_id", "!=", False)]

    def _demat_document_kind(self):
        return "delivery"
