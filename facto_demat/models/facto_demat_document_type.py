from odoo import api, fields, models
from odoo.tools import ormcache

# The order of FACTO's "Document types" list; other kinds come after.
KIND_ORDER = ("quotation", "order", "delivery", "invoice", "credit_note")


class FactoDematDocumentType(models.Model):
    """A kind of document a company emails to customers, with the email
    text (subject and body) that carries it."""

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
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Company email text",
        readonly=True,
        copy=False,
        ondelete="restrict",
        help="This company's own email text; Odoo's standard one until an "
        "invoicing manager edits it.",
    )
    mail_text = fields.Selection(
        selection=[
            ("standard", "Odoo's standard text"),
            ("company", "The company's own text"),
        ],
        string="Email text",
        compute="_compute_mail_text",
    )

    _sql_constraints = [
        (
            "kind_company_uniq",
            "unique(kind, company_id)",
            "A company has one line per document type.",
        )
    ]

    @api.depends("kind")
    def _compute_display_name(self):
        labels = dict(self._fields["kind"]._description_selection(self.env))
        for document_type in self:
            document_type.display_name = labels.get(document_type.kind)

    @api.depends("mail_template_id")
    def _compute_mail_text(self):
        for document_type in self:
            document_type.mail_text = (
                "company" if document_type.mail_template_id else "standard"
            )

    @api.model
    def action_open_document_types(self):
        """Open the list, first adding the lines the user's companies lack
        (a new company, a bridge module installed since)."""
        self._create_missing(self.env.companies)
        return self.env["ir.actions.act_window"]._for_xml_id(
            "facto_demat.action_facto_demat_document_type"
        )

    def action_edit_email(self):
        """Open this type's email text, making the company's own copy of
        Odoo's standard text (in every installed language) the first time."""
        self.ensure_one()
        self.check_access("write")
        if not self.mail_template_id:
            self._create_company_template()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._(
                "Email: %(document_type)s", document_type=self.display_name
            ),
            "res_model": "mail.template",
            "res_id": self.mail_template_id.id,
            "views": [
                (
                    self.env.ref("facto_demat.mail_template_view_form_document").id,
                    "form",
                )
            ],
            "target": "current",
        }

    def _create_company_template(self):
        self.env.registry.clear_cache()  # _mail_template_id
        template = self._default_mail_template().copy()
        # mail.template.copy() names the copy "... (copy)"
        template.name = self.env._(
            "%(document_type)s (%(company)s)",
            document_type=self.display_name,
            company=self.company_id.name,
        )
        self.mail_template_id = template

    @api.model
    def _mail_template(self, company, kind):
        """The company's own email text for this kind, if it has one."""
        return self.env["mail.template"].browse(
            self._mail_template_id(company.id, kind)
        )

    @api.model
    @ormcache("company_id", "kind")
    def _mail_template_id(self, company_id, kind):
        # Read for every document sent; changed only by _create_company_template
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
