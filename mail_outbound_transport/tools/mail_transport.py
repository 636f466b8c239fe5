"""The sessions `ir.mail_server.connect()` returns, one per transport, and
the one classification of what a mail server answers.

Odoo's mail queue opens one session per batch and calls `send_message`
for each email, then `quit`. These sessions connect on the first message
(so that a server down at the start of a run defers the batch instead of
failing it), pace messages to the server's limit, give every call to the
server a total deadline, and say what became of a message that did not go
by raising:

- `MessageRefused` (an Exception, so Odoo fails that email with its
  reason and goes on with the batch) when the server refused this message
  for good;
- `DeliveryDeferred` (a BaseException, which Odoo's handlers let through
  to `mail.mail._send`) when the message must wait: the server is busy,
  down, asks to try this recipient later, refuses every message until its
  settings are fixed, or the run's time or the server's rate is used up.

`classify` decides which, for SMTP, EWS and Graph alike.
"""

import base64
import logging
import re
import smtplib
import socket
import ssl
import threading
import time
from contextlib import suppress
from dataclasses import dataclass
from email.utils import getaddresses
from urllib.parse import quote

import exchangelib
import idna
import requests
from exchangelib import errors as ews_errors
from exchangelib.protocol import BaseProtocol, FailFast

from .http_deadline import (
    DeadlineAdapter,
    DeadlineExceeded,
    deadline_adapter_class,
    request_deadline,
)

_logger = logging.getLogger(__name__)

RETRIES = 3  # attempts after the first, for a busy server
LONGEST_WAIT = 10  # seconds a batch waits for a busy server; longer defers
DEFAULT_DELAY = 2  # seconds, when a busy server does not say how long

# What becomes of a message a server did not take (`Verdict.kind`)
REFUSED = "refused"  # this message, for good: it fails with the reason
BLOCKED = "blocked"  # every message, until someone fixes the settings
BUSY = "busy"  # the server asks to wait: retried in the run, or the batch waits
DOWN = "down"  # no answer, connection lost, deadline passed: the batch waits
LATER = "later"  # this message only waits (greylisting, full mailbox)
PACED = "paced"  # nothing wrong: the run's time or the server's rate is used up

NETWORK_ERRORS = (OSError, requests.ConnectionError, requests.Timeout)
EWS_BLOCKED = {
    ews_errors.UnauthorizedError: "credentials",
    ews_errors.ErrorAccessDenied: "mailbox",
    ews_errors.ErrorSendAsDenied: "mailbox",
    ews_errors.ErrorImpersonateUserDenied: "mailbox",
    ews_errors.ErrorNonExistentMailbox: "mailbox",
    ews_errors.ErrorQuotaExceeded: "mailbox",
}
EWS_BUSY = (
    ews_errors.ErrorServerBusy,
    ews_errors.RateLimitError,
    ews_errors.ErrorInternalServerTransientError,
    ews_errors.ErrorMailboxMoveInProgress,
    ews_errors.ErrorMailboxStoreUnavailable,
    ews_errors.ErrorTimeoutExpired,
    ews_errors.ErrorConnectionFailedTransientError,
    ews_errors.ErrorExceededConnectionCount,
    ews_errors.ErrorTooManyObjectsOpened,
    ews_errors.ErrorSubmissionQuotaExceeded,
)
GRAPH_BUSY = (429, 500, 502, 503, 504)
ERRNO_WORDS = re.compile(r"\[Errno -?\d+\] ([^'\")(]+)")


@dataclass(frozen=True)
class Verdict:
    """How a failed delivery ends.

    `kind` is one of REFUSED, BLOCKED, BUSY, DOWN, LATER, PACED; `reason`
    the server's own words, short; `delay` the seconds the server asked to
    wait, if it did; `blocked_by` says, for BLOCKED, what to fix
    ("credentials", "mailbox" or "settings"); `recipients` the addresses a
    refusal or a "try later" concerns, when the server named them.
    """

    kind: str
    reason: str = ""
    delay: float | None = None
    blocked_by: str | None = None
    recipients: tuple = ()

    @property
    def stops_batch(self):
        """Whether the rest of the batch waits too."""
        return self.kind in (BLOCKED, BUSY, DOWN, PACED)


