from odoo import api, fields, models
from odoo.tools import SQL, format_datetime

from ..tools.evidence_key import evidence_key, evidence_key_since
from ..tools.evidence_seal import (
    HEAD_FIELDS,
    anchor_seal,
    content_seal,
    event_seal,
    is_keyed,
)
from ..tools.odoo_versions import cron_progress

VERIFY_CHUNK = 10000  # events read per query
IN_REQUEST_EVENTS = 200000  # default of facto_demat.verify_in_request_events
EVENTS_PER_CRON_CALL = 250000  # then the cron commits and is called again


class FactoDematVerification(models.Model):
    """One verification of a company's evidence chain, and its result, kept.

    The chain is read by SQL in chunks of `VERIFY_CHUNK` events, each
    sealed again from its row (`tools.evidence_seal`), in constant memory;
    each letter's PDF is read once. A chain longer than the system parameter
    `facto_demat.verify_in_request_events` is verified in the background by
    a cron, chunk after chunk, where it left off (`next_sequence`,
    `previous_hash`, `keyed_since`, `seal_version`).

    Besides each seal, the chain must keep its rules: seal versions only
    grow; once an event is keyed, all the later ones are; with the key's
    record of when it was set (`evidence_key_since`), every event and anchor
    dated after it is keyed. The anchors must follow each other, and the
    chain's head must seal the last event and the last anchor.
    """

    _name = "facto.demat.verification"
    _description = "Evidence trail verification"
    _order = "id desc"

    company_id = fields.Many2one("res.company", required=True, readonly=True)
    user_id = fields.Many2one("res.users", string="Asked by", readonly=True)
    state = fields.Selection(
        [("running", "Running"), ("intact", "Intact"), ("broken", "Broken")],
        required=True,
        readonly=True,
        default="running",
    )
    end_date = fields.Datetime(string="Finished on", readonly=True)
    event_count = fields.Integer(string="Events verified", readonly=True)
    event_total = fields.Integer(string="Events to verify", readonly=True)
    message = fields.Text(string="Result", readonly=True)
    next_sequence = fields.Integer(string="Verified up to event no.", readonly=True)
    previous_hash = fields.Char(string="Seal of the last event verified", readonly=True)
    keyed_since = fields.Integer(string="Keyed since event no.", readonly=True)
    seal_version = fields.Integer(string="Seal version reached", readonly=True)

    # ------------------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------------------

    @api.depends("company_id", "create_date")
    def _compute_display_name(self):
        for verification in self:
            verification.display_name = self.env._(
                "%(company)s: verification of %(date)s",
                company=verification.company_id.name,
                date=format_datetime(self.env, verification.create_date),
            )

    # ------------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------------

    @api.model
    def _verify_companies(self, companies):
        """Verify the chains of `companies` (records the user may read the
        evidence of) and return the notification that says how it went.

        As superuser: verifications are the add-on's own records; the
        caller has checked that the user may read the evidence.
        """
        limit = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("facto_demat.verify_in_request_events", IN_REQUEST_EVENTS)
        )
        messages, broken, started = [], False, False
        for company in companies:
            verification = self.sudo().create(
                {
                    "company_id": company.id,
                    "user_id": self.env.uid,
                    "event_total": self._chain_length(company),
                }
            )
            if verification.event_total > limit:
                started = True
                messages.append(
                    self.env._(
                        "%(company)s: the %(count)s events are being verified in "
                        "the background; the result will be under Verifications.",
                        company=company.name,
                        count=verification.event_total,
                    )
                )
                continue
            verification._verify(None)
            broken = broken or verification.state == "broken"
            messages.append(verification.message)
        if started:
            self.env.ref("facto_demat.ir_cron_demat_verify")._trigger()
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
                "type": "danger" if broken else ("info" if started else "success"),
                "sticky": True,
            },
        }

    @api.model
    def _cron_verify(self):
        """Go on with the verifications running in the background, for at
        most `EVENTS_PER_CRON_CALL` events, then commit and be called again
        while some remain."""
        done = 0
        for verification in self.search([("state", "=", "running")], order="id"):
            before = verification.event_count
            verification._verify(EVENTS_PER_CRON_CALL - done)
            done += verification.event_count - before
            if done >= EVENTS_PER_CRON_CALL:
                break
        running = self.search([("state", "=", "running")])
        remaining = sum(max(v.event_total - v.event_count, 1) for v in running)
        cron_progress(self.env, done, remaining)

    @api.model
    def _find_chain_break(self, company):
        """Describe the first broken link of the company's chain, or '':
        an altered event, events missing in the middle, events missing at
        the end, a chain emptied since its last anchor, or a letter's PDF
        altered or lost. Verifies at once, and keeps nothing."""
        return self.new({"company_id": company.id})._check_chain(None)[0]

    def _verify(self, limit):
        """Verify up to `limit` more events (None: all); store the result
        once the chain is read."""
        self.ensure_one()
        failure, finished = self._check_chain(limit)
        if not finished:
            return
        self.write(
            {
                "state": "broken" if failure else "intact",
                "end_date": fields.Datetime.now(),
                "message": self.env._(
                    "%(company)s: %(failure)s",
                    company=self.company_id.name,
                    failure=failure,
                )
                if failure
                else self._intact_sentence(),
            }
        )

    def _check_chain(self, limit):
        """Read the chain from where this verification is, up to `limit`
        events (None: all); return (failure or '', whether the chain was
        read to its end). Records where it is."""
        self.ensure_one()
        key = evidence_key()
        anchors = self._anchors()
        failure = self._find_altered_anchor(anchors, key)
        sequence, previous = self.next_sequence, self.previous_hash or ""
        rules = {
            "key": key,
            "since": evidence_key_since(),
            "keyed_since": self.keyed_since,
            "version": self.seal_version,
        }
        verified = 0
        while not failure and (limit is None or verified < limit):
            rows = self._rows(
                SQL("event.sequence > %s", sequence),
                SQL("event.sequence"),
            )
            if not rows:
                break
            for row in rows:
                failure = self._row_break(
                    row, sequence + 1, previous, rules
                ) or self._anchor_mismatch(row, anchors.get(row["sequence"], []))
                if failure:
                    break
                if is_keyed(row) and not rules["keyed_since"]:
                    rules["keyed_since"] = row["sequence"]
                rules["version"] = max(rules["version"], row["seal_version"] or 1)
                sequence, previous = row["sequence"], row["hash"] or ""
            failure = failure or self._find_altered_letter(rows)
            verified += len(rows)
        self.update(
            {
                "next_sequence": sequence,
                "previous_hash": previous,
                "keyed_since": rules["keyed_since"],
                "seal_version": rules["version"],
                "event_count": self.event_count + verified,
            }
        )
        if failure:
            return failure, True
        if limit is not None and verified >= limit:
            return "", False
        return (
            self._find_missing_end(sequence, previous, anchors, key)
            or self._find_altered_waiting(key),
            True,
        )

    def _rows(self, where, order):
        """The company's events matching `where`, `VERIFY_CHUNK` at most."""
        return self.env["facto.demat.event"]._seal_rows(
            self.company_id.id, where, order, VERIFY_CHUNK
        )

    def _row_break(self, row, expected, previous_hash, rules):
        """What is wrong with this row of the chain, or ''. `rules`: the
        evidence `key` and its record (`since`), and what the rows before
        were: keyed since event no. `keyed_since`, sealed up to `version`."""
        key = rules["key"]
        if row["sequence"] != expected:
            return self.env._(
                "event no. %(expected)s is missing (found no. %(found)s).",
                expected=expected,
                found=row["sequence"],
            )
        if (row["seal_version"] or 1) < rules["version"]:
            return self.env._(
                "event no. %(sequence)s (%(event)s of %(date)s, %(customer)s) is "
                "sealed the older way (version %(version)s) after events sealed "
                "the newer way: it was re-sealed.",
                sequence=row["sequence"],
                version=row["seal_version"] or 1,
                **self._row_words(row),
            )
        if key and not is_keyed(row):
            # Once keyed, a chain stays keyed: a later row sealed without the
            # key is one someone re-sealed without it; so is one dated after
            # the key's own record of when it was set.
            since = rules["since"]
            if rules["keyed_since"] or (since and row["date"] >= since):
                return self.env._(
                    "event no. %(sequence)s (%(event)s of %(date)s, %(customer)s) "
                    "is sealed without the evidence key, after it was set: it "
                    "was altered.",
                    sequence=row["sequence"],
                    **self._row_words(row),
                )
        if is_keyed(row) and not key:
            return self.env._(
                "event no. %(sequence)s is sealed with the evidence key, "
                "which this server does not have: set it to verify.",
                sequence=row["sequence"],
            )
        if (
            (row["previous_hash"] or "") != previous_hash
            or row["hash"] != event_seal(row, key)
            or ((row["seal_version"] or 1) >= 4 and not self._content_intact(row, key))
        ):
            return self.env._(
                "event no. %(sequence)s (%(event)s of %(date)s, %(customer)s) "
                "was altered.",
                sequence=row["sequence"],
                **self._row_words(row),
            )
        return ""

    @api.model
    def _content_intact(self, row, key):
        return row["content_hash"] == content_seal(row, key)

    def _row_words(self, row):
        events = self.env["facto.demat.event"]
        labels = dict(events._fields["event_type"]._description_selection(self.env))
        return {
            "event": labels.get(row["event_type"]),
            "date": format_datetime(self.env, row["date"]),
            "customer": row["sealed_partner_name"]
            or self.env["res.partner"].browse(row["partner_id"]).sudo().display_name,
        }

    def _find_altered_letter(self, rows):
        """Describe the first of these rows whose letter's PDF no longer
        matches the checksum it sealed (changed or lost in the filestore),
        or ''. Each PDF is read once: printed letters share their batch's."""
        checked = set()
        for row in rows:
            if not row["attachment_id"] or row["attachment_id"] in checked:
                continue
            checked.add(row["attachment_id"])
            attachment = self.env["ir.attachment"].sudo().browse(row["attachment_id"])
            content = attachment.raw
            attachment.invalidate_recordset(["raw", "datas"])  # not kept in memory
            if attachment._compute_checksum(content) != row["attachment_checksum"]:
                return self.env._(
                    "the PDF of the letter of event no. %(sequence)s "
                    "(%(customer)s) was altered or lost.",
                    sequence=row["sequence"],
                    customer=row["sealed_partner_name"],
                )
        return ""

    def _anchors(self):
        """{number of events: [anchor rows]} of the company's sealed
        anchors."""
        self.env.cr.execute(
            SQL(
                "SELECT company_id, date, sequence, hash, keyed, mac, number, "
                "previous_mac FROM facto_demat_anchor "
                "WHERE company_id = %s AND mac IS NOT NULL "
                "ORDER BY number NULLS FIRST, date, id",
                self.company_id.id,
            )
        )
        anchors = {}
        for anchor in self.env.cr.dictfetchall():
            anchors.setdefault(anchor["sequence"] or 0, []).append(anchor)
        return anchors

    def _find_altered_anchor(self, anchors, key):
        """Describe the first anchor altered, missing, or sealed without the
        key where it should be, or ''. `anchors`: see `_anchors`."""
        since = evidence_key_since()
        number, previous_mac, keyed = 0, "", False
        rows = sorted(
            (a for group in anchors.values() for a in group),
            key=lambda a: (a["number"] or 0, a["date"]),
        )
        for anchor in rows:
            date = format_datetime(self.env, anchor["date"])
            if anchor["number"]:
                if anchor["number"] != number + 1:
                    return self.env._(
                        "anchor no. %(number)s is missing (found no. %(found)s): "
                        "it was deleted.",
                        number=number + 1,
                        found=anchor["number"],
                    )
                if anchor["previous_mac"] != previous_mac:
                    return self.env._("the anchor of %(date)s was altered.", date=date)
                number, previous_mac = anchor["number"], anchor["mac"]
            if (
                key
                and not anchor["keyed"]
                and (keyed or (since and anchor["date"] >= since))
            ):
                return self.env._(
                    "the anchor of %(date)s is sealed without the evidence key, "
                    "after it was set: it was altered.",
                    date=date,
                )
            keyed = keyed or anchor["keyed"]
            if anchor["keyed"] and not key:
                continue  # said by the head's check
            if anchor["mac"] != anchor_seal(anchor, key if anchor["keyed"] else None):
                return self.env._("the anchor of %(date)s was altered.", date=date)
        return ""

    def _anchor_mismatch(self, row, anchors):
        for anchor in anchors:
            if anchor["hash"] != row["hash"]:
                return self.env._(
                    "event no. %(sequence)s does not match its anchor of %(date)s.",
                    sequence=row["sequence"],
                    date=format_datetime(self.env, anchor["date"]),
                )
        return ""

    def _find_missing_end(self, sequence, last_hash, anchors, key):
        """Whether events are missing after the last one read, or anchors
        after the last one: the anchors and the sealed head count more."""
        beyond = [
            anchor
            for number, group in anchors.items()
            if number > sequence
            for anchor in group
        ]
        if beyond:
            anchor = max(beyond, key=lambda a: a["date"])
            date = format_datetime(self.env, anchor["date"])
            if not sequence:
                return self.env._(
                    "the chain is empty, but its anchor of %(date)s counted "
                    "%(count)s events: it was emptied.",
                    date=date,
                    count=anchor["sequence"],
                )
            return self.env._(
                "the last events of the chain are missing: its anchor of "
                "%(date)s counted %(anchored)s events, only %(count)s remain.",
                date=date,
                anchored=anchor["sequence"],
                count=sequence,
            )
        head = self._head()
        if not head:
            return self.env._("the head of the chain was deleted.")
        fault = self.env["facto.demat.chain"]._head_fault(head, key)
        if fault:
            return self.env._("the chain: %(fault)s", fault=fault)
        if (head["sequence"] or 0, head["hash"] or "") != (sequence, last_hash):
            return self.env._("the last events of the chain are missing.")
        numbered = [a for group in anchors.values() for a in group if a["number"]]
        last = max(numbered, key=lambda a: a["number"], default=None)
        if (head["anchor_number"], head["anchor_mac"]) != (
            last["number"] if last else 0,
            last["mac"] if last else "",
        ):
            return self.env._(
                "the last anchors are missing: the head counts %(count)s.",
                count=head["anchor_number"],
            )
        return ""

    def _head(self):
        """The company's chain head (see `facto.demat.chain._lock_head`),
        or None when it has none."""
        self.env.cr.execute(
            SQL(
                "SELECT %s FROM facto_demat_chain WHERE company_id = %s",
                SQL(", ").join(map(SQL.identifier, [*HEAD_FIELDS, "mac"])),
                self.company_id.id,
            )
        )
        return self.env.cr.dictfetchone()

    def _find_altered_waiting(self, key):
        """Whether an event still waiting for its place in the chain was
        changed since it was created."""
        chain, since, last_id = self.env["facto.demat.chain"], evidence_key_since(), 0
        while rows := self._rows(
            SQL("event.sequence IS NULL AND event.id > %s", last_id), SQL("event.id")
        ):
            for row in rows:
                if not chain._may_chain(row, key, since):
                    return self.env._(
                        "the event %(event)s of %(date)s (%(customer)s), waiting "
                        "for its place in the chain, was altered.",
                        **self._row_words(row),
                    )
            last_id = rows[-1]["id"]
        return ""

    @api.model
    def _chain_length(self, company):
        self.env.cr.execute(
            SQL(
                "SELECT count(*) FROM facto_demat_event WHERE company_id = %s",
                company.id,
            )
        )
        return self.env.cr.fetchone()[0]

    def _intact_sentence(self):
        company = self.company_id
        head = self._head()
        sentence = self.env._(
            "%(company)s: %(count)s events verified, the chain is intact (last "
            "event no. %(sequence)s, seal %(hash)s).",
            company=company.name,
            count=head["sequence"] or 0,
            sequence=head["sequence"] or 0,
            hash=(head["hash"] or "")[:16],
        )
        anchor = self.env["facto.demat.anchor"]._last_anchor(company)
        if anchor:
            sentence += " " + self.env._(
                "It matches its last anchor, of %(date)s.",
                date=format_datetime(self.env, anchor.date),
            )
        self.env.cr.execute(
            SQL(
                "SELECT count(*) FILTER (WHERE NOT coalesce(keyed, false)), "
                "count(*) FILTER (WHERE sequence IS NULL) "
                "FROM facto_demat_event WHERE company_id = %s",
                company.id,
            )
        )
        unkeyed, waiting = self.env.cr.fetchone()
        if unkeyed and evidence_key():
            sentence += " " + self.env._(
                "%(count)s events were sealed before the evidence key was set.",
                count=unkeyed,
            )
        if waiting:
            sentence += " " + self.env._(
                "%(count)s events just recorded wait for their place in the chain; "
                "their content is intact.",
                count=waiting,
            )
        return sentence
