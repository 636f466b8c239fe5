from itertools import pairwise

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import TRANSPORTS, MailTransportCase, build_email, real_sending


@tagged("post_install", "-at_install")
class TestMailTransports(MailTransportCase):
    """Every email Odoo sends goes through the server's transport (SMTP,
    EWS, Graph), paced, retried and deferred, never lost nor doubled."""

    def test_connection_test_says_what_is_wrong(self):
        for transport in ("ews", "graph"):
            server = self.servers[transport]
            with self.subTest(transport=transport):
                action = server.test_smtp_connection()
                self.assertEqual(action["params"]["type"], "success")
                for answer, sentence in (
                    ("denied", "may not send as the mailbox"),
                    ("busy", "is busy and asks to try again later"),
                ):
                    self.microsoft.check_answers[:] = [answer]
                    with self.assertRaisesRegex(UserError, sentence):
                        server.test_smtp_connection()
                self.microsoft.password = "autre"
                self.microsoft.client_secret = "autre"
                try:
                    with self.assertRaisesRegex(UserError, "refused the user name"):
                        server.test_smtp_connection()
                finally:
                    self.microsoft.password = self.microsoft.client_secret = "s3cret"
        with real_sending():  # SMTP: Odoo's own test, through the session
            action = self.servers["smtp"].test_smtp_connection()
            self.assertEqual(action["params"]["type"], "success")
            closed = self.servers["smtp"].copy()
            closed.smtp_port = 9
            with (
                mute_logger("odoo.addons.base.models.ir_mail_server"),
                self.assertRaisesRegex(UserError, "does not answer"),
            ):
                closed.test_smtp_connection()
        down = self.servers["graph"].copy(
            {
                "mail_transport_login_url": "http://127.0.0.1:9",
                "mail_transport_client_secret": "s3cret",
            }
        )
        with self.assertRaisesRegex(UserError, "does not answer"):
            down.test_smtp_connection()

    def test_rate_limit_spaces_the_messages(self):
        for transport in TRANSPORTS:
            with self.subTest(transport=transport):
                self.setUp()
                self.servers[transport].mail_transport_per_minute = 200  # one per 0.3 s
                self.run_queue(self.notifications(3), transport)
                arrivals = [item[0] for item in self.fake(transport).received]
                self.assertEqual(len(arrivals), 3)
                gaps = [later - earlier for earlier, later in pairwise(arrivals)]
                self.assertGreaterEqual(min(gaps), 0.27, gaps)

    def test_rate_limit_keeps_the_rest_for_the_next_runs(self):
        self.env["ir.config_parameter"].set_param(
            "mail_outbound_transport.run_seconds", 1
        )
        for transport in TRANSPORTS:
            with self.subTest(transport=transport):
                self.setUp()
                server = self.servers[transport]
                server.mail_transport_per_minute = (
                    30  # one per 2 s: one fits in this run
                )
                mails = self.notifications(3)
                self.run_queue(mails, transport)
                self.assertEqual(len(self.fake(transport).received), 1)
                self.assertEqual(
                    sorted(mails.mapped("state")), ["outgoing", "outgoing", "sent"]
                )
                self.assertTrue(
                    self.env["ir.cron.trigger"].search_count(
                        [
                            (
                                "cron_id",
                                "=",
                                self.env.ref("mail.ir_cron_mail_scheduler_action").id,
                            )
                        ]
                    )
                )

    def test_busy_server_is_retried_then_left_in_the_queue(self):
        self.microsoft.retry_after = 0.2
        for transport in ("ews", "graph"):
            with self.subTest(transport=transport):
                self.setUp()
                self.microsoft.answers[:] = ["busy"]
                mail = self.notifications(1)
                self.run_queue(mail, transport)
                self.assertEqual(mail.state, "sent")
                self.microsoft.answers[:] = ["busy"] * 4
                mail = self.notifications(1)
                self.run_queue(mail, transport)
                self.assertEqual(mail.state, "outgoing")
                self.assertIn("is busy", mail.failure_reason)
                self.assertTrue(mail.scheduled_date)
                self.time_passes(mail)
                self.run_queue(mail, transport)
                self.assertEqual(mail.state, "sent")
                self.assertFalse(mail.failure_reason)
                self.assertEqual(len(self.received(transport)), 2)
        # SMTP: a 451 is retried; beyond the run's time, the email waits
        self.smtp.answers[:] = ["busy"]
        mail = self.notifications(1)
        self.run_queue(mail, "smtp")
        self.assertEqual(mail.state, "sent")
        self.env["ir.config_parameter"].set_param(
            "mail_outbound_transport.run_seconds", 0
        )
        self.smtp.answers[:] = ["busy"]
        mail = self.notifications(1)
        self.run_queue(mail, "smtp")
        self.assertEqual(mail.state, "outgoing")

    def test_expired_graph_token_is_renewed(self):
        self.run_queue(self.notifications(1), "graph")
        self.microsoft.expire_tokens()
        mail = self.notifications(1)
        self.run_queue(mail, "graph")
        self.assertEqual(mail.state, "sent")
        self.assertEqual(len(self.received("graph")), 2)

    def test_direct_send_fails_plainly_when_the_server_asks_to_wait(self):
        # Outside the mail queue, nothing keeps the email for later.
        self.microsoft.retry_after = 0.1
        self.microsoft.answers[:] = ["busy"] * 4
        Server = self.env["ir.mail_server"]
        message = build_email(
            self.env,
            self.microsoft.mailbox,
            [self.recipient.email],
            "Avis",
            "<p>Avis</p>",
        )
        with real_sending(), self.assertRaisesRegex(UserError, "is busy"):
            Server.send_email(message, mail_server_id=self.servers["graph"].id)

    def test_server_dying_mid_batch_loses_nothing_and_sends_nothing_twice(self):
        for transport in TRANSPORTS:
            with self.subTest(transport=transport):
                self.setUp()
                fake = self.fake(transport)
                fake.answers[:] = [None, None, "die"]  # 2 of 5 go, then it dies
                mails = self.notifications(5)
                self.run_queue(mails, transport)
                self.assertEqual(len(fake.received), 2)
                self.assertEqual(
                    sorted(mails.mapped("state")), ["outgoing"] * 3 + ["sent"] * 2
                )
                self.assertFalse(mails.filtered(lambda m: m.state == "exception"))
                self.restart(transport)
                self.time_passes(mails)
                self.run_queue(
                    mails.filtered(lambda m: m.state == "outgoing"), transport
                )
                message_ids = [m["Message-Id"] for m in self.received(transport)]
                self.assertEqual(len(message_ids), 5)
                self.assertEqual(len(set(message_ids)), 5, "none sent twice")
                self.assertEqual(set(mails.mapped("state")), {"sent"})

    def restart(self, transport):
        self.fake(transport).start()

    @mute_logger("odoo.models")
    def test_secrets_are_for_administrators_only(self):
        manager = new_test_user(
            self.env,
            login="chef-compta",
            groups="base.group_erp_manager",
        )
        with self.assertRaises(AccessError):
            self.servers["graph"].with_user(manager).read(
                ["mail_transport_client_secret"]
            )
        with self.assertRaises(AccessError):
            self.servers["ews"].with_user(manager).read(["smtp_pass"])
        self.assertEqual(self.servers["graph"].mail_transport_client_secret, "s3cret")
