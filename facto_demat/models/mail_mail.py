import logging
from datetime import datetime

from odoo import fields, models
from odoo.tools import email_normalize
from odoo.tools.mail import email_split_and_format

from odoo.addons.base.models.ir_mail_server import MailDeliveryException

from ..tools.mail_transport import DeliveryDeferred

_logger = logging.getLogger(__name__)


class MailMail(models.Model):
    _inherit = "mail.mail"

    demat_letter_line_id = fields.Many2one(
        "facto.demat.letter.run.line",
        string="Dematerialisation letter",
        index="btree_not_null",
        ondelete="set null",
    )

    def _send(
        self,
        auto_commit=False,
        raise_exception=False,
        smtp_session=None,
        alias_domain_id=False,
        mail_server=False,
        post_send_callback=None,
    ):
        # EXTENDS 'mail': when the server says "not now", the email in hand
        # and the rest of the batch stay in the queue, which runs again when
        # the server may take them; nothing is failed, nothing sent twice.
        try:
            return super()._send(
                auto_commit=auto_commit,
                raise_exception=raise_exception,
                smtp_session=smtp_session,
                alias_domain_id=alias_domain_id,
                mail_server=mail_server,
                post_send_callback=post_send_callback,
            )
        except DeliveryDeferred as deferred:
            message_id = deferred.message_id
            in_hand = self.filtered(lambda mail: mail.message_id == message_id)
            in_hand._requeue(smtp_session.delivered.get(message_id, set()))
            retry_at = datetime.utcfromtimestamp(deferred.retry_at)
            self.env.ref("mail.ir_cron_mail_scheduler_action")._trigger(retry_at)
            _logger.info(
                "Mail server deferred the queue until %s: %s", retry_at, deferred.reason
            )
            if raise_exception:
                raise MailDeliveryException(deferred.reason) from None
            return True

    def _requeue(self, delivered):
        """Put these emails, which Odoo marked failed before sending them,
        back in the queue, without the recipients (`delivered` addresses)
        the server already took."""
        notifications = (
            self.env["mail.notification"]
            .sudo()
            .search(
                [
                    ("mail_mail_id", "in", self.ids),
                    ("notification_type", "=", "email"),
                    ("notification_status", "=", "exception"),
                ]
            )
        )
        done = notifications.filtered(
            lambda notification: (
                email_normalize(notification.res_partner_id.email) in delivered
            )
        )
        done.write({"notification_status": "sent"})
        (notifications - done).write({"notification_status": "ready"})
        notifications.write({"failure_type": False, "failure_reason": False})
        for mail in self:
            mail.write(
                {
                    "state": "outgoing",
                    "failure_type": False,
                    "failure_reason": False,
                    "recipient_ids": [
                        (3, partner.id) for partner in done.res_partner_id
                    ],
                    "email_to": ", ".join(
                        address
                        for address in email_split_and_format(mail.email_to or "")
                        if email_normalize(address) not in delivered
                    ),
                }
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
