"""Every object button of the add-ons' views, pressed as the web client
presses it: through /web/dataset/call_button, as an invoicing manager and as
an invoicing clerk.

Calling the methods directly is not enough: the web client calls a list
header button with the selected ids, none at all when nothing is selected,
which a method decorated with ``@api.model`` does not survive."""

import json
import logging
from contextlib import closing
from typing import NamedTuple

from lxml import etree

from odoo.exceptions import RedirectWarning
from odoo.tests import HttpCase, tagged

from odoo.addons.mail_outbound_transport.tests.fake_servers import free_port

from ..tools.odoo_versions import NO_SUCCESS_EMAILS
from .common import SendCase, add_groups

_logger = logging.getLogger(__name__)

# The errors the web client shows as a message; anything else is a crash.
USER_FACING = {
    "odoo.exceptions.UserError",
    "odoo.exceptions.ValidationError",
    "odoo.exceptions.AccessError",
    "odoo.exceptions.RedirectWarning",
}


class Button(NamedTuple):
    model: str
    method: str
    # the innermost view around the button ("list", "form", "kanban"),
    # followed by " header" when the button is in that view's header
    place: str
    # a header button shown even when no record is selected
    always: bool = False

    @property
    def for_selection(self):
        """A list or kanban header button acts on the selected records."""
        return self.place in ("list header", "kanban header")


def object_buttons(arch):
    """The nodes of the buttons that call a method of the model."""
    return arch.xpath("//button[@type='object'][@name]")


def button_at(node, model, env):
    """The button of this node of `model`'s combined arch; in a view inside
    a field (a one2many list), the button calls the field's comodel."""
    place = None
    for ancestor in reversed(list(node.iterancestors())):
        if ancestor.tag == "field":
            model = env[model]._fields[ancestor.get("name")].comodel_name
        elif ancestor.tag in ("list", "form", "kanban"):
            place = ancestor.tag
        elif ancestor.tag == "header" and place:
            place = f"{place} header"
    return Button(model, node.get("name"), place, node.get("display") == "always")


class RedirectWarningAsWarning(logging.Filter):
    """Odoo logs a RedirectWarning that ends a request at ERROR, as a crash,
    though the web client shows it as a message with a button: log it at
    WARNING, as a UserError is."""

    def filter(self, record):
        if record.exc_info and isinstance(record.exc_info[1], RedirectWarning):
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


