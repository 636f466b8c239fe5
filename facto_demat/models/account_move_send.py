from markupsafe import Markup

from odoo import api, models
from odoo.tools import find_in_path

from ..tools.letter_engine import renders_several_documents
from ..tools.odoo_versions import ODOO_19


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    if ODOO_19:

        @api.model
        def _get_default_sending_methods(self, move):
            # EXTENDS 'account' (19.0: a set)
            return self._demat_methods_by_rule(
                move, super()._get_default_sending_methods(move)
            )

    else:

        @api.model
        def _get_default_sending_method(self, move):
            # EXTENDS 'account' (18.0: one method; the copy of an e-invoice
            # is added by `_get_default_sending_settings`)
            return self._demat_method_by_rule(
                move, super()._get_default_sending_method(move)
            )

        @api.model
        def _get_default_sending_settings(
            self, move, from_cron=False, **custom_settings
        ):
            # EXTENDS 'account' (18.0): the e-invoice's copy beside it
            if "sending_methods" not in custom_settings and not (
                from_cron and "sending_methods" in (move.sending_data or {})
            ):
                custom_settings["sending_methods"] = self._demat_sending_methods(move)
            return super()._get_default_sending_settings(
                move, from_cron=from_cron, **custom_settings
            )

    @api.model
    def _demat_sending_methods(self, move):
        """The default sending methods of `move` (a set of keys such as
        "email", "manual", "peppol"), on 18.0 and 19.0."""
        if ODOO_19:
            return self._get_default_sending_methods(move)
        return self._demat_methods_by_rule(
            move, {self._get_default_sending_method(move)}
        )

    @api.model
    def _demat_methods_by_rule(self, move, methods):
        """`methods` (a set), as the law and consent have them for `move`.
        An invoice that must leave as an e-invoice goes by Odoo's e-invoicing
        (once: never again when it has left so, and never beside paper), or
        by nothing here when the company's platform is outside Odoo, with
        email only for its PDF copy. Another invoice goes on paper instead
        of email when its customer may not be emailed. (Without any email at
        all, Odoo's own alert already says so.)"""
        if not move.is_sale_document(include_receipts=True):
            return methods
        route = move._demat_invoice_route()
        if not route.einvoiced:
            if move._demat_email_blocked():
                if "email" in methods:
                    methods = (methods - {"email"}) | {"manual"}
                if "peppol" in methods:
                    methods -= {"manual"}  # an e-invoice leaves: no paper
            return methods
        # Odoo's e-invoicing is ticked when it can carry the invoice; when it
        # cannot (the company is not registered), its box would only open
        # Odoo's registration form, and the stop says what to do instead.
        methods = methods - {"email", "manual", "snailmail", "peppol"}
        if route.carrier == "odoo" and not move._demat_einvoice_sent():
            methods |= {"peppol"}
        if route.copy and move._demat_email_allowed():
            methods |= {"email"}
        return methods or {"manual"}

    @api.model
    def _demat_method_by_rule(self, move, method):
        """18.0's one default `method` (a key) for `move`, as the rule has it:
        the e-invoice when there is one."""
        methods = self._demat_methods_by_rule(move, {method})
        return min(methods, key=lambda key: key != "peppol")

    @api.model
    def _get_default_mail_template_id(self, move):
        # EXTENDS 'account': the email text of the document's type
        return move._demat_mail_template(super()._get_default_mail_template_id(move))

    @api.model
    def _get_default_mail_partner_ids(self, move, mail_template, mail_lang):
        # EXTENDS 'account': Odoo's invoice address receives the invoice,
        # and only the recipients the consent rule allows are proposed.
        # (19.0 leaves out a partner without email: its invoice contact is
        # then proposed all the same)
        partners = super()._get_default_mail_partner_ids(move, mail_template, mail_lang)
        customer = move.commercial_partner_id
        if move.partner_id in partners or not partners.filtered(
            lambda partner: partner.commercial_partner_id == customer
        ):
            partners = (partners - move.partner_id) | move._demat_default_recipients()
        return move._demat_recipients(partners)[0]

    @api.model
    def _prepare_invoice_pdf_report(self, invoices_data):
        # EXTENDS 'account': a wkhtmltopdf without patched Qt (Debian's)
        # renders one document per call; a batch would come out empty.
        if len(invoices_data) == 1 or renders_several_documents(
            find_in_path("wkhtmltopdf")
        ):
            return super()._prepare_invoice_pdf_report(invoices_data)
        for invoice, invoice_data in invoices_data.items():
            super()._prepare_invoice_pdf_report({invoice: invoice_data})
        return None

    @api.model
    def _is_applicable_to_move(self, method, move, **move_data):
        # EXTENDS 'account': email applies when the rule leaves a recipient,
        # who may be the invoice contact of a partner without email (18.0
        # asks for the partner's own email). 19.0 passes the move's sending
        # data, and then also asks that some recipient be left.
        if method != "email":
            return super()._is_applicable_to_move(method, move, **move_data)
        return move._demat_email_allowed() and (
            not move_data or super()._is_applicable_to_move(method, move, **move_data)
        )

    @api.model
    def _get_alerts(self, moves, moves_data):
        # EXTENDS 'account'
        alerts = super()._get_alerts(moves, moves_data)
        if "account_missing_email" in alerts and all(
            move.partner_id.email or move._demat_email_allowed()
            for move in moves
            if "email" in moves_data[move]["sending_methods"]
        ):
            del alerts["account_missing_email"]  # their invoice contacts have one
        blocked = moves.filtered(
            lambda move: (
                move._demat_email_blocked()
                and "peppol" not in moves_data[move]["sending_methods"]
            )
        )
        if blocked:
            alerts["facto_demat_email_not_allowed"] = self._demat_blocked_alert(
                moves, moves_data, blocked
            )
        alerts.update(self._demat_einvoicing_alerts(moves, moves_data))
        if len(moves) == 1 and not blocked:
            left_out = moves._demat_passed_over()
            if left_out and moves._demat_email_allowed():
                alerts["facto_demat_recipients_left_out"] = {
                    "level": "info",
                    "message": self.env._(
                        "Emailed to %(recipients)s only: not to %(left_out)s.",
                        recipients=", ".join(
                            moves._demat_default_recipients().mapped("display_name")
                        ),
                        left_out=moves._demat_name_left_out(left_out),
                    ),
                }
        return alerts

    @api.model
    def _send_mails(self, moves_data):
        # EXTENDS 'account': Odoo 18 emails only invoices whose partner has
        # an email (19 sends to the recipients); an invoice whose partner has
        # none goes to its invoice contact all the same.
        super()._send_mails(moves_data)
        if ODOO_19:
            return
        subtype = self.env.ref("mail.mt_comment")
        for move, move_data in moves_data.items():
            if move.partner_id.email or not move_data.get("mail_partner_ids"):
                continue
            mail_params = self._get_mail_params(move, move_data)
            if move_data.get("proforma_pdf_attachment"):
                attachment = move_data["proforma_pdf_attachment"]
                mail_params["attachments"].append((attachment.name, attachment.raw))
            template, lang = move_data["mail_template"], move_data["mail_lang"]
            self._send_mail(
                move,
                template,
                subtype_id=subtype.id,
                model_description=move.with_context(lang=lang).type_name,
                email_from=self._get_mail_default_field_value_from_template(
                    template, lang, move, "email_from"
                ),
                **mail_params,
            )

    @api.model
    def _generate_and_send_invoices(self, moves, *args, **kwargs):
        # EXTENDS 'account': the path of the send wizards, the batch and the
        # sending cron. A customer language the database lacks is fixed
        # first, so it does not stop the send (and the whole queue).
        # An invoice the law requires as an e-invoice, with no carrier, is
        # not sent (the wizards stop on their alert first). The sending cron
        # says why in the invoice's chatter and drops it from the queue.
        stops = {move: move._demat_einvoicing_stop() for move in moves}
        stopped = moves.filtered(lambda move: stops[move])
        for move in stopped:
            move._demat_post_note(stops[move])
        # not sent: an online payment marked them sent before this call
        stopped.write({"sending_data": False, "is_move_sent": False})
        moves -= stopped
        moves._demat_mend_langs()
        return super()._generate_and_send_invoices(moves, *args, **kwargs)

    @api.model
    def _hook_if_success(self, moves_data, *args, **kwargs):
        # EXTENDS 'account': the chatter tells what was held back and the
        # route each invoice took, before the email Odoo posts (which stays
        # the invoice's last message). 19.0 adds from_cron, which
        # snailmail_account passes positionally.
        held_back = self.env["account.move"].union(
            *(
                move
                for move, move_data in moves_data.items()
                if move._demat_email_blocked()
                and "peppol" not in move_data["sending_methods"]
            )
        )
        held_back._demat_note_held_back()
        for move, move_data in moves_data.items():
            if move.is_sale_document(include_receipts=True):
                move._demat_record_route(move_data["sending_methods"])
        return super()._hook_if_success(moves_data, *args, **kwargs)

    @api.model
    def _get_mail_params(self, move, move_data):
        # EXTENDS 'account': beside an e-invoice, the PDF is a copy, and says so
        params = super()._get_mail_params(move, move_data)
        if move._demat_einvoiced():
            lang_env = self.with_context(lang=move_data.get("mail_lang")).env
            params["subject"] = lang_env._(
                "Copy for information: %(subject)s", subject=params["subject"]
            )
            params["body"] = (
                Markup("<p><strong>%s</strong></p>")
                % lang_env._(
                    "Copy for information only: the invoice itself reaches you "
                    "through your approved e-invoicing platform."
                )
                + params["body"]
            )
        return params

    def _demat_einvoicing_alerts(self, moves, moves_data):
        """The alerts of the e-invoicing reform for `moves` sent with
        `moves_data` ({move: {"sending_methods": …}}): {key: alert}."""
        alerts = {}
        invoices = moves.filtered(
            lambda move: move.is_sale_document(include_receipts=True)
        )
        stops = [move._demat_einvoicing_stop() for move in invoices]
        stops = [stop for stop in stops if stop]
        if stops:
            alerts["facto_demat_einvoicing_stop"] = {
                "level": "danger",
                "message": "\n".join(stops),
            }
        mentions = [
            move._demat_mentions_sentence(missing)
            for move in invoices
            if not move._demat_mentions_required()
            and (missing := move._demat_missing_mentions())
        ]
        if mentions:
            alerts["facto_demat_mentions_missing"] = {
                "level": "warning",
                "message": "\n".join(mentions),
            }
        unticked = invoices.filtered(
            lambda move: (
                move._demat_invoice_route().carrier == "odoo"
                and not move._demat_einvoice_sent()
                and "peppol" not in moves_data[move]["sending_methods"]
            )
        )
        if unticked:
            alerts["facto_demat_einvoicing_unticked"] = {
                "level": "danger",
                "message": self.env._(
                    "%(invoices)s must go through the approved platform: tick it; "
                    "a PDF by email is only a copy.",
                    invoices=", ".join(unticked.mapped("display_name")),
                ),
            }
        if len(invoices) == 1:
            route = invoices._demat_invoice_route()
            if route.einvoiced or (route.route == "einvoicing" and route.since):
                alerts["facto_demat_einvoicing_route"] = {
                    "level": "info",
                    "message": invoices._demat_route_note(route),
                }
        return alerts

    def _demat_blocked_alert(self, moves, moves_data, blocked):
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
        return {
            "level": level,
            "message": message,
            "action_text": self.env._("View customer(s)"),
            "action": blocked.commercial_partner_id._get_records_action(
                name=self.env._("Customers who may not be emailed")
            ),
        }
