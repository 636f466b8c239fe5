import base64
import hashlib
import hmac
import json

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_datetime

from ..tools.evidence_key import evidence_key
from ..tools.odoo_versions import declare_sql_constraints
from ..tools.pdf import extract_pages

EVENT_TYPES = [
    ("letter_printed", "Letter printed"),
    ("letter_emailed", "Letter emailed"),
    ("refusal_recorded", "Refusal recorded"),
    ("refusal_withdrawn", "Refusal withdrawn"),
    ("acceptance_recorded", "Acceptance recorded"),
    ("acceptance_withdrawn", "Acceptance withdrawn"),
    ("email_changed", "Document email address changed"),
    ("address_requested", "New address requested by the customer"),
]
CHANNELS = [
    ("print", "Print"),
    ("email", "Email"),
    ("manual", "Manual"),
    ("customer", "Customer response"),
]
# What each version of the seal covers, in this order. Version 1 (the
# first rows) sealed the live links to the customer and the user, which a
# contact merge or a user deletion changes; version 2 seals a snapshot of
# who and what instead, keyed when the evidence key is set.
SEALED_FIELDS = {
    1: [
        "company_id",
        "sequence",
        "previous_hash",
        "date",
        "partner_id",
        "event_type",
        "channel",
        "user_id",
        "email",
        "attachment_id",
        "mail_message_id",
        "ip_address",
        "user_agent",
        "note",
    ],
    2: [
        "company_id",
        "sequence",
        "previous_hash",
        "date",
        "sealed_partner_id",
        "sealed_partner_name",
        "sealed_partner_code",
        "event_type",
        "channel",
        "sealed_user_id",
        "sealed_user_login",
        "email",
        "attachment_id",
        "mail_message_id",
        "ip_address",
        "user_agent",
        "note",
        "keyed",
    ],
}
# Version 3 also seals where the letter is in its PDF (several letters
# share the PDF of their batch) and the SHA-256 of the letter alone.
SEALED_FIELDS[3] = [
    *SEALED_FIELDS[2],
    "letter_first_page",
    "letter_last_page",
    "letter_sha256",
]
SEAL_VERSION = 3


def seal(payload, key):
    """The seal of `payload` (a dict of JSON values): HMAC-SHA256 with
    `key` (bytes), or plain SHA-256 without one; hexadecimal."""
    encoded = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
    if key:
        return hmac.new(key, encoded, hashlib.sha256).hexdigest()
    return hashlib.sha256(encoded).hexdigest()