class MessageRefused(Exception):
    """The server refused this message for good (see `Verdict`)."""

    def __init__(self, verdict, server_id):
        super().__init__(verdict.reason)
        self.verdict = verdict
        self.server_id = server_id


class DeliveryDeferred(BaseException):
    """The message goes back to the queue (see `Verdict`), not before
    `not_before` (epoch seconds) when the run's time or the server's rate
    decides it.

    A BaseException, so that Odoo's handlers, which fail the message on any
    Exception, let it through to `mail.mail._send`.
    """

    def __init__(self, verdict, message_id, server_id, not_before=None):
        super().__init__(verdict.reason)
        self.verdict = verdict
        self.message_id = message_id
        self.server_id = server_id
        self.not_before = not_before


class GraphError(Exception):
    """An answer of Microsoft Graph or of its sign-in endpoint other than
    success."""

    def __init__(self, response, signing_in=False):
        self.status = response.status_code
        self.signing_in = signing_in
        self.retry_after = response.headers.get("Retry-After")
        try:
            error = response.json().get("error") or {}
        except ValueError:
            error = {}
        if isinstance(error, dict):  # Graph: {"error": {"code", "message"}}
            self.code = error.get("code") or ""
            text = error.get("message") or ""
        else:  # sign-in: {"error": "invalid_client", "error_description"}
            self.code = error
            text = response.json().get("error_description") or ""
        super().__init__(
            " ".join(part for part in (f"HTTP {self.status}", self.code, text) if part)
        )


def ascii_address(email):
    """`email` as it goes on the wire (IDNA domain), lower case, to compare
    what servers took with what partners hold."""
    local, _at, domain = email.lower().rpartition("@")
    with suppress(idna.IDNAError):
        domain = idna.encode(domain, uts46=True).decode()
    return f"{local}@{domain}"


def classify(error):
    """The `Verdict` on `error`, an exception raised while delivering through
    SMTP (smtplib, OSError), EWS (exchangelib, requests) or Graph
    (`GraphError`, requests); None for an error no server caused, which Odoo
    handles as usual."""
    if isinstance(error, smtplib.SMTPException):
        return _classify_smtp(error)
    if isinstance(error, ssl.SSLError):  # a certificate, a TLS setting
        return Verdict(BLOCKED, _words(error), blocked_by="settings")
    if isinstance(error, GraphError):
        return _classify_graph(error)
    if isinstance(error, ews_errors.EWSError):
        return _classify_ews(error)
    if isinstance(error, NETWORK_ERRORS):
        return Verdict(DOWN, _network_words(error))
    return None


def _classify_smtp(error):
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return Verdict(BLOCKED, _words(error), blocked_by="credentials")
    if isinstance(error, smtplib.SMTPNotSupportedError):
        if "internationalized" in str(error):
            # smtplib's own refusal of a non-ASCII address on a server
            # without SMTPUTF8: this message only
            return Verdict(REFUSED, "SMTPUTF8")
        # AUTH or STARTTLS the server does not offer: the settings
        return Verdict(BLOCKED, _words(error), blocked_by="settings")
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return _classify_recipients(error.recipients)
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return Verdict(DOWN, _network_words(error))
    if isinstance(error, smtplib.SMTPResponseException):
        reason = _reply(error.smtp_code, error.smtp_error)
        if 400 <= error.smtp_code < 500:
            return Verdict(BUSY, reason)
        if isinstance(error, smtplib.SMTPDataError):  # this message's content
            return Verdict(REFUSED, reason)
        if isinstance(error, smtplib.SMTPSenderRefused):
            if error.smtp_code == 552:  # at MAIL FROM: the announced size
                return Verdict(REFUSED, reason)
            return Verdict(
                BLOCKED, reason, blocked_by="mailbox", recipients=(error.sender,)
            )
        return Verdict(BLOCKED, reason, blocked_by="settings")
    return Verdict(BLOCKED, _words(error), blocked_by="settings")  # TLS, AUTH...


