from odoo.tests import tagged

from odoo.addons.facto_demat.tests.common import (
    OBLIGED,
    EinvoicingSendCase,
    SendCase,
)


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


@tagged("post_install", "-at_install")
class TestAutomaticEinvoicing(EinvoicingSendCase):
    def test_the_nightly_job_sends_the_einvoice_and_its_copy(self):
        self.company.demat_einvoicing_date = OBLIGED[True]
        mail = self.env.ref("account_invoice_transmit_method.mail")
        for consent, sent_as in (("nothing", "einvoice_copy"), ("refused", "einvoice")):
            with self.subTest(consent=consent):
                customer = self.customer_of("einvoicing", consent, on_network=True)
                customer.customer_invoice_transmit_method_id = mail
                move = self.invoice_of(customer)
                self.assertIn(
                    move,
                    move.search(move._email_invoice_to_send_domain()),
                    "a refusal does not keep an e-invoice from the job",
                )
                move._execute_invoice_sent_wizard()
                self.assertSentByPeppol(move)
                self.assertEqual(move.demat_route_sent_as, sent_as)

    def test_an_einvoice_nothing_carries_ends_its_job_with_why(self):
        self.company.write(
            {
                "demat_einvoicing_date": OBLIGED[True],
                "account_peppol_proxy_state": "not_registered",
            }
        )
        customer = self.customer_of("einvoicing", "nothing", on_network=False)
        customer.customer_invoice_transmit_method_id = self.env.ref(
            "account_invoice_transmit_method.mail"
        )
        move = self.invoice_of(customer)
        answer = move._execute_invoice_sent_wizard()
        self.assertIn("approved platform", answer)
        self.assertFalse(move.is_move_sent)
        self.assertFalse(self.emails(move))
