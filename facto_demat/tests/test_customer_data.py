from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import CSRF, LINK, AnswerCase


@tagged("post_install", "-at_install")
class TestCustomerDataByLink(AnswerCase):
    """French businesses give their SIREN, invoicing email, VAT liability
    and delivery address on the letter's page; nothing reaches the customer
    before an invoicing user applies it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        fr = cls.env.ref("base.fr")
        cls.env.company.write({"country_id": fr.id, "demat_einvoicing_category": "pme"})
        # a French business whose SIREN the company lacks
        cls.customer.write({"country_id": fr.id, "zip": "69003", "city": "Lyon"})
        cls.clerk = new_test_user(
            cls.env,
            login="clerk-data",
            # applying writes the customer: the clerk may edit contacts
            groups="account.group_account_invoice,base.group_partner_manager",
            company_id=cls.env.company.id,
            company_ids=cls.env.company.ids,
        )
        cls.employee = new_test_user(
            cls.env,
            login="employee-data",
            groups="base.group_user",
            company_id=cls.env.company.id,
            company_ids=cls.env.company.ids,
        )

    def give(self, path, **values):
        page = self.url_open(path)
        self.assertEqual(page.status_code, 200)
        csrf = CSRF.search(page.text)[1]
        return self.url_open(f"{path}/data", data={"csrf_token": csrf, **values})

    def data(self):
        return self.env["facto.demat.customer.data"].search(
            [("partner_id", "=", self.customer.id)]
        )

    def test_a_business_without_siren_gets_the_business_letter_and_the_form(self):
        self.assertEqual(self.customer.demat_route, "consent")
        path = self.send_letter(self.customer)
        page = self.url_open(path)
        self.assertIn("SIREN or SIRET", page.text)
        self.assertIn("I refuse documents by email", page.text, "consent kept")
        # a customer not known as a French business (no country)
        other_path = self.send_letter(self.other)
        self.assertNotIn('name="siret"', self.url_open(other_path).text)

    @mute_logger("odoo.http")
    def test_what_customers_type_is_checked_and_kept_on_the_page(self):
        path = self.send_letter(self.customer)
        cases = [
            ({"siret": "732 829 320 00075"}, "not a valid SIREN"),
            ({"siret": "73282932"}, "not a valid SIREN"),
            ({"siret": "732829320_00074"}, "not a valid SIREN"),
            ({"siret": "1" * 33}, "Too long"),
            ({"invoicing_email": "compta@exa mple.fr"}, "one valid"),
            ({"invoicing_email": "a@b.fr, c@d.fr"}, "one valid"),
            ({"delivery_street": "3 rue Neuve"}, "postcode"),
            ({"vat_liability": "maybe"}, "Nothing was filled in"),
            ({}, "Nothing was filled in"),
        ]
        for values, message in cases:
            with self.subTest(values=values):
                response = self.give(path, **values)
                self.assertEqual(response.status_code, 200)
                self.assertIn(message, response.text)
                for name in ("siret", "invoicing_email", "delivery_street"):
                    if name in values:
                        kept = f'value="{values[name]}"'
                        self.assertIn(kept, response.text, "what was typed is kept")
        self.assertFalse(self.data(), "nothing recorded while something is wrong")
        # 10 KB of input: refused whole, in one body or in chunks
        response = self.give(path, siret="7" * 10_000)
        self.assertEqual(response.status_code, 413)
        csrf = CSRF.search(self.url_open(path).text)[1]
        status, _body = self.post_chunked(
            f"{path}/data", {"csrf_token": csrf, "delivery_street": "é" * 10_000}
        )
        self.assertEqual(status, 413)
        self.assertFalse(self.data())

    def test_data_wait_for_review_and_each_step_is_evidence(self):
        path = self.send_letter(self.customer)
        response = self.give(
            path,
            siret=" 732.829.320 00074 ",
            invoicing_email="Factures@Boulangerie-Martin.example",
            vat_liability="yes",
            delivery_street="Zone artisanale, 12 rue de l'Église",
            delivery_zip="69190",
            delivery_city="Saint-Fons",
        )
        self.assertIn("will check them before using them", response.text)
        data = self.data()
        self.assertRecordValues(
            data,
            [
                {
                    "siret": "73282932000074",
                    "invoicing_email": "factures@boulangerie-martin.example",
                    "vat_liability": "yes",
                    "delivery_city": "Saint-Fons",
                    "delivery_country_id": self.env.ref("base.fr").id,
                    "state": "to_review",
                }
            ],
        )
        self.assertFalse(self.customer.demat_siren, "never written silently")
        self.assertFalse(self.customer.child_ids)
        given = self.events(self.customer)[-1]
        self.assertRecordValues(
            given, [{"event_type": "data_given", "channel": "link"}]
        )
        self.assertIn("73282932000074", given.note)
        # the same again is not recorded twice
        self.give(path, siret="73282932000074", invoicing_email="x@y.fr")
        self.assertEqual(len(self.data()), 2, "other data: a row of its own")
        # an employee without invoicing rights sees nothing, decides nothing
        with self.assertRaises(AccessError):
            data.with_user(self.employee).action_apply()
        # the clerk applies the first, rejects the second
        data.with_user(self.clerk).action_apply()
        self.assertEqual(self.customer.demat_siren, "732829320")
        self.assertEqual(self.customer.demat_route, "einvoicing")
        self.assertEqual(self.customer.demat_vat_liability, "yes")
        delivery = self.customer.child_ids.filtered(lambda c: c.type == "delivery")
        self.assertEqual(delivery.city, "Saint-Fons")
        invoice_contact = self.customer.child_ids.filtered(
            lambda c: c.type == "invoice"
        )
        self.assertEqual(invoice_contact.email, "factures@boulangerie-martin.example")
        second = self.data() - data
        second.with_user(self.clerk).action_reject()
        self.assertRecordValues(
            data | second,
            [
                {"state": "applied", "decided_by_id": self.clerk.id},
                {"state": "rejected", "decided_by_id": self.clerk.id},
            ],
        )
        types = self.events(self.customer).mapped("event_type")
        self.assertEqual(types[-2:], ["data_applied", "data_rejected"])
        with self.assertRaisesRegex(UserError, "already applied or rejected"):
            second.with_user(self.clerk).action_apply()
        self.assertEqual(
            self.env["facto.demat.event"]._find_chain_break(self.env.company), ""
        )

    def test_a_siren_does_not_replace_the_siret_it_begins(self):
        self.customer.company_registry = "732 829 320 00074"
        path = self.send_letter(self.customer)
        self.give(path, siret="732829320", vat_liability="yes")
        self.data().with_user(self.clerk).action_apply()
        self.assertEqual(self.customer.company_registry, "732 829 320 00074")
        self.assertEqual(self.customer.demat_vat_liability, "yes")

    def test_the_rows_are_the_process_own(self):
        path = self.send_letter(self.customer)
        self.give(path, siret="73282932000074")
        data = self.data().with_user(self.clerk)
        for values in (
            {"state": "applied"},
            {"siret": "55203253400646"},
            {"partner_id": self.other.id},
        ):
            with self.subTest(values=values), self.assertRaises(AccessError):
                data.write(values)
        with self.assertRaises(AccessError):
            data.create(
                {"partner_id": self.other.id, "company_id": self.env.company.id}
            )
        with self.assertRaises(AccessError):
            data.unlink()
        # the web client's buttons
        self.authenticate("clerk-data", "clerk-data")
        self.call_button("facto.demat.customer.data", "action_apply", data.ids)
        self.assertEqual(data.state, "applied")

    def test_information_letters_offer_no_refusal(self):
        self.env.company.demat_einvoicing_category = "eti"
        wizard = self.env["facto.demat.letter.wizard"].create(
            {
                "output": "email",
                "purpose": "information",
                "partner_ids": self.customer.ids,
            }
        )
        run = self.env["facto.demat.letter.run"].browse(
            wizard.action_confirm()["res_id"]
        )
        body = run.line_ids.mail_ids.body_html
        with self.mails_sent():
            run.line_ids.mail_ids.send()
        path = LINK.search(body)[1]
        page = self.url_open(path)
        self.assertIn('name="siret"', page.text)
        self.assertNotIn("I refuse documents by email", page.text)
        response = self.answer(path, "refuse")
        self.assertEqual(response.status_code, 404)
        self.assertFalse(self.customer.demat_refused)
