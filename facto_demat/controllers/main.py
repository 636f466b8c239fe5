from odoo import http
from odoo.http import content_disposition, request


class FactoDematController(http.Controller):
    @http.route(
        "/facto_demat/documents_to_print/<models('account.move'):moves>",
        type="http",
        auth="user",
    )
    def documents_to_print(self, moves):
        """The PDFs of these invoices in one file, to print them at once."""
        moves.check_access("read")
        pdf = moves._demat_print_pdf()
        filename = request.env._("Documents to print.pdf")
        return request.make_response(
            pdf,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Length", len(pdf)),
                ("Content-Disposition", content_disposition(filename)),
            ],
        )
