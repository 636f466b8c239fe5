import re
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon

from .common import MailSendingMixin, neutralise_peer_checks

LINK = re.compile(r'href="[^"]*(/demat/[A-Za-z0-9_-]+)"')
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
INVALID = "This link is no longer valid"


class AnswerCase(AccountTestInvoicingHttpCommon, MailSendingMixin):
    """Two customers, and a letter's link to answer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        neutralise_peer_checks(cls.env)
        cls.env.company.email = "factures@lambert.example"
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Boulangerie Martin",
                "ref": "C0001",
                "email": "contact@boulangerie-martin.example",
                "customer_rank": 1,
                "is_company": True,
            }
        )
        cls.other = cls.env["res.partner"].create(
            {
                "name": "Garage Bernard",
                "ref": "C0002",
                "email": "garage@bernard.example",
                "customer_rank": 1,
                "is_company": True,
            }
        )

    def send_letter(self, partner):
        """Email this customer a letter; return the path of its link."""
        wizard = self.env["facto.demat.letter.wizard"].create(
            {
                "output": "email",
                "partner_code_from": partner.ref,
                "partner_code_to": partner.ref,
                "include_already_sent": True,
            }
        )
        run = self.env["facto.demat.letter.run"].browse(
            wizard.action_confirm()["res_id"]
        )
        line = run.line_ids
        self.assertTrue(line.response_expires_at)
        body = line.mail_ids.body_html
        with self.mails_sent():
            line.mail_ids.send()
        return LINK.search(body)[1]

    def answer(self, path, answer, **values):
        page = self.url_open(path)
        self.assertEqual(page.status_code, 200)
        csrf = CSRF.search(page.text)[1]
        return self.url_open(
            f"{path}/answer", data={"csrf_token": csrf, "answer": answer, **values}
        )

    def events(self, partner):
        return self.env["facto.demat.event"].search(
            [("partner_id", "=", partner.id)], order="sequence"
        )

    def confirmations(self):
        return self.env["mail.mail"].search(
            [("subject", "like", "your answer about documents by email")]
        )


@tagged("post_install", "-at_install")
class TestAnswerPage(AnswerCase):
    """Customers answer the letter from its link: refuse, accept, or give
    another address; the link works for them alone, and not forever."""

    def test_page_shows_this_customer_only(self):
        path = self.send_letter(self.customer)
        page = self.url_open(path)
        self.assertEqual(page.status_code, 200)
        self.assertIn("Boulangerie Martin", page.text)
        self.assertIn("c•••@b•••.example", page.text)
        self.assertNotIn("contact@boulangerie-martin.example", page.text)
        self.assertNotIn("Garage Bernard", page.text)

    def test_refusal(self):
        path = self.send_letter(self.customer)
        response = self.answer(path, "refuse")
        self.assertIn("You refused documents by email", response.text)
        self.assertRecordValues(self.customer, [{"demat_refused": True}])
        event = self.events(self.customer)[-1]
        self.assertRecordValues(
            event,
            [
                {
                    "event_type": "refusal_recorded",
                    "channel": "customer",
                    "ip_address": "127.0.0.1",
                }
            ],
        )
        self.assertIn("python-requests", event.user_agent)
        self.assertTrue(
            self.customer.message_ids.filtered(
                lambda message: "from its link" in message.body
            ),
            "said in the chatter",
        )
        self.assertFalse(self.confirmations(), "no confirmation unless asked")
        again = self.answer(path, "refuse", confirm="1")
        self.assertIn("already recorded", again.text)
        self.assertEqual(
            self.events(self.customer).mapped("event_type").count("refusal_recorded"),
            1,
            "answering twice changes nothing",
        )
        self.assertFalse(self.confirmations(), "and sends nothing")

    def test_acceptance_after_a_refusal(self):
        path = self.send_letter(self.customer)
        self.answer(path, "refuse")
        self.answer(path, "accept")
        self.assertRecordValues(
            self.customer, [{"demat_refused": False, "demat_accepted": True}]
        )
        self.assertEqual(
            self.events(self.customer)
            .filtered(lambda event: event.channel == "customer")
            .mapped("event_type"),
            ["refusal_recorded", "refusal_withdrawn", "acceptance_recorded"],
        )
        # the bare address: no display name to read an address in
        self.assertEqual(
            self.confirmations().email_to, "contact@boulangerie-martin.example"
        )

    def test_new_address_waits_for_confirmation(self):
        path = self.send_letter(self.customer)
        response = self.answer(path, "address", email="pas une adresse")
        self.assertIn("This address is not valid", response.text)
        self.answer(path, "address", email="Compta@Boulangerie-Martin.example")
        self.assertRecordValues(
            self.customer,
            [
                {
                    "demat_requested_email": "compta@boulangerie-martin.example",
                    "demat_email": "contact@boulangerie-martin.example",
                }
            ],
        )
        self.assertRecordValues(
            self.events(self.customer)[-1],
            [
                {
                    "event_type": "address_requested",
                    "channel": "customer",
                    "note": "compta@boulangerie-martin.example",
                }
            ],
        )
        activity = self.customer.activity_ids
        self.assertEqual(
            activity.activity_type_id,
            self.env.ref("facto_demat.mail_activity_confirm_address"),
        )
        self.customer.action_demat_apply_requested_email()
        self.assertRecordValues(
            self.customer,
            [
                {
                    "demat_requested_email": False,
                    "demat_email": "compta@boulangerie-martin.example",
                }
            ],
        )
        self.assertFalse(self.customer.activity_ids)
        self.assertEqual(self.events(self.customer)[-1].event_type, "email_changed")

    def test_links_that_no_longer_work(self):
        first = self.send_letter(self.customer)
        other = self.send_letter(self.other)
        tampered = first[:-3] + ("aaa" if not first.endswith("aaa") else "bbb")
        self.assertIn(INVALID, self.url_open(tampered).text)
        self.assertEqual(self.url_open(tampered).status_code, 404)
        second = self.send_letter(self.customer)
        self.assertIn(INVALID, self.url_open(first).text, "replaced by a newer letter")
        self.assertEqual(self.url_open(second).status_code, 200)
        self.assertEqual(self.url_open(other).status_code, 200)
        self.env["facto.demat.letter.run.line"].sudo().search(
            [("partner_id", "=", self.other.id)]
        ).response_expires_at = fields.Datetime.now() - timedelta(seconds=1)
        self.assertIn(INVALID, self.url_open(other).text, "expired")
        self.assertEqual(
            self.url_open("/demat/nimportequoi").text.count(INVALID), 1, "unknown"
        )

    def test_unknown_answer_changes_nothing(self):
        path = self.send_letter(self.customer)
        response = self.answer(path, "delete")
        self.assertEqual(response.status_code, 404)
        self.assertRecordValues(
            self.customer, [{"demat_refused": False, "demat_accepted": False}]
        )

    @mute_logger("odoo.http")
    def test_answer_needs_the_csrf_token(self):
        path = self.send_letter(self.customer)
        self.url_open(path)
        response = self.url_open(f"{path}/answer", data={"answer": "refuse"})
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.customer.demat_refused)

    def test_visits_are_rate_limited(self):
        self.env["ir.config_parameter"].set_param(
            "facto_demat.answer_visits_per_hour", 3
        )
        path = self.send_letter(self.customer)
        for _visit in range(3):
            self.assertEqual(self.url_open("/demat/devine").status_code, 404)
        self.assertEqual(self.url_open(path).status_code, 429)

    def test_french_page(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["facto_demat"], ["fr_FR"], overwrite=True
        )
        self.customer.lang = "fr_FR"
        path = self.send_letter(self.customer)
        page = self.url_open(path)
        self.assertIn("J'accepte les documents par email", page.text)
        response = self.answer(path, "refuse")
        self.assertIn("Vous avez refusé", response.text)

    def test_letter_and_page_speak_the_customer_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["facto_demat"], ["fr_FR"], overwrite=True
        )
        self.env.company.partner_id.lang = "fr_FR"
        self.customer.lang = "en_US"
        path = self.send_letter(self.customer)
        self.opener.cookies["frontend_lang"] = "fr_FR"  # a French browser
        page = self.url_open(path)
        self.assertIn("I accept documents by email", page.text)
        self.assertNotIn("J'accepte", page.text)

    def test_printed_letter_has_the_link_and_its_qr_code(self):
        wizard = self.env["facto.demat.letter.wizard"].create(
            {
                "output": "print",
                "partner_code_from": "C0001",
                "partner_code_to": "C0001",
            }
        )
        run = self.env["facto.demat.letter.run"].browse(
            wizard.action_confirm()["res_id"]
        )
        self.assertTrue(run.line_ids.response_expires_at)
        report = self.env.ref("facto_demat.action_report_demat_letter")
        links = run.line_ids._issue_response_links()
        html = (
            report.with_context(demat_response_links=links)
            ._render_qweb_html(report.report_name, run.line_ids.ids)[0]
            .decode()
        )
        self.assertIn(links[run.line_ids.id], html)
        self.assertIn('alt="QR code" src="data:image/png;base64,', html)

    def test_tour_refuses_from_the_page(self):
        path = self.send_letter(self.customer)
        self.start_tour(path, "facto_demat_answer_page")
        self.assertTrue(self.customer.demat_refused)


@tagged("post_install", "-at_install")
class TestAnswerPageHardened(AnswerCase):
    """The answer page against visitors who are not customers."""

    def test_the_page_is_never_framed_cached_or_referred(self):
        path = self.send_letter(self.customer)
        for response in (
            self.url_open(path),
            self.url_open("/demat/inconnu"),
            self.answer(path, "accept"),
        ):
            with self.subTest(url=response.url):
                self.assertEqual(response.headers["X-Frame-Options"], "DENY")
                self.assertIn(
                    "frame-ancestors 'none'",
                    response.headers["Content-Security-Policy"],
                )
                self.assertEqual(response.headers["Cache-Control"], "no-store")
                self.assertEqual(response.headers["Referrer-Policy"], "no-referrer")

    def test_a_reopened_link_shows_the_recorded_answer_and_may_change_it(self):
        path = self.send_letter(self.customer)
        self.answer(path, "refuse")
        page = self.url_open(path)
        self.assertIn("You refused documents by email on", page.text)
        self.assertIn("You may change your answer below", page.text)
        self.answer(path, "accept")
        self.assertIn("You accepted documents by email on", self.url_open(path).text)

    def test_the_same_answer_twice_records_and_sends_nothing(self):
        path = self.send_letter(self.customer)
        for _time in range(3):
            self.answer(path, "address", email="compta@boulangerie.example")
        self.assertEqual(
            self.events(self.customer).mapped("event_type").count("address_requested"),
            1,
        )
        self.assertEqual(len(self.confirmations()), 1)
        self.assertEqual(
            len(
                self.customer.activity_ids.filtered(
                    lambda a: "compta@boulangerie.example" in (a.note or "")
                )
            ),
            1,
        )

    def test_the_confirmation_goes_out_at_once(self):
        cron = self.env.ref("mail.ir_cron_mail_scheduler_action")
        path = self.send_letter(self.customer)
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        self.answer(path, "accept")
        self.assertTrue(self.confirmations())
        self.assertGreater(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]),
            len(triggers),
        )

    @mute_logger("odoo.http")
    def test_inputs_are_bounded(self):
        path = self.send_letter(self.customer)
        page = self.url_open(path)
        csrf = CSRF.search(page.text)[1]
        huge = "a" * 300 + "@boulangerie.example"
        response = self.url_open(
            f"{path}/answer",
            data={"csrf_token": csrf, "answer": "address", "email": huge},
        )
        self.assertIn("This address is not valid", response.text)
        self.assertNotIn(huge, response.text)
        self.assertFalse(self.customer.demat_requested_email)
        response = self.url_open(
            f"{path}/answer",
            data={"csrf_token": csrf, "answer": "address", "email": "x" * 1_000_000},
        )
        self.assertEqual(response.status_code, 413)

    @mute_logger("odoo.http")
    def test_the_visitor_address_is_cut_and_the_limit_holds(self):
        self.env["ir.config_parameter"].set_param(
            "facto_demat.answer_visits_per_hour", 5
        )
        path = self.send_letter(self.customer)
        self.answer(path, "refuse", **{})
        event = self.events(self.customer)[-1]
        self.assertLessEqual(len(event.ip_address), 45)
        # without proxy mode, forwarded headers change nothing: same address
        statuses = [
            self.url_open(path, headers={"X-Forwarded-For": f"10.0.0.{n}"}).status_code
            for n in range(8)
        ]
        self.assertIn(429, statuses)
        self.assertEqual(statuses.count(200), 3)  # 2 visits made by answer()
