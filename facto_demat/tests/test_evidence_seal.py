import tempfile
from contextlib import contextmanager, suppress
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import SQL, config, mute_logger

from ..tools.evidence_key import evidence_key, evidence_key_since
from ..tools.evidence_seal import anchor_seal, content_seal, event_seal, head_seal
from .common import Undo, neutralise_peer_checks


@tagged("post_install", "-at_install")
class TestEvidenceSeal(HttpCase):
    """The trail seals what it says, not live links, with a key kept outside
    the database, and its anchors tell events removed since."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        neutralise_peer_checks(cls.env)
        cls.Partner = cls.env["res.partner"]
        cls.Event = cls.env["facto.demat.event"]
        cls.Anchor = cls.env["facto.demat.anchor"]
        cls.company = cls.env.company
        cls.company.demat_anchor_email = "expert@cabinet.example"
        cls.clerk = new_test_user(
            cls.env,
            login="clerk-seal",
            password="clerk-seal-2026",
            groups="account.group_account_invoice",
        )
        cls.alpha, cls.beta = cls.Partner.create(
            [
                {"name": "Alpha SARL", "ref": "A1", "email": "a@alpha.example"},
                {"name": "Alpha (doublon)", "ref": "A2", "email": "a2@alpha.example"},
            ]
        )

    def record(self, partner, *flags, user=None):
        partner = partner.with_user(user) if user else partner
        for flag in flags:
            if flag:
                partner.action_demat_record_refusal()
            else:
                partner.action_demat_withdraw_refusal()

    def verify(self):
        self.Event.invalidate_model()
        self.Anchor.invalidate_model()
        self.env["res.company"].invalidate_model()
        return self.Event._find_chain_break(self.company)

    def execute(self, query, *args):
        self.env.cr.execute(SQL(query, *args))

    def events(self):
        return self.Event.search(
            [("company_id", "=", self.company.id)], order="sequence"
        )

    def test_the_key_is_set_for_the_tests_and_seals_are_keyed(self):
        self.assertTrue(evidence_key())
        self.record(self.alpha, True)
        event = self.events()[-1]
        self.assertTrue(event.keyed)
        self.assertEqual(
            (event.sealed_partner_name, event.sealed_partner_code), ("Alpha SARL", "A1")
        )
        self.assertEqual(self.verify(), "")

    def test_ordinary_operations_leave_the_chain_intact(self):
        self.record(self.alpha, True, user=self.clerk)
        self.record(self.beta, True, False)
        merge = self.env["base.partner.merge.automatic.wizard"]
        merge._merge([self.alpha.id, self.beta.id], self.alpha, extra_checks=False)
        self.assertFalse(self.beta.exists())
        self.assertEqual(self.verify(), "")
        merged = self.Event.search([("sealed_partner_name", "=", "Alpha (doublon)")])
        self.assertEqual(merged.partner_id, self.alpha, "shown on the survivor")
        self.alpha.name = "Alpha et Fils"
        self.company.name = "Lambert renommée"
        self.clerk.active = False
        self.assertEqual(self.verify(), "")
        self.clerk.unlink()
        self.assertEqual(self.verify(), "")
        clerk_event = self.Event.search([("sealed_user_login", "=", "clerk-seal")])
        self.assertTrue(clerk_event)
        self.assertFalse(clerk_event.user_id)

    def test_each_tampering_is_reported(self):
        self.record(self.alpha, True, False, True, False)
        self.Anchor._anchor(self.company, "daily")
        last = self.events()[-1]
        cases = {
            "an edited row": (
                "UPDATE facto_demat_event SET email = 'pirate@x.example' WHERE id = %s",
                [self.events()[-3].id],
                "was altered",
            ),
            "a middle row deleted": (
                "DELETE FROM facto_demat_event WHERE id = %s",
                [self.events()[-3].id],
                "is missing",
            ),
            "the last row deleted": (
                "DELETE FROM facto_demat_event WHERE id = %s",
                [last.id],
                "last events of the chain are missing",
            ),
            "the last row deleted and the head moved back": (
                "UPDATE facto_demat_chain SET last_event_id = %s, sequence = %s, "
                "hash = %s WHERE company_id = %s; "
                "DELETE FROM facto_demat_event WHERE id = %s",
                [
                    self.events()[-2].id,
                    self.events()[-2].sequence,
                    self.events()[-2].hash,
                    self.company.id,
                    last.id,
                ],
                "its anchor of",
            ),
            "the trail emptied": (
                "DELETE FROM facto_demat_chain WHERE company_id = %s; "
                "UPDATE facto_demat_letter_run_line SET event_id = NULL; "
                "DELETE FROM facto_demat_event WHERE company_id = %s",
                [self.company.id, self.company.id],
                "it was emptied",
            ),
            "an event added without the key": (
                "INSERT INTO facto_demat_event (company_id, partner_id, date, "
                "event_type, channel, seal_version, keyed, content_hash) "
                "VALUES (%s, %s, now(), 'acceptance_recorded', 'manual', 4, true, "
                "'0000')",
                [self.company.id, self.alpha.id],
                "waiting for its place in the chain, was altered",
            ),
        }
        for name, (query, args, said) in cases.items():
            with self.subTest(tampering=name):
                with suppress(Undo), self.env.cr.savepoint():
                    self.execute(query, *args)
                    failure = self.verify()
                    raise Undo()
                self.assertIn(said, failure)
            self.env.invalidate_all()
        self.assertEqual(self.verify(), "")

    def rewrite_refusal_as_acceptance(self):
        """What someone with database access and without the key does:
        turn the last refusal into an acceptance, then re-seal every event
        after it and move the head."""
        events = self.events()
        refusal = events.filtered(lambda e: e.event_type == "refusal_recorded")[-1]
        self.execute(
            "UPDATE facto_demat_event SET event_type = 'acceptance_recorded' "
            "WHERE id = %s",
            refusal.id,
        )
        self.Event.invalidate_model()
        previous = refusal.previous_hash
        for event in self.events().filtered(lambda e: e.sequence >= refusal.sequence):
            self.execute(
                "UPDATE facto_demat_event SET previous_hash = %s, content_hash = %s "
                "WHERE id = %s",
                previous,
                content_seal(event._seal_row(), None),
                event.id,
            )
            self.Event.invalidate_model()
            previous = event._digest(None)  # the algorithm is public, not the key
            self.execute(
                "UPDATE facto_demat_event SET hash = %s WHERE id = %s",
                previous,
                event.id,
            )
        self.Event.invalidate_model()

    def test_a_rewritten_chain_is_told_by_the_key(self):
        self.record(self.alpha, True, False)
        self.rewrite_refusal_as_acceptance()
        self.assertIn("was altered", self.verify())

    def test_a_chain_re_sealed_without_the_key_is_told(self):
        self.record(self.alpha, True, False, True)
        self.execute(
            "UPDATE facto_demat_event SET keyed = false WHERE id = %s",
            self.events()[-1].id,
        )
        self.rewrite_refusal_as_acceptance()
        self.assertIn("sealed without the evidence key", self.verify())

    def test_without_the_key_only_the_anchor_tells_a_rewritten_chain(self):
        with patch.dict(config.options, {"facto_demat_evidence_key_file": ""}):
            self.assertIsNone(evidence_key())
            self.unkey_head()  # as a server that never had the key
            self.record(self.alpha, True, False)
            self.Anchor._anchor(self.company, "daily")
            self.rewrite_refusal_as_acceptance()
            self.assertIn("does not match its anchor", self.verify())
            result = self.Event.action_verify_integrity()
            self.assertIn("Without an evidence key", result["params"]["message"])

    def unkey_head(self):
        chains = self.env["facto.demat.chain"]
        chains._move_head(chains._lock_head(self.company.id, wait=True))

    @contextmanager
    def key_set_since(self, since):
        """The same key, in a key file that says it was set at `since`."""
        with tempfile.NamedTemporaryFile("w", suffix=".key") as file:
            file.write(f"{evidence_key().decode()}\nsince {since:%Y-%m-%d %H:%M:%S}\n")
            file.flush()
            options = {
                "facto_demat_evidence_key_file": file.name,
                "facto_demat_evidence_key": "",
            }
            with patch.dict(config.options, options):
                self.assertEqual(evidence_key_since(), since)
                yield

    def downgrade(self, events, head=True):
        """What someone with database access and without the key does to
        hide the first of `events`, a refusal: turn it into an acceptance,
        mark it and the others seal version 1 (never keyed), seal them again
        with the public SHA-256, then, with `head`, move the head's seal
        (kept, or re-sealed without the key when `head` is "unkeyed")."""
        self.execute(
            "UPDATE facto_demat_event SET event_type = 'acceptance_recorded' "
            "WHERE id = %s",
            events[0].id,
        )
        self.Event.invalidate_model()
        previous = events[0].previous_hash or ""
        for event in events:
            row = {**event._seal_row(), "seal_version": 1, "previous_hash": previous}
            previous = event_seal(row, None)
            self.execute(
                "UPDATE facto_demat_event SET seal_version = 1, previous_hash = %s, "
                "hash = %s WHERE id = %s",
                row["previous_hash"],
                previous,
                event.id,
            )
        if head:
            self.execute(
                "UPDATE facto_demat_chain SET hash = %s WHERE company_id = %s",
                previous,
                self.company.id,
            )
        if head == "unkeyed":
            self.reseal_head_without_key()
        self.Event.invalidate_model()

    def reseal_head_without_key(self):
        self.env.cr.execute(
            SQL(
                "SELECT company_id, sequence, hash, anchor_number, anchor_mac "
                "FROM facto_demat_chain WHERE company_id = %s",
                self.company.id,
            )
        )
        head = {**self.env.cr.dictfetchone(), "keyed": False}
        self.execute(
            "UPDATE facto_demat_chain SET keyed = false, mac = %s "
            "WHERE company_id = %s",
            head_seal(head, None),
            self.company.id,
        )

    def reseal_anchors_without_key(self):
        self.env.cr.execute(
            SQL(
                "SELECT * FROM facto_demat_anchor WHERE company_id = %s "
                "ORDER BY number",
                self.company.id,
            )
        )
        previous_mac = ""
        for anchor in self.env.cr.dictfetchall():
            anchor.update(keyed=False, previous_mac=previous_mac)
            previous_mac = anchor_seal(anchor, None)
            self.execute(
                "UPDATE facto_demat_anchor SET keyed = false, previous_mac = %s, "
                "mac = %s WHERE id = %s",
                anchor["previous_mac"],
                previous_mac,
                anchor["id"],
            )

    def tamperings_told(self, cases):
        """{name: what verification said} of each tampering (a function),
        each undone after."""
        said = {}
        for name, tamper in cases.items():
            with suppress(Undo), self.env.cr.savepoint():
                tamper()
                said[name] = self.verify()
                raise Undo()
            self.env.invalidate_all()
        self.assertEqual(self.verify(), "")
        return said

    def test_a_downgraded_or_shortened_chain_is_told_by_the_key(self):
        """Each way of rewriting the trail without the key that verification
        once read as intact."""
        with self.key_set_since(fields.Datetime.now() - timedelta(days=30)):
            self.record(self.alpha, True, False, True, False)
            self.Anchor._anchor(self.company, "daily")
            self.record(self.beta, True)
            self.Anchor._anchor(self.company, "daily")
            self.record(self.beta, False)
            events = self.events()
            refusal = events.filtered(lambda e: e.event_type == "refusal_recorded")[-1]
            company = self.company.id
            said = self.tamperings_told(
                {
                    "the last refusal downgraded to version 1": lambda: self.downgrade(
                        events.filtered(lambda e: e.sequence >= refusal.sequence)
                    ),
                    "the whole chain downgraded, anchors and head re-sealed": lambda: (
                        self.downgrade(events, head="unkeyed"),
                        self.reseal_anchors_without_key(),
                    ),
                    "the whole chain downgraded, anchors deleted": lambda: (
                        self.downgrade(events, head="unkeyed"),
                        self.execute(
                            "DELETE FROM facto_demat_anchor WHERE company_id = %s",
                            company,
                        ),
                    ),
                    "the anchors re-sealed without the key": (
                        self.reseal_anchors_without_key
                    ),
                    "the last anchor deleted": lambda: self.execute(
                        "DELETE FROM facto_demat_anchor WHERE id = %s",
                        self.Anchor._last_anchor(self.company).id,
                    ),
                    "the first anchor deleted": lambda: self.execute(
                        "DELETE FROM facto_demat_anchor WHERE id = %s",
                        self.Anchor.search(
                            [("company_id", "=", company)], order="number", limit=1
                        ).id,
                    ),
                    "the last event deleted and the head moved back": lambda: (
                        self.execute(
                            "UPDATE facto_demat_chain SET sequence = %s, hash = %s "
                            "WHERE company_id = %s; "
                            "DELETE FROM facto_demat_event WHERE id = %s",
                            events[-2].sequence,
                            events[-2].hash,
                            company,
                            events[-1].id,
                        )
                    ),
                    "the trail and its anchors emptied, the head reset": lambda: (
                        self.execute(
                            "UPDATE facto_demat_letter_run_line SET event_id = NULL; "
                            "DELETE FROM facto_demat_event WHERE company_id = %s; "
                            "DELETE FROM facto_demat_anchor WHERE company_id = %s; "
                            "UPDATE facto_demat_chain SET sequence = 0, hash = '', "
                            "anchor_number = 0, anchor_mac = '', last_event_id = NULL "
                            "WHERE company_id = %s",
                            company,
                            company,
                            company,
                        ),
                        self.reseal_head_without_key(),
                    ),
                    "the head deleted": lambda: self.execute(
                        "DELETE FROM facto_demat_chain WHERE company_id = %s", company
                    ),
                }
            )
        expected = {
            "the last refusal downgraded to version 1": "sealed the older way",
            "the whole chain downgraded, anchors and head re-sealed": "without the "
            "evidence key, after it was set",
            "the whole chain downgraded, anchors deleted": "without the evidence "
            "key, after it was set",
            "the anchors re-sealed without the key": "without the evidence key, "
            "after it was set",
            "the last anchor deleted": "the last anchors are missing",
            "the first anchor deleted": "anchor no. 1 is missing",
            "the last event deleted and the head moved back": "its head (last event "
            "no.",
            "the trail and its anchors emptied, the head reset": "its head is sealed "
            "without the evidence key",
            "the head deleted": "the head of the chain was deleted",
        }
        for name, words in expected.items():
            with self.subTest(tampering=name):
                self.assertIn(words, said[name])

    def test_the_settings_say_whether_the_key_is_dated(self):
        with tempfile.NamedTemporaryFile("w", suffix=".key") as file:
            file.write(f"{evidence_key().decode()}\n")
            file.flush()
            with patch.dict(
                config.options,
                {"facto_demat_evidence_key_file": file.name},
            ):
                undated = self.env["res.config.settings"].create({})
                self.assertEqual(
                    (undated.demat_evidence_keyed, undated.demat_evidence_key_dated),
                    (True, False),
                )
        with self.key_set_since(fields.Datetime.now()):
            dated = self.env["res.config.settings"].create({})
            self.assertTrue(dated.demat_evidence_key_dated)

    def test_without_the_key_s_date_a_partial_downgrade_is_still_told(self):
        self.record(self.alpha, True, False, True)
        events = self.events()
        self.downgrade(events[-2:])
        self.assertIn("sealed the older way", self.verify())

    def test_the_chain_refuses_to_grow_on_an_altered_head(self):
        self.record(self.alpha, True)
        self.execute(
            "UPDATE facto_demat_chain SET sequence = sequence - 1 "
            "WHERE company_id = %s",
            self.company.id,
        )
        with self.assertLogs("odoo.addons.facto_demat", "WARNING") as logs:
            self.record(self.alpha, False)
        self.assertIn("was altered", logs.output[0])
        waiting = self.events().filtered(lambda e: not e.sequence)
        self.assertEqual(waiting.event_type, "refusal_withdrawn", "kept, sealed")
        self.assertIn("its head (last event no.", self.verify())

    def test_an_event_inserted_without_the_key_is_never_chained(self):
        with self.key_set_since(fields.Datetime.now() - timedelta(days=1)):
            self.record(self.alpha, True)
            row = {**self.events()[-1]._seal_row(), "keyed": False}
            row.update(event_type="acceptance_recorded", sequence=None)
            self.execute(
                "INSERT INTO facto_demat_event (company_id, partner_id, date, "
                "event_type, channel, seal_version, keyed, content_hash, "
                "sealed_partner_id, sealed_partner_name, sealed_partner_code, "
                "sealed_user_id, sealed_user_login) VALUES (%s, %s, %s, "
                "'acceptance_recorded', %s, %s, false, %s, %s, %s, %s, %s, %s)",
                row["company_id"],
                row["partner_id"],
                row["date"],
                row["channel"],
                row["seal_version"],
                content_seal(row, None),
                row["sealed_partner_id"],
                row["sealed_partner_name"],
                row["sealed_partner_code"],
                row["sealed_user_id"],
                row["sealed_user_login"],
            )
            with self.assertLogs("odoo.addons.facto_demat", "WARNING"):
                self.record(self.alpha, False)
            self.assertIn("waiting for its place in the chain", self.verify())

    def check_kept_anchors(self, text):
        """Paste `text` in *Check kept anchors* and press Check, as the clerk
        does in the web client; return the notification's parameters."""
        self.authenticate("clerk-seal", "clerk-seal-2026")
        wizard = self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {
                "model": "facto.demat.anchor.check",
                "method": "create",
                "args": [{"anchor_text": text}],
                "kwargs": {},
            },
        )
        return self.make_jsonrpc_request(
            "/web/dataset/call_button",
            {
                "model": "facto.demat.anchor.check",
                "method": "action_check",
                "args": [[wizard]],
                "kwargs": {"context": {}},
            },
        )["params"]

    def test_kept_anchors_tell_what_the_database_cannot(self):
        """Without the key, a chain rewritten with its head and anchors
        verifies in the database; the anchor email kept by the accountant
        tells it."""
        with patch.dict(config.options, {"facto_demat_evidence_key_file": ""}):
            self.unkey_head()
            self.record(self.alpha, True, False)
            (anchor,) = self.Anchor._anchor(self.company, "daily")
            email = self.env["mail.mail"].search(
                [("email_to", "=", "expert@cabinet.example")], order="id desc", limit=1
            )
            kept = f"Bonjour,\n> {anchor._text()}\n"
            self.assertIn(anchor._text(), email.body_html)
            held = self.check_kept_anchors(kept)
            self.assertEqual(held["type"], "success")
            self.assertIn("the chain still holds the anchor", held["message"])
            self.rewrite_refusal_as_acceptance()
            self.execute(
                "DELETE FROM facto_demat_anchor WHERE company_id = %s; "
                "UPDATE facto_demat_chain SET hash = %s, anchor_number = 0, "
                "anchor_mac = '' WHERE company_id = %s",
                self.company.id,
                self.events()[-1].hash,
                self.company.id,
            )
            self.reseal_head_without_key()
            self.assertEqual(self.verify(), "", "the database alone cannot tell")
            lost = self.check_kept_anchors(kept)
        self.assertEqual(lost["type"], "danger")
        self.assertIn("no longer holds the anchor", lost["message"])

    def test_anchors_go_outside_the_database(self):
        self.record(self.alpha, True)
        (anchor,) = self.Anchor._anchor(self.company, "daily")
        self.assertEqual(anchor.sequence, self.events()[-1].sequence)
        mail = self.env["mail.mail"].search(
            [("email_to", "=", "expert@cabinet.example")], limit=1, order="id desc"
        )
        self.assertIn(anchor._text(), mail.body_html)
        self.assertIn(f"events={anchor.sequence}", anchor._text())

    @mute_logger("odoo.http")
    def test_verify_is_pressed_as_the_web_client_does(self):
        self.record(self.alpha, True)
        self.authenticate("clerk-seal", "clerk-seal-2026")
        for ids in ([[]], [self.events()[-1:].ids]):
            with self.subTest(ids=ids):
                action = self.make_jsonrpc_request(
                    "/web/dataset/call_button",
                    {
                        "model": "facto.demat.event",
                        "method": "action_verify_integrity",
                        "args": ids,
                        "kwargs": {"context": {}},
                    },
                )
                self.assertEqual(action["params"]["type"], "success")
                self.assertIn("the chain is intact", action["params"]["message"])
