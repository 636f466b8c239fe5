from odoo.tests import HttpCase, new_test_user, tagged

from .common import MailTransportCase, WebClientMixin


@tagged("post_install", "-at_install")
class TestServerForm(WebClientMixin, MailTransportCase, HttpCase):
    """The mail server form's buttons, pressed as the web client does: by
    an administrator, and by a user who may not touch mail servers."""

    def test_buttons_of_the_server_form(self):
        server = self.servers["graph"]
        waiting, refused = self.queue(["a@client.example", "b@client.example"])
        waiting.write(
            {"mail_transport_server_id": server.id, "failure_reason": "Occupé"}
        )
        refused.write({"state": "exception", "mail_transport_server_id": server.id})
        self.authenticate("admin", "admin")
        action = self.call_button("ir.mail_server", "test_smtp_connection", server.ids)
        self.assertEqual(action["params"]["type"], "success")
        for method, mail in (
            ("action_view_waiting_mails", waiting),
            ("action_view_refused_mails", refused),
        ):
            action = self.call_button("ir.mail_server", method, server.ids)
            self.assertEqual(
                self.env["mail.mail"].search(action["domain"]), mail, method
            )

        new_test_user(self.env, login="gestionnaire", groups="base.group_erp_manager")
        self.authenticate("gestionnaire", "gestionnaire")
        for method in ("test_smtp_connection", "action_view_waiting_mails"):
            error = self.call_button(
                "ir.mail_server", method, server.ids, expect_error=True
            )
            self.assertEqual(
                error["data"]["name"], "odoo.exceptions.AccessError", method
            )
