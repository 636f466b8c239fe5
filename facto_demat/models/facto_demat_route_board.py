from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..tools.einvoicing import ZONE_COUNTRIES
from .res_partner import EINVOICING_ROUTES

CONSENT_STATES = [
    ("refused", "Refused"),
    ("accepted", "Accepted"),
    ("letter_sent", "Letter sent"),
    ("nothing", "No letter yet"),
]
DATA_PROBLEMS = [
    ("invalid_siren", "Invalid SIREN"),
    ("no_siren", "No SIREN"),
    ("to_review", "Data waiting for review"),
    ("no_email", "No valid email"),
    ("none", "None"),
]
INVOICING = "account.group_account_invoice"


class FactoDematRouteBoard(models.Model):
    """The board of customers by invoicing route: one row per customer of
    the company, with its route, where its consent stands and what in its
    data stops it from being ready for the company's e-invoicing date.

    The route and consent are worked out per company, not stored on the
    customer; the board is therefore a snapshot, made again for the
    user and their company each time they open it (`action_open`), so that
    its list, pivot and filters group what a search on customers cannot.
    Each user has rows of their own (two users opening it at once never
    mix theirs). The rows are the process's own: users read them.
    """

    _name = "facto.demat.route.board"
    _description = "Customers by invoicing route"
    _order = "route, consent_state, partner_name"
    _rec_name = "partner_id"

    company_id = fields.Many2one("res.company", required=True, readonly=True)
    user_id = fields.Many2one(
        "res.users", required=True, readonly=True, index=True, ondelete="cascade"
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        readonly=True,
        ondelete="cascade",
    )
    partner_name = fields.Char(string="Name", readonly=True)
    partner_code = fields.Char(string="Code", readonly=True)
    route = fields.Selection(EINVOICING_ROUTES, string="Invoicing route", readonly=True)
    consent_state = fields.Selection(CONSENT_STATES, string="Consent", readonly=True)
    data_problem = fields.Selection(
        DATA_PROBLEMS,
        string="First data problem",
        readonly=True,
        help="The first of the customer's data problems, in this order: "
        "invalid SIREN, no SIREN (French businesses and public bodies), data "
        "it gave waiting for review, no valid email address.",
    )
    no_siren = fields.Boolean(string="No SIREN", readonly=True)
    invalid_siren = fields.Boolean(string="Invalid SIREN", readonly=True)
    no_email = fields.Boolean(string="No valid email", readonly=True)
    data_to_review = fields.Boolean(string="Data to review", readonly=True)
    not_ready = fields.Boolean(
        string="Not ready for e-invoicing",
        readonly=True,
        help="A French business without a valid SIREN, or whose data wait "
        "for review: its invoices cannot go through its approved platform "
        "from the company's e-invoicing date.",
    )

    # ------------------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------------------

    @api.model
    def action_open(self):
        """Make the board again for the user's company, then open it."""
        self._check_invoicing_user()
        self._refresh(self.env.company)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "facto_demat.facto_demat_route_board_action"
        )
        action["domain"] = [
            ("company_id", "=", self.env.company.id),
            ("user_id", "=", self.env.uid),
        ]
        return action

    def action_open_customer(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.partner_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    # ------------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------------

    def _check_invoicing_user(self):
        if not self.env.user.has_group(INVOICING):
            raise AccessError(
                self.env._("Only invoicing users see the customers by route.")
            )

    @api.model
    def _refresh(self, company):
        """Replace the user's rows of `company` by those of its customers
        now.

        As superuser, after `_check_invoicing_user`: the rows are the
        board's own; what they say is read with the user's rights."""
        rows = self._rows(company)
        for row in rows:
            row["user_id"] = self.env.uid
        self.sudo().search(
            [("company_id", "=", company.id), ("user_id", "=", self.env.uid)]
        ).unlink()
        self.sudo().create(rows)

    @api.model
    def _rows(self, company, domain=()):
        """The board's rows of `company` (list of dicts), one per customer
        the user may read (the company's own and shared ones) within
        `domain` (a search domain on customers)."""
        customers = (
            self.env["res.partner"]
            .with_company(company)
            .search(
                [
                    ("parent_id", "=", False),
                    ("customer_rank", ">", 0),
                    ("company_id", "in", [False, company.id]),
                    *domain,
                ]
            )
        )
        to_review = set(
            self.env["facto.demat.customer.data"]
            .search([("company_id", "=", company.id), ("state", "=", "to_review")])
            .partner_id.ids
        )
        return [
            self._row(customer, company, customer.id in to_review)
            for customer in customers
        ]

    @api.model
    def _row(self, customer, company, data_to_review):
        route = customer.demat_route
        # Chorus Pro needs the SIRET of the public body too
        siren_needed = route == "chorus_pro" or customer._demat_business_in_zone()
        business = route != "chorus_pro" and siren_needed
        siren, number = customer._demat_siren_read()
        problems = {
            "invalid_siren": bool(siren_needed and not siren and number),
            "no_siren": bool(siren_needed and not siren and not number),
            "to_review": data_to_review,
            "no_email": not customer.demat_email,
        }
        if customer.demat_refused:
            consent = "refused"
        elif customer.demat_accepted:
            consent = "accepted"
        elif customer.demat_letter_sent:
            consent = "letter_sent"
        else:
            consent = "nothing"
        return {
            "company_id": company.id,
            "partner_id": customer.id,
            "partner_name": customer.name,
            "partner_code": customer.ref,
            "route": route,
            "consent_state": consent,
            "data_problem": next(
                (name for name, problem in problems.items() if problem), "none"
            ),
            "no_siren": problems["no_siren"],
            "invalid_siren": problems["invalid_siren"],
            "no_email": problems["no_email"],
            "data_to_review": data_to_review,
            "not_ready": business
            and (problems["no_siren"] or problems["invalid_siren"] or data_to_review),
        }

    @api.model
    def _not_ready_count(self, company):
        """How many of `company`'s customers are not ready for its
        e-invoicing date (see `not_ready`): companies in the zone's
        countries only, where they all are."""
        in_zone = [
            ("is_company", "=", True),
            ("country_id.code", "in", sorted(ZONE_COUNTRIES)),
        ]
        return sum(row["not_ready"] for row in self._rows(company, in_zone))
