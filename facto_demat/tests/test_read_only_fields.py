import html
import logging

from odoo import fields
from odoo.models import MAGIC_COLUMNS
from odoo.tests import new_test_user, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger
from odoo.tools.rendering_tools import parse_inline_template

from ..tools.odoo_versions import ODOO_19
from ..tools.process_fields import ADDONS
from .common import HOSTILE, RpcCase, add_groups

_logger = logging.getLogger(__name__)

# What a refused write answers over RPC: access rights, record rules and the
# add-ons' read-only fields (AccessError), evidence that is never modified
# (UserError)
REFUSALS = ("odoo.exceptions.AccessError", "odoo.exceptions.UserError")
# Template syntax, harmless and not, in texts users who are not template
# editors write
PAYLOADS = (
    "{{ 7*7 }}",
    "{{ object.env.ref('base.user_admin').partner_id.name }}",
    "{{ object.sudo().write({'ref': 'pris'}) }}",
)


@tagged("post_install", "-at_install")
class TestReadOnlyFieldsOverRpc(RpcCase):
    """Every field the add-ons show read-only, on their models and on the
    fields they add to Odoo's, is refused to every user over RPC."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        company.email = "factures@lambert.example"
        # users as Odoo makes them, with Contact Creation: the read-only
        # fields, not the access rights, stop them on customers
        add_groups(cls.manager, "base.group_partner_manager")
        cls.clerk = cls.company_user(
            "commis-compta",
            "account.group_account_invoice,base.group_partner_manager",
        )
        cls.other_company = cls.env["res.company"].create({"name": "Ailleurs SAS"})
        cls.outsider = new_test_user(
            cls.env,
            login="chef-ailleurs",
            groups="account.group_account_manager,base.group_partner_manager",
            company_id=cls.other_company.id,
            company_ids=cls.other_company.ids,
        )
        cls.portal = new_test_user(
            cls.env, login="client-portail", groups="base.group_portal"
        )
        cls.roles = (cls.clerk, cls.manager, cls.outsider, cls.portal)

    @classmethod
    def own_models(cls):
        """{model name: names of the fields the add-ons declare on it}, but
        Odoo's log fields (`create_date`, …) of the add-ons' own models."""
        models = {}
        for name, model_class in cls.env.registry.items():
            if model_class._abstract:
                continue
            ours = {
                field_name
                for field_name, field in model_class._fields.items()
                if (field._module or "").startswith(ADDONS)
                and field_name not in MAGIC_COLUMNS
            }
            if ours:
                models[name] = ours
        return models

    @classmethod
    def read_only_fields(cls):
        """{model name: the add-ons' fields a write would store (stored or
        related) that are read-only, in the model or in one of its views}."""
        found = {}
        for name, ours in cls.own_models().items():
            model = cls.env[name]
            read_only = {
                field_name
                for field_name in ours
                if model._fields[field_name].readonly
                and (
                    model._fields[field_name].store or model._fields[field_name].related
                )
            }
            read_only |= cls.read_only_in_views(model) & ours
            if read_only:
                found[name] = read_only
        return found

    @classmethod
    def read_only_in_views(cls, model):
        """The fields the model's form and list views show read-only, always
        or under a condition."""
        names = set()
        Views = cls.env["ir.ui.view"].sudo()
        for view_type in ("form", "list"):
            view_id = Views.default_view(model._name, view_type)
            if not view_id:
                continue
            for node in Views.browse(view_id)._get_combined_arch().iter("field"):
                if node.get("readonly", "0") not in ("0", "False", "false"):
                    names.add(node.get("name"))
        return names

    def make_records(self):
        """{model name: a record of the test company} for the models the
        walk finds: a customer who was sent a letter, its letter run and
        evidence, a document type, a mail server, an invoice, the e-invoicing
        profile and settings."""
        customer = self.customer
        wizard = (
            self.env["facto.demat.letter.wizard"]
            .with_user(self.clerk)
            .create(
                {
                    "partner_ids": customer.ids,
                    "output": "email",
                    "include_already_sent": True,
                }
            )
        )
        wizard.action_confirm()
        self.env["facto.demat.reply.address"].with_user(self.clerk).with_context(
            default_partner_id=customer.id
        ).create({})
        self.env["facto.demat.event"].action_verify_integrity()
        self.env["ir.mail_server"].create(
            {"name": "Relais", "smtp_host": "127.0.0.1", "smtp_port": 2525}
        )
        # what the mail server took, recorded as the relay answers
        self.env["mail.transport.acceptance"].sudo().create(
            {"mail_id": wizard.id, "addresses": customer.email}
        )
        # what a customer gave on the answer page, and the board's rows
        self.env["facto.demat.customer.data"].sudo().create(
            {
                "company_id": self.env.company.id,
                "partner_id": customer.id,
                "siret": "73282932000074",
            }
        )
        self.env["facto.demat.route.board"].sudo().create(
            {
                "company_id": self.env.company.id,
                "user_id": self.env.uid,
                "partner_id": customer.id,
                "route": "consent",
            }
        )
        records = {
            "res.partner": customer,
            "account.move": self.invoice(customer),
            "facto.demat.einvoicing.profile": self.env["facto.demat.einvoicing.profile"]
            .with_user(self.manager)
            .create({}),
            "res.config.settings": self.env["res.config.settings"].create({}),
        }
        for name in self.read_only_fields():
            if name in records:
                continue
            Model = self.env[name].sudo().with_context(active_test=False)
            domain = (
                [("company_id", "=", self.env.company.id)]
                if "company_id" in Model._fields and Model._fields["company_id"].store
                else []
            )
            records[name] = Model.search(domain, limit=1, order="id desc")
        return records

    def forged_value(self, record, field):
        """A value of `field` other than `record`'s, as the web client
        would send it."""
        value = record[field.name]
        kind = field.type
        if kind == "boolean":
            return not value
        if kind in ("char", "text"):
            return "pirate@ailleurs.example"
        if kind == "html":
            return "<p>forged</p>"
        if kind in ("integer", "float", "monetary"):
            return (value or 0) + 7
        if kind == "date":
            return "2031-01-01"
        if kind == "datetime":
            return "2031-01-01 00:00:00"
        if kind == "selection":
            values = [key for key, _label in field._description_selection(self.env)]
            return next(key for key in values if key != value)
        if kind == "binary":
            return "Zm9yZ2Vk"
        Comodel = self.env[field.comodel_name].sudo().with_context(active_test=False)
        other = Comodel.search([("id", "not in", value.ids)], limit=1, order="id")
        if field.comodel_name == "mail.template":
            other = Comodel.search([("model", "=", "res.users")], limit=1)
        if field.comodel_name == "res.company":
            other = self.other_company
        if kind == "many2one":
            return other.id
        return [fields.Command.set(other.ids)]

    @mute_logger("odoo.http")
    def test_each_read_only_field_is_refused_to_each_role(self):
        read_only = self.read_only_fields()
        # what the issue names, so that the walk cannot miss them silently
        for name, field_names in {
            "facto.demat.document.type": {"kind", "company_id", "mail_template_id"},
            "res.partner": {"demat_refused", "demat_accepted", "demat_letter_sent"},
            "facto.demat.letter.run": {"company_id", "body"},
        }.items():
            self.assertLessEqual(field_names, read_only.get(name, set()))
        records = self.make_records()
        tries = 0
        for name, field_names in sorted(read_only.items()):
            record = records[name]
            self.assertTrue(record, f"no {name} to write on")
            for field_name in sorted(field_names):
                field = record._fields[field_name]
                before = field.convert_to_read(
                    record[field_name], record, use_display_name=False
                )
                value = self.forged_value(record, field)
                for user in self.roles:
                    with self.subTest(model=name, field=field_name, user=user.login):
                        with self.assertRaises(JsonRpcException) as refusal:
                            self.call_kw(
                                user, name, "write", [record.ids, {field_name: value}]
                            )
                        self.assertIn(refusal.exception.args[0], REFUSALS)
                        record.invalidate_recordset()
                        self.assertEqual(
                            field.convert_to_read(
                                record[field_name], record, use_display_name=False
                            ),
                            before,
                        )
                        tries += 1
        _logger.info(
            "%s read-only fields of %s models refused (%s writes): %s",
            sum(len(names) for names in read_only.values()),
            len(read_only),
            tries,
            ", ".join(sorted(read_only)),
        )

    @mute_logger("odoo.http")
    def test_what_the_process_makes_is_not_made_over_rpc(self):
        invoice_type = self.document_type("invoice")
        tries = [
            (
                "facto.demat.document.type",
                "create",
                [{"kind": "invoice", "company_id": self.other_company.id}],
                {},
            ),
            (
                "facto.demat.document.type",
                "copy",
                [invoice_type.ids, {"company_id": self.other_company.id}],
                {},
            ),
        ]
        # Odoo 18's account_peppol overrides res.partner's create without
        # @api.model_create_multi: create over RPC then fails for everyone
        # (the values are taken for ids). The web client's road, web_save,
        # reaches the same create.
        rpc_create = getattr(type(self.env["res.partner"]).create, "_api", None)
        for vals in (
            {"name": "Faux refus", "demat_refused": True},
            {"name": "Fausse lettre", "demat_letter_sent": True},
        ):
            tries.append(("res.partner", "web_save", [[], vals], {"specification": {}}))
            if rpc_create:
                tries.append(("res.partner", "create", [vals], {}))
        for model, method, args, kwargs in tries:
            with self.subTest(model=model, method=method, args=args):
                with self.assertRaises(JsonRpcException) as refusal:
                    self.call_kw(self.manager, model, method, args, **kwargs)
                self.assertEqual(
                    refusal.exception.args[0], "odoo.exceptions.AccessError"
                )
        self.assertFalse(
            self.DocumentType.search([("company_id", "=", self.other_company.id)])
        )
        self.assertFalse(
            self.env["res.partner"].search(
                [("name", "in", ("Faux refus", "Fausse lettre"))]
            )
        )
        # the process still records consent and makes the company's lines
        self.call_button(
            self.clerk, "res.partner", "action_demat_record_refusal", self.customer.ids
        )
        self.assertTrue(self.customer.demat_refused)
        self.call_kw(
            self.outsider, "facto.demat.document.type", "action_open_document_types", []
        )
        self.assertEqual(
            len(self.DocumentType.search([("company_id", "=", self.other_company.id)])),
            len(self.DocumentType._default_template_xmlids()),
        )

    def test_merged_customers_keep_their_consent(self):
        duplicate = self.env["res.partner"].create(
            {"name": "Boulangerie Martin (doublon)", "demat_refused": True}
        )
        add_groups(self.manager, "base.group_system")
        wizard = (
            self.env["base.partner.merge.automatic.wizard"]
            .with_user(self.manager)
            .create(
                {
                    "partner_ids": [
                        fields.Command.set((self.customer | duplicate).ids)
                    ],
                    "dst_partner_id": self.customer.id,
                }
            )
        )
        self.call_button(self.manager, wizard._name, "action_merge", wizard.ids)
        self.assertFalse(duplicate.exists())
        self.assertTrue(self.customer.demat_refused)


@tagged("post_install", "-at_install")
class TestTranslatedTextsAreSanitised(RpcCase):
    """The translation dialog stores each language's HTML sanitised: the
    company's letter texts (from the settings too) and the email texts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.admin = cls.company_user(
            "admin-lambert",
            "base.group_system,account.group_account_manager",
        )

    def assertInert(self, record, field_name):
        for lang in ("en_US", "fr_FR"):
            text = str(record.with_context(lang=lang)[field_name])
            with self.subTest(field=field_name, lang=lang):
                self.assertIn("Bonjour", text)
                for trace in ("onerror", "<script", "<iframe", "<form", "fetch("):
                    self.assertNotIn(trace, text)

    def test_translations_are_sanitised_on_every_model(self):
        company = self.env.company
        translations = {"en_US": HOSTILE, "fr_FR": HOSTILE}
        document_type = self.document_type("invoice")
        self.call_kw(
            self.manager,
            document_type._name,
            "update_field_translations",
            [document_type.ids, "mail_body", translations],
        )
        for field_name in ("demat_letter_body", "demat_letter_body_no_email"):
            self.call_kw(
                self.admin,
                "res.company",
                "update_field_translations",
                [company.ids, field_name, translations],
            )
        self.env.invalidate_all()
        self.assertInert(document_type, "mail_body")
        for field_name in ("demat_letter_body", "demat_letter_body_no_email"):
            self.assertInert(company, field_name)

    def test_settings_translation_dialog_is_sanitised(self):
        settings_id = self.call_kw(self.admin, "res.config.settings", "create", [{}])
        self.call_kw(
            self.admin,
            "res.config.settings",
            "update_field_translations",
            [[settings_id], "demat_letter_body", {"fr_FR": HOSTILE}],
        )
        self.env.invalidate_all()
        text = str(self.env.company.with_context(lang="fr_FR").demat_letter_body)
        self.assertIn("Bonjour", text)
        self.assertNotIn("onerror", text)
        self.assertNotIn("<script", text)


