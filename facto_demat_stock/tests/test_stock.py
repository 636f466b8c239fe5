from odoo.tests import tagged

from odoo.addons.facto_demat.tests.common import SendCase


@tagged("post_install", "-at_install")
class TestDeliverySlips(SendCase):
    """Delivery slips obey consent, with the company's delivery text."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.stock_move_email_validation = True
        cls.delivery_type = cls.env["stock.picking.type"].search(
            [("code", "=", "outgoing"), ("company_id", "=", cls.env.company.id)],
            limit=1,
        )

    def delivery(self, partner):
        return self.env["stock.picking"].create(
            {
                "partner_id": partner.id,
                "picking_type_id": self.delivery_type.id,
                "location_id": self.delivery_type.default_location_src_id.id,
                "location_dest_id": self.env.ref("stock.stock_location_customers").id,
            }
        )

    def test_delivery_text_is_the_company_inventory_text(self):
        template = self.customise("delivery", "Livraison %2")
        self.assertEqual(self.env.company.stock_mail_confirmation_template_id, template)
        picking = self.delivery(self.customer)
        picking._send_confirmation_email()
        self.assertEqual(
            self.emails(picking, self.customer).subject, f"Livraison {picking.name}"
        )

    def test_refused_customer_gets_no_delivery_email(self):
        picking = self.delivery(self.refused)
        picking._send_confirmation_email()
        self.assertFalse(self.emails(picking))
        self.assertTrue(self.held_back_notes(picking))

    def test_followers_road(self):
        picking = self.delivery(self.refused)
        self.post_to_follower(picking, self.refused)
        self.assertFalse(self.emails(picking))
