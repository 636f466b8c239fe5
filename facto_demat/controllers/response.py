from odoo import http
from odoo.http import request

from ..tools.email_address import valid_emails

MAX_BODY = 4096  # bytes a form may send: its fields and a token
MAX_EMAIL = 254  # characters of an address (RFC 5321)
MAX_IP = 45  # characters of an IPv6 address in its longest form
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
}


class FactoDematResponse(http.Controller):
    """The page where a customer answers the dematerialisation letter,
    without an account: the link's token is the only key. Whoever holds the
    link may answer: the evidence says the answer came by the link, and
    names the user when someone logged in to Odoo gave it.

    The visitor's address is the connection's, or the one Odoo's proxy mode
    reads from the proxy's headers when the administrator enabled it (which
    requires the server to be reachable only through that proxy): see
    `_recorded_address`.

    Odoo reads the form before the route runs. With `max_content_length`,
    werkzeug refuses a body whose declared length is too long. A chunked
    body (no declared length) is read up to `MAX_BODY` bytes only, and
    `_refuse_a_longer_body` refuses it if longer.
    """

    @http.route(
        "/demat/<string:token>",
        type="http",
        auth="public",
        methods=["GET"],
        sitemap=False,
        max_content_length=MAX_BODY,
    )
    def demat_page(self, token):
        line, refusal = self._letter(token)
        if refusal:
            return refusal
        return self._render(line, "facto_demat.response_page", {"token": token})

    @http.route(
        "/demat/<string:token>/answer",
        type="http",
        auth="public",
        methods=["POST"],
        sitemap=False,
        max_content_length=MAX_BODY,
    )
    def demat_answer(self, token, answer=None, email=None, confirm=None, **_kwargs):
        _refuse_a_longer_body()
        line, refusal = self._letter(token)
        if refusal:
            return refusal
        # an information letter asks for no consent: nothing to refuse
        if answer not in ("refuse", "accept", "address") or (
            line.letter_text == "information"
        ):
            return self._invalid()
        if answer == "address" and len(email or "") > MAX_EMAIL:
            email = None
        message = line._apply_customer_answer(answer, _origin(), email, bool(confirm))
        if message is None:
            values = {
                "token": token,
                "email": (email or "")[:MAX_EMAIL],
                "email_invalid": True,
            }
            return self._render(line, "facto_demat.response_page", values)
        return self._render(line, "facto_demat.response_done", {"message": message})

    @http.route(
        "/demat/<string:token>/data",
        type="http",
        auth="public",
        methods=["POST"],
        sitemap=False,
        max_content_length=MAX_BODY,
    )
    def demat_data(self, token, **form):
        """The customer's details (SIREN or SIRET, invoicing email, VAT
        liability, delivery address), for letters that ask for them: kept
        to review, never written to the customer from here."""
        _refuse_a_longer_body()
        line, refusal = self._letter(token)
        if refusal:
            return refusal
        if not line._asks_customer_data():
            return self._invalid()
        Data = request.env["facto.demat.customer.data"]
        values, errors = Data._read_form(form)
        if errors:
            typed = {name: (form.get(name) or "")[:MAX_EMAIL] for name in form}
            values = {"token": token, "data": typed, "data_errors": errors}
            return self._render(line, "facto_demat.response_page", values)
        Data._give(line, values, _origin())
        message = request.env._(
            "Thank you: your details were sent to %(company)s, who will check "
            "them before using them.",
            company=line.run_id.company_id.name,
        )
        return self._render(line, "facto_demat.response_done", {"message": message})

    def _letter(self, token):
        """(letter, None) for a working link, else (None, the page to show),
        in the customer's language."""
        if not request.env["facto.demat.response.attempt"]._count_visit(
            _client_address()
        ):
            too_many = request.render(
                "facto_demat.response_invalid", {"too_many": True}, status=429
            )
            return None, _secure(too_many)
        line = request.env["facto.demat.letter.run.line"]._from_response_token(token)
        if not line:
            return None, self._invalid()
        lang = line.partner_id._demat_lang(line.run_id.company_id)
        request.update_context(lang=lang)
        return line.with_context(lang=lang), None

    def _invalid(self):
        # The same page for an unknown, expired, replaced or altered link:
        # nothing tells which customers exist.
        return _secure(request.render("facto_demat.response_invalid", {}, status=404))

    def _render(self, line, template, values):
        company = line.run_id.company_id
        return _secure(
            request.render(
                template,
                {
                    "company": company,
                    "customer": line.partner_id,
                    "masked_email": _mask(line._customer()),
                    "recorded": line._recorded_answer(),
                    "signed_in_user": _signed_in_user(),
                    "letter_text": line.letter_text,
                    "asks_data": line._asks_customer_data(),
                    "countries": request.env["res.country"].search([]),
                    "data": {},
                    "data_errors": {},
                    **values,
                },
            )
        )


def _refuse_a_longer_body():
    """Raise werkzeug's RequestEntityTooLarge (a 413 answer) when the body
    went on past `MAX_BODY`: werkzeug parsed the form from the bytes it read
    up to there, without a word, and reading on from there raises."""
    request.httprequest.get_data()


def _client_address():
    """The visitor's address as Odoo gives it, by which visits are counted:
    the connection's, or under proxy mode the one the proxy forwards."""
    return (request.httprequest.remote_addr or "")[:MAX_IP]


def _recorded_address():
    """The visitor's address as the evidence keeps it: under proxy mode, the
    forwarded address then the connection's, as X-Forwarded-For lists them
    ("203.0.113.9, 10.0.0.2"), so that a client reaching Odoo directly
    with a header of its own still shows where it came from."""
    proxied = request.httprequest.environ.get("werkzeug.proxy_fix.orig")
    if not proxied:
        return _client_address()
    return f"{_client_address()}, {(proxied.get('REMOTE_ADDR') or '')[:MAX_IP]}"


def _origin():
    """Where an answer came from, as its evidence event keeps it."""
    return {
        "ip_address": _recorded_address(),
        "user_agent": (request.httprequest.user_agent.string or "")[:250],
        "user_id": _signed_in_user().id,
    }


def _signed_in_user():
    """The user logged in to Odoo in this browser, if any (res.users, maybe
    empty): their answer is theirs, not the customer's."""
    user = request.env.user
    return user.browse() if user._is_public() else user


def _secure(response):
    """The page, never framed, cached or named in a referrer."""
    response.headers.update(SECURITY_HEADERS)
    return response


def _mask(partner):
    """The document addresses on file, partly hidden: j•••@b•••.fr."""
    masked = []
    for email in valid_emails(partner.demat_email):
        local, _at, domain = email.partition("@")
        name, _dot, suffix = domain.rpartition(".")
        masked.append(f"{local[:1]}•••@{name[:1]}•••.{suffix}")
    return ", ".join(masked)
