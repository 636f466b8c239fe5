import base64
import logging
import os
import random
import time
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.modules import module
from odoo.tools import find_in_path, format_date, format_datetime

from ..tools import letter_engine, letter_pdf
from ..tools.evidence_seal import CONCURRENCY_ERRORS
from ..tools.html_text import sanitised
from ..tools.odoo_versions import cron_progress
from ..tools.pdf import letter_hashes, merge_pdfs
from .res_company import LETTER_TEXT_FIELDS

# Letters rendered per wkhtmltopdf call (this build takes one input document
# per call) and customers handled per cron batch: each batch's printed
# letters are stored as one PDF.
PRINT_CHUNK = 250
BATCH_SIZE = 1000
# A run of at most one engine call's letters is done in the user's
# transaction, so that they are there when the wizard closes; a larger one
# by the cron, batch after batch.
DONE_AT_ONCE = PRINT_CHUNK
# A batch that another transaction made fail on a row both wrote (a
# customer answering by link, a clerk) is done again at once, in a new
# transaction, up to this many times, after a random wait growing each time.
CONCURRENCY_TRIES = 5
# A batch that failed otherwise is tried again at once, up to this many
# times; then its run waits `BATCH_RETRY_DELAY`, saying why, or until a user
# resumes it.
BATCH_TRIES = 3
BATCH_RETRY_DELAY = timedelta(hours=1)

# The run's copy of each letter text of the company (`LETTER_TEXT_FIELDS`,
# without their "demat_letter_" prefix): subject, body, and body for
# customers without a valid address.
RUN_TEXT_FIELDS = {
    kind: tuple(name and name.removeprefix("demat_letter_") for name in names)
    for kind, names in LETTER_TEXT_FIELDS.items()
}
RUN_BODIES = tuple(
    name for _subject, *bodies in RUN_TEXT_FIELDS.values() for name in bodies if name
)
# What a run is for: a consent letter (each customer with the text of their
# route), or the e-invoicing information letter to French businesses.
LETTER_PURPOSES = [
    ("consent", "Consent letter"),
    ("information", "E-invoicing information"),
]

_logger = logging.getLogger(__name__)


