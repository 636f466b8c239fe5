import { registry } from "@web/core/registry";
import {
    noEnglish,
    noErrorDialog,
    openMenu,
    openInvoicingApp,
    openInvoiceType,
} from "@facto_demat/../tests/tours/utils/steps";

// A French invoicing manager's tour (tests/test_tour_french.py): every click
// answers without an error dialog, and the screens read in French.

// The document types and a type's email text
registry.category("web_tour.tours").add("facto_demat_fr_document_types", {
    steps: () => [
        ...openInvoicingApp(),
        ...openMenu(
            "account.menu_finance_configuration",
            "facto_demat.menu_facto_demat_document_type",
            "Types de documents"
        ),
        {
            content: "Each type sends Odoo's standard text",
            trigger:
                ".o_list_view .o_data_row:contains(Facture) td[name=mail_text]:contains(Texte standard)",
        },
        noEnglish(".o_action_manager", [
            "Document type",
            "Invoice",
            "Credit note",
            "Quotation",
            "Sales order",
            "Delivery slip",
            "standard text",
            "Email text",
        ]),
        ...openInvoiceType(),
        {
            content: "Odoo's standard text",
            trigger: ".o_field_widget[name=mail_text] .badge:contains(Texte standard)",
        },
        {
            content: "Until a text is saved here",
            trigger: ".o_form_view .alert-info:contains(Odoo envoie son email standard)",
        },
        {
            content: "The standard French subject",
            trigger: ".o_field_widget[name=mail_subject] input:value(%3 - Facture %2)",
        },
        {
            content: "The standard French text",
            trigger: ".o_field_widget[name=mail_body]:contains(Bonjour %1,):contains(Cordialement)",
        },
        {
            content: "The placeholders",
            trigger: ".o_form_view .text-muted:contains(le nom du client):contains(le montant TTC)",
        },
        {
            content: "The preview",
            trigger: ".o_form_view .o_horizontal_separator:contains(Aperçu)",
        },
        {
            content: "The preview's subject, on the latest invoice",
            trigger: ".o_field_widget[name=preview_subject]:contains(Lambert SARL - Facture)",
        },
        {
            content: "The preview's text",
            trigger: ".o_field_widget[name=preview_body]:contains(Bonjour Boulangerie Martin,)",
        },
        noEnglish(".o_form_view", [
            "Odoo's standard",
            "Email text",
            "Subject",
            "Placeholders",
            "the customer's name",
            "Preview",
            "Hello",
            "Please find attached",
            "Kind regards",
            "Invoice",
            "Sales Order",
            "Transfer",
        ]),
        {
            content: "Back to the types, nothing changed",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains(Types de documents)",
            run: "click",
        },
        {
            content: "Opening the form changed nothing",
            trigger:
                ".o_list_view .o_data_row:contains(Facture) td[name=mail_text]:contains(Texte standard)",
        },
        noErrorDialog(),
        ...openInvoiceType(),
        {
            content: "Change the subject",
            trigger: ".o_field_widget[name=mail_subject] input",
            run: "edit %3 - Votre facture %2",
        },
        {
            content: "Save",
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            content: "The company's own text",
            trigger:
                ".o_form_view:not(:has(.o_form_button_save:visible)) .o_field_widget[name=mail_text] .badge:contains(Texte propre à la société)",
        },
        {
            content: "The preview follows",
            trigger: ".o_field_widget[name=preview_subject]:contains(Lambert SARL - Votre facture)",
        },
        noErrorDialog(),
        {
            content: "The form has no actions menu (so no Supprimer)",
            trigger:
                ".o_control_panel:has(.o_breadcrumb):not(:has(.o_cp_action_menus .dropdown-toggle))",
        },
        {
            content: "Back to the types",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains(Types de documents)",
            run: "click",
        },
        {
            content: "The invoices now send the company's text",
            trigger:
                ".o_list_view .o_data_row:contains(Facture) td[name=mail_text]:contains(Texte propre à la société)",
        },
        {
            content: "Select the invoices' type",
            trigger:
                ".o_list_view .o_data_row:has(td[name=kind]:contains(Facture)) .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Open the actions menu",
            trigger: ".o_control_panel .o_cp_action_menus .dropdown-toggle",
            run: "click",
        },
        {
            content: "The actions menu is open",
            trigger: ".o-dropdown--menu .dropdown-item",
        },
        {
            content: "A type cannot be deleted",
            trigger: ".o-dropdown--menu:not(:contains(Supprimer))",
        },
        noErrorDialog(),
    ],
});
