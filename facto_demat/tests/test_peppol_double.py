from odoo.tests import tagged

from ..tools.odoo_versions import ODOO_19
from .common import SendCase
from .peppol_double import CUSTOMER_SIRET, PeppolDouble


@tagged("post_install", "-at_install")
class TestPeppolDouble(PeppolDouble, SendCase):
    """An invoice to a French company on Peppol leaves as an e-invoice by
    Odoo's `peppol` sending method, from the single and the batch wizard,
    against the double of Odoo's access point."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.peppol_register_company()
        cls.buyer = cls.Partner.create(
            {
                "name": "Durand Industrie SA",
                "is_company": True,
                "country_id": cls.env.ref("base.fr").id,
                "email": "compta@durand.example",
            }
        )
        cls.peppol_make_valid(cls.buyer)
        cls.receiver = f"0009:{CUSTOMER_SIRET}"

    def test_partner_states(self):
        self.assertEqual(self.buyer.peppol_verification_state, "valid")
        other = self.Partner.create(
            {
                "name": "Absent SARL",
                "is_company": True,
                "country_id": self.env.ref("base.fr").id,
            }
        )
        self.assertEqual(
            self.peppol_make_not_valid(other, endpoint="39876543800013"), "not_valid"
        )
        self.assertEqual(
            self.peppol_make_not_valid(
                other, endpoint="39876543800013", cannot_receive=True
            ),
            "not_valid_format",
        )
        self.assertIn("0009:39876543800013", self.peppol_lookups)
        # a SIREN (0002) on both versions; 19.0 also has 0225 (FRCTC)
        self.assertEqual(
            self.peppol_make_valid(other, eas="0002", endpoint="398765438"), "valid"
        )
        if ODOO_19:
            self.assertEqual(
                self.peppol_make_valid(other, eas="0225", endpoint="398765438"),
                "valid",
            )

    def test_single_wizard_sends_by_peppol(self):
        move = self.peppol_invoice(self.buyer)
        wizard = self.wizard(move)
        self.assertIn("peppol", wizard.sending_methods)
        wizard.action_send_and_print()
        self.assertSentByPeppol(move, receiver=self.receiver, state="processing")
        self.peppol_fetch_states()
        self.assertSentByPeppol(move, state="done")
        self.assertEqual(len(self.peppol_sent), 1)
        self.assertFalse(self.peppol_unanswered)

    def test_batch_wizard_sends_by_peppol(self):
        moves = self.peppol_invoice(self.buyer) | self.peppol_invoice(self.buyer)
        wizard = self.wizard(moves)
        self.assertEqual(wizard.summary_data["peppol"]["count"], 2)
        wizard.action_send_and_print()
        self.run_send_cron()
        self.peppol_fetch_states()
        for move in moves:
            self.assertSentByPeppol(move, receiver=self.receiver, state="done")
        self.assertEqual(len(set(moves.mapped("peppol_message_uuid"))), 2)

    def test_rejected_delivery(self):
        self.peppol_deliver_as("error")
        move = self.peppol_invoice(self.buyer)
        self.wizard(move).action_send_and_print()
        self.peppol_fetch_states()
        self.assertSentByPeppol(move, state="error")