class FactoDematEvent(models.Model):
    """One consent fact about a customer, append-only and hash-chained.

    Rows are only ever created (by the add-on's own code, as superuser);
    nobody may change or delete them through the ORM. Each row seals its
    content and the previous row's hash of the same company, so that an edit
    made in the database is found by `_find_chain_break`.
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
    letter_pdf = fields.Binary(string="Letter (PDF)", compute="_compute_letter_pdf")
    letter_filename = fields.Char(
        string="Letter file name", compute="_compute_letter_filename"
    )
    mail_message_id = fields.Many2one(
        "mail.message", string="Sent email", readonly=True, ondelete="restrict"
    )
    # Answers customers give from their letter's link (channel "customer")
    # carry where they came from.
    ip_address = fields.Char(string="IP address", readonly=True)
    user_agent = fields.Char(readonly=True)
    note = fields.Text(readonly=True)
    previous_hash = fields.Char(readonly=True, copy=False)
    hash = fields.Char(readonly=True, copy=False)
    seal_version = fields.Integer(readonly=True, default=SEAL_VERSION)
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

    @api.depends("event_type", "sealed_partner_name", "partner_id")
    def _compute_display_name(self):
        labels = dict(self._fields["event_type"]._description_selection(self.env))
        for event in self:
            event.display_name = self.env._(
                "%(event)s - %(customer)s",
                event=labels.get(event.event_type, ""),
                customer=event.partner_id.display_name or event.sealed_partner_name,
            )

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

    @api.model_create_multi
    def create(self, vals_list):
        now = fields.Datetime.now()
        key = evidence_key()
        vals_by_company = {}
        for vals in vals_list:
            vals.update(date=now, user_id=vals.get("user_id", self.env.uid))
            vals.setdefault("company_id", self.env.company.id)
            vals.update(
                self._snapshot(vals), seal_version=SEAL_VERSION, keyed=bool(key)
            )
            vals_by_company.setdefault(vals["company_id"], []).append(vals)
        heads = {}
        for company_id, company_vals in vals_by_company.items():
            sequence, previous_hash = self._lock_chain_head(company_id)
            for vals in company_vals:
                sequence += 1
                vals.update(sequence=sequence, previous_hash=previous_hash)
                vals["hash"] = previous_hash = self.new(vals)._digest(key)
            heads[company_id] = sequence
        events = super().create(vals_list)
        for company_id, sequence in heads.items():
            head = events.filtered(
                lambda e, c=company_id, s=sequence: (
                    e.company_id.id == c and e.sequence == s
                )
            )
            self.env.cr.execute(
                SQL(
                    "UPDATE res_company SET demat_last_event_id = %s WHERE id = %s",
                    head.id,
                    company_id,
                )
            )
        self.env["res.company"].invalidate_model(["demat_last_event_id"])
        return events

    def write(self, vals):  # pylint: disable=method-required-super
        raise UserError(self.env._("Evidence events cannot be modified."))

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("Evidence events cannot be deleted."))

    def action_verify_integrity(self):
        """Verify the chains of the user's companies against their anchors
        and say how it went. A list header button: the selected events, if
        any, do not matter."""
        self.check_access("read")
        messages = []
        broken = False
        for company in self.env.companies:
            failure = self._find_chain_break(company)
            broken = broken or bool(failure)
            messages.append(
                self.env._(
                    "%(company)s: %(failure)s", company=company.name, failure=failure
                )
                if failure
                else self._intact_sentence(company)
            )
        if not evidence_key():
            messages.append(
                self.env._(
                    "Without an evidence key, someone with access to the database "
                    "could rewrite the whole chain: see the Dematerialisation "
                    "settings."
                )
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Evidence trail integrity"),
                "message": "\n".join(messages),
                "type": "danger" if broken else "success",
                "sticky": True,
            },
        }

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

    def _digest(self, key):
        """The seal of this event (works on new records too): see `seal`;
        version 1 rows keep their unkeyed SHA-256."""
        self.ensure_one()
        version = self.seal_version or 1
        payload = {}
        for name in SEALED_FIELDS[version]:
            value = self[name]
            if isinstance(value, models.BaseModel):
                value = value.id or None
            elif name == "date":
                value = fields.Datetime.to_string(value)
            payload[name] = value or None
        payload["attachment_checksum"] = self.attachment_id.checksum or None
        return seal(payload, key if version > 1 and self.keyed else None)

    def _find_altered_letter(self):
        """Describe the first of these events whose letter's PDF no longer
        matches the checksum it sealed (changed or lost in the filestore),
        or ''. Each PDF is read once: printed letters share their batch's."""
        checked = self.env["ir.attachment"]
        for event in self.filtered("attachment_id"):
            attachment = event.attachment_id
            if attachment in checked:
                continue
            checked |= attachment
            content = attachment.raw
            attachment.invalidate_recordset(["raw", "datas"])  # not kept in memory
            if attachment._compute_checksum(content) != attachment.checksum:
                return self.env._(
                    "the PDF of the letter of event no. %(sequence)s "
                    "(%(customer)s) was altered or lost.",
                    sequence=event.sequence,
                    customer=event.sealed_partner_name,
                )
        return ""

    def _intact_sentence(self, company):
        head = company.sudo().demat_last_event_id
        anchor = self.env["facto.demat.anchor"]._last_anchor(company)
        sentence = self.env._(
            "%(company)s: %(count)s events verified, the chain is intact (last "
            "event no. %(sequence)s, seal %(hash)s).",
            company=company.name,
            count=head.sequence or 0,
            sequence=head.sequence or 0,
            hash=(head.hash or "")[:16],
        )
        if anchor:
            sentence += " " + self.env._(
                "It matches its last anchor, of %(date)s.",
                date=format_datetime(self.env, anchor.date),
            )
        unkeyed = self.sudo().search_count(
            [("company_id", "=", company.id), ("keyed", "=", False)]
        )
        if unkeyed and evidence_key():
            sentence += " " + self.env._(
                "%(count)s events were sealed before the evidence key was set.",
                count=unkeyed,
            )
        return sentence

    def _lock_chain_head(self, company_id):
        """Lock the company's chain head and return its (sequence, hash).

        The lock is on the company row, which every append then updates: under
        Odoo's REPEATABLE READ isolation a concurrent append waits, then fails
        with a serialization error and is retried with a fresh snapshot
        (requests and crons retry it), so the chain never forks.
        """
        self.env.cr.execute(
            SQL(
                """
                SELECT event.sequence, event.hash
                  FROM res_company company
                  LEFT JOIN facto_demat_event event
                         ON event.id = company.demat_last_event_id
                 WHERE company.id = %s
                   FOR NO KEY UPDATE OF company
                """,
                company_id,
            )
        )
        sequence, last_hash = self.env.cr.fetchone()
        return sequence or 0, last_hash or ""

    @api.model
    def _find_chain_break(self, company):
        """Describe the first broken link of the company's chain, or '':
        an altered event, events missing in the middle, events missing at
        the end, a chain emptied since its last anchor, or a letter's PDF
        altered or lost."""
        key = evidence_key()
        previous_hash = ""
        expected_sequence = 1
        keyed_since = None
        events = self.sudo().search([("company_id", "=", company.id)], order="sequence")
        for event in events:
            if event.keyed and keyed_since is None:
                keyed_since = event.sequence
            if key and keyed_since and not event.keyed:
                # Once keyed, a chain stays keyed: a later row sealed without
                # the key is one someone re-sealed without it.
                return self.env._(
                    "event no. %(sequence)s is sealed without the evidence key, "
                    "after events sealed with it: it was altered.",
                    sequence=event.sequence,
                )
            if event.sequence != expected_sequence:
                return self.env._(
                    "event no. %(expected)s is missing (found no. %(found)s).",
                    expected=expected_sequence,
                    found=event.sequence,
                )
            if event.keyed and not key:
                return self.env._(
                    "event no. %(sequence)s is sealed with the evidence key, "
                    "which this server does not have: set it to verify.",
                    sequence=event.sequence,
                )
            if event.previous_hash != previous_hash or event.hash != event._digest(key):
                return self.env._(
                    "event no. %(sequence)s (%(event)s of %(date)s, %(customer)s) "
                    "was altered.",
                    sequence=event.sequence,
                    event=dict(
                        event._fields["event_type"]._description_selection(self.env)
                    ).get(event.event_type),
                    date=format_datetime(self.env, event.date),
                    customer=event.sealed_partner_name or event.partner_id.display_name,
                )
            previous_hash = event.hash
            expected_sequence += 1
        failure = (
            self.env["facto.demat.anchor"]._find_anchor_break(company, events)
            or events._find_altered_letter()
        )
        if failure:
            return failure
        if events[-1:] != company.sudo().demat_last_event_id:
            return self.env._("the last events of the chain are missing.")
        return ""
