from odoo import api, fields, models

from ..tools.evidence_key import (
    HOW_TO,
    EvidenceKeyError,
    evidence_key,
    evidence_key_since,
)


class ResConfigSettings(models.TransientModel):
    _name = "res.config.settings"
    _inherit = ["res.config.settings", "facto.demat.einvoicing.profile.mixin"]

    demat_consent_policy = fields.Selection(
        related="company_id.demat_consent_policy", readonly=False
    )
    demat_grace_days = fields.Integer(
        related="company_id.demat_grace_days", readonly=False
    )
    demat_letter_subject = fields.Char(
        related="company_id.demat_letter_subject", readonly=False
    )
    demat_letter_body = fields.Html(
        related="company_id.demat_letter_body", readonly=False
    )
    demat_letter_body_no_email = fields.Html(
        related="company_id.demat_letter_body_no_email", readonly=False
    )
    demat_letter_business_subject = fields.Char(
        related="company_id.demat_letter_business_subject", readonly=False
    )
    demat_letter_business_body = fields.Html(
        related="company_id.demat_letter_business_body", readonly=False
    )
    demat_letter_information_subject = fields.Char(
        related="company_id.demat_letter_information_subject", readonly=False
    )
    demat_letter_information_body = fields.Html(
        related="company_id.demat_letter_information_body", readonly=False
    )
    demat_letter_attach_pdf = fields.Boolean(
        related="company_id.demat_letter_attach_pdf", readonly=False
    )
    demat_sender_email = fields.Char(
        related="company_id.demat_sender_email", readonly=False
    )
    demat_link_validity_days = fields.Integer(
        related="company_id.demat_link_validity_days", readonly=False
    )
    demat_anchor_email = fields.Char(
        related="company_id.demat_anchor_email", readonly=False
    )
    demat_evidence_keyed = fields.Boolean(
        string="Evidence key set", compute="_compute_demat_evidence_keyed"
    )
    demat_evidence_key_dated = fields.Boolean(
        string="Evidence key dated", compute="_compute_demat_evidence_keyed"
    )
    demat_evidence_key_how_to = fields.Char(
        string="How to set the evidence key",
        compute="_compute_demat_evidence_keyed",
    )

    demat_customers_not_ready = fields.Integer(
        string="Customers not ready for e-invoicing",
        compute="_compute_demat_customers_not_ready",
        help="French businesses without a valid SIREN, or whose data wait "
        "for review: their invoices cannot go through their approved "
        "platform from the company's e-invoicing date.",
    )

    # on company_id, so that the settings form (a new record) computes it
    @api.depends("company_id")
    def _compute_demat_customers_not_ready(self):
        Board = self.env["facto.demat.route.board"]
        for settings in self:
            settings.demat_customers_not_ready = Board._not_ready_count(
                settings.company_id
            )

    def action_demat_open_route_board(self):
        return self.env["facto.demat.route.board"].action_open()

    # on company_id, so that the settings form (a new record) computes it
    @api.depends("company_id")
    def _compute_demat_evidence_keyed(self):
        try:
            keyed = bool(evidence_key())
            dated = bool(evidence_key_since())
        except EvidenceKeyError:
            keyed = dated = False
        for settings in self:
            settings.demat_evidence_keyed = keyed
            settings.demat_evidence_key_dated = dated
            settings.demat_evidence_key_how_to = HOW_TO
