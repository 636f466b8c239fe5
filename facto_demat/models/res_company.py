from datetime import timedelta

from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    demat_consent_policy = fields.Selection(
        selection=[
            ("opt_out", "Accepted unless refused (opt-out)"),
            ("opt_in", "Only customers who accepted (opt-in)"),
        ],
        string="Dematerialisation consent",
        default="opt_out",
        required=True,
    )
    demat_grace_days = fields.Integer(
        string="Notice period (days)",
        help="Days after the dematerialisation letter before documents may be "
        "emailed to a customer who has not explicitly accepted. 0: no wait, and "
        "no letter needed.",
    )
    demat_last_event_id = fields.Many2one(
        "facto.demat.event",
        string="Last evidence event",
        readonly=True,
        copy=False,
        groups="base.group_system",
        help="Head of this company's evidence chain; appending an event locks "
        "it, so that concurrent appends cannot fork the chain.",
    )

    _sql_constraints = [
        (
            "demat_grace_days_positive",
            "CHECK(demat_grace_days >= 0)",
            "The notice period cannot be negative.",
        )
    ]

    def _demat_letter_deadline(self):
        """Latest letter date that satisfies the notice period, or None."""
        self.ensure_one()
        if not self.demat_grace_days:
            return None
        return fields.Datetime.now() - timedelta(days=self.demat_grace_days)
