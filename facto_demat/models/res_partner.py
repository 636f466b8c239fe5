from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import email_normalize, format_datetime, html2plaintext

from ..tools import email_address
from ..tools.einvoicing import (
    CHORUS_PRO_PEPPOL_ID,
    OUTSIDE_ZONE_TERRITORIES,
    PEPPOL_SCHEMES,
    ZONE_COUNTRIES,
    in_einvoicing_zone,
    siren_in_vat,
    siren_of,
)
from ..tools.html_text import without_quotes
from ..tools.process_fields import check_user_values

INVOICING = "account.group_account_invoice"
ACCOUNTING_MANAGER = "account.group_account_manager"
# How the law has a customer's invoices reach it (see tools/einvoicing.py)
EINVOICING_ROUTES = [
    ("einvoicing", "E-invoicing (approved platform)"),
    ("chorus_pro", "Chorus Pro"),
    ("consent", "Email with consent"),
]
# The partner fields a SIREN or SIRET is read from (18.0: l10n_fr's siret)
SIREN_FIELDS = ("siret", "company_registry")
DEMAT_STATUSES = [
    ("allowed", "Documents may be emailed"),
    ("refused", "Refused"),
    ("no_email", "No valid email address"),
    ("not_accepted", "Not accepted yet (opt-in)"),
    ("waiting", "Notice period not over"),
]
# Consent facts: {flag: (date field, event type when recorded, event type
# when withdrawn, or None if it cannot be)}.
CONSENT_FACTS = {
    "demat_letter_sent": ("demat_letter_date", "letter_recorded", None),
    "demat_refused": ("demat_refused_date", "refusal_recorded", "refusal_withdrawn"),
    "demat_accepted": (
        "demat_accepted_date",
        "acceptance_recorded",
        "acceptance_withdrawn",
    ),
}
CONSENT_FIELDS = {
    *CONSENT_FACTS,
    *(date_field for date_field, _recorded, _withdrawn in CONSENT_FACTS.values()),
}
# Fields whose change may alter a customer's document address.
ADDRESS_INPUTS = {"email", "type", "parent_id", "active", "child_ids"}
# The context value by which the add-on's own paths store consent facts
# whose evidence they recorded themselves (the letter runs): an object, which
# no RPC call can send.
FACTS_RECORDED = object()
LETTER_REPLY = "facto_demat.mail_activity_letter_reply"
# How far up a reply's parents its letter is looked for (19.0 keeps the
# parent a reply names, 18.0 the thread's first message).
REPLY_DEPTH = 10


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Consent is each company's own (what a customer told company A decides
    # nothing for company B), and the customer's, never a contact's: the
    # facts are stored on commercial partners only, per company, and written
    # only through `_demat_record_facts` (see `write`).
    demat_letter_sent = fields.Boolean(
        string="Dematerialisation letter sent",
        company_dependent=True,
        readonly=True,
        copy=False,
        groups=INVOICING,
    )
    demat_letter_date = fields.Datetime(
        string="Dematerialisation letter date",
        company_dependent=True,
        readonly=True,
        copy=False,
        groups=INVOICING,
    )
    demat_refused = fields.Boolean(
        string="Refuses dematerialisation",
        company_dependent=True,
        readonly=True,
        tracking=True,
        copy=False,
        groups=INVOICING,
        help="The customer refused to receive documents by email: they go on paper.",
    )
    demat_refused_date = fields.Datetime(
        string="Refusal date",
        company_dependent=True,
        readonly=True,
        copy=False,
        groups=INVOICING,
    )
    demat_accepted = fields.Boolean(
        string="Accepts dematerialisation",
        company_dependent=True,
        readonly=True,
        tracking=True,
        copy=False,
        groups=INVOICING,
        help="The customer explicitly accepted to receive documents by email "
        "(needed under the opt-in policy).",
    )
    demat_accepted_date = fields.Datetime(
        string="Acceptance date",
        company_dependent=True,
        readonly=True,
        copy=False,
        groups=INVOICING,
    )
    demat_email = fields.Char(
        string="Document email address",
        compute="_compute_demat_email",
        store=True,
        groups=INVOICING,
        help="Where documents are emailed: the valid addresses of the "
        "customer's invoice address (Odoo's invoice contact, else the "
        "customer), or of the customer itself when the invoice contact has "
        "none; empty when neither has a valid address.",
    )
    demat_recipient_id = fields.Many2one(
        "res.partner",
        string="Documents go to",
        compute="_compute_demat_email",
        store=True,
        groups=INVOICING,
        help="The contact whose address receives the customer's documents.",
    )
    demat_email_issue = fields.Char(
        string="Invalid address",
        compute="_compute_demat_email_issue",
        groups=INVOICING,
        help="The addresses of the customer and of its invoice contact that "
        "are not valid, and why.",
    )
    demat_status = fields.Selection(
        DEMAT_STATUSES,
        string="Dematerialisation status",
        compute="_compute_demat_status",
        groups=INVOICING,
    )
    demat_allowed = fields.Boolean(
        string="Documents by email",
        compute="_compute_demat_status",
        search="_search_demat_allowed",
        groups=INVOICING,
    )
    demat_requested_email = fields.Char(
        string="Address requested by the customer",
        company_dependent=True,
        readonly=True,
        copy=False,
        groups=INVOICING,
        help="Given by the customer in answer to the letter; it becomes the "
        "invoice contact's email once someone confirms it.",
    )
    demat_answer_confirmation_date = fields.Date(
        string="Answer confirmation emailed on",
        company_dependent=True,
        readonly=True,
        copy=False,
        groups=INVOICING,
        help="The day the customer was last emailed what they answered by the "
        "letter's link: one confirmation a day at most, however many answers.",
    )
    demat_letter_reply_id = fields.Many2one(
        "mail.message",
        string="Reply to the letter",
        readonly=True,
        copy=False,
        groups=INVOICING,
        help="The customer's last email in reply to a dematerialisation "
        "letter, while its activity is open.",
    )
    demat_letter_reply_open = fields.Boolean(
        string="Letter reply to handle",
        compute="_compute_demat_letter_reply_open",
        groups=INVOICING,
    )
    demat_siren = fields.Char(
        string="SIREN",
        compute="_compute_demat_route_data",
        store=True,
        help="The SIREN of the partner's SIRET or SIREN (company registry, "
        "Peppol address), checksum checked; empty when none is valid.",
    )
    demat_route_data = fields.Selection(
        EINVOICING_ROUTES,
        string="Invoicing route by the customer's data",
        compute="_compute_demat_route_data",
        store=True,
        help="The route the partner's own data give (country, postcode, "
        "SIREN, Peppol address), before any route set by hand.",
    )
    demat_vat_liability = fields.Selection(
        [("yes", "Liable to VAT"), ("no", "Not liable to VAT")],
        string="VAT liability",
        tracking=True,
        help="Whether the customer is liable to VAT (assujetti). A French "
        "organisation that is not (an association without taxable "
        "activity, for example) is outside e-invoicing: its invoices go by "
        "email with its consent, or on paper. Empty: not known, liable when "
        "it has a SIREN.",
    )
    demat_route = fields.Selection(
        EINVOICING_ROUTES,
        string="Invoicing route",
        compute="_compute_demat_route",
        search="_search_demat_route",
        groups=INVOICING,
        help="How the French e-invoicing reform has the customer's invoices "
        "reach it: through its approved platform (a French business, from "
        "the company's e-invoicing date), Chorus Pro (public sector), or by "
        "email with its consent (consumers, foreign customers, overseas "
        "territories outside the scheme).",
    )
    demat_route_reason = fields.Char(
        string="Why this route",
        compute="_compute_demat_route",
        groups=INVOICING,
    )
    demat_route_forced = fields.Selection(
        EINVOICING_ROUTES,
        string="Route set by hand",
        company_dependent=True,
        copy=False,
        tracking=True,
        groups=INVOICING,
        help="Where the customer's data mislead (an association with a SIREN "
        "that is not liable to VAT, a public body): the route accounting "
        "managers chose, with its reason.",
    )
    demat_route_forced_reason = fields.Char(
        string="Reason for the route set by hand",
        company_dependent=True,
        copy=False,
        tracking=True,
        groups=INVOICING,
    )
    demat_event_count = fields.Integer(
        string="Evidence events",
        compute="_compute_demat_event_count",
        groups=INVOICING,
    )

    # ------------------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------------------

    @api.depends(
        "email",
        "type",
        "message_bounce",
        "commercial_partner_id.message_bounce",
        "commercial_partner_id.child_ids.message_bounce",
        "commercial_partner_id.email",
        "commercial_partner_id.child_ids.type",
        "commercial_partner_id.child_ids.email",
        "commercial_partner_id.child_ids.active",
    )
    def _compute_demat_email(self):
        for partner in self:
            recipient, emails = (
                partner.commercial_partner_id._demat_document_recipient()
            )
            partner.demat_recipient_id = recipient
            partner.demat_email = ", ".join(emails) or False

    @api.depends("demat_email", "demat_recipient_id")
    def _compute_demat_email_issue(self):
        for partner in self:
            customer = partner.commercial_partner_id
            faults = []
            for candidate in customer._demat_invoice_address() | customer:
                faults += candidate._demat_email_faults()
            partner.demat_email_issue = "; ".join(dict.fromkeys(faults)) or False

    @api.depends(
        "demat_email",
        "commercial_partner_id.demat_refused",
        "commercial_partner_id.demat_accepted",
        "commercial_partner_id.demat_letter_date",
    )
    @api.depends_context("company")
    def _compute_demat_status(self):
        deadline = self.env.company._demat_letter_deadline()
        for partner in self:
            withheld = partner._demat_consent_withheld(deadline)
            if withheld == "refused" or (withheld and partner.demat_email):
                status = withheld
            else:
                status = "allowed" if partner.demat_email else "no_email"
            partner.demat_status = status
            partner.demat_allowed = status == "allowed"

    def _search_demat_allowed(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(
                self.env._("Documents by email can only be searched as yes or no.")
            )
        company = self.env.company
        deadline = company._demat_letter_deadline()
        opt_in = company.demat_consent_policy == "opt_in"
        # the consent of the customer (its commercial partner), in the
        # current company: company-dependent fields read its value
        refused = "commercial_partner_id.demat_refused"
        accepted = "commercial_partner_id.demat_accepted"
        letter_date = "commercial_partner_id.demat_letter_date"
        if (operator == "=") == value:
            domain = [(refused, "!=", True), ("demat_email", "!=", False)]
            if opt_in:
                domain += [(accepted, "=", True)]
            elif deadline:
                domain += ["|", (accepted, "=", True), (letter_date, "<=", deadline)]
            return domain
        # Spelled out rather than negated: '!' would drop customers whose
        # letter date is empty (SQL NULL).
        # A plain list: odoo.osv.expression is deprecated in 19.0, and
        # odoo.fields.Domain does not exist in 18.0.
        not_allowed = ["|", (refused, "=", True), ("demat_email", "=", False)]
        if opt_in:
            return ["|", (accepted, "!=", True), *not_allowed]
        if deadline:
            return [
                "|",
                "&",
                (accepted, "!=", True),
                "|",
                (letter_date, "=", False),
                (letter_date, ">", deadline),
                *not_allowed,
            ]
        return not_allowed

    @api.depends(lambda self: self._demat_route_inputs())
    def _compute_demat_route_data(self):
        for partner in self:
            partner.demat_siren = partner._demat_siren_read()[0]
            partner.demat_route_data = partner._demat_route_of_data()[0]

    @api.depends(
        "commercial_partner_id.demat_route_data",
        "commercial_partner_id.demat_route_forced",
        "commercial_partner_id.demat_route_forced_reason",
    )
    @api.depends_context("company")
    def _compute_demat_route(self):
        for partner in self:
            customer = partner.commercial_partner_id.with_company(self.env.company)
            if customer.demat_route_forced:
                partner.demat_route = customer.demat_route_forced
                partner.demat_route_reason = self.env._(
                    "Set by hand: %(reason)s",
                    reason=customer.demat_route_forced_reason,
                )
            else:
                partner.demat_route, partner.demat_route_reason = (
                    customer._demat_route_of_data()
                )

    def _search_demat_route(self, operator, value):
        if operator not in ("=", "!=", "in", "not in"):
            raise UserError(self.env._("The invoicing route cannot be searched so."))
        routes = {value} if isinstance(value, str) else set(value or ())
        if operator in ("!=", "not in"):
            routes = {key for key, _label in EINVOICING_ROUTES} - routes
        forced = "commercial_partner_id.demat_route_forced"
        data = "commercial_partner_id.demat_route_data"
        routes = list(routes)
        return [
            "|",
            (forced, "in", routes),
            "&",
            (forced, "=", False),
            (data, "in", routes),
        ]

    def _compute_demat_event_count(self):
        counts = dict(
            self.env["facto.demat.event"]._read_group(
                [("partner_id", "in", self.commercial_partner_id.ids)],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.demat_event_count = counts.get(partner.commercial_partner_id, 0)

    @api.depends("activity_ids.activity_type_id")
    def _compute_demat_letter_reply_open(self):
        for partner in self:
            partner.demat_letter_reply_open = bool(
                partner._demat_open_activity(LETTER_REPLY)
            )

    # ------------------------------------------------------------------------
    # CONSTRAINT AND ONCHANGE METHODS
    # ------------------------------------------------------------------------

    @api.constrains("demat_route_forced", "demat_route_forced_reason")
    def _check_demat_route_forced(self):
        for partner in self:
            if partner.demat_route_forced and not partner.demat_route_forced_reason:
                raise ValidationError(
                    self.env._(
                        "Say why the invoicing route of %(customer)s is set by hand.",
                        customer=partner.display_name,
                    )
                )
            if (
                partner.demat_route_forced
                and not partner.is_company
                and (partner.parent_id)
            ):
                raise ValidationError(
                    self.env._(
                        "The invoicing route is the customer's: set it on "
                        "%(customer)s.",
                        customer=partner.commercial_partner_id.display_name,
                    )
                )

    # ------------------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------------------

    @api.model
    def fields_get(self, allfields=None, attributes=None):
        # EXTENDS 'base': administrators may import consent facts (see
        # `_demat_record_facts`); the import screen offers only the fields
        # that are not read-only. The views keep them read-only.
        result = super().fields_get(allfields, attributes)
        if self.env.is_system():
            for name in CONSENT_FIELDS & result.keys():
                if "readonly" in result[name]:
                    result[name]["readonly"] = False
        return result

    @api.model
    def load(self, fields, data):
        # EXTENDS 'base': the consent facts of an import are sealed as such
        return super(ResPartner, self.with_context(demat_import=True)).load(
            fields, data
        )

    @api.model_create_multi
    def create(self, vals_list):
        facts = []
        for vals in vals_list:
            check_user_values(self, vals)
            self._demat_check_route_rights(vals)
            facts.append(self._demat_pop_facts(vals))
        parents = self.browse(
            {vals["parent_id"] for vals in vals_list if vals.get("parent_id")}
        ).commercial_partner_id
        before = parents._demat_address_snapshot()
        partners = super().create(vals_list)
        customers = partners.filtered(lambda p: p.commercial_partner_id == p)
        (parents | customers)._demat_log_address_changes(before)
        for partner, partner_facts in zip(partners, facts, strict=True):
            if partner_facts:
                partner.commercial_partner_id._demat_record_facts(
                    partner_facts, partner
                )
        return partners

    def write(self, vals):
        check_user_values(self, vals)
        self._demat_check_route_rights(vals)
        facts = self._demat_pop_facts(vals)
        result = True
        if ADDRESS_INPUTS & vals.keys():
            # a contact moved to another company changes that company too
            new_parent = self.browse(vals.get("parent_id")).commercial_partner_id
            customers = self.commercial_partner_id | new_parent
            before = customers._demat_address_snapshot()
            bounced = self._demat_bounced_elsewhere(vals)
            result = super().write(vals)
            bounced.write({"message_bounce": 0})
            (customers | self.commercial_partner_id)._demat_log_address_changes(before)
        elif vals or not facts:
            result = super().write(vals)
        for partner in self:
            if facts:
                partner.commercial_partner_id._demat_record_facts(facts, partner)
        return result

    def _message_post_after_hook(self, message, msg_values):
        # EXTENDS 'mail': an email that Odoo's mail gateway routed here as a
        # reply to a dematerialisation letter (its In-Reply-To or References
        # name the letter's email) opens the letter-reply activity.
        result = super()._message_post_after_hook(message, msg_values)
        if message.message_type == "email" and message.parent_id:
            self._demat_note_letter_reply(message)
        return result

    # ------------------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------------------

    def action_demat_record_refusal(self):
        self._demat_set_consent("demat_refused", True)

    def action_demat_withdraw_refusal(self):
        self._demat_set_consent("demat_refused", False)

    def action_demat_record_acceptance(self):
        self._demat_set_consent("demat_accepted", True)

    def action_demat_withdraw_acceptance(self):
        self._demat_set_consent("demat_accepted", False)

    def action_view_demat_events(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "facto_demat.facto_demat_event_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"create": False}
        return action

    def action_demat_refuse_from_reply(self):
        """Record the refusal the customer wrote in reply to the letter, with
        the reply's date and sender in the evidence, and close the reply's
        activity. AccessError for users outside invoicing."""
        self.ensure_one()
        self._demat_check_consent_rights()
        customer = self.commercial_partner_id
        reply = customer._demat_letter_reply()
        note = self.env._(
            "Refusal written by the customer in reply to the letter: email of "
            "%(date)s from %(sender)s.",
            date=format_datetime(self.env, reply.date),
            sender=reply.email_from,
        )
        customer.with_context(
            demat_event={"channel": "manual", "note": note}
        )._demat_set_consent("demat_refused", True)
        customer._demat_close_letter_reply(
            self.env._("Refusal recorded from the reply.")
        )

    def action_demat_reply_address(self):
        """Open the wizard that applies the address the customer asked for
        in reply to the letter, prefilled with the addresses the reply holds.
        AccessError for users outside invoicing."""
        self.ensure_one()
        self._demat_check_consent_rights()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Apply the requested address"),
            "res_model": "facto.demat.reply.address",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_id": self.commercial_partner_id.id},
        }

    def action_demat_apply_requested_email(self):
        """Make the address the customer asked for the invoice contact's."""
        self.check_access("write")
        for customer in self.commercial_partner_id.filtered("demat_requested_email"):
            customer._demat_set_document_email(customer.demat_requested_email)
            customer._demat_set_requested_email_done()

    # ------------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------------

    def _message_receive_bounce(self, email, partner):
        # EXTENDS 'mail': the bounce counts on the contacts holding the
        # address that bounced, not on a customer whose own address is
        # another (Odoo counts it on the record the email was about too)
        holders = self.filtered(
            lambda p: (
                not email
                or p.email_normalized == email_normalize(email)
                or bool(
                    set(email_address.valid_emails(email))
                    & set(email_address.valid_emails(p.email))
                )
            )
        )
        return super(ResPartner, holders)._message_receive_bounce(email, partner)

    def _demat_bounced_elsewhere(self, vals):
        """Those of these partners whose bounced address (`message_bounce`)
        `vals` replaces by another: Odoo keeps the count when the address
        changes, for the add-on a new address has not bounced."""
        if "email" not in vals or "message_bounce" in vals:
            return self.browse()
        new = set(email_address.valid_emails(vals["email"]))
        return self.filtered(
            lambda p: (
                p.message_bounce and set(email_address.valid_emails(p.email)) != new
            )
        )

    def _demat_post_bounce_note(self, text):
        """Say `text` (a sentence about a bounce) in this customer's chatter,
        as OdooBot."""
        self.ensure_one()
        self.sudo().message_post(
            body=Markup("<p>%s</p>") % text,
            author_id=self.env.ref("base.partner_root").id,
            message_type="notification",
            subtype_xmlid="mail.mt_note",
        )

    def _demat_check_consent_rights(self):
        """Raise AccessError unless the user is an invoicing user who may
        read these partners."""
        if not self.env.user.has_group(INVOICING):
            raise AccessError(
                self.env._("Only invoicing users may record a customer's consent.")
            )
        self.check_access("read")

    def _demat_set_consent(self, field, value):
        """Let invoicing users record consent without rights on contacts.

        Invoicing users may not edit customers in general; recording what a
        customer said about dematerialisation is part of their job.
        """
        self._demat_check_consent_rights()
        self.commercial_partner_id.sudo().write({field: value})

    def _demat_address_snapshot(self):
        """Document addresses of these customers, to compare after a change.

        Read as superuser: any user who may edit a customer may change its
        document address, even without the rights to read consent fields.
        """
        return {partner.id: partner.demat_email for partner in self.sudo()}

    def _demat_event_origin(self):
        """Who records a fact and how ({"user_id", "channel", ...}): the
        answer page says where an answer came from (see
        `facto.demat.letter.run.line._apply_customer_answer`); else the
        current user, by hand."""
        return {
            "user_id": self.env.uid,
            **self.env.context.get("demat_event", {"channel": "manual"}),
        }

    def _demat_log_address_changes(self, before):
        """Append an evidence event for each customer whose document address
        changed. `before` comes from `_demat_address_snapshot`; a customer
        missing from it is new: its address is not a change."""
        origin = self._demat_event_origin()
        vals_list = [
            partner._prepare_demat_event("email_changed", **origin)
            for partner in self.sudo()
            if partner.demat_email != before.get(partner.id, partner.demat_email)
        ]
        if vals_list:
            # Consent facts are recorded whoever changed them; only the
            # add-on appends to the trail, which nobody may write to.
            self.env["facto.demat.event"].sudo().create(vals_list)

    def _demat_pop_facts(self, vals):
        """Take the consent facts out of `vals` (values to create or write):
        {field: value}, which `_demat_record_facts` records; nothing when
        the caller recorded their evidence itself (`FACTS_RECORDED`)."""
        if self.env.context.get("demat_facts") is FACTS_RECORDED:
            return {}
        return {name: vals.pop(name) for name in CONSENT_FIELDS & vals.keys()}

    def _demat_store_facts(self, vals):
        """Store consent facts (`vals`, {field: value}) whose evidence the
        caller has just appended (the letter runs), in the current company."""
        self.sudo().with_context(demat_facts=FACTS_RECORDED).write(vals)

    def _demat_record_facts(self, facts, written_on):
        """Record on this customer (a commercial partner), in the current
        company, the consent facts `facts` ({field of CONSENT_FIELDS: value},
        as given to `write` or an import) written on `written_on` (this
        customer or one of its contacts), each with its evidence event.

        A fact's date, when given, is kept as its date (an import's historic
        date) and said in the event, sealed as an import: the event's own
        date is when it was recorded. A date alone records its fact. A
        contact holds no consent of its own: what is stated on it (a refusal,
        an acceptance, a letter) is the customer's; a flag it is written
        without is ignored, never a withdrawal.

        Raises `UserError` for a date to come, or a letter marked as not
        sent. As superuser, after `check_user_values` let the writer in.
        """
        self.ensure_one()
        customer = self.sudo()
        now = fields.Datetime.now()
        origin = customer._demat_event_origin()
        on_contact = written_on != self
        stored = {}
        events = []
        for flag, (date_field, recorded, withdrawn) in CONSENT_FACTS.items():
            if flag not in facts and date_field not in facts:
                continue
            date = fields.Datetime.to_datetime(facts.get(date_field) or False)
            value = bool(facts[flag]) if flag in facts else bool(date or self[flag])
            if date and date > now:
                raise UserError(
                    self.env._(
                        "%(customer)s: the date of a consent fact cannot be to "
                        "come (%(date)s).",
                        customer=written_on.display_name,
                        date=date,
                    )
                )
            if not value:
                if on_contact or not customer[flag]:
                    continue
                if not withdrawn:
                    raise UserError(
                        self.env._(
                            "%(customer)s: a letter cannot be marked as not "
                            "sent, the evidence trail holds it.",
                            customer=written_on.display_name,
                        )
                    )
                stored.update({flag: False, date_field: False})
                events.append((withdrawn, None))
                continue
            if customer[flag] and (not date or date == customer[date_field]):
                continue  # the same fact again
            stored.update({flag: True, date_field: date or now})
            events.append((recorded, date))
        if not stored:
            return
        customer._demat_store_facts(stored)
        imported = bool(self.env.context.get("demat_import")) or any(
            date for _event_type, date in events
        )
        channel = origin.pop("channel")
        given_note = origin.pop("note", False)  # said by the caller's path
        if imported and "demat_event" not in self.env.context:
            channel = "import"
        user = self.env["res.users"].browse(origin["user_id"])
        self.env["facto.demat.event"].sudo().create(
            [
                customer._prepare_demat_event(
                    event_type,
                    channel,
                    note=customer._demat_fact_note(
                        channel,
                        user,
                        date,
                        written_on if on_contact else None,
                        given_note,
                    ),
                    **origin,
                )
                for event_type, date in events
            ]
        )

    def _demat_fact_note(self, channel, user, date, contact, given_note=False):
        """The note of a fact's event: `given_note` (the caller's, such as
        the reply a refusal was read in), how an import was made and the
        date it gives, and the contact it was written on; False for none."""
        lines = [given_note] if given_note else []
        if channel == "import":
            now = fields.Datetime.to_string(fields.Datetime.now())
            if date:
                lines.append(
                    self.env._(
                        "Imported on %(now)s UTC by %(user)s, dated %(date)s UTC.",
                        now=now,
                        user=user.login,
                        date=fields.Datetime.to_string(date),
                    )
                )
            else:
                lines.append(
                    self.env._(
                        "Imported on %(now)s UTC by %(user)s.",
                        now=now,
                        user=user.login,
                    )
                )
        elif date:
            lines.append(
                self.env._("Dated %(date)s UTC.", date=fields.Datetime.to_string(date))
            )
        if contact:
            lines.append(
                self.env._(
                    "Written on the contact %(contact)s.",
                    contact=contact.display_name,
                )
            )
        return "\n".join(lines) or False

    def _demat_one_activity(self, xmlid, note):
        """Set `note` on the customer's open activity of this type (xml id),
        or open one for its salesperson (or the administrator)."""
        activity = self._demat_open_activity(xmlid)
        if activity:
            activity.note = note
            return
        self.activity_schedule(xmlid, note=note, user_id=self._demat_clerk().id)

    def _demat_open_activity(self, xmlid):
        """The activity of this type (xml id) open on this partner, if any.

        As superuser: invoicing users see whether the add-on's activities
        are open on the customers they read, though Odoo lets them read
        activities only of customers they may write."""
        activity_type = self.env.ref(xmlid)
        return self.sudo().activity_ids.filtered(
            lambda activity: activity.activity_type_id == activity_type
        )[:1]

    def _demat_clerk(self):
        """Who looks after what this customer tells: its salesperson, else
        the administrator."""
        return self.user_id or self.env.ref("base.user_admin", False)

    def _demat_note_letter_reply(self, message):
        """When `message` (an email received on this partner) replies to
        one of its dematerialisation letters, keep it as the customer's last
        reply and put it (sanitised, without the text it quotes), with its
        sender and date, in the customer's one letter-reply activity, above
        the earlier replies. Nothing else
        changes: a reply decides nothing by its words.

        As superuser, once the letter is found: the mail gateway posts as
        OdooBot, and the reply and its activity are the add-on's.
        """
        message = message.sudo()
        ancestors, parent = message.browse(), message.parent_id
        while parent and parent not in ancestors and len(ancestors) < REPLY_DEPTH:
            ancestors |= parent
            parent = parent.parent_id
        letter = (
            self.env["facto.demat.letter.run.line"]
            .sudo()
            .search(
                [
                    ("mail_message_id", "in", ancestors.ids),
                    ("partner_id", "in", self.ids),
                ],
                order="id desc",
                limit=1,
            )
        )
        if not letter:
            return
        customer = letter.partner_id.commercial_partner_id.sudo()
        clerk = customer._demat_clerk()
        # in the language and time zone of who reads it
        customer = customer.with_context(lang=clerk.lang)
        heading = customer.env._(
            "Reply to the dematerialisation letter, received on %(date)s from "
            "%(sender)s:",
            date=format_datetime(customer.env, message.date, tz=clerk.tz),
            sender=message.email_from,
        )
        note = Markup("<p><strong>%s</strong></p><blockquote>%s</blockquote>") % (
            heading,
            without_quotes(message.body),
        )
        earlier = customer._demat_open_activity(LETTER_REPLY).note
        if earlier:
            note += Markup("<hr/>") + earlier
        customer.demat_letter_reply_id = message
        customer._demat_one_activity(LETTER_REPLY, note)

    def _demat_letter_reply(self):
        """The customer's reply to the letter whose activity is open; UserError
        when none is."""
        self.ensure_one()
        reply = self.demat_letter_reply_id
        if not reply or not self._demat_open_activity(LETTER_REPLY):
            raise UserError(
                self.env._("This customer has no reply to the letter to handle.")
            )
        return reply

    def _demat_reply_emails(self):
        """The valid addresses the customer's reply to the letter names, in
        its own text (not what it quotes) then as its sender, but for those
        its documents already go to and the company's own; [] without a
        reply."""
        reply = self.demat_letter_reply_id
        if not reply:
            return []
        company = self.env.company
        known = {
            *email_address.valid_emails(self.demat_email),
            *email_address.valid_emails(company.email),
            *email_address.valid_emails(company._demat_reply_to()),
        }
        found = email_address.emails_in_text(html2plaintext(without_quotes(reply.body)))
        found += email_address.valid_emails(reply.email_from)
        return [email for email in dict.fromkeys(found) if email not in known]

    def _demat_apply_reply_address(self, email):
        """Send this customer's documents to `email` (one valid address),
        asked for in its reply to the letter, and close the reply's
        activity. For an invoicing user's wizard, after its checks: as
        superuser, as recording consent is."""
        self.ensure_one()
        self._demat_letter_reply()
        customer = self.sudo()
        customer._demat_set_document_email(email)
        customer._demat_close_letter_reply(
            self.env._("Documents now go to %(email)s.", email=email)
        )

    def _demat_close_letter_reply(self, feedback):
        """Mark the letter-reply activity done with `feedback`, and forget
        the reply. As superuser: both are the add-on's, closed once an
        invoicing user acted on the reply."""
        customer = self.sudo()
        customer.activity_feedback([LETTER_REPLY], feedback=feedback)
        customer.demat_letter_reply_id = False

    def _demat_set_document_email(self, email):
        """Make `email` the address of this customer's invoice contact (one
        is created when it has none): its documents go there."""
        contact = self.child_ids.filtered(lambda child: child.type == "invoice").sorted(
            "id"
        )[:1]
        if contact:
            contact.email = email
        else:
            self.create({"parent_id": self.id, "type": "invoice", "email": email})

    def _demat_set_requested_email_done(self):
        # The request and its activity are the add-on's: closed as superuser
        # once an invoicing user applied the address.
        customer = self.sudo()
        customer.activity_feedback(["facto_demat.mail_activity_confirm_address"])
        customer.demat_requested_email = False

    def _prepare_demat_event(self, event_type, channel, **values):
        self.ensure_one()
        return {
            "partner_id": self.id,
            "company_id": self.env.company.id,
            "event_type": event_type,
            "channel": channel,
            "email": self.sudo().demat_email,
            **values,
        }

    def _demat_consent_withheld(self, deadline=None):
        """Why this customer may not be emailed documents whatever its
        address ("refused", "not_accepted" under opt-in, "waiting" for the
        notice period), or None. `deadline` is the company's
        `_demat_letter_deadline()`, when the caller has it. The consent is
        its customer's (commercial partner's), in the current company."""
        self.ensure_one()
        company = self.env.company
        customer = self.commercial_partner_id
        if deadline is None:
            deadline = company._demat_letter_deadline()
        if customer.demat_refused:
            return "refused"
        if customer.demat_accepted:
            return None
        if company.demat_consent_policy == "opt_in":
            return "not_accepted"
        if deadline and not (
            customer.demat_letter_date and customer.demat_letter_date <= deadline
        ):
            return "waiting"
        return None

    def _demat_lang(self, company=None):
        """The language to write to this partner in: its own when installed,
        else its company's (`company`, the partner's or the current one),
        never a language the database lacks."""
        installed = dict(self.env["res.lang"].get_installed())
        company = company or self.company_id or self.env.company
        for lang in (self.lang, company.partner_id.lang, self.env.lang):
            if lang in installed:
                return lang
        return next(iter(installed))

    def _demat_invoice_address(self):
        """The contact Odoo addresses this partner's invoices to, by its own
        convention (`address_get(['invoice'])`): its invoice contact, else
        the partner itself."""
        self.ensure_one()
        return self.browse(self.address_get(["invoice"])["invoice"])

    def _demat_document_recipient(self):
        """(contact, [normalised addresses]) this partner's documents are
        emailed to: the valid addresses of its invoice address, else its
        own; (its invoice address, []) when neither has one."""
        self.ensure_one()
        invoice_address = self._demat_invoice_address()
        for candidate in invoice_address | self:
            emails = candidate._demat_reachable_emails()
            if emails:
                return candidate, emails
        return invoice_address, []

    def _demat_reachable_emails(self):
        """The normalised addresses of this partner documents may be emailed
        to: its valid ones, none once Odoo counted a bounce of its address
        (until the address changes; bridges with other modules remove more,
        such as addresses mail_tracking saw bounce)."""
        self.ensure_one()
        if self.message_bounce:  # Odoo counted a bounce of this address
            return []
        return email_address.valid_emails(self.email)

    def _demat_email_faults(self):
        """["address: why it is not valid", ...] for this partner's email
        field, in the user's language."""
        self.ensure_one()
        faults = [
            self.env._(
                "%(address)s: %(fault)s",
                address=address.text,
                fault=email_address.FAULT_LABELS[address.fault]._translate(
                    self.env.lang
                ),
            )
            for address in email_address.parse_addresses(self.email)
            if address.fault
        ]
        if self.message_bounce and self.email:
            faults.append(
                self.env._("%(address)s: bounced", address=self.email.strip())
            )
        return faults

    def _demat_check_route_rights(self, vals):
        """Only accounting managers set a customer's route by hand: it
        decides how the law has its invoices sent."""
        if {"demat_route_forced", "demat_route_forced_reason"} & vals.keys() and not (
            self.env.su or self.env.user.has_group(ACCOUNTING_MANAGER)
        ):
            raise AccessError(
                self.env._("Only accounting managers set an invoicing route by hand.")
            )

    def _demat_route_inputs(self):
        """The partner fields its route by data depends on."""
        fields_ = ["country_id", "zip", "vat", "demat_vat_liability"]
        optional = (*SIREN_FIELDS, "peppol_eas", "peppol_endpoint")
        # l10n_fr_pdp's identifiers, in its versions that keep them there
        optional += ("additional_identifiers",)
        return fields_ + [name for name in optional if name in self._fields]

    def _demat_siren_read(self):
        """(The partner's SIREN or None, the number it was read from, else
        the first number it holds that is not a valid SIREN or SIRET, else
        None). With Odoo's approved platform module, its own reading."""
        self.ensure_one()
        if self._demat_pdp_installed():
            siren = siren_of(self._l10n_fr_pdp_get_siren())
            return siren, siren
        numbers = [self[name] for name in SIREN_FIELDS if name in self._fields]
        if "peppol_eas" in self._fields and self.peppol_eas in PEPPOL_SCHEMES:
            numbers.append(self.peppol_endpoint)
        numbers = [number for number in numbers if number]
        for number in numbers:
            if siren := siren_of(number):
                return siren, number
        return None, numbers[0] if numbers else None

    def _demat_pdp_installed(self):
        """Whether Odoo's approved platform module (l10n_fr_pdp) is installed:
        its answers are then the add-on's."""
        return hasattr(self, "_l10n_fr_pdp_is_b2c")

    def _demat_behind_chorus_pro(self):
        return (
            "peppol_eas" in self._fields
            and f"{self.peppol_eas}:{self.peppol_endpoint}" == CHORUS_PRO_PEPPOL_ID
        )

    def _demat_route_of_data(self):
        """(route, reason in words) that this partner's own data give: see
        tools/einvoicing.py for the law's tests."""
        self.ensure_one()
        if self._demat_behind_chorus_pro():
            return "chorus_pro", self.env._(
                "Public sector: its Peppol address is Chorus Pro's"
            )
        siren, number = self._demat_siren_read()
        country = self.country_id
        if not country:
            return "consent", self.env._("No country: not known as a French business")
        if not in_einvoicing_zone(country.code, self.zip):
            if country.code in ZONE_COUNTRIES | OUTSIDE_ZONE_TERRITORIES:
                return "consent", self.env._(
                    "%(place)s is outside the e-invoicing zone (e-reported)",
                    place=" ".join(filter(None, [self.zip, self.city])) or country.name,
                )
            return "consent", self.env._(
                "Customer outside France (%(country)s)", country=country.name
            )
        if self.demat_vat_liability == "no":
            return "consent", self.env._(
                "Not liable to VAT: outside e-invoicing between businesses"
            )
        if self._demat_pdp_installed():
            if self._l10n_fr_pdp_is_b2c() or not siren:
                return "consent", self.env._(
                    "Not a French business for Odoo's approved platform (no "
                    "SIREN or SIRET)"
                )
            return "einvoicing", self.env._(
                "French business, SIREN %(siren)s (annuaire: %(state)s)",
                siren=siren,
                state=self._demat_annuaire_state(),
            )
        if siren:
            return "einvoicing", self.env._(
                "French business, SIREN %(siren)s", siren=siren
            )
        if number:
            return "consent", self.env._(
                "The SIREN or SIRET %(number)s is not valid", number=number
            )
        if vat_siren := siren_in_vat(self.vat):
            return "consent", self.env._(
                "No SIREN or SIRET (its VAT number names SIREN %(siren)s: enter "
                "its SIRET to e-invoice it)",
                siren=vat_siren,
            )
        return "consent", self.env._(
            "No SIREN or SIRET: a consumer, or a business whose number is missing"
        )

    def _demat_business_in_zone(self):
        """Whether this partner is a French business for the reform, SIREN
        or not: a company in the e-invoicing zone not known to be outside
        VAT, whose route was not set by hand to another one. Those without a
        valid SIREN are the ones to ask for it."""
        self.ensure_one()
        forced = self.commercial_partner_id.demat_route_forced
        return (
            forced in (False, "einvoicing")
            and self.is_company
            and self.demat_vat_liability != "no"
            and in_einvoicing_zone(self.country_id.code, self.zip)
        )

    def _demat_annuaire_state(self):
        field = self._fields.get("pdp_verification_display_state")
        if not field:
            return self.env._("unknown")
        states = dict(field._description_selection(self.env))
        return states.get(self.pdp_verification_display_state, self.env._("unknown"))
