import io

import pikepdf

from odoo.tests import new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class DematCase(AccountTestInvoicingCommon):
    """Customers in each consent situation, on the test company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Partner = cls.env["res.partner"]
        cls.Event = cls.env["facto.demat.event"]
        cls.customer = cls.Partner.create(
            {
                "name": "Boulangerie Martin",
                "is_company": True,
                "ref": "C0001",
                "email": "contact@boulangerie-martin.example",
            }
        )

    def flush_tracking(self):
        """Run pending tracking; records created in this transaction are not
        tracked until then."""
        self.env.flush_all()
        self.cr.flush()

    def events_of(self, partner):
        return self.Event.search([("partner_id", "=", partner.id)], order="sequence")


class SendCase(DematCase):
    """A customer in each situation that forbids email, and tools to send
    them documents the ways Odoo does."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.refused = cls.Partner.create(
            {"name": "Refuse SARL", "email": "non@refus.example", "demat_refused": True}
        )
        cls.no_address = cls.Partner.create({"name": "Sans adresse"})
        cls.invalid = cls.Partner.create(
            {"name": "Mauvaise adresse", "email": "compta@@mauvaise.example"}
        )
        cls.manager = new_test_user(
            cls.env,
            login="chef-compta",
            groups="account.group_account_manager",
            company_id=cls.env.company.id,
            company_ids=cls.env.company.ids,
        )
        cls.DocumentType = cls.env["facto.demat.document.type"]
        cls.DocumentType.with_user(cls.manager).action_open_document_types()

    def document_type(self, kind):
        return self.DocumentType.search(
            [("company_id", "=", self.env.company.id), ("kind", "=", kind)]
        )

    def customise(self, kind, subject, lang="en_US"):
        """Have the invoicing manager set this type's email subject."""
        document_type = self.document_type(kind).with_user(self.manager)
        action = document_type.action_edit_email()
        template = (
            self.env["mail.template"].with_user(self.manager).browse(action["res_id"])
        )
        template.with_context(lang=lang).subject = subject
        return template

    def invoice(self, partner, move_type="out_invoice"):
        return self.init_invoice(move_type, partner=partner, amounts=[100.0], post=True)

    def wizard(self, moves):
        model = (
            "account.move.send.wizard"
            if len(moves) == 1
            else "account.move.send.batch.wizard"
        )
        return (
            self.env[model]
            .with_context(active_model="account.move", active_ids=moves.ids)
            .create({})
        )

    def emails(self, move, partner=None):
        """The messages of `move` that were emailed (to `partner`)."""
        domain = [
            ("mail_message_id.model", "=", move._name),
            ("mail_message_id.res_id", "=", move.id),
            ("notification_type", "=", "email"),
        ]
        if partner:
            domain.append(("res_partner_id", "=", partner.id))
        return self.env["mail.notification"].search(domain).mail_message_id

    def post_to_follower(self, document, partner):
        """What a user does from the chatter: the customer follows the
        document and is sent a message on it."""
        document.message_subscribe(partner_ids=partner.ids)
        document.message_post(
            body="Voici votre document",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            partner_ids=partner.ids,
        )

    def held_back_notes(self, move):
        return move.message_ids.filtered(
            lambda message: "goes on paper" in message.body
        )


def page_count(pdf):
    return len(pikepdf.open(io.BytesIO(pdf)).pages)


def page_contents(pdf):
    with pikepdf.open(io.BytesIO(pdf)) as document:
        contents = []
        for page in document.pages:
            page = pikepdf.Page(page)
            page.contents_coalesce()
            contents.append(page.obj.Contents.read_bytes())
        return contents
