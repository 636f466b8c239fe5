import time
from urllib.parse import urlsplit

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.base.models.ir_mail_server import MailDeliveryException

from ..tools import mail_transport
from ..tools.odoo_versions import ODOO_19, sending_disabled

SYSTEM = "base.group_system"
MICROSOFT_LOGIN = "https://login.microsoftonline.com"
MICROSOFT_GRAPH = "https://graph.microsoft.com/v1.0"


class IrMailServer(models.Model):
    _inherit = "ir.mail_server"

    mail_transport_mode = fields.Selection(
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
    mail_transport_ews_url = fields.Char(
        string="EWS URL",
        help="For example https://mail.example.com/EWS/Exchange.asmx; empty to "
        "find it by autodiscover from the mailbox address.",
    )
    mail_transport_ews_auth = fields.Selection(
        selection=[
            ("ntlm", "NTLM"),
            ("basic", "Basic"),
            ("oauth2", "OAuth 2.0 (application)"),
        ],
        string="EWS authentication",
        default="ntlm",
    )
    mail_transport_tenant_id = fields.Char(string="Tenant ID", groups=SYSTEM)
    mail_transport_client_id = fields.Char(
        string="Application (client) ID", groups=SYSTEM
    )
    mail_transport_client_secret = fields.Char(
        string="Client secret", groups=SYSTEM, copy=False
    )
    mail_transport_login_url = fields.Char(
        string="Sign-in endpoint",
        default=MICROSOFT_LOGIN,
        groups=SYSTEM,
        help="Microsoft's, unless the tenant lives in a national cloud.",
    )
    mail_transport_graph_url = fields.Char(
        string="Graph endpoint",
        default=MICROSOFT_GRAPH,
        groups=SYSTEM,
        help="Microsoft's, unless the tenant lives in a national cloud.",
    )
    mail_transport_mailbox = fields.Char(
        string="Mailbox",
        help="The Exchange mailbox the emails are sent from.",
    )
    mail_transport_save_sent_copy = fields.Boolean(
        string="Save a copy in Sent Items",
        default=True,
        help="Microsoft Graph always keeps one.",
    )
    mail_transport_per_minute = fields.Integer(
        string="Messages per minute",
        help="Most emails this server takes in a minute; the queue spaces them "
        "and keeps the rest for its next runs. Exchange Online takes 30 a "
        "minute per mailbox. 0: no limit.",
    )
    mail_transport_next_slot = fields.Float(
        string="Next sending slot",
        readonly=True,
        copy=False,
        help="When this server may take its next email (epoch seconds).",
    )
    mail_transport_issue = fields.Text(
        string="Delivery problem",
        readonly=True,
        copy=False,
        help="Why the emails of this server wait, until one goes through.",
    )
    mail_transport_next_try = fields.Datetime(
        string="Next try", readonly=True, copy=False
    )
    mail_transport_waiting_count = fields.Integer(
        string="Waiting emails", compute="_compute_delivery_counts"
    )
    mail_transport_refused_count = fields.Integer(
        string="Refused emails", compute="_compute_delivery_counts"
    )

    # ------------------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------------------

    def _compute_delivery_counts(self):
        counts = {
            (server, state): count
            for server, state, count in self.env["mail.mail"]
            .sudo()
            ._read_group(
                [
                    ("mail_transport_server_id", "in", self.ids),
                    ("state", "in", ("outgoing", "exception")),
                ],
                ["mail_transport_server_id", "state"],
                ["__count"],
            )
        }
        for server in self:
            server.mail_transport_waiting_count = counts.get((server, "outgoing"), 0)
            server.mail_transport_refused_count = counts.get((server, "exception"), 0)

    # ------------------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------------------

    def write(self, vals):
        # Settings changed: the emails that waited for them go now.
        if self.filtered("mail_transport_issue") and not vals.keys() <= {
            "mail_transport_issue",
            "mail_transport_next_try",
            "mail_transport_next_slot",
        }:
            vals = {
                **vals,
                "mail_transport_issue": False,
                "mail_transport_next_try": False,
            }
            self.env.ref("mail.ir_cron_mail_scheduler_action")._trigger()
        return super().write(vals)

    # ------------------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------------------

    def action_view_waiting_mails(self):
        return self._mail_transport_mails_action("outgoing")

    def action_view_refused_mails(self):
        return self._mail_transport_mails_action("exception")

    # ------------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------------

    if ODOO_19:

        def _connect__(self, *args, **kwargs):
            # EXTENDS 'base' (19.0; `connect` in 18.0)
            return self._mail_transport_connect(super()._connect__, *args, **kwargs)

    else:

        def connect(self, *args, **kwargs):
            # EXTENDS 'base' (18.0)
            return self._mail_transport_connect(super().connect, *args, **kwargs)

    def _mail_transport_connect(
        self,
        connect_by_odoo,
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
        """A session of the server's transport, connected on its first
        message, paced and deferring instead of failing; Odoo's own SMTP
        session (`connect_by_odoo`, called with the other arguments) under
        tests, for a host given, or when no server of ours applies."""

        def odoo_connect():
            return connect_by_odoo(
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

        if sending_disabled(self.env) or host:
            return odoo_connect()
        if mail_server_id:
            server = self.sudo().browse(mail_server_id)
            if not allow_archived and not server.active:
                return odoo_connect()  # Odoo says why
        else:
            server, smtp_from = self.sudo()._find_mail_server(smtp_from)
        if not server:
            return odoo_connect()
        return server._mail_transport_session(odoo_connect, smtp_from)

    def send_email(self, message, *args, smtp_session=None, **kwargs):
        # EXTENDS 'base': a refusal says who refused what and why; without
        # the mail queue to keep it for later, a message the server cannot
        # take now simply fails.
        try:
            message_id = super().send_email(
                message, *args, smtp_session=smtp_session, **kwargs
            )
        except MailDeliveryException as error:
            refused = error.__context__
            if not isinstance(refused, mail_transport.MessageRefused):
                raise
            server = self.sudo().browse(refused.server_id)
            raise MailDeliveryException(
                server._mail_transport_sentence(refused.verdict)
            ) from refused
        except mail_transport.DeliveryDeferred as deferred:
            if smtp_session is not None:
                raise
            server = self.sudo().browse(deferred.server_id)
            raise UserError(
                server._mail_transport_sentence(deferred.verdict)
            ) from deferred
        taken = getattr(smtp_session, "delivered", {}).get(message_id)
        if taken:
            self.env["mail.mail"]._mail_transport_note_taken(taken)
        return message_id

    def test_smtp_connection(self, autodetect_max_email_size=False):
        # EXTENDS 'base': Exchange servers are tested by their transport; SMTP
        # ones by Odoo, and what went wrong is said as the mail queue says it.
        exchange = self.filtered(lambda server: server.mail_transport_mode != "smtp")
        for server in exchange:
            server._mail_transport_check()
        smtp = self - exchange
        if smtp:
            try:
                return super(IrMailServer, smtp).test_smtp_connection(
                    autodetect_max_email_size
                )
            except UserError as error:
                cause = error.__cause__
                verdict = mail_transport.classify(cause) if cause else None
                if verdict is None:
                    raise
                raise UserError(smtp[:1]._mail_transport_sentence(verdict)) from cause
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": self.env._("Connection Test Successful!"),
                "type": "success",
                "sticky": False,
            },
        }

    def _mail_transport_check(self):
        """Connect as the mail queue would; raise what went wrong in one
        sentence."""
        self.ensure_one()
        session = self._mail_transport_session(None, self.mail_transport_mailbox)
        try:
            session.check()
        except Exception as error:
            verdict = mail_transport.classify(error)
            if verdict is None:
                raise
            raise UserError(self._mail_transport_sentence(verdict)) from error
        finally:
            session.quit()

    def _mail_transport_session(self, odoo_connect, smtp_from):
        """The session that sends this server's emails for one batch."""
        self.ensure_one()
        parameters = self.env["ir.config_parameter"].sudo()
        run_seconds = float(
            parameters.get_param("mail_outbound_transport.run_seconds", 50)
        )
        common = {
            "server_id": self.id,
            "server": self._mail_transport_settings(),
            "pacer": mail_transport.Pacer(
                self.mail_transport_per_minute,
                self._mail_transport_read_slot,
                self._mail_transport_write_slot,
            ),
            "deadline": time.time() + run_seconds,
            "request_seconds": float(
                parameters.get_param("mail_outbound_transport.request_seconds", 30)
            ),
        }
        if self.mail_transport_mode == "smtp":
            return mail_transport.SmtpSession(
                connect=odoo_connect,
                smtp_from=smtp_from,
                from_filter=self.from_filter,
                **common,
            )
        session_class = {
            "ews": mail_transport.EwsSession,
            "graph": mail_transport.GraphSession,
        }[self.mail_transport_mode]
        return session_class(
            smtp_from=self.mail_transport_mailbox,
            from_filter=self.from_filter or self.mail_transport_mailbox,
            **common,
        )

    def _mail_transport_settings(self):
        server = self.sudo()
        graph = urlsplit(server.mail_transport_graph_url or MICROSOFT_GRAPH)
        return {
            "url": server.mail_transport_ews_url,
            "auth": server.mail_transport_ews_auth,
            "user": server.smtp_user,
            "password": server.smtp_pass,
            "tenant_id": server.mail_transport_tenant_id,
            "client_id": server.mail_transport_client_id,
            "client_secret": server.mail_transport_client_secret,
            "login_url": (server.mail_transport_login_url or MICROSOFT_LOGIN).rstrip(
                "/"
            ),
            "api_url": (server.mail_transport_graph_url or MICROSOFT_GRAPH).rstrip("/"),
            "scope": f"{graph.scheme}://{graph.netloc}",
            "mailbox": server.mail_transport_mailbox,
            "save_copy": server.mail_transport_save_sent_copy,
        }

    def _mail_transport_sentence(self, verdict):
        """What `verdict` (a `mail_transport.Verdict`) means, in a sentence
        for the user."""
        server = self.display_name
        recipients = ", ".join(verdict.recipients)
        kind = verdict.kind
        if kind == mail_transport.REFUSED and verdict.reason == "SMTPUTF8":
            return self.env._(
                "The server of %(server)s does not accept addresses with "
                "accents or other non-ASCII characters (no SMTPUTF8), so the "
                "email to %(recipients)s cannot go through it.",
                server=server,
                recipients=recipients,
            )
        if kind == mail_transport.REFUSED:
            return self.env._(
                "The server of %(server)s refused the email to %(recipients)s: "
                "%(reason)s",
                server=server,
                recipients=recipients,
                reason=verdict.reason,
            )
        if kind == mail_transport.LATER:
            return self.env._(
                "The server of %(server)s asks to try the email to "
                "%(recipients)s again later: %(reason)s",
                server=server,
                recipients=recipients,
                reason=verdict.reason,
            )
        if kind == mail_transport.BUSY:
            return self.env._(
                "The server of %(server)s is busy and asks to try again later "
                "(%(reason)s).",
                server=server,
                reason=verdict.reason,
            )
        if kind == mail_transport.DOWN:
            return self.env._(
                "The server of %(server)s does not answer (%(reason)s): check "
                "its address and that it is running.",
                server=server,
                reason=verdict.reason,
            )
        if verdict.blocked_by == "credentials":
            return self.env._(
                "The server of %(server)s refused the user name, the password "
                "or the client secret (%(reason)s).",
                server=server,
                reason=verdict.reason,
            )
        if verdict.blocked_by == "mailbox" and self.mail_transport_mode == "smtp":
            return self.env._(
                "The server of %(server)s refuses to send from %(sender)s "
                "(%(reason)s): check the sender email, and that the account "
                "may send from it.",
                server=server,
                sender=", ".join(verdict.recipients) or self.from_filter or "",
                reason=verdict.reason,
            )
        if verdict.blocked_by == "mailbox":
            return self.env._(
                "The account of %(server)s may not send as the mailbox "
                "%(mailbox)s (%(reason)s).",
                server=server,
                mailbox=self.mail_transport_mailbox
                or ", ".join(verdict.recipients)
                or self.from_filter
                or "",
                reason=verdict.reason,
            )
        return self.env._(
            "The server of %(server)s refuses every email (%(reason)s): check "
            "its settings.",
            server=server,
            reason=verdict.reason,
        )

    def _mail_transport_note_issue(self, sentence, next_try):
        """Say on the server why its emails wait (`sentence`), until
        `next_try` (a datetime, or False until the settings change)."""
        if (self.mail_transport_issue, self.mail_transport_next_try) != (
            sentence,
            next_try,
        ):
            self.sudo().write(
                {"mail_transport_issue": sentence, "mail_transport_next_try": next_try}
            )

    def _mail_transport_mails_action(self, state):
        """The list of this server's emails in `state`, for a user who may
        read the server (the web client's call_button checks nothing)."""
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "mail.action_view_mail_mail"
        )
        action["domain"] = [
            ("mail_transport_server_id", "=", self.id),
            ("state", "=", state),
        ]
        action["context"] = {}
        return action

    def _mail_transport_read_slot(self):
        """This server's next free time for an email (see
        `mail_transport.Pacer`), locked until the transaction ends: workers
        sending through the same server take turns."""
        self.env.cr.execute(
            SQL(
                "SELECT mail_transport_next_slot FROM ir_mail_server WHERE id = %s "
                "FOR NO KEY UPDATE",
                self.id,
            )
        )
        return self.env.cr.fetchone()[0] or 0.0

    def _mail_transport_write_slot(self, slot):
        self.env.cr.execute(
            SQL(
                "UPDATE ir_mail_server SET mail_transport_next_slot = %s WHERE id = %s",
                slot,
                self.id,
            )
        )
        self.invalidate_recordset(["mail_transport_next_slot"])
