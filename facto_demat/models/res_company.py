from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models

from ..tools.html_text import sanitised, sanitised_translations
from ..tools.odoo_versions import declare_sql_constraints

LETTER_TEXTS = ("demat_letter_body", "demat_letter_body_no_email")


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
    declare_sql_constraints(
        locals(),
        demat_grace_days_positive=(
            "CHECK(demat_grace_days >= 0)",
            "The notice period cannot be negative.",
        ),
    )

    @api.depends("email")
    def _compute_demat_sender_email(self):
        for company in self:
            company.demat_sender_email = company.demat_sender_email or company.email

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(
            [sanitised(vals, *LETTER_TEXTS) for vals in vals_list]
        )
        self.env["facto.demat.chain"]._create_heads(companies.ids)
        return companies

    def write(self, vals):
        return super().write(sanitised(vals, *LETTER_TEXTS))

    def _update_field_translations(self, field_name, translations, digest=None, **kw):
        # EXTENDS 'base': the translation dialog saves here, past write()'s
        # sanitising (the settings' dialog too: their fields are related).
        if field_name in LETTER_TEXTS:
            translations = sanitised_translations(translations)
        return super()._update_field_translations(
            field_name, translations, digest=digest, **kw
        )

    def _demat_letter_texts(self):
        """Subject, body, and body for customers without a valid address, of
        the letter in the context language."""
        self.ensure_one()
        return (
            self.demat_letter_subject
            or self.env._("Your invoices will now come by email"),
            self.demat_letter_body
            or Markup(
                # %1..%4 are FACTO's letter placeholders, filled per customer.
                self.env._(  # pylint: disable=translation-positional-used
                    "<p>Hello %1,</p>"
                    "<p>Our company %2 is dematerialising its invoices. From now on "
                    "you will receive your invoices by email at the address %3.</p>"
                    "<p>If you would like your invoices sent to another email "
                    "address, please contact us.</p>"
                    "<p>Should you refuse, please let us know as soon as possible by "
                    "writing to %4.</p>"
                )
            ),
            self.demat_letter_body_no_email
            or Markup(
                self.env._(  # pylint: disable=translation-positional-used
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

    def _demat_letter_deadline(self):
        """Latest letter date that satisfies the notice period, or None."""
        self.ensure_one()
        if not self.demat_grace_days:
            return None
        return fields.Datetime.now() - timedelta(days=self.demat_grace_days)
