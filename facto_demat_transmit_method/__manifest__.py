{
    "name": "FACTO Dematerialisation - Transmit method",
    "summary": "The transmit method decides post or email, then consent applies",
    "version": "1.0.0",
    "category": "Accounting/Accounting",
    "author": "facto_demat developers",
    "website": "https://github.com/facto-demat/facto_demat",
    "license": "LGPL-3",
    "depends": ["facto_demat", "account_invoice_transmit_method"],
    "auto_install": True,
}