def _classify_recipients(replies):
    """The verdict on RCPT replies ({address: (code, message)}) that refused
    every recipient of a message."""
    reason = "; ".join(_reply(*reply) for reply in replies.values())
    codes = [code for code, _message in replies.values()]
    if 421 in codes:  # the server is closing the connection
        return Verdict(DOWN, reason)
    temporary = tuple(
        address for address, (code, _message) in replies.items() if code < 500
    )
    if temporary:
        return Verdict(LATER, reason, recipients=temporary)
    return Verdict(REFUSED, reason, recipients=tuple(replies))


def _classify_ews(error):
    if any(isinstance(cause, NETWORK_ERRORS) for cause in _causes(error)) or (
        ERRNO_WORDS.search(str(error))
    ):
        return Verdict(DOWN, _network_words(error))
    for error_class, blocked_by in EWS_BLOCKED.items():
        if isinstance(error, error_class):
            return Verdict(BLOCKED, _words(error), blocked_by=blocked_by)
    if isinstance(error, EWS_BUSY):
        delay = getattr(error, "back_off", None) or getattr(error, "wait", None)
        return Verdict(BUSY, _words(error), delay=delay)
    if isinstance(error, ews_errors.ResponseMessageError):
        # ErrorInvalidRecipients, ErrorMessageSizeExceeded and any other
        # answer about this message
        return Verdict(REFUSED, _words(error))
    return Verdict(DOWN, _words(error)[:200])  # an HTTP error, a restart


def _classify_graph(error):
    if error.status in GRAPH_BUSY:
        delay = float(error.retry_after) if error.retry_after else None
        return Verdict(BUSY, str(error), delay=delay)
    if error.status == 401 or (error.signing_in and error.status < 500):
        return Verdict(BLOCKED, str(error), blocked_by="credentials")
    if error.status in (403, 404):
        return Verdict(BLOCKED, str(error), blocked_by="mailbox")
    if 400 <= error.status < 500:  # 400 invalid recipients, 413 too large
        return Verdict(REFUSED, str(error))
    return Verdict(DOWN, str(error))


def _causes(error):
    while error is not None:
        yield error
        error = error.__cause__ or error.__context__


def _reply(code, message):
    if isinstance(message, bytes):
        message = message.decode(errors="replace")
    return f"{code} {message}".strip()


def _words(error):
    return str(error) or error.__class__.__name__


def _network_words(error):
    """A connection failure in a few words ("Connection refused"), however
    deep requests, urllib3 or exchangelib wrapped it."""
    for cause in _causes(error):
        if isinstance(cause, DeadlineExceeded):
            return str(cause)
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror
    match = ERRNO_WORDS.search(str(error))
    if match:
        return match[1]
    if "timed out" in str(error).lower():
        return "timed out"
    if "closed connection" in str(error) or "aborted" in str(error):
        return "connection closed by the server"
    return _words(error)[:200]


class Pacer:
    """Spaces messages to at most `per_minute` a minute, as the server's
    clock sees them: the next message starts `60 / per_minute` seconds
    after the previous one was taken.

    `read_slot()` returns the server's next free time (epoch seconds) and
    holds it until `write_slot(time)`; the mail server keeps it, so that
    batches and workers share the limit.
    """

    def __init__(self, per_minute, read_slot, write_slot):
        self.interval = 60.0 / per_minute if per_minute else 0.0
        self.read_slot = read_slot
        self.write_slot = write_slot

    def wait_turn(self, deadline):
        """Wait for the next free time; return None, or that time when it
        is past `deadline`."""
        if not self.interval:
            return None
        slot = max(time.time(), self.read_slot())
        if slot > deadline:
            return slot
        time.sleep(max(0.0, slot - time.time()))
        return None

    def sent(self):
        if self.interval:
            self.write_slot(time.time() + self.interval)


