from odoo import api, fields, models
from odoo.modules import module
from odoo.tools import SQL


class MailTransportAcceptance(models.Model):
    """An email a mail server took, written at once in a transaction of its
    own: when the transaction that sent it is lost before it counted the
    email sent (a worker killed, its database connection cut), the mail
    queue counts it then, instead of sending it again
    (`mail.mail._mail_transport_end_taken_before`). Deleted when the email is counted.

    Only a few milliseconds remain in which an email can leave twice: from
    the server's answer to this row's commit.
    """

    _name = "mail.transport.acceptance"
    _description = "Email taken by a mail server"
    _log_access = False

    mail_id = fields.Integer(string="Email", required=True, index=True, readonly=True)
    addresses = fields.Char(readonly=True, help="The addresses the server took.")

    @api.model
    def _record(self, mail_id, addresses):
        """Keep that the email `mail_id` was taken for `addresses` (a set),
        committed at once; under tests, in the test's transaction."""
        insert = SQL(
            "INSERT INTO mail_transport_acceptance (mail_id, addresses) "
            "VALUES (%s, %s)",
            mail_id,
            ",".join(sorted(addresses)),
        )
        if module.current_test:
            self.env.cr.execute(insert)
            return
        with self.env.registry.cursor() as cr:
            cr.execute(insert)

    @api.model
    def _taken(self, mail_ids):
        """{mail id: set of addresses taken} of these emails."""
        self.env.cr.execute(
            SQL(
                "SELECT mail_id, addresses FROM mail_transport_acceptance "
                "WHERE mail_id IN %s",
                tuple(mail_ids) or (0,),
            )
        )
        taken = {}
        for mail_id, addresses in self.env.cr.fetchall():
            taken.setdefault(mail_id, set()).update(filter(None, addresses.split(",")))
        return taken

    @api.model
    def _forget(self, mail_ids):
        self.env.cr.execute(
            SQL(
                "DELETE FROM mail_transport_acceptance WHERE mail_id IN %s",
                tuple(mail_ids) or (0,),
            )
        )
