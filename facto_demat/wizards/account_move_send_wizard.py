from odoo import api, models

from ..tools.odoo_versions import ODOO_19


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

    if not ODOO_19:

        @api.depends("move_id")
        def _compute_sending_method_checkboxes(self):
            # EXTENDS 'account' (18.0 ticks one method): an e-invoice's PDF
            # copy is ticked beside it
            result = super()._compute_sending_method_checkboxes()
            for wizard in self:
                boxes = wizard.sending_method_checkboxes or {}
                methods = self._demat_sending_methods(wizard.move_id)
                if {"peppol", "email"} <= methods and "email" in boxes:
                    wizard.sending_method_checkboxes = {
                        **boxes,
                        "email": {**boxes["email"], "checked": True},
                    }
            return result
