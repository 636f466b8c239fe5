from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_date

from ..tools.einvoicing import CATEGORY_DATES, LATEST_DATE, in_einvoicing_zone
from ..tools.html_text import sanitised, sanitised_translations
from ..tools.odoo_versions import declare_sql_constraints

# Which letter text each customer gets (`facto.demat.letter.run.line`
# `letter_text`): the consent letter of consumers and foreign customers, and
# the two letters of French businesses, before and from the company's
# e-invoicing date. Each text's company fields: subject, body, and the body
# for a customer without a valid address (the consent letter only).
LETTER_TEXT_KINDS = [
    ("consent", "Consent letter"),
    ("business", "French businesses, before the e-invoicing date"),
    ("information", "French businesses, e-invoicing information"),
]
LETTER_TEXT_FIELDS = {
    "consent": (
        "demat_letter_subject",
        "demat_letter_body",
        "demat_letter_body_no_email",
    ),
    "business": ("demat_letter_business_subject", "demat_letter_business_body", None),
    "information": (
        "demat_letter_information_subject",
        "demat_letter_information_body",
        None,
    ),
}
LETTER_TEXTS = tuple(
    name
    for fields_ in LETTER_TEXT_FIELDS.values()
    for name in fields_[1:]
    if name is not None
)
# Odoo's access point states in which the company sends e-invoices
PEPPOL_SENDING_STATES = ("sender", "smp_registration", "receiver")


