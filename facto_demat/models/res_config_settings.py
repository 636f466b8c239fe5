from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    demat_consent_policy = fields.Selection(
        related="company_id.demat_consent_policy", readonly=False
    )
    demat_grace_days = fields.Integer(
        related="company_id.demat_grace_days", readonly=False
    )
    demat_letter_subject = fields.Char(
        related="company_id.demat_letter_subject", readonly=False
    )
    demat_letter_body = fields.Html(
        related="company_id.demat_letter_body", readonly=False
    )
    demat_letter_body_no_email = fields.Html(
        related="company_id.demat_letter_body_no_email", readonly=False
    )
    demat_letter_attach_pdf = fields.Boolean(
        related="company_id.demat_letter_attach_pdf", readonly=False
    )
    demat_sender_email = fields.Char(
        related="company_id.demat_sender_email", readonly=False
    )
    demat_link_validity_days = fields.Integer(
        related="company_id.demat_link_validity_days", readonly=False
    )
