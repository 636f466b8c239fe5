from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    """Documents no longer go to an address that bounced (1.4.0): the
    stored document address of the partners Odoo counted a bounce on, and
    of their customers, is computed again."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    Partner = env["res.partner"].with_context(active_test=False)
    bounced = Partner.search([("message_bounce", ">", 0)])
    partners = bounced | bounced.commercial_partner_id
    partners |= Partner.search([("commercial_partner_id", "in", partners.ids)])
    for name in ("demat_email", "demat_recipient_id"):
        env.add_to_compute(Partner._fields[name], partners)
    partners.flush_recordset()
