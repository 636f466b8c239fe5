from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class DematCase(AccountTestInvoicingCommon):
    """Customers in each consent situation, on the test company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Partner = cls.env["res.partner"]
        cls.Event = cls.env["facto.demat.event"]
        cls.customer = cls.Partner.create(
            {
                "name": "Boulangerie Martin",
                "is_company": True,
                "ref": "C0001",
                "email": "contact@boulangerie-martin.example",
            }
        )

    def flush_tracking(self):
        """Run pending tracking; records created in this transaction are not
        tracked until then."""
        self.env.flush_all()
        self.cr.flush()

    def events_of(self, partner):
        return self.Event.search([("partner_id", "=", partner.id)], order="sequence")
