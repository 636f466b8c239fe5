from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..tools.einvoicing import SEPARATORS, siren_of
from ..tools.email_address import valid_emails

VAT_LIABILITY = [("yes", "Liable to VAT"), ("no", "Not liable to VAT")]
INVOICING = "account.group_account_invoice"
# longest value the answer page takes in each field (an address: RFC 5321)
MAX_LENGTHS = {
    "siret": 32,
    "invoicing_email": 254,
    "delivery_street": 128,
    "delivery_zip": 16,
    "delivery_city": 64,
}


class FactoDematCustomerData(models.Model):
    """What a customer gave on its letter's answer page (SIREN or SIRET,
    invoicing email, VAT liability, delivery address), waiting for an
    invoicing user to apply it to the customer or reject it.

    Nothing a customer types is written to the customer by itself: the
    answer page creates these rows (as superuser, after the link's check),
    and only `action_apply` writes the customer, with the user's own rights.
    Each step is an evidence event of the customer (given, applied,
    rejected). The rows are the process's own: users read them and press
    the two buttons, nothing else.
    """

    _name = "facto.demat.customer.data"
    _description = "Data given by a customer, to review"
    _order = "state_sequence, create_date desc, id desc"
    _rec_name = "partner_id"

    company_id = fields.Many2one("res.company", required=True, readonly=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    line_id = fields.Many2one(
        "facto.demat.letter.run.line",
        string="Letter",
        readonly=True,
        ondelete="set null",
    )
    siret = fields.Char(
        string="SIREN or SIRET",
        readonly=True,
        help="As the customer typed it, checked by its key: 9 or 14 digits.",
    )
    invoicing_email = fields.Char(string="Invoicing email", readonly=True)
    vat_liability = fields.Selection(
        VAT_LIABILITY, string="VAT liability", readonly=True
    )
    delivery_street = fields.Char(string="Delivery street", readonly=True)
    delivery_zip = fields.Char(string="Delivery postcode", readonly=True)
    delivery_city = fields.Char(string="Delivery city", readonly=True)
    delivery_country_id = fields.Many2one(
        "res.country", string="Delivery country", readonly=True
    )
    summary = fields.Text(string="Data given", compute="_compute_summary")
    state = fields.Selection(
        [("to_review", "To review"), ("applied", "Applied"), ("rejected", "Rejected")],
        default="to_review",
        required=True,
        readonly=True,
        index=True,
    )
    # to-review rows first in the list
    state_sequence = fields.Integer(
        string="Review order", compute="_compute_state_sequence", store=True
    )
    decided_by_id = fields.Many2one("res.users", string="Decided by", readonly=True)
    decision_date = fields.Datetime(string="Decided on", readonly=True)
    event_id = fields.Many2one(
        "facto.demat.event", string="Evidence (given)", readonly=True
    )
    decision_event_id = fields.Many2one(
        "facto.demat.event", string="Evidence (decision)", readonly=True
    )

    # ------------------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------------------

    @api.depends("state")
    def _compute_state_sequence(self):
        for data in self:
            data.state_sequence = 0 if data.state == "to_review" else 1

    @api.depends(
        "siret",
        "invoicing_email",
        "vat_liability",
        "delivery_street",
        "delivery_zip",
        "delivery_city",
        "delivery_country_id",
    )
    def _compute_summary(self):
        for data in self:
            data.summary = "\n".join(data._items())

    # ------------------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------------------

    def action_apply(self):
        """Write what the customers gave to them, with the user's rights on
        customers, and seal each decision."""
        self._check_to_decide()
        for data in self:
            customer = data.partner_id.with_company(data.company_id)
            customer.check_access("write")
            data._apply_to(customer)
            data._decide("applied")
        return True

    def action_reject(self):
        """Leave the customers as they are, and seal each decision."""
        self._check_to_decide()
        for data in self:
            data._decide("rejected")
        return True

    # ------------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------------

    def _check_to_decide(self):
        if not self.env.user.has_group(INVOICING):
            raise AccessError(
                self.env._("Only invoicing users decide on the data customers give.")
            )
        self.check_access("read")
        # two users deciding at once: the second waits, then finds it done
        self.env.cr.execute(
            SQL(
                "SELECT id FROM facto_demat_customer_data WHERE id IN %s FOR UPDATE",
                tuple(self.ids),
            )
        )
        self.invalidate_recordset(["state"])
        if self.filtered(lambda data: data.state != "to_review"):
            raise UserError(self.env._("These data were already applied or rejected."))

    def _apply_to(self, customer):
        """Write this row's data to `customer` (its commercial partner, in
        the row's company)."""
        values = {}
        field = "siret" if "siret" in customer._fields else "company_registry"
        # a SIREN never replaces the SIRET it begins (its establishment)
        if self.siret and self.siret != customer.demat_siren:
            values[field] = self.siret
        if self.vat_liability:
            values["demat_vat_liability"] = self.vat_liability
        if values:
            customer.write(values)
        if self.invoicing_email:
            customer._demat_set_document_email(self.invoicing_email)
        if self.delivery_street:
            customer.create(
                {
                    "parent_id": customer.id,
                    "type": "delivery",
                    "street": self.delivery_street,
                    "zip": self.delivery_zip,
                    "city": self.delivery_city,
                    "country_id": self.delivery_country_id.id,
                }
            )

    def _decide(self, state):
        """Seal the decision `state` ("applied" or "rejected") on this row
        in its customer's trail, and close the row, as superuser: the row
        and the trail are the process's own, written after the checks of
        `_check_to_decide`."""
        self.ensure_one()
        customer = self.partner_id.with_company(self.company_id)
        event = (
            self.env["facto.demat.event"]
            .sudo()
            .create(
                customer._prepare_demat_event(
                    f"data_{state}", "manual", note=self.summary
                )
            )
        )
        self.sudo().write(
            {
                "state": state,
                "decided_by_id": self.env.uid,
                "decision_date": fields.Datetime.now(),
                "decision_event_id": event.id,
            }
        )
        label = dict(self._fields["state"]._description_selection(self.env))[state]
        customer.sudo().message_post(
            body=Markup("<p>%s</p><p>%s</p>")
            % (
                self.env._(
                    "Data given by the customer through the letter's link: %(state)s.",
                    state=label.lower(),
                ),
                self.summary,
            ),
            message_type="notification",
            subtype_xmlid="mail.mt_note",
        )

    @api.model
    def _read_form(self, form):
        """The data a customer typed on the answer page, checked: ({field:
        value} to record, {field: error in words}). `form` maps the page's
        field names (those of this model; `delivery_country_id` a country
        id as text) to what was typed. Nothing is recorded while there is an
        error; the page shows the errors beside what was typed."""
        typed = {name: (form.get(name) or "").strip() for name in MAX_LENGTHS}
        values, errors = {}, {}
        for name, text in typed.items():
            if len(text) > MAX_LENGTHS[name]:
                errors[name] = self.env._(
                    "Too long: %(maximum)s characters at most.",
                    maximum=MAX_LENGTHS[name],
                )
        if typed["siret"] and "siret" not in errors:
            number = SEPARATORS.sub("", typed["siret"])
            if number.isdigit() and siren_of(number):
                values["siret"] = number
            else:
                errors["siret"] = self.env._(
                    "This is not a valid SIREN (9 digits) or SIRET (14 digits): "
                    "check the number on your Kbis or your INSEE notice."
                )
        if typed["invoicing_email"] and "invoicing_email" not in errors:
            emails = valid_emails(typed["invoicing_email"])
            if len(emails) == 1:
                values["invoicing_email"] = emails[0]
            else:
                errors["invoicing_email"] = self.env._("Give one valid email address.")
        if form.get("vat_liability") in dict(VAT_LIABILITY):
            values["vat_liability"] = form["vat_liability"]
        address = [
            typed[name] for name in ("delivery_street", "delivery_zip", "delivery_city")
        ]
        if any(address) and not all(address):
            errors["delivery_street"] = self.env._(
                "Give the street, the postcode and the city of the delivery address."
            )
        elif all(address):
            country_id = form.get("delivery_country_id") or ""
            country = self.env["res.country"].browse(
                int(country_id) if country_id.isdigit() and len(country_id) < 7 else []
            )
            values.update(
                delivery_street=typed["delivery_street"],
                delivery_zip=typed["delivery_zip"],
                delivery_city=typed["delivery_city"],
                delivery_country_id=(country.exists() or self.env.ref("base.fr")).id,
            )
        if not values and not errors:
            errors["form"] = self.env._("Nothing was filled in.")
        return (values if not errors else {}), errors

    @api.model
    def _give(self, line, values, origin):
        """Record `values` ({field: value}, already checked by the answer
        page) given by the customer of the letter `line`, with its evidence
        event ("data given by the customer"); the same data still waiting
        for review are not recorded twice. Return the row.

        As superuser, called by the public answer page only, for a letter
        whose link was checked."""
        customer = line._customer()
        Data = self.sudo()
        same = Data.search(
            [
                ("partner_id", "=", customer.id),
                ("company_id", "=", line.run_id.company_id.id),
                ("state", "=", "to_review"),
                *[(name, "=", value or False) for name, value in values.items()],
            ],
            limit=1,
        )
        if same:
            return same
        data = Data.create(
            {
                **values,
                "company_id": line.run_id.company_id.id,
                "partner_id": customer.id,
                "line_id": line.id,
            }
        )
        event = Data.env["facto.demat.event"].create(
            customer._prepare_demat_event(
                "data_given", "link", note=data.summary, **origin
            )
        )
        data.event_id = event
        return data

    def _items(self):
        """What this row gives, a line each, in words."""
        self.ensure_one()
        items = []
        if self.siret:
            items.append(self.env._("SIREN or SIRET: %(number)s", number=self.siret))
        if self.invoicing_email:
            items.append(
                self.env._("Invoicing email: %(email)s", email=self.invoicing_email)
            )
        if self.vat_liability:
            labels = self._fields["vat_liability"]._description_selection(self.env)
            items.append(dict(labels)[self.vat_liability])
        if self.delivery_street:
            address = ", ".join(
                filter(
                    None,
                    [
                        self.delivery_street,
                        " ".join(filter(None, [self.delivery_zip, self.delivery_city])),
                        self.delivery_country_id.name,
                    ],
                )
            )
            items.append(self.env._("Delivery address: %(address)s", address=address))
        return items
