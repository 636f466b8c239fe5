from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import DematCase


@tagged("post_install", "-at_install")
class TestRouteBoard(DematCase):
    """The board of customers by route counts a hand-made set of customers
    as an accountant would, for the user's company only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        fr, be = cls.env.ref("base.fr"), cls.env.ref("base.be")
        cls.env.company.write({"country_id": fr.id, "demat_einvoicing_category": "pme"})
        business = {"is_company": True, "customer_rank": 1, "country_id": fr.id}
        email = {"email": "compta@client.example"}
        create = cls.Partner.create
        cls.ready = create(
            {
                **business,
                **email,
                "name": "Scierie Aubert",
                "company_registry": "73282932000074",
            }
        )
        cls.invalid = create(
            {
                **business,
                **email,
                "name": "Fromagerie Bérot",
                "company_registry": "73282932000075",
            }
        )
        cls.missing = create({**business, "name": "Transports Léa"})
        cls.consumer = create(
            {**email, "name": "Zoé Hémon", "customer_rank": 1, "country_id": fr.id}
        )
        cls.public = create(
            {
                **business,
                **email,
                "name": "Mairie de Bréhal",
                "demat_route_forced": "chorus_pro",
                "demat_route_forced_reason": "collectivité",
            }
        )
        cls.foreign = create(
            {**business, "name": "Brouwerij Sint-Jan", "country_id": be.id}
        )
        cls.reviewed = create(
            {
                **business,
                **email,
                "name": "Menuiserie Gaël",
                "company_registry": "55203253400646",
            }
        )
        cls.mine = (
            cls.ready
            | cls.invalid
            | cls.missing
            | cls.consumer
            | cls.public
            | cls.foreign
            | cls.reviewed
        )
        cls.ready.demat_letter_sent = True
        cls.invalid.demat_refused = True
        cls.consumer.demat_accepted = True
        cls.env["facto.demat.customer.data"].sudo().create(
            {
                "company_id": cls.env.company.id,
                "partner_id": cls.reviewed.id,
                "invoicing_email": "factures@gael.example",
            }
        )
        cls.clerk = cls.company_user("clerk-board", "account.group_account_invoice")
        cls.employee = cls.company_user("employee-board", "base.group_user")

    def board(self, user=None):
        Board = self.env["facto.demat.route.board"].with_user(user or self.clerk)
        action = Board.action_open()
        return Board.search(action["domain"] + [("partner_id", "in", self.mine.ids)])

    def test_each_customer_on_its_line(self):
        rows = {row.partner_id: row for row in self.board()}
        expected = {
            self.ready: ("einvoicing", "letter_sent", "none", False),
            self.invalid: ("consent", "refused", "invalid_siren", True),
            self.missing: ("consent", "nothing", "no_siren", True),
            self.consumer: ("consent", "accepted", "none", False),
            # Chorus Pro needs its SIRET, but the reform's date changes nothing
            self.public: ("chorus_pro", "nothing", "no_siren", False),
            self.foreign: ("consent", "nothing", "no_email", False),
            self.reviewed: ("einvoicing", "nothing", "to_review", True),
        }
        for customer, values in expected.items():
            row = rows[customer]
            with self.subTest(customer=customer.name):
                self.assertEqual(
                    (row.route, row.consent_state, row.data_problem, row.not_ready),
                    values,
                )
        self.assertTrue(rows[self.missing].no_email, "every problem has its flag")

    def test_counts_group_as_the_pivot_shows_them(self):
        rows = self.board()
        groups = rows._read_group(
            [("id", "in", rows.ids)], ["route", "consent_state"], ["__count"]
        )
        counts = {(route, consent): count for route, consent, count in groups}
        self.assertEqual(
            counts,
            {
                ("einvoicing", "letter_sent"): 1,
                ("einvoicing", "nothing"): 1,
                ("consent", "refused"): 1,
                ("consent", "nothing"): 2,
                ("consent", "accepted"): 1,
                ("chorus_pro", "nothing"): 1,
            },
        )
        settings = self.env["res.config.settings"].create({})
        self.assertGreaterEqual(settings.demat_customers_not_ready, 3)
        not_ready = rows.filtered("not_ready").partner_id
        self.assertEqual(not_ready, self.invalid | self.missing | self.reviewed)

    def test_opened_again_it_tells_the_news_and_each_user_has_their_rows(self):
        self.board()
        self.missing.company_registry = "552 032 534 00646"
        other_clerk = self.company_user(
            "clerk-board-2", "account.group_account_invoice"
        )
        self.board(other_clerk)
        row = self.board().filtered(lambda r: r.partner_id == self.missing)
        self.assertEqual(len(row), 1, "opened again: one row per customer")
        self.assertEqual(row.route, "einvoicing")
        self.assertFalse(row.not_ready)
        Board = self.env["facto.demat.route.board"]
        self.assertEqual(
            Board.with_user(self.clerk).search_count(
                [("user_id", "=", other_clerk.id)]
            ),
            0,
            "another user's rows are not shown",
        )

    def test_process_own_rows_and_low_rights(self):
        with self.assertRaises(AccessError):
            self.board(self.employee)
        row = self.board()[:1]
        with self.assertRaises(AccessError):
            row.write({"not_ready": False})
        with self.assertRaises(AccessError):
            row.unlink()
