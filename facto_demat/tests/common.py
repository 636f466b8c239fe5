import io

import pikepdf

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


def page_count(pdf):
    return len(pikepdf.open(io.BytesIO(pdf)).pages)


def page_contents(pdf):
    with pikepdf.open(io.BytesIO(pdf)) as document:
        contents = []
        for page in document.pages:
            page = pikepdf.Page(page)
            page.contents_coalesce()
            contents.append(page.obj.Contents.read_bytes())
        return contents
