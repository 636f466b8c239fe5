import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xmlrpc.client import Fault

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import find_in_path, mute_logger

from odoo.addons.mail_outbound_transport.tests.fake_servers import free_port

from ..tools import letter_engine
from ..tools.odoo_versions import NO_SUCCESS_EMAILS
from .common import HOSTILE, neutralise_peer_checks, page_count


class Spy:
    """An HTTP server on 127.0.0.1 that counts the requests it receives."""

    def __init__(self):
        self.requests = []
        spy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                spy.requests.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                self.wfile.write(b"<p>SECRET-INTERNE</p>")

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@tagged("post_install", "-at_install")
class TestLetterRunsBelongToTheProcess(HttpCase):
    """An invoicing clerk over RPC can start letters and read runs, but
    cannot forge a run, a letter or its evidence."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        neutralise_peer_checks(cls.env)
        cls.env.company.email = "factures@lambert.example"
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.clerk = new_test_user(
            cls.env,
            login="clerk",
            password="clerk-2026",
            groups="account.group_account_invoice",
            company_id=cls.env.company.id,
            company_ids=cls.env.company.ids,
        )
        cls.other_company = cls.env["res.company"].create({"name": "Ailleurs SAS"})
        cls.customers = cls.env["res.partner"].create(
            [
                {
                    "name": f"Client {code}",
                    "ref": code,
                    "email": f"{code.lower()}@client.example",
                    "customer_rank": 1,
                }
                for code in ("S0001", "S0002")
            ]
        )

    def rpc(self, model, method, *args, **kwargs):
        return self.xmlrpc_object.execute_kw(
            self.env.cr.dbname, self.clerk.id, "clerk-2026", model, method, args, kwargs
        )

    def start_run(self, **values):
        wizard_id = self.rpc(
            "facto.demat.letter.wizard",
            "create",
            {
                "partner_code_from": "S0001",
                "partner_code_to": "S0002",
                "output": "email",
                **values,
            },
        )
        action = self.rpc("facto.demat.letter.wizard", "action_confirm", [wizard_id])
        return self.env["facto.demat.letter.run"].browse(action["res_id"])

    @mute_logger("odoo.http")
    def test_the_clerk_starts_letters_but_forges_nothing(self):
        run = self.start_run()
        self.assertEqual(run.user_id, self.clerk)
        line = run.line_ids[0]
        self.assertEqual(
            self.rpc("facto.demat.letter.run.line", "read", [line.id], ["email"])[0][
                "email"
            ],
            "s0001@client.example",
        )
        forgeries = [
            ("facto.demat.letter.run", "create", [{"output": "print"}]),
            ("facto.demat.letter.run", "write", [[run.id], {"state": "done"}]),
            (
                "facto.demat.letter.run",
                "write",
                [[run.id], {"company_id": self.other_company.id}],
            ),
            ("facto.demat.letter.run", "write", [[run.id], {"body": "<p>autre</p>"}]),
            ("facto.demat.letter.run", "unlink", [[run.id]]),
            (
                "facto.demat.letter.run.line",
                "write",
                [[line.id], {"email": "pirate@ailleurs.example"}],
            ),
            ("facto.demat.letter.run.line", "write", [[line.id], {"state": "pending"}]),
            (
                "facto.demat.letter.run.line",
                "write",
                [[line.id], {"response_expires_at": "2099-12-31 00:00:00"}],
            ),
            ("facto.demat.letter.run.line", "unlink", [[line.id]]),
            (
                "facto.demat.letter.run.line",
                "create",
                [{"run_id": run.id, "partner_id": line.partner_id.id}],
            ),
            ("facto.demat.event", "write", [[1], {"note": "x"}]),
        ]
        for model, method, args in forgeries:
            with self.subTest(model=model, method=method), self.assertRaises(Fault):
                self.rpc(model, method, *args)
        self.env.invalidate_all()
        self.assertEqual(line.email, "s0001@client.example")
        self.assertEqual(line.state, "queued")
        self.assertEqual(run.company_id, self.env.company)

    def test_letter_texts_are_stored_inert_on_every_path(self):
        run = self.start_run(body=HOSTILE, output="print")
        for text in (run.body, run.with_context(lang="fr_FR").body):
            for trace in ("onerror", "<script", "<iframe", "<form", "fetch("):
                self.assertNotIn(trace, str(text))
        self.assertIn("Bonjour", str(run.body))
        # even a superuser writing directly gets a sanitised text
        run.sudo().body = HOSTILE
        self.assertNotIn("<script", str(run.body))

    def test_retry_is_pressed_as_the_web_client_does(self):
        run = self.start_run()
        line = run.line_ids[0]
        line.mail_ids.sudo().write({"state": "exception", "failure_reason": "Refus"})
        line.mail_ids.sudo()._postprocess_sent_message(
            success_pids=[],
            failure_reason="Refus",
            failure_type="mail_smtp",
            **NO_SUCCESS_EMAILS,
        )
        self.assertEqual(line.state, "failed")
        self.authenticate("clerk", "clerk-2026")
        self.make_jsonrpc_request(
            "/web/dataset/call_button",
            {
                "model": "facto.demat.letter.run",
                "method": "action_retry_failed",
                "args": [[run.id]],
                "kwargs": {"context": {}},
            },
        )
        self.assertEqual(line.state, "pending")


@tagged("post_install", "-at_install")
class TestLetterRenderer(HttpCase):
    """The letter renderer runs no JavaScript and reaches no server."""

    def test_a_hostile_letter_renders_inert_and_fetches_nothing(self):
        spy = Spy()
        self.addCleanup(spy.stop)
        html = (
            "<!DOCTYPE html><html><body><p>Lettre</p>"
            f'<script src="{spy.url}/script.js"></script>'
            f"<script>var x = new XMLHttpRequest(); x.open('GET', '{spy.url}/xhr', "
            "false); x.send(); document.body.innerHTML += x.responseText;</script>"
            f'<iframe src="{spy.url}/iframe"></iframe>'
            f'<img src="{spy.url}/image.png">'
            f'<link rel="stylesheet" href="{spy.url}/style.css">'
            f'<p style="background: url({spy.url}/fond.png)">fin</p>'
            "</body></html>"
        )
        report = self.env.ref("facto_demat.action_report_demat_letter")
        (pdf,) = letter_engine.render_pdfs(
            find_in_path("wkhtmltopdf"),
            report._build_wkhtmltopdf_args(report.get_paperformat(), False),
            [html],
            deadline=60,
        )
        self.assertEqual(page_count(pdf), 1)
        self.assertEqual(spy.requests, [])
        self.assertNotIn(b"SECRET-INTERNE", pdf)


@tagged("post_install", "-at_install")
class TestMailServerButtons(HttpCase):
    """The mail server form's buttons, pressed as the web client does."""

    def test_waiting_and_refused_email_lists_open(self):
        server = self.env["ir.mail_server"].create(
            {"name": "Relais", "smtp_host": "127.0.0.1", "smtp_port": 2525}
        )
        mail = self.env["mail.mail"].create(
            {"body_html": "<p>x</p>", "email_to": "a@client.example.com"}
        )
        mail.write({"mail_transport_server_id": server.id, "failure_reason": "Occupé"})
        self.authenticate("admin", "admin")
        for method, state in (
            ("action_view_waiting_mails", "outgoing"),
            ("action_view_refused_mails", "exception"),
        ):
            with self.subTest(method=method):
                action = self.make_jsonrpc_request(
                    "/web/dataset/call_button",
                    {
                        "model": "ir.mail_server",
                        "method": method,
                        "args": [[server.id]],
                        "kwargs": {"context": {}},
                    },
                )
                self.assertEqual(action["res_model"], "mail.mail")
                self.assertIn(["state", "=", state], action["domain"])
        self.assertEqual(server.mail_transport_waiting_count, 1)
