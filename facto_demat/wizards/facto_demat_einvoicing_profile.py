from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..tools.process_fields import check_user_values


class FactoDematEinvoicingProfile(models.TransientModel):
    """The company's e-invoicing profile, as its accounting managers (who
    do not reach Odoo's settings) set it; the same fields as the
    Dematerialisation settings."""

    _name = "facto.demat.einvoicing.profile"
    _inherit = "facto.demat.einvoicing.profile.mixin"
    _description = "E-invoicing profile of the company"

    company_id = fields.Many2one(readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        # the related fields write the company at once: hold them back until
        # the manager applies them
        self._demat_check_manager()
        for vals in vals_list:
            # the company is the one the manager works in, never another
            check_user_values(self, vals)
        held = [
            {
                name: vals.pop(name)
                for name in self._demat_profile_fields()
                if name in vals
            }
            for vals in vals_list
        ]
        profiles = super().create(vals_list)
        for profile, values in zip(profiles, held, strict=True):
            profile._demat_write_company(values)
        return profiles

    def write(self, vals):
        self._demat_check_manager()
        check_user_values(self, vals)
        values = {
            name: vals.pop(name)
            for name in self._demat_profile_fields()
            if name in vals
        }
        result = super().write(vals) if vals else True
        for profile in self:
            profile._demat_write_company(values)
        return result

    def action_apply(self):
        """Close the form: the values are the company's once saved."""
        return {"type": "ir.actions.act_window_close"}

    def _demat_profile_fields(self):
        """The profile's fields the company holds: written to it at once."""
        mixin = self.env["facto.demat.einvoicing.profile.mixin"]
        return [name for name, field in mixin._fields.items() if field.related]

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
