from odoo import models


class MailMail(models.Model):
    _inherit = "mail.mail"

    def _postprocess_sent_message(
        self, success_pids, failure_reason=False, failure_type=None
    ):
        # EXTENDS 'mail': a dematerialisation letter counts once it has gone.
        lines = (
            self.env["facto.demat.letter.run.line"]
            .sudo()
            .search([("mail_id", "in", self.ids), ("state", "=", "queued")])
        )
        if lines and failure_type:
            lines._mark_failed(failure_reason or failure_type)
        elif lines:
            lines._mark_emailed()
        return super()._postprocess_sent_message(
            success_pids, failure_reason=failure_reason, failure_type=failure_type
        )
