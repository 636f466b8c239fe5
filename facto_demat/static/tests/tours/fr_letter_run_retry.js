import { registry } from "@web/core/registry";
import {
    noEnglish,
    statusbar,
    noErrorDialog,
} from "@facto_demat/../tests/tours/utils/steps";

// A French invoicing manager's tour (tests/test_tour_french.py): every click
// answers without an error dialog, and the screens read in French.

// An email run with a failed letter, retried
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
