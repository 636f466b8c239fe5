from odoo import models


class MailMail(models.Model):
    _inherit = "mail.mail"

    def _refusal_sentence(self, session):
        # EXTENDS 'facto_demat': mail_tracking caught the error; its record
        # of this email keeps what the server said
        sentence = super()._refusal_sentence(session)
        if sentence:
            return sentence
        tracking = (
            self.env["mail.tracking.email"]
            .sudo()
            .search([("mail_id", "=", self.id)], order="id desc", limit=1)
        )
        return tracking.error_description or None
