from contextlib import suppress
from unittest.mock import patch

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import SQL, config, mute_logger

from ..tools.evidence_key import evidence_key
from ..tools.evidence_seal import content_seal
from .common import neutralise_peer_checks


class Undo(Exception):
    """Rolls a savepoint back."""


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
            self.record(self.alpha, True, False)
            self.Anchor._anchor(self.company, "daily")
            self.rewrite_refusal_as_acceptance()
            self.assertIn("does not match its anchor", self.verify())
            result = self.Event.action_verify_integrity()
            self.assertIn("Without an evidence key", result["params"]["message"])

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
