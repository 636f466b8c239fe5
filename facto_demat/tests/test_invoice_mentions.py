from datetime import date

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import html2plaintext

from .common import FRENCH_SELLER, SendCase

OBLIGED_SINCE = date(2026, 9, 1)
BEFORE, AFTER = date(2026, 8, 31), date(2026, 9, 1)


@tagged("post_install", "-at_install")
class TestInvoiceMentions(SendCase):
    """The mandatory mentions (CGI annex II art. 242 nonies A) of invoices
    that leave by email or on paper: a warning before the company's
    e-invoicing date, a stop from it (a warning when the company says so)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        fr = cls.env.ref("base.fr")
        cls.company = cls.env.company
        cls.company.write(
            {
                "demat_einvoicing_date": OBLIGED_SINCE,
                "country_id": fr.id,
                **FRENCH_SELLER,
            }
        )
        cls.env["res.partner.bank"].create(
            {
                "acc_number": "FR7630004000031234567890143",
                "partner_id": cls.company.partner_id.id,
            }
        )
        cls.services = cls.tax_sale_a.copy(
            {"name": "TVA 20 % services", "tax_scope": "service"}
        )
        cls.goods = cls.tax_sale_a.copy(
            {"name": "TVA 20 % biens", "tax_scope": "consu"}
        )
        cls.no_scope = cls.tax_sale_a.copy({"name": "TVA 20 %", "tax_scope": False})
        transition = cls.company_data["default_account_tax_sale"].copy(
            {"reconcile": True}
        )
        cls.company.tax_exigibility = True
        cls.services_on_payment = cls.services.copy(
            {
                "name": "TVA 20 % encaissements",
                "tax_exigibility": "on_payment",
                "cash_basis_transition_account_id": transition.id,
            }
        )
        address = {"street": "3 place du Marché", "zip": "50000", "city": "Saint-Lô"}
        cls.business = cls.Partner.create(
            {
                "name": "Établissements Lefèvre & Fils",
                "is_company": True,
                "country_id": fr.id,
                "company_registry": "732 829 320 00074",
                "email": "compta@lefevre.example",
                **address,
            }
        )
        cls.business_without_siren = cls.Partner.create(
            {
                "name": "Plomberie Gaël",
                "is_company": True,
                "country_id": fr.id,
                "email": "gael@plomberie.example",
                **address,
            }
        )
        cls.consumer = cls.Partner.create(
            {
                "name": "Hélène Dupré",
                "country_id": fr.id,
                "email": "helene@dupre.example",
                **address,
            }
        )

    def invoice_with(self, partner, taxes, invoice_date=AFTER, **values):
        move = self.init_invoice(
            "out_invoice",
            partner=partner,
            amounts=[100.0],
            taxes=taxes,
            invoice_date=invoice_date,
        )
        move.write(values)
        move.action_post()
        return move

    def assertMissing(self, move, *phrases):
        missing = " ".join(move._demat_missing_mentions())
        for phrase in phrases:
            self.assertIn(phrase, missing)
        if not phrases:
            self.assertFalse(missing)

    def test_each_missing_mention_is_named(self):
        self.assertMissing(self.invoice_with(self.consumer, self.services))
        self.assertMissing(self.invoice_with(self.consumer, self.goods))
        self.assertMissing(
            self.invoice_with(self.business_without_siren, self.services),
            "the customer's SIREN (Plomberie Gaël has no valid SIREN or SIRET)",
        )
        self.assertMissing(
            self.invoice_with(self.consumer, self.no_scope),
            "the operation type, goods, services or mixed",
        )
        self.assertMissing(
            self.invoice_with(self.consumer, self.env["account.tax"]),
            "the operation type",
        )
        cottage = self.Partner.create(
            {"name": "Gîte des Pins", "type": "delivery", "parent_id": self.consumer.id}
        )
        self.assertMissing(
            self.invoice_with(
                self.consumer, self.goods, partner_shipping_id=cottage.id
            ),
            "the delivery address (Hélène Dupré, Gîte des Pins has no complete "
            "address)",
        )
        # services are delivered nowhere: no address to print
        self.assertMissing(
            self.invoice_with(
                self.consumer, self.services, partner_shipping_id=cottage.id
            )
        )
        self.company.demat_vat_on_debits_since = date(2026, 1, 1)
        self.assertMissing(
            self.invoice_with(self.consumer, self.services_on_payment),
            "the option for VAT on debits (the company opted on January 1, 2026, "
            "but TVA 20 % encaissements are due on payment)",
        )
        self.assertMissing(self.invoice_with(self.consumer, self.services))
        # before the option, VAT on services was due on payment
        self.assertMissing(
            self.invoice_with(
                self.consumer, self.services_on_payment, date(2025, 12, 31)
            )
        )
        # an e-invoice's platform flow carries them
        self.assertMissing(self.invoice_with(self.business, self.no_scope))
        self.assertMissing(
            self.invoice_with(self.business, self.no_scope, BEFORE),
            "the operation type",
        )

    def test_a_warning_before_the_date_a_stop_from_it(self):
        before = self.invoice_with(self.business_without_siren, self.no_scope, BEFORE)
        wizard = self.wizard(before)
        self.assertEqual(
            wizard.alerts["facto_demat_mentions_missing"]["level"], "warning"
        )
        self.assertFalse(before._demat_einvoicing_stop())
        wizard.action_send_and_print()
        self.assertTrue(before.is_move_sent)

        after = self.invoice_with(self.business_without_siren, self.no_scope)
        stop = after._demat_einvoicing_stop()
        self.assertIn("lacks mandatory invoice mentions", stop)
        self.assertEqual(
            self.wizard(after).alerts["facto_demat_einvoicing_stop"]["level"],
            "danger",
        )
        error = self.call_wizard_button(after)
        self.assertIn("the customer's SIREN", error)
        self.assertFalse(after.is_move_sent)
        # the sending cron leaves it out of its queue, and says why
        after.sending_data = {
            "author_user_id": self.env.user.id,
            "author_partner_id": self.env.user.partner_id.id,
        }
        self.run_send_cron()
        self.assertFalse(after.is_move_sent)
        self.assertFalse(after.sending_data)
        self.assertIn(stop, html2plaintext(after.message_ids[:1].body))

    def test_the_company_may_keep_them_a_warning(self):
        self.company.demat_mentions_warn_only = True
        move = self.invoice_with(self.business_without_siren, self.no_scope)
        wizard = self.wizard(move)
        self.assertEqual(
            wizard.alerts["facto_demat_mentions_missing"]["level"], "warning"
        )
        self.assertNotIn("facto_demat_einvoicing_stop", wizard.alerts)
        wizard.action_send_and_print()
        self.assertTrue(move.is_move_sent)

    def test_outside_france_nothing_is_checked(self):
        self.company.country_id = self.env.ref("base.be")
        self.assertMissing(
            self.invoice_with(self.business_without_siren, self.no_scope)
        )

    def call_wizard_button(self, move):
        """The error the single wizard's Send button stops with."""
        try:
            self.wizard(move).action_send_and_print()
        except UserError as error:
            return str(error)
        return ""
