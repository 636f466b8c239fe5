from odoo import api, fields, models


class FactoDematDocumentType(models.Model):
    _inherit = "facto.demat.document.type"

    kind = fields.Selection(
        selection_add=[("quotation", "Quotation"), ("order", "Sales order")],
        ondelete={"quotation": "cascade", "order": "cascade"},
    )

    @api.model
    def _default_template_xmlids(self):
        # EXTENDS 'facto_demat'
        return {
            **super()._default_template_xmlids(),
            "quotation": "sale.email_template_edi_sale",
            "order": "sale.mail_template_sale_confirmation",
        }
