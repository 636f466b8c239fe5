from textwrap import shorten

from odoo import api, models
from odoo.tools import html2plaintext

from ..tools.delivery_report import recipient_reports
from ..tools.email_address import valid_emails


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    @api.model
    def _routing_handle_bounce(self, email_message, message_dict):
        # EXTENDS 'mail': a delivery report saying the email is only late
        # (a soft bounce) is noted on the customer and not counted; a bounce
        # for good of a letter or a customer document, once Odoo counted it,
        # ends the letter and makes the address no document address until it
        # changes.
        reports = recipient_reports(email_message)
        message = message_dict.get("bounced_message") or self.env["mail.message"]
        if reports and not any(report.failed for report in reports):
            for report in reports:
                if report.delayed:
                    self._demat_note_delay(message, report)
            return None
        result = super()._routing_handle_bounce(email_message, message_dict)
        failures = [
            (report.address, report.diagnostic or report.status)
            for report in reports
            if report.failed
        ] or [
            (
                message_dict.get("bounced_email"),
                # the bounce's own words, on one line
                shorten(html2plaintext(message_dict.get("body") or ""), 500),
            )
        ]
        for address, reason in failures:
            self._demat_receive_bounce(message.sudo(), address, reason)
        return result

    @api.model
    def _demat_receive_bounce(self, message, address, reason):
        """The email of `message` (mail.message, as superuser) bounced for
        good at `address` (str as the report writes it, or False), for
        `reason` (the receiving server's answer, one line, or ''): when it
        carried a letter or a customer document, the contacts of the
        customer holding that address count the bounce (see
        `res.partner._demat_reachable_emails`), the letter records it (see
        `facto.demat.letter.run.line._mark_bounced`) and the customer's
        chatter says it. Also called by bridges that learn of bounces
        otherwise (mail_tracking)."""
        lines = self._demat_letter_lines(message)
        customer = lines.partner_id[:1] or self._demat_document_customer(message)
        if not customer:
            return
        email = (valid_emails(address) or [False])[0]
        if not email and len(valid_emails(lines[:1].email)) == 1:
            email = valid_emails(lines[:1].email)[0]  # the letter's only address
        reason = reason or self.env._("The email could not be delivered.")
        if email:
            family = (customer | customer.child_ids).sudo()
            holders = family.filtered(lambda p: email in valid_emails(p.email))
            holders.filtered(lambda p: not p.message_bounce)._message_receive_bounce(
                email, holders
            )
        text = self.env._(
            'The email "%(subject)s" to %(address)s bounced: %(reason)s. Documents '
            "are no longer emailed to this address until it is changed.",
            subject=message.subject or "",
            address=email or address or lines[:1].email or "",
            reason=reason,
        )
        ended = [line for line in lines if line._mark_bounced(email, reason)]
        if ended:
            text += " " + self.env._(
                "The dematerialisation letter counts as not sent: the customer "
                "is again among those to write to."
            )
        customer._demat_post_bounce_note(text)

    @api.model
    def _demat_note_delay(self, message, report):
        """Say on the customer of a letter or customer document that its
        email to `report.address` is late (`report`: a
        `tools.delivery_report.RecipientReport`); nothing is counted."""
        message = message.sudo()
        lines = self._demat_letter_lines(message)
        customer = lines.partner_id[:1] or self._demat_document_customer(message)
        if customer:
            customer._demat_post_bounce_note(
                self.env._(
                    'The email "%(subject)s" to %(address)s is delayed: %(reason)s. '
                    "The mail server keeps trying; nothing changes for the "
                    "customer.",
                    subject=message.subject or "",
                    address=report.address,
                    reason=report.diagnostic or report.status or report.action,
                )
            )

    @api.model
    def _demat_letter_lines(self, message):
        """The sent letters (facto.demat.letter.run.line, as superuser) whose
        email is `message`."""
        if not message:
            return self.env["facto.demat.letter.run.line"]
        return (
            self.env["facto.demat.letter.run.line"]
            .sudo()
            .search([("mail_message_id", "=", message.id), ("state", "=", "done")])
        )

    @api.model
    def _demat_document_customer(self, message):
        """The customer (commercial res.partner, as superuser) of the
        customer document `message` is about; else an empty recordset."""
        Partner = self.env["res.partner"]
        if not message.model or message.model not in self.env or not message.res_id:
            return Partner
        document = self.env[message.model].sudo().browse(message.res_id).exists()
        if (
            not isinstance(document, self.pool["facto.demat.document.mixin"])
            or not document._demat_is_customer_document()
        ):
            return Partner
        return document._demat_customer()
