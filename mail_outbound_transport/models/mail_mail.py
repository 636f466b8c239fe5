import logging
from datetime import datetime, timedelta

from odoo import fields, models
from odoo.tools import email_normalize_all, formataddr
from odoo.tools.mail import email_split_tuples

from odoo.addons.base.models.ir_mail_server import MailDeliveryException

from ..tools import mail_transport
from ..tools.mail_transport import ascii_address
from ..tools.odoo_versions import NO_SUCCESS_EMAILS

_logger = logging.getLogger(__name__)

# Per transaction (cursor cache): the session of the batch being sent, and
# the email Odoo prepared last, the one in hand when a server defers it.
SESSION = "mail_outbound_transport_session"
IN_HAND = "mail_outbound_transport_in_hand"

FIRST_WAIT = 60  # seconds before a deferred email is tried again, at first
LONGEST_WAIT = 3600  # seconds between two tries, at most
DEFERRAL_HOURS = 24  # default of mail_outbound_transport.deferral_hours


class MailMail(models.Model):
    _inherit = "mail.mail"

    mail_transport_server_id = fields.Many2one(
        "ir.mail_server",
        string="Last tried through",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )
    mail_transport_waiting_since = fields.Datetime(
        string="Waiting since",
        readonly=True,
        help="When a mail server first asked this email to wait. Past the "
        "hours of the system parameter mail_outbound_transport.deferral_hours "
        "(24 by default), it fails with the server's last reason.",
    )

    # ------------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------------

    def _send(
        self,
        auto_commit=False,
        raise_exception=False,
        smtp_session=None,
        alias_domain_id=False,
        mail_server=False,
        post_send_callback=None,
        **kwargs,
    ):
        # EXTENDS 'mail': an email the server cannot take now goes back to
        # the queue with the reason and its next try. When only that email
        # must wait, the batch goes on; when the whole server must (busy,
        # down, settings to fix, run time used), the others keep their place.
        self.env.cr.cache[SESSION] = smtp_session
        batch = self - self._mail_transport_end_taken_before()
        while batch:
            try:
                result = super(MailMail, batch)._send(
                    auto_commit=auto_commit,
                    raise_exception=raise_exception,
                    smtp_session=smtp_session,
                    alias_domain_id=alias_domain_id,
                    mail_server=mail_server,
                    post_send_callback=post_send_callback,
                    **kwargs,
                )
            except mail_transport.DeliveryDeferred as deferred:
                batch._mail_transport_note_refusals(smtp_session)
                in_hand, batch = batch._mail_transport_split_at(deferred.message_id)
                sentence = in_hand._mail_transport_defer(deferred, smtp_session)
                if raise_exception:
                    raise MailDeliveryException(
                        sentence or deferred.verdict.reason
                    ) from None
                if deferred.verdict.stops_batch:
                    if deferred.verdict.kind == mail_transport.BLOCKED:
                        batch.write(
                            {
                                "failure_reason": sentence,
                                "mail_transport_server_id": deferred.server_id,
                            }
                        )
                        batch._mail_transport_waiting(sentence, False)
                    return True
            else:
                batch._mail_transport_note_refusals(smtp_session)
                if getattr(smtp_session, "delivered", None):
                    server = self.env["ir.mail_server"].browse(smtp_session.server_id)
                    server.sudo()._mail_transport_note_issue(False, False)
                return result
        return True

    def _prepare_outgoing_list(self, *args, **kwargs):
        # EXTENDS 'mail': the email Odoo prepares is the one it sends next,
        # the one in hand if its server defers it
        self.env.cr.cache[IN_HAND] = self.id
        return super()._prepare_outgoing_list(*args, **kwargs)

    def _postprocess_sent_message(
        self, success_pids, *args, failure_reason=False, failure_type=None, **kwargs
    ):
        # EXTENDS 'mail': an email counts as its final state says, whatever
        # the caller passes: a module that catches the sending error (OCA
        # mail_tracking) leaves it failed with no failure type; it is kept
        # failed, with the server's reason, rather than counted and deleted.
        if len(self) == 1 and self.state == "exception" and not failure_type:
            failure_type = "mail_smtp"
            failure_reason = self._mail_transport_refusal_sentence() or failure_reason
            success_pids = []
            self.write({"failure_type": failure_type, "failure_reason": failure_reason})
        self.filtered(
            "mail_transport_waiting_since"
        ).mail_transport_waiting_since = False
        self.env["mail.transport.acceptance"]._forget(self.ids)
        # (19.0 adds success_emails, in *args or **kwargs)
        return super()._postprocess_sent_message(
            success_pids,
            *args,
            failure_reason=failure_reason,
            failure_type=failure_type,
            **kwargs,
        )

    def _mail_transport_waiting(self, sentence, next_try):
        """Hook: these emails wait, back in the queue, because `sentence` (a
        translated sentence of what the server said; False when they only
        wait their turn under the server's rate), until `next_try` (a
        datetime in UTC; False until someone changes the server's settings).
        Called at each deferral, before the transaction commits. What
        becomes of an email in the end is told by Odoo's own hook,
        `_postprocess_sent_message`, and `cancel` and `unlink`. Does
        nothing here; extend it to keep what follows these emails current."""

    def _mail_transport_note_taken(self, addresses):
        """The server took the email Odoo is sending (`IN_HAND`) for these
        addresses: kept at once, whatever becomes of this transaction (see
        `mail.transport.acceptance`)."""
        mail_id = self.env.cr.cache.get(IN_HAND)
        if mail_id:
            self.env["mail.transport.acceptance"].sudo()._record(mail_id, addresses)

    def _mail_transport_end_taken_before(self):
        """Mark as sent, without resending, the emails of this batch that a
        server took in a transaction lost before it marked them sent. Return
        them. An email only some recipients took is requeued for the others."""
        taken = self.env["mail.transport.acceptance"].sudo()._taken(self.ids)
        ended = self.browse()
        for mail in self.browse(list(taken)).exists():
            mail._mail_transport_requeue(taken[mail.id])
            if mail.recipient_ids or mail.email_to:
                continue
            _logger.info("Email %s was taken before: counted sent", mail.id)
            mail.write({"state": "sent", "failure_reason": False})
            mail._postprocess_sent_message(success_pids=[], **NO_SUCCESS_EMAILS)
            ended |= mail
        return ended

    def _mail_transport_refusal_sentence(self):
        """What the server said when it refused this email for good, if it
        did in this transaction's batch."""
        session = self.env.cr.cache.get(SESSION)
        verdict = getattr(session, "refused", {}).get(self.message_id)
        if not verdict:
            return None
        server = self.env["ir.mail_server"].sudo().browse(session.server_id)
        return server._mail_transport_sentence(verdict)

    def _mail_transport_partial_delivery(self):
        """(addresses that took this sent email, comma-separated; sentence on
        those that refused it for good), when its server refused some of
        them in this transaction's batch; else (None, None)."""
        session = self.env.cr.cache.get(SESSION)
        verdict = getattr(session, "partly_refused", {}).get(self.message_id)
        if not verdict:
            return None, None
        server = self.env["ir.mail_server"].sudo().browse(session.server_id)
        took = session.delivered.get(self.message_id, set())
        return ", ".join(sorted(took)), server._mail_transport_sentence(verdict)

    def _mail_transport_split_at(self, message_id):
        """The email of this batch (in its order) that Odoo was sending when
        its server deferred `message_id`, and the emails after it, not yet
        tried; emails already sent and deleted (`auto_delete`) are simply no
        longer there. Several emails may share a Message-Id (one message to
        several recipients): the one in hand is the last Odoo prepared."""
        in_hand_id = self.env.cr.cache.pop(IN_HAND, None)
        if in_hand_id not in self.ids:
            _logger.warning("Deferred email %s is no longer in the queue", message_id)
            return self.browse(), self.browse()
        position = self.ids.index(in_hand_id)
        return self.browse(in_hand_id), self.browse(self.ids[position + 1 :]).exists()

    def _mail_transport_defer(self, deferred, session):
        """Put this email, which the server deferred (`deferred`, a
        `mail_transport.DeliveryDeferred`), back in the queue with the reason
        and the time of its next try; or fail it when it has waited too
        long. Return the sentence said."""
        server = self.env["ir.mail_server"].sudo().browse(deferred.server_id)
        verdict = deferred.verdict
        now = fields.Datetime.now()
        if verdict.kind == mail_transport.PACED:
            sentence, next_try, since = False, _utc(deferred.not_before), False
        elif verdict.kind == mail_transport.BLOCKED:
            # until someone fixes the settings, which wakes the queue
            sentence, next_try = server._mail_transport_sentence(verdict), False
            since = self.mail_transport_waiting_since
        else:
            sentence = server._mail_transport_sentence(verdict)
            since = self.mail_transport_waiting_since or now
            next_try = self._mail_transport_next_try_after(since, now, verdict)
            if now - since >= self._mail_transport_longest_wait():
                self._mail_transport_fail_after_waiting(sentence, server)
                return sentence
        self._mail_transport_requeue(session.delivered.get(deferred.message_id, set()))
        self._mail_transport_note_wait(sentence, next_try, since, server)
        if verdict.stops_batch and verdict.kind != mail_transport.PACED:
            server._mail_transport_note_issue(sentence, next_try)
        self.env.ref("mail.ir_cron_mail_scheduler_action")._trigger(
            next_try or now + timedelta(hours=1)
        )
        _logger.info(
            "Mail server %s deferred email %s until %s: %s",
            server.display_name,
            self.id,
            next_try,
            verdict.reason,
        )
        return sentence

    def _mail_transport_next_try_after(self, since, now, verdict):
        """When to try again an email waiting since `since`: after a minute,
        then after as long again as it has waited, an hour at most, and no
        sooner than the server asked."""
        waited = (now - since).total_seconds()
        delay = min(LONGEST_WAIT, max(FIRST_WAIT, waited))
        return now + timedelta(seconds=max(delay, verdict.delay or 0))

    def _mail_transport_longest_wait(self):
        hours = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("mail_outbound_transport.deferral_hours", DEFERRAL_HOURS)
        )
        return timedelta(hours=float(hours))

    def _mail_transport_fail_after_waiting(self, sentence, server):
        hours = self._mail_transport_longest_wait().total_seconds() / 3600
        reason = self.env._(
            "Not sent after %(hours)s hours of tries. %(sentence)s",
            hours=format(hours, "g"),
            sentence=sentence,
        )
        self.write(
            {
                "state": "exception",
                "failure_type": "mail_smtp",
                "failure_reason": reason,
                "mail_transport_server_id": server.id,
            }
        )
        self._postprocess_sent_message(
            success_pids=[],
            failure_reason=reason,
            failure_type="mail_smtp",
            **NO_SUCCESS_EMAILS,
        )

    def _mail_transport_note_wait(self, sentence, next_try, since, server):
        self.write(
            {
                "failure_reason": sentence,
                "scheduled_date": next_try,
                "mail_transport_waiting_since": since,
                "mail_transport_server_id": server.id,
            }
        )
        self._mail_transport_waiting(sentence, next_try)

    def _mail_transport_note_refusals(self, session):
        """Tell which server refused the emails of this batch it refused."""
        refused = getattr(session, "refused", None)
        if refused:
            self.search(
                [
                    ("id", "in", self.ids),
                    ("message_id", "in", list(refused)),
                    ("state", "=", "exception"),
                ]
            ).write({"mail_transport_server_id": session.server_id})
            refused.clear()

    def _mail_transport_requeue(self, delivered):
        """Put these emails, which Odoo marked failed before sending them,
        back in the queue, without the recipients the server already took
        (`delivered`, a set of addresses): a partner all of whose addresses
        took it is not sent it again."""
        delivered = {ascii_address(address) for address in delivered}
        for mail in self:
            done = mail.recipient_ids.filtered(
                lambda partner: (
                    (emails := email_normalize_all(partner.email))
                    and {ascii_address(email) for email in emails} <= delivered
                )
            )
            notifications = (
                self.env["mail.notification"]
                .sudo()
                .search(
                    [
                        ("mail_mail_id", "=", mail.id),
                        ("notification_type", "=", "email"),
                        ("notification_status", "=", "exception"),
                    ]
                )
            )
            sent = notifications.filtered(
                lambda notification, done=done: notification.res_partner_id in done
            )
            sent.write({"notification_status": "sent"})
            (notifications - sent).write({"notification_status": "ready"})
            notifications.write({"failure_type": False, "failure_reason": False})
            mail.write(
                {
                    "state": "outgoing",
                    "failure_type": False,
                    "recipient_ids": [(3, partner.id) for partner in done],
                    "email_to": ", ".join(
                        formataddr((name, address))
                        for name, address in email_split_tuples(mail.email_to)
                        if ascii_address(address) not in delivered
                    ),
                }
            )


def _utc(epoch):
    return datetime.utcfromtimestamp(epoch)
