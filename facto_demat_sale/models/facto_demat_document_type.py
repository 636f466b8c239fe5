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

    @api.model
    def _default_text_parts(self):
        # EXTENDS 'facto_demat'
        _ = self.env._
        return {
            **super()._default_text_parts(),
            "quotation": (
                _("%3 - Quotation %2"),
                _("our quotation %2 of %5, for %4"),
            ),
            "order": (
                _("%3 - Order confirmation %2"),
                _("the confirmation of your order %2 of %5, for %4"),
            ),
        }
