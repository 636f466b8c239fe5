import hashlib
import json

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

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
# Fields sealed by the hash, in this order; a new field is appended, never
# inserted, so that older rows keep verifying.
SEALED_FIELDS = [
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
]


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

    _sql_constraints = [
        (
            "company_sequence_unique",
            "UNIQUE(company_id, sequence)",
            "Two evidence events cannot share a place in a company's chain.",
        )
    ]

    @api.model_create_multi
    def create(self, vals_list):
        now = fields.Datetime.now()
        vals_by_company = {}
        for vals in vals_list:
            vals.update(date=now, user_id=vals.get("user_id", self.env.uid))
            vals.setdefault("company_id", self.env.company.id)
            vals_by_company.setdefault(vals["company_id"], []).append(vals)
        heads = {}
        for company_id, company_vals in vals_by_company.items():
            sequence, previous_hash = self._lock_chain_head(company_id)
            for vals in company_vals:
                sequence += 1
                vals.update(sequence=sequence, previous_hash=previous_hash)
                vals["hash"] = previous_hash = self.new(vals)._digest()
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

    @api.model
    def action_verify_integrity(self):
        """Verify the chains of the user's companies and say how it went."""
        self.check_access("read")
        messages = []
        broken = False
        for company in self.env.companies:
            event_count = self.search_count([("company_id", "=", company.id)])
            failure = self._find_chain_break(company)
            broken = broken or bool(failure)
            messages.append(
                self.env._(
                    "%(company)s: %(failure)s",
                    company=company.name,
                    failure=failure,
                )
                if failure
                else self.env._(
                    "%(company)s: %(count)s events verified, the chain is intact.",
                    company=company.name,
                    count=event_count,
                )
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Evidence trail integrity"),
                "message": "\n".join(messages),
                "type": "danger" if broken else "success",
                "sticky": broken,
            },
        }

    def _digest(self):
        """SHA-256 of the sealed fields, as stored (works on new records too)."""
        self.ensure_one()
        payload = {}
        for name in SEALED_FIELDS:
            value = self[name]
            if isinstance(value, models.BaseModel):
                value = value.id or None
            elif name == "date":
                value = fields.Datetime.to_string(value)
            payload[name] = value or None
        payload["attachment_checksum"] = self.attachment_id.checksum or None
        encoded = json.dumps(payload, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(encoded.encode()).hexdigest()

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
        """Describe the first broken link of the company's chain, or ''."""
        previous_hash = ""
        expected_sequence = 1
        events = self.sudo().search([("company_id", "=", company.id)], order="sequence")
        for event in events:
            if event.sequence != expected_sequence:
                return self.env._(
                    "event no. %(expected)s is missing (found no. %(found)s).",
                    expected=expected_sequence,
                    found=event.sequence,
                )
            if event.previous_hash != previous_hash or event.hash != event._digest():
                return self.env._(
                    "event no. %(sequence)s (%(event)s of %(date)s, %(customer)s) "
                    "was altered.",
                    sequence=event.sequence,
                    event=event.display_name,
                    date=event.date,
                    customer=event.partner_id.display_name,
                )
            previous_hash = event.hash
            expected_sequence += 1
        if events[-1:] != company.sudo().demat_last_event_id:
            return self.env._("the last events of the chain are missing.")
        return ""
