import itertools

from odoo.tests import tagged
from odoo.tools import html2plaintext

from ..tools.odoo_versions import ODOO_19
from .common import OBLIGED, EinvoicingSendCase

ROUTES = ("einvoicing", "chorus_pro", "consent", "by_hand")
CONSENTS = ("refused", "accepted", "letter_sent", "nothing")
ROADS = ("single", "batch", "cron", "automatic")
COPY_SUBJECT = "Copy for information"


def expected_outcome(obliged, route, consent, method):
    """The decision table: what leaves for an invoice of a company obliged
    to e-invoice or not, to a customer of `route` in `consent`, when Odoo's
    e-invoicing can carry it or not: "einvoice", "einvoice_copy", "email",
    "paper" or "blocked"."""
    emailable = consent in ("accepted", "letter_sent")  # 30 days' notice
    einvoiced = route == "chorus_pro" or (route == "einvoicing" and obliged)
    if einvoiced:
        if not method:
            return "blocked"
        return "einvoice" if consent == "refused" else "einvoice_copy"
    if route == "einvoicing" and method:
        # before the date, Odoo's own default: 19.0 adds the e-invoice to the
        # email, 18.0 sends a customer found on the network by Peppol alone
        return "einvoice_copy" if ODOO_19 and emailable else "einvoice"
    return "email" if emailable else "paper"


@tagged("post_install", "-at_install")
class TestEinvoicingDecisionTable(EinvoicingSendCase):
    """Each cell of the decision table through each road an invoice is sent
    by: the single and the batch wizards, Odoo's sending cron, and the
    automatic sending (online payment, 19.0's `_generate_and_send`)."""

    def outcome(self, move, error):
        stop = move._demat_einvoicing_stop()
        if error:
            self.assertTrue(stop, error)
            self.assertIn(stop, error, "the wizard says why and what to do")
            self.assertFalse(move.is_move_sent)
            return "blocked"
        if not move.is_move_sent:
            self.assertIn(
                stop,
                html2plaintext(move.message_ids[:1].body),
                "the cron and the automatic sending say why in the chatter",
            )
            self.assertFalse(move.sending_data, "dropped from the queue")
            return "blocked"
        peppol = bool(move.peppol_message_uuid)
        emails = self.emails(move)
        copy = emails.filtered(lambda message: COPY_SUBJECT in (message.subject or ""))
        if peppol and move.demat_route_since and move._demat_einvoiced():
            self.assertEqual(copy, emails, "beside an e-invoice, a PDF is a copy")
        outcome = (
            ("einvoice_copy" if emails else "einvoice")
            if peppol
            else ("email" if emails else "paper")
        )
        self.assertEqual(move.demat_route_sent_as, outcome, "kept on the invoice")
        return outcome

    def check_cells(self, method, roads=ROADS):
        self.company.account_peppol_proxy_state = (
            "receiver" if method else "not_registered"
        )
        for obliged, route, consent in itertools.product(OBLIGED, ROUTES, CONSENTS):
            self.company.demat_einvoicing_date = OBLIGED[obliged]
            expected = expected_outcome(obliged, route, consent, method)
            for road in roads:
                with self.subTest(
                    obliged=obliged,
                    route=route,
                    consent=consent,
                    method=method,
                    road=road,
                ):
                    partner = self.customer_of(route, consent, on_network=method)
                    moves = self.invoice_of(partner)
                    if road == "batch":  # credit notes alike
                        moves |= self.invoice_of(partner, "out_refund")
                    error = self.send(road, moves)
                    for move in moves:
                        self.assertEqual(self.outcome(move, error), expected)
                        if expected != "blocked":
                            self.assertEqual(
                                move.demat_route,
                                "consent" if route == "by_hand" else route,
                            )

    def test_cells_with_odoo_einvoicing(self):
        self.check_cells(method=True)

    def test_cells_without_any_einvoicing_method(self):
        self.check_cells(method=False)

    def test_a_customer_not_found_on_the_network_is_blocked_with_why(self):
        self.company.demat_einvoicing_date = OBLIGED[True]
        partner = self.customer_of("einvoicing", "nothing", on_network=False)
        move = self.invoice_of(partner)
        error = self.send("single", move)
        self.assertIn("not found on the e-invoicing network", error)
        self.assertIn("SIREN 732829320", error)

    def test_a_platform_outside_odoo_carries_it(self):
        self.company.write(
            {
                "demat_einvoicing_date": OBLIGED[True],
                "demat_einvoicing_outside": True,
                "account_peppol_proxy_state": "not_registered",
            }
        )
        for consent, sent_as in (("refused", "outside"), ("nothing", "outside_copy")):
            with self.subTest(consent=consent):
                move = self.invoice_of(self.customer_of("einvoicing", consent, True))
                self.assertIsNone(self.send("single", move))
                self.assertEqual(move.demat_route_sent_as, sent_as)
                self.assertFalse(move.peppol_message_uuid)

    def test_an_einvoice_sent_may_be_sent_again_as_a_copy(self):
        self.company.demat_einvoicing_date = OBLIGED[True]
        move = self.invoice_of(self.customer_of("einvoicing", "accepted", True))
        self.assertIsNone(self.send("single", move))
        self.assertSentByPeppol(move)
        wizard = self.wizard(move)
        self.assertNotIn("facto_demat_einvoicing_stop", wizard.alerts or {})
        self.assertNotIn("facto_demat_einvoicing_unticked", wizard.alerts or {})
        self.assertEqual(set(wizard.sending_methods or []), {"email"})
        wizard.action_send_and_print()
        self.assertEqual(len(self.emails(move)), 2, "the copy, once more")
        self.assertEqual(move.demat_route_sent_as, "einvoice_copy")

    def test_no_copy_when_the_company_keeps_none(self):
        self.company.write(
            {"demat_einvoicing_date": OBLIGED[True], "demat_einvoicing_copy": False}
        )
        move = self.invoice_of(self.customer_of("einvoicing", "accepted", True))
        self.assertIsNone(self.send("single", move))
        self.assertEqual(move.demat_route_sent_as, "einvoice")
        self.assertFalse(self.emails(move))

    def test_the_wizard_says_when_the_rule_changes(self):
        move = self.invoice_of(self.customer_of("einvoicing", "accepted", True))
        alert = self.wizard(move).alerts["facto_demat_einvoicing_route"]
        self.assertIn("Until September 1, 2027", alert["message"])
        self.assertEqual(alert["level"], "info")

    def test_the_route_is_in_the_chatter(self):
        self.company.demat_einvoicing_date = OBLIGED[True]
        move = self.invoice_of(self.customer_of("einvoicing", "refused", True))
        self.send("single", move)
        note = move.message_ids.filtered(lambda m: "Invoicing route" in m.body)
        self.assertIn("SIREN 442293775", note.body)
        self.assertIn("Sent as: E-invoice", note.body)
        self.assertEqual(move.demat_route_siren, "442293775")
        self.assertEqual(move.demat_route_since, OBLIGED[True])
