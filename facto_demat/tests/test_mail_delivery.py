import logging
import time
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from .common import TRANSPORTS, TransportCase, real_sending
from .fake_servers import free_port

# Odoo logs, as an error with its traceback, each email a server refused.
ODOO_MAIL_LOG = "odoo.addons.mail.models.mail_mail"
QUEUE_FAILED = "Failed processing mail queue"


@tagged("post_install", "-at_install")
class TestMailDelivery(TransportCase):
    """What each kind of server answer does to an email, to the rest of its
    batch and to a dematerialisation letter: refused for good, refused for
    every email, not now; never lost, never stalled, always said."""

    def queue(self, addresses, auto_delete=False):
        return self.env["mail.mail"].create(
            [
                {
                    "subject": f"Facture pour {address}",
                    "body_html": "<p>Votre facture</p>",
                    "email_from": self.microsoft.mailbox,
                    "email_to": address,
                    "auto_delete": auto_delete,
                }
                for address in addresses
            ]
        )

    def run_cron(self, mails, transport, times=1):
        """Run the mail queue as its cron does, `times` times, and check that
        it never fails as a whole."""
        records = []
        handler = logging.Handler()
        handler.emit = records.append
        logger = logging.getLogger(ODOO_MAIL_LOG)
        logger.addHandler(handler)
        try:
            with mute_logger(ODOO_MAIL_LOG):
                for _time in range(times):
                    self.run_queue(mails.exists(), transport)
        finally:
            logger.removeHandler(handler)
        self.assertFalse(
            [record for record in records if QUEUE_FAILED in record.getMessage()]
        )

    def delivered_to(self, transport):
        return sorted(
            address.addr_spec
            for message in self.received(transport)
            for address in message["To"].addresses
        )

    def test_a_permanent_refusal_fails_that_email_and_the_rest_goes(self):
        refusals = {
            "smtp": ("550 5.1.1 User unknown", "550 5.1.1 User unknown"),
            "ews": ("invalid", "ErrorInvalidRecipients"),
            "graph": ("invalid", "ErrorInvalidRecipients"),
        }
        for transport in TRANSPORTS:
            for auto_delete in (False, True):
                with self.subTest(transport=transport, auto_delete=auto_delete):
                    self.setUp()
                    answer, words = refusals[transport]
                    unknown = f"inconnu-{transport}@client.example.com"
                    if transport == "smtp":
                        self.smtp.refuse[unknown] = answer
                    else:
                        self.microsoft.answers[:] = [answer]
                    mails = self.queue(
                        [
                            unknown,
                            f"ok1-{transport}@client.example.com",
                            f"ok2-{transport}@client.example.com",
                        ],
                        auto_delete=auto_delete,
                    )
                    refused = mails[0]
                    self.run_cron(mails, transport, times=3)
                    self.assertEqual(refused.state, "exception")
                    self.assertIn(unknown, refused.failure_reason)
                    self.assertIn(words, refused.failure_reason)
                    self.assertIn(self.servers[transport].name, refused.failure_reason)
                    self.assertEqual(
                        refused.delivery_server_id, self.servers[transport]
                    )
                    self.assertEqual(
                        self.delivered_to(transport),
                        [
                            f"ok1-{transport}@client.example.com",
                            f"ok2-{transport}@client.example.com",
                        ],
                    )
                    if not auto_delete:
                        self.assertEqual(mails[1:].mapped("state"), ["sent", "sent"])

    def test_a_message_too_large_is_refused_for_good(self):
        for transport in ("ews", "graph"):
            with self.subTest(transport=transport):
                self.setUp()
                self.microsoft.answers[:] = ["too_large"]
                mails = self.queue(["gros@client.example.com", "ok@client.example.com"])
                self.run_cron(mails, transport)
                self.assertEqual(mails.mapped("state"), ["exception", "sent"])
                self.assertIn("MessageSizeExceeded", mails[0].failure_reason)

    def test_a_wait_after_auto_deleted_emails_delivers_each_once(self):
        for transport in TRANSPORTS:
            with self.subTest(transport=transport):
                self.setUp()
                grey = f"grey2-{transport}@client.example.com"
                if transport == "smtp":
                    self.smtp.greylist[grey] = 1
                else:  # a busy server asking for longer than a run waits
                    self.microsoft.retry_after = 30
                    self.microsoft.answers[:] = [None, "busy"]
                mails = self.queue(
                    [
                        f"ok6-{transport}@client.example.com",
                        grey,
                        f"ok7-{transport}@client.example.com",
                    ],
                    auto_delete=True,
                )
                waiting = mails[1]
                message_id = waiting.message_id
                self.run_cron(mails, transport)
                self.assertEqual(waiting.state, "outgoing")
                self.assertTrue(waiting.failure_reason)
                self.assertGreater(waiting.scheduled_date, fields.Datetime.now())
                self.assertEqual(waiting.delivery_server_id, self.servers[transport])
                if transport == "smtp":  # only this recipient waits
                    self.assertIn("Greylisted", waiting.failure_reason)
                    self.assertIn(grey, waiting.failure_reason)
                    self.assertFalse(mails[2].exists(), "sent and deleted")
                else:  # the whole server waits: the others keep their place
                    self.assertIn("is busy", waiting.failure_reason)
                    self.assertEqual(mails[2].state, "outgoing")
                    self.assertIn("is busy", self.servers[transport].delivery_issue)
                self.run_cron(mails, transport)  # too early: nothing changes
                self.assertEqual(waiting.state, "outgoing")
                self.time_passes(mails)
                self.run_cron(mails, transport)
                self.assertFalse(mails.exists(), "all sent and deleted")
                received = self.received(transport)
                self.assertEqual(len(received), 3)
                self.assertEqual(len({m["Message-Id"] for m in received}), 3)
                self.assertIn(message_id, {m["Message-Id"] for m in received})
                self.assertFalse(self.servers[transport].delivery_issue)
        self.microsoft.retry_after = 1

    def test_a_server_down_at_the_start_defers_every_transport(self):
        closed = f"http://127.0.0.1:{free_port()}"
        down = {
            "smtp": {"smtp_port": free_port()},
            "ews": {"ews_url": f"{closed}/EWS/Exchange.asmx"},
            "graph": {"ms_login_url": closed, "ms_client_secret": "s3cret"},
        }
        for transport in TRANSPORTS:
            with self.subTest(transport=transport):
                server = self.servers[transport].copy()
                server.write(down[transport])  # after: see smtp_server()
                mails = self.queue(["a@client.example.com", "b@client.example.com"])
                mails.mail_server_id = server
                started = time.monotonic()
                with real_sending():
                    self.env["mail.mail"].process_email_queue(mails.ids)
                self.assertLess(time.monotonic() - started, 10)
                self.assertEqual(mails.mapped("state"), ["outgoing", "outgoing"])
                self.assertIn("does not answer", mails[0].failure_reason)
                self.assertTrue(mails[0].scheduled_date)
                self.assertIn("does not answer", server.delivery_issue)
                self.assertTrue(server.delivery_next_try)
                self.assertEqual(server.deferred_mail_count, 1)

    def test_a_slow_drip_is_cut_at_the_deadline(self):
        self.env["ir.config_parameter"].set_param("facto_demat.mail_request_seconds", 1)
        for transport in ("ews", "graph"):
            with self.subTest(transport=transport):
                self.setUp()
                self.microsoft.drip = 0.2  # a byte every 0.2 s: a minute an answer
                mail = self.queue(["lent@client.example.com"])
                started = time.monotonic()
                self.run_cron(mail, transport)
                self.assertLess(time.monotonic() - started, 8)
                self.assertEqual(mail.state, "outgoing")
                self.assertIn("does not answer", mail.failure_reason)
                self.assertIn("within 1 s", mail.failure_reason)
                self.microsoft.drip = None
                self.time_passes(mail)
                self.run_cron(mail, transport)
                self.assertEqual(mail.state, "sent")

    def test_wrong_settings_stop_the_batch_and_every_email_keeps_its_place(self):
        cases = {
            "smtp": ("sender", "refuses to send from"),
            "ews": ("password", "refused the user name"),
            "graph": ("password", "refused the user name"),
        }
        for transport, (fault, words) in cases.items():
            with self.subTest(transport=transport):
                self.setUp()
                server = self.servers[transport]
                if fault == "sender":
                    self.smtp.sender_reply = "553 5.7.1 Sender not allowed"
                else:
                    self.microsoft.password = self.microsoft.client_secret = "autre"
                mails = self.queue([f"c{n}@client.example.com" for n in range(3)])
                try:
                    self.run_cron(mails, transport, times=2)
                finally:
                    self.smtp.sender_reply = None
                    self.microsoft.password = self.microsoft.client_secret = "s3cret"
                self.assertEqual(set(mails.mapped("state")), {"outgoing"})
                for mail in mails:
                    self.assertIn(words, mail.failure_reason)
                    # an SMTP server's sentence names no Exchange field
                    self.assertNotIn("mailbox", mail.failure_reason)
                self.assertIn(words, server.delivery_issue)
                self.assertFalse(server.delivery_next_try)
                # Fixing the settings clears the problem and wakes the queue.
                server.name = f"{server.name} (corrigé)"
                self.assertFalse(server.delivery_issue)
                self.run_cron(mails, transport)
                self.assertEqual(set(mails.mapped("state")), {"sent"})
                self.assertFalse(mails.filtered("failure_reason"))

    def test_a_non_ascii_mailbox_fails_alone_on_a_relay_without_smtputf8(self):
        mails = self.queue(["élodie@client.example.com", "ok@client.example.com"])
        self.run_cron(mails, "smtp")
        self.assertEqual(mails.mapped("state"), ["exception", "sent"])
        self.assertIn("SMTPUTF8", mails[0].failure_reason)
        self.assertIn("élodie@client.example.com", mails[0].failure_reason)

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

    def test_an_email_waits_a_bounded_time_then_fails_with_the_last_reason(self):
        grey = "toujours-grise@client.example.com"
        self.smtp.greylist[grey] = 99
        mail = self.queue([grey])
        self.run_cron(mail, "smtp")
        self.assertEqual(mail.state, "outgoing")
        first_try = mail.scheduled_date
        # the next tries come later and later
        mail.delivery_deferred_since -= timedelta(minutes=10)
        self.time_passes(mail)
        self.run_cron(mail, "smtp")
        self.assertEqual(mail.state, "outgoing")
        self.assertGreater(
            mail.scheduled_date - fields.Datetime.now(), timedelta(minutes=9)
        )
        self.assertTrue(first_try)
        mail.delivery_deferred_since -= timedelta(hours=24)
        self.time_passes(mail)
        self.run_cron(mail, "smtp")
        self.assertEqual(mail.state, "exception")
        self.assertIn("Not sent after 24 hours", mail.failure_reason)
        self.assertIn("Greylisted", mail.failure_reason)

    def test_a_message_taken_before_the_connection_broke_keeps_its_message_id(self):
        # At least once: the server took the message and then broke the
        # connection before saying so; the second copy has the same
        # Message-Id, so that the recipient's mail client shows one.
        self.smtp.answers[:] = ["take_and_die"]
        mail = self.queue(["double@client.example.com"])
        message_id = mail.message_id
        self.run_cron(mail, "smtp")
        self.assertEqual(mail.state, "outgoing")
        self.time_passes(mail)
        self.run_cron(mail, "smtp")
        self.assertEqual(mail.state, "sent")
        self.assertEqual(
            [message["Message-Id"] for message in self.received("smtp")],
            [message_id, message_id],
        )

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
        self.env["facto.demat.mail.acceptance"]._record(
            mail.id, {"compta@lefevre.example.com"}
        )
        self.run_cron(mail, "smtp")
        self.assertFalse(self.received("smtp"), "not sent twice")
        self.assertEqual(run.line_ids.state, "done")
        self.assertEqual(run.line_ids.event_id.event_type, "letter_emailed")
        self.assertFalse(
            self.env["facto.demat.mail.acceptance"]._taken(mail.ids), "forgotten"
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

    def test_emails_of_one_message_each_get_their_own_fate(self):
        first = self.queue(["j1@client.example.com"], auto_delete=True)
        second = self.env["mail.mail"].create(
            {
                "mail_message_id": first.mail_message_id.id,
                "body_html": "<p>Votre facture</p>",
                "email_to": "j2@client.example.com",
                "auto_delete": True,
            }
        )
        self.assertEqual(first.message_id, second.message_id)
        self.smtp.refuse["j1@client.example.com"] = "550 5.1.1 User unknown"
        self.smtp.greylist["j2@client.example.com"] = 1
        mails = first | second
        self.run_cron(mails, "smtp")
        self.assertEqual(first.state, "exception")
        self.assertEqual(second.state, "outgoing")
        self.assertIn("Greylisted", second.failure_reason)
        self.time_passes(mails)
        self.run_cron(mails, "smtp")
        self.assertFalse(second.exists(), "sent and deleted")
        self.assertEqual(first.state, "exception", "never retried")
        self.assertEqual(self.delivered_to("smtp"), ["j2@client.example.com"])

    def test_a_relay_without_auth_or_starttls_blocks_on_its_settings(self):
        for settings in (
            {"smtp_user": "compta", "smtp_pass": "s3cret"},
            {"smtp_encryption": "starttls"},
        ):
            with self.subTest(settings=settings):
                server = self.servers["smtp"].copy()
                server.write({**settings, "smtp_port": self.smtp.port})
                mails = self.queue(["a@client.example.com", "b@client.example.com"])
                mails.mail_server_id = server
                with real_sending(), mute_logger(ODOO_MAIL_LOG):
                    self.env["mail.mail"].process_email_queue(mails.ids)
                self.assertEqual(mails.mapped("state"), ["outgoing", "outgoing"])
                self.assertIn("refuses every email", mails[1].failure_reason)
                self.assertNotIn("SMTPUTF8", mails[0].failure_reason)
                self.assertIn("refuses every email", server.delivery_issue)
                self.assertEqual(server.deferred_mail_count, 2)

    def test_a_message_over_the_size_limit_fails_alone(self):
        self.smtp.max_size = 20000
        big = self.queue(["gros@client.example.com"])
        big.body_html = "<p>" + "x" * 30000 + "</p>"
        small = self.queue(["p1@client.example.com", "p2@client.example.com"])
        self.run_cron(big | small, "smtp", times=2)
        self.assertEqual(big.state, "exception")
        self.assertIn("552", big.failure_reason)
        self.assertEqual(small.mapped("state"), ["sent", "sent"])

    def test_a_recipient_asked_to_wait_among_several_gets_it_later_alone(self):
        self.smtp.greylist["grey@client.example.com"] = 1
        mail = self.queue(["ok2@client.example.com, grey@client.example.com"])
        self.run_cron(mail, "smtp")
        self.assertEqual(mail.state, "outgoing")
        self.assertEqual(mail.email_to, "grey@client.example.com")
        self.time_passes(mail)
        self.run_cron(mail, "smtp")
        self.assertEqual(mail.state, "sent")
        envelopes = sorted(r for *_rest, rcpts in self.smtp.received for r in rcpts)
        self.assertEqual(
            envelopes, ["grey@client.example.com", "ok2@client.example.com"], "once"
        )

    def test_a_partner_who_took_the_email_is_not_sent_it_again(self):
        took, waits = self.Partner.create(
            [
                {"name": "P1", "email": "k1@client.example.com, k2@client.example.com"},
                {"name": "P2", "email": "k3@client.example.com"},
            ]
        )
        self.smtp.greylist["k3@client.example.com"] = 1
        mail = self.env["mail.mail"].create(
            {
                "body_html": "<p>Avis</p>",
                "email_from": self.microsoft.mailbox,
                "recipient_ids": (took | waits).ids,
            }
        )
        self.run_cron(mail, "smtp")
        self.assertEqual(mail.recipient_ids, waits)
        self.time_passes(mail)
        self.run_cron(mail, "smtp")
        self.assertEqual(
            sorted(self.delivered_to("smtp")),
            [
                "k1@client.example.com",
                "k2@client.example.com",
                "k3@client.example.com",
            ],
        )
