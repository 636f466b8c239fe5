from odoo import api, models

from odoo.addons.facto_demat.tools.odoo_versions import ODOO_19


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    if ODOO_19:

        @api.model
        def _get_default_sending_methods(self, move):
            # EXTENDS 'account_peppol': its e-invoice joins the methods after
            # facto_demat's rule, which decides again with it (never paper
            # beside an e-invoice; the e-invoice where the law wants one)
            return self._demat_methods_by_rule(
                move, super()._get_default_sending_methods(move)
            )
