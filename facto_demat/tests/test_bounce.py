from odoo.tests import tagged

from .common import SendCase

# A delivery status notification as Postfix writes it (RFC 3464): the
# report, then the headers of the email that could not be delivered.
DSN = """\
Return-Path: <>
Date: Wed, 2 Dec 2026 10:41:06 +0100 (CET)
From: MAILER-DAEMON@mx.lambert.example (Mail Delivery System)
To: factures@lambert.example
Subject: {subject}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
    boundary="4F1A2B3C.1764668466/mx.lambert.example"
Message-Id: <20261202094106.4F1A2B3C{serial}@mx.lambert.example>

This is a MIME-encapsulated message.

--4F1A2B3C.1764668466/mx.lambert.example
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.lambert.example.

--4F1A2B3C.1764668466/mx.lambert.example
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.lambert.example
X-Postfix-Queue-ID: 4F1A2B3C
Arrival-Date: Wed, 2 Dec 2026 10:40:24 +0100 (CET)

Final-Recipient: rfc822; {address}
Original-Recipient: rfc822;{address}
Action: {action}
Status: {status}
Remote-MTA: dns; mx.client.example
Diagnostic-Code: smtp; {diagnostic}

--4F1A2B3C.1764668466/mx.lambert.example
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

Return-Path: <factures@lambert.example>
Message-Id: {message_id}
From: Menuiserie Lambert <factures@lambert.example>
To: {address}
Subject: =?utf-8?q?Lettre_de_d=C3=A9mat=C3=A9rialisation?=

--4F1A2B3C.1764668466/mx.lambert.example--
"""
# A bounce in plain words, as some servers still write them: no report,
# the returned email attached.
PLAIN_BOUNCE = """\
From: MAILER-DAEMON@mx.client.example
To: factures@lambert.example
Subject: failure notice
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="plain-bounce"
Message-Id: <plain-bounce-1@mx.client.example>

--plain-bounce
Content-Type: text/plain; charset=utf-8

Désolé, la boîte aux lettres n'existe plus.

--plain-bounce
Content-Type: message/rfc822

Message-Id: {message_id}
From: Menuiserie Lambert <factures@lambert.example>
Subject: Lettre

Texte de la lettre.

--plain-bounce--
"""
UNKNOWN = (
    "550 5.1.1 <{address}>: Recipient address rejected: User unknown in "
    "virtual mailbox table"
)
FULL = "452 4.2.2 <{address}>: mailbox full, will retry"


