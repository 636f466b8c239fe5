import io
from datetime import date
from unittest.mock import patch

import pikepdf
import psycopg2.errors

from odoo import SUPERUSER_ID, Command, api, sql_db
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from ..models import facto_demat_letter_run
from ..tools import letter_engine
from ..tools.odoo_versions import NO_SUCCESS_EMAILS
from .common import LetterCase, page_contents, page_count


@tagged("post_install", "-at_install")
class TestLetterSelection(LetterCase):
    def test_code_range_is_inclusive_and_textual(self):
        emailed, printed = self.selection(
            partner_code_from="C0002",
            partner_code_to="C0004",
            include_without_email=True,
        )
        self.assertEqual(printed, self.c2 | self.c3 | self.c4)
        self.assertFalse(emailed)
        # As text, "C0001" < "C001" < "C0010": from C001 on, only C0010.
        _emailed, printed = self.selection(
            partner_code_from="C001", include_without_email=True
        )
        self.assertEqual(printed, self.c10)

    def test_invoice_dates(self):
        self.invoice(self.c3, "2026-02-10")
        self.invoice(self.c4, "2026-05-01", move_type="out_refund")
        self.invoice(self.c1, "2025-12-31")
        self.init_invoice(
            "out_invoice", partner=self.c10, invoice_date="2026-03-01", amounts=[50.0]
        )  # draft: not counted
        _emailed, printed = self.selection(
            invoice_date_from=date(2026, 1, 1),
            invoice_date_to=date(2026, 12, 31),
            include_without_email=True,
        )
        self.assertEqual(printed, self.c3 | self.c4)
        _emailed, printed = self.selection(
            invoice_date_from=date(2026, 1, 1),
            partner_code_to="C0003",
        )
        self.assertEqual(printed, self.c3, "both filters combine")

    def test_selected_customers_are_the_starting_set(self):
        wizard = (
            self.env["facto.demat.letter.wizard"]
            .with_context(
                active_model="res.partner", active_ids=(self.c3 | self.c4).ids
            )
            .create({"partner_code_from": "C0004"})
        )
        self.assertEqual(wizard._select_customers()[1], self.c4)

    def test_already_sent_and_refused_customers(self):
        self.c3.demat_letter_sent = True
        self.c4.demat_refused = True
        self.assertEqual(self.selection()[1], self.c1)
        self.assertEqual(
            self.selection(include_already_sent=True)[1], self.c1 | self.c3
        )

    def test_sort_orders(self):
        _emailed, printed = self.selection(include_without_email=True)
        self.assertEqual(
            printed.mapped("ref"), ["C0001", "C0002", "C0003", "C0004", "C0010"]
        )
        _emailed, printed = self.selection(include_without_email=True, sort_by="name")
        self.assertEqual(printed, self.c2 | self.c1 | self.c3 | self.c4 | self.c10)

    def test_email_output_and_mixed_case(self):
        emailed, printed = self.selection(output="email")
        self.assertEqual(emailed, self.c1 | self.c3 | self.c4)
        self.assertFalse(printed)
        emailed, printed = self.selection(output="email", include_without_email=True)
        self.assertEqual(printed, self.c2 | self.c10)
        wizard = self.wizard(
            output="email",
            include_without_email=True,
            partner_ids=[Command.set(self.customers.ids)],
        )
        self.assertRecordValues(wizard, [{"email_count": 3, "print_count": 2}])

    def test_bad_input_gets_a_clear_message(self):
        for values, message in (
            (
                {
                    "invoice_date_from": date(2026, 5, 1),
                    "invoice_date_to": date(2026, 1, 1),
                },
                "dates are reversed",
            ),
            (
                {"partner_code_from": "C9", "partner_code_to": "C1"},
                "codes are reversed",
            ),
            ({"partner_code_from": "X", "partner_code_to": "Y"}, "No customer matches"),
            (
                {"body": "<p>Bonjour, nous passons à l'email.</p>"},
                "none of the placeholders",
            ),
            ({"body": "<p>%1" + "x" * 100_000 + "</p>"}, "too long"),
            ({"body": "<p><br></p>"}, "empty"),
        ):
            with (
                self.subTest(message=message),
                self.assertRaisesRegex(UserError, message),
            ):
                self.wizard(**values).action_confirm()


