"""The main screens clicked through in French, as a French invoicing
manager uses them: each click must answer without an error dialog, and the
add-on's screens must read in French (the tours are in
static/tests/tours/fr_*.js, one tour a file, their shared steps in
static/tests/tours/utils/steps.js)."""

import re
from types import SimpleNamespace
from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon
from odoo.addons.mail_outbound_transport.tests.fake_servers import free_port

from ..tools.odoo_versions import NO_SUCCESS_EMAILS
from .common import neutralise_peer_checks

# The modules whose French the screens show, when installed: the web
# client's own texts (web), the menus and the forms around the add-on's
# (base, base_setup, mail, account; sale and stock name the documents the
# bridges preview on), the add-on's and its bridges'.
FRENCH_MODULES = [
    "base",
    "web",
    "base_setup",
    "mail",
    "account",
    "mail_outbound_transport",
    "sale",
    "stock",
    "facto_demat",
    "facto_demat_sale",
    "facto_demat_stock",
]


@tagged("post_install", "-at_install")
class TestFrenchTour(AccountTestInvoicingHttpCommon):
    """The tour user is the invoicing manager of the account tests
    (accountman: account.group_account_manager, with base.group_system for
    the settings and the mail servers), in French."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        neutralise_peer_checks(cls.env)
        cls.env["res.lang"]._activate_lang("fr_FR")
        Module = cls.env["ir.module.module"]
        installed = Module.search(
            [("name", "in", FRENCH_MODULES), ("state", "=", "installed")]
        )
        # as Odoo loads a language: 19.0's account reads the chart templates
        Module.sudo()._load_module_terms(
            installed.mapped("name"), ["fr_FR"], overwrite=True
        )
        cls.env.user.lang = "fr_FR"
        cls.env.company.partner_id.lang = "fr_FR"
        cls.env.company.write(
            {
                "name": "Lambert SARL",
                "email": "contact@lambert.example",
                "demat_sender_email": "factures@lambert.example",
            }
        )
        Partner = cls.env["res.partner"].with_context(lang="fr_FR")
        cls.customer = Partner.create(
            {
                "name": "Boulangerie Martin",
                "is_company": True,
                "ref": "C0001",
                "email": "contact@boulangerie-martin.example",
                "lang": "fr_FR",
            }
        )
        # the customers the letter wizard selects by code: one letter
        # printed, one emailed
        Partner.create(
            [
                {
                    "name": name,
                    "is_company": True,
                    "ref": ref,
                    "email": email,
                    "customer_rank": 1,
                    "lang": "fr_FR",
                }
                for name, ref, email in (
                    ("Fromagerie Dubois", "LT01", "compta@fromagerie-dubois.example"),
                    ("Cave Lefebvre", "LT02", "factures@cave-lefebvre.example"),
                )
            ]
        )
        # Settings as a real company has them, not as the account tests leave
        # them (a cash basis tax, a pricelist without the pricelist feature):
        # the settings would open on Odoo's warnings about them.
        cls.env.company.tax_exigibility = True
        cls.pricelist.active = False
        # an invoice to preview the document type's email on
        cls.init_invoice(
            "out_invoice", partner=cls.customer, amounts=[100.0], post=True
        )

    def start_french_tour(self, url, tour):
        self.start_tour(url, tour, login=self.env.user.login)

    def email_run_with_a_failed_letter(self):
        """An email run whose one letter failed: its email came back
        refused, as the mail queue leaves it."""
        customer = self.env["res.partner"].create(
            {
                "name": "Epicerie Moreau",
                "is_company": True,
                "ref": "RF01",
                "email": "contact@epicerie-moreau.example",
                "customer_rank": 1,
                "lang": "fr_FR",
            }
        )
        wizard = self.env["facto.demat.letter.wizard"].create(
            {"output": "email", "partner_code_from": "RF01", "partner_code_to": "RF01"}
        )
        run = self.env["facto.demat.letter.run"].browse(
            wizard.action_confirm()["res_id"]
        )
        mail = run.line_ids.mail_ids
        self.assertEqual((len(mail), run.line_ids.partner_id), (1, customer))
        reason = "550 5.1.1 Boîte aux lettres inconnue"
        mail.write(
            {
                "state": "exception",
                "failure_type": "mail_smtp",
                "failure_reason": reason,
            }
        )
        mail._postprocess_sent_message(
            success_pids=[],
            failure_reason=reason,
            failure_type="mail_smtp",
            **NO_SUCCESS_EMAILS,
        )
        self.assertEqual(run.line_ids.state, "failed")
        return run

    def test_customer_form(self):
        self.start_french_tour(
            f"/odoo/customers/{self.customer.id}", "facto_demat_fr_customer_form"
        )
        self.assertRecordValues(
            self.customer, [{"demat_refused": False, "demat_accepted": False}]
        )
        events = self.env["facto.demat.event"].search(
            [("partner_id", "=", self.customer.id)], order="sequence"
        )
        self.assertEqual(
            events.mapped("event_type")[-4:],
            [
                "refusal_recorded",
                "refusal_withdrawn",
                "acceptance_recorded",
                "acceptance_withdrawn",
            ],
        )

    def test_letter_wizard_and_runs(self):
        self.start_french_tour("/odoo", "facto_demat_fr_letters")
        runs = self.env["facto.demat.letter.run"].search([], order="id")
        self.assertEqual(runs.mapped("output"), ["print", "email"])
        self.assertEqual(runs.line_ids.partner_id.mapped("ref"), ["LT01", "LT02"])

    def test_letter_run_keeps_the_french_text(self):
        """The run keeps the letter text it was started with: French
        customers' letters are written from it."""
        self.start_french_tour("/odoo", "facto_demat_fr_letter_run_text")

    def test_letter_run_retry(self):
        run = self.email_run_with_a_failed_letter()
        self.start_french_tour(
            f"/odoo/demat-letter-runs/{run.id}", "facto_demat_fr_letter_run_retry"
        )
        self.assertEqual(run.line_ids.state, "pending")

    def test_evidence_integrity(self):
        self.customer.action_demat_record_refusal()
        self.start_french_tour("/odoo", "facto_demat_fr_evidence")

    def test_document_types(self):
        self.start_french_tour("/odoo", "facto_demat_fr_document_types")
        document_type = self.env["facto.demat.document.type"].search(
            [("company_id", "=", self.env.company.id), ("kind", "=", "invoice")]
        )
        self.assertEqual(document_type.mail_text, "company")
        self.assertEqual(
            document_type.with_context(lang="fr_FR").mail_subject,
            "%3 - Votre facture %2",
        )

    def test_settings(self):
        self.start_french_tour("/odoo/settings", "facto_demat_fr_settings")

    def mail_server(self, name, transport, **values):
        """A mail server on 127.0.0.1, on a port where nothing listens (the
        port is written after the creation, as OCA mail_environment keeps it
        only so)."""
        server = self.env["ir.mail_server"].create(
            {"name": name, "mail_transport_mode": transport, **values}
        )
        if transport == "smtp":
            server.write({"smtp_host": "127.0.0.1", "smtp_port": free_port()})
        else:
            server.write(
                {
                    "mail_transport_mailbox": "factures@lambert.example",
                    "mail_transport_tenant_id": "lambert",
                    "mail_transport_client_id": "odoo",
                    "mail_transport_client_secret": "s3cret",
                    "mail_transport_login_url": f"http://127.0.0.1:{free_port()}",
                }
            )
        return server

    def test_mail_server_smtp_connection_test(self):
        """An SMTP server that does not answer: the connection test says
        so, in French, as it does for Exchange."""
        self.mail_server("Serveur SMTP local", "smtp")
        # Odoo connects to no SMTP server under test: let the connection test
        # connect, in the mail server modules only.
        connecting = SimpleNamespace(module=SimpleNamespace(current_test=None))
        with (
            patch("odoo.addons.base.models.ir_mail_server.modules", connecting),
            patch(
                "odoo.addons.mail_outbound_transport.tools.odoo_versions.modules",
                connecting,
            ),
        ):
            self.start_french_tour(
                "/odoo/settings?debug=1", "facto_demat_fr_mail_server_smtp"
            )

    def test_mail_server_graph_connection_test(self):
        self.mail_server("Microsoft 365 local", "graph")
        self.start_french_tour(
            "/odoo/settings?debug=1", "facto_demat_fr_mail_server_graph"
        )

    def french_business_without_siren(self):
        self.env.company.write(
            {
                "country_id": self.env.ref("base.fr").id,
                "demat_einvoicing_category": "pme",
            }
        )
        return self.env["res.partner"].create(
            {
                "name": "Transports Léa",
                "is_company": True,
                "ref": "TL01",
                "email": "contact@transports-lea.example",
                "customer_rank": 1,
                "lang": "fr_FR",
                "country_id": self.env.ref("base.fr").id,
            }
        )

    def test_reform_board_and_review_list(self):
        customer = self.french_business_without_siren()
        data = (
            self.env["facto.demat.customer.data"]
            .sudo()
            .create(
                {
                    "company_id": self.env.company.id,
                    "partner_id": customer.id,
                    "siret": "73282932000074",
                }
            )
        )
        self.start_french_tour("/odoo", "facto_demat_fr_reform")
        self.assertEqual(data.state, "applied")
        self.assertEqual(customer.demat_siren, "732829320")
        self.assertEqual(
            self.env["facto.demat.event"]
            .search([("partner_id", "=", customer.id)], order="sequence")[-1:]
            .event_type,
            "data_applied",
        )

    def test_answer_page_collects_the_siren(self):
        customer = self.french_business_without_siren()
        wizard = self.env["facto.demat.letter.wizard"].create(
            {"output": "email", "partner_code_from": "TL01", "partner_code_to": "TL01"}
        )
        run = self.env["facto.demat.letter.run"].browse(
            wizard.action_confirm()["res_id"]
        )
        self.assertEqual(run.line_ids.letter_text, "business")
        path = re.search(
            r'href="[^"]*(/demat/[\w-]+)"', run.line_ids.mail_ids.body_html
        )
        self.start_tour(path[1], "facto_demat_fr_answer_data")
        data = self.env["facto.demat.customer.data"].search(
            [("partner_id", "=", customer.id)]
        )
        self.assertRecordValues(
            data,
            [
                {
                    "siret": "73282932000074",
                    "invoicing_email": "factures@transports-lea.example",
                    "vat_liability": "yes",
                    "state": "to_review",
                }
            ],
        )
        self.assertFalse(customer.demat_siren, "waits for review")
