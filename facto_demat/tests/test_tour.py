from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon

from .common import neutralise_peer_checks


@tagged("post_install", "-at_install")
class TestCustomerFormTour(AccountTestInvoicingHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        neutralise_peer_checks(cls.env)
        cls.partner_a.write(
            {
                "name": "Boulangerie Martin",
                "ref": "C0001",
                "email": "contact@boulangerie-martin.example",
            }
        )

    def test_customer_form_records_a_refusal(self):
        self.start_tour(
            f"/odoo/customers/{self.partner_a.id}",
            "facto_demat_customer_form",
            login=self.env.user.login,
        )
        self.assertRecordValues(self.partner_a, [{"demat_refused": True}])
        events = self.env["facto.demat.event"].search(
            [("partner_id", "=", self.partner_a.id)], order="sequence"
        )
        self.assertEqual(
            events.mapped("event_type"), ["email_changed", "refusal_recorded"]
        )
