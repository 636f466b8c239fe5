from odoo.tests import tagged

from odoo.addons.facto_demat.tests.common import SendCase


@tagged("post_install", "-at_install")
class TestTransmitMethod(SendCase):
    def test_post_first_then_consent(self):
        post = self.env.ref("account_invoice_transmit_method.post")
        mail = self.env.ref("account_invoice_transmit_method.mail")
        self.customer.customer_invoice_transmit_method_id = post
        move = self.invoice(self.customer)
        wizard = self.wizard(move)
        self.assertProposesPaper(wizard)
        self.assertFalse(
            wizard.alerts and "facto_demat_email_not_allowed" in wizard.alerts
        )
        self.refused.customer_invoice_transmit_method_id = mail
        refused = self.invoice(self.refused)
        self.assertProposesPaper(self.wizard(refused))
        self.customer.customer_invoice_transmit_method_id = mail
        self.assertEqual(
            self.wizard(self.invoice(self.customer)).sending_methods, ["email"]
        )
