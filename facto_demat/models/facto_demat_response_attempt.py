from datetime import timedelta

from odoo import api, fields, models


class FactoDematResponseAttempt(models.TransientModel):
    """A visit to a letter's answer link, kept an hour to slow down anyone
    trying links at random."""

    _name = "facto.demat.response.attempt"
    _description = "Visit to a letter's answer link"
    _transient_max_hours = 1.0

    ip_address = fields.Char(required=True, index=True)

    @api.model
    def _count_visit(self, ip_address):
        """Count a visit from this address; False when it made too many in
        the last hour (`facto_demat.answer_visits_per_hour`, 30).

        As superuser: the visitors are not logged in.
        """
        limit = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("facto_demat.answer_visits_per_hour", 30)
        )
        attempts = self.sudo()
        since = fields.Datetime.now() - timedelta(hours=1)
        if (
            attempts.search_count(
                [("ip_address", "=", ip_address), ("create_date", ">=", since)]
            )
            >= limit
        ):
            return False
        attempts.create({"ip_address": ip_address})
        return True
