/** @odoo-module */

import { registry } from "@web/core/registry";

// The main screens as a French invoicing manager clicks through them
// (tests/test_tour_french.py): every click answers without an error dialog,
// and the add-on's screens read in French.

/**
 * Whether `text` has `words` as whole words (case-sensitively): "Transfer"
 * is not in "Transfert".
 */
function hasWords(text, words) {
    const escaped = words.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    return new RegExp(`(?<!\\p{L})${escaped}(?!\\p{L})`, "u").test(text);
}

/**
 * A step that fails, naming them, when the element of `trigger` shows any of
 * these English texts.
 */
function noEnglish(trigger, englishTexts) {
    return {
        content: `No English in ${trigger}`,
        trigger,
        run() {
            const text = this.anchor.innerText;
            const found = englishTexts.filter((english) => hasWords(text, english));
            if (found.length) {
                throw new Error(
                    `English on a French screen (${trigger}): ${found
                        .map((english) => JSON.stringify(english))
                        .join(", ")}`
                );
            }
        },
    };
}

/**
 * A step that fails when the statusbar does not show exactly these labels,
 * `current` being the one selected.
 */
function statusbar(labels, current) {
    return {
        content: `The status bar reads ${labels.join(" → ")}, on ${current}`,
        // the status bar itself: its current button is disabled, which 19.0
        // refuses as a step's anchor
        trigger: `.o_form_view .o_statusbar_status:has(.o_arrow_button_current:contains(${current}))`,
        run() {
            // the status bar lays its buttons out from the right
            const shown = [
                ...this.anchor.querySelectorAll(".o_arrow_button:not(.dropdown-toggle)"),
            ]
                .map((button) => button.innerText.trim())
                .reverse();
            if (JSON.stringify(shown) !== JSON.stringify(labels)) {
                throw new Error(
                    `The status bar reads ${JSON.stringify(shown)}, not ${JSON.stringify(
                        labels
                    )}`
                );
            }
        },
    };
}

function noErrorDialog() {
    return {
        content: "No error dialog",
        trigger: "body:not(:has(.o_error_dialog))",
    };
}

function openMenu(section, xmlid, label) {
    return [
        {
            content: `Open the ${section} menu`,
            trigger: `.o_main_navbar .o_menu_sections button[data-menu-xmlid="${section}"]`,
            run: "click",
        },
        {
            content: `Open ${label}`,
            trigger:
                `.o-dropdown--menu .dropdown-item[data-menu-xmlid="${xmlid}"]:contains(${label})`,
            run: "click",
        },
    ];
}

function openInvoicingApp() {
    return [
        {
            content: "Open the apps menu",
            trigger: ".o_navbar_apps_menu button:enabled",
            run: "click",
        },
        {
            content: "Open Facturation",
            trigger: '.o_app[data-menu-xmlid="account.menu_finance"]:contains(Facturation)',
            run: "click",
        },
        {
            content: "Facturation is open",
            trigger: ".o_main_navbar .o_menu_brand:contains(Facturation)",
        },
    ];
}

// 1. The customer's form: consent buttons and evidence

