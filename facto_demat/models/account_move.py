from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _notify_get_recipients(self, message, msg_vals, **kwargs):
        # EXTENDS 'mail': the customer follows its invoice; a customer who
        # may not be emailed gets no document by that road either.
        recipients = super()._notify_get_recipients(message, msg_vals, **kwargs)
        if (
            len(self) != 1
            or not self.is_sale_document(include_receipts=True)
            or self._demat_email_allowed()
        ):
            return recipients
        customer = self.commercial_partner_id
        blocked = (
            self.env["res.partner"]
            .sudo()
            .browse([r["id"] for r in recipients if r.get("notif") == "email"])
            .filtered(lambda partner: partner.commercial_partner_id == customer)
        )
        return [r for r in recipients if r["id"] not in blocked.ids]

    def _demat_email_allowed(self):
        """Whether this document may be emailed to its customer now."""
        self.ensure_one()
        return self._demat_customer().demat_allowed

    def _demat_email_blocked(self):
        """Whether consent or our stricter address check stops an email that
        Odoo would send (Odoo itself stops when there is no email at all)."""
        self.ensure_one()
        return bool(self.partner_id.email) and not self._demat_email_allowed()

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

    def _demat_customer(self):
        # Consent is read as superuser: whoever may send the document (the
        # send cron, an online payment) must obey it, even without the rights
        # to read consent fields.
        return self.commercial_partner_id.with_company(self.company_id).sudo()
