from odoo import api, fields, models


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

    def _create_company_template(self):
        # EXTENDS 'facto_demat': Inventory sends the company's delivery text.
        # Only an invoicing manager gets here (action_edit_email checks it);
        # the company's settings are theirs to change for this field alone.
        result = super()._create_company_template()
        if self.kind == "delivery":
            self.company_id.sudo().stock_mail_confirmation_template_id = (
                self.mail_template_id
            )
        return result
