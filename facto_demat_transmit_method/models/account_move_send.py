from odoo import api, models


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    @api.model
    def _get_default_sending_method(self, move):
        # EXTENDS 'facto_demat': an invoice to post is printed, whatever the
        # customer's consent; one to email is emailed only if consent allows
        if move.transmit_method_code == "post":
            return "manual"
        return super()._get_default_sending_method(move)
