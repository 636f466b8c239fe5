import logging
from datetime import timedelta

from psycopg2 import errors

from odoo import api, fields, models, sql_db
from odoo.tools import SQL

from ..tools.evidence_key import evidence_key, evidence_key_since
from ..tools.evidence_seal import HEAD_FIELDS, content_seal, head_seal, link_seal
from ..tools.odoo_versions import declare_sql_constraints

_logger = logging.getLogger(__name__)

# Raised when another transaction holds or has just moved the chain head.
# The events then wait for the chain's next writer.
CHAIN_BUSY = (errors.LockNotAvailable, errors.SerializationFailure)
SEAL_CHUNK = 2000  # events chained per statement
# How long after the key was set (its record, `evidence_key_since`) a head
# sealed without it is still taken as one from before the key.
KEYING_DAYS = 7
WAIT_FOR_HEAD = "60s"  # how long the sealing cron waits for the head
RETRY_AFTER = timedelta(seconds=5)  # when the sealing cron tries a busy head again


class FactoDematChain(models.Model):
    """The head of a company's evidence chain: its last event, number and
    seal, and its last anchor's number and seal, all sealed (`mac`, keyed
    with the evidence key): the last events or anchors cannot be taken
    back without the key. Only the chain's writer, holding this row's lock,
    gives events their place (`_chain_pending`); anchors are made holding
    it too (`facto.demat.anchor._anchor`).

    Events are created with their content sealed and no place yet; whoever
    appends them chains them at once when the head is free and unchanged
    since its transaction began, and otherwise leaves them to be chained
    right after its commit, or by the sealing cron. No transaction ever
    waits on the head or fails because of it: the letters of a batch, the
    email a relay took and the clerk's click are never undone by the chain.
    """

    _name = "facto.demat.chain"
    _description = "Evidence chain of a company"

    company_id = fields.Many2one("res.company", required=True, readonly=True)
    last_event_id = fields.Many2one(
        "facto.demat.event", string="Last event", readonly=True
    )
    sequence = fields.Integer(string="Events", readonly=True)
    hash = fields.Char(string="Seal of the last event", readonly=True)
    anchor_number = fields.Integer(string="Anchors", readonly=True)
    anchor_mac = fields.Char(string="Seal of the last anchor", readonly=True)
    keyed = fields.Boolean(string="Keyed seal", readonly=True)
    mac = fields.Char(string="Head seal", readonly=True)

    declare_sql_constraints(
        locals(),
        company_unique=(
            "UNIQUE(company_id)",
            "A company has one evidence chain.",
        ),
    )

    # ------------------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------------------

    def init(self):
        self._create_heads()

    # ------------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------------

    @api.model
    def _create_heads(self, company_ids=None):
        """Give these companies (default: all) the sealed head of an empty
        chain, if they have none."""
        self.env.cr.execute(
            SQL(
                """
                SELECT company.id FROM res_company company
                 WHERE NOT EXISTS (SELECT FROM facto_demat_chain chain
                                    WHERE chain.company_id = company.id) %s
                """,
                SQL("AND company.id IN %s", tuple(company_ids))
                if company_ids
                else SQL(),
            )
        )
        for (company_id,) in self.env.cr.fetchall():
            head = self._sealed_head(
                {"company_id": company_id, "sequence": 0, "hash": ""}
            )
            self.env.cr.execute(
                SQL(
                    "INSERT INTO facto_demat_chain (%s) VALUES %s "
                    "ON CONFLICT (company_id) DO NOTHING",
                    SQL(", ").join(map(SQL.identifier, head)),
                    tuple(head.values()),
                )
            )

    @api.model
    def _sealed_head(self, head):
        """`head` (a mapping of some of `HEAD_FIELDS`, the others empty)
        with its `keyed` and `mac` set, sealed with the key if there is
        one: a dict of `HEAD_FIELDS` and `mac`."""
        key = evidence_key()
        head = {name: head.get(name) for name in HEAD_FIELDS}
        head.update(
            anchor_number=head["anchor_number"] or 0,
            anchor_mac=head["anchor_mac"] or "",
            keyed=bool(key),
        )
        head["mac"] = head_seal(head, key)
        return head

    @api.model
    def _lock_head(self, company_id, wait):
        """The company's head (a dict of `HEAD_FIELDS` and `mac`), its row
        locked (at once, or raises `LockNotAvailable` unless `wait`; raises
        `SerializationFailure` when another transaction moved it since this
        one began)."""
        query = SQL(
            "SELECT %s FROM facto_demat_chain WHERE company_id = %s "
            "FOR NO KEY UPDATE %s",
            SQL(", ").join(map(SQL.identifier, [*HEAD_FIELDS, "mac"])),
            company_id,
            SQL() if wait else SQL("NOWAIT"),
        )
        self.env.cr.execute(query, log_exceptions=False)
        if not self.env.cr.rowcount:  # a company made without the ORM
            self._create_heads([company_id])
            self.env.cr.execute(query, log_exceptions=False)
        return self.env.cr.dictfetchone()

    @api.model
    def _move_head(self, head, **values):
        """Write `values` in the locked `head` (see `_lock_head`), sealed
        again (`last_event_id` may be among them, unsealed); return the new
        head."""
        sealed = self._sealed_head({**head, **values})
        head = {**values, **sealed}
        self.env.cr.execute(
            SQL(
                "UPDATE facto_demat_chain SET %s WHERE company_id = %s",
                SQL(", ").join(
                    SQL("%s = %s", SQL.identifier(name), value)
                    for name, value in head.items()
                    if name != "company_id"
                ),
                head["company_id"],
            )
        )
        self.invalidate_model()
        return sealed

    @api.model
    def _cron_chain_pending(self):
        """Chain the events still waiting for their place, of every
        company, waiting for the head if another transaction holds it."""
        self._chain_in_own_transaction(self._companies_pending(), wait=True)

    @api.model
    def _chain_new_events(self, company_ids):
        """Chain the events just created for these companies, in this
        transaction if the head is free; otherwise right after the commit,
        in a transaction of its own (`_chain_after_commit`)."""
        busy = []
        for company_id in company_ids:
            try:
                with self.env.cr.savepoint(flush=False):
                    self._chain_pending(company_id, wait=False)
            except CHAIN_BUSY:
                busy.append(company_id)
        if busy:
            waiting = self.env.cr.postcommit.data.setdefault("facto_demat_chain", set())
            if not waiting:
                self.env.cr.postcommit.add(self._chain_after_commit)
            waiting.update(busy)

    def _chain_after_commit(self):
        """Post-commit: chain the events the transaction left waiting,
        without waiting for the head; when it is still busy, the sealing
        cron does it, as soon as it is free."""
        company_ids = self.env.cr.postcommit.data.pop("facto_demat_chain", set())
        self._chain_in_own_transaction(sorted(company_ids), wait=False)

    @api.model
    def _chain_in_own_transaction(self, company_ids, wait):
        """Chain the companies' waiting events in a new transaction that
        sees every commit of the others (READ COMMITTED, as the chain's
        writer must once it holds the head); with `wait`, for the head up to
        `WAIT_FOR_HEAD`. A head still busy is tried again by the sealing
        cron `RETRY_AFTER` later, its call committed with this transaction
        (the caller's may be over: a post-commit hook's writes are lost).
        Return whether all of them were chained."""
        done = True
        with self.env.registry.cursor() as cr:
            if isinstance(cr, sql_db.Cursor):  # a test's cursor is in its test
                cr.execute(SQL("SET TRANSACTION ISOLATION LEVEL READ COMMITTED"))
            if wait:
                cr.execute(SQL("SET LOCAL lock_timeout = %s", WAIT_FOR_HEAD))
            chain = self.with_env(self.env(cr=cr))
            for company_id in company_ids:
                try:
                    with cr.savepoint(flush=False):
                        chain._chain_pending(company_id, wait=wait)
                except CHAIN_BUSY:
                    done = False
            if not done:
                chain.env.ref("facto_demat.ir_cron_demat_chain")._trigger(
                    fields.Datetime.now() + RETRY_AFTER
                )
        return done

    @api.model
    def _companies_pending(self):
        self.env.cr.execute(
            SQL(
                "SELECT company_id FROM facto_demat_event WHERE sequence IS NULL "
                "UNION SELECT company_id FROM facto_demat_anchor WHERE mac IS NULL "
                "ORDER BY company_id"
            )
        )
        return [company_id for (company_id,) in self.env.cr.fetchall()]

    @api.model
    def _chain_pending(self, company_id, wait):
        """Chain the company's waiting events after the head, in creation
        order, then seal the anchors waiting for the moved head. The head's
        row is locked first (at once, or raises `LockNotAvailable` unless
        `wait`; raises `SerializationFailure` if another transaction moved
        it since this one began). Nothing is chained after a faulty head
        (`_head_fault`). A head sealed without the key is resealed with it.
        An event whose content no longer matches its seal is skipped;
        verification reports it."""
        cr = self.env.cr
        head = self._lock_head(company_id, wait)
        key = evidence_key()
        fault = self._head_fault(head, key)
        if fault:
            # Chained after an altered head, the events would bless it:
            # they wait, sealed, and verification says what is wrong.
            _logger.warning("Evidence chain of company %s: %s", company_id, fault)
            return
        sequence, previous_hash = head["sequence"], head["hash"]
        since = evidence_key_since()
        last_id = chained = 0
        Event = self.env["facto.demat.event"]
        while rows := Event._seal_rows(
            company_id,
            SQL("event.sequence IS NULL AND event.id > %s", last_id),
            SQL("event.id"),
            SEAL_CHUNK,
        ):
            links = []
            for row in rows:
                last_id = row["id"]
                if not self._may_chain(row, key, since):
                    _logger.warning("Evidence event %s left out of the chain", last_id)
                    continue
                sequence += 1
                row.update(sequence=sequence, previous_hash=previous_hash)
                previous_hash = link_seal(row, key)
                links.append(
                    SQL(
                        "(%s, %s, %s, %s)",
                        row["id"],
                        sequence,
                        row["previous_hash"],
                        previous_hash,
                    )
                )
                chained = row["id"]
            if links:
                cr.execute(
                    SQL(
                        """
                        UPDATE facto_demat_event event
                           SET sequence = link.sequence,
                               previous_hash = link.previous_hash,
                               hash = link.hash
                          FROM (VALUES %s) AS link(id, sequence, previous_hash, hash)
                         WHERE event.id = link.id
                        """,
                        SQL(", ").join(links),
                    )
                )
        if chained:
            head = self._move_head(
                head, sequence=sequence, hash=previous_hash, last_event_id=chained
            )
            self.env["facto.demat.event"].invalidate_model(
                ["sequence", "previous_hash", "hash"]
            )
        anchor_number, anchor_mac = self.env["facto.demat.anchor"]._seal_waiting(head)
        if anchor_number != head["anchor_number"] or bool(key) != head["keyed"]:
            self._move_head(head, anchor_number=anchor_number, anchor_mac=anchor_mac)

    @api.model
    def _may_chain(self, row, key, since):
        """Whether the waiting event `row` may take its place: its content
        matches its seal, of version 4 or later, and it is keyed when the
        key is set, unless it was made before the key's record `since`."""
        return (
            (row["seal_version"] or 1) >= 4
            and row["content_hash"] == content_seal(row, key)
            and (row["keyed"] or not key or bool(since and row["date"] < since))
        )

    @api.model
    def _head_fault(self, head, key):
        """What is wrong with a company's head (see `_lock_head`), or '':
        altered, sealed without the key where it should be, or sealed with
        a key this server does not have."""
        if head["keyed"] and not key:
            return self.env._(
                "its head is sealed with the evidence key, which this server "
                "does not have: set it to verify."
            )
        if head["mac"] != head_seal(head, key if head["keyed"] else None):
            return self.env._(
                "its head (last event no. %(sequence)s, %(anchors)s anchors) was "
                "altered: events or anchors were removed or added.",
                sequence=head["sequence"],
                anchors=head["anchor_number"],
            )
        if key and not head["keyed"] and not self._may_be_unkeyed(head):
            return self.env._(
                "its head is sealed without the evidence key, after the key was "
                "set: it was re-sealed by someone without the key."
            )
        return ""

    @api.model
    def _may_be_unkeyed(self, head):
        """Whether a head may still be unkeyed while the key is set: when
        nothing keyed hangs from it, within `KEYING_DAYS` of the key's
        record (or ever, when the key has none)."""
        since = evidence_key_since()
        if since and fields.Datetime.now() >= since + timedelta(days=KEYING_DAYS):
            return False
        self.env.cr.execute(
            SQL(
                """
                SELECT EXISTS (SELECT FROM facto_demat_event
                                WHERE company_id = %(company)s
                                  AND sequence = %(sequence)s AND keyed
                                  AND coalesce(seal_version, 1) > 1)
                    OR EXISTS (SELECT FROM facto_demat_anchor
                                WHERE company_id = %(company)s
                                  AND number = %(anchor)s AND keyed)
                """,
                company=head["company_id"],
                sequence=head["sequence"],
                anchor=head["anchor_number"],
            )
        )
        return not self.env.cr.fetchone()[0]
