import json

from odoo.tools import SQL

SUFFIX = "_pre_1_4"
# column -> (the events that record it, the events that withdraw it); the
# date columns go with their flag. The answer confirmation goes to the
# company the customer last answered by link.
FACTS = {
    "demat_letter_sent": (("letter_printed", "letter_emailed"), ()),
    "demat_refused": (("refusal_recorded",), ("refusal_withdrawn",)),
    "demat_accepted": (("acceptance_recorded",), ("acceptance_withdrawn",)),
    "demat_requested_email": (("address_requested",), ()),
}
DATES = {
    "demat_letter_sent": "demat_letter_date",
    "demat_refused": "demat_refused_date",
    "demat_accepted": "demat_accepted_date",
}


def migrate(cr, version):
    """Give each global consent value (set aside by the pre-migration) to
    the company whose evidence trail holds its fact: the companies whose
    latest event of that fact about the customer records it; when no trail
    does, the customer's company, else the main company. Only customers
    (commercial partners) hold consent: their contacts' synced copies are
    dropped. Evidence rows are only read."""
    cr.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = 'res_partner' AND column_name LIKE %s",
        ["%" + SUFFIX],
    )
    old = {column[: -len(SUFFIX)] for (column,) in cr.fetchall()}
    if not old:
        return
    main_company = _main_company(cr)
    for flag, (recorded, withdrawn) in FACTS.items():
        if flag in old:
            _give_to_companies(cr, flag, recorded, withdrawn, old, main_company)
    if "demat_answer_confirmation_date" in old:
        _give_to_companies(
            cr, "demat_answer_confirmation_date", None, (), old, main_company
        )
    for column in old:
        cr.execute(
            SQL(
                "ALTER TABLE res_partner DROP COLUMN %s",
                SQL.identifier(column + SUFFIX),
            )
        )


def _main_company(cr):
    cr.execute(
        "SELECT res_id FROM ir_model_data "
        "WHERE module = 'base' AND name = 'main_company'"
    )
    row = cr.fetchone()
    if row:
        return row[0]
    cr.execute("SELECT MIN(id) FROM res_company")
    return cr.fetchone()[0]


def _give_to_companies(cr, column, recorded, withdrawn, old, main_company):
    """Write `column` (and its date) per company for the customers holding
    it. `recorded` None: the company of the customer's latest answer by the
    letter's link."""
    date_column = DATES.get(column)
    date_select = (
        SQL.identifier(date_column + SUFFIX) if date_column in old else SQL("NULL")
    )
    cr.execute(
        SQL(
            """
            SELECT id, company_id, %s, %s FROM res_partner
             WHERE id = commercial_partner_id AND %s IS NOT NULL
               AND %s::text NOT IN ('false', '')
            """,
            SQL.identifier(column + SUFFIX),
            date_select,
            SQL.identifier(column + SUFFIX),
            SQL.identifier(column + SUFFIX),
        )
    )
    customers = cr.fetchall()
    if not customers:
        return
    if recorded is None:
        condition = SQL("channel IN ('link', 'customer')")
    else:
        condition = SQL("event_type IN %s", (*recorded, *withdrawn))
    cr.execute(
        SQL(
            """
            SELECT DISTINCT ON (partner_id, company_id)
                   partner_id, company_id, event_type, date
              FROM facto_demat_event
             WHERE partner_id IN %s AND %s
             ORDER BY partner_id, company_id, date DESC, id DESC
            """,
            tuple(customer[0] for customer in customers),
            condition,
        )
    )
    latest = {}
    for partner_id, company_id, event_type, date in cr.fetchall():
        latest.setdefault(partner_id, []).append((company_id, event_type, date))
    for partner_id, own_company, value, date in customers:
        holders = sorted(
            (
                (event_date, company_id)
                for company_id, event_type, event_date in latest.get(partner_id, [])
                if recorded is None or event_type in recorded
            ),
            reverse=True,
        )
        if recorded is None or column == "demat_requested_email":
            holders = holders[:1]  # one answer, to the last company it went to
        if not holders:
            holders = [(date, own_company or main_company)]
        values, dates = {}, {}
        for rank, (event_date, company_id) in enumerate(holders):
            values[str(company_id)] = _json_value(value)
            # the value kept where its latest fact is, the event's own date
            # in the other companies
            dates[str(company_id)] = _json_value(date if rank == 0 else event_date)
        _write(cr, partner_id, column, values)
        if date_column in old:
            _write(cr, partner_id, date_column, dates)


def _json_value(value):
    if hasattr(value, "strftime"):
        return value.strftime(
            "%Y-%m-%d %H:%M:%S" if hasattr(value, "hour") else "%Y-%m-%d"
        )
    return value


def _write(cr, partner_id, column, values):
    cr.execute(
        SQL(
            "UPDATE res_partner SET %s = %s::jsonb WHERE id = %s",
            SQL.identifier(column),
            json.dumps(values),
            partner_id,
        )
    )