class TransportSession:
    """What `ir.mail_server.send_email` and `mail.mail.send` use of an SMTP
    connection: `send_message`, `quit`, `from_filter` and `smtp_from`.

    `deadline` (epoch seconds) is when this run stops starting messages;
    `request_seconds` the total time one call to the server may take. A
    batch so holds a worker at most its run time plus one call.
    """

    def __init__(
        self,
        server_id,
        server,
        smtp_from,
        from_filter,
        pacer,
        deadline,
        request_seconds,
    ):
        self.server_id = server_id  # the ir.mail_server's id
        self.server = server  # the transport settings, a dict
        self.smtp_from = smtp_from
        self.from_filter = from_filter
        self.pacer = pacer
        self.deadline = deadline
        self.request_seconds = request_seconds
        self.connections = 0  # opened, for the benchmark and the tests
        self.delivered = {}  # Message-Id: addresses the server took
        self.refused = {}  # Message-Id: verdict, for the emails refused for good
        self.partly_refused = {}  # Message-Id: verdict on refused recipients

    def send_message(self, message, smtp_from, smtp_to_list):
        message_id = message["Message-Id"]
        for attempt in range(RETRIES + 1):
            if time.time() >= self.deadline:
                self._defer(Verdict(PACED, "run time"), message_id, time.time())
            later = self.pacer.wait_turn(self.deadline)
            if later:
                self._defer(Verdict(PACED, "rate limit"), message_id, later)
            try:
                with request_deadline(self.request_seconds):
                    self._deliver(message, smtp_from, smtp_to_list)
            except Exception as error:
                verdict = classify(error)
                if verdict is None:
                    raise
                if verdict.kind == REFUSED:
                    if not verdict.recipients:
                        verdict = _for(verdict, smtp_to_list)
                    self.refused[message_id] = verdict
                    raise MessageRefused(verdict, self.server_id) from error
                if verdict.kind == DOWN:
                    self._disconnect()
                if verdict.kind == BUSY and self._wait_for(verdict, attempt):
                    continue
                if verdict.kind == LATER and not verdict.recipients:
                    verdict = _for(verdict, smtp_to_list)
                raise DeliveryDeferred(verdict, message_id, self.server_id) from error
            self.pacer.sent()
            if message_id not in self.partly_refused:
                self.delivered.setdefault(message_id, set()).update(
                    address.lower() for address in smtp_to_list
                )
            return

    def quit(self):
        self._disconnect()

    def check(self):
        """Connect and prove the mailbox may send, without sending; raise
        what the server answered otherwise."""
        raise NotImplementedError()

    def _wait_for(self, verdict, attempt):
        """Wait for a busy server when it asks for a short while; return
        whether to try again."""
        delay = verdict.delay or DEFAULT_DELAY * 2**attempt
        if attempt == RETRIES or delay > LONGEST_WAIT:
            return False
        if time.time() + delay > self.deadline:
            return False
        _logger.info("Mail server busy, retrying in %.1f s: %s", delay, verdict.reason)
        time.sleep(delay)
        return True

    def _defer(self, verdict, message_id, not_before):
        raise DeliveryDeferred(verdict, message_id, self.server_id, not_before)

    def _deliver(self, message, smtp_from, smtp_to_list):
        raise NotImplementedError()

    def _disconnect(self):
        pass


def _for(verdict, recipients):
    return Verdict(
        verdict.kind,
        verdict.reason,
        verdict.delay,
        verdict.blocked_by,
        tuple(recipients),
    )