registry.category("web_tour.tours").add("facto_demat_fr_customer_form", {
    steps: () => [
        {
            content: "The customer's form",
            trigger: ".o_form_view .o_field_widget[name=name] :value(Boulangerie Martin)",
        },
        {
            content: "Open the Facturation tab",
            trigger: ".o_notebook .nav-link[name=accounting]:contains(Facturation)",
            run: "click",
        },
        {
            content: "The Dématérialisation group",
            trigger:
                ".o_notebook .tab-pane.active .o_horizontal_separator:contains(Dématérialisation)",
        },
        {
            content: "Documents may be emailed",
            trigger:
                ".o_field_widget[name=demat_status] .badge.text-bg-success:contains(Envoi par email autorisé)",
        },
        noEnglish(".o_notebook .tab-pane.active", [
            "Dematerialisation",
            "Documents may be emailed",
            "Document email address",
            "Record a refusal",
            "Record an acceptance",
            "Refuses",
            "Accepts",
        ]),
        {
            content: "Record the customer's refusal",
            trigger: "button[name=action_demat_record_refusal]:contains(Enregistrer un refus)",
            run: "click",
        },
        {
            content: "The customer refused",
            trigger:
                ".o_field_widget[name=demat_status] .badge.text-bg-danger:contains(Refusée)",
        },
        noErrorDialog(),
        {
            content: "Withdraw the refusal",
            trigger: "button[name=action_demat_withdraw_refusal]:contains(Retirer le refus)",
            run: "click",
        },
        noEnglish(".modal:has(.modal-footer .btn-primary)", [
            "Documents may then be emailed",
            "Withdraw the refusal?",
        ]),
        {
            content: "Confirm",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "Documents may be emailed again",
            trigger:
                ".o_field_widget[name=demat_status] .badge.text-bg-success:contains(Envoi par email autorisé)",
        },
        noErrorDialog(),
        {
            content: "Record the customer's acceptance",
            trigger:
                "button[name=action_demat_record_acceptance]:contains(Enregistrer une acceptation)",
            run: "click",
        },
        {
            content: "Withdraw the acceptance",
            trigger:
                "button[name=action_demat_withdraw_acceptance]:contains(Retirer l'acceptation)",
            run: "click",
        },
        {
            content: "The acceptance is withdrawn",
            trigger:
                ".o_form_view:has(button[name=action_demat_record_acceptance]) .o_field_widget[name=demat_status] .badge.text-bg-success",
        },
        noErrorDialog(),
        {
            content: "Open the customer's evidence",
            trigger: ".o_form_view button[name=action_view_demat_events]:contains(Preuves)",
            run: "click",
        },
        {
            content: "The evidence, in French",
            trigger: ".o_list_view .o_data_row:contains(Refus enregistré):contains(Manuel)",
        },
        {
            content: "The last event is the withdrawn acceptance",
            trigger: ".o_list_view .o_data_row:contains(Acceptation retirée)",
        },
        {
            content: "The evidence's title",
            trigger: ".o_breadcrumb:contains(Preuves de dématérialisation)",
        },
        noEnglish(".o_action_manager", [
            "Dematerialisation",
            "Refusal",
            "Acceptance",
            "Manual",
            "Verify integrity",
            "Customer",
        ]),
        noErrorDialog(),
    ],
});

// 2. The letter wizard, printing then emailing, and the runs it starts

function letterWizard(code) {
    return [
        ...openMenu(
            "account.menu_finance_receivables",
            "facto_demat.facto_demat_letter_wizard_menu",
            "Lettre de dématérialisation"
        ),
        {
            content: "The wizard opens on its Clients page",
            trigger: ".modal .o_form_view .o_notebook .nav-link.active:contains(Clients)",
        },
        noEnglish(".modal .modal-content", [
            "Dematerialisation",
            "Customers",
            "Selection",
            "Output",
            "Customer code",
            "Invoiced",
            "Letters to",
            "Answer link",
            "Print",
            "Start",
            "Cancel",
        ]),
        {
            content: "From the customer code",
            trigger: ".modal .o_field_widget[name=partner_code_from] input",
            run: `edit ${code} && press Tab`,
        },
        {
            content: "To the customer code",
            trigger: ".modal .o_field_widget[name=partner_code_to] input",
            run: `edit ${code} && press Tab`,
        },
    ];
}

function confirmLetters(countField) {
    return [
        {
            content: "One letter",
            trigger: `.modal .o_field_widget[name=${countField}]:contains(1)`,
        },
        {
            content: "The letter text, on the Lettre de consentement page",
            trigger: ".modal .o_notebook .nav-link:contains(Lettre de consentement)",
            run: "click",
        },
        {
            content: "The letter text is the standard French one",
            trigger: ".modal .o_field_widget[name=body]:contains(Bonjour %1,)",
        },
        noEnglish(".modal .modal-content", [
            "Hello",
            "Subject",
            "Letter text",
            "the customer's name",
        ]),
        {
            content: "Start",
            trigger: ".modal .modal-footer button[name=action_confirm]:contains(Lancer)",
            run: "click",
        },
    ];
}

