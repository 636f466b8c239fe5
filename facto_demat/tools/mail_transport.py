"""The sessions `ir.mail_server.connect()` returns, one per transport.

Odoo's mail queue opens one session per batch and calls `send_message`
for each email, then `quit`. These sessions connect on the first message
(so that a server down at the start of a run defers the batch instead of
failing it), pace messages to the server's limit, retry a busy server, and
raise `DeliveryDeferred` when the message must wait for a later run.
"""

import base64
import logging
import smtplib
import time
from email.utils import getaddresses
from urllib.parse import quote

import exchangelib
import requests
from exchangelib import errors as ews_errors
from exchangelib.protocol import FailFast

_logger = logging.getLogger(__name__)

HTTP_TIMEOUT = 30  # seconds, for every HTTP request
RETRIES = 3  # attempts after the first, for a busy server
LONGEST_WAIT = 10  # seconds a batch waits for a busy server; longer defers
DEFAULT_DELAY = 2  # seconds, when a busy server does not say how long
UNREACHABLE_DELAY = 60  # seconds before a run retries a server that is down
CONNECTION_ERRORS = (requests.ConnectionError, requests.Timeout)


class DeliveryDeferred(BaseException):
    """The server cannot take this message now: it goes back to the queue
    for a run at `retry_at` (epoch seconds) or later.

    A BaseException, so that Odoo's handlers, which fail the message on any
    Exception, let it through to `mail.mail._send`.
    """

    def __init__(self, reason, retry_at, message_id=None):
        super().__init__(reason)
        self.reason = reason
        self.retry_at = retry_at
        self.message_id = message_id


class TransportError(Exception):
    """A refusal that waiting will not cure, said in one sentence."""


class ServerBusy(Exception):
    """The server asks to come back after `delay` seconds."""

    def __init__(self, reason, delay=None):
        super().__init__(reason)
        self.delay = delay


