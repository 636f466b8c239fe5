import contextlib
import email
import email.policy
import io
import json
import unittest
from contextlib import contextmanager
from unittest.mock import patch

import pikepdf

from odoo import fields
from odoo.tests import new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.base.tests.common import MockSmtplibCase

from ..tools.odoo_versions import ODOO_19
from .fake_servers import FakeMicrosoft, FakeSmtp

TRANSPORTS = ("smtp", "ews", "graph")
# Company settings of OCA modules that would refuse the data these tests
# create on purpose (invalid addresses, as real customer files hold them):
# partner_email_check, partner_ref_unique. Absent fields are left alone.
PEER_CHECKS_OFF = {
    "partner_email_check_syntax": False,
    "partner_email_check_filter_duplicates": False,
    "partner_email_check_check_deliverability": False,
    "partner_ref_unique": "none",
}


def neutralise_peer_checks(env):
    """Turn off, for the test's transaction, the address and code checks
    that other installed modules apply, on the test's company only (writing
    the main company would lock the row other tests' cursors append to)."""
    company = env.company.sudo()
    values = {
        name: value
        for name, value in PEER_CHECKS_OFF.items()
        if name in company._fields and company[name] != value
    }
    if values:
        company.write(values)


class MailSendingMixin(MockSmtplibCase):
    @contextmanager
    def mails_sent(self):
        """mail.mail.send() sends, to a mocked SMTP connection: 19.0's
        mail.mail._send does nothing under test (18.0's fakes the sending)."""
        if not ODOO_19:
            yield
            return
        with real_sending(), self.mock_smtplib_connection():
            yield


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


class DematCase(AccountTestInvoicingCommon, MailSendingMixin):
    """Customers in each consent situation, on the test company."""

    @classmethod
    def company_user(cls, login, groups):
        """A user of the test company alone, with these groups (xml ids,
        comma-separated)."""
        return new_test_user(
            cls.env,
            login=login,
            groups=groups,
            company_id=cls.env.company.id,
            company_ids=cls.env.company.ids,
        )

    def pdf_rendering(self):
        """A context where wkhtmltopdf may fetch its assets from this server
        (enter_test_mode in 18.0, allow_pdf_render in 19.0)."""
        if ODOO_19:
            return self.allow_pdf_render()
        if self.registry.test_cr is not None:  # an HttpCase is in it already
            return contextlib.nullcontext()
        return self.enter_test_mode()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        neutralise_peer_checks(cls.env)
        cls.Partner = cls.env["res.partner"]
        cls.Event = cls.env["facto.demat.event"]
        cls.customer = cls.Partner.create(
            {
                "name": "Boulangerie Martin",
                "is_company": True,
                "ref": "C0001",
                "email": "contact@boulangerie-martin.example",
            }
        )

    def flush_tracking(self):
        """Run pending tracking; records created in this transaction are not
        tracked until then."""
        self.env.flush_all()
        self.cr.flush()

    def run_letter_cron(self):
        """What the scheduler does: process the letter runs, as its user
        (19.0 runs it on a new cursor: the test's, in registry test mode)."""
        with self.registry_test_mode():
            self.env.ref("facto_demat.ir_cron_demat_letter_run").method_direct_trigger()

    def registry_test_mode(self):
        """New cursors reuse the test's (19.0's crons open one)."""
        if ODOO_19 and not type(self)._registry_patched:
            return self.enter_registry_test_mode()
        return contextlib.nullcontext()

    def events_of(self, partner):
        return self.Event.search([("partner_id", "=", partner.id)], order="sequence")

    def letter_line(self, customer):
        """The line of `customer` (by its code) in a new letter run by email,
        its email queued."""
        wizard = self.env["facto.demat.letter.wizard"].create(
            {
                "output": "email",
                "partner_code_from": customer.ref,
                "partner_code_to": customer.ref,
            }
        )
        run = self.env["facto.demat.letter.run"].browse(
            wizard.action_confirm()["res_id"]
        )
        return run.line_ids

    def emailed_letter(self, customer):
        """The line of the letter `customer` was just emailed (sent)."""
        line = self.letter_line(customer)
        with self.mails_sent():
            line.mail_ids.send()
        self.assertEqual(line.state, "done")
        self.assertTrue(customer.demat_letter_sent)
        return line