@tagged("post_install", "-at_install")
class TestLetterOutput(LetterCase):
    def test_print_renders_one_pdf_with_one_page_per_letter(self):
        run = self.start(include_without_email=True)
        lines = run.line_ids
        self.assertEqual(
            lines.partner_id.mapped("ref"),
            ["C0001", "C0002", "C0003", "C0004", "C0010"],
        )
        self.assertEqual(set(lines.mapped("state")), {"done"})
        self.assertEqual(page_count(self.run_pdf(run)), 5)
        for line in lines:
            self.assertEqual(page_count(self.letter_of(line)), 1)
        self.assertRecordValues(
            self.events_of(self.c1),
            [
                {
                    "event_type": "letter_printed",
                    "channel": "print",
                    "attachment_id": run.letter_attachment_ids.id,
                    "letter_first_page": 1,
                    "letter_last_page": 1,
                }
            ],
        )
        self.assertTrue(all(self.customers.mapped("demat_letter_sent")))
        self.assertEqual(run.state, "done")
        # Odoo's own print route still renders the report (one letter here)
        pdf, kind = self.env["ir.actions.report"]._render_qweb_pdf(
            "facto_demat.action_report_demat_letter", lines[:1].ids
        )
        self.assertEqual((kind, page_count(pdf)), ("pdf", 1))

    def test_the_run_pdf_carries_the_trail_anchor(self):
        run = self.start(partner_code_to="C0002")
        anchor = self.env["facto.demat.anchor"].search([("run_id", "=", run.id)])
        self.assertEqual(anchor.origin, "letter_run")
        head = self.env["facto.demat.chain"].search(
            [("company_id", "=", self.env.company.id)]
        )
        self.assertEqual(anchor.sequence, head.sequence)
        with pikepdf.open(io.BytesIO(self.run_pdf(run))) as pdf:
            self.assertEqual(str(pdf.docinfo["/Keywords"]), anchor._text())

    def test_a_long_letter_keeps_all_its_pages(self):
        body = "<p>%1</p>" + "<p>Une ligne de la lettre.</p>" * 150
        run = self.start(
            partner_code_to="C0002",
            include_without_email=True,
            body=body,
            body_no_email=body,
        )
        self.assertEqual(len(run.line_ids), 2)
        sizes = [page_count(self.letter_of(line)) for line in run.line_ids]
        self.assertGreater(min(sizes), 1)
        self.assertEqual(page_count(self.run_pdf(run)), sum(sizes))
        first, second = run.line_ids.event_id.sorted("sequence")
        self.assertEqual(
            [
                (event.letter_first_page, event.letter_last_page)
                for event in (first, second)
            ],
            [(1, sizes[0]), (sizes[0] + 1, sum(sizes))],
        )

    def test_long_letters_cost_their_pages_not_more_engine_calls(self):
        """Engine calls are counted, not timed: each letter is found by its
        start in its batch's PDF, whatever its length; one call a chunk."""
        for lines, chunk, calls in ((1, 250, 1), (150, 250, 1), (150, 2, 3)):
            body = "<p>%1</p>" + "<p>Une ligne de la lettre.</p>" * lines
            with (
                self.subTest(lines=lines, chunk=chunk),
                patch.object(facto_demat_letter_run, "PRINT_CHUNK", chunk),
                patch.object(
                    letter_engine, "_render", wraps=letter_engine._render
                ) as engine,
            ):
                run = self.start(
                    include_without_email=True,
                    include_already_sent=True,
                    body=body,
                    body_no_email=body,
                )
                self.assertEqual(engine.call_count, calls)
                letters = [
                    (event.letter_first_page, event.letter_last_page)
                    for event in run.line_ids.event_id.sorted("letter_first_page")
                ]
                self.assertEqual(len(letters), 5)
                self.assertEqual(
                    [first for first, _last in letters],
                    [1] + [last + 1 for _first, last in letters[:-1]],
                    "one after the other",
                )
                self.assertEqual(letters[-1][1], page_count(self.run_pdf(run)))
                self.assertTrue(
                    all((last > first) == (lines > 1) for first, last in letters)
                )

    def test_letter_text_is_escaped_and_in_the_customer_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["facto_demat"], ["fr_FR"])
        self.c1.write({"lang": "fr_FR", "name": "<b>Martin</b> %2"})
        run = self.start(partner_code_to="C0001")
        _subject, body = run.line_ids._letter()
        self.assertIn("Bonjour &lt;b&gt;Martin&lt;/b&gt; %2,", body)
        self.assertIn("Notre société", body)
        self.assertIn(self.env.company.name, body)
        self.assertIn("factures@lambert.example", body)
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "facto_demat.action_report_demat_letter", run.line_ids.ids
            )[0]
            .decode()
        )
        self.assertIn("&lt;b&gt;Martin&lt;/b&gt;", html)
        self.assertNotIn("<b>Martin</b>", html)

    def test_a_customer_without_address_is_asked_for_one_in_french(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["facto_demat"], ["fr_FR"])
        self.c2.lang = "fr_FR"
        run = self.start(
            partner_code_from="C0002",
            partner_code_to="C0002",
            include_without_email=True,
        )
        line = run.line_ids
        self.assertEqual(
            (line.partner_id, line.output, line.email), (self.c2, "print", False)
        )
        link = {line.id: "https://lambert.example/demat/jeton"}
        _subject, body = line.with_context(demat_response_links=link)._letter()
        self.assertIn("Bonjour Atelier Dubois,", body)
        self.assertIn("nous ne disposons d'aucune adresse électronique valide", body)
        self.assertIn("Pour nous donner votre adresse", body)
        self.assertNotIn("l'adresse .", body)
        self.assertNotIn("%3", body)
        self.assertEqual(page_count(self.letter_of(line)), 1)

    def test_letters_and_runs_read_as_french_accountants_write(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["facto_demat"], ["fr_FR"])
        self.env.company.city = "Lyon"
        self.c1.lang = "fr_FR"
        run = self.start(partner_code_from="C0001", partner_code_to="C0001")
        day = run.create_date.day
        place = run.line_ids._letter_place_and_date()
        self.assertRegex(place, rf"^Lyon, le {day} \w+ \d{{4}}$")
        event = run.line_ids.event_id.with_context(lang="fr_FR")
        self.assertEqual(event.letter_filename, "Lettre C0001.pdf")
        self.assertEqual(  # in the language of who printed them
            run.letter_attachment_ids.name,
            f"Dematerialisation letters {run.id} - part 1.pdf",
        )
        self.assertEqual(event.display_name, "Lettre imprimée - Boulangerie Martin")
        french = run.with_context(lang="fr_FR")
        french.invalidate_recordset(["display_name"])
        self.assertRegex(
            french.display_name,
            r"^Lettres du \d\d/\d\d/\d{4} à \d\d:\d\d — impression$",
        )

    def test_several_addresses_all_receive_the_letter(self):
        self.c3.email = "garage@bernard.example; Compta <compta@bernard.example>"
        run = self.start(
            output="email", partner_code_from="C0003", partner_code_to="C0003"
        )
        self.assertEqual(
            run.line_ids.mail_ids.email_to,
            '"Garage Bernard" <garage@bernard.example>, '
            '"Garage Bernard" <compta@bernard.example>',
        )

    def test_email_goes_through_the_mail_queue(self):
        run = self.start(output="email", include_without_email=True)
        emailed = run.line_ids.filtered(lambda line: line.output == "email")
        self.assertEqual(set(emailed.mapped("state")), {"queued"})
        self.assertEqual(run.state, "sending")
        mail = emailed[0].mail_ids
        self.assertRecordValues(
            mail,
            [
                {
                    "email_to": '"Boulangerie Martin" '
                    "<contact@boulangerie-martin.example>",
                    "reply_to": "factures@lambert.example",
                    "model": "res.partner",
                    "res_id": self.c1.id,
                }
            ],
        )
        self.assertIn("contact@boulangerie-martin.example", mail.body_html)
        self.assertFalse(self.c1.demat_letter_sent, "not before the email has gone")
        with self.mails_sent():
            emailed.mail_ids.send()
        self.assertEqual(set(emailed.mapped("state")), {"done"})
        self.assertEqual(run.state, "done")
        self.assertTrue(self.c1.demat_letter_sent)
        self.assertRecordValues(
            self.events_of(self.c1),
            [
                {
                    "event_type": "letter_emailed",
                    "channel": "email",
                    "mail_message_id": emailed[0].mail_message_id.id,
                }
            ],
        )
        self.assertIn(emailed[0].mail_message_id, self.c1.message_ids)

    def test_failed_email_is_not_counted_and_can_be_retried(self):
        run = self.start(output="email", partner_code_to="C0001")
        line = run.line_ids
        line.mail_ids.email_to = "pas une adresse"
        with mute_logger("odoo.addons.mail.models.mail_mail"), self.mails_sent():
            line.mail_ids.send()
        self.assertRecordValues(line, [{"state": "failed"}])
        self.assertFalse(self.c1.demat_letter_sent)
        self.assertFalse(self.events_of(self.c1))
        self.assertEqual(run.state, "failed")
        run.action_retry_failed()
        self.run_letter_cron()
        self.assertEqual(line.state, "queued")
        # Odoo deleted the email to an invalid address (a module that keeps
        # failed emails has it cancelled): only the new one can go
        self.assertEqual(
            line.mail_ids.filtered(lambda mail: mail.state != "cancel").mapped("state"),
            ["outgoing"],
        )
        with self.mails_sent():
            line.mail_ids.filtered(lambda mail: mail.state == "outgoing").send()
        self.assertEqual(line.state, "done")
        self.assertEqual(self.events_of(self.c1).event_type, "letter_emailed")

    def test_retry_cancels_an_email_kept_after_a_server_error(self):
        run = self.start(output="email", partner_code_to="C0001")
        line = run.line_ids
        failed_mail = line.mail_ids
        # what mail.mail._send does when the SMTP server refuses the message
        failed_mail.write({"state": "exception", "failure_reason": "Refused"})
        failed_mail._postprocess_sent_message(
            success_pids=[],
            failure_reason="Refused",
            failure_type="mail_smtp",
            **NO_SUCCESS_EMAILS,
        )
        self.assertRecordValues(
            line, [{"state": "failed", "failure_reason": "Refused"}]
        )
        run.action_retry_failed()
        self.assertEqual(failed_mail.state, "cancel", "never sent twice")
        self.run_letter_cron()
        self.assertEqual(
            len(line.mail_ids.filtered(lambda m: m.state == "outgoing")), 1
        )

    def test_invoicing_user_runs_the_letter(self):
        clerk = new_test_user(
            self.env, login="clerk", groups="account.group_account_invoice"
        )
        wizard = (
            self.env["facto.demat.letter.wizard"]
            .with_user(clerk)
            .create({"partner_code_to": "C0001"})
        )
        run = self.env["facto.demat.letter.run"].browse(
            wizard.action_confirm()["res_id"]
        )
        self.assertEqual(run.user_id, clerk)
        self.assertEqual(self.events_of(self.c1).user_id, clerk)


