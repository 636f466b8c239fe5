from collections import Counter

import psycopg2.errors

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date, html2plaintext

from ..models.facto_demat_letter_run import (
    LETTER_PURPOSES,
    RUN_TEXT_FIELDS,
)
from ..tools.placeholders import LETTER_PLACEHOLDER

MAX_BODY_LENGTH = 20000
FILTERS = [
    "purpose",
    "partner_code_from",
    "partner_code_to",
    "invoice_date_from",
    "invoice_date_to",
    "include_already_sent",
    "include_without_email",
    "sort_by",
    "output",
    "include_response_link",
]


class FactoDematLetterWizard(models.TransientModel):
    """FACTO's "Lettre de dématérialisation": choose the customers, then print
    their letters to one PDF or email them."""

    _name = "facto.demat.letter.wizard"
    _description = "Dematerialisation letter"

    partner_ids = fields.Many2many(
        "res.partner",
        string="Selected customers",
        default=lambda self: self._default_partner_ids(),
    )
    purpose = fields.Selection(
        LETTER_PURPOSES,
        string="Letter",
        default="consent",
        required=True,
        help="Consent letter: customers may refuse documents by email "
        "(consumers, foreign customers, and French businesses until the "
        "company's e-invoicing date, each with their own text). E-invoicing "
        "information: tells French businesses that invoices reach them "
        "through their approved platform, nothing to refuse.",
    )
    partner_code_from = fields.Char(string="From customer code")
    partner_code_to = fields.Char(string="To customer code")
    invoice_date_from = fields.Date(string="Invoiced from")
    invoice_date_to = fields.Date(string="Invoiced until")
    include_already_sent = fields.Boolean(
        string="Customers already sent the letter",
        help="Also customers whose letter was already printed or emailed.",
    )
    include_without_email = fields.Boolean(
        string="Customers without email (print)",
        help="Also customers without a valid email address; their letters are printed.",
    )
    include_response_link = fields.Boolean(
        string="Answer link",
        default=True,
        help="Each letter carries a personal link (and, on paper, its QR code) "
        "to a page where the customer refuses, accepts, or gives another "
        "address.",
    )
    sort_by = fields.Selection(
        [("code", "Customer code"), ("name", "Customer name")],
        default="code",
        required=True,
    )
    output = fields.Selection(
        [("print", "Print"), ("email", "Email")], default="print", required=True
    )
    email_count = fields.Integer(string="Letters to email", compute="_compute_counts")
    print_count = fields.Integer(string="Letters to print", compute="_compute_counts")
    reform_left_out = fields.Text(
        string="Left out by the e-invoicing reform",
        compute="_compute_counts",
        help="Customers whose invoices the law sends through a platform, "
        "not by email with their consent: no letter for them.",
    )
    subject = fields.Char(default=lambda self: self._default_text("consent", 0))
    body = fields.Html(
        string="Letter text", default=lambda self: self._default_text("consent", 1)
    )
    body_no_email = fields.Html(
        string="Letter text without an address",
        default=lambda self: self._default_text("consent", 2),
        help="For the customers without a valid email address, whose letter "
        "is printed: it asks them for an address.",
    )
    business_subject = fields.Char(
        string="Subject to French businesses",
        default=lambda self: self._default_text("business", 0),
    )
    business_body = fields.Html(
        string="Text to French businesses",
        default=lambda self: self._default_text("business", 1),
        help="For French businesses before the company's e-invoicing date: "
        "invoices by email until then, then through their approved platform.",
    )
    information_subject = fields.Char(
        string="Information letter subject",
        default=lambda self: self._default_text("information", 0),
    )
    information_body = fields.Html(
        string="Information letter text",
        default=lambda self: self._default_text("information", 1),
    )
    text_summary = fields.Text(
        string="Texts used",
        compute="_compute_counts",
        help="How many customers get each letter text, by the route of their invoices.",
    )

    # ------------------------------------------------------------------------
    # DEFAULT AND SELECTION METHODS
    # ------------------------------------------------------------------------

    def _default_text(self, kind, index):
        return self.env.company._demat_letter_texts(kind)[index]

    def _default_partner_ids(self):
        if self.env.context.get("active_model") != "res.partner":
            return False
        return [Command.set(self.env.context.get("active_ids", []))]

    # ------------------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------------------

    @api.depends(*FILTERS, "partner_ids")
    def _compute_counts(self):
        for wizard in self:
            matching = wizard._matching_customers()
            left_out = wizard._reform_left_out(matching)
            emailed, printed = wizard._select_customers(matching - left_out)
            wizard.email_count = len(emailed)
            wizard.print_count = len(printed)
            wizard.reform_left_out = wizard._reform_left_out_text(left_out)
            wizard.text_summary = wizard._text_summary(
                wizard._letter_texts(emailed | printed)
            )

    # ------------------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------------------

    def action_confirm(self):
        self.ensure_one()
        emailed, printed = self._check_and_select()
        run = self._create_run(emailed, printed)
        run._start()
        return {
            "type": "ir.actions.act_window",
            "res_model": run._name,
            "res_id": run.id,
            "view_mode": "form",
            "target": "current",
        }

    # ------------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------------

    def _select_customers(self, customers=None):
        """Customers to email and customers to print, each in the chosen
        order, among `customers` (by default those the filters match, less
        those `_reform_left_out` leaves out). Refused customers, those
        already in a run still sending, and those whose invoices the law
        sends through a platform are left out."""
        self.ensure_one()
        if customers is None:
            customers = self._matching_customers()
            customers -= self._reform_left_out(customers)
        if self.sort_by == "code":
            customers = customers.sorted(lambda c: (c.ref or "", c.name or "", c.id))
        else:
            customers = customers.sorted(
                lambda c: ((c.name or "").casefold(), c.ref or "", c.id)
            )
        with_email = customers.filtered("demat_email")
        if self.purpose == "information":
            # no document by email to a customer who refused them
            with_email = with_email.filtered(lambda c: not c.demat_refused)
        reachable = customers if self.include_without_email else with_email
        if self.output == "email":
            return with_email, reachable - with_email
        return customers.browse(), reachable

    def _matching_customers(self):
        """The customers the filters match (for a consent letter, not
        refused; not in a run still sending), in no order."""
        # the company's own customers and the shared ones, never another
        # company's; consent flags are read in the current company
        domain = [
            ("parent_id", "=", False),
            ("company_id", "in", [False, self.env.company.id]),
        ]
        if self.partner_ids:
            domain.append(("id", "in", self.partner_ids.commercial_partner_id.ids))
        else:
            domain.append(("customer_rank", ">", 0))
        if self.purpose == "consent":
            domain.append(("demat_refused", "!=", True))
            if not self.include_already_sent:
                domain.append(("demat_letter_sent", "!=", True))
        elif not self.include_already_sent:
            domain.append(("id", "not in", self._informed_customer_ids()))
        if self.invoice_date_from or self.invoice_date_to:
            domain.append(("id", "in", self._invoiced_customer_ids()))
        busy = self.env["facto.demat.letter.run.line"].search(
            [("state", "in", ("pending", "queued"))]
        )
        if busy:
            domain.append(("id", "not in", busy.partner_id.ids))
        customers = self.env["res.partner"].search(domain)
        # Codes are compared as text, as FACTO does, whatever the collation;
        # a customer without a code is in no range.
        low, high = self.partner_code_from, self.partner_code_to
        if low or high:
            customers = customers.filtered(
                lambda c: (
                    c.ref and (not low or c.ref >= low) and (not high or c.ref <= high)
                )
            )
        return customers

    def _informed_customer_ids(self):
        """The customers the company already sent the information letter."""
        lines = self.env["facto.demat.letter.run.line"].search(
            [
                ("letter_text", "=", "information"),
                ("state", "=", "done"),
                ("run_id.company_id", "=", self.env.company.id),
            ]
        )
        return lines.partner_id.ids

    def _letter_texts(self, customers):
        """Which letter text each of `customers` gets: {customer: a key of
        `LETTER_TEXT_KINDS`}. A French business without a valid address
        gets the consent letter's text that asks for one (its page asks for
        its SIREN all the same)."""
        if self.purpose == "information":
            return dict.fromkeys(customers, "information")
        businesses = self._french_businesses(customers.filtered("demat_email"))
        return {
            customer: "business" if customer in businesses else "consent"
            for customer in customers
        }

    @api.model
    def _french_businesses(self, customers):
        """The `customers` who must receive e-invoices: on the e-invoicing
        route, or French businesses whose SIREN is missing or invalid (the
        letter asks them for it)."""
        return customers.filtered(
            lambda customer: (
                customer.demat_route == "einvoicing"
                or (
                    customer.demat_route == "consent"
                    and customer._demat_business_in_zone()
                )
            )
        )

    def _text_summary(self, texts):
        """How many customers get each letter text (`texts`: see
        `_letter_texts`), in words; False when they all get the same."""
        labels = dict(
            self.env["facto.demat.letter.run.line"]
            ._fields["letter_text"]
            ._description_selection(self.env)
        )
        counts = Counter(texts.values())
        if len(counts) < 2:
            return False
        return "\n".join(
            self.env._("%(text)s: %(count)s", text=labels[kind], count=count)
            for kind, count in counts.items()
        )

    def _reform_left_out(self, customers):
        """The `customers` whose invoices the law sends through a platform
        and to whom this letter does not speak: for a consent letter,
        public-sector customers (Chorus Pro) and French businesses once the
        company issues e-invoices; for an information letter, every customer
        but French businesses."""
        if self.purpose == "information":
            return customers - self._french_businesses(customers)
        company = self.env.company
        obliged = company._demat_einvoicing_obliged(fields.Date.context_today(self))
        public = customers.filtered(lambda c: c.demat_route == "chorus_pro")
        return public | (self._french_businesses(customers) if obliged else public)

    def _reform_left_out_text(self, left_out):
        """How many customers the filters match this letter leaves out
        (`left_out`, see `_reform_left_out`), by route, and why, in words;
        False when none."""
        self.ensure_one()
        if self.purpose == "information":
            return left_out and self.env._(
                "%(count)s customer(s) other than French businesses: the "
                "information letter is for French businesses only.",
                count=len(left_out),
            )
        lines = []
        einvoiced = left_out.filtered(lambda c: c.demat_route != "chorus_pro")
        if einvoiced:
            lines.append(
                self.env._(
                    "%(count)s French business(es): since %(date)s, the company's "
                    "invoices reach them through their approved platform. Tell "
                    "them with the e-invoicing information letter.",
                    count=len(einvoiced),
                    date=format_date(
                        self.env,
                        self.env.company.demat_einvoicing_date,
                        date_format="long",
                    ),
                )
            )
        public = left_out - einvoiced
        if public:
            lines.append(
                self.env._(
                    "%(count)s public-sector customer(s): invoices reach them "
                    "through Chorus Pro.",
                    count=len(public),
                )
            )
        return "\n".join(lines) or False

    def _invoiced_customer_ids(self):
        domain = [
            ("state", "=", "posted"),
            ("move_type", "in", ("out_invoice", "out_refund")),
            ("company_id", "=", self.env.company.id),
        ]
        if self.invoice_date_from:
            domain.append(("invoice_date", ">=", self.invoice_date_from))
        if self.invoice_date_to:
            domain.append(("invoice_date", "<=", self.invoice_date_to))
        groups = self.env["account.move"]._read_group(domain, ["commercial_partner_id"])
        return [partner.id for (partner,) in groups]

    def _check_and_select(self):
        """Refuse bad input with a message the user can act on."""
        company = self.env.company
        if self.purpose == "information" and not company.demat_einvoicing_date:
            raise UserError(
                self.env._(
                    "The company has no e-invoicing date (its profile): the "
                    "information letter is for French businesses once it "
                    "issues e-invoices."
                )
            )
        if self.purpose == "information" and not company._demat_einvoicing_obliged(
            fields.Date.context_today(self)
        ):
            raise UserError(
                self.env._(
                    "The information letter tells French businesses that "
                    "invoices now reach them through their approved platform: "
                    "the company issues e-invoices only from %(date)s. Until "
                    "then, they get their own text in the consent letter.",
                    date=format_date(
                        self.env, company.demat_einvoicing_date, date_format="long"
                    ),
                )
            )
        if (
            self.invoice_date_from
            and self.invoice_date_to
            and self.invoice_date_from > self.invoice_date_to
        ):
            raise UserError(self.env._("The invoice dates are reversed."))
        if (
            self.partner_code_from
            and self.partner_code_to
            and self.partner_code_from > self.partner_code_to
        ):
            raise UserError(self.env._("The customer codes are reversed."))
        emailed, printed = self._select_customers()
        if not emailed and not printed:
            raise UserError(
                self.env._(
                    "No customer matches these filters: nobody would receive a letter."
                )
            )
        for kind in set(self._letter_texts(emailed | printed).values()):
            self._check_text(RUN_TEXT_FIELDS[kind][0], RUN_TEXT_FIELDS[kind][1])
        if emailed and not self.env.company.email:
            raise UserError(
                self.env._("The company has no email address to send the letters from.")
            )
        return emailed, printed

    def _check_text(self, subject_field, body_field):
        """Refuse an empty or overlong letter text, or one that names
        nobody (none of the placeholders), naming the text."""
        body = self[body_field] or ""
        label = self._fields[body_field].get_description(self.env)["string"]
        if not (self[subject_field] or "").strip():
            raise UserError(
                self.env._(
                    "The subject of the text %(text)s is empty.",
                    text=label,
                )
            )
        if len(body) > MAX_BODY_LENGTH:
            raise UserError(
                self.env._(
                    "The text %(text)s is too long (%(length)s characters, at "
                    "most %(maximum)s).",
                    text=label,
                    length=len(body),
                    maximum=MAX_BODY_LENGTH,
                )
            )
        if not html2plaintext(body).strip():
            raise UserError(self.env._("The text %(text)s is empty.", text=label))
        if not LETTER_PLACEHOLDER.search(str(body)):
            raise UserError(
                self.env._(
                    "The text %(text)s has none of the placeholders "
                    "%(placeholders)s: it would name neither the customer nor "
                    "the address their documents will be sent to.",
                    text=label,
                    placeholders="%1, %2, %3, %4, %5",
                )
            )

    def _create_run(self, emailed, printed):
        """The run of these customers' letters, as superuser (see the ACL):
        called only by `action_confirm` after `_check_and_select`."""
        ordered = [(partner, "email") for partner in emailed] + [
            (partner, "print") for partner in printed
        ]
        texts = self._letter_texts(emailed | printed)
        values = {name: self[name] for name in FILTERS}
        values.update(
            company_id=self.env.company.id,
            user_id=self.env.uid,
            **{
                name: self[name]
                for names in RUN_TEXT_FIELDS.values()
                for name in names
                if name
            },
            line_ids=[
                Command.create(
                    {
                        "sequence": sequence,
                        "partner_id": partner.id,
                        "output": output,
                        "email": partner.demat_email,
                        "letter_text": texts[partner],
                    }
                )
                for sequence, (partner, output) in enumerate(ordered)
            ],
        )
        try:
            with self.env.cr.savepoint():
                # Runs and letters are the process's own: nobody writes them
                # but this wizard, after its checks, and the letter process.
                run = self.env["facto.demat.letter.run"].sudo().create(values)
        except psycopg2.errors.UniqueViolation:
            raise UserError(
                self.env._(
                    "Some of these customers are already in a letter run started "
                    "at the same time. Open the letter runs, wait for it to "
                    "finish, then start again."
                )
            ) from None
        run._store_other_languages(self.env.company)
        return run
