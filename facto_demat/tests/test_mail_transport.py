from email.utils import getaddresses
from itertools import pairwise

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import TRANSPORTS, TransportCase, build_email, real_sending


@tagged("post_install", "-at_install")
class TestMailTransports(TransportCase):
    """Every email Odoo sends goes through the server's transport (SMTP,
    EWS, Graph), paced, retried and deferred, never lost nor doubled."""

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
            {"ms_login_url": "http://127.0.0.1:9", "ms_client_secret": "s3cret"}
        )
        with self.assertRaisesRegex(UserError, "does not answer"):
            down.test_smtp_connection()

    def test_rate_limit_spaces_the_messages(self):
        for transport in TRANSPORTS:
            with self.subTest(transport=transport):
                self.setUp()
                self.servers[transport].max_per_minute = 200  # one per 0.3 s
                self.run_queue(self.notifications(3), transport)
                arrivals = [item[0] for item in self.fake(transport).received]
                self.assertEqual(len(arrivals), 3)
                gaps = [later - earlier for earlier, later in pairwise(arrivals)]
                self.assertGreaterEqual(min(gaps), 0.27, gaps)

    def test_rate_limit_keeps_the_rest_for_the_next_runs(self):
        self.env["ir.config_parameter"].set_param("facto_demat.mail_run_seconds", 1)
        for transport in TRANSPORTS:
            with self.subTest(transport=transport):
                self.setUp()
                server = self.servers[transport]
                server.max_per_minute = 30  # one per 2 s: one fits in this run
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
        self.env["ir.config_parameter"].set_param("facto_demat.mail_run_seconds", 0)
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
            [self.customer.email],
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
            groups="account.group_account_manager,base.group_erp_manager",
        )
        with self.assertRaises(AccessError):
            self.servers["graph"].with_user(manager).read(["ms_client_secret"])
        with self.assertRaises(AccessError):
            self.servers["ews"].with_user(manager).read(["smtp_pass"])
        self.assertEqual(self.servers["graph"].ms_client_secret, "s3cret")

    def test_sender_email_starts_as_the_company_email(self):
        company = self.env["res.company"].create(
            {"name": "Autre SARL", "email": "contact@autre.example"}
        )
        self.assertEqual(company.demat_sender_email, "contact@autre.example")
        company.demat_sender_email = "factures@autre.example"
        company.email = "accueil@autre.example"
        self.assertEqual(company.demat_sender_email, "factures@autre.example")
        self.assertEqual(company._demat_reply_to(), "factures@autre.example")
