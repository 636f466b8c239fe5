from odoo import models


class MailComposeMessage(models.TransientModel):
    _inherit = "mail.compose.message"

    def _action_send_mail_mass_mail(self, res_ids, auto_commit=False):
        # EXTENDS 'mail': mass mailing customer documents leaves out those
        # whose customer may not be emailed; each says so in its chatter.
        Documents = self.env[self.model] if self.model else None
        if not isinstance(Documents, self.pool["facto.demat.document.mixin"]):
            return super()._action_send_mail_mass_mail(res_ids, auto_commit=auto_commit)
        held_back = (
            Documents.browse(res_ids)
            .exists()
            .filtered(
                lambda document: (
                    document._demat_is_customer_document()
                    and document._demat_email_blocked()
                )
            )
        )
        held_back._demat_note_held_back()
        return super()._action_send_mail_mass_mail(
            [res_id for res_id in res_ids if res_id not in held_back.ids],
            auto_commit=auto_commit,
        )