@tagged("post_install", "-at_install")
class TestLetterSafety(LetterCase):
    def test_a_customer_is_in_one_active_run_only(self):
        first = self.start(output="email")
        second_selection = self.selection(output="email", include_already_sent=True)
        self.assertFalse(second_selection[0] & first.line_ids.partner_id)
        with self.assertRaisesRegex(UserError, "No customer matches"):
            self.start(output="email", partner_code_to="C0001")

    def test_interrupted_run_resumes_without_duplicates_or_losses(self):
        wizard = self.wizard(include_without_email=True)
        run = wizard._create_run(*wizard._check_and_select())
        with self.assertRaises(RuntimeError), self.env.cr.savepoint():
            run._process_batch(2)
            raise RuntimeError("worker killed")  # its transaction is lost
        self.env.invalidate_all()
        self.assertEqual(set(run.line_ids.mapped("state")), {"pending"})
        run._process_batch(2)
        self.assertEqual(run.line_ids.mapped("state").count("done"), 2)
        self.run_letter_cron()
        self.assertEqual(set(run.line_ids.mapped("state")), {"done"})
        printed = self.Event.search(
            [
                ("event_type", "=", "letter_printed"),
                ("partner_id", "in", self.customers.ids),
            ]
        )
        self.assertEqual(printed.partner_id, self.customers)
        self.assertEqual(len(printed), len(self.customers), "one letter each")
        # Made in batches, the run's PDF still holds the letters in order.
        self.assertEqual(len(run.letter_attachment_ids), 2)
        self.assertEqual(page_count(self.run_pdf(run)), len(self.customers))
        self.assertEqual(
            page_contents(self.run_pdf(run)),
            [page_contents(self.letter_of(line))[0] for line in run.line_ids],
        )

    def test_letter_pdf_attached_to_emails_when_the_company_wants_it(self):
        self.env.company.demat_letter_attach_pdf = True
        run = self.start(output="email", partner_code_to="C0001")
        self.assertEqual(
            run.line_ids.mail_ids.attachment_ids, run.line_ids.attachment_id
        )
        self.assertEqual(run.line_ids.attachment_id.mimetype, "application/pdf")


