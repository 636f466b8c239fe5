from odoo.tests import tagged
from odoo.tools import SQL

from .common import TRANSPORTS, TransportCase


@tagged("post_install", "-at_install")
class TestMailDelivery(TransportCase):
    """What a server's answer does to a dematerialisation letter and to a
    customer document: the letter always ends, sent, failed or waiting, and
    says why; a document goes only to the addresses the add-on validated."""

    def test_an_idn_domain_goes_out_idna_encoded(self):
        # an invoice's email: the add-on reads its addresses (19.0 alone
        # would drop this one as invalid)
        mail = self.queue(["Hôtel <contact@hôtel-société.example>"])
        invoice = self.init_invoice("out_invoice", amounts=[100.0], post=True)
        mail.write({"model": "account.move", "res_id": invoice.id})
        self.run_cron(mail, "smtp")
        self.assertEqual(mail.state, "sent", mail.failure_reason)
        recipients = [rcpt for *_rest, rcpts in self.smtp.received for rcpt in rcpts]
        self.assertEqual(recipients, ["contact@xn--htel-socit-j7ab6k.example"])

    def test_an_email_taken_in_a_lost_transaction_is_counted_not_sent_again(self):
        # The server took the letter's email, then the worker sending it was
        # killed before its transaction counted it: the acceptance it wrote
        # at once lets the next run count it instead of sending it again.
        self.Partner.create(
            {
                "name": "Épicerie Lefèvre",
                "ref": "LT01",
                "email": "Compta@Lefevre.example.com",
                "customer_rank": 1,
            }
        )
        run = self.env["facto.demat.letter.run"].browse(
            self.letter_wizard("LT01", "LT01").action_confirm()["res_id"]
        )
        mail = run.line_ids.mail_ids
        self.env["mail.transport.acceptance"]._record(
            mail.id, {"compta@lefevre.example.com"}
        )
        self.run_cron(mail, "smtp")
        self.assertFalse(self.received("smtp"), "not sent twice")
        self.assertEqual(run.line_ids.state, "done")
        self.assertEqual(run.line_ids.event_id.event_type, "letter_emailed")
        self.assertFalse(
            self.env["mail.transport.acceptance"]._taken(mail.ids), "forgotten"
        )

    def test_a_letter_run_always_ends_whatever_the_server_answers(self):
        for number, transport in enumerate(TRANSPORTS, start=1):
            with self.subTest(transport=transport):
                self.setUp()
                customers = self.Partner.create(
                    [
                        {
                            "name": f"Client {transport} {letter}",
                            "ref": f"L{number}{letter}",
                            "email": f"{letter}-{transport}@client.example.com",
                            "customer_rank": 1,
                        }
                        for letter in "abc"
                    ]
                )
                refused, waiting, accepted = customers
                if transport == "smtp":
                    self.smtp.refuse[refused.email] = "550 5.1.1 User unknown"
                    self.smtp.greylist[waiting.email] = 1
                else:
                    self.microsoft.retry_after = 30
                    self.microsoft.answers[:] = ["invalid", "busy"]
                wizard = self.letter_wizard(f"L{number}a", f"L{number}c")
                run = self.env["facto.demat.letter.run"].browse(
                    wizard.action_confirm()["res_id"]
                )
                lines = {line.partner_id: line for line in run.line_ids}
                self.run_cron(run.line_ids.mail_ids, transport)
                self.assertEqual(lines[refused].state, "failed")
                self.assertIn(refused.email, lines[refused].failure_reason)
                self.assertFalse(lines[refused].event_id, "no evidence of a refusal")
                self.assertEqual(lines[waiting].state, "queued")
                self.assertTrue(lines[waiting].failure_reason)
                self.assertTrue(lines[waiting].next_attempt_date)
                self.assertEqual(run.failed_count, 1)
                self.assertEqual(run.deferred_count, 1)
                self.assertIn("1 letter(s) wait", run.delivery_summary)
                self.assertIn("1 letter(s) failed", run.delivery_summary)
                self.assertEqual(run.state, "sending")
                self.time_passes(run.line_ids.mail_ids)
                self.run_cron(run.line_ids.mail_ids, transport)
                self.assertEqual(lines[waiting].state, "done")
                self.assertEqual(lines[accepted].state, "done")
                self.assertFalse(lines[waiting].next_attempt_date)
                self.assertEqual(run.state, "failed")
                self.assertTrue(refused.demat_letter_sent is False)
                # The refused letter goes again once its address is fixed.
                self.smtp.refuse.clear()
                run.action_retry_failed()
                self.run_letter_cron()
                self.assertEqual(lines[refused].state, "queued")
                self.run_cron(lines[refused].mail_ids, transport)
                self.assertEqual(lines[refused].state, "done")
                self.assertEqual(run.state, "done")
        self.microsoft.retry_after = 1

    def test_a_letter_whose_email_is_deleted_or_cancelled_ends_failed(self):
        customers = self.Partner.create(
            [
                {
                    "name": f"Client {n}",
                    "ref": f"D000{n}",
                    "email": f"d{n}@client.example.com",
                    "customer_rank": 1,
                }
                for n in range(3)
            ]
        )
        run = self.env["facto.demat.letter.run"].browse(
            self.letter_wizard("D0000", "D0002").action_confirm()["res_id"]
        )
        deleted, cancelled, wiped = run.line_ids
        deleted.mail_ids.unlink()
        cancelled.mail_ids.cancel()
        self.env.cr.execute(
            SQL("DELETE FROM mail_mail WHERE demat_letter_line_id = %s", wiped.id)
        )
        self.env.invalidate_all()
        self.run_letter_cron()
        self.assertEqual(run.line_ids.mapped("state"), ["failed"] * 3)
        self.assertIn("deleted", deleted.failure_reason)
        self.assertIn("cancelled", cancelled.failure_reason)
        self.assertIn("deleted", wiped.failure_reason)
        self.assertEqual(run.state, "failed")
        # the customers may get a letter again
        again = self.letter_wizard("D0000", "D0002")
        self.assertEqual(len(again._select_customers()[0] & customers), 3)

    def letter_wizard(self, code_from, code_to):
        return self.env["facto.demat.letter.wizard"].create(
            {
                "output": "email",
                "partner_code_from": code_from,
                "partner_code_to": code_to,
            }
        )
