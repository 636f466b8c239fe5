from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_datetime

from ..tools.evidence_key import evidence_key
from ..tools.evidence_seal import anchor_seal


class FactoDematAnchor(models.Model):
    """The head of a company's evidence chain at a moment (its last event's
    number and seal), kept here and copied outside the database: emailed to
    the company's anchor address and written in the letter run's PDF. Events
    removed since, or a chain emptied, are then told by verification.

    Anchors are chained too: each is numbered and seals the previous one's
    seal, and the chain's head seals the last one, so that an anchor
    removed, or the last ones, are told. An anchor is asked for (`_anchor`)
    and sealed by the chain's writer (`facto.demat.chain._chain_pending`),
    as the events are; until then its `mac` is empty. Anchors made before
    version 1.3 have no number and seal only the head.

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
    number = fields.Integer(readonly=True)
    previous_mac = fields.Char(string="Seal of the previous anchor", readonly=True)
    keyed = fields.Boolean(string="Keyed seal", readonly=True)
    mac = fields.Char(string="Anchor seal", readonly=True)

    def write(self, vals):  # pylint: disable=method-required-super
        raise UserError(self.env._("Evidence anchors cannot be modified."))

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("Evidence anchors cannot be deleted."))

    @api.model
    def _cron_anchor_chains(self):
        """Anchor, once a day, the chain of every company that has one;
        have the heads of the others sealed with the evidence key, if it
        was set since (see `facto.demat.chain._chain_pending`)."""
        chains = self.env["facto.demat.chain"].sudo()
        self._anchor(chains.search([("sequence", ">", 0)]).company_id, "daily")
        if evidence_key():
            unkeyed = chains.search([("keyed", "=", False)]).company_id
            chains._chain_new_events(unkeyed.ids)

    @api.model
    def _anchor(self, companies, origin, run=None):
        """Ask for an anchor of each company's chain head now: sealed by
        the chain's writer, in this transaction when the head is free, else
        right after it; then emailed to the company's anchor address. Return
        the anchors.

        As superuser: anchors are the add-on's own, made by its cron and its
        letter runs.
        """
        anchors = self.sudo().create(
            [
                {
                    "company_id": company.id,
                    "date": fields.Datetime.now(),
                    "origin": origin,
                    "run_id": run.id if run else False,
                }
                for company in companies
            ]
        )
        self.env["facto.demat.chain"]._chain_new_events(companies.ids)
        return anchors

    @api.model
    def _seal_waiting(self, head):
        """Seal the anchors of the head's company that wait for it, in the
        order they were asked for, as anchors of `head` (see
        `facto.demat.chain._lock_head`, locked); email them. Return the
        head's new last anchor number and seal."""
        key = evidence_key()
        number, previous_mac = head["anchor_number"], head["anchor_mac"]
        waiting = self.sudo().search(
            [("company_id", "=", head["company_id"]), ("mac", "=", False)],
            order="id",
        )
        for anchor in waiting:
            number += 1
            values = {
                "company_id": head["company_id"],
                "date": anchor.date,
                "sequence": head["sequence"],
                "hash": head["hash"] or "",
                "number": number,
                "previous_mac": previous_mac,
                "keyed": bool(key),
            }
            previous_mac = anchor_seal(values, key)
            self.env.cr.execute(
                SQL(
                    "UPDATE facto_demat_anchor SET sequence = %s, hash = %s, "
                    "number = %s, previous_mac = %s, keyed = %s, mac = %s "
                    "WHERE id = %s",
                    values["sequence"],
                    values["hash"],
                    number,
                    values["previous_mac"],
                    values["keyed"],
                    previous_mac,
                    anchor.id,
                )
            )
        waiting.invalidate_recordset()
        waiting._send()
        return number, previous_mac

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
        return self.sudo().search(
            [("company_id", "=", company.id), ("mac", "!=", False)], limit=1
        )
