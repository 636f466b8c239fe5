import time
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import ODOO_MAIL_LOG, TRANSPORTS, MailTransportCase, real_sending
from .fake_servers import free_port


@tagged("post_install", "-at_install")
class TestMailDelivery(MailTransportCase):
    """What each kind of server answer does to an email and to the rest of
    its batch: refused for good, refused for every email, not now; never
    lost, never stalled, always said."""

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
                        refused.mail_transport_server_id, self.servers[transport]
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
                self.assertEqual(
                    waiting.mail_transport_server_id, self.servers[transport]
                )
                if transport == "smtp":  # only this recipient waits
                    self.assertIn("Greylisted", waiting.failure_reason)
                    self.assertIn(grey, waiting.failure_reason)
                    self.assertFalse(mails[2].exists(), "sent and deleted")
                else:  # the whole server waits: the others keep their place
                    self.assertIn("is busy", waiting.failure_reason)
                    self.assertEqual(mails[2].state, "outgoing")
                    self.assertIn(
                        "is busy", self.servers[transport].mail_transport_issue
                    )
                self.run_cron(mails, transport)  # too early: nothing changes
                self.assertEqual(waiting.state, "outgoing")
                self.time_passes(mails)
                self.run_cron(mails, transport)
                self.assertFalse(mails.exists(), "all sent and deleted")
                received = self.received(transport)
                self.assertEqual(len(received), 3)
                self.assertEqual(len({m["Message-Id"] for m in received}), 3)
                self.assertIn(message_id, {m["Message-Id"] for m in received})
                self.assertFalse(self.servers[transport].mail_transport_issue)
        self.microsoft.retry_after = 1

    def test_a_server_down_at_the_start_defers_every_transport(self):
        closed = f"http://127.0.0.1:{free_port()}"
        down = {
            "smtp": {"smtp_port": free_port()},
            "ews": {"mail_transport_ews_url": f"{closed}/EWS/Exchange.asmx"},
            "graph": {
                "mail_transport_login_url": closed,
                "mail_transport_client_secret": "s3cret",
            },
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
                self.assertIn("does not answer", server.mail_transport_issue)
                self.assertTrue(server.mail_transport_next_try)
                self.assertEqual(server.mail_transport_waiting_count, 1)

    def test_a_slow_drip_is_cut_at_the_deadline(self):
        self.env["ir.config_parameter"].set_param(
            "mail_outbound_transport.request_seconds", 1
        )
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
                self.assertIn(words, server.mail_transport_issue)
                self.assertFalse(server.mail_transport_next_try)
                # Fixing the settings clears the problem and wakes the queue.
                server.name = f"{server.name} (corrigé)"
                self.assertFalse(server.mail_transport_issue)
                self.run_cron(mails, transport)
                self.assertEqual(set(mails.mapped("state")), {"sent"})
                self.assertFalse(mails.filtered("failure_reason"))

    def test_a_non_ascii_mailbox_fails_alone_on_a_relay_without_smtputf8(self):
        mails = self.queue(["élodie@client.example.com", "ok@client.example.com"])
        self.run_cron(mails, "smtp")
        self.assertEqual(mails.mapped("state"), ["exception", "sent"])
        self.assertIn("SMTPUTF8", mails[0].failure_reason)
        self.assertIn("élodie@client.example.com", mails[0].failure_reason)

    def test_an_email_waits_a_bounded_time_then_fails_with_the_last_reason(self):
        grey = "toujours-grise@client.example.com"
        self.smtp.greylist[grey] = 99
        mail = self.queue([grey])
        self.run_cron(mail, "smtp")
        self.assertEqual(mail.state, "outgoing")
        first_try = mail.scheduled_date
        # the next tries come later and later
        mail.mail_transport_waiting_since -= timedelta(minutes=10)
        self.time_passes(mail)
        self.run_cron(mail, "smtp")
        self.assertEqual(mail.state, "outgoing")
        self.assertGreater(
            mail.scheduled_date - fields.Datetime.now(), timedelta(minutes=9)
        )
        self.assertTrue(first_try)
        mail.mail_transport_waiting_since -= timedelta(hours=24)
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
        # The server took the email, then the worker sending it was killed
        # before its transaction counted it: the acceptance it wrote at once
        # lets the next run count it instead of sending it again.
        took, waits = self.queue(["Compta@Lefèvre.example.com", "b@client.example"])
        self.env["mail.transport.acceptance"]._record(
            took.id, {"compta@xn--lefvre-5ua.example.com"}
        )
        self.run_cron(took | waits, "smtp")
        self.assertEqual(self.delivered_to("smtp"), ["b@client.example"])
        self.assertEqual((took | waits).mapped("state"), ["sent", "sent"])
        self.assertFalse(
            self.env["mail.transport.acceptance"]._taken(took.ids), "forgotten"
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
                self.assertIn("refuses every email", server.mail_transport_issue)
                self.assertEqual(server.mail_transport_waiting_count, 2)

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
        took, waits = self.env["res.partner"].create(
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
