"""Printed letters are stored once, one PDF per batch, and each letter is
provable on its own: its evidence seals its pages and the SHA-256 of the
letter extracted alone, extracted again the same, byte for byte."""

import hashlib
import os
import re
from contextlib import suppress

import pikepdf
import pypdfium2
import zxingcpp

from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged
from odoo.tools import SQL, mute_logger

from ..tools.evidence_seal import SEAL_VERSION
from .common import LetterCase, Undo, WebClientMixin, page_count


@tagged("post_install", "-at_install")
class TestLetterStore(LetterCase, HttpCase, WebClientMixin):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clerk = cls.company_user("clerk-store", "account.group_account_invoice")
        cls.employee = cls.company_user("employee-store", "base.group_user")

    def printed_run(self, **values):
        return self.start(include_without_email=True, **values)

    def stored_letters(self, run):
        return self.env["ir.attachment"].search(
            [
                ("res_model", "in", ("facto.demat.letter.run", run.line_ids._name)),
                ("res_id", "in", [run.id, *run.line_ids.ids]),
            ]
        )

    def test_a_letter_extracted_from_the_store_is_identical_and_verifies(self):
        run = self.printed_run()
        self.assertEqual(self.stored_letters(run), run.letter_attachment_ids)
        self.assertEqual(len(run.letter_attachment_ids), 1, "one PDF, not one each")
        for line in run.line_ids:
            event = line.event_id
            first = event._letter_pdf()
            self.env.invalidate_all()  # read from the filestore again
            second = event._letter_pdf()
            self.assertEqual(first, second)
            self.assertEqual(hashlib.sha256(first).hexdigest(), event.letter_sha256)
            self.assertEqual(page_count(first), 1)
            self.assertEqual(event.seal_version, SEAL_VERSION)
        self.assertEqual(self.Event._find_chain_break(self.env.company), "")

    def test_a_letter_whose_stored_pdf_was_altered_is_refused(self):
        run = self.printed_run(partner_code_to="C0002")
        stored = run.letter_attachment_ids
        # someone with access to the filestore swaps two letters' pages
        path = stored._full_path(stored.store_fname)
        with open(path, "rb") as file:
            original = file.read()
        self.addCleanup(self.write_file, path, original)  # for Odoo's file GC
        with pikepdf.open(path, allow_overwriting_input=True) as document:
            document.pages.reverse()
            document.save(path)
        self.env.invalidate_all()
        for line in run.line_ids:
            with self.assertRaisesRegex(UserError, "no longer matches"):
                line.action_download_letter()
        self.assertRegex(
            self.Event._find_chain_break(self.env.company),
            r"the PDF of the letter of event no\. \d+ \(.+\) was altered or lost",
        )
        stored.invalidate_recordset()
        os.remove(path)
        with mute_logger("odoo.addons.base.models.ir_attachment"):  # file missing
            failure = self.Event._find_chain_break(self.env.company)
        self.assertIn("altered or lost", failure)

    @staticmethod
    def write_file(path, content):
        with open(path, "wb") as file:
            file.write(content)

    def test_the_seal_covers_where_the_letter_is(self):
        run = self.printed_run(partner_code_to="C0003")
        event = run.line_ids[1].event_id
        for column, value in (
            ("letter_first_page", 1),
            ("letter_last_page", 3),
            ("letter_sha256", "0" * 64),
        ):
            with self.subTest(column=column):
                with suppress(Undo), self.env.cr.savepoint():
                    self.env.cr.execute(
                        SQL(
                            "UPDATE facto_demat_event SET %s = %s WHERE id = %s",
                            SQL.identifier(column),
                            value,
                            event.id,
                        )
                    )
                    self.env.invalidate_all()
                    failure = self.Event._find_chain_break(self.env.company)
                    raise Undo()
                self.assertIn("was altered", failure)
        self.env.invalidate_all()
        self.assertEqual(self.Event._find_chain_break(self.env.company), "")

    def test_each_qr_code_reads_back_as_the_letter_link(self):
        self.env.company.city = "Lyon"
        run = self.printed_run(partner_code_to="C0004")
        self.assertTrue(run.include_response_link)
        Line = self.env["facto.demat.letter.run.line"]
        for line in run.line_ids:
            pdf = pypdfium2.PdfDocument(line.event_id._letter_pdf())
            image = pdf[0].render(scale=2).to_pil()
            [code] = zxingcpp.read_barcodes(image)
            link = re.fullmatch(r"(.+)/demat/([\w-]+)", code.text)
            self.assertEqual(link[1], self.env.company.get_base_url())
            self.assertEqual(Line._from_response_token(link[2]), line)

    def test_long_letters_keep_their_pages_and_their_qr_code(self):
        body = "<p>%1</p>" + "<p>Une ligne de la lettre.</p>" * 150
        run = self.printed_run(partner_code_to="C0002", body=body, body_no_email=body)
        for line in run.line_ids:
            letter = line.event_id._letter_pdf()
            self.assertGreater(page_count(letter), 1)
            pdf = pypdfium2.PdfDocument(letter)
            codes = [
                code
                for page in pdf
                for code in zxingcpp.read_barcodes(page.render(scale=2).to_pil())
            ]
            self.assertEqual(len(codes), 1)

    def test_letters_download_as_the_web_client_does(self):
        run = self.printed_run()
        self.authenticate(self.clerk.login, self.clerk.login)
        line = run.line_ids[2]
        action = self.call_button(line._name, "action_download_letter", line.ids)
        response = self.url_open(action["url"])
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            hashlib.sha256(response.content).hexdigest(), line.event_id.letter_sha256
        )
        self.assertIn(
            f"Letter {line.partner_id.ref}.pdf",
            response.headers["Content-Disposition"],
        )
        action = self.call_button(run._name, "action_download_pdf", run.ids)
        response = self.url_open(action["url"])
        self.assertEqual(response.status_code, 200)
        self.assertEqual(page_count(response.content), len(run.line_ids))
        # someone who may not see the evidence gets no letter
        self.authenticate(self.employee.login, self.employee.login)
        response = self.url_open(
            f"/web/content/facto.demat.event/{line.event_id.id}/letter_pdf"
        )
        self.assertIn(response.status_code, (403, 404))
        self.assertNotIn(b"%PDF", response.content)

    def test_a_run_printed_before_anchors_downloads(self):
        """Runs printed before anchors existed have none (a database
        updated from then): their PDF downloads without one, and their
        letters by their own seals."""
        run = self.printed_run()
        self.env.cr.execute(
            SQL("DELETE FROM facto_demat_anchor WHERE run_id = %s", run.id)
        )
        self.env.invalidate_all()
        self.authenticate(self.clerk.login, self.clerk.login)
        action = self.call_button(run._name, "action_download_pdf", run.ids)
        response = self.url_open(action["url"])
        self.assertEqual(response.status_code, 200)
        self.assertEqual(page_count(response.content), len(run.line_ids))
        self.assertNotIn(b"FACTO-DEMAT-ANCHOR", response.content)
        for line in run.line_ids:
            letter = line.event_id._letter_pdf()
            self.assertEqual(
                hashlib.sha256(letter).hexdigest(), line.event_id.letter_sha256
            )

    def test_emailed_letters_are_their_own_attachments(self):
        self.env.company.demat_letter_attach_pdf = True
        run = self.start(output="email", partner_code_to="C0001")
        with self.mails_sent():
            run.line_ids.mail_ids.send()
        event = run.line_ids.event_id
        attachment = run.line_ids.attachment_id
        self.assertEqual(event.attachment_id, attachment)
        self.assertFalse(event.letter_first_page)
        self.assertEqual(
            event.letter_sha256, hashlib.sha256(attachment.raw).hexdigest()
        )
        self.assertEqual(event._letter_pdf(), attachment.raw)

    def test_engine_calls_at_once_are_bounded_and_configurable(self):
        run = self.printed_run(partner_code_to="C0001")
        parameters = self.env["ir.config_parameter"].sudo()
        cores = os.cpu_count()
        for wanted, workers in (("1", 1), ("0", 1), ("64", cores), ("two", cores)):
            with self.subTest(wanted=wanted):
                parameters.set_param("facto_demat.letter_render_workers", wanted)
                self.assertEqual(run._render_workers(), workers)
        parameters.set_param("facto_demat.letter_render_workers", "1")
        again = self.printed_run(include_already_sent=True)
        self.assertEqual(page_count(self.run_pdf(again)), len(self.customers))

    def test_nothing_to_download_is_said(self):
        run = self.start(output="email", partner_code_to="C0001")
        self.authenticate(self.clerk.login, self.clerk.login)
        for model, method, ids in (
            (run._name, "action_download_pdf", run.ids),
            (run.line_ids._name, "action_download_letter", run.line_ids.ids),
        ):
            with self.subTest(method=method):
                error = self.call_button(model, method, ids, expect_error=True)
                self.assertEqual(
                    error["data"]["name"], "odoo.exceptions.UserError", error
                )
