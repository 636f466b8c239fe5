from odoo import api, models


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    @api.model
    def _demat_paper_if_blocked(self, move, methods):
        # EXTENDS 'facto_demat': an invoice to post is printed, whatever the
        # customer's consent; one to email is emailed only if consent allows
        if move.transmit_method_code == "post":
            return (methods - {"email"}) | {"manual"}
        return super()._demat_paper_if_blocked(move, methods)
