from datetime import datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import DematCase


@tagged("post_install", "-at_install")
class TestDematEmail(DematCase):
    def test_defaults(self):
        self.assertRecordValues(
            self.customer,
            [
                {
                    "demat_letter_sent": False,
                    "demat_letter_date": False,
                    "demat_refused": False,
                    "demat_refused_date": False,
                    "demat_accepted": False,
                    "demat_email": "contact@boulangerie-martin.example",
                    "demat_status": "allowed",
                    "demat_allowed": True,
                }
            ],
        )
        self.assertEqual(self.env.company.demat_consent_policy, "opt_out")
        self.assertEqual(self.env.company.demat_grace_days, 0)

    def test_invoice_contact_address_wins(self):
        contact = self.Partner.create(
            {
                "name": "Service comptabilité",
                "type": "invoice",
                "parent_id": self.customer.id,
                "email": "Compta@Boulangerie-Martin.example",
            }
        )
        self.assertEqual(self.customer.demat_email, "compta@boulangerie-martin.example")
        self.assertEqual(contact.demat_email, self.customer.demat_email)
        contact.email = "compta@@boulangerie-martin.example"
        self.assertEqual(
            self.customer.demat_email,
            "contact@boulangerie-martin.example",
            "an invalid invoice address leaves the customer's own",
        )
        contact.active = False
        self.assertEqual(
            self.customer.demat_email, "contact@boulangerie-martin.example"
        )

    def test_contacts_share_the_customer_consent(self):
        contact = self.Partner.create(
            {"name": "Jean Martin", "parent_id": self.customer.id}
        )
        self.customer.demat_refused = True
        # the contact holds no consent of its own: its customer's decides
        self.assertRecordValues(
            contact,
            [
                {
                    "demat_refused": False,
                    "demat_status": "refused",
                    "demat_allowed": False,
                }
            ],
        )
        self.assertEqual(
            self.Partner.search(
                [("id", "=", contact.id), ("demat_allowed", "=", False)]
            ),
            contact,
        )


@tagged("post_install", "-at_install")
class TestDematPolicy(DematCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.others = cls.Partner.create(
            [
                {"name": "Garage Bernard", "email": "garage@bernard.example"},
                {"name": "Sans adresse"},
                {"name": "Refuse", "email": "non@refus.example"},
            ]
        )
        cls.others[2].demat_refused = True
        cls.all_customers = cls.customer | cls.others

    def allowed(self):
        return self.Partner.search(
            [("id", "in", self.all_customers.ids), ("demat_allowed", "=", True)]
        )

    def not_allowed(self):
        return self.Partner.search(
            [("id", "in", self.all_customers.ids), ("demat_allowed", "!=", True)]
        )

    def assert_allowed(self, partners):
        self.all_customers.invalidate_recordset(["demat_status", "demat_allowed"])
        self.assertEqual(self.all_customers.filtered("demat_allowed"), partners)
        self.assertEqual(self.allowed(), partners)
        self.assertEqual(self.not_allowed(), self.all_customers - partners)

    def test_opt_out_accepts_unless_refused(self):
        self.assert_allowed(self.customer | self.others[0])
        self.assertEqual(
            self.others.mapped("demat_status"), ["allowed", "no_email", "refused"]
        )

    def test_opt_in_needs_acceptance(self):
        self.env.company.demat_consent_policy = "opt_in"
        self.assert_allowed(self.Partner)
        self.assertEqual(self.customer.demat_status, "not_accepted")
        self.customer.demat_accepted = True
        self.assert_allowed(self.customer)
        self.others[2].demat_accepted = True
        self.assert_allowed(self.customer)

    def test_notice_period_counts_from_the_letter(self):
        self.env.company.demat_grace_days = 15
        with freeze_time("2026-03-01 09:00:00"):
            self.customer.demat_letter_date = datetime(2026, 3, 1, 9, 0)
            self.assert_allowed(self.Partner)
            self.assertEqual(self.customer.demat_status, "waiting")
        with freeze_time("2026-03-16 08:59:59"):
            self.assert_allowed(self.Partner)
        with freeze_time("2026-03-16 09:00:00"):
            self.assert_allowed(self.customer)
            self.others[0].demat_accepted = True
            self.assert_allowed(self.customer | self.others[0])

    def test_search_does_not_grow_with_customers(self):
        def queries(count):
            partners = self.Partner.create(
                [
                    {"name": f"Client {n}", "email": f"client{n}@example.com"}
                    for n in range(count)
                ]
            )
            self.env.invalidate_all()
            # the company and its consent fields' defaults, read once whatever
            # the count (Odoo may have dropped them from its caches)
            self.Partner.search_count([("id", "=", 0), ("demat_allowed", "=", False)])
            before = self.cr.sql_log_count
            partners.mapped("demat_allowed")
            self.Partner.search_count(
                [("id", "in", partners.ids), ("demat_allowed", "=", False)]
            )
            return self.cr.sql_log_count - before

        queries(1)  # warm the caches of the company and the access rules
        self.assertEqual(queries(10), queries(300))


@tagged("post_install", "-at_install")
class TestDematAccess(DematCase):
    def test_invoicing_user_records_a_refusal(self):
        clerk = new_test_user(
            self.env, login="clerk", groups="account.group_account_invoice"
        )
        customer = self.customer.with_user(clerk)
        customer.action_demat_record_refusal()
        self.assertEqual(customer.demat_status, "refused")
        customer.action_demat_withdraw_refusal()
        self.assertRecordValues(
            self.events_of(self.customer),
            [
                {"event_type": "refusal_recorded", "user_id": clerk.id},
                {"event_type": "refusal_withdrawn", "user_id": clerk.id},
            ],
        )
        self.assertTrue(self.Event.with_user(clerk).search_count([]))

    def test_users_without_invoicing_rights_see_nothing(self):
        for groups in ("base.group_user", "base.group_portal", "base.group_public"):
            user = new_test_user(self.env, login=groups, groups=groups)
            with self.subTest(groups=groups):
                customer = self.customer.with_user(user)
                with self.assertRaises(AccessError):
                    customer.read(["demat_refused"])
                with self.assertRaises(AccessError):
                    customer.write({"demat_refused": True})
                with self.assertRaises(AccessError):
                    customer.action_demat_record_refusal()
                with self.assertRaises(AccessError):
                    self.Event.with_user(user).search([])

    def test_only_accounting_managers_change_the_policy(self):
        clerk = new_test_user(
            self.env, login="clerk", groups="account.group_account_invoice"
        )
        with self.assertRaises(AccessError):
            self.env.company.with_user(clerk).demat_consent_policy = "opt_in"
        manager = new_test_user(
            self.env,
            login="manager",
            groups="account.group_account_manager,base.group_system",
        )
        settings = self.env["res.config.settings"].with_user(manager).create({})
        settings.demat_consent_policy = "opt_in"
        settings.execute()
        self.assertEqual(self.env.company.demat_consent_policy, "opt_in")

    def test_internal_user_change_of_address_is_recorded(self):
        salesman = new_test_user(
            self.env, login="sales", groups="base.group_user,base.group_partner_manager"
        )
        self.customer.with_user(salesman).email = "nouveau@boulangerie-martin.example"
        self.assertRecordValues(
            self.events_of(self.customer),
            [
                {
                    "event_type": "email_changed",
                    "channel": "manual",
                    "user_id": salesman.id,
                    "email": "nouveau@boulangerie-martin.example",
                }
            ],
        )