/** From the menu to the form of a new print run of customer LT01. */
function printRun() {
    return [
        ...openInvoicingApp(),
        ...letterWizard("LT01"),
        {
            content: "Printing is chosen",
            trigger:
                ".modal .o_field_widget[name=output] .o_radio_item:has(input:checked):contains(Imprimer)",
        },
        ...confirmLetters("print_count"),
        {
            content: "The printing run opens",
            trigger: ".o_form_view .o_field_widget[name=display_name]:contains(impression)",
        },
    ];
}

registry.category("web_tour.tours").add("facto_demat_fr_letters", {
    steps: () => [
        ...printRun(),
        noErrorDialog(),
        statusbar(["En cours", "Terminé"], "Terminé"),
        {
            content: "A print run is never sending",
            trigger: ".o_form_view .o_statusbar_status:not(:contains(Envoi))",
        },
        {
            content: "The run's PDF",
            trigger:
                ".o_form_view button[name=action_download_pdf]:contains(Télécharger les lettres (PDF))",
        },
        noEnglish(".o_form_view", [
            "Letters of",
            "Download",
            "printing",
            "In progress",
            "Done",
            "Customers",
            "Result",
            "Started",
            "To print",
            "Failed",
            "Answer link",
            "Letter text",
            "Print",
        ]),
        {
            content: "Open the letters",
            trigger: ".o_form_view button[name=action_view_lines]:contains(Terminé)",
            run: "click",
        },
        {
            content: "The printed letter",
            trigger:
                ".o_list_view .o_data_row:contains(Fromagerie Dubois):contains(Imprimer):contains(Terminé)",
        },
        {
            content: "Its PDF, drawn from the run's",
            trigger:
                ".o_list_view .o_data_row:contains(Fromagerie Dubois) button[name=action_download_letter]:contains(Lettre)",
        },
        noEnglish(".o_list_view", [
            "Customer",
            "Print",
            "Done",
            "Email address",
            "Reason",
            "Next try",
            "Letter",
        ]),
        ...letterWizard("LT02"),
        {
            content: "Choose Email",
            trigger:
                ".modal .o_field_widget[name=output] .o_radio_item:has(input[data-value=email]) label",
            run: "click",
        },
        {
            content: "Emailing is chosen",
            trigger:
                ".modal .o_field_widget[name=output] .o_radio_item:has(input:checked):contains(Email)",
        },
        {
            content: "The letters to email",
            trigger: ".modal .o_form_label:contains(Lettres à envoyer par email)",
        },
        ...confirmLetters("email_count"),
        {
            content: "The emailing run opens",
            trigger: ".o_form_view .o_field_widget[name=display_name]:contains(envoi par email)",
        },
        noErrorDialog(),
        statusbar(["En cours", "Envoi en cours", "Terminé"], "Envoi en cours"),
        noEnglish(".o_form_view", [
            "Letters of",
            "emailing",
            "In progress",
            "Sending",
            "Done",
            "Customers",
            "Result",
            "To email",
        ]),
        {
            content: "Open the letters",
            trigger: ".o_form_view button[name=action_view_lines]",
            run: "click",
        },
        {
            content: "The letter waits in the mail queue",
            trigger:
                ".o_list_view .o_data_row:contains(Cave Lefebvre):contains(Dans la file d)",
        },
        noEnglish(".o_list_view", ["Customer", "In the mail queue", "Email address"]),
        noErrorDialog(),
    ],
});

// The letter text a run keeps, when started in French (a separate tour: it
// fails while the run stores the English text in French too)

registry.category("web_tour.tours").add("facto_demat_fr_letter_run_text", {
    steps: () => [
        ...printRun(),
        {
            content: "The run keeps the French subject",
            trigger: ".o_form_view .o_field_widget[name=subject]:contains(Vos factures)",
        },
        noEnglish(".o_form_view .o_field_widget[name=body]", [
            "Hello",
            "Our company",
            "please contact us",
        ]),
        {
            content: "The run keeps the French letter text",
            trigger: ".o_form_view .o_field_widget[name=body]:contains(Bonjour %1,)",
        },
        noErrorDialog(),
    ],
});

// 3. An email run with a failed letter, retried

