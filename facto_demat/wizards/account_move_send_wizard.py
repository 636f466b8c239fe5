from odoo import models


class AccountMoveSendWizard(models.TransientModel):
    _inherit = "account.move.send.wizard"

    def _update_preferred_settings(self):
        # EXTENDS 'account': paper that consent imposed is not the customer's
        # preference; once consent allows it, the customer is emailed again.
        partner = self.move_id.partner_id.with_company(self.company_id)
        preference = partner.invoice_sending_method
        result = super()._update_preferred_settings()
        # (19.0 no longer writes it: nothing to restore)
        if (
            self.move_id._demat_email_blocked()
            and partner.invoice_sending_method != preference
        ):
            partner.invoice_sending_method = preference
        return result
