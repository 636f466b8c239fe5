"""What differs between Odoo 18.0 and 19.0 in the declarations the add-ons
make, bridged in one place: SQL constraints and cron progress. Renamed or
re-signed methods are served by the overrides themselves (each says which
version calls it)."""

from odoo import models, modules, release

ODOO_19 = release.version_info[0] >= 19


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


def sending_disabled(env):
    """Whether Odoo sends no email now: under tests (and, on 19.0, while
    the registry loads), when its mail server connects to nothing."""
    if ODOO_19:
        return env["ir.mail_server"]._disable_send()
    return bool(modules.module.current_test)


# mail.mail._postprocess_sent_message: 19.0 adds a required success_emails
NO_SUCCESS_EMAILS = {"success_emails": []} if ODOO_19 else {}

# ir.mail_server's connection method, renamed in 19.0
MAIL_SERVER_CONNECT = "_connect__" if ODOO_19 else "connect"

# ir.mail_server's envelope method, (smtp_from, smtp_to_list, message),
# renamed in 19.0
MAIL_SERVER_PREPARE = (
    "_prepare_email_message__" if ODOO_19 else "_prepare_email_message"
)
