"""Fields the add-ons' processes write, never their users.

A field the add-ons declare read-only (`readonly=True`, or computed without
an inverse) is shown read-only by every view: the add-on writes it itself,
as superuser, after its own checks, as it writes letter runs (which the
access rights keep read-only to users). Models whose other fields users may
write refuse, in create() and write(), any value for such a field that does
not come from the superuser or an administrator (Settings, who may run any
code anyway, and loads the customers' consent when the add-on starts): what
the form forbids is refused over RPC too.
"""

from odoo.exceptions import AccessError
from odoo.models import MAGIC_COLUMNS

# the add-ons (module name prefixes) whose read-only fields these are
ADDONS = ("facto_demat", "mail_outbound_transport")


def is_process_field(field):
    """Whether `field` (an Odoo field) is one of the add-ons' read-only
    fields (the log fields of their models, `create_date`…, are Odoo's)."""
    return bool(
        field.readonly
        and field._module
        and field._module.startswith(ADDONS)
        and field.name not in MAGIC_COLUMNS
    )


def check_user_values(records, vals):
    """Raise AccessError when `vals` (values to create or write on the model
    of `records`) sets one of the add-ons' read-only fields, unless the
    environment is the superuser's or an administrator's."""
    if records.env.is_system():
        return
    refused = [
        records._fields[name]
        for name in vals
        if name in records._fields and is_process_field(records._fields[name])
    ]
    if refused:
        raise AccessError(
            records.env._(
                "Read-only fields cannot be changed: %(fields)s.",
                fields=", ".join(
                    field._description_string(records.env) for field in refused
                ),
            )
        )
