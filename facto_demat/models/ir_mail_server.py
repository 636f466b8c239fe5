import time
from urllib.parse import urlsplit

from odoo import fields, models, modules
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import mail_transport

SYSTEM = "base.group_system"
MICROSOFT_LOGIN = "https://login.microsoftonline.com"
MICROSOFT_GRAPH = "https://graph.microsoft.com/v1.0"


class IrMailServer(models.Model):
    _inherit = "ir.mail_server"

    transport = fields.Selection(
        selection=[
            ("smtp", "SMTP"),
            ("ews", "Exchange on premises (EWS)"),
            ("graph", "Microsoft 365 (Graph)"),
        ],
        string="Sending mode",
        default="smtp",
        required=True,
        help="Exchange Online no longer accepts EWS: use Microsoft Graph for "
        "Microsoft 365 and EWS for an Exchange server on premises.",
    )
    ews_url = fields.Char(
        string="EWS URL",
        help="For example https://mail.example.com/EWS/Exchange.asmx; empty to "
        "find it by autodiscover from the mailbox address.",
    )
    ews_auth = fields.Selection(
        selection=[
            ("ntlm", "NTLM"),
            ("basic", "Basic"),
            ("oauth2", "OAuth 2.0 (application)"),
        ],
        string="EWS authentication",
        default="ntlm",
    )
    ms_tenant_id = fields.Char(string="Tenant ID", groups=SYSTEM)
    ms_client_id = fields.Char(string="Application (client) ID", groups=SYSTEM)
    ms_client_secret = fields.Char(string="Client secret", groups=SYSTEM, copy=False)
    ms_login_url = fields.Char(
        string="Sign-in endpoint",
        default=MICROSOFT_LOGIN,
        groups=SYSTEM,
        help="Microsoft's, unless the tenant lives in a national cloud.",
    )
    ms_graph_url = fields.Char(
        string="Graph endpoint",
        default=MICROSOFT_GRAPH,
        groups=SYSTEM,
        help="Microsoft's, unless the tenant lives in a national cloud.",
    )
    send_as_mailbox = fields.Char(
        string="Mailbox",
        help="The Exchange mailbox the emails are sent from.",
    )
    save_sent_copy = fields.Boolean(
        string="Save a copy in Sent Items",
        default=True,
        help="Microsoft Graph always keeps one.",
    )
    max_per_minute = fields.Integer(
        string="Messages per minute",
        help="Most emails this server takes in a minute; the queue spaces them "
        "and keeps the rest for its next runs. Exchange Online takes 30 a "
        "minute per mailbox. 0: no limit.",
    )
    next_send_slot = fields.Float(
        readonly=True,
        copy=False,
        help="When this server may take its next email (epoch seconds).",
    )

    def connect(
        self,
        host=None,
        port=None,
        user=None,
        password=None,
        encryption=None,
        smtp_from=None,
        ssl_certificate=None,
        ssl_private_key=None,
        smtp_debug=False,
        mail_server_id=None,
        allow_archived=False,
    ):
        # EXTENDS 'base': a session of the server's transport, connected on
        # its first message, paced and deferring instead of failing.
        def odoo_connect():
            return super(IrMailServer, self).connect(
                host,
                port,
                user,
                password,
                encryption,
                smtp_from,
                ssl_certificate,
                ssl_private_key,
                smtp_debug,
                mail_server_id,
                allow_archived,
            )

        if modules.module.current_test or host:
            return odoo_connect()
        if mail_server_id:
            server = self.sudo().browse(mail_server_id)
            if not allow_archived and not server.active:
                return odoo_connect()  # Odoo says why
        else:
            server, smtp_from = self.sudo()._find_mail_server(smtp_from)
        if not server:
            return odoo_connect()
        return server._transport_session(odoo_connect, smtp_from)

    def send_email(self, message, *args, smtp_session=None, **kwargs):
        # EXTENDS 'base': without the mail queue to keep it for later, a
        # message the server cannot take now simply fails.
        try:
            return super().send_email(
                message, *args, smtp_session=smtp_session, **kwargs
            )
        except mail_transport.DeliveryDeferred as deferred:
            if smtp_session is not None:
                raise
            raise UserError(self._transport_sentences()["busy"]) from deferred

    def test_smtp_connection(self, autodetect_max_email_size=False):
        # EXTENDS 'base'
        exchange = self.filtered(lambda server: server.transport != "smtp")
        if not exchange:
            return super().test_smtp_connection(autodetect_max_email_size)
        for server in exchange:
            server._check_transport()
        if self - exchange:
            return super(IrMailServer, self - exchange).test_smtp_connection(
                autodetect_max_email_size
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": self.env._("Connection Test Successful!"),
                "type": "success",
                "sticky": False,
            },
        }

    def _check_transport(self):
        """Connect as the mail queue would; raise what went wrong in one
        sentence."""
        self.ensure_one()
        sentences = self._transport_sentences()
        session = self._transport_session(None, self.send_as_mailbox)
        try:
            session.check()
        except mail_transport.TransportError as error:
            raise UserError(str(error)) from error
        except mail_transport.Unreachable as error:
            raise UserError(sentences["unreachable"]) from error
        except mail_transport.ServerBusy as error:
            raise UserError(sentences["busy"]) from error
        finally:
            session.quit()

    def _transport_session(self, odoo_connect, smtp_from):
        """The session that sends this server's emails for one batch."""
        self.ensure_one()
        run_seconds = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("facto_demat.mail_run_seconds", 50)
        )
        common = {
            "server": self._transport_settings(),
            "pacer": mail_transport.Pacer(
                self.max_per_minute, self._read_send_slot, self._write_send_slot
            ),
            "deadline": time.time() + run_seconds,
            "sentences": self._transport_sentences(),
        }
        if self.transport == "smtp":
            return mail_transport.SmtpSession(
                connect=odoo_connect,
                smtp_from=smtp_from,
                from_filter=self.from_filter,
                **common,
            )
        session_class = {
            "ews": mail_transport.EwsSession,
            "graph": mail_transport.GraphSession,
        }[self.transport]
        return session_class(
            smtp_from=self.send_as_mailbox,
            from_filter=self.from_filter or self.send_as_mailbox,
            **common,
        )

    def _transport_settings(self):
        server = self.sudo()
        graph = urlsplit(server.ms_graph_url or MICROSOFT_GRAPH)
        return {
            "url": server.ews_url,
            "auth": server.ews_auth,
            "user": server.smtp_user,
            "password": server.smtp_pass,
            "tenant_id": server.ms_tenant_id,
            "client_id": server.ms_client_id,
            "client_secret": server.ms_client_secret,
            "login_url": (server.ms_login_url or MICROSOFT_LOGIN).rstrip("/"),
            "api_url": (server.ms_graph_url or MICROSOFT_GRAPH).rstrip("/"),
            "scope": f"{graph.scheme}://{graph.netloc}",
            "mailbox": server.send_as_mailbox,
            "save_copy": server.save_sent_copy,
        }

    def _transport_sentences(self):
        return {
            "credentials": self.env._(
                "The server refused the user name, the password or the client "
                "secret of %(server)s.",
                server=self.display_name,
            ),
            "mailbox": self.env._(
                "The account of %(server)s may not send as the mailbox %(mailbox)s.",
                server=self.display_name,
                mailbox=self.send_as_mailbox or "",
            ),
            "unreachable": self.env._(
                "The server of %(server)s does not answer: check its address and "
                "that it is running.",
                server=self.display_name,
            ),
            "busy": self.env._(
                "The server of %(server)s is busy and asks to try again later.",
                server=self.display_name,
            ),
        }

    def _read_send_slot(self):
        """This server's next free time for an email (see
        `mail_transport.Pacer`), locked until the transaction ends: workers
        sending through the same server take turns."""
        self.env.cr.execute(
            SQL(
                "SELECT next_send_slot FROM ir_mail_server WHERE id = %s "
                "FOR NO KEY UPDATE",
                self.id,
            )
        )
        return self.env.cr.fetchone()[0] or 0.0

    def _write_send_slot(self, slot):
        self.env.cr.execute(
            SQL(
                "UPDATE ir_mail_server SET next_send_slot = %s WHERE id = %s",
                slot,
                self.id,
            )
        )
        self.invalidate_recordset(["next_send_slot"])
