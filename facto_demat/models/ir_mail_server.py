from odoo import models

from odoo.addons.mail_outbound_transport.tools.mail_transport import ascii_address

from ..tools.odoo_versions import ODOO_19


class IrMailServer(models.Model):
    _inherit = "ir.mail_server"

    # ------------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------------

    if ODOO_19:

        def _prepare_email_message__(self, message, smtp_session):
            # EXTENDS 'base' (19.0; `_prepare_email_message` in 18.0)
            return self._restrict_envelope(
                *super()._prepare_email_message__(message, smtp_session)
            )

    else:

        def _prepare_email_message(self, message, smtp_session):
            # EXTENDS 'base' (18.0)
            return self._restrict_envelope(
                *super()._prepare_email_message(message, smtp_session)
            )

    def _restrict_envelope(self, smtp_from, smtp_to_list, message):
        """Odoo's envelope (sender, recipients, message), its recipients
        narrowed: Odoo reads them in the To, Cc and Bcc headers, display
        names included; a letter or a customer document goes only to the
        addresses the add-on validated (see
        mail.mail._prepare_outgoing_list), each once."""
        allowed = self.env["mail.mail"]._demat_envelope(
            message["Message-Id"], smtp_to_list
        )
        if allowed is not None:
            smtp_to_list = list(
                {
                    ascii_address(address): address
                    for address in smtp_to_list
                    if ascii_address(address) in allowed
                }.values()
            )
            if not smtp_to_list:
                raise AssertionError(self.NO_VALID_RECIPIENT)
        return smtp_from, smtp_to_list, message