registry.category("web_tour.tours").add("facto_demat_fr_letter_run_retry", {
    steps: () => [
        {
            content: "The emailing run",
            trigger: ".o_form_view .o_field_widget[name=display_name]:contains(envoi par email)",
        },
        statusbar(
            ["En cours", "Envoi en cours", "Terminé", "Terminé avec des échecs"],
            "Terminé avec des échecs"
        ),
        {
            content: "Why the letter failed",
            trigger:
                ".o_form_view .alert-warning:contains(en échec):contains(Boîte aux lettres inconnue)",
        },
        noEnglish(".o_form_view", ["letter(s) failed", "Done with failures", "Retry", "Failed"]),
        {
            content: "Open the letters",
            trigger: ".o_form_view button[name=action_view_lines]",
            run: "click",
        },
        {
            content: "The failed letter",
            trigger: ".o_list_view .o_data_row:contains(Epicerie Moreau):contains(Échec)",
        },
        noEnglish(".o_list_view", ["Customer", "Failed", "Reason"]),
        {
            content: "Back to the run",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains(Lettres du)",
            run: "click",
        },
        {
            content: "Retry the failed letters",
            trigger: ".o_form_view button[name=action_retry_failed]:contains(Relancer)",
            run: "click",
        },
        {
            content: "The letter is to do again",
            trigger:
                ".o_form_view:not(:has(button[name=action_retry_failed])) .o_statusbar_status:has(.o_arrow_button_current:contains(En cours))",
        },
        noErrorDialog(),
    ],
});

// 4. The evidence trail and its integrity check

registry.category("web_tour.tours").add("facto_demat_fr_evidence", {
    steps: () => [
        ...openInvoicingApp(),
        ...openMenu(
            "account.menu_finance_receivables",
            "facto_demat.facto_demat_event_menu",
            "Preuves de dématérialisation"
        ),
        {
            content: "The evidence",
            trigger:
                ".o_list_view .o_data_row:contains(Boulangerie Martin):contains(Refus enregistré)",
        },
        {
            content: "Verify the integrity, nothing selected",
            trigger: ".o_control_panel button[name=action_verify_integrity]:contains(intégrité)",
            run: "click",
        },
        {
            content: "The trail is intact",
            trigger:
                ".o_notification:contains(Intégrité du journal des preuves):contains(intact)",
        },
        noErrorDialog(),
        noEnglish(".o_notification", [
            "Evidence trail",
            "events verified",
            "the chain is intact",
            "evidence key",
        ]),
        noEnglish(".o_action_manager", [
            "Dematerialisation",
            "Verify integrity",
            "Refusal",
            "Manual",
            "Customer",
        ]),
    ],
});

// 5. The document types and a type's email text

function openInvoiceType() {
    return [
        {
            content: "Open the invoices' type",
            trigger: ".o_list_view .o_data_row td[name=kind]:contains(Facture)",
            run: "click",
        },
        {
            content: "The invoices' email text",
            trigger: ".o_form_view .oe_title .o_field_widget[name=kind]:contains(Facture)",
        },
    ];
}

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

// 6. The settings

registry.category("web_tour.tours").add("facto_demat_fr_settings", {
    steps: () => [
        {
            content: "Open the Facturation settings",
            trigger: ".settings_tab .tab[data-key=account]:contains(Facturation)",
            run: "click",
        },
        {
            content: "The Dématérialisation block",
            trigger: ".o_form_view h2:contains(Dématérialisation)",
        },
        {
            content: "The letter's setting",
            trigger: "#demat_letter_text:contains(Lettre de dématérialisation)",
        },
        {
            content: "The letter text's editor",
            trigger:
                "#demat_letter_text .o_field_widget[name=demat_letter_body] .odoo-editor-editable",
        },
        noEnglish(".o_settings_container:has(#demat_letter_text)", [
            "Dematerialisation",
            "Consent to documents",
            "Evidence trail",
            "Sender email",
            "Outgoing mail servers",
            "Incoming mail servers",
            "Leave empty",
            "To customers without",
            "the customer's name",
        ]),
        noErrorDialog(),
    ],
});

// 7. The mail servers and their connection test

