{
    "name": "FACTO Dematerialisation - Mail tracking",
    "summary": "An address that bounced is no document address until it is fixed",
    "version": "1.0.0",
    "category": "Accounting/Accounting",
    "author": "facto_demat developers",
    "website": "https://github.com/facto-demat/facto_demat",
    "license": "LGPL-3",
    "depends": ["facto_demat", "mail_tracking"],
    "auto_install": True,
}