class SendCase(DematCase):
    """A customer in each situation that forbids email, and tools to send
    them documents the ways Odoo does."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.refused = cls.Partner.create(
            {"name": "Refuse SARL", "email": "non@refus.example", "demat_refused": True}
        )
        cls.no_address = cls.Partner.create({"name": "Sans adresse"})
        cls.invalid = cls.Partner.create(
            {"name": "Mauvaise adresse", "email": "compta@@mauvaise.example"}
        )
        cls.manager = cls.company_user("chef-compta", "account.group_account_manager")
        cls.DocumentType = cls.env["facto.demat.document.type"]
        cls.DocumentType.with_user(cls.manager).action_open_document_types()

    def document_type(self, kind):
        return self.DocumentType.search(
            [("company_id", "=", self.env.company.id), ("kind", "=", kind)]
        )

    def customise(self, kind, subject, lang="en_US"):
        """Have the invoicing manager save this type's email subject; the
        company's template that sends it."""
        document_type = self.document_type(kind).with_user(self.manager)
        document_type.with_context(lang=lang).mail_subject = subject
        return document_type.mail_template_id

    def assertProposesPaper(self, wizard):
        """The single send wizard proposes no email: 18.0 ticks "manual";
        19.0 never shows "manual" there, and ticks nothing (its button then
        only makes the PDF)."""
        self.assertEqual(wizard.sending_methods or [], [] if ODOO_19 else ["manual"])

    def run_send_cron(self):
        """Odoo's invoice sending cron, as the scheduler runs it."""
        with self.registry_test_mode():
            self.env.ref("account.ir_cron_account_move_send").method_direct_trigger()

    def invoice(self, partner, move_type="out_invoice"):
        return self.init_invoice(move_type, partner=partner, amounts=[100.0], post=True)

    def wizard(self, moves):
        model = (
            "account.move.send.wizard"
            if len(moves) == 1
            else "account.move.send.batch.wizard"
        )
        return (
            self.env[model]
            .with_context(active_model="account.move", active_ids=moves.ids)
            .create({})
        )

    def emails(self, move, partner=None):
        """The messages of `move` that were emailed (to `partner`)."""
        domain = [
            ("mail_message_id.model", "=", move._name),
            ("mail_message_id.res_id", "=", move.id),
            ("notification_type", "=", "email"),
        ]
        if partner:
            domain.append(("res_partner_id", "=", partner.id))
        return self.env["mail.notification"].search(domain).mail_message_id

    def post_to_follower(self, document, partner):
        """What a user does from the chatter: the customer follows the
        document and is sent a message on it."""
        document.message_subscribe(partner_ids=partner.ids)
        document.message_post(
            body="Voici votre document",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            partner_ids=partner.ids,
        )

    def held_back_notes(self, move):
        return move.message_ids.filtered(
            lambda message: "goes on paper" in message.body
        )


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


def add_groups(user, *xmlids):
    """Give `user` these groups (the field is group_ids in 19.0)."""
    field = "group_ids" if ODOO_19 else "groups_id"
    user.write(
        {field: [fields.Command.link(user.env.ref(xmlid).id) for xmlid in xmlids]}
    )


class TransportCase(DematCase):
    """A mail server of each transport, each sending to a local double."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.write(
            {
                "email": "contact@lambert.example",
                "demat_sender_email": "factures@lambert.example",
            }
        )
        cls.microsoft = FakeMicrosoft()
        cls.addClassCleanup(cls.microsoft.stop)
        cls.smtp = FakeSmtp()
        cls.addClassCleanup(cls.smtp.stop)
        Server = cls.env["ir.mail_server"]
        exchange = {"send_as_mailbox": cls.microsoft.mailbox}
        cls.servers = {
            "smtp": cls.smtp_server("SMTP", cls.smtp.port),
            "ews": Server.create(
                {
                    "name": "Exchange",
                    "transport": "ews",
                    "ews_url": f"{cls.microsoft.url}/EWS/Exchange.asmx",
                    "ews_auth": "basic",
                    "smtp_user": "compta",
                    "smtp_pass": "s3cret",
                    **exchange,
                }
            ),
            "graph": Server.create(
                {
                    "name": "Microsoft 365",
                    "transport": "graph",
                    "ms_tenant_id": "lambert",
                    "ms_client_id": "odoo",
                    "ms_client_secret": "s3cret",
                    "ms_login_url": cls.microsoft.url,
                    "ms_graph_url": f"{cls.microsoft.url}/v1.0",
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
            {"name": name, "transport": "smtp", "smtp_host": "127.0.0.1", **values}
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

    def notifications(self, count):
        """`count` emails in the queue, each to the customer."""
        return self.env["mail.mail"].create(
            [
                {
                    "subject": f"Avis {number}",
                    "body_html": f"<p>Avis {number}</p>",
                    "email_from": self.microsoft.mailbox,
                    "email_to": self.customer.email,
                }
                for number in range(count)
            ]
        )

    def run_queue(self, mails, transport):
        mails.mail_server_id = self.servers[transport]
        with real_sending():
            self.env["mail.mail"].process_email_queue(mails.ids)

    def time_passes(self, mails):
        """The next try of these deferred emails comes."""
        mails.exists().filtered("scheduled_date").scheduled_date = fields.Datetime.now()


def page_count(pdf):
    return len(pikepdf.open(io.BytesIO(pdf)).pages)


def page_contents(pdf):
    with pikepdf.open(io.BytesIO(pdf)) as document:
        contents = []
        for page in document.pages:
            page = pikepdf.Page(page)
            page.contents_coalesce()
            contents.append(page.obj.Contents.read_bytes())
        return contents
