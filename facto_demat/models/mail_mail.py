from odoo import fields, models

from odoo.addons.base.models.ir_mail_server import extract_rfc2822_addresses
from odoo.addons.mail_outbound_transport.tools.mail_transport import ascii_address

from ..tools.email_address import format_address, header_text, parse_addresses

# Per transaction: {Message-Id: [addresses each email of a letter or
# customer document may go to]}. ir.mail_server limits the envelope to them.
ENVELOPES = "facto_demat_mail_envelopes"


class MailMail(models.Model):
    _inherit = "mail.mail"

    demat_letter_line_id = fields.Many2one(
        "facto.demat.letter.run.line",
        string="Dematerialisation letter",
        index="btree_not_null",
        ondelete="set null",
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

    def _prepare_outgoing_list(self, *args, **kwargs):
        # EXTENDS 'mail': customer documents and letters go only to the
        # addresses the add-on calls valid (Odoo would repair
        # `a@b@c.example` into `b@c.example`: a stranger's address), and
        # only to them: the SMTP envelope keeps these alone, whatever a
        # display name holds (ir.mail_server), and no header gets a line
        # break from a name or a subject.
        emails = super()._prepare_outgoing_list(*args, **kwargs)
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
        self, success_pids, *args, failure_reason=False, **kwargs
    ):
        # EXTENDS 'mail_outbound_transport': a dematerialisation letter
        # counts once its email has left, as the email's final state says
        # (what a sent email says is read before Odoo may delete it; a
        # failed one's reason after the transport settled it)
        outcomes = [
            (
                line,
                mail,
                mail.state,
                mail.mail_message_id,
                *mail._mail_transport_partial_delivery(),
            )
            for mail in self
            if (line := mail.sudo().demat_letter_line_id).state == "queued"
        ]
        result = super()._postprocess_sent_message(
            success_pids, *args, failure_reason=failure_reason, **kwargs
        )
        for line, mail, state, message, took, refused in outcomes:
            if state == "sent":
                line._mark_emailed(message, took, refused)
            elif state in ("exception", "cancel"):
                line._mark_failed(
                    (mail.exists() and mail.failure_reason)
                    or failure_reason
                    or self.env._("The email was not sent.")
                )
        return result

    def _mail_transport_waiting(self, sentence, next_try):
        # EXTENDS 'mail_outbound_transport': the letter says why it waits
        lines = self.sudo().demat_letter_line_id.filtered(
            lambda line: line.state == "queued"
        )
        lines._note_delivery_wait(sentence, next_try)
        return super()._mail_transport_waiting(sentence, next_try)

    def _demat_checks_addresses(self):
        """Whether this email carries a dematerialisation letter or a
        customer document."""
        self.ensure_one()
        if self.demat_letter_line_id:
            return True
        return self.model in self.env and isinstance(
            self.env[self.model], self.pool["facto.demat.document.mixin"]
        )

    def _end_letters_left_behind(self, reason):
        unsent = self.filtered(lambda mail: mail.state in ("outgoing", "exception"))
        lines = unsent.sudo().demat_letter_line_id.filtered(
            lambda line: line.state == "queued"
        )
        lines._mark_failed(reason)


def _valid(value):
    """The valid addresses (`email_address.Address`) of `value`."""
    return [address for address in parse_addresses(value) if address.email]
