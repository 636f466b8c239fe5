from odoo.tests import tagged

from odoo.addons.facto_demat.tests.common import SendCase


@tagged("post_install", "-at_install")
class TestAutomaticSending(SendCase):
    def test_held_back_invoices_end_their_job_with_a_note(self):
        mail = self.env.ref("account_invoice_transmit_method.mail")
        (self.customer | self.refused | self.invalid).write(
            {"customer_invoice_transmit_method_id": mail.id}
        )
        allowed, refused, invalid = (
            self.invoice(self.customer),
            self.invoice(self.refused),
            self.invoice(self.invalid),
        )
        to_send = self.env["account.move"].search(
            self.env["account.move"]._email_invoice_to_send_domain()
        )
        self.assertIn(allowed, to_send)
        self.assertNotIn(refused, to_send)
        self.assertIn("goes on paper", invalid._execute_invoice_sent_wizard())
        self.assertTrue(self.held_back_notes(invalid))
        self.assertFalse(self.emails(invalid))
        allowed._execute_invoice_sent_wizard()
        self.assertTrue(self.emails(allowed))
