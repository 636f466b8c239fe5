import logging
from datetime import datetime, timedelta

from odoo import fields, models

from odoo.addons.base.models.ir_mail_server import (
    MailDeliveryException,
    extract_rfc2822_addresses,
)

from ..tools import mail_transport
from ..tools.email_address import (
    ascii_address,
    format_address,
    header_text,
    parse_addresses,
    valid_emails,
)
from ..tools.odoo_versions import NO_SUCCESS_EMAILS

_logger = logging.getLogger(__name__)

# Per transaction (cursor cache): the session of the batch being sent, and
# the email Odoo prepared last, the one in hand when a server defers it.
SESSION = "facto_demat_mail_session"
IN_HAND = "facto_demat_mail_in_hand"
# Per transaction: {Message-Id: [addresses each email of a letter or
# customer document may go to]}. ir.mail_server limits the envelope to them.
ENVELOPES = "facto_demat_mail_envelopes"

FIRST_WAIT = 60  # seconds before a deferred email is tried again, at first
LONGEST_WAIT = 3600  # seconds between two tries, at most
DEFERRAL_HOURS = 24  # default of facto_demat.mail_deferral_hours


class MailMail(models.Model):
    _inherit = "mail.mail"

    demat_letter_line_id = fields.Many2one(
        "facto.demat.letter.run.line",
        string="Dematerialisation letter",
        index="btree_not_null",
        ondelete="set null",
    )
    delivery_server_id = fields.Many2one(
        "ir.mail_server",
        string="Last tried through",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )
    delivery_deferred_since = fields.Datetime(
        string="Waiting since",
        readonly=True,
        help="When a mail server first asked this email to wait. Past the "
        "hours of the system parameter facto_demat.mail_deferral_hours "
        "(24 by default), it fails with the server's last reason.",
    )

    # ------------------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------------------

    def unlink(self):
        # EXTENDS 'mail': a letter whose email is deleted unsent ends failed
        self._end_letters_left_behind(
            self.env._("The email was deleted before it was sent.")
        )
        return super().unlink()

    # ------------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------------

    def cancel(self):
        # EXTENDS 'mail'
        self._end_letters_left_behind(
            self.env._("The email was cancelled before it was sent.")
        )
        return super().cancel()

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
        batch = self - self._end_taken_before()
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
                batch._note_refusals(smtp_session)
                in_hand, batch = batch._split_at(deferred.message_id)
                sentence = in_hand._defer_delivery(deferred, smtp_session)
                if raise_exception:
                    raise MailDeliveryException(
                        sentence or deferred.verdict.reason
                    ) from None
                if deferred.verdict.stops_batch:
                    if deferred.verdict.kind == mail_transport.BLOCKED:
                        batch.write(
                            {
                                "failure_reason": sentence,
                                "delivery_server_id": deferred.server_id,
                            }
                        )
                        batch.sudo().demat_letter_line_id.filtered(
                            lambda line: line.state == "queued"
                        )._note_delivery_wait(sentence, False)
                    return True
            else:
                batch._note_refusals(smtp_session)
                if getattr(smtp_session, "delivered", None):
                    server = self.env["ir.mail_server"].browse(smtp_session.server_id)
                    server.sudo()._note_delivery_issue(False, False)
                return result
        return True

    def _prepare_outgoing_list(self, *args, **kwargs):
        # EXTENDS 'mail': customer documents and letters go only to the
        # addresses the add-on calls valid (Odoo would repair
        # `a@b@c.example` into `b@c.example`: a stranger's address), and
        # only to them: the SMTP envelope keeps these alone, whatever a
        # display name holds (ir.mail_server), and no header gets a line
        # break from a name or a subject.
        emails = super()._prepare_outgoing_list(*args, **kwargs)
        self.env.cr.cache[IN_HAND] = self.id  # Odoo sends it next
        if not self._demat_checks_addresses():
            return emails
        envelopes = self.env.cr.cache.setdefault(ENVELOPES, {})
        for email in emails:
            partner = email.get("partner_id")
            to = _valid(email.get("email_to_raw"))
            cc = _valid(", ".join(email.get("email_cc") or []))
            email["email_to"] = [
                format_address(partner.name if partner else address.name, address.email)
                for address in to
            ]
            email["email_cc"] = [
                format_address(address.name, address.email) for address in cc
            ]
            for field in ("subject", "reply_to"):
                if email.get(field):
                    email[field] = header_text(email[field])
            # (19.0's X-Msg-To-Add writes the recipients' names too)
            email["headers"] = {
                key: header_text(value) if isinstance(value, str) else value
                for key, value in (email.get("headers") or {}).items()
            }
            envelope = [
                wire
                for address in to + cc
                for wire in extract_rfc2822_addresses(address.email)
            ]
            if "email_to_normalized" in email:
                # 19.0 sends only to these (its own normalising would drop
                # an IDN domain), as the SMTP envelope writes them
                email["email_to_normalized"] = envelope
            envelopes.setdefault(self.message_id, []).append(
                {ascii_address(wire) for wire in envelope}
            )
        return emails

    def _demat_envelope(self, message_id, smtp_to_list):
        """The addresses (in `ascii_address` form) that the email with this
        Message-Id may go to, when it is a letter or a customer document
        (`_prepare_outgoing_list` kept them); None for any other email. A
        Message-Id may cover several emails, one per partner, sent in order.
        It gives those of the first unsent one whose addresses are all in
        `smtp_to_list`, the envelope Odoo read in the headers; else the first
        unsent one's; empty when all were sent."""
        queue = self.env.cr.cache.get(ENVELOPES, {}).get(message_id)
        if queue is None:
            return None
        read = {ascii_address(address) for address in smtp_to_list}
        for position, allowed in enumerate(queue):
            if allowed <= read:
                return queue.pop(position)
        return queue.pop(0) if queue else set()

    def _postprocess_sent_message(
        self, success_pids, *args, failure_reason=False, failure_type=None, **kwargs
    ):
        # EXTENDS 'mail': a dematerialisation letter counts once its email
        # has left, as the email's final state says, whatever the caller
        # passes: a module that catches the sending error (OCA mail_tracking)
        # leaves the email failed with no failure type; it is kept failed,
        # with the server's reason, rather than counted and deleted.
        session = self.env.cr.cache.get(SESSION)
        if len(self) == 1 and self.state == "exception" and not failure_type:
            failure_type = "mail_smtp"
            failure_reason = self._refusal_sentence(session) or failure_reason
            success_pids = []
            self.write({"failure_type": failure_type, "failure_reason": failure_reason})
        for mail in self:
            line = mail.sudo().demat_letter_line_id
            if line.state != "queued":
                continue
            if mail.state == "sent":
                line._mark_emailed(
                    mail.mail_message_id, *mail._partial_delivery(session)
                )
            elif mail.state in ("exception", "cancel"):
                line._mark_failed(
                    mail.failure_reason
                    or failure_reason
                    or self.env._("The email was not sent.")
                )
        self.filtered("delivery_deferred_since").delivery_deferred_since = False
        self.env["facto.demat.mail.acceptance"]._forget(self.ids)
        # (19.0 adds success_emails, in *args or **kwargs)
        return super()._postprocess_sent_message(
            success_pids,
            *args,
            failure_reason=failure_reason,
            failure_type=failure_type,
            **kwargs,
        )

    def _note_taken(self, addresses):
        """The server took the email Odoo is sending (`IN_HAND`) for these
        addresses: kept at once, whatever becomes of this transaction (see
        `facto.demat.mail.acceptance`)."""
        mail_id = self.env.cr.cache.get(IN_HAND)
        if mail_id:
            self.env["facto.demat.mail.acceptance"].sudo()._record(mail_id, addresses)

    def _end_taken_before(self):
        """Mark as sent, without resending, the emails of this batch that a
        server took in a transaction lost before it marked them sent. Return
        them. An email only some recipients took is requeued for the others."""
        taken = self.env["facto.demat.mail.acceptance"].sudo()._taken(self.ids)
        ended = self.browse()
        for mail in self.browse(list(taken)).exists():
            mail._requeue(taken[mail.id])
            if mail.recipient_ids or mail.email_to:
                continue
            _logger.info("Email %s was taken before: counted sent", mail.id)
            mail.write({"state": "sent", "failure_reason": False})
            mail._postprocess_sent_message(success_pids=[], **NO_SUCCESS_EMAILS)
            ended |= mail
        return ended

    def _demat_checks_addresses(self):
        """Whether this email carries a dematerialisation letter or a
        customer document."""
        self.ensure_one()
        if self.demat_letter_line_id:
            return True
        return self.model in self.env and isinstance(
            self.env[self.model], self.pool["facto.demat.document.mixin"]
        )

    def _refusal_sentence(self, session):
        """What the server said when it refused this email for good, if it
        did in this batch."""
        verdict = getattr(session, "refused", {}).get(self.message_id)
        if not verdict:
            return None
        server = self.env["ir.mail_server"].sudo().browse(session.server_id)
        return server._delivery_sentence(verdict)

    def _partial_delivery(self, session):
        """(addresses that took this sent email, sentence on those that
        refused it for good), when its server refused some of them; else
        (None, None)."""
        verdict = getattr(session, "partly_refused", {}).get(self.message_id)
        if not verdict:
            return None, None
        server = self.env["ir.mail_server"].sudo().browse(session.server_id)
        took = session.delivered.get(self.message_id, set())
        return ", ".join(sorted(took)), server._delivery_sentence(verdict)

    def _split_at(self, message_id):
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

    def _defer_delivery(self, deferred, session):
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
            sentence, next_try = server._delivery_sentence(verdict), False
            since = self.delivery_deferred_since
        else:
            sentence = server._delivery_sentence(verdict)
            since = self.delivery_deferred_since or now
            next_try = self._next_try(since, now, verdict)
            if now - since >= self._longest_deferral():
                self._fail_after_waiting(sentence, server)
                return sentence
        self._requeue(session.delivered.get(deferred.message_id, set()))
        self._note_delivery_wait(sentence, next_try, since, server)
        if verdict.stops_batch and verdict.kind != mail_transport.PACED:
            server._note_delivery_issue(sentence, next_try)
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

    def _next_try(self, since, now, verdict):
        """When to try again an email waiting since `since`: after a minute,
        then after as long again as it has waited, an hour at most, and no
        sooner than the server asked."""
        waited = (now - since).total_seconds()
        delay = min(LONGEST_WAIT, max(FIRST_WAIT, waited))
        return now + timedelta(seconds=max(delay, verdict.delay or 0))

    def _longest_deferral(self):
        hours = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("facto_demat.mail_deferral_hours", DEFERRAL_HOURS)
        )
        return timedelta(hours=float(hours))

    def _fail_after_waiting(self, sentence, server):
        hours = self._longest_deferral().total_seconds() / 3600
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
                "delivery_server_id": server.id,
            }
        )
        self._postprocess_sent_message(
            success_pids=[],
            failure_reason=reason,
            failure_type="mail_smtp",
            **NO_SUCCESS_EMAILS,
        )

    def _note_delivery_wait(self, sentence, next_try, since, server):
        self.write(
            {
                "failure_reason": sentence,
                "scheduled_date": next_try,
                "delivery_deferred_since": since,
                "delivery_server_id": server.id,
            }
        )
        lines = self.sudo().demat_letter_line_id.filtered(
            lambda line: line.state == "queued"
        )
        lines._note_delivery_wait(sentence, next_try)

    def _note_refusals(self, session):
        """Tell which server refused the emails of this batch it refused."""
        refused = getattr(session, "refused", None)
        if refused:
            self.search(
                [
                    ("id", "in", self.ids),
                    ("message_id", "in", list(refused)),
                    ("state", "=", "exception"),
                ]
            ).write({"delivery_server_id": session.server_id})
            refused.clear()

    def _end_letters_left_behind(self, reason):
        unsent = self.filtered(lambda mail: mail.state in ("outgoing", "exception"))
        lines = unsent.sudo().demat_letter_line_id.filtered(
            lambda line: line.state == "queued"
        )
        lines._mark_failed(reason)

    def _requeue(self, delivered):
        """Put these emails, which Odoo marked failed before sending them,
        back in the queue, without the recipients the server already took
        (`delivered`, a set of addresses): a partner all of whose addresses
        took it is not sent it again."""
        delivered = {ascii_address(address) for address in delivered}
        for mail in self:
            done = mail.recipient_ids.filtered(
                lambda partner: (
                    (emails := valid_emails(partner.email))
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
                        address.text
                        for address in parse_addresses(mail.email_to)
                        if not address.email
                        or ascii_address(address.email) not in delivered
                    ),
                }
            )


def _valid(value):
    """The valid addresses (`email_address.Address`) of `value`."""
    return [address for address in parse_addresses(value) if address.email]


def _utc(epoch):
    return datetime.utcfromtimestamp(epoch)
