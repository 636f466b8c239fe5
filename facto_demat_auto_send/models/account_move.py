from odoo import api, models


class AccountMove(models.Model):
    _inherit = "account.move"

    @api.model
    def _email_invoice_to_send_domain(self):
        # EXTENDS 'account_invoice_auto_send_by_email': no nightly job for a
        # customer who refused (notice period and opt-in: see below), unless
        # the law may have its invoices leave as e-invoices
        return [
            *super()._email_invoice_to_send_domain(),
            "|",
            ("commercial_partner_id.demat_refused", "=", False),
            ("commercial_partner_id.demat_route", "in", ["einvoicing", "chorus_pro"]),
        ]

    def _prepare_invoice_sent_wizard_vals(self):
        # EXTENDS 'account_invoice_auto_send_by_email': it ticks email alone;
        # an invoice the law has leave as an e-invoice keeps the wizard's own
        # ticks, the rule's (the e-invoice, email for its copy)
        vals = super()._prepare_invoice_sent_wizard_vals()
        if self._demat_einvoiced():
            vals.pop("sending_method_checkboxes", None)
        return vals

    def _execute_invoice_sent_wizard(self, options=None):
        # EXTENDS 'account_invoice_auto_send_by_email': an invoice the consent
        # rule holds back is noted in its chatter and the job ends, instead
        # of failing every night on the wizard's alert
        self.ensure_one()
        stop = not self.is_move_sent and self._demat_einvoicing_stop()
        if stop:
            self._demat_post_note(stop)
            return stop
        if not self.is_move_sent and self._demat_email_blocked():
            self._demat_note_held_back()
            return self.env._(
                "Not emailed (%(reason)s): this invoice goes on paper.",
                reason=self._demat_block_reason(),
            )
        return super()._execute_invoice_sent_wizard(options)