class SmtpSession(TransportSession):
    """Odoo's own SMTP connection, opened by `connect` on first use. Each
    message, connection included, ends within `request_seconds`: past that,
    its socket is shut down."""

    def __init__(self, connect, **kwargs):
        super().__init__(**kwargs)
        self._connect = connect
        self.connection = None

    def __getattr__(self, name):
        # the rest of smtplib.SMTP, for Odoo's connection test
        if name.startswith("_") or name == "connection":
            raise AttributeError(name)
        return getattr(self._connection(), name)

    def check(self):
        self._connection().noop()

    def close(self):
        # smtplib's close: no QUIT, which Odoo's connection test, left in
        # the DATA step, would wait on
        connection, self.connection = self.connection, None
        if connection is not None:
            connection.close()

    def _connection(self):
        if self.connection is None:
            self.connection = self._connect()
            self.connections += 1
        return self.connection

    def _deliver(self, message, smtp_from, smtp_to_list):
        timer = threading.Timer(self.request_seconds, self._cut)
        timer.daemon = True
        timer.start()
        try:
            refused = self._connection().send_message(message, smtp_from, smtp_to_list)
        finally:
            timer.cancel()
        if refused:  # the others took it
            self._note_partial_refusal(message, smtp_to_list, refused)

    def _note_partial_refusal(self, message, smtp_to_list, refused):
        """Some recipients took the message, others (`refused`, smtplib's
        {address: (code, message)}) did not: the ones asked to wait get it
        on a later try (the others are not sent it again); the ones refused
        for good are said on the email."""
        message_id = message["Message-Id"]
        took = {address.lower() for address in smtp_to_list} - {
            address.lower() for address in refused
        }
        self.delivered.setdefault(message_id, set()).update(took)
        verdict = _classify_recipients(refused)
        if verdict.kind == REFUSED:
            self.partly_refused[message_id] = verdict
            return
        if verdict.kind == DOWN:
            self._disconnect()
        raise DeliveryDeferred(verdict, message_id, self.server_id)

    def _cut(self):
        sock = getattr(self.connection, "sock", None)
        if sock is not None:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _disconnect(self):
        connection, self.connection = self.connection, None
        if connection is not None:
            try:
                connection.quit()
            except (smtplib.SMTPException, OSError):
                connection.close()


def exchange_mime(message, smtp_to_list):
    """The message as Exchange takes it: its MIME, with the envelope
    recipients that no To or Cc header names as Bcc (Exchange reads the
    recipients from the headers; Odoo removed the Bcc header)."""
    named = {
        address.lower()
        for _name, address in getaddresses(
            message.get_all("To", []) + message.get_all("Cc", [])
        )
    }
    hidden = [address for address in smtp_to_list if address.lower() not in named]
    if hidden:
        message["Bcc"] = ", ".join(hidden)
    try:
        return message.as_bytes()
    finally:
        del message["Bcc"]


class _ConfigurableOAuth2Credentials(exchangelib.OAuth2Credentials):
    """exchangelib's client credentials, with the token endpoint of the
    server's settings (national clouds, or a local double in tests)."""

    def __init__(self, login_url, **kwargs):
        super().__init__(**kwargs)
        self.login_url = login_url

    @property
    def token_url(self):
        return f"{self.login_url}/{self.tenant_id}/oauth2/v2.0/token"


