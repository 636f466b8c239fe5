{
    "name": "FACTO Dematerialisation - Inventory",
    "summary": "Email delivery slips only to customers who may receive them",
    "version": "1.0.0",
    "category": "Inventory/Inventory",
    "author": "facto_demat developers",
    "website": "https://github.com/facto-demat/facto_demat",
    "license": "LGPL-3",
    "depends": ["facto_demat", "stock"],
    "auto_install": True,
}