function openMailServer(name) {
    return [
        {
            content: `Open ${name}`,
            trigger: `.o_list_view .o_data_row td[name=name]:contains(${name})`,
            run: "click",
        },
        {
            content: "Its sending mode",
            trigger: ".o_form_view .o_field_widget[name=transport] .o_radio_input:checked",
        },
        noEnglish(".o_form_view", [
            "Sending mode",
            "Messages per minute",
            "Exchange on premises",
            "Mailbox",
            "Client secret",
            "Save a copy",
        ]),
        {
            content: "Test the connection",
            trigger: ".o_form_view button[name=test_smtp_connection]:contains(Test de connexion)",
            run: "click",
        },
    ];
}

function userErrorDialog(text) {
    return [
        {
            content: "A message for the user, not a crash",
            trigger:
                ".modal:has(.o_error_dialog) .modal-title:contains(Opération invalide)",
        },
        {
            content: "No traceback",
            trigger: ".modal .o_error_dialog:not(:has(.o_error_detail)):not(:contains(Oups))",
        },
        noEnglish(".modal .o_error_dialog", [
            "Connection Test Failed",
            "does not answer",
            "check its address",
            "Invalid Operation",
            "Server Error",
        ]),
        {
            content: `The message says: ${text}`,
            trigger: `.modal .o_error_dialog:contains(${text})`,
        },
        {
            content: "Close the message",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The message is closed",
            trigger: "body:not(:has(.modal))",
        },
    ];
}

function connectionTest(server) {
    return [
        {
            content: "The settings",
            trigger: ".o_main_navbar .o_menu_brand:contains(Paramètres)",
        },
        ...openMenu(
            "base.menu_custom",
            "base.menu_mail_servers",
            "Serveurs de messagerie sortants"
        ),
        ...openMailServer(server),
        ...userErrorDialog("ne répond pas"),
        {
            content: "Back on the server's form",
            trigger: `.o_breadcrumb .active:contains(${server})`,
        },
    ];
}

// One tour per sending mode: one failing does not hide the other.

registry.category("web_tour.tours").add("facto_demat_fr_mail_server_smtp", {
    steps: () => connectionTest("Serveur SMTP local"),
});

registry.category("web_tour.tours").add("facto_demat_fr_mail_server_graph", {
    steps: () => connectionTest("Microsoft 365 local"),
});

// 9. The reform: customers by invoicing route, and the data they gave

registry.category("web_tour.tours").add("facto_demat_fr_reform", {
    steps: () => [
        ...openInvoicingApp(),
        ...openMenu(
            "account.menu_finance_receivables",
            "facto_demat.facto_demat_route_board_menu",
            "Clients par mode de transmission"
        ),
        {
            content: "The board opens on its pivot, by route",
            trigger: ".o_pivot:contains(Email avec accord du client)",
        },
        {
            content: "Problems in columns",
            trigger: ".o_pivot:contains(SIREN absent)",
        },
        noEnglish(".o_action_manager", [
            "Customers by invoicing route",
            "No SIREN",
            "Email with consent",
            "Letter sent",
        ]),
        {
            content: "The list",
            trigger: ".o_switch_view.o_list",
            run: "click",
        },
        {
            content: "The customer without SIREN is not ready",
            trigger: ".o_list_view .o_data_row.text-danger:contains(Transports Léa):contains(SIREN absent)",
        },
        noErrorDialog(),
        ...openMenu(
            "account.menu_finance_receivables",
            "facto_demat.facto_demat_customer_data_menu",
            "Données clients à vérifier"
        ),
        {
            content: "What the customer gave waits for review",
            trigger: ".o_list_view .o_data_row:contains(Transports Léa):contains(À vérifier)",
        },
        noEnglish(".o_action_manager", ["To review", "Apply", "Reject", "Given on"]),
        {
            content: "Apply it",
            trigger: ".o_list_view .o_data_row:contains(Transports Léa) button[name=action_apply]",
            run: "click",
        },
        {
            content: "Nothing left to review",
            trigger: ".o_view_nocontent:contains(Rien à vérifier)",
        },
        noErrorDialog(),
    ],
});
