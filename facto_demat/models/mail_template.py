from odoo import fields, models


class MailTemplate(models.Model):
    _inherit = "mail.template"

    facto_demat_document_type_ids = fields.One2many(
        "facto.demat.document.type", "mail_template_id", string="Document types"
    )