class Unreachable(Exception):
    """No answer from the server (down, wrong address, connection lost)."""


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

    `sentences` says each kind of refusal (credentials, mailbox) to the
    user; `deadline` (epoch seconds) is when this run stops waiting.
    """

    def __init__(self, server, smtp_from, from_filter, pacer, deadline, sentences):
        self.server = server  # the transport settings, a dict
        self.smtp_from = smtp_from
        self.from_filter = from_filter
        self.pacer = pacer
        self.deadline = deadline
        self.sentences = sentences
        self.connections = 0  # opened, for the benchmark and the tests
        self.delivered = {}  # Message-Id: addresses the server took

    def send_message(self, message, smtp_from, smtp_to_list):
        message_id = message["Message-Id"]
        for attempt in range(RETRIES + 1):
            later = self.pacer.wait_turn(self.deadline)
            if later:
                raise DeliveryDeferred("rate limit", later, message_id)
            try:
                self._deliver(message, smtp_from, smtp_to_list)
                self.pacer.sent()
                self.delivered.setdefault(message_id, set()).update(
                    address.lower() for address in smtp_to_list
                )
                return
            except ServerBusy as busy:
                delay = busy.delay or DEFAULT_DELAY * 2**attempt
                retry_at = time.time() + delay
                if (
                    attempt == RETRIES
                    or delay > LONGEST_WAIT
                    or retry_at > self.deadline
                ):
                    raise DeliveryDeferred(str(busy), retry_at, message_id) from busy
                _logger.info("Mail server busy, retrying in %.1f s: %s", delay, busy)
                time.sleep(delay)
            except Unreachable as error:
                self._disconnect()
                raise DeliveryDeferred(
                    str(error), time.time() + UNREACHABLE_DELAY, message_id
                ) from error

    def quit(self):
        self._disconnect()

    def check(self):
        """Connect and prove the mailbox may send, without sending."""
        raise NotImplementedError()

    def _refused(self, kind):
        return TransportError(self.sentences[kind])

    def _deliver(self, message, smtp_from, smtp_to_list):
        raise NotImplementedError()

    def _disconnect(self):
        pass


class SmtpSession(TransportSession):
    """Odoo's own SMTP connection, opened by `connect` on first use."""

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
            try:
                self.connection = self._connect()
            except OSError as error:  # refused, unreachable, timed out
                raise Unreachable(str(error)) from error
            self.connections += 1
        return self.connection

    def _deliver(self, message, smtp_from, smtp_to_list):
        try:
            self._connection().send_message(message, smtp_from, smtp_to_list)
        except smtplib.SMTPAuthenticationError as error:
            raise self._refused("credentials") from error
        except smtplib.SMTPResponseException as error:
            if 400 <= error.smtp_code < 500:  # "try again later"
                raise ServerBusy(f"{error.smtp_code} {error.smtp_error!r}") from error
            if isinstance(error, smtplib.SMTPSenderRefused):
                raise self._refused("mailbox") from error
            raise
        except (smtplib.SMTPServerDisconnected, OSError) as error:
            raise Unreachable(str(error) or error.__class__.__name__) from error

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
        self._call(lambda: self._account().sent)

    def _account(self):
        if self.account is None:
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
            account = self._call(
                lambda: exchangelib.Account(
                    primary_smtp_address=server["mailbox"],
                    config=config,
                    autodiscover=not server["url"],
                    access_type=access_type,
                )
            )
            account.protocol.TIMEOUT = HTTP_TIMEOUT
            self.account = account
            self.connections += 1
        return self.account

    def _deliver(self, message, smtp_from, smtp_to_list):
        def send():
            account = self._account()
            item = exchangelib.Message(
                account=account, mime_content=exchange_mime(message, smtp_to_list)
            )
            item.send(save_copy=self.server["save_copy"])

        self._call(send)

    def _call(self, function):
        """Run an EWS call, its failures said in Exchange's terms."""
        try:
            return function()
        except ews_errors.ErrorServerBusy as error:
            if isinstance(error.__context__, CONNECTION_ERRORS):  # exchangelib's
                raise Unreachable(str(error)) from error
            raise ServerBusy(str(error), delay=error.back_off) from error
        except ews_errors.UnauthorizedError as error:
            raise self._refused("credentials") from error
        except (
            ews_errors.ErrorAccessDenied,
            ews_errors.ErrorSendAsDenied,
            ews_errors.ErrorImpersonateUserDenied,
            ews_errors.ErrorNonExistentMailbox,
        ) as error:
            raise self._refused("mailbox") from error
        except CONNECTION_ERRORS as error:
            raise Unreachable(str(error)) from error
        except ews_errors.TransportError as error:
            if isinstance(error.__context__, CONNECTION_ERRORS):
                raise Unreachable(str(error)) from error
            raise

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
        response = self._post(
            f"/users/{quote(self.server['mailbox'])}/sendMail",
            json={"message": {"subject": "Odoo connection test"}},
        )
        if response.status_code not in (202, 400):
            self._raise_for(response)

    def _deliver(self, message, smtp_from, smtp_to_list):
        response = self._post(
            f"/users/{quote(self.server['mailbox'])}/sendMail",
            data=base64.b64encode(exchange_mime(message, smtp_to_list)),
            headers={"Content-Type": "text/plain"},
        )
        if response.status_code != 202:
            self._raise_for(response)

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
            if response.status_code in (400, 401):
                raise self._refused("credentials")
            if response.status_code != 200:
                self._raise_for(response)
            self.token = response.json()["access_token"]
        return self.token

    def _request(self, method, url, **kwargs):
        if self.http is None:
            self.http = requests.Session()
            self.connections += 1
        try:
            return self.http.request(method, url, timeout=HTTP_TIMEOUT, **kwargs)
        except CONNECTION_ERRORS as error:
            raise Unreachable(str(error)) from error

    def _raise_for(self, response):
        if response.status_code in (429, 503, 504):
            retry_after = response.headers.get("Retry-After")
            raise ServerBusy(
                f"HTTP {response.status_code}",
                delay=float(retry_after) if retry_after else None,
            )
        if response.status_code == 401:
            raise self._refused("credentials")
        if response.status_code in (403, 404):
            raise self._refused("mailbox")
        raise TransportError(f"HTTP {response.status_code}: {response.text[:200]}")

    def _disconnect(self):
        http, self.http = self.http, None
        if http is not None:
            http.close()
