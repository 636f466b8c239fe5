from odoo import fields, models


class FactoDematEinvoicingProfileMixin(models.AbstractModel):
    """The company's e-invoicing profile, as fields of a form about the
    company (`company_id`, the current one by default, as Odoo's settings
    have it): the Dematerialisation settings and the profile wizard of
    accounting managers."""

    _name = "facto.demat.einvoicing.profile.mixin"
    _description = "E-invoicing profile fields of a company form"

    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
    )

    demat_einvoicing_category = fields.Selection(
        related="company_id.demat_einvoicing_category", readonly=False
    )
    demat_einvoicing_date = fields.Date(
        related="company_id.demat_einvoicing_date", readonly=False
    )
    demat_einvoicing_outside = fields.Boolean(
        related="company_id.demat_einvoicing_outside", readonly=False
    )
    demat_einvoicing_channel = fields.Selection(
        related="company_id.demat_einvoicing_channel"
    )
    demat_einvoicing_copy = fields.Boolean(
        related="company_id.demat_einvoicing_copy", readonly=False
    )
    demat_vat_on_debits_since = fields.Date(
        related="company_id.demat_vat_on_debits_since", readonly=False
    )
    demat_mentions_warn_only = fields.Boolean(
        related="company_id.demat_mentions_warn_only", readonly=False
    )