class EwsSession(TransportSession):
    """Exchange on premises through EWS (exchangelib): one account, one
    HTTP connection pool for the whole batch."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.account = None

    def check(self):
        with request_deadline(self.request_seconds):
            return self._account().sent

    def _account(self):
        if self.account is None:
            BaseProtocol.HTTP_ADAPTER_CLS = deadline_adapter_class(
                BaseProtocol.HTTP_ADAPTER_CLS
            )
            server = self.server
            if server["auth"] == "oauth2":
                credentials = _ConfigurableOAuth2Credentials(
                    login_url=server["login_url"],
                    client_id=server["client_id"],
                    client_secret=server["client_secret"],
                    tenant_id=server["tenant_id"],
                    identity=exchangelib.Identity(
                        primary_smtp_address=server["mailbox"]
                    ),
                )
                access_type = exchangelib.IMPERSONATION
            else:
                credentials = exchangelib.Credentials(
                    server["user"], server["password"]
                )
                access_type = exchangelib.DELEGATE
            auth_type = {
                "ntlm": exchangelib.NTLM,
                "basic": exchangelib.BASIC,
                "oauth2": exchangelib.OAUTH2,
            }[server["auth"]]
            config = exchangelib.Configuration(
                service_endpoint=server["url"] or None,
                credentials=credentials,
                auth_type=auth_type if server["url"] else None,
                retry_policy=FailFast(),
                max_connections=1,
            )
            account = exchangelib.Account(
                primary_smtp_address=server["mailbox"],
                config=config,
                autodiscover=not server["url"],
                access_type=access_type,
            )
            account.protocol.TIMEOUT = self.request_seconds
            self.account = account
            self.connections += 1
        return self.account

    def _deliver(self, message, smtp_from, smtp_to_list):
        account = self._account()
        item = exchangelib.Message(
            account=account, mime_content=exchange_mime(message, smtp_to_list)
        )
        item.send(save_copy=self.server["save_copy"])

    def _disconnect(self):
        account, self.account = self.account, None
        if account is not None:
            account.protocol.close()


class GraphSession(TransportSession):
    """Microsoft 365 through Microsoft Graph `sendMail`, as an application
    (client credentials): one token and one HTTP connection for the batch.

    The message goes as MIME, which keeps every header (Reply-To,
    Message-Id, References); Microsoft always saves such a message in the
    mailbox's Sent Items.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.http = None
        self.token = None

    def check(self):
        # An empty message: Graph checks the token, then that the mailbox
        # exists and that the application may send as it, and only then
        # complains of the missing recipients (400), without sending.
        with request_deadline(self.request_seconds):
            response = self._post(
                f"/users/{quote(self.server['mailbox'])}/sendMail",
                json={"message": {"subject": "Odoo connection test"}},
            )
        if response.status_code not in (202, 400):
            raise GraphError(response)

    def _deliver(self, message, smtp_from, smtp_to_list):
        response = self._post(
            f"/users/{quote(self.server['mailbox'])}/sendMail",
            data=base64.b64encode(exchange_mime(message, smtp_to_list)),
            headers={"Content-Type": "text/plain"},
        )
        if response.status_code != 202:
            raise GraphError(response)

    def _post(self, path, **kwargs):
        headers = kwargs.pop("headers", {})
        for _attempt in range(2):  # once more with a new token if it expired
            headers["Authorization"] = f"Bearer {self._token()}"
            response = self._request(
                "post", f"{self.server['api_url']}{path}", headers=headers, **kwargs
            )
            if response.status_code != 401:
                return response
            self.token = None
        return response

    def _token(self):
        if self.token is None:
            server = self.server
            response = self._request(
                "post",
                f"{server['login_url']}/{quote(server['tenant_id'])}/oauth2/v2.0/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": server["client_id"],
                    "client_secret": server["client_secret"],
                    "scope": f"{server['scope']}/.default",
                },
            )
            if response.status_code != 200:
                raise GraphError(response, signing_in=True)
            self.token = response.json()["access_token"]
        return self.token

    def _request(self, method, url, **kwargs):
        if self.http is None:
            self.http = requests.Session()
            adapter = DeadlineAdapter()
            self.http.mount("http://", adapter)
            self.http.mount("https://", adapter)
            self.connections += 1
        return self.http.request(method, url, timeout=self.request_seconds, **kwargs)

    def _disconnect(self):
        http, self.http = self.http, None
        if http is not None:
            http.close()
