from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import ormcache

from ..tools.html_text import sanitised, sanitised_translations
from ..tools.odoo_versions import declare_sql_constraints
from ..tools.placeholders import PLACEHOLDER_NAMES, fill, inert, inert_html
from ..tools.process_fields import check_user_values

# The order of FACTO's "Document types" list; other kinds come after.
KIND_ORDER = ("quotation", "order", "delivery", "invoice", "credit_note")
# The company's email template calls back its document type's text, so the
# text lives in one place, per language, and renders in the customer's.
SUBJECT_CALL = "{{ object._demat_mail_subject() }}"
BODY_CALL = '<div><t t-out="object._demat_mail_body()"/></div>'


class FactoDematDocumentType(models.Model):
    """A kind of document a company emails to customers, with the email
    text (subject and body, one per language) that carries it.

    The text has FACTO's placeholders: %1 the customer's name, %2 the
    document's reference, %3 the company's name, %4 the amount including
    taxes, %5 the document's date. Until an invoicing manager saves a text,
    Odoo's standard email template of the kind is sent; on that first save
    the company gets its own template, which renders this text.

    The lines are the process's own: made as superuser for the user's
    companies; invoicing managers write only their text and order.
    """

    _name = "facto.demat.document.type"
    _description = "Document type"
    _order = "company_id, sequence, id"

    kind = fields.Selection(
        selection=[("invoice", "Invoice"), ("credit_note", "Credit note")],
        string="Document type",
        required=True,
        readonly=True,
    )
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        index=True,
        default=lambda self: self.env.company,
    )
    mail_subject = fields.Char(
        string="Subject",
        translate=True,
        help="%1 the customer's name, %2 the document's reference, %3 the "
        "company's name, %4 the amount including taxes, %5 the document's date.",
    )
    # One whole text per language, sanitised by create, write and the
    # translation dialog (see tools/html_text.py)
    mail_body = fields.Html(
        string="Text",
        translate=True,
        sanitize=False,
        help="Same placeholders as the subject.",
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Company email template",
        readonly=True,
        copy=False,
        ondelete="restrict",
        help="Made when this text is first saved: Odoo's standard template "
        "(its sender, recipients and attachments) with this text.",
    )
    mail_text = fields.Selection(
        selection=[
            ("standard", "Odoo's standard text"),
            ("company", "The company's own text"),
        ],
        string="Email text",
        compute="_compute_mail_text",
    )
    preview_document = fields.Reference(
        selection="_selection_preview_document",
        string="Preview on",
        compute="_compute_preview_document",
        readonly=False,
        help="One of the company's documents of this type; the most recent "
        "one by default.",
    )
    preview_lang = fields.Selection(
        selection="_selection_preview_lang",
        string="Preview in",
        compute="_compute_preview_lang",
        readonly=False,
    )
    preview_subject = fields.Char(
        string="Subject in the preview", compute="_compute_preview"
    )
    preview_body = fields.Html(
        string="Preview", compute="_compute_preview", sanitize=False
    )

    declare_sql_constraints(
        locals(),
        kind_company_uniq=(
            "unique(kind, company_id)",
            "A company has one line per document type.",
        ),
    )

    # ------------------------------------------------------------------------
    # DEFAULT AND SELECTION METHODS
    # ------------------------------------------------------------------------

    @api.model
    def _selection_preview_document(self):
        models_in_use = {
            self._document_model(kind) for kind in self._default_template_xmlids()
        }
        return [
            (model, self.env["ir.model"]._get(model).name)
            for model in sorted(models_in_use)
        ]

    @api.model
    def _selection_preview_lang(self):
        return self.env["res.lang"].get_installed()

    # ------------------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------------------

    @api.depends("mail_template_id")
    def _compute_mail_text(self):
        for document_type in self:
            document_type.mail_text = (
                "company" if document_type.mail_template_id else "standard"
            )

    @api.depends("kind", "company_id")
    def _compute_preview_document(self):
        for document_type in self:
            document = document_type._recent_documents(limit=1)
            document_type.preview_document = (
                f"{document._name},{document.id}" if document else False
            )

    @api.depends("company_id")
    def _compute_preview_lang(self):
        for document_type in self:
            document_type.preview_lang = document_type.company_id.partner_id.lang

    @api.depends("mail_subject", "mail_body", "preview_document", "preview_lang")
    def _compute_preview(self):
        for document_type in self:
            document = document_type.preview_document
            if not document:
                document_type.preview_subject = False
                document_type.preview_body = False
                continue
            lang = document_type.preview_lang or self.env.lang
            if lang == self.env.lang:
                text = document_type  # the text as typed in the form
            else:
                text = document_type._origin.with_context(lang=lang)
            document_type.preview_subject, document_type.preview_body = text._render(
                document.with_context(lang=lang)
            )

    # ------------------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------------------

    @api.depends("kind")
    def _compute_display_name(self):
        labels = dict(self._fields["kind"]._description_selection(self.env))
        for document_type in self:
            document_type.display_name = labels.get(document_type.kind)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_user_values(self, vals)
        document_types = super().create(
            [sanitised(vals, "mail_body") for vals in vals_list]
        )
        document_types._set_default_texts()
        return document_types

    def write(self, vals):
        check_user_values(self, vals)
        result = super().write(sanitised(vals, "mail_body"))
        if vals.keys() & {"mail_subject", "mail_body"} and not self.env.context.get(
            "demat_default_text"
        ):
            self._create_company_templates()
        return result

    # ------------------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------------------

    @api.model
    def action_open_document_types(self):
        """Open the list, first adding the lines the user's companies lack
        (a new company, a bridge module installed since). Raise AccessError
        if the user may not read document types."""
        self.check_access("read")
        self.sudo()._create_missing(self.env.companies)
        return self.env["ir.actions.act_window"]._for_xml_id(
            "facto_demat.action_facto_demat_document_type"
        )

    def action_edit_email(self):
        """Open this type's email text; nothing is made until it is saved."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "facto_demat.action_facto_demat_document_type"
        )
        # within the list's action, so that reloading the page reopens it
        return {**action, "res_id": self.id, "views": [(False, "form")]}

    # ------------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------------

    def _update_field_translations(self, field_name, translations, digest=None, **kw):
        # EXTENDS 'base': the web client's translation dialog saves here, past
        # write()'s sanitising (then calls write(), which makes the template).
        if field_name == "mail_body":
            translations = sanitised_translations(translations)
        return super()._update_field_translations(
            field_name, translations, digest=digest, **kw
        )

    def _create_company_templates(self):
        """Give each of these types without one its company's own template:
        a copy of Odoo's standard one whose subject and body render this
        type's text. Called after the ORM checked the user may write here;
        the template is the process's own, so it is made as superuser."""
        templates_made = False
        for document_type in self.filtered(lambda line: not line.mail_template_id):
            standard = document_type._default_mail_template().sudo()
            template = standard.copy({"subject": SUBJECT_CALL, "body_html": BODY_CALL})
            # mail.template.copy() names the copy "... (copy)"
            template.name = self.env._(
                "%(document_type)s (%(company)s)",
                document_type=document_type.display_name,
                company=document_type.company_id.name,
            )
            document_type.sudo().mail_template_id = template
            templates_made = True
        if templates_made:
            self.env.registry.clear_cache()  # _mail_template_id

    def _set_default_texts(self):
        """The standard text of each type, in every installed language."""
        langs = [code for code, _name in self._selection_preview_lang()]
        for document_type in self:
            texts = {
                lang: document_type.with_context(lang=lang)._default_text()
                for lang in langs
            }
            for index, field_name in enumerate(("mail_subject", "mail_body")):
                document_type.with_context(
                    demat_default_text=True
                )._update_field_translations(
                    field_name, {lang: text[index] for lang, text in texts.items()}
                )

    def _default_text(self):
        """(subject, body) of this kind, in the context's language."""
        subject, document = self._default_text_parts()[self.kind]
        paragraphs = (
            self.env._("Hello %(customer)s,", **PLACEHOLDER_NAMES),
            self.env._("Please find attached %(document)s.", document=document),
            self.env._("Kind regards,"),
            "%3",
        )
        return subject, Markup("").join(
            Markup("<p>%s</p>") % line for line in paragraphs
        )

    @api.model
    def _default_text_parts(self):
        """{kind: (subject, what is attached)} of the standard texts, in the
        context's language, with FACTO's placeholders; bridge modules add
        their kinds."""
        names = PLACEHOLDER_NAMES
        return {
            "invoice": (
                self.env._("%(company)s - Invoice %(reference)s", **names),
                self.env._(
                    "our invoice %(reference)s of %(date)s, for %(amount)s", **names
                ),
            ),
            "credit_note": (
                self.env._("%(company)s - Credit note %(reference)s", **names),
                self.env._(
                    "our credit note %(reference)s of %(date)s, for %(amount)s", **names
                ),
            ),
        }

    def _recent_documents(self, limit):
        """The company's most recent documents of this kind."""
        self.ensure_one()
        model = self.env[self._document_model(self.kind)]
        return model.search(
            [
                ("company_id", "=", self.company_id.id),
                *model._demat_kind_domain(self.kind),
            ],
            order="id desc",
            limit=limit,
        )

    def _render(self, document):
        """(subject, body) of this type's text for `document`, in the
        context's language (the customer's, when Odoo renders an email).

        Both are inert: the text is written by invoicing managers and the
        values come from customers, neither of whom may write templates,
        yet Odoo's composers store what they rendered as template source
        (Save as template), so the template syntax in them stays text (see
        tools/placeholders.py)."""
        self.ensure_one()
        values = document._demat_mail_placeholder_values()
        return inert(fill(self.mail_subject or "", values)), inert_html(
            fill(self.mail_body or "", values, html=True)
        )

    @api.model
    def _mail_template(self, company, kind):
        """The company's own email template for this kind, if it has one."""
        return self.env["mail.template"].browse(
            self._mail_template_id(company.id, kind)
        )

    @api.model
    @ormcache("company_id", "kind")
    def _mail_template_id(self, company_id, kind):
        # Read for every document sent; changed only by _create_company_templates
        # (a template in use cannot be deleted).
        return (
            self.sudo()
            .search([("company_id", "=", company_id), ("kind", "=", kind)], limit=1)
            .mail_template_id.id
        )

    @api.model
    def _default_template_xmlids(self):
        """Odoo's standard email text of each kind; bridge modules add theirs."""
        return {
            "invoice": "account.email_template_edi_invoice",
            "credit_note": "account.email_template_edi_credit_note",
        }

    @api.model
    def _document_model(self, kind):
        """The model of this kind's documents."""
        return self.env.ref(self._default_template_xmlids()[kind]).model

    def _default_mail_template(self):
        self.ensure_one()
        return self.env.ref(self._default_template_xmlids()[self.kind])

    @api.model
    def _create_missing(self, companies):
        kinds = sorted(
            self._default_template_xmlids(),
            key=lambda kind: KIND_ORDER.index(kind) if kind in KIND_ORDER else 99,
        )
        existing = {
            (document_type.company_id, document_type.kind)
            for document_type in self.search([("company_id", "in", companies.ids)])
        }
        self.create(
            [
                {"company_id": company.id, "kind": kind, "sequence": sequence}
                for company in companies
                for sequence, kind in enumerate(kinds, start=1)
                if (company, kind) not in existing
            ]
        )
