from odoo import api, fields, models
from odoo.tools import SQL


class FactoDematResponseAttempt(models.TransientModel):
    """How many times an address visited letters' answer links in an hour,
    to slow down anyone trying links at random; rows are cleaned by Odoo's
    vacuum cron after two hours."""

    _name = "facto.demat.response.attempt"
    _description = "Visits to letters' answer links"
    _transient_max_hours = 2.0

    ip_address = fields.Char(required=True)
    hour_start = fields.Datetime(required=True)
    count = fields.Integer(required=True, default=1)

    def init(self):
        self.env.cr.execute(
            SQL(
                """
                CREATE UNIQUE INDEX IF NOT EXISTS
                       facto_demat_response_attempt_hour_uniq
                    ON facto_demat_response_attempt (ip_address, hour_start)
                """
            )
        )

    @api.model
    def _count_visit(self, ip_address):
        """Count a visit from this address; False when it made too many this
        hour (`facto_demat.answer_visits_per_hour`, 30).

        One statement counts and tells, so that simultaneous visits cannot
        all pass the limit: each waits for the other's row.
        """
        limit = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("facto_demat.answer_visits_per_hour", 30)
        )
        now = fields.Datetime.now()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO facto_demat_response_attempt
                       (ip_address, hour_start, count, create_date, write_date,
                        create_uid, write_uid)
                VALUES (%(ip)s, %(hour)s, 1, %(now)s, %(now)s, %(uid)s, %(uid)s)
                    ON CONFLICT (ip_address, hour_start)
                    DO UPDATE SET count = facto_demat_response_attempt.count + 1,
                                  write_date = EXCLUDED.write_date
                RETURNING count
                """,
                ip=ip_address,
                hour=now.replace(minute=0, second=0),
                now=now,
                uid=self.env.uid,
            )
        )
        return self.env.cr.fetchone()[0] <= limit
