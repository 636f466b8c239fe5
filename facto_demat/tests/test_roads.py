"""Every road that sends a document obeys the consent rule (server actions
and automation rules "Send Email", send_mail called by code), and a
customer's language the database lacks never stops a send."""

from odoo import Command
from odoo.tests import HttpCase, tagged
from odoo.tools import SQL

from .common import SendCase, WebClientMixin, add_groups


class RoadCase(SendCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.template = cls.env.ref("account.email_template_edi_invoice")
        cls.Mail = cls.env["mail.mail"]

    def mail_of(self, move):
        """The emails made for `move` (newest first)."""
        return self.Mail.search(
            [("model", "=", "account.move"), ("res_id", "=", move.id)],
            order="id desc",
        )

    def send_email_action(self, method="email", **values):
        """A server action "Send Email" with the invoice template, as a user
        makes it (method "email": Odoo's send_mail; "comment": Post as
        Message)."""
        return self.env["ir.actions.server"].create(
            {
                "name": "Envoyer la facture",
                "model_id": self.env["ir.model"]._get_id("account.move"),
                "state": "mail_post",
                "mail_post_method": method,
                "template_id": self.template.id,
                **values,
            }
        )

    def assertHeldBack(self, move, mail):
        self.assertEqual(mail.state, "cancel")
        self.assertFalse(mail.recipient_ids)
        self.assertTrue(self.held_back_notes(move))

    def assertEmailedTo(self, mail, partner):
        self.assertEqual(mail.state, "outgoing")
        self.assertEqual(mail.recipient_ids, partner)


@tagged("post_install", "-at_install")
class TestSendMailRoads(RoadCase):
    """mail.template.send_mail and the server actions that call it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.refused_company = cls.Partner.create(
            {
                "name": "Pâtisserie Élodie",
                "is_company": True,
                "email": "contact@patisserie-elodie.example",
                "demat_refused": True,
            }
        )
        # an invoice addressed to a contact of a company that refused
        cls.refused_contact = cls.Partner.create(
            {
                "name": "Hélène Comptable",
                "parent_id": cls.refused_company.id,
                "email": "Hélène <helene@patisserie-elodie.example>",
            }
        )

    def test_server_action_send_email_obeys_the_rule(self):
        refused, contact, allowed = (
            self.invoice(self.refused),
            self.invoice(self.refused_contact),
            self.invoice(self.customer),
        )
        moves = refused | contact | allowed
        action = self.send_email_action()
        action.with_context(active_model="account.move", active_ids=moves.ids).run()
        self.assertHeldBack(refused, self.mail_of(refused))
        self.assertHeldBack(contact, self.mail_of(contact))
        self.assertIn("refused on", self.held_back_notes(contact).body)
        self.assertEmailedTo(self.mail_of(allowed), self.customer)
        self.assertFalse(self.held_back_notes(allowed))

    def test_post_as_message_action_obeys_the_rule(self):
        refused, allowed = self.invoice(self.refused), self.invoice(self.customer)
        action = self.send_email_action(method="comment")
        action.with_context(
            active_model="account.move", active_ids=(refused | allowed).ids
        ).run()
        self.assertFalse(self.emails(refused, self.refused))
        self.assertIn("Not emailed to", refused.message_ids[0].body)
        self.assertTrue(self.emails(allowed, self.customer))

    def test_automation_rule_on_post_obeys_the_rule(self):
        if "base.automation" not in self.env:
            self.skipTest("base_automation is not installed")
        rule = self.env["base.automation"].create(
            {
                "name": "Facture validée : envoyer",
                "model_id": self.env["ir.model"]._get_id("account.move"),
                "trigger": "on_create_or_write",
                "trigger_field_ids": [
                    Command.set(
                        self.env["ir.model.fields"]._get("account.move", "state").ids
                    )
                ],
                "filter_pre_domain": "[('state', '!=', 'posted')]",
                "filter_domain": "[('state', '=', 'posted')]",
            }
        )
        self.send_email_action(base_automation_id=rule.id, usage="base_automation")
        refused = self.init_invoice("out_invoice", self.refused, amounts=[80.0])
        allowed = self.init_invoice("out_invoice", self.customer, amounts=[80.0])
        (refused | allowed).action_post()
        self.assertHeldBack(refused, self.mail_of(refused))
        self.assertEmailedTo(self.mail_of(allowed), self.customer)

    def test_send_mail_by_code(self):
        refused, allowed = self.invoice(self.refused), self.invoice(self.customer)
        mail = self.Mail.browse(self.template.send_mail(refused.id))
        self.assertHeldBack(refused, mail)
        self.assertEmailedTo(
            self.Mail.browse(self.template.send_mail(allowed.id)), self.customer
        )

    def test_forced_send_sends_only_the_allowed(self):
        refused, allowed = self.invoice(self.refused), self.invoice(self.customer)
        self.template.auto_delete = False
        with self.mails_sent():
            mails = self.template.send_mail_batch(
                (refused | allowed).ids, force_send=True
            )
        self.assertEqual(len(mails), 2)
        self.assertEqual(self.mail_of(refused).state, "cancel")
        self.assertEqual(self.mail_of(allowed).state, "sent")

    def test_notice_period_and_opt_in_hold_back_too(self):
        self.env.company.demat_grace_days = 15
        waiting = self.Partner.create(
            {"name": "En préavis", "email": "attente@preavis.example"}
        )
        waiting.write({"demat_letter_sent": True})
        move = self.invoice(waiting)
        self.assertHeldBack(move, self.Mail.browse(self.template.send_mail(move.id)))
        self.env.company.demat_consent_policy = "opt_in"
        move = self.invoice(self.customer)
        self.assertHeldBack(move, self.Mail.browse(self.template.send_mail(move.id)))

    def test_addresses_given_by_the_template_obey_the_rule(self):
        """Addresses given with the template: an invalid one is left out,
        and the customer's own while it refused; the others are kept."""
        move = self.invoice(self.customer)
        mail = self.Mail.browse(
            self.template.send_mail(
                move.id,
                email_values={
                    "email_to": "expert@cabinet.example, compta@@cabinet.example",
                    "email_cc": "Associée <associee@cabinet.example>",
                },
            )
        )
        self.assertEqual(mail.state, "outgoing")
        self.assertEqual(mail.recipient_ids, self.customer)
        self.assertEqual(mail.email_to, "expert@cabinet.example")
        self.assertEqual(mail.email_cc, "Associée <associee@cabinet.example>")
        note = move.message_ids[0].body
        self.assertIn("compta@@cabinet.example (No valid email address)", note)
        refused = self.invoice(self.refused)
        mail = self.Mail.browse(
            self.template.send_mail(
                refused.id, email_values={"email_cc": "Refus <non@refus.example>"}
            )
        )
        self.assertHeldBack(refused, mail)
        self.assertFalse(mail.email_cc)


@tagged("post_install", "-at_install")
class TestMissingLanguage(RoadCase, HttpCase, WebClientMixin):
    """A customer whose language the database lacks (set by SQL or an
    import) is written to in the company's language, on every road."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env.company.partner_id.lang = "fr_FR"
        cls.env.company.email = "factures@lambert.example"
        # an invoicing manager as Odoo makes users, with Contact Creation
        add_groups(cls.manager, "base.group_partner_manager")
        cls.german = cls.Partner.create(
            {
                "name": "Müller & Söhne GmbH",
                "is_company": True,
                "ref": "C0042",
                "customer_rank": 1,
                "email": "buchhaltung@mueller.example",
            }
        )
        cls.german_invoicing = cls.Partner.create(
            {
                "name": "Jürgen Weiß",
                "type": "invoice",
                "parent_id": cls.german.id,
                "email": "juergen@mueller.example",
            }
        )
        # the company's invoice subject in French, its standard in English
        cls.DocumentType.search(
            [("company_id", "=", cls.env.company.id), ("kind", "=", "invoice")]
        ).with_user(cls.manager).with_context(lang="fr_FR").mail_subject = "Facture %2"

    def setUp(self):
        super().setUp()
        self.enterContext(self.pdf_rendering())
        # a language the database lacks, as SQL or an import leaves it
        self.env.cr.execute(
            SQL(
                "UPDATE res_partner SET lang = 'de_DE' WHERE id IN %s",
                tuple((self.german | self.german_invoicing).ids),
            )
        )
        self.env.invalidate_all()

    def assertInFrench(self, move):
        mail = self.emails(move, self.german_invoicing)
        self.assertEqual(mail.subject, f"Facture {move.name}")
        self.assertEqual(self.german_invoicing.lang, "fr_FR")
        self.assertIn(
            "The language de_DE is not installed", self.german.message_ids[0].body
        )

    def test_send_wizard_pressed_as_the_web_client_does(self):
        move = self.invoice(self.german)
        self.authenticate(self.manager.login, self.manager.login)
        action = self.call_button("account.move", "action_invoice_sent", move.ids)
        wizard = (
            self.env[action["res_model"]]
            .with_user(self.manager)
            .with_context(**action["context"])
            .create({})
        )
        self.call_button(wizard._name, "action_send_and_print", wizard.ids)
        self.assertInFrench(move)
        self.assertTrue(move.invoice_pdf_report_id)

    def test_scheduled_send_is_not_blocked(self):
        german, allowed = self.invoice(self.german), self.invoice(self.customer)
        (german | allowed).sending_data = {
            "author_user_id": self.env.user.id,
            "author_partner_id": self.env.user.partner_id.id,
        }
        self.run_send_cron()
        self.assertFalse((german | allowed).filtered("sending_data"))
        self.assertInFrench(german)
        self.assertTrue(self.emails(allowed, self.customer))

    def test_batch_send(self):
        german, allowed = self.invoice(self.german), self.invoice(self.customer)
        self.wizard(german | allowed).action_send_and_print(force_synchronous=True)
        self.assertInFrench(german)
        self.assertTrue(self.emails(allowed, self.customer))

    def test_send_mail_renders_in_the_company_language(self):
        move = self.invoice(self.german)
        template = move._demat_mail_template(self.template)
        mail = self.Mail.browse(template.send_mail(move.id))
        self.assertEqual(mail.subject, f"Facture {move.name}")
        self.assertEqual(mail.state, "outgoing")

    def test_letter_run(self):
        action = (
            self.env["facto.demat.letter.wizard"]
            .create(
                {
                    "partner_code_from": "C0042",
                    "partner_code_to": "C0042",
                    "output": "email",
                }
            )
            .action_confirm()
        )
        run = self.env["facto.demat.letter.run"].browse(action["res_id"])
        self.run_letter_cron()
        self.assertEqual(run.line_ids.partner_id, self.german)
        self.assertIn(run.line_ids.state, ("queued", "done"))
        self.assertTrue(run.line_ids.mail_ids)
