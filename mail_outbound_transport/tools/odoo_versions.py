"""Odoo 18.0 and 19.0 from one code base, in one idiom: code branches on
`ODOO_19` where a difference is met (an override is defined in the class
body under the name each version calls, inside `if ODOO_19: … else: …`); a
difference met in several files is served by a helper below.

Every difference this add-on meets, and where it is served:

What differs, 18.0 -> 19.0                   Served in
-------------------------------------------- ------------------------------------------
sending disabled under tests: `current_test` `sending_disabled` below;
-> `ir.mail_server._disable_send()`          `models/ir_mail_server.py`;
                                             `tests/common.py` (`real_sending`)

`mail.mail._postprocess_sent_message`        `NO_SUCCESS_EMAILS` below;
requires `success_emails`                    `models/mail_mail.py`

`ir.mail_server.connect` -> `_connect__`;    `models/ir_mail_server.py`;
`build_email` -> `_build_email__`            `tests/common.py` (`build_email`)
"""

from odoo import modules, release

ODOO_19 = release.version_info[0] >= 19

# mail.mail._postprocess_sent_message: 19.0 adds a required success_emails
NO_SUCCESS_EMAILS = {"success_emails": []} if ODOO_19 else {}


def sending_disabled(env):
    """Whether Odoo sends no email now: under tests (and, on 19.0, while
    the registry loads), when its mail server connects to nothing."""
    if ODOO_19:
        return env["ir.mail_server"]._disable_send()
    return bool(modules.module.current_test)
