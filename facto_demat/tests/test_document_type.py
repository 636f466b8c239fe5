from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

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

    def test_customised_text_is_the_company_own_copy(self):
        template = self.customise("invoice", "Facture {{ object.name }}")
        standard = self.env.ref("account.email_template_edi_invoice")
        self.assertNotEqual(template, standard)
        self.assertEqual(self.document_type("invoice").mail_template_id, template)
        self.assertEqual(self.document_type("invoice").mail_text, "company")
        self.assertEqual(template.name, f"Invoice ({self.env.company.name})")
        self.assertEqual(template.body_html, standard.body_html)
        self.assertEqual(
            self.customise("invoice", "Facture {{ object.name }}"),
            template,
            "the second edit opens the same text",
        )

    def test_credit_note_gets_its_own_text_in_a_mixed_batch(self):
        self.customise("invoice", "Facture {{ object.name }}")
        self.customise("credit_note", "Avoir {{ object.name }}")
        invoice = self.invoice(self.customer)
        credit_note = self.invoice(self.customer, "out_refund")
        self.wizard(invoice | credit_note).action_send_and_print(force_synchronous=True)
        self.assertEqual(self.emails(invoice).subject, f"Facture {invoice.name}")
        self.assertEqual(self.emails(credit_note).subject, f"Avoir {credit_note.name}")

    def test_text_edited_in_french_and_in_english(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        template = self.customise("invoice", "Your invoice {{ object.name }}")
        template.with_context(lang="fr_FR").subject = "Votre facture {{ object.name }}"
        french = self.Partner.create(
            {"name": "Client français", "email": "fr@client.example", "lang": "fr_FR"}
        )
        for partner, subject in (
            (self.customer, "Your invoice"),
            (french, "Votre facture"),
        ):
            with self.subTest(lang=partner.lang):
                move = self.invoice(partner)
                self.wizard(move).action_send_and_print()
                self.assertEqual(self.emails(move).subject, f"{subject} {move.name}")

    def test_only_invoicing_managers_edit_texts(self):
        invoice_type = self.document_type("invoice")
        with self.assertRaises(AccessError):
            invoice_type.with_user(self.clerk).action_edit_email()
        template = self.customise("invoice", "Facture {{ object.name }}")
        clerk_template = template.with_user(self.clerk)
        with self.assertRaises(AccessError):
            clerk_template.subject = "Autre texte"
        with self.assertRaises(AccessError):
            clerk_template.update_field_translations(
                "subject", {"en_US": "Autre texte"}
            )
        with self.assertRaises(AccessError):
            clerk_template.unlink()
        self.assertFalse(clerk_template.can_write)
        # Odoo's other templates stay theirs to edit
        self.env.ref("account.email_template_edi_credit_note").with_user(
            self.clerk
        ).check_access("write")

    def test_invoicing_user_sends_with_the_company_text(self):
        self.customise("invoice", "Facture {{ object.name }}")
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
