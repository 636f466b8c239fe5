{
    "name": "FACTO Dematerialisation - French approved platform",
    "summary": "Odoo's approved platform's defaults under the French reform's routes",
    "version": "1.0.0",
    "category": "Accounting/Accounting",
    "author": "facto_demat developers",
    "website": "https://github.com/facto-demat/facto_demat",
    "license": "LGPL-3",
    "depends": ["facto_demat_peppol", "l10n_fr_pdp"],
    "auto_install": True,
}
