import base64
import hashlib

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools.evidence_key import evidence_key
from ..tools.evidence_seal import ROW_COLUMNS, SEAL_VERSION, content_seal, event_seal
from ..tools.odoo_versions import declare_sql_constraints
from ..tools.pdf import extract_pages
from .res_company import LETTER_TEXT_KINDS

EVENT_TYPES = [
    ("letter_printed", "Letter printed"),
    ("letter_emailed", "Letter emailed"),
    # a letter sent outside the add-on, recorded by an import or the API
    ("letter_recorded", "Letter sent (recorded)"),
    ("letter_bounced", "Letter bounced"),
    ("refusal_recorded", "Refusal recorded"),
    ("refusal_withdrawn", "Refusal withdrawn"),
    ("acceptance_recorded", "Acceptance recorded"),
    ("acceptance_withdrawn", "Acceptance withdrawn"),
    ("email_changed", "Document email address changed"),
    ("address_requested", "New address requested by the customer"),
    ("data_given", "Data given by the customer"),
    ("data_applied", "Customer data applied"),
    ("data_rejected", "Customer data rejected"),
]
CHANNELS = [
    ("print", "Print"),
    ("email", "Email"),
    ("manual", "Manual"),
    # Answers by the letter's link: "customer" on older rows, though nobody
    # knows who answered; "link" says only how the answer came.
    ("customer", "Customer response"),
    ("link", "Answer link"),
    # facts loaded by an import or given with their date through the API
    ("import", "Import"),
]


