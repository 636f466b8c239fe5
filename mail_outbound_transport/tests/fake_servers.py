"""Local mail servers on 127.0.0.1, for the tests and the benchmark: an
SMTP server (aiosmtpd), an Exchange server answering EWS (SOAP), and
Microsoft 365 answering the Entra token endpoint and Graph `sendMail`.

They accept what the real services accept, answer their errors the way
they do, and keep what they received with the time it arrived.
"""

import base64
import json
import re
import socket
import threading
import time
from contextlib import suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.etree import ElementTree

from aiosmtpd.controller import Controller

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
MESSAGES = "http://schemas.microsoft.com/exchange/services/2006/messages"
TYPES = "http://schemas.microsoft.com/exchange/services/2006/types"
ENVELOPE = (
    f'<s:Envelope xmlns:s="{SOAP}" xmlns:m="{MESSAGES}" xmlns:t="{TYPES}">'
    '<s:Header><t:ServerVersionInfo MajorVersion="15" MinorVersion="2" '
    'MajorBuildNumber="1544" MinorBuildNumber="4" Version="Exchange2016"/>'
    "</s:Header><s:Body>{body}</s:Body></s:Envelope>"
)


class FakeMicrosoft:
    """One HTTP server playing Exchange (`/EWS/Exchange.asmx`), the Entra
    token endpoint (`/<tenant>/oauth2/v2.0/token`) and Graph (`/v1.0/...`).

    `answers` is a list of what the next messages get instead of success:
    "busy" (EWS ErrorServerBusy, Graph 429 with Retry-After), "denied" (not
    allowed to send as the mailbox), "invalid" (invalid recipients),
    "too_large" (message too large), "die" (the server stops);
    `check_answers` the same for connection tests. With `drip` set (seconds),
    every answer comes one byte at a time, that long apart.
    """

    def __init__(
        self, user="compta", password="s3cret", mailbox="factures@lambert.example"
    ):
        self.user = user
        self.password = password
        self.client_secret = password
        self.mailbox = mailbox
        self.answers = []
        self.check_answers = []
        self.retry_after = 1  # seconds, in busy answers
        self.tokens_issued = 0  # the valid token is the last one issued
        self.received = []  # (arrival time, transport, MIME bytes, details)
        self.connections = 0
        self.drip = None
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as Microsoft's servers
            wbufsize = 1 << 16  # headers and body in one packet

            def setup(self):
                with fake.lock:
                    fake.connections += 1
                return super().setup()

            def log_message(self, *args):
                pass

            def handle(self):
                with suppress(OSError):  # a client that gave up
                    return super().handle()

            def finish(self):
                with suppress(OSError):
                    return super().finish()

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, headers, content = fake.answer(self.path, self.headers, body)
                if status is None:  # "die"
                    self.close_connection = True
                    fake.stop_soon()
                    return
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                if fake.drip:
                    self.drip(content, fake.drip)
                    return
                self.end_headers()
                self.wfile.write(content)

            def drip(self, content, delay):
                answer = b"".join(self._headers_buffer) + b"\r\n" + content
                self._headers_buffer = []
                self.close_connection = True
                with suppress(OSError):  # the client gave up
                    for byte in answer:
                        time.sleep(delay)
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()

            def do_GET(self):
                self.do_POST()

        self.handler = Handler
        self.stopping = None
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.start()

    def start(self):
        if self.stopping:
            self.stopping.join()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), self.handler)
        self.httpd.daemon_threads = True
        threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def stop_soon(self):
        """Stop from a request's thread, which shutdown() would wait for."""
        self.stopping = threading.Thread(target=self.stop)
        self.stopping.start()

    def stop(self):
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    def next_answer(self, answers=None):
        answers = self.answers if answers is None else answers
        with self.lock:
            return answers.pop(0) if answers else None

    def answer(self, path, headers, body):
        if path.startswith("/EWS/"):
            return self.answer_ews(headers, body)
        if "/oauth2/v2.0/token" in path:
            return self.answer_token(body)
        return self.answer_graph(path, headers, body)

    # EWS -----------------------------------------------------------------

    def answer_ews(self, headers, body):
        expected = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        if headers.get("Authorization") != f"Basic {expected}":
            return 401, {"WWW-Authenticate": 'Basic realm="EWS"'}, b""
        request = ElementTree.fromstring(body).find(f"{{{SOAP}}}Body")[0]
        operation = request.tag.split("}")[1]
        if operation == "CreateItem":
            answer = self.next_answer()
            if answer == "die":
                return None, {}, b""
            if answer == "busy":
                return self.ews_busy(operation)
            if answer == "denied":
                return self.ews_error(operation, "ErrorSendAsDenied")
            if answer == "invalid":
                return self.ews_error(operation, "ErrorInvalidRecipients")
            if answer == "too_large":
                return self.ews_error(operation, "ErrorMessageSizeExceeded")
            mime = base64.b64decode(request.find(f".//{{{TYPES}}}MimeContent").text)
            self.receive("ews", mime, request.get("MessageDisposition"))
            return self.ews_success(operation, "<m:Items/>")
        if operation == "GetFolder":
            answer = self.next_answer(self.check_answers)
            if answer == "denied":
                return self.ews_error(operation, "ErrorAccessDenied")
            if answer == "busy":
                return self.ews_busy(operation)
            folders = "".join(
                f'<t:Folder><t:FolderId Id="{folder.get("Id")}" ChangeKey="1"/>'
                f"<t:DisplayName>{folder.get('Id')}</t:DisplayName></t:Folder>"
                for folder in request.iter(f"{{{TYPES}}}DistinguishedFolderId")
            )
            return self.ews_success(operation, f"<m:Folders>{folders}</m:Folders>")
        return self.ews_error(operation, "ErrorInvalidIdMalformed")

    def ews_busy(self, operation):
        """Exchange's throttling answer: a SOAP fault with the back-off."""
        errors = "http://schemas.microsoft.com/exchange/services/2006/errors"
        fault = (
            "<s:Fault><faultcode>a:ErrorServerBusy</faultcode>"
            "<faultstring>The server cannot service this request right now. "
            f'Try again later.</faultstring><detail><e:ResponseCode xmlns:e="{errors}">'
            f'ErrorServerBusy</e:ResponseCode><e:Message xmlns:e="{errors}">The '
            "server cannot service this request right now.</e:Message>"
            '<t:MessageXml><t:Value Name="BackOffMilliseconds">'
            f"{int(self.retry_after * 1000)}</t:Value></t:MessageXml></detail>"
            "</s:Fault>"
        )
        content = ENVELOPE.format(body=fault).encode()
        return 500, {"Content-Type": "text/xml; charset=utf-8"}, content

    def ews_success(self, operation, content):
        return self.ews_response(
            operation,
            f'ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>{content}',
        )

    def ews_error(self, operation, code, extra=""):
        return self.ews_response(
            operation,
            f'ResponseClass="Error"><m:MessageText>{code}</m:MessageText>'
            f"<m:ResponseCode>{code}</m:ResponseCode>{extra}",
        )

    def ews_response(self, operation, message):
        body = (
            f"<m:{operation}Response><m:ResponseMessages>"
            f"<m:{operation}ResponseMessage {message}"
            f"</m:{operation}ResponseMessage></m:ResponseMessages>"
            f"</m:{operation}Response>"
        )
        content = ENVELOPE.format(body=body).encode()
        return 200, {"Content-Type": "text/xml; charset=utf-8"}, content

    # Entra and Graph -------------------------------------------------------

    def answer_token(self, body):
        form = dict(
            pair.split("=", 1) for pair in body.decode().split("&") if "=" in pair
        )
        if form.get("client_secret") != self.client_secret:
            return self.json(401, {"error": "invalid_client"})
        with self.lock:
            self.tokens_issued += 1
        return self.json(
            200,
            {"token_type": "Bearer", "expires_in": 3599, "access_token": self.token},
        )

    @property
    def token(self):
        return f"jeton-{self.tokens_issued}"

    def expire_tokens(self):
        """Tokens issued so far stop working, as at the end of their hour."""
        self.tokens_issued += 1

    def answer_graph(self, path, headers, body):
        if headers.get("Authorization") != f"Bearer {self.token}":
            return self.json(401, {"error": {"code": "InvalidAuthenticationToken"}})
        match = re.fullmatch(r"/v1.0/users/([^/]+)/sendMail", path)
        if not match:
            return self.json(404, {"error": {"code": "ResourceNotFound"}})
        probe = headers.get("Content-Type", "").startswith("application/json")
        answer = self.next_answer(self.check_answers if probe else self.answers)
        if answer == "die":
            return None, {}, b""
        if answer == "busy":
            headers = {"Retry-After": str(self.retry_after)}
            status, _headers, content = self.json(
                429, {"error": {"code": "ApplicationThrottled"}}
            )
            return status, {**_headers, **headers}, content
        mailbox = match.group(1).replace("%40", "@")
        if answer == "denied" or mailbox != self.mailbox:
            return self.json(403, {"error": {"code": "ErrorAccessDenied"}})
        if answer == "invalid":
            return self.json(
                400,
                {
                    "error": {
                        "code": "ErrorInvalidRecipients",
                        "message": "At least one recipient is not valid.",
                    }
                },
            )
        if answer == "too_large":
            return self.json(413, {"error": {"code": "ErrorMessageSizeExceeded"}})
        if probe:
            return self.json(400, {"error": {"code": "ErrorInvalidRecipients"}})
        self.receive("graph", base64.b64decode(body), "SendAndSaveCopy")
        return 202, {}, b""

    def json(self, status, value):
        content = json.dumps(value).encode()
        return status, {"Content-Type": "application/json"}, content

    def receive(self, transport, mime, disposition):
        with self.lock:
            self.received.append((time.time(), transport, mime, disposition))


