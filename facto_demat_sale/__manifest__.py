{
    "name": "FACTO Dematerialisation - Sales",
    "summary": "Email quotations and orders only to customers who may receive them",
    "version": "1.0.0",
    "category": "Sales/Sales",
    "author": "facto_demat developers",
    "website": "https://github.com/facto-demat/facto_demat",
    "license": "LGPL-3",
    "depends": ["facto_demat", "sale"],
    "auto_install": True,
}
