from odoo import fields, models


class MailMail(models.Model):
    _inherit = "mail.mail"

    demat_letter_line_id = fields.Many2one(
        "facto.demat.letter.run.line",
        string="Dematerialisation letter",
        index="btree_not_null",
        ondelete="set null",
    )

    def _postprocess_sent_message(
        self, success_pids, failure_reason=False, failure_type=None
    ):
        # EXTENDS 'mail': a dematerialisation letter counts once it has gone.
        for mail in self:
            line = mail.sudo().demat_letter_line_id
            if line.state != "queued":
                continue
            if failure_type:
                line._mark_failed(failure_reason or failure_type)
            else:
                line._mark_emailed(mail.mail_message_id)
        return super()._postprocess_sent_message(
            success_pids, failure_reason=failure_reason, failure_type=failure_type
        )
