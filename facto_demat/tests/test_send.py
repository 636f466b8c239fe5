from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from ..tools.odoo_versions import ODOO_19
from .common import SendCase, page_count


@tagged("post_install", "-at_install")
class TestSendInvoices(SendCase):
    """Invoices are emailed only to customers who may receive them, on every
    road Odoo sends them by."""

    def test_allowed_customer_is_emailed_as_before(self):
        move = self.invoice(self.customer)
        wizard = self.wizard(move)
        self.assertEqual(wizard.sending_methods, ["email"])
        self.assertNotIn("facto_demat_email_not_allowed", wizard.alerts or {})
        wizard.action_send_and_print()
        self.assertTrue(self.emails(move, self.customer))
        self.assertFalse(self.held_back_notes(move))

    def test_single_wizard_proposes_paper_and_says_why(self):
        self.env.company.demat_grace_days = 15
        waiting = self.Partner.create(
            {"name": "En preavis", "email": "attente@preavis.example"}
        )
        waiting.write(
            {"demat_letter_sent": True, "demat_letter_date": fields.Datetime.now()}
        )
        self.env.invalidate_all()  # the status is computed for the moment
        for partner, reason in (
            (self.refused, "refused on"),
            (self.invalid, "No valid email address"),
            (waiting, "Notice period not over"),
        ):
            with self.subTest(partner=partner.name):
                move = self.invoice(partner)
                wizard = self.wizard(move)
                self.assertProposesPaper(wizard)
                alert = wizard.alerts["facto_demat_email_not_allowed"]
                self.assertEqual(alert["level"], "info")
                self.assertIn(reason, alert["message"])
                self.assertEqual(alert["action"]["res_id"], partner.id)
                wizard.sending_methods = ["email"]
                alert = wizard.alerts["facto_demat_email_not_allowed"]
                self.assertEqual(alert["level"], "danger")
                with self.assertRaises(UserError):
                    wizard.action_send_and_print()
                self.assertFalse(self.emails(move))
                self.assertFalse(
                    partner.with_company(move.company_id).invoice_sending_method,
                    "Odoo must not record 'by Email' for this customer",
                )

    def test_opt_in_customer_gets_paper_until_accepted(self):
        self.env.company.demat_consent_policy = "opt_in"
        self.env.invalidate_all()  # the status is computed for the moment
        move = self.invoice(self.customer)
        wizard = self.wizard(move)
        self.assertProposesPaper(wizard)
        self.assertIn(
            "opt-in", wizard.alerts["facto_demat_email_not_allowed"]["message"]
        )
        self.customer.action_demat_record_acceptance()
        self.assertEqual(self.wizard(move).sending_methods, ["email"])

    def test_paper_imposed_by_consent_is_not_the_customer_preference(self):
        move = self.invoice(self.refused)
        self.wizard(move).action_send_and_print()
        self.assertFalse(
            self.refused.with_company(move.company_id).invoice_sending_method,
            "once the refusal is withdrawn, the customer is emailed again",
        )
        self.assertEqual(len(self.held_back_notes(move)), 1)
        self.assertIn("refused on", self.held_back_notes(move).body)
        self.refused.action_demat_withdraw_refusal()
        self.assertEqual(self.wizard(move).sending_methods, ["email"])

    def test_no_email_at_all_keeps_odoo_alert(self):
        move = self.invoice(self.no_address)
        wizard = self.wizard(move)
        wizard.sending_methods = ["email"]
        alerts = wizard.alerts or {}
        if not ODOO_19:  # 19.0 proposes no recipient, and says nothing
            self.assertIn("account_missing_email", alerts)
        self.assertNotIn("facto_demat_email_not_allowed", alerts)

    def test_batch_emails_allowed_and_prints_the_others_in_one_pdf(self):
        # Real PDFs, in Odoo's batches, with the wkhtmltopdf of the machine
        # (Debian's renders one document per call): wkhtmltopdf reads the
        # assets from this server.
        self.enterContext(self.pdf_rendering())
        self.env = self.env(context=dict(self.env.context, force_report_rendering=True))
        allowed = self.invoice(self.customer) | self.invoice(self.customer)
        allowed |= self.invoice(self.customer, "out_refund")
        refused, invalid, no_address = (
            self.invoice(self.refused),
            self.invoice(self.invalid),
            self.invoice(self.no_address),
        )
        wizard = self.wizard(allowed | refused | invalid | no_address)
        # A customer without any address: 18.0 counts it by email and the
        # add-on prints it with the others; 19.0 leaves it out of the email
        # count with its own alert, and the add-on leaves it to Odoo.
        paper = refused | invalid | (no_address if not ODOO_19 else no_address.browse())
        self.assertEqual(
            {method: data["count"] for method, data in wizard.summary_data.items()},
            {"email": 3, "facto_demat_paper": len(paper)},
            wizard.summary_data,
        )
        self.assertIn(
            "Refuse SARL: refused on", wizard.summary_data["facto_demat_paper"]["extra"]
        )
        alert = wizard.alerts["facto_demat_email_not_allowed"]
        self.assertEqual(alert["level"], "warning")
        self.assertIn("2 document(s)", alert["message"])
        self.assertIn("Refuse SARL: refused on", alert["message"])

        action = wizard.action_send_and_print()

        params = action["params"]
        self.assertIn(f"{len(paper)} document(s) may not be emailed", params["message"])
        self.assertEqual(
            params["links"][0]["url"],
            "/facto_demat/documents_to_print/" + ",".join(map(str, paper.ids)),
        )
        self.assertEqual(page_count(paper._demat_print_pdf()), len(paper))
        self.assertTrue(all(paper.mapped("is_move_sent")))
        self.assertEqual(
            set(allowed.mapped(lambda move: move.sending_data["author_partner_id"])),
            {self.env.user.partner_id.id},
        )

        self.run_send_cron()
        for move in allowed:
            self.assertTrue(self.emails(move, self.customer))
            self.assertTrue(move.invoice_pdf_report_id)
        for move in refused | invalid | no_address:
            self.assertFalse(self.emails(move))
        self.assertEqual(len(self.held_back_notes(refused | invalid)), 2)

    def test_forced_email_skips_refused_customers(self):
        refused = self.invoice(self.refused)
        self.env["account.move.send"]._generate_and_send_invoices(
            refused, sending_methods={"email"}
        )
        self.assertFalse(self.emails(refused))
        self.assertTrue(self.held_back_notes(refused))

    def test_cron_road(self):
        refused = self.invoice(self.refused)
        refused.sending_data = {"author_partner_id": self.env.user.partner_id.id}
        self.run_send_cron()
        self.assertFalse(refused.sending_data)
        self.assertTrue(refused.invoice_pdf_report_id)
        self.assertFalse(self.emails(refused))

    def test_online_payment_road(self):
        # what sale's payment transaction does after an online payment
        refused = self.invoice(self.refused)
        self.env["account.move.send"].sudo()._generate_and_send_invoices(
            refused, allow_raising=False, allow_fallback_pdf=True
        )
        self.assertFalse(self.emails(refused))

    def test_followers_road(self):
        move = self.invoice(self.refused)
        self.post_to_follower(move, self.refused)
        self.assertFalse(self.emails(move, self.refused))
        allowed = self.invoice(self.customer)
        self.post_to_follower(allowed, self.customer)
        self.assertTrue(self.emails(allowed, self.customer))

    def test_addresses_typed_without_a_contact_obey_the_rule(self):
        """19.0 notifies addresses given alone (outgoing_email_to)."""
        if not ODOO_19:
            self.skipTest("18.0 notifies contacts only")
        move = self.invoice(self.refused)
        message = move.message_post(
            body="Votre facture",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            outgoing_email_to=(
                "Refus <NON@refus.example>, compta@@refus.example, "
                "expert@cabinet.example"
            ),
        )
        emailed = message.mail_ids.mapped("email_to")
        self.assertEqual(len(emailed), 1, emailed)
        self.assertIn("expert@cabinet.example", emailed[0])
        self.assertIn("non@refus.example (refused on", move.message_ids[0].body)

    def test_reply_to_is_the_sender_email_and_no_evidence_is_written(self):
        self.env.company.email = "factures@lambert.example"
        events = self.Event.search_count([])
        move = self.invoice(self.customer)
        self.wizard(move).action_send_and_print()
        self.assertIn("factures@lambert.example", self.emails(move).reply_to)
        refused = self.invoice(self.refused)
        self.wizard(refused).action_send_and_print()
        self.assertEqual(self.Event.search_count([]), events)

    def test_mass_mailing_leaves_out_customers_who_may_not_be_emailed(self):
        allowed, refused = self.invoice(self.customer), self.invoice(self.refused)
        composer = (
            self.env["mail.compose.message"]
            .with_context(
                default_model="account.move",
                default_res_ids=(allowed | refused).ids,
                default_composition_mode="mass_mail",
                default_template_id=self.env.ref(
                    "account.email_template_edi_invoice"
                ).id,
            )
            .create({"auto_delete": False})
        )
        mails, _messages = composer._action_send_mail()
        self.assertEqual(mails.mapped("res_id"), allowed.ids)
        self.assertTrue(self.held_back_notes(refused))


