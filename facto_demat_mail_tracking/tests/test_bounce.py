from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.facto_demat.tests.common import SendCase


@tagged("post_install", "-at_install")
class TestBouncedAddress(SendCase):
    """An address mail_tracking saw bounce is no document address."""

    def test_a_bounce_sends_documents_elsewhere_or_on_paper(self):
        contact = self.Partner.create(
            {
                "name": "Factures Martin",
                "type": "invoice",
                "parent_id": self.customer.id,
                "email": "factures@boulangerie-martin.example",
            }
        )
        self.assertEqual(self.customer.demat_recipient_id, contact)
        contact.email_bounced = True
        self.assertEqual(self.customer.demat_recipient_id, self.customer)
        self.assertIn("bounced", self.customer.demat_email_issue)
        self.customer.email_bounced = True
        self.assertEqual(self.customer.demat_status, "no_email")
        move = self.invoice(self.customer)
        self.assertProposesPaper(self.wizard(move))
        contact.email = "compta@boulangerie-martin.example"  # fixed: cleared
        self.assertFalse(contact.email_bounced)
        self.assertEqual(self.customer.demat_email, "compta@boulangerie-martin.example")

    def test_a_letter_mail_tracking_caught_ends_failed_without_evidence(self):
        self.env.company.email = "factures@lambert.example"
        self.customer.customer_rank = 1
        line = self.letter_line(self.customer)
        mail = line.mail_ids
        mail.email_to = "pas une adresse"
        with mute_logger("odoo.addons.mail.models.mail_mail"), self.mails_sent():
            mail.send()
        self.assertEqual(line.state, "failed")
        self.assertNotIn("Error without exception", line.failure_reason)
        self.assertFalse(
            self.events_of(self.customer).filtered(
                lambda event: event.event_type == "letter_emailed"
            )
        )
        if mail.exists():  # 18.0's mail_tracking keeps it; 19.0's lets Odoo delete it
            self.assertEqual(mail.state, "exception", "kept, failed")

    def test_its_hard_bounce_of_a_letter_ends_it_bounced(self):
        self.env.company.email = "factures@lambert.example"
        self.customer.write({"customer_rank": 1, "name": "Boulangerie Gérard"})
        line = self.emailed_letter(self.customer)
        tracking = self.env["mail.tracking.email"].search(
            [("mail_message_id", "=", line.mail_message_id.id)]
        )
        tracking.event_create(
            "hard_bounce", {"bounce_description": "550 5.1.1 User unknown"}
        )
        self.assertRecordValues(
            line, [{"state": "bounced", "failure_reason": "550 5.1.1 User unknown"}]
        )
        bounced = self.events_of(self.customer).filtered(
            lambda event: event.event_type == "letter_bounced"
        )
        self.assertRecordValues(
            bounced,
            [
                {
                    "email": "contact@boulangerie-martin.example",
                    "note": "550 5.1.1 User unknown",
                }
            ],
        )
        self.assertFalse(self.customer.demat_letter_sent)
        self.assertTrue(self.customer.email_bounced)
        self.assertEqual(self.customer.demat_status, "no_email")
        self.assertTrue(
            self.customer.message_ids.filtered(
                lambda message: "counts as not sent" in message.body
            )
        )
        self.assertProposesPaper(self.wizard(self.invoice(self.customer)))
        result = self.Event.action_verify_integrity()
        self.assertEqual(result["params"]["type"], "success")
