import json

from odoo import SUPERUSER_ID, api, sql_db
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import SQL

from .common import DematCase


@tagged("post_install", "-at_install")
class TestEvidenceTrail(DematCase):
    def test_refusal_by_hand_writes_an_event_and_is_tracked(self):
        for field, value in (
            ("demat_refused", True),
            ("demat_refused", False),
            ("demat_accepted", True),
        ):
            self.flush_tracking()
            self.customer.with_context(tracking_disable=False, mail_notrack=False)[
                field
            ] = value
        self.assertRecordValues(
            self.events_of(self.customer),
            [
                {"event_type": "refusal_recorded", "channel": "manual"},
                {"event_type": "refusal_withdrawn", "channel": "manual"},
                {"event_type": "acceptance_recorded", "channel": "manual"},
            ],
        )
        self.assertEqual(
            self.events_of(self.customer).mapped("email"),
            ["contact@boulangerie-martin.example"] * 3,
        )
        self.assertEqual(self.customer.demat_event_count, 3)
        self.flush_tracking()
        tracked = self.customer.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "demat_refused"
        )
        self.assertEqual(len(tracked), 2)

    def test_a_refused_customer_created_so_is_recorded(self):
        customer = self.Partner.create({"name": "Importé", "demat_refused": True})
        self.assertEqual(self.events_of(customer).event_type, "refusal_recorded")

    def test_a_new_invoice_contact_changes_the_address(self):
        self.Partner.create(
            {
                "name": "Comptabilité",
                "type": "invoice",
                "parent_id": self.customer.id,
                "email": "compta@boulangerie-martin.example",
            }
        )
        self.assertRecordValues(
            self.events_of(self.customer),
            [
                {
                    "event_type": "email_changed",
                    "email": "compta@boulangerie-martin.example",
                }
            ],
        )

    def test_moving_a_contact_records_no_false_consent(self):
        refused = self.Partner.create(
            {"name": "Refuse", "is_company": True, "demat_refused": True}
        )
        contact = self.Partner.create({"name": "Jean", "parent_id": self.customer.id})
        count = self.Event.search_count([])
        contact.parent_id = refused
        self.assertEqual(self.Event.search_count([]), count)
        # the contact holds no consent: its new customer's decides
        self.assertFalse(contact.demat_refused)
        self.assertEqual(contact.demat_status, "refused")

    def test_events_cannot_be_changed_or_deleted(self):
        self.customer.demat_refused = True
        event = self.events_of(self.customer)
        for env in (self.env, self.env(su=True)):
            with self.assertRaises(UserError):
                event.with_env(env).write({"email": "autre@example.com"})
            with self.assertRaises(UserError):
                event.with_env(env).unlink()

    def test_chain_verifies_and_names_the_first_altered_row(self):
        Event = self.Event
        for flag in (True, False, True):
            self.customer.demat_refused = flag
        first, second, third = self.events_of(self.customer)
        self.assertEqual(second.previous_hash, first.hash)
        self.assertEqual(third.previous_hash, second.hash)
        self.assertFalse(Event._find_chain_break(self.env.company))
        result = Event.action_verify_integrity()
        self.assertEqual(result["params"]["type"], "success")

        self.cr.execute(
            SQL(
                "UPDATE facto_demat_event SET email = %s WHERE id = %s",
                "pirate@example.com",
                second.id,
            )
        )
        Event.invalidate_model()
        failure = Event._find_chain_break(self.env.company)
        self.assertIn(f"no. {second.sequence} ", failure)
        result = Event.action_verify_integrity()
        self.assertEqual(result["params"]["type"], "danger")
        self.assertIn(f"no. {second.sequence} ", result["params"]["message"])

    def test_deleted_rows_are_detected(self):
        for flag in (True, False, True):
            self.customer.demat_refused = flag
        sequence = self.events_of(self.customer)[1].sequence
        self.cr.execute(
            SQL(
                "DELETE FROM facto_demat_event WHERE company_id = %s AND sequence = %s",
                self.env.company.id,
                sequence,
            )
        )
        self.Event.invalidate_model()
        self.assertIn(
            f"no. {sequence} is missing",
            self.Event._find_chain_break(self.env.company),
        )


