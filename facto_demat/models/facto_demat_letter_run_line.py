import re

from markupsafe import Markup, escape

from odoo import Command, fields, models
from odoo.tools import SQL, formataddr

PLACEHOLDER = re.compile(r"%([1-4])")


class FactoDematLetterRunLine(models.Model):
    """One customer of a letter run, and what became of their letter."""

    _name = "facto.demat.letter.run.line"
    _description = "Dematerialisation letter of one customer"
    _order = "run_id, sequence, id"

    run_id = fields.Many2one(
        "facto.demat.letter.run", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer()
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True
    )
    output = fields.Selection([("print", "Print"), ("email", "Email")], required=True)
    state = fields.Selection(
        [
            ("pending", "To do"),
            ("queued", "In the mail queue"),
            ("done", "Done"),
            ("failed", "Failed"),
        ],
        default="pending",
        required=True,
        index=True,
    )
    email = fields.Char(string="Email address")
    mail_ids = fields.One2many("mail.mail", "demat_letter_line_id", string="Email")
    mail_message_id = fields.Many2one("mail.message", string="Sent email")
    attachment_id = fields.Many2one("ir.attachment", string="Letter")
    event_id = fields.Many2one("facto.demat.event", string="Evidence")
    failure_reason = fields.Text()

    _sql_constraints = [
        (
            "run_partner_unique",
            "UNIQUE(run_id, partner_id)",
            "A customer can appear only once in a letter run.",
        )
    ]

    def init(self):
        # A customer is in at most one run still sending its letter, so two
        # runs started together on overlapping selections cannot both send.
        self.env.cr.execute(
            SQL(
                """
                CREATE UNIQUE INDEX IF NOT EXISTS
                       facto_demat_letter_run_line_active_uniq
                    ON facto_demat_letter_run_line (partner_id)
                 WHERE state IN ('pending', 'queued')
                """
            )
        )

    def _mark_printed(self, pages):
        self._attach_pages(pages)
        self._record_letters("letter_printed", "print")

    def _mark_emailed(self, message):
        self.mail_message_id = message
        self._record_letters("letter_emailed", "email")

    def _attach_pages(self, pages):
        for line in self:
            if line in pages:
                line.attachment_id = pages[line]

    def _cancel_failed_mails(self):
        """Cancel the failed emails Odoo keeps, so that nobody resends them
        as well as the retry. As superuser: invoicing users have no access to
        outgoing mails."""
        self.check_access("write")
        self.mail_ids.sudo().filtered(lambda mail: mail.state == "exception").cancel()

    def _mark_failed(self, reason):
        self.write({"state": "failed", "failure_reason": reason})

    def _record_letters(self, event_type, channel):
        """Flag the customers, append their evidence, close the lines.

        As superuser: the flags and the trail are written only by the add-on,
        for letters that the run (created by an invoicing user) sent.
        """
        company = self.run_id.company_id
        events = (
            self.env["facto.demat.event"]
            .sudo()
            .create(
                [
                    line.partner_id.with_company(company)._prepare_demat_event(
                        event_type,
                        channel,
                        user_id=line.run_id.user_id.id,
                        email=line.email or False,
                        attachment_id=line.attachment_id.id,
                        mail_message_id=line.mail_message_id.id,
                    )
                    for line in self
                ]
            )
        )
        self.partner_id.sudo().write(
            {"demat_letter_sent": True, "demat_letter_date": fields.Datetime.now()}
        )
        for line, event in zip(self, events, strict=True):
            line.write({"state": "done", "event_id": event.id})

    def _queue_emails(self, pages):
        """Put one email per customer in Odoo's mail queue, logged in the
        customer's chatter; they are flagged once the email has gone."""
        self._attach_pages(pages)
        run = self.run_id
        company = run.company_id
        author = run.user_id.partner_id
        note = self.env.ref("mail.mt_note")
        values = []
        for line in self:
            subject, body = line._letter()
            values.append(
                {
                    "subject": subject,
                    "body": body,
                    "body_html": body,
                    "email_from": company.email_formatted,
                    "reply_to": company._demat_reply_to(),
                    "email_to": formataddr((line.partner_id.name, line.email)),
                    "model": "res.partner",
                    "res_id": line.partner_id.id,
                    "message_type": "email_outgoing",
                    "subtype_id": note.id,
                    "author_id": author.id,
                    "auto_delete": True,
                    # keeps the chatter message when the sent mail is deleted
                    "is_notification": True,
                    "attachment_ids": [Command.link(line.attachment_id.id)]
                    if line.attachment_id
                    else [],
                    "demat_letter_line_id": line.id,
                }
            )
        self.env["mail.mail"].sudo().create(values)
        self.state = "queued"

    def _placeholder_values(self):
        self.ensure_one()
        company = self.run_id.company_id
        return {
            "1": self.partner_id.name or "",
            "2": company.name or "",
            "3": self.email or "",
            "4": company._demat_reply_to() or "",
        }

    def _fill(self, text, html):
        """`text` with FACTO's placeholders filled in; in HTML, values are
        escaped, so that a customer named `<script>` reads as text."""
        values = self._placeholder_values()
        if not html:
            return PLACEHOLDER.sub(lambda match: values[match[1]], text)
        return Markup(
            PLACEHOLDER.sub(lambda match: escape(values[match[1]]), str(text))
        )

    def _letter(self):
        """Subject (text) and body (HTML) of this customer's letter, in their
        language."""
        self.ensure_one()
        run = self.run_id.with_context(lang=self.partner_id.lang or self.env.lang)
        return self._fill(run.subject or "", False), self._fill(run.body or "", True)
