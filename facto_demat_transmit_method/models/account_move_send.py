from odoo import api, models


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    @api.model
    def _demat_methods_by_rule(self, move, methods):
        # EXTENDS 'facto_demat': an invoice to post is printed, whatever the
        # customer's consent (unless the law has it leave as an e-invoice);
        # one to email is emailed only if consent allows
        if move.transmit_method_code == "post" and not move._demat_einvoiced():
            return (methods - {"email"}) | {"manual"}
        return super()._demat_methods_by_rule(move, methods)
