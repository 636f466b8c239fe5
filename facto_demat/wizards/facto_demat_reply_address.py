from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools.email_address import valid_emails
from ..tools.process_fields import check_user_values


class FactoDematReplyAddress(models.TransientModel):
    """The address a customer asked for in reply to the letter, as the
    invoicing clerk types or picks it, applied only on their click."""

    _name = "facto.demat.reply.address"
    _description = "Apply the address requested in a reply to the letter"

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        readonly=True,
        ondelete="cascade",
        help="Given by the customer's button (the context's default).",
    )
    found_emails = fields.Text(
        string="Addresses in the reply",
        compute="_compute_found_emails",
        help="The valid addresses the customer's reply names, other than "
        "those its documents already go to and the company's own.",
    )
    email = fields.Char(
        string="New document address",
        compute="_compute_email",
        store=True,
        readonly=False,
        help="Where the customer's documents will go: its invoice contact's "
        "address (the contact is created when there is none).",
    )

    @api.depends("partner_id")
    def _compute_found_emails(self):
        for wizard in self:
            wizard.found_emails = "\n".join(wizard.partner_id._demat_reply_emails())

    @api.depends("partner_id")
    def _compute_email(self):
        for wizard in self:
            wizard.email = next(iter(wizard.partner_id._demat_reply_emails()), False)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_user_values(self, vals)
        return super().create(vals_list)

    def write(self, vals):
        check_user_values(self, vals)
        return super().write(vals)

    def action_apply(self):
        """Make the address typed the customer's document address, and close
        its reply's activity. AccessError outside invoicing; UserError
        unless the field holds exactly one valid address."""
        self.ensure_one()
        customer = self.partner_id.commercial_partner_id
        customer._demat_check_consent_rights()
        emails = valid_emails(self.email)
        if len(emails) != 1:
            raise UserError(
                self.env._("Type one valid email address, such as compta@example.com.")
            )
        customer._demat_apply_reply_address(emails[0])
