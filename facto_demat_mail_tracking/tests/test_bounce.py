from odoo.tests import tagged

from odoo.addons.facto_demat.tests.common import SendCase


@tagged("post_install", "-at_install")
class TestBouncedAddress(SendCase):
    """An address mail_tracking saw bounce is no document address."""

    def test_a_bounce_sends_documents_elsewhere_or_on_paper(self):
        contact = self.Partner.create(
            {
                "name": "Factures Martin",
                "type": "invoice",
                "parent_id": self.customer.id,
                "email": "factures@boulangerie-martin.example",
            }
        )
        self.assertEqual(self.customer.demat_recipient_id, contact)
        contact.email_bounced = True
        self.assertEqual(self.customer.demat_recipient_id, self.customer)
        self.assertIn("bounced", self.customer.demat_email_issue)
        self.customer.email_bounced = True
        self.assertEqual(self.customer.demat_status, "no_email")
        move = self.invoice(self.customer)
        self.assertEqual(self.wizard(move).sending_methods, ["manual"])
        contact.email = "compta@boulangerie-martin.example"  # fixed: cleared
        self.assertFalse(contact.email_bounced)
        self.assertEqual(self.customer.demat_email, "compta@boulangerie-martin.example")
