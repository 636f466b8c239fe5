from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import SQL

from ..models import facto_demat_verification
from .common import DematCase


@tagged("post_install", "-at_install")
class TestVerification(DematCase):
    """Verify integrity reads the chain in chunks, keeps each result, and
    hands a chain too long for a request to a background job that goes on
    where it left off."""

    def setUp(self):
        super().setUp()
        for flag in (True, False, True, False, True):
            self.customer.demat_refused = flag
        self.Verification = self.env["facto.demat.verification"]
        self.env["ir.config_parameter"].set_param(
            "facto_demat.verify_in_request_events", "3"
        )
        small = patch.multiple(
            facto_demat_verification, VERIFY_CHUNK=2, EVENTS_PER_CRON_CALL=4
        )
        self.enterContext(small)

    def verify_in_background(self):
        self.Event.action_verify_integrity()
        verification = self.Verification.search(
            [("company_id", "=", self.env.company.id)], limit=1
        )
        while verification.state == "running":
            with self.registry_test_mode():
                self.env.ref("facto_demat.ir_cron_demat_verify").method_direct_trigger()
            verification.invalidate_recordset()
        return verification

    def test_a_short_chain_is_verified_at_once_and_kept(self):
        self.env["ir.config_parameter"].set_param(
            "facto_demat.verify_in_request_events", "1000"
        )
        result = self.Event.action_verify_integrity()
        self.assertEqual(result["params"]["type"], "success")
        verification = self.Verification.search([], limit=1)
        self.assertEqual(verification.state, "intact")
        self.assertEqual(
            verification.message, result["params"]["message"].split("\n")[0]
        )

    def test_a_long_chain_is_verified_in_the_background_where_it_left_off(self):
        result = self.Event.action_verify_integrity()
        self.assertEqual(result["params"]["type"], "info")
        self.assertIn("in the background", result["params"]["message"])
        verification = self.verify_in_background()
        self.assertEqual(verification.state, "intact")
        self.assertEqual(verification.event_count, verification.event_total)
        self.assertIn("the chain is intact", verification.message)

    def test_the_background_job_finds_an_altered_event(self):
        event = self.events_of(self.customer)[3]
        self.env.cr.execute(
            SQL(
                "UPDATE facto_demat_event SET event_type = 'acceptance_recorded' "
                "WHERE id = %s",
                event.id,
            )
        )
        verification = self.verify_in_background()
        self.assertEqual(verification.state, "broken")
        self.assertIn(f"event no. {event.sequence} ", verification.message)
