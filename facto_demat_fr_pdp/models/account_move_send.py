from odoo import api, models

from odoo.addons.facto_demat.tools.odoo_versions import ODOO_19


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    # l10n_fr_pdp sends a customer without SIREN by email whatever came
    # before it: facto_demat's rule decides again after it (consent for
    # that email, the e-invoice where the law wants one).
    if ODOO_19:

        @api.model
        def _get_default_sending_methods(self, move):
            # EXTENDS 'l10n_fr_pdp'
            return self._demat_methods_by_rule(
                move, super()._get_default_sending_methods(move)
            )

    else:

        @api.model
        def _get_default_sending_method(self, move):
            # EXTENDS 'l10n_fr_pdp'
            return self._demat_method_by_rule(
                move, super()._get_default_sending_method(move)
            )
