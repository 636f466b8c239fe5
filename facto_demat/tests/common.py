"""The bases the add-on's tests share: `DematCase` (customers in each
consent situation on the test company) and those built on it (`SendCase`,
`TransportCase`, `LetterCase`, `RpcCase`, `EinvoicingSendCase`),
`AnswerCase` (a letter's link answered over HTTP), the mixins
`MailSendingMixin` and `WebClientMixin`, and small helpers. A test class
adds `HttpCase` to a base when it drives the server as a browser does."""

import base64
import contextlib
import io
import re
from contextlib import closing, contextmanager, nullcontext
from datetime import date, timedelta
from http.client import HTTPConnection
from urllib.parse import urlencode

import pikepdf

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user
from odoo.tests.common import HOST

from odoo.addons.account.tests.common import (
    AccountTestInvoicingCommon,
    AccountTestInvoicingHttpCommon,
)
from odoo.addons.base.tests.common import MockSmtplibCase
from odoo.addons.mail_outbound_transport.tests.common import (  # noqa: F401
    TRANSPORTS,
    MailTransportCase,
    WebClientMixin,
    build_email,
    real_sending,
)

from ..tools.odoo_versions import ODOO_19
from .peppol_double import CUSTOMER_SIRET, PeppolDouble

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


def add_groups(user, *xmlids):
    """Give `user` these groups (the field is group_ids in 19.0)."""
    field = "group_ids" if ODOO_19 else "groups_id"
    user.write(
        {field: [fields.Command.link(user.env.ref(xmlid).id) for xmlid in xmlids]}
    )


class TransportCase(MailTransportCase, DematCase):
    """A mail server of each transport, each sending to a local double, on
    the company of `DematCase`, whose sender email is the reply address."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.write(
            {
                "email": "contact@lambert.example",
                "demat_sender_email": "factures@lambert.example",
            }
        )


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


class Undo(Exception):
    """Rolls a savepoint back."""


HOSTILE = (
    '<p>Bonjour %1</p><img src="x" onerror="fetch(\'/web/session\')">'
    "<script>document.title='pris'</script>"
    '<iframe src="/web"></iframe><form action="/web"><input name="a"></form>'
)


LINK = re.compile(r'href="[^"]*(/demat/[A-Za-z0-9_-]+)"')


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


INVALID = "This link is no longer valid"


class AnswerCase(AccountTestInvoicingHttpCommon, MailSendingMixin, WebClientMixin):
    """Two customers, and a letter's link to answer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        neutralise_peer_checks(cls.env)
        cls.env.company.email = "factures@lambert.example"
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Boulangerie Martin",
                "ref": "C0001",
                "email": "contact@boulangerie-martin.example",
                "customer_rank": 1,
                "is_company": True,
            }
        )
        cls.other = cls.env["res.partner"].create(
            {
                "name": "Garage Bernard",
                "ref": "C0002",
                "email": "garage@bernard.example",
                "customer_rank": 1,
                "is_company": True,
            }
        )

    def send_letter(self, partner):
        """Email this customer a letter; return the path of its link."""
        wizard = self.env["facto.demat.letter.wizard"].create(
            {
                "output": "email",
                "partner_code_from": partner.ref,
                "partner_code_to": partner.ref,
                "include_already_sent": True,
            }
        )
        run = self.env["facto.demat.letter.run"].browse(
            wizard.action_confirm()["res_id"]
        )
        line = run.line_ids
        self.assertTrue(line.response_expires_at)
        body = line.mail_ids.body_html
        with self.mails_sent():
            line.mail_ids.send()
        return LINK.search(body)[1]

    def answer(self, path, answer, headers=None, **values):
        page = self.url_open(path, headers=headers)
        self.assertEqual(page.status_code, 200)
        csrf = CSRF.search(page.text)[1]
        return self.url_open(
            f"{path}/answer",
            data={"csrf_token": csrf, "answer": answer, **values},
            headers=headers,
        )

    def post_chunked(self, path, values, chunk=1024):
        """POST `values` as a form to `path`, the body in chunks
        (Transfer-Encoding: chunked, no Content-Length), with this test's
        browser cookies, as `url_open` sends them; the status and body of
        the response."""
        body = urlencode(values).encode()
        self.cr.flush()
        self.cr.clear()
        # 19.0's test server takes requests only within allow_requests
        allowed = self.allow_requests() if ODOO_19 else nullcontext()
        connection = HTTPConnection(HOST, self.http_port(), timeout=12)
        with allowed, closing(connection):
            cookies = "; ".join(
                f"{cookie.name}={cookie.value}" for cookie in self.opener.cookies
            )
            connection.request(
                "POST",
                path,
                body=(body[at : at + chunk] for at in range(0, len(body), chunk)),
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": cookies,
                },
                encode_chunked=True,
            )
            response = connection.getresponse()
            return response.status, response.read()

    def events(self, partner):
        return self.env["facto.demat.event"].search(
            [("partner_id", "=", partner.id)], order="sequence"
        )

    def confirmations(self):
        return self.env["mail.mail"].search(
            [("subject", "like", "your answer about documents by email")]
        )


