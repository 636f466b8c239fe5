from odoo.tests import tagged
from odoo.tools.mail import email_split_tuples

from ..tools.email_address import SPACE, parse_addresses
from .common import DematCase

# (email field as typed, addresses documents go to, "address: fault" said)
ADDRESS_FIELDS = [
    ("compta@alpha.example.com", ["compta@alpha.example.com"], []),
    (
        "compta@alpha.example.com, direction@alpha.example.com",
        ["compta@alpha.example.com", "direction@alpha.example.com"],
        [],
    ),
    (
        "compta@alpha.example.com; direction@alpha.example.com",
        ["compta@alpha.example.com", "direction@alpha.example.com"],
        [],
    ),
    (
        "compta@alpha.example.com\ndirection@alpha.example.com\n",
        ["compta@alpha.example.com", "direction@alpha.example.com"],
        [],
    ),
    (
        "Jérôme Dûpont <jerome@delta.example.com>",
        ["jerome@delta.example.com"],
        [],
    ),
    ('"Dupont, Jean" <jean@x.example.com>', ["jean@x.example.com"], []),
    ("Dupont, Jean <jean@x.example.com>", ["jean@x.example.com"], []),
    ("M. Dupont <m.dupont@x.example.com>", ["m.dupont@x.example.com"], []),
    ("Société (siège) <siege@x.example.com>", ["siege@x.example.com"], []),
    ("  COMPTA@ALPHA.EXAMPLE.COM  ", ["compta@alpha.example.com"], []),
    (
        "Compta <compta@alpha.example.com>,\n"
        " Direction <DIRECTION@Alpha.Example.com> ;",
        ["compta@alpha.example.com", "direction@alpha.example.com"],
        [],
    ),
    ("<compta@alpha.example.com>", ["compta@alpha.example.com"], []),
    ("mailto:compta@alpha.example.com", ["compta@alpha.example.com"], []),
    ("contact@société.example", ["contact@société.example"], []),
    ("élodie@client.example.com", ["élodie@client.example.com"], []),
    ("compta@intranet", ["compta@intranet"], []),
    ("compta@192.168.0.1", [], ["compta@192.168.0.1: invalid domain"]),
    (
        "a@alpha.example.com b@beta.example.com",
        ["a@alpha.example.com", "b@beta.example.com"],
        [],
    ),
    (
        "compta@alpha.example.com, compta@alpha.example.com",
        ["compta@alpha.example.com"],
        [],
    ),
    ("compta@@eta.example.com", [], ["compta@@eta.example.com: two @"]),
    ("a@b@c.example.com", [], ["a@b@c.example.com: two @"]),
    ("compta@", [], ["compta@: domain missing"]),
    ("@eta.example.com", [], ["@eta.example.com: nothing before the @"]),
    ("compta eta.example.com", [], ["compta eta.example.com: no @"]),
    ("compta(at)eta.example.com", [], ["compta(at)eta.example.com: no @"]),
    ("compta.@eta.example.com", [], ["compta.@eta.example.com: a misplaced dot"]),
    ("compta@eta..example.com", [], ["compta@eta..example.com: a misplaced dot"]),
    ("compta@eta_example.com", [], ["compta@eta_example.com: invalid domain"]),
    ("compta@-eta.example.com", [], ["compta@-eta.example.com: invalid domain"]),
    (
        "compta@alpha.example.com, compta@@beta.example.com",
        ["compta@alpha.example.com"],
        ["compta@@beta.example.com: two @"],
    ),
    ("   ", [], []),
    (False, [], []),
]

# A blank where no blank may be is inside the address: a fault, never a
# display name and the rest of the address (`jean@exa` named `mple.com`).
BLANKS_INSIDE = [
    "jean@exa mple.com",
    "jean@example .com",
    "jean @example.com",
    "jean@ example.com",
    "je an@example.com",
    "jean@exa\tmple.com",
    "jean@exa\u00a0mple.com",
    "jean\u00a0@example.com",
]
# Valid forms with a display name: before the address, or an RFC comment
NAMED = [
    ("Jean Dupont jean@x.example.com", "Jean Dupont"),
    ('"Dupont, Jean" <jean@x.example.com>', "Dupont, Jean"),
    ("Dupont, Jean <jean@x.example.com>", "Dupont, Jean"),
    ("Jean Dupont <jean@x.example.com>", "Jean Dupont"),
    ("jean@x.example.com (Jean Dupont)", "Jean Dupont"),
    ("Compta jean@x.example.com", "Compta"),
    ("<jean@x.example.com>", ""),
]


