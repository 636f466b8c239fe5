from odoo import api, models
from odoo.exceptions import RedirectWarning


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["facto.demat.document.mixin", "sale.order"]

    def action_quotation_send(self):
        # EXTENDS 'sale': a customer who may not be emailed gets paper.
        blocked = self.filtered(lambda order: order._demat_email_blocked())
        if blocked:
            raise RedirectWarning(
                self.env._(
                    "%(count)s document(s) may not be emailed (%(reasons)s): "
                    "print them instead.",
                    count=len(blocked),
                    reasons=blocked._demat_block_summary(),
                ),
                self.env.ref("sale.action_report_saleorder").report_action(
                    blocked, config=False
                ),
                self.env._("Print"),
            )
        return super().action_quotation_send()

    def _find_mail_template(self):
        # EXTENDS 'sale': the email text of the document's type
        return self._demat_mail_template(super()._find_mail_template())

    def _get_confirmation_template(self):
        # EXTENDS 'sale'
        return self._demat_mail_template(
            super()._get_confirmation_template(), kind="order"
        )

    def _send_order_notification_mail(self, mail_template, *args, **kwargs):
        # EXTENDS 'sale': automatic emails (confirmation, payment) too (19.0
        # adds allow_deferred_sending)
        if mail_template and self._demat_email_blocked():
            self._demat_note_held_back()
            return None
        return super()._send_order_notification_mail(mail_template, *args, **kwargs)

    def _demat_partner(self):
        return self.partner_id

    def _demat_is_customer_document(self):
        return True

    def _demat_document_date(self):
        return self.date_order.date() if self.date_order else False

    @api.model
    def _demat_kind_domain(self, kind):
        if kind == "order":
            return [("state", "=", "sale")]
        return [("state", "in", ("draft", "sent"))]

    def _demat_document_kind(self):
        if self.env.context.get("proforma") or self.state != "sale":
            return "quotation"
        return "order"
