import { registry } from "@web/core/registry";
import {
    noEnglish,
    statusbar,
    noErrorDialog,
    letterWizard,
    confirmLetters,
    printRun,
} from "@facto_demat/../tests/tours/utils/steps";

// A French invoicing manager's tour (tests/test_tour_french.py): every click
// answers without an error dialog, and the screens read in French.

// The letter wizard, printing then emailing, and the runs it starts
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
