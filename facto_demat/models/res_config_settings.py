from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    demat_consent_policy = fields.Selection(
        related="company_id.demat_consent_policy", readonly=False
    )
    demat_grace_days = fields.Integer(
        related="company_id.demat_grace_days", readonly=False
    )