class FactoDematLetterRun(models.Model):
    """A dematerialisation letter run: who started it, on which customers,
    with which text, and what became of each letter."""

    _name = "facto.demat.letter.run"
    _description = "Dematerialisation letter run"
    _order = "id desc"

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda s: s.env.company
    )
    user_id = fields.Many2one(
        "res.users",
        string="Started by",
        readonly=True,
        default=lambda self: self.env.user,
    )
    output = fields.Selection(
        [("print", "Print"), ("email", "Email")], required=True, readonly=True
    )
    partner_code_from = fields.Char(string="From customer code", readonly=True)
    partner_code_to = fields.Char(string="To customer code", readonly=True)
    invoice_date_from = fields.Date(string="Invoiced from", readonly=True)
    invoice_date_to = fields.Date(string="Invoiced until", readonly=True)
    include_already_sent = fields.Boolean(string="Letter already sent", readonly=True)
    include_response_link = fields.Boolean(string="Answer link", readonly=True)
    include_without_email = fields.Boolean(
        string="Customers without email", readonly=True
    )
    sort_by = fields.Selection(
        [("code", "Customer code"), ("name", "Customer name")], readonly=True
    )
    purpose = fields.Selection(
        LETTER_PURPOSES,
        string="Letter",
        default="consent",
        required=True,
        readonly=True,
        help="A consent letter asks customers to accept or refuse documents "
        "by email; an information letter tells French businesses that "
        "invoices reach them through their approved platform.",
    )
    subject = fields.Char(translate=True, readonly=True)
    # One whole text per language, sanitised by create and write (see
    # tools/html_text.py): no script, event handler, iframe or form reaches
    # a letter or the run's form.
    body = fields.Html(translate=True, readonly=True, sanitize=False)
    body_no_email = fields.Html(
        string="Text without an address",
        translate=True,
        readonly=True,
        sanitize=False,
    )
    business_subject = fields.Char(
        string="Subject to French businesses", translate=True, readonly=True
    )
    business_body = fields.Html(
        string="Text to French businesses",
        translate=True,
        readonly=True,
        sanitize=False,
    )
    information_subject = fields.Char(
        string="Information letter subject", translate=True, readonly=True
    )
    information_body = fields.Html(
        string="Information letter text",
        translate=True,
        readonly=True,
        sanitize=False,
    )
    line_ids = fields.One2many("facto.demat.letter.run.line", "run_id", readonly=True)
    state = fields.Selection(
        [
            ("in_progress", "In progress"),
            ("sending", "Sending"),
            ("done", "Done"),
            ("failed", "Done with failures"),
        ],
        compute="_compute_state",
        store=True,
        index=True,
    )
    # The printed letters, stored once: one PDF per batch of the cron, in
    # which each letter's evidence event seals its pages (see
    # `facto.demat.event`). The run's whole PDF is made from them on demand.
    letter_attachment_ids = fields.Many2many(
        "ir.attachment", string="Printed letters (PDF)", readonly=True
    )
    pdf_file = fields.Binary(string="Letters (PDF)", compute="_compute_pdf_file")
    pdf_filename = fields.Char(
        string="Letters file name", compute="_compute_pdf_filename"
    )
    print_count = fields.Integer(string="To print", compute="_compute_counts")
    email_count = fields.Integer(string="To email", compute="_compute_counts")
    done_count = fields.Integer(string="Done", compute="_compute_counts")
    failed_count = fields.Integer(string="Failed", compute="_compute_counts")
    deferred_count = fields.Integer(
        string="Waiting in the mail queue", compute="_compute_counts"
    )
    delivery_summary = fields.Text(
        string="Why letters wait or failed", compute="_compute_delivery_summary"
    )
    batch_failure_count = fields.Integer(
        string="Failed tries of the batch", readonly=True, copy=False
    )
    batch_failure_reason = fields.Text(
        string="Why the run waits", readonly=True, copy=False
    )
    batch_retry_date = fields.Datetime(
        string="Next try of the batch", readonly=True, copy=False
    )

    # ------------------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------------------

    @api.depends("line_ids.state")
    def _compute_state(self):
        counts = self._line_counts(["run_id", "state"])
        for run in self:
            if counts.get((run, "pending")):
                run.state = "in_progress"
            elif counts.get((run, "queued")):
                run.state = "sending"
            elif counts.get((run, "failed")):
                run.state = "failed"
            else:
                run.state = "done"

    def _compute_counts(self):
        by_output = self._line_counts(["run_id", "output"])
        by_state = self._line_counts(["run_id", "state"])
        for run in self:
            run.print_count = by_output.get((run, "print"), 0)
            run.email_count = by_output.get((run, "email"), 0)
            run.done_count = by_state.get((run, "done"), 0)
            run.failed_count = by_state.get((run, "failed"), 0)
        deferred = self._line_counts(
            ["run_id"], [("state", "=", "queued"), ("failure_reason", "!=", False)]
        )
        for run in self:
            run.deferred_count = deferred.get(run, 0)

    def _compute_delivery_summary(self):
        groups = self.env["facto.demat.letter.run.line"]._read_group(
            [
                ("run_id", "in", self.ids),
                ("state", "in", ("queued", "failed")),
                ("failure_reason", "!=", False),
            ],
            ["run_id", "state", "failure_reason"],
            ["__count", "next_attempt_date:min"],
        )
        summaries = {}
        for run, state, reason, count, next_try in groups:
            if state == "queued":
                sentence = self.env._(
                    "%(count)s letter(s) wait: %(reason)s Next try: %(time)s.",
                    count=count,
                    reason=reason,
                    time=format_datetime(self.env, next_try, dt_format="short")
                    if next_try
                    else self.env._("once the server's settings are fixed"),
                )
            else:
                sentence = self.env._(
                    "%(count)s letter(s) failed: %(reason)s",
                    count=count,
                    reason=reason,
                )
            summaries.setdefault(run, []).append(sentence)
        for run in self:
            run.delivery_summary = "\n".join(summaries.get(run, [])) or False

    def _compute_pdf_file(self):
        """All the run's printed letters in one PDF, in order, with the
        evidence trail's anchor of the run in its properties (see
        `facto.demat.anchor`): made when downloaded, from the stored parts.
        A run printed before anchors existed has none: its letters are
        checked by their own seals (`facto.demat.event`)."""
        anchors = (
            self.env["facto.demat.anchor"].sudo().search([("run_id", "in", self.ids)])
        )
        for run in self:
            parts = run.letter_attachment_ids.sorted("id")
            anchor = anchors.filtered(lambda a, r=run: a.run_id == r)[:1]
            run.pdf_file = parts and base64.b64encode(
                merge_pdfs(
                    parts.mapped("raw"), keywords=anchor._text() if anchor else None
                )
            )

    def _compute_pdf_filename(self):
        for run in self:
            run.pdf_filename = self.env._(
                "Dematerialisation letters %(run)s.pdf", run=run.id
            )

    # ------------------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([sanitised(vals, *RUN_BODIES) for vals in vals_list])

    def write(self, vals):
        return super().write(sanitised(vals, *RUN_BODIES))

    @api.depends("create_date", "output")
    def _compute_display_name(self):
        outputs = {"print": self.env._("printing"), "email": self.env._("emailing")}
        for run in self:
            started = fields.Datetime.context_timestamp(
                run, run.create_date or fields.Datetime.now()
            )
            run.display_name = self.env._(
                "Letters of %(date)s at %(time)s - %(output)s",
                date=format_date(self.env, started.date()),
                time=started.strftime("%H:%M"),
                output=outputs.get(run.output, ""),
            )

    # ------------------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------------------

    def action_retry_failed(self):
        self._check_may_send_letters()
        self.sudo()._retry_failed()

    def action_download_pdf(self):
        """Download the run's printed letters in one PDF."""
        self.ensure_one()
        if not self.letter_attachment_ids:
            raise UserError(self.env._("This run has no printed letters."))
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self._name}/{self.id}/pdf_file/"
            f"{self.pdf_filename}?download=true",
            "target": "self",
        }

    def action_view_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "facto_demat.facto_demat_letter_run_line_action"
        )
        action["domain"] = [("run_id", "=", self.id)]
        return action

    def action_resume(self):
        """Try again at once a run whose batch failed."""
        self._check_may_send_letters()
        self.sudo()._note_batch_done()
        self._schedule()

    # ------------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------------

    def _line_counts(self, groupby, domain=()):
        """{(run, value) or run: number of lines} grouped by `groupby`."""
        groups = self.env["facto.demat.letter.run.line"]._read_group(
            [("run_id", "in", self.ids), *domain], groupby, ["__count"]
        )
        return {
            (keys[0] if len(keys) == 1 else tuple(keys)): count
            for *keys, count in groups
        }

    def _retry_failed(self):
        failed = self.line_ids.filtered(lambda line: line.state == "failed")
        failed._cancel_failed_mails()
        failed.write({"state": "pending", "failure_reason": False})
        self._schedule()

    @api.model
    def _cron_process(self):
        """Process one batch of the oldest run with letters to do.

        The cron's progress API makes the scheduler commit after each batch
        and call again while some remain, so that a worker killed midway loses
        at most the batch in hand, which is then done again from scratch. A
        batch never makes the cron fail: see `_run_batch`.
        """
        self._end_letters_without_email()
        self.env["facto.demat.letter.run.line"]._record_emailed_letters()
        ready = self._ready_runs()
        run = ready[:1]
        done = run._run_batch() if run else 0
        remaining = self.env["facto.demat.letter.run.line"].search_count(
            [("state", "=", "pending"), ("run_id", "in", self._ready_runs().ids)]
        )
        cron_progress(self.env, done, remaining)

    @api.model
    def _ready_runs(self):
        """The runs with letters to do that do not wait after failures."""
        return self.search(
            [
                ("state", "=", "in_progress"),
                "|",
                ("batch_retry_date", "=", False),
                ("batch_retry_date", "<=", fields.Datetime.now()),
            ],
            order="id",
        )

    def _run_batch(self):
        """Process a batch of this run; return how many letters it did.

        A batch that fails because another transaction wrote a row it wrote
        is done again at once in a new transaction (`CONCURRENCY_TRIES`);
        one that fails otherwise is undone and noted on the run, which is
        tried again at once up to `BATCH_TRIES` times, then waits
        `BATCH_RETRY_DELAY` and says why.
        """
        self.ensure_one()
        for attempt in range(1, CONCURRENCY_TRIES + 1):
            try:
                with self.env.cr.savepoint():
                    done = self._process_batch(BATCH_SIZE)
                self._note_batch_done()
                return done
            except CONCURRENCY_ERRORS as error:
                # under tests, the test's transaction cannot be started again
                if attempt == CONCURRENCY_TRIES or module.current_test:
                    self._note_batch_failure(error)
                    return 0
                _logger.info("Letter run %s: %s, batch done again", self.id, error)
                self.env.cr.rollback()  # a new snapshot for the next try
                time.sleep(random.uniform(0, 0.5 * 2**attempt))
            except Exception as error:  # said on the run, and tried again
                if self.env.cr.closed:
                    raise
                self._note_batch_failure(error)
                return 0
        return 0

    def _note_batch_done(self):
        if self.batch_failure_count or self.batch_retry_date:
            self.write(
                {
                    "batch_failure_count": 0,
                    "batch_failure_reason": False,
                    "batch_retry_date": False,
                }
            )

    def _note_batch_failure(self, error):
        """Say why this run's batch failed, and when it is tried again."""
        _logger.warning("Letter run %s: batch failed: %s", self.id, error)
        self.env.invalidate_all()
        tries = self.batch_failure_count + 1
        if tries < BATCH_TRIES:
            retry, said = False, self.env._("tried again at once.")
        else:
            tries, retry = 0, fields.Datetime.now() + BATCH_RETRY_DELAY
            said = self.env._(
                "the letters wait until %(time)s, or until someone presses Resume.",
                time=format_datetime(self.env, retry, dt_format="short"),
            )
        reason = error.args[0] if isinstance(error, UserError) else str(error)
        self.write(
            {
                "batch_failure_count": tries,
                "batch_retry_date": retry,
                "batch_failure_reason": self.env._(
                    "The last batch of letters failed (%(reason)s): %(said)s",
                    reason=reason.strip(),
                    said=said,
                ),
            }
        )

    def _check_may_send_letters(self):
        """Letters are sent by invoicing users, on runs of their companies."""
        if not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(self.env._("Only invoicing users may send letters."))
        self.check_access("read")

    @api.model
    def _end_letters_without_email(self):
        """Fail the letters still queued whose email no longer exists
        (deleted without Odoo's ORM) and did not leave, so that no run waits
        on them."""
        orphans = self.env["facto.demat.letter.run.line"].search(
            [
                ("state", "=", "queued"),
                ("mail_ids", "=", False),
                ("mail_message_id", "=", False),
            ]
        )
        orphans._mark_failed(self.env._("The email was deleted before it was sent."))

    def _store_other_languages(self, company):
        """Letters go out in each customer's language: the run keeps the
        company's texts for every other installed language."""
        for lang, _name in self.env["res.lang"].get_installed():
            if lang != (self.env.lang or "en_US"):
                texts = company.with_context(lang=lang)
                values = {}
                for kind, names in RUN_TEXT_FIELDS.items():
                    for name, text in zip(
                        names, texts._demat_letter_texts(kind), strict=True
                    ):
                        if name:
                            values[name] = text
                self.with_context(lang=lang).write(values)

    def _letter_texts(self, kind):
        """Subject, body and body without an address (or None) of the
        run's letter text `kind`, in the context language."""
        self.ensure_one()
        return tuple(name and self[name] for name in RUN_TEXT_FIELDS[kind])

    def _start(self):
        """Start this new run, at once or by the cron (`DONE_AT_ONCE`)."""
        self.ensure_one()
        if len(self.line_ids) <= DONE_AT_ONCE:
            self._process_batch(BATCH_SIZE)
        else:
            self._schedule()

    def _schedule(self):
        self.env.ref("facto_demat.ir_cron_demat_letter_run")._trigger()

    def _process_batch(self, limit):
        """Print or queue up to `limit` pending letters; return how many."""
        self.ensure_one()
        Line = self.env["facto.demat.letter.run.line"]
        pending = [("run_id", "=", self.id), ("state", "=", "pending")]
        lines = Line.search(pending, limit=limit)
        if self.include_response_link and lines:
            links = lines._issue_response_links()
            lines = lines.with_context(demat_response_links=links)
        run = self.with_env(lines.env)
        to_print = lines.filtered(lambda line: line.output == "print")
        to_email = lines - to_print
        if to_print:
            to_print._mark_printed(run._store_printed_letters(to_print))
        if to_email:
            letters = {}
            if self.company_id.demat_letter_attach_pdf:
                letters = run._store_emailed_letters(to_email)
            to_email._queue_emails(letters)
            self.env.ref("mail.ir_cron_mail_scheduler_action")._trigger()
        if not Line.search_count(pending, limit=1):
            self.env["facto.demat.anchor"]._anchor(
                self.company_id, "letter_run", run=self
            )
        # The cron runs batch after batch in one environment: without this,
        # the cache keeps every line, event and customer of the batches
        # before, and each batch of 10,000 letters is slower than the last.
        self.env.invalidate_all()
        return len(lines)

    def _store_printed_letters(self, lines):
        """Render these letters into one stored PDF; return each line's
        letter: {line: {"attachment": that PDF, "first_page", "last_page",
        "sha256": of the letter's pages extracted alone (`extract_pages`)}}."""
        pdf, pages = self._render_letters(lines)
        part = self._attachment(
            self.env._(
                "Dematerialisation letters %(run)s - part %(part)s.pdf",
                run=self.id,
                part=len(self.letter_attachment_ids) + 1,
            ),
            pdf,
        )
        self.letter_attachment_ids += part
        try:
            hashes = letter_hashes(pdf, list(pages.values()), self._render_deadline())
        except RuntimeError as error:
            raise UserError(
                self.env._("The letters could not be printed: %(error)s", error=error)
            ) from error
        return {
            line: {
                "attachment": part,
                "first_page": first,
                "last_page": last,
                "sha256": sha256,
            }
            for ((line, (first, last)), sha256) in zip(
                pages.items(), hashes, strict=True
            )
        }

    def _store_emailed_letters(self, lines):
        """Render these letters, each stored as the PDF its email carries;
        return {line: {"attachment", "sha256"}} (see
        `_store_printed_letters`)."""
        pdf, pages = self._render_letters(lines)
        files = letter_pdf.letter_files(pdf, list(pages.values()))
        letters = {}
        for line, (letter, sha256) in zip(pages, files, strict=True):
            lang = line.partner_id._demat_lang(self.company_id)
            name = self.with_context(lang=lang).env._(
                "Letter %(code)s.pdf",
                code=line.partner_id.ref or line.partner_id.id,
            )
            letters[line] = {
                "attachment": self._attachment(name, letter, line),
                "sha256": sha256,
            }
        # the PDFs are in the filestore; keep them out of the cache
        self.env["ir.attachment"].invalidate_model(["raw", "datas"])
        return letters

    def _render_letters(self, lines):
        """Render these letters (`tools.letter_pdf`), `PRINT_CHUNK` to an
        engine call and `_render_workers()` calls at once; return the PDF
        (bytes) of them all, one after the other, and each line's pages in
        it: {line: (first, last)}, counted from 1. Raises `UserError` when
        they cannot be printed."""
        report = self.env.ref("facto_demat.action_report_demat_letter")
        chunks = [
            lines[start : start + PRINT_CHUNK]
            for start in range(0, len(lines), PRINT_CHUNK)
        ]
        try:
            pdf, pages = letter_pdf.print_letters(
                (self._letters_html(chunk) for chunk in chunks),
                [len(chunk) for chunk in chunks],
                [line._response_link() or None for line in lines],
                find_in_path("wkhtmltopdf"),
                report._build_wkhtmltopdf_args(report.get_paperformat(), False),
                deadline=self._render_deadline(),
                workers=self._render_workers(),
            )
        except letter_pdf.MarkerMismatch as error:
            raise UserError(
                self.env._(
                    "The letters could not be printed: the PDF engine marked "
                    "the start of %(found)s letter(s) out of %(count)s.",
                    found=error.found,
                    count=error.expected,
                )
            ) from error
        except (letter_engine.EngineError, RuntimeError) as error:
            raise UserError(
                self.env._("The letters could not be printed: %(error)s", error=error)
            ) from error
        return pdf, dict(zip(lines, pages, strict=True))

    def _letters_html(self, lines):
        """The HTML of these letters, one whole document.

        The template is a whole document: Odoo's `_render_qweb_pdf` would wrap
        each article in its layout and re-read the PDF to split it per
        record, which `tools.letter_pdf` does itself.
        """
        report = self.env.ref("facto_demat.action_report_demat_letter")
        return report._render_qweb_html(report.report_name, lines.ids)[0].decode()

    def _render_deadline(self):
        """The seconds one engine call may take (system parameter
        `facto_demat.letter_render_seconds`, 600 by default)."""
        return float(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("facto_demat.letter_render_seconds", 600)
        )

    def _render_workers(self):
        """How many engine calls run at once: the system parameter
        `facto_demat.letter_render_workers` (for a server shared with users),
        at most the machine's cores, which is the default."""
        cores = os.cpu_count() or 1
        wanted = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("facto_demat.letter_render_workers", "")
            .strip()
        )
        return max(1, min(int(wanted), cores)) if wanted.isdigit() else cores

    def _attachment(self, name, content, record=None):
        record = record or self
        return self.env["ir.attachment"].create(
            {
                "name": name,
                "raw": content,
                "mimetype": "application/pdf",
                "res_model": record._name,
                "res_id": record.id,
            }
        )
