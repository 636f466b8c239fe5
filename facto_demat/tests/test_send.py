from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import DematCase


@tagged("post_install", "-at_install")
class TestSendInvoices(DematCase):
    """Invoices are emailed only to customers who may receive them, on every
    road Odoo sends them by."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.refused = cls.Partner.create(
            {"name": "Refuse SARL", "email": "non@refus.example", "demat_refused": True}
        )
        cls.no_address = cls.Partner.create({"name": "Sans adresse"})
        cls.invalid = cls.Partner.create(
            {"name": "Mauvaise adresse", "email": "compta@@mauvaise.example"}
        )

    def invoice(self, partner):
        return self.init_invoice(
            "out_invoice", partner=partner, amounts=[100.0], post=True
        )

    def wizard(self, moves):
        model = (
            "account.move.send.wizard"
            if len(moves) == 1
            else ("account.move.send.batch.wizard")
        )
        return (
            self.env[model]
            .with_context(active_model="account.move", active_ids=moves.ids)
            .create({})
        )

    def emailed_to(self, move, partner):
        return bool(
            self.env["mail.notification"].search_count(
                [
                    ("mail_message_id.model", "=", "account.move"),
                    ("mail_message_id.res_id", "=", move.id),
                    ("res_partner_id", "=", partner.id),
                    ("notification_type", "=", "email"),
                ]
            )
        )

    def test_allowed_customer_is_emailed_as_before(self):
        move = self.invoice(self.customer)
        wizard = self.wizard(move)
        self.assertEqual(wizard.sending_methods, ["email"])
        self.assertNotIn("facto_demat_email_not_allowed", wizard.alerts or {})
        wizard.action_send_and_print()
        self.assertTrue(self.emailed_to(move, self.customer))

    def test_single_wizard_proposes_paper_and_says_why(self):
        for partner, reason in (
            (self.refused, "refused on"),
            (self.invalid, "No valid email address"),
        ):
            with self.subTest(partner=partner.name):
                move = self.invoice(partner)
                wizard = self.wizard(move)
                self.assertEqual(wizard.sending_methods, ["manual"])
                wizard.sending_methods = ["email"]
                alert = wizard.alerts["facto_demat_email_not_allowed"]
                self.assertEqual(alert["level"], "danger")
                self.assertIn(reason, alert["message"])
                with self.assertRaises(UserError):
                    wizard.action_send_and_print()
                self.assertFalse(self.emailed_to(move, partner))
                self.assertFalse(
                    partner.with_company(move.company_id).invoice_sending_method,
                    "Odoo must not record 'by Email' for this customer",
                )

    def test_no_email_at_all_keeps_odoo_alert(self):
        move = self.invoice(self.no_address)
        wizard = self.wizard(move)
        wizard.sending_methods = ["email"]
        self.assertIn("account_missing_email", wizard.alerts)
        self.assertNotIn("facto_demat_email_not_allowed", wizard.alerts)

    def test_notice_period_and_opt_in_reasons(self):
        move = self.invoice(self.customer)
        self.env.company.demat_grace_days = 10
        self.assertIn("Notice period", move._demat_block_reason())
        self.env.company.write(
            {"demat_grace_days": 0, "demat_consent_policy": "opt_in"}
        )
        self.env.invalidate_all()  # the status is computed for the moment
        self.assertIn("opt-in", move._demat_block_reason())
        self.assertEqual(self.wizard(move).sending_methods, ["manual"])

    def test_batch_and_cron_email_only_allowed_customers(self):
        allowed, refused = self.invoice(self.customer), self.invoice(self.refused)
        moves = allowed | refused
        wizard = self.wizard(moves)
        self.assertEqual(
            {method: data["count"] for method, data in wizard.summary_data.items()},
            {"email": 1, "manual": 1},
        )
        wizard.action_send_and_print()  # through the sending cron
        self.env.ref("account.ir_cron_account_move_send").method_direct_trigger()
        self.assertTrue(self.emailed_to(allowed, self.customer))
        self.assertFalse(self.emailed_to(refused, self.refused))
        self.assertTrue(refused.invoice_pdf_report_id, "its PDF is ready to print")

    def test_forced_email_in_batch_skips_refused_customers(self):
        refused = self.invoice(self.refused)
        self.env["account.move.send"]._generate_and_send_invoices(
            refused, sending_methods={"email"}
        )
        self.assertFalse(self.emailed_to(refused, self.refused))

    def test_online_payment_road(self):
        # what sale's payment transaction does after an online payment
        refused = self.invoice(self.refused)
        self.env["account.move.send"].sudo()._generate_and_send_invoices(
            refused, allow_raising=False, allow_fallback_pdf=True
        )
        self.assertFalse(self.emailed_to(refused, self.refused))

    def test_followers_road(self):
        move = self.invoice(self.refused)
        move.message_subscribe(partner_ids=self.refused.ids)
        move.message_post(
            body="Voici votre facture",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        self.assertFalse(self.emailed_to(move, self.refused))
        allowed = self.invoice(self.customer)
        allowed.message_subscribe(partner_ids=self.customer.ids)
        allowed.message_post(
            body="Voici votre facture",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            partner_ids=self.customer.ids,
        )
        self.assertTrue(self.emailed_to(allowed, self.customer))