@tagged("post_install", "-at_install")
class TestLetterConcurrency(LetterCase):
    """Two runs started at once on overlapping selections, on two real
    connections: the second cannot take a customer the first holds."""

    def test_overlapping_runs(self):
        cursors = [sql_db.db_connect(self.cr.dbname).cursor() for _ in "ab"]
        cr_a, cr_b = cursors
        partner_ids = []
        try:
            env_a = api.Environment(cr_a, SUPERUSER_ID, {})
            partners = env_a["res.partner"].create(
                [
                    {
                        "name": f"Concurrent {n}",
                        "email": f"c{n}@example.com",
                        "customer_rank": 1,
                    }
                    for n in range(3)
                ]
            )
            partner_ids = partners.ids
            cr_a.commit()  # pylint: disable=invalid-commit
            env_b = api.Environment(cr_b, SUPERUSER_ID, {})

            def start(env):
                return (
                    env["facto.demat.letter.wizard"]
                    .create({"partner_ids": [Command.set(partner_ids)]})
                    ._create_run(
                        env["res.partner"], env["res.partner"].browse(partner_ids)
                    )
                )

            cr_b.execute("SELECT 1")  # B's snapshot predates A's run
            start(env_a)
            cr_b.execute("SET LOCAL lock_timeout = '300ms'")
            with (
                mute_logger("odoo.sql_db"),
                self.assertRaises(psycopg2.errors.LockNotAvailable),
            ):
                start(env_b)
            cr_b.rollback()
            cr_b.execute("SELECT 1")
            cr_a.commit()  # pylint: disable=invalid-commit
            with (
                mute_logger("odoo.sql_db"),
                self.assertRaisesRegex(UserError, "already in a letter run"),
            ):
                start(env_b)
        finally:
            for cr in cursors:
                cr.rollback()
            cr_a.execute(
                "DELETE FROM facto_demat_letter_run WHERE id IN (SELECT run_id FROM"
                " facto_demat_letter_run_line WHERE partner_id = ANY(%s));"
                " DELETE FROM res_partner WHERE id = ANY(%s)",
                [partner_ids, partner_ids],
            )
            cr_a.commit()  # pylint: disable=invalid-commit
            for cr in cursors:
                cr.close()
