from datetime import date

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import SQL

from ..tools.einvoicing import siren_in_vat, siren_of
from .common import DematCase


@tagged("post_install", "-at_install")
class TestSiren(DematCase):
    def test_siren_and_siret_as_customer_files_hold_them(self):
        cases = {
            "732829320": "732829320",
            "732 829 320": "732829320",
            "732.829.320": "732829320",
            "732-829-320": "732829320",
            "  732829320 ": "732829320",
            "73282932000074": "732829320",  # a SIRET
            "732 829 320 00074": "732829320",
            "732.829.320.00074": "732829320",
            "732829320_73282932000074": "732829320",  # a Peppol SIREN_SIRET
            "732829321": None,  # wrong checksum
            "73282932000075": None,  # wrong checksum
            "35600000000048": "356000000",  # La Poste, by the Luhn sum
            "35600000000001": "356000000",  # La Poste's own rule, not Luhn's
            "35600000000002": None,
            "FR40303265045": None,  # a VAT number is not a SIREN
            "HRB 12345": None,  # a German register number
            "0123456789": None,  # ten digits: neither
            "12345678901234": None,
            "": None,
            False: None,
        }
        for number, siren in cases.items():
            with self.subTest(number=number):
                self.assertEqual(siren_of(number), siren)

    def test_the_siren_a_french_vat_number_names(self):
        self.assertEqual(siren_in_vat("FR40303265045"), "303265045")
        self.assertEqual(siren_in_vat("FR 40 303 265 045"), "303265045")
        self.assertIsNone(siren_in_vat("FR41303265045"))  # wrong key
        self.assertIsNone(siren_in_vat("BE0477472701"))
        self.assertIsNone(siren_in_vat(False))


