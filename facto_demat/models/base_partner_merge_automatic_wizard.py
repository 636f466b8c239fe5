from odoo import api, models


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    @api.model
    def _update_foreign_keys(self, src_partners, dst_partner):
        # EXTENDS 'base': the answer links of the contacts merged away stop
        # working before their letters become the survivor's, so that nobody
        # answers for the survivor with them. Here rather than in `_merge`,
        # which chooses the survivor itself.
        self.env["facto.demat.letter.run.line"]._revoke_response_links(src_partners)
        return super()._update_foreign_keys(src_partners, dst_partner)

    def _update_values(self, src_partners, dst_partner):
        # EXTENDS 'base': the merged contacts' values include the add-on's
        # read-only fields (consent, letter sent), which only the process
        # writes: the kept contact, which the user may write, takes them as
        # superuser.
        # Their consent facts are recorded by hand (the merge), in the
        # current company, where the merge reads them.
        dst_partner.check_access("write")
        return super()._update_values(
            src_partners,
            dst_partner.sudo().with_context(demat_event={"channel": "manual"}),
        )
