from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import format_date

from ..tools.einvoicing import InvoiceRoute
from ..tools.pdf import merge_pdfs
from ..tools.process_fields import check_user_values
from .res_partner import EINVOICING_ROUTES

# How an invoice left, by the sending methods it was sent with
SENT_AS = [
    ("einvoice", "E-invoice"),
    ("einvoice_copy", "E-invoice, and a PDF copy by email"),
    ("outside", "Through the approved platform outside Odoo"),
    ("outside_copy", "Through the approved platform outside Odoo, and a PDF copy"),
    ("email", "PDF by email"),
    ("paper", "On paper"),
]


def line_names(lines, shown=3):
    """The first line of the names of the first `shown` invoice `lines`
    (account.move.line records), and how many more: a str."""
    names = [
        (line.name or line.product_id.display_name or "").partition("\n")[0]
        for line in lines[:shown]
    ]
    if len(lines) > shown:
        names.append(f"+{len(lines) - shown}")
    return ", ".join(names)


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["facto.demat.document.mixin", "account.move"]

    # What the law gave when the invoice was last sent: written by the send
    # road only (see `_demat_record_route`)
    demat_route = fields.Selection(
        EINVOICING_ROUTES, string="Invoicing route", readonly=True, copy=False
    )
    demat_route_reason = fields.Char(string="Why this route", readonly=True, copy=False)
    demat_route_siren = fields.Char(
        string="Customer SIREN used", readonly=True, copy=False
    )
    demat_route_since = fields.Date(
        string="Company issues e-invoices from", readonly=True, copy=False
    )
    demat_route_sent_as = fields.Selection(
        SENT_AS, string="Sent as", readonly=True, copy=False
    )

    # ------------------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_user_values(self, vals)
        return super().create(vals_list)

    def write(self, vals):
        check_user_values(self, vals)
        return super().write(vals)

    # ------------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------------

    def _demat_partner(self):
        return self.partner_id

    def _demat_is_customer_document(self):
        return self.is_sale_document(include_receipts=True)

    def _demat_document_kind(self):
        return "credit_note" if self.move_type == "out_refund" else "invoice"

    def _demat_document_date(self):
        return self.invoice_date

    @api.model
    def _demat_kind_domain(self, kind):
        move_type = "out_refund" if kind == "credit_note" else "out_invoice"
        return [("move_type", "=", move_type), ("state", "=", "posted")]

    def _demat_default_recipients(self):
        # Odoo's convention: the partner's invoice address, else the partner,
        # whichever has a valid address
        self.ensure_one()
        return self.partner_id._demat_document_recipient()[0]

    def _demat_passed_over(self):
        # the partner and its invoice address, when one is left out
        self.ensure_one()
        candidates = self.partner_id | self.partner_id._demat_invoice_address()
        return self._demat_recipients(candidates)[1]

    def _demat_print_pdf(self):
        """These invoices' PDFs in one file, in this order."""
        return merge_pdfs(
            move.invoice_pdf_report_id.raw
            for move in self
            if move.invoice_pdf_report_id
        )

    def _demat_invoice_route(self):
        """The route the law gives this invoice now (an InvoiceRoute). It
        has the customer's route in the invoice's company. It says whether
        the invoice must be an e-invoice: always for Chorus Pro; for a French
        business once the invoice date reaches the company's e-invoicing
        date. It names the carrier: Odoo's e-invoicing if it applies, else
        the company's platform outside Odoo, else none. It allows a PDF copy
        by email if the company sends copies and the customer did not
        refuse."""
        self.ensure_one()
        customer = self._demat_customer()
        company = self.company_id
        since = company.demat_einvoicing_date or None
        route = customer.demat_route
        einvoiced = route == "chorus_pro" or (
            route == "einvoicing"
            and company._demat_einvoicing_obliged(self._demat_invoice_day())
        )
        carrier = None
        if einvoiced:
            if self._demat_odoo_einvoicing_applies():
                carrier = "odoo"
            elif company.demat_einvoicing_outside:
                carrier = "outside"
        return InvoiceRoute(
            route=route,
            reason=customer.demat_route_reason,
            siren=customer.demat_siren or None,
            since=since,
            einvoiced=einvoiced,
            carrier=carrier,
            copy=einvoiced
            and company.demat_einvoicing_copy
            and not customer.demat_refused,
        )

    def _demat_invoice_day(self):
        """The date the law reads this invoice by: its invoice date, else
        today (a draft)."""
        return self.invoice_date or fields.Date.context_today(self)

    def _demat_odoo_einvoicing_applies(self):
        """Whether Odoo's e-invoicing method (account_peppol's, which Odoo's
        approved platform module carries) can send this invoice, or has: the
        method applies to it and the customer is found on the network."""
        if self._demat_einvoice_sent():
            return True
        if not self.company_id._demat_odoo_einvoicing():
            return False
        send = self.env["account.move.send"]
        methods = dict(
            self.env["res.partner"]._fields["invoice_sending_method"].selection
        )
        if "peppol" not in methods or not send._is_applicable_to_move("peppol", self):
            return False
        partner = self.partner_id.commercial_partner_id.with_company(self.company_id)
        return partner.peppol_verification_state == "valid"

    def _demat_einvoice_sent(self):
        """Whether Odoo's e-invoicing has sent this invoice already (waiting
        for reception, or received)."""
        return "peppol_move_state" in self._fields and self.peppol_move_state in (
            "processing",
            "done",
        )

    def _demat_einvoiced(self):
        # EXTENDS facto.demat.document.mixin
        return self._demat_invoice_route().einvoiced

    def _demat_withheld_reason(self, customer):
        # EXTENDS facto.demat.document.mixin: the PDF beside an e-invoice is a
        # copy, withheld only by a refusal (checked earlier) or the company's
        # setting.
        if not self._demat_einvoiced():
            return super()._demat_withheld_reason(customer)
        if not self.company_id.demat_einvoicing_copy:
            return self.env._("e-invoiced; the company emails no PDF copy")
        return False

    def _demat_email_blocked(self):
        # EXTENDS facto.demat.document.mixin: an e-invoice never goes on paper
        return not self._demat_einvoiced() and super()._demat_email_blocked()

    def _demat_einvoicing_stop(self):
        """Why this invoice may not be sent at all, in a sentence that says
        what to do; False when it may: it must leave as an e-invoice and
        nothing can carry it, or it leaves by email or on paper without a
        mandatory mention while the company must print them (and does not
        keep that a warning)."""
        self.ensure_one()
        route = self._demat_invoice_route()
        if not route.einvoiced:
            if self._demat_mentions_required() and (
                missing := self._demat_missing_mentions()
            ):
                return self._demat_mentions_sentence(missing)
            return False
        if route.carrier:
            return False
        if route.route == "chorus_pro":
            return self.env._(
                "%(invoice)s goes to a public-sector customer, who receives "
                "invoices through Chorus Pro only: register the company on "
                "Odoo's e-invoicing (Peppol reaches Chorus Pro) or deposit the "
                "invoice on the Chorus Pro portal, and say so in the "
                "Dematerialisation settings.",
                invoice=self.display_name,
            )
        return self.env._(
            "Since %(date)s, invoices to French businesses must go through an "
            "approved platform, and a PDF by email is not one (a €50 fine per "
            "invoice): %(customer)s (%(reason)s) cannot receive %(invoice)s "
            "through Odoo's e-invoicing (%(why)s). Register the company on "
            "Odoo's e-invoicing and check the customer on the network, or, if "
            "your invoices reach an approved platform another way, say so in "
            "the Dematerialisation settings.",
            date=format_date(self.env, route.since, date_format="long"),
            customer=self._demat_customer().display_name,
            reason=route.reason,
            invoice=self.display_name,
            why=self._demat_odoo_einvoicing_gap(),
        )

    def _demat_mentions_required(self):
        """Whether a missing mandatory mention stops this invoice (from the
        company's e-invoicing date, unless it keeps them a warning)."""
        company = self.company_id
        return not company.demat_mentions_warn_only and (
            company._demat_einvoicing_obliged(self._demat_invoice_day())
        )

    def _demat_missing_mentions(self):
        """The mandatory mentions (CGI annex II art. 242 nonies A, décret
        2022-1299) this invoice would lack on its PDF, by email or on paper,
        as a list of phrases; empty when none lacks, outside sale documents,
        for a company outside France, and for an e-invoice (its platform's
        flow carries them)."""
        self.ensure_one()
        if (
            not self.is_sale_document(include_receipts=True)
            or not self.company_id.demat_einvoicing_date
            or self._demat_einvoiced()
        ):
            return []
        customer = self._demat_customer()
        lines = self.invoice_line_ids.filtered(
            lambda line: line.display_type == "product"
        )
        missing = []
        if customer._demat_business_in_zone() and not customer.demat_siren:
            missing.append(
                self.env._(
                    "the customer's SIREN (%(customer)s has no valid SIREN or SIRET)",
                    customer=customer.display_name,
                )
            )
        if unscoped := lines.filtered(
            lambda line: not line.tax_ids.filtered("tax_scope")
        ):
            missing.append(
                self.env._(
                    "the operation type, goods, services or mixed (no tax of "
                    "%(lines)s says goods or services)",
                    lines=line_names(unscoped),
                )
            )
        shipping = self.partner_shipping_id
        goods = lines.filtered(
            lambda line: (
                "consu" in line.tax_ids.mapped("tax_scope")
                or line.product_id.type == "consu"
            )
        )
        if (
            goods
            and shipping
            and shipping != self.partner_id
            and not (shipping.street and shipping.zip and shipping.city)
        ):
            missing.append(
                self.env._(
                    "the delivery address (%(contact)s has no complete address)",
                    contact=shipping.display_name,
                )
            )
        since = self.company_id.demat_vat_on_debits_since
        if since and self._demat_invoice_day() >= since:
            on_payment = lines.filtered(
                lambda line: (
                    "service" in line.tax_ids.mapped("tax_scope")
                    or line.product_id.type == "service"
                )
            ).tax_ids.filtered(lambda tax: tax.tax_exigibility == "on_payment")
            if on_payment:
                missing.append(
                    self.env._(
                        "the option for VAT on debits (the company opted on "
                        "%(date)s, but %(taxes)s are due on payment)",
                        date=format_date(self.env, since, date_format="long"),
                        taxes=", ".join(on_payment.mapped("name")),
                    )
                )
        return missing

    def _demat_mentions_sentence(self, missing):
        """What the send wizards and the chatter say of the `missing`
        mentions (phrases of `_demat_missing_mentions`)."""
        return self.env._(
            "%(invoice)s lacks mandatory invoice mentions: %(mentions)s. "
            "Complete the customer, the taxes or the delivery address before "
            "sending it.",
            invoice=self.display_name,
            mentions="; ".join(missing),
        )

    def _demat_odoo_einvoicing_gap(self):
        """What keeps Odoo's e-invoicing from this invoice, in a few words."""
        company = self.company_id
        if "account_peppol_proxy_state" not in company._fields:
            return self.env._("the e-invoicing module is not installed")
        if not company._demat_odoo_einvoicing():
            return self.env._("the company is not registered")
        return self.env._("the customer is not found on the e-invoicing network")

    def _demat_route_note(self, route):
        """What the chatter says of the route an invoice leaves by."""
        text = self.env._(
            "Invoicing route: %(route)s (%(reason)s).",
            route=dict(self._fields["demat_route"]._description_selection(self.env))[
                route.route
            ],
            reason=route.reason,
        )
        if route.route == "einvoicing" and route.since and not route.einvoiced:
            text += " " + self.env._(
                "Until %(date)s, the consent rule applies; from then on, the "
                "invoice goes through the approved platform.",
                date=format_date(self.env, route.since, date_format="long"),
            )
        return text

    def _demat_record_route(self, sending_methods):
        """Keep on this invoice the route it was just sent by, and say it in
        the chatter when the company falls under the French reform;
        `sending_methods` (a set) are the methods it was sent with."""
        self.ensure_one()
        route = self._demat_invoice_route()
        emailed = "email" in sending_methods and self._demat_email_allowed()
        if "peppol" in sending_methods or route.carrier:
            by_odoo = "peppol" in sending_methods or route.carrier == "odoo"
            sent_as = "einvoice" if by_odoo else "outside"
            sent_as += "_copy" if emailed else ""
        else:
            sent_as = "email" if emailed else "paper"
        values = {
            "demat_route": route.route,
            "demat_route_reason": route.reason,
            "demat_route_siren": route.siren,
            "demat_route_since": route.since,
            "demat_route_sent_as": sent_as,
        }
        # the send road, which checked the sender may send this invoice
        self.sudo().write(values)
        if not self.company_id.demat_einvoicing_date:
            return  # a company outside France: no word of French law
        self._demat_post_note(
            Markup("%s %s")
            % (
                self._demat_route_note(route),
                self.env._(
                    "Sent as: %(sent_as)s.",
                    sent_as=dict(
                        self._fields["demat_route_sent_as"]._description_selection(
                            self.env
                        )
                    )[sent_as],
                ),
            )
        )
