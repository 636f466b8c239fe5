from odoo import api, fields, models

from odoo.addons.facto_demat.tools.placeholders import PLACEHOLDER_NAMES


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
        names = PLACEHOLDER_NAMES
        return {
            **super()._default_text_parts(),
            "quotation": (
                self.env._("%(company)s - Quotation %(reference)s", **names),
                self.env._(
                    "our quotation %(reference)s of %(date)s, for %(amount)s", **names
                ),
            ),
            "order": (
                self.env._("%(company)s - Order confirmation %(reference)s", **names),
                self.env._(
                    "the confirmation of your order %(reference)s of %(date)s, "
                    "for %(amount)s",
                    **names,
                ),
            ),
        }
