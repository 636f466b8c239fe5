import base64
import io

import pikepdf

from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon

from .common import neutralise_peer_checks, page_count


def blank_pdf():
    document = pikepdf.new()
    document.add_blank_page()
    stream = io.BytesIO()
    document.save(stream)
    return base64.b64encode(stream.getvalue())


@tagged("post_install", "-at_install")
class TestDocumentsToPrint(AccountTestInvoicingHttpCommon):
    """The batch's held-back invoices download as one PDF, for those who may
    read them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        neutralise_peer_checks(cls.env)
        cls.moves = cls.env["account.move"]
        for _n in range(2):
            move = cls.init_invoice("out_invoice", amounts=[100.0], post=True)
            move.invoice_pdf_report_file = blank_pdf()
            cls.moves |= move
        cls.url = "/facto_demat/documents_to_print/" + ",".join(map(str, cls.moves.ids))

    def test_invoicing_user_downloads_one_pdf(self):
        new_test_user(
            self.env,
            login="facturiere",
            password="facturiere-2026",
            groups="account.group_account_invoice",
            company_id=self.env.company.id,
            company_ids=self.env.company.ids,
        )
        self.authenticate("facturiere", "facturiere-2026")
        response = self.url_open(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self.assertEqual(page_count(response.content), 2)

    @mute_logger("odoo.http")
    def test_other_company_user_gets_nothing(self):
        other = self.setup_other_company()["company"]
        new_test_user(
            self.env,
            login="ailleurs",
            password="ailleurs-2026",
            groups="account.group_account_invoice",
            company_id=other.id,
            company_ids=other.ids,
        )
        self.authenticate("ailleurs", "ailleurs-2026")
        response = self.url_open(self.url)
        self.assertEqual(response.status_code, 403)
