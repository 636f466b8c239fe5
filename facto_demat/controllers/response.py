from odoo import http
from odoo.http import request

from ..tools.email_address import valid_emails

MAX_BODY = 4096  # bytes a form may send: three fields and a token
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
    without an account: the link's token is the only key.

    The visitor's address is the connection's, or the one Odoo's proxy mode
    reads from the proxy's headers when the administrator enabled it (which
    requires the server to be reachable only through that proxy).
    """

    @http.route(
        "/demat/<string:token>",
        type="http",
        auth="public",
        methods=["GET"],
        sitemap=False,
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
    )
    def demat_answer(self, token, answer=None, email=None, confirm=None, **_kwargs):
        if (request.httprequest.content_length or 0) > MAX_BODY:
            return _secure(request.make_response("Request too large", status=413))
        line, refusal = self._letter(token)
        if refusal:
            return refusal
        if answer not in ("refuse", "accept", "address"):
            return self._invalid()
        if answer == "address" and len(email or "") > MAX_EMAIL:
            email = None
        origin = {
            "ip_address": _client_address(),
            "user_agent": (request.httprequest.user_agent.string or "")[:250],
        }
        message = line._apply_customer_answer(answer, origin, email, bool(confirm))
        if message is None:
            values = {
                "token": token,
                "email": (email or "")[:MAX_EMAIL],
                "email_invalid": True,
            }
            return self._render(line, "facto_demat.response_page", values)
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
        customer = line.partner_id.commercial_partner_id.with_company(company)
        return _secure(
            request.render(
                template,
                {
                    "company": company,
                    "customer": line.partner_id,
                    "masked_email": _mask(customer),
                    "recorded": customer._demat_recorded_answer(),
                    **values,
                },
            )
        )


def _client_address():
    return (request.httprequest.remote_addr or "")[:MAX_IP]


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