class LetterCase(DematCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.email = "factures@lambert.example"
        cls.customer.customer_rank = 1
        cls.customers = cls.customer | cls.Partner.create(
            [
                {
                    "name": name,
                    "ref": ref,
                    "email": email,
                    "customer_rank": 1,
                    "is_company": True,
                }
                for name, ref, email in (
                    ("Garage Bernard", "C0003", "garage@bernard.example"),
                    ("Atelier Dubois", "C0002", False),
                    ("Zinc & Co", "C0010", "compta@@zinc.example"),
                    ("Hôtel Petit", "C0004", "hotel@petit.example"),
                )
            ]
        )
        cls.c1, cls.c3, cls.c2, cls.c10, cls.c4 = cls.customers

    def setUp(self):
        super().setUp()
        # Real PDFs: wkhtmltopdf fetches the report assets from this server.
        self.enterContext(self.pdf_rendering())
        self.env = self.env(context=dict(self.env.context, force_report_rendering=True))

    def wizard(self, **values):
        """The letter wizard on this class's customers (codes C…), whatever
        else the database holds (demo customers, a customer file)."""
        if "partner_ids" not in values:
            values.setdefault("partner_code_from", "C0000")
            values.setdefault("partner_code_to", "C9999")
        return self.env["facto.demat.letter.wizard"].create(values)

    def selection(self, **values):
        emailed, printed = self.wizard(**values)._select_customers()
        return emailed.filtered(lambda p: p in self.customers), printed.filtered(
            lambda p: p in self.customers
        )

    def start(self, **values):
        action = self.wizard(**values).action_confirm()
        return self.env["facto.demat.letter.run"].browse(action["res_id"])

    def run_pdf(self, run):
        """The run's whole PDF, as downloaded."""
        run.invalidate_recordset(["pdf_file"])
        return base64.b64decode(run.pdf_file)

    def letter_of(self, line):
        """The line's letter, as its evidence gives it."""
        return line.event_id._letter_pdf()

    def invoice(self, partner, invoice_date, move_type="out_invoice"):
        return self.init_invoice(
            move_type,
            partner=partner,
            invoice_date=invoice_date,
            amounts=[100.0],
            post=True,
        )


class RpcCase(SendCase, HttpCase):
    """Users who call the server as the web client does (JSON-RPC)."""

    def call_kw(self, user, model, method, args, context=None, **kwargs):
        """`model.method(*args, **kwargs)` called by `user` through
        /web/dataset/call_kw, in the test company (and `context`)."""
        self.authenticate(user.login, user.login)
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {
                "model": model,
                "method": method,
                "args": args,
                "kwargs": {
                    "context": {**self.web_context(user), **(context or {})},
                    **kwargs,
                },
            },
        )

    def call_button(self, user, model, method, ids, context=None):
        """Press the button `method` on `ids` as `user`'s web client does."""
        self.authenticate(user.login, user.login)
        return self.make_jsonrpc_request(
            "/web/dataset/call_button",
            {
                "model": model,
                "method": method,
                "args": [ids],
                "kwargs": {"context": {**self.web_context(user), **(context or {})}},
            },
        )

    def web_context(self, user):
        return {
            "lang": user.lang,
            "tz": user.tz,
            "uid": user.id,
            "allowed_company_ids": user.company_ids.ids,
        }


