import hashlib
import logging
import secrets
from datetime import timedelta

from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_date

from ..tools.email_address import format_address, header_text, valid_emails
from ..tools.evidence_seal import CONCURRENCY_ERRORS
from ..tools.odoo_versions import declare_sql_constraints
from ..tools.pdf import LETTER_MARKER_SIZE, QR_MARKER_SIZE, marker_data_uri
from ..tools.placeholders import fill
from .res_company import LETTER_TEXT_KINDS

_logger = logging.getLogger(__name__)


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
    letter_text = fields.Selection(
        LETTER_TEXT_KINDS,
        string="Letter text",
        default="consent",
        required=True,
        help="Which of the run's letter texts this customer is sent, by the "
        "route of their invoices.",
    )
    state = fields.Selection(
        [
            ("pending", "To do"),
            ("queued", "In the mail queue"),
            ("done", "Done"),
            ("failed", "Failed"),
            ("bounced", "Bounced"),
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
    failure_reason = fields.Text(
        string="Reason",
        help="Why the letter failed or bounced, or why its email waits in the queue.",
    )
    next_attempt_date = fields.Datetime(
        string="Next try",
        help="When the mail queue tries again an email its server deferred.",
    )
    response_token_hash = fields.Char(
        copy=False,
        index="btree_not_null",
        groups="base.group_system",
        help="SHA-256 of the token in the letter's answer link; the token "
        "itself is only in the letter.",
    )
    response_expires_at = fields.Datetime(string="Answer link valid until", copy=False)

    declare_sql_constraints(
        locals(),
        run_partner_unique=(
            "UNIQUE(run_id, partner_id)",
            "A customer can appear only once in a letter run.",
        ),
    )

    # ------------------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------------------

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

    # ------------------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------------------

    def action_download_letter(self):
        """Download this customer's letter, checked against its evidence."""
        self.ensure_one()
        if not self.event_id.attachment_id:
            raise UserError(self.env._("This letter has no PDF yet."))
        return self.event_id.action_download_letter()

    # ------------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------------

    def _mark_printed(self, letters):
        """The letters are printed: `letters` says where each one is
        ({line: {"attachment", "first_page", "last_page", "sha256"}})."""
        self._attach_letters(letters)
        self._record_letters("letter_printed", "print", letters)

    def _mark_emailed(self, message, took=None, partly_refused=None):
        """The letter's email left. If addresses were refused for good,
        `took` (str) lists the rest; `partly_refused` says why.

        Called as the mail queue counts the email sent: nothing here may
        undo that. When another transaction wrote the customer meanwhile,
        the letter keeps its email's message and the letter cron records it
        (`_record_emailed_letters`)."""
        self.write(
            {
                "mail_message_id": message.id,
                "next_attempt_date": False,
                "failure_reason": partly_refused or False,
                **({"email": took} if took else {}),
            }
        )
        self._record_emailed_letters()

    def _record_emailed_letters(self):
        """Record these letters, whose email left (default: all those
        whose evidence could not be written then). When another transaction
        wrote one of their customers meanwhile, they stay to be recorded by
        the letter cron, which is triggered."""
        lines = self or self.search(
            [("state", "=", "queued"), ("mail_message_id", "!=", False)]
        )
        if not lines:
            return
        try:
            with self.env.cr.savepoint():
                lines._record_letters("letter_emailed", "email")
        except CONCURRENCY_ERRORS as error:
            _logger.info("Letters %s: recorded later (%s)", lines.ids, error)
            self.env.ref("facto_demat.ir_cron_demat_letter_run")._trigger()

    def _note_delivery_wait(self, reason, next_try):
        """Say why this letter's email waits in the queue, and until when."""
        self.write({"failure_reason": reason, "next_attempt_date": next_try})

    def _attach_letters(self, letters):
        for line in self:
            if line in letters:
                line.attachment_id = letters[line]["attachment"]

    def _cancel_failed_mails(self):
        """Cancel the failed emails Odoo keeps, so that nobody resends them
        as well as the retry. As superuser: invoicing users have no access to
        outgoing mails."""
        self.mail_ids.sudo().filtered(lambda mail: mail.state == "exception").cancel()

    def _mark_failed(self, reason):
        self.write(
            {"state": "failed", "failure_reason": reason, "next_attempt_date": False}
        )

    def _mark_bounced(self, email, reason):
        """Record that this letter's sent email bounced for good at `email`,
        for `reason` (text). `email` is a normalised address, or False (all
        of them) when the report names none. Seal a *letter bounced* event
        in the run company's trail, once per address. Once every address
        bounced, the line ends bounced with the reason, and its customer is
        again among those to write to. Return whether the line ended bounced.

        As superuser, called by the bounce processing only: the trail, the
        line and the letter flags are the process's own.
        """
        self.ensure_one()
        company = self.run_id.company_id
        customer = self.partner_id.with_company(company).sudo()
        Event = self.env["facto.demat.event"].sudo()
        sealed = set(
            Event.search(
                [
                    ("mail_message_id", "=", self.mail_message_id.id),
                    ("event_type", "=", "letter_bounced"),
                ]
            ).mapped("email")
        )
        if self.state != "done" or (email or self.email) in sealed:
            return False
        Event.create(
            customer._prepare_demat_event(
                "letter_bounced",
                "email",
                email=email or self.email,
                note=reason,
                mail_message_id=self.mail_message_id.id,
            )
        )
        if email and set(valid_emails(self.email)) - sealed - {email}:
            return False  # it reached the other addresses, as far as we know
        self.sudo().write({"state": "bounced", "failure_reason": reason})
        later = self.sudo().search_count(
            [
                ("partner_id", "=", self.partner_id.id),
                ("run_id.company_id", "=", company.id),
                ("state", "=", "done"),
                ("letter_text", "!=", "information"),
                ("id", ">", self.id),
            ]
        )
        if not later and self.letter_text != "information":
            customer._demat_store_facts(
                {"demat_letter_sent": False, "demat_letter_date": False}
            )
        return True

    def _record_letters(self, event_type, channel, letters=None):
        """Flag the customers, append their evidence, close the lines.
        `letters` gives the pages and hash of each line's letter (see
        `_mark_printed`); else the letter is its whole attachment.

        As superuser: the flags and the trail are written only by the add-on,
        for letters that the run (created by an invoicing user) sent.
        """
        letters = letters or {}
        events = (
            self.env["facto.demat.event"]
            .sudo()
            .create(
                [
                    line.partner_id.with_company(
                        line.run_id.company_id
                    )._prepare_demat_event(
                        event_type,
                        channel,
                        user_id=line.run_id.user_id.id,
                        email=line.email or False,
                        attachment_id=line.attachment_id.id,
                        mail_message_id=line.mail_message_id.id,
                        letter_first_page=letters.get(line, {}).get("first_page"),
                        letter_last_page=letters.get(line, {}).get("last_page"),
                        letter_sha256=line._letter_sha256(letters),
                        letter_text=line.letter_text,
                    )
                    for line in self
                ]
            )
        )
        now = fields.Datetime.now()
        # An information letter asks for no consent: no "letter sent" fact.
        consent_lines = self.filtered(lambda line: line.letter_text != "information")
        for company in consent_lines.run_id.company_id:
            # in the trail and the consent of the run's company only
            lines = consent_lines.filtered(
                lambda line, c=company: line.run_id.company_id == c
            )
            lines.partner_id.with_company(company)._demat_store_facts(
                {"demat_letter_sent": True, "demat_letter_date": now}
            )
        for line, event in zip(self, events, strict=True):
            line.write({"state": "done", "event_id": event.id})

    def _letter_sha256(self, letters):
        """The SHA-256 (hexadecimal) of this line's letter PDF, if any."""
        if self in letters:
            return letters[self]["sha256"]
        if self.attachment_id:
            return hashlib.sha256(self.attachment_id.raw).hexdigest()
        return False

    def _queue_emails(self, letters):
        """Put one email per customer in Odoo's mail queue, logged in the
        customer's chatter, with its letter's PDF from `letters` ({line:
        {"attachment", "sha256"}}) if any; they are flagged once the email
        has gone."""
        self._attach_letters(letters)
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
                    "email_to": ", ".join(
                        format_address(line.partner_id.name, email)
                        for email in valid_emails(line.email)
                    ),
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

    def _issue_response_links(self):
        """Give each letter a new answer link; the customer's links of older
        letters stop working. Return {line id: URL}; only the hash of each
        token is kept.

        As superuser: the token hashes are hidden from everybody.
        """
        lines = self.sudo()
        lines._revoke_response_links(lines.partner_id)
        links = {}
        for line in lines:
            company = line.run_id.company_id
            token = secrets.token_urlsafe(32)
            line.write(
                {
                    "response_token_hash": _hash(token),
                    "response_expires_at": fields.Datetime.now()
                    + timedelta(days=company.demat_link_validity_days),
                }
            )
            links[line.id] = f"{company.get_base_url()}/demat/{token}"
        return links

    @api.model
    def _revoke_response_links(self, partners):
        """The answer links of these partners' letters stop working.

        As superuser: the token hashes are hidden from everybody.
        """
        self.sudo().search(
            [("partner_id", "in", partners.ids), ("response_token_hash", "!=", False)]
        ).write({"response_token_hash": False, "response_expires_at": False})

    @api.model
    def _from_response_token(self, token):
        """The letter whose answer link holds this token, if the link still
        works; else an empty recordset.

        As superuser: anyone holding the link may answer it.
        """
        if not token or len(token) > 100:
            return self.browse()
        return self.sudo().search(
            [
                ("response_token_hash", "=", _hash(token)),
                ("response_expires_at", ">", fields.Datetime.now()),
            ],
            limit=1,
        )

    def _apply_customer_answer(self, answer, origin, email=None, confirm=False):
        """Apply the answer given by this letter's link: "refuse", "accept"
        or "address" (documents to `email`, once the invoicing team
        confirms); `origin` says where it came from ({"ip_address",
        "user_agent", and "user_id" when someone logged in to Odoo gave
        it}). Answering again changes nothing; answers of one day send one
        confirmation email and keep one activity. Return the confirmation to
        show; None when the new address given is not valid.

        Called as superuser by the public answer page, only for a letter of
        `_from_response_token`.
        """
        self.ensure_one()
        if answer == "address":
            emails = valid_emails(email)
            if len(emails) != 1:
                return None
            email = emails[0]
        customer = self._customer()
        unchanged = {
            "refuse": customer.demat_refused,
            "accept": customer.demat_accepted and not customer.demat_refused,
            "address": email == customer.demat_requested_email,
        }[answer]
        if unchanged:  # the same answer again: nothing to record or send
            return self.env._(
                "Your answer was already recorded. %(answer)s",
                answer=self._recorded_answer(),
            )
        origin = {"channel": "link", **origin}
        answering = customer.with_context(demat_event=origin)
        if answer == "refuse":
            answering.demat_refused = True
            text = self.env._("You refused documents by email: they will come by post.")
        elif answer == "accept":
            answering.write({"demat_refused": False, "demat_accepted": True})
            text = self.env._("You accepted documents by email.")
        else:
            customer.demat_requested_email = email
            customer.env["facto.demat.event"].create(
                customer._prepare_demat_event("address_requested", note=email, **origin)
            )
            customer._demat_one_activity(
                "facto_demat.mail_activity_confirm_address",
                self.env._(
                    "The customer asks for documents to go to %(email)s. Confirm "
                    "it with the button on the customer, or ignore it.",
                    email=email,
                ),
            )
            text = self.env._(
                "You asked for documents to go to %(email)s: we will confirm it "
                "shortly.",
                email=email,
            )
        user = self.env["res.users"].browse(origin.get("user_id"))
        if user:
            note = self.env._(
                "Answer to the dematerialisation letter, from its link, given by "
                "the user %(user)s: %(answer)s",
                user=user.name,
                answer=text,
            )
        else:
            note = self.env._(
                "Answer to the dematerialisation letter, from its link: %(answer)s",
                answer=text,
            )
        customer.message_post(
            body=Markup("<p>%s</p>") % note,
            author_id=(user.partner_id or self.env.ref("base.partner_root")).id,
            message_type="notification",
            subtype_xmlid="mail.mt_note",
        )
        if answer != "refuse" or confirm:
            self._send_answer_confirmation(text)
        return text

    def _recorded_answer(self):
        """What this letter's customer answered last, with its date, as the
        answer page says it; '' when nothing was answered."""
        self.ensure_one()
        customer = self._customer().sudo()
        if customer.demat_refused:
            return self.env._(
                "You refused documents by email on %(date)s.",
                date=format_date(
                    self.env, customer.demat_refused_date, date_format="long"
                ),
            )
        if customer.demat_requested_email:
            request = (
                self.env["facto.demat.event"]
                .sudo()
                .search(
                    [
                        ("partner_id", "=", customer.id),
                        ("event_type", "=", "address_requested"),
                    ],
                    order="sequence desc",
                    limit=1,
                )
            )
            return self.env._(
                "On %(date)s, you asked for documents to go to %(email)s.",
                date=format_date(self.env, request.date, date_format="long"),
                email=customer.demat_requested_email,
            )
        if customer.demat_accepted:
            return self.env._(
                "You accepted documents by email on %(date)s.",
                date=format_date(
                    self.env, customer.demat_accepted_date, date_format="long"
                ),
            )
        return ""

    def _send_answer_confirmation(self, text):
        """Email the customer what was recorded (`text`), now (the mail
        queue is woken), to its document addresses; nothing when a
        confirmation already went today (`demat_answer_confirmation_date`)."""
        customer = self._customer()
        company = self.run_id.company_id
        emails = valid_emails(customer.demat_email or customer.email)
        today = fields.Date.context_today(customer)
        if not emails or customer.demat_answer_confirmation_date == today:
            return
        customer.demat_answer_confirmation_date = today
        self.env["mail.mail"].create(
            {
                "subject": self.env._(
                    "%(company)s: your answer about documents by email",
                    company=header_text(company.name),
                ),
                "body_html": Markup("<p>%s</p><p>%s</p>") % (text, company.name),
                "email_from": company.email_formatted,
                "reply_to": company._demat_reply_to(),
                # bare addresses: Odoo 18 would read one in a display name
                "email_to": ", ".join(emails),
                "auto_delete": True,
            }
        )
        self.env.ref("mail.ir_cron_mail_scheduler_action")._trigger()

    def _customer(self):
        """The customer this letter speaks to (its commercial partner), in
        the run's company, where its consent lives."""
        return self.partner_id.commercial_partner_id.with_company(
            self.run_id.company_id
        )

    def _asks_customer_data(self):
        """Whether this letter's page asks for the customer's details
        (SIREN or SIRET, invoicing email, VAT liability, delivery address):
        letters to French businesses, whatever their text."""
        self.ensure_one()
        return (
            self.letter_text != "consent" or self._customer()._demat_business_in_zone()
        )

    def _response_link(self):
        """This letter's answer link, while the letters are made."""
        return self.env.context.get("demat_response_links", {}).get(self.id)

    def _response_qr_marker(self):
        """Where the letter shows its QR code, drawn there once printed (see
        `tools.pdf.draw_qr_code`); False without a link."""
        return bool(self._response_link()) and marker_data_uri(QR_MARKER_SIZE)

    def _letter_start_marker(self):
        """What the letter shows where it starts, for `tools.letter_pdf` to
        find its first page (see `tools.pdf.marked_pages`)."""
        return marker_data_uri(LETTER_MARKER_SIZE)

    def _placeholder_values(self):
        """FACTO's letter placeholders for this customer, in the context
        language: %1 the customer's name, %2 the company's name, %3 the
        address documents go to, %4 the reply address, %5 the date from
        which the company issues e-invoices (long format)."""
        self.ensure_one()
        company = self.run_id.company_id
        return {
            "1": self.partner_id.name or "",
            "2": company.name or "",
            "3": self.email or "",
            "4": company._demat_reply_to() or "",
            "5": format_date(
                self.env, company.demat_einvoicing_date, date_format="long"
            ),
        }

    def _fill(self, text, html):
        """`text` with FACTO's placeholders filled in; in HTML, values are
        escaped, so that a customer named `<script>` reads as text."""
        return fill(text, self._placeholder_values(), html)

    def _letter_place_and_date(self):
        """ "Lyon, le 29 novembre 2026": the letter's place and date, as
        letters write them in the customer's language."""
        self.ensure_one()
        company = self.run_id.company_id
        env = self.with_context(lang=self.partner_id._demat_lang(company)).env
        day = format_date(env, self.run_id.create_date, date_format="long")
        if not company.city:
            return day
        return env._("%(city)s, %(date)s", city=company.city, date=day)

    def _letter(self):
        """Subject (text) and body (HTML) of this customer's letter, in their
        language, in the run's text for them (`letter_text`)."""
        self.ensure_one()
        lang = self.partner_id._demat_lang(self.run_id.company_id)
        line = self.with_context(lang=lang)
        subject, body, body_no_email = line.run_id._letter_texts(self.letter_text)
        if self.letter_text == "information":
            body = line._fill(body or "", True)
            invitation = line.env._(
                "To give us your SIREN or your invoicing details, answer here:"
            )
        elif self.letter_text == "business":
            body = line._fill(body or "", True)
            invitation = line.env._(
                "To refuse or accept invoices by email until then, or to give "
                "us your SIREN and invoicing details, answer here:"
            )
        elif self.email or not body_no_email:
            body = line._fill(body or "", True)
            invitation = line.env._(
                "To refuse, to accept, or to give another address, answer here:"
            )
        else:
            body = line._fill(body_no_email, True)
            invitation = line.env._(
                "To give us your address, or to refuse documents by email, answer here:"
            )
        link = self._response_link()
        if link:
            body += Markup('<p>%s <a href="%s">%s</a></p>') % (invitation, link, link)
        return line._fill(subject or "", False), body


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()
