from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..tools.process_fields import check_user_values

PROFILE_FIELDS = (
    "demat_einvoicing_category",
    "demat_einvoicing_date",
    "demat_einvoicing_outside",
    "demat_einvoicing_copy",
    "demat_vat_on_debits_since",
    "demat_mentions_warn_only",
)


class FactoDematEinvoicingProfile(models.TransientModel):
    """The company's e-invoicing profile, as its accounting managers (who
    do not reach Odoo's settings) set it; the same fields as the
    Dematerialisation settings."""

    _name = "facto.demat.einvoicing.profile"
    _description = "E-invoicing profile of the company"

    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
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

    @api.model_create_multi
    def create(self, vals_list):
        # the related fields write the company at once: hold them back until
        # the manager applies them
        self._demat_check_manager()
        for vals in vals_list:
            # the company is the one the manager works in, never another
            check_user_values(self, vals)
        held = [
            {name: vals.pop(name) for name in PROFILE_FIELDS if name in vals}
            for vals in vals_list
        ]
        profiles = super().create(vals_list)
        for profile, values in zip(profiles, held, strict=True):
            profile._demat_write_company(values)
        return profiles

    def write(self, vals):
        self._demat_check_manager()
        check_user_values(self, vals)
        values = {name: vals.pop(name) for name in PROFILE_FIELDS if name in vals}
        result = super().write(vals) if vals else True
        for profile in self:
            profile._demat_write_company(values)
        return result

    def action_apply(self):
        """Close the form: the values are the company's once saved."""
        return {"type": "ir.actions.act_window_close"}

    def _demat_check_manager(self):
        if not self.env.user.has_group("account.group_account_manager"):
            raise AccessError(
                self.env._("Only accounting managers set the e-invoicing profile.")
            )

    def _demat_write_company(self, values):
        # after _demat_check_manager: the profile of a company the manager
        # works in (never one a default in the context names), which
        # accounting managers may not write through res.company
        if not values:
            return
        if self.company_id not in self.env.user.company_ids:
            raise AccessError(
                self.env._(
                    "You may set the e-invoicing profile of your own companies only."
                )
            )
        self.company_id.sudo().write(values)
