"""The base of the transports' tests, `MailTransportCase` (a mail server of
each transport, each sending to a local double), the mixin
`WebClientMixin` (buttons pressed as the web client does), and small
helpers. It needs only `mail`."""

import email
import email.policy
import json
import logging
import unittest
from contextlib import contextmanager
from unittest.mock import patch

from odoo import fields
from odoo.tests import TransactionCase
from odoo.tools import mute_logger

from ..tools.odoo_versions import ODOO_19
from .fake_servers import FakeMicrosoft, FakeSmtp

TRANSPORTS = ("smtp", "ews", "graph")
# Odoo logs, as an error with its traceback, each email a server refused.
ODOO_MAIL_LOG = "odoo.addons.mail.models.mail_mail"
QUEUE_FAILED = "Failed processing mail queue"


@contextmanager
def real_sending():
    """Let Odoo connect and send: under test it skips both (the servers here
    are local doubles, on 127.0.0.1). 19.0 asks ir.mail_server._disable_send
    (and would commit the mail queue without current_test)."""
    if ODOO_19:
        with patch(
            "odoo.addons.base.models.ir_mail_server.IrMail_Server._disable_send",
            classmethod(lambda cls: False),
        ):
            yield
    else:
        with patch("odoo.modules.module.current_test", None):
            yield


def build_email(env, *args):
    """ir.mail_server's message builder (build_email, 19.0: _build_email__)."""
    server = env["ir.mail_server"]
    return (server._build_email__ if ODOO_19 else server.build_email)(*args)


class WebClientMixin:
    """For HttpCase classes: what the web client sends."""

    def call_button(self, model, method, ids, expect_error=False):
        """Press a button as the web client does; its action, or its error."""
        response = self.url_open(
            f"/web/dataset/call_button/{model}/{method}",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "id": 0,
                    "params": {
                        "model": model,
                        "method": method,
                        "args": [ids],
                        "kwargs": {},
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        answer = response.json()
        if expect_error:
            return answer["error"]
        self.assertNotIn("error", answer)
        return answer["result"]


class MailTransportCase(TransactionCase):
    """A mail server of each transport (`servers`, by mode), each sending to
    a local double (`smtp`, `microsoft`), and a recipient."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.recipient = cls.env["res.partner"].create(
            {"name": "Hélène Marchand", "email": "helene@client.example.com"}
        )
        cls.microsoft = FakeMicrosoft()
        cls.addClassCleanup(cls.microsoft.stop)
        cls.smtp = FakeSmtp()
        cls.addClassCleanup(cls.smtp.stop)
        Server = cls.env["ir.mail_server"]
        exchange = {"mail_transport_mailbox": cls.microsoft.mailbox}
        cls.servers = {
            "smtp": cls.smtp_server("SMTP", cls.smtp.port),
            "ews": Server.create(
                {
                    "name": "Exchange",
                    "mail_transport_mode": "ews",
                    "mail_transport_ews_url": f"{cls.microsoft.url}/EWS/Exchange.asmx",
                    "mail_transport_ews_auth": "basic",
                    "smtp_user": "compta",
                    "smtp_pass": "s3cret",
                    **exchange,
                }
            ),
            "graph": Server.create(
                {
                    "name": "Microsoft 365",
                    "mail_transport_mode": "graph",
                    "mail_transport_tenant_id": "lambert",
                    "mail_transport_client_id": "odoo",
                    "mail_transport_client_secret": "s3cret",
                    "mail_transport_login_url": cls.microsoft.url,
                    "mail_transport_graph_url": f"{cls.microsoft.url}/v1.0",
                    **exchange,
                }
            ),
        }

    @classmethod
    def smtp_server(cls, name, port, **values):
        """An SMTP server on 127.0.0.1:`port`. The port is written after
        the creation, as OCA mail_environment keeps it only so; a server
        whose address the deployment's configuration imposes is skipped."""
        server = cls.env["ir.mail_server"].create(
            {
                "name": name,
                "mail_transport_mode": "smtp",
                "smtp_host": "127.0.0.1",
                **values,
            }
        )
        server.smtp_port = port
        if (server.smtp_host, server.smtp_port) != ("127.0.0.1", port):
            raise unittest.SkipTest(
                "the outgoing mail server is imposed by the configuration "
                "(server_environment [outgoing_mail])"
            )
        return server

    def setUp(self):
        super().setUp()
        for fake in (self.microsoft, self.smtp):
            fake.answers.clear()
            fake.received.clear()
        self.microsoft.check_answers.clear()
        self.microsoft.drip = None
        self.smtp.refuse.clear()
        self.smtp.greylist.clear()
        self.smtp.sender_reply = None
        self.smtp.max_size = None

    def fake(self, transport):
        return self.smtp if transport == "smtp" else self.microsoft

    def received(self, transport):
        return [
            email.message_from_bytes(mime, policy=email.policy.default)
            for _time, _transport, mime, _details in self.fake(transport).received
        ]

    def delivered_to(self, transport):
        return sorted(
            address.addr_spec
            for message in self.received(transport)
            for address in message["To"].addresses
        )

    def notifications(self, count):
        """`count` emails in the queue, each to the recipient."""
        return self.env["mail.mail"].create(
            [
                {
                    "subject": f"Avis {number}",
                    "body_html": f"<p>Avis {number}</p>",
                    "email_from": self.microsoft.mailbox,
                    "email_to": self.recipient.email,
                }
                for number in range(count)
            ]
        )

    def queue(self, addresses, auto_delete=False):
        """An email in the queue to each of `addresses`."""
        return self.env["mail.mail"].create(
            [
                {
                    "subject": f"Facture pour {address}",
                    "body_html": "<p>Votre facture</p>",
                    "email_from": self.microsoft.mailbox,
                    "email_to": address,
                    "auto_delete": auto_delete,
                }
                for address in addresses
            ]
        )

    def run_queue(self, mails, transport):
        mails.mail_server_id = self.servers[transport]
        with real_sending():
            self.env["mail.mail"].process_email_queue(mails.ids)

    def run_cron(self, mails, transport, times=1):
        """Run the mail queue as its cron does, `times` times, and check that
        it never fails as a whole."""
        records = []
        handler = logging.Handler()
        handler.emit = records.append
        logger = logging.getLogger(ODOO_MAIL_LOG)
        logger.addHandler(handler)
        try:
            with mute_logger(ODOO_MAIL_LOG):
                for _time in range(times):
                    self.run_queue(mails.exists(), transport)
        finally:
            logger.removeHandler(handler)
        self.assertFalse(
            [record for record in records if QUEUE_FAILED in record.getMessage()]
        )

    def time_passes(self, mails):
        """The next try of these deferred emails comes."""
        mails.exists().filtered("scheduled_date").scheduled_date = fields.Datetime.now()
