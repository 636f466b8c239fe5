from odoo import api, models
from odoo.exceptions import UserError

from ..tools.odoo_versions import ODOO_19


class AccountMoveSendBatchWizard(models.TransientModel):
    _inherit = "account.move.send.batch.wizard"

    @api.depends("move_ids")
    def _compute_summary_data(self):
        # EXTENDS 'account': the documents that go on paper because of the
        # consent rule are counted apart, with the reason.
        result = super()._compute_summary_data()
        for wizard in self:
            on_paper = wizard.move_ids.filtered(wizard._demat_goes_on_paper)
            if not on_paper:
                continue
            summary = dict(wizard.summary_data or {})
            for move in on_paper:
                for method in self._demat_counted_methods(move):
                    left = summary.get(method, {}).get("count", 0) - 1
                    if left > 0:
                        summary[method] = {**summary[method], "count": left}
                    else:
                        summary.pop(method, None)
            summary["facto_demat_paper"] = {
                "count": len(on_paper),
                "label": self.env._("on paper, not emailed"),
                "extra": f"({on_paper._demat_block_summary()})",
            }
            wizard.summary_data = summary
        return result

    def action_send_and_print(self, force_synchronous=False, allow_fallback_pdf=False):
        # EXTENDS 'account': documents that may not be emailed are printed
        # now, in one PDF, instead of going to the sending cron.
        self.ensure_one()
        to_print = self.move_ids.filtered(self._demat_goes_on_paper)
        if not to_print:
            return super().action_send_and_print(force_synchronous, allow_fallback_pdf)
        if self.alerts:  # a Json field: False when empty
            self._raise_danger_alerts(self.alerts)
        others = self.move_ids - to_print
        if len(others) > 1:
            self.move_ids = others
            super().action_send_and_print(force_synchronous, allow_fallback_pdf)
        elif others:
            # a batch wizard of one document fails in 19.0 (its alerts take
            # the single-document road): send it as the batch would
            self._demat_send_one(others, force_synchronous, allow_fallback_pdf)
        # The paper part never stops the email part: a document whose PDF
        # cannot be made is said in its chatter (Odoo's way) or here.
        failure = None
        try:
            with self.env.cr.savepoint():
                self.env["account.move.send"]._generate_and_send_invoices(
                    to_print,
                    allow_raising=False,
                    sending_methods={"manual"},
                    allow_fallback_pdf=allow_fallback_pdf,
                )
        except UserError as error:
            failure = error.args[0]
        printable = to_print.filtered("invoice_pdf_report_id")
        message = self.env._(
            "%(count)s document(s) may not be emailed (%(reasons)s): they are "
            "gathered in %%s to print.",
            count=len(to_print),
            reasons=to_print._demat_block_summary(),
        )
        links = [
            {
                "label": self.env._("one PDF"),
                "url": "/facto_demat/documents_to_print/"
                + ",".join(str(move_id) for move_id in printable.ids),
            }
        ]
        if not printable:
            message, links = message.replace("%s", "—"), []
        if to_print - printable:
            message += " " + self.env._(
                "The PDF of %(documents)s could not be made (%(reason)s).",
                documents=", ".join((to_print - printable).mapped("name")),
                reason=failure or self.env._("see their chatter"),
            )
        if others and not force_synchronous:
            message += " " + self.env._("The others are being sent in the background.")
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "warning",
                "sticky": True,
                "title": self.env._("Documents to print"),
                "message": message,
                "links": links,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _demat_counted_methods(self, move):
        """The methods Odoo's summary counts `move` under: its default ones
        (19.0: those applicable to it)."""
        methods = self._demat_sending_methods(move)
        if not ODOO_19:
            return methods
        settings = self._get_default_sending_settings(move)
        return {
            method
            for method in methods
            if self._is_applicable_to_move(method, move, **settings)
        }

    def _demat_goes_on_paper(self, move):
        if move._demat_einvoiced():
            return False  # the law decides its road: never paper
        if ODOO_19 and not move._demat_email_blocked():
            # 19.0 leaves a customer without any address to its own alert
            return False
        return bool(
            self._demat_sending_methods(move) & {"email", "manual"}
            and not move._demat_email_allowed()
        )

    def _demat_send_one(self, move, force_synchronous, allow_fallback_pdf):
        if force_synchronous:
            self.env["account.move.send"]._generate_and_send_invoices(
                move, allow_fallback_pdf=allow_fallback_pdf
            )
            return
        move.sending_data = {
            "author_user_id": self.env.user.id,
            "author_partner_id": self.env.user.partner_id.id,
        }
        self.env.ref("account.ir_cron_account_move_send")._trigger()
