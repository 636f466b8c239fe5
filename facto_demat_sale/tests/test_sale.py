from odoo import Command
from odoo.exceptions import RedirectWarning
from odoo.tests import tagged

from odoo.addons.facto_demat.tests.common import SendCase, add_groups


@tagged("post_install", "-at_install")
class TestSaleDocuments(SendCase):
    """Quotations and orders obey consent, with their own email texts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        add_groups(cls.env.user, "sales_team.group_sale_salesman")

    def order(self, partner):
        return self.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [Command.create({"product_id": self.product_a.id})],
            }
        )

    def send_quotation(self, order):
        action = order.action_quotation_send()
        composer = (
            self.env["mail.compose.message"]
            .with_context(**action["context"])
            .create({})
        )
        composer.action_send_mail()

    def test_document_types_of_sales(self):
        self.assertTrue(self.document_type("quotation"))
        self.assertTrue(self.document_type("order"))
        self.assertEqual(
            self.document_type("quotation")._default_mail_template(),
            self.env.ref("sale.email_template_edi_sale"),
        )

    def test_allowed_customer_gets_the_company_quotation_text(self):
        self.customise("quotation", "Devis %2")
        order = self.order(self.customer)
        self.send_quotation(order)
        self.assertEqual(
            self.emails(order, self.customer).subject, f"Devis {order.name}"
        )
        self.assertEqual(order.state, "sent")

    def test_quotation_for_refused_customer_is_printed_instead(self):
        order = self.order(self.refused)
        with self.assertRaises(RedirectWarning) as caught:
            order.action_quotation_send()
        message, action, button = caught.exception.args[:3]
        self.assertIn("Refuse SARL: refused on", message)
        self.assertEqual(action["report_name"], "sale.report_saleorder")
        self.assertEqual(action["context"]["active_ids"], order.ids)
        self.assertEqual(button, "Print")
        self.order(self.customer).action_quotation_send()  # the others still can

    def test_order_confirmation_email(self):
        self.customise("order", "Commande %2")
        allowed, refused = self.order(self.customer), self.order(self.refused)
        (allowed | refused).action_confirm()
        (allowed | refused)._send_order_confirmation_mail()
        self.assertEqual(
            self.emails(allowed, self.customer).subject, f"Commande {allowed.name}"
        )
        self.assertFalse(self.emails(refused))
        self.assertTrue(self.held_back_notes(refused))

    def test_followers_road(self):
        order = self.order(self.refused)
        self.post_to_follower(order, self.refused)
        self.assertFalse(self.emails(order))
