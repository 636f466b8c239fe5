from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon


@tagged("post_install", "-at_install")
class TestCustomerFormTour(AccountTestInvoicingHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner_a.write({"name": "Boulangerie Martin", "ref": "C0001"})

    def test_customer_form_opens(self):
        self.start_tour(
            f"/odoo/customers/{self.partner_a.id}",
            "facto_demat_customer_form",
            login=self.env.user.login,
        )
