from odoo import api, fields, models

from odoo.addons.facto_demat.tools.placeholders import PLACEHOLDER_NAMES


class FactoDematDocumentType(models.Model):
    _inherit = "facto.demat.document.type"

    kind = fields.Selection(
        selection_add=[("delivery", "Delivery slip")],
        ondelete={"delivery": "cascade"},
    )

    @api.model
    def _default_template_xmlids(self):
        # EXTENDS 'facto_demat'
        return {
            **super()._default_template_xmlids(),
            "delivery": "stock.mail_template_data_delivery_confirmation",
        }

    def _default_mail_template(self):
        # EXTENDS 'facto_demat': Inventory keeps the delivery text per company
        if self.kind == "delivery":
            return self.company_id.stock_mail_confirmation_template_id or (
                super()._default_mail_template()
            )
        return super()._default_mail_template()

    @api.model
    def _default_text_parts(self):
        # EXTENDS 'facto_demat'
        return {
            **super()._default_text_parts(),
            "delivery": (
                self.env._(
                    "%(company)s - Delivery slip %(reference)s", **PLACEHOLDER_NAMES
                ),
                self.env._(
                    "the delivery slip %(reference)s of %(date)s", **PLACEHOLDER_NAMES
                ),
            ),
        }

    def _create_company_templates(self):
        # EXTENDS 'facto_demat': Inventory sends the company's delivery text.
        # Only a user who may write the document type gets here; the
        # company's settings are the process's to change for this field.
        result = super()._create_company_templates()
        for document_type in self.filtered(lambda line: line.kind == "delivery"):
            document_type.company_id.sudo().stock_mail_confirmation_template_id = (
                document_type.mail_template_id
            )
        return result