@tagged("post_install", "-at_install")
class TestInvoicingRoute(DematCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fr = cls.env.ref("base.fr")
        cls.manager = cls.company_user(
            "route-manager", "account.group_account_manager,base.group_partner_manager"
        )
        cls.clerk = cls.company_user("route-clerk", "account.group_account_invoice")

    def customer_with(self, **values):
        return self.Partner.create(
            {"name": "Société Générale d'Études", "is_company": True, **values}
        )

    def assertRoute(self, partner, route, reason_part=""):
        self.assertEqual(partner.demat_route, route, partner.demat_route_reason)
        self.assertIn(reason_part, partner.demat_route_reason)
        self.assertEqual(
            self.Partner.search([("id", "=", partner.id), ("demat_route", "=", route)]),
            partner,
            "the list's filter finds it by the same route",
        )

    def test_route_by_the_customer_data(self):
        siret = "732 829 320 00074"
        country = self.env.ref
        cases = [
            ({"country_id": self.fr.id, "company_registry": siret}, "einvoicing"),
            (
                {"country_id": self.fr.id, "zip": "75011", "company_registry": siret},
                "einvoicing",
            ),
            (
                {"country_id": country("base.gp").id, "company_registry": siret},
                "einvoicing",
            ),
            (
                {"country_id": country("base.re").id, "company_registry": siret},
                "einvoicing",
            ),
            (
                {"country_id": self.fr.id, "zip": "97400", "company_registry": siret},
                "einvoicing",
            ),
            (
                {"country_id": self.fr.id, "zip": "97 100", "company_registry": siret},
                "einvoicing",
            ),
            # Guyane, Mayotte, the collectivities: e-reported
            (
                {"country_id": self.fr.id, "zip": "97300", "company_registry": siret},
                "consent",
            ),
            # Saint-Barthélemy and Saint-Martin, numbered as Guadeloupe's
            (
                {"country_id": self.fr.id, "zip": "97133", "company_registry": siret},
                "consent",
            ),
            (
                {
                    "country_id": country("base.gp").id,
                    "zip": "97 150",
                    "company_registry": siret,
                },
                "consent",
            ),
            (
                {"country_id": country("base.yt").id, "company_registry": siret},
                "consent",
            ),
            (
                {"country_id": country("base.nc").id, "company_registry": siret},
                "consent",
            ),
            # foreign customers, consumers, numbers missing or wrong
            (
                {"country_id": country("base.be").id, "vat": "BE0477472701"},
                "consent",
            ),
            ({"country_id": self.fr.id}, "consent"),
            ({"country_id": self.fr.id, "company_registry": "732829321"}, "consent"),
            ({"country_id": self.fr.id, "vat": "FR40303265045"}, "consent"),
            ({"company_registry": siret}, "consent"),  # no country
            (
                {"country_id": self.fr.id, "is_company": False, "name": "Élodie Dupré"},
                "consent",
            ),
            # a sole trader under franchise en base: a SIRET, no VAT number
            (
                {
                    "country_id": self.fr.id,
                    "is_company": False,
                    "name": "Hélène Lefèvre (EI)",
                    "company_registry": "35600000000001",
                },
                "einvoicing",
            ),
        ]
        for values, route in cases:
            with self.subTest(values=values):
                self.assertRoute(self.customer_with(**values), route)

    def test_reasons_say_why_in_words(self):
        self.assertRoute(
            self.customer_with(
                country_id=self.fr.id, company_registry="73282932000074"
            ),
            "einvoicing",
            "SIREN 732829320",
        )
        self.assertRoute(
            self.customer_with(country_id=self.fr.id, vat="FR40303265045"),
            "consent",
            "303265045",
        )
        self.assertRoute(
            self.customer_with(country_id=self.fr.id, company_registry="732829321"),
            "consent",
            "732829321",
        )
        self.assertRoute(
            self.customer_with(country_id=self.fr.id, zip="97600", city="Mamoudzou"),
            "consent",
            "97600 Mamoudzou",
        )

    def test_invoice_contacts_take_their_customer_route(self):
        customer = self.customer_with(
            country_id=self.fr.id, company_registry="73282932000074"
        )
        contact = self.Partner.create(
            {
                "name": "Service comptabilité",
                "type": "invoice",
                "parent_id": customer.id,
                "email": "compta@societe-generale-etudes.example",
            }
        )
        self.assertRoute(contact, "einvoicing")

    def test_route_set_by_hand_with_its_reason(self):
        association = self.customer_with(
            name="Association des Amis du Théâtre",
            country_id=self.fr.id,
            company_registry="73282932000074",
        )
        self.assertRoute(association, "einvoicing")
        association.with_user(self.manager).write(
            {
                "demat_route_forced": "consent",
                "demat_route_forced_reason": "association non assujettie à la TVA",
            }
        )
        self.assertRoute(association, "consent", "non assujettie")
        with self.assertRaises(ValidationError):
            association.with_user(self.manager).write(
                {"demat_route_forced": "chorus_pro", "demat_route_forced_reason": ""}
            )
        with self.assertRaises(AccessError):
            association.with_user(self.clerk).write({"demat_route_forced": False})
        contact = self.Partner.create(
            {"name": "Trésorier", "parent_id": association.id}
        )
        with self.assertRaises(ValidationError):
            contact.with_user(self.manager).write(
                {"demat_route_forced": "consent", "demat_route_forced_reason": "x"}
            )

    def test_the_route_set_by_hand_is_the_company_own(self):
        customer = self.customer_with(
            country_id=self.fr.id, company_registry="73282932000074"
        )
        customer.write(
            {
                "demat_route_forced": "chorus_pro",
                "demat_route_forced_reason": "établissement public",
            }
        )
        other = self.setup_other_company()["company"]
        self.assertRoute(customer, "chorus_pro")
        self.assertEqual(customer.with_company(other).demat_route, "einvoicing")

    def test_public_sector_behind_chorus_pro(self):
        if "peppol_eas" not in self.Partner._fields:
            self.skipTest("Peppol addresses need account_edi_ubl_cii")
        hospital = self.customer_with(
            name="Centre hospitalier de Cherbourg",
            country_id=self.fr.id,
            peppol_eas="0009",
            peppol_endpoint="11000201100044",
        )
        self.assertRoute(hospital, "chorus_pro", "Chorus Pro")


@tagged("post_install", "-at_install")
class TestEinvoicingProfile(DematCase):
    def test_the_date_follows_the_size_and_may_start_early(self):
        company = self.env.company
        company.country_id = self.env.ref("base.fr")
        self.assertEqual(company.demat_einvoicing_date, date(2027, 9, 1))
        for category, since in (
            ("ge", date(2026, 9, 1)),
            ("eti", date(2026, 9, 1)),
            ("pme", date(2027, 9, 1)),
            ("micro", date(2027, 9, 1)),
        ):
            company.demat_einvoicing_category = category
            self.assertEqual(company.demat_einvoicing_date, since)
        company.demat_einvoicing_date = date(2027, 1, 1)  # a micro starting early
        self.assertTrue(company._demat_einvoicing_obliged(date(2027, 1, 1)))
        self.assertFalse(company._demat_einvoicing_obliged(date(2026, 12, 31)))
        # never later than the law's date
        with self.assertRaises(ValidationError):
            company.demat_einvoicing_date = date(2027, 9, 2)
        company.demat_einvoicing_category = "ge"
        with self.assertRaises(ValidationError):
            company.demat_einvoicing_date = date(2027, 1, 1)

    def test_a_company_outside_the_zone_is_not_obliged(self):
        company = self.env.company
        company.country_id = self.env.ref("base.be")
        self.assertFalse(company.demat_einvoicing_date)
        self.assertFalse(company._demat_einvoicing_obliged(date(2030, 1, 1)))
        company.write({"country_id": self.env.ref("base.fr").id, "zip": "97300"})
        self.assertFalse(company.demat_einvoicing_date, "Guyane: e-reported")
        company.zip = "97200"
        self.assertEqual(company.demat_einvoicing_date, date(2027, 9, 1))

    def test_accounting_managers_set_it(self):
        manager = self.company_user("profil-manager", "account.group_account_manager")
        clerk = self.company_user("profil-clerk", "account.group_account_invoice")
        company = self.env.company
        company.country_id = self.env.ref("base.fr")
        Profile = self.env["facto.demat.einvoicing.profile"]
        profile = Profile.with_user(manager).create(
            {"demat_einvoicing_category": "eti", "demat_einvoicing_copy": False}
        )
        profile.demat_einvoicing_outside = True
        self.assertEqual(company.demat_einvoicing_date, date(2026, 9, 1))
        self.assertEqual(company.demat_einvoicing_channel, "outside")
        self.assertFalse(company.demat_einvoicing_copy)
        with self.assertRaises(AccessError):
            Profile.with_user(clerk).create({"demat_einvoicing_category": "micro"})
        with self.assertRaises(AccessError):
            company.with_user(manager).demat_einvoicing_category = "micro"
        self.assertEqual(company.demat_einvoicing_category, "eti")
        # another company, named by the client, stays out of reach
        other = self.env["res.company"].create({"name": "Filiale Ailleurs"})
        for values in ({"company_id": other.id}, {}):
            with self.assertRaises(AccessError):
                Profile.with_user(manager).with_context(
                    default_company_id=other.id
                ).create({**values, "demat_einvoicing_category": "ge"})
        self.assertFalse(other.demat_einvoicing_category)

    def test_administrators_set_it_in_the_settings(self):
        self.env.company.country_id = self.env.ref("base.fr")
        settings = self.env["res.config.settings"].create({})
        settings.demat_einvoicing_category = "ge"
        settings.execute()
        self.assertEqual(self.env.company.demat_einvoicing_date, date(2026, 9, 1))


@tagged("post_install", "-at_install")
class TestLetterByRoute(DematCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        fr, be = cls.env.ref("base.fr"), cls.env.ref("base.be")
        cls.env.company.write({"country_id": fr.id, "email": "compta@lambert.example"})
        values = {"is_company": True, "customer_rank": 1, "email": "a@b.example"}
        cls.business = cls.Partner.create(
            {
                **values,
                "name": "Menuiserie Gaël",
                "ref": "R1",
                "country_id": fr.id,
                "company_registry": "73282932000074",
            }
        )
        cls.foreign = cls.Partner.create(
            {**values, "name": "Brouwerij Sint-Jan", "ref": "R2", "country_id": be.id}
        )
        cls.consumer = cls.Partner.create(
            {**values, "name": "Zoé Hémon", "ref": "R3", "is_company": False}
        )
        cls.overseas = cls.Partner.create(
            {
                **values,
                "name": "Pêcheries de Kourou",
                "ref": "R4",
                "country_id": fr.id,
                "zip": "97310",
                "company_registry": "73282932000074",
            }
        )
        cls.public = cls.Partner.create(
            {
                **values,
                "name": "Mairie de Bréhal",
                "ref": "R5",
                "country_id": fr.id,
                "demat_route_forced": "chorus_pro",
                "demat_route_forced_reason": "collectivité territoriale",
            }
        )

    def wizard(self):
        return self.env["facto.demat.letter.wizard"].create(
            {"output": "email", "partner_code_from": "R1", "partner_code_to": "R5"}
        )

    def test_before_the_date_french_businesses_still_get_the_letter(self):
        self.env.company.demat_einvoicing_category = "pme"
        wizard = self.wizard()
        self.assertEqual(
            wizard._select_customers()[0],
            self.business | self.foreign | self.consumer | self.overseas,
        )
        self.assertIn("1 public-sector customer", wizard.reform_left_out)

    def test_from_the_date_only_consent_customers_get_it(self):
        self.env.company.demat_einvoicing_category = "eti"
        wizard = self.wizard()
        self.assertEqual(
            wizard._select_customers()[0], self.foreign | self.consumer | self.overseas
        )
        self.assertIn("1 French business", wizard.reform_left_out)
        self.assertIn("September 1, 2026", wizard.reform_left_out)
        self.assertIn("Chorus Pro", wizard.reform_left_out)

    def run_of(self, wizard):
        return self.env["facto.demat.letter.run"].browse(
            wizard.action_confirm()["res_id"]
        )

    def test_each_customer_gets_the_text_of_its_route_in_its_language(self):
        self.env.company.demat_einvoicing_category = "pme"
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["facto_demat"], ["fr_FR"])
        (self.business | self.consumer).lang = "fr_FR"
        wizard = self.wizard()
        self.assertIn("Consent letter: 3", wizard.text_summary)
        self.assertIn(
            "French businesses, before the e-invoicing date: 1", wizard.text_summary
        )
        run = self.run_of(wizard)
        texts = {line.partner_id: line.letter_text for line in run.line_ids}
        self.assertEqual(
            texts,
            {
                self.business: "business",
                self.foreign: "consent",
                self.consumer: "consent",
                self.overseas: "consent",
            },
        )
        subjects = {line.partner_id: line.mail_ids.subject for line in run.line_ids}
        self.assertEqual(
            subjects[self.business],
            "Vos factures : par email, puis par votre plateforme agréée",
        )
        self.assertEqual(
            subjects[self.consumer],
            "Vos factures vous seront désormais envoyées par email",
        )
        self.assertEqual(subjects[self.foreign], "Your invoices will now come by email")
        business_mail = run.line_ids.filtered(
            lambda line: line.partner_id == self.business
        ).mail_ids
        self.assertIn("1 septembre 2027", business_mail.body_html)
        self.assertIn("annuaire", business_mail.body_html)
        consumer_mail = run.line_ids.filtered(
            lambda line: line.partner_id == self.consumer
        ).mail_ids
        self.assertIn("ne change pas", consumer_mail.body_html)
        with self.mails_sent():
            run.line_ids.mail_ids.send()
        events = run.line_ids.event_id
        self.assertEqual(len(events), 4)
        self.assertEqual(
            {event.partner_id: event.letter_text for event in events}, texts
        )
        self.assertTrue(all(event.seal_version == 6 for event in events))
        self.assertTrue(self.business.demat_letter_sent, "a consent letter: sent")
        # which text was sent is sealed
        self.assertEqual(self.Event._find_chain_break(self.env.company), "")
        business_event = events.filtered(lambda e: e.partner_id == self.business)
        self.env.cr.execute(
            SQL(
                "UPDATE facto_demat_event SET letter_text = 'consent' WHERE id = %s",
                business_event.id,
            )
        )
        self.Event.invalidate_model()
        self.assertIn("was altered", self.Event._find_chain_break(self.env.company))

    def test_french_businesses_get_the_information_letter_from_its_own_run(self):
        self.env.company.demat_einvoicing_category = "eti"
        wizard = self.wizard()
        wizard.purpose = "information"
        self.assertEqual(wizard._select_customers()[0], self.business)
        self.assertIn(
            "4 customer(s) other than French businesses", wizard.reform_left_out
        )
        run = self.run_of(wizard)
        self.assertEqual(run.purpose, "information")
        self.assertEqual(run.line_ids.letter_text, "information")
        mail = run.line_ids.mail_ids
        self.assertEqual(
            mail.subject, "Your invoices now reach you through your approved platform"
        )
        self.assertIn("September 1, 2026", mail.body_html)
        self.assertNotIn("refuse", mail.body_html)
        with self.mails_sent():
            mail.send()
        self.assertEqual(run.line_ids.event_id.letter_text, "information")
        self.assertEqual(run.line_ids.event_id.event_type, "letter_emailed")
        self.assertFalse(
            self.business.demat_letter_sent, "no consent was asked: no letter sent"
        )
        again = self.wizard()
        again.purpose = "information"
        self.assertFalse(again._select_customers()[0], "already informed")
        again.include_already_sent = True
        self.assertEqual(again._select_customers()[0], self.business)
        # the consent run still leaves them out
        self.assertNotIn(self.business, self.wizard()._select_customers()[0])
        # a customer who refused documents by email is informed on paper
        self.business.demat_refused = True
        again.include_without_email = True
        self.assertEqual(again._select_customers(), (self.Partner, self.business))

    def test_no_information_letter_before_the_company_issues_e_invoices(self):
        self.env.company.demat_einvoicing_category = "pme"
        wizard = self.wizard()
        wizard.purpose = "information"
        with self.assertRaisesRegex(UserError, "only from September 1, 2027"):
            wizard.action_confirm()
        self.env.company.country_id = self.env.ref("base.be")  # no date at all
        with self.assertRaisesRegex(UserError, "no e-invoicing date"):
            wizard.action_confirm()

    def test_a_route_set_by_hand_decides_the_text(self):
        self.env.company.demat_einvoicing_category = "eti"
        self.business.write(
            {
                "demat_route_forced": "consent",
                "demat_route_forced_reason": "association sans activité taxable",
            }
        )
        wizard = self.wizard()
        self.assertIn(self.business, wizard._select_customers()[0])
        self.assertEqual(wizard._letter_texts(self.business)[self.business], "consent")

    def test_a_french_business_without_address_is_asked_for_one(self):
        self.env.company.demat_einvoicing_category = "pme"
        self.business.email = False
        wizard = self.wizard()
        wizard.write({"output": "print", "include_without_email": True})
        run = self.run_of(wizard)
        line = run.line_ids.filtered(lambda line: line.partner_id == self.business)
        self.assertEqual(line.letter_text, "consent")
        self.assertIn("no valid email address", line._letter()[1])
        self.assertTrue(line._asks_customer_data(), "its page asks for its SIREN")

    def test_each_text_used_is_checked(self):
        self.env.company.demat_einvoicing_category = "pme"
        wizard = self.wizard()
        wizard.business_body = "<p>Bonjour</p>"
        with self.assertRaisesRegex(
            UserError, "Text to French businesses.*placeholders"
        ):
            wizard.action_confirm()
        wizard.business_body = "<p> </p>"
        with self.assertRaisesRegex(UserError, "Text to French businesses.*is empty"):
            wizard.action_confirm()
        wizard.write({"business_body": "<p>%1</p>", "business_subject": " "})
        with self.assertRaisesRegex(UserError, "subject"):
            wizard.action_confirm()
        # a text nobody gets is not checked
        wizard.write({"partner_code_from": "R2", "partner_code_to": "R3"})
        self.assertTrue(wizard.action_confirm())
