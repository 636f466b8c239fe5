from odoo import api, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    @api.depends(
        "email_bounced",
        "commercial_partner_id.email_bounced",
        "commercial_partner_id.child_ids.email_bounced",
    )
    def _compute_demat_email(self):
        # EXTENDS 'facto_demat': a bounce moves documents to another address
        # of the customer, or to paper
        return super()._compute_demat_email()

    def _demat_reachable_emails(self):
        # EXTENDS 'facto_demat': mail_tracking marked the address bounced
        # (hard bounce, rejection, SMTP error); writing the email clears it.
        if self.email_bounced:
            return []
        return super()._demat_reachable_emails()

    def _demat_email_faults(self):
        # EXTENDS 'facto_demat'
        faults = super()._demat_email_faults()
        if self.email_bounced and self.email:
            faults.append(
                self.env._("%(address)s: bounced", address=self.email.strip())
            )
        return faults
