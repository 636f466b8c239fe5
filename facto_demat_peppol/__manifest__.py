{
    "name": "FACTO Dematerialisation - E-invoicing",
    "summary": "The French e-invoicing reform's routes beside Odoo's e-invoicing",
    "version": "1.0.0",
    "category": "Accounting/Accounting",
    "author": "facto_demat developers",
    "website": "https://github.com/facto-demat/facto_demat",
    "license": "LGPL-3",
    "depends": ["facto_demat", "account_peppol"],
    "auto_install": True,
}
