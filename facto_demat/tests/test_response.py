from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import new_test_user, tagged
from odoo.tests.common import HOST
from odoo.tools import config, mute_logger

from .common import CSRF, INVALID, AnswerCase


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
                    "channel": "link",
                    "ip_address": "127.0.0.1",
                    "user_id": False,
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
            .filtered(lambda event: event.channel == "link")
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
                    "channel": "link",
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


@tagged("post_install", "-at_install")
class TestAnswersByLink(AnswerCase):
    """Whoever holds a link may answer with it: the evidence says the answer
    came by the link, and whose it is when someone logged in to Odoo gave
    it; a merge stops the links of the contacts merged away; a link answered
    again and again sends one confirmation and keeps one activity."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clerk = new_test_user(
            cls.env,
            login="clerk-answers",
            groups="account.group_account_invoice",
            company_id=cls.env.company.id,
            company_ids=cls.env.company.ids,
        )

    def test_an_answer_from_a_logged_in_user_is_theirs(self):
        path = self.send_letter(self.customer)
        self.authenticate(self.clerk.login, self.clerk.login)
        page = self.url_open(path)
        self.assertIn("You are logged in as", page.text)
        self.assertIn(self.clerk.name, page.text)
        self.answer(path, "refuse")
        self.assertRecordValues(
            self.events(self.customer)[-1],
            [
                {
                    "event_type": "refusal_recorded",
                    "channel": "link",
                    "user_id": self.clerk.id,
                    "ip_address": "127.0.0.1",
                }
            ],
        )
        note = self.customer.message_ids.filtered(
            lambda message: "from its link" in message.body
        )
        self.assertIn(f"given by the user {self.clerk.name}", note.body)
        self.assertEqual(note.author_id, self.clerk.partner_id)
        # the customer's own browser, logged in nowhere
        self.authenticate(None, None)
        self.assertNotIn("You are logged in as", self.url_open(path).text)
        self.answer(path, "address", email="compta@boulangerie-martin.example")
        self.assertRecordValues(
            self.events(self.customer)[-1],
            [{"event_type": "address_requested", "channel": "link", "user_id": False}],
        )

    def test_a_merge_stops_the_links_of_the_contacts_merged_away(self):
        merged_away = self.send_letter(self.other)
        survivor = self.send_letter(self.customer)
        admin = self.env.ref("base.user_admin")
        wizard = (
            self.env["base.partner.merge.automatic.wizard"]
            .with_user(admin)
            .with_context(
                active_model="res.partner",
                active_ids=(self.customer | self.other).ids,
            )
            .create({})
        )
        wizard.dst_partner_id = self.customer
        self.authenticate("admin", "admin")
        self.call_button(wizard._name, "action_merge", wizard.ids)
        self.assertFalse(self.other.exists(), "merged away")
        self.authenticate(None, None)
        page = self.url_open(merged_away)
        self.assertEqual(page.status_code, 404)
        self.assertIn(INVALID, page.text)
        self.assertEqual(self.url_open(survivor).status_code, 200)
        self.assertFalse(self.customer.demat_refused)

    def test_twenty_answers_send_one_confirmation_and_keep_one_activity(self):
        self.env["ir.config_parameter"].set_param(
            "facto_demat.answer_visits_per_hour", 100
        )
        path = self.send_letter(self.customer)
        answers = [("accept", {}), ("refuse", {"confirm": "1"})] * 5 + [
            ("address", {"email": f"compta{n}@boulangerie.example"}) for n in range(10)
        ]
        for answer, values in answers:
            self.assertEqual(self.answer(path, answer, **values).status_code, 200)
        self.assertEqual(len(self.confirmations()), 1)
        activity = self.customer.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertIn("compta9@boulangerie.example", activity.note)
        self.assertEqual(
            self.customer.demat_requested_email, "compta9@boulangerie.example"
        )
        self.assertEqual(
            self.events(self.customer).mapped("event_type").count("address_requested"),
            10,
            "every answer is in the evidence",
        )
        # the next day, an answer is confirmed again
        self.customer.demat_answer_confirmation_date -= timedelta(days=1)
        self.answer(path, "accept")
        self.assertEqual(len(self.confirmations()), 2)


@tagged("post_install", "-at_install")
class TestAnswerPageTransport(AnswerCase):
    """The answer page as HTTP clients reach it: a body sent in chunks, and
    a client that reaches Odoo directly while proxy mode is on."""

    @mute_logger("odoo.http")
    def test_a_chunked_body_over_the_limit_is_refused(self):
        path = self.send_letter(self.customer)
        csrf = CSRF.search(self.url_open(path).text)[1]
        values = {"csrf_token": csrf, "answer": "refuse"}
        status, _body = self.post_chunked(
            f"{path}/answer", {**values, "pad": "x" * 65536}
        )
        self.assertEqual(status, 413)
        self.assertFalse(self.customer.demat_refused)
        # a chunked body within the limit is read
        status, body = self.post_chunked(f"{path}/answer", values)
        self.assertEqual(status, 200)
        self.assertIn(b"You refused documents by email", body)
        self.assertTrue(self.customer.demat_refused)

    def test_under_proxy_mode_a_direct_client_shows_its_connection(self):
        """Proxy mode trusts X-Forwarded-For from anyone: a client that
        reaches Odoo directly chooses the address visits are counted by,
        and the evidence keeps the connection's address after it."""
        path = self.send_letter(self.customer)
        forged = {
            "X-Forwarded-For": "203.0.113.9",
            "X-Forwarded-Host": f"{HOST}:{self.http_port()}",
        }
        with patch.dict(config.options, {"proxy_mode": True}):
            self.answer(path, "refuse", headers=forged)
        self.assertEqual(
            self.events(self.customer)[-1].ip_address, "203.0.113.9, 127.0.0.1"
        )
        self.assertTrue(
            self.env["facto.demat.response.attempt"].search(
                [("ip_address", "=", "203.0.113.9")]
            )
        )
        # without proxy mode, the header changes nothing
        self.answer(path, "accept", headers=forged)
        self.assertEqual(self.events(self.customer)[-1].ip_address, "127.0.0.1")
