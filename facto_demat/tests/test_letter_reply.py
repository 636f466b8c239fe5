"""A customer's email in reply to a dematerialisation letter reaches its
consent through Odoo's mail gateway: one activity on the customer, with the
reply; the clerk records the refusal or applies the address it asks for, one
click away; nothing is decided from the reply's words."""

from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from .common import TransportCase, WebClientMixin

REFUSAL = (
    "Bonjour,\n\nNous refusons la facture par email. Pour tout le reste, merci "
    "d'utiliser compta@boulangerie-martin.example.\n\nJérôme Dûpont"
)


@tagged("post_install", "-at_install")
class TestLetterReply(TransportCase, WebClientMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesperson = cls.company_user("vendeuse-martin", "base.group_user")
        cls.clerk = cls.company_user("commis-compta", "account.group_account_invoice")
        cls.outsider = cls.company_user("sans-compta", "base.group_user")
        cls.customer.write({"customer_rank": 1, "user_id": cls.salesperson.id})
        cls.invoice_contact = cls.Partner.create(
            {
                "name": "Service comptable",
                "parent_id": cls.customer.id,
                "type": "invoice",
                "email": "Jérôme Dûpont <factures@boulangerie-martin.example>",
            }
        )
        cls.other = cls.Partner.create(
            {
                "name": "Épicerie Lefèvre",
                "is_company": True,
                "customer_rank": 1,
                "email": "contact@epicerie-lefevre.example",
            }
        )

    # What happens outside Odoo

    def email_letter(self, customer):
        """Email `customer` a letter through a real letter run and Odoo's
        mail queue; the letter (email.message) as its mail client got it."""
        action = (
            self.env["facto.demat.letter.wizard"]
            .with_context(active_model="res.partner", active_ids=customer.ids)
            .create({"output": "email"})
            .action_confirm()
        )
        run = self.env["facto.demat.letter.run"].browse(action["res_id"])
        self.run_queue(run.line_ids.mail_ids, "smtp")
        self.assertEqual(run.line_ids.state, "done")
        (letter,) = self.received("smtp")
        self.smtp.received.clear()
        return letter

    def reply(self, letter, text, in_reply_to=True, references=(), html=None):
        """What a customer's mail client sends when answering `letter`: the
        answer, with the letter quoted, in plain text and in HTML, to its
        Reply-To, from a name with accents; the References list ends with
        the letter's Message-Id, after `references`."""
        reply = EmailMessage()
        reply["From"] = Address(
            "Jérôme Dûpont", addr_spec="jerome.dupont@boulangerie-martin.example"
        )
        reply["To"] = letter["Reply-To"]
        reply["Subject"] = f"RE: {letter['Subject']}"
        reply["Date"] = formatdate(localtime=True)
        reply["Message-Id"] = make_msgid(domain="boulangerie-martin.example")
        if in_reply_to:
            reply["In-Reply-To"] = letter["Message-Id"]
        reply["References"] = " ".join([*references, letter["Message-Id"]])
        quoted = letter.get_body(("plain", "html")).get_content()
        reply.set_content(
            text
            + "\n\nLe lundi, Menuiserie a écrit :\n"
            + "\n".join(f"> {line}" for line in quoted.splitlines())
        )
        paragraphs = "".join(f"<p>{line}</p>" for line in text.split("\n\n"))
        reply.add_alternative(
            f"<html><body>{html or paragraphs}"
            f'<blockquote type="cite">{quoted}</blockquote></body></html>',
            subtype="html",
        )
        return reply

    def receive(self, reply):
        """Odoo gets the reply, as its incoming mail server fetching the
        sender mailbox (or its catchall) hands it over."""
        self.env["mail.thread"].message_process(False, reply.as_bytes())
        self.env.invalidate_all()

    # What the clerk sees

    def reply_activities(self, customer):
        activity_type = self.env.ref("facto_demat.mail_activity_letter_reply")
        return customer.activity_ids.filtered(
            lambda activity: activity.activity_type_id == activity_type
        )

    def test_a_reply_opens_one_activity_and_decides_nothing(self):
        letter = self.email_letter(self.customer)
        self.assertEqual(letter["Reply-To"], "factures@lambert.example")
        status = self.customer.demat_status
        events = self.events_of(self.customer)
        self.assertEqual(events[-1:].event_type, "letter_emailed")
        reply = self.reply(
            letter,
            REFUSAL,
            html="<p>Nous refusons la facture par email.</p>"
            "<script>alert('x')</script><p>Jérôme Dûpont</p>",
        )
        self.receive(reply)
        activity = self.reply_activities(self.customer)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.salesperson)
        note = str(activity.note)
        self.assertIn("Nous refusons la facture par email.", note)
        self.assertIn("Jérôme Dûpont", note)
        self.assertIn("jerome.dupont@boulangerie-martin.example", note)
        self.assertNotIn("<script", note)
        self.assertNotIn("alert", note)
        # the reply, not the letter it quotes (which names the address)
        letter_address = letter["To"].addresses[0].addr_spec
        self.assertIn(letter_address, letter.get_body(("html",)).get_content())
        self.assertIn(letter_address, str(self.customer.demat_letter_reply_id.body))
        self.assertNotIn(letter_address, note)
        # in the customer's chatter, as the email it is
        message = self.customer.message_ids.filtered(
            lambda message: message.message_id == reply["Message-Id"]
        )
        self.assertEqual(message.message_type, "email")
        self.assertEqual(self.customer.demat_letter_reply_id, message)
        self.assertTrue(self.customer.demat_letter_reply_open)
        # the words decide nothing
        self.assertFalse(self.customer.demat_refused)
        self.assertEqual(self.customer.demat_status, status)
        self.assertEqual(self.events_of(self.customer), events)
        self.assertFalse(self.reply_activities(self.other))

    def test_a_reply_by_references_only(self):
        letter = self.email_letter(self.other)
        self.receive(
            self.reply(
                letter,
                "Merci d'envoyer les factures à facturation@epicerie-lefevre.example.",
                in_reply_to=False,
                references=["<ticket-1234@helpdesk.epicerie-lefevre.example>"],
            )
        )
        self.assertEqual(len(self.reply_activities(self.other)), 1)
        self.assertFalse(self.reply_activities(self.customer))

    def test_a_later_reply_updates_the_same_activity(self):
        letter = self.email_letter(self.customer)
        first = self.reply(letter, "Nous allons réfléchir.")
        self.receive(first)
        self.receive(
            self.reply(
                letter,
                "Finalement, utilisez compta@boulangerie-martin.example.",
                references=[first["Message-Id"]],
            )
        )
        activity = self.reply_activities(self.customer)
        self.assertEqual(len(activity), 1)
        note = str(activity.note)
        self.assertIn("Nous allons réfléchir.", note)
        self.assertIn("Finalement, utilisez", note)
        self.assertLess(note.index("Finalement"), note.index("Nous allons"))
        self.assertIn("Finalement", self.customer.demat_letter_reply_id.body)

    def test_other_emails_open_no_activity(self):
        self.email_letter(self.customer)
        note = self.customer.message_post(
            body="Appel du client", message_type="comment"
        )
        unrelated = EmailMessage()
        unrelated["From"] = "jerome.dupont@boulangerie-martin.example"
        unrelated["To"] = "factures@lambert.example"
        unrelated["Subject"] = "RE: appel"
        unrelated["Message-Id"] = make_msgid(domain="boulangerie-martin.example")
        unrelated["In-Reply-To"] = note.message_id
        unrelated.set_content("Merci, compta@boulangerie-martin.example.")
        self.receive(unrelated)
        self.assertFalse(self.reply_activities(self.customer))

    def test_clerk_records_the_refusal_from_the_reply(self):
        letter = self.email_letter(self.customer)
        self.receive(self.reply(letter, REFUSAL))
        self.authenticate(self.outsider.login, self.outsider.login)
        error = self.call_button(
            "res.partner",
            "action_demat_refuse_from_reply",
            self.customer.ids,
            expect_error=True,
        )
        self.assertEqual(error["data"]["name"], "odoo.exceptions.AccessError")
        self.assertFalse(self.customer.demat_refused)
        self.authenticate(self.clerk.login, self.clerk.login)
        self.call_button(
            "res.partner", "action_demat_refuse_from_reply", self.customer.ids
        )
        self.env.invalidate_all()
        self.assertTrue(self.customer.demat_refused)
        refusal = self.events_of(self.customer)[-1]
        self.assertRecordValues(
            refusal,
            [{"event_type": "refusal_recorded", "channel": "manual"}],
        )
        self.assertEqual(refusal.user_id, self.clerk)
        self.assertIn("Jérôme Dûpont", refusal.note)
        self.assertIn("jerome.dupont@boulangerie-martin.example", refusal.note)
        self.assertFalse(self.reply_activities(self.customer))
        self.assertFalse(self.customer.demat_letter_reply_id)
        # nothing left to press
        error = self.call_button(
            "res.partner",
            "action_demat_refuse_from_reply",
            self.customer.ids,
            expect_error=True,
        )
        self.assertEqual(error["data"]["name"], "odoo.exceptions.UserError")

    def test_clerk_applies_the_address_of_the_reply(self):
        letter = self.email_letter(self.customer)
        self.receive(self.reply(letter, REFUSAL))
        events = self.events_of(self.customer)
        self.authenticate(self.outsider.login, self.outsider.login)
        error = self.call_button(
            "res.partner", "action_demat_reply_address", self.customer.ids, True
        )
        self.assertEqual(error["data"]["name"], "odoo.exceptions.AccessError")
        self.authenticate(self.clerk.login, self.clerk.login)
        action = self.call_button(
            "res.partner", "action_demat_reply_address", self.customer.ids
        )
        self.assertEqual(action["res_model"], "facto.demat.reply.address")
        wizard = (
            self.env[action["res_model"]]
            .with_user(self.clerk)
            .with_context(**action["context"])
            .create({})
        )
        # the reply's addresses, not the letter's nor the company's it quotes
        self.assertEqual(
            wizard.found_emails.split("\n"),
            [
                "compta@boulangerie-martin.example",
                "jerome.dupont@boulangerie-martin.example",
            ],
        )
        self.assertEqual(wizard.email, "compta@boulangerie-martin.example")
        wizard.email = "compta@@boulangerie-martin.example"
        error = self.call_button(
            wizard._name, "action_apply", wizard.ids, expect_error=True
        )
        self.assertEqual(error["data"]["name"], "odoo.exceptions.UserError")
        self.assertFalse(self.customer.demat_refused)
        wizard.email = "Compta Martin <Compta@Boulangerie-Martin.example>"
        self.call_button(wizard._name, "action_apply", wizard.ids)
        self.env.invalidate_all()
        self.assertEqual(
            self.invoice_contact.email, "compta@boulangerie-martin.example"
        )
        self.assertEqual(self.customer.demat_email, "compta@boulangerie-martin.example")
        self.assertFalse(self.customer.demat_refused)
        new_events = self.events_of(self.customer) - events
        self.assertRecordValues(
            new_events,
            [
                {
                    "event_type": "email_changed",
                    "user_id": self.clerk.id,
                    "email": "compta@boulangerie-martin.example",
                }
            ],
        )
        self.assertFalse(self.reply_activities(self.customer))
        # a user outside invoicing gets no wizard
        with self.assertRaises(AccessError):
            self.env[wizard._name].with_user(self.outsider).create(
                {"partner_id": self.other.id, "email": "x@epicerie-lefevre.example"}
            )