@tagged("post_install", "-at_install")
class TestButtons(SendCase, HttpCase):
    """Each button answers with an action or a message, never with a crash."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # An invoicing manager as Odoo makes users, with Contact Creation
        # (base.default_user), and who looks after the mail servers.
        add_groups(cls.manager, "base.group_partner_manager", "base.group_system")
        # An invoicing clerk with the fewest rights, not even on contacts.
        cls.clerk = cls.company_user("commis-compta", "account.group_account_invoice")
        cls.env.company.email = "factures@lambert.example"
        cls.buttons = sorted(cls.addon_view_buttons() | cls.wizard_buttons())

    @classmethod
    def addons(cls):
        """The add-ons of this repository installed here."""
        return (
            cls.env["ir.module.module"]
            .sudo()
            .search(
                [
                    "|",
                    ("name", "=like", "facto_demat%"),
                    ("name", "=", "mail_outbound_transport"),
                    ("state", "=", "installed"),
                ]
            )
        )

    @classmethod
    def addon_view_buttons(cls):
        """The object buttons the add-ons' views add, each where it ends up
        in the view it makes or extends."""
        modules = cls.addons()
        view_ids = (
            cls.env["ir.model.data"]
            .sudo()
            .search(
                [("model", "=", "ir.ui.view"), ("module", "in", modules.mapped("name"))]
            )
            .mapped("res_id")
        )
        buttons = set()
        for view in cls.env["ir.ui.view"].sudo().search([("id", "in", view_ids)]):
            arch = etree.fromstring(view.arch_db)
            names = {node.get("name") for node in object_buttons(arch)}
            if names:
                buttons |= cls.buttons_of(view, names)
        return buttons

    @classmethod
    def wizard_buttons(cls):
        """The object buttons of the wizards the add-ons make or extend (in
        their `wizards` packages), in the form the web client opens."""
        packages = tuple(
            f"odoo.addons.{addon}.wizards." for addon in cls.addons().mapped("name")
        )
        Views = cls.env["ir.ui.view"].sudo()
        buttons = set()
        for name, model in cls.env.registry.items():
            if model._transient and any(
                class_.__module__.startswith(packages) for class_ in model.__mro__
            ):
                view = Views.browse(Views.default_view(name, "form"))
                buttons |= cls.buttons_of(view) if view else set()
        return buttons

    @classmethod
    def buttons_of(cls, view, names=None):
        """The object buttons of `view` (those called `names`) in the arch
        the web client gets: its root view's, with all the extensions."""
        return {
            button_at(node, view.model, cls.env)
            for node in object_buttons(view._get_combined_arch())
            if names is None or node.get("name") in names
        }

    def setUp(self):
        super().setUp()
        http_logger = logging.getLogger("odoo.http")
        redirect_warnings = RedirectWarningAsWarning()
        http_logger.addFilter(redirect_warnings)
        self.addCleanup(http_logger.removeFilter, redirect_warnings)

    # Records to press the buttons on, as a user finds them

    def make_records(self):
        """{model: records} to press record buttons on, one at a time, and
        to select for list header buttons."""
        invoices = self.invoice(self.customer) | self.invoice(self.refused)
        runs = self.make_letter_run() | self.make_print_run()
        # data a customer gave, as the answer page records them
        given = self.env["facto.demat.customer.data"]._give(
            runs.line_ids[:1],
            {"siret": "73282932000074"},
            {"ip_address": "192.0.2.1", "user_agent": "Firefox"},
        )
        Board = self.env["facto.demat.route.board"]
        for user in (self.clerk, self.manager):
            Board.with_user(user).action_open()
        return {
            "facto.demat.customer.data": given,
            "facto.demat.route.board": Board.search([]),
            "res.partner": self.customer | self.refused,
            "facto.demat.event": self.Event.search(
                [("company_id", "=", self.env.company.id)]
            ),
            "facto.demat.document.type": self.document_type("invoice"),
            "facto.demat.letter.run": runs,
            "facto.demat.letter.run.line": runs.line_ids,
            "ir.mail_server": self.make_mail_server(),
            "account.move": invoices,
        }

    def make_letter_run(self):
        """A letter run made through the letter wizard, whose email failed,
        after the customer asked from it for another address."""
        action = (
            self.env["facto.demat.letter.wizard"]
            .with_context(active_model="res.partner", active_ids=self.customer.ids)
            .create({"output": "email"})
            .action_confirm()
        )
        run = self.env["facto.demat.letter.run"].browse(action["res_id"])
        # as the answer page does, as superuser
        run.line_ids.sudo()._apply_customer_answer(
            "address",
            {"ip_address": "192.0.2.1", "user_agent": "Firefox"},
            "compta@boulangerie-martin.example",
        )
        mails = run.line_ids.mail_ids.sudo()
        mails.write({"state": "exception", "failure_reason": "Mailbox full"})
        mails._postprocess_sent_message(
            success_pids=[],
            failure_reason="Mailbox full",
            failure_type="mail_smtp",
            **NO_SUCCESS_EMAILS,
        )
        self.assertEqual(run.failed_count, 1)
        return run

    def make_print_run(self):
        """A letter run printed through the letter wizard."""
        customer = self.env["res.partner"].create(
            {
                "name": "Scierie Roux",
                "ref": "B0001",
                "email": "compta@scierie-roux.example",
                "customer_rank": 1,
                "is_company": True,
            }
        )
        action = (
            self.env["facto.demat.letter.wizard"]
            .with_context(active_model="res.partner", active_ids=customer.ids)
            .create({"output": "print"})
            .action_confirm()
        )
        return self.env["facto.demat.letter.run"].browse(action["res_id"])

    def make_mail_server(self):
        """A mail server where nothing listens, so that any connection to it
        fails at once, with an email waiting for it and one it refused."""
        server = self.env["ir.mail_server"].create(
            {"name": "Relais", "smtp_host": "127.0.0.1", "smtp_port": free_port()}
        )
        for state in ("outgoing", "exception"):
            mail = self.env["mail.mail"].create(
                {
                    "subject": f"Avis {state}",
                    "body_html": "<p>Avis</p>",
                    "email_to": self.customer.email,
                    "state": state,
                }
            )
            mail.write(
                {"mail_transport_server_id": server.id, "failure_reason": "Busy"}
            )
        return server

    def make_wizard(self, model, user, records):
        """The wizard `user` opens, with the context of the action opening
        it, as the web client creates it before calling its button."""
        invoices = records["account.move"]
        customer = records["res.partner"][:1]
        context, values = {
            "facto.demat.letter.wizard": (
                {"active_model": "res.partner", "active_ids": customer.ids},
                {"output": "email", "include_already_sent": True},
            ),
            "account.move.send.wizard": (
                {"active_model": "account.move", "active_ids": invoices[:1].ids},
                {},
            ),
            "account.move.send.batch.wizard": (
                {"active_model": "account.move", "active_ids": invoices.ids},
                {},
            ),
            "facto.demat.anchor.check": (
                {},
                {
                    "anchor_text": f"FACTO-DEMAT-ANCHOR company={user.company_id.id} "
                    "events=0 seal= at=2026-12-01 08:00:00Z anchor-seal=0"
                },
            ),
            "facto.demat.reply.address": (
                {"default_partner_id": customer.id},
                {"email": "compta@boulangerie-martin.example"},
            ),
            "facto.demat.einvoicing.profile": ({}, {"demat_einvoicing_copy": True}),
            "res.config.settings": ({}, {}),
            "mail.compose.message": (
                {
                    "default_composition_mode": "mass_mail",
                    "default_model": "account.move",
                    "default_res_ids": invoices.ids,
                },
                {"subject": "Your invoice", "body": "<p>Here it is</p>"},
            ),
        }[model]
        wizard = self.env[model].with_user(user).with_context(**context).create(values)
        return wizard, context

    # Pressing

    def presses(self, button, user, records):
        """(ids, context) of each press of `button` as the web client makes
        it: a header button on the selected records, and on none if it is
        shown without a selection; any other on each record in turn."""
        if self.env[button.model]._transient:
            if not self.env[button.model].with_user(user).has_access("create"):
                return []  # the menu opening it is not shown to this user
            wizard, context = self.make_wizard(button.model, user, records)
            return [([wizard.id], context)]
        self.assertIn(button.model, records, "no records to press it on")
        if not button.for_selection:
            return [([record_id], {}) for record_id in records[button.model].ids]
        selections = (
            [records[button.model].ids] if button.place == "list header" else []
        )
        if button.always:
            selections.insert(0, [])
        context = {"active_model": button.model, "active_domain": []}
        return [(ids, {**context, "active_ids": ids}) for ids in selections]

    def press(self, button, ids, user, context):
        """Call `button` on `ids` as the web client does; return the JSON-RPC
        error, if any."""
        context = {
            "lang": user.lang,
            "tz": user.tz,
            "uid": user.id,
            "allowed_company_ids": self.env.company.ids,
            **context,
        }
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 0,
            "params": {
                "model": button.model,
                "method": button.method,
                "args": [ids],
                "kwargs": {"context": context},
            },
        }
        response = self.url_open(
            f"/web/dataset/call_button/{button.model}/{button.method}",
            data=json.dumps(payload),
            headers={"Content-Type": "application/json"},
        )
        response.raise_for_status()
        return response.json().get("error")

    def press_every_button(self, user):
        """Press each button as `user`, each press on the records as they
        were before any: what a press changes is undone after it."""
        records = self.make_records()
        # new_test_user gives a login of 8 characters or more as password
        self.authenticate(user.login, user.login)
        count = 0
        for button in self.buttons:
            with self.subTest(
                model=button.model, button=button.method, user=user.login
            ):
                for ids, context in self.presses(button, user, records):
                    with self.subTest(args=[ids]), closing(self.env.cr.savepoint()):
                        error = self.press(button, ids, user, context)
                        count += 1
                        self.check_answer(button, ids, user, error)
        _logger.info(
            "%s pressed %s buttons of %s models (%s presses)",
            user.login,
            len({(button.model, button.method) for button in self.buttons}),
            len({button.model for button in self.buttons}),
            count,
        )

    def check_answer(self, button, ids, user, error):
        """An action, or a message the web client shows: not a crash."""
        call = f"{button.model}.{button.method}([{ids}])"
        if not error:
            _logger.info("%s as %s: done", call, user.login)
            return
        name, message = error["data"]["name"], error["data"]["message"]
        _logger.info("%s as %s: %s: %s", call, user.login, name, message)
        if name not in USER_FACING:
            trace = error["data"]["debug"].strip().splitlines()[-6:]
            self.fail(
                f"{call} as {user.login} crashed: {name}: {message}\n"
                + "\n".join(trace)
            )

    # Tests

    def test_buttons_are_found(self):
        """The buttons are found where they are, so that the tests below
        cannot pass by pressing nothing."""
        customer_form = (
            "action_view_demat_events",
            "action_demat_apply_requested_email",
            "action_demat_record_refusal",
            "action_demat_withdraw_refusal",
            "action_demat_record_acceptance",
            "action_demat_withdraw_acceptance",
            "action_demat_refuse_from_reply",
            "action_demat_reply_address",
        )
        self.assertLessEqual(
            {
                Button(
                    "facto.demat.event", "action_verify_integrity", "list header", True
                ),
                Button("facto.demat.document.type", "action_edit_email", "list"),
                Button("facto.demat.letter.run", "action_retry_failed", "form header"),
                Button("facto.demat.letter.run", "action_view_lines", "form"),
                Button("facto.demat.letter.run", "action_download_pdf", "form header"),
                Button("facto.demat.letter.run.line", "action_download_letter", "list"),
                Button("facto.demat.event", "action_download_letter", "form header"),
                Button("ir.mail_server", "action_view_refused_mails", "form"),
                Button("facto.demat.letter.wizard", "action_confirm", "form"),
                Button("facto.demat.reply.address", "action_apply", "form"),
                Button(
                    "account.move.send.batch.wizard", "action_send_and_print", "form"
                ),
                *(Button("res.partner", method, "form") for method in customer_form),
            },
            set(self.buttons),
        )

    def test_buttons_as_invoicing_manager(self):
        self.press_every_button(self.manager)

    def test_buttons_as_invoicing_clerk(self):
        self.press_every_button(self.clerk)
