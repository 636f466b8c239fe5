{
    "name": "FACTO Dematerialisation",
    "summary": "Email invoices only to customers who were told and did not refuse",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "author": "facto_demat developers",
    "website": "https://github.com/facto-demat/facto_demat",
    "license": "LGPL-3",
    "depends": ["account", "mail"],
    "external_dependencies": {"python": ["email-validator", "exchangelib"]},
    "data": [
        "security/ir.model.access.csv",
        "security/facto_demat_security.xml",
        "views/facto_demat_event_views.xml",
        "views/res_partner_views.xml",
        "views/res_config_settings_views.xml",
    ],
    "assets": {
        "web.assets_tests": ["facto_demat/static/tests/tours/**/*"],
    },
}
