"""Install of this add-on on a database where facto_demat (up to 1.4)
carried the transports: what it had is handed over, under this add-on's
names, before this add-on's models are set up. An upgrade of facto_demat
installs this add-on first (a new dependency), so this hook is where the
hand-over can happen: a pre-migration of facto_demat would come after this
add-on has already created its columns and loaded its views."""

import logging

from odoo.tools import SQL
from odoo.tools.sql import column_exists, rename_column, table_exists

_logger = logging.getLogger(__name__)

OLD_MODULE = "facto_demat"
# {model: {facto_demat's field: this add-on's field}}
FIELDS = {
    "ir.mail_server": {
        "transport": "mail_transport_mode",
        "ews_url": "mail_transport_ews_url",
        "ews_auth": "mail_transport_ews_auth",
        "ms_tenant_id": "mail_transport_tenant_id",
        "ms_client_id": "mail_transport_client_id",
        "ms_client_secret": "mail_transport_client_secret",
        "ms_login_url": "mail_transport_login_url",
        "ms_graph_url": "mail_transport_graph_url",
        "send_as_mailbox": "mail_transport_mailbox",
        "save_sent_copy": "mail_transport_save_sent_copy",
        "max_per_minute": "mail_transport_per_minute",
        "next_send_slot": "mail_transport_next_slot",
        "delivery_issue": "mail_transport_issue",
        "delivery_next_try": "mail_transport_next_try",
        "deferred_mail_count": "mail_transport_waiting_count",
        "failed_mail_count": "mail_transport_refused_count",
    },
    "mail.mail": {
        "delivery_server_id": "mail_transport_server_id",
        "delivery_deferred_since": "mail_transport_waiting_since",
    },
}
OLD_ACCEPTANCE = ("facto.demat.mail.acceptance", "facto_demat_mail_acceptance")
ACCEPTANCE = ("mail.transport.acceptance", "mail_transport_acceptance")
# records of facto_demat that are this add-on's now, under the same names
RECORDS = [
    "ir_mail_server_form",
    "ir_mail_server_list",
    "mail_mail_form",
    "mail_mail_list",
]
PARAMETERS = {
    "facto_demat.mail_run_seconds": "mail_outbound_transport.run_seconds",
    "facto_demat.mail_request_seconds": "mail_outbound_transport.request_seconds",
    "facto_demat.mail_deferral_hours": "mail_outbound_transport.deferral_hours",
}


def pre_init_hook(env):
    """Hand facto_demat's transport fields, their columns and values, its
    table of taken emails, its views and its system parameters over to
    this add-on. Does nothing on a database without them."""
    cr = env.cr
    if not column_exists(cr, "ir_mail_server", "transport"):
        return
    _logger.info("Taking over the mail transports of %s", OLD_MODULE)
    for model, names in FIELDS.items():
        table = model.replace(".", "_")
        for old, new in names.items():
            if column_exists(cr, table, old):
                rename_column(cr, table, old, new)
            _move_xmlid(cr, _field_xmlid(model, old), _field_xmlid(model, new))
            cr.execute(
                SQL(
                    "UPDATE ir_model_fields SET name = %s "
                    "WHERE model = %s AND name = %s",
                    new,
                    model,
                    old,
                )
            )
            _move_selection_xmlids(cr, model, old, new)
    _move_acceptance(cr)
    for name in RECORDS:
        _move_xmlid(cr, name, name)
    for old, new in PARAMETERS.items():
        cr.execute(
            SQL(
                "UPDATE ir_config_parameter SET key = %s WHERE key = %s",
                new,
                old,
            )
        )


def _move_acceptance(cr):
    (old_model, old_table), (model, table) = OLD_ACCEPTANCE, ACCEPTANCE
    if table_exists(cr, old_table):
        cr.execute(
            SQL(
                "ALTER TABLE %s RENAME TO %s",
                SQL.identifier(old_table),
                SQL.identifier(table),
            )
        )
        cr.execute(
            SQL(
                "ALTER SEQUENCE %s RENAME TO %s",
                SQL.identifier(f"{old_table}_id_seq"),
                SQL.identifier(f"{table}_id_seq"),
            )
        )
        for suffix in ("__mail_id_index", "_pkey"):  # the key's index renames it
            cr.execute(
                SQL(
                    "ALTER INDEX IF EXISTS %s RENAME TO %s",
                    SQL.identifier(f"{old_table}{suffix}"),
                    SQL.identifier(f"{table}{suffix}"),
                )
            )
    old_key, key = old_model.replace(".", "_"), model.replace(".", "_")
    cr.execute(SQL("UPDATE ir_model SET model = %s WHERE model = %s", model, old_model))
    cr.execute(SQL("SELECT name FROM ir_model_fields WHERE model = %s", old_model))
    for (name,) in cr.fetchall():
        _move_xmlid(cr, f"field_{old_key}__{name}", f"field_{key}__{name}")
    cr.execute(
        SQL(
            "UPDATE ir_model_fields SET model = %s WHERE model = %s",
            model,
            old_model,
        )
    )
    for old, new in (
        (f"model_{old_key}", f"model_{key}"),
        (f"access_{old_key}_system", f"access_{key}_system"),
    ):
        _move_xmlid(cr, old, new)


def _move_selection_xmlids(cr, model, old, new):
    cr.execute(
        SQL(
            "SELECT value FROM ir_model_fields_selection selection "
            "JOIN ir_model_fields field ON field.id = selection.field_id "
            "WHERE field.model = %s AND field.name = %s",
            model,
            new,
        )
    )
    prefix = f"selection__{model.replace('.', '_')}__"
    for (value,) in cr.fetchall():
        _move_xmlid(cr, f"{prefix}{old}__{value}", f"{prefix}{new}__{value}")


def _field_xmlid(model, field):
    return f"field_{model.replace('.', '_')}__{field}"


def _move_xmlid(cr, old, new):
    """facto_demat's external id `old` becomes this add-on's `new`."""
    cr.execute(
        SQL(
            "UPDATE ir_model_data SET module = %s, name = %s "
            "WHERE module = %s AND name = %s",
            "mail_outbound_transport",
            new,
            OLD_MODULE,
            old,
        )
    )
