import re

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_datetime

# An anchor as `facto.demat.anchor._text` writes it in its email and in the
# letter runs' PDFs.
ANCHOR_TEXT = re.compile(
    r"FACTO-DEMAT-ANCHOR company=(?P<company>\d+) events=(?P<events>\d+) "
    r"seal=(?P<seal>[0-9a-f]*) at=(?P<at>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)Z"
)


class FactoDematAnchorCheck(models.TransientModel):
    """Checks the anchors kept outside the database (the anchor emails, the
    letter runs' PDF properties) against the evidence chain as it is now:
    each must still be there, the same event no. with the same seal. What
    the database alone cannot tell (a chain rewritten or emptied with its
    anchors and its head) is told so, key or no key."""

    _name = "facto.demat.anchor.check"
    _description = "Check of the kept evidence anchors"

    anchor_text = fields.Text(
        string="Anchors you kept",
        required=True,
        help="Paste the anchor emails, or just their lines starting with "
        "FACTO-DEMAT-ANCHOR.",
    )

    def action_check(self):
        """Check each anchor of `anchor_text` and say how it went (a
        notification). Raises `UserError` when the text holds none."""
        self.ensure_one()
        self.env["facto.demat.event"].check_access("read")
        anchors = [
            match.groupdict() for match in ANCHOR_TEXT.finditer(self.anchor_text)
        ]
        if not anchors:
            raise UserError(
                self.env._(
                    "No anchor found: paste the lines that start with "
                    "FACTO-DEMAT-ANCHOR."
                )
            )
        sentences = [self._check_anchor(anchor) for anchor in anchors]
        broken = any(not held for held, _sentence in sentences)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Kept anchors"),
                "message": "\n".join(sentence for _held, sentence in sentences),
                "type": "danger" if broken else "success",
                "sticky": True,
            },
        }

    def _check_anchor(self, anchor):
        """(whether the chain still holds `anchor`, the sentence that says
        so); `anchor`: the groups of `ANCHOR_TEXT`."""
        company = self.env.user.company_ids.filtered(
            lambda c: c.id == int(anchor["company"])
        )
        date = format_datetime(self.env, fields.Datetime.to_datetime(anchor["at"]))
        if not company:
            return False, self.env._(
                "Anchor of %(date)s: company no. %(company)s is not one of yours.",
                date=date,
                company=anchor["company"],
            )
        words = {"company": company.name, "date": date, "count": anchor["events"]}
        if int(anchor["events"]) and self._seal_of(company, anchor) != anchor["seal"]:
            return False, self.env._(
                "%(company)s: the chain no longer holds the anchor of %(date)s "
                "(%(count)s events): the trail was rewritten, shortened or emptied "
                "since.",
                **words,
            )
        return True, self.env._(
            "%(company)s: the chain still holds the anchor of %(date)s "
            "(%(count)s events).",
            **words,
        )

    def _seal_of(self, company, anchor):
        """The seal of the company's event whose number the anchor gives,
        or None."""
        self.env.cr.execute(
            SQL(
                "SELECT hash FROM facto_demat_event "
                "WHERE company_id = %s AND sequence = %s",
                company.id,
                int(anchor["events"]),
            )
        )
        row = self.env.cr.fetchone()
        return row and row[0]