@tagged("post_install", "-at_install")
class TestTextsNeverBecomeTemplates(RpcCase):
    """Template syntax written by an invoicing manager in a document type's
    text, or carried by a customer's name, stays text: in the email, and
    after an administrator saves the composer's text as a template."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.company_user(
            "admin-lambert",
            "base.group_system,account.group_account_manager,"
            "mail.group_mail_template_editor,base.group_partner_manager",
        )
        cls.env.company.email = "factures@lambert.example"
        payloads = " ".join(PAYLOADS)
        cls.customer.name = f"Client {payloads}"
        cls.invoice_type = cls.DocumentType.search(
            [("company_id", "=", cls.env.company.id), ("kind", "=", "invoice")]
        )
        cls.invoice_type.with_user(cls.manager).write(
            {
                "mail_subject": f"%3 - Facture %2 {payloads} %1",
                "mail_body": f"<p>Bonjour %1,</p><p>{payloads}</p>",
            }
        )
        cls.move = cls.init_invoice(
            "out_invoice", partner=cls.customer, amounts=[100.0], post=True
        )

    def assertInertSource(self, template):
        """A template whose source runs nothing: no inline expression in its
        subject, no QWeb directive in its body (whose text QWeb leaves as it
        is, braces included: Odoo's sanitiser turned their entities back
        into braces)."""
        self.assertFalse(
            [part for part in parse_inline_template(template.subject) if part[1]],
            template.subject,
        )
        for directive in ("<t ", "t-out", "t-esc", "t-att"):
            self.assertNotIn(directive, str(template.body_html))

    def assertNothingRan(self, *texts):
        admin_name = self.env.ref("base.user_admin").partner_id.name
        for text in texts:
            self.assertNotIn(admin_name, html.unescape(str(text)))
        self.assertNotEqual(self.move.ref, "pris")

    def assertReadsAsWritten(self, subject, body):
        """Each payload, in the subject and in the body, twice (the text and
        the customer's name), reads as written."""
        subject = subject.replace("\N{NARROW NO-BREAK SPACE}", "")
        body = html.unescape(str(body))
        for payload in PAYLOADS:
            self.assertEqual(subject.count(payload), 2, subject)
            self.assertEqual(body.count(payload), 2, body)

    def save_as_template(self):
        """The composer's rendered text saved as a template by the
        administrator, pressing the buttons: 19.0's send wizard, 18.0's
        composer (whose send wizard has no such button)."""
        if ODOO_19:
            model = "account.move.send.wizard"
            # as the web client saves it, with what its onchange computed
            values = {"move_id": self.move.id, "model": "account.move"}
        else:
            model = "mail.compose.message"
            values = {
                "composition_mode": "comment",
                "model": "account.move",
                "res_ids": str(self.move.ids),
                "template_id": self.invoice_type.mail_template_id.id,
            }
        context = {"active_model": "account.move", "active_ids": self.move.ids}
        wizard_id = self.call_kw(self.admin, model, "create", [values], context)
        wizard = self.env[model].sudo().browse(wizard_id)  # the admin's
        self.assertReadsAsWritten(wizard.subject, wizard.body)
        for method in ("open_template_creation_wizard", "create_mail_template"):
            if method == "create_mail_template":  # the name typed in the dialog
                self.call_kw(
                    self.admin,
                    model,
                    "write",
                    [[wizard_id], {"template_name": "Mon modèle"}],
                    context,
                )
            self.call_button(self.admin, model, method, [wizard_id], context)
        template = self.env["mail.template"].search([("name", "=", "Mon modèle")])
        self.assertEqual(len(template), 1)
        return template

    def send_with(self, template):
        """The invoice sent by the invoicing manager with `template`."""
        if ODOO_19:
            model = "account.move.send.wizard"
            values = {
                "move_id": self.move.id,
                "model": "account.move",
                "template_id": template.id,
            }
            method = "action_send_and_print"
        else:
            model = "mail.compose.message"
            values = {
                "composition_mode": "comment",
                "model": "account.move",
                "res_ids": str(self.move.ids),
                "template_id": template.id,
            }
            method = "action_send_mail"
        context = {"active_model": "account.move", "active_ids": self.move.ids}
        wizard_id = self.call_kw(self.manager, model, "create", [values], context)
        self.call_button(self.manager, model, method, [wizard_id], context)
        return self.emails(self.move)[:1]

    def test_saved_template_sends_the_braces_as_text(self):
        template = self.save_as_template()
        self.assertInertSource(template)
        message = self.send_with(template)
        self.assertTrue(message)
        self.assertReadsAsWritten(message.subject, message.body)
        self.assertNothingRan(message.subject, message.body)
