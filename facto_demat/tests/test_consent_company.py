from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import LetterCase, RpcCase, add_groups


@tagged("post_install", "-at_install")
class TestConsentPerCompany(LetterCase):
    """Two companies, customers shared by both and private to each: what a
    customer said to one company decides nothing for the other."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create(
            {"name": "Menuiserie Bérard SAS", "email": "factures@berard.example"}
        )
        cls.env.user.company_ids |= cls.company_b
        cls.shared = cls.Partner.create(
            {
                "name": "Société Générale d'Électricité",
                "ref": "C0020",
                "customer_rank": 1,
                "is_company": True,
                "email": "compta@sge.example, direction@sge.example",
            }
        )
        cls.private_a, cls.private_b = cls.Partner.create(
            [
                {
                    "name": name,
                    "ref": ref,
                    "customer_rank": 1,
                    "is_company": True,
                    "email": email,
                    "company_id": company.id,
                }
                for name, ref, email, company in (
                    ("Éts Lefèvre", "C0021", "lefevre@a.example", cls.company_a),
                    ("Crêperie Noël", "C0022", "noel@b.example", cls.company_b),
                )
            ]
        )

    def in_company(self, records, company):
        records.invalidate_recordset()
        return records.with_company(company)

    def test_a_refusal_in_a_leaves_b_emailing(self):
        self.shared.with_company(self.company_a).action_demat_record_refusal()
        self.assertRecordValues(
            self.in_company(self.shared, self.company_a),
            [{"demat_refused": True, "demat_status": "refused"}],
        )
        self.assertRecordValues(
            self.in_company(self.shared, self.company_b),
            [{"demat_refused": False, "demat_status": "allowed"}],
        )
        self.assertEqual(
            self.Partner.with_company(self.company_b).search(
                [("id", "=", self.shared.id), ("demat_allowed", "=", True)]
            ),
            self.shared,
        )
        self.assertRecordValues(
            self.events_of(self.shared),
            [{"event_type": "refusal_recorded", "company_id": self.company_a.id}],
        )

    def test_letter_of_a_does_not_allow_in_b_and_b_writes_only_its_own(self):
        for company in self.company_a | self.company_b:
            company.demat_grace_days = 15
        long_ago = fields.Datetime.now() - timedelta(days=40)
        with freeze_time(long_ago):
            run_a = self.start(partner_ids=[Command.set(self.shared.ids)])
        self.assertEqual(run_a.line_ids.partner_id, self.shared)
        self.assertTrue(self.in_company(self.shared, self.company_a).demat_allowed)
        shared_b = self.in_company(self.shared, self.company_b)
        self.assertRecordValues(
            shared_b,
            [{"demat_letter_sent": False, "demat_status": "waiting"}],
        )
        # B's run, on every customer it was given: never A's private one
        everyone = self.shared | self.private_a | self.private_b
        # a user of both companies, working in B
        env_b = self.env(
            context=dict(
                self.env.context,
                allowed_company_ids=[self.company_b.id, self.company_a.id],
            )
        )
        wizard = env_b["facto.demat.letter.wizard"].create(
            {"partner_ids": [Command.set(everyone.ids)]}
        )
        self.assertEqual(wizard._select_customers()[1], self.shared | self.private_b)
        by_range = env_b["facto.demat.letter.wizard"].create(
            {"partner_code_from": "C0020", "partner_code_to": "C0022"}
        )
        self.assertEqual(by_range._select_customers()[1], self.shared | self.private_b)
        run_b = wizard.action_confirm()
        run_b = self.env["facto.demat.letter.run"].browse(run_b["res_id"])
        self.assertEqual(run_b.line_ids.partner_id, self.shared | self.private_b)
        self.assertFalse(
            self.in_company(self.private_a.sudo(), self.company_b).demat_letter_sent
        )
        self.assertFalse(self.events_of(self.private_a))
        # each letter in the trail of the company that sent it
        for partner, companies in (
            (self.shared, self.company_a | self.company_b),
            (self.private_b, self.company_b),
        ):
            self.assertEqual(self.events_of(partner).company_id, companies)
        self.assertEqual(
            self.in_company(self.shared, self.company_a).demat_letter_date,
            long_ago.replace(microsecond=0),
        )
        self.assertEqual(
            self.in_company(self.shared, self.company_b).demat_status, "waiting"
        )
        for company in self.company_a | self.company_b:
            self.assertFalse(self.Event._find_chain_break(company), company.name)

    def test_acceptance_in_b_decides_nothing_in_a(self):
        for company in self.company_a | self.company_b:
            company.demat_consent_policy = "opt_in"
        self.shared.with_company(self.company_b).action_demat_record_acceptance()
        self.assertEqual(
            self.in_company(self.shared, self.company_b).demat_status, "allowed"
        )
        self.assertEqual(
            self.in_company(self.shared, self.company_a).demat_status, "not_accepted"
        )
        self.assertFalse(
            self.Partner.search(
                [("id", "=", self.shared.id), ("demat_allowed", "=", True)]
            )
        )
        self.assertEqual(self.events_of(self.shared).company_id, self.company_b)
        for company in self.company_a | self.company_b:
            self.assertFalse(self.Event._find_chain_break(company), company.name)


@tagged("post_install", "-at_install")
class TestConsentWrittenOnContacts(RpcCase):
    """A contact holds no consent: what is written on it is its customer's,
    with its evidence."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = new_test_user(
            cls.env,
            login="admin-demat",
            groups="base.group_system,account.group_account_manager,"
            "base.group_partner_manager",
            company_id=cls.env.company.id,
            company_ids=cls.env.company.ids,
        )
        cls.accountant, cls.assistant = cls.Partner.create(
            [
                {
                    "name": "Hélène Dûpont",
                    "parent_id": cls.customer.id,
                    "email": "helene@boulangerie-martin.example",
                },
                {
                    "name": "Service facturation",
                    "parent_id": cls.customer.id,
                    "type": "invoice",
                    "email": "factures@boulangerie-martin.example; "
                    "compta@boulangerie-martin.example",
                },
            ]
        )

    def consent_events(self, partner):
        """The partner's events but the address changes (making its invoice
        contact changed its document address)."""
        return self.events_of(partner).filtered(
            lambda event: event.event_type != "email_changed"
        )

    def test_refusal_written_on_a_contact_over_rpc(self):
        self.call_kw(
            self.admin,
            "res.partner",
            "write",
            [self.assistant.ids, {"demat_refused": True}],
        )
        self.env.invalidate_all()
        self.assertTrue(self.customer.demat_refused)
        self.assertFalse(self.assistant.demat_refused)
        for partner in self.customer | self.accountant | self.assistant:
            self.assertEqual(partner.demat_status, "refused", partner.name)
        self.assertRecordValues(
            self.consent_events(self.customer),
            [
                {
                    "event_type": "refusal_recorded",
                    "channel": "manual",
                    "user_id": self.admin.id,
                    "note": f"Written on the contact {self.assistant.display_name}.",
                }
            ],
        )
        # a contact written without the flag withdraws nothing
        self.call_kw(
            self.admin,
            "res.partner",
            "write",
            [self.accountant.ids, {"demat_refused": False}],
        )
        self.env.invalidate_all()
        self.assertTrue(self.customer.demat_refused)
        self.assertEqual(len(self.consent_events(self.customer)), 1)

    def test_refusal_imported_on_a_contact_and_its_company(self):
        other = self.Partner.create(
            {"name": "Épicerie Lemaître", "is_company": True, "email": "e@l.example"}
        )
        other_contact = self.Partner.create(
            {"name": "Zoé Lemaître", "parent_id": other.id, "email": "z@l.example"}
        )
        result = self.Partner.with_user(self.admin).load(
            [".id", "demat_refused", "demat_refused_date"],
            [
                # the company row first, empty, then its contact's refusal
                [str(other.id), "", ""],
                [str(other_contact.id), "1", "2025-06-30 08:15:00"],
                # a contact row alone
                [str(self.accountant.id), "1", ""],
            ],
        )
        self.assertFalse(result["messages"], result["messages"])
        self.env.invalidate_all()
        self.assertRecordValues(
            other | self.customer,
            [
                {
                    "demat_refused": True,
                    "demat_refused_date": datetime(2025, 6, 30, 8, 15),
                },
                {
                    "demat_refused": True,
                    "demat_refused_date": self.customer.demat_refused_date,
                },
            ],
        )
        self.assertFalse(other_contact.demat_refused)
        event = self.consent_events(other)
        self.assertRecordValues(
            event, [{"event_type": "refusal_recorded", "channel": "import"}]
        )
        self.assertIn("dated 2025-06-30 08:15:00 UTC", event.note)
        self.assertIn(other_contact.display_name, event.note)
        self.assertEqual(self.consent_events(self.customer).channel, "import")