class FakeSmtp:
    """An SMTP server without SMTPUTF8, as most relays; `answers` works as
    for FakeMicrosoft at DATA ("busy" is a 451 reply, "die" drops the
    connection and stops the server, "take_and_die" keeps the message, then
    drops the connection before answering). `refuse` maps an address to the
    reply its RCPT always gets ("550 5.1.1 User unknown"); `greylist` maps an
    address to how many of its RCPTs get "450 4.7.1 Greylisted" first;
    `sender_reply`, when set, is the reply to every MAIL FROM; a message
    announced over `max_size` bytes gets 552 at MAIL FROM."""

    def __init__(self, port=None):
        self.answers = []
        self.sender_reply = None
        self.max_size = None
        self.refuse = {}
        self.greylist = {}
        self.received = []
        self.connections = 0
        self.stopping = None
        self.port = port or free_port()
        self.start()

    def start(self):
        if self.stopping:
            self.stopping.join()
        self.controller = Controller(
            self, hostname="127.0.0.1", port=self.port, enable_SMTPUTF8=False
        )
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.sender_reply:
            return self.sender_reply
        size = next(
            (int(o[5:]) for o in mail_options if o.upper().startswith("SIZE=")), 0
        )
        if self.max_size and size > self.max_size:
            return "552 5.3.4 Message size exceeds fixed limit"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        if self.greylist.get(address):
            self.greylist[address] -= 1
            return "450 4.7.1 Greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        answer = self.answers.pop(0) if self.answers else None
        if answer == "busy":
            return "451 4.3.2 Try again later"
        if answer == "take_and_die":
            self.received.append(
                (time.time(), "smtp", envelope.content, envelope.rcpt_tos)
            )
            server.transport.close()
            return "250 OK"
        if answer == "die":
            server.transport.close()
            self.stopping = threading.Thread(target=self.stop)
            self.stopping.start()
            return "421 4.3.2 Shutting down"
        self.received.append((time.time(), "smtp", envelope.content, envelope.rcpt_tos))
        return "250 OK"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
