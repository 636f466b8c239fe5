from odoo import models


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    def _update_values(self, src_partners, dst_partner):
        # EXTENDS 'base': the merged contacts' values include the add-on's
        # read-only fields (consent, letter sent), which only the process
        # writes: the kept contact, which the user may write, takes them as
        # superuser.
        dst_partner.check_access("write")
        return super()._update_values(src_partners, dst_partner.sudo())
