from markupsafe import Markup

from odoo import Command, api, models
from odoo.tools import format_amount, format_date

from ..tools.email_address import parse_addresses, valid_emails
from ..tools.odoo_versions import ODOO_19


class FactoDematDocumentMixin(models.AbstractModel):
    """A document a customer may receive by email (invoice, quotation,
    delivery slip): emailed only to recipients whose address is valid and
    whose customer (commercial partner) did not refuse, and never to the
    document's own customer while its consent is withheld (refusal, notice
    period, opt-in not given). The rule is written once, here, and used by
    every road a document takes: Odoo's send wizards and cron, the mail
    composer, automatic emails and the chatter's followers.

    Models using it define `_demat_partner`, `_demat_is_customer_document`
    and `_demat_document_kind`, and list it first in `_inherit`: it extends
    `mail.thread`, so it must come before the model's own classes.
    """

    _name = "facto.demat.document.mixin"
    _inherit = ["mail.thread"]
    _description = "Document under dematerialisation consent"

    def _notify_get_recipients(self, message, msg_vals=False, **kwargs):
        # EXTENDS 'mail': whatever road a customer document takes, its
        # emails go only to recipients the rule allows; the others are said
        # in its chatter.
        recipients = super()._notify_get_recipients(message, msg_vals, **kwargs)
        if len(self) != 1 or not self._demat_is_customer_document():
            return recipients
        emailed = (
            self.env["res.partner"]
            .sudo()
            .browse(
                [
                    recipient["id"]
                    for recipient in recipients
                    if recipient.get("notif") == "email" and recipient.get("id")
                ]
            )
        )
        # 19.0 also notifies addresses typed without a contact (id False)
        left_out, emails_left_out = self._demat_left_out(
            emailed,
            [
                recipient["email_normalized"]
                for recipient in recipients
                if recipient.get("notif") == "email" and not recipient.get("id")
            ],
        )
        if not left_out and not emails_left_out:
            return recipients
        if not self.env.context.get("demat_noting"):
            self._demat_note_left_out({**left_out, **emails_left_out})
        left_out_ids = {partner.id for partner in left_out}

        def kept(recipient):
            if recipient.get("notif") != "email":
                return True
            if recipient.get("id"):
                return recipient["id"] not in left_out_ids
            return recipient["email_normalized"] not in emails_left_out

        return [recipient for recipient in recipients if kept(recipient)]

    # Customers answer documents to the company's sender email, when it has
    # one (else Odoo's catchall or default).
    if ODOO_19:

        def _notify_get_reply_to_batch(self, defaults=None, author_ids=None):
            # EXTENDS 'mail' (19.0: every reply-to, the mass composer's too)
            reply_to = super()._notify_get_reply_to_batch(
                defaults=defaults, author_ids=author_ids
            )
            for record, sender in self._demat_reply_to_senders().items():
                reply_to[record.id] = self._notify_get_reply_to_formatted_email(
                    sender, author_id=(author_ids or {}).get(record.id)
                )
            return reply_to

    else:

        def _notify_get_reply_to(self, default=None):
            # EXTENDS 'mail' (18.0)
            reply_to = {
                record.id: self._notify_get_reply_to_formatted_email(
                    sender, record.display_name, company=record.company_id
                )
                for record, sender in self._demat_reply_to_senders().items()
            }
            others = self.filtered(lambda record: record.id not in reply_to)
            if others or not self:
                reply_to.update(
                    super(FactoDematDocumentMixin, others)._notify_get_reply_to(
                        default=default
                    )
                )
            return reply_to

    def _demat_reply_to_senders(self):
        """{document (sudo): its company's sender email} for the customer
        documents among these whose company has one."""
        senders = {}
        for record in self.sudo().filtered("id"):
            company = record.company_id or self.env.company
            sender = company._demat_reply_to()
            if sender and record._demat_is_customer_document():
                senders[record] = sender
        return senders

    def _demat_partner(self):
        """The partner the document is addressed to."""
        raise NotImplementedError()

    def _demat_is_customer_document(self):
        """Whether consent applies to this document (sent to a customer)."""
        raise NotImplementedError()

    def _demat_document_kind(self):
        """Key of this document's type (`facto.demat.document.type.kind`)."""
        raise NotImplementedError()

    def _demat_document_date(self):
        """The document's date (a date or datetime), for the email text."""
        raise NotImplementedError()

    @api.model
    def _demat_kind_domain(self, kind):
        """Domain of this model's documents of `kind`, for previews."""
        raise NotImplementedError()

    def _demat_default_recipients(self):
        """Whom this document is emailed to unless someone changes it: its
        partner (invoices extend it with Odoo's invoice address)."""
        self.ensure_one()
        return self._demat_partner()

    def _demat_passed_over(self):
        """{partner: reason} of the contacts Odoo would have chosen for this
        document and the rule passed over for another (invoices: the
        partner or its invoice address whose address is not valid)."""
        return {}

    def _demat_customer(self):
        # Consent is read as superuser: whoever may send the document (a
        # cron, an online payment) must obey it, even without the rights to
        # read consent fields.
        self.ensure_one()
        return (
            self._demat_partner()
            .commercial_partner_id.with_company(self.company_id)
            .sudo()
        )

    def _demat_recipients(self, partners):
        """Split `partners` (res.partner), to whom this document would be
        emailed, into those who may receive it (a recordset) and the others
        ({partner: reason in a few words}). Internal users are not
        customers: the rule leaves them alone."""
        self.ensure_one()
        customer = self._demat_customer()
        kept = partners.browse()
        left_out = {}
        for partner in partners.sudo().with_company(self.company_id):
            who = partner.commercial_partner_id
            if not partner.partner_share:
                kept |= partner
            elif who.demat_refused:
                left_out[partner] = self._demat_consent_reason(who)
            elif not partner._demat_reachable_emails():
                left_out[partner] = self._demat_address_reason(partner)
            elif who == customer and (reason := self._demat_withheld_reason(customer)):
                left_out[partner] = reason
            else:
                kept |= partner
        return kept, left_out

    def _demat_left_out(self, partners, addresses=()):
        """The recipients of an email of this document the rule leaves out:
        ({partner: reason}, {address: reason}) among `partners`
        (res.partner) and `addresses` (typed without a contact, normalised
        when valid). While the email still reaches the customer, the
        contacts Odoo would have chosen and the rule passed over are said
        among the partners."""
        kept, left_out = self._demat_recipients(partners)
        customer = self._demat_customer()
        if kept.filtered(lambda partner: partner.commercial_partner_id == customer):
            left_out = {**self._demat_passed_over(), **left_out}
        return left_out, self._demat_addresses_left_out(addresses)

    def _demat_email_allowed(self):
        """Whether this document may be emailed now to at least one of its
        default recipients."""
        self.ensure_one()
        return bool(self._demat_recipients(self._demat_default_recipients())[0])

    def _demat_email_blocked(self):
        """Whether the rule stops this document's email, unless only because
        nobody has any email at all (Odoo's own alert says that)."""
        self.ensure_one()
        if self._demat_email_allowed():
            return False
        partner = self._demat_partner()
        return bool(
            self._demat_customer()._demat_consent_withheld()
            or partner.email
            or partner._demat_invoice_address().email
        )

    def _demat_block_reason(self):
        """Why this document may not be emailed, in a few words."""
        self.ensure_one()
        customer = self._demat_customer()
        if customer.demat_refused:
            return self._demat_consent_reason(customer)
        _kept, left_out = self._demat_recipients(self._demat_default_recipients())
        return "; ".join(
            dict.fromkeys(left_out.values())
        ) or self._demat_address_reason(self._demat_partner())

    def _demat_withheld_reason(self, customer):
        """Why the customer (not refusing) may not be emailed this document,
        in a few words; False when it may."""
        return customer._demat_consent_withheld() and self._demat_consent_reason(
            customer
        )

    def _demat_consent_reason(self, customer):
        if customer.demat_refused:
            return self.env._(
                "refused on %(date)s",
                date=format_date(
                    self.env, customer.demat_refused_date, date_format="long"
                ),
            )
        return dict(customer._fields["demat_status"]._description_selection(self.env))[
            customer._demat_consent_withheld()
        ]

    def _demat_address_reason(self, partner):
        faults = partner._demat_email_faults()
        if faults:
            return self.env._(
                "No valid email address (%(faults)s)", faults="; ".join(faults)
            )
        return self.env._("No email address")

    def _demat_block_summary(self):
        """'Customer: reason; …' for these documents, each customer once."""
        by_customer = {document._demat_customer(): document for document in self}
        return "; ".join(
            self.env._(
                "%(customer)s: %(reason)s",
                customer=customer.display_name,
                reason=document._demat_block_reason(),
            )
            for customer, document in by_customer.items()
        )

    def _demat_mail_placeholder_values(self):
        """{"1": …, "5": …}: the values of FACTO's placeholders in this
        document's email text, formatted in the context's language."""
        self.ensure_one()
        env = self.env
        amount = ""
        if "amount_total" in self._fields and self.currency_id:
            amount = format_amount(env, self.amount_total, self.currency_id)
        day = self._demat_document_date()
        return {
            "1": self._demat_partner().name or "",
            "2": self.name or "",
            "3": self.company_id.name or "",
            "4": amount,
            "5": format_date(env, day, date_format="long") if day else "",
        }

    def _demat_mail_subject(self):
        """The subject of this document's email, rendered in the context's
        language (called by the company's email template)."""
        return self._demat_mail_text()[0]

    def _demat_mail_body(self):
        """The body (Markup) of this document's email, as the subject."""
        return self._demat_mail_text()[1]

    def _demat_mail_text(self):
        self.ensure_one()
        # the language Odoo renders the email in: the customer's, unless
        # the database lacks it
        lang = self.env.lang
        if lang not in dict(self.env["res.lang"].get_installed()):
            lang = self._demat_partner()._demat_lang(self.company_id)
        DocumentType = self.env["facto.demat.document.type"].with_context(lang=lang)
        kind = self._demat_document_kind()
        document_type = DocumentType.search(
            [("company_id", "=", self.company_id.id), ("kind", "=", kind)], limit=1
        )
        if not document_type:
            # a company whose types are not made yet (19.0 also renders a
            # template on a document of any company when it is saved): the
            # standard text
            document_type = DocumentType.new(
                {"company_id": self.company_id.id, "kind": kind}
            )
            document_type.mail_subject, document_type.mail_body = (
                document_type._default_text()
            )
        return document_type._render(self.with_context(lang=lang))

    def _demat_installed_lang(self, lang):
        """`lang` (a language code, or False for the context's) when the
        database has it; else the language rule's for this document's
        partner (`res.partner._demat_lang`: its company's). Templates and
        reports render in it: a language set by SQL or an import and not
        installed never stops a send."""
        self.ensure_one()
        if not lang or lang in dict(self.env["res.lang"].get_installed()):
            return lang
        return self._demat_partner()._demat_lang(self.company_id)

    def _demat_mend_langs(self):
        """Give the partners these documents go to (their partner, its
        company, the contacts they are emailed to) whose language the
        database lacks the language rule's (`res.partner._demat_lang`:
        their company's), and say so in each partner's chatter. Odoo keeps
        every contact's language installed (it refuses to remove one in
        use), and every road that sends a document reads it (PDF,
        electronic invoice, emails): one set by SQL or an import would stop
        the send, and a queued batch with it."""
        installed = dict(self.env["res.lang"].get_installed())
        for document in self.filtered(lambda document: document._demat_partner()):
            partners = (
                document._demat_partner()
                | document._demat_partner().commercial_partner_id
                | document._demat_default_recipients()
            ).sudo()
            for partner in partners.filtered(
                lambda partner: partner.lang and partner.lang not in installed
            ):
                missing = partner.lang
                partner.lang = partner._demat_lang(document.company_id)
                # 18.0 reads the recipients' languages by SQL
                partner.flush_recordset(["lang"])
                partner.message_post(
                    body=Markup("<p>%s</p>")
                    % self.env._(
                        "The language %(missing)s is not installed in this "
                        "database: this contact's language is now "
                        "%(lang)s, so that documents can be sent to it.",
                        missing=missing,
                        lang=installed[partner.lang],
                    ),
                    message_type="notification",
                    subtype_xmlid="mail.mt_note",
                )

    def _demat_mail_template(self, default, kind=None):
        """The email text of this document's type (or `kind`) for its
        company, or `default` (Odoo's) while nobody customised it."""
        self.ensure_one()
        return (
            self.env["facto.demat.document.type"]._mail_template(
                self.company_id, kind or self._demat_document_kind()
            )
            or default
        )

    def _demat_note_held_back(self):
        """Say in each document's chatter that it was not emailed, and why;
        consent facts themselves live in the evidence trail, not here."""
        for document in self:
            document._demat_post_note(
                self.env._(
                    "Not emailed to the customer (%(reason)s): this document "
                    "goes on paper.",
                    reason=document._demat_block_reason(),
                )
            )

    def _demat_restrict_mail(self, mail):
        """Keep, among the recipients of `mail` (a mail.mail of this
        document, not sent yet: made from a template by code, a server
        action or an automation rule), only those the rule allows, and say
        the others in the chatter. An email left with nobody is cancelled;
        when the customer may not be emailed, the note says the document
        goes on paper, as the send wizard and the composer do."""
        self.ensure_one()
        to, cc = parse_addresses(mail.email_to), parse_addresses(mail.email_cc)
        left_out, addresses_left_out = self._demat_left_out(
            mail.recipient_ids, [address.email or address.text for address in to + cc]
        )
        if not left_out and not addresses_left_out:
            return
        left_out_ids = {partner.id for partner in left_out}

        def kept_text(addresses):
            return ", ".join(
                address.text
                for address in addresses
                if (address.email or address.text) not in addresses_left_out
            )

        mail.write(
            {
                "recipient_ids": [
                    Command.unlink(partner.id)
                    for partner in mail.recipient_ids
                    if partner.id in left_out_ids
                ],
                "email_to": kept_text(to),
                "email_cc": kept_text(cc),
            }
        )
        if mail.recipient_ids or mail.email_to or mail.email_cc:
            self._demat_note_left_out({**left_out, **addresses_left_out})
            return
        mail.cancel()
        if self._demat_email_blocked():
            self._demat_note_held_back()
        else:
            self._demat_note_left_out({**left_out, **addresses_left_out})

    def _demat_note_left_out(self, left_out):
        """Say in the chatter which recipients ({partner: reason}) this
        document was not emailed to."""
        self._demat_post_note(
            self.env._(
                "Not emailed to %(recipients)s.",
                recipients=self._demat_name_left_out(left_out),
            )
        )

    def _demat_name_left_out(self, left_out):
        """'Name (reason); …' of the recipients left out ({partner or
        address: reason})."""
        return "; ".join(
            self.env._(
                "%(name)s (%(reason)s)",
                name=getattr(recipient, "display_name", recipient),
                reason=reason,
            )
            for recipient, reason in left_out.items()
        )

    def _demat_addresses_left_out(self, addresses):
        """{address: reason} of the addresses (typed without a contact) this
        document may not be emailed to: not valid, or the customer's own
        (its contacts' included) while its consent is withheld."""
        self.ensure_one()
        customer = self._demat_customer()
        withheld = (
            self._demat_consent_reason(customer)
            if customer.demat_refused
            else self._demat_withheld_reason(customer)
        )
        own = set()
        if withheld:
            contacts = customer.search([("commercial_partner_id", "=", customer.id)])
            own = {
                email for contact in contacts for email in valid_emails(contact.email)
            }
        left_out = {}
        for address in addresses:
            if not valid_emails(address or ""):
                left_out[address] = self.env._("No valid email address")
            elif address in own:
                left_out[address] = withheld
        return left_out

    def _demat_post_note(self, text):
        self.ensure_one()
        self.with_context(demat_noting=True).message_post(
            body=Markup("<p>%s</p>") % text,
            message_type="notification",
            subtype_xmlid="mail.mt_note",
        )
