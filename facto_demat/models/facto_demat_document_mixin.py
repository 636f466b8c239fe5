from markupsafe import Markup

from odoo import models


class FactoDematDocumentMixin(models.AbstractModel):
    """A document a customer may receive by email (invoice, quotation,
    delivery slip): emailed only when the customer's consent allows it.

    Models using it define `_demat_partner`, `_demat_is_customer_document`
    and `_demat_document_kind`, and list it first in `_inherit`: it extends
    `mail.thread`, so it must come before the model's own classes.
    """

    _name = "facto.demat.document.mixin"
    _inherit = ["mail.thread"]
    _description = "Document under dematerialisation consent"

    def _notify_get_recipients(self, message, msg_vals, **kwargs):
        # EXTENDS 'mail': the customer follows its documents; a customer who
        # may not be emailed gets no document by that road either.
        recipients = super()._notify_get_recipients(message, msg_vals, **kwargs)
        if (
            len(self) != 1
            or not self._demat_is_customer_document()
            or self._demat_email_allowed()
        ):
            return recipients
        customer = self._demat_customer()
        blocked = (
            self.env["res.partner"]
            .sudo()
            .browse([r["id"] for r in recipients if r.get("notif") == "email"])
            .filtered(lambda partner: partner.commercial_partner_id == customer)
        )
        return [r for r in recipients if r["id"] not in blocked.ids]

    def _notify_get_reply_to(self, default=None):
        # EXTENDS 'mail': customers answer documents to the company's sender
        # email, when it has one (else Odoo's catchall or default).
        reply_to = {}
        for record in self.sudo().filtered("id"):
            company = record.company_id or self.env.company
            sender = company._demat_reply_to()
            if sender and record._demat_is_customer_document():
                reply_to[record.id] = self._notify_get_reply_to_formatted_email(
                    sender, record.display_name, company=company
                )
        others = self.filtered(lambda record: record.id not in reply_to)
        if others or not self:
            reply_to.update(
                super(FactoDematDocumentMixin, others)._notify_get_reply_to(
                    default=default
                )
            )
        return reply_to

    def _demat_partner(self):
        """The partner the document is addressed to."""
        raise NotImplementedError()

    def _demat_is_customer_document(self):
        """Whether consent applies to this document (sent to a customer)."""
        raise NotImplementedError()

    def _demat_document_kind(self):
        """Key of this document's type (`facto.demat.document.type.kind`)."""
        raise NotImplementedError()

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

    def _demat_email_allowed(self):
        """Whether this document may be emailed to its customer now."""
        self.ensure_one()
        return self._demat_customer().demat_allowed

    def _demat_email_blocked(self):
        """Whether consent or our stricter address check stops an email that
        Odoo would send (Odoo itself stops when there is no email at all)."""
        self.ensure_one()
        return bool(self._demat_partner().email) and not self._demat_email_allowed()

    def _demat_block_reason(self):
        """Why this document may not be emailed, in a few words."""
        self.ensure_one()
        customer = self._demat_customer()
        status = customer.demat_status
        if status == "refused":
            return self.env._(
                "refused on %(date)s",
                date=customer.demat_refused_date.date(),
            )
        return dict(customer._fields["demat_status"]._description_selection(self.env))[
            status
        ]

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
            document.message_post(
                body=Markup("<p>%s</p>")
                % self.env._(
                    "Not emailed to the customer (%(reason)s): this document "
                    "goes on paper.",
                    reason=document._demat_block_reason(),
                ),
                message_type="notification",
                subtype_xmlid="mail.mt_note",
            )
