from email.utils import getaddresses

from odoo.tests import tagged

from .common import TRANSPORTS, TransportCase


@tagged("post_install", "-at_install")
class TestLetterTransports(TransportCase):
    """A letter and an invoice go out by each transport, answered at the
    company's sender email."""

    def test_letter_and_invoice_go_out_by_each_transport(self):
        for number, transport in enumerate(TRANSPORTS, start=1):
            with self.subTest(transport=transport):
                self.setUp()
                code = f"T{number:04d}"
                customer = self.Partner.create(
                    {
                        "name": f"Client {transport}",
                        "ref": code,
                        "email": f"{transport}@client.example",
                        "customer_rank": 1,
                    }
                )
                wizard = self.env["facto.demat.letter.wizard"].create(
                    {
                        "output": "email",
                        "partner_code_from": code,
                        "partner_code_to": code,
                    }
                )
                run = self.env["facto.demat.letter.run"].browse(
                    wizard.action_confirm()["res_id"]
                )
                move = self.init_invoice(
                    "out_invoice", partner=customer, amounts=[100.0], post=True
                )
                self.env["account.move.send"]._generate_and_send_invoices(
                    move.with_context(mail_notify_force_send=False),
                    sending_methods={"email"},
                )
                invoice_mail = self.env["mail.mail"].search(
                    [("model", "=", "account.move"), ("res_id", "=", move.id)]
                )
                mails = run.line_ids.mail_ids | invoice_mail
                self.assertEqual(len(mails), 2)
                message_id = invoice_mail.message_id  # the mail goes once sent

                self.run_queue(mails, transport)

                self.assertEqual(run.line_ids.state, "done")
                letter, invoice = self.received(transport)
                for message in (letter, invoice):
                    self.assertEqual(
                        [address for _name, address in getaddresses([message["To"]])],
                        [customer.email],
                    )
                    self.assertIn("factures@lambert.example", message["Reply-To"])
                self.assertEqual(invoice["Message-Id"], message_id)
                self.assertIn(
                    move._get_invoice_report_filename(),
                    [part.get_filename() for part in invoice.walk()],
                )
                self.assertIn(
                    "factures@lambert.example", letter.get_body().get_content()
                )

    def test_sender_email_starts_as_the_company_email(self):
        company = self.env["res.company"].create(
            {"name": "Autre SARL", "email": "contact@autre.example"}
        )
        self.assertEqual(company.demat_sender_email, "contact@autre.example")
        company.demat_sender_email = "factures@autre.example"
        company.email = "accueil@autre.example"
        self.assertEqual(company.demat_sender_email, "factures@autre.example")
        self.assertEqual(company._demat_reply_to(), "factures@autre.example")