CHORUS_PRO_SIRET = "11000201100044"


ASSOCIATION_SIRET = "73282932000074"


OBLIGED = {True: date(2026, 9, 1), False: date(2027, 9, 1)}


# What every e-invoice format asks of a French seller
FRENCH_SELLER = {
    "vat": "FR23334175221",
    "email": "factures@vendeur.example",
    "phone": "+33 1 23 45 67 89",
    "street": "12 rue de la Paix",
    "zip": "75002",
    "city": "Paris",
}


class EinvoicingSendCase(PeppolDouble, SendCase):
    """A seller registered on Odoo's e-invoicing (its access point answered
    by the double), customers of each route and consent, and the roads an
    invoice is sent by."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.peppol_register_company()
        cls.company = cls.env.company
        cls.company.write(
            {
                "demat_grace_days": 30,
                "demat_einvoicing_copy": True,
                **FRENCH_SELLER,
            }
        )
        # the operation type every invoice prints: services
        cls.company_data["default_tax_sale"].tax_scope = "service"
        cls.peppol_publish("0009", CUSTOMER_SIRET)
        cls.peppol_publish("0009", CHORUS_PRO_SIRET)

    def customer_of(self, route, consent, on_network):
        fr = self.env.ref("base.fr").id
        values = {
            "einvoicing": {
                "name": "Établissements Lefèvre & Fils",
                "country_id": fr,
                "company_registry": CUSTOMER_SIRET if on_network else ASSOCIATION_SIRET,
            },
            "chorus_pro": {
                "name": "Centre hospitalier de Saint-Lô",
                "country_id": fr,
                "peppol_eas": "0009",
                "peppol_endpoint": CHORUS_PRO_SIRET,
            },
            "consent": {
                "name": "Brasserie Van de Velde",
                "country_id": self.env.ref("base.be").id,
                "vat": "BE0477472701",
            },
            "by_hand": {
                "name": "Association des Amis du Théâtre",
                "country_id": fr,
                "company_registry": ASSOCIATION_SIRET,  # not on the network
                "demat_route_forced": "consent",
                "demat_route_forced_reason": "association non assujettie à la TVA",
            },
        }[route]
        values.update(
            {
                "refused": {"demat_refused": True},
                "accepted": {"demat_accepted": True},
                "letter_sent": {
                    "demat_letter_sent": True,
                    "demat_letter_date": fields.Datetime.now() - timedelta(days=40),
                },
                "nothing": {},
            }[consent]
        )
        partner = self.Partner.create(
            {
                "is_company": True,
                "email": "factures@client.example",
                "street": "3 place du Marché",
                "zip": "50000",
                "city": "Saint-Lô",
                **values,
            }
        )
        # a credit note's e-invoice names the bank it is refunded to
        self.env["res.partner.bank"].create(
            {"partner_id": partner.id, "acc_number": f"FR76300040000{partner.id:014d}"}
        )
        if on_network and route == "einvoicing":
            self.peppol_check(partner, "0009", CUSTOMER_SIRET)
        elif on_network and route == "chorus_pro":
            self.peppol_check(partner, "0009", CHORUS_PRO_SIRET)
        return partner

    def invoice_of(self, partner, move_type="out_invoice"):
        """A posted invoice of today (the obligation goes by the invoice
        date) that makes a valid e-invoice (a taxed line)."""
        return self.init_invoice(
            move_type,
            partner=partner,
            amounts=[100.0],
            taxes=self.tax_sale_a,
            invoice_date=fields.Date.context_today(self.env.user),
            post=True,
        )

    def send(self, road, moves):
        """Send `moves` by `road`; the error a wizard stops with, or None."""
        try:
            if road == "single":
                self.wizard(moves).action_send_and_print()
            elif road == "batch":
                self.wizard(moves).action_send_and_print()
                self.run_send_cron()
            elif road == "cron":
                moves.sending_data = {
                    "author_user_id": self.env.user.id,
                    "author_partner_id": self.env.user.partner_id.id,
                }
                self.run_send_cron()
            else:
                self.env["account.move.send"]._generate_and_send_invoices(
                    moves, allow_raising=False, allow_fallback_pdf=True
                )
        except UserError as error:
            return str(error)
        return None