@tagged("post_install", "-at_install")
class TestEmailAddresses(DematCase):
    """Address fields as they are typed in real customer files: what the
    customer's documents go to, and why an address is refused."""

    def test_address_fields_as_people_type_them(self):
        self.assertGreaterEqual(len(ADDRESS_FIELDS), 25)
        for value, emails, faults in ADDRESS_FIELDS:
            with self.subTest(value=value):
                self.customer.email = value
                self.assertEqual(
                    (self.customer.demat_email or "").split(", ") if emails else [],
                    emails,
                )
                self.assertEqual(
                    self.customer.demat_status, "allowed" if emails else "no_email"
                )
                self.assertEqual(self.customer.demat_allowed, bool(emails))
                self.assertEqual(
                    self.customer.demat_email_issue or "", "; ".join(faults)
                )

    def test_a_blank_inside_an_address_is_a_fault_never_a_name(self):
        for value in BLANKS_INSIDE:
            with self.subTest(value=value):
                (address,) = parse_addresses(value)
                self.assertEqual((address.email, address.fault), ("", SPACE))
                self.customer.email = value
                self.assertEqual(self.customer.demat_status, "no_email")
                self.assertEqual(
                    self.customer.demat_email_issue,
                    f"{value}: a space in the address",
                )
        for value, name in NAMED:
            with self.subTest(value=value):
                (address,) = parse_addresses(value)
                self.assertEqual(
                    (address.name, address.email, address.fault),
                    (name, "jean@x.example.com", ""),
                )

    def test_valid_fields_are_split_as_odoo_splits_them(self):
        # Whatever Odoo emails from a valid field, we judge the same addresses.
        for value, emails, faults in ADDRESS_FIELDS:
            if value and emails and not faults:
                with self.subTest(value=value):
                    odoo = [address for _name, address in email_split_tuples(value)]
                    self.assertEqual(
                        sorted({address.lower() for address in odoo}),
                        sorted(emails),
                    )

    def test_faults_are_said_in_french(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["facto_demat"], ["fr_FR"])
        self.customer.email = "compta@@eta.example.com, compta@"
        customer = self.customer.with_context(lang="fr_FR")
        customer.invalidate_recordset(["demat_email_issue"])
        self.assertEqual(
            customer.demat_email_issue,
            "compta@@eta.example.com : deux @; compta@ : domaine manquant",
        )

    def test_documents_go_to_odoo_invoice_address_or_the_customer(self):
        eta = self.Partner.create(
            {"name": "Eta SARL", "is_company": True, "email": "compta@@eta.example.com"}
        )
        invoicing = self.Partner.create(
            {
                "name": "Service factures",
                "type": "invoice",
                "parent_id": eta.id,
                "email": "factures@eta.example.com",
            }
        )
        self.assertEqual(eta.demat_recipient_id, invoicing)
        self.assertEqual(eta.demat_email, "factures@eta.example.com")
        self.assertIn("compta@@eta.example.com", eta.demat_email_issue)
        # the reverse: an invalid invoice contact leaves the customer's own
        invoicing.email = "factures@@eta.example.com"
        eta.email = "compta@eta.example.com"
        self.assertEqual(eta.demat_recipient_id, eta)
        self.assertEqual(eta.demat_email, "compta@eta.example.com")
        self.assertEqual(eta.demat_status, "allowed")
        invoicing.email = False
        eta.email = False
        self.assertEqual(eta.demat_status, "no_email")

    def test_odoo_never_emails_an_address_we_call_invalid(self):
        self.customer.email = "ok@zeta.example.com, a@b@zeta.example.com"
        move = self.init_invoice(
            "out_invoice", partner=self.customer, amounts=[10.0], post=True
        )
        document_mail, other_mail = self.env["mail.mail"].create(
            [
                {"body_html": "<p>x</p>", "recipient_ids": self.customer.ids, **link}
                for link in (
                    {"model": "account.move", "res_id": move.id},
                    {"model": "res.partner", "res_id": self.customer.id},
                )
            ]
        )
        self.assertEqual(
            [email["email_to"] for email in document_mail._prepare_outgoing_list()],
            [['"Boulangerie Martin" <ok@zeta.example.com>']],
        )
        # elsewhere, Odoo's own reading stays (it repairs the second address)
        self.assertEqual(len(other_mail._prepare_outgoing_list()[0]["email_to"]), 2)