@tagged("post_install", "-at_install")
class TestConsentImported(RpcCase):
    """Letter sent, refusal and acceptance loaded with their historic
    dates: each with its evidence event, sealed as an import."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = new_test_user(
            cls.env,
            login="admin-import",
            groups="base.group_system,account.group_account_manager,"
            "base.group_partner_manager",
            company_id=cls.env.company.id,
            company_ids=cls.env.company.ids,
        )
        cls.env.company.demat_grace_days = 30
        cls.lettered, cls.refusing, cls.accepting = cls.Partner.create(
            [
                {"name": name, "is_company": True, "email": email}
                for name, email in (
                    ("Quincaillerie Façade", "q@facade.example"),
                    ("Brasserie Ödön", "b@odon.example, c@odon.example"),
                    ("Fromagerie Çà et Là", "f@cael.example"),
                )
            ]
        )

    def test_import_keeps_the_historic_dates_and_seals_the_import(self):
        now = fields.Datetime.now().replace(microsecond=0)
        letter_date = now - timedelta(days=10)
        result = self.Partner.with_user(self.admin).load(
            [
                ".id",
                "demat_letter_sent",
                "demat_letter_date",
                "demat_refused",
                "demat_refused_date",
                "demat_accepted",
            ],
            [
                [str(self.lettered.id), "1", str(letter_date), "", "", ""],
                [str(self.refusing.id), "", "", "1", "2024-01-15 10:00:00", ""],
                [str(self.accepting.id), "", "", "", "", "1"],
            ],
        )
        self.assertFalse(result["messages"], result["messages"])
        self.env.invalidate_all()
        self.assertRecordValues(
            self.lettered,
            [{"demat_letter_sent": True, "demat_letter_date": letter_date}],
        )
        self.assertRecordValues(
            self.refusing,
            [
                {
                    "demat_refused": True,
                    "demat_refused_date": datetime(2024, 1, 15, 10, 0),
                }
            ],
        )
        self.assertTrue(self.accepting.demat_accepted)
        for partner, event_type, dated in (
            (self.lettered, "letter_recorded", str(letter_date)),
            (self.refusing, "refusal_recorded", "2024-01-15 10:00:00"),
            (self.accepting, "acceptance_recorded", None),
        ):
            event = self.events_of(partner)
            self.assertRecordValues(
                event,
                [
                    {
                        "event_type": event_type,
                        "channel": "import",
                        "user_id": self.admin.id,
                    }
                ],
            )
            self.assertIn(f"by {self.admin.login}", event.note)
            self.assertGreaterEqual(event.date, now)
            if dated:
                self.assertIn(f"dated {dated} UTC", event.note)
        # the notice period counts from the historic date, not the import
        self.assertEqual(self.lettered.demat_status, "waiting")
        self.assertEqual(self.refusing.demat_status, "refused")
        self.assertEqual(self.accepting.demat_status, "allowed")
        with freeze_time(letter_date + timedelta(days=30)):
            self.lettered.invalidate_recordset(["demat_status"])
            self.assertEqual(self.lettered.demat_status, "allowed")
        self.assertFalse(self.Event._find_chain_break(self.env.company))

    def test_a_date_to_come_or_an_unsent_letter_is_refused(self):
        with self.assertRaises(UserError):
            self.lettered.demat_letter_date = fields.Datetime.now() + timedelta(days=2)
        self.lettered.demat_letter_sent = True
        with self.assertRaises(UserError):
            self.lettered.demat_letter_sent = False
        self.assertEqual(len(self.events_of(self.lettered)), 1)

    @mute_logger("odoo.http", "odoo.sql_db")
    def test_low_rights_users_may_not_write_or_import_consent(self):
        add_groups(self.manager, "base.group_partner_manager")
        clerk = self.company_user(
            "commis-import", "account.group_account_invoice,base.group_partner_manager"
        )
        for user in (clerk, self.manager):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.Partner.with_user(user).browse(self.refusing.ids).write(
                        {"demat_refused": True}
                    )
                result = self.Partner.with_user(user).load(
                    [".id", "demat_refused", "demat_letter_sent"],
                    [[str(self.refusing.id), "1", "1"]],
                )
                self.assertFalse(result["ids"])
                self.assertTrue(result["messages"])
                fields_info = self.Partner.with_user(user).fields_get(
                    ["demat_refused"], ["readonly"]
                )
                self.assertTrue(fields_info["demat_refused"]["readonly"])
        self.env.invalidate_all()
        self.assertFalse(self.refusing.demat_refused)
        self.assertFalse(self.events_of(self.refusing))
        # the import screen offers them to administrators
        fields_info = self.Partner.with_user(self.admin).fields_get(
            ["demat_refused", "demat_letter_date"], ["readonly"]
        )
        self.assertFalse(fields_info["demat_refused"]["readonly"])
        self.assertFalse(fields_info["demat_letter_date"]["readonly"])
