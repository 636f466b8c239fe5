"""Odoo 18.0 and 19.0 from one code base, in one idiom: code branches on
`ODOO_19` where a difference is met (an override is defined in the class
body under the name each version calls, inside `if ODOO_19: … else: …`);
a difference met in several files is served by a helper below. XML data
branches on `version`, the variable Odoo gives `eval`.

Every difference the add-ons meet, and where it is served:

What differs, 18.0 -> 19.0                   Served in
-------------------------------------------- ------------------------------------------
`_sql_constraints` ignored;                  `declare_sql_constraints` below; the
`models.Constraint`                          models that declare constraints

a cron's progress: `_notify_progress` ->     `cron_progress` below;
`_commit_progress` (commits itself)          `facto_demat_letter_run.py`,
                                             `facto_demat_verification.py`

sending disabled under tests; `mail.mail`'s  `mail_outbound_transport`'s
`success_emails`; `ir.mail_server.connect`   `tools/odoo_versions.py`, which
-> `_connect__`; `build_email` ->            also defines `ODOO_19`
`_build_email__`

`_prepare_email_message` ->                  `models/ir_mail_server.py`
`_prepare_email_message__`

`account.move.send`: one default sending     `account_move_send.py`;
method (`_get_default_sending_method`,       `facto_demat_peppol`, `facto_demat_fr_pdp`
`_get_default_sending_settings`) -> a set    (`models/account_move_send.py`)
(`_get_default_sending_methods`)

Odoo 18 emails only invoices whose customer  `account_move_send.py` (`_send_mails`)
has an email; 19 sends to the recipients

the single send wizard ticks one method      `wizards/account_move_send_wizard.py`
(18.0) and writes the customer's preference
back; 19.0 neither

the batch wizard's summary counts default    `wizards/account_move_send_batch_wizard.py
methods (18.0) or applicable ones (19.0);    `
19.0 leaves a customer without address to
its own alert

reply-to: `_notify_get_reply_to` ->          `models/facto_demat_document_mixin.py`
`_notify_get_reply_to_batch` (the mass
composer's too)

`res.groups` on actions and users:           `views/facto_demat_route_board_views.xml`,
`groups_id` -> `group_ids`                   `wizards/facto_demat_letter_wizard_views.x
                                             ml`; `tests/common.py` (`add_groups`)

tests: PDF rendering allowed by              `tests/common.py`,
`enter_test_mode` -> `allow_pdf_render`;     `tests/test_response.py`
crons open their own cursor
(`enter_registry_test_mode`); outgoing
requests allowed (`allow_requests`)

`account_peppol`'s proxy answers and the     `tests/peppol_double.py`,
send wizard's alerts and defaults            `tests/test_peppol_double.py`,
                                             `tests/test_send.py`,
                                             `tests/test_einvoicing_send.py`,
                                             `tests/test_document_type.py`,
                                             `tests/test_read_only_fields.py`
"""

from odoo import models

from odoo.addons.mail_outbound_transport.tools.odoo_versions import (  # noqa: F401
    NO_SUCCESS_EMAILS,
    ODOO_19,
)


def declare_sql_constraints(namespace, **constraints):
    """Declare `constraints` ({name: (SQL definition, message)}) in a model's
    class body (`namespace` is its `locals()`): `models.Constraint`
    attributes on 19.0 (which ignores `_sql_constraints`), the
    `_sql_constraints` list on 18.0. Both name them `<table>_<name>`."""
    if ODOO_19:
        for name, (definition, message) in constraints.items():
            namespace[f"_{name}"] = models.Constraint(definition, message)
    else:
        namespace["_sql_constraints"] = [
            (name, definition, message)
            for name, (definition, message) in constraints.items()
        ]


def cron_progress(env, done, remaining):
    """Tell the scheduler a cron's batch is done (`done` items) and how many
    remain: it commits, and calls the job again while some remain (19.0's
    `_commit_progress` commits itself; 18.0's `_notify_progress` lets the
    scheduler do it)."""
    if ODOO_19:
        env["ir.cron"]._commit_progress(done, remaining=remaining)
    else:
        env["ir.cron"]._notify_progress(done=done, remaining=remaining)
