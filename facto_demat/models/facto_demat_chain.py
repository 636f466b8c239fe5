import logging

from psycopg2 import errors

from odoo import api, fields, models, sql_db
from odoo.tools import SQL

from ..tools.evidence_key import evidence_key
from ..tools.evidence_seal import content_seal, link_seal
from ..tools.odoo_versions import declare_sql_constraints

_logger = logging.getLogger(__name__)

# What another transaction holding or having just moved the chain head
# raises here: the events wait for the chain's next writer.
CHAIN_BUSY = (errors.LockNotAvailable, errors.SerializationFailure)
SEAL_CHUNK = 2000  # events chained per statement
WAIT_FOR_HEAD = "60s"  # how long the sealing cron waits for the head


class FactoDematChain(models.Model):
    """The head of a company's evidence chain: its last event, number and
    seal. Only the chain's writer, holding this row's lock, gives events
    their place (`_chain_pending`).

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

    declare_sql_constraints(
        locals(),
        company_unique=(
            "UNIQUE(company_id)",
            "A company has one evidence chain.",
        ),
    )

    def init(self):
        self._create_heads()

    @api.model
    def _create_heads(self, company_ids=None):
        """Give these companies (default: all) the head of an empty chain,
        if they have none."""
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO facto_demat_chain (company_id, sequence, hash)
                SELECT company.id, 0, '' FROM res_company company
                 WHERE NOT EXISTS (SELECT FROM facto_demat_chain chain
                                    WHERE chain.company_id = company.id) %s
                """,
                SQL("AND company.id IN %s", tuple(company_ids))
                if company_ids
                else SQL(),
            ),
            log_exceptions=False,
        )

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
        if not self._chain_in_own_transaction(sorted(company_ids), wait=False):
            self.env.ref("facto_demat.ir_cron_demat_chain")._trigger()

    @api.model
    def _chain_in_own_transaction(self, company_ids, wait):
        """Chain the companies' waiting events in a new transaction that
        sees every commit of the others (READ COMMITTED, as the chain's
        writer must once it holds the head); with `wait`, for the head up to
        `WAIT_FOR_HEAD`. Return whether all of them were chained."""
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
        return done

    @api.model
    def _companies_pending(self):
        self.env.cr.execute(
            SQL(
                "SELECT DISTINCT company_id FROM facto_demat_event "
                "WHERE sequence IS NULL ORDER BY company_id"
            )
        )
        return [company_id for (company_id,) in self.env.cr.fetchall()]

    @api.model
    def _chain_pending(self, company_id, wait):
        """Give the company's events waiting for a place theirs, in the
        order of their creation, after the head. The head's row is locked
        first (at once, or raises `LockNotAvailable` unless `wait`; raises
        `SerializationFailure` when another transaction moved it since this
        one began). An event whose content no longer matches its seal is
        left out: verification names it."""
        cr = self.env.cr
        head = SQL(
            "SELECT sequence, hash FROM facto_demat_chain WHERE company_id = %s "
            "FOR NO KEY UPDATE %s",
            company_id,
            SQL() if wait else SQL("NOWAIT"),
        )
        cr.execute(head, log_exceptions=False)
        if not cr.rowcount:  # a company made without the ORM
            self._create_heads([company_id])
            cr.execute(head, log_exceptions=False)
        sequence, previous_hash = cr.fetchone()
        key = evidence_key()
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
                if row["content_hash"] != content_seal(row, key):
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
            cr.execute(
                SQL(
                    "UPDATE facto_demat_chain SET sequence = %s, hash = %s, "
                    "last_event_id = %s WHERE company_id = %s",
                    sequence,
                    previous_hash,
                    chained,
                    company_id,
                )
            )
            self.env["facto.demat.event"].invalidate_model(
                ["sequence", "previous_hash", "hash"]
            )
            self.invalidate_model()
