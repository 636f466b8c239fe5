from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from ..tools.odoo_versions import ODOO_19
from .common import SendCase


@tagged("post_install", "-at_install")
class TestDocumentTypes(SendCase):
    """Each document type has its company's email text, edited by invoicing
    managers, in each language, and used by every way of sending."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        cls.clerk = new_test_user(
            cls.env,
            login="facturiere",
            groups="account.group_account_invoice,base.group_partner_manager",
            company_id=company.id,
            company_ids=company.ids,
        )

    def test_list_has_one_line_per_type_and_company(self):
        self.assertRecordValues(
            self.document_type("invoice") | self.document_type("credit_note"),
            [
                {"company_id": self.env.company.id, "mail_template_id": False},
                {"company_id": self.env.company.id, "mail_template_id": False},
            ],
        )
        self.assertEqual(self.document_type("credit_note").mail_text, "standard")
        other = self.setup_other_company()["company"]
        self.DocumentType.with_company(other).with_context(
            allowed_company_ids=(self.env.company | other).ids
        ).action_open_document_types()
        self.assertEqual(
            self.DocumentType.search_count([("company_id", "=", other.id)]),
            self.DocumentType.search_count([("company_id", "=", self.env.company.id)]),
        )

    def test_opening_the_email_page_changes_nothing(self):
        invoice_type = self.document_type("invoice").with_user(self.manager)
        action = invoice_type.action_edit_email()
        self.assertEqual(
            (action["res_model"], action["res_id"]),
            (invoice_type._name, invoice_type.id),
        )
        # what the web client reads to show the form
        invoice_type.web_read(
            {
                name: {}
                for name in (
                    "mail_subject",
                    "mail_body",
                    "mail_text",
                    "preview_subject",
                    "preview_body",
                )
            }
        )
        self.assertEqual(invoice_type.mail_text, "standard")
        self.assertFalse(invoice_type.mail_template_id)
        self.assertEqual(
            invoice_type.mail_subject, "%3 - Invoice %2", "the standard text"
        )
        move = self.invoice(self.customer)
        self.wizard(move).action_send_and_print()
        self.assertIn(move.name, self.emails(move).subject, "Odoo's standard text")
        self.assertNotIn(" - Invoice", self.emails(move).subject)

    def test_saved_text_is_the_company_own_template(self):
        template = self.customise("invoice", "Facture %2")
        standard = self.env.ref("account.email_template_edi_invoice")
        self.assertNotEqual(template, standard)
        self.assertEqual(self.document_type("invoice").mail_text, "company")
        self.assertEqual(template.name, f"Invoice ({self.env.company.name})")
        self.assertEqual(
            (template.report_template_ids, template.email_from, template.lang),
            (standard.report_template_ids, standard.email_from, standard.lang),
            "the standard template's sender, language and attachments",
        )
        self.assertEqual(self.customise("invoice", "Facture n° %2"), template)
        move = self.invoice(self.customer)
        self.wizard(move).action_send_and_print()
        self.assertEqual(self.emails(move).subject, f"Facture n° {move.name}")

    def test_placeholders_are_filled_and_escaped(self):
        self.customer.name = "<b>Boulangerie & Fils</b>"
        document_type = self.document_type("invoice").with_user(self.manager)
        document_type.write(
            {
                "mail_subject": "%3 : facture %2 pour %1",
                "mail_body": "<p>Bonjour %1, montant %4 du %5.</p>"
                '<script>alert("x")</script>',
            }
        )
        self.assertNotIn("script", document_type.mail_body, "sanitised on save")
        move = self.invoice(self.customer)
        self.wizard(move).action_send_and_print()
        email = self.emails(move)
        self.assertEqual(
            email.subject,
            f"{self.env.company.name} : facture {move.name} pour "
            "<b>Boulangerie & Fils</b>",
        )
        self.assertIn("Bonjour &lt;b&gt;Boulangerie &amp; Fils&lt;/b&gt;", email.body)
        self.assertNotIn("%4", email.body)
        self.assertNotIn("%5", email.body)

    def test_preview_on_the_company_recent_document(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        older = self.invoice(self.customer)
        recent = self.invoice(self.customer)
        document_type = self.document_type("invoice").with_user(self.manager)
        document_type.with_context(lang="fr_FR").mail_subject = "Facture %2 de %3"
        self.assertEqual(document_type.preview_document, recent)
        document_type.preview_lang = "en_US"
        self.assertEqual(
            document_type.preview_subject,
            f"{self.env.company.name} - Invoice {recent.name}",
        )
        document_type.preview_lang = "fr_FR"
        document_type.preview_document = older
        self.assertEqual(
            document_type.preview_subject,
            f"Facture {older.name} de {self.env.company.name}",
        )
        self.assertIn(self.customer.name, document_type.preview_body)

    def test_credit_note_gets_its_own_text_in_a_mixed_batch(self):
        self.customise("invoice", "Facture %2")
        self.customise("credit_note", "Avoir %2")
        invoice = self.invoice(self.customer)
        credit_note = self.invoice(self.customer, "out_refund")
        self.wizard(invoice | credit_note).action_send_and_print(force_synchronous=True)
        self.assertEqual(self.emails(invoice).subject, f"Facture {invoice.name}")
        self.assertEqual(self.emails(credit_note).subject, f"Avoir {credit_note.name}")

    def test_text_edited_in_french_leaves_english_alone(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        document_type = self.document_type("invoice").with_user(self.manager)
        document_type.with_context(lang="en_US").write(
            {"mail_subject": "Your invoice %2", "mail_body": "<p>Dear %1,</p>"}
        )
        document_type.with_context(lang="fr_FR").write(
            {"mail_subject": "Votre facture %2", "mail_body": "<p>Cher %1,</p>"}
        )
        french = self.Partner.create(
            {"name": "Client français", "email": "fr@client.example", "lang": "fr_FR"}
        )
        for partner, subject, greeting in (
            (self.customer, "Your invoice", "Dear"),
            (french, "Votre facture", "Cher"),
        ):
            with self.subTest(lang=partner.lang):
                move = self.invoice(partner)
                self.wizard(move).action_send_and_print()
                self.assertEqual(self.emails(move).subject, f"{subject} {move.name}")
                self.assertIn(f"{greeting} {partner.name}", self.emails(move).body)

    def test_translation_dialog_saves_the_company_text(self):
        document_type = self.document_type("credit_note").with_user(self.manager)
        document_type.update_field_translations(
            "mail_body", {"en_US": '<p>Hi %1</p><img src="x" onerror="alert(1)">'}
        )
        self.assertEqual(document_type.mail_text, "company")
        self.assertNotIn("onerror", document_type.mail_body)

    def test_standard_texts_in_french(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["facto_demat"], ["fr_FR"])
        company = self.env["res.company"].create({"name": "Société nouvelle"})
        self.DocumentType.sudo()._create_missing(company)  # as the process does
        invoice_type = self.DocumentType.search(
            [("company_id", "=", company.id), ("kind", "=", "invoice")]
        ).with_context(lang="fr_FR")
        self.assertEqual(invoice_type.mail_subject, "%3 - Facture %2")
        self.assertIn("Bonjour %1,", invoice_type.mail_body)
        self.assertEqual(
            invoice_type.with_context(lang="en_US").mail_subject, "%3 - Invoice %2"
        )

    def test_only_invoicing_managers_edit_texts(self):
        invoice_type = self.document_type("invoice").with_user(self.clerk)
        with self.assertRaises(AccessError):
            invoice_type.mail_subject = "Autre texte"
        with self.assertRaises(AccessError):
            invoice_type.update_field_translations(
                "mail_subject", {"en_US": "Autre texte"}
            )
        template = self.customise("invoice", "Facture %2").with_user(self.clerk)
        with self.assertRaises(AccessError):
            template.subject = "Autre texte"
        with self.assertRaises(AccessError):
            template.unlink()
        # Odoo's other templates stay theirs to edit (19.0: Mail Template
        # Editors only)
        if not ODOO_19:
            self.env.ref("account.email_template_edi_credit_note").with_user(
                self.clerk
            ).check_access("write")

    def test_invoicing_user_sends_with_the_company_text(self):
        self.customise("invoice", "Facture %2")
        move = self.invoice(self.customer)
        wizard = (
            self.env["account.move.send.wizard"]
            .with_user(self.clerk)
            .with_context(active_model="account.move", active_ids=move.ids)
            .create({})
        )
        wizard.action_send_and_print()
        self.assertEqual(self.emails(move).subject, f"Facture {move.name}")
        refused = self.invoice(self.refused)
        self.env["account.move.send.wizard"].with_user(self.clerk).with_context(
            active_model="account.move", active_ids=refused.ids
        ).create({}).action_send_and_print()
        self.assertFalse(self.emails(refused))