class ResCompany(models.Model):
    _inherit = "res.company"

    demat_consent_policy = fields.Selection(
        selection=[
            ("opt_out", "Accepted unless refused (opt-out)"),
            ("opt_in", "Only customers who accepted (opt-in)"),
        ],
        string="Dematerialisation consent",
        default="opt_out",
        required=True,
    )
    demat_grace_days = fields.Integer(
        string="Notice period (days)",
        help="Days after the dematerialisation letter before documents may be "
        "emailed to a customer who has not explicitly accepted. 0: no wait, and "
        "no letter needed.",
    )
    demat_letter_subject = fields.Char(
        string="Letter subject",
        translate=True,
        help="Subject of the dematerialisation letter; empty: the standard text.",
    )
    # One whole text per language, sanitised by create, write and the
    # translation dialog (see tools/html_text.py)
    demat_letter_body = fields.Html(
        string="Letter text",
        translate=True,
        sanitize=False,
        help="Text of the dematerialisation letter, with %1 the customer's name, "
        "%2 the company's name, %3 the address documents will be sent to and %4 "
        "the reply address; empty: the standard text.",
    )
    demat_letter_body_no_email = fields.Html(
        string="Letter text without an address",
        translate=True,
        sanitize=False,
        help="Text of the letter to customers without a valid email address "
        "(printed): it asks them for one. Same placeholders; empty: the "
        "standard text.",
    )
    demat_letter_business_subject = fields.Char(
        string="Letter subject to French businesses",
        translate=True,
        help="Subject of the letter to French businesses before the company's "
        "e-invoicing date; empty: the standard text.",
    )
    demat_letter_business_body = fields.Html(
        string="Letter text to French businesses",
        translate=True,
        sanitize=False,
        help="Text of the letter to French businesses before the company's "
        "e-invoicing date: invoices by email until then (they may refuse), "
        "then through their approved platform. Placeholders as in the "
        "consent letter, and %5 the company's e-invoicing date; empty: the "
        "standard text.",
    )
    demat_letter_information_subject = fields.Char(
        string="Information letter subject",
        translate=True,
        help="Subject of the letter telling French businesses that invoices "
        "now reach them through their approved platform; empty: the "
        "standard text.",
    )
    demat_letter_information_body = fields.Html(
        string="Information letter text",
        translate=True,
        sanitize=False,
        help="Text of the information letter to French businesses, from the "
        "company's e-invoicing date: no refusal to offer. Same placeholders; "
        "empty: the standard text.",
    )
    demat_letter_attach_pdf = fields.Boolean(
        string="Attach the letter as PDF",
        help="Emailed letters also carry the letter as a PDF attachment.",
    )
    demat_sender_email = fields.Char(
        string="Sender email",
        compute="_compute_demat_sender_email",
        store=True,
        readonly=False,
        help="The address customers answer to: Reply-To of the "
        "dematerialisation letter and of the documents sent by email, and %4 "
        "in the letter. The company's email unless set otherwise.",
    )
    demat_link_validity_days = fields.Integer(
        string="Answer links valid for (days)",
        default=90,
        help="How long the link in a letter lets the customer answer it.",
    )
    demat_anchor_email = fields.Char(
        string="Send evidence anchors to",
        help="Every day and at each letter run, the head of the evidence "
        "trail (its number of events and last seal) is emailed to this "
        "address, for example the accountant's, so that a copy lives outside "
        "Odoo's database.",
    )
    demat_einvoicing_category = fields.Selection(
        selection=[
            ("ge", "Large company (GE)"),
            ("eti", "Mid-size company (ETI)"),
            ("pme", "Small or medium-sized company (PME)"),
            ("micro", "Micro-enterprise"),
        ],
        string="Company size category",
        help="The category of décret 2008-1354, judged at 1 January 2025 on "
        "the last closed financial year: it sets the date from which the "
        "company must issue e-invoices (LF 2024 art. 91).",
    )
    demat_einvoicing_date = fields.Date(
        string="Issues e-invoices from",
        compute="_compute_demat_einvoicing_date",
        store=True,
        readonly=False,
        help="From this invoice date, invoices to French businesses go "
        "through an approved platform, never as a PDF by email: 1 September "
        "2026 for large and mid-size companies, 1 September 2027 for the "
        "others (and for every company whose size is not set). A company "
        "may start earlier.",
    )
    demat_einvoicing_outside = fields.Boolean(
        string="E-invoices through a platform outside Odoo",
        help="The company's invoices reach its approved platform another way "
        "than Odoo's own e-invoicing (its platform's portal or connector).",
    )
    demat_einvoicing_channel = fields.Selection(
        selection=[
            ("odoo", "Odoo's e-invoicing"),
            ("outside", "An approved platform outside Odoo"),
            ("none", "None yet"),
        ],
        string="E-invoices sent by",
        compute="_compute_demat_einvoicing_channel",
    )
    demat_einvoicing_copy = fields.Boolean(
        string="Email a PDF copy of e-invoices",
        default=True,
        help="Customers who receive their invoices through their approved "
        "platform and have not refused documents by email also get a PDF "
        "copy, marked as such.",
    )
    demat_vat_on_debits_since = fields.Date(
        string="VAT on debits opted for since",
        help="The date from which the company pays VAT on its services on "
        "debits (CGI art. 269-2-c): its invoices of services must then say "
        '"Option pour le paiement de la taxe d\'après les débits". Empty '
        "when it has not opted.",
    )
    demat_mentions_warn_only = fields.Boolean(
        string="Missing invoice mentions only warn",
        help="From the company's e-invoicing date, an invoice that lacks one "
        "of the mandatory mentions (customer's SIREN, operation type, "
        "delivery address, VAT on debits) is not sent by email or on paper; "
        "ticked, the send wizards only warn.",
    )
    declare_sql_constraints(
        locals(),
        demat_grace_days_positive=(
            "CHECK(demat_grace_days >= 0)",
            "The notice period cannot be negative.",
        ),
    )

    # ------------------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------------------

    @api.depends("email")
    def _compute_demat_sender_email(self):
        for company in self:
            company.demat_sender_email = company.demat_sender_email or company.email

    @api.depends("demat_einvoicing_category", "country_id", "zip")
    def _compute_demat_einvoicing_date(self):
        for company in self:
            if in_einvoicing_zone(company.country_id.code, company.zip):
                company.demat_einvoicing_date = company._demat_einvoicing_latest()
            else:
                company.demat_einvoicing_date = False

    @api.depends("demat_einvoicing_outside")
    @api.depends_context("company")
    def _compute_demat_einvoicing_channel(self):
        for company in self:
            if company._demat_odoo_einvoicing():
                company.demat_einvoicing_channel = "odoo"
            elif company.demat_einvoicing_outside:
                company.demat_einvoicing_channel = "outside"
            else:
                company.demat_einvoicing_channel = "none"

    # ------------------------------------------------------------------------
    # CONSTRAINT AND ONCHANGE METHODS
    # ------------------------------------------------------------------------

    @api.constrains("demat_einvoicing_date", "demat_einvoicing_category")
    def _check_demat_einvoicing_date(self):
        for company in self:
            latest = company._demat_einvoicing_latest()
            if company.demat_einvoicing_date and company.demat_einvoicing_date > latest:
                raise ValidationError(
                    self.env._(
                        "%(company)s must issue e-invoices from %(date)s at the "
                        "latest (its size category's date): it may start "
                        "earlier, never later.",
                        company=company.display_name,
                        date=format_date(self.env, latest, date_format="long"),
                    )
                )

    # ------------------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(
            [sanitised(vals, *LETTER_TEXTS) for vals in vals_list]
        )
        self.env["facto.demat.chain"]._create_heads(companies.ids)
        return companies

    def write(self, vals):
        return super().write(sanitised(vals, *LETTER_TEXTS))

    # ------------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------------

    def _update_field_translations(self, field_name, translations, digest=None, **kw):
        # EXTENDS 'base': the translation dialog saves here, past write()'s
        # sanitising (the settings' dialog too: their fields are related).
        if field_name in LETTER_TEXTS:
            translations = sanitised_translations(translations)
        return super()._update_field_translations(
            field_name, translations, digest=digest, **kw
        )

    def _demat_letter_texts(self, kind="consent"):
        """Subject (text), body and body for customers without a valid
        address (HTML, or None for a text that has no such variant) of the
        letter text `kind` (a key of `LETTER_TEXT_KINDS`), in the context
        language: the company's own, else the standard text."""
        self.ensure_one()
        subject_field, body_field, no_email_field = LETTER_TEXT_FIELDS[kind]
        subject, body, body_no_email = self._demat_standard_letter_texts(kind)
        return (
            self[subject_field] or subject,
            self[body_field] or body,
            no_email_field and (self[no_email_field] or body_no_email),
        )

    def _demat_standard_letter_texts(self, kind):
        """The standard subject, body and body without an address of the
        letter text `kind`, in the context language."""
        # %1..%5 are FACTO's letter placeholders, filled per customer.
        # pylint: disable=translation-positional-used
        if kind == "business":
            return (
                self.env._(
                    "Your invoices: by email, then through your approved platform"
                ),
                Markup(
                    self.env._(
                        "<p>Hello %1,</p>"
                        "<p>Our company %2 is dematerialising its invoices. Until "
                        "%5, you will receive them by email at the address %3; "
                        "should you refuse, please let us know by writing to "
                        "%4.</p>"
                        "<p>From %5, as the French e-invoicing reform requires, "
                        "our invoices will reach you as electronic invoices "
                        "through your approved platform (plateforme agréée), at "
                        "the address your company has in the e-invoicing "
                        "directory (annuaire). Please check that your company "
                        "has chosen its platform and is registered there, and "
                        "give us your SIREN if we do not have it.</p>"
                    )
                ),
                None,
            )
        if kind == "information":
            return (
                self.env._(
                    "Your invoices now reach you through your approved platform"
                ),
                Markup(
                    self.env._(
                        "<p>Hello %1,</p>"
                        "<p>As the French e-invoicing reform requires, since %5 "
                        "the invoices of our company %2 reach you as electronic "
                        "invoices through your approved platform (plateforme "
                        "agréée), at the address your company has in the "
                        "e-invoicing directory (annuaire).</p>"
                        "<p>Please check that your company is registered there "
                        "and give us your SIREN if we do not have it. Should you "
                        "also want a PDF copy by email, please write to %4.</p>"
                    )
                ),
                None,
            )
        return (
            self.env._("Your invoices will now come by email"),
            Markup(
                self.env._(
                    "<p>Hello %1,</p>"
                    "<p>Our company %2 is dematerialising its invoices. From now on "
                    "you will receive your invoices by email at the address %3.</p>"
                    "<p>If you would like your invoices sent to another email "
                    "address, please contact us.</p>"
                    "<p>Should you refuse, please let us know as soon as possible by "
                    "writing to %4.</p>"
                    "<p>The French e-invoicing reform does not change how you "
                    "receive our invoices.</p>"
                )
            ),
            Markup(
                self.env._(
                    "<p>Hello %1,</p>"
                    "<p>Our company %2 is dematerialising its invoices and would "
                    "like to send them to you by email, but we have no valid "
                    "email address for you.</p>"
                    "<p>Please give us the address to send your invoices to, "
                    "with the link below or by writing to %4. Until then, your "
                    "invoices will keep coming by post.</p>"
                )
            ),
        )

    def _demat_reply_to(self):
        """Address customers answer to (letters and documents)."""
        self.ensure_one()
        return self.demat_sender_email

    def _demat_odoo_einvoicing(self):
        """Whether the company sends e-invoices through Odoo: registered on
        Odoo's approved platform (l10n_fr_pdp) or its access point
        (account_peppol)."""
        self.ensure_one()
        if "l10n_fr_pdp_registered" in self._fields:
            return self.l10n_fr_pdp_registered
        return (
            "account_peppol_proxy_state" in self._fields
            and self.account_peppol_proxy_state in PEPPOL_SENDING_STATES
        )

    def _demat_einvoicing_latest(self):
        """The date the company's size category must issue e-invoices from
        (the latest for a company whose category is not set)."""
        self.ensure_one()
        return CATEGORY_DATES.get(self.demat_einvoicing_category, LATEST_DATE)

    def _demat_einvoicing_obliged(self, date):
        """Whether the company must issue e-invoices to French businesses for
        an invoice dated `date` (a date)."""
        self.ensure_one()
        return bool(self.demat_einvoicing_date and date >= self.demat_einvoicing_date)

    def _demat_letter_deadline(self):
        """Latest letter date that satisfies the notice period, or None."""
        self.ensure_one()
        if not self.demat_grace_days:
            return None
        return fields.Datetime.now() - timedelta(days=self.demat_grace_days)