@tagged("post_install", "-at_install")
class TestEvidenceConcurrency(DematCase):
    """Transactions appending at once never wait on the chain nor fail
    because of it, and the chain never forks: each event gets its place at
    once or right after its transaction commits.

    Uses real connections on committed data (the main company and its
    partner), and removes what they committed afterwards.
    """

    def setUp(self):
        super().setUp()
        self.cursors = [sql_db.db_connect(self.cr.dbname).cursor() for _ in "abc"]
        self.company = self.env.ref("base.main_company")
        self.cr.execute(
            SQL(
                "SELECT (SELECT max(id) FROM facto_demat_event), "
                "(SELECT max(id) FROM ir_cron_trigger), "
                "(SELECT row_to_json(chain) FROM facto_demat_chain chain "
                "WHERE company_id = %s)",
                self.company.id,
            )
        )
        self.last_id, self.last_trigger_id, self.head = self.cr.fetchone()
        self.addCleanup(self.remove_committed_events)

    def remove_committed_events(self):
        for cr in self.cursors:
            cr.rollback()
        cr = self.cursors[0]
        cr.execute(
            SQL(
                "DELETE FROM facto_demat_event WHERE id > %s;"
                " DELETE FROM ir_cron_trigger WHERE id > %s;"
                " DELETE FROM facto_demat_chain WHERE company_id = %s",
                self.last_id or 0,
                self.last_trigger_id or 0,
                self.company.id,
            )
        )
        if self.head:
            cr.execute(
                SQL(
                    "INSERT INTO facto_demat_chain SELECT * FROM "
                    "json_populate_record(NULL::facto_demat_chain, %s)",
                    json.dumps(self.head),
                )
            )
        cr.commit()  # pylint: disable=invalid-commit
        for cr in self.cursors:
            cr.close()

    def append(self, cr):
        env = api.Environment(cr, SUPERUSER_ID, {})
        partner = env.ref("base.main_partner")
        return env["facto.demat.event"].create(
            partner.with_company(self.company)._prepare_demat_event(
                "acceptance_recorded", "manual"
            )
        )

    def chain_break(self, cr):
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = env["res.company"].browse(self.company.id)
        return env["facto.demat.event"]._find_chain_break(company)

    def test_concurrent_appends_never_wait_and_never_fork(self):
        cr_a, cr_b, cr_c = self.cursors
        cr_b.execute("SELECT 1")  # B's snapshot predates A's commit
        event_a = self.append(cr_a)
        self.assertTrue(event_a.sequence, "the head was free: chained at once")
        event_b = self.append(cr_b)  # A holds the head: B does not wait
        self.assertFalse(event_b.sequence)
        sequence_a = event_a.sequence
        cr_a.commit()  # pylint: disable=invalid-commit
        event_c = self.append(cr_b)  # the head moved since B began
        self.assertFalse(event_c.sequence)
        cr_b.commit()  # pylint: disable=invalid-commit
        cr_c.execute(
            SQL(
                "SELECT id, sequence FROM facto_demat_event WHERE id IN %s ORDER BY id",
                (event_b.id, event_c.id),
            )
        )
        self.assertEqual(
            cr_c.fetchall(),
            [(event_b.id, sequence_a + 1), (event_c.id, sequence_a + 2)],
            "chained right after B's commit, in their order",
        )
        self.assertFalse(self.chain_break(cr_c))

    def test_events_left_behind_are_chained_by_the_next_writer(self):
        cr_a, cr_b, cr_c = self.cursors
        self.append(cr_a)  # holds the head until it commits
        event_b = self.append(cr_b)
        cr_b.commit()  # pylint: disable=invalid-commit
        cr_c.execute(
            SQL("SELECT sequence FROM facto_demat_event WHERE id = %s", event_b.id)
        )
        self.assertEqual(cr_c.fetchone(), (None,), "the head was still busy")
        cr_c.execute(
            SQL(
                "SELECT count(*) FROM ir_cron_trigger WHERE cron_id = %s",
                self.env.ref("facto_demat.ir_cron_demat_chain").id,
            )
        )
        self.assertTrue(cr_c.fetchone()[0], "the sealing cron is called, committed")
        cr_c.rollback()
        cr_c.rollback()
        cr_a.commit()  # pylint: disable=invalid-commit
        env = api.Environment(cr_c, SUPERUSER_ID, {})
        # what the sealing cron does, in a transaction that began after
        env["facto.demat.chain"]._chain_pending(self.company.id, wait=True)
        cr_c.commit()  # pylint: disable=invalid-commit
        cr_c.execute(
            SQL("SELECT sequence FROM facto_demat_event WHERE id = %s", event_b.id)
        )
        self.assertTrue(cr_c.fetchone()[0])
        self.assertFalse(self.chain_break(cr_c))
