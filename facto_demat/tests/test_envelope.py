import email
import email.policy

from odoo import Command
from odoo.tests import tagged

from .common import SendCase, TransportCase, real_sending

# Names a user who may only create contacts gives a customer, to be sent
# its documents and letters too.
HOSTILE_NAMES = [
    "ACME attacker@evil.example",
    "ACME <a@evil.example>",
    "ACME, a@evil.example",
    '"ACME" <a@evil.example>',
    'ACME "b@evil.example" \\ c@evil.example',
    "ACME\r\nBcc: x@evil.example",
    "ACME\nCc: y@evil.example\r\nTo: z@evil.example",
    "ACME attaquant@évil.example",
    "Société ACME <é@évil.example>",
]
# an address of the attacker, as the envelope would write it
EVIL = ("evil.example", "xn--vil-")
# headers a received message may have, whatever the name holds
NO_HEADER = ("Bcc", "Cc", "Resent-To", "Resent-Bcc")


@tagged("post_install", "-at_install")
class TestEnvelope(SendCase, TransportCase):
    """What the relay receives when a customer's name holds addresses or
    line breaks: the envelope (RCPT TO) and the headers hold only the
    customer's own addresses, on every road documents and letters go."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # documents without a server of their own go through the SMTP double
        cls.servers["smtp"].sequence = 0
        cls.customer.customer_rank = 1
        cls.clerk = cls.company_user("contacts", "base.group_partner_manager")

    def rename(self, name, customer=None):
        """The clerk, who may only create and change contacts, renames the
        customer."""
        customer = customer or self.customer
        customer.with_user(self.clerk).name = name
        self.assertEqual(customer.name, name)

    def deliver(self, records):
        """Send what the queue still holds for `records` through the SMTP
        double."""
        mails = self.env["mail.mail"].search(
            [
                ("model", "=", records._name),
                ("res_id", "in", records.ids),
                ("state", "=", "outgoing"),
            ]
        )
        if mails:
            self.run_queue(mails, "smtp")

    def assertOnlyCustomerReached(
        self, expected=("contact@boulangerie-martin.example",)
    ):
        """Every message the relay received went to the customer's own
        addresses (`expected`, as the envelope writes them) and to no
        address of a display name, in the envelope as in the headers."""
        received = [
            (
                email.message_from_bytes(mime, policy=email.policy.default),
                [rcpt.lower() for rcpt in rcpts],
            )
            for _time, _kind, mime, rcpts in self.smtp.received
        ]
        envelope = [rcpt for _message, rcpts in received for rcpt in rcpts]
        for address in expected:
            self.assertIn(address, envelope)
        self.assertFalse(
            [rcpt for rcpt in envelope if any(mark in rcpt for mark in EVIL)],
            envelope,
        )
        for message, rcpts in received:
            self.assertEqual(len(rcpts), len(set(rcpts)), rcpts)
            for header in NO_HEADER:
                self.assertIsNone(message[header], f"{header}: {message[header]}")
            if set(rcpts) & set(expected):
                self.assertEqual(
                    sorted(
                        address.addr_spec.lower() for address in message["To"].addresses
                    ),
                    sorted(self.header_form(address) for address in expected),
                )
                self.assertIn("ACME", str(message["To"]))
            for name, value in message.items():
                self.assertNotIn("\n", str(value), name)
                self.assertNotIn("\r", str(value), name)

    def header_form(self, address):
        """`address` as the To header gives it back (Unicode domain)."""
        local, _at, domain = address.rpartition("@")
        return f"{local}@{domain.encode().decode('idna')}"

    def each_hostile_name(self, send, customer=None, **expected):
        for name in HOSTILE_NAMES:
            with self.subTest(name=name):
                self.smtp.received.clear()
                self.rename(name, customer)
                with real_sending():
                    send()
                self.assertOnlyCustomerReached(**expected)

    def test_invoice_send_wizard(self):
        def send():
            move = self.invoice(self.customer)
            self.wizard(move).action_send_and_print()
            self.deliver(move)

        self.each_hostile_name(send)

    def test_batch_send_and_the_send_cron(self):
        def batch():
            moves = self.invoice(self.customer) | self.invoice(self.customer)
            self.wizard(moves).action_send_and_print()
            self.run_send_cron()
            self.deliver(moves)

        def cron():
            move = self.invoice(self.customer)
            self.env["account.move.send"]._generate_and_send_invoices(
                move, sending_methods={"email"}
            )
            self.deliver(move)

        self.each_hostile_name(batch)
        self.each_hostile_name(cron)

    def test_chatter_composer_on_an_invoice(self):
        move = self.invoice(self.customer)

        def send():
            composer = (
                self.env["mail.compose.message"]
                .with_context(
                    default_model="account.move",
                    default_res_ids=move.ids,
                    default_composition_mode="comment",
                )
                .create(
                    {
                        "body": "<p>Votre facture</p>",
                        "partner_ids": [Command.set(self.customer.ids)],
                    }
                )
            )
            composer.action_send_mail()
            self.deliver(move)

        self.each_hostile_name(send)

    def test_an_idn_address_of_the_customer_is_still_reached(self):
        self.customer.email = "contact@hôtel-société.example"
        move = self.invoice(self.customer)

        def send():
            self.env["account.move.send"]._generate_and_send_invoices(
                move, sending_methods={"email"}
            )
            self.deliver(move)

        self.each_hostile_name(
            send, expected=("contact@xn--htel-socit-j7ab6k.example",)
        )

    def test_dematerialisation_letters(self):
        self.enterContext(self.pdf_rendering())
        self.env = self.env(context=dict(self.env.context, force_report_rendering=True))
        self.customer.ref = "C0001"

        def send():
            action = (
                self.env["facto.demat.letter.wizard"]
                .create(
                    {
                        "partner_ids": [Command.set(self.customer.ids)],
                        "output": "email",
                        "include_already_sent": True,
                    }
                )
                .action_confirm()
            )
            run = self.env["facto.demat.letter.run"].browse(action["res_id"])
            self.assertEqual(run.line_ids.partner_id, self.customer)
            self.run_queue(run.line_ids.mail_ids, "smtp")
            self.assertEqual(run.line_ids.state, "done")

        self.each_hostile_name(send)
