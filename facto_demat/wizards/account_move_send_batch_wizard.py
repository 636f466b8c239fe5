from odoo import fields, models

from ..tools.pdf import merge_pdfs


class AccountMoveSendBatchWizard(models.TransientModel):
    _inherit = "account.move.send.batch.wizard"

    def action_send_and_print(self, force_synchronous=False, allow_fallback_pdf=False):
        # EXTENDS 'account': documents that may not be emailed are printed
        # now, in one PDF, instead of going to the sending cron.
        self.ensure_one()
        to_print = self.move_ids.filtered(self._demat_goes_on_paper)
        if not to_print:
            return super().action_send_and_print(force_synchronous, allow_fallback_pdf)
        self._raise_danger_alerts(self.alerts)
        others = self.move_ids - to_print
        if others:
            self.move_ids = others
            super().action_send_and_print(force_synchronous, allow_fallback_pdf)
        attachments = self.env["account.move.send"]._generate_and_send_invoices(
            to_print, sending_methods={"manual"}, allow_fallback_pdf=allow_fallback_pdf
        )
        pdf = self._demat_print_file(attachments)
        message = self.env._(
            "%(count)s document(s) may not be emailed (%(reasons)s): print them "
            "from %%s.",
            count=len(to_print),
            reasons=to_print._demat_block_summary(),
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
                "links": [
                    {"label": pdf.name, "url": f"/web/content/{pdf.id}?download=true"}
                ],
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _demat_goes_on_paper(self, move):
        return (
            self._get_default_sending_method(move) in ("email", "manual")
            and not move._demat_email_allowed()
        )

    def _demat_print_file(self, attachments):
        """One PDF of the documents' PDFs, for the user who sends them."""
        pdfs = attachments.filtered(lambda att: att.mimetype == "application/pdf")
        return self.env["ir.attachment"].create(
            {
                "name": self.env._(
                    "Documents to print %(date)s.pdf",
                    date=fields.Date.context_today(self),
                ),
                "raw": merge_pdfs(pdf.raw for pdf in pdfs),
                "mimetype": "application/pdf",
            }
        )
