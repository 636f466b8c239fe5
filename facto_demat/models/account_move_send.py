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
    def _get_default_mail_template_id(self, move):
        # EXTENDS 'account': the email text of the document's type
        return move._demat_mail_template(super()._get_default_mail_template_id(move))

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
        blocked = moves.filtered(lambda move: move._demat_email_blocked())
        if not blocked:
            return alerts
        reasons = blocked._demat_block_summary()
        if len(moves) > 1:
            level = "warning"
            message = self.env._(
                "%(count)s document(s) may not be emailed (%(reasons)s): they "
                "are gathered in one PDF to print.",
                count=len(blocked),
                reasons=reasons,
            )
        else:
            emailing = "email" in moves_data[blocked]["sending_methods"]
            level = "danger" if emailing else "info"
            message = self.env._(
                "This document may not be emailed (%(reasons)s): download or "
                "post it instead.",
                reasons=reasons,
            )
        alerts["facto_demat_email_not_allowed"] = {
            "level": level,
            "message": message,
            "action_text": self.env._("View customer(s)"),
            "action": blocked.commercial_partner_id._get_records_action(
                name=self.env._("Customers who may not be emailed")
            ),
        }
        return alerts

    @api.model
    def _hook_if_success(self, moves_data):
        # EXTENDS 'account': the chatter tells what was held back
        result = super()._hook_if_success(moves_data)
        held_back = self.env["account.move"].union(
            *(move for move in moves_data if move._demat_email_blocked())
        )
        held_back._demat_note_held_back()
        return result
