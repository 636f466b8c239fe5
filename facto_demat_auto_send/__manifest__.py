{
    "name": "FACTO Dematerialisation - Automatic sending",
    "summary": "Invoices sent automatically by email obey consent without failing jobs",
    "version": "1.0.0",
    "category": "Accounting/Accounting",
    "author": "facto_demat developers",
    "website": "https://github.com/facto-demat/facto_demat",
    "license": "LGPL-3",
    "depends": ["facto_demat", "account_invoice_auto_send_by_email"],
    "auto_install": True,
}