@tagged("post_install", "-at_install")
class TestBounce(SendCase):
    """A bounce reaching Odoo's bounce address, for a letter or a document
    email: the letter counts as not sent, the address no longer receives
    documents until it changes; a delay only says so."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.email = "factures@lambert.example"
        cls.customer.customer_rank = 1
        cls.hotel = cls.Partner.create(
            {
                "name": "Hôtel Bérénice & Fils",
                "is_company": True,
                "ref": "C0902",
                "customer_rank": 1,
                "email": "Élise Gérard <elise.gerard@hotel-berenice.example>; "
                "compta@hotel-berenice.example",
            }
        )
        cls.garage = cls.Partner.create(
            {
                "name": "Garage Lefèvre",
                "is_company": True,
                "ref": "C0903",
                "customer_rank": 1,
                "email": "garage@lefevre.example",
            }
        )
        cls.accounting = cls.Partner.create(
            {
                "name": "Service comptabilité (Mme Noël)",
                "type": "invoice",
                "parent_id": cls.garage.id,
                "email": "factures@lefevre.example",
            }
        )
        cls.serial = 0

    def bounce(self, message, address, action="failed", status="5.1.1", text=None):
        """Feed Odoo's mail gateway the report that the email of `message`
        (mail.message) to `address` could not be delivered."""
        type(self).serial += 1
        report = DSN.format(
            subject="Undelivered Mail Returned to Sender",
            serial=self.serial,
            address=address,
            action=action,
            status=status,
            diagnostic=(text or UNKNOWN).format(address=address),
            message_id=message.message_id,
        )
        self.env["mail.thread"].message_process(False, report)

    def sent(self, move, partner):
        """The message of `move` emailed to `partner` (SendCase.emails:
        19.0's mocked SMTP connection names its own list `emails`)."""
        return SendCase.emails(self, move, partner)

    def events(self, partner, event_type):
        return self.events_of(partner).filtered(
            lambda event: event.event_type == event_type
        )

    def notes(self, partner, words):
        return partner.message_ids.filtered(lambda message: words in message.body)

    def offered_again(self, customer):
        """Whom the letter wizard (already sent left out, customers without
        address printed) offers to email and to print, among `customer`."""
        wizard = self.env["facto.demat.letter.wizard"].create(
            {
                "output": "email",
                "include_without_email": True,
                "partner_code_from": customer.ref,
                "partner_code_to": customer.ref,
            }
        )
        return wizard._select_customers()

    def assertIntact(self):
        result = self.Event.action_verify_integrity()
        self.assertEqual(result["params"]["type"], "success", result["params"])
        self.assertFalse(self.Event._find_chain_break(self.env.company))

    def test_a_bounced_letter_is_not_sent_and_the_customer_goes_to_paper(self):
        line = self.emailed_letter(self.customer)
        address = "contact@boulangerie-martin.example"
        self.bounce(line.mail_message_id, address)
        self.assertEqual(line.state, "bounced")
        self.assertIn("User unknown", line.failure_reason)
        emailed, bounced = (
            self.events(self.customer, "letter_emailed"),
            self.events(self.customer, "letter_bounced"),
        )
        self.assertEqual(line.event_id, emailed, "the letter stays downloadable")
        self.assertRecordValues(
            bounced,
            [
                {
                    "company_id": line.run_id.company_id.id,
                    "email": address,
                    "channel": "email",
                    "mail_message_id": line.mail_message_id.id,
                }
            ],
        )
        self.assertIn("550 5.1.1", bounced.note)
        self.assertFalse(self.customer.demat_letter_sent)
        self.assertFalse(self.customer.demat_letter_date)
        self.assertEqual(self.customer.message_bounce, 1)
        self.assertFalse(self.customer.demat_email)
        self.assertEqual(self.customer.demat_status, "no_email")
        self.assertIn(f"{address}: bounced", self.customer.demat_email_issue)
        self.assertTrue(self.notes(self.customer, "counts as not sent"))
        self.assertEqual(
            self.offered_again(self.customer), (self.Partner, self.customer)
        )
        self.assertProposesPaper(self.wizard(self.invoice(self.customer)))
        self.assertIntact()

        self.bounce(line.mail_message_id, address)  # the same report again
        self.assertEqual(len(self.events(self.customer, "letter_bounced")), 1)

        self.customer.email = "compta@boulangerie-martin.example"
        self.assertEqual(self.customer.message_bounce, 0, "a new address")
        self.assertEqual(self.customer.demat_email, "compta@boulangerie-martin.example")
        self.assertFalse(self.customer.demat_email_issue)
        self.assertEqual(self.offered_again(self.customer)[0], self.customer)
        self.assertIntact()

    def test_a_bounce_in_plain_words_ends_the_letter_with_its_text(self):
        line = self.emailed_letter(self.customer)
        self.env["mail.thread"].message_process(
            False, PLAIN_BOUNCE.format(message_id=line.mail_message_id.message_id)
        )
        self.assertEqual(line.state, "bounced")
        self.assertIn("la boîte aux lettres n'existe plus", line.failure_reason)
        self.assertEqual(
            self.events(self.customer, "letter_bounced").email,
            "contact@boulangerie-martin.example",
        )
        self.assertFalse(self.customer.demat_letter_sent)
        self.assertEqual(self.customer.message_bounce, 1, "its only address")
        self.assertIntact()

    def test_retyping_the_same_address_keeps_it_bounced(self):
        self.customer.message_bounce = 1
        self.customer.email = "Boulangerie <CONTACT@boulangerie-martin.example>"
        self.assertEqual(self.customer.message_bounce, 1)
        self.assertFalse(self.customer.demat_email)

    def test_a_letter_bounces_once_each_of_its_addresses_did(self):
        line = self.emailed_letter(self.hotel)
        self.assertEqual(
            line.email,
            "elise.gerard@hotel-berenice.example, compta@hotel-berenice.example",
        )
        self.bounce(line.mail_message_id, "compta@hotel-berenice.example")
        self.assertEqual(line.state, "done", "Élise may have read it")
        self.assertEqual(len(self.events(self.hotel, "letter_bounced")), 1)
        self.assertTrue(self.hotel.demat_letter_sent)
        self.assertEqual(self.hotel.message_bounce, 1)
        self.assertFalse(self.hotel.demat_email, "one field, one bounce record")
        self.bounce(line.mail_message_id, "Elise.Gerard@hotel-berenice.example")
        self.assertEqual(line.state, "bounced")
        self.assertRecordValues(
            self.events(self.hotel, "letter_bounced"),
            [
                {"email": "compta@hotel-berenice.example"},
                {"email": "elise.gerard@hotel-berenice.example"},
            ],
        )
        self.assertFalse(self.hotel.demat_letter_sent)
        self.assertEqual(self.offered_again(self.hotel), (self.Partner, self.hotel))
        self.assertIntact()

    def test_a_letter_to_the_invoice_contact_bounces_there_only(self):
        line = self.emailed_letter(self.garage)
        self.assertEqual(line.email, "factures@lefevre.example")
        self.bounce(line.mail_message_id, "factures@lefevre.example")
        self.assertEqual(line.state, "bounced")
        self.assertEqual(self.accounting.message_bounce, 1)
        self.assertEqual(self.garage.message_bounce, 0, "its own address did not")
        self.assertEqual(self.garage.demat_recipient_id, self.garage)
        self.assertEqual(self.garage.demat_email, "garage@lefevre.example")
        self.assertIn(
            "factures@lefevre.example: bounced", self.garage.demat_email_issue
        )
        self.assertFalse(self.garage.demat_letter_sent)
        self.assertEqual(self.offered_again(self.garage), (self.garage, self.Partner))
        self.assertIntact()

    def test_a_bounced_invoice_email_marks_the_address(self):
        move = self.invoice(self.garage)
        self.wizard(move).action_send_and_print()
        message = self.sent(move, self.accounting)
        self.assertTrue(message)
        self.bounce(message, "factures@lefevre.example")
        self.assertEqual(self.accounting.message_bounce, 1)
        self.assertEqual(self.garage.message_bounce, 0)
        self.assertEqual(self.garage.demat_recipient_id, self.garage)
        note = self.notes(self.garage, "bounced")
        self.assertIn("factures@lefevre.example", note.body)
        self.assertIn("User unknown", note.body)
        self.assertFalse(self.events(self.garage, "letter_bounced"))
        following = self.invoice(self.garage)
        self.wizard(following).action_send_and_print()
        self.assertTrue(self.sent(following, self.garage))
        self.assertFalse(self.sent(following, self.accounting))

        self.accounting.email = "comptabilite@lefevre.example"
        self.assertEqual(self.garage.demat_recipient_id, self.accounting)

    def test_a_bounced_invoice_to_one_of_several_addresses(self):
        move = self.invoice(self.hotel)
        self.wizard(move).action_send_and_print()
        message = self.sent(move, self.hotel)
        self.bounce(message, "compta@hotel-berenice.example")
        self.assertEqual(self.hotel.message_bounce, 1)
        self.assertEqual(self.hotel.demat_status, "no_email")
        self.assertProposesPaper(self.wizard(self.invoice(self.hotel)))

    def test_a_delay_is_said_and_not_counted(self):
        line = self.emailed_letter(self.customer)
        address = "contact@boulangerie-martin.example"
        self.bounce(line.mail_message_id, address, "delayed", "4.2.2", FULL)
        self.assertEqual(line.state, "done")
        self.assertFalse(self.events(self.customer, "letter_bounced"))
        self.assertEqual(self.customer.message_bounce, 0)
        self.assertTrue(self.customer.demat_letter_sent)
        self.assertEqual(self.customer.demat_email, address)
        note = self.notes(self.customer, "is delayed")
        self.assertIn("mailbox full", note.body)

        move = self.invoice(self.garage)
        self.wizard(move).action_send_and_print()
        self.bounce(
            self.sent(move, self.accounting),
            "factures@lefevre.example",
            "delayed",
            "4.4.1",
            "451 4.4.1 connection timed out",
        )
        self.assertEqual(self.accounting.message_bounce, 0)
        self.assertTrue(self.notes(self.garage, "is delayed"))