class FactoDematEvent(models.Model):
    """One consent fact about a customer, append-only and hash-chained.

    Rows are only ever created (by the add-on's own code, as superuser);
    nobody may change or delete them through the ORM. Each row seals its
    content when created, then its place after the previous row of the same
    company when the chain's writer gives it one (`facto.demat.chain`), so
    that an edit made in the database is found by verification
    (`facto.demat.verification`).
    """

    _name = "facto.demat.event"
    _description = "Dematerialisation evidence event"
    _order = "date desc, sequence desc"
    _rec_name = "event_type"

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    sequence = fields.Integer(readonly=True, copy=False)
    date = fields.Datetime(required=True, readonly=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    event_type = fields.Selection(
        EVENT_TYPES, string="Event", required=True, readonly=True
    )
    channel = fields.Selection(CHANNELS, required=True, readonly=True)
    user_id = fields.Many2one("res.users", readonly=True)
    email = fields.Char(string="Email address", readonly=True)
    attachment_id = fields.Many2one(
        "ir.attachment", string="Letter", readonly=True, ondelete="restrict"
    )
    # A printed letter is pages of its batch's PDF; an emailed one, its
    # whole attachment (no pages).
    letter_first_page = fields.Integer(string="Letter's first page", readonly=True)
    letter_last_page = fields.Integer(string="Letter's last page", readonly=True)
    letter_sha256 = fields.Char(
        string="Letter's SHA-256",
        readonly=True,
        help="Fingerprint of the letter's PDF alone, as downloaded from this "
        "event: a copy of the letter matches it byte for byte.",
    )
    letter_text = fields.Selection(
        LETTER_TEXT_KINDS,
        string="Letter text",
        readonly=True,
        help="Which of the company's letter texts the customer was sent.",
    )
    letter_pdf = fields.Binary(string="Letter (PDF)", compute="_compute_letter_pdf")
    letter_filename = fields.Char(
        string="Letter file name", compute="_compute_letter_filename"
    )
    mail_message_id = fields.Many2one(
        "mail.message", string="Sent email", readonly=True, ondelete="restrict"
    )
    # Answers given from a letter's link (channel "link"; "customer" before
    # 1.3) carry where they came from: behind a proxy, the forwarded address,
    # then the address that reached Odoo.
    ip_address = fields.Char(string="IP address", readonly=True)
    user_agent = fields.Char(readonly=True)
    note = fields.Text(readonly=True)
    previous_hash = fields.Char(readonly=True, copy=False)
    hash = fields.Char(readonly=True, copy=False)
    content_hash = fields.Char(string="Content seal", readonly=True, copy=False)
    # No default: a row without a version is of version 1.
    seal_version = fields.Integer(readonly=True)
    keyed = fields.Boolean(
        string="Keyed seal",
        readonly=True,
        help="Sealed with the evidence key kept outside the database: nobody "
        "without the key can recompute the chain.",
    )
    # Who and what, as they were: sealed, unlike the live links above, which
    # a contact merge or a user deletion may change.
    sealed_partner_id = fields.Integer(string="Customer ID (sealed)", readonly=True)
    sealed_partner_name = fields.Char(string="Customer (sealed)", readonly=True)
    sealed_partner_code = fields.Char(string="Customer code (sealed)", readonly=True)
    sealed_user_id = fields.Integer(string="User ID (sealed)", readonly=True)
    sealed_user_login = fields.Char(string="User (sealed)", readonly=True)

    declare_sql_constraints(
        locals(),
        company_sequence_unique=(
            "UNIQUE(company_id, sequence)",
            "Two evidence events cannot share a place in a company's chain.",
        ),
    )

    # ------------------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------------------

    def _compute_letter_pdf(self):
        for event in self:
            letter = event._letter_pdf() if event.attachment_id else b""
            event.letter_pdf = letter and base64.b64encode(letter)

    def _compute_letter_filename(self):
        for event in self:
            event.letter_filename = event.attachment_id and self.env._(
                "Letter %(code)s.pdf",
                code=event.sealed_partner_code or event.sealed_partner_id,
            )

    # ------------------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------------------

    @api.depends("event_type", "sealed_partner_name", "partner_id")
    def _compute_display_name(self):
        labels = dict(self._fields["event_type"]._description_selection(self.env))
        for event in self:
            event.display_name = self.env._(
                "%(event)s - %(customer)s",
                event=labels.get(event.event_type, ""),
                customer=event.partner_id.display_name or event.sealed_partner_name,
            )

    @api.model_create_multi
    def create(self, vals_list):
        now = fields.Datetime.now()
        key = evidence_key()
        for vals in vals_list:
            vals.update(date=now, user_id=vals.get("user_id", self.env.uid))
            vals.setdefault("company_id", self.env.company.id)
            vals.update(
                self._snapshot(vals), seal_version=SEAL_VERSION, keyed=bool(key)
            )
            vals["content_hash"] = content_seal(self.new(vals)._seal_row(), key)
        events = super().create(vals_list)
        self.env["facto.demat.chain"]._chain_new_events(
            sorted(set(events.company_id.ids))
        )
        return events

    def write(self, vals):  # pylint: disable=method-required-super
        raise UserError(self.env._("Evidence events cannot be modified."))

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("Evidence events cannot be deleted."))

    # ------------------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------------------

    def action_verify_integrity(self):
        """Verify the chains of the user's companies against their anchors
        and say how it went: at once, or, for a chain too long for one
        request, in the background (see `facto.demat.verification`). A list
        header button: the selected events, if any, do not matter."""
        self.check_access("read")
        return self.env["facto.demat.verification"]._verify_companies(
            self.env.companies
        )

    def action_download_letter(self):
        """Download the letter of this event, checked against its seal."""
        self.ensure_one()
        if not self.attachment_id:
            raise UserError(self.env._("This event has no letter."))
        self._letter_pdf()
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self._name}/{self.id}/letter_pdf/"
            f"{self.letter_filename}?download=true",
            "target": "self",
        }

    # ------------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------------

    def _letter_pdf(self):
        """The PDF (bytes) of this event's letter: its pages of the stored
        PDF, extracted, the same bytes every time. Raises `UserError` when
        they do not match the sealed SHA-256.

        As superuser after the event's own read check: the letter's PDF
        belongs to its run, which the reader of the evidence may not see.
        """
        self.ensure_one()
        self.check_access("read")
        stored = self.sudo().attachment_id.raw
        if self.letter_first_page:
            letter = extract_pages(
                stored, self.letter_first_page, self.letter_last_page
            )
        else:
            letter = stored
        if self.letter_sha256 and (
            hashlib.sha256(letter).hexdigest() != self.letter_sha256
        ):
            raise UserError(
                self.env._(
                    "The letter no longer matches its sealed fingerprint: its "
                    "PDF was altered."
                )
            )
        return letter

    def _snapshot(self, vals):
        """The sealed who and what of an event about to be created."""
        partner = self.env["res.partner"].browse(vals["partner_id"]).sudo()
        user = self.env["res.users"].browse(vals.get("user_id")).sudo()
        return {
            "sealed_partner_id": partner.id,
            "sealed_partner_name": partner.name or "",
            "sealed_partner_code": partner.ref or "",
            "sealed_user_id": user.id or 0,
            "sealed_user_login": user.login or "",
        }

    def _seal_row(self):
        """This event as a row to seal (see `tools.evidence_seal`); works
        on new records too."""
        self.ensure_one()
        row = {}
        for name in ROW_COLUMNS:
            value = self[name]
            row[name] = value.id if isinstance(value, models.BaseModel) else value
        row["attachment_checksum"] = self.attachment_id.checksum
        return row

    @api.model
    def _seal_rows(self, company_id, where, order, limit):
        """The company's events matching `where` (SQL), in `order`, `limit`
        at most, as rows to seal (dicts, see `tools.evidence_seal`): read
        by SQL, not kept in the ORM's cache."""
        self.env.cr.execute(
            SQL(
                """
                SELECT %s, attachment.checksum AS attachment_checksum
                  FROM facto_demat_event event
                  LEFT JOIN ir_attachment attachment
                         ON attachment.id = event.attachment_id
                 WHERE event.company_id = %s AND %s
                 ORDER BY %s
                 LIMIT %s
                """,
                SQL(", ").join(SQL.identifier("event", name) for name in ROW_COLUMNS),
                company_id,
                where,
                order,
                limit,
            )
        )
        return self.env.cr.dictfetchall()

    def _digest(self, key):
        """The `hash` this event must hold (see `tools.evidence_seal`)."""
        return event_seal(self._seal_row(), key)

    @api.model
    def _find_chain_break(self, company):
        """Describe the first broken link of the company's chain, or '' (see
        `facto.demat.verification`)."""
        return self.env["facto.demat.verification"]._find_chain_break(company)
