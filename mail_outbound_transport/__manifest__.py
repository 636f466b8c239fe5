{
    "name": "Outbound Mail Transports",
    "summary": "Send Odoo's emails by SMTP, Exchange (EWS) or Microsoft Graph; "
    "a refusal fails one email, a wait defers it, nothing is lost",
    "version": "1.0.0",
    "category": "Hidden/Tools",
    "author": "facto_demat developers",
    "website": "https://github.com/facto-demat/facto_demat",
    "license": "LGPL-3",
    "depends": ["mail"],
    "external_dependencies": {"python": ["exchangelib"]},
    "data": [
        "security/ir.model.access.csv",
        "views/ir_mail_server_views.xml",
        "views/mail_mail_views.xml",
    ],
    "pre_init_hook": "pre_init_hook",
}
