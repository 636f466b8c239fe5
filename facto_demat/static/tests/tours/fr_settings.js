import { registry } from "@web/core/registry";
import { noEnglish, noErrorDialog } from "@facto_demat/../tests/tours/utils/steps";

// A French invoicing manager's tour (tests/test_tour_french.py): every click
// answers without an error dialog, and the screens read in French.

// The settings
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
