from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_datetime

from ..tools.evidence_key import evidence_key
from ..tools.evidence_seal import seal


class FactoDematAnchor(models.Model):
    """The head of a company's evidence chain at a moment (its last event's
    number and seal), kept here and copied outside the database: emailed to
    the company's anchor address and written in the letter run's PDF. Events
    removed since, or a chain emptied, are then told by verification; an
    anchor itself is sealed like the events.

    Anchors are made by the add-on only (daily and at each letter run), as
    superuser; nobody may change or delete them.
    """

    _name = "facto.demat.anchor"
    _description = "Evidence trail anchor"
    _order = "date desc, id desc"

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    date = fields.Datetime(required=True, readonly=True)
    sequence = fields.Integer(string="Events", readonly=True)
    hash = fields.Char(string="Seal of the last event", readonly=True)
    origin = fields.Selection(
        [("daily", "Daily"), ("letter_run", "Letter run")], readonly=True
    )
    run_id = fields.Many2one(
        "facto.demat.letter.run", string="Letter run", readonly=True
    )
    keyed = fields.Boolean(string="Keyed seal", readonly=True)
    mac = fields.Char(string="Anchor seal", readonly=True)

    def write(self, vals):  # pylint: disable=method-required-super
        raise UserError(self.env._("Evidence anchors cannot be modified."))

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("Evidence anchors cannot be deleted."))

    @api.model
    def _cron_anchor_chains(self):
        """Anchor, once a day, the chain of every company that has one."""
        chains = self.env["facto.demat.chain"].sudo().search([("sequence", ">", 0)])
        self._anchor(chains.company_id, "daily")

    @api.model
    def _anchor(self, companies, origin, run=None):
        """Anchor each company's chain head now; email it to the company's
        anchor address. Return the anchors.

        As superuser: anchors are the add-on's own, made by its cron and its
        letter runs.
        """
        key = evidence_key()
        anchors = self.browse()
        chains = self.env["facto.demat.chain"].sudo()
        for company in companies.sudo():
            head = chains.search([("company_id", "=", company.id)])
            vals = {
                "company_id": company.id,
                "date": fields.Datetime.now(),
                "sequence": head.sequence,
                "hash": head.hash or "",
                "origin": origin,
                "run_id": run.id if run else False,
                "keyed": bool(key),
            }
            vals["mac"] = seal(self._payload(vals), key)
            anchors |= self.sudo().create(vals)
        anchors._send()
        return anchors

    def _text(self):
        """The anchor on one line, to keep and compare outside Odoo."""
        self.ensure_one()
        return (
            f"FACTO-DEMAT-ANCHOR company={self.company_id.id} "
            f"events={self.sequence} seal={self.hash} "
            f"at={fields.Datetime.to_string(self.date)}Z "
            f"anchor-seal={self.mac}"
        )

    def _send(self):
        for anchor in self.filtered("company_id.demat_anchor_email"):
            company = anchor.company_id
            self.env["mail.mail"].sudo().create(
                {
                    "subject": self.env._(
                        "%(company)s: evidence trail anchor of %(date)s",
                        company=company.name,
                        date=format_datetime(self.env, anchor.date),
                    ),
                    "body_html": Markup("<p>%s</p><pre>%s</pre><p>%s</p>")
                    % (
                        self.env._(
                            "The dematerialisation evidence trail of %(company)s "
                            "holds %(count)s events. Keep this email: it lets you "
                            "check, later, that no event was removed since.",
                            company=company.name,
                            count=anchor.sequence,
                        ),
                        anchor._text(),
                        company.name,
                    ),
                    "email_from": company.email_formatted,
                    "email_to": company.demat_anchor_email,
                    "auto_delete": False,
                }
            )

    @api.model
    def _last_anchor(self, company):
        return self.sudo().search([("company_id", "=", company.id)], limit=1)

    @api.model
    def _payload(self, anchor):
        """What an anchor's seal covers; `anchor` is a record or its values."""
        date = anchor["date"]
        return {
            "company_id": anchor["company_id"].id
            if isinstance(anchor["company_id"], models.BaseModel)
            else anchor["company_id"],
            "date": fields.Datetime.to_string(date),
            "sequence": anchor["sequence"] or 0,
            "hash": anchor["hash"] or "",
            "keyed": bool(anchor["keyed"]),
        }
