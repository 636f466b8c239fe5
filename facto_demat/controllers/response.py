from odoo import http
from odoo.http import request

from ..tools.email_address import valid_emails


class FactoDematResponse(http.Controller):
    """The page where a customer answers the dematerialisation letter,
    without an account: the link's token is the only key."""

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
        line, refusal = self._letter(token)
        if refusal:
            return refusal
        if answer not in ("refuse", "accept", "address"):
            return self._invalid()
        origin = {
            "ip_address": request.httprequest.remote_addr,
            "user_agent": (request.httprequest.user_agent.string or "")[:250],
        }
        message = line._apply_customer_answer(answer, origin, email, bool(confirm))
        if message is None:
            values = {"token": token, "email": email, "email_invalid": True}
            return self._render(line, "facto_demat.response_page", values)
        return self._render(line, "facto_demat.response_done", {"message": message})

    def _letter(self, token):
        """(letter, None) for a working link, else (None, the page to show),
        in the customer's language."""
        if not request.env["facto.demat.response.attempt"]._count_visit(
            request.httprequest.remote_addr
        ):
            too_many = request.render(
                "facto_demat.response_invalid", {"too_many": True}, status=429
            )
            return None, too_many
        line = request.env["facto.demat.letter.run.line"]._from_response_token(token)
        if not line:
            return None, self._invalid()
        lang = line.partner_id.lang
        if lang in dict(request.env["res.lang"].get_installed()):
            request.update_context(lang=lang)
        return line.with_context(lang=request.env.lang), None

    def _invalid(self):
        # The same page for an unknown, expired, replaced or altered link:
        # nothing tells which customers exist.
        return request.render("facto_demat.response_invalid", {}, status=404)

    def _render(self, line, template, values):
        company = line.run_id.company_id
        return request.render(
            template,
            {
                "company": company,
                "customer": line.partner_id,
                "masked_email": _mask(line.partner_id.with_company(company)),
                **values,
            },
        )


def _mask(partner):
    """The document addresses on file, partly hidden: j•••@b•••.fr."""
    masked = []
    for email in valid_emails(partner.demat_email):
        local, _at, domain = email.partition("@")
        name, _dot, suffix = domain.rpartition(".")
        masked.append(f"{local[:1]}•••@{name[:1]}•••.{suffix}")
    return ", ".join(masked)
