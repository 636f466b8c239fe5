// Steps and checks the add-on's tours share: French screens read in French
// without an error dialog, menus opened as a user opens them, the letter
// wizard, the mail server's connection test, a step that leaves the page.

/**
 * Whether `text` has `words` as whole words (case-sensitively): "Transfer"
 * is not in "Transfert".
 */
export function hasWords(text, words) {
    const escaped = words.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    return new RegExp(`(?<!\\p{L})${escaped}(?!\\p{L})`, "u").test(text);
}

/**
 * A step that fails, naming them, when the element of `trigger` shows any of
 * these English texts.
 */
export function noEnglish(trigger, englishTexts) {
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
export function statusbar(labels, current) {
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

export function noErrorDialog() {
    return {
        content: "No error dialog",
        trigger: "body:not(:has(.o_error_dialog))",
    };
}

export function openMenu(section, xmlid, label) {
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

export function openInvoicingApp() {
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

export function letterWizard(code) {
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

export function confirmLetters(countField) {
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
export function printRun() {
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

export function openInvoiceType() {
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

export function openMailServer(name) {
    return [
        {
            content: `Open ${name}`,
            trigger: `.o_list_view .o_data_row td[name=name]:contains(${name})`,
            run: "click",
        },
        {
            content: "Its sending mode",
            trigger: ".o_form_view .o_field_widget[name=mail_transport_mode] .o_radio_input:checked",
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

export function userErrorDialog(text) {
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

export function connectionTest(server) {
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

// A step that leaves the page: 19.0 wants { expectUnloadPage: true }, which
// 18.0's tour service (in @web_tour/tour_service/) does not know.
export function leavesPage() {
    const odoo19 = odoo.loader.modules.has("@web_tour/js/tour_service");
    return odoo19 ? { expectUnloadPage: true } : {};
}