@tagged("post_install", "-at_install")
class TestSendToTheAddressOdooEmails(SendCase):
    """The one rule for who an invoice goes to: Odoo's invoice address, its
    valid addresses only, the left-out said in the alert and the chatter."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eta = cls.Partner.create(
            {"name": "Eta SARL", "is_company": True, "email": "compta@@eta.example.com"}
        )
        cls.eta_invoicing = cls.Partner.create(
            {
                "name": "Service factures",
                "type": "invoice",
                "parent_id": cls.eta.id,
                "email": "factures@eta.example.com",
            }
        )
        cls.theta = cls.Partner.create(
            {
                "name": "Thêta SAS",
                "is_company": True,
                "email": "Thêta Compta <compta@theta.example.com>",
            }
        )
        cls.theta_invoicing = cls.Partner.create(
            {
                "name": "Factures Thêta",
                "type": "invoice",
                "parent_id": cls.theta.id,
                "email": "factures@@theta.example.com",
            }
        )

    def notes(self, move):
        return move.message_ids.filtered(lambda m: "Not emailed to" in m.body)

    def test_single_wizard_emails_the_invoice_contact_and_says_who_is_left_out(self):
        for customer, contact, emailed, passed_over in (
            (self.eta, self.eta_invoicing, self.eta_invoicing, self.eta),
            (self.theta, self.theta_invoicing, self.theta, self.theta_invoicing),
        ):
            with self.subTest(customer=customer.name):
                move = self.invoice(customer)
                wizard = self.wizard(move)
                self.assertEqual(wizard.sending_methods, ["email"])
                self.assertEqual(wizard.mail_partner_ids, emailed)
                alert = wizard.alerts["facto_demat_recipients_left_out"]
                self.assertIn(passed_over.name, alert["message"])
                self.assertIn("two @", alert["message"])
                wizard.action_send_and_print()
                self.assertTrue(self.emails(move, emailed))
                self.assertFalse(self.emails(move, passed_over))
                note = self.notes(move)
                self.assertEqual(len(note), 1)
                self.assertIn(passed_over.name, note.body)
                self.assertFalse(self.held_back_notes(move))
                self.assertTrue(contact)

    def test_batch_and_cron_email_the_invoice_contact(self):
        self.enterContext(self.pdf_rendering())
        self.env = self.env(context=dict(self.env.context, force_report_rendering=True))
        self.env["ir.config_parameter"].set_param("account.pdf_generation_batch", 0)
        eta, theta, invalid = (
            self.invoice(self.eta),
            self.invoice(self.theta),
            self.invoice(self.invalid),
        )
        wizard = self.wizard(eta | theta | invalid)
        self.assertEqual(
            {method: data["count"] for method, data in wizard.summary_data.items()},
            {"email": 2, "facto_demat_paper": 1},
        )
        action = wizard.action_send_and_print()
        self.assertIn("1 document(s) may not be emailed", action["params"]["message"])
        self.assertEqual(page_count(invalid._demat_print_pdf()), 1)
        self.run_send_cron()
        self.assertTrue(self.emails(eta, self.eta_invoicing))
        self.assertFalse(self.emails(eta, self.eta))
        self.assertTrue(self.emails(theta, self.theta))
        self.assertFalse(self.emails(theta, self.theta_invoicing))
        self.assertTrue(self.notes(eta) and self.notes(theta))
        self.assertFalse(self.emails(invalid))
        self.assertTrue(self.held_back_notes(invalid))
        self.assertIn("two @", self.held_back_notes(invalid).body)

    def test_a_recipient_added_by_hand_is_checked_too(self):
        move = self.invoice(self.customer)
        wizard = self.wizard(move)
        wizard.mail_partner_ids |= self.invalid | self.refused
        wizard.action_send_and_print()
        self.assertTrue(self.emails(move, self.customer))
        self.assertFalse(self.emails(move, self.invalid))
        self.assertFalse(self.emails(move, self.refused))
        note = self.notes(move)
        self.assertIn("Mauvaise adresse (No valid email address", note.body)
        self.assertIn("Refuse SARL (refused on", note.body)

    def test_several_addresses_all_receive_the_invoice(self):
        partner = self.Partner.create(
            {
                "name": "Iota",
                "email": "compta@iota.example.com; Direction <dir@iota.example.com>",
            }
        )
        move = self.invoice(partner)
        self.wizard(move).action_send_and_print()
        self.assertTrue(self.emails(move, partner))
        mail = self.env["mail.mail"].create(
            {
                "body_html": "<p>Facture</p>",
                "recipient_ids": partner.ids,
                "model": "account.move",
                "res_id": move.id,
            }
        )
        self.assertEqual(
            sorted(
                address
                for email in mail._prepare_outgoing_list()
                for address in email["email_to"]
            ),
            ['"Iota" <compta@iota.example.com>', '"Iota" <dir@iota.example.com>'],
        )

    def test_a_partner_without_email_is_reached_through_its_invoice_contact(self):
        kappa = self.Partner.create({"name": "Kappa SA", "is_company": True})
        contact = self.Partner.create(
            {
                "name": "Compta Kappa",
                "type": "invoice",
                "parent_id": kappa.id,
                "email": "compta@kappa.example.com",
            }
        )
        single, batched = self.invoice(kappa), self.invoice(kappa)
        wizard = self.wizard(single)
        self.assertEqual(wizard.sending_methods, ["email"])
        self.assertFalse(wizard.alerts and "account_missing_email" in wizard.alerts)
        wizard.action_send_and_print()
        self.assertTrue(self.emails(single, contact))
        batch = self.wizard(batched | self.invoice(self.customer))
        self.assertFalse(batch.alerts and "account_missing_email" in batch.alerts)
        batch.action_send_and_print()
        self.run_send_cron()
        self.assertTrue(self.emails(batched, contact))

    def test_consent_is_judged_whatever_the_company_address(self):
        self.env.company.demat_consent_policy = "opt_in"
        theta = self.Partner.create({"name": "Theta SA", "is_company": True})
        jean = self.Partner.create(
            {"name": "Jean", "parent_id": theta.id, "email": "jean@theta.example.com"}
        )
        move = self.invoice(jean)
        wizard = self.wizard(move)
        self.assertProposesPaper(wizard)
        self.assertIn(
            "Not accepted yet",
            wizard.alerts["facto_demat_email_not_allowed"]["message"],
        )
        self.env.company.demat_consent_policy = "opt_out"
        self.env.company.demat_grace_days = 30
        rho = self.Partner.create(
            {"name": "Rho", "is_company": True, "email": "compta@@rho.example.com"}
        )
        contact = self.Partner.create(
            {"name": "Compta Rho", "parent_id": rho.id, "email": "c@rho.example.com"}
        )
        move = self.invoice(contact)
        self.env["account.move.send"]._generate_and_send_invoices(
            move, sending_methods={"email"}
        )
        self.assertFalse(self.emails(move))
        self.assertIn("Notice period not over", self.held_back_notes(move).body)

    def test_a_refused_customer_without_email_is_told_everywhere(self):
        kappa = self.Partner.create(
            {"name": "Kappa SA", "is_company": True, "demat_refused": True}
        )
        self.Partner.create(
            {
                "name": "Factures Kappa",
                "type": "invoice",
                "parent_id": kappa.id,
                "email": "factures@kappa.example.com",
            }
        )
        move = self.invoice(kappa)
        wizard = self.wizard(move)
        self.assertProposesPaper(wizard)
        self.assertIn(
            "refused on", wizard.alerts["facto_demat_email_not_allowed"]["message"]
        )
        wizard.action_send_and_print()
        self.assertFalse(self.emails(move))
        self.assertTrue(self.held_back_notes(move))

    def test_a_batch_with_no_alert_sends(self):
        # Odoo's batch wizard stores no alert as False (a Json field); a
        # batch where some go on paper and nothing else raises an alert.
        others = self.Partner.create(
            [{"name": f"Client {n}", "email": f"c{n}@client.example.com"} for n in "ab"]
        )
        moves = self.invoice(others[0]) | self.invoice(others[1])
        wizard = self.wizard(moves)
        self.assertFalse(wizard.alerts)
        wizard.action_send_and_print(force_synchronous=True)
        self.assertTrue(all(self.emails(move) for move in moves))
        paper = self.invoice(self.Partner.create({"name": "Sans email"}))
        mixed = self.invoice(others[0]) | paper
        mixed._generate_and_send()  # what other modules call
        self.assertTrue(mixed.mapped("is_move_sent"))
