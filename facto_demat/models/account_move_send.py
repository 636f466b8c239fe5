from odoo import api, models


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    @api.model
    def _get_default_sending_method(self, move):
        # EXTENDS 'account': a customer who may not be emailed gets paper.
        # (Without any email at all, Odoo's own alert already says so.)
        method = super()._get_default_sending_method(move)
        if method == "email" and move._demat_email_blocked():
            return "manual"
        return method

    @api.model
    def _is_applicable_to_move(self, method, move):
        # EXTENDS 'account'
        applicable = super()._is_applicable_to_move(method, move)
        if method == "email":
            return applicable and move._demat_email_allowed()
        return applicable

    @api.model
    def _get_alerts(self, moves, moves_data):
        # EXTENDS 'account'
        alerts = super()._get_alerts(moves, moves_data)
        blocked = moves.filtered(
            lambda move: (
                "email" in moves_data[move]["sending_methods"]
                and move._demat_email_blocked()
            )
        )
        if blocked:
            reasons = "; ".join(
                self.env._(
                    "%(customer)s: %(reason)s",
                    customer=move.commercial_partner_id.display_name,
                    reason=move._demat_block_reason(),
                )
                for move in blocked
            )
            alerts["facto_demat_email_not_allowed"] = {
                "level": "danger" if len(moves) == 1 else "warning",
                "message": self.env._(
                    "%(count)s document(s) may not be emailed and go on paper "
                    "instead (%(reasons)s).",
                    count=len(blocked),
                    reasons=reasons,
                ),
                "action_text": self.env._("View customer(s)"),
                "action": blocked.commercial_partner_id._get_records_action(
                    name=self.env._("Customers who may not be emailed")
                ),
            }
        return alerts
